/* Unit tests for server/serval-accept.c: a real GSocketService on loopback
 * behind the gate, real client sockets, and a made-up open-file limit, so
 * that the marks are a few connections and not thousands. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "serval-accept.h"
#include "test-loop-util.h"
#include "test-utils.h"

typedef struct
{
  GSocketService *service;
  ServalAcceptGate *gate;
  GSocketAddress *address;
  GPtrArray *accepted; /* server side GSocketConnection */
  GPtrArray *clients;  /* client side GSocketConnection */
  guint n_accepted;
  GMainContext *context; /* the test's own, thread default */
} Fixture;

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  Fixture *f = data;

  serval_accept_gate_track (f->gate, conn);
  g_ptr_array_add (f->accepted, g_object_ref (conn));
  f->n_accepted++;
  return TRUE;
}

static void
setup_gate (Fixture *f, guint64 fd_limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = test_loopback_any ();

  f->accepted = g_ptr_array_new_with_free_func (g_object_unref);
  f->clients = g_ptr_array_new_with_free_func (g_object_unref);
  f->service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (f->service), 64);
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (f->service), any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &f->address, &error));
  g_assert_no_error (error);
  f->gate = serval_accept_gate_new (f->service, fd_limit);
  g_signal_connect (f->service, "incoming", G_CALLBACK (incoming_cb), f);
  g_socket_service_start (f->service);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->context = test_context_push ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->service != NULL)
    {
      g_socket_service_stop (f->service);
      g_socket_listener_close (G_SOCKET_LISTENER (f->service));
    }
  g_clear_pointer (&f->accepted, g_ptr_array_unref);
  g_clear_pointer (&f->clients, g_ptr_array_unref);
  g_clear_pointer (&f->gate, serval_accept_gate_free);
  g_clear_object (&f->service);
  g_clear_object (&f->address);
  test_context_pop (f->context);
}

/* Connections complete in the kernel's backlog whether or not the service
 * accepts: this never blocks. */
static void
connect_clients (Fixture *f, guint n)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocketConnection *c = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (f->address), NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (f->clients, c);
    }
}

typedef struct
{
  const guint *n;
  guint want;
} Count;

static gboolean
count_reached (gpointer data)
{
  Count *c = data;

  return *c->n == c->want;
}

/* Runs the main loop until *@n == @want. */
static void
run_until (const guint *n, guint want)
{
  Count c = { n, want };

  g_assert_true (test_iterate_until (count_reached, &c));
}

static ServalAcceptStats
stats (Fixture *f)
{
  ServalAcceptStats st = { 0 };

  serval_accept_gate_get_stats (f->gate, &st);
  return st;
}

static gboolean
gate_paused (gpointer fixture)
{
  return stats (fixture).paused;
}

/* Closes the server side of the first @n accepted connections. */
static void
drop_accepted (Fixture *f, guint n)
{
  g_ptr_array_remove_range (f->accepted, 0, n);
}

static void
test_marks (void)
{
  guint high, low;

  serval_accept_marks (200, &high, &low);
  g_assert_cmpuint (high, ==, 136);
  g_assert_cmpuint (low, ==, 128);
  serval_accept_marks (1024, &high, &low);
  g_assert_cmpuint (high, ==, 960);
  g_assert_cmpuint (low, ==, 900);
  serval_accept_marks (1048576, &high, &low);
  g_assert_cmpuint (high, ==, 1048576 - SERVAL_ACCEPT_FD_RESERVE);
  g_assert_cmpuint (low, ==, high - 1024);
  /* A tiny limit keeps half for the rest, and never makes a mark of 0. */
  serval_accept_marks (100, &high, &low);
  g_assert_cmpuint (high, ==, 50);
  g_assert_cmpuint (low, ==, 47);
  serval_accept_marks (1, &high, &low);
  g_assert_cmpuint (high, ==, 1);
  g_assert_cmpuint (low, ==, 0);
  serval_accept_marks (G_MAXUINT64, &high, &low);
  g_assert_cmpuint (high, ==, G_MAXUINT / 2);
  g_assert_cmpuint (low, <, high);
}

/* Past the high mark: the service stops, the rest wait in the backlog;
 * closing connections down to the low mark starts it again. */
static void
test_pause_resume (Fixture *f, gconstpointer data)
{
  ServalAcceptStats st;

  setup_gate (f, 1024);
  serval_accept_gate_set_marks (f->gate, 5, 4);
  st = stats (f);
  g_assert_cmpuint (st.high, ==, 5);
  g_assert_cmpuint (st.low, ==, 4);
  g_assert_cmpuint (st.capacity, ==, 4); /* the fifth is told the server is full */

  g_test_expect_message ("serval-server", G_LOG_LEVEL_WARNING,
                         "Stopped accepting clients: 5 connections are open and the open-file limit "
                         "(RLIMIT_NOFILE) is 1024, of which 1019 are kept*LimitNOFILE=*ulimit -n*");
  connect_clients (f, 8);
  run_until (&f->n_accepted, 5);
  test_iterate_for (0.3); /* time for more, which must not come */
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->n_accepted, ==, 5);
  st = stats (f);
  g_assert_true (st.paused);
  g_assert_cmpuint (st.pauses, ==, 1);
  g_assert_cmpuint (st.open, ==, 5);
  g_assert_false (g_socket_service_is_active (f->service));

  /* One closed: 4, the low mark. One more comes in, and that is 5 again.
   * The resume of a logged pause is logged; a second pause within the
   * minute is not (refusals of a full server pause and resume it often). */
  g_test_expect_message ("serval-server", G_LOG_LEVEL_MESSAGE,
                         "Accepting clients again: 4 connections open, after a pause of *");
  drop_accepted (f, 1);
  run_until (&f->n_accepted, 6);
  test_iterate_for (0.3);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->n_accepted, ==, 6);
  st = stats (f);
  g_assert_true (st.paused);
  g_assert_cmpuint (st.pauses, ==, 2);
  g_assert_cmpuint (st.open, ==, 5);

  /* All closed: the last two come in without a pause. */
  drop_accepted (f, f->accepted->len);
  run_until (&f->n_accepted, 8);
  test_iterate_for (0.3);
  g_assert_cmpuint (f->n_accepted, ==, 8);
  st = stats (f);
  g_assert_false (st.paused);
  g_assert_cmpuint (st.pauses, ==, 2);
  g_assert_cmpuint (st.open, ==, 2);
  g_assert_true (g_socket_service_is_active (f->service));
  drop_accepted (f, f->accepted->len);
  g_assert_cmpuint (stats (f).open, ==, 0);
}

/* Sockets finalized in another thread are counted out too, and the
 * service is started again in the gate's context, not in that thread. */
static gpointer
unref_thread (gpointer data)
{
  g_ptr_array_unref (data);
  return NULL;
}

static void
test_other_thread (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) moved = NULL;
  GThread *thread;

  setup_gate (f, 1024);
  serval_accept_gate_set_marks (f->gate, 3, 2);
  g_test_expect_message ("serval-server", G_LOG_LEVEL_WARNING, "Stopped accepting clients: 3 connections*");
  connect_clients (f, 4);
  run_until (&f->n_accepted, 3);
  g_test_assert_expected_messages ();
  g_assert_true (stats (f).paused);
  moved = g_steal_pointer (&f->accepted);
  f->accepted = g_ptr_array_new_with_free_func (g_object_unref);
  thread = g_thread_new ("unref", unref_thread, g_steal_pointer (&moved));
  g_thread_join (thread);
  g_assert_cmpuint (stats (f).open, ==, 0);
  g_assert_true (stats (f).paused); /* until the main context runs */
  run_until (&f->n_accepted, 4);
  g_assert_cmpuint (f->n_accepted, ==, 4);
  g_assert_false (stats (f).paused);
}

/* Descriptors held by something else than connections: the accepted
 * socket's number shows it, accepting stops with a warning that says so,
 * and is tried again after a while. */
static void
test_fd_guard (Fixture *f, gconstpointer data)
{
  g_autoptr(GArray) fillers = g_array_new (FALSE, FALSE, sizeof (int));
  ServalAcceptStats st;
  gint64 start;
  int fd;

  if (serval_accept_fd_limit () < 300)
    {
      g_test_fail_printf ("This test opens 230 files but the open-file limit is %" G_GUINT64_FORMAT
                          ": run it with “ulimit -n 1024”",
                          serval_accept_fd_limit ());
      return;
    }
  setup_gate (f, 256); /* high 192: the count never gets there */
  /* Fill the table up to 230: accepted sockets get 239 (256 - 1 - 16) soon. */
  while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0 && fd < 230)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (fd, >=, 230);
  g_array_append_val (fillers, fd);

  g_test_expect_message ("serval-server", G_LOG_LEVEL_WARNING,
                         "Stopped accepting clients: descriptor 2?? is in use, near the open-file limit "
                         "(RLIMIT_NOFILE) of 256, but only * of them are client connections*");
  connect_clients (f, 10);
  g_assert_true (test_iterate_until (gate_paused, f));
  g_test_assert_expected_messages ();
  st = stats (f);
  g_assert_true (st.paused);
  g_assert_cmpuint (st.pauses, ==, 1);
  g_assert_cmpuint (f->n_accepted, <, 10);
  g_test_message ("accepted %u of 10 before the pause", f->n_accepted);

  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  start = g_get_monotonic_time ();
  run_until (&f->n_accepted, 10);
  g_assert_cmpuint (f->n_accepted, ==, 10);
  g_test_message ("accepting again after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_false (stats (f).paused);
  g_assert_cmpuint (stats (f).pauses, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/accept/marks", test_marks);
  g_test_add ("/server/accept/pause-resume", Fixture, NULL, setup, test_pause_resume, teardown);
  g_test_add ("/server/accept/other-thread", Fixture, NULL, setup, test_other_thread, teardown);
  g_test_add ("/server/accept/fd-guard", Fixture, NULL, setup, test_fd_guard, teardown);
  return g_test_run ();
}
