/* A server's link that keeps only the TLS 1.3 record state after the
 * handshake (serval_link_tls_take_records(), serval-link-record.c), against
 * a client link on GnuTLS over loopback: frames both ways, of every size
 * (some over one record), in order; the ends close each other cleanly
 * (close_notify); the client's KeyUpdates, with and without asking for one
 * back, are followed; and a client session stays as it was. */
#include "config.h"

#include <gnutls/gnutls.h>
#include <string.h>

#include "serval-link.h"
#include "link-test-util.h"
#include "link-record-util.h"
#include "serval-tls.h"

typedef struct
{
  RecordServer rs;
  ServalLink *server_link;
  gboolean taken;    /* serval_link_tls_take_records() said yes */
  guint frames[2];   /* received by the server [0] and the client [1] */
  gboolean in_order; /* every frame in the order sent */
  gboolean closed[2];
  GError *close_error[2];
  GMainContext *context;
} Fixture;

static void
count_frame (Fixture *f, int side, const ServalFrame *fr)
{
  /* Frames carry their sequence number in bytes 14-15. */
  if (fr->len < 16 || fr->data[14] != (guint8) f->frames[side] || fr->data[15] != (guint8) (f->frames[side] >> 8))
    f->in_order = FALSE;
  f->frames[side]++;
}

static void
server_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  count_frame (user_data, 0, fr);
}

static void
client_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  count_frame (user_data, 1, fr);
}

static void
closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  Fixture *f = user_data;
  int side = link == f->server_link ? 0 : 1;

  f->closed[side] = TRUE;
  g_clear_error (&f->close_error[side]);
  f->close_error[side] = error != NULL ? g_error_copy (error) : NULL;
}

static void
server_link_cb (ServalLink *link, gboolean taken, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->server_link);
  f->server_link = link;
  f->taken = taken;
  serval_link_set_handlers (f->server_link, NULL, server_data_cb, f);
  g_signal_connect (f->server_link, "closed", G_CALLBACK (closed_cb), f);
  serval_link_start (f->server_link);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->context = test_context_push ();
  f->in_order = TRUE;
  record_server_start (&f->rs, server_link_cb, f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->server_link != NULL)
    serval_link_close (f->server_link, NULL);
  g_clear_object (&f->server_link);
  for (int i = 0; i < 2; i++)
    g_clear_error (&f->close_error[i]);
  record_server_stop (&f->rs);
  test_context_pop (f->context);
}

static gboolean
has_server_link (gpointer data)
{
  return ((Fixture *) data)->server_link != NULL;
}

static ServalLink *
connect_ok (Fixture *f)
{
  ConnectResult r = { 0 };
  ServalLink *link;

  serval_link_connect_async (f->rs.address, f->rs.fingerprint, NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_no_error (r.error);
  link = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  /* A client's session is never taken: it must follow the server's key updates. */
  g_assert_false (serval_link_tls_take_records (link));
  serval_link_set_handlers (link, NULL, client_data_cb, f);
  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), f);
  serval_link_start (link);
  g_assert_true (test_iterate_until (has_server_link, f));
  g_assert_true (f->taken);
  return link;
}

typedef struct
{
  Fixture *f;
  int side;
  guint frames;
} Want;

static gboolean
got_frames (gpointer data)
{
  Want *w = data;

  return w->f->frames[w->side] >= w->frames;
}

/* @n numbered frames of mixed sizes from @link, some over one record
 * (16 KiB), and waits until the other side has them all. */
static void
send_frames (Fixture *f, ServalLink *link, int to, guint n)
{
  static guint8 frame[20000];

  memset (frame, 0x5a, sizeof frame);
  for (guint i = 0; i < n; i++)
    {
      guint seq = f->frames[to] + i;
      gsize len = i % 40 == 0 ? sizeof frame : 16 + (i * 53) % 1500;

      while (serval_link_get_queued (link) > SERVAL_LINK_DATA_QUEUE_LIMIT / 2)
        test_iterate (FALSE) || (g_usleep (200), TRUE);
      frame[14] = (guint8) seq;
      frame[15] = (guint8) (seq >> 8);
      g_assert_true (serval_link_send_data (link, 1, frame, len));
    }
  g_assert_true (test_iterate_until (got_frames, &(Want){ f, to, f->frames[to] + n }));
  g_assert_true (f->in_order);
}

static void
client_handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_assert_true (serval_tls_session_handshake_finish (SERVAL_TLS_SESSION (source), result, NULL));
  *done = TRUE;
}

static void
socket_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GSocketConnection **conn = user_data;

  *conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, NULL);
  g_assert_nonnull (*conn);
}

static gboolean
has_conn (gpointer data)
{
  return *(GSocketConnection **) data != NULL;
}

/* A client link on a session the test holds, so that it can ask GnuTLS for
 * KeyUpdates (*session: that session). */
static ServalLink *
connect_with_session (Fixture *f, ServalTlsSession **session)
{
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  ServalLink *link;

  g_socket_client_connect_to_host_async (sc, f->rs.address, 0, NULL, socket_connected_cb, &conn);
  g_assert_true (test_iterate_until (has_conn, &conn));
  *session = serval_tls_session_new_client (conn, "127.0.0.1", f->rs.fingerprint, NULL, &error);
  g_assert_no_error (error);
  serval_tls_session_handshake_async (*session, NULL, client_handshake_cb, &done);
  g_assert_true (run_until (&done));
  link = serval_link_new_tls (*session, "test server");
  serval_link_set_handlers (link, NULL, client_data_cb, f);
  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), f);
  serval_link_start (link);
  g_assert_true (test_iterate_until (has_server_link, f));
  g_assert_true (f->taken);
  return link;
}

/* GnuTLS sends a KeyUpdate every 2^24 records, and on request: the server
 * follows the client's new keys, and answers one that asks (its own next
 * keys then seal what it sends). */
static void
test_key_updates (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalTlsSession) session = NULL;
  g_autoptr(ServalLink) client = connect_with_session (f, &session);

  send_frames (f, client, 0, 200);
  send_frames (f, f->server_link, 1, 200);
  /* Only the client's keys. */
  g_assert_cmpint (gnutls_session_key_update (serval_tls_session_get_gnutls (session), 0), ==, 0);
  send_frames (f, client, 0, 200);
  send_frames (f, f->server_link, 1, 200);
  /* Both: the server must answer with its own KeyUpdate. */
  g_assert_cmpint (gnutls_session_key_update (serval_tls_session_get_gnutls (session), GNUTLS_KU_PEER), ==, 0);
  send_frames (f, client, 0, 200);
  send_frames (f, f->server_link, 1, 200);
  send_frames (f, client, 0, 200);
  g_assert_false (f->closed[0] || f->closed[1]);
}

static gboolean
closed_both (gpointer data)
{
  Fixture *f = data;

  return f->closed[0] && f->closed[1];
}

static void
test_frames_both_ways (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) client = connect_ok (f);

  send_frames (f, client, 0, 1500);
  send_frames (f, f->server_link, 1, 1500);
  send_frames (f, client, 0, 300);
  g_assert_false (serval_link_is_closed (client));
  g_assert_false (serval_link_is_closed (f->server_link));
  g_assert_false (serval_link_is_resumed (f->server_link));
}

/* The server closes: its close_notify, sealed by its own record layer, is a
 * clean close for the client (closed by the peer, not an I/O or TLS error). */
static void
test_server_closes (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) client = connect_ok (f);

  send_frames (f, f->server_link, 1, 10);
  serval_link_close_after_flush (f->server_link, NULL);
  g_assert_true (test_iterate_until (closed_both, f));
  g_assert_true (f->close_error[1] == NULL ||
                 g_error_matches (f->close_error[1], SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED));
}

/* The client closes: the server opens its close_notify and sees a clean close. */
static void
test_client_closes (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) client = connect_ok (f);

  send_frames (f, client, 0, 10);
  serval_link_close (client, NULL);
  g_assert_true (test_iterate_until (closed_both, f));
  g_assert_true (f->close_error[0] == NULL ||
                 g_error_matches (f->close_error[0], SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/engine/link-record/frames-both-ways", Fixture, NULL, setup, test_frames_both_ways, teardown);
  g_test_add ("/engine/link-record/key-updates", Fixture, NULL, setup, test_key_updates, teardown);
  g_test_add ("/engine/link-record/server-closes", Fixture, NULL, setup, test_server_closes, teardown);
  g_test_add ("/engine/link-record/client-closes", Fixture, NULL, setup, test_client_closes, teardown);
  return g_test_run ();
}
