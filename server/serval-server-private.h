/* serval-server-private.h: what the files of the server share.
 *
 * One file per concern, over this header:
 *   serval-server.c          the object: config, start, shutdown, statistics
 *   serval-server-listen.c   the listener and the TLS handshakes before a session
 *   serval-server-session.c  one client's link: its life, replies, request dispatch
 *   serval-server-login.c    hello, login (password or resume token), login rate limits
 *   serval-server-vlan.c     join, leave, member lists and member events
 *   serval-server-admin.c    administrators' requests
 *   serval-server-forward.c  frames from the links into the switch and out to the links
 */
#pragma once

#include "serval-server.h"

#include "serval-link.h"
#include "serval-member.h"
#include "serval-message.h"
#include "serval-tls.h"
#include "serval-token.h"
#include "serval-util.h"

G_BEGIN_DECLS

typedef struct _Session Session;

/* How a session is in one VLAN it joined, as the other members see it.
 * Whether it is in is the switch's to say (serval-server-vlan.c). */
typedef struct
{
  guint32 tag;
  char *name; /* the VLAN's */
  ServalMember *member;
} Membership;

struct _Session
{
  ServalServer *server;
  ServalLink *link;
  char *peer; /* remote address, for logs */
  char *addr; /* remote IP, for rate limiting */
  char *user;
  char *host;
  gboolean admin;
  gboolean logged_in;
  gboolean login_pending;
  gboolean closed;
  gboolean offload; /* its Hello said it takes frames with offload metadata */
  ServalSwitchPort *port;
  GHashTable *vlans; /* tag -> Membership, one per VLAN its port joined */
  int refs;
};

struct _ServalServer
{
  ServalServerConfig config;
  GMainContext *context; /* thread default at creation: every source of the server's */
  ServalStore *store;
  GCancellable *cancellable; /* the store's writes in flight, cancelled when the server goes */
  ServalSwitch *sw;
  ServalTlsServer *tls; /* credentials and ticket key shared by every session */
  char *fingerprint;
  GSocketService *service;
  ServalAcceptGate *accept_gate; /* stops accepting near the open-file limit */
  GHashTable *sessions;          /* Session* set, every accepted link */
  GHashTable *handshaking;       /* address string -> TLS handshakes under way from it */
  gint64 last_refusal_log;       /* when the last "too many handshakes" warning went out */
  GHashTable *logins;            /* address -> LoginRecord */
  GSource *aging_source;
  ServalServerStats stats;
  GSourceFunc shutdown_done;
  gpointer shutdown_data;
  GSource *shutdown_timer;
  gboolean shutting_down;
  guint8 *gso_scratch; /* for segmenting frames to members without offloads */
  guint8 token_key[SERVAL_TOKEN_KEY_LEN];
  ServalCredentials dummy_cred; /* checked for unknown users, so that they take as long */
  gboolean have_dummy_cred;
};

/* serval-server.c */
/* A session closed: ends a shutdown that waited for it to be the last. */
void serval_server_session_closed (ServalServer *server);

/* serval-server-listen.c */
/* Listens on config.listen and starts the handshakes of new connections. */
gboolean serval_server_listen (ServalServer *server, GError **error);

/* serval-server-session.c */
/* A session for a link whose TLS handshake is done; takes @link, @peer and @addr. */
Session *serval_session_new (ServalServer *server, ServalLink *link, char *peer, char *addr);
Session *serval_session_ref (Session *s);
void serval_session_unref (Session *s);
/* Says bye with @code and @text, and closes the link once that is sent. */
void serval_session_close (Session *s, ServalErrorCode code, const char *text);
void serval_session_reply (Session *s, Message_t *msg);
void serval_session_reply_error (Session *s, guint32 id, ServalErrorCode code, const char *format, ...)
    G_GNUC_PRINTF (4, 5);
void serval_session_reply_ok (Session *s, guint32 id);
void serval_session_reply_store_error (Session *s, guint32 id, const GError *error);

/* serval-server-login.c */
void serval_session_handle_hello (Session *s, const ServalHello *hello);
void serval_session_handle_login (Session *s, const ServalRequest *req);

/* serval-server-vlan.c */
void serval_membership_free (Membership *m);
/* The sessions in VLAN @tag, each with a reference: sending to one can close
 * its link, and a closed session leaves the switch at once. */
GPtrArray *serval_server_vlan_sessions (ServalServer *server, guint32 tag);
void serval_session_leave (Session *s, guint32 tag, const char *removed_reason,
                           ServalErrorCode removed_code);
void serval_session_leave_all (Session *s);
/* Each takes a request of its kind (serval-message.h). */
void serval_session_handle_join (Session *s, const ServalRequest *req);
void serval_session_handle_leave (Session *s, const ServalRequest *req);
void serval_session_handle_update (Session *s, const ServalRequest *req);
void serval_session_handle_list_vlans (Session *s, const ServalRequest *req);
void serval_session_handle_list_members (Session *s, const ServalRequest *req);

/* serval-server-admin.c */
/* Acts on the changes the store sees made elsewhere (serval-store.h's signals). */
void serval_server_watch_store (ServalServer *server);

/* Any administrator's request: user and VLAN add and delete, grant, revoke, kick, list users. */
void serval_session_handle_admin (Session *s, const ServalRequest *req);

/* serval-server-forward.c */
void serval_session_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data);
/* Gives the session a port on the switch (at login). */
void serval_session_add_port (Session *s);

G_END_DECLS
