/* serval-codec.h: Serval messages <-> bytes.
 *
 * Every message on a stream is a 4-byte big-endian length followed by the
 * DER encoding of a Message (engine/proto/serval.asn1). Management messages
 * go through asn1c; data frames have a fast path that reads and writes the
 * same DER bytes without allocating.
 */
#pragma once

#include <glib.h>
#include "Message.h"
#include "serval-frame.h"

G_BEGIN_DECLS

#define SERVAL_PROTOCOL_VERSION 2
/* Largest message body accepted on a stream (the length prefix excluded). */
#define SERVAL_MAX_MESSAGE   (1024 * 1024)
#define SERVAL_LENGTH_PREFIX 4
/* Bytes in front of a frame on the wire, at most: the prefix (4), A0 and a
 * 4-byte length (5), the tag 80 04 + 4 bytes (6), the offload A2 1E + six
 * INTEGERs of at most 5 bytes (32), 81 and a 3-byte length (4): 51. */
#define SERVAL_DATA_HEADER_MAX (SERVAL_LENGTH_PREFIX + 47)

#define SERVAL_CODEC_ERROR (serval_codec_error_quark ())
GQuark serval_codec_error_quark (void);

typedef enum
{
  SERVAL_CODEC_ERROR_TOO_BIG,   /* a length over SERVAL_MAX_MESSAGE */
  SERVAL_CODEC_ERROR_MALFORMED, /* not a DER Message, or trailing bytes */
  SERVAL_CODEC_ERROR_INVALID,   /* decodes, but breaks a constraint (sizes, UTF-8) */
  SERVAL_CODEC_ERROR_UNKNOWN,   /* a message type this version does not know */
  SERVAL_CODEC_ERROR_ENCODE,    /* cannot encode: a value out of range */
} ServalCodecError;

/* Decodes one message body of @len bytes (without its length prefix).
 * Returns (transfer full) a message to free with serval_message_free(), or
 * NULL with @error set; nothing is leaked on any failure. */
Message_t *serval_message_decode (const guint8 *body, gsize len, GError **error);
void serval_message_free (Message_t *msg);

/* Appends the length prefix and the DER encoding of @msg to @out. On
 * failure @out is left as it was. */
gboolean serval_message_encode (const Message_t *msg, GByteArray *out, GError **error);
/* Writes DER's definite length @len (below 2^24) at @p: 1 to 4 bytes, how
 * many it returns. */
gsize serval_der_put_length (guint8 *p, gsize len);
/* (serval-message-fanout.c) Appends to @out, length prefix first, the message
 * @tmpl (@tmpl_len bytes of DER, no prefix) with the @n elements @elems (DER
 * each) in place of its @elem_len bytes at @elem_off: the one element of a
 * SEQUENCE OF. Byte for byte what serval_message_encode() makes of the same
 * message with those elements. FALSE (@out unchanged) if @tmpl does not hold
 * an element there or the message does not fit in SERVAL_MAX_MESSAGE. */
gboolean serval_message_encode_spliced (GByteArray *out, const guint8 *tmpl, gsize tmpl_len, gsize elem_off,
                                        gsize elem_len, GBytes *const *elems, guint n, GError **error);

/* Reads the 4-byte length prefix at @p; FALSE (with @error) if over the limit. */
gboolean serval_frame_length (const guint8 *p, gsize *len, GError **error);

/* Data fast path. Writes the length prefix and DER header of a DataFrame
 * message carrying a @frame_len-byte frame into @hdr (at least
 * SERVAL_DATA_HEADER_MAX bytes); the frame's bytes follow it on the wire.
 * Returns the header's size. */
gsize serval_data_header (guint8 *hdr, guint32 vlan, gsize frame_len);
/* The same with DataFrame.offload when @off is not NULL. */
gsize serval_data_header_offload (guint8 *hdr, guint32 vlan, gsize frame_len,
                                  const ServalOffload *off);
/* If @body (@len bytes, no prefix) is exactly the DER of a valid DataFrame
 * message without offload, sets @vlan and points @frame into @body and
 * returns TRUE. FALSE means "not a well-formed plain data message": try
 * serval_data_parse_offload() or decode it in full. */
gboolean serval_data_parse (const guint8 *body, gsize len, guint32 *vlan,
                            const guint8 **frame, gsize *frame_len);
/* Like serval_data_parse() for both forms: *@has_offload says whether the
 * message carried DataFrame.offload, then copied to @off. */
gboolean serval_data_parse_offload (const guint8 *body, gsize len, guint32 *vlan,
                                    ServalOffload *off, gboolean *has_offload,
                                    const guint8 **frame, gsize *frame_len);
/* DataFrame.offload of a fully decoded message, to @off. */
void serval_offload_from_asn (const Offload_t *in, ServalOffload *off);

/* asn1c-level helpers: the message layer (serval-message.h) builds on them,
 * the link sends pings with them, the codec's tests use them. Session code
 * uses serval-message.h instead. */
Message_t *serval_message_new (Message_PR kind);
Message_t *serval_message_new_hello (const char *node);
/* Sets Hello.offload (a hello message built above). */
void serval_message_set_hello_offload (Message_t *msg, gboolean offload);
Message_t *serval_message_new_ping (gboolean pong, guint32 nonce);
/* Sets Ping.interval (a ping or pong built above): the seconds between
 * pings a server wants now, only to a client whose Hello says it reads it. */
void serval_message_set_ping_interval (Message_t *msg, guint interval);
Message_t *serval_message_new_request (guint32 id, RequestBody_PR kind);
Message_t *serval_message_new_response (guint32 id, ResponseBody_PR kind);
Message_t *serval_message_new_error (guint32 id, long code, const char *text);
Message_t *serval_message_new_event (Event_PR kind);
void serval_error_set (Error_t *err, long code, const char *text);

/* Strings: asn1c keeps UTF8String as (buf, size) without a terminator. */
void serval_asn_set_string (OCTET_STRING_t *s, const char *str);
void serval_asn_set_bytes (OCTET_STRING_t *s, const void *data, gsize len);
/* A new string of @str for an OPTIONAL field (asn1c frees it with free());
 * %NULL for %NULL: the field absent. */
OCTET_STRING_t *serval_asn_new_string (const char *str);
/* A NUL-terminated copy; strings with an embedded NUL, or that are not
 * UTF-8 as Unicode has it (asn1c takes more), come back empty. */
char *serval_asn_dup_string (const OCTET_STRING_t *s);

const char *serval_message_kind_to_string (const Message_t *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Message_t, serval_message_free)

G_END_DECLS
