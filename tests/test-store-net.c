/* Unit tests for the store's part of issue 14 (server/serval-store*-net.c):
 * VLAN subnets and prefixes, access-list rules, the bridge right and
 * leases, on both backends (SQLite files in a temporary directory, and a
 * real etcd through tests/etcd/with-etcd.sh); then the SQLite schema's
 * upgrade and what only a cluster of etcd stores has. */
#include "config.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

#include "serval-store.h"
#include "test-async.h"
#include "test-store-util.h"
#include "test-utils.h"

#define ITER 1000

typedef TestStore Fixture;

static void
add_user (ServalStore *store, const char *name)
{
  test_store_add_password_user (store, name, "pw", FALSE, ITER);
}

/* The users named, up to %NULL. */
static void add_users (ServalStore *store, ...) G_GNUC_NULL_TERMINATED;

static void
add_users (ServalStore *store, ...)
{
  va_list ap;

  va_start (ap, store);
  for (const char *name = va_arg (ap, const char *); name != NULL; name = va_arg (ap, const char *))
    add_user (store, name);
  va_end (ap);
}

/* Users u0 to u@n-1. */
static void
add_numbered_users (ServalStore *store, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *user = g_strdup_printf ("u%u", i);

      add_user (store, user);
    }
}

static void
add_vlan (ServalStore *store, const char *name)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (test_store_vlan_add (store, name, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
set_addresses (ServalStore *store, const char *vlan, const char *subnet, const char *prefix6, GError **error)
{
  ServalStoreWrite w = { .kind = SERVAL_STORE_VLAN_SET_ADDRESSES, .vlan = vlan, .subnet = subnet, .prefix6 = prefix6 };

  return serval_store_write_sync (store, &w, NULL, error);
}

static void
set_subnet (ServalStore *store, const char *vlan, const char *subnet)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (set_addresses (store, vlan, subnet, NULL, &error));
  g_assert_no_error (error);
}

/* A new VLAN @name whose members lease their addresses from @subnet. */
static void
add_leasing_vlan (ServalStore *store, const char *name, const char *subnet)
{
  add_vlan (store, name);
  set_subnet (store, name, subnet);
}

static gboolean
rule_add (ServalStore *store, const char *vlan, const char *text, GError **error)
{
  g_autoptr(ServalRule) rule = serval_rule_parse_string (text, NULL);
  ServalStoreWrite w = { .kind = SERVAL_STORE_RULE_ADD, .vlan = vlan, .rule = rule };

  g_assert_nonnull (rule);
  return serval_store_write_sync (store, &w, NULL, error);
}

static gboolean
rule_del (ServalStore *store, const char *vlan, guint index, GError **error)
{
  ServalStoreWrite w = { .kind = SERVAL_STORE_RULE_DEL, .vlan = vlan, .index = index };

  return serval_store_write_sync (store, &w, NULL, error);
}

static gboolean
set_bridge (ServalStore *store, const char *user, gboolean bridge, GError **error)
{
  ServalStoreWrite w = { .kind = SERVAL_STORE_USER_SET_BRIDGE, .user = user, .bridge = bridge };

  return serval_store_write_sync (store, &w, NULL, error);
}

/* The rules of @vlan as one string, "allow; deny proto tcp ..." */
static char *
rules_text (ServalStore *store, const char *vlan)
{
  g_autoptr(ServalVlan) v = serval_store_vlan_get (store, vlan, NULL);
  GString *out = g_string_new (NULL);

  g_assert_nonnull (v);
  g_assert_nonnull (v->rules);
  for (guint i = 0; i < v->rules->len; i++)
    {
      g_autofree char *text = serval_rule_to_string (v->rules->pdata[i]);

      g_string_append_printf (out, "%s%s", i > 0 ? "; " : "", text);
    }
  return g_string_free (out, FALSE);
}

/* --- leases, waited for ---------------------------------------------------------- */

static void
mac_of (guint8 mac[6], guint n)
{
  guint8 m[6] = { 0x02, 0, 0, 0, (n >> 8) & 0xff, n & 0xff };

  memcpy (mac, m, 6);
}

/* Leases for @user and MAC number @n; the address, or NULL with @error. */
static char *
lease (ServalStore *store, const char *vlan, const char *user, guint n, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ServalLease) l = NULL;
  guint8 mac[6];

  mac_of (mac, n);
  serval_store_lease_async (store, vlan, user, mac, NULL, test_async_result_cb, &result);
  l = serval_store_lease_finish (store, test_async_wait (&result), error);
  if (l == NULL)
    return NULL;
  g_assert_cmpstr (l->vlan, ==, vlan);
  g_assert_cmpstr (l->user, ==, user);
  g_assert_cmpmem (l->mac, 6, mac, 6);
  g_assert_cmpint (l->released, ==, 0);
  return g_steal_pointer (&l->address);
}

static void
assert_lease (ServalStore *store, const char *vlan, const char *user, guint n, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = lease (store, vlan, user, n, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, want);
}

static void
release (ServalStore *store, const char *vlan, const char *user, guint n)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint8 mac[6];

  mac_of (mac, n);
  serval_store_lease_release_async (store, vlan, user, mac, NULL, test_async_result_cb, &result);
  g_assert_true (serval_store_lease_release_finish (store, test_async_wait (&result), &error));
  g_assert_no_error (error);
}

/* The leases of @vlan as "ADDRESS USER MAC-NUMBER [released]; ..." */
static char *
leases_text (ServalStore *store, const char *vlan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leases = serval_store_lease_list (store, vlan, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < leases->len; i++)
    {
      ServalLease *l = leases->pdata[i];

      g_assert_cmpstr (l->vlan, ==, vlan);
      g_string_append_printf (out, "%s%s %s %u%s", i > 0 ? "; " : "", l->address, l->user,
                              (guint) (l->mac[4] << 8 | l->mac[5]), l->released != 0 ? " released" : "");
    }
  return g_string_free (out, FALSE);
}

#define assert_leases(store, vlan, want)                   \
  G_STMT_START                                             \
  {                                                        \
    g_autofree char *_got = leases_text ((store), (vlan)); \
    g_assert_cmpstr (_got, ==, (want));                    \
  }                                                        \
  G_STMT_END

/* --- both backends ------------------------------------------------------------------ */

static void
assert_invalid (ServalStore *store, const char *subnet, const char *prefix6, const char *want)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (set_addresses (store, "red", subnet, prefix6, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, want));
}

static void
test_addresses (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalVlan) v = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(ServalStore) again = NULL;

  add_vlan (f->store, "red");
  v = serval_store_vlan_get (f->store, "red", &error);
  g_assert_no_error (error);
  g_assert_null (v->subnet);
  g_assert_null (v->prefix6);
  g_assert_cmpuint (v->rules->len, ==, 0);
  g_clear_pointer (&v, serval_vlan_free);

  /* Host bits are cleared: the canonical form is kept. */
  g_assert_true (set_addresses (f->store, "red", "10.77.0.7/24", "fd00:77:0:0::1/64", &error));
  g_assert_no_error (error);
  v = serval_store_vlan_get (f->store, "red", NULL);
  g_assert_cmpstr (v->subnet, ==, "10.77.0.0/24");
  g_assert_cmpstr (v->prefix6, ==, "fd00:77::/64");
  g_clear_pointer (&v, serval_vlan_free);

  /* NULL keeps, "" removes. */
  g_assert_true (set_addresses (f->store, "red", NULL, "", &error));
  v = serval_store_vlan_get (f->store, "red", NULL);
  g_assert_cmpstr (v->subnet, ==, "10.77.0.0/24");
  g_assert_null (v->prefix6);
  g_clear_pointer (&v, serval_vlan_free);

  assert_invalid (f->store, "10.77.0.0/33", NULL, "“10.77.0.0/33” is not an IPv4 subnet: give an address and a length from 8 to 30, like 10.77.0.0/24");
  assert_invalid (f->store, "10.77.0.0/31", NULL, "“10.77.0.0/31” is not an IPv4 subnet");
  assert_invalid (f->store, "10.0.0.0/7", NULL, "from 8 to 30");
  assert_invalid (f->store, "10.77.0/24", NULL, "“10.77.0/24”");
  assert_invalid (f->store, "10.77.0.0", NULL, "like 10.77.0.0/24");
  assert_invalid (f->store, "fd00::/24", NULL, "is not an IPv4 subnet");
  assert_invalid (f->store, "10.77.0.0/+24", NULL, "is not an IPv4 subnet");
  assert_invalid (f->store, NULL, "fd00::/47", "“fd00::/47” is not an IPv6 prefix: give an address and a length from 48 to 64, like fd00:77::/64");
  assert_invalid (f->store, NULL, "fd00::/65", "from 48 to 64");
  assert_invalid (f->store, NULL, "10.77.0.0/24", "is not an IPv6 prefix");
  /* Nothing was changed by a refused write. */
  v = serval_store_vlan_get (f->store, "red", NULL);
  g_assert_cmpstr (v->subnet, ==, "10.77.0.0/24");
  g_clear_pointer (&v, serval_vlan_free);

  g_assert_false (set_addresses (f->store, "blue", "10.1.0.0/16", NULL, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);
  g_assert_null (serval_store_vlan_get (f->store, "blue", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);

  /* The list and a reopened store show it too. */
  g_assert_true (set_addresses (f->store, "red", NULL, "fd00:77::/48", &error));
  add_vlan (f->store, "blue");
  list = serval_store_vlan_list (f->store, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_null (((ServalVlan *) list->pdata[0])->subnet);
  g_assert_nonnull (((ServalVlan *) list->pdata[0])->rules);
  g_assert_cmpstr (((ServalVlan *) list->pdata[1])->subnet, ==, "10.77.0.0/24");
  g_assert_cmpstr (((ServalVlan *) list->pdata[1])->prefix6, ==, "fd00:77::/48");
  g_clear_object (&f->store);
  again = test_store_reopen (f, &error);
  g_assert_no_error (error);
  v = serval_store_vlan_get (again, "red", NULL);
  g_assert_cmpstr (v->subnet, ==, "10.77.0.0/24");
  g_assert_cmpstr (v->prefix6, ==, "fd00:77::/48");
  g_clear_pointer (&v, serval_vlan_free);
  g_assert_true (set_addresses (again, "red", "", NULL, &error));
  v = serval_store_vlan_get (again, "red", NULL);
  g_assert_null (v->subnet);
  g_assert_cmpstr (v->prefix6, ==, "fd00:77::/48");
}

static void
test_rules (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) again = NULL;
  g_autofree char *text = NULL;

  add_vlan (f->store, "red");
  add_vlan (f->store, "blue");
  g_assert_true (rule_add (f->store, "red", "deny proto tcp from carol port 22", &error));
  g_assert_true (rule_add (f->store, "red", "allow proto icmp", &error));
  g_assert_true (rule_add (f->store, "red", "deny  proto 0x88cc   dst 10.77.0.0/24", &error));
  g_assert_true (rule_add (f->store, "blue", "deny", &error));
  g_assert_no_error (error);
  text = rules_text (f->store, "red");
  g_assert_cmpstr (text, ==, "deny proto tcp from carol port 22; allow proto icmp; deny proto 0x88cc dst 10.77.0.0/24");
  g_clear_pointer (&text, g_free);

  g_assert_true (rule_del (f->store, "red", 2, &error));
  g_assert_no_error (error);
  text = rules_text (f->store, "red");
  g_assert_cmpstr (text, ==, "deny proto tcp from carol port 22; deny proto 0x88cc dst 10.77.0.0/24");
  g_clear_pointer (&text, g_free);
  g_assert_true (rule_add (f->store, "red", "allow to bob", &error));

  g_assert_false (rule_del (f->store, "red", 4, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_RULE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "VLAN “red” has no rule number 4: it has 3"));
  g_clear_error (&error);
  g_assert_false (rule_del (f->store, "red", 0, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_RULE);
  g_clear_error (&error);
  g_assert_false (rule_del (f->store, "green", 1, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);
  g_assert_false (rule_add (f->store, "green", "deny", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);
  {
    /* A rule whose text would not read back as itself is refused. */
    g_autoptr(ServalRule) odd = serval_rule_parse_string ("deny from carol", NULL);
    ServalStoreWrite w = { .kind = SERVAL_STORE_RULE_ADD, .vlan = "red", .rule = odd };

    g_free (odd->from_user);
    odd->from_user = g_strdup ("carol smith");
    g_assert_false (serval_store_write_sync (f->store, &w, NULL, &error));
    g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    w.rule = NULL;
    g_assert_false (serval_store_write_sync (f->store, &w, NULL, &error));
    g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* Kept in order across a restart; a VLAN's rules go with it. */
  g_clear_object (&f->store);
  again = test_store_reopen (f, &error);
  g_assert_no_error (error);
  text = rules_text (again, "red");
  g_assert_cmpstr (text, ==, "deny proto tcp from carol port 22; deny proto 0x88cc dst 10.77.0.0/24; allow to bob");
  g_clear_pointer (&text, g_free);
  g_assert_true (test_store_vlan_del (again, "red", &error));
  add_vlan (again, "red");
  text = rules_text (again, "red");
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);
  text = rules_text (again, "blue");
  g_assert_cmpstr (text, ==, "deny");
}

static gboolean
user_bridge (ServalStore *store, const char *name)
{
  g_autoptr(GPtrArray) users = serval_store_user_list (store, NULL);

  for (guint i = 0; i < users->len; i++)
    if (g_str_equal (((ServalUser *) users->pdata[i])->name, name))
      {
        gboolean bridge = ((ServalUser *) users->pdata[i])->bridge;

        ServalUserRecord record;
        ServalCredentials cred;

        /* The one-user read the server makes at each login says the same. */
        g_assert_true (serval_store_user_read (store, name, &cred, &record, NULL));
        serval_credentials_clear (&cred);
        g_assert_cmpint (record.bridge, ==, bridge);
        return bridge;
      }
  g_assert_not_reached ();
}

static void
test_bridge (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) again = NULL;
  ServalCredentials cred;
  gboolean admin = FALSE;

  add_users (f->store, "alice", "bob", NULL);
  g_assert_false (user_bridge (f->store, "alice"));
  g_assert_true (set_bridge (f->store, "alice", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (user_bridge (f->store, "alice"));
  g_assert_false (user_bridge (f->store, "bob"));

  /* A new password keeps the right, and the right keeps the password. */
  g_assert_true (serval_credentials_make (&cred, (const guint8 *) "new", 3, ITER, NULL));
  g_assert_true (test_store_user_set_credentials (f->store, "alice", &cred, &error));
  g_assert_true (user_bridge (f->store, "alice"));
  serval_credentials_clear (&cred);
  g_assert_true (serval_store_user_get (f->store, "alice", &cred, &admin, &error));
  g_assert_true (serval_credentials_verify (&cred, (const guint8 *) "new", 3));
  g_assert_false (admin);

  g_assert_false (set_bridge (f->store, "carol", TRUE, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_clear_error (&error);

  g_clear_object (&f->store);
  again = test_store_reopen (f, &error);
  g_assert_no_error (error);
  g_assert_true (user_bridge (again, "alice"));
  g_assert_true (set_bridge (again, "alice", FALSE, &error));
  g_assert_false (user_bridge (again, "alice"));
}

static gboolean
set_rate_limit (ServalStore *store, const char *user, guint64 rate, GError **error)
{
  ServalStoreWrite w = { .kind = SERVAL_STORE_USER_SET_RATE_LIMIT, .user = user, .rate_limit = rate };

  return serval_store_write_sync (store, &w, NULL, error);
}

/* @name's rate limit, as the user list and the login's read both say it. */
static guint64
user_rate_limit (ServalStore *store, const char *name)
{
  g_autoptr(GPtrArray) users = serval_store_user_list (store, NULL);
  ServalUserRecord record;
  ServalCredentials cred;
  guint64 listed = G_MAXUINT64;

  for (guint i = 0; i < users->len; i++)
    if (g_str_equal (((ServalUser *) users->pdata[i])->name, name))
      listed = ((ServalUser *) users->pdata[i])->rate_limit;
  g_assert_true (serval_store_user_read (store, name, &cred, &record, NULL));
  serval_credentials_clear (&cred);
  g_assert_cmpuint (record.rate_limit, ==, listed);
  return listed;
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) again = NULL;
  ServalUserRecord record;
  ServalCredentials cred;

  add_users (f->store, "alice", "bob", NULL);
  g_assert_cmpuint (user_rate_limit (f->store, "alice"), ==, 0);
  g_assert_true (set_rate_limit (f->store, "alice", 10000000, &error));
  g_assert_no_error (error);
  g_assert_true (set_bridge (f->store, "alice", TRUE, &error));
  g_assert_cmpuint (user_rate_limit (f->store, "alice"), ==, 10000000);
  g_assert_cmpuint (user_rate_limit (f->store, "bob"), ==, 0);

  /* One read: the password, the admin flag, the bridge right and the limit. */
  g_assert_true (serval_store_user_read (f->store, "alice", &cred, &record, &error));
  g_assert_true (serval_credentials_verify (&cred, (const guint8 *) "pw", 2));
  serval_credentials_clear (&cred);
  g_assert_false (record.admin);
  g_assert_true (record.bridge);
  g_assert_cmpuint (record.rate_limit, ==, 10000000);
  g_assert_false (serval_store_user_read (f->store, "carol", &cred, &record, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_clear_error (&error);

  /* A new password keeps the limit. */
  g_assert_true (serval_credentials_make (&cred, (const guint8 *) "new", 3, ITER, NULL));
  g_assert_true (test_store_user_set_credentials (f->store, "alice", &cred, &error));
  serval_credentials_clear (&cred);
  g_assert_cmpuint (user_rate_limit (f->store, "alice"), ==, 10000000);

  /* Errors: no such user, a limit past what the protocol carries. */
  g_assert_false (set_rate_limit (f->store, "carol", 1000, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_clear_error (&error);
  g_assert_false (set_rate_limit (f->store, "bob", SERVAL_STORE_MAX_RATE_LIMIT + 1, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (user_rate_limit (f->store, "bob"), ==, 0);

  g_clear_object (&f->store);
  again = test_store_reopen (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (user_rate_limit (again, "alice"), ==, 10000000);
  g_assert_true (set_rate_limit (again, "alice", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (user_rate_limit (again, "alice"), ==, 0);
  g_assert_true (user_bridge (again, "alice"));
}

/* The same user and MAC get the same address back; a released address
 * goes to someone else only when none was never leased. */
static void
test_lease_stable (Fixture *f, gconstpointer data)
{
  g_autoptr(ServalStore) again = NULL;
  g_autoptr(GError) error = NULL;

  add_users (f->store, "alice", "bob", NULL);
  add_leasing_vlan (f->store, "red", "10.77.0.0/24");
  assert_lease (f->store, "red", "alice", 1, "10.77.0.2/24");
  assert_lease (f->store, "red", "alice", 1, "10.77.0.2/24");
  assert_lease (f->store, "red", "bob", 2, "10.77.0.3/24");
  assert_lease (f->store, "red", "alice", 3, "10.77.0.4/24");
  release (f->store, "red", "alice", 1);
  release (f->store, "red", "alice", 1); /* again: not an error */
  release (f->store, "red", "carol", 9); /* never leased: not an error */
  assert_leases (f->store, "red", "10.77.0.2/24 alice 1 released; 10.77.0.3/24 bob 2; 10.77.0.4/24 alice 3");
  assert_lease (f->store, "red", "bob", 5, "10.77.0.5/24");
  assert_lease (f->store, "red", "alice", 1, "10.77.0.2/24");

  g_clear_object (&f->store);
  again = test_store_reopen (f, &error);
  g_assert_no_error (error);
  release (again, "red", "bob", 2);
  assert_lease (again, "red", "bob", 2, "10.77.0.3/24");
  assert_leases (again, "red", "10.77.0.2/24 alice 1; 10.77.0.3/24 bob 2; 10.77.0.4/24 alice 3; 10.77.0.5/24 bob 5");
}

static void
test_lease_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  add_user (f->store, "alice");
  add_vlan (f->store, "red");
  g_assert_null (lease (f->store, "red", "alice", 1, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "servalctl vlan set red --subnet"));
  g_clear_error (&error);
  g_assert_null (lease (f->store, "green", "alice", 1, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_error (&error);
  set_subnet (f->store, "red", "10.77.0.0/24");
  g_assert_null (lease (f->store, "red", "nobody", 1, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_USER);
  g_clear_error (&error);
  g_assert_null (serval_store_lease_list (f->store, "green", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
}

/* A /30 has two host addresses, and the first is the server's: one to lease. */
static void
test_lease_full (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  add_users (f->store, "alice", "bob", NULL);
  add_leasing_vlan (f->store, "red", "10.77.0.0/30");
  assert_lease (f->store, "red", "alice", 1, "10.77.0.2/30");
  g_assert_null (lease (f->store, "red", "bob", 2, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "VLAN “red”"));
  g_assert_nonnull (strstr (error->message, "all 1 of its subnet 10.77.0.0/30 are in use"));
  g_assert_nonnull (strstr (error->message, "servalctl vlan set red --subnet 10.77.0.0/29"));
  g_clear_error (&error);
  /* Released, it goes to bob; then alice finds it taken. */
  release (f->store, "red", "alice", 1);
  assert_lease (f->store, "red", "bob", 2, "10.77.0.2/30");
  g_assert_null (lease (f->store, "red", "alice", 1, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL);
  assert_leases (f->store, "red", "10.77.0.2/30 bob 2");
}

/* With no address never leased, the one released longest ago is taken back. */
static void
test_lease_reclaim (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *users[] = { "u1", "u2", "u3", "u4", "u5", "u6", "u7" };

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    add_user (f->store, users[i]);
  add_leasing_vlan (f->store, "red", "10.77.0.8/29"); /* .10 to .14 */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *want = g_strdup_printf ("10.77.0.%u/29", 10 + i);

      assert_lease (f->store, "red", users[i], i, want);
    }
  release (f->store, "red", "u3", 2);
  release (f->store, "red", "u1", 0);
  assert_lease (f->store, "red", "u6", 6, "10.77.0.12/29");
  assert_lease (f->store, "red", "u7", 7, "10.77.0.10/29");
  g_assert_null (lease (f->store, "red", "u1", 0, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL);
  assert_leases (f->store, "red",
                 "10.77.0.10/29 u7 7; 10.77.0.11/29 u2 1; 10.77.0.12/29 u6 6; 10.77.0.13/29 u4 3; 10.77.0.14/29 u5 4");
}

/* The address that the lease of @result (test_async_results_cb()) got:
 * in a race, every lease must succeed. */
static char *
race_address (GAsyncResult *result)
{
  g_autoptr(GObject) store = g_async_result_get_source_object (result);
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalLease) l = serval_store_lease_finish (SERVAL_STORE (store), result, &error);

  g_assert_no_error (error);
  return g_steal_pointer (&l->address);
}

/* Leases for @n users with two MACs each, on @a and @b alternately, all at once. */
static void
assert_race_unique (ServalStore *a, ServalStore *b, guint n)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n; i++)
    for (guint m = 0; m < 2; m++)
      {
        g_autofree char *user = g_strdup_printf ("u%u", i);
        guint8 mac[6];

        mac_of (mac, i * 2 + m);
        serval_store_lease_async ((i + m) % 2 ? b : a, "red", user, mac, NULL, test_async_results_cb, results);
      }
  test_async_wait_all (results, 2 * n);
  for (guint i = 0; i < results->len; i++)
    {
      char *addr = race_address (results->pdata[i]);

      g_assert_true (g_str_has_prefix (addr, "10.77.0.") && g_str_has_suffix (addr, "/24"));
      g_assert_cmpstr (addr, !=, "10.77.0.0/24");
      g_assert_cmpstr (addr, !=, "10.77.0.1/24");
      g_assert_cmpstr (addr, !=, "10.77.0.255/24");
      g_assert_false (g_hash_table_contains (seen, addr));
      g_hash_table_add (seen, addr);
    }
}

static void
test_lease_unique (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) leases = NULL;
  const guint n = 60;

  add_numbered_users (f->store, n);
  add_leasing_vlan (f->store, "red", "10.77.0.0/24");
  assert_race_unique (f->store, f->store, n);
  leases = serval_store_lease_list (f->store, "red", NULL);
  g_assert_cmpuint (leases->len, ==, 2 * n);
}

/* Leases go with their subnet, their VLAN and their user. */
static void
test_lease_dropped (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  add_users (f->store, "alice", "bob", NULL);
  add_leasing_vlan (f->store, "red", "10.77.0.0/24");
  add_leasing_vlan (f->store, "blue", "10.88.0.0/24");
  assert_lease (f->store, "red", "alice", 1, "10.77.0.2/24");
  assert_lease (f->store, "red", "bob", 2, "10.77.0.3/24");
  assert_lease (f->store, "red", "alice", 3, "10.77.0.4/24");
  assert_lease (f->store, "red", "bob", 4, "10.77.0.5/24");
  assert_lease (f->store, "blue", "alice", 1, "10.88.0.2/24");

  /* The prefix alone, or the same subnet again, keeps them; a smaller one keeps what it holds. */
  g_assert_true (set_addresses (f->store, "red", NULL, "fd00:77::/64", &error));
  set_subnet (f->store, "red", "10.77.0.0/24");
  set_subnet (f->store, "red", "10.77.0.0/29");
  assert_leases (f->store, "red", "10.77.0.2/29 alice 1; 10.77.0.3/29 bob 2; 10.77.0.4/29 alice 3; 10.77.0.5/29 bob 4");
  set_subnet (f->store, "red", "10.77.0.0/30");
  assert_leases (f->store, "red", "10.77.0.2/30 alice 1");
  /* An address that is the new subnet's server's goes too. */
  set_subnet (f->store, "red", "10.77.0.0/24");
  assert_lease (f->store, "red", "bob", 2, "10.77.0.3/24");
  set_subnet (f->store, "red", "10.99.0.0/24");
  assert_leases (f->store, "red", "");
  assert_lease (f->store, "red", "bob", 2, "10.99.0.2/24");
  set_subnet (f->store, "red", "");
  assert_leases (f->store, "red", "");
  assert_leases (f->store, "blue", "10.88.0.2/24 alice 1");

  /* A user's leases go with them, in every VLAN. */
  set_subnet (f->store, "red", "10.99.0.0/24");
  assert_lease (f->store, "red", "alice", 1, "10.99.0.2/24");
  assert_lease (f->store, "red", "bob", 2, "10.99.0.3/24");
  assert_lease (f->store, "blue", "bob", 2, "10.88.0.3/24");
  g_assert_true (test_store_user_del (f->store, "bob", &error));
  g_assert_no_error (error);
  assert_leases (f->store, "red", "10.99.0.2/24 alice 1");
  assert_leases (f->store, "blue", "10.88.0.2/24 alice 1");
  add_user (f->store, "bob");
  assert_lease (f->store, "red", "bob", 7, "10.99.0.3/24");

  /* A VLAN's leases go with it: a new VLAN of that name starts empty. */
  g_assert_true (test_store_vlan_del (f->store, "red", &error));
  g_assert_no_error (error);
  add_leasing_vlan (f->store, "red", "10.99.0.0/24");
  assert_leases (f->store, "red", "");
  assert_lease (f->store, "red", "bob", 7, "10.99.0.2/24");
  assert_leases (f->store, "blue", "10.88.0.2/24 alice 1");
}

/* More leases dropped than one etcd transaction can delete one by one: a
 * subnet made smaller, and a user with many MACs (a bridge) deleted. */
static void
test_lease_many (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leases = NULL;
  const guint n = 60;

  add_numbered_users (f->store, n);
  add_user (f->store, "big");
  add_leasing_vlan (f->store, "red", "10.77.0.0/24");
  assert_race_unique (f->store, f->store, n);
  set_subnet (f->store, "red", "10.77.0.0/28");
  leases = serval_store_lease_list (f->store, "red", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (leases->len, <=, 13);
  for (guint i = 0; i < leases->len; i++)
    g_assert_true (g_str_has_suffix (((ServalLease *) leases->pdata[i])->address, "/28"));
  g_clear_pointer (&leases, g_ptr_array_unref);

  /* One user holds every address of a /26; deleted, they hold none. */
  set_subnet (f->store, "red", "10.88.0.0/26");
  assert_leases (f->store, "red", "");
  for (guint i = 0; i < 61; i++)
    {
      g_autofree char *got = lease (f->store, "red", "big", i, &error);

      g_assert_no_error (error);
    }
  g_assert_null (lease (f->store, "red", "u0", 100, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL);
  g_clear_error (&error);
  g_assert_true (test_store_user_del (f->store, "big", &error));
  g_assert_no_error (error);
  assert_leases (f->store, "red", "");
  for (guint i = 0; i < 61; i++)
    {
      g_autofree char *user = g_strdup_printf ("u%u", i % n);
      g_autofree char *got = lease (f->store, "red", user, 1000 + i, &error);

      g_assert_no_error (error);
      g_assert_nonnull (got);
    }
  g_assert_null (lease (f->store, "red", "u0", 100, &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL);
}

/* --- SQLite: a database of schema version 1 upgraded in place ------------------------ */

static void
run_sql (const char *path, const char *sql)
{
  sqlite3 *db;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

/* The first column of @sql's first row, on a connection of its own. */
static int
first_int (const char *path, const char *sql)
{
  sqlite3 *db;
  sqlite3_stmt *s;
  int v;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &s, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  v = sqlite3_column_int (s, 0);
  sqlite3_finalize (s);
  sqlite3_close (db);
  return v;
}

static int
user_version (const char *path)
{
  return first_int (path, "PRAGMA user_version");
}

/* What a Serval before issue 14 made (serval-store-sqlite.c, schema version 1), with data. */
static const char schema_1[] =
    "CREATE TABLE users (name TEXT PRIMARY KEY NOT NULL, iterations INTEGER NOT NULL, salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL, admin INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE vlans (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL);"
    "CREATE TABLE rights (user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    "  vlan INTEGER NOT NULL REFERENCES vlans(id) ON DELETE CASCADE, PRIMARY KEY (user, vlan));"
    "PRAGMA user_version = 1;"
    "CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);"
    "INSERT INTO users VALUES ('alice', 1000, zeroblob(16), zeroblob(32), 1);"
    "INSERT INTO users VALUES ('bob', 1000, zeroblob(16), zeroblob(32), 0);"
    "INSERT INTO vlans (name) VALUES ('red'), ('blue');"
    "INSERT INTO rights VALUES ('alice', 1), ('bob', 2);"
    "INSERT INTO secrets VALUES ('token-key', x'0102030405060708');";

/* What issue 14's first Serval made (schema version 2): users with the bridge
 * right, no rate limit. */
static const char schema_2[] =
    "ALTER TABLE vlans ADD COLUMN subnet TEXT;"
    "ALTER TABLE vlans ADD COLUMN prefix6 TEXT;"
    "ALTER TABLE users ADD COLUMN bridge INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE rules (vlan INTEGER NOT NULL REFERENCES vlans(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (vlan, position));"
    "CREATE TABLE leases (vlan INTEGER NOT NULL REFERENCES vlans(id) ON DELETE CASCADE,"
    "  address INTEGER NOT NULL, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    "  mac BLOB NOT NULL, released INTEGER NOT NULL DEFAULT 0, UNIQUE (vlan, address), UNIQUE (vlan, user, mac));"
    "UPDATE users SET bridge = 1 WHERE name = 'bob';"
    "PRAGMA user_version = 2;";

/* A SQLite store an older Serval made, opened (and so upgraded) by this one. */
typedef struct
{
  char *path;
  ServalStore *store;
} OldStore;

/* @version: the schema version (1 or 2) the older Serval made. */
static void
old_store_setup (OldStore *o, gconstpointer version)
{
  static const char *const schemas[] = { schema_1, schema_2 };
  g_autoptr(GError) error = NULL;

  o->path = test_tmp_file_path ("serval-upgrade-XXXXXX", "serval.db");
  for (int i = 0; i < GPOINTER_TO_INT (version); i++)
    run_sql (o->path, schemas[i]);
  g_assert_cmpint (user_version (o->path), ==, GPOINTER_TO_INT (version));
  o->store = serval_store_open_sqlite (o->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (user_version (o->path), ==, 3);
}

static void
old_store_teardown (OldStore *o, gconstpointer version)
{
  g_clear_object (&o->store);
  test_tmp_file_path_free (o->path);
}

/* The store closed and opened again, as after a restart. */
static void
old_store_reopen (OldStore *o)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&o->store);
  o->store = serval_store_open_sqlite (o->path, &error);
  g_assert_no_error (error);
}

/* A VLAN changed through another connection to the file (another server, or
 * servalctl's offline commands) is read anew: the statements the store keeps
 * for its VLAN reads hold no read open between two reads (issue 17). */
static void
test_sqlite_kept_fresh (void)
{
  char *path = test_tmp_file_path ("serval-kept-XXXXXX", "serval.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) reader = serval_store_open_sqlite (path, &error);
  g_autoptr(ServalStore) writer = NULL;
  g_autoptr(ServalVlan) v = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  add_vlan (reader, "red");
  for (int round = 0; round < 2; round++)
    {
      v = serval_store_vlan_get (reader, "red", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (v->subnet, ==, round == 0 ? NULL : "10.77.0.0/24");
      g_assert_cmpuint (v->rules->len, ==, round);
      g_clear_pointer (&v, serval_vlan_free);
      /* No read left open: a checkpoint of the whole log is not kept waiting (busy 0). */
      g_assert_cmpint (first_int (path, "PRAGMA wal_checkpoint(TRUNCATE)"), ==, 0);
      if (round == 1)
        break;
      writer = serval_store_open_sqlite (path, &error);
      g_assert_no_error (error);
      g_assert_true (set_addresses (writer, "red", "10.77.0.0/24", NULL, &error));
      g_assert_true (rule_add (writer, "red", "deny proto tcp port 22", &error));
      g_assert_no_error (error);
    }
  text = rules_text (reader, "red");
  g_assert_cmpstr (text, ==, "deny proto tcp port 22");
  g_assert_null (serval_store_vlan_get (reader, "blue", &error));
  g_assert_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_VLAN);
  g_clear_object (&writer);
  g_clear_object (&reader);
  test_tmp_file_path_free (path);
}

static void
test_sqlite_upgrade (OldStore *o, gconstpointer version)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = NULL;
  guint8 secret[8];
  ServalCredentials cred;
  gboolean admin = FALSE;
  guint32 tag = 0;

  /* What was there is kept. */
  g_assert_true (serval_store_user_get (o->store, "alice", &cred, &admin, &error));
  g_assert_true (admin);
  g_assert_cmpuint (cred.iterations, ==, 1000);
  g_assert_true (serval_store_vlan_lookup (o->store, "blue", &tag, &error));
  g_assert_cmpuint (tag, ==, 2);
  g_assert_true (serval_store_has_right (o->store, "alice", "red"));
  g_assert_true (serval_store_has_right (o->store, "bob", "blue"));
  g_assert_false (serval_store_has_right (o->store, "bob", "red"));
  g_assert_true (serval_store_secret (o->store, "token-key", secret, sizeof secret, &error));
  g_assert_cmpuint (secret[7], ==, 8);
  g_assert_false (user_bridge (o->store, "alice"));
  g_assert_cmpuint (user_rate_limit (o->store, "alice"), ==, 0);
  vlans = serval_store_vlan_list (o->store, &error);
  g_assert_cmpuint (vlans->len, ==, 2);
  g_assert_null (((ServalVlan *) vlans->pdata[1])->subnet);
  g_assert_cmpuint (((ServalVlan *) vlans->pdata[1])->rules->len, ==, 0);

  /* And the new parts work, and stay across a reopen, which upgrades nothing. */
  set_subnet (o->store, "red", "10.77.0.0/24");
  g_assert_true (rule_add (o->store, "red", "deny proto udp port 53", &error));
  g_assert_true (set_bridge (o->store, "bob", TRUE, &error));
  g_assert_no_error (error);
  assert_lease (o->store, "red", "alice", 1, "10.77.0.2/24");
  old_store_reopen (o);
  assert_leases (o->store, "red", "10.77.0.2/24 alice 1");
  g_assert_true (user_bridge (o->store, "bob"));
  g_assert_true (set_rate_limit (o->store, "bob", 500000, &error));
  g_assert_cmpuint (user_rate_limit (o->store, "bob"), ==, 500000);
  g_assert_true (test_store_vlan_del (o->store, "red", &error));
  g_assert_true (test_store_user_del (o->store, "alice", &error));
  g_assert_no_error (error);
}

static void
test_sqlite_upgrade_2 (OldStore *o, gconstpointer version)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (user_bridge (o->store, "bob"));
  g_assert_cmpuint (user_rate_limit (o->store, "bob"), ==, 0);
  g_assert_true (set_rate_limit (o->store, "bob", 1000000, &error));
  g_assert_no_error (error);
  old_store_reopen (o);
  g_assert_cmpuint (user_rate_limit (o->store, "bob"), ==, 1000000);
  g_assert_true (user_bridge (o->store, "bob"));
}

/* --- etcd: two nodes on one etcd ------------------------------------------------------ */

typedef struct
{
  ServalStore *store;
  guint n;
  gboolean subnet; /* and red's subnet */
} UsersSeen;

static gboolean
users_seen (gpointer data)
{
  UsersSeen *u = data;
  g_autoptr(ServalVlan) red = serval_store_vlan_get (u->store, "red", NULL);

  return serval_store_user_count (u->store) >= u->n && red != NULL && (!u->subnet || red->subnet != NULL);
}

/* Two nodes leasing at once never give out one address, nor two to one user and MAC. */
static void
test_etcd_race (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) node2 = test_store_reopen (f, &error);
  const guint n = 40;
  g_autoptr(GPtrArray) same = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_no_error (error);
  add_numbered_users (f->store, n);
  add_leasing_vlan (f->store, "red", "10.77.0.0/24");
  g_assert_true (test_iterate_until (users_seen, &(UsersSeen){ node2, n, TRUE }));
  assert_race_unique (f->store, node2, n);

  /* The same user and MAC on both nodes at once: one address. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *user = g_strdup_printf ("u%u", i);
      guint8 mac[6];

      mac_of (mac, 1000 + i);
      serval_store_lease_async (f->store, "red", user, mac, NULL, test_async_results_cb, same);
      serval_store_lease_async (node2, "red", user, mac, NULL, test_async_results_cb, same);
    }
  test_async_wait_all (same, 20);
  {
    g_autoptr(GHashTable) distinct = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) leases = NULL;

    for (guint i = 0; i < same->len; i++)
      g_hash_table_add (distinct, race_address (same->pdata[i]));
    leases = serval_store_lease_list (f->store, "red", NULL);
    g_assert_cmpuint (leases->len, ==, 2 * n + 10);
    g_assert_cmpuint (g_hash_table_size (distinct), ==, 10);
  }
}

typedef struct
{
  guint vlans, users;
  guint tag;
} Changed;

static void
vlan_changed_cb (ServalStore *store, const char *vlan, guint tag, Changed *c)
{
  g_assert_cmpstr (vlan, ==, "red");
  c->vlans++;
  c->tag = tag;
}

static void
user_changed_cb (ServalStore *store, const char *user, Changed *c)
{
  g_assert_cmpstr (user, ==, "alice");
  c->users++;
}

static void
watch_changes (ServalStore *store, Changed *c)
{
  g_signal_connect (store, "vlan-changed", G_CALLBACK (vlan_changed_cb), c);
  g_signal_connect (store, "user-changed", G_CALLBACK (user_changed_cb), c);
}

/* A change made on one node is told on the other ("vlan-changed",
 * "user-changed"), and never on the node that made it. */
static void
test_etcd_changed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) node2 = test_store_reopen (f, &error);
  Changed c1 = { 0 }, c2 = { 0 };
  g_autofree char *text = NULL;
  guint32 tag = 0;

  g_assert_no_error (error);
  watch_changes (f->store, &c1);
  watch_changes (node2, &c2);
  add_user (f->store, "alice");
  g_assert_true (test_store_vlan_add (f->store, "red", &tag, &error));
  g_assert_true (test_iterate_until (users_seen, &(UsersSeen){ node2, 1, FALSE }));
  g_assert_cmpuint (c2.vlans + c2.users, ==, 0); /* an addition is no change */

  set_subnet (f->store, "red", "10.77.0.0/24");
  g_assert_true (test_iterate_until_count (&c2.vlans, 1));
  g_assert_cmpuint (c2.tag, ==, tag);
  g_assert_true (rule_add (f->store, "red", "deny proto tcp port 22", &error));
  g_assert_true (test_iterate_until_count (&c2.vlans, 2));
  text = rules_text (node2, "red");
  g_assert_cmpstr (text, ==, "deny proto tcp port 22");
  g_assert_true (set_bridge (f->store, "alice", TRUE, &error));
  g_assert_true (test_iterate_until_count (&c2.users, 1));
  g_assert_true (user_bridge (node2, "alice"));
  g_assert_true (set_rate_limit (f->store, "alice", 250000, &error));
  g_assert_true (test_iterate_until_count (&c2.users, 2));
  g_assert_cmpuint (user_rate_limit (node2, "alice"), ==, 250000);

  /* A lease is no change of the VLAN's. */
  assert_lease (node2, "red", "alice", 1, "10.77.0.2/24");
  g_assert_true (rule_del (node2, "red", 1, &error));
  g_assert_no_error (error);
  g_assert_true (test_iterate_until_count (&c1.vlans, 1));
  g_assert_cmpuint (c1.users, ==, 0);
  g_assert_cmpuint (c2.vlans, ==, 2);
  g_assert_cmpuint (c2.users, ==, 2);
}

static void
test_etcd_missing (void)
{
  g_test_fail_printf ("No etcd: run through “meson test” (tests/etcd/with-etcd.sh starts one), or set SERVAL_TEST_ETCD");
}

int
main (int argc, char **argv)
{
  static const TestStoreCase tests[] = {
    { "addresses", test_addresses },
    { "rules", test_rules },
    { "bridge", test_bridge },
    { "rate-limit", test_rate_limit },
    { "lease-stable", test_lease_stable },
    { "lease-errors", test_lease_errors },
    { "lease-full", test_lease_full },
    { "lease-reclaim", test_lease_reclaim },
    { "lease-unique", test_lease_unique },
    { "lease-dropped", test_lease_dropped },
    { "lease-many", test_lease_many },
  };

  g_test_init (&argc, &argv, NULL);
  test_store_add_cases ("/server/store-net", tests, G_N_ELEMENTS (tests));
  g_test_add ("/server/store-net/sqlite/upgrade", OldStore, GINT_TO_POINTER (1), old_store_setup, test_sqlite_upgrade,
              old_store_teardown);
  g_test_add ("/server/store-net/sqlite/upgrade-2", OldStore, GINT_TO_POINTER (2), old_store_setup,
              test_sqlite_upgrade_2, old_store_teardown);
  g_test_add_func ("/server/store-net/sqlite/kept-fresh", test_sqlite_kept_fresh);
  if (test_store_etcd () != NULL)
    {
      test_store_add ("/server/store-net/etcd/race", "etcd", test_etcd_race);
      test_store_add ("/server/store-net/etcd/changed", "etcd", test_etcd_changed);
    }
  else
    g_test_add_func ("/server/store-net/etcd/missing", test_etcd_missing);
  return g_test_run ();
}
