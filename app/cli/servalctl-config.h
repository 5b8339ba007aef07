/* servalctl-config.h: servalctl's commands of a VLAN's configuration (issue
 * 14): subnets and IPv6 prefixes, access-list rules, the bridge right. */
#pragma once

#include "serval-client.h"

G_BEGIN_DECLS

/* Prints "servalctl: MESSAGE" on standard error, escaped (messages carry what
 * the server and other members said). servalctl.c's. */
void servalctl_say_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Called once a command is over, with servalctl's exit status. */
typedef void (*ServalctlDone) (int status, gpointer data);

/* Every change answers with success or an error, through its own _finish. */
typedef gboolean (*ServalctlFinish) (ServalClient *client, GAsyncResult *result, GError **error);

/* The user data of servalctl_command_done_cb() for the change @argv asks
 * (argv[1] the command), which @call_finish ends. */
gpointer servalctl_command_new (char **argv, ServalctlDone done, gpointer data, ServalctlFinish call_finish);
/* A change's callback: "Done: COMMAND" and @done with status 0, or the
 * error on standard error and status 1. */
void servalctl_command_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Adds the options of these commands (--subnet, --prefix6) to @octx's main group. */
void servalctl_config_add_options (GOptionContext *octx);

/* "user grant|revoke NAME --bridge" takes --bridge without a value, unlike
 * "up --bridge IFACE": before the options are parsed, this takes it out of
 * such a command line, and remembers it. */
void servalctl_config_take_bridge_flag (int *argc, char **argv);

/* Runs the command of @argv (argv[1] the command) if it is one of these;
 * its answer comes to @done. Returns FALSE if it is none of them. */
gboolean servalctl_config_run (ServalClient *client, int argc, char **argv, ServalctlDone done, gpointer data);

/* ", subnet 10.77.0.0/24, IPv6 prefix fd00:77::/64", or "" (free it). */
char *servalctl_config_describe_vlan (const ServalVlanInfo *info);

G_END_DECLS
