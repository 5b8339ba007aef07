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
  g_free (vlan->subnet);
  g_free (vlan->prefix6);
  g_clear_pointer (&vlan->rules, g_ptr_array_unref);
  g_free (vlan);
}

void
serval_lease_free (ServalLease *lease)
{
  g_free (lease->vlan);
  g_free (lease->user);
  g_free (lease->address);
  g_free (lease);
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

gboolean
serval_store_no_rule (const char *vlan, guint index, guint n_rules, GError **error)
{
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_RULE,
               "VLAN “%s” has no rule number %u: it has %u (servalctl vlan rule list %s numbers them from 1)",
               vlan, index, n_rules, vlan);
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
  serval_store_signals[SERVAL_STORE_SIGNAL_VLAN_CHANGED] =
      g_signal_new ("vlan-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  serval_store_signals[SERVAL_STORE_SIGNAL_USER_CHANGED] =
      g_signal_new ("user-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
serval_store_init (ServalStore *store)
{
}

gboolean
serval_store_user_get (ServalStore *store, const char *name, ServalCredentials *cred, gboolean *admin,
                       GError **error)
{
  ServalUserRecord record = { 0 };

  if (!SERVAL_STORE_GET_CLASS (store)->user_get (store, name, cred, &record, error))
    return FALSE;
  if (admin != NULL)
    *admin = record.admin;
  return TRUE;
}

gboolean
serval_store_user_read (ServalStore *store, const char *name, ServalCredentials *cred, ServalUserRecord *record,
                        GError **error)
{
  memset (record, 0, sizeof *record);
  return SERVAL_STORE_GET_CLASS (store)->user_get (store, name, cred, record, error);
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
  ServalRule *rule;
} WriteCopy;

static void
write_copy_free (WriteCopy *c)
{
  g_free ((char *) c->write.user);
  g_free ((char *) c->write.vlan);
  g_free ((char *) c->write.subnet);
  g_free ((char *) c->write.prefix6);
  g_clear_pointer (&c->rule, serval_rule_free);
  serval_credentials_clear (&c->cred);
  g_free (c);
}

/* The subnet and prefix of a VLAN_SET_ADDRESSES, checked and canonical:
 * NULL to keep, "" to remove. */
static gboolean
copy_addresses (WriteCopy *c, const ServalStoreWrite *write, GError **error)
{
  char *subnet = NULL, *prefix6 = NULL;

  if (write->kind != SERVAL_STORE_VLAN_SET_ADDRESSES)
    return TRUE;
  if (write->subnet != NULL && write->subnet[0] != '\0' &&
      !serval_subnet_parse (write->subnet, &(ServalSubnet){ 0 }, &subnet, error))
    return FALSE;
  if (write->subnet != NULL && subnet == NULL)
    subnet = g_strdup ("");
  c->write.subnet = subnet;
  if (write->prefix6 != NULL && write->prefix6[0] != '\0' && !serval_prefix6_parse (write->prefix6, &prefix6, error))
    return FALSE;
  if (write->prefix6 != NULL && prefix6 == NULL)
    prefix6 = g_strdup ("");
  c->write.prefix6 = prefix6;
  return TRUE;
}

/* The rule of a RULE_ADD, which the backends keep as its text. */
static gboolean
copy_rule (WriteCopy *c, const ServalStoreWrite *write, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  g_autoptr(ServalRule) back = NULL;

  if (write->kind != SERVAL_STORE_RULE_ADD)
    return TRUE;
  if (write->rule == NULL)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "Adding a rule to “%s” needs the rule: allow|deny [proto P] [from USER] [to USER] [port N[-M]]",
                   write->vlan);
      return FALSE;
    }
  /* The backends keep its text: it must read back as itself. */
  text = serval_rule_to_string (write->rule);
  back = serval_rule_parse_string (text, NULL);
  again = back != NULL ? serval_rule_to_string (back) : NULL;
  if (g_strcmp0 (text, again) != 0)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "The rule “%s” cannot be kept as it is (a user name with a space?): write it another way", text);
      return FALSE;
    }
  c->rule = serval_rule_copy (write->rule);
  c->write.rule = c->rule;
  return TRUE;
}

static gboolean
check_rate_limit (const ServalStoreWrite *write, GError **error)
{
  if (write->kind != SERVAL_STORE_USER_SET_RATE_LIMIT || write->rate_limit <= SERVAL_STORE_MAX_RATE_LIMIT)
    return TRUE;
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
               "A rate limit of %" G_GUINT64_FORMAT " bytes per second is too high: give at most %" G_GUINT64_FORMAT
               ", or none",
               write->rate_limit, SERVAL_STORE_MAX_RATE_LIMIT);
  return FALSE;
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
  c->write.subnet = NULL;
  c->write.prefix6 = NULL;
  c->write.rule = NULL;
  if (write->cred != NULL)
    {
      c->cred = *write->cred;
      c->write.cred = &c->cred;
    }
  g_task_set_task_data (task, c, (GDestroyNotify) write_copy_free);

  if ((write->kind == SERVAL_STORE_USER_ADD && !check_name (write->user, "user", &error)) ||
      (write->kind == SERVAL_STORE_VLAN_ADD && !check_name (write->vlan, "VLAN", &error)) ||
      !copy_addresses (c, write, &error) || !copy_rule (c, write, &error) || !check_rate_limit (write, &error))
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

ServalVlan *
serval_store_vlan_get (ServalStore *store, const char *name, GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->vlan_get (store, name, error);
}

GPtrArray *
serval_store_lease_list (ServalStore *store, const char *vlan, GError **error)
{
  return SERVAL_STORE_GET_CLASS (store)->lease_list (store, vlan, error);
}

/* --- leases ------------------------------------------------------------------ */

static void
lease_request_free (ServalLeaseRequest *req)
{
  g_free (req->vlan);
  g_free (req->user);
  g_free (req);
}

/* Asks the class to lease (or, with @release, to release) @mac's address
 * in @vlan, with a request that lives as long as the task. */
static void
lease_start (ServalStore *store, gboolean release, const char *vlan, const char *user, const guint8 mac[6],
             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  ServalStoreClass *klass = SERVAL_STORE_GET_CLASS (store);
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  ServalLeaseRequest *req = g_new0 (ServalLeaseRequest, 1);

  if (release)
    g_task_set_source_tag (task, serval_store_lease_release_async);
  else
    g_task_set_source_tag (task, serval_store_lease_async);
  req->vlan = g_strdup (vlan);
  req->user = g_strdup (user);
  memcpy (req->mac, mac, 6);
  g_task_set_task_data (task, req, (GDestroyNotify) lease_request_free);
  if (release)
    klass->lease_release (store, req, task);
  else
    klass->lease (store, req, task);
}

void
serval_store_lease_async (ServalStore *store, const char *vlan, const char *user, const guint8 mac[6],
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  lease_start (store, FALSE, vlan, user, mac, cancellable, callback, user_data);
}

ServalLease *
serval_store_lease_finish (ServalStore *store, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
serval_store_lease_release_async (ServalStore *store, const char *vlan, const char *user, const guint8 mac[6],
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  lease_start (store, TRUE, vlan, user, mac, cancellable, callback, user_data);
}

gboolean
serval_store_lease_release_finish (ServalStore *store, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  return g_task_propagate_int (G_TASK (result), error) >= 0;
}
