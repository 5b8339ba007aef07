/* serval-server.c: the server object: its config, start, shutdown and
 * statistics. The other serval-server-*.c files are listed in
 * serval-server-private.h.
 */
#include "config.h"

#include "serval-server-private.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "serval-accept.h"
#include "serval-cert.h"

#define AGING_INTERVAL_S 10

/* --- config ---------------------------------------------------------------- */

void
serval_server_config_init (ServalServerConfig *config)
{
  memset (config, 0, sizeof *config);
  config->keepalive = 5;
  config->pbkdf2_iterations = SERVAL_PBKDF2_DEFAULT_ITERATIONS;
  config->max_failed_logins = 5;
  config->max_login_records = 65536;
  /* Far above what one office behind NAT needs in a reconnect storm (a
   * handshake takes about a millisecond), far below the open-file limit. */
  config->max_handshakes_per_address = 256;
  /* A login takes a round trip and a password check (15-30 ms); a client
   * behind a slow link or a busy server still makes it in 30 s. */
  config->login_timeout = 30;
  config->message_timeout = 10;
  /* An office behind NAT logs in faster than 64 handshakes at once; one
   * address cannot hold every slot up to the open-file limit. */
  config->max_unauthenticated_per_address = 64;
  config->http_timeout = 10;
  config->http_max_connections = 16;
  config->token_lifetime = SERVAL_TOKEN_DEFAULT_LIFETIME;
  config->token_max_age = SERVAL_TOKEN_DEFAULT_MAX_AGE;
  serval_switch_limits_init (&config->limits);
  /* A member sends from the MAC it joined with, unless its user may bridge. */
  config->limits.pinned_mac_only = TRUE;
}

void
serval_server_config_clear (ServalServerConfig *config)
{
  g_clear_pointer (&config->data_dir, g_free);
  g_clear_pointer (&config->etcd, g_free);
  g_clear_pointer (&config->listen, g_free);
  g_clear_pointer (&config->node, g_free);
  g_clear_pointer (&config->advertise, g_strfreev);
}

static gboolean
aging_cb (gpointer data)
{
  ServalServer *server = data;

  serval_switch_age (server->sw, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

/* The prefix of Serval's keys in etcd (docs/design.md, "The store"). */
#define ETCD_PREFIX "/serval/"

ServalStore *
serval_server_open_store (const ServalServerConfig *config, GError **error)
{
  g_autofree char *db = NULL;

  if (config->etcd != NULL)
    return serval_store_open_etcd (config->etcd, ETCD_PREFIX, error);
  db = g_build_filename (config->data_dir, "serval.db", NULL);
  return serval_store_open_sqlite (db, error);
}

/* --- lifecycle ------------------------------------------------------------- */

ServalServer *
serval_server_new (const ServalServerConfig *config, GError **error)
{
  g_autoptr(ServalServer) server = g_new0 (ServalServer, 1);

  server->context = g_main_context_ref_thread_default ();
  gboolean created = FALSE;

  server->config = *config;
  server->config.data_dir = g_strdup (config->data_dir);
  server->config.etcd = g_strdup (config->etcd);
  server->config.listen = g_strdup (config->listen);
  server->config.node = g_strdup (config->node != NULL ? config->node : g_get_host_name ());
  server->config.advertise = g_strdupv (config->advertise);
  server->sessions = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) serval_session_unref, NULL);
  server->handshaking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->unauthenticated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->login_limits = serval_login_limits_new (config);

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "Cannot create the data directory %s: %s", config->data_dir, g_strerror (e));
      return NULL;
    }
  server->store = serval_server_open_store (config, error);
  if (server->store == NULL)
    return NULL;
  server->cancellable = g_cancellable_new ();
  serval_server_watch_store (server);
  if (!serval_store_secret (server->store, "token-key", server->token_key, sizeof server->token_key, error))
    return NULL;
  {
    g_autofree char *cert_path = NULL;
    g_autofree char *key_path = NULL;
    guint8 ticket_key[SERVAL_TLS_TICKET_KEY_LEN];

    if (!serval_cert_ensure (config->data_dir, server->config.node, &cert_path, &key_path, &created, error))
      return NULL;

    /* In the store, like the token key: session tickets stay valid across
     * restarts (a reconnect storm then resumes instead of signing). */
    if (!serval_store_secret (server->store, "tls-ticket-key", ticket_key, sizeof ticket_key, error))
      return NULL;
    server->tls = serval_tls_server_new (cert_path, key_path, ticket_key, error);
    gnutls_memset (ticket_key, 0, sizeof ticket_key);
    if (server->tls == NULL)
      return NULL;
    server->fingerprint = g_strdup (serval_tls_server_get_fingerprint (server->tls));
  }
  if (created)
    g_warning ("NEW IDENTITY: there was no certificate or key in %s, so this server made a new "
               "self-signed certificate, fingerprint %s. Clients that trusted another fingerprint "
               "will refuse it: if this server had an identity before, stop it and restore cert.pem "
               "and key.pem from a backup; else give clients this fingerprint",
               config->data_dir, server->fingerprint);

  server->sw = serval_switch_new (&config->limits);
  serval_server_lan_start (server);
  return g_steal_pointer (&server);
}

void
serval_server_free (ServalServer *server)
{
  if (server == NULL)
    return;
  if (server->service != NULL)
    {
      g_socket_service_stop (server->service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->service));
    }
  g_clear_object (&server->service);
  g_clear_pointer (&server->accept_gate, serval_accept_gate_free);
  serval_server_listen_stop (server);
  serval_clear_source (&server->aging_source);
  serval_clear_source (&server->shutdown_timer);
  if (server->sessions != NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, server->sessions);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          Session *s = key;

          s->closed = TRUE;
          g_signal_handlers_disconnect_by_data (s->link, s);
          serval_link_close (s->link, NULL);
        }
    }
  serval_server_cluster_stop (server);
  serval_server_lan_stop (server);
  g_clear_pointer (&server->sessions, g_hash_table_unref);
  serval_server_members_stop (server);
  g_clear_pointer (&server->fair, serval_server_fair_unref);
  g_clear_pointer (&server->handshaking, g_hash_table_unref);
  g_clear_pointer (&server->unauthenticated, g_hash_table_unref);
  g_clear_pointer (&server->login_limits, serval_login_limits_unref);
  g_clear_pointer (&server->sw, serval_switch_free);
  if (server->cancellable != NULL)
    g_cancellable_cancel (server->cancellable);
  g_clear_object (&server->cancellable);
  if (server->store != NULL)
    g_signal_handlers_disconnect_by_data (server->store, server);
  g_clear_object (&server->store);
  gnutls_memset (server->token_key, 0, sizeof server->token_key);
  g_clear_pointer (&server->tls, serval_tls_server_free);
  g_free (server->fingerprint);
  g_free (server->gso_scratch);
  serval_server_config_clear (&server->config);
  g_main_context_unref (server->context);
  g_free (server);
}

gboolean
serval_server_start (ServalServer *server, GError **error)
{
  server->started = g_get_real_time () / G_USEC_PER_SEC;
  if (!serval_server_cluster_start (server, error))
    return FALSE;
  if (!serval_server_listen (server, error))
    return FALSE;

  server->aging_source = g_timeout_source_new_seconds (AGING_INTERVAL_S);
  g_source_set_callback (server->aging_source, aging_cb, server, NULL);
  g_source_attach (server->aging_source, server->context);

  g_message ("Serval server %s (node %s) listening on %s; certificate fingerprint %s",
             PACKAGE_VERSION, server->config.node,
             server->config.listen ? server->config.listen : "port 7465", server->fingerprint);
  return TRUE;
}

void
serval_server_session_closed (ServalServer *server)
{
  if (server->shutting_down && g_hash_table_size (server->sessions) == 0 && !server->leaving &&
      server->shutdown_done)
    {
      GSourceFunc done = server->shutdown_done;

      server->shutdown_done = NULL;
      serval_clear_source (&server->shutdown_timer);
      done (server->shutdown_data);
    }
}

static gboolean
shutdown_timeout_cb (gpointer data)
{
  ServalServer *server = data;
  GSourceFunc done = server->shutdown_done;

  g_clear_pointer (&server->shutdown_timer, g_source_unref);
  server->shutdown_done = NULL;
  if (done != NULL)
    done (server->shutdown_data);
  return G_SOURCE_REMOVE;
}

void
serval_server_shutdown (ServalServer *server, GSourceFunc done, gpointer data)
{
  g_autoptr(GList) sessions = NULL;

  server->shutting_down = TRUE;
  server->shutdown_done = done;
  server->shutdown_data = data;
  if (server->service != NULL)
    {
      g_socket_service_stop (server->service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->service));
    }
  g_clear_pointer (&server->accept_gate, serval_accept_gate_free);
  serval_server_cluster_leave (server);
  sessions = g_hash_table_get_keys (server->sessions);
  if (sessions == NULL && !server->leaving)
    {
      server->shutdown_done = NULL;
      if (done != NULL)
        done (data);
      return;
    }
  for (GList *l = sessions; l != NULL; l = l->next)
    serval_session_close (l->data, SERVAL_ERROR_CODE_SHUTTING_DOWN, "The server is shutting down");
  /* Also when the lease's revocation or the last goodbye takes too long. */
  server->shutdown_timer = g_timeout_source_new_seconds (3);
  g_source_set_callback (server->shutdown_timer, shutdown_timeout_cb, server, NULL);
  g_source_attach (server->shutdown_timer, server->context);
}

ServalStore *
serval_server_get_store (ServalServer *server)
{
  return server->store;
}
ServalSwitch *
serval_server_get_switch (ServalServer *server)
{
  return server->sw;
}

void
serval_server_get_stats (ServalServer *server, ServalServerStats *stats)
{
  GHashTableIter iter;
  gpointer key;

  *stats = server->stats;
  if (server->accept_gate != NULL)
    serval_accept_gate_get_stats (server->accept_gate, &stats->accept);
  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    stats->link_frames_dropped += serval_link_get_frames_dropped (((Session *) key)->link);
}
