/* serval-server-forward.c: frames from the links into the switch, and from
 * the switch out to the links.
 *
 * A frame that came with offload metadata (a TCP segment of up to 64 KiB)
 * goes on whole to members whose Hello said they take offloads, and is
 * segmented here for the others. The switch's output callback has no room
 * for that metadata, so serval_session_data_cb() leaves it in
 * server->rx_offload for switch_output_cb() while serval_switch_input() runs.
 */
#include "config.h"

#include "serval-server-private.h"

static void switch_output_cb (ServalSwitchPort *port, guint32 vlan, const guint8 *frame, gsize len,
                              gpointer user_data);

void
serval_session_data_cb (ServalLink *link, guint32 tag, const guint8 *frame, gsize len, gpointer user_data)
{
  Session *s = user_data;
  ServalServer *server = s->server;
  const ServalOffload *off = serval_link_get_rx_offload (link);

  if (s->port == NULL)
    return;  /* not logged in: nothing to switch */
  if (off != NULL)
    {
      ServalGsoResult r = serval_offload_check (off, len);

      if (r != SERVAL_GSO_OK)
        {
          server->stats.offload_dropped[r]++;
          return;
        }
      server->stats.offload_frames_in++;
      if (!serval_offload_needs_work (off))
        off = NULL;
    }
  server->rx_offload = off;
  serval_switch_input (server->sw, s->port, tag, frame, len, g_get_monotonic_time ());
  server->rx_offload = NULL;
}

typedef struct {
  Session *session;
  guint32 vlan;
} SegmentTarget;

static void
send_segment_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  SegmentTarget *t = user_data;

  serval_link_send_data (t->session->link, t->vlan, frame, len);
}

static void
switch_output_cb (ServalSwitchPort *port, guint32 vlan, const guint8 *frame, gsize len, gpointer user_data)
{
  Session *s = serval_switch_port_get_user_data (port);
  ServalServer *server = s->server;
  const ServalOffload *off = server->rx_offload;

  if (s->closed)
    return;
  if (off == NULL)
    serval_link_send_data (s->link, vlan, frame, len);
  else if (s->offload)
    {
      serval_link_send_data_offload (s->link, vlan, frame, len, off);
      server->stats.offload_forwarded++;
    }
  else
    {
      /* A member without offloads: segment and complete checksums here. */
      SegmentTarget t = { s, vlan };
      ServalGsoResult r;
      guint n = 0;

      if (server->gso_scratch == NULL)
        server->gso_scratch = g_malloc (SERVAL_GSO_SCRATCH);
      r = serval_gso_segment (frame, len, off, server->gso_scratch, send_segment_cb, &t, &n);
      if (r != SERVAL_GSO_OK)
        server->stats.offload_dropped[r]++;
      else
        {
          server->stats.offload_segmented++;
          server->stats.offload_segments += n;
        }
    }
}

void
serval_session_add_port (Session *s)
{
  s->port = serval_switch_add_port (s->server->sw, switch_output_cb, s);
}
