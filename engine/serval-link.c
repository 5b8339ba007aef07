#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-link.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "serval-poller.h"
#include "serval-tls.h"

G_DEFINE_QUARK (serval-link-error-quark, serval_link_error)

#define READ_CHUNK (64 * 1024)
/* Messages handled per wake-up before yielding to other sources. */
#define MAX_READS_PER_WAKEUP 64

struct _ServalLink
{
  GObject parent_instance;

  GIOStream *stream;
  /* With GnuTLS directly on the socket (serval_link_new_tls()): the session,
   * and @stream is its GSocketConnection. Otherwise NULL and @in/@out are
   * used. */
  ServalTlsSession *tls;
  gnutls_session_t gs;
  int tls_fd;
  /* Ciphertext read ahead: one recv() serves GnuTLS's reads of record
   * headers and bodies (two each otherwise). Only while a read is under
   * way or when it stopped early; freed when drained. */
  guint8 *ct_in;
  gsize ct_in_pos, ct_in_len;
  /* Inside link_read(): a recv() that returned much less than asked for
   * (under a quarter) found the socket drained, so the next one would only
   * say EAGAIN; it is not made (level-triggered epoll reports what arrives
   * later). */
  gboolean in_read_pass;
  gboolean ct_in_drained;
  /* Ciphertext GnuTLS made and the socket has not taken yet: records are
   * collected here and leave in one send(). */
  GByteArray *ct_out;
  gsize ct_out_pos;
  GPollableInputStream *in;
  GPollableOutputStream *out;
  char *peer;

  ServalLinkMessageFunc message_func;
  ServalLinkDataFunc data_func;
  gpointer user_data;

  GMainContext *context;
  /* The context's shared poller watches the socket, runs the keepalive
   * timer and flushes the queue at the end of its dispatch. */
  ServalPoller *poller;
  ServalPollerEntry *entry;
  int fd;                  /* the socket under the stream, or -1 */
  /* Per-link pollable sources, only where epoll on the socket cannot be
   * used: a stream without a socket, or TLS that cannot read although the
   * socket has input (it waits for something else, e.g. to write). */
  GSource *read_source;
  GSource *write_source;

  /* Received bytes not yet parsed: rbuf->data[rpos .. rbuf->len). Empty
   * between messages: reads go to the poller's shared buffer then. */
  GByteArray *rbuf;
  gsize rpos;
  /* Queued bytes not yet written: wbuf->data[wpos .. wbuf->len). */
  GByteArray *wbuf;
  gsize wpos;

  guint keepalive_interval;
  guint keepalive_timeout;
  gint64 last_rx;
  gint64 next_ping;
  gint64 last_big_flush;   /* when more than SMALL_BUFFER bytes last left at once */
  guint32 ping_nonce;

  guint64 frames_dropped;
  /* DataFrame.offload of the frame being passed to data_func. */
  ServalOffload rx_offload;
  gboolean rx_offload_valid;
  GError *close_reason;
  guint closing : 1;
  guint closed : 1;
  guint started : 1;
  guint want_write : 1;    /* unsent bytes: the socket's writability is watched */
  guint bufs_grown : 1;    /* a buffer grew past SMALL_BUFFER: give it back when idle */
};

/* Buffers that held more than this are given back once the link is idle
 * and they are empty (a join's member list grows the send buffer to 1-2 KiB,
 * which an idle link would otherwise keep for good). */
#define SMALL_BUFFER 256

enum { SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ServalLink, serval_link, G_TYPE_OBJECT)

static void link_schedule_flush (ServalLink *link);
static void tls_bye (ServalLink *link);

static void
destroy_read_source (ServalLink *link)
{
  if (link->read_source != NULL)
    g_source_destroy (link->read_source);
  g_clear_pointer (&link->read_source, g_source_unref);
}

static void
destroy_sources (ServalLink *link)
{
  destroy_read_source (link);
  if (link->write_source != NULL)
    g_source_destroy (link->write_source);
  g_clear_pointer (&link->write_source, g_source_unref);
  g_clear_pointer (&link->entry, serval_poller_remove);
  g_clear_pointer (&link->poller, serval_poller_unref);
}

/* Read interest while the link reads through epoll; write interest while
 * bytes wait for the socket. */
static void
update_interest (ServalLink *link)
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
  tls_bye (link);
  if (link->stream != NULL && !g_io_stream_is_closed (link->stream))
    g_io_stream_close_async (link->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&link->stream);
  /* The session may outlive the link (whoever else holds it): no more
   * transport through this link. */
  if (link->gs != NULL)
    gnutls_transport_set_ptr (link->gs, NULL);
  g_clear_object (&link->tls);
  link->gs = NULL;
  G_OBJECT_CLASS (serval_link_parent_class)->dispose (object);
}

static void
serval_link_finalize (GObject *object)
{
  ServalLink *link = SERVAL_LINK (object);

  g_clear_pointer (&link->rbuf, g_byte_array_unref);
  g_clear_pointer (&link->ct_in, g_free);
  g_clear_pointer (&link->ct_out, g_byte_array_unref);
  g_clear_pointer (&link->wbuf, g_byte_array_unref);
  g_clear_pointer (&link->context, g_main_context_unref);
  g_clear_error (&link->close_reason);
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
  link->tls_fd = -1;
  link->ping_nonce = g_random_int () & 0x7fffffff;
}

ServalLink *
serval_link_new (GIOStream *stream, const char *peer)
{
  ServalLink *link;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  link = g_object_new (SERVAL_TYPE_LINK, NULL);
  link->stream = g_object_ref (stream);
  link->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  link->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  link->peer = g_strdup (peer != NULL ? peer : "peer");
  link->last_rx = g_get_monotonic_time ();
  return link;
}

/* Bytes read ahead for each recv(): a few records. */
#define CT_IN_SIZE (64 * 1024)
/* Ciphertext collected before one send(). */
#define CT_OUT_BATCH (256 * 1024)

static ssize_t
tls_pull (gnutls_transport_ptr_t ptr, void *buf, size_t size)
{
  ServalLink *link = ptr;
  gssize n;

  if (link == NULL)
    {
      errno = EPIPE;
      return -1;
    }
  if (link->tls_fd < 0)
    {
      errno = EPIPE;
      return -1;
    }
  if (link->ct_in_pos == link->ct_in_len)
    {
      if (link->in_read_pass && link->ct_in_drained)
        {
          errno = EAGAIN;
          gnutls_transport_set_errno (link->gs, EAGAIN);
          return -1;
        }
      if (link->ct_in == NULL)
        link->ct_in = g_malloc (CT_IN_SIZE);
      do
        n = recv (link->tls_fd, link->ct_in, CT_IN_SIZE, MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        {
          if (n < 0)
            gnutls_transport_set_errno (link->gs, errno);
          return n;
        }
      link->ct_in_pos = 0;
      link->ct_in_len = n;
      /* A short read of a few records: the peer is quiet, and the next
       * recv() would only say EAGAIN. A short read of many: the peer keeps
       * sending, and more has likely come while these are handled. */
      link->ct_in_drained = n < CT_IN_SIZE / 4;
    }
  n = MIN (size, link->ct_in_len - link->ct_in_pos);
  memcpy (buf, link->ct_in + link->ct_in_pos, n);
  link->ct_in_pos += n;
  return n;
}

static ssize_t
tls_push (gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  ServalLink *link = ptr;

  if (link == NULL)
    {
      errno = EPIPE;
      return -1;
    }
  if (link->ct_out == NULL)
    link->ct_out = g_byte_array_sized_new (len);
  g_byte_array_append (link->ct_out, data, len);
  return len;
}

static ssize_t
tls_vec_push (gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
  ssize_t total = 0;

  for (int i = 0; i < iovcnt; i++)
    {
      ssize_t n = tls_push (ptr, iov[i].iov_base, iov[i].iov_len);

      if (n < 0)
        return n;
      total += n;
    }
  return total;
}

/* Sends the collected ciphertext: TRUE when all of it left, FALSE if the
 * socket is full (*error unset) or failed (*error set). */
static gboolean
tls_send_out (ServalLink *link, GError **error)
{
  if (link->tls_fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the link is closed");
      return FALSE;
    }
  while (link->ct_out != NULL && link->ct_out_pos < link->ct_out->len)
    {
      gssize n = send (link->tls_fd, link->ct_out->data + link->ct_out_pos,
                       link->ct_out->len - link->ct_out_pos, MSG_DONTWAIT | MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return FALSE;
      if (n < 0)
        {
          int e = errno;

          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (e), g_strerror (e));
          return FALSE;
        }
      link->ct_out_pos += n;
    }
  if (link->ct_out != NULL)
    {
      /* A link that sent a big batch keeps its buffer for the next one
       * (trim_buffers() gives it back once the link is quiet); after a small
       * one it goes at once: idle clients keep nothing. */
      if (link->ct_out->len > 16 * 1024)
        {
          link->bufs_grown = TRUE;
          g_byte_array_set_size (link->ct_out, 0);
        }
      else
        g_clear_pointer (&link->ct_out, g_byte_array_unref);
      link->ct_out_pos = 0;
    }
  return TRUE;
}

/* close_notify, if the socket takes it now; then the link is done with
 * the socket: its descriptor may be reused for another connection as soon
 * as the stream is closed, so nothing is sent on it after this. */
static void
tls_bye (ServalLink *link)
{
  if (link->tls == NULL || link->tls_fd < 0)
    return;
  serval_tls_session_bye (link->tls);
  tls_send_out (link, NULL);
  link->tls_fd = -1;
  g_clear_pointer (&link->ct_out, g_byte_array_unref);
  link->ct_out_pos = 0;
}

ServalLink *
serval_link_new_tls (ServalTlsSession *tls, const char *peer)
{
  ServalLink *link;

  g_return_val_if_fail (SERVAL_IS_TLS_SESSION (tls), NULL);

  link = serval_link_new (G_IO_STREAM (serval_tls_session_get_connection (tls)), peer);
  link->tls = g_object_ref (tls);
  link->gs = serval_tls_session_get_gnutls (tls);
  link->tls_fd = g_socket_get_fd (g_socket_connection_get_socket (serval_tls_session_get_connection (tls)));
  /* The link reads ahead and collects records from now on; the handshake
   * went straight to the socket. */
  gnutls_transport_set_ptr (link->gs, link);
  gnutls_transport_set_pull_function (link->gs, tls_pull);
  gnutls_transport_set_push_function (link->gs, tls_push);
  gnutls_transport_set_vec_push_function (link->gs, tls_vec_push);
  return link;
}

gboolean
serval_link_is_resumed (ServalLink *link)
{
  return link->tls != NULL && serval_tls_session_is_resumed (link->tls);
}

GBytes *
serval_link_get_resume_data (ServalLink *link)
{
  return link->tls != NULL ? serval_tls_session_get_resume_data (link->tls) : NULL;
}

void
serval_link_set_handlers (ServalLink *link, ServalLinkMessageFunc message_func,
                          ServalLinkDataFunc data_func, gpointer user_data)
{
  link->message_func = message_func;
  link->data_func = data_func;
  link->user_data = user_data;
}

const char *
serval_link_get_peer (ServalLink *link)
{
  return link->peer;
}

const ServalOffload *
serval_link_get_rx_offload (ServalLink *link)
{
  return link->rx_offload_valid ? &link->rx_offload : NULL;
}

guint64
serval_link_get_frames_dropped (ServalLink *link)
{
  return link->frames_dropped;
}

gsize
serval_link_get_queued (ServalLink *link)
{
  return link->wbuf->len - link->wpos + (link->ct_out != NULL ? link->ct_out->len - link->ct_out_pos : 0);
}

gboolean
serval_link_is_closed (ServalLink *link)
{
  return link->closed;
}

void
serval_link_close (ServalLink *link, const GError *reason)
{
  g_autoptr(GError) copy = NULL;

  if (link->closed)
    return;
  link->closed = TRUE;
  g_object_ref (link);
  destroy_sources (link);
  tls_bye (link);
  if (link->stream != NULL && !g_io_stream_is_closed (link->stream))
    g_io_stream_close_async (link->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (reason == NULL)
    reason = link->close_reason;
  copy = reason != NULL ? g_error_copy (reason) : NULL;
  g_signal_emit (link, signals[SIGNAL_CLOSED], 0, copy);
  g_object_unref (link);
}

void
serval_link_close_after_flush (ServalLink *link, const GError *reason)
{
  if (link->closed || link->closing)
    return;
  link->closing = TRUE;
  if (reason != NULL)
    link->close_reason = g_error_copy (reason);
  destroy_read_source (link);
  update_interest (link);
  if (serval_link_get_queued (link) == 0)
    serval_link_close (link, link->close_reason);
  else
    link_schedule_flush (link);
}

static void
close_with (ServalLink *link, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
close_with (ServalLink *link, int code, const char *format, ...)
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
      update_interest (link);
    }
  else if (link->write_source == NULL)
    {
      link->write_source = g_pollable_output_stream_create_source (link->out, NULL);
      g_source_set_callback (link->write_source, G_SOURCE_FUNC (write_ready_cb), link, NULL);
      g_source_attach (link->write_source, link->context);
    }
}

/* GnuTLS: encrypts the queue into records, CT_OUT_BATCH bytes at a time,
 * and sends each batch with one send(). TRUE when everything left. */
static gboolean
tls_flush (ServalLink *link)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      if (!tls_send_out (link, &error))
        {
          if (error != NULL)
            close_with (link, SERVAL_LINK_ERROR_IO, "Sending to %s failed: %s", link->peer, error->message);
          else
            wait_writable (link);
          return FALSE;
        }
      if (link->wpos == link->wbuf->len)
        return TRUE;
      while (link->wpos < link->wbuf->len && (link->ct_out == NULL || link->ct_out->len < CT_OUT_BATCH))
        {
          gssize n;

          /* The push function never blocks: every record is made now. */
          do
            n = gnutls_record_send (link->gs, link->wbuf->data + link->wpos, link->wbuf->len - link->wpos);
          while (n == GNUTLS_E_INTERRUPTED);
          if (n < 0)
            {
              close_with (link, SERVAL_LINK_ERROR_IO, "Sending to %s failed: %s", link->peer,
                          gnutls_strerror (n));
              return FALSE;
            }
          link->wpos += n;
        }
    }
}

static void
link_flush (ServalLink *link)
{
  gsize total = link->wbuf->len;

  if (link->gs != NULL && !tls_flush (link))
    return;
  while (link->gs == NULL && link->wpos < link->wbuf->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_pollable_output_stream_write_nonblocking (link->out, link->wbuf->data + link->wpos,
                                                      link->wbuf->len - link->wpos, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          wait_writable (link);
          return;
        }
      if (n < 0)
        {
          close_with (link, SERVAL_LINK_ERROR_IO, "Sending to %s failed: %s", link->peer, error->message);
          return;
        }
      link->wpos += n;
    }

  /* All sent: reuse the buffer from its start. */
  g_byte_array_set_size (link->wbuf, 0);
  link->wpos = 0;
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
      update_interest (link);
    }
  if (link->closing)
    serval_link_close (link, link->close_reason);
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

static void
link_schedule_flush (ServalLink *link)
{
  if (link->entry == NULL || link->want_write || link->write_source != NULL || link->closed)
    return;
  /* Everything queued before the poller's dispatch ends leaves in one
   * write, in the same main-loop iteration when queued from it. */
  serval_poller_mark_dirty (link->entry);
}

static gboolean
check_queue (ServalLink *link)
{
  if (serval_link_get_queued (link) > SERVAL_LINK_QUEUE_HARD_LIMIT)
    {
      close_with (link, SERVAL_LINK_ERROR_TOO_SLOW,
                  "%s does not read what is sent to it (over %d MiB queued)",
                  link->peer, SERVAL_LINK_QUEUE_HARD_LIMIT / (1024 * 1024));
      return FALSE;
    }
  /* Compact when the sent part dominates. */
  if (link->wpos > 0 && link->wpos >= link->wbuf->len / 2)
    {
      g_byte_array_remove_range (link->wbuf, 0, link->wpos);
      link->wpos = 0;
    }
  return TRUE;
}

gboolean
serval_link_send (ServalLink *link, const Message_t *msg, GError **error)
{
  if (link->closed || link->closing)
    {
      g_set_error (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED,
                   _("The link to %s is closed"), link->peer);
      return FALSE;
    }
  if (!check_queue (link))
    {
      g_set_error (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TOO_SLOW,
                   _("%s does not read what is sent to it"), link->peer);
      return FALSE;
    }
  if (!serval_message_encode (msg, link->wbuf, error))
    return FALSE;
  link_schedule_flush (link);
  return TRUE;
}

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

gboolean
serval_link_send_data (ServalLink *link, guint32 vlan, const guint8 *frame, gsize len)
{
  return serval_link_send_data_offload (link, vlan, frame, len, NULL);
}

gboolean
serval_link_send_data_offload (ServalLink *link, guint32 vlan, const guint8 *frame, gsize len,
                               const ServalOffload *off)
{
  guint8 hdr[SERVAL_DATA_HEADER_MAX];
  gsize hlen;

  if (link->closed || link->closing || serval_link_get_queued (link) > SERVAL_LINK_DATA_QUEUE_LIMIT ||
      len < 14 || len > 65535)
    {
      link->frames_dropped++;
      return FALSE;
    }
  if (!check_queue (link))
    {
      link->frames_dropped++;
      return FALSE;
    }
  hlen = serval_data_header_offload (hdr, vlan, len, off);
  g_byte_array_append (link->wbuf, hdr, hlen);
  g_byte_array_append (link->wbuf, frame, len);
  link_schedule_flush (link);
  return TRUE;
}

/* --- reading --------------------------------------------------------------- */

/* Handles one message body; FALSE if the link was closed meanwhile. */
static gboolean
handle_body (ServalLink *link, const guint8 *body, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Message_t) msg = NULL;
  const guint8 *frame;
  gsize flen;
  guint32 vlan;
  gboolean has_offload;

  if (serval_data_parse_offload (body, len, &vlan, &link->rx_offload, &has_offload, &frame, &flen))
    {
      link->rx_offload_valid = has_offload;
      if (link->data_func != NULL)
        link->data_func (link, vlan, frame, flen, link->user_data);
      link->rx_offload_valid = FALSE;
      return !link->closed;
    }

  msg = serval_message_decode (body, len, &error);
  if (msg == NULL)
    {
      close_with (link, SERVAL_LINK_ERROR_PROTOCOL, "%s sent a bad message: %s",
                  link->peer, error->message);
      return FALSE;
    }

  switch (msg->present)
    {
    case Message_PR_ping:
      serval_link_send_take (link, serval_message_new_ping (TRUE, msg->choice.ping.nonce));
      break;
    case Message_PR_pong:
      break;
    case Message_PR_data:
      /* Valid BER but not our DER form: still a frame. */
      if (msg->choice.data.offload != NULL)
        serval_offload_from_asn (msg->choice.data.offload, &link->rx_offload);
      link->rx_offload_valid = msg->choice.data.offload != NULL;
      if (link->data_func != NULL)
        link->data_func (link, msg->choice.data.vlan, msg->choice.data.frame.buf,
                         msg->choice.data.frame.size, link->user_data);
      link->rx_offload_valid = FALSE;
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
          close_with (link, SERVAL_LINK_ERROR_PROTOCOL, "%s broke the protocol: %s",
                      link->peer, error->message);
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

/* Parses every complete message in the buffer. */
static gboolean
parse_buffer (ServalLink *link)
{
  gssize used;

  /* rpos moves before the handlers run, so that they see a consistent link. */
  used = parse_messages (link, link->rbuf->data + link->rpos, link->rbuf->len - link->rpos);
  if (used < 0)
    return FALSE;
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
  return TRUE;
}

/* TRUE if the socket has bytes TLS has not taken. */
static gboolean
socket_has_input (ServalLink *link)
{
  char c;

  return link->fd >= 0 && recv (link->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

static gboolean read_ready_cb (GObject *stream, gpointer user_data);

/* Bytes read, 0 at the end, -2 if nothing is there now, -1 with @error. */
static gssize
link_recv (ServalLink *link, guint8 *buf, gsize size, GError **error)
{
  gssize n;

  if (link->gs == NULL)
    {
      g_autoptr(GError) local = NULL;

      n = g_pollable_input_stream_read_nonblocking (link->in, buf, size, NULL, &local);
      if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return -2;
      if (n < 0)
        g_propagate_error (error, g_steal_pointer (&local));
      return n;
    }
  for (;;)
    {
      n = gnutls_record_recv (link->gs, buf, size);
      if (n >= 0)
        return n;
      /* GnuTLS also says AGAIN after a post-handshake message (a session
       * ticket, a key update): read on while ciphertext is buffered here,
       * where epoll cannot see it. */
      if (n == GNUTLS_E_AGAIN && link->ct_in_pos < link->ct_in_len)
        continue;
      if (n == GNUTLS_E_AGAIN)
        return -2;
      /* The peer closed without close_notify: as good as a close here, a
       * partial message is still caught by the caller. */
      if (n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
      if (n != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal (n))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, gnutls_strerror (n));
          return -1;
        }
    }
}

/* Reads until the stream would block (which also drains what TLS holds
 * decrypted) or MAX_READS_PER_WAKEUP, and handles every message. */
static void
link_read (ServalLink *link)
{
  /* Closing drops the link's poller: keep it while its buffer is borrowed. */
  g_autoptr(ServalPoller) poller = link->poller ? serval_poller_ref (link->poller) : NULL;
  gsize got = 0;
  gboolean blocked = FALSE;
  int i;

  g_object_ref (link);
  link->in_read_pass = TRUE;
  link->ct_in_drained = FALSE;
  for (i = 0; i < MAX_READS_PER_WAKEUP && !link->closed && !link->closing; i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 *shared = NULL;
      guint old = link->rbuf->len;
      gssize n;

      /* Between messages, read into the poller's shared buffer and keep
       * only a partial message: an idle link owns no read buffer. */
      if (old == 0 && poller != NULL)
        shared = serval_poller_borrow_buffer (poller);
      if (shared != NULL)
        n = link_recv (link, shared, SERVAL_POLLER_BUFFER_SIZE, &error);
      else
        {
          g_byte_array_set_size (link->rbuf, old + READ_CHUNK);
          link->bufs_grown = TRUE;
          n = link_recv (link, link->rbuf->data + old, READ_CHUNK, &error);
          g_byte_array_set_size (link->rbuf, old + MAX (n, 0));
        }
      if (n <= 0 && shared != NULL)
        serval_poller_return_buffer (poller, shared);
      if (n == -2)
        {
          blocked = TRUE;
          break;
        }
      if (n < 0)
        {
          close_with (link, SERVAL_LINK_ERROR_IO, "The connection to %s failed: %s",
                      link->peer, error->message);
          break;
        }
      if (n == 0)
        {
          if (link->rbuf->len > 0)
            close_with (link, SERVAL_LINK_ERROR_PROTOCOL,
                        "%s closed the connection in the middle of a message", link->peer);
          else
            close_with (link, SERVAL_LINK_ERROR_CLOSED, "%s closed the connection", link->peer);
          break;
        }
      got += n;
      link->last_rx = g_get_monotonic_time ();
      if (shared != NULL)
        {
          gssize used = parse_messages (link, shared, n);

          if (used >= 0 && used < n && !link->closed)
            g_byte_array_append (link->rbuf, shared + used, n - used);
          serval_poller_return_buffer (poller, shared);
          if (used < 0)
            break;
        }
      else if (!parse_buffer (link))
        break;
    }

  if (!link->closed && !link->closing && link->entry != NULL)
    {
      if (i == MAX_READS_PER_WAKEUP || link->ct_in_pos < link->ct_in_len)
        /* More may wait inside TLS or read ahead, where epoll cannot see it. */
        serval_poller_mark_pending (link->entry);
      else if (link->gs == NULL && blocked && got == 0 && link->read_source == NULL &&
               socket_has_input (link))
        {
          /* TLS took nothing although the socket has input: it waits for
           * something else (to write, e.g. a key update reply, or another
           * operation). Level-triggered epoll would wake us in vain; let
           * GLib's TLS source, which knows what TLS waits for, watch this
           * link until it can read again. */
          link->read_source = g_pollable_input_stream_create_source (link->in, NULL);
          g_source_set_callback (link->read_source, G_SOURCE_FUNC (read_ready_cb), link, NULL);
          g_source_attach (link->read_source, link->context);
          update_interest (link);
        }
    }
  if (link->gs != NULL && !link->closed)
    {
      /* Records GnuTLS made while reading (a key update reply, an alert). */
      if (link->ct_out != NULL && link->ct_out_pos < link->ct_out->len)
        link_schedule_flush (link);
      /* A quiet link gives its read-ahead buffer back at once (an idle
       * client must not keep 64 KiB); a busy one keeps it. */
      if (link->ct_in != NULL && link->ct_in_pos == link->ct_in_len && got < CT_IN_SIZE / 4)
        g_clear_pointer (&link->ct_in, g_free);
      else if (link->ct_in != NULL)
        link->bufs_grown = TRUE;
    }
  link->in_read_pass = FALSE;
  g_object_unref (link);
}

/* A per-link source: no socket, or TLS waited for something else. */
static gboolean
read_ready_cb (GObject *stream, gpointer user_data)
{
  /* Closing may drop the last reference to the link. */
  g_autoptr(ServalLink) link = g_object_ref (user_data);

  if (link->fd >= 0)
    {
      /* Back to epoll; link_read falls back again if still needed. */
      g_clear_pointer (&link->read_source, g_source_unref);
      update_interest (link);
      link_read (link);
      return G_SOURCE_REMOVE;
    }
  link_read (link);
  if (link->closed || link->closing)
    {
      g_clear_pointer (&link->read_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
poller_readable_cb (gpointer user_data)
{
  ServalLink *link = user_data;

  if (link->read_source == NULL || link->fd < 0)
    link_read (link);
}

/* Gives buffers grown by a burst back once the link is idle and they are empty. */
static void
trim_buffers (ServalLink *link)
{
  if (!link->bufs_grown)
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
  if (link->ct_in != NULL && link->ct_in_pos == link->ct_in_len)
    g_clear_pointer (&link->ct_in, g_free);
  if (link->ct_out != NULL && link->ct_out_pos == link->ct_out->len)
    g_clear_pointer (&link->ct_out, g_byte_array_unref);
  link->bufs_grown = link->rbuf->len > 0 || link->wbuf->len > 0 || link->ct_in != NULL || link->ct_out != NULL;
}

static void
poller_timer_cb (gpointer user_data)
{
  g_autoptr(ServalLink) link = g_object_ref (user_data);
  gint64 now = g_get_monotonic_time ();
  gint64 silent = now - link->last_rx;

  trim_buffers (link);
  if (link->keepalive_interval == 0)
    return;
  if (silent > (gint64) link->keepalive_timeout * G_USEC_PER_SEC)
    {
      close_with (link, SERVAL_LINK_ERROR_TIMEOUT, "%s has not answered for %u seconds",
                  link->peer, (guint) (silent / G_USEC_PER_SEC));
      return;
    }
  serval_link_send_take (link, serval_message_new_ping (FALSE, (++link->ping_nonce) & 0x7fffffff));
  /* Every interval, as a GLib timeout would: the peer hears from us. */
  link->next_ping += (gint64) link->keepalive_interval * G_USEC_PER_SEC;
  if (link->next_ping <= now)
    link->next_ping = now + (gint64) link->keepalive_interval * G_USEC_PER_SEC;
  if (!link->closed && link->entry != NULL)
    serval_poller_set_timer (link->entry, link->next_ping);
}

static void
start_keepalive (ServalLink *link)
{
  if (link->entry == NULL || link->closed)
    return;
  if (link->keepalive_interval == 0)
    {
      serval_poller_set_timer (link->entry, -1);
      return;
    }
  link->next_ping = g_get_monotonic_time () + (gint64) link->keepalive_interval * G_USEC_PER_SEC;
  serval_poller_set_timer (link->entry, link->next_ping);
}

void
serval_link_set_keepalive (ServalLink *link, guint interval, guint timeout)
{
  link->keepalive_interval = interval;
  link->keepalive_timeout = MAX (timeout, interval);
  if (link->started)
    start_keepalive (link);
}

static const ServalPollerFuncs link_poller_funcs = {
  .readable = poller_readable_cb,
  .writable = poller_writable_cb,
  .flush = poller_flush_cb,
  .timer = poller_timer_cb,
};

/* The socket under @stream (plain or TLS), or NULL. (transfer none) */
static GSocket *
stream_socket (GIOStream *stream)
{
  g_autoptr(GIOStream) base = NULL;

  if (G_IS_TLS_CONNECTION (stream))
    g_object_get (stream, "base-io-stream", &base, NULL);
  else
    base = g_object_ref (stream);
  /* The TLS connection keeps its base stream, and the base its socket. */
  if (base != NULL && G_IS_SOCKET_CONNECTION (base))
    return g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  return NULL;
}

static void
set_nodelay (GSocket *socket)
{
  if (socket != NULL)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

void
serval_link_start (ServalLink *link)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  g_return_if_fail (!link->started);

  link->started = TRUE;
  link->context = g_main_context_ref_thread_default ();
  link->last_rx = g_get_monotonic_time ();
  socket = stream_socket (link->stream);
  set_nodelay (socket);
  link->poller = serval_poller_ref_for_context (link->context);
  if (socket != NULL)
    {
      link->fd = g_socket_get_fd (socket);
      link->entry = serval_poller_add (link->poller, link->fd, &link_poller_funcs, link, &error);
      if (link->entry == NULL)
        {
          g_debug ("%s: %s; using a source of its own", link->peer, error->message);
          link->fd = -1;
        }
    }
  if (link->entry == NULL)
    link->entry = serval_poller_add (link->poller, -1, &link_poller_funcs, link, NULL);
  if (link->fd < 0)
    {
      /* No socket to give epoll: the stream's own pollable source. */
      link->read_source = g_pollable_input_stream_create_source (link->in, NULL);
      g_source_set_callback (link->read_source, G_SOURCE_FUNC (read_ready_cb), link, NULL);
      g_source_attach (link->read_source, link->context);
    }
  start_keepalive (link);
  if (serval_link_get_queued (link) > 0)
    link_schedule_flush (link);
  /* TLS may hold decrypted bytes already: look in the next dispatch. */
  serval_poller_mark_pending (link->entry);
}

/* --- connecting ------------------------------------------------------------ */

typedef struct {
  char *server;
  char *fingerprint;        /* expected, or NULL */
  char *peer_fingerprint;   /* what the server showed */
  GBytes *resume;
  ServalTlsSession *tls;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  g_free (data->server);
  g_free (data->fingerprint);
  g_free (data->peer_fingerprint);
  g_clear_pointer (&data->resume, g_bytes_unref);
  g_clear_object (&data->tls);
  g_free (data);
}

static void
handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = serval_tls_session_handshake_finish (data->tls, result, &error);

  g_free (data->peer_fingerprint);
  data->peer_fingerprint = g_strdup (serval_tls_session_get_peer_fingerprint (data->tls));
  if (!ok)
    {
      if (error->domain == SERVAL_TLS_ERROR || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_task_return_new_error (task, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT, "%s", error->message);
      else
        g_task_return_new_error (task, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT,
                                 _("The TLS handshake with %s failed: %s"), data->server, error->message);
      return;
    }
  g_task_return_pointer (task, serval_link_new_tls (data->tls, data->server), g_object_unref);
}

static void
tcp_connect_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  const char *host;

  conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (conn == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT,
                                 _("Cannot reach the Serval server %s: %s. Check the address, "
                                 "that serval-server runs there and that no firewall blocks the port"),
                                 data->server, error->message);
      return;
    }

  identity = g_network_address_parse (data->server, SERVAL_DEFAULT_PORT, NULL);
  host = identity != NULL ? g_network_address_get_hostname (G_NETWORK_ADDRESS (identity)) : data->server;
  data->tls = serval_tls_session_new_client (conn, host, data->fingerprint, data->resume, &error);
  if (data->tls == NULL)
    {
      g_task_return_new_error (task, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT,
                               _("Cannot start TLS with %s: %s"), data->server, error->message);
      return;
    }
  serval_tls_session_handshake_async (data->tls, g_task_get_cancellable (task), handshake_cb,
                                      g_object_ref (task));
}

void
serval_link_connect_async (const char *server, const char *fingerprint, GBytes *resume,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ConnectData *data = g_new0 (ConnectData, 1);

  g_task_set_source_tag (task, serval_link_connect_async);
  data->server = g_strdup (server);
  data->fingerprint = fingerprint != NULL && *fingerprint ? g_strdup (fingerprint) : NULL;
  data->resume = resume != NULL ? g_bytes_ref (resume) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);
  g_socket_client_set_timeout (client, 10);
  /* No proxy can reach this machine's own loopback: skip the proxy lookup
   * (a task on GLib's thread pool and a parse of /etc/services for every
   * connection; a quarter of serval-bench's CPU in a login storm). */
  {
    g_autoptr(GSocketConnectable) addr = g_network_address_parse (server, SERVAL_DEFAULT_PORT, NULL);
    g_autoptr(GInetAddress) ip = addr != NULL ?
      g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (addr))) : NULL;

    if (ip != NULL && g_inet_address_get_is_loopback (ip))
      g_socket_client_set_enable_proxy (client, FALSE);
  }
  g_socket_client_connect_to_host_async (client, server, SERVAL_DEFAULT_PORT, cancellable,
                                         tcp_connect_cb, task);
}

ServalLink *
serval_link_connect_finish (GAsyncResult *result, char **peer_fingerprint, GError **error)
{
  ConnectData *data = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (peer_fingerprint != NULL)
    *peer_fingerprint = g_strdup (data->peer_fingerprint);
  return g_task_propagate_pointer (G_TASK (result), error);
}
