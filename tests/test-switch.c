/* Unit tests for engine/serval-switch.c: real frames through a switch with
 * recording ports. */
#include "config.h"

#include <string.h>

#include "serval-switch.h"

#define S (G_USEC_PER_SEC)

typedef struct
{
  ServalSwitch *sw;
  ServalSwitchPort *port[4];
  guint received[4];
  guint32 last_vlan[4];
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
        g_assert_cmpuint (frame->len, >=, 14);
      }
}

static void
reset_counts (Fixture *f)
{
  memset (f->received, 0, sizeof f->received);
}

/* Ports 0, 1, 2 in VLAN 1; port 3 in VLAN 2. */
static void
setup_limits (Fixture *f, const ServalSwitchLimits *limits)
{
  f->sw = serval_switch_new (limits);
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
  setup_limits (f, NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  serval_switch_free (f->sw);
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
  ServalSwitchLimits limits;
  guint8 big[1600];

  teardown (f, NULL);
  serval_switch_limits_init (&limits);
  limits.max_frame = 1518;
  setup_limits (f, &limits);

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
  ServalSwitchLimits limits;

  teardown (f, NULL);
  serval_switch_limits_init (&limits);
  limits.max_macs_per_port = 4;
  limits.max_macs_per_vlan = 6;
  setup_limits (f, &limits);

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
  ServalSwitchLimits limits;
  guint ok = 0, storm = 0;

  teardown (f, NULL);
  serval_switch_limits_init (&limits);
  limits.storm_pps = 100;
  limits.storm_burst = 50;
  setup_limits (f, &limits);

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
  return g_test_run ();
}
