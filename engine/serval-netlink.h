/* serval-netlink.h: the few rtnetlink requests Serval makes of the kernel,
 * written by hand over an AF_NETLINK socket (no libnl, no "ip"): IPv4 and
 * IPv6 addresses on a device, a bridge, a device's master and its IFF_UP.
 *
 * Every call opens its own socket, sends one request with NLM_F_ACK and
 * reads the kernel's answer, so it blocks for as long as the kernel takes
 * (microseconds). They answer for the caller's network namespace, and most
 * need CAP_NET_ADMIN there. Errors are %SERVAL_TAP_ERROR (the errno mapped
 * as for the TAP device: EPERM and EACCES are PERMISSION, ENODEV NO_DEVICE,
 * EBUSY BUSY) and name the device, the address and the cause.
 */
#pragma once

#include <glib.h>

#include "serval-cidr.h" /* ServalCidr */

G_BEGIN_DECLS

/**
 * serval_netlink_address:
 * @add: %TRUE to add (or update) the address, %FALSE to remove it
 * @ifname: the device
 * @cidr: the address and its prefix length
 * @error: return location for a #GError
 *
 * RTM_NEWADDR (NLM_F_CREATE | NLM_F_REPLACE: adding an address the device
 * has already succeeds) or RTM_DELADDR. The kernel adds the prefix's route.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean serval_netlink_address (gboolean add, const char *ifname, const ServalCidr *cidr, GError **error);

/**
 * ServalLinkInfo:
 * @index: the interface index
 * @master: the index of its master (its bridge), or 0
 * @up: whether it is up (IFF_UP)
 * @kind: IFLA_INFO_KIND ("bridge", "tun", "veth", ...), "" for none
 *   (a plain Ethernet card, the loopback device)
 *
 * What serval_netlink_link_get() learns of a device.
 */
typedef struct
{
  int index;
  int master;
  gboolean up;
  char kind[32];
} ServalLinkInfo;

/**
 * serval_netlink_link_get:
 * @ifname: the device
 * @info: (out caller-allocates): what the kernel says of it
 * @error: return location for a #GError
 *
 * RTM_GETLINK. A missing device is %SERVAL_TAP_ERROR_NO_DEVICE.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean serval_netlink_link_get (const char *ifname, ServalLinkInfo *info, GError **error);
/**
 * serval_netlink_bridge_add:
 * @name: the new bridge's name, 1 to 15 bytes
 * @error: return location for a #GError
 *
 * RTM_NEWLINK with IFLA_INFO_KIND "bridge" (NLM_F_CREATE | NLM_F_EXCL: a
 * device of that name already there is an error, EEXIST). It is down.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean serval_netlink_bridge_add (const char *name, GError **error);
/**
 * serval_netlink_link_delete:
 * @ifname: the device
 * @error: return location for a #GError
 *
 * RTM_DELLINK.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean serval_netlink_link_delete (const char *ifname, GError **error);
/**
 * serval_netlink_set_master:
 * @ifname: the device
 * @master: (nullable): the bridge to put it in, or %NULL to take it out of
 *   its bridge
 * @error: return location for a #GError
 *
 * RTM_NEWLINK with IFLA_MASTER.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean serval_netlink_set_master (const char *ifname, const char *master, GError **error);
/**
 * serval_netlink_set_up:
 * @ifname: the device
 * @error: return location for a #GError
 *
 * RTM_NEWLINK setting IFF_UP.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean serval_netlink_set_up (const char *ifname, GError **error);

G_END_DECLS
