/* serval-server-peer.c: the links between the nodes of a cluster, which
 * carry the frames of members on different nodes.
 *
 * The nodes are a full mesh: of each pair, the node whose name sorts first
 * dials the other, at the address the registry gives (serval-cluster.c).
 * A node link is a TLS 1.3 link like a client's, but mutually authenticated:
 * the dialling node presents the cluster's certificate (every node has the
 * same key, see docs/design.md) and the accepting node takes the link as a
 * node's only if that certificate is its own. Then each says its name in
 * its Hello, and the link's switch port becomes a trunk that joins the VLANs
 * in which the other node has members. A frame that came in on a trunk never
 * leaves on another (serval-switch.h): it crosses one node link at most, so
 * there are no loops and no duplicates, whatever the number of nodes.
 */
#include "config.h"

#include "serval-server-private.h"
#include "serval-address.h"

#define REDIAL_MIN_MS  250
#define REDIAL_MAX_MS  5000
#define DIAL_TIMEOUT_S 10

typedef struct
{
  ServalServer *server;
  char *name;
  char *address;
  GCancellable *cancellable; /* the attempt under way */
  GSource *retry;
  guint backoff_ms;
  ServalTlsSession *tls;
} PeerDial;

static void dial (PeerDial *d);

static void
peer_dial_free (PeerDial *d)
{
  g_cancellable_cancel (d->cancellable);
  g_clear_object (&d->cancellable);
  serval_clear_source (&d->retry);
  g_clear_object (&d->tls);
  g_free (d->name);
  g_free (d->address);
  g_free (d);
}

static void
schedule_redial (PeerDial *d)
{
  if (d->retry != NULL)
    return;
  serval_timeout_once (&d->retry, d->server->context, d->backoff_ms * g_random_double_range (0.8, 1.2),
                       (ServalTimeoutFunc) dial, d);
  d->backoff_ms = MIN (d->backoff_ms * 2, REDIAL_MAX_MS);
}

static void
handshake_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ServalTlsSession *tls = SERVAL_TLS_SESSION (source);
  g_autoptr(GError) error = NULL;
  PeerDial *d;
  Session *s;
  ServalLink *link;

  if (!serval_tls_session_handshake_finish (tls, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* the dial is gone */
      d = data;
      g_clear_object (&d->tls);
      g_message ("Cannot link to node “%s” at %s: %s; trying again", d->name, d->address, error->message);
      schedule_redial (d);
      return;
    }
  d = data;
  tls = g_steal_pointer (&d->tls); /* the source's reference, now ours */
  link = serval_link_new_tls (tls, d->address);
  s = serval_session_new (d->server, link, g_strdup (d->address), g_strdup (d->address));
  s->node_cert = TRUE;
  s->dialled = TRUE;
  s->node = g_strdup (d->name); /* what its Hello must say */
  g_object_unref (tls);
  serval_session_reply (s, serval_hello_build (d->server->config.node, TRUE));
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result,
                                                                               &error);
  g_autofree char *host = NULL;
  PeerDial *d;

  if (conn == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  d = data;
  if (conn == NULL)
    {
      g_message ("Cannot reach node “%s” at %s: %s; trying again", d->name, d->address, error->message);
      schedule_redial (d);
      return;
    }
  if (!serval_address_parse (d->address, &host, NULL, NULL))
    host = g_strdup (d->address);
  d->tls = serval_tls_session_new_node_client (conn, host, d->server->fingerprint, d->server->tls, &error);
  if (d->tls == NULL)
    {
      g_warning ("Cannot start TLS to node “%s”: %s", d->name, error->message);
      schedule_redial (d);
      return;
    }
  serval_tls_session_handshake_async (d->tls, d->cancellable, handshake_cb, d);
}

static void
dial (PeerDial *d)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  if (d->cancellable != NULL)
    g_cancellable_cancel (d->cancellable);
  g_clear_object (&d->cancellable);
  d->cancellable = g_cancellable_new ();
  g_socket_client_set_timeout (client, DIAL_TIMEOUT_S);
  g_socket_client_connect_to_host_async (client, d->address, SERVAL_DEFAULT_PORT, d->cancellable, connected_cb, d);
}

void
serval_server_peer_node_added (ServalServer *server, const char *name, const char *address)
{
  PeerDial *d;

  if (server->dials == NULL)
    server->dials = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_dial_free);
  /* Of two nodes, the one whose name sorts first dials: one link per pair. */
  if (address == NULL || g_strcmp0 (server->config.node, name) >= 0)
    return;
  d = g_hash_table_lookup (server->dials, name);
  if (d != NULL)
    {
      if (g_strcmp0 (d->address, address) == 0)
        return;
      g_free (d->address);
      d->address = g_strdup (address);
    }
  else
    {
      d = g_new0 (PeerDial, 1);
      d->server = server;
      d->name = g_strdup (name);
      d->address = g_strdup (address);
      g_hash_table_insert (server->dials, d->name, d);
    }
  d->backoff_ms = REDIAL_MIN_MS;
  serval_clear_source (&d->retry);
  dial (d);
}

void
serval_server_peer_node_removed (ServalServer *server, const char *name)
{
  Session *s = server->peers != NULL ? g_hash_table_lookup (server->peers, name) : NULL;

  if (server->dials != NULL)
    g_hash_table_remove (server->dials, name);
  if (s != NULL)
    serval_session_close (s, SERVAL_ERROR_CODE_SHUTTING_DOWN, "Your lease in the cluster ended");
}

gboolean
serval_server_peer_attach (Session *s, const char *name)
{
  ServalServer *server = s->server;
  Session *old;
  GHashTableIter iter;
  gpointer key;
  g_autofree char *prefix = NULL;

  if (server->cluster == NULL || g_strcmp0 (name, server->config.node) == 0 || s->port != NULL ||
      (s->dialled && g_strcmp0 (s->node, name) != 0))
    return FALSE;
  old = g_hash_table_lookup (server->peers, name);
  if (old != NULL && old != s)
    {
      /* The other node lost the old link before this one noticed. */
      g_message ("A new link from node “%s” replaces the old one", name);
      serval_session_close (old, SERVAL_ERROR_CODE_SHUTTING_DOWN, "Replaced by a newer link");
    }
  g_free (s->node);
  s->node = g_strdup (name);
  g_hash_table_replace (server->peers, g_strdup (name), serval_session_ref (s));
  serval_session_add_port (s);
  serval_switch_port_set_trunk (s->port, TRUE);
  s->link_stats = g_hash_table_lookup (server->link_stats, name);
  if (s->link_stats == NULL)
    {
      s->link_stats = g_new0 (ServalNodeLinkStats, 1);
      s->link_stats->node = g_strdup (name);
      g_hash_table_insert (server->link_stats, s->link_stats->node, s->link_stats);
    }
  s->link_stats->up = TRUE;
  s->link_stats->links++;

  /* The VLANs in which that node has members, and their addresses. */
  prefix = g_strconcat (name, "\n", NULL);
  g_hash_table_iter_init (&iter, server->remote_counts);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_str_has_prefix (key, prefix))
      serval_server_cluster_trunk_up (server, name, s->port,
                                      (guint32) g_ascii_strtoull ((char *) key + strlen (prefix), NULL, 10));
  if (s->dialled)
    {
      PeerDial *d = g_hash_table_lookup (server->dials, name);

      if (d != NULL)
        d->backoff_ms = REDIAL_MIN_MS;
    }
  g_message ("Linked to node “%s” (%s)", name, s->peer);
  return TRUE;
}

void
serval_server_peer_closed (Session *s)
{
  ServalServer *server = s->server;
  PeerDial *d;

  if (s->node == NULL || server->peers == NULL)
    return;
  if (g_hash_table_lookup (server->peers, s->node) == s)
    {
      g_message ("The link to node “%s” closed", s->node);
      g_hash_table_remove (server->peers, s->node);
      if (s->link_stats != NULL)
        s->link_stats->up = FALSE;
    }
  s->link_stats = NULL;
  d = s->dialled && server->dials != NULL ? g_hash_table_lookup (server->dials, s->node) : NULL;
  if (d != NULL && !server->shutting_down && !g_hash_table_contains (server->peers, s->node))
    schedule_redial (d);
}

void
serval_server_peer_sync_vlan (ServalServer *server, const char *node, guint32 tag)
{
  Session *s = server->peers != NULL ? g_hash_table_lookup (server->peers, node) : NULL;

  if (s == NULL || s->port == NULL || s->closed)
    return;
  if (serval_server_cluster_node_count (server, node, tag) > 0)
    serval_switch_port_join (server->sw, s->port, tag);
  else
    serval_switch_port_leave (server->sw, s->port, tag);
}

void
serval_server_peer_stop (ServalServer *server)
{
  g_clear_pointer (&server->dials, g_hash_table_unref);
}
