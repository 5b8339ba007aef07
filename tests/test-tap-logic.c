/* The TAP device's own logic, without root: the device runs over one end of
 * an AF_UNIX SOCK_SEQPACKET socketpair (serval_tap_new_for_socket()) and the
 * test, on the other end, plays the kernel. Frames go both ways, with and
 * without the vnet header; a read pass hands on at most 64 frames; a frame
 * callback that stops the device ends the pass, and one that runs a main
 * loop gets no frame from it; a GSO frame for a device without offloads is
 * segmented in software; the counters count. The real TAP device, its
 * io_uring and its GSource's system calls are tests/test-tap-source.c's. */
#include "config.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "serval-gso.h"
#include "serval-tap-private.h"
#include "test-loop-util.h"

#define TEST_ETHERTYPE     0x88B5
#define MAX_READS_PER_PASS 64 /* SERVAL_TAP_MAX_READS_PER_PASS */

typedef struct
{
  ServalTap *tap;
  int peer; /* the kernel's end */
  gboolean vnet;
  /* What the frame callback saw. */
  guint frames;
  guint8 next_seq;
  gboolean in_order;
  gsize lengths[256];
  guint stop_at; /* stop the device at this frame (1-based; 0: never) */
  gboolean nest; /* run a main loop from the first frame's callback */
  guint frames_in_nest;
  ServalOffload offload; /* of the last frame, if it had any */
  gboolean had_offload;
  GMainContext *context; /* the test's own, thread default */
} Fixture;

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static guint16
get16 (const guint8 *p)
{
  return (p[0] << 8) | p[1];
}

static void
frame_cb (ServalTap *tap, const ServalFrame *fr, gpointer user_data)
{
  const guint8 *frame = fr->data;
  gsize len = fr->len;
  Fixture *f = user_data;
  const ServalOffload *off = fr->offload;

  g_assert_cmpuint (len, >=, 15);
  if (frame[14] != f->next_seq)
    f->in_order = FALSE;
  f->next_seq = frame[14] + 1;
  f->lengths[f->frames++ % G_N_ELEMENTS (f->lengths)] = len;
  f->had_offload = off != NULL;
  if (off != NULL)
    f->offload = *off;
  if (f->frames == f->stop_at)
    serval_tap_stop (tap);
  if (f->nest)
    {
      guint before = f->frames;

      f->nest = FALSE;
      for (int i = 0; i < 5; i++)
        test_iterate (FALSE);
      f->frames_in_nest = f->frames - before;
    }
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const guint8 mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
  int sv[2];
  int size = 1 << 20;

  f->context = test_context_push ();
  f->vnet = GPOINTER_TO_INT (data);
  f->in_order = TRUE;
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), ==, 0);
  /* Room for the batch tests' frames. */
  setsockopt (sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  f->peer = sv[1];
  f->tap = serval_tap_new_for_socket (sv[0], "tlogic0", mac, 1500, f->vnet);
  serval_tap_set_frame_func (f->tap, frame_cb, f);
  serval_tap_start (f->tap);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->tap);
  close (f->peer);
  test_context_pop (f->context);
}

/* A frame of our EtherType, @len bytes long, numbered @seq. */
static void
make_frame (guint8 *frame, gsize len, guint8 seq)
{
  memset (frame, 0xff, 6);
  memcpy (frame + 6, "\x02\x00\x5e\x00\x00\x02", 6);
  put16 (frame + 12, TEST_ETHERTYPE);
  for (gsize i = 14; i < len; i++)
    frame[i] = seq + i - 14;
}

/* What the kernel does to the device: sends a frame, with @vh first if the
 * device has the vnet header (a zero one if @vh is NULL). */
static void
peer_send (Fixture *f, const struct virtio_net_hdr *vh, const guint8 *frame, gsize len)
{
  struct virtio_net_hdr zero = { 0 };
  struct iovec iov[2] = {
    { .iov_base = (void *) (vh != NULL ? vh : &zero), .iov_len = sizeof zero },
    { .iov_base = (void *) frame, .iov_len = len },
  };
  struct msghdr msg = { .msg_iov = f->vnet ? iov : iov + 1, .msg_iovlen = f->vnet ? 2 : 1 };

  g_assert_cmpint (sendmsg (f->peer, &msg, MSG_DONTWAIT), ==, (f->vnet ? sizeof zero : 0) + len);
}

static void
peer_send_frames (Fixture *f, guint n, gsize len)
{
  guint8 frame[1514];

  for (guint i = 0; i < n; i++)
    {
      make_frame (frame, len, i);
      peer_send (f, NULL, frame, len);
    }
}

/* The next frame the device wrote, or -1 if none waits. */
static gssize
peer_recv (Fixture *f, guint8 *buf, gsize size)
{
  return recv (f->peer, buf, size, MSG_DONTWAIT | MSG_TRUNC);
}

/* Frames of 60 to 1410 bytes arrive whole and in order. */
static void
test_read_frames (Fixture *f, gconstpointer data)
{
  struct virtio_net_hdr vh = { 0 };
  guint8 frame[1514];
  enum
  {
    N = 16
  };

  for (guint i = 0; i < N; i++)
    {
      make_frame (frame, 60 + i * 90, i);
      peer_send (f, &vh, frame, 60 + i * 90);
    }
  test_drain ();
  g_assert_cmpuint (f->frames, ==, N);
  g_assert_true (f->in_order);
  for (guint i = 0; i < N; i++)
    g_assert_cmpuint (f->lengths[i], ==, 60 + i * 90);
  g_assert_false (f->had_offload);
  g_assert_cmpuint (serval_tap_get_rx_frames (f->tap), ==, N);
  g_assert_cmpuint (serval_tap_get_rx_gso_frames (f->tap), ==, 0);
}

/* GSO metadata as the kernel's vnet header says it and as Serval does:
 * the same fields (flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset) with the same values. A TCP/IPv4 frame's, a TCP/IPv6 one's. */
typedef struct
{
  struct virtio_net_hdr vh;
  ServalOffload off;
} Gso;

static const Gso TCP4_GSO = {
  { VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 54, 1448, 34, 16 },
  { SERVAL_OFFLOAD_NEEDS_CSUM, SERVAL_GSO_TCPV4, 54, 1448, 34, 16 },
};
static const Gso TCP6_GSO = {
  { VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 74, 1428, 54, 16 },
  { SERVAL_OFFLOAD_NEEDS_CSUM, SERVAL_GSO_TCPV6, 74, 1428, 54, 16 },
};

/* A GSO frame's vnet header reaches the frame callback as its offload
 * metadata, and only there. */
static void
test_read_gso (Fixture *f, gconstpointer data)
{
  static guint8 frame[9000];

  make_frame (frame, sizeof frame, 0);
  peer_send (f, &TCP4_GSO.vh, frame, sizeof frame);
  test_drain ();
  g_assert_cmpuint (f->frames, ==, 1);
  g_assert_cmpuint (f->lengths[0], ==, sizeof frame);
  g_assert_true (f->had_offload);
  g_assert_cmpmem (&f->offload, sizeof f->offload, &TCP4_GSO.off, sizeof TCP4_GSO.off);
  g_assert_cmpuint (serval_tap_get_rx_gso_frames (f->tap), ==, 1);
}

/* A pass hands on at most 64 frames; the rest wait for the next ones. */
static void
test_read_batches (Fixture *f, gconstpointer data)
{
  enum
  {
    N = 150
  };

  peer_send_frames (f, N, 60);
  test_iterate (FALSE);
  g_assert_cmpuint (f->frames, ==, MAX_READS_PER_PASS);
  test_iterate (FALSE);
  g_assert_cmpuint (f->frames, ==, 2 * MAX_READS_PER_PASS);
  test_drain ();
  g_assert_cmpuint (f->frames, ==, N);
  g_assert_true (f->in_order);
  g_assert_cmpuint (serval_tap_get_rx_frames (f->tap), ==, N);
}

/* A frame callback that stops the device ends the pass: the frames after
 * it wait until the device starts again. */
static void
test_read_stop_in_callback (Fixture *f, gconstpointer data)
{
  enum
  {
    N = 10,
    STOP_AT = 3
  };

  f->stop_at = STOP_AT;
  peer_send_frames (f, N, 60);
  test_drain ();
  g_assert_cmpuint (f->frames, ==, STOP_AT);
  g_assert_cmpuint (serval_tap_get_rx_frames (f->tap), ==, STOP_AT);
  serval_tap_start (f->tap);
  test_drain ();
  g_assert_cmpuint (f->frames, ==, N);
  g_assert_true (f->in_order);
}

/* A main loop run from a frame callback reads nothing: the outer pass
 * goes on afterwards, in order. */
static void
test_read_nested_loop (Fixture *f, gconstpointer data)
{
  enum
  {
    N = 10
  };

  f->nest = TRUE;
  peer_send_frames (f, N, 60);
  test_drain ();
  g_assert_cmpuint (f->frames_in_nest, ==, 0);
  g_assert_cmpuint (f->frames, ==, N);
  g_assert_true (f->in_order);
}

/* Frames written to the device reach the kernel one datagram each, whole,
 * in order; with the vnet header, the offload metadata goes in it. */
static void
test_write_frames (Fixture *f, gconstpointer data)
{
  gsize hdr = f->vnet ? sizeof (struct virtio_net_hdr) : 0;
  guint8 frame[1514], got[2000];
  enum
  {
    N = 16
  };

  for (guint i = 0; i < N; i++)
    {
      make_frame (frame, 60 + i * 90, i);
      g_assert_true (serval_tap_write (f->tap, frame, 60 + i * 90));
    }
  for (guint i = 0; i < N; i++)
    {
      g_assert_cmpint (peer_recv (f, got, sizeof got), ==, hdr + 60 + i * 90);
      make_frame (frame, 60 + i * 90, i);
      g_assert_cmpmem (got + hdr, 60 + i * 90, frame, 60 + i * 90);
    }
  g_assert_cmpint (peer_recv (f, got, sizeof got), <, 0);
  g_assert_cmpuint (serval_tap_get_tx_frames (f->tap), ==, N);
  if (!f->vnet)
    return;
  /* A frame with offload metadata (the payload does not matter here). */
  make_frame (frame, 1514, 0);
  g_assert_true (serval_tap_write_frame (f->tap, &(ServalFrame){ frame, 1514, 0, &TCP6_GSO.off }));
  g_assert_cmpint (peer_recv (f, got, sizeof got), ==, hdr + 1514);
  g_assert_cmpmem (got, sizeof TCP6_GSO.vh, &TCP6_GSO.vh, sizeof TCP6_GSO.vh);
  g_assert_cmpuint (serval_tap_get_tx_frames (f->tap), ==, N + 1);
  g_assert_cmpuint (serval_tap_get_tx_dropped (f->tap), ==, 0);
}

/* A TCP/IPv4 GSO frame of @payload bytes, as Linux reads it from a device
 * with offloads: the TCP checksum field holds the pseudo-header sum. */
enum
{
  L3 = 14,
  L4 = 34,
  HLEN = 54
};

static gsize
make_tcp4_gso (guint8 *p, gsize payload, guint16 mss, ServalOffload *off)
{
  guint32 pseudo;

  memset (p, 0, HLEN);
  memcpy (p, "\x02\x00\x5e\x00\x00\x01\x02\x00\x5e\x00\x00\x02", 12);
  put16 (p + 12, 0x0800);
  p[L3] = 0x45;
  put16 (p + L3 + 2, 20 + 20 + payload);
  put16 (p + L3 + 6, 0x4000); /* DF */
  p[L3 + 8] = 64;
  p[L3 + 9] = 6;
  memcpy (p + L3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
  put16 (p + L3 + 10, (guint16) ~serval_csum_fold (serval_csum_add (0, p + L3, 20)));
  put16 (p + L4, 40000);
  put16 (p + L4 + 2, 5001);
  p[L4 + 12] = 5 << 4;
  p[L4 + 13] = 0x18; /* PSH, ACK */
  put16 (p + L4 + 14, 502);
  for (gsize i = 0; i < payload; i++)
    p[HLEN + i] = i * 7 + i / 251;
  pseudo = serval_csum_add (0, p + L3 + 12, 8) + 6 + 20 + payload;
  put16 (p + L4 + 16, serval_csum_fold (pseudo));
  *off = (ServalOffload){
    .flags = SERVAL_OFFLOAD_NEEDS_CSUM,
    .gso_type = SERVAL_GSO_TCPV4,
    .hdr_len = HLEN,
    .gso_size = mss,
    .csum_start = L4,
    .csum_offset = 16,
  };
  return HLEN + payload;
}

/* A device without offloads gets a GSO frame as its TCP segments, each
 * with its checksums complete and the payload in order; what cannot be
 * segmented is dropped and counted. */
static void
test_write_segmented (Fixture *f, gconstpointer data)
{
  static guint8 frame[HLEN + 20000], got[2000], payload[20000];
  ServalOffload off;
  gsize len = make_tcp4_gso (frame, sizeof payload, 1400, &off), done = 0;
  guint segments = 0;
  gssize n;

  g_assert_true (serval_tap_write_frame (f->tap, &(ServalFrame){ frame, len, 0, &off }));
  while ((n = peer_recv (f, got, sizeof got)) > 0)
    {
      gsize seg = n - HLEN;
      guint32 pseudo = serval_csum_add (0, got + L3 + 12, 8) + 6 + 20 + seg;

      g_assert_cmpint (n, <=, HLEN + 1400);
      g_assert_cmpuint (get16 (got + L3 + 2), ==, 40 + seg);
      g_assert_cmpuint (serval_csum_fold (serval_csum_add (0, got + L3, 20)), ==, 0xffff);
      g_assert_cmpuint (serval_csum_fold (serval_csum_add (pseudo, got + L4, 20 + seg)), ==, 0xffff);
      g_assert_cmpuint (done + seg, <=, sizeof payload);
      memcpy (payload + done, got + HLEN, seg);
      done += seg;
      segments++;
    }
  g_assert_cmpuint (segments, ==, (sizeof payload + 1399) / 1400);
  g_assert_cmpmem (payload, sizeof payload, frame + HLEN, sizeof payload);
  g_assert_cmpuint (serval_tap_get_tx_frames (f->tap), ==, segments);
  g_assert_cmpuint (serval_tap_get_tx_dropped (f->tap), ==, 0);

  /* UDP fragmentation offload is never segmented in software. */
  off.gso_type = SERVAL_GSO_UDP;
  g_assert_false (serval_tap_write_frame (f->tap, &(ServalFrame){ frame, len, 0, &off }));
  g_assert_cmpint (peer_recv (f, got, sizeof got), <, 0);
  g_assert_cmpuint (serval_tap_get_tx_frames (f->tap), ==, segments);
  g_assert_cmpuint (serval_tap_get_tx_dropped (f->tap), ==, 1);
}

/* A frame the device does not take (its queue is full) is dropped and
 * counted; the ones before it arrive. */
static void
test_write_dropped (Fixture *f, gconstpointer data)
{
  guint8 frame[1514], got[2000];
  guint taken = 0, received = 0;

  make_frame (frame, sizeof frame, 0);
  while (taken < 100000 && serval_tap_write (f->tap, frame, sizeof frame))
    taken++;
  g_assert_cmpuint (taken, >, 0);
  g_assert_cmpuint (taken, <, 100000);
  g_assert_cmpuint (serval_tap_get_tx_frames (f->tap), ==, taken);
  g_assert_cmpuint (serval_tap_get_tx_dropped (f->tap), ==, 1);
  while (peer_recv (f, got, sizeof got) > 0)
    received++;
  g_assert_cmpuint (received, ==, taken);
  /* And it writes on. */
  g_assert_true (serval_tap_write (f->tap, frame, 60));
  g_assert_cmpuint (serval_tap_get_tx_frames (f->tap), ==, taken + 1);
}

static void
add (const char *path, gboolean vnet, void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, GINT_TO_POINTER (vnet), fixture_set_up, func, fixture_tear_down);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  add ("/engine/tap-logic/read/frames", FALSE, test_read_frames);
  add ("/engine/tap-logic/read/frames-vnet", TRUE, test_read_frames);
  add ("/engine/tap-logic/read/gso", TRUE, test_read_gso);
  add ("/engine/tap-logic/read/batches", FALSE, test_read_batches);
  add ("/engine/tap-logic/read/stop-in-callback", FALSE, test_read_stop_in_callback);
  add ("/engine/tap-logic/read/nested-loop", FALSE, test_read_nested_loop);
  add ("/engine/tap-logic/write/frames", FALSE, test_write_frames);
  add ("/engine/tap-logic/write/frames-vnet", TRUE, test_write_frames);
  add ("/engine/tap-logic/write/segmented", FALSE, test_write_segmented);
  add ("/engine/tap-logic/write/dropped", FALSE, test_write_dropped);
  return g_test_run ();
}
