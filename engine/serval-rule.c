/* serval-rule.c: a VLAN's allow/deny rule, read from words and written back
 * as text. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-rule.h"

#include <gio/gio.h>
#include <string.h>

#define RULE_USAGE                                                                        \
  "allow|deny [proto tcp|udp|icmp|icmp6|0xETHERTYPE] [from USER] [to USER] [port N[-M]] " \
  "[src CIDR] [dst CIDR]"

static const char *const proto_names[] = {
  [SERVAL_RULE_PROTO_TCP] = "tcp",
  [SERVAL_RULE_PROTO_UDP] = "udp",
  [SERVAL_RULE_PROTO_ICMP] = "icmp",
  [SERVAL_RULE_PROTO_ICMP6] = "icmp6",
};

void
serval_rule_free (ServalRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->from_user);
  g_free (rule->to_user);
  g_free (rule);
}

ServalRule *
serval_rule_copy (const ServalRule *rule)
{
  ServalRule *copy = g_memdup2 (rule, sizeof *rule);

  copy->from_user = g_strdup (rule->from_user);
  copy->to_user = g_strdup (rule->to_user);
  return copy;
}

static gboolean
bad_value (GError **error, const char *word, const char *expected)
{
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("“%s” in a rule: expected %s. A rule reads: %s"), word, expected, RULE_USAGE);
  return FALSE;
}

/* An unknown word where a rule's part should start. */
static gboolean
bad_key (GError **error, const char *key)
{
  /* The words are the rule's own, never translated. */
  g_autofree char *words = g_strdup_printf (_("one of the words %s"), "proto, from, to, port, src, dst");

  return bad_value (error, key, words);
}

static gboolean
parse_proto (ServalRule *rule, const char *word, GError **error)
{
  for (guint i = SERVAL_RULE_PROTO_TCP; i <= SERVAL_RULE_PROTO_ICMP6; i++)
    if (g_ascii_strcasecmp (word, proto_names[i]) == 0)
      {
        rule->proto = i;
        return TRUE;
      }
  if (g_ascii_strncasecmp (word, "0x", 2) == 0 && strlen (word) > 2 && strlen (word) <= 6)
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (word + 2, &end, 16);

      if (*end == '\0' && v >= 0x0600)
        {
          rule->proto = SERVAL_RULE_PROTO_ETHERTYPE;
          rule->ethertype = v;
          return TRUE;
        }
    }
  return bad_value (error, word, _("tcp, udp, icmp, icmp6 or an ethertype from 0x0600 to 0xffff, like 0x0806"));
}

static gboolean
parse_user (char **out, const char *word, GError **error)
{
  gsize len = strlen (word);

  if (len == 0 || len > 64 || !g_utf8_validate (word, -1, NULL))
    return bad_value (error, word, _("a user name of 1 to 64 characters"));
  for (const char *p = word; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)) || g_unichar_isspace (g_utf8_get_char (p)))
      return bad_value (error, word, _("a user name without spaces or control characters"));
  g_free (*out);
  *out = g_strdup (word);
  return TRUE;
}

static gboolean
parse_port_number (const char *text, guint16 *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_ports (ServalRule *rule, const char *word, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (word, "-", 3);
  guint n = g_strv_length (parts);

  if (n < 1 || n > 2 || !parse_port_number (parts[0], &rule->port_low))
    return bad_value (error, word, _("a port from 1 to 65535, or a range like 6000-6010"));
  rule->port_high = rule->port_low;
  if (n == 2 && (!parse_port_number (parts[1], &rule->port_high) || rule->port_high < rule->port_low))
    return bad_value (error, word, _("a port range whose first port is not above its last, like 6000-6010"));
  return TRUE;
}

static gboolean
parse_prefix (ServalRulePrefix *prefix, const char *word, GError **error)
{
  g_autoptr (GInetAddressMask) mask = g_inet_address_mask_new_from_string (word, NULL);
  GInetAddress *addr;

  if (mask == NULL)
    return bad_value (error, word, _("an address prefix like 10.77.0.0/24 or fd00:77::/64"));
  addr = g_inet_address_mask_get_address (mask);
  prefix->family = g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV4 ? 4 : 6;
  prefix->len = g_inet_address_mask_get_length (mask);
  memcpy (prefix->addr, g_inet_address_to_bytes (addr), g_inet_address_get_native_size (addr));
  return TRUE;
}

static gboolean
parse_part (ServalRule *rule, const char *key, const char *value, GError **error)
{
  if (g_str_equal (key, "proto"))
    return parse_proto (rule, value, error);
  if (g_str_equal (key, "from"))
    return parse_user (&rule->from_user, value, error);
  if (g_str_equal (key, "to"))
    return parse_user (&rule->to_user, value, error);
  if (g_str_equal (key, "port"))
    return parse_ports (rule, value, error);
  if (g_str_equal (key, "src"))
    return parse_prefix (&rule->src, value, error);
  if (g_str_equal (key, "dst"))
    return parse_prefix (&rule->dst, value, error);
  return bad_key (error, key);
}

ServalRule *
serval_rule_parse (const char *const *words, gsize n_words, GError **error)
{
  g_autoptr (ServalRule) rule = g_new0 (ServalRule, 1);

  if (n_words == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("An empty rule. A rule reads: %s"), RULE_USAGE);
      return NULL;
    }
  if (g_str_equal (words[0], "allow"))
    rule->action = SERVAL_RULE_ALLOW;
  else if (g_str_equal (words[0], "deny"))
    rule->action = SERVAL_RULE_DENY;
  else
    {
      bad_value (error, words[0], _("allow or deny first"));
      return NULL;
    }
  for (gsize i = 1; i < n_words; i += 2)
    {
      if (i + 1 >= n_words)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” in a rule needs a value after it. A rule reads: %s"), words[i], RULE_USAGE);
          return NULL;
        }
      if (!parse_part (rule, words[i], words[i + 1], error))
        return NULL;
    }
  if (rule->port_low != 0 && rule->proto != SERVAL_RULE_PROTO_TCP && rule->proto != SERVAL_RULE_PROTO_UDP)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("A rule with a port needs “proto tcp” or “proto udp” before it. A rule reads: %s"), RULE_USAGE);
      return NULL;
    }
  return g_steal_pointer (&rule);
}

ServalRule *
serval_rule_parse_string (const char *text, GError **error)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \t", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (kept, words[i]);
  return serval_rule_parse ((const char *const *) kept->pdata, kept->len, error);
}

static void
append_prefix (GString *out, const char *key, const ServalRulePrefix *prefix)
{
  g_autoptr (GInetAddress) addr = NULL;
  g_autofree char *text = NULL;

  if (prefix->family == 0)
    return;
  addr = g_inet_address_new_from_bytes (prefix->addr,
                                        prefix->family == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (addr);
  g_string_append_printf (out, " %s %s/%u", key, text, prefix->len);
}

char *
serval_rule_to_string (const ServalRule *rule)
{
  GString *out = g_string_new (rule->action == SERVAL_RULE_DENY ? "deny" : "allow");

  if (rule->proto == SERVAL_RULE_PROTO_ETHERTYPE)
    g_string_append_printf (out, " proto 0x%04x", rule->ethertype);
  else if (rule->proto != SERVAL_RULE_PROTO_ANY && rule->proto < G_N_ELEMENTS (proto_names))
    g_string_append_printf (out, " proto %s", proto_names[rule->proto]);
  if (rule->from_user != NULL)
    g_string_append_printf (out, " from %s", rule->from_user);
  if (rule->to_user != NULL)
    g_string_append_printf (out, " to %s", rule->to_user);
  if (rule->port_low != 0 && rule->port_high > rule->port_low)
    g_string_append_printf (out, " port %u-%u", rule->port_low, rule->port_high);
  else if (rule->port_low != 0)
    g_string_append_printf (out, " port %u", rule->port_low);
  append_prefix (out, "src", &rule->src);
  append_prefix (out, "dst", &rule->dst);
  return g_string_free (out, FALSE);
}
