/* serval-offline-net.c: serval-server's offline commands of a VLAN's
 * configuration, the same as servalctl's:
 *
 *   vlan set VLAN --subnet CIDR|none [--prefix6 CIDR|none]
 *   vlan rule add VLAN allow|deny [proto P] [from USER] [to USER] [port N[-M]] [src CIDR] [dst CIDR]
 *   vlan rule list VLAN
 *   vlan rule del VLAN N
 *   user grant|revoke NAME --bridge
 *   user set NAME --rate-limit RATE
 */
#include "config.h"

#include "serval-offline-net.h"

#include <stdio.h>

#include "serval-rate.h"

static char *opt_subnet;
static char *opt_prefix6;
static gboolean opt_bridge;
static char *opt_rate_limit;

static GOptionEntry net_entries[] = {
  { "subnet", 0, 0, G_OPTION_ARG_STRING, &opt_subnet, "With “vlan set”: the IPv4 subnet the VLAN's members get addresses from, or “none”", "CIDR" },
  { "prefix6", 0, 0, G_OPTION_ARG_STRING, &opt_prefix6, "With “vlan set”: the IPv6 prefix announced in the VLAN, or “none”", "CIDR" },
  { "bridge", 0, 0, G_OPTION_ARG_NONE, &opt_bridge, "With “user grant|revoke NAME”: the right to bridge a LAN into VLANs", NULL },
  { "rate-limit", 0, 0, G_OPTION_ARG_STRING, &opt_rate_limit, "With “user set NAME”: bytes per second the user may send through the switch (10M, 500k, …), or “none” for the server's default", "RATE" },
  { NULL }
};

void
serval_offline_net_add_options (GOptionContext *ctx)
{
  g_option_context_add_main_entries (ctx, net_entries, NULL);
}

/* "none" removes; NULL keeps. */
static const char *
cidr_value (const char *opt)
{
  return opt != NULL && g_ascii_strcasecmp (opt, "none") == 0 ? "" : opt;
}

static int
write_or_fail (ServalStore *store, const ServalStoreWrite *w)
{
  g_autoptr(GError) error = NULL;

  if (!serval_store_write_sync (store, w, NULL, &error))
    return serval_offline_fail ("%s", error->message);
  return 0;
}

static int
vlan_set (ServalStore *store, int argc, char **argv)
{
  ServalStoreWrite w = { .kind = SERVAL_STORE_VLAN_SET_ADDRESSES };
  g_autoptr(ServalVlan) v = NULL;
  int status;

  if (argc != 4 || (opt_subnet == NULL && opt_prefix6 == NULL))
    return serval_offline_fail ("Usage: serval-server --data-dir DIR vlan set VLAN --subnet CIDR|none [--prefix6 CIDR|none]");
  w.vlan = argv[3];
  w.subnet = cidr_value (opt_subnet);
  w.prefix6 = cidr_value (opt_prefix6);
  if ((status = write_or_fail (store, &w)) != 0)
    return status;
  v = serval_store_vlan_get (store, argv[3], NULL);
  printf ("VLAN %s: subnet %s, IPv6 prefix %s\n", argv[3], v && v->subnet ? v->subnet : "none",
          v && v->prefix6 ? v->prefix6 : "none");
  return 0;
}

static int
rule_list (ServalStore *store, const char *vlan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalVlan) v = serval_store_vlan_get (store, vlan, &error);

  if (v == NULL)
    return serval_offline_fail ("%s", error->message);
  for (guint i = 0; i < v->rules->len; i++)
    {
      g_autofree char *text = serval_rule_to_string (v->rules->pdata[i]);

      printf ("%u  %s\n", i + 1, text);
    }
  return 0;
}

static int
rule_del (ServalStore *store, const char *vlan, const char *number)
{
  ServalStoreWrite w = { .kind = SERVAL_STORE_RULE_DEL, .vlan = vlan };
  g_autoptr(ServalVlan) v = serval_store_vlan_get (store, vlan, NULL);
  guint64 index;

  if (!g_ascii_string_to_unsigned (number, 10, 1, 1000, &index, NULL))
    return serval_offline_fail ("“%s” is not a rule number: give the number “serval-server vlan rule list %s” shows (1 to 1000)",
                                number, vlan);
  if (v != NULL && index > v->rules->len)
    return serval_offline_fail ("VLAN %s has no rule %u: it has %u (serval-server vlan rule list %s)", vlan, (guint) index,
                                v->rules->len, vlan);
  w.index = index;
  if (write_or_fail (store, &w) != 0)
    return 1;
  printf ("Removed rule %u of VLAN %s\n", (guint) index, vlan);
  return 0;
}

static int
rule_add (ServalStore *store, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalRule) rule = serval_rule_parse ((const char *const *) argv + 5, argc - 5, &error);
  g_autofree char *text = NULL;
  ServalStoreWrite w = { .kind = SERVAL_STORE_RULE_ADD, .vlan = argv[4] };

  if (rule == NULL)
    return serval_offline_fail ("%s", error->message);
  w.rule = rule;
  if (write_or_fail (store, &w) != 0)
    return 1;
  text = serval_rule_to_string (rule);
  printf ("Added to VLAN %s: %s\n", argv[4], text);
  return 0;
}

static int
rule (ServalStore *store, int argc, char **argv)
{
  const char *verb = argc > 3 ? argv[3] : "";

  if (g_str_equal (verb, "list") && argc == 5)
    return rule_list (store, argv[4]);
  if (g_str_equal (verb, "del") && argc == 6)
    return rule_del (store, argv[4], argv[5]);
  if (g_str_equal (verb, "add") && argc >= 6)
    return rule_add (store, argc, argv);
  return serval_offline_fail ("Usage: serval-server --data-dir DIR vlan rule add VLAN allow|deny [proto tcp|udp|icmp|icmp6|0xETHERTYPE] "
                              "[from USER] [to USER] [port N[-M]] [src CIDR] [dst CIDR] | vlan rule list VLAN | vlan rule del VLAN N");
}

static int
bridge (ServalStore *store, int argc, char **argv)
{
  gboolean grant = g_str_equal (argv[2], "grant");
  ServalStoreWrite w = { .kind = SERVAL_STORE_USER_SET_BRIDGE, .bridge = grant };

  if (argc != 4)
    return serval_offline_fail ("Usage: serval-server --data-dir DIR user %s NAME --bridge", argv[2]);
  w.user = argv[3];
  if (write_or_fail (store, &w) != 0)
    return 1;
  printf (grant ? "%s may bridge a LAN in\n" : "%s may no longer bridge a LAN in\n", argv[3]);
  return 0;
}

static int
rate_limit (ServalStore *store, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  ServalStoreWrite w = { .kind = SERVAL_STORE_USER_SET_RATE_LIMIT };

  if (argc != 4 || opt_rate_limit == NULL)
    return serval_offline_fail ("Usage: serval-server --data-dir DIR user set NAME --rate-limit RATE "
                                "(bytes per second: 10M, 500k, or none)");
  if (!serval_rate_parse (opt_rate_limit, SERVAL_STORE_MAX_RATE_LIMIT, &w.rate_limit, &error))
    return serval_offline_fail ("--rate-limit: %s", error->message);
  w.user = argv[3];
  if (write_or_fail (store, &w) != 0)
    return 1;
  text = serval_rate_to_string (w.rate_limit);
  if (w.rate_limit > 0)
    printf ("%s may send %s bytes per second\n", argv[3], text);
  else
    printf ("%s has no rate limit of its own (the server's default applies)\n", argv[3]);
  return 0;
}

/* Each VLAN with its subnet and IPv6 prefix, if it has them. */
static int
vlan_list (ServalStore *store, int argc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = NULL;

  if (argc != 3)
    return serval_offline_fail ("Usage: serval-server --data-dir DIR vlan list");
  if ((vlans = serval_store_vlan_list (store, &error)) == NULL)
    return serval_offline_fail ("%s", error->message);
  for (guint i = 0; i < vlans->len; i++)
    {
      ServalVlan *v = vlans->pdata[i];

      printf ("%s%s%s%s%s\n", v->name, v->subnet ? "\tsubnet " : "", v->subnet ? v->subnet : "",
              v->prefix6 ? "\tIPv6 prefix " : "", v->prefix6 ? v->prefix6 : "");
    }
  return 0;
}

int
serval_offline_net_run (ServalStore *store, int argc, char **argv)
{
  const char *what = argv[1], *verb = argc > 2 ? argv[2] : "";

  if (g_str_equal (what, "vlan") && g_str_equal (verb, "set"))
    return vlan_set (store, argc, argv);
  if (g_str_equal (what, "vlan") && g_str_equal (verb, "list"))
    return vlan_list (store, argc);
  if (g_str_equal (what, "vlan") && g_str_equal (verb, "rule"))
    return rule (store, argc, argv);
  if (g_str_equal (what, "user") && opt_bridge && (g_str_equal (verb, "grant") || g_str_equal (verb, "revoke")))
    return bridge (store, argc, argv);
  if (g_str_equal (what, "user") && g_str_equal (verb, "set"))
    return rate_limit (store, argc, argv);
  return -1;
}
