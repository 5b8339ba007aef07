/* serval-frame.h: one Ethernet frame on its way through Serval, with what
 * travels with it.
 *
 * A frame goes TAP device -> client -> link -> server's switch -> links ->
 * clients -> TAP devices. Every callback on that path is handed a
 * ServalFrame, so the frame's VLAN and its offload metadata go wherever the
 * bytes go, and no layer has to ask the one before it what the frame it is
 * looking at came with. Where a frame meets a receiver that cannot take
 * offload metadata (a peer whose Hello did not say so, a device without
 * IFF_VNET_HDR, a frame callback), serval_frame_deliver() in serval-gso.h
 * turns it into the plain frames it stands for.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The fields of Linux's struct virtio_net_hdr, with the same values
 * (offsets from the frame's first byte); DataFrame.offload on the wire. */
typedef struct
{
  guint8 flags;    /* SERVAL_OFFLOAD_NEEDS_CSUM | SERVAL_OFFLOAD_DATA_VALID */
  guint8 gso_type; /* SERVAL_GSO_NONE/TCPV4/UDP/TCPV6/UDP_L4, | SERVAL_GSO_ECN */
  guint16 hdr_len;
  guint16 gso_size;
  guint16 csum_start;
  guint16 csum_offset;
} ServalOffload;

#define SERVAL_OFFLOAD_NEEDS_CSUM 1
#define SERVAL_OFFLOAD_DATA_VALID 2
#define SERVAL_GSO_NONE           0
#define SERVAL_GSO_TCPV4          1
#define SERVAL_GSO_UDP            3
#define SERVAL_GSO_TCPV6          4
#define SERVAL_GSO_UDP_L4         5
#define SERVAL_GSO_ECN            0x80

/**
 * ServalFrame:
 * @data: the frame, destination MAC first, no FCS
 * @len: its length in bytes
 * @vlan: the VLAN tag it travels in; 0 where the VLAN is implicit (a frame
 *   read from a TAP device, which belongs to one VLAN)
 * @offload: (nullable): its offload metadata; %NULL for a plain frame whose
 *   checksums are complete
 *
 * A frame and what travels with it. Everything is borrowed: valid only
 * during the call that passes it.
 */
typedef struct
{
  const guint8 *data;
  gsize len;
  guint32 vlan;
  const ServalOffload *offload;
} ServalFrame;

/* A receiver of frames. */
typedef void (*ServalFrameFunc) (const ServalFrame *frame, gpointer user_data);

G_END_DECLS
