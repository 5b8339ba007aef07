/* serval-client-connect.c: connecting and logging in, resume tokens and TLS
 * session resumption, and reconnecting with backoff across the server list. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-client-private.h"

#include <string.h>

#include "serval-tls.h"

#define KEEPALIVE_SECONDS 5 /* between pings until the server says otherwise at login */

static void attempt_connect (ServalClient *client);

/* Takes the first connection's task from the client and stops watching its
 * cancellable; the caller returns it. */
static GTask *
steal_connect_task (ServalClient *client)
{
  serval_clear_source (&client->connect_cancel_source);
  return g_steal_pointer (&client->connect_task);
}

void
serval_client_drop_link (ServalClient *client)
{
  /* Nothing to report addresses to: no timer while offline. */
  serval_client_stop_address_checks (client);
  if (client->link == NULL)
    return;
  g_signal_handlers_disconnect_by_data (client->link, client);
  serval_link_set_handlers (client->link, NULL, NULL, NULL);
  serval_link_close (client->link, NULL);
  g_clear_object (&client->link);
  client->logged_in = FALSE;
}

static void
schedule_reconnect (ServalClient *client)
{
  guint delay;

  if (!client->wanted || client->reconnect_source != NULL)
    return;
  serval_client_set_state (client, SERVAL_CLIENT_STATE_CONNECTING);
  delay = serval_backoff_next (&client->backoff_ms);
  if (client->servers != NULL && client->servers[0] != NULL)
    client->server_index++;
  serval_timeout_once (&client->reconnect_source, g_main_context_get_thread_default (), delay,
                       (ServalTimeoutFunc) attempt_connect, client);
}

static void
connection_ended (ServalClient *client, const GError *error, gboolean permanent)
{
  /* Translators: why the connection ended, when nothing more is known (after a colon). */
  const char *why = error != NULL ? error->message : _("closed");

  serval_client_drop_link (client);
  serval_client_fail_pending (client, why);
  serval_client_set_last_error (client, why);

  if (client->connect_task != NULL)
    {
      GTask *task = steal_connect_task (client);

      client->wanted = FALSE;
      serval_client_set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
      g_task_return_error (task, error != NULL ? g_error_copy (error) : g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED, _("%s closed the connection"), serval_client_where (client)));
      g_object_unref (task);
      return;
    }

  if (permanent)
    {
      /* Reported through ::connection-failed; a log line, not a warning. */
      g_message ("Giving up on %s: %s", serval_client_where (client), why);
      client->wanted = FALSE;
      serval_client_set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
      g_signal_emit (client, serval_client_signals[SIGNAL_CONNECTION_FAILED], 0, error);
      return;
    }

  if (client->wanted)
    {
      if (client->state == SERVAL_CLIENT_STATE_ONLINE)
        g_message ("Lost the connection to %s (%s); reconnecting", serval_client_where (client), why);
      schedule_reconnect (client);
    }
  else
    serval_client_set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
}

static void
link_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  ServalClient *client = user_data;

  if (link != client->link)
    return;
  connection_ended (client, error, FALSE);
}

void
serval_client_forget_token (ServalClient *client)
{
  gsize len;
  guint8 *p;

  if (client->token == NULL)
    return;
  p = g_bytes_unref_to_data (g_steal_pointer (&client->token), &len);
  memset (p, 0, len);
  g_free (p);
}

/* The servers to fail over to, from the server (takes @servers). */
void
serval_client_set_servers (ServalClient *client, GStrv servers)
{
  if (client->servers != NULL && servers != NULL &&
      g_strv_equal ((const char *const *) client->servers, (const char *const *) servers))
    {
      g_strfreev (servers);
      return;
    }
  g_strfreev (client->servers);
  client->servers = servers;
  g_object_notify_by_pspec (G_OBJECT (client), serval_client_properties[PROP_SERVERS]);
}

/* What the server's LoggedIn says: @token (nullable) to log in with next
 * time, @servers (nullable: keep the last list) for failover, and the
 * keepalive interval it wants. */
void
serval_client_logged_in (ServalClient *client, GBytes *token, gboolean admin, GStrv servers, long keepalive)
{
  guint n;

  client->logged_in = TRUE;
  client->resumed = client->login_with_token;
  serval_client_forget_token (client);
  /* The TLS session ticket came before this answer: keep it to resume the
   * session on the next connection (one handshake without certificate or
   * signatures for both sides). */
  g_clear_pointer (&client->tls_resume, g_bytes_unref);
  g_free (client->tls_resume_server);
  client->tls_resume = client->no_tls_resumption ? NULL : serval_link_get_resume_data (client->link);
  client->tls_resume_server = client->tls_resume ? g_strdup (serval_link_get_peer (client->link)) : NULL;
  client->token = token;
  if (client->admin != admin)
    {
      client->admin = admin;
      g_object_notify_by_pspec (G_OBJECT (client), serval_client_properties[PROP_ADMIN]);
    }
  if (servers != NULL)
    serval_client_set_servers (client, servers);
  serval_link_set_keepalive (client->link, keepalive, keepalive * 3);

  /* Rejoin what we were in; the TAP devices stayed up. */
  n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);

      serval_client_rejoin (client, vlan);
    }
}

void
serval_client_login_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalClient *client = SERVAL_CLIENT (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      gboolean permanent;

      if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_TOKEN_REFUSED) &&
          client->login_with_token)
        {
          /* One more round trip on the same link, with the password. */
          g_message ("%s refused the resume token (%s); logging in with the password",
                     serval_client_where (client), error->message);
          serval_client_forget_token (client);
          if (client->link != NULL)
            {
              serval_client_send_login (client);
              return;
            }
        }
      permanent = error->domain == SERVAL_CLIENT_ERROR &&
                  (error->code == SERVAL_CLIENT_ERROR_AUTH || error->code == SERVAL_CLIENT_ERROR_VERSION);

      if (error->domain == SERVAL_CLIENT_ERROR && error->code == SERVAL_CLIENT_ERROR_DISCONNECTED)
        return; /* connection_ended() has dealt with it */
      connection_ended (client, error, permanent);
      return;
    }

  client->backoff_ms = SERVAL_BACKOFF_MIN_MS;
  serval_client_set_last_error (client, NULL);
  serval_client_set_state (client, SERVAL_CLIENT_STATE_ONLINE);
  g_message ("Logged in to %s as %s%s", serval_client_where (client), client->user, client->admin ? " (admin)" : "");
  serval_client_start_address_checks (client);
  if (client->connect_task != NULL)
    {
      GTask *task = steal_connect_task (client);

      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static const char *
current_server (ServalClient *client)
{
  guint n = client->servers != NULL ? g_strv_length (client->servers) : 0;

  /* Index 0 is the server we were given; then those it listed. */
  if (n == 0 || client->server_index % (n + 1) == 0)
    return client->server;
  return client->servers[client->server_index % (n + 1) - 1];
}

static void
link_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalClient *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer_fp = NULL;
  ServalLink *link;

  link = serval_link_connect_finish (result, &peer_fp, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (client);
      return;
    }
  g_clear_object (&client->cancellable);
  if (peer_fp != NULL)
    {
      g_free (client->peer_fingerprint);
      client->peer_fingerprint = g_steal_pointer (&peer_fp);
    }
  if (link == NULL)
    {
      /* A certificate that changed is never retried silently. */
      gboolean permanent = error->domain == SERVAL_TLS_ERROR;

      connection_ended (client, error, permanent);
      g_object_unref (client);
      return;
    }

  client->link = link;
  client->tls_resumed = serval_link_is_resumed (link);
  /* Used (or not wanted by this server): the login keeps the new session's. */
  g_clear_pointer (&client->tls_resume, g_bytes_unref);
  g_clear_pointer (&client->tls_resume_server, g_free);
  serval_link_set_handlers (link, serval_client_link_message_cb, serval_client_link_data_cb, client);
  g_signal_connect (link, "closed", G_CALLBACK (link_closed_cb), client);
  serval_link_set_keepalive (link, KEEPALIVE_SECONDS, KEEPALIVE_SECONDS * 3);
  serval_link_adopt_keepalive (link); /* the interval the server's pings and pongs say */

  client->server_offload = FALSE;
  serval_client_send_hello (client);
  serval_client_send_login (client);
  serval_link_start (link);
  g_object_unref (client);
}

static void
attempt_connect (ServalClient *client)
{
  g_autoptr(GBytes) resume = NULL;

  if (client->link != NULL || client->cancellable != NULL)
    return;
  serval_client_set_state (client, SERVAL_CLIENT_STATE_CONNECTING);
  client->cancellable = g_cancellable_new ();
  /* A session is resumed once, and only with the server that made it. The
   * data stays until a connection is made (link_connected_cb()): an attempt
   * that fails, as against a server that is starting again, sent no ticket,
   * and the next attempt still resumes. */
  if (client->tls_resume != NULL && g_strcmp0 (client->tls_resume_server, current_server (client)) == 0)
    resume = g_bytes_ref (client->tls_resume);
  serval_client_set_current (client, current_server (client));
  serval_link_connect_async (current_server (client), client->fingerprint, resume, client->cancellable,
                             link_connected_cb, g_object_ref (client));
}

/* The caller gave the first connection up: stop trying, as
 * serval_client_disconnect() does, and end the task now. */
static gboolean
connect_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  ServalClient *client = g_task_get_source_object (task);

  if (client->connect_task != task)
    return G_SOURCE_REMOVE;
  task = steal_connect_task (client);
  serval_client_disconnect (client);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
serval_client_connect_async (ServalClient *client, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, serval_client_connect_async);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (client->connect_task != NULL || client->state != SERVAL_CLIENT_STATE_DISCONNECTED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("Already connected or connecting to %s"), serval_client_where (client));
      g_object_unref (task);
      return;
    }
  client->connect_task = task;
  if (cancellable != NULL)
    {
      client->connect_cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, client->connect_cancel_source, G_SOURCE_FUNC (connect_cancelled_cb));
    }
  client->wanted = TRUE;
  client->server_index = 0;
  client->backoff_ms = SERVAL_BACKOFF_MIN_MS;
  attempt_connect (client);
}

gboolean
serval_client_connect_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, serval_client_connect_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
serval_client_disconnect (ServalClient *client)
{
  client->wanted = FALSE;
  if (client->cancellable != NULL)
    g_cancellable_cancel (client->cancellable);
  g_clear_object (&client->cancellable);
  serval_clear_source (&client->reconnect_source);
  serval_client_drop_link (client);
  serval_client_fail_pending (client, "disconnected");
  serval_client_set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
}
