/* serval-vlan-row.h: a VLAN in the main window: a switch to join or leave it
 * (app.join and app.leave) and, while joined, its members. */
#pragma once

#include <gtk/gtk.h>
#include "serval-vlan-item.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_VLAN_ROW (serval_vlan_row_get_type ())
G_DECLARE_FINAL_TYPE (ServalVlanRow, serval_vlan_row, SERVAL, VLAN_ROW, GtkListBoxRow)

GtkWidget *serval_vlan_row_new (ServalVlanItem *item);

G_END_DECLS
