#include "config.h"

#include "serval-tap-backend.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

/* A Linux TAP device's own backend: a read() and a writev() per frame.
 * While the device is started io_uring takes over in front of it where the
 * kernel allows (serval-tap-uring.c), and falls back to it. */
typedef struct
{
  ServalTapBackend parent;
  guint8 *buf;                 /* SERVAL_TAP_BUFFER */
} FdBackend;

static void
fd_read_pass (ServalTapBackend *backend)
{
  FdBackend *b = (FdBackend *) backend;
  gsize total = 0;

  for (int i = 0; i < SERVAL_TAP_MAX_READS_PER_PASS && total < SERVAL_TAP_MAX_BYTES_PER_PASS &&
       serval_tap_backend_reading (backend->tap); i++)
    {
      gssize n = read (backend->fd, b->buf, SERVAL_TAP_BUFFER);

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
      serval_tap_backend_take_frame (backend->tap, b->buf, n);
    }
}

static gboolean
fd_write (ServalTapBackend *backend, const void *hdr, gsize hdr_len, const guint8 *frame, gsize len)
{
  struct iovec iov[2];
  int n = 0;

  if (hdr_len > 0)
    iov[n++] = (struct iovec) { .iov_base = (void *) hdr, .iov_len = hdr_len };
  iov[n++] = (struct iovec) { .iov_base = (void *) frame, .iov_len = len };
  if (writev (backend->fd, iov, n) != (gssize) (hdr_len + len))
    {
      backend->counters->tx_dropped++;
      return FALSE;
    }
  backend->counters->tx_frames++;
  return TRUE;
}

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

ServalTapBackend *
serval_tap_fd_backend_new (ServalTap *tap, int fd, ServalTapCounters *counters)
{
  FdBackend *b = g_new0 (FdBackend, 1);

  b->parent = (ServalTapBackend) { .funcs = &fd_funcs, .tap = tap, .counters = counters, .fd = fd };
  b->buf = g_malloc (SERVAL_TAP_BUFFER);
  return &b->parent;
}
