/* bench-mgmt-latency: how long a member waits for the answer to a management
 * request while a lone sender floods it (issue 14).
 *
 *   build/tests/bench-mgmt-latency [REQUESTS] [MBIT]
 *
 * In one process, over loopback with TLS: the server's side of a link on
 * its own record layer (as a server's links to members, main thread) and a
 * member's link on GnuTLS (a thread of its own) that reads at most MBIT
 * Mbit/s (default 400): a member whose line is slower than the flood
 * towards it. The member sends REQUESTS requests (default 50), one at a
 * time, 20 ms apart, and times each answer, which the server's side sends
 * at once: first on a quiet link, then while a lone sender keeps the
 * server's link as full as the server lets one sender keep it
 * (SERVAL_LINK_DATA_QUEUE_LIMIT, 2 MiB, serval-server-fair.c's HIGH_WATER)
 * with 1400-byte frames. Output: "key value" lines, one a figure (the
 * round trips in ms, and the member's Mbit/s during the flood). It fails
 * (exit 1) only when the benchmark breaks, never for a slow figure. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "serval-link.h"
#include "serval-message.h"
#include "link-test-util.h"
#include "link-record-util.h"

#define FRAME_LEN    1400
#define GAP_MS       20
#define WAIT_SECONDS 120

typedef struct
{
  RecordServer rs;
  ServalLink *server_link;
  gboolean flooding; /* main thread only */
  guint requests;
  double mbit;
  /* Between the threads. */
  gint flood;    /* the member asks for the flood */
  gint finished; /* the member is done */
  /* The member's thread only. */
  ServalLink *member;
  guint32 answered; /* the id of the last answer */
  guint64 bytes;    /* data received */
  double *quiet, *loaded;
  double loaded_mbit;
} Bench;

static void
fail (const char *what)
{
  fprintf (stderr, "bench-mgmt-latency: %s\n", what);
  exit (1);
}

/* The server's side answers every management message at once. */
static void
server_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  if (msg->present == Message_PR_request)
    serval_link_send_take (link, serval_message_new_error (msg->choice.request.id, 0, "answer"));
}

/* The lone sender: keeps the link at the queue a server lets it keep. */
static void
top_up_cb (ServalLink *link, gpointer user_data)
{
  static guint8 frame[FRAME_LEN];

  memset (frame, 0x5a, 12);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  while (serval_link_get_queued (link) + FRAME_LEN + SERVAL_DATA_HEADER_MAX < SERVAL_LINK_DATA_QUEUE_LIMIT)
    if (!serval_link_send_data (link, 1, frame, sizeof frame))
      break;
}

static void
server_link_cb (ServalLink *link, gboolean taken, gpointer user_data)
{
  Bench *b = user_data;

  if (!taken)
    fail ("the server's link did not take the TLS record layer");
  b->server_link = link;
  serval_link_set_handlers (link, server_message_cb, NULL, b);
  serval_link_start (link);
}

static void
member_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  Bench *b = user_data;

  if (msg->present == Message_PR_response)
    b->answered = msg->choice.response.id;
}

static void
member_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data)
{
  ((Bench *) user_data)->bytes += frame->len;
}

static void
member_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  if (!g_atomic_int_get (&((Bench *) user_data)->finished))
    fail (error != NULL ? error->message : "the member's link closed");
}

/* One pass of the member's loop: reads no faster than b->mbit. */
static void
member_iterate (Bench *b, gint64 since, guint64 bytes_then)
{
  gint64 now = g_get_monotonic_time ();
  double allowed = b->mbit * 1e6 / 8 * (now - since) / 1e6;

  if ((double) (b->bytes - bytes_then) > allowed)
    {
      g_usleep (200);
      return;
    }
  if (!g_main_context_iteration (g_main_context_get_thread_default (), FALSE))
    g_usleep (100);
}

/* @n requests one at a time, GAP_MS apart; their round trips in @ms. */
static void
member_requests (Bench *b, double *ms, guint32 first_id)
{
  gint64 since = g_get_monotonic_time ();
  guint64 bytes_then = b->bytes;

  for (guint i = 0; i < b->requests; i++)
    {
      guint32 id = first_id + i;
      gint64 t0 = g_get_monotonic_time (), next, end = t0 + WAIT_SECONDS * G_USEC_PER_SEC;

      serval_link_send_take (b->member, serval_request_build_name (id, SERVAL_REQUEST_LIST_VLANS, NULL));
      while (b->answered != id && g_get_monotonic_time () < end)
        member_iterate (b, since, bytes_then);
      if (b->answered != id)
        fail ("no answer within the time allowed");
      ms[i] = (g_get_monotonic_time () - t0) / 1e3;
      next = g_get_monotonic_time () + GAP_MS * 1000;
      while (g_get_monotonic_time () < next)
        member_iterate (b, since, bytes_then);
    }
  b->loaded_mbit = (b->bytes - bytes_then) * 8 / ((g_get_monotonic_time () - since) / 1e6) / 1e6;
}

static gpointer
member_thread (gpointer data)
{
  Bench *b = data;
  GMainContext *context = g_main_context_new ();
  ConnectResult r = { 0 };
  gint64 warm;

  g_main_context_push_thread_default (context);
  serval_link_connect_async (b->rs.t.address, b->rs.t.fingerprint, NULL, NULL, connected_cb, &r);
  while (!r.done)
    g_main_context_iteration (context, TRUE);
  if (r.link == NULL)
    fail (r.error->message);
  b->member = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  serval_link_set_handlers (b->member, member_message_cb, member_data_cb, b);
  g_signal_connect (b->member, "closed", G_CALLBACK (member_closed_cb), b);
  serval_link_start (b->member);

  member_requests (b, b->quiet, 1);
  g_atomic_int_set (&b->flood, 1);
  /* Until the flood fills the sockets and the link: a second. */
  warm = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < warm)
    member_iterate (b, warm - G_USEC_PER_SEC, 0);
  member_requests (b, b->loaded, 1 + b->requests);

  g_atomic_int_set (&b->finished, 1);
  serval_link_close (b->member, NULL);
  g_clear_object (&b->member);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
report (const char *name, double *ms, guint n)
{
  qsort (ms, n, sizeof *ms, (int (*) (const void *, const void *)) compare_double);
  printf ("%s_ms_median %.2f\n", name, ms[n / 2]);
  printf ("%s_ms_p90 %.2f\n", name, ms[n * 9 / 10]);
  printf ("%s_ms_max %.2f\n", name, ms[n - 1]);
}

int
main (int argc, char **argv)
{
  Bench b = { 0 };
  GMainContext *context;
  GThread *thread;

  g_test_init (&argc, &argv, NULL); /* for the test certificate's path (link-test-util.h) */
  b.requests = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 50;
  b.mbit = argc > 2 ? g_ascii_strtod (argv[2], NULL) : 400;
  if (b.requests == 0 || b.mbit <= 0)
    {
      fprintf (stderr, "usage: bench-mgmt-latency [REQUESTS] [MBIT], both over 0\n");
      return 2;
    }
  b.quiet = g_new0 (double, b.requests);
  b.loaded = g_new0 (double, b.requests);
  context = test_context_push ();
  record_server_start (&b.rs, server_link_cb, &b);
  thread = g_thread_new ("member", member_thread, &b);
  while (!g_atomic_int_get (&b.finished))
    {
      if (!b.flooding && b.server_link != NULL && g_atomic_int_get (&b.flood))
        {
          b.flooding = TRUE;
          serval_link_set_drain_func (b.server_link, SERVAL_LINK_DATA_QUEUE_LIMIT, top_up_cb, &b);
          top_up_cb (b.server_link, &b);
        }
      g_main_context_iteration (context, FALSE) || (g_usleep (100), TRUE);
    }
  g_thread_join (thread);
  printf ("requests %u\nmember_mbit_limit %.0f\n", b.requests, b.mbit);
  report ("quiet", b.quiet, b.requests);
  report ("flood", b.loaded, b.requests);
  printf ("flood_member_mbit %.1f\n", b.loaded_mbit);
  if (b.server_link != NULL)
    serval_link_close (b.server_link, NULL);
  g_clear_object (&b.server_link);
  record_server_stop (&b.rs);
  test_context_pop (context);
  g_free (b.quiet);
  g_free (b.loaded);
  return 0;
}
