/* serval-etcd.h: a small client of etcd's v3 JSON gateway over libsoup:
 * calls (range, txn) that try the next endpoint when one does not answer,
 * and a watch read as a stream of JSON objects. Used by the etcd store
 * backend only; its errors are the store's (SERVAL_STORE_ERROR_UNAVAILABLE).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _ServalEtcd ServalEtcd;

/* @endpoints: client URLs, comma separated. */
ServalEtcd *serval_etcd_new (const char *endpoints, GError **error);
void serval_etcd_free (ServalEtcd *etcd);
/* "http://a:2379, http://b:2379", for messages. */
const char *serval_etcd_get_endpoints (ServalEtcd *etcd);
/* The monotonic time at which an endpoint last answered a call with HTTP,
 * whatever the status (a member without quorum still answers), or 0: tells
 * a cluster without quorum from one that cannot be reached at all. */
gint64 serval_etcd_get_last_answer (ServalEtcd *etcd);

/* POSTs @body to /v3/@method ("kv/range") at the current endpoint, and at
 * the next ones when it does not answer: after any failure if @idempotent,
 * else only when the connection was refused (the request never left). */
void serval_etcd_call_async (ServalEtcd *etcd, const char *method, JsonNode *body, gboolean idempotent,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* Returns: (transfer full): the answer */
JsonObject *serval_etcd_call_finish (ServalEtcd *etcd, GAsyncResult *result, GError **error);

/* Asks every endpoint at once for a serializable read, which a member
 * answers without a quorum, and completes with TRUE as soon as one answers
 * with HTTP, whatever the status, or with an error when none did. Each answer, even after the
 * completion, counts for serval_etcd_get_last_answer(): a member that
 * hangs (one started again that waits for a quorum to serve) hides no other. */
void serval_etcd_probe_async (ServalEtcd *etcd, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean serval_etcd_probe_finish (ServalEtcd *etcd, GAsyncResult *result, GError **error);

typedef void (*ServalEtcdWatchFunc) (JsonObject *result, gpointer user_data);

/* Opens a watch with @create_request (a WatchCreateRequest) at the current
 * endpoint and calls @func with each WatchResponse; completes when the
 * stream ends, with an error (cancelled, or the connection lost). */
void serval_etcd_watch_async (ServalEtcd *etcd, JsonNode *create_request, ServalEtcdWatchFunc func,
                              gpointer func_data, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean serval_etcd_watch_finish (ServalEtcd *etcd, GAsyncResult *result, GError **error);

/* JSON as the gateway speaks it: bytes in base64, 64-bit integers as strings. */
char *serval_etcd_b64 (const char *text);
/* The bytes in base64 member @name of @o, NUL-terminated; "" if absent. */
char *serval_etcd_bytes (JsonObject *o, const char *name, gsize *len);
gint64 serval_etcd_int (JsonObject *o, const char *name);
/* Member @name of @o (which may be NULL) if it is an object (an array), else NULL. */
JsonObject *serval_etcd_object (JsonObject *o, const char *name);
JsonArray *serval_etcd_array (JsonObject *o, const char *name);

G_END_DECLS
