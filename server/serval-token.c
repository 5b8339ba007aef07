#include "config.h"

#include "serval-token.h"

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <string.h>

static void
put64 (guint8 *p, gint64 v)
{
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (guint8) (v & 0xff);
}

static gint64
get64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return (gint64) v;
}

ServalTokenStatus
serval_token_parse (const guint8 *token, gsize len, ServalTokenFields *out)
{
  gsize user_len;

  memset (out, 0, sizeof *out);
  if (token == NULL || len < 1)
    return SERVAL_TOKEN_MALFORMED;
  if (token[0] != SERVAL_TOKEN_VERSION)
    return SERVAL_TOKEN_BAD_VERSION;
  if (len < SERVAL_TOKEN_MIN_LEN || len > SERVAL_TOKEN_MAX_LEN)
    return SERVAL_TOKEN_MALFORMED;
  user_len = token[SERVAL_TOKEN_HEADER_LEN - 1];
  if (user_len < 1 || user_len > SERVAL_TOKEN_MAX_USER ||
      len != SERVAL_TOKEN_HEADER_LEN + user_len + SERVAL_TOKEN_MAC_LEN)
    return SERVAL_TOKEN_MALFORMED;
  out->version = token[0];
  out->issued = get64 (token + 1);
  out->expires = get64 (token + 9);
  out->chain = get64 (token + 17);
  out->user = token + SERVAL_TOKEN_HEADER_LEN;
  out->user_len = user_len;
  out->mac = token + SERVAL_TOKEN_HEADER_LEN + user_len;
  return SERVAL_TOKEN_OK;
}

/* MAC over @body (@len bytes) and the password record. */
static gboolean
token_mac (const guint8 key[SERVAL_TOKEN_KEY_LEN], const guint8 *body, gsize len,
           const ServalCredentials *cred, guint8 mac[SERVAL_TOKEN_MAC_LEN])
{
  guint8 buf[SERVAL_TOKEN_HEADER_LEN + SERVAL_TOKEN_MAX_USER + 4 + SERVAL_PBKDF2_SALT_LEN +
             SERVAL_PBKDF2_HASH_LEN];
  guint8 *p = buf;
  int ret;

  g_assert (len <= SERVAL_TOKEN_HEADER_LEN + SERVAL_TOKEN_MAX_USER);
  memcpy (p, body, len);
  p += len;
  p[0] = cred->iterations >> 24;
  p[1] = cred->iterations >> 16;
  p[2] = cred->iterations >> 8;
  p[3] = cred->iterations;
  p += 4;
  memcpy (p, cred->salt, sizeof cred->salt);
  p += sizeof cred->salt;
  memcpy (p, cred->hash, sizeof cred->hash);
  p += sizeof cred->hash;
  ret = gnutls_hmac_fast (GNUTLS_MAC_SHA256, key, SERVAL_TOKEN_KEY_LEN, buf, p - buf, mac);
  gnutls_memset (buf, 0, sizeof buf);
  return ret >= 0;
}

gsize
serval_token_issue (const guint8 key[SERVAL_TOKEN_KEY_LEN], const char *user,
                    const ServalCredentials *cred, gint64 now, gint64 lifetime,
                    gint64 chain, guint8 out[SERVAL_TOKEN_MAX_LEN])
{
  gsize user_len = user != NULL ? strlen (user) : 0;
  gsize body;

  if (user_len < 1 || user_len > SERVAL_TOKEN_MAX_USER)
    return 0;
  out[0] = SERVAL_TOKEN_VERSION;
  put64 (out + 1, now);
  put64 (out + 9, now + lifetime);
  put64 (out + 17, chain);
  out[SERVAL_TOKEN_HEADER_LEN - 1] = (guint8) user_len;
  memcpy (out + SERVAL_TOKEN_HEADER_LEN, user, user_len);
  body = SERVAL_TOKEN_HEADER_LEN + user_len;
  if (!token_mac (key, out, body, cred, out + body))
    return 0;
  return body + SERVAL_TOKEN_MAC_LEN;
}

ServalTokenStatus
serval_token_verify (const guint8 key[SERVAL_TOKEN_KEY_LEN], const guint8 *token, gsize len,
                     const char *user, const ServalCredentials *cred, gint64 now, gint64 max_age,
                     gint64 *chain)
{
  static const ServalCredentials nobody = { 1, { 0 }, { 0 } };
  ServalTokenFields f;
  ServalTokenStatus st = serval_token_parse (token, len, &f);
  guint8 mac[SERVAL_TOKEN_MAC_LEN];
  volatile guint8 diff = 0;
  gsize user_len = user != NULL ? strlen (user) : 0;

  if (st != SERVAL_TOKEN_OK)
    return st;
  /* Unknown users cost the same HMAC as known ones. */
  if (!token_mac (key, token, len - SERVAL_TOKEN_MAC_LEN, cred != NULL ? cred : &nobody, mac))
    return SERVAL_TOKEN_BAD_MAC;
  for (gsize i = 0; i < SERVAL_TOKEN_MAC_LEN; i++)
    diff |= mac[i] ^ f.mac[i];
  gnutls_memset (mac, 0, sizeof mac);
  if (cred == NULL)
    return SERVAL_TOKEN_NO_USER;
  if (diff != 0)
    return SERVAL_TOKEN_BAD_MAC;
  /* The MAC is ours: the fields can be believed now. */
  if (f.user_len != user_len || memcmp (f.user, user, user_len) != 0)
    return SERVAL_TOKEN_WRONG_USER;
  /* Before the expiry: a token past the maximum age is refused as such
   * even if its lifetime is over too (the client's password is needed
   * either way; the log says why). */
  if (max_age > 0 && f.chain <= now - max_age)
    return SERVAL_TOKEN_TOO_OLD;
  if (now >= f.expires)
    return SERVAL_TOKEN_EXPIRED;
  if (chain != NULL)
    *chain = f.chain;
  return SERVAL_TOKEN_OK;
}

const char *
serval_token_status_text (ServalTokenStatus status)
{
  switch (status)
    {
    case SERVAL_TOKEN_OK: return "valid";
    case SERVAL_TOKEN_MALFORMED: return "malformed";
    case SERVAL_TOKEN_BAD_VERSION: return "of an unknown version";
    case SERVAL_TOKEN_WRONG_USER: return "made for another user";
    case SERVAL_TOKEN_BAD_MAC: return "altered, from another server, or older than the user's password";
    case SERVAL_TOKEN_EXPIRED: return "expired";
    case SERVAL_TOKEN_NO_USER: return "for a user that does not exist";
    case SERVAL_TOKEN_TOO_OLD: return "past the maximum age (--token-max-age) counted from the password login that began its chain";
    }
  return "refused";
}
