/* Unit tests of engine/serval-gso.c (software segmentation, checksum
 * completion) and of DataFrame.offload in the codec. Frames are built here
 * the way Linux hands them out of a TAP device with TSO, and every segment
 * is checked with a checksum computed independently (a plain 16-bit loop)
 * and by reassembling the payload. */
#define _GNU_SOURCE /* memmem */
#include "config.h"

#include <string.h>

#include "serval-codec.h"
#include "serval-gso.h"

/* --- an independent Internet checksum -------------------------------------- */

static guint32
ref_sum (guint32 sum, const guint8 *p, gsize n)
{
  for (gsize i = 0; i + 1 < n; i += 2)
    sum += (p[i] << 8) | p[i + 1];
  if (n & 1)
    sum += p[n - 1] << 8;
  return sum;
}

static guint16
ref_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/* TRUE if the L4 checksum of the segment (IPv4 or IPv6, TCP or UDP) is right. */
static gboolean
l4_csum_ok (const guint8 *f, gsize len, gsize l3, gsize l4, gboolean v6, guint8 proto)
{
  guint32 sum = 0;
  gsize l4len = len - l4;

  if (v6)
    sum = ref_sum (sum, f + l3 + 8, 32);
  else
    sum = ref_sum (sum, f + l3 + 12, 8);
  sum += proto + l4len;
  sum = ref_sum (sum, f + l4, l4len);
  return ref_fold (sum) == 0xffff;
}

static gboolean
ip4_csum_ok (const guint8 *ip)
{
  return ref_fold (ref_sum (0, ip, (ip[0] & 15) * 4)) == 0xffff;
}

/* --- frame builders ---------------------------------------------------------- */

typedef struct
{
  guint8 buf[65600];
  gsize len, l3, l4, hlen;
  ServalOffload off;
  gsize payload;
} Frame;

static void
fill_payload (guint8 *p, gsize n, guint32 seed)
{
  for (gsize i = 0; i < n; i++)
    {
      seed = seed * 1103515245 + 12345;
      p[i] = seed >> 16;
    }
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static guint16
get16 (const guint8 *p)
{
  return (p[0] << 8) | p[1];
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

/* Ethernet (with @vlan_tag an 802.1Q tag), IPv4 with @ip_opts bytes of
 * options or IPv6, TCP with @tcp_opts bytes of options, @payload bytes:
 * as a TAP device with TSO hands it out. */
static void
build_tcp (Frame *f, gboolean v6, gboolean vlan_tag, gsize ip_opts, gsize tcp_opts, gsize payload,
           guint16 mss, guint8 tcp_flags)
{
  guint8 *p = f->buf;
  gsize o = 12;
  guint32 pseudo;

  memset (f, 0, sizeof *f);
  memcpy (p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
  if (vlan_tag)
    {
      put16 (p + 12, 0x8100);
      put16 (p + 14, 7);
      o = 16;
    }
  put16 (p + o, v6 ? 0x86dd : 0x0800);
  f->l3 = o + 2;
  if (v6)
    {
      f->l4 = f->l3 + 40;
      p[f->l3] = 0x60;
      p[f->l3 + 6] = 6;
      p[f->l3 + 7] = 64;
      for (int i = 0; i < 16; i++)
        {
          p[f->l3 + 8 + i] = 0xfd + i;
          p[f->l3 + 24 + i] = 0x20 + i;
        }
    }
  else
    {
      gsize ihl = 20 + ip_opts;

      f->l4 = f->l3 + ihl;
      p[f->l3] = 0x40 | (ihl / 4);
      put16 (p + f->l3 + 4, 0xfff0); /* the id wraps during segmentation */
      put16 (p + f->l3 + 6, 0x4000); /* DF */
      p[f->l3 + 8] = 64;
      p[f->l3 + 9] = 6;
      memcpy (p + f->l3 + 12, "\x0a\xe8\x64\x01\x0a\xe8\x64\x02", 8);
      memset (p + f->l3 + 20, 1, ip_opts); /* NOPs */
    }
  put16 (p + f->l4, 40000);
  put16 (p + f->l4 + 2, 5001);
  p[f->l4 + 4] = 0xff; /* the sequence number wraps too */
  p[f->l4 + 5] = 0xff;
  p[f->l4 + 6] = 0xf0;
  p[f->l4 + 7] = 0x00;
  p[f->l4 + 12] = ((20 + tcp_opts) / 4) << 4;
  p[f->l4 + 13] = tcp_flags;
  put16 (p + f->l4 + 14, 502);
  memset (p + f->l4 + 20, 1, tcp_opts);
  f->hlen = f->l4 + 20 + tcp_opts;
  fill_payload (p + f->hlen, payload, (guint32) payload);
  f->payload = payload;
  f->len = f->hlen + payload;
  if (v6)
    put16 (p + f->l3 + 4, f->len - f->l3 - 40);
  else
    {
      put16 (p + f->l3 + 2, f->len - f->l3);
      put16 (p + f->l3 + 10, ~ref_fold (ref_sum (0, p + f->l3, f->l4 - f->l3)));
    }
  /* Linux leaves the pseudo-header sum (not complemented) in the field. */
  pseudo = v6 ? ref_sum (0, p + f->l3 + 8, 32) : ref_sum (0, p + f->l3 + 12, 8);
  put16 (p + f->l4 + 16, ref_fold (pseudo + 6 + (f->len - f->l4)));
  f->off.flags = SERVAL_OFFLOAD_NEEDS_CSUM;
  f->off.gso_type = payload > mss ? (v6 ? SERVAL_GSO_TCPV6 : SERVAL_GSO_TCPV4) : SERVAL_GSO_NONE;
  f->off.gso_size = payload > mss ? mss : 0;
  f->off.hdr_len = f->hlen;
  f->off.csum_start = f->l4;
  f->off.csum_offset = 16;
}

typedef struct
{
  GByteArray *payload; /* reassembled */
  GPtrArray *frames;   /* GBytes of every segment */
} Collect;

static void
collect_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  Collect *c = user_data;

  g_ptr_array_add (c->frames, g_bytes_new (frame, len));
}

static Collect *
collect_new (void)
{
  Collect *c = g_new0 (Collect, 1);

  c->payload = g_byte_array_new ();
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return c;
}

static void
collect_free (Collect *c)
{
  g_byte_array_unref (c->payload);
  g_ptr_array_unref (c->frames);
  g_free (c);
}

static guint8 scratch[SERVAL_GSO_SCRATCH];

/* Segments @f and checks every segment; returns the collected segments. */
static Collect *
segment_and_check (Frame *f, gboolean v6, guint16 mss, gboolean ecn)
{
  Collect *c = collect_new ();
  guint n = 0, expect;
  guint8 flags0 = f->buf[f->l4 + 13];
  guint32 seq0 = get32 (f->buf + f->l4 + 4);
  guint16 id0 = get16 (f->buf + f->l3 + 4);

  g_assert_cmpint (serval_gso_segment (f->buf, f->len, &f->off, scratch, collect_cb, c, &n), ==, SERVAL_GSO_OK);
  expect = f->payload == 0 ? 1 : (f->payload + mss - 1) / mss;
  g_assert_cmpuint (n, ==, expect);
  g_assert_cmpuint (c->frames->len, ==, expect);
  for (guint i = 0; i < c->frames->len; i++)
    {
      gsize len;
      const guint8 *s = g_bytes_get_data (c->frames->pdata[i], &len);
      guint8 fl = s[f->l4 + 13];

      g_assert_cmpuint (len, <=, f->hlen + mss);
      g_assert_cmpuint (len, >=, f->hlen);
      /* Headers: everything but lengths, ids, sequence, flags, checksums as in the GSO frame. */
      g_assert_cmpmem (s, f->l3, f->buf, f->l3);
      g_assert_cmpmem (s + f->l4, 4, f->buf + f->l4, 4);
      g_assert_cmpmem (s + f->l4 + 20, f->hlen - f->l4 - 20, f->buf + f->l4 + 20, f->hlen - f->l4 - 20);
      if (v6)
        g_assert_cmpuint (get16 (s + f->l3 + 4), ==, len - f->l3 - 40);
      else
        {
          g_assert_cmpuint (get16 (s + f->l3 + 2), ==, len - f->l3);
          g_assert_cmpuint (get16 (s + f->l3 + 4), ==, (guint16) (id0 + i));
          g_assert_true (ip4_csum_ok (s + f->l3));
        }
      g_assert_cmpuint (get32 (s + f->l4 + 4), ==, (guint32) (seq0 + c->payload->len));
      g_assert_true (l4_csum_ok (s, len, f->l3, f->l4, v6, 6));
      if (i + 1 < c->frames->len)
        g_assert_cmpuint (fl & 0x09, ==, 0); /* FIN and PSH on the last only */
      else
        g_assert_cmpuint (fl & 0x09, ==, flags0 & 0x09);
      if (ecn && i > 0)
        g_assert_cmpuint (fl & 0x80, ==, 0); /* CWR on the first only */
      else
        g_assert_cmpuint (fl & 0x80, ==, flags0 & 0x80);
      g_byte_array_append (c->payload, s + f->hlen, len - f->hlen);
    }
  g_assert_cmpuint (c->payload->len, ==, f->payload);
  g_assert_cmpmem (c->payload->data, c->payload->len, f->buf + f->hlen, f->payload);
  return c;
}

static void
test_tcp4 (void)
{
  static Frame f;
  struct
  {
    gsize ip_opts, tcp_opts, payload;
    guint16 mss;
    gboolean vlan;
  } cases[] = {
    { 0, 12, 65000, 1448, FALSE }, /* the common one: timestamps */
    { 0, 12, 64000, 1448, TRUE },  /* 802.1Q tagged */
    { 8, 20, 10000, 1000, FALSE }, /* IP options, more TCP options */
    { 40, 40, 5000, 536, FALSE },  /* the longest headers */
    { 0, 0, 2897, 1448, FALSE },   /* a last segment of one byte */
    { 0, 0, 2896, 1448, FALSE },   /* exactly two */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      build_tcp (&f, FALSE, cases[i].vlan, cases[i].ip_opts, cases[i].tcp_opts, cases[i].payload,
                 cases[i].mss, 0x18 /* PSH|ACK */);
      collect_free (segment_and_check (&f, FALSE, cases[i].mss, FALSE));
    }
  /* FIN and CWR with ECN. */
  build_tcp (&f, FALSE, FALSE, 0, 12, 20000, 1448, 0x80 | 0x19);
  f.off.gso_type |= SERVAL_GSO_ECN;
  collect_free (segment_and_check (&f, FALSE, 1448, TRUE));
}

typedef struct
{
  guint n;
  guint32 vlans;      /* OR of every frame's VLAN */
  guint with_offload; /* frames passed with offload metadata */
  const ServalOffload *last_offload;
  gsize bytes;
  gsize longest;
} Delivered;

static void
delivered_cb (const ServalFrame *frame, gpointer user_data)
{
  Delivered *d = user_data;

  d->n++;
  d->vlans |= frame->vlan;
  d->with_offload += frame->offload != NULL;
  d->last_offload = frame->offload;
  d->bytes += frame->len;
  d->longest = MAX (d->longest, frame->len);
}

/* serval_frame_deliver(): the one place that decides whether a frame goes
 * on whole or as the plain frames it stands for. */
static void
test_deliver (void)
{
  static Frame f;
  g_autofree guint8 *scratch_buf = NULL;
  ServalOffload done = { 0 }; /* metadata with no work left */
  Delivered d;
  ServalFrame frame;
  guint n = 0;

  build_tcp (&f, FALSE, FALSE, 0, 12, 20000, 1448, 0x18);
  frame = (ServalFrame){ f.buf, f.len, 42, &f.off };

  /* A receiver that takes offloads gets the frame whole, metadata and all. */
  d = (Delivered){ 0 };
  g_assert_cmpint (serval_frame_deliver (&frame, TRUE, &scratch_buf, delivered_cb, &d, &n), ==, SERVAL_GSO_OK);
  g_assert_cmpuint (d.n, ==, 1);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (d.last_offload == &f.off);
  g_assert_cmpuint (d.bytes, ==, f.len);
  g_assert_null (scratch_buf);

  /* One that does not gets plain segments, in the same VLAN. */
  d = (Delivered){ 0 };
  g_assert_cmpint (serval_frame_deliver (&frame, FALSE, &scratch_buf, delivered_cb, &d, &n), ==, SERVAL_GSO_OK);
  g_assert_cmpuint (d.n, ==, (20000 + 1447) / 1448);
  g_assert_cmpuint (n, ==, d.n);
  g_assert_cmpuint (d.with_offload, ==, 0);
  g_assert_cmpuint (d.vlans, ==, 42);
  g_assert_cmpuint (d.longest, <=, f.hlen + 1448);
  g_assert_cmpuint (d.bytes, ==, 20000 + d.n * f.hlen);
  g_assert_nonnull (scratch_buf);

  /* A plain frame, or one whose metadata asks for nothing, goes on plain to
   * both kinds of receiver. */
  for (int takes = 0; takes < 2; takes++)
    for (int with = 0; with < 2; with++)
      {
        ServalFrame plain = { f.buf, 1514, 7, with ? &done : NULL };

        d = (Delivered){ 0 };
        g_assert_cmpint (serval_frame_deliver (&plain, takes, &scratch_buf, delivered_cb, &d, NULL), ==,
                         SERVAL_GSO_OK);
        g_assert_cmpuint (d.n, ==, 1);
        g_assert_cmpuint (d.with_offload, ==, 0);
        g_assert_cmpuint (d.bytes, ==, 1514);
        g_assert_cmpuint (d.vlans, ==, 7);
      }

  /* Metadata that does not fit the frame: nothing goes on to a receiver
   * that needs plain frames, and it says why. */
  f.off.csum_start = f.len;
  d = (Delivered){ 0 };
  g_assert_cmpint (serval_frame_deliver (&frame, FALSE, &scratch_buf, delivered_cb, &d, &n), ==,
                   SERVAL_GSO_BAD_METADATA);
  g_assert_cmpuint (d.n, ==, 0);
}

static void
test_tcp6 (void)
{
  static Frame f;

  build_tcp (&f, TRUE, FALSE, 0, 12, 65000, 1428, 0x18);
  collect_free (segment_and_check (&f, TRUE, 1428, FALSE));
  build_tcp (&f, TRUE, TRUE, 0, 0, 3000, 1220, 0x11);
  collect_free (segment_and_check (&f, TRUE, 1220, FALSE));
}

/* A frame with a partial checksum but no GSO (a small TCP segment). */
static void
test_tcp_csum_only (void)
{
  static Frame f;
  Collect *c = collect_new ();
  gsize len;
  const guint8 *s;

  build_tcp (&f, FALSE, FALSE, 0, 12, 700, 1448, 0x18);
  g_assert_cmpint (f.off.gso_type, ==, SERVAL_GSO_NONE);
  g_assert_false (l4_csum_ok (f.buf, f.len, f.l3, f.l4, FALSE, 6));
  g_assert_cmpint (serval_gso_segment (f.buf, f.len, &f.off, scratch, collect_cb, c, NULL), ==, SERVAL_GSO_OK);
  g_assert_cmpuint (c->frames->len, ==, 1);
  s = g_bytes_get_data (c->frames->pdata[0], &len);
  g_assert_cmpuint (len, ==, f.len);
  g_assert_true (l4_csum_ok (s, len, f.l3, f.l4, FALSE, 6));
  collect_free (c);
}

/* UDP with a partial checksum, over IPv4 and IPv6. */
static void
test_udp_csum (void)
{
  for (int v6 = 0; v6 < 2; v6++)
    for (gsize payload = 0; payload < 1500; payload += 333)
      {
        static guint8 buf[2000];
        gsize l3 = 14, l4 = l3 + (v6 ? 40 : 20), len = l4 + 8 + payload;
        ServalOffload off = { SERVAL_OFFLOAD_NEEDS_CSUM, SERVAL_GSO_NONE, 0, 0, l4, 6 };
        Collect *c = collect_new ();
        guint32 pseudo;
        gsize slen;
        const guint8 *s;

        memset (buf, 0, sizeof buf);
        put16 (buf + 12, v6 ? 0x86dd : 0x0800);
        if (v6)
          {
            buf[l3] = 0x60;
            put16 (buf + l3 + 4, len - l4);
            buf[l3 + 6] = 17;
            for (int i = 0; i < 32; i++)
              buf[l3 + 8 + i] = i * 7;
            pseudo = ref_sum (0, buf + l3 + 8, 32);
          }
        else
          {
            buf[l3] = 0x45;
            put16 (buf + l3 + 2, len - l3);
            buf[l3 + 8] = 64;
            buf[l3 + 9] = 17;
            memcpy (buf + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
            pseudo = ref_sum (0, buf + l3 + 12, 8);
          }
        put16 (buf + l4, 1234);
        put16 (buf + l4 + 2, 5678);
        put16 (buf + l4 + 4, len - l4);
        fill_payload (buf + l4 + 8, payload, payload + 1);
        put16 (buf + l4 + 6, ref_fold (pseudo + 17 + (len - l4)));
        g_assert_cmpint (serval_gso_segment (buf, len, &off, scratch, collect_cb, c, NULL), ==, SERVAL_GSO_OK);
        g_assert_cmpuint (c->frames->len, ==, 1);
        s = g_bytes_get_data (c->frames->pdata[0], &slen);
        g_assert_cmpuint (slen, ==, len);
        g_assert_cmpuint (get16 (s + l4 + 6), !=, 0); /* 0 means "no checksum" in UDP */
        g_assert_true (l4_csum_ok (s, slen, l3, l4, v6, 17));
        g_assert_cmpmem (s + l4 + 8, payload, buf + l4 + 8, payload);
        collect_free (c);
      }
}

static int calls;

static void
count_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  calls++;
}

/* Every limit: refused with a reason, @func never called. */
static void
test_refused (void)
{
  static const struct
  {
    gboolean v6;
    gsize at; /* from the IP header's first byte */
    guint8 byte;
    ServalGsoResult result;
  } bad_headers[] = {
    { FALSE, 0, 0x44, SERVAL_GSO_BAD_HEADERS },       /* IPv4 header length under 20 */
    { FALSE, 6, 0x20, SERVAL_GSO_BAD_HEADERS },       /* a fragment (more fragments) */
    { FALSE, 9, 17, SERVAL_GSO_UNSUPPORTED },         /* not TCP */
    { FALSE, 20 + 12, 0x40, SERVAL_GSO_BAD_HEADERS }, /* TCP data offset under 5 words */
    { TRUE, 6, 0, SERVAL_GSO_UNSUPPORTED },           /* an IPv6 extension header (hop-by-hop) */
  };
  static Frame f;
  static guint8 big[SERVAL_GSO_SCRATCH];
  ServalOffload off;

#define REFUSE(frame_, len_, off_, result_)                                                 \
  G_STMT_START                                                                              \
  {                                                                                         \
    calls = 0;                                                                              \
    g_assert_cmpint (serval_gso_segment ((frame_), (len_), (off_), scratch, count_cb, NULL, \
                                         NULL),                                             \
                     ==, (result_));                                                        \
    g_assert_cmpint (calls, ==, 0);                                                         \
  }                                                                                         \
  G_STMT_END

  build_tcp (&f, FALSE, FALSE, 0, 12, 10000, 1448, 0x18);
  /* gso_size 0 */
  off = f.off;
  off.gso_size = 0;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  g_assert_cmpint (serval_offload_check (&off, f.len), ==, SERVAL_GSO_BAD_METADATA);
  /* hdr_len past the frame */
  off = f.off;
  off.hdr_len = f.len + 1;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  /* checksum field past the frame, or before the Ethernet header's end */
  off = f.off;
  off.csum_start = f.len - 1;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  off.csum_start = 4;
  off.csum_offset = 0;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  /* csum_start not at the TCP header */
  off = f.off;
  off.csum_start = f.l4 + 4;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  /* GSO without NEEDS_CSUM, unknown flags */
  off = f.off;
  off.flags = 0;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  off.flags = 4 | SERVAL_OFFLOAD_NEEDS_CSUM;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_METADATA);
  /* unknown GSO types; ECN alone */
  off = f.off;
  off.gso_type = 7;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_UNSUPPORTED);
  off.gso_type = 0x42;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_UNSUPPORTED);
  off.gso_type = SERVAL_GSO_ECN;
  g_assert_cmpint (serval_offload_check (&off, f.len), ==, SERVAL_GSO_BAD_METADATA);
  /* UDP fragmentation and segmentation offload: valid, but not done here */
  off = f.off;
  off.gso_type = SERVAL_GSO_UDP;
  g_assert_cmpint (serval_offload_check (&off, f.len), ==, SERVAL_GSO_OK);
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_UNSUPPORTED);
  off.gso_type = SERVAL_GSO_UDP_L4;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_UNSUPPORTED);
  /* the type says IPv6, the frame is IPv4 */
  off = f.off;
  off.gso_type = SERVAL_GSO_TCPV6;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_BAD_HEADERS);
  /* too many segments */
  off = f.off;
  off.gso_size = 4;
  REFUSE (f.buf, f.len, &off, SERVAL_GSO_TOO_MANY);
  off.gso_size = (f.payload + SERVAL_GSO_MAX_SEGMENTS - 1) / SERVAL_GSO_MAX_SEGMENTS;
  calls = 0;
  g_assert_cmpint (serval_gso_segment (f.buf, f.len, &off, scratch, count_cb, NULL, NULL), ==, SERVAL_GSO_OK);
  g_assert_cmpint (calls, <=, SERVAL_GSO_MAX_SEGMENTS);
  /* headers cut short at every length */
  for (gsize n = 0; n < f.hlen; n++)
    {
      off = f.off;
      off.hdr_len = MIN (off.hdr_len, n);
      if ((gsize) off.csum_start + off.csum_offset + 2 > n)
        continue; /* refused for the metadata already */
      REFUSE (f.buf, n, &off, SERVAL_GSO_BAD_HEADERS);
    }
  for (gsize n = 0; n < 14; n++)
    REFUSE (f.buf, n, &f.off, SERVAL_GSO_BAD_HEADERS);
  /* one byte of a good frame's headers changed */
  for (gsize i = 0; i < G_N_ELEMENTS (bad_headers); i++)
    {
      build_tcp (&f, bad_headers[i].v6, FALSE, 0, 12, 10000, 1448, 0x18);
      f.buf[f.l3 + bad_headers[i].at] = bad_headers[i].byte;
      REFUSE (f.buf, f.len, &f.off, bad_headers[i].result);
    }
  /* TCP data offset past the frame */
  build_tcp (&f, FALSE, FALSE, 0, 12, 10, 1448, 0x18);
  f.off.gso_type = SERVAL_GSO_TCPV4;
  f.off.gso_size = 4;
  f.buf[f.l4 + 12] = 0xf0;
  REFUSE (f.buf, f.len, &f.off, SERVAL_GSO_BAD_HEADERS);
  /* three VLAN tags */
  build_tcp (&f, FALSE, TRUE, 0, 12, 10000, 1448, 0x18);
  put16 (f.buf + 16, 0x88a8);
  put16 (f.buf + 20, 0x8100);
  REFUSE (f.buf, f.len, &f.off, SERVAL_GSO_BAD_HEADERS);
  /* longer than any frame */
  memset (&off, 0, sizeof off);
  off.flags = SERVAL_OFFLOAD_NEEDS_CSUM;
  off.csum_start = 34;
  off.csum_offset = 6;
  REFUSE (big, sizeof big, &off, SERVAL_GSO_BAD_HEADERS);
#undef REFUSE

  /* No work: passed through as it is. */
  calls = 0;
  memset (&off, 0, sizeof off);
  g_assert_cmpint (serval_gso_segment (f.buf, 60, &off, scratch, count_cb, NULL, NULL), ==, SERVAL_GSO_OK);
  g_assert_cmpint (serval_gso_segment (f.buf, 60, NULL, scratch, count_cb, NULL, NULL), ==, SERVAL_GSO_OK);
  g_assert_cmpint (calls, ==, 2);
  g_assert_false (serval_offload_needs_work (&off));
  off.flags = SERVAL_OFFLOAD_DATA_VALID;
  g_assert_false (serval_offload_needs_work (&off));
  off.flags = SERVAL_OFFLOAD_NEEDS_CSUM;
  g_assert_true (serval_offload_needs_work (&off));
  for (int i = 0; i <= SERVAL_GSO_N_RESULTS; i++)
    g_assert_nonnull (serval_gso_result_to_string (i));
}

/* The checksum helpers against the reference on every length and alignment. */
static void
test_csum (void)
{
  guint8 data[300];

  fill_payload (data, sizeof data, 99);
  for (gsize start = 0; start < 4; start += 2)
    for (gsize n = 0; n + start <= sizeof data; n++)
      g_assert_cmpuint (serval_csum_fold (serval_csum_add (0x1234, data + start, n)), ==,
                        ref_fold (ref_sum (0x1234, data + start, n)));
  memset (data, 0xff, sizeof data);
  g_assert_cmpuint (serval_csum_fold (serval_csum_add (0, data, sizeof data)), ==, 0xffff);
}

/* --- codec: DataFrame.offload ------------------------------------------------ */

static GByteArray *
asn1c_encode (guint32 vlan, const guint8 *frame, gsize len, const ServalOffload *off)
{
  Message_t *msg = serval_message_new (Message_PR_data);
  GByteArray *out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  msg->choice.data.vlan = vlan;
  serval_asn_set_bytes (&msg->choice.data.frame, frame, len);
  if (off != NULL)
    {
      Offload_t *o = calloc (1, sizeof *o);

      *o = (Offload_t){
        .flags = off->flags,
        .gsoType = off->gso_type,
        .hdrLen = off->hdr_len,
        .gsoSize = off->gso_size,
        .csumStart = off->csum_start,
        .csumOffset = off->csum_offset,
      };
      msg->choice.data.offload = o;
    }
  g_assert_true (serval_message_encode (msg, out, &error));
  serval_message_free (msg);
  return out;
}

static void
test_codec (void)
{
  static guint8 frame[65535];
  ServalOffload offs[] = {
    { 1, 1, 66, 1448, 34, 16 },
    { 0, 0, 0, 0, 0, 0 },
    { 3, 0x84, 0xffff, 0xffff, 0xffff, 0xffff },
    { 255, 255, 127, 128, 255, 256 },
  };
  gsize lens[] = { 14, 127, 128, 1514, 65535 };
  guint32 vlans[] = { 1, 127, 128, 16777215 };

  fill_payload (frame, sizeof frame, 5);
  for (guint o = 0; o < G_N_ELEMENTS (offs); o++)
    for (guint l = 0; l < G_N_ELEMENTS (lens); l++)
      for (guint v = 0; v < G_N_ELEMENTS (vlans); v++)
        {
          g_autoptr(GByteArray) ref = asn1c_encode (vlans[v], frame, lens[l], &offs[o]);
          guint8 hdr[SERVAL_DATA_HEADER_MAX];
          gsize hlen = serval_data_header_offload (hdr, vlans[v], lens[l], &offs[o]);
          ServalOffload got;
          gboolean has = FALSE;
          const guint8 *f;
          gsize flen;
          guint32 vlan;
          g_autoptr(Message_t) msg = NULL;
          g_autoptr(GError) error = NULL;

          /* The fast path writes asn1c's bytes exactly. */
          g_assert_cmpuint (hlen + lens[l], ==, ref->len);
          g_assert_cmpmem (hdr, hlen, ref->data, hlen);
          g_assert_true (serval_data_parse_offload (ref->data + 4, ref->len - 4, &vlan, &got, &has, &f, &flen));
          g_assert_true (has);
          g_assert_cmpmem (&got, sizeof got, &offs[o], sizeof got);
          g_assert_cmpuint (vlan, ==, vlans[v]);
          g_assert_cmpuint (flen, ==, lens[l]);
          g_assert_true (f == ref->data + hlen);
          /* The plain-only parse leaves it to the other. */
          g_assert_false (serval_data_parse (ref->data + 4, ref->len - 4, &vlan, &f, &flen));
          /* The full decoder agrees. */
          msg = serval_message_decode (ref->data + 4, ref->len - 4, &error);
          g_assert_no_error (error);
          g_assert_nonnull (msg->choice.data.offload);
          serval_offload_from_asn (msg->choice.data.offload, &got);
          g_assert_cmpmem (&got, sizeof got, &offs[o], sizeof got);
          /* Cut short anywhere: refused. */
          for (gsize cut = 1; cut < hlen - 4; cut++)
            g_assert_false (serval_data_parse_offload (ref->data + 4, ref->len - 4 - cut, &vlan, &got, &has,
                                                       &f, &flen));
        }

  /* The example in docs/protocol.md, byte for byte. */
  {
    static const guint8 doc[] = {
      0x00,
      0x00,
      0xff,
      0x30,
      0xa0,
      0x82,
      0xff,
      0x2c,
      0x80,
      0x01,
      0x03,
      0xa2,
      0x13,
      0x80,
      0x01,
      0x01,
      0x81,
      0x01,
      0x01,
      0x82,
      0x01,
      0x42,
      0x83,
      0x02,
      0x05,
      0xa8,
      0x84,
      0x01,
      0x22,
      0x85,
      0x01,
      0x10,
      0x81,
      0x82,
      0xff,
      0x10,
    };
    ServalOffload o = { 1, 1, 66, 1448, 34, 16 };
    guint8 hdr[SERVAL_DATA_HEADER_MAX];
    gsize hlen = serval_data_header_offload (hdr, 3, 65296, &o);

    g_assert_cmpmem (hdr, hlen, doc, sizeof doc);
  }

  /* Without offload both parsers take it; has_offload is FALSE. */
  {
    g_autoptr(GByteArray) ref = asn1c_encode (3, frame, 100, NULL);
    ServalOffload got;
    gboolean has = TRUE;
    const guint8 *f;
    gsize flen;
    guint32 vlan;

    g_assert_true (serval_data_parse_offload (ref->data + 4, ref->len - 4, &vlan, &got, &has, &f, &flen));
    g_assert_false (has);
    g_assert_true (serval_data_parse (ref->data + 4, ref->len - 4, &vlan, &f, &flen));
  }

  /* Values past the schema's bounds: the fast path refuses, the full decoder
   * says INVALID. Built by patching a valid encoding: flags 255 -> 256 does
   * not fit in place, so patch gsoType's one-byte 0x7f into 0x80 (negative,
   * refused) and flags' 00 ff into 01 00 (256). */
  {
    ServalOffload o = { 255, 0x7f, 1, 1, 14, 0 };
    g_autoptr(GByteArray) ref = asn1c_encode (3, frame, 100, &o);
    g_autoptr(GError) error = NULL;
    ServalOffload got;
    gboolean has;
    const guint8 *f;
    gsize flen;
    guint32 vlan;
    guint8 *p = memmem (ref->data, ref->len, "\x80\x02\x00\xff\x81\x01\x7f", 7);

    g_assert_nonnull (p);
    p[2] = 1;
    p[3] = 0;
    g_assert_false (serval_data_parse_offload (ref->data + 4, ref->len - 4, &vlan, &got, &has, &f, &flen));
    g_assert_null (serval_message_decode (ref->data + 4, ref->len - 4, &error));
    g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_INVALID);
    p[2] = 0;
    p[3] = 0xff;
    p[6] = 0x80;
    g_assert_false (serval_data_parse_offload (ref->data + 4, ref->len - 4, &vlan, &got, &has, &f, &flen));
  }
}

static void
test_hello (void)
{
  g_autoptr(Message_t) msg = serval_message_new_hello ("node1");
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(Message_t) back = NULL;
  g_autoptr(GError) error = NULL;

  serval_message_set_hello_offload (msg, TRUE);
  g_assert_true (serval_message_encode (msg, out, &error));
  back = serval_message_decode (out->data + 4, out->len - 4, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back->choice.hello.offload);
  g_assert_true (*back->choice.hello.offload);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gso/csum", test_csum);
  g_test_add_func ("/gso/tcp4", test_tcp4);
  g_test_add_func ("/gso/tcp6", test_tcp6);
  g_test_add_func ("/gso/tcp-csum-only", test_tcp_csum_only);
  g_test_add_func ("/gso/udp-csum", test_udp_csum);
  g_test_add_func ("/gso/refused", test_refused);
  g_test_add_func ("/gso/deliver", test_deliver);
  g_test_add_func ("/gso/codec", test_codec);
  g_test_add_func ("/gso/hello", test_hello);
  return g_test_run ();
}
