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
    {
      Session *s = serval_switch_port_get_user_data (ports[i]);

      if (s->node == NULL) /* a client's, not another node's trunk */
        g_ptr_array_add (list, serval_session_ref (s));
    }
  return list;
}

/* The members of VLAN @tag (ServalMember, borrowed), for a list of them
 * (the message layer sends 4096 at most). */
static GPtrArray *
vlan_members (ServalServer *server, guint32 tag)
{
  guint n;
  ServalSwitchPort *const *ports = serval_switch_vlan_get_ports (server->sw, tag, &n);
  GPtrArray *list = g_ptr_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    {
      Session *other = serval_switch_port_get_user_data (ports[i]);

      if (other->node == NULL)
        g_ptr_array_add (list, session_membership (other, tag)->member);
    }
  /* ...and those of the other nodes of the cluster. */
  serval_server_cluster_add_members (server, tag, list);
  return list;
}

/* Members of this node in VLAN @tag: its ports there, but the trunks to other nodes. */
static guint
local_count (ServalServer *server, guint32 tag)
{
  guint n, count = 0;
  ServalSwitchPort *const *ports = serval_switch_vlan_get_ports (server->sw, tag, &n);

  for (guint i = 0; i < n; i++)
    if (((Session *) serval_switch_port_get_user_data (ports[i]))->node == NULL)
      count++;
  return count;
}

/* Tells the other members of @m's VLAN that @s joined, left or changed. */
static void
broadcast_member_event (Session *s, Membership *m, ServalEventKind kind)
{
  g_autoptr(GPtrArray) members = serval_server_vlan_sessions (s->server, m->tag);
  g_autoptr(Message_t) msg = NULL;

  if (members->len == 0)
    return;
  msg = serval_event_build_member (kind, m->name, m->member);
  for (guint i = 0; i < members->len; i++)
    {
      Session *other = members->pdata[i];

      /* New addresses go to the member itself too: its own row in its
       * member list shows them (it joined before it had any). */
      if ((other != s || kind == SERVAL_EVENT_MEMBER_UPDATED) && !other->closed)
        serval_link_send (other->link, msg, NULL);
    }
}

void
serval_session_leave (Session *s, guint32 tag, const char *removed_reason, ServalErrorCode removed_code)
{
  Membership *m;

  if (s->port == NULL || !serval_switch_port_is_member (s->port, tag))
    return;
  m = session_membership (s, tag);
  serval_switch_port_leave (s->server->sw, s->port, tag);
  broadcast_member_event (s, m, SERVAL_EVENT_MEMBER_LEFT);
  serval_server_cluster_withdraw (s->server, tag, m->member);
  g_message ("%s@%s left VLAN “%s”%s%s", s->user, s->host, m->name,
             removed_reason ? ": " : "", removed_reason ? removed_reason : "");
  if (removed_reason != NULL && !s->closed)
    serval_link_send_take (s->link, serval_event_build_removed (m->name, removed_code, removed_reason));
  g_hash_table_remove (s->vlans, GUINT_TO_POINTER (tag));
}

void
serval_session_leave_all (Session *s)
{
  g_autoptr(GList) tags = g_hash_table_get_keys (s->vlans);

  for (GList *l = tags; l != NULL; l = l->next)
    serval_session_leave (s, GPOINTER_TO_UINT (l->data), NULL, SERVAL_ERROR_CODE_BAD_REQUEST);
}

/* @s's membership of the VLAN @req names; NULL, after answering @req with
 * NOT_JOINED, if it is not in it. */
static Membership *
joined_membership (Session *s, const ServalRequest *req)
{
  guint32 tag;
  Membership *m = NULL;

  if (serval_store_vlan_lookup (s->server->store, req->vlan, &tag, NULL) &&
      serval_switch_port_is_member (s->port, tag))
    m = session_membership (s, tag);
  if (m == NULL)
    serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_JOINED, "You are not in VLAN “%s”",
                                req->vlan);
  return m;
}

/* --- VLAN requests --------------------------------------------------------- */

void
serval_session_handle_join (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  const char *name = req->vlan;
  g_autoptr(GPtrArray) members = NULL;
  Membership *m;
  guint32 tag;

  if (!serval_session_check_strings (s, req))
    return;
  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NO_SUCH_VLAN,
                                  "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!serval_store_has_right (server->store, s->user, name))
    {
      serval_session_reply_error (
          s, req->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
          "User “%s” may not join VLAN “%s”: ask an administrator to grant the right", s->user, name);
      return;
    }

  if (!serval_switch_port_is_member (s->port, tag))
    {
      serval_switch_port_join (server->sw, s->port, tag);
      /* Its MAC is its own from now on: no other member's frame takes it
       * over. Another user's member joined with it first. */
      if (!serval_switch_port_pin_mac (server->sw, s->port, tag, req->mac))
        {
          g_autofree char *mac = serval_mac_to_string (req->mac);

          serval_switch_port_leave (server->sw, s->port, tag);
          g_message ("%s@%s may not join VLAN “%s” with MAC %s: another user's member has it", s->user, s->host,
                     name, mac);
          serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                      "The MAC address %s is another member's in VLAN “%s”", mac, name);
          return;
        }
      m = g_new0 (Membership, 1);
      m->tag = tag;
      m->name = g_strdup (name);
      m->member = serval_member_new (s->user, s->host, req->mac, NULL, server->config.node,
                                     g_get_real_time () / G_USEC_PER_SEC);
      g_hash_table_insert (s->vlans, GUINT_TO_POINTER (tag), m);
      /* (The pin forgot where its MAC was learned: on another node's
       * trunk before it failed over here, say.) */
      broadcast_member_event (s, m, SERVAL_EVENT_MEMBER_JOINED);
      serval_server_cluster_publish (server, tag, name, m->member);
      g_message ("%s@%s joined VLAN “%s”", s->user, s->host, name);
    }

  members = vlan_members (server, tag);
  serval_session_reply (s, serval_response_build_joined (req->id, name, tag, members));
}

void
serval_session_handle_leave (Session *s, const ServalRequest *req)
{
  Membership *m;

  if (!serval_session_check_strings (s, req) || (m = joined_membership (s, req)) == NULL)
    return;
  serval_session_leave (s, m->tag, NULL, SERVAL_ERROR_CODE_BAD_REQUEST);
  serval_session_reply_ok (s, req->id);
}

/* Whether @addresses are what @member has already. */
static gboolean
same_addresses (ServalMember *member, const char *const *addresses)
{
  const char *const *now = serval_member_get_addresses (member);
  const char *const none[] = { NULL };

  return g_strv_equal (now != NULL ? now : none, addresses != NULL ? addresses : none);
}

void
serval_session_handle_update (Session *s, const ServalRequest *req)
{
  Membership *m;

  if (!serval_session_check_strings (s, req) || (m = joined_membership (s, req)) == NULL)
    return;
  if (same_addresses (m->member, (const char *const *) req->addresses))
    {
      serval_session_reply_ok (s, req->id); /* nothing to tell anyone */
      return;
    }
  if (!serval_session_update_allowed (s))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_RATE_LIMITED,
                                  "Address updates come too fast (more than 1 a second, 5 at once): "
                                  "this one was not passed on; send the latest again in a second");
      return;
    }
  serval_member_set_addresses (m->member, (const char *const *) req->addresses);
  broadcast_member_event (s, m, SERVAL_EVENT_MEMBER_UPDATED);
  serval_server_cluster_publish (s->server, m->tag, m->name, m->member);
  serval_session_reply_ok (s, req->id);
}

void
serval_session_handle_list_vlans (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = serval_store_vlan_list (server->store, &error);
  g_autoptr(GPtrArray) infos = NULL;

  if (vlans == NULL)
    {
      serval_session_reply_store_error (s, req->id, error);
      return;
    }
  infos = g_ptr_array_new_full (vlans->len, (GDestroyNotify) serval_vlan_info_free);
  for (guint i = 0; i < vlans->len && i < 4096; i++) /* a list answer's limit */
    {
      ServalVlan *v = vlans->pdata[i];
      ServalVlanInfo *info = g_new0 (ServalVlanInfo, 1);

      info->name = g_strdup (v->name);
      info->tag = v->id;
      info->allowed = serval_store_has_right (server->store, s->user, v->name);
      info->members = local_count (server, v->id) + serval_server_cluster_count (server, v->id);
      g_ptr_array_add (infos, info);
    }
  serval_session_reply (s, serval_response_build_vlans (req->id, infos));
}

void
serval_session_handle_list_members (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  const char *name = req->vlan;
  g_autoptr(GPtrArray) members = NULL;
  guint32 tag;

  if (!serval_session_check_strings (s, req))
    return;
  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NO_SUCH_VLAN,
                                  "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!serval_store_has_right (server->store, s->user, name) && !serval_session_is_admin (s))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                  "User “%s” may not see the members of VLAN “%s”", s->user, name);
      return;
    }
  members = vlan_members (server, tag);
  serval_session_reply (s, serval_response_build_members (req->id, members));
}
