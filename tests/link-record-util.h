/* link-record-util.h: a TLS server on loopback whose links keep only the
 * TLS 1.3 record state after the handshake (serval_link_tls_take_records()),
 * as a Serval server's links to its members do; what test-link-mgmt.c and
 * bench-mgmt-latency.c share, on the TLS tests' fixture (tls-fixture.h).
 * Static functions, included once per program, after link-test-util.h. */
#pragma once

#include "link-test-util.h"
#include "serval-link.h"
#include "tls-fixture.h"

/* A new server-side link (transfer full), after its handshake; @taken:
 * serval_link_tls_take_records() said yes. The function sets it up and
 * starts it. */
typedef void (*RecordServerLinkFunc) (ServalLink *link, gboolean taken, gpointer data);

typedef struct
{
  TlsFixture t; /* t.address and t.fingerprint, for serval_link_connect_async() */
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

/* Listens with the test certificate on the thread-default main context;
 * @func gets each connection's link. */
static inline void
record_server_start (RecordServer *rs, RecordServerLinkFunc func, gpointer data)
{
  rs->func = func;
  rs->data = data;
  tls_fixture_init (&rs->t, NULL, record_server_handshake_cb, rs);
}

static inline void
record_server_stop (RecordServer *rs)
{
  tls_fixture_clear (&rs->t);
}
