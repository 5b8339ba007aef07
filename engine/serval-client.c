/* serval-client.c: the ServalClient object: its properties, signals and state.
 * The rest of it is in serval-client-*.c, over serval-client-private.h. */
#include "config.h"

#include "serval-client-private.h"

#include <string.h>

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-client-error-quark, serval_client_error)
/* clang-format on */

G_DEFINE_ENUM_TYPE (ServalClientState, serval_client_state,
                    G_DEFINE_ENUM_VALUE (SERVAL_CLIENT_STATE_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLIENT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLIENT_STATE_ONLINE, "online"))

GParamSpec *serval_client_properties[N_PROPS];
guint serval_client_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ServalClient, serval_client, G_TYPE_OBJECT)

void
serval_client_set_state (ServalClient *client, ServalClientState state)
{
  if (client->state == state)
    return;
  client->state = state;
  g_object_notify_by_pspec (G_OBJECT (client), serval_client_properties[PROP_STATE]);
}

void
serval_client_set_last_error (ServalClient *client, const char *message)
{
  if (g_strcmp0 (client->last_error, message) == 0)
    return;
  g_free (client->last_error);
  client->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (client), serval_client_properties[PROP_LAST_ERROR]);
}

const char *
serval_client_where (ServalClient *client)
{
  return client->current != NULL ? client->current : client->server;
}

void
serval_client_set_current (ServalClient *client, const char *server)
{
  if (g_strcmp0 (client->current, server) == 0)
    return;
  g_free (client->current);
  client->current = g_strdup (server);
  g_object_notify_by_pspec (G_OBJECT (client), serval_client_properties[PROP_CURRENT_SERVER]);
}

void
serval_client_set_node (ServalClient *client, const char *node)
{
  if (g_strcmp0 (client->node, node) == 0)
    return;
  g_free (client->node);
  client->node = g_strdup (node);
  g_object_notify_by_pspec (G_OBJECT (client), serval_client_properties[PROP_NODE]);
}

static void
serval_client_dispose (GObject *object)
{
  ServalClient *client = SERVAL_CLIENT (object);

  client->wanted = FALSE;
  g_cancellable_cancel (client->cancellable);
  g_clear_object (&client->cancellable);
  serval_client_drop_link (client);
  if (client->pending != NULL)
    serval_client_fail_pending (client, "the client was closed");
  serval_clear_source (&client->reconnect_source);
  serval_client_stop_address_checks (client);
  g_clear_pointer (&client->by_tag, g_hash_table_unref);
  g_clear_object (&client->vlans);
  G_OBJECT_CLASS (serval_client_parent_class)->dispose (object);
}

static void
serval_client_finalize (GObject *object)
{
  ServalClient *client = SERVAL_CLIENT (object);

  g_free (client->server);
  g_free (client->user);
  if (client->password != NULL)
    memset (client->password, 0, strlen (client->password));
  g_free (client->password);
  serval_client_forget_token (client);
  g_free (client->fingerprint);
  g_free (client->host);
  g_free (client->last_error);
  g_free (client->peer_fingerprint);
  g_clear_pointer (&client->tls_resume, g_bytes_unref);
  g_free (client->tls_resume_server);
  g_free (client->node);
  g_free (client->gso_scratch);
  g_strfreev (client->servers);
  g_strfreev (client->services);
  g_free (client->current);
  g_clear_pointer (&client->pending, g_hash_table_unref);
  G_OBJECT_CLASS (serval_client_parent_class)->finalize (object);
}

static void
serval_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ServalClient *client = SERVAL_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, client->state); break;
    case PROP_ADMIN: g_value_set_boolean (value, client->admin); break;
    case PROP_LAST_ERROR: g_value_set_string (value, client->last_error); break;
    case PROP_CURRENT_SERVER: g_value_set_string (value, serval_client_where (client)); break;
    case PROP_NODE: g_value_set_string (value, client->node); break;
    case PROP_SERVERS: g_value_set_boxed (value, client->servers); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
serval_client_class_init (ServalClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = serval_client_dispose;
  object_class->finalize = serval_client_finalize;
  object_class->get_property = serval_client_get_property;

  serval_client_properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SERVAL_TYPE_CLIENT_STATE,
                                                            SERVAL_CLIENT_STATE_DISCONNECTED, flags);
  serval_client_properties[PROP_ADMIN] = g_param_spec_boolean ("admin", NULL, NULL, FALSE, flags);
  serval_client_properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  /* A cluster's node after a failover; the server given, before. */
  serval_client_properties[PROP_CURRENT_SERVER] = g_param_spec_string ("current-server", NULL, NULL, NULL, flags);
  /* The name the server's Hello gave, or NULL. */
  serval_client_properties[PROP_NODE] = g_param_spec_string ("node", NULL, NULL, NULL, flags);
  /* The live nodes of the cluster, where to reconnect (NULL: none listed). */
  serval_client_properties[PROP_SERVERS] = g_param_spec_boxed ("servers", NULL, NULL, G_TYPE_STRV, flags);
  g_object_class_install_properties (object_class, N_PROPS, serval_client_properties);

  /**
   * ServalClient::vlan-removed:
   * @vlan: the VLAN this client is no longer in
   * @reason: a sentence saying why
   */
  serval_client_signals[SIGNAL_VLAN_REMOVED] =
      g_signal_new ("vlan-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, SERVAL_TYPE_CLIENT_VLAN, G_TYPE_STRING);
  /**
   * ServalClient::connection-failed:
   * @error: why reconnecting stopped (wrong password, changed certificate...)
   */
  serval_client_signals[SIGNAL_CONNECTION_FAILED] =
      g_signal_new ("connection-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
serval_client_init (ServalClient *client)
{
  client->pending = g_hash_table_new (NULL, NULL);
  client->vlans = g_list_store_new (SERVAL_TYPE_CLIENT_VLAN);
  client->by_tag = g_hash_table_new (NULL, NULL);
  client->host = g_strdup (g_get_host_name ());
  client->backoff_ms = SERVAL_BACKOFF_MIN_MS;
  client->next_id = 1;
}

ServalClient *
serval_client_new (const char *server, const char *user, const char *password, const char *fingerprint)
{
  ServalClient *client = g_object_new (SERVAL_TYPE_CLIENT, NULL);

  client->server = g_strdup (server);
  client->user = g_strdup (user);
  client->password = g_strdup (password != NULL ? password : "");
  client->fingerprint = g_strdup (fingerprint);
  client->offload = serval_tap_offload_wanted ();
  return client;
}

void
serval_client_set_offload (ServalClient *client, gboolean offload)
{
  client->offload = offload;
}

void
serval_client_set_services (ServalClient *client, const char *const *services)
{
  g_strfreev (client->services);
  client->services = g_strdupv ((char **) services);
}

ServalClientState
serval_client_get_state (ServalClient *client)
{
  return client->state;
}
gboolean
serval_client_get_resumed (ServalClient *client)
{
  return client->resumed;
}
gboolean
serval_client_get_tls_resumed (ServalClient *client)
{
  return client->tls_resumed;
}

void
serval_client_set_tls_resumption (ServalClient *client, gboolean enabled)
{
  client->no_tls_resumption = !enabled;
  if (!enabled)
    g_clear_pointer (&client->tls_resume, g_bytes_unref);
}
const char *
serval_client_get_server (ServalClient *client)
{
  return client->server;
}
const char *
serval_client_get_current_server (ServalClient *client)
{
  return serval_client_where (client);
}
const char *
serval_client_get_node (ServalClient *client)
{
  return client->node;
}
const char *const *
serval_client_get_servers (ServalClient *client)
{
  return (const char *const *) client->servers;
}
const char *
serval_client_get_user (ServalClient *client)
{
  return client->user;
}
gboolean
serval_client_get_admin (ServalClient *client)
{
  return client->admin;
}
const char *
serval_client_get_last_error (ServalClient *client)
{
  return client->last_error;
}
const char *
serval_client_get_peer_fingerprint (ServalClient *client)
{
  return client->peer_fingerprint;
}
GListModel *
serval_client_get_vlans (ServalClient *client)
{
  return G_LIST_MODEL (client->vlans);
}

void
serval_client_set_host_name (ServalClient *client, const char *host)
{
  g_free (client->host);
  client->host = g_strndup (host, 64);
}
