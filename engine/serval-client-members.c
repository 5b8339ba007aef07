/* serval-client-members.c: a client in a big VLAN (issue 17).
 *
 * A server whose Hello said memberPages sends a VLAN's member changes
 * coalesced, many in one event at most about once a second: they go into
 * the VLAN's model in one splice, from the first row they touch to the end.
 * Its join answer carries the first 500 members and the VLAN's total; in a
 * VLAN of more, the model holds that page and whoever joined or changed
 * since, and pages of the others are asked for (serval_client_vlan_fetch_members_async(),
 * serval_client_list_member_page_async()), with a search on the server if
 * wanted. A server before pages answers a page request's listMembers with
 * its whole list, of which the page is cut here.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-client-private.h"

#include <string.h>

guint
serval_client_vlan_get_member_total (ServalClientVlan *vlan)
{
  return MAX (vlan->members_total, g_list_model_get_n_items (G_LIST_MODEL (vlan->members)));
}

/* --- coalesced member events ----------------------------------------------- */

gulong
serval_client_vlan_connect_member_changes (ServalClientVlan *vlan, ServalClientVlanChangesFunc func,
                                           gpointer user_data)
{
  return g_signal_connect (vlan, "member-changes", G_CALLBACK (func), user_data);
}

/* What a member is known by: serval_member_same()'s user, host and MAC. */
static char *
member_key (ServalMember *member)
{
  return g_strdup_printf ("%s\n%s\n%s", serval_member_get_user (member), serval_member_get_host (member),
                          serval_member_get_mac (member));
}

/* Marks a row that goes, in the table of rows that change. */
static char removed_row;

/* Row -> position + 1 of each member of @model, by member_key(). */
static GHashTable *
index_rows (GListModel *model)
{
  guint n = g_list_model_get_n_items (model);
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (model, i);

      g_hash_table_insert (index, member_key (m), GUINT_TO_POINTER (i + 1));
    }
  return index;
}

void
serval_client_vlan_apply_changes (ServalClientVlan *vlan, GPtrArray *changes)
{
  GListModel *model = G_LIST_MODEL (vlan->members);
  guint n = g_list_model_get_n_items (model);
  gboolean partial = vlan->members_total > n; /* the model holds a page of a big VLAN */
  guint total = MAX (vlan->members_total, n);
  g_autoptr(GHashTable) index = index_rows (model);
  g_autoptr(GHashTable) rows = g_hash_table_new (NULL, NULL); /* position -> new member or &removed_row */
  g_autoptr(GPtrArray) tail = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  guint first = n;

  for (guint i = 0; i < changes->len; i++)
    {
      const ServalMemberChange *c = changes->pdata[i];
      g_autofree char *key = member_key (c->member);
      guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (index, key));

      if (pos != 0 && c->kind == SERVAL_EVENT_MEMBER_UPDATED &&
          g_hash_table_lookup (rows, GUINT_TO_POINTER (pos - 1)) != &removed_row)
        {
          /* New addresses change the member in place: a row that shows it
           * stays (with what it does, a ping under way), and notices. */
          gpointer row = g_hash_table_lookup (rows, GUINT_TO_POINTER (pos - 1));
          g_autoptr(ServalMember) old = row == NULL ? g_list_model_get_item (model, pos - 1) : NULL;

          serval_member_set_addresses (row != NULL ? row : old, serval_member_get_addresses (c->member));
        }
      else if (pos != 0)
        {
          g_hash_table_insert (rows, GUINT_TO_POINTER (pos - 1),
                               c->kind == SERVAL_EVENT_MEMBER_LEFT ? (gpointer) &removed_row : c->member);
          first = MIN (first, pos - 1);
          total -= c->kind == SERVAL_EVENT_MEMBER_LEFT && total > 0;
        }
      else if (c->kind == SERVAL_EVENT_MEMBER_JOINED || (c->kind == SERVAL_EVENT_MEMBER_UPDATED && !partial))
        {
          g_ptr_array_add (added, c->member);
          g_hash_table_insert (index, g_steal_pointer (&key), GUINT_TO_POINTER (G_MAXUINT)); /* once */
          total += c->kind == SERVAL_EVENT_MEMBER_JOINED;
        }
      else if (c->kind == SERVAL_EVENT_MEMBER_LEFT && partial && total > 0)
        total--; /* one of the rows the model does not hold */
    }
  for (guint i = first; i < n; i++)
    {
      gpointer row = g_hash_table_lookup (rows, GUINT_TO_POINTER (i));

      if (row == &removed_row)
        continue;
      g_ptr_array_add (tail, row != NULL ? g_object_ref (row) : g_list_model_get_item (model, i));
    }
  for (guint i = 0; i < added->len; i++)
    g_ptr_array_add (tail, g_object_ref (added->pdata[i]));
  /* Counted before the model changes, so that its listeners read the new
   * total (serval_client_vlan_get_member_total()). */
  vlan->members_total = MAX (total, first + tail->len);
  if (first < n || tail->len > 0)
    g_list_store_splice (vlan->members, first, n - first, tail->pdata, tail->len);
  /* For the rows shown of members the model does not hold: pages fetched. */
  g_signal_emit (vlan, serval_client_vlan_member_changes_signal, 0, changes);
}

/* --- pages ----------------------------------------------------------------- */

/* What a page call asked for, and its answer's total. */
typedef struct
{
  guint offset;
  guint count;
  char *search;
  guint total;
} PageCall;

static void
page_call_free (PageCall *call)
{
  g_free (call->search);
  g_free (call);
}

static void
page_handler (ServalClient *client, GTask *task, ServalResponse *resp)
{
  PageCall *call = g_object_get_data (G_OBJECT (task), "page-call");
  GListStore *store;

  if (resp->kind != SERVAL_RESPONSE_MEMBER_PAGE && resp->kind != SERVAL_RESPONSE_MEMBERS)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the request for members with something else"),
                                  serval_client_where (client));
      return;
    }
  store = g_list_store_new (SERVAL_TYPE_MEMBER);
  if (resp->kind == SERVAL_RESPONSE_MEMBER_PAGE)
    {
      g_list_store_splice (store, 0, 0, resp->members->pdata, resp->members->len);
      call->total = resp->total;
    }
  else /* a server before pages sent them all: the page is cut here */
    for (guint i = 0; i < resp->members->len; i++)
      {
        if (!serval_member_matches_search (resp->members->pdata[i], call->search))
          continue;
        if (call->total >= call->offset && call->total - call->offset < call->count)
          g_list_store_append (store, resp->members->pdata[i]);
        call->total++;
      }
  g_task_return_pointer (task, store, g_object_unref);
}

void
serval_client_list_member_page_async (ServalClient *client, const char *vlan, guint offset, guint count,
                                      const char *search, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  PageCall *call = g_new0 (PageCall, 1);
  guint32 id;

  g_task_set_source_tag (task, serval_client_list_member_page_async);
  call->offset = offset;
  call->count = CLAMP (count, 1, SERVAL_MEMBER_PAGE_MAX);
  call->search = search != NULL && search[0] != '\0' ? g_strdup (search) : NULL;
  g_object_set_data_full (G_OBJECT (task), "page-call", call, (GDestroyNotify) page_call_free);
  id = serval_client_request_start (client, task, page_handler, NULL);
  if (id == 0)
    return;
  if (client->server_member_pages)
    serval_link_send_take (client->link, serval_request_build_list_member_page (id, vlan, call->offset, call->count,
                                                                                call->search));
  else
    serval_link_send_take (client->link, serval_request_build_name (id, SERVAL_REQUEST_LIST_MEMBERS, vlan));
}

GListModel *
serval_client_list_member_page_finish (ServalClient *client, GAsyncResult *result, guint *total, GError **error)
{
  PageCall *call;
  GListModel *page;

  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, serval_client_list_member_page_async), NULL);
  call = g_object_get_data (G_OBJECT (result), "page-call");
  page = g_task_propagate_pointer (G_TASK (result), error);
  if (total != NULL)
    *total = page != NULL ? call->total : 0;
  return page;
}

void
serval_client_vlan_fetch_members_async (ServalClientVlan *vlan, guint offset, guint count, const char *search,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  serval_client_list_member_page_async (vlan->client, vlan->name, offset, count, search, cancellable, callback,
                                        user_data);
}

GListModel *
serval_client_vlan_fetch_members_finish (ServalClientVlan *vlan, GAsyncResult *result, guint *total, GError **error)
{
  return serval_client_list_member_page_finish (vlan->client, result, total, error);
}
