/* serval-cidr.h: an address with its prefix length ("10.77.0.5/24",
 * "fd00:77::/64") read from text, by one parser for every caller: a
 * device's address the server hands a client (serval_cidr_parse()) and a
 * VLAN's IPv4 subnet or IPv6 prefix (serval_cidr_parse_network(): the
 * store, the server's DHCP and router adverts).
 *
 * What both read: an IPv4 or IPv6 address as inet_pton() reads it (no
 * scope, no brackets, no short IPv4 forms), one "/", and the prefix length
 * in one to three decimal digits (no sign, no space), from 1 to 32 for
 * IPv4 and 1 to 128 for IPv6. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The lengths a VLAN's IPv4 subnet and IPv6 prefix may have: the store
 * refuses others, and the admin window says so before it asks. */
#define SERVAL_SUBNET_MIN_LEN  8
#define SERVAL_SUBNET_MAX_LEN  30
#define SERVAL_PREFIX6_MIN_LEN 48
#define SERVAL_PREFIX6_MAX_LEN 64

/**
 * ServalCidr:
 * @family: AF_INET or AF_INET6
 * @addr: the address, network order: 4 bytes for IPv4, 16 for IPv6
 * @prefix: the prefix length: 1 to 32 (IPv4) or 1 to 128 (IPv6)
 *
 * An address with its prefix length, as in "10.77.0.5/24".
 */
typedef struct
{
  int family;
  guint8 addr[16];
  guint prefix;
} ServalCidr;

/**
 * serval_cidr_parse:
 * @text: an address with its prefix length: "10.77.0.5/24", "fd00:77::5/64"
 * @cidr: (out caller-allocates): the result
 * @error: return location for a #GError
 *
 * Reads a host address of a subnet: the prefix length is required, and an
 * address a device cannot have (unspecified, loopback, multicast, IPv4
 * broadcast, IPv6 link-local) is refused. @text comes from the server:
 * it is checked, never trusted.
 *
 * Returns: %TRUE, or %FALSE with @error set (%SERVAL_TAP_ERROR_FAILED)
 */
gboolean serval_cidr_parse (const char *text, ServalCidr *cidr, GError **error);

/**
 * serval_cidr_parse_network:
 * @text: (nullable): a network with its prefix length: "10.77.0.0/24",
 *   "fd00:77::/64"
 * @family: AF_INET or AF_INET6: the family @text must be of
 * @cidr: (out caller-allocates): the network: the address of @text with
 *   the bits past the prefix cleared ("10.77.0.5/24" gives 10.77.0.0/24)
 *
 * Reads a subnet or a prefix, of any address (the unspecified, loopback
 * and multicast ranges too). It sets no error: each caller says in its own
 * words what it wanted, and the range of lengths it takes.
 *
 * Returns: %TRUE, or %FALSE if @text is not a network of @family
 */
gboolean serval_cidr_parse_network (const char *text, int family, ServalCidr *cidr);

G_END_DECLS
