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

/* Bytes of scratch serval_gso_segment() needs. */
#define SERVAL_GSO_SCRATCH (65536 + 64)
/* More segments than this in one frame are refused (a 64 KiB frame with
 * the smallest MSS Linux uses, 48 bytes, makes 1366). */
#define SERVAL_GSO_MAX_SEGMENTS 2048

typedef enum {
  SERVAL_GSO_OK = 0,
  SERVAL_GSO_BAD_HEADERS,     /* Ethernet/IP/TCP headers short, wrong or past the frame */
  SERVAL_GSO_BAD_METADATA,    /* hdr_len/csum_start/csum_offset past the frame, gso_size 0, bad flags */
  SERVAL_GSO_UNSUPPORTED,     /* a GSO type (UDP, IPv6 extension headers...) not segmented here */
  SERVAL_GSO_TOO_MANY,        /* over SERVAL_GSO_MAX_SEGMENTS */
  SERVAL_GSO_N_RESULTS
} ServalGsoResult;

const char *serval_gso_result_to_string (ServalGsoResult result);

/* Whether @off needs work (segmentation or a checksum) before the frame can
 * go to a peer or device without offloads. */
gboolean serval_offload_needs_work (const ServalOffload *off);

/* Checks @off against the frame's bounds (cheap: no header parsing beyond
 * the offsets): what a forwarder checks before passing the frame on. */
ServalGsoResult serval_offload_check (const ServalOffload *off, gsize len);

typedef void (*ServalGsoFunc) (const guint8 *frame, gsize len, gpointer user_data);

/* Calls @func for every plain frame (checksums complete) that @frame with
 * @off stands for: the frame itself if @off needs no work, one copy with
 * its checksum completed, or its TCP segments. @scratch holds each frame
 * during its call. Returns SERVAL_GSO_OK, or the reason nothing was passed
 * to @func. @nframes (optional) gets how many frames were passed. */
ServalGsoResult serval_gso_segment (const guint8 *frame, gsize len, const ServalOffload *off,
                                    guint8 *scratch, ServalGsoFunc func, gpointer user_data,
                                    guint *nframes);

/* Passes @frame on to a receiver: as it is if the receiver takes offload
 * metadata (@takes_offload) or the frame needs no work; otherwise as the
 * plain frames it stands for (checksums completed, TCP segmented), each in
 * the same VLAN with no offload. The one place that decides this, for every
 * receiver on the path (a link to a peer, a TAP device, a frame callback).
 * @scratch: the caller's segmentation buffer, allocated here on first use
 * (SERVAL_GSO_SCRATCH bytes; the caller frees it with g_free()). Returns
 * SERVAL_GSO_OK, or why nothing was passed on; @n_frames (optional) gets
 * how many frames were. */
ServalGsoResult serval_frame_deliver (const ServalFrame *frame, gboolean takes_offload,
                                      guint8 **scratch, ServalFrameFunc func, gpointer user_data,
                                      guint *n_frames);

/* The Internet checksum helpers, for tests too: the one's complement sum of
 * @len bytes added to @sum (not folded), and folding to 16 bits. */
guint32 serval_csum_add (guint32 sum, const guint8 *data, gsize len);
guint16 serval_csum_fold (guint32 sum);

G_END_DECLS
