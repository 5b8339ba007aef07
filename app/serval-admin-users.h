/* serval-admin-users.h: the admin window's dialogs of the Users page: a new
 * user, and a user's rate limit; and how the Rate limit column shows one. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Asks for a new user. TRUE, with the name, password (free both) and
 * admin flag, if the administrator chose Add. */
gboolean serval_admin_user_dialog_run (GtkWindow *parent, char **name, char **password, gboolean *admin);
/* A dialog that asks for @user's rate limit, starting from @current (bytes
 * per second, 0: none of its own); not shown yet. Its "response" is
 * GTK_RESPONSE_ACCEPT for Set; the user's name is its "serval-user" data. */
GtkWidget *serval_admin_rate_dialog_new (GtkWindow *parent, const char *user, guint64 current);
/* What the dialog says, in bytes per second; FALSE with @error if what was
 * typed is not a number. */
gboolean serval_admin_rate_dialog_get (GtkWidget *dialog, guint64 *rate, GError **error);
/* The Rate limit column's text: "—" for none, else "10 MB/s" and the like. */
char *serval_admin_rate_to_text (guint64 bytes_per_second);

G_END_DECLS
