#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-link-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "serval-address.h"
#include "serval-tls.h"
#include "serval-link-record.h"

/* A link's transport with GnuTLS directly on its TCP socket (what servers
 * and clients use), and serval_link_connect_async(), which makes one. */

/* Bytes read ahead for each recv(): a few records. */
#define CT_IN_SIZE (64 * 1024)
/* Ciphertext collected before one send(). */
#define CT_OUT_BATCH (256 * 1024)

typedef struct
{
  ServalLinkTransport parent;

  ServalTlsSession *tls;
  gnutls_session_t gs;
  GSocketConnection *conn;
  int fd; /* the socket; -1 once closed */
  /* Ciphertext read ahead: one recv() serves GnuTLS's reads of record
   * headers and bodies (two each otherwise). Only while a read is under
   * way or when it stopped early; freed when drained. */
  guint8 *ct_in;
  gsize ct_in_pos, ct_in_len;
  /* Inside a read pass: a recv() that returned much less than asked for
   * (under a quarter) found the socket drained, so the next one would only
   * say EAGAIN; it is not made (level-triggered epoll reports what arrives
   * later). */
  gboolean in_read_pass;
  gboolean ct_in_drained;
  /* Ciphertext GnuTLS made and the socket has not taken yet: records are
   * collected here and leave in one send(). */
  GByteArray *ct_out;
  gsize ct_out_pos;
  /* A server's link after the handshake: its own record layer, without the
   * GnuTLS session (gs is then NULL). Plaintext of the last record opened
   * that the link has not taken yet: pt[pt_pos .. pt_len), or pt NULL. */
  ServalRecord *rec;
  guint8 *pt;
  gsize pt_pos, pt_len;
  gboolean peer_closed;
} ServalLinkTls;

static void
update_queued (ServalLinkTls *self)
{
  self->parent.queued = self->ct_out != NULL ? self->ct_out->len - self->ct_out_pos : 0;
}

static ssize_t
tls_pull (gnutls_transport_ptr_t ptr, void *buf, size_t size)
{
  ServalLinkTls *self = ptr;
  gssize n;

  if (self == NULL || self->fd < 0)
    {
      errno = EPIPE;
      return -1;
    }
  if (self->ct_in_pos == self->ct_in_len)
    {
      if (self->in_read_pass && self->ct_in_drained)
        {
          errno = EAGAIN;
          if (self->gs != NULL)
            gnutls_transport_set_errno (self->gs, EAGAIN);
          return -1;
        }
      if (self->ct_in == NULL)
        self->ct_in = g_malloc (CT_IN_SIZE);
      do
        n = recv (self->fd, self->ct_in, CT_IN_SIZE, MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        {
          if (n < 0 && self->gs != NULL)
            gnutls_transport_set_errno (self->gs, errno);
          return n;
        }
      self->ct_in_pos = 0;
      self->ct_in_len = n;
      /* A short read of a few records: the peer is quiet, and the next
       * recv() would only say EAGAIN. A short read of many: the peer keeps
       * sending, and more has likely come while these are handled. */
      self->ct_in_drained = n < CT_IN_SIZE / 4;
    }
  n = MIN (size, self->ct_in_len - self->ct_in_pos);
  memcpy (buf, self->ct_in + self->ct_in_pos, n);
  self->ct_in_pos += n;
  return n;
}

static ssize_t
tls_push (gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  ServalLinkTls *self = ptr;

  if (self == NULL)
    {
      errno = EPIPE;
      return -1;
    }
  if (self->ct_out == NULL)
    self->ct_out = g_byte_array_sized_new (len);
  g_byte_array_append (self->ct_out, data, len);
  self->parent.queued += len;
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
tls_send_out (ServalLinkTls *self, GError **error)
{
  if (self->fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("the link is closed"));
      return FALSE;
    }
  while (self->ct_out != NULL && self->ct_out_pos < self->ct_out->len)
    {
      gssize n = send (self->fd, self->ct_out->data + self->ct_out_pos,
                       self->ct_out->len - self->ct_out_pos, MSG_DONTWAIT | MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n < 0)
        {
          int e = errno;

          update_queued (self);
          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (e), g_strerror (e));
          return FALSE;
        }
      self->ct_out_pos += n;
    }
  update_queued (self);
  if (self->parent.queued > 0)
    return FALSE;
  if (self->ct_out != NULL)
    {
      /* A link that sent a big batch keeps its buffer for the next one
       * (trim() gives it back once the link is quiet); after a small one
       * it goes at once: idle clients keep nothing. */
      if (self->ct_out->len > 16 * 1024)
        {
          self->parent.bufs_grown = TRUE;
          g_byte_array_set_size (self->ct_out, 0);
        }
      else
        g_clear_pointer (&self->ct_out, g_byte_array_unref);
      self->ct_out_pos = 0;
    }
  return TRUE;
}

/* Encrypts @data into records, CT_OUT_BATCH bytes at a time, and sends
 * each batch with one send(). */
static ServalLinkSendResult
tls_send (ServalLinkTransport *transport, const guint8 *data, gsize len, gsize *taken,
          GError **error)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;

  *taken = 0;
  for (;;)
    {
      g_autoptr(GError) local = NULL;

      if (!tls_send_out (self, &local))
        {
          if (local == NULL)
            return SERVAL_LINK_SEND_AGAIN;
          g_propagate_error (error, g_steal_pointer (&local));
          return SERVAL_LINK_SEND_ERROR;
        }
      if (*taken == len)
        return SERVAL_LINK_SEND_DONE;
      while (*taken < len && (self->ct_out == NULL || self->ct_out->len < CT_OUT_BATCH))
        {
          gssize n;

          if (self->rec != NULL)
            {
              n = MIN (len - *taken, SERVAL_RECORD_MAX_PLAIN);
              if (self->ct_out == NULL)
                self->ct_out = g_byte_array_sized_new (n + 64);
              serval_record_seal (self->rec, 23, data + *taken, n, self->ct_out);
              update_queued (self);
              *taken += n;
              continue;
            }
          /* The push function never blocks: every record is made now. */
          do
            n = gnutls_record_send (self->gs, data + *taken, len - *taken);
          while (n == GNUTLS_E_INTERRUPTED);
          if (n < 0)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, gnutls_strerror (n));
              return SERVAL_LINK_SEND_ERROR;
            }
          *taken += n;
        }
    }
}

/* Moves a partial record to the start of the read-ahead buffer and reads
 * more after it: FALSE with errno (EAGAIN: nothing now), or at the end of
 * the stream (errno 0). */
static gboolean
record_fill (ServalLinkTls *self)
{
  gsize have = self->ct_in_len - self->ct_in_pos;
  gssize n;

  if (self->fd < 0)
    {
      errno = EPIPE;
      return FALSE;
    }
  if (self->in_read_pass && self->ct_in_drained)
    {
      errno = EAGAIN;
      return FALSE;
    }
  if (self->ct_in == NULL)
    self->ct_in = g_malloc (CT_IN_SIZE);
  else if (self->ct_in_pos > 0)
    memmove (self->ct_in, self->ct_in + self->ct_in_pos, have);
  self->ct_in_pos = 0;
  self->ct_in_len = have;
  do
    n = recv (self->fd, self->ct_in + have, CT_IN_SIZE - have, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    {
      if (n == 0)
        errno = 0;
      return FALSE;
    }
  self->ct_in_len += n;
  self->ct_in_drained = (gsize) n < (CT_IN_SIZE - have) / 4;
  return TRUE;
}

/* The complete record at the read position, or 0. */
static gsize
record_ready (ServalLinkTls *self)
{
  gsize have = self->ct_in != NULL ? self->ct_in_len - self->ct_in_pos : 0;
  gsize size = have > 0 ? serval_record_size (self->ct_in + self->ct_in_pos, have) : 0;

  return size > 0 && size <= have ? size : 0;
}

/* tls_recv() of a link with its own record layer. */
static gssize
record_recv (ServalLinkTls *self, guint8 *buf, gsize size, GError **error)
{
  for (;;)
    {
      gsize rec_len, got;
      ServalRecordKind kind;

      if (self->pt != NULL && self->pt_pos < self->pt_len)
        {
          gsize n = MIN (size, self->pt_len - self->pt_pos);

          memcpy (buf, self->pt + self->pt_pos, n);
          self->pt_pos += n;
          if (self->pt_pos == self->pt_len)
            g_clear_pointer (&self->pt, g_free);
          return n;
        }
      if (self->peer_closed)
        return 0;
      rec_len = record_ready (self);
      if (rec_len == 0)
        {
          if (self->ct_in_len - self->ct_in_pos >= CT_IN_SIZE / 2 ||
              (self->ct_in != NULL && self->ct_in_len - self->ct_in_pos >= SERVAL_RECORD_HEADER &&
               serval_record_size (self->ct_in + self->ct_in_pos, self->ct_in_len - self->ct_in_pos) >
                   SERVAL_RECORD_MAX_PLAIN + 256 + SERVAL_RECORD_HEADER))
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a TLS record that is too long");
              return -1;
            }
          if (record_fill (self))
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return SERVAL_LINK_TRANSPORT_AGAIN;
          if (errno == 0)
            return 0; /* closed without close_notify: as good as a close here */
          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errno), g_strerror (errno));
          return -1;
        }
      /* Straight into the caller's buffer when the whole record fits. */
      if (size >= rec_len)
        {
          kind = serval_record_open (self->rec, self->ct_in + self->ct_in_pos, rec_len, buf, &got, error);
          self->ct_in_pos += rec_len;
          if (kind == SERVAL_RECORD_DATA && got > 0)
            return got;
        }
      else
        {
          self->pt = g_malloc (rec_len);
          kind = serval_record_open (self->rec, self->ct_in + self->ct_in_pos, rec_len, self->pt, &got, error);
          self->ct_in_pos += rec_len;
          self->pt_pos = 0;
          self->pt_len = kind == SERVAL_RECORD_DATA ? got : 0;
          if (self->pt_len == 0)
            g_clear_pointer (&self->pt, g_free);
        }
      if (kind == SERVAL_RECORD_KEY_UPDATE)
        {
          /* Answered at once, ahead of whatever is sealed next. */
          if (self->ct_out == NULL)
            self->ct_out = g_byte_array_new ();
          serval_record_answer_key_update (self->rec, self->ct_out);
          update_queued (self);
          tls_send_out (self, NULL);
        }
      else if (kind == SERVAL_RECORD_CLOSED)
        self->peer_closed = TRUE;
      else if (kind == SERVAL_RECORD_ERROR)
        return -1;
    }
}

static gssize
tls_recv (ServalLinkTransport *transport, guint8 *buf, gsize size, GError **error)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;

  if (self->rec != NULL)
    return record_recv (self, buf, size, error);
  for (;;)
    {
      gssize n = gnutls_record_recv (self->gs, buf, size);

      if (n >= 0)
        return n;
      /* GnuTLS also says AGAIN after a post-handshake message (a session
       * ticket, a key update): read on while ciphertext is buffered here,
       * where epoll cannot see it. */
      if (n == GNUTLS_E_AGAIN && self->ct_in_pos < self->ct_in_len)
        continue;
      if (n == GNUTLS_E_AGAIN)
        return SERVAL_LINK_TRANSPORT_AGAIN;
      /* The peer closed without close_notify: as good as a close here, a
       * partial message is still caught by the link. */
      if (n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
      if (n != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal (n))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, gnutls_strerror (n));
          return -1;
        }
    }
}

static void
tls_read_begin (ServalLinkTransport *transport)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;

  self->in_read_pass = TRUE;
  self->ct_in_drained = FALSE;
}

static gboolean
tls_read_end (ServalLinkTransport *transport, gsize got)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;
  /* With its own record layer, only a whole record is something to read:
   * a partial one waits for the socket. */
  gboolean pending = self->rec != NULL ? record_ready (self) > 0 || (self->pt != NULL && self->pt_pos < self->pt_len) :
                                         self->ct_in_pos < self->ct_in_len;
  gboolean partial = self->ct_in_pos < self->ct_in_len;

  /* A quiet link gives its read-ahead buffer back at once (an idle client
   * must not keep 64 KiB); a busy one keeps it. */
  if (self->fd >= 0 && self->ct_in != NULL)
    {
      if (!partial && got < CT_IN_SIZE / 4)
        g_clear_pointer (&self->ct_in, g_free);
      else
        self->parent.bufs_grown = TRUE;
    }
  self->in_read_pass = FALSE;
  return pending;
}

static void
tls_trim (ServalLinkTransport *transport)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;

  if (self->ct_in != NULL && self->ct_in_pos == self->ct_in_len)
    g_clear_pointer (&self->ct_in, g_free);
  if (self->ct_out != NULL && self->ct_out_pos == self->ct_out->len)
    g_clear_pointer (&self->ct_out, g_byte_array_unref);
  self->parent.bufs_grown = self->ct_in != NULL || self->ct_out != NULL;
}

static int
tls_start (ServalLinkTransport *transport)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;
  GSocket *socket = g_socket_connection_get_socket (self->conn);

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return g_socket_get_fd (socket);
}

/* Only where the poller cannot watch the socket. */
static GSource *
tls_create_source (ServalLinkTransport *transport, GIOCondition condition)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;
  GIOStream *stream = G_IO_STREAM (self->conn);

  if (condition & G_IO_IN)
    return g_pollable_input_stream_create_source (
        G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)), NULL);
  return g_pollable_output_stream_create_source (
      G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream)), NULL);
}

/* close_notify, if the socket takes it now; then the link is done with
 * the socket: its descriptor may be reused for another connection as soon
 * as the connection is closed, so nothing is sent on it after this. */
static void
tls_close (ServalLinkTransport *transport)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;

  if (self->fd >= 0)
    {
      static const guint8 close_notify[2] = { 1, 0 };

      if (self->rec != NULL)
        {
          if (self->ct_out == NULL)
            self->ct_out = g_byte_array_new ();
          serval_record_seal (self->rec, 21, close_notify, sizeof close_notify, self->ct_out);
        }
      else
        serval_tls_session_bye (self->tls);
      tls_send_out (self, NULL);
      self->fd = -1;
      g_clear_pointer (&self->ct_out, g_byte_array_unref);
      self->ct_out_pos = 0;
      update_queued (self);
    }
  if (!g_io_stream_is_closed (G_IO_STREAM (self->conn)))
    g_io_stream_close_async (G_IO_STREAM (self->conn), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

static void
tls_free (ServalLinkTransport *transport)
{
  ServalLinkTls *self = (ServalLinkTls *) transport;

  /* The session may outlive the link (whoever else holds it): no more
   * transport through this one. */
  if (self->gs != NULL)
    gnutls_transport_set_ptr (self->gs, NULL);
  serval_record_free (self->rec);
  g_clear_pointer (&self->pt, g_free);
  g_clear_object (&self->tls);
  g_clear_object (&self->conn);
  g_clear_pointer (&self->ct_in, g_free);
  g_clear_pointer (&self->ct_out, g_byte_array_unref);
  g_free (self);
}

static gboolean
tls_is_resumed (ServalLinkTransport *transport)
{
  return serval_tls_session_is_resumed (((ServalLinkTls *) transport)->tls);
}

static GBytes *
tls_get_resume_data (ServalLinkTransport *transport)
{
  return serval_tls_session_get_resume_data (((ServalLinkTls *) transport)->tls);
}

static const ServalLinkTransportFuncs tls_funcs = {
  .start = tls_start,
  .create_source = tls_create_source,
  .read_begin = tls_read_begin,
  .read_end = tls_read_end,
  .recv = tls_recv,
  .send = tls_send,
  .trim = tls_trim,
  .close = tls_close,
  .free = tls_free,
  .is_resumed = tls_is_resumed,
  .get_resume_data = tls_get_resume_data,
};

/**
 * serval_link_new_tls:
 * @tls: a session whose handshake is done
 * @peer: (nullable): names the peer in messages
 *
 * A link on a handshaken TLS session: GnuTLS reads and writes the socket
 * directly (what servers and clients use). From now on the link reads the
 * socket ahead of GnuTLS and collects the records it makes.
 *
 * Returns: (transfer full): a new link, to be started with serval_link_start()
 */
ServalLink *
serval_link_new_tls (ServalTlsSession *tls, const char *peer)
{
  ServalLinkTls *self;

  g_return_val_if_fail (SERVAL_IS_TLS_SESSION (tls), NULL);

  self = g_new0 (ServalLinkTls, 1);
  self->parent.funcs = &tls_funcs;
  self->tls = g_object_ref (tls);
  self->gs = serval_tls_session_get_gnutls (tls);
  self->conn = g_object_ref (serval_tls_session_get_connection (tls));
  self->fd = g_socket_get_fd (g_socket_connection_get_socket (self->conn));
  /* The handshake went straight to the socket. */
  gnutls_transport_set_ptr (self->gs, self);
  gnutls_transport_set_pull_function (self->gs, tls_pull);
  gnutls_transport_set_push_function (self->gs, tls_push);
  gnutls_transport_set_vec_push_function (self->gs, tls_vec_push);
  return serval_link_new_with_transport (&self->parent, peer);
}
/**
 * serval_link_tls_take_records:
 * @link: a server's link from serval_link_new_tls(), not started
 *
 * Keeps only the record state of the link's TLS session and frees the
 * GnuTLS session (serval-link-record.h): about 9.5 KiB less per client. The
 * link then closes on a KeyUpdate from the peer, which it cannot follow.
 *
 * Returns: whether it did (not for a client's session, nor for TLS below
 *   1.3 or a cipher it does not know)
 */
gboolean
serval_link_tls_take_records (ServalLink *link)
{
  ServalLinkTls *self = (ServalLinkTls *) link->transport;

  if (link->started || self == NULL || self->parent.funcs != &tls_funcs || self->rec != NULL)
    return FALSE;
  self->rec = serval_tls_session_take_records (self->tls);
  if (self->rec != NULL)
    self->gs = NULL;
  return self->rec != NULL;
}

/* --- connecting (TCP, then the TLS handshake) ------------------------------ */

typedef struct
{
  char *server;
  char *fingerprint;      /* expected, or NULL */
  char *peer_fingerprint; /* what the server showed */
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
                                 _("Cannot reach the Serval server %s (%s). Check the address, "
                                   "that serval-server runs there and that no firewall blocks the port."),
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

/**
 * serval_link_connect_async:
 * @server: "host:port" (default port 7465)
 * @fingerprint: (nullable): hex SHA-256 of the server's public key; without
 *   it, a trusted CA must have signed the server's certificate
 * @resume: (nullable): from serval_link_get_resume_data() of an earlier link
 *   to the same server; a session that cannot be resumed falls back to a
 *   full handshake
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the link is ready or failed
 * @user_data: for @callback
 *
 * Connects to @server over TCP and TLS 1.3 and makes a link on the
 * session (serval_link_new_tls()).
 */
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
                                      g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (addr))) :
                                      NULL;

    if (ip != NULL && g_inet_address_get_is_loopback (ip))
      g_socket_client_set_enable_proxy (client, FALSE);
  }
  g_socket_client_connect_to_host_async (client, server, SERVAL_DEFAULT_PORT, cancellable,
                                         tcp_connect_cb, task);
}

/**
 * serval_link_connect_finish:
 * @result: the #GAsyncResult
 * @peer_fingerprint: (out) (optional) (transfer full) (nullable): the
 *   fingerprint the server showed, also on failure once known (to offer
 *   trust on first use)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the link, not yet started, or %NULL
 *   with @error set (%SERVAL_LINK_ERROR_CONNECT, a #SERVAL_TLS_ERROR or
 *   %G_IO_ERROR_CANCELLED)
 */
ServalLink *
serval_link_connect_finish (GAsyncResult *result, char **peer_fingerprint, GError **error)
{
  ConnectData *data = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (peer_fingerprint != NULL)
    *peer_fingerprint = g_strdup (data->peer_fingerprint);
  return g_task_propagate_pointer (G_TASK (result), error);
}
