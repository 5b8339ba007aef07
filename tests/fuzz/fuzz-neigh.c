/* libFuzzer target: the ARP and neighbor discovery parsers
 * (engine/serval-neigh.c). The input is one Ethernet frame. What parses is
 * answered as the switch would, and the answer must parse back; the
 * input's first bytes also make a router advertisement, whose checksum
 * must hold. */
#include "config.h"

#include <string.h>

#include "serval-neigh.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const guint8 mac[6] = { 2, 0, 0, 0, 0, 9 };
  guint8 buf[48] = { 0 }, ll[16];
  guint8 arp_reply[SERVAL_NEIGH_ARP_LEN], na[SERVAL_NEIGH_NA_LEN], ra[SERVAL_NEIGH_RA_LEN];
  ServalArp arp, arp_back;
  ServalNd nd, nd_back;

  if (serval_neigh_parse_arp (data, size, &arp))
    {
      g_assert_true (arp.op == 1 || arp.op == 2);
      serval_neigh_build_arp_reply (arp_reply, &arp, mac);
      g_assert_true (serval_neigh_parse_arp (arp_reply, sizeof arp_reply, &arp_back));
      g_assert_cmpuint (arp_back.op, ==, 2);
      g_assert_cmpmem (arp_back.spa, 4, arp.tpa, 4);
    }
  if (serval_neigh_parse_nd (data, size, &nd))
    {
      g_assert_true (nd.type == 135 || nd.type == 136);
      serval_neigh_build_na (na, &nd, mac);
      g_assert_true (serval_neigh_parse_nd (na, sizeof na, &nd_back));
      g_assert_cmpmem (nd_back.target, 16, nd.target, 16);
      g_assert_true (nd_back.has_lladdr);
    }

  memcpy (buf, data, MIN (size, sizeof buf));
  serval_neigh_link_local (buf, ll);
  serval_neigh_build_router_advert (ra, buf, ll, buf + 6, buf[22], (guint32) buf[23] << 8, buf[24]);
  g_assert_cmpuint (serval_neigh_icmp6_checksum (ra + 22, ra + 38, ra + 54, SERVAL_NEIGH_RA_LEN - 54), ==, 0);
  return 0;
}
