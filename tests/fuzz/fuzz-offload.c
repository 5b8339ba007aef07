/* libFuzzer target: the offload data path. The first byte picks the mode:
 * odd, the rest is a message body for serval_data_parse_offload() (which
 * must agree with asn1c) whose frame and offload metadata then go through
 * the segmenter; even, the next 10 bytes are the metadata (flags, gsoType,
 * then hdrLen, gsoSize, csumStart, csumOffset big endian) and the rest the
 * frame, straight into the segmenter. Whatever comes out must be a frame
 * within bounds; nothing may crash, leak or read past the input. */
#include "config.h"

#include <string.h>

#include "serval-codec.h"
#include "serval-gso.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint8 scratch[SERVAL_GSO_SCRATCH];

typedef struct
{
  guint n;
  gsize longest;
} Seen;

/* Where each segment is copied: the sanitizer checks every byte read. */
static guint8 sink[65535];

static void
segment_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  Seen *seen = user_data;

  g_assert_true (len >= 14 && len <= 65535);
  seen->n++;
  seen->longest = MAX (seen->longest, len);
  memcpy (sink, frame, len);
}

static void
segment (const guint8 *frame, gsize len, const ServalOffload *off)
{
  Seen seen = { 0, 0 };
  guint n = 0;
  ServalGsoResult r = serval_gso_segment (frame, len, off, scratch, segment_cb, &seen, &n);

  g_debug ("segmenting %" G_GSIZE_FORMAT " bytes: %s, %u frames", len, serval_gso_result_to_string (r), n);
  g_assert_cmpuint (seen.longest, <=, len); /* no segment longer than the frame */
  g_assert_cmpint (r, >=, SERVAL_GSO_OK);
  g_assert_cmpint (r, <, SERVAL_GSO_N_RESULTS);
  g_assert_nonnull (serval_gso_result_to_string (r));
  if (r != SERVAL_GSO_OK)
    {
      g_assert_cmpuint (seen.n, ==, 0);
      return;
    }
  g_assert_cmpint (serval_offload_check (off, len), ==, SERVAL_GSO_OK);
  g_assert_cmpuint (seen.n, ==, n);
  g_assert_cmpuint (n, <=, SERVAL_GSO_MAX_SEGMENTS);
  g_assert_cmpuint (n, >=, 1);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size < 1)
    return 0;
  if (data[0] & 1)
    {
      const guint8 *body = data + 1, *frame;
      gsize len = size - 1, flen;
      ServalOffload off;
      gboolean has = FALSE;
      guint32 vlan;
      g_autoptr(GError) error = NULL;
      g_autoptr(Message_t) msg = serval_message_decode (body, len, &error);

      if (!serval_data_parse_offload (body, len, &vlan, &off, &has, &frame, &flen))
        return 0;
      /* The fast path accepts only what asn1c accepts, with the same values. */
      g_assert_no_error (error);
      g_assert_cmpint (msg->present, ==, Message_PR_data);
      g_assert_cmpuint (msg->choice.data.vlan, ==, vlan);
      g_assert_cmpmem (msg->choice.data.frame.buf, msg->choice.data.frame.size, frame, flen);
      g_assert_true ((msg->choice.data.offload != NULL) == has);
      if (has)
        {
          ServalOffload full;
          guint8 hdr[SERVAL_DATA_HEADER_MAX];
          gsize hlen;

          serval_offload_from_asn (msg->choice.data.offload, &full);
          g_assert_cmpmem (&full, sizeof full, &off, sizeof off);
          /* And writes the same header back. */
          hlen = serval_data_header_offload (hdr, vlan, flen, &off);
          g_assert_cmpuint (hlen - SERVAL_LENGTH_PREFIX, ==, (gsize) (frame - body));
          g_assert_cmpmem (hdr + SERVAL_LENGTH_PREFIX, hlen - SERVAL_LENGTH_PREFIX, body, frame - body);
        }
      segment (frame, flen, has ? &off : NULL);
    }
  else if (size >= 11)
    {
      ServalOffload off = {
        .flags = data[1],
        .gso_type = data[2],
        .hdr_len = (data[3] << 8) | data[4],
        .gso_size = (data[5] << 8) | data[6],
        .csum_start = (data[7] << 8) | data[8],
        .csum_offset = (data[9] << 8) | data[10],
      };
      /* A copy of exactly the frame's size, so that reads past it are caught. */
      gsize len = size - 11;
      guint8 *frame = g_memdup2 (data + 11, len);

      segment (frame, len, &off);
      g_free (frame);
    }
  return 0;
}
