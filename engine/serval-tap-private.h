/* serval-tap-private.h: ServalTap for tests, and for devices that are not
 * Linux TAP devices. Not installed; nothing in app/ or server/ uses it. */
#pragma once

#include "serval-tap.h"

G_BEGIN_DECLS

/* A device whose frames are the datagrams of @fd (taken over), one end of
 * an AF_UNIX SOCK_SEQPACKET or SOCK_DGRAM socketpair: the test holds the
 * other end and sends and receives what the kernel would. No ioctl reaches
 * it: the device is up with @mac and @mtu, and with @vnet every frame in
 * both directions starts with a struct virtio_net_hdr (IFF_VNET_HDR). */
ServalTap *serval_tap_new_for_socket (int fd, const char *name, const guint8 mac[6], guint mtu,
                                      gboolean vnet);

G_END_DECLS
