/* serval-window.h: the main window: connection state, and the VLANs to join.
 *
 * It shows the application's properties (status, status-detail, icon-name, connected,
 * admin, last-error, vlans) and acts through its actions. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SERVAL_TYPE_WINDOW (serval_window_get_type ())
G_DECLARE_FINAL_TYPE (ServalWindow, serval_window, SERVAL, WINDOW, GtkApplicationWindow)

ServalWindow *serval_window_new (GtkApplication *app);
void serval_window_focus_vlans (ServalWindow *self);

G_END_DECLS
