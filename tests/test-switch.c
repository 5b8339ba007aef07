/* Unit tests for engine/serval-switch.c: real frames through a switch with
 * recording ports. */
#include "config.h"

#include <string.h>

#include "frame-util.h"
#include "serval-switch.h"

#define S (G_USEC_PER_SEC)

typedef struct
{
  ServalSwitch *sw;
  ServalSwitchPort *port[4];
  guint received[4];
  guint32 last_vlan[4];
  guint8 last[4][600]; /* the last frame each port received */
  gsize last_len[4];
  ServalSwitchLimits limits; /* the defaults, unless the test changed them */
} Fixture;

static const guint8 BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const guint8 MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

static void
mac_of (guint8 mac[6], guint host)
{
  const guint8 m[6] = { 0x02, 0, 0, 0, (guint8) (host >> 8), (guint8) host };

  memcpy (mac, m, 6);
}

/* A 60-byte frame from host @src to @dst. */
static void
make_frame (guint8 frame[60], const guint8 dst[6], guint src)
{
  memset (frame, 0xab, 60);
  memcpy (frame, dst, 6);
  mac_of (frame + 6, src);
  frame[12] = 0x88;
  frame[13] = 0xb5;
}

/* A plain frame into the switch. */
static ServalSwitchVerdict
input (ServalSwitch *sw, ServalSwitchPort *port, guint32 vlan, const guint8 *data, gsize len, gint64 now)
{
  ServalFrame frame = { data, len, vlan, NULL };

  return serval_switch_input (sw, port, &frame, now);
}

static ServalSwitchVerdict
send_from (Fixture *f, guint port, guint32 vlan, const guint8 dst[6], guint src, gint64 now)
{
  guint8 frame[60];

  make_frame (frame, dst, src);
  return input (f->sw, f->port[port], vlan, frame, sizeof frame, now);
}

static ServalSwitchVerdict
send_to_host (Fixture *f, guint port, guint32 vlan, guint dst_host, guint src, gint64 now)
{
  guint8 dst[6];

  mac_of (dst, dst_host);
  return send_from (f, port, vlan, dst, src, now);
}

static void
output_cb (ServalSwitchPort *port, const ServalFrame *frame, gpointer user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < G_N_ELEMENTS (f->port); i++)
    if (f->port[i] == port)
      {
        f->received[i]++;
        f->last_vlan[i] = frame->vlan;
        f->last_len[i] = MIN (frame->len, sizeof f->last[i]);
        memcpy (f->last[i], frame->data, f->last_len[i]);
        g_assert_cmpuint (frame->len, >=, 14);
      }
}

static void
reset_counts (Fixture *f)
{
  memset (f->received, 0, sizeof f->received);
}

/* A switch of f->limits with ports 0, 1, 2 in VLAN 1; port 3 in VLAN 2. */
static void
start (Fixture *f)
{
  f->sw = serval_switch_new (&f->limits);
  for (guint i = 0; i < G_N_ELEMENTS (f->port); i++)
    {
      f->port[i] = serval_switch_add_port (f->sw, output_cb, f);
      serval_switch_port_join (f->sw, f->port[i], i < 3 ? 1 : 2);
    }
  reset_counts (f);
}

static void
setup (Fixture *f, gconstpointer data)
{
  serval_switch_limits_init (&f->limits);
  start (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  serval_switch_free (f->sw);
}

/* Starts the test's switch again, with the f->limits the test set. */
static void
restart (Fixture *f)
{
  teardown (f, NULL);
  start (f);
}

/* Starts the test's switch again with a storm limit of 100 frames a second
 * in bursts of 50. */
static void
restart_storm_limited (Fixture *f)
{
  f->limits.storm_pps = 100;
  f->limits.storm_burst = 50;
  restart (f);
}

static void
test_learning (Fixture *f, gconstpointer data)
{
  /* Unknown destination: flooded to the other members of VLAN 1. */
  g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 0);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 1);
  g_assert_cmpuint (f->received[3], ==, 0);

  /* Host 11 answers from port 1: learned, and goes only to port 0. */
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 1, 1, 10, 11, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 0);

  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 0);
  g_assert_cmpuint (f->last_vlan[1], ==, 1);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 2);
  {
    guint8 mac[6];

    mac_of (mac, 11);
    g_assert_true (serval_switch_lookup (f->sw, 1, mac) == f->port[1]);
    g_assert_null (serval_switch_lookup (f->sw, 2, mac));
  }

  /* A frame to a host learned on the input port goes nowhere. */
  reset_counts (f);
  send_to_host (f, 2, 1, 12, 12 + 100, 2 * S); /* learn 112 on port 2 */
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 2, 1, 112, 113, 2 * S), ==, SERVAL_SWITCH_DROP_SAME_PORT);
  g_assert_cmpuint (f->received[0] + f->received[1] + f->received[3], ==, 0);
}

static void
test_mac_moves (Fixture *f, gconstpointer data)
{
  send_to_host (f, 0, 1, 99, 10, 0);
  send_to_host (f, 1, 1, 99, 10, S); /* host 10 is now behind port 1 */
  reset_counts (f);
  send_to_host (f, 2, 1, 10, 20, 2 * S);
  g_assert_cmpuint (f->received[0], ==, 0);
  g_assert_cmpuint (f->received[1], ==, 1);
}

static void
test_flooding_isolation (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (send_from (f, 0, 1, BCAST, 10, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_from (f, 0, 1, MCAST, 10, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 2);
  g_assert_cmpuint (f->received[2], ==, 2);
  g_assert_cmpuint (f->received[3], ==, 0); /* VLAN 2 never sees VLAN 1 */
  g_assert_cmpuint (f->received[0], ==, 0); /* no echo */

  /* The lone member of VLAN 2 has nobody to flood to. */
  reset_counts (f);
  g_assert_cmpint (send_from (f, 3, 2, BCAST, 30, 0), ==, SERVAL_SWITCH_DROP_NO_DEST);
  g_assert_cmpuint (f->received[0] + f->received[1] + f->received[2], ==, 0);

  /* A MAC learned in VLAN 1 is unknown in VLAN 2. */
  serval_switch_port_join (f->sw, f->port[0], 2);
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 3, 2, 10, 30, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 1);
  g_assert_cmpuint (f->last_vlan[0], ==, 2);
  g_assert_cmpuint (f->received[1], ==, 0);
}

static void
test_not_member (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (send_from (f, 3, 1, BCAST, 30, 0), ==, SERVAL_SWITCH_DROP_NOT_MEMBER);
  g_assert_cmpint (send_from (f, 0, 7, BCAST, 10, 0), ==, SERVAL_SWITCH_DROP_NOT_MEMBER);
  g_assert_cmpuint (f->received[0] + f->received[1] + f->received[2] + f->received[3], ==, 0);
  g_assert_false (serval_switch_port_is_member (f->port[3], 1));
  g_assert_true (serval_switch_port_is_member (f->port[3], 2));
  g_assert_cmpuint (serval_switch_get_stats (f->sw)->dropped[SERVAL_SWITCH_DROP_NOT_MEMBER], ==, 2);
}

static void
test_sizes (Fixture *f, gconstpointer data)
{
  guint8 big[1600];

  f->limits.max_frame = 1518;
  restart (f);

  memset (big, 0, sizeof big);
  memcpy (big, BCAST, 6);
  mac_of (big + 6, 10);
  g_assert_cmpint (input (f->sw, f->port[0], 1, big, 13, 0), ==, SERVAL_SWITCH_DROP_SIZE);
  g_assert_cmpint (input (f->sw, f->port[0], 1, big, 1519, 0), ==, SERVAL_SWITCH_DROP_SIZE);
  g_assert_cmpuint (f->received[1], ==, 0);
  g_assert_cmpint (input (f->sw, f->port[0], 1, big, 14, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (input (f->sw, f->port[0], 1, big, 1518, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 2);
}

static void
test_bad_source (Fixture *f, gconstpointer data)
{
  guint8 frame[60];

  make_frame (frame, BCAST, 10);
  memcpy (frame + 6, MCAST, 6);
  g_assert_cmpint (input (f->sw, f->port[0], 1, frame, 60, 0), ==, SERVAL_SWITCH_DROP_BAD_SOURCE);
  memset (frame + 6, 0, 6);
  g_assert_cmpint (input (f->sw, f->port[0], 1, frame, 60, 0), ==, SERVAL_SWITCH_DROP_BAD_SOURCE);
  memcpy (frame + 6, BCAST, 6);
  g_assert_cmpint (input (f->sw, f->port[0], 1, frame, 60, 0), ==, SERVAL_SWITCH_DROP_BAD_SOURCE);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 0);
  g_assert_cmpuint (f->received[1], ==, 0);
}

static void
test_mac_limits (Fixture *f, gconstpointer data)
{

  f->limits.max_macs_per_port = 4;
  f->limits.max_macs_per_vlan = 6;
  restart (f);

  for (guint h = 0; h < 4; h++)
    g_assert_cmpint (send_to_host (f, 0, 1, 500, 100 + h, 0), ==, SERVAL_SWITCH_FORWARDED);
  /* A fifth address on port 0 is over the per-port limit. */
  g_assert_cmpint (send_to_host (f, 0, 1, 500, 104, 0), ==, SERVAL_SWITCH_DROP_MAC_LIMIT);
  /* Known addresses keep working. */
  g_assert_cmpint (send_to_host (f, 0, 1, 500, 101, 0), ==, SERVAL_SWITCH_FORWARDED);

  /* Port 1 adds two; the seventh in the VLAN is over the per-VLAN limit. */
  g_assert_cmpint (send_to_host (f, 1, 1, 500, 200, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_to_host (f, 1, 1, 500, 201, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_to_host (f, 2, 1, 500, 300, 0), ==, SERVAL_SWITCH_DROP_MAC_LIMIT);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 6);

  /* Unicast to a learned host still forwards despite the full table. */
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 1, 1, 102, 200, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 0);
  g_assert_cmpuint (serval_switch_get_stats (f->sw)->dropped[SERVAL_SWITCH_DROP_MAC_LIMIT], ==, 2);

  /* Leaving frees the port's share. */
  serval_switch_port_leave (f->sw, f->port[0], 1);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 2);
  g_assert_cmpint (send_to_host (f, 2, 1, 500, 300, 0), ==, SERVAL_SWITCH_FORWARDED);
}

static void
test_aging (Fixture *f, gconstpointer data)
{
  send_to_host (f, 1, 1, 500, 11, 0); /* learn 11 on port 1 */
  reset_counts (f);
  send_to_host (f, 0, 1, 11, 10, 299 * S);
  g_assert_cmpuint (f->received[2], ==, 0); /* still known: unicast */

  /* Past the aging time the entry is not used, even before age() runs. */
  reset_counts (f);
  send_to_host (f, 0, 1, 11, 10, 301 * S);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 1); /* flooded */

  /* 10 was refreshed at 301 s, 11 last seen at 0 s. */
  g_assert_cmpuint (serval_switch_age (f->sw, 302 * S), ==, 1);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 1);
  g_assert_cmpuint (serval_switch_age (f->sw, 700 * S), ==, 1);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 0);
}

static void
test_storm (Fixture *f, gconstpointer data)
{
  guint ok = 0, storm = 0;

  restart_storm_limited (f);

  for (guint i = 0; i < 80; i++)
    {
      ServalSwitchVerdict v = send_from (f, 0, 1, BCAST, 10, 10 * S);

      ok += v == SERVAL_SWITCH_FORWARDED;
      storm += v == SERVAL_SWITCH_DROP_STORM;
    }
  g_assert_cmpuint (ok, ==, 50);
  g_assert_cmpuint (storm, ==, 30);
  g_assert_cmpuint (f->received[1], ==, 50);

  /* Unicast is not limited. */
  send_to_host (f, 1, 1, 500, 11, 10 * S);
  g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, 10 * S), ==, SERVAL_SWITCH_FORWARDED);

  /* Another port has its own bucket. */
  g_assert_cmpint (send_from (f, 2, 1, MCAST, 12, 10 * S), ==, SERVAL_SWITCH_FORWARDED);

  /* 0.1 s later, 10 tokens are back. */
  ok = 0;
  for (guint i = 0; i < 20; i++)
    ok += send_from (f, 0, 1, BCAST, 10, 10 * S + S / 10) == SERVAL_SWITCH_FORWARDED;
  g_assert_cmpuint (ok, ==, 10);
}

static void
test_remove_port (Fixture *f, gconstpointer data)
{
  send_to_host (f, 1, 1, 500, 11, 0);
  serval_switch_port_join (f->sw, f->port[1], 2);
  send_to_host (f, 1, 2, 500, 11, 0);
  g_assert_cmpuint (serval_switch_vlan_n_ports (f->sw, 1), ==, 3);
  g_assert_cmpuint (serval_switch_vlan_n_ports (f->sw, 2), ==, 2);

  serval_switch_remove_port (f->sw, f->port[1]);
  f->port[1] = NULL;
  g_assert_cmpuint (serval_switch_vlan_n_ports (f->sw, 1), ==, 2);
  g_assert_cmpuint (serval_switch_vlan_n_ports (f->sw, 2), ==, 1);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 0);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 2), ==, 0);

  /* Frames for the removed port's MAC are flooded to the remaining member. */
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[2], ==, 1);

  /* Leaving the last VLAN membership empties it. */
  serval_switch_port_leave (f->sw, f->port[3], 2);
  g_assert_cmpuint (serval_switch_vlan_n_ports (f->sw, 2), ==, 0);
  g_assert_cmpint (send_from (f, 3, 2, BCAST, 30, 0), ==, SERVAL_SWITCH_DROP_NOT_MEMBER);
}

static gboolean
ports_are (Fixture *f, guint32 vlan, const int *want, guint n_want)
{
  guint n;
  ServalSwitchPort *const *ports = serval_switch_vlan_get_ports (f->sw, vlan, &n);

  if (n != n_want || n != serval_switch_vlan_n_ports (f->sw, vlan))
    return FALSE;
  /* In any order, each once. */
  for (guint i = 0; i < n_want; i++)
    {
      guint seen = 0;

      for (guint j = 0; j < n; j++)
        seen += ports[j] == f->port[want[i]];
      if (seen != 1 || !serval_switch_port_is_member (f->port[want[i]], vlan))
        return FALSE;
    }
  return TRUE;
}

/* The switch is the one record of who is in which VLAN (the server reads
 * its member lists from it): joins, leaves and removed ports show at once. */
static void
test_membership (Fixture *f, gconstpointer data)
{
  guint n = 99;

  g_assert_true (ports_are (f, 1, (int[]){ 0, 1, 2 }, 3));
  g_assert_true (ports_are (f, 2, (int[]){ 3 }, 1));
  g_assert_null (serval_switch_vlan_get_ports (f->sw, 7, &n)); /* no such VLAN */
  g_assert_cmpuint (n, ==, 0);
  g_assert_false (serval_switch_port_is_member (f->port[3], 1));

  serval_switch_port_join (f->sw, f->port[3], 1);
  serval_switch_port_join (f->sw, f->port[3], 1); /* twice: still once */
  g_assert_true (ports_are (f, 1, (int[]){ 0, 1, 2, 3 }, 4));
  serval_switch_port_leave (f->sw, f->port[0], 1);
  g_assert_true (ports_are (f, 1, (int[]){ 1, 2, 3 }, 3));
  g_assert_false (serval_switch_port_is_member (f->port[0], 1));
  serval_switch_remove_port (f->sw, f->port[2]);
  f->port[2] = NULL;
  g_assert_true (ports_are (f, 1, (int[]){ 1, 3 }, 2));
  g_assert_true (ports_are (f, 2, (int[]){ 3 }, 1));
  serval_switch_port_leave (f->sw, f->port[3], 2);
  g_assert_true (ports_are (f, 2, NULL, 0));
}

static void
test_stats (Fixture *f, gconstpointer data)
{
  const ServalSwitchStats *st = serval_switch_get_stats (f->sw);

  send_from (f, 0, 1, BCAST, 10, 0); /* in 1, out 2 */
  send_to_host (f, 1, 1, 10, 11, 0); /* in 1, out 1 */
  send_from (f, 3, 1, BCAST, 30, 0); /* in 1, dropped */
  g_assert_cmpuint (st->frames_in, ==, 3);
  g_assert_cmpuint (st->bytes_in, ==, 180);
  g_assert_cmpuint (st->frames_out, ==, 3);
  g_assert_cmpuint (st->bytes_out, ==, 180);
  g_assert_cmpuint (st->dropped[SERVAL_SWITCH_DROP_NOT_MEMBER], ==, 1);
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_STORM), ==, "storm");
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_MAC_LIMIT), ==, "mac_limit");
}

/* --- Trunk ports ---------------------------------------------------------- */

/* Port 3 leaves VLAN 2 for VLAN 1, as a trunk. */
static void
port3_to_vlan1_trunk (Fixture *f)
{
  serval_switch_port_leave (f->sw, f->port[3], 2);
  serval_switch_port_set_trunk (f->port[3], TRUE);
  serval_switch_port_join (f->sw, f->port[3], 1);
}

/* Port 2 of the fixture as a trunk to another node. */
static void
test_trunk_split_horizon (Fixture *f, gconstpointer data)
{
  serval_switch_port_set_trunk (f->port[2], TRUE);
  g_assert_true (serval_switch_port_get_trunk (f->port[2]));
  g_assert_false (serval_switch_port_get_trunk (f->port[0]));
  g_assert_true (ports_are (f, 1, (int[]){ 0, 1, 2 }, 3));

  /* From the trunk: flooded to the local ports. */
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 20, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 1);
  g_assert_cmpuint (f->received[1], ==, 1);

  /* A second trunk, in VLAN 1 too: never fed from the first. */
  port3_to_vlan1_trunk (f);
  reset_counts (f);
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 20, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0] + f->received[1], ==, 2);
  g_assert_cmpuint (f->received[3], ==, 0);
  g_assert_cmpint (send_to_host (f, 2, 1, 999, 20, S), ==, SERVAL_SWITCH_FORWARDED); /* unknown */
  g_assert_cmpuint (f->received[3], ==, 0);
  /* Host 30 learned behind the other trunk: a frame for it from this
   * trunk would cross a second node link. */
  send_to_host (f, 3, 1, 999, 30, S);
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 2, 1, 30, 20, S), ==, SERVAL_SWITCH_DROP_SPLIT_HORIZON);
  g_assert_cmpuint (f->received[0] + f->received[1] + f->received[3], ==, 0);
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_SPLIT_HORIZON), ==, "split_horizon");

  /* From a local port: to both trunks and the other local port, once each. */
  reset_counts (f);
  g_assert_cmpint (send_from (f, 0, 1, BCAST, 10, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 1);
  g_assert_cmpuint (f->received[3], ==, 1);
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 0, 1, 30, 10, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[3], ==, 1);

  /* With only trunks left, a flood from one has nowhere to go. */
  serval_switch_port_leave (f->sw, f->port[0], 1);
  serval_switch_port_leave (f->sw, f->port[1], 1);
  reset_counts (f);
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 20, S), ==, SERVAL_SWITCH_DROP_NO_DEST);
  g_assert_cmpuint (f->received[3], ==, 0);

  /* Back to a local port: it floods to the other trunk again, and the
   * VLAN's port list stayed whole through the moves. */
  serval_switch_port_set_trunk (f->port[2], FALSE);
  serval_switch_port_set_trunk (f->port[2], FALSE);
  g_assert_true (ports_are (f, 1, (int[]){ 2, 3 }, 2));
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 20, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[3], ==, 1);
  serval_switch_remove_port (f->sw, f->port[2]);
  f->port[2] = NULL;
  g_assert_true (ports_are (f, 1, (int[]){ 3 }, 1));
}

/* A trunk carries many members' broadcasts: their own nodes limited each
 * of them, so the trunk's input is not limited again. */
static void
test_trunk_storm (Fixture *f, gconstpointer data)
{
  guint ok = 0;

  restart_storm_limited (f);
  serval_switch_port_set_trunk (f->port[2], TRUE);

  /* 80 broadcasts from 80 remote members, at one instant. */
  for (guint i = 0; i < 80; i++)
    ok += send_from (f, 2, 1, BCAST, 1000 + i, 10 * S) == SERVAL_SWITCH_FORWARDED;
  g_assert_cmpuint (ok, ==, 80);
  g_assert_cmpuint (f->received[0], ==, 80);
  g_assert_cmpuint (f->received[1], ==, 80);
  g_assert_cmpuint (serval_switch_get_stats (f->sw)->dropped[SERVAL_SWITCH_DROP_STORM], ==, 0);

  /* A local port is still limited, also in what it sends to the trunk. */
  ok = 0;
  for (guint i = 0; i < 80; i++)
    ok += send_from (f, 0, 1, BCAST, 10, 10 * S) == SERVAL_SWITCH_FORWARDED;
  g_assert_cmpuint (ok, ==, 50);
  g_assert_cmpuint (f->received[2], ==, 50);
}

/* A trunk learns the MACs of a whole node: 1,000 of them, past
 * max_macs_per_port, while max_macs_per_vlan still holds. */
/* A member that moved to another node is forgotten when the registry says
 * so: its frames are flooded (and reach it there) instead of going to the
 * port it left, and the old port's count of MACs goes down. */
static void
test_forget (Fixture *f, gconstpointer data)
{
  guint8 mac[6];

  send_to_host (f, 1, 1, 99, 11, 0); /* host 11 learned on port 1 */
  mac_of (mac, 11);
  g_assert_true (serval_switch_lookup (f->sw, 1, mac) == f->port[1]);
  g_assert_true (serval_switch_forget (f->sw, 1, mac));
  g_assert_null (serval_switch_lookup (f->sw, 1, mac));
  g_assert_false (serval_switch_forget (f->sw, 1, mac));
  g_assert_false (serval_switch_forget (f->sw, 2, mac));
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 0);

  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 1); /* flooded */
}

static void
test_trunk_mac_limits (Fixture *f, gconstpointer data)
{
  guint8 mac[6];

  f->limits.max_macs_per_vlan = 1010;
  restart (f);
  serval_switch_port_set_trunk (f->port[2], TRUE);
  g_assert_cmpuint (f->limits.max_macs_per_port, <, 1000);

  for (guint h = 0; h < 1000; h++)
    g_assert_cmpint (send_to_host (f, 2, 1, 5, 1000 + h, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 1000);
  mac_of (mac, 1999);
  g_assert_true (serval_switch_lookup (f->sw, 1, mac) == f->port[2]);
  /* Unicast back to one of them goes to the trunk alone. */
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 0, 1, 1500, 10, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[2], ==, 1);
  g_assert_cmpuint (f->received[1], ==, 0);

  /* 1001 MACs now; the VLAN's limit stops the trunk at 1010. */
  for (guint h = 0; h < 9; h++)
    g_assert_cmpint (send_to_host (f, 2, 1, 5, 3000 + h, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_to_host (f, 2, 1, 5, 3009, 0), ==, SERVAL_SWITCH_DROP_MAC_LIMIT);

  /* A MAC moving off the trunk to a local port is relearned at once. */
  g_assert_cmpint (send_to_host (f, 1, 1, 5, 1500, 0), ==, SERVAL_SWITCH_FORWARDED);
  mac_of (mac, 1500);
  g_assert_true (serval_switch_lookup (f->sw, 1, mac) == f->port[1]);
}

/* --- Members that attack the others (issue 13) ------------------------------ */

/* A random MAC for every frame: each is unknown, so each is flooded. */
static ServalSwitchVerdict
send_to_random (Fixture *f, guint port, guint src, guint n, gint64 now)
{
  return send_to_host (f, port, 1, 0x8000 + (n * 7919) % 0x7fff, src, now);
}

/* 59,000 frames/s to random MACs, the flood that raised everyone's round
 * trip from 1.2 ms to 401 ms: with the default limits, a second of it
 * reaches the others no more than a burst and a second of storm_pps. */
static void
test_unknown_unicast_storm (Fixture *f, gconstpointer data)
{
  guint ok = 0;

  for (guint i = 0; i < 59000; i++)
    ok += send_to_random (f, 0, 10, i, 10 * S + i * (S / 59000)) == SERVAL_SWITCH_FORWARDED;
  g_test_message ("%u of 59000 flooded, port 1 got %u", ok, f->received[1]);
  g_assert_cmpuint (ok, <=, f->limits.storm_burst + f->limits.storm_pps + 1);
  g_assert_cmpuint (ok, >=, f->limits.storm_burst);
  g_assert_cmpuint (f->received[1], ==, ok);
  g_assert_cmpuint (serval_switch_get_stats (f->sw)->dropped[SERVAL_SWITCH_DROP_STORM], ==, 59000 - ok);

  /* The others' own floods have their own buckets. */
  g_assert_cmpint (send_to_random (f, 1, 11, 1, 11 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 12, 11 * S), ==, SERVAL_SWITCH_FORWARDED);
}

/* Unknown unicast and broadcast share the port's bucket; unicast to a
 * known MAC does not touch it, and a trunk has none. */
static void
test_unknown_unicast_budget (Fixture *f, gconstpointer data)
{
  guint ok = 0;

  restart_storm_limited (f);

  for (guint i = 0; i < 80; i++)
    ok += send_to_random (f, 0, 10, i, 10 * S) == SERVAL_SWITCH_FORWARDED;
  g_assert_cmpuint (ok, ==, 50);
  g_assert_cmpuint (f->received[1], ==, 50);
  g_assert_cmpuint (f->received[2], ==, 50);
  g_assert_cmpint (send_from (f, 0, 1, BCAST, 10, 10 * S), ==, SERVAL_SWITCH_DROP_STORM);

  /* Host 11 answers: known now, its unicast goes through an empty bucket. */
  send_to_host (f, 1, 1, 10, 11, 10 * S);
  reset_counts (f);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, 10 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 100);
  g_assert_cmpuint (f->received[2], ==, 0);

  /* 0.1 s later, 10 tokens are back, for either kind of flood. */
  ok = 0;
  for (guint i = 0; i < 20; i++)
    ok += send_to_random (f, 0, 10, 100 + i, 10 * S + S / 10) == SERVAL_SWITCH_FORWARDED;
  g_assert_cmpuint (ok, ==, 10);

  /* A trunk carries the floods of a whole node, limited there. */
  serval_switch_port_set_trunk (f->port[2], TRUE);
  ok = 0;
  for (guint i = 0; i < 80; i++)
    ok += send_to_random (f, 2, 1000 + i, i, 20 * S) == SERVAL_SWITCH_FORWARDED;
  g_assert_cmpuint (ok, ==, 80);
}

/* Ports 0, 1, 2 are alice's, bob's and carol's; port 3 joins VLAN 1 too. */
static void
owners_setup (Fixture *f)
{
  serval_switch_port_set_owner (f->sw, f->port[0], "alice");
  serval_switch_port_set_owner (f->sw, f->port[1], "bob");
  serval_switch_port_set_owner (f->sw, f->port[2], "carol");
  serval_switch_port_join (f->sw, f->port[3], 1);
}

/* Carol takes over bob's MAC with one frame, and alice's traffic to bob
 * would go to her: bob joined with host 11's MAC, pinned to his port. */
static void
test_mac_pinned (Fixture *f, gconstpointer data)
{
  guint8 bob[6];
  const ServalSwitchStats *st = serval_switch_get_stats (f->sw);

  owners_setup (f);
  mac_of (bob, 11);
  /* Carol sent from it before bob joined: the pin forgets that. */
  send_to_host (f, 2, 1, 10, 11, 0);
  g_assert_true (serval_switch_lookup (f->sw, 1, bob) == f->port[2]);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[1], 1, bob));
  g_assert_true (serval_switch_pinned_port (f->sw, 1, bob) == f->port[1]);
  g_assert_null (serval_switch_lookup (f->sw, 1, bob));
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "carol", 1), ==, 0);
  send_to_host (f, 1, 1, 10, 11, S);
  g_assert_true (serval_switch_lookup (f->sw, 1, bob) == f->port[1]);

  /* The attack: one frame from carol with bob's MAC as its source. */
  reset_counts (f);
  g_assert_cmpint (send_to_host (f, 2, 1, 10, 11, 2 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 11, 2 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  g_assert_true (serval_switch_lookup (f->sw, 1, bob) == f->port[1]);
  g_assert_cmpuint (f->received[0] + f->received[1], ==, 0);
  /* ...so alice's frames to bob still go to bob alone. */
  g_assert_cmpint (send_to_host (f, 0, 1, 11, 10, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[2], ==, 0);
  g_assert_cmpuint (st->dropped[SERVAL_SWITCH_DROP_MAC_PINNED], ==, 2);
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_MAC_PINNED), ==, "mac_pinned");
  /* Carol's own frames still pass. */
  g_assert_cmpint (send_to_host (f, 2, 1, 10, 12, 2 * S), ==, SERVAL_SWITCH_FORWARDED);

  /* Nor can she join with it: the first member keeps it. */
  g_assert_false (serval_switch_port_pin_mac (f->sw, f->port[2], 1, bob));
  g_assert_true (serval_switch_pinned_port (f->sw, 1, bob) == f->port[1]);
  g_assert_false (serval_switch_port_pin_mac (f->sw, f->port[2], 7, bob)); /* not a member */
}

/* The moves that are legitimate: a member that failed over to another
 * node (its frames come through a trunk), a member that reconnected
 * before its old session ended (a port of the same owner), and anyone
 * after the owner left. */
static void
test_mac_pinned_moves (Fixture *f, gconstpointer data)
{
  guint8 bob[6], mac[6];

  owners_setup (f);
  mac_of (bob, 11);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[1], 1, bob));
  send_to_host (f, 1, 1, 10, 11, 0);

  /* Through a trunk: bob is on another node now. */
  serval_switch_port_set_trunk (f->port[2], TRUE);
  g_assert_cmpint (send_to_host (f, 2, 1, 10, 11, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, bob) == f->port[2]);
  /* ...and back on his port here. */
  g_assert_cmpint (send_to_host (f, 1, 1, 10, 11, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, bob) == f->port[1]);
  serval_switch_port_set_trunk (f->port[2], FALSE);

  /* Bob's new session, on port 3, takes the pin over from his old one. */
  serval_switch_port_set_owner (f->sw, f->port[3], "bob");
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[3], 1, bob));
  g_assert_true (serval_switch_pinned_port (f->sw, 1, bob) == f->port[3]);
  g_assert_cmpint (send_to_host (f, 3, 1, 10, 11, 3 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_to_host (f, 1, 1, 10, 11, 3 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  /* The old session goes: the pin stays with the new one. */
  serval_switch_remove_port (f->sw, f->port[1]);
  f->port[1] = NULL;
  g_assert_true (serval_switch_pinned_port (f->sw, 1, bob) == f->port[3]);
  g_assert_cmpint (send_to_host (f, 2, 1, 10, 11, 4 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);

  /* One pin per port and VLAN: a second MAC replaces the first. */
  mac_of (mac, 12);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[0], 1, mac));
  mac_of (mac, 13);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[0], 1, mac));
  g_assert_true (serval_switch_pinned_port (f->sw, 1, mac) == f->port[0]);
  mac_of (mac, 12);
  g_assert_null (serval_switch_pinned_port (f->sw, 1, mac));

  /* Bob leaves the VLAN: his pin goes with him. */
  serval_switch_port_leave (f->sw, f->port[3], 1);
  g_assert_null (serval_switch_pinned_port (f->sw, 1, bob));
  g_assert_cmpint (send_to_host (f, 2, 1, 10, 11, 5 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, bob) == f->port[2]);
}

/* A broadcast from mallory's MAC number @h of port @p. */
static void
mallory_frame (guint8 frame[60], guint p, guint h)
{
  make_frame (frame, BCAST, 0);
  frame[8] = 0x4d;
  frame[10] = p;
  frame[11] = h;
}

/* One user with many sessions (66 ports of 256 MACs, past the VLAN's
 * 16,384) cannot fill the VLAN's table: another user's member still learns. */
static void
test_owner_limit (Fixture *f, gconstpointer data)
{
  ServalSwitchPort *mine[66];
  guint8 frame[60];
  guint learned = 0;

  g_assert_cmpuint (66 * f->limits.max_macs_per_port, >, f->limits.max_macs_per_vlan);
  owners_setup (f);
  for (guint p = 0; p < G_N_ELEMENTS (mine); p++)
    {
      mine[p] = serval_switch_add_port (f->sw, output_cb, f);
      serval_switch_port_set_owner (f->sw, mine[p], "mallory");
      serval_switch_port_join (f->sw, mine[p], 1);
      for (guint h = 0; h < f->limits.max_macs_per_port; h++)
        {
          mallory_frame (frame, p, h);
          learned += input (f->sw, mine[p], 1, frame, sizeof frame, (gint64) p * S) == SERVAL_SWITCH_FORWARDED;
        }
    }
  g_test_message ("mallory learned %u MACs, the VLAN has %u", learned, serval_switch_n_macs (f->sw, 1));
  g_assert_cmpuint (learned, ==, f->limits.max_macs_per_owner);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "mallory", 1), ==, f->limits.max_macs_per_owner);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), <, f->limits.max_macs_per_vlan);

  /* Alice's member learns a full port's worth. */
  for (guint h = 0; h < f->limits.max_macs_per_port; h++)
    g_assert_cmpint (send_from (f, 0, 1, BCAST, 0x100 + h, 100 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "alice", 1), ==, f->limits.max_macs_per_port);

  /* A MAC moving between two of mallory's ports is no new one for her. */
  mallory_frame (frame, 0, 0);
  g_assert_cmpint (input (f->sw, mine[65], 1, frame, sizeof frame, 100 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "mallory", 1), ==, f->limits.max_macs_per_owner);
  /* Moving one of bob's to her port would be. */
  send_from (f, 1, 1, BCAST, 0x200, 100 * S);
  make_frame (frame, BCAST, 0x200);
  g_assert_cmpint (input (f->sw, mine[1], 1, frame, sizeof frame, 100 * S), ==, SERVAL_SWITCH_DROP_MAC_LIMIT);

  /* Her sessions go, her count with them. */
  for (guint p = 0; p < G_N_ELEMENTS (mine); p++)
    serval_switch_remove_port (f->sw, mine[p]);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "mallory", 1), ==, 0);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, f->limits.max_macs_per_port + 1);
}

/* A member's pinned MAC is learned even in a full table, past every
 * limit; an owner's count follows its ports through aging, forgetting
 * and a change of owner. */
static void
test_owner_reserve (Fixture *f, gconstpointer data)
{
  guint8 mac[6];

  f->limits.max_macs_per_port = 4;
  f->limits.max_macs_per_owner = 6;
  f->limits.max_macs_per_vlan = 10;
  restart (f);
  owners_setup (f);
  serval_switch_port_set_owner (f->sw, f->port[3], "alice");

  /* Alice fills her share over two ports, bob his port: the table is full. */
  for (guint h = 0; h < 4; h++)
    g_assert_cmpint (send_to_host (f, 0, 1, 500, 100 + h, 0), ==, SERVAL_SWITCH_FORWARDED);
  for (guint h = 0; h < 2; h++)
    g_assert_cmpint (send_to_host (f, 3, 1, 500, 200 + h, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_to_host (f, 3, 1, 500, 202, 0), ==, SERVAL_SWITCH_DROP_MAC_LIMIT);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "alice", 1), ==, 6);
  for (guint h = 0; h < 4; h++)
    g_assert_cmpint (send_to_host (f, 1, 1, 500, 300 + h, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 10);

  /* Carol joins with host 400's MAC: it gets through; no other does. */
  mac_of (mac, 400);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[2], 1, mac));
  g_assert_cmpint (send_to_host (f, 2, 1, 500, 401, S), ==, SERVAL_SWITCH_DROP_MAC_LIMIT);
  g_assert_cmpint (send_to_host (f, 2, 1, 100, 400, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (serval_switch_n_macs (f->sw, 1), ==, 11);
  g_assert_true (serval_switch_lookup (f->sw, 1, mac) == f->port[2]);

  /* Counts go down with forget, aging and leave, and move with the owner. */
  mac_of (mac, 100);
  g_assert_true (serval_switch_forget (f->sw, 1, mac));
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "alice", 1), ==, 5);
  serval_switch_port_set_owner (f->sw, f->port[3], "dave");
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "alice", 1), ==, 3);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "dave", 1), ==, 2);
  g_assert_cmpstr (serval_switch_port_get_owner (f->port[3]), ==, "dave");
  serval_switch_port_leave (f->sw, f->port[3], 1);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "dave", 1), ==, 0);
  send_to_host (f, 0, 1, 500, 101, 200 * S);                    /* alice's 101 stays fresh */
  g_assert_cmpuint (serval_switch_age (f->sw, 400 * S), ==, 7); /* all but 101 */
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "alice", 1), ==, 1);
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "bob", 1), ==, 0);
  serval_switch_port_set_owner (f->sw, f->port[0], NULL);
  g_assert_null (serval_switch_port_get_owner (f->port[0]));
  g_assert_cmpuint (serval_switch_owner_n_macs (f->sw, "alice", 1), ==, 0);
}

/* --- A cluster of three nodes ---------------------------------------------
 * Three switches, each with three local ports (0 and 1 in VLAN 1, 2 in
 * VLAN 2) and a trunk to each other node, in both VLANs. A trunk's output
 * queues the frame for the peer's trunk to us; cluster_drain() delivers
 * the queue, as the node links would, and counts the crossings. */

#define N_NODES 3
#define N_LOCAL 3

typedef struct _Cluster Cluster;

typedef struct
{
  Cluster *c;
  guint node;
  int local; /* the local port's index, or -1 */
  int peer;  /* a trunk's peer node, or -1 */
} PortTag;

typedef struct
{
  ServalSwitch *sw;
  ServalSwitchPort *local[N_LOCAL];
  ServalSwitchPort *trunk[N_NODES]; /* to each other node; NULL for itself */
  guint received[N_LOCAL];
  guint64 last_src[N_LOCAL];
} Node;

typedef struct
{
  guint from, to;
  guint32 vlan;
  gsize len;
  guint8 data[60];
} InFlight;

struct _Cluster
{
  Node node[N_NODES];
  PortTag local_tag[N_NODES][N_LOCAL];
  PortTag trunk_tag[N_NODES][N_NODES];
  GQueue wire; /* InFlight */
  guint crossings;
};

static guint64
src_of (const ServalFrame *frame)
{
  guint64 v = 0;

  for (guint i = 6; i < 12; i++)
    v = v << 8 | frame->data[i];
  return v;
}

static void
cluster_output_cb (ServalSwitchPort *port, const ServalFrame *frame, gpointer user_data)
{
  PortTag *tag = user_data;
  Cluster *c = tag->c;

  if (tag->local >= 0)
    {
      c->node[tag->node].received[tag->local]++;
      c->node[tag->node].last_src[tag->local] = src_of (frame);
    }
  else
    {
      InFlight *w = g_new0 (InFlight, 1);

      g_assert_cmpuint (frame->len, <=, sizeof w->data);
      w->from = tag->node;
      w->to = tag->peer;
      w->vlan = frame->vlan;
      w->len = frame->len;
      memcpy (w->data, frame->data, frame->len);
      g_queue_push_tail (&c->wire, w);
    }
}

static void
cluster_setup (Cluster *c, gconstpointer data)
{
  for (guint n = 0; n < N_NODES; n++)
    {
      Node *node = &c->node[n];

      node->sw = serval_switch_new (NULL);
      for (guint l = 0; l < N_LOCAL; l++)
        {
          c->local_tag[n][l] = (PortTag){ c, n, (int) l, -1 };
          node->local[l] = serval_switch_add_port (node->sw, cluster_output_cb, &c->local_tag[n][l]);
          serval_switch_port_join (node->sw, node->local[l], l < 2 ? 1 : 2);
        }
      for (guint p = 0; p < N_NODES; p++)
        {
          if (p == n)
            continue;
          c->trunk_tag[n][p] = (PortTag){ c, n, -1, (int) p };
          node->trunk[p] = serval_switch_add_port (node->sw, cluster_output_cb, &c->trunk_tag[n][p]);
          serval_switch_port_set_trunk (node->trunk[p], TRUE);
          serval_switch_port_join (node->sw, node->trunk[p], 1);
          serval_switch_port_join (node->sw, node->trunk[p], 2);
        }
    }
  g_queue_init (&c->wire);
}

static void
cluster_teardown (Cluster *c, gconstpointer data)
{
  for (guint n = 0; n < N_NODES; n++)
    serval_switch_free (c->node[n].sw);
  g_queue_clear_full (&c->wire, g_free);
}

/* Delivers what is on the wire until nothing is: a loop would never end,
 * so more than a few rounds fail the test. */
static void
cluster_drain (Cluster *c, gint64 now)
{
  InFlight *w;
  guint rounds = 0;

  while ((w = g_queue_pop_head (&c->wire)) != NULL)
    {
      Node *to = &c->node[w->to];
      ServalFrame frame = { w->data, w->len, w->vlan, NULL };

      g_assert_cmpuint (++rounds, <, 100);
      c->crossings++;
      serval_switch_input (to->sw, to->trunk[w->from], &frame, now);
      g_free (w);
    }
}

static void
cluster_reset (Cluster *c)
{
  for (guint n = 0; n < N_NODES; n++)
    {
      memset (c->node[n].received, 0, sizeof c->node[n].received);
      memset (c->node[n].last_src, 0, sizeof c->node[n].last_src);
    }
  c->crossings = 0;
}

/* Host @src on local port @local of node @n sends to @dst; the cluster
 * carries the frame to its end. */
static ServalSwitchVerdict
cluster_send (Cluster *c, guint n, guint local, guint32 vlan, const guint8 dst[6], guint src, gint64 now)
{
  guint8 frame[60];
  ServalSwitchVerdict v;

  make_frame (frame, dst, src);
  v = input (c->node[n].sw, c->node[n].local[local], vlan, frame, sizeof frame, now);
  cluster_drain (c, now);
  return v;
}

static ServalSwitchVerdict
cluster_send_to_host (Cluster *c, guint n, guint local, guint32 vlan, guint dst_host, guint src, gint64 now)
{
  guint8 dst[6];

  mac_of (dst, dst_host);
  return cluster_send (c, n, local, vlan, dst, src, now);
}

static guint
total_received (Cluster *c)
{
  guint sum = 0;

  for (guint n = 0; n < N_NODES; n++)
    for (guint l = 0; l < N_LOCAL; l++)
      sum += c->node[n].received[l];
  return sum;
}

static ServalSwitchPort *
cluster_lookup (Cluster *c, guint n, guint host)
{
  guint8 mac[6];

  mac_of (mac, host);
  return serval_switch_lookup (c->node[n].sw, 1, mac);
}

static void
test_cluster_broadcast (Cluster *c, gconstpointer data)
{
  g_assert_cmpint (cluster_send (c, 0, 0, 1, BCAST, 10, 0), ==, SERVAL_SWITCH_FORWARDED);
  /* One crossing to each other node, and none back. */
  g_assert_cmpuint (c->crossings, ==, N_NODES - 1);
  g_assert_cmpuint (serval_switch_get_stats (c->node[0].sw)->frames_in, ==, 1);
  for (guint n = 0; n < N_NODES; n++)
    {
      /* Every member of VLAN 1 but the sender, once; VLAN 2 sees none. */
      g_assert_cmpuint (c->node[n].received[0], ==, n == 0 ? 0 : 1);
      g_assert_cmpuint (c->node[n].received[1], ==, 1);
      g_assert_cmpuint (c->node[n].received[2], ==, 0);
      g_assert_cmpuint (c->node[n].last_src[1], ==, 0x02000000000a);
    }
  g_assert_cmpuint (total_received (c), ==, 2 * N_NODES - 1);
  /* Each node learned the sender where it is: locally on A, on the
   * trunk to A elsewhere. */
  g_assert_true (cluster_lookup (c, 0, 10) == c->node[0].local[0]);
  g_assert_true (cluster_lookup (c, 1, 10) == c->node[1].trunk[0]);
  g_assert_true (cluster_lookup (c, 2, 10) == c->node[2].trunk[0]);

  /* Same for a broadcast from node C in VLAN 2. */
  cluster_reset (c);
  g_assert_cmpint (cluster_send (c, 2, 2, 2, MCAST, 30, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (c->crossings, ==, N_NODES - 1);
  g_assert_cmpuint (c->node[0].received[2] + c->node[1].received[2], ==, 2);
  g_assert_cmpuint (total_received (c), ==, 2);
}

static void
test_cluster_unicast (Cluster *c, gconstpointer data)
{
  guint64 b_in;

  /* Host 10 on A asks everyone (ARP); host 20 on C answers it alone. */
  cluster_send (c, 0, 0, 1, BCAST, 10, 0);
  cluster_reset (c);
  b_in = serval_switch_get_stats (c->node[1].sw)->frames_in;
  g_assert_cmpint (cluster_send_to_host (c, 2, 1, 1, 10, 20, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (c->crossings, ==, 1);
  g_assert_cmpuint (c->node[0].received[0], ==, 1);
  g_assert_cmpuint (total_received (c), ==, 1);
  g_assert_cmpuint (serval_switch_get_stats (c->node[1].sw)->frames_in, ==, b_in);

  /* And now A knows where 20 is: one crossing, straight to C's port. */
  cluster_reset (c);
  g_assert_cmpint (cluster_send_to_host (c, 0, 0, 1, 20, 10, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (c->crossings, ==, 1);
  g_assert_cmpuint (c->node[2].received[1], ==, 1);
  g_assert_cmpuint (total_received (c), ==, 1);
  g_assert_cmpuint (serval_switch_get_stats (c->node[1].sw)->frames_in, ==, b_in);

  /* A local destination stays on its node. */
  cluster_send (c, 0, 1, 1, BCAST, 11, 3 * S);
  cluster_reset (c);
  g_assert_cmpint (cluster_send_to_host (c, 0, 0, 1, 11, 10, 3 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (c->crossings, ==, 0);
  g_assert_cmpuint (c->node[0].received[1], ==, 1);
}

/* A member fails over from node A to node B: its first frame from B moves
 * its MAC on every node. */
static void
test_cluster_mac_move (Cluster *c, gconstpointer data)
{
  Node *a = &c->node[0], *b = &c->node[1];

  cluster_send (c, 0, 0, 1, BCAST, 10, 0);
  cluster_send (c, 2, 1, 1, BCAST, 20, 0);
  g_assert_true (cluster_lookup (c, 1, 10) == b->trunk[0]);

  /* A still has the old session (it has not timed out yet): the MAC
   * moves from a local port to a trunk on A, from a trunk to a local
   * port on B, from one trunk to another on C. */
  g_assert_cmpint (cluster_send (c, 1, 0, 1, BCAST, 10, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (cluster_lookup (c, 0, 10) == a->trunk[1]);
  g_assert_true (cluster_lookup (c, 1, 10) == b->local[0]);
  g_assert_true (cluster_lookup (c, 2, 10) == c->node[2].trunk[1]);
  cluster_reset (c);
  g_assert_cmpint (cluster_send_to_host (c, 2, 1, 1, 10, 20, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (c->crossings, ==, 1);
  g_assert_cmpuint (b->received[0], ==, 1);
  g_assert_cmpuint (a->received[0], ==, 0);
  g_assert_cmpuint (total_received (c), ==, 1);

  /* A's old session goes; the member comes back to A on another port
   * (unplug from B, replug on A), with a unicast frame. */
  serval_switch_remove_port (a->sw, a->local[0]);
  a->local[0] = NULL;
  g_assert_true (cluster_lookup (c, 0, 10) == a->trunk[1]);
  cluster_reset (c);
  g_assert_cmpint (cluster_send_to_host (c, 0, 1, 1, 20, 10, 3 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (cluster_lookup (c, 0, 10) == a->local[1]);
  g_assert_true (cluster_lookup (c, 2, 10) == c->node[2].trunk[0]);
  g_assert_cmpuint (c->node[2].received[1], ==, 1);
  cluster_reset (c);
  g_assert_cmpint (cluster_send_to_host (c, 2, 1, 1, 10, 20, 4 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (a->received[1], ==, 1);
  g_assert_cmpuint (b->received[0], ==, 0);
  g_assert_cmpuint (c->crossings, ==, 1);
}

/* Pins in a cluster: host 10 joined on node A and is pinned there; it
 * fails over to node B before A's old session ends. Its frames reach A
 * through B's trunk and move its MAC there, while a spoofer on A is still
 * refused. */
static void
test_cluster_pinned_failover (Cluster *c, gconstpointer data)
{
  Node *a = &c->node[0], *b = &c->node[1];
  guint8 mac[6];

  mac_of (mac, 10);
  serval_switch_port_set_owner (a->sw, a->local[0], "ten");
  serval_switch_port_set_owner (a->sw, a->local[1], "eleven");
  g_assert_true (serval_switch_port_pin_mac (a->sw, a->local[0], 1, mac));
  cluster_send (c, 0, 0, 1, BCAST, 10, 0);
  cluster_send (c, 2, 1, 1, BCAST, 20, 0);

  /* On B it joins with the same MAC: pinned there, learned on the trunk to
   * A until then (the pin forgets that). */
  serval_switch_port_set_owner (b->sw, b->local[0], "ten");
  g_assert_true (serval_switch_port_pin_mac (b->sw, b->local[0], 1, mac));
  g_assert_null (cluster_lookup (c, 1, 10));
  g_assert_cmpint (cluster_send (c, 1, 0, 1, BCAST, 10, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (cluster_lookup (c, 0, 10) == a->trunk[1]);
  g_assert_cmpuint (serval_switch_get_stats (a->sw)->dropped[SERVAL_SWITCH_DROP_MAC_PINNED], ==, 0);
  cluster_reset (c);
  g_assert_cmpint (cluster_send_to_host (c, 2, 1, 1, 10, 20, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (b->received[0], ==, 1);

  /* A's other member cannot take the MAC while the old session is there. */
  g_assert_cmpint (cluster_send (c, 0, 1, 1, BCAST, 10, 3 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  g_assert_true (cluster_lookup (c, 0, 10) == a->trunk[1]);
}

/* --- A managed switch: rules, anti-spoofing, ARP/ND, DHCP (issue 14) ------
 * Ports 0, 1, 2 are alice's, bob's and carol's in VLAN 1, with the MACs
 * of hosts 10, 11 and 12, learned; port 3 is in VLAN 1 too, no owner. */

static const guint8 IP_ALICE[4] = { 10, 1, 0, 10 };
static const guint8 IP_BOB[4] = { 10, 1, 0, 11 };
static const guint8 IP_CAROL[4] = { 10, 1, 0, 12 };
static const guint8 IP6_ALICE[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 10 };
static const guint8 IP6_BOB[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 11 };

static void
managed_setup (Fixture *f)
{
  owners_setup (f);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (send_from (f, i, 1, BCAST, 10 + i, 0), ==, SERVAL_SWITCH_FORWARDED);
  reset_counts (f);
}

static ServalAcl *
acl_of (const char *text)
{
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_rule_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (rules, serval_rule_parse_string (text, &error));
  g_assert_no_error (error);
  return serval_acl_new (rules);
}

/* An IPv4 frame with @proto (6 TCP, 17 UDP, 1 ICMP) from port @from (its
 * host's MAC, @src) to host @to_host's MAC. */
static ServalSwitchVerdict
send_ip (Fixture *f, guint from, guint to_host, const guint8 src[4], const guint8 dst[4], guint8 proto, guint16 dport)
{
  guint8 frame[128], dst_mac[6], src_mac[6];

  if (to_host == 0xffff)
    memcpy (dst_mac, BCAST, 6);
  else
    mac_of (dst_mac, to_host);
  mac_of (src_mac, 10 + from);
  return input (f->sw, f->port[from], 1, frame, fu_ipv4 (frame, dst_mac, src_mac, src, dst, proto, dport), 5 * S);
}

/* The case: "deny tcp port 22 from carol" stops carol's SSH to
 * alice, not her ping nor alice's SSH to her; without the rule it passes. */
static void
test_acl_ssh (Fixture *f, gconstpointer data)
{
  const ServalSwitchStats *st = serval_switch_get_stats (f->sw);
  ServalAcl *acl;

  managed_setup (f);
  g_assert_null (serval_switch_vlan_get_acl (f->sw, 1));
  g_assert_cmpint (send_ip (f, 2, 10, IP_CAROL, IP_ALICE, 6, 22), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 1);

  serval_switch_vlan_set_acl (f->sw, 1, acl_of ("deny proto tcp from carol port 22"));
  acl = serval_switch_vlan_get_acl (f->sw, 1);
  g_assert_nonnull (acl);
  reset_counts (f);
  g_assert_cmpint (send_ip (f, 2, 10, IP_CAROL, IP_ALICE, 6, 22), ==, SERVAL_SWITCH_DROP_ACL);
  g_assert_cmpuint (f->received[0], ==, 0);
  g_assert_cmpuint (st->dropped[SERVAL_SWITCH_DROP_ACL], ==, 1);
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_ACL), ==, "acl");
  g_assert_cmpint (send_ip (f, 2, 10, IP_CAROL, IP_ALICE, 1, 0), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_ip (f, 2, 10, IP_CAROL, IP_ALICE, 6, 80), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_ip (f, 0, 12, IP_ALICE, IP_CAROL, 6, 22), ==, SERVAL_SWITCH_FORWARDED);
  /* Broadcast or unknown, it is denied all the same. */
  g_assert_cmpint (send_ip (f, 2, 0xffff, IP_CAROL, IP_ALICE, 6, 22), ==, SERVAL_SWITCH_DROP_ACL);
  g_assert_cmpint (send_ip (f, 2, 99, IP_CAROL, IP_ALICE, 6, 22), ==, SERVAL_SWITCH_DROP_ACL);
  g_assert_cmpuint (f->received[0], ==, 2);
  g_assert_cmpuint (f->received[1] + f->received[3], ==, 0);
  g_assert_cmpuint (serval_acl_get_hits (acl, 0), ==, 3);

  /* Removing it restores SSH at once. */
  serval_switch_vlan_set_acl (f->sw, 1, NULL);
  g_assert_null (serval_switch_vlan_get_acl (f->sw, 1));
  g_assert_cmpint (send_ip (f, 2, 10, IP_CAROL, IP_ALICE, 6, 22), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0], ==, 3);
}

/* A flood reaches the receivers the rules let it reach. */
static void
test_acl_flood (Fixture *f, gconstpointer data)
{
  managed_setup (f);
  serval_switch_vlan_set_acl (f->sw, 1, acl_of ("deny to bob"));
  g_assert_cmpint (send_ip (f, 0, 0xffff, IP_ALICE, IP_BOB, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 0);
  g_assert_cmpuint (f->received[2], ==, 1);
  g_assert_cmpuint (f->received[3], ==, 1);
  /* Unicast to him too, known or not; the others still reach each other. */
  g_assert_cmpint (send_ip (f, 0, 11, IP_ALICE, IP_BOB, 17, 53), ==, SERVAL_SWITCH_DROP_ACL);
  g_assert_cmpint (send_ip (f, 0, 99, IP_ALICE, IP_BOB, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[1], ==, 0);
  g_assert_cmpint (send_ip (f, 2, 10, IP_CAROL, IP_ALICE, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  /* Bob alone can be denied a flood from him to nobody else. */
  serval_switch_port_leave (f->sw, f->port[2], 1);
  serval_switch_port_leave (f->sw, f->port[3], 1);
  reset_counts (f);
  g_assert_cmpint (send_ip (f, 0, 0xffff, IP_ALICE, IP_BOB, 17, 53), ==, SERVAL_SWITCH_DROP_ACL);
  g_assert_cmpuint (f->received[1], ==, 0);

  /* Rules outlive the VLAN's members, and apply to those that join. */
  serval_switch_vlan_set_acl (f->sw, 7, acl_of ("deny proto udp"));
  serval_switch_port_join (f->sw, f->port[2], 7);
  serval_switch_port_join (f->sw, f->port[3], 7);
  {
    guint8 frame[128], dst[6], src[6];

    memcpy (dst, BCAST, 6);
    mac_of (src, 12);
    g_assert_cmpint (input (f->sw, f->port[2], 7, frame, fu_ipv4 (frame, dst, src, IP_CAROL, IP_BOB, 17, 53), 0), ==,
                     SERVAL_SWITCH_DROP_ACL);
    g_assert_cmpint (input (f->sw, f->port[2], 7, frame, fu_ipv4 (frame, dst, src, IP_CAROL, IP_BOB, 6, 53), 0), ==,
                     SERVAL_SWITCH_FORWARDED);
  }
}

static void
test_spoofed_mac (Fixture *f, gconstpointer data)
{
  guint8 mac[6];

  /* Off by default: a pinned port may send from other MACs. */
  managed_setup (f);
  mac_of (mac, 11);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[1], 1, mac));
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 99, S), ==, SERVAL_SWITCH_FORWARDED);

  g_assert_false (f->limits.pinned_mac_only);
  f->limits.pinned_mac_only = TRUE;
  restart (f);
  managed_setup (f);
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[1], 1, mac));
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 11, S), ==, SERVAL_SWITCH_FORWARDED);
  /* Bob's member makes up a MAC: dropped, not learned. */
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 99, S), ==, SERVAL_SWITCH_DROP_SPOOFED_MAC);
  mac_of (mac, 99);
  g_assert_null (serval_switch_lookup (f->sw, 1, mac));
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_SPOOFED_MAC), ==, "spoofed_mac");
  /* Carol has no pin: she may (a trunk, a test that never pins). */
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 98, S), ==, SERVAL_SWITCH_FORWARDED);
  /* A bridge learns the hosts behind it, as before... */
  serval_switch_port_set_bridge (f->port[1], TRUE);
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 99, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, mac) == f->port[1]);
  /* ...until the right goes: what it learned then counts no more. */
  serval_switch_port_set_bridge (f->port[1], FALSE);
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 99, 2 * S), ==, SERVAL_SWITCH_DROP_SPOOFED_MAC);
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 11, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (serval_switch_get_stats (f->sw)->dropped[SERVAL_SWITCH_DROP_SPOOFED_MAC], ==, 2);
}

static void
test_spoofed_address (Fixture *f, gconstpointer data)
{
  static const guint8 any[4] = { 0 };
  const guint8 unclaimed[4] = { 10, 1, 0, 50 };
  guint8 mac[6], frame[128];

  managed_setup (f);
  mac_of (mac, 10);
  g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[0], 4, IP_ALICE, mac));
  g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[0], 6, IP6_ALICE, mac));
  g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[0], 4, IP_ALICE, mac)); /* again */
  g_assert_true (serval_switch_vlan_address_port (f->sw, 1, 4, IP_ALICE) == f->port[0]);
  /* First come, first served; nobody claims 0.0.0.0; members only. */
  g_assert_false (serval_switch_vlan_claim_address (f->sw, 1, f->port[1], 4, IP_ALICE, mac));
  g_assert_false (serval_switch_vlan_claim_address (f->sw, 1, f->port[1], 4, any, mac));
  g_assert_false (serval_switch_vlan_claim_address (f->sw, 2, f->port[1], 4, IP_BOB, mac));

  /* Bob's member uses alice's address: dropped. Hers, 0.0.0.0, unclaimed: pass. */
  g_assert_cmpint (send_ip (f, 1, 10, IP_ALICE, IP_CAROL, 17, 53), ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  g_assert_cmpint (send_ip (f, 0, 12, IP_ALICE, IP_CAROL, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_ip (f, 1, 0xffff, any, IP_CAROL, 17, 67), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (send_ip (f, 1, 12, unclaimed, IP_CAROL, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  mac_of (mac, 11);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_ipv6 (frame, BCAST, mac, IP6_ALICE, IP6_BOB, 17, 53, FALSE), S),
                   ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  /* ARP replies and NAs that announce it. */
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_arp (frame, 2, mac, IP_ALICE, IP_CAROL), S), ==,
                   SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  {
    ServalNd ns = { .type = 135, .src = { 0x20, 0x01, 0x0d, 0xb8, [15] = 12 }, .target = { 0 } };
    guint8 na[SERVAL_NEIGH_NA_LEN];

    memcpy (ns.target, IP6_ALICE, 16);
    mac_of (ns.eth_src, 12);
    serval_neigh_build_na (na, &ns, mac); /* bob's MAC says it is alice's address */
    g_assert_cmpint (input (f->sw, f->port[1], 1, na, sizeof na, S), ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  }
  g_assert_cmpuint (f->received[2], ==, 3); /* the three that passed */
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_SPOOFED_ADDRESS), ==, "spoofed_address");

  /* A trunk's frames were checked on their node. A trunk claims the
   * addresses of that node's members, as many as there are. */
  serval_switch_port_set_trunk (f->port[3], TRUE);
  g_assert_cmpint (send_ip (f, 3, 12, IP_ALICE, IP_CAROL, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  for (guint i = 0; i < SERVAL_SWITCH_MAX_CLAIMS_PER_PORT + 1; i++)
    {
      const guint8 ip[4] = { 10, 3, 0, 1 + i };

      g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[3], 4, ip, mac));
    }
  g_assert_cmpint (send_ip (f, 2, 12, (const guint8[]){ 10, 3, 0, 1 }, IP_CAROL, 17, 53), ==,
                   SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);

  /* Released, or gone with the port's membership, it is free again. */
  g_assert_false (serval_switch_vlan_release_address (f->sw, 1, f->port[1], 4, IP_ALICE));
  g_assert_true (serval_switch_vlan_release_address (f->sw, 1, f->port[0], 4, IP_ALICE));
  g_assert_null (serval_switch_vlan_address_port (f->sw, 1, 4, IP_ALICE));
  g_assert_cmpint (send_ip (f, 1, 12, IP_ALICE, IP_CAROL, 17, 53), ==, SERVAL_SWITCH_FORWARDED);
  serval_switch_port_leave (f->sw, f->port[0], 1);
  g_assert_null (serval_switch_vlan_address_port (f->sw, 1, 6, IP6_ALICE));
  /* A member claims a bounded number of addresses. */
  for (guint i = 0; i < SERVAL_SWITCH_MAX_CLAIMS_PER_PORT + 1; i++)
    {
      const guint8 ip[4] = { 10, 2, 0, 1 + i };

      g_assert_cmpint (serval_switch_vlan_claim_address (f->sw, 1, f->port[2], 4, ip, mac), ==,
                       i < SERVAL_SWITCH_MAX_CLAIMS_PER_PORT);
    }
}

/* In a cluster a node claims another node's members' addresses for the
 * trunk to that node (port 3 here): its own members may not send from them,
 * and it answers ARP and NS for them itself. Dan, that other node's member,
 * failing over to this node (port 1, his session's now) keeps using his
 * addresses before the trunk's claims go, and his own claim takes them over;
 * carol, even from dan's MAC, does neither. The trunk's claims go with his MAC. */
static void
test_trunk_claims (Fixture *f, gconstpointer data)
{
  static const guint8 none[4] = { 0 }, none6[16] = { 0 };
  static const guint8 IP_DAN[4] = { 10, 1, 0, 20 };
  static const guint8 IP6_DAN[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 20 };
  guint8 dan[6], alice[6], carol[6], frame[128];
  ServalArp reply;

  managed_setup (f);
  serval_switch_port_set_trunk (f->port[3], TRUE);
  mac_of (dan, 20);
  mac_of (alice, 10);
  mac_of (carol, 12);
  g_assert_true (serval_switch_vlan_claim_remote (f->sw, 1, f->port[3], 4, IP_DAN, dan, "dan"));
  g_assert_true (serval_switch_vlan_claim_remote (f->sw, 1, f->port[3], 6, IP6_DAN, dan, "dan"));

  /* Alice may not send from dan's address; asked who has it, the switch
   * answers her with dan's MAC; the same for IPv6. */
  g_assert_cmpint (send_ip (f, 0, 12, IP_DAN, IP_CAROL, 17, 53), ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  g_assert_cmpint (input (f->sw, f->port[0], 1, frame, fu_arp (frame, 1, alice, IP_ALICE, IP_DAN), S), ==,
                   SERVAL_SWITCH_ANSWERED);
  g_assert_true (serval_neigh_parse_arp (f->last[0], f->last_len[0], &reply));
  g_assert_cmpmem (reply.sha, 6, dan, 6);
  g_assert_cmpint (input (f->sw, f->port[0], 1, frame, fu_ns (frame, alice, IP6_ALICE, IP6_DAN), S), ==,
                   SERVAL_SWITCH_ANSWERED);

  /* Dan comes to port 1 before his node's claims go: his frames pass, and
   * his probes for his own addresses are flooded, not answered with his
   * own MAC (which his kernel would take for a conflict). */
  serval_switch_port_set_owner (f->sw, f->port[1], "dan");
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_ipv4 (frame, BCAST, dan, IP_DAN, IP_CAROL, 17, 53), S), ==,
                   SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_arp (frame, 1, dan, none, IP_DAN), S), ==,
                   SERVAL_SWITCH_FORWARDED);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_ns (frame, dan, none6, IP6_DAN), S), ==,
                   SERVAL_SWITCH_FORWARDED);
  /* Carol is not dan: still spoofing, from her MAC or from his. */
  g_assert_cmpint (input (f->sw, f->port[2], 1, frame, fu_ipv4 (frame, BCAST, carol, IP_DAN, IP_ALICE, 17, 53), S),
                   ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  g_assert_cmpint (input (f->sw, f->port[2], 1, frame, fu_ipv4 (frame, BCAST, dan, IP_DAN, IP_ALICE, 17, 53), 2 * S),
                   ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);

  /* Dan's claim from port 1 takes his IPv4 address over; carol's would not. */
  g_assert_false (serval_switch_vlan_claim_address (f->sw, 1, f->port[2], 4, IP_DAN, carol));
  g_assert_false (serval_switch_vlan_claim_address (f->sw, 1, f->port[2], 4, IP_DAN, dan));
  g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[1], 4, IP_DAN, dan));
  g_assert_true (serval_switch_vlan_address_port (f->sw, 1, 4, IP_DAN) == f->port[1]);
  /* A trunk never takes a local member's claim. */
  g_assert_false (serval_switch_vlan_claim_remote (f->sw, 1, f->port[3], 4, IP_DAN, dan, "dan"));

  /* His node says he left it: the trunk's claims for his MAC go (his IPv6
   * address), the one he took over stays his. */
  g_assert_cmpuint (serval_switch_vlan_release_mac (f->sw, 1, f->port[3], dan), ==, 1);
  g_assert_null (serval_switch_vlan_address_port (f->sw, 1, 6, IP6_DAN));
  g_assert_true (serval_switch_vlan_address_port (f->sw, 1, 4, IP_DAN) == f->port[1]);
  g_assert_cmpuint (serval_switch_vlan_release_mac (f->sw, 1, f->port[3], dan), ==, 0);
  g_assert_cmpuint (serval_switch_vlan_release_mac (f->sw, 1, f->port[1], dan), ==, 1);
  g_assert_null (serval_switch_vlan_address_port (f->sw, 1, 4, IP_DAN));
}

/* Another node's members' MACs are pinned to the trunk to their node (port
 * 3): no local port of another user sends from one or joins with it; dan,
 * that node's member, failing over here (port 1, his session's now) does. */
static void
test_trunk_pins (Fixture *f, gconstpointer data)
{
  guint8 dan[6], erin[6];

  managed_setup (f);
  serval_switch_port_set_trunk (f->port[3], TRUE);
  mac_of (dan, 20);
  mac_of (erin, 21);
  /* Learned on carol's port before the pin (a spoofer): forgotten with it. */
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 20, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, dan) == f->port[2]);
  g_assert_true (serval_switch_vlan_pin_remote (f->sw, 1, f->port[3], dan, "dan"));
  g_assert_null (serval_switch_lookup (f->sw, 1, dan));
  /* Alice and carol may not send from it, nor join with it; the trunk brings it. */
  g_assert_cmpint (send_from (f, 0, 1, BCAST, 20, 2 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 20, 2 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  g_assert_false (serval_switch_port_pin_mac (f->sw, f->port[0], 1, dan));
  g_assert_cmpint (send_from (f, 3, 1, BCAST, 20, 2 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, dan) == f->port[3]);
  /* Dan comes to this node before his node's pin goes. */
  serval_switch_port_set_owner (f->sw, f->port[1], "dan");
  g_assert_true (serval_switch_port_pin_mac (f->sw, f->port[1], 1, dan));
  g_assert_cmpint (send_from (f, 1, 1, BCAST, 20, 3 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_lookup (f->sw, 1, dan) == f->port[1]);

  /* A pin goes with its member (from its trunk alone), or with the trunk. */
  g_assert_true (serval_switch_vlan_pin_remote (f->sw, 1, f->port[3], erin, "erin"));
  g_assert_cmpint (send_from (f, 0, 1, BCAST, 21, 4 * S), ==, SERVAL_SWITCH_DROP_MAC_PINNED);
  g_assert_false (serval_switch_vlan_unpin_remote (f->sw, 1, f->port[2], erin));
  g_assert_true (serval_switch_vlan_unpin_remote (f->sw, 1, f->port[3], erin));
  g_assert_false (serval_switch_vlan_unpin_remote (f->sw, 1, f->port[3], erin));
  g_assert_cmpint (send_from (f, 0, 1, BCAST, 21, 5 * S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_true (serval_switch_vlan_pin_remote (f->sw, 1, f->port[3], erin, "erin"));
  g_assert_null (serval_switch_lookup (f->sw, 1, erin));
  serval_switch_port_leave (f->sw, f->port[3], 1);
  g_assert_cmpint (send_from (f, 2, 1, BCAST, 21, 6 * S), ==, SERVAL_SWITCH_FORWARDED);
  /* A trunk not in the VLAN pins nothing there. */
  g_assert_false (serval_switch_vlan_pin_remote (f->sw, 1, f->port[3], erin, "erin"));
}

static void
test_arp_answered (Fixture *f, gconstpointer data)
{
  const ServalSwitchStats *st = serval_switch_get_stats (f->sw);
  guint8 mac[6], frame[128];
  guint64 out_before;
  ServalArp reply;

  managed_setup (f);
  mac_of (mac, 10);
  g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[0], 4, IP_ALICE, mac));
  /* Bob asks who has alice's address: the switch answers him alone. */
  out_before = st->frames_out;
  mac_of (mac, 11);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_arp (frame, 1, mac, IP_BOB, IP_ALICE), S), ==,
                   SERVAL_SWITCH_ANSWERED);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[0] + f->received[2] + f->received[3], ==, 0);
  g_assert_true (serval_neigh_parse_arp (f->last[1], f->last_len[1], &reply));
  g_assert_cmpuint (reply.op, ==, 2);
  g_assert_cmpmem (reply.spa, 4, IP_ALICE, 4);
  mac_of (mac, 10);
  g_assert_cmpmem (reply.sha, 6, mac, 6);
  mac_of (mac, 11);
  g_assert_cmpmem (f->last[1], 6, mac, 6);
  g_assert_cmpuint (f->last_vlan[1], ==, 1);
  g_assert_cmpuint (st->arp_answered, ==, 1);
  g_assert_cmpuint (st->frames_out, ==, out_before + 1);
  g_assert_cmpuint (st->dropped[SERVAL_SWITCH_ANSWERED], ==, 1);
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_ANSWERED), ==, "answered");

  /* Nobody claimed carol's: flooded as before, and alice's own gratuitous ARP. */
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_arp (frame, 1, mac, IP_BOB, IP_CAROL), S), ==,
                   SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0] + f->received[2] + f->received[3], ==, 3);
  mac_of (mac, 10);
  g_assert_cmpint (input (f->sw, f->port[0], 1, frame, fu_arp (frame, 1, mac, IP_ALICE, IP_ALICE), S), ==,
                   SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (st->arp_flooded, ==, 2);
  g_assert_cmpuint (st->arp_answered, ==, 1);
}

static void
test_nd_answered (Fixture *f, gconstpointer data)
{
  const ServalSwitchStats *st = serval_switch_get_stats (f->sw);
  const guint8 other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 99 };
  guint8 mac[6], frame[128];
  ServalNd na;

  managed_setup (f);
  mac_of (mac, 10);
  g_assert_true (serval_switch_vlan_claim_address (f->sw, 1, f->port[0], 6, IP6_ALICE, mac));
  mac_of (mac, 11);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_ns (frame, mac, IP6_BOB, IP6_ALICE), S), ==,
                   SERVAL_SWITCH_ANSWERED);
  g_assert_cmpuint (f->received[1], ==, 1);
  g_assert_cmpuint (f->received[0] + f->received[2] + f->received[3], ==, 0);
  g_assert_true (serval_neigh_parse_nd (f->last[1], f->last_len[1], &na)); /* checksum right */
  g_assert_cmpuint (na.type, ==, 136);
  g_assert_cmpuint (na.flags & 0x40, ==, 0x40);
  g_assert_cmpmem (na.target, 16, IP6_ALICE, 16);
  g_assert_cmpmem (na.dst, 16, IP6_BOB, 16);
  g_assert_true (na.has_lladdr);
  mac_of (mac, 10);
  g_assert_cmpmem (na.lladdr, 6, mac, 6);
  g_assert_cmpuint (st->nd_answered, ==, 1);

  mac_of (mac, 11);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_ns (frame, mac, IP6_BOB, other), S), ==,
                   SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (f->received[0] + f->received[2] + f->received[3], ==, 3);
  g_assert_cmpuint (st->nd_flooded, ==, 1);
}

typedef struct
{
  guint calls;
  ServalSwitchPort *port;
  guint32 vlan;
  ServalDhcpMessage msg;
} DhcpSeen;

static void
dhcp_cb (ServalSwitchPort *port, guint32 vlan, const ServalDhcpMessage *msg, gpointer user_data)
{
  DhcpSeen *seen = user_data;

  seen->calls++;
  seen->port = port;
  seen->vlan = vlan;
  seen->msg = *msg;
}

static void
test_dhcp (Fixture *f, gconstpointer data)
{
  const ServalSwitchStats *st = serval_switch_get_stats (f->sw);
  ServalSwitchDhcpConfig config = { { 10, 1, 0, 1 }, 24, { 0 } };
  ServalDhcpReply offer = { SERVAL_DHCP_OFFER, { 10, 1, 0, 11 }, { 10, 1, 0, 1 }, { 0 }, 24, 3600 };
  const guint8 expected_mac[6] = { 0x02, 0x53, 0x56, 0x00, 0x00, 0x01 };
  DhcpSeen seen = { 0 };
  guint8 bob[6], frame[600];
  gsize len;

  managed_setup (f);
  serval_switch_dhcp_mac (1, config.server_mac);
  g_assert_cmpmem (config.server_mac, 6, expected_mac, 6);
  memcpy (offer.server_mac, config.server_mac, 6);
  serval_switch_set_dhcp_func (f->sw, dhcp_cb, &seen);
  mac_of (bob, 11);
  len = fu_dhcp_client (frame, bob, SERVAL_DHCP_DISCOVER, 0x4242, TRUE, NULL, NULL, NULL, NULL, "bob");

  /* No DHCP server in the VLAN: flooded as before. */
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, len, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (seen.calls, ==, 0);
  reset_counts (f);

  serval_switch_vlan_set_dhcp (f->sw, 1, &config);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, len, S), ==, SERVAL_SWITCH_CONSUMED);
  g_assert_cmpuint (f->received[0] + f->received[1] + f->received[2] + f->received[3], ==, 0);
  g_assert_cmpuint (seen.calls, ==, 1);
  g_assert_true (seen.port == f->port[1]);
  g_assert_cmpuint (seen.vlan, ==, 1);
  g_assert_cmpint (seen.msg.type, ==, SERVAL_DHCP_DISCOVER);
  g_assert_cmpuint (seen.msg.xid, ==, 0x4242);
  g_assert_cmpmem (seen.msg.chaddr, 6, bob, 6);
  g_assert_cmpstr (seen.msg.hostname, ==, "bob");
  g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_CONSUMED), ==, "consumed");

  /* The server's answer, later, to bob's port alone. */
  {
    g_autoptr (GBytes) reply = serval_dhcp_build_reply (&seen.msg, &offer);
    ServalFrame out = { g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), 1, NULL };

    serval_switch_port_send (f->sw, f->port[1], &out);
    serval_switch_port_send (f->sw, f->port[3], &(ServalFrame){ out.data, out.len, 9, NULL }); /* not in 9 */
    g_assert_cmpuint (f->received[1], ==, 1);
    g_assert_cmpuint (f->received[3], ==, 0);
    g_assert_cmpuint (f->last_len[1], ==, out.len);

    /* Carol plays DHCP server: dropped. */
    memcpy (frame, g_bytes_get_data (reply, NULL), out.len);
    mac_of (frame + 6, 12);
    g_assert_cmpint (input (f->sw, f->port[2], 1, frame, out.len, S), ==, SERVAL_SWITCH_DROP_ROGUE_DHCP);
    g_assert_cmpstr (serval_switch_verdict_to_string (SERVAL_SWITCH_DROP_ROGUE_DHCP), ==, "rogue_dhcp");
  }

  /* The switch answers ARP for the server, and nobody may use its address. */
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, fu_arp (frame, 1, bob, IP_BOB, config.server_ip), S), ==,
                   SERVAL_SWITCH_ANSWERED);
  g_assert_cmpmem (f->last[1] + 6, 6, config.server_mac, 6);
  g_assert_cmpint (send_ip (f, 2, 11, config.server_ip, IP_BOB, 17, 68), ==, SERVAL_SWITCH_DROP_SPOOFED_ADDRESS);
  g_assert_cmpuint (st->dropped[SERVAL_SWITCH_CONSUMED], ==, 1);

  /* Off again: flooded. */
  serval_switch_vlan_set_dhcp (f->sw, 1, NULL);
  len = fu_dhcp_client (frame, bob, SERVAL_DHCP_DISCOVER, 0x4243, TRUE, NULL, NULL, NULL, NULL, NULL);
  g_assert_cmpint (input (f->sw, f->port[1], 1, frame, len, S), ==, SERVAL_SWITCH_FORWARDED);
  g_assert_cmpuint (seen.calls, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/engine/switch/learning", test_learning);
  ADD ("/engine/switch/mac-moves", test_mac_moves);
  ADD ("/engine/switch/flooding-isolation", test_flooding_isolation);
  ADD ("/engine/switch/not-member", test_not_member);
  ADD ("/engine/switch/sizes", test_sizes);
  ADD ("/engine/switch/bad-source", test_bad_source);
  ADD ("/engine/switch/mac-limits", test_mac_limits);
  ADD ("/engine/switch/aging", test_aging);
  ADD ("/engine/switch/storm", test_storm);
  ADD ("/engine/switch/remove-port", test_remove_port);
  ADD ("/engine/switch/membership", test_membership);
  ADD ("/engine/switch/stats", test_stats);
  ADD ("/engine/switch/forget", test_forget);
  ADD ("/engine/switch/trunk/split-horizon", test_trunk_split_horizon);
  ADD ("/engine/switch/trunk/storm", test_trunk_storm);
  ADD ("/engine/switch/trunk/mac-limits", test_trunk_mac_limits);
  ADD ("/engine/switch/attack/unknown-unicast-storm", test_unknown_unicast_storm);
  ADD ("/engine/switch/attack/unknown-unicast-budget", test_unknown_unicast_budget);
  ADD ("/engine/switch/attack/mac-pinned", test_mac_pinned);
  ADD ("/engine/switch/attack/mac-pinned-moves", test_mac_pinned_moves);
  ADD ("/engine/switch/attack/owner-limit", test_owner_limit);
  ADD ("/engine/switch/attack/owner-reserve", test_owner_reserve);
  ADD ("/engine/switch/managed/acl-ssh", test_acl_ssh);
  ADD ("/engine/switch/managed/acl-flood", test_acl_flood);
  ADD ("/engine/switch/managed/spoofed-mac", test_spoofed_mac);
  ADD ("/engine/switch/managed/spoofed-address", test_spoofed_address);
  ADD ("/engine/switch/managed/arp-answered", test_arp_answered);
  ADD ("/engine/switch/managed/trunk-claims", test_trunk_claims);
  ADD ("/engine/switch/managed/trunk-pins", test_trunk_pins);
  ADD ("/engine/switch/managed/nd-answered", test_nd_answered);
  ADD ("/engine/switch/managed/dhcp", test_dhcp);
#define ADD_CLUSTER(path, fn) g_test_add (path, Cluster, NULL, cluster_setup, fn, cluster_teardown)
  ADD_CLUSTER ("/engine/switch/cluster/broadcast", test_cluster_broadcast);
  ADD_CLUSTER ("/engine/switch/cluster/unicast", test_cluster_unicast);
  ADD_CLUSTER ("/engine/switch/cluster/mac-move", test_cluster_mac_move);
  ADD_CLUSTER ("/engine/switch/cluster/pinned-failover", test_cluster_pinned_failover);
  return g_test_run ();
}
