/* serval-window.c: the main window: connection state, and the VLANs to join. */
#include "config.h"

#include "serval-window.h"

#include <glib/gi18n.h>

#include "serval-vlan-row.h"

struct _ServalWindow
{
  GtkApplicationWindow parent_instance;

  ServalApplication *app;

  GtkImage          *state_image;
  GtkLabel          *status_label;
  GtkButton         *connect_button;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  GtkListBox        *vlan_list;
  GtkHeaderBar      *header;
  GtkWidget         *admin_button;
};

G_DEFINE_FINAL_TYPE (ServalWindow, serval_window, GTK_TYPE_APPLICATION_WINDOW)

const char *
serval_state_icon_name (ServalClientState state)
{
  switch (state)
    {
    case SERVAL_CLIENT_STATE_ONLINE: return "serval-online-symbolic";
    case SERVAL_CLIENT_STATE_CONNECTING: return "serval-connecting-symbolic";
    case SERVAL_CLIENT_STATE_DISCONNECTED:
    default: return "serval-offline-symbolic";
    }
}

static void
sync_state (ServalWindow *self)
{
  ServalClientState state = serval_application_get_state (self->app);
  ServalClient *client = serval_application_get_client (self->app);

  gtk_image_set_from_icon_name (self->state_image, serval_state_icon_name (state), GTK_ICON_SIZE_DND);
  gtk_label_set_text (self->status_label, serval_application_get_status (self->app));
  gtk_button_set_label (self->connect_button, client != NULL ? _("_Disconnect") : _("_Connect…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->connect_button),
                                  client != NULL ? "app.disconnect" : "app.connect");
  gtk_widget_set_visible (self->admin_button, client != NULL && serval_client_get_admin (client));
  gtk_header_bar_set_subtitle (self->header,
                               client != NULL ? serval_client_get_server (client) : _("Not connected"));
}

static void
app_changed_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  sync_state (SERVAL_WINDOW (user_data));
}

static void
app_error_cb (ServalApplication *app, const char *message, gpointer user_data)
{
  ServalWindow *self = user_data;

  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
dismiss_error_cb (ServalWindow *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

static void
refresh_cb (ServalWindow *self)
{
  serval_application_refresh_vlans (self->app);
}

static GtkWidget *
create_vlan_row (gpointer item, gpointer user_data)
{
  return serval_vlan_row_new (SERVAL_APPLICATION (user_data), SERVAL_VLAN_ITEM (item));
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
serval_window_dispose (GObject *object)
{
  ServalWindow *self = SERVAL_WINDOW (object);

  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  self->app = NULL;
  G_OBJECT_CLASS (serval_window_parent_class)->dispose (object);
}

static void
serval_window_class_init (ServalWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = serval_window_dispose;
  widget_class->delete_event = serval_window_delete_event;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/serval/Serval/ui/serval-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, state_image);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, connect_button);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, vlan_list);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, header);
  gtk_widget_class_bind_template_child (widget_class, ServalWindow, admin_button);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_error_cb);
  gtk_widget_class_bind_template_callback (widget_class, refresh_cb);
}

static void
serval_window_init (ServalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ServalWindow *
serval_window_new (ServalApplication *app)
{
  ServalWindow *self = g_object_new (SERVAL_TYPE_WINDOW, "application", app, NULL);
  GtkWidget *placeholder;

  self->app = app;
  placeholder = gtk_label_new (_("No VLANs to join yet. An administrator can grant you one."));
  gtk_label_set_line_wrap (GTK_LABEL (placeholder), TRUE);
  g_object_set (placeholder, "margin", 24, NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (placeholder), "dim-label");
  gtk_widget_show (placeholder);
  gtk_list_box_set_placeholder (self->vlan_list, placeholder);
  gtk_list_box_bind_model (self->vlan_list, serval_application_get_vlans (app), create_vlan_row, app, NULL);
  g_signal_connect (app, "notify::state", G_CALLBACK (app_changed_cb), self);
  g_signal_connect (app, "notify::status", G_CALLBACK (app_changed_cb), self);
  g_signal_connect (app, "notify::client", G_CALLBACK (app_changed_cb), self);
  g_signal_connect (app, "error", G_CALLBACK (app_error_cb), self);
  sync_state (self);
  return self;
}
