/* Unit tests for engine/serval-neigh.c: ARP and neighbor discovery read
 * back from the frames the builders write, and bytes checked by hand. */
#include "config.h"

#include <string.h>

#include "frame-util.h"
#include "serval-neigh.h"

static const guint8 MAC_A[6] = { 2, 0, 0, 0, 0, 1 };
static const guint8 MAC_T[6] = { 2, 0, 0, 0, 0, 9 };
static const guint8 IP_A[4] = { 10, 1, 0, 1 };
static const guint8 IP_T[4] = { 10, 1, 0, 9 };
static const guint8 IP6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const guint8 IP6_T[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

static void
test_arp (void)
{
  guint8 f[64], reply[SERVAL_NEIGH_ARP_LEN];
  ServalArp req, rep;
  gsize len = fu_arp (f, 1, MAC_A, IP_A, IP_T);

  g_assert_true (serval_neigh_parse_arp (f, len, &req));
  g_assert_cmpuint (req.op, ==, 1);
  g_assert_cmpmem (req.sha, 6, MAC_A, 6);
  g_assert_cmpmem (req.spa, 4, IP_A, 4);
  g_assert_cmpmem (req.tpa, 4, IP_T, 4);
  g_assert_false (serval_neigh_parse_arp (f, len - 1, &req));
  f[14 + 5] = 16; /* not IPv4 */
  g_assert_false (serval_neigh_parse_arp (f, len, &rep));
  f[14 + 5] = 4;
  f[14 + 7] = 3; /* RARP */
  g_assert_false (serval_neigh_parse_arp (f, len, &rep));

  g_assert_cmpuint (serval_neigh_build_arp_reply (reply, &req, MAC_T), ==, 42);
  g_assert_true (serval_neigh_parse_arp (reply, sizeof reply, &rep));
  g_assert_cmpuint (rep.op, ==, 2);
  g_assert_cmpmem (reply, 6, MAC_A, 6); /* to the asker */
  g_assert_cmpmem (rep.eth_src, 6, MAC_T, 6);
  g_assert_cmpmem (rep.sha, 6, MAC_T, 6);
  g_assert_cmpmem (rep.spa, 4, IP_T, 4);
  g_assert_cmpmem (rep.tha, 6, MAC_A, 6);
  g_assert_cmpmem (rep.tpa, 4, IP_A, 4);
}

static void
test_ns_na (void)
{
  static const guint8 zero[16] = { 0 };
  static const guint8 all_nodes[16] = { 0xff, 0x02, [15] = 1 };
  guint8 f[128], na[SERVAL_NEIGH_NA_LEN];
  ServalNd ns, adv;
  gsize len = fu_ns (f, MAC_A, IP6_A, IP6_T);

  g_assert_true (serval_neigh_parse_nd (f, len, &ns));
  g_assert_cmpuint (ns.type, ==, 135);
  g_assert_cmpmem (ns.target, 16, IP6_T, 16);
  g_assert_true (ns.has_lladdr);
  g_assert_cmpmem (ns.lladdr, 6, MAC_A, 6);

  g_assert_cmpuint (serval_neigh_build_na (na, &ns, MAC_T), ==, SERVAL_NEIGH_NA_LEN);
  g_assert_true (serval_neigh_parse_nd (na, sizeof na, &adv));
  g_assert_cmpuint (adv.type, ==, 136);
  g_assert_cmpuint (adv.flags, ==, 0x60); /* solicited, override */
  g_assert_cmpmem (na, 6, MAC_A, 6);
  g_assert_cmpmem (adv.eth_src, 6, MAC_T, 6);
  g_assert_cmpmem (adv.src, 16, IP6_T, 16);
  g_assert_cmpmem (adv.dst, 16, IP6_A, 16);
  g_assert_cmpmem (adv.target, 16, IP6_T, 16);
  g_assert_true (adv.has_lladdr);
  g_assert_cmpmem (adv.lladdr, 6, MAC_T, 6);

  /* Duplicate address detection: answered to all-nodes, not solicited. */
  len = fu_ns (f, MAC_A, zero, IP6_T);
  g_assert_true (serval_neigh_parse_nd (f, len, &ns));
  g_assert_false (ns.has_lladdr);
  serval_neigh_build_na (na, &ns, MAC_T);
  g_assert_true (serval_neigh_parse_nd (na, sizeof na, &adv));
  g_assert_cmpuint (adv.flags, ==, 0x20);
  g_assert_cmpmem (adv.dst, 16, all_nodes, 16);
  g_assert_cmpuint (na[0], ==, 0x33);

  /* What RFC 4861 rejects: a wrong checksum, hop limit, option length. */
  len = fu_ns (f, MAC_A, IP6_A, IP6_T);
  f[14 + 40 + 3] ^= 1;
  g_assert_false (serval_neigh_parse_nd (f, len, &ns));
  len = fu_ns (f, MAC_A, IP6_A, IP6_T);
  f[14 + 7] = 64;
  g_assert_false (serval_neigh_parse_nd (f, len, &ns));
  len = fu_ns (f, MAC_A, IP6_A, IP6_T);
  g_assert_false (serval_neigh_parse_nd (f, len - 1, &ns));
  f[14 + 40 + 25] = 0; /* option of length 0, checksum fixed up */
  f[14 + 40 + 2] = f[14 + 40 + 3] = 0;
  {
    guint16 sum = serval_neigh_icmp6_checksum (IP6_A, f + 14 + 24, f + 54, 32);

    f[14 + 40 + 2] = sum >> 8;
    f[14 + 40 + 3] = sum & 0xff;
  }
  g_assert_false (serval_neigh_parse_nd (f, len, &ns));
}

/* The router advertisement, byte by byte where it matters. */
static void
test_router_advert (void)
{
  static const guint8 prefix[16] = { 0xfd, 0x00, 0x12, 0x34, 0, 0, 0, 0x01, 0xaa, 0xbb };
  static const guint8 expected_ll[16] = { 0xfe, 0x80, [8] = 0x00, 0x53, 0x56, 0xff, 0xfe, 0x00, 0x00, 0x07 };
  const guint8 mac[6] = { 0x02, 0x53, 0x56, 0x00, 0x00, 0x07 };
  guint8 ll[16], ra[SERVAL_NEIGH_RA_LEN];
  const guint8 *ip = ra + 14, *icmp = ra + 54, *pio = icmp + 16, *sll = pio + 32;

  serval_neigh_link_local (mac, ll);
  g_assert_cmpmem (ll, 16, expected_ll, 16);
  g_assert_cmpuint (serval_neigh_build_router_advert (ra, mac, ll, prefix, 64, 86400, 14400), ==, 110);

  g_assert_cmpuint (ra[0], ==, 0x33);
  g_assert_cmpuint (ra[5], ==, 0x01);
  g_assert_cmpmem (ra + 6, 6, mac, 6);
  g_assert_cmpuint (ip[0], ==, 0x60);
  g_assert_cmpuint (ip[5], ==, 56);
  g_assert_cmpuint (ip[6], ==, 58);
  g_assert_cmpuint (ip[7], ==, 255);
  g_assert_cmpmem (ip + 8, 16, ll, 16);
  g_assert_cmpuint (ip[24], ==, 0xff);
  g_assert_cmpuint (ip[39], ==, 0x01);
  g_assert_cmpuint (serval_neigh_icmp6_checksum (ip + 8, ip + 24, icmp, 56), ==, 0);
  g_assert_cmpuint (icmp[0], ==, 134);
  g_assert_cmpuint (icmp[6] | icmp[7], ==, 0); /* router lifetime 0: no default router */

  {
    const guint8 expected_pio[32] = { 3, 4, 64, 0xc0, 0, 0x01, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0,
                                      0xfd, 0x00, 0x12, 0x34, 0, 0, 0, 0x01 }; /* host bits cleared */

    g_assert_cmpmem (pio, 32, expected_pio, 32);
  }
  g_assert_cmpuint (sll[0], ==, 1);
  g_assert_cmpuint (sll[1], ==, 1);
  g_assert_cmpmem (sll + 2, 6, mac, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/neigh/arp", test_arp);
  g_test_add_func ("/neigh/ns-na", test_ns_na);
  g_test_add_func ("/neigh/router-advert", test_router_advert);
  return g_test_run ();
}
