/* serval-cluster-private.h: what the two files of the cluster's registry share:
 *   serval-cluster.c            the object: start, the lease and its keepalives, the
 *                               watch, and the writes of what this node publishes
 *   serval-cluster-publish.c    what this node publishes, written in order and again
 *                               under a new lease
 *   serval-cluster-directory.c  the directory: keys and values read into the nodes
 *                               and members of the others, and the signals they make
 */
#pragma once

#include <json-glib/json-glib.h>

#include "serval-cluster.h"
#include "serval-etcd.h"

G_BEGIN_DECLS

#define SERVAL_CLUSTER_LIVE_PREFIX    "/serval-live/"
#define SERVAL_CLUSTER_NODES_PREFIX   SERVAL_CLUSTER_LIVE_PREFIX "nodes/"
#define SERVAL_CLUSTER_MEMBERS_PREFIX SERVAL_CLUSTER_LIVE_PREFIX "members/"

/* Retries of a failed read, renewal or write: from this, doubling, up to that. */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000

/* A key this node published, and how far etcd has it. */
typedef struct
{
  char *value;     /* NULL: withdrawn, to be deleted */
  guint64 version; /* bumped by each publish or withdraw */
  guint64 written; /* the version etcd has under the current lease */
  gboolean busy;   /* a write is under way: one at a time per key keeps them in order */
} Published;

/* A write under way, for its callback (which must not touch a disposed registry). */
typedef struct
{
  ServalCluster *self;
  char *key;
  guint64 version;
  gint64 lease;
} WriteOp;

/* A member of another node, as its key says. */
typedef struct
{
  guint32 tag;
  char *vlan;
  char *value; /* the JSON, to tell an update from a repeat */
  ServalMember *member;
} Entry;

struct _ServalCluster
{
  GObject parent_instance;
  ServalEtcd *etcd;
  char *node;
  GStrv advertise;
  char *peer;
  char *fingerprint;
  guint ttl;
  gint64 since;
  GMainContext *context;
  GCancellable *cancellable; /* every call; cancelled at dispose */
  GCancellable *watch_cancellable;
  ServalClusterState state;
  GTask *start_task;     /* until started */
  gint64 lease;          /* 0: none yet */
  gboolean renewing;     /* a new lease, the node key and a new read are under way */
  gint64 old_lease;      /* the lease before the renewal: the node key may still be under it */
  gint64 revision;       /* the directory has every change up to this one */
  GHashTable *nodes;     /* name -> ServalNodeInfo */
  GHashTable *members;   /* key after MEMBERS_PREFIX -> Entry */
  GHashTable *published; /* full key -> Published */
  GSource *tick_source;
  GSource *renew_source;
  GSource *write_source;
  gboolean keepalive_busy;
  gboolean keepalive_failed;
  gint64 keepalive_sent;
  gboolean probing;
  guint renew_backoff_ms;
  guint write_backoff_ms;
};

enum
{
  SERVAL_CLUSTER_NODE_ADDED,
  SERVAL_CLUSTER_NODE_REMOVED,
  SERVAL_CLUSTER_MEMBER_ADDED,
  SERVAL_CLUSTER_MEMBER_UPDATED,
  SERVAL_CLUSTER_MEMBER_REMOVED,
  SERVAL_CLUSTER_N_SIGNALS
};
extern guint serval_cluster_signals[SERVAL_CLUSTER_N_SIGNALS];

/* serval-cluster.c */
/* Calls /v3/@method with @body (taken), cancelled at dispose. Every call
 * here may be repeated: puts and deletes are written one at a time per key,
 * and a lease granted twice expires unused. */
void serval_cluster_call (ServalCluster *self, const char *method, JsonObject *body, GAsyncReadyCallback callback,
                          gpointer data);

/* serval-cluster-publish.c */
/* Starts the writes of every published key that etcd does not have yet under the current lease. */
void serval_cluster_kick_writes (ServalCluster *self);

/* serval-cluster-directory.c: requests and values */
void serval_cluster_set_b64 (JsonObject *o, const char *member, const char *text);
/* 64-bit integers as the gateway has them: strings. */
void serval_cluster_set_int64 (JsonObject *o, const char *member, gint64 value);
JsonObject *serval_cluster_key_request (const char *key);
/* A put of @key under the current lease. */
JsonObject *serval_cluster_put_request (ServalCluster *self, const char *key, const char *value);
/* A transaction: @put (taken) if @key was never made, else a read of it. */
JsonObject *serval_cluster_txn_if_absent (const char *key, JsonObject *put);
/* A transaction: @put (taken) if @key is under @lease, else as above. */
JsonObject *serval_cluster_txn_if_ours (const char *key, gint64 lease, JsonObject *put);
/* Whether the transaction, or the one nested in its failure branch, succeeded. */
gboolean serval_cluster_txn_succeeded (JsonObject *response);
/* The value that a failed serval_cluster_txn_if_absent() read, or NULL. */
char *serval_cluster_txn_read_value (JsonObject *response);
char *serval_cluster_node_value (ServalCluster *self);
char *serval_cluster_member_value (guint32 tag, const char *vlan, ServalMember *m);

/* serval-cluster-directory.c: the directory */
void serval_cluster_entry_free (Entry *e);
/* The keys, names URI-escaped. */
char *serval_cluster_node_key (const char *name);
char *serval_cluster_member_key (const char *node, guint32 tag, const guint8 mac[6]);
/* Applies a put of @key (@value) or its delete (@value NULL) to the
 * directory, with the signal it makes. */
void serval_cluster_apply (ServalCluster *self, const char *key, const char *value);
/* Makes the directory what @response (a range of every live key) says. */
void serval_cluster_replace_directory (ServalCluster *self, JsonObject *response);

G_END_DECLS
