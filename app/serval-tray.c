/* serval-tray.c: the tray icon and its menu. */
#include "config.h"

#include "serval-tray.h"

#include <glib/gi18n.h>

#ifdef HAVE_AYATANA
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libayatana-appindicator/app-indicator.h>
G_GNUC_END_IGNORE_DEPRECATIONS
#endif

#include "serval-client.h"
#include "serval-vlan-item.h"

struct _ServalTray
{
  GObject parent_instance;

  GtkApplication *app;
  GListModel *vlans; /* the application's, ServalVlanItem */
  GtkMenu *menu;
  GtkWidget *status_item;
  GtkWidget *vlan_separator;
  GtkWidget *connect_item;
  GPtrArray *vlan_items; /* GtkCheckMenuItem, in the order of the VLAN list */
  gboolean syncing;
#ifdef HAVE_AYATANA
  AppIndicator *indicator;
#endif
  GtkStatusIcon *status_icon;
};

G_DEFINE_FINAL_TYPE (ServalTray, serval_tray, G_TYPE_OBJECT)

static void rebuild_vlans (ServalTray *tray);

static void
sync_state (ServalTray *tray)
{
  g_autofree char *icon = NULL;
  g_autofree char *status = NULL;
  gboolean connected = FALSE;

  g_object_get (tray->app, "icon-name", &icon, "status", &status, "connected", &connected, NULL);
  gtk_menu_item_set_label (GTK_MENU_ITEM (tray->status_item), status);
  gtk_menu_item_set_label (GTK_MENU_ITEM (tray->connect_item), connected ? _("_Disconnect") : _("_Connect…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (tray->connect_item),
                                  connected ? "app.disconnect" : "app.connect");
#ifdef HAVE_AYATANA
  if (tray->indicator != NULL)
    {
      app_indicator_set_icon_full (tray->indicator, icon, status);
      app_indicator_set_title (tray->indicator, status);
    }
#endif
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (tray->status_icon != NULL)
    {
      g_autoptr (GString) tip = g_string_new (NULL);
      guint n = g_list_model_get_n_items (tray->vlans);

      g_string_printf (tip, "Serval: %s", status);
      /* Each joined VLAN's device and address, as the main window shows them. */
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (ServalVlanItem) item = g_list_model_get_item (tray->vlans, i);
          const char *address = serval_vlan_item_get_address (item);

          if (serval_vlan_item_get_joined (item) && address != NULL)
            g_string_append_printf (tip, "\n%s: %s", serval_vlan_item_get_name (item), address);
        }

      gtk_status_icon_set_from_icon_name (tray->status_icon, icon);
      gtk_status_icon_set_tooltip_text (tray->status_icon, tip->str);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
app_changed_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  sync_state (user_data);
}

static void
vlan_toggled_cb (GtkCheckMenuItem *check, gpointer user_data)
{
  ServalTray *tray = user_data;
  ServalVlanItem *item = g_object_get_data (G_OBJECT (check), "serval-vlan");

  if (tray->syncing)
    return;
  g_action_group_activate_action (G_ACTION_GROUP (tray->app),
                                  gtk_check_menu_item_get_active (check) ? "join" : "leave",
                                  g_variant_new_string (serval_vlan_item_get_name (item)));
  /* Shown as it really is when the join or leave is done. */
  tray->syncing = TRUE;
  gtk_check_menu_item_set_active (check, serval_vlan_item_get_joined (item));
  tray->syncing = FALSE;
}

static void
item_changed_cb (ServalVlanItem *item, GParamSpec *pspec, gpointer user_data)
{
  ServalTray *tray = user_data;

  for (guint i = 0; i < tray->vlan_items->len; i++)
    {
      GtkWidget *check = tray->vlan_items->pdata[i];

      if (g_object_get_data (G_OBJECT (check), "serval-vlan") != item)
        continue;
      tray->syncing = TRUE;
      gtk_check_menu_item_set_active (GTK_CHECK_MENU_ITEM (check), serval_vlan_item_get_joined (item));
      gtk_widget_set_sensitive (check, !serval_vlan_item_get_busy (item));
      tray->syncing = FALSE;
    }
  if (g_strcmp0 (g_param_spec_get_name (pspec), "address") == 0 ||
      g_strcmp0 (g_param_spec_get_name (pspec), "joined") == 0)
    sync_state (tray);
}

static void
rebuild_vlans (ServalTray *tray)
{
  GListModel *vlans = tray->vlans;
  guint n = g_list_model_get_n_items (vlans);
  int position = 2; /* after the status line and its separator */

  for (guint i = 0; i < tray->vlan_items->len; i++)
    {
      GtkWidget *check = tray->vlan_items->pdata[i];
      ServalVlanItem *item = g_object_get_data (G_OBJECT (check), "serval-vlan");

      g_signal_handlers_disconnect_by_func (item, item_changed_cb, tray);
      gtk_widget_destroy (check);
    }
  g_ptr_array_set_size (tray->vlan_items, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalVlanItem) item = g_list_model_get_item (vlans, i);
      g_autofree char *label = g_strdup_printf (_("VLAN %s"), serval_vlan_item_get_name (item));
      GtkWidget *check = gtk_check_menu_item_new_with_label (label);

      g_object_set_data_full (G_OBJECT (check), "serval-vlan", g_object_ref (item), g_object_unref);
      gtk_check_menu_item_set_active (GTK_CHECK_MENU_ITEM (check), serval_vlan_item_get_joined (item));
      gtk_widget_set_sensitive (check, !serval_vlan_item_get_busy (item));
      g_signal_connect (check, "toggled", G_CALLBACK (vlan_toggled_cb), tray);
      g_signal_connect (item, "notify", G_CALLBACK (item_changed_cb), tray);
      gtk_menu_shell_insert (GTK_MENU_SHELL (tray->menu), check, position++);
      gtk_widget_show (check);
      g_ptr_array_add (tray->vlan_items, check);
    }
  gtk_widget_set_visible (tray->vlan_separator, n > 0);
}

static void
vlans_changed_cb (GListModel *model, guint position, guint removed, guint added, gpointer user_data)
{
  rebuild_vlans (user_data);
}

static GtkWidget *
add_item (ServalTray *tray, const char *label, const char *action)
{
  GtkWidget *item = gtk_menu_item_new_with_mnemonic (label);

  if (action != NULL)
    gtk_actionable_set_action_name (GTK_ACTIONABLE (item), action);
  gtk_menu_shell_append (GTK_MENU_SHELL (tray->menu), item);
  gtk_widget_show (item);
  return item;
}

static void
add_separator (ServalTray *tray)
{
  GtkWidget *sep = gtk_separator_menu_item_new ();

  gtk_menu_shell_append (GTK_MENU_SHELL (tray->menu), sep);
  gtk_widget_show (sep);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
status_icon_activate_cb (GtkStatusIcon *icon, gpointer user_data)
{
  ServalTray *tray = user_data;

  g_action_group_activate_action (G_ACTION_GROUP (tray->app), "show-window", NULL);
}

static void
status_icon_popup_cb (GtkStatusIcon *icon, guint button, guint activate_time, gpointer user_data)
{
  ServalTray *tray = user_data;

  g_message ("Tray menu opened");
  gtk_menu_popup (tray->menu, NULL, NULL, gtk_status_icon_position_menu, icon, button, activate_time);
  /* Placed again now that its window has its size: it was placed with the
   * size of its last popup, and a status line that grew since then
   * ("Not connected", "Online as …") pushed it off the screen's edge. */
  gtk_menu_reposition (tray->menu);
}

static void
make_status_icon (ServalTray *tray)
{
  tray->status_icon = gtk_status_icon_new ();
  gtk_status_icon_set_title (tray->status_icon, _("Serval"));
  g_signal_connect (tray->status_icon, "activate", G_CALLBACK (status_icon_activate_cb), tray);
  g_signal_connect (tray->status_icon, "popup-menu", G_CALLBACK (status_icon_popup_cb), tray);
}

G_GNUC_END_IGNORE_DEPRECATIONS

#ifdef HAVE_AYATANA
/* A StatusNotifier host is there to show an AppIndicator. */
static gboolean
have_status_notifier_host (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.kde.StatusNotifierWatcher"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}
#endif

static void
serval_tray_dispose (GObject *object)
{
  ServalTray *tray = SERVAL_TRAY (object);

  if (tray->app != NULL)
    {
      g_signal_handlers_disconnect_by_data (tray->app, tray);
      g_signal_handlers_disconnect_by_data (tray->vlans, tray);
      for (guint i = 0; i < tray->vlan_items->len; i++)
        g_signal_handlers_disconnect_by_data (g_object_get_data (tray->vlan_items->pdata[i], "serval-vlan"),
                                              tray);
      tray->app = NULL;
    }
  g_clear_object (&tray->vlans);
#ifdef HAVE_AYATANA
  g_clear_object (&tray->indicator);
#endif
  g_clear_object (&tray->status_icon);
  if (tray->menu != NULL)
    gtk_widget_destroy (GTK_WIDGET (tray->menu));
  g_clear_object (&tray->menu);
  G_OBJECT_CLASS (serval_tray_parent_class)->dispose (object);
}

static void
serval_tray_finalize (GObject *object)
{
  g_ptr_array_unref (SERVAL_TRAY (object)->vlan_items);
  G_OBJECT_CLASS (serval_tray_parent_class)->finalize (object);
}

static void
serval_tray_class_init (ServalTrayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_tray_dispose;
  G_OBJECT_CLASS (klass)->finalize = serval_tray_finalize;
}

static void
serval_tray_init (ServalTray *tray)
{
  tray->vlan_items = g_ptr_array_new ();
}

ServalTray *
serval_tray_new (GtkApplication *app)
{
  ServalTray *tray = g_object_new (SERVAL_TYPE_TRAY, NULL);
  gboolean status_icon = TRUE;

  tray->app = app;
  g_object_get (app, "vlans", &tray->vlans, NULL);
  tray->menu = GTK_MENU (g_object_ref_sink (gtk_menu_new ()));
  gtk_menu_set_reserve_toggle_size (tray->menu, TRUE);
  gtk_widget_insert_action_group (GTK_WIDGET (tray->menu), "app", G_ACTION_GROUP (app));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (tray->menu)), _("Serval tray menu"));
  tray->status_item = add_item (tray, "", NULL);
  gtk_widget_set_sensitive (tray->status_item, FALSE);
  tray->vlan_separator = gtk_separator_menu_item_new ();
  gtk_menu_shell_append (GTK_MENU_SHELL (tray->menu), tray->vlan_separator);
  add_separator (tray);
  add_item (tray, _("_Show Serval"), "app.show-window");
  tray->connect_item = add_item (tray, _("_Connect…"), "app.connect");
  add_separator (tray);
  add_item (tray, _("_Quit"), "app.quit");

#ifdef HAVE_AYATANA
  if (have_status_notifier_host ())
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      tray->indicator = app_indicator_new (APPLICATION_ID, "serval-offline-symbolic",
                                           APP_INDICATOR_CATEGORY_COMMUNICATIONS);
      G_GNUC_END_IGNORE_DEPRECATIONS
      if (g_getenv ("SERVAL_ICON_DIR") != NULL)
        app_indicator_set_icon_theme_path (tray->indicator, g_getenv ("SERVAL_ICON_DIR"));
      app_indicator_set_menu (tray->indicator, tray->menu);
      app_indicator_set_status (tray->indicator, APP_INDICATOR_STATUS_ACTIVE);
      g_message ("Tray: Ayatana AppIndicator");
      status_icon = FALSE;
    }
#endif
  if (status_icon)
    {
      make_status_icon (tray);
      g_message ("Tray: GtkStatusIcon (no StatusNotifier host on the session bus)");
    }

  g_signal_connect (app, "notify::icon-name", G_CALLBACK (app_changed_cb), tray);
  g_signal_connect (app, "notify::status", G_CALLBACK (app_changed_cb), tray);
  g_signal_connect (app, "notify::connected", G_CALLBACK (app_changed_cb), tray);
  g_signal_connect (tray->vlans, "items-changed", G_CALLBACK (vlans_changed_cb), tray);
  rebuild_vlans (tray);
  sync_state (tray);
  return tray;
}
