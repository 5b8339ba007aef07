/* serval-store-etcd-txn.c: the etcd store's writes, one transaction each.
 *
 * Each write is planned from what the store knows (its copy), with compare
 * guards on every key the plan relies on; when a guard fails, the failure
 * branch reads those keys back, and the write is planned again from them,
 * or refused with the store's error (no such user, exists already...).
 * Once it succeeds, the copy shows the change at once, before the watch
 * brings it. */
#include "config.h"

#include "serval-store-etcd.h"

#include <string.h>

#define MAX_ATTEMPTS 100 /* a write whose guard keeps failing: others keep changing the same keys */

/* --- writes: one transaction each ---------------------------------------------------- */

typedef struct
{
  char *key;
  char *value;     /* NULL: delete */
  gboolean prefix; /* delete every key that starts with @key */
} Op;

static void
op_free (Op *op)
{
  g_free (op->key);
  g_free (op->value);
  g_free (op);
}

/* One write under way: the keys a failed guard brought back, what the
 * next attempt does, and the parts of its transaction. */
typedef ServalEtcdTxn Txn;

struct _Txn
{
  ServalStoreEtcd *self;
  const ServalStoreWrite *w;
  GHashTable *fresh; /* key -> entry from the last failed attempt (value NULL: absent); NULL at first */
  gint64 fresh_revision;
  GPtrArray *fresh_prefixes; /* @fresh holds every key that starts with one of these */
  guint attempts;
  guint32 tag;
  ServalEtcdPlanFunc plan; /* NULL: the write's kind says */
  const ServalLeaseRequest *req;
  ServalLease *lease;   /* returned when the transaction succeeds */
  GPtrArray *ops;       /* (element-type Op) applied to the copy when it succeeds */
  GPtrArray *fail_keys; /* keys the failure branch reads; "rights/" for every right */
  JsonArray *compare, *success, *failure;
};

static void
txn_clear_attempt (Txn *t)
{
  g_clear_pointer (&t->ops, g_ptr_array_unref);
  g_clear_pointer (&t->fail_keys, g_ptr_array_unref);
  g_clear_pointer (&t->compare, json_array_unref);
  g_clear_pointer (&t->success, json_array_unref);
  g_clear_pointer (&t->failure, json_array_unref);
}

gboolean
serval_store_etcd_txn_covers (Txn *t, const char *key)
{
  for (guint i = 0; t->ops != NULL && i < t->ops->len; i++)
    {
      Op *op = t->ops->pdata[i];

      if (op->prefix ? g_str_has_prefix (key, op->key) : g_str_equal (key, op->key))
        return TRUE;
    }
  return FALSE;
}

/* @t is done, at @revision if it succeeded (else 0): the effects held back
 * for it were its own if they came at that revision; the others go out. */
static void
txn_ended (Txn *t, gint64 revision)
{
  ServalStoreEtcd *self = t->self;
  GPtrArray *others = serval_etcd_effects_new ();
  g_autoptr(GPtrArray) mine = serval_etcd_effects_new ();

  g_ptr_array_remove (self->inflight, t);
  while (self->deferred->len > 0)
    {
      ServalEtcdEffect *fx = g_ptr_array_steal_index (self->deferred, 0);

      g_ptr_array_add (revision != 0 && fx->revision == revision && serval_store_etcd_txn_covers (t, fx->key) ? mine : others, fx);
    }
  serval_store_etcd_emit_effects (self, others);
}

static void
txn_free (Txn *t)
{
  txn_clear_attempt (t);
  g_clear_pointer (&t->fresh, g_hash_table_unref);
  g_clear_pointer (&t->fresh_prefixes, g_ptr_array_unref);
  g_clear_pointer (&t->lease, serval_lease_free);
  g_free (t);
}

/* What the transaction's planner knows of @key: the fresh answer if there
 * is one, else the copy. */
static gboolean
fresh_covers (Txn *t, const char *key)
{
  for (guint i = 0; t->fresh_prefixes != NULL && i < t->fresh_prefixes->len; i++)
    if (g_str_has_prefix (key, t->fresh_prefixes->pdata[i]))
      return TRUE;
  return FALSE;
}

const ServalEtcdEntry *
serval_etcd_txn_view (Txn *t, const char *key)
{
  if (t->fresh != NULL && (g_hash_table_contains (t->fresh, key) || fresh_covers (t, key)))
    return serval_etcd_entry (t->fresh, key);
  return serval_etcd_entry (t->self->copy, key);
}

GHashTable *
serval_etcd_txn_table (Txn *t, const char *prefix, gint64 *seen)
{
  if (t->fresh != NULL && fresh_covers (t, prefix))
    {
      *seen = t->fresh_revision;
      return t->fresh;
    }
  *seen = t->self->revision;
  return t->self->copy;
}

guint
serval_etcd_txn_attempt (Txn *t)
{
  return t->attempts;
}

const ServalStoreWrite *
serval_etcd_txn_write (Txn *t)
{
  return t->w;
}

const ServalLeaseRequest *
serval_etcd_txn_request (Txn *t)
{
  return t->req;
}

void
serval_etcd_txn_set_lease (Txn *t, ServalLease *lease)
{
  g_clear_pointer (&t->lease, serval_lease_free);
  t->lease = lease;
}

static gboolean
serval_etcd_txn_known_absent (Txn *t, const char *key)
{
  return t->fresh != NULL && serval_etcd_txn_view (t, key) == NULL;
}

/* A guard: @target ("VERSION", "MOD") of @key compared by @result ("EQUAL", "GREATER", "LESS") with @n. */
void
serval_etcd_txn_guard (Txn *t, const char *target, const char *key, gboolean prefix, const char *result, gint64 n)
{
  JsonObject *c = serval_store_etcd_range_request (t->self, key, prefix, FALSE);

  json_object_set_string_member (c, "target", target);
  json_object_set_string_member (c, "result", result);
  serval_store_etcd_set_take (c, g_str_equal (target, "MOD") ? "mod_revision" : "version",
                              g_strdup_printf ("%" G_GINT64_FORMAT, n));
  json_array_add_object_element (t->compare, c);
}

void
serval_etcd_txn_put (Txn *t, const char *key, char *value)
{
  JsonObject *req = json_object_new (), *o = json_object_new ();
  Op *op = g_new0 (Op, 1);

  serval_store_etcd_set_take (o, "key", serval_store_etcd_full_key (t->self, key));
  serval_store_etcd_set_take (o, "value", g_base64_encode ((const guchar *) value, strlen (value)));
  json_object_set_object_member (req, "request_put", o);
  json_array_add_object_element (t->success, req);
  op->key = g_strdup (key);
  op->value = value;
  g_ptr_array_add (t->ops, op);
}

void
serval_etcd_txn_del (Txn *t, const char *key, gboolean prefix)
{
  JsonObject *req = json_object_new ();
  Op *op = g_new0 (Op, 1);

  json_object_set_object_member (req, "request_delete_range", serval_store_etcd_range_request (t->self, key, prefix, FALSE));
  json_array_add_object_element (t->success, req);
  op->key = g_strdup (key);
  op->prefix = prefix;
  g_ptr_array_add (t->ops, op);
}

void
serval_etcd_txn_read_back (Txn *t, const char *key)
{
  JsonObject *req = json_object_new ();
  gboolean prefix = g_str_has_suffix (key, "/");

  json_object_set_object_member (req, "request_range", serval_store_etcd_range_request (t->self, key, prefix, FALSE));
  json_array_add_object_element (t->failure, req);
  g_ptr_array_add (t->fail_keys, g_strdup (key));
}

static gboolean
plan_user (Txn *t, GError **error)
{
  const ServalStoreWrite *w = t->w;
  g_autofree char *ukey = serval_etcd_key_user (w->user);
  const ServalEtcdEntry *e = serval_etcd_txn_view (t, ukey);
  ServalUserRecord record = { .admin = w->admin };

  serval_etcd_txn_read_back (t, ukey);
  switch (w->kind)
    {
    case SERVAL_STORE_USER_ADD:
      if (t->fresh != NULL && e != NULL)
        return serval_store_exists (w->kind, w->user, NULL, error);
      serval_etcd_txn_guard (t, "VERSION", ukey, FALSE, "EQUAL", 0);
      break;
    case SERVAL_STORE_USER_SET_CREDENTIALS:
      if (serval_etcd_txn_known_absent (t, ukey))
        return serval_store_no_user (w->user, error);
      /* Keep the admin flag, bridge right and rate limit it has: the guard
       * says nobody changed them since. */
      if (e != NULL)
        serval_etcd_user_record (e, &record);
      serval_etcd_txn_guard (t, "VERSION", ukey, FALSE, "GREATER", 0);
      serval_etcd_txn_guard (t, "MOD", ukey, FALSE, "EQUAL", e != NULL ? e->mod_revision : 0);
      break;
    default: /* SERVAL_STORE_USER_DEL: the user and their rights, in one revision */
      {
        g_autofree char *rights = serval_etcd_key_rights_of (w->user);

        if (serval_etcd_txn_known_absent (t, ukey))
          return serval_store_no_user (w->user, error);
        serval_etcd_txn_guard (t, "VERSION", ukey, FALSE, "GREATER", 0);
        serval_etcd_txn_del (t, ukey, FALSE);
        serval_etcd_txn_del (t, rights, TRUE);
        serval_store_etcd_plan_user_leases_del (t, w->user);
        return TRUE;
      }
    }
  serval_etcd_txn_put (t, ukey, serval_etcd_user_value (w->cred, &record));
  return TRUE;
}

static gboolean
plan_vlan_add (Txn *t, GError **error)
{
  g_autofree char *vkey = serval_etcd_key_vlan (t->w->vlan);
  const ServalEtcdEntry *next = serval_etcd_txn_view (t, SERVAL_ETCD_KEY_NEXT_TAG);
  guint64 tag = next != NULL ? g_ascii_strtoull (next->value, NULL, 10) : 1;

  if (t->fresh != NULL && serval_etcd_txn_view (t, vkey) != NULL)
    return serval_store_exists (t->w->kind, NULL, t->w->vlan, error);
  if (tag < 1 || tag > SERVAL_STORE_MAX_TAG)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "This server has used all %d VLAN numbers", SERVAL_STORE_MAX_TAG);
      return FALSE;
    }
  /* The counter only grows, and only through this guard: no tag twice. */
  serval_etcd_txn_guard (t, "VERSION", vkey, FALSE, "EQUAL", 0);
  serval_etcd_txn_guard (t, "MOD", SERVAL_ETCD_KEY_NEXT_TAG, FALSE, "EQUAL", next != NULL ? next->mod_revision : 0);
  serval_etcd_txn_put (t, vkey, g_strdup_printf ("{\"tag\":%u}", (guint) tag));
  serval_etcd_txn_put (t, SERVAL_ETCD_KEY_NEXT_TAG, g_strdup_printf ("%u", (guint) tag + 1));
  serval_etcd_txn_read_back (t, vkey);
  serval_etcd_txn_read_back (t, SERVAL_ETCD_KEY_NEXT_TAG);
  t->tag = tag;
  return TRUE;
}

static gboolean
plan_vlan_del (Txn *t, GError **error)
{
  g_autofree char *vkey = serval_etcd_key_vlan (t->w->vlan);
  g_autofree char *suffix = NULL;
  gint64 seen;
  GHashTable *rights = serval_etcd_txn_table (t, SERVAL_ETCD_KEY_RIGHTS, &seen);
  GHashTableIter iter;
  gpointer key, value;

  if (serval_etcd_txn_known_absent (t, vkey))
    return serval_store_no_vlan (t->w->vlan, error);
  suffix = g_strconcat ("/", vkey + strlen ("vlans/"), NULL);
  serval_etcd_txn_guard (t, "VERSION", vkey, FALSE, "GREATER", 0);
  /* No right changed since the list of them we delete from: else a grant
   * made meanwhile would outlive its VLAN. */
  serval_etcd_txn_guard (t, "MOD", SERVAL_ETCD_KEY_RIGHTS, TRUE, "LESS", seen + 1);
  serval_etcd_txn_del (t, vkey, FALSE);
  serval_store_etcd_plan_vlan_leases_del (t, t->w->vlan);
  g_hash_table_iter_init (&iter, rights);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((ServalEtcdEntry *) value)->value != NULL && g_str_has_prefix (key, SERVAL_ETCD_KEY_RIGHTS) &&
        g_str_has_suffix (key, suffix) && strchr ((char *) key + strlen (SERVAL_ETCD_KEY_RIGHTS), '/') == (char *) key + strlen (key) - strlen (suffix))
      serval_etcd_txn_del (t, key, FALSE);
  serval_etcd_txn_read_back (t, vkey);
  serval_etcd_txn_read_back (t, SERVAL_ETCD_KEY_RIGHTS);
  return TRUE;
}

/* Guards that the user and the VLAN exist, and reads them back. */
static gboolean
plan_user_and_vlan (Txn *t, const char *ukey, const char *vkey, GError **error)
{
  if (serval_etcd_txn_known_absent (t, ukey))
    return serval_store_no_user (t->w->user, error);
  if (serval_etcd_txn_known_absent (t, vkey))
    return serval_store_no_vlan (t->w->vlan, error);
  serval_etcd_txn_guard (t, "VERSION", ukey, FALSE, "GREATER", 0);
  serval_etcd_txn_guard (t, "VERSION", vkey, FALSE, "GREATER", 0);
  serval_etcd_txn_read_back (t, ukey);
  serval_etcd_txn_read_back (t, vkey);
  return TRUE;
}

static gboolean
plan_right (Txn *t, GError **error)
{
  const ServalStoreWrite *w = t->w;
  g_autofree char *ukey = serval_etcd_key_user (w->user);
  g_autofree char *vkey = serval_etcd_key_vlan (w->vlan);
  g_autofree char *rkey = serval_etcd_key_right (w->user, w->vlan);
  const ServalEtcdEntry *v;

  if (!plan_user_and_vlan (t, ukey, vkey, error))
    return FALSE;
  serval_etcd_txn_read_back (t, rkey);
  if (w->kind == SERVAL_STORE_REVOKE)
    {
      if (serval_etcd_txn_known_absent (t, rkey))
        return serval_store_no_right (w->user, w->vlan, error);
      serval_etcd_txn_guard (t, "VERSION", rkey, FALSE, "GREATER", 0);
      serval_etcd_txn_del (t, rkey, FALSE);
      return TRUE;
    }
  if (t->fresh != NULL && serval_etcd_txn_view (t, rkey) != NULL)
    return serval_store_exists (w->kind, w->user, w->vlan, error);
  v = serval_etcd_txn_view (t, vkey);
  /* The right holds the VLAN's tag: the guard says it is that VLAN's. */
  serval_etcd_txn_guard (t, "MOD", vkey, FALSE, "EQUAL", v != NULL ? v->mod_revision : 0);
  serval_etcd_txn_guard (t, "VERSION", rkey, FALSE, "EQUAL", 0);
  serval_etcd_txn_put (t, rkey, g_strdup_printf ("%u", serval_etcd_entry_tag (v)));
  return TRUE;
}

static void txn_send (GTask *task);

/* A failed guard: keep what the failure branch read, to plan again from it. */
static void
txn_read_back (Txn *t, JsonObject *response)
{
  JsonArray *responses = serval_etcd_array (response, "responses");

  g_clear_pointer (&t->fresh, g_hash_table_unref);
  g_clear_pointer (&t->fresh_prefixes, g_ptr_array_unref);
  t->fresh = serval_etcd_table_new ();
  t->fresh_prefixes = g_ptr_array_new_with_free_func (g_free);
  t->fresh_revision = serval_etcd_int (serval_etcd_object (response, "header"),
                                       "revision");
  for (guint i = 0; i < t->fail_keys->len; i++)
    {
      JsonObject *r = responses != NULL && i < json_array_get_length (responses) ? serval_etcd_object (json_array_get_object_element (responses, i), "response_range") : NULL;
      JsonArray *kvs = r != NULL ? serval_etcd_array (r, "kvs") : NULL;

      if (g_str_has_suffix (t->fail_keys->pdata[i], "/"))
        g_ptr_array_add (t->fresh_prefixes, g_strdup (t->fail_keys->pdata[i]));
      else
        serval_etcd_table_apply (t->fresh, t->fail_keys->pdata[i], NULL, 0, 0, NULL);
      for (guint j = 0; kvs != NULL && j < json_array_get_length (kvs); j++)
        {
          JsonObject *kv = json_array_get_object_element (kvs, j);
          g_autofree char *key = serval_store_etcd_kv_key (t->self, kv);
          gsize len;
          g_autofree char *value = serval_etcd_bytes (kv, "value", &len);

          if (key != NULL)
            serval_etcd_table_apply (t->fresh, key, value, len, serval_etcd_int (kv, "mod_revision"), NULL);
        }
    }
}

/* The write is made at @revision: the copy shows it from now on (the
 * watch brings the same change again later, and finds it there). */
static void
txn_apply (Txn *t, gint64 revision)
{
  for (guint i = 0; i < t->ops->len; i++)
    {
      Op *op = t->ops->pdata[i];
      g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
      GHashTableIter iter;
      gpointer key;

      if (!op->prefix)
        {
          serval_etcd_table_apply (t->self->copy, op->key, op->value, op->value ? strlen (op->value) : 0,
                                   revision, NULL);
          continue;
        }
      g_hash_table_iter_init (&iter, t->self->copy);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (g_str_has_prefix (key, op->key))
          g_ptr_array_add (keys, g_strdup (key));
      for (guint k = 0; k < keys->len; k++)
        serval_etcd_table_apply (t->self->copy, keys->pdata[k], NULL, 0, revision, NULL);
    }
}

static void
txn_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Txn *t = g_object_get_data (G_OBJECT (task), "txn");
  GError *error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);

  if (response == NULL)
    {
      txn_ended (t, 0);
      g_task_return_error (task, error);
      return;
    }
  if (json_object_get_boolean_member_with_default (response, "succeeded", FALSE))
    {
      gint64 revision = serval_etcd_int (serval_etcd_object (response, "header"), "revision");

      txn_apply (t, revision);
      txn_ended (t, revision);
      if (t->lease != NULL)
        g_task_return_pointer (task, g_steal_pointer (&t->lease), (GDestroyNotify) serval_lease_free);
      else
        g_task_return_int (task, t->tag);
      return;
    }
  if (++t->attempts >= MAX_ATTEMPTS)
    {
      txn_ended (t, 0);
      g_task_return_new_error (task, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE,
                               "The cluster store is too busy: others kept changing the same data; try again");
      return;
    }
  txn_read_back (t, response);
  txn_send (g_steal_pointer (&task));
}

static void
txn_send (GTask *task)
{
  Txn *t = g_object_get_data (G_OBJECT (task), "txn");
  GError *error = NULL;
  gboolean ok;
  JsonObject *body;

  txn_clear_attempt (t);
  t->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) op_free);
  t->fail_keys = g_ptr_array_new_with_free_func (g_free);
  t->compare = json_array_new ();
  t->success = json_array_new ();
  t->failure = json_array_new ();
  if (t->plan != NULL)
    ok = t->plan (t, &error);
  else
    switch (t->w->kind)
      {
      case SERVAL_STORE_VLAN_ADD: ok = plan_vlan_add (t, &error); break;
      case SERVAL_STORE_VLAN_DEL: ok = plan_vlan_del (t, &error); break;
      case SERVAL_STORE_GRANT:
      case SERVAL_STORE_REVOKE: ok = plan_right (t, &error); break;
      case SERVAL_STORE_USER_ADD:
      case SERVAL_STORE_USER_DEL:
      case SERVAL_STORE_USER_SET_CREDENTIALS: ok = plan_user (t, &error); break;
      default: ok = serval_store_etcd_plan_net (t, &error); break;
      }
  if (!ok)
    {
      txn_ended (t, 0);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  body = json_object_new ();
  json_object_set_array_member (body, "compare", json_array_ref (t->compare));
  json_object_set_array_member (body, "success", json_array_ref (t->success));
  json_object_set_array_member (body, "failure", json_array_ref (t->failure));
  serval_store_etcd_call (t->self, "kv/txn", body, FALSE, g_task_get_cancellable (task), txn_done_cb, task);
}

void
serval_store_etcd_txn_run (ServalStoreEtcd *self, GTask *task, ServalEtcdPlanFunc plan, const ServalLeaseRequest *req)
{
  Txn *t = g_new0 (Txn, 1);

  t->self = self;
  t->plan = plan;
  t->req = req;
  g_object_set_data_full (G_OBJECT (task), "txn", t, (GDestroyNotify) txn_free);
  g_ptr_array_add (t->self->inflight, t);
  txn_send (g_object_ref (task));
}

void
serval_store_etcd_write (ServalStore *store, const ServalStoreWrite *w, GTask *task)
{
  Txn *t = g_new0 (Txn, 1);

  t->self = SERVAL_STORE_ETCD (store);
  t->w = w;
  g_object_set_data_full (G_OBJECT (task), "txn", t, (GDestroyNotify) txn_free);
  g_ptr_array_add (t->self->inflight, t);
  txn_send (g_object_ref (task));
}
