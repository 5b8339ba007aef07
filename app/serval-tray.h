/* serval-tray.h: the tray icon: connection state at a glance, and a menu
 * with the VLAN toggles, the window, disconnect and quit.
 *
 * An Ayatana AppIndicator where a StatusNotifier host runs (most desktops),
 * otherwise a GtkStatusIcon (XEmbed trays).
 */
#pragma once

#include <gtk/gtk.h>
#include "serval-application.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_TRAY (serval_tray_get_type ())
G_DECLARE_FINAL_TYPE (ServalTray, serval_tray, SERVAL, TRAY, GObject)

ServalTray *serval_tray_new (ServalApplication *app);
/* "appindicator" or "status-icon" */
const char *serval_tray_get_backend (ServalTray *tray);

G_END_DECLS
