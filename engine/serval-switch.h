/* serval-switch.h: the Ethernet switch shared by the server and the tests.
 *
 * One switch holds many ports; each port joins VLANs (numbered by the
 * server's VlanTag, 1..16777215). A frame entering on a port in a VLAN is
 * forwarded only to other ports of that VLAN: to the one port that its
 * destination MAC was learned on, or flooded to all of them for broadcast,
 * multicast and unknown unicast. It never crosses VLANs.
 *
 * The switch does no I/O and reads no clock: callers pass the time, and
 * frames leave through each port's output function, so it runs the same
 * in the server and in unit tests.
 */
#pragma once

#include <glib.h>
#include "serval-frame.h"

G_BEGIN_DECLS

typedef struct _ServalSwitch ServalSwitch;
typedef struct _ServalSwitchPort ServalSwitchPort;

/* Why a frame was not forwarded; index into ServalSwitchStats.dropped. */
typedef enum {
  SERVAL_SWITCH_FORWARDED = 0,
  SERVAL_SWITCH_DROP_NOT_MEMBER,   /* the port has not joined that VLAN */
  SERVAL_SWITCH_DROP_SIZE,         /* shorter than 14 or longer than max_frame */
  SERVAL_SWITCH_DROP_BAD_SOURCE,   /* source MAC is multicast/broadcast/zero */
  SERVAL_SWITCH_DROP_STORM,        /* broadcast/multicast over the port's rate */
  SERVAL_SWITCH_DROP_MAC_LIMIT,    /* a new source MAC over a table limit */
  SERVAL_SWITCH_DROP_SAME_PORT,    /* destination learned on the input port */
  SERVAL_SWITCH_DROP_NO_DEST,      /* flooded, but no other member */
  SERVAL_SWITCH_N_VERDICTS
} ServalSwitchVerdict;

typedef struct {
  guint max_frame;          /* bytes, default 65535 */
  guint max_macs_per_port;  /* per port and VLAN, default 256 */
  guint max_macs_per_vlan;  /* default 16384 */
  guint aging_seconds;      /* default 300 */
  guint storm_pps;          /* broadcast+multicast frames/s per port, default 1000 */
  guint storm_burst;        /* bucket size, default 2000 */
} ServalSwitchLimits;

typedef struct {
  guint64 frames_in;
  guint64 bytes_in;
  guint64 frames_out;       /* one per copy delivered to a port */
  guint64 bytes_out;
  guint64 dropped[SERVAL_SWITCH_N_VERDICTS];
} ServalSwitchStats;

/* Called for every copy of a frame that leaves through @port: the frame
 * that came in, with its VLAN and its offload metadata. */
typedef void (*ServalSwitchOutputFunc) (ServalSwitchPort  *port,
                                        const ServalFrame *frame,
                                        gpointer           user_data);

void          serval_switch_limits_init (ServalSwitchLimits *limits);
const char   *serval_switch_verdict_to_string (ServalSwitchVerdict verdict);

ServalSwitch *serval_switch_new (const ServalSwitchLimits *limits /* nullable: defaults */);
void          serval_switch_free (ServalSwitch *sw);

ServalSwitchPort *serval_switch_add_port (ServalSwitch           *sw,
                                          ServalSwitchOutputFunc  output,
                                          gpointer                user_data);
/* Removes the port from all VLANs and forgets every MAC learned on it. */
void          serval_switch_remove_port (ServalSwitch *sw, ServalSwitchPort *port);

void          serval_switch_port_join (ServalSwitch *sw, ServalSwitchPort *port, guint32 vlan);
/* Leaving forgets the MACs learned on the port in that VLAN. */
void          serval_switch_port_leave (ServalSwitch *sw, ServalSwitchPort *port, guint32 vlan);
gboolean      serval_switch_port_is_member (ServalSwitchPort *port, guint32 vlan);
gpointer      serval_switch_port_get_user_data (ServalSwitchPort *port);
guint         serval_switch_vlan_n_ports (ServalSwitch *sw, guint32 vlan);
/* The ports that joined @vlan, @n_ports of them (none: NULL), in no set order.
 * The array is the switch's own: a join or leave in @vlan changes it. */
ServalSwitchPort *const *serval_switch_vlan_get_ports (ServalSwitch *sw, guint32 vlan, guint *n_ports);

/* Learns the source MAC and forwards the frame. @now_us is a monotonic time
 * in microseconds (g_get_monotonic_time() in production). */
ServalSwitchVerdict serval_switch_input (ServalSwitch      *sw,
                                         ServalSwitchPort  *port,
                                         const ServalFrame *frame,
                                         gint64             now_us);

/* Forgets MACs not seen for aging_seconds; returns how many. */
guint         serval_switch_age (ServalSwitch *sw, gint64 now_us);
/* The port a MAC was learned on in @vlan, or NULL. */
ServalSwitchPort *serval_switch_lookup (ServalSwitch *sw, guint32 vlan, const guint8 mac[6]);
guint         serval_switch_n_macs (ServalSwitch *sw, guint32 vlan);
const ServalSwitchStats *serval_switch_get_stats (ServalSwitch *sw);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalSwitch, serval_switch_free)

G_END_DECLS
