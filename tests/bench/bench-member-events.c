/* bench-member-events: what big VLANs cost in member events (issue 17).
 *
 *   build/tests/bench-member-events [JOINS] [LATENCY_JOINS]
 *
 * In one process, a real ServalServer on loopback and clients as bare
 * links (hello, login, join; they keep no member list, as serval-bench's
 * idle clients), on the server's own thread:
 *
 *  1. "burst": one member is in VLAN red; JOINS others (default 1,000) join
 *     in one burst. Reported: the messages and bytes (DER, as sent) of
 *     member events that member receives until it has seen every join, and
 *     how long the burst took to reach it.
 *  2. "join latency": in that VLAN, now of JOINS + 1 members, LATENCY_JOINS
 *     more clients (default 20) join one after the other: the time from
 *     each one's join request to its answer (with the list, or its first
 *     page), median and maximum.
 *
 * The member's link says memberPages in its Hello when this build knows
 * it (serval_hello_build_client()); built on a commit before issue 17 it
 * gets one event per join. Output: "key value" lines, one a figure. It
 * fails (exit 1) only when the benchmark breaks, never for a slow figure. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "serval-link.h"
#include "serval-message.h"
#include "serval-server.h"
#include "serval-store.h"
#include "session-fixture.h"
#include "test-async.h"
#include "test-store-util.h"
#include "link-test-util.h"
#include "test-utils.h"

#define ITERATIONS   1000
#define WAIT_SECONDS 600

typedef struct
{
  ServalLink *link;
  gboolean answered;
  ServalResponseKind answer;
  guint joins_seen; /* members joined, by single or coalesced events */
  guint events;     /* member event messages */
  guint64 bytes;    /* their DER bytes, length prefix included */
  gboolean count;
} Peer;

static gboolean timed_out;

static gboolean
timeout_cb (gpointer data)
{
  timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_UNTIL(cond)                                                      \
  G_STMT_START                                                                \
  {                                                                           \
    GSource *t_ = g_timeout_source_new_seconds (WAIT_SECONDS);                \
                                                                              \
    timed_out = FALSE;                                                        \
    g_source_set_callback (t_, timeout_cb, NULL, NULL);                       \
    g_source_attach (t_, NULL);                                               \
    while (!(cond) && !timed_out)                                             \
      g_main_context_iteration (NULL, TRUE);                                  \
    g_source_destroy (t_);                                                    \
    g_source_unref (t_);                                                      \
    if (!(cond))                                                              \
      {                                                                       \
        fprintf (stderr, "bench-member-events: still false after %d s: %s\n", \
                 WAIT_SECONDS, #cond);                                        \
        exit (1);                                                             \
      }                                                                       \
  }                                                                           \
  G_STMT_END

static guint64
message_bytes (const Message_t *msg)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  return serval_message_encode ((Message_t *) msg, out, NULL) ? out->len : 0;
}

static void
peer_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  Peer *p = user_data;
  ServalMessageKind kind = serval_message_get_kind (msg);

  if (kind == SERVAL_MESSAGE_RESPONSE)
    {
      g_auto(ServalResponse) resp = { 0 };

      serval_response_parse (msg, &resp);
      p->answer = resp.kind;
      p->answered = TRUE;
    }
  else if (kind == SERVAL_MESSAGE_EVENT && p->count)
    {
      g_auto(ServalEvent) ev = { 0 };

      serval_event_parse (msg, &ev);
      if (ev.kind == SERVAL_EVENT_MEMBER_JOINED)
        p->joins_seen++;
#ifdef SERVAL_MEMBER_PAGE_MAX
      else if (ev.kind == SERVAL_EVENT_MEMBER_CHANGES)
        for (guint i = 0; i < ev.changes->len; i++)
          p->joins_seen += ((ServalMemberChange *) ev.changes->pdata[i])->kind == SERVAL_EVENT_MEMBER_JOINED;
#endif
      else
        return;
      p->events++;
      p->bytes += message_bytes (msg);
    }
}

/* A link that closes in the middle breaks the benchmark: say why. */
static gboolean finishing; /* the links close because the benchmark is over */

static void
peer_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  if (finishing)
    return;
  fprintf (stderr, "bench-member-events: a client's link closed: %s\n", error != NULL ? error->message : "by the server");
  exit (1);
}

static gboolean
progress_cb (gpointer data)
{
  Peer *member = data;

  fprintf (stderr, "bench-member-events: the member has seen %u joins in %u messages so far\n", member->joins_seen,
           member->events);
  return G_SOURCE_CONTINUE;
}

static void
send_and_wait (Peer *p, Message_t *msg)
{
  p->answered = FALSE;
  serval_link_send_take (p->link, msg);
  WAIT_UNTIL (p->answered);
}

/* @n peers connected and logged in as "bulk", hosts "@prefix-NNNNN", a few
 * handshakes at a time. */
static Peer *
peers_online (const char *address, const char *fingerprint, const char *prefix, guint n)
{
  Peer *peers = g_new0 (Peer, n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *host = g_strdup_printf ("%s-%05u", prefix, i);
      ServalLink *link;

      serval_link_connect_async (address, fingerprint, NULL, NULL, test_async_result_cb, &result);
      WAIT_UNTIL (result != NULL);
      link = serval_link_connect_finish (result, NULL, &error);
      if (link == NULL)
        {
          fprintf (stderr, "bench-member-events: cannot connect: %s\n", error->message);
          exit (1);
        }
      peers[i].link = link;
      serval_link_set_handlers (link, peer_message_cb, NULL, &peers[i]);
      g_signal_connect (link, "closed", G_CALLBACK (peer_closed_cb), NULL);
      serval_link_start (link);
      serval_link_send_take (link, serval_hello_build_client (FALSE));
      send_and_wait (&peers[i], serval_request_build_login (1, "bulk", host, "bulk-pw", NULL));
      if (peers[i].answer != SERVAL_RESPONSE_LOGGED_IN)
        {
          fprintf (stderr, "bench-member-events: login %u refused\n", i);
          exit (1);
        }
    }
  return peers;
}

static void
join_request (Peer *p, guint32 id, guint index, guint8 group)
{
  guint8 mac[6] = { 0x02, 0, group, index >> 16, (index >> 8) & 0xff, index & 0xff };

  p->answered = FALSE;
  serval_link_send_take (p->link, serval_request_build_join (id, "red", mac));
}

static char *
data_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = NULL;
  g_autoptr(ServalStore) store = session_data_dir_new ("serval-bench-events-XXXXXX", &dir, NULL);

  session_add_user (store, "bulk", "bulk-pw", FALSE, ITERATIONS);
  g_assert_true (test_store_vlan_add (store, "red", NULL, &error));
  g_assert_true (test_store_grant (store, "bulk", "red", &error));
  return dir;
}

static ServalServer *
server_start (const char *dir, char **address)
{
  g_autoptr(GError) error = NULL;
  ServalServerConfig config;
  ServalServer *server;

  *address = g_strdup_printf ("127.0.0.1:%u", test_free_port ());
  serval_server_config_init (&config);
  config.data_dir = g_strdup (dir);
  config.listen = g_strdup (*address);
  config.node = g_strdup ("bench");
  config.pbkdf2_iterations = ITERATIONS;
  config.max_handshakes_per_address = 100000;
  config.max_unauthenticated_per_address = 100000;
  config.max_failed_logins = 100000;
  /* Server and clients share one thread here: a burst keeps it busy for
   * longer than a keepalive's three intervals, which real clients are not. */
  config.keepalive = 600;
  server = serval_server_new (&config, &error);
  serval_server_config_clear (&config);
  g_assert_no_error (error);
  if (!serval_server_start (server, &error))
    {
      fprintf (stderr, "bench-member-events: cannot start the server: %s\n", error->message);
      exit (1);
    }
  return server;
}

static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  guint joins, lat_joins;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *address = NULL;
  g_autofree double *lat = NULL;
  ServalServer *server;
  Peer *member, *bulk, *late;
  gint64 start;
  struct rlimit rl;

  g_test_init (&argc, &argv, NULL); /* for the test certificate's path (link-test-util.h) */
  joins = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000;
  lat_joins = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 20;
  if (joins == 0 || lat_joins == 0)
    {
      fprintf (stderr, "usage: bench-member-events [JOINS] [LATENCY_JOINS], both at least 1\n");
      return 2;
    }
  getrlimit (RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit (RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * (joins + lat_joins) + 100)
    {
      fprintf (stderr, "bench-member-events: %u clients need %u open files, the limit is %lu: raise it (ulimit -Hn)\n",
               joins + lat_joins, 2 * (joins + lat_joins) + 100, (unsigned long) rl.rlim_cur);
      return 1;
    }
  /* A line per login and join would be most of the output. */
  g_log_set_handler ("serval-server", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, quiet_log, NULL);
  g_log_set_handler ("serval-engine", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, quiet_log, NULL);
  g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, quiet_log, NULL);
  cert = test_cert_load (TEST_CERT, TEST_KEY);
  fingerprint = test_cert_fingerprint (cert);
  dir = data_dir ();
  server = server_start (dir, &address);

  member = peers_online (address, fingerprint, "member", 1);
  join_request (member, 2, 0, 1);
  WAIT_UNTIL (member->answered);
  bulk = peers_online (address, fingerprint, "bulk", joins);
  late = peers_online (address, fingerprint, "late", lat_joins);

  /* 1. the burst */
  member->count = TRUE;
  g_timeout_add_seconds (10, progress_cb, member);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < joins; i++)
    join_request (&bulk[i], 2, i, 2);
  WAIT_UNTIL (member->joins_seen >= joins);
  printf ("burst_joins %u\n", joins);
  printf ("burst_member_messages %u\n", member->events);
  printf ("burst_member_bytes %" G_GUINT64_FORMAT "\n", member->bytes);
  printf ("burst_seconds %.3f\n", (g_get_monotonic_time () - start) / 1e6);
  for (guint i = 0; i < joins; i++)
    WAIT_UNTIL (bulk[i].answered);

  /* 2. join latency in a VLAN of joins + 1 */
  lat = g_new0 (double, lat_joins);
  for (guint i = 0; i < lat_joins; i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      join_request (&late[i], 2, i, 3);
      WAIT_UNTIL (late[i].answered);
      lat[i] = (g_get_monotonic_time () - t0) / 1e3;
      if (late[i].answer != SERVAL_RESPONSE_JOINED)
        {
          fprintf (stderr, "bench-member-events: a join was refused\n");
          return 1;
        }
    }
  qsort (lat, lat_joins, sizeof *lat, (int (*) (const void *, const void *)) compare_double);
  printf ("join_vlan_members %u\n", joins + 1);
  printf ("join_latency_ms_median %.2f\n", lat[lat_joins / 2]);
  printf ("join_latency_ms_max %.2f\n", lat[lat_joins - 1]);

  finishing = TRUE;
  for (guint i = 0; i < joins; i++)
    serval_link_close (bulk[i].link, NULL);
  for (guint i = 0; i < lat_joins; i++)
    serval_link_close (late[i].link, NULL);
  serval_link_close (member->link, NULL);
  test_drain ();
  serval_server_free (server);
  test_tmp_dir_remove (dir);
  return 0;
}
