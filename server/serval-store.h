/* serval-store.h: users, password hashes, VLANs, rights and server-wide
 * secrets, behind one interface with two backends:
 *
 *   serval-store-sqlite.c  one SQLite file in the data directory (one node)
 *   serval-store-etcd.c    etcd, shared by every node of a cluster
 *
 * Reads answer at once from memory or a local file and never wait for the
 * network. Writes are asynchronous (serval_store_write_async()): the etcd
 * backend sends them as transactions, the SQLite backend does them at once
 * and completes them on the next main loop iteration. Used from one thread,
 * the one whose thread-default main context was current at open.
 *
 * Password hashing lives in serval-password.h so that the server can run
 * the slow PBKDF2 in a worker thread.
 */
#pragma once

#include <gio/gio.h>
#include "serval-password.h"
#include "serval-rule.h"

G_BEGIN_DECLS

#define SERVAL_STORE_ERROR (serval_store_error_quark ())
GQuark serval_store_error_quark (void);

/**
 * ServalStoreError:
 * @SERVAL_STORE_ERROR_IO: cannot open, read or write the database file
 * @SERVAL_STORE_ERROR_CORRUPT: not a Serval database, or damaged
 * @SERVAL_STORE_ERROR_NO_USER: no such user
 * @SERVAL_STORE_ERROR_NO_VLAN: no such VLAN (or, from a revoke, no such right)
 * @SERVAL_STORE_ERROR_EXISTS: the user, VLAN or right exists already
 * @SERVAL_STORE_ERROR_INVALID: a name that is empty, too long (> 64 bytes) or not UTF-8;
 *   or no VLAN tag is left
 * @SERVAL_STORE_ERROR_UNAVAILABLE: the cluster store (etcd) cannot be reached, or has no quorum
 * @SERVAL_STORE_ERROR_NO_RULE: a VLAN has no rule with that number
 * @SERVAL_STORE_ERROR_FULL: a VLAN's subnet has no address left to lease
 *
 * Errors of the store.
 */
typedef enum
{
  SERVAL_STORE_ERROR_IO,
  SERVAL_STORE_ERROR_CORRUPT,
  SERVAL_STORE_ERROR_NO_USER,
  SERVAL_STORE_ERROR_NO_VLAN,
  SERVAL_STORE_ERROR_EXISTS,
  SERVAL_STORE_ERROR_INVALID,
  SERVAL_STORE_ERROR_UNAVAILABLE,
  SERVAL_STORE_ERROR_NO_RULE,
  SERVAL_STORE_ERROR_FULL,
} ServalStoreError;

#define SERVAL_STORE_MAX_TAG 16777215

typedef struct
{
  guint32 id; /* the VLAN's tag on the wire, 1..16777215, never reused */
  char *name;
  char *subnet;     /* (nullable) IPv4 subnet the VLAN leases from, canonical "10.77.0.0/24" */
  char *prefix6;    /* (nullable) IPv6 prefix announced in the VLAN, canonical "fd00:77::/64" */
  GPtrArray *rules; /* (element-type ServalRule) the access list in order; never NULL */
} ServalVlan;

typedef struct
{
  char *name;
  gboolean admin;
  gboolean bridge;    /* may carry more MACs than its own (a bridged LAN) */
  guint64 rate_limit; /* bytes/s it may send through the switch; 0: none of its own */
  GPtrArray *vlans;   /* (element-type utf8) names of VLANs the user may join, sorted */
} ServalUser;

/**
 * ServalUserRecord:
 * @admin: whether the user is an administrator
 * @bridge: whether the user has the bridge right
 * @rate_limit: bytes per second the user may send through the switch, over
 *   all its sessions; 0: none of its own (the server's --user-rate-limit)
 *
 * What a login needs of a user besides the password record, read with it
 * in one go (serval_store_user_read()).
 */
typedef struct
{
  gboolean admin;
  gboolean bridge;
  guint64 rate_limit;
} ServalUserRecord;

/* The largest per-user rate limit, bytes per second (what the protocol carries). */
#define SERVAL_STORE_MAX_RATE_LIMIT G_GUINT64_CONSTANT (2147483647)

/**
 * ServalLease:
 * @vlan: the VLAN's name
 * @user: the user the address is leased to
 * @mac: the MAC it is leased for
 * @address: the IPv4 address with the subnet's length, "10.77.0.5/24"
 * @released: 0 while in use; else when it was released (g_get_real_time())
 *
 * An address of a VLAN's subnet, leased to one user and MAC. A lease stays
 * with that user and MAC after it is released, so that they get the same
 * address back; a released lease is given to someone else only when the
 * subnet has no address that was never leased. The subnet's first host
 * address is the server's own and is never leased.
 */
typedef struct
{
  char *vlan;
  char *user;
  guint8 mac[6];
  char *address;
  gint64 released;
} ServalLease;

void serval_lease_free (ServalLease *lease);

void serval_vlan_free (ServalVlan *vlan);
void serval_user_free (ServalUser *user);

/**
 * ServalStoreWriteKind:
 * @SERVAL_STORE_USER_ADD: add @user with @cred and @admin
 * @SERVAL_STORE_USER_DEL: delete @user and every right of theirs
 * @SERVAL_STORE_USER_SET_CREDENTIALS: give @user the password @cred
 * @SERVAL_STORE_VLAN_ADD: add @vlan with a tag never used before
 * @SERVAL_STORE_VLAN_DEL: delete @vlan and every right to it
 * @SERVAL_STORE_GRANT: let @user join @vlan (both must exist)
 * @SERVAL_STORE_REVOKE: take that right away
 * @SERVAL_STORE_VLAN_SET_ADDRESSES: give @vlan the @subnet and @prefix6 (each
 *   %NULL to keep, "" to remove); leases outside a new subnet are dropped
 * @SERVAL_STORE_RULE_ADD: append @rule to @vlan's access list
 * @SERVAL_STORE_RULE_DEL: remove rule number @index (from 1) of @vlan's list
 * @SERVAL_STORE_USER_SET_BRIDGE: give @user the bridge right, or take it (@bridge)
 * @SERVAL_STORE_USER_SET_RATE_LIMIT: give @user its own rate limit, @rate_limit
 *   bytes per second (0: none, the server's default applies)
 *
 * The changes a store makes, each one transaction.
 */
typedef enum
{
  SERVAL_STORE_USER_ADD,
  SERVAL_STORE_USER_DEL,
  SERVAL_STORE_USER_SET_CREDENTIALS,
  SERVAL_STORE_VLAN_ADD,
  SERVAL_STORE_VLAN_DEL,
  SERVAL_STORE_GRANT,
  SERVAL_STORE_REVOKE,
  SERVAL_STORE_VLAN_SET_ADDRESSES,
  SERVAL_STORE_RULE_ADD,
  SERVAL_STORE_RULE_DEL,
  SERVAL_STORE_USER_SET_BRIDGE,
  SERVAL_STORE_USER_SET_RATE_LIMIT,
} ServalStoreWriteKind;

/**
 * ServalStoreWrite:
 * @kind: what to change
 * @user: the user's name, for the kinds that name one
 * @vlan: the VLAN's name, for the kinds that name one
 * @cred: the password record, for %SERVAL_STORE_USER_ADD and
 *   %SERVAL_STORE_USER_SET_CREDENTIALS
 * @admin: for %SERVAL_STORE_USER_ADD: whether the user is an administrator
 * @subnet: for %SERVAL_STORE_VLAN_SET_ADDRESSES
 * @prefix6: for %SERVAL_STORE_VLAN_SET_ADDRESSES
 * @rule: for %SERVAL_STORE_RULE_ADD
 * @index: for %SERVAL_STORE_RULE_DEL, from 1
 * @bridge: for %SERVAL_STORE_USER_SET_BRIDGE
 * @rate_limit: for %SERVAL_STORE_USER_SET_RATE_LIMIT, at most
 *   %SERVAL_STORE_MAX_RATE_LIMIT
 *
 * One change; the store copies what it needs before
 * serval_store_write_async() returns.
 */
typedef struct
{
  ServalStoreWriteKind kind;
  const char *user;
  const char *vlan;
  const ServalCredentials *cred;
  gboolean admin;
  const char *subnet;
  const char *prefix6;
  const ServalRule *rule;
  guint index;
  gboolean bridge;
  guint64 rate_limit;
} ServalStoreWrite;

#define SERVAL_TYPE_STORE (serval_store_get_type ())
G_DECLARE_DERIVABLE_TYPE (ServalStore, serval_store, SERVAL, STORE, GObject)

/**
 * serval_store_open_sqlite:
 * @path: the database file; made (mode 0600) if it does not exist
 * @error: return location for a #GError
 *
 * Opens the SQLite backend.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 */
ServalStore *serval_store_open_sqlite (const char *path, GError **error);

/**
 * serval_store_open_etcd:
 * @endpoints: etcd client URLs, comma separated ("http://10.0.0.1:2379,http://10.0.0.2:2379")
 * @prefix: the keys' prefix, ending in "/" ("/serval/")
 * @error: return location for a #GError
 *
 * Opens the etcd backend: reads every key under @prefix into memory and
 * watches them to keep that copy current. Iterates the thread-default
 * main context until the first read is done: call it before the server
 * serves anything.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 *   (%SERVAL_STORE_ERROR_UNAVAILABLE naming the endpoints it tried)
 */
ServalStore *serval_store_open_etcd (const char *endpoints, const char *prefix, GError **error);

/**
 * serval_store_user_get:
 * @store: a #ServalStore
 * @name: the user
 * @cred: (out caller-allocates): the password record; clear it with serval_credentials_clear()
 * @admin: (out) (optional): whether the user is an administrator
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the user exists; %FALSE with %SERVAL_STORE_ERROR_NO_USER if not
 */
gboolean serval_store_user_get (ServalStore *store, const char *name, ServalCredentials *cred,
                                gboolean *admin, GError **error);

/**
 * serval_store_user_read:
 * @store: a #ServalStore
 * @name: the user
 * @cred: (out caller-allocates): the password record; clear it with serval_credentials_clear()
 * @record: (out caller-allocates): the admin flag, the bridge right and the rate limit
 * @error: return location for a #GError
 *
 * serval_store_user_get() and the rest of what a login needs, in one read
 * (one SQLite query).
 *
 * Returns: %TRUE if the user exists; %FALSE with %SERVAL_STORE_ERROR_NO_USER if not
 */
gboolean serval_store_user_read (ServalStore *store, const char *name, ServalCredentials *cred,
                                 ServalUserRecord *record, GError **error);

/**
 * serval_store_user_list:
 * @store: a #ServalStore
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type ServalUser) (nullable): every user, sorted by name
 */
GPtrArray *serval_store_user_list (ServalStore *store, GError **error);

/**
 * serval_store_user_count:
 * @store: a #ServalStore
 *
 * Returns: how many users there are (0 when the store cannot say)
 */
guint serval_store_user_count (ServalStore *store);

/**
 * serval_store_vlan_lookup:
 * @store: a #ServalStore
 * @name: the VLAN
 * @out_id: (out) (optional): its tag
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the VLAN exists; %FALSE with %SERVAL_STORE_ERROR_NO_VLAN if not
 */
gboolean serval_store_vlan_lookup (ServalStore *store, const char *name, guint32 *out_id, GError **error);

/**
 * serval_store_vlan_list:
 * @store: a #ServalStore
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type ServalVlan) (nullable): every VLAN, sorted by name
 */
GPtrArray *serval_store_vlan_list (ServalStore *store, GError **error);

/**
 * serval_store_has_right:
 * @store: a #ServalStore
 * @user: (nullable): the user
 * @vlan: (nullable): the VLAN
 *
 * Returns: whether @user may join @vlan
 */
gboolean serval_store_has_right (ServalStore *store, const char *user, const char *vlan);

/**
 * serval_store_secret:
 * @store: a #ServalStore
 * @name: the secret's name ("token-key")
 * @out: (out caller-allocates) (array length=len): where the secret goes
 * @len: its length in bytes
 * @error: return location for a #GError
 *
 * Fills @out with the server-wide secret @name, making a random one (and
 * keeping it) the first time. Every server that shares the store gets the
 * same bytes. The etcd backend may wait for etcd here: call it at start.
 *
 * Returns: %TRUE on success
 */
gboolean serval_store_secret (ServalStore *store, const char *name, guint8 *out, gsize len, GError **error);

/**
 * serval_store_check_available:
 * @store: a #ServalStore
 * @error: return location for a #GError
 *
 * Whether the store is reachable now, so that what it says is current
 * and writes can be made. The SQLite backend always is.
 *
 * Returns: %TRUE if it is; %FALSE with %SERVAL_STORE_ERROR_UNAVAILABLE and a
 *   sentence for people if not
 */
gboolean serval_store_check_available (ServalStore *store, GError **error);

/**
 * serval_store_write_async:
 * @store: a #ServalStore
 * @write: the change
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the change is made or refused
 * @user_data: for @callback
 *
 * Makes one change as one transaction. Once it completes, the reads of
 * @store show it.
 */
void serval_store_write_async (ServalStore *store, const ServalStoreWrite *write, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);

/**
 * serval_store_write_finish:
 * @store: a #ServalStore
 * @result: the #GAsyncResult
 * @out_tag: (out) (optional): for %SERVAL_STORE_VLAN_ADD, the new VLAN's tag
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the change was made
 */
gboolean serval_store_write_finish (ServalStore *store, GAsyncResult *result, guint32 *out_tag, GError **error);

/**
 * serval_store_write_sync:
 * @store: a #ServalStore
 * @write: the change
 * @out_tag: (out) (optional): as in serval_store_write_finish()
 * @error: return location for a #GError
 *
 * serval_store_write_async(), iterating the thread-default main context
 * until it completes: for the offline commands and tests, never for code
 * that runs under the server's main loop.
 *
 * Returns: %TRUE if the change was made
 */
gboolean serval_store_write_sync (ServalStore *store, const ServalStoreWrite *write, guint32 *out_tag,
                                  GError **error);

/**
 * serval_store_vlan_get:
 * @store: a #ServalStore
 * @name: the VLAN
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the VLAN with its addresses and
 *   rules; %NULL with %SERVAL_STORE_ERROR_NO_VLAN if there is none
 */
ServalVlan *serval_store_vlan_get (ServalStore *store, const char *name, GError **error);

/**
 * serval_store_lease_async:
 * @store: a #ServalStore
 * @vlan: the VLAN, which has a subnet
 * @user: the user
 * @mac: (array fixed-size=6): the MAC
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the lease
 * @user_data: for @callback
 *
 * Leases an address of @vlan's subnet to @user and @mac: the one they had
 * before if they had one (marked in use again), else one never leased,
 * else the one released longest ago. Two users or MACs never hold the
 * same address; in a cluster the lease is one etcd transaction.
 */
void serval_store_lease_async (ServalStore *store, const char *vlan, const char *user, const guint8 mac[6],
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/**
 * serval_store_lease_finish:
 * @store: a #ServalStore
 * @result: the #GAsyncResult
 * @error: %SERVAL_STORE_ERROR_FULL (naming the VLAN and its subnet) when
 *   every address is in use; %SERVAL_STORE_ERROR_INVALID when the VLAN has
 *   no subnet; %SERVAL_STORE_ERROR_NO_VLAN; %SERVAL_STORE_ERROR_NO_USER.
 *   (The store does not check the user's right to the VLAN: the caller does.)
 *
 * Returns: (transfer full) (nullable): the lease
 */
ServalLease *serval_store_lease_finish (ServalStore *store, GAsyncResult *result, GError **error);
/**
 * serval_store_lease_release_async:
 * @store: a #ServalStore
 * @vlan: the VLAN
 * @user: the user
 * @mac: (array fixed-size=6): the MAC
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when done
 * @user_data: for @callback
 *
 * Marks the lease of @user and @mac released (kept for them; see
 * #ServalLease). Releasing what is not leased is not an error.
 */
void serval_store_lease_release_async (ServalStore *store, const char *vlan, const char *user,
                                       const guint8 mac[6], GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean serval_store_lease_release_finish (ServalStore *store, GAsyncResult *result, GError **error);
/**
 * serval_store_lease_list:
 * @store: a #ServalStore
 * @vlan: the VLAN
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type ServalLease) (nullable):
 *   every lease of @vlan, released ones included, sorted by address
 */
GPtrArray *serval_store_lease_list (ServalStore *store, const char *vlan, GError **error);

/* Signals, emitted only for changes that the store learns of from elsewhere
 * (another node, or an offline command, through etcd's watch), never for
 * its own writes, so that the server can act on them as on its own:
 *
 *   "user-deleted"  (const char *user)
 *   "vlan-deleted"  (const char *vlan, guint tag)
 *   "right-revoked" (const char *user, const char *vlan, guint tag)
 *   "vlan-changed"  (const char *vlan, guint tag): its subnet, prefix or rules
 *   "user-changed"  (const char *user): its bridge right or rate limit
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalUser, serval_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalVlan, serval_vlan_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalLease, serval_lease_free)

G_END_DECLS
