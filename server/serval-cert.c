#include "config.h"

#include "serval-cert.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static gboolean
write_private (const char *path, const void *data, gsize len, int mode, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  int fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  gssize n;

  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "Cannot write %s: %s", tmp, g_strerror (e));
      return FALSE;
    }
  n = write (fd, data, len);
  if (n != (gssize) len || fsync (fd) != 0)
    {
      int e = errno;
      close (fd);
      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "Cannot write %s: %s", tmp, g_strerror (e));
      return FALSE;
    }
  close (fd);
  if (g_rename (tmp, path) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "Cannot rename %s: %s", tmp, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_cert (const char *cert_path, const char *key_path, const char *cn, GError **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = { NULL, 0 }, crt_pem = { NULL, 0 };
  guint8 serial[16];
  time_t now = time (NULL);
  gboolean ok = FALSE;
  int ret;

  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;
  if ((ret = gnutls_x509_privkey_init (&key)) < 0 ||
      (ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                           GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
      (ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, now - 3600)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, now + (time_t) 20 * 365 * 24 * 3600)) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen (cn))) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (ret = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
      (ret = gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &key_pem)) < 0 ||
      (ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem)) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot make the server certificate: %s", gnutls_strerror (ret));
      goto out;
    }

  ok = write_private (key_path, key_pem.data, key_pem.size, 0600, error) &&
       write_private (cert_path, crt_pem.data, crt_pem.size, 0644, error);

out:
  gnutls_free (key_pem.data);
  gnutls_free (crt_pem.data);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  return ok;
}

gboolean
serval_cert_ensure (const char *dir, const char *common_name, char **cert_path_out,
                    char **key_path_out, gboolean *created, GError **error)
{
  g_autofree char *cert_path = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key_path = g_build_filename (dir, "key.pem", NULL);

  gboolean have_cert = g_file_test (cert_path, G_FILE_TEST_EXISTS);
  gboolean have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);

  if (created != NULL)
    *created = FALSE;
  if (have_cert != have_key)
    {
      /* Half an identity: making a new one would change the fingerprint
       * that every client pins, and lose the other half for good. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "The server's %s %s is missing, but its %s %s is there: restore the missing "
                   "file from a backup; or, to make a new identity that every client will have to "
                   "trust again, move %s away too",
                   have_cert ? "key" : "certificate", have_cert ? key_path : cert_path,
                   have_cert ? "certificate" : "key", have_cert ? cert_path : key_path,
                   have_cert ? cert_path : key_path);
      return FALSE;
    }
  if (!have_cert)
    {
      if (!create_cert (cert_path, key_path, common_name, error))
        return FALSE;
      if (created != NULL)
        *created = TRUE;
    }
  if (cert_path_out != NULL)
    *cert_path_out = g_steal_pointer (&cert_path);
  if (key_path_out != NULL)
    *key_path_out = g_steal_pointer (&key_path);
  return TRUE;
}
