/* serval-login-dialog.h: the window where a user logs in to a server.
 *
 * It runs the login itself (trust on first use, the keyring, the last
 * server and user) and hands the session over with ::logged-in; closing
 * it while a login is under way gives that login up.
 */
#pragma once

#include <gtk/gtk.h>
#include "serval-client.h"
#include "serval-trust.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_LOGIN_DIALOG (serval_login_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ServalLoginDialog, serval_login_dialog, SERVAL, LOGIN_DIALOG, GtkApplicationWindow)

ServalLoginDialog *serval_login_dialog_new (GtkApplication *app, ServalTrust *trust);
/* Logs in to @server (normalized) as @user, as if typed in; @remember keeps
 * the password in the keyring, else it is removed from there (the command
 * line does not remember; a login with the saved password does). */
void serval_login_dialog_log_in (ServalLoginDialog *self, const char *server, const char *user,
                                 const char *password, gboolean remember);

G_END_DECLS
