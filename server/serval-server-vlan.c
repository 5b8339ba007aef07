/* serval-server-vlan.c: joining and leaving VLANs, member lists and events.
 *
 * Who is in which VLAN is the switch's to say (serval_switch_port_is_member(),
 * serval_switch_vlan_get_ports()); the server keeps no table of its own. A
 * session's Membership says how it is in a VLAN it joined, as the other
 * members see it: made at the join, freed at the leave.
 *
 * In a VLAN with a subnet, a join first leases an address from the store
 * (for the user and the MAC it joins with); the join answer carries it, and
 * the leave releases it (kept for that user and MAC).
 */
#include "config.h"

#include "serval-server-private.h"

#include <string.h>

void
serval_membership_free (Membership *m)
{
  g_free (m->name);
  g_clear_object (&m->member);
  g_free (m->address);
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

/* The members of VLAN @tag, this node's and the others' (ServalMember,
 * borrowed); the message layer sends 4096 of them at most in a list, 500
 * in a page. */
static GPtrArray *
serval_server_vlan_members (ServalServer *server, guint32 tag)
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

  /* New addresses go to the member itself too: its own row in its member
   * list shows them (it joined before it had any). */
  serval_server_tell_members (members, kind == SERVAL_EVENT_MEMBER_UPDATED ? NULL : s, m->tag, m->name, m->member,
                              kind);
}

/* @user_data: the address released (freed here). */
static void
lease_released_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *address = user_data;
  g_autoptr(GError) error = NULL;

  if (!serval_store_lease_release_finish (SERVAL_STORE (source), result, &error))
    g_warning ("Cannot release the lease of %s (it stays taken until its member joins again): %s", address,
               error->message);
}

void
serval_session_leave (Session *s, guint32 tag, const char *removed_reason, ServalErrorCode removed_code)
{
  Membership *m;

  if (s->port == NULL || !serval_switch_port_is_member (s->port, tag))
    return;
  m = session_membership (s, tag);
  serval_session_member_events_drop (s, tag); /* a join later answers with the list as it is then */
  if (m->address != NULL)                     /* kept for this user and MAC, to get it back */
    serval_store_lease_release_async (s->server->store, m->name, s->user, serval_member_get_mac_bytes (m->member),
                                      NULL, lease_released_cb, g_strdup (m->address));
  serval_server_lan_left (s, m);
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

/* A join that waits for its address: what it needs once the store leased one. */
typedef struct
{
  Session *session;
  guint32 id;
  char *vlan;
  guint8 mac[6];
  GStrv services;
} JoinLease;

static void
join_lease_free (JoinLease *job)
{
  serval_session_unref (job->session);
  g_free (job->vlan);
  g_strfreev (job->services);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JoinLease, join_lease_free)

/* NULL, after answering request @id, if @s may not join @name now; else
 * the VLAN as the store has it (its tag, subnet and prefix: one read for
 * all that a join needs). */
static ServalVlan *
join_allowed (Session *s, guint32 id, const char *name)
{
  ServalServer *server = s->server;
  g_autoptr(ServalVlan) vlan = serval_store_vlan_get (server->store, name, NULL);

  if (vlan == NULL)
    {
      serval_session_reply_error (s, id, SERVAL_ERROR_CODE_NO_SUCH_VLAN, "There is no VLAN “%s” on this server",
                                  name);
      return NULL;
    }
  if (!serval_store_has_right (server->store, s->user, name))
    {
      serval_session_reply_error (
          s, id, SERVAL_ERROR_CODE_NOT_ALLOWED,
          "User “%s” may not join VLAN “%s”: ask an administrator to grant the right", s->user, name);
      return NULL;
    }
  return g_steal_pointer (&vlan);
}

/* @members' first alone (or none): the list an answer is built with by
 * asn1c, the others' DER spliced in beside it (serval_session_reply_members()). */
static GPtrArray *
first_only (GPtrArray *members)
{
  GPtrArray *first = g_ptr_array_new ();

  if (members->len > 0)
    g_ptr_array_add (first, members->pdata[0]);
  return first;
}

/* The join answer, with the member's address and the VLAN's IPv6 prefix
 * for a client that reads them; @vlan: as the join just read it from the
 * store (join_allowed()). */
static void
reply_joined (Session *s, guint32 id, const char *name, const ServalVlan *vlan)
{
  guint32 tag = vlan->id;
  g_autoptr(GPtrArray) members = serval_server_vlan_members (s->server, tag);
  g_autoptr(GPtrArray) first = NULL;
  guint total = members->len;
  gboolean spliced;
  Message_t *msg;
  Membership *m = session_membership (s, tag);

  /* A client that reads pages gets the first, and asks for the rest; its
   * own row is in it, the first page's last if it comes later. */
  if (s->member_pages && members->len > SERVAL_MEMBER_PAGE_MAX)
    {
      g_ptr_array_set_size (members, SERVAL_MEMBER_PAGE_MAX);
      if (m != NULL && !g_ptr_array_find (members, m->member, NULL))
        members->pdata[SERVAL_MEMBER_PAGE_MAX - 1] = m->member;
    }
  /* Up to a page's worth, the members' DER made once for every joiner's
   * answer (a storm into a big VLAN); the whole list of a big VLAN to an
   * older client the long way. */
  spliced = members->len <= SERVAL_MEMBER_PAGE_MAX;
  first = spliced ? first_only (members) : NULL;
  msg = serval_response_build_joined (id, name, tag, spliced ? first : members);
  if (s->member_pages)
    serval_response_set_joined_total (msg, total);
  if (s->vlan_config)
    serval_response_set_joined_address (msg, m != NULL ? m->address : NULL, vlan->prefix6);
  if (spliced)
    serval_session_reply_members (s, msg, members);
  else
    serval_session_reply (s, msg);
}

/* Puts @s's port in VLAN @tag with @mac (and @address, leased for it, or
 * NULL), announcing @services (checked); FALSE, after answering, if the MAC
 * is another user's member's. */
static gboolean
join_switch (Session *s, guint32 id, const char *name, guint32 tag, const guint8 mac[6], const char *address,
             const char *const *services)
{
  ServalServer *server = s->server;
  Membership *m;

  serval_switch_port_join (server->sw, s->port, tag);
  /* Its MAC is its own from now on: no other member's frame takes it
   * over. Another user's member joined with it first. */
  if (!serval_switch_port_pin_mac (server->sw, s->port, tag, mac))
    {
      g_autofree char *text = serval_mac_to_string (mac);

      serval_switch_port_leave (server->sw, s->port, tag);
      g_message ("%s@%s may not join VLAN “%s” with MAC %s: another user's member has it", s->user, s->host, name,
                 text);
      serval_session_reply_error (s, id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                  "The MAC address %s is another member's in VLAN “%s”", text, name);
      return FALSE;
    }
  m = g_new0 (Membership, 1);
  m->tag = tag;
  m->name = g_strdup (name);
  m->address = g_strdup (address);
  m->member = serval_member_new (s->user, s->host, mac, NULL, server->config.node, g_get_real_time () / G_USEC_PER_SEC);
  serval_member_set_services (m->member, services);
  if (address != NULL)
    {
      /* Shown at once, as the member announces it once its device has it. */
      g_autofree char *host = g_strndup (address, strcspn (address, "/"));
      const char *const addresses[] = { host, NULL };

      serval_member_set_addresses (m->member, addresses);
    }
  g_hash_table_insert (s->vlans, GUINT_TO_POINTER (tag), m);
  serval_server_lan_joined (s, m);
  /* (The pin forgot where its MAC was learned: on another node's
   * trunk before it failed over here, say.) */
  broadcast_member_event (s, m, SERVAL_EVENT_MEMBER_JOINED);
  serval_server_cluster_publish (server, tag, name, m->member);
  g_message ("%s@%s joined VLAN “%s”%s%s", s->user, s->host, name, address ? " with address " : "",
             address ? address : "");
  return TRUE;
}

static void
join_leased_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalLease) lease = serval_store_lease_finish (SERVAL_STORE (source), result, &error);
  g_autoptr(JoinLease) job = user_data;
  Session *s = job->session;
  g_autoptr(ServalVlan) vlan = NULL;

  if (lease == NULL)
    {
      if (g_error_matches (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL))
        g_message ("%s@%s may not join VLAN “%s”: %s", s->user, s->host, job->vlan, error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !s->closed)
        serval_session_reply_store_error (s, job->id, error);
    }
  else if (s->closed || (vlan = join_allowed (s, job->id, job->vlan)) == NULL ||
           (!serval_switch_port_is_member (s->port, vlan->id) &&
            !join_switch (s, job->id, job->vlan, vlan->id, job->mac, lease->address,
                          (const char *const *) job->services)))
    /* Gone, or refused meanwhile: the address goes back. */
    serval_store_lease_release_async (SERVAL_STORE (source), job->vlan, s->user, job->mac, NULL,
                                      lease_released_cb, g_strdup (lease->address));
  else
    reply_joined (s, job->id, job->vlan, vlan);
}

/* FALSE, after answering, if @req announces a service that is not a web
 * page on a port 1..65535 with a path of printable ASCII, 200 bytes at most
 * (in its canonical form, as clients send it). */
static gboolean
services_allowed (Session *s, const ServalRequest *req)
{
  for (guint i = 0; req->services != NULL && req->services[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *canonical = serval_service_parse (req->services[i], &error);

      if (canonical != NULL && !g_str_equal (canonical, req->services[i]))
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "it is not in its canonical form “%s”",
                             canonical);
      if (error != NULL)
        {
          g_message ("%s@%s may not join VLAN “%s” announcing service %u: %s", s->user, s->host, req->vlan, i + 1,
                     error->message);
          serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_BAD_REQUEST,
                                      "The announced service %u is refused: %s", i + 1, error->message);
          return FALSE;
        }
    }
  return TRUE;
}

void
serval_session_handle_join (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  g_autoptr(ServalVlan) vlan = NULL;

  if (!serval_session_check_strings (s, req) || !services_allowed (s, req) ||
      (vlan = join_allowed (s, req->id, req->vlan)) == NULL)
    return;
  if (!serval_switch_port_is_member (s->port, vlan->id))
    {
      if (vlan->subnet != NULL)
        {
          JoinLease *job = g_new0 (JoinLease, 1);

          job->session = serval_session_ref (s);
          job->id = req->id;
          job->vlan = g_strdup (req->vlan);
          memcpy (job->mac, req->mac, 6);
          job->services = g_strdupv (req->services);
          serval_store_lease_async (server->store, req->vlan, s->user, req->mac, server->cancellable,
                                    join_leased_cb, job);
          return;
        }
      if (!join_switch (s, req->id, req->vlan, vlan->id, req->mac, NULL, (const char *const *) req->services))
        return;
    }
  reply_joined (s, req->id, req->vlan, vlan);
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
  g_auto (GStrv) before = NULL;
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
  before = g_strdupv ((char **) serval_member_get_addresses (m->member));
  serval_member_set_addresses (m->member, (const char *const *) req->addresses);
  serval_server_lan_addresses_changed (s, m, (const char *const *) before);
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
      if (s->vlan_config) /* a client before subnets could not read them */
        {
          info->subnet = g_strdup (v->subnet);
          info->prefix6 = g_strdup (v->prefix6);
        }
      g_ptr_array_add (infos, info);
    }
  serval_session_reply (s, serval_response_build_list (req->id, SERVAL_RESPONSE_VLANS, infos));
}

/* FALSE, after answering, if @s may not see the members of @req's VLAN;
 * else its tag in @tag. */
static gboolean
members_allowed (Session *s, const ServalRequest *req, guint32 *tag)
{
  ServalServer *server = s->server;
  const char *name = req->vlan;

  if (!serval_session_check_strings (s, req))
    return FALSE;
  if (!serval_store_vlan_lookup (server->store, name, tag, NULL))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NO_SUCH_VLAN,
                                  "There is no VLAN “%s” on this server", name);
      return FALSE;
    }
  if (!serval_store_has_right (server->store, s->user, name) && !serval_session_is_admin (s))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                  "User “%s” may not see the members of VLAN “%s”", s->user, name);
      return FALSE;
    }
  return TRUE;
}

void
serval_session_handle_list_members (Session *s, const ServalRequest *req)
{
  g_autoptr(GPtrArray) members = NULL;
  guint32 tag;

  if (!members_allowed (s, req, &tag))
    return;
  members = serval_server_vlan_members (s->server, tag);
  serval_session_reply (s, serval_response_build_list (req->id, SERVAL_RESPONSE_MEMBERS, members));
}

void
serval_session_handle_list_member_page (Session *s, const ServalRequest *req)
{
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) first = NULL;
  guint32 tag;
  guint total = 0;

  if (!members_allowed (s, req, &tag))
    return;
  members = serval_server_vlan_members (s->server, tag);
  page = g_ptr_array_sized_new (MIN (req->count, SERVAL_MEMBER_PAGE_MAX));
  for (guint i = 0; i < members->len; i++)
    {
      if (!serval_member_matches_search (members->pdata[i], req->search))
        continue;
      if (total >= req->offset && page->len < req->count && page->len < SERVAL_MEMBER_PAGE_MAX)
        g_ptr_array_add (page, members->pdata[i]);
      total++;
    }
  first = first_only (page);
  serval_session_reply_members (s, serval_response_build_member_page (req->id, total, req->offset, first), page);
}
