#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-tls.h"
#include "serval-link-record.h"

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <string.h>

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-tls-error-quark, serval_tls_error)
/* clang-format on */

/* serval_tls_fingerprint() for a certificate in DER. */
static char *
fingerprint_der (const guint8 *der, gsize len, GError **error)
{
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t key = NULL;
  gnutls_datum_t in = { (unsigned char *) der, len };
  gnutls_datum_t spki = { NULL, 0 };
  guint8 digest[32];
  char *hex = NULL;
  int ret;

  if ((ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_import (crt, &in, GNUTLS_X509_FMT_DER)) < 0 ||
      (ret = gnutls_pubkey_init (&key)) < 0 ||
      (ret = gnutls_pubkey_import_x509 (key, crt, 0)) < 0 ||
      (ret = gnutls_pubkey_export2 (key, GNUTLS_X509_FMT_DER, &spki)) < 0 ||
      (ret = gnutls_hash_fast (GNUTLS_DIG_SHA256, spki.data, spki.size, digest)) < 0)
    {
      g_set_error (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_CERTIFICATE,
                   _("Cannot read the certificate's public key: %s"), gnutls_strerror (ret));
    }
  else
    {
      GString *s = g_string_sized_new (64);

      for (gsize i = 0; i < sizeof digest; i++)
        g_string_append_printf (s, "%02x", digest[i]);
      hex = g_string_free (s, FALSE);
    }

  gnutls_free (spki.data);
  if (key != NULL)
    gnutls_pubkey_deinit (key);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  return hex;
}

char *
serval_tls_fingerprint (GTlsCertificate *cert, GError **error)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (cert, "certificate", &der, NULL);
  if (der == NULL)
    {
      g_set_error (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_CERTIFICATE,
                   _("The peer's certificate has no DER data"));
      return NULL;
    }
  return fingerprint_der (der->data, der->len, error);
}

static char *
normalize (const char *fp)
{
  GString *s = g_string_new (NULL);

  for (; *fp; fp++)
    if (*fp != ':' && !g_ascii_isspace (*fp))
      g_string_append_c (s, g_ascii_tolower (*fp));
  return g_string_free (s, FALSE);
}

gboolean
serval_fingerprint_equal (const char *a, const char *b)
{
  g_autofree char *na = normalize (a);
  g_autofree char *nb = normalize (b);

  return g_str_equal (na, nb);
}

/* --- TLS 1.3 sessions directly on GnuTLS ------------------------------------ */

/* TLS 1.3 only. AES-128-GCM first: as safe for this use as AES-256 and a
 * third fewer AES rounds on every byte of the data path; ChaCha20 next for
 * machines without AES instructions. X25519 first: the cheapest key
 * exchange of nettle, which every handshake pays twice (both sides). */
#define SERVAL_TLS_PRIORITY                                                                 \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305:+AES-256-GCM:" \
  "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1"

static gnutls_priority_t
shared_priority (void)
{
  static gsize once;
  static gnutls_priority_t prio;

  if (g_once_init_enter (&once))
    {
      const char *err = NULL;
      int ret = gnutls_priority_init (&prio, SERVAL_TLS_PRIORITY, &err);

      if (ret < 0)
        g_error ("GnuTLS refuses Serval's priority string at “%s”: %s", err ? err : "?", gnutls_strerror (ret));
      g_once_init_leave (&once, 1);
    }
  return prio;
}

/* Client credentials, one per process and kind: without a trust store for
 * pinned fingerprints, with the system's CAs (parsed once) otherwise. */
static gnutls_certificate_credentials_t
client_credentials (gboolean with_cas)
{
  static gsize once[2];
  static gnutls_certificate_credentials_t creds[2];

  if (g_once_init_enter (&once[with_cas]))
    {
      int ret = gnutls_certificate_allocate_credentials (&creds[with_cas]);

      if (ret < 0)
        g_error ("Cannot allocate TLS credentials: %s", gnutls_strerror (ret));
      if (with_cas && (ret = gnutls_certificate_set_x509_system_trust (creds[with_cas])) < 0)
        g_warning ("Cannot load the system's certificate authorities: %s; only servers given with "
                   "--fingerprint can be trusted",
                   gnutls_strerror (ret));
      g_once_init_leave (&once[with_cas], 1);
    }
  return creds[with_cas];
}

struct _ServalTlsServer
{
  gnutls_certificate_credentials_t creds;
  gnutls_datum_t ticket_key;
  char *fingerprint;
};

ServalTlsServer *
serval_tls_server_new (const char *cert_file, const char *key_file, const guint8 *ticket_key,
                       GError **error)
{
  g_autoptr(ServalTlsServer) server = g_new0 (ServalTlsServer, 1);
  gnutls_datum_t der = { NULL, 0 };
  int ret;

  if ((ret = gnutls_certificate_allocate_credentials (&server->creds)) < 0 ||
      (ret = gnutls_certificate_set_x509_key_file2 (server->creds, cert_file, key_file,
                                                    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0)
    {
      g_set_error (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_CERTIFICATE,
                   /* For the server's operator: not translated, like the server's other messages. */
                   "Cannot load the server certificate (%s, %s): %s. Move both files away to make "
                   "a new one (clients that pinned the old fingerprint will then refuse to connect)",
                   cert_file, key_file, gnutls_strerror (ret));
      return NULL;
    }
  if ((ret = gnutls_certificate_get_crt_raw (server->creds, 0, 0, &der)) < 0 ||
      (server->fingerprint = fingerprint_der (der.data, der.size, NULL)) == NULL)
    {
      g_set_error (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_CERTIFICATE,
                   "Cannot read the server certificate %s: %s", cert_file,
                   ret < 0 ? gnutls_strerror (ret) : "no public key");
      return NULL;
    }
  if (ticket_key != NULL)
    {
      const char *fp = server->fingerprint;

      /* The key that encrypts tickets is bound to the certificate: a
       * resumed session shows no certificate, so a ticket must not outlive
       * the key it was issued under (a server given a new certificate, e.g.
       * after a compromise, makes every client check the new one).
       * key = HMAC-SHA256(secret, 1 || fp) || HMAC-SHA256(secret, 2 || fp). */
      server->ticket_key.data = gnutls_malloc (SERVAL_TLS_TICKET_KEY_LEN);
      server->ticket_key.size = SERVAL_TLS_TICKET_KEY_LEN;
      for (guint8 i = 0; i < SERVAL_TLS_TICKET_KEY_LEN / 32; i++)
        {
          g_autofree char *msg = g_strdup_printf ("%c%s", '1' + i, fp);

          gnutls_hmac_fast (GNUTLS_MAC_SHA256, ticket_key, SERVAL_TLS_TICKET_KEY_LEN, msg, strlen (msg),
                            server->ticket_key.data + 32 * i);
        }
    }
  return g_steal_pointer (&server);
}

void
serval_tls_server_free (ServalTlsServer *server)
{
  if (server == NULL)
    return;
  if (server->creds != NULL)
    gnutls_certificate_free_credentials (server->creds);
  if (server->ticket_key.data != NULL)
    {
      gnutls_memset (server->ticket_key.data, 0, server->ticket_key.size);
      gnutls_free (server->ticket_key.data);
    }
  g_free (server->fingerprint);
  g_free (server);
}

const char *
serval_tls_server_get_fingerprint (ServalTlsServer *server)
{
  return server->fingerprint;
}

typedef enum
{
  VERIFY_NOT_YET,
  VERIFY_OK,
  VERIFY_MISMATCH,
  VERIFY_UNTRUSTED,
} VerifyResult;

struct _ServalTlsSession
{
  GObject parent_instance;

  gnutls_session_t gs;
  GSocketConnection *conn;
  gboolean is_client;
  gboolean is_node; /* client: a node link, which never resumes */
  gboolean handshaken;
  gboolean bye_sent;
  gboolean resumed_taken; /* whether it was resumed, once the GnuTLS session is gone */
  /* server: the application traffic secrets (keylog), for KeyUpdates once the
   * record layer is taken (serval_tls_session_take_records()) */
  guint8 secret[2][SERVAL_RECORD_MAX_SECRET];
  gsize secret_len;
  char *host;               /* client: the server's host name, for SNI, CAs and messages */
  char *fingerprint;        /* client: pinned, or NULL */
  char *peer_fingerprint;   /* client: what the server showed; server: the client's certificate */
  char *resume_fingerprint; /* client: the fingerprint stored with the resume data given */
  VerifyResult verify;
};

G_DEFINE_FINAL_TYPE (ServalTlsSession, serval_tls_session, G_TYPE_OBJECT)

static void
serval_tls_session_finalize (GObject *object)
{
  ServalTlsSession *self = SERVAL_TLS_SESSION (object);

  if (self->gs != NULL)
    gnutls_deinit (self->gs);
  memset (self->secret, 0, sizeof self->secret);
  if (self->conn != NULL)
    g_io_stream_close (G_IO_STREAM (self->conn), NULL, NULL);
  g_clear_object (&self->conn);
  g_free (self->host);
  g_free (self->fingerprint);
  g_free (self->peer_fingerprint);
  g_free (self->resume_fingerprint);
  G_OBJECT_CLASS (serval_tls_session_parent_class)->finalize (object);
}

static void
serval_tls_session_class_init (ServalTlsSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = serval_tls_session_finalize;
}

static void
serval_tls_session_init (ServalTlsSession *self)
{
}

static int
session_fd (ServalTlsSession *self)
{
  return g_socket_get_fd (g_socket_connection_get_socket (self->conn));
}

static ServalTlsSession *
session_new (GSocketConnection *conn, unsigned flags, GError **error)
{
  g_autoptr(ServalTlsSession) self = g_object_new (SERVAL_TYPE_TLS_SESSION, NULL);
  int ret;

  self->conn = g_object_ref (conn);
  if ((ret = gnutls_init (&self->gs, flags | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL)) < 0 ||
      (ret = gnutls_priority_set (self->gs, shared_priority ())) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot start TLS: %s"), gnutls_strerror (ret));
      return NULL;
    }
  gnutls_session_set_ptr (self->gs, self);
  gnutls_transport_set_int (self->gs, session_fd (self));
  return g_steal_pointer (&self);
}

/* GnuTLS hands every secret it derives to this hook: a server keeps its
 * application traffic secrets, which a KeyUpdate derives the next keys from. */
static int
keylog_cb (gnutls_session_t gs, const char *label, const gnutls_datum_t *secret)
{
  ServalTlsSession *self = gnutls_session_get_ptr (gs);
  int i = g_str_equal (label, "CLIENT_TRAFFIC_SECRET_0") ? 0 : g_str_equal (label, "SERVER_TRAFFIC_SECRET_0") ? 1 :
                                                                                                                -1;

  if (self != NULL && i >= 0 && secret->size <= SERVAL_RECORD_MAX_SECRET)
    {
      memcpy (self->secret[i], secret->data, secret->size);
      self->secret_len = secret->size;
    }
  return 0;
}

ServalTlsSession *
serval_tls_session_new_server (ServalTlsServer *server, GSocketConnection *conn, GError **error)
{
  g_autoptr(ServalTlsSession) self = session_new (conn, GNUTLS_SERVER, error);
  int ret;

  if (self == NULL)
    return NULL;
  /* Nodes of a cluster prove who they are with the server's own
   * certificate (serval_tls_session_new_node_client()). Requested from
   * every client, since the server does not know yet who is calling; an
   * ordinary client answers with an empty Certificate message. No verify
   * function: GnuTLS then takes any certificate whose key signed the
   * handshake (CertificateVerify), and the caller compares fingerprints. */
  gnutls_certificate_server_set_request (self->gs, GNUTLS_CERT_REQUEST);
  gnutls_session_set_keylog_function (self->gs, keylog_cb);
  if ((ret = gnutls_credentials_set (self->gs, GNUTLS_CRD_CERTIFICATE, server->creds)) < 0 ||
      (server->ticket_key.data != NULL &&
       (ret = gnutls_session_ticket_enable_server (self->gs, &server->ticket_key)) < 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot start TLS: %s"), gnutls_strerror (ret));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* The client's certificate check, during the handshake. */
static int
verify_cb (gnutls_session_t gs)
{
  ServalTlsSession *self = gnutls_session_get_ptr (gs);
  const gnutls_datum_t *certs;
  unsigned n = 0, status = 0;
  int ret;

  certs = gnutls_certificate_get_peers (gs, &n);
  g_clear_pointer (&self->peer_fingerprint, g_free);
  if (certs != NULL && n > 0)
    self->peer_fingerprint = fingerprint_der (certs[0].data, certs[0].size, NULL);
  if (self->peer_fingerprint == NULL)
    {
      self->verify = VERIFY_UNTRUSTED;
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  if (self->fingerprint != NULL)
    {
      self->verify = serval_fingerprint_equal (self->fingerprint, self->peer_fingerprint) ? VERIFY_OK : VERIFY_MISMATCH;
      return self->verify == VERIFY_OK ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
    }
  ret = gnutls_certificate_verify_peers3 (gs, self->host, &status);
  self->verify = ret == 0 && status == 0 ? VERIFY_OK : VERIFY_UNTRUSTED;
  return self->verify == VERIFY_OK ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

/* A client session checking the server with @fingerprint (or CAs if NULL)
 * and presenting what @creds hold. */
static ServalTlsSession *
client_new (GSocketConnection *conn, const char *host, const char *fingerprint,
            gnutls_certificate_credentials_t creds, GError **error)
{
  g_autoptr(ServalTlsSession) self = session_new (conn, GNUTLS_CLIENT, error);
  g_autoptr(GInetAddress) literal = NULL;
  int ret;

  if (self == NULL)
    return NULL;
  self->is_client = TRUE;
  self->host = g_strdup (host);
  self->fingerprint = fingerprint != NULL && *fingerprint ? g_strdup (fingerprint) : NULL;
  literal = g_inet_address_new_from_string (host);
  if ((ret = gnutls_credentials_set (self->gs, GNUTLS_CRD_CERTIFICATE,
                                     creds != NULL ? creds : client_credentials (self->fingerprint == NULL))) < 0 ||
      (literal == NULL &&
       (ret = gnutls_server_name_set (self->gs, GNUTLS_NAME_DNS, host, strlen (host))) < 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot start TLS: %s"), gnutls_strerror (ret));
      return NULL;
    }
  gnutls_session_set_verify_function (self->gs, verify_cb);
  return g_steal_pointer (&self);
}

/* Resume data: 'p' if the session was checked against a pinned fingerprint,
 * 'c' if a CA vouched for it, the server's fingerprint, a NUL, then GnuTLS's
 * session data. A session is only resumed under the same kind of check
 * (and the same pin): resumption skips the certificate. */
ServalTlsSession *
serval_tls_session_new_client (GSocketConnection *conn, const char *host, const char *fingerprint,
                               GBytes *resume, GError **error)
{
  g_autoptr(ServalTlsSession) self = client_new (conn, host, fingerprint, NULL, error);

  if (self == NULL)
    return NULL;
  if (resume != NULL)
    {
      gsize size;
      const char *data = g_bytes_get_data (resume, &size);
      const char *nul = memchr (data, '\0', size);

      if (nul != NULL && nul > data + 1 &&
          (self->fingerprint != NULL ? data[0] == 'p' && serval_fingerprint_equal (self->fingerprint, data + 1) : data[0] == 'c') &&
          gnutls_session_set_data (self->gs, nul + 1, size - (nul + 1 - data)) == 0)
        self->resume_fingerprint = g_strndup (data + 1, nul - data - 1);
    }
  return g_steal_pointer (&self);
}

/* The server's own credentials on the client side: a client has no trust
 * store to need (it pins), and the certificate and key are the ones the
 * accepting node compares with its own. Never resumed: a resumed session
 * shows no certificate, so the peer could not tell it is a node. */
ServalTlsSession *
serval_tls_session_new_node_client (GSocketConnection *conn, const char *host, const char *fingerprint,
                                    ServalTlsServer *own, GError **error)
{
  ServalTlsSession *self;

  g_return_val_if_fail (fingerprint != NULL && *fingerprint != '\0', NULL);
  g_return_val_if_fail (own != NULL, NULL);
  self = client_new (conn, host, fingerprint, own->creds, error);
  if (self != NULL)
    self->is_node = TRUE;
  return self;
}

/* Server side, after a full handshake: the client certificate's
 * fingerprint, or NULL if the client sent none. */
static char *
client_certificate_fingerprint (gnutls_session_t gs)
{
  const gnutls_datum_t *certs;
  unsigned n = 0;

  certs = gnutls_certificate_get_peers (gs, &n);
  if (certs == NULL || n == 0)
    return NULL;
  return fingerprint_der (certs[0].data, certs[0].size, NULL);
}

static void handshake_step (GTask *task);

static gboolean
handshake_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  GTask *task = user_data;
  ServalTlsSession *self = g_task_get_source_object (task);
  GIOCondition wanted = gnutls_record_get_direction (self->gs) ? G_IO_OUT : G_IO_IN;

  /* A socket with a timeout (GSocketClient's) wakes the source when the
   * peer stays silent that long, without the condition. */
  if (g_socket_get_timeout (socket) > 0 && !g_cancellable_is_cancelled (g_task_get_cancellable (task)) &&
      !(g_socket_condition_check (socket, wanted | G_IO_HUP | G_IO_ERR)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("%s took the connection but did not answer the TLS handshake within "
                                 "%u s: it may be at its connection limit or overloaded, or it is not a "
                                 "Serval server"),
                                  self->host ? self->host : "the peer", g_socket_get_timeout (socket));
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  handshake_step (task);
  return G_SOURCE_REMOVE;
}

static void
handshake_failed (GTask *task, int ret)
{
  ServalTlsSession *self = g_task_get_source_object (task);
  const char *host = self->host ? self->host : "the peer";

  /* Tell the peer why, if the socket takes it now (never waits). */
  if (ret != GNUTLS_E_FATAL_ALERT_RECEIVED && ret != GNUTLS_E_PREMATURE_TERMINATION &&
      ret != GNUTLS_E_PUSH_ERROR && ret != GNUTLS_E_PULL_ERROR)
    gnutls_alert_send_appropriate (self->gs, ret);

  if (self->verify == VERIFY_MISMATCH)
    g_task_return_new_error (task, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH,
                             _("The certificate of %s has fingerprint %s, not the expected %s: "
                               "someone may be intercepting the connection, or the server "
                               "has a new certificate (check with “serval-server fingerprint” on it)"),
                                host, self->peer_fingerprint, self->fingerprint);
  else if (self->verify == VERIFY_UNTRUSTED && self->peer_fingerprint != NULL)
    g_task_return_new_error (task, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_UNTRUSTED,
                             _("The certificate of %s is not signed by a trusted authority; "
                               "its fingerprint is %s. If “serval-server fingerprint” on the "
                               "server prints the same, pass --fingerprint %s"),
                                host, self->peer_fingerprint, self->peer_fingerprint);
  else if (ret == GNUTLS_E_UNSUPPORTED_VERSION_PACKET || ret == GNUTLS_E_NO_PRIORITIES_WERE_SET ||
           ret == GNUTLS_E_NO_CIPHER_SUITES ||
           (ret == GNUTLS_E_FATAL_ALERT_RECEIVED &&
            (gnutls_alert_get (self->gs) == GNUTLS_A_PROTOCOL_VERSION ||
             gnutls_alert_get (self->gs) == GNUTLS_A_HANDSHAKE_FAILURE ||
             gnutls_alert_get (self->gs) == GNUTLS_A_INSUFFICIENT_SECURITY)))
    /* A peer that agrees on nothing with a TLS 1.3-only hello: an old or
     * foreign TLS stack. */
    g_task_return_new_error (task, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_VERSION,
                             _("%s accepts no TLS 1.3 parameters this client offers (%s): check that "
                               "it is a Serval server; Serval refuses TLS versions before 1.3"),
                                host, ret == GNUTLS_E_FATAL_ALERT_RECEIVED ? gnutls_alert_get_name (gnutls_alert_get (self->gs)) : gnutls_strerror (ret));
  else if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s (%s)", gnutls_strerror (ret),
                             gnutls_alert_get_name (gnutls_alert_get (self->gs)));
  else if (ret == GNUTLS_E_PREMATURE_TERMINATION || ret == GNUTLS_E_PUSH_ERROR ||
           ret == GNUTLS_E_PULL_ERROR)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             _("the connection closed during the TLS handshake (%s)"), gnutls_strerror (ret));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", gnutls_strerror (ret));
}

/* One step of the handshake; owns a reference to @task. */
static void
handshake_step (GTask *task)
{
  ServalTlsSession *self = g_task_get_source_object (task);
  GSource *source;
  int ret;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  do
    ret = gnutls_handshake (self->gs);
  while (ret < 0 && ret != GNUTLS_E_AGAIN && !gnutls_error_is_fatal (ret));

  if (ret == GNUTLS_E_AGAIN)
    {
      source = g_socket_create_source (g_socket_connection_get_socket (self->conn),
                                       gnutls_record_get_direction (self->gs) ? G_IO_OUT : G_IO_IN,
                                       g_task_get_cancellable (task));
      g_source_set_callback (source, G_SOURCE_FUNC (handshake_ready_cb), task, NULL);
      g_source_attach (source, g_task_get_context (task));
      g_source_unref (source);
      return;
    }
  if (ret < 0)
    handshake_failed (task, ret);
  else if (gnutls_protocol_get_version (self->gs) != GNUTLS_TLS1_3)
    g_task_return_new_error (task, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_VERSION,
                             _("%s did not negotiate TLS 1.3; Serval refuses older TLS versions"),
                                self->host ? self->host : "the peer");
  else
    {
      self->handshaken = TRUE;
      if (self->is_client && gnutls_session_is_resumed (self->gs))
        {
          /* No certificate in a resumed session: it was checked when the
           * resumed one was made. */
          g_free (self->peer_fingerprint);
          self->peer_fingerprint = g_strdup (self->resume_fingerprint);
        }
      /* A resumed session shows no certificate: whatever the ticket
       * remembers of the first one, the peer did not prove it holds the
       * key now. */
      else if (!self->is_client && !gnutls_session_is_resumed (self->gs))
        self->peer_fingerprint = client_certificate_fingerprint (self->gs);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

void
serval_tls_session_handshake_async (ServalTlsSession *session, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);

  g_task_set_source_tag (task, serval_tls_session_handshake_async);
  handshake_step (task);
}

gboolean
serval_tls_session_handshake_finish (ServalTlsSession *session, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gnutls_session_t
serval_tls_session_get_gnutls (ServalTlsSession *session)
{
  return session->gs;
}

GSocketConnection *
serval_tls_session_get_connection (ServalTlsSession *session)
{
  return session->conn;
}

const char *
serval_tls_session_get_peer_fingerprint (ServalTlsSession *session)
{
  return session->peer_fingerprint;
}

gboolean
serval_tls_session_is_resumed (ServalTlsSession *session)
{
  if (session->gs == NULL)
    return session->resumed_taken;
  return session->handshaken && gnutls_session_is_resumed (session->gs);
}

GBytes *
serval_tls_session_get_resume_data (ServalTlsSession *session)
{
  gnutls_datum_t data = { NULL, 0 };
  GByteArray *out;

  /* Without a ticket, gnutls_session_get_data2() would wait for one. */
  if (!session->is_client || session->is_node || !session->handshaken || session->peer_fingerprint == NULL ||
      !(gnutls_session_get_flags (session->gs) & GNUTLS_SFLAGS_SESSION_TICKET) ||
      gnutls_session_get_data2 (session->gs, &data) < 0)
    return NULL;
  out = g_byte_array_sized_new (strlen (session->peer_fingerprint) + 2 + data.size);
  g_byte_array_append (out, (const guint8 *) (session->fingerprint != NULL ? "p" : "c"), 1);
  g_byte_array_append (out, (const guint8 *) session->peer_fingerprint, strlen (session->peer_fingerprint) + 1);
  g_byte_array_append (out, data.data, data.size);
  gnutls_free (data.data);
  return g_byte_array_free_to_bytes (out);
}

void
serval_tls_session_bye (ServalTlsSession *session)
{
  if (!session->handshaken || session->bye_sent || session->gs == NULL)
    return;
  session->bye_sent = TRUE;
  gnutls_bye (session->gs, GNUTLS_SHUT_WR);
}

/**
 * serval_tls_session_take_records:
 * @session: a server's session whose handshake is done
 *
 * A server's link keeps only the record state of its session
 * (serval-link-record.h): this takes it and frees the GnuTLS session, about
 * 9.5 KiB per client, leaving the connection open. @session then serves
 * nothing but its peer fingerprint and whether it was resumed.
 *
 * Returns: (transfer full) (nullable): the record state, or %NULL (and
 *   @session unchanged) for a client's session or one that cannot be taken
 */
ServalRecord *
serval_tls_session_take_records (ServalTlsSession *session)
{
  g_autoptr(GError) error = NULL;
  ServalRecord *record;

  if (session->is_client || !session->handshaken || session->gs == NULL)
    return NULL;
  record = serval_record_new (session->gs, session->secret[1], session->secret[0], session->secret_len, &error);
  memset (session->secret, 0, sizeof session->secret);
  if (record == NULL)
    {
      g_debug ("Keeping the TLS session of a client: %s", error->message);
      return NULL;
    }
  session->resumed_taken = gnutls_session_is_resumed (session->gs);
  gnutls_deinit (session->gs);
  session->gs = NULL;
  return record;
}
