/* serval-switch.h: the Ethernet switch shared by the server and the tests.
 *
 * One switch holds many ports; each port joins VLANs (numbered by the
 * server's VlanTag, 1..16777215). A frame entering on a port in a VLAN is
 * forwarded only to other ports of that VLAN: to the one port that its
 * destination MAC was learned on, or flooded to all of them for broadcast,
 * multicast and unknown unicast. It never crosses VLANs.
 *
 * In a cluster, each other node is one trunk port of a node's switch
 * (serval_switch_port_set_trunk()). The nodes form a full mesh, so a frame
 * needs to cross one node-to-node link at most: a frame that came in on a
 * trunk never leaves on another trunk (split horizon), which also keeps
 * loops and duplicates out without a spanning tree.
 *
 * Against members that attack the others: storm control limits how
 * often a port may make the switch flood (broadcast, multicast, unknown
 * unicast); the MAC a member joined with is pinned to its port
 * (serval_switch_port_pin_mac()), so that no other member takes it over;
 * and MAC tables are limited per port, per owner (the user a port is
 * for, serval_switch_port_set_owner()) and per VLAN, so that one user
 * cannot fill a VLAN's table however many sessions it opens.
 *
 * The switch does no I/O and reads no clock: callers pass the time, and
 * frames leave through each port's output function, so it runs the same
 * in the server and in unit tests. Not thread-safe: one thread uses a
 * switch.
 */
#pragma once

#include <glib.h>
#include "serval-frame.h"
#include "serval-acl.h"
#include "serval-dhcp.h"

G_BEGIN_DECLS

/**
 * ServalSwitch:
 *
 * An Ethernet switch: its ports, their VLANs, a forwarding database per
 * VLAN and its statistics. Made with serval_switch_new(), freed with
 * serval_switch_free().
 */
typedef struct _ServalSwitch ServalSwitch;
/**
 * ServalSwitchPort:
 *
 * A port of a #ServalSwitch, made with serval_switch_add_port(). The
 * switch owns it: it is valid until serval_switch_remove_port() or
 * serval_switch_free().
 */
typedef struct _ServalSwitchPort ServalSwitchPort;

/**
 * ServalSwitchVerdict:
 * @SERVAL_SWITCH_FORWARDED: forwarded to at least one port
 * @SERVAL_SWITCH_DROP_NOT_MEMBER: the port has not joined that VLAN
 * @SERVAL_SWITCH_DROP_SIZE: shorter than 14 or longer than max_frame
 * @SERVAL_SWITCH_DROP_BAD_SOURCE: source MAC is multicast/broadcast/zero
 * @SERVAL_SWITCH_DROP_STORM: a frame to flood (broadcast, multicast or
 *   unicast to an unknown destination) over the port's rate
 * @SERVAL_SWITCH_DROP_MAC_LIMIT: a new source MAC over a table limit (also a
 *   MAC that moved to a local port, or a port of another owner, that has
 *   learned its limit already)
 * @SERVAL_SWITCH_DROP_SAME_PORT: destination learned on the input port
 * @SERVAL_SWITCH_DROP_NO_DEST: flooded, but no other member
 * @SERVAL_SWITCH_DROP_SPLIT_HORIZON: from a trunk port to a destination
 *   learned on another trunk port (it would cross a second node link)
 * @SERVAL_SWITCH_DROP_MAC_PINNED: from a local port, with a source MAC
 *   pinned to another port (serval_switch_port_pin_mac()): a member that
 *   tried to take over another's address
 * @SERVAL_SWITCH_DROP_ACL: a rule of the VLAN's access list denied it
 *   (serval_switch_vlan_set_acl()); a flood counts here only when the
 *   rules denied it to every receiver
 * @SERVAL_SWITCH_DROP_SPOOFED_MAC: from a local port with a pinned MAC in
 *   that VLAN, with another source MAC, and the port is no bridge
 *   (serval_switch_port_set_bridge()); with
 *   #ServalSwitchLimits.pinned_mac_only only
 * @SERVAL_SWITCH_DROP_SPOOFED_ADDRESS: from a local port, with an IPv4 or
 *   IPv6 source address (an ARP sender address, an NA's target) that
 *   another port claimed (serval_switch_vlan_claim_address()), or that is
 *   the VLAN's DHCP server's
 * @SERVAL_SWITCH_DROP_ROGUE_DHCP: a DHCP server's reply (UDP 67 to 68)
 *   from a local port, in a VLAN where the switch serves DHCP
 * @SERVAL_SWITCH_ANSWERED: an ARP request or IPv6 neighbor solicitation
 *   for a claimed address: the switch answered the asker itself (the
 *   reply counts in frames_out) and flooded nothing
 * @SERVAL_SWITCH_CONSUMED: a DHCP client's message in a VLAN where the
 *   switch serves DHCP: given to the #ServalSwitchDhcpFunc (not when it
 *   was malformed), not forwarded
 * @SERVAL_SWITCH_N_VERDICTS: the number of verdicts, not one
 *
 * What serval_switch_input() did with a frame: forwarded, or why it was
 * not forwarded. Also the index into #ServalSwitchStats.dropped, where
 * %SERVAL_SWITCH_ANSWERED and %SERVAL_SWITCH_CONSUMED count too: they are
 * not dropped, but not forwarded either.
 */
typedef enum
{
  SERVAL_SWITCH_FORWARDED = 0,
  SERVAL_SWITCH_DROP_NOT_MEMBER,
  SERVAL_SWITCH_DROP_SIZE,
  SERVAL_SWITCH_DROP_BAD_SOURCE,
  SERVAL_SWITCH_DROP_STORM,
  SERVAL_SWITCH_DROP_MAC_LIMIT,
  SERVAL_SWITCH_DROP_SAME_PORT,
  SERVAL_SWITCH_DROP_NO_DEST,
  SERVAL_SWITCH_DROP_SPLIT_HORIZON,
  SERVAL_SWITCH_DROP_MAC_PINNED,
  SERVAL_SWITCH_DROP_ACL,
  SERVAL_SWITCH_DROP_SPOOFED_MAC,
  SERVAL_SWITCH_DROP_SPOOFED_ADDRESS,
  SERVAL_SWITCH_DROP_ROGUE_DHCP,
  SERVAL_SWITCH_ANSWERED,
  SERVAL_SWITCH_CONSUMED,
  SERVAL_SWITCH_N_VERDICTS
} ServalSwitchVerdict;

/**
 * ServalSwitchLimits:
 * @max_frame: bytes, default 65535
 * @max_macs_per_port: per port and VLAN, default 256; not for trunk ports
 * @max_macs_per_vlan: default 16384
 * @max_macs_per_owner: per owner (serval_switch_port_set_owner()) and
 *   VLAN, over all its ports, default 1024: far below max_macs_per_vlan,
 *   so that it takes 16 users to fill a VLAN's table, not one user with
 *   66 sessions; ports without an owner (trunks) are not counted
 * @aging_seconds: default 300; a unicast destination not seen for longer
 *   is flooded, and serval_switch_age() forgets it
 * @storm_pps: frames/s per port that the switch floods (broadcast,
 *   multicast, and unicast to a destination it does not know), default
 *   1000; not for trunk ports
 * @storm_burst: bucket size, default 2000
 * @pinned_mac_only: a local port with a pinned MAC in a VLAN
 *   (serval_switch_port_pin_mac()) may send only from that MAC there,
 *   unless it is a bridge (serval_switch_port_set_bridge()); default
 *   %FALSE for now, because the server's session tests send from MACs
 *   they did not join with: issue 14 wants it %TRUE
 *
 * A switch's limits, fixed when it is made. Fill them with
 * serval_switch_limits_init() and change what differs.
 *
 * The MAC pinned to a port (serval_switch_port_pin_mac()) is learned on it
 * whatever the MAC limits: a member's own address always gets through,
 * even into a full table. There is one such MAC per member and VLAN, so a
 * table holds at most as many more.
 *
 * Unicast to an unknown destination counts against storm_pps because it
 * costs the same as a broadcast: a copy to every member. A legitimate one
 * (the first frames to a MAC that aged out or moved) stops as soon as the
 * destination answers; a flood to random MACs never does, and took every
 * member's link with it before (59,000 frames/s from one member raised the
 * others' round trip from 1.2 ms to 401 ms).
 */
typedef struct
{
  guint max_frame;
  guint max_macs_per_port;
  guint max_macs_per_vlan;
  guint max_macs_per_owner;
  guint aging_seconds;
  guint storm_pps;
  guint storm_burst;
  gboolean pinned_mac_only;
} ServalSwitchLimits;

/**
 * ServalSwitchStats:
 * @frames_in: frames given to serval_switch_input(), dropped ones included
 * @bytes_in: their bytes
 * @frames_out: one per copy delivered to a port
 * @bytes_out: the bytes of those copies
 * @dropped: frames not forwarded, by #ServalSwitchVerdict (the
 *   %SERVAL_SWITCH_FORWARDED slot stays 0)
 * @arp_answered: ARP requests the switch answered (%SERVAL_SWITCH_ANSWERED)
 * @arp_flooded: ARP requests from local ports it did not answer, in VLANs
 *   with claimed addresses or DHCP (elsewhere ARP is not looked at)
 * @nd_answered: IPv6 neighbor solicitations the switch answered
 * @nd_flooded: neighbor solicitations it did not answer, as @arp_flooded
 *
 * A switch's counters since it was made.
 */
typedef struct
{
  guint64 frames_in;
  guint64 bytes_in;
  guint64 frames_out;
  guint64 bytes_out;
  guint64 dropped[SERVAL_SWITCH_N_VERDICTS];
  guint64 arp_answered;
  guint64 arp_flooded;
  guint64 nd_answered;
  guint64 nd_flooded;
} ServalSwitchStats;

/**
 * ServalSwitchDhcpConfig:
 * @server_ip: the DHCP server's address in the VLAN's subnet (network
 *   byte order): the server identifier; the switch answers ARP for it
 * @prefix_len: the subnet's prefix length
 * @server_mac: the server's MAC in the VLAN, serval_switch_dhcp_mac()
 *
 * A VLAN's DHCP server, for serval_switch_vlan_set_dhcp().
 */
typedef struct
{
  guint8 server_ip[4];
  guint prefix_len;
  guint8 server_mac[6];
} ServalSwitchDhcpConfig;

/**
 * ServalSwitchOutputFunc:
 * @port: the port the frame leaves through
 * @frame: (transfer none): the frame, borrowed: valid during the call only
 * @user_data: the data given to serval_switch_add_port()
 *
 * Called for every copy of a frame that leaves through @port: the frame
 * that came in, with its VLAN and its offload metadata. Called from within
 * serval_switch_input(), while the switch walks the VLAN's ports: it must
 * not change the switch (no join, leave, port added or removed, no input).
 */
typedef void (*ServalSwitchOutputFunc) (ServalSwitchPort *port,
                                        const ServalFrame *frame,
                                        gpointer user_data);

/**
 * ServalSwitchDhcpFunc:
 * @port: the port the message came in on, a local port
 * @vlan: the VLAN tag
 * @msg: (transfer none): the client's message, valid during the call only
 * @user_data: the data given to serval_switch_set_dhcp_func()
 *
 * Called from within serval_switch_input() for each DHCP client message in
 * a VLAN where the switch serves DHCP. Like an output function it must not
 * change the switch; it may call serval_switch_port_send(). The server
 * looks the lease up and answers later with serval_switch_port_send() of
 * a frame from serval_dhcp_build_reply().
 */
typedef void (*ServalSwitchDhcpFunc) (ServalSwitchPort *port,
                                      guint32 vlan,
                                      const ServalDhcpMessage *msg,
                                      gpointer user_data);

/**
 * serval_switch_limits_init:
 * @limits: (out caller-allocates): the limits to fill
 *
 * Sets every limit to its default (see #ServalSwitchLimits).
 */
void serval_switch_limits_init (ServalSwitchLimits *limits);
/**
 * serval_switch_verdict_to_string:
 * @verdict: a verdict
 *
 * Returns: (transfer none): a short name for @verdict ("forwarded",
 *   "not_member", ...), for logs and metrics; "unknown" for a value out of
 *   range
 */
const char *serval_switch_verdict_to_string (ServalSwitchVerdict verdict);

/**
 * serval_switch_new:
 * @limits: (nullable): the limits, copied; %NULL for the defaults
 *
 * Returns: (transfer full): a new switch without ports
 */
ServalSwitch *serval_switch_new (const ServalSwitchLimits *limits);
/**
 * serval_switch_free:
 * @sw: (nullable): a switch
 *
 * Frees the switch with its ports and tables. No output function is
 * called.
 */
void serval_switch_free (ServalSwitch *sw);

/**
 * serval_switch_add_port:
 * @sw: a switch
 * @output: (nullable) (scope forever): called for every frame that leaves
 *   through the port; %NULL drops them (they are still counted)
 * @user_data: (closure output): data for @output, and what
 *   serval_switch_port_get_user_data() returns
 *
 * Adds a port in no VLAN. No destroy notify: @user_data must stay valid
 * until the port is removed.
 *
 * Returns: (transfer none): the port, owned by the switch
 */
ServalSwitchPort *serval_switch_add_port (ServalSwitch *sw,
                                          ServalSwitchOutputFunc output,
                                          gpointer user_data);
/**
 * serval_switch_remove_port:
 * @sw: a switch
 * @port: a port of @sw, freed here
 *
 * Removes the port from all VLANs and forgets every MAC learned on it,
 * then frees it: @port is invalid afterwards.
 */
void serval_switch_remove_port (ServalSwitch *sw, ServalSwitchPort *port);

/**
 * serval_switch_port_join:
 * @sw: a switch
 * @port: a port of @sw
 * @vlan: the VLAN tag
 *
 * Makes @port a member of @vlan; nothing if it is one already.
 */
void serval_switch_port_join (ServalSwitch *sw, ServalSwitchPort *port, guint32 vlan);
/**
 * serval_switch_port_leave:
 * @sw: a switch
 * @port: a port of @sw
 * @vlan: the VLAN tag
 *
 * Leaving forgets the MACs learned on the port in that VLAN; the VLAN's
 * table goes with its last member. Nothing if @port is not a member.
 */
void serval_switch_port_leave (ServalSwitch *sw, ServalSwitchPort *port, guint32 vlan);
/**
 * serval_switch_port_set_trunk:
 * @port: a port
 * @trunk: whether @port is a link to another node of the cluster
 *
 * Marks @port as a trunk (or a local port again, the default); it keeps
 * its VLANs and its learned MACs. A trunk port differs from a local one in
 * four ways:
 *
 * - Split horizon: a frame that came in on a trunk is flooded to the local
 *   ports only, and a unicast frame for a MAC learned on another trunk is
 *   dropped (%SERVAL_SWITCH_DROP_SPLIT_HORIZON). The nodes form a full
 *   mesh: the node a frame entered the cluster on has sent it to every
 *   other node already.
 * - No max_macs_per_port: a trunk carries the MACs of all the members of
 *   another node, each already limited on its port there. max_macs_per_vlan
 *   still applies. MACs are learned and move between trunk and local ports
 *   as between any two ports (a member that reconnects to another node is
 *   found there by its next frame).
 * - No storm limit on frames coming in: a trunk carries the broadcasts of
 *   all the members of another node, which that node rate-limited on each
 *   member's port, where a storm starts and where the limit is fair. One
 *   bucket for them all would let one noisy remote member take the
 *   bucket from the others, and drop legitimate floods once a node has
 *   more than a few members (ARP alone, at a few per second per member).
 *   The cost: a node trusts the other nodes of its cluster to police
 *   their members, which it does anyway (they share its certificate).
 * - Pins do not stop it: a frame from a trunk may bring a MAC pinned to a
 *   local port (serval_switch_port_pin_mac()), for the member failed over
 *   to another node. A trunk has no owner either, so max_macs_per_owner
 *   does not apply: the other node counted each user's ports there.
 *
 * A trunk joins each VLAN it carries, like any port. The flag costs the
 * flooding loop nothing: a VLAN keeps its local ports first.
 */
void serval_switch_port_set_trunk (ServalSwitchPort *port, gboolean trunk);
/**
 * serval_switch_port_get_trunk:
 * @port: a port
 *
 * Returns: whether @port is a trunk (see serval_switch_port_set_trunk())
 */
gboolean serval_switch_port_get_trunk (ServalSwitchPort *port);
/**
 * serval_switch_port_set_owner:
 * @sw: a switch
 * @port: a port of @sw
 * @owner: (nullable): who the port is for (a user name), copied; %NULL
 *   for nobody
 *
 * Sets the owner whose ports count together against max_macs_per_owner,
 * and who may take over a MAC pinned to one of its ports. The server sets
 * it at login, to the user's name; a trunk has none. What the port has
 * learned already counts against its new owner.
 */
void serval_switch_port_set_owner (ServalSwitch *sw, ServalSwitchPort *port, const char *owner);
/**
 * serval_switch_port_get_owner:
 * @port: a port
 *
 * Returns: (transfer none) (nullable): the owner set with
 *   serval_switch_port_set_owner(), or %NULL
 */
const char *serval_switch_port_get_owner (ServalSwitchPort *port);
/**
 * serval_switch_owner_n_macs:
 * @sw: a switch
 * @owner: an owner's name
 * @vlan: the VLAN tag
 *
 * Returns: how many MACs the ports of @owner have learned in @vlan
 */
guint serval_switch_owner_n_macs (ServalSwitch *sw, const char *owner, guint32 vlan);
/**
 * serval_switch_port_pin_mac:
 * @sw: a switch
 * @port: a port of @sw, a member of @vlan
 * @vlan: the VLAN tag
 * @mac: (array fixed-size=6): the MAC the member joined @vlan with
 *
 * Pins @mac to @port in @vlan: a frame with that source MAC from any other
 * local port is dropped (%SERVAL_SWITCH_DROP_MAC_PINNED), so that no
 * member takes over another's address with one frame, and @port always
 * learns it, past every MAC limit. Where @mac was learned on another port,
 * it is forgotten.
 *
 * Moves that are legitimate still happen: a trunk may bring the MAC (the
 * member failed over to another node, whose pin is there), and a port of
 * the same owner may take the pin over (a client that reconnected before
 * its old session ended). A pin of another owner's local port is not taken
 * over: the first member to join with a MAC keeps it.
 *
 * A port has one pinned MAC per VLAN: pinning another replaces the
 * first. The pin goes when @port leaves @vlan (or is removed), and one that
 * another port took over stays with that port.
 *
 * Returns: %TRUE if @mac is pinned to @port; %FALSE if @port is not a
 *   member of @vlan, or another owner's port holds @mac
 */
gboolean serval_switch_port_pin_mac (ServalSwitch *sw, ServalSwitchPort *port, guint32 vlan, const guint8 mac[6]);
/**
 * serval_switch_pinned_port:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @mac: (array fixed-size=6): a MAC address
 *
 * Returns: (transfer none) (nullable): the port @mac is pinned to in
 *   @vlan, or %NULL
 */
ServalSwitchPort *serval_switch_pinned_port (ServalSwitch *sw, guint32 vlan, const guint8 mac[6]);
/**
 * serval_switch_port_is_member:
 * @port: a port
 * @vlan: the VLAN tag
 *
 * Returns: whether @port has joined @vlan
 */
gboolean serval_switch_port_is_member (ServalSwitchPort *port, guint32 vlan);
/**
 * serval_switch_port_get_user_data:
 * @port: a port
 *
 * Returns: (transfer none): the user data given to serval_switch_add_port()
 */
gpointer serval_switch_port_get_user_data (ServalSwitchPort *port);
/**
 * serval_switch_vlan_n_ports:
 * @sw: a switch
 * @vlan: the VLAN tag
 *
 * Returns: how many ports have joined @vlan
 */
guint serval_switch_vlan_n_ports (ServalSwitch *sw, guint32 vlan);
/**
 * serval_switch_vlan_get_ports:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @n_ports: (out): how many ports there are
 *
 * The ports that joined @vlan, @n_ports of them (none: NULL), in no set order.
 * The array is the switch's own: a join or leave in @vlan changes it (and
 * so does serval_switch_remove_port() of a member).
 *
 * Returns: (transfer none) (nullable) (array length=n_ports): the ports
 */
ServalSwitchPort *const *serval_switch_vlan_get_ports (ServalSwitch *sw, guint32 vlan, guint *n_ports);

/**
 * serval_switch_input:
 * @sw: a switch
 * @port: the port the frame came in on
 * @frame: (transfer none): the frame, in the VLAN @frame->vlan
 * @now_us: the time now
 *
 * Learns the source MAC and forwards the frame. @now_us is a monotonic time
 * in microseconds (g_get_monotonic_time() in production). The copies leave
 * through the output functions of the ports before this returns; the
 * frame is not kept.
 *
 * In a VLAN with rules, claimed addresses or a DHCP server, the frame
 * may also be answered by the switch itself or handed to the server
 * (serval_switch_vlan_set_acl(), serval_switch_vlan_claim_address(),
 * serval_switch_vlan_set_dhcp()).
 *
 * Returns: %SERVAL_SWITCH_FORWARDED; %SERVAL_SWITCH_ANSWERED or
 *   %SERVAL_SWITCH_CONSUMED; or why the frame was dropped (all but
 *   FORWARDED counted in #ServalSwitchStats.dropped)
 */
ServalSwitchVerdict serval_switch_input (ServalSwitch *sw,
                                         ServalSwitchPort *port,
                                         const ServalFrame *frame,
                                         gint64 now_us);

/**
 * serval_switch_age:
 * @sw: a switch
 * @now_us: the time now, on the clock given to serval_switch_input()
 *
 * Forgets MACs not seen for aging_seconds; the caller calls this from time
 * to time.
 *
 * Returns: how many were forgotten
 */
guint serval_switch_age (ServalSwitch *sw, gint64 now_us);
/**
 * serval_switch_lookup:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @mac: (array fixed-size=6): a MAC address
 *
 * The port a MAC was learned on in @vlan, or NULL. An entry older than
 * aging_seconds that serval_switch_age() has not forgotten yet is still
 * found here, although serval_switch_input() floods to it.
 *
 * Returns: (transfer none) (nullable): the port, or %NULL
 */
ServalSwitchPort *serval_switch_lookup (ServalSwitch *sw, guint32 vlan, const guint8 mac[6]);
/**
 * serval_switch_forget:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @mac: a MAC address
 *
 * Forgets where @mac was learned in @vlan, so that frames to it are flooded
 * until it is learned again. A cluster node calls it when a member shows up
 * on another node (it joined there after a failover): the old entry would
 * send its frames to the node it left until they age out.
 *
 * Returns: %TRUE if an entry was forgotten
 */
gboolean serval_switch_forget (ServalSwitch *sw, guint32 vlan, const guint8 mac[6]);
/**
 * serval_switch_n_macs:
 * @sw: a switch
 * @vlan: the VLAN tag
 *
 * Returns: how many MACs the switch knows in @vlan
 */
guint serval_switch_n_macs (ServalSwitch *sw, guint32 vlan);
/**
 * serval_switch_get_stats:
 * @sw: a switch
 *
 * Returns: (transfer none): the switch's counters, updated in place as
 *   frames pass
 */
const ServalSwitchStats *serval_switch_get_stats (ServalSwitch *sw);

/* --- A managed switch: rules, addresses, ARP/ND, DHCP (serval-switch-l3.c) --- */

/**
 * serval_switch_vlan_set_acl:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @acl: (transfer full) (nullable): the VLAN's rules (serval_acl_new());
 *   %NULL for none
 *
 * Replaces the VLAN's rules (and frees the old list) for the frames that
 * follow; kept while the VLAN has no member. A frame to a known port is
 * matched once, with the owners of both ports (serval_switch_port_set_owner();
 * a trunk has none); a flood once per receiving port if a rule names a
 * receiving user, else once. Denied: %SERVAL_SWITCH_DROP_ACL. A VLAN
 * without rules costs one pointer test per frame. The switch's own
 * answers (ARP, ND, DHCP) are not matched.
 */
void serval_switch_vlan_set_acl (ServalSwitch *sw, guint32 vlan, ServalAcl *acl);
/**
 * serval_switch_vlan_get_acl:
 * @sw: a switch
 * @vlan: the VLAN tag
 *
 * Returns: (transfer none) (nullable): the VLAN's rules, for their hit
 *   counters (serval_acl_get_hits()); %NULL if it has none
 */
ServalAcl *serval_switch_vlan_get_acl (ServalSwitch *sw, guint32 vlan);

/**
 * serval_switch_port_set_bridge:
 * @port: a port
 * @bridge: whether the member may bridge other hosts into the VLAN
 *
 * With #ServalSwitchLimits.pinned_mac_only, a local port with a pinned MAC
 * in a VLAN (serval_switch_port_pin_mac()) may send only from that MAC
 * there (%SERVAL_SWITCH_DROP_SPOOFED_MAC), unless it is a bridge: then it learns other MACs, up to
 * max_macs_per_port, as a port without a pin does. The default is %FALSE;
 * the server sets it from the user's bridge right.
 */
void serval_switch_port_set_bridge (ServalSwitchPort *port, gboolean bridge);

/* How many addresses one port may claim in one VLAN. */
#define SERVAL_SWITCH_MAX_CLAIMS_PER_PORT 16

/**
 * serval_switch_vlan_claim_address:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @port: a port of @sw, a member of @vlan
 * @family: 4 or 6
 * @addr: (array): the address, 4 or 16 bytes, network byte order
 * @mac: (array fixed-size=6): the MAC the address is at
 *
 * Records that @addr is @port's in @vlan: first come, first served. The
 * server claims the addresses of DHCP leases and those a member announces.
 * Then the switch answers ARP requests and neighbor solicitations for
 * @addr from the other local ports itself (%SERVAL_SWITCH_ANSWERED), and
 * drops frames from the other local ports that use @addr as their source
 * (%SERVAL_SWITCH_DROP_SPOOFED_ADDRESS). An address nobody claimed is not
 * protected: any member may use it (and its ARP is flooded), until one
 * claims it. 0.0.0.0 and :: are never claimed (a DHCP DISCOVER, duplicate
 * address detection). The claims go when @port leaves @vlan or is removed.
 * Claiming it again updates @mac.
 *
 * A trunk may claim addresses too, with no limit on their number (the
 * addresses of another node's members, but see
 * serval_switch_vlan_claim_remote()). Frames that come in on a trunk are not
 * checked (their node did).
 *
 * Returns: %TRUE if @addr is @port's now; %FALSE if another port holds it,
 *   @port is no member, @family or @addr is not valid, or @port is a local
 *   port that holds %SERVAL_SWITCH_MAX_CLAIMS_PER_PORT addresses already
 */
gboolean serval_switch_vlan_claim_address (ServalSwitch *sw,
                                           guint32 vlan,
                                           ServalSwitchPort *port,
                                           guint family,
                                           const guint8 *addr,
                                           const guint8 mac[6]);
/**
 * serval_switch_vlan_claim_remote:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @trunk: the trunk to another node, a member of @vlan
 * @family: 4 or 6
 * @addr: (array): the address, 4 or 16 bytes, network byte order
 * @mac: (array fixed-size=6): the MAC of that node's member that holds @addr
 * @user: that member's user
 *
 * As serval_switch_vlan_claim_address(), for a member of the node @trunk
 * leads to: this node answers ARP and neighbour solicitations for @addr, and
 * its local ports may not send from it. But the member itself, come to this
 * node (failed over) while the node it left still holds its addresses, is
 * not kept from them: frames from a port of @user with the source MAC @mac
 * pass, its questions about its own addresses are not answered with its own
 * MAC, and its own claim from that port takes @addr over.
 *
 * Returns: %TRUE if @addr is @trunk's now; %FALSE if another port holds it
 */
gboolean serval_switch_vlan_claim_remote (ServalSwitch *sw, guint32 vlan, ServalSwitchPort *trunk, guint family,
                                          const guint8 *addr, const guint8 mac[6], const char *user);
/**
 * serval_switch_vlan_pin_remote:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @trunk: the trunk to another node, a member of @vlan
 * @mac: (array fixed-size=6): the MAC of a member of that node
 * @user: that member's user
 *
 * Pins @mac to @trunk in @vlan, as serval_switch_port_pin_mac() pins a
 * local member's: a local port of another user may neither send from @mac
 * (%SERVAL_SWITCH_DROP_MAC_PINNED) nor pin it. A port of @user may: the
 * member failed over to this node before its old node's pin went. If a
 * local port of another user had learned @mac, it is forgotten. The pin
 * goes with serval_switch_vlan_unpin_remote(), or when @trunk leaves @vlan.
 *
 * Returns: %TRUE if pinned; %FALSE if @trunk is no member of @vlan
 */
gboolean serval_switch_vlan_pin_remote (ServalSwitch *sw, guint32 vlan, ServalSwitchPort *trunk, const guint8 mac[6],
                                        const char *user);
/**
 * serval_switch_vlan_unpin_remote:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @trunk: the trunk @mac was pinned to
 * @mac: (array fixed-size=6): the MAC
 *
 * Removes the pin of serval_switch_vlan_pin_remote() (its member left).
 *
 * Returns: %TRUE if @mac was pinned to @trunk
 */
gboolean serval_switch_vlan_unpin_remote (ServalSwitch *sw, guint32 vlan, ServalSwitchPort *trunk, const guint8 mac[6]);
/**
 * serval_switch_vlan_release_mac:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @port: the port that claimed the addresses
 * @mac: (array fixed-size=6): the MAC they were claimed at
 *
 * Gives up every claim of @port in @vlan made for @mac: a trunk's claims for
 * one member of another node, when the member changed its addresses or left.
 *
 * Returns: how many claims went
 */
guint serval_switch_vlan_release_mac (ServalSwitch *sw, guint32 vlan, ServalSwitchPort *port, const guint8 mac[6]);
/**
 * serval_switch_vlan_release_address:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @port: the port that claimed @addr
 * @family: 4 or 6
 * @addr: (array): the address
 *
 * Gives up a claim (a lease that ended, an address the member dropped).
 *
 * Returns: %TRUE if @port held @addr
 */
gboolean serval_switch_vlan_release_address (ServalSwitch *sw,
                                             guint32 vlan,
                                             ServalSwitchPort *port,
                                             guint family,
                                             const guint8 *addr);
/**
 * serval_switch_vlan_address_port:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @family: 4 or 6
 * @addr: (array): an address
 *
 * Returns: (transfer none) (nullable): the port that claimed @addr, or %NULL
 */
ServalSwitchPort *serval_switch_vlan_address_port (ServalSwitch *sw, guint32 vlan, guint family, const guint8 *addr);

/**
 * serval_switch_dhcp_mac:
 * @vlan: the VLAN tag
 * @mac: (out caller-allocates) (array fixed-size=6): 02:53:56 and the
 *   tag's 24 bits: a locally administered unicast MAC, the same on every
 *   node of a cluster
 *
 * The MAC the DHCP server of @vlan answers from.
 */
void serval_switch_dhcp_mac (guint32 vlan, guint8 mac[6]);
/**
 * serval_switch_vlan_set_dhcp:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @config: (nullable): the VLAN's DHCP server, copied; %NULL for none
 *
 * With a DHCP server, a DHCP client's message from a local port of @vlan
 * (IPv4 UDP 68 to 67) is not flooded: the switch reads it
 * (serval_dhcp_parse()), calls the #ServalSwitchDhcpFunc and returns
 * %SERVAL_SWITCH_CONSUMED. A DHCP server's reply from a local port is
 * dropped (%SERVAL_SWITCH_DROP_ROGUE_DHCP), the switch answers ARP for
 * @config->server_ip with @config->server_mac, and no member may send
 * from that address. Kept while the VLAN has no member.
 */
void serval_switch_vlan_set_dhcp (ServalSwitch *sw, guint32 vlan, const ServalSwitchDhcpConfig *config);
/**
 * serval_switch_vlan_get_dhcp:
 * @sw: a switch
 * @vlan: the VLAN tag
 * @out: (out caller-allocates): the VLAN's DHCP server, as last set
 *
 * Returns: %TRUE if @vlan has a DHCP server (serval_switch_vlan_set_dhcp())
 */
gboolean serval_switch_vlan_get_dhcp (ServalSwitch *sw, guint32 vlan, ServalSwitchDhcpConfig *out);
/**
 * serval_switch_set_dhcp_func:
 * @sw: a switch
 * @func: (nullable) (scope forever): called for each DHCP client message
 * @user_data: (closure func): data for @func
 */
void serval_switch_set_dhcp_func (ServalSwitch *sw, ServalSwitchDhcpFunc func, gpointer user_data);
/**
 * serval_switch_port_send:
 * @sw: a switch
 * @port: a port of @sw
 * @frame: (transfer none): a frame the server built, in @frame->vlan
 *
 * Outputs @frame through @port alone (counted in frames_out), without
 * learning or rules: the DHCP server's replies, router advertisements
 * (serval_neigh_build_router_advert()) to one member. Nothing if @port is
 * not a member of @frame->vlan.
 */
void serval_switch_port_send (ServalSwitch *sw, ServalSwitchPort *port, const ServalFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalSwitch, serval_switch_free)

G_END_DECLS
