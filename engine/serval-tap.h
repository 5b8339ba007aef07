/* serval-tap.h: the virtual network card.
 *
 * A ServalTap is an Ethernet device that frames are read from and written
 * to. On Linux it is a TAP device (/dev/net/tun with IFF_TAP|IFF_NO_PI);
 * how frames move is a backend's business (serval-tap-backend.h), and
 * tests run a device over a socketpair (serval-tap-private.h).
 * With offloads (IFF_VNET_HDR) one read carries up to 64 KiB (a GSO frame).
 * Frames are read on the GMainContext that is the thread default when
 * serval_tap_start() is called, as many per wake-up as are ready.
 */
#pragma once

#include <gio/gio.h>
#include "serval-frame.h"

G_BEGIN_DECLS

#define SERVAL_TAP_ERROR (serval_tap_error_quark ())
GQuark serval_tap_error_quark (void);

typedef enum {
  SERVAL_TAP_ERROR_PERMISSION,   /* needs CAP_NET_ADMIN: run as root or use the helper */
  SERVAL_TAP_ERROR_NO_DEVICE,    /* /dev/net/tun missing: load the tun module */
  SERVAL_TAP_ERROR_BUSY,         /* the name is taken by another device */
  SERVAL_TAP_ERROR_FAILED,
} ServalTapError;

#define SERVAL_TYPE_TAP (serval_tap_get_type ())
G_DECLARE_FINAL_TYPE (ServalTap, serval_tap, SERVAL, TAP, GObject)

/* Called for every frame read from the device. @frame's VLAN is 0 (the
 * device's own); its offload metadata is set if it has work left (a GSO
 * frame or a partial checksum), and such a frame may be up to 65536 bytes. */
typedef void (*ServalTapFrameFunc) (ServalTap         *tap,
                                    const ServalFrame *frame,
                                    gpointer           user_data);

/* Creates (or attaches to a persistent) TAP device named @name (at most 15
 * bytes), sets it up (IFF_UP) with @mtu and returns it. */
ServalTap   *serval_tap_new (const char *name, guint mtu, GError **error);
/* Like serval_tap_new(), and gives the device the MAC address @mac. */
ServalTap   *serval_tap_new_with_mac (const char *name, guint mtu, const guint8 mac[6], GError **error);
/* A locally administered unicast MAC that stays the same for the same
 * machine, user and VLAN, so peers' ARP caches and DHCP leases survive a
 * restart of the client. */
void         serval_tap_stable_mac (const char *user, const char *vlan, guint8 mac[6]);
/**
 * serval_tap_attach:
 * @name: the name of an existing TAP device
 * @error: return location for a #GError
 *
 * Opens an existing (persistent) TAP device without creating or
 * reconfiguring it: this needs no CAP_NET_ADMIN when the caller owns the
 * device (TUNSETOWNER), as serval-tap-helper makes it. The MAC and MTU are
 * read from the device. A missing device, or one owned by another user, is
 * %SERVAL_TAP_ERROR_PERMISSION; a device of that name that is not a TAP
 * device, or that another program holds, is %SERVAL_TAP_ERROR_BUSY.
 * (A device with neither owner nor group, as a plain "ip tuntap add" makes
 * it, is open to every user who may open /dev/net/tun: that is the kernel's
 * rule, and attaching to it works.)
 *
 * Returns: (transfer full) (nullable): the device, or %NULL with @error set
 */
ServalTap   *serval_tap_attach (const char *name, GError **error);
/* Wraps an already opened TAP file descriptor (taken over). */
ServalTap   *serval_tap_new_from_fd (int fd, const char *name, GError **error);

const char  *serval_tap_get_name (ServalTap *tap);
/* The device's MAC address. */
void         serval_tap_get_mac (ServalTap *tap, guint8 mac[6]);
guint        serval_tap_get_mtu (ServalTap *tap);
/* Whether the device was up (IFF_UP) when it was opened or configured. */
gboolean     serval_tap_get_up (ServalTap *tap);
/* TUNSETPERSIST: a persistent device outlives its last file descriptor; a
 * non-persistent one goes away when the ServalTap is finalized (or the
 * process ends). The owner of a device may change this without privileges. */
gboolean     serval_tap_set_persistent (ServalTap *tap, gboolean persistent, GError **error);

void         serval_tap_set_frame_func (ServalTap *tap, ServalTapFrameFunc func, gpointer user_data);
/* Starts/stops reading frames. While stopped, frames queue in the kernel. */
void         serval_tap_start (ServalTap *tap);
void         serval_tap_stop (ServalTap *tap);

/* Writes one frame; a full device queue drops it (returns FALSE, counted). */
gboolean     serval_tap_write (ServalTap *tap, const guint8 *frame, gsize len);
/* Writes a frame and its offload metadata (@frame's VLAN is not looked
 * at): with the vnet header the kernel takes it whole; a device without one
 * gets it segmented and its checksum completed in software (what cannot be
 * is dropped, counted). FALSE if anything was dropped. */
gboolean     serval_tap_write_frame (ServalTap *tap, const ServalFrame *frame);

/* Offloads (IFF_VNET_HDR with TSO and checksum offload): devices are opened
 * with them unless the environment has SERVAL_TAP_OFFLOAD=0. */
gboolean     serval_tap_offload_wanted (void);
/* Whether the started device is read through io_uring (a multishot read,
 * Linux 6.7) rather than a read() per frame: SERVAL_TAP_URING=0 or =write
 * turns it off. */
gboolean     serval_tap_get_io_uring_reads (ServalTap *tap);

/* Text forms of the IPv4/IPv6 addresses the device has now (NULL-terminated). */
char       **serval_tap_get_addresses (ServalTap *tap);

guint64      serval_tap_get_rx_frames (ServalTap *tap);
/* Reads that carried a GSO frame. */
guint64      serval_tap_get_rx_gso_frames (ServalTap *tap);
guint64      serval_tap_get_tx_frames (ServalTap *tap);
guint64      serval_tap_get_tx_dropped (ServalTap *tap);

G_END_DECLS
