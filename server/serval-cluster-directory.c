/* serval-cluster-directory.c: the directory of the cluster's registry: the
 * other nodes and their members, read from their keys (serval-cluster-private.h). */
#include "config.h"

#include "serval-cluster-private.h"

#include <string.h>

G_DEFINE_BOXED_TYPE (ServalNodeInfo, serval_node_info, serval_node_info_copy, serval_node_info_free)

ServalNodeInfo *
serval_node_info_copy (const ServalNodeInfo *info)
{
  ServalNodeInfo *copy = g_new0 (ServalNodeInfo, 1);

  copy->name = g_strdup (info->name);
  copy->advertise = g_strdupv (info->advertise);
  copy->peer = g_strdup (info->peer);
  copy->since = info->since;
  return copy;
}

void
serval_node_info_free (ServalNodeInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_strfreev (info->advertise);
  g_free (info->peer);
  g_free (info);
}

void
serval_cluster_entry_free (Entry *e)
{
  g_free (e->vlan);
  g_free (e->value);
  g_clear_object (&e->member);
  g_free (e);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_object_ref (json_node_get_object (node)) : NULL;
}

static GStrv
strv_member (JsonObject *o, const char *name)
{
  JsonArray *a = serval_etcd_array (o, name);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        g_strv_builder_add (b, json_node_get_string (n));
    }
  return g_strv_builder_end (b);
}

/* --- JSON, as the gateway and the keys have it ----------------------------------- */

void
serval_cluster_set_b64 (JsonObject *o, const char *member, const char *text)
{
  g_autofree char *b64 = serval_etcd_b64 (text);

  json_object_set_string_member (o, member, b64);
}

void
serval_cluster_set_int64 (JsonObject *o, const char *member, gint64 value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  json_object_set_string_member (o, member, text);
}

JsonObject *
serval_cluster_key_request (const char *key)
{
  JsonObject *o = json_object_new ();

  serval_cluster_set_b64 (o, "key", key);
  return o;
}

JsonObject *
serval_cluster_put_request (ServalCluster *self, const char *key, const char *value)
{
  JsonObject *o = serval_cluster_key_request (key);

  serval_cluster_set_b64 (o, "value", value);
  serval_cluster_set_int64 (o, "lease", self->lease);
  return o;
}

static void
add_object (JsonObject *o, const char *member, JsonObject *element)
{
  JsonArray *a = json_array_new ();

  json_array_add_object_element (a, element);
  json_object_set_array_member (o, member, a);
}

/* A transaction: @put (taken) if @key was never made, else a read of it. */
JsonObject *
serval_cluster_txn_if_absent (const char *key, JsonObject *put)
{
  JsonObject *body = json_object_new (), *cmp = serval_cluster_key_request (key);
  JsonObject *then = json_object_new (), *otherwise = json_object_new ();

  json_object_set_string_member (cmp, "target", "CREATE");
  json_object_set_string_member (cmp, "result", "EQUAL");
  json_object_set_string_member (cmp, "create_revision", "0");
  add_object (body, "compare", cmp);
  json_object_set_object_member (then, "request_put", put);
  add_object (body, "success", then);
  json_object_set_object_member (otherwise, "request_range", serval_cluster_key_request (key));
  add_object (body, "failure", otherwise);
  return body;
}

/* A transaction: @put (taken) if @key is under @lease, else as
 * serval_cluster_txn_if_absent(). */
JsonObject *
serval_cluster_txn_if_ours (const char *key, gint64 lease, JsonObject *put)
{
  JsonObject *body = json_object_new (), *cmp = serval_cluster_key_request (key);
  JsonObject *then = json_object_new (), *otherwise = json_object_new ();

  json_object_set_string_member (cmp, "target", "LEASE");
  json_object_set_string_member (cmp, "result", "EQUAL");
  serval_cluster_set_int64 (cmp, "lease", lease);
  add_object (body, "compare", cmp);
  json_object_set_object_member (then, "request_put", json_object_ref (put));
  add_object (body, "success", then);
  json_object_set_object_member (otherwise, "request_txn", serval_cluster_txn_if_absent (key, put));
  add_object (body, "failure", otherwise);
  return body;
}

/* Whether @response's transaction, or the one nested in its failure
 * branch, succeeded. */
gboolean
serval_cluster_txn_succeeded (JsonObject *response)
{
  JsonArray *responses = serval_etcd_array (response, "responses");
  JsonObject *nested;

  if (json_object_get_boolean_member_with_default (response, "succeeded", FALSE))
    return TRUE;
  if (responses == NULL || json_array_get_length (responses) != 1)
    return FALSE;
  nested = serval_etcd_object (json_array_get_object_element (responses, 0), "response_txn");
  return nested != NULL && json_object_get_boolean_member_with_default (nested, "succeeded", FALSE);
}

/* The value that a failed txn_if_absent() read, or NULL. */
char *
serval_cluster_txn_read_value (JsonObject *response)
{
  JsonArray *responses = serval_etcd_array (response, "responses");
  JsonArray *kvs;

  if (responses == NULL || json_array_get_length (responses) != 1)
    return NULL;
  kvs = serval_etcd_array (serval_etcd_object (json_array_get_object_element (responses, 0), "response_range"), "kvs");
  if (kvs == NULL || json_array_get_length (kvs) != 1)
    return NULL;
  return serval_etcd_bytes (json_array_get_object_element (kvs, 0), "value", NULL);
}

static void
add_strv (JsonBuilder *b, const char *name, const char *const *strv)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (b, strv[i]);
  json_builder_end_array (b);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static char *
builder_text (JsonBuilder *b)
{
  g_autoptr(JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

char *
serval_cluster_node_value (ServalCluster *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "name", self->node);
  add_strv (b, "advertise", (const char *const *) self->advertise);
  add_string (b, "peer", self->peer);
  json_builder_set_member_name (b, "since");
  json_builder_add_int_value (b, self->since);
  return builder_text (b);
}

char *
serval_cluster_member_value (guint32 tag, const char *vlan, ServalMember *m)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "user", serval_member_get_user (m));
  add_string (b, "host", serval_member_get_host (m));
  add_string (b, "mac", serval_member_get_mac (m));
  add_strv (b, "addresses", serval_member_get_addresses (m));
  if (serval_member_get_services (m)[0] != NULL) /* (a value as before when it announces none) */
    add_strv (b, "services", serval_member_get_services (m));
  add_string (b, "vlan", vlan);
  json_builder_set_member_name (b, "tag");
  json_builder_add_int_value (b, tag);
  json_builder_set_member_name (b, "since");
  json_builder_add_int_value (b, serval_member_get_since (m));
  return builder_text (b);
}

/* --- keys and values ---------------------------------------------------------- */

char *
serval_cluster_node_key (const char *name)
{
  g_autofree char *e = g_uri_escape_string (name, NULL, FALSE);

  return g_strconcat (SERVAL_CLUSTER_NODES_PREFIX, e, NULL);
}

char *
serval_cluster_member_key (const char *node, guint32 tag, const guint8 mac[6])
{
  g_autofree char *e = g_uri_escape_string (node, NULL, FALSE);

  return g_strdup_printf (SERVAL_CLUSTER_MEMBERS_PREFIX "%s/%u/%02x%02x%02x%02x%02x%02x", e, tag, mac[0], mac[1], mac[2], mac[3],
                          mac[4], mac[5]);
}

static gboolean
parse_mac_hex (const char *hex, guint8 mac[6])
{
  if (strlen (hex) != 12)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]), lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      mac[i] = hi << 4 | lo;
    }
  return TRUE;
}

/* --- the directory ----------------------------------------------------------------- */

static void
apply_node (ServalCluster *self, const char *name, const char *value)
{
  g_autoptr(JsonObject) o = value != NULL ? parse_object (value) : NULL;
  ServalNodeInfo *info;
  gboolean known = g_hash_table_contains (self->nodes, name);

  if (value == NULL)
    {
      if (known)
        {
          g_hash_table_remove (self->nodes, name);
          g_signal_emit (self, serval_cluster_signals[SERVAL_CLUSTER_NODE_REMOVED], 0, name);
        }
      return;
    }
  if (o == NULL)
    return; /* not ours to read: a node of a later version, or a hand-made key */
  info = g_new0 (ServalNodeInfo, 1);
  info->name = g_strdup (name);
  info->advertise = strv_member (o, "advertise");
  info->peer = g_strdup (json_object_get_string_member_with_default (o, "peer", ""));
  info->since = serval_etcd_int (o, "since");
  g_hash_table_insert (self->nodes, g_strdup (name), info);
  if (!known)
    g_signal_emit (self, serval_cluster_signals[SERVAL_CLUSTER_NODE_ADDED], 0, info);
}

static Entry *
parse_member (const char *value, const char *node, const guint8 mac[6])
{
  g_autoptr(JsonObject) o = parse_object (value);
  g_auto(GStrv) addresses = NULL;
  g_auto(GStrv) services = NULL;
  const char *user, *host, *vlan;
  Entry *e;

  if (o == NULL)
    return NULL;
  user = json_object_get_string_member_with_default (o, "user", NULL);
  host = json_object_get_string_member_with_default (o, "host", "");
  vlan = json_object_get_string_member_with_default (o, "vlan", NULL);
  if (user == NULL || vlan == NULL)
    return NULL;
  addresses = strv_member (o, "addresses");
  e = g_new0 (Entry, 1);
  e->tag = serval_etcd_int (o, "tag");
  e->vlan = g_strdup (vlan);
  e->value = g_strdup (value);
  e->member = serval_member_new (user, host, mac, (const char *const *) addresses, node,
                                 serval_etcd_int (o, "since"));
  services = strv_member (o, "services"); /* as its node checked them at the join */
  if (g_strv_length (services) <= SERVAL_SERVICES_MAX)
    serval_member_set_services (e->member, (const char *const *) services);
  return e;
}

/* @rel: the key after SERVAL_CLUSTER_MEMBERS_PREFIX, "NODE/TAG/MACHEX". */
static void
apply_member (ServalCluster *self, const char *rel, const char *value)
{
  g_auto(GStrv) parts = g_strsplit (rel, "/", 3);
  g_autofree char *node = NULL;
  g_autoptr(ServalMember) member = NULL;
  g_autofree char *vlan = NULL;
  guint8 mac[6];
  Entry *e, *old;
  guint32 tag;
  guint sig;

  if (g_strv_length (parts) != 3 || !parse_mac_hex (parts[2], mac) ||
      (node = g_uri_unescape_string (parts[0], NULL)) == NULL || strcmp (node, self->node) == 0)
    return; /* not a member key, or one of this node's */
  old = g_hash_table_lookup (self->members, rel);
  if (value == NULL)
    {
      if (old == NULL)
        return;
      tag = old->tag, vlan = g_strdup (old->vlan), member = g_object_ref (old->member);
      g_hash_table_remove (self->members, rel);
      g_signal_emit (self, serval_cluster_signals[SERVAL_CLUSTER_MEMBER_REMOVED], 0, tag, vlan, member);
      return;
    }
  if ((old != NULL && strcmp (old->value, value) == 0) || (e = parse_member (value, node, mac)) == NULL)
    return;
  sig = old != NULL ? serval_cluster_signals[SERVAL_CLUSTER_MEMBER_UPDATED] : serval_cluster_signals[SERVAL_CLUSTER_MEMBER_ADDED];
  tag = e->tag, vlan = g_strdup (e->vlan), member = g_object_ref (e->member);
  g_hash_table_insert (self->members, g_strdup (rel), e);
  g_signal_emit (self, sig, 0, tag, vlan, member);
}

/* @value: NULL if @key was deleted. */
void
serval_cluster_apply (ServalCluster *self, const char *key, const char *value)
{
  if (g_str_has_prefix (key, SERVAL_CLUSTER_NODES_PREFIX))
    {
      g_autofree char *name = g_uri_unescape_string (key + strlen (SERVAL_CLUSTER_NODES_PREFIX), NULL);

      if (name != NULL && *name != '\0')
        apply_node (self, name, value);
    }
  else if (g_str_has_prefix (key, SERVAL_CLUSTER_MEMBERS_PREFIX))
    apply_member (self, key + strlen (SERVAL_CLUSTER_MEMBERS_PREFIX), value);
}

/* Makes the directory what @response (a range of every live key) says:
 * what is no longer there was deleted while the watch was away. */
void
serval_cluster_replace_directory (ServalCluster *self, JsonObject *response)
{
  JsonArray *kvs = serval_etcd_array (response, "kvs");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; kvs != NULL && i < json_array_get_length (kvs); i++)
    {
      JsonObject *kv = json_array_get_object_element (kvs, i);
      char *k = serval_etcd_bytes (kv, "key", NULL);
      g_autofree char *v = serval_etcd_bytes (kv, "value", NULL);

      serval_cluster_apply (self, k, v);
      g_hash_table_add (seen, k);
    }
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      char *k = serval_cluster_node_key (key);

      if (g_hash_table_contains (seen, k))
        g_free (k);
      else
        g_ptr_array_add (gone, k);
    }
  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      char *k = g_strconcat (SERVAL_CLUSTER_MEMBERS_PREFIX, key, NULL);

      if (g_hash_table_contains (seen, k))
        g_free (k);
      else
        g_ptr_array_add (gone, k);
    }
  for (guint i = 0; i < gone->len; i++)
    serval_cluster_apply (self, gone->pdata[i], NULL);
  self->revision = serval_etcd_int (serval_etcd_object (response, "header"), "revision");
}

/* --- what the server reads ----------------------------------------------------------- */

static int
compare_nodes (gconstpointer a, gconstpointer b)
{
  const ServalNodeInfo *x = *(ServalNodeInfo *const *) a, *y = *(ServalNodeInfo *const *) b;

  return strcmp (x->name, y->name);
}

GPtrArray *
serval_cluster_get_nodes (ServalCluster *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_node_info_free);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SERVAL_IS_CLUSTER (self), out);
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, serval_node_info_copy (value));
  g_ptr_array_sort (out, compare_nodes);
  return out;
}

GPtrArray *
serval_cluster_get_members (ServalCluster *self, guint32 tag)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SERVAL_IS_CLUSTER (self), out);
  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Entry *) value)->tag == tag)
      g_ptr_array_add (out, g_object_ref (((Entry *) value)->member));
  return out;
}
