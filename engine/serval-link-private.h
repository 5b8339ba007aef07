/* serval-link-private.h: what the files of ServalLink share.
 *
 * serval-link.c: the object, the send queue, keepalive and closing;
 * serval-link-read.c: read passes and framing; serval-link-keepalive.c:
 * pings. Transports see only serval-link-transport.h.
 */
#pragma once

#include "serval-link.h"
#include "serval-link-transport.h"
#include "serval-poller.h"

G_BEGIN_DECLS

struct _ServalLink
{
  GObject parent_instance;

  ServalLinkTransport *transport;
  char *peer;

  ServalLinkMessageFunc message_func;
  ServalLinkDataFunc data_func;
  gpointer user_data;

  GMainContext *context;
  /* The context's shared poller watches the socket, runs the keepalive
   * timer and flushes the queue at the end of its dispatch. */
  ServalPoller *poller;
  ServalPollerEntry *entry;
  int fd; /* the transport's socket in the poller, or -1 */
  /* Per-link sources (the transport's), only where epoll on the socket
   * cannot be used: a transport without a socket, or one that cannot read
   * although the socket has input (it waits for something else, e.g. to
   * write). */
  GSource *read_source;
  GSource *write_source;

  /* Received bytes not yet parsed: rbuf->data[rpos .. rbuf->len). Empty
   * between messages: reads go to the poller's shared buffer then. */
  GByteArray *rbuf;
  gsize rpos;
  /* Queued data frames not yet written: wbuf->data[wpos .. wbuf->len). */
  GByteArray *wbuf;
  gsize wpos;
  /* Where a message begins in wbuf, at or before the first one that begins
   * at or after wpos: management messages go in there (serval-link.c). */
  gsize wmsg;
  /* Management messages not yet written: mbuf->data[mpos .. mbuf->len), or
   * mbuf NULL. They never wait behind queued data frames: a flush sends
   * them as soon as the frame the transport has begun is complete. */
  GByteArray *mbuf;
  gsize mpos;

  guint keepalive_interval;
  guint keepalive_timeout;
  guint keepalive_timeout_next; /* a shorter timeout, taken once the peer is heard, or 0 */
  gint64 last_rx;
  gint64 next_ping;
  gint64 last_ping_sent; /* when this end last pinged, 0 while it follows */
  gint64 last_big_flush; /* when more than SMALL_BUFFER bytes last left at once */
  guint32 ping_nonce;

  ServalLinkLimits limits;
  gboolean guarded;     /* limits set: not logged in, a background entry of the poller */
  gint64 message_begun; /* when the partial message in rbuf began, or 0 */
  gint64 deadline;      /* when the link closes (serval_link_set_deadline()), or 0 */
  char *deadline_reason;

  guint64 frames_dropped;
  ServalLinkDrainFunc drain_func; /* serval-link-drain.c */
  gpointer drain_data;
  gsize drain_low_water;
  GError *close_reason;
  guint closing : 1;
  guint closed : 1;
  guint started : 1;
  guint want_write : 1; /* unsent bytes: the socket's writability is watched */
  guint bufs_grown : 1; /* a buffer grew past SMALL_BUFFER: give it back when idle */
  guint following : 1;  /* the peer pings: this end answers (serval-link-keepalive.c) */

  /* The interval said in pings and pongs (serval-link-keepalive.c): */
  guint keepalive_announce : 1; /* its pings and pongs say it (a server's, to a client that reads it) */
  guint keepalive_adopt : 1;    /* takes what the peer's say (a client's) */
  guint keepalive_told : 1;     /* one saying it left since the last retune */
};

void serval_link_close_with (ServalLink *link, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);
/* Read and write interest in the poller, from the link's state. */
void serval_link_update_interest (ServalLink *link);
/* Sends what is queued at the end of the poller's dispatch. */
void serval_link_schedule_flush (ServalLink *link);
/* Arms the poller's timer for the nearest of the next ping, the deadline
 * and the end of the time a begun message may take. */
void serval_link_arm_timer (ServalLink *link);
/* A read pass: reads what the transport has and handles every message. */
void serval_link_read (ServalLink *link);
/* Reads when the transport's own source says so (link->read_source),
 * where epoll cannot be used. */
void serval_link_watch_readable (ServalLink *link);
/* Hands bytes to the transport: TRUE when all of them and all it holds left. */
gboolean serval_link_send_bytes (ServalLink *link, const guint8 *data, gsize len, gsize *taken);
/* FALSE (and the link closed) when the queue is over its hard limit. */
gboolean serval_link_check_queue (ServalLink *link);
/* serval-link-drain.c: where management messages may go in wbuf, and
 * sending them first (TRUE when they all left). */
gsize serval_link_data_boundary (ServalLink *link);
gboolean serval_link_flush_management (ServalLink *link);
/* serval-link-keepalive.c: the keepalive's part of the timer (TRUE if it
 * closed the link), its start, and a ping (answered here) or a pong heard
 * from the peer. */
gboolean serval_link_keepalive_tick (ServalLink *link, gint64 now);
void serval_link_keepalive_start (ServalLink *link);
void serval_link_keepalive_ping_heard (ServalLink *link, const Ping_t *ping);
void serval_link_keepalive_pong_heard (ServalLink *link, const Ping_t *pong);
/* After a write: the drain function's turn if the queue is below its mark. */
void serval_link_drain (ServalLink *link);

G_END_DECLS
