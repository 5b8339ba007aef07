/* serval-token.h: resume tokens, so that a client that logged in once with
 * its password can log in again (after a server restart or a network blip)
 * without the server running PBKDF2 again.
 *
 * A token is opaque to the client. Its bytes (version 2):
 *
 *   version   1 octet, 2
 *   issued    8 octets, big endian, Unix seconds
 *   expires   8 octets, big endian, Unix seconds
 *   chain     8 octets, big endian, Unix seconds: when the password login
 *             that began this chain of tokens happened (each token login
 *             gets a new token with the same chain)
 *   user_len  1 octet, 1..64
 *   user      user_len octets, the user name (UTF-8)
 *   mac       32 octets, HMAC-SHA256 with the server's token key over
 *             everything above, followed by the user's current password
 *             record (iterations as 4 octets big endian, salt, hash)
 *
 * so 59 to 122 octets. Binding the MAC to the password record means that a
 * new password (new salt) or deleting the user (no record) revokes every
 * token of that user. The lifetime slides (each use gives a new token);
 * the chain start does not, so a maximum age counted from it bounds how
 * long a stolen token can be kept alive by using it. Version 1 had no
 * chain start and is refused (SERVAL_TOKEN_BAD_VERSION): clients then log
 * in with their password. The key lives in the store, so tokens survive a
 * restart and every node that shares the store accepts them.
 */
#pragma once

#include <glib.h>
#include "serval-password.h"

G_BEGIN_DECLS

#define SERVAL_TOKEN_VERSION          2
#define SERVAL_TOKEN_KEY_LEN          32
#define SERVAL_TOKEN_MAC_LEN          32
#define SERVAL_TOKEN_MAX_USER         64
#define SERVAL_TOKEN_HEADER_LEN       (1 + 8 + 8 + 8 + 1)
#define SERVAL_TOKEN_MIN_LEN          (SERVAL_TOKEN_HEADER_LEN + 1 + SERVAL_TOKEN_MAC_LEN)
#define SERVAL_TOKEN_MAX_LEN          (SERVAL_TOKEN_HEADER_LEN + SERVAL_TOKEN_MAX_USER + SERVAL_TOKEN_MAC_LEN)
#define SERVAL_TOKEN_DEFAULT_LIFETIME (7 * 24 * 3600)
#define SERVAL_TOKEN_DEFAULT_MAX_AGE  (90 * 24 * 3600)

typedef enum
{
  SERVAL_TOKEN_OK,
  SERVAL_TOKEN_MALFORMED,   /* too short or long, or its lengths disagree */
  SERVAL_TOKEN_BAD_VERSION, /* made by another version of the format */
  SERVAL_TOKEN_WRONG_USER,  /* made for another user than the one logging in */
  SERVAL_TOKEN_BAD_MAC,     /* altered, made with another key, or the password changed */
  SERVAL_TOKEN_EXPIRED,
  SERVAL_TOKEN_NO_USER, /* the user does not exist (any more) */
  SERVAL_TOKEN_TOO_OLD, /* its chain began longer ago than the maximum age */
} ServalTokenStatus;

typedef struct
{
  guint8 version;
  gint64 issued;
  gint64 expires;
  gint64 chain;       /* the password login that began the chain */
  const guint8 *user; /* points into the token; not NUL-terminated */
  gsize user_len;
  const guint8 *mac; /* points into the token */
} ServalTokenFields;

/* Splits @token into its fields without checking the MAC. Returns
 * SERVAL_TOKEN_OK, SERVAL_TOKEN_MALFORMED or SERVAL_TOKEN_BAD_VERSION. */
ServalTokenStatus serval_token_parse (const guint8 *token, gsize len, ServalTokenFields *out);

/* Writes a token for @user (1..64 bytes) bound to @cred into @out, valid
 * from @now for @lifetime seconds, in the chain begun by a password login
 * at @chain (@now after a password login; the presented token's chain
 * after a token login); returns its length, or 0 if @user does not fit. */
gsize serval_token_issue (const guint8 key[SERVAL_TOKEN_KEY_LEN], const char *user,
                          const ServalCredentials *cred, gint64 now, gint64 lifetime,
                          gint64 chain, guint8 out[SERVAL_TOKEN_MAX_LEN]);

/* Checks @token for a login as @user whose password record is @cred (NULL
 * if there is no such user: the same work is done, and SERVAL_TOKEN_NO_USER
 * returned) at @now. A token whose chain began @max_age seconds or more
 * before @now is SERVAL_TOKEN_TOO_OLD, whatever its expiry (0: no maximum
 * age). The MAC is compared in constant time, before any other field is
 * believed. On SERVAL_TOKEN_OK, *@chain (if not NULL) is the token's chain
 * start, for the next token. */
ServalTokenStatus serval_token_verify (const guint8 key[SERVAL_TOKEN_KEY_LEN], const guint8 *token,
                                       gsize len, const char *user, const ServalCredentials *cred,
                                       gint64 now, gint64 max_age, gint64 *chain);

/* A sentence for logs. */
const char *serval_token_status_text (ServalTokenStatus status);

G_END_DECLS
