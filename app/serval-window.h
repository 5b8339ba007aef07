/* serval-window.h: the main window: connection state, and the VLANs to join. */
#pragma once

#include <gtk/gtk.h>
#include "serval-application.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_WINDOW (serval_window_get_type ())
G_DECLARE_FINAL_TYPE (ServalWindow, serval_window, SERVAL, WINDOW, GtkApplicationWindow)

ServalWindow *serval_window_new (ServalApplication *app);

/* The icon name for a connection state (the tray uses the same). */
const char   *serval_state_icon_name (ServalClientState state);

G_END_DECLS
