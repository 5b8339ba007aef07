/* frame-util.h: Ethernet frames built by hand for the switch's tests
 * (test-switch, test-acl, test-neigh, test-dhcp, bench-acl): IPv4 and IPv6
 * with TCP, UDP or ICMP, ARP, neighbor solicitations, DHCP clients'
 * messages. Each returns the frame's length. */
#pragma once

#include <glib.h>
#include <string.h>

#include "serval-neigh.h"

static inline gsize
fu_eth (guint8 *f, const guint8 dst[6], const guint8 src[6], guint16 type)
{
  memcpy (f, dst, 6);
  memcpy (f + 6, src, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  return 14;
}

/* IPv4 with @proto and @l4_len bytes of L4 header (zeros but the ports for
 * TCP and UDP: source 40000, destination @dport). */
static inline gsize
fu_ipv4 (guint8 *f, const guint8 dst_mac[6], const guint8 src_mac[6], const guint8 src[4], const guint8 dst[4],
         guint8 proto, guint16 dport)
{
  gsize l4_len = proto == 6 ? 20 : 8, n = fu_eth (f, dst_mac, src_mac, 0x0800);
  guint8 *ip = f + n, *l4 = ip + 20;

  memset (ip, 0, 20 + l4_len);
  ip[0] = 0x45;
  ip[2] = (20 + l4_len) >> 8;
  ip[3] = (20 + l4_len) & 0xff;
  ip[8] = 64;
  ip[9] = proto;
  memcpy (ip + 12, src, 4);
  memcpy (ip + 16, dst, 4);
  if (proto == 6 || proto == 17)
    {
      l4[0] = 40000 >> 8;
      l4[1] = 40000 & 0xff;
      l4[2] = dport >> 8;
      l4[3] = dport & 0xff;
    }
  else
    l4[0] = 8; /* ICMP echo request */
  return n + 20 + l4_len;
}

/* IPv6 with one hop-by-hop options header before @proto when @hbh. */
static inline gsize
fu_ipv6 (guint8 *f, const guint8 dst_mac[6], const guint8 src_mac[6], const guint8 src[16], const guint8 dst[16],
         guint8 proto, guint16 dport, gboolean hbh)
{
  gsize l4_len = proto == 6 ? 20 : 8, ext = hbh ? 8 : 0, n = fu_eth (f, dst_mac, src_mac, 0x86dd);
  guint8 *ip = f + n, *l4 = ip + 40 + ext;

  memset (ip, 0, 40 + ext + l4_len);
  ip[0] = 0x60;
  ip[4] = (ext + l4_len) >> 8;
  ip[5] = (ext + l4_len) & 0xff;
  ip[6] = hbh ? 0 : proto;
  ip[7] = 64;
  memcpy (ip + 8, src, 16);
  memcpy (ip + 24, dst, 16);
  if (hbh)
    {
      ip[40] = proto;
      ip[42] = 1; /* PadN */
      ip[43] = 4;
    }
  if (proto == 6 || proto == 17)
    {
      l4[2] = dport >> 8;
      l4[3] = dport & 0xff;
    }
  else
    l4[0] = 128; /* echo request */
  return n + 40 + ext + l4_len;
}

static inline gsize
fu_arp (guint8 *f, guint16 op, const guint8 sha[6], const guint8 spa[4], const guint8 tpa[4])
{
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  static const guint8 head[6] = { 0, 1, 0x08, 0, 6, 4 };
  gsize n = fu_eth (f, bcast, sha, 0x0806);

  memcpy (f + n, head, 6);
  f[n + 6] = 0;
  f[n + 7] = op;
  memcpy (f + n + 8, sha, 6);
  memcpy (f + n + 14, spa, 4);
  memset (f + n + 18, 0, 6);
  memcpy (f + n + 24, tpa, 4);
  return n + 28;
}

/* A neighbor solicitation for @target from @src (:: for DAD, then without
 * the source link-layer address option), to its solicited-node group. */
static inline gsize
fu_ns (guint8 *f, const guint8 mac[6], const guint8 src[16], const guint8 target[16])
{
  static const guint8 zero[16] = { 0 };
  gboolean dad = memcmp (src, zero, 16) == 0;
  guint8 dst[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [13] = target[13], [14] = target[14], [15] = target[15] };
  guint8 dst_mac[6] = { 0x33, 0x33, 0xff, target[13], target[14], target[15] };
  gsize plen = dad ? 24 : 32, n = fu_eth (f, dst_mac, mac, 0x86dd);
  guint8 *ip = f + n, *icmp = ip + 40;
  guint16 sum;

  memset (ip, 0, 40 + plen);
  ip[0] = 0x60;
  ip[5] = plen;
  ip[6] = 58;
  ip[7] = 255;
  memcpy (ip + 8, src, 16);
  memcpy (ip + 24, dst, 16);
  icmp[0] = 135;
  memcpy (icmp + 8, target, 16);
  if (!dad)
    {
      icmp[24] = 1;
      icmp[25] = 1;
      memcpy (icmp + 26, mac, 6);
    }
  sum = serval_neigh_icmp6_checksum (src, dst, icmp, plen);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return n + 40 + plen;
}

/* A DHCP client's message of @type (a single-byte option 53), broadcast from
 * 0.0.0.0 unless @ciaddr is set (then from it, to @to). Options 50 and 54
 * when their address is not NULL, 12 when @hostname is not. */
static inline gsize
fu_dhcp_client (guint8 *f, const guint8 mac[6], guint8 type, guint32 xid, gboolean broadcast, const guint8 *ciaddr,
                const guint8 *to, const guint8 *requested, const guint8 *server_id, const char *hostname)
{
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  static const guint8 any[4] = { 0 }, all[4] = { 255, 255, 255, 255 };
  gsize n = fu_eth (f, bcast, mac, 0x0800), ulen;
  guint8 *ip = f + n, *udp = ip + 20, *b = udp + 8, *o = b + 240;

  memset (ip, 0, 20 + 8 + 300);
  ip[0] = 0x45;
  ip[8] = 64;
  ip[9] = 17;
  memcpy (ip + 12, ciaddr != NULL ? ciaddr : any, 4);
  memcpy (ip + 16, to != NULL ? to : all, 4);
  udp[1] = 68;
  udp[3] = 67;
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b[4] = xid >> 24;
  b[5] = xid >> 16;
  b[6] = xid >> 8;
  b[7] = xid;
  b[10] = broadcast ? 0x80 : 0;
  if (ciaddr != NULL)
    memcpy (b + 12, ciaddr, 4);
  memcpy (b + 28, mac, 6);
  b[236] = 0x63;
  b[237] = 0x82;
  b[238] = 0x53;
  b[239] = 0x63;
  *o++ = 53;
  *o++ = 1;
  *o++ = type;
  if (requested != NULL)
    {
      *o++ = 50;
      *o++ = 4;
      memcpy (o, requested, 4);
      o += 4;
    }
  if (server_id != NULL)
    {
      *o++ = 54;
      *o++ = 4;
      memcpy (o, server_id, 4);
      o += 4;
    }
  if (hostname != NULL)
    {
      *o++ = 12;
      *o++ = strlen (hostname);
      memcpy (o, hostname, strlen (hostname));
      o += strlen (hostname);
    }
  *o++ = 255;
  ulen = MAX ((gsize) (o - udp), 8 + 300);
  udp[4] = ulen >> 8;
  udp[5] = ulen & 0xff;
  ip[2] = (20 + ulen) >> 8;
  ip[3] = (20 + ulen) & 0xff;
  return n + 20 + ulen;
}
