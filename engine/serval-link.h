/* serval-link.h: one connection to a peer.
 *
 * A ServalLink frames Serval messages over a GIOStream (a TLS connection in
 * production). It reads as many messages per wake-up as are buffered,
 * queues writes and sends them in batches at the end of each dispatch of
 * its context's shared poller (serval-poller.h), bounds its send queue,
 * answers pings and closes itself when the peer stays silent past the
 * keepalive timeout. Everything runs on the thread default GMainContext of
 * serval_link_start(), whose one poller GSource serves all its links.
 */
#pragma once

#include <gio/gio.h>
#include "serval-codec.h"
#include "serval-tls.h"

G_BEGIN_DECLS

#define SERVAL_LINK_ERROR (serval_link_error_quark ())
GQuark serval_link_error_quark (void);

typedef enum {
  SERVAL_LINK_ERROR_CLOSED,        /* the peer closed the connection */
  SERVAL_LINK_ERROR_TIMEOUT,       /* nothing heard within the keepalive timeout */
  SERVAL_LINK_ERROR_PROTOCOL,      /* the peer sent bytes that are not Serval messages */
  SERVAL_LINK_ERROR_TOO_SLOW,      /* the peer does not read: send queue over its limit */
  SERVAL_LINK_ERROR_IO,            /* the connection failed */
  SERVAL_LINK_ERROR_CONNECT,       /* cannot reach the server */
} ServalLinkError;

/* Queued bytes over which data frames are dropped (management still goes). */
#define SERVAL_LINK_DATA_QUEUE_LIMIT (2 * 1024 * 1024)
/* Queued bytes over which the link is closed as too slow. */
#define SERVAL_LINK_QUEUE_HARD_LIMIT (16 * 1024 * 1024)

#define SERVAL_TYPE_LINK (serval_link_get_type ())
G_DECLARE_FINAL_TYPE (ServalLink, serval_link, SERVAL, LINK, GObject)

/* A management message (not data, ping or pong); @msg is borrowed. */
typedef void (*ServalLinkMessageFunc) (ServalLink *link, const Message_t *msg, gpointer user_data);
/* A data frame; @frame points into the link's buffer, valid during the call. */
typedef void (*ServalLinkDataFunc) (ServalLink *link, guint32 vlan, const guint8 *frame,
                                    gsize len, gpointer user_data);

ServalLink  *serval_link_new (GIOStream *stream, const char *peer);
/* A link on a handshaken TLS session: GnuTLS reads and writes the socket
 * directly (what servers and clients use). */
ServalLink  *serval_link_new_tls (ServalTlsSession *tls, const char *peer);
void         serval_link_set_handlers (ServalLink *link, ServalLinkMessageFunc message_func,
                                       ServalLinkDataFunc data_func, gpointer user_data);
/* Pings every @interval seconds; closes after @timeout seconds of silence. 0 turns it off. */
void         serval_link_set_keepalive (ServalLink *link, guint interval, guint timeout);
void         serval_link_start (ServalLink *link);

/* Queues @msg. FALSE if it cannot be encoded or the link is closed. */
gboolean     serval_link_send (ServalLink *link, const Message_t *msg, GError **error);
/* Queues @msg and takes it. */
gboolean     serval_link_send_take (ServalLink *link, Message_t *msg);
/* Queues a data frame; FALSE if dropped (queue full or link closed). */
gboolean     serval_link_send_data (ServalLink *link, guint32 vlan, const guint8 *frame, gsize len);
/* The same with DataFrame.offload when @off is not NULL: only to a peer
 * whose Hello said offload. */
gboolean     serval_link_send_data_offload (ServalLink *link, guint32 vlan, const guint8 *frame,
                                            gsize len, const ServalOffload *off);
/* During a ServalLinkDataFunc call: the frame's DataFrame.offload, or NULL. */
const ServalOffload *serval_link_get_rx_offload (ServalLink *link);

/* Closes now; "closed" is emitted once with @reason (NULL: closed by us). */
void         serval_link_close (ServalLink *link, const GError *reason);
/* Stops reading, sends what is queued, then closes. */
void         serval_link_close_after_flush (ServalLink *link, const GError *reason);
gboolean     serval_link_is_closed (ServalLink *link);

const char  *serval_link_get_peer (ServalLink *link);
guint64      serval_link_get_frames_dropped (ServalLink *link);
gsize        serval_link_get_queued (ServalLink *link);

/* TRUE if the link's TLS session resumed an earlier one (no certificate
 * or key exchange with signatures: a cheaper handshake for both sides). */
gboolean     serval_link_is_resumed (ServalLink *link);
/* What serval_link_connect_async() needs to resume this session later, or
 * NULL (no ticket from the server yet, or not a client). */
GBytes      *serval_link_get_resume_data (ServalLink *link);

/* Connects to @server ("host:port", default port 7465) over TCP + TLS 1.3.
 * The server's certificate must match @fingerprint (hex SHA-256 of its
 * public key) or, without one, be signed by a trusted CA. @resume: from
 * serval_link_get_resume_data() of an earlier link to the same server, or
 * NULL; a session that cannot be resumed falls back to a full handshake. */
void         serval_link_connect_async (const char *server, const char *fingerprint,
                                        GBytes *resume, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* @peer_fingerprint: (out) (optional): the fingerprint the server showed,
 * also on failure once known (to offer trust on first use). */
ServalLink  *serval_link_connect_finish (GAsyncResult *result, char **peer_fingerprint, GError **error);

#define SERVAL_DEFAULT_PORT 7465

G_END_DECLS
