/* serval-password.h: PBKDF2-SHA256 password hashes with a per-user salt. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SERVAL_PBKDF2_DEFAULT_ITERATIONS 100000
#define SERVAL_PBKDF2_SALT_LEN           16
#define SERVAL_PBKDF2_HASH_LEN           32

typedef struct
{
  guint iterations;
  guint8 salt[SERVAL_PBKDF2_SALT_LEN];
  guint8 hash[SERVAL_PBKDF2_HASH_LEN];
} ServalCredentials;

/* Makes a fresh random salt and hashes @password (@len bytes) with it. */
gboolean serval_credentials_make (ServalCredentials *cred, const guint8 *password, gsize len,
                                  guint iterations, GError **error);
/* TRUE if @password matches; the comparison takes the same time whatever
 * the bytes. Safe to call from any thread. */
gboolean serval_credentials_verify (const ServalCredentials *cred, const guint8 *password, gsize len);
/* Overwrites @cred with zeros. */
void serval_credentials_clear (ServalCredentials *cred);

G_END_DECLS
