/* serval-store.c: the store's interface, over its backends
 * (serval-store-sqlite.c, serval-store-etcd.c): names checked, writes as
 * GTasks, the signals for changes made elsewhere. */
#include "config.h"

#include "serval-store-private.h"

#include <string.h>

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-store-error-quark, serval_store_error)
/* clang-format on */

G_DEFINE_ABSTRACT_TYPE (ServalStore, serval_store, G_TYPE_OBJECT)

guint serval_store_signals[SERVAL_STORE_N_SIGNALS];

void
serval_vlan_free (ServalVlan *vlan)
{
  g_free (vlan->name);
  g_free (vlan);
}

void
serval_user_free (ServalUser *user)
{
  g_free (user->name);
  g_clear_pointer (&user->vlans, g_ptr_array_unref);
  g_free (user);
}

gboolean
serval_store_no_user (const char *name, GError **error)
{
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER, "There is no user “%s”", name);
  return FALSE;
}

gboolean
serval_store_no_vlan (const char *name, GError **error)
{
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN, "There is no VLAN “%s”", name);
  return FALSE;
}

gboolean
serval_store_no_right (const char *user, const char *vlan, GError **error)
{
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN, "User “%s” has no right to “%s”",
               user, vlan);
  return FALSE;
}

gboolean
serval_store_exists (ServalStoreWriteKind kind, const char *user, const char *vlan, GError **error)
{
  if (kind == SERVAL_STORE_USER_ADD)
    g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS, "A user named “%s” exists already", user);
  else if (kind == SERVAL_STORE_VLAN_ADD)
    g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS, "A VLAN named “%s” exists already", vlan);
  else
    g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS,
                 "The right of “%s” to join “%s” exists already", user, vlan);
  return FALSE;
}

static gboolean
check_name (const char *name, const char *kind, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > 64 || !g_utf8_validate (name, len, NULL))
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "A %s name must be 1 to 64 bytes of UTF-8", kind);
      return FALSE;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                     "A %s name may not contain control characters", kind);
        return FALSE;
      }
  return TRUE;
}

static void
serval_store_class_init (ServalStoreClass *klass)
{
  serval_store_signals[SERVAL_STORE_SIGNAL_USER_DELETED] =
      g_signal_new ("user-deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_STRING);
  serval_store_signals[SERVAL_STORE_SIGNAL_VLAN_DELETED] =
      g_signal_new ("vlan-deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  serval_store_signals[SERVAL_STORE_SIGNAL_RIGHT_REVOKED] =
      g_signal_new ("right-revoked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
}

static void
serval_store_init (ServalStore *store)
{
}

gboolean
serval_store_user_get (ServalStore *store, const char *name, ServalCredentials *cred, gboolean *admin,
                       GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->user_get (store, name, cred, admin, error);
}

GPtrArray *
serval_store_user_list (ServalStore *store, GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->user_list (store, error);
}

guint
serval_store_user_count (ServalStore *store)
{
  return SERVAL_STORE_GET_CLASS (store)->user_count (store);
}

gboolean
serval_store_vlan_lookup (ServalStore *store, const char *name, guint32 *out_id, GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->vlan_lookup (store, name, out_id, error);
}

GPtrArray *
serval_store_vlan_list (ServalStore *store, GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->vlan_list (store, error);
}

gboolean
serval_store_has_right (ServalStore *store, const char *user, const char *vlan)
{
  if (user == NULL || vlan == NULL)
    return FALSE;
  return SERVAL_STORE_GET_CLASS (store)->has_right (store, user, vlan);
}

gboolean
serval_store_secret (ServalStore *store, const char *name, guint8 *out, gsize len, GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->secret (store, name, out, len, error);
}

gboolean
serval_store_check_available (ServalStore *store, GError **error)
{
  ServalStoreClass *klass = SERVAL_STORE_GET_CLASS (store);

  return klass->check_available == NULL || klass->check_available (store, error);
}

/* --- writes ----------------------------------------------------------------- */

typedef struct
{
  ServalStoreWrite write;
  ServalCredentials cred;
} WriteCopy;

static void
write_copy_free (WriteCopy *c)
{
  g_free ((char *) c->write.user);
  g_free ((char *) c->write.vlan);
  serval_credentials_clear (&c->cred);
  g_free (c);
}

void
serval_store_write_async (ServalStore *store, const ServalStoreWrite *write, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  GError *error = NULL;
  WriteCopy *c = g_new0 (WriteCopy, 1);

  g_task_set_source_tag (task, serval_store_write_async);
  c->write = *write;
  c->write.user = g_strdup (write->user);
  c->write.vlan = g_strdup (write->vlan);
  if (write->cred != NULL)
    {
      c->cred = *write->cred;
      c->write.cred = &c->cred;
    }
  g_task_set_task_data (task, c, (GDestroyNotify) write_copy_free);

  if ((write->kind == SERVAL_STORE_USER_ADD && !check_name (write->user, "user", &error)) ||
      (write->kind == SERVAL_STORE_VLAN_ADD && !check_name (write->vlan, "VLAN", &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  SERVAL_STORE_GET_CLASS (store)->write (store, &c->write, task);
}

gboolean
serval_store_write_finish (ServalStore *store, GAsyncResult *result, guint32 *out_tag, GError **error)
{
  gssize tag;

  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  tag = g_task_propagate_int (G_TASK (result), error);
  if (tag < 0)
    return FALSE;
  if (out_tag != NULL)
    *out_tag = tag;
  return TRUE;
}

static void
write_sync_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

gboolean
serval_store_write_sync (ServalStore *store, const ServalStoreWrite *write, guint32 *out_tag, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context = g_main_context_ref_thread_default ();

  serval_store_write_async (store, write, NULL, write_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_unref (context);
  return serval_store_write_finish (store, result, out_tag, error);
}
