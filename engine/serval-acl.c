/* serval-acl.c: a VLAN's rules, compiled, and the frame classifier they
 * match against. */
#include "config.h"

#include "serval-acl.h"

#include <string.h>

/* A rule as the matcher wants it: what the protocol needs spelled out, so
 * that a match is a few compares. */
typedef struct
{
  ServalRule rule;   /* a copy, inline: no pointer to follow per rule */
  guint16 ethertype; /* 0: any */
  guint8 family;     /* 0: any IP or not */
  guint8 ip_proto;   /* 0: any */
  guint64 hits;
} Compiled;

struct _ServalAcl
{
  Compiled *rules;
  guint n_rules;
  gboolean uses_to_user;
  guint *candidates; /* serval_acl_prepare()'s rules, n_candidates of them */
  guint n_candidates;
};

ServalAcl *
serval_acl_new (GPtrArray *rules)
{
  ServalAcl *acl;

  if (rules == NULL || rules->len == 0)
    return NULL;
  acl = g_new0 (ServalAcl, 1);
  acl->rules = g_new0 (Compiled, rules->len);
  acl->n_rules = rules->len;
  acl->candidates = g_new0 (guint, rules->len);
  for (guint i = 0; i < rules->len; i++)
    {
      Compiled *c = &acl->rules[i];

      const ServalRule *r = g_ptr_array_index (rules, i);

      c->rule = *r;
      c->rule.from_user = g_strdup (r->from_user);
      c->rule.to_user = g_strdup (r->to_user);
      switch (c->rule.proto)
        {
        case SERVAL_RULE_PROTO_TCP: c->ip_proto = 6; break;
        case SERVAL_RULE_PROTO_UDP: c->ip_proto = 17; break;
        case SERVAL_RULE_PROTO_ICMP:
          c->ip_proto = 1;
          c->family = 4;
          break;
        case SERVAL_RULE_PROTO_ICMP6:
          c->ip_proto = 58;
          c->family = 6;
          break;
        case SERVAL_RULE_PROTO_ETHERTYPE: c->ethertype = c->rule.ethertype; break;
        case SERVAL_RULE_PROTO_ANY: break;
        }
      acl->uses_to_user |= c->rule.to_user != NULL;
    }
  return acl;
}

void
serval_acl_free (ServalAcl *acl)
{
  if (acl == NULL)
    return;
  for (guint i = 0; i < acl->n_rules; i++)
    {
      g_free (acl->rules[i].rule.from_user);
      g_free (acl->rules[i].rule.to_user);
    }
  g_free (acl->rules);
  g_free (acl->candidates);
  g_free (acl);
}

guint
serval_acl_n_rules (const ServalAcl *acl)
{
  return acl->n_rules;
}

const ServalRule *
serval_acl_get_rule (const ServalAcl *acl, guint i)
{
  g_return_val_if_fail (i < acl->n_rules, NULL);
  return &acl->rules[i].rule;
}

guint64
serval_acl_get_hits (const ServalAcl *acl, guint i)
{
  g_return_val_if_fail (i < acl->n_rules, 0);
  return acl->rules[i].hits;
}

gboolean
serval_acl_uses_to_user (const ServalAcl *acl)
{
  return acl->uses_to_user;
}

/* The TCP or UDP destination port at @l4, if the header is there. */
static void
read_port (ServalAclPacket *p, const guint8 *l4, gsize left)
{
  if ((p->ip_proto == 6 || p->ip_proto == 17) && left >= 4)
    {
      p->has_port = TRUE;
      p->dport = (guint16) (l4[2] << 8 | l4[3]);
    }
}

static void
classify_ipv4 (ServalAclPacket *p, const guint8 *ip, gsize left)
{
  gsize ihl;

  if (left < 20 || (ip[0] >> 4) != 4 || (ihl = (gsize) (ip[0] & 15) * 4) < 20 || ihl > left)
    return;
  p->family = 4;
  p->ip_proto = ip[9];
  memcpy (p->src, ip + 12, 4);
  memcpy (p->dst, ip + 16, 4);
  /* A later fragment has no L4 header: it matches rules without a port. */
  if (((ip[6] & 0x1f) << 8 | ip[7]) == 0)
    read_port (p, ip + ihl, left - ihl);
}

static void
classify_ipv6 (ServalAclPacket *p, const guint8 *ip, gsize left)
{
  gsize off = 40;
  guint8 next;
  gboolean later_fragment = FALSE;

  if (left < 40 || (ip[0] >> 4) != 6)
    return;
  p->family = 6;
  memcpy (p->src, ip + 8, 16);
  memcpy (p->dst, ip + 24, 16);
  next = ip[6];
  /* The usual extension headers, a bounded number of them. */
  for (guint n = 0; n < 8; n++)
    {
      gsize hlen;

      if (next != 0 && next != 43 && next != 44 && next != 60 && next != 51)
        break;
      if (off + 8 > left)
        return; /* truncated: no protocol known */
      if (next == 44)
        {
          hlen = 8;
          later_fragment |= ((ip[off + 2] << 8 | ip[off + 3]) & 0xfff8) != 0;
        }
      else if (next == 51)
        hlen = ((gsize) ip[off + 1] + 2) * 4;
      else
        hlen = ((gsize) ip[off + 1] + 1) * 8;
      next = ip[off];
      off += hlen;
    }
  if (off > left || next == 0 || next == 43 || next == 44 || next == 60 || next == 51)
    return;
  p->ip_proto = next;
  if (!later_fragment)
    read_port (p, ip + off, left - off);
}

void
serval_acl_classify (const guint8 *frame, gsize len, ServalAclPacket *p)
{
  memset (p, 0, sizeof *p);
  if (len < 14)
    return;
  p->ethertype = (guint16) (frame[12] << 8 | frame[13]);
  if (p->ethertype == 0x0800)
    classify_ipv4 (p, frame + 14, len - 14);
  else if (p->ethertype == 0x86dd)
    classify_ipv6 (p, frame + 14, len - 14);
}

static gboolean
prefix_matches (const ServalRulePrefix *prefix, const ServalAclPacket *p, const guint8 *addr)
{
  guint bytes = prefix->len / 8, bits = prefix->len % 8;

  if (prefix->family != p->family)
    return FALSE;
  if (memcmp (prefix->addr, addr, bytes) != 0)
    return FALSE;
  return bits == 0 || ((prefix->addr[bytes] ^ addr[bytes]) & (0xff00 >> bits)) == 0;
}

static inline gboolean
user_matches (const char *rule_user, const char *user)
{
  return rule_user == NULL || (user != NULL && strcmp (rule_user, user) == 0);
}

/* Whether @c matches, its receiving user aside. */
static gboolean
rule_matches_from (const Compiled *c, const ServalAclPacket *p, const char *from_user)
{
  const ServalRule *r = &c->rule;

  if (c->ethertype != 0 && c->ethertype != p->ethertype)
    return FALSE;
  if (c->ip_proto != 0 && (c->ip_proto != p->ip_proto || p->family == 0 || (c->family != 0 && c->family != p->family)))
    return FALSE;
  if (r->port_low != 0 && (!p->has_port || p->dport < r->port_low || p->dport > r->port_high))
    return FALSE;
  if (r->src.family != 0 && !prefix_matches (&r->src, p, p->src))
    return FALSE;
  if (r->dst.family != 0 && !prefix_matches (&r->dst, p, p->dst))
    return FALSE;
  return user_matches (r->from_user, from_user);
}

ServalRuleAction
serval_acl_match (ServalAcl *acl, const ServalAclPacket *packet, const char *from_user, const char *to_user)
{
  for (guint i = 0; i < acl->n_rules; i++)
    if (rule_matches_from (&acl->rules[i], packet, from_user) && user_matches (acl->rules[i].rule.to_user, to_user))
      {
        acl->rules[i].hits++;
        return acl->rules[i].rule.action;
      }
  return SERVAL_RULE_ALLOW;
}

void
serval_acl_prepare (ServalAcl *acl, const ServalAclPacket *packet, const char *from_user)
{
  acl->n_candidates = 0;
  for (guint i = 0; i < acl->n_rules; i++)
    if (rule_matches_from (&acl->rules[i], packet, from_user))
      {
        acl->candidates[acl->n_candidates++] = i;
        /* It matches every receiver: no rule after it is ever reached. */
        if (acl->rules[i].rule.to_user == NULL)
          break;
      }
}

ServalRuleAction
serval_acl_match_prepared (ServalAcl *acl, const char *to_user)
{
  for (guint i = 0; i < acl->n_candidates; i++)
    {
      Compiled *c = &acl->rules[acl->candidates[i]];

      if (user_matches (c->rule.to_user, to_user))
        {
          c->hits++;
          return c->rule.action;
        }
    }
  return SERVAL_RULE_ALLOW;
}
