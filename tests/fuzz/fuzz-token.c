/* libFuzzer target: bytes as a resume token presented by a client logging
 * in as "alice" (server/serval-token.c). Nothing but a token this key made
 * for alice may pass, and whatever passes must be exactly what the server
 * would have issued. The input is also used as a user name to issue and
 * check a fresh token. */
#include "config.h"

#include <string.h>

#include "serval-token.h"

#define NOW     G_GINT64_CONSTANT (1764000000)
#define MAX_AGE (90 * 24 * 3600)

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Must match tests/fuzz/make-corpus.py. */
static const guint8 key[SERVAL_TOKEN_KEY_LEN] = {
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  17,
  18,
  19,
  20,
  21,
  22,
  23,
  24,
  25,
  26,
  27,
  28,
  29,
  30,
  31,
};

static void
fill_cred (ServalCredentials *cred)
{
  cred->iterations = 1000;
  memset (cred->salt, 0x11, sizeof cred->salt);
  memset (cred->hash, 0x22, sizeof cred->hash);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  ServalCredentials cred;
  ServalTokenFields f;
  ServalTokenStatus parsed, st;
  guint8 tok[SERVAL_TOKEN_MAX_LEN];
  gint64 chain = -1, aged_chain = -1;

  fill_cred (&cred);
  parsed = serval_token_parse (data, size, &f);
  st = serval_token_verify (key, data, size, "alice", &cred, NOW, 0, &chain);
  if (parsed == SERVAL_TOKEN_OK)
    {
      g_assert_cmpuint (f.user_len, >=, 1);
      g_assert_cmpuint (f.user_len, <=, SERVAL_TOKEN_MAX_USER);
      g_assert_cmpuint (size, ==, SERVAL_TOKEN_HEADER_LEN + f.user_len + SERVAL_TOKEN_MAC_LEN);
      g_assert_true (f.user == data + SERVAL_TOKEN_HEADER_LEN);
      g_assert_true (f.mac == data + size - SERVAL_TOKEN_MAC_LEN);
    }
  else
    g_assert_cmpint (st, ==, parsed);
  /* No user record: never accepted. */
  g_assert_cmpint (serval_token_verify (key, data, size, "alice", NULL, NOW, 0, NULL), !=, SERVAL_TOKEN_OK);
  /* A maximum age refuses more, never less, and only for that reason. */
  {
    ServalTokenStatus aged = serval_token_verify (key, data, size, "alice", &cred, NOW, MAX_AGE, &aged_chain);

    if (aged == SERVAL_TOKEN_OK)
      g_assert_cmpint (st, ==, SERVAL_TOKEN_OK);
    if (st != SERVAL_TOKEN_OK && st != SERVAL_TOKEN_EXPIRED)
      g_assert_cmpint (aged, ==, st);
    if (aged == SERVAL_TOKEN_TOO_OLD)
      g_assert_cmpint (f.chain, <=, NOW - MAX_AGE);
    else if (aged == SERVAL_TOKEN_OK)
      g_assert_cmpint (aged_chain, ==, f.chain);
  }
  if (st == SERVAL_TOKEN_OK)
    {
      gsize len = serval_token_issue (key, "alice", &cred, f.issued, f.expires - f.issued, f.chain, tok);

      g_assert_true (NOW < f.expires);
      g_assert_cmpint (chain, ==, f.chain);
      g_assert_cmpmem (tok, len, data, size);
    }

  /* The input as a user name: its fresh token passes for it, and only it. */
  if (size >= 1 && size <= SERVAL_TOKEN_MAX_USER && memchr (data, 0, size) == NULL)
    {
      g_autofree char *user = g_strndup ((const char *) data, size);
      gsize len = serval_token_issue (key, user, &cred, NOW, 3600, NOW - 100, tok);

      g_assert_cmpuint (len, ==, SERVAL_TOKEN_HEADER_LEN + size + SERVAL_TOKEN_MAC_LEN);
      g_assert_cmpint (serval_token_verify (key, tok, len, user, &cred, NOW, MAX_AGE, &chain), ==, SERVAL_TOKEN_OK);
      g_assert_cmpint (chain, ==, NOW - 100);
      g_assert_cmpint (serval_token_verify (key, tok, len, user, &cred, NOW + 3600, 0, NULL), ==, SERVAL_TOKEN_EXPIRED);
      g_assert_cmpint (serval_token_verify (key, tok, len, user, &cred, NOW, 100, NULL), ==, SERVAL_TOKEN_TOO_OLD);
      if (strcmp (user, "alice") != 0)
        g_assert_cmpint (serval_token_verify (key, tok, len, "alice", &cred, NOW, 0, NULL), ==,
                         SERVAL_TOKEN_WRONG_USER);
    }
  return 0;
}
