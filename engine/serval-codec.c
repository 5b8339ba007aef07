#include "config.h"

#include "serval-codec.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "constraints.h"
#include "der_encoder.h"

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-codec-error-quark, serval_codec_error)
/* clang-format on */

/* asn1c's recursion guard is off when max_stack_size is 0: always set it.
 * Our schema nests a few levels deep only. */
#define SERVAL_ASN_STACK 32768

gboolean
serval_frame_length (const guint8 *p, gsize *len, GError **error)
{
  guint32 n = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];

  if (n > SERVAL_MAX_MESSAGE)
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_TOO_BIG,
                   _("The peer announced a message of %u bytes, over the limit of %u bytes"),
                      n, SERVAL_MAX_MESSAGE);
      return FALSE;
    }
  if (n == 0)
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_MALFORMED,
                   _("The peer sent an empty message"));
      return FALSE;
    }
  *len = n;
  return TRUE;
}

/* Walks the TLV structure of @p..@end: definite, minimal lengths only,
 * constructed contents exactly filled by their children, at most
 * MAX_DER_DEPTH levels. asn1c's BER decoder accepts indefinite lengths and
 * spins forever on some malformed end-of-contents sequences; DER never has
 * them, so they are refused here before asn1c sees the bytes. */
#define MAX_DER_DEPTH 16

static gboolean
der_walk (const guint8 *p, const guint8 *end, int depth)
{
  if (depth > MAX_DER_DEPTH)
    return FALSE;
  while (p < end)
    {
      gboolean constructed = (p[0] & 0x20) != 0;
      gsize len, n;

      if ((p[0] & 0x1f) == 0x1f)
        {
          /* High tag number: at most two more bytes, minimal. */
          if (end - p < 2 || p[1] == 0x80)
            return FALSE;
          if (p[1] & 0x80)
            {
              if (end - p < 3 || (p[2] & 0x80))
                return FALSE;
              p += 3;
            }
          else
            p += 2;
        }
      else
        p++;
      if (p >= end)
        return FALSE;
      if (p[0] < 0x80)
        {
          len = p[0];
          n = 1;
        }
      else
        {
          gsize k = p[0] & 0x7f, i;

          if (k == 0 || k > 3 || (gsize) (end - p) < 1 + k || p[1] == 0)
            return FALSE; /* indefinite, too long, or not minimal */
          for (len = 0, i = 0; i < k; i++)
            len = (len << 8) | p[1 + i];
          if (len < 0x80)
            return FALSE; /* not minimal */
          n = 1 + k;
        }
      p += n;
      if ((gsize) (end - p) < len)
        return FALSE;
      if (constructed && !der_walk (p, p + len, depth + 1))
        return FALSE;
      p += len;
    }
  return TRUE;
}

/* A request, response or event of an alternative that a later version added
 * (its CHOICEs are extensible): asn1c skips it and leaves the body empty,
 * which the constraint check would refuse. Such a message is taken as it is,
 * if its id is in range, so that the message layer reads it as unknown: a
 * server then answers badRequest ("does not know that request") and a client
 * ignores the event, instead of closing the link. */
static gboolean
unknown_alternative (const Message_t *msg)
{
  switch (msg->present)
    {
    case Message_PR_request:
      return msg->choice.request.body.present == RequestBody_PR_NOTHING && msg->choice.request.id >= 0 &&
             msg->choice.request.id <= G_MAXINT32;
    case Message_PR_response:
      return msg->choice.response.body.present == ResponseBody_PR_NOTHING && msg->choice.response.id >= 0 &&
             msg->choice.response.id <= G_MAXINT32;
    case Message_PR_event:
      return msg->choice.event.present == Event_PR_NOTHING;
    default:
      return FALSE;
    }
}

Message_t *
serval_message_decode (const guint8 *body, gsize len, GError **error)
{
  asn_codec_ctx_t ctx = { .max_stack_size = SERVAL_ASN_STACK };
  Message_t *msg = NULL;
  asn_dec_rval_t rv;
  char errbuf[160];
  size_t errlen = sizeof errbuf;

  if (len > SERVAL_MAX_MESSAGE)
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_TOO_BIG,
                   _("A message of %lu bytes is over the limit of %u bytes"),
                      (gulong) len, SERVAL_MAX_MESSAGE);
      return NULL;
    }

  if (!der_walk (body, body + len, 0))
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_MALFORMED,
                   _("The message is not valid DER (indefinite or non-minimal lengths, "
                     "nesting deeper than %d, or lengths past its end)"),
                      MAX_DER_DEPTH);
      return NULL;
    }

  rv = ber_decode (&ctx, &asn_DEF_Message, (void **) &msg, body, len);
  if (rv.code != RC_OK || rv.consumed != len)
    {
      /* RC_WMORE is a truncated message: on a framed stream that is an error
       * too. A failed decode may have allocated: free it. */
      ASN_STRUCT_FREE (asn_DEF_Message, msg);
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_MALFORMED,
                   rv.code == RC_OK ? _("The message has %lu bytes after its end") : rv.code == RC_WMORE ? _("The message is truncated (%lu bytes read)") : _("The message is not valid DER (failed after %lu bytes)"), (gulong) (rv.code == RC_OK ? len - rv.consumed : (gsize) rv.consumed));
      return NULL;
    }

  if (msg->present == Message_PR_NOTHING)
    {
      ASN_STRUCT_FREE (asn_DEF_Message, msg);
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_UNKNOWN,
                   _("The peer sent a message type that protocol version %d does not know"),
                      SERVAL_PROTOCOL_VERSION);
      return NULL;
    }

  if (unknown_alternative (msg))
    return msg;

  if (asn_check_constraints (&asn_DEF_Message, msg, errbuf, &errlen) != 0)
    {
      ASN_STRUCT_FREE (asn_DEF_Message, msg);
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_INVALID,
                   _("The message breaks the protocol's limits: %s"), errbuf);
      return NULL;
    }

  return msg;
}

void
serval_message_free (Message_t *msg)
{
  if (msg != NULL)
    ASN_STRUCT_FREE (asn_DEF_Message, msg);
}

typedef struct
{
  GByteArray *out;
  guint start; /* where this message's body begins in out */
} Appender;

static int
append_cb (const void *buffer, size_t size, void *user_data)
{
  Appender *a = user_data;

  /* Only this message counts: out may hold other queued messages. */
  if (a->out->len - a->start + size > SERVAL_MAX_MESSAGE)
    return -1;
  g_byte_array_append (a->out, buffer, size);
  return 0;
}

gboolean
serval_message_encode (const Message_t *msg, GByteArray *out, GError **error)
{
  guint start = out->len;
  Appender appender;
  asn_enc_rval_t rv;
  char errbuf[160];
  size_t errlen = sizeof errbuf;
  gsize n;
  guint8 *p;

  if (asn_check_constraints (&asn_DEF_Message, msg, errbuf, &errlen) != 0)
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
                   _("Cannot send a %s message: %s"), serval_message_kind_to_string (msg), errbuf);
      return FALSE;
    }

  g_byte_array_set_size (out, start + SERVAL_LENGTH_PREFIX);
  appender.out = out;
  appender.start = start + SERVAL_LENGTH_PREFIX;
  rv = der_encode (&asn_DEF_Message, (void *) msg, append_cb, &appender);
  n = out->len - start - SERVAL_LENGTH_PREFIX;
  if (rv.encoded < 0 || n > SERVAL_MAX_MESSAGE)
    {
      g_byte_array_set_size (out, start);
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
                   _("Cannot send a %s message: it does not fit in %u bytes"),
                      serval_message_kind_to_string (msg), SERVAL_MAX_MESSAGE);
      return FALSE;
    }

  p = out->data + start;
  p[0] = n >> 24;
  p[1] = n >> 16;
  p[2] = n >> 8;
  p[3] = n;
  return TRUE;
}

/* --- data fast path -------------------------------------------------------
 *
 * Message.data is [0] (AUTOMATIC TAGS), so a data message in DER is
 *   A0 L  80 l <vlan: minimal two's complement>  81 L' <frame>
 * with definite, minimal lengths.
 */

gsize
serval_der_put_length (guint8 *p, gsize len)
{
  if (len < 0x80)
    {
      p[0] = len;
      return 1;
    }
  if (len < 0x100)
    {
      p[0] = 0x81;
      p[1] = len;
      return 2;
    }
  if (len < 0x10000)
    {
      p[0] = 0x82;
      p[1] = len >> 8;
      p[2] = len;
      return 3;
    }
  p[0] = 0x83;
  p[1] = len >> 16;
  p[2] = len >> 8;
  p[3] = len;
  return 4;
}

static gsize
der_int_size (guint32 v)
{
  if (v < 0x80)
    return 1;
  if (v < 0x8000)
    return 2;
  if (v < 0x800000)
    return 3;
  return 4;
}

static gsize
der_length_size (gsize len)
{
  return len < 0x80 ? 1 : len < 0x100 ? 2 :
                      len < 0x10000   ? 3 :
                                        4;
}

/* Offload's six INTEGERs, in order. */
static void
offload_values (const ServalOffload *off, guint32 v[6])
{
  v[0] = off->flags;
  v[1] = off->gso_type;
  v[2] = off->hdr_len;
  v[3] = off->gso_size;
  v[4] = off->csum_start;
  v[5] = off->csum_offset;
}

static guint8 *
der_put_uint (guint8 *p, guint8 tag, guint32 v)
{
  gsize isz = der_int_size (v);

  *p++ = tag;
  *p++ = isz;
  for (gsize i = isz; i > 0; i--)
    *p++ = (v >> (8 * (i - 1))) & 0xff;
  return p;
}

gsize
serval_data_header_offload (guint8 *hdr, guint32 vlan, gsize frame_len, const ServalOffload *off)
{
  gsize isz = der_int_size (vlan);
  gsize olen = 0, inner, body;
  guint8 *p = hdr + SERVAL_LENGTH_PREFIX;
  guint32 ov[6];

  g_assert (frame_len <= 65535 && vlan >= 1 && vlan <= 16777215);

  if (off != NULL)
    {
      offload_values (off, ov);
      for (int k = 0; k < 6; k++)
        olen += 2 + der_int_size (ov[k]); /* at most 30: a one-byte length */
    }
  inner = 2 + isz + (off != NULL ? 2 + olen : 0) + 1 + der_length_size (frame_len) + frame_len;
  body = 1 + der_length_size (inner) + inner;
  hdr[0] = body >> 24;
  hdr[1] = body >> 16;
  hdr[2] = body >> 8;
  hdr[3] = body;
  *p++ = 0xA0;
  p += serval_der_put_length (p, inner);
  p = der_put_uint (p, 0x80, vlan);
  if (off != NULL)
    {
      *p++ = 0xA2;
      *p++ = olen;
      for (int k = 0; k < 6; k++)
        p = der_put_uint (p, 0x80 + k, ov[k]);
    }
  *p++ = 0x81;
  p += serval_der_put_length (p, frame_len);
  g_assert ((gsize) (p - hdr) <= SERVAL_DATA_HEADER_MAX);
  return p - hdr;
}

gsize
serval_data_header (guint8 *hdr, guint32 vlan, gsize frame_len)
{
  return serval_data_header_offload (hdr, vlan, frame_len, NULL);
}

/* Reads a minimal DER definite length; returns bytes used or 0. */
static gsize
der_get_length (const guint8 *p, gsize avail, gsize *len)
{
  gsize n, i, v = 0;

  if (avail < 1)
    return 0;
  if (p[0] < 0x80)
    {
      *len = p[0];
      return 1;
    }
  n = p[0] & 0x7f;
  if (n == 0 || n > 3 || avail < 1 + n || p[1] == 0)
    return 0;
  for (i = 0; i < n; i++)
    v = (v << 8) | p[1 + i];
  if (v < 0x80 || der_length_size (v) != 1 + n)
    return 0; /* not minimal: leave it to the full decoder */
  *len = v;
  return 1 + n;
}

/* A minimal, non-negative INTEGER of at most 4 content bytes with @tag at
 * @p; returns the bytes used or 0. */
static gsize
der_get_uint (const guint8 *p, const guint8 *end, guint8 tag, guint32 *value)
{
  gsize ilen, i;
  guint32 v = 0;

  if (end - p < 3 || p[0] != tag)
    return 0;
  ilen = p[1];
  if (ilen < 1 || ilen > 4 || (gsize) (end - p) < 2 + ilen)
    return 0;
  p += 2;
  if (p[0] & 0x80)
    return 0; /* negative */
  if (ilen > 1 && p[0] == 0 && !(p[1] & 0x80))
    return 0; /* not minimal */
  for (i = 0; i < ilen; i++)
    v = (v << 8) | p[i];
  *value = v;
  return 2 + ilen;
}

/* Offload's upper bounds, in the order of offload_values(). */
static const guint32 offload_max[6] = { 255, 255, 65535, 65535, 65535, 65535 };

gboolean
serval_data_parse_offload (const guint8 *body, gsize len, guint32 *vlan, ServalOffload *off,
                           gboolean *has_offload, const guint8 **frame, gsize *frame_len)
{
  const guint8 *p = body, *end = body + len;
  gsize l, n, flen;
  guint32 v = 0;

  if (len < 2 || p[0] != 0xA0)
    return FALSE;
  p++;
  if ((n = der_get_length (p, end - p, &l)) == 0 || l != (gsize) (end - p - n))
    return FALSE;
  p += n;

  if ((n = der_get_uint (p, end, 0x80, &v)) == 0 || v < 1 || v > 16777215)
    return FALSE;
  p += n;

  *has_offload = FALSE;
  if (end - p >= 2 && p[0] == 0xA2)
    {
      const guint8 *oend;
      guint32 ov[6];

      /* Six INTEGERs of at most 5 bytes: the length is one byte. */
      if (p[1] >= 0x80 || (gsize) (end - p) < 2 + (gsize) p[1])
        return FALSE;
      oend = p + 2 + p[1];
      p += 2;
      for (int k = 0; k < 6; k++)
        {
          if ((n = der_get_uint (p, oend, 0x80 + k, &ov[k])) == 0 || ov[k] > offload_max[k])
            return FALSE;
          p += n;
        }
      if (p != oend)
        return FALSE;
      off->flags = ov[0];
      off->gso_type = ov[1];
      off->hdr_len = ov[2];
      off->gso_size = ov[3];
      off->csum_start = ov[4];
      off->csum_offset = ov[5];
      *has_offload = TRUE;
    }

  if (end - p < 2 || p[0] != 0x81)
    return FALSE;
  p++;
  if ((n = der_get_length (p, end - p, &flen)) == 0 || flen != (gsize) (end - p - n))
    return FALSE;
  p += n;
  if (flen < 14 || flen > 65535)
    return FALSE;

  *vlan = v;
  *frame = p;
  *frame_len = flen;
  return TRUE;
}

gboolean
serval_data_parse (const guint8 *body, gsize len, guint32 *vlan,
                   const guint8 **frame, gsize *frame_len)
{
  ServalOffload off;
  gboolean has_offload;

  return serval_data_parse_offload (body, len, vlan, &off, &has_offload, frame, frame_len) &&
         !has_offload;
}

void
serval_offload_from_asn (const Offload_t *in, ServalOffload *off)
{
  /* The decoder checked the ranges against the schema. */
  off->flags = in->flags;
  off->gso_type = in->gsoType;
  off->hdr_len = in->hdrLen;
  off->gso_size = in->gsoSize;
  off->csum_start = in->csumStart;
  off->csum_offset = in->csumOffset;
}

/* --- builders ------------------------------------------------------------- */

Message_t *
serval_message_new (Message_PR kind)
{
  Message_t *msg = calloc (1, sizeof *msg); /* asn1c frees with free() */

  msg->present = kind;
  return msg;
}

void
serval_asn_set_bytes (OCTET_STRING_t *s, const void *data, gsize len)
{
  OCTET_STRING_fromBuf (s, data, len);
}

void
serval_asn_set_string (OCTET_STRING_t *s, const char *str)
{
  OCTET_STRING_fromBuf (s, str != NULL ? str : "", str != NULL ? (int) strlen (str) : 0);
}

OCTET_STRING_t *
serval_asn_new_string (const char *str)
{
  OCTET_STRING_t *s;

  if (str == NULL)
    return NULL;
  s = calloc (1, sizeof *s); /* asn1c frees with free() */
  serval_asn_set_string (s, str);
  return s;
}

char *
serval_asn_dup_string (const OCTET_STRING_t *s)
{
  if (s == NULL || s->buf == NULL)
    return g_strdup ("");
  /* asn1c's UTF8String check takes the old, 6-byte UTF-8: code points past
   * U+10FFFF and surrogates get through it. Such a string, like one with a
   * NUL in it, reads as "" (an empty name, refused as such). */
  if (memchr (s->buf, 0, s->size) != NULL || !g_utf8_validate ((const char *) s->buf, s->size, NULL))
    return g_strdup ("");
  return g_strndup ((const char *) s->buf, s->size);
}

Message_t *
serval_message_new_hello (const char *node)
{
  Message_t *msg = serval_message_new (Message_PR_hello);
  Hello_t *h = &msg->choice.hello;

  h->version = SERVAL_PROTOCOL_VERSION;
  serval_asn_set_string (&h->software, "serval " PACKAGE_VERSION);
  if (node != NULL)
    {
      h->node = calloc (1, sizeof *h->node);
      serval_asn_set_string (h->node, node);
    }
  return msg;
}

void
serval_message_set_hello_offload (Message_t *msg, gboolean offload)
{
  Hello_t *h = &msg->choice.hello;

  g_return_if_fail (msg->present == Message_PR_hello);
  if (h->offload == NULL)
    h->offload = calloc (1, sizeof *h->offload);
  *h->offload = offload ? 1 : 0;
}

Message_t *
serval_message_new_ping (gboolean pong, guint32 nonce)
{
  Message_t *msg = serval_message_new (pong ? Message_PR_pong : Message_PR_ping);

  if (pong)
    msg->choice.pong.nonce = nonce;
  else
    msg->choice.ping.nonce = nonce;
  return msg;
}

void
serval_message_set_ping_interval (Message_t *msg, guint interval)
{
  Ping_t *p = msg->present == Message_PR_pong ? &msg->choice.pong : &msg->choice.ping;

  g_return_if_fail (msg->present == Message_PR_ping || msg->present == Message_PR_pong);
  g_return_if_fail (interval >= 1 && interval <= 3600);
  if (p->interval == NULL)
    p->interval = calloc (1, sizeof *p->interval);
  *p->interval = interval;
}

Message_t *
serval_message_new_request (guint32 id, RequestBody_PR kind)
{
  Message_t *msg = serval_message_new (Message_PR_request);

  msg->choice.request = (Request_t){ .id = id, .body.present = kind };
  return msg;
}

Message_t *
serval_message_new_response (guint32 id, ResponseBody_PR kind)
{
  Message_t *msg = serval_message_new (Message_PR_response);

  msg->choice.response = (Response_t){ .id = id, .body.present = kind };
  return msg;
}

void
serval_error_set (Error_t *err, long code, const char *text)
{
  g_autofree char *cut = NULL;

  err->code = code;
  /* Text is at most 512 bytes: cut long texts at a character boundary. */
  if (text != NULL && strlen (text) > 512)
    {
      const char *end = text + 509;

      while (end > text && (*end & 0xc0) == 0x80)
        end--;
      cut = g_strdup_printf ("%.*s...", (int) (end - text), text);
      text = cut;
    }
  serval_asn_set_string (&err->text, text);
}

Message_t *
serval_message_new_error (guint32 id, long code, const char *text)
{
  Message_t *msg = serval_message_new_response (id, ResponseBody_PR_error);

  serval_error_set (&msg->choice.response.body.choice.error, code, text);
  return msg;
}

Message_t *
serval_message_new_event (Event_PR kind)
{
  Message_t *msg = serval_message_new (Message_PR_event);

  msg->choice.event.present = kind;
  return msg;
}

const char *
serval_message_kind_to_string (const Message_t *msg)
{
  switch (msg->present)
    {
    case Message_PR_data: return "data";
    case Message_PR_hello: return "hello";
    case Message_PR_request: return "request";
    case Message_PR_response: return "response";
    case Message_PR_event: return "event";
    case Message_PR_ping: return "ping";
    case Message_PR_pong: return "pong";
    case Message_PR_NOTHING:
    default:
      return "unknown";
    }
}
