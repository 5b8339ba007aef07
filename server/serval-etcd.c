/* serval-etcd.c: etcd's v3 JSON gateway through libsoup (serval-etcd.h). */
#include "config.h"

#include "serval-etcd.h"

#include <libsoup/soup.h>
#include <string.h>

#include "serval-store.h"

/* A request to a member that does not answer in this long fails, and the
 * next member is asked. The watch has no such limit: it is quiet while
 * nothing changes (the store's probe notices a silent member instead). */
#define REQUEST_TIMEOUT_S 8

struct _ServalEtcd
{
  GStrv endpoints;
  char *text;         /* the endpoints, for messages */
  guint current;      /* the endpoint that answered last */
  gint64 last_answer; /* monotonic time of the last HTTP answer, any status */
  SoupSession *requests;
  SoupSession *watches;
  /* Probes have connections of their own: requests that a member without
   * quorum holds for 7 s (keepalives, writes) would otherwise take every
   * connection to it (libsoup keeps two per host), and a probe waiting
   * behind them would make a node that etcd answers think itself cut off. */
  SoupSession *probes;
};

ServalEtcd *
serval_etcd_new (const char *endpoints, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (endpoints, ",", -1);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  ServalEtcd *etcd;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *url = g_strstrip (parts[i]);
      g_autoptr(GUri) uri = NULL;

      if (*url == '\0')
        continue;
      uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 || g_uri_get_host (uri) == NULL)
        {
          g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                       "“%s” is not an etcd client URL: give --etcd http://HOST:PORT[,http://HOST:PORT...]", url);
          return NULL;
        }
      while (g_str_has_suffix (url, "/"))
        url[strlen (url) - 1] = '\0';
      g_ptr_array_add (list, g_strdup (url));
    }
  if (list->len == 0)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "--etcd needs at least one URL, such as http://127.0.0.1:2379");
      return NULL;
    }
  g_ptr_array_add (list, NULL);
  etcd = g_new0 (ServalEtcd, 1);
  etcd->endpoints = (GStrv) g_ptr_array_steal (list, NULL);
  etcd->text = g_strjoinv (", ", etcd->endpoints);
  etcd->requests = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S, NULL);
  etcd->watches = soup_session_new_with_options ("timeout", 0, "idle-timeout", 0, NULL);
  etcd->probes = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S, NULL);
  return etcd;
}

void
serval_etcd_free (ServalEtcd *etcd)
{
  if (etcd == NULL)
    return;
  soup_session_abort (etcd->requests);
  soup_session_abort (etcd->watches);
  soup_session_abort (etcd->probes);
  g_clear_object (&etcd->requests);
  g_clear_object (&etcd->watches);
  g_clear_object (&etcd->probes);
  g_strfreev (etcd->endpoints);
  g_free (etcd->text);
  g_free (etcd);
}

const char *
serval_etcd_get_endpoints (ServalEtcd *etcd)
{
  return etcd->text;
}

gint64
serval_etcd_get_last_answer (ServalEtcd *etcd)
{
  return etcd->last_answer;
}

/* --- JSON ------------------------------------------------------------------- */

char *
serval_etcd_b64 (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

char *
serval_etcd_bytes (JsonObject *o, const char *name, gsize *len)
{
  const char *b64 = o != NULL ? json_object_get_string_member_with_default (o, name, NULL) : NULL;
  gsize n = 0;
  guchar *raw;
  char *out;

  if (b64 == NULL || *b64 == '\0')
    {
      if (len != NULL)
        *len = 0;
      return g_strdup ("");
    }
  raw = g_base64_decode (b64, &n);
  out = g_malloc (n + 1);
  memcpy (out, raw, n);
  out[n] = '\0';
  g_free (raw);
  if (len != NULL)
    *len = n;
  return out;
}

gint64
serval_etcd_int (JsonObject *o, const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  return json_node_get_int (node);
}

JsonObject *
serval_etcd_object (JsonObject *o, const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
serval_etcd_array (JsonObject *o, const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
parse_object (const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT, "etcd answered something that is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static GBytes *
node_bytes (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize len;
  char *text;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}

static SoupMessage *
new_post (ServalEtcd *etcd, const char *method, GBytes *body)
{
  g_autofree char *url = g_strdup_printf ("%s/v3/%s", etcd->endpoints[etcd->current], method);
  SoupMessage *msg = soup_message_new ("POST", url);

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  return msg;
}

/* --- calls ------------------------------------------------------------------ */

typedef struct
{
  ServalEtcd *etcd;
  char *method;
  GBytes *body;
  gboolean idempotent;
  guint tries;
  char *last_error;
} Call;

static void
call_free (Call *c)
{
  g_free (c->method);
  g_bytes_unref (c->body);
  g_free (c->last_error);
  g_free (c);
}

static void call_send (GTask *task);

/* The current endpoint failed with @text: try the next, or give up. */
static void
call_failed (GTask *task, const char *text, gboolean may_retry)
{
  Call *c = g_task_get_task_data (task);
  ServalEtcd *etcd = c->etcd;

  g_free (c->last_error);
  c->last_error = g_strdup_printf ("%s: %s", etcd->endpoints[etcd->current], text);
  if (may_retry && c->tries < g_strv_length (etcd->endpoints))
    {
      etcd->current = (etcd->current + 1) % g_strv_length (etcd->endpoints);
      call_send (task);
      return;
    }
  g_task_return_new_error (task, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE,
                           "The cluster store is unavailable: no etcd endpoint answered (tried %s; last, %s)",
                           etcd->text, c->last_error);
}

static void
call_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *c = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonObject) o = NULL;
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  guint status = msg != NULL ? soup_message_get_status (msg) : 0;

  /* The client may be gone (the store closed): touch nothing of it. */
  if (g_task_return_error_if_cancelled (task))
    return;
  if (status != SOUP_STATUS_NONE)
    c->etcd->last_answer = g_get_monotonic_time ();
  if (body == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        call_failed (task, error->message,
                     c->idempotent || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
                         g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND));
      return;
    }
  o = parse_object (data, len, NULL);
  if (status != SOUP_STATUS_OK || o == NULL)
    {
      g_autofree char *text = g_strdup_printf ("HTTP %u%s%s", status, o ? ", " : "",
                                               o ? json_object_get_string_member_with_default (o, "message", "") : "");
      /* 503 and the like: that member has no leader; another may. */
      call_failed (task, text, c->idempotent);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&o), (GDestroyNotify) json_object_unref);
}

static void
call_send (GTask *task)
{
  Call *c = g_task_get_task_data (task);
  ServalEtcd *etcd = c->etcd;
  g_autoptr(SoupMessage) msg = new_post (etcd, c->method, c->body);

  c->tries++;
  soup_session_send_and_read_async (etcd->requests, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    call_done_cb, g_object_ref (task));
}

void
serval_etcd_call_async (ServalEtcd *etcd, const char *method, JsonNode *body, gboolean idempotent,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Call *c = g_new0 (Call, 1);

  g_task_set_source_tag (task, serval_etcd_call_async);
  c->etcd = etcd;
  c->method = g_strdup (method);
  c->body = node_bytes (body);
  c->idempotent = idempotent;
  g_task_set_task_data (task, c, (GDestroyNotify) call_free);
  call_send (task);
}

JsonObject *
serval_etcd_call_finish (ServalEtcd *etcd, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- probes ------------------------------------------------------------------ */

typedef struct
{
  ServalEtcd *etcd;
  guint pending;
  gboolean returned;
} Probe;

static void
probe_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *p = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  guint status = msg != NULL ? soup_message_get_status (msg) : SOUP_STATUS_NONE;
  gboolean done;

  p->pending--;
  /* The client may be gone: touch nothing of it. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      if (!p->returned)
        p->returned = g_task_return_error_if_cancelled (task);
      return;
    }
  if (status != SOUP_STATUS_NONE)
    p->etcd->last_answer = g_get_monotonic_time ();
  done = status != SOUP_STATUS_NONE || p->pending == 0;
  if (p->returned || !done)
    return;
  p->returned = TRUE;
  if (status != SOUP_STATUS_NONE)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE,
                             "No etcd endpoint answered (tried %s)", p->etcd->text);
}

void
serval_etcd_probe_async (ServalEtcd *etcd, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Probe *p = g_new0 (Probe, 1);

  g_task_set_source_tag (task, serval_etcd_probe_async);
  p->etcd = etcd;
  p->pending = g_strv_length (etcd->endpoints);
  g_task_set_task_data (task, p, g_free);
  for (guint i = 0; etcd->endpoints[i] != NULL; i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/v3/kv/range", etcd->endpoints[i]);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      /* A serializable count of one key: a member answers it from its own
       * copy, quorum or not, where /health takes a second to say false. */
      static const char body[] = "{\"key\":\"AA==\",\"serializable\":true,\"count_only\":true}";
      g_autoptr(GBytes) bytes = g_bytes_new_static (body, sizeof body - 1);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_session_send_and_read_async (etcd->probes, msg, G_PRIORITY_DEFAULT, cancellable, probe_done_cb,
                                        g_object_ref (task));
    }
}

gboolean
serval_etcd_probe_finish (ServalEtcd *etcd, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- watches ---------------------------------------------------------------- */

typedef struct
{
  ServalEtcd *etcd;
  ServalEtcdWatchFunc func;
  gpointer func_data;
  GDataInputStream *lines;
} Watch;

static void
watch_free (Watch *w)
{
  g_clear_object (&w->lines);
  g_free (w);
}

static void watch_line_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Reads the next line of the watch's stream; takes @task. */
static void
read_next_line (GTask *task)
{
  Watch *w = g_task_get_task_data (task);

  g_data_input_stream_read_line_async (w->lines, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                       watch_line_cb, task);
}

static void
watch_line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Watch *w = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize len;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (w->lines, result, &len, &error);
  g_autoptr(JsonObject) o = NULL;
  JsonObject *watch_result;

  if (line == NULL)
    {
      if (error == NULL)
        error = g_error_new (SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE, "etcd at %s ended the watch",
                             w->etcd->endpoints[w->etcd->current]);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  o = parse_object (line, len, &error);
  watch_result = o != NULL ? serval_etcd_object (o, "result") : NULL;
  if (watch_result == NULL)
    {
      g_task_return_new_error (task, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE, "etcd's watch at %s failed: %s",
                               w->etcd->endpoints[w->etcd->current],
                               error != NULL ? error->message : json_object_get_string_member_with_default (o, "message", "no result"));
      return;
    }
  w->func (watch_result, w->func_data);
  if (g_task_return_error_if_cancelled (task))
    return;
  read_next_line (g_steal_pointer (&task));
}

static void
watch_opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Watch *w = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  GError *error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);

  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE,
                               "etcd at %s refused the watch: HTTP %u", w->etcd->endpoints[w->etcd->current],
                               soup_message_get_status (msg));
      return;
    }
  w->lines = g_data_input_stream_new (stream);
  g_data_input_stream_set_newline_type (w->lines, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  read_next_line (g_steal_pointer (&task));
}

void
serval_etcd_watch_async (ServalEtcd *etcd, JsonNode *create_request, ServalEtcdWatchFunc func, gpointer func_data,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GBytes) body = node_bytes (create_request);
  g_autoptr(SoupMessage) msg = new_post (etcd, "watch", body);
  Watch *w = g_new0 (Watch, 1);

  g_task_set_source_tag (task, serval_etcd_watch_async);
  w->etcd = etcd;
  w->func = func;
  w->func_data = func_data;
  g_task_set_task_data (task, w, (GDestroyNotify) watch_free);
  soup_session_send_async (etcd->watches, msg, G_PRIORITY_DEFAULT, cancellable, watch_opened_cb,
                           g_steal_pointer (&task));
}

gboolean
serval_etcd_watch_finish (ServalEtcd *etcd, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
