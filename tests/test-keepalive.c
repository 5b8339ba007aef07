/* Keepalives (engine/serval-link-keepalive.c, issue 17): two links started
 * together on one clock, their bytes through a relay in the test that
 * counts the pings and pongs each way. Only one end of an idle link pings
 * once the first round is over; when the relay stops carrying bytes both
 * ends close for silence, the one that only answered included.
 *
 * The interval the server sets by its load (issue 17): an announcing end
 * says its interval in its pings and pongs, an adopting end takes it, and a
 * retune reaches the peer; in-process, a server with a tiny budget tells
 * clients logging in a longer interval the more it holds, and an early
 * client that reads Ping.interval follows it, while an older one, whose
 * Hello does not say it, keeps the one it was told. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "serval-codec.h"
#include "serval-link.h"
#include "session-fixture.h"
#include "test-loop-util.h"
#include "test-utils.h"

/* Seconds: pings every 2 s, so that an end that follows waits a whole
 * second past the leader's ping (a stalled test process would need that
 * long to make it ping too); the timeout is the default's three intervals. */
#define INTERVAL 2
#define TIMEOUT  6

typedef struct
{
  int from, to;      /* the relay's ends: read one, write the other */
  GByteArray *bytes; /* read, not yet parsed into whole messages */
  guint pings, pongs;
  guint with_interval; /* pings and pongs that said Ping.interval */
  long last_interval;  /* the last one said, or 0 */
  gboolean cut;        /* the relay drops everything */
} Direction;

typedef struct
{
  ServalLink *link;
  guint closed;
  GError *error;
} End;

static void
count_messages (Direction *d)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(Message_t) msg = NULL;
      gsize len;

      if (d->bytes->len < SERVAL_LENGTH_PREFIX)
        return;
      g_assert_true (serval_frame_length (d->bytes->data, &len, &error));
      if (d->bytes->len < SERVAL_LENGTH_PREFIX + len)
        return;
      msg = serval_message_decode (d->bytes->data + SERVAL_LENGTH_PREFIX, len, &error);
      g_assert_no_error (error);
      if (msg->present == Message_PR_ping)
        d->pings++;
      else if (msg->present == Message_PR_pong)
        d->pongs++;
      if ((msg->present == Message_PR_ping && msg->choice.ping.interval != NULL) ||
          (msg->present == Message_PR_pong && msg->choice.pong.interval != NULL))
        {
          d->with_interval++;
          d->last_interval = *(msg->present == Message_PR_ping ? msg->choice.ping.interval : msg->choice.pong.interval);
        }
      g_byte_array_remove_range (d->bytes, 0, SERVAL_LENGTH_PREFIX + len);
    }
}

static gboolean
relay_cb (int fd, GIOCondition condition, gpointer data)
{
  Direction *d = data;
  guint8 buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n <= 0)
    return G_SOURCE_REMOVE;
  if (d->cut)
    return G_SOURCE_CONTINUE;
  if (write (d->to, buf, n) != n) /* an end closed: a failure, say which way */
    g_error ("the relay %d->%d could not pass %zd bytes on: %s (pings %u, pongs %u that way)", d->from, d->to, n,
             g_strerror (errno), d->pings, d->pongs);
  g_byte_array_append (d->bytes, buf, n);
  count_messages (d);
  return G_SOURCE_CONTINUE;
}

static void
end_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  End *e = user_data;

  e->closed++;
  g_clear_error (&e->error);
  e->error = error ? g_error_copy (error) : NULL;
}

static void
end_start (End *e, int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);
  g_autoptr(GSocketConnection) conn = NULL;

  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);
  e->link = serval_link_new (G_IO_STREAM (conn), "test peer");
  g_signal_connect (e->link, "closed", G_CALLBACK (end_closed_cb), e);
  serval_link_set_keepalive (e->link, INTERVAL, TIMEOUT);
}

static GSource *
relay_add (Direction *d)
{
  GSource *source = g_unix_fd_source_new (d->from, G_IO_IN | G_IO_HUP | G_IO_ERR);

  d->bytes = g_byte_array_new ();
  g_source_set_callback (source, G_SOURCE_FUNC (relay_cb), d, NULL);
  g_source_attach (source, test_context ());
  return source;
}

/* Two links, each on a socketpair of its own, joined by a relay that counts
 * what crosses: ab carries e[0]'s bytes to e[1], ba the other way. */
typedef struct
{
  int sa[2], sb[2];
  End e[2];
  Direction ab, ba;
  GSource *sources[2];
} Relayed;

/* @r's ends are made with end_start(), not started. */
static void
relayed_open (Relayed *r)
{
  *r = (Relayed){ 0 };
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->sa), ==, 0);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->sb), ==, 0);
  r->ab = (Direction){ .from = r->sa[1], .to = r->sb[1] };
  r->ba = (Direction){ .from = r->sb[1], .to = r->sa[1] };
  r->sources[0] = relay_add (&r->ab);
  r->sources[1] = relay_add (&r->ba);
  end_start (&r->e[0], r->sa[0]);
  end_start (&r->e[1], r->sb[0]);
}

static void
relayed_close (Relayed *r)
{
  for (guint i = 0; i < 2; i++)
    {
      if (r->e[i].link != NULL)
        serval_link_close (r->e[i].link, NULL);
      g_clear_error (&r->e[i].error);
      g_clear_object (&r->e[i].link);
      g_source_destroy (r->sources[i]);
      g_source_unref (r->sources[i]);
    }
  g_byte_array_unref (r->ab.bytes);
  g_byte_array_unref (r->ba.bytes);
  close (r->sa[1]);
  close (r->sb[1]);
}

typedef struct
{
  Direction *ab, *ba;
  guint n;
} Exchanges;

static gboolean
exchanges_done (gpointer data)
{
  Exchanges *x = data;

  return x->ab->pongs + x->ba->pongs >= x->n;
}

static gboolean
both_closed (gpointer data)
{
  End *e = data;

  return e[0].closed > 0 && e[1].closed > 0;
}

static void
test_one_end_pings (void)
{
  Relayed r;
  Exchanges x = { &r.ab, &r.ba, 2 };
  guint ab_pings, ba_pings;

  relayed_open (&r);
  /* Started together, on one clock: their first pings may cross. */
  serval_link_start (r.e[0].link);
  serval_link_start (r.e[1].link);

  /* Past the first round (two pongs: one each way if both pinged)... */
  g_assert_true (test_iterate_until (exchanges_done, &x));
  ab_pings = r.ab.pings;
  ba_pings = r.ba.pings;
  /* ... three more exchanges: every ping answered, all from one end. */
  x.n = r.ab.pongs + r.ba.pongs + 3;
  g_assert_true (test_iterate_until (exchanges_done, &x));
  g_assert_cmpuint (r.ab.pings + r.ba.pings, ==, r.ab.pongs + r.ba.pongs);
  g_assert_true ((r.ab.pings == ab_pings) != (r.ba.pings == ba_pings));
  g_assert_cmpuint (r.e[0].closed + r.e[1].closed, ==, 0);

  /* The peer goes silent (the relay drops everything): each end closes
   * for silence, the one that only answered too. */
  r.ab.cut = r.ba.cut = TRUE;
  g_assert_true (test_iterate_until (both_closed, r.e));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_error (r.e[i].error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TIMEOUT);
      g_assert_nonnull (strstr (r.e[i].error->message, "has not answered for"));
      g_clear_object (&r.e[i].link);
    }
  relayed_close (&r);
}

/* An end that announces (a server's) and one that adopts (a client's),
 * their bytes through the relay: the adopting end takes the interval the
 * other says, and a retune of the announcing end reaches it. */
static void
test_adopt (void)
{
  Relayed r;

  relayed_open (&r); /* e[0] the server's end: 2 s, said; e[1] the client's: told 5 s at first, adopts */
  serval_link_set_keepalive (r.e[1].link, 5, 15);
  serval_link_announce_keepalive (r.e[0].link);
  serval_link_adopt_keepalive (r.e[1].link);
  serval_link_start (r.e[0].link);
  serval_link_start (r.e[1].link);

  TEST_WAIT_UNTIL (serval_link_get_keepalive_interval (r.e[1].link) == INTERVAL);
  g_assert_cmpuint (r.ab.with_interval, >, 0);
  g_assert_cmpint (r.ab.last_interval, ==, INTERVAL);
  g_assert_cmpuint (r.ab.with_interval, ==, r.ab.pings + r.ab.pongs); /* every one says it */
  g_assert_cmpuint (r.ba.with_interval, ==, 0);                       /* the client's say nothing */

  /* The server lengthens it (it holds more clients): the client follows. */
  serval_link_retune_keepalive (r.e[0].link, 3, 9);
  TEST_WAIT_UNTIL (serval_link_get_keepalive_interval (r.e[1].link) == 3);
  g_assert_cmpint (r.ab.last_interval, ==, 3);
  g_assert_cmpuint (r.ba.with_interval, ==, 0);
  g_assert_cmpuint (r.e[0].closed + r.e[1].closed, ==, 0);
  relayed_close (&r);
}

/* The server shortens the interval (clients left) while one end pings at
 * the longer one (@server_leads: the server, else the client): the next
 * ping of that end comes when it was due, a whole old interval after the
 * last word of the other, which is past the new timeout. Neither end may
 * close for that silence: a shorter timeout waits until the peer is heard
 * knowing the new interval. */
static void
test_shorter (gconstpointer data)
{
  gboolean server_leads = GPOINTER_TO_INT (data);
  Relayed r;
  Exchanges x;
  guint first = server_leads ? 0 : 1;
  const guint *leader_pings = server_leads ? &r.ab.pings : &r.ba.pings;

  relayed_open (&r); /* e[0] the server's end, e[1] the client's */
  serval_link_set_keepalive (r.e[0].link, 4, 12);
  serval_link_announce_keepalive (r.e[0].link);
  serval_link_set_keepalive (r.e[1].link, 4, 12);
  serval_link_adopt_keepalive (r.e[1].link);
  /* One end pings first, and the other, started then, follows. */
  serval_link_start (r.e[first].link);
  g_assert_true (test_iterate_until_count (leader_pings, 1));
  serval_link_start (r.e[1 - first].link);
  g_assert_true (test_iterate_until_count (leader_pings, 2));

  serval_link_retune_keepalive (r.e[0].link, 1, 3);
  TEST_WAIT_UNTIL (serval_link_get_keepalive_interval (r.e[1].link) == 1);
  /* Past the leader's next ping on the old interval, three exchanges more. */
  x = (Exchanges){ &r.ab, &r.ba, r.ab.pongs + r.ba.pongs + 3 };
  g_assert_true (test_iterate_until (exchanges_done, &x));
  g_assert_cmpuint (r.e[0].closed + r.e[1].closed, ==, 0);
  relayed_close (&r);
}

/* Logs @c in as alice from @host: the interval the server told it. */
static guint
log_in (SessionOldClient *c, const char *host)
{
  ServalResponse *resp = session_old_client_ask (c, serval_request_build_login (1, "alice", host, "alice-pw", NULL));

  g_assert_cmpint (resp->kind, ==, SERVAL_RESPONSE_LOGGED_IN);
  return resp->keepalive;
}

/* A real server, its keepalive from a budget of one exchange a second from
 * 1 s on: n clients, n seconds. Raw links play the clients, so that the
 * test sees the interval each one keeps. */
static void
test_server_by_load (void)
{
  SessionBase b;
  ServalServerConfig config;
  ServalServer *server;
  g_autofree char *dir = NULL, *address = NULL;
  g_autoptr(ServalStore) store = NULL;
  SessionOldClient early = { 0 }, old = { 0 }, later[2] = { { 0 } };
  gboolean waited = FALSE;
  GSource *wait;

  session_base_init (&b);
  store = session_data_dir_new ("serval-keepalive-XXXXXX", &dir, NULL);
  session_add_user (store, "alice", "alice-pw", FALSE, SESSION_TEST_ITERATIONS);
  session_config_init (&config, dir, "node-a");
  config.keepalive = 1;
  config.keepalive_budget = 1;
  server = session_server_start_new (&config, &address);

  /* The first client reads Ping.interval: told 1 s, the only one. */
  session_old_client_open_hello (&early, b.context, address, b.fingerprint, serval_hello_build_client (FALSE));
  serval_link_adopt_keepalive (early.link);
  g_assert_cmpuint (log_in (&early, "early"), ==, 1);
  /* An older client (its Hello says nothing of it) pings at what it is told
   * (2 s, two clients), and would take what it heard if it were said. */
  session_old_client_open (&old, b.context, address, b.fingerprint);
  serval_link_adopt_keepalive (old.link);
  g_assert_cmpuint (log_in (&old, "old"), ==, 2);
  serval_link_set_keepalive (old.link, 1, 60);
  /* More clients: a longer interval to each one logging in. */
  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    {
      session_old_client_open_hello (&later[i], b.context, address, b.fingerprint, serval_hello_build_client (FALSE));
      g_assert_cmpuint (log_in (&later[i], "later"), ==, 3 + i);
    }

  /* The first one moves to the longer interval too. */
  SESSION_WAIT_UNTIL (b.context, 60, serval_link_get_keepalive_interval (early.link) == 2 + G_N_ELEMENTS (later),
                      "the early client adopted the server's interval");
  /* The old one keeps its own: it pinged every second meanwhile and heard
   * the pongs; three more exchanges cannot change that either. */
  wait = session_safety_net_new (b.context, 3, &waited);
  while (!waited)
    g_main_context_iteration (b.context, TRUE);
  session_safety_net_free (wait);
  g_assert_cmpuint (serval_link_get_keepalive_interval (old.link), ==, 1);
  g_assert_false (serval_link_is_closed (old.link));

  session_old_client_close (&early);
  session_old_client_close (&old);
  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    session_old_client_close (&later[i]);
  test_drain ();
  serval_server_free (server);
  serval_server_config_clear (&config);
  test_tmp_dir_remove (dir);
  session_base_clear (&b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* tests/meson.build runs these in parts, by path (-p): a test under a new
   * path needs its part there. */
  test_add_in_own_context ("/engine/keepalive/one-end-pings", test_one_end_pings);
  test_add_in_own_context ("/engine/keepalive/adopt", test_adopt);
  test_add_data_in_own_context ("/engine/keepalive/shorter/server-leads", GINT_TO_POINTER (TRUE), test_shorter);
  test_add_data_in_own_context ("/engine/keepalive/shorter/client-leads", GINT_TO_POINTER (FALSE), test_shorter);
  g_test_add_func ("/server/keepalive/by-load", test_server_by_load);
  return g_test_run ();
}
