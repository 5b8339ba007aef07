/* serval-acl.h: a VLAN's rules (serval-rule.h) compiled for the switch.
 *
 * The switch classifies a frame once (serval_acl_classify()) and then
 * matches the packet against the rules in order (serval_acl_match()), for
 * one receiving port or, when a frame is flooded, for each. The first rule
 * that matches decides; a frame no rule matches is allowed.
 *
 * The users a rule names are the owners of the switch's ports
 * (serval_switch_port_set_owner()). A trunk has none: a frame that came
 * from another node of the cluster matches no rule with "from USER", and a
 * frame to a member of another node no rule with "to USER". Such a rule is
 * checked on the node where that user's port is local; a rule that names
 * both users only applies where both are on the same node.
 *
 * Pure code: no I/O, no clock. Not thread-safe (the hit counters).
 */
#pragma once

#include <glib.h>
#include "serval-rule.h"

G_BEGIN_DECLS

/**
 * ServalAcl:
 *
 * An ordered list of rules, with a hit counter per rule. Made with
 * serval_acl_new(), freed with serval_acl_free().
 */
typedef struct _ServalAcl ServalAcl;

/**
 * ServalAclPacket:
 * @ethertype: the frame's EtherType (frames in the switch are untagged)
 * @family: 4 or 6 for IP, 0 for anything else
 * @ip_proto: the IP protocol (IPv6: after the extension headers), or 0
 * @has_port: whether @dport is known: TCP or UDP with its header in the
 *   frame, and not a later fragment of a datagram
 * @dport: the TCP or UDP destination port
 * @src: the source IP address (4 or 16 bytes used)
 * @dst: the destination IP address
 *
 * What the rules look at in a frame, read by serval_acl_classify().
 */
typedef struct
{
  guint16 ethertype;
  guint8 family;
  guint8 ip_proto;
  gboolean has_port;
  guint16 dport;
  guint8 src[16];
  guint8 dst[16];
} ServalAclPacket;

/**
 * serval_acl_new:
 * @rules: (element-type ServalRule) (transfer none): the rules in order;
 *   copied
 *
 * Returns: (transfer full): the compiled list; %NULL if @rules is %NULL or
 *   empty (a VLAN without rules has no list: the switch tests one pointer)
 */
ServalAcl *serval_acl_new (GPtrArray *rules);
void serval_acl_free (ServalAcl *acl);

/**
 * serval_acl_classify:
 * @frame: (array length=len): an Ethernet frame
 * @len: its length
 * @packet: (out caller-allocates): what the rules look at
 *
 * Reads the EtherType, the IPv4 header (IHL, fragments: only the first
 * fragment has ports) or the IPv6 header and up to 8 extension headers
 * (hop-by-hop, routing, fragment, destination options, AH), and the TCP or
 * UDP destination port. Never reads past @len; a truncated header leaves
 * the fields it would give unset (a rule that needs them does not match).
 */
void serval_acl_classify (const guint8 *frame, gsize len, ServalAclPacket *packet);

/**
 * serval_acl_match:
 * @acl: a list
 * @packet: a classified frame
 * @from_user: (nullable): the owner of the port the frame came in on
 * @to_user: (nullable): the owner of the port it would leave through
 *
 * Finds the first rule that matches and counts a hit on it.
 *
 * Returns: that rule's action; %SERVAL_RULE_ALLOW if none matches
 */
ServalRuleAction serval_acl_match (ServalAcl *acl, const ServalAclPacket *packet, const char *from_user, const char *to_user);

/**
 * serval_acl_prepare:
 * @acl: a list
 * @packet: a classified frame
 * @from_user: (nullable): the owner of the port the frame came in on
 *
 * For a frame to many receivers (a flood): finds the rules that match it
 * but for their receiving user, once, so that serval_acl_match_prepared()
 * then costs each receiver only those rules' "to USER". Valid until the
 * next call on @acl.
 */
void serval_acl_prepare (ServalAcl *acl, const ServalAclPacket *packet, const char *from_user);
/**
 * serval_acl_match_prepared:
 * @acl: a list, after serval_acl_prepare()
 * @to_user: (nullable): the owner of the port the frame would leave through
 *
 * The same answer as serval_acl_match() with serval_acl_prepare()'s
 * packet and sender, and the same hit counted.
 *
 * Returns: the first matching rule's action; %SERVAL_RULE_ALLOW if none
 */
ServalRuleAction serval_acl_match_prepared (ServalAcl *acl, const char *to_user);

/**
 * serval_acl_uses_to_user:
 * @acl: a list
 *
 * Returns: whether a rule names a receiving user ("to USER"): if none
 *   does, a flood is matched once for all its receivers
 */
gboolean serval_acl_uses_to_user (const ServalAcl *acl);

/**
 * serval_acl_n_rules:
 * @acl: a list
 *
 * Returns: how many rules it has
 */
guint serval_acl_n_rules (const ServalAcl *acl);
/**
 * serval_acl_get_rule:
 * @acl: a list
 * @i: a rule's index, below serval_acl_n_rules()
 *
 * Returns: (transfer none): the rule, the list's copy
 */
const ServalRule *serval_acl_get_rule (const ServalAcl *acl, guint i);
/**
 * serval_acl_get_hits:
 * @acl: a list
 * @i: a rule's index, below serval_acl_n_rules()
 *
 * Returns: how many times rule @i decided (a flood matched per receiver
 *   counts once per receiver), for /metrics
 */
guint64 serval_acl_get_hits (const ServalAcl *acl, guint i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalAcl, serval_acl_free)

G_END_DECLS
