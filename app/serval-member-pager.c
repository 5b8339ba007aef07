/* serval-member-pager.c: see serval-member-pager.h. */
#include "config.h"

#include "serval-member-pager.h"

#include <glib/gi18n.h>

/* Members a page asks the server for: rows enough to scroll through, few
 * enough to build at once. */
#define PAGE 100

/* --- a model of two models, one after the other ------------------------------ */

G_DECLARE_FINAL_TYPE (ServalConcatModel, serval_concat_model, SERVAL, CONCAT_MODEL, GObject)

struct _ServalConcatModel
{
  GObject parent_instance;
  GListModel *first;
  GListModel *second;
};

static GType
concat_get_item_type (GListModel *model)
{
  return SERVAL_TYPE_MEMBER;
}

static guint
concat_get_n_items (GListModel *model)
{
  ServalConcatModel *self = SERVAL_CONCAT_MODEL (model);

  return g_list_model_get_n_items (self->first) + g_list_model_get_n_items (self->second);
}

static gpointer
concat_get_item (GListModel *model, guint position)
{
  ServalConcatModel *self = SERVAL_CONCAT_MODEL (model);
  guint n = g_list_model_get_n_items (self->first);

  return position < n ? g_list_model_get_item (self->first, position) : g_list_model_get_item (self->second, position - n);
}

static void
concat_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = concat_get_item_type;
  iface->get_n_items = concat_get_n_items;
  iface->get_item = concat_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (ServalConcatModel, serval_concat_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, concat_model_iface_init))

static void
first_changed_cb (GListModel *first, guint position, guint removed, guint added, gpointer user_data)
{
  g_list_model_items_changed (G_LIST_MODEL (user_data), position, removed, added);
}

static void
second_changed_cb (GListModel *second, guint position, guint removed, guint added, gpointer user_data)
{
  ServalConcatModel *self = user_data;

  g_list_model_items_changed (G_LIST_MODEL (self), g_list_model_get_n_items (self->first) + position, removed, added);
}

static void
serval_concat_model_dispose (GObject *object)
{
  ServalConcatModel *self = SERVAL_CONCAT_MODEL (object);

  if (self->first != NULL)
    g_signal_handlers_disconnect_by_data (self->first, self);
  if (self->second != NULL)
    g_signal_handlers_disconnect_by_data (self->second, self);
  g_clear_object (&self->first);
  g_clear_object (&self->second);
  G_OBJECT_CLASS (serval_concat_model_parent_class)->dispose (object);
}

static void
serval_concat_model_class_init (ServalConcatModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_concat_model_dispose;
}

static void
serval_concat_model_init (ServalConcatModel *self)
{
}

static GListModel *
concat_model_new (GListModel *first, GListModel *second)
{
  ServalConcatModel *self = g_object_new (serval_concat_model_get_type (), NULL);

  self->first = g_object_ref (first);
  self->second = g_object_ref (second);
  g_signal_connect (first, "items-changed", G_CALLBACK (first_changed_cb), self);
  g_signal_connect (second, "items-changed", G_CALLBACK (second_changed_cb), self);
  return G_LIST_MODEL (self);
}

/* --- the pager ---------------------------------------------------------------- */

struct _ServalMemberPager
{
  GObject parent_instance;

  ServalClientVlan *vlan;
  GListModel *base;    /* the engine's model of the VLAN */
  GListStore *extra;   /* the pages fetched after it */
  GListModel *all;     /* base, then extra */
  GListStore *found;   /* the search's matches */
  char *search;        /* NULL: no search */
  guint next_offset;   /* where the next page starts, in the server's order */
  guint found_total;   /* members that match the search, as the server said */
  gboolean exhausted;  /* the server had no more */
  gboolean wrapped;    /* the pages started again from the first */
  GCancellable *fetch; /* of the page being fetched */
  char *error;         /* why the last page could not be read */
  gboolean rejoined;   /* the model looked replaced whole: see base_changed_cb() */
  guint rejoin_idle;   /* decides it */
};

G_DEFINE_FINAL_TYPE (ServalMemberPager, serval_member_pager, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* What a member is known by, as the engine knows it. */
static char *
member_key (ServalMember *member)
{
  return g_strdup_printf ("%s\n%s\n%s", serval_member_get_user (member), serval_member_get_host (member),
                          serval_member_get_mac (member));
}

static void
emit_changed (ServalMemberPager *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* Joined again (after a reconnection), with a new first page: the pages
 * fetched after the old one go (the changes meanwhile were not sent), and Show
 * more starts again. */
static gboolean
rejoined_cb (gpointer user_data)
{
  ServalMemberPager *self = user_data;

  self->rejoin_idle = 0;
  if (!self->rejoined)
    return G_SOURCE_REMOVE;
  self->rejoined = FALSE;
  if (self->fetch != NULL && self->search == NULL)
    {
      g_cancellable_cancel (self->fetch);
      g_clear_object (&self->fetch);
    }
  g_list_store_remove_all (self->extra);
  self->next_offset = g_list_model_get_n_items (self->base);
  self->exhausted = self->wrapped = FALSE;
  emit_changed (self);
  return G_SOURCE_REMOVE;
}

static void
base_changed_cb (GListModel *base, guint position, guint removed, guint added, gpointer user_data)
{
  ServalMemberPager *self = user_data;

  /* Replaced whole: a join, or member changes that touched the first row (a
   * splice to the end, of as many rows as were there). Those are followed at
   * once by member_changes_cb(), which clears the mark before the idle. */
  if (position == 0 && removed > 0 && g_list_model_get_n_items (base) == added)
    {
      self->rejoined = TRUE;
      if (self->rejoin_idle == 0)
        self->rejoin_idle = g_idle_add_full (G_PRIORITY_DEFAULT, rejoined_cb, g_object_ref (self), g_object_unref);
    }
  /* The engine has counted the VLAN again before it changed the model. */
  emit_changed (self);
}

/* --- following the member events ----------------------------------------------- */

/* Row -> position + 1 of each member of @rows, by member_key(). */
static GHashTable *
index_rows (GListModel *rows)
{
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (rows, i);

      g_hash_table_insert (index, member_key (m), GUINT_TO_POINTER (i + 1));
    }
  return index;
}

/* An updated member in place, so that its row stays (and notices); replaced
 * when it is another membership of the same user, host and MAC. */
static void
update_row (GListStore *rows, guint pos, ServalMember *now)
{
  g_autoptr(ServalMember) old = g_list_model_get_item (G_LIST_MODEL (rows), pos);

  if (g_strcmp0 (serval_member_get_node (old), serval_member_get_node (now)) == 0 &&
      serval_member_get_since (old) == serval_member_get_since (now))
    serval_member_set_addresses (old, serval_member_get_addresses (now));
  else
    g_list_store_splice (rows, pos, 1, (gpointer *) &now, 1);
}

guint
serval_member_pager_follow (GListStore *rows, GPtrArray *changes, const char *search, gboolean append_joined,
                            int *matching)
{
  g_autoptr(GHashTable) index = index_rows (G_LIST_MODEL (rows));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (rows));
  g_autofree gboolean *gone = g_new0 (gboolean, n + 1);
  guint left = 0;

  for (guint i = 0; i < changes->len; i++)
    {
      const ServalMemberChange *c = changes->pdata[i];
      g_autofree char *key = member_key (c->member);
      guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (index, key));
      gboolean match = serval_member_matches_search (c->member, search);

      if (matching != NULL && match)
        *matching += (c->kind == SERVAL_EVENT_MEMBER_JOINED) - (c->kind == SERVAL_EVENT_MEMBER_LEFT);
      if (pos != 0 && (c->kind == SERVAL_EVENT_MEMBER_LEFT || (c->kind == SERVAL_EVENT_MEMBER_JOINED && search == NULL)))
        {
          /* Gone, or (pages) in the engine's model now, which shows a member who joins. */
          gone[pos - 1] = TRUE;
          left += c->kind == SERVAL_EVENT_MEMBER_LEFT;
          g_hash_table_remove (index, key);
        }
      else if (pos != 0)
        update_row (rows, pos - 1, c->member);
      else if (c->kind == SERVAL_EVENT_MEMBER_JOINED && search != NULL && match && append_joined)
        g_list_store_append (rows, c->member); /* the server's order puts a joiner last */
    }
  for (guint i = n; i > 0; i--)
    if (gone[i - 1])
      g_list_store_remove (rows, i - 1);
  return left;
}

static void
member_changes_cb (ServalClientVlan *vlan, GPtrArray *changes, gpointer user_data)
{
  ServalMemberPager *self = user_data;
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->found));
  int matching = 0;

  self->rejoined = FALSE; /* the model changed by these, not by a join */
  /* Members shown left: the server's order closes up before the next page. */
  self->next_offset -= MIN (self->next_offset, serval_member_pager_follow (self->extra, changes, NULL, FALSE, NULL));
  if (self->search != NULL)
    {
      serval_member_pager_follow (self->found, changes, self->search, self->fetch == NULL && shown >= self->found_total,
                                  &matching);
      self->found_total = MAX (0, (int) self->found_total + matching);
      self->found_total = MAX (self->found_total, g_list_model_get_n_items (G_LIST_MODEL (self->found)));
    }
  emit_changed (self);
}

static void fetch (ServalMemberPager *self);

/* Adds the members of @page that do not show yet; returns how many. */
static guint
add_new_members (ServalMemberPager *self, GListModel *page)
{
  g_autoptr(GHashTable) shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (self->all);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (self->all, i);

      g_hash_table_add (shown, member_key (m));
    }
  for (guint i = 0; i < g_list_model_get_n_items (page); i++)
    {
      ServalMember *m = g_list_model_get_item (page, i);

      if (g_hash_table_add (shown, member_key (m)))
        g_ptr_array_add (added, m);
      else
        g_object_unref (m);
    }
  g_list_store_splice (self->extra, g_list_model_get_n_items (G_LIST_MODEL (self->extra)), 0, added->pdata, added->len);
  return added->len;
}

/* A page of the VLAN, without a search. The server's order moves when
 * someone joins or leaves (this client's own join too), so pages overlap
 * (members shown already are skipped) or leave gaps: at the end, the pages
 * start again from the first, once. Returns whether to fetch the next page
 * at once, for a page that brought nobody new. */
static gboolean
take_page (ServalMemberPager *self, GListModel *page, guint total)
{
  guint n = g_list_model_get_n_items (page);
  guint added = add_new_members (self, page);
  gboolean missing = g_list_model_get_n_items (self->all) < total;

  self->next_offset += n;
  if (n == 0 || self->next_offset >= total)
    {
      self->exhausted = self->wrapped || !missing;
      self->wrapped = TRUE;
      self->next_offset = 0;
    }
  return added == 0 && missing && !self->exhausted;
}

static void
fetched_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ServalMemberPager) self = user_data;
  g_autoptr(GError) error = NULL;
  guint total = 0;
  g_autoptr(GListModel) page = serval_client_vlan_fetch_members_finish (self->vlan, result, &total, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* another search, or the VLAN left */
  g_clear_object (&self->fetch);
  g_clear_pointer (&self->error, g_free);
  if (page == NULL)
    self->error = g_strdup_printf (_("Cannot read the members from the server: %s. Change the search or click Show more to try again."), error->message);
  else if (self->search != NULL)
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < g_list_model_get_n_items (page); i++)
        g_ptr_array_add (items, g_list_model_get_item (page, i));
      g_list_store_splice (self->found, g_list_model_get_n_items (G_LIST_MODEL (self->found)), 0, items->pdata,
                           items->len);
      self->found_total = total;
    }
  else if (take_page (self, page, total))
    {
      fetch (self);
      return;
    }
  emit_changed (self);
}

static void
fetch (ServalMemberPager *self)
{
  guint offset = self->search != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->found)) : self->next_offset;

  if (self->fetch != NULL)
    g_cancellable_cancel (self->fetch);
  g_clear_object (&self->fetch);
  self->fetch = g_cancellable_new ();
  serval_client_vlan_fetch_members_async (self->vlan, offset, PAGE, self->search, self->fetch, fetched_cb,
                                          g_object_ref (self));
  emit_changed (self);
}

static void
serval_member_pager_dispose (GObject *object)
{
  ServalMemberPager *self = SERVAL_MEMBER_PAGER (object);

  if (self->fetch != NULL)
    g_cancellable_cancel (self->fetch);
  g_clear_object (&self->fetch);
  if (self->base != NULL)
    g_signal_handlers_disconnect_by_data (self->base, self);
  if (self->vlan != NULL)
    g_signal_handlers_disconnect_by_data (self->vlan, self);
  if (self->rejoin_idle != 0)
    g_source_remove (self->rejoin_idle);
  self->rejoin_idle = 0;
  g_clear_object (&self->all);
  g_clear_object (&self->extra);
  g_clear_object (&self->found);
  g_clear_object (&self->base);
  g_clear_object (&self->vlan);
  G_OBJECT_CLASS (serval_member_pager_parent_class)->dispose (object);
}

static void
serval_member_pager_finalize (GObject *object)
{
  ServalMemberPager *self = SERVAL_MEMBER_PAGER (object);

  g_free (self->search);
  g_free (self->error);
  G_OBJECT_CLASS (serval_member_pager_parent_class)->finalize (object);
}

static void
serval_member_pager_class_init (ServalMemberPagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_member_pager_dispose;
  G_OBJECT_CLASS (klass)->finalize = serval_member_pager_finalize;
  /* What shows, or what can be done, changed: the model, the summary, has-more, busy. */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
serval_member_pager_init (ServalMemberPager *self)
{
}

ServalMemberPager *
serval_member_pager_new (ServalClientVlan *vlan)
{
  ServalMemberPager *self = g_object_new (SERVAL_TYPE_MEMBER_PAGER, NULL);

  self->vlan = g_object_ref (vlan);
  self->base = g_object_ref (serval_client_vlan_get_members (vlan));
  self->extra = g_list_store_new (SERVAL_TYPE_MEMBER);
  self->found = g_list_store_new (SERVAL_TYPE_MEMBER);
  self->all = concat_model_new (self->base, G_LIST_MODEL (self->extra));
  /* The join brought the server's first page: the next starts after it. */
  self->next_offset = g_list_model_get_n_items (self->base);
  g_signal_connect (self->base, "items-changed", G_CALLBACK (base_changed_cb), self);
  serval_client_vlan_connect_member_changes (vlan, member_changes_cb, self);
  return self;
}

GListModel *
serval_member_pager_get_model (ServalMemberPager *self)
{
  return self->search != NULL ? G_LIST_MODEL (self->found) : self->all;
}

void
serval_member_pager_set_search (ServalMemberPager *self, const char *text)
{
  g_autofree char *search = text != NULL ? g_strstrip (g_strdup (text)) : NULL;

  if (search != NULL && *search == '\0')
    g_clear_pointer (&search, g_free);
  if (g_strcmp0 (search, self->search) == 0)
    return;
  g_free (self->search);
  self->search = g_steal_pointer (&search);
  g_clear_pointer (&self->error, g_free);
  g_list_store_remove_all (self->found);
  self->found_total = 0;
  if (self->fetch != NULL)
    g_cancellable_cancel (self->fetch);
  g_clear_object (&self->fetch);
  if (self->search != NULL)
    fetch (self);
  else
    emit_changed (self);
}

void
serval_member_pager_show_more (ServalMemberPager *self)
{
  if (self->fetch == NULL && serval_member_pager_get_has_more (self))
    fetch (self);
}

char *
serval_member_pager_dup_summary (ServalMemberPager *self)
{
  guint shown = g_list_model_get_n_items (serval_member_pager_get_model (self));
  guint total;

  if (self->error != NULL)
    return g_strdup (self->error);
  if (self->search != NULL && self->fetch != NULL && shown == 0)
    return g_strdup (_("Searching…"));
  if (self->search != NULL && self->found_total == 0)
    return g_strdup_printf (_("No member matches “%s”"), self->search);
  if (self->search != NULL)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Showing %u of %u member matching “%s”",
                                         "Showing %u of %u members matching “%s”", self->found_total),
                            shown, self->found_total, self->search);
  total = serval_client_vlan_get_member_total (self->vlan);
  if (shown >= total)
    return NULL;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Showing %u of %u member", "Showing %u of %u members", total),
                          shown, total);
}

gboolean
serval_member_pager_get_has_more (ServalMemberPager *self)
{
  guint shown = g_list_model_get_n_items (serval_member_pager_get_model (self));

  if (self->search != NULL)
    return shown < self->found_total;
  return !self->exhausted && shown < serval_client_vlan_get_member_total (self->vlan);
}

gboolean
serval_member_pager_get_searchable (ServalMemberPager *self)
{
  return self->search != NULL || serval_client_vlan_get_member_total (self->vlan) > SERVAL_MEMBER_PAGER_SEARCH_FROM;
}

gboolean
serval_member_pager_get_busy (ServalMemberPager *self)
{
  return self->fetch != NULL;
}
