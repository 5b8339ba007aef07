/* serval-admin-vlan-config.c: the admin window's "Addresses and Rules" page. */
#include "config.h"

#include "serval-admin-vlan-config.h"

#include <glib/gi18n.h>

#include "serval-admin-rows.h"
#include "serval-admin-window.h"
#include "serval-cidr.h"
#include "serval-rule.h"

#include <sys/socket.h>

/* The rules' words are servalctl's, the same in every language. */
#define RULE_EXAMPLE "deny proto tcp from carol port 22"

enum
{
  VCOL_NAME,
  VCOL_SUBNET,
  VCOL_PREFIX6,
  N_VCOLS
};

enum
{
  RCOL_NUMBER, /* "1", from the top */
  RCOL_TEXT,
  RCOL_INDEX,
  N_RCOLS
};

struct _ServalAdminVlanConfig
{
  GtkBox parent_instance;

  ServalClient *client;
  GCancellable *cancellable;
  char *vlan;        /* the VLAN chosen, or NULL */
  guint generation;  /* drops rule lists of a VLAN chosen before */
  gboolean updating; /* the table is being refilled: not a choice */

  GtkListStore *vlan_store;
  GtkTreeView *vlan_view;
  GtkWidget *details; /* insensitive while no VLAN is chosen */
  GtkEntry *subnet_entry;
  GtkEntry *prefix6_entry;
  GtkLabel *error_label;
  GtkLabel *rules_heading;
  GtkListStore *rule_store;
  GtkTreeView *rule_view;
  GtkEntry *rule_entry;
  GtkWidget *delete_rule_button;
};

G_DEFINE_FINAL_TYPE (ServalAdminVlanConfig, serval_admin_vlan_config, GTK_TYPE_BOX)

static guint changed_signal;

static void
show_error (ServalAdminVlanConfig *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* --- the rules ---------------------------------------------------------------- */

typedef struct
{
  ServalAdminVlanConfig *self;
  guint generation;
} ListData;

static void
rules_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree ListData *data = user_data;
  ServalAdminVlanConfig *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rules = serval_client_rule_list_finish (SERVAL_CLIENT (source), result, &error);

  if (rules != NULL)
    g_ptr_array_set_free_func (rules, (GDestroyNotify) serval_rule_free);
  if (data->generation == self->generation && rules == NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot read the rules of VLAN “%s”: %s"), self->vlan, error->message);

      show_error (self, msg);
    }
  else if (data->generation == self->generation && rules != NULL)
    {
      GtkTreeModel *model = GTK_TREE_MODEL (self->rule_store);

      /* Row i shows rule i + 1 of the list: a rule added leaves the rows
       * above it, and their selection, as they were. */
      for (guint i = 0; i < rules->len; i++)
        {
          g_autofree char *number = g_strdup_printf ("%u", i + 1);
          g_autofree char *text = serval_rule_to_string (rules->pdata[i]);
          GtkTreeIter iter;

          if (!gtk_tree_model_iter_nth_child (model, &iter, NULL, (int) i))
            gtk_list_store_append (self->rule_store, &iter);
          gtk_list_store_set (self->rule_store, &iter, RCOL_NUMBER, number, RCOL_TEXT, text, RCOL_INDEX, i + 1, -1);
        }
      serval_admin_rows_trim (model, NULL, rules->len);
    }
  g_object_unref (self);
}

/* Asks for the rules of the VLAN chosen; the rows shown stay until they
 * come unless @vlan_changed (they were another VLAN's). */
static void
list_rules (ServalAdminVlanConfig *self, gboolean vlan_changed)
{
  ListData *data;

  self->generation++;
  if (vlan_changed)
    gtk_list_store_clear (self->rule_store);
  if (self->vlan == NULL || self->client == NULL)
    return;
  data = g_new0 (ListData, 1);
  data->self = g_object_ref (self);
  data->generation = self->generation;
  serval_client_rule_list_async (self->client, self->vlan, self->cancellable, rules_listed_cb, data);
}

/* --- changes ------------------------------------------------------------------ */

typedef gboolean (*RequestFinish) (ServalClient *client, GAsyncResult *result, GError **error);

typedef struct
{
  ServalAdminVlanConfig *self;
  RequestFinish finish;
  char *what; /* the error's first part, "Cannot add the rule to VLAN “blue”" */
} RequestData;

static RequestData *
request_data_new (ServalAdminVlanConfig *self, RequestFinish finish, char *what)
{
  RequestData *data = g_new0 (RequestData, 1);

  data->self = g_object_ref (self);
  data->finish = finish;
  data->what = what;
  return data;
}

static void
request_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  RequestData *data = user_data;
  ServalAdminVlanConfig *self = data->self;

  if (!data->finish (SERVAL_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* TRANSLATORS: "Cannot add the rule to VLAN “blue”: <the server's reason>" */
          g_autofree char *msg = g_strdup_printf (_("%s: %s"), data->what, error->message);

          show_error (self, msg);
        }
    }
  else
    {
      show_error (self, NULL);
      g_signal_emit (self, changed_signal, 0);
    }
  if (!g_cancellable_is_cancelled (self->cancellable))
    list_rules (self, FALSE);
  g_object_unref (self);
  g_free (data->what);
  g_free (data);
}

/* Whether @text is empty or a subnet (AF_INET) or IPv6 prefix (AF_INET6) the
 * server takes; if not, says why under the fields and selects the text. */
static gboolean
network_valid (ServalAdminVlanConfig *self, const char *text, int family)
{
  gboolean v4 = family == AF_INET;
  guint min = v4 ? SERVAL_SUBNET_MIN_LEN : SERVAL_PREFIX6_MIN_LEN;
  guint max = v4 ? SERVAL_SUBNET_MAX_LEN : SERVAL_PREFIX6_MAX_LEN;
  GtkEntry *entry = v4 ? self->subnet_entry : self->prefix6_entry;
  g_autofree char *msg = NULL;
  ServalCidr c;

  if (*text == '\0' || (serval_cidr_parse_network (text, family, &c) && c.prefix >= min && c.prefix <= max))
    return TRUE;
  msg = v4 ? g_strdup_printf (_("“%s” is not an IPv4 subnet: give an address and a length from %u to %u, like %s"),
                                 text, min, max, "10.77.0.0/24") :
             g_strdup_printf (_("“%s” is not an IPv6 prefix: give an address and a length from %u to %u, like %s"),
                                 text, min, max, "fd00:77::/64");
  show_error (self, msg);
  gtk_widget_grab_focus (GTK_WIDGET (entry));
  return FALSE;
}

static void
apply_cb (ServalAdminVlanConfig *self)
{
  g_autofree char *subnet = g_strstrip (g_strdup (gtk_entry_get_text (self->subnet_entry)));
  g_autofree char *prefix6 = g_strstrip (g_strdup (gtk_entry_get_text (self->prefix6_entry)));

  if (self->vlan == NULL || self->client == NULL)
    return;
  /* Said here, in the user's language, rather than in the server's English. */
  if (!network_valid (self, subnet, AF_INET) || !network_valid (self, prefix6, AF_INET6))
    return;
  /* An empty field takes the subnet or prefix away (""). */
  serval_client_vlan_set_async (self->client, self->vlan, subnet, prefix6, self->cancellable, request_done_cb,
                                request_data_new (self, serval_client_vlan_set_finish,
                                                  g_strdup_printf (_("Cannot change the addresses of VLAN “%s”"),
                                                                      self->vlan)));
}

static void
add_rule_cb (ServalAdminVlanConfig *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_entry_get_text (self->rule_entry)));
  g_autoptr (GError) error = NULL;
  g_autoptr (ServalRule) rule = NULL;

  if (self->vlan == NULL || self->client == NULL)
    return;
  if (*text == '\0')
    {
      g_autofree char *msg = g_strdup_printf (_("Type the rule first, for example “%s”."), RULE_EXAMPLE);

      show_error (self, msg);
      gtk_widget_grab_focus (GTK_WIDGET (self->rule_entry));
      return;
    }
  rule = serval_rule_parse_string (text, &error);
  if (rule == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot read the rule: %s"), error->message);

      show_error (self, msg);
      gtk_widget_grab_focus (GTK_WIDGET (self->rule_entry));
      return;
    }
  serval_client_rule_add_async (self->client, self->vlan, rule, self->cancellable, request_done_cb,
                                request_data_new (self, serval_client_rule_add_finish,
                                                  g_strdup_printf (_("Cannot add the rule to VLAN “%s”"),
                                                                      self->vlan)));
  gtk_entry_set_text (self->rule_entry, "");
}

static void
delete_rule_cb (ServalAdminVlanConfig *self)
{
  GtkTreeIter iter;
  g_autofree char *text = NULL;
  g_autofree char *question = NULL;
  guint index = 0;
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));

  if (self->vlan == NULL || self->client == NULL ||
      !gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->rule_view), NULL, &iter))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->rule_store), &iter, RCOL_TEXT, &text, RCOL_INDEX, &index, -1);
  question = g_strdup_printf (_("Delete rule %u of VLAN “%s”?"), index, self->vlan);
  if (!serval_admin_confirm (GTK_WINDOW (toplevel), question,
                             _("The rules after it move up by one, and frames it matched are matched by them "
                               "from now on."),
                                _("_Delete")) ||
                                self->client == NULL || self->vlan == NULL)
    return;
  serval_client_rule_del_async (self->client, self->vlan, index, self->cancellable, request_done_cb,
                                request_data_new (self, serval_client_rule_del_finish,
                                                  g_strdup_printf (_("Cannot delete rule %u of VLAN “%s”"), index,
                                                                      self->vlan)));
}

/* --- choosing a VLAN ---------------------------------------------------------- */

static void
vlan_chosen_cb (ServalAdminVlanConfig *self)
{
  GtkTreeIter iter;
  g_autofree char *name = NULL;
  g_autofree char *subnet = NULL;
  g_autofree char *prefix6 = NULL;
  g_autofree char *heading = NULL;

  if (self->updating)
    return;
  if (gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->vlan_view), NULL, &iter))
    gtk_tree_model_get (GTK_TREE_MODEL (self->vlan_store), &iter, VCOL_NAME, &name, VCOL_SUBNET, &subnet,
                        VCOL_PREFIX6, &prefix6, -1);
  if (g_strcmp0 (name, self->vlan) == 0)
    return;
  g_free (self->vlan);
  self->vlan = g_steal_pointer (&name);
  gtk_entry_set_text (self->subnet_entry, subnet != NULL ? subnet : "");
  gtk_entry_set_text (self->prefix6_entry, prefix6 != NULL ? prefix6 : "");
  gtk_entry_set_text (self->rule_entry, "");
  heading = self->vlan != NULL ? g_strdup_printf (_("Rules of VLAN “%s”"), self->vlan) : g_strdup (_("Choose a VLAN to see its addresses and rules."));
  gtk_label_set_text (self->rules_heading, heading);
  gtk_widget_set_sensitive (self->details, self->vlan != NULL);
  show_error (self, NULL);
  list_rules (self, TRUE);
}

static void
rule_chosen_cb (ServalAdminVlanConfig *self)
{
  gtk_widget_set_sensitive (self->delete_rule_button,
                            gtk_tree_selection_count_selected_rows (gtk_tree_view_get_selection (self->rule_view)) > 0);
}

void
serval_admin_vlan_config_set_vlans (ServalAdminVlanConfig *self, GPtrArray *infos)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->vlan_store);
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  GtkTreeIter iter;

  for (guint i = 0; i < infos->len; i++)
    g_hash_table_add (names, ((ServalVlanInfo *) infos->pdata[i])->name);
  /* In place, by name, as the other tables: the VLAN chosen stays selected,
   * and its row shows its subnet and prefix as they are now. */
  self->updating = TRUE;
  serval_admin_rows_keep (model, NULL, VCOL_NAME, names);
  for (guint i = 0; i < infos->len; i++)
    {
      ServalVlanInfo *info = infos->pdata[i];

      serval_admin_row_at (model, NULL, i, VCOL_NAME, info->name, &iter);
      gtk_list_store_set (self->vlan_store, &iter, VCOL_NAME, info->name, VCOL_SUBNET, info->subnet, VCOL_PREFIX6,
                          info->prefix6, -1);
    }
  serval_admin_rows_trim (model, NULL, infos->len);
  self->updating = FALSE;
  vlan_chosen_cb (self); /* nothing, unless the VLAN chosen is gone */
}

/* --- building ------------------------------------------------------------------ */

static GtkTreeView *
add_table (GtkBox *box, GtkListStore *store, const char *accessible_name, const char *const *titles)
{
  GtkWidget *scrolled = gtk_scrolled_window_new (NULL, NULL);
  GtkWidget *view = gtk_tree_view_new_with_model (GTK_TREE_MODEL (store));

  for (guint i = 0; titles[i] != NULL; i++)
    {
      GtkTreeViewColumn *column = gtk_tree_view_column_new_with_attributes (titles[i], gtk_cell_renderer_text_new (),
                                                                            "text", i, NULL);

      gtk_tree_view_column_set_resizable (column, TRUE);
      gtk_tree_view_column_set_expand (column, titles[i + 1] == NULL);
      gtk_tree_view_append_column (GTK_TREE_VIEW (view), column);
    }
  atk_object_set_name (gtk_widget_get_accessible (view), accessible_name);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_container_add (GTK_CONTAINER (scrolled), view);
  gtk_box_pack_start (box, scrolled, TRUE, TRUE, 0);
  return GTK_TREE_VIEW (view);
}

/* A labelled entry in @grid's row @row; the label's mnemonic focuses it. */
static GtkEntry *
add_field (GtkGrid *grid, int row, const char *mnemonic, const char *name, const char *placeholder)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);
  GtkWidget *entry = gtk_entry_new ();

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_widget_set_hexpand (entry, TRUE);
  atk_object_set_name (gtk_widget_get_accessible (entry), name);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, entry, 1, row, 1, 1);
  return GTK_ENTRY (entry);
}

static GtkWidget *
add_button (GtkBox *box, const char *mnemonic, GCallback callback, ServalAdminVlanConfig *self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (mnemonic);

  g_signal_connect_swapped (button, "clicked", callback, self);
  gtk_box_pack_start (box, button, FALSE, FALSE, 0);
  return button;
}

static void
build_addresses (ServalAdminVlanConfig *self, GtkBox *details)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *hint = gtk_label_new (_("Members get an address from the subnet when they join, and the IPv6 "
                                     "prefix is announced to them. Empty, the VLAN hands out none."));

  g_object_set (grid, "row-spacing", 6, "column-spacing", 12, NULL);
  self->subnet_entry = add_field (GTK_GRID (grid), 0, _("_Subnet"), _("Subnet"), "10.77.0.0/24");
  self->prefix6_entry = add_field (GTK_GRID (grid), 1, _("IPv6 _prefix"), _("IPv6 prefix"), "fd00:77::/64");
  g_signal_connect_swapped (self->subnet_entry, "activate", G_CALLBACK (apply_cb), self);
  g_signal_connect_swapped (self->prefix6_entry, "activate", G_CALLBACK (apply_cb), self);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_label_set_line_wrap (GTK_LABEL (hint), TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (hint), "dim-label");
  gtk_grid_attach (GTK_GRID (grid), hint, 1, 2, 1, 1);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  add_button (GTK_BOX (buttons), _("_Apply"), G_CALLBACK (apply_cb), self);
  gtk_grid_attach (GTK_GRID (grid), buttons, 1, 3, 1, 1);
  gtk_box_pack_start (details, grid, FALSE, FALSE, 0);

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->error_label, 0);
  gtk_label_set_line_wrap (self->error_label, TRUE);
  gtk_label_set_selectable (self->error_label, TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->error_label)), "error");
  gtk_widget_set_no_show_all (GTK_WIDGET (self->error_label), TRUE);
  gtk_box_pack_start (details, GTK_WIDGET (self->error_label), FALSE, FALSE, 0);
}

static void
build_rules (ServalAdminVlanConfig *self, GtkBox *details)
{
  const char *titles[] = { _("No."), _("Rule"), NULL };
  GtkWidget *hint = gtk_label_new (_("The first rule that matches a frame decides; frames no rule matches are "
                                     "allowed."));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *entry = gtk_entry_new ();

  self->rules_heading = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->rules_heading, 0);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->rules_heading)), "heading");
  gtk_box_pack_start (details, GTK_WIDGET (self->rules_heading), FALSE, FALSE, 6);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_label_set_line_wrap (GTK_LABEL (hint), TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (hint), "dim-label");
  gtk_box_pack_start (details, hint, FALSE, FALSE, 0);
  self->rule_view = add_table (details, self->rule_store, _("Rules"), titles);
  g_signal_connect_swapped (gtk_tree_view_get_selection (self->rule_view), "changed", G_CALLBACK (rule_chosen_cb),
                            self);

  self->rule_entry = GTK_ENTRY (entry);
  gtk_entry_set_placeholder_text (self->rule_entry, RULE_EXAMPLE);
  atk_object_set_name (gtk_widget_get_accessible (entry), _("New rule"));
  gtk_widget_set_hexpand (entry, TRUE);
  g_signal_connect_swapped (entry, "activate", G_CALLBACK (add_rule_cb), self);
  gtk_box_pack_start (GTK_BOX (buttons), entry, TRUE, TRUE, 0);
  add_button (GTK_BOX (buttons), _("Add _Rule"), G_CALLBACK (add_rule_cb), self);
  self->delete_rule_button = add_button (GTK_BOX (buttons), _("Dele_te Rule"), G_CALLBACK (delete_rule_cb), self);
  gtk_widget_set_sensitive (self->delete_rule_button, FALSE);
  gtk_box_pack_start (details, buttons, FALSE, FALSE, 0);
}

static void
serval_admin_vlan_config_dispose (GObject *object)
{
  ServalAdminVlanConfig *self = SERVAL_ADMIN_VLAN_CONFIG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->vlan_store);
  g_clear_object (&self->rule_store);
  g_clear_pointer (&self->vlan, g_free);
  G_OBJECT_CLASS (serval_admin_vlan_config_parent_class)->dispose (object);
}

static void
serval_admin_vlan_config_class_init (ServalAdminVlanConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_admin_vlan_config_dispose;
  changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 0);
}

static void
serval_admin_vlan_config_init (ServalAdminVlanConfig *self)
{
  const char *titles[] = { _("VLAN"), _("Subnet"), _("IPv6 prefix"), NULL };
  GtkWidget *left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *details = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  self->cancellable = g_cancellable_new ();
  self->vlan_store = gtk_list_store_new (N_VCOLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  self->rule_store = gtk_list_store_new (N_RCOLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (self), 18);
  gtk_container_set_border_width (GTK_CONTAINER (self), 12);

  gtk_widget_set_size_request (left, 320, -1);
  self->vlan_view = add_table (GTK_BOX (left), self->vlan_store, _("VLAN addresses"), titles);
  g_signal_connect_swapped (gtk_tree_view_get_selection (self->vlan_view), "changed", G_CALLBACK (vlan_chosen_cb),
                            self);
  gtk_box_pack_start (GTK_BOX (self), left, FALSE, TRUE, 0);

  self->details = details;
  gtk_widget_set_hexpand (details, TRUE);
  build_addresses (self, GTK_BOX (details));
  build_rules (self, GTK_BOX (details));
  gtk_box_pack_start (GTK_BOX (self), details, TRUE, TRUE, 0);
  gtk_widget_show_all (GTK_WIDGET (self));
  gtk_label_set_text (self->rules_heading, _("Choose a VLAN to see its addresses and rules."));
  gtk_widget_set_sensitive (details, FALSE);
}

GtkWidget *
serval_admin_vlan_config_new (ServalClient *client)
{
  ServalAdminVlanConfig *self = g_object_new (SERVAL_TYPE_ADMIN_VLAN_CONFIG, NULL);

  self->client = g_object_ref (client);
  return GTK_WIDGET (self);
}
