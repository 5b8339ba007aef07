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
/* Fails unless the handshake negotiated TLS 1.3. */
gboolean  serval_tls_check_version (GTlsConnection *conn, const char *peer, GError **error);

G_END_DECLS
