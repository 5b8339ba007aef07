/* test-cluster.c: the cluster's registry (server/serval-cluster.h) against
 * the real etcd in $SERVAL_TEST_ETCD (tests/etcd/with-etcd.sh starts one):
 * two nodes in one process see each other and each other's members, a
 * foreign certificate and a taken name are refused, and a node that stops
 * keeping its lease alive disappears from the others.
 *
 * The tests share that etcd: each names its nodes after itself and uses
 * VLAN tags of its own, and counts only the events about its own nodes.
 *
 * With $SERVAL_TEST_ETCD_CTL (tests/etcd/test-cluster-quorum.sh), the etcd
 * is a cluster of three that the test can kill members of: the quorum test
 * runs, and only it.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "serval-cluster.h"
#include "serval-etcd.h"
#include "test-async.h"

#define FINGERPRINT "5E:24:AA:01:9C:3D:70:11"
#define TTL         2

typedef struct
{
  char *node; /* the node whose news count */
  guint node_added, node_removed;
  guint member_added, member_updated, member_removed;
  guint32 tag;
  char *vlan;
  ServalMember *member;
} Events;

static void
events_clear (Events *ev)
{
  g_free (ev->node);
  g_free (ev->vlan);
  g_clear_object (&ev->member);
}

static void
node_added_cb (ServalCluster *c, ServalNodeInfo *info, Events *ev)
{
  if (g_strcmp0 (info->name, ev->node) == 0)
    ev->node_added++;
}

static void
node_removed_cb (ServalCluster *c, const char *name, Events *ev)
{
  if (g_strcmp0 (name, ev->node) == 0)
    ev->node_removed++;
}

static void
member_cb (ServalCluster *c, guint tag, const char *vlan, ServalMember *m, Events *ev, guint *count)
{
  if (g_strcmp0 (serval_member_get_node (m), ev->node) != 0)
    return;
  ev->tag = tag;
  g_free (ev->vlan);
  ev->vlan = g_strdup (vlan);
  g_set_object (&ev->member, m);
  (*count)++;
}

static void
member_added_cb (ServalCluster *c, guint tag, const char *vlan, ServalMember *m, Events *ev)
{
  member_cb (c, tag, vlan, m, ev, &ev->member_added);
}

static void
member_updated_cb (ServalCluster *c, guint tag, const char *vlan, ServalMember *m, Events *ev)
{
  member_cb (c, tag, vlan, m, ev, &ev->member_updated);
}

static void
member_removed_cb (ServalCluster *c, guint tag, const char *vlan, ServalMember *m, Events *ev)
{
  member_cb (c, tag, vlan, m, ev, &ev->member_removed);
}

/* Counts in @ev what @c hears about node @node. */
static void
listen_for (ServalCluster *c, Events *ev, const char *node)
{
  ev->node = g_strdup (node);
  g_signal_connect (c, "node-added", G_CALLBACK (node_added_cb), ev);
  g_signal_connect (c, "node-removed", G_CALLBACK (node_removed_cb), ev);
  g_signal_connect (c, "member-added", G_CALLBACK (member_added_cb), ev);
  g_signal_connect (c, "member-updated", G_CALLBACK (member_updated_cb), ev);
  g_signal_connect (c, "member-removed", G_CALLBACK (member_removed_cb), ev);
}

/* "NAME-PID": etcd outlives no test run, but names stay apart anyway. */
static char *
node_name (const char *name)
{
  return g_strdup_printf ("%s-%d", name, (int) getpid ());
}

/* Starts node @name; NULL with @error if the start failed. */
static ServalCluster *
start_node (const char *name, const char *fingerprint, GError **error)
{
  static const char *const advertise[] = { "198.51.100.7:4433", "[2001:db8::7]:4433", NULL };
  g_autofree char *peer = g_strdup_printf ("%s.example:7443", name);
  g_autoptr(ServalCluster) c = serval_cluster_new (g_getenv ("SERVAL_TEST_ETCD"), name, advertise, peer, fingerprint,
                                                    TTL, error);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (c);
  g_assert_cmpint (serval_cluster_get_state (c), ==, SERVAL_CLUSTER_STARTING);
  serval_cluster_start_async (c, NULL, test_async_result_cb, &result);
  if (!serval_cluster_start_finish (c, test_async_wait (&result), error))
    return NULL;
  g_assert_cmpint (serval_cluster_get_state (c), ==, SERVAL_CLUSTER_OK);
  return g_steal_pointer (&c);
}

/* Starts node @name with the cluster's certificate, which must work. */
static ServalCluster *
start_ok (const char *name)
{
  g_autoptr(GError) error = NULL;
  ServalCluster *c = start_node (name, FINGERPRINT, &error);

  g_assert_no_error (error);
  return c;
}

static ServalMember *
new_member (const char *user, guint8 last, const char *address)
{
  const guint8 mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, last };
  const char *addresses[] = { address, "fe80::1", NULL };

  return serval_member_new (user, "laptop", mac, addresses, NULL, 1700000000);
}

static gboolean
has_node (ServalCluster *c, const char *name)
{
  g_autoptr(GPtrArray) nodes = serval_cluster_get_nodes (c);

  for (guint i = 0; i < nodes->len; i++)
    if (strcmp (((ServalNodeInfo *) nodes->pdata[i])->name, name) == 0)
      return TRUE;
  return FALSE;
}

typedef struct
{
  ServalCluster *c;
  const char *name;
} HasNode;

static gboolean
sees_node (gpointer data)
{
  HasNode *h = data;

  return has_node (h->c, h->name);
}

/* Two nodes, a and b, started in that order, and what b hears about a. */
typedef struct
{
  GMainContext *context; /* the test's own */
  char *a_name, *b_name;
  ServalCluster *a, *b;
  Events ev;
} TwoNodes;

/* @data: the test's name for its nodes ("dir": "dir-a-PID" and "dir-b-PID"). */
static void
two_nodes_setup (TwoNodes *t, gconstpointer data)
{
  g_autofree char *a = g_strconcat (data, "-a", NULL), *b = g_strconcat (data, "-b", NULL);

  t->context = test_context_push ();
  t->a_name = node_name (a);
  t->b_name = node_name (b);
  t->a = start_ok (t->a_name);
  t->b = start_ok (t->b_name);
  listen_for (t->b, &t->ev, t->a_name);
}

static void
two_nodes_teardown (TwoNodes *t, gconstpointer data)
{
  g_clear_object (&t->b);
  g_clear_object (&t->a);
  events_clear (&t->ev);
  g_free (t->a_name);
  g_free (t->b_name);
  test_context_pop (t->context);
}

/* Adds the test @path: @func on two nodes named after @nodes. */
static void
two_nodes_add (const char *path, const char *nodes, void (*func) (TwoNodes *t, gconstpointer data))
{
  g_test_add (path, TwoNodes, nodes, two_nodes_setup, func, two_nodes_teardown);
}

static void
test_directory (TwoNodes *t, gconstpointer data)
{
  g_autoptr(ServalMember) m = new_member ("alice", 1, "10.7.0.5");
  g_autoptr(ServalMember) moved = new_member ("alice", 1, "10.7.0.6");
  g_autoptr(GPtrArray) nodes = NULL, members = NULL;
  HasNode a_sees_b = { t->a, t->b_name };
  ServalNodeInfo *info = NULL;

  /* b read a's key at start; a hears of b through its watch. */
  g_assert_true (has_node (t->b, t->a_name) && has_node (t->b, t->b_name));
  g_assert_true (test_iterate_until (sees_node, &a_sees_b));
  nodes = serval_cluster_get_nodes (t->b);
  for (guint i = 0; i < nodes->len; i++)
    {
      g_assert_true (i == 0 || strcmp (((ServalNodeInfo *) nodes->pdata[i - 1])->name,
                                       ((ServalNodeInfo *) nodes->pdata[i])->name) < 0);
      if (strcmp (((ServalNodeInfo *) nodes->pdata[i])->name, t->a_name) == 0)
        info = serval_node_info_copy (nodes->pdata[i]);
    }
  g_assert_nonnull (info);
  g_assert_cmpstr (info->advertise[0], ==, "198.51.100.7:4433");
  g_assert_cmpstr (info->advertise[1], ==, "[2001:db8::7]:4433");
  g_assert_null (info->advertise[2]);
  g_assert_true (g_str_has_suffix (info->peer, ".example:7443"));
  g_assert_cmpint (info->since, >, 1700000000);
  serval_node_info_free (info);

  serval_member_set_services (m, (const char *const[]){ "https:8443/admin", NULL });
  serval_cluster_publish_member (t->a, 101, "red", m);
  g_assert_true (test_iterate_until_count (&t->ev.member_added, 1));
  g_assert_cmpuint (t->ev.tag, ==, 101);
  g_assert_cmpstr (t->ev.vlan, ==, "red");
  members = serval_cluster_get_members (t->b, 101);
  g_assert_cmpuint (members->len, ==, 1);
  g_assert_cmpstr (serval_member_get_user (members->pdata[0]), ==, "alice");
  g_assert_cmpstr (serval_member_get_host (members->pdata[0]), ==, "laptop");
  g_assert_cmpstr (serval_member_get_mac (members->pdata[0]), ==, "02:00:5e:10:00:01");
  g_assert_cmpstr (serval_member_get_addresses (members->pdata[0])[0], ==, "10.7.0.5");
  g_assert_cmpstr (serval_member_get_addresses (members->pdata[0])[1], ==, "fe80::1");
  g_assert_cmpstr (serval_member_get_node (members->pdata[0]), ==, t->a_name);
  g_assert_cmpint (serval_member_get_since (members->pdata[0]), ==, 1700000000);
  /* What it announced at its join, for the clients of the other nodes (issue 15). */
  g_assert_cmpstrv (serval_member_get_services (members->pdata[0]), ((const char *const[]){ "https:8443/admin", NULL }));
  g_clear_pointer (&members, g_ptr_array_unref);
  /* A node's own members are not in its directory. */
  members = serval_cluster_get_members (t->a, 101);
  g_assert_cmpuint (members->len, ==, 0);
  g_clear_pointer (&members, g_ptr_array_unref);

  serval_cluster_publish_member (t->a, 101, "red", moved);
  g_assert_true (test_iterate_until_count (&t->ev.member_updated, 1));
  g_assert_cmpstr (serval_member_get_addresses (t->ev.member)[0], ==, "10.7.0.6");

  serval_cluster_withdraw_member (t->a, 101, serval_member_get_mac_bytes (m));
  g_assert_true (test_iterate_until_count (&t->ev.member_removed, 1));
  g_assert_cmpstr (serval_member_get_user (t->ev.member), ==, "alice");
  members = serval_cluster_get_members (t->b, 101);
  g_assert_cmpuint (members->len, ==, 0);
  g_clear_pointer (&members, g_ptr_array_unref);

  /* Three changes of one key at once: one write at a time, the first,
   * then the last; the withdraw between them never reaches etcd. */
  serval_cluster_publish_member (t->a, 102, "blue", m);
  serval_cluster_withdraw_member (t->a, 102, serval_member_get_mac_bytes (m));
  serval_cluster_publish_member (t->a, 102, "blue", moved);
  g_assert_true (test_iterate_until_count (&t->ev.member_updated, 2));
  g_assert_cmpuint (t->ev.member_added, ==, 2);
  g_assert_cmpuint (t->ev.member_removed, ==, 1);
  g_assert_cmpstr (serval_member_get_addresses (t->ev.member)[0], ==, "10.7.0.6");
  members = serval_cluster_get_members (t->b, 102);
  g_assert_cmpuint (members->len, ==, 1);
}

static void
test_foreign_certificate (void)
{
  g_autofree char *name = node_name ("cert");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalCluster) first = start_node (name, FINGERPRINT, &error);
  g_autofree char *other = node_name ("cert-other"), *same = node_name ("cert-same");
  g_autoptr(ServalCluster) c = NULL;

  /* The cluster has FINGERPRINT (the first node of the run recorded it):
   * the same in another spelling is the same. */
  g_assert_no_error (error);
  g_clear_object (&first);
  first = start_node (same, "5e24aa019c3d7011", &error);
  g_assert_no_error (error);
  c = start_node (other, "00:11:22:33:44:55:66:77", &error);
  g_assert_null (c);
  g_assert_error (error, SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_UNKNOWN_KEY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "00:11:22:33:44:55:66:77"));
  g_assert_nonnull (strstr (error->message, FINGERPRINT));
  g_assert_nonnull (strstr (error->message, "cert.pem and key.pem"));
}

static void
test_name_taken (void)
{
  g_autofree char *name = node_name ("taken");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalCluster) a = start_node (name, FINGERPRINT, &error);
  g_autoptr(ServalCluster) again = NULL;

  g_assert_no_error (error);
  again = start_node (name, FINGERPRINT, &error);
  g_assert_null (again);
  g_assert_error (error, SERVAL_CLUSTER_ERROR, SERVAL_CLUSTER_ERROR_NAME_TAKEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, name));
  /* The first goes on as if nothing happened. */
  g_assert_cmpint (serval_cluster_get_state (a), ==, SERVAL_CLUSTER_OK);
  g_assert_true (has_node (a, name));
}

/* A node that stops keeping its lease alive (a crash: nothing withdrawn,
 * nothing revoked) is gone from the others once its lease expired. */
static void
test_crash (TwoNodes *t, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalMember) m = new_member ("bob", 2, "10.9.0.2");
  g_autoptr(ServalMember) m2 = new_member ("carol", 3, "10.9.0.3");

  serval_cluster_publish_member (t->a, 201, "green", m);
  serval_cluster_publish_member (t->a, 202, "green2", m2);
  g_assert_true (test_iterate_until_count (&t->ev.member_added, 2));
  g_clear_object (&t->a);
  g_assert_true (test_iterate_until_count (&t->ev.node_removed, 1));
  g_assert_true (test_iterate_until_count (&t->ev.member_removed, 2));
  g_assert_false (has_node (t->b, t->a_name));
  g_assert_cmpint (serval_cluster_get_state (t->b), ==, SERVAL_CLUSTER_OK);
  /* The name is free again. */
  t->a = start_node (t->a_name, FINGERPRINT, &error);
  g_assert_no_error (error);
  g_assert_true (test_iterate_until_count (&t->ev.node_added, 1));
}

static void
test_states (void)
{
  for (ServalClusterState s = SERVAL_CLUSTER_STARTING; s <= SERVAL_CLUSTER_CUT_OFF; s++)
    {
      const char *text = serval_cluster_state_describe (s);

      g_assert_true (g_ascii_isupper (text[0]) || text[0] == 'e');
      g_assert_null (strchr (text, '\n'));
    }
  g_assert_nonnull (strstr (serval_cluster_state_describe (SERVAL_CLUSTER_CUT_OFF), "stop serving"));
}

/* --- with a cluster of three (tests/etcd/test-cluster-quorum.sh) ------------------ */

/* Kills (@what "kill") or starts ("start") etcd member @i. */
static void
etcd_member (const char *what, int i)
{
  g_autofree char *index = g_strdup_printf ("%d", i);
  const char *argv[] = { g_getenv ("SERVAL_TEST_ETCD_CTL"), "--ctl", what, index, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_test_message ("etcd member %d: %s", i, what);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

typedef struct
{
  ServalCluster *c;
  ServalClusterState state;
} InState;

static gboolean
in_state (gpointer data)
{
  InState *s = data;

  return serval_cluster_get_state (s->c) == s->state;
}

static void
state_cb (ServalCluster *c, GParamSpec *pspec, gboolean *seen_cut_off)
{
  g_test_message ("%p state: %s", c, serval_cluster_state_describe (serval_cluster_get_state (c)));
  if (serval_cluster_get_state (c) == SERVAL_CLUSTER_CUT_OFF)
    *seen_cut_off = TRUE;
}

/* Quorum lost: etcd answers, the lease is kept (NO_QUORUM, never CUT_OFF)
 * and lives on when the quorum is back, so that no other node saw this one
 * go. Then no member at all: CUT_OFF; back: a new lease, and what the node
 * published is there again. */
static void
test_quorum (TwoNodes *t, gconstpointer data)
{
  g_autoptr(ServalMember) m = new_member ("dave", 4, "10.4.0.4");
  g_autoptr(GPtrArray) members = NULL;
  InState a_is = { t->a, SERVAL_CLUSTER_NO_QUORUM };
  HasNode b_sees_a = { t->b, t->a_name };
  gboolean cut_off = FALSE;

  g_signal_connect (t->a, "notify::state", G_CALLBACK (state_cb), &cut_off);
  g_signal_connect (t->b, "notify::state", G_CALLBACK (state_cb), &cut_off);
  serval_cluster_publish_member (t->a, 301, "quorum", m);
  g_assert_true (test_iterate_until_count (&t->ev.member_added, 1));

  etcd_member ("kill", 1);
  etcd_member ("kill", 2);
  g_assert_true (test_iterate_until (in_state, &a_is));
  etcd_member ("start", 1);
  a_is.state = SERVAL_CLUSTER_OK;
  g_assert_true (test_iterate_until (in_state, &a_is));
  g_assert_false (cut_off);
  g_assert_cmpuint (t->ev.node_removed, ==, 0);
  g_assert_cmpuint (t->ev.member_removed, ==, 0);

  etcd_member ("kill", 0);
  etcd_member ("kill", 1);
  a_is.state = SERVAL_CLUSTER_CUT_OFF;
  g_assert_true (test_iterate_until (in_state, &a_is));
  etcd_member ("start", 0);
  etcd_member ("start", 1);
  a_is.state = SERVAL_CLUSTER_OK;
  g_assert_true (test_iterate_until (in_state, &a_is));
  /* b was cut off as well, and took a new lease too: both are back. */
  g_assert_true (test_iterate_until (sees_node, &b_sees_a));
  a_is.c = t->b;
  g_assert_true (test_iterate_until (in_state, &a_is));
  members = serval_cluster_get_members (t->b, 301);
  g_assert_cmpuint (members->len, ==, 1);
  g_assert_cmpstr (serval_member_get_user (members->pdata[0]), ==, "dave");
  g_signal_handlers_disconnect_by_data (t->a, &cut_off);
  g_signal_handlers_disconnect_by_data (t->b, &cut_off);
}

/* Dropped with writes, a keepalive and a probe under way: none of their
 * callbacks touches it afterwards (the ASan build checks that). */
static void
test_dispose_busy (void)
{
  g_autofree char *name = node_name ("busy");
  ServalCluster *c = start_ok (name);

  /* A while for keepalives and probes to be under way too. */
  test_iterate_for (0.8);
  for (guint8 i = 0; i < 4; i++)
    {
      g_autoptr(ServalMember) m = new_member ("erin", 0x20 + i, "10.2.0.1");

      serval_cluster_publish_member (c, 401, "busy", m);
      if (i % 2)
        serval_cluster_withdraw_member (c, 401, serval_member_get_mac_bytes (m));
    }
  g_object_unref (c);
  test_iterate_for (0.5);
}

/* Calls etcd's /v3/@method with @json, as the registry would. */
static JsonObject *
etcd_call (const char *method, const char *json)
{
  g_autoptr(GError) error = NULL;
  ServalEtcd *etcd = serval_etcd_new (g_getenv ("SERVAL_TEST_ETCD"), &error);
  g_autoptr(JsonNode) body = json_from_string (json, &error);
  g_autoptr(GAsyncResult) result = NULL;
  JsonObject *response;

  g_assert_no_error (error);
  serval_etcd_call_async (etcd, method, body, TRUE, NULL, test_async_result_cb, &result);
  response = serval_etcd_call_finish (NULL, test_async_wait (&result), &error);
  g_assert_no_error (error);
  serval_etcd_free (etcd);
  return response;
}

/* etcd forgets a node's lease (as after a long partition): the node takes
 * a new one and writes its key and its members again, and the others see
 * it go and come back. */
static void
test_lease_lost (TwoNodes *t, gconstpointer data)
{
  g_autoptr(ServalMember) m = new_member ("frank", 5, "10.5.0.5");
  g_autofree char *key = g_strconcat ("/serval-live/nodes/", t->a_name, NULL);
  g_autofree char *b64 = g_base64_encode ((const guchar *) key, strlen (key));
  g_autofree char *range = g_strdup_printf ("{\"key\":\"%s\"}", b64);
  g_autofree char *revoke = NULL;
  g_autoptr(JsonObject) found = NULL, revoked = NULL;
  g_autoptr(GPtrArray) members = NULL;
  JsonArray *kvs;

  serval_cluster_publish_member (t->a, 501, "lost", m);
  g_assert_true (test_iterate_until_count (&t->ev.member_added, 1));
  found = etcd_call ("kv/range", range);
  kvs = serval_etcd_array (found, "kvs");
  g_assert_nonnull (kvs);
  g_assert_cmpuint (json_array_get_length (kvs), ==, 1);
  revoke = g_strdup_printf ("{\"ID\":\"%" G_GINT64_FORMAT "\"}",
                            serval_etcd_int (json_array_get_object_element (kvs, 0), "lease"));
  revoked = etcd_call ("lease/revoke", revoke);

  g_assert_true (test_iterate_until_count (&t->ev.node_removed, 1));
  g_assert_true (test_iterate_until_count (&t->ev.member_removed, 1));
  g_assert_true (test_iterate_until_count (&t->ev.node_added, 1));
  g_assert_true (test_iterate_until_count (&t->ev.member_added, 2));
  members = serval_cluster_get_members (t->b, 501);
  g_assert_cmpuint (members->len, ==, 1);
  g_assert_cmpstr (serval_member_get_user (members->pdata[0]), ==, "frank");
  g_assert_true (has_node (t->b, t->a_name));
}

static void
test_etcd_missing (void)
{
  g_test_skip ("No etcd: run through “meson test” (tests/etcd/with-etcd.sh starts one), or set SERVAL_TEST_ETCD");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_add_in_own_context ("/server/cluster/states", test_states);
  if (g_getenv ("SERVAL_TEST_ETCD") == NULL)
    {
      g_test_add_func ("/server/cluster/etcd-missing", test_etcd_missing);
      return g_test_run ();
    }
  if (g_getenv ("SERVAL_TEST_ETCD_CTL") != NULL)
    {
      two_nodes_add ("/server/cluster/quorum", "q", test_quorum);
      return g_test_run ();
    }
  two_nodes_add ("/server/cluster/directory", "dir", test_directory);
  test_add_in_own_context ("/server/cluster/foreign-certificate", test_foreign_certificate);
  test_add_in_own_context ("/server/cluster/name-taken", test_name_taken);
  two_nodes_add ("/server/cluster/crash", "crash", test_crash);
  two_nodes_add ("/server/cluster/lease-lost", "lost", test_lease_lost);
  test_add_in_own_context ("/server/cluster/dispose-busy", test_dispose_busy);
  return g_test_run ();
}
