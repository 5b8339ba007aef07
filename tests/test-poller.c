/* The shared poller and the links on it, over real sockets (socketpairs):
 * many links in one epoll set, the keepalive timers of all links on one
 * heap, the end-of-dispatch flush, and links closed while the poller is
 * dispatching. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "serval-link.h"
#include "serval-poller.h"
#include "test-loop-util.h"
#include "thread-io-util.h"

typedef struct
{
  ServalLink *link;
  guint frames;
  guint8 last_seq;
  gboolean in_order;
  guint closed; /* "closed" emissions */
  GError *error;
  /* behaviours */
  gboolean echo;       /* send every frame back */
  ServalLink **victim; /* closed and dropped on the first frame */
  gboolean close_self; /* closes itself on the first frame */
} Peer;

static void
peer_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  Peer *p = user_data;
  guint8 seq = fr->data[14];

  if (p->frames > 0 && seq != (guint8) (p->last_seq + 1))
    p->in_order = FALSE;
  p->last_seq = seq;
  p->frames++;
  if (p->echo)
    g_assert_true (serval_link_send_data (link, fr->vlan, fr->data, fr->len));
  if (p->victim != NULL && *p->victim != NULL)
    {
      ServalLink *v = g_steal_pointer (p->victim);

      serval_link_close (v, NULL);
      g_object_unref (v);
    }
  if (p->close_self)
    serval_link_close (link, NULL);
}

static void
peer_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  Peer *p = user_data;

  p->closed++;
  g_clear_error (&p->error);
  p->error = error ? g_error_copy (error) : NULL;
}

static ServalLink *
link_on_fd (int fd, Peer *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);
  g_autoptr(GSocketConnection) conn = NULL;
  ServalLink *link;

  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);
  link = serval_link_new (G_IO_STREAM (conn), "test peer");
  if (p != NULL)
    {
      p->link = link;
      p->in_order = TRUE;
      serval_link_set_handlers (link, NULL, peer_data_cb, p);
      g_signal_connect (link, "closed", G_CALLBACK (peer_closed_cb), p);
    }
  return link;
}

/* Two started links on the ends of a socketpair. */
static void
make_pair (Peer *a, Peer *b, guint interval, guint timeout)
{
  int sv[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  link_on_fd (sv[0], a);
  link_on_fd (sv[1], b);
  serval_link_set_keepalive (a->link, interval, timeout);
  serval_link_set_keepalive (b->link, interval, timeout);
  serval_link_start (a->link);
  serval_link_start (b->link);
}

static void
peer_clear (Peer *p)
{
  if (p->link != NULL)
    {
      g_signal_handlers_disconnect_by_data (p->link, p);
      serval_link_close (p->link, NULL);
    }
  g_clear_object (&p->link);
  g_clear_error (&p->error);
}

static void
send_frame (ServalLink *link, guint8 seq, gsize len)
{
  guint8 frame[1500];

  g_assert_cmpuint (len, <=, sizeof frame);
  memset (frame, 0x5a, len);
  frame[14] = seq;
  g_assert_true (serval_link_send_data (link, 7, frame, len));
}

/* --- the poller alone: timers ------------------------------------------------ */

typedef struct
{
  GArray *fired; /* int: which entry, in firing order */
  int id;
} TimerProbe;

static void
probe_timer_cb (gpointer user_data)
{
  TimerProbe *t = user_data;

  g_array_append_val (t->fired, t->id);
}

static void
nothing_cb (gpointer user_data)
{
}

static const ServalPollerFuncs probe_funcs = {
  .readable = nothing_cb,
  .writable = nothing_cb,
  .flush = nothing_cb,
  .timer = probe_timer_cb,
};

static gboolean
fired_n (gpointer data)
{
  GArray *fired = data;

  return fired->len >= 5;
}

static void
test_timers (void)
{
  g_autoptr(GArray) fired = g_array_new (FALSE, FALSE, sizeof (int));
  ServalPoller *poller = serval_poller_ref_for_context (test_context ());
  TimerProbe probes[8];
  ServalPollerEntry *entries[8];
  gint64 now = g_get_monotonic_time ();
  /* Deadlines in ms; entry 3 is cancelled, entry 6 moved earlier, 7 never set. */
  const int ms[8] = { 400, 100, 300, 50, 200, 600, 900, -1 };

  for (int i = 0; i < 8; i++)
    {
      probes[i].fired = fired;
      probes[i].id = i;
      entries[i] = serval_poller_add (poller, -1, &probe_funcs, &probes[i], NULL);
      if (ms[i] >= 0)
        serval_poller_set_timer (entries[i], now + ms[i] * 1000);
    }
  serval_poller_set_timer (entries[3], -1);
  serval_poller_set_timer (entries[6], now + 250 * 1000);
  serval_poller_set_timer (entries[5], now + 600 * G_USEC_PER_SEC);
  g_assert_true (test_iterate_until (fired_n, fired));
  g_assert_cmpuint (fired->len, ==, 5);
  g_assert_cmpint (g_array_index (fired, int, 0), ==, 1); /* 100 */
  g_assert_cmpint (g_array_index (fired, int, 1), ==, 4); /* 200 */
  g_assert_cmpint (g_array_index (fired, int, 2), ==, 6); /* 250, moved */
  g_assert_cmpint (g_array_index (fired, int, 3), ==, 2); /* 300 */
  g_assert_cmpint (g_array_index (fired, int, 4), ==, 0); /* 400 */
  /* Not early: each fired at or after its deadline (rounded up to the slack). */
  g_assert_cmpint (g_get_monotonic_time () - now, >=, 400 * 1000);
  /* 5 was moved to 10 minutes: removed before then, it never fires. */
  serval_poller_remove (entries[5]);
  test_iterate_for (0.3);
  g_assert_cmpuint (fired->len, ==, 5);
  for (int i = 0; i < 8; i++)
    if (i != 5)
      serval_poller_remove (entries[i]);
  g_assert_cmpuint (serval_poller_get_n_entries (poller), ==, 0);
  serval_poller_unref (poller);
}

/* --- links on the poller ----------------------------------------------------- */

/* Keepalive timeout (s) of links whose pings are answered, with pings every
 * second: the tests check that none of them times out, so the margin is wide
 * (a false timeout would need the whole process to stall for 3 s). */
#define ANSWERED_TIMEOUT 4

#define N_PAIRS 300

typedef struct
{
  Peer *b;
  guint n;
  guint want;
} AllGot;

static gboolean
all_got (gpointer data)
{
  AllGot *g = data;

  for (guint i = 0; i < g->n; i++)
    if (g->b[i].frames < g->want)
      return FALSE;
  return TRUE;
}

static void
test_many_links (void)
{
  Peer *a = g_new0 (Peer, N_PAIRS), *b = g_new0 (Peer, N_PAIRS);
  AllGot g = { b, N_PAIRS, 3 };
  ServalPoller *poller;

  for (guint i = 0; i < N_PAIRS; i++)
    make_pair (&a[i], &b[i], 1, ANSWERED_TIMEOUT);
  /* One poller for all 600 links of the context. */
  poller = serval_poller_ref_for_context (test_context ());
  g_assert_cmpuint (serval_poller_get_n_entries (poller), ==, 2 * N_PAIRS);
  for (guint8 seq = 0; seq < 3; seq++)
    for (guint i = 0; i < N_PAIRS; i++)
      send_frame (a[i].link, seq, 100);
  g_assert_true (test_iterate_until (all_got, &g));
  /* Through four keepalive intervals and past the timeout: every ping is
   * answered, so no link closes. */
  test_iterate_for (ANSWERED_TIMEOUT + 0.5);
  for (guint i = 0; i < N_PAIRS; i++)
    {
      g_assert_cmpuint (b[i].frames, ==, 3);
      g_assert_true (b[i].in_order);
      g_assert_cmpuint (a[i].closed, ==, 0);
      g_assert_cmpuint (b[i].closed, ==, 0);
    }
  for (guint i = 0; i < N_PAIRS; i++)
    {
      peer_clear (&a[i]);
      peer_clear (&b[i]);
    }
  test_drain ();
  g_assert_cmpuint (serval_poller_get_n_entries (poller), ==, 0);
  serval_poller_unref (poller);
  g_free (a);
  g_free (b);
}

static gboolean
peer_closed (gpointer data)
{
  return ((Peer *) data)->closed > 0;
}

static void
test_silent_peer (void)
{
  Peer a[20] = { 0 }, b[20] = { 0 }, lone = { 0 };
  int sv[2];
  gint64 start;

  for (guint i = 0; i < G_N_ELEMENTS (a); i++)
    make_pair (&a[i], &b[i], 1, ANSWERED_TIMEOUT);
  /* The other end of this one is a bare socket that never answers. */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  link_on_fd (sv[0], &lone);
  serval_link_set_keepalive (lone.link, 1, 2);
  start = g_get_monotonic_time ();
  serval_link_start (lone.link);

  g_assert_true (test_iterate_until (peer_closed, &lone));
  g_assert_error (lone.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (lone.error->message, "has not answered for"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (lone.closed, ==, 1);
  /* The answered links, past their own timeout: none closed. */
  while (g_get_monotonic_time () - start < (ANSWERED_TIMEOUT + 0.5) * G_USEC_PER_SEC)
    test_iterate_for (0.1);
  for (guint i = 0; i < G_N_ELEMENTS (a); i++)
    {
      g_assert_cmpuint (a[i].closed, ==, 0);
      g_assert_cmpuint (b[i].closed, ==, 0);
      peer_clear (&a[i]);
      peer_clear (&b[i]);
    }
  peer_clear (&lone);
  close (sv[1]);
  test_drain ();
}

static void
test_flush_all (void)
{
  Peer a = { 0 }, b = { 0 };

  make_pair (&a, &b, 0, 0);
  /* 1.4 MB: far more than the socket takes at once, so the link must
   * wait for writability and carry on until the queue is empty. */
  for (guint i = 0; i < 1000; i++)
    send_frame (a.link, (guint8) i, 1400);
  g_assert_cmpuint (serval_link_get_queued (a.link), >, 1000 * 1400);
  g_assert_true (test_iterate_until_count (&b.frames, 1000));
  g_assert_cmpuint (b.frames, ==, 1000);
  g_assert_true (b.in_order);
  g_assert_cmpuint (serval_link_get_queued (a.link), ==, 0);
  g_assert_cmpuint (serval_link_get_frames_dropped (a.link), ==, 0);

  /* Queued from outside any dispatch: the next dispatch sends it. */
  send_frame (a.link, 0, 60);
  g_assert_true (test_iterate_until_count (&b.frames, 1001));
  g_assert_cmpuint (b.frames, ==, 1001);
  peer_clear (&a);
  peer_clear (&b);
  test_drain ();
}

/* Frames that another source (a TAP device) queues between
 * serval_poller_batch_begin() and _end() leave when the batch ends, with no
 * main-loop iteration more; a batch inside a batch leaves them to the
 * outer one. Outside a batch they wait for the next iteration. */
static void
test_batch (void)
{
  Peer a = { 0 }, b = { 0 };
  ServalPoller *poller;

  make_pair (&a, &b, 0, 0);
  test_drain ();
  poller = serval_poller_ref_for_context (test_context ());

  serval_poller_batch_begin (poller);
  for (guint i = 0; i < 5; i++)
    send_frame (a.link, (guint8) i, 60);
  serval_poller_batch_begin (poller);
  for (guint i = 5; i < 10; i++)
    send_frame (a.link, (guint8) i, 60);
  serval_poller_batch_end (poller);
  g_assert_cmpuint (serval_link_get_queued (a.link), >, 0);
  serval_poller_batch_end (poller);
  g_assert_cmpuint (serval_link_get_queued (a.link), ==, 0);
  g_assert_true (test_iterate_until_count (&b.frames, 10));
  g_assert_cmpuint (b.frames, ==, 10);
  g_assert_true (b.in_order);

  /* Without a batch, the frame waits for the next iteration. */
  send_frame (a.link, 10, 60);
  g_assert_cmpuint (serval_link_get_queued (a.link), >, 0);
  test_drain ();
  g_assert_cmpuint (serval_link_get_queued (a.link), ==, 0);

  serval_poller_unref (poller);
  peer_clear (&a);
  peer_clear (&b);
  test_drain ();
}

typedef struct
{
  Peer *a;
  guint rounds;
} PingPong;

static void
pingpong_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  PingPong *pp = user_data;

  pp->a->frames++;
  if (pp->a->frames < pp->rounds)
    send_frame (link, (guint8) pp->a->frames, 64);
}

static gboolean
pingpong_done (gpointer data)
{
  PingPong *pp = data;

  return pp->a->frames >= pp->rounds;
}

/* A frame read in one dispatch leaves in that same dispatch: a round trip
 * between two links costs two dispatches, not more (the idle source per link
 * of old cost another main-loop iteration per hop). */
static void
test_same_dispatch (void)
{
  Peer a = { 0 }, b = { 0 };
  PingPong pp = { &a, 300 };
  ServalPoller *poller;
  guint64 d0, d1;

  make_pair (&a, &b, 0, 0);
  b.echo = TRUE;
  serval_link_set_handlers (a.link, NULL, pingpong_data_cb, &pp);
  test_drain ();
  poller = serval_poller_ref_for_context (test_context ());
  d0 = serval_poller_get_n_dispatches (poller);
  send_frame (a.link, 0, 64);
  g_assert_true (test_iterate_until (pingpong_done, &pp));
  d1 = serval_poller_get_n_dispatches (poller);
  g_test_message ("%u round trips in %" G_GUINT64_FORMAT " dispatches", pp.rounds, d1 - d0);
  g_assert_cmpuint (b.frames, ==, pp.rounds);
  g_assert_cmpuint (d1 - d0, <=, 2 * pp.rounds + 4);
  serval_poller_unref (poller);
  peer_clear (&a);
  peer_clear (&b);
  test_drain ();
}

static gboolean
victims_done (gpointer data)
{
  Peer *b = data;

  for (guint i = 0; i < 40; i++)
    if (i % 2 == 0 ? b[i].frames == 0 : b[i].closed == 0)
      return FALSE;
  return TRUE;
}

/* Links closed and freed from inside another link's callback, while their
 * own epoll events of the same dispatch may still be waiting; and links
 * that close themselves in their callback. */
static void
test_close_in_dispatch (void)
{
  Peer a[40] = { 0 }, b[40] = { 0 };
  ServalLink *victims[40] = { 0 };
  ServalPoller *poller;

  for (guint i = 0; i < 40; i++)
    make_pair (&a[i], &b[i], 0, 0);
  test_drain ();
  for (guint i = 0; i < 40; i += 2)
    {
      /* Each even b closes and frees the next (odd) b from its callback:
       * victims[] holds the only reference. Every fourth closes itself too. */
      victims[i + 1] = g_steal_pointer (&b[i + 1].link);
      b[i].victim = &victims[i + 1];
      b[i].close_self = i % 4 == 0;
    }
  /* All frames leave in one flush: their reads land in one epoll batch. */
  for (guint i = 0; i < 40; i++)
    send_frame (a[i].link, 0, 60);
  g_assert_true (test_iterate_until (victims_done, b));
  test_iterate_for (0.2);
  for (guint i = 0; i < 40; i++)
    {
      g_assert_cmpuint (b[i].closed, ==, i % 2 == 1 || i % 4 == 0 ? 1 : 0);
      if (i % 2 == 0)
        {
          g_assert_cmpuint (b[i].frames, ==, 1);
          g_assert_true (serval_link_is_closed (b[i].link) == (i % 4 == 0));
        }
      else
        g_assert_null (victims[i]);
    }
  for (guint i = 0; i < 40; i++)
    {
      peer_clear (&a[i]);
      peer_clear (&b[i]);
    }
  test_drain ();
  poller = serval_poller_ref_for_context (test_context ());
  g_assert_cmpuint (serval_poller_get_n_entries (poller), ==, 0);
  serval_poller_unref (poller);
}

static ServalLink *
link_on_pipes (int in_fd, int out_fd, Peer *p)
{
  g_autoptr(GInputStream) in = g_unix_input_stream_new (in_fd, TRUE);
  g_autoptr(GOutputStream) out = g_unix_output_stream_new (out_fd, TRUE);
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (in, out);

  p->link = serval_link_new (stream, "pipe peer");
  p->in_order = TRUE;
  serval_link_set_handlers (p->link, NULL, peer_data_cb, p);
  g_signal_connect (p->link, "closed", G_CALLBACK (peer_closed_cb), p);
  return p->link;
}

/* A stream with no socket under it (pipes): the link reads and waits for
 * writability with the stream's own sources; the poller still flushes it
 * and runs its keepalive. */
static void
test_no_socket (void)
{
  Peer a = { 0 }, b = { 0 };
  int ab[2], ba[2];

  g_assert_true (g_unix_open_pipe (ab, FD_CLOEXEC, NULL));
  g_assert_true (g_unix_open_pipe (ba, FD_CLOEXEC, NULL));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (g_unix_set_fd_nonblocking (ab[i], TRUE, NULL));
      g_assert_true (g_unix_set_fd_nonblocking (ba[i], TRUE, NULL));
    }
  link_on_pipes (ba[0], ab[1], &a);
  link_on_pipes (ab[0], ba[1], &b);
  serval_link_set_keepalive (a.link, 1, ANSWERED_TIMEOUT);
  serval_link_set_keepalive (b.link, 1, ANSWERED_TIMEOUT);
  serval_link_start (a.link);
  serval_link_start (b.link);
  for (guint i = 0; i < 1000; i++)
    send_frame (a.link, (guint8) i, 1400);
  g_assert_true (test_iterate_until_count (&b.frames, 1000));
  g_assert_cmpuint (b.frames, ==, 1000);
  g_assert_true (b.in_order);
  g_assert_cmpuint (serval_link_get_queued (a.link), ==, 0);
  /* Pings both ways through four intervals, past the timeout: nobody
   * times out. */
  test_iterate_for (ANSWERED_TIMEOUT + 0.5);
  g_assert_cmpuint (a.closed, ==, 0);
  g_assert_cmpuint (b.closed, ==, 0);
  peer_clear (&a);
  peer_clear (&b);
  test_drain ();
}

/* The poller of a thread's own context is not the default context's. */
static void
test_per_context (void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new ();
  ServalPoller *p_default = serval_poller_ref_for_context (NULL);
  ServalPoller *p_ctx = serval_poller_ref_for_context (ctx);

  g_assert_true (p_default != p_ctx);
  g_assert_true (serval_poller_get_context (p_ctx) == ctx);
  g_assert_true (serval_poller_ref_for_context (ctx) == p_ctx);
  serval_poller_unref (p_ctx);
  serval_poller_unref (p_ctx);
  serval_poller_unref (p_default);
}

/* --- the poller's own cost per wake-up, and nesting ------------------------- */

typedef struct
{
  int fd;
  guint reads;
  /* nesting */
  ServalPollerEntry *other; /* its timer is set in the callback */
  ServalPoller *poller;
  gboolean nest;
  guint nested_dispatched; /* nested iterations that dispatched something */
  guint nested_reads;
  guint64 dispatches_in_nest;
  GArray *fired; /* of the other entry's timer */
  guint fired_in_nest;
} ReadProbe;

static void
probe_read_cb (gpointer user_data)
{
  ReadProbe *r = user_data;
  char buf[64];

  r->reads++;
  if (r->nest)
    {
      guint reads_before = r->reads;
      guint64 before = serval_poller_get_n_dispatches (r->poller);

      r->nest = FALSE;
      /* The other entry's timer is due and this fd still readable (not
       * drained yet): a loop run from here must leave the poller alone,
       * and must not spin on its epoll fd either. */
      serval_poller_set_timer (r->other, g_get_monotonic_time () - 1000);
      for (int i = 0; i < 5; i++)
        if (test_iterate (FALSE))
          r->nested_dispatched++;
      r->nested_reads = r->reads - reads_before;
      r->dispatches_in_nest = serval_poller_get_n_dispatches (r->poller) - before;
      r->fired_in_nest = r->fired->len;
    }
  while (read (r->fd, buf, sizeof buf) > 0)
    ;
}

static const ServalPollerFuncs read_probe_funcs = {
  .readable = probe_read_cb,
  .writable = nothing_cb,
  .flush = nothing_cb,
  .timer = nothing_cb,
};

static gboolean
got_read (gpointer data)
{
  return ((ReadProbe *) data)->reads > 0;
}

/* A wake-up of the poller writes nothing: GLib used to block and unblock its
 * source around each dispatch, which signals the context's wake-up eventfd
 * twice (two write()s), and made the next poll() return at once. */
static void
test_no_wakeup_writes (void)
{
  ServalPoller *poller = serval_poller_ref_for_context (test_context ());
  ReadProbe r = { 0 };
  ServalPollerEntry *e;
  int sv[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), ==, 0);
  r.fd = sv[0];
  e = serval_poller_add (poller, sv[0], &read_probe_funcs, &r, NULL);
  g_assert_nonnull (e);
  test_drain ();
  for (int round = 0; round < 3; round++)
    {
      guint64 before;

      r.reads = 0;
      g_assert_cmpint (write (sv[1], "x", 1), ==, 1);
      before = thread_write_calls ();
      g_assert_true (test_iterate_until (got_read, &r));
      /* Nothing left to do: the loop would sleep now. */
      g_assert_false (test_iterate (FALSE));
      g_assert_cmpuint (thread_write_calls () - before, ==, 0);
      g_assert_cmpuint (r.reads, ==, 1);
    }
  serval_poller_remove (e);
  close (sv[0]);
  close (sv[1]);
  serval_poller_unref (poller);
}

static gboolean
timer_fired (gpointer data)
{
  return ((GArray *) data)->len > 0;
}

/* A main loop run from a poller callback (a modal dialog in the app, say)
 * neither dispatches the poller again nor spins on its epoll fd; when the
 * outer dispatch ends, the poller works as before. */
static void
test_nested_loop (void)
{
  g_autoptr(GArray) fired = g_array_new (FALSE, FALSE, sizeof (int));
  ServalPoller *poller = serval_poller_ref_for_context (test_context ());
  TimerProbe tp = { fired, 1 };
  ReadProbe r = { 0 };
  ServalPollerEntry *e, *t;
  int sv[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), ==, 0);
  r.fd = sv[0];
  r.poller = poller;
  r.nest = TRUE;
  e = serval_poller_add (poller, sv[0], &read_probe_funcs, &r, NULL);
  t = serval_poller_add (poller, -1, &probe_funcs, &tp, NULL);
  r.other = t;
  r.fired = fired;
  test_drain ();
  g_assert_cmpint (write (sv[1], "x", 1), ==, 1);
  g_assert_true (test_iterate_until (got_read, &r));
  g_assert_cmpuint (r.nested_reads, ==, 0);
  g_assert_cmpuint (r.dispatches_in_nest, ==, 0);
  g_assert_cmpuint (r.nested_dispatched, ==, 0);
  g_assert_cmpuint (r.fired_in_nest, ==, 0);
  /* After it (in the rest of that dispatch): the due timer fires, and new
   * input is read. */
  g_assert_true (test_iterate_until (timer_fired, fired));
  r.reads = 0;
  g_assert_cmpint (write (sv[1], "y", 1), ==, 1);
  g_assert_true (test_iterate_until (got_read, &r));
  g_assert_cmpuint (r.reads, ==, 1);
  serval_poller_remove (e);
  serval_poller_remove (t);
  close (sv[0]);
  close (sv[1]);
  serval_poller_unref (poller);
}

/* --- background entries: connections not logged in wait behind sessions ----- */

#define BG_BUDGET  3
#define BG_SOCKETS 17 /* background entries on a socket */
#define BG_PENDING 3  /* and without one, marked pending */
#define BG_N       (BG_SOCKETS + BG_PENDING)

typedef struct
{
  ServalPoller *poller;
  int fd;       /* -1: none */
  guint64 pass; /* the dispatch that called readable() (the first) */
  guint reads;
  guint *dispatched; /* of all probes */
} BgProbe;

static void
bg_read_cb (gpointer user_data)
{
  BgProbe *b = user_data;
  char buf[16];

  if (b->reads++ == 0)
    {
      b->pass = serval_poller_get_n_dispatches (b->poller);
      (*b->dispatched)++;
    }
  /* Drained: a second call would be a duplicate, not the level trigger. */
  if (b->fd >= 0)
    while (read (b->fd, buf, sizeof buf) > 0)
      ;
}

static const ServalPollerFuncs bg_funcs = {
  .readable = bg_read_cb,
  .writable = nothing_cb,
  .flush = nothing_cb,
  .timer = nothing_cb,
};

/* With a budget of N, M > N ready background entries and one ready session
 * entry: the session entry in the first pass, at most N background ones a
 * pass (exactly N here, no time limit) in consecutive passes until all are
 * served, each once; none lost, none starved. One background entry taken
 * back among the others while waiting is served in the next pass whatever
 * the budget. */
static void
test_background_budget (void)
{
  ServalPoller *poller = serval_poller_ref_for_context (test_context ());
  BgProbe probes[BG_N + 1];
  ServalPollerEntry *entries[BG_N + 1];
  int sv[BG_SOCKETS + 1][2];
  guint dispatched = 0, promoted = BG_N;
  guint64 first;
  guint per_pass[BG_N + 2] = { 0 };

  serval_poller_set_background_budget (poller, BG_BUDGET, 0);
  test_drain ();
  /* Probe BG_N is the session: made ready last, so that epoll lists it last. */
  for (guint i = 0; i <= BG_N; i++)
    {
      gboolean has_fd = i < BG_SOCKETS || i == BG_N;

      probes[i] = (BgProbe){ poller, -1, 0, 0, &dispatched };
      if (has_fd)
        {
          guint k = i == BG_N ? BG_SOCKETS : i;

          g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv[k]), ==, 0);
          probes[i].fd = sv[k][0];
        }
      entries[i] = serval_poller_add (poller, probes[i].fd, &bg_funcs, &probes[i], NULL);
      g_assert_nonnull (entries[i]);
      if (i < BG_N)
        serval_poller_set_background (entries[i], TRUE);
    }
  for (guint k = 0; k <= BG_SOCKETS; k++)
    g_assert_cmpint (write (sv[k][1], "x", 1), ==, 1);
  for (guint i = BG_SOCKETS; i < BG_N; i++)
    serval_poller_mark_pending (entries[i]);

  first = serval_poller_get_n_dispatches (poller) + 1;
  g_assert_true (test_iterate_until_count (&dispatched, 1));
  /* The first pass: the session, and BG_BUDGET of the others. */
  g_assert_cmpuint (probes[BG_N].reads, ==, 1);
  g_assert_cmpuint (probes[BG_N].pass, ==, first);
  g_assert_cmpuint (dispatched, ==, 1 + BG_BUDGET);
  /* One still waiting goes back among the others: served next pass. */
  for (guint i = 0; i < BG_N && promoted == BG_N; i++)
    if (probes[i].reads == 0)
      promoted = i;
  serval_poller_set_background (entries[promoted], FALSE);

  g_assert_true (test_iterate_until_count (&dispatched, BG_N + 1));
  test_iterate_for (0.05);
  g_assert_cmpuint (probes[promoted].pass, ==, first + 1);
  for (guint i = 0; i < BG_N; i++)
    {
      g_assert_cmpuint (probes[i].reads, ==, 1);
      g_assert_cmpuint (probes[i].pass, >=, first);
      g_assert_cmpuint (probes[i].pass - first, <=, BG_N);
      if (i != promoted)
        per_pass[probes[i].pass - first]++;
    }
  /* Consecutive passes of exactly BG_BUDGET, the last with the rest. */
  for (guint k = 0, left = BG_N - 1; k < G_N_ELEMENTS (per_pass); k++)
    {
      g_assert_cmpuint (per_pass[k], ==, MIN (BG_BUDGET, left));
      left -= per_pass[k];
    }
  g_assert_cmpuint (probes[BG_N].reads, ==, 1);

  for (guint i = 0; i <= BG_N; i++)
    serval_poller_remove (entries[i]);
  for (guint k = 0; k <= BG_SOCKETS; k++)
    {
      close (sv[k][0]);
      close (sv[k][1]);
    }
  serval_poller_unref (poller);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_add_in_own_context ("/engine/poller/timers", test_timers);
  test_add_in_own_context ("/engine/poller/per-context", test_per_context);
  test_add_in_own_context ("/engine/poller/many-links", test_many_links);
  test_add_in_own_context ("/engine/poller/silent-peer", test_silent_peer);
  test_add_in_own_context ("/engine/poller/flush-all", test_flush_all);
  test_add_in_own_context ("/engine/poller/same-dispatch", test_same_dispatch);
  test_add_in_own_context ("/engine/poller/batch", test_batch);
  test_add_in_own_context ("/engine/poller/close-in-dispatch", test_close_in_dispatch);
  test_add_in_own_context ("/engine/poller/no-socket", test_no_socket);
  test_add_in_own_context ("/engine/poller/no-wakeup-writes", test_no_wakeup_writes);
  test_add_in_own_context ("/engine/poller/nested-loop", test_nested_loop);
  test_add_in_own_context ("/engine/poller/background-budget", test_background_budget);
  return g_test_run ();
}
