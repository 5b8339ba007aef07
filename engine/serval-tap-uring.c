#include "config.h"

#include "serval-tap-backend.h"

#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/mman.h>

/* A frame written to the device cost a write() of its own, and a system
 * call costs ~1.1 us on this machine kind: two thirds of a receiving
 * client's CPU time per 64-byte frame. Frames for the device are copied
 * into write slots of an io_uring and leave together in one
 * io_uring_enter() when the poller's pass ends (frames larger than a slot,
 * GSO frames, are written at once, after what is queued). Reads go
 * through a ring of their own (below). Where io_uring is refused (a
 * container's seccomp filter, kernel.io_uring_disabled) or
 * SERVAL_TAP_URING=0, the read()/write() backend does it as before;
 * SERVAL_TAP_URING=write keeps the write ring only. */

/* Write slots for frames of up to RING_SLOT bytes with their header. */
#define RING_SLOTS 64
#define RING_SLOT  2048

typedef struct
{
  struct io_uring tx;
  guint8 *tx_slots; /* RING_SLOTS x RING_SLOT */
  guint tx_queued;  /* slots [0, tx_queued) wait for ring_flush_tx() */
} TapRing;

typedef struct _TapRx TapRx;

typedef struct
{
  ServalTapBackend parent;
  ServalTapBackend *fallback; /* read() and write(): not ours */
  TapRing *ring;              /* NULL: write() */
  TapRx *rx;                  /* NULL: read() */
} UringBackend;

static const ServalTapBackendFuncs uring_funcs;

static gboolean
ring_wanted (void)
{
  const char *env = g_getenv ("SERVAL_TAP_URING");

  return env == NULL || g_strcmp0 (env, "0") != 0;
}

static void
ring_teardown (UringBackend *u)
{
  TapRing *r = u->ring;

  u->ring = NULL;
  io_uring_queue_exit (&r->tx);
  g_free (r->tx_slots);
  g_free (r);
}

/* Submits the queued writes and waits for them: a TAP device takes a write
 * at once (or drops the frame), so this does not block, and every slot is
 * free again afterwards. If io_uring fails here, which it should not, the
 * frames of this batch are counted as dropped and the device goes on with
 * write(). */
static void
ring_flush_tx (UringBackend *u)
{
  TapRing *r = u->ring;
  ServalTapCounters *counters = u->parent.counters;
  struct io_uring_cqe *cqe;
  guint n = r->tx_queued, done = 0;
  int ret;

  if (n == 0)
    return;
  r->tx_queued = 0;
  do
    ret = io_uring_submit_and_wait (&r->tx, n);
  while (ret == -EINTR);
  while (ret > 0 && done < (guint) ret)
    {
      int w = io_uring_wait_cqe (&r->tx, &cqe);

      if (w == -EINTR)
        continue;
      if (w < 0)
        break;
      /* user_data: the bytes the write had to take. */
      if (cqe->res < 0 || (guint64) cqe->res != cqe->user_data)
        {
          counters->tx_frames--;
          counters->tx_dropped++;
        }
      io_uring_cqe_seen (&r->tx, cqe);
      done++;
    }
  if (done < n)
    {
      g_warning ("Writing to TAP device %s through io_uring failed (%s): %u frame(s) lost; it is written "
                 "with write() from now on",
                 serval_tap_get_name (u->parent.tap),
                 ret < 0 ? g_strerror (-ret) : "not every write was taken", n - done);
      counters->tx_frames -= n - done;
      counters->tx_dropped += n - done;
      ring_teardown (u);
    }
}

/* Queues a frame for the device; FALSE if it does not fit in a slot. */
static gboolean
ring_queue_write (UringBackend *u, const void *hdr, gsize hdr_len, const guint8 *frame, gsize len)
{
  TapRing *r = u->ring;
  struct io_uring_sqe *sqe;
  guint8 *slot;

  if (hdr_len + len > RING_SLOT)
    return FALSE;
  if (r->tx_queued == RING_SLOTS)
    {
      ring_flush_tx (u);
      if (u->ring == NULL)
        return FALSE; /* io_uring failed: write() from now on */
    }
  slot = r->tx_slots + (gsize) r->tx_queued * RING_SLOT;
  if (hdr_len > 0)
    memcpy (slot, hdr, hdr_len);
  memcpy (slot + hdr_len, frame, len);
  sqe = io_uring_get_sqe (&r->tx);
  g_return_val_if_fail (sqe != NULL, FALSE);
  io_uring_prep_write (sqe, u->parent.fd, slot, hdr_len + len, 0);
  io_uring_sqe_set_data64 (sqe, hdr_len + len);
  r->tx_queued++;
  u->parent.counters->tx_frames++;
  serval_tap_backend_queued (u->parent.tap);
  return TRUE;
}

/* Hands one frame to the device: into a write slot when it fits, otherwise
 * at once, after what the ring holds, so that the device sees every frame
 * in order. */
static gboolean
uring_write (ServalTapBackend *backend, const void *hdr, gsize hdr_len, const guint8 *frame, gsize len)
{
  UringBackend *u = (UringBackend *) backend;

  if (u->ring != NULL && ring_queue_write (u, hdr, hdr_len, frame, len))
    return TRUE;
  if (u->ring != NULL)
    ring_flush_tx (u);
  return u->fallback->funcs->write (u->fallback, hdr, hdr_len, frame, len);
}

static void
uring_flush (ServalTapBackend *backend)
{
  UringBackend *u = (UringBackend *) backend;

  if (u->ring != NULL)
    ring_flush_tx (u);
}

/* --- reading through io_uring ----------------------------------------------------- */

/* A read() per frame is most of a sending client's CPU time for small
 * frames (2.6 us a 64-byte frame on this machine kind, 1.1 us of it the
 * system call). Instead one multishot read stays armed on the device and
 * takes frames into a ring of provided buffers. The ring defers its task
 * work (IORING_SETUP_DEFER_TASKRUN) to the next io_uring_enter() of this
 * thread, so when the main loop finds the device readable, one
 * io_uring_enter() reads every frame waiting, without a wake-up or an IPI
 * per frame (the ring without deferral costs more CPU per frame than
 * read(): docs/performance.md). The main loop keeps polling the device
 * itself: an eventfd registered on a deferring ring was signalled 10-30 ms
 * late here. Needs Linux 6.7 (IORING_OP_READ_MULTISHOT); elsewhere, or when
 * the ring fails, read() does it.
 *
 * Buffers hold the largest frame, a GSO frame with its header: a read into
 * a shorter one would cut the frame. Pages never touched cost no memory, so
 * with small frames a buffer keeps one page resident. */
#ifndef IORING_OP_READ_MULTISHOT
#define IORING_OP_READ_MULTISHOT 49 /* Linux 6.7; Debian 12's uapi headers are older */
#endif
/* 16 and not 64: buffers are taken in turn, and 64 of them (4 MiB) made a
 * TCP frame cost the sending client more CPU than read() into one buffer;
 * 16 cost the same, and a read that ends every 16 frames is armed again
 * with one io_uring_enter() more per 16 frames. */
#define RX_BUFS   16
#define RX_GROUP  0
#define RX_BUFFER SERVAL_TAP_BUFFER

struct _TapRx
{
  struct io_uring ring;
  struct io_uring_buf_ring *br;
  guint8 *bufs; /* RX_BUFS x RX_BUFFER */
  int fd;
  ServalTap *tap;
  gboolean in_pass; /* stopped during a pass: the pass frees it */
  gboolean stopped;
  gboolean more; /* completions left for the next pass */
};

static gboolean
rx_wanted (void)
{
  return g_strcmp0 (g_getenv ("SERVAL_TAP_URING"), "write") != 0;
}

static void
rx_free (TapRx *x)
{
  io_uring_queue_exit (&x->ring);
  if (x->br != NULL)
    munmap (x->br, RX_BUFS * sizeof (struct io_uring_buf));
  if (x->bufs != NULL)
    munmap (x->bufs, (gsize) RX_BUFS * RX_BUFFER);
  g_free (x);
}

static void
rx_put_buffer (TapRx *x, guint bid, int offset)
{
  io_uring_buf_ring_add (x->br, x->bufs + (gsize) bid * RX_BUFFER, RX_BUFFER, bid,
                         io_uring_buf_ring_mask (RX_BUFS), offset);
}

/* Arms the multishot read; it starts reading at once. */
static gboolean
rx_arm (TapRx *x)
{
  struct io_uring_sqe *sqe = io_uring_get_sqe (&x->ring);

  if (sqe == NULL)
    return FALSE;
  io_uring_prep_rw (IORING_OP_READ_MULTISHOT, sqe, x->fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = RX_GROUP;
  return io_uring_submit (&x->ring) == 1;
}

static gboolean
rx_supported (struct io_uring *ring)
{
  struct io_uring_probe *probe = io_uring_get_probe_ring (ring);
  gboolean ok = probe != NULL && io_uring_opcode_supported (probe, IORING_OP_READ_MULTISHOT);

  if (probe != NULL)
    io_uring_free_probe (probe);
  return ok;
}

static void
rx_stop (UringBackend *u)
{
  TapRx *x = u->rx;

  if (x == NULL)
    return;
  u->rx = NULL;
  if (x->in_pass)
    x->stopped = TRUE;
  else
    rx_free (x);
}

/* Gives a new ring its buffers and arms its read; NULL, or why it cannot. */
static const char *
rx_setup (TapRx *x)
{
  struct io_uring_buf_reg reg = { 0 };
  int ret;

  if (!rx_supported (&x->ring))
    return "the kernel has no multishot read, Linux 6.7";
  x->br = mmap (NULL, RX_BUFS * sizeof (struct io_uring_buf), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  x->bufs = mmap (NULL, (gsize) RX_BUFS * RX_BUFFER, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (x->br == MAP_FAILED || x->bufs == MAP_FAILED)
    {
      x->br = x->br == MAP_FAILED ? NULL : x->br;
      x->bufs = x->bufs == MAP_FAILED ? NULL : x->bufs;
      return "out of memory";
    }
  reg.ring_addr = (guint64) (guintptr) x->br;
  reg.ring_entries = RX_BUFS;
  reg.bgid = RX_GROUP;
  ret = io_uring_register_buf_ring (&x->ring, &reg, 0);
  if (ret != 0)
    return g_strerror (-ret);
  io_uring_buf_ring_init (x->br);
  for (guint i = 0; i < RX_BUFS; i++)
    rx_put_buffer (x, i, i);
  io_uring_buf_ring_advance (x->br, RX_BUFS);
  if (!rx_arm (x))
    return "the read could not be armed";
  /* It read at once what was waiting: see uring_read_pass(). */
  x->more = io_uring_cq_ready (&x->ring) > 0;
  return NULL;
}

/* Sets up u->rx on the thread that will run the passes (the ring takes
 * io_uring_enter() from this thread only); none where the kernel cannot. */
static void
rx_new (UringBackend *u)
{
  struct io_uring_params p = {
    .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE,
    .cq_entries = 2 * RX_BUFS, /* a pass's completions and the one that ends a read */
  };
  TapRx *x = g_new0 (TapRx, 1);
  const char *why;
  int ret = io_uring_queue_init_params (8, &x->ring, &p);

  if (ret != 0)
    {
      g_free (x);
      why = g_strerror (-ret);
    }
  else
    {
      x->fd = u->parent.fd;
      x->tap = u->parent.tap;
      u->rx = x;
      why = rx_setup (x);
      if (why != NULL)
        rx_stop (u);
    }
  if (why != NULL)
    g_debug ("TAP device %s: no io_uring for reads (%s): read() each frame",
             serval_tap_get_name (u->parent.tap), why);
}

/* Hands on the completions waiting (at most SERVAL_TAP_MAX_BYTES_PER_PASS
 * more than @total), gives their buffers back and re-arms a read that
 * ended (it ends when it has taken every buffer). Returns the frames, or
 * -errno. */
static int
rx_take (TapRx *x, gsize *total)
{
  struct io_uring_cqe *cqe;
  guint returned = 0;
  gboolean rearm = FALSE;
  int frames = 0, failed = 0;

  while (io_uring_peek_cqe (&x->ring, &cqe) == 0)
    {
      int res = cqe->res;
      guint flags = cqe->flags;

      if (*total >= SERVAL_TAP_MAX_BYTES_PER_PASS)
        {
          x->more = TRUE;
          break;
        }
      io_uring_cqe_seen (&x->ring, cqe);
      if (!(flags & IORING_CQE_F_MORE))
        rearm = TRUE;
      if (res < 0 && res != -ENOBUFS && res != -EAGAIN && res != -EINTR)
        failed = res;
      if (!(flags & IORING_CQE_F_BUFFER))
        continue;
      if (res > 0 && !x->stopped)
        {
          *total += res;
          frames++;
          serval_tap_backend_take_frame (x->tap, x->bufs + (gsize) (flags >> IORING_CQE_BUFFER_SHIFT) * RX_BUFFER,
                                         res);
        }
      rx_put_buffer (x, flags >> IORING_CQE_BUFFER_SHIFT, returned++);
    }
  io_uring_buf_ring_advance (x->br, returned);
  if (failed == 0 && rearm && !x->stopped && !rx_arm (x))
    failed = -EIO;
  return failed != 0 ? failed : frames;
}

/* A read pass: runs the reads waiting (the deferred task work) and hands
 * their frames on, again while frames keep coming, up to what a pass of
 * read() takes (SERVAL_TAP_MAX_READS_PER_PASS), so that the links get
 * batches as large. On a failure the device goes on with read(), in this
 * pass already. */
static void
uring_read_pass (ServalTapBackend *backend)
{
  UringBackend *u = (UringBackend *) backend;
  TapRx *x = u->rx;
  gsize total = 0;
  int frames = 0, got, failed = 0;

  if (x == NULL)
    {
      u->fallback->funcs->read_pass (u->fallback);
      return;
    }
  x->in_pass = TRUE;
  do
    {
      if (!x->more)
        {
          int ret = io_uring_get_events (&x->ring);

          if (ret < 0)
            {
              failed = ret;
              break;
            }
        }
      x->more = FALSE;
      got = rx_take (x, &total);
      if (got < 0)
        failed = got;
      else
        frames += got;
    }
  while (failed == 0 && got > 0 && !x->more && !x->stopped && frames < SERVAL_TAP_MAX_READS_PER_PASS);
  x->in_pass = FALSE;
  if (x->stopped)
    {
      /* A frame callback stopped the device and freed @backend. */
      rx_free (x);
      return;
    }
  /* A read re-armed reads at once what waits; the device may then look
   * idle with those frames in the completion queue. */
  if (failed == 0 && io_uring_cq_ready (&x->ring) > 0)
    x->more = TRUE;
  if (failed != 0)
    {
      g_warning ("Reading from TAP device %s through io_uring failed (%s); it is read with read() from now on",
                 serval_tap_get_name (backend->tap), g_strerror (-failed));
      rx_stop (u);
      u->fallback->funcs->read_pass (u->fallback);
    }
}

static gboolean
uring_pending (ServalTapBackend *backend)
{
  UringBackend *u = (UringBackend *) backend;

  return u->rx != NULL && u->rx->more;
}

static void
uring_free (ServalTapBackend *backend)
{
  UringBackend *u = (UringBackend *) backend;

  rx_stop (u);
  if (u->ring != NULL)
    ring_flush_tx (u);
  if (u->ring != NULL)
    ring_teardown (u);
  g_free (u);
}

static const ServalTapBackendFuncs uring_funcs = {
  .read_pass = uring_read_pass,
  .pending = uring_pending,
  .write = uring_write,
  .flush = uring_flush,
  .free = uring_free,
};

ServalTapBackend *
serval_tap_uring_backend_new (ServalTapBackend *fallback)
{
  static gboolean said_no_ring;
  UringBackend *u;
  TapRing *r;
  int ret;

  if (!ring_wanted ())
    return NULL;
  r = g_new0 (TapRing, 1);
  ret = io_uring_queue_init (RING_SLOTS, &r->tx, 0);
  if (ret != 0)
    {
      serval_tap_say_once (&said_no_ring, "The kernel refused io_uring (%s): frames for TAP device %s are "
                                          "written and read one system call each. Serval works on, with more CPU per small "
                                          "frame; a container's seccomp profile or the sysctl kernel.io_uring_disabled may "
                                          "forbid it",
                           g_strerror (-ret), serval_tap_get_name (fallback->tap));
      g_free (r);
      return NULL;
    }
  r->tx_slots = g_malloc ((gsize) RING_SLOTS * RING_SLOT);
  u = g_new0 (UringBackend, 1);
  u->parent = *fallback;
  u->parent.funcs = &uring_funcs;
  u->fallback = fallback;
  u->ring = r;
  if (rx_wanted ())
    rx_new (u);
  return &u->parent;
}

gboolean
serval_tap_uring_backend_reads (ServalTapBackend *backend)
{
  return backend->funcs == &uring_funcs && ((UringBackend *) backend)->rx != NULL;
}
