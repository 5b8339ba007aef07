/* serval-client-private.h: what the files of ServalClient share.
 *
 * serval-client.c          the object: properties, signals, state
 * serval-client-connect.c  connecting, login, tokens, TLS resumption, reconnecting
 * serval-client-request.c  the messages (built and read by serval-message.h):
 *                          requests by id, responses, events, the Hello
 * serval-client-vlan.c     ServalClientVlan: joining, members, addresses, frames
 * serval-client-admin.c    the calls of a VLAN's configuration: subnet, rules, bridge right;
 *                          and of administration: VLANs, users, rights, kick
 * serval-client-members.c  big VLANs: member pages, coalesced member events
 */
#pragma once

#include "serval-client.h"

#include "serval-link.h"
#include "serval-message.h"
#include "serval-tap.h"
#include "serval-util.h"

G_BEGIN_DECLS

struct _ServalClientVlan
{
  GObject parent_instance;

  ServalClient *client; /* weak: the client outlives its VLANs' use */
  char *name;
  guint32 tag;
  guint8 mac[6];
  ServalTap *tap;
  ServalClientFrameFunc frame_func;
  gpointer frame_data;
  GListStore *members;
  GStrv addresses;     /* last sent in an update */
  char *address;       /* leased by the server at the last join, "10.77.0.5/24", or NULL */
  char *prefix6;       /* the VLAN's IPv6 prefix, from the last join, or NULL */
  guint members_total; /* members the VLAN has, as the server said; more than members holds in a big VLAN */
};

struct _ServalClient
{
  GObject parent_instance;

  char *server;
  char *current; /* the server of the connection now or last tried: a cluster's node after a failover */
  char *user;
  char *password;
  char *fingerprint;
  char *host;
  GBytes *token;             /* resume token from the last LoggedIn; memory only */
  gboolean login_with_token; /* the login under way carries the token */
  gboolean resumed;          /* the last login used the token */
  GBytes *tls_resume;        /* to resume the last TLS session, once; memory only */
  char *tls_resume_server;   /* the server it was made with */
  gboolean tls_resumed;      /* the last connection resumed one */
  gboolean no_tls_resumption;

  ServalClientState state;
  gboolean admin;
  char *last_error;
  char *peer_fingerprint;
  char *node;

  ServalLink *link;
  gboolean logged_in;
  GCancellable *cancellable;      /* the connection attempt under way */
  GTask *connect_task;            /* the first connection, until it ends */
  GSource *connect_cancel_source; /* sees the GCancellable of connect_task */
  gboolean wanted;                /* keep reconnecting */

  GStrv servers; /* from the server, for failover */
  guint server_index;
  guint backoff_ms;
  GSource *reconnect_source;
  GSource *address_source;

  guint32 next_id;
  GHashTable *pending; /* id -> GTask */

  GListStore *vlans;  /* ServalClientVlan */
  GHashTable *by_tag; /* tag -> ServalClientVlan (borrowed) */

  gboolean offload;             /* we announce offload in Hello */
  gboolean server_offload;      /* the server's Hello did: it takes offload frames */
  guint8 *gso_scratch;          /* software segmentation, made on first use */
  guint64 gso_dropped;          /* offload frames that could not be segmented */
  gboolean server_member_pages; /* the server's Hello said memberPages: it answers page requests */
  gboolean server_services;     /* the server's Hello said services: it takes Join.services */
  GStrv services;               /* what this client announces in each join (serval_client_set_services()) */
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_ADMIN,
  PROP_LAST_ERROR,
  PROP_CURRENT_SERVER,
  PROP_NODE,
  PROP_SERVERS,
  N_PROPS
};
extern GParamSpec *serval_client_properties[N_PROPS];

enum
{
  SIGNAL_VLAN_REMOVED,
  SIGNAL_CONNECTION_FAILED,
  N_SIGNALS
};
extern guint serval_client_signals[N_SIGNALS];
/* A ServalClientVlan's "member-changes" (serval-client-vlan.c). */
extern guint serval_client_vlan_member_changes_signal;

/* serval-client.c */
void serval_client_set_state (ServalClient *client, ServalClientState state);
void serval_client_set_last_error (ServalClient *client, const char *message);
/* The server this client talks to now (or tried last): for messages. */
const char *serval_client_where (ServalClient *client);
void serval_client_set_current (ServalClient *client, const char *server);
void serval_client_set_node (ServalClient *client, const char *node);

/* serval-client-connect.c */
void serval_client_drop_link (ServalClient *client);
void serval_client_forget_token (ServalClient *client);
void serval_client_login_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void serval_client_logged_in (ServalClient *client, GBytes *token, gboolean admin, GStrv servers,
                              long keepalive);
void serval_client_set_servers (ServalClient *client, GStrv servers);

/* serval-client-request.c */
void serval_client_fail_pending (ServalClient *client, const char *why);
void serval_client_link_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data);
void serval_client_send_hello (ServalClient *client);
void serval_client_send_login (ServalClient *client);
void serval_client_send_update (ServalClient *client, ServalClientVlan *vlan, const char *const *addrs);
void serval_client_send_join (ServalClient *client, ServalClientVlan *vlan, GTask *task);
/* For the calls whose answer is success or an error: the request's id, or 0
 * if the call is over already (not connected, cancelled); the caller sends
 * the request with that id. */
guint32 serval_client_start_simple (ServalClient *client, GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data, gpointer source_tag);
gboolean serval_client_finish_simple (ServalClient *client, GAsyncResult *result, gpointer source_tag,
                                      GError **error);
/* The same for a rule list call, whose answer is a GPtrArray of ServalRule. */
guint32 serval_client_start_rule_list (ServalClient *client, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag);
gpointer serval_client_finish_list (ServalClient *client, GAsyncResult *result, gpointer source_tag,
                                    GError **error);
/* The _finish of a call started with serval_client_start_simple(): one line
 * per call instead of a five-line wrapper; its name stays spelled out for
 * grep, and its documentation is in serval-client.h. */
#define SERVAL_CLIENT_DEFINE_FINISH(finish, async)                             \
  gboolean finish (ServalClient *client, GAsyncResult *result, GError **error) \
  {                                                                            \
    return serval_client_finish_simple (client, result, async, error);         \
  }
/* The same for a list call, whose answer is a @type. */
#define SERVAL_CLIENT_DEFINE_LIST_FINISH(type, finish, async)               \
  type *finish (ServalClient *client, GAsyncResult *result, GError **error) \
  {                                                                         \
    return serval_client_finish_list (client, result, async, error);        \
  }

/* serval-client-vlan.c */
ServalClientVlan *serval_client_find_vlan (ServalClient *client, const char *name, guint *position);
void serval_client_remove_vlan (ServalClient *client, ServalClientVlan *vlan, const char *reason);
void serval_client_vlan_member_changed (ServalClientVlan *vlan, ServalMember *m, gboolean left);
void serval_client_vlan_joined (ServalClient *client, ServalClientVlan *vlan, guint32 tag, GPtrArray *members);
void serval_client_link_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data);
void serval_client_start_address_checks (ServalClient *client);
void serval_client_stop_address_checks (ServalClient *client);
void serval_client_rejoin (ServalClient *client, ServalClientVlan *vlan);

/* serval-client-request.c, for the calls of other files */
typedef void (*ServalClientResponseHandler) (ServalClient *client, GTask *task, ServalResponse *resp);
/* Gives @task (taken) a request id under which @handler reads its answer
 * (an error answer fails @task); 0 if it cannot go out (@task has its answer). */
guint32 serval_client_request_start (ServalClient *client, GTask *task, ServalClientResponseHandler handler,
                                     gconstpointer handler_data);

/* serval-client-members.c */
/* A coalesced member event: (element-type ServalMemberChange) @changes go into the model. */
void serval_client_vlan_apply_changes (ServalClientVlan *vlan, GPtrArray *changes);
G_END_DECLS
