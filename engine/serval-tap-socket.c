#include "config.h"

#include "serval-tap-backend.h"

#include <errno.h>
#include <sys/socket.h>

/* A device whose frames are the datagrams of a socket (AF_UNIX
 * SOCK_SEQPACKET or SOCK_DGRAM, one end of a socketpair), framed as a TAP
 * device frames them: with a struct virtio_net_hdr first when the device
 * has one. The other end plays the kernel's part, so the device's logic
 * runs in tests without root (serval_tap_new_for_socket()). That end must
 * stay open while the device is started: a closed one stays readable. */
typedef struct
{
  ServalTapBackend parent;
  guint8 *buf;                 /* SERVAL_TAP_BUFFER */
} SocketBackend;

static void
socket_read_pass (ServalTapBackend *backend)
{
  SocketBackend *b = (SocketBackend *) backend;
  gsize total = 0;

  for (int i = 0; i < SERVAL_TAP_MAX_READS_PER_PASS && total < SERVAL_TAP_MAX_BYTES_PER_PASS &&
       serval_tap_backend_reading (backend->tap); i++)
    {
      gssize n = recv (backend->fd, b->buf, SERVAL_TAP_BUFFER, MSG_DONTWAIT | MSG_TRUNC);

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
      /* Longer than any frame a device gives: dropped, not cut. */
      if ((gsize) n <= SERVAL_TAP_BUFFER)
        serval_tap_backend_take_frame (backend->tap, b->buf, n);
    }
}

static gboolean
socket_write (ServalTapBackend *backend, const void *hdr, gsize hdr_len, const guint8 *frame, gsize len)
{
  struct iovec iov[2];
  struct msghdr msg = { .msg_iov = iov };

  if (hdr_len > 0)
    iov[msg.msg_iovlen++] = (struct iovec) { .iov_base = (void *) hdr, .iov_len = hdr_len };
  iov[msg.msg_iovlen++] = (struct iovec) { .iov_base = (void *) frame, .iov_len = len };
  /* No SIGPIPE when the other end is gone: the frame is dropped. */
  if (sendmsg (backend->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != (gssize) (hdr_len + len))
    {
      backend->counters->tx_dropped++;
      return FALSE;
    }
  backend->counters->tx_frames++;
  return TRUE;
}

static void
socket_free (ServalTapBackend *backend)
{
  SocketBackend *b = (SocketBackend *) backend;

  g_free (b->buf);
  g_free (b);
}

static const ServalTapBackendFuncs socket_funcs = {
  .read_pass = socket_read_pass,
  .write = socket_write,
  .free = socket_free,
};

ServalTapBackend *
serval_tap_socket_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters)
{
  SocketBackend *b = g_new0 (SocketBackend, 1);

  b->parent = (ServalTapBackend) { .funcs = &socket_funcs, .tap = tap, .counters = counters, .fd = fd };
  b->buf = g_malloc (SERVAL_TAP_BUFFER);
  return &b->parent;
}
