/* Sessions in one process: a real ServalServer and real ServalClients over
 * loopback, on a main context of the test's own, as libsoup's tests run
 * their server inside the test. No root, no namespaces, no TAP devices:
 * clients join VLANs with a frame callback.
 *
 * Every wait iterates the context until its condition holds; the 30 s
 * limit is a safety net, never a measurement. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "session-fixture.h"
#include "serval-client-private.h" /* serval_client_send_update(): TAP-less clients send none */
#include "serval-server.h"
#include "serval-server-fair.h" /* serval_server_get_fair_stats(): the rate limit's drops */
#include "serval-store.h"
#include "serval-tap-private.h" /* TAP devices over socketpairs, with the MAC a test chooses */
#include "test-store-util.h"
#include "serval-tls.h"
#include "link-test-util.h"
#include "test-utils.h"

#define WAIT_SECONDS 30

typedef struct
{
  const char *name;    /* the node's name */
  char *dir;           /* its data directory */
  char *address;       /* "127.0.0.1:PORT" */
  GStrv advertise;     /* what it tells clients they may fail over to */
  guint login_timeout; /* --login-timeout, 0: the default */
  ServalServer *server;
} Node;

typedef struct
{
  SessionBase base; /* context, certificate fingerprint, clients */
  Node nodes[2];
} Fixture;

/* --- waiting --------------------------------------------------------------- */

/* Iterates the test's context until @cond holds; fails the test if it
 * still does not after WAIT_SECONDS. */
#define WAIT_UNTIL(f, cond) SESSION_WAIT_UNTIL ((f)->base.context, WAIT_SECONDS, cond, #cond)

/* --- the client's simple requests ------------------------------------------
 *
 * Every leave and admin request of the tests goes through the helpers of
 * this block, so that a change of the client's request API is made here
 * only. Each waits for the answer and returns TRUE, or FALSE with @error. */

static gboolean
request_wait (Fixture *f, SessionRequest *q, GError **error)
{
  WAIT_UNTIL (f, q->r.done);
  if (q->r.error != NULL)
    g_propagate_error (error, q->r.error);
  return q->r.ok;
}

static gboolean
do_leave (Fixture *f, ServalClient *client, const char *vlan, GError **error)
{
  SessionRequest q = { .finish = serval_client_leave_finish };

  serval_client_leave_async (client, vlan, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_vlan_add (Fixture *f, ServalClient *client, const char *vlan, GError **error)
{
  SessionRequest q = { .finish = serval_client_vlan_add_finish };

  serval_client_vlan_add_async (client, vlan, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_vlan_del (Fixture *f, ServalClient *client, const char *vlan, GError **error)
{
  SessionRequest q = { .finish = serval_client_vlan_delete_finish };

  serval_client_vlan_delete_async (client, vlan, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_user_add (Fixture *f, ServalClient *client, const char *user, const char *password, gboolean admin,
             GError **error)
{
  SessionRequest q = { .finish = serval_client_user_add_finish };

  serval_client_user_add_async (client, user, password, admin, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_user_del (Fixture *f, ServalClient *client, const char *user, GError **error)
{
  SessionRequest q = { .finish = serval_client_user_delete_finish };

  serval_client_user_delete_async (client, user, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_grant (Fixture *f, ServalClient *client, const char *user, const char *vlan, GError **error)
{
  SessionRequest q = { .finish = serval_client_grant_finish };

  serval_client_grant_async (client, user, vlan, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_revoke (Fixture *f, ServalClient *client, const char *user, const char *vlan, GError **error)
{
  SessionRequest q = { .finish = serval_client_revoke_finish };

  serval_client_revoke_async (client, user, vlan, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_kick (Fixture *f, ServalClient *client, const char *user, const char *vlan, GError **error)
{
  SessionRequest q = { .finish = serval_client_kick_finish };

  serval_client_kick_async (client, user, vlan, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

/* --- clients --------------------------------------------------------------- */

/* A client of @node, owned by the fixture, pinning the test certificate. */
static ServalClient *
client_new (Fixture *f, Node *node, const char *user, const char *password)
{
  ServalClient *client = serval_client_new (node->address, user, password, f->base.fingerprint);
  g_autofree char *host = g_strconcat ("host-", user, NULL);

  serval_client_set_host_name (client, host);
  g_ptr_array_add (f->base.clients, client);
  return client;
}

static gboolean
client_connect (Fixture *f, ServalClient *client, GError **error)
{
  SessionResult r = { 0 };

  serval_client_connect_async (client, NULL, session_connect_cb, &r);
  WAIT_UNTIL (f, r.done);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.ok;
}

/* A client of the first node, logged in. */
static ServalClient *
client_online (Fixture *f, const char *user, const char *password)
{
  g_autoptr(GError) error = NULL;
  ServalClient *client = client_new (f, &f->nodes[0], user, password);

  g_assert_true (client_connect (f, client, &error));
  g_assert_no_error (error);
  return client;
}

typedef struct
{
  guint frames;
  guint8 last[64]; /* the start of the last frame */
  gsize last_len;
} FrameLog;

static void
frame_cb (ServalClientVlan *vlan, const guint8 *frame, gsize len, gpointer user_data)
{
  FrameLog *log = user_data;

  log->frames++;
  log->last_len = len;
  memcpy (log->last, frame, MIN (len, sizeof log->last));
}

/* Joins @vlan with @log (nullable) taking its frames; (transfer full) the VLAN. */
static ServalClientVlan *
client_join (Fixture *f, ServalClient *client, const char *vlan, FrameLog *log, GError **error)
{
  SessionResult r = { 0 };
  /* The MAC send_frame() sends from: 02:00:00:00:00:01 for alice, 2 for bob,
   * 3 for carol, 4 for anyone else (the server takes frames only from the
   * MAC a member joined with). */
  const char *user = serval_client_get_user (client);
  guint8 mac[6] = { 0x02, 0, 0, 0, 0, g_str_equal (user, "alice") ? 1 : g_str_equal (user, "bob") ? 2 :
                                                                    g_str_equal (user, "carol")   ? 3 :
                                                                                                    4 };

  serval_client_join_frames_async (client, vlan, mac, frame_cb, log, NULL, session_join_cb, &r);
  WAIT_UNTIL (f, r.done);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.object;
}

static ServalClientVlan *
client_join_ok (Fixture *f, ServalClient *client, const char *vlan, FrameLog *log)
{
  g_autoptr(GError) error = NULL;
  ServalClientVlan *joined = client_join (f, client, vlan, log, &error);

  g_assert_no_error (error);
  g_assert_nonnull (joined);
  g_assert_cmpstr (serval_client_vlan_get_name (joined), ==, vlan);
  return joined;
}

/* Sends a broadcast frame from MAC 02:00:00:00:00:@src carrying @marker. */
static void
send_frame (ServalClientVlan *vlan, guint8 src, guint8 marker)
{
  guint8 frame[60] = { 0 };

  memset (frame, 0xff, 6);
  frame[6] = 0x02;
  frame[11] = src;
  frame[12] = 0x88; /* 0x88b5: for local experiments */
  frame[13] = 0xb5;
  frame[14] = marker;
  g_assert_true (serval_client_vlan_send (vlan, frame, sizeof frame));
}

static guint
n_members (ServalClientVlan *vlan)
{
  return g_list_model_get_n_items (serval_client_vlan_get_members (vlan));
}

/* TRUE if @user is in the member list of @vlan. */
static gboolean
has_member (ServalClientVlan *vlan, const char *user)
{
  return session_members_have (serval_client_vlan_get_members (vlan), user, NULL);
}

static guint
n_vlans (ServalClient *client)
{
  return g_list_model_get_n_items (serval_client_get_vlans (client));
}

/* --- servers --------------------------------------------------------------- */

/* The node's data directory, with the test certificate in it (so that every
 * node shows the one the clients pin, as nodes of one cluster share theirs)
 * and the users, VLANs and rights the tests use:
 *   root (admin)  no VLANs
 *   alice         red, blue
 *   bob           red
 *   carol         blue */
static void
node_init (Node *node, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalStore) store = NULL;

  node->name = name;
  /* The store as the operator's tools fill it, before the server runs. */
  store = session_data_dir_new ("serval-session-XXXXXX", &node->dir, NULL);
  session_add_user (store, "root", "root-pw", TRUE, SESSION_TEST_ITERATIONS);
  session_add_user (store, "alice", "alice-pw", FALSE, SESSION_TEST_ITERATIONS);
  session_add_user (store, "bob", "bob-pw", FALSE, SESSION_TEST_ITERATIONS);
  session_add_user (store, "carol", "carol-pw", FALSE, SESSION_TEST_ITERATIONS);
  g_assert_true (test_store_vlan_add (store, "red", NULL, &error));
  g_assert_true (test_store_vlan_add (store, "blue", NULL, &error));
  g_assert_true (test_store_grant (store, "alice", "red", &error));
  g_assert_true (test_store_grant (store, "alice", "blue", &error));
  g_assert_true (test_store_grant (store, "bob", "red", &error));
  g_assert_true (test_store_grant (store, "carol", "blue", &error));
  g_assert_no_error (error);
}

static void
node_config (Node *node, ServalServerConfig *config)
{
  session_config_init (config, node->dir, node->name);
  config->listen = g_strdup (node->address);
  config->advertise = g_strdupv (node->advertise);
  if (node->login_timeout > 0)
    config->login_timeout = node->login_timeout;
}

/* Starts @node's server on node->address; FALSE if the port is taken. */
static gboolean
node_start (Node *node)
{
  ServalServerConfig config;

  g_assert_null (node->server);
  node_config (node, &config);
  node->server = session_server_try_start (&config);
  serval_server_config_clear (&config);
  return node->server != NULL;
}

/* Starts @node on a free port of its own. */
static void
node_start_new (Node *node)
{
  ServalServerConfig config;

  g_assert_null (node->server);
  node_config (node, &config);
  node->server = session_server_start_new (&config, &node->address);
  serval_server_config_clear (&config);
}

static gboolean
shutdown_done_cb (gpointer data)
{
  gboolean *done = data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

/* Shuts @node's server down as the daemon does on SIGTERM (each client is
 * told, then its link closed), and frees it. */
static void
node_stop (Fixture *f, Node *node)
{
  gboolean done = FALSE;

  serval_server_shutdown (node->server, shutdown_done_cb, &done);
  WAIT_UNTIL (f, done);
  g_clear_pointer (&node->server, serval_server_free);
}

static void
node_clear (Node *node)
{
  g_clear_pointer (&node->server, serval_server_free);
  g_clear_pointer (&node->advertise, g_strfreev);
  g_clear_pointer (&node->address, g_free);
  if (node->dir == NULL)
    return;
  test_tmp_dir_remove (node->dir);
  g_clear_pointer (&node->dir, g_free);
}

static gboolean
user_exists (ServalStore *store, const char *name)
{
  ServalCredentials cred;
  gboolean admin;
  gboolean known = serval_store_user_get (store, name, &cred, &admin, NULL);

  if (known)
    serval_credentials_clear (&cred);
  return known;
}

static guint32
vlan_tag (Node *node, const char *name)
{
  g_autoptr(GError) error = NULL;
  guint32 tag = 0;

  serval_store_vlan_lookup (serval_server_get_store (node->server), name, &tag, &error);
  g_assert_no_error (error);
  return tag;
}

static ServalServerStats
node_stats (Node *node)
{
  ServalServerStats stats;

  serval_server_get_stats (node->server, &stats);
  return stats;
}

/* --- fixture --------------------------------------------------------------- */

/* The first node runs in every test; the second is made and started by the
 * tests that want it. */
static void
setup (Fixture *f, gconstpointer data)
{
  session_base_init (&f->base);
  node_init (&f->nodes[0], "node-a");
  f->nodes[0].login_timeout = GPOINTER_TO_UINT (data);
  node_start_new (&f->nodes[0]);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  session_base_clear_clients (&f->base);
  /* Let the servers see the links close before they go. */
  test_drain ();
  for (guint i = 0; i < G_N_ELEMENTS (f->nodes); i++)
    node_clear (&f->nodes[i]);
  session_base_clear (&f->base);
}

/* --- tests ----------------------------------------------------------------- */

static void
test_login (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalServerStats stats = node_stats (&f->nodes[0]);

  g_assert_cmpint (serval_client_get_state (alice), ==, SERVAL_CLIENT_STATE_ONLINE);
  g_assert_false (serval_client_get_admin (alice));
  g_assert_cmpint (serval_client_get_state (root), ==, SERVAL_CLIENT_STATE_ONLINE);
  g_assert_true (serval_client_get_admin (root));
  g_assert_cmpstr (serval_client_get_peer_fingerprint (alice), ==, f->base.fingerprint);
  g_assert_null (serval_client_get_last_error (alice));
  g_assert_cmpuint (stats.sessions, ==, 2);
  g_assert_cmpuint (stats.logins_ok, ==, 2);
  g_assert_cmpuint (stats.logins_failed, ==, 0);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_new (f, &f->nodes[0], "alice", "bob-pw");
  ServalClient *mallory = client_new (f, &f->nodes[0], "mallory", "alice-pw");
  g_autoptr(GError) error = NULL;

  g_assert_false (client_connect (f, alice, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "alice"));
  g_assert_cmpint (serval_client_get_state (alice), ==, SERVAL_CLIENT_STATE_DISCONNECTED);
  g_clear_error (&error);

  /* A user the server does not know gets the same answer. */
  g_assert_false (client_connect (f, mallory, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "mallory"));

  g_assert_cmpuint (node_stats (&f->nodes[0]).logins_failed, ==, 2);
  g_assert_cmpuint (node_stats (&f->nodes[0]).sessions, ==, 0);
}

static void
test_frames (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  ServalClient *carol = client_online (f, "carol", "carol-pw");
  FrameLog alice_red = { 0 }, alice_blue = { 0 }, bob_red = { 0 }, carol_blue = { 0 };
  g_autoptr(ServalClientVlan) ar = client_join_ok (f, alice, "red", &alice_red);
  g_autoptr(ServalClientVlan) ab = client_join_ok (f, alice, "blue", &alice_blue);
  g_autoptr(ServalClientVlan) br = client_join_ok (f, bob, "red", &bob_red);
  g_autoptr(ServalClientVlan) cb = client_join_ok (f, carol, "blue", &carol_blue);

  g_assert_cmpuint (serval_client_vlan_get_tag (ar), ==, serval_client_vlan_get_tag (br));
  g_assert_cmpuint (serval_client_vlan_get_tag (ab), ==, serval_client_vlan_get_tag (cb));
  g_assert_cmpuint (serval_client_vlan_get_tag (ar), !=, serval_client_vlan_get_tag (ab));

  /* Alice → red reaches Bob. */
  send_frame (ar, 1, 1);
  WAIT_UNTIL (f, bob_red.frames >= 1);
  g_assert_cmpuint (bob_red.frames, ==, 1);
  g_assert_cmpuint (bob_red.last_len, ==, 60);
  g_assert_cmpuint (bob_red.last[11], ==, 1);
  g_assert_cmpuint (bob_red.last[14], ==, 1);

  /* Alice → blue reaches Carol. The server forwards one sender's frames in
   * order, so had the red frame leaked into blue, Carol would have had it
   * first. */
  send_frame (ab, 1, 2);
  WAIT_UNTIL (f, carol_blue.frames >= 1);
  g_assert_cmpuint (carol_blue.frames, ==, 1);
  g_assert_cmpuint (carol_blue.last[14], ==, 2);

  /* And the blue frame did not reach Bob: his next frame is the next red one. */
  send_frame (ar, 1, 4);
  WAIT_UNTIL (f, bob_red.frames >= 2);
  g_assert_cmpuint (bob_red.frames, ==, 2);
  g_assert_cmpuint (bob_red.last[14], ==, 4);

  /* Bob → red reaches Alice, in red only; her own frames never came back. */
  send_frame (br, 2, 3);
  WAIT_UNTIL (f, alice_red.frames >= 1);
  g_assert_cmpuint (alice_red.frames, ==, 1);
  g_assert_cmpuint (alice_red.last[11], ==, 2);
  g_assert_cmpuint (alice_red.last[14], ==, 3);
  g_assert_cmpuint (alice_blue.frames, ==, 0);
  g_assert_cmpuint (carol_blue.frames, ==, 1);
}

static void
test_member_events (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(ServalClientVlan) ar = client_join_ok (f, alice, "red", NULL);
  g_autoptr(ServalClientVlan) br = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (n_members (ar), ==, 1);
  g_assert_true (has_member (ar, "alice"));

  /* Bob joins: he sees both at once, Alice sees him come. */
  br = client_join_ok (f, bob, "red", NULL);
  g_assert_cmpuint (n_members (br), ==, 2);
  g_assert_true (has_member (br, "alice"));
  g_assert_true (has_member (br, "bob"));
  WAIT_UNTIL (f, n_members (ar) == 2);
  g_assert_true (has_member (ar, "bob"));
  {
    g_autoptr(ServalMember) m = g_list_model_get_item (serval_client_vlan_get_members (ar), 1);

    g_assert_cmpstr (serval_member_get_user (m), ==, "bob");
    g_assert_cmpstr (serval_member_get_host (m), ==, "host-bob");
    g_assert_cmpstr (serval_member_get_node (m), ==, "node-a");
  }

  /* Bob leaves: Alice sees him go. */
  g_assert_true (do_leave (f, bob, "red", &error));
  g_assert_no_error (error);
  WAIT_UNTIL (f, n_members (ar) == 1);
  g_assert_false (has_member (ar, "bob"));
  g_assert_true (has_member (ar, "alice"));

  /* Bob joins again and loses his connection: Alice sees him go too. */
  g_clear_object (&br);
  br = client_join_ok (f, bob, "red", NULL);
  WAIT_UNTIL (f, n_members (ar) == 2);
  serval_client_disconnect (bob);
  WAIT_UNTIL (f, n_members (ar) == 1);
  g_assert_true (has_member (ar, "alice"));
}

static gboolean
member_has_address (ServalClientVlan *vlan, const char *user, const char *address)
{
  GListModel *members = serval_client_vlan_get_members (vlan);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (members, i);
      const char *const *addrs = serval_member_get_addresses (m);

      if (g_strcmp0 (serval_member_get_user (m), user) == 0 && addrs != NULL &&
          g_strv_contains (addrs, address))
        return TRUE;
    }
  return FALSE;
}

/* A member's new addresses reach every member's list, its own included
 * (the app's main window shows that list: a row that kept saying "no
 * address yet" was the user's own). */
static void
test_member_addresses (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(ServalClientVlan) ar = client_join_ok (f, alice, "red", NULL);
  g_autoptr(ServalClientVlan) br = client_join_ok (f, bob, "red", NULL);
  const char *const addrs[] = { "10.77.0.1", "fe80::1", NULL };

  WAIT_UNTIL (f, n_members (ar) == 2);
  serval_client_send_update (alice, ar, addrs);
  WAIT_UNTIL (f, member_has_address (br, "alice", "10.77.0.1"));
  WAIT_UNTIL (f, member_has_address (ar, "alice", "10.77.0.1"));
  g_assert_true (member_has_address (ar, "alice", "fe80::1"));
  g_assert_cmpuint (n_members (ar), ==, 2);
  g_assert_cmpuint (n_members (br), ==, 2);
}

static void
test_leave (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalSwitch *sw = serval_server_get_switch (f->nodes[0].server);
  g_autoptr(ServalClientVlan) ar = client_join_ok (f, alice, "red", NULL);
  g_autoptr(ServalClientVlan) ab = client_join_ok (f, alice, "blue", NULL);
  guint32 red = serval_client_vlan_get_tag (ar);
  guint32 blue = serval_client_vlan_get_tag (ab);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (n_vlans (alice), ==, 2);
  g_assert_cmpuint (serval_switch_vlan_n_ports (sw, red), ==, 1);
  g_assert_true (do_leave (f, alice, "red", &error));
  g_assert_no_error (error);
  /* Out of the client's list and out of the server's switch; still in blue. */
  g_assert_cmpuint (n_vlans (alice), ==, 1);
  g_assert_cmpuint (serval_switch_vlan_n_ports (sw, red), ==, 0);
  g_assert_cmpuint (serval_switch_vlan_n_ports (sw, blue), ==, 1);

  /* Leaving again: the server says she is not in it. */
  g_assert_false (do_leave (f, alice, "red", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER);
  g_assert_nonnull (strstr (error->message, "red"));
}

static void
on_vlan_removed (ServalClient *client, ServalClientVlan *vlan, const char *reason, gpointer user_data)
{
  char **out = user_data;

  g_free (*out);
  *out = g_strdup (reason);
}

static void
on_connection_failed (ServalClient *client, GError *error, gpointer user_data)
{
  GError **out = user_data;

  g_clear_error (out);
  *out = g_error_copy (error);
}

static void
test_admin (Fixture *f, gconstpointer data)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalStore *store = serval_server_get_store (f->nodes[0].server);
  g_autoptr(ServalClientVlan) dg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) dave_failed = NULL;
  g_autofree char *removed = NULL;
  ServalClient *dave;

  /* A VLAN, once. */
  g_assert_true (do_vlan_add (f, root, "green", &error));
  g_assert_no_error (error);
  g_assert_true (serval_store_vlan_lookup (store, "green", NULL, NULL));
  g_assert_false (do_vlan_add (f, root, "green", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_EXISTS);
  g_clear_error (&error);

  /* A user, who may log in at once, and join once granted. */
  g_assert_true (do_user_add (f, root, "dave", "dave-pw", FALSE, &error));
  g_assert_no_error (error);
  dave = client_online (f, "dave", "dave-pw");
  g_assert_false (serval_client_get_admin (dave));
  g_assert_null (client_join (f, dave, "green", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_true (do_grant (f, root, "dave", "green", &error));
  g_assert_no_error (error);
  g_assert_true (serval_store_has_right (store, "dave", "green"));
  dg = client_join_ok (f, dave, "green", NULL);

  /* Kicked: out of the VLAN, told why, still logged in and still allowed. */
  g_signal_connect (dave, "vlan-removed", G_CALLBACK (on_vlan_removed), &removed);
  g_assert_true (do_kick (f, root, "dave", "green", &error));
  g_assert_no_error (error);
  WAIT_UNTIL (f, removed != NULL);
  g_assert_nonnull (strstr (removed, "dave"));
  g_assert_cmpuint (n_vlans (dave), ==, 0);
  g_assert_cmpint (serval_client_get_state (dave), ==, SERVAL_CLIENT_STATE_ONLINE);
  g_assert_true (serval_store_has_right (store, "dave", "green"));

  /* Revoked: out again, and no longer allowed in. */
  g_clear_object (&dg);
  g_clear_pointer (&removed, g_free);
  dg = client_join_ok (f, dave, "green", NULL);
  g_assert_true (do_revoke (f, root, "dave", "green", &error));
  g_assert_no_error (error);
  WAIT_UNTIL (f, removed != NULL);
  g_assert_cmpuint (n_vlans (dave), ==, 0);
  g_assert_false (serval_store_has_right (store, "dave", "green"));
  g_assert_null (client_join (f, dave, "green", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* The VLAN deleted: gone from the store, joining it is refused. */
  g_assert_true (do_vlan_del (f, root, "green", &error));
  g_assert_no_error (error);
  g_assert_false (serval_store_vlan_lookup (store, "green", NULL, NULL));
  g_assert_null (client_join (f, dave, "green", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_VLAN);
  g_clear_error (&error);
  g_assert_false (do_vlan_del (f, root, "green", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_VLAN);
  g_clear_error (&error);

  /* The user deleted: his session is closed, and his client, whose login
   * is now refused, gives up instead of retrying forever. */
  g_signal_connect (dave, "connection-failed", G_CALLBACK (on_connection_failed), &dave_failed);
  g_assert_true (do_user_del (f, root, "dave", &error));
  g_assert_no_error (error);
  g_assert_false (user_exists (store, "dave"));
  WAIT_UNTIL (f, dave_failed != NULL);
  g_assert_error (dave_failed, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_AUTH);
  g_assert_cmpint (serval_client_get_state (dave), ==, SERVAL_CLIENT_STATE_DISCONNECTED);
  g_assert_false (do_user_del (f, root, "dave", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_USER);
  g_clear_error (&error);

  /* The admin's own session went on through all this. */
  g_assert_cmpint (serval_client_get_state (root), ==, SERVAL_CLIENT_STATE_ONLINE);
  g_signal_handlers_disconnect_by_data (dave, &removed);
  g_signal_handlers_disconnect_by_data (dave, &dave_failed);
}

/* Every admin request of a user who is no admin is refused, naming the
 * user, and changes nothing. */
static void
test_admin_refused (Fixture *f, gconstpointer data)
{
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  ServalStore *store = serval_server_get_store (f->nodes[0].server);
  GError *errors[7] = { NULL };
  gboolean ok[7];

  ok[0] = do_vlan_add (f, bob, "green", &errors[0]);
  ok[1] = do_vlan_del (f, bob, "red", &errors[1]);
  ok[2] = do_user_add (f, bob, "eve", "eve-pw", TRUE, &errors[2]);
  ok[3] = do_user_del (f, bob, "alice", &errors[3]);
  ok[4] = do_grant (f, bob, "bob", "blue", &errors[4]);
  ok[5] = do_revoke (f, bob, "alice", "red", &errors[5]);
  ok[6] = do_kick (f, bob, "alice", "red", &errors[6]);
  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_test_message ("request %u: %s", i, errors[i] ? errors[i]->message : "accepted");
      g_assert_false (ok[i]);
      g_assert_error (errors[i], SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
      g_assert_nonnull (strstr (errors[i]->message, "bob"));
      g_clear_error (&errors[i]);
    }
  g_assert_false (serval_store_vlan_lookup (store, "green", NULL, NULL));
  g_assert_true (serval_store_vlan_lookup (store, "red", NULL, NULL));
  g_assert_false (user_exists (store, "eve"));
  g_assert_true (user_exists (store, "alice"));
  g_assert_false (serval_store_has_right (store, "bob", "blue"));
  g_assert_true (serval_store_has_right (store, "alice", "red"));
  /* Refusals do not end the session. */
  g_assert_cmpint (serval_client_get_state (bob), ==, SERVAL_CLIENT_STATE_ONLINE);
}

static void
test_join_refused (Fixture *f, gconstpointer data)
{
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(GError) error = NULL;
  SessionResult r = { 0 };

  g_assert_null (client_join (f, bob, "blue", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "bob"));
  g_assert_nonnull (strstr (error->message, "blue"));
  g_clear_error (&error);
  g_assert_null (client_join (f, bob, "nowhere", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_VLAN);
  g_assert_cmpuint (n_vlans (bob), ==, 0);
  g_assert_cmpuint (serval_switch_vlan_n_ports (serval_server_get_switch (f->nodes[0].server),
                                                vlan_tag (&f->nodes[0], "blue")),
                    ==, 0);

  /* Nor may he see who is in it. */
  serval_client_list_members_async (bob, "blue", NULL, session_members_cb, &r);
  WAIT_UNTIL (f, r.done);
  g_assert_error (r.error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&r.error);
  g_assert_cmpint (serval_client_get_state (bob), ==, SERVAL_CLIENT_STATE_ONLINE);
}

/* Joins @vlan through a TAP device over a socketpair, with MAC @mac. */
static ServalClientVlan *
client_join_mac (Fixture *f, ServalClient *client, const char *vlan, const guint8 mac[6], GError **error)
{
  g_autoptr(ServalTap) tap = NULL;
  SessionResult r = { 0 };
  int sv[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), ==, 0);
  tap = serval_tap_new_for_socket (sv[0], "tsession0", mac, 1500, FALSE);
  close (sv[1]); /* nothing comes from the device */
  serval_client_join_async (client, vlan, tap, NULL, NULL, NULL, session_join_cb, &r);
  WAIT_UNTIL (f, r.done);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.object;
}

/* The MAC a member joins with is its own: another user may not join with
 * it (the switch would drop her frames from it anyway), the same user's
 * new session may (a client that reconnected before its old session
 * ended), and the server's switch has it pinned. */
static void
test_join_mac_taken (Fixture *f, gconstpointer data)
{
  static const guint8 mac[6] = { 0x02, 0x5e, 0x00, 0x00, 0x00, 0x11 };
  ServalServer *server = f->nodes[0].server;
  guint32 red = vlan_tag (&f->nodes[0], "red");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  ServalClient *alice2 = client_online (f, "alice", "alice-pw");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) ar = client_join_mac (f, alice, "red", mac, &error);
  g_autoptr(ServalClientVlan) ar2 = NULL;
  ServalSwitchPort *pinned;

  g_assert_no_error (error);
  g_assert_nonnull (ar);
  pinned = serval_switch_pinned_port (serval_server_get_switch (server), red, mac);
  g_assert_nonnull (pinned);

  g_assert_null (client_join_mac (f, bob, "red", mac, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "02:5e:00:00:00:11"));
  g_clear_error (&error);
  g_assert_cmpuint (serval_switch_vlan_n_ports (serval_server_get_switch (server), red), ==, 1);
  g_assert_true (serval_switch_pinned_port (serval_server_get_switch (server), red, mac) == pinned);
  g_assert_cmpint (serval_client_get_state (bob), ==, SERVAL_CLIENT_STATE_ONLINE);

  ar2 = client_join_mac (f, alice2, "red", mac, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ar2);
  g_assert_cmpuint (serval_switch_vlan_n_ports (serval_server_get_switch (server), red), ==, 2);
  g_assert_true (serval_switch_pinned_port (serval_server_get_switch (server), red, mac) != pinned);
}

/* The server goes away and comes back on the same port and data directory:
 * the clients reconnect and rejoin with no call from the test, and their
 * VLAN objects carry frames again. */
static void
test_reconnect (Fixture *f, gconstpointer data)
{
  Node *node = &f->nodes[0];
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  FrameLog bob_red = { 0 };
  g_autoptr(ServalClientVlan) ar = client_join_ok (f, alice, "red", NULL);
  g_autoptr(ServalClientVlan) br = client_join_ok (f, bob, "red", &bob_red);

  WAIT_UNTIL (f, n_members (ar) == 2);
  node_stop (f, node);
  WAIT_UNTIL (f, serval_client_get_state (alice) != SERVAL_CLIENT_STATE_ONLINE &&
                     serval_client_get_state (bob) != SERVAL_CLIENT_STATE_ONLINE);
  g_assert_nonnull (serval_client_get_last_error (alice));

  g_assert_true (node_start (node));
  WAIT_UNTIL (f, serval_client_get_state (alice) == SERVAL_CLIENT_STATE_ONLINE &&
                     serval_client_get_state (bob) == SERVAL_CLIENT_STATE_ONLINE);
  /* Both back in red, in the same VLAN objects. */
  WAIT_UNTIL (f, serval_switch_vlan_n_ports (serval_server_get_switch (node->server),
                                             serval_client_vlan_get_tag (ar)) == 2);
  WAIT_UNTIL (f, n_members (ar) == 2 && n_members (br) == 2);
  g_assert_cmpuint (n_vlans (alice), ==, 1);
  g_assert_cmpuint (n_vlans (bob), ==, 1);
  g_assert_cmpuint (node_stats (node).sessions, ==, 2);

  send_frame (ar, 1, 7);
  WAIT_UNTIL (f, bob_red.frames >= 1);
  g_assert_cmpuint (bob_red.last[14], ==, 7);
}

/* The first node lists the second in its advertise list: when the first
 * goes away, its client moves to the second and rejoins there. */
static void
test_failover (Fixture *f, gconstpointer data)
{
  Node *a = &f->nodes[0];
  Node *b = &f->nodes[1];
  ServalClient *alice, *bob;
  FrameLog bob_red = { 0 };
  g_autoptr(ServalClientVlan) ar = NULL;
  g_autoptr(ServalClientVlan) br = NULL;
  g_autoptr(GError) error = NULL;

  node_init (b, "node-b");
  node_start_new (b);
  /* Node a again, now advertising b. */
  g_clear_pointer (&a->server, serval_server_free);
  a->advertise = g_strsplit (b->address, ",", -1);
  g_assert_true (node_start (a));

  alice = client_online (f, "alice", "alice-pw");
  ar = client_join_ok (f, alice, "red", NULL);
  g_assert_true (has_member (ar, "alice"));
  bob = client_new (f, b, "bob", "bob-pw");
  g_assert_true (client_connect (f, bob, &error));
  g_assert_no_error (error);
  br = client_join_ok (f, bob, "red", &bob_red);
  g_assert_cmpuint (n_members (br), ==, 1);
  g_assert_cmpuint (node_stats (b).sessions, ==, 1);

  node_stop (f, a);
  WAIT_UNTIL (f, node_stats (b).sessions == 2);
  WAIT_UNTIL (f, serval_client_get_state (alice) == SERVAL_CLIENT_STATE_ONLINE);
  WAIT_UNTIL (f, n_members (br) == 2 && n_members (ar) == 2);
  g_assert_true (has_member (br, "alice"));
  g_assert_true (has_member (ar, "bob"));
  {
    g_autoptr(ServalMember) m = g_list_model_get_item (serval_client_vlan_get_members (br), 1);

    g_assert_cmpstr (serval_member_get_node (m), ==, "node-b");
  }

  send_frame (ar, 1, 9);
  WAIT_UNTIL (f, bob_red.frames >= 1);
  g_assert_cmpuint (bob_red.last[14], ==, 9);
}

static void
link_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Run with --login-timeout 1: a link that never logs in is closed; a client
 * that logged in stays, past the deadline. */
static void
test_login_deadline (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ConnectResult r = { 0 };
  g_autoptr(ServalLink) silent = NULL;
  gboolean closed = FALSE;

  serval_link_connect_async (f->nodes[0].address, f->base.fingerprint, NULL, NULL, connected_cb, &r);
  WAIT_UNTIL (f, r.done);
  g_assert_no_error (r.error);
  silent = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  g_signal_connect (silent, "closed", G_CALLBACK (link_closed_cb), &closed);
  serval_link_start (silent);
  WAIT_UNTIL (f, closed);
  g_assert_cmpuint (node_stats (&f->nodes[0]).clients, ==, 1);
  test_iterate_for (1.5);
  g_assert_cmpint (serval_client_get_state (alice), ==, SERVAL_CLIENT_STATE_ONLINE);
  g_assert_cmpuint (node_stats (&f->nodes[0]).sessions, ==, 1);
}

/* --- a VLAN's configuration (issue 14) ------------------------------------- */

static gboolean
do_vlan_set (Fixture *f, ServalClient *client, const char *vlan, const char *subnet, const char *prefix6,
             GError **error)
{
  SessionRequest q = { .finish = serval_client_vlan_set_finish };

  serval_client_vlan_set_async (client, vlan, subnet, prefix6, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_rule_add (Fixture *f, ServalClient *client, const char *vlan, const char *text, GError **error)
{
  g_autoptr(ServalRule) rule = serval_rule_parse_string (text, NULL);
  SessionRequest q = { .finish = serval_client_rule_add_finish };

  g_assert_nonnull (rule);
  serval_client_rule_add_async (client, vlan, rule, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_rule_del (Fixture *f, ServalClient *client, const char *vlan, guint index, GError **error)
{
  SessionRequest q = { .finish = serval_client_rule_del_finish };

  serval_client_rule_del_async (client, vlan, index, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static gboolean
do_set_bridge (Fixture *f, ServalClient *client, const char *user, gboolean bridge, GError **error)
{
  SessionRequest q = { .finish = serval_client_user_set_bridge_finish };

  serval_client_user_set_bridge_async (client, user, bridge, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

static void
list_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SessionResult *r = user_data;
  GPtrArray *(*finish) (ServalClient *, GAsyncResult *, GError **) = g_object_get_data (G_OBJECT (source),
                                                                                        "test-finish");

  r->object = finish (SERVAL_CLIENT (source), result, &r->error);
  r->ok = r->object != NULL;
  r->done = TRUE;
}

/* The rules of @vlan as text, one a line: "1  deny ...\n2  allow ...\n";
 * NULL with @error on a refusal. */
static char *
rules_text (Fixture *f, ServalClient *client, const char *vlan, GError **error)
{
  SessionResult r = { 0 };
  g_autoptr(GPtrArray) rules = NULL;
  GString *out;

  g_object_set_data (G_OBJECT (client), "test-finish", serval_client_rule_list_finish);
  serval_client_rule_list_async (client, vlan, NULL, list_cb, &r);
  WAIT_UNTIL (f, r.done);
  if (r.error != NULL)
    {
      g_propagate_error (error, r.error);
      return NULL;
    }
  rules = r.object;
  out = g_string_new (NULL);
  for (guint i = 0; i < rules->len; i++)
    {
      g_autofree char *text = serval_rule_to_string (rules->pdata[i]);

      g_string_append_printf (out, "%u  %s\n", i + 1, text);
    }
  return g_string_free (out, FALSE);
}

static GPtrArray *
list_of (Fixture *f, ServalClient *client, gboolean users)
{
  SessionResult r = { 0 };

  if (users)
    {
      g_object_set_data (G_OBJECT (client), "test-finish", serval_client_list_users_finish);
      serval_client_list_users_async (client, NULL, list_cb, &r);
    }
  else
    {
      g_object_set_data (G_OBJECT (client), "test-finish", serval_client_list_vlans_finish);
      serval_client_list_vlans_async (client, NULL, list_cb, &r);
    }
  WAIT_UNTIL (f, r.done);
  g_assert_no_error (r.error);
  return r.object;
}

static ServalVlanInfo *
vlan_info (GPtrArray *vlans, const char *name)
{
  for (guint i = 0; i < vlans->len; i++)
    if (g_str_equal (((ServalVlanInfo *) vlans->pdata[i])->name, name))
      return vlans->pdata[i];
  g_assert_not_reached ();
}

/* An administrator gives a VLAN a subnet and a prefix, and removes the
 * prefix again; every user sees them in the VLAN list; a user who is not
 * an administrator may not set them; bad values come back with the store's
 * reason. */
static void
test_vlan_set (Fixture *f, gconstpointer data)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = NULL;
  g_autoptr(GPtrArray) after = NULL;

  g_assert_true (do_vlan_set (f, root, "red", "10.77.0.0/24", "fd00:77::/64", &error));
  g_assert_no_error (error);
  vlans = list_of (f, alice, FALSE);
  g_assert_cmpstr (vlan_info (vlans, "red")->subnet, ==, "10.77.0.0/24");
  g_assert_cmpstr (vlan_info (vlans, "red")->prefix6, ==, "fd00:77::/64");
  g_assert_null (vlan_info (vlans, "blue")->subnet);

  g_assert_false (do_vlan_set (f, alice, "blue", "10.78.0.0/24", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  g_assert_false (do_vlan_set (f, root, "red", "10.77.0.0/33", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER);
  g_assert_nonnull (strstr (error->message, "10.77.0.0/33"));
  g_clear_error (&error);
  g_assert_false (do_vlan_set (f, root, "green", "10.79.0.0/24", NULL, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_VLAN);
  g_clear_error (&error);

  /* "" removes, NULL keeps. */
  g_assert_true (do_vlan_set (f, root, "red", NULL, "", &error));
  g_assert_no_error (error);
  after = list_of (f, root, FALSE);
  g_assert_cmpstr (vlan_info (after, "red")->subnet, ==, "10.77.0.0/24");
  g_assert_null (vlan_info (after, "red")->prefix6);
}

/* Rules are appended in order, listed numbered from 1, deleted by number
 * (the later ones move up); a number past the end is refused with a text
 * that says how many there are; only administrators may do any of it. */
static void
test_vlan_rules (Fixture *f, gconstpointer data)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  g_autoptr(GError) error = NULL;
  g_autofree char *three = NULL;
  g_autofree char *two = NULL;
  g_autofree char *none = NULL;

  none = rules_text (f, root, "red", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (none, ==, "");
  g_assert_true (do_rule_add (f, root, "red", "deny proto tcp from carol port 22", &error));
  g_assert_true (do_rule_add (f, root, "red", "allow proto icmp", &error));
  g_assert_true (do_rule_add (f, root, "red", "deny proto 0x0806 to bob src 10.77.0.0/24", &error));
  g_assert_no_error (error);
  three = rules_text (f, root, "red", &error);
  g_assert_cmpstr (three, ==,
                   "1  deny proto tcp from carol port 22\n"
                   "2  allow proto icmp\n"
                   "3  deny proto 0x0806 to bob src 10.77.0.0/24\n");

  g_assert_true (do_rule_del (f, root, "red", 2, &error));
  g_assert_no_error (error);
  two = rules_text (f, root, "red", &error);
  g_assert_cmpstr (two, ==, "1  deny proto tcp from carol port 22\n2  deny proto 0x0806 to bob src 10.77.0.0/24\n");

  g_assert_false (do_rule_del (f, root, "red", 7, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==, "VLAN red has no rule 7: it has 2 (servalctl vlan rule list red)");
  g_clear_error (&error);

  g_assert_false (do_rule_add (f, alice, "red", "allow", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (do_rule_del (f, alice, "red", 1, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_null (rules_text (f, alice, "red", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_null (rules_text (f, root, "green", &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_VLAN);
}

/* The bridge right shows in the user list; only administrators give it. */
static void
test_bridge_right (Fixture *f, gconstpointer data)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) later = NULL;

  g_assert_true (do_set_bridge (f, root, "bob", TRUE, &error));
  g_assert_no_error (error);
  users = list_of (f, root, TRUE);
  for (guint i = 0; i < users->len; i++)
    {
      ServalUserInfo *u = users->pdata[i];

      g_assert_cmpint (u->bridge, ==, g_str_equal (u->name, "bob"));
    }
  g_assert_false (do_set_bridge (f, alice, "alice", TRUE, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (do_set_bridge (f, root, "nobody", TRUE, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_USER);
  g_clear_error (&error);
  g_assert_true (do_set_bridge (f, root, "bob", FALSE, &error));
  later = list_of (f, root, TRUE);
  for (guint i = 0; i < later->len; i++)
    g_assert_false (((ServalUserInfo *) later->pdata[i])->bridge);
}

static gboolean
do_set_rate_limit (Fixture *f, ServalClient *client, const char *user, guint64 rate, GError **error)
{
  SessionRequest q = { .finish = serval_client_user_set_rate_limit_finish };

  serval_client_user_set_rate_limit_async (client, user, rate, NULL, session_request_cb, &q);
  return request_wait (f, &q, error);
}

/* A frame from alice (02:00:00:00:00:01) to bob (…:02), unicast to a MAC the
 * switch knows: flooded frames would meet its storm control too. */
static void
send_to_bob (ServalClientVlan *vlan)
{
  guint8 frame[60] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5 };

  g_assert_true (serval_client_vlan_send (vlan, frame, sizeof frame));
}

static guint64
rate_drops (Fixture *f)
{
  ServalFairStats stats;

  serval_server_get_fair_stats (f->nodes[0].server, &stats);
  return stats.dropped[SERVAL_FAIR_DROP_RATE];
}

/* A user's own rate limit: only administrators set it, the user list shows
 * it, and it applies to the user's live session at once; 0 lifts it. The
 * limit is 1,000 bytes/s, so its bucket holds its least burst, 128 KiB
 * (2,184 frames of 60 bytes), and a refill that the test's run adds to it
 * is small against the 4,000 frames alice sends at once. */
static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  FrameLog bob_red = { 0 }, alice_red = { 0 };
  g_autoptr(ServalClientVlan) ar = client_join_ok (f, alice, "red", &alice_red);
  g_autoptr(ServalClientVlan) br = client_join_ok (f, bob, "red", &bob_red);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  guint before;

  g_assert_false (do_set_rate_limit (f, alice, "alice", 0, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (do_set_rate_limit (f, root, "nobody", 1000, &error));
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_USER);
  g_clear_error (&error);

  /* bob's MAC known to the switch, so that frames to him are not flooded
   * (and met by storm control); no limit yet: every frame gets through. */
  send_frame (br, 2, 0);
  WAIT_UNTIL (f, alice_red.frames >= 1);
  for (guint i = 0; i < 100; i++)
    send_to_bob (ar);
  WAIT_UNTIL (f, bob_red.frames >= 100);
  g_assert_cmpuint (rate_drops (f), ==, 0);

  g_assert_true (do_set_rate_limit (f, root, "alice", 1000, &error));
  g_assert_no_error (error);
  users = list_of (f, root, TRUE);
  for (guint i = 0; i < users->len; i++)
    {
      ServalUserInfo *u = users->pdata[i];

      g_assert_cmpuint (u->rate_limit, ==, g_str_equal (u->name, "alice") ? 1000 : 0);
    }
  before = bob_red.frames;
  for (guint i = 0; i < 4000; i++)
    send_to_bob (ar);
  /* The server reads a link in order: once the next request is answered, it
   * has taken or dropped every frame before it. */
  g_assert_true (do_set_rate_limit (f, root, "alice", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rate_drops (f), >=, 4000 - 2184 - 200);
  g_assert_cmpuint (bob_red.frames - before, <=, 2184 + 200);

  /* Lifted: no more drops, and the frames reach bob. */
  {
    guint64 drops = rate_drops (f);

    before = bob_red.frames;
    for (guint i = 0; i < 1000; i++)
      send_to_bob (ar);
    WAIT_UNTIL (f, bob_red.frames - before >= 1000);
    g_assert_cmpuint (rate_drops (f), ==, drops);
  }
}

/* The address of @user in @vlan's member list, or NULL. */
static const char *
member_address (ServalClientVlan *vlan, const char *user)
{
  GListModel *members = serval_client_vlan_get_members (vlan);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (members, i);
      const char *const *addresses = serval_member_get_addresses (m);

      if (g_str_equal (serval_member_get_user (m), user))
        return addresses != NULL ? g_intern_string (addresses[0]) : NULL;
    }
  return NULL;
}

/* In a VLAN with a subnet every member gets an address in it at the join,
 * none the server's own, no two the same; leaving and joining again with
 * the same MAC gives the same one back; other members see it. */
static void
test_join_leases (Fixture *f, gconstpointer data)
{
  static const guint8 mac_a[6] = { 0x02, 0x5e, 0x00, 0x00, 0x00, 0x21 };
  static const guint8 mac_b[6] = { 0x02, 0x5e, 0x00, 0x00, 0x00, 0x22 };
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) ar = NULL;
  g_autoptr(ServalClientVlan) br = NULL;
  g_autoptr(ServalClientVlan) again = NULL;
  g_autofree char *first = NULL;
  g_autofree char *alice_host = NULL;

  g_assert_true (do_vlan_set (f, root, "red", "10.77.0.0/24", "fd00:77::/64", &error));
  g_assert_no_error (error);
  ar = client_join_mac (f, alice, "red", mac_a, &error);
  g_assert_no_error (error);
  br = client_join_mac (f, bob, "red", mac_b, &error);
  g_assert_no_error (error);
  first = g_strdup (serval_client_vlan_get_address (ar));
  g_assert_true (g_str_has_prefix (first, "10.77.0.") && g_str_has_suffix (first, "/24"));
  g_assert_cmpstr (first, !=, "10.77.0.1/24"); /* the server's */
  g_assert_true (g_str_has_prefix (serval_client_vlan_get_address (br), "10.77.0."));
  g_assert_cmpstr (serval_client_vlan_get_address (br), !=, first);
  g_assert_cmpstr (serval_client_vlan_get_prefix6 (ar), ==, "fd00:77::/64");
  /* Bob sees Alice's address in the member list, without its length. */
  alice_host = g_strndup (first, strcspn (first, "/"));
  g_assert_cmpstr (member_address (br, "alice"), ==, alice_host);

  g_assert_true (do_leave (f, alice, "red", &error));
  g_assert_no_error (error);
  g_clear_object (&ar);
  again = client_join_mac (f, alice, "red", mac_a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (serval_client_vlan_get_address (again), ==, first);

  /* A VLAN without a subnet gives none, as before. */
  g_clear_object (&br);
  br = client_join_ok (f, alice, "blue", NULL);
  g_assert_null (serval_client_vlan_get_address (br));
}

/* A subnet with one address to lease (a /30: the server has the first):
 * the second member is refused with an error that says why and what to do,
 * and is not in the VLAN. */
/* Root gives @vlan the /30 @subnet and @first joins it, leased @address (the
 * only one): then @second's join is refused by the server, in @error. */
static ServalClientVlan *
join_full_subnet (Fixture *f, const char *vlan, const char *subnet, ServalClient *first, const char *address,
                  ServalClient *second, GError **error)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClientVlan *joined;

  g_assert_true (do_vlan_set (f, root, vlan, subnet, NULL, error));
  g_assert_no_error (*error);
  joined = client_join_ok (f, first, vlan, NULL);
  g_assert_cmpstr (serval_client_vlan_get_address (joined), ==, address);
  g_assert_null (client_join (f, second, vlan, NULL, error));
  g_assert_error (*error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER);
  return joined;
}

static void
test_join_pool_full (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) ar = join_full_subnet (f, "red", "10.77.0.0/30", alice, "10.77.0.2/30", bob, &error);

  g_assert_nonnull (strstr (error->message, "no address left"));
  g_assert_nonnull (strstr (error->message, "servalctl vlan set red --subnet"));
  g_assert_cmpuint (n_vlans (bob), ==, 0);
  g_assert_cmpuint (n_members (ar), ==, 1);
}

/* The end of a session releases its lease: in a /30 (one address), the
 * next member gets the address the one before had. */
static void
test_lease_released_at_end (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *carol = client_online (f, "carol", "carol-pw");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) ar = NULL;
  /* carol holds the one address: alice is refused, until carol's session ends. */
  g_autoptr(ServalClientVlan) cb = join_full_subnet (f, "blue", "10.78.0.0/30", carol, "10.78.0.2/30", alice, &error);

  g_clear_error (&error);
  serval_client_disconnect (carol);
  WAIT_UNTIL (f, node_stats (&f->nodes[0]).sessions == 2);
  ar = client_join (f, alice, "blue", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ar);
  g_assert_cmpstr (serval_client_vlan_get_address (ar), ==, "10.78.0.2/30");
}

/* A client whose Hello does not say vlanConfig (one older than subnets)
 * gets the answers it can read: no subnet in the VLAN list, no address in
 * the join answer (which otherwise it could not decode). */
static void
test_old_client_answers (Fixture *f, gconstpointer data)
{
  static const guint8 mac[6] = { 0x02, 0x5e, 0x00, 0x00, 0x00, 0x31 };
  ServalClient *root = client_online (f, "root", "root-pw");
  g_autoptr(GError) error = NULL;
  SessionOldClient old = { 0 };
  ServalResponse *resp;
  g_autoptr(GPtrArray) now = NULL;

  g_assert_true (do_vlan_set (f, root, "red", "10.77.0.0/24", "fd00:77::/64", &error));
  g_assert_no_error (error);
  session_old_client_open (&old, f->base.context, f->nodes[0].address, f->base.fingerprint);
  resp = session_old_client_ask (&old, serval_request_build_login (1, "alice", "old-host", "alice-pw", NULL));
  g_assert_cmpint (resp->kind, ==, SERVAL_RESPONSE_LOGGED_IN);

  resp = session_old_client_ask (&old, serval_request_build_name (2, SERVAL_REQUEST_LIST_VLANS, NULL));
  g_assert_cmpint (resp->kind, ==, SERVAL_RESPONSE_VLANS);
  for (guint i = 0; i < resp->vlans->len; i++)
    g_assert_null (((ServalVlanInfo *) resp->vlans->pdata[i])->subnet);

  resp = session_old_client_ask (&old, serval_request_build_join (3, "red", mac));
  g_assert_cmpint (resp->kind, ==, SERVAL_RESPONSE_JOINED);
  g_assert_null (resp->address);
  g_assert_null (resp->prefix6);
  /* ...while the lease is made all the same, for the switch and the others. */
  now = list_of (f, root, FALSE);
  g_assert_cmpstr (vlan_info (now, "red")->subnet, ==, "10.77.0.0/24");
  session_old_client_close (&old);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/session/login", Fixture, NULL, setup, test_login, teardown);
  g_test_add ("/session/wrong-password", Fixture, NULL, setup, test_wrong_password, teardown);
  g_test_add ("/session/frames", Fixture, NULL, setup, test_frames, teardown);
  g_test_add ("/session/member-events", Fixture, NULL, setup, test_member_events, teardown);
  g_test_add ("/session/member-addresses", Fixture, NULL, setup, test_member_addresses, teardown);
  g_test_add ("/session/leave", Fixture, NULL, setup, test_leave, teardown);
  g_test_add ("/session/admin", Fixture, NULL, setup, test_admin, teardown);
  g_test_add ("/session/admin-refused", Fixture, NULL, setup, test_admin_refused, teardown);
  g_test_add ("/session/join-refused", Fixture, NULL, setup, test_join_refused, teardown);
  g_test_add ("/session/join-mac-taken", Fixture, NULL, setup, test_join_mac_taken, teardown);
  g_test_add ("/session/reconnect", Fixture, NULL, setup, test_reconnect, teardown);
  g_test_add ("/session/failover", Fixture, NULL, setup, test_failover, teardown);
  g_test_add ("/session/vlan-set", Fixture, NULL, setup, test_vlan_set, teardown);
  g_test_add ("/session/vlan-rules", Fixture, NULL, setup, test_vlan_rules, teardown);
  g_test_add ("/session/bridge-right", Fixture, NULL, setup, test_bridge_right, teardown);
  g_test_add ("/session/rate-limit", Fixture, NULL, setup, test_rate_limit, teardown);
  g_test_add ("/session/join-leases", Fixture, NULL, setup, test_join_leases, teardown);
  g_test_add ("/session/join-pool-full", Fixture, NULL, setup, test_join_pool_full, teardown);
  g_test_add ("/session/lease-released-at-end", Fixture, NULL, setup, test_lease_released_at_end, teardown);
  g_test_add ("/session/old-client-answers", Fixture, NULL, setup, test_old_client_answers, teardown);
  g_test_add ("/session/login-deadline", Fixture, GUINT_TO_POINTER (1), setup, test_login_deadline, teardown);
  return g_test_run ();
}
