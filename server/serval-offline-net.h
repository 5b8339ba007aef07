/* serval-offline-net.h: serval-server's offline commands of a VLAN's
 * configuration (subnets, IPv6 prefixes, access-list rules) and of the
 * bridge right, on the store directly. */
#pragma once

#include "serval-store.h"

G_BEGIN_DECLS

/* Prints "serval-server: MESSAGE" on standard error; returns 1, the exit
 * status of a command that failed. main.c's. */
int serval_offline_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Adds --subnet, --prefix6 and --bridge to @ctx's main group. */
void serval_offline_net_add_options (GOptionContext *ctx);

/* Runs the command of @argv (argv[1] "vlan" or "user") if it is one of
 * these: "vlan set|rule ...", "user grant|revoke NAME --bridge". Returns its
 * exit status, or -1 if it is none of them. */
int serval_offline_net_run (ServalStore *store, int argc, char **argv);

G_END_DECLS
