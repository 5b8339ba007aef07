/* serval-bench-lite.c: see serval-bench-lite.h. The protocol as ServalClient
 * speaks it (Hello, Login, Join), on a bare ServalLink that answers the
 * server's pings and pings it in turn. */
#include "config.h"

#include "serval-bench-lite.h"

#include <gio/gio.h>
#include <string.h>

#include "serval-link.h"
#include "serval-message.h"
#include "serval-tls.h"
#include "serval-util.h"

#define LOGIN_ID 1
#define JOIN_ID  2

struct _BenchLite
{
  ServalLink *link;
  GCancellable *cancellable; /* the connection under way */
  ServalTlsSession *tls;     /* its handshake */
  char *server, *fingerprint, *source;
  char *user, *password, *vlan;
  guint8 mac[6];
  BenchLiteDoneFunc done;
  gpointer user_data;
  BenchLiteStateFunc state;
  gpointer state_data;
  gboolean reconnect;
  gboolean finished; /* done() was called */
  gboolean online;
  gboolean with_token; /* the login under way presents the token */
  gboolean told;       /* the server said why it closes (a Bye) */
  gboolean old_hello;  /* a Hello without memberPages, vlanConfig, services */
  guint backoff_ms;
  GSource *retry;
  GBytes *token, *tls_resume;
  guint64 events;
  BenchLiteStats stats;
  char *last_error;
};

static void
finish (BenchLite *lite, const char *error)
{
  if (lite->finished)
    return;
  lite->finished = TRUE;
  lite->done (lite, error, lite->user_data);
}

static void
drop_link (BenchLite *lite)
{
  if (lite->link == NULL)
    return;
  g_signal_handlers_disconnect_by_data (lite->link, lite);
  serval_link_set_handlers (lite->link, NULL, NULL, NULL);
  serval_link_close (lite->link, NULL);
  g_clear_object (&lite->link);
}

/* This try is over (@what: @why). A client that was never online reports
 * it and stops, as serval_client_connect_async() does; one that was comes
 * back after the backoff unless @permanent. */
static void
fail (BenchLite *lite, const char *what, const char *why, gboolean permanent)
{
  guint delay;

  drop_link (lite);
  g_free (lite->last_error);
  lite->last_error = g_strdup_printf ("%s: %s", what, why != NULL ? why : "no reason given");
  if (lite->online)
    {
      lite->online = FALSE;
      if (lite->state != NULL)
        lite->state (lite, FALSE, lite->state_data);
    }
  if (!lite->finished || !lite->reconnect || permanent)
    {
      finish (lite, lite->last_error);
      return;
    }
  delay = serval_backoff_next (&lite->backoff_ms); /* as ServalClient waits */
  serval_timeout_once (&lite->retry, NULL, delay, (ServalTimeoutFunc) bench_lite_connect, lite);
}

static void
send_login (BenchLite *lite)
{
  lite->with_token = lite->token != NULL;
  serval_link_send_take (lite->link, serval_request_build_login (LOGIN_ID, lite->user, "serval-bench",
                                                                 lite->with_token ? NULL : lite->password,
                                                                 lite->token));
}

static void
count_error (BenchLite *lite, ServalErrorCode code)
{
  if (code == SERVAL_ERROR_CODE_RATE_LIMITED)
    {
      lite->stats.rate_limited++;
      lite->stats.rate_limited_token += lite->with_token;
    }
  else if (code == SERVAL_ERROR_CODE_SERVER_FULL)
    lite->stats.server_full++;
  else
    lite->stats.other_error++;
}

static void
logged_in (BenchLite *lite, ServalLink *link, ServalResponse *resp)
{
  if (lite->with_token)
    lite->stats.logins_token++;
  else
    lite->stats.logins_password++;
  g_clear_pointer (&lite->token, g_bytes_unref);
  lite->token = g_steal_pointer (&resp->token);
  /* The ticket came before this answer, as ServalClient keeps it. */
  g_clear_pointer (&lite->tls_resume, g_bytes_unref);
  lite->tls_resume = serval_link_get_resume_data (link);
  lite->backoff_ms = SERVAL_BACKOFF_MIN_MS;
  serval_link_set_keepalive (link, resp->keepalive, resp->keepalive * 3);
  serval_link_send_take (link, serval_request_build_join (JOIN_ID, lite->vlan, lite->mac));
}

static void
joined (BenchLite *lite)
{
  g_clear_pointer (&lite->last_error, g_free);
  lite->online = TRUE;
  if (!lite->finished)
    finish (lite, NULL);
  else if (lite->state != NULL)
    lite->state (lite, TRUE, lite->state_data);
}

/* A message before the join's answer: a Bye says why the server closes. */
static void
early_event (BenchLite *lite, const Message_t *msg)
{
  g_auto (ServalEvent) ev = { 0 };

  if (!serval_event_parse (msg, &ev) || ev.kind != SERVAL_EVENT_BYE)
    return;
  lite->told = TRUE;
  count_error (lite, ev.code);
  g_free (lite->last_error);
  lite->last_error = g_strdup_printf ("bye: %s", ev.text != NULL ? ev.text : "no reason given");
}

static void
message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  BenchLite *lite = user_data;
  g_auto (ServalResponse) resp = { 0 };

  if (lite->online)
    {
      /* Member events: counted, not parsed, not kept. */
      lite->events++;
      return;
    }
  if (!serval_response_parse (msg, &resp))
    {
      early_event (lite, msg);
      return;
    }
  if (resp.id == LOGIN_ID && resp.kind == SERVAL_RESPONSE_LOGGED_IN)
    logged_in (lite, link, &resp);
  else if (resp.id == JOIN_ID && resp.kind == SERVAL_RESPONSE_JOINED)
    joined (lite);
  else if (resp.id == LOGIN_ID && resp.kind == SERVAL_RESPONSE_ERROR &&
           resp.error_code == SERVAL_ERROR_CODE_TOKEN_REFUSED && lite->with_token)
    {
      /* One more round trip on the same link, with the password. */
      lite->stats.tokens_refused++;
      g_clear_pointer (&lite->token, g_bytes_unref);
      send_login (lite);
    }
  else
    {
      gboolean permanent = resp.kind == SERVAL_RESPONSE_ERROR &&
                           (resp.error_code == SERVAL_ERROR_CODE_AUTH_FAILED ||
                            resp.error_code == SERVAL_ERROR_CODE_VERSION_MISMATCH);

      if (resp.kind == SERVAL_RESPONSE_ERROR)
        count_error (lite, resp.error_code);
      else
        lite->stats.other_error++;
      fail (lite, resp.id == LOGIN_ID ? "login" : "join",
            resp.kind == SERVAL_RESPONSE_ERROR ? resp.error_text : "an unexpected answer", permanent);
    }
}

static void
data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data)
{
}

static void
closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  BenchLite *lite = user_data;

  if (!lite->online && !lite->told)
    lite->stats.closed_early++;
  fail (lite, "connection", error != NULL ? error->message : "closed by the server", FALSE);
}

static void
handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = serval_tls_session_handshake_finish (SERVAL_TLS_SESSION (source), result, &error);
  BenchLite *lite;

  /* Cancelled only by bench_lite_free(): @user_data is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  lite = user_data;
  g_clear_object (&lite->cancellable);
  if (!ok)
    {
      /* The server closed it at once (a per-address cap) or stalled it. */
      lite->stats.closed_early++;
      g_clear_object (&lite->tls);
      fail (lite, "TLS handshake", error->message, error->domain == SERVAL_TLS_ERROR);
      return;
    }
  if (serval_tls_session_is_resumed (lite->tls))
    lite->stats.tls_resumed++;
  lite->link = serval_link_new_tls (lite->tls, lite->server);
  g_clear_object (&lite->tls);
  lite->told = FALSE;
  serval_link_set_handlers (lite->link, message_cb, data_cb, lite);
  g_signal_connect (lite->link, "closed", G_CALLBACK (closed_cb), lite);
  serval_link_set_keepalive (lite->link, 5, 15);
  serval_link_adopt_keepalive (lite->link); /* as ServalClient: the server's interval */
  if (lite->old_hello)
    {
      Message_t *hello = serval_hello_build (NULL, FALSE);

      serval_message_set_hello_keepalive (hello);
      serval_link_send_take (lite->link, hello);
    }
  else
    serval_link_send_take (lite->link, serval_hello_build_client (FALSE)); /* as the app's clients */
  send_login (lite);
  serval_link_start (lite->link);
}

static void
tcp_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  g_autoptr(GSocketConnectable) where = NULL;
  BenchLite *lite;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  lite = user_data;
  if (conn == NULL)
    {
      lite->stats.connect_failed++;
      g_clear_object (&lite->cancellable);
      fail (lite, "connect", error->message, FALSE);
      return;
    }
  where = g_network_address_parse (lite->server, 7465, NULL);
  lite->tls = serval_tls_session_new_client (conn, where != NULL ? g_network_address_get_hostname (G_NETWORK_ADDRESS (where)) : lite->server,
                                             lite->fingerprint, lite->tls_resume, &error);
  if (lite->tls == NULL)
    {
      g_clear_object (&lite->cancellable);
      fail (lite, "TLS", error->message, TRUE);
      return;
    }
  serval_tls_session_handshake_async (lite->tls, lite->cancellable, handshake_cb, lite);
}

/* TCP from --source if set, then TLS (as serval_link_connect_async(), which
 * cannot choose the local address: on loopback every client would come from
 * 127.0.0.1, one "office" for the server's per-address limits). */
void
bench_lite_connect (BenchLite *lite)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) addr = g_network_address_parse (lite->server, 7465, NULL);

  if (lite->link != NULL || lite->cancellable != NULL || lite->retry != NULL)
    return;
  lite->cancellable = g_cancellable_new ();
  g_socket_client_set_timeout (client, 10);
  g_socket_client_set_enable_proxy (client, FALSE);
  if (lite->source != NULL)
    {
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (lite->source, 0);

      g_socket_client_set_local_address (client, local);
    }
  if (addr == NULL)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                              "“%s” is not HOST:PORT", lite->server);

      lite->stats.connect_failed++;
      g_clear_object (&lite->cancellable);
      fail (lite, "connect", error->message, TRUE);
      return;
    }
  g_socket_client_connect_async (client, addr, lite->cancellable, tcp_connected_cb, lite);
}

BenchLite *
bench_lite_new (const char *server, const char *fingerprint, const char *user, const char *password,
                const char *vlan, const guint8 mac[6], BenchLiteDoneFunc done, gpointer user_data)
{
  BenchLite *lite = g_new0 (BenchLite, 1);

  lite->server = g_strdup (server);
  lite->fingerprint = g_strdup (fingerprint);
  lite->user = g_strdup (user);
  lite->password = g_strdup (password);
  lite->vlan = g_strdup (vlan);
  memcpy (lite->mac, mac, 6);
  lite->done = done;
  lite->user_data = user_data;
  lite->backoff_ms = SERVAL_BACKOFF_MIN_MS;
  return lite;
}

void
bench_lite_set_source (BenchLite *lite, const char *address)
{
  g_free (lite->source);
  lite->source = g_strdup (address);
}

void
bench_lite_set_member_pages (BenchLite *lite, gboolean member_pages)
{
  lite->old_hello = !member_pages;
}

void
bench_lite_set_reconnect (BenchLite *lite, BenchLiteStateFunc state, gpointer user_data)
{
  lite->reconnect = TRUE;
  lite->state = state;
  lite->state_data = user_data;
}

void
bench_lite_forget_token (BenchLite *lite)
{
  g_clear_pointer (&lite->token, g_bytes_unref);
}

gboolean
bench_lite_is_online (BenchLite *lite)
{
  return lite->online;
}

guint64
bench_lite_get_events (BenchLite *lite)
{
  return lite->events;
}

const BenchLiteStats *
bench_lite_get_stats (BenchLite *lite)
{
  return &lite->stats;
}

const char *
bench_lite_get_last_error (BenchLite *lite)
{
  return lite->last_error;
}

void
bench_lite_free (BenchLite *lite)
{
  if (lite == NULL)
    return;
  if (lite->cancellable != NULL)
    g_cancellable_cancel (lite->cancellable);
  g_clear_object (&lite->cancellable);
  g_clear_object (&lite->tls);
  serval_clear_source (&lite->retry);
  drop_link (lite);
  g_clear_pointer (&lite->token, g_bytes_unref);
  g_clear_pointer (&lite->tls_resume, g_bytes_unref);
  g_free (lite->server);
  g_free (lite->fingerprint);
  g_free (lite->source);
  g_free (lite->user);
  g_free (lite->password);
  g_free (lite->vlan);
  g_free (lite->last_error);
  g_free (lite);
}
