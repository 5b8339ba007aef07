/* bench-acl: what a VLAN's rules cost the switch per frame, run by hand:
 *
 *   build/tests/bench-acl [FRAMES]
 *
 * A TCP frame between two members who learned each other's MACs goes
 * through serval_switch_input() FRAMES times (default 5,000,000) in a VLAN
 * with 0, 10 and 100 rules that do not match it (the worst case: every
 * rule is tried), then as a broadcast to 3 members with rules that name a
 * receiving user (matched once per receiver). Prints ns per frame. */
#include "config.h"

#include <stdlib.h>

#include "frame-util.h"
#include "serval-switch.h"

static ServalAcl *
make_acl (guint n, gboolean to_user)
{
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_rule_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = NULL;

      if (to_user)
        text = g_strdup_printf ("deny proto tcp from alice to user%u", i);
      else if (i % 2)
        text = g_strdup_printf ("deny proto tcp port %u", 1000 + i);
      else
        text = g_strdup_printf ("deny proto tcp from user%u port 80", i);
      g_ptr_array_add (rules, serval_rule_parse_string (text, NULL));
    }
  return serval_acl_new (rules);
}

static double
run (guint n_rules, gboolean broadcast, guint frames)
{
  static const guint8 a[6] = { 2, 0, 0, 0, 0, 1 }, b[6] = { 2, 0, 0, 0, 0, 2 };
  static const guint8 ip_a[4] = { 10, 0, 0, 1 }, ip_b[4] = { 10, 0, 0, 2 };
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  static const char *const owners[] = { "alice", "bob", "carol", "dave" };
  ServalSwitchLimits limits;
  g_autoptr (ServalSwitch) sw = NULL;
  ServalSwitchPort *ports[4];
  guint8 frame[128];
  gsize len;
  ServalFrame f;
  gint64 start;

  serval_switch_limits_init (&limits);
  limits.storm_pps = G_MAXUINT / 2; /* the bench measures rules, not storm control */
  limits.storm_burst = G_MAXUINT / 2;
  sw = serval_switch_new (&limits);
  for (guint i = 0; i < 4; i++)
    {
      ports[i] = serval_switch_add_port (sw, NULL, NULL);
      serval_switch_port_set_owner (sw, ports[i], owners[i]);
      serval_switch_port_join (sw, ports[i], 1);
    }
  len = fu_ipv4 (frame, a, b, ip_b, ip_a, 6, 80);
  f = (ServalFrame){ frame, len, 1, NULL };
  serval_switch_input (sw, ports[1], &f, 0); /* b is on port 1 */
  len = fu_ipv4 (frame, broadcast ? bcast : b, a, ip_a, ip_b, 6, 80);
  f = (ServalFrame){ frame, len, 1, NULL };
  serval_switch_vlan_set_acl (sw, 1, make_acl (n_rules, broadcast));

  start = g_get_monotonic_time ();
  for (guint i = 0; i < frames; i++)
    if (serval_switch_input (sw, ports[0], &f, 0) != SERVAL_SWITCH_FORWARDED)
      g_error ("bench-acl: frame %u not forwarded: the rules should not match it", i);
  return (g_get_monotonic_time () - start) * 1000.0 / frames;
}

int
main (int argc, char **argv)
{
  guint frames = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 5000000;
  static const guint counts[] = { 0, 10, 100 };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    g_print ("unicast, %3u rules: %6.1f ns/frame\n", counts[i], run (counts[i], FALSE, frames));
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    g_print ("broadcast to 3, %3u rules naming the receiver: %6.1f ns/frame\n", counts[i],
             run (counts[i], TRUE, frames / 4));
  return 0;
}
