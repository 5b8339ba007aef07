/* serval-link.h: one connection to a peer.
 *
 * A ServalLink frames Serval messages (length-prefixed) over a transport:
 * GnuTLS directly on a TCP socket in production (serval_link_new_tls(),
 * serval_link_connect_async()), or any GIOStream (serval_link_new(): tests'
 * sockets and pipes). It reads as many messages per wake-up as are
 * buffered, queues writes and sends them in batches at the end of each
 * dispatch of its context's shared poller (serval-poller.h), bounds its
 * send queue, answers pings and closes itself when the peer stays silent
 * past the keepalive timeout. Everything runs on the thread default
 * GMainContext of serval_link_start(), whose one poller GSource serves all
 * its links. Functions are documented where they are defined.
 */
#pragma once

#include <gio/gio.h>
#include "serval-codec.h"
#include "serval-tls.h"

G_BEGIN_DECLS

#define SERVAL_LINK_ERROR (serval_link_error_quark ())
GQuark serval_link_error_quark (void);

typedef enum
{
  SERVAL_LINK_ERROR_CLOSED,   /* the peer closed the connection */
  SERVAL_LINK_ERROR_TIMEOUT,  /* nothing heard within the keepalive timeout */
  SERVAL_LINK_ERROR_PROTOCOL, /* the peer sent bytes that are not Serval messages */
  SERVAL_LINK_ERROR_TOO_SLOW, /* the peer does not read: send queue over its limit */
  SERVAL_LINK_ERROR_IO,       /* the connection failed */
  SERVAL_LINK_ERROR_CONNECT,  /* cannot reach the server */
} ServalLinkError;

/* Queued bytes over which data frames are dropped (management still goes). */
#define SERVAL_LINK_DATA_QUEUE_LIMIT (2 * 1024 * 1024)
/* Queued bytes over which the link is closed as too slow. */
#define SERVAL_LINK_QUEUE_HARD_LIMIT (16 * 1024 * 1024)

/* A link's limits (serval_link_set_limits()). A server gives a link that has
 * not logged in small ones, so that a peer who proved nothing costs little. */
typedef struct
{
  gsize max_message;     /* largest message body taken; a longer one closes the link */
  gsize queue_limit;     /* queued bytes over which the link is closed as too slow */
  guint message_timeout; /* seconds a message may take to arrive once begun; 0: no limit */
} ServalLinkLimits;

#define SERVAL_TYPE_LINK (serval_link_get_type ())
G_DECLARE_FINAL_TYPE (ServalLink, serval_link, SERVAL, LINK, GObject)

/**
 * ServalLinkMessageFunc:
 * @link: the link
 * @msg: (transfer none): a management message (not data, ping or pong)
 * @user_data: from serval_link_set_handlers()
 */
typedef void (*ServalLinkMessageFunc) (ServalLink *link, const Message_t *msg, gpointer user_data);
/**
 * ServalLinkDataFunc:
 * @link: the link
 * @frame: (transfer none): the frame with its VLAN tag and its
 *   DataFrame.offload (if any), in the link's read buffer: valid during the
 *   call only
 * @user_data: from serval_link_set_handlers()
 *
 * A data frame.
 */
typedef void (*ServalLinkDataFunc) (ServalLink *link, const ServalFrame *frame, gpointer user_data);

ServalLink *serval_link_new (GIOStream *stream, const char *peer);
ServalLink *serval_link_new_tls (ServalTlsSession *tls, const char *peer);
gboolean serval_link_tls_take_records (ServalLink *link);
void serval_link_set_handlers (ServalLink *link, ServalLinkMessageFunc message_func,
                               ServalLinkDataFunc data_func, gpointer user_data);
void serval_link_set_keepalive (ServalLink *link, guint interval, guint timeout);
void serval_link_retune_keepalive (ServalLink *link, guint interval, guint timeout);
void serval_link_announce_keepalive (ServalLink *link);
void serval_link_adopt_keepalive (ServalLink *link);
guint serval_link_get_keepalive_interval (ServalLink *link);
void serval_link_set_limits (ServalLink *link, const ServalLinkLimits *limits);
void serval_link_set_deadline (ServalLink *link, guint seconds, const char *reason);
void serval_link_start (ServalLink *link);

gboolean serval_link_send (ServalLink *link, const Message_t *msg, GError **error);
gboolean serval_link_send_take (ServalLink *link, Message_t *msg);
/* Appends one encoded message, length prefix first, to @out. */
typedef gboolean (*ServalLinkEncodeFunc) (gpointer data, GByteArray *out, GError **error);
gboolean serval_link_send_encoded (ServalLink *link, ServalLinkEncodeFunc encode, gpointer data, GError **error);
gboolean serval_link_send_data (ServalLink *link, guint32 vlan, const guint8 *frame, gsize len);
gboolean serval_link_send_frame (ServalLink *link, const ServalFrame *frame);

void serval_link_close (ServalLink *link, const GError *reason);
void serval_link_close_after_flush (ServalLink *link, const GError *reason);
gboolean serval_link_is_closed (ServalLink *link);

const char *serval_link_get_peer (ServalLink *link);
guint64 serval_link_get_frames_dropped (ServalLink *link);
gsize serval_link_get_queued (ServalLink *link);

/**
 * ServalLinkDrainFunc:
 * @link: the link
 * @user_data: from serval_link_set_drain_func()
 *
 * The link's queue fell below its low-water mark: queue more now.
 */
typedef void (*ServalLinkDrainFunc) (ServalLink *link, gpointer user_data);
void serval_link_set_drain_func (ServalLink *link, gsize low_water, ServalLinkDrainFunc func, gpointer user_data);

gboolean serval_link_is_resumed (ServalLink *link);
GBytes *serval_link_get_resume_data (ServalLink *link);

void serval_link_connect_async (const char *server, const char *fingerprint,
                                GBytes *resume, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
ServalLink *serval_link_connect_finish (GAsyncResult *result, char **peer_fingerprint, GError **error);

G_END_DECLS
