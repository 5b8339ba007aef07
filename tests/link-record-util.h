/* link-record-util.h: a TLS server on loopback whose links keep only the
 * TLS 1.3 record state after the handshake (serval_link_tls_take_records()),
 * as a Serval server's links to its members do; what test-link-record.c,
 * test-link-mgmt.c and bench-mgmt-latency.c share. Static functions,
 * included once per program, after link-test-util.h. */
#pragma once

#include "link-test-util.h"
#include "serval-link.h"
#include "serval-tls.h"

/* A new server-side link (transfer full), after its handshake; @taken:
 * serval_link_tls_take_records() said yes. The function sets it up and
 * starts it. */
typedef void (*RecordServerLinkFunc) (ServalLink *link, gboolean taken, gpointer data);

typedef struct
{
  char *cert_path, *key_path;
  char *fingerprint; /* the server certificate's, for serval_link_connect_async() */
  char *address;     /* "127.0.0.1:PORT" */
  ServalTlsServer *tls;
  GSocketService *service;
  RecordServerLinkFunc func;
  gpointer data;
} RecordServer;

static void
record_server_handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RecordServer *rs = user_data;
  g_autoptr(ServalTlsSession) session = SERVAL_TLS_SESSION (source);
  g_autoptr(GError) error = NULL;
  ServalLink *link;

  g_assert_true (serval_tls_session_handshake_finish (session, result, &error));
  link = serval_link_new_tls (session, "test client");
  rs->func (link, serval_link_tls_take_records (link), rs->data);
}

static gboolean
record_server_incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  RecordServer *rs = user_data;
  g_autoptr(GError) error = NULL;
  ServalTlsSession *session = serval_tls_session_new_server (rs->tls, conn, &error);

  g_assert_no_error (error);
  serval_tls_session_handshake_async (session, NULL, record_server_handshake_cb, rs);
  return TRUE;
}

/* Listens with the test certificate on the thread-default main context;
 * @func gets each connection's link. */
static inline void
record_server_start (RecordServer *rs, RecordServerLinkFunc func, gpointer data)
{
  g_autoptr(GTlsCertificate) cert = test_cert_load (TEST_CERT, TEST_KEY);
  g_autoptr(GError) error = NULL;

  rs->func = func;
  rs->data = data;
  rs->fingerprint = test_cert_fingerprint (cert);
  rs->cert_path = test_cert_file (TEST_CERT);
  rs->key_path = test_cert_file (TEST_KEY);
  rs->tls = serval_tls_server_new (rs->cert_path, rs->key_path, NULL, &error);
  g_assert_no_error (error);
  rs->service = start_loopback_service (G_CALLBACK (record_server_incoming_cb), rs, &rs->address);
}

static inline void
record_server_stop (RecordServer *rs)
{
  stop_service (&rs->service);
  serval_tls_server_free (rs->tls);
  g_free (rs->cert_path);
  g_free (rs->key_path);
  g_free (rs->fingerprint);
  g_free (rs->address);
}
