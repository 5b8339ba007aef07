/* serval-server-forward.c: frames from the links into the switch, and from
 * the switch out to the links.
 *
 * A frame that came with offload metadata (a TCP segment of up to 64 KiB)
 * keeps it through the switch, goes on whole to members whose Hello said
 * they take offloads, and is segmented here for the others.
 */
#include "config.h"

#include "serval-server-private.h"

static void switch_output_cb (ServalSwitchPort *port, const ServalFrame *frame, gpointer user_data);

void
serval_session_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data)
{
  Session *s = user_data;
  ServalServer *server = s->server;
  ServalFrame in = *frame;
  gint64 now = g_get_monotonic_time ();

  if (s->port == NULL)
    return; /* not logged in: nothing to switch */
  if (s->link_stats != NULL)
    {
      s->link_stats->frames_in++;
      s->link_stats->bytes_in += in.len;
    }
  if (in.offload != NULL)
    {
      ServalGsoResult r = serval_offload_check (in.offload, in.len);

      if (r != SERVAL_GSO_OK)
        {
          server->stats.offload_dropped[r]++;
          return;
        }
      server->stats.offload_frames_in++;
      if (!serval_offload_needs_work (in.offload))
        in.offload = NULL;
    }
  if (!serval_session_fair_admit (s, in.len, now))
    return; /* over its user's rate limit */
  serval_switch_input (server->sw, s->port, &in, now);
  serval_server_fair_input_done (server);
}

static void
send_cb (const ServalFrame *frame, gpointer user_data)
{
  Session *s = user_data;

  serval_session_fair_output (s, frame);
}

static void
switch_output_cb (ServalSwitchPort *port, const ServalFrame *frame, gpointer user_data)
{
  Session *s = serval_switch_port_get_user_data (port);
  ServalServer *server = s->server;
  ServalGsoResult r;
  guint n = 0;

  if (s->closed)
    return;
  if (s->link_stats != NULL)
    {
      s->link_stats->frames_out++;
      s->link_stats->bytes_out += frame->len;
    }
  if (frame->offload == NULL)
    {
      serval_session_fair_output (s, frame);
      return;
    }
  /* Whole to a member that takes offloads; segmented and checksums
   * completed for one that does not. */
  r = serval_frame_deliver (frame, s->offload, &server->gso_scratch, send_cb, s, &n);
  if (r != SERVAL_GSO_OK)
    server->stats.offload_dropped[r]++;
  else if (s->offload)
    server->stats.offload_forwarded++;
  else
    {
      server->stats.offload_segmented++;
      server->stats.offload_segments += n;
    }
}

void
serval_session_add_port (Session *s)
{
  serval_session_unguard (s);
  s->port = serval_switch_add_port (s->server->sw, switch_output_cb, s);
  serval_session_fair_start (s);
  /* A user's sessions share one MAC budget per VLAN (a node link has no user). */
  serval_switch_port_set_owner (s->server->sw, s->port, s->user);
  if (s->node == NULL && s->user != NULL)
    serval_server_lan_port_added (s);
}
