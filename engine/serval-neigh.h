/* serval-neigh.h: ARP and IPv6 neighbor discovery, read and built, for the
 * switch that answers them (serval-switch.h) and the server that announces
 * a VLAN's IPv6 prefix.
 *
 * The parsers read untrusted frames (fuzzed in tests/fuzz/fuzz-neigh.c):
 * they never read past the length they are given and accept only what
 * RFC 826 and RFC 4861 allow (an NS or NA with a hop limit of 255, a valid
 * ICMPv6 checksum, options of non-zero length). The builders write whole
 * Ethernet frames, checksums included, into the caller's buffer. Pure code:
 * no I/O, no clock.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sizes of the frames the builders write (without Ethernet padding). */
#define SERVAL_NEIGH_ARP_LEN 42
#define SERVAL_NEIGH_NA_LEN  86
#define SERVAL_NEIGH_RA_LEN  110

/**
 * ServalArp:
 * @op: 1 request, 2 reply
 * @eth_src: the frame's source MAC
 * @sha: sender hardware address
 * @spa: sender protocol (IPv4) address; 0.0.0.0 in a probe
 * @tha: target hardware address
 * @tpa: target protocol address
 *
 * An Ethernet/IPv4 ARP packet, read by serval_neigh_parse_arp().
 */
typedef struct
{
  guint16 op;
  guint8 eth_src[6];
  guint8 sha[6];
  guint8 spa[4];
  guint8 tha[6];
  guint8 tpa[4];
} ServalArp;

/**
 * ServalNd:
 * @type: 135 neighbor solicitation, 136 neighbor advertisement
 * @flags: an NA's R (0x80), S (0x40) and O (0x20) flags; 0 for an NS
 * @eth_src: the frame's source MAC
 * @src: the IPv6 source address; :: for duplicate address detection
 * @dst: the IPv6 destination address
 * @target: the address asked about or announced
 * @has_lladdr: whether the frame has a source (NS) or target (NA)
 *   link-layer address option
 * @lladdr: that option's MAC
 *
 * An NS or NA, read by serval_neigh_parse_nd().
 */
typedef struct
{
  guint8 type;
  guint8 flags;
  guint8 eth_src[6];
  guint8 src[16];
  guint8 dst[16];
  guint8 target[16];
  gboolean has_lladdr;
  guint8 lladdr[6];
} ServalNd;

/**
 * serval_neigh_parse_arp:
 * @frame: (array length=len): an Ethernet frame
 * @len: its length
 * @arp: (out caller-allocates): the packet, set on success
 *
 * Returns: whether @frame is an Ethernet/IPv4 ARP request or reply
 */
gboolean serval_neigh_parse_arp (const guint8 *frame, gsize len, ServalArp *arp);
/**
 * serval_neigh_parse_nd:
 * @frame: (array length=len): an Ethernet frame
 * @len: its length
 * @nd: (out caller-allocates): the message, set on success
 *
 * Returns: whether @frame is a valid IPv6 neighbor solicitation or
 *   advertisement (ICMPv6 right after the IPv6 header)
 */
gboolean serval_neigh_parse_nd (const guint8 *frame, gsize len, ServalNd *nd);

/**
 * serval_neigh_build_arp_reply:
 * @out: (out caller-allocates) (array fixed-size=42): the frame
 * @request: the request to answer
 * @mac: (array fixed-size=6): the MAC of @request's target address
 *
 * Writes "@request->tpa is at @mac", from @mac to the asker.
 *
 * Returns: the frame's length, %SERVAL_NEIGH_ARP_LEN
 */
gsize serval_neigh_build_arp_reply (guint8 out[SERVAL_NEIGH_ARP_LEN], const ServalArp *request, const guint8 mac[6]);
/**
 * serval_neigh_build_na:
 * @out: (out caller-allocates) (array fixed-size=86): the frame
 * @ns: the solicitation to answer
 * @mac: (array fixed-size=6): the MAC of @ns's target address
 *
 * Writes a solicited neighbor advertisement (flags S and O, the target
 * link-layer address option) from @ns->target and @mac to the asker. A
 * solicitation from :: (duplicate address detection) is answered to
 * all-nodes, without S, as RFC 4862 says.
 *
 * Returns: the frame's length, %SERVAL_NEIGH_NA_LEN
 */
gsize serval_neigh_build_na (guint8 out[SERVAL_NEIGH_NA_LEN], const ServalNd *ns, const guint8 mac[6]);
/**
 * serval_neigh_build_router_advert:
 * @out: (out caller-allocates) (array fixed-size=110): the frame
 * @src_mac: (array fixed-size=6): the sender's MAC
 * @src_ip: (array fixed-size=16): the sender's link-local address (see
 *   serval_neigh_link_local())
 * @prefix: (array fixed-size=16): the VLAN's prefix
 * @prefix_len: its length, 0..128 (SLAAC needs 64)
 * @valid_lifetime: seconds, 0xffffffff for ever
 * @preferred_lifetime: seconds, at most @valid_lifetime
 *
 * Writes a router advertisement to all-nodes (ff02::1) with router
 * lifetime 0 (the sender is no default router: the VLAN has no gateway),
 * one prefix information option (on-link and autonomous) and the source
 * link-layer address option. The server sends it when a member joins and
 * from time to time.
 *
 * Returns: the frame's length, %SERVAL_NEIGH_RA_LEN
 */
gsize serval_neigh_build_router_advert (guint8 out[SERVAL_NEIGH_RA_LEN],
                                        const guint8 src_mac[6],
                                        const guint8 src_ip[16],
                                        const guint8 prefix[16],
                                        guint prefix_len,
                                        guint32 valid_lifetime,
                                        guint32 preferred_lifetime);
/**
 * serval_neigh_link_local:
 * @mac: (array fixed-size=6): a MAC
 * @out: (out caller-allocates) (array fixed-size=16): fe80::/64 with the
 *   modified EUI-64 of @mac
 */
void serval_neigh_link_local (const guint8 mac[6], guint8 out[16]);
/**
 * serval_neigh_icmp6_checksum:
 * @src: (array fixed-size=16): IPv6 source
 * @dst: (array fixed-size=16): IPv6 destination
 * @icmp: (array length=len): the ICMPv6 message, its checksum field
 *   included
 * @len: its length
 *
 * Returns: the one's complement sum over the pseudo-header and @icmp, in
 *   host order: 0 when @icmp's checksum is right; with the checksum field
 *   zeroed, the value to store there (big-endian)
 */
guint16 serval_neigh_icmp6_checksum (const guint8 src[16], const guint8 dst[16], const guint8 *icmp, gsize len);

G_END_DECLS
