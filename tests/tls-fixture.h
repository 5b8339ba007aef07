/* tls-fixture.h: the server side the TLS tests share (test-tls,
 * test-link-record, test-attacks' fake server): the test certificate, a
 * ServalTlsServer of it, and a GSocketService on a free loopback port that
 * starts a server handshake on each connection. Built once into a static
 * library (tests/meson.build). */
#pragma once

#include "serval-tls.h"

typedef struct
{
  char *cert_path;      /* the test certificate (tests/make-test-certs.sh) */
  char *key_path;       /* and its key */
  char *fingerprint;    /* of the certificate, as a client pins it */
  ServalTlsServer *tls; /* what the service takes connections with: a test may replace it */
  GSocketService *service;
  char *address; /* the service's "127.0.0.1:PORT" */
  GAsyncReadyCallback handshake_cb;
  gpointer handshake_data;
} TlsFixture;

/* Fills @t and starts its service: each connection becomes a
 * ServalTlsSession of t->tls whose handshake ends in @handshake_cb (with
 * @data), which owns the session. @ticket_key (nullable) is the session
 * ticket key, SERVAL_TLS_TICKET_KEY_LEN bytes, %NULL for no tickets. */
void tls_fixture_init (TlsFixture *t, const guint8 *ticket_key, GAsyncReadyCallback handshake_cb, gpointer data);

/* A ServalTlsServer of the test certificate with @ticket_key (nullable). */
ServalTlsServer *tls_fixture_server_new (TlsFixture *t, const guint8 *ticket_key);

/* Stops the service and frees what @t holds. */
void tls_fixture_clear (TlsFixture *t);
