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

/* recv(): nothing to read now; wait for the socket (or the source). */
#define SERVAL_LINK_TRANSPORT_AGAIN (-2)

typedef enum {
  SERVAL_LINK_SEND_DONE,   /* all taken, and nothing left above the socket */
  SERVAL_LINK_SEND_AGAIN,  /* the socket takes no more now: wait until writable */
  SERVAL_LINK_SEND_ERROR,  /* failed: the link closes */
} ServalLinkSendResult;

typedef struct {
  /* The descriptor the link's poller should watch (its socket, made ready
   * for the link: TCP_NODELAY), or -1: the link then waits with
   * create_source(). Called once, by serval_link_start(). */
  int (*start) (ServalLinkTransport *transport);
  /* A GSource (callback: GPollableSourceFunc) that dispatches when
   * @condition (G_IO_IN or G_IO_OUT) may make progress; for links whose
   * poller cannot watch a descriptor, or whose transport waits for
   * something other than the socket's readability (see stalled()). */
  GSource *(*create_source) (ServalLinkTransport *transport, GIOCondition condition);

  /* Called before and after each read pass (up to 64 recv() calls of a
   * wake-up; read_end() also when the link closed during the pass). Within
   * a pass a transport may answer AGAIN without a system call once a recv()
   * found the socket drained (serval-link-tls.c: one under 16 KiB).
   * read_end() returns TRUE if bytes wait above the socket (read ahead,
   * decrypted), where epoll cannot see them: the link then reads again in
   * the next dispatch. @got: the bytes the pass read. Either may be NULL. */
  void (*read_begin) (ServalLinkTransport *transport);
  gboolean (*read_end) (ServalLinkTransport *transport, gsize got);
  /* Reads up to @size bytes into @buf: the count, 0 at the end of the
   * stream, SERVAL_LINK_TRANSPORT_AGAIN, or -1 with @error set. */
  gssize (*recv) (ServalLinkTransport *transport, guint8 *buf, gsize size, GError **error);
  /* After a read pass that got nothing: TRUE if the transport took nothing
   * although its socket has input (it waits for something else, e.g. to
   * write); the link then waits with create_source (G_IO_IN) instead of
   * epoll, which would wake it in vain. May be NULL (never). */
  gboolean (*stalled) (ServalLinkTransport *transport);

  /* Takes bytes from @data[0..@len) (*@taken: how many; they may wait in
   * the transport, counted in ServalLinkTransport.queued) and sends what it
   * holds. Called with @len 0 to send only what the transport holds. */
  ServalLinkSendResult (*send) (ServalLinkTransport *transport, const guint8 *data, gsize len,
                                gsize *taken, GError **error);

  /* Gives back buffers the transport keeps between batches, when they are
   * empty (the link is idle); clears bufs_grown if none is left. May be NULL. */
  void (*trim) (ServalLinkTransport *transport);
  /* Says goodbye if the socket takes it now and closes; nothing is sent
   * after this (the descriptor may soon belong to another connection).
   * Called again on dispose: must be idempotent. */
  void (*close) (ServalLinkTransport *transport);
  /* Frees the transport (the link is finalized). */
  void (*free) (ServalLinkTransport *transport);

  /* TLS session resumption; NULL for transports without it. */
  gboolean (*is_resumed) (ServalLinkTransport *transport);
  GBytes *(*get_resume_data) (ServalLinkTransport *transport);
} ServalLinkTransportFuncs;

/* Every transport starts with this. */
struct _ServalLinkTransport
{
  const ServalLinkTransportFuncs *funcs;
  /* Bytes the socket has not taken yet (from send(), or made while reading:
   * a TLS alert or key update reply; the link flushes after a read pass
   * that leaves some). Part of serval_link_get_queued(), which is read per
   * frame, hence a field. */
  gsize queued;
  /* The transport keeps a buffer that trim() may give back. */
  gboolean bufs_grown;
};

/* Takes @transport. */
ServalLink *serval_link_new_with_transport (ServalLinkTransport *transport, const char *peer);

G_END_DECLS
