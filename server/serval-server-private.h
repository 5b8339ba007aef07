/* serval-server-private.h: what the files of the server share.
 *
 * One file per concern, over this header:
 *   serval-server.c          the object: config, start, shutdown, statistics
 *   serval-server-listen.c   the listener and the TLS handshakes before a session
 *   serval-server-session.c  one client's link: its life, replies, request dispatch
 *   serval-server-login.c    hello, login (password or resume token)
 *   serval-server-limits.c   login limits, update rate, control characters in requests
 *   serval-server-vlan.c     join, leave, member lists and member events
 *   serval-server-admin.c    administrators' requests
 *   serval-server-admin-net.c administrators' requests of a VLAN's configuration:
 *                            subnet, IPv6 prefix, access list; the bridge right
 *   serval-server-forward.c  frames from the links into the switch and out to the links
 *   serval-server-cluster.c  the cluster: registry, remote members, the server list (--etcd)
 *   serval-server-peer.c     links to the other nodes of the cluster, which carry frames
 */
#pragma once

#include "serval-server.h"

#include "serval-cluster.h"
#include "serval-link.h"
#include "serval-member.h"
#include "serval-message.h"
#include "serval-tls.h"
#include "serval-token.h"
#include "serval-util.h"

G_BEGIN_DECLS

typedef struct _Session Session;
typedef struct _ServalLoginLimits ServalLoginLimits;
typedef struct _SessionMemberEvents SessionMemberEvents;

/* How a session is in one VLAN it joined, as the other members see it.
 * Whether it is in is the switch's to say (serval-server-vlan.c). */
typedef struct
{
  guint32 tag;
  char *name; /* the VLAN's */
  ServalMember *member;
  char *address; /* leased from the VLAN's subnet at the join ("10.77.0.5/24"), or NULL */
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
  gboolean offload;     /* its Hello said it takes frames with offload metadata */
  gboolean vlan_config; /* its Hello said it reads the fields of subnets and the bridge right */
  gint64 update_tat;    /* address updates: when their token bucket is full again */
  ServalSwitchPort *port;
  GHashTable *vlans; /* tag -> Membership, one per VLAN its port joined */
  char *group;       /* counted in server->unauthenticated under this until it logs in */
  /* A link to another node of the cluster (serval-server-peer.c), not a client's:
   * node_cert: its TLS client certificate is the cluster's, so it may say it is a node;
   * node: the node's name once its Hello said it (its port is then a trunk);
   * dialled: this node dialled it (and dials again when it closes). */
  gboolean node_cert;
  gboolean dialled;
  char *node;
  ServalNodeLinkStats *link_stats; /* a node link's counters (server->link_stats owns them) */
  int refs;
  gboolean member_pages;              /* its Hello said memberPages: coalesced member events, pages */
  gboolean services;                  /* its Hello said services: members' announced services */
  SessionMemberEvents *member_events; /* its coalesced member events waiting (serval-server-members.c) */
  /* Its fair queue and rate limit, once it has a port (serval-server-fair.c). */
  struct _SessionFair *fair;
  /* Its user's bridge right and own rate limit (bytes/s, 0: the server's
   * default), read with the password at login, kept current by
   * serval_server_user_config_changed(). */
  gboolean bridge;
  guint64 rate_limit;
  gboolean keepalive_shared; /* its Hello said keepaliveInterval: its pings follow the server's */
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
  ServalAcceptGate *accept_gate;   /* stops accepting near the open-file limit */
  GHashTable *sessions;            /* Session* set, every accepted link */
  GHashTable *handshaking;         /* address string -> TLS handshakes under way from it */
  gint64 last_refusal_log;         /* when the last "too many handshakes" warning went out */
  GHashTable *unauthenticated;     /* address group -> handshakes and links not logged in from it */
  gint64 last_group_refusal_log;   /* when the last "too many links not logged in" warning went out */
  ServalLoginLimits *login_limits; /* failed logins per source and per user */
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
  /* The cluster (serval-server-cluster.c, serval-server-peer.c); NULL without --etcd. */
  ServalCluster *cluster;
  GHashTable *peers;         /* node name -> Session*, the node links that said their Hello */
  GHashTable *dials;         /* node name -> PeerDial*, the nodes this one dials */
  GHashTable *remote_counts; /* "NODE\nTAG" -> members of that node in that VLAN */
  GHashTable *link_stats;    /* node name -> ServalNodeLinkStats, kept across reconnections */
  gint64 started;            /* Unix time the server started */
  gboolean leaving;          /* shutting down: the lease's revocation is under way */
  GHashTable *lan_prefix6;   /* VLAN tag -> its IPv6 prefix, announced (serval-server-lan.c) */
  GSource *lan_ra_source;    /* their router advertisements, every minute */
  GHashTable *lan_bridged;   /* "SESSION TAG" -> GArray of MACs leased by DHCP through it */
  /* Fair queues and rate limits (serval-server-fair.c), or NULL. */
  struct _ServalServerFair *fair;
  /* TLS handshakes (serval-server-listen.c): accepted connections wait here,
   * oldest first, for the starter (an idle source) to start their handshake,
   * a few per main-loop pass. */
  GQueue handshake_queue;
  GSource *handshake_starter;
  /* Sessions whose member events wait for their second to end, and the
   * timer that sends them (serval-server-members.c), or NULL. */
  struct _ServalMemberWaiting *member_waiting;
  gint64 last_wait_log; /* when the last "waited for its handshake" message went out */
  guint keepalive_now;  /* the keepalive interval with config.keepalive_budget, or 0 */
};

/* serval-server.c */
/* A session closed: ends a shutdown that waited for it to be the last. */
void serval_server_session_closed (ServalServer *server);

/* serval-server-listen.c */
/* Listens on config.listen and starts the handshakes of new connections. */
gboolean serval_server_listen (ServalServer *server, GError **error);
void serval_server_listen_stop (ServalServer *server);
void serval_server_members_stop (ServalServer *server);
/* One handshake or link not logged in from address group @group less. */
void serval_server_unauthenticated_uncount (ServalServer *server, const char *group);

/* serval-server-session.c */
/* A session for a link whose TLS handshake is done; takes @link, @peer and @addr. */
Session *serval_session_new (ServalServer *server, ServalLink *link, char *peer, char *addr);
/* Until it logs in, the session's link has small limits and a deadline, and
 * counts under @group (taken) against --max-unauthenticated-per-address. */
void serval_session_guard (Session *s, char *group);
/* It logged in (or is a node's): the limits and the deadline go. */
void serval_session_unguard (Session *s);
Session *serval_session_ref (Session *s);
void serval_session_unref (Session *s);
/* Says bye with @code and @text, and closes the link once that is sent. */
void serval_session_close (Session *s, ServalErrorCode code, const char *text);
void serval_session_reply (Session *s, Message_t *msg);
/* A reply whose list of members (a join answer, a page) is to hold
 * @members, at most SERVAL_MEMBER_PAGE_MAX, when @msg's holds only their
 * first: each member's DER is made once for all the answers it goes in. */
void serval_session_reply_members (Session *s, Message_t *msg, GPtrArray *members);
/* Sends @fanout (parts encoded once for many sessions); an error but a
 * closed link is said in the log. */
void serval_session_send_fanout (Session *s, const ServalFanout *fanout);
void serval_session_reply_error (Session *s, guint32 id, ServalErrorCode code, const char *format, ...)
    G_GNUC_PRINTF (4, 5);
void serval_session_reply_ok (Session *s, guint32 id);
void serval_session_reply_store_error (Session *s, guint32 id, const GError *error);
/* @s's link takes the server's keepalive interval now, with three intervals
 * for its timeout; returns it (what LoggedIn.keepalive tells a client). */
guint serval_session_keepalive_retune (Session *s);

/* serval-server-login.c */
void serval_session_handle_hello (Session *s, const ServalHello *hello);
void serval_session_handle_login (Session *s, const ServalRequest *req);

/* serval-server-limits.c */
/* Reference-counted: a password check in flight holds one, so that its end
 * is counted even after its session (or the server) is gone. */
ServalLoginLimits *serval_login_limits_new (const ServalServerConfig *config);
ServalLoginLimits *serval_login_limits_ref (ServalLoginLimits *limits);
void serval_login_limits_unref (ServalLoginLimits *limits);
/* What limits are kept under for @addr: itself, or for IPv6 its /64 (free it). */
char *serval_login_source_key (const char *addr);
/* FALSE, after answering @req with rateLimited, if the login @req may not be
 * checked now (its source or, for a password login, its user is limited). */
gboolean serval_login_limits_check (Session *s, const ServalRequest *req);
/* A password check for @user from @addr begins: it counts as a failure
 * until serval_login_limits_end() says it succeeded. */
void serval_login_limits_begin (ServalLoginLimits *limits, const char *addr, const char *user);
void serval_login_limits_end (ServalLoginLimits *limits, const char *addr, const char *user, gboolean ok);
/* FALSE, after answering @req with badRequest naming the field, if one of
 * its strings holds a control character. */
gboolean serval_session_check_strings (Session *s, const ServalRequest *req);
/* Whether @s may send one more address update now (1 a second, 5 at once). */
gboolean serval_session_update_allowed (Session *s);

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

/* serval-server-lan.c: a VLAN as a managed switch (rules, DHCP, addresses) */
/* VLAN @vlan's subnet, IPv6 prefix or rules changed (here, through another
 * node or offline): the switch applies them at once. */
void serval_server_vlan_config_changed (ServalServer *server, const char *vlan);
/* User @user's bridge right or rate limit changed, likewise: its ports now
 * may (not) bridge, its sessions send at its new rate. */
void serval_server_user_config_changed (ServalServer *server, const char *user);
/* Every VLAN's configuration into the switch; follows the store's
 * "vlan-changed" and "user-changed" (changes made elsewhere). */
void serval_server_lan_start (ServalServer *server);
void serval_server_lan_stop (ServalServer *server);
/* A client's port is new: its user's bridge right. */
void serval_server_lan_port_added (Session *s);
/* @s joined with @m: its leased address is claimed, its prefix announced. */
void serval_server_lan_joined (Session *s, Membership *m);
/* @s leaves @m's VLAN: the leases its DHCP gave hosts bridged in through it
 * are released (kept for those hosts, as a member's own). */
void serval_server_lan_left (Session *s, Membership *m);
/* @m's announced addresses changed from @before: claims follow. */
void serval_server_lan_addresses_changed (Session *s, Membership *m, const char *const *before);
/* @member of another node joined VLAN @tag: its MAC is pinned to @trunk,
 * the link to its node, and its addresses are claimed for it, so that this
 * node answers ARP and neighbour solicitations for them and its own members
 * may send from neither. A change is serval_server_lan_remote_left() and
 * then this. */
void serval_server_lan_remote_joined (ServalServer *server, guint32 tag, ServalSwitchPort *trunk, ServalMember *member);
/* It left: the pin and the claims go (they go with @trunk too). */
void serval_server_lan_remote_left (ServalServer *server, guint32 tag, ServalSwitchPort *trunk, ServalMember *member);

/* serval-server-admin.c */
/* Acts on the changes the store sees made elsewhere (serval-store.h's signals). */
void serval_server_watch_store (ServalServer *server);

/* Any administrator's request: user and VLAN add and delete, grant, revoke, kick, list users. */
void serval_session_handle_admin (Session *s, const ServalRequest *req);
/* Whether @s's user is an administrator now, as the store says (it may
 * have been demoted or deleted through another node): s->admin follows. */
gboolean serval_session_is_admin (Session *s);
/* FALSE, after answering, if @req holds strings the server cannot take or
 * @s's user is not (or no longer) an administrator. */
gboolean serval_session_admin_request_valid (Session *s, const ServalRequest *req);
/* The store's write for an administrator's request that changes it
 * (VLAN add/del/set, user del, grant, revoke, rule add/del, a user's
 * settings); another @kind is a programmer's error. */
ServalStoreWriteKind serval_server_write_kind (ServalRequestKind kind);

/* serval-server-admin-net.c */
/* An administrator's request of a VLAN's configuration: VLAN set, rule add,
 * rule del, list rules, user set bridge. */
void serval_session_handle_vlan_config (Session *s, const ServalRequest *req);

/* serval-server-cluster.c */
/* Registers this node and follows the others (with --etcd; else does nothing). */
gboolean serval_server_cluster_start (ServalServer *server, GError **error);
void serval_server_cluster_stop (ServalServer *server);
/* At shutdown: revokes this node's lease, so that the others forget its
 * members at once; server->leaving until etcd answered. */
void serval_server_cluster_leave (ServalServer *server);
/* Why logins are refused now (the cluster store cannot be reached), or NULL. */
char *serval_server_cluster_refusal (ServalServer *server);
/* Where clients reconnect: every live node's address, this node's last, the
 * others starting at @spread (modulo their number) so that clients spread. */
GStrv serval_server_cluster_servers (ServalServer *server, guint spread);
/* A session's @spread. */
guint serval_server_cluster_spread (Session *s);
/* A member of this node joined, changed or left VLAN @tag: the other nodes learn it. */
void serval_server_cluster_publish (ServalServer *server, guint32 tag, const char *vlan, ServalMember *member);
void serval_server_cluster_withdraw (ServalServer *server, guint32 tag, ServalMember *member);
/* Adds the members of other nodes in VLAN @tag to @list (borrowed). */
void serval_server_cluster_add_members (ServalServer *server, guint32 tag, GPtrArray *list);
/* Members of other nodes in VLAN @tag. */
guint serval_server_cluster_count (ServalServer *server, guint32 tag);
/* Answers a request for the list of nodes (any logged-in user may ask). */
void serval_session_handle_list_nodes (Session *s, const ServalRequest *req);
/* Members @node has in VLAN @tag. */
guint serval_server_cluster_node_count (ServalServer *server, const char *node, guint32 tag);
/* @trunk, the new link to @node, joins VLAN @tag, where that node has
 * members, and pins their MACs and claims their addresses. */
void serval_server_cluster_trunk_up (ServalServer *server, const char *node, ServalSwitchPort *trunk, guint32 tag);

/* serval-server-peer.c */
/* The cluster's list of nodes changed: dial the new ones that this node dials
 * (those whose names sort after its own), forget the gone ones. */
void serval_server_peer_node_added (ServalServer *server, const char *name, const char *address);
void serval_server_peer_node_removed (ServalServer *server, const char *name);
/* The Hello of a link whose certificate is the cluster's named node @name: it
 * becomes a node link (its port a trunk); FALSE if it may not. */
gboolean serval_server_peer_attach (Session *s, const char *name);
/* A node link closed: dial it again if this node dials it and it is live. */
void serval_server_peer_closed (Session *s);
/* Node @node has its first member in VLAN @tag, or its last left: its link's
 * trunk port joins or leaves the VLAN. */
void serval_server_peer_sync_vlan (ServalServer *server, const char *node, guint32 tag);
void serval_server_peer_stop (ServalServer *server);

/* serval-server-forward.c */
void serval_session_data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data);
/* Gives the session a port on the switch (at login), and lifts the limits
 * of a link not logged in (serval_session_unguard()). */
void serval_session_add_port (Session *s);

/* serval-server-members.c: member events for big VLANs (issue 17) */
/* Tells the sessions in @sessions but @except that @member joined, left or
 * changed in VLAN @tag: coalesced for those whose Hello said memberPages. */
void serval_server_tell_members (GPtrArray *sessions, Session *except, guint32 tag, const char *vlan,
                                 ServalMember *member, ServalEventKind kind);
/* @s left VLAN @tag: what waited for it there is dropped. */
void serval_session_member_events_drop (Session *s, guint32 tag);
void serval_session_member_events_free (Session *s);

/* serval-server-vlan.c, for big VLANs */
void serval_session_handle_list_member_page (Session *s, const ServalRequest *req);
/* serval-server-fair.c: fair sharing of each member's link among its senders */
typedef struct _ServalServerFair ServalServerFair;
typedef struct _SessionFair SessionFair;
void serval_server_fair_unref (ServalServerFair *fair);
/* At login: the session may send (rate limited per user) and receive through fair queues. */
void serval_session_fair_start (Session *s);
/* The session goes: its queued frames with it. */
void serval_session_fair_clear (Session *s);
/* A frame of @len bytes from @s enters the switch at @now: FALSE (counted) if over its
 * user's rate; else @s is its sender until serval_server_fair_input_done(). */
gboolean serval_session_fair_admit (Session *s, gsize len, gint64 now);
void serval_server_fair_input_done (ServalServer *server);
/* A frame (plain, or with offload metadata for a member that takes them) towards @s. */
void serval_session_fair_output (Session *s, const ServalFrame *frame);
/* serval-server-listen.c: set (object data) on the link of a session that
 * came past the accept gate's capacity and is told the server is full; its
 * close is not logged one by one. */
#define SERVAL_SESSION_REFUSED_FULL "serval-refused-full"

/* serval-server-fair.c: @s->rate_limit (or the server's default) changed:
 * the session sends at that rate from now on. */
void serval_session_fair_set_rate (Session *s);

G_END_DECLS
