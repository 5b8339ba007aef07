/* serval-server-listen.c: the listening socket, and each new connection's
 * TLS handshake until it becomes a session. How many sockets may be open at
 * all is serval-accept.c's to say.
 */
#include "config.h"

#include "serval-server-private.h"
#include "serval-address.h"

#include <string.h>
#include <sys/resource.h>

#define HANDSHAKE_TIMEOUT_S 10
#define LISTEN_BACKLOG      4096
/* TLS handshakes started per main-loop pass. Each step of one is a GSource
 * of its own (serval-tls.c) that the main loop dispatches beside the
 * sessions' poller, and the first costs a key exchange: in a reconnect
 * storm hundreds started in one pass held the sessions' frames up. The
 * connections accepted past these wait, in order, for a later pass (their
 * handshake timeout counting from their accept). */
#define HANDSHAKE_STARTS_PER_PASS 4

typedef struct
{
  ServalServer *server;
  ServalTlsSession *tls;
  gboolean counted; /* in server->handshaking */
  gboolean full;    /* past the accept gate's capacity: told the server is full, then closed */
  char *group;      /* counted in server->unauthenticated under this (until the session takes it) */
  GCancellable *cancellable;
  GSource *timeout;
  char *peer;
  char *addr;
  GList queue_link; /* in server->handshake_queue while waiting for a slot */
  gboolean queued;
  gint64 accepted; /* when, for the handshake timeout */
} Handshake;

static void handshake_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* When the last "server is full" warning went out (any server of the process). */
static gint64 last_full_log;

/* The name clients know this server by: the first --advertise, else the node's name. */
static const char *
server_public_name (ServalServer *server)
{
  if (server->config.advertise != NULL && server->config.advertise[0] != NULL)
    return server->config.advertise[0];
  return server->config.node != NULL ? server->config.node : g_get_host_name ();
}

/* @s came past the accept gate's capacity: it gets its TLS handshake done
 * so that it can be told why (Error serverFull, as a Bye), and is closed.
 * Its Login is never read (a closing link reads no more). */
static void
refuse_full (ServalServer *server, Session *s)
{
  ServalAcceptStats st;
  g_autofree char *text = NULL;

  serval_accept_gate_get_stats (server->accept_gate, &st);
  text = g_strdup_printf ("%s is full (%u clients): try again later or ask its administrator to "
                          "raise the open-file limit",
                          server_public_name (server), st.capacity);
  server->stats.full_refused++;
  g_object_set_data (G_OBJECT (s->link), SERVAL_SESSION_REFUSED_FULL, GINT_TO_POINTER (1));
  serval_session_close (s, SERVAL_ERROR_CODE_SERVER_FULL, text);
  if (serval_once_a_minute (&last_full_log))
    {
      g_warning ("Refusing new clients (first %s): the server holds as many as it has room for, "
                 "%u, with an open-file limit (RLIMIT_NOFILE) of %" G_GUINT64_FORMAT ". They are "
                 "told it is full (serverFull), counted in /metrics as "
                 "serval_connections_refused_total{reason=\"full\"}. To serve more, raise the limit: LimitNOFILE= in the "
                 "systemd unit, or “ulimit -n” before starting serval-server; this is said once a "
                 "minute",
                 s->peer, st.capacity, st.fd_limit);
    }
}

/* The handshake is no longer under way: out of its address's count. */
static void
handshake_uncount (Handshake *hs)
{
  guint n;

  if (!hs->counted)
    return;
  hs->counted = FALSE;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (hs->server->handshaking, hs->addr));
  if (n <= 1)
    g_hash_table_remove (hs->server->handshaking, hs->addr);
  else
    g_hash_table_insert (hs->server->handshaking, g_strdup (hs->addr), GUINT_TO_POINTER (n - 1));
}

void
serval_server_unauthenticated_uncount (ServalServer *server, const char *group)
{
  guint n;

  if (server->unauthenticated == NULL) /* the server is being freed */
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (server->unauthenticated, group));
  if (n <= 1)
    g_hash_table_remove (server->unauthenticated, group);
  else
    g_hash_table_insert (server->unauthenticated, g_strdup (group), GUINT_TO_POINTER (n - 1));
}

static void
handshake_free (Handshake *hs)
{
  if (hs->queued)
    g_queue_unlink (&hs->server->handshake_queue, &hs->queue_link);
  handshake_uncount (hs);
  if (hs->group != NULL)
    serval_server_unauthenticated_uncount (hs->server, hs->group);
  g_free (hs->group);
  serval_clear_source (&hs->timeout);
  g_clear_object (&hs->tls);
  g_clear_object (&hs->cancellable);
  g_free (hs->peer);
  g_free (hs->addr);
  g_free (hs);
}

/* The server is being freed: connections still waiting for their handshake
 * to start are closed, and the source that starts them goes with them. */
void
serval_server_listen_stop (ServalServer *server)
{
  while (server->handshake_queue.head != NULL)
    handshake_free (server->handshake_queue.head->data);
  serval_clear_source (&server->handshake_starter);
}

static gboolean
handshake_timeout_cb (gpointer data)
{
  Handshake *hs = data;

  g_cancellable_cancel (hs->cancellable);
  return G_SOURCE_REMOVE;
}

/* A waiting connection that waited out the handshake timeout: closed (its
 * client gave up too), said once a minute. */
static void
handshake_expire (ServalServer *server, Handshake *hs)
{
  server->stats.tls_failed++;
  if (serval_once_a_minute (&server->last_wait_log))
    g_message ("%s waited %d s for its TLS handshake to start: closed (the server is busy with "
               "a reconnect storm, %u more waiting); counted in /metrics as "
               "serval_tls_handshakes_total{kind=\"failed\"}; this is said once a minute",
               hs->peer, HANDSHAKE_TIMEOUT_S, server->handshake_queue.length);
  handshake_free (hs);
}

/* Once per main-loop pass while connections wait (an idle source of the
 * poller's priority; GLib runs it once a pass): starts the next HANDSHAKE_STARTS_PER_PASS
 * handshakes, oldest first. A waiting one has no GSource of its own:
 * thousands of them would make every pass walk them. Once the server shuts
 * down, closes them all. */
static gboolean
handshake_starter_cb (gpointer data)
{
  ServalServer *server = data;
  guint started = 0;

  while (server->handshake_queue.length > 0 && started < HANDSHAKE_STARTS_PER_PASS)
    {
      Handshake *hs = server->handshake_queue.head->data;
      gint64 left_ms = HANDSHAKE_TIMEOUT_S * 1000 - (g_get_monotonic_time () - hs->accepted) / 1000;

      g_queue_unlink (&server->handshake_queue, &hs->queue_link);
      hs->queued = FALSE;
      if (server->shutting_down)
        handshake_free (hs);
      else if (left_ms <= 0)
        handshake_expire (server, hs);
      else
        {
          hs->timeout = g_timeout_source_new ((guint) left_ms);
          g_source_set_callback (hs->timeout, handshake_timeout_cb, hs, NULL);
          g_source_attach (hs->timeout, server->context);
          serval_tls_session_handshake_async (hs->tls, hs->cancellable, handshake_done_cb, hs);
          started++;
        }
    }
  if (server->handshake_queue.length > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&server->handshake_starter, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
handshake_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Handshake *hs = user_data;
  ServalServer *server = hs->server;
  g_autoptr(GError) error = NULL;
  ServalLink *link;
  char *peer, *addr;
  const char *node_fp;
  gboolean node_cert;
  Session *s;

  handshake_uncount (hs);
  if (!serval_tls_session_handshake_finish (hs->tls, result, &error))
    {
      server->stats.tls_failed++;
      /* Only the handshake timeout cancels. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("%s did not finish its TLS handshake within %d s: closed (a client that stalled, "
                   "or not a Serval client)",
                   hs->peer, HANDSHAKE_TIMEOUT_S);
      else
        g_message ("TLS handshake with %s failed: %s", hs->peer, error->message);
      handshake_free (hs);
      return;
    }

  peer = g_steal_pointer (&hs->peer);
  addr = g_steal_pointer (&hs->addr);
  server->stats.tls_handshakes++;
  if (serval_tls_session_is_resumed (hs->tls))
    server->stats.tls_resumed++;
  /* A client certificate that is the cluster's own: another node. */
  node_fp = serval_tls_session_get_peer_fingerprint (hs->tls);
  node_cert = server->cluster != NULL && node_fp != NULL && serval_fingerprint_equal (node_fp, server->fingerprint);
  link = serval_link_new_tls (hs->tls, peer);
  /* The record state is all a server's link needs: ~9.5 KiB less per
   * client than the GnuTLS session (issue 17). */
  serval_link_tls_take_records (link);
  s = serval_session_new (server, link, peer, addr);
  s->node_cert = node_cert;
  /* Node links never log in: they carry the cluster's certificate. */
  if (!node_cert)
    serval_session_guard (s, g_steal_pointer (&hs->group));
  if (hs->full && !node_cert)
    refuse_full (server, s);
  handshake_free (hs);
}

/* Names the peer of @conn in @hs, for the logs and the per-address counts. */
static void
handshake_set_peer (Handshake *hs, GSocketConnection *conn)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);

  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (remote);

      hs->addr = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
      hs->group = serval_address_group (g_inet_socket_address_get_address (isa));
      hs->peer = g_strdup_printf (strchr (hs->addr, ':') ? "[%s]:%u" : "%s:%u", hs->addr,
                                  g_inet_socket_address_get_port (isa));
    }
  else
    {
      hs->addr = g_strdup ("unknown");
      hs->group = g_strdup ("unknown");
      hs->peer = g_strdup ("unknown peer");
    }
}

/* Counts one more under @key in @table, unless it holds @cap already:
 * FALSE then. *@n: the count before. */
static gboolean
count_under_cap (GHashTable *table, const char *key, guint cap, guint *n)
{
  *n = GPOINTER_TO_UINT (g_hash_table_lookup (table, key));
  if (*n >= cap)
    return FALSE;
  g_hash_table_insert (table, g_strdup (key), GUINT_TO_POINTER (*n + 1));
  return TRUE;
}

/* Counts @hs under its address; FALSE if that address has the most
 * handshakes under way that it may. One address cannot hold every handshake
 * slot (each waits up to HANDSHAKE_TIMEOUT_S): past the cap its new
 * connections are closed at once, and it retries like any client that lost
 * its connection. */
static gboolean
handshake_count (Handshake *hs)
{
  ServalServer *server = hs->server;
  guint n;

  if (!count_under_cap (server->handshaking, hs->addr, server->config.max_handshakes_per_address, &n))
    {
      server->stats.tls_refused++;
      if (serval_once_a_minute (&server->last_refusal_log))
        g_warning ("Closing new connections from %s: %u TLS handshakes from that address are "
                   "under way (at most %u, --max-handshakes-per-address); counted in /metrics as "
                   "serval_tls_handshakes_total{kind=\"refused\"}; this is said once a minute",
                   hs->addr, n, server->config.max_handshakes_per_address);
      return FALSE;
    }
  hs->counted = TRUE;
  return TRUE;
}

/* Counts @hs under its address group until it logs in; FALSE if the group
 * has as many handshakes and links not logged in as it may. The handshake
 * cap alone let one address finish handshakes and then hold every slot up
 * to the open-file limit; this one also counts what comes after, until a
 * login shows who it is. */
static gboolean
unauthenticated_count (Handshake *hs)
{
  ServalServer *server = hs->server;
  guint n;

  if (!count_under_cap (server->unauthenticated, hs->group, server->config.max_unauthenticated_per_address, &n))
    {
      server->stats.unauthenticated_refused++;
      if (serval_once_a_minute (&server->last_group_refusal_log))
        g_warning ("Closing new connections from %s: it has %u connections that have not logged in "
                   "(at most %u, --max-unauthenticated-per-address; IPv6 addresses count by /64); "
                   "counted in /metrics as serval_connections_refused_total{reason=\"unauthenticated\"}; "
                   "this is said once a minute",
                   hs->group, n, server->config.max_unauthenticated_per_address);
      g_clear_pointer (&hs->group, g_free);
      return FALSE;
    }
  return TRUE;
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  ServalServer *server = user_data;
  g_autoptr(GError) error = NULL;
  Handshake *hs;

  if (server->shutting_down)
    return TRUE;
  hs = g_new0 (Handshake, 1);
  hs->server = server;
  hs->full = serval_accept_gate_track (server->accept_gate, conn);
  handshake_set_peer (hs, conn);
  if (!unauthenticated_count (hs) || !handshake_count (hs))
    {
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      handshake_free (hs);
      return TRUE;
    }

  /* GnuTLS on the socket, with the credentials every session shares. */
  hs->tls = serval_tls_session_new_server (server->tls, conn, &error);
  if (hs->tls == NULL)
    {
      g_warning ("Cannot start TLS for %s: %s", hs->peer, error->message);
      handshake_free (hs);
      return TRUE;
    }
  hs->cancellable = g_cancellable_new ();
  hs->accepted = g_get_monotonic_time ();
  hs->queue_link.data = hs;
  hs->queued = TRUE;
  g_queue_push_tail_link (&server->handshake_queue, &hs->queue_link);
  if (server->handshake_starter == NULL)
    {
      server->handshake_starter = g_idle_source_new ();
      g_source_set_priority (server->handshake_starter, G_PRIORITY_DEFAULT);
      g_source_set_static_name (server->handshake_starter, "serval handshake starter");
      g_source_set_callback (server->handshake_starter, handshake_starter_cb, server, NULL);
      g_source_attach (server->handshake_starter, server->context);
    }
  return TRUE;
}

/* Says at start how many clients the open-file limit leaves room for. */
static void
log_capacity (ServalServer *server)
{
  ServalAcceptStats st;
  struct rlimit rl = { 0, 0 };

  serval_accept_gate_get_stats (server->accept_gate, &st);
  getrlimit (RLIMIT_NOFILE, &rl);
  g_message ("Room for %u clients: open-file limit (RLIMIT_NOFILE) soft %lu, hard %lu, less %lu kept "
             "for the store, HTTP and logs and %u for telling more clients that the server is full",
             st.capacity, (unsigned long) rl.rlim_cur, (unsigned long) rl.rlim_max,
             (unsigned long) (st.fd_limit - st.high), st.high - st.capacity);
}

gboolean
serval_server_listen (ServalServer *server, GError **error)
{
  GSocketListener *listener;

  server->service = g_socket_service_new ();
  listener = G_SOCKET_LISTENER (server->service);
  /* GIO's default backlog is 10: in a reconnect storm the kernel then drops
   * SYNs and clients wait 1 s (then 3 s...) to retry. The kernel caps this
   * at net.core.somaxconn (4096 by default). */
  g_socket_listener_set_backlog (listener, LISTEN_BACKLOG);
  if (server->config.listen == NULL)
    {
      if (!g_socket_listener_add_inet_port (listener, SERVAL_DEFAULT_PORT, NULL, error))
        {
          g_prefix_error (error, "Cannot listen on port %d: ", SERVAL_DEFAULT_PORT);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GSocketConnectable) addr = g_network_address_parse (server->config.listen,
                                                                     SERVAL_DEFAULT_PORT, error);
      g_autoptr(GSocketAddressEnumerator) en = NULL;
      g_autoptr(GSocketAddress) sa = NULL;
      guint n = 0;

      if (addr == NULL)
        {
          g_prefix_error (error, "Cannot use --listen %s: ", server->config.listen);
          return FALSE;
        }
      en = g_socket_connectable_enumerate (addr);
      while ((sa = g_socket_address_enumerator_next (en, NULL, error)) != NULL)
        {
          if (!g_socket_listener_add_address (listener, sa, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                              NULL, NULL, error))
            {
              g_prefix_error (error, "Cannot listen on %s: ", server->config.listen);
              return FALSE;
            }
          g_clear_object (&sa);
          n++;
        }
      if (n == 0)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s has no address to listen on",
                         server->config.listen);
          return FALSE;
        }
    }
  server->accept_gate = serval_accept_gate_new (server->service, serval_accept_fd_limit ());
  log_capacity (server);
  g_signal_connect (server->service, "incoming", G_CALLBACK (incoming_cb), server);
  g_socket_service_start (server->service);
  return TRUE;
}
