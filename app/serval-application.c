/* serval-application.c: the Serval desktop app. */
#include "config.h"

#include "serval-application.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "serval-admin-window.h"
#include "serval-login-dialog.h"
#include "serval-secret.h"
#include "serval-tap-open.h"
#include "serval-tls.h"
#include "serval-tray.h"
#include "serval-trust.h"
#include "serval-window.h"

#define DEFAULT_PORT 7465
#define REFRESH_SECONDS 10
#define TAP_MTU 1500

struct _ServalApplication
{
  GtkApplication     parent_instance;

  ServalTrust       *trust;
  ServalClient      *client;
  ServalClientState  state;
  char              *status;
  gboolean           lost;       /* the connection dropped and is being retried */
  GListStore        *vlans;      /* ServalVlanItem */
  GSource           *refresh_source;
  GCancellable      *cancellable; /* of the current session's requests */

  ServalTray        *tray;
  ServalWindow      *window;
  ServalLoginDialog *login;
  ServalAdminWindow *admin;

  /* command line */
  char              *opt_server;
  char              *opt_user;
  char              *opt_password_file;
  char              *opt_fingerprint;
};

G_DEFINE_FINAL_TYPE (ServalApplication, serval_application, GTK_TYPE_APPLICATION)

enum { PROP_0, PROP_CLIENT, PROP_STATE, PROP_STATUS, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void session_end (ServalApplication *app);
static void update_status (ServalApplication *app);

/* --- helpers --------------------------------------------------------------- */

char *
serval_application_normalize_server (const char *server)
{
  g_autofree char *s = g_strstrip (g_strdup (server));
  const char *colon = strrchr (s, ':');
  const char *bracket = strrchr (s, ']');

  if (colon == NULL || (bracket != NULL && bracket > colon) ||
      (strchr (s, ':') != colon && s[0] != '['))
    return g_strdup_printf (strchr (s, ':') != NULL && s[0] != '[' ? "[%s]:%d" : "%s:%d", s,
                            DEFAULT_PORT);
  return g_steal_pointer (&s);
}

static ServalVlanItem *
find_item (ServalApplication *app, const char *name, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (app->vlans));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalVlanItem) item = g_list_model_get_item (G_LIST_MODEL (app->vlans), i);

      if (g_strcmp0 (serval_vlan_item_get_name (item), name) == 0)
        {
          if (position != NULL)
            *position = i;
          return item;   /* the store keeps its own reference */
        }
    }
  return NULL;
}

static void
notify_user (ServalApplication *app, const char *id, const char *title, const char *body,
             GNotificationPriority priority)
{
  g_autoptr(GNotification) n = g_notification_new (title);

  g_notification_set_body (n, body);
  g_notification_set_priority (n, priority);
  g_notification_set_default_action (n, "app.show-window");
  g_application_send_notification (G_APPLICATION (app), id, n);
  g_message ("%s: %s", title, body);
}

void
serval_application_report (ServalApplication *app, const char *message)
{
  g_message ("%s", message);
  g_signal_emit (app, signals[SIGNAL_ERROR], 0, message);
  if (app->window == NULL || !gtk_widget_get_visible (GTK_WIDGET (app->window)))
    notify_user (app, "serval-error", _("Serval"), message, G_NOTIFICATION_PRIORITY_NORMAL);
}

/* --- properties ------------------------------------------------------------ */

ServalClient *serval_application_get_client (ServalApplication *app) { return app->client; }
ServalClientState serval_application_get_state (ServalApplication *app) { return app->state; }
const char *serval_application_get_status (ServalApplication *app) { return app->status; }
GListModel *serval_application_get_vlans (ServalApplication *app) { return G_LIST_MODEL (app->vlans); }
const char *serval_application_get_last_server (ServalApplication *app) { return serval_trust_get_last_server (app->trust); }
const char *serval_application_get_last_user (ServalApplication *app) { return serval_trust_get_last_user (app->trust); }

const char *
serval_application_get_pinned (ServalApplication *app, const char *server)
{
  return serval_trust_get_fingerprint (app->trust, server);
}

gboolean
serval_application_trust (ServalApplication *app, const char *server, const char *fingerprint,
                          GError **error)
{
  g_message ("Trusting the certificate of %s: fingerprint %s", server, fingerprint);
  return serval_trust_pin (app->trust, server, fingerprint, error);
}

static void
update_status (ServalApplication *app)
{
  g_autofree char *status = NULL;
  ServalClientState state = app->client != NULL ? serval_client_get_state (app->client)
                            : SERVAL_CLIENT_STATE_DISCONNECTED;

  if (app->client == NULL)
    status = g_strdup (_("Not connected"));
  else
    {
      const char *server = serval_client_get_server (app->client);
      const char *user = serval_client_get_user (app->client);
      const char *why = serval_client_get_last_error (app->client);

      switch (state)
        {
        case SERVAL_CLIENT_STATE_ONLINE:
          status = g_strdup_printf (_("Online as %s on %s"), user, server);
          break;
        case SERVAL_CLIENT_STATE_CONNECTING:
          status = app->lost && why != NULL
                   ? g_strdup_printf (_("Reconnecting to %s (%s)"), server, why)
                   : g_strdup_printf (_("Connecting to %s…"), server);
          break;
        case SERVAL_CLIENT_STATE_DISCONNECTED:
        default:
          status = why != NULL ? g_strdup_printf (_("Offline: %s"), why) : g_strdup (_("Offline"));
          break;
        }
    }

  if (app->state != state)
    {
      app->state = state;
      g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_STATE]);
    }
  if (g_strcmp0 (app->status, status) != 0)
    {
      g_free (app->status);
      app->status = g_steal_pointer (&status);
      g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_STATUS]);
    }
}

/* --- the VLAN list --------------------------------------------------------- */

static void
vlans_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalApplication *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = serval_client_list_vlans_finish (SERVAL_CLIENT (source), result, &error);
  g_autoptr(GHashTable) seen = NULL;
  guint n;

  if (infos == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED))
        g_warning ("Cannot list the VLANs: %s", error->message);
      g_application_release (G_APPLICATION (app));
      return;
    }
  g_ptr_array_set_free_func (infos, (GDestroyNotify) serval_vlan_info_free);
  if (SERVAL_CLIENT (source) != app->client)
    {
      g_application_release (G_APPLICATION (app));
      return;
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < infos->len; i++)
    {
      ServalVlanInfo *info = infos->pdata[i];
      ServalVlanItem *item;

      if (!info->allowed)
        continue;
      g_hash_table_add (seen, info->name);
      item = find_item (app, info->name, NULL);
      if (item == NULL)
        {
          g_autoptr(ServalVlanItem) new_item = serval_vlan_item_new (info->name);

          g_list_store_append (app->vlans, new_item);
          item = new_item;
        }
      if (!serval_vlan_item_get_joined (item))
        serval_vlan_item_set_members (item, info->members);
    }
  /* VLANs deleted, or rights revoked, since the last look. */
  n = g_list_model_get_n_items (G_LIST_MODEL (app->vlans));
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(ServalVlanItem) item = g_list_model_get_item (G_LIST_MODEL (app->vlans), i - 1);

      if (!g_hash_table_contains (seen, serval_vlan_item_get_name (item)) &&
          !serval_vlan_item_get_joined (item))
        g_list_store_remove (app->vlans, i - 1);
    }
  g_application_release (G_APPLICATION (app));
}

void
serval_application_refresh_vlans (ServalApplication *app)
{
  if (app->client == NULL || serval_client_get_state (app->client) != SERVAL_CLIENT_STATE_ONLINE)
    return;
  g_application_hold (G_APPLICATION (app));
  serval_client_list_vlans_async (app->client, app->cancellable, vlans_listed_cb, app);
}

static gboolean
refresh_cb (gpointer user_data)
{
  serval_application_refresh_vlans (user_data);
  return G_SOURCE_CONTINUE;
}

static void
members_changed_cb (GListModel *members, guint position, guint removed, guint added, gpointer user_data)
{
  serval_vlan_item_set_members (SERVAL_VLAN_ITEM (user_data), g_list_model_get_n_items (members));
}

static void
item_take_vlan (ServalVlanItem *item, ServalClientVlan *vlan)
{
  ServalClientVlan *old = serval_vlan_item_get_vlan (item);

  if (old != NULL)
    g_signal_handlers_disconnect_by_func (serval_client_vlan_get_members (old), members_changed_cb, item);
  serval_vlan_item_set_vlan (item, vlan);
  if (vlan != NULL)
    {
      GListModel *members = serval_client_vlan_get_members (vlan);

      g_signal_connect_object (members, "items-changed", G_CALLBACK (members_changed_cb), item, 0);
      serval_vlan_item_set_members (item, g_list_model_get_n_items (members));
    }
}

/* --- joining and leaving ---------------------------------------------------- */

typedef struct {
  ServalApplication *app;
  ServalVlanItem    *item;
  ServalClient      *client;
} JoinData;

static void
join_data_free (JoinData *data)
{
  serval_vlan_item_set_busy (data->item, FALSE);
  g_object_unref (data->item);
  g_object_unref (data->client);
  g_application_release (G_APPLICATION (data->app));
  g_free (data);
}

static void
joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JoinData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) vlan = serval_client_join_finish (SERVAL_CLIENT (source), result, &error);
  const char *name = serval_vlan_item_get_name (data->item);

  if (vlan == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot join VLAN “%s”: %s"), name, error->message);

          serval_application_report (data->app, msg);
        }
      g_object_notify (G_OBJECT (data->item), "joined");   /* puts the switch back */
    }
  else
    {
      ServalTap *tap = serval_client_vlan_get_tap (vlan);

      g_message ("Joined VLAN “%s” on device %s", name, tap != NULL ? serval_tap_get_name (tap) : "-");
      item_take_vlan (data->item, vlan);
    }
  join_data_free (data);
}

static void
tap_opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JoinData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalTap) tap = serval_tap_open_finish (result, &error);
  const char *name = serval_vlan_item_get_name (data->item);

  if (tap == NULL || data->client != data->app->client)
    {
      if (tap == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot join VLAN “%s”: %s"), name, error->message);

          serval_application_report (data->app, msg);
        }
      g_object_notify (G_OBJECT (data->item), "joined");
      join_data_free (data);
      return;
    }
  serval_client_join_async (data->client, name, tap, NULL, NULL, data->app->cancellable, joined_cb, data);
}

static void
left_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JoinData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!serval_client_leave_finish (SERVAL_CLIENT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot leave VLAN “%s”: %s"),
                                              serval_vlan_item_get_name (data->item), error->message);

      serval_application_report (data->app, msg);
      g_object_notify (G_OBJECT (data->item), "joined");
    }
  else if (error == NULL)
    {
      /* The engine dropped the VLAN (and so its TAP device); ::vlan-removed is
       * only for removals the user did not ask for. */
      g_message ("Left VLAN “%s”", serval_vlan_item_get_name (data->item));
      item_take_vlan (data->item, NULL);
    }
  join_data_free (data);
}

void
serval_application_set_joined (ServalApplication *app, ServalVlanItem *item, gboolean joined)
{
  JoinData *data;
  const char *name = serval_vlan_item_get_name (item);

  if (joined == serval_vlan_item_get_joined (item) || serval_vlan_item_get_busy (item))
    return;
  if (app->client == NULL || serval_client_get_state (app->client) != SERVAL_CLIENT_STATE_ONLINE)
    {
      serval_application_report (app, _("Not connected: log in first"));
      g_object_notify (G_OBJECT (item), "joined");
      return;
    }

  data = g_new0 (JoinData, 1);
  data->app = app;
  data->item = g_object_ref (item);
  data->client = g_object_ref (app->client);
  serval_vlan_item_set_busy (item, TRUE);
  g_application_hold (G_APPLICATION (app));

  if (joined)
    {
      g_autofree char *dev = serval_tap_open_device_name (name);
      guint8 mac[6];

      serval_tap_stable_mac (serval_client_get_user (app->client), name, mac);
      serval_tap_open_async (dev, TAP_MTU, mac, app->cancellable, tap_opened_cb, data);
    }
  else
    serval_client_leave_async (app->client, name, app->cancellable, left_cb, data);
}

/* --- the session ------------------------------------------------------------ */

static void
vlan_removed_cb (ServalClient *client, ServalClientVlan *vlan, const char *reason, gpointer user_data)
{
  ServalApplication *app = user_data;
  const char *name = serval_client_vlan_get_name (vlan);
  ServalVlanItem *item = find_item (app, name, NULL);

  g_message ("Left VLAN “%s”%s%s", name, reason != NULL ? ": " : "", reason != NULL ? reason : "");
  if (item != NULL)
    item_take_vlan (item, NULL);
  if (reason != NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("You are no longer in VLAN “%s”: %s"), name, reason);

      serval_application_report (app, msg);
    }
  serval_application_refresh_vlans (app);
}

static void
state_changed_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  ServalApplication *app = user_data;
  ServalClientState old = app->state;
  ServalClientState state = serval_client_get_state (client);
  const char *server = serval_client_get_server (client);

  if (old == SERVAL_CLIENT_STATE_ONLINE && state != SERVAL_CLIENT_STATE_ONLINE)
    {
      g_autofree char *body = NULL;

      app->lost = TRUE;
      body = g_strdup_printf (_("Lost the connection to %s (%s). Serval is reconnecting; your "
                                "VLANs will be rejoined."), server,
                              serval_client_get_last_error (client) != NULL
                              ? serval_client_get_last_error (client) : _("closed"));
      notify_user (app, "serval-connection", _("Serval disconnected"), body,
                   G_NOTIFICATION_PRIORITY_HIGH);
    }
  else if (state == SERVAL_CLIENT_STATE_ONLINE && app->lost)
    {
      g_autofree char *body = g_strdup_printf (_("Connected to %s again; your VLANs are back."), server);

      app->lost = FALSE;
      notify_user (app, "serval-connection", _("Serval reconnected"), body,
                   G_NOTIFICATION_PRIORITY_NORMAL);
    }
  update_status (app);
  if (state == SERVAL_CLIENT_STATE_ONLINE)
    serval_application_refresh_vlans (app);
}

static void
connection_failed_cb (ServalClient *client, GError *error, gpointer user_data)
{
  ServalApplication *app = user_data;
  g_autofree char *body = g_strdup_printf (_("Serval stopped reconnecting to %s: %s"),
                                           serval_client_get_server (client), error->message);

  notify_user (app, "serval-connection", _("Serval disconnected"), body, G_NOTIFICATION_PRIORITY_URGENT);
  g_signal_emit (app, signals[SIGNAL_ERROR], 0, body);
  update_status (app);
}

static void
admin_changed_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  ServalApplication *app = user_data;
  GAction *admin = g_action_map_lookup_action (G_ACTION_MAP (app), "admin");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (admin), serval_client_get_admin (client));
}

static void
session_begin (ServalApplication *app, ServalClient *client)
{
  session_end (app);
  app->client = g_object_ref (client);
  app->cancellable = g_cancellable_new ();
  app->lost = FALSE;
  g_signal_connect (client, "notify::state", G_CALLBACK (state_changed_cb), app);
  g_signal_connect_swapped (client, "notify::last-error", G_CALLBACK (update_status), app);
  g_signal_connect (client, "notify::admin", G_CALLBACK (admin_changed_cb), app);
  g_signal_connect (client, "vlan-removed", G_CALLBACK (vlan_removed_cb), app);
  g_signal_connect (client, "connection-failed", G_CALLBACK (connection_failed_cb), app);
  admin_changed_cb (client, NULL, app);
  app->refresh_source = g_timeout_source_new_seconds (REFRESH_SECONDS);
  g_source_set_callback (app->refresh_source, refresh_cb, app, NULL);
  g_source_attach (app->refresh_source, NULL);
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_CLIENT]);
  update_status (app);
  serval_application_refresh_vlans (app);
}

static void
session_end (ServalApplication *app)
{
  GAction *admin;

  if (app->client == NULL)
    return;
  g_cancellable_cancel (app->cancellable);
  g_clear_object (&app->cancellable);
  if (app->refresh_source != NULL)
    g_source_destroy (app->refresh_source);
  g_clear_pointer (&app->refresh_source, g_source_unref);
  g_signal_handlers_disconnect_by_data (app->client, app);

  /* The TAP devices go when the last reference to their VLAN does. */
  serval_client_disconnect (app->client);
  g_clear_object (&app->client);
  g_list_store_remove_all (app->vlans);
  admin = g_action_map_lookup_action (G_ACTION_MAP (app), "admin");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (admin), FALSE);
  if (app->admin != NULL)
    gtk_widget_destroy (GTK_WIDGET (app->admin));
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_CLIENT]);
  update_status (app);
}

/* --- logging in ------------------------------------------------------------- */

typedef struct {
  ServalClient *client;
  char         *server;
  char         *user;
  char         *password;
  gboolean      remember;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_clear_object (&data->client);
  g_free (data->server);
  g_free (data->user);
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data);
}

static void
secret_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!serval_secret_store_finish (result, &error))
    g_message ("The password was not saved in the keyring: %s", error->message);
}

static void
secret_cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  if (!serval_secret_clear_finish (result, &error) && error != NULL)
    g_debug ("No password removed from the keyring: %s", error->message);
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ServalApplication *app = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;

  if (!serval_client_connect_finish (data->client, result, &error))
    {
      g_message ("Login as %s on %s failed: %s", data->user, data->server, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_message ("Logged in as %s on %s%s", data->user, data->server,
             serval_client_get_admin (data->client) ? " (administrator)" : "");
  if (!serval_trust_set_last (app->trust, data->server, data->user, &save_error))
    g_warning ("Cannot remember the server: %s", save_error->message);
  if (data->remember)
    serval_secret_store_async (data->server, data->user, data->password, NULL, secret_done_cb, NULL);
  else
    serval_secret_clear_async (data->server, data->user, NULL, secret_cleared_cb, NULL);
  session_begin (app, data->client);
  g_task_return_boolean (task, TRUE);
}

void
serval_application_login_async (ServalApplication *app, const char *server, const char *user,
                                const char *password, gboolean remember, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (app, cancellable, callback, user_data);
  LoginData *data = g_new0 (LoginData, 1);

  g_task_set_source_tag (task, serval_application_login_async);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);
  data->server = serval_application_normalize_server (server);
  data->user = g_strdup (user);
  data->password = g_strdup (password);
  data->remember = remember;
  session_end (app);
  data->client = serval_client_new (data->server, user, password,
                                    serval_trust_get_fingerprint (app->trust, data->server));
  g_message ("Logging in as %s on %s", user, data->server);
  serval_client_connect_async (data->client, cancellable, connected_cb, task);
}

gboolean
serval_application_login_finish (ServalApplication *app, GAsyncResult *result, char **peer_fingerprint,
                                 GError **error)
{
  LoginData *data = g_task_get_task_data (G_TASK (result));

  if (peer_fingerprint != NULL)
    *peer_fingerprint = g_strdup (serval_client_get_peer_fingerprint (data->client));
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- windows and actions ---------------------------------------------------- */

static void
window_destroyed_cb (GtkWidget *widget, gpointer user_data)
{
  ServalApplication *app = user_data;

  if ((gpointer) widget == app->window)
    app->window = NULL;
  else if ((gpointer) widget == app->login)
    app->login = NULL;
  else if ((gpointer) widget == app->admin)
    app->admin = NULL;
}

static ServalLoginDialog *
ensure_login (ServalApplication *app)
{
  if (app->login == NULL)
    {
      app->login = serval_login_dialog_new (app);
      g_signal_connect (app->login, "destroy", G_CALLBACK (window_destroyed_cb), app);
    }
  return app->login;
}

void
serval_application_show_window (ServalApplication *app)
{
  if (app->client == NULL)
    {
      gtk_window_present (GTK_WINDOW (ensure_login (app)));
      return;
    }
  if (app->window == NULL)
    {
      app->window = serval_window_new (app);
      g_signal_connect (app->window, "destroy", G_CALLBACK (window_destroyed_cb), app);
    }
  gtk_window_present (GTK_WINDOW (app->window));
}

static void
show_window_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  serval_application_show_window (user_data);
}

static void
connect_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;

  gtk_window_present (GTK_WINDOW (ensure_login (app)));
}

static void
disconnect_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;

  if (app->client != NULL)
    g_message ("Disconnecting from %s", serval_client_get_server (app->client));
  session_end (app);
}

static void
admin_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;

  if (app->client == NULL)
    return;
  if (app->admin == NULL)
    {
      app->admin = serval_admin_window_new (app, app->client);
      g_signal_connect (app->admin, "destroy", G_CALLBACK (window_destroyed_cb), app);
    }
  gtk_window_present (GTK_WINDOW (app->admin));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;
  const char *authors[] = { "The Serval developers", NULL };

  gtk_show_about_dialog (app->window != NULL ? GTK_WINDOW (app->window) : NULL,
                         "program-name", "Serval",
                         "version", PACKAGE_VERSION,
                         "comments", _("Computers anywhere on the Internet on one virtual Ethernet LAN"),
                         "logo-icon-name", APPLICATION_ID,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;

  session_end (app);
  g_application_quit (G_APPLICATION (app));
}

static const GActionEntry app_actions[] = {
  { "show-window", show_window_activated },
  { "connect", connect_activated },
  { "disconnect", disconnect_activated },
  { "admin", admin_activated },
  { "about", about_activated },
  { "quit", quit_activated },
};

/* --- GApplication ------------------------------------------------------------ */

static void
serval_application_startup (GApplication *application)
{
  ServalApplication *app = SERVAL_APPLICATION (application);
  const char *quit_accels[] = { "<Primary>q", NULL };
  GAction *admin;

  G_APPLICATION_CLASS (serval_application_parent_class)->startup (application);

  g_set_application_name (_("Serval"));
  gtk_window_set_default_icon_name (APPLICATION_ID);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_default (), "/org/serval/Serval/icons");
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  admin = g_action_map_lookup_action (G_ACTION_MAP (app), "admin");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (admin), FALSE);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);

  app->trust = serval_trust_new (NULL);
  update_status (app);
  app->tray = serval_tray_new (app);
  /* Serval keeps running in the tray when its windows are closed. */
  g_application_hold (application);
}

static void
serval_application_shutdown (GApplication *application)
{
  ServalApplication *app = SERVAL_APPLICATION (application);

  session_end (app);
  g_clear_object (&app->tray);
  G_APPLICATION_CLASS (serval_application_parent_class)->shutdown (application);
}

static void
command_line_login_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalApplication *app = SERVAL_APPLICATION (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *fp = NULL;

  if (!serval_application_login_finish (app, result, &fp, &error))
    {
      ServalLoginDialog *login = ensure_login (app);

      serval_login_dialog_show_error (login, error, fp);
      gtk_window_present (GTK_WINDOW (login));
      return;
    }
  if (app->login != NULL)
    gtk_widget_hide (GTK_WIDGET (app->login));
  serval_application_show_window (app);
}

static gboolean
login_from_command_line (ServalApplication *app)
{
  g_autofree char *password = NULL;
  g_autofree char *server = NULL;
  g_autoptr(GError) error = NULL;

  if (app->opt_server == NULL || app->opt_user == NULL || app->opt_password_file == NULL)
    return FALSE;
  if (!g_file_get_contents (app->opt_password_file, &password, NULL, &error))
    {
      g_printerr (_("Cannot read the password file: %s\n"), error->message);
      return FALSE;
    }
  g_strchomp (password);
  server = serval_application_normalize_server (app->opt_server);
  if (app->opt_fingerprint != NULL &&
      !serval_application_trust (app, server, app->opt_fingerprint, &error))
    g_warning ("Cannot save the fingerprint: %s", error->message);
  serval_login_dialog_set_busy (ensure_login (app), server, app->opt_user);
  gtk_window_present (GTK_WINDOW (app->login));
  serval_application_login_async (app, server, app->opt_user, password, FALSE, NULL,
                                  command_line_login_cb, NULL);
  memset (password, 0, strlen (password));
  g_clear_pointer (&app->opt_password_file, g_free);
  return TRUE;
}

static void
serval_application_activate (GApplication *application)
{
  ServalApplication *app = SERVAL_APPLICATION (application);

  if (login_from_command_line (app))
    return;
  serval_application_show_window (app);
}

static int
serval_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      printf ("serval %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

static void
serval_application_finalize (GObject *object)
{
  ServalApplication *app = SERVAL_APPLICATION (object);

  g_clear_object (&app->trust);
  g_clear_object (&app->vlans);
  g_free (app->status);
  g_free (app->opt_server);
  g_free (app->opt_user);
  g_free (app->opt_password_file);
  g_free (app->opt_fingerprint);
  G_OBJECT_CLASS (serval_application_parent_class)->finalize (object);
}

static void
serval_application_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ServalApplication *app = SERVAL_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, app->client); break;
    case PROP_STATE: g_value_set_enum (value, app->state); break;
    case PROP_STATUS: g_value_set_string (value, app->status); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
serval_application_class_init (ServalApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = serval_application_finalize;
  object_class->get_property = serval_application_get_property;
  app_class->startup = serval_application_startup;
  app_class->shutdown = serval_application_shutdown;
  app_class->activate = serval_application_activate;
  app_class->handle_local_options = serval_application_handle_local_options;

  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, SERVAL_TYPE_CLIENT, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SERVAL_TYPE_CLIENT_STATE,
                                              SERVAL_CLIENT_STATE_DISCONNECTED, flags);
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ServalApplication::error:
   * @message: a sentence for the user, saying what failed and what to do
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
serval_application_init (ServalApplication *app)
{
  const GOptionEntry options[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &app->opt_server,
      N_("Log in to this server at start"), N_("HOST[:PORT]") },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &app->opt_user, N_("User name to log in with"), N_("NAME") },
    { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, &app->opt_password_file,
      N_("Read the password from this file"), N_("FILE") },
    { "fingerprint", 'f', 0, G_OPTION_ARG_STRING, &app->opt_fingerprint,
      N_("Trust the server's certificate with this fingerprint"), N_("HEX") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  app->vlans = g_list_store_new (SERVAL_TYPE_VLAN_ITEM);
  app->state = SERVAL_CLIENT_STATE_DISCONNECTED;
  g_application_add_main_option_entries (G_APPLICATION (app), options);
}

ServalApplication *
serval_application_new (void)
{
  return g_object_new (SERVAL_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
