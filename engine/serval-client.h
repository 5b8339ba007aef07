/* serval-client.h: a client's session with a Serval server.
 *
 * A ServalClient logs in, joins VLANs (each with its own ServalTap, or a
 * frame callback for load generators), keeps member lists current, and on
 * a lost connection reconnects with backoff across the server list and
 * rejoins its VLANs; the TAP devices stay up meanwhile.
 */
#pragma once

#include <gio/gio.h>
#include "serval-member.h"
#include "serval-message.h" /* ServalVlanInfo, ServalUserInfo, ServalNodeEntry */
#include "serval-tap.h"

G_BEGIN_DECLS

#define SERVAL_CLIENT_ERROR (serval_client_error_quark ())
GQuark serval_client_error_quark (void);

typedef enum
{
  SERVAL_CLIENT_ERROR_AUTH,        /* wrong user name or password */
  SERVAL_CLIENT_ERROR_NOT_ALLOWED, /* no right to that VLAN, or not an admin */
  SERVAL_CLIENT_ERROR_NO_SUCH_VLAN,
  SERVAL_CLIENT_ERROR_NO_SUCH_USER,
  SERVAL_CLIENT_ERROR_EXISTS,
  SERVAL_CLIENT_ERROR_RATE_LIMITED,  /* too many failed logins: wait */
  SERVAL_CLIENT_ERROR_VERSION,       /* the server speaks another protocol version */
  SERVAL_CLIENT_ERROR_DISCONNECTED,  /* the connection was lost before the answer */
  SERVAL_CLIENT_ERROR_SERVER,        /* the server refused for another reason */
  SERVAL_CLIENT_ERROR_TOKEN_REFUSED, /* (internal) the resume token was refused; the client
                                      * then logs in with the password */
  SERVAL_CLIENT_ERROR_UNSUPPORTED,   /* the server answered badRequest to a request newer than
                                      * the first servers: it is older than this client */
} ServalClientError;

typedef enum
{
  SERVAL_CLIENT_STATE_DISCONNECTED,
  SERVAL_CLIENT_STATE_CONNECTING,
  SERVAL_CLIENT_STATE_ONLINE,
} ServalClientState;

#define SERVAL_TYPE_CLIENT_STATE (serval_client_state_get_type ())
GType serval_client_state_get_type (void);

#define SERVAL_TYPE_CLIENT_VLAN (serval_client_vlan_get_type ())
G_DECLARE_FINAL_TYPE (ServalClientVlan, serval_client_vlan, SERVAL, CLIENT_VLAN, GObject)

#define SERVAL_TYPE_CLIENT (serval_client_get_type ())
G_DECLARE_FINAL_TYPE (ServalClient, serval_client, SERVAL, CLIENT, GObject)

/* Frames of a VLAN joined without a TAP device. */
typedef void (*ServalClientFrameFunc) (ServalClientVlan *vlan, const guint8 *frame, gsize len,
                                       gpointer user_data);

const char *serval_client_vlan_get_name (ServalClientVlan *vlan);
guint32 serval_client_vlan_get_tag (ServalClientVlan *vlan);
/* (nullable) */
ServalTap *serval_client_vlan_get_tap (ServalClientVlan *vlan);
/**
 * serval_client_vlan_get_address:
 * @vlan: a joined VLAN
 *
 * Returns: (nullable): the IPv4 address the server leased to this member at
 *   the last join, with the subnet's length ("10.77.0.5/24"); %NULL when the
 *   VLAN has no subnet (or the server is older than subnets)
 */
const char *serval_client_vlan_get_address (ServalClientVlan *vlan);
/**
 * serval_client_vlan_get_prefix6:
 * @vlan: a joined VLAN
 *
 * Returns: (nullable): the VLAN's IPv6 prefix ("fd00:77::/64"), from the last join
 */
const char *serval_client_vlan_get_prefix6 (ServalClientVlan *vlan);
/* (element-type ServalMember): the members, this client included. In a
 * VLAN of more than 500 members (serval_client_vlan_get_member_total()),
 * from a server that sends pages: the first page and those who joined or
 * changed since; serval_client_vlan_fetch_members_async() gets the others. */
GListModel *serval_client_vlan_get_members (ServalClientVlan *vlan);
/**
 * serval_client_vlan_get_member_total:
 * @vlan: a joined VLAN
 *
 * Returns: how many members the VLAN has, as the server said at the join
 *   and since: at least the number of items of serval_client_vlan_get_members()
 */
guint serval_client_vlan_get_member_total (ServalClientVlan *vlan);
/**
 * serval_client_vlan_fetch_members_async:
 * @vlan: a joined VLAN
 * @offset: the first member wanted, from 0, in the server's order
 * @count: how many, 1..500
 * @search: (nullable): only members whose user or host name holds it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the page; its source object is the VLAN's #ServalClient
 * @user_data: (closure): data for @callback
 *
 * Asks the server for a page of the VLAN's members (see
 * serval_client_list_member_page_async()), leaving the VLAN's own model as it is.
 */
void serval_client_vlan_fetch_members_async (ServalClientVlan *vlan, guint offset, guint count, const char *search,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
/* Like serval_client_list_member_page_finish(). */
GListModel *serval_client_vlan_fetch_members_finish (ServalClientVlan *vlan, GAsyncResult *result, guint *total,
                                                     GError **error);
/**
 * ServalClientVlanChangesFunc:
 * @vlan: a joined VLAN
 * @changes: (element-type ServalMemberChange): what changed in its member list,
 *   at most one change per member
 * @user_data: data given at the connection
 *
 * Called after the changes went into serval_client_vlan_get_members() and
 * serval_client_vlan_get_member_total(), with every change the server sent,
 * of members the model holds or not: for what shows of a big VLAN beyond its
 * model (pages fetched with serval_client_vlan_fetch_members_async()).
 */
typedef void (*ServalClientVlanChangesFunc) (ServalClientVlan *vlan, GPtrArray *changes, gpointer user_data);
/* Connects @func to the VLAN's "member-changes" signal; returns the handler's id
 * (g_signal_handler_disconnect(), or g_signal_handlers_disconnect_by_data()). */
gulong serval_client_vlan_connect_member_changes (ServalClientVlan *vlan, ServalClientVlanChangesFunc func,
                                                  gpointer user_data);
/* Sends a frame into the VLAN (for VLANs joined without a TAP). */
gboolean serval_client_vlan_send (ServalClientVlan *vlan, const guint8 *frame, gsize len);

/* @fingerprint: (nullable) the pinned server fingerprint. */
ServalClient *serval_client_new (const char *server, const char *user, const char *password,
                                 const char *fingerprint);
ServalClientState serval_client_get_state (ServalClient *client);
/* TRUE if the last successful login used a resume token instead of the
 * password. The client keeps the token the server gives at login in memory
 * only (never on disk) and tries it first when it connects again. */
gboolean serval_client_get_resumed (ServalClient *client);
/* TRUE if the last connection resumed the TLS session of the one before
 * (a session ticket: no certificate, no signature). The client keeps the
 * ticket in memory only and uses it once, with the same server. */
gboolean serval_client_get_tls_resumed (ServalClient *client);
/* On by default; off, every connection makes a full TLS handshake (to
 * measure that, or to rule resumption out when looking for a problem). */
void serval_client_set_tls_resumption (ServalClient *client, gboolean enabled);
/* The server given to serval_client_new(). */
const char *serval_client_get_server (ServalClient *client);
/* The server connected to now, or tried last: after a failover, another
 * node of the cluster ("current-server" notifies). */
const char *serval_client_get_current_server (ServalClient *client);
/* The name of that server's node, from its Hello, or NULL ("node"). */
const char *serval_client_get_node (ServalClient *client);
/* The live nodes the server listed, where this client fails over to, or
 * NULL ("servers"; a cluster keeps it current). */
const char *const *serval_client_get_servers (ServalClient *client);
const char *serval_client_get_user (ServalClient *client);
gboolean serval_client_get_admin (ServalClient *client);
/* The last connection problem, or NULL. */
const char *serval_client_get_last_error (ServalClient *client);
/* The fingerprint the server showed on the last attempt (nullable). */
const char *serval_client_get_peer_fingerprint (ServalClient *client);
/* (element-type ServalClientVlan) the joined VLANs */
GListModel *serval_client_get_vlans (ServalClient *client);
void serval_client_set_host_name (ServalClient *client, const char *host);
/* Whether Hello says this client takes frames with offload metadata (GSO
 * frames up to 64 KiB, partial checksums; segmented in software for a
 * device without offloads). Default: TRUE unless SERVAL_TAP_OFFLOAD=0.
 * Takes effect at the next connection. */
void serval_client_set_offload (ServalClient *client, gboolean offload);
/* What this client announces to the others in each VLAN it joins from now
 * on (a web page), each canonical (serval_service_parse()), at most
 * SERVAL_SERVICES_MAX; NULL for nothing. A server older than announcements
 * gets joins without them (logged). Members' own: serval_member_get_services(). */
void serval_client_set_services (ServalClient *client, const char *const *services);

/* Connects and logs in once; afterwards, lost connections are retried on
 * their own until serval_client_disconnect(). Cancelling @cancellable before
 * the first login gives up at once: the call ends with G_IO_ERROR_CANCELLED
 * and the client stops trying, as after serval_client_disconnect(). */
void serval_client_connect_async (ServalClient *client, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean serval_client_connect_finish (ServalClient *client, GAsyncResult *result, GError **error);
void serval_client_disconnect (ServalClient *client);

/* Joins @vlan; frames go to @tap, or to @frame_func when @tap is NULL.
 * Cancelling @cancellable ends the call at once with G_IO_ERROR_CANCELLED;
 * the client does not take up @vlan when the server's answer comes later, and
 * asks the server to leave it again. */
void serval_client_join_async (ServalClient *client, const char *vlan, ServalTap *tap,
                               ServalClientFrameFunc frame_func, gpointer frame_data,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
/* Joins @vlan with no TAP device, as @mac: frames go to @frame_func, and
 * those sent with serval_client_vlan_send() must come from @mac, as the
 * server lets a member send only from the MAC it joined with (unless its
 * user has the bridge right). serval_client_join_async() with no TAP picks
 * a random MAC instead. Finish with serval_client_join_finish(). */
void serval_client_join_frames_async (ServalClient *client, const char *vlan, const guint8 mac[6],
                                      ServalClientFrameFunc frame_func, gpointer frame_data,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
/* Returns (transfer full) the joined VLAN. */
ServalClientVlan *serval_client_join_finish (ServalClient *client, GAsyncResult *result, GError **error);

/* The named calls below answer with nothing but success or an error (a
 * #SERVAL_CLIENT_ERROR, or %SERVAL_CLIENT_ERROR_DISCONNECTED when the client is
 * offline or the connection was lost before the answer).
 *
 * Every _async call here honours its @cancellable: cancelling it completes the
 * call at once with %G_IO_ERROR_CANCELLED. The request may already have
 * reached the server, which then still does it; its late answer is ignored. */

/**
 * serval_client_leave_async:
 * @client: a #ServalClient
 * @vlan: the name of a VLAN the client is in
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Leaves @vlan. When the server has agreed, the #ServalClientVlan is gone from
 * serval_client_get_vlans() and its TAP device is stopped; #ServalClient::vlan-removed
 * is not emitted, as that is for removals the user did not ask for.
 */
void serval_client_leave_async (ServalClient *client, const char *vlan,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
/**
 * serval_client_leave_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_leave_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_leave_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_vlan_add_async:
 * @client: a #ServalClient
 * @vlan: the name of the new VLAN
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Asks the server to create @vlan. Needs an administrator.
 */
void serval_client_vlan_add_async (ServalClient *client, const char *vlan,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/**
 * serval_client_vlan_add_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_vlan_add_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_vlan_add_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_vlan_delete_async:
 * @client: a #ServalClient
 * @vlan: the name of a VLAN
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Asks the server to delete @vlan; its members are removed from it. Needs an
 * administrator.
 */
void serval_client_vlan_delete_async (ServalClient *client, const char *vlan,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
/**
 * serval_client_vlan_delete_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_vlan_delete_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_vlan_delete_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_user_add_async:
 * @client: a #ServalClient
 * @user: the name of the new user
 * @password: their password
 * @admin: whether they are an administrator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Asks the server to create @user. Needs an administrator.
 */
void serval_client_user_add_async (ServalClient *client, const char *user,
                                   const char *password, gboolean admin,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/**
 * serval_client_user_add_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_user_add_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_user_add_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_user_delete_async:
 * @client: a #ServalClient
 * @user: the name of a user
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Asks the server to delete @user; their sessions end. Needs an administrator.
 */
void serval_client_user_delete_async (ServalClient *client, const char *user,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
/**
 * serval_client_user_delete_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_user_delete_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_user_delete_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_grant_async:
 * @client: a #ServalClient
 * @user: the name of a user
 * @vlan: the name of a VLAN
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Gives @user the right to join @vlan. Needs an administrator.
 */
void serval_client_grant_async (ServalClient *client, const char *user, const char *vlan,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
/**
 * serval_client_grant_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_grant_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_grant_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_revoke_async:
 * @client: a #ServalClient
 * @user: the name of a user
 * @vlan: the name of a VLAN
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Takes from @user the right to join @vlan. Needs an administrator.
 */
void serval_client_revoke_async (ServalClient *client, const char *user, const char *vlan,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
/**
 * serval_client_revoke_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_revoke_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_revoke_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_kick_async:
 * @client: a #ServalClient
 * @user: the name of a user
 * @vlan: the name of a VLAN
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Removes @user from @vlan. Needs an administrator.
 */
void serval_client_kick_async (ServalClient *client, const char *user, const char *vlan,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
/**
 * serval_client_kick_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_kick_async()
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server did it, else %FALSE with @error set
 */
gboolean serval_client_kick_finish (ServalClient *client, GAsyncResult *result, GError **error);

void serval_client_list_vlans_async (ServalClient *client, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* (element-type ServalVlanInfo) (transfer container) */
GPtrArray *serval_client_list_vlans_finish (ServalClient *client, GAsyncResult *result, GError **error);
void serval_client_list_members_async (ServalClient *client, const char *vlan,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
/* (element-type ServalMember) (transfer full) */
GListModel *serval_client_list_members_finish (ServalClient *client, GAsyncResult *result, GError **error);
/**
 * serval_client_list_member_page_async:
 * @client: a #ServalClient
 * @vlan: the VLAN's name (joined or not: the user needs the right to join it, or be an administrator)
 * @offset: the first member wanted, from 0, in the server's order (which
 *   stays put while nobody joins or leaves)
 * @count: how many, 1..500
 * @search: (nullable): only members whose user or host name holds it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the page
 * @user_data: (closure): data for @callback
 *
 * A page of a VLAN's members. A server older than pages sends the whole
 * list, of which the client keeps the page.
 */
void serval_client_list_member_page_async (ServalClient *client, const char *vlan, guint offset, guint count,
                                           const char *search, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
/**
 * serval_client_list_member_page_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult
 * @total: (out) (optional): how many members the VLAN has (that match the search)
 * @error: a #GError
 *
 * Returns: (transfer full) (element-type ServalMember): the page, empty past the end
 */
GListModel *serval_client_list_member_page_finish (ServalClient *client, GAsyncResult *result, guint *total,
                                                   GError **error);
void serval_client_list_users_async (ServalClient *client, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* (element-type ServalUserInfo) (transfer container) */
GPtrArray *serval_client_list_users_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_list_nodes_async:
 * @client: a #ServalClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Asks the server node the client is connected to for the live nodes of its
 * cluster. Any logged-in user may ask; the server decides what to answer.
 *
 * A server older than this request cannot read it: it closes the link
 * (%SERVAL_CLIENT_ERROR_DISCONNECTED, and the client reconnects), or, if it
 * reads it but does not know it, answers badRequest
 * (%SERVAL_CLIENT_ERROR_UNSUPPORTED).
 */
void serval_client_list_nodes_async (ServalClient *client, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/**
 * serval_client_list_nodes_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_list_nodes_async()
 * @error: return location for a #GError
 *
 * Returns: (element-type ServalNodeEntry) (transfer container): the nodes, the
 *   answering one marked current; %NULL with @error set on failure
 */
GPtrArray *serval_client_list_nodes_finish (ServalClient *client, GAsyncResult *result, GError **error);

/* --- a VLAN's configuration (serval-client-admin.c) -------------------------
 *
 * Each needs an administrator. A server older than these requests cannot
 * read them: it closes the link (%SERVAL_CLIENT_ERROR_DISCONNECTED). */

/**
 * serval_client_vlan_set_async:
 * @client: a #ServalClient
 * @vlan: the name of a VLAN
 * @subnet: (nullable): the IPv4 subnet its members get addresses from
 *   ("10.77.0.0/24"); %NULL keeps the one it has, "" removes it
 * @prefix6: (nullable): the IPv6 prefix announced in it ("fd00:77::/64");
 *   likewise
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Gives @vlan a subnet and an IPv6 prefix, or takes them away.
 */
void serval_client_vlan_set_async (ServalClient *client, const char *vlan, const char *subnet,
                                   const char *prefix6, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean serval_client_vlan_set_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_rule_add_async:
 * @client: a #ServalClient
 * @vlan: the name of a VLAN
 * @rule: the rule, appended to the VLAN's access list
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 */
void serval_client_rule_add_async (ServalClient *client, const char *vlan, const ServalRule *rule,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean serval_client_rule_add_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_rule_del_async:
 * @client: a #ServalClient
 * @vlan: the name of a VLAN
 * @index: the number of the rule in the VLAN's list, from 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Removes one rule; the rules after it move up by one.
 */
void serval_client_rule_del_async (ServalClient *client, const char *vlan, guint index,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean serval_client_rule_del_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_rule_list_async:
 * @client: a #ServalClient
 * @vlan: the name of a VLAN
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Asks for @vlan's access list.
 */
void serval_client_rule_list_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
/**
 * serval_client_rule_list_finish:
 * @client: a #ServalClient
 * @result: the #GAsyncResult given to the callback of serval_client_rule_list_async()
 * @error: return location for a #GError
 *
 * Returns: (element-type ServalRule) (transfer container): the rules in
 *   order (the first is number 1); %NULL with @error set on failure
 */
GPtrArray *serval_client_rule_list_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_user_set_bridge_async:
 * @client: a #ServalClient
 * @user: the name of a user
 * @bridge: %TRUE to give the bridge right (carry a bridged LAN's MACs), %FALSE to take it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 */
void serval_client_user_set_bridge_async (ServalClient *client, const char *user, gboolean bridge,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
gboolean serval_client_user_set_bridge_finish (ServalClient *client, GAsyncResult *result, GError **error);

/**
 * serval_client_user_set_rate_limit_async:
 * @client: a #ServalClient
 * @user: the name of a user
 * @bytes_per_second: the bytes per second the user may send through the
 *   switch over all its sessions, at most %SERVAL_MAX_RATE_LIMIT; 0 for none
 *   of its own (the server's default applies)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: (closure): data for @callback
 *
 * Administrators only; the server applies it to the user's live sessions at once.
 */
void serval_client_user_set_rate_limit_async (ServalClient *client, const char *user, guint64 bytes_per_second,
                                              GCancellable *cancellable, GAsyncReadyCallback callback,
                                              gpointer user_data);
gboolean serval_client_user_set_rate_limit_finish (ServalClient *client, GAsyncResult *result, GError **error);

G_END_DECLS
