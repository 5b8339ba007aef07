/* serval-tap-backend.h: how a ServalTap moves frames (private to the engine).
 *
 * The device (serval-tap.c) opens and configures the network card, owns its
 * file descriptor and GSource, parses the vnet header of what it reads and
 * segments what a device without offloads cannot take. A backend moves the
 * frames: serval-tap-fd.c with read() and writev() (a Linux TAP device),
 * serval-tap-uring.c with io_uring in front of it while the device is
 * started, and serval-tap-fd.c again with recv() and sendmsg() over a
 * datagram socket (tests): the same read pass and write, other calls.
 * Another platform's device is a backend of its own in a file of its own.
 *
 * A frame is one read or one write; on a device with the vnet header
 * (IFF_VNET_HDR) it starts with a struct virtio_net_hdr, which the backend
 * does not look into.
 */
#pragma once

#include <glib.h>

#include "serval-tap.h"

G_BEGIN_DECLS

/**
 * SERVAL_TAP_VNET_HDR_LEN:
 *
 * sizeof (struct virtio_net_hdr). With IFF_VNET_HDR a read carries a struct
 * virtio_net_hdr and then a GSO frame of up to 64 KiB (the device's
 * gso_max_size).
 */
#define SERVAL_TAP_VNET_HDR_LEN ((gsize) 10)
/**
 * SERVAL_TAP_BUFFER:
 *
 * The bytes of a backend's read buffer: the vnet header, a GSO frame and
 * room to spare. On a device with the vnet header, a read that fills it
 * whole is taken for a cut frame and dropped (still counted in rx_frames).
 */
#define SERVAL_TAP_BUFFER (SERVAL_TAP_VNET_HDR_LEN + 65536 + 64)

/**
 * SERVAL_TAP_MAX_READS_PER_PASS:
 *
 * What one read pass hands on at most. With GSO frames 64 reads could queue
 * 4 MiB on the link, over its data queue limit (SERVAL_LINK_DATA_QUEUE_LIMIT,
 * 2 MiB) before it flushes: a pass also stops after
 * %SERVAL_TAP_MAX_BYTES_PER_PASS bytes.
 */
#define SERVAL_TAP_MAX_READS_PER_PASS 64
/**
 * SERVAL_TAP_MAX_BYTES_PER_PASS:
 *
 * A pass reads no further frame once it has read this many bytes (so the
 * last frame may take it over).
 */
#define SERVAL_TAP_MAX_BYTES_PER_PASS (1024 * 1024)

typedef struct _ServalTapBackend ServalTapBackend;

/**
 * ServalTapBackendFuncs:
 * @start: serval_tap_start(): a backend to use in front of @backend (which
 *   it may fall back to) until serval_tap_stop(), or %NULL: @backend itself.
 *   Runs on the thread that will read. Optional. The device frees what it
 *   returns at serval_tap_stop()
 * @read_pass: hands on the frames waiting with
 *   serval_tap_backend_take_frame(), up to the limits above, and none once
 *   a frame callback stopped the device (serval_tap_backend_reading())
 * @pending: frames were read that the next pass hands on, though the fd may
 *   not be readable. Optional: never
 * @write: writes @hdr_len bytes of @hdr (0: none) and @frame as one frame,
 *   or queues it for flush() (then calling serval_tap_backend_queued());
 *   counts it in tx_frames or tx_dropped. %FALSE: dropped. A queued frame
 *   is counted in tx_frames at once; if its write fails at flush(), it
 *   moves to tx_dropped
 * @flush: the poller's batch ends: the queued writes leave. Optional:
 *   writes never wait
 * @free: flushes what is queued and frees; may be called from a frame
 *   callback during read_pass(), which then returns without touching
 *   @backend
 *
 * What a backend does for its device. Every function runs on the thread
 * that uses the device (the one that reads it while it is started).
 */
typedef struct
{
  ServalTapBackend *(*start) (ServalTapBackend *backend);
  void (*read_pass) (ServalTapBackend *backend);
  gboolean (*pending) (ServalTapBackend *backend);
  gboolean (*write) (ServalTapBackend *backend, const void *hdr, gsize hdr_len,
                     const guint8 *frame, gsize len);
  void (*flush) (ServalTapBackend *backend);
  void (*free) (ServalTapBackend *backend);
} ServalTapBackendFuncs;

/**
 * ServalTapCounters:
 * @rx_frames: reads handed to serval_tap_backend_take_frame() (counted
 *   there)
 * @rx_gso_frames: of those, the ones that carried a GSO frame (counted
 *   there)
 * @tx_frames: frames the backend wrote (or queued)
 * @tx_dropped: frames the backend or the device dropped
 *
 * A device's counters, which its backends update (see
 * serval_tap_get_rx_frames() and the other getters).
 */
typedef struct
{
  guint64 rx_frames;
  guint64 rx_gso_frames;
  guint64 tx_frames;
  guint64 tx_dropped;
} ServalTapCounters;

/**
 * ServalTapBackend:
 * @funcs: the backend's functions; static, never freed
 * @tap: the device; not a reference: the device frees its backends first
 * @counters: the device's
 * @fd: the device's: not closed here
 *
 * Every backend starts with this: a backend's own struct has it as its
 * first member.
 */
struct _ServalTapBackend
{
  const ServalTapBackendFuncs *funcs;
  ServalTap *tap;
  ServalTapCounters *counters;
  int fd;
};

/**
 * serval_tap_fd_backend_new:
 * @tap: the device
 * @fd: the device's descriptor
 * @counters: the device's counters
 *
 * The device's own backend for a Linux TAP device: a read() and a writev()
 * per frame, with io_uring in front while started where it can be (its
 * start() calls serval_tap_uring_backend_new()). Made with the device and
 * freed with it.
 *
 * Returns: (transfer full): the backend
 */
ServalTapBackend *serval_tap_fd_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters);
/**
 * serval_tap_socket_backend_new:
 * @tap: the device
 * @fd: one end of an AF_UNIX datagram socketpair
 * @counters: the device's counters
 *
 * The device's own backend for serval_tap_new_for_socket() (tests): one
 * datagram per frame. Made with the device and freed with it.
 *
 * Returns: (transfer full): the backend
 */
ServalTapBackend *serval_tap_socket_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters);
/**
 * serval_tap_uring_backend_new:
 * @fallback: (transfer none): the backend it stands in front of, and falls
 *   back to; not freed with it
 *
 * io_uring in front of @fallback, or NULL where it is not wanted
 * (SERVAL_TAP_URING=0) or the kernel refuses it (logged once). Writes go
 * through io_uring; reads too unless SERVAL_TAP_URING=write or the kernel
 * has no multishot read (Linux 6.7), and not after a failure of io_uring.
 * Called on the thread that will read.
 *
 * Returns: (transfer full) (nullable): the backend, or %NULL
 */
ServalTapBackend *serval_tap_uring_backend_new (ServalTapBackend *fallback);
/**
 * serval_tap_uring_backend_reads:
 * @backend: any backend
 *
 * Returns: whether @backend reads through io_uring now (%FALSE for a
 *   backend that is not io_uring's)
 */
gboolean serval_tap_uring_backend_reads (ServalTapBackend *backend);

/**
 * serval_tap_backend_take_frame:
 * @tap: the device
 * @buf: (array length=n): what one read gave
 * @n: its length in bytes
 *
 * What the device does for its backends: hands a frame as read (with its
 * vnet header, if the device has one) to the frame callback, and counts
 * it. @buf may be reused once this returns.
 */
void serval_tap_backend_take_frame (ServalTap *tap, const guint8 *buf, gsize n);
/**
 * serval_tap_backend_reading:
 * @tap: the device
 *
 * Returns: whether the device is started: a read pass stops when it is not
 */
gboolean serval_tap_backend_reading (ServalTap *tap);
/**
 * serval_tap_backend_queued:
 * @tap: a started device
 *
 * Says that the backend queued a write: the device has flush() called when
 * the poller's batch (or dispatch) ends.
 */
void serval_tap_backend_queued (ServalTap *tap);
/**
 * serval_tap_say_once:
 * @said: a flag of the caller's, %FALSE at first (a static)
 * @format: a printf() format
 * @...: its arguments
 *
 * Logs a message (%G_LOG_LEVEL_MESSAGE) unless *@said is %TRUE, and sets
 * it: for conditions worth one line per process, not one per device.
 */
void serval_tap_say_once (gboolean *said, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
