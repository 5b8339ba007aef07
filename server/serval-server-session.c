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
  g_clear_pointer (&s->vlans, g_hash_table_unref);
  g_clear_object (&s->link);
  g_free (s->peer);
  g_free (s->addr);
  g_free (s->user);
  g_free (s->host);
  g_free (s);
}

static const char *
session_name (Session *s)
{
  return s->user != NULL ? s->user : s->peer;
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
  else
    g_message ("%s (%s) disconnected%s%s", session_name (s), s->peer,
               error ? ": " : "", error ? error->message : "");
  serval_session_leave_all (s);
  if (s->port != NULL)
    serval_switch_remove_port (server->sw, s->port);
  s->port = NULL;
  server->stats.link_frames_dropped += serval_link_get_frames_dropped (link);
  if (s->logged_in)
    server->stats.sessions--;
  server->stats.clients--;
  serval_link_set_handlers (link, NULL, NULL, NULL);
  g_hash_table_remove (server->sessions, s);   /* drops the table's reference */
  serval_server_session_closed (server);
}

void
serval_session_close (Session *s, long code, const char *text)
{
  Message_t *msg;

  if (s->closed)
    return;
  msg = serval_message_new_event (Event_PR_bye);
  serval_error_set (&msg->choice.event.choice.bye, code, text);
  serval_link_send_take (s->link, msg);
  serval_link_close_after_flush (s->link, NULL);
}

/* --- replies --------------------------------------------------------------- */

void
serval_session_reply (Session *s, Message_t *msg)
{
  if (!s->closed)
    serval_link_send_take (s->link, msg);
  else
    serval_message_free (msg);
}

void
serval_session_reply_error (Session *s, guint32 id, long code, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  serval_session_reply (s, serval_message_new_error (id, code, text));
}

void
serval_session_reply_ok (Session *s, guint32 id)
{
  serval_session_reply (s, serval_message_new_response (id, ResponseBody_PR_ok));
}

static long
store_error_code (const GError *error)
{
  if (error->domain != SERVAL_STORE_ERROR)
    return ErrorCode_internal;
  switch (error->code)
    {
    case SERVAL_STORE_ERROR_NO_USER: return ErrorCode_noSuchUser;
    case SERVAL_STORE_ERROR_NO_VLAN: return ErrorCode_noSuchVlan;
    case SERVAL_STORE_ERROR_EXISTS: return ErrorCode_exists;
    case SERVAL_STORE_ERROR_INVALID: return ErrorCode_badRequest;
    default: return ErrorCode_internal;
    }
}

void
serval_session_reply_store_error (Session *s, guint32 id, const GError *error)
{
  if (store_error_code (error) == ErrorCode_internal)
    g_warning ("Store failure for %s: %s", session_name (s), error->message);
  serval_session_reply (s, serval_message_new_error (id, store_error_code (error), error->message));
}

/* --- dispatch -------------------------------------------------------------- */

static void
protocol_violation (Session *s, const char *text)
{
  g_autoptr(GError) error = g_error_new (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_PROTOCOL, "%s: %s", s->peer, text);
  Message_t *msg = serval_message_new_event (Event_PR_bye);

  serval_error_set (&msg->choice.event.choice.bye, ErrorCode_badRequest, text);
  serval_link_send_take (s->link, msg);
  serval_link_close_after_flush (s->link, error);
}

static void
handle_request (Session *s, const Request_t *req)
{
  const RequestBody_t *body = &req->body;
  guint32 id = req->id;

  if (body->present != RequestBody_PR_login && !s->logged_in)
    {
      serval_session_reply_error (s, id, ErrorCode_notLoggedIn, "Log in first");
      return;
    }

  switch (body->present)
    {
    case RequestBody_PR_login: serval_session_handle_login (s, id, &body->choice.login); break;
    case RequestBody_PR_join: serval_session_handle_join (s, id, &body->choice.join); break;
    case RequestBody_PR_leave: serval_session_handle_leave (s, id, &body->choice.leave); break;
    case RequestBody_PR_listVlans: serval_session_handle_list_vlans (s, id); break;
    case RequestBody_PR_listMembers: serval_session_handle_list_members (s, id, &body->choice.listMembers); break;
    case RequestBody_PR_update: serval_session_handle_update (s, id, &body->choice.update); break;
    case RequestBody_PR_vlanAdd:
    case RequestBody_PR_vlanDel:
    case RequestBody_PR_userAdd:
    case RequestBody_PR_userDel:
    case RequestBody_PR_grant:
    case RequestBody_PR_revoke:
    case RequestBody_PR_kick:
    case RequestBody_PR_listUsers:
      serval_session_handle_admin (s, id, body);
      break;
    case RequestBody_PR_NOTHING:
    default:
      serval_session_reply_error (s, id, ErrorCode_badRequest, "This server does not know that request");
      break;
    }
}

static void
link_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  Session *s = user_data;

  switch (msg->present)
    {
    case Message_PR_hello:
      serval_session_handle_hello (s, &msg->choice.hello);
      break;
    case Message_PR_request:
      handle_request (s, &msg->choice.request);
      break;
    default:
      protocol_violation (s, "a client may send only hello, requests, data and pings");
      break;
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
  serval_link_set_handlers (s->link, link_message_cb, serval_session_data_cb, s);
  g_signal_connect (s->link, "closed", G_CALLBACK (link_closed_cb), s);
  serval_link_set_keepalive (s->link, server->config.keepalive, server->config.keepalive * 3);
  serval_link_start (s->link);
  return s;
}
