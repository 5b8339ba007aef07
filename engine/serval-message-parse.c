/* serval-message-parse.c: a decoded Message_t -> plain C values.
 *
 * serval_message_decode() has checked the schema's constraints (sizes,
 * UTF-8, ranges); what is left is copying: strings to NUL-terminated copies
 * (one with an embedded NUL reads as empty, as it always did), octet strings
 * to GBytes, lists to GStrv and GPtrArrays.
 */
#include "config.h"

#include "serval-message.h"

#include <string.h>

#include "serval-util.h"

/* --- info types ------------------------------------------------------------ */

void
serval_vlan_info_free (ServalVlanInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->subnet);
  g_free (info->prefix6);
  g_free (info);
}

void
serval_user_info_free (ServalUserInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_strfreev (info->vlans);
  g_free (info);
}

void
serval_node_entry_free (ServalNodeEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_strfreev (entry->advertise);
  g_free (entry);
}

/* --- pieces ---------------------------------------------------------------- */

/* @list: an A_SEQUENCE_OF (OCTET_STRING_t) of UTF8Strings. */
static GStrv
strv_from_asn (const void *list)
{
  const asn_anonymous_sequence_ *seq = _A_CSEQUENCE_FROM_VOID (list);
  GStrv strv = g_new0 (char *, seq->count + 1);

  for (int i = 0; i < seq->count; i++)
    strv[i] = serval_asn_dup_string (seq->array[i]);
  return strv;
}

static GBytes *
bytes_from_asn (const OCTET_STRING_t *s)
{
  return g_bytes_new (s->buf, s->size);
}

GPtrArray *
serval_asn_to_array (const void *list, ServalFromAsn from_asn, GDestroyNotify free_item)
{
  const asn_anonymous_sequence_ *seq = _A_CSEQUENCE_FROM_VOID (list);
  GPtrArray *items = g_ptr_array_new_full (seq->count, free_item);

  for (int i = 0; i < seq->count; i++)
    {
      gpointer item = from_asn (seq->array[i]);

      if (item != NULL)
        g_ptr_array_add (items, item);
    }
  return items;
}

ServalMember *
serval_member_new_from_asn (const struct Member *m)
{
  g_autofree char *user = serval_asn_dup_string (&m->user);
  g_autofree char *host = serval_asn_dup_string (&m->host);
  g_autofree char *node = serval_asn_dup_string (&m->node);
  g_auto(GStrv) addresses = strv_from_asn (&m->addresses.list);
  g_auto(GStrv) services = m->services != NULL ? serval_services_from_asn (&m->services->list, NULL) : NULL;
  guint8 mac[6] = { 0 };
  ServalMember *member;

  if (m->mac.size == 6)
    memcpy (mac, m->mac.buf, 6);
  member = serval_member_new (user, host, mac, (const char *const *) addresses, node, m->since);
  serval_member_set_services (member, (const char *const *) services);
  return member;
}

/* --- messages -------------------------------------------------------------- */

ServalMessageKind
serval_message_get_kind (const Message_t *msg)
{
  switch (msg->present)
    {
    case Message_PR_data: return SERVAL_MESSAGE_DATA;
    case Message_PR_hello: return SERVAL_MESSAGE_HELLO;
    case Message_PR_request: return SERVAL_MESSAGE_REQUEST;
    case Message_PR_response: return SERVAL_MESSAGE_RESPONSE;
    case Message_PR_event: return SERVAL_MESSAGE_EVENT;
    case Message_PR_ping: return SERVAL_MESSAGE_PING;
    case Message_PR_pong: return SERVAL_MESSAGE_PONG;
    case Message_PR_NOTHING:
    default:
      return SERVAL_MESSAGE_UNKNOWN;
    }
}

gboolean
serval_hello_parse (const Message_t *msg, ServalHello *hello)
{
  const Hello_t *h = &msg->choice.hello;

  memset (hello, 0, sizeof *hello);
  if (msg->present != Message_PR_hello)
    return FALSE;
  hello->version = h->version;
  hello->software = serval_asn_dup_string (&h->software);
  hello->node = h->node != NULL ? serval_asn_dup_string (h->node) : NULL;
  hello->offload = h->offload != NULL && *h->offload;
  hello->vlan_config = h->vlanConfig != NULL && *h->vlanConfig;
  hello->member_pages = h->memberPages != NULL && *h->memberPages;
  hello->services = h->services != NULL && *h->services;
  hello->keepalive_interval = h->keepaliveInterval != NULL && *h->keepaliveInterval;
  return TRUE;
}

void
serval_hello_clear (ServalHello *hello)
{
  g_clear_pointer (&hello->software, g_free);
  g_clear_pointer (&hello->node, g_free);
}

/* --- requests -------------------------------------------------------------- */

/* A copy of @s, a string field of a request: the first that holds a
 * control character is named in req->bad_field. */
static char *
request_string (ServalRequest *req, const OCTET_STRING_t *s, const char *field)
{
  if (req->bad_field == NULL && s->buf != NULL && serval_text_has_control ((const char *) s->buf, s->size))
    req->bad_field = field;
  return serval_asn_dup_string (s);
}

/* @list: the A_SEQUENCE_OF (OCTET_STRING_t) of a request's addresses. */
static GStrv
request_addresses (ServalRequest *req, const void *list)
{
  const asn_anonymous_sequence_ *seq = _A_CSEQUENCE_FROM_VOID (list);
  GStrv strv = g_new0 (char *, seq->count + 1);

  for (int i = 0; i < seq->count; i++)
    strv[i] = request_string (req, seq->array[i], "addresses");
  return strv;
}

static void
parse_login (ServalRequest *req, const Login_t *login)
{
  req->user = request_string (req, &login->user, "user");
  req->host = request_string (req, &login->host, "host");
  req->password = bytes_from_asn (&login->password);
  if (login->token != NULL)
    req->token = bytes_from_asn (login->token);
}

/* The requests of a VLAN's configuration (serval-message-admin.c builds them). */
static void
parse_vlan_config (ServalRequest *req, const RequestBody_t *body)
{
  gboolean control = FALSE;

  switch (body->present)
    {
    case RequestBody_PR_vlanSet:
      req->kind = SERVAL_REQUEST_VLAN_SET;
      req->vlan = request_string (req, &body->choice.vlanSet.vlan, "vlan");
      if (body->choice.vlanSet.subnet != NULL)
        req->subnet = request_string (req, body->choice.vlanSet.subnet, "subnet");
      if (body->choice.vlanSet.prefix6 != NULL)
        req->prefix6 = request_string (req, body->choice.vlanSet.prefix6, "prefix6");
      break;
    case RequestBody_PR_ruleAdd:
      req->kind = SERVAL_REQUEST_RULE_ADD;
      req->vlan = request_string (req, &body->choice.ruleAdd.vlan, "vlan");
      req->rule = serval_rule_from_asn (&body->choice.ruleAdd.rule, &control);
      if (control && req->bad_field == NULL)
        req->bad_field = "rule";
      break;
    case RequestBody_PR_ruleDel:
      req->kind = SERVAL_REQUEST_RULE_DEL;
      req->vlan = request_string (req, &body->choice.ruleDel.vlan, "vlan");
      req->index = body->choice.ruleDel.index;
      break;
    case RequestBody_PR_listRules:
      req->kind = SERVAL_REQUEST_LIST_RULES;
      req->vlan = request_string (req, &body->choice.listRules, "vlan");
      break;
    case RequestBody_PR_userSetRateLimit:
      req->kind = SERVAL_REQUEST_USER_SET_RATE_LIMIT;
      req->user = request_string (req, &body->choice.userSetRateLimit.user, "user");
      req->rate_limit = (guint64) MAX (body->choice.userSetRateLimit.bytesPerSecond, 0);
      break;
    case RequestBody_PR_userSetBridge:
    default:
      req->kind = SERVAL_REQUEST_USER_SET_BRIDGE;
      req->user = request_string (req, &body->choice.userSetBridge.user, "user");
      req->bridge = body->choice.userSetBridge.bridge != 0;
      break;
    }
}

static void
parse_request_body (ServalRequest *req, const RequestBody_t *body)
{
  switch (body->present)
    {
    case RequestBody_PR_login:
      req->kind = SERVAL_REQUEST_LOGIN;
      parse_login (req, &body->choice.login);
      break;
    case RequestBody_PR_join:
      req->kind = SERVAL_REQUEST_JOIN;
      req->vlan = request_string (req, &body->choice.join.vlan, "vlan");
      if (body->choice.join.mac.size == 6)
        memcpy (req->mac, body->choice.join.mac.buf, 6);
      if (body->choice.join.services != NULL)
        {
          gboolean control = FALSE;

          req->services = serval_services_from_asn (&body->choice.join.services->list, &control);
          if (control && req->bad_field == NULL)
            req->bad_field = "services";
        }
      break;
    case RequestBody_PR_leave:
      req->kind = SERVAL_REQUEST_LEAVE;
      req->vlan = request_string (req, &body->choice.leave, "vlan");
      break;
    case RequestBody_PR_listVlans:
      req->kind = SERVAL_REQUEST_LIST_VLANS;
      break;
    case RequestBody_PR_listMembers:
      req->kind = SERVAL_REQUEST_LIST_MEMBERS;
      req->vlan = request_string (req, &body->choice.listMembers, "vlan");
      break;
    case RequestBody_PR_update:
      req->kind = SERVAL_REQUEST_UPDATE;
      req->vlan = request_string (req, &body->choice.update.vlan, "vlan");
      req->addresses = request_addresses (req, &body->choice.update.addresses.list);
      break;
    case RequestBody_PR_vlanAdd:
      req->kind = SERVAL_REQUEST_VLAN_ADD;
      req->vlan = request_string (req, &body->choice.vlanAdd, "vlan");
      break;
    case RequestBody_PR_vlanDel:
      req->kind = SERVAL_REQUEST_VLAN_DEL;
      req->vlan = request_string (req, &body->choice.vlanDel, "vlan");
      break;
    case RequestBody_PR_userAdd:
      req->kind = SERVAL_REQUEST_USER_ADD;
      req->user = request_string (req, &body->choice.userAdd.name, "user");
      req->password = bytes_from_asn (&body->choice.userAdd.password);
      req->admin = body->choice.userAdd.admin != 0;
      break;
    case RequestBody_PR_userDel:
      req->kind = SERVAL_REQUEST_USER_DEL;
      req->user = request_string (req, &body->choice.userDel, "user");
      break;
    case RequestBody_PR_grant:
    case RequestBody_PR_revoke:
      {
        const Grant_t *g = body->present == RequestBody_PR_grant ? &body->choice.grant : &body->choice.revoke;

        req->kind = body->present == RequestBody_PR_grant ? SERVAL_REQUEST_GRANT : SERVAL_REQUEST_REVOKE;
        req->user = request_string (req, &g->user, "user");
        req->vlan = request_string (req, &g->vlan, "vlan");
      }
      break;
    case RequestBody_PR_kick:
      req->kind = SERVAL_REQUEST_KICK;
      req->user = request_string (req, &body->choice.kick.user, "user");
      req->vlan = request_string (req, &body->choice.kick.vlan, "vlan");
      break;
    case RequestBody_PR_listUsers:
      req->kind = SERVAL_REQUEST_LIST_USERS;
      break;
    case RequestBody_PR_listNodes:
      req->kind = SERVAL_REQUEST_LIST_NODES;
      break;
    case RequestBody_PR_vlanSet:
    case RequestBody_PR_ruleAdd:
    case RequestBody_PR_ruleDel:
    case RequestBody_PR_listRules:
    case RequestBody_PR_userSetBridge:
    case RequestBody_PR_userSetRateLimit:
      parse_vlan_config (req, body);
      break;
    case RequestBody_PR_listMemberPage:
      serval_request_parse_member_page (req, body);
      break;
    case RequestBody_PR_NOTHING:
    default:
      req->kind = SERVAL_REQUEST_UNKNOWN;
      break;
    }
}

gboolean
serval_request_parse (const Message_t *msg, ServalRequest *req)
{
  memset (req, 0, sizeof *req);
  if (msg->present != Message_PR_request)
    return FALSE;
  req->id = msg->choice.request.id;
  parse_request_body (req, &msg->choice.request.body);
  return TRUE;
}

void
serval_request_clear (ServalRequest *req)
{
  g_clear_pointer (&req->user, g_free);
  g_clear_pointer (&req->host, g_free);
  g_clear_pointer (&req->vlan, g_free);
  g_clear_pointer (&req->password, g_bytes_unref);
  g_clear_pointer (&req->token, g_bytes_unref);
  g_clear_pointer (&req->addresses, g_strfreev);
  g_clear_pointer (&req->services, g_strfreev);
  g_clear_pointer (&req->subnet, g_free);
  g_clear_pointer (&req->prefix6, g_free);
  g_clear_pointer (&req->rule, serval_rule_free);
  g_clear_pointer (&req->search, g_free);
}

void
serval_request_free (ServalRequest *req)
{
  if (req == NULL)
    return;
  serval_request_clear (req);
  g_free (req);
}

/* --- responses ------------------------------------------------------------- */

static ServalVlanInfo *
vlan_info_from_asn (const VlanInfo_t *v)
{
  ServalVlanInfo *info = g_new0 (ServalVlanInfo, 1);

  info->name = serval_asn_dup_string (&v->name);
  info->tag = v->tag;
  info->allowed = v->allowed != 0;
  info->members = v->members;
  info->subnet = v->subnet != NULL ? serval_asn_dup_string (v->subnet) : NULL;
  info->prefix6 = v->prefix6 != NULL ? serval_asn_dup_string (v->prefix6) : NULL;
  return info;
}

static ServalUserInfo *
user_info_from_asn (const UserInfo_t *u)
{
  ServalUserInfo *info = g_new0 (ServalUserInfo, 1);

  info->name = serval_asn_dup_string (&u->name);
  info->admin = u->admin != 0;
  info->vlans = strv_from_asn (&u->vlans.list);
  info->bridge = u->bridge != NULL && *u->bridge;
  info->rate_limit = u->rateLimit != NULL ? (guint64) MAX (*u->rateLimit, 0) : 0;
  return info;
}

static ServalNodeEntry *
node_entry_from_asn (const NodeInfo_t *n)
{
  ServalNodeEntry *entry = g_new0 (ServalNodeEntry, 1);

  entry->name = serval_asn_dup_string (&n->name);
  entry->advertise = strv_from_asn (&n->advertise.list);
  entry->since = n->since;
  entry->members = n->members;
  entry->current = n->current != 0;
  return entry;
}

/* NULL, to leave it out, for a rule out of range. */
static ServalRule *
rule_from_asn (const Rule_t *r)
{
  gboolean control = FALSE;

  return serval_rule_from_asn (r, &control);
}

static void
parse_joined (ServalResponse *resp, const Joined_t *joined)
{
  resp->vlan = serval_asn_dup_string (&joined->vlan);
  resp->tag = joined->tag;
  resp->members = serval_asn_to_array (&joined->members.list, (ServalFromAsn) serval_member_new_from_asn, g_object_unref);
  if (joined->address != NULL)
    resp->address = serval_asn_dup_string (joined->address);
  if (joined->prefix6 != NULL)
    resp->prefix6 = serval_asn_dup_string (joined->prefix6);
  if (joined->total != NULL)
    {
      resp->has_total = TRUE;
      resp->total = *joined->total;
    }
}

static void
parse_logged_in (ServalResponse *resp, const LoggedIn_t *li)
{
  resp->admin = li->admin != 0;
  resp->keepalive = li->keepalive;
  resp->servers = strv_from_asn (&li->servers.list);
  if (li->token != NULL)
    resp->token = bytes_from_asn (li->token);
}

gboolean
serval_response_parse (const Message_t *msg, ServalResponse *resp)
{
  const ResponseBody_t *body = &msg->choice.response.body;

  memset (resp, 0, sizeof *resp);
  if (msg->present != Message_PR_response)
    return FALSE;
  resp->id = msg->choice.response.id;
  switch (body->present)
    {
    case ResponseBody_PR_ok:
      resp->kind = SERVAL_RESPONSE_OK;
      break;
    case ResponseBody_PR_error:
      resp->kind = SERVAL_RESPONSE_ERROR;
      resp->error_code = body->choice.error.code;
      resp->error_text = serval_asn_dup_string (&body->choice.error.text);
      break;
    case ResponseBody_PR_loggedIn:
      resp->kind = SERVAL_RESPONSE_LOGGED_IN;
      parse_logged_in (resp, &body->choice.loggedIn);
      break;
    case ResponseBody_PR_joined:
      resp->kind = SERVAL_RESPONSE_JOINED;
      parse_joined (resp, &body->choice.joined);
      break;
    case ResponseBody_PR_vlans:
      resp->kind = SERVAL_RESPONSE_VLANS;
      resp->vlans = serval_asn_to_array (&body->choice.vlans.list, (ServalFromAsn) vlan_info_from_asn,
                                         (GDestroyNotify) serval_vlan_info_free);
      break;
    case ResponseBody_PR_members:
      resp->kind = SERVAL_RESPONSE_MEMBERS;
      resp->members = serval_asn_to_array (&body->choice.members.list, (ServalFromAsn) serval_member_new_from_asn,
                                           g_object_unref);
      break;
    case ResponseBody_PR_users:
      resp->kind = SERVAL_RESPONSE_USERS;
      resp->users = serval_asn_to_array (&body->choice.users.list, (ServalFromAsn) user_info_from_asn,
                                         (GDestroyNotify) serval_user_info_free);
      break;
    case ResponseBody_PR_nodes:
      resp->kind = SERVAL_RESPONSE_NODES;
      resp->nodes = serval_asn_to_array (&body->choice.nodes.list, (ServalFromAsn) node_entry_from_asn,
                                         (GDestroyNotify) serval_node_entry_free);
      break;
    case ResponseBody_PR_rules:
      resp->kind = SERVAL_RESPONSE_RULES;
      resp->rules = serval_asn_to_array (&body->choice.rules.list, (ServalFromAsn) rule_from_asn,
                                         (GDestroyNotify) serval_rule_free);
      break;
    case ResponseBody_PR_memberPage:
      serval_response_parse_member_page (resp, &body->choice.memberPage);
      break;
    case ResponseBody_PR_NOTHING:
    default:
      resp->kind = SERVAL_RESPONSE_UNKNOWN;
      break;
    }
  return TRUE;
}

void
serval_response_clear (ServalResponse *resp)
{
  g_clear_pointer (&resp->error_text, g_free);
  g_clear_pointer (&resp->servers, g_strfreev);
  g_clear_pointer (&resp->token, g_bytes_unref);
  g_clear_pointer (&resp->vlan, g_free);
  g_clear_pointer (&resp->members, g_ptr_array_unref);
  g_clear_pointer (&resp->vlans, g_ptr_array_unref);
  g_clear_pointer (&resp->users, g_ptr_array_unref);
  g_clear_pointer (&resp->nodes, g_ptr_array_unref);
  g_clear_pointer (&resp->rules, g_ptr_array_unref);
  g_clear_pointer (&resp->address, g_free);
  g_clear_pointer (&resp->prefix6, g_free);
}

void
serval_response_free (ServalResponse *resp)
{
  if (resp == NULL)
    return;
  serval_response_clear (resp);
  g_free (resp);
}

/* --- events ---------------------------------------------------------------- */

static void
parse_member_event (ServalEvent *event, ServalEventKind kind, const MemberEvent_t *ev)
{
  event->kind = kind;
  event->vlan = serval_asn_dup_string (&ev->vlan);
  event->member = serval_member_new_from_asn (&ev->member);
}

static void
parse_error (ServalEvent *event, const Error_t *err)
{
  event->code = err->code;
  event->text = serval_asn_dup_string (&err->text);
}

gboolean
serval_event_parse (const Message_t *msg, ServalEvent *event)
{
  const Event_t *ev = &msg->choice.event;

  memset (event, 0, sizeof *event);
  if (msg->present != Message_PR_event)
    return FALSE;
  switch (ev->present)
    {
    case Event_PR_memberJoined:
      parse_member_event (event, SERVAL_EVENT_MEMBER_JOINED, &ev->choice.memberJoined);
      break;
    case Event_PR_memberLeft:
      parse_member_event (event, SERVAL_EVENT_MEMBER_LEFT, &ev->choice.memberLeft);
      break;
    case Event_PR_memberUpdated:
      parse_member_event (event, SERVAL_EVENT_MEMBER_UPDATED, &ev->choice.memberUpdated);
      break;
    case Event_PR_removed:
      event->kind = SERVAL_EVENT_REMOVED;
      event->vlan = serval_asn_dup_string (&ev->choice.removed.vlan);
      parse_error (event, &ev->choice.removed.reason);
      break;
    case Event_PR_servers:
      event->kind = SERVAL_EVENT_SERVERS;
      event->servers = strv_from_asn (&ev->choice.servers.list);
      break;
    case Event_PR_bye:
      event->kind = SERVAL_EVENT_BYE;
      parse_error (event, &ev->choice.bye);
      break;
    case Event_PR_memberChanges:
      serval_event_parse_member_changes (event, &ev->choice.memberChanges);
      break;
    case Event_PR_NOTHING:
    default:
      event->kind = SERVAL_EVENT_UNKNOWN;
      break;
    }
  return TRUE;
}

void
serval_event_clear (ServalEvent *event)
{
  g_clear_pointer (&event->vlan, g_free);
  g_clear_object (&event->member);
  g_clear_pointer (&event->text, g_free);
  g_clear_pointer (&event->servers, g_strfreev);
  g_clear_pointer (&event->changes, g_ptr_array_unref);
}

void
serval_event_free (ServalEvent *event)
{
  if (event == NULL)
    return;
  serval_event_clear (event);
  g_free (event);
}
