/* TLS sessions run directly on GnuTLS (serval-tls.h) between two real
 * sockets on loopback: links over them, key updates mid-stream, session
 * resumption with tickets (and every way it must fall back to a full
 * handshake), a pinned fingerprint, a peer that only speaks TLS 1.2, a peer
 * that speaks no TLS at all, and a cancelled handshake. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serval-link.h"
#include "link-test-util.h"
#include "serval-tls.h"
#include "test-async.h"
#include "tls-fixture.h"

typedef struct
{
  TlsFixture t; /* the server side: certificate, TLS server, loopback service */
  /* The last connection the server side took. */
  ServalTlsSession *server_session;
  ServalLink *server_link;
  GError *server_error;
  guint server_handshakes;
  guint server_failures;
  guint server_frames;
  gsize server_bytes;
  gboolean server_sends_frame; /* a frame right after the handshake */
  gboolean in_order;
  gboolean client_got_hello; /* the client read the server's first messages */
  GMainContext *context;     /* the test's own, thread default */
} Fixture;

static void
server_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  Fixture *f = user_data;

  /* Frames carry their sequence number in bytes 14-15. */
  if (fr->len < 16 || fr->data[14] != (guint8) f->server_frames || fr->data[15] != (guint8) (f->server_frames >> 8))
    f->in_order = FALSE;
  f->server_frames++;
  f->server_bytes += fr->len;
}

static void
server_handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;
  ServalTlsSession *session = SERVAL_TLS_SESSION (source);
  g_autoptr(GError) error = NULL;

  if (!serval_tls_session_handshake_finish (session, result, &error))
    {
      f->server_failures++;
      g_clear_error (&f->server_error);
      f->server_error = g_steal_pointer (&error);
      g_object_unref (session);
      return;
    }
  f->server_handshakes++;
  if (f->server_link != NULL)
    serval_link_close (f->server_link, NULL);
  g_clear_object (&f->server_link);
  g_clear_object (&f->server_session);
  f->server_session = session;
  f->server_link = serval_link_new_tls (session, "test client");
  serval_link_set_handlers (f->server_link, NULL, server_data_cb, f);
  serval_link_start (f->server_link);
  /* Something to read: the client takes the session ticket with it, and
   * knows it has when it reads the hello. */
  serval_link_send_take (f->server_link, serval_message_new_ping (FALSE, 7));
  serval_link_send_take (f->server_link, serval_message_new_hello ("test"));
  if (f->server_sends_frame)
    {
      guint8 frame[100] = { 0 };

      serval_link_send_data (f->server_link, 9, frame, sizeof frame);
    }
}

static ServalTlsServer *
make_tls_server (Fixture *f, guint8 key_byte, gboolean tickets)
{
  guint8 key[SERVAL_TLS_TICKET_KEY_LEN];

  memset (key, key_byte, sizeof key);
  return tls_fixture_server_new (&f->t, tickets ? key : NULL);
}

static void
setup (Fixture *f, gconstpointer data)
{
  guint8 key[SERVAL_TLS_TICKET_KEY_LEN];

  f->context = test_context_push ();
  f->in_order = TRUE;
  memset (key, 1, sizeof key);
  tls_fixture_init (&f->t, data == NULL ? key : NULL, server_handshake_cb, f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->server_link != NULL)
    serval_link_close (f->server_link, NULL);
  g_clear_object (&f->server_link);
  g_clear_object (&f->server_session);
  g_clear_error (&f->server_error);
  tls_fixture_clear (&f->t);
  test_context_pop (f->context);
}

static void
client_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  Fixture *f = user_data;

  if (msg->present == Message_PR_hello)
    f->client_got_hello = TRUE;
}

typedef struct
{
  Fixture *f;
  guint handshakes;
} Connecting;

static gboolean
connected_and_read (gpointer data)
{
  Connecting *c = data;

  return c->f->server_handshakes > c->handshakes && c->f->client_got_hello;
}

/* Connects, starts the link and waits until the server side has its link
 * and the client has read the server's first messages (and with them the
 * session ticket, which comes before them). */
static ServalLink *
connect_ok (Fixture *f, const char *fingerprint, GBytes *resume)
{
  ConnectResult r = { 0 };
  Connecting c = { f, f->server_handshakes };
  ServalLink *link;

  serval_link_connect_async (f->t.address, fingerprint, resume, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.peer_fp, ==, f->t.fingerprint);
  link = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  f->client_got_hello = FALSE;
  serval_link_set_handlers (link, client_message_cb, NULL, f);
  serval_link_start (link);
  g_assert_true (test_iterate_until (connected_and_read, &c));
  g_assert_cmpuint (f->server_handshakes, ==, c.handshakes + 1);
  return link;
}

typedef struct
{
  Fixture *f;
  guint frames;
} Want;

static gboolean
server_got (gpointer data)
{
  Want *w = data;

  return w->f->server_frames >= w->frames;
}

/* Sends @n numbered frames of mixed sizes, some over a TLS record, and
 * waits until the server has them all, in order. */
static void
send_frames (Fixture *f, ServalLink *link, guint n)
{
  static guint8 frame[20000];
  guint start = f->server_frames;
  gsize total = 0;

  memset (frame, 0xa5, sizeof frame);
  for (guint i = 0; i < n; i++)
    {
      guint seq = start + i;
      gsize len = i % 50 == 0 ? sizeof frame : 16 + (i * 37) % 1500;

      /* Under the link's data queue limit: let the socket take some. */
      while (serval_link_get_queued (link) > SERVAL_LINK_DATA_QUEUE_LIMIT / 2)
        test_iterate (FALSE) || (g_usleep (200), TRUE);
      frame[14] = (guint8) seq;
      frame[15] = (guint8) (seq >> 8);
      g_assert_true (serval_link_send_data (link, 1, frame, len));
      total += len;
    }
  g_assert_true (test_iterate_until (server_got, &(Want){ f, start + n }));
  g_assert_cmpuint (f->server_frames, ==, start + n);
  g_assert_true (f->in_order);
  g_assert_false (serval_link_is_closed (link));
}

static void
test_frames_and_key_updates (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f, f->t.fingerprint, NULL);
  g_autoptr(ServalTlsSession) server_session = g_object_ref (f->server_session);
  int ret;

  g_assert_false (serval_link_is_resumed (link));
  send_frames (f, link, 2000);
  /* The server asks both sides for new keys: the client's link must answer
   * (TLS writes while the link reads) and go on. */
  ret = gnutls_session_key_update (serval_tls_session_get_gnutls (server_session), GNUTLS_KU_PEER);
  g_assert_cmpint (ret, ==, 0);
  send_frames (f, link, 2000);
  ret = gnutls_session_key_update (serval_tls_session_get_gnutls (server_session), 0);
  g_assert_cmpint (ret, ==, 0);
  send_frames (f, link, 500);
  g_assert_cmpuint (f->server_handshakes, ==, 1);
}

/* A TCP relay on loopback, in a thread of its own, that passes what the
 * client sends in pieces of 1 to 700 bytes with a pause after each: TLS
 * records reach the server cut anywhere, over many wake-ups. */
typedef struct
{
  int listen_fd;
  guint16 target_port;
  GThread *thread;
} Trickle;

static gboolean
write_all (int fd, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      gssize w = write (fd, p, n);

      if (w <= 0)
        return FALSE;
      p += w;
      n -= w;
    }
  return TRUE;
}

static gpointer
trickle_thread (gpointer data)
{
  Trickle *t = data;
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (t->target_port), .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  static guint8 buf[65536];
  int c = accept (t->listen_fd, NULL, NULL), s = socket (AF_INET, SOCK_STREAM, 0);
  struct pollfd pfd[2] = { { .fd = c, .events = POLLIN }, { .fd = s, .events = POLLIN } };
  guint32 seed = 1;

  g_assert_cmpint (c, >=, 0);
  g_assert_cmpint (connect (s, (struct sockaddr *) &to, sizeof to), ==, 0);
  while (poll (pfd, 2, -1) > 0)
    {
      gssize n;

      if (pfd[1].revents)
        {
          n = read (s, buf, sizeof buf);
          if (n <= 0 || !write_all (c, buf, n))
            break;
        }
      if (pfd[0].revents)
        {
          n = read (c, buf, sizeof buf);
          if (n <= 0)
            break;
          for (gssize off = 0; off < n;)
            {
              gsize piece;

              seed = seed * 1103515245 + 12345;
              piece = MIN ((gsize) (n - off), 1 + (seed >> 16) % 700);
              if (!write_all (s, buf + off, piece))
                goto out;
              off += piece;
              g_usleep (100);
            }
        }
    }
out:
  close (c);
  close (s);
  return NULL;
}

static char *
trickle_start (Trickle *t, const char *server_address)
{
  struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof any;

  t->target_port = (guint16) g_ascii_strtoull (strrchr (server_address, ':') + 1, NULL, 10);
  t->listen_fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (bind (t->listen_fd, (struct sockaddr *) &any, sizeof any), ==, 0);
  g_assert_cmpint (listen (t->listen_fd, 1), ==, 0);
  g_assert_cmpint (getsockname (t->listen_fd, (struct sockaddr *) &any, &len), ==, 0);
  t->thread = g_thread_new ("trickle", trickle_thread, t);
  return g_strdup_printf ("127.0.0.1:%u", ntohs (any.sin_port));
}

/* The server's link reads records that arrive cut into pieces, a piece a
 * wake-up: a short read ends its read pass (the socket was drained), and
 * the next piece must start a new one, never leave the link waiting. */
static void
test_trickle (Fixture *f, gconstpointer data)
{
  Trickle t = { 0 };
  g_autofree char *direct = g_strdup (f->t.address);
  g_autoptr(ServalLink) link = NULL;

  g_free (f->t.address);
  f->t.address = trickle_start (&t, direct);
  link = connect_ok (f, f->t.fingerprint, NULL);
  send_frames (f, link, 300);
  serval_link_close (link, NULL);
  g_thread_join (t.thread);
  close (t.listen_fd);
}

static void
test_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) first = connect_ok (f, f->t.fingerprint, NULL);
  g_autoptr(GBytes) resume = serval_link_get_resume_data (first);
  g_autoptr(ServalLink) second = NULL;
  g_autoptr(GBytes) resume2 = NULL;
  g_autoptr(ServalLink) third = NULL;

  g_assert_nonnull (resume);
  g_assert_false (serval_link_is_resumed (first));
  g_assert_false (serval_tls_session_is_resumed (f->server_session));
  serval_link_close (first, NULL);

  /* The ticket resumes the session: no certificate is shown, and the
   * fingerprint is the one the first session was checked with. */
  second = connect_ok (f, f->t.fingerprint, resume);
  g_assert_true (serval_link_is_resumed (second));
  g_assert_true (serval_tls_session_is_resumed (f->server_session));
  send_frames (f, second, 300);
  resume2 = serval_link_get_resume_data (second);
  g_assert_nonnull (resume2);
  serval_link_close (second, NULL);

  /* The same ticket resumes again (under the same pin). */
  third = connect_ok (f, f->t.fingerprint, resume2);
  g_assert_true (serval_link_is_resumed (third));
  serval_link_close (third, NULL);

  /* Without the pin the client checks with CAs: a ticket made under a pin
   * is not used, and no CA vouches for this self-signed certificate. */
  {
    ConnectResult r = { 0 };

    serval_link_connect_async (f->t.address, NULL, resume2, NULL, connected_cb, &r);
    g_assert_true (run_until (&r.done));
    g_assert_error (r.error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_UNTRUSTED);
    connect_result_clear (&r);
  }
}

static void
test_resume_fallbacks (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) first = connect_ok (f, f->t.fingerprint, NULL);
  g_autoptr(GBytes) resume = serval_link_get_resume_data (first);
  g_autoptr(ServalLink) link = NULL;
  g_autofree char *other_fp = g_strdup (f->t.fingerprint);
  ConnectResult r = { 0 };

  g_assert_nonnull (resume);
  serval_link_close (first, NULL);

  /* A pin that differs from the one the ticket was made under: the ticket
   * is not used, the full handshake shows the certificate, and the pin
   * refuses it. */
  other_fp[0] = other_fp[0] == '0' ? '1' : '0';
  serval_link_connect_async (f->t.address, other_fp, resume, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_error (r.error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH);
  g_assert_cmpstr (r.peer_fp, ==, f->t.fingerprint);
  connect_result_clear (&r);

  /* The server restarted with another ticket key: the ticket no longer
   * decrypts, the handshake falls back to a full one and succeeds. */
  serval_tls_server_free (f->t.tls);
  f->t.tls = make_tls_server (f, 2, TRUE);
  link = connect_ok (f, f->t.fingerprint, resume);
  g_assert_false (serval_link_is_resumed (link));
  g_assert_false (serval_tls_session_is_resumed (f->server_session));
  send_frames (f, link, 100);

  /* The same ticket secret but a new certificate (the operator replaced a
   * compromised key): the old tickets must not resume, the client sees the
   * new certificate and its pin refuses it. */
  {
    g_autoptr(GBytes) resume2 = NULL;
    g_autoptr(GTlsCertificate) cert2 = test_cert_load (TEST_CERT2, TEST_KEY2);
    g_autofree char *cert2_path = test_cert_file (TEST_CERT2);
    g_autofree char *key2_path = test_cert_file (TEST_KEY2);
    g_autoptr(GError) error = NULL;
    guint8 key[SERVAL_TLS_TICKET_KEY_LEN];

    resume2 = serval_link_get_resume_data (link);
    g_assert_nonnull (resume2);
    g_assert_nonnull (cert2);
    memset (key, 2, sizeof key);
    serval_tls_server_free (f->t.tls);
    f->t.tls = serval_tls_server_new (cert2_path, key2_path, key, &error);
    g_assert_no_error (error);
    serval_link_connect_async (f->t.address, f->t.fingerprint, resume2, NULL, connected_cb, &r);
    g_assert_true (run_until (&r.done));
    g_assert_error (r.error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH);
    g_assert_cmpstr (r.peer_fp, !=, f->t.fingerprint);
    connect_result_clear (&r);
    serval_tls_server_free (f->t.tls);
    f->t.tls = make_tls_server (f, 2, TRUE);
  }
  serval_link_close (link, NULL);
  g_clear_object (&link);

  /* Garbage instead of resume data: ignored, a full handshake. */
  {
    g_autoptr(GBytes) junk = g_bytes_new_static ("abc\0defghijklmnop", 18);

    link = connect_ok (f, f->t.fingerprint, junk);
    g_assert_false (serval_link_is_resumed (link));
  }
}

static void
test_no_tickets (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) link = connect_ok (f, f->t.fingerprint, NULL);

  /* A server without a ticket key sends none: nothing to resume with. */
  g_assert_null (serval_link_get_resume_data (link));
  send_frames (f, link, 100);
}

static gboolean
server_failed (gpointer data)
{
  return ((Fixture *) data)->server_failures > 0;
}

static void
test_not_tls (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

  conn = g_socket_client_connect_to_host (client, f->t.address, 0, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), junk, sizeof junk - 1,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (test_iterate_until (server_failed, f));
  g_assert_nonnull (f->server_error);
  g_assert_cmpuint (f->server_handshakes, ==, 0);
  /* The server still takes real clients. */
  {
    g_autoptr(ServalLink) link = connect_ok (f, f->t.fingerprint, NULL);

    send_frames (f, link, 10);
  }
}

static void
cancelled_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  g_assert_false (serval_tls_session_handshake_finish (SERVAL_TLS_SESSION (source), result, error));
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  /* A listener that accepts but never answers: the handshake waits until
   * cancelled. */
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ServalTlsSession) session = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;
  g_autofree char *addr = NULL;

  port = g_socket_listener_add_any_inet_port (silent, NULL, &error);
  g_assert_no_error (error);
  addr = g_strdup_printf ("127.0.0.1:%u", port);
  conn = g_socket_client_connect_to_host (client, addr, 0, NULL, &error);
  g_assert_no_error (error);
  session = serval_tls_session_new_client (conn, "127.0.0.1", f->t.fingerprint, NULL, &error);
  g_assert_no_error (error);
  serval_tls_session_handshake_async (session, cancellable, cancelled_cb, &error);
  for (int i = 0; i < 20; i++)
    test_iterate (FALSE) || (g_usleep (1000), TRUE);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  while (error == NULL)
    test_iterate (TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  /* A listener that accepts but never answers, and a socket timeout of 1 s
   * (GSocketClient sets 10 s for real connections). */
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(ServalTlsSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *addr = NULL;
  guint16 port;
  gint64 start;

  port = g_socket_listener_add_any_inet_port (silent, NULL, &error);
  g_assert_no_error (error);
  addr = g_strdup_printf ("127.0.0.1:%u", port);
  conn = g_socket_client_connect_to_host (client, addr, 0, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 1);
  session = serval_tls_session_new_client (conn, "127.0.0.1", f->t.fingerprint, NULL, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  serval_tls_session_handshake_async (session, NULL, cancelled_cb, &error);
  while (error == NULL && g_get_monotonic_time () - start < TEST_SAFETY_NET_SECONDS * G_USEC_PER_SEC)
    test_iterate (FALSE) || (g_usleep (1000), TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "connection limit"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC * 9 / 10);
}

static void
client_data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  guint32 vlan = fr->vlan;
  gsize len = fr->len;
  gboolean *got = user_data;

  *got = vlan == 9 && len == 100;
}

static gboolean
server_sent_all (gpointer data)
{
  Fixture *f = data;

  return f->server_link != NULL && serval_link_get_queued (f->server_link) == 0;
}

static void
test_first_message (Fixture *f, gconstpointer data)
{
  ConnectResult r = { 0 };
  gboolean got = FALSE;
  gint64 start;

  /* The session ticket and the first messages reach the client in one
   * burst; GnuTLS reports the ticket as "try again", and what follows it
   * must still be read at once, without waiting for more bytes on the
   * socket (the link reads ciphertext ahead, where epoll cannot see it). */
  f->server_sends_frame = TRUE;
  serval_link_connect_async (f->t.address, f->t.fingerprint, NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_no_error (r.error);
  serval_link_set_handlers (r.link, NULL, client_data_cb, &got);
  /* Let the server send everything before the client reads anything. */
  g_assert_true (test_iterate_until (server_sent_all, f));
  start = g_get_monotonic_time ();
  serval_link_start (r.link);
  g_assert_true (run_until (&got));
  g_test_message ("the first frame arrived %" G_GINT64_FORMAT " us after the link started",
                  g_get_monotonic_time () - start);
  connect_result_clear (&r);
}

/* A peer that only speaks TLS 1.2, in a thread with blocking GnuTLS. */
typedef struct
{
  GSocket *listener;
  const char *cert_path;
  const char *key_path;
} OldPeer;

static gpointer
old_peer_thread (gpointer data)
{
  OldPeer *p = data;
  g_autoptr(GSocket) s = g_socket_accept (p->listener, NULL, NULL);
  gnutls_certificate_credentials_t creds;
  gnutls_session_t gs;

  g_assert_nonnull (s);
  /* GSocket's descriptors are non-blocking; GnuTLS here reads them raw. */
  g_assert_true (g_unix_set_fd_nonblocking (g_socket_get_fd (s), FALSE, NULL));
  gnutls_certificate_allocate_credentials (&creds);
  g_assert_cmpint (gnutls_certificate_set_x509_key_file (creds, p->cert_path, p->key_path,
                                                         GNUTLS_X509_FMT_PEM),
                   >=, 0);
  gnutls_init (&gs, GNUTLS_SERVER);
  g_assert_cmpint (gnutls_priority_set_direct (gs, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL), ==, 0);
  gnutls_credentials_set (gs, GNUTLS_CRD_CERTIFICATE, creds);
  gnutls_transport_set_int (gs, g_socket_get_fd (s));
  /* Fails: the client offers TLS 1.3 only. */
  {
    int ret = gnutls_handshake (gs);

    g_assert_cmpint (ret, <, 0);
    /* As real servers do: tell the peer why. */
    gnutls_alert_send_appropriate (gs, ret);
  }
  gnutls_deinit (gs);
  gnutls_certificate_free_credentials (creds);
  return NULL;
}

static void
test_old_tls (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = test_loopback_any ();
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *addr = NULL;
  OldPeer p = { NULL, f->t.cert_path, f->t.key_path };
  ConnectResult r = { 0 };
  GThread *thread;

  p.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  g_socket_bind (p.listener, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (p.listener, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (p.listener, TRUE);
  bound = g_socket_get_local_address (p.listener, &error);
  addr = test_loopback_address_string (bound);
  thread = g_thread_new ("old-tls", old_peer_thread, &p);

  serval_link_connect_async (addr, f->t.fingerprint, NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_error (r.error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_VERSION);
  g_assert_nonnull (strstr (r.error->message, "TLS 1.3"));
  connect_result_clear (&r);
  g_thread_join (thread);
  g_object_unref (p.listener);
}

/* --- Node links: client certificates ---------------------------------------
 * Every node of a cluster has the same certificate and key; a node that
 * dials another shows it as its client certificate, and the accepting
 * node compares the fingerprint with its own. */

/* Dials the fixture's server as a node with @own's certificate, pinning
 * @pin. On success, waits until the server side has its session too. */
static ServalTlsSession *
node_connect (Fixture *f, ServalTlsServer *own, const char *pin, GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(ServalTlsSession) session = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  guint handshakes = f->server_handshakes;
  guint failures = f->server_failures;

  conn = g_socket_client_connect_to_host (client, f->t.address, 0, NULL, error);
  g_assert_no_error (*error);
  session = serval_tls_session_new_node_client (conn, "127.0.0.1", pin, own, error);
  g_assert_no_error (*error);
  serval_tls_session_handshake_async (session, NULL, test_async_result_cb, &result);
  if (!serval_tls_session_handshake_finish (session, test_async_wait (&result), error))
    {
      /* The server hears of it through an alert. */
      g_assert_true (test_iterate_until_count (&f->server_failures, failures + 1));
      return NULL;
    }
  g_assert_true (test_iterate_until_count (&f->server_handshakes, handshakes + 1));
  return g_steal_pointer (&session);
}

static ServalTlsServer *
make_tls_server2 (void)
{
  g_autofree char *cert2_path = test_cert_file (TEST_CERT2);
  g_autofree char *key2_path = test_cert_file (TEST_KEY2);
  g_autoptr(GError) error = NULL;
  ServalTlsServer *tls = serval_tls_server_new (cert2_path, key2_path, NULL, &error);

  g_assert_no_error (error);
  return tls;
}

static void
test_node_same_cert (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalTlsSession) node = node_connect (f, f->t.tls, f->t.fingerprint, &error);
  const char *peer;

  g_assert_no_error (error);
  g_assert_false (serval_tls_session_is_resumed (f->server_session));
  peer = serval_tls_session_get_peer_fingerprint (f->server_session);
  g_assert_nonnull (peer);
  g_assert_true (serval_fingerprint_equal (peer, serval_tls_server_get_fingerprint (f->t.tls)));
  g_assert_cmpstr (peer, ==, f->t.fingerprint);
  /* The node checked the server as a pinning client does. */
  g_assert_cmpstr (serval_tls_session_get_peer_fingerprint (node), ==, f->t.fingerprint);
  g_assert_null (serval_tls_session_get_resume_data (node));
}

static void
test_node_other_cert (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalTlsServer) other = make_tls_server2 ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalTlsSession) node = NULL;
  const char *peer;

  /* Another key pair: the server sees who it is, and that it is not a node. */
  node = node_connect (f, other, f->t.fingerprint, &error);
  g_assert_no_error (error);
  peer = serval_tls_session_get_peer_fingerprint (f->server_session);
  g_assert_nonnull (peer);
  g_assert_cmpstr (peer, ==, serval_tls_server_get_fingerprint (other));
  g_assert_false (serval_fingerprint_equal (peer, f->t.fingerprint));
  g_clear_object (&node);

  /* A node expecting its own certificate on the other side refuses a
   * server whose fingerprint is not the one it pinned. */
  node = node_connect (f, other, serval_tls_server_get_fingerprint (other), &error);
  g_assert_error (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH);
  g_assert_null (node);
}

static void
test_node_plain_client (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalLink) first = connect_ok (f, f->t.fingerprint, NULL);
  g_autoptr(GBytes) resume = serval_link_get_resume_data (first);
  g_autoptr(ServalLink) second = NULL;

  /* An ordinary client sends no certificate: the handshake works, and
   * resumes as before. */
  g_assert_null (serval_tls_session_get_peer_fingerprint (f->server_session));
  g_assert_nonnull (resume);
  serval_link_close (first, NULL);
  second = connect_ok (f, f->t.fingerprint, resume);
  g_assert_true (serval_tls_session_is_resumed (f->server_session));
  g_assert_null (serval_tls_session_get_peer_fingerprint (f->server_session));
  send_frames (f, second, 10);
}

/* A ticket from a session in which a client showed the node certificate,
 * then used by a client that shows none: no certificate was proven in the
 * resumed session, so the server must not report one. (A node client
 * never resumes; GnuTLS's own API stands in for an attacker holding such
 * a ticket.) */
static void
test_node_resumed_ticket (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalTlsSession) node = node_connect (f, f->t.tls, f->t.fingerprint, &error);
  g_autoptr(ServalLink) link = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(ServalTlsSession) plain = NULL;
  gnutls_datum_t ticket = { NULL, 0 };
  g_autoptr(GAsyncResult) result = NULL;
  guint handshakes;

  g_assert_no_error (error);
  /* Read the server's first messages, and the ticket before them. */
  f->client_got_hello = FALSE;
  link = serval_link_new_tls (node, "node");
  serval_link_set_handlers (link, client_message_cb, NULL, f);
  serval_link_start (link);
  g_assert_true (run_until (&f->client_got_hello));
  g_assert_cmpint (gnutls_session_get_data2 (serval_tls_session_get_gnutls (node), &ticket), ==, 0);
  serval_link_close (link, NULL);

  handshakes = f->server_handshakes;
  conn = g_socket_client_connect_to_host (client, f->t.address, 0, NULL, &error);
  g_assert_no_error (error);
  plain = serval_tls_session_new_client (conn, "127.0.0.1", f->t.fingerprint, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gnutls_session_set_data (serval_tls_session_get_gnutls (plain), ticket.data, ticket.size), ==, 0);
  gnutls_free (ticket.data);
  serval_tls_session_handshake_async (plain, NULL, test_async_result_cb, &result);
  g_assert_true (serval_tls_session_handshake_finish (plain, test_async_wait (&result), &error));
  g_assert_no_error (error);
  g_assert_true (test_iterate_until_count (&f->server_handshakes, handshakes + 1));
  g_assert_true (serval_tls_session_is_resumed (f->server_session));
  g_assert_null (serval_tls_session_get_peer_fingerprint (f->server_session));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/tls/frames-and-key-updates", Fixture, NULL, setup, test_frames_and_key_updates, teardown);
  g_test_add ("/tls/trickle", Fixture, NULL, setup, test_trickle, teardown);
  g_test_add ("/tls/resume", Fixture, NULL, setup, test_resume, teardown);
  g_test_add ("/tls/resume-fallbacks", Fixture, NULL, setup, test_resume_fallbacks, teardown);
  g_test_add ("/tls/no-tickets", Fixture, GINT_TO_POINTER (1), setup, test_no_tickets, teardown);
  g_test_add ("/tls/not-tls", Fixture, NULL, setup, test_not_tls, teardown);
  g_test_add ("/tls/cancel", Fixture, NULL, setup, test_cancel, teardown);
  g_test_add ("/tls/old-tls", Fixture, NULL, setup, test_old_tls, teardown);
  g_test_add ("/tls/timeout", Fixture, NULL, setup, test_timeout, teardown);
  g_test_add ("/tls/first-message", Fixture, NULL, setup, test_first_message, teardown);
  g_test_add ("/tls/node/same-cert", Fixture, NULL, setup, test_node_same_cert, teardown);
  g_test_add ("/tls/node/other-cert", Fixture, NULL, setup, test_node_other_cert, teardown);
  g_test_add ("/tls/node/plain-client", Fixture, NULL, setup, test_node_plain_client, teardown);
  g_test_add ("/tls/node/resumed-ticket", Fixture, NULL, setup, test_node_resumed_ticket, teardown);
  return g_test_run ();
}
