/* serval-tls.h: certificates, fingerprints and TLS 1.3 for links. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SERVAL_TLS_ERROR (serval_tls_error_quark ())
GQuark serval_tls_error_quark (void);

typedef enum {
  SERVAL_TLS_ERROR_UNTRUSTED,            /* no CA vouches for it and no fingerprint was given */
  SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH, /* the pinned fingerprint differs: possible attack */
  SERVAL_TLS_ERROR_VERSION,              /* the peer did not speak TLS 1.3 */
  SERVAL_TLS_ERROR_CERTIFICATE,          /* a certificate that cannot be read */
} ServalTlsError;

/* Lower-case hex SHA-256 of the certificate's SubjectPublicKeyInfo (64 chars). */
char     *serval_tls_fingerprint (GTlsCertificate *cert, GError **error);
char     *serval_tls_fingerprint_der (const guint8 *der, gsize len, GError **error);
/* Compares two fingerprints, ignoring case, ':' and spaces. */
gboolean  serval_fingerprint_equal (const char *a, const char *b);

G_END_DECLS

/* --- TLS 1.3 sessions directly on GnuTLS -----------------------------------
 *
 * Links run GnuTLS on their socket themselves instead of through a
 * GTlsConnection: one credentials object per process (glib-networking builds
 * credentials and imports the key again for every connection), handshakes on
 * the main loop instead of a thread pool, session tickets for resumption, and
 * record I/O without GIOStream layers. See docs/design.md. */

#include <gnutls/gnutls.h>

G_BEGIN_DECLS

/* Bytes of the server's session ticket key (GnuTLS's master ticket key). */
#define SERVAL_TLS_TICKET_KEY_LEN 64

/* A server's certificate, key and session ticket key, shared by its sessions. */
typedef struct _ServalTlsServer ServalTlsServer;

/* @ticket_key: SERVAL_TLS_TICKET_KEY_LEN secret bytes, or NULL for no
 * resumption. Tickets are encrypted with a key derived from it and the
 * certificate's public key: they resume only with the same secret and the
 * same key pair. */
ServalTlsServer *serval_tls_server_new (const char *cert_file, const char *key_file,
                                        const guint8 *ticket_key, GError **error);
void             serval_tls_server_free (ServalTlsServer *server);
/* The fingerprint of the server's certificate (see serval_tls_fingerprint()). */
const char      *serval_tls_server_get_fingerprint (ServalTlsServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalTlsServer, serval_tls_server_free)

#define SERVAL_TYPE_TLS_SESSION (serval_tls_session_get_type ())
G_DECLARE_FINAL_TYPE (ServalTlsSession, serval_tls_session, SERVAL, TLS_SESSION, GObject)

/* The server side of a TLS session on @conn (taken over: its socket is used
 * directly from now on). */
ServalTlsSession *serval_tls_session_new_server (ServalTlsServer *server, GSocketConnection *conn,
                                                 GError **error);
/* The client side. @host names the server (SNI, CA verification and
 * messages). With @fingerprint the server's public key must match it and no
 * authority is consulted; without, a CA in the system store must vouch for
 * @host. @resume: data from serval_tls_session_get_resume_data() of an
 * earlier session with the same server and fingerprint, or NULL. */
ServalTlsSession *serval_tls_session_new_client (GSocketConnection *conn, const char *host,
                                                 const char *fingerprint, GBytes *resume,
                                                 GError **error);

/* Runs the handshake on the thread-default main context. Errors: for
 * clients SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH, _UNTRUSTED or _VERSION
 * with a message naming @host and the next step; G_IO_ERROR_CANCELLED;
 * otherwise G_IO_ERROR_FAILED with GnuTLS's reason. */
void      serval_tls_session_handshake_async (ServalTlsSession *session, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean  serval_tls_session_handshake_finish (ServalTlsSession *session, GAsyncResult *result,
                                               GError **error);

gnutls_session_t   serval_tls_session_get_gnutls (ServalTlsSession *session);
GSocketConnection *serval_tls_session_get_connection (ServalTlsSession *session);
/* The fingerprint of the certificate the server showed (client side), once
 * known, also after a failed handshake; for a resumed session the one
 * pinned or verified when the resumed session was made. */
const char        *serval_tls_session_get_peer_fingerprint (ServalTlsSession *session);
gboolean           serval_tls_session_is_resumed (ServalTlsSession *session);
/* Client side: what a later session needs to resume this one, or NULL if
 * the server sent no ticket (yet). Never waits. */
GBytes            *serval_tls_session_get_resume_data (ServalTlsSession *session);
/* Sends close_notify if the socket takes it now; never waits. */
void               serval_tls_session_bye (ServalTlsSession *session);

G_END_DECLS
