#include "config.h"

#include "serval-http.h"

#include <libsoup/soup.h>
#include <string.h>

#include "serval-server-fair.h"
#include "serval-util.h"

/* libsoup 3's SoupServer has no timeout and no limit on connections: a
 * client that sends half a request holds a descriptor for good, and enough
 * of them exhaust the open-file limit (and GSocketService then spins on
 * EMFILE). So the server's own GSocketService accepts, caps how many are
 * open (far below the descriptors SERVAL_ACCEPT_FD_RESERVE keeps), and
 * hands each to the SoupServer with a deadline for its request. */
struct _ServalHttp
{
  ServalServer *server;
  SoupServer *soup;
  GSocketService *service;
  guint timeout;
  guint max_connections;
  GHashTable *conns; /* "address:port" -> HttpConn */
  gint64 last_refusal_log;
  guint64 refused;
  guint64 timed_out;
};

typedef struct
{
  ServalHttp *http; /* NULL once the server stopped */
  char *key;
  GSocket *socket; /* not a reference: the connection is libsoup's */
  GSource *deadline;
} HttpConn;

/* A counter family of the node links: an "in" and an "out" sample per node,
 * read at @in and @out in ServalNodeLinkStats. */
static void
append_link_family (GString *s, GPtrArray *links, const char *name, const char *help, glong in, glong out)
{
  g_string_append_printf (s, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  for (guint i = 0; i < links->len; i++)
    {
      ServalNodeLinkStats *l = links->pdata[i];

      g_string_append_printf (s, "%s{node=\"%s\",direction=\"in\"} %" G_GUINT64_FORMAT "\n", name, l->node,
                              G_STRUCT_MEMBER (guint64, l, in));
      g_string_append_printf (s, "%s{node=\"%s\",direction=\"out\"} %" G_GUINT64_FORMAT "\n", name, l->node,
                              G_STRUCT_MEMBER (guint64, l, out));
    }
}

/* The cluster's part: the store's state and each link to another node. */
static void
metrics_cluster (ServalServer *server, GString *s)
{
  static const char *const states[] = { "none", "starting", "ok", "no-quorum", "cut-off" };
  const char *state = serval_server_get_cluster_state (server);
  g_autoptr(GPtrArray) links = serval_server_get_node_links (server);

  g_string_append (s, "# HELP serval_cluster_state The cluster store (etcd) as this node sees it: 1 for the "
                      "current state (none: a single node without etcd).\n"
                      "# TYPE serval_cluster_state gauge\n");
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    g_string_append_printf (s, "serval_cluster_state{state=\"%s\"} %d\n", states[i], g_str_equal (state, states[i]));
  if (links->len == 0)
    return;
  g_string_append (s, "# HELP serval_node_link_up 1 while the link to that node is up.\n"
                      "# TYPE serval_node_link_up gauge\n");
  for (guint i = 0; i < links->len; i++)
    {
      ServalNodeLinkStats *l = links->pdata[i];

      g_string_append_printf (s, "serval_node_link_up{node=\"%s\"} %d\n", l->node, l->up);
    }
  g_string_append (s, "# HELP serval_node_link_connects_total Times the link to that node was made.\n"
                      "# TYPE serval_node_link_connects_total counter\n");
  for (guint i = 0; i < links->len; i++)
    {
      ServalNodeLinkStats *l = links->pdata[i];

      g_string_append_printf (s, "serval_node_link_connects_total{node=\"%s\"} %" G_GUINT64_FORMAT "\n", l->node,
                              l->links);
    }
  append_link_family (s, links, "serval_node_link_frames_total", "Frames over the link to that node, by direction.",
                      G_STRUCT_OFFSET (ServalNodeLinkStats, frames_in), G_STRUCT_OFFSET (ServalNodeLinkStats, frames_out));
  append_link_family (s, links, "serval_node_link_bytes_total",
                      "Bytes of frames over the link to that node, by direction.",
                      G_STRUCT_OFFSET (ServalNodeLinkStats, bytes_in), G_STRUCT_OFFSET (ServalNodeLinkStats, bytes_out));
}

/* What the limits on links not logged in and on HTTP connections refused. */
static void
metrics_refused (ServalHttp *http, const ServalServerStats *st, GString *s)
{
  g_string_append_printf (s,
                          "# HELP serval_connections_refused_total Connections closed at once: too many not logged in from their address (or IPv6 /64), too many HTTP connections, the server full (told so with serverFull after the TLS handshake).\n"
                          "# TYPE serval_connections_refused_total counter\n"
                          "serval_connections_refused_total{reason=\"unauthenticated\"} %" G_GUINT64_FORMAT "\n"
                          "serval_connections_refused_total{reason=\"http\"} %" G_GUINT64_FORMAT "\n"
                          "serval_connections_refused_total{reason=\"full\"} %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_http_timeouts_total HTTP connections closed because a request took longer than --http-timeout.\n"
                          "# TYPE serval_http_timeouts_total counter\n"
                          "serval_http_timeouts_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_http_connections HTTP connections open now.\n"
                          "# TYPE serval_http_connections gauge\n"
                          "serval_http_connections %u\n",
                          st->unauthenticated_refused, http->refused, st->full_refused, http->timed_out, g_hash_table_size (http->conns));
}

/* The fair queues towards members (serval-server-fair.c). */
static void
metrics_fair (ServalServer *server, GString *s)
{
  ServalFairStats fs;

  serval_server_get_fair_stats (server, &fs);
  g_string_append_printf (s,
                          "# HELP serval_fair_queued_frames Frames waiting in the fair queues towards members whose links are busy.\n"
                          "# TYPE serval_fair_queued_frames gauge\n"
                          "serval_fair_queued_frames %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_fair_dropped_frames_total Frames towards members dropped by the fair queues, by reason.\n"
                          "# TYPE serval_fair_dropped_frames_total counter\n",
                          fs.queued_frames);
  for (int r = 1; r < SERVAL_FAIR_N_RESULTS; r++)
    g_string_append_printf (s, "serval_fair_dropped_frames_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            serval_fair_result_to_string (r), fs.dropped[r]);
}

/* The metrics page. */
static char *
metrics_text (ServalHttp *http)
{
  ServalServer *server = http->server;
  const ServalSwitchStats *sw = serval_switch_get_stats (serval_server_get_switch (server));
  GString *s = g_string_new (NULL);
  ServalServerStats st;

  serval_server_get_stats (server, &st);
  g_string_append_printf (s,
                          "# HELP serval_clients_connected Client links open now.\n"
                          "# TYPE serval_clients_connected gauge\n"
                          "serval_clients_connected %u\n"
                          "# HELP serval_sessions Clients logged in now.\n"
                          "# TYPE serval_sessions gauge\n"
                          "serval_sessions %u\n"
                          "# HELP serval_logins_total Login attempts by result.\n"
                          "# TYPE serval_logins_total counter\n"
                          "serval_logins_total{result=\"ok\"} %" G_GUINT64_FORMAT "\n"
                          "serval_logins_total{result=\"failed\"} %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_protocol_errors_total Links closed because the peer broke the protocol.\n"
                          "# TYPE serval_protocol_errors_total counter\n"
                          "serval_protocol_errors_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_frames_received_total Frames that entered the switch.\n"
                          "# TYPE serval_frames_received_total counter\n"
                          "serval_frames_received_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_bytes_received_total Bytes of frames that entered the switch.\n"
                          "# TYPE serval_bytes_received_total counter\n"
                          "serval_bytes_received_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_frames_forwarded_total Frame copies delivered to ports.\n"
                          "# TYPE serval_frames_forwarded_total counter\n"
                          "serval_frames_forwarded_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_bytes_forwarded_total Bytes of frame copies delivered to ports.\n"
                          "# TYPE serval_bytes_forwarded_total counter\n"
                          "serval_bytes_forwarded_total %" G_GUINT64_FORMAT "\n",
                          st.clients, st.sessions, st.logins_ok, st.logins_failed, st.protocol_errors,
                          sw->frames_in, sw->bytes_in, sw->frames_out, sw->bytes_out);
  g_string_append_printf (s,
                          "# HELP serval_token_logins_total Logins with a resume token, by result (ok ones are also in serval_logins_total).\n"
                          "# TYPE serval_token_logins_total counter\n"
                          "serval_token_logins_total{result=\"ok\"} %" G_GUINT64_FORMAT "\n"
                          "serval_token_logins_total{result=\"refused\"} %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_tls_handshakes_total TLS handshakes: completed in full, resumed with a session ticket, failed, refused (too many under way from one address).\n"
                          "# TYPE serval_tls_handshakes_total counter\n"
                          "serval_tls_handshakes_total{kind=\"full\"} %" G_GUINT64_FORMAT "\n"
                          "serval_tls_handshakes_total{kind=\"resumed\"} %" G_GUINT64_FORMAT "\n"
                          "serval_tls_handshakes_total{kind=\"failed\"} %" G_GUINT64_FORMAT "\n"
                          "serval_tls_handshakes_total{kind=\"refused\"} %" G_GUINT64_FORMAT "\n",
                          st.token_logins, st.tokens_refused, st.tls_handshakes - st.tls_resumed, st.tls_resumed, st.tls_failed,
                          st.tls_refused);
  g_string_append_printf (s,
                          "# HELP serval_connections_open Client connections open now, TLS handshakes included (one file descriptor each).\n"
                          "# TYPE serval_connections_open gauge\n"
                          "serval_connections_open %u\n"
                          "# HELP serval_connections_max Open connections at which the server stops accepting (the open-file limit less a reserve).\n"
                          "# TYPE serval_connections_max gauge\n"
                          "serval_connections_max %u\n"
                          "# HELP serval_accept_paused 1 while the server accepts no new clients because it is near its open-file limit.\n"
                          "# TYPE serval_accept_paused gauge\n"
                          "serval_accept_paused %d\n"
                          "# HELP serval_accept_pauses_total Times the server stopped accepting near its open-file limit.\n"
                          "# TYPE serval_accept_pauses_total counter\n"
                          "serval_accept_pauses_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_frames_dropped_total Frames not forwarded, by reason.\n"
                          "# TYPE serval_frames_dropped_total counter\n",
                          st.accept.open, st.accept.high, st.accept.paused ? 1 : 0, st.accept.pauses);
  for (int v = 1; v < SERVAL_SWITCH_N_VERDICTS; v++)
    if (v != SERVAL_SWITCH_ANSWERED && v != SERVAL_SWITCH_CONSUMED) /* not drops: serval-server-lan.c's */
      g_string_append_printf (s, "serval_frames_dropped_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              serval_switch_verdict_to_string (v), sw->dropped[v]);
  g_string_append_printf (s, "serval_frames_dropped_total{reason=\"send_queue_full\"} %" G_GUINT64_FORMAT "\n",
                          st.link_frames_dropped);
  g_string_append_printf (s,
                          "# HELP serval_offload_frames_total Frames with offload metadata (GSO, partial checksum): received, "
                          "forwarded as they were, segmented in software for members without offloads.\n"
                          "# TYPE serval_offload_frames_total counter\n"
                          "serval_offload_frames_total{kind=\"received\"} %" G_GUINT64_FORMAT "\n"
                          "serval_offload_frames_total{kind=\"forwarded\"} %" G_GUINT64_FORMAT "\n"
                          "serval_offload_frames_total{kind=\"segmented\"} %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_offload_segments_total Plain frames made by software segmentation.\n"
                          "# TYPE serval_offload_segments_total counter\n"
                          "serval_offload_segments_total %" G_GUINT64_FORMAT "\n"
                          "# HELP serval_offload_dropped_total Frames with offload metadata dropped, by reason.\n"
                          "# TYPE serval_offload_dropped_total counter\n",
                          st.offload_frames_in, st.offload_forwarded, st.offload_segmented, st.offload_segments);
  for (int r = 1; r < SERVAL_GSO_N_RESULTS; r++)
    g_string_append_printf (s, "serval_offload_dropped_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            serval_gso_result_to_string (r), st.offload_dropped[r]);
  metrics_refused (http, &st, s);
  metrics_cluster (server, s);
  serval_server_lan_metrics (server, s);
  metrics_fair (server, s);
  return g_string_free (s, FALSE);
}

static void
handler_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  ServalHttp *http = user_data;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  if (g_str_equal (path, "/healthz") && g_str_equal (serval_server_get_cluster_state (http->server), "cut-off"))
    {
      /* A load balancer sends no one to a node that left the cluster. */
      static const char text[] = "cut off from the cluster store: not serving\n";

      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, text, sizeof text - 1);
    }
  else if (g_str_equal (path, "/healthz"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok\n", 3);
    }
  else if (g_str_equal (path, "/metrics"))
    {
      char *text = metrics_text (http);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE,
                                        text, strlen (text));
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static char *
conn_key (GSocketAddress *address)
{
  GInetSocketAddress *isa;
  g_autofree char *ip = NULL;

  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  isa = G_INET_SOCKET_ADDRESS (address);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (isa));
}

static void
conn_free (gpointer data)
{
  HttpConn *c = data;

  serval_clear_source (&c->deadline);
  g_free (c->key);
  g_free (c);
}

/* Its socket is finalized: libsoup is done with the connection. */
static void
conn_gone_cb (gpointer data, GObject *where_the_object_was)
{
  HttpConn *c = data;

  if (c->http != NULL)
    g_hash_table_remove (c->http->conns, c->key);
  else
    conn_free (c);
}

static gboolean
conn_deadline_cb (gpointer data)
{
  HttpConn *c = data;

  g_clear_pointer (&c->deadline, g_source_unref);
  c->http->timed_out++;
  g_debug ("HTTP client %s took more than %u s for a request: closed (--http-timeout)", c->key, c->http->timeout);
  /* libsoup reads the end of the stream, or fails to write, and lets go. */
  g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
conn_arm (HttpConn *c)
{
  serval_clear_source (&c->deadline);
  c->deadline = g_timeout_source_new (c->http->timeout * 1000);
  g_source_set_callback (c->deadline, conn_deadline_cb, c, NULL);
  g_source_attach (c->deadline, g_main_context_get_thread_default ());
}

/* A request was answered: the connection has a new deadline for the next. */
static void
request_finished_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  ServalHttp *http = user_data;
  g_autofree char *key = conn_key (soup_server_message_get_remote_address (msg));
  HttpConn *c = key != NULL ? g_hash_table_lookup (http->conns, key) : NULL;

  if (c != NULL && c->deadline != NULL)
    conn_arm (c);
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  ServalHttp *http = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (conn, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *key = conn_key (remote);
  HttpConn *c;

  if (key == NULL || g_hash_table_size (http->conns) >= http->max_connections ||
      g_hash_table_contains (http->conns, key))
    {
      http->refused++;
      if (serval_once_a_minute (&http->last_refusal_log))
        {
          g_warning ("Closing new HTTP connections: %u are open (at most %u, --http-max-connections); "
                     "counted in /metrics as serval_connections_refused_total{reason=\"http\"}; this is said "
                     "once a minute",
                     g_hash_table_size (http->conns), http->max_connections);
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      return TRUE;
    }
  c = g_new0 (HttpConn, 1);
  c->http = http;
  c->key = g_steal_pointer (&key);
  c->socket = g_socket_connection_get_socket (conn);
  g_hash_table_insert (http->conns, c->key, c);
  g_object_weak_ref (G_OBJECT (c->socket), conn_gone_cb, c);
  conn_arm (c);
  if (!soup_server_accept_iostream (http->soup, G_IO_STREAM (conn), local, remote, &error))
    {
      g_warning ("Cannot serve the HTTP client %s: %s", c->key, error->message);
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }
  return TRUE;
}

/* Forgets the connections still open (libsoup closes them): their weak
 * references free what is left when their sockets go. */
static void
forget_conns (ServalHttp *http)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, http->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      HttpConn *c = value;

      serval_clear_source (&c->deadline);
      c->http = NULL;
      g_hash_table_iter_steal (&iter);
    }
}

ServalHttp *
serval_http_start (ServalServer *server, const char *listen, guint timeout, guint max_connections, GError **error)
{
  g_autoptr(GSocketConnectable) addr = g_network_address_parse (listen, 9465, error);
  g_autoptr(GSocketAddressEnumerator) en = NULL;
  g_autoptr(GSocketAddress) sa = NULL;
  ServalHttp *http;

  if (addr == NULL)
    {
      g_prefix_error (error, "Cannot use --http %s: ", listen);
      return NULL;
    }
  http = g_new0 (ServalHttp, 1);
  http->server = server;
  http->timeout = MAX (timeout, 1);
  http->max_connections = MAX (max_connections, 1);
  http->conns = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, conn_free);
  http->soup = soup_server_new ("server-header", "serval/" PACKAGE_VERSION, NULL);
  soup_server_add_handler (http->soup, NULL, handler_cb, http, NULL);
  g_signal_connect (http->soup, "request-finished", G_CALLBACK (request_finished_cb), http);
  g_signal_connect (http->soup, "request-aborted", G_CALLBACK (request_finished_cb), http);
  http->service = g_socket_service_new ();
  g_signal_connect (http->service, "incoming", G_CALLBACK (incoming_cb), http);
  en = g_socket_connectable_enumerate (addr);
  while ((sa = g_socket_address_enumerator_next (en, NULL, error)) != NULL)
    {
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (http->service), sa, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL, NULL, error))
        {
          g_prefix_error (error, "Cannot serve HTTP on %s: ", listen);
          serval_http_stop (http);
          return NULL;
        }
      g_clear_object (&sa);
    }
  if (error != NULL && *error != NULL)
    {
      serval_http_stop (http);
      return NULL;
    }
  g_socket_service_start (http->service);
  g_message ("Serving /healthz and /metrics on http://%s", listen);
  return http;
}

void
serval_http_stop (ServalHttp *http)
{
  if (http == NULL)
    return;
  if (http->service != NULL)
    {
      g_socket_service_stop (http->service);
      g_socket_listener_close (G_SOCKET_LISTENER (http->service));
      g_signal_handlers_disconnect_by_data (http->service, http);
      g_clear_object (&http->service);
    }
  forget_conns (http);
  g_signal_handlers_disconnect_by_data (http->soup, http);
  soup_server_disconnect (http->soup);
  g_clear_object (&http->soup);
  g_hash_table_unref (http->conns);
  g_free (http);
}
