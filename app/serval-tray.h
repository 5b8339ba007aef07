/* serval-tray.h: the tray icon: connection state at a glance, and a menu
 * with the VLAN toggles, the window, connect or disconnect, and quit.
 *
 * An Ayatana AppIndicator where a StatusNotifier host runs (most desktops),
 * otherwise a GtkStatusIcon (XEmbed trays). It shows the application's
 * properties (icon-name, status, connected, vlans) and acts through its
 * actions.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SERVAL_TYPE_TRAY (serval_tray_get_type ())
G_DECLARE_FINAL_TYPE (ServalTray, serval_tray, SERVAL, TRAY, GObject)

ServalTray *serval_tray_new (GtkApplication *app);

G_END_DECLS
