/* serval-switch-private.h: what serval-switch.c (forwarding, learning) and
 * serval-switch-l3.c (ACLs, addresses, ARP/ND answers, DHCP) share. */
#pragma once

#include "serval-switch.h"

G_BEGIN_DECLS

typedef struct _Vlan Vlan;
typedef struct _Owner Owner;

typedef struct
{
  guint64 mac; /* the key; first so that &entry->mac is the key pointer */
  ServalSwitchPort *port;
  gint64 last_seen;
} Entry;

typedef struct
{
  guint32 tag;
  Vlan *vlan;
  guint n_macs;    /* learned on this port in this VLAN */
  gboolean pinned; /* pin is pinned to this port, unless another took it over */
  guint64 pin;
  guint n_claims; /* addresses claimed by this port in this VLAN */
} Membership;

typedef struct
{
  guint32 tag;
  guint n_macs; /* learned on the owner's ports in this VLAN */
} OwnerVlan;

/* Whoever has ports on the switch (a user): what its ports learned, per VLAN. */
struct _Owner
{
  char *name;
  guint refs;    /* its ports */
  GArray *vlans; /* OwnerVlan, only those where it has learned MACs */
};

struct _ServalSwitchPort
{
  ServalSwitchOutputFunc output;
  gpointer user_data;
  gboolean trunk;  /* a link to another node: split horizon, no MAC or storm limit */
  gboolean bridge; /* may send from MACs other than its pinned one */
  Owner *owner;    /* NULL: none (a trunk's, or not set) */
  GArray *vlans;   /* Membership; a port joins a few VLANs */
  double tokens;   /* storm control bucket */
  gint64 tokens_at;
};

/* What the server configured for a VLAN: kept while the VLAN has no
 * member too (a Vlan goes with its last member). */
typedef struct
{
  ServalAcl *acl; /* NULL: no rules */
  gboolean dhcp;
  ServalSwitchDhcpConfig dhcp_config;
} VlanConfig;

struct _Vlan
{
  guint32 tag;
  GHashTable *fdb;         /* guint64* -> Entry* (owned) */
  GPtrArray *ports;        /* ServalSwitchPort*, not owned: local ports, then trunks */
  guint n_local;           /* ports[0 .. n_local) are the local ones */
  GHashTable *pins;        /* guint64* MAC (owned) -> the ServalSwitchPort* it is pinned to */
  GHashTable *remote_pins; /* guint64* MAC -> RemotePin* (owned, serval-switch-remote.c); NULL until one */
  VlanConfig *config;      /* the switch's, or NULL */
  GHashTable *claims;      /* Claim* (owned, key and value): addresses; NULL until one */
  gboolean l3;             /* config or claims: frames take serval_switch_l3_check() */
};

struct _ServalSwitch
{
  ServalSwitchLimits limits;
  GHashTable *vlans;   /* tag -> Vlan* (owned) */
  GPtrArray *ports;    /* owned */
  GHashTable *owners;  /* name -> Owner*, each while it has ports */
  GHashTable *configs; /* tag -> VlanConfig* (owned) */
  ServalSwitchDhcpFunc dhcp_func;
  gpointer dhcp_data;
  ServalSwitchStats stats;
};

static inline void
serval_switch_deliver (ServalSwitch *sw, ServalSwitchPort *out, const ServalFrame *frame)
{
  sw->stats.frames_out++;
  sw->stats.bytes_out += frame->len;
  if (out->output != NULL)
    out->output (out, frame, out->user_data);
}

static inline guint64
serval_switch_mac_key (const guint8 *mac)
{
  return ((guint64) mac[0] << 40) | ((guint64) mac[1] << 32) | ((guint64) mac[2] << 24) |
         ((guint64) mac[3] << 16) | ((guint64) mac[4] << 8) | mac[5];
}

/* serval-switch.c */
Vlan *serval_switch_get_vlan (ServalSwitch *sw, guint32 tag);
Membership *serval_switch_port_membership (ServalSwitchPort *port, guint32 tag);

/* serval-switch-remote.c */
/* Whether @port may not send from @src, the MAC of another node's member in
 * @vlan: it is no trunk and no port of that member's user. */
gboolean serval_switch_remote_pinned (Vlan *vlan, ServalSwitchPort *port, guint64 src);
/* @port, a trunk, leaves @vlan: its members' pins go. */
void serval_switch_remote_forget_trunk (Vlan *vlan, ServalSwitchPort *port);

/* serval-switch-l3.c */
void serval_switch_vlan_update_l3 (Vlan *vlan);
void serval_switch_config_free (VlanConfig *config);
void serval_switch_l3_forget_port (Vlan *vlan, Membership *m, ServalSwitchPort *port);
ServalSwitchVerdict serval_switch_l3_check (ServalSwitch *sw,
                                            Vlan *vlan,
                                            ServalSwitchPort *port,
                                            const ServalFrame *frame,
                                            ServalAclPacket *packet);
ServalSwitchVerdict serval_switch_acl_flood (ServalSwitch *sw,
                                             Vlan *vlan,
                                             ServalSwitchPort *port,
                                             const ServalFrame *frame,
                                             const ServalAclPacket *packet,
                                             guint n_out);

G_END_DECLS
