/* serval-admin-window.h: VLANs, their members and the users, for administrators.
 * Every change is a management request that the server authorizes. */
#pragma once

#include <gtk/gtk.h>
#include "serval-client.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_ADMIN_WINDOW (serval_admin_window_get_type ())
G_DECLARE_FINAL_TYPE (ServalAdminWindow, serval_admin_window, SERVAL, ADMIN_WINDOW, GtkApplicationWindow)

ServalAdminWindow *serval_admin_window_new (GtkApplication *app, ServalClient *client);

/* Asks before something that cannot be undone: @question as the dialog's
 * title, @detail under it, and @action ("_Delete") on the destructive
 * button next to Cancel, the default. Returns: whether @action was chosen. */
gboolean serval_admin_confirm (GtkWindow *parent, const char *question, const char *detail, const char *action);

G_END_DECLS
