/* serval-login-dialog.h: the window where a user logs in to a server. */
#pragma once

#include <gtk/gtk.h>
#include "serval-application.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_LOGIN_DIALOG (serval_login_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ServalLoginDialog, serval_login_dialog, SERVAL, LOGIN_DIALOG, GtkApplicationWindow)

ServalLoginDialog *serval_login_dialog_new (ServalApplication *app);
/* Shows that a login to @server as @user is under way (started elsewhere). */
void serval_login_dialog_set_busy (ServalLoginDialog *self, const char *server, const char *user);
/* Shows why a login failed; for an unknown or changed certificate, asks
 * whether to trust @peer_fingerprint and logs in again if so. */
void serval_login_dialog_show_error (ServalLoginDialog *self, const GError *error,
                                     const char *peer_fingerprint);

G_END_DECLS
