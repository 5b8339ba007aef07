/* serval-client-vlan.c: the VLANs a client is in: joining them, their member
 * lists, the addresses of their TAP devices, and their frames both ways. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "serval-client-private.h"

#include "serval-gso.h"

#define ADDRESS_CHECK_SECONDS 2

G_DEFINE_FINAL_TYPE (ServalClientVlan, serval_client_vlan, G_TYPE_OBJECT)

static void
serval_client_vlan_dispose (GObject *object)
{
  ServalClientVlan *vlan = SERVAL_CLIENT_VLAN (object);

  if (vlan->tap != NULL)
    serval_tap_set_frame_func (vlan->tap, NULL, NULL);
  g_clear_object (&vlan->tap);
  g_clear_object (&vlan->members);
  G_OBJECT_CLASS (serval_client_vlan_parent_class)->dispose (object);
}

static void
serval_client_vlan_finalize (GObject *object)
{
  ServalClientVlan *vlan = SERVAL_CLIENT_VLAN (object);

  g_free (vlan->name);
  g_free (vlan->address);
  g_free (vlan->prefix6);
  g_strfreev (vlan->addresses);
  G_OBJECT_CLASS (serval_client_vlan_parent_class)->finalize (object);
}

guint serval_client_vlan_member_changes_signal;

static void
serval_client_vlan_class_init (ServalClientVlanClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_client_vlan_dispose;
  G_OBJECT_CLASS (klass)->finalize = serval_client_vlan_finalize;
  /* Emitted by serval-client-members.c with every batch of member changes,
   * after the model and the total are updated. */
  serval_client_vlan_member_changes_signal =
      g_signal_new ("member-changes", SERVAL_TYPE_CLIENT_VLAN, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                    G_TYPE_POINTER);
}

static void
serval_client_vlan_init (ServalClientVlan *vlan)
{
  vlan->members = g_list_store_new (SERVAL_TYPE_MEMBER);
}

const char *
serval_client_vlan_get_name (ServalClientVlan *vlan)
{
  return vlan->name;
}
guint32
serval_client_vlan_get_tag (ServalClientVlan *vlan)
{
  return vlan->tag;
}
ServalTap *
serval_client_vlan_get_tap (ServalClientVlan *vlan)
{
  return vlan->tap;
}
const char *
serval_client_vlan_get_address (ServalClientVlan *vlan)
{
  return vlan->address;
}

const char *
serval_client_vlan_get_prefix6 (ServalClientVlan *vlan)
{
  return vlan->prefix6;
}

GListModel *
serval_client_vlan_get_members (ServalClientVlan *vlan)
{
  return G_LIST_MODEL (vlan->members);
}

/* --- bookkeeping ----------------------------------------------------------- */

ServalClientVlan *
serval_client_find_vlan (ServalClient *client, const char *name, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);

      if (g_str_equal (vlan->name, name))
        {
          if (position != NULL)
            *position = i;
          return vlan; /* the store keeps a reference */
        }
    }
  return NULL;
}

void
serval_client_remove_vlan (ServalClient *client, ServalClientVlan *vlan, const char *reason)
{
  guint pos;

  if (serval_client_find_vlan (client, vlan->name, &pos) != vlan)
    return;
  g_object_ref (vlan);
  g_hash_table_remove (client->by_tag, GUINT_TO_POINTER (vlan->tag));
  if (vlan->tap != NULL)
    serval_tap_stop (vlan->tap);
  g_list_store_remove (client->vlans, pos);
  if (reason != NULL)
    g_signal_emit (client, serval_client_signals[SIGNAL_VLAN_REMOVED], 0, vlan, reason);
  g_object_unref (vlan);
}

static gboolean
find_member (ServalClientVlan *vlan, ServalMember *m, guint *pos)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (vlan->members));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalMember) other = g_list_model_get_item (G_LIST_MODEL (vlan->members), i);

      if (serval_member_same (other, m))
        {
          *pos = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* @m joined, left (@left) or changed its addresses. */
void
serval_client_vlan_member_changed (ServalClientVlan *vlan, ServalMember *m, gboolean left)
{
  guint pos;

  if (find_member (vlan, m, &pos))
    {
      g_autoptr(ServalMember) old = g_list_model_get_item (G_LIST_MODEL (vlan->members), pos);

      /* Counted before the model changes, so that its listeners read the new total. */
      vlan->members_total -= left && vlan->members_total > 0;
      if (left)
        g_list_store_remove (vlan->members, pos);
      else if (g_strcmp0 (serval_member_get_node (old), serval_member_get_node (m)) == 0 &&
               serval_member_get_since (old) == serval_member_get_since (m))
        /* New addresses: in place, so that a row showing it stays. */
        serval_member_set_addresses (old, serval_member_get_addresses (m));
      else
        g_list_store_splice (vlan->members, pos, 1, (gpointer *) &m, 1);
    }
  else if (!left)
    {
      vlan->members_total++;
      g_list_store_append (vlan->members, m);
    }
}

/* Whether @tap has @cidr's address ("10.77.0.5/24") already. */
static gboolean
tap_has_address (ServalTap *tap, const char *cidr)
{
  g_auto (GStrv) have = serval_tap_get_addresses (tap);
  g_autofree char *address = g_strndup (cidr, strcspn (cidr, "/"));

  return g_strv_contains ((const char *const *) have, address);
}

/* The address the server leased in @vlan goes on its TAP device. Without
 * CAP_NET_ADMIN (the app's unprivileged process) the app has the helper do
 * it (serval_tap_address_async()); anything else is said in the log, as the
 * VLAN works without it for whoever sets an address by hand. */
static void
apply_leased_address (ServalClientVlan *vlan)
{
  g_autoptr (GError) error = NULL;

  if (vlan->tap == NULL || vlan->address == NULL || tap_has_address (vlan->tap, vlan->address))
    return;
  if (serval_tap_set_address (vlan->tap, vlan->address, &error))
    g_message ("%s: %s, leased by the server in VLAN “%s”", serval_tap_get_name (vlan->tap), vlan->address,
               vlan->name);
  else if (g_error_matches (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION))
    g_debug ("%s", error->message);
  else
    g_message ("%s: %s", vlan->name, error->message);
}

/* The server's Joined for @vlan: its tag and (element-type ServalMember) @members. */
void
serval_client_vlan_joined (ServalClient *client, ServalClientVlan *vlan, guint32 tag, GPtrArray *members)
{
  if (vlan->tag != 0)
    g_hash_table_remove (client->by_tag, GUINT_TO_POINTER (vlan->tag));
  vlan->tag = tag;
  g_hash_table_insert (client->by_tag, GUINT_TO_POINTER (vlan->tag), vlan);
  g_list_store_splice (vlan->members, 0, g_list_model_get_n_items (G_LIST_MODEL (vlan->members)),
                       members->pdata, members->len);
  if (serval_client_find_vlan (client, vlan->name, NULL) == NULL)
    g_list_store_append (client->vlans, vlan);
  if (vlan->tap != NULL)
    {
      serval_tap_start (vlan->tap);
      apply_leased_address (vlan);
      serval_client_start_address_checks (client);
    }
}

/* --- frames ---------------------------------------------------------------- */

static void
deliver_plain_cb (const ServalFrame *frame, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;

  vlan->frame_func (vlan, frame->data, frame->len, vlan->frame_data);
}

void
serval_client_link_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data)
{
  ServalClient *client = user_data;
  ServalClientVlan *vlan = g_hash_table_lookup (client->by_tag, GUINT_TO_POINTER (frame->vlan));

  if (vlan == NULL)
    return;
  if (vlan->tap != NULL)
    serval_tap_write_frame (vlan->tap, frame);
  else if (vlan->frame_func != NULL &&
           serval_frame_deliver (frame, FALSE, &client->gso_scratch, deliver_plain_cb, vlan, NULL) != SERVAL_GSO_OK)
    client->gso_dropped++;
}

static void
send_cb (const ServalFrame *frame, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;

  serval_link_send_frame (vlan->client->link, frame);
}

static void
tap_frame_cb (ServalTap *tap, const ServalFrame *frame, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;
  ServalClient *client = vlan->client;
  ServalFrame out = *frame;
  gboolean whole;

  if (client == NULL || client->link == NULL || !client->logged_in || vlan->tag == 0)
    return;
  out.vlan = vlan->tag;
  /* Whole to a server that said offload in its Hello, if the frame fits the
   * protocol's 65535 bytes; cut here otherwise. */
  whole = client->server_offload && out.len <= 65535 && serval_offload_check (out.offload, out.len) == SERVAL_GSO_OK;
  if (serval_frame_deliver (&out, whole, &client->gso_scratch, send_cb, vlan, NULL) != SERVAL_GSO_OK)
    client->gso_dropped++;
}

gboolean
serval_client_vlan_send (ServalClientVlan *vlan, const guint8 *frame, gsize len)
{
  ServalClient *client = vlan->client;

  if (client == NULL || client->link == NULL || !client->logged_in || vlan->tag == 0)
    return FALSE;
  return serval_link_send_data (client->link, vlan->tag, frame, len);
}

/* --- address updates ------------------------------------------------------- */

static gboolean address_check_cb (gpointer user_data);

/* Watches the addresses of the client's TAP devices while it is online and
 * has any: a client without TAP devices (serval-bench's thousands) or an
 * offline one has no timer. */
void
serval_client_start_address_checks (ServalClient *client)
{
  gboolean taps = FALSE;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));

  for (guint i = 0; i < n && !taps; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);

      taps = vlan->tap != NULL;
    }
  if (client->address_source != NULL || !taps || client->link == NULL || !client->logged_in)
    return;
  client->address_source = g_timeout_source_new_seconds (ADDRESS_CHECK_SECONDS);
  g_source_set_callback (client->address_source, address_check_cb, client, NULL);
  g_source_attach (client->address_source, g_main_context_get_thread_default ());
}

void
serval_client_stop_address_checks (ServalClient *client)
{
  serval_clear_source (&client->address_source);
}

static gboolean
address_check_cb (gpointer user_data)
{
  ServalClient *client = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));

  if (client->link == NULL || !client->logged_in)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);
      g_auto(GStrv) addrs = NULL;

      if (vlan->tap == NULL)
        continue;
      addrs = serval_tap_get_addresses (vlan->tap);
      if (vlan->addresses != NULL && g_strv_equal ((const char *const *) addrs,
                                                   (const char *const *) vlan->addresses))
        continue;
      serval_client_send_update (client, vlan, (const char *const *) addrs);
      g_strfreev (vlan->addresses);
      vlan->addresses = g_steal_pointer (&addrs);
    }
  return G_SOURCE_CONTINUE;
}

/* --- joining --------------------------------------------------------------- */

static void
rejoin_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalClient *client = SERVAL_CLIENT (source);
  ServalClientVlan *vlan = g_object_get_data (G_OBJECT (result), "vlan");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) joined = g_task_propagate_pointer (G_TASK (result), &error);

  if (joined != NULL)
    {
      g_message ("Rejoined VLAN “%s” on %s", vlan->name, serval_client_where (client));
      return;
    }
  if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED))
    return; /* tried again at the next login */
  g_warning ("Cannot rejoin VLAN “%s”: %s", vlan->name, error->message);
  serval_client_remove_vlan (client, vlan, error->message);
}

/* Joins @vlan again after a new login. */
void
serval_client_rejoin (ServalClient *client, ServalClientVlan *vlan)
{
  serval_client_send_join (client, vlan, g_task_new (client, NULL, rejoin_done_cb, NULL));
}

static void
join_start (ServalClient *client, const char *name, ServalTap *tap, const guint8 *mac,
            ServalClientFrameFunc frame_func, gpointer frame_data, GTask *task)
{
  g_autoptr(ServalClientVlan) vlan = NULL;

  if (serval_client_find_vlan (client, name, NULL) != NULL)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_EXISTS,
                               _("Already in VLAN “%s”"), name);
      g_object_unref (task);
      return;
    }
  vlan = g_object_new (SERVAL_TYPE_CLIENT_VLAN, NULL);
  vlan->client = client;
  vlan->name = g_strdup (name);
  vlan->frame_func = frame_func;
  vlan->frame_data = frame_data;
  if (tap != NULL)
    {
      vlan->tap = g_object_ref (tap);
      serval_tap_get_mac (tap, vlan->mac);
      serval_tap_set_frame_func (tap, tap_frame_cb, vlan);
    }
  else if (mac != NULL)
    memcpy (vlan->mac, mac, 6);
  else
    {
      /* A locally administered unicast address for a VLAN without a TAP. */
      for (int i = 0; i < 6; i++)
        vlan->mac[i] = g_random_int_range (0, 256);
      vlan->mac[0] = (vlan->mac[0] & 0xfc) | 0x02;
    }
  serval_client_send_join (client, vlan, task);
}

void
serval_client_join_async (ServalClient *client, const char *name, ServalTap *tap,
                          ServalClientFrameFunc frame_func, gpointer frame_data,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, serval_client_join_async);
  join_start (client, name, tap, NULL, frame_func, frame_data, task);
}

void
serval_client_join_frames_async (ServalClient *client, const char *name, const guint8 mac[6],
                                 ServalClientFrameFunc frame_func, gpointer frame_data,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  /* The same source tag: serval_client_join_finish() checks it. */
  g_task_set_source_tag (task, serval_client_join_async);
  join_start (client, name, NULL, mac, frame_func, frame_data, task);
}

ServalClientVlan *
serval_client_join_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, serval_client_join_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
