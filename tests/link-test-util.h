/* link-test-util.h: what test-link.c and test-tls.c share: iterating the
 * main context until something happened, collecting the result of
 * serval_link_connect_async(), and finding the test certificates and their
 * fingerprints (which test-session.c uses too). Static functions, included
 * once per test. */
#pragma once

#include "serval-link.h"
#include "serval-tls.h"
#include "test-loop-util.h"
#include "test-utils.h"

/* The certificates tests/make-test-certs.sh made at build time, in the
 * tests' build directory: a self-signed pair and a second one with another
 * key (and so another fingerprint). */
#define TEST_CERT  "test-cert.pem"
#define TEST_KEY   "test-key.pem"
#define TEST_CERT2 "test-cert2.pem"
#define TEST_KEY2  "test-key2.pem"

/* The path of one of the files above (free it); aborts if it is missing. */
static inline char *
test_cert_file (const char *name)
{
  char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: build the tests (ninja), which runs tests/make-test-certs.sh", path);
  return path;
}

/* The GTlsCertificate (with its key) of a pair above. */
static inline GTlsCertificate *
test_cert_load (const char *cert_name, const char *key_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = test_cert_file (cert_name);
  g_autofree char *key = test_cert_file (key_name);
  GTlsCertificate *tls = g_tls_certificate_new_from_files (cert, key, &error);

  g_assert_no_error (error);
  return tls;
}

/* The fingerprint of @cert (free it), as a server shows it and a client pins it. */
static inline char *
test_cert_fingerprint (GTlsCertificate *cert)
{
  g_autoptr(GError) error = NULL;
  char *fingerprint = serval_tls_fingerprint (cert, &error);

  g_assert_no_error (error);
  return fingerprint;
}

static gboolean
flag_is_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* Iterates the thread-default main context until *flag is set (FALSE if
 * the safety net of test-loop-util.h ran out first). */
static inline gboolean
run_until (gboolean *flag)
{
  return test_iterate_until (flag_is_set, flag);
}

typedef struct
{
  gboolean done;
  ServalLink *link;
  char *peer_fp;
  GError *error;
} ConnectResult;

/* The GAsyncReadyCallback for serval_link_connect_async(), @user_data a ConnectResult. */
static inline void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnectResult *r = user_data;

  r->link = serval_link_connect_finish (result, &r->peer_fp, &r->error);
  r->done = TRUE;
}

/* Frees what @r holds, ready for the next connection. */
static inline void
connect_result_clear (ConnectResult *r)
{
  g_clear_object (&r->link);
  g_clear_pointer (&r->peer_fp, g_free);
  g_clear_error (&r->error);
  r->done = FALSE;
}

/* A GSocketService on 127.0.0.1 at a free port, started, calling
 * @incoming with @data; its "127.0.0.1:PORT" goes to *@address. */
static inline GSocketService *
start_loopback_service (GCallback incoming, gpointer data, char **address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = test_loopback_any ();
  g_autoptr(GSocketAddress) bound = NULL;
  GSocketService *service = g_socket_service_new ();

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), any, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  *address = test_loopback_address_string (bound);
  g_signal_connect (service, "incoming", incoming, data);
  g_socket_service_start (service);
  return service;
}

static inline void
stop_service (GSocketService **service)
{
  g_socket_service_stop (*service);
  g_socket_listener_close (G_SOCKET_LISTENER (*service));
  g_clear_object (service);
}
