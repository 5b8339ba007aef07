/* serval-server-lan.c: a VLAN as a managed office switch (issue 14), from
 * the store into the switch.
 *
 * A VLAN's rules become the switch's compiled list for it (serval-acl.h);
 * its subnet makes the switch hand DHCP client messages to dhcp_cb() here,
 * which leases from the store (stable per user and MAC) and answers from
 * the subnet's first host address, with no router and no DNS; its IPv6
 * prefix is announced in router advertisements to every member, on its
 * join and every RA_INTERVAL seconds. The addresses members hold (leased,
 * or announced first) are claimed in the switch, which then answers ARP and
 * neighbor solicitations for them and drops frames of other members that
 * use them. A user's bridge right lets its ports send from other MACs than
 * the one they joined with (a LAN bridged in).
 *
 * Changes reach the switch at once: an administrator's through
 * serval_server_vlan_config_changed(), another node's or an offline
 * command's through the store's signals.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "serval-server-private.h"

#include "serval-acl.h"
#include "serval-cidr.h"
#include "serval-dhcp.h"
#include "serval-neigh.h"

/* A DHCP lease's time: clients renew at half of it, so a member that went
 * away without a release holds its address an hour at most, as a client;
 * the store keeps it for that user and MAC anyway. */
#define LEASE_SECONDS 3600
#define RA_INTERVAL   60
#define RA_LIFETIME   (30 * 60)

typedef struct
{
  guint8 prefix[16];
  guint len;
} Prefix6;

/* --- configuration ---------------------------------------------------------- */

/* An address without its length ("10.77.0.5" of "10.77.0.5/24"): 4 or 6,
 * or 0 if it is none. */
static guint
parse_address (const char *text, guint8 out[16])
{
  g_autofree char *host = g_strndup (text, strcspn (text, "/%"));
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (host);

  if (addr == NULL)
    return 0;
  memcpy (out, g_inet_address_to_bytes (addr), g_inet_address_get_native_size (addr));
  return g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV4 ? 4 : 6;
}

static void send_router_advert (ServalServer *server, guint32 tag, ServalSwitchPort *only);

static void
apply_vlan (ServalServer *server, const ServalVlan *v)
{
  ServalSwitchDhcpConfig dhcp = { 0 };
  ServalCidr net;

  serval_switch_vlan_set_acl (server->sw, v->id, v->rules->len > 0 ? serval_acl_new (v->rules) : NULL);
  if (serval_cidr_parse_network (v->subnet, AF_INET, &net))
    {
      memcpy (dhcp.server_ip, net.addr, 4);
      dhcp.server_ip[3] |= 1; /* the first host address: the server's */
      dhcp.prefix_len = net.prefix;
      serval_switch_dhcp_mac (v->id, dhcp.server_mac);
      serval_switch_vlan_set_dhcp (server->sw, v->id, &dhcp);
    }
  else
    serval_switch_vlan_set_dhcp (server->sw, v->id, NULL);
  if (server->lan_prefix6 == NULL)
    ;
  else if (serval_cidr_parse_network (v->prefix6, AF_INET6, &net))
    {
      Prefix6 *p = g_new0 (Prefix6, 1);

      memcpy (p->prefix, net.addr, 16);
      p->len = net.prefix;
      g_hash_table_replace (server->lan_prefix6, GUINT_TO_POINTER (v->id), p);
      send_router_advert (server, v->id, NULL);
    }
  else
    g_hash_table_remove (server->lan_prefix6, GUINT_TO_POINTER (v->id));
}

void
serval_server_vlan_config_changed (ServalServer *server, const char *vlan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalVlan) v = serval_store_vlan_get (server->store, vlan, &error);

  if (v == NULL)
    {
      g_message ("VLAN “%s” changed, and is gone: %s", vlan, error->message);
      return;
    }
  apply_vlan (server, v);
  g_message ("VLAN “%s” changed: subnet %s, IPv6 prefix %s, %u rule%s", vlan,
             v->subnet != NULL ? v->subnet : "none", v->prefix6 != NULL ? v->prefix6 : "none", v->rules->len,
             v->rules->len == 1 ? "" : "s");
}

void
serval_server_user_config_changed (ServalServer *server, const char *user)
{
  ServalCredentials cred;
  ServalUserRecord record = { 0 };
  g_autofree char *rate = NULL;
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  if (serval_store_user_read (server->store, user, &cred, &record, NULL))
    serval_credentials_clear (&cred);

  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;

      if (s->port != NULL && s->node == NULL && g_strcmp0 (s->user, user) == 0)
        {
          s->bridge = record.bridge;
          s->rate_limit = record.rate_limit;
          serval_switch_port_set_bridge (s->port, record.bridge);
          serval_session_fair_set_rate (s);
          n++;
        }
    }
  rate = record.rate_limit > 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT " bytes/s", record.rate_limit) :
                                 g_strdup ("none (the server's default)");
  g_message ("User “%s” now: %s, rate limit %s (%u session%s)", user,
             record.bridge ? "may bridge" : "may not bridge", rate, n, n == 1 ? "" : "s");
}

static void
store_vlan_changed_cb (ServalStore *store, const char *vlan, guint tag, gpointer data)
{
  serval_server_vlan_config_changed (data, vlan);
}

static void
store_user_changed_cb (ServalStore *store, const char *user, gpointer data)
{
  serval_server_user_config_changed (data, user);
}

/* --- members ---------------------------------------------------------------- */

void
serval_server_lan_port_added (Session *s)
{
  serval_switch_port_set_bridge (s->port, s->bridge);
}

static void
claim (Session *s, Membership *m, const char *text)
{
  guint8 addr[16];
  guint family = parse_address (text, addr);

  if (family != 0 &&
      !serval_switch_vlan_claim_address (s->server->sw, m->tag, s->port, family, addr,
                                         serval_member_get_mac_bytes (m->member)))
    g_debug ("%s@%s: %s in VLAN “%s” is another member's (or one too many): not protected for it", s->user,
             s->host, text, m->name);
}

/* A new member's first router advertisements, as RFC 4861 has a router send
 * its first few sooner than the rest: one and four seconds after the join,
 * once the answer to the join and the member's device are there. */
typedef struct
{
  Session *s;
  guint32 tag;
} FirstAdvert;

static gboolean
first_advert_cb (gpointer data)
{
  FirstAdvert *fa = data;
  Session *s = fa->s;

  if (!s->closed && s->port != NULL && serval_switch_port_is_member (s->port, fa->tag))
    send_router_advert (s->server, fa->tag, s->port);
  return G_SOURCE_REMOVE;
}

static void
first_advert_free (gpointer data)
{
  FirstAdvert *fa = data;

  serval_session_unref (fa->s);
  g_free (fa);
}

static void
first_advert_in (Session *s, guint32 tag, guint seconds)
{
  FirstAdvert *fa = g_new0 (FirstAdvert, 1);
  GSource *source = g_timeout_source_new_seconds (seconds);

  fa->s = serval_session_ref (s);
  fa->tag = tag;
  g_source_set_callback (source, first_advert_cb, fa, first_advert_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

void
serval_server_lan_joined (Session *s, Membership *m)
{
  if (m->address != NULL)
    claim (s, m, m->address);
  if (s->server->lan_prefix6 == NULL || !g_hash_table_contains (s->server->lan_prefix6, GUINT_TO_POINTER (m->tag)))
    return;
  first_advert_in (s, m->tag, 1);
  first_advert_in (s, m->tag, 4);
}

/* The address the VLAN leased @m stays first among its addresses, whatever
 * its device announces: it is reserved and claimed for it (its device may
 * not have it yet, or its user took it off by hand). */
static void
keep_leased_first (Membership *m)
{
  const char *const *now = serval_member_get_addresses (m->member);
  g_autofree char *leased = NULL;
  g_autoptr (GPtrArray) list = NULL;

  if (m->address == NULL)
    return;
  leased = g_strndup (m->address, strcspn (m->address, "/"));
  if (now != NULL && now[0] != NULL && g_str_equal (now[0], leased))
    return;
  /* Copies: setting the addresses frees the member's old ones. */
  list = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (list, g_strdup (leased));
  for (guint i = 0; now != NULL && now[i] != NULL && list->len < 16; i++)
    if (!g_str_equal (now[i], leased))
      g_ptr_array_add (list, g_strdup (now[i]));
  g_ptr_array_add (list, NULL);
  serval_member_set_addresses (m->member, (const char *const *) list->pdata);
}

void
serval_server_lan_addresses_changed (Session *s, Membership *m, const char *const *before)
{
  const char *const *now;

  keep_leased_first (m);
  now = serval_member_get_addresses (m->member);

  for (guint i = 0; before != NULL && before[i] != NULL; i++)
    {
      guint8 addr[16];
      guint family = parse_address (before[i], addr);
      g_autofree char *leased = m->address ? g_strndup (m->address, strcspn (m->address, "/")) : NULL;

      if (family != 0 && (now == NULL || !g_strv_contains (now, before[i])) && g_strcmp0 (leased, before[i]) != 0)
        serval_switch_vlan_release_address (s->server->sw, m->tag, s->port, family, addr);
    }
  for (guint i = 0; now != NULL && now[i] != NULL; i++)
    claim (s, m, now[i]);
}

/* --- another node's members ---------------------------------------------- */

void
serval_server_lan_remote_joined (ServalServer *server, guint32 tag, ServalSwitchPort *trunk, ServalMember *member)
{
  const char *const *addresses = serval_member_get_addresses (member);
  const guint8 *mac = serval_member_get_mac_bytes (member);
  const char *user = serval_member_get_user (member);

  serval_switch_vlan_pin_remote (server->sw, tag, trunk, mac, user);
  for (; addresses != NULL && *addresses != NULL; addresses++)
    {
      guint8 addr[16];
      guint family = parse_address (*addresses, addr);

      /* A member here holds it first (it failed over from that node, or
       * two members announce one address): first come, first served. */
      if (family != 0 && !serval_switch_vlan_claim_remote (server->sw, tag, trunk, family, addr, mac, user))
        g_debug ("%s@%s on node “%s”: %s is held here already: not protected for it", user,
                 serval_member_get_host (member), serval_member_get_node (member), *addresses);
    }
}

void
serval_server_lan_remote_left (ServalServer *server, guint32 tag, ServalSwitchPort *trunk, ServalMember *member)
{
  serval_switch_vlan_unpin_remote (server->sw, tag, trunk, serval_member_get_mac_bytes (member));
  serval_switch_vlan_release_mac (server->sw, tag, trunk, serval_member_get_mac_bytes (member));
}

/* --- hosts bridged in ---------------------------------------------------- */

static char *
bridged_key (Session *s, guint32 tag)
{
  return g_strdup_printf ("%p %u", (void *) s, tag);
}

/* DHCP leased @mac, not @s's own, through @s in @tag: released when @s leaves. */
static void
remember_bridged (Session *s, guint32 tag, const guint8 mac[6])
{
  g_autofree char *key = bridged_key (s, tag);
  GArray *macs = g_hash_table_lookup (s->server->lan_bridged, key);

  if (macs == NULL)
    {
      macs = g_array_new (FALSE, FALSE, 6);
      g_hash_table_insert (s->server->lan_bridged, g_steal_pointer (&key), macs);
    }
  for (guint i = 0; i < macs->len; i++)
    if (memcmp (&g_array_index (macs, guint8, i * 6), mac, 6) == 0)
      return;
  g_array_append_vals (macs, mac, 1);
}

void
serval_server_lan_left (Session *s, Membership *m)
{
  g_autofree char *key = bridged_key (s, m->tag);
  GArray *macs;

  if (s->server->lan_bridged == NULL || (macs = g_hash_table_lookup (s->server->lan_bridged, key)) == NULL)
    return;
  for (guint i = 0; i < macs->len; i++)
    serval_store_lease_release_async (s->server->store, m->name, s->user, &g_array_index (macs, guint8, i * 6),
                                      NULL, NULL, NULL);
  g_message ("%s@%s left VLAN “%s”: the leases of %u host%s bridged in through it are released", s->user, s->host,
             m->name, macs->len, macs->len == 1 ? "" : "s");
  g_hash_table_remove (s->server->lan_bridged, key);
}

/* --- router advertisements ------------------------------------------------- */

static void
send_router_advert (ServalServer *server, guint32 tag, ServalSwitchPort *only)
{
  Prefix6 *p = server->lan_prefix6 ? g_hash_table_lookup (server->lan_prefix6, GUINT_TO_POINTER (tag)) : NULL;
  guint8 mac[6], src[16], ra[SERVAL_NEIGH_RA_LEN];
  ServalFrame frame = { .data = ra, .vlan = tag };
  ServalSwitchPort *const *ports;
  guint n;

  if (p == NULL)
    return;
  serval_switch_dhcp_mac (tag, mac);
  serval_neigh_link_local (mac, src);
  frame.len = serval_neigh_build_router_advert (ra, mac, src, p->prefix, p->len, RA_LIFETIME, RA_LIFETIME / 2);
  if (only != NULL)
    {
      serval_switch_port_send (server->sw, only, &frame);
      return;
    }
  ports = serval_switch_vlan_get_ports (server->sw, tag, &n);
  for (guint i = 0; i < n; i++)
    if (!serval_switch_port_get_trunk (ports[i]))
      serval_switch_port_send (server->sw, ports[i], &frame);
}

static gboolean
router_advert_cb (gpointer data)
{
  ServalServer *server = data;
  GHashTableIter iter;
  gpointer tag;

  g_hash_table_iter_init (&iter, server->lan_prefix6);
  while (g_hash_table_iter_next (&iter, &tag, NULL))
    send_router_advert (server, GPOINTER_TO_UINT (tag), NULL);
  return G_SOURCE_CONTINUE;
}

/* --- DHCP -------------------------------------------------------------------- */

typedef struct
{
  Session *s;
  ServalSwitchPort *port;
  guint32 tag;
  ServalDhcpMessage msg;
} DhcpJob;

static void
dhcp_job_free (DhcpJob *job)
{
  serval_session_unref (job->s);
  g_free (job);
}

static void
dhcp_send (DhcpJob *job, ServalDhcpType type, const guint8 yiaddr[4], guint prefix_len)
{
  ServalServer *server = job->s->server;
  ServalDhcpReply reply = { .type = type, .prefix_len = prefix_len, .lease_seconds = LEASE_SECONDS };
  g_autoptr(GBytes) bytes = NULL;
  ServalFrame frame = { .vlan = job->tag };
  ServalSwitchDhcpConfig dhcp;

  /* What apply_vlan() gave the switch: no store read per reply. */
  if (!serval_switch_vlan_get_dhcp (server->sw, job->tag, &dhcp))
    return; /* the subnet went meanwhile */
  memcpy (reply.server_ip, dhcp.server_ip, 4);
  memcpy (reply.server_mac, dhcp.server_mac, 6);
  if (reply.prefix_len == 0)
    reply.prefix_len = dhcp.prefix_len;
  if (yiaddr != NULL)
    memcpy (reply.yiaddr, yiaddr, 4);
  bytes = serval_dhcp_build_reply (&job->msg, &reply);
  if (bytes == NULL)
    return;
  frame.data = g_bytes_get_data (bytes, &frame.len);
  serval_switch_port_send (server->sw, job->port, &frame);
}

/* @job's membership, if its session still has its port in the VLAN; else NULL. */
static Membership *
dhcp_job_membership (DhcpJob *job)
{
  if (job->s->closed || job->s->port != job->port || !serval_switch_port_is_member (job->port, job->tag))
    return NULL;
  return g_hash_table_lookup (job->s->vlans, GUINT_TO_POINTER (job->tag));
}

static void
dhcp_leased_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DhcpJob *job = user_data;
  Session *s = job->s;
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalLease) lease = serval_store_lease_finish (SERVAL_STORE (source), result, &error);
  g_autofree char *mac = serval_mac_to_string (job->msg.chaddr);
  const guint8 *asked = job->msg.has_requested_ip ? job->msg.requested_ip : job->msg.ciaddr;
  guint8 addr[16];
  Membership *m = dhcp_job_membership (job);

  if (m == NULL)
    ;
  else if (lease == NULL)
    {
      g_message ("DHCP in VLAN “%s” for %s (%s@%s): no address: %s", m->name, mac, s->user, s->host,
                 error->message);
      if (job->msg.type == SERVAL_DHCP_REQUEST)
        dhcp_send (job, SERVAL_DHCP_NAK, NULL, 0);
    }
  else if (parse_address (lease->address, addr) != 4)
    g_warning ("The store leased “%s”, which is no IPv4 address", lease->address);
  else if (job->msg.type == SERVAL_DHCP_DISCOVER)
    dhcp_send (job, SERVAL_DHCP_OFFER, addr, 0);
  else if (memcmp (asked, addr, 4) != 0 && memcmp (asked, "\0\0\0\0", 4) != 0)
    {
      g_message ("DHCP in VLAN “%s”: %s asked for an address that is not its lease %s: NAK", m->name, mac,
                 lease->address);
      dhcp_send (job, SERVAL_DHCP_NAK, NULL, 0);
    }
  else
    {
      dhcp_send (job, SERVAL_DHCP_ACK, addr, 0);
      if (memcmp (job->msg.chaddr, serval_member_get_mac_bytes (m->member), 6) != 0)
        remember_bridged (s, job->tag, job->msg.chaddr);
      if (!serval_switch_vlan_claim_address (s->server->sw, job->tag, job->port, 4, addr, job->msg.chaddr))
        g_message ("DHCP in VLAN “%s”: %s for %s is claimed by another member", m->name, lease->address, mac);
      g_message ("DHCP in VLAN “%s”: %s for %s (%s@%s)", m->name, lease->address, mac, s->user, s->host);
    }
  dhcp_job_free (job);
}

static void
dhcp_cb (ServalSwitchPort *port, guint32 tag, const ServalDhcpMessage *msg, gpointer user_data)
{
  ServalServer *server = user_data;
  Session *s = serval_switch_port_get_user_data (port);
  Membership *m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  DhcpJob *job;

  if (m == NULL || s->closed)
    return;
  /* A member leases for its own MAC; for others only with the bridge right
   * (the hosts of a LAN it bridges in). */
  if (memcmp (msg->chaddr, serval_member_get_mac_bytes (m->member), 6) != 0 &&
      !s->bridge)
    {
      g_autofree char *mac = serval_mac_to_string (msg->chaddr);

      g_debug ("DHCP from %s@%s for %s, not its MAC, without the bridge right: ignored", s->user, s->host, mac);
      return;
    }
  if (msg->type == SERVAL_DHCP_RELEASE)
    {
      guint8 addr[4];

      memcpy (addr, msg->ciaddr, 4);
      serval_switch_vlan_release_address (server->sw, tag, port, 4, addr);
      serval_store_lease_release_async (server->store, m->name, s->user, msg->chaddr, NULL, NULL, NULL);
      return;
    }
  if (msg->type != SERVAL_DHCP_DISCOVER && msg->type != SERVAL_DHCP_REQUEST)
    return; /* DECLINE, INFORM: nothing to hand out */
  job = g_new0 (DhcpJob, 1);
  job->s = serval_session_ref (s);
  job->port = port;
  job->tag = tag;
  job->msg = *msg;
  serval_store_lease_async (server->store, m->name, s->user, msg->chaddr, server->cancellable, dhcp_leased_cb, job);
}

/* --- start, stop, metrics --------------------------------------------------- */

void
serval_server_lan_start (ServalServer *server)
{
  g_autoptr(GPtrArray) vlans = serval_store_vlan_list (server->store, NULL);

  server->lan_prefix6 = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  server->lan_bridged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  serval_switch_set_dhcp_func (server->sw, dhcp_cb, server);
  for (guint i = 0; vlans != NULL && i < vlans->len; i++)
    {
      g_autoptr(ServalVlan) v = serval_store_vlan_get (server->store, ((ServalVlan *) vlans->pdata[i])->name, NULL);

      if (v != NULL)
        apply_vlan (server, v);
    }
  g_signal_connect (server->store, "vlan-changed", G_CALLBACK (store_vlan_changed_cb), server);
  g_signal_connect (server->store, "user-changed", G_CALLBACK (store_user_changed_cb), server);
  server->lan_ra_source = g_timeout_source_new_seconds (RA_INTERVAL);
  g_source_set_callback (server->lan_ra_source, router_advert_cb, server, NULL);
  g_source_attach (server->lan_ra_source, g_main_context_get_thread_default ());
}

void
serval_server_lan_stop (ServalServer *server)
{
  if (server->lan_ra_source != NULL)
    g_source_destroy (server->lan_ra_source);
  g_clear_pointer (&server->lan_ra_source, g_source_unref);
  g_clear_pointer (&server->lan_prefix6, g_hash_table_unref);
  g_clear_pointer (&server->lan_bridged, g_hash_table_unref);
  if (server->store != NULL)
    g_signal_handlers_disconnect_by_data (server->store, server);
}

/* A VLAN's rules and their hits, for /metrics. */
static void
metrics_rules (ServalServer *server, GString *s)
{
  g_autoptr(GPtrArray) vlans = serval_store_vlan_list (server->store, NULL);

  g_string_append (s, "# HELP serval_rule_hits_total Frames each rule of a VLAN decided, by VLAN and rule number.\n"
                      "# TYPE serval_rule_hits_total counter\n");
  for (guint i = 0; vlans != NULL && i < vlans->len; i++)
    {
      ServalVlan *v = vlans->pdata[i];
      ServalAcl *acl = serval_switch_vlan_get_acl (server->sw, v->id);

      for (guint r = 0; acl != NULL && r < serval_acl_n_rules (acl); r++)
        {
          g_autofree char *text = serval_rule_to_string (serval_acl_get_rule (acl, r));

          g_string_append_printf (s, "serval_rule_hits_total{vlan=\"%s\",rule=\"%u\",text=\"%s\"} %lu\n", v->name,
                                  r + 1, text, (unsigned long) serval_acl_get_hits (acl, r));
        }
    }
}

void
serval_server_lan_metrics (ServalServer *server, GString *s)
{
  const ServalSwitchStats *st = serval_switch_get_stats (server->sw);

  g_string_append_printf (s,
                          "# HELP serval_arp_requests_total ARP requests: answered by the server for a known "
                          "address, or flooded to the VLAN.\n"
                          "# TYPE serval_arp_requests_total counter\n"
                          "serval_arp_requests_total{result=\"answered\"} %lu\n"
                          "serval_arp_requests_total{result=\"flooded\"} %lu\n"
                          "# HELP serval_nd_solicitations_total IPv6 neighbor solicitations: answered or flooded.\n"
                          "# TYPE serval_nd_solicitations_total counter\n"
                          "serval_nd_solicitations_total{result=\"answered\"} %lu\n"
                          "serval_nd_solicitations_total{result=\"flooded\"} %lu\n"
                          "# HELP serval_dhcp_messages_total DHCP client messages the server took and answered.\n"
                          "# TYPE serval_dhcp_messages_total counter\n"
                          "serval_dhcp_messages_total %lu\n",
                          (unsigned long) st->arp_answered, (unsigned long) st->arp_flooded,
                          (unsigned long) st->nd_answered, (unsigned long) st->nd_flooded,
                          (unsigned long) st->dropped[SERVAL_SWITCH_CONSUMED]);
  metrics_rules (server, s);
}
