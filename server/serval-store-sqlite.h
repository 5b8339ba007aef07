/* serval-store-sqlite.h: what the two files of the SQLite store backend share:
 *   serval-store-sqlite.c      the object: open, users, VLANs, rights, secrets
 *   serval-store-sqlite-net.c  the schema's upgrade, VLANs' addresses and rules, bridge rights, rate
 *                              limits, leases
 */
#pragma once

#include <sqlite3.h>

#include "serval-store-private.h"

G_BEGIN_DECLS

G_DECLARE_FINAL_TYPE (ServalStoreSqlite, serval_store_sqlite, SERVAL, STORE_SQLITE, ServalStore)

/* serval-store-sqlite.c */
sqlite3 *serval_store_sqlite_db (ServalStoreSqlite *store);
const char *serval_store_sqlite_path (ServalStoreSqlite *store);
/* Runs @text (statements without parameters); FALSE with %SERVAL_STORE_ERROR_IO. */
gboolean serval_store_sqlite_exec (ServalStoreSqlite *store, const char *text, GError **error);
/* The kept statement that reads a VLAN's row by name (or, with @rules, its
 * rules by id), reset, with no bindings: reset it again after use. */
sqlite3_stmt *serval_store_sqlite_vlan_stmt (ServalStoreSqlite *store, gboolean rules);
/* Sets @error to SQLite's last error, with @what (as "Writing") before it; FALSE. */
gboolean serval_store_sqlite_error (ServalStoreSqlite *store, GError **error, const char *what);

/* serval-store-sqlite-net.c */
/* Brings the open database's schema from version 1 to the current one, in
 * place; says so in the log unless @quiet (a file made just now). */
gboolean serval_store_sqlite_upgrade (ServalStoreSqlite *store, gboolean quiet, GError **error);
/* Fills @vlan's subnet, prefix and rules. */
void serval_store_sqlite_vlan_fill (ServalStoreSqlite *store, ServalVlan *vlan);
/* The writes of the kinds after REVOKE. */
gboolean serval_store_sqlite_net_write (ServalStoreSqlite *store, const ServalStoreWrite *w, GError **error);
/* The store class's vlan_get, lease, lease_release and lease_list. */
ServalVlan *serval_store_sqlite_vlan_get (ServalStore *store, const char *name, GError **error);
void serval_store_sqlite_lease (ServalStore *store, const ServalLeaseRequest *req, GTask *task);
void serval_store_sqlite_lease_release (ServalStore *store, const ServalLeaseRequest *req, GTask *task);
GPtrArray *serval_store_sqlite_lease_list (ServalStore *store, const char *vlan, GError **error);

G_END_DECLS
