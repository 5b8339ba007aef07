/* serval-message.h: Serval's management messages as plain C values.
 *
 * The one layer that builds and reads asn1c's structs (besides the codec,
 * engine/serval-codec.c, and the link's framing, pings and data frames,
 * engine/serval-link-read.c). Builders take plain C and GLib values and return
 * a Message_t ready for serval_link_send_take() or serval_message_encode();
 * parsers turn a decoded Message_t into structs of owned C strings, GBytes,
 * GStrv and GPtrArrays that the server and the client dispatch on.
 *
 * serval-message-build.c holds the builders, serval-message-parse.c the
 * parsers. String sizes, UTF-8 and list sizes are the schema's constraints,
 * checked by serval_message_encode() and serval_message_decode().
 */
#pragma once

#include <glib-object.h>

#include "serval-codec.h"
#include "serval-member.h"
#include "serval-rule.h"

G_BEGIN_DECLS

/**
 * ServalErrorCode:
 * @SERVAL_ERROR_CODE_BAD_REQUEST: a request the server cannot take
 * @SERVAL_ERROR_CODE_VERSION_MISMATCH: the peers speak different protocol versions
 * @SERVAL_ERROR_CODE_AUTH_FAILED: wrong user name or password
 * @SERVAL_ERROR_CODE_RATE_LIMITED: too many failed logins from one address
 * @SERVAL_ERROR_CODE_NOT_LOGGED_IN: a request before the login
 * @SERVAL_ERROR_CODE_NO_SUCH_VLAN: no VLAN of that name
 * @SERVAL_ERROR_CODE_NOT_ALLOWED: the user has no right to do it
 * @SERVAL_ERROR_CODE_EXISTS: the user, VLAN or right exists already
 * @SERVAL_ERROR_CODE_NO_SUCH_USER: no user of that name
 * @SERVAL_ERROR_CODE_INTERNAL: the server failed
 * @SERVAL_ERROR_CODE_NOT_JOINED: the client is not in that VLAN
 * @SERVAL_ERROR_CODE_SHUTTING_DOWN: the server is stopping
 * @SERVAL_ERROR_CODE_TIMEOUT: something took too long
 * @SERVAL_ERROR_CODE_TOKEN_REFUSED: a resume token that is expired, altered or revoked
 * @SERVAL_ERROR_CODE_SERVER_FULL: the server holds as many clients as it can
 * @SERVAL_ERROR_CODE_NO_SUCH_RULE: a VLAN has no rule of that number
 * @SERVAL_ERROR_CODE_ADDRESS_POOL_FULL: a VLAN's subnet has no address left for a joiner
 *
 * The protocol's ErrorCode, with its values. A peer may send codes that
 * this version does not know: they come through as they are.
 */
typedef enum
{
  SERVAL_ERROR_CODE_BAD_REQUEST = 0,
  SERVAL_ERROR_CODE_VERSION_MISMATCH = 1,
  SERVAL_ERROR_CODE_AUTH_FAILED = 2,
  SERVAL_ERROR_CODE_RATE_LIMITED = 3,
  SERVAL_ERROR_CODE_NOT_LOGGED_IN = 4,
  SERVAL_ERROR_CODE_NO_SUCH_VLAN = 5,
  SERVAL_ERROR_CODE_NOT_ALLOWED = 6,
  SERVAL_ERROR_CODE_EXISTS = 7,
  SERVAL_ERROR_CODE_NO_SUCH_USER = 8,
  SERVAL_ERROR_CODE_INTERNAL = 9,
  SERVAL_ERROR_CODE_NOT_JOINED = 10,
  SERVAL_ERROR_CODE_SHUTTING_DOWN = 11,
  SERVAL_ERROR_CODE_TIMEOUT = 12,
  SERVAL_ERROR_CODE_TOKEN_REFUSED = 13,
  SERVAL_ERROR_CODE_SERVER_FULL = 14,
  SERVAL_ERROR_CODE_NO_SUCH_RULE = 15,
  SERVAL_ERROR_CODE_ADDRESS_POOL_FULL = 16,
} ServalErrorCode;

/**
 * ServalVlanInfo:
 * @name: the VLAN's name
 * @tag: its tag on the wire
 * @allowed: whether the asking user may join it
 * @members: how many members it has
 * @subnet: (nullable): the IPv4 subnet its members get addresses from, "10.77.0.0/24"
 * @prefix6: (nullable): the IPv6 prefix announced in it, "fd00:77::/64"
 *
 * One VLAN of a list answer: what the server sends and the client gets.
 */
typedef struct
{
  char *name;
  guint32 tag;
  gboolean allowed;
  guint members;
  char *subnet;
  char *prefix6;
} ServalVlanInfo;

/**
 * ServalUserInfo:
 * @name: the user's name
 * @admin: whether the user is an administrator
 * @vlans: the VLANs the user may join
 * @bridge: whether the user has the bridge right (may carry more MACs than its own)
 * @rate_limit: bytes per second the user may send through the switch; 0:
 *   none of its own (the server's default, if any)
 *
 * One user of a list answer.
 */
typedef struct
{
  char *name;
  gboolean admin;
  GStrv vlans;
  gboolean bridge;
  guint64 rate_limit;
} ServalUserInfo;

/**
 * ServalNodeEntry:
 * @name: the server node's name
 * @advertise: where clients reach it, "host:port" each
 * @since: since when it is up, Unix time
 * @members: how many VLAN members are connected to it
 * @current: whether it is the node that answered
 *
 * One server node of a node list answer (a node of the cluster that is
 * alive). Not the server's own bookkeeping of its nodes: what goes on the wire.
 */
typedef struct
{
  char *name;
  GStrv advertise;
  gint64 since;
  guint members;
  gboolean current;
} ServalNodeEntry;

void serval_vlan_info_free (ServalVlanInfo *info);
void serval_user_info_free (ServalUserInfo *info);
void serval_node_entry_free (ServalNodeEntry *entry);

/**
 * ServalMessageKind:
 * @SERVAL_MESSAGE_UNKNOWN: none this version knows
 * @SERVAL_MESSAGE_DATA: a data frame
 * @SERVAL_MESSAGE_HELLO: a Hello, see serval_hello_parse()
 * @SERVAL_MESSAGE_REQUEST: a request, see serval_request_parse()
 * @SERVAL_MESSAGE_RESPONSE: a response, see serval_response_parse()
 * @SERVAL_MESSAGE_EVENT: an event, see serval_event_parse()
 * @SERVAL_MESSAGE_PING: a ping
 * @SERVAL_MESSAGE_PONG: a pong
 */
typedef enum
{
  SERVAL_MESSAGE_UNKNOWN,
  SERVAL_MESSAGE_DATA,
  SERVAL_MESSAGE_HELLO,
  SERVAL_MESSAGE_REQUEST,
  SERVAL_MESSAGE_RESPONSE,
  SERVAL_MESSAGE_EVENT,
  SERVAL_MESSAGE_PING,
  SERVAL_MESSAGE_PONG,
} ServalMessageKind;

/**
 * serval_message_get_kind:
 * @msg: a decoded message
 *
 * Returns: what @msg is
 */
ServalMessageKind serval_message_get_kind (const Message_t *msg);

/* --- Hello ----------------------------------------------------------------- */

/**
 * ServalHello:
 * @version: the peer's protocol version
 * @software: its software name and version
 * @node: (nullable): the server node's name
 * @offload: whether the peer takes data frames with offload metadata
 * @vlan_config: whether the peer (a client) reads the fields added to Joined,
 *   VlanInfo and UserInfo for VLAN subnets and the bridge right
 * @member_pages: whether the peer knows coalesced member events, member
 *   pages and Joined's total (a client that does gets them; a server that
 *   does answers a page request)
 * @services: whether the peer knows Join.services and Member.services (a
 *   client that does gets the services members announce; a server that
 *   does takes a client's)
 * @keepalive_interval: whether the peer (a client) reads Ping.interval and
 *   pings at the interval its server says there
 */
typedef struct
{
  int version;
  char *software;
  char *node;
  gboolean offload;
  gboolean vlan_config;
  gboolean member_pages;
  gboolean services;
  gboolean keepalive_interval;
} ServalHello;

/**
 * serval_hello_build:
 * @node: (nullable): the server node's name, %NULL from a client
 * @offload: whether this side takes data frames with offload metadata
 *
 * Returns: (transfer full): a Hello of this protocol version and software;
 *   a server's (with @node) says memberPages
 */
Message_t *serval_hello_build (const char *node, gboolean offload);
/**
 * serval_hello_build_client:
 * @offload: whether this client takes data frames with offload metadata
 *
 * Returns: (transfer full): a client's Hello, which says it reads the
 *   fields of VLAN subnets and the bridge right (Hello.vlanConfig), and
 *   coalesced member events and member pages (Hello.memberPages)
 */
Message_t *serval_hello_build_client (gboolean offload);
/* Sets Hello.keepaliveInterval (a client's Hello): the sender reads
 * Ping.interval and pings at that interval. */
void serval_message_set_hello_keepalive (Message_t *msg);

/**
 * serval_hello_parse:
 * @msg: a decoded message
 * @hello: (out caller-allocates): filled, to clear with serval_hello_clear()
 *
 * Returns: %FALSE (and @hello empty) if @msg is not a Hello
 */
gboolean serval_hello_parse (const Message_t *msg, ServalHello *hello);
void serval_hello_clear (ServalHello *hello);

/* --- requests -------------------------------------------------------------- */

/**
 * ServalRequestKind:
 * @SERVAL_REQUEST_UNKNOWN: one this version does not know
 * @SERVAL_REQUEST_LOGIN: @user, @host, @password or @token
 * @SERVAL_REQUEST_JOIN: @vlan, @mac
 * @SERVAL_REQUEST_LEAVE: @vlan
 * @SERVAL_REQUEST_LIST_VLANS: nothing
 * @SERVAL_REQUEST_LIST_MEMBERS: @vlan
 * @SERVAL_REQUEST_UPDATE: @vlan, @addresses
 * @SERVAL_REQUEST_VLAN_ADD: @vlan
 * @SERVAL_REQUEST_VLAN_DEL: @vlan
 * @SERVAL_REQUEST_USER_ADD: @user, @password, @admin
 * @SERVAL_REQUEST_USER_DEL: @user
 * @SERVAL_REQUEST_GRANT: @user, @vlan
 * @SERVAL_REQUEST_REVOKE: @user, @vlan
 * @SERVAL_REQUEST_KICK: @user, @vlan
 * @SERVAL_REQUEST_LIST_USERS: nothing
 * @SERVAL_REQUEST_LIST_NODES: nothing
 * @SERVAL_REQUEST_VLAN_SET: @vlan, @subnet, @prefix6 (each %NULL to keep, "" to remove)
 * @SERVAL_REQUEST_RULE_ADD: @vlan, @rule (%NULL if the rule is out of range)
 * @SERVAL_REQUEST_RULE_DEL: @vlan, @index
 * @SERVAL_REQUEST_LIST_RULES: @vlan
 * @SERVAL_REQUEST_USER_SET_BRIDGE: @user, @bridge
 * @SERVAL_REQUEST_LIST_MEMBER_PAGE: @vlan, @offset, @count, @search
 * @SERVAL_REQUEST_USER_SET_RATE_LIMIT: @user, @rate_limit
 */
typedef enum
{
  SERVAL_REQUEST_UNKNOWN,
  SERVAL_REQUEST_LOGIN,
  SERVAL_REQUEST_JOIN,
  SERVAL_REQUEST_LEAVE,
  SERVAL_REQUEST_LIST_VLANS,
  SERVAL_REQUEST_LIST_MEMBERS,
  SERVAL_REQUEST_UPDATE,
  SERVAL_REQUEST_VLAN_ADD,
  SERVAL_REQUEST_VLAN_DEL,
  SERVAL_REQUEST_USER_ADD,
  SERVAL_REQUEST_USER_DEL,
  SERVAL_REQUEST_GRANT,
  SERVAL_REQUEST_REVOKE,
  SERVAL_REQUEST_KICK,
  SERVAL_REQUEST_LIST_USERS,
  SERVAL_REQUEST_LIST_NODES,
  SERVAL_REQUEST_VLAN_SET,
  SERVAL_REQUEST_RULE_ADD,
  SERVAL_REQUEST_RULE_DEL,
  SERVAL_REQUEST_LIST_RULES,
  SERVAL_REQUEST_USER_SET_BRIDGE,
  SERVAL_REQUEST_LIST_MEMBER_PAGE,
  SERVAL_REQUEST_USER_SET_RATE_LIMIT,
} ServalRequestKind;

/**
 * ServalRequest:
 * @id: the request's id, echoed by its response
 * @kind: which request; it says which fields are set
 * @user: (nullable): the user (the new user's name for user add)
 * @host: (nullable): the client's host name (login)
 * @vlan: (nullable): the VLAN's name
 * @password: (nullable): the password's bytes (login, user add)
 * @token: (nullable): the resume token (login), %NULL without one
 * @mac: the client's TAP address in the VLAN (join)
 * @services: (nullable): what the member announces (join), each canonical
 *   if the client is right (serval_service_parse(): a server checks them);
 *   %NULL when it announces nothing
 * @addresses: (nullable): the member's addresses (update)
 * @admin: whether the new user is an administrator (user add)
 * @subnet: (nullable): the VLAN's new IPv4 subnet (VLAN set): %NULL keeps it, "" removes it
 * @prefix6: (nullable): the VLAN's new IPv6 prefix, likewise
 * @rule: (nullable): the rule to add (rule add); %NULL if it holds a value
 *   out of range (an action, protocol, port range or prefix this version
 *   does not know): a server refuses such a request
 * @index: the rule's number, from 1 (rule del)
 * @bridge: whether the user gets the bridge right (user set bridge)
 * @offset: the first member wanted, from 0 (member page)
 * @count: how many, 1..%SERVAL_MEMBER_PAGE_MAX (member page)
 * @search: (nullable): only members whose user or host holds it (member page)
 * @rate_limit: the user's new rate limit in bytes per second, 0: none (user
 *   set rate limit)
 * @bad_field: (nullable): the name of the first string field that holds a
 *   control character (serval_text_has_control()): "user", "host", "vlan"
 *   "addresses" or "services"; %NULL if none does. A server refuses such a request.
 *
 * A parsed request. Strings are NUL-terminated UTF-8 copies; one with an
 * embedded NUL reads as empty (and names its field in @bad_field).
 */
typedef struct
{
  guint32 id;
  ServalRequestKind kind;
  char *user;
  char *host;
  char *vlan;
  GBytes *password;
  GBytes *token;
  guint8 mac[6];
  GStrv addresses;
  GStrv services;
  gboolean admin;
  char *subnet;
  char *prefix6;
  ServalRule *rule;
  guint index;
  gboolean bridge;
  const char *bad_field;
  guint offset;
  guint count;
  char *search;
  guint64 rate_limit;
} ServalRequest;

/**
 * serval_request_parse:
 * @msg: a decoded message
 * @req: (out caller-allocates): filled, to clear with serval_request_clear()
 *
 * Returns: %FALSE (and @req empty) if @msg is not a request
 */
gboolean serval_request_parse (const Message_t *msg, ServalRequest *req);
void serval_request_clear (ServalRequest *req);
void serval_request_free (ServalRequest *req);

/**
 * serval_request_build_login:
 * @id: the request id
 * @user: the user name
 * @host: this host's name, shown to others
 * @password: (nullable): the password, or %NULL (sent empty) with a @token
 * @token: (nullable): a resume token from an earlier LoggedIn
 *
 * Returns: (transfer full): a Login request
 */
Message_t *serval_request_build_login (guint32 id, const char *user, const char *host,
                                       const char *password, GBytes *token);
Message_t *serval_request_build_join (guint32 id, const char *vlan, const guint8 mac[6]);
/**
 * serval_request_build_name:
 * @id: the request id
 * @kind: a request whose body is one name: %SERVAL_REQUEST_LEAVE,
 *   %SERVAL_REQUEST_LIST_MEMBERS, %SERVAL_REQUEST_LIST_RULES (a VLAN's),
 *   %SERVAL_REQUEST_VLAN_ADD, %SERVAL_REQUEST_VLAN_DEL or
 *   %SERVAL_REQUEST_USER_DEL (a user's); or one whose body is empty, with
 *   @name %NULL: %SERVAL_REQUEST_LIST_VLANS, %SERVAL_REQUEST_LIST_USERS or
 *   %SERVAL_REQUEST_LIST_NODES
 * @name: (nullable): the VLAN's or the user's name
 *
 * The requests serval_request_parse() gives back as @kind with @name in
 * its @vlan or @user.
 *
 * Returns: (transfer full): the request; another @kind is a programmer's
 *   error (a critical, and a message that does not encode)
 */
Message_t *serval_request_build_name (guint32 id, ServalRequestKind kind, const char *name);
/**
 * serval_request_build_user_vlan:
 * @id: the request id
 * @kind: %SERVAL_REQUEST_GRANT, %SERVAL_REQUEST_REVOKE or %SERVAL_REQUEST_KICK
 * @user: the user's name
 * @vlan: the VLAN's name
 *
 * Returns: (transfer full): the request; another @kind is a programmer's
 *   error (a critical, and a message that does not encode)
 */
Message_t *serval_request_build_user_vlan (guint32 id, ServalRequestKind kind, const char *user,
                                           const char *vlan);
/**
 * serval_request_build_update:
 * @id: the request id
 * @vlan: the VLAN's name
 * @addresses: (array zero-terminated=1): the TAP device's addresses; only the first 16 go
 *
 * Returns: (transfer full): a MemberUpdate request
 */
Message_t *serval_request_build_update (guint32 id, const char *vlan, const char *const *addresses);
Message_t *serval_request_build_user_add (guint32 id, const char *user, const char *password,
                                          gboolean admin);
/**
 * serval_request_build_vlan_set:
 * @id: the request id
 * @vlan: the VLAN's name
 * @subnet: (nullable): its IPv4 subnet ("10.77.0.0/24"); %NULL keeps it, "" removes it
 * @prefix6: (nullable): its IPv6 prefix ("fd00:77::/64"); likewise
 *
 * Returns: (transfer full): a VlanSet request
 */
Message_t *serval_request_build_vlan_set (guint32 id, const char *vlan, const char *subnet, const char *prefix6);
Message_t *serval_request_build_rule_add (guint32 id, const char *vlan, const ServalRule *rule);
/**
 * serval_request_build_rule_del:
 * @id: the request id
 * @vlan: the VLAN's name
 * @index: the rule's number in the VLAN's list, 1..1000
 *
 * Returns: (transfer full): a RuleDel request
 */
Message_t *serval_request_build_rule_del (guint32 id, const char *vlan, guint index);
/**
 * serval_request_build_user_set:
 * @id: the request id
 * @kind: which of the user's settings: %SERVAL_REQUEST_USER_SET_BRIDGE
 *   (@value: 0 takes the bridge right, any other value gives it) or
 *   %SERVAL_REQUEST_USER_SET_RATE_LIMIT (@value: the rate limit in bytes
 *   per second, at most %SERVAL_MAX_RATE_LIMIT, more is cut; 0: none of its
 *   own, the server's default applies)
 * @user: the user's name
 * @value: the setting's new value
 *
 * Returns: (transfer full): the request; another @kind is a programmer's
 *   error (a critical, and a message that does not encode)
 */
Message_t *serval_request_build_user_set (guint32 id, ServalRequestKind kind, const char *user, guint64 value);
/* The largest rate limit the protocol carries, bytes per second (some 17 Gbit/s). */
#define SERVAL_MAX_RATE_LIMIT G_GUINT64_CONSTANT (2147483647)

/* --- responses ------------------------------------------------------------- */

/**
 * ServalResponseKind:
 * @SERVAL_RESPONSE_UNKNOWN: one this version does not know
 * @SERVAL_RESPONSE_OK: nothing more
 * @SERVAL_RESPONSE_ERROR: @error_code, @error_text
 * @SERVAL_RESPONSE_LOGGED_IN: @admin, @keepalive, @servers, @token
 * @SERVAL_RESPONSE_JOINED: @vlan, @tag, @members
 * @SERVAL_RESPONSE_VLANS: @vlans
 * @SERVAL_RESPONSE_MEMBERS: @members
 * @SERVAL_RESPONSE_USERS: @users
 * @SERVAL_RESPONSE_NODES: @nodes
 * @SERVAL_RESPONSE_RULES: @rules
 * @SERVAL_RESPONSE_MEMBER_PAGE: @members, @total, @offset
 */
typedef enum
{
  SERVAL_RESPONSE_UNKNOWN,
  SERVAL_RESPONSE_OK,
  SERVAL_RESPONSE_ERROR,
  SERVAL_RESPONSE_LOGGED_IN,
  SERVAL_RESPONSE_JOINED,
  SERVAL_RESPONSE_VLANS,
  SERVAL_RESPONSE_MEMBERS,
  SERVAL_RESPONSE_USERS,
  SERVAL_RESPONSE_NODES,
  SERVAL_RESPONSE_RULES,
  SERVAL_RESPONSE_MEMBER_PAGE,
} ServalResponseKind;

/**
 * ServalResponse:
 * @id: the id of the request it answers
 * @kind: which response; it says which fields are set
 * @error_code: the error's code
 * @error_text: (nullable): the error's sentence for people
 * @admin: whether the user is an administrator (logged in)
 * @keepalive: seconds between pings (logged in)
 * @servers: (nullable): where to reconnect (logged in)
 * @token: (nullable): the resume token (logged in), %NULL without one
 * @vlan: (nullable): the VLAN joined
 * @tag: its tag
 * @members: (nullable) (element-type ServalMember): the members (joined, members)
 * @vlans: (nullable) (element-type ServalVlanInfo): the VLANs (vlans)
 * @users: (nullable) (element-type ServalUserInfo): the users (users)
 * @nodes: (nullable) (element-type ServalNodeEntry): the server nodes (nodes)
 * @rules: (nullable) (element-type ServalRule): a VLAN's access list (rules);
 *   rules out of range (serval_request_parse()'s @rule) are left out
 * @address: (nullable): the address leased to the member (joined), "10.77.0.5/24"
 * @prefix6: (nullable): the VLAN's IPv6 prefix (joined)
 * @has_total: whether @total is set (a member page; a join answer to a
 *   client whose Hello said memberPages: @members is then the first page)
 * @total: how many members the VLAN has (that match the search)
 * @offset: the position of the page's first member (member page)
 *
 * A parsed response. The lists own their elements.
 */
typedef struct
{
  guint32 id;
  ServalResponseKind kind;
  ServalErrorCode error_code;
  char *error_text;
  gboolean admin;
  guint keepalive;
  GStrv servers;
  GBytes *token;
  char *vlan;
  guint32 tag;
  GPtrArray *members;
  GPtrArray *vlans;
  GPtrArray *users;
  GPtrArray *nodes;
  GPtrArray *rules;
  char *address;
  char *prefix6;
  gboolean has_total;
  guint total;
  guint offset;
} ServalResponse;

/**
 * serval_response_parse:
 * @msg: a decoded message
 * @resp: (out caller-allocates): filled, to clear with serval_response_clear()
 *
 * Returns: %FALSE (and @resp empty) if @msg is not a response
 */
gboolean serval_response_parse (const Message_t *msg, ServalResponse *resp);
void serval_response_clear (ServalResponse *resp);
void serval_response_free (ServalResponse *resp);

Message_t *serval_response_build_ok (guint32 id);
/**
 * serval_response_build_error:
 * @id: the request id
 * @code: what went wrong
 * @text: (nullable): a sentence for people; cut at 512 bytes (on a character
 *   boundary, ending in "...")
 *
 * Returns: (transfer full): an Error response
 */
Message_t *serval_response_build_error (guint32 id, ServalErrorCode code, const char *text);
/**
 * serval_response_build_logged_in:
 * @id: the request id
 * @admin: whether the user is an administrator
 * @keepalive: seconds between pings, 1..3600
 * @servers: (nullable) (array zero-terminated=1): where to reconnect; only the first 32 go
 * @token: (nullable): a resume token
 *
 * Returns: (transfer full): a LoggedIn response
 */
Message_t *serval_response_build_logged_in (guint32 id, gboolean admin, guint keepalive,
                                            const char *const *servers, GBytes *token);
/**
 * serval_response_build_joined:
 * @id: the request id
 * @vlan: the VLAN's name
 * @tag: its tag
 * @members: (element-type ServalMember): its members; only the first 4096 go
 *
 * Returns: (transfer full): a Joined response
 */
Message_t *serval_response_build_joined (guint32 id, const char *vlan, guint32 tag, GPtrArray *members);
/**
 * serval_response_set_joined_address:
 * @msg: a Joined response from serval_response_build_joined()
 * @address: (nullable): the address leased to the member, "10.77.0.5/24"
 * @prefix6: (nullable): the VLAN's IPv6 prefix, "fd00:77::/64"
 *
 * Adds what a client whose Hello said vlanConfig reads (and only it can).
 */
void serval_response_set_joined_address (Message_t *msg, const char *address, const char *prefix6);
/**
 * serval_response_build_list:
 * @id: the request id
 * @kind: which list:
 *   %SERVAL_RESPONSE_VLANS of #ServalVlanInfo, the first 4096;
 *   %SERVAL_RESPONSE_MEMBERS of #ServalMember, the first 4096;
 *   %SERVAL_RESPONSE_USERS of #ServalUserInfo, the first 4096 and of each
 *   user's VLANs the first 4096;
 *   %SERVAL_RESPONSE_NODES of #ServalNodeEntry (the live server nodes), the
 *   first 256 and of each node's endpoints the first 32;
 *   %SERVAL_RESPONSE_RULES of #ServalRule (a VLAN's access list), the first 1000
 * @items: the list's items, of the type @kind names; only those said go
 *
 * The list responses serval_response_parse() gives back as @kind.
 *
 * Returns: (transfer full): the response, or %NULL for another @kind (a
 *   programmer's error)
 */
Message_t *serval_response_build_list (guint32 id, ServalResponseKind kind, GPtrArray *items);

/* --- events ---------------------------------------------------------------- */

/**
 * ServalEventKind:
 * @SERVAL_EVENT_UNKNOWN: one this version does not know
 * @SERVAL_EVENT_MEMBER_JOINED: @vlan, @member
 * @SERVAL_EVENT_MEMBER_LEFT: @vlan, @member
 * @SERVAL_EVENT_MEMBER_UPDATED: @vlan, @member
 * @SERVAL_EVENT_REMOVED: @vlan, @code, @text
 * @SERVAL_EVENT_SERVERS: @servers
 * @SERVAL_EVENT_BYE: @code, @text
 * @SERVAL_EVENT_MEMBER_CHANGES: @vlan, @changes
 */
typedef enum
{
  SERVAL_EVENT_UNKNOWN,
  SERVAL_EVENT_MEMBER_JOINED,
  SERVAL_EVENT_MEMBER_LEFT,
  SERVAL_EVENT_MEMBER_UPDATED,
  SERVAL_EVENT_REMOVED,
  SERVAL_EVENT_SERVERS,
  SERVAL_EVENT_BYE,
  SERVAL_EVENT_MEMBER_CHANGES,
} ServalEventKind;

/**
 * ServalEvent:
 * @kind: which event; it says which fields are set
 * @vlan: (nullable): the VLAN's name
 * @member: (nullable): the member who joined, left or changed
 * @code: why (removed, bye)
 * @text: (nullable): why, for people (removed, bye)
 * @servers: (nullable): the server nodes (servers)
 * @changes: (nullable) (element-type ServalMemberChange): what changed in
 *   the VLAN's member list, at most one change per member (member changes)
 */
typedef struct
{
  ServalEventKind kind;
  char *vlan;
  ServalMember *member;
  ServalErrorCode code;
  char *text;
  GStrv servers;
  GPtrArray *changes;
} ServalEvent;

/**
 * serval_event_parse:
 * @msg: a decoded message
 * @event: (out caller-allocates): filled, to clear with serval_event_clear()
 *
 * Returns: %FALSE (and @event empty) if @msg is not an event
 */
gboolean serval_event_parse (const Message_t *msg, ServalEvent *event);
void serval_event_clear (ServalEvent *event);
void serval_event_free (ServalEvent *event);

/**
 * serval_event_build_member:
 * @kind: %SERVAL_EVENT_MEMBER_JOINED, %SERVAL_EVENT_MEMBER_LEFT or
 *   %SERVAL_EVENT_MEMBER_UPDATED
 * @vlan: the VLAN's name
 * @member: the member
 *
 * Returns: (transfer full): a MemberEvent
 */
Message_t *serval_event_build_member (ServalEventKind kind, const char *vlan, ServalMember *member);
/**
 * serval_event_build_removed:
 * @vlan: the VLAN the client is out of
 * @code: why
 * @text: (nullable): why, for people; cut as in serval_response_build_error()
 *
 * Returns: (transfer full): a Removed event
 */
Message_t *serval_event_build_removed (const char *vlan, ServalErrorCode code, const char *text);
/**
 * serval_event_build_servers:
 * @servers: (array zero-terminated=1): the server nodes; only the first 32 go
 *
 * Returns: (transfer full): a servers event
 */
Message_t *serval_event_build_servers (const char *const *servers);
/**
 * serval_event_build_bye:
 * @code: why the server closes the link
 * @text: (nullable): why, for people; cut as in serval_response_build_error()
 *
 * Returns: (transfer full): a Bye event
 */
Message_t *serval_event_build_bye (ServalErrorCode code, const char *text);

/* --- member pages and coalesced member events (serval-message-members.c) ---- */

/* The most members in one page or one coalesced event (the schema's limit). */
#define SERVAL_MEMBER_PAGE_MAX 500

/**
 * ServalMemberChange:
 * @kind: %SERVAL_EVENT_MEMBER_JOINED, %SERVAL_EVENT_MEMBER_LEFT or
 *   %SERVAL_EVENT_MEMBER_UPDATED
 * @member: the member, as it is now (or was when it left)
 *
 * One change of a coalesced member event.
 */
typedef struct
{
  ServalEventKind kind;
  ServalMember *member;
} ServalMemberChange;

/* (transfer full) for @member. */
ServalMemberChange *serval_member_change_new (ServalEventKind kind, ServalMember *member);
void serval_member_change_free (ServalMemberChange *change);

/**
 * serval_request_build_list_member_page:
 * @id: the request id
 * @vlan: the VLAN's name
 * @offset: the first member wanted, from 0
 * @count: how many, 1..%SERVAL_MEMBER_PAGE_MAX (clamped)
 * @search: (nullable): only members whose user or host holds it (1..64 bytes)
 *
 * Returns: (transfer full): a listMemberPage request (for a server whose
 *   Hello said memberPages)
 */
Message_t *serval_request_build_list_member_page (guint32 id, const char *vlan, guint offset, guint count,
                                                  const char *search);
/**
 * serval_response_build_member_page:
 * @id: the request id
 * @total: how many members there are (that match the search)
 * @offset: the position of @members' first
 * @members: (element-type ServalMember): the page; only the first
 *   %SERVAL_MEMBER_PAGE_MAX go
 *
 * Returns: (transfer full): a memberPage response
 */
Message_t *serval_response_build_member_page (guint32 id, guint total, guint offset, GPtrArray *members);
/**
 * serval_response_set_joined_total:
 * @msg: a Joined response from serval_response_build_joined()
 * @total: how many members the VLAN has; the response's members are its first page
 *
 * Adds what a client whose Hello said memberPages reads.
 */
void serval_response_set_joined_total (Message_t *msg, guint total);
/**
 * serval_event_build_member_changes:
 * @vlan: the VLAN's name
 * @changes: (element-type ServalMemberChange): what changed; only the first
 *   %SERVAL_MEMBER_PAGE_MAX go (more take more events), at least one
 *
 * Returns: (transfer full): a memberChanges event
 */
Message_t *serval_event_build_member_changes (const char *vlan, GPtrArray *changes);

/**
 * serval_member_change_encode:
 * @kind: the change
 * @member: the member
 * @services: %FALSE to leave the member's services out (for a peer whose
 *   Hello did not say services)
 *
 * The DER of one change of a coalesced member event, made once for the many
 * members told of it (serval_message_encode_member_changes()).
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL (said in the log)
 *   if the member breaks the protocol's limits
 */
GBytes *serval_member_change_encode (ServalEventKind kind, ServalMember *member, gboolean services);

/**
 * serval_message_encode_member_changes:
 * @out: gets the message, length prefix first, as serval_message_encode()
 * @vlan: the VLAN's name
 * @changes: (array length=n): changes from serval_member_change_encode()
 * @n: how many, from 1 to %SERVAL_MEMBER_PAGE_MAX
 * @error: return location for a #GError
 *
 * The coalesced member event of serval_event_build_member_changes(), byte
 * for byte, from changes encoded once: only the frame around them is made
 * for each member.
 *
 * Returns: %FALSE if it cannot be encoded (@out unchanged)
 */
gboolean serval_message_encode_member_changes (GByteArray *out, const char *vlan, GBytes *const *changes, guint n,
                                               GError **error);

/**
 * serval_message_encode_members:
 * @out: gets the message, length prefix first, as serval_message_encode()
 * @msg: a message with one list of members (a join answer, a page), which
 *   holds the first of @members alone
 * @members: (element-type ServalMember): the members the list is to hold, at
 *   most %SERVAL_MEMBER_PAGE_MAX (no list of members may hold fewer)
 * @services: whether the peer reads services (else @msg was stripped)
 * @error: return location for a #GError
 *
 * @msg with all of @members in its list, byte for byte asn1c's, from each
 * member's DER made once (serval_member_get_der()): a join answer's first
 * page of 500 in a VLAN of thousands, for each joiner of a storm.
 *
 * Returns: %FALSE if it cannot be encoded (@out unchanged)
 */
gboolean serval_message_encode_members (GByteArray *out, const Message_t *msg, GPtrArray *members,
                                        gboolean services, GError **error);

/**
 * ServalFanout:
 * @msg: a message whose list of members holds only the first of @members
 *   (serval_message_encode_members()); %NULL for a member event
 * @members: (element-type ServalMember): with @msg
 * @services: with @msg
 * @vlan: without @msg: the VLAN of the member event of the @n @changes
 *   (serval_message_encode_member_changes())
 * @changes: (array length=n): without @msg
 * @n: without @msg
 *
 * A message made of parts encoded once for many peers, for
 * serval_link_send_encoded() with serval_fanout_encode().
 */
typedef struct
{
  const Message_t *msg;
  GPtrArray *members;
  gboolean services;
  const char *vlan;
  GBytes *const *changes;
  guint n;
} ServalFanout;

/* A #ServalLinkEncodeFunc: encodes the #ServalFanout @fanout. */
gboolean serval_fanout_encode (gpointer fanout, GByteArray *out, GError **error);

/* --- services (serval-message-services.c) ---------------------------------- */

/**
 * serval_request_set_join_services:
 * @msg: a Join request from serval_request_build_join()
 * @services: (nullable): what the member announces, each canonical
 *   (serval_service_parse()); only the first %SERVAL_SERVICES_MAX go
 *
 * Adds them for a server whose Hello said services (Join.services).
 */
void serval_request_set_join_services (Message_t *msg, const char *const *services);
/**
 * serval_message_strip_services:
 * @msg: a message for a client whose Hello did not say services
 *
 * Removes Member.services from every member record @msg carries (a join
 * answer, a member list or page, a member event), which such a client
 * cannot read.
 */
void serval_message_strip_services (Message_t *msg);

/* --- for the message layer's own files ------------------------------------- */

/* Says services in a Hello (Hello.services). */
void serval_message_set_hello_services (Message_t *msg);
/* Appends the canonical ones of @services, at most SERVAL_SERVICES_MAX, to
 * @list (an A_SEQUENCE_OF (Service_t)); FALSE if none was. */
gboolean serval_services_to_asn (void *list, const char *const *services);
/* @list's services (an A_SEQUENCE_OF (Service_t)) as canonical strings, or
 * not when the peer sent something else (a server checks them); *@control
 * (nullable) is set when a path holds a control character. */
GStrv serval_services_from_asn (const void *list, gboolean *control);

/* Fills @element, zeroed, from @item: how serval_asn_add_list() makes one
 * element of an ASN.1 list from a plain C value. */
typedef void (*ServalToAsn) (gconstpointer item, void *element);
/* Appends an element of @element_size bytes per item of @items, at most
 * @max (the schema's limit: more are cut), to @list (an A_SEQUENCE_OF),
 * each filled by @to_asn (asn1c frees them with free()). */
void serval_asn_add_list (void *list, GPtrArray *items, guint max, gsize element_size, ServalToAsn to_asn);
/* Makes a plain C value from @element, or NULL to leave it out: how
 * serval_asn_to_array() reads one element of an ASN.1 list. */
typedef gpointer (*ServalFromAsn) (const void *element);
/* The values @from_asn makes of the elements of @list (an A_SEQUENCE_OF), in
 * order, each freed with @free_item: the reverse of serval_asn_add_list(). */
GPtrArray *serval_asn_to_array (const void *list, ServalFromAsn from_asn, GDestroyNotify free_item);

struct Member;
struct RequestBody;
struct MemberPage;
struct MemberChanges;
void serval_member_to_asn (ServalMember *member, struct Member *m);
struct Rule;
/* (serval-message-admin.c) Fills @out (zeroed) from @rule. */
void serval_rule_to_asn (const ServalRule *rule, struct Rule *out);
/* @m without its services (for a peer whose Hello did not say services). */
void serval_member_asn_strip_services (struct Member *m);
struct asn_TYPE_descriptor_s;
/* (serval-message-fanout.c) The DER of @sptr, a @def, checked against the
 * schema's limits: (transfer full), or NULL, said in the log for @member,
 * if it breaks them. */
GBytes *serval_asn_encode_checked (const struct asn_TYPE_descriptor_s *def, const void *sptr, ServalMember *member);
/* Read the new forms into @req, @resp, @event (serval-message-parse.c calls them). */
void serval_request_parse_member_page (ServalRequest *req, const struct RequestBody *body);
void serval_response_parse_member_page (ServalResponse *resp, const struct MemberPage *page);
void serval_event_parse_member_changes (ServalEvent *event, const struct MemberChanges *changes);

struct Rule;
/* A copy of @in, or NULL if it holds a value out of range; *@control is
 * set when one of its names holds a control character. */
ServalRule *serval_rule_from_asn (const struct Rule *in, gboolean *control);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServalHello, serval_hello_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServalRequest, serval_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServalResponse, serval_response_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServalEvent, serval_event_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalRequest, serval_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalResponse, serval_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalEvent, serval_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalVlanInfo, serval_vlan_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalUserInfo, serval_user_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalNodeEntry, serval_node_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalMemberChange, serval_member_change_free)

G_END_DECLS
