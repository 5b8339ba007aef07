/* serval-switch-l3.c: what makes the switch a managed one: a VLAN's rules,
 * the addresses its members claimed (anti-spoofing, ARP and neighbor
 * discovery answered by the switch), its DHCP server's messages.
 *
 * None of it costs a VLAN without rules, claims or DHCP anything but the
 * test of vlan->l3 in serval_switch_input(). With them, a frame is
 * classified once (serval_acl_classify()) and the rest reads that. */
#include "config.h"

#include "serval-switch-private.h"
#include "serval-neigh.h"

#include <string.h>

/* One claimed address; key and value of Vlan.claims. */
typedef struct
{
  guint8 family; /* 4 or 6; with addr, the key */
  guint8 addr[16];
  ServalSwitchPort *port;
  guint8 mac[6];
  const char *user; /* a trunk's claim for another node's member: whose (interned) */
} Claim;

/* Whether @c is the sender's own: claimed for its port @port, or for a
 * trunk for the member it is (the same user, from the MAC @src): a member
 * that failed over to this node while the node it left still holds its
 * addresses. */
static gboolean
claim_is_senders (const Claim *c, ServalSwitchPort *port, const guint8 src[6])
{
  return c->port == port || (c->user != NULL && memcmp (c->mac, src, 6) == 0 &&
                             g_strcmp0 (c->user, serval_switch_port_get_owner (port)) == 0);
}

static guint
claim_hash (gconstpointer p)
{
  const Claim *c = p;
  guint h = 2166136261u ^ c->family;

  for (guint i = 0; i < 16; i++)
    h = (h ^ c->addr[i]) * 16777619u;
  return h;
}

static gboolean
claim_equal (gconstpointer a, gconstpointer b)
{
  const Claim *x = a, *y = b;

  return x->family == y->family && memcmp (x->addr, y->addr, 16) == 0;
}

void
serval_switch_vlan_update_l3 (Vlan *vlan)
{
  vlan->l3 = vlan->config != NULL || (vlan->claims != NULL && g_hash_table_size (vlan->claims) > 0);
}

void
serval_switch_config_free (VlanConfig *config)
{
  serval_acl_free (config->acl);
  g_free (config);
}

/* The VLAN's configuration, made if it has none (config_changed() drops
 * an empty one). */
static VlanConfig *
vlan_config (ServalSwitch *sw, guint32 tag)
{
  VlanConfig *config = g_hash_table_lookup (sw->configs, GUINT_TO_POINTER (tag));

  if (config == NULL)
    {
      config = g_new0 (VlanConfig, 1);
      g_hash_table_insert (sw->configs, GUINT_TO_POINTER (tag), config);
    }
  return config;
}

/* After a change of @tag's configuration: its Vlan sees it. */
static void
config_changed (ServalSwitch *sw, guint32 tag, VlanConfig *config)
{
  Vlan *vlan = serval_switch_get_vlan (sw, tag);

  if (config->acl == NULL && !config->dhcp)
    {
      g_hash_table_remove (sw->configs, GUINT_TO_POINTER (tag));
      config = NULL;
    }
  if (vlan != NULL)
    {
      vlan->config = config;
      serval_switch_vlan_update_l3 (vlan);
    }
}

void
serval_switch_vlan_set_acl (ServalSwitch *sw, guint32 tag, ServalAcl *acl)
{
  VlanConfig *config = vlan_config (sw, tag);

  serval_acl_free (config->acl);
  config->acl = acl;
  config_changed (sw, tag, config);
}

ServalAcl *
serval_switch_vlan_get_acl (ServalSwitch *sw, guint32 tag)
{
  VlanConfig *config = g_hash_table_lookup (sw->configs, GUINT_TO_POINTER (tag));

  return config != NULL ? config->acl : NULL;
}

void
serval_switch_vlan_set_dhcp (ServalSwitch *sw, guint32 tag, const ServalSwitchDhcpConfig *dhcp)
{
  VlanConfig *config = vlan_config (sw, tag);

  config->dhcp = dhcp != NULL;
  if (dhcp != NULL)
    config->dhcp_config = *dhcp;
  config_changed (sw, tag, config);
}

gboolean
serval_switch_vlan_get_dhcp (ServalSwitch *sw, guint32 tag, ServalSwitchDhcpConfig *out)
{
  VlanConfig *config = g_hash_table_lookup (sw->configs, GUINT_TO_POINTER (tag));

  if (config == NULL || !config->dhcp)
    return FALSE;
  *out = config->dhcp_config;
  return TRUE;
}

void
serval_switch_set_dhcp_func (ServalSwitch *sw, ServalSwitchDhcpFunc func, gpointer user_data)
{
  sw->dhcp_func = func;
  sw->dhcp_data = user_data;
}

void
serval_switch_dhcp_mac (guint32 tag, guint8 mac[6])
{
  mac[0] = 0x02;
  mac[1] = 0x53;
  mac[2] = 0x56;
  mac[3] = tag >> 16;
  mac[4] = tag >> 8;
  mac[5] = tag;
}

void
serval_switch_port_set_bridge (ServalSwitchPort *port, gboolean bridge)
{
  port->bridge = !!bridge;
}

void
serval_switch_port_send (ServalSwitch *sw, ServalSwitchPort *port, const ServalFrame *frame)
{
  if (serval_switch_port_membership (port, frame->vlan) != NULL)
    serval_switch_deliver (sw, port, frame);
}

/* The key for @addr, or FALSE if it is no address one can claim. */
static gboolean
claim_key (Claim *key, guint family, const guint8 *addr)
{
  static const guint8 zero[16] = { 0 };
  gsize n = family == 4 ? 4 : 16;

  if ((family != 4 && family != 6) || addr == NULL || memcmp (addr, zero, n) == 0)
    return FALSE;
  memset (key, 0, sizeof *key);
  key->family = family;
  memcpy (key->addr, addr, n);
  return TRUE;
}

/* A member that failed over to this node claims its addresses here while the
 * trunk to the node it left may still hold them (that node's claim goes when
 * the registry says the member left it, or with the trunk): the claim moves
 * to the member's port, if it has room for it. */
static gboolean
take_over (Claim *c, ServalSwitchPort *port, Membership *m, guint32 tag, const guint8 mac[6])
{
  Membership *was = serval_switch_port_membership (c->port, tag);

  if (port->trunk || !claim_is_senders (c, port, mac) || m->n_claims >= SERVAL_SWITCH_MAX_CLAIMS_PER_PORT)
    return FALSE;
  if (was != NULL)
    was->n_claims--;
  c->user = NULL;
  c->port = port;
  m->n_claims++;
  return TRUE;
}

static gboolean
claim (ServalSwitchPort *port, guint32 tag, guint family, const guint8 *addr, const guint8 mac[6], const char *user)
{
  Membership *m = serval_switch_port_membership (port, tag);
  Claim key, *c;

  if (m == NULL || !claim_key (&key, family, addr))
    return FALSE;
  if (m->vlan->claims == NULL)
    m->vlan->claims = g_hash_table_new_full (claim_hash, claim_equal, NULL, g_free);
  if ((c = g_hash_table_lookup (m->vlan->claims, &key)) != NULL)
    {
      if (c->port != port && !take_over (c, port, m, tag, mac))
        return FALSE; /* first come, first served */
      memcpy (c->mac, mac, 6);
      if (user != NULL)
        c->user = g_intern_string (user);
      return TRUE;
    }
  /* A trunk carries the addresses of another node's members. */
  if (m->n_claims >= SERVAL_SWITCH_MAX_CLAIMS_PER_PORT && !port->trunk)
    return FALSE;
  c = g_memdup2 (&key, sizeof key);
  c->port = port;
  memcpy (c->mac, mac, 6);
  c->user = g_intern_string (user);
  g_hash_table_add (m->vlan->claims, c);
  m->n_claims++;
  serval_switch_vlan_update_l3 (m->vlan);
  return TRUE;
}

gboolean
serval_switch_vlan_claim_address (ServalSwitch *sw, guint32 tag, ServalSwitchPort *port, guint family,
                                  const guint8 *addr, const guint8 mac[6])
{
  return claim (port, tag, family, addr, mac, NULL);
}

gboolean
serval_switch_vlan_claim_remote (ServalSwitch *sw, guint32 tag, ServalSwitchPort *trunk, guint family,
                                 const guint8 *addr, const guint8 mac[6], const char *user)
{
  g_return_val_if_fail (trunk->trunk && user != NULL, FALSE);
  return claim (trunk, tag, family, addr, mac, user);
}

gboolean
serval_switch_vlan_release_address (ServalSwitch *sw, guint32 tag, ServalSwitchPort *port, guint family,
                                    const guint8 *addr)
{
  Membership *m = serval_switch_port_membership (port, tag);
  Claim key, *c;

  if (m == NULL || m->vlan->claims == NULL || !claim_key (&key, family, addr) ||
      (c = g_hash_table_lookup (m->vlan->claims, &key)) == NULL || c->port != port)
    return FALSE;
  g_hash_table_remove (m->vlan->claims, &key);
  m->n_claims--;
  serval_switch_vlan_update_l3 (m->vlan);
  return TRUE;
}

guint
serval_switch_vlan_release_mac (ServalSwitch *sw, guint32 tag, ServalSwitchPort *port, const guint8 mac[6])
{
  Membership *m = serval_switch_port_membership (port, tag);
  GHashTableIter iter;
  Claim *c;
  guint n = 0;

  if (m == NULL || m->vlan->claims == NULL)
    return 0;
  g_hash_table_iter_init (&iter, m->vlan->claims);
  while (g_hash_table_iter_next (&iter, (gpointer *) &c, NULL))
    if (c->port == port && memcmp (c->mac, mac, 6) == 0)
      {
        g_hash_table_iter_remove (&iter);
        m->n_claims--;
        n++;
      }
  serval_switch_vlan_update_l3 (m->vlan);
  return n;
}

static Claim *
lookup_claim (Vlan *vlan, guint family, const guint8 *addr)
{
  Claim key;

  if (vlan == NULL || vlan->claims == NULL || !claim_key (&key, family, addr))
    return NULL;
  return g_hash_table_lookup (vlan->claims, &key);
}

ServalSwitchPort *
serval_switch_vlan_address_port (ServalSwitch *sw, guint32 tag, guint family, const guint8 *addr)
{
  Claim *c = lookup_claim (serval_switch_get_vlan (sw, tag), family, addr);

  return c != NULL ? c->port : NULL;
}

void
serval_switch_l3_forget_port (Vlan *vlan, Membership *m, ServalSwitchPort *port)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, vlan->claims);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (((Claim *) key)->port == port)
      g_hash_table_iter_remove (&iter);
  m->n_claims = 0;
  serval_switch_vlan_update_l3 (vlan);
}

/* The MAC of whoever else holds @addr: the port other than @port that
 * claimed it, or the VLAN's DHCP server; NULL if no one does. The switch
 * answers for it with that MAC; a claim of the sender's own (from its MAC
 * @src, claim_is_senders()) is no one else's. */
static const guint8 *
holder_mac (Vlan *vlan, ServalSwitchPort *port, guint family, const guint8 *addr, const guint8 src[6])
{
  Claim *c = lookup_claim (vlan, family, addr);

  if (c != NULL && !claim_is_senders (c, port, src))
    return c->mac;
  if (family == 4 && vlan->config != NULL && vlan->config->dhcp &&
      memcmp (addr, vlan->config->dhcp_config.server_ip, 4) == 0)
    return vlan->config->dhcp_config.server_mac;
  return NULL;
}

/* Whether @addr is someone else's than the sender's (@port, MAC @src), or
 * is the VLAN's DHCP server's. */
static gboolean
taken (Vlan *vlan, ServalSwitchPort *port, guint family, const guint8 *addr, const guint8 src[6])
{
  return holder_mac (vlan, port, family, addr, src) != NULL;
}

/* One rule for ARP and for IPv6 neighbour discovery. A sender may not claim
 * an address another port holds (@claims, NULL if the frame claims none).
 * A question about @asks (NULL if the frame asks nothing) is answered by the
 * switch itself when it knows the holder: another port that claimed it, or
 * the VLAN's DHCP server; any other question is flooded. @question is the
 * parsed request the answer is built from (a #ServalArp or a #ServalNd);
 * @f is the frame, whose source MAC is the sender's. */
static ServalSwitchVerdict
check_neighbour (ServalSwitch *sw, Vlan *vlan, ServalSwitchPort *port, const ServalFrame *f, guint family,
                 const guint8 *claims, const guint8 *asks, gconstpointer question)
{
  guint8 reply[MAX (SERVAL_NEIGH_ARP_LEN, SERVAL_NEIGH_NA_LEN)];
  ServalFrame frame = { reply, 0, vlan->tag, NULL };
  const guint8 *src = f->data + 6;
  const guint8 *mac;

  if (claims != NULL && taken (vlan, port, family, claims, src))
    return SERVAL_SWITCH_DROP_SPOOFED_ADDRESS;
  if (asks == NULL)
    return SERVAL_SWITCH_FORWARDED;
  if ((mac = holder_mac (vlan, port, family, asks, src)) == NULL)
    {
      if (family == 4)
        sw->stats.arp_flooded++;
      else
        sw->stats.nd_flooded++;
      return SERVAL_SWITCH_FORWARDED;
    }
  if (family == 4)
    {
      frame.len = serval_neigh_build_arp_reply (reply, question, mac);
      sw->stats.arp_answered++;
    }
  else
    {
      frame.len = serval_neigh_build_na (reply, question, mac);
      sw->stats.nd_answered++;
    }
  serval_switch_deliver (sw, port, &frame);
  return SERVAL_SWITCH_ANSWERED;
}

static ServalSwitchVerdict
check_arp (ServalSwitch *sw, Vlan *vlan, ServalSwitchPort *port, const ServalFrame *f)
{
  ServalArp arp;

  if (!serval_neigh_parse_arp (f->data, f->len, &arp))
    return SERVAL_SWITCH_FORWARDED;
  /* Every ARP frame claims its sender's address; a request (op 1) asks who
   * has its target's. */
  return check_neighbour (sw, vlan, port, f, 4, arp.spa, arp.op == 1 ? arp.tpa : NULL, &arp);
}

static ServalSwitchVerdict
check_nd (ServalSwitch *sw, Vlan *vlan, ServalSwitchPort *port, const ServalFrame *f)
{
  ServalNd nd;
  gboolean advert;

  if (!serval_neigh_parse_nd (f->data, f->len, &nd))
    return SERVAL_SWITCH_FORWARDED;
  /* An advertisement (136) claims its target; a solicitation (135) asks
   * who has it. */
  advert = nd.type == 136;
  return check_neighbour (sw, vlan, port, f, 6, advert ? nd.target : NULL, advert ? NULL : nd.target, &nd);
}

static ServalSwitchVerdict
check_dhcp (ServalSwitch *sw, Vlan *vlan, ServalSwitchPort *port, const ServalFrame *f)
{
  ServalDhcpMessage msg;

  if (!serval_dhcp_is_client_frame (f->data, f->len))
    return SERVAL_SWITCH_FORWARDED;
  if (serval_dhcp_parse (f->data, f->len, &msg) && sw->dhcp_func != NULL)
    sw->dhcp_func (port, vlan->tag, &msg, sw->dhcp_data);
  return SERVAL_SWITCH_CONSUMED;
}

ServalSwitchVerdict
serval_switch_l3_check (ServalSwitch *sw, Vlan *vlan, ServalSwitchPort *port, const ServalFrame *f,
                        ServalAclPacket *packet)
{
  gboolean dhcp;

  serval_acl_classify (f->data, f->len, packet);
  /* A trunk's frames were checked on the node they came in on. */
  if (port->trunk)
    return SERVAL_SWITCH_FORWARDED;
  if (packet->ethertype == 0x0806)
    return check_arp (sw, vlan, port, f);
  if (packet->family == 0)
    return SERVAL_SWITCH_FORWARDED;
  dhcp = packet->family == 4 && packet->ip_proto == 17 && vlan->config != NULL && vlan->config->dhcp;
  /* A rogue server is named so, whatever address it sends from. */
  if (dhcp && serval_dhcp_is_server_frame (f->data, f->len))
    return SERVAL_SWITCH_DROP_ROGUE_DHCP;
  if (taken (vlan, port, packet->family, packet->src, f->data + 6))
    return SERVAL_SWITCH_DROP_SPOOFED_ADDRESS;
  if (dhcp)
    return check_dhcp (sw, vlan, port, f);
  if (packet->family == 6 && packet->ip_proto == 58)
    return check_nd (sw, vlan, port, f);
  return SERVAL_SWITCH_FORWARDED;
}

ServalSwitchVerdict
serval_switch_acl_flood (ServalSwitch *sw, Vlan *vlan, ServalSwitchPort *port, const ServalFrame *f,
                         const ServalAclPacket *packet, guint n_out)
{
  ServalAcl *acl = vlan->config->acl;
  const char *from = serval_switch_port_get_owner (port);
  gboolean per_port = serval_acl_uses_to_user (acl);
  guint sent = 0, denied = 0;

  /* Rules without "to USER" give every receiver the same answer. */
  if (!per_port && serval_acl_match (acl, packet, from, NULL) != SERVAL_RULE_ALLOW)
    return SERVAL_SWITCH_DROP_ACL;
  if (per_port)
    serval_acl_prepare (acl, packet, from);
  for (guint i = 0; i < n_out; i++)
    {
      ServalSwitchPort *out = g_ptr_array_index (vlan->ports, i);

      if (out == port)
        continue;
      if (per_port && serval_acl_match_prepared (acl, serval_switch_port_get_owner (out)) != SERVAL_RULE_ALLOW)
        {
          denied++;
          continue;
        }
      serval_switch_deliver (sw, out, f);
      sent++;
    }
  if (sent > 0)
    return SERVAL_SWITCH_FORWARDED;
  return denied > 0 ? SERVAL_SWITCH_DROP_ACL : SERVAL_SWITCH_DROP_NO_DEST;
}
