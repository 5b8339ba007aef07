/* serval-server-cluster.c: this node in a cluster (--etcd). The registry
 * (serval-cluster.c) says which nodes are live and which members each holds;
 * here that becomes what this node's clients see: member events and lists
 * with the members of every node, the server list they fail over to, and
 * logins refused while the cluster store cannot be reached. The links that
 * carry frames between nodes are serval-server-peer.c's.
 */
#include "config.h"

#include "serval-server-private.h"

/* How long a node's lease lasts when --lease is not given: a dead node's
 * members are forgotten by the others within this. */
#define DEFAULT_LEASE_S 10

static void
node_link_stats_free (gpointer data)
{
  ServalNodeLinkStats *st = data;

  g_free (st->node);
  g_free (st);
}

static char *
count_key (const char *node, guint32 tag)
{
  return g_strdup_printf ("%s\n%u", node, tag);
}

guint
serval_server_cluster_node_count (ServalServer *server, const char *node, guint32 tag)
{
  g_autofree char *key = NULL;

  if (server->remote_counts == NULL)
    return 0;
  key = count_key (node, tag);
  return GPOINTER_TO_UINT (g_hash_table_lookup (server->remote_counts, key));
}

/* Node @node has @delta members more (or fewer) in VLAN @tag; its trunk port
 * joins the VLAN with the first and leaves it with the last. */
static void
count_add (ServalServer *server, const char *node, guint32 tag, int delta)
{
  g_autofree char *key = count_key (node, tag);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (server->remote_counts, key));
  guint was = n;

  n = delta < 0 && n == 0 ? 0 : n + delta;
  if (n == 0)
    g_hash_table_remove (server->remote_counts, key);
  else
    g_hash_table_insert (server->remote_counts, g_steal_pointer (&key), GUINT_TO_POINTER (n));
  if ((was == 0) != (n == 0))
    serval_server_peer_sync_vlan (server, node, tag);
}

/* The trunk to @member's node, if this node is linked to it. */
static ServalSwitchPort *
trunk_of (ServalServer *server, ServalMember *member)
{
  Session *peer = g_hash_table_lookup (server->peers, serval_member_get_node (member));

  return peer != NULL && !peer->closed ? peer->port : NULL;
}

/* @member of another node came, changed or went (@kind) in VLAN @tag: what
 * this node's switch keeps for it follows (its MAC pinned to the trunk to
 * its node, its addresses claimed for it; without a link to that node yet,
 * serval_server_cluster_trunk_up() makes them), and this node's clients in
 * the VLAN are told. */
static void
remote_event (ServalServer *server, guint32 tag, const char *vlan, ServalMember *member, ServalEventKind kind)
{
  ServalSwitchPort *trunk = trunk_of (server, member);
  g_autoptr(GPtrArray) sessions = serval_server_vlan_sessions (server, tag);

  /* A change replaces what was kept for it. A join has nothing to replace
   * (the registry says joined only for a key it did not have), so the
   * claims are not searched for it: a storm of joins stays O(joins). */
  if (trunk != NULL && kind != SERVAL_EVENT_MEMBER_JOINED)
    serval_server_lan_remote_left (server, tag, trunk, member);
  if (trunk != NULL && kind != SERVAL_EVENT_MEMBER_LEFT)
    serval_server_lan_remote_joined (server, tag, trunk, member);
  serval_server_tell_members (sessions, NULL, tag, vlan, member, kind);
}

static void
member_added_cb (ServalCluster *cluster, guint tag, const char *vlan, ServalMember *member, gpointer data)
{
  ServalServer *server = data;
  ServalSwitchPort *port = serval_switch_lookup (server->sw, tag, serval_member_get_mac_bytes (member));

  /* A member that failed over from another node (or from this one): where
   * its MAC was learned is out of date until it sends a frame. */
  if (port != NULL && port != trunk_of (server, member))
    serval_switch_forget (server->sw, tag, serval_member_get_mac_bytes (member));
  /* Its node's trunk joins the VLAN first. */
  count_add (server, serval_member_get_node (member), tag, +1);
  remote_event (server, tag, vlan, member, SERVAL_EVENT_MEMBER_JOINED);
}

static void
member_updated_cb (ServalCluster *cluster, guint tag, const char *vlan, ServalMember *member, gpointer data)
{
  remote_event (data, tag, vlan, member, SERVAL_EVENT_MEMBER_UPDATED);
}

static void
member_removed_cb (ServalCluster *cluster, guint tag, const char *vlan, ServalMember *member, gpointer data)
{
  remote_event (data, tag, vlan, member, SERVAL_EVENT_MEMBER_LEFT);
  count_add (data, serval_member_get_node (member), tag, -1);
}

void
serval_server_cluster_trunk_up (ServalServer *server, const char *node, ServalSwitchPort *trunk, guint32 tag)
{
  g_autoptr(GPtrArray) members = serval_cluster_get_members (server->cluster, tag);

  serval_switch_port_join (server->sw, trunk, tag);
  for (guint i = 0; i < members->len; i++)
    if (g_strcmp0 (serval_member_get_node (members->pdata[i]), node) == 0)
      serval_server_lan_remote_joined (server, tag, trunk, members->pdata[i]);
}

/* The address clients (and other nodes) reach @info at. */
static const char *
node_address (const ServalNodeInfo *info)
{
  if (info->advertise != NULL && info->advertise[0] != NULL)
    return info->advertise[0];
  return info->peer;
}

/* The addresses of the other live nodes (borrowed from @nodes), and this node's in @own. */
static GPtrArray *
other_addresses (ServalServer *server, GPtrArray *nodes, const char **own)
{
  GPtrArray *others = g_ptr_array_new ();

  *own = NULL;
  for (guint i = 0; i < nodes->len && others->len < 31; i++)
    {
      const ServalNodeInfo *info = nodes->pdata[i];
      const char *addr = node_address (info);

      if (addr == NULL)
        continue;
      if (g_strcmp0 (info->name, server->config.node) == 0)
        *own = addr;
      else
        g_ptr_array_add (others, (gpointer) addr);
    }
  return others;
}

GStrv
serval_server_cluster_servers (ServalServer *server, guint spread)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(GPtrArray) others = NULL;
  const char *own;

  if (server->cluster == NULL)
    return g_strdupv (server->config.advertise);
  nodes = serval_cluster_get_nodes (server->cluster);
  others = other_addresses (server, nodes, &own);
  /* The others first, each client's list starting at another of them: when
   * this node dies its clients spread over the rest instead of all trying
   * the same one. Its own address last. */
  for (guint i = 0; i < others->len; i++)
    g_strv_builder_add (b, others->pdata[(i + spread) % others->len]);
  if (own != NULL)
    g_strv_builder_add (b, own);
  return g_strv_builder_end (b);
}

guint
serval_server_cluster_spread (Session *s)
{
  return g_str_hash (s->peer);
}

/* Every logged-in client gets the new list of nodes. */
static void
send_servers (ServalServer *server)
{
  /* One message per starting point (at most 32), not one per client. */
  g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_message_free);
  g_autoptr(GPtrArray) nodes = serval_cluster_get_nodes (server->cluster);
  g_autoptr(GPtrArray) others = NULL;
  const char *own;
  GHashTableIter iter;
  gpointer key;
  guint n;

  others = other_addresses (server, nodes, &own);
  n = MAX (others->len, 1);

  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) servers = serval_server_cluster_servers (server, i);

      g_ptr_array_add (msgs, serval_event_build_servers ((const char *const *) servers));
    }
  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;

      if (s->logged_in && s->node == NULL && !s->closed)
        serval_link_send (s->link, msgs->pdata[serval_server_cluster_spread (s) % n], NULL);
    }
}

static void
node_added_cb (ServalCluster *cluster, const ServalNodeInfo *info, gpointer data)
{
  ServalServer *server = data;

  if (g_strcmp0 (info->name, server->config.node) == 0)
    return;
  g_message ("Node “%s” (%s) is live", info->name, node_address (info));
  serval_server_peer_node_added (server, info->name, info->peer != NULL ? info->peer : node_address (info));
  send_servers (server);
}

static void
node_removed_cb (ServalCluster *cluster, const char *name, gpointer data)
{
  ServalServer *server = data;

  if (g_strcmp0 (name, server->config.node) == 0)
    return;
  g_message ("Node “%s” is gone (its lease ended): its members are forgotten", name);
  serval_server_peer_node_removed (server, name);
  send_servers (server);
}

/* Cut off from etcd for longer than its lease, this node is no longer in the
 * cluster's eyes: the others have forgotten its members. Its clients move
 * to nodes that are, rather than make a VLAN of their own. */
static void
state_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  ServalServer *server = data;
  ServalClusterState state = serval_cluster_get_state (server->cluster);
  g_autoptr(GList) sessions = NULL;

  if (state != SERVAL_CLUSTER_CUT_OFF)
    return;
  g_warning ("Cut off from the cluster store for longer than this node's lease: its clients are sent "
             "to the other nodes, and it takes none until etcd is back");
  sessions = g_hash_table_get_keys (server->sessions);
  for (GList *l = sessions; l != NULL; l = l->next)
    serval_session_close (l->data, SERVAL_ERROR_CODE_SHUTTING_DOWN,
                          "This node lost the cluster store (etcd) for longer than its lease: "
                          "connect to another node");
}

char *
serval_server_cluster_refusal (ServalServer *server)
{
  if (server->cluster == NULL || serval_cluster_get_state (server->cluster) == SERVAL_CLUSTER_OK)
    return NULL;
  return g_strdup (serval_cluster_state_describe (serval_cluster_get_state (server->cluster)));
}

void
serval_server_cluster_publish (ServalServer *server, guint32 tag, const char *vlan, ServalMember *member)
{
  if (server->cluster != NULL)
    serval_cluster_publish_member (server->cluster, tag, vlan, member);
}

void
serval_server_cluster_withdraw (ServalServer *server, guint32 tag, ServalMember *member)
{
  if (server->cluster != NULL)
    serval_cluster_withdraw_member (server->cluster, tag, serval_member_get_mac_bytes (member));
}

void
serval_server_cluster_add_members (ServalServer *server, guint32 tag, GPtrArray *list)
{
  g_autoptr(GPtrArray) remote = NULL;

  if (server->cluster == NULL)
    return;
  remote = serval_cluster_get_members (server->cluster, tag);
  /* The list keeps no reference: the members live in the registry, which
   * changes only on this thread, after the list has been sent. */
  for (guint i = 0; i < remote->len; i++)
    g_ptr_array_add (list, remote->pdata[i]);
}

guint
serval_server_cluster_count (ServalServer *server, guint32 tag)
{
  g_autoptr(GPtrArray) remote = NULL;

  if (server->cluster == NULL)
    return 0;
  remote = serval_cluster_get_members (server->cluster, tag);
  return remote->len;
}

/* Memberships of this node's clients: one per client and VLAN. */
static guint
local_members (ServalServer *server)
{
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;

      if (s->node == NULL && s->vlans != NULL)
        n += g_hash_table_size (s->vlans);
    }
  return n;
}

/* Memberships of @node's clients, from the registry. */
static guint
remote_members (ServalServer *server, const char *node)
{
  g_autofree char *prefix = g_strconcat (node, "\n", NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  g_hash_table_iter_init (&iter, server->remote_counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, prefix))
      n += GPOINTER_TO_UINT (value);
  return n;
}

void
serval_session_handle_list_nodes (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_node_entry_free);
  g_autoptr(GPtrArray) nodes = NULL;
  ServalNodeEntry *e;

  if (server->cluster == NULL)
    {
      /* A single server: itself. */
      const char *listen = server->config.listen;

      e = g_new0 (ServalNodeEntry, 1);
      e->name = g_strdup (server->config.node);
      e->advertise = server->config.advertise != NULL ? g_strdupv (server->config.advertise) : g_strsplit (listen != NULL ? listen : "", ",", -1);
      e->since = server->started;
      e->members = local_members (server);
      e->current = TRUE;
      g_ptr_array_add (entries, e);
      serval_session_reply (s, serval_response_build_list (req->id, SERVAL_RESPONSE_NODES, entries));
      return;
    }
  nodes = serval_cluster_get_nodes (server->cluster);
  for (guint i = 0; i < nodes->len; i++)
    {
      const ServalNodeInfo *info = nodes->pdata[i];
      gboolean self = g_strcmp0 (info->name, server->config.node) == 0;

      e = g_new0 (ServalNodeEntry, 1);
      e->name = g_strdup (info->name);
      if (info->advertise != NULL && info->advertise[0] != NULL)
        e->advertise = g_strdupv (info->advertise);
      else
        e->advertise = g_strsplit (info->peer != NULL ? info->peer : "", ",", -1);
      e->since = info->since;
      e->members = self ? local_members (server) : remote_members (server, info->name);
      e->current = self;
      g_ptr_array_add (entries, e);
    }
  serval_session_reply (s, serval_response_build_list (req->id, SERVAL_RESPONSE_NODES, entries));
}

typedef struct
{
  gboolean done;
  GError *error;
} Start;

static void
started_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Start *start = data;

  serval_cluster_start_finish (SERVAL_CLUSTER (source), result, &start->error);
  start->done = TRUE;
}

static gboolean
second_passed_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_a_second (GMainContext *context)
{
  gboolean passed = FALSE;
  GSource *source = g_timeout_source_new_seconds (1);

  g_source_set_callback (source, second_passed_cb, &passed, NULL);
  g_source_attach (source, context);
  while (!passed)
    g_main_context_iteration (context, TRUE);
  g_source_unref (source);
}

gboolean
serval_server_cluster_start (ServalServer *server, GError **error)
{
  const ServalServerConfig *config = &server->config;
  const char *peer;
  Start start = { FALSE, NULL };
  gboolean waited = FALSE;
  gint64 deadline;
  guint lease;

  if (config->etcd == NULL)
    return TRUE;
  peer = config->advertise != NULL && config->advertise[0] != NULL ? config->advertise[0] : config->listen;
  if (peer == NULL || g_str_has_prefix (peer, "0.0.0.0") || g_str_has_prefix (peer, "[::]"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "With --etcd, give --advertise HOST:PORT: the address at which the other nodes "
                   "and the clients reach this node");
      return FALSE;
    }
  server->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) serval_session_unref);
  server->remote_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->link_stats = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, node_link_stats_free);
  lease = config->lease > 0 ? config->lease : DEFAULT_LEASE_S;
  deadline = g_get_monotonic_time () + (lease + 3) * G_USEC_PER_SEC;
  for (;;)
    {
      start.done = FALSE;
      server->cluster = serval_cluster_new (config->etcd, config->node, (const char *const *) config->advertise,
                                            peer, server->fingerprint, lease, error);
      if (server->cluster == NULL)
        return FALSE;
      g_signal_connect (server->cluster, "member-added", G_CALLBACK (member_added_cb), server);
      g_signal_connect (server->cluster, "member-updated", G_CALLBACK (member_updated_cb), server);
      g_signal_connect (server->cluster, "member-removed", G_CALLBACK (member_removed_cb), server);
      g_signal_connect (server->cluster, "node-added", G_CALLBACK (node_added_cb), server);
      g_signal_connect (server->cluster, "node-removed", G_CALLBACK (node_removed_cb), server);
      g_signal_connect (server->cluster, "notify::state", G_CALLBACK (state_cb), server);

      /* Started before the listener: a client must not see a node that the
       * others do not. */
      serval_cluster_start_async (server->cluster, NULL, started_cb, &start);
      while (!start.done)
        g_main_context_iteration (server->context, TRUE);
      if (start.error == NULL)
        break;
      g_signal_handlers_disconnect_by_data (server->cluster, server);
      g_clear_object (&server->cluster);
      /* A node restarted at once after a crash finds its name still held by
       * the lease of its previous run: that lease ends within its TTL. */
      if (!g_error_matches (start.error, SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_NAME_TAKEN) ||
          g_get_monotonic_time () > deadline)
        {
          g_propagate_error (error, start.error);
          return FALSE;
        }
      if (!waited)
        g_message ("The name “%s” is still held in etcd (by this node's previous run, or by another node): "
                   "waiting up to %u s for that lease to end",
                   config->node, lease + 3);
      waited = TRUE;
      g_clear_error (&start.error);
      wait_a_second (server->context);
    }
  g_message ("Node “%s” joined the cluster (etcd %s); clients and nodes reach it at %s", config->node,
             config->etcd, peer);
  return TRUE;
}

static void
left_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  ServalServer *server;

  if (!serval_cluster_leave_finish (SERVAL_CLUSTER (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* the server is gone */
  server = data;
  if (error != NULL)
    g_message ("Could not revoke this node's lease (%s): the other nodes forget its members when it ends",
               error->message);
  else
    g_message ("Left the cluster: the other nodes forget this node's members now");
  server->leaving = FALSE;
  serval_server_session_closed (server);
}

void
serval_server_cluster_leave (ServalServer *server)
{
  if (server->cluster == NULL || server->leaving)
    return;
  server->leaving = TRUE;
  serval_cluster_leave_async (server->cluster, server->cancellable, left_cb, server);
}

void
serval_server_cluster_stop (ServalServer *server)
{
  if (server->cluster != NULL)
    g_signal_handlers_disconnect_by_data (server->cluster, server);
  serval_server_peer_stop (server);
  g_clear_object (&server->cluster);
  g_clear_pointer (&server->peers, g_hash_table_unref);
  g_clear_pointer (&server->remote_counts, g_hash_table_unref);
  g_clear_pointer (&server->link_stats, g_hash_table_unref);
}

static int
compare_link_stats (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(ServalNodeLinkStats **) a)->node, (*(ServalNodeLinkStats **) b)->node);
}

GPtrArray *
serval_server_get_node_links (ServalServer *server)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  if (server->link_stats == NULL)
    return list;
  g_hash_table_iter_init (&iter, server->link_stats);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, value);
  g_ptr_array_sort (list, compare_link_stats);
  return list;
}

const char *
serval_server_get_cluster_state (ServalServer *server)
{
  if (server->cluster == NULL)
    return "none";
  switch (serval_cluster_get_state (server->cluster))
    {
    case SERVAL_CLUSTER_STARTING: return "starting";
    case SERVAL_CLUSTER_OK: return "ok";
    case SERVAL_CLUSTER_NO_QUORUM: return "no-quorum";
    case SERVAL_CLUSTER_CUT_OFF: return "cut-off";
    default: return "unknown";
    }
}
