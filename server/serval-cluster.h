/* serval-cluster.h: the registry of a cluster of serval-server nodes in
 * etcd: which nodes are alive (a key each under the node's lease) and which
 * members are on each node's VLANs, so that every node knows the others'.
 *
 * Keys, outside the store's prefix (the store watches "/serval/" whole):
 *   /serval-live/nodes/NODE              {"name", "advertise": [...], "peer", "since"}
 *   /serval-live/members/NODE/TAG/MACHEX {"user", "host", "mac", "addresses": [...],
 *                                         "vlan", "tag", "since"}
 *   /serval/cluster/fingerprint          the certificate fingerprint every node shares
 * The first two live under the node's lease: when a node dies, etcd deletes
 * them after the lease's TTL and the other nodes see the deletes. Names in
 * keys are URI-escaped; TAG is decimal, MACHEX 12 lower-case hex digits.
 */
#pragma once

#include <gio/gio.h>

#include "serval-member.h"

G_BEGIN_DECLS

/**
 * ServalClusterError:
 * @SERVAL_CLUSTER_ERROR_UNKNOWN_KEY: this node's certificate is not the
 *   cluster's; the message names both fingerprints and what to copy
 * @SERVAL_CLUSTER_ERROR_NAME_TAKEN: a live node of that name (another
 *   process) holds the node key
 * @SERVAL_CLUSTER_ERROR_UNAVAILABLE: etcd cannot be reached or has no quorum
 */
typedef enum
{
  SERVAL_CLUSTER_ERROR_UNKNOWN_KEY,
  SERVAL_CLUSTER_ERROR_NAME_TAKEN,
  SERVAL_CLUSTER_ERROR_UNAVAILABLE,
} ServalClusterError;

#define SERVAL_CLUSTER_ERROR (serval_cluster_error_quark ())
GQuark serval_cluster_error_quark (void);

/**
 * ServalClusterState:
 * @SERVAL_CLUSTER_STARTING: not started yet
 * @SERVAL_CLUSTER_OK: the lease is kept alive and the directory is current
 * @SERVAL_CLUSTER_NO_QUORUM: etcd answers but cannot keep the lease alive
 *   (also, briefly, when etcd has just stopped answering); the lease is
 *   kept and tried again (a new leader extends it)
 * @SERVAL_CLUSTER_CUT_OFF: no etcd endpoint answered for longer than the
 *   lease's TTL: the lease is surely gone and the others think this node
 *   dead; the server should stop serving until the state is OK again
 */
typedef enum
{
  SERVAL_CLUSTER_STARTING,
  SERVAL_CLUSTER_OK,
  SERVAL_CLUSTER_NO_QUORUM,
  SERVAL_CLUSTER_CUT_OFF,
} ServalClusterState;

GType serval_cluster_state_get_type (void);
#define SERVAL_TYPE_CLUSTER_STATE (serval_cluster_state_get_type ())

/* A live node, as its key says. */
typedef struct
{
  char *name;
  GStrv advertise; /* "host:port" where clients reach it */
  char *peer;      /* "host:port" where other nodes dial it */
  gint64 since;    /* Unix time it started */
} ServalNodeInfo;

GType serval_node_info_get_type (void);
#define SERVAL_TYPE_NODE_INFO (serval_node_info_get_type ())
ServalNodeInfo *serval_node_info_copy (const ServalNodeInfo *info);
void serval_node_info_free (ServalNodeInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalNodeInfo, serval_node_info_free)

#define SERVAL_TYPE_CLUSTER (serval_cluster_get_type ())
G_DECLARE_FINAL_TYPE (ServalCluster, serval_cluster, SERVAL, CLUSTER, GObject)

/**
 * serval_cluster_new:
 * @etcd_urls: etcd's client URLs, comma separated
 * @node: this node's name
 * @advertise: where clients reach this node ("host:port")
 * @peer: where other nodes dial this node ("host:port")
 * @fingerprint: this node's certificate fingerprint
 * @lease_ttl: seconds after which etcd deletes this node's keys when it
 *   stops keeping them alive (at least 2)
 *
 * Makes the registry; nothing is sent before serval_cluster_start_async().
 * Everything runs on the thread-default main context of this call.
 *
 * Returns: (transfer full) (nullable): the registry, or %NULL (bad URLs)
 */
ServalCluster *serval_cluster_new (const char *etcd_urls, const char *node, const char *const *advertise,
                                   const char *peer, const char *fingerprint, guint lease_ttl, GError **error);

/* Checks the fingerprint (and records it if the cluster has none), refuses
 * a name a live node holds, takes a lease, puts this node's key, reads the
 * directory and starts the watch and the keepalives (every TTL/3). */
void serval_cluster_start_async (ServalCluster *cluster, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean serval_cluster_start_finish (ServalCluster *cluster, GAsyncResult *result, GError **error);

/* Returns: (transfer container) (element-type ServalNodeInfo): the live
 * nodes, this one included, sorted by name */
GPtrArray *serval_cluster_get_nodes (ServalCluster *cluster);
/* Returns: (transfer container) (element-type ServalMember): the members
 * of the OTHER nodes in VLAN @tag */
GPtrArray *serval_cluster_get_members (ServalCluster *cluster, guint32 tag);

/* Publishes @m (a member of this node) in VLAN @tag, named @vlan, or
 * updates it. Never fails from the caller's view: what this node published
 * is kept, written in order per key, retried with backoff, and written
 * again under a new lease when the old one was lost. */
void serval_cluster_publish_member (ServalCluster *cluster, guint32 tag, const char *vlan, ServalMember *m);
void serval_cluster_withdraw_member (ServalCluster *cluster, guint32 tag, const guint8 mac[6]);

/* Leaves the cluster at once, for a clean stop: no more keepalives, and the
 * lease is revoked, so that etcd deletes this node's keys now and the other
 * nodes forget its members without waiting for the TTL. */
void serval_cluster_leave_async (ServalCluster *cluster, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean serval_cluster_leave_finish (ServalCluster *cluster, GAsyncResult *result, GError **error);

ServalClusterState serval_cluster_get_state (ServalCluster *cluster);
/* A sentence for logs and errors. */
const char *serval_cluster_state_describe (ServalClusterState state);

/* Signals (members and nodes of the OTHER nodes, as etcd reports them):
 *   "node-added"     (ServalNodeInfo *info)
 *   "node-removed"   (const char *name)
 *   "member-added", "member-updated", "member-removed"
 *                    (guint tag, const char *vlan, ServalMember *m)
 * and "notify::state". "node-added" and "node-removed" include this node. */

G_END_DECLS
