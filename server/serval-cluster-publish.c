/* serval-cluster-publish.c: what this node publishes in the cluster's
 * registry (its members, under its lease): each key written in order, one
 * write at a time, retried with backoff, and written again under a new lease
 * (serval-cluster-private.h).
 */
#include "config.h"

#include "serval-cluster-private.h"

#include "serval-util.h"

/* --- what this node publishes ------------------------------------------------------------ */

static void write_key (ServalCluster *self, const char *key, Published *p);

static void
write_op_free (WriteOp *op)
{
  g_free (op->key);
  g_free (op);
}

static gboolean
write_retry_cb (gpointer data)
{
  ServalCluster *self = data;

  serval_clear_source (&self->write_source);
  serval_cluster_kick_writes (self);
  return G_SOURCE_REMOVE;
}

static void
write_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = serval_etcd_call_finish (NULL, result, &error);
  WriteOp *op = data;
  ServalCluster *self = op->self;
  Published *p;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      write_op_free (op);
      return;
    }
  p = g_hash_table_lookup (self->published, op->key);
  p->busy = FALSE;
  if (response == NULL)
    {
      self->write_backoff_ms = CLAMP (self->write_backoff_ms * 2, BACKOFF_MIN_MS, BACKOFF_MAX_MS);
      if (self->write_source == NULL)
        {
          self->write_source = g_timeout_source_new (self->write_backoff_ms);
          g_source_set_callback (self->write_source, write_retry_cb, self, NULL);
          g_source_attach (self->write_source, self->context);
        }
    }
  else
    {
      self->write_backoff_ms = 0;
      /* Written under a lease since replaced: it goes again under the new one. */
      if (op->lease == self->lease)
        p->written = MAX (p->written, op->version);
      if (p->value == NULL && p->written == p->version)
        g_hash_table_remove (self->published, op->key);
      else
        write_key (self, op->key, p);
    }
  write_op_free (op);
}

/* Writes @p unless etcd has it, or a write of it is under way (its
 * callback writes again if needed: one at a time keeps them in order). */
static void
write_key (ServalCluster *self, const char *key, Published *p)
{
  WriteOp *op;

  if (p->busy || p->written == p->version || self->lease == 0 || self->renewing)
    return;
  op = g_new0 (WriteOp, 1);
  op->self = self;
  op->key = g_strdup (key);
  op->version = p->version;
  op->lease = self->lease;
  p->busy = TRUE;
  if (p->value != NULL)
    serval_cluster_call (self, "kv/put", serval_cluster_put_request (self, key, p->value), write_cb, op);
  else
    serval_cluster_call (self, "kv/deleterange", serval_cluster_key_request (key), write_cb, op);
}

void
serval_cluster_kick_writes (ServalCluster *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->published);
  while (g_hash_table_iter_next (&iter, &key, &value))
    write_key (self, key, value);
}

/* @value (taken): NULL to delete. */
static void
set_published (ServalCluster *self, const char *key, char *value)
{
  Published *p = g_hash_table_lookup (self->published, key);

  if (p == NULL)
    {
      if (value == NULL)
        return; /* never published */
      p = g_new0 (Published, 1);
      g_hash_table_insert (self->published, g_strdup (key), p);
    }
  g_free (p->value);
  p->value = value;
  p->version++;
  write_key (self, key, p);
}

void
serval_cluster_publish_member (ServalCluster *self, guint32 tag, const char *vlan, ServalMember *m)
{
  g_autofree char *key = NULL;

  g_return_if_fail (SERVAL_IS_CLUSTER (self));
  g_return_if_fail (SERVAL_IS_MEMBER (m));
  key = serval_cluster_member_key (self->node, tag, serval_member_get_mac_bytes (m));
  set_published (self, key, serval_cluster_member_value (tag, vlan, m));
}

void
serval_cluster_withdraw_member (ServalCluster *self, guint32 tag, const guint8 mac[6])
{
  g_autofree char *key = NULL;

  g_return_if_fail (SERVAL_IS_CLUSTER (self));
  key = serval_cluster_member_key (self->node, tag, mac);
  set_published (self, key, NULL);
}
