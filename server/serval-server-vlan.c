/* serval-server-vlan.c: joining and leaving VLANs, member lists and events.
 *
 * Who is in which VLAN is the switch's to say (serval_switch_port_is_member(),
 * serval_switch_vlan_get_ports()); the server keeps no table of its own. A
 * session's Membership says how it is in a VLAN it joined, as the other
 * members see it: made at the join, freed at the leave.
 */
#include "config.h"

#include "serval-server-private.h"

void
serval_membership_free (Membership *m)
{
  g_free (m->name);
  g_clear_object (&m->member);
  g_free (m);
}

static Membership *
session_membership (Session *s, guint32 tag)
{
  return g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
}

GPtrArray *
serval_server_vlan_sessions (ServalServer *server, guint32 tag)
{
  guint n;
  ServalSwitchPort *const *ports = serval_switch_vlan_get_ports (server->sw, tag, &n);
  GPtrArray *list = g_ptr_array_new_full (n, (GDestroyNotify) serval_session_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (list, serval_session_ref (serval_switch_port_get_user_data (ports[i])));
  return list;
}

/* Adds the members of VLAN @tag, at most 4096, to @list (an
 * A_SEQUENCE_OF (Member_t)). */
static void
add_members (ServalServer *server, guint32 tag, void *list)
{
  const asn_anonymous_sequence_ *seq = _A_CSEQUENCE_FROM_VOID (list);
  guint n;
  ServalSwitchPort *const *ports = serval_switch_vlan_get_ports (server->sw, tag, &n);

  for (guint i = 0; i < n && seq->count < 4096; i++)
    {
      Session *other = serval_switch_port_get_user_data (ports[i]);
      Member_t *mem = calloc (1, sizeof *mem);

      serval_member_to_asn (session_membership (other, tag)->member, mem);
      ASN_SEQUENCE_ADD (list, mem);
    }
}

/* Tells the other members of @m's VLAN that @s joined, left or changed. */
static void
broadcast_member_event (Session *s, Membership *m, Event_PR kind)
{
  g_autoptr(GPtrArray) members = serval_server_vlan_sessions (s->server, m->tag);
  g_autoptr(Message_t) msg = NULL;
  MemberEvent_t *ev;

  if (members->len == 0)
    return;
  msg = serval_message_new_event (kind);
  ev = kind == Event_PR_memberJoined ? &msg->choice.event.choice.memberJoined
       : kind == Event_PR_memberLeft ? &msg->choice.event.choice.memberLeft
       : &msg->choice.event.choice.memberUpdated;
  serval_asn_set_string (&ev->vlan, m->name);
  serval_member_to_asn (m->member, &ev->member);
  for (guint i = 0; i < members->len; i++)
    {
      Session *other = members->pdata[i];

      if (other != s && !other->closed)
        serval_link_send (other->link, msg, NULL);
    }
}

void
serval_session_leave (Session *s, guint32 tag, const char *removed_reason, long removed_code)
{
  Membership *m;

  if (s->port == NULL || !serval_switch_port_is_member (s->port, tag))
    return;
  m = session_membership (s, tag);
  serval_switch_port_leave (s->server->sw, s->port, tag);
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

/* @s's membership of the VLAN called @name, or NULL if it is not in it. */
static Membership *
joined_membership (Session *s, const char *name)
{
  guint32 tag;

  if (!serval_store_vlan_lookup (s->server->store, name, &tag, NULL) ||
      !serval_switch_port_is_member (s->port, tag))
    return NULL;
  return session_membership (s, tag);
}

/* --- VLAN requests --------------------------------------------------------- */

void
serval_session_handle_join (Session *s, guint32 id, const Join_t *join)
{
  ServalServer *server = s->server;
  g_autofree char *name = serval_asn_dup_string (&join->vlan);
  g_autoptr(Message_t) msg = NULL;
  Membership *m;
  guint32 tag;
  Joined_t *joined;

  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      serval_session_reply_error (s, id, ErrorCode_noSuchVlan, "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!serval_store_has_right (server->store, s->user, name))
    {
      serval_session_reply_error (
        s, id, ErrorCode_notAllowed,
        "User “%s” may not join VLAN “%s”: ask an administrator to grant the right", s->user, name);
      return;
    }

  if (!serval_switch_port_is_member (s->port, tag))
    {
      m = g_new0 (Membership, 1);
      m->tag = tag;
      m->name = g_strdup (name);
      m->member = serval_member_new (s->user, s->host, join->mac.buf, NULL, server->config.node,
                                     g_get_real_time () / G_USEC_PER_SEC);
      g_hash_table_insert (s->vlans, GUINT_TO_POINTER (tag), m);
      serval_switch_port_join (server->sw, s->port, tag);
      broadcast_member_event (s, m, Event_PR_memberJoined);
      g_message ("%s@%s joined VLAN “%s”", s->user, s->host, name);
    }

  msg = serval_message_new_response (id, ResponseBody_PR_joined);
  joined = &msg->choice.response.body.choice.joined;
  serval_asn_set_string (&joined->vlan, name);
  joined->tag = tag;
  add_members (server, tag, &joined->members.list);
  serval_session_reply (s, g_steal_pointer (&msg));
}

void
serval_session_handle_leave (Session *s, guint32 id, const Name_t *vlan)
{
  g_autofree char *name = serval_asn_dup_string (vlan);
  Membership *m = joined_membership (s, name);

  if (m == NULL)
    {
      serval_session_reply_error (s, id, ErrorCode_notJoined, "You are not in VLAN “%s”", name);
      return;
    }
  serval_session_leave (s, m->tag, NULL, 0);
  serval_session_reply_ok (s, id);
}

void
serval_session_handle_update (Session *s, guint32 id, const MemberUpdate_t *u)
{
  g_autofree char *name = serval_asn_dup_string (&u->vlan);
  g_autoptr(GStrvBuilder) b = NULL;
  g_auto(GStrv) addresses = NULL;
  Membership *m = joined_membership (s, name);

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
  addresses = g_strv_builder_end (b);
  serval_member_set_addresses (m->member, (const char *const *) addresses);
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
      VlanInfo_t *info = calloc (1, sizeof *info);

      serval_asn_set_string (&info->name, v->name);
      info->tag = v->id;
      info->allowed = serval_store_has_right (server->store, s->user, v->name);
      info->members = serval_switch_vlan_n_ports (server->sw, v->id);
      ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.vlans.list, info);
    }
  serval_session_reply (s, msg);
}

void
serval_session_handle_list_members (Session *s, guint32 id, const Name_t *vlan)
{
  ServalServer *server = s->server;
  g_autofree char *name = serval_asn_dup_string (vlan);
  Message_t *msg;
  guint32 tag;

  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      serval_session_reply_error (s, id, ErrorCode_noSuchVlan, "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!s->admin && !serval_store_has_right (server->store, s->user, name))
    {
      serval_session_reply_error (s, id, ErrorCode_notAllowed,
                                  "User “%s” may not see the members of VLAN “%s”", s->user, name);
      return;
    }
  msg = serval_message_new_response (id, ResponseBody_PR_members);
  add_members (server, tag, &msg->choice.response.body.choice.members.list);
  serval_session_reply (s, msg);
}
