/* serval-server-session.c: one client's link once its TLS handshake is done:
 * its life and end, the replies to its requests, and which file handles each.
 */
#include "config.h"

#include "serval-server-private.h"

/* --- sessions -------------------------------------------------------------- */

Session *
serval_session_ref (Session *s)
{
  s->refs++;
  return s;
}

void
serval_session_unref (Session *s)
{
  if (--s->refs > 0)
    return;
  serval_session_member_events_free (s);
  g_clear_pointer (&s->vlans, g_hash_table_unref);
  serval_session_fair_clear (s);
  g_clear_object (&s->link);
  g_free (s->group);
  g_free (s->peer);
  g_free (s->addr);
  g_free (s->user);
  g_free (s->host);
  g_free (s->node);
  g_free (s);
}

/* --- the keepalive interval, by load ----------------------------------------- */

/* With config.keepalive_budget, idle clients together make at most that many
 * keepalive exchanges (a ping and a pong) a second: the interval is the
 * clients over the budget, from config.keepalive (5 s) up to this, so that a
 * silent client is still dropped within three minutes. */
#define KEEPALIVE_AUTO_MAX 60

static guint
keepalive_wanted (ServalServer *server, guint clients)
{
  guint budget = server->config.keepalive_budget;
  guint low = server->config.keepalive;

  return CLAMP ((clients + budget - 1) / budget, low, MAX (low, KEEPALIVE_AUTO_MAX));
}

static guint
keepalive_now (ServalServer *server)
{
  return server->keepalive_now != 0 ? server->keepalive_now : server->config.keepalive;
}

guint
serval_session_keepalive_retune (Session *s)
{
  guint interval = keepalive_now (s->server);

  serval_link_retune_keepalive (s->link, interval, interval * 3);
  return interval;
}

/* The number of clients changed: a longer interval at once, a shorter one
 * only once a quarter more clients would still fit it (so that a count
 * going up and down at a step does not retune every link each time). Links
 * whose client reads Ping.interval take it (their place in time kept, so
 * they stay spread); the others keep the one they were told at login. */
static void
keepalive_follow_load (ServalServer *server)
{
  guint clients = server->stats.clients, now = keepalive_now (server), wanted;
  GHashTableIter iter;
  gpointer key;

  if (server->config.keepalive_budget == 0 || server->shutting_down)
    return;
  wanted = keepalive_wanted (server, clients);
  if (wanted < now)
    wanted = MIN (now, keepalive_wanted (server, clients + clients / 4));
  if (wanted == now)
    return;
  server->keepalive_now = wanted;
  g_message ("Keepalive interval now %u s for %u clients (--keepalive-budget %u exchanges a second)",
             wanted, clients, server->config.keepalive_budget);
  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;

      if (s->keepalive_shared && !s->closed && serval_link_get_keepalive_interval (s->link) != wanted)
        serval_session_keepalive_retune (s);
    }
}

static const char *
session_name (Session *s)
{
  return s->node != NULL ? s->node : s->user != NULL ? s->user :
                                                       s->peer;
}

static void
link_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  Session *s = user_data;
  ServalServer *server = s->server;

  if (s->closed)
    return;
  s->closed = TRUE;
  if (error != NULL && error->domain == SERVAL_LINK_ERROR &&
      (error->code == SERVAL_LINK_ERROR_PROTOCOL || error->code == SERVAL_LINK_ERROR_TOO_SLOW))
    {
      server->stats.protocol_errors++;
      g_warning ("Closed the link to %s (%s): %s", s->peer, session_name (s), error->message);
    }
  else if (g_object_get_data (G_OBJECT (link), SERVAL_SESSION_REFUSED_FULL) != NULL)
    /* Told the server is full: one warning a minute says it (serval-server-listen.c). */
    g_debug ("%s refused: the server is full", s->peer);
  else
    g_message ("%s (%s) disconnected%s%s", session_name (s), s->peer,
               error ? ": " : "", error ? error->message : "");
  serval_session_unguard (s);
  serval_session_leave_all (s);
  serval_server_peer_closed (s);
  if (s->port != NULL)
    serval_switch_remove_port (server->sw, s->port);
  s->port = NULL;
  serval_session_fair_clear (s);
  server->stats.link_frames_dropped += serval_link_get_frames_dropped (link);
  if (s->logged_in)
    server->stats.sessions--;
  server->stats.clients--;
  serval_link_set_handlers (link, NULL, NULL, NULL);
  g_hash_table_remove (server->sessions, s); /* drops the table's reference */
  keepalive_follow_load (server);
  serval_server_session_closed (server);
}

void
serval_session_close (Session *s, ServalErrorCode code, const char *text)
{
  if (s->closed)
    return;
  serval_link_send_take (s->link, serval_event_build_bye (code, text));
  serval_link_close_after_flush (s->link, NULL);
}

/* --- replies --------------------------------------------------------------- */

void
serval_session_reply (Session *s, Message_t *msg)
{
  if (!s->services) /* (member records without what members announce) */
    serval_message_strip_services (msg);
  if (!s->closed)
    serval_link_send_take (s->link, msg);
  else
    serval_message_free (msg);
}

void
serval_session_reply_members (Session *s, Message_t *msg, GPtrArray *members)
{
  ServalFanout f = { .msg = msg, .members = members, .services = s->services };

  if (!s->services)
    serval_message_strip_services (msg);
  serval_session_send_fanout (s, &f);
  serval_message_free (msg);
}

void
serval_session_send_fanout (Session *s, const ServalFanout *fanout)
{
  g_autoptr(GError) error = NULL;

  if (!s->closed && !serval_link_send_encoded (s->link, serval_fanout_encode, (gpointer) fanout, &error) &&
      !g_error_matches (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED))
    g_warning ("%s", error->message);
}

void
serval_session_reply_error (Session *s, guint32 id, ServalErrorCode code, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  serval_session_reply (s, serval_response_build_error (id, code, text));
}

void
serval_session_reply_ok (Session *s, guint32 id)
{
  serval_session_reply (s, serval_response_build_ok (id));
}

static ServalErrorCode
store_error_code (const GError *error)
{
  if (error->domain != SERVAL_STORE_ERROR)
    return SERVAL_ERROR_CODE_INTERNAL;
  switch (error->code)
    {
    case SERVAL_STORE_ERROR_NO_USER: return SERVAL_ERROR_CODE_NO_SUCH_USER;
    case SERVAL_STORE_ERROR_NO_VLAN: return SERVAL_ERROR_CODE_NO_SUCH_VLAN;
    case SERVAL_STORE_ERROR_EXISTS: return SERVAL_ERROR_CODE_EXISTS;
    case SERVAL_STORE_ERROR_INVALID: return SERVAL_ERROR_CODE_BAD_REQUEST;
    case SERVAL_STORE_ERROR_NO_RULE: return SERVAL_ERROR_CODE_NO_SUCH_RULE;
    case SERVAL_STORE_ERROR_FULL: return SERVAL_ERROR_CODE_ADDRESS_POOL_FULL;
    default: return SERVAL_ERROR_CODE_INTERNAL;
    }
}

void
serval_session_reply_store_error (Session *s, guint32 id, const GError *error)
{
  if (store_error_code (error) == SERVAL_ERROR_CODE_INTERNAL)
    g_warning ("Store failure for %s: %s", session_name (s), error->message);
  serval_session_reply (s, serval_response_build_error (id, store_error_code (error), error->message));
}

/* --- dispatch -------------------------------------------------------------- */

static void
protocol_violation (Session *s, const char *text)
{
  g_autoptr(GError) error = g_error_new (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_PROTOCOL, "%s: %s", s->peer, text);

  serval_link_send_take (s->link, serval_event_build_bye (SERVAL_ERROR_CODE_BAD_REQUEST, text));
  serval_link_close_after_flush (s->link, error);
}

static void
handle_request (Session *s, const ServalRequest *req)
{
  if (s->node != NULL)
    {
      protocol_violation (s, "a node link carries no requests");
      return;
    }
  if (req->kind != SERVAL_REQUEST_LOGIN && !s->logged_in)
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_LOGGED_IN, "Log in first");
      return;
    }

  switch (req->kind)
    {
    case SERVAL_REQUEST_LOGIN: serval_session_handle_login (s, req); break;
    case SERVAL_REQUEST_JOIN: serval_session_handle_join (s, req); break;
    case SERVAL_REQUEST_LEAVE: serval_session_handle_leave (s, req); break;
    case SERVAL_REQUEST_LIST_VLANS: serval_session_handle_list_vlans (s, req); break;
    case SERVAL_REQUEST_LIST_MEMBERS: serval_session_handle_list_members (s, req); break;
    case SERVAL_REQUEST_UPDATE: serval_session_handle_update (s, req); break;
    case SERVAL_REQUEST_LIST_NODES: serval_session_handle_list_nodes (s, req); break;
    case SERVAL_REQUEST_LIST_MEMBER_PAGE: serval_session_handle_list_member_page (s, req); break;
    case SERVAL_REQUEST_VLAN_ADD:
    case SERVAL_REQUEST_VLAN_DEL:
    case SERVAL_REQUEST_USER_ADD:
    case SERVAL_REQUEST_USER_DEL:
    case SERVAL_REQUEST_GRANT:
    case SERVAL_REQUEST_REVOKE:
    case SERVAL_REQUEST_KICK:
    case SERVAL_REQUEST_LIST_USERS:
      serval_session_handle_admin (s, req);
      break;
    case SERVAL_REQUEST_VLAN_SET:
    case SERVAL_REQUEST_RULE_ADD:
    case SERVAL_REQUEST_RULE_DEL:
    case SERVAL_REQUEST_LIST_RULES:
    case SERVAL_REQUEST_USER_SET_BRIDGE:
    case SERVAL_REQUEST_USER_SET_RATE_LIMIT:
      serval_session_handle_vlan_config (s, req);
      break;
    case SERVAL_REQUEST_UNKNOWN:
    default:
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_BAD_REQUEST,
                                  "This server does not know that request");
      break;
    }
}

static void
link_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  Session *s = user_data;

  switch (serval_message_get_kind (msg))
    {
    case SERVAL_MESSAGE_HELLO:
      {
        g_auto(ServalHello) hello = { 0 };

        serval_hello_parse (msg, &hello);
        serval_session_handle_hello (s, &hello);
        s->member_pages = hello.member_pages;
        s->services = hello.services;
        if (hello.keepalive_interval && s->node == NULL && !s->node_cert)
          {
            /* It follows the interval the server sets as its load changes. */
            s->keepalive_shared = TRUE;
            serval_link_announce_keepalive (s->link);
            serval_session_keepalive_retune (s);
          }
      }
      break;
    case SERVAL_MESSAGE_REQUEST:
      {
        g_auto(ServalRequest) req = { 0 };

        serval_request_parse (msg, &req);
        handle_request (s, &req);
      }
      break;
    case SERVAL_MESSAGE_EVENT:
      if (s->node != NULL)
        {
          /* Another node says bye (it shuts down, or left the cluster). */
          g_auto(ServalEvent) ev = { 0 };

          serval_event_parse (msg, &ev);
          if (ev.kind == SERVAL_EVENT_BYE)
            g_message ("Node “%s” closes its link: %s", s->node, ev.text != NULL ? ev.text : "");
          break;
        }
      protocol_violation (s, "a client may send only hello, requests, data and pings");
      break;
    default:
      protocol_violation (s, "a client may send only hello, requests, data and pings");
      break;
    }
}

/* What a link that has not logged in may make the server hold: a login is
 * far smaller than a message, and its replies are a few hundred bytes. */
#define UNAUTHENTICATED_MAX_MESSAGE (4 * 1024)
#define UNAUTHENTICATED_QUEUE_LIMIT (16 * 1024)

void
serval_session_guard (Session *s, char *group)
{
  ServalServerConfig *config = &s->server->config;
  ServalLinkLimits limits = {
    .max_message = UNAUTHENTICATED_MAX_MESSAGE,
    .queue_limit = UNAUTHENTICATED_QUEUE_LIMIT,
    .message_timeout = config->message_timeout,
  };
  g_autofree char *reason = g_strdup_printf ("did not log in within %u s (--login-timeout)", config->login_timeout);

  g_free (s->group);
  s->group = group;
  serval_link_set_limits (s->link, &limits);
  serval_link_set_deadline (s->link, config->login_timeout, reason);
}

void
serval_session_unguard (Session *s)
{
  if (s->group == NULL)
    return;
  serval_server_unauthenticated_uncount (s->server, s->group);
  g_clear_pointer (&s->group, g_free);
  if (!s->closed)
    {
      serval_link_set_limits (s->link, NULL);
      serval_link_set_deadline (s->link, 0, NULL);
    }
}

Session *
serval_session_new (ServalServer *server, ServalLink *link, char *peer, char *addr)
{
  Session *s = g_new0 (Session, 1);

  s->refs = 1;
  s->server = server;
  s->peer = peer;
  s->addr = addr;
  s->vlans = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) serval_membership_free);
  s->link = link;
  g_hash_table_add (server->sessions, s);
  server->stats.clients++;
  keepalive_follow_load (server);
  serval_link_set_handlers (s->link, link_message_cb, serval_session_data_cb, s);
  g_signal_connect (s->link, "closed", G_CALLBACK (link_closed_cb), s);
  serval_session_keepalive_retune (s); /* a new link: its first keepalive */
  serval_link_start (s->link);
  return s;
}
