/* serval-link-record.c: see serval-link-record.h. */
#include "config.h"

#include "serval-link-record.h"

#include <gnutls/crypto.h>
#include <string.h>

#define CONTENT_ALERT     21
#define CONTENT_HANDSHAKE 22
#define CONTENT_DATA      23
#define IV_SIZE           12
#define TAG_SIZE          16
/* Ciphertext of one record at most: plaintext, its type, padding, tag (RFC 8446, 5.2). */
#define MAX_CIPHERTEXT (SERVAL_RECORD_MAX_PLAIN + 256)

typedef struct
{
  gnutls_aead_cipher_hd_t aead;
  guint8 iv[IV_SIZE];
  guint64 seq;
  guint8 secret[SERVAL_RECORD_MAX_SECRET]; /* its traffic secret, for KeyUpdates */
} Direction;

struct _ServalRecord
{
  Direction seal, open;
  gnutls_cipher_algorithm_t cipher;
  gnutls_mac_algorithm_t hash; /* of the cipher suite, for HKDF */
  gsize secret_len;            /* 0: no secrets, no KeyUpdate */
};

#define KEY_UPDATE     24 /* the handshake message */
#define KEY_UPDATE_LEN 5  /* type, length (3), request_update */

static void
direction_clear (Direction *d)
{
  if (d->aead != NULL)
    gnutls_aead_cipher_deinit (d->aead);
  d->aead = NULL;
  memset (d->iv, 0, sizeof d->iv);
  memset (d->secret, 0, sizeof d->secret);
}

/* HKDF-Expand-Label (RFC 8446, 7.1) with an empty context. */
static gboolean
expand_label (gnutls_mac_algorithm_t hash, const guint8 *secret, gsize secret_len, const char *label, guint8 *out,
              gsize out_len)
{
  guint8 info[64];
  gsize label_len = strlen (label), n = 0;
  gnutls_datum_t key = { (guint8 *) secret, secret_len }, in;

  info[n++] = out_len >> 8;
  info[n++] = out_len & 0xff;
  info[n++] = 6 + label_len;
  memcpy (info + n, "tls13 ", 6);
  n += 6;
  memcpy (info + n, label, label_len);
  n += label_len;
  info[n++] = 0;
  in.data = info;
  in.size = n;
  return gnutls_hkdf_expand (hash, &key, &in, out, out_len) == 0;
}

/* The next generation of @d's keys (RFC 8446, 7.2), its sequence from 0. */
static gboolean
direction_update (ServalRecord *record, Direction *d)
{
  guint8 next[SERVAL_RECORD_MAX_SECRET], key_bytes[32], iv[IV_SIZE];
  gsize key_len = gnutls_cipher_get_key_size (record->cipher);
  gnutls_datum_t key = { key_bytes, key_len };
  gboolean ok;

  if (record->secret_len == 0 || key_len > sizeof key_bytes ||
      !expand_label (record->hash, d->secret, record->secret_len, "traffic upd", next, record->secret_len) ||
      !expand_label (record->hash, next, record->secret_len, "key", key_bytes, key_len) ||
      !expand_label (record->hash, next, record->secret_len, "iv", iv, IV_SIZE))
    return FALSE;
  gnutls_aead_cipher_deinit (d->aead);
  d->aead = NULL;
  ok = gnutls_aead_cipher_init (&d->aead, record->cipher, &key) == 0;
  memcpy (d->secret, next, record->secret_len);
  memcpy (d->iv, iv, IV_SIZE);
  d->seq = 0;
  memset (key_bytes, 0, sizeof key_bytes);
  memset (next, 0, sizeof next);
  return ok;
}

static gboolean
direction_set (Direction *d, gnutls_cipher_algorithm_t cipher, const gnutls_datum_t *key, const guint8 *iv,
               GError **error)
{
  int ret = gnutls_aead_cipher_init (&d->aead, cipher, key);

  if (ret < 0)
    {
      d->aead = NULL;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "cannot set up the cipher: %s",
                   gnutls_strerror (ret));
      return FALSE;
    }
  memcpy (d->iv, iv, IV_SIZE);
  d->seq = 0;
  return TRUE;
}

static gboolean
direction_init (Direction *d, gnutls_session_t session, unsigned read, GError **error)
{
  gnutls_datum_t mac = { NULL, 0 }, iv = { NULL, 0 }, key = { NULL, 0 };
  guint8 seq[8];
  int ret;

  ret = gnutls_record_get_state (session, read, &mac, &iv, &key, seq);
  if (ret < 0 || iv.size != IV_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no record state to take: %s",
                   ret < 0 ? gnutls_strerror (ret) : "unexpected IV size");
      return FALSE;
    }
  if (!direction_set (d, gnutls_cipher_get (session), &key, iv.data, error))
    return FALSE;
  for (int i = 0; i < 8; i++)
    d->seq = d->seq << 8 | seq[i];
  return TRUE;
}

/**
 * serval_record_new:
 * @session: a session whose handshake is done, with nothing decrypted and
 *   not yet read, nor ciphertext half read
 * @error: why not
 *
 * Takes the record state of both directions of @session (TLS 1.3 with
 * AES-GCM or ChaCha20-Poly1305); @session itself is not changed and must no
 * longer be used for records.
 *
 * Returns: (transfer full) (nullable): the record layer, or %NULL
 */
ServalRecord *
serval_record_new (gnutls_session_t session, const guint8 *seal_secret, const guint8 *open_secret, gsize secret_len,
                   GError **error)
{
  ServalRecord *record;
  gnutls_cipher_algorithm_t cipher = gnutls_cipher_get (session);

  if (gnutls_protocol_get_version (session) != GNUTLS_TLS1_3 ||
      (cipher != GNUTLS_CIPHER_AES_128_GCM && cipher != GNUTLS_CIPHER_AES_256_GCM &&
       cipher != GNUTLS_CIPHER_CHACHA20_POLY1305))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not TLS 1.3 with an AEAD cipher of 16-byte tags");
      return NULL;
    }
  if (gnutls_record_check_pending (session) > 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "data is pending in the session");
      return NULL;
    }
  record = g_new0 (ServalRecord, 1);
  record->cipher = cipher;
  record->hash = (gnutls_mac_algorithm_t) gnutls_prf_hash_get (session);
  if (secret_len > 0 && secret_len <= SERVAL_RECORD_MAX_SECRET &&
      secret_len == gnutls_hash_get_len ((gnutls_digest_algorithm_t) record->hash))
    {
      record->secret_len = secret_len;
      memcpy (record->seal.secret, seal_secret, secret_len);
      memcpy (record->open.secret, open_secret, secret_len);
    }
  if (!direction_init (&record->seal, session, 0, error) || !direction_init (&record->open, session, 1, error))
    {
      serval_record_free (record);
      return NULL;
    }
  return record;
}

/**
 * serval_record_new_for_keys:
 * @cipher: an AEAD cipher with 16-byte tags
 * @key: the key of both directions
 * @iv: (array fixed-size=12): the IV of both directions
 *
 * A record layer that opens what it seals, with sequence numbers from 0
 * (the fuzz target's).
 *
 * Returns: (transfer full) (nullable): the record layer, or %NULL
 */
ServalRecord *
serval_record_new_for_keys (gnutls_cipher_algorithm_t cipher, const gnutls_datum_t *key, const guint8 *iv)
{
  ServalRecord *record = g_new0 (ServalRecord, 1);

  if (!direction_set (&record->seal, cipher, key, iv, NULL) || !direction_set (&record->open, cipher, key, iv, NULL))
    {
      serval_record_free (record);
      return NULL;
    }
  return record;
}

void
serval_record_free (ServalRecord *record)
{
  if (record == NULL)
    return;
  direction_clear (&record->seal);
  direction_clear (&record->open);
  g_free (record);
}

static void
nonce (const Direction *d, guint8 out[IV_SIZE])
{
  memcpy (out, d->iv, IV_SIZE);
  for (int i = 0; i < 8; i++)
    out[IV_SIZE - 1 - i] ^= (guint8) (d->seq >> (8 * i));
}

/**
 * serval_record_size:
 * @data: received ciphertext
 * @len: its length
 *
 * Returns: the size of the record @data begins with, header included, or 0
 *   if even its header is not all there
 */
gsize
serval_record_size (const guint8 *data, gsize len)
{
  if (len < SERVAL_RECORD_HEADER)
    return 0;
  return SERVAL_RECORD_HEADER + ((gsize) data[3] << 8 | data[4]);
}

/**
 * serval_record_seal:
 * @record: the record layer
 * @type: the content type (23: application data, 21: an alert)
 * @plain: the plaintext
 * @len: its length, at most %SERVAL_RECORD_MAX_PLAIN
 * @out: the record is appended here
 */
void
serval_record_seal (ServalRecord *record, guint8 type, const guint8 *plain, gsize len, GByteArray *out)
{
  gsize ct_len = len + 1 + TAG_SIZE, old = out->len, tag_size = TAG_SIZE;
  guint8 iv[IV_SIZE], *p;
  giovec_t auth, data;

  g_return_if_fail (len <= SERVAL_RECORD_MAX_PLAIN);
  g_byte_array_set_size (out, old + SERVAL_RECORD_HEADER + ct_len);
  p = out->data + old;
  p[0] = CONTENT_DATA;
  p[1] = 3;
  p[2] = 3;
  p[3] = ct_len >> 8;
  p[4] = ct_len & 0xff;
  memcpy (p + SERVAL_RECORD_HEADER, plain, len);
  p[SERVAL_RECORD_HEADER + len] = type;
  auth.iov_base = p;
  auth.iov_len = SERVAL_RECORD_HEADER;
  data.iov_base = p + SERVAL_RECORD_HEADER;
  data.iov_len = len + 1;
  nonce (&record->seal, iv);
  /* Fails only on a programming error (sizes); the peer would then refuse the record. */
  if (gnutls_aead_cipher_encryptv2 (record->seal.aead, iv, IV_SIZE, &auth, 1, &data, 1,
                                    p + SERVAL_RECORD_HEADER + len + 1, &tag_size) < 0)
    g_warning ("Cannot seal a TLS record of %lu bytes", (unsigned long) len);
  record->seal.seq++;
}

/**
 * serval_record_answer_key_update:
 * @record: the record layer, after serval_record_open() said KEY_UPDATE
 * @out: the KeyUpdate record is appended here
 *
 * Sends a KeyUpdate (not asking for one back) under the current keys, and
 * seals what follows under the next ones.
 */
void
serval_record_answer_key_update (ServalRecord *record, GByteArray *out)
{
  static const guint8 msg[KEY_UPDATE_LEN] = { KEY_UPDATE, 0, 0, 1, 0 };

  serval_record_seal (record, CONTENT_HANDSHAKE, msg, sizeof msg, out);
  if (!direction_update (record, &record->seal))
    g_warning ("Cannot derive the next TLS keys; the peer will close the link");
}

/**
 * serval_record_open:
 * @record: the record layer
 * @rec: one whole record (serval_record_size() bytes)
 * @rec_len: its size
 * @plain: where its plaintext goes: room for @rec_len bytes
 * @plain_len: (out): the application data's length (DATA; may be 0)
 * @error: why not (ERROR)
 *
 * Returns: what the record was
 */
ServalRecordKind
serval_record_open (ServalRecord *record, const guint8 *rec, gsize rec_len, guint8 *plain, gsize *plain_len,
                    GError **error)
{
  gsize inner;
  guint8 iv[IV_SIZE], type;
  giovec_t auth, data;

  *plain_len = 0;
  if (rec_len < SERVAL_RECORD_HEADER + TAG_SIZE + 1 || rec_len - SERVAL_RECORD_HEADER > MAX_CIPHERTEXT ||
      rec[0] != CONTENT_DATA)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a TLS record that is not valid");
      return SERVAL_RECORD_ERROR;
    }
  inner = rec_len - SERVAL_RECORD_HEADER - TAG_SIZE;
  memcpy (plain, rec + SERVAL_RECORD_HEADER, inner);
  auth.iov_base = (void *) rec;
  auth.iov_len = SERVAL_RECORD_HEADER;
  data.iov_base = plain;
  data.iov_len = inner;
  nonce (&record->open, iv);
  if (gnutls_aead_cipher_decryptv2 (record->open.aead, iv, IV_SIZE, &auth, 1, &data, 1,
                                    (void *) (rec + rec_len - TAG_SIZE), TAG_SIZE) < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a TLS record that does not decrypt");
      return SERVAL_RECORD_ERROR;
    }
  record->open.seq++;
  /* The content type is the last byte that is not padding. */
  while (inner > 0 && plain[inner - 1] == 0)
    inner--;
  if (inner == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a TLS record of padding only");
      return SERVAL_RECORD_ERROR;
    }
  type = plain[--inner];
  if (type == CONTENT_DATA)
    {
      *plain_len = inner;
      return SERVAL_RECORD_DATA;
    }
  if (type == CONTENT_ALERT && inner == 2 && plain[1] == 0)
    return SERVAL_RECORD_CLOSED;
  if (type == CONTENT_HANDSHAKE && inner == KEY_UPDATE_LEN && plain[0] == KEY_UPDATE && plain[1] == 0 &&
      plain[2] == 0 && plain[3] == 1 && plain[4] <= 1)
    {
      /* The peer's next records come under its next keys. */
      if (!direction_update (record, &record->open))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "a TLS KeyUpdate that this link cannot follow: reconnect");
          return SERVAL_RECORD_ERROR;
        }
      return plain[4] == 1 ? SERVAL_RECORD_KEY_UPDATE : SERVAL_RECORD_DATA;
    }
  if (type == CONTENT_HANDSHAKE)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "a TLS handshake message after the handshake that this server does not take: reconnect");
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "a TLS alert or record of type %u", type);
  return SERVAL_RECORD_ERROR;
}
