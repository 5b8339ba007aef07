/* serval-message-admin.c: the messages of a VLAN's configuration (issue 14):
 * its subnet and IPv6 prefix, its access list (Rule), the bridge right, and
 * the leased address in the join answer; plain C values <-> asn1c's structs.
 *
 * A Rule read from the wire is checked as hard as one read from servalctl's
 * words: it must survive serval_rule_to_string() and
 * serval_rule_parse_string(), so that what the store keeps and the switch
 * matches is never something servalctl could not have said.
 */
#include "config.h"

#include "serval-message.h"

#include <string.h>

#include "serval-util.h"

G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_NO_SUCH_RULE == (int) ErrorCode_noSuchRule);
G_STATIC_ASSERT ((int) SERVAL_ERROR_CODE_ADDRESS_POOL_FULL == (int) ErrorCode_addressPoolFull);
G_STATIC_ASSERT ((int) SERVAL_RULE_ALLOW == (int) RuleAction_allow);
G_STATIC_ASSERT ((int) SERVAL_RULE_DENY == (int) RuleAction_deny);
G_STATIC_ASSERT ((int) SERVAL_RULE_PROTO_ANY == (int) RuleProto_any);
G_STATIC_ASSERT ((int) SERVAL_RULE_PROTO_TCP == (int) RuleProto_tcp);
G_STATIC_ASSERT ((int) SERVAL_RULE_PROTO_UDP == (int) RuleProto_udp);
G_STATIC_ASSERT ((int) SERVAL_RULE_PROTO_ICMP == (int) RuleProto_icmp);
G_STATIC_ASSERT ((int) SERVAL_RULE_PROTO_ICMP6 == (int) RuleProto_icmp6);
G_STATIC_ASSERT ((int) SERVAL_RULE_PROTO_ETHERTYPE == (int) RuleProto_ethertype);

/* --- Rule ------------------------------------------------------------------ */

static IpPrefix_t *
prefix_to_asn (const ServalRulePrefix *prefix)
{
  IpPrefix_t *p;

  if (prefix->family != 4 && prefix->family != 6)
    return NULL;
  p = calloc (1, sizeof *p); /* asn1c frees with free() */
  serval_asn_set_bytes (&p->address, prefix->addr, prefix->family == 4 ? 4 : 16);
  p->length = prefix->len;
  return p;
}

void
serval_rule_to_asn (const ServalRule *rule, struct Rule *out)
{
  out->action = rule->action;
  out->proto = rule->proto;
  if (rule->proto == SERVAL_RULE_PROTO_ETHERTYPE)
    {
      out->ethertype = calloc (1, sizeof *out->ethertype);
      *out->ethertype = rule->ethertype;
    }
  out->fromUser = serval_asn_new_string (rule->from_user);
  out->toUser = serval_asn_new_string (rule->to_user);
  if (rule->port_low != 0)
    {
      out->ports = calloc (1, sizeof *out->ports);
      out->ports->low = rule->port_low;
      out->ports->high = MAX (rule->port_high, rule->port_low);
    }
  out->src = prefix_to_asn (&rule->src);
  out->dst = prefix_to_asn (&rule->dst);
}

static gboolean
prefix_from_asn (const IpPrefix_t *in, ServalRulePrefix *out)
{
  if (in == NULL)
    return TRUE;
  if (in->address.size != 4 && in->address.size != 16)
    return FALSE;
  out->family = in->address.size == 4 ? 4 : 6;
  if (in->length < 0 || in->length > (out->family == 4 ? 32 : 128))
    return FALSE;
  out->len = in->length;
  memcpy (out->addr, in->address.buf, in->address.size);
  return TRUE;
}

/* A name of a rule: NULL when absent; *@control set if it holds a control character. */
static char *
name_from_asn (const OCTET_STRING_t *s, gboolean *control)
{
  if (s == NULL)
    return NULL;
  if (s->buf != NULL && serval_text_has_control ((const char *) s->buf, s->size))
    *control = TRUE;
  return serval_asn_dup_string (s);
}

/* Whether @rule reads back as itself through its text. */
static gboolean
rule_is_sayable (const ServalRule *rule)
{
  g_autofree char *text = serval_rule_to_string (rule);
  g_autoptr(ServalRule) back = serval_rule_parse_string (text, NULL);
  g_autofree char *again = back != NULL ? serval_rule_to_string (back) : NULL;

  return back != NULL && g_str_equal (text, again);
}

ServalRule *
serval_rule_from_asn (const struct Rule *in, gboolean *control)
{
  g_autoptr(ServalRule) rule = g_new0 (ServalRule, 1);

  if (in->action < RuleAction_allow || in->action > RuleAction_deny || in->proto < RuleProto_any ||
      in->proto > RuleProto_ethertype)
    return NULL;
  rule->action = in->action;
  rule->proto = in->proto;
  if ((in->ethertype != NULL) != (in->proto == RuleProto_ethertype))
    return NULL;
  if (in->ethertype != NULL)
    rule->ethertype = *in->ethertype;
  rule->from_user = name_from_asn (in->fromUser, control);
  rule->to_user = name_from_asn (in->toUser, control);
  if (in->ports != NULL)
    {
      if (in->ports->low < 1 || in->ports->high < in->ports->low)
        return NULL;
      rule->port_low = in->ports->low;
      rule->port_high = in->ports->high;
    }
  if (!prefix_from_asn (in->src, &rule->src) || !prefix_from_asn (in->dst, &rule->dst))
    return NULL;
  if (*control || !rule_is_sayable (rule))
    return NULL;
  return g_steal_pointer (&rule);
}

/* --- Hello ----------------------------------------------------------------- */

Message_t *
serval_hello_build_client (gboolean offload)
{
  Message_t *msg = serval_hello_build (NULL, offload);

  msg->choice.hello.vlanConfig = calloc (1, sizeof *msg->choice.hello.vlanConfig);
  *msg->choice.hello.vlanConfig = TRUE;
  msg->choice.hello.memberPages = calloc (1, sizeof *msg->choice.hello.memberPages);
  *msg->choice.hello.memberPages = TRUE;
  serval_message_set_hello_services (msg);
  serval_message_set_hello_keepalive (msg);
  return msg;
}

void
serval_message_set_hello_keepalive (Message_t *msg)
{
  Hello_t *h = &msg->choice.hello;

  g_return_if_fail (msg->present == Message_PR_hello);
  if (h->keepaliveInterval == NULL)
    h->keepaliveInterval = calloc (1, sizeof *h->keepaliveInterval);
  *h->keepaliveInterval = TRUE;
}

/* --- requests -------------------------------------------------------------- */

Message_t *
serval_request_build_vlan_set (guint32 id, const char *vlan, const char *subnet, const char *prefix6)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_vlanSet);
  VlanSet_t *set = &msg->choice.request.body.choice.vlanSet;

  serval_asn_set_string (&set->vlan, vlan);
  set->subnet = serval_asn_new_string (subnet);
  set->prefix6 = serval_asn_new_string (prefix6);
  return msg;
}

Message_t *
serval_request_build_rule_add (guint32 id, const char *vlan, const ServalRule *rule)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_ruleAdd);
  RuleAdd_t *add = &msg->choice.request.body.choice.ruleAdd;

  serval_asn_set_string (&add->vlan, vlan);
  serval_rule_to_asn (rule, &add->rule);
  return msg;
}

Message_t *
serval_request_build_rule_del (guint32 id, const char *vlan, guint index)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_ruleDel);
  RuleDel_t *del = &msg->choice.request.body.choice.ruleDel;

  serval_asn_set_string (&del->vlan, vlan);
  del->index = index;
  return msg;
}

Message_t *
serval_request_build_user_set (guint32 id, ServalRequestKind kind, const char *user, guint64 value)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_NOTHING);
  RequestBody_t *body = &msg->choice.request.body;

  switch (kind)
    {
    case SERVAL_REQUEST_USER_SET_BRIDGE:
      body->present = RequestBody_PR_userSetBridge;
      serval_asn_set_string (&body->choice.userSetBridge.user, user);
      body->choice.userSetBridge.bridge = value != 0;
      break;
    case SERVAL_REQUEST_USER_SET_RATE_LIMIT:
      body->present = RequestBody_PR_userSetRateLimit;
      serval_asn_set_string (&body->choice.userSetRateLimit.user, user);
      body->choice.userSetRateLimit.bytesPerSecond = (long) MIN (value, SERVAL_MAX_RATE_LIMIT);
      break;
    default: /* a programmer's error: the message will not encode */
      g_critical ("%s: %d is not a user's setting", G_STRFUNC, kind);
      break;
    }
  return msg;
}

/* --- responses ------------------------------------------------------------- */

void
serval_response_set_joined_address (Message_t *msg, const char *address, const char *prefix6)
{
  Joined_t *joined;

  g_return_if_fail (msg->present == Message_PR_response &&
                    msg->choice.response.body.present == ResponseBody_PR_joined);
  joined = &msg->choice.response.body.choice.joined;
  joined->address = serval_asn_new_string (address);
  joined->prefix6 = serval_asn_new_string (prefix6);
}
