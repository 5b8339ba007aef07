/* serval-admin-rows.h: the admin window's tables (the VLANs and their
 * members, the users, the VLANs of "Addresses and Rules") are updated in
 * place on a refresh, never cleared and filled again. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Rows updated in place by a key column (a VLAN's name, a member's MAC, a
 * user's name), so that a row still listed keeps its children and its
 * selection across a refresh; @model is a GtkTreeStore or a GtkListStore. The
 * children of @parent (NULL: the top level) whose @column is not in @keys go; */
void serval_admin_rows_keep (GtkTreeModel *model, GtkTreeIter *parent, int column, GHashTable *keys);
/* @iter becomes the row for @key at @position: the one there if its @column
 * is @key (the rows keep the server's order), else a new one; */
void serval_admin_row_at (GtkTreeModel *model, GtkTreeIter *parent, guint position, int column, const char *key,
                          GtkTreeIter *iter);
/* the rows from @n on, left from an order the server no longer gives, go. */
void serval_admin_rows_trim (GtkTreeModel *model, GtkTreeIter *parent, guint n);

G_END_DECLS
