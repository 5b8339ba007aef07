/* serval-application-address.c: the address the server leased in a VLAN, on
 * its TAP device and in the window and the tray, for ServalApplication.
 *
 * The engine puts the leased address on the device itself when it can
 * (CAP_NET_ADMIN); the app's unprivileged process cannot, so here the pkexec
 * helper is asked (serval_tap_address_async()) once per lease: after a join,
 * and again after each reconnection (the rejoin may lease another address).
 * What the device has is read every few seconds, which also catches the
 * IPv6 address the kernel makes from the server's router advertisements. */
#include "config.h"

#include "serval-application-private.h"

#include <glib/gi18n.h>

#include "serval-tap-open.h"
#include "serval-util.h"

#define ADDRESS_SECONDS 2
#define ASKED_KEY       "serval-address-asked" /* the lease checked since the last (re)join */
#define BUSY_KEY        "serval-address-busy"

/* Whether @tap has the address of @cidr ("10.77.0.5/24"). */
static gboolean
tap_has (ServalTap *tap, const char *cidr)
{
  g_auto (GStrv) have = serval_tap_get_addresses (tap);
  g_autofree char *address = g_strndup (cidr, strcspn (cidr, "/"));

  return g_strv_contains ((const char *const *) have, address);
}

/* "sv-blue · 10.77.0.5, fd00:77::5": the device and its addresses but the
 * IPv6 link-local one, which every device has and no one types. */
static char *
address_text (ServalTap *tap)
{
  g_auto (GStrv) have = serval_tap_get_addresses (tap);
  g_autoptr (GString) text = g_string_new (serval_tap_get_name (tap));
  const char *sep = " · ";

  for (guint i = 0; have != NULL && have[i] != NULL; i++)
    {
      if (g_str_has_prefix (have[i], "fe80:"))
        continue;
      g_string_append_printf (text, "%s%s", sep, have[i]);
      sep = ", ";
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef struct
{
  ServalApplication *app;
  ServalVlanItem *item;
  char *cidr;
} AddressData;

static void
address_set_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AddressData *data = user_data;
  g_autoptr (GError) error = NULL;
  ServalClientVlan *vlan = serval_vlan_item_get_vlan (data->item);
  ServalTap *tap = vlan != NULL ? serval_client_vlan_get_tap (vlan) : NULL;
  const char *name = serval_vlan_item_get_name (data->item);

  g_object_set_data (G_OBJECT (data->item), BUSY_KEY, NULL);
  if (!serval_tap_address_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot give the address %s of VLAN “%s” to its device: "
                                                    "%s. Join the VLAN again to retry."),
                                                     data->cidr, name, error->message);

          serval_application_report_error (data->app, msg);
        }
    }
  else if (tap != NULL)
    g_message ("%s: %s, leased by the server in VLAN “%s”", serval_tap_get_name (tap), data->cidr, name);
  serval_application_address_update (data->app, data->item);
  g_object_unref (data->item);
  g_free (data->cidr);
  g_application_release (G_APPLICATION (data->app));
  g_free (data);
}

/* Shows what @item's device has; once per lease after a join or a
 * reconnection, asks the helper for the leased address if the device lacks it. */
void
serval_application_address_update (ServalApplication *app, ServalVlanItem *item)
{
  ServalClientVlan *vlan = serval_vlan_item_get_vlan (item);
  ServalTap *tap = vlan != NULL ? serval_client_vlan_get_tap (vlan) : NULL;
  const char *leased = vlan != NULL ? serval_client_vlan_get_address (vlan) : NULL;
  g_autofree char *text = NULL;
  AddressData *data;

  if (tap == NULL)
    {
      g_object_set_data (G_OBJECT (item), ASKED_KEY, NULL);
      serval_vlan_item_set_address (item, NULL);
      return;
    }
  text = address_text (tap);
  serval_vlan_item_set_address (item, text);
  if (leased == NULL || g_object_get_data (G_OBJECT (item), BUSY_KEY) != NULL ||
      g_strcmp0 (g_object_get_data (G_OBJECT (item), ASKED_KEY), leased) == 0)
    return;
  /* Checked once per lease: an address the user then takes away stays away
   * until the next join or reconnection. */
  g_object_set_data_full (G_OBJECT (item), ASKED_KEY, g_strdup (leased), g_free);
  if (tap_has (tap, leased))
    return;
  g_object_set_data (G_OBJECT (item), BUSY_KEY, GINT_TO_POINTER (1));
  data = g_new0 (AddressData, 1);
  data->app = app;
  data->item = g_object_ref (item);
  data->cidr = g_strdup (leased);
  g_application_hold (G_APPLICATION (app));
  serval_tap_address_async (tap, leased, app->cancellable, address_set_cb, data);
}

static gboolean
address_tick_cb (gpointer user_data)
{
  ServalApplication *app = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (app->vlans));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (ServalVlanItem) item = g_list_model_get_item (G_LIST_MODEL (app->vlans), i);

      if (serval_vlan_item_get_joined (item))
        serval_application_address_update (app, item);
    }
  return G_SOURCE_CONTINUE;
}

/* Online again: the rejoins may lease other addresses, so each is checked
 * afresh (the helper is asked once more if the device lacks one). */
static void
address_state_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  ServalApplication *app = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (app->vlans));

  if (serval_client_get_state (client) != SERVAL_CLIENT_STATE_ONLINE)
    return;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (ServalVlanItem) item = g_list_model_get_item (G_LIST_MODEL (app->vlans), i);

      g_object_set_data (G_OBJECT (item), ASKED_KEY, NULL);
    }
}

void
serval_application_address_start (ServalApplication *app)
{
  g_signal_connect (app->client, "notify::state", G_CALLBACK (address_state_cb), app);
  serval_application_start_timer (app, &app->address_source, ADDRESS_SECONDS, address_tick_cb);
}

void
serval_application_address_stop (ServalApplication *app)
{
  serval_clear_source (&app->address_source);
  g_signal_handlers_disconnect_by_func (app->client, address_state_cb, app);
}
