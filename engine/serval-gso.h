/* serval-gso.h: software segmentation and checksum completion.
 *
 * A frame read from a TAP device with IFF_VNET_HDR may be a GSO frame (up
 * to 64 KiB: one TCP segment per gso_size bytes of payload, still to be
 * cut) and may carry a partial checksum (NEEDS_CSUM: the checksum field
 * holds only the pseudo-header sum). Peers and devices that cannot take
 * such frames get them here as ordinary frames: TCP over IPv4 (options
 * included) and over IPv6 (without extension headers) is segmented, and any
 * protocol's partial checksum (UDP too) is completed. Everything else is
 * refused with a reason, never guessed at. No allocation: the caller gives
 * a scratch buffer of SERVAL_GSO_SCRATCH bytes.
 */
#pragma once

#include <glib.h>
#include "serval-frame.h"

G_BEGIN_DECLS

/**
 * SERVAL_GSO_SCRATCH:
 *
 * Bytes of scratch serval_gso_segment() needs.
 */
#define SERVAL_GSO_SCRATCH (65536 + 64)
/**
 * SERVAL_GSO_MAX_SEGMENTS:
 *
 * More segments than this in one frame are refused (a 64 KiB frame with
 * the smallest MSS Linux uses, 48 bytes, makes 1366).
 */
#define SERVAL_GSO_MAX_SEGMENTS 2048

/**
 * ServalGsoResult:
 * @SERVAL_GSO_OK: done
 * @SERVAL_GSO_BAD_HEADERS: Ethernet/IP/TCP headers short, wrong or past the
 *   frame; also a frame shorter than 14 or longer than 65536 bytes, and an
 *   IPv4 fragment
 * @SERVAL_GSO_BAD_METADATA: hdr_len/csum_start/csum_offset past the frame,
 *   gso_size 0, bad flags; also csum_start inside the Ethernet header, a
 *   GSO frame without NEEDS_CSUM, the ECN bit without a GSO type, and a TCP
 *   GSO frame whose checksum offsets are not its TCP header's
 * @SERVAL_GSO_UNSUPPORTED: a GSO type (UDP, IPv6 extension headers...) not
 *   segmented here; also an unknown GSO type, and an IPv4 protocol other
 *   than TCP in a TCP GSO frame
 * @SERVAL_GSO_TOO_MANY: over %SERVAL_GSO_MAX_SEGMENTS
 * @SERVAL_GSO_N_RESULTS: the number of results, not one
 *
 * What became of a frame with offload metadata: done, or why it was refused.
 */
typedef enum
{
  SERVAL_GSO_OK = 0,
  SERVAL_GSO_BAD_HEADERS,
  SERVAL_GSO_BAD_METADATA,
  SERVAL_GSO_UNSUPPORTED,
  SERVAL_GSO_TOO_MANY,
  SERVAL_GSO_N_RESULTS
} ServalGsoResult;

/**
 * serval_gso_result_to_string:
 * @result: a result
 *
 * Returns: (transfer none): a short name for @result ("ok", "bad_headers",
 *   ...), for logs and metrics; "unknown" for a value out of range
 */
const char *serval_gso_result_to_string (ServalGsoResult result);

/**
 * serval_offload_needs_work:
 * @off: (nullable): offload metadata, or %NULL for a plain frame
 *
 * Whether @off needs work (segmentation or a checksum) before the frame can
 * go to a peer or device without offloads: a GSO type or NEEDS_CSUM.
 *
 * Returns: %TRUE if the frame is not plain yet; %FALSE for %NULL
 */
gboolean serval_offload_needs_work (const ServalOffload *off);

/**
 * serval_offload_check:
 * @off: (nullable): offload metadata, or %NULL (always %SERVAL_GSO_OK)
 * @len: the length of the frame it comes with
 *
 * Checks @off against the frame's bounds (cheap: no header parsing beyond
 * the offsets): what a forwarder checks before passing the frame on. GSO
 * types that serval_gso_segment() cannot cut (UDP) pass here: a receiver
 * with offloads takes them.
 *
 * Returns: %SERVAL_GSO_OK, %SERVAL_GSO_BAD_METADATA or
 *   %SERVAL_GSO_UNSUPPORTED (an unknown GSO type)
 */
ServalGsoResult serval_offload_check (const ServalOffload *off, gsize len);

/**
 * ServalGsoFunc:
 * @frame: (array length=len): a plain frame, its checksums complete; in the
 *   scratch buffer or the caller's frame: valid during the call only
 * @len: its length in bytes
 * @user_data: the data given to serval_gso_segment()
 *
 * A receiver of the plain frames serval_gso_segment() makes.
 */
typedef void (*ServalGsoFunc) (const guint8 *frame, gsize len, gpointer user_data);

/**
 * serval_gso_segment:
 * @frame: (array length=len): the frame
 * @len: its length in bytes
 * @off: (nullable): its offload metadata, or %NULL for a plain frame
 * @scratch: (not nullable): %SERVAL_GSO_SCRATCH bytes of the caller's
 * @func: (scope call): called for every plain frame
 * @user_data: (closure func): data for @func
 * @nframes: (out) (optional): how many frames were passed to @func
 *
 * Calls @func for every plain frame (checksums complete) that @frame with
 * @off stands for: the frame itself if @off needs no work, one copy with
 * its checksum completed, or its TCP segments. @scratch holds each frame
 * during its call (the frame itself is passed as it is, from @frame). The
 * whole frame is checked before @func is called the first time.
 *
 * Returns: %SERVAL_GSO_OK, or the reason nothing was passed to @func
 */
ServalGsoResult serval_gso_segment (const guint8 *frame, gsize len, const ServalOffload *off,
                                    guint8 *scratch, ServalGsoFunc func, gpointer user_data,
                                    guint *nframes);

/**
 * serval_frame_deliver:
 * @frame: (transfer none): the frame
 * @takes_offload: whether the receiver takes offload metadata
 * @scratch: (inout) (not nullable): the caller's segmentation buffer: a
 *   pointer to %NULL, or to what an earlier call allocated
 * @func: (scope call): the receiver
 * @user_data: (closure func): data for @func
 * @n_frames: (out) (optional): how many frames were passed to @func
 *
 * Passes @frame on to a receiver: as it is if the receiver takes offload
 * metadata (@takes_offload) and the frame needs work; a frame that needs
 * no work goes as a plain frame, with no offload (a DATA_VALID flag is not
 * passed on); otherwise as the plain frames it stands for (checksums
 * completed, TCP segmented), each in the same VLAN with no offload. The one
 * place that decides this, for every receiver on the path (a link to a
 * peer, a TAP device, a frame callback). The metadata is not checked when
 * it is passed on as it is: see serval_offload_check().
 * The caller's segmentation buffer *@scratch is allocated here on first
 * use (SERVAL_GSO_SCRATCH bytes; the caller frees it with g_free()).
 *
 * Returns: %SERVAL_GSO_OK, or why nothing was passed on
 */
ServalGsoResult serval_frame_deliver (const ServalFrame *frame, gboolean takes_offload,
                                      guint8 **scratch, ServalFrameFunc func, gpointer user_data,
                                      guint *n_frames);

/**
 * serval_csum_add:
 * @sum: a sum so far (0 to start)
 * @data: (array length=len): the bytes, as big-endian 16-bit words (an odd
 *   last byte is padded with a zero)
 * @len: how many
 *
 * The Internet checksum helpers, for tests too: the one's complement sum of
 * @len bytes added to @sum (not folded).
 *
 * Returns: the sum, at most 0x1fffe: more may be added before
 *   serval_csum_fold()
 */
guint32 serval_csum_add (guint32 sum, const guint8 *data, gsize len);
/**
 * serval_csum_fold:
 * @sum: a sum from serval_csum_add()
 *
 * Folds a one's complement sum to 16 bits. The checksum field takes its
 * complement (~).
 *
 * Returns: the folded sum
 */
guint16 serval_csum_fold (guint32 sum);

G_END_DECLS
