/* Unit tests for engine/serval-acl.c: the frame classifier and the rules'
 * matching, on frames built by hand. (Through the switch: test-switch.) */
#include "config.h"

#include <string.h>

#include "frame-util.h"
#include "serval-acl.h"

static const guint8 MAC_A[6] = { 2, 0, 0, 0, 0, 1 };
static const guint8 MAC_B[6] = { 2, 0, 0, 0, 0, 2 };
static const guint8 IP_A[4] = { 10, 1, 0, 1 };
static const guint8 IP_B[4] = { 10, 1, 0, 2 };
static const guint8 IP6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const guint8 IP6_B[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* A list from rule texts, NULL-terminated. */
static ServalAcl *
acl_of (const char *first, ...)
{
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_rule_free);
  va_list ap;

  va_start (ap, first);
  for (const char *text = first; text != NULL; text = va_arg (ap, const char *))
    {
      g_autoptr (GError) error = NULL;
      ServalRule *rule = serval_rule_parse_string (text, &error);

      g_assert_no_error (error);
      g_ptr_array_add (rules, rule);
    }
  va_end (ap);
  return serval_acl_new (rules);
}

static ServalRuleAction
match_frame (ServalAcl *acl, const guint8 *frame, gsize len, const char *from, const char *to)
{
  ServalAclPacket p;

  serval_acl_classify (frame, len, &p);
  return serval_acl_match (acl, &p, from, to);
}

static void
test_classify (void)
{
  guint8 f[200];
  ServalAclPacket p;
  gsize len;

  len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 6, 22);
  serval_acl_classify (f, len, &p);
  g_assert_cmpuint (p.ethertype, ==, 0x0800);
  g_assert_cmpuint (p.family, ==, 4);
  g_assert_cmpuint (p.ip_proto, ==, 6);
  g_assert_true (p.has_port);
  g_assert_cmpuint (p.dport, ==, 22);
  g_assert_cmpmem (p.src, 4, IP_A, 4);
  g_assert_cmpmem (p.dst, 4, IP_B, 4);

  /* IHL 6: the port is 4 bytes further on. */
  len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 17, 53);
  memmove (f + 38, f + 34, len - 34);
  f[14] = 0x46;
  serval_acl_classify (f, len + 4, &p);
  g_assert_true (p.has_port);
  g_assert_cmpuint (p.dport, ==, 53);
  /* A later fragment has no ports; a first one has. */
  f[20] = 0x00;
  f[21] = 0x10;
  serval_acl_classify (f, len + 4, &p);
  g_assert_cmpuint (p.ip_proto, ==, 17);
  g_assert_false (p.has_port);
  f[20] = 0x20; /* more fragments, offset 0 */
  f[21] = 0x00;
  serval_acl_classify (f, len + 4, &p);
  g_assert_true (p.has_port);
  /* Truncated before the ports. */
  serval_acl_classify (f, 14 + 24 + 2, &p);
  g_assert_cmpuint (p.family, ==, 4);
  g_assert_false (p.has_port);

  /* IPv6, through a hop-by-hop header. */
  len = fu_ipv6 (f, MAC_B, MAC_A, IP6_A, IP6_B, 6, 443, TRUE);
  serval_acl_classify (f, len, &p);
  g_assert_cmpuint (p.family, ==, 6);
  g_assert_cmpuint (p.ip_proto, ==, 6);
  g_assert_true (p.has_port);
  g_assert_cmpuint (p.dport, ==, 443);
  g_assert_cmpmem (p.src, 16, IP6_A, 16);
  /* The extension header cut short: no protocol. */
  serval_acl_classify (f, 14 + 40 + 4, &p);
  g_assert_cmpuint (p.family, ==, 6);
  g_assert_cmpuint (p.ip_proto, ==, 0);

  /* Neither: the ethertype alone; a runt: nothing. */
  len = fu_arp (f, 1, MAC_A, IP_A, IP_B);
  serval_acl_classify (f, len, &p);
  g_assert_cmpuint (p.ethertype, ==, 0x0806);
  g_assert_cmpuint (p.family, ==, 0);
  serval_acl_classify (f, 10, &p);
  g_assert_cmpuint (p.ethertype, ==, 0);
}

/* The case: carol may not SSH to anyone, but may ping; the first
 * rule that matches decides, so an allow before it lets alice through. */
static void
test_order_and_users (void)
{
  g_autoptr (ServalAcl) acl = acl_of ("allow proto tcp from alice port 22", "deny proto tcp port 22",
                                      "deny from carol to bob", NULL);
  guint8 ssh[200], ping[200], web[200];
  gsize ssh_len = fu_ipv4 (ssh, MAC_B, MAC_A, IP_A, IP_B, 6, 22);
  gsize ping_len = fu_ipv4 (ping, MAC_B, MAC_A, IP_A, IP_B, 1, 0);
  gsize web_len = fu_ipv4 (web, MAC_B, MAC_A, IP_A, IP_B, 6, 80);

  g_assert_null (serval_acl_new (NULL));
  g_assert_cmpuint (serval_acl_n_rules (acl), ==, 3);
  g_assert_true (serval_acl_uses_to_user (acl));
  g_assert_cmpint (match_frame (acl, ssh, ssh_len, "alice", "bob"), ==, SERVAL_RULE_ALLOW);
  g_assert_cmpint (match_frame (acl, ssh, ssh_len, "carol", "alice"), ==, SERVAL_RULE_DENY);
  g_assert_cmpint (match_frame (acl, ssh, ssh_len, NULL, NULL), ==, SERVAL_RULE_DENY);
  g_assert_cmpint (match_frame (acl, ping, ping_len, "carol", "alice"), ==, SERVAL_RULE_ALLOW);
  g_assert_cmpint (match_frame (acl, web, web_len, "carol", "alice"), ==, SERVAL_RULE_ALLOW);
  /* "to bob": bob's port only, not an unknown receiver (a trunk). */
  g_assert_cmpint (match_frame (acl, web, web_len, "carol", "bob"), ==, SERVAL_RULE_DENY);
  g_assert_cmpint (match_frame (acl, web, web_len, "carol", NULL), ==, SERVAL_RULE_ALLOW);
  g_assert_cmpint (match_frame (acl, ping, ping_len, "carol", "bob"), ==, SERVAL_RULE_DENY);

  g_assert_cmpuint (serval_acl_get_hits (acl, 0), ==, 1);
  g_assert_cmpuint (serval_acl_get_hits (acl, 1), ==, 2);
  g_assert_cmpuint (serval_acl_get_hits (acl, 2), ==, 2);

  /* A flood's way: the sender's rules once, then each receiver. */
  {
    ServalAclPacket p;

    serval_acl_classify (web, web_len, &p);
    serval_acl_prepare (acl, &p, "carol");
    g_assert_cmpint (serval_acl_match_prepared (acl, "bob"), ==, SERVAL_RULE_DENY);
    g_assert_cmpint (serval_acl_match_prepared (acl, "alice"), ==, SERVAL_RULE_ALLOW);
    g_assert_cmpint (serval_acl_match_prepared (acl, NULL), ==, SERVAL_RULE_ALLOW);
    g_assert_cmpuint (serval_acl_get_hits (acl, 2), ==, 3);
    serval_acl_classify (ssh, ssh_len, &p);
    serval_acl_prepare (acl, &p, "carol");
    g_assert_cmpint (serval_acl_match_prepared (acl, "bob"), ==, SERVAL_RULE_DENY);
    g_assert_cmpuint (serval_acl_get_hits (acl, 1), ==, 3);
    g_assert_cmpuint (serval_acl_get_hits (acl, 2), ==, 3);
  }
  g_assert_cmpstr (serval_acl_get_rule (acl, 1)->from_user, ==, NULL);
  g_assert_cmpuint (serval_acl_get_rule (acl, 1)->port_low, ==, 22);
}

static void
test_ports_and_protocols (void)
{
  g_autoptr (ServalAcl) acl = acl_of ("deny proto udp port 5000-5010", "deny proto icmp6", "deny proto 0x88b5", NULL);
  g_autoptr (ServalAcl) icmp = acl_of ("deny proto icmp", NULL);
  guint8 f[200];
  gsize len;

  g_assert_false (serval_acl_uses_to_user (acl));
  for (guint port = 4999; port <= 5011; port++)
    {
      len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 17, port);
      g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==,
                       port >= 5000 && port <= 5010 ? SERVAL_RULE_DENY : SERVAL_RULE_ALLOW);
      /* TCP to the same ports is another protocol. */
      len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 6, port);
      g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);
    }
  /* A later fragment of UDP to 5005 does not match a rule with a port. */
  len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 17, 5005);
  f[21] = 0x20;
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);

  len = fu_ipv6 (f, MAC_B, MAC_A, IP6_A, IP6_B, 58, 0, FALSE);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_DENY);
  g_assert_cmpint (match_frame (icmp, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW); /* icmp is IPv4's */
  len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 1, 0);
  g_assert_cmpint (match_frame (icmp, f, len, NULL, NULL), ==, SERVAL_RULE_DENY);
  len = fu_ipv6 (f, MAC_B, MAC_A, IP6_A, IP6_B, 17, 5001, TRUE);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_DENY);

  len = fu_eth (f, MAC_B, MAC_A, 0x88b5) + 46;
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_DENY);
  len = fu_arp (f, 1, MAC_A, IP_A, IP_B);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);
}

static void
test_prefixes (void)
{
  g_autoptr (ServalAcl) acl = acl_of ("deny src 10.1.0.0/31 dst 10.1.0.2/32", "deny dst 2001:db8::/127", NULL);
  const guint8 ip_c[4] = { 10, 1, 0, 3 };
  const guint8 ip6_c[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 3 };
  guint8 f[200];
  gsize len;

  len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, IP_B, 6, 80);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_DENY);
  len = fu_ipv4 (f, MAC_B, MAC_A, ip_c, IP_B, 6, 80); /* .3 is outside /31 */
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);
  len = fu_ipv4 (f, MAC_B, MAC_A, IP_A, ip_c, 6, 80);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);
  len = fu_ipv6 (f, MAC_B, MAC_A, IP6_B, IP6_A, 6, 80, FALSE);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_DENY);
  len = fu_ipv6 (f, MAC_B, MAC_A, IP6_B, ip6_c, 6, 80, FALSE);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);
  /* An IPv4 prefix never matches IPv6, nor a frame without IP. */
  len = fu_arp (f, 1, MAC_A, IP_A, IP_B);
  g_assert_cmpint (match_frame (acl, f, len, NULL, NULL), ==, SERVAL_RULE_ALLOW);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/acl/classify", test_classify);
  g_test_add_func ("/acl/order-and-users", test_order_and_users);
  g_test_add_func ("/acl/ports-and-protocols", test_ports_and_protocols);
  g_test_add_func ("/acl/prefixes", test_prefixes);
  return g_test_run ();
}
