/* serval-admin-rows.c: the admin window's tables updated in place, row by
 * row, by a key column (serval-admin-rows.h). */
#include "config.h"

#include "serval-admin-rows.h"

/* The VLANs and their members are a GtkTreeStore, the users a GtkListStore. */
static gboolean
remove_row (GtkTreeModel *model, GtkTreeIter *iter)
{
  if (GTK_IS_LIST_STORE (model))
    return gtk_list_store_remove (GTK_LIST_STORE (model), iter);
  return gtk_tree_store_remove (GTK_TREE_STORE (model), iter);
}

void
serval_admin_rows_keep (GtkTreeModel *model, GtkTreeIter *parent, int column, GHashTable *keys)
{
  GtkTreeIter iter;
  gboolean valid = gtk_tree_model_iter_children (model, &iter, parent);

  while (valid)
    {
      g_autofree char *key = NULL;

      gtk_tree_model_get (model, &iter, column, &key, -1);
      if (key != NULL && g_hash_table_contains (keys, key))
        valid = gtk_tree_model_iter_next (model, &iter);
      else
        valid = remove_row (model, &iter);
    }
}

void
serval_admin_row_at (GtkTreeModel *model, GtkTreeIter *parent, guint position, int column, const char *key,
                     GtkTreeIter *iter)
{
  g_autofree char *there = NULL;

  if (gtk_tree_model_iter_nth_child (model, iter, parent, (int) position))
    gtk_tree_model_get (model, iter, column, &there, -1);
  if (g_strcmp0 (there, key) == 0)
    return;
  if (GTK_IS_LIST_STORE (model))
    gtk_list_store_insert (GTK_LIST_STORE (model), iter, (int) position);
  else
    gtk_tree_store_insert (GTK_TREE_STORE (model), iter, parent, (int) position);
}

void
serval_admin_rows_trim (GtkTreeModel *model, GtkTreeIter *parent, guint n)
{
  GtkTreeIter iter;

  while (gtk_tree_model_iter_nth_child (model, &iter, parent, (int) n))
    remove_row (model, &iter);
}
