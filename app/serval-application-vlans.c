/* serval-application-vlans.c: the VLANs the user may join, and joining and
 * leaving them, for ServalApplication. */
#include "config.h"

#include "serval-application-private.h"

#include <glib/gi18n.h>

#include "serval-tap-open.h"
#include "serval-util.h"

#define REFRESH_SECONDS 10
#define TAP_MTU         1500

static ServalVlanItem *
find_item (ServalApplication *app, const char *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (app->vlans));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalVlanItem) item = g_list_model_get_item (G_LIST_MODEL (app->vlans), i);

      if (g_strcmp0 (serval_vlan_item_get_name (item), name) == 0)
        return item; /* the store keeps its own reference */
    }
  return NULL;
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
      item = find_item (app, info->name);
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

/* A big VLAN's model holds a page of its members: the count is the
 * engine's total, which it updates once done changing the model. */
static gboolean
recount_cb (gpointer user_data)
{
  ServalVlanItem *item = user_data;
  ServalClientVlan *vlan = serval_vlan_item_get_vlan (item);

  if (vlan != NULL)
    serval_vlan_item_set_members (item, serval_client_vlan_get_member_total (vlan));
  return G_SOURCE_REMOVE;
}

static void
members_changed_cb (GListModel *members, guint position, guint removed, guint added, gpointer user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, recount_cb, g_object_ref (user_data), g_object_unref);
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
      serval_vlan_item_set_members (item, serval_client_vlan_get_member_total (vlan));
    }
}

/* --- joining and leaving ---------------------------------------------------- */

typedef struct
{
  ServalApplication *app;
  ServalVlanItem *item;
  ServalClient *client;
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

          serval_application_report_error (data->app, msg);
        }
      g_object_notify (G_OBJECT (data->item), "joined"); /* puts the switch back */
    }
  else
    {
      ServalTap *tap = serval_client_vlan_get_tap (vlan);

      g_message ("Joined VLAN “%s” on device %s", name, tap != NULL ? serval_tap_get_name (tap) : "-");
      item_take_vlan (data->item, vlan);
      serval_application_address_update (data->app, data->item);
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

          serval_application_report_error (data->app, msg);
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

      serval_application_report_error (data->app, msg);
      g_object_notify (G_OBJECT (data->item), "joined");
    }
  else if (error == NULL)
    {
      /* The engine dropped the VLAN (and so its TAP device); ::vlan-removed is
       * only for removals the user did not ask for. */
      g_message ("Left VLAN “%s”", serval_vlan_item_get_name (data->item));
      item_take_vlan (data->item, NULL);
      serval_application_address_update (data->app, data->item);
    }
  join_data_free (data);
}

void
serval_application_set_joined (ServalApplication *app, const char *name, gboolean joined)
{
  ServalVlanItem *item = find_item (app, name);
  JoinData *data;

  if (item == NULL)
    {
      g_debug ("No VLAN “%s” to %s", name, joined ? "join" : "leave");
      return;
    }
  if (joined == serval_vlan_item_get_joined (item) || serval_vlan_item_get_busy (item))
    return;
  if (app->client == NULL || serval_client_get_state (app->client) != SERVAL_CLIENT_STATE_ONLINE)
    {
      serval_application_report_error (app, _("Not connected: log in first"));
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

/* A VLAN the user did not ask to leave: kicked, deleted, or rights revoked. */
static void
vlan_removed_cb (ServalClient *client, ServalClientVlan *vlan, const char *reason, gpointer user_data)
{
  ServalApplication *app = user_data;
  const char *name = serval_client_vlan_get_name (vlan);
  ServalVlanItem *item = find_item (app, name);

  g_message ("Left VLAN “%s”%s%s", name, reason != NULL ? ": " : "", reason != NULL ? reason : "");
  if (item != NULL)
    {
      item_take_vlan (item, NULL);
      serval_application_address_update (app, item);
    }
  if (reason != NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("You are no longer in VLAN “%s”: %s"), name, reason);

      serval_application_report_error (app, msg);
    }
  serval_application_refresh_vlans (app);
}

/* --- with the session ------------------------------------------------------- */

void
serval_application_start_timer (ServalApplication *app, GSource **where, guint seconds, GSourceFunc func)
{
  *where = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (*where, func, app, NULL);
  g_source_attach (*where, NULL);
}

void
serval_application_vlans_start (ServalApplication *app)
{
  g_signal_connect (app->client, "vlan-removed", G_CALLBACK (vlan_removed_cb), app);
  serval_application_start_timer (app, &app->refresh_source, REFRESH_SECONDS, refresh_cb);
  serval_application_address_start (app);
}

void
serval_application_vlans_stop (ServalApplication *app)
{
  serval_clear_source (&app->refresh_source);
  serval_application_address_stop (app);
  g_signal_handlers_disconnect_by_func (app->client, vlan_removed_cb, app);
  g_list_store_remove_all (app->vlans);
}
