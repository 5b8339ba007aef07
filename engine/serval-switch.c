#include "config.h"

#include "serval-switch-private.h"

#include <string.h>

/* The forwarding database is one hash table per VLAN, keyed by the MAC
 * address as a 48-bit integer. Entries are allocated when a MAC is first
 * learned, never per frame. The output callbacks must not change the switch
 * (they run while it iterates over a VLAN's ports).
 *
 * A frame from a port to a MAC it has learned already costs one lookup of
 * each address; pins and owners are looked at only when a port learns a
 * new address or takes one over from another port. */

void
serval_switch_limits_init (ServalSwitchLimits *limits)
{
  *limits = (ServalSwitchLimits){
    .max_frame = 65535,
    .max_macs_per_port = 256,
    .max_macs_per_vlan = 16384,
    .max_macs_per_owner = 1024,
    .aging_seconds = 300,
    .storm_pps = 1000,
    .storm_burst = 2000,
    .pinned_mac_only = FALSE,
  };
}

const char *
serval_switch_verdict_to_string (ServalSwitchVerdict verdict)
{
  static const char *const names[] = {
    "forwarded",
    "not_member",
    "size",
    "bad_source",
    "storm",
    "mac_limit",
    "same_port",
    "no_dest",
    "split_horizon",
    "mac_pinned",
    "acl",
    "spoofed_mac",
    "spoofed_address",
    "rogue_dhcp",
    "answered",
    "consumed",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == SERVAL_SWITCH_N_VERDICTS);
  return (guint) verdict < G_N_ELEMENTS (names) ? names[verdict] : "unknown";
}

static void
vlan_free (Vlan *vlan)
{
  g_hash_table_unref (vlan->fdb);
  g_hash_table_unref (vlan->pins);
  g_clear_pointer (&vlan->remote_pins, g_hash_table_unref);
  g_clear_pointer (&vlan->claims, g_hash_table_unref);
  g_ptr_array_unref (vlan->ports);
  g_free (vlan);
}

static void
owner_free (Owner *owner)
{
  g_array_unref (owner->vlans);
  g_free (owner->name);
  g_free (owner);
}

static void
port_free (ServalSwitchPort *port)
{
  g_array_unref (port->vlans);
  g_free (port);
}

ServalSwitch *
serval_switch_new (const ServalSwitchLimits *limits)
{
  ServalSwitch *sw = g_new0 (ServalSwitch, 1);

  if (limits != NULL)
    sw->limits = *limits;
  else
    serval_switch_limits_init (&sw->limits);
  sw->vlans = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) vlan_free);
  sw->ports = g_ptr_array_new_with_free_func ((GDestroyNotify) port_free);
  sw->owners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) owner_free);
  sw->configs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) serval_switch_config_free);
  return sw;
}

void
serval_switch_free (ServalSwitch *sw)
{
  if (sw == NULL)
    return;
  g_hash_table_unref (sw->vlans);
  g_ptr_array_unref (sw->ports);
  g_hash_table_unref (sw->owners);
  g_hash_table_unref (sw->configs);
  g_free (sw);
}

ServalSwitchPort *
serval_switch_add_port (ServalSwitch *sw, ServalSwitchOutputFunc output, gpointer user_data)
{
  ServalSwitchPort *port = g_new0 (ServalSwitchPort, 1);

  port->output = output;
  port->user_data = user_data;
  port->vlans = g_array_sized_new (FALSE, FALSE, sizeof (Membership), 2);
  port->tokens = sw->limits.storm_burst;
  port->tokens_at = G_MININT64;
  g_ptr_array_add (sw->ports, port);
  return port;
}

static Membership *
port_membership (ServalSwitchPort *port, guint32 tag)
{
  for (guint i = 0; i < port->vlans->len; i++)
    {
      Membership *m = &g_array_index (port->vlans, Membership, i);

      if (m->tag == tag)
        return m;
    }
  return NULL;
}

Membership *
serval_switch_port_membership (ServalSwitchPort *port, guint32 tag)
{
  return port_membership (port, tag);
}

Vlan *
serval_switch_get_vlan (ServalSwitch *sw, guint32 tag)
{
  return g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));
}

/* What @owner has learned in VLAN @tag, added to the list if @add. */
static OwnerVlan *
owner_vlan (Owner *owner, guint32 tag, gboolean add)
{
  OwnerVlan ov = { tag, 0 };

  for (guint i = 0; i < owner->vlans->len; i++)
    if (g_array_index (owner->vlans, OwnerVlan, i).tag == tag)
      return &g_array_index (owner->vlans, OwnerVlan, i);
  if (!add)
    return NULL;
  g_array_append_val (owner->vlans, ov);
  return &g_array_index (owner->vlans, OwnerVlan, owner->vlans->len - 1);
}

static void
owner_add (Owner *owner, guint32 tag, int delta)
{
  OwnerVlan *ov;

  if (owner == NULL || delta == 0 || (ov = owner_vlan (owner, tag, delta > 0)) == NULL)
    return;
  ov->n_macs = delta > 0 || ov->n_macs > (guint) -delta ? ov->n_macs + delta : 0;
  if (ov->n_macs == 0)
    g_array_remove_index_fast (owner->vlans, ov - &g_array_index (owner->vlans, OwnerVlan, 0));
}

/* A MAC learned on @port in @tag was forgotten or moved away. */
static void
uncount (ServalSwitchPort *port, guint32 tag)
{
  Membership *m = port_membership (port, tag);

  if (m != NULL && m->n_macs > 0)
    m->n_macs--;
  owner_add (port->owner, tag, -1);
}

void
serval_switch_port_set_owner (ServalSwitch *sw, ServalSwitchPort *port, const char *name)
{
  Owner *owner = NULL;

  if (name != NULL && (owner = g_hash_table_lookup (sw->owners, name)) == NULL)
    {
      owner = g_new0 (Owner, 1);
      owner->name = g_strdup (name);
      owner->vlans = g_array_new (FALSE, FALSE, sizeof (OwnerVlan));
      g_hash_table_insert (sw->owners, owner->name, owner);
    }
  if (owner == port->owner)
    return;
  /* What the port learned counts against its new owner from now on. */
  for (guint i = 0; i < port->vlans->len; i++)
    {
      Membership *m = &g_array_index (port->vlans, Membership, i);

      owner_add (port->owner, m->tag, -(int) m->n_macs);
      owner_add (owner, m->tag, (int) m->n_macs);
    }
  if (owner != NULL)
    owner->refs++;
  if (port->owner != NULL && --port->owner->refs == 0)
    g_hash_table_remove (sw->owners, port->owner->name);
  port->owner = owner;
}

const char *
serval_switch_port_get_owner (ServalSwitchPort *port)
{
  return port->owner != NULL ? port->owner->name : NULL;
}

guint
serval_switch_owner_n_macs (ServalSwitch *sw, const char *name, guint32 tag)
{
  Owner *owner = g_hash_table_lookup (sw->owners, name);
  OwnerVlan *ov = owner != NULL ? owner_vlan (owner, tag, FALSE) : NULL;

  return ov != NULL ? ov->n_macs : 0;
}

gboolean
serval_switch_port_is_member (ServalSwitchPort *port, guint32 vlan)
{
  return port_membership (port, vlan) != NULL;
}

gpointer
serval_switch_port_get_user_data (ServalSwitchPort *port)
{
  return port->user_data;
}

/* A VLAN keeps its local ports before its trunks, so that a flood from a
 * trunk (split horizon: to local ports only) is the same loop over a
 * shorter range, without a test per port. */
static void
vlan_add_port (Vlan *vlan, ServalSwitchPort *port)
{
  gpointer *p;

  g_ptr_array_add (vlan->ports, port);
  if (port->trunk)
    return;
  p = vlan->ports->pdata;
  p[vlan->ports->len - 1] = p[vlan->n_local];
  p[vlan->n_local++] = port;
}

static void
vlan_remove_port (Vlan *vlan, ServalSwitchPort *port)
{
  gpointer *p = vlan->ports->pdata;
  guint i = 0;

  while (p[i] != port)
    i++;
  /* By position, not by port->trunk: serval_switch_port_set_trunk() moves
   * a port whose flag has already changed. */
  if (i < vlan->n_local)
    {
      p[i] = p[--vlan->n_local];
      i = vlan->n_local;
    }
  p[i] = p[vlan->ports->len - 1];
  g_ptr_array_set_size (vlan->ports, vlan->ports->len - 1);
}

void
serval_switch_port_set_trunk (ServalSwitchPort *port, gboolean trunk)
{
  trunk = !!trunk;
  if (port->trunk == trunk)
    return;
  port->trunk = trunk;
  for (guint i = 0; i < port->vlans->len; i++)
    {
      Vlan *vlan = g_array_index (port->vlans, Membership, i).vlan;

      vlan_remove_port (vlan, port);
      vlan_add_port (vlan, port);
    }
}

gboolean
serval_switch_port_get_trunk (ServalSwitchPort *port)
{
  return port->trunk;
}

void
serval_switch_port_join (ServalSwitch *sw, ServalSwitchPort *port, guint32 tag)
{
  Membership m = { tag, NULL, 0, FALSE, 0, 0 };
  Vlan *vlan;

  if (port_membership (port, tag) != NULL)
    return;
  vlan = g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));
  if (vlan == NULL)
    {
      vlan = g_new0 (Vlan, 1);
      vlan->tag = tag;
      vlan->fdb = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
      vlan->ports = g_ptr_array_new ();
      vlan->pins = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      vlan->config = g_hash_table_lookup (sw->configs, GUINT_TO_POINTER (tag));
      serval_switch_vlan_update_l3 (vlan);
      g_hash_table_insert (sw->vlans, GUINT_TO_POINTER (tag), vlan);
    }
  m.vlan = vlan;
  g_array_append_val (port->vlans, m);
  vlan_add_port (vlan, port);
}

/* Removes @m's pin, unless another port took it over. */
static void
unpin (Membership *m, ServalSwitchPort *port)
{
  if (m->pinned && g_hash_table_lookup (m->vlan->pins, &m->pin) == port)
    g_hash_table_remove (m->vlan->pins, &m->pin);
  m->pinned = FALSE;
}

/* Forgets the MACs learned on @port in @m's VLAN, and its pin. */
static void
forget_port_macs (Membership *m, ServalSwitchPort *port)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, m->vlan->fdb);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Entry *) value)->port == port)
      {
        uncount (port, m->tag);
        g_hash_table_iter_remove (&iter);
      }
  unpin (m, port);
}

void
serval_switch_port_leave (ServalSwitch *sw, ServalSwitchPort *port, guint32 tag)
{
  for (guint i = 0; i < port->vlans->len; i++)
    {
      Membership *m = &g_array_index (port->vlans, Membership, i);
      Vlan *vlan = m->vlan;

      if (m->tag != tag)
        continue;
      forget_port_macs (m, port);
      serval_switch_remote_forget_trunk (vlan, port);
      if (vlan->claims != NULL)
        serval_switch_l3_forget_port (vlan, m, port);
      vlan_remove_port (vlan, port);
      g_array_remove_index_fast (port->vlans, i);
      if (vlan->ports->len == 0)
        g_hash_table_remove (sw->vlans, GUINT_TO_POINTER (tag));
      return;
    }
}

void
serval_switch_remove_port (ServalSwitch *sw, ServalSwitchPort *port)
{
  while (port->vlans->len > 0)
    serval_switch_port_leave (sw, port, g_array_index (port->vlans, Membership, 0).tag);
  serval_switch_port_set_owner (sw, port, NULL);
  g_ptr_array_remove_fast (sw->ports, port);
}

guint
serval_switch_vlan_n_ports (ServalSwitch *sw, guint32 tag)
{
  Vlan *vlan = g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));

  return vlan != NULL ? vlan->ports->len : 0;
}

ServalSwitchPort *const *
serval_switch_vlan_get_ports (ServalSwitch *sw, guint32 tag, guint *n_ports)
{
  Vlan *vlan = g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));

  *n_ports = vlan != NULL ? vlan->ports->len : 0;
  return vlan != NULL ? (ServalSwitchPort *const *) vlan->ports->pdata : NULL;
}

guint
serval_switch_n_macs (ServalSwitch *sw, guint32 tag)
{
  Vlan *vlan = g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));

  return vlan != NULL ? g_hash_table_size (vlan->fdb) : 0;
}

const ServalSwitchStats *
serval_switch_get_stats (ServalSwitch *sw)
{
  return &sw->stats;
}

/* The forwarding entry of @mac in VLAN @tag, or NULL; its VLAN in @out_vlan. */
static Entry *
fdb_entry (ServalSwitch *sw, guint32 tag, const guint8 mac[6], Vlan **out_vlan)
{
  Vlan *vlan = g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));
  guint64 key = serval_switch_mac_key (mac);

  if (out_vlan != NULL)
    *out_vlan = vlan;
  return vlan == NULL ? NULL : g_hash_table_lookup (vlan->fdb, &key);
}

ServalSwitchPort *
serval_switch_lookup (ServalSwitch *sw, guint32 tag, const guint8 mac[6])
{
  Entry *e = fdb_entry (sw, tag, mac, NULL);

  return e == NULL ? NULL : e->port;
}

gboolean
serval_switch_forget (ServalSwitch *sw, guint32 tag, const guint8 mac[6])
{
  Vlan *vlan;
  Entry *e = fdb_entry (sw, tag, mac, &vlan);
  guint64 key = serval_switch_mac_key (mac);

  if (e == NULL)
    return FALSE;
  uncount (e->port, tag);
  g_hash_table_remove (vlan->fdb, &key);
  return TRUE;
}

gboolean
serval_switch_port_pin_mac (ServalSwitch *sw, ServalSwitchPort *port, guint32 tag, const guint8 mac[6])
{
  Membership *m = port_membership (port, tag);
  guint64 key = serval_switch_mac_key (mac);
  ServalSwitchPort *holder;

  if (m == NULL)
    return FALSE;
  holder = g_hash_table_lookup (m->vlan->pins, &key);
  /* Another user's member holds it: the first to join keeps it. The same
   * user's new session takes it over (a client that reconnected before
   * its old session timed out). */
  if (holder != NULL && holder != port && !holder->trunk && holder->owner != port->owner)
    return FALSE;
  /* Another node's member holds it: likewise, but for its own user. */
  if (holder == NULL && serval_switch_remote_pinned (m->vlan, port, key))
    return FALSE;
  unpin (m, port); /* one MAC per member and VLAN: a new one replaces the old */
  g_hash_table_insert (m->vlan->pins, g_memdup2 (&key, sizeof key), port);
  m->pinned = TRUE;
  m->pin = key;
  /* Learned elsewhere before the pin (a spoofer, or the port it moved
   * from): its frames go to the flood until the owner sends. */
  if (serval_switch_lookup (sw, tag, mac) != port)
    serval_switch_forget (sw, tag, mac);
  return TRUE;
}

ServalSwitchPort *
serval_switch_pinned_port (ServalSwitch *sw, guint32 tag, const guint8 mac[6])
{
  Vlan *vlan = g_hash_table_lookup (sw->vlans, GUINT_TO_POINTER (tag));
  guint64 key = serval_switch_mac_key (mac);

  return vlan != NULL ? g_hash_table_lookup (vlan->pins, &key) : NULL;
}

static ServalSwitchVerdict
drop (ServalSwitch *sw, ServalSwitchVerdict verdict)
{
  sw->stats.dropped[verdict]++;
  return verdict;
}

static gboolean
storm_allows (ServalSwitch *sw, ServalSwitchPort *port, gint64 now_us)
{
  double burst = sw->limits.storm_burst;

  if (port->tokens_at != G_MININT64 && now_us > port->tokens_at)
    port->tokens = MIN (burst, port->tokens + (now_us - port->tokens_at) * 1e-6 * sw->limits.storm_pps);
  port->tokens_at = now_us;
  if (port->tokens < 1.0)
    return FALSE;
  port->tokens -= 1.0;
  return TRUE;
}

/* Whether @port may learn @src, which it has not learned yet (a new
 * address, or one that moves to it). */
static ServalSwitchVerdict
may_learn (ServalSwitch *sw, Vlan *vlan, Membership *m, ServalSwitchPort *port, guint64 src, Entry *e)
{
  ServalSwitchPort *pinned = g_hash_table_size (vlan->pins) > 0 ? g_hash_table_lookup (vlan->pins, &src) : NULL;
  OwnerVlan *ov;

  /* A member's own MAC: never from another local port, and always
   * learnable on its own, whatever the limits (it is one per member). A
   * trunk may bring it: the member failed over to another node. */
  if (pinned == port)
    return SERVAL_SWITCH_FORWARDED;
  if (pinned != NULL && !port->trunk)
    return SERVAL_SWITCH_DROP_MAC_PINNED;
  /* Another node's member's: from a port of its user alone (it failed
   * over here). */
  if (pinned == NULL && serval_switch_remote_pinned (vlan, port, src))
    return SERVAL_SWITCH_DROP_MAC_PINNED;
  /* A trunk carries the MACs of a whole node, each already counted
   * against its port there. */
  if (m->n_macs >= sw->limits.max_macs_per_port && !port->trunk)
    return SERVAL_SWITCH_DROP_MAC_LIMIT;
  /* Many ports of one user count together (a move between two of them
   * changes nothing). */
  if (port->owner != NULL && (e == NULL || e->port->owner != port->owner) &&
      (ov = owner_vlan (port->owner, vlan->tag, FALSE)) != NULL && ov->n_macs >= sw->limits.max_macs_per_owner)
    return SERVAL_SWITCH_DROP_MAC_LIMIT;
  if (e == NULL && g_hash_table_size (vlan->fdb) >= sw->limits.max_macs_per_vlan)
    return SERVAL_SWITCH_DROP_MAC_LIMIT;
  /* A member with a pin sends from it alone, unless it bridges (after the
   * limits, which a flood of made-up MACs reaches first anyway). */
  if (m->pinned && sw->limits.pinned_mac_only && !port->bridge && !port->trunk)
    return SERVAL_SWITCH_DROP_SPOOFED_MAC;
  return SERVAL_SWITCH_FORWARDED;
}

/* Learns @src on @port, or says why not. */
static ServalSwitchVerdict
learn (ServalSwitch *sw, Vlan *vlan, Membership *m, ServalSwitchPort *port, guint64 src, gint64 now_us)
{
  Entry *e = g_hash_table_lookup (vlan->fdb, &src);
  ServalSwitchVerdict v;

  if (e != NULL && e->port == port)
    {
      /* Learned before the pin, or while the port was a bridge. */
      if (G_UNLIKELY (m->pinned && src != m->pin && sw->limits.pinned_mac_only && !port->bridge && !port->trunk))
        return SERVAL_SWITCH_DROP_SPOOFED_MAC;
      e->last_seen = now_us;
      return SERVAL_SWITCH_FORWARDED;
    }
  if ((v = may_learn (sw, vlan, m, port, src, e)) != SERVAL_SWITCH_FORWARDED)
    return v;
  if (e == NULL)
    {
      e = g_new (Entry, 1);
      e->mac = src;
      g_hash_table_insert (vlan->fdb, &e->mac, e);
    }
  else
    uncount (e->port, vlan->tag); /* it moved: it counts against its new port now */
  e->port = port;
  e->last_seen = now_us;
  m->n_macs++;
  owner_add (port->owner, vlan->tag, +1);
  return SERVAL_SWITCH_FORWARDED;
}

/* A frame to one known port, and whether the VLAN's rules let it go there. */
static inline gboolean
acl_allows (ServalAcl *acl, const ServalAclPacket *packet, ServalSwitchPort *from, ServalSwitchPort *to)
{
  return acl == NULL || serval_acl_match (acl, packet, serval_switch_port_get_owner (from),
                                          serval_switch_port_get_owner (to)) == SERVAL_RULE_ALLOW;
}

ServalSwitchVerdict
serval_switch_input (ServalSwitch *sw, ServalSwitchPort *port, const ServalFrame *f, gint64 now_us)
{
  const guint8 *frame = f->data;
  gsize len = f->len;
  guint32 tag = f->vlan;
  Membership *m;
  Vlan *vlan;
  guint64 dst, src;
  Entry *e;
  guint sent = 0, n_out;
  ServalSwitchVerdict v;
  ServalAclPacket packet;
  ServalAcl *acl = NULL;

  sw->stats.frames_in++;
  sw->stats.bytes_in += len;

  if ((m = port_membership (port, tag)) == NULL)
    return drop (sw, SERVAL_SWITCH_DROP_NOT_MEMBER);
  if (len < 14 || len > sw->limits.max_frame)
    return drop (sw, SERVAL_SWITCH_DROP_SIZE);
  src = serval_switch_mac_key (frame + 6);
  if ((frame[6] & 1) || src == 0)
    return drop (sw, SERVAL_SWITCH_DROP_BAD_SOURCE);
  /* Not on trunks: see serval_switch_port_set_trunk(). */
  if ((frame[0] & 1) && !port->trunk && !storm_allows (sw, port, now_us))
    return drop (sw, SERVAL_SWITCH_DROP_STORM);

  vlan = m->vlan;
  if ((v = learn (sw, vlan, m, port, src, now_us)) != SERVAL_SWITCH_FORWARDED)
    return drop (sw, v);
  /* Rules, claimed addresses, DHCP: one test for a VLAN without them. */
  if (G_UNLIKELY (vlan->l3))
    {
      if ((v = serval_switch_l3_check (sw, vlan, port, f, &packet)) != SERVAL_SWITCH_FORWARDED)
        return drop (sw, v);
      acl = vlan->config != NULL ? vlan->config->acl : NULL;
    }

  dst = serval_switch_mac_key (frame);
  if (!(frame[0] & 1) && (e = g_hash_table_lookup (vlan->fdb, &dst)) != NULL &&
      now_us - e->last_seen <= (gint64) sw->limits.aging_seconds * G_USEC_PER_SEC)
    {
      if (e->port == port)
        return drop (sw, SERVAL_SWITCH_DROP_SAME_PORT);
      if (port->trunk && e->port->trunk)
        return drop (sw, SERVAL_SWITCH_DROP_SPLIT_HORIZON);
      if (!acl_allows (acl, &packet, port, e->port))
        return drop (sw, SERVAL_SWITCH_DROP_ACL);
      serval_switch_deliver (sw, e->port, f);
      return SERVAL_SWITCH_FORWARDED;
    }

  /* Broadcast, multicast, unknown or stale unicast: every other member.
   * Storm control counts every flood, unicast too: a frame to a MAC nobody
   * has costs a copy per member as a broadcast does (broadcast and
   * multicast were counted above, before they could learn). Split horizon:
   * from a trunk, only the local ports, which come first. */
  if (!(frame[0] & 1) && !port->trunk && !storm_allows (sw, port, now_us))
    return drop (sw, SERVAL_SWITCH_DROP_STORM);
  n_out = port->trunk ? vlan->n_local : vlan->ports->len;
  if (acl != NULL)
    {
      v = serval_switch_acl_flood (sw, vlan, port, f, &packet, n_out);
      return v == SERVAL_SWITCH_FORWARDED ? v : drop (sw, v);
    }
  for (guint i = 0; i < n_out; i++)
    {
      ServalSwitchPort *out = g_ptr_array_index (vlan->ports, i);

      if (out != port)
        {
          serval_switch_deliver (sw, out, f);
          sent++;
        }
    }
  if (sent == 0)
    return drop (sw, SERVAL_SWITCH_DROP_NO_DEST);
  return SERVAL_SWITCH_FORWARDED;
}

guint
serval_switch_age (ServalSwitch *sw, gint64 now_us)
{
  gint64 limit = (gint64) sw->limits.aging_seconds * G_USEC_PER_SEC;
  GHashTableIter viter, iter;
  gpointer value;
  guint removed = 0;

  g_hash_table_iter_init (&viter, sw->vlans);
  while (g_hash_table_iter_next (&viter, NULL, &value))
    {
      Vlan *vlan = value;
      gpointer ev;

      g_hash_table_iter_init (&iter, vlan->fdb);
      while (g_hash_table_iter_next (&iter, NULL, &ev))
        {
          Entry *e = ev;

          if (now_us - e->last_seen > limit)
            {
              uncount (e->port, vlan->tag);
              g_hash_table_iter_remove (&iter);
              removed++;
            }
        }
    }
  return removed;
}
