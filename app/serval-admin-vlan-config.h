/* serval-admin-vlan-config.h: the admin window's "Addresses and Rules" page:
 * each VLAN's IPv4 subnet and IPv6 prefix, and its ordered allow/deny rules.
 * Every change is a management request that the server authorizes; its
 * error shows on the page, next to what was changed. */
#pragma once

#include <gtk/gtk.h>
#include "serval-client.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_ADMIN_VLAN_CONFIG (serval_admin_vlan_config_get_type ())
G_DECLARE_FINAL_TYPE (ServalAdminVlanConfig, serval_admin_vlan_config, SERVAL, ADMIN_VLAN_CONFIG, GtkBox)

/* ::changed (no arguments) is emitted after the server took a change, so
 * that the window reads its lists again. */
GtkWidget *serval_admin_vlan_config_new (ServalClient *client);
/* The server's VLAN list, (element-type ServalVlanInfo): the page's table
 * follows it, keeping the VLAN chosen and what is being typed. */
void serval_admin_vlan_config_set_vlans (ServalAdminVlanConfig *self, GPtrArray *infos);

G_END_DECLS
