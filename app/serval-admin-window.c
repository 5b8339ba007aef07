/* serval-admin-window.c: VLANs, their members and the users, for administrators. */
#include "config.h"

#include "serval-admin-window.h"

#include "serval-admin-users.h"
#include "serval-admin-members.h"
#include "serval-admin-rows.h"
#include "serval-admin-vlan-config.h"

#include <glib/gi18n.h>
#include <gtk/gtk-a11y.h>

#define REFRESH_SECONDS 5

enum
{
  UCOL_NAME,
  UCOL_ADMIN,
  UCOL_VLANS,
  UCOL_BRIDGE,
  UCOL_RATE_TEXT, /* "—" or "10 MB/s" */
  UCOL_RATE,      /* bytes/s, 0: none of its own */
  N_UCOLS
};

struct _ServalAdminWindow
{
  GtkApplicationWindow parent_instance;

  ServalClient *client;
  GCancellable *cancellable;
  GSource *refresh_source;
  guint generation; /* drops answers to an older refresh */

  GtkTreeStore *vlan_store;
  GtkListStore *user_store;
  GtkTreeView *vlan_view;
  GtkTreeView *user_view;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkLabel *summary_label;
  GtkEntry *vlan_entry;
  GtkButton *delete_vlan_button;
  GtkButton *kick_button;
  GtkButton *delete_user_button;
  GtkButton *rate_button;
  GtkButton *grant_button;
  GtkButton *revoke_button;
  GtkComboBoxText *grant_combo;
  GtkStack *stack;
  GtkCellRenderer *bridge_toggle;
  GtkTreeViewColumn *bridge_column;
  ServalAdminVlanConfig *config; /* the Addresses and Rules page */
  GtkBox *members_box;
  ServalAdminMembers *members; /* pages through the VLANs' members */
};

G_DEFINE_FINAL_TYPE (ServalAdminWindow, serval_admin_window, GTK_TYPE_APPLICATION_WINDOW)

/* The Users table's Administrator cells. GTK 3 names a toggle cell nothing
 * (a text cell is named by its text), so a screen reader announced a bare
 * "checked" or nothing; this one is named after its column, and checkable.
 * The renderer exists to make GtkTreeView's accessible create it: it takes
 * the cell type from the renderer's class. */
G_DECLARE_FINAL_TYPE (ServalAdminCellAccessible, serval_admin_cell_accessible, SERVAL, ADMIN_CELL_ACCESSIBLE,
                      GtkBooleanCellAccessible)

struct _ServalAdminCellAccessible
{
  GtkBooleanCellAccessible parent_instance;
};

G_DEFINE_FINAL_TYPE (ServalAdminCellAccessible, serval_admin_cell_accessible, GTK_TYPE_BOOLEAN_CELL_ACCESSIBLE)

static const char *
admin_cell_get_name (AtkObject *accessible)
{
  const char *name = ATK_OBJECT_CLASS (serval_admin_cell_accessible_parent_class)->get_name (accessible);
  g_autoptr (GtkCellRenderer) renderer = NULL;
  const char *column = NULL;

  if (name != NULL && *name != '\0')
    return name;
  /* The renderer says which column it is in ("Bridge"); the first was Administrator. */
  g_object_get (accessible, "renderer", &renderer, NULL);
  if (renderer != NULL)
    column = g_object_get_data (G_OBJECT (renderer), "serval-column");
  return column != NULL ? column : _("Administrator");
}

/* GTK adds "checked" to a set cell, but not "checkable" to every one: without
 * it an unset cell does not say it could be set. */
static AtkStateSet *
admin_cell_ref_state_set (AtkObject *accessible)
{
  AtkStateSet *states = ATK_OBJECT_CLASS (serval_admin_cell_accessible_parent_class)->ref_state_set (accessible);

  atk_state_set_add_state (states, ATK_STATE_CHECKABLE);
  return states;
}

static void
serval_admin_cell_accessible_class_init (ServalAdminCellAccessibleClass *klass)
{
  ATK_OBJECT_CLASS (klass)->get_name = admin_cell_get_name;
  ATK_OBJECT_CLASS (klass)->ref_state_set = admin_cell_ref_state_set;
}

static void
serval_admin_cell_accessible_init (ServalAdminCellAccessible *self)
{
}

G_DECLARE_FINAL_TYPE (ServalAdminToggle, serval_admin_toggle, SERVAL, ADMIN_TOGGLE, GtkCellRendererToggle)

struct _ServalAdminToggle
{
  GtkCellRendererToggle parent_instance;
};

G_DEFINE_FINAL_TYPE (ServalAdminToggle, serval_admin_toggle, GTK_TYPE_CELL_RENDERER_TOGGLE)

static void
serval_admin_toggle_class_init (ServalAdminToggleClass *klass)
{
  gtk_cell_renderer_class_set_accessible_type (GTK_CELL_RENDERER_CLASS (klass), serval_admin_cell_accessible_get_type ());
}

static void
serval_admin_toggle_init (ServalAdminToggle *self)
{
}

static void
show_error (ServalAdminWindow *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
dismiss_error_cb (ServalAdminWindow *self)
{
  show_error (self, NULL);
}

/* --- reading ----------------------------------------------------------------- */

/* A read of the refresh numbered @generation. */
typedef struct
{
  ServalAdminWindow *self;
  guint generation;
} ReadData;

static ReadData *
read_data_new (ServalAdminWindow *self)
{
  ReadData *data = g_new0 (ReadData, 1);

  data->self = g_object_ref (self);
  data->generation = self->generation;
  return data;
}

static void
read_data_free (ReadData *data)
{
  g_object_unref (data->self);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReadData, read_data_free)

/* Whether the answer to @data's read is to be shown: not if the window
 * refreshed or lost its client since, nor (after showing @error unless the
 * read was cancelled) if the read failed. */
static gboolean
read_answer_wanted (ReadData *data, const GError *error)
{
  ServalAdminWindow *self = data->self;

  if (data->generation != self->generation || self->client == NULL)
    return FALSE;
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
  return error == NULL;
}

/* @members: the members the server counts in all VLANs */
static void
update_summary (ServalAdminWindow *self, guint members)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->vlan_store);
  guint vlans = gtk_tree_model_iter_n_children (model, NULL);
  g_autofree char *vlans_text = NULL;
  g_autofree char *members_text = NULL;
  g_autofree char *text = NULL;

  vlans_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u VLAN", "%u VLANs", vlans), vlans);
  members_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u member connected",
                                               "%u members connected", members),
                                  members);
  /* TRANSLATORS: "3 VLANs, 5 members connected" */
  text = g_strdup_printf (_("%s, %s"), vlans_text, members_text);
  gtk_label_set_text (self->summary_label, text);
}

static void
vlans_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ReadData) data = user_data;
  ServalAdminWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = serval_client_list_vlans_finish (SERVAL_CLIENT (source), result, &error);
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *grant_vlan = NULL;
  int grant_active = 0;
  GtkTreeIter iter;
  guint members;

  if (infos != NULL)
    g_ptr_array_set_free_func (infos, (GDestroyNotify) serval_vlan_info_free);
  if (!read_answer_wanted (data, error))
    return;
  for (guint i = 0; i < infos->len; i++)
    g_hash_table_add (keys, ((ServalVlanInfo *) infos->pdata[i])->name);
  /* In place, so that a VLAN still listed keeps its member rows and the
   * selection the administrator is acting on. */
  serval_admin_rows_keep (GTK_TREE_MODEL (self->vlan_store), NULL, COL_VLAN, keys);
  members = 0;
  grant_vlan = gtk_combo_box_text_get_active_text (self->grant_combo);
  gtk_combo_box_text_remove_all (self->grant_combo);
  for (guint i = 0; i < infos->len; i++)
    {
      ServalVlanInfo *info = infos->pdata[i];
      g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u member", "%u members",
                                                             info->members),
                                                info->members);
      /* A VLAN's row shows the subnet and prefix its members get addresses from. */
      gboolean v4 = info->subnet != NULL && *info->subnet != '\0';
      gboolean v6 = info->prefix6 != NULL && *info->prefix6 != '\0';
      g_autofree char *addresses = v4 && v6 ? g_strdup_printf ("%s, %s", info->subnet, info->prefix6) : g_strdup (v4 ? info->subnet : v6 ? info->prefix6 :
                                                                                                                                           "");

      serval_admin_row_at (GTK_TREE_MODEL (self->vlan_store), NULL, i, COL_VLAN, info->name, &iter);
      gtk_tree_store_set (self->vlan_store, &iter,
                          COL_NAME, info->name, COL_HOST, count, COL_ADDRESSES, addresses, COL_VLAN, info->name,
                          COL_IS_VLAN, TRUE, COL_WEIGHT, PANGO_WEIGHT_BOLD, -1);
      gtk_combo_box_text_append_text (self->grant_combo, info->name);
      if (g_strcmp0 (info->name, grant_vlan) == 0)
        grant_active = (int) i;
      members += info->members;
      serval_admin_members_read (self->members, info->name);
    }
  serval_admin_rows_trim (GTK_TREE_MODEL (self->vlan_store), NULL, infos->len);
  /* The VLAN chosen to grant stays chosen. */
  if (infos->len > 0)
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->grant_combo), grant_active);
  serval_admin_vlan_config_set_vlans (self->config, infos);
  update_summary (self, members);
}

static void
users_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ReadData) data = user_data;
  ServalAdminWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = serval_client_list_users_finish (SERVAL_CLIENT (source), result, &error);
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  GtkTreeModel *model = GTK_TREE_MODEL (self->user_store);
  GtkTreeIter iter;

  if (users != NULL)
    g_ptr_array_set_free_func (users, (GDestroyNotify) serval_user_info_free);
  if (!read_answer_wanted (data, error))
    return;
  for (guint i = 0; i < users->len; i++)
    g_hash_table_add (keys, ((ServalUserInfo *) users->pdata[i])->name);
  /* In place, as the VLANs: the user selected stays selected, and a cell
   * being acted on stays where it was. */
  serval_admin_rows_keep (model, NULL, UCOL_NAME, keys);
  for (guint i = 0; i < users->len; i++)
    {
      ServalUserInfo *u = users->pdata[i];
      g_autofree char *vlans = u->vlans != NULL ? g_strjoinv (", ", u->vlans) : g_strdup ("");
      g_autofree char *rate = serval_admin_rate_to_text (u->rate_limit);

      serval_admin_row_at (model, NULL, i, UCOL_NAME, u->name, &iter);
      gtk_list_store_set (self->user_store, &iter, UCOL_NAME, u->name, UCOL_ADMIN, u->admin, UCOL_VLANS, vlans,
                          UCOL_BRIDGE, u->bridge, UCOL_RATE_TEXT, rate, UCOL_RATE, u->rate_limit, -1);
    }
  serval_admin_rows_trim (model, NULL, users->len);
}

/* Reads VLANs, members and users from the server again. */
static void
refresh (ServalAdminWindow *self)
{
  if (self->client == NULL || serval_client_get_state (self->client) != SERVAL_CLIENT_STATE_ONLINE)
    return;
  self->generation++;
  serval_client_list_vlans_async (self->client, self->cancellable, vlans_listed_cb, read_data_new (self));
  serval_client_list_users_async (self->client, self->cancellable, users_listed_cb, read_data_new (self));
}

static void
refresh_clicked_cb (ServalAdminWindow *self)
{
  refresh (self);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  ServalAdminWindow *self = user_data;

  /* Not while the administrator is choosing something to act on: then
   * only the selected VLAN's page of members is read again. */
  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return G_SOURCE_CONTINUE;
  if (gtk_tree_selection_count_selected_rows (gtk_tree_view_get_selection (self->vlan_view)) == 0)
    refresh (self);
  else
    serval_admin_members_reread (self->members);
  return G_SOURCE_CONTINUE;
}

/* --- changing ---------------------------------------------------------------- */

/* Every change answers with success or an error, through its own _finish. */
typedef gboolean (*RequestFinish) (ServalClient *client, GAsyncResult *result, GError **error);

typedef struct
{
  ServalAdminWindow *self;
  RequestFinish finish;
} RequestData;

static RequestData *
request_data_new (ServalAdminWindow *self, RequestFinish finish)
{
  RequestData *data = g_new (RequestData, 1);

  data->self = g_object_ref (self);
  data->finish = finish;
  return data;
}

static void
request_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree RequestData *data = user_data;
  ServalAdminWindow *self = data->self;
  g_autoptr(GError) error = NULL;

  if (!data->finish (SERVAL_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
    }
  else
    show_error (self, NULL);
  if (self->client != NULL)
    refresh (self);
  g_object_unref (self);
}

static gboolean
selected_row (ServalAdminWindow *self, char **name, char **vlan, gboolean *is_vlan)
{
  GtkTreeIter iter;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->vlan_view), NULL, &iter))
    return FALSE;
  gtk_tree_model_get (GTK_TREE_MODEL (self->vlan_store), &iter, COL_NAME, name, COL_VLAN, vlan,
                      COL_IS_VLAN, is_vlan, -1);
  return TRUE;
}

/* The selected row's name and VLAN, FALSE unless it is a VLAN's row
 * (@vlan_row) or a member's (!@vlan_row). */
static gboolean
selected_row_of_kind (ServalAdminWindow *self, gboolean vlan_row, char **name, char **vlan)
{
  gboolean is_vlan = FALSE;

  return selected_row (self, name, vlan, &is_vlan) && is_vlan == vlan_row;
}

static char *
selected_user (ServalAdminWindow *self)
{
  GtkTreeIter iter;
  char *name = NULL;

  if (gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->user_view), NULL, &iter))
    gtk_tree_model_get (GTK_TREE_MODEL (self->user_store), &iter, UCOL_NAME, &name, -1);
  return name;
}

static void
selection_changed_cb (ServalAdminWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *vlan = NULL;
  g_autofree char *user = selected_user (self);
  gboolean is_vlan = FALSE;
  gboolean any = selected_row (self, &name, &vlan, &is_vlan);

  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_vlan_button), any && is_vlan);
  gtk_widget_set_sensitive (GTK_WIDGET (self->kick_button), any && !is_vlan);
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_user_button), user != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->rate_button), user != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->grant_button), user != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->revoke_button), user != NULL);
}

static void
add_vlan_cb (ServalAdminWindow *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->vlan_entry)));

  if (*name == '\0')
    {
      show_error (self, _("Type the name of the new VLAN first."));
      gtk_widget_grab_focus (GTK_WIDGET (self->vlan_entry));
      return;
    }
  if (self->client != NULL)
    serval_client_vlan_add_async (self->client, name, self->cancellable, request_done_cb,
                                  request_data_new (self, serval_client_vlan_add_finish));
  gtk_entry_set_text (self->vlan_entry, "");
}

gboolean
serval_admin_confirm (GtkWindow *parent, const char *question, const char *detail, const char *action)
{
  GtkWidget *dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", question);
  GtkWidget *button;
  int response;

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  /* Announced by what it asks, not as "Question". */
  gtk_window_set_title (GTK_WINDOW (dialog), question);
  atk_object_set_name (gtk_widget_get_accessible (dialog), question);
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), action, GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (button), "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  response = gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return response == GTK_RESPONSE_ACCEPT;
}

static void
delete_vlan_cb (ServalAdminWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *vlan = NULL;
  g_autofree char *question = NULL;

  if (!selected_row_of_kind (self, TRUE, &name, &vlan))
    return;
  question = g_strdup_printf (_("Delete VLAN “%s”?"), vlan);
  if (serval_admin_confirm (GTK_WINDOW (self), question, _("Its members are disconnected from it at once, and everyone loses the "
                                 "right to join it."),
                                                            _("_Delete")) && self->client != NULL)
    serval_client_vlan_delete_async (self->client, vlan, self->cancellable, request_done_cb,
                                     request_data_new (self, serval_client_vlan_delete_finish));
}

static void
kick_cb (ServalAdminWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *vlan = NULL;
  g_autofree char *question = NULL;

  if (!selected_row_of_kind (self, FALSE, &name, &vlan) || self->client == NULL)
    return;
  question = g_strdup_printf (_("Kick %s from VLAN “%s”?"), name, vlan);
  if (!serval_admin_confirm (GTK_WINDOW (self), question, _("Their connection to the VLAN ends at once; they may join it again."), _("_Kick")) || self->client == NULL)
    return;
  serval_client_kick_async (self->client, name, vlan, self->cancellable, request_done_cb,
                            request_data_new (self, serval_client_kick_finish));
}

static void
add_user_cb (ServalAdminWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *password = NULL;
  gboolean admin = FALSE;

  if (!serval_admin_user_dialog_run (GTK_WINDOW (self), &name, &password, &admin))
    return;
  if (*name == '\0' || strlen (password) < 8)
    show_error (self, *name == '\0' ? _("A new user needs a name.") : _("A password needs at least 8 characters."));
  else if (self->client != NULL)
    serval_client_user_add_async (self->client, name, password, admin, self->cancellable, request_done_cb,
                                  request_data_new (self, serval_client_user_add_finish));
  explicit_bzero (password, strlen (password));
}

static void
rate_response_cb (GtkDialog *dialog, int response, ServalAdminWindow *self)
{
  const char *user = g_object_get_data (G_OBJECT (dialog), "serval-user");
  g_autoptr(GError) error = NULL;
  guint64 rate = 0;

  if (response == GTK_RESPONSE_ACCEPT && !serval_admin_rate_dialog_get (GTK_WIDGET (dialog), &rate, &error))
    show_error (self, error->message);
  else if (response == GTK_RESPONSE_ACCEPT && self->client != NULL)
    serval_client_user_set_rate_limit_async (self->client, user, rate, self->cancellable, request_done_cb,
                                             request_data_new (self, serval_client_user_set_rate_limit_finish));
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

/* Set Rate Limit…: the selected user's own rate limit, in a dialog that
 * does not block (no nested main loop). */
static void
rate_limit_cb (ServalAdminWindow *self)
{
  g_autofree char *user = NULL;
  guint64 current = 0;
  GtkWidget *dialog;
  GtkTreeIter iter;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->user_view), NULL, &iter))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->user_store), &iter, UCOL_NAME, &user, UCOL_RATE, &current, -1);
  dialog = serval_admin_rate_dialog_new (GTK_WINDOW (self), user, current);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rate_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_user_cb (ServalAdminWindow *self)
{
  g_autofree char *user = selected_user (self);
  g_autofree char *question = NULL;

  if (user == NULL)
    return;
  question = g_strdup_printf (_("Delete user “%s”?"), user);
  if (serval_admin_confirm (GTK_WINDOW (self), question, _("Their sessions end at once and they can no longer log in."), _("_Delete")) && self->client != NULL)
    serval_client_user_delete_async (self->client, user, self->cancellable, request_done_cb,
                                     request_data_new (self, serval_client_user_delete_finish));
}

static void
grant_cb (ServalAdminWindow *self, GtkButton *button)
{
  g_autofree char *user = selected_user (self);
  g_autofree char *vlan = gtk_combo_box_text_get_active_text (self->grant_combo);

  if (user == NULL || vlan == NULL)
    {
      show_error (self, _("Choose a user and a VLAN first."));
      return;
    }
  if (self->client == NULL)
    return;
  if (button == self->revoke_button)
    {
      g_autofree char *question = g_strdup_printf (_("Revoke the right of %s to join VLAN “%s”?"), user, vlan);

      if (!serval_admin_confirm (GTK_WINDOW (self), question, _("If they are in the VLAN, they leave it at once."), _("_Revoke")) || self->client == NULL)
        return;
    }
  if (button == self->grant_button)
    serval_client_grant_async (self->client, user, vlan, self->cancellable, request_done_cb,
                               request_data_new (self, serval_client_grant_finish));
  else
    serval_client_revoke_async (self->client, user, vlan, self->cancellable, request_done_cb,
                                request_data_new (self, serval_client_revoke_finish));
}

/* The Users table's Bridge cell: gives or takes the right to carry a bridged LAN's MACs. */
static void
bridge_toggled_cb (ServalAdminWindow *self, const char *path)
{
  GtkTreeIter iter;
  g_autofree char *user = NULL;
  gboolean bridge = FALSE;

  if (self->client == NULL || !gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->user_store), &iter, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->user_store), &iter, UCOL_NAME, &user, UCOL_BRIDGE, &bridge, -1);
  serval_client_user_set_bridge_async (self->client, user, !bridge, self->cancellable, request_done_cb,
                                       request_data_new (self, serval_client_user_set_bridge_finish));
}

/* A row activated on its Bridge cell: what a screen reader's "toggle" on the
 * cell does (GTK 3's cell accessibles activate the row, not the renderer).
 * A double click toggles the cell too: each request sets the opposite of
 * what the table showed, so they agree. */
static void
user_activated_cb (ServalAdminWindow *self, GtkTreePath *path, GtkTreeViewColumn *column)
{
  g_autofree char *text = gtk_tree_path_to_string (path);

  if (column == self->bridge_column)
    bridge_toggled_cb (self, text);
}

/* --- life ---------------------------------------------------------------------- */

static void
client_state_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  ServalAdminWindow *self = user_data;

  if (serval_client_get_state (client) == SERVAL_CLIENT_STATE_ONLINE)
    refresh (self);
}

static void
serval_admin_window_dispose (GObject *object)
{
  ServalAdminWindow *self = SERVAL_ADMIN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->refresh_source != NULL)
    g_source_destroy (self->refresh_source);
  g_clear_pointer (&self->refresh_source, g_source_unref);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (serval_admin_window_parent_class)->dispose (object);
}

static void
serval_admin_window_class_init (ServalAdminWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (serval_admin_toggle_get_type ()); /* the .ui names it */
  G_OBJECT_CLASS (klass)->dispose = serval_admin_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/serval/Serval/ui/serval-admin-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, vlan_store);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, user_store);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, vlan_view);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, user_view);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, vlan_entry);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, delete_vlan_button);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, kick_button);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, delete_user_button);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, rate_button);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, grant_button);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, revoke_button);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, grant_combo);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, bridge_toggle);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, bridge_column);
  gtk_widget_class_bind_template_child (widget_class, ServalAdminWindow, members_box);
  gtk_widget_class_bind_template_callback (widget_class, bridge_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, user_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_error_cb);
  gtk_widget_class_bind_template_callback (widget_class, refresh_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_vlan_cb);
  gtk_widget_class_bind_template_callback (widget_class, delete_vlan_cb);
  gtk_widget_class_bind_template_callback (widget_class, kick_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_user_cb);
  gtk_widget_class_bind_template_callback (widget_class, delete_user_cb);
  gtk_widget_class_bind_template_callback (widget_class, rate_limit_cb);
  gtk_widget_class_bind_template_callback (widget_class, grant_cb);
}

static void
serval_admin_window_init (ServalAdminWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* In code: GtkTreeView and GtkComboBox builders know no "accessible" internal child. */
  g_signal_connect_swapped (gtk_tree_view_get_selection (self->vlan_view), "changed",
                            G_CALLBACK (selection_changed_cb), self);
  g_signal_connect_swapped (gtk_tree_view_get_selection (self->user_view), "changed",
                            G_CALLBACK (selection_changed_cb), self);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->vlan_view)), _("VLANs and members"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->user_view)), _("Users"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->grant_combo)),
                       _("VLAN to grant or revoke"));
  g_object_set_data (G_OBJECT (self->bridge_toggle), "serval-column", (gpointer) _("Bridge"));
  self->cancellable = g_cancellable_new ();
}

ServalAdminWindow *
serval_admin_window_new (GtkApplication *app, ServalClient *client)
{
  ServalAdminWindow *self = g_object_new (SERVAL_TYPE_ADMIN_WINDOW, "application", app, NULL);
  g_autofree char *subtitle = g_strdup_printf (_("%s as %s"), serval_client_get_server (client),
                                                  serval_client_get_user (client));
  GtkWidget *header = gtk_window_get_titlebar (GTK_WINDOW (self));

  self->client = g_object_ref (client);
  self->config = SERVAL_ADMIN_VLAN_CONFIG (serval_admin_vlan_config_new (client));
  gtk_stack_add_titled (self->stack, GTK_WIDGET (self->config), "config", _("Addresses and Rules"));
  g_signal_connect_swapped (self->config, "changed", G_CALLBACK (refresh), self);
  self->members = SERVAL_ADMIN_MEMBERS (serval_admin_members_new (client, self->vlan_view));
  gtk_container_add (GTK_CONTAINER (self->members_box), GTK_WIDGET (self->members));
  g_signal_connect_swapped (self->members, "error", G_CALLBACK (show_error), self);
  if (GTK_IS_HEADER_BAR (header))
    gtk_header_bar_set_subtitle (GTK_HEADER_BAR (header), subtitle);
  g_signal_connect (client, "notify::state", G_CALLBACK (client_state_cb), self);
  self->refresh_source = g_timeout_source_new_seconds (REFRESH_SECONDS);
  g_source_set_callback (self->refresh_source, refresh_timeout_cb, self, NULL);
  g_source_attach (self->refresh_source, NULL);
  selection_changed_cb (self);
  refresh (self);
  return self;
}
