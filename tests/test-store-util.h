/* test-store-util.h: the store's writes, waited for (serval_store_write_sync()),
 * with the arguments the tests had before the writes went asynchronous; and
 * a store of either backend for tests that run on both.
 *
 * The etcd backend needs $SERVAL_TEST_ETCD (an etcd client URL), which
 * tests/etcd/with-etcd.sh sets when meson runs the test; each fixture gets
 * a prefix of its own in it. */
#pragma once

#include <string.h>
#include <unistd.h>

#include "serval-store.h"
#include "test-utils.h"

static inline gboolean
test_store_write (ServalStore *store, ServalStoreWriteKind kind, const char *user, const char *vlan,
                  const ServalCredentials *cred, gboolean admin, guint32 *tag, GError **error)
{
  ServalStoreWrite w = { .kind = kind, .user = user, .vlan = vlan, .cred = cred, .admin = admin };

  return serval_store_write_sync (store, &w, tag, error);
}

static inline gboolean
test_store_user_add (ServalStore *store, const char *name, const ServalCredentials *cred, gboolean admin,
                     GError **error)
{
  return test_store_write (store, SERVAL_STORE_USER_ADD, name, NULL, cred, admin, NULL, error);
}

static inline gboolean
test_store_user_set_credentials (ServalStore *store, const char *name, const ServalCredentials *cred,
                                 GError **error)
{
  return test_store_write (store, SERVAL_STORE_USER_SET_CREDENTIALS, name, NULL, cred, FALSE, NULL, error);
}

static inline gboolean
test_store_user_del (ServalStore *store, const char *name, GError **error)
{
  return test_store_write (store, SERVAL_STORE_USER_DEL, name, NULL, NULL, FALSE, NULL, error);
}

static inline gboolean
test_store_vlan_add (ServalStore *store, const char *name, guint32 *tag, GError **error)
{
  return test_store_write (store, SERVAL_STORE_VLAN_ADD, NULL, name, NULL, FALSE, tag, error);
}

static inline gboolean
test_store_vlan_del (ServalStore *store, const char *name, GError **error)
{
  return test_store_write (store, SERVAL_STORE_VLAN_DEL, NULL, name, NULL, FALSE, NULL, error);
}

static inline gboolean
test_store_grant (ServalStore *store, const char *user, const char *vlan, GError **error)
{
  return test_store_write (store, SERVAL_STORE_GRANT, user, vlan, NULL, FALSE, NULL, error);
}

static inline gboolean
test_store_revoke (ServalStore *store, const char *user, const char *vlan, GError **error)
{
  return test_store_write (store, SERVAL_STORE_REVOKE, user, vlan, NULL, FALSE, NULL, error);
}

/* The etcd the tests use, or NULL. */
static inline const char *
test_store_etcd (void)
{
  return g_getenv ("SERVAL_TEST_ETCD");
}

/* A key prefix no other fixture of this process uses. */
static inline char *
test_store_new_prefix (void)
{
  static guint n;

  return g_strdup_printf ("/serval-test-%d-%u/", (int) getpid (), ++n);
}

/* Opens the store of @backend ("sqlite" or "etcd"): the file @path, or the
 * keys under @prefix in $SERVAL_TEST_ETCD. */
static inline ServalStore *
test_store_open (const char *backend, const char *path, const char *prefix, GError **error)
{
  if (strcmp (backend, "etcd") == 0)
    return serval_store_open_etcd (test_store_etcd (), prefix, error);
  return serval_store_open_sqlite (path, error);
}

/* A store of either backend in a temporary place of its own: what the store
 * and token tests stand on (their fixtures begin with it). */
typedef struct
{
  const char *backend; /* "sqlite" or "etcd" */
  char *path;
  char *prefix;
  ServalStore *store;
} TestStore;

/* The store again: after a restart, or on another node. */
static inline ServalStore *
test_store_reopen (TestStore *t, GError **error)
{
  return test_store_open (t->backend, t->path, t->prefix, error);
}

/* Opens a new store of @backend ("sqlite" if NULL) in a folder made from
 * @tmpl (see test_tmp_file_path()). */
static inline void
test_store_setup (TestStore *t, gconstpointer backend, const char *tmpl)
{
  g_autoptr(GError) error = NULL;

  t->backend = backend != NULL ? backend : "sqlite";
  t->path = test_tmp_file_path (tmpl, "serval.db");
  t->prefix = test_store_new_prefix ();
  t->store = test_store_reopen (t, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t->store);
}

static inline void
test_store_teardown (TestStore *t)
{
  g_clear_object (&t->store);
  test_tmp_file_path_free (t->path);
  g_free (t->prefix);
}

/* Adds @name with password @pw, hashed with @iterations. */
static inline void
test_store_add_password_user (ServalStore *store, const char *name, const char *pw, gboolean admin,
                              guint iterations)
{
  g_autoptr(GError) error = NULL;
  ServalCredentials cred;

  g_assert_true (serval_credentials_make (&cred, (const guint8 *) pw, strlen (pw), iterations, &error));
  g_assert_true (test_store_user_add (store, name, &cred, admin, &error));
  g_assert_no_error (error);
}

/* The setup and teardown of a TestStore fixture for g_test_add(), @backend
 * its data: a store in a folder named after the test program. */
static inline void
test_store_fixture_setup (TestStore *t, gconstpointer backend)
{
  g_autofree char *name = g_path_get_basename (g_get_prgname ());
  g_autofree char *tmpl = g_strconcat (name, "-XXXXXX", NULL);

  test_store_setup (t, backend, tmpl);
}

static inline void
test_store_fixture_teardown (TestStore *t, gconstpointer backend)
{
  test_store_teardown (t);
}

typedef void (*TestStoreFunc) (TestStore *t, gconstpointer backend);

/* Adds the test @path: @func on a new store of @backend ("sqlite" or "etcd"). */
static inline void
test_store_add (const char *path, const char *backend, TestStoreFunc func)
{
  g_test_add (path, TestStore, backend, test_store_fixture_setup, func, test_store_fixture_teardown);
}

/* A test that runs on either backend. */
typedef struct
{
  const char *name;
  TestStoreFunc func;
} TestStoreCase;

/* Adds each of the @n @cases as "@prefix/BACKEND/NAME" on a store of each
 * backend: SQLite, and etcd when there is one (test_store_etcd()). */
static inline void
test_store_add_cases (const char *prefix, const TestStoreCase *cases, gsize n)
{
  static const char *const backends[] = { "sqlite", "etcd" };

  for (guint b = 0; b < G_N_ELEMENTS (backends); b++)
    for (gsize i = 0; i < n && (b == 0 || test_store_etcd () != NULL); i++)
      {
        g_autofree char *path = g_strdup_printf ("%s/%s/%s", prefix, backends[b], cases[i].name);

        test_store_add (path, backends[b], cases[i].func);
      }
}
