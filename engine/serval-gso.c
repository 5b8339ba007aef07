#include "config.h"

#include "serval-gso.h"
#include "serval-util.h"

#include <string.h>

#define ETH_HLEN       14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define IPPROTO_TCP_   6

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

const char *
serval_gso_result_to_string (ServalGsoResult result)
{
  switch (result)
    {
    case SERVAL_GSO_OK: return "ok";
    case SERVAL_GSO_BAD_HEADERS: return "bad_headers";
    case SERVAL_GSO_BAD_METADATA: return "bad_metadata";
    case SERVAL_GSO_UNSUPPORTED: return "unsupported";
    case SERVAL_GSO_TOO_MANY: return "too_many_segments";
    case SERVAL_GSO_N_RESULTS:
    default:
      return "unknown";
    }
}

guint32
serval_csum_add (guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = sum;

  /* Big-endian 32-bit words summed in 64 bits: the same one's complement
   * sum as 16-bit words, since 2^16 = 1 modulo 2^16 - 1. */
  while (len >= 4)
    {
      guint32 w;

      memcpy (&w, data, 4);
      acc += GUINT32_FROM_BE (w);
      data += 4;
      len -= 4;
    }
  if (len >= 2)
    {
      acc += ((guint32) data[0] << 8) | data[1];
      data += 2;
      len -= 2;
    }
  if (len == 1)
    acc += (guint32) data[0] << 8;
  while (acc >> 32)
    acc = (acc & 0xffffffffu) + (acc >> 32);
  /* At most 0x1fffe: room left for more additions by the caller. */
  return (guint32) ((acc & 0xffff) + ((acc >> 16) & 0xffff));
}

guint16
serval_csum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

gboolean
serval_offload_needs_work (const ServalOffload *off)
{
  return off != NULL &&
         ((off->gso_type & ~SERVAL_GSO_ECN) != SERVAL_GSO_NONE || (off->flags & SERVAL_OFFLOAD_NEEDS_CSUM));
}

ServalGsoResult
serval_offload_check (const ServalOffload *off, gsize len)
{
  guint type;

  if (off == NULL)
    return SERVAL_GSO_OK;
  if (off->flags & ~(SERVAL_OFFLOAD_NEEDS_CSUM | SERVAL_OFFLOAD_DATA_VALID))
    return SERVAL_GSO_BAD_METADATA;
  if ((off->flags & SERVAL_OFFLOAD_NEEDS_CSUM) &&
      ((gsize) off->csum_start + off->csum_offset + 2 > len || off->csum_start < ETH_HLEN))
    return SERVAL_GSO_BAD_METADATA;
  type = off->gso_type & ~SERVAL_GSO_ECN;
  if (type == SERVAL_GSO_NONE)
    return (off->gso_type & SERVAL_GSO_ECN) ? SERVAL_GSO_BAD_METADATA : SERVAL_GSO_OK;
  if (type != SERVAL_GSO_TCPV4 && type != SERVAL_GSO_TCPV6 && type != SERVAL_GSO_UDP &&
      type != SERVAL_GSO_UDP_L4)
    return SERVAL_GSO_UNSUPPORTED;
  /* GSO frames always carry a partial checksum, as Linux makes them. */
  if (off->gso_size == 0 || off->hdr_len > len || !(off->flags & SERVAL_OFFLOAD_NEEDS_CSUM))
    return SERVAL_GSO_BAD_METADATA;
  return SERVAL_GSO_OK;
}

/* Completes the partial checksum of a frame without GSO. */
static ServalGsoResult
complete_csum (const guint8 *frame, gsize len, const ServalOffload *off, guint8 *scratch,
               ServalGsoFunc func, gpointer user_data)
{
  guint16 c;

  memcpy (scratch, frame, len);
  /* The field holds the pseudo-header sum: summing over it adds it in. */
  c = ~serval_csum_fold (serval_csum_add (0, scratch + off->csum_start, len - off->csum_start));
  serval_put_be16 (scratch + off->csum_start + off->csum_offset, c == 0 ? 0xffff : c);
  func (scratch, len, user_data);
  return SERVAL_GSO_OK;
}

/* Ethernet header length with up to two VLAN tags, and the ethertype. */
static gboolean
parse_ethernet (const guint8 *frame, gsize len, gsize *l3, guint16 *type)
{
  gsize o = 12;

  for (int i = 0; i < 3; i++)
    {
      guint16 t;

      if (len < o + 2)
        return FALSE;
      t = serval_get_be16 (frame + o);
      if ((t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ) && i < 2)
        {
          o += 4;
          continue;
        }
      *type = t;
      *l3 = o + 2;
      return TRUE;
    }
  return FALSE;
}

/* Where the headers of a TCP frame to segment end. */
typedef struct
{
  gboolean v4;
  gsize l3, l4, hlen; /* IP header, TCP header, payload offsets */
  guint16 ip_id;
} TcpHeaders;

/* Parses the headers ourselves: hdr_len is a hint only. */
static ServalGsoResult
parse_tcp (const guint8 *frame, gsize len, const ServalOffload *off, TcpHeaders *h)
{
  guint16 ethertype;

  h->v4 = (off->gso_type & ~SERVAL_GSO_ECN) == SERVAL_GSO_TCPV4;
  if (!parse_ethernet (frame, len, &h->l3, &ethertype))
    return SERVAL_GSO_BAD_HEADERS;
  if (h->v4)
    {
      gsize ihl;

      if (ethertype != ETHERTYPE_IPV4 || len < h->l3 + 20 || (frame[h->l3] >> 4) != 4)
        return SERVAL_GSO_BAD_HEADERS;
      ihl = (gsize) (frame[h->l3] & 0x0f) * 4;
      if (ihl < 20 || len < h->l3 + ihl)
        return SERVAL_GSO_BAD_HEADERS;
      if (frame[h->l3 + 9] != IPPROTO_TCP_)
        return SERVAL_GSO_UNSUPPORTED;
      if (serval_get_be16 (frame + h->l3 + 6) & 0x3fff)
        return SERVAL_GSO_BAD_HEADERS; /* a fragment cannot be segmented */
      h->ip_id = serval_get_be16 (frame + h->l3 + 4);
      h->l4 = h->l3 + ihl;
    }
  else
    {
      if (ethertype != ETHERTYPE_IPV6 || len < h->l3 + 40 || (frame[h->l3] >> 4) != 6)
        return SERVAL_GSO_BAD_HEADERS;
      if (frame[h->l3 + 6] != IPPROTO_TCP_)
        return SERVAL_GSO_UNSUPPORTED; /* extension headers */
      h->ip_id = 0;
      h->l4 = h->l3 + 40;
    }
  if (len < h->l4 + 20)
    return SERVAL_GSO_BAD_HEADERS;
  h->hlen = h->l4 + (gsize) (frame[h->l4 + 12] >> 4) * 4;
  if (h->hlen < h->l4 + 20 || h->hlen > len)
    return SERVAL_GSO_BAD_HEADERS;
  if (off->csum_start != h->l4 || off->csum_offset != 16)
    return SERVAL_GSO_BAD_METADATA;
  return SERVAL_GSO_OK;
}

/* Cuts the payload after @h into @nseg segments of @mss bytes (the last
 * shorter), each with its own lengths, IPv4 id, sequence number, flags and
 * checksums, passed to @func from @scratch. */
static void
emit_segments (const guint8 *frame, gsize len, const TcpHeaders *h, gsize mss, guint nseg,
               guint8 *scratch, ServalGsoFunc func, gpointer user_data)
{
  gsize payload = len - h->hlen;
  guint32 seq = serval_get_be32 (frame + h->l4 + 4), pseudo;
  guint8 tcp_flags = frame[h->l4 + 13];

  /* Pseudo-header sum without the length, which changes per segment. */
  if (h->v4)
    pseudo = serval_csum_add (0, frame + h->l3 + 12, 8) + IPPROTO_TCP_;
  else
    pseudo = serval_csum_add (0, frame + h->l3 + 8, 32) + IPPROTO_TCP_;

  for (guint i = 0; i < nseg; i++)
    {
      gsize off_p = (gsize) i * mss;
      gsize chunk = MIN (mss, payload - off_p);
      gsize seglen = h->hlen + chunk;
      gsize tcplen = seglen - h->l4;
      guint8 *tcp = scratch + h->l4;
      guint8 flags = tcp_flags;
      guint32 sum;

      memcpy (scratch, frame, h->hlen);
      memcpy (scratch + h->hlen, frame + h->hlen + off_p, chunk);
      if (i + 1 < nseg)
        flags &= ~(TCP_FIN | TCP_PSH);
      if (i > 0)
        flags &= ~TCP_CWR;
      if (h->v4)
        {
          guint8 *ip = scratch + h->l3;

          serval_put_be16 (ip + 2, (guint16) (seglen - h->l3));
          serval_put_be16 (ip + 4, (guint16) (h->ip_id + i));
          serval_put_be16 (ip + 10, 0);
          serval_put_be16 (ip + 10, ~serval_csum_fold (serval_csum_add (0, ip, h->l4 - h->l3)));
        }
      else
        serval_put_be16 (scratch + h->l3 + 4, (guint16) (seglen - h->l3 - 40));
      serval_put_be32 (tcp + 4, seq + (guint32) off_p);
      tcp[13] = flags;
      serval_put_be16 (tcp + 16, 0);
      sum = serval_csum_add (pseudo + (guint32) tcplen, tcp, tcplen);
      serval_put_be16 (tcp + 16, ~serval_csum_fold (sum));
      func (scratch, seglen, user_data);
    }
}

ServalGsoResult
serval_gso_segment (const guint8 *frame, gsize len, const ServalOffload *off, guint8 *scratch,
                    ServalGsoFunc func, gpointer user_data, guint *nframes)
{
  ServalGsoResult r;
  TcpHeaders h;
  guint type, nseg;
  gsize payload, mss;

  if (nframes != NULL)
    *nframes = 0;
  if (len < ETH_HLEN || len > SERVAL_GSO_SCRATCH - 64)
    return SERVAL_GSO_BAD_HEADERS;
  if ((r = serval_offload_check (off, len)) != SERVAL_GSO_OK)
    return r;
  if (!serval_offload_needs_work (off))
    {
      func (frame, len, user_data);
      if (nframes != NULL)
        *nframes = 1;
      return SERVAL_GSO_OK;
    }
  type = off->gso_type & ~SERVAL_GSO_ECN;
  if (type == SERVAL_GSO_NONE)
    {
      if (nframes != NULL)
        *nframes = 1;
      return complete_csum (frame, len, off, scratch, func, user_data);
    }
  if (type != SERVAL_GSO_TCPV4 && type != SERVAL_GSO_TCPV6)
    return SERVAL_GSO_UNSUPPORTED; /* UFO/USO: never enabled on our TAP devices */
  if ((r = parse_tcp (frame, len, off, &h)) != SERVAL_GSO_OK)
    return r;

  mss = off->gso_size;
  payload = len - h.hlen;
  nseg = payload == 0 ? 1 : (guint) ((payload + mss - 1) / mss);
  if (nseg > SERVAL_GSO_MAX_SEGMENTS)
    return SERVAL_GSO_TOO_MANY;
  emit_segments (frame, len, &h, mss, nseg, scratch, func, user_data);
  if (nframes != NULL)
    *nframes = nseg;
  return SERVAL_GSO_OK;
}

typedef struct
{
  const ServalFrame *whole;
  ServalFrameFunc func;
  gpointer user_data;
} Deliver;

static void
deliver_plain_cb (const guint8 *data, gsize len, gpointer user_data)
{
  Deliver *d = user_data;
  ServalFrame plain = { data, len, d->whole->vlan, NULL };

  d->func (&plain, d->user_data);
}

ServalGsoResult
serval_frame_deliver (const ServalFrame *frame, gboolean takes_offload, guint8 **scratch,
                      ServalFrameFunc func, gpointer user_data, guint *n_frames)
{
  Deliver d = { frame, func, user_data };

  if (!serval_offload_needs_work (frame->offload))
    {
      ServalFrame plain = { frame->data, frame->len, frame->vlan, NULL };

      func (&plain, user_data);
    }
  else if (takes_offload)
    func (frame, user_data);
  else
    {
      if (*scratch == NULL)
        *scratch = g_malloc (SERVAL_GSO_SCRATCH);
      return serval_gso_segment (frame->data, frame->len, frame->offload, *scratch, deliver_plain_cb, &d,
                                 n_frames);
    }
  if (n_frames != NULL)
    *n_frames = 1;
  return SERVAL_GSO_OK;
}
