/* serval-tap.h: the virtual network card.
 *
 * A ServalTap is an Ethernet device that frames are read from and written
 * to. On Linux it is a TAP device (/dev/net/tun with IFF_TAP|IFF_NO_PI);
 * how frames move is a backend's business (serval-tap-backend.h), and
 * tests run a device over a socketpair (serval-tap-private.h).
 * With offloads (IFF_VNET_HDR) one read carries up to 64 KiB (a GSO frame).
 * Frames are read on the GMainContext that is the thread default when
 * serval_tap_start() is called, as many per wake-up as are ready, up to
 * SERVAL_TAP_MAX_READS_PER_PASS frames or SERVAL_TAP_MAX_BYTES_PER_PASS
 * bytes (serval-tap-backend.h); the rest are read in the next dispatch.
 * A ServalTap is not thread-safe: use it on the thread that runs that
 * context.
 */
#pragma once

#include <gio/gio.h>
#include "serval-frame.h"

G_BEGIN_DECLS

/**
 * SERVAL_TAP_ERROR:
 *
 * The error domain of #ServalTap: its codes are #ServalTapError. The
 * messages are translated and say what to do next.
 */
#define SERVAL_TAP_ERROR (serval_tap_error_quark ())
/**
 * serval_tap_error_quark:
 *
 * Returns: the #GQuark of %SERVAL_TAP_ERROR
 */
GQuark serval_tap_error_quark (void);

/**
 * ServalTapError:
 * @SERVAL_TAP_ERROR_PERMISSION: needs CAP_NET_ADMIN: run as root or use the
 *   helper (the kernel said EPERM or EACCES). serval_tap_attach() also
 *   gives it for a missing device and for one owned by another user
 * @SERVAL_TAP_ERROR_NO_DEVICE: /dev/net/tun missing: load the tun module
 *   (ENOENT, ENODEV or ENXIO)
 * @SERVAL_TAP_ERROR_BUSY: the name is taken by another device (EBUSY);
 *   serval_tap_attach() also gives it for a device of that name that is not
 *   a TAP device
 * @SERVAL_TAP_ERROR_FAILED: anything else: a name that cannot name a
 *   network device, another errno of an ioctl(), a device already closed
 *
 * The codes of %SERVAL_TAP_ERROR.
 */
typedef enum
{
  SERVAL_TAP_ERROR_PERMISSION,
  SERVAL_TAP_ERROR_NO_DEVICE,
  SERVAL_TAP_ERROR_BUSY,
  SERVAL_TAP_ERROR_FAILED,
} ServalTapError;

#define SERVAL_TYPE_TAP (serval_tap_get_type ())
G_DECLARE_FINAL_TYPE (ServalTap, serval_tap, SERVAL, TAP, GObject)

/**
 * ServalTapFrameFunc:
 * @tap: the device
 * @frame: (transfer none) (not nullable): the frame, in the device's read
 *   buffer: valid during the call only
 * @user_data: the data given to serval_tap_set_frame_func()
 *
 * Called for every frame read from the device. @frame's VLAN is 0 (the
 * device's own); its offload metadata is set if it has work left (a GSO
 * frame or a partial checksum), and such a frame may be up to 65536 bytes.
 * A device without the vnet header gives plain frames (no offload
 * metadata).
 *
 * Called from the device's #GSource, on the main context that was the
 * thread default at serval_tap_start(). The callback may stop the device
 * (no further frame of the pass is then handed on) or drop the last
 * reference to it. A main loop run from the callback does not read the
 * device again until the callback returns. What the callback queues on
 * links leaves at the end of the read pass (serval_poller_batch_begin()).
 */
typedef void (*ServalTapFrameFunc) (ServalTap *tap,
                                    const ServalFrame *frame,
                                    gpointer user_data);

/**
 * serval_tap_new:
 * @name: the device's name, 1 to 15 bytes
 * @mtu: the MTU to set, or 0 to keep the device's
 * @error: return location for a #GError
 *
 * Creates (or attaches to a persistent) TAP device named @name (at most 15
 * bytes), sets it up (IFF_UP) with @mtu and returns it. This needs
 * CAP_NET_ADMIN; serval_tap_attach() does not. The device is opened with
 * offloads (IFF_VNET_HDR) if serval_tap_offload_wanted(); a kernel that
 * refuses them gives a device without (logged once). Not yet reading: see
 * serval_tap_start(). Errors are #SERVAL_TAP_ERROR.
 *
 * Returns: (transfer full) (nullable): the device, or %NULL with @error set
 */
ServalTap *serval_tap_new (const char *name, guint mtu, GError **error);
/**
 * serval_tap_new_with_mac:
 * @name: the device's name, 1 to 15 bytes
 * @mtu: the MTU to set, or 0 to keep the device's
 * @mac: (nullable) (array fixed-size=6): the MAC address to set, or %NULL
 *   to keep the device's
 * @error: return location for a #GError
 *
 * Like serval_tap_new(), and gives the device the MAC address @mac (see
 * serval_tap_stable_mac()).
 *
 * Returns: (transfer full) (nullable): the device, or %NULL with @error set
 */
ServalTap *serval_tap_new_with_mac (const char *name, guint mtu, const guint8 mac[6], GError **error);
/**
 * serval_tap_stable_mac:
 * @user: the user name
 * @vlan: the VLAN's name
 * @mac: (out caller-allocates) (array fixed-size=6): where the address goes
 *
 * A locally administered unicast MAC that stays the same for the same
 * machine, user and VLAN, so peers' ARP caches and DHCP leases survive a
 * restart of the client. The machine is /etc/machine-id, or the host name
 * where that cannot be read; the address is cut from a SHA-256 of the
 * three.
 */
void serval_tap_stable_mac (const char *user, const char *vlan, guint8 mac[6]);
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
 * A name that cannot name a device (empty, over 15 bytes, or with a "/")
 * is %SERVAL_TAP_ERROR_FAILED; a /dev/net/tun that this user may not open
 * is %SERVAL_TAP_ERROR_PERMISSION. Offloads are asked for as by
 * serval_tap_new(). The device's IFF_UP flag is left as it is: see
 * serval_tap_get_up().
 *
 * Returns: (transfer full) (nullable): the device, or %NULL with @error set
 */
ServalTap *serval_tap_attach (const char *name, GError **error);
/**
 * serval_tap_get_name:
 * @tap: a #ServalTap
 *
 * Returns: (transfer none): the device's name, as the kernel gave it
 */
const char *serval_tap_get_name (ServalTap *tap);
/**
 * serval_tap_get_mac:
 * @tap: a #ServalTap
 * @mac: (out caller-allocates) (array fixed-size=6): where the address goes
 *
 * The device's MAC address, as read when it was opened or configured (not
 * read again).
 */
void serval_tap_get_mac (ServalTap *tap, guint8 mac[6]);
/**
 * serval_tap_get_mtu:
 * @tap: a #ServalTap
 *
 * Returns: the device's MTU, as read when it was opened or configured (not
 *   read again)
 */
guint serval_tap_get_mtu (ServalTap *tap);
/**
 * serval_tap_get_up:
 * @tap: a #ServalTap
 *
 * Returns: whether the device was up (IFF_UP) when it was opened or
 *   configured
 */
gboolean serval_tap_get_up (ServalTap *tap);
/**
 * serval_tap_set_persistent:
 * @tap: a #ServalTap
 * @persistent: whether the device outlives its file descriptor
 * @error: return location for a #GError
 *
 * TUNSETPERSIST: a persistent device outlives its last file descriptor; a
 * non-persistent one goes away when the ServalTap is disposed, which closes
 * the descriptor (or when the process ends). The owner of a device may
 * change this without privileges.
 *
 * Returns: %TRUE, or %FALSE with @error set (a #SERVAL_TAP_ERROR)
 */
gboolean serval_tap_set_persistent (ServalTap *tap, gboolean persistent, GError **error);

/**
 * serval_tap_set_frame_func:
 * @tap: a #ServalTap
 * @func: (nullable) (scope forever): called for every frame read, or %NULL
 *   to drop what is read
 * @user_data: (closure func): data for @func
 *
 * Sets the receiver of the frames read, in place of the one before. There
 * is no destroy notify: @user_data must stay valid while the device reads
 * (until it is stopped, disposed or given another function). May be called
 * from a frame callback.
 */
void serval_tap_set_frame_func (ServalTap *tap, ServalTapFrameFunc func, gpointer user_data);
/**
 * serval_tap_start:
 * @tap: a #ServalTap
 *
 * Starts reading frames, on the main context that is the thread default
 * now (see #ServalTapFrameFunc). Where the kernel allows, io_uring then
 * reads and writes in front of read() and write() (see
 * serval_tap_get_io_uring_reads()). Does nothing if the device is started
 * already or closed.
 */
void serval_tap_start (ServalTap *tap);
/**
 * serval_tap_stop:
 * @tap: a #ServalTap
 *
 * Stops reading frames. While stopped, frames queue in the kernel. Writes
 * queued for io_uring are written first. May be called from a frame
 * callback; does nothing on a stopped device.
 */
void serval_tap_stop (ServalTap *tap);

/**
 * serval_tap_write:
 * @tap: a #ServalTap
 * @frame: (array length=len): a plain frame, destination MAC first, its
 *   checksums complete
 * @len: its length in bytes
 *
 * Writes one frame; a full device queue drops it (returns %FALSE, counted
 * in serval_tap_get_tx_dropped()). A started device with io_uring writes
 * queues frames of up to 2 KiB and writes them when the poller's batch or
 * dispatch ends: the call then returns %TRUE, and a frame the device drops
 * later is only counted. A closed device drops every frame.
 *
 * Returns: %FALSE if the frame was dropped now
 */
gboolean serval_tap_write (ServalTap *tap, const guint8 *frame, gsize len);
/**
 * serval_tap_write_frame:
 * @tap: a #ServalTap
 * @frame: (transfer none): the frame and its offload metadata
 *
 * Writes a frame and its offload metadata (@frame's VLAN is not looked
 * at): with the vnet header the kernel takes it whole; a device without one
 * gets it segmented and its checksum completed in software (what cannot be
 * is dropped, counted once). As with serval_tap_write(), a write queued for
 * io_uring that the device drops later is only counted.
 *
 * Returns: %FALSE if anything was dropped
 */
gboolean serval_tap_write_frame (ServalTap *tap, const ServalFrame *frame);

/**
 * serval_tap_offload_wanted:
 *
 * Offloads (IFF_VNET_HDR with TSO and checksum offload): devices are opened
 * with them unless the environment has SERVAL_TAP_OFFLOAD=0. Read on every
 * call.
 *
 * Returns: %FALSE if SERVAL_TAP_OFFLOAD is "0"
 */
gboolean serval_tap_offload_wanted (void);
/**
 * serval_tap_get_io_uring_reads:
 * @tap: a #ServalTap
 *
 * Whether the started device is read through io_uring (a multishot read,
 * Linux 6.7) rather than a read() per frame: SERVAL_TAP_URING=0 or =write
 * turns it off. %FALSE while the device is stopped, and after io_uring
 * failed (the device then reads with read()).
 *
 * Returns: %TRUE if reads go through io_uring now
 */
gboolean serval_tap_get_io_uring_reads (ServalTap *tap);

/**
 * serval_tap_get_addresses:
 * @tap: a #ServalTap
 *
 * Text forms of the IPv4/IPv6 addresses the device has now, read from the
 * kernel on every call.
 *
 * Returns: (transfer full) (array zero-terminated=1): the addresses,
 *   %NULL-terminated; empty, not %NULL, when there are none. Free with
 *   g_strfreev().
 */
char **serval_tap_get_addresses (ServalTap *tap);

/**
 * serval_tap_set_address:
 * @tap: a #ServalTap on a real device
 * @cidr: (nullable): the address and prefix length to give the device, as
 *   "10.77.0.5/24" or "fd00:77::5/64"; %NULL to remove what this call set
 *   before
 * @error: return location for a #GError
 *
 * Gives the device the address @cidr (rtnetlink, serval-netlink.h), in
 * place of the address of the same family (IPv4 or IPv6) that an earlier
 * call set on this #ServalTap: that one is removed first (a gone one is no
 * error), so the device has one address of each family from Serval. The
 * kernel adds the route to the prefix; addresses set by others stay. A
 * @cidr that serval_cidr_parse() refuses is %SERVAL_TAP_ERROR_FAILED and
 * changes nothing. Needs CAP_NET_ADMIN (%SERVAL_TAP_ERROR_PERMISSION
 * without; the app asks serval-tap-helper, app/serval-tap-open.h). Blocks
 * for one or two netlink round trips to the kernel.
 *
 * Returns: %TRUE, or %FALSE with @error set (a #SERVAL_TAP_ERROR naming
 *   the device, the address and the cause)
 */
gboolean serval_tap_set_address (ServalTap *tap, const char *cidr, GError **error);
/**
 * serval_tap_join_bridge:
 * @tap: a #ServalTap on a real device
 * @iface: a Linux bridge, or another interface (an Ethernet card) to
 *   bridge with the device
 * @error: return location for a #GError
 *
 * Bridges a LAN into the VLAN. If @iface is a bridge, the device goes into
 * it; if @iface is in a bridge already, into that one. Otherwise the
 * device and @iface go into the bridge "svbr-IFACE" (for a name over 10
 * bytes, "svbr-", its first 5 bytes and 5 hex digits of its SHA-256), made
 * now unless a bridge of that name is there (from an earlier run); @iface
 * and the bridge are brought up, and a made bridge is logged with
 * g_message(), which says that the machine's own addresses on @iface must
 * move to the bridge. A missing @iface is %SERVAL_TAP_ERROR_NO_DEVICE;
 * a bridge made here is deleted again if a later step fails. Needs
 * CAP_NET_ADMIN.
 *
 * Returns: (transfer full) (nullable): the name of the bridge the device is
 *   in now, or %NULL with @error set (a #SERVAL_TAP_ERROR)
 */
char *serval_tap_join_bridge (ServalTap *tap, const char *iface, GError **error);

/**
 * serval_tap_get_rx_frames:
 * @tap: a #ServalTap
 *
 * Returns: the reads from the device (a GSO frame counts once)
 */
guint64 serval_tap_get_rx_frames (ServalTap *tap);
/**
 * serval_tap_get_rx_gso_frames:
 * @tap: a #ServalTap
 *
 * Returns: the reads that carried a GSO frame
 */
guint64 serval_tap_get_rx_gso_frames (ServalTap *tap);
/**
 * serval_tap_get_tx_frames:
 * @tap: a #ServalTap
 *
 * Returns: the frames written to the device; each segment of a frame
 *   segmented in software counts
 */
guint64 serval_tap_get_tx_frames (ServalTap *tap);
/**
 * serval_tap_get_tx_dropped:
 * @tap: a #ServalTap
 *
 * Returns: the frames not written: a full device queue, a closed device,
 *   or a frame that could not be segmented
 */
guint64 serval_tap_get_tx_dropped (ServalTap *tap);

G_END_DECLS
