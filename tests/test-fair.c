/* Unit tests for engine/serval-fair.c (the server's fair queues towards one
 * member, and the token bucket of its per-user rate limit) and for a link's
 * drain function (engine/serval-link-drain.c): simulated ticks, no clock. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "serval-fair.h"
#include "serval-link.h"
#include "serval-message.h"
#include "test-loop-util.h"

#define N_SENDERS 4
#define MAX_FRAME 65535

typedef struct
{
  ServalFair *fair;
  ServalFairStats stats;
  guint64 got_bytes[N_SENDERS];  /* bytes pulled out, per sender */
  guint64 got_frames[N_SENDERS]; /* frames pulled out, per sender */
  guint64 sent_frames[N_SENDERS];
  gint64 credit; /* the receiver's link: bytes it may take now */
} Sim;

static guint8 frame_buf[MAX_FRAME];

/* A frame of @len bytes from sender @who (its first byte says who). */
static ServalFairResult
push (Sim *sim, guint who, gsize len)
{
  ServalFrame frame = { frame_buf, len, 7, NULL };

  frame_buf[0] = who;
  sim->sent_frames[who]++;
  return serval_fair_push (sim->fair, who, &frame);
}

static void
record_cb (const ServalFrame *frame, gpointer user_data)
{
  Sim *sim = user_data;
  guint who = frame->data[0];

  g_assert_cmpuint (who, <, N_SENDERS);
  g_assert_cmpuint (frame->vlan, ==, 7);
  sim->got_bytes[who] += frame->len;
  sim->got_frames[who]++;
}

/* One tick of the receiver's link: it takes @drain bytes (what a frame
 * took past the budget is owed from the next tick). */
static void
tick (Sim *sim, gsize drain)
{
  sim->credit += drain;
  if (sim->credit > 0)
    sim->credit -= serval_fair_pull (sim->fair, sim->credit, record_cb, sim);
}

static void
sim_init (Sim *sim, const ServalFairLimits *limits)
{
  memset (sim, 0, sizeof *sim);
  sim->fair = serval_fair_new (limits, &sim->stats);
}

static double
jain (const guint64 *x, guint n)
{
  double sum = 0, sq = 0;

  for (guint i = 0; i < n; i++)
    {
      sum += x[i];
      sq += (double) x[i] * x[i];
    }
  return sq > 0 ? sum * sum / (n * sq) : 0;
}

/* Four senders offering 10 %, 20 %, 100 % and 400 % of the receiver's link:
 * the first two get all they offer, the two others share the rest equally
 * (within DRR's bound: a quantum and a frame). */
static void
test_shares (void)
{
  const gsize drain = 100000, ticks = 2000;
  const gsize offered[N_SENDERS] = { drain / 10, drain / 5, drain, 4 * drain };
  const gsize len[N_SENDERS] = { 100, 1500, 64, 9000 };
  double offered_part[N_SENDERS] = { 0 };
  ServalFairLimits limits = { 1024 * 1024, 8 * 1024 * 1024, 65536 + 16 };
  Sim sim;

  sim_init (&sim, &limits);
  for (gsize t = 0; t < ticks; t++)
    {
      for (guint i = 0; i < N_SENDERS; i++)
        for (offered_part[i] += offered[i]; offered_part[i] >= len[i]; offered_part[i] -= len[i])
          push (&sim, i, len[i]);
      tick (&sim, drain);
    }
  /* The light senders lost nothing and wait for no more than a round. */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (sim.sent_frames[i] - sim.got_frames[i], <=, 2 * limits.quantum / len[i] + 1);
      g_assert_cmpuint (sim.got_bytes[i], >=, offered[i] * ticks - 2 * limits.quantum);
    }
  /* The heavy ones share the rest. */
  {
    gint64 rest = drain * ticks - sim.got_bytes[0] - sim.got_bytes[1];
    gint64 diff = (gint64) sim.got_bytes[2] - (gint64) sim.got_bytes[3];

    g_assert_cmpint (ABS (diff), <=, (gint64) (limits.quantum + MAX_FRAME));
    g_assert_cmpint (sim.got_bytes[2], >=, rest / 2 - (gint64) (limits.quantum + MAX_FRAME));
    g_assert_cmpint (sim.got_bytes[3], >=, rest / 2 - (gint64) (limits.quantum + MAX_FRAME));
  }
  /* Only the heavy senders' queues overflowed. */
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_SENDER_FULL], >, 0);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_RECEIVER_FULL], ==, 0);
  serval_fair_free (sim.fair);
  g_assert_cmpuint (sim.stats.queued_frames, ==, 0);
  g_assert_cmpuint (sim.stats.queued_bytes, ==, 0);
}

/* Equal demands in frames of very different sizes (64 B to 64 KiB): equal
 * bytes, Jain's index at least 0.9 (in fact near 1). */
static void
test_jain_equal_demands (void)
{
  const gsize drain = 200000, ticks = 1000;
  const gsize len[N_SENDERS] = { 64, 1514, 9000, MAX_FRAME };
  gsize offered_part[N_SENDERS] = { 0 };
  Sim sim;
  double j;

  sim_init (&sim, NULL);
  for (gsize t = 0; t < ticks; t++)
    {
      /* Each offers half the link: all four stay backlogged. */
      for (guint i = 0; i < N_SENDERS; i++)
        for (offered_part[i] += drain / 2; offered_part[i] >= len[i]; offered_part[i] -= len[i])
          push (&sim, i, len[i]);
      tick (&sim, drain);
    }
  j = jain (sim.got_bytes, N_SENDERS);
  g_test_message ("bytes: %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                  ", Jain's index %.4f",
                  sim.got_bytes[0], sim.got_bytes[1], sim.got_bytes[2], sim.got_bytes[3], j);
  g_assert_cmpfloat (j, >=, 0.9);
  g_assert_cmpfloat (j, >=, 0.99);
  serval_fair_free (sim.fair);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_CLOSED], >, 0);
}

/* Everything still queued, out. */
static void
drain_all (Sim *sim)
{
  sim->credit = 0;
  while (serval_fair_get_queued (sim->fair) > 0)
    tick (sim, 1000000);
}

/* A flooder sending 64-byte frames at 20 times the link, three others
 * backlogged at a third of the link each (bounds large enough that they
 * drop nothing): the flooder gets its quarter and no more. */
static void
test_flooder_share (void)
{
  const gsize drain = 120000, ticks = 1000;
  ServalFairLimits limits = { 64 * 1024 * 1024, 1024 * 1024 * 1024, 65536 + 16 };
  Sim sim;
  gsize part = 0;

  sim_init (&sim, &limits);
  for (gsize t = 0; t < ticks; t++)
    {
      for (part += 20 * drain; part >= 64; part -= 64)
        push (&sim, 0, 64);
      for (guint i = 1; i < N_SENDERS; i++)
        for (gsize k = 0; k < drain / 3 / 1000; k++)
          push (&sim, i, 1000);
      tick (&sim, drain);
    }
  g_test_message ("flooder %" G_GUINT64_FORMAT " bytes, others %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                  " %" G_GUINT64_FORMAT " of %" G_GSIZE_FORMAT,
                  sim.got_bytes[0], sim.got_bytes[1], sim.got_bytes[2], sim.got_bytes[3], drain * ticks);
  g_assert_cmpuint (sim.got_bytes[0], <=, drain * ticks / 4 + limits.quantum);
  for (guint i = 1; i < N_SENDERS; i++)
    g_assert_cmpuint (sim.got_bytes[i], >=, drain * ticks / 4 - 2 * limits.quantum);
  serval_fair_free (sim.fair);
}

/* The same flooder beside three senders that offer a fifth of the link
 * each, with the default bounds: every frame dropped is the flooder's, the
 * others get all they sent, and the flooder the rest. */
static void
test_flooder_drops (void)
{
  const gsize drain = 100000, ticks = 1000;
  Sim sim;
  gsize part = 0;

  sim_init (&sim, NULL);
  for (gsize t = 0; t < ticks; t++)
    {
      for (part += 20 * drain; part >= 64; part -= 64)
        push (&sim, 0, 64);
      for (guint i = 1; i < N_SENDERS; i++)
        for (gsize k = 0; k < drain / 5 / 1000; k++)
          push (&sim, i, 1000);
      tick (&sim, drain);
    }
  g_assert_cmpuint (sim.got_bytes[0], >=, drain * ticks * 2 / 5 - 2 * (65536 + 16));
  drain_all (&sim);
  for (guint i = 1; i < N_SENDERS; i++)
    g_assert_cmpuint (sim.got_frames[i], ==, sim.sent_frames[i]);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_SENDER_FULL], >, 0);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_SENDER_FULL], ==, sim.sent_frames[0] - sim.got_frames[0]);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_RECEIVER_FULL], ==, 0);
  serval_fair_free (sim.fair);
}

/* The per-sender bound: a sender that is never served loses its own frames
 * past its bound, and another sender's frames still get in. */
static void
test_sender_bound (void)
{
  ServalFairLimits limits = { 10 * 1024, 1024 * 1024, 2048 };
  Sim sim;
  guint queued = 0;

  sim_init (&sim, &limits);
  for (guint k = 0; k < 100; k++)
    if (push (&sim, 0, 1000) == SERVAL_FAIR_QUEUED)
      queued++;
  g_assert_cmpuint (queued, >=, 9);
  g_assert_cmpuint (queued, <=, 10);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_SENDER_FULL], ==, 100 - queued);
  g_assert_cmpint (push (&sim, 1, 1000), ==, SERVAL_FAIR_QUEUED);
  g_assert_cmpuint (serval_fair_get_senders (sim.fair), ==, 2);
  /* Round robin: sender 1's frame leaves second, not after sender 0's backlog. */
  tick (&sim, 1500);
  g_assert_cmpuint (sim.got_frames[0], ==, 2);
  g_assert_cmpuint (sim.got_frames[1], ==, 0);
  tick (&sim, 1000);
  g_assert_cmpuint (sim.got_frames[1], ==, 1);
  serval_fair_free (sim.fair);
}

/* The receiver's bound: the longest queue loses its oldest frames, so a
 * new sender still gets in; and a sender whose queue is the longest loses
 * its own new frame. */
static void
test_receiver_bound (void)
{
  ServalFairLimits limits = { 64 * 1024, 100 * 1024, 65536 };
  Sim sim;

  sim_init (&sim, &limits);
  for (guint k = 0; k < 60; k++)
    g_assert_cmpint (push (&sim, 0, 1000), ==, SERVAL_FAIR_QUEUED);
  for (guint k = 0; k < 60; k++)
    push (&sim, 1, 1000);
  g_assert_cmpuint (serval_fair_get_queued (sim.fair), <=, limits.receiver_bytes);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_RECEIVER_FULL], >, 0);
  g_assert_cmpint (push (&sim, 2, 100), ==, SERVAL_FAIR_QUEUED);
  g_assert_cmpuint (serval_fair_get_senders (sim.fair), ==, 3);
  serval_fair_free (sim.fair);
  g_assert_cmpuint (sim.stats.queued_frames, ==, 0);
}

/* Offload metadata comes out as it went in. */
static void
offload_cb (const ServalFrame *frame, gpointer user_data)
{
  ServalOffload *out = user_data;

  g_assert_nonnull (frame->offload);
  *out = *frame->offload;
  g_assert_cmpuint (frame->len, ==, 3000);
  g_assert_cmpuint (frame->data[2999], ==, 0x5a);
}

static void
test_offload (void)
{
  ServalOffload in = { SERVAL_OFFLOAD_NEEDS_CSUM, SERVAL_GSO_TCPV4, 54, 1448, 34, 16 };
  ServalOffload out = { 0 };
  ServalFrame frame = { frame_buf, 3000, 1, &in };
  ServalFair *fair = serval_fair_new (NULL, NULL);

  frame_buf[2999] = 0x5a;
  g_assert_cmpint (serval_fair_push (fair, 9, &frame), ==, SERVAL_FAIR_QUEUED);
  in.gso_size = 0; /* copied: the caller's may change */
  g_assert_cmpuint (serval_fair_pull (fair, 1, offload_cb, &out), ==, 3000);
  g_assert_cmpuint (out.gso_type, ==, SERVAL_GSO_TCPV4);
  g_assert_cmpuint (out.gso_size, ==, 1448);
  g_assert_cmpuint (out.csum_offset, ==, 16);
  serval_fair_free (fair);
}

/* The receiver goes in the middle of a pull (its link closed). */
static void
free_cb (const ServalFrame *frame, gpointer user_data)
{
  Sim *sim = user_data;

  sim->got_frames[0]++;
  serval_fair_free (sim->fair);
}

static void
test_free_in_pull (void)
{
  Sim sim;

  sim_init (&sim, NULL);
  for (guint k = 0; k < 10; k++)
    push (&sim, k % 2, 500);
  serval_fair_pull (sim.fair, 1000000, free_cb, &sim);
  g_assert_cmpuint (sim.got_frames[0], ==, 1);
  g_assert_cmpuint (sim.stats.dropped[SERVAL_FAIR_DROP_CLOSED], ==, 9);
  g_assert_cmpuint (sim.stats.queued_frames, ==, 0);
}

/* The token bucket over 10 simulated seconds: what gets through is the
 * rate times the time and the burst, however much more is offered. */
static void
test_rate_limit (void)
{
  const guint64 rate = 1000000, burst = 100000;
  ServalFairBucket bucket;
  guint64 passed = 0, offered = 0;
  gint64 t;

  serval_fair_bucket_init (&bucket, rate, burst, 0);
  /* 3 MB/s offered in 1500-byte frames, one every 500 us. */
  for (t = 0; t <= 10 * G_USEC_PER_SEC; t += 500)
    {
      offered += 1500;
      if (serval_fair_bucket_take (&bucket, 1500, t))
        passed += 1500;
    }
  g_test_message ("offered %" G_GUINT64_FORMAT ", passed %" G_GUINT64_FORMAT, offered, passed);
  g_assert_cmpuint (passed, <=, rate * 10 + burst);
  g_assert_cmpuint (passed, >=, rate * 10 + burst - 1500);
  /* A pause fills it up to the burst, not beyond. */
  passed = 0;
  for (t = 100 * G_USEC_PER_SEC; serval_fair_bucket_take (&bucket, 1000, t);)
    passed += 1000;
  g_assert_cmpuint (passed, <=, burst);
  g_assert_cmpuint (passed, >=, burst - 2000);
  /* No limit: everything passes. */
  serval_fair_bucket_init (&bucket, 0, 0, 0);
  g_assert_true (serval_fair_bucket_take (&bucket, 65535, 0));
  g_assert_cmpstr (serval_fair_result_to_string (SERVAL_FAIR_DROP_RATE), ==, "rate_limit");
}

/* --- a link with a drain function ---------------------------------------- */

#define LOW_WATER   (64 * 1024)
#define LINK_FRAMES 2000
#define LINK_FRAME  1000

typedef struct
{
  ServalFair *fair;
  ServalLink *tx;
  guint frames; /* data frames the receiver got */
  gint msg_at;  /* frames it had got when the management message came, or -1 */
} LinkSim;

static void
link_send_cb (const ServalFrame *frame, gpointer user_data)
{
  LinkSim *ls = user_data;

  g_assert_true (serval_link_send_frame (ls->tx, frame));
}

static void
drain_cb (ServalLink *link, gpointer user_data)
{
  LinkSim *ls = user_data;
  gsize queued = serval_link_get_queued (link);

  g_assert_cmpuint (queued, <, LOW_WATER);
  serval_fair_pull (ls->fair, LOW_WATER - queued, link_send_cb, ls);
}

static void
rx_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data)
{
  LinkSim *ls = user_data;

  ls->frames++;
}

static void
rx_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  LinkSim *ls = user_data;

  if (ls->msg_at < 0)
    ls->msg_at = ls->frames;
}

static ServalLink *
socket_link (int fd, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);
  g_autoptr(GSocketConnection) conn = NULL;

  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);
  return serval_link_new (G_IO_STREAM (conn), name);
}

/* 2 MB of frames wait in the fair queue of a link that is full: a
 * management message sent then reaches the peer after at most LOW_WATER
 * bytes and a frame of them, and every frame still arrives. */
static void
test_link_drain (void)
{
  int fds[2];
  LinkSim ls = { .msg_at = -1 };
  ServalFairLimits limits = { 4 * 1024 * 1024, 8 * 1024 * 1024, 65536 + 16 };
  g_autoptr(ServalLink) rx = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), ==, 0);
  ls.tx = socket_link (fds[0], "tx");
  rx = socket_link (fds[1], "rx");
  serval_link_set_handlers (rx, rx_message_cb, rx_data_cb, &ls);
  ls.fair = serval_fair_new (&limits, NULL);
  serval_link_set_drain_func (ls.tx, LOW_WATER, drain_cb, &ls);
  serval_link_start (ls.tx);
  serval_link_start (rx);
  memset (frame_buf, 0, LINK_FRAME);
  for (guint k = 0; k < LINK_FRAMES; k++)
    {
      ServalFrame frame = { frame_buf, LINK_FRAME, 1, NULL };

      /* Two senders, each under its bound. */
      g_assert_cmpint (serval_fair_push (ls.fair, k % 2, &frame), ==, SERVAL_FAIR_QUEUED);
    }
  drain_cb (ls.tx, &ls);
  g_assert_cmpuint (serval_link_get_queued (ls.tx), >=, LOW_WATER);
  g_assert_true (serval_link_send_take (ls.tx, serval_event_build_bye (SERVAL_ERROR_CODE_SHUTTING_DOWN, "test")));
  g_assert_true (test_iterate_until_count (&ls.frames, LINK_FRAMES));
  g_test_message ("the message came after %d of %d frames", ls.msg_at, LINK_FRAMES);
  g_assert_cmpint (ls.msg_at, >=, 0);
  g_assert_cmpint (ls.msg_at, <=, (LOW_WATER + 65536) / LINK_FRAME + 1);
  g_assert_cmpuint (serval_fair_get_queued (ls.fair), ==, 0);
  serval_link_set_drain_func (ls.tx, 0, NULL, NULL);
  serval_fair_free (ls.fair);
  serval_link_close (ls.tx, NULL);
  serval_link_close (rx, NULL);
  g_object_unref (ls.tx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fair/shares", test_shares);
  g_test_add_func ("/fair/jain-equal-demands", test_jain_equal_demands);
  g_test_add_func ("/fair/flooder-share", test_flooder_share);
  g_test_add_func ("/fair/flooder-drops", test_flooder_drops);
  g_test_add_func ("/fair/sender-bound", test_sender_bound);
  g_test_add_func ("/fair/receiver-bound", test_receiver_bound);
  g_test_add_func ("/fair/offload", test_offload);
  g_test_add_func ("/fair/free-in-pull", test_free_in_pull);
  g_test_add_func ("/fair/rate-limit", test_rate_limit);
  test_add_in_own_context ("/fair/link-drain", test_link_drain);
  return g_test_run ();
}
