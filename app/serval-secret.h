/* serval-secret.h: passwords in the user's keyring (libsecret). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void serval_secret_lookup_async (const char *server, const char *user, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* Returns (transfer full) (nullable) the password, or NULL when none is stored. */
char *serval_secret_lookup_finish (GAsyncResult *result, GError **error);
void serval_secret_store_async (const char *server, const char *user, const char *password,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean serval_secret_store_finish (GAsyncResult *result, GError **error);
void serval_secret_clear_async (const char *server, const char *user, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean serval_secret_clear_finish (GAsyncResult *result, GError **error);

G_END_DECLS
