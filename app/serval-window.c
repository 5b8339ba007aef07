/* serval-window.c: the main window: connection state, and the VLANs to join. */
#include "config.h"

#include "serval-window.h"

#include <glib/gi18n.h>

#include "serval-client.h"
#include "serval-vlan-row.h"

struct _ServalWindow
{
  GtkApplicationWindow parent_instance;

  GtkImage *state_image;
  GtkLabel *status_label;
  GtkLabel *detail_label;
  GtkButton *connect_button;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkListBox *vlan_list;
  GtkHeaderBar *header;
  GtkWidget *admin_button;
};

G_DEFINE_FINAL_TYPE (ServalWindow, serval_window, GTK_TYPE_APPLICATION_WINDOW)

/* --- from the application's properties ---------------------------------------- */

static gboolean
choose_string_cb (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  const char *const *choices = user_data; /* { if FALSE, if TRUE } */

  g_value_set_string (to, choices[g_value_get_boolean (from) ? 1 : 0]);
  return TRUE;
}

/* Binds @target's string @property to the application's "connected":
 * @if_connected while it is TRUE, else @if_not (static strings). */
static void
bind_connected (GObject *app, gpointer target, const char *property, const char *if_connected, const char *if_not)
{
  const char **choices = g_new (const char *, 2);

  choices[0] = if_not;
  choices[1] = if_connected;
  g_object_bind_property_full (app, "connected", target, property, G_BINDING_SYNC_CREATE, choose_string_cb, NULL,
                               choices, g_free);
}

static gboolean
subtitle_cb (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  ServalClient *client = g_value_get_object (from);

  g_value_set_string (to, client != NULL ? serval_client_get_server (client) : _("Not connected"));
  return TRUE;
}

/* The connection-state image, for those who cannot see it. */
static gboolean
state_name_cb (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  switch (g_value_get_enum (from))
    {
    case SERVAL_CLIENT_STATE_ONLINE: g_value_set_string (to, _("Online")); break;
    case SERVAL_CLIENT_STATE_CONNECTING: g_value_set_string (to, _("Connecting")); break;
    case SERVAL_CLIENT_STATE_DISCONNECTED:
    default: g_value_set_string (to, _("Offline")); break;
    }
  return TRUE;
}

static gboolean
is_set_cb (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) != NULL);
  return TRUE;
}

static GtkWidget *
create_vlan_row (gpointer item, gpointer user_data)
{
  return serval_vlan_row_new (SERVAL_VLAN_ITEM (item));
}

/* Closing the window keeps Serval running in the tray. */
static gboolean
serval_window_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  gtk_widget_hide (widget);
  g_message ("Window closed: Serval keeps running in the tray");
  return TRUE;
}

static void
serval_window_class_init (ServalWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->delete_event = serval_window_delete_event;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/serval/Serval/ui/serval-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, state_image);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, connect_button);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, vlan_list);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, header);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, admin_button);
}

static void
serval_window_init (ServalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* After a login: the keyboard goes to the VLANs, not to Disconnect, so that
 * Space or Enter never ends the session the user just started. */
void
serval_window_focus_vlans (ServalWindow *self)
{
  g_return_if_fail (SERVAL_IS_WINDOW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->vlan_list));
}

ServalWindow *
serval_window_new (GtkApplication *app)
{
  ServalWindow *self = g_object_new (SERVAL_TYPE_WINDOW, "application", app, NULL);
  GBindingFlags flags = G_BINDING_SYNC_CREATE;
  g_autoptr(GListModel) vlans = NULL;
  GtkWidget *placeholder;

  placeholder = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (placeholder), TRUE);
  g_object_set (placeholder, "margin", 24, NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (placeholder), "dim-label");
  gtk_widget_show (placeholder);
  gtk_list_box_set_placeholder (self->vlan_list, placeholder);
  g_object_get (app, "vlans", &vlans, NULL);
  gtk_list_box_bind_model (self->vlan_list, vlans, create_vlan_row, NULL, NULL);

  g_object_bind_property (app, "icon-name", self->state_image, "icon-name", flags);
  g_object_bind_property_full (app, "state", gtk_widget_get_accessible (GTK_WIDGET (self->state_image)),
                               "accessible-name", flags, state_name_cb, NULL, NULL, NULL);
  /* With no session there is nothing to join yet: say how to get one. */
  bind_connected (G_OBJECT (app), placeholder, "label", _("No VLANs to join yet. An administrator can grant you one."), _("You are not connected. Click Connect… to log in to a Serval server."));
  g_object_bind_property (app, "status", self->status_label, "label", flags);
  g_object_bind_property (app, "status-detail", self->detail_label, "label", flags);
  g_object_bind_property_full (app, "status-detail", self->detail_label, "visible", flags,
                               is_set_cb, NULL, NULL, NULL);
  bind_connected (G_OBJECT (app), self->connect_button, "label", _("_Disconnect"), _("_Connect…"));
  bind_connected (G_OBJECT (app), self->connect_button, "action-name", "app.disconnect", "app.connect");
  g_object_bind_property (app, "admin", self->admin_button, "visible", flags);
  g_object_bind_property_full (app, "client", self->header, "subtitle", flags,
                               subtitle_cb, NULL, NULL, NULL);
  g_object_bind_property (app, "last-error", self->error_label, "label", flags);
  g_object_bind_property_full (app, "last-error", self->error_revealer, "reveal-child", flags,
                               is_set_cb, NULL, NULL, NULL);
  return self;
}
