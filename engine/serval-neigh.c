/* serval-neigh.c: ARP and IPv6 neighbor discovery, read and built. */
#include "config.h"

#include "serval-neigh.h"
#include "serval-gso.h"

#include <string.h>

static const guint8 ALL_NODES[16] = { 0xff, 0x02, [15] = 1 };
static const guint8 ALL_NODES_MAC[6] = { 0x33, 0x33, 0, 0, 0, 1 };

guint16
serval_neigh_icmp6_checksum (const guint8 src[16], const guint8 dst[16], const guint8 *icmp, gsize len)
{
  guint32 sum = 0;

  sum = serval_csum_add (sum, src, 16);
  sum = serval_csum_add (sum, dst, 16);
  sum += (guint32) (len >> 16) + (guint32) (len & 0xffff) + 58;
  sum = serval_csum_add (sum, icmp, len);
  return (guint16) ~serval_csum_fold (sum);
}

gboolean
serval_neigh_parse_arp (const guint8 *f, gsize len, ServalArp *arp)
{
  const guint8 *a = f + 14;

  if (len < 42 || f[12] != 0x08 || f[13] != 0x06)
    return FALSE;
  /* Ethernet (1), IPv4 (0x0800), 6- and 4-byte addresses. */
  if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 || a[4] != 6 || a[5] != 4)
    return FALSE;
  arp->op = (guint16) (a[6] << 8 | a[7]);
  if (arp->op != 1 && arp->op != 2)
    return FALSE;
  memcpy (arp->eth_src, f + 6, 6);
  memcpy (arp->sha, a + 8, 6);
  memcpy (arp->spa, a + 14, 4);
  memcpy (arp->tha, a + 18, 6);
  memcpy (arp->tpa, a + 24, 4);
  return TRUE;
}

/* The NS's source or NA's target link-layer address option, if any;
 * FALSE if an option is malformed. */
static gboolean
parse_nd_options (const guint8 *opt, gsize left, guint8 want, ServalNd *nd)
{
  while (left > 0)
    {
      gsize olen;

      if (left < 8 || opt[1] == 0 || (olen = (gsize) opt[1] * 8) > left)
        return FALSE;
      if (opt[0] == want && olen == 8)
        {
          nd->has_lladdr = TRUE;
          memcpy (nd->lladdr, opt + 2, 6);
        }
      opt += olen;
      left -= olen;
    }
  return TRUE;
}

gboolean
serval_neigh_parse_nd (const guint8 *f, gsize len, ServalNd *nd)
{
  const guint8 *ip = f + 14, *icmp = f + 54;
  gsize plen;

  if (len < 14 + 40 + 24 || f[12] != 0x86 || f[13] != 0xdd || (ip[0] >> 4) != 6)
    return FALSE;
  plen = (gsize) (ip[4] << 8 | ip[5]);
  /* ICMPv6 right after the header, hop limit 255: from the link itself. */
  if (ip[6] != 58 || ip[7] != 255 || plen < 24 || 54 + plen > len)
    return FALSE;
  if ((icmp[0] != 135 && icmp[0] != 136) || icmp[1] != 0)
    return FALSE;
  if (serval_neigh_icmp6_checksum (ip + 8, ip + 24, icmp, plen) != 0)
    return FALSE;
  memset (nd, 0, sizeof *nd);
  nd->type = icmp[0];
  nd->flags = icmp[0] == 136 ? icmp[4] & 0xe0 : 0;
  memcpy (nd->eth_src, f + 6, 6);
  memcpy (nd->src, ip + 8, 16);
  memcpy (nd->dst, ip + 24, 16);
  memcpy (nd->target, icmp + 8, 16);
  /* The target is never multicast. */
  if (nd->target[0] == 0xff)
    return FALSE;
  return parse_nd_options (icmp + 24, plen - 24, icmp[0] == 135 ? 1 : 2, nd);
}

static void
put_eth (guint8 *out, const guint8 dst[6], const guint8 src[6], guint16 type)
{
  memcpy (out, dst, 6);
  memcpy (out + 6, src, 6);
  out[12] = type >> 8;
  out[13] = type & 0xff;
}

gsize
serval_neigh_build_arp_reply (guint8 out[SERVAL_NEIGH_ARP_LEN], const ServalArp *request, const guint8 mac[6])
{
  static const guint8 head[8] = { 0, 1, 0x08, 0, 6, 4, 0, 2 };

  put_eth (out, request->eth_src, mac, 0x0806);
  memcpy (out + 14, head, 8);
  memcpy (out + 22, mac, 6);
  memcpy (out + 28, request->tpa, 4);
  memcpy (out + 32, request->sha, 6);
  memcpy (out + 38, request->spa, 4);
  return SERVAL_NEIGH_ARP_LEN;
}

/* The IPv6 header of an ICMPv6 message of @plen bytes, hop limit 255, and
 * the message's checksum, once its bytes are in place after it. */
static void
put_ipv6 (guint8 *ip, const guint8 src[16], const guint8 dst[16], gsize plen)
{
  memset (ip, 0, 8);
  ip[0] = 0x60;
  ip[4] = plen >> 8;
  ip[5] = plen & 0xff;
  ip[6] = 58;
  ip[7] = 255;
  memcpy (ip + 8, src, 16);
  memcpy (ip + 24, dst, 16);
}

static void
put_icmp6_checksum (guint8 *ip, gsize plen)
{
  guint16 sum;

  ip[40 + 2] = ip[40 + 3] = 0;
  sum = serval_neigh_icmp6_checksum (ip + 8, ip + 24, ip + 40, plen);
  ip[40 + 2] = sum >> 8;
  ip[40 + 3] = sum & 0xff;
}

gsize
serval_neigh_build_na (guint8 out[SERVAL_NEIGH_NA_LEN], const ServalNd *ns, const guint8 mac[6])
{
  static const guint8 unspecified[16] = { 0 };
  gboolean dad = memcmp (ns->src, unspecified, 16) == 0;
  guint8 *ip = out + 14, *icmp = out + 54;

  put_eth (out, dad ? ALL_NODES_MAC : ns->eth_src, mac, 0x86dd);
  put_ipv6 (ip, ns->target, dad ? ALL_NODES : ns->src, 32);
  memset (icmp, 0, 32);
  icmp[0] = 136;
  icmp[4] = dad ? 0x20 : 0x60; /* S (solicited, not for DAD) and O */
  memcpy (icmp + 8, ns->target, 16);
  icmp[24] = 2; /* target link-layer address, 8 bytes */
  icmp[25] = 1;
  memcpy (icmp + 26, mac, 6);
  put_icmp6_checksum (ip, 32);
  return SERVAL_NEIGH_NA_LEN;
}

gsize
serval_neigh_build_router_advert (guint8 out[SERVAL_NEIGH_RA_LEN],
                                  const guint8 src_mac[6],
                                  const guint8 src_ip[16],
                                  const guint8 prefix[16],
                                  guint prefix_len,
                                  guint32 valid_lifetime,
                                  guint32 preferred_lifetime)
{
  guint8 *ip = out + 14, *ra = out + 54, *pio = ra + 16, *sll = pio + 32;
  guint bytes = MIN (prefix_len, 128) / 8, bits = MIN (prefix_len, 128) % 8;

  put_eth (out, ALL_NODES_MAC, src_mac, 0x86dd);
  put_ipv6 (ip, src_ip, ALL_NODES, 56);
  memset (ra, 0, 56);
  ra[0] = 134;
  ra[4] = 64; /* current hop limit; router lifetime (6, 7) stays 0 */
  pio[0] = 3;
  pio[1] = 4;
  pio[2] = (guint8) MIN (prefix_len, 128);
  pio[3] = 0xc0; /* on-link, autonomous */
  for (guint i = 0; i < 4; i++)
    {
      pio[4 + i] = valid_lifetime >> (24 - 8 * i);
      pio[8 + i] = preferred_lifetime >> (24 - 8 * i);
    }
  /* The prefix without its host bits, as RFC 4861 asks. */
  memcpy (pio + 16, prefix, bytes);
  if (bits != 0)
    pio[16 + bytes] = prefix[bytes] & (0xff00 >> bits);
  sll[0] = 1;
  sll[1] = 1;
  memcpy (sll + 2, src_mac, 6);
  put_icmp6_checksum (ip, 56);
  return SERVAL_NEIGH_RA_LEN;
}

void
serval_neigh_link_local (const guint8 mac[6], guint8 out[16])
{
  memset (out, 0, 16);
  out[0] = 0xfe;
  out[1] = 0x80;
  out[8] = mac[0] ^ 0x02;
  out[9] = mac[1];
  out[10] = mac[2];
  out[11] = 0xff;
  out[12] = 0xfe;
  out[13] = mac[3];
  out[14] = mac[4];
  out[15] = mac[5];
}
