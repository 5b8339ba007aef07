#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-link-private.h"

/* Receiving: read passes through the transport, the length-prefixed
 * framing, and handing each message to the link's handlers. */

#define READ_CHUNK (64 * 1024)
/* Messages handled per wake-up before yielding to other sources. */
#define MAX_READS_PER_WAKEUP 64

/* Handles one message body; FALSE if the link was closed meanwhile. */
static gboolean
handle_body (ServalLink *link, const guint8 *body, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Message_t) msg = NULL;
  ServalFrame frame;
  ServalOffload off;
  gboolean has_offload;

  if (serval_data_parse_offload (body, len, &frame.vlan, &off, &has_offload, &frame.data, &frame.len))
    {
      frame.offload = has_offload ? &off : NULL;
      if (link->data_func != NULL)
        link->data_func (link, &frame, link->user_data);
      return !link->closed;
    }

  msg = serval_message_decode (body, len, &error);
  if (msg == NULL)
    {
      serval_link_close_with (link, SERVAL_LINK_ERROR_PROTOCOL, _("%s sent a bad message: %s"), link->peer, error->message);
      return FALSE;
    }

  switch (msg->present)
    {
    case Message_PR_ping:
      serval_link_keepalive_ping_heard (link, &msg->choice.ping);
      break;
    case Message_PR_pong:
      serval_link_keepalive_pong_heard (link, &msg->choice.pong);
      break;
    case Message_PR_data:
      /* Valid BER but not our DER form: still a frame. */
      frame.data = msg->choice.data.frame.buf;
      frame.len = msg->choice.data.frame.size;
      frame.vlan = msg->choice.data.vlan;
      frame.offload = NULL;
      if (msg->choice.data.offload != NULL)
        {
          serval_offload_from_asn (msg->choice.data.offload, &off);
          frame.offload = &off;
        }
      if (link->data_func != NULL)
        link->data_func (link, &frame, link->user_data);
      break;
    default:
      if (link->message_func != NULL)
        link->message_func (link, msg, link->user_data);
      break;
    }
  return !link->closed;
}

/* Handles every complete message in @p[0..@avail): the bytes used, or -1
 * if the link was closed meanwhile. */
static gssize
parse_messages (ServalLink *link, const guint8 *p, gsize avail)
{
  gsize used = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize len;

      if (avail - used < SERVAL_LENGTH_PREFIX)
        break;
      if (!serval_frame_length (p + used, &len, &error))
        {
          serval_link_close_with (link, SERVAL_LINK_ERROR_PROTOCOL, _("%s broke the protocol: %s"), link->peer, error->message);
          return -1;
        }
      /* Refused before a byte of it is kept or decoded. */
      if (len > link->limits.max_message)
        {
          serval_link_close_with (link, SERVAL_LINK_ERROR_PROTOCOL,
                                  /* No G_GSIZE_FORMAT here: xgettext cuts the string at a macro. */
                                  _("%s announced a message of %lu bytes; this link takes at most %lu now"),
                                     link->peer, (unsigned long) len, (unsigned long) link->limits.max_message);
          return -1;
        }
      if (avail - used < SERVAL_LENGTH_PREFIX + len)
        break;
      used += SERVAL_LENGTH_PREFIX + len;
      if (!handle_body (link, p + used - len, len))
        return -1;
    }
  return used;
}

/* Parses every complete message in the buffer: the bytes used, or -1 if
 * the link was closed. */
static gssize
parse_buffer (ServalLink *link)
{
  gssize used;

  /* rpos moves before the handlers run, so that they see a consistent link. */
  used = parse_messages (link, link->rbuf->data + link->rpos, link->rbuf->len - link->rpos);
  if (used < 0)
    return -1;
  link->rpos += used;

  /* Keep only the unparsed tail, at the buffer's start. */
  if (link->rpos == link->rbuf->len)
    {
      g_byte_array_set_size (link->rbuf, 0);
      link->rpos = 0;
    }
  else if (link->rpos > 0)
    {
      g_byte_array_remove_range (link->rbuf, 0, link->rpos);
      link->rpos = 0;
    }
  return used;
}

/* How much to read into the link's own buffer, which holds a partial
 * message. A link that takes only small messages reads what that message
 * lacks and no more: its buffer never grows past one message (the next
 * read goes to the poller's shared buffer). */
static gsize
read_size (ServalLink *link)
{
  gsize have = link->rbuf->len - link->rpos;
  gsize len;

  if (link->limits.max_message >= READ_CHUNK)
    return READ_CHUNK;
  if (have < SERVAL_LENGTH_PREFIX)
    return SERVAL_LENGTH_PREFIX - have;
  /* parse_messages() checked this length when it kept the partial message. */
  if (!serval_frame_length (link->rbuf->data + link->rpos, &len, NULL) || SERVAL_LENGTH_PREFIX + len <= have)
    return READ_CHUNK;
  return SERVAL_LENGTH_PREFIX + len - have;
}

/* A partial message is kept: note when it began (for the message timeout),
 * anew when one was finished in this read. */
static void
note_partial (ServalLink *link, gboolean finished_one)
{
  if (link->limits.message_timeout == 0)
    return;
  if (link->rbuf->len == link->rpos)
    link->message_begun = 0;
  else if (link->message_begun == 0 || finished_one)
    {
      link->message_begun = g_get_monotonic_time ();
      serval_link_arm_timer (link);
    }
}

/* Reads once into the poller's shared buffer (between messages) or the
 * link's own and handles every complete message: the bytes read, 0 at the
 * end, SERVAL_LINK_TRANSPORT_AGAIN, or -1 (the link was closed). */
static gssize
link_read_once (ServalLink *link, ServalPoller *poller)
{
  g_autoptr(GError) error = NULL;
  ServalLinkTransport *t = link->transport;
  guint8 *shared = NULL;
  guint old = link->rbuf->len;
  gssize n;

  /* Between messages, read into the poller's shared buffer and keep only
   * a partial message: an idle link owns no read buffer. */
  if (old == 0 && poller != NULL)
    shared = serval_poller_borrow_buffer (poller);
  if (shared != NULL)
    n = t->funcs->recv (t, shared, SERVAL_POLLER_BUFFER_SIZE, &error);
  else
    {
      gsize want = read_size (link);

      g_byte_array_set_size (link->rbuf, old + want);
      link->bufs_grown = TRUE;
      n = t->funcs->recv (t, link->rbuf->data + old, want, &error);
      g_byte_array_set_size (link->rbuf, old + MAX (n, 0));
    }
  if (n <= 0 && shared != NULL)
    serval_poller_return_buffer (poller, shared);
  if (n == SERVAL_LINK_TRANSPORT_AGAIN)
    return n;
  if (n < 0)
    {
      serval_link_close_with (link, SERVAL_LINK_ERROR_IO, _("The connection to %s failed: %s"), link->peer, error->message);
      return -1;
    }
  if (n == 0)
    {
      if (link->rbuf->len > 0)
        serval_link_close_with (link, SERVAL_LINK_ERROR_PROTOCOL,
                                _("%s closed the connection in the middle of a message"), link->peer);
      else
        serval_link_close_with (link, SERVAL_LINK_ERROR_CLOSED, _("%s closed the connection"), link->peer);
      return 0;
    }
  link->last_rx = g_get_monotonic_time ();
  if (shared != NULL)
    {
      gssize used = parse_messages (link, shared, n);

      if (used >= 0 && used < n && !link->closed)
        g_byte_array_append (link->rbuf, shared + used, n - used);
      serval_poller_return_buffer (poller, shared);
      if (used < 0)
        return -1;
      note_partial (link, used > 0);
    }
  else
    {
      gssize used = parse_buffer (link);

      if (used < 0)
        return -1;
      note_partial (link, used > 0);
    }
  return n;
}

/* Reads until the transport has nothing more (also nothing it holds read
 * ahead or decrypted) or MAX_READS_PER_WAKEUP, and handles every message. */
void
serval_link_read (ServalLink *link)
{
  /* Closing drops the link's poller: keep it while its buffer is borrowed. */
  g_autoptr(ServalPoller) poller = link->poller ? serval_poller_ref (link->poller) : NULL;
  ServalLinkTransport *t = link->transport;
  gsize got = 0;
  gboolean blocked = FALSE;
  gboolean pending;
  int i;

  g_object_ref (link);
  if (t->funcs->read_begin != NULL)
    t->funcs->read_begin (t);
  for (i = 0; i < MAX_READS_PER_WAKEUP && !link->closed && !link->closing; i++)
    {
      gssize n = link_read_once (link, poller);

      blocked = n == SERVAL_LINK_TRANSPORT_AGAIN;
      if (n <= 0)
        break;
      got += n;
    }
  pending = t->funcs->read_end != NULL && t->funcs->read_end (t, got);

  if (!link->closed && !link->closing && link->entry != NULL)
    {
      if (i == MAX_READS_PER_WAKEUP || pending)
        /* More may wait inside the transport, where epoll cannot see it. */
        serval_poller_mark_pending (link->entry);
      else if (blocked && got == 0 && link->read_source == NULL &&
               t->funcs->stalled != NULL && t->funcs->stalled (t))
        {
          /* The transport took nothing although the socket has input: it
           * waits for something else (GIO's TLS, to write a key update
           * reply, or another operation). Level-triggered epoll would wake
           * us in vain; let the transport's source, which knows what it
           * waits for, watch this link until it can read again. */
          serval_link_watch_readable (link);
          serval_link_update_interest (link);
        }
    }
  /* Records the transport made while reading (a key update reply, an alert). */
  if (!link->closed && t->queued > 0)
    serval_link_schedule_flush (link);
  g_object_unref (link);
}

/* A per-link source: no socket in the poller, or the transport waited for
 * something else. */
static gboolean
read_ready_cb (GObject *stream, gpointer user_data)
{
  /* Closing may drop the last reference to the link. */
  g_autoptr(ServalLink) link = g_object_ref (user_data);

  if (link->fd >= 0)
    {
      /* Back to epoll; serval_link_read() falls back again if still needed. */
      g_clear_pointer (&link->read_source, g_source_unref);
      serval_link_update_interest (link);
      serval_link_read (link);
      return G_SOURCE_REMOVE;
    }
  serval_link_read (link);
  if (link->closed || link->closing)
    {
      g_clear_pointer (&link->read_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Reads when the transport's own source says so, instead of epoll. */
void
serval_link_watch_readable (ServalLink *link)
{
  link->read_source = link->transport->funcs->create_source (link->transport, G_IO_IN);
  g_source_set_callback (link->read_source, G_SOURCE_FUNC (read_ready_cb), link, NULL);
  g_source_attach (link->read_source, link->context);
}
