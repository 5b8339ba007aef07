#include "config.h"

#include "serval-tap-backend.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Two backends on a file descriptor, one frame a call, that differ only in
 * their calls:
 *
 * A Linux TAP device's own: a read() and a writev() per frame. While the
 * device is started io_uring takes over in front of it where the kernel
 * allows (serval-tap-uring.c), and falls back to it.
 *
 * A device whose frames are the datagrams of a socket (AF_UNIX
 * SOCK_SEQPACKET or SOCK_DGRAM, one end of a socketpair), framed as a TAP
 * device frames them: with a struct virtio_net_hdr first when the device
 * has one. The other end plays the kernel's part, so the device's logic
 * runs in tests without root (serval_tap_new_for_socket()). That end must
 * stay open while the device is started: a closed one stays readable.
 *
 * The read pass and the write are written once, inline, with the socket
 * choice a constant: each backend gets its own copy, with no test per frame. */
typedef struct
{
  ServalTapBackend parent;
  guint8 *buf; /* SERVAL_TAP_BUFFER */
} FdBackend;

G_ALWAYS_INLINE static inline gssize
read_frame (int fd, guint8 *buf, gboolean is_socket)
{
  if (is_socket)
    return recv (fd, buf, SERVAL_TAP_BUFFER, MSG_DONTWAIT | MSG_TRUNC);
  return read (fd, buf, SERVAL_TAP_BUFFER);
}

G_ALWAYS_INLINE static inline void
read_pass (ServalTapBackend *backend, gboolean is_socket)
{
  FdBackend *b = (FdBackend *) backend;
  gsize total = 0;

  for (int i = 0; i < SERVAL_TAP_MAX_READS_PER_PASS && total < SERVAL_TAP_MAX_BYTES_PER_PASS &&
                  serval_tap_backend_reading (backend->tap);
       i++)
    {
      gssize n = read_frame (backend->fd, b->buf, is_socket);

      if (n < 0)
        {
          if (errno != EAGAIN && errno != EINTR)
            g_warning ("Reading from TAP device %s failed: %s", serval_tap_get_name (backend->tap),
                       g_strerror (errno));
          break;
        }
      if (n == 0)
        break;
      total += n;
      /* A datagram longer than any frame a device gives (MSG_TRUNC says its
       * length): dropped, not cut. A read() never returns more. */
      if (!is_socket || (gsize) n <= SERVAL_TAP_BUFFER)
        serval_tap_backend_take_frame (backend->tap, b->buf, n);
    }
}

G_ALWAYS_INLINE static inline gboolean
write_frame (ServalTapBackend *backend, const void *hdr, gsize hdr_len, const guint8 *frame, gsize len,
             gboolean is_socket)
{
  struct iovec iov[2];
  int n = 0;
  gssize written;

  if (hdr_len > 0)
    iov[n++] = (struct iovec){ .iov_base = (void *) hdr, .iov_len = hdr_len };
  iov[n++] = (struct iovec){ .iov_base = (void *) frame, .iov_len = len };
  if (is_socket)
    {
      struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };

      /* No SIGPIPE when the other end is gone: the frame is dropped. */
      written = sendmsg (backend->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
  else
    written = writev (backend->fd, iov, n);
  if (written != (gssize) (hdr_len + len))
    {
      backend->counters->tx_dropped++;
      return FALSE;
    }
  backend->counters->tx_frames++;
  return TRUE;
}

/* A backend's read pass and write, named @read_pass_func and @write_func,
 * with @is_socket a constant: the copy of read_pass() and write_frame()
 * each backend gets. */
#define DEFINE_READ_WRITE(read_pass_func, write_func, is_socket)                                              \
  static void read_pass_func (ServalTapBackend *backend)                                                      \
  {                                                                                                           \
    read_pass (backend, is_socket);                                                                           \
  }                                                                                                           \
  static gboolean write_func (ServalTapBackend *backend, const void *hdr, gsize hdr_len, const guint8 *frame, \
                              gsize len)                                                                      \
  {                                                                                                           \
    return write_frame (backend, hdr, hdr_len, frame, len, is_socket);                                        \
  }

DEFINE_READ_WRITE (fd_read_pass, fd_write, FALSE)
DEFINE_READ_WRITE (socket_read_pass, socket_write, TRUE)

static ServalTapBackend *
fd_start (ServalTapBackend *backend)
{
  return serval_tap_uring_backend_new (backend);
}

static void
fd_free (ServalTapBackend *backend)
{
  FdBackend *b = (FdBackend *) backend;

  g_free (b->buf);
  g_free (b);
}

static const ServalTapBackendFuncs fd_funcs = {
  .start = fd_start,
  .read_pass = fd_read_pass,
  .write = fd_write,
  .free = fd_free,
};

static const ServalTapBackendFuncs socket_funcs = {
  .read_pass = socket_read_pass,
  .write = socket_write,
  .free = fd_free,
};

static ServalTapBackend *
backend_new (const ServalTapBackendFuncs *funcs, ServalTap *tap, int fd, ServalTapCounters *counters)
{
  FdBackend *b = g_new0 (FdBackend, 1);

  b->parent = (ServalTapBackend){ .funcs = funcs, .tap = tap, .counters = counters, .fd = fd };
  b->buf = g_malloc (SERVAL_TAP_BUFFER);
  return &b->parent;
}

ServalTapBackend *
serval_tap_fd_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters)
{
  return backend_new (&fd_funcs, tap, fd, counters);
}

ServalTapBackend *
serval_tap_socket_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters)
{
  return backend_new (&socket_funcs, tap, fd, counters);
}
