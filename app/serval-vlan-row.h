/* serval-vlan-row.h: a VLAN in the main window: a switch to join or leave it
 * and, while joined, its members. */
#pragma once

#include <gtk/gtk.h>
#include "serval-application.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_VLAN_ROW (serval_vlan_row_get_type ())
G_DECLARE_FINAL_TYPE (ServalVlanRow, serval_vlan_row, SERVAL, VLAN_ROW, GtkListBoxRow)

GtkWidget *serval_vlan_row_new (ServalApplication *app, ServalVlanItem *item);
/* One member, as the main window and the admin window show it. */
GtkWidget *serval_member_row_new (ServalMember *member, gboolean details);

G_END_DECLS
