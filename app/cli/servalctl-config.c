/* servalctl-config.c: servalctl's commands of a VLAN's configuration:
 *
 *   vlan set VLAN --subnet CIDR|none [--prefix6 CIDR|none]
 *   vlan rule add VLAN allow|deny [proto P] [from USER] [to USER] [port N[-M]] [src CIDR] [dst CIDR]
 *   vlan rule list VLAN
 *   vlan rule del VLAN N
 *   user grant|revoke NAME --bridge
 *   user set NAME --rate-limit RATE
 */
#include "config.h"

#include "servalctl-config.h"

#include <stdio.h>
#include <string.h>

#include "serval-rate.h"
#include "serval-util.h"

static char *opt_subnet;
static char *opt_prefix6;
static char *opt_rate_limit;
static gboolean opt_bridge_flag;

static GOptionEntry config_entries[] = {
  { "subnet", 0, 0, G_OPTION_ARG_STRING, &opt_subnet, "With “vlan set”: the IPv4 subnet the VLAN's members get addresses from, or “none”", "CIDR" },
  { "prefix6", 0, 0, G_OPTION_ARG_STRING, &opt_prefix6, "With “vlan set”: the IPv6 prefix announced in the VLAN, or “none”", "CIDR" },
  { "rate-limit", 0, 0, G_OPTION_ARG_STRING, &opt_rate_limit, "With “user set”: bytes per second the user may send through the switch (10M, 500k, …), or “none” for the server's default", "RATE" },
  { NULL }
};

void
servalctl_config_add_options (GOptionContext *octx)
{
  g_option_context_add_main_entries (octx, config_entries, NULL);
}

void
servalctl_config_take_bridge_flag (int *argc, char **argv)
{
  gboolean user = FALSE, grant = FALSE;

  for (int i = 1; i < *argc; i++)
    {
      if (g_str_equal (argv[i], "user"))
        user = TRUE;
      else if (user && (g_str_equal (argv[i], "grant") || g_str_equal (argv[i], "revoke")))
        grant = TRUE;
      else if (grant && g_str_equal (argv[i], "--bridge"))
        {
          opt_bridge_flag = TRUE;
          memmove (argv + i, argv + i + 1, (*argc - i) * sizeof *argv); /* the NULL at the end too */
          (*argc)--;
          return;
        }
    }
}

char *
servalctl_config_describe_vlan (const ServalVlanInfo *info)
{
  g_autofree char *subnet = info->subnet != NULL ? serval_escape_text (info->subnet) : NULL;
  g_autofree char *prefix6 = info->prefix6 != NULL ? serval_escape_text (info->prefix6) : NULL;

  return g_strdup_printf ("%s%s%s%s", subnet ? "\tsubnet " : "", subnet ? subnet : "",
                          prefix6 ? "\tIPv6 prefix " : "", prefix6 ? prefix6 : "");
}

/* --- one command ----------------------------------------------------------- */

typedef struct
{
  ServalctlDone done;
  gpointer data;
  ServalctlFinish call_finish;
  char *what; /* the command, for "Done: ..." */
} Command;

/* Ends @cmd: with status 1 after saying why if @error is set, else 0. */
static void
command_end (Command *cmd, const GError *error)
{
  if (error != NULL)
    servalctl_say_error ("%s", error->message);
  cmd->done (error != NULL ? 1 : 0, cmd->data);
  g_free (cmd->what);
  g_free (cmd);
}

void
servalctl_command_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Command *cmd = user_data;
  g_autoptr(GError) error = NULL;

  if (cmd->call_finish (SERVAL_CLIENT (source), result, &error))
    printf ("Done: %s\n", cmd->what);
  command_end (cmd, error);
}

static void
rules_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Command *cmd = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rules = serval_client_rule_list_finish (SERVAL_CLIENT (source), result, &error);

  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      g_autofree char *text = serval_rule_to_string (rules->pdata[i]);
      g_autofree char *safe = serval_escape_text (text);

      printf ("%u  %s\n", i + 1, safe);
    }
  command_end (cmd, error);
}

gpointer
servalctl_command_new (char **argv, ServalctlDone done, gpointer data, ServalctlFinish call_finish)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->done = done;
  cmd->data = data;
  cmd->call_finish = call_finish;
  cmd->what = g_strjoinv (" ", argv + 1);
  return cmd;
}

/* "none" removes; NULL keeps. */
static const char *
cidr_value (const char *opt)
{
  return opt != NULL && g_ascii_strcasecmp (opt, "none") == 0 ? "" : opt;
}

static gboolean
usage (int argc, int n, const char *form, ServalctlDone done, gpointer data)
{
  if (argc == n)
    return TRUE;
  servalctl_say_error ("Usage: servalctl [OPTIONS] %s", form);
  done (2, data);
  return FALSE;
}

static void
run_vlan_set (ServalClient *client, int argc, char **argv, ServalctlDone done, gpointer data)
{
  if (!usage (argc, 4, "vlan set VLAN --subnet CIDR|none [--prefix6 CIDR|none]", done, data))
    return;
  if (opt_subnet == NULL && opt_prefix6 == NULL)
    {
      servalctl_say_error ("Say what to set: vlan set %s --subnet CIDR (like 10.77.0.0/24, or none) and/or --prefix6 CIDR "
                           "(like fd00:77::/64, or none)",
                           argv[3]);
      done (2, data);
      return;
    }
  serval_client_vlan_set_async (client, argv[3], cidr_value (opt_subnet), cidr_value (opt_prefix6), NULL,
                                servalctl_command_done_cb, servalctl_command_new (argv, done, data, serval_client_vlan_set_finish));
}

static void
run_rule (ServalClient *client, int argc, char **argv, ServalctlDone done, gpointer data)
{
  const char *verb = argc > 3 ? argv[3] : "";
  g_autoptr(GError) error = NULL;
  guint64 index;

  if (g_str_equal (verb, "list"))
    {
      if (usage (argc, 5, "vlan rule list VLAN", done, data))
        serval_client_rule_list_async (client, argv[4], NULL, rules_done_cb, servalctl_command_new (argv, done, data, NULL));
    }
  else if (g_str_equal (verb, "del"))
    {
      if (!usage (argc, 6, "vlan rule del VLAN N", done, data))
        return;
      if (!g_ascii_string_to_unsigned (argv[5], 10, 1, 1000, &index, NULL))
        {
          servalctl_say_error ("“%s” is not a rule number: give the number “servalctl vlan rule list %s” shows (1 to 1000)", argv[5],
                               argv[4]);
          done (2, data);
          return;
        }
      serval_client_rule_del_async (client, argv[4], index, NULL, servalctl_command_done_cb,
                                    servalctl_command_new (argv, done, data, serval_client_rule_del_finish));
    }
  else if (g_str_equal (verb, "add") && argc >= 6)
    {
      g_autoptr(ServalRule) rule = serval_rule_parse ((const char *const *) argv + 5, argc - 5, &error);

      if (rule == NULL)
        {
          servalctl_say_error ("%s", error->message);
          done (2, data);
          return;
        }
      serval_client_rule_add_async (client, argv[4], rule, NULL, servalctl_command_done_cb,
                                    servalctl_command_new (argv, done, data, serval_client_rule_add_finish));
    }
  else
    {
      servalctl_say_error ("Usage: servalctl [OPTIONS] vlan rule add VLAN allow|deny [proto tcp|udp|icmp|icmp6|0xETHERTYPE] "
                           "[from USER] [to USER] [port N[-M]] [src CIDR] [dst CIDR] | vlan rule list VLAN | vlan rule del VLAN N");
      done (2, data);
    }
}

static void
run_bridge (ServalClient *client, int argc, char **argv, ServalctlDone done, gpointer data)
{
  gboolean grant = g_str_equal (argv[2], "grant");

  if (usage (argc, 4, grant ? "user grant NAME --bridge" : "user revoke NAME --bridge", done, data))
    serval_client_user_set_bridge_async (client, argv[3], grant, NULL, servalctl_command_done_cb,
                                         servalctl_command_new (argv, done, data, serval_client_user_set_bridge_finish));
}

static void
run_rate_limit (ServalClient *client, int argc, char **argv, ServalctlDone done, gpointer data)
{
  g_autoptr(GError) error = NULL;
  guint64 rate = 0;

  if (!usage (argc, 4, "user set NAME --rate-limit RATE", done, data))
    return;
  if (opt_rate_limit == NULL)
    {
      servalctl_say_error ("Nothing to set for user “%s”: give --rate-limit RATE (like 10M or 500k, or none)", argv[3]);
      done (2, data);
      return;
    }
  if (!serval_rate_parse (opt_rate_limit, SERVAL_MAX_RATE_LIMIT, &rate, &error))
    {
      servalctl_say_error ("--rate-limit: %s", error->message);
      done (2, data);
      return;
    }
  serval_client_user_set_rate_limit_async (client, argv[3], rate, NULL, servalctl_command_done_cb,
                                           servalctl_command_new (argv, done, data,
                                                                  serval_client_user_set_rate_limit_finish));
}

gboolean
servalctl_config_run (ServalClient *client, int argc, char **argv, ServalctlDone done, gpointer data)
{
  const char *cmd = argv[1];
  const char *verb = argc > 2 ? argv[2] : "";

  if (g_str_equal (cmd, "vlan") && g_str_equal (verb, "set"))
    run_vlan_set (client, argc, argv, done, data);
  else if (g_str_equal (cmd, "vlan") && g_str_equal (verb, "rule"))
    run_rule (client, argc, argv, done, data);
  else if (g_str_equal (cmd, "user") && opt_bridge_flag && (g_str_equal (verb, "grant") || g_str_equal (verb, "revoke")))
    run_bridge (client, argc, argv, done, data);
  else if (g_str_equal (cmd, "user") && g_str_equal (verb, "set"))
    run_rate_limit (client, argc, argv, done, data);
  else
    return FALSE;
  return TRUE;
}
