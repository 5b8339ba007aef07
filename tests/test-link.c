/* ServalLink over real TLS on loopback: a GSocketService in the test plays
 * the server, with a certificate tests/make-test-certs.sh made. */
#include "config.h"

#include <string.h>

#include "serval-link.h"
#include "link-test-util.h"
#include "serval-tls.h"

/* What a link's "closed" signal said, for closed_cb(). */
typedef struct
{
  gboolean closed;
  GError *error;
} Closed;

typedef struct
{
  GTlsCertificate *cert;
  char *fingerprint;
  GSocketService *service;
  char *address;
  GIOStream *server_stream; /* the accepted TLS connection, raw */
  ServalLink *server_link;  /* or wrapped in a link, if wanted */
  gboolean server_wants_link;
  guint server_frames;
  gsize server_bytes;
  guint32 server_last_vlan;
  gboolean in_order;
  Closed server_closed;
  GMainContext *context; /* the test's own, thread default */
} Fixture;

static void
server_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  guint32 vlan = fr->vlan;
  const guint8 *frame = fr->data;
  gsize len = fr->len;
  Fixture *f = user_data;

  /* Frames carry their sequence number in byte 14. */
  if (len < 15 || frame[14] != (guint8) f->server_frames)
    f->in_order = FALSE;
  f->server_frames++;
  f->server_bytes += len;
  f->server_last_vlan = vlan;
}

static void
closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  Closed *c = user_data;

  c->closed = TRUE;
  c->error = error ? g_error_copy (error) : NULL;
}

static void
server_handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  /* Fails when the client refuses our certificate: that is the test. */
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    return;
  f->server_stream = G_IO_STREAM (g_object_ref (source));
  if (f->server_wants_link)
    {
      f->server_link = serval_link_new (f->server_stream, "test client");
      serval_link_set_handlers (f->server_link, NULL, server_data_cb, f);
      g_signal_connect (f->server_link, "closed", G_CALLBACK (closed_cb), &f->server_closed);
      serval_link_start (f->server_link);
    }
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (conn), f->cert, NULL);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL,
                                    server_handshake_cb, f);
  return TRUE;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->context = test_context_push ();
  f->in_order = TRUE;
  f->server_wants_link = GPOINTER_TO_INT (data);
  f->cert = test_cert_load (TEST_CERT, TEST_KEY);
  f->fingerprint = test_cert_fingerprint (f->cert);
  f->service = start_loopback_service (G_CALLBACK (incoming_cb), f, &f->address);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->server_link != NULL)
    g_signal_handlers_disconnect_by_data (f->server_link, &f->server_closed);
  g_clear_object (&f->server_link);
  g_clear_object (&f->server_stream);
  stop_service (&f->service);
  g_clear_object (&f->cert);
  g_clear_error (&f->server_closed.error);
  g_free (f->fingerprint);
  g_free (f->address);
  /* Let pending closes finish. */
  test_context_pop (f->context);
}

static ServalLink *
connect_ok (Fixture *f)
{
  ConnectResult r = { 0 };
  ServalLink *link;

  serval_link_connect_async (f->address, f->fingerprint, NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_no_error (r.error);
  g_assert_nonnull (r.link);
  g_assert_cmpstr (r.peer_fp, ==, f->fingerprint);
  link = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  g_assert_true (run_until ((gboolean *) &f->server_stream));
  return link;
}

static gboolean
got_1000 (gpointer data)
{
  return ((Fixture *) data)->server_frames >= 1000;
}

static void
test_frames (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  guint8 frame[1514];
  gsize total = 0;

  serval_link_start (link);
  g_assert_true (run_until ((gboolean *) &f->server_link));
  memset (frame, 0x5a, sizeof frame);
  for (guint i = 0; i < 1000; i++)
    {
      gsize len = 15 + (i * 37) % (sizeof frame - 15);

      frame[14] = (guint8) i;
      g_assert_true (serval_link_send_data (link, 1 + i % 3, frame, len));
      total += len;
    }
  /* Everything queued in one iteration leaves in as few writes as possible. */
  g_assert_cmpuint (serval_link_get_queued (link), >, 1000 * 20);
  g_assert_true (test_iterate_until (got_1000, f));
  g_assert_cmpuint (f->server_frames, ==, 1000);
  g_assert_cmpuint (f->server_bytes, ==, total);
  g_assert_true (f->in_order);
  g_assert_cmpuint (serval_link_get_queued (link), ==, 0);
  g_assert_cmpuint (serval_link_get_frames_dropped (link), ==, 0);
}

static void
test_fingerprints (Fixture *f, gconstpointer data)
{
  ConnectResult r = { 0 };

  serval_link_connect_async (f->address, "00112233", NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_error (r.error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH);
  g_assert_cmpstr (r.peer_fp, ==, f->fingerprint);
  g_assert_nonnull (strstr (r.error->message, f->fingerprint));
  connect_result_clear (&r);
  r.done = FALSE;

  serval_link_connect_async (f->address, NULL, NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_error (r.error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_UNTRUSTED);
  g_assert_cmpstr (r.peer_fp, ==, f->fingerprint);
  connect_result_clear (&r);

  /* Case, colons and spaces do not matter. */
  {
    g_autofree char *upper = g_ascii_strup (f->fingerprint, -1);
    GString *colons = g_string_new (NULL);

    for (const char *p = upper; *p; p += 2)
      g_string_append_printf (colons, "%s%.2s", p == upper ? "" : ":", p);
    g_assert_true (serval_fingerprint_equal (colons->str, f->fingerprint));
    g_string_free (colons, TRUE);
  }
  g_assert_false (serval_fingerprint_equal ("ab", f->fingerprint));
}

static void
test_unreachable (void)
{
  ConnectResult r = { 0 };

  /* A port nobody listens on (bound and closed again). */
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) a = test_loopback_any ();
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *addr = NULL;

  g_socket_bind (s, a, FALSE, NULL);
  local = g_socket_get_local_address (s, NULL);
  addr = test_loopback_address_string (local);
  g_socket_close (s, NULL);

  serval_link_connect_async (addr, "00", NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_error (r.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT);
  g_assert_nonnull (strstr (r.error->message, addr));
  connect_result_clear (&r);
}

static void
test_oversized (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  const guint8 huge[4] = { 0xff, 0xff, 0xff, 0xf0 };
  Closed c = { 0 };

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_start (link);
  g_output_stream_write_all (g_io_stream_get_output_stream (f->server_stream), huge, 4, NULL, NULL, NULL);
  g_assert_true (run_until (&c.closed));
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (c.error->message, "over the limit"));
  g_assert_true (serval_link_is_closed (link));
  g_clear_error (&c.error);
}

static void
test_keepalive (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  Closed c = { 0 };
  gint64 start;

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_set_keepalive (link, 1, 2);
  start = g_get_monotonic_time ();
  serval_link_start (link);
  /* The raw server never answers a ping. */
  g_assert_true (run_until (&c.closed));
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_clear_error (&c.error);
}

static void
test_keepalive_answered (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  Closed c = { 0 };

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  /* A wide margin (a timeout of 4 s with pings every second): only a stall
   * of the whole process for 3 s could make it time out. */
  serval_link_set_keepalive (link, 1, 4);
  serval_link_start (link);
  g_assert_true (run_until ((gboolean *) &f->server_link));
  /* The server is a link: it answers pings, so nothing times out, past
   * the timeout. */
  test_iterate_for (4.5);
  g_assert_false (c.closed);
}

static void
test_send_queue (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  guint8 frame[1400];
  Closed c = { 0 };
  guint sent = 0, dropped = 0;
  Message_t *msg;
  gboolean ok = TRUE;
  guint n;

  memset (frame, 0x11, sizeof frame);
  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_start (link);
  /* The raw server never reads: data frames are dropped past the data limit... */
  for (guint i = 0; i < 20000; i++)
    {
      if (serval_link_send_data (link, 1, frame, sizeof frame))
        sent++;
      else
        dropped++;
      if (i % 100 == 0)
        test_iterate (FALSE);
    }
  g_test_message ("sent %u, dropped %u, queued %" G_GSIZE_FORMAT, sent, dropped, serval_link_get_queued (link));
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpuint (serval_link_get_frames_dropped (link), ==, dropped);
  g_assert_cmpuint (serval_link_get_queued (link), <=, SERVAL_LINK_DATA_QUEUE_LIMIT + 2000);
  g_assert_false (c.closed);

  /* ...and management messages past the hard limit close the link. */
  msg = serval_message_new_request (1, RequestBody_PR_userAdd);
  serval_asn_set_string (&msg->choice.request.body.choice.userAdd.name, "x");
  {
    guint8 pw[1024];
    memset (pw, 'p', sizeof pw);
    serval_asn_set_bytes (&msg->choice.request.body.choice.userAdd.password, pw, sizeof pw);
  }
  for (n = 0; n < 40000 && ok; n++)
    {
      g_autoptr(GError) error = NULL;

      ok = serval_link_send (link, msg, &error);
      if (!ok)
        g_test_message ("send %u refused: %s", n, error->message);
    }
  serval_message_free (msg);
  g_assert_false (ok);
  g_assert_true (c.closed);
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TOO_SLOW);
  g_test_message ("closed after %u management messages", n);
  g_clear_error (&c.error);
}

/* --- limits (what a server gives a link that has not logged in) ----------- */

static const ServalLinkLimits small_limits = { 4096, 16 * 1024, 1 };

static void
test_limits_message_size (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  const guint8 prefix[4] = { 0x00, 0x00, 0x10, 0x01 }; /* 4097 bytes */
  Closed c = { 0 };

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_set_limits (link, &small_limits);
  serval_link_start (link);
  /* Refused on its length alone: the body never comes. */
  g_output_stream_write_all (g_io_stream_get_output_stream (f->server_stream), prefix, 4, NULL, NULL, NULL);
  g_assert_true (run_until (&c.closed));
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (c.error->message, "announced a message of 4097 bytes; this link takes at most 4096"));
  g_clear_error (&c.error);
}

static void
test_limits_message_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  const guint8 begun[8] = { 0x00, 0x00, 0x00, 0x64, 0xa2, 0x62, 0x80, 0x01 }; /* 4 of 100 bytes */
  Closed c = { 0 };

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_set_limits (link, &small_limits);
  serval_link_start (link);
  g_output_stream_write_all (g_io_stream_get_output_stream (f->server_stream), begun, sizeof begun, NULL, NULL, NULL);
  g_assert_true (run_until (&c.closed));
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (c.error->message, "began a message and did not finish it within 1 second"));
  g_clear_error (&c.error);
}

static void
test_limits_queue (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  Closed c = { 0 };
  Message_t *msg = serval_message_new_request (1, RequestBody_PR_userAdd);
  guint8 pw[1024];
  gboolean ok = TRUE;
  guint n;

  memset (pw, 'p', sizeof pw);
  serval_asn_set_string (&msg->choice.request.body.choice.userAdd.name, "x");
  serval_asn_set_bytes (&msg->choice.request.body.choice.userAdd.password, pw, sizeof pw);
  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_set_limits (link, &small_limits);
  serval_link_start (link);
  /* The raw server never reads: once the socket is full, 16 KiB more close the link. */
  for (n = 0; n < 40000 && ok; n++)
    {
      ok = serval_link_send (link, msg, NULL);
      g_assert_cmpuint (serval_link_get_queued (link), <=, 16 * 1024 + 2 * sizeof pw);
      if (n % 16 == 0)
        test_iterate (FALSE);
    }
  serval_message_free (msg);
  g_assert_false (ok);
  g_assert_true (c.closed);
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TOO_SLOW);
  g_assert_nonnull (strstr (c.error->message, "over 16 KiB queued"));
  g_clear_error (&c.error);
}

static void
test_deadline (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  Closed c = { 0 };

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  /* The server is a link that answers every ping: only the deadline can close. */
  serval_link_set_keepalive (link, 1, 10);
  serval_link_set_deadline (link, 1, "did not log in within 1 s");
  serval_link_start (link);
  g_assert_true (run_until (&c.closed));
  g_assert_error (c.error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (c.error->message, "did not log in within 1 s"));
  g_clear_error (&c.error);
}

static void
test_deadline_lifted (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f);
  Closed c = { 0 };

  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), &c);
  serval_link_set_keepalive (link, 1, 10);
  serval_link_set_limits (link, &small_limits);
  serval_link_set_deadline (link, 1, "did not log in within 1 s");
  serval_link_start (link);
  g_assert_true (run_until ((gboolean *) &f->server_link));
  /* It logged in: the deadline and the limits go. */
  serval_link_set_deadline (link, 0, NULL);
  serval_link_set_limits (link, NULL);
  test_iterate_for (2.5);
  g_assert_false (c.closed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/engine/link/frames", Fixture, GINT_TO_POINTER (TRUE), setup, test_frames, teardown);
  g_test_add ("/engine/link/fingerprints", Fixture, NULL, setup, test_fingerprints, teardown);
  test_add_in_own_context ("/engine/link/unreachable", test_unreachable);
  g_test_add ("/engine/link/oversized", Fixture, NULL, setup, test_oversized, teardown);
  g_test_add ("/engine/link/keepalive", Fixture, NULL, setup, test_keepalive, teardown);
  g_test_add ("/engine/link/keepalive-answered", Fixture, GINT_TO_POINTER (TRUE), setup,
              test_keepalive_answered, teardown);
  g_test_add ("/engine/link/send-queue", Fixture, NULL, setup, test_send_queue, teardown);
  g_test_add ("/engine/link/limits/message-size", Fixture, NULL, setup, test_limits_message_size, teardown);
  g_test_add ("/engine/link/limits/message-timeout", Fixture, NULL, setup, test_limits_message_timeout, teardown);
  g_test_add ("/engine/link/limits/queue", Fixture, NULL, setup, test_limits_queue, teardown);
  g_test_add ("/engine/link/deadline", Fixture, GINT_TO_POINTER (TRUE), setup, test_deadline, teardown);
  g_test_add ("/engine/link/deadline-lifted", Fixture, GINT_TO_POINTER (TRUE), setup, test_deadline_lifted,
              teardown);
  return g_test_run ();
}
