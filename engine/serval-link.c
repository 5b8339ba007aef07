#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-link.h"
#include "serval-link-private.h"
#include "serval-util.h"

/* The link's own logic: the object, the send queue, timers and closing
 * (reading and framing: serval-link-read.c; pings: serval-link-keepalive.c).
 * The bytes move through a ServalLinkTransport (serval-link-transport.h). */

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-link-error-quark, serval_link_error)
/* clang-format on */

/* Buffers that held more than this are given back once the link is idle
 * and they are empty (a join's member list grows the send buffer to 1-2 KiB,
 * which an idle link would otherwise keep for good). */
#define SMALL_BUFFER 256

enum
{
  SIGNAL_CLOSED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ServalLink, serval_link, G_TYPE_OBJECT)

static void
destroy_sources (ServalLink *link)
{
  serval_clear_source (&link->read_source);
  serval_clear_source (&link->write_source);
  g_clear_pointer (&link->entry, serval_poller_remove);
  g_clear_pointer (&link->poller, serval_poller_unref);
}

/* Read interest while the link reads through epoll; write interest while
 * bytes wait for the socket. */
void
serval_link_update_interest (ServalLink *link)
{
  if (link->entry == NULL || link->fd < 0)
    return;
  serval_poller_set_interest (link->entry,
                              !link->closed && !link->closing && link->read_source == NULL,
                              link->want_write);
}

static void
serval_link_dispose (GObject *object)
{
  ServalLink *link = SERVAL_LINK (object);

  destroy_sources (link);
  if (link->transport != NULL)
    link->transport->funcs->close (link->transport);
  G_OBJECT_CLASS (serval_link_parent_class)->dispose (object);
}

static void
serval_link_finalize (GObject *object)
{
  ServalLink *link = SERVAL_LINK (object);

  if (link->transport != NULL)
    link->transport->funcs->free (link->transport);
  g_clear_pointer (&link->rbuf, g_byte_array_unref);
  g_clear_pointer (&link->wbuf, g_byte_array_unref);
  g_clear_pointer (&link->mbuf, g_byte_array_unref);
  g_clear_pointer (&link->context, g_main_context_unref);
  g_clear_error (&link->close_reason);
  g_free (link->deadline_reason);
  g_free (link->peer);
  G_OBJECT_CLASS (serval_link_parent_class)->finalize (object);
}

static void
serval_link_class_init (ServalLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = serval_link_dispose;
  object_class->finalize = serval_link_finalize;

  /**
   * ServalLink::closed:
   * @reason: (nullable): why, or %NULL when closed by this side
   *
   * Emitted once, when the link is closed for any reason.
   */
  signals[SIGNAL_CLOSED] =
      g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
serval_link_init (ServalLink *link)
{
  /* Nothing pre-sized: an idle link holds no buffer memory. */
  link->rbuf = g_byte_array_new ();
  link->wbuf = g_byte_array_new ();
  link->fd = -1;
  link->ping_nonce = g_random_int () & 0x7fffffff;
  serval_link_set_limits (link, NULL);
}

ServalLink *
serval_link_new_with_transport (ServalLinkTransport *transport, const char *peer)
{
  ServalLink *link = g_object_new (SERVAL_TYPE_LINK, NULL);

  link->transport = transport;
  link->peer = g_strdup (peer != NULL ? peer : "peer");
  link->last_rx = g_get_monotonic_time ();
  return link;
}

/**
 * serval_link_is_resumed:
 * @link: a link
 *
 * Whether the link's TLS session resumed an earlier one (no certificate or
 * key exchange with signatures: a cheaper handshake for both sides).
 *
 * Returns: %TRUE if resumed; %FALSE also for links without TLS sessions
 */
gboolean
serval_link_is_resumed (ServalLink *link)
{
  return link->transport->funcs->is_resumed != NULL &&
         link->transport->funcs->is_resumed (link->transport);
}

/**
 * serval_link_get_resume_data:
 * @link: a link
 *
 * What serval_link_connect_async() needs to resume this session later.
 *
 * Returns: (transfer full) (nullable): the data, or %NULL (no ticket from
 *   the server yet, or not a client's TLS link)
 */
GBytes *
serval_link_get_resume_data (ServalLink *link)
{
  if (link->transport->funcs->get_resume_data == NULL)
    return NULL;
  return link->transport->funcs->get_resume_data (link->transport);
}

/**
 * serval_link_set_handlers:
 * @link: a link
 * @message_func: (nullable) (scope forever): called for management messages
 * @data_func: (nullable) (scope forever): called for data frames
 * @user_data: for both; it must outlive the handlers (there is no destroy
 *   notify: set the handlers to %NULL before freeing it)
 *
 * Sets what is called for each message received, on the link's main
 * context. Pings and pongs are handled inside the link.
 */
void
serval_link_set_handlers (ServalLink *link, ServalLinkMessageFunc message_func,
                          ServalLinkDataFunc data_func, gpointer user_data)
{
  link->message_func = message_func;
  link->data_func = data_func;
  link->user_data = user_data;
}

/**
 * serval_link_get_peer:
 * @link: a link
 *
 * Returns: (transfer none): the name the link was made with, for messages
 */
const char *
serval_link_get_peer (ServalLink *link)
{
  return link->peer;
}

/**
 * serval_link_get_frames_dropped:
 * @link: a link
 *
 * Returns: the data frames not queued (queue full, link closed, bad size)
 */
guint64
serval_link_get_frames_dropped (ServalLink *link)
{
  return link->frames_dropped;
}

/**
 * serval_link_get_queued:
 * @link: a link
 *
 * Returns: the bytes queued and not yet taken by the socket
 */
gsize
serval_link_get_queued (ServalLink *link)
{
  gsize queued = link->wbuf->len - link->wpos + link->transport->queued;

  if (G_UNLIKELY (link->mbuf != NULL))
    queued += link->mbuf->len - link->mpos;
  return queued;
}

/**
 * serval_link_is_closed:
 * @link: a link
 *
 * Returns: %TRUE once the link is closed
 */
gboolean
serval_link_is_closed (ServalLink *link)
{
  return link->closed;
}

/**
 * serval_link_close:
 * @link: a link
 * @reason: (nullable): why, or %NULL when closed by this side
 *
 * Closes now: what is queued is dropped. #ServalLink::closed is emitted
 * once, with @reason (or the one given to serval_link_close_after_flush()).
 */
void
serval_link_close (ServalLink *link, const GError *reason)
{
  g_autoptr(GError) copy = NULL;

  if (link->closed)
    return;
  link->closed = TRUE;
  g_object_ref (link);
  destroy_sources (link);
  link->transport->funcs->close (link->transport);
  if (reason == NULL)
    reason = link->close_reason;
  copy = reason != NULL ? g_error_copy (reason) : NULL;
  g_signal_emit (link, signals[SIGNAL_CLOSED], 0, copy);
  g_object_unref (link);
}

/**
 * serval_link_close_after_flush:
 * @link: a link
 * @reason: (nullable): why, or %NULL when closed by this side
 *
 * Stops reading, sends what is queued, then closes.
 */
void
serval_link_close_after_flush (ServalLink *link, const GError *reason)
{
  if (link->closed || link->closing)
    return;
  link->closing = TRUE;
  if (reason != NULL)
    link->close_reason = g_error_copy (reason);
  serval_clear_source (&link->read_source);
  serval_link_update_interest (link);
  if (serval_link_get_queued (link) == 0)
    serval_link_close (link, link->close_reason);
  else
    serval_link_schedule_flush (link);
}

void
serval_link_close_with (ServalLink *link, int code, const char *format, ...)
{
  g_autoptr(GError) error = NULL;
  va_list ap;

  va_start (ap, format);
  error = g_error_new_valist (SERVAL_LINK_ERROR, code, format, ap);
  va_end (ap);
  serval_link_close (link, error);
}

/* --- writing --------------------------------------------------------------- */

static gboolean write_ready_cb (GObject *stream, gpointer user_data);

/* The socket takes nothing now: watch for writability (level triggered:
 * only from now until the queue is empty). */
static void
wait_writable (ServalLink *link)
{
  if (link->fd >= 0)
    {
      link->want_write = TRUE;
      serval_link_update_interest (link);
    }
  else if (link->write_source == NULL)
    {
      link->write_source = link->transport->funcs->create_source (link->transport, G_IO_OUT);
      g_source_set_callback (link->write_source, G_SOURCE_FUNC (write_ready_cb), link, NULL);
      g_source_attach (link->write_source, link->context);
    }
}

/* serval-link-private.h. Hands @data[0..@len) to the transport (*@taken: how much it took):
 * TRUE when it took all and sent all it holds; FALSE when the socket is
 * full (the link then waits for it) or failed (the link is closed). */
gboolean
serval_link_send_bytes (ServalLink *link, const guint8 *data, gsize len, gsize *taken)
{
  g_autoptr(GError) error = NULL;
  ServalLinkSendResult result = link->transport->funcs->send (link->transport, data, len, taken, &error);

  if (result == SERVAL_LINK_SEND_AGAIN)
    {
      wait_writable (link);
      serval_link_drain (link);
      return FALSE;
    }
  if (result == SERVAL_LINK_SEND_ERROR)
    {
      serval_link_close_with (link, SERVAL_LINK_ERROR_IO, _("Sending to %s failed: %s"), link->peer, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
link_flush (ServalLink *link)
{
  gsize total = link->wbuf->len;
  gsize taken = 0;
  gboolean ok;

  if (G_UNLIKELY (link->mbuf != NULL) && !serval_link_flush_management (link))
    return;
  /* Every queued frame in one call: the transport sends them in as few
   * system calls as the socket takes. */
  ok = serval_link_send_bytes (link, link->wbuf->data + link->wpos, link->wbuf->len - link->wpos, &taken);
  link->wpos += taken;
  if (!ok)
    return;

  /* All sent: reuse the buffer from its start. */
  g_byte_array_set_size (link->wbuf, 0);
  link->wpos = 0;
  link->wmsg = 0;
  if (total > SMALL_BUFFER)
    {
      gint64 now = g_get_monotonic_time ();

      /* A burst on a quiet link (a join's member list): give the memory
       * back now, while the allocator can hand it to the next connection.
       * A busy link keeps its buffer (no allocation per write); the
       * keepalive timer trims it once the link is idle. */
      if (now - link->last_big_flush > G_USEC_PER_SEC)
        {
          g_byte_array_unref (link->wbuf);
          link->wbuf = g_byte_array_new ();
        }
      else
        link->bufs_grown = TRUE;
      link->last_big_flush = now;
    }
  if (link->want_write)
    {
      link->want_write = FALSE;
      serval_link_update_interest (link);
    }
  if (link->closing)
    serval_link_close (link, link->close_reason);
  else
    serval_link_drain (link);
}

static gboolean
write_ready_cb (GObject *stream, gpointer user_data)
{
  ServalLink *link = user_data;

  g_clear_pointer (&link->write_source, g_source_unref);
  link_flush (link);
  return G_SOURCE_REMOVE;
}

/* The poller: the socket takes more. */
static void
poller_writable_cb (gpointer user_data)
{
  ServalLink *link = g_object_ref (user_data);

  link_flush (link);
  g_object_unref (link);
}

/* The poller, at the end of its dispatch: send what was queued meanwhile. */
static void
poller_flush_cb (gpointer user_data)
{
  ServalLink *link = g_object_ref (user_data);

  if (!link->want_write && link->write_source == NULL)
    link_flush (link);
  g_object_unref (link);
}

void
serval_link_schedule_flush (ServalLink *link)
{
  if (link->entry == NULL || link->want_write || link->write_source != NULL || link->closed)
    return;
  /* Everything queued before the poller's dispatch ends leaves in one
   * write, in the same main-loop iteration when queued from it. */
  serval_poller_mark_dirty (link->entry);
}

gboolean
serval_link_check_queue (ServalLink *link)
{
  if (serval_link_get_queued (link) > link->limits.queue_limit)
    {
      serval_link_close_with (link, SERVAL_LINK_ERROR_TOO_SLOW,
                              /* No G_GSIZE_FORMAT here: xgettext cuts the string at a macro. */
                              _("%s does not read what is sent to it (over %lu KiB queued)"), link->peer,
                                 (unsigned long) (link->limits.queue_limit / 1024));
      return FALSE;
    }
  /* Compact when the sent part dominates. */
  if (link->wpos > 0 && link->wpos >= link->wbuf->len / 2)
    {
      link->wmsg = serval_link_data_boundary (link) - link->wpos;
      g_byte_array_remove_range (link->wbuf, 0, link->wpos);
      link->wpos = 0;
    }
  return TRUE;
}

/**
 * serval_link_send_take:
 * @link: a link
 * @msg: (transfer full): the message
 *
 * Queues @msg and frees it. A failure other than a closed link is logged.
 *
 * Returns: %FALSE if @msg was not queued
 */
gboolean
serval_link_send_take (ServalLink *link, Message_t *msg)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = serval_link_send (link, msg, &error);

  if (!ok && !g_error_matches (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED))
    g_warning ("%s", error->message);
  serval_message_free (msg);
  return ok;
}

/**
 * serval_link_send_data:
 * @link: a link
 * @vlan: the frame's VLAN tag
 * @frame: (array length=len): an Ethernet frame, copied into the queue
 * @len: its length, 14 to 65535 bytes
 *
 * Queues a data frame. Frames are dropped (and counted) while more than
 * %SERVAL_LINK_DATA_QUEUE_LIMIT bytes are queued.
 *
 * Returns: %FALSE if the frame was dropped (queue full, link closed, bad size)
 */
gboolean
serval_link_send_data (ServalLink *link, guint32 vlan, const guint8 *frame, gsize len)
{
  ServalFrame plain = { frame, len, vlan, NULL };

  return serval_link_send_frame (link, &plain);
}

/**
 * serval_link_send_frame:
 * @link: a link
 * @frame: an Ethernet frame of 14 to 65535 bytes, copied into the queue,
 *   with its VLAN tag and its offload metadata (only for a peer whose Hello
 *   said offload; serval_frame_deliver() makes plain frames for others)
 *
 * serval_link_send_data() for a frame that may carry offload metadata.
 *
 * Returns: %FALSE if the frame was dropped
 */
gboolean
serval_link_send_frame (ServalLink *link, const ServalFrame *frame)
{
  guint8 hdr[SERVAL_DATA_HEADER_MAX];
  gsize hlen;

  if (link->closed || link->closing || serval_link_get_queued (link) > SERVAL_LINK_DATA_QUEUE_LIMIT ||
      frame->len < 14 || frame->len > 65535)
    {
      link->frames_dropped++;
      return FALSE;
    }
  if (!serval_link_check_queue (link))
    {
      link->frames_dropped++;
      return FALSE;
    }
  hlen = serval_data_header_offload (hdr, frame->vlan, frame->len, frame->offload);
  g_byte_array_append (link->wbuf, hdr, hlen);
  g_byte_array_append (link->wbuf, frame->data, frame->len);
  serval_link_schedule_flush (link);
  return TRUE;
}

static void
poller_readable_cb (gpointer user_data)
{
  ServalLink *link = user_data;

  if (link->read_source == NULL || link->fd < 0)
    serval_link_read (link);
}

/* Gives buffers grown by a burst back once the link is idle and they are empty. */
static void
trim_buffers (ServalLink *link)
{
  ServalLinkTransport *t = link->transport;

  if (!link->bufs_grown && !t->bufs_grown)
    return;
  if (link->rbuf->len == 0)
    {
      g_byte_array_unref (link->rbuf);
      link->rbuf = g_byte_array_new ();
      link->rpos = 0;
    }
  if (link->wbuf->len == 0)
    {
      g_byte_array_unref (link->wbuf);
      link->wbuf = g_byte_array_new ();
      link->wpos = 0;
    }
  if (t->funcs->trim != NULL)
    t->funcs->trim (t);
  link->bufs_grown = link->rbuf->len > 0 || link->wbuf->len > 0;
}

/* When the message begun in rbuf must be complete, or 0. */
static gint64
message_due (ServalLink *link)
{
  if (link->message_begun == 0 || link->limits.message_timeout == 0)
    return 0;
  return link->message_begun + (gint64) link->limits.message_timeout * G_USEC_PER_SEC;
}

void
serval_link_arm_timer (ServalLink *link)
{
  gint64 when = link->keepalive_interval != 0 ? link->next_ping : -1;
  gint64 due = message_due (link);

  if (link->entry == NULL || link->closed)
    return;
  if (link->deadline != 0 && (when < 0 || link->deadline < when))
    when = link->deadline;
  if (due != 0 && (when < 0 || due < when))
    when = due;
  serval_poller_set_timer (link->entry, when);
}

/* Closes the link if its deadline passed, or a message it began took too
 * long (a peer that drips a message holds its buffer); TRUE if it did. */
static gboolean
check_deadlines (ServalLink *link, gint64 now)
{
  gint64 due = message_due (link);

  if (link->deadline != 0 && now >= link->deadline)
    {
      serval_link_close_with (link, SERVAL_LINK_ERROR_TIMEOUT, "%s %s", link->peer, link->deadline_reason);
      return TRUE;
    }
  if (due != 0 && now >= due)
    {
      serval_link_close_with (link, SERVAL_LINK_ERROR_TIMEOUT,
                              g_dngettext (GETTEXT_PACKAGE, "%s began a message and did not finish it within %u second",
                                           "%s began a message and did not finish it within %u seconds",
                                           link->limits.message_timeout),
                              link->peer, link->limits.message_timeout);
      return TRUE;
    }
  return FALSE;
}

static void
poller_timer_cb (gpointer user_data)
{
  g_autoptr(ServalLink) link = g_object_ref (user_data);
  gint64 now = g_get_monotonic_time ();

  trim_buffers (link);
  if (check_deadlines (link, now))
    return;
  if (serval_link_keepalive_tick (link, now))
    return;
  serval_link_arm_timer (link);
}

/**
 * serval_link_set_limits:
 * @link: a link
 * @limits: (nullable): the limits, or %NULL for the defaults
 *   (%SERVAL_MAX_MESSAGE, %SERVAL_LINK_QUEUE_HARD_LIMIT, no message timeout)
 *
 * Bounds what a peer may make the link hold: a message announced longer
 * than @limits->max_message, more than @limits->queue_limit bytes queued
 * for a peer that does not read, or a message begun and not finished
 * within @limits->message_timeout seconds close the link. A link whose
 * messages are small also reads only what its current message lacks, so
 * its read buffer never holds more than one of them.
 *
 * A link with limits (one that has not logged in) is also served after
 * the others by its poller, within a budget per pass
 * (serval_poller_set_background()): a reconnect storm's logins wait, the
 * sessions already logged in do not.
 */
void
serval_link_set_limits (ServalLink *link, const ServalLinkLimits *limits)
{
  static const ServalLinkLimits defaults = { SERVAL_MAX_MESSAGE, SERVAL_LINK_QUEUE_HARD_LIMIT, 0 };

  link->limits = limits != NULL ? *limits : defaults;
  link->guarded = limits != NULL;
  if (link->entry != NULL)
    serval_poller_set_background (link->entry, link->guarded);
  link->limits.max_message = CLAMP (link->limits.max_message, 1, SERVAL_MAX_MESSAGE);
  if (link->started)
    serval_link_arm_timer (link);
}

/**
 * serval_link_set_deadline:
 * @link: a link
 * @seconds: from now; 0 takes the deadline away
 * @reason: (nullable): what the peer failed to do in time, after its name
 *   in the error (e.g. "did not log in within 30 s")
 *
 * Closes the link with %SERVAL_LINK_ERROR_TIMEOUT in @seconds unless the
 * deadline is taken away first, whatever the peer sends meanwhile.
 */
void
serval_link_set_deadline (ServalLink *link, guint seconds, const char *reason)
{
  g_clear_pointer (&link->deadline_reason, g_free);
  link->deadline = 0;
  if (seconds > 0)
    {
      link->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
      link->deadline_reason = g_strdup (reason != NULL ? reason : _("did not finish in time"));
    }
  if (link->started)
    serval_link_arm_timer (link);
}

static const ServalPollerFuncs link_poller_funcs = {
  .readable = poller_readable_cb,
  .writable = poller_writable_cb,
  .flush = poller_flush_cb,
  .timer = poller_timer_cb,
};

/**
 * serval_link_start:
 * @link: a link not yet started
 *
 * Starts reading, sending and the keepalive on the thread-default main
 * context, whose one #ServalPoller serves all its links.
 */
void
serval_link_start (ServalLink *link)
{
  g_autoptr(GError) error = NULL;
  int fd;

  g_return_if_fail (!link->started);

  link->started = TRUE;
  link->context = g_main_context_ref_thread_default ();
  link->last_rx = g_get_monotonic_time ();
  fd = link->transport->funcs->start (link->transport);
  link->poller = serval_poller_ref_for_context (link->context);
  if (fd >= 0)
    {
      link->fd = fd;
      link->entry = serval_poller_add (link->poller, link->fd, &link_poller_funcs, link, &error);
      if (link->entry == NULL)
        {
          g_debug ("%s: %s; using a source of its own", link->peer, error->message);
          link->fd = -1;
        }
    }
  if (link->entry == NULL)
    link->entry = serval_poller_add (link->poller, -1, &link_poller_funcs, link, NULL);
  serval_poller_set_background (link->entry, link->guarded);
  if (link->fd < 0)
    {
      /* No socket to give epoll: the transport's own source. */
      serval_link_watch_readable (link);
    }
  serval_link_keepalive_start (link);
  if (serval_link_get_queued (link) > 0)
    serval_link_schedule_flush (link);
  /* The transport may hold bytes already (decrypted by TLS): look in the
   * next dispatch. */
  serval_poller_mark_pending (link->entry);
}
