/* serval-vlan-item.h: one VLAN as the main window and the tray show it.
 *
 * The VLANs the user may join, from the server's VLAN list, each with the
 * ServalClientVlan of the engine while joined (whose member list the rows
 * bind to) and whether a join or leave is under way.
 */
#pragma once

#include "serval-client.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_VLAN_ITEM (serval_vlan_item_get_type ())
G_DECLARE_FINAL_TYPE (ServalVlanItem, serval_vlan_item, SERVAL, VLAN_ITEM, GObject)

ServalVlanItem *serval_vlan_item_new (const char *name);
const char *serval_vlan_item_get_name (ServalVlanItem *item);
guint serval_vlan_item_get_members (ServalVlanItem *item);
void serval_vlan_item_set_members (ServalVlanItem *item, guint members);
/* (nullable) the engine's VLAN while joined */
ServalClientVlan *serval_vlan_item_get_vlan (ServalVlanItem *item);
void serval_vlan_item_set_vlan (ServalVlanItem *item, ServalClientVlan *vlan);
gboolean serval_vlan_item_get_joined (ServalVlanItem *item);
gboolean serval_vlan_item_get_busy (ServalVlanItem *item);
void serval_vlan_item_set_busy (ServalVlanItem *item, gboolean busy);
/* (nullable) while joined, the TAP device and its addresses as the window and
 * the tray show them: "sv-blue · 10.77.0.5" ("address" notifies) */
const char *serval_vlan_item_get_address (ServalVlanItem *item);
void serval_vlan_item_set_address (ServalVlanItem *item, const char *address);

G_END_DECLS
