/* serval-store-sqlite.c: the store in one SQLite file in the data
 * directory, in WAL mode; every change is one transaction, done at once
 * (the file is local) and completed through the store's GTask. */
#include "config.h"

#include "serval-store-sqlite.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define SCHEMA_VERSION 3 /* 1 and 2 are upgraded in place (serval-store-sqlite-net.c) */
#define MAX_VLAN_ID    SERVAL_STORE_MAX_TAG

static const char schema[] =
    "CREATE TABLE users ("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  iterations INTEGER NOT NULL,"
    "  salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  admin INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE vlans ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT UNIQUE NOT NULL);"
    "CREATE TABLE rights ("
    "  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    "  vlan INTEGER NOT NULL REFERENCES vlans(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (user, vlan));"
    "PRAGMA user_version = 1;";

/* Added after schema version 1 without changing it: older Servers ignore
 * the table. Server-wide secrets, e.g. the resume token key. */
static const char schema_secrets[] =
    "CREATE TABLE IF NOT EXISTS secrets ("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  value BLOB NOT NULL);";

enum
{
  STMT_USER_ADD,
  STMT_USER_DEL,
  STMT_USER_SET,
  STMT_USER_GET,
  STMT_USER_LIST,
  STMT_USER_COUNT,
  STMT_USER_VLANS,
  STMT_VLAN_ADD,
  STMT_VLAN_DEL,
  STMT_VLAN_GET,
  STMT_VLAN_LIST,
  STMT_GRANT,
  STMT_REVOKE,
  STMT_HAS_RIGHT,
  STMT_VLAN_ROW, /* read by every join (serval-store-sqlite-net.c) */
  STMT_VLAN_RULES,
  N_STMTS
};

static const char *const sql[N_STMTS] = {
  [STMT_USER_ADD] = "INSERT INTO users (name, iterations, salt, hash, admin) VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_USER_DEL] = "DELETE FROM users WHERE name = ?1",
  [STMT_USER_SET] = "UPDATE users SET iterations = ?2, salt = ?3, hash = ?4 WHERE name = ?1",
  [STMT_USER_GET] = "SELECT iterations, salt, hash, admin, bridge, rate_limit FROM users WHERE name = ?1",
  [STMT_USER_LIST] = "SELECT name, admin, bridge, rate_limit FROM users ORDER BY name",
  [STMT_USER_COUNT] = "SELECT count(*) FROM users",
  [STMT_USER_VLANS] = "SELECT v.name FROM rights r JOIN vlans v ON v.id = r.vlan WHERE r.user = ?1 ORDER BY v.name",
  [STMT_VLAN_ADD] = "INSERT INTO vlans (name) VALUES (?1)",
  [STMT_VLAN_DEL] = "DELETE FROM vlans WHERE name = ?1",
  [STMT_VLAN_GET] = "SELECT id FROM vlans WHERE name = ?1",
  [STMT_VLAN_LIST] = "SELECT id, name FROM vlans ORDER BY name",
  [STMT_GRANT] = "INSERT INTO rights (user, vlan) VALUES (?1, ?2)",
  [STMT_REVOKE] = "DELETE FROM rights WHERE user = ?1 AND vlan = ?2",
  [STMT_HAS_RIGHT] = "SELECT 1 FROM rights r JOIN vlans v ON v.id = r.vlan WHERE r.user = ?1 AND v.name = ?2",
  [STMT_VLAN_ROW] = "SELECT id, subnet, prefix6 FROM vlans WHERE name = ?1",
  [STMT_VLAN_RULES] = "SELECT text FROM rules WHERE vlan = ?1 ORDER BY position",
};

struct _ServalStoreSqlite
{
  ServalStore parent_instance;
  sqlite3 *db;
  char *path;
  sqlite3_stmt *stmts[N_STMTS];
};

G_DEFINE_FINAL_TYPE (ServalStoreSqlite, serval_store_sqlite, SERVAL_TYPE_STORE)

typedef ServalStoreSqlite Sqlite;

static gboolean
db_error (Sqlite *store, GError **error, const char *what)
{
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_IO, "%s in %s failed: %s", what,
               store->path, sqlite3_errmsg (store->db));
  return FALSE;
}

static sqlite3_stmt *
stmt (Sqlite *store, int which)
{
  sqlite3_stmt *s = store->stmts[which];

  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  return s;
}

static gboolean
exec (Sqlite *store, const char *text, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec (store->db, text, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_IO, "%s: %s", store->path, msg);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

sqlite3_stmt *
serval_store_sqlite_vlan_stmt (Sqlite *store, gboolean rules)
{
  return stmt (store, rules ? STMT_VLAN_RULES : STMT_VLAN_ROW);
}

sqlite3 *
serval_store_sqlite_db (Sqlite *store)
{
  return store->db;
}

const char *
serval_store_sqlite_path (Sqlite *store)
{
  return store->path;
}

gboolean
serval_store_sqlite_exec (Sqlite *store, const char *text, GError **error)
{
  return exec (store, text, error);
}

gboolean
serval_store_sqlite_error (Sqlite *store, GError **error, const char *what)
{
  return db_error (store, error, what);
}

static void
sqlite_finalize (GObject *object)
{
  Sqlite *store = SERVAL_STORE_SQLITE (object);

  for (int i = 0; i < N_STMTS; i++)
    sqlite3_finalize (store->stmts[i]);
  sqlite3_close (store->db);
  g_free (store->path);
  G_OBJECT_CLASS (serval_store_sqlite_parent_class)->finalize (object);
}

/* The schema version of the open database: 0 for a new (empty) file, or
 * -1 with @error for a file that is not a Serval database of this version. */
static int
schema_version (Sqlite *store, GError **error)
{
  const char *path = store->path;
  sqlite3_stmt *s = NULL;
  int version = -1, rc;

  rc = sqlite3_prepare_v2 (store->db, "PRAGMA user_version", -1, &s, NULL);
  if (rc == SQLITE_OK && sqlite3_step (s) == SQLITE_ROW)
    version = sqlite3_column_int (s, 0);
  sqlite3_finalize (s);
  if (version < 0)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                   "%s is not a Serval database (%s): move it away, or point --data-dir elsewhere",
                   path, sqlite3_errmsg (store->db));
      return -1;
    }
  if (version == 0)
    {
      /* A new file, or an SQLite file of something else. */
      sqlite3_stmt *t = NULL;
      gboolean empty = TRUE;

      if (sqlite3_prepare_v2 (store->db, "SELECT 1 FROM sqlite_master LIMIT 1", -1, &t, NULL) == SQLITE_OK)
        empty = sqlite3_step (t) != SQLITE_ROW;
      sqlite3_finalize (t);
      if (!empty)
        {
          g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                       "%s holds a database that is not Serval's: move it away, or point --data-dir elsewhere",
                       path);
          return -1;
        }
    }
  else if (version > SCHEMA_VERSION)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                   "%s has schema version %d, this Serval knows version %d: use a newer Serval",
                   path, version, SCHEMA_VERSION);
      return -1;
    }
  return version;
}

ServalStore *
serval_store_open_sqlite (const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  Sqlite *store = g_object_new (serval_store_sqlite_get_type (), NULL);
  int version, fd;

  store->path = g_strdup (path);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_IO, "Cannot open the database %s: %s",
                   path, g_strerror (e));
      g_object_unref (store);
      return NULL;
    }
  close (fd);

  if (sqlite3_open_v2 (path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      db_error (store, error, "Opening the database");
      g_object_unref (store);
      return NULL;
    }
  sqlite3_busy_timeout (store->db, 5000);
  sqlite3_extended_result_codes (store->db, 1);

  if ((version = schema_version (store, error)) < 0)
    {
      g_object_unref (store);
      return NULL;
    }

  if (!exec (store, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", error) ||
      (version == 0 && !exec (store, "BEGIN IMMEDIATE;", error)) ||
      (version == 0 && !exec (store, schema, &local)))
    {
      if (local != NULL)
        {
          exec (store, "ROLLBACK;", NULL);
          g_propagate_error (error, g_steal_pointer (&local));
        }
      g_object_unref (store);
      return NULL;
    }
  if (version == 0 && !exec (store, "COMMIT;", error))
    {
      g_object_unref (store);
      return NULL;
    }
  if (!exec (store, schema_secrets, error) || !serval_store_sqlite_upgrade (store, version == 0, error))
    {
      g_object_unref (store);
      return NULL;
    }

  for (int i = 0; i < N_STMTS; i++)
    if (sqlite3_prepare_v3 (store->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &store->stmts[i], NULL) != SQLITE_OK)
      {
        g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                     "%s does not have the tables Serval expects (%s): move it away",
                     path, sqlite3_errmsg (store->db));
        g_object_unref (store);
        return NULL;
      }
  return SERVAL_STORE (store);
}

/* Runs one prepared, bound statement that changes data; returns the
 * number of rows changed, or -1 with @error set. */
static int
run_change (Sqlite *store, sqlite3_stmt *s, GError **error, const char *what)
{
  int rc = sqlite3_step (s);

  if (rc == SQLITE_DONE)
    return sqlite3_changes (store->db);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS, "%s exists already", what);
      return -1;
    }
  db_error (store, error, "Writing");
  return -1;
}

/* Binds @cred to parameters 2 to 4 of @s, as the users table keeps it. */
static void
bind_credentials (sqlite3_stmt *s, const ServalCredentials *cred)
{
  sqlite3_bind_int (s, 2, cred->iterations);
  sqlite3_bind_blob (s, 3, cred->salt, sizeof cred->salt, SQLITE_TRANSIENT);
  sqlite3_bind_blob (s, 4, cred->hash, sizeof cred->hash, SQLITE_TRANSIENT);
}

static gboolean
sqlite_user_add (Sqlite *store, const char *name, const ServalCredentials *cred,
                 gboolean admin, GError **error)
{
  sqlite3_stmt *s;
  g_autofree char *what = NULL;

  s = stmt (store, STMT_USER_ADD);
  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  bind_credentials (s, cred);
  sqlite3_bind_int (s, 5, admin ? 1 : 0);
  what = g_strdup_printf ("A user named “%s”", name);
  return run_change (store, s, error, what) >= 0;
}

/* run_change() for a statement on the one row called @name: FALSE with
 * @missing's error when there is none. */
static gboolean
change_named (Sqlite *store, sqlite3_stmt *s, const char *name,
              gboolean (*missing) (const char *name, GError **error), GError **error)
{
  int n = run_change (store, s, error, name);

  if (n < 0)
    return FALSE;
  return n > 0 ? TRUE : missing (name, error);
}

static gboolean
sqlite_user_del (Sqlite *store, const char *name, GError **error)
{
  sqlite3_stmt *s = stmt (store, STMT_USER_DEL);

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  return change_named (store, s, name, serval_store_no_user, error);
}

static gboolean
sqlite_user_set_credentials (Sqlite *store, const char *name, const ServalCredentials *cred,
                             GError **error)
{
  sqlite3_stmt *s = stmt (store, STMT_USER_SET);

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  bind_credentials (s, cred);
  return change_named (store, s, name, serval_store_no_user, error);
}

static gboolean
sqlite_user_get (ServalStore *base, const char *name, ServalCredentials *cred,
                 ServalUserRecord *record, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  sqlite3_stmt *s = stmt (store, STMT_USER_GET);
  int rc;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    {
      if (sqlite3_column_bytes (s, 1) != SERVAL_PBKDF2_SALT_LEN ||
          sqlite3_column_bytes (s, 2) != SERVAL_PBKDF2_HASH_LEN)
        {
          sqlite3_reset (s);
          g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                       "The password hash of “%s” in %s is damaged: set a new password", name, store->path);
          return FALSE;
        }
      cred->iterations = sqlite3_column_int (s, 0);
      memcpy (cred->salt, sqlite3_column_blob (s, 1), SERVAL_PBKDF2_SALT_LEN);
      memcpy (cred->hash, sqlite3_column_blob (s, 2), SERVAL_PBKDF2_HASH_LEN);
      record->admin = sqlite3_column_int (s, 3) != 0;
      record->bridge = sqlite3_column_int (s, 4) != 0;
      record->rate_limit = MAX (sqlite3_column_int64 (s, 5), 0);
      sqlite3_reset (s);
      return TRUE;
    }
  sqlite3_reset (s);
  if (rc == SQLITE_DONE)
    return serval_store_no_user (name, error);
  return db_error (store, error, "Reading");
}

static GPtrArray *
user_vlans (Sqlite *store, const char *name)
{
  GPtrArray *vlans = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *s = stmt (store, STMT_USER_VLANS);

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (s) == SQLITE_ROW)
    g_ptr_array_add (vlans, g_strdup ((const char *) sqlite3_column_text (s, 0)));
  sqlite3_reset (s);
  return vlans;
}

static GPtrArray *
sqlite_user_list (ServalStore *base, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  GPtrArray *users = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_user_free);
  sqlite3_stmt *s = stmt (store, STMT_USER_LIST);
  int rc;

  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      ServalUser *u = g_new0 (ServalUser, 1);

      u->name = g_strdup ((const char *) sqlite3_column_text (s, 0));
      u->admin = sqlite3_column_int (s, 1) != 0;
      u->bridge = sqlite3_column_int (s, 2) != 0;
      u->rate_limit = MAX (sqlite3_column_int64 (s, 3), 0);
      g_ptr_array_add (users, u);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (users);
      db_error (store, error, "Reading");
      return NULL;
    }
  for (guint i = 0; i < users->len; i++)
    {
      ServalUser *u = users->pdata[i];

      u->vlans = user_vlans (store, u->name);
    }
  return users;
}

static guint
sqlite_user_count (ServalStore *base)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  sqlite3_stmt *s = stmt (store, STMT_USER_COUNT);
  guint n = 0;

  if (sqlite3_step (s) == SQLITE_ROW)
    n = sqlite3_column_int (s, 0);
  sqlite3_reset (s);
  return n;
}

static gboolean
sqlite_vlan_add (Sqlite *store, const char *name, guint32 *out_id, GError **error)
{
  sqlite3_stmt *s;
  g_autofree char *what = NULL;
  sqlite3_int64 id;

  s = stmt (store, STMT_VLAN_ADD);
  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  what = g_strdup_printf ("A VLAN named “%s”", name);
  if (!exec (store, "BEGIN IMMEDIATE;", error))
    return FALSE;
  if (run_change (store, s, error, what) < 0)
    {
      exec (store, "ROLLBACK;", NULL);
      return FALSE;
    }
  id = sqlite3_last_insert_rowid (store->db);
  if (id < 1 || id > MAX_VLAN_ID)
    {
      exec (store, "ROLLBACK;", NULL);
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "This server has used all %d VLAN numbers", MAX_VLAN_ID);
      return FALSE;
    }
  if (!exec (store, "COMMIT;", error))
    {
      exec (store, "ROLLBACK;", NULL);
      return FALSE;
    }
  if (out_id != NULL)
    *out_id = id;
  return TRUE;
}

static gboolean
sqlite_vlan_del (Sqlite *store, const char *name, GError **error)
{
  sqlite3_stmt *s = stmt (store, STMT_VLAN_DEL);

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  return change_named (store, s, name, serval_store_no_vlan, error);
}

static gboolean
sqlite_vlan_lookup (ServalStore *base, const char *name, guint32 *out_id, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  sqlite3_stmt *s = stmt (store, STMT_VLAN_GET);
  int rc;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    {
      if (out_id != NULL)
        *out_id = sqlite3_column_int64 (s, 0);
      sqlite3_reset (s);
      return TRUE;
    }
  sqlite3_reset (s);
  if (rc == SQLITE_DONE)
    return serval_store_no_vlan (name, error);
  return db_error (store, error, "Reading");
}

static GPtrArray *
sqlite_vlan_list (ServalStore *base, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  GPtrArray *vlans = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_vlan_free);
  sqlite3_stmt *s = stmt (store, STMT_VLAN_LIST);
  int rc;

  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      ServalVlan *v = g_new0 (ServalVlan, 1);

      v->id = sqlite3_column_int64 (s, 0);
      v->name = g_strdup ((const char *) sqlite3_column_text (s, 1));
      g_ptr_array_add (vlans, v);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (vlans);
      db_error (store, error, "Reading");
      return NULL;
    }
  for (guint i = 0; i < vlans->len; i++)
    serval_store_sqlite_vlan_fill (store, vlans->pdata[i]);
  return vlans;
}

static gboolean
user_exists (Sqlite *store, const char *name)
{
  sqlite3_stmt *s = stmt (store, STMT_USER_GET);
  gboolean found;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (s) == SQLITE_ROW;
  sqlite3_reset (s);
  return found;
}

/* Statement @which (grant or revoke) bound to @user and @vlan's id; NULL,
 * with @error set, if either does not exist. */
static sqlite3_stmt *
bind_right (Sqlite *store, int which, const char *user, const char *vlan, GError **error)
{
  sqlite3_stmt *s;
  guint32 id;

  if (!user_exists (store, user))
    {
      serval_store_no_user (user, error);
      return NULL;
    }
  if (!sqlite_vlan_lookup (SERVAL_STORE (store), vlan, &id, error))
    return NULL;
  s = stmt (store, which);
  sqlite3_bind_text (s, 1, user, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (s, 2, id);
  return s;
}

static gboolean
sqlite_grant (Sqlite *store, const char *user, const char *vlan, GError **error)
{
  sqlite3_stmt *s = bind_right (store, STMT_GRANT, user, vlan, error);
  g_autofree char *what = NULL;

  if (s == NULL)
    return FALSE;
  what = g_strdup_printf ("The right of “%s” to join “%s”", user, vlan);
  return run_change (store, s, error, what) >= 0;
}

/* Revoking a right the user does not have is an error with code
 * SERVAL_STORE_ERROR_NO_VLAN ("User “bob” has no right to “red”"). */
static gboolean
sqlite_revoke (Sqlite *store, const char *user, const char *vlan, GError **error)
{
  sqlite3_stmt *s = bind_right (store, STMT_REVOKE, user, vlan, error);
  int n;

  if (s == NULL || (n = run_change (store, s, error, user)) < 0)
    return FALSE;
  if (n == 0)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN,
                   "User “%s” has no right to “%s”", user, vlan);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_has_right (ServalStore *base, const char *user, const char *vlan)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  sqlite3_stmt *s = stmt (store, STMT_HAS_RIGHT);
  gboolean found;

  if (user == NULL || vlan == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, user, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 2, vlan, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (s) == SQLITE_ROW;
  sqlite3_reset (s);
  return found;
}

static gboolean
sqlite_secret (ServalStore *base, const char *name, guint8 *out, gsize len, GError **error)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  g_autoptr(GError) local = NULL;
  sqlite3_stmt *s = NULL;
  gboolean found = FALSE, ok = FALSE;
  int rc;

  /* One transaction, so that two servers sharing the file agree. */
  if (!exec (store, "BEGIN IMMEDIATE;", error))
    return FALSE;
  if (sqlite3_prepare_v2 (store->db, "SELECT value FROM secrets WHERE name = ?1", -1, &s, NULL) != SQLITE_OK)
    {
      db_error (store, &local, "Reading the secrets");
      goto out;
    }
  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    {
      if ((gsize) sqlite3_column_bytes (s, 0) != len)
        {
          g_set_error (&local, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                       "The secret “%s” in %s has %d bytes instead of %" G_GSIZE_FORMAT
                       ": delete it (sqlite3 %s \"DELETE FROM secrets WHERE name = '%s'\") and a new "
                       "one is made",
                       name, store->path, sqlite3_column_bytes (s, 0), len, store->path, name);
          goto out;
        }
      memcpy (out, sqlite3_column_blob (s, 0), len);
      found = TRUE;
    }
  else if (rc != SQLITE_DONE)
    {
      db_error (store, &local, "Reading the secrets");
      goto out;
    }
  sqlite3_finalize (s);
  s = NULL;
  if (!found)
    {
      int ret = gnutls_rnd (GNUTLS_RND_KEY, out, len);

      if (ret < 0)
        {
          g_set_error (&local, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_IO,
                       "Cannot make the secret “%s”: %s", name, gnutls_strerror (ret));
          goto out;
        }
      if (sqlite3_prepare_v2 (store->db, "INSERT INTO secrets (name, value) VALUES (?1, ?2)", -1, &s,
                              NULL) != SQLITE_OK)
        {
          db_error (store, &local, "Writing the secrets");
          goto out;
        }
      sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob (s, 2, out, len, SQLITE_TRANSIENT);
      if (sqlite3_step (s) != SQLITE_DONE)
        {
          db_error (store, &local, "Writing the secrets");
          goto out;
        }
    }
  ok = exec (store, "COMMIT;", &local);

out:
  sqlite3_finalize (s);
  if (!ok)
    {
      exec (store, "ROLLBACK;", NULL);
      gnutls_memset (out, 0, len);
      g_propagate_error (error, g_steal_pointer (&local));
    }
  return ok;
}

static void
sqlite_write (ServalStore *base, const ServalStoreWrite *w, GTask *task)
{
  Sqlite *store = SERVAL_STORE_SQLITE (base);
  GError *error = NULL;
  guint32 tag = 0;
  gboolean ok = FALSE;

  switch (w->kind)
    {
    case SERVAL_STORE_USER_ADD: ok = sqlite_user_add (store, w->user, w->cred, w->admin, &error); break;
    case SERVAL_STORE_USER_DEL: ok = sqlite_user_del (store, w->user, &error); break;
    case SERVAL_STORE_USER_SET_CREDENTIALS: ok = sqlite_user_set_credentials (store, w->user, w->cred, &error); break;
    case SERVAL_STORE_VLAN_ADD: ok = sqlite_vlan_add (store, w->vlan, &tag, &error); break;
    case SERVAL_STORE_VLAN_DEL: ok = sqlite_vlan_del (store, w->vlan, &error); break;
    case SERVAL_STORE_GRANT: ok = sqlite_grant (store, w->user, w->vlan, &error); break;
    case SERVAL_STORE_REVOKE: ok = sqlite_revoke (store, w->user, w->vlan, &error); break;
    default: ok = serval_store_sqlite_net_write (store, w, &error); break;
    }
  if (ok)
    g_task_return_int (task, tag);
  else
    g_task_return_error (task, error);
}

static void
serval_store_sqlite_class_init (ServalStoreSqliteClass *klass)
{
  ServalStoreClass *store_class = SERVAL_STORE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sqlite_finalize;
  store_class->user_get = sqlite_user_get;
  store_class->user_list = sqlite_user_list;
  store_class->user_count = sqlite_user_count;
  store_class->vlan_lookup = sqlite_vlan_lookup;
  store_class->vlan_list = sqlite_vlan_list;
  store_class->has_right = sqlite_has_right;
  store_class->secret = sqlite_secret;
  store_class->write = sqlite_write;
  store_class->vlan_get = serval_store_sqlite_vlan_get;
  store_class->lease = serval_store_sqlite_lease;
  store_class->lease_release = serval_store_sqlite_lease_release;
  store_class->lease_list = serval_store_sqlite_lease_list;
}

static void
serval_store_sqlite_init (ServalStoreSqlite *store)
{
}
