/* Unit tests for the store (server/serval-store*.c) and serval-password.c:
 * the same assertions on both backends, SQLite on real files in a temporary
 * directory and etcd on a real etcd (tests/etcd/with-etcd.sh); then what
 * only one of them has. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "serval-store.h"
#include "test-async.h"
#include "test-store-util.h"
#include "test-utils.h"

#define ITER 1000 /* fast hashes in tests; production uses 100000 */

/* A store of the backend the test runs on (test-store-util.h). */
typedef TestStore Fixture;

/* The fixture's store again, as after a restart. */
static ServalStore *
reopen (Fixture *f, GError **error)
{
  return test_store_reopen (f, error);
}

static void
add_user (Fixture *f, const char *name, const char *pw, gboolean admin)
{
  test_store_add_password_user (f->store, name, pw, admin, ITER);
}

/* Asserts that @pragma ("PRAGMA journal_mode"), run by SQLite itself on the
 * database at @path, answers @want first. */
static void
assert_pragma (const char *path, const char *pragma, const char *want)
{
  sqlite3 *db;
  sqlite3_stmt *s;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, pragma, -1, &s, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (s, 0), ==, want);
  sqlite3_finalize (s);
  sqlite3_close (db);
}

static void
test_credentials (void)
{
  ServalCredentials a, b;

  g_assert_true (serval_credentials_make (&a, (const guint8 *) "secret", 6, ITER, NULL));
  g_assert_true (serval_credentials_make (&b, (const guint8 *) "secret", 6, ITER, NULL));
  g_assert_cmpuint (a.iterations, ==, ITER);
  g_assert_true (serval_credentials_verify (&a, (const guint8 *) "secret", 6));
  g_assert_false (serval_credentials_verify (&a, (const guint8 *) "secreT", 6));
  g_assert_false (serval_credentials_verify (&a, (const guint8 *) "secret", 5));
  g_assert_false (serval_credentials_verify (&a, (const guint8 *) "", 0));
  /* Fresh salt each time: same password, different hashes. */
  g_assert_cmpint (memcmp (a.salt, b.salt, sizeof a.salt), !=, 0);
  g_assert_cmpint (memcmp (a.hash, b.hash, sizeof a.hash), !=, 0);
  /* The iteration count is part of the hash. */
  a.iterations++;
  g_assert_false (serval_credentials_verify (&a, (const guint8 *) "secret", 6));
  serval_credentials_clear (&a);
  g_assert_cmpuint (a.iterations, ==, 0);
}

/* Known answer: PBKDF2-HMAC-SHA256("passwd", salt 00 01 .. 0f, 1000 iterations),
 * computed independently with Python's hashlib.pbkdf2_hmac. */
static void
test_pbkdf2_known_answer (void)
{
  static const guint8 expected[32] = {
    0x78,
    0x53,
    0xe4,
    0xb9,
    0xa8,
    0x79,
    0xd4,
    0xd5,
    0x0c,
    0xfb,
    0xd6,
    0xb4,
    0xf2,
    0xad,
    0x8a,
    0x6d,
    0xcf,
    0x60,
    0x04,
    0xff,
    0x45,
    0x46,
    0xd7,
    0x1d,
    0x98,
    0x54,
    0x8d,
    0x3e,
    0xf5,
    0x2a,
    0x86,
    0x15,
  };
  ServalCredentials c = { .iterations = 1000 };

  for (guint i = 0; i < sizeof c.salt; i++)
    c.salt[i] = i;
  memcpy (c.hash, expected, sizeof c.hash);
  g_assert_true (serval_credentials_verify (&c, (const guint8 *) "passwd", 6));
  g_assert_false (serval_credentials_verify (&c, (const guint8 *) "passwe", 6));
  c.hash[31] ^= 1;
  g_assert_false (serval_credentials_verify (&c, (const guint8 *) "passwd", 6));
}

static void
test_users (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  ServalCredentials cred;
  gboolean admin = FALSE;

  add_user (f, "bob", "pw-bob", FALSE);
  add_user (f, "alice", "pw-alice", TRUE);
  g_assert_cmpuint (serval_store_user_count (f->store), ==, 2);

  g_assert_true (serval_store_user_get (f->store, "alice", &cred, &admin, &error));
  g_assert_true (admin);
  g_assert_true (serval_credentials_verify (&cred, (const guint8 *) "pw-alice", 8));
  g_assert_false (serval_credentials_verify (&cred, (const guint8 *) "pw-bob", 6));

  g_assert_false (serval_store_user_get (f->store, "nobody", &cred, NULL, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_assert_nonnull (strstr (error->message, "nobody"));
  g_clear_error (&error);

  /* Duplicates are refused and leave the first one intact. */
  g_assert_true (serval_credentials_make (&cred, (const guint8 *) "x", 1, ITER, NULL));
  g_assert_false (test_store_user_add (f->store, "bob", &cred, TRUE, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (serval_store_user_get (f->store, "bob", &cred, &admin, NULL));
  g_assert_false (admin);
  g_assert_true (serval_credentials_verify (&cred, (const guint8 *) "pw-bob", 6));

  /* New password. */
  {
    ServalCredentials n;

    g_assert_true (serval_credentials_make (&n, (const guint8 *) "new", 3, ITER, NULL));
    g_assert_true (test_store_user_set_credentials (f->store, "bob", &n, &error));
    g_assert_true (serval_store_user_get (f->store, "bob", &cred, NULL, NULL));
    g_assert_true (serval_credentials_verify (&cred, (const guint8 *) "new", 3));
    g_assert_false (test_store_user_set_credentials (f->store, "nobody", &n, &error));
    g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
    g_clear_error (&error);
  }

  users = serval_store_user_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 2);
  g_assert_cmpstr (((ServalUser *) users->pdata[0])->name, ==, "alice");
  g_assert_cmpstr (((ServalUser *) users->pdata[1])->name, ==, "bob");

  g_assert_true (test_store_user_del (f->store, "bob", &error));
  g_assert_false (test_store_user_del (f->store, "bob", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_assert_cmpuint (serval_store_user_count (f->store), ==, 1);
}

static void
test_invalid_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ServalCredentials cred;
  char name65[66];
  const char *bad[] = { "", name65, "\xff\xfe", "tab\there", "new\nline" };

  memset (name65, 'a', 65);
  name65[65] = '\0';
  g_assert_true (serval_credentials_make (&cred, (const guint8 *) "x", 1, ITER, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (test_store_user_add (f->store, bad[i], &cred, FALSE, &error));
      g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (test_store_vlan_add (f->store, bad[i], NULL, &error));
      g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
      g_clear_error (&error);
    }
  /* 64 bytes and non-ASCII UTF-8 are fine. */
  name65[64] = '\0';
  g_assert_true (test_store_vlan_add (f->store, name65, NULL, &error));
  g_assert_true (test_store_vlan_add (f->store, "Galiza-Ñ-ü", NULL, &error));
  g_assert_no_error (error);
}

static void
test_vlans (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  guint32 red = 0, blue = 0, green = 0, id = 0;

  g_assert_true (test_store_vlan_add (f->store, "red", &red, &error));
  g_assert_true (test_store_vlan_add (f->store, "blue", &blue, &error));
  g_assert_cmpuint (red, >=, 1);
  g_assert_cmpuint (blue, !=, red);
  g_assert_true (serval_store_vlan_lookup (f->store, "red", &id, &error));
  g_assert_cmpuint (id, ==, red);
  g_assert_false (test_store_vlan_add (f->store, "red", NULL, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  list = serval_store_vlan_list (f->store, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((ServalVlan *) list->pdata[0])->name, ==, "blue");
  g_assert_cmpuint (((ServalVlan *) list->pdata[1])->id, ==, red);

  /* A deleted VLAN's tag is never given out again. */
  g_assert_true (test_store_vlan_del (f->store, "blue", &error));
  g_assert_false (serval_store_vlan_lookup (f->store, "blue", NULL, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);
  g_assert_true (test_store_vlan_add (f->store, "green", &green, &error));
  g_assert_cmpuint (green, >, blue);
  g_assert_true (test_store_vlan_add (f->store, "blue", &id, &error));
  g_assert_cmpuint (id, >, green);
  g_assert_false (test_store_vlan_del (f->store, "nothing", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
}

static void
test_rights (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;

  add_user (f, "alice", "a", FALSE);
  add_user (f, "bob", "b", FALSE);
  g_assert_true (test_store_vlan_add (f->store, "red", NULL, NULL));
  g_assert_true (test_store_vlan_add (f->store, "blue", NULL, NULL));

  g_assert_false (serval_store_has_right (f->store, "alice", "red"));
  g_assert_true (test_store_grant (f->store, "alice", "red", &error));
  g_assert_true (test_store_grant (f->store, "alice", "blue", &error));
  g_assert_true (serval_store_has_right (f->store, "alice", "red"));
  g_assert_false (serval_store_has_right (f->store, "bob", "red"));
  g_assert_false (serval_store_has_right (f->store, "alice", "green"));

  g_assert_false (test_store_grant (f->store, "alice", "red", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (test_store_grant (f->store, "carol", "red", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_clear_error (&error);
  g_assert_false (test_store_grant (f->store, "alice", "green", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);

  users = serval_store_user_list (f->store, NULL);
  g_assert_cmpuint (((ServalUser *) users->pdata[0])->vlans->len, ==, 2);
  g_assert_cmpstr (((ServalUser *) users->pdata[0])->vlans->pdata[0], ==, "blue");
  g_assert_cmpuint (((ServalUser *) users->pdata[1])->vlans->len, ==, 0);

  g_assert_true (test_store_revoke (f->store, "alice", "blue", &error));
  g_assert_false (serval_store_has_right (f->store, "alice", "blue"));
  g_assert_false (test_store_revoke (f->store, "alice", "blue", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);

  /* Deleting a VLAN or a user deletes their rights. */
  g_assert_true (test_store_grant (f->store, "bob", "red", NULL));
  g_assert_true (test_store_vlan_del (f->store, "red", NULL));
  g_assert_true (test_store_vlan_add (f->store, "red", NULL, NULL));
  g_assert_false (serval_store_has_right (f->store, "alice", "red"));
  g_assert_false (serval_store_has_right (f->store, "bob", "red"));
  g_assert_true (test_store_grant (f->store, "bob", "red", NULL));
  g_assert_true (test_store_user_del (f->store, "bob", NULL));
  add_user (f, "bob", "b2", FALSE);
  g_assert_false (serval_store_has_right (f->store, "bob", "red"));
}

static void
test_persistence (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ServalCredentials cred;
  struct stat st;

  add_user (f, "alice", "pw", TRUE);
  g_assert_true (test_store_vlan_add (f->store, "red", NULL, NULL));
  g_assert_true (test_store_grant (f->store, "alice", "red", NULL));
  g_object_unref (f->store);

  f->store = reopen (f, &error);
  g_assert_no_error (error);
  g_assert_true (serval_store_user_get (f->store, "alice", &cred, NULL, NULL));
  g_assert_true (serval_credentials_verify (&cred, (const guint8 *) "pw", 2));
  g_assert_true (serval_store_has_right (f->store, "alice", "red"));
  if (g_str_equal (f->backend, "etcd"))
    return; /* the rest is about the file */

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  assert_pragma (f->path, "PRAGMA journal_mode", "wal");
}

static void
test_not_ours (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("serval-store-XXXXXX", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.db", NULL);
  g_autofree char *other = g_build_filename (dir, "other.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before, len_after;
  guint8 bytes[4096];
  sqlite3 *db;

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = g_random_int ();
  g_assert_true (g_file_set_contents (garbage, (const char *) bytes, sizeof bytes, NULL));
  g_assert_null (serval_store_open_sqlite (garbage, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, garbage));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (garbage, &after, &len_after, NULL));
  g_assert_cmpmem (after, len_after, bytes, sizeof bytes);

  /* Someone else's SQLite database is left alone. */
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (g_file_get_contents (other, &before, &len_before, NULL));
  g_assert_null (serval_store_open_sqlite (other, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_clear_pointer (&after, g_free);
  g_assert_true (g_file_get_contents (other, &after, &len_after, NULL));
  g_assert_cmpmem (after, len_after, before, len_before);

  /* A path that cannot be opened names the path. */
  g_assert_null (serval_store_open_sqlite ("/nonexistent-dir/serval.db", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent-dir/serval.db"));

  g_unlink (garbage);
  g_unlink (other);
  g_rmdir (dir);
}

/* A process killed in the middle of writing leaves a consistent database. */
static void
test_crash (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  pid_t pid;
  int status, ready[2];
  char byte;

  g_object_unref (f->store);
  f->store = NULL;
  g_assert_cmpint (pipe (ready), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      ServalStore *store = serval_store_open_sqlite (f->path, NULL);
      ServalCredentials cred;

      close (ready[0]);
      serval_credentials_make (&cred, (const guint8 *) "pw", 2, 1, NULL);
      for (guint i = 0;; i++)
        {
          g_autofree char *name = g_strdup_printf ("user%05u", i);
          g_autofree char *vlan = g_strdup_printf ("vlan%05u", i);

          test_store_user_add (store, name, &cred, FALSE, NULL);
          test_store_vlan_add (store, vlan, NULL, NULL);
          test_store_grant (store, name, vlan, NULL);
          /* Killed at some point after the first 20 users, however slow
           * the machine: in the middle of a write, most of the time. */
          if (i == 20 && write (ready[1], "r", 1) != 1)
            _exit (1);
        }
    }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  close (ready[0]);
  g_usleep (100 * 1000);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);

  f->store = serval_store_open_sqlite (f->path, &error);
  g_assert_no_error (error);
  users = serval_store_user_list (f->store, &error);
  g_assert_no_error (error);
  g_test_message ("%u users written before the kill", users->len);
  g_assert_cmpuint (users->len, >, 10);

  assert_pragma (f->path, "PRAGMA integrity_check", "ok");
}

/* --- etcd only ------------------------------------------------------------- */

typedef struct
{
  guint users_deleted, vlans_deleted, rights_revoked;
  guint32 last_tag;
  gboolean right_gone_at_vlan_deleted; /* when "vlan-deleted" came, the copy had no right to it */
} Seen;

static void
seen_user_deleted_cb (ServalStore *store, const char *user, Seen *seen)
{
  seen->users_deleted++;
}

static void
seen_vlan_deleted_cb (ServalStore *store, const char *vlan, guint tag, Seen *seen)
{
  seen->vlans_deleted++;
  seen->last_tag = tag;
  seen->right_gone_at_vlan_deleted = !serval_store_has_right (store, "alice", vlan) &&
                                     !serval_store_has_right (store, "bob", vlan);
}

static void
seen_right_revoked_cb (ServalStore *store, const char *user, const char *vlan, guint tag, Seen *seen)
{
  seen->rights_revoked++;
}

static void
watch_seen (ServalStore *store, Seen *seen)
{
  g_signal_connect (store, "user-deleted", G_CALLBACK (seen_user_deleted_cb), seen);
  g_signal_connect (store, "vlan-deleted", G_CALLBACK (seen_vlan_deleted_cb), seen);
  g_signal_connect (store, "right-revoked", G_CALLBACK (seen_right_revoked_cb), seen);
}

typedef struct
{
  ServalStore *store;
  const char *user, *vlan;
  gboolean want;
} RightIs;

static gboolean
right_is (gpointer data)
{
  RightIs *r = data;

  return serval_store_has_right (r->store, r->user, r->vlan) == r->want;
}

static gboolean
user_is_gone (gpointer data)
{
  return !serval_store_user_get (data, "bob", &(ServalCredentials){ 0 }, NULL, NULL);
}

/* A second handle (another node) sees what the first one changes, through
 * its watch alone: the test makes no call on it but reads of its copy. */
static void
test_etcd_watch (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) node2 = reopen (f, &error);
  Seen seen1 = { 0 }, seen2 = { 0 };
  RightIs right = { node2, "alice", "red", TRUE };
  guint32 tag = 0, tag2 = 0;

  g_assert_no_error (error);
  watch_seen (f->store, &seen1);
  watch_seen (node2, &seen2);
  add_user (f, "alice", "a", FALSE);
  add_user (f, "bob", "b", FALSE);
  g_assert_true (test_store_vlan_add (f->store, "red", &tag, &error));
  g_assert_true (test_store_grant (f->store, "alice", "red", &error));
  g_assert_no_error (error);

  g_assert_true (test_iterate_until (right_is, &right));
  g_assert_true (serval_store_vlan_lookup (node2, "red", &tag2, NULL));
  g_assert_cmpuint (tag2, ==, tag);
  g_assert_cmpuint (serval_store_user_count (node2), ==, 2);

  g_assert_true (test_store_revoke (f->store, "alice", "red", &error));
  right.want = FALSE;
  g_assert_true (test_iterate_until (right_is, &right));
  g_assert_true (test_iterate_until (test_count_reached, &(TestCountReached){ &seen2.rights_revoked, 1 }));
  g_assert_true (test_store_user_del (f->store, "bob", &error));
  g_assert_true (test_iterate_until (user_is_gone, node2));
  g_assert_true (test_iterate_until (test_count_reached, &(TestCountReached){ &seen2.users_deleted, 1 }));

  /* The other way, and the signals only for changes made elsewhere. */
  g_assert_true (test_store_grant (node2, "alice", "red", &error));
  right.store = f->store;
  right.want = TRUE;
  g_assert_true (test_iterate_until (right_is, &right));
  g_assert_cmpuint (seen1.rights_revoked + seen1.users_deleted + seen1.vlans_deleted, ==, 0);
  g_assert_cmpuint (seen2.rights_revoked, ==, 1);
  g_assert_cmpuint (seen2.users_deleted, ==, 1);
}

/* POSTs @body to /v3/kv/range of the test's etcd; the answer. */
static JsonObject *
etcd_range (const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/v3/kv/range", test_store_etcd ());
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) req = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", req);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                             &error));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* How many keys start with @prefix + @what at @revision (0: the latest); the revision in @out_rev. */
static gint64
etcd_count (const char *prefix, const char *what, gint64 revision, gint64 *out_rev)
{
  g_autofree char *key = g_strconcat (prefix, what, NULL);
  g_autofree char *end = g_strdup (key);
  g_autofree char *k64 = NULL, *e64 = NULL, *body = NULL;
  g_autoptr(JsonObject) o = NULL;

  end[strlen (end) - 1]++;
  k64 = g_base64_encode ((const guchar *) key, strlen (key));
  e64 = g_base64_encode ((const guchar *) end, strlen (end));
  body = g_strdup_printf ("{\"key\":\"%s\",\"range_end\":\"%s\",\"count_only\":true,\"revision\":\"%" G_GINT64_FORMAT
                          "\"}",
                          k64, e64, revision);
  o = etcd_range (body);
  if (out_rev != NULL)
    *out_rev = g_ascii_strtoll (json_object_get_string_member (json_object_get_object_member (o, "header"), "revision"),
                                NULL, 10);
  return json_object_has_member (o, "count") ? g_ascii_strtoll (json_object_get_string_member (o, "count"), NULL, 10) : 0;
}

/* Deleting a VLAN deletes its rights in the same revision, and another
 * node sees it as one change. */
static void
test_etcd_vlan_del_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) node2 = reopen (f, &error);
  Seen seen2 = { 0 };
  gint64 rev;

  watch_seen (node2, &seen2);
  add_user (f, "alice", "a", FALSE);
  add_user (f, "bob", "b", FALSE);
  g_assert_true (test_store_vlan_add (f->store, "red", NULL, NULL));
  g_assert_true (test_store_vlan_add (f->store, "blue", NULL, NULL));
  g_assert_true (test_store_grant (f->store, "alice", "red", NULL));
  g_assert_true (test_store_grant (f->store, "bob", "red", NULL));
  g_assert_true (test_store_grant (f->store, "bob", "blue", NULL));
  g_assert_true (test_store_vlan_del (f->store, "red", &error));
  g_assert_no_error (error);

  /* Nothing else writes to this etcd now: the latest revision is the delete's. */
  etcd_count (f->prefix, "", 0, &rev);
  g_assert_cmpint (etcd_count (f->prefix, "rights/", rev - 1, NULL), ==, 3);
  g_assert_cmpint (etcd_count (f->prefix, "vlans/", rev - 1, NULL), ==, 2);
  g_assert_cmpint (etcd_count (f->prefix, "rights/", rev, NULL), ==, 1);
  g_assert_cmpint (etcd_count (f->prefix, "vlans/", rev, NULL), ==, 1);

  g_assert_true (test_iterate_until (test_count_reached, &(TestCountReached){ &seen2.vlans_deleted, 1 }));
  g_assert_true (seen2.right_gone_at_vlan_deleted);
  g_assert_cmpuint (seen2.rights_revoked, ==, 2);
  g_assert_true (serval_store_has_right (node2, "bob", "blue"));
}

/* Two nodes adding VLANs at once never get the same tag. */
static void
test_etcd_tags (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) node2 = reopen (f, &error);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) tags = g_array_new (FALSE, FALSE, sizeof (guint32));
  const guint n = 12;

  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < 2; j++)
      {
        g_autofree char *name = g_strdup_printf ("v%u-%u", j, i);
        ServalStoreWrite w = { .kind = SERVAL_STORE_VLAN_ADD, .vlan = name };

        serval_store_write_async (j == 0 ? f->store : node2, &w, NULL, test_async_results_cb, results);
      }
  test_async_wait_all (results, 2 * n);
  for (guint i = 0; i < results->len; i++)
    {
      g_autoptr(GObject) store = g_async_result_get_source_object (results->pdata[i]);
      guint32 tag = 0;

      serval_store_write_finish (SERVAL_STORE (store), results->pdata[i], &tag, &error);
      g_assert_no_error (error);
      g_array_append_val (tags, tag);
    }
  g_assert_cmpuint (tags->len, ==, 2 * n);
  for (guint i = 0; i < tags->len; i++)
    for (guint j = i + 1; j < tags->len; j++)
      g_assert_cmpuint (g_array_index (tags, guint32, i), !=, g_array_index (tags, guint32, j));
}

/* An etcd that does not answer: an error that says where it looked and what to check. */
static void
test_etcd_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) store = serval_store_open_etcd ("http://127.0.0.1:1,http://127.0.0.1:9", "/serval/", &error);

  g_assert_null (store);
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "http://127.0.0.1:1, http://127.0.0.1:9"));
  g_assert_nonnull (strstr (error->message, "Check that etcd runs"));
  g_clear_error (&error);

  g_assert_null (serval_store_open_etcd ("127.0.0.1:2379", "/serval/", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "http://HOST:PORT"));
}

static void
test_etcd_missing (void)
{
  g_test_skip ("No etcd: run through “meson test” (tests/etcd/with-etcd.sh starts one), or set SERVAL_TEST_ETCD");
}

int
main (int argc, char **argv)
{
  static const TestStoreCase tests[] = {
    { "users", test_users },
    { "invalid-names", test_invalid_names },
    { "vlans", test_vlans },
    { "rights", test_rights },
    { "persistence", test_persistence },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/password/credentials", test_credentials);
  g_test_add_func ("/server/password/known-answer", test_pbkdf2_known_answer);
  test_store_add_cases ("/server/store", tests, G_N_ELEMENTS (tests));
  if (test_store_etcd () == NULL)
    g_test_add_func ("/server/store/etcd/missing", test_etcd_missing);
  g_test_add_func ("/server/store/sqlite/not-ours", test_not_ours);
  test_store_add ("/server/store/sqlite/crash", "sqlite", test_crash);
  g_test_add_func ("/server/store/etcd/unreachable", test_etcd_unreachable);
  if (test_store_etcd () != NULL)
    {
      test_store_add ("/server/store/etcd/watch", "etcd", test_etcd_watch);
      test_store_add ("/server/store/etcd/vlan-del-atomic", "etcd", test_etcd_vlan_del_atomic);
      test_store_add ("/server/store/etcd/tags", "etcd", test_etcd_tags);
    }
  return g_test_run ();
}
