/* serval-rule.h: one allow/deny rule of a VLAN's access list.
 *
 * A VLAN holds an ordered list of rules; the first rule that matches a
 * frame decides, and a frame no rule matches is allowed (the VLAN's
 * default, as before rules existed). The switch matches them
 * (serval-acl.h); the store keeps each rule as its text
 * (serval_rule_to_string()), the protocol carries it as a Rule
 * (engine/proto/serval.asn1), and servalctl reads it from words:
 *
 *   allow|deny [proto tcp|udp|icmp|icmp6|0xETHERTYPE] [from USER] [to USER]
 *              [port N[-M]] [src CIDR] [dst CIDR]
 *
 * Every part but the action is optional; a rule with none matches every
 * frame. "port" needs proto tcp or udp and matches the destination port.
 * "src" and "dst" match IPv4 or IPv6 prefixes (a frame of the other family
 * does not match).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ServalRuleAction:
 * @SERVAL_RULE_ALLOW: forward the frame
 * @SERVAL_RULE_DENY: drop it (counted)
 */
typedef enum
{
  SERVAL_RULE_ALLOW = 0,
  SERVAL_RULE_DENY = 1,
} ServalRuleAction;

/**
 * ServalRuleProto:
 * @SERVAL_RULE_PROTO_ANY: any frame
 * @SERVAL_RULE_PROTO_TCP: IPv4 or IPv6 with TCP
 * @SERVAL_RULE_PROTO_UDP: IPv4 or IPv6 with UDP
 * @SERVAL_RULE_PROTO_ICMP: IPv4 with ICMP
 * @SERVAL_RULE_PROTO_ICMP6: IPv6 with ICMPv6
 * @SERVAL_RULE_PROTO_ETHERTYPE: any frame of #ServalRule.ethertype
 */
typedef enum
{
  SERVAL_RULE_PROTO_ANY = 0,
  SERVAL_RULE_PROTO_TCP,
  SERVAL_RULE_PROTO_UDP,
  SERVAL_RULE_PROTO_ICMP,
  SERVAL_RULE_PROTO_ICMP6,
  SERVAL_RULE_PROTO_ETHERTYPE,
} ServalRuleProto;

/**
 * ServalRulePrefix:
 * @family: 0 for none, 4 or 6
 * @len: the prefix length in bits (0..32 or 0..128)
 * @addr: the address, network byte order; 4 or 16 bytes used
 */
typedef struct
{
  guint8 family;
  guint8 len;
  guint8 addr[16];
} ServalRulePrefix;

/**
 * ServalRule:
 * @action: allow or deny
 * @proto: what kind of frame
 * @ethertype: for %SERVAL_RULE_PROTO_ETHERTYPE
 * @from_user: (nullable): the sending member's user, %NULL for anyone
 * @to_user: (nullable): the receiving member's user, %NULL for anyone
 * @port_low: first destination port (TCP/UDP), 0 for any
 * @port_high: last destination port, >= @port_low
 * @src: source address prefix; family 0 for any
 * @dst: destination address prefix; family 0 for any
 *
 * One rule. Free with serval_rule_free().
 */
typedef struct
{
  ServalRuleAction action;
  ServalRuleProto proto;
  guint16 ethertype;
  char *from_user;
  char *to_user;
  guint16 port_low;
  guint16 port_high;
  ServalRulePrefix src;
  ServalRulePrefix dst;
} ServalRule;

/**
 * serval_rule_parse:
 * @words: (array length=n_words): the rule's words, as servalctl gets them
 * @n_words: how many
 * @error: a #G_OPTION_ERROR_BAD_VALUE naming the word that is wrong and
 *   what was expected
 *
 * Returns: (transfer full) (nullable): the rule, or %NULL
 */
ServalRule *serval_rule_parse (const char *const *words, gsize n_words, GError **error);
/**
 * serval_rule_parse_string:
 * @text: a rule's text, words separated by spaces
 * @error: as for serval_rule_parse()
 *
 * Returns: (transfer full) (nullable): the rule, or %NULL
 */
ServalRule *serval_rule_parse_string (const char *text, GError **error);
/**
 * serval_rule_to_string:
 * @rule: a rule
 *
 * Returns: (transfer full): its canonical text, which
 *   serval_rule_parse_string() reads back into the same rule, e.g.
 *   "deny proto tcp from carol port 22"
 */
char *serval_rule_to_string (const ServalRule *rule);
/**
 * serval_rule_copy:
 * @rule: a rule
 *
 * Returns: (transfer full): a deep copy
 */
ServalRule *serval_rule_copy (const ServalRule *rule);
void serval_rule_free (ServalRule *rule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalRule, serval_rule_free)

G_END_DECLS
