/* serval-store-etcd-net.c: the etcd store's part of a VLAN that acts as a
 * managed switch. Keys, relative to the prefix, names URI-escaped:
 *
 *   vlans/VLAN                {"tag":N,"subnet":"10.77.0.0/24","prefix6":"fd00:77::/64",
 *                              "rules":["deny proto tcp from carol port 22", ...]}
 *   users/USER                {..., "bridge":true, "rateLimit":1000000}
 *   leases/VLAN/ADDRESS       {"user":"alice","mac":"02:00:00:00:00:01","released":0}
 *   lease-of/VLAN/USER/MAC    "ADDRESS": the index that finds a user's and MAC's lease
 *
 * A lease is one transaction of the lease and its index, guarded so that
 * two nodes never give out one address (the lease's key must not exist, or
 * be as seen) nor two addresses to one user and MAC (the index's). */
#include "config.h"

#include "serval-store-etcd.h"

#include "serval-member.h"

#include <string.h>

/* A lease that lost its address to another picks among this many next time. */
#define LOST_SPREAD 32
/* The most leases one transaction deletes one by one (two keys each: etcd
 * takes 128 operations in a transaction by default, --max-txn-ops). */
#define MAX_DROP 48

/* --- keys and values --------------------------------------------------------------- */

static char *
escape (const char *name)
{
  return g_uri_escape_string (name, NULL, FALSE);
}

/* "leases/VLAN/" */
static char *
leases_of_vlan (const char *vlan)
{
  g_autofree char *v = escape (vlan);

  return g_strconcat ("leases/", v, "/", NULL);
}

static char *
lease_key (const char *vlan, guint32 addr)
{
  g_autofree char *p = leases_of_vlan (vlan);
  g_autofree char *a = serval_ipv4_to_string (addr);

  return g_strconcat (p, a, NULL);
}

static char *
index_key (const char *vlan, const char *user, const guint8 mac[6])
{
  g_autofree char *v = escape (vlan);
  g_autofree char *u = escape (user);
  g_autofree char *m = serval_mac_to_string (mac);

  return g_strconcat ("lease-of/", v, "/", u, "/", m, NULL);
}

static char *
json_text (JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, o);
  return json_to_string (node, FALSE);
}

static char *
lease_value (const char *user, const guint8 mac[6], gint64 released)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_string_member (o, "user", user);
  serval_store_etcd_set_take (o, "mac", serval_mac_to_string (mac));
  json_object_set_int_member (o, "released", released);
  return json_text (o);
}

/* A lease's value: FALSE if it is damaged. */
static gboolean
parse_lease (const ServalEtcdEntry *e, char **user, guint8 mac[6], gint64 *released)
{
  g_autoptr(JsonObject) o = e != NULL ? serval_etcd_parse_json (e) : NULL;

  if (o == NULL || !serval_mac_parse (json_object_get_string_member_with_default (o, "mac", NULL), mac) ||
      json_object_get_string_member_with_default (o, "user", NULL) == NULL)
    return FALSE;
  *user = g_strdup (json_object_get_string_member (o, "user"));
  *released = json_object_get_int_member_with_default (o, "released", 0);
  return TRUE;
}

static const char *
member_text (JsonObject *o, const char *name)
{
  const char *text = o != NULL ? json_object_get_string_member_with_default (o, name, NULL) : NULL;

  return text != NULL && text[0] != '\0' ? text : NULL;
}

ServalVlan *
serval_etcd_vlan_new (const char *name, const ServalEtcdEntry *e)
{
  g_autoptr(JsonObject) o = serval_etcd_parse_json (e);
  JsonArray *rules = o != NULL && json_object_has_member (o, "rules") ? json_object_get_array_member (o, "rules") : NULL;
  ServalVlan *v = g_new0 (ServalVlan, 1);

  v->name = g_strdup (name);
  v->id = serval_etcd_entry_tag (e);
  v->subnet = g_strdup (member_text (o, "subnet"));
  v->prefix6 = g_strdup (member_text (o, "prefix6"));
  v->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_rule_free);
  for (guint i = 0; rules != NULL && i < json_array_get_length (rules); i++)
    {
      g_autoptr(GError) error = NULL;
      const char *text = json_node_get_string (json_array_get_element (rules, i));
      ServalRule *rule = text != NULL ? serval_rule_parse_string (text, &error) : NULL;

      if (rule != NULL)
        g_ptr_array_add (v->rules, rule);
      else
        g_warning ("Rule %u of VLAN “%s” in etcd is damaged and not applied (%s): delete it and add it again",
                   i + 1, name, error != NULL ? error->message : "not text");
    }
  return v;
}

void
serval_etcd_user_record (const ServalEtcdEntry *e, ServalUserRecord *record)
{
  g_autoptr(JsonObject) o = serval_etcd_parse_json (e);
  gint64 rate = o != NULL ? json_object_get_int_member_with_default (o, "rateLimit", 0) : 0;

  record->admin = o != NULL && json_object_get_boolean_member_with_default (o, "admin", FALSE);
  record->bridge = o != NULL && json_object_get_boolean_member_with_default (o, "bridge", FALSE);
  record->rate_limit = CLAMP (rate, 0, (gint64) SERVAL_STORE_MAX_RATE_LIMIT);
}

gboolean
serval_etcd_value_changed (const char *key, const ServalEtcdEntry *old, const char *value, gsize len)
{
  ServalEtcdEntry now = { (char *) value, len, 0 };

  if (g_str_has_prefix (key, "users/"))
    {
      ServalUserRecord a, b;

      serval_etcd_user_record (old, &a);
      serval_etcd_user_record (&now, &b);
      return a.bridge != b.bridge || a.rate_limit != b.rate_limit;
    }
  return g_str_has_prefix (key, "vlans/") && (old->len != len || memcmp (old->value, value, len) != 0);
}

/* --- the writes ------------------------------------------------------------------------ */

/* Deletes the leases of @vlan that are not leasable in @keep, and their
 * index keys; guards that no lease came since the plan's view. */
static void
drop_leases (ServalEtcdTxn *t, const char *vlan, const ServalSubnet *keep)
{
  g_autofree char *prefix = leases_of_vlan (vlan);
  gint64 seen;
  GHashTable *table = serval_etcd_txn_table (t, prefix, &seen);
  GHashTableIter iter;
  gpointer key, value;

  g_autoptr(GPtrArray) drop = g_ptr_array_new ();

  serval_etcd_txn_read_back (t, prefix);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint32 addr;

      if (((ServalEtcdEntry *) value)->value != NULL && g_str_has_prefix (key, prefix) &&
          serval_ipv4_parse ((char *) key + strlen (prefix), &addr) && !serval_subnet_leasable (keep, addr))
        g_ptr_array_add (drop, key);
    }
  if (drop->len > MAX_DROP)
    {
      /* Too many for one transaction: the VLAN starts again with no lease. */
      serval_store_etcd_plan_vlan_leases_del (t, vlan);
      return;
    }
  /* No lease came since the view: else it could be outside the subnet. */
  serval_etcd_txn_guard (t, "MOD", prefix, TRUE, "LESS", seen + 1);
  for (guint i = 0; i < drop->len; i++)
    {
      g_autofree char *user = NULL;
      guint8 mac[6];
      gint64 released;

      serval_etcd_txn_del (t, drop->pdata[i], FALSE);
      if (parse_lease (g_hash_table_lookup (table, drop->pdata[i]), &user, mac, &released))
        {
          g_autofree char *index = index_key (vlan, user, mac);

          serval_etcd_txn_del (t, index, FALSE);
        }
    }
}

void
serval_store_etcd_plan_vlan_leases_del (ServalEtcdTxn *t, const char *vlan)
{
  g_autofree char *leases = leases_of_vlan (vlan);
  g_autofree char *v = escape (vlan);
  g_autofree char *index = g_strconcat ("lease-of/", v, "/", NULL);

  serval_etcd_txn_del (t, leases, TRUE);
  serval_etcd_txn_del (t, index, TRUE);
}

void
serval_store_etcd_plan_user_leases_del (ServalEtcdTxn *t, const char *user)
{
  g_autofree char *u = escape (user);
  g_autofree char *middle = g_strconcat ("/", u, "/", NULL);
  gint64 seen;
  GHashTable *table = serval_etcd_txn_table (t, "lease-of/", &seen);
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  /* The leases of theirs that the store knows of, up to a transaction's
   * room. One it missed (made meanwhile on another node, or beyond the
   * room) is a lease of nobody: not listed, and the first taken back. */
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value) && n < MAX_DROP)
    {
      const ServalEtcdEntry *e = value;
      g_autofree char *lkey = NULL;
      const char *vlan_end = g_str_has_prefix (key, "lease-of/") ? strchr ((char *) key + strlen ("lease-of/"), '/') : NULL;

      if (e->value == NULL || vlan_end == NULL || !g_str_has_prefix (vlan_end, middle))
        continue;
      n++;
      serval_etcd_txn_del (t, key, FALSE);
      lkey = g_strdup_printf ("leases/%.*s/%s", (int) (vlan_end - (char *) key - strlen ("lease-of/")),
                              (char *) key + strlen ("lease-of/"), e->value);
      serval_etcd_txn_del (t, lkey, FALSE);
    }
}

/* The VLAN's value as a JSON object to change, guarded to be as seen; NULL
 * with NO_VLAN if there is none. */
static JsonObject *
vlan_to_change (ServalEtcdTxn *t, const char *vkey, GError **error)
{
  const ServalEtcdEntry *e = serval_etcd_txn_view (t, vkey);
  JsonObject *o;

  serval_etcd_txn_read_back (t, vkey);
  if (e == NULL)
    {
      serval_store_no_vlan (serval_etcd_txn_write (t)->vlan, error);
      return NULL;
    }
  if ((o = serval_etcd_parse_json (e)) == NULL)
    {
      o = json_object_new ();
      json_object_set_int_member (o, "tag", serval_etcd_entry_tag (e));
    }
  serval_etcd_txn_guard (t, "MOD", vkey, FALSE, "EQUAL", e->mod_revision);
  return o;
}

static void
set_or_remove (JsonObject *o, const char *member, const char *value)
{
  if (value == NULL)
    return;
  if (value[0] == '\0')
    json_object_remove_member (o, member);
  else
    json_object_set_string_member (o, member, value);
}

static gboolean
plan_set_addresses (ServalEtcdTxn *t, JsonObject *o, GError **error)
{
  const ServalStoreWrite *w = serval_etcd_txn_write (t);
  g_autofree char *before = g_strdup (member_text (o, "subnet"));
  ServalSubnet subnet = { 0xffffffff, 32 }; /* none: nothing is leasable */

  set_or_remove (o, "subnet", w->subnet);
  set_or_remove (o, "prefix6", w->prefix6);
  if (w->subnet == NULL || g_strcmp0 (before, member_text (o, "subnet")) == 0)
    return TRUE;
  if (w->subnet[0] == '\0')
    serval_store_etcd_plan_vlan_leases_del (t, w->vlan);
  else if (serval_subnet_parse (w->subnet, &subnet, NULL, error))
    drop_leases (t, w->vlan, &subnet);
  else
    return FALSE;
  return TRUE;
}

static gboolean
plan_rule (ServalEtcdTxn *t, JsonObject *o, GError **error)
{
  const ServalStoreWrite *w = serval_etcd_txn_write (t);
  JsonArray *rules = json_object_has_member (o, "rules") ? json_object_get_array_member (o, "rules") : NULL;
  guint n = rules != NULL ? json_array_get_length (rules) : 0;

  if (rules == NULL)
    {
      rules = json_array_new ();
      json_object_set_array_member (o, "rules", rules);
    }
  if (w->kind == SERVAL_STORE_RULE_ADD)
    {
      g_autofree char *text = serval_rule_to_string (w->rule);

      json_array_add_string_element (rules, text);
      return TRUE;
    }
  if (w->index < 1 || w->index > n)
    return serval_store_no_rule (w->vlan, w->index, n, error);
  json_array_remove_element (rules, w->index - 1);
  return TRUE;
}

/* The bridge right or the rate limit, by the write's kind. */
static gboolean
plan_user_set (ServalEtcdTxn *t, GError **error)
{
  const ServalStoreWrite *w = serval_etcd_txn_write (t);
  g_autofree char *ukey = serval_etcd_key_user (w->user);
  const ServalEtcdEntry *e = serval_etcd_txn_view (t, ukey);
  g_autoptr(JsonObject) o = e != NULL ? serval_etcd_parse_json (e) : NULL;

  serval_etcd_txn_read_back (t, ukey);
  if (e == NULL)
    return serval_store_no_user (w->user, error);
  if (o == NULL)
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                   "The record of user “%s” in etcd is damaged: delete the user and add them again", w->user);
      return FALSE;
    }
  if (w->kind == SERVAL_STORE_USER_SET_BRIDGE)
    json_object_set_boolean_member (o, "bridge", w->bridge);
  else if (w->rate_limit > 0)
    json_object_set_int_member (o, "rateLimit", (gint64) w->rate_limit);
  else
    json_object_remove_member (o, "rateLimit");
  serval_etcd_txn_guard (t, "MOD", ukey, FALSE, "EQUAL", e->mod_revision);
  serval_etcd_txn_put (t, ukey, json_text (o));
  return TRUE;
}

gboolean
serval_store_etcd_plan_net (ServalEtcdTxn *t, GError **error)
{
  const ServalStoreWrite *w = serval_etcd_txn_write (t);
  g_autofree char *vkey = NULL;
  g_autoptr(JsonObject) o = NULL;
  gboolean ok;

  if (w->kind == SERVAL_STORE_USER_SET_BRIDGE || w->kind == SERVAL_STORE_USER_SET_RATE_LIMIT)
    return plan_user_set (t, error);
  vkey = serval_etcd_key_vlan (w->vlan);
  if ((o = vlan_to_change (t, vkey, error)) == NULL)
    return FALSE;
  if (w->kind == SERVAL_STORE_VLAN_SET_ADDRESSES)
    ok = plan_set_addresses (t, o, error);
  else
    ok = plan_rule (t, o, error);
  if (ok)
    serval_etcd_txn_put (t, vkey, json_text (o));
  return ok;
}

/* --- leases ---------------------------------------------------------------------------- */

ServalVlan *
serval_store_etcd_vlan_get (ServalStore *store, const char *name, GError **error)
{
  g_autofree char *vkey = serval_etcd_key_vlan (name);
  const ServalEtcdEntry *e = serval_etcd_entry (SERVAL_STORE_ETCD (store)->copy, vkey);

  if (e == NULL)
    {
      serval_store_no_vlan (name, error);
      return NULL;
    }
  return serval_etcd_vlan_new (name, e);
}

/* The VLAN's subnet, with guards that the VLAN and the user are as seen. */
static gboolean
lease_subnet (ServalEtcdTxn *t, const ServalLeaseRequest *req, ServalSubnet *subnet, GError **error)
{
  g_autofree char *vkey = serval_etcd_key_vlan (req->vlan);
  g_autofree char *ukey = serval_etcd_key_user (req->user);
  const ServalEtcdEntry *v = serval_etcd_txn_view (t, vkey);
  g_autoptr(ServalVlan) vlan = v != NULL ? serval_etcd_vlan_new (req->vlan, v) : NULL;

  serval_etcd_txn_read_back (t, vkey);
  serval_etcd_txn_read_back (t, ukey);
  if (vlan == NULL)
    return serval_store_no_vlan (req->vlan, error);
  if (serval_etcd_txn_view (t, ukey) == NULL)
    return serval_store_no_user (req->user, error);
  if (vlan->subnet == NULL || !serval_subnet_parse (vlan->subnet, subnet, NULL, NULL))
    {
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
                   "VLAN “%s” has no subnet to lease addresses from: give it one with "
                   "servalctl vlan set %s --subnet 10.77.0.0/24",
                   req->vlan, req->vlan);
      return FALSE;
    }
  serval_etcd_txn_guard (t, "MOD", vkey, FALSE, "EQUAL", v->mod_revision);
  serval_etcd_txn_guard (t, "VERSION", ukey, FALSE, "GREATER", 0);
  return TRUE;
}

static gboolean
holder_exists (ServalEtcdTxn *t, const char *user)
{
  g_autofree char *ukey = serval_etcd_key_user (user);

  return serval_etcd_txn_view (t, ukey) != NULL;
}

/* Every lease of the VLAN as the plan knows them. */
static GArray *
lease_slots (ServalEtcdTxn *t, const ServalLeaseRequest *req, const char *prefix)
{
  GArray *slots = g_array_new (FALSE, FALSE, sizeof (ServalLeaseSlot));
  gint64 seen;
  GHashTable *table = serval_etcd_txn_table (t, prefix, &seen);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *user = NULL;
      ServalLeaseSlot slot = { 0 };
      guint8 mac[6];

      if (((ServalEtcdEntry *) value)->value == NULL || !g_str_has_prefix (key, prefix) ||
          !serval_ipv4_parse ((char *) key + strlen (prefix), &slot.addr) ||
          !parse_lease (value, &user, mac, &slot.released))
        continue;
      slot.mine = g_str_equal (user, req->user) && memcmp (mac, req->mac, 6) == 0;
      if (!holder_exists (t, user))
        slot.released = 1; /* a lease of nobody: released longest ago */
      g_array_append_val (slots, slot);
    }
  return slots;
}

static gboolean
plan_lease (ServalEtcdTxn *t, GError **error)
{
  const ServalLeaseRequest *req = serval_etcd_txn_request (t);
  g_autofree char *prefix = leases_of_vlan (req->vlan);
  g_autofree char *index = index_key (req->vlan, req->user, req->mac);
  g_autofree char *lkey = NULL;
  g_autoptr(GArray) slots = NULL;
  const ServalEtcdEntry *ie = serval_etcd_txn_view (t, index), *le;
  ServalSubnet subnet;
  ServalLeasePick pick;
  guint32 addr = 0;
  guint slot = 0;

  if (!lease_subnet (t, req, &subnet, error))
    return FALSE;
  serval_etcd_txn_read_back (t, prefix);
  serval_etcd_txn_read_back (t, index);
  slots = lease_slots (t, req, prefix);
  pick = serval_lease_pick (req->vlan, &subnet, slots, serval_etcd_txn_attempt (t) > 0 ? LOST_SPREAD : 1, &addr,
                            &slot, error);
  if (pick == SERVAL_LEASE_PICK_FULL)
    return FALSE;
  lkey = lease_key (req->vlan, addr);
  le = serval_etcd_txn_view (t, lkey);
  /* The lease's key: new, or as seen (theirs, or the one taken back). */
  if (pick == SERVAL_LEASE_PICK_FRESH)
    serval_etcd_txn_guard (t, "VERSION", lkey, FALSE, "EQUAL", 0);
  else
    serval_etcd_txn_guard (t, "MOD", lkey, FALSE, "EQUAL", le != NULL ? le->mod_revision : 0);
  if (pick == SERVAL_LEASE_PICK_RECLAIM && le != NULL)
    {
      g_autofree char *user = NULL;
      guint8 mac[6];
      gint64 released;

      if (parse_lease (le, &user, mac, &released))
        {
          g_autofree char *theirs = index_key (req->vlan, user, mac);

          serval_etcd_txn_del (t, theirs, FALSE);
        }
    }
  /* Their index: none, or as seen; an index to an address no longer theirs goes with it. */
  if (ie == NULL)
    serval_etcd_txn_guard (t, "VERSION", index, FALSE, "EQUAL", 0);
  else
    {
      guint32 old;

      serval_etcd_txn_guard (t, "MOD", index, FALSE, "EQUAL", ie->mod_revision);
      if (pick != SERVAL_LEASE_PICK_MINE && serval_ipv4_parse (ie->value, &old) && old != addr)
        {
          g_autofree char *okey = lease_key (req->vlan, old);
          const ServalEtcdEntry *oe = serval_etcd_txn_view (t, okey);
          g_autofree char *user = NULL;
          guint8 mac[6];
          gint64 released;

          if (oe != NULL && parse_lease (oe, &user, mac, &released) && g_str_equal (user, req->user) &&
              memcmp (mac, req->mac, 6) == 0)
            {
              serval_etcd_txn_guard (t, "MOD", okey, FALSE, "EQUAL", oe->mod_revision);
              serval_etcd_txn_del (t, okey, FALSE);
            }
        }
    }
  serval_etcd_txn_put (t, lkey, lease_value (req->user, req->mac, 0));
  serval_etcd_txn_put (t, index, serval_ipv4_to_string (addr));
  serval_etcd_txn_set_lease (t, serval_lease_new (req->vlan, req->user, req->mac, addr, subnet.len, 0));
  return TRUE;
}

void
serval_store_etcd_lease (ServalStore *store, const ServalLeaseRequest *req, GTask *task)
{
  serval_store_etcd_txn_run (SERVAL_STORE_ETCD (store), task, plan_lease, req);
}

static gboolean
plan_release (ServalEtcdTxn *t, GError **error)
{
  const ServalLeaseRequest *req = serval_etcd_txn_request (t);
  g_autofree char *index = index_key (req->vlan, req->user, req->mac);
  const ServalEtcdEntry *ie = serval_etcd_txn_view (t, index), *le;
  g_autofree char *lkey = NULL;
  g_autofree char *user = NULL;
  guint8 mac[6];
  gint64 released = 0;
  guint32 addr;

  serval_etcd_txn_read_back (t, index);
  if (ie == NULL || !serval_ipv4_parse (ie->value, &addr))
    return TRUE; /* nothing leased: nothing to do */
  lkey = lease_key (req->vlan, addr);
  le = serval_etcd_txn_view (t, lkey);
  serval_etcd_txn_read_back (t, lkey);
  if (le == NULL || !parse_lease (le, &user, mac, &released) || !g_str_equal (user, req->user) ||
      memcmp (mac, req->mac, 6) != 0 || released != 0)
    return TRUE;
  serval_etcd_txn_guard (t, "MOD", lkey, FALSE, "EQUAL", le->mod_revision);
  serval_etcd_txn_put (t, lkey, lease_value (req->user, req->mac, serval_lease_release_time ()));
  return TRUE;
}

void
serval_store_etcd_lease_release (ServalStore *store, const ServalLeaseRequest *req, GTask *task)
{
  serval_store_etcd_txn_run (SERVAL_STORE_ETCD (store), task, plan_release, req);
}

static int
lease_cmp (gconstpointer a, gconstpointer b)
{
  const ServalLease *x = *(ServalLease *const *) a, *y = *(ServalLease *const *) b;
  guint32 p = 0, q = 0;
  g_autofree char *xa = g_strndup (x->address, strcspn (x->address, "/"));
  g_autofree char *ya = g_strndup (y->address, strcspn (y->address, "/"));

  serval_ipv4_parse (xa, &p);
  serval_ipv4_parse (ya, &q);
  return p < q ? -1 : p > q;
}

GPtrArray *
serval_store_etcd_lease_list (ServalStore *store, const char *vlan, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  g_autoptr(ServalVlan) v = serval_store_etcd_vlan_get (store, vlan, error);
  g_autofree char *prefix = leases_of_vlan (vlan);
  GPtrArray *leases;
  ServalSubnet subnet = { 0, 32 };
  GHashTableIter iter;
  gpointer key, value;

  if (v == NULL)
    return NULL;
  if (v->subnet != NULL)
    serval_subnet_parse (v->subnet, &subnet, NULL, NULL);
  leases = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_lease_free);
  g_hash_table_iter_init (&iter, self->copy);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *user = NULL;
      g_autofree char *ukey = NULL;
      guint8 mac[6];
      gint64 released;
      guint32 addr;

      if (((ServalEtcdEntry *) value)->value != NULL && g_str_has_prefix (key, prefix) &&
          serval_ipv4_parse ((char *) key + strlen (prefix), &addr) && parse_lease (value, &user, mac, &released) &&
          serval_etcd_entry (self->copy, (ukey = serval_etcd_key_user (user))) != NULL)
        g_ptr_array_add (leases, serval_lease_new (vlan, user, mac, addr, subnet.len, released));
    }
  g_ptr_array_sort (leases, lease_cmp);
  return leases;
}
