/* serval-store-etcd-copy.c: the etcd store's copy of its keys in memory,
 * kept current by the watch (serval-store-etcd.c), and the reads it
 * answers without waiting for the network. */
#include "config.h"

#include "serval-store-etcd.h"

#include <string.h>

/* --- keys ------------------------------------------------------------------- */

static char *
escape (const char *name)
{
  return g_uri_escape_string (name, NULL, FALSE);
}

char *
serval_etcd_key_user (const char *name)
{
  g_autofree char *e = escape (name);

  return g_strconcat ("users/", e, NULL);
}

char *
serval_etcd_key_vlan (const char *name)
{
  g_autofree char *e = escape (name);

  return g_strconcat ("vlans/", e, NULL);
}

char *
serval_etcd_key_rights_of (const char *user)
{
  g_autofree char *e = escape (user);

  return g_strconcat (SERVAL_ETCD_KEY_RIGHTS, e, "/", NULL);
}

char *
serval_etcd_key_right (const char *user, const char *vlan)
{
  g_autofree char *u = serval_etcd_key_rights_of (user);
  g_autofree char *v = escape (vlan);

  return g_strconcat (u, v, NULL);
}

/* The name in a key "KIND/ESCAPED", or NULL if @key is not one. */
static char *
key_name (const char *key, const char *kind)
{
  if (!g_str_has_prefix (key, kind))
    return NULL;
  return g_uri_unescape_string (key + strlen (kind), NULL);
}

/* Splits a right's key "rights/USER/VLAN". */
static gboolean
right_names (const char *key, char **user, char **vlan)
{
  g_auto(GStrv) parts = NULL;

  if (!g_str_has_prefix (key, SERVAL_ETCD_KEY_RIGHTS))
    return FALSE;
  parts = g_strsplit (key + strlen (SERVAL_ETCD_KEY_RIGHTS), "/", -1);
  if (g_strv_length (parts) != 2)
    return FALSE;
  *user = g_uri_unescape_string (parts[0], NULL);
  *vlan = g_uri_unescape_string (parts[1], NULL);
  if (*user == NULL || *vlan == NULL)
    {
      g_clear_pointer (user, g_free);
      g_clear_pointer (vlan, g_free);
      return FALSE;
    }
  return TRUE;
}

/* --- the table -------------------------------------------------------------- */

static void
entry_free (ServalEtcdEntry *e)
{
  g_free (e->value);
  g_free (e);
}

GHashTable *
serval_etcd_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
}

const ServalEtcdEntry *
serval_etcd_entry (GHashTable *table, const char *key)
{
  ServalEtcdEntry *e = g_hash_table_lookup (table, key);

  return e != NULL && e->value != NULL ? e : NULL;
}

typedef ServalEtcdEffect Effect;

static void
effect_free (Effect *fx)
{
  g_free (fx->key);
  g_free (fx->user);
  g_free (fx->vlan);
  g_free (fx);
}

GPtrArray *
serval_etcd_effects_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) effect_free);
}

/* What deleting @key (whose value was @old) takes away from sessions. */
static void
add_effect (GPtrArray *effects, const char *key, const ServalEtcdEntry *old, gint64 revision)
{
  Effect *fx = g_new0 (Effect, 1);

  if ((fx->user = key_name (key, "users/")) != NULL)
    fx->signal = SERVAL_STORE_SIGNAL_USER_DELETED;
  else if ((fx->vlan = key_name (key, "vlans/")) != NULL)
    fx->signal = SERVAL_STORE_SIGNAL_VLAN_DELETED;
  else if (right_names (key, &fx->user, &fx->vlan))
    fx->signal = SERVAL_STORE_SIGNAL_RIGHT_REVOKED;
  else
    {
      effect_free (fx);
      return;
    }
  fx->tag = serval_etcd_entry_tag (old);
  fx->key = g_strdup (key);
  fx->revision = revision;
  g_ptr_array_add (effects, fx);
}

/* A VLAN's addresses or rules, or a user's bridge right, changed at @key. */
static void
add_change_effect (GPtrArray *effects, const char *key, const ServalEtcdEntry *old, gint64 revision)
{
  Effect *fx = g_new0 (Effect, 1);

  if ((fx->user = key_name (key, "users/")) != NULL)
    fx->signal = SERVAL_STORE_SIGNAL_USER_CHANGED;
  else
    {
      fx->vlan = key_name (key, "vlans/");
      fx->signal = SERVAL_STORE_SIGNAL_VLAN_CHANGED;
    }
  fx->tag = serval_etcd_entry_tag (old);
  fx->key = g_strdup (key);
  fx->revision = revision;
  g_ptr_array_add (effects, fx);
}

void
serval_etcd_table_apply (GHashTable *table, const char *key, const char *value, gsize len, gint64 revision,
                         GPtrArray *effects)
{
  ServalEtcdEntry *e = g_hash_table_lookup (table, key);

  if (e != NULL && e->mod_revision > revision)
    return;
  if (e == NULL)
    {
      e = g_new0 (ServalEtcdEntry, 1);
      g_hash_table_insert (table, g_strdup (key), e);
    }
  else if (value == NULL && e->value != NULL && effects != NULL)
    add_effect (effects, key, e, revision);
  else if (value != NULL && e->value != NULL && effects != NULL && serval_etcd_value_changed (key, e, value, len))
    add_change_effect (effects, key, e, revision);
  g_free (e->value);
  e->value = NULL;
  if (value != NULL)
    {
      e->value = g_malloc (len + 1);
      memcpy (e->value, value, len);
      e->value[len] = '\0';
    }
  e->len = len;
  e->mod_revision = revision;
}

void
serval_etcd_effects_emit (ServalStore *store, GPtrArray *effects)
{
  static const guint order[] = {
    SERVAL_STORE_SIGNAL_VLAN_DELETED,
    SERVAL_STORE_SIGNAL_USER_DELETED,
    SERVAL_STORE_SIGNAL_RIGHT_REVOKED,
    SERVAL_STORE_SIGNAL_VLAN_CHANGED,
    SERVAL_STORE_SIGNAL_USER_CHANGED,
  };

  for (guint o = 0; o < G_N_ELEMENTS (order); o++)
    for (guint i = 0; i < effects->len; i++)
      {
        Effect *fx = effects->pdata[i];
        guint id = serval_store_signals[fx->signal];

        if (fx->signal != order[o])
          continue;
        if (fx->signal == SERVAL_STORE_SIGNAL_USER_DELETED || fx->signal == SERVAL_STORE_SIGNAL_USER_CHANGED)
          g_signal_emit (store, id, 0, fx->user);
        else if (fx->signal == SERVAL_STORE_SIGNAL_VLAN_DELETED || fx->signal == SERVAL_STORE_SIGNAL_VLAN_CHANGED)
          g_signal_emit (store, id, 0, fx->vlan, (guint) fx->tag);
        else
          g_signal_emit (store, id, 0, fx->user, fx->vlan, (guint) fx->tag);
      }
}

/* --- values ----------------------------------------------------------------- */

JsonObject *
serval_etcd_parse_json (const ServalEtcdEntry *e)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, e->value, e->len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

guint32
serval_etcd_entry_tag (const ServalEtcdEntry *e)
{
  g_autoptr(JsonObject) o = NULL;

  if (e == NULL || e->value == NULL)
    return 0;
  if (e->value[0] != '{')
    return (guint32) g_ascii_strtoull (e->value, NULL, 10);
  o = serval_etcd_parse_json (e);
  return o != NULL ? (guint32) json_object_get_int_member_with_default (o, "tag", 0) : 0;
}

char *
serval_etcd_user_value (const ServalCredentials *cred, const ServalUserRecord *record)
{
  g_autofree char *salt = g_base64_encode (cred->salt, sizeof cred->salt);
  g_autofree char *hash = g_base64_encode (cred->hash, sizeof cred->hash);
  g_autofree char *rate = record->rate_limit > 0 ?
                              g_strdup_printf (",\"rateLimit\":%" G_GUINT64_FORMAT, record->rate_limit) :
                              g_strdup ("");

  return g_strdup_printf ("{\"iterations\":%u,\"salt\":\"%s\",\"hash\":\"%s\",\"admin\":%s%s%s}",
                          (guint) cred->iterations, salt, hash, record->admin ? "true" : "false",
                          record->bridge ? ",\"bridge\":true" : "", rate);
}

/* Decodes base64 member @name of @o into exactly @len bytes at @out. */
static gboolean
decode_exact (JsonObject *o, const char *name, guint8 *out, gsize len)
{
  const char *b64 = json_object_get_string_member_with_default (o, name, NULL);
  g_autofree guchar *raw = NULL;
  gsize n = 0;

  if (b64 == NULL)
    return FALSE;
  raw = g_base64_decode (b64, &n);
  if (n != len)
    return FALSE;
  memcpy (out, raw, len);
  return TRUE;
}

/* Parses a user's value; FALSE (with @error) if it is damaged. */
static gboolean
serval_etcd_parse_user (const ServalEtcdEntry *e, const char *name, ServalCredentials *cred,
                        ServalUserRecord *record, GError **error)
{
  g_autoptr(JsonObject) o = serval_etcd_parse_json (e);

  memset (cred, 0, sizeof *cred);
  if (o == NULL || !decode_exact (o, "salt", cred->salt, sizeof cred->salt) ||
      !decode_exact (o, "hash", cred->hash, sizeof cred->hash))
    {
      serval_credentials_clear (cred);
      g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_CORRUPT,
                   "The password hash of “%s” in etcd is damaged: set a new password", name);
      return FALSE;
    }
  cred->iterations = json_object_get_int_member_with_default (o, "iterations", 0);
  if (record != NULL)
    serval_etcd_user_record (e, record);
  return TRUE;
}

/* --- reads ------------------------------------------------------------------ */

static gboolean
copy_user_get (ServalStore *store, const char *name, ServalCredentials *cred,
               ServalUserRecord *record, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  g_autofree char *key = serval_etcd_key_user (name);
  const ServalEtcdEntry *e = serval_etcd_entry (self->copy, key);

  if (e == NULL)
    return serval_store_no_user (name, error);
  return serval_etcd_parse_user (e, name, cred, record, error);
}

static int
user_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(ServalUser *const *) a)->name, (*(ServalUser *const *) b)->name);
}

static int
vlan_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(ServalVlan *const *) a)->name, (*(ServalVlan *const *) b)->name);
}

static int
str_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
copy_user_list (ServalStore *store, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  GPtrArray *users = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_user_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->copy);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ServalEtcdEntry *e = value;
      char *name = e->value != NULL ? key_name (key, "users/") : NULL;
      ServalUser *u;

      if (name == NULL)
        continue;
      u = g_new0 (ServalUser, 1);
      u->name = name;
      u->vlans = g_ptr_array_new_with_free_func (g_free);
      {
        ServalUserRecord record;

        serval_etcd_user_record (e, &record);
        u->admin = record.admin;
        u->bridge = record.bridge;
        u->rate_limit = record.rate_limit;
      }
      g_ptr_array_add (users, u);
      g_hash_table_insert (by_name, u->name, u);
    }
  g_hash_table_iter_init (&iter, self->copy);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *user = NULL;
      g_autofree char *vlan = NULL;
      ServalUser *u;

      if (((ServalEtcdEntry *) value)->value != NULL && right_names (key, &user, &vlan) &&
          (u = g_hash_table_lookup (by_name, user)) != NULL)
        g_ptr_array_add (u->vlans, g_steal_pointer (&vlan));
    }
  g_ptr_array_sort (users, user_cmp);
  for (guint i = 0; i < users->len; i++)
    g_ptr_array_sort (((ServalUser *) users->pdata[i])->vlans, str_cmp);
  return users;
}

static guint
copy_user_count (ServalStore *store)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->copy);
  while (g_hash_table_iter_next (&iter, &key, &value))
    n += ((ServalEtcdEntry *) value)->value != NULL && g_str_has_prefix (key, "users/");
  return n;
}

static gboolean
copy_vlan_lookup (ServalStore *store, const char *name, guint32 *out_id, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  g_autofree char *key = serval_etcd_key_vlan (name);
  const ServalEtcdEntry *e = serval_etcd_entry (self->copy, key);

  if (e == NULL)
    return serval_store_no_vlan (name, error);
  if (out_id != NULL)
    *out_id = serval_etcd_entry_tag (e);
  return TRUE;
}

static GPtrArray *
copy_vlan_list (ServalStore *store, GError **error)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  GPtrArray *vlans = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_vlan_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->copy);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ServalEtcdEntry *e = value;
      g_autofree char *name = e->value != NULL ? key_name (key, "vlans/") : NULL;

      if (name != NULL)
        g_ptr_array_add (vlans, serval_etcd_vlan_new (name, e));
    }
  g_ptr_array_sort (vlans, vlan_cmp);
  return vlans;
}

static gboolean
copy_has_right (ServalStore *store, const char *user, const char *vlan)
{
  ServalStoreEtcd *self = SERVAL_STORE_ETCD (store);
  g_autofree char *right = serval_etcd_key_right (user, vlan);
  g_autofree char *vkey = serval_etcd_key_vlan (vlan);

  return serval_etcd_entry (self->copy, right) != NULL && serval_etcd_entry (self->copy, vkey) != NULL;
}

void
serval_store_etcd_copy_class_init (ServalStoreClass *store_class)
{
  store_class->user_get = copy_user_get;
  store_class->user_list = copy_user_list;
  store_class->user_count = copy_user_count;
  store_class->vlan_lookup = copy_vlan_lookup;
  store_class->vlan_list = copy_vlan_list;
  store_class->has_right = copy_has_right;
}
