/* test-member-pager.c: the rows of a big VLAN's pages the app fetched, and of a
 * search, follow the member events (issue 17): app/serval-member-pager.c's
 * serval_member_pager_follow(), and the engine's "member-changes" that
 * carries every change, of members its model holds or not, after the model. */
#include "config.h"

#include "serval-client-private.h"
#include "serval-member-pager.h"

static ServalMember *
member_on (const char *user, const char *address, const char *node)
{
  guint8 mac[6] = { 0x02, 0, 0, 0, 0, 0 };
  const char *addresses[] = { address, NULL };

  mac[5] = (guint8) g_str_hash (user);
  return serval_member_new (user, "host", mac, addresses, node, 1000);
}

static ServalMember *
member (const char *user, const char *address)
{
  return member_on (user, address, "node-1");
}

/* @n members u000.., addresses 10.0.0.N */
static GListStore *
rows_new (guint from, guint n)
{
  GListStore *rows = g_list_store_new (SERVAL_TYPE_MEMBER);

  for (guint i = from; i < from + n; i++)
    {
      g_autofree char *user = g_strdup_printf ("u%03u", i);
      g_autofree char *address = g_strdup_printf ("10.0.0.%u/24", i);
      g_autoptr(ServalMember) m = member (user, address);

      g_list_store_append (rows, m);
    }
  return rows;
}

static void
add_change (GPtrArray *changes, ServalEventKind kind, const char *user, const char *address)
{
  g_ptr_array_add (changes, serval_member_change_new (kind, member (user, address)));
}

static char *
users (GListModel *rows)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (rows, i);

      g_string_append_printf (s, "%s%s", i > 0 ? " " : "", serval_member_get_user (m));
    }
  return g_string_free (s, FALSE);
}

static void
count_items_changed (GListModel *model, guint position, guint removed, guint added, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* A page fetched: who left goes, who changed addresses changes in place (the
 * same object: its row stays), who joined again goes (the engine's model
 * shows him now), and changes of members not shown leave it as it is. */
static void
test_pages_follow (void)
{
  g_autoptr(GListStore) rows = rows_new (500, 5); /* u500..u504 */
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_member_change_free);
  g_autoptr(ServalMember) kept = g_list_model_get_item (G_LIST_MODEL (rows), 3);
  g_autofree char *left = NULL;
  guint signals = 0;

  g_signal_connect (rows, "items-changed", G_CALLBACK (count_items_changed), &signals);
  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u501", "10.0.0.1/24");
  add_change (changes, SERVAL_EVENT_MEMBER_UPDATED, "u503", "10.9.9.9/24");
  add_change (changes, SERVAL_EVENT_MEMBER_JOINED, "u504", "10.0.0.4/24");
  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u042", "10.0.0.42/24"); /* not shown here */
  add_change (changes, SERVAL_EVENT_MEMBER_UPDATED, "u043", "10.0.0.43/24");
  add_change (changes, SERVAL_EVENT_MEMBER_JOINED, "u700", "10.0.0.70/24");
  g_assert_cmpuint (serval_member_pager_follow (rows, changes, NULL, FALSE, NULL), ==, 1);
  left = users (G_LIST_MODEL (rows));
  g_assert_cmpstr (left, ==, "u500 u502 u503");
  g_assert_cmpstr (serval_member_get_addresses (kept)[0], ==, "10.9.9.9/24");
  {
    g_autoptr(ServalMember) shown = g_list_model_get_item (G_LIST_MODEL (rows), 2);

    g_assert_true (shown == kept);
  }
  g_assert_cmpuint (signals, ==, 2); /* one per row that went; none for the change in place */
}

/* Another membership of the same user, host and MAC (another node, another
 * time): the row is replaced. */
static void
test_pages_replace (void)
{
  g_autoptr(GListStore) rows = rows_new (500, 2);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_member_change_free);
  g_autoptr(ServalMember) now = member_on ("u501", "10.1.1.1/24", "node-2");
  g_autoptr(ServalMember) shown = NULL;

  g_ptr_array_add (changes, serval_member_change_new (SERVAL_EVENT_MEMBER_UPDATED, g_object_ref (now)));
  g_assert_cmpuint (serval_member_pager_follow (rows, changes, NULL, FALSE, NULL), ==, 0);
  shown = g_list_model_get_item (G_LIST_MODEL (rows), 1);
  g_assert_true (shown == now);
}

/* A search's matches: who left goes and is counted out, whether fetched or
 * not; a joiner who matches is counted in, and goes last once every match
 * shows; members the search does not match change no count. */
static void
test_search_follow (void)
{
  g_autoptr(GListStore) rows = rows_new (510, 3); /* u510 u511 u512: matches of "u51" */
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_member_change_free);
  g_autofree char *after = NULL;
  g_autofree char *all = NULL;
  int matching = 0;

  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u511", "10.0.0.11/24");
  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u519", "10.0.0.19/24"); /* a match not fetched */
  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u042", "10.0.0.42/24"); /* no match */
  add_change (changes, SERVAL_EVENT_MEMBER_JOINED, "u515", "10.0.0.15/24");
  add_change (changes, SERVAL_EVENT_MEMBER_JOINED, "u600", "10.0.0.60/24"); /* no match */
  g_assert_cmpuint (serval_member_pager_follow (rows, changes, "u51", FALSE, &matching), ==, 1);
  g_assert_cmpint (matching, ==, -1);
  after = users (G_LIST_MODEL (rows));
  g_assert_cmpstr (after, ==, "u510 u512"); /* u515 comes with a later page */

  g_ptr_array_set_size (changes, 0);
  matching = 0;
  add_change (changes, SERVAL_EVENT_MEMBER_JOINED, "u516", "10.0.0.16/24");
  g_assert_cmpuint (serval_member_pager_follow (rows, changes, "u51", TRUE, &matching), ==, 0);
  g_assert_cmpint (matching, ==, 1);
  all = users (G_LIST_MODEL (rows));
  g_assert_cmpstr (all, ==, "u510 u512 u516");
}

typedef struct
{
  guint calls;
  guint total;    /* serval_client_vlan_get_member_total() in the handler */
  guint in_model; /* rows of the model then */
  guint changes;
} Heard;

static void
heard_cb (ServalClientVlan *vlan, GPtrArray *changes, gpointer user_data)
{
  Heard *h = user_data;

  h->calls++;
  h->total = serval_client_vlan_get_member_total (vlan);
  h->in_model = g_list_model_get_n_items (serval_client_vlan_get_members (vlan));
  h->changes = changes->len;
}

/* The engine tells every change of a coalesced event, also of the members
 * its model of a big VLAN does not hold, once the model and the count are
 * up to date. */
static void
test_engine_tells (void)
{
  g_autoptr(ServalClientVlan) vlan = g_object_new (SERVAL_TYPE_CLIENT_VLAN, NULL);
  g_autoptr(GListStore) first = rows_new (0, 5);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_member_change_free);
  Heard heard = { 0 };

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (G_LIST_MODEL (first), i);

      g_list_store_append (vlan->members, m);
    }
  vlan->members_total = 8; /* the model holds the first page: 5 of 8 */
  serval_client_vlan_connect_member_changes (vlan, heard_cb, &heard);
  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u006", "10.0.0.6/24"); /* beyond the model */
  add_change (changes, SERVAL_EVENT_MEMBER_LEFT, "u001", "10.0.0.1/24");
  add_change (changes, SERVAL_EVENT_MEMBER_UPDATED, "u007", "10.0.0.77/24");
  serval_client_vlan_apply_changes (vlan, changes);
  g_assert_cmpuint (heard.calls, ==, 1);
  g_assert_cmpuint (heard.changes, ==, 3);
  g_assert_cmpuint (heard.in_model, ==, 4);
  g_assert_cmpuint (heard.total, ==, 6);
  g_signal_handlers_disconnect_by_data (vlan, &heard);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/member-pager/pages-follow", test_pages_follow);
  g_test_add_func ("/member-pager/pages-replace", test_pages_replace);
  g_test_add_func ("/member-pager/search-follow", test_search_follow);
  g_test_add_func ("/member-pager/engine-tells", test_engine_tells);
  return g_test_run ();
}
