/* serval-admin-members.c: see serval-admin-members.h. */
#include "config.h"

#include "serval-admin-members.h"

#include "serval-admin-rows.h"

#include <glib/gi18n.h>

/* Members a VLAN's row shows at a time. */
#define PAGE 100

/* Where a VLAN's page starts and what it searches. */
typedef struct
{
  guint offset;
  char *search; /* NULL: all members */
  guint total;  /* members (that match), at the last answer */
  gboolean read;
  guint serial; /* drops the answers to an older read */
} Page;

struct _ServalAdminMembers
{
  GtkBox parent_instance;

  ServalClient *client;
  GtkTreeView *view;
  GCancellable *cancellable;
  GHashTable *pages; /* VLAN name -> Page */
  char *current;     /* the VLAN the bar pages through: the last one selected */

  GtkLabel *label;
  GtkSearchEntry *search_entry;
  GtkWidget *previous_button;
  GtkWidget *next_button;
};

G_DEFINE_FINAL_TYPE (ServalAdminMembers, serval_admin_members, GTK_TYPE_BOX)

enum
{
  SIGNAL_ERROR,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
page_free (Page *page)
{
  g_free (page->search);
  g_free (page);
}

static Page *
page_for (ServalAdminMembers *self, const char *vlan)
{
  Page *page = g_hash_table_lookup (self->pages, vlan);

  if (page == NULL)
    {
      page = g_new0 (Page, 1);
      g_hash_table_insert (self->pages, g_strdup (vlan), page);
    }
  return page;
}

static GtkTreeStore *
store (ServalAdminMembers *self)
{
  return GTK_TREE_STORE (gtk_tree_view_get_model (self->view));
}

static gboolean
find_vlan_row (ServalAdminMembers *self, const char *vlan, GtkTreeIter *iter)
{
  GtkTreeModel *model = GTK_TREE_MODEL (store (self));
  gboolean valid = gtk_tree_model_get_iter_first (model, iter);

  while (valid)
    {
      g_autofree char *name = NULL;

      gtk_tree_model_get (model, iter, COL_NAME, &name, -1);
      if (g_strcmp0 (name, vlan) == 0)
        return TRUE;
      valid = gtk_tree_model_iter_next (model, iter);
    }
  return FALSE;
}

/* The bar says which members of the VLAN show, and what it can do. */
static char *
bar_text (ServalAdminMembers *self, Page *page)
{
  guint last = page != NULL ? MIN (page->offset + PAGE, page->total) : 0;

  if (page == NULL)
    return g_strdup (_("Select a VLAN to page through or search its members."));
  if (!page->read)
    return g_strdup_printf (_("Reading the members of VLAN “%s”…"), self->current);
  if (page->total == 0 && page->search != NULL)
    return g_strdup_printf (_("No member of VLAN “%s” matches “%s”"), self->current, page->search);
  if (page->total == 0)
    return g_strdup_printf (_("VLAN “%s” has no members connected"), self->current);
  if (page->search != NULL)
    /* TRANSLATORS: "VLAN “big”: members 1–100 of 601 matching “bob”" */
    return g_strdup_printf (_("VLAN “%s”: members %u–%u of %u matching “%s”"), self->current, page->offset + 1, last,
                               page->total, page->search);
  /* TRANSLATORS: "VLAN “big”: members 101–200 of 601" */
  return g_strdup_printf (_("VLAN “%s”: members %u–%u of %u"), self->current, page->offset + 1, last, page->total);
}

static void
update_bar (ServalAdminMembers *self)
{
  Page *page = self->current != NULL ? g_hash_table_lookup (self->pages, self->current) : NULL;
  g_autofree char *text = bar_text (self, page);

  gtk_label_set_text (self->label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->search_entry), page != NULL);
  gtk_widget_set_sensitive (self->previous_button, page != NULL && page->offset > 0);
  gtk_widget_set_sensitive (self->next_button, page != NULL && page->offset + PAGE < page->total);
}

/* The VLAN row's children become @members; it says @total members, unless
 * G_MAXUINT (the page of a search). */
static void
fill_row (ServalAdminMembers *self, GtkTreeIter *parent, const char *vlan, GListModel *members, guint total)
{
  GtkTreeStore *tree = store (self);
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  GtkTreeIter iter;
  g_autoptr(GtkTreePath) path = NULL;

  if (total != G_MAXUINT)
    {
      g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u member", "%u members", total),
                                                total);

      gtk_tree_store_set (tree, parent, COL_HOST, count, -1);
    }

  /* In place, by MAC: the member row selected to act on (Kick) stays that
   * member's, selected, when the page is read again. */
  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (members, i);

      g_hash_table_add (keys, (gpointer) serval_member_get_mac (m));
    }
  serval_admin_rows_keep (GTK_TREE_MODEL (tree), parent, COL_MAC, keys);
  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (members, i);
      const char *const *addresses = serval_member_get_addresses (m);
      g_autofree char *addrs = addresses != NULL ? g_strjoinv (", ", (char **) addresses) : g_strdup ("");
      g_autoptr(GDateTime) since = g_date_time_new_from_unix_local (serval_member_get_since (m));
      g_autofree char *when = since != NULL ? g_date_time_format (since, "%Y-%m-%d %H:%M:%S") : g_strdup ("");

      serval_admin_row_at (GTK_TREE_MODEL (tree), parent, i, COL_MAC, serval_member_get_mac (m), &iter);
      gtk_tree_store_set (tree, &iter, COL_NAME, serval_member_get_user (m), COL_HOST, serval_member_get_host (m),
                          COL_MAC, serval_member_get_mac (m), COL_ADDRESSES, addrs, COL_NODE,
                          serval_member_get_node (m), COL_SINCE, when, COL_VLAN, vlan, COL_IS_VLAN, FALSE,
                          COL_WEIGHT, PANGO_WEIGHT_NORMAL, -1);
    }
  serval_admin_rows_trim (GTK_TREE_MODEL (tree), parent, g_list_model_get_n_items (members));
  path = gtk_tree_model_get_path (GTK_TREE_MODEL (tree), parent);
  gtk_tree_view_expand_row (self->view, path, FALSE);
}

typedef struct
{
  ServalAdminMembers *self;
  char *vlan;
  guint serial;
} ReadCall;

static void
read_call_free (ReadCall *call)
{
  g_object_unref (call->self);
  g_free (call->vlan);
  g_free (call);
}

static void
listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReadCall *call = user_data;
  ServalAdminMembers *self = call->self;
  g_autoptr(GError) error = NULL;
  guint total = 0;
  g_autoptr(GListModel) members = serval_client_list_member_page_finish (SERVAL_CLIENT (source), result, &total,
                                                                          &error);
  Page *page = g_hash_table_lookup (self->pages, call->vlan);
  GtkTreeIter parent;

  if (page == NULL || page->serial != call->serial || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (members == NULL)
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
  else if (g_list_model_get_n_items (members) == 0 && page->offset > 0 && total > 0)
    {
      /* The VLAN shrank under the page: its last page instead. */
      page->offset = (total - 1) / PAGE * PAGE;
      serval_admin_members_read (self, call->vlan);
    }
  else
    {
      page->total = total;
      page->read = TRUE;
      if (find_vlan_row (self, call->vlan, &parent))
        fill_row (self, &parent, call->vlan, members, page->search == NULL ? total : G_MAXUINT);
      update_bar (self);
    }
  read_call_free (call);
}

void
serval_admin_members_read (ServalAdminMembers *self, const char *vlan)
{
  Page *page = page_for (self, vlan);
  ReadCall *call = g_new0 (ReadCall, 1);

  call->self = g_object_ref (self);
  call->vlan = g_strdup (vlan);
  call->serial = ++page->serial;
  serval_client_list_member_page_async (self->client, vlan, page->offset, PAGE, page->search, self->cancellable,
                                        listed_cb, call);
}

void
serval_admin_members_reread (ServalAdminMembers *self)
{
  Page *page = self->current != NULL ? g_hash_table_lookup (self->pages, self->current) : NULL;
  GtkTreeModel *model;
  GtkTreeIter iter;
  gboolean is_vlan = FALSE;

  if (gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->view), &model, &iter))
    gtk_tree_model_get (model, &iter, COL_IS_VLAN, &is_vlan, -1);
  if (page != NULL && page->read && is_vlan && gtk_widget_get_mapped (GTK_WIDGET (self)))
    serval_admin_members_read (self, self->current);
}

/* --- the bar ---------------------------------------------------------------- */

static void
selection_changed_cb (ServalAdminMembers *self, GtkTreeSelection *selection)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  g_autofree char *vlan = NULL;
  Page *page;

  /* Paging replaces the rows, and so the selection: the bar stays on its VLAN. */
  if (!gtk_tree_selection_get_selected (selection, &model, &iter))
    return;
  gtk_tree_model_get (model, &iter, COL_VLAN, &vlan, -1);
  if (vlan == NULL || g_strcmp0 (vlan, self->current) == 0)
    return;
  g_free (self->current);
  self->current = g_steal_pointer (&vlan);
  page = page_for (self, self->current);
  g_signal_handlers_block_by_func (self->search_entry, NULL, self);
  gtk_entry_set_text (GTK_ENTRY (self->search_entry), page->search != NULL ? page->search : "");
  g_signal_handlers_unblock_by_func (self->search_entry, NULL, self);
  update_bar (self);
}

static void
search_changed_cb (ServalAdminMembers *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (self->search_entry))));
  Page *page;

  if (self->current == NULL)
    return;
  page = page_for (self, self->current);
  g_free (page->search);
  page->search = *text != '\0' ? g_steal_pointer (&text) : NULL;
  page->offset = 0;
  page->read = FALSE;
  update_bar (self);
  serval_admin_members_read (self, self->current);
}

static void
turn_cb (ServalAdminMembers *self, GtkWidget *button)
{
  Page *page = self->current != NULL ? page_for (self, self->current) : NULL;

  if (page == NULL)
    return;
  if (button == self->next_button && page->offset + PAGE < page->total)
    page->offset += PAGE;
  else if (button == self->previous_button && page->offset > 0)
    page->offset -= MIN (page->offset, PAGE);
  else
    return;
  update_bar (self);
  serval_admin_members_read (self, self->current);
}

static GtkWidget *
button_new (ServalAdminMembers *self, const char *label, const char *name)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  atk_object_set_name (gtk_widget_get_accessible (button), name);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (turn_cb), self);
  gtk_container_add (GTK_CONTAINER (self), button);
  return button;
}

static void
serval_admin_members_dispose (GObject *object)
{
  ServalAdminMembers *self = SERVAL_ADMIN_MEMBERS (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->current, g_free);
  G_OBJECT_CLASS (serval_admin_members_parent_class)->dispose (object);
}

static void
serval_admin_members_class_init (ServalAdminMembersClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_admin_members_dispose;
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
serval_admin_members_init (ServalAdminMembers *self)
{
  self->pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) page_free);
  self->cancellable = g_cancellable_new ();
  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->label, 0);
  gtk_label_set_ellipsize (self->label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->label)), "dim-label");
  gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->label));
  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->search_entry), _("Search members"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->search_entry)),
                       _("Search the members of the selected VLAN"));
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->search_entry));
  self->previous_button = button_new (self, _("_Previous"), _("Previous members"));
  self->next_button = button_new (self, _("_Next"), _("Next members"));
}

GtkWidget *
serval_admin_members_new (ServalClient *client, GtkTreeView *view)
{
  ServalAdminMembers *self = g_object_new (SERVAL_TYPE_ADMIN_MEMBERS, "spacing", 6, NULL);

  self->client = g_object_ref (client);
  self->view = view;
  g_signal_connect_object (gtk_tree_view_get_selection (view), "changed", G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update_bar (self);
  gtk_widget_show_all (GTK_WIDGET (self));
  return GTK_WIDGET (self);
}
