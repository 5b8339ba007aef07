/* serval-store-sqlite-net.c: the SQLite store's part of a VLAN that acts
 * as a managed switch: its subnet and IPv6 prefix, its access list (each
 * rule kept as its text, serval_rule_to_string()), the users' bridge
 * right, and the addresses leased from the subnet; and the upgrade of a
 * database of schema version 1, which had none of these, in place. */
#include "config.h"

#include "serval-store-sqlite.h"

#include <string.h>

typedef ServalStoreSqlite Sqlite;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char upgrade_1_to_2[] =
    "ALTER TABLE vlans ADD COLUMN subnet TEXT;"
    "ALTER TABLE vlans ADD COLUMN prefix6 TEXT;"
    "ALTER TABLE users ADD COLUMN bridge INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE rules ("
    "  vlan INTEGER NOT NULL REFERENCES vlans(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  PRIMARY KEY (vlan, position));"
    "CREATE TABLE leases ("
    "  vlan INTEGER NOT NULL REFERENCES vlans(id) ON DELETE CASCADE,"
    "  address INTEGER NOT NULL,"
    "  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    "  mac BLOB NOT NULL,"
    "  released INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (vlan, address),"
    "  UNIQUE (vlan, user, mac));"
    "PRAGMA user_version = 2;";

/* Each user's own rate limit, bytes per second; 0: none. */
static const char upgrade_2_to_3[] =
    "ALTER TABLE users ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;"
    "PRAGMA user_version = 3;";

/* @sql prepared, its parameters bound from @fmt: 't' text, 'i' int64, 'b' a MAC (6 bytes). */
static sqlite3_stmt *
prepare (Sqlite *store, const char *sql, GError **error, const char *fmt, ...)
{
  sqlite3_stmt *s = NULL;
  va_list ap;

  if (sqlite3_prepare_v2 (serval_store_sqlite_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    {
      serval_store_sqlite_error (store, error, "Reading");
      sqlite3_finalize (s);
      return NULL;
    }
  va_start (ap, fmt);
  for (int i = 0; fmt[i]; i++)
    if (fmt[i] == 't')
      sqlite3_bind_text (s, i + 1, va_arg (ap, const char *), -1, SQLITE_TRANSIENT);
    else if (fmt[i] == 'i')
      sqlite3_bind_int64 (s, i + 1, va_arg (ap, gint64));
    else
      sqlite3_bind_blob (s, i + 1, va_arg (ap, const guint8 *), 6, SQLITE_TRANSIENT);
  va_end (ap);
  return s;
}

/* Runs a statement that changes rows; their number, or -1 with @error. */
static int
change (Sqlite *store, sqlite3_stmt *s, GError **error)
{
  if (s == NULL)
    return -1;
  if (sqlite3_step (s) != SQLITE_DONE)
    {
      serval_store_sqlite_error (store, error, "Writing");
      return -1;
    }
  return sqlite3_changes (serval_store_sqlite_db (store));
}

gboolean
serval_store_sqlite_upgrade (Sqlite *store, gboolean quiet, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(sqlite3_stmt) s = NULL;
  int version = 0;

  /* Inside the transaction: two servers opening the file at once upgrade it once. */
  if (!serval_store_sqlite_exec (store, "BEGIN IMMEDIATE;", error))
    return FALSE;
  if ((s = prepare (store, "PRAGMA user_version", &local, "")) != NULL && sqlite3_step (s) == SQLITE_ROW)
    version = sqlite3_column_int (s, 0);
  g_clear_pointer (&s, sqlite3_finalize);
  if (local == NULL && version == 1 && serval_store_sqlite_exec (store, upgrade_1_to_2, &local) && !quiet)
    g_message ("Upgraded %s to schema version 2 (VLAN subnets, rules, leases)", serval_store_sqlite_path (store));
  if (local == NULL && version >= 1 && version <= 2 && serval_store_sqlite_exec (store, upgrade_2_to_3, &local) &&
      !quiet)
    g_message ("Upgraded %s to schema version 3 (per-user rate limits)", serval_store_sqlite_path (store));
  if (local == NULL && serval_store_sqlite_exec (store, "COMMIT;", &local))
    return TRUE;
  serval_store_sqlite_exec (store, "ROLLBACK;", NULL);
  g_propagate_prefixed_error (error, g_steal_pointer (&local), "Cannot upgrade the database: ");
  return FALSE;
}

/* --- VLANs ---------------------------------------------------------------------- */

typedef struct
{
  gint64 id;
  char *subnet;
  char *prefix6;
} VlanRow;

static void
vlan_row_clear (VlanRow *row)
{
  g_clear_pointer (&row->subnet, g_free);
  g_clear_pointer (&row->prefix6, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VlanRow, vlan_row_clear)

static char *
column_text (sqlite3_stmt *s, int i)
{
  return g_strdup ((const char *) sqlite3_column_text (s, i));
}

/* The VLAN @name's row; %SERVAL_STORE_ERROR_NO_VLAN if there is none. */
static gboolean
vlan_row (Sqlite *store, const char *name, VlanRow *row, GError **error)
{
  sqlite3_stmt *s = serval_store_sqlite_vlan_stmt (store, FALSE);
  int rc;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    {
      row->id = sqlite3_column_int64 (s, 0);
      row->subnet = column_text (s, 1);
      row->prefix6 = column_text (s, 2);
    }
  else if (rc != SQLITE_DONE)
    serval_store_sqlite_error (store, error, "Reading");
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  if (rc == SQLITE_DONE)
    return serval_store_no_vlan (name, error);
  return rc == SQLITE_ROW;
}

static GPtrArray *
vlan_rules (Sqlite *store, gint64 id, const char *name)
{
  GPtrArray *rules = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_rule_free);
  sqlite3_stmt *s = serval_store_sqlite_vlan_stmt (store, TRUE);

  sqlite3_bind_int64 (s, 1, id);
  while (sqlite3_step (s) == SQLITE_ROW)
    {
      g_autoptr(GError) error = NULL;
      ServalRule *rule = serval_rule_parse_string ((const char *) sqlite3_column_text (s, 0), &error);

      if (rule != NULL)
        g_ptr_array_add (rules, rule);
      else
        g_warning ("A rule of VLAN “%s” in %s is damaged and not applied (%s): delete it and add it again",
                   name, serval_store_sqlite_path (store), error->message);
    }
  sqlite3_reset (s);
  return rules;
}

void
serval_store_sqlite_vlan_fill (Sqlite *store, ServalVlan *vlan)
{
  g_auto(VlanRow) row = { 0 };

  if (vlan_row (store, vlan->name, &row, NULL))
    {
      vlan->subnet = g_steal_pointer (&row.subnet);
      vlan->prefix6 = g_steal_pointer (&row.prefix6);
    }
  vlan->rules = vlan_rules (store, vlan->id, vlan->name);
}

ServalVlan *
serval_store_sqlite_vlan_get (ServalStore *base, const char *name, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  g_auto(VlanRow) row = { 0 };
  ServalVlan *vlan;

  if (!vlan_row (store, name, &row, error))
    return NULL;
  vlan = g_new0 (ServalVlan, 1);
  vlan->id = row.id;
  vlan->name = g_strdup (name);
  vlan->subnet = g_steal_pointer (&row.subnet);
  vlan->prefix6 = g_steal_pointer (&row.prefix6);
  vlan->rules = vlan_rules (store, row.id, name);
  return vlan;
}

/* --- writes ---------------------------------------------------------------------- */

/* @value for a column: NULL for "" (removed). */
static const char *
nullable (const char *value)
{
  return value != NULL && value[0] != '\0' ? value : NULL;
}

static gboolean
set_addresses (Sqlite *store, const ServalStoreWrite *w, GError **error)
{
  g_auto(VlanRow) row = { 0 };
  g_autoptr(sqlite3_stmt) s = NULL;
  ServalSubnet subnet;

  if (!vlan_row (store, w->vlan, &row, error))
    return FALSE;
  s = prepare (store, "UPDATE vlans SET subnet = ?2, prefix6 = ?3 WHERE id = ?1", error, "itt", row.id,
               w->subnet != NULL ? nullable (w->subnet) : row.subnet,
               w->prefix6 != NULL ? nullable (w->prefix6) : row.prefix6);
  if (change (store, s, error) < 0)
    return FALSE;
  if (w->subnet == NULL)
    return TRUE;
  g_clear_pointer (&s, sqlite3_finalize);
  /* Leases outside the new subnet, or at its network, server or broadcast address, go. */
  if (nullable (w->subnet) == NULL)
    s = prepare (store, "DELETE FROM leases WHERE vlan = ?1", error, "i", row.id);
  else if (serval_subnet_parse (w->subnet, &subnet, NULL, error))
    s = prepare (store, "DELETE FROM leases WHERE vlan = ?1 AND (address < ?2 OR address > ?3)", error, "iii",
                 row.id, (gint64) serval_subnet_first_lease (&subnet), (gint64) serval_subnet_last_lease (&subnet));
  return change (store, s, error) >= 0;
}

static gboolean
rule_add (Sqlite *store, const ServalStoreWrite *w, GError **error)
{
  g_auto(VlanRow) row = { 0 };
  g_autofree char *text = serval_rule_to_string (w->rule);
  g_autoptr(sqlite3_stmt) s = NULL;

  if (!vlan_row (store, w->vlan, &row, error))
    return FALSE;
  s = prepare (store,
               "INSERT INTO rules (vlan, position, text) "
               "VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM rules WHERE vlan = ?1), ?2)",
               error, "it", row.id, text);
  return change (store, s, error) >= 0;
}

static gboolean
rule_del (Sqlite *store, const ServalStoreWrite *w, GError **error)
{
  g_auto(VlanRow) row = { 0 };
  g_autoptr(sqlite3_stmt) s = NULL;
  guint n = 0;

  if (!vlan_row (store, w->vlan, &row, error))
    return FALSE;
  s = prepare (store, "SELECT count(*) FROM rules WHERE vlan = ?1", error, "i", row.id);
  if (s == NULL)
    return FALSE;
  if (sqlite3_step (s) == SQLITE_ROW)
    n = sqlite3_column_int (s, 0);
  if (w->index < 1 || w->index > n)
    return serval_store_no_rule (w->vlan, w->index, n, error);
  g_clear_pointer (&s, sqlite3_finalize);
  s = prepare (store,
               "DELETE FROM rules WHERE vlan = ?1 AND position = "
               "(SELECT position FROM rules WHERE vlan = ?1 ORDER BY position LIMIT 1 OFFSET ?2)",
               error, "ii", row.id, (gint64) w->index - 1);
  return change (store, s, error) >= 0;
}

/* The bridge right or the rate limit, by @w's kind. */
static gboolean
set_user (Sqlite *store, const ServalStoreWrite *w, GError **error)
{
  gboolean bridge = w->kind == SERVAL_STORE_USER_SET_BRIDGE;
  g_autoptr(sqlite3_stmt) s =
                 prepare (store,
                          bridge ? "UPDATE users SET bridge = ?2 WHERE name = ?1" :
                                   "UPDATE users SET rate_limit = ?2 WHERE name = ?1",
                          error, "ti", w->user, bridge ? (gint64) (w->bridge ? 1 : 0) : (gint64) w->rate_limit);
  int n = change (store, s, error);

  if (n == 0)
    return serval_store_no_user (w->user, error);
  return n > 0;
}

gboolean
serval_store_sqlite_net_write (Sqlite *store, const ServalStoreWrite *w, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean ok;

  if (!serval_store_sqlite_exec (store, "BEGIN IMMEDIATE;", error))
    return FALSE;
  switch (w->kind)
    {
    case SERVAL_STORE_VLAN_SET_ADDRESSES: ok = set_addresses (store, w, &local); break;
    case SERVAL_STORE_RULE_ADD: ok = rule_add (store, w, &local); break;
    case SERVAL_STORE_RULE_DEL: ok = rule_del (store, w, &local); break;
    case SERVAL_STORE_USER_SET_BRIDGE:
    case SERVAL_STORE_USER_SET_RATE_LIMIT: ok = set_user (store, w, &local); break;
    default: g_assert_not_reached ();
    }
  if (ok && serval_store_sqlite_exec (store, "COMMIT;", &local))
    return TRUE;
  serval_store_sqlite_exec (store, "ROLLBACK;", NULL);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* --- leases ----------------------------------------------------------------------- */

/* The VLAN's row and subnet, for a lease: %SERVAL_STORE_ERROR_INVALID if it has none. */
static gboolean
lease_vlan (Sqlite *store, const char *name, VlanRow *row, ServalSubnet *subnet, GError **error)
{
  if (!vlan_row (store, name, row, error))
    return FALSE;
  if (row->subnet == NULL)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "VLAN “%s” has no subnet to lease addresses from: give it one with "
                   "servalctl vlan set %s --subnet 10.77.0.0/24",
                   name, name);
      return FALSE;
    }
  if (!serval_subnet_parse (row->subnet, subnet, NULL, NULL))
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                   "The subnet of VLAN “%s” in %s is damaged: set it again (servalctl vlan set %s --subnet CIDR)",
                   name, serval_store_sqlite_path (store), name);
      return FALSE;
    }
  return TRUE;
}

static GArray *
lease_slots (Sqlite *store, const VlanRow *row, const ServalLeaseRequest *req, GError **error)
{
  g_autoptr(GArray) slots = g_array_new (FALSE, FALSE, sizeof (ServalLeaseSlot));
  g_autoptr(sqlite3_stmt) s = prepare (store,
                                        "SELECT address, released, user = ?2 AND mac = ?3 FROM leases WHERE vlan = ?1",
                                        error, "itb", row->id, req->user, req->mac);
  int rc;

  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      ServalLeaseSlot slot = { (guint32) sqlite3_column_int64 (s, 0), sqlite3_column_int64 (s, 1),
                               sqlite3_column_int (s, 2) != 0 };

      g_array_append_val (slots, slot);
    }
  if (rc != SQLITE_DONE)
    {
      serval_store_sqlite_error (store, error, "Reading the leases");
      return NULL;
    }
  return g_steal_pointer (&slots);
}

static gboolean
user_exists (Sqlite *store, const char *name, GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (store, "SELECT 1 FROM users WHERE name = ?1", error, "t", name);

  if (s == NULL)
    return FALSE;
  if (sqlite3_step (s) != SQLITE_ROW)
    return serval_store_no_user (name, error);
  return TRUE;
}

/* Leases an address in the open transaction. */
static ServalLease *
lease_in_txn (Sqlite *store, const ServalLeaseRequest *req, GError **error)
{
  g_auto(VlanRow) row = { 0 };
  g_autoptr(GArray) slots = NULL;
  g_autoptr(sqlite3_stmt) s = NULL;
  ServalSubnet subnet;
  guint32 addr = 0;
  guint slot = 0;
  ServalLeasePick pick;

  if (!lease_vlan (store, req->vlan, &row, &subnet, error) || !user_exists (store, req->user, error) ||
      (slots = lease_slots (store, &row, req, error)) == NULL)
    return NULL;
  pick = serval_lease_pick (req->vlan, &subnet, slots, 1, &addr, &slot, error);
  if (pick == SERVAL_LEASE_PICK_FULL)
    return NULL;
  if (pick == SERVAL_LEASE_PICK_MINE)
    s = prepare (store, "UPDATE leases SET released = 0 WHERE vlan = ?1 AND address = ?2", error, "ii", row.id,
                 (gint64) addr);
  else
    {
      /* Theirs from before, if it is no longer leasable, and the one taken back. */
      s = prepare (store, "DELETE FROM leases WHERE vlan = ?1 AND ((user = ?2 AND mac = ?3) OR address = ?4)", error,
                   "itbi", row.id, req->user, req->mac, (gint64) addr);
      if (change (store, s, error) < 0)
        return NULL;
      g_clear_pointer (&s, sqlite3_finalize);
      s = prepare (store, "INSERT INTO leases (vlan, address, user, mac, released) VALUES (?1, ?2, ?3, ?4, 0)", error,
                   "iitb", row.id, (gint64) addr, req->user, req->mac);
    }
  if (change (store, s, error) < 0)
    return NULL;
  return serval_lease_new (req->vlan, req->user, req->mac, addr, subnet.len, 0);
}

void
serval_store_sqlite_lease (ServalStore *base, const ServalLeaseRequest *req, GTask *task)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  GError *error = NULL;
  ServalLease *lease = NULL;

  if (serval_store_sqlite_exec (store, "BEGIN IMMEDIATE;", &error))
    {
      lease = lease_in_txn (store, req, &error);
      if (lease == NULL || !serval_store_sqlite_exec (store, "COMMIT;", &error))
        {
          g_clear_pointer (&lease, serval_lease_free);
          serval_store_sqlite_exec (store, "ROLLBACK;", NULL);
        }
    }
  if (lease != NULL)
    g_task_return_pointer (task, lease, (GDestroyNotify) serval_lease_free);
  else
    g_task_return_error (task, error);
}

void
serval_store_sqlite_lease_release (ServalStore *base, const ServalLeaseRequest *req, GTask *task)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  GError *error = NULL;
  g_autoptr(sqlite3_stmt) s = prepare (store,
                                        "UPDATE leases SET released = ?4 WHERE released = 0 AND user = ?2 AND mac = ?3 "
                                        "AND vlan = (SELECT id FROM vlans WHERE name = ?1)",
                                        &error, "ttbi", req->vlan, req->user, req->mac, serval_lease_release_time ());

  if (change (store, s, &error) < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, 0);
}

GPtrArray *
serval_store_sqlite_lease_list (ServalStore *base, const char *vlan, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  g_auto(VlanRow) row = { 0 };
  g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_lease_free);
  g_autoptr(sqlite3_stmt) s = NULL;
  ServalSubnet subnet = { 0, 32 };
  int rc;

  if (!vlan_row (store, vlan, &row, error))
    return NULL;
  if (row.subnet != NULL)
    serval_subnet_parse (row.subnet, &subnet, NULL, NULL);
  s = prepare (store, "SELECT address, user, mac, released FROM leases WHERE vlan = ?1 ORDER BY address", error, "i",
               row.id);
  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      guint8 mac[6] = { 0 };

      if (sqlite3_column_bytes (s, 2) == 6)
        memcpy (mac, sqlite3_column_blob (s, 2), 6);
      g_ptr_array_add (leases, serval_lease_new (vlan, (const char *) sqlite3_column_text (s, 1), mac,
                                                 (guint32) sqlite3_column_int64 (s, 0), subnet.len,
                                                 sqlite3_column_int64 (s, 3)));
    }
  if (rc != SQLITE_DONE)
    {
      serval_store_sqlite_error (store, error, "Reading the leases");
      return NULL;
    }
  return g_steal_pointer (&leases);
}
