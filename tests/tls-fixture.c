/* tls-fixture.c: see tls-fixture.h. */
#include "config.h"

#include "tls-fixture.h"
#include "link-test-util.h"

ServalTlsServer *
tls_fixture_server_new (TlsFixture *t, const guint8 *ticket_key)
{
  g_autoptr(GError) error = NULL;
  ServalTlsServer *tls = serval_tls_server_new (t->cert_path, t->key_path, ticket_key, &error);

  g_assert_no_error (error);
  return tls;
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  TlsFixture *t = user_data;
  g_autoptr(GError) error = NULL;
  ServalTlsSession *session = serval_tls_session_new_server (t->tls, conn, &error);

  g_assert_no_error (error);
  serval_tls_session_handshake_async (session, NULL, t->handshake_cb, t->handshake_data);
  return TRUE;
}

void
tls_fixture_init (TlsFixture *t, const guint8 *ticket_key, GAsyncReadyCallback handshake_cb, gpointer data)
{
  g_autoptr(GTlsCertificate) cert = test_cert_load (TEST_CERT, TEST_KEY);

  t->fingerprint = test_cert_fingerprint (cert);
  t->cert_path = test_cert_file (TEST_CERT);
  t->key_path = test_cert_file (TEST_KEY);
  t->tls = tls_fixture_server_new (t, ticket_key);
  t->handshake_cb = handshake_cb;
  t->handshake_data = data;
  t->service = start_loopback_service (G_CALLBACK (incoming_cb), t, &t->address);
}

void
tls_fixture_clear (TlsFixture *t)
{
  if (t->service != NULL)
    stop_service (&t->service);
  g_clear_pointer (&t->tls, serval_tls_server_free);
  g_clear_pointer (&t->cert_path, g_free);
  g_clear_pointer (&t->key_path, g_free);
  g_clear_pointer (&t->fingerprint, g_free);
  g_clear_pointer (&t->address, g_free);
}
