/* serval-tap-backend.h: how a ServalTap moves frames (private to the engine).
 *
 * The device (serval-tap.c) opens and configures the network card, owns its
 * file descriptor and GSource, parses the vnet header of what it reads and
 * segments what a device without offloads cannot take. A backend moves the
 * frames: serval-tap-fd.c with read() and writev() (a Linux TAP device),
 * serval-tap-uring.c with io_uring in front of it while the device is
 * started, serval-tap-socket.c over a datagram socket (tests). Another
 * platform's device is a backend of its own in a file of its own.
 *
 * A frame is one read or one write; on a device with the vnet header
 * (IFF_VNET_HDR) it starts with a struct virtio_net_hdr, which the backend
 * does not look into.
 */
#pragma once

#include <glib.h>

#include "serval-tap.h"

G_BEGIN_DECLS

/* With IFF_VNET_HDR a read carries a struct virtio_net_hdr and then a GSO
 * frame of up to 64 KiB (the device's gso_max_size). */
#define SERVAL_TAP_VNET_HDR_LEN ((gsize) 10)   /* sizeof (struct virtio_net_hdr) */
#define SERVAL_TAP_BUFFER (SERVAL_TAP_VNET_HDR_LEN + 65536 + 64)

/* What one read pass hands on at most. With GSO frames 64 reads could queue
 * 4 MiB on the link, over its data queue limit (SERVAL_LINK_DATA_QUEUE_LIMIT,
 * 2 MiB) before it flushes: a pass also stops after this many bytes. */
#define SERVAL_TAP_MAX_READS_PER_PASS 64
#define SERVAL_TAP_MAX_BYTES_PER_PASS (1024 * 1024)

typedef struct _ServalTapBackend ServalTapBackend;

typedef struct
{
  /* serval_tap_start(): a backend to use in front of @backend (which it
   * may fall back to) until serval_tap_stop(), or NULL: @backend itself.
   * Runs on the thread that will read. Optional. */
  ServalTapBackend *(*start) (ServalTapBackend *backend);
  /* Hands on the frames waiting with serval_tap_backend_take_frame(), up
   * to the limits above, and none once a frame callback stopped the device. */
  void (*read_pass) (ServalTapBackend *backend);
  /* Frames were read that the next pass hands on, though the fd may not
   * be readable. Optional: never. */
  gboolean (*pending) (ServalTapBackend *backend);
  /* Writes @hdr (NULL: none) and @frame as one frame, or queues it for
   * flush(); counts it in tx_frames or tx_dropped. FALSE: dropped. */
  gboolean (*write) (ServalTapBackend *backend, const void *hdr, gsize hdr_len,
                     const guint8 *frame, gsize len);
  /* The poller's batch ends: the queued writes leave. Optional: writes
   * never wait. */
  void (*flush) (ServalTapBackend *backend);
  /* Flushes what is queued and frees; may be called from a frame callback during
   * read_pass(), which then returns without touching @backend. */
  void (*free) (ServalTapBackend *backend);
} ServalTapBackendFuncs;

typedef struct
{
  guint64 rx_frames;
  guint64 rx_gso_frames;
  guint64 tx_frames;
  guint64 tx_dropped;
} ServalTapCounters;

struct _ServalTapBackend
{
  const ServalTapBackendFuncs *funcs;
  ServalTap *tap;                /* not a reference: the device frees its backends first */
  ServalTapCounters *counters;   /* the device's */
  int fd;                        /* the device's: not closed here */
};

/* The device's own backends, made with it and freed with it. */
ServalTapBackend *serval_tap_fd_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters);
ServalTapBackend *serval_tap_socket_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters);
/* io_uring in front of @fallback, or NULL where it is not wanted
 * (SERVAL_TAP_URING=0) or the kernel refuses it (logged once). */
ServalTapBackend *serval_tap_uring_backend_new (ServalTapBackend *fallback);
/* Whether @backend reads through io_uring. */
gboolean          serval_tap_uring_backend_reads (ServalTapBackend *backend);

/* What the device does for its backends: hands a frame as read (with its
 * vnet header, if the device has one) to the frame callback; says whether
 * it is started; has flush() called when the poller's batch ends. */
void              serval_tap_backend_take_frame (ServalTap *tap, const guint8 *buf, gsize n);
gboolean          serval_tap_backend_reading (ServalTap *tap);
void              serval_tap_backend_queued (ServalTap *tap);
void              serval_tap_say_once (gboolean *said, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
