/* serval-link-record.h: the TLS 1.3 record layer of a server's link once its
 * handshake is done, without the GnuTLS session.
 *
 * A GnuTLS session costs about 9.5 KiB for as long as it lives (7.5 KiB of
 * gnutls_init() and ~2 KiB the handshake leaves), most of a server's memory
 * per idle client (issue 17). After the handshake a server's link needs only
 * the traffic keys, IVs and sequence numbers of both directions: it takes
 * them (gnutls_record_get_state(), as kernel TLS offload does), seals and
 * opens application data records with two AEAD contexts, and frees the
 * session. It follows the client's KeyUpdates (GnuTLS sends one every 2^24
 * records) with the traffic secrets it kept (RFC 8446, 7.2), and answers
 * one that asks for it; anything else it cannot do without the session it
 * refuses by closing the link: other handshake messages, alerts other than
 * close_notify. Functions are documented where they are defined.
 */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>

#include "serval-tls.h"

G_BEGIN_DECLS

/* The largest plaintext of one record (RFC 8446, 5.1). */
#define SERVAL_RECORD_MAX_PLAIN 16384
/* A record's header. */
#define SERVAL_RECORD_HEADER 5
/* The longest traffic secret (SHA-384). */
#define SERVAL_RECORD_MAX_SECRET 48

typedef struct _ServalRecord ServalRecord;

typedef enum
{
  SERVAL_RECORD_DATA,       /* application data, in the plaintext given back */
  SERVAL_RECORD_CLOSED,     /* the peer's close_notify */
  SERVAL_RECORD_KEY_UPDATE, /* the peer asks for a KeyUpdate back: serval_record_answer_key_update() */
  SERVAL_RECORD_ERROR,      /* anything else: close the link */
} ServalRecordKind;

ServalRecord *serval_record_new (gnutls_session_t session, const guint8 *seal_secret, const guint8 *open_secret,
                                 gsize secret_len, GError **error);
void serval_record_answer_key_update (ServalRecord *record, GByteArray *out);
ServalRecord *serval_record_new_for_keys (gnutls_cipher_algorithm_t cipher, const gnutls_datum_t *key,
                                          const guint8 *iv);
void serval_record_free (ServalRecord *record);
gsize serval_record_size (const guint8 *data, gsize len);
void serval_record_seal (ServalRecord *record, guint8 type, const guint8 *plain, gsize len, GByteArray *out);
/* serval-tls.c */
ServalRecord *serval_tls_session_take_records (ServalTlsSession *session);

ServalRecordKind serval_record_open (ServalRecord *record, const guint8 *rec, gsize rec_len, guint8 *plain,
                                     gsize *plain_len, GError **error);

G_END_DECLS
