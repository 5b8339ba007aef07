/* libFuzzer target: bytes as TLS 1.3 records received by a server's link
 * that keeps only the record state (engine/serval-link-record.c). With the
 * first byte odd, the rest is plaintext: sealed, then opened again, it must
 * come back the same (and with one bit of the record flipped, never open).
 * With it even, the rest is a stream of records from the peer: each one is
 * framed, checked and opened or refused, never read past its end. */
#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "serval-link-record.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static guint8 key_bytes[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  static const guint8 iv[12] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab };
  gnutls_datum_t key = { key_bytes, sizeof key_bytes };
  ServalRecord *record = serval_record_new_for_keys (GNUTLS_CIPHER_AES_128_GCM, &key, iv);
  GByteArray *out = g_byte_array_new ();
  guint8 *plain = g_malloc (size + 32);
  gsize got;

  g_assert_nonnull (record);
  if (size > 0 && (data[0] & 1) && size - 1 <= SERVAL_RECORD_MAX_PLAIN)
    {
      gsize len = size - 1;
      g_autoptr(GError) error = NULL;

      serval_record_seal (record, 23, data + 1, len, out);
      g_assert_cmpuint (serval_record_size (out->data, out->len), ==, out->len);
      g_assert_cmpint (serval_record_open (record, out->data, out->len, plain, &got, &error), ==, SERVAL_RECORD_DATA);
      g_assert_cmpuint (got, ==, len);
      g_assert_true (len == 0 || memcmp (plain, data + 1, len) == 0);
      /* The next record, altered: refused. */
      g_byte_array_set_size (out, 0);
      serval_record_seal (record, 23, data + 1, len, out);
      out->data[out->len - 1 - data[0] % out->len] ^= 0x10;
      g_assert_cmpint (serval_record_open (record, out->data, out->len, plain, &got, NULL), ==, SERVAL_RECORD_ERROR);
    }
  else if (size > 0)
    {
      const guint8 *p = data + 1;
      gsize left = size - 1, rec;

      while ((rec = serval_record_size (p, left)) > 0 && rec <= left)
        {
          if (serval_record_open (record, p, rec, plain, &got, NULL) == SERVAL_RECORD_DATA)
            g_assert_cmpuint (got, <, rec);
          p += rec;
          left -= rec;
        }
    }
  g_free (plain);
  g_byte_array_unref (out);
  serval_record_free (record);
  return 0;
}
