/* serval-cluster.c: the cluster's registry of nodes and members in etcd
 * (serval-cluster.h).
 *
 * Start: a transaction records the cluster's fingerprint if it has none
 * (and start fails if it has another), a lease is granted, a transaction
 * puts this node's key unless a live node holds it, and one range of
 * /serval-live/ fills the directory; a watch from the next revision keeps
 * it current. A timer every TTL/3 sends the keepalive; a keepalive that
 * hangs (a member without quorum holds it about 7 s before its 503) is
 * doubled by a serializable read at every endpoint, which such a member
 * answers at once (and one that hangs hides no other), so
 * that "etcd answers" (NO_QUORUM) and "nothing answers" (CUT_OFF) stay
 * apart. A lost lease, or any answer after CUT_OFF, takes a new lease:
 * this node's key and everything it published are written again under it,
 * and the directory is read again.
 */
#include "config.h"

#include "serval-cluster-private.h"

#include <string.h>

#include "serval-tls.h"
#include "serval-util.h"

#define LIVE_END        "/serval-live0" /* every key under SERVAL_CLUSTER_LIVE_PREFIX sorts before it */
#define FINGERPRINT_KEY "/serval/cluster/fingerprint"

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-cluster-error-quark, serval_cluster_error)
/* clang-format on */

G_DEFINE_ENUM_TYPE (ServalClusterState, serval_cluster_state,
                    G_DEFINE_ENUM_VALUE (SERVAL_CLUSTER_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLUSTER_OK, "ok"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLUSTER_NO_QUORUM, "no-quorum"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLUSTER_CUT_OFF, "cut-off"))

G_DEFINE_FINAL_TYPE (ServalCluster, serval_cluster, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

guint serval_cluster_signals[SERVAL_CLUSTER_N_SIGNALS];

static void renew (ServalCluster *self);
static void refresh (ServalCluster *self);
static gboolean tick_cb (gpointer data);

static void
published_free (Published *p)
{
  g_free (p->value);
  g_free (p);
}

void
serval_cluster_call (ServalCluster *self, const char *method, JsonObject *body, GAsyncReadyCallback callback, gpointer data)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, body);
  /* Every call here may be repeated: puts and deletes are written one at
   * a time per key, and a lease granted twice expires unused. */
  serval_etcd_call_async (self->etcd, method, node, TRUE, self->cancellable, callback, data);
}

/* --- the state ------------------------------------------------------------------ */

const char *
serval_cluster_state_describe (ServalClusterState state)
{
  switch (state)
    {
    case SERVAL_CLUSTER_STARTING:
      return "This node has not joined the cluster's registry in etcd yet";
    case SERVAL_CLUSTER_OK:
      return "This node is in the cluster: etcd keeps its lease alive and its directory is current";
    case SERVAL_CLUSTER_NO_QUORUM:
      return "etcd does not keep this node's lease alive (it answers without a quorum, or has just stopped "
             "answering): the lease is kept and tried again, and a new etcd leader extends it";
    case SERVAL_CLUSTER_CUT_OFF:
      return "No etcd endpoint has answered for longer than this node's lease lasts: the other nodes "
             "count this node as gone; it should stop serving until etcd answers and it has joined again";
    }
  return "Unknown cluster state";
}

static void
set_state (ServalCluster *self, ServalClusterState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_message ("Cluster node “%s”: %s", self->node, serval_cluster_state_describe (state));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Sets the state from what etcd said lately. CUT_OFF lasts until a new
 * lease is taken: the old one is surely gone by then. */
static void
judge (ServalCluster *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 interval = (gint64) self->ttl * G_USEC_PER_SEC / 3;

  if (self->start_task != NULL)
    return;
  if (now - serval_etcd_get_last_answer (self->etcd) > (gint64) self->ttl * G_USEC_PER_SEC)
    set_state (self, SERVAL_CLUSTER_CUT_OFF);
  else if (self->state != SERVAL_CLUSTER_CUT_OFF &&
           (self->renewing || self->keepalive_failed || (self->keepalive_busy && now - self->keepalive_sent > 2 * interval)))
    set_state (self, SERVAL_CLUSTER_NO_QUORUM);
}

/* --- the watch and the reads ---------------------------------------------------------- */

static gboolean
retry_cb (gpointer data)
{
  ServalCluster *self = data;

  serval_clear_source (&self->renew_source);
  if (self->renewing)
    renew (self);
  else
    refresh (self);
  return G_SOURCE_REMOVE;
}

/* Tries the renewal (or the read) again after a backoff. */
static void
retry_later (ServalCluster *self)
{
  self->renew_backoff_ms = CLAMP (self->renew_backoff_ms * 2, BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  if (self->renew_source != NULL)
    return;
  self->renew_source = g_timeout_source_new (self->renew_backoff_ms);
  g_source_set_callback (self->renew_source, retry_cb, self, NULL);
  g_source_attach (self->renew_source, self->context);
}

static void
watch_result_cb (JsonObject *result, gpointer data)
{
  ServalCluster *self = data;
  JsonArray *events = serval_etcd_array (result, "events");

  if (serval_etcd_int (result, "compact_revision") > 0 ||
      json_object_get_boolean_member_with_default (result, "canceled", FALSE))
    {
      /* The changes since our revision are gone: read everything again. */
      refresh (self);
      return;
    }
  if (json_object_get_boolean_member_with_default (result, "created", FALSE))
    self->renew_backoff_ms = 0;
  g_object_ref (self); /* a handler may drop the last other reference */
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonObject *ev = json_array_get_object_element (events, i);
      JsonObject *kv = serval_etcd_object (ev, "kv");
      gboolean deleted = g_strcmp0 (json_object_get_string_member_with_default (ev, "type", "PUT"), "DELETE") == 0;
      g_autofree char *key = serval_etcd_bytes (kv, "key", NULL);
      g_autofree char *value = deleted ? NULL : serval_etcd_bytes (kv, "value", NULL);

      serval_cluster_apply (self, key, value);
    }
  self->revision = MAX (self->revision, serval_etcd_int (serval_etcd_object (result, "header"), "revision"));
  g_object_unref (self);
}

static void
watch_ended_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (serval_etcd_watch_finish (NULL, result, &error) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* cancelled: whoever cancelled it goes on (or the registry is gone) */
  g_message ("Lost etcd's watch of the cluster's registry (%s): reading it again", error->message);
  refresh (data);
}

static void
start_watch (ServalCluster *self)
{
  JsonObject *create = serval_cluster_key_request (SERVAL_CLUSTER_LIVE_PREFIX);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  serval_cluster_set_b64 (create, "range_end", LIVE_END);
  serval_cluster_set_int64 (create, "start_revision", self->revision + 1);
  json_object_set_object_member (body, "create_request", create);
  json_node_set_object (node, body);
  self->watch_cancellable = g_cancellable_new ();
  serval_etcd_watch_async (self->etcd, node, watch_result_cb, self, self->watch_cancellable, watch_ended_cb, self);
}

static void refresh_cb (GObject *source, GAsyncResult *result, gpointer data);

/* Reads every live key again, then watches from there. */
static void
refresh (ServalCluster *self)
{
  JsonObject *body = serval_cluster_key_request (SERVAL_CLUSTER_LIVE_PREFIX);

  if (self->watch_cancellable != NULL)
    g_cancellable_cancel (self->watch_cancellable);
  g_clear_object (&self->watch_cancellable);
  serval_cluster_set_b64 (body, "range_end", LIVE_END);
  serval_cluster_call (self, "kv/range", body, refresh_cb, self);
}

/* --- start and renewal ------------------------------------------------------------ */

/* Ends the start with @error (taken), in the registry's words. */
static void
start_fail (ServalCluster *self, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  if (error->domain == SERVAL_CLUSTER_ERROR)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_new_error (task, SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_UNAVAILABLE,
                           "Cannot join the cluster's registry in etcd: %s. Check that etcd runs there and has a "
                           "quorum, and that these are its client URLs (its --advertise-client-urls)",
                           error->message);
  g_error_free (error);
}

/* A step of the start or of a renewal failed with @error (taken): the
 * start ends with it; a renewal is tried again after a backoff. */
static void
step_failed (ServalCluster *self, GError *error)
{
  if (self->start_task != NULL)
    {
      start_fail (self, error);
      return;
    }
  /* etcd being away is said by the state; a name taken while this node was
   * cut off is not. */
  if (g_error_matches (error, SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_NAME_TAKEN))
    g_message ("Cluster node “%s” cannot join again: %s", self->node, error->message);
  else
    g_debug ("Cluster node “%s”: %s; trying again", self->node, error->message);
  g_error_free (error);
  retry_later (self);
  judge (self);
}

static void
refresh_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalCluster *self = data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (response == NULL)
    {
      step_failed (self, g_steal_pointer (&error));
      return;
    }
  /* Two reads under way at once: the older answer brings nothing new. */
  if (serval_etcd_int (serval_etcd_object (response, "header"), "revision") < self->revision &&
      self->watch_cancellable != NULL)
    return;
  g_object_ref (self); /* a handler may drop the last other reference */
  serval_cluster_replace_directory (self, response);
  start_watch (self);
  if (self->start_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

      set_state (self, SERVAL_CLUSTER_OK);
      self->tick_source = g_timeout_source_new (self->ttl * 1000 / 3);
      g_source_set_callback (self->tick_source, tick_cb, self, NULL);
      g_source_attach (self->tick_source, self->context);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (self);
}

static void
node_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalCluster *self = data;
  GHashTableIter iter;
  gpointer value;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (response == NULL)
    {
      step_failed (self, g_steal_pointer (&error));
      return;
    }
  if (!serval_cluster_txn_succeeded (response))
    {
      g_autofree char *key = serval_cluster_node_key (self->node);
      JsonObject *revoke = json_object_new ();

      /* Nothing is under the new lease yet. */
      serval_cluster_set_int64 (revoke, "ID", self->lease);
      serval_cluster_call (self, "lease/revoke", revoke, NULL, NULL);
      self->lease = 0;
      step_failed (self, g_error_new (SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_NAME_TAKEN,
                                      "Another node named “%s” is alive in the cluster (its key %s in etcd is "
                                      "held by a live lease): give this node another name, or stop the other; "
                                      "if it stopped less than %u seconds ago, start again once its lease expired",
                                      self->node, key, self->ttl));
      return;
    }
  self->renewing = FALSE;
  self->renew_backoff_ms = 0;
  /* Everything this node published goes again, under the new lease. */
  g_hash_table_iter_init (&iter, self->published);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Published *) value)->written = 0;
  serval_cluster_kick_writes (self);
  if (self->start_task == NULL)
    set_state (self, SERVAL_CLUSTER_OK);
  refresh (self);
}

static void
grant_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalCluster *self = data;
  g_autofree char *key = NULL, *value = NULL;
  JsonObject *put;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* @self may be gone */
  if (response != NULL && serval_etcd_int (response, "ID") == 0)
    error = g_error_new (SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_UNAVAILABLE, "etcd granted no lease (%s)",
                         json_object_get_string_member_with_default (response, "error", "its answer has no ID"));
  if (error != NULL)
    {
      step_failed (self, g_steal_pointer (&error));
      return;
    }
  /* The old lease, if any, is left to expire: revoking it could delete
   * keys before they are written again under the new one. */
  self->lease = serval_etcd_int (response, "ID");
  key = serval_cluster_node_key (self->node);
  value = serval_cluster_node_value (self);
  put = serval_cluster_put_request (self, key, value);
  /* A live node of this name refuses us: at start if the key exists, later
   * if it is no longer under our old lease (someone took the name while we
   * were cut off). */
  if (self->old_lease == 0)
    serval_cluster_call (self, "kv/txn", serval_cluster_txn_if_absent (key, put), node_cb, self);
  else
    serval_cluster_call (self, "kv/txn", serval_cluster_txn_if_ours (key, self->old_lease, put), node_cb, self);
}

/* Takes a lease, puts the node key under it, writes what was published
 * again, and reads the directory again. */
static void
renew (ServalCluster *self)
{
  JsonObject *body = json_object_new ();

  if (!self->renewing)
    self->old_lease = self->lease;
  self->renewing = TRUE;
  serval_cluster_set_int64 (body, "TTL", self->ttl);
  serval_cluster_call (self, "lease/grant", body, grant_cb, self);
}

static void
fingerprint_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalCluster *self = data;
  g_autofree char *theirs = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (response == NULL)
    {
      start_fail (self, g_steal_pointer (&error));
      return;
    }
  if (!json_object_get_boolean_member_with_default (response, "succeeded", FALSE) &&
      (theirs = serval_cluster_txn_read_value (response)) != NULL && !serval_fingerprint_equal (self->fingerprint, theirs))
    {
      start_fail (self, g_error_new (SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_UNKNOWN_KEY,
                                     "This node's certificate (fingerprint %s) is not the cluster's (%s): "
                                     "every node of a cluster has the same, so that a client that trusts one "
                                     "trusts all. Copy cert.pem and key.pem from the data directory of a node "
                                     "of the cluster into this node's data directory, then start again",
                                     self->fingerprint, theirs));
      return;
    }
  renew (self);
}

void
serval_cluster_start_async (ServalCluster *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  JsonObject *put = serval_cluster_key_request (FINGERPRINT_KEY);

  g_return_if_fail (SERVAL_IS_CLUSTER (self));
  g_return_if_fail (self->start_task == NULL && self->state == SERVAL_CLUSTER_STARTING);
  self->start_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->start_task, serval_cluster_start_async);
  self->since = g_get_real_time () / G_USEC_PER_SEC;
  serval_cluster_set_b64 (put, "value", self->fingerprint);
  serval_cluster_call (self, "kv/txn", serval_cluster_txn_if_absent (FINGERPRINT_KEY, put), fingerprint_cb, self);
}

gboolean
serval_cluster_start_finish (ServalCluster *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- the lease's keepalives ------------------------------------------------------------ */

static void
keepalive_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  ServalCluster *self = data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->keepalive_busy = FALSE;
  if (response == NULL)
    {
      if (!self->keepalive_failed)
        g_message ("Cluster node “%s”: etcd did not keep its lease alive: %s", self->node, error->message);
      self->keepalive_failed = TRUE;
      judge (self);
      return;
    }
  self->keepalive_failed = FALSE;
  /* The gateway answers a lease it does not know with no TTL. */
  if (serval_etcd_int (serval_etcd_object (response, "result"), "TTL") <= 0 || self->state == SERVAL_CLUSTER_CUT_OFF)
    {
      g_message ("Cluster node “%s”: %s: taking a new lease", self->node,
                 self->state == SERVAL_CLUSTER_CUT_OFF ? "etcd answers again" : "etcd has let its lease expire");
      renew (self);
      return;
    }
  set_state (self, SERVAL_CLUSTER_OK);
}

static void
probe_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  ServalCluster *self = data;

  if (!serval_etcd_probe_finish (NULL, result, &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->probing = FALSE;
  judge (self);
}

static gboolean
tick_cb (gpointer data)
{
  ServalCluster *self = data;
  gint64 now = g_get_monotonic_time ();

  if (!self->renewing && !self->keepalive_busy)
    {
      JsonObject *body = json_object_new ();

      serval_cluster_set_int64 (body, "ID", self->lease);
      self->keepalive_busy = TRUE;
      self->keepalive_sent = now;
      serval_cluster_call (self, "lease/keepalive", body, keepalive_cb, self);
    }
  else if (!self->probing)
    {
      /* Every endpoint at once, each tick while the keepalive is under way
       * (a member without quorum holds it 7 s before its 503) or there is
       * no lease: tells "etcd answers" from "nothing answers" in time. */
      self->probing = TRUE;
      serval_etcd_probe_async (self->etcd, self->cancellable, probe_cb, self);
    }
  judge (self);
  return G_SOURCE_CONTINUE;
}

/* --- the object ----------------------------------------------------------------------------- */

ServalClusterState
serval_cluster_get_state (ServalCluster *self)
{
  g_return_val_if_fail (SERVAL_IS_CLUSTER (self), SERVAL_CLUSTER_STARTING);
  return self->state;
}

static void
serval_cluster_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ServalCluster *self = SERVAL_CLUSTER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leave_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);

  if (response == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
serval_cluster_leave_async (ServalCluster *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  /* The task holds the registry, and so its etcd client, until etcd answers. */
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *revoke;

  serval_clear_source (&self->tick_source);
  serval_clear_source (&self->renew_source);
  serval_clear_source (&self->write_source);
  if (self->lease == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  revoke = json_object_new ();
  serval_cluster_set_int64 (revoke, "ID", self->lease);
  self->lease = 0;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, revoke);
  serval_etcd_call_async (self->etcd, "lease/revoke", node, TRUE, cancellable, leave_cb, task);
}

gboolean
serval_cluster_leave_finish (ServalCluster *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
serval_cluster_dispose (GObject *object)
{
  ServalCluster *self = SERVAL_CLUSTER (object);

  /* No callback of ours runs after this: each sees the cancellation first. */
  g_cancellable_cancel (self->cancellable);
  if (self->watch_cancellable != NULL)
    g_cancellable_cancel (self->watch_cancellable);
  serval_clear_source (&self->tick_source);
  serval_clear_source (&self->renew_source);
  serval_clear_source (&self->write_source);
  G_OBJECT_CLASS (serval_cluster_parent_class)->dispose (object);
}

static void
serval_cluster_finalize (GObject *object)
{
  ServalCluster *self = SERVAL_CLUSTER (object);

  g_clear_pointer (&self->etcd, serval_etcd_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->watch_cancellable);
  g_clear_pointer (&self->nodes, g_hash_table_unref);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->published, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_strfreev (self->advertise);
  g_free (self->node);
  g_free (self->peer);
  g_free (self->fingerprint);
  G_OBJECT_CLASS (serval_cluster_parent_class)->finalize (object);
}

static void
serval_cluster_init (ServalCluster *self)
{
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
  self->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) serval_node_info_free);
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) serval_cluster_entry_free);
  self->published = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) published_free);
}

static void
serval_cluster_class_init (ServalClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType member = SERVAL_TYPE_MEMBER;

  object_class->get_property = serval_cluster_get_property;
  object_class->dispose = serval_cluster_dispose;
  object_class->finalize = serval_cluster_finalize;
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SERVAL_TYPE_CLUSTER_STATE, SERVAL_CLUSTER_STARTING,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  serval_cluster_signals[SERVAL_CLUSTER_NODE_ADDED] =
      g_signal_new ("node-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                    SERVAL_TYPE_NODE_INFO);
  serval_cluster_signals[SERVAL_CLUSTER_NODE_REMOVED] =
      g_signal_new ("node-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                    G_TYPE_STRING);
  serval_cluster_signals[SERVAL_CLUSTER_MEMBER_ADDED] =
      g_signal_new ("member-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_UINT, G_TYPE_STRING, member);
  serval_cluster_signals[SERVAL_CLUSTER_MEMBER_UPDATED] =
      g_signal_new ("member-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_UINT, G_TYPE_STRING, member);
  serval_cluster_signals[SERVAL_CLUSTER_MEMBER_REMOVED] =
      g_signal_new ("member-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_UINT, G_TYPE_STRING, member);
}

ServalCluster *
serval_cluster_new (const char *etcd_urls, const char *node, const char *const *advertise, const char *peer,
                    const char *fingerprint, guint lease_ttl, GError **error)
{
  g_autoptr(ServalCluster) self = NULL;
  ServalEtcd *etcd;

  g_return_val_if_fail (node != NULL && *node != '\0' && peer != NULL && fingerprint != NULL, NULL);
  g_return_val_if_fail (lease_ttl >= 2, NULL);
  if ((etcd = serval_etcd_new (etcd_urls, error)) == NULL)
    return NULL;
  self = g_object_new (SERVAL_TYPE_CLUSTER, NULL);
  self->etcd = etcd;
  self->node = g_strdup (node);
  self->advertise = g_strdupv ((char **) advertise);
  self->peer = g_strdup (peer);
  self->fingerprint = g_strdup (fingerprint);
  self->ttl = lease_ttl;
  return g_steal_pointer (&self);
}
