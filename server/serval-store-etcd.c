/* serval-store-etcd.c: the store in etcd, shared by every node.
 *
 * At open, one range reads every key under the prefix into memory
 * (serval-store-etcd-copy.c); a watch from the next revision keeps that
 * copy current, so reads never wait for the network. Writes are etcd
 * transactions whose compare guards make them atomic; a guard that fails
 * brings back the keys it was about, and the write is planned again from
 * them. If etcd is lost, the watch reconnects with backoff over every
 * endpoint and the copy is read again; meanwhile the store says it is
 * unavailable. A probe (a linearizable read) every few seconds notices a
 * member that answers but has lost its quorum, whose watch goes quiet.
 */
#include "config.h"

#include "serval-store-etcd.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "serval-util.h"

#define PROBE_INTERVAL_S 2
#define BACKOFF_MIN_MS   250
#define BACKOFF_MAX_MS   5000

G_DEFINE_FINAL_TYPE (ServalStoreEtcd, serval_store_etcd, SERVAL_TYPE_STORE)

static void refresh (ServalStoreEtcd *self);

/* Emits the signals of @effects (taken), but holds back those of keys that
 * a transaction of ours under way touches: if it succeeds at the same
 * revision, the change was ours, and the caller acts on it with its own
 * words (serval-store.h: the signals are for changes made elsewhere). */
void
serval_store_etcd_emit_effects (ServalStoreEtcd *self, GPtrArray *effects)
{
  g_autoptr(GPtrArray) now = serval_etcd_effects_new ();

  while (effects->len > 0)
    {
      ServalEtcdEffect *fx = g_ptr_array_steal_index (effects, 0);
      gboolean ours = FALSE;

      for (guint i = 0; i < self->inflight->len && !ours; i++)
        ours = serval_store_etcd_txn_covers (self->inflight->pdata[i], fx->key);
      g_ptr_array_add (ours ? self->deferred : now, fx);
    }
  g_ptr_array_unref (effects);
  serval_etcd_effects_emit (SERVAL_STORE (self), now);
}

/* --- JSON requests ------------------------------------------------------------ */

char *
serval_store_etcd_full_key (ServalStoreEtcd *self, const char *key)
{
  g_autofree char *k = g_strconcat (self->prefix, key, NULL);

  return serval_etcd_b64 (k);
}

/* The end of the range of keys that start with @prefix + @key, in base64. */
static char *
range_end (ServalStoreEtcd *self, const char *key)
{
  g_autofree char *k = g_strconcat (self->prefix, key, NULL);
  gsize len = strlen (k);

  k[len - 1]++; /* "/serval/" -> "/serval0": every key with the prefix sorts before it */
  return serval_etcd_b64 (k);
}

/* Sets @member of @o to @b64, which it takes. */
void
serval_store_etcd_set_take (JsonObject *o, const char *member, char *b64)
{
  json_object_set_string_member (o, member, b64);
  g_free (b64);
}

JsonObject *
serval_store_etcd_range_request (ServalStoreEtcd *self, const char *key, gboolean prefix, gboolean keys_only)
{
  JsonObject *o = json_object_new ();

  serval_store_etcd_set_take (o, "key", serval_store_etcd_full_key (self, key));
  if (prefix)
    serval_store_etcd_set_take (o, "range_end", range_end (self, key));
  if (keys_only)
    json_object_set_boolean_member (o, "keys_only", TRUE);
  return o;
}

static JsonNode *
node_take (JsonObject *o)
{
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (n, o);
  return n;
}

/* Calls @method with @body (taken). */
void
serval_store_etcd_call (ServalStoreEtcd *self, const char *method, JsonObject *body, gboolean idempotent, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer data)
{
  g_autoptr(JsonNode) node = node_take (body);

  serval_etcd_call_async (self->etcd, method, node, idempotent, cancellable, callback, data);
}

/* Keys from a kv of the gateway's, without the prefix; NULL if outside it. */
char *
serval_store_etcd_kv_key (ServalStoreEtcd *self, JsonObject *kv)
{
  g_autofree char *key = serval_etcd_bytes (kv, "key", NULL);

  if (!g_str_has_prefix (key, self->prefix))
    return NULL;
  return g_strdup (key + strlen (self->prefix));
}

/* --- availability ------------------------------------------------------------- */

static void
set_available (ServalStoreEtcd *self, gboolean available, const char *why)
{
  if (self->available == available)
    return;
  self->available = available;
  if (!self->opened)
    return;
  if (available)
    g_message ("The cluster store is available again (etcd at %s)", serval_etcd_get_endpoints (self->etcd));
  else
    g_warning ("The cluster store is unavailable (%s): logins and changes are refused until it is back", why);
}

static gboolean
etcd_check_available (ServalStore *store, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);

  if (self->available)
    return TRUE;
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE,
               "The cluster store is unavailable (etcd cannot be reached or has no quorum): "
               "logins and changes are refused until it is back; try again in a moment");
  return FALSE;
}

static void
retry_later (ServalStoreEtcd *self)
{
  self->backoff_ms = CLAMP (self->backoff_ms * 2, BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  if (self->retry_source != NULL)
    return;
  serval_timeout_once (&self->retry_source, NULL, self->backoff_ms, (ServalTimeoutFunc) refresh, self);
}

/* --- the watch ------------------------------------------------------------------ */

static void
apply_kv (ServalStoreEtcd *self, JsonObject *kv, gboolean deleted, GPtrArray *effects)
{
  g_autofree char *key = serval_store_etcd_kv_key (self, kv);
  g_autofree char *value = NULL;
  gsize len = 0;

  if (key == NULL)
    return;
  if (!deleted)
    value = serval_etcd_bytes (kv, "value", &len);
  serval_etcd_table_apply (self->copy, key, value, len, serval_etcd_int (kv, "mod_revision"), effects);
}

static void
watch_result_cb (JsonObject *result, gpointer data)
{
  ServalStoreEtcd *self = data;
  JsonArray *events = serval_etcd_array (result, "events");
  GPtrArray *effects = serval_etcd_effects_new ();
  JsonObject *header = serval_etcd_object (result, "header");

  if (serval_etcd_int (result, "compact_revision") > 0 ||
      json_object_get_boolean_member_with_default (result, "canceled", FALSE))
    {
      /* The changes since our revision are gone: read everything again. */
      g_cancellable_cancel (self->watch_cancellable);
      refresh (self);
      g_ptr_array_unref (effects);
      return;
    }
  if (json_object_get_boolean_member_with_default (result, "created", FALSE))
    self->backoff_ms = 0;
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonObject *ev = json_array_get_object_element (events, i);
      JsonObject *kv = serval_etcd_object (ev, "kv");

      if (kv != NULL)
        apply_kv (self, kv, g_strcmp0 (json_object_get_string_member_with_default (ev, "type", "PUT"), "DELETE") == 0,
                  effects);
    }
  self->revision = MAX (self->revision, serval_etcd_int (header, "revision"));
  serval_store_etcd_emit_effects (self, effects);
}

static void
watch_ended_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  ServalStoreEtcd *self = data;

  if (serval_etcd_watch_finish (NULL, result, &error) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* cancelled: whoever cancelled it goes on (or the store is gone) */
  g_message ("Lost etcd's watch (%s): reading the store again", error->message);
  refresh (self);
}

static void
start_watch (ServalStoreEtcd *self)
{
  JsonObject *create = serval_store_etcd_range_request (self, "", TRUE, FALSE);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_int_member (create, "start_revision", self->revision + 1);
  json_object_set_object_member (body, "create_request", create);
  node = node_take (json_object_ref (body));
  if (self->watch_cancellable != NULL)
    g_cancellable_cancel (self->watch_cancellable);
  g_clear_object (&self->watch_cancellable);
  self->watch_cancellable = g_cancellable_new ();
  serval_etcd_watch_async (self->etcd, node, watch_result_cb, self, self->watch_cancellable, watch_ended_cb, self);
}

/* --- refresh: the whole copy read again ---------------------------------------- */

/* Makes the copy what @response (a range of every key) says at its revision. */
static void
replace_copy (ServalStoreEtcd *self, JsonObject *response)
{
  JsonArray *kvs = serval_etcd_array (response, "kvs");
  gint64 rev = serval_etcd_int (serval_etcd_object (response, "header"), "revision");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *effects = serval_etcd_effects_new ();
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; kvs != NULL && i < json_array_get_length (kvs); i++)
    {
      JsonObject *kv = json_array_get_object_element (kvs, i);
      char *k = serval_store_etcd_kv_key (self, kv);

      if (k != NULL)
        g_hash_table_add (seen, k);
      apply_kv (self, kv, FALSE, effects);
    }
  /* What is not in the answer was deleted, unless a write of ours since put it there. */
  g_hash_table_iter_init (&iter, self->copy);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((ServalEtcdEntry *) value)->mod_revision <= rev && !g_hash_table_contains (seen, key))
      g_ptr_array_add (gone, g_strdup (key));
  for (guint i = 0; i < gone->len; i++)
    {
      serval_etcd_table_apply (self->copy, gone->pdata[i], NULL, 0, rev, self->opened ? effects : NULL);
      g_hash_table_remove (self->copy, gone->pdata[i]);
    }
  self->revision = rev;
  serval_store_etcd_emit_effects (self, effects);
}

static void
refresh_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalStoreEtcd *self = data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (response == NULL)
    {
      if (!self->opened)
        {
          self->open_error = g_steal_pointer (&error);
          return;
        }
      set_available (self, FALSE, error->message);
      retry_later (self);
      return;
    }
  replace_copy (self, response);
  set_available (self, TRUE, NULL);
  self->opened = TRUE;
  start_watch (self);
}

static void
refresh (ServalStoreEtcd *self)
{
  if (self->watch_cancellable != NULL)
    g_cancellable_cancel (self->watch_cancellable);
  serval_store_etcd_call (self, "kv/range", serval_store_etcd_range_request (self, "", TRUE, FALSE), TRUE, self->cancellable, refresh_cb, self);
}

/* --- the probe -------------------------------------------------------------------- */

static void
probe_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalStoreEtcd *self = data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->probing = FALSE;
  if (response == NULL && self->available)
    {
      set_available (self, FALSE, error->message);
      refresh (self);
    }
}

static gboolean
probe_timer_cb (gpointer data)
{
  ServalStoreEtcd *self = data;
  JsonObject *body;

  if (self->probing || !self->available)
    return G_SOURCE_CONTINUE;
  /* A linearizable read at the member the watch is on: it fails without quorum. */
  body = serval_store_etcd_range_request (self, SERVAL_ETCD_KEY_NEXT_TAG, FALSE, FALSE);
  json_object_set_boolean_member (body, "count_only", TRUE);
  self->probing = TRUE;
  serval_store_etcd_call (self, "kv/range", body, FALSE, self->cancellable, probe_cb, self);
  return G_SOURCE_CONTINUE;
}

/* --- secrets ----------------------------------------------------------------------- */

typedef struct
{
  JsonObject *response;
  GError *error;
  gboolean done;
} Wait;

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->response = serval_etcd_call_finish (NULL, result, &w->error);
  w->done = TRUE;
}

/* Makes the secret @key with @len random bytes, unless someone else did first. */
static gboolean
make_secret (ServalStoreEtcd *self, const char *key, gsize len, GError **error)
{
  g_autofree guint8 *bytes = g_malloc (len);
  JsonObject *body = json_object_new (), *c, *p, *req;
  JsonArray *compare = json_array_new (), *success = json_array_new (), *failure = json_array_new ();
  JsonArray *responses, *kvs;
  GMainContext *context = g_main_context_get_thread_default ();
  Wait w = { 0 };
  gint64 rev;
  int ret;

  if ((ret = gnutls_rnd (GNUTLS_RND_KEY, bytes, len)) < 0)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_IO, "Cannot make the secret “%s”: %s", key,
                   gnutls_strerror (ret));
      return FALSE;
    }
  c = serval_store_etcd_range_request (self, key, FALSE, FALSE);
  json_object_set_string_member (c, "target", "VERSION");
  json_object_set_string_member (c, "result", "EQUAL");
  json_object_set_string_member (c, "version", "0");
  json_array_add_object_element (compare, c);
  p = serval_store_etcd_range_request (self, key, FALSE, FALSE);
  serval_store_etcd_set_take (p, "value", g_base64_encode (bytes, len));
  req = json_object_new ();
  json_object_set_object_member (req, "request_put", p);
  json_array_add_object_element (success, req);
  req = json_object_new ();
  json_object_set_object_member (req, "request_range", serval_store_etcd_range_request (self, key, FALSE, FALSE));
  json_array_add_object_element (failure, req);
  json_object_set_array_member (body, "compare", compare);
  json_object_set_array_member (body, "success", success);
  json_object_set_array_member (body, "failure", failure);
  serval_store_etcd_call (self, "kv/txn", body, FALSE, self->cancellable, wait_cb, &w);
  while (!w.done)
    g_main_context_iteration (context, TRUE);
  if (w.response == NULL)
    {
      gnutls_memset (bytes, 0, len);
      g_propagate_error (error, w.error);
      return FALSE;
    }
  rev = serval_etcd_int (serval_etcd_object (w.response, "header"), "revision");
  if (json_object_get_boolean_member_with_default (w.response, "succeeded", FALSE))
    serval_etcd_table_apply (self->copy, key, (const char *) bytes, len, rev, NULL);
  else if ((responses = serval_etcd_array (w.response, "responses")) != NULL &&
           json_array_get_length (responses) == 1 &&
           (kvs = serval_etcd_array (serval_etcd_object (json_array_get_object_element (responses, 0),
                                                         "response_range"),
                                     "kvs")) != NULL &&
           json_array_get_length (kvs) == 1)
    apply_kv (self, json_array_get_object_element (kvs, 0), FALSE, NULL);
  json_object_unref (w.response);
  gnutls_memset (bytes, 0, len);
  return TRUE;
}

static gboolean
etcd_secret (ServalStore *store, const char *name, guint8 *out, gsize len, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  g_autofree char *key = g_strconcat ("secrets/", name, NULL);
  const ServalEtcdEntry *e = serval_etcd_entry (self->copy, key);

  if (e == NULL && !make_secret (self, key, len, error))
    return FALSE;
  e = serval_etcd_entry (self->copy, key);
  if (e == NULL || e->len != len)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                   "The secret “%s” in etcd has %" G_GSIZE_FORMAT " bytes instead of %" G_GSIZE_FORMAT
                   ": delete it (etcdctl del %s%s) and a new one is made",
                   name, e ? e->len : 0, len,
                   self->prefix, key);
      return FALSE;
    }
  memcpy (out, e->value, len);
  return TRUE;
}

/* --- the object ----------------------------------------------------------------------- */

static void
etcd_dispose (GObject *object)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (object);

  g_cancellable_cancel (self->cancellable);
  if (self->watch_cancellable != NULL)
    g_cancellable_cancel (self->watch_cancellable);
  serval_clear_source (&self->retry_source);
  serval_clear_source (&self->probe_source);
  G_OBJECT_CLASS (serval_store_etcd_parent_class)->dispose (object);
}

static void
etcd_finalize (GObject *object)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->watch_cancellable);
  g_clear_pointer (&self->etcd, serval_etcd_free);
  g_clear_pointer (&self->copy, g_hash_table_unref);
  g_clear_pointer (&self->inflight, g_ptr_array_unref);
  g_clear_pointer (&self->deferred, g_ptr_array_unref);
  g_clear_error (&self->open_error);
  g_free (self->prefix);
  G_OBJECT_CLASS (serval_store_etcd_parent_class)->finalize (object);
}

static void
serval_store_etcd_init (ServalStoreEtcd *self)
{
  self->copy = serval_etcd_table_new ();
  self->cancellable = g_cancellable_new ();
  self->inflight = g_ptr_array_new ();
  self->deferred = serval_etcd_effects_new ();
}

ServalStore *
serval_store_open_etcd (const char *endpoints, const char *prefix, GError **error)
{
  g_autoptr(ServalStoreEtcd) self = g_object_new (serval_store_etcd_get_type (), NULL);
  GMainContext *context = g_main_context_get_thread_default ();

  self->prefix = g_strdup (prefix);
  if ((self->etcd = serval_etcd_new (endpoints, error)) == NULL)
    return NULL;
  refresh (self);
  while (!self->opened && self->open_error == NULL)
    g_main_context_iteration (context, TRUE);
  if (self->open_error != NULL)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE,
                   "Cannot reach the cluster store: %s. Check that etcd runs there and has a quorum, that "
                   "these are its client URLs (its --advertise-client-urls), and that no firewall is in the way",
                   self->open_error->message);
      return NULL;
    }
  self->probe_source = g_timeout_source_new_seconds (PROBE_INTERVAL_S);
  g_source_set_callback (self->probe_source, probe_timer_cb, self, NULL);
  g_source_attach (self->probe_source, NULL);
  return SERVAL_STORE (g_steal_pointer (&self));
}

static void
serval_store_etcd_class_init (ServalStoreEtcdClass *klass)
{
  ServalStoreClass *store_class = SERVAL_STORE_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = etcd_dispose;
  G_OBJECT_CLASS (klass)->finalize = etcd_finalize;
  store_class->secret = etcd_secret;
  store_class->check_available = etcd_check_available;
  store_class->write = serval_store_etcd_write;
  serval_store_etcd_copy_class_init (store_class);
  store_class->vlan_get = serval_store_etcd_vlan_get;
  store_class->lease = serval_store_etcd_lease;
  store_class->lease_release = serval_store_etcd_lease_release;
  store_class->lease_list = serval_store_etcd_lease_list;
}
