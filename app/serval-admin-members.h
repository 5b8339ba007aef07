/* serval-admin-members.h: the members of each VLAN in the admin window's VLANs
 * table, a page at a time (issue 17), and the bar under the table that pages
 * through and searches the members of the VLAN last selected.
 *
 * Each VLAN keeps its page (where it starts, the search) across the window's
 * refreshes; the server answers with the page and how many members the VLAN
 * has (that match). The page of the VLAN whose row is selected is read again
 * every few seconds, as the window's refresh waits while a row is selected. */
#pragma once

#include <gtk/gtk.h>
#include "serval-client.h"

G_BEGIN_DECLS

/* The columns of the VLANs table (GtkTreeStore vlan_store of the .ui). */
enum
{
  COL_NAME, /* VLAN name, or the member's user */
  COL_HOST,
  COL_MAC,
  COL_ADDRESSES,
  COL_NODE,
  COL_SINCE,
  COL_VLAN, /* the VLAN a row belongs to */
  COL_IS_VLAN,
  COL_WEIGHT,
  N_COLS
};

#define SERVAL_TYPE_ADMIN_MEMBERS (serval_admin_members_get_type ())
G_DECLARE_FINAL_TYPE (ServalAdminMembers, serval_admin_members, SERVAL, ADMIN_MEMBERS, GtkBox)

/* The bar for @view, whose model is the VLANs table. ::error (a string, the
 * server's answer) when a page could not be read. */
GtkWidget *serval_admin_members_new (ServalClient *client, GtkTreeView *view);
/* Reads the VLAN's page of members again, into its row's children (a VLAN
 * row of @view's model that has the name @vlan). */
void serval_admin_members_read (ServalAdminMembers *self, const char *vlan);
/* The page of the VLAN whose row is selected, again, so that it follows the
 * members who leave, join or change (the server sends no member events of a
 * VLAN this client is not in): while no member's row is selected (an
 * administrator about to act on one) and the window shows. The window calls
 * it from its refresh timer when a row is selected, as it then does not
 * refresh the rest. */
void serval_admin_members_reread (ServalAdminMembers *self);

G_END_DECLS
