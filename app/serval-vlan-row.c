/* serval-vlan-row.c: a VLAN in the main window. */
#include "config.h"

#include "serval-vlan-row.h"

#include <glib/gi18n.h>

#include "serval-member-pager.h"
#include "serval-member-row.h"

struct _ServalVlanRow
{
  GtkListBoxRow parent_instance;

  ServalVlanItem *item;

  GtkLabel *name_label;
  GtkLabel *count_label;
  GtkLabel *address_label; /* the device and its addresses, while joined */
  GtkSpinner *spinner;
  GtkSwitch *join_switch;
  GtkRevealer *members_revealer;
  GtkListBox *members_list;
  GtkSearchEntry *search_entry;
  GtkLabel *pager_label; /* "Showing 500 of 601 members", in a big VLAN */
  GtkButton *more_button;

  ServalClientVlan *vlan;   /* the pager's (a pointer only: the pager holds it) */
  ServalMemberPager *pager; /* while joined */
  GListModel *bound;        /* the pager's model the list shows */
};

G_DEFINE_FINAL_TYPE (ServalVlanRow, serval_vlan_row, GTK_TYPE_LIST_BOX_ROW)

static GtkWidget *
create_member_row (gpointer item, gpointer user_data)
{
  return serval_member_row_new (SERVAL_MEMBER (item));
}

/* What the list shows of the members, and what more can be asked for. */
static void
pager_changed_cb (ServalVlanRow *self)
{
  GListModel *model = self->pager != NULL ? serval_member_pager_get_model (self->pager) : NULL;
  g_autofree char *summary = self->pager != NULL ? serval_member_pager_dup_summary (self->pager) : NULL;

  if (model != self->bound)
    {
      self->bound = model;
      gtk_list_box_bind_model (self->members_list, model, create_member_row, NULL, NULL);
    }
  gtk_label_set_text (self->pager_label, summary != NULL ? summary : "");
  gtk_widget_set_visible (GTK_WIDGET (self->pager_label), summary != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->search_entry),
                          self->pager != NULL && serval_member_pager_get_searchable (self->pager));
  gtk_widget_set_visible (GTK_WIDGET (self->more_button),
                          self->pager != NULL && serval_member_pager_get_has_more (self->pager));
  gtk_widget_set_sensitive (GTK_WIDGET (self->more_button),
                            self->pager != NULL && !serval_member_pager_get_busy (self->pager));
}

/* A pager for the VLAN joined, none once left. */
static void
set_vlan (ServalVlanRow *self, ServalClientVlan *vlan)
{
  if (self->pager != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->pager, self);
      g_clear_object (&self->pager);
    }
  /* A search of the last join does not carry over to the next. */
  g_signal_handlers_block_by_func (self->search_entry, NULL, self);
  gtk_entry_set_text (GTK_ENTRY (self->search_entry), "");
  g_signal_handlers_unblock_by_func (self->search_entry, NULL, self);
  if (vlan != NULL)
    {
      self->pager = serval_member_pager_new (vlan);
      g_signal_connect_swapped (self->pager, "changed", G_CALLBACK (pager_changed_cb), self);
    }
  pager_changed_cb (self);
}

static void
search_changed_cb (ServalVlanRow *self)
{
  if (self->pager != NULL)
    serval_member_pager_set_search (self->pager, gtk_entry_get_text (GTK_ENTRY (self->search_entry)));
}

static void
more_clicked_cb (ServalVlanRow *self)
{
  if (self->pager != NULL)
    serval_member_pager_show_more (self->pager);
}

static void
sync_from_item (ServalVlanRow *self)
{
  gboolean joined = serval_vlan_item_get_joined (self->item);
  gboolean busy = serval_vlan_item_get_busy (self->item);
  ServalClientVlan *vlan = serval_vlan_item_get_vlan (self->item);
  guint members = serval_vlan_item_get_members (self->item);
  const char *address = serval_vlan_item_get_address (self->item);
  g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u member", "%u members",
                                                         members),
                                            members);

  gtk_label_set_text (self->count_label, count);
  gtk_label_set_text (self->address_label, address != NULL ? address : "");
  gtk_widget_set_visible (GTK_WIDGET (self->address_label), joined && address != NULL);
  gtk_switch_set_active (self->join_switch, joined);
  gtk_switch_set_state (self->join_switch, joined);
  gtk_widget_set_sensitive (GTK_WIDGET (self->join_switch), !busy);
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  if (self->pager == NULL ? vlan != NULL : vlan != self->vlan)
    {
      self->vlan = vlan;
      set_vlan (self, vlan);
    }
  gtk_revealer_set_reveal_child (self->members_revealer, joined);
}

static void
item_changed_cb (ServalVlanItem *item, GParamSpec *pspec, gpointer user_data)
{
  sync_from_item (SERVAL_VLAN_ROW (user_data));
}

static gboolean
switch_state_set_cb (ServalVlanRow *self, gboolean state)
{
  GActionGroup *app = gtk_widget_get_action_group (GTK_WIDGET (self), "app");

  if (state != serval_vlan_item_get_joined (self->item) && app != NULL)
    g_action_group_activate_action (app, state ? "join" : "leave",
                                    g_variant_new_string (serval_vlan_item_get_name (self->item)));
  /* The switch shows the real state once the join or leave is done. */
  return TRUE;
}

static void
serval_vlan_row_dispose (GObject *object)
{
  ServalVlanRow *self = SERVAL_VLAN_ROW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
  if (self->pager != NULL)
    g_signal_handlers_disconnect_by_data (self->pager, self);
  g_clear_object (&self->pager);
  G_OBJECT_CLASS (serval_vlan_row_parent_class)->dispose (object);
}

static void
serval_vlan_row_class_init (ServalVlanRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = serval_vlan_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/serval/Serval/ui/serval-vlan-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, count_label);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, address_label);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, join_switch);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, members_revealer);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, members_list);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, pager_label);
  gtk_widget_class_bind_template_child (widget_class, ServalVlanRow, more_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, more_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, switch_state_set_cb);
}

static void
serval_vlan_row_init (ServalVlanRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
serval_vlan_row_new (ServalVlanItem *item)
{
  ServalVlanRow *self = g_object_new (SERVAL_TYPE_VLAN_ROW, NULL);
  const char *name = serval_vlan_item_get_name (item);
  g_autofree char *switch_name = g_strdup_printf (_("Join VLAN %s"), name);
  g_autofree char *members_name = g_strdup_printf (_("Members of VLAN %s"), name);
  g_autofree char *search_name = g_strdup_printf (_("Search members of VLAN %s"), name);
  g_autofree char *more_name = g_strdup_printf (_("Show more members of VLAN %s"), name);

  self->item = g_object_ref (item);
  gtk_label_set_text (self->name_label, name);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->join_switch)), switch_name);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->members_list)), members_name);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->search_entry)), search_name);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->more_button)), more_name);
  g_signal_connect (item, "notify", G_CALLBACK (item_changed_cb), self);
  sync_from_item (self);
  return GTK_WIDGET (self);
}
