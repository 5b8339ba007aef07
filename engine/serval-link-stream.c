#include "config.h"

#include "serval-link-transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* A link's transport on any GIOStream with pollable streams: a plain
 * socket or a pair of pipes (in tests), or GIO's own TLS (the link test's
 * GIO peer). Without a socket under the stream, the link waits with the
 * stream's own sources. */

typedef struct
{
  ServalLinkTransport parent;

  GIOStream *stream;
  GPollableInputStream *in;
  GPollableOutputStream *out;
  int fd; /* the socket under the stream, or -1 */
} ServalLinkStream;

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

static int
stream_start (ServalLinkTransport *transport)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;
  GSocket *socket = stream_socket (self->stream);

  if (socket == NULL)
    return -1;
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  self->fd = g_socket_get_fd (socket);
  return self->fd;
}

static GSource *
stream_create_source (ServalLinkTransport *transport, GIOCondition condition)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;

  if (condition & G_IO_IN)
    return g_pollable_input_stream_create_source (self->in, NULL);
  return g_pollable_output_stream_create_source (self->out, NULL);
}

/* Reads until the stream would block: that also drains what GIO's TLS
 * holds decrypted, which epoll cannot see. */
static gssize
stream_recv (ServalLinkTransport *transport, guint8 *buf, gsize size, GError **error)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;
  g_autoptr(GError) local = NULL;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (self->in, buf, size, NULL, &local);
  if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return SERVAL_LINK_TRANSPORT_AGAIN;
  if (n < 0)
    g_propagate_error (error, g_steal_pointer (&local));
  return n;
}

/* TRUE if the socket has bytes the stream (GIO's TLS) has not taken. */
static gboolean
stream_stalled (ServalLinkTransport *transport)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;
  char c;

  return self->fd >= 0 && recv (self->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

static ServalLinkSendResult
stream_send (ServalLinkTransport *transport, const guint8 *data, gsize len, gsize *taken,
             GError **error)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;

  *taken = 0;
  while (*taken < len)
    {
      g_autoptr(GError) local = NULL;
      gssize n;

      n = g_pollable_output_stream_write_nonblocking (self->out, data + *taken, len - *taken,
                                                      NULL, &local);
      if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return SERVAL_LINK_SEND_AGAIN;
      if (n < 0)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return SERVAL_LINK_SEND_ERROR;
        }
      *taken += n;
    }
  return SERVAL_LINK_SEND_DONE;
}

static void
stream_close (ServalLinkTransport *transport)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;

  if (!g_io_stream_is_closed (self->stream))
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

static void
stream_free (ServalLinkTransport *transport)
{
  ServalLinkStream *self = (ServalLinkStream *) transport;

  g_clear_object (&self->stream);
  g_free (self);
}

static const ServalLinkTransportFuncs stream_funcs = {
  .start = stream_start,
  .create_source = stream_create_source,
  .recv = stream_recv,
  .stalled = stream_stalled,
  .send = stream_send,
  .close = stream_close,
  .free = stream_free,
};

/**
 * serval_link_new:
 * @stream: a stream whose input and output are pollable
 * @peer: (nullable): names the peer in messages
 *
 * A link on any #GIOStream: a socket connection (watched by the context's
 * poller), a pair of pipes (watched by the stream's own sources) or a
 * #GTlsConnection. Servers and clients use serval_link_new_tls() instead.
 *
 * Returns: (transfer full): a new link, to be started with serval_link_start()
 */
ServalLink *
serval_link_new (GIOStream *stream, const char *peer)
{
  ServalLinkStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  self = g_new0 (ServalLinkStream, 1);
  self->parent.funcs = &stream_funcs;
  self->stream = g_object_ref (stream);
  self->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->fd = -1;
  return serval_link_new_with_transport (&self->parent, peer);
}
