/* serval-application.c: the Serval desktop app: the session, the properties
 * the windows bind to, the actions they activate, and the windows. */
#include "config.h"

#include "serval-application-private.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "serval-address.h"
#include "serval-admin-window.h"
#include "serval-announce.h"
#include "serval-autostart.h"
#include "serval-login-dialog.h"
#include "serval-secret.h"
#include "serval-tray.h"
#include "serval-window.h"

G_DEFINE_FINAL_TYPE (ServalApplication, serval_application, GTK_TYPE_APPLICATION)

enum
{
  PROP_0,
  PROP_CLIENT,
  PROP_STATE,
  PROP_STATUS,
  PROP_STATUS_DETAIL,
  PROP_ICON_NAME,
  PROP_CONNECTED,
  PROP_ADMIN,
  PROP_LAST_ERROR,
  PROP_VLANS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void session_end (ServalApplication *app);
static void update_status (ServalApplication *app);

/* --- what the user is told -------------------------------------------------- */

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

static void
set_last_error (ServalApplication *app, const char *message)
{
  if (g_strcmp0 (app->last_error, message) == 0)
    return;
  g_free (app->last_error);
  app->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_LAST_ERROR]);
  update_status (app);
}

void
serval_application_report_error (ServalApplication *app, const char *message)
{
  g_message ("%s", message);
  set_last_error (app, message);
  if (app->window == NULL || !gtk_widget_get_visible (GTK_WIDGET (app->window)))
    notify_user (app, "serval-error", _("Serval"), message, G_NOTIFICATION_PRIORITY_NORMAL);
}

/* --- state ------------------------------------------------------------------- */

static const char *
state_icon_name (ServalClientState state)
{
  switch (state)
    {
    case SERVAL_CLIENT_STATE_ONLINE: return "serval-online-symbolic";
    case SERVAL_CLIENT_STATE_CONNECTING: return "serval-connecting-symbolic";
    case SERVAL_CLIENT_STATE_DISCONNECTED:
    default: return "serval-offline-symbolic";
    }
}

/* One short line on the state; the cause, when there is one, goes to
 * @detail, so neither says the other's part again. */
static char *
describe_state (ServalApplication *app, ServalClientState state, char **detail)
{
  const char *server;
  const char *why;

  *detail = NULL;
  if (app->client == NULL)
    return g_strdup (_("Not connected"));
  server = serval_client_get_current_server (app->client);
  why = serval_client_get_last_error (app->client);
  switch (state)
    {
    case SERVAL_CLIENT_STATE_ONLINE:
      {
        const char *const *servers = serval_client_get_servers (app->client);
        const char *node = serval_client_get_node (app->client);
        guint n = servers != NULL ? g_strv_length ((GStrv) servers) : 0;

        /* A cluster: which of its nodes this is, and how many are live. */
        if (node != NULL && n > 1)
          return g_strdup_printf (_("Online as %s on %s, node %s of %u"), serval_client_get_user (app->client),
                                     server, node, n);
        return g_strdup_printf (_("Online as %s on %s"), serval_client_get_user (app->client), server);
      }
    case SERVAL_CLIENT_STATE_CONNECTING:
      if (!app->lost)
        return g_strdup_printf (_("Connecting to %s…"), server);
      *detail = g_strdup (why);
      return g_strdup_printf (_("Reconnecting to %s…"), server);
    case SERVAL_CLIENT_STATE_DISCONNECTED:
    default:
      /* The error bar says it already, when there is one. */
      if (app->last_error == NULL)
        *detail = g_strdup (why);
      return g_strdup (_("Offline"));
    }
}

static void
update_status (ServalApplication *app)
{
  ServalClientState state = app->client != NULL ? serval_client_get_state (app->client) : SERVAL_CLIENT_STATE_DISCONNECTED;
  g_autofree char *detail = NULL;
  g_autofree char *status = describe_state (app, state, &detail);

  if (app->state != state)
    {
      app->state = state;
      g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_ICON_NAME]);
    }
  if (g_strcmp0 (app->status, status) != 0)
    {
      g_free (app->status);
      app->status = g_steal_pointer (&status);
      g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_STATUS]);
    }
  if (g_strcmp0 (app->status_detail, detail) != 0)
    {
      g_free (app->status_detail);
      app->status_detail = g_steal_pointer (&detail);
      g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_STATUS_DETAIL]);
    }
}

static void
set_admin (ServalApplication *app, gboolean admin)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (app), "admin");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), admin);
  if (app->admin == admin)
    return;
  app->admin = admin;
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_ADMIN]);
}

/* --- the session ------------------------------------------------------------ */

static void
state_changed_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  ServalApplication *app = user_data;
  ServalClientState old = app->state;
  ServalClientState state = serval_client_get_state (client);
  const char *server = serval_client_get_current_server (client);

  if (old == SERVAL_CLIENT_STATE_ONLINE && state != SERVAL_CLIENT_STATE_ONLINE)
    {
      g_autofree char *body = NULL;

      app->lost = TRUE;
      body = g_strdup_printf (_("Lost the connection to %s (%s). Serval is reconnecting; your "
                                "VLANs will be rejoined."),
                                 server,
                                 serval_client_get_last_error (client) != NULL ? serval_client_get_last_error (client) : _("closed"));
      notify_user (app, "serval-connection", _("Serval disconnected"), body, G_NOTIFICATION_PRIORITY_HIGH);
    }
  else if (state == SERVAL_CLIENT_STATE_ONLINE && app->lost)
    {
      g_autofree char *body = g_strdup_printf (_("Connected to %s again; your VLANs are back."), server);

      app->lost = FALSE;
      notify_user (app, "serval-connection", _("Serval reconnected"), body, G_NOTIFICATION_PRIORITY_NORMAL);
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
  set_last_error (app, body);
  update_status (app);
}

static void
admin_changed_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  set_admin (SERVAL_APPLICATION (user_data), serval_client_get_admin (client));
}

/* Takes over @client, logged in by the login window. */
static void
session_begin (ServalApplication *app, ServalClient *client)
{
  session_end (app);
  app->client = g_object_ref (client);
  serval_announce_apply (client); /* before the joins: they carry it */
  app->cancellable = g_cancellable_new ();
  app->lost = FALSE;
  g_signal_connect (client, "notify::state", G_CALLBACK (state_changed_cb), app);
  g_signal_connect_swapped (client, "notify::last-error", G_CALLBACK (update_status), app);
  /* A cluster's nodes come and go: the status says which and how many. */
  g_signal_connect_swapped (client, "notify::servers", G_CALLBACK (update_status), app);
  g_signal_connect_swapped (client, "notify::node", G_CALLBACK (update_status), app);
  g_signal_connect (client, "notify::admin", G_CALLBACK (admin_changed_cb), app);
  g_signal_connect (client, "connection-failed", G_CALLBACK (connection_failed_cb), app);
  set_admin (app, serval_client_get_admin (client));
  serval_application_vlans_start (app);
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_CLIENT]);
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_CONNECTED]);
  update_status (app);
  serval_application_refresh_vlans (app);
}

static void
session_end (ServalApplication *app)
{
  if (app->client == NULL)
    return;
  g_cancellable_cancel (app->cancellable);
  g_clear_object (&app->cancellable);
  serval_application_vlans_stop (app);
  g_signal_handlers_disconnect_by_data (app->client, app);

  /* The TAP devices go when the last reference to their VLAN does. */
  serval_client_disconnect (app->client);
  g_clear_object (&app->client);
  set_admin (app, FALSE);
  if (app->admin_window != NULL)
    gtk_widget_destroy (GTK_WIDGET (app->admin_window));
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_CLIENT]);
  g_object_notify_by_pspec (G_OBJECT (app), properties[PROP_CONNECTED]);
  update_status (app);
}

/* --- windows ----------------------------------------------------------------- */

static void
window_destroyed_cb (GtkWidget *widget, gpointer user_data)
{
  ServalApplication *app = user_data;

  if ((gpointer) widget == app->window)
    app->window = NULL;
  else if ((gpointer) widget == app->login)
    app->login = NULL;
  else if ((gpointer) widget == app->admin_window)
    app->admin_window = NULL;
}

static void show_window (ServalApplication *app);

/* The one place a login ends well: from the window, or from the command line. */
static void
logged_in_cb (ServalLoginDialog *login, ServalClient *client, gpointer user_data)
{
  ServalApplication *app = user_data;

  session_begin (app, client);
  /* Started at login (--hidden): Serval stays in the tray. */
  if (app->hidden_login)
    {
      app->hidden_login = FALSE;
      return;
    }
  show_window (app);
  serval_window_focus_vlans (SERVAL_WINDOW (app->window));
}

static ServalLoginDialog *
ensure_login (ServalApplication *app)
{
  if (app->login == NULL)
    {
      app->login = GTK_WINDOW (serval_login_dialog_new (GTK_APPLICATION (app), app->trust));
      g_signal_connect (app->login, "destroy", G_CALLBACK (window_destroyed_cb), app);
      g_signal_connect (app->login, "logged-in", G_CALLBACK (logged_in_cb), app);
    }
  return SERVAL_LOGIN_DIALOG (app->login);
}

static void
show_window (ServalApplication *app)
{
  app->hidden_login = FALSE;
  if (app->client == NULL)
    {
      gtk_window_present (GTK_WINDOW (ensure_login (app)));
      return;
    }
  if (app->window == NULL)
    {
      app->window = GTK_WINDOW (serval_window_new (GTK_APPLICATION (app)));
      g_signal_connect (app->window, "destroy", G_CALLBACK (window_destroyed_cb), app);
    }
  gtk_window_present (app->window);
}

/* --- actions ------------------------------------------------------------------ */

static void
show_window_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  show_window (user_data);
}

static void
connect_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;
  GtkWindow *login = GTK_WINDOW (ensure_login (app));

  app->hidden_login = FALSE;
  /* Over the main window when it is up, so that it never hides behind it. */
  gtk_window_set_transient_for (login, app->window != NULL && gtk_widget_get_visible (GTK_WIDGET (app->window)) ? app->window : NULL);
  gtk_window_present (login);
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
join_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  serval_application_set_joined (user_data, g_variant_get_string (parameter, NULL), TRUE);
}

static void
leave_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  serval_application_set_joined (user_data, g_variant_get_string (parameter, NULL), FALSE);
}

static void
refresh_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  serval_application_refresh_vlans (user_data);
}

static void
dismiss_error_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  set_last_error (user_data, NULL);
}

static void
admin_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;

  if (app->client == NULL)
    return;
  if (app->admin_window == NULL)
    {
      app->admin_window = GTK_WINDOW (serval_admin_window_new (GTK_APPLICATION (app), app->client));
      g_signal_connect (app->admin_window, "destroy", G_CALLBACK (window_destroyed_cb), app);
    }
  gtk_window_present (app->admin_window);
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;
  /* The same words as the metainfo's developer name, and so the same translation. */
  const char *authors[] = { _("The Serval developers"), NULL };
  /* -Dwebsite=URL; none until the project has a public address */
  const char *website = PACKAGE_WEBSITE[0] != '\0' ? PACKAGE_WEBSITE : NULL;

  gtk_show_about_dialog (app->window, "program-name", "Serval", "version", PACKAGE_VERSION, "comments",
                         _("Computers anywhere on the Internet on one virtual Ethernet LAN"), "logo-icon-name",
                            APPLICATION_ID, "license-type", GTK_LICENSE_GPL_3_0, "authors", authors, "translator-credits",
                            _("translator-credits"), "website", website, NULL);
}

static void
autostart_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  gboolean enabled = g_variant_get_boolean (value);
  g_autoptr(GError) error = NULL;

  if (!serval_autostart_set_enabled (enabled, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot change whether Serval starts when you log in: %s"),
                                                 error->message);

      serval_application_report_error (user_data, msg);
    }
  else
    g_message (enabled ? "Serval will start at login" : "Serval will no longer start at login");
  g_simple_action_set_state (action, g_variant_new_boolean (serval_autostart_get_enabled ()));
}

static void
announce_web_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ServalApplication *app = user_data;

  serval_announce_dialog_show (GTK_APPLICATION (app), app->window);
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
  { "join", join_activated, "s" },
  { "leave", leave_activated, "s" },
  { "refresh", refresh_activated },
  { "dismiss-error", dismiss_error_activated },
  { "admin", admin_activated },
  { "about", about_activated },
  { "autostart", NULL, NULL, "false", autostart_change_state },
  { "announce-web", announce_web_activated },
  { "quit", quit_activated },
};

/* --- GApplication ------------------------------------------------------------ */

static void
serval_application_startup (GApplication *application)
{
  ServalApplication *app = SERVAL_APPLICATION (application);
  const char *quit_accels[] = { "<Primary>q", NULL };

  G_APPLICATION_CLASS (serval_application_parent_class)->startup (application);

  g_set_application_name (_("Serval"));
  gtk_window_set_default_icon_name (APPLICATION_ID);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_default (), "/org/serval/Serval/icons");
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  set_admin (app, FALSE);
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (app), "autostart")),
                             g_variant_new_boolean (serval_autostart_get_enabled ()));
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);

  app->trust = serval_trust_new (NULL);
  update_status (app);
  app->tray = G_OBJECT (serval_tray_new (GTK_APPLICATION (app)));
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
  server = serval_address_normalize (app->opt_server, &error);
  if (server == NULL)
    {
      g_printerr ("%s\n", error->message);
      memset (password, 0, strlen (password));
      return FALSE;
    }
  if (app->opt_fingerprint != NULL)
    {
      g_message ("Trusting the certificate of %s: fingerprint %s", server, app->opt_fingerprint);
      if (!serval_trust_pin (app->trust, server, app->opt_fingerprint, &error))
        g_warning ("Cannot save the fingerprint: %s", error->message);
    }
  gtk_window_present (GTK_WINDOW (ensure_login (app)));
  serval_login_dialog_log_in (SERVAL_LOGIN_DIALOG (app->login), server, app->opt_user, password, FALSE);
  memset (password, 0, strlen (password));
  g_clear_pointer (&app->opt_password_file, g_free);
  return TRUE;
}

static void
hidden_password_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ServalApplication) app = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = serval_secret_lookup_finish (result, &error);
  const char *server = serval_trust_get_last_server (app->trust);
  const char *user = serval_trust_get_last_user (app->trust);

  if (password == NULL)
    {
      g_message ("Started hidden; no saved password for %s on %s%s%s", user, server,
                 error != NULL ? ": " : "", error != NULL ? error->message : "");
      return;
    }
  /* Unless the user logged in meanwhile. */
  if (app->client == NULL)
    {
      g_message ("Started hidden: logging in to %s with the saved password", server);
      app->hidden_login = TRUE;
      serval_login_dialog_log_in (ensure_login (app), server, user, password, TRUE);
    }
  memset (password, 0, strlen (password));
}

/* --hidden, as at login: the tray only, and the last server when its
 * password is in the keyring. */
static void
start_hidden (ServalApplication *app)
{
  const char *server = serval_trust_get_last_server (app->trust);
  const char *user = serval_trust_get_last_user (app->trust);

  g_message ("Started hidden: Serval is in the tray");
  if (server == NULL || user == NULL)
    return;
  serval_secret_lookup_async (server, user, NULL, hidden_password_cb, g_object_ref (app));
}

static void
serval_application_activate (GApplication *application)
{
  ServalApplication *app = SERVAL_APPLICATION (application);

  if (login_from_command_line (app))
    return;
  if (app->opt_hidden)
    {
      app->opt_hidden = FALSE;
      start_hidden (app);
      return;
    }
  show_window (app);
}

static int
serval_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      printf ("serval %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* Started at login while Serval already runs: nothing to show. */
  if (g_variant_dict_contains (options, "hidden") && g_application_register (application, NULL, NULL) &&
      g_application_get_is_remote (application))
    return 0;
  return -1;
}

static void
serval_application_finalize (GObject *object)
{
  ServalApplication *app = SERVAL_APPLICATION (object);

  g_clear_object (&app->trust);
  g_clear_object (&app->vlans);
  g_free (app->status);
  g_free (app->status_detail);
  g_free (app->last_error);
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
    case PROP_STATUS_DETAIL: g_value_set_string (value, app->status_detail); break;
    case PROP_ICON_NAME: g_value_set_static_string (value, state_icon_name (app->state)); break;
    case PROP_CONNECTED: g_value_set_boolean (value, app->client != NULL); break;
    case PROP_ADMIN: g_value_set_boolean (value, app->admin); break;
    case PROP_LAST_ERROR: g_value_set_string (value, app->last_error); break;
    case PROP_VLANS: g_value_set_object (value, app->vlans); break;
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

  /* (nullable) the current session */
  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, SERVAL_TYPE_CLIENT, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SERVAL_TYPE_CLIENT_STATE,
                                              SERVAL_CLIENT_STATE_DISCONNECTED, flags);
  /* One sentence on the connection: "Online as alice on vpn.example.org:7465" */
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  /* (nullable) why, under the status: "Cannot reach the Serval server …" */
  properties[PROP_STATUS_DETAIL] = g_param_spec_string ("status-detail", NULL, NULL, NULL, flags);
  /* The icon for the state, for the main window and the tray */
  properties[PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, flags);
  /* Whether there is a session (online, or trying to be) */
  properties[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, flags);
  /* Whether the session's user is an administrator */
  properties[PROP_ADMIN] = g_param_spec_boolean ("admin", NULL, NULL, FALSE, flags);
  /* (nullable) the last failure, a sentence saying what failed and what to do; app.dismiss-error clears it */
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  /* (element-type ServalVlanItem) the VLANs the user may join */
  properties[PROP_VLANS] = g_param_spec_object ("vlans", NULL, NULL, G_TYPE_LIST_MODEL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
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
            { "hidden", 0, 0, G_OPTION_ARG_NONE, &app->opt_hidden,
              N_("Start in the tray, with no window (as at login)"), NULL },
              { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
                { NULL } };

  app->vlans = g_list_store_new (SERVAL_TYPE_VLAN_ITEM);
  g_application_set_option_context_summary (G_APPLICATION (app),
                                            _("Join Serval VLANs from the desktop: virtual Ethernet "
                                              "LANs over the Internet."));
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
