/* serval-link-transport.h: what a ServalLink reads and writes through.
 *
 * Private to the link. serval-link.c and serval-link-read.c keep the
 * framing, the send queue, the keepalive and the closing; a transport moves
 * bytes: GnuTLS on a socket (serval-link-tls.c, what servers and clients
 * use) or any GIOStream (serval-link-stream.c: plain sockets and pipes in
 * tests, GIO's TLS). A new transport (UDP, WebSocket) is a new file with its
 * own ServalLinkTransportFuncs and constructor, which calls
 * serval_link_new_with_transport().
 *
 * The link calls recv() and send() once per batch, not per message: a read
 * pass fills a 64 KiB buffer per call, a flush hands over everything queued.
 * Single-threaded, like the link.
 */
#pragma once

#include <gio/gio.h>

#include "serval-link.h"

G_BEGIN_DECLS

typedef struct _ServalLinkTransport ServalLinkTransport;

/**
 * SERVAL_LINK_TRANSPORT_AGAIN:
 *
 * recv(): nothing to read now; wait for the socket (or the source).
 */
#define SERVAL_LINK_TRANSPORT_AGAIN (-2)

/**
 * ServalLinkSendResult:
 * @SERVAL_LINK_SEND_DONE: all taken, and nothing left above the socket
 * @SERVAL_LINK_SEND_AGAIN: the socket takes no more now: wait until
 *   writable (the link then calls send() again, with what is still queued)
 * @SERVAL_LINK_SEND_ERROR: failed, with the error set: the link closes
 *   (%SERVAL_LINK_ERROR_IO)
 *
 * What send() of #ServalLinkTransportFuncs did.
 */
typedef enum
{
  SERVAL_LINK_SEND_DONE,
  SERVAL_LINK_SEND_AGAIN,
  SERVAL_LINK_SEND_ERROR,
} ServalLinkSendResult;

/**
 * ServalLinkTransportFuncs:
 * @start: the descriptor the link's poller should watch (its socket, made
 *   ready for the link: TCP_NODELAY), or -1: the link then waits with
 *   create_source(). Called once, by serval_link_start(). The link also
 *   falls back to create_source() if epoll refuses the descriptor
 * @create_source: a #GSource (callback: #GPollableSourceFunc) that
 *   dispatches when @condition (G_IO_IN or G_IO_OUT) may make progress; for
 *   links whose poller cannot watch a descriptor, or whose transport waits
 *   for something other than the socket's readability (see stalled()).
 *   Returns a new source (transfer full), which the link attaches to its
 *   context
 * @read_begin: called before each read pass (up to 64 recv() calls of a
 *   wake-up). May be %NULL
 * @read_end: called after each read pass, also when the link closed during
 *   the pass. Within a pass a transport may answer AGAIN without a system
 *   call once a recv() found the socket drained (serval-link-tls.c: one
 *   under 16 KiB). read_end() returns %TRUE if bytes wait above the socket
 *   (read ahead, decrypted), where epoll cannot see them: the link then
 *   reads again in the next dispatch. @got: the bytes the pass read. May be
 *   %NULL
 * @recv: reads up to @size bytes into @buf: the count, 0 at the end of the
 *   stream, %SERVAL_LINK_TRANSPORT_AGAIN, or -1 with @error set (the link
 *   then closes with %SERVAL_LINK_ERROR_IO). @buf is the poller's shared
 *   buffer or the link's own, 64 KiB
 * @stalled: after a read pass that got nothing: %TRUE if the transport took
 *   nothing although its socket has input (it waits for something else,
 *   e.g. to write); the link then waits with create_source (G_IO_IN)
 *   instead of epoll, which would wake it in vain. May be %NULL (never)
 * @send: takes bytes from @data[0..@len) (*@taken: how many; they may wait
 *   in the transport, counted in #ServalLinkTransport.queued) and sends
 *   what it holds. Called with @len 0 to send only what the transport
 *   holds. *@taken is set whatever the result
 * @trim: gives back buffers the transport keeps between batches, when they
 *   are empty (the link is idle: called from its keepalive timer while
 *   bufs_grown is set); clears bufs_grown if none is left. May be %NULL
 * @close: says goodbye if the socket takes it now and closes; nothing is
 *   sent after this (the descriptor may soon belong to another connection).
 *   Called again on dispose: must be idempotent
 * @free: frees the transport (the link is finalized)
 * @is_resumed: whether the TLS session resumed an earlier one; %NULL for
 *   transports without TLS session resumption
 * @get_resume_data: what a later connection needs to resume the TLS
 *   session (transfer full), or %NULL; the function is %NULL for transports
 *   without TLS session resumption
 *
 * What a transport does for its link. Every function is called on the
 * link's main context (single-threaded, like the link), never after
 * free().
 */
typedef struct
{
  int (*start) (ServalLinkTransport *transport);
  GSource *(*create_source) (ServalLinkTransport *transport, GIOCondition condition);

  void (*read_begin) (ServalLinkTransport *transport);
  gboolean (*read_end) (ServalLinkTransport *transport, gsize got);
  gssize (*recv) (ServalLinkTransport *transport, guint8 *buf, gsize size, GError **error);
  gboolean (*stalled) (ServalLinkTransport *transport);

  ServalLinkSendResult (*send) (ServalLinkTransport *transport, const guint8 *data, gsize len,
                                gsize *taken, GError **error);

  void (*trim) (ServalLinkTransport *transport);
  void (*close) (ServalLinkTransport *transport);
  void (*free) (ServalLinkTransport *transport);

  gboolean (*is_resumed) (ServalLinkTransport *transport);
  GBytes *(*get_resume_data) (ServalLinkTransport *transport);
} ServalLinkTransportFuncs;

/**
 * ServalLinkTransport:
 * @funcs: the transport's functions; static, never freed
 * @queued: bytes the socket has not taken yet (from send(), or made while
 *   reading: a TLS alert or key update reply; the link flushes after a read
 *   pass that leaves some). Part of serval_link_get_queued(), which is read
 *   per frame, hence a field. The transport keeps it current
 * @bufs_grown: the transport keeps a buffer that trim() may give back
 *
 * Every transport starts with this: a transport's own struct has it as its
 * first member.
 */
struct _ServalLinkTransport
{
  const ServalLinkTransportFuncs *funcs;
  gsize queued;
  gboolean bufs_grown;
};

/**
 * serval_link_new_with_transport:
 * @transport: (transfer full): the transport; the link frees it with
 *   free() when finalized
 * @peer: (nullable): names the peer in messages ("peer" if %NULL)
 *
 * The constructor a transport's own constructor ends with. Takes @transport.
 *
 * Returns: (transfer full): a new link, to be started with serval_link_start()
 */
ServalLink *serval_link_new_with_transport (ServalLinkTransport *transport, const char *peer);

G_END_DECLS
