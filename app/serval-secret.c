/* serval-secret.c: passwords in the user's keyring (libsecret). */
#include "config.h"

#include "serval-secret.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

static const SecretSchema *
schema (void)
{
  static const SecretSchema s = {
    "org.serval.Serval.Password",
    SECRET_SCHEMA_NONE,
    {
        { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };
  return &s;
}

void
serval_secret_lookup_async (const char *server, const char *user, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  secret_password_lookup (schema (), cancellable, callback, user_data,
                          "server", server, "user", user, NULL);
}

char *
serval_secret_lookup_finish (GAsyncResult *result, GError **error)
{
  return secret_password_lookup_finish (result, error);
}

void
serval_secret_store_async (const char *server, const char *user, const char *password,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *label = g_strdup_printf (_("Serval password for %s on %s"), user, server);

  secret_password_store (schema (), SECRET_COLLECTION_DEFAULT, label, password, cancellable,
                         callback, user_data, "server", server, "user", user, NULL);
}

gboolean
serval_secret_store_finish (GAsyncResult *result, GError **error)
{
  return secret_password_store_finish (result, error);
}

void
serval_secret_clear_async (const char *server, const char *user, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  secret_password_clear (schema (), cancellable, callback, user_data,
                         "server", server, "user", user, NULL);
}

gboolean
serval_secret_clear_finish (GAsyncResult *result, GError **error)
{
  return secret_password_clear_finish (result, error);
}
