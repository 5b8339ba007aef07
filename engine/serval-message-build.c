/* serval-message-build.c: plain C values -> asn1c's Message_t.
 *
 * Each builder fills exactly the fields the session code filled by hand
 * before this layer existed, so every message keeps its DER bytes
 * (tests/test-message.c compares them with vectors made then).
 */
#include "config.h"

#include "serval-message.h"

#include <stddef.h>
#include <string.h>

/* ServalErrorCode is the protocol's ErrorCode, value for value. */
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_BAD_REQUEST == (int) ErrorCode_badRequest);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_VERSION_MISMATCH == (int) ErrorCode_versionMismatch);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_AUTH_FAILED == (int) ErrorCode_authFailed);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_RATE_LIMITED == (int) ErrorCode_rateLimited);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_NOT_LOGGED_IN == (int) ErrorCode_notLoggedIn);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_NO_SUCH_VLAN == (int) ErrorCode_noSuchVlan);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_NOT_ALLOWED == (int) ErrorCode_notAllowed);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_EXISTS == (int) ErrorCode_exists);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_NO_SUCH_USER == (int) ErrorCode_noSuchUser);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_INTERNAL == (int) ErrorCode_internal);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_NOT_JOINED == (int) ErrorCode_notJoined);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_SHUTTING_DOWN == (int) ErrorCode_shuttingDown);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_TIMEOUT == (int) ErrorCode_timeout);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_TOKEN_REFUSED == (int) ErrorCode_tokenRefused);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_SERVER_FULL == (int) ErrorCode_serverFull);

/* The schema's list limits: more is cut, as before this layer. */
#define MAX_ADDRESSES 16
#define MAX_SERVERS   32
#define MAX_LIST      4096
#define MAX_NODES     256
#define MAX_RULES     1000

/* Appends the strings of @strv, at most @max, to @list (an
 * A_SEQUENCE_OF (OCTET_STRING_t) of UTF8Strings). */
static void
add_strings (void *list, const char *const *strv, guint max)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL && i < max; i++)
    {
      OCTET_STRING_t *s = calloc (1, sizeof *s); /* asn1c frees with free() */

      serval_asn_set_string (s, strv[i]);
      ASN_SEQUENCE_ADD (list, s);
    }
}

void
serval_member_to_asn (ServalMember *member, Member_t *m)
{
  serval_asn_set_string (&m->user, serval_member_get_user (member));
  serval_asn_set_string (&m->host, serval_member_get_host (member));
  serval_asn_set_bytes (&m->mac, serval_member_get_mac_bytes (member), 6);
  add_strings (&m->addresses.list, serval_member_get_addresses (member), MAX_ADDRESSES);
  serval_asn_set_string (&m->node, serval_member_get_node (member));
  m->since = serval_member_get_since (member);
  m->services = calloc (1, sizeof *m->services);
  if (!serval_services_to_asn (&m->services->list, serval_member_get_services (member)))
    g_clear_pointer (&m->services, free);
}

void
serval_asn_add_list (void *list, GPtrArray *items, guint max, gsize element_size, ServalToAsn to_asn)
{
  for (guint i = 0; i < items->len && i < max; i++)
    {
      void *element = calloc (1, element_size);

      to_asn (items->pdata[i], element);
      ASN_SEQUENCE_ADD (list, element);
    }
}

/* Appends @members (ServalMember), at most 4096, to @list (an
 * A_SEQUENCE_OF (Member_t)). */
static void
add_members (void *list, GPtrArray *members)
{
  serval_asn_add_list (list, members, MAX_LIST, sizeof (Member_t), (ServalToAsn) serval_member_to_asn);
}

/* --- Hello ----------------------------------------------------------------- */

Message_t *
serval_hello_build (const char *node, gboolean offload)
{
  Message_t *msg = serval_message_new_hello (node);

  serval_message_set_hello_offload (msg, offload);
  if (node != NULL) /* a server's: it answers page requests */
    {
      msg->choice.hello.memberPages = calloc (1, sizeof *msg->choice.hello.memberPages);
      *msg->choice.hello.memberPages = TRUE;
      serval_message_set_hello_services (msg);
    }
  return msg;
}

/* --- requests -------------------------------------------------------------- */

/* Chooses @body's alternative for a request of @kind that
 * serval_request_build_name() makes, and returns where its name goes: NULL
 * for the lists of everything, whose body is empty. */
static Name_t *
choose_name_body (RequestBody_t *body, ServalRequestKind kind)
{
  switch (kind)
    {
    case SERVAL_REQUEST_LEAVE: body->present = RequestBody_PR_leave; return &body->choice.leave;
    case SERVAL_REQUEST_LIST_MEMBERS: body->present = RequestBody_PR_listMembers; return &body->choice.listMembers;
    case SERVAL_REQUEST_LIST_RULES: body->present = RequestBody_PR_listRules; return &body->choice.listRules;
    case SERVAL_REQUEST_VLAN_ADD: body->present = RequestBody_PR_vlanAdd; return &body->choice.vlanAdd;
    case SERVAL_REQUEST_VLAN_DEL: body->present = RequestBody_PR_vlanDel; return &body->choice.vlanDel;
    case SERVAL_REQUEST_USER_DEL: body->present = RequestBody_PR_userDel; return &body->choice.userDel;
    case SERVAL_REQUEST_LIST_VLANS: body->present = RequestBody_PR_listVlans; return NULL;
    case SERVAL_REQUEST_LIST_USERS: body->present = RequestBody_PR_listUsers; return NULL;
    case SERVAL_REQUEST_LIST_NODES: body->present = RequestBody_PR_listNodes; return NULL;
    default: /* a programmer's error: the message will not encode */
      g_critical ("serval_request_build_name: %d is not a request of one name", kind);
      return NULL;
    }
}

Message_t *
serval_request_build_name (guint32 id, ServalRequestKind kind, const char *name)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_NOTHING);
  Name_t *n = choose_name_body (&msg->choice.request.body, kind);

  if (n != NULL)
    serval_asn_set_string (n, name);
  return msg;
}

Message_t *
serval_request_build_user_vlan (guint32 id, ServalRequestKind kind, const char *user, const char *vlan)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_NOTHING);
  RequestBody_t *body = &msg->choice.request.body;

  switch (kind)
    {
    case SERVAL_REQUEST_GRANT:
    case SERVAL_REQUEST_REVOKE:
      {
        Grant_t *grant = kind == SERVAL_REQUEST_GRANT ? &body->choice.grant : &body->choice.revoke;

        body->present = kind == SERVAL_REQUEST_GRANT ? RequestBody_PR_grant : RequestBody_PR_revoke;
        serval_asn_set_string (&grant->user, user);
        serval_asn_set_string (&grant->vlan, vlan);
        break;
      }
    case SERVAL_REQUEST_KICK:
      body->present = RequestBody_PR_kick;
      serval_asn_set_string (&body->choice.kick.user, user);
      serval_asn_set_string (&body->choice.kick.vlan, vlan);
      break;
    default: /* a programmer's error: the message will not encode */
      g_critical ("%s: %d is not a request of a user and a VLAN", G_STRFUNC, kind);
      break;
    }
  return msg;
}

Message_t *
serval_request_build_login (guint32 id, const char *user, const char *host, const char *password,
                            GBytes *token)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_login);
  Login_t *login = &msg->choice.request.body.choice.login;

  serval_asn_set_string (&login->user, user);
  serval_asn_set_string (&login->host, host);
  if (token != NULL)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (token, &len);

      login->token = calloc (1, sizeof *login->token);
      serval_asn_set_bytes (login->token, p, len);
    }
  if (password != NULL && token == NULL)
    serval_asn_set_bytes (&login->password, password, strlen (password));
  else
    serval_asn_set_bytes (&login->password, "", 0);
  return msg;
}

Message_t *
serval_request_build_join (guint32 id, const char *vlan, const guint8 mac[6])
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_join);
  Join_t *join = &msg->choice.request.body.choice.join;

  serval_asn_set_string (&join->vlan, vlan);
  serval_asn_set_bytes (&join->mac, mac, 6);
  return msg;
}

Message_t *
serval_request_build_update (guint32 id, const char *vlan, const char *const *addresses)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_update);
  MemberUpdate_t *u = &msg->choice.request.body.choice.update;

  serval_asn_set_string (&u->vlan, vlan);
  add_strings (&u->addresses.list, addresses, MAX_ADDRESSES);
  return msg;
}

Message_t *
serval_request_build_user_add (guint32 id, const char *user, const char *password, gboolean admin)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_userAdd);
  UserAdd_t *add = &msg->choice.request.body.choice.userAdd;

  serval_asn_set_string (&add->name, user);
  serval_asn_set_bytes (&add->password, password, strlen (password));
  add->admin = admin;
  return msg;
}

/* --- responses ------------------------------------------------------------- */

Message_t *
serval_response_build_ok (guint32 id)
{
  return serval_message_new_response (id, ResponseBody_PR_ok);
}

Message_t *
serval_response_build_error (guint32 id, ServalErrorCode code, const char *text)
{
  return serval_message_new_error (id, code, text);
}

Message_t *
serval_response_build_logged_in (guint32 id, gboolean admin, guint keepalive,
                                 const char *const *servers, GBytes *token)
{
  Message_t *msg = serval_message_new_response (id, ResponseBody_PR_loggedIn);
  LoggedIn_t *li = &msg->choice.response.body.choice.loggedIn;

  li->admin = admin;
  li->keepalive = keepalive;
  add_strings (&li->servers.list, servers, MAX_SERVERS);
  if (token != NULL)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (token, &len);

      li->token = calloc (1, sizeof *li->token);
      serval_asn_set_bytes (li->token, p, len);
    }
  return msg;
}

Message_t *
serval_response_build_joined (guint32 id, const char *vlan, guint32 tag, GPtrArray *members)
{
  Message_t *msg = serval_message_new_response (id, ResponseBody_PR_joined);
  Joined_t *joined = &msg->choice.response.body.choice.joined;

  serval_asn_set_string (&joined->vlan, vlan);
  joined->tag = tag;
  add_members (&joined->members.list, members);
  return msg;
}

static void
vlan_info_to_asn (const ServalVlanInfo *v, VlanInfo_t *info)
{
  serval_asn_set_string (&info->name, v->name);
  info->tag = v->tag;
  info->allowed = v->allowed;
  info->members = v->members;
  info->subnet = serval_asn_new_string (v->subnet);
  info->prefix6 = serval_asn_new_string (v->prefix6);
}

static void
user_info_to_asn (const ServalUserInfo *u, UserInfo_t *info)
{
  serval_asn_set_string (&info->name, u->name);
  info->admin = u->admin;
  add_strings (&info->vlans.list, (const char *const *) u->vlans, MAX_LIST);
  if (u->bridge) /* absent reads as FALSE, and keeps the bytes of before */
    {
      info->bridge = calloc (1, sizeof *info->bridge);
      *info->bridge = TRUE;
    }
  if (u->rate_limit > 0) /* absent: none of its own */
    {
      info->rateLimit = calloc (1, sizeof *info->rateLimit);
      *info->rateLimit = (long) MIN (u->rate_limit, SERVAL_MAX_RATE_LIMIT);
    }
}

static void
node_info_to_asn (const ServalNodeEntry *e, NodeInfo_t *info)
{
  serval_asn_set_string (&info->name, e->name);
  add_strings (&info->advertise.list, (const char *const *) e->advertise, MAX_SERVERS);
  info->since = e->since;
  info->members = e->members;
  info->current = e->current;
}

/* What each list response holds: where its list is, how long it may be
 * (the schema's limit: more is cut), and how one item becomes an element. */
static const struct
{
  ResponseBody_PR present;
  gsize list;
  guint max;
  gsize element_size;
  ServalToAsn to_asn;
} list_responses[] = {
  [SERVAL_RESPONSE_VLANS] = { ResponseBody_PR_vlans, offsetof (ResponseBody_t, choice.vlans.list), MAX_LIST,
                              sizeof (VlanInfo_t), (ServalToAsn) vlan_info_to_asn },
  [SERVAL_RESPONSE_MEMBERS] = { ResponseBody_PR_members, offsetof (ResponseBody_t, choice.members.list), MAX_LIST,
                                sizeof (Member_t), (ServalToAsn) serval_member_to_asn },
  [SERVAL_RESPONSE_USERS] = { ResponseBody_PR_users, offsetof (ResponseBody_t, choice.users.list), MAX_LIST,
                              sizeof (UserInfo_t), (ServalToAsn) user_info_to_asn },
  [SERVAL_RESPONSE_NODES] = { ResponseBody_PR_nodes, offsetof (ResponseBody_t, choice.nodes.list), MAX_NODES,
                              sizeof (NodeInfo_t), (ServalToAsn) node_info_to_asn },
  [SERVAL_RESPONSE_RULES] = { ResponseBody_PR_rules, offsetof (ResponseBody_t, choice.rules.list), MAX_RULES,
                              sizeof (Rule_t), (ServalToAsn) serval_rule_to_asn },
};

Message_t *
serval_response_build_list (guint32 id, ServalResponseKind kind, GPtrArray *items)
{
  Message_t *msg;

  g_return_val_if_fail ((gsize) kind < G_N_ELEMENTS (list_responses) && list_responses[kind].to_asn != NULL, NULL);
  g_return_val_if_fail (items != NULL, NULL);
  msg = serval_message_new_response (id, list_responses[kind].present);
  serval_asn_add_list ((char *) &msg->choice.response.body + list_responses[kind].list, items,
                       list_responses[kind].max, list_responses[kind].element_size, list_responses[kind].to_asn);
  return msg;
}

/* --- events ---------------------------------------------------------------- */

Message_t *
serval_event_build_member (ServalEventKind kind, const char *vlan, ServalMember *member)
{
  Message_t *msg;
  MemberEvent_t *ev;

  switch (kind)
    {
    case SERVAL_EVENT_MEMBER_JOINED:
      msg = serval_message_new_event (Event_PR_memberJoined);
      ev = &msg->choice.event.choice.memberJoined;
      break;
    case SERVAL_EVENT_MEMBER_LEFT:
      msg = serval_message_new_event (Event_PR_memberLeft);
      ev = &msg->choice.event.choice.memberLeft;
      break;
    case SERVAL_EVENT_MEMBER_UPDATED:
      msg = serval_message_new_event (Event_PR_memberUpdated);
      ev = &msg->choice.event.choice.memberUpdated;
      break;
    default:
      g_return_val_if_reached (NULL);
    }
  serval_asn_set_string (&ev->vlan, vlan);
  serval_member_to_asn (member, &ev->member);
  return msg;
}

Message_t *
serval_event_build_removed (const char *vlan, ServalErrorCode code, const char *text)
{
  Message_t *msg = serval_message_new_event (Event_PR_removed);

  serval_asn_set_string (&msg->choice.event.choice.removed.vlan, vlan);
  serval_error_set (&msg->choice.event.choice.removed.reason, code, text);
  return msg;
}

Message_t *
serval_event_build_servers (const char *const *servers)
{
  Message_t *msg = serval_message_new_event (Event_PR_servers);

  add_strings (&msg->choice.event.choice.servers.list, servers, MAX_SERVERS);
  return msg;
}

Message_t *
serval_event_build_bye (ServalErrorCode code, const char *text)
{
  Message_t *msg = serval_message_new_event (Event_PR_bye);

  serval_error_set (&msg->choice.event.choice.bye, code, text);
  return msg;
}
