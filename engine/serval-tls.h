/* serval-tls.h: certificates, fingerprints and TLS 1.3 for links. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * SERVAL_TLS_ERROR:
 *
 * The error domain of certificates and TLS sessions: its codes are
 * #ServalTlsError.
 */
#define SERVAL_TLS_ERROR (serval_tls_error_quark ())
/**
 * serval_tls_error_quark:
 *
 * Returns: the #GQuark of %SERVAL_TLS_ERROR
 */
GQuark serval_tls_error_quark (void);

/**
 * ServalTlsError:
 * @SERVAL_TLS_ERROR_UNTRUSTED: no CA vouches for it and no fingerprint was
 *   given; the message names the fingerprint to pin
 * @SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH: the pinned fingerprint differs:
 *   possible attack
 * @SERVAL_TLS_ERROR_VERSION: the peer did not speak TLS 1.3 (or agreed on
 *   no TLS 1.3 parameters)
 * @SERVAL_TLS_ERROR_CERTIFICATE: a certificate that cannot be read; also a
 *   server's certificate or key file that cannot be loaded
 *
 * The codes of %SERVAL_TLS_ERROR.
 */
typedef enum
{
  SERVAL_TLS_ERROR_UNTRUSTED,
  SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH,
  SERVAL_TLS_ERROR_VERSION,
  SERVAL_TLS_ERROR_CERTIFICATE,
} ServalTlsError;

/**
 * serval_tls_fingerprint:
 * @cert: a certificate
 * @error: return location for a #GError
 *
 * Lower-case hex SHA-256 of the certificate's SubjectPublicKeyInfo (64 chars).
 *
 * Returns: (transfer full) (nullable): the fingerprint, or %NULL with
 *   @error set (%SERVAL_TLS_ERROR_CERTIFICATE)
 */
char *serval_tls_fingerprint (GTlsCertificate *cert, GError **error);
/**
 * serval_fingerprint_equal:
 * @a: (not nullable): a fingerprint
 * @b: (not nullable): another
 *
 * Compares two fingerprints, ignoring case, ':' and spaces (any ASCII
 * white space).
 *
 * Returns: %TRUE if they are the same
 */
gboolean serval_fingerprint_equal (const char *a, const char *b);

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

/**
 * SERVAL_TLS_TICKET_KEY_LEN:
 *
 * Bytes of the server's session ticket key (GnuTLS's master ticket key).
 */
#define SERVAL_TLS_TICKET_KEY_LEN 64

/**
 * ServalTlsServer:
 *
 * A server's certificate, key and session ticket key, shared by its sessions.
 * It must outlive them.
 */
typedef struct _ServalTlsServer ServalTlsServer;

/**
 * serval_tls_server_new:
 * @cert_file: the certificate, PEM
 * @key_file: its private key, PEM
 * @ticket_key: (nullable) (array fixed-size=64): the ticket secret
 * @error: return location for a #GError
 *
 * The @ticket_key is SERVAL_TLS_TICKET_KEY_LEN secret bytes, or NULL for no
 * resumption. Tickets are encrypted with a key derived from it and the
 * certificate's public key: they resume only with the same secret and the
 * same key pair. The secret is not kept.
 *
 * Errors are %SERVAL_TLS_ERROR_CERTIFICATE, with a message for the
 * server's operator (not translated).
 *
 * Returns: (transfer full) (nullable): the server's credentials, or %NULL
 *   with @error set. Free with serval_tls_server_free().
 */
ServalTlsServer *serval_tls_server_new (const char *cert_file, const char *key_file,
                                        const guint8 *ticket_key, GError **error);
/**
 * serval_tls_server_free:
 * @server: (nullable) (transfer full): the server's credentials
 *
 * Frees them; the ticket key is wiped first.
 */
void serval_tls_server_free (ServalTlsServer *server);
/**
 * serval_tls_server_get_fingerprint:
 * @server: the server's credentials
 *
 * The fingerprint of the server's certificate (see serval_tls_fingerprint()).
 *
 * Returns: (transfer none): the fingerprint, owned by @server
 */
const char *serval_tls_server_get_fingerprint (ServalTlsServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalTlsServer, serval_tls_server_free)

/**
 * ServalTlsSession:
 *
 * A TLS 1.3 session run by GnuTLS directly on a #GSocketConnection. Not
 * thread-safe: use it on one thread. Finalizing it closes the connection.
 */
#define SERVAL_TYPE_TLS_SESSION (serval_tls_session_get_type ())
G_DECLARE_FINAL_TYPE (ServalTlsSession, serval_tls_session, SERVAL, TLS_SESSION, GObject)

/**
 * serval_tls_session_new_server:
 * @server: the server's credentials
 * @conn: (transfer none): an accepted connection
 * @error: return location for a #GError
 *
 * The server side of a TLS session on @conn (taken over: its socket is used
 * directly from now on, and nothing else may read or write it). The
 * session keeps a reference to @conn and closes it when finalized; the
 * caller keeps its own reference. Session tickets are given if @server has
 * a ticket key. The server requests (does not require) a client
 * certificate: see serval_tls_session_get_peer_fingerprint().
 *
 * Returns: (transfer full) (nullable): the session, not yet handshaken, or
 *   %NULL with @error set (%G_IO_ERROR_FAILED: GnuTLS refused)
 */
ServalTlsSession *serval_tls_session_new_server (ServalTlsServer *server, GSocketConnection *conn,
                                                 GError **error);
/**
 * serval_tls_session_new_client:
 * @conn: (transfer none): a connection to the server
 * @host: the server's host name or address
 * @fingerprint: (nullable): the pinned fingerprint, or %NULL (or "")
 * @resume: (nullable): resume data, or %NULL
 * @error: return location for a #GError
 *
 * The client side. @host names the server (SNI, CA verification and
 * messages; no SNI for an IP address). With @fingerprint the server's
 * public key must match it and no authority is consulted; without, a CA in
 * the system store must vouch for @host. @resume is data from
 * serval_tls_session_get_resume_data() of an earlier session with the same
 * server and fingerprint, or NULL; data made under another pin, or under a
 * CA check when a pin is given now (or the other way round), is ignored:
 * the handshake is then a full one. @conn is taken over as by
 * serval_tls_session_new_server().
 *
 * Returns: (transfer full) (nullable): the session, not yet handshaken, or
 *   %NULL with @error set (%G_IO_ERROR_FAILED: GnuTLS refused)
 */
ServalTlsSession *serval_tls_session_new_client (GSocketConnection *conn, const char *host,
                                                 const char *fingerprint, GBytes *resume,
                                                 GError **error);
/**
 * serval_tls_session_new_node_client:
 * @conn: (transfer none): a connection to another node of the cluster
 * @host: that node's host name or address
 * @fingerprint: (not nullable): its pinned fingerprint (every node of a
 *   cluster has the same certificate: usually @own's)
 * @own: this node's credentials, which must outlive the session
 * @error: return location for a #GError
 *
 * The client side of a node-to-node link: as serval_tls_session_new_client()
 * with @fingerprint pinned, and it presents @own's certificate as its
 * client certificate, signing the handshake with @own's key, so that the
 * accepting node sees it in serval_tls_session_get_peer_fingerprint().
 * Never resumed, and serval_tls_session_get_resume_data() gives nothing: a
 * resumed session would show no certificate.
 *
 * Returns: (transfer full) (nullable): the session, not yet handshaken, or
 *   %NULL with @error set (%G_IO_ERROR_FAILED: GnuTLS refused)
 */
ServalTlsSession *serval_tls_session_new_node_client (GSocketConnection *conn, const char *host,
                                                      const char *fingerprint, ServalTlsServer *own,
                                                      GError **error);

/**
 * serval_tls_session_handshake_async:
 * @session: a session not yet handshaken
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the handshake is done or failed
 * @user_data: (closure): data for @callback
 *
 * Runs the handshake on the thread-default main context, where @callback
 * is called (never from within this call). Errors: for clients
 * SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH or _UNTRUSTED, and for both sides
 * _VERSION, with a message naming @host and the next step;
 * G_IO_ERROR_CANCELLED; G_IO_ERROR_TIMED_OUT when the socket has a timeout
 * (g_socket_set_timeout()) and the peer stays silent that long;
 * G_IO_ERROR_CONNECTION_CLOSED when the connection closes during the
 * handshake; otherwise G_IO_ERROR_FAILED with GnuTLS's reason. A failed
 * handshake sends the peer an alert if the socket takes it now.
 */
void serval_tls_session_handshake_async (ServalTlsSession *session, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
/**
 * serval_tls_session_handshake_finish:
 * @session: the session
 * @result: the #GAsyncResult given to the callback of
 *   serval_tls_session_handshake_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the session speaks TLS 1.3, else %FALSE with @error
 *   set
 */
gboolean serval_tls_session_handshake_finish (ServalTlsSession *session, GAsyncResult *result,
                                              GError **error);

/**
 * serval_tls_session_get_gnutls:
 * @session: a session
 *
 * Returns: (transfer none): the GnuTLS session, owned by @session
 */
gnutls_session_t serval_tls_session_get_gnutls (ServalTlsSession *session);
/**
 * serval_tls_session_get_connection:
 * @session: a session
 *
 * Returns: (transfer none): the connection the session runs on
 */
GSocketConnection *serval_tls_session_get_connection (ServalTlsSession *session);
/**
 * serval_tls_session_get_peer_fingerprint:
 * @session: a session
 *
 * Client side: the fingerprint of the certificate the server showed, once
 * known, also after a failed handshake; for a resumed session the one
 * pinned or verified when the resumed session was made.
 *
 * Server side: once the handshake is done, the fingerprint of the client
 * certificate the peer proved it holds the key of (GnuTLS checked its
 * signature of the handshake; no authority vouches for the certificate,
 * so only a comparison with a known fingerprint means anything). %NULL if
 * the client sent none, which ordinary clients do not, or if the session
 * was resumed: a ticket is no proof. Equal to
 * serval_tls_server_get_fingerprint() (compare with
 * serval_fingerprint_equal()): the peer is another node of the cluster.
 *
 * Returns: (transfer none) (nullable): the fingerprint, or %NULL (not
 *   known yet, or none as above)
 */
const char *serval_tls_session_get_peer_fingerprint (ServalTlsSession *session);
/**
 * serval_tls_session_is_resumed:
 * @session: a session
 *
 * Returns: %TRUE if the handshake is done and resumed an earlier session
 *   (no certificate was shown)
 */
gboolean serval_tls_session_is_resumed (ServalTlsSession *session);
/**
 * serval_tls_session_get_resume_data:
 * @session: a session
 *
 * Client side: what a later session needs to resume this one, or NULL if
 * the server sent no ticket (yet). Never waits. Also %NULL before the
 * handshake is done and on the server side. The data records how the
 * server was checked (pin or CA) and its fingerprint: keep it in memory,
 * for serval_tls_session_new_client().
 *
 * Returns: (transfer full) (nullable): the data, or %NULL
 */
GBytes *serval_tls_session_get_resume_data (ServalTlsSession *session);
/**
 * serval_tls_session_bye:
 * @session: a session
 *
 * Sends close_notify if the socket takes it now; never waits. Only once,
 * and only after a handshake; nothing else may be sent afterwards.
 */
void serval_tls_session_bye (ServalTlsSession *session);

G_END_DECLS
