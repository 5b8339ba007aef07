#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

G_DEFINE_QUARK (serval-tls-error-quark, serval_tls_error)

char *
serval_tls_fingerprint_der (const guint8 *der, gsize len, GError **error)
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
  return serval_tls_fingerprint_der (der->data, der->len, error);
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

gboolean
serval_tls_check_version (GTlsConnection *conn, const char *peer, GError **error)
{
  GTlsProtocolVersion v = g_tls_connection_get_protocol_version (conn);

  if (v != G_TLS_PROTOCOL_VERSION_TLS_1_3)
    {
      g_set_error (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_VERSION,
                   _("%s did not negotiate TLS 1.3; Serval refuses older TLS versions"), peer);
      return FALSE;
    }
  return TRUE;
}
