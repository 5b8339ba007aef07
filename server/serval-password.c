#include "config.h"

#include "serval-password.h"

#include <gio/gio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <string.h>

gboolean
serval_credentials_make (ServalCredentials *cred, const guint8 *password, gsize len,
                         guint iterations, GError **error)
{
  gnutls_datum_t key = { (unsigned char *) password, len };
  gnutls_datum_t salt;
  int ret;

  memset (cred, 0, sizeof *cred);
  cred->iterations = MAX (iterations, 1);
  if ((ret = gnutls_rnd (GNUTLS_RND_RANDOM, cred->salt, sizeof cred->salt)) < 0)
    goto fail;
  salt.data = cred->salt;
  salt.size = sizeof cred->salt;
  if ((ret = gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt, cred->iterations,
                            cred->hash, sizeof cred->hash)) < 0)
    goto fail;
  return TRUE;

fail:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot hash the password: %s",
               gnutls_strerror (ret));
  return FALSE;
}

gboolean
serval_credentials_verify (const ServalCredentials *cred, const guint8 *password, gsize len)
{
  gnutls_datum_t key = { (unsigned char *) password, len };
  gnutls_datum_t salt = { (unsigned char *) cred->salt, sizeof cred->salt };
  guint8 hash[SERVAL_PBKDF2_HASH_LEN];
  volatile guint8 diff = 0;

  if (gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt, cred->iterations, hash, sizeof hash) < 0)
    return FALSE;
  /* Constant time: look at every byte whatever the first difference. */
  for (gsize i = 0; i < sizeof hash; i++)
    diff |= hash[i] ^ cred->hash[i];
  memset (hash, 0, sizeof hash);
  return diff == 0;
}

void
serval_credentials_clear (ServalCredentials *cred)
{
  volatile guint8 *p = (volatile guint8 *) cred;

  for (gsize i = 0; i < sizeof *cred; i++)
    p[i] = 0;
}
