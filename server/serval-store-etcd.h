/* serval-store-etcd.h: what the files of the etcd store backend share:
 *   serval-store-etcd.c       the object: open, the watch, the probe, writes as transactions
 *   serval-store-etcd-copy.c  the in-memory copy of the keys, and the reads it answers
 *   serval-store-etcd-txn.c   the writes, one transaction each
 *   serval-store-etcd-net.c   VLANs' addresses and rules, bridge rights, leases
 *
 * Keys are relative to the prefix in the copy ("users/alice"); names in
 * keys are URI-escaped, so that a "/" in a name cannot split a key.
 */
#pragma once

#include "serval-etcd.h"
#include "serval-store-private.h"

G_BEGIN_DECLS

G_DECLARE_FINAL_TYPE (ServalStoreEtcd, serval_store_etcd, SERVAL, STORE_ETCD, ServalStore)

typedef struct
{
  char *value; /* NUL-terminated; NULL: deleted (kept, so that an older put is not applied) */
  gsize len;
  gint64 mod_revision;
} ServalEtcdEntry;

struct _ServalStoreEtcd
{
  ServalStore parent_instance;
  ServalEtcd *etcd;
  char *prefix;     /* "/serval/" */
  GHashTable *copy; /* key -> ServalEtcdEntry */
  gint64 revision;  /* the watch has brought every change up to this one */
  gboolean opened;  /* the first read is done */
  GError *open_error;
  gboolean available;
  GCancellable *cancellable; /* the refresh, watch and probe; cancelled at dispose */
  GCancellable *watch_cancellable;
  GSource *retry_source;
  GSource *probe_source;
  gboolean probing;
  guint backoff_ms;
  GPtrArray *inflight; /* the transactions of ours under way (borrowed) */
  GPtrArray *deferred; /* (element-type ServalEtcdEffect) seen in the watch while one of
                        * ours that touches their key was under way: ours, or not */
};

/* A live value deleted, and the signal it makes the store emit. */
typedef struct
{
  guint signal;
  char *key;
  gint64 revision;
  char *user;
  char *vlan;
  guint32 tag;
} ServalEtcdEffect;

typedef struct _Txn ServalEtcdTxn;

/* serval-store-etcd.c */
/* @key (relative) with the prefix, in base64 */
char *serval_store_etcd_full_key (ServalStoreEtcd *self, const char *key);
/* A RangeRequest of @key, or of every key that starts with it if @prefix. */
JsonObject *serval_store_etcd_range_request (ServalStoreEtcd *self, const char *key, gboolean prefix,
                                             gboolean keys_only);
/* Sets @member of @o to @value, which it takes. */
void serval_store_etcd_set_take (JsonObject *o, const char *member, char *value);
/* Calls /v3/@method with @body (taken). */
void serval_store_etcd_call (ServalStoreEtcd *self, const char *method, JsonObject *body,
                             gboolean idempotent, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer data);
/* The key of a kv in an answer, without the prefix; NULL if outside it. */
char *serval_store_etcd_kv_key (ServalStoreEtcd *self, JsonObject *kv);
/* Emits the signals of @effects (taken), holding back those of keys that a
 * transaction of ours under way touches. */
void serval_store_etcd_emit_effects (ServalStoreEtcd *self, GPtrArray *effects);

/* serval-store-etcd-txn.c */
/* The store class's write. */
void serval_store_etcd_write (ServalStore *store, const ServalStoreWrite *w, GTask *task);
/* Whether transaction @t (in self->inflight) changes @key. */
gboolean serval_store_etcd_txn_covers (ServalEtcdTxn *t, const char *key);

/* Plans one attempt of a transaction from what it knows (serval_etcd_txn_view()):
 * its guards, its changes and the keys to read back when a guard fails;
 * FALSE with the store's error to give up. */
typedef gboolean (*ServalEtcdPlanFunc) (ServalEtcdTxn *t, GError **error);
/* Runs a transaction that @plan plans, again after each failed guard, and
 * completes @task: with the lease serval_etcd_txn_set_lease() gave, or 0. */
void serval_store_etcd_txn_run (ServalStoreEtcd *self, GTask *task, ServalEtcdPlanFunc plan,
                                const ServalLeaseRequest *req);
/* What a plan works with. */
/* How many attempts failed before this one. */
guint serval_etcd_txn_attempt (ServalEtcdTxn *t);
const ServalStoreWrite *serval_etcd_txn_write (ServalEtcdTxn *t);
const ServalLeaseRequest *serval_etcd_txn_request (ServalEtcdTxn *t);
void serval_etcd_txn_set_lease (ServalEtcdTxn *t, ServalLease *lease);
/* The live entry at @key as the plan knows it: read back by the last failed attempt, or in the copy. */
const ServalEtcdEntry *serval_etcd_txn_view (ServalEtcdTxn *t, const char *key);
/* The table that holds every key under @prefix as the plan knows them, and
 * the revision it is complete to in @seen. */
GHashTable *serval_etcd_txn_table (ServalEtcdTxn *t, const char *prefix, gint64 *seen);
/* A guard: @target ("VERSION", "MOD") of @key (every key under it if @prefix)
 * compared by @result ("EQUAL", "GREATER", "LESS") with @n. */
void serval_etcd_txn_guard (ServalEtcdTxn *t, const char *target, const char *key, gboolean prefix,
                            const char *result, gint64 n);
/* Puts @value (taken) at @key; deletes @key (every key under it if @prefix). */
void serval_etcd_txn_put (ServalEtcdTxn *t, const char *key, char *value);
void serval_etcd_txn_del (ServalEtcdTxn *t, const char *key, gboolean prefix);
/* When the guards fail, read @key back: every key under it if it ends in "/". */
void serval_etcd_txn_read_back (ServalEtcdTxn *t, const char *key);

/* serval-store-etcd-net.c */
/* Plans the writes of the kinds after REVOKE. */
gboolean serval_store_etcd_plan_net (ServalEtcdTxn *t, GError **error);
/* Adds to a user's (a VLAN's) deletion the deletion of their leases. */
void serval_store_etcd_plan_user_leases_del (ServalEtcdTxn *t, const char *user);
void serval_store_etcd_plan_vlan_leases_del (ServalEtcdTxn *t, const char *vlan);
/* A VLAN from its key's value: tag, addresses and rules. */
ServalVlan *serval_etcd_vlan_new (const char *name, const ServalEtcdEntry *e);
/* The admin flag, bridge right and rate limit in a user's value (all unset
 * if it is damaged). */
void serval_etcd_user_record (const ServalEtcdEntry *e, ServalUserRecord *record);
/* Whether a put of @key from @old to @value changes what "vlan-changed" or
 * "user-changed" tell of. */
gboolean serval_etcd_value_changed (const char *key, const ServalEtcdEntry *old, const char *value, gsize len);
/* The store class's vlan_get, lease, lease_release and lease_list. */
ServalVlan *serval_store_etcd_vlan_get (ServalStore *store, const char *name, GError **error);
void serval_store_etcd_lease (ServalStore *store, const ServalLeaseRequest *req, GTask *task);
void serval_store_etcd_lease_release (ServalStore *store, const ServalLeaseRequest *req, GTask *task);
GPtrArray *serval_store_etcd_lease_list (ServalStore *store, const char *vlan, GError **error);

/* The keys of a user, a VLAN, a right, every right of a user or VLAN (a prefix), a secret. */
char *serval_etcd_key_user (const char *name);
char *serval_etcd_key_vlan (const char *name);
char *serval_etcd_key_right (const char *user, const char *vlan);
char *serval_etcd_key_rights_of (const char *user);
#define SERVAL_ETCD_KEY_NEXT_TAG "next-tag"
#define SERVAL_ETCD_KEY_RIGHTS   "rights/"

/* The live entry at @key in @table, or NULL. */
const ServalEtcdEntry *serval_etcd_entry (GHashTable *table, const char *key);
GHashTable *serval_etcd_table_new (void);
/* Sets @key to @value (NULL: deletes it) at @revision, unless @table holds a
 * newer change of it. A live value deleted adds its effect to @effects (if
 * not NULL): the signal the store emits for it. */
void serval_etcd_table_apply (GHashTable *table, const char *key, const char *value, gsize len,
                              gint64 revision, GPtrArray *effects);
GPtrArray *serval_etcd_effects_new (void);
/* Emits the store's signals for @effects: VLANs first, then users, then rights. */
void serval_etcd_effects_emit (ServalStore *store, GPtrArray *effects);
/* The tag in a VLAN's or right's value, 0 if none. */
guint32 serval_etcd_entry_tag (const ServalEtcdEntry *e);
/* The value of a user. */
char *serval_etcd_user_value (const ServalCredentials *cred, const ServalUserRecord *record);
/* The value's JSON object, or NULL. */
JsonObject *serval_etcd_parse_json (const ServalEtcdEntry *e);

/* Sets the store class's reads (user_get, user_list, user_count,
 * vlan_lookup, vlan_list, has_right): they read the copy. */
void serval_store_etcd_copy_class_init (ServalStoreClass *store_class);

G_END_DECLS
