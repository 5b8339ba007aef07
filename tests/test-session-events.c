/* Member events in big VLANs (issue 17), in one process: a real
 * ServalServer and a few hundred real ServalClients over loopback, on a
 * main context of the test's own (as tests/test-session.c).
 *
 * What is checked is counted, never timed: how many times a member's model
 * changed while 200 others joined, which members it ends with, what pages
 * hold, and what a client older than coalesced events receives. The one
 * window of a second that the server keeps between two events to a client
 * is met by doing what must fall in one window in a few milliseconds, and
 * the scenario runs again (never counted as a pass) if the machine was so
 * slow that it did not.
 *
 * Every wait iterates the context until its condition holds; the limit is
 * a safety net, never a measurement. */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "serval-message.h"
#include "session-fixture.h"
#include "test-async.h"
#include "test-store-util.h"
#include "link-test-util.h"
#include "test-utils.h"

#define WAIT_SECONDS 60
#define BURST        200

typedef struct
{
  SessionBase base; /* context, certificate fingerprint, clients */
  char *dir;
  char *address;
  ServalServer *server;
} Fixture;

#define WAIT_UNTIL(f, cond) SESSION_WAIT_UNTIL ((f)->base.context, WAIT_SECONDS, cond, #cond)

/* --- the server ------------------------------------------------------------ */

/* The data directory: root (admin); alice, bob and bulk (whose many clients
 * are the burst, each with a host name of its own) may join red. */
static void
data_init (Fixture *f)
{
  g_autoptr(ServalStore) store = session_data_dir_new ("serval-events-XXXXXX", &f->dir, NULL);

  session_add_users (store, (const char *const[]){ "root", NULL }, TRUE, NULL);
  session_add_users (store, (const char *const[]){ "alice", "bob", "bulk", NULL }, FALSE, "red");
}

static void
server_start (Fixture *f)
{
  ServalServerConfig config;

  session_config_init (&config, f->dir, "node-a");
  /* Hundreds of clients from one address: the limits meant for strangers
   * would hold them back. */
  config.max_handshakes_per_address = 1000;
  config.max_unauthenticated_per_address = 1000;
  config.max_failed_logins = 10000; /* a check under way counts as failed until it ends */
  f->server = session_server_start_new (&config, &f->address);
  serval_server_config_clear (&config);
}

static void
setup (Fixture *f, gconstpointer data)
{
  session_base_init (&f->base);
  data_init (f);
  server_start (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  session_base_clear_clients (&f->base);
  test_drain ();
  g_clear_pointer (&f->server, serval_server_free);
  g_free (f->address);
  test_tmp_dir_remove (f->dir);
  g_free (f->dir);
  session_base_clear (&f->base);
}

/* --- clients --------------------------------------------------------------- */

/* @n clients of @user, hosts "@host-000"..., all logged in. */
static GPtrArray *
clients_online (Fixture *f, const char *user, const char *password, const char *host, guint n)
{
  GPtrArray *clients = g_ptr_array_new ();
  g_autofree SessionResult *results = g_new0 (SessionResult, n);
  guint done = 0;

  for (guint i = 0; i < n; i++)
    {
      ServalClient *client = serval_client_new (f->address, user, password, f->base.fingerprint);
      g_autofree char *name = n == 1 ? g_strdup (host) : g_strdup_printf ("%s-%03u", host, i);

      serval_client_set_host_name (client, name);
      g_ptr_array_add (f->base.clients, client);
      g_ptr_array_add (clients, client);
      results[i].count = &done;
      serval_client_connect_async (client, NULL, session_connect_cb, &results[i]);
      if (i % 20 == 19) /* a few handshakes at a time: the test's own thread does them all */
        WAIT_UNTIL (f, done == i + 1);
    }
  WAIT_UNTIL (f, done == n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_no_error (results[i].error);
      g_assert_true (results[i].ok);
    }
  return clients;
}

static ServalClient *
client_online (Fixture *f, const char *user, const char *password)
{
  g_autoptr(GPtrArray) one = clients_online (f, user, password, user, 1);

  return one->pdata[0];
}

/* Joins red from every client of @clients at once, client i with MAC
 * 02:00:00:@base:i/256:i%256; (element-type ServalClientVlan) the VLANs. */
static GPtrArray *
join_all (Fixture *f, GPtrArray *clients, guint8 base)
{
  g_autofree SessionResult *results = g_new0 (SessionResult, clients->len);
  GPtrArray *vlans = g_ptr_array_new_with_free_func (g_object_unref);
  guint done = 0;

  for (guint i = 0; i < clients->len; i++)
    {
      guint8 mac[6] = { 0x02, 0, 0, base, i / 256, i % 256 };

      results[i].count = &done;
      serval_client_join_frames_async (clients->pdata[i], "red", mac, NULL, NULL, NULL, session_join_cb, &results[i]);
    }
  WAIT_UNTIL (f, done == clients->len);
  for (guint i = 0; i < clients->len; i++)
    {
      g_assert_no_error (results[i].error);
      g_ptr_array_add (vlans, results[i].object);
    }
  return vlans;
}

/* Joins red from @client alone, with MAC 02:00:00:@base:00:00. */
static ServalClientVlan *
join_one (Fixture *f, ServalClient *client, guint8 base)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autoptr(GPtrArray) vlans = NULL;

  g_ptr_array_add (one, client);
  vlans = join_all (f, one, base);
  return g_object_ref (vlans->pdata[0]);
}

static void
leave (Fixture *f, ServalClient *client)
{
  SessionRequest q = { .finish = serval_client_leave_finish };

  serval_client_leave_async (client, "red", NULL, session_request_cb, &q);
  WAIT_UNTIL (f, q.r.done);
  g_assert_no_error (q.r.error);
}

static guint
n_items (GListModel *model)
{
  return g_list_model_get_n_items (model);
}

/* Whether every host of @model is there once, and only @hosts are. */
static void
assert_hosts (GListModel *model, GHashTable *hosts)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n_items (model); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (model, i);
      const char *host = serval_member_get_host (m);

      if (!g_hash_table_contains (hosts, host))
        g_error ("member %s@%s should not be in the list", serval_member_get_user (m), host);
      if (!g_hash_table_add (seen, g_strdup (host)))
        g_error ("member %s@%s is in the list twice", serval_member_get_user (m), host);
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (hosts));
}

static GHashTable *
burst_hosts (guint n, const char *also)
{
  GHashTable *hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n; i++)
    g_hash_table_add (hosts, g_strdup_printf ("bulk-%03u", i));
  if (also != NULL)
    g_hash_table_add (hosts, g_strdup (also));
  return hosts;
}

static void
count_changes_cb (GListModel *model, guint position, guint removed, guint added, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Whether @model holds a member of host @host. */
static gboolean
has_host (GListModel *model, const char *host)
{
  return session_members_have (model, NULL, host);
}

/* --- tests ----------------------------------------------------------------- */

/* 200 members join in a burst: a member that was there gets a few
 * coalesced events, not 200, and its list ends with exactly the 201. */
static void
test_burst (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  g_autoptr(ServalClientVlan) red = join_one (f, alice, 1);
  GListModel *model = serval_client_vlan_get_members (red);
  g_autoptr(GPtrArray) bulk = clients_online (f, "bulk", "bulk-pw", "bulk", BURST);
  g_autoptr(GPtrArray) vlans = NULL;
  g_autoptr(GHashTable) hosts = burst_hosts (BURST, "alice");
  guint changes = 0;
  gulong id = g_signal_connect (model, "items-changed", G_CALLBACK (count_changes_cb), &changes);

  vlans = join_all (f, bulk, 2);
  WAIT_UNTIL (f, n_items (model) == BURST + 1);
  g_signal_handler_disconnect (model, id);
  g_test_message ("%u joins reached the member who was there in %u changes of its list", BURST, changes);
  g_assert_cmpuint (changes, >=, 1);
  g_assert_cmpuint (changes, <=, 5 + BURST / 100);
  assert_hosts (model, hosts);
  g_assert_cmpuint (serval_client_vlan_get_member_total (red), ==, BURST + 1);
  /* Every joiner ends with the whole list too: its join answer, then the
   * coalesced events of those after it. */
  for (guint i = 0; i < vlans->len; i++)
    {
      GListModel *theirs = serval_client_vlan_get_members (vlans->pdata[i]);

      WAIT_UNTIL (f, n_items (theirs) == BURST + 1);
      assert_hosts (theirs, hosts);
    }
}

/* A member that joins and leaves within one window of the server's never
 * shows in the others' lists; one that joins in it does. */
static void
test_collapse (Fixture *f, gconstpointer data)
{
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(GPtrArray) bulk = clients_online (f, "bulk", "bulk-pw", "bulk", 6);
  g_autoptr(ServalClientVlan) red = join_one (f, alice, 1);
  GListModel *model = serval_client_vlan_get_members (red);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(ServalClientVlan) opener = NULL;
      g_autoptr(ServalClientVlan) bob_red = NULL;
      g_autoptr(ServalClientVlan) closer = NULL;
      gboolean bob_seen = FALSE;
      guint changes = 0;
      gint64 start;
      gulong id;

      /* One member's join opens a window: it goes at once, what follows
       * within the second waits for its end. */
      g_autofree char *opener_host = g_strdup_printf ("bulk-%03u", 2 * round);
      g_autofree char *closer_host = g_strdup_printf ("bulk-%03u", 2 * round + 1);

      opener = join_one (f, bulk->pdata[2 * round], 10 + 2 * round);
      WAIT_UNTIL (f, has_host (model, opener_host));
      start = g_get_monotonic_time ();
      id = g_signal_connect (model, "items-changed", G_CALLBACK (count_changes_cb), &changes);
      bob_red = join_one (f, bob, 3 + round);
      bob_seen |= has_host (model, "bob");
      leave (f, bob);
      bob_seen |= has_host (model, "bob");
      closer = join_one (f, bulk->pdata[2 * round + 1], 11 + 2 * round);
      if (g_get_monotonic_time () - start > G_USEC_PER_SEC / 2)
        {
          /* Too slow a machine to be sure of one window: again. */
          g_signal_handler_disconnect (model, id);
          g_test_message ("round %u took more than half a second: again", round);
          WAIT_UNTIL (f, has_host (model, closer_host));
          continue;
        }
      WAIT_UNTIL (f, has_host (model, closer_host) || has_host (model, "bob"));
      g_signal_handler_disconnect (model, id);
      g_assert_false (bob_seen);
      g_assert_false (has_host (model, "bob"));
      g_assert_cmpuint (changes, ==, 1); /* the closer's join, bob's none */
      return;
    }
  g_test_fail_printf ("three rounds were each too slow to fall in one window of the server's");
}

/* A page of the members of @vlan (joined or not) that @client lists,
 * waited for: %NULL with @error if the server refused. */
static GListModel *
list_page (Fixture *f, ServalClient *client, const char *vlan, guint offset, guint count, const char *search,
           guint *total, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  serval_client_list_member_page_async (client, vlan, offset, count, search, NULL, test_async_result_cb, &result);
  WAIT_UNTIL (f, result != NULL);
  return serval_client_list_member_page_finish (client, result, total, error);
}

/* A page of the members of @vlan, which the client joined, waited for. */
static GListModel *
fetch_page (Fixture *f, ServalClientVlan *vlan, guint offset, guint count, guint *total)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *page;

  serval_client_vlan_fetch_members_async (vlan, offset, count, NULL, NULL, test_async_result_cb, &result);
  WAIT_UNTIL (f, result != NULL);
  page = serval_client_vlan_fetch_members_finish (vlan, result, total, &error);
  g_assert_no_error (error);
  return page;
}

/* Pages of a VLAN, asked by an administrator who is not in it: every
 * member once across them; a search on the server; a page of a joined VLAN. */
static void
test_pages (Fixture *f, gconstpointer data)
{
  ServalClient *root = client_online (f, "root", "root-pw");
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  g_autoptr(ServalClientVlan) red = join_one (f, alice, 1);
  g_autoptr(GPtrArray) bulk = clients_online (f, "bulk", "bulk-pw", "bulk", 120);
  g_autoptr(GPtrArray) vlans = join_all (f, bulk, 2);
  g_autoptr(GHashTable) hosts = burst_hosts (120, "alice");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GListModel) page = NULL;
  g_autoptr(GError) error = NULL;
  guint offset = 0, total = 0;

  for (guint pages = 0;; pages++)
    {
      g_clear_object (&page);
      page = list_page (f, root, "red", offset, 50, NULL, &total, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (total, ==, 121);
      if (n_items (page) == 0)
        {
          g_assert_cmpuint (pages, ==, 3);
          break;
        }
      g_assert_cmpuint (n_items (page), ==, MIN (50, 121 - offset));
      for (guint i = 0; i < n_items (page); i++)
        {
          g_autoptr(ServalMember) m = g_list_model_get_item (page, i);

          g_assert_true (g_hash_table_contains (hosts, serval_member_get_host (m)));
          g_assert_true (g_hash_table_add (seen, g_strdup (serval_member_get_host (m))));
        }
      offset += n_items (page);
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 121);

  /* The server searches user and host names. */
  g_clear_object (&page);
  page = list_page (f, root, "red", 0, 500, "bulk-01", &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 10);
  g_assert_cmpuint (n_items (page), ==, 10);

  /* A page of the VLAN a client is in, past the first 100. */
  g_clear_object (&page);
  page = fetch_page (f, red, 100, 500, &total);
  g_assert_cmpuint (total, ==, 121);
  g_assert_cmpuint (n_items (page), ==, 21);

  /* A VLAN the user may not see. */
  g_clear_object (&page);
  page = list_page (f, alice, "nonesuch", 0, 10, NULL, &total, &error);
  g_assert_error (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_NO_SUCH_VLAN);
  g_assert_null (page);
}

/* A client whose Hello does not say memberPages (one before them) gets one
 * event per join, and the whole list in its join answer, without a total. */
static void
test_old_client (Fixture *f, gconstpointer data)
{
  static const guint8 mac[6] = { 0x02, 0x5e, 0, 0, 0, 0x31 };
  g_autoptr(GPtrArray) bulk = clients_online (f, "bulk", "bulk-pw", "bulk", 30);
  g_autoptr(GPtrArray) first = g_ptr_array_new ();
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(GPtrArray) vlans = NULL;
  g_autoptr(GPtrArray) more = NULL;
  SessionOldClient old = { 0 };
  ServalResponse *resp;

  for (guint i = 0; i < bulk->len; i++)
    g_ptr_array_add (i < 10 ? first : rest, bulk->pdata[i]);
  vlans = join_all (f, first, 2);
  session_old_client_open (&old, f->base.context, f->address, f->base.fingerprint);
  resp = session_old_client_ask (&old, serval_request_build_login (1, "bob", "old-host", "bob-pw", NULL));
  g_assert_cmpint (resp->kind, ==, SERVAL_RESPONSE_LOGGED_IN);
  resp = session_old_client_ask (&old, serval_request_build_join (2, "red", mac));
  g_assert_cmpint (resp->kind, ==, SERVAL_RESPONSE_JOINED);
  g_assert_false (resp->has_total);
  g_assert_cmpuint (resp->members->len, ==, 11);

  more = join_all (f, rest, 3);
  WAIT_UNTIL (f, old.joined == rest->len);
  g_assert_cmpuint (old.changes, ==, 0);
  session_old_client_close (&old);
}

/* The host of a member beyond the first page that @client sees of red
 * (offset 500), and whether there is one. */
static char *
host_beyond_first_page (Fixture *f, ServalClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) page = list_page (f, client, "red", SERVAL_MEMBER_PAGE_MAX, 1, "bulk", NULL, &error);
  g_autoptr(ServalMember) m = NULL;

  g_assert_no_error (error);
  if (n_items (page) == 0)
    return NULL;
  m = g_list_model_get_item (page, 0);
  return g_strdup (serval_member_get_host (m));
}

/* In a VLAN of more than 500 members, a joiner's model holds the first
 * page and whoever comes after; the total counts the others, and pages
 * get them. */
static void
test_big_vlan (Fixture *f, gconstpointer data)
{
  const guint n = SERVAL_MEMBER_PAGE_MAX + 20;
  g_autoptr(GPtrArray) bulk = clients_online (f, "bulk", "bulk-pw", "bulk", n);
  g_autoptr(GPtrArray) vlans = join_all (f, bulk, 2);
  ServalClient *alice = client_online (f, "alice", "alice-pw");
  ServalClient *bob = client_online (f, "bob", "bob-pw");
  g_autoptr(ServalClientVlan) red = join_one (f, alice, 1);
  g_autoptr(ServalClientVlan) bob_red = NULL;
  GListModel *model = serval_client_vlan_get_members (red);
  g_autoptr(GHashTable) hosts = burst_hosts (n, "alice");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *beyond = NULL;
  g_autoptr(ServalMember) first = NULL;
  g_autofree char *first_host = NULL;
  guint index;

  g_assert_cmpuint (n_items (model), ==, SERVAL_MEMBER_PAGE_MAX);
  g_assert_cmpuint (serval_client_vlan_get_member_total (red), ==, n + 1);
  g_assert_true (has_host (model, "alice")); /* its own row, though it came last */

  /* One more comes: it shows, and counts. */
  bob_red = join_one (f, bob, 3);
  WAIT_UNTIL (f, has_host (model, "bob"));
  g_assert_cmpuint (n_items (model), ==, SERVAL_MEMBER_PAGE_MAX + 1);
  g_assert_cmpuint (serval_client_vlan_get_member_total (red), ==, n + 2);

  /* One the model does not hold goes: only the total says it. */
  beyond = host_beyond_first_page (f, alice);
  g_assert_nonnull (beyond);
  g_assert_false (has_host (model, beyond));
  g_assert_cmpint (sscanf (beyond, "bulk-%u", &index), ==, 1);
  leave (f, bulk->pdata[index]);
  WAIT_UNTIL (f, serval_client_vlan_get_member_total (red) == n + 1);
  g_assert_cmpuint (n_items (model), ==, SERVAL_MEMBER_PAGE_MAX + 1);
  g_hash_table_remove (hosts, beyond);

  /* One it holds goes: its row goes too. */
  /* (the first row that is not alice herself) */
  first = g_list_model_get_item (model, 0);
  if (g_str_equal (serval_member_get_host (first), "alice"))
    {
      g_clear_object (&first);
      first = g_list_model_get_item (model, 1);
    }
  first_host = g_strdup (serval_member_get_host (first));
  g_assert_cmpint (sscanf (first_host, "bulk-%u", &index), ==, 1);
  leave (f, bulk->pdata[index]);
  WAIT_UNTIL (f, !has_host (model, first_host));
  g_assert_cmpuint (n_items (model), ==, SERVAL_MEMBER_PAGE_MAX);
  g_assert_cmpuint (serval_client_vlan_get_member_total (red), ==, n);
  g_hash_table_remove (hosts, first_host);
  g_hash_table_add (hosts, g_strdup ("bob"));

  /* Pages hold every member once. */
  for (guint offset = 0; offset < n + 100;)
    {
      guint total = 0;
      g_autoptr(GListModel) page = fetch_page (f, red, offset, SERVAL_MEMBER_PAGE_MAX, &total);

      g_assert_cmpuint (total, ==, n);
      for (guint i = 0; i < n_items (page); i++)
        {
          g_autoptr(ServalMember) m = g_list_model_get_item (page, i);

          g_assert_true (g_hash_table_contains (hosts, serval_member_get_host (m)));
          g_assert_true (g_hash_table_add (seen, g_strdup (serval_member_get_host (m))));
        }
      if (n_items (page) == 0)
        offset = G_MAXUINT - 1;
      offset += n_items (page);
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, n);
}

/* Some hundreds of clients and their server-side links in one process. */
static void
raise_open_files (void)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  rl.rlim_cur = rl.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2048)
    g_error ("These tests need 2048 open files (a client and its server link each, %u clients): the hard "
             "limit is %lu; raise it (ulimit -Hn) to run them",
             SERVAL_MEMBER_PAGE_MAX + 20, (unsigned long) rl.rlim_max);
}

/* --- announced services (issue 15) ---------------------------------------- */

typedef struct
{
  guint members; /* member records seen in events */
  guint with;    /* ...that carried services */
  gboolean got;  /* an answer came */
  ServalResponse resp;
} ServicesLog;

static void
count_services (ServicesLog *log, ServalMember *m)
{
  log->members++;
  log->with += serval_member_get_services (m)[0] != NULL;
}

static void
services_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  ServicesLog *log = user_data;
  g_auto(ServalEvent) ev = { 0 };

  if (serval_message_get_kind (msg) == SERVAL_MESSAGE_RESPONSE)
    {
      serval_response_clear (&log->resp);
      serval_response_parse (msg, &log->resp);
      log->got = TRUE;
      return;
    }
  if (serval_message_get_kind (msg) != SERVAL_MESSAGE_EVENT || !serval_event_parse (msg, &ev))
    return;
  if (ev.member != NULL)
    count_services (log, ev.member);
  for (guint i = 0; ev.changes != NULL && i < ev.changes->len; i++)
    count_services (log, ((ServalMemberChange *) ev.changes->pdata[i])->member);
}

/* A bare link of bob's in red, its Hello saying memberPages (@pages) but not
 * services, as clients before them did. */
static ServalLink *
old_link_in_red (Fixture *f, gboolean pages, guint8 last, ServicesLog *log)
{
  const guint8 mac[6] = { 0x02, 0x5e, 0, 0, 0x15, last };
  Message_t *hello = serval_hello_build (NULL, FALSE);
  SessionOldClient c = { 0 };
  ServalLink *link;

  if (pages)
    {
      hello->choice.hello.memberPages = calloc (1, sizeof *hello->choice.hello.memberPages);
      *hello->choice.hello.memberPages = TRUE;
    }
  session_old_client_open_hello (&c, f->base.context, f->address, f->base.fingerprint, hello);
  /* Its messages go to @log instead, from the first (none was read yet). */
  link = g_steal_pointer (&c.link);
  serval_link_set_handlers (link, services_message_cb, NULL, log);
  serval_link_send_take (link, serval_request_build_login (1, "bob", pages ? "paged" : "single", "bob-pw", NULL));
  WAIT_UNTIL (f, log->got);
  g_assert_cmpint (log->resp.kind, ==, SERVAL_RESPONSE_LOGGED_IN);
  log->got = FALSE;
  serval_link_send_take (link, serval_request_build_join (2, "red", mac));
  WAIT_UNTIL (f, log->got);
  g_assert_cmpint (log->resp.kind, ==, SERVAL_RESPONSE_JOINED);
  return link;
}

/* A member's announced web page reaches, in member events, the clients whose
 * Hello said services (the coalesced event), and not the others: neither a
 * client of coalesced events before services nor one of single events. */
static void
test_services (Fixture *f, gconstpointer data)
{
  const char *const web[] = { "https:8443/admin", NULL };
  ServalClient *watcher = client_online (f, "alice", "alice-pw");
  g_autoptr(ServalClientVlan) watched = join_one (f, watcher, 7);
  ServicesLog paged_log = { 0 }, single_log = { 0 };
  g_autoptr(ServalLink) paged = old_link_in_red (f, TRUE, 1, &paged_log);
  g_autoptr(ServalLink) single = old_link_in_red (f, FALSE, 2, &single_log);
  g_autoptr(GPtrArray) bulk = clients_online (f, "bulk", "bulk-pw", "web", 1);
  g_autoptr(ServalClientVlan) announcing = NULL;

  serval_client_set_services (bulk->pdata[0], web);
  announcing = join_one (f, bulk->pdata[0], 8);
  WAIT_UNTIL (f, has_host (serval_client_vlan_get_members (watched), "web"));
  for (guint i = 0; i < n_items (serval_client_vlan_get_members (watched)); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (serval_client_vlan_get_members (watched), i);

      if (g_str_equal (serval_member_get_host (m), "web"))
        g_assert_cmpstrv (serval_member_get_services (m), web);
    }
  WAIT_UNTIL (f, paged_log.members >= 2 && single_log.members >= 1); /* (paged: single's join too) */
  g_assert_cmpuint (paged_log.with, ==, 0);
  g_assert_cmpuint (single_log.with, ==, 0);
  serval_response_clear (&paged_log.resp);
  serval_response_clear (&single_log.resp);
  serval_link_close (paged, NULL);
  serval_link_close (single, NULL);
}

/* Adds the test "/session-events/@name": @func with a server of its own. */
static void
add_test (const char *name, void (*func) (Fixture *f, gconstpointer data))
{
  g_autofree char *path = g_strconcat ("/session-events/", name, NULL);

  g_test_add (path, Fixture, NULL, setup, func, teardown);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  raise_open_files ();
  add_test ("burst", test_burst);
  add_test ("collapse", test_collapse);
  add_test ("pages", test_pages);
  add_test ("old-client", test_old_client);
  add_test ("big-vlan", test_big_vlan);
  add_test ("services", test_services);
  return g_test_run ();
}
