#include "config.h"

#include "serval-server-private.h"

#include <string.h>

void
serval_membership_free (Membership *m)
{
  g_free (m->name);
  g_strfreev (m->addresses);
  g_free (m);
}

static void
fill_member (Session *s, Membership *m, Member_t *out)
{
  serval_asn_set_string (&out->user, s->user);
  serval_asn_set_string (&out->host, s->host);
  serval_asn_set_bytes (&out->mac, m->mac, 6);
  for (guint i = 0; m->addresses != NULL && m->addresses[i] != NULL && i < 16; i++)
    {
      Address_t *a = calloc (1, sizeof *a);

      serval_asn_set_string (a, m->addresses[i]);
      ASN_SEQUENCE_ADD (&out->addresses.list, a);
    }
  serval_asn_set_string (&out->node, s->server->config.node);
  out->since = m->since;
}

GHashTable *
serval_server_vlan_sessions (ServalServer *server, guint32 tag)
{
  return g_hash_table_lookup (server->members, GUINT_TO_POINTER (tag));
}

/* Tells the other members of @m's VLAN that @s joined, left or changed. */
static void
broadcast_member_event (Session *s, Membership *m, Event_PR kind)
{
  GHashTable *set = serval_server_vlan_sessions (s->server, m->tag);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(Message_t) msg = serval_message_new_event (kind);
  MemberEvent_t *ev = kind == Event_PR_memberJoined ? &msg->choice.event.choice.memberJoined
                      : kind == Event_PR_memberLeft ? &msg->choice.event.choice.memberLeft
                      : &msg->choice.event.choice.memberUpdated;
  GHashTableIter iter;
  gpointer key;

  if (set == NULL)
    return;
  serval_asn_set_string (&ev->vlan, m->name);
  fill_member (s, m, &ev->member);
  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *other = key;

      if (other != s && !other->closed)
        serval_link_send (other->link, msg, NULL);
    }
}

void
serval_session_leave (Session *s, guint32 tag, const char *removed_reason, long removed_code)
{
  ServalServer *server = s->server;
  Membership *m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  GHashTable *set;

  if (m == NULL)
    return;
  serval_switch_port_leave (server->sw, s->port, tag);
  set = serval_server_vlan_sessions (server, tag);
  if (set != NULL)
    {
      g_hash_table_remove (set, s);
      if (g_hash_table_size (set) == 0)
        g_hash_table_remove (server->members, GUINT_TO_POINTER (tag));
    }
  broadcast_member_event (s, m, Event_PR_memberLeft);
  g_message ("%s@%s left VLAN “%s”%s%s", s->user, s->host, m->name,
             removed_reason ? ": " : "", removed_reason ? removed_reason : "");
  if (removed_reason != NULL && !s->closed)
    {
      Message_t *msg = serval_message_new_event (Event_PR_removed);

      serval_asn_set_string (&msg->choice.event.choice.removed.vlan, m->name);
      serval_error_set (&msg->choice.event.choice.removed.reason, removed_code, removed_reason);
      serval_link_send_take (s->link, msg);
    }
  g_hash_table_remove (s->vlans, GUINT_TO_POINTER (tag));
}

void
serval_session_leave_all (Session *s)
{
  g_autoptr(GList) tags = g_hash_table_get_keys (s->vlans);

  for (GList *l = tags; l != NULL; l = l->next)
    serval_session_leave (s, GPOINTER_TO_UINT (l->data), NULL, 0);
}
/* --- VLAN requests --------------------------------------------------------- */

void
serval_session_handle_join (Session *s, guint32 id, const Join_t *join)
{
  ServalServer *server = s->server;
  g_autofree char *name = serval_asn_dup_string (&join->vlan);
  g_autoptr(Message_t) msg = NULL;
  Membership *m;
  GHashTable *set;
  GHashTableIter iter;
  gpointer key, value;
  guint32 tag;
  Joined_t *joined;

  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      serval_session_reply_error (s, id, ErrorCode_noSuchVlan, "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!serval_store_has_right (server->store, s->user, name))
    {
      serval_session_reply_error (s, id, ErrorCode_notAllowed,
                   "User “%s” may not join VLAN “%s”: ask an administrator to grant the right",
                   s->user, name);
      return;
    }

  m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  if (m == NULL)
    {
      m = g_new0 (Membership, 1);
      m->tag = tag;
      m->name = g_strdup (name);
      m->since = g_get_real_time () / G_USEC_PER_SEC;
      memcpy (m->mac, join->mac.buf, 6);
      g_hash_table_insert (s->vlans, GUINT_TO_POINTER (tag), m);
      serval_switch_port_join (server->sw, s->port, tag);
      set = serval_server_vlan_sessions (server, tag);
      if (set == NULL)
        {
          set = g_hash_table_new (NULL, NULL);
          g_hash_table_insert (server->members, GUINT_TO_POINTER (tag), set);
        }
      g_hash_table_add (set, s);
      broadcast_member_event (s, m, Event_PR_memberJoined);
      g_message ("%s@%s joined VLAN “%s”", s->user, s->host, name);
    }

  msg = serval_message_new_response (id, ResponseBody_PR_joined);
  joined = &msg->choice.response.body.choice.joined;
  serval_asn_set_string (&joined->vlan, name);
  joined->tag = tag;
  g_hash_table_iter_init (&iter, serval_server_vlan_sessions (server, tag));
  while (g_hash_table_iter_next (&iter, &key, &value) && joined->members.list.count < 4096)
    {
      Session *other = key;
      Member_t *mem = calloc (1, sizeof *mem);

      fill_member (other, g_hash_table_lookup (other->vlans, GUINT_TO_POINTER (tag)), mem);
      ASN_SEQUENCE_ADD (&joined->members.list, mem);
    }
  serval_session_reply (s, g_steal_pointer (&msg));
}

void
serval_session_handle_leave (Session *s, guint32 id, const Name_t *vlan)
{
  g_autofree char *name = serval_asn_dup_string (vlan);
  guint32 tag;

  if (!serval_store_vlan_lookup (s->server->store, name, &tag, NULL) ||
      !g_hash_table_contains (s->vlans, GUINT_TO_POINTER (tag)))
    {
      serval_session_reply_error (s, id, ErrorCode_notJoined, "You are not in VLAN “%s”", name);
      return;
    }
  serval_session_leave (s, tag, NULL, 0);
  serval_session_reply_ok (s, id);
}

void
serval_session_handle_update (Session *s, guint32 id, const MemberUpdate_t *u)
{
  g_autofree char *name = serval_asn_dup_string (&u->vlan);
  GStrvBuilder *b;
  Membership *m = NULL;
  guint32 tag;

  if (serval_store_vlan_lookup (s->server->store, name, &tag, NULL))
    m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  if (m == NULL)
    {
      serval_session_reply_error (s, id, ErrorCode_notJoined, "You are not in VLAN “%s”", name);
      return;
    }
  b = g_strv_builder_new ();
  for (int i = 0; i < u->addresses.list.count; i++)
    {
      g_autofree char *a = serval_asn_dup_string (u->addresses.list.array[i]);

      g_strv_builder_add (b, a);
    }
  g_strfreev (m->addresses);
  m->addresses = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  broadcast_member_event (s, m, Event_PR_memberUpdated);
  serval_session_reply_ok (s, id);
}

void
serval_session_handle_list_vlans (Session *s, guint32 id)
{
  ServalServer *server = s->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = serval_store_vlan_list (server->store, &error);
  Message_t *msg;

  if (vlans == NULL)
    {
      serval_session_reply_store_error (s, id, error);
      return;
    }
  msg = serval_message_new_response (id, ResponseBody_PR_vlans);
  for (guint i = 0; i < vlans->len && i < 4096; i++)
    {
      ServalVlan *v = vlans->pdata[i];
      GHashTable *set = serval_server_vlan_sessions (server, v->id);
      VlanInfo_t *info = calloc (1, sizeof *info);

      serval_asn_set_string (&info->name, v->name);
      info->tag = v->id;
      info->allowed = serval_store_has_right (server->store, s->user, v->name);
      info->members = set != NULL ? g_hash_table_size (set) : 0;
      ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.vlans.list, info);
    }
  serval_session_reply (s, msg);
}

void
serval_session_handle_list_members (Session *s, guint32 id, const Name_t *vlan)
{
  ServalServer *server = s->server;
  g_autofree char *name = serval_asn_dup_string (vlan);
  GHashTable *set;
  Message_t *msg;
  guint32 tag;

  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      serval_session_reply_error (s, id, ErrorCode_noSuchVlan, "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!s->admin && !serval_store_has_right (server->store, s->user, name))
    {
      serval_session_reply_error (s, id, ErrorCode_notAllowed, "User “%s” may not see the members of VLAN “%s”",
                   s->user, name);
      return;
    }
  msg = serval_message_new_response (id, ResponseBody_PR_members);
  set = serval_server_vlan_sessions (server, tag);
  if (set != NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, set);
      while (g_hash_table_iter_next (&iter, &key, NULL) &&
             msg->choice.response.body.choice.members.list.count < 4096)
        {
          Session *other = key;
          Member_t *mem = calloc (1, sizeof *mem);

          fill_member (other, g_hash_table_lookup (other->vlans, GUINT_TO_POINTER (tag)), mem);
          ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.members.list, mem);
        }
    }
  serval_session_reply (s, msg);
}
