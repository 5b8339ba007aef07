/* serval-client-request.c: the client's messages. Requests go out with an id
 * and wait in client->pending until the response with that id, or until their
 * GCancellable is cancelled; events and the server's Hello come in here too.
 * Messages are built and read by the message layer (serval-message.h): this
 * file sees plain C values only. The named calls and the list calls of
 * serval-client.h are at the end. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-client-private.h"

#include <string.h>

#include "serval-message.h"

typedef ServalClientResponseHandler ResponseHandler;

/* A request's task data: how to read its response, and while it waits in
 * client->pending under its id, the source that sees its GCancellable. */
typedef struct
{
  ResponseHandler handler;
  gconstpointer handler_data; /* for list_handler(), the ListCall */
  guint32 id;
  GSource *cancel_source;
} Request;

static void
request_unwatch (Request *req)
{
  serval_clear_source (&req->cancel_source);
}

static void
request_free (gpointer data)
{
  request_unwatch (data);
  g_free (data);
}

/* A list call: the answer it expects, and what the caller gets. */
typedef struct
{
  ServalResponseKind kind;
  GDestroyNotify free_item;
  GType (*model_type) (void); /* the answer is a GListStore of these; NULL: a GPtrArray */
  gboolean newer;             /* came after the first servers: their badRequest means "unsupported" */
} ListCall;

static void login_handler (ServalClient *client, GTask *task, ServalResponse *resp);
static void join_handler (ServalClient *client, GTask *task, ServalResponse *resp);
static void list_handler (ServalClient *client, GTask *task, ServalResponse *resp);
static guint32 request_start (ServalClient *client, GTask *task, ResponseHandler handler,
                              gconstpointer handler_data, gboolean login);

/* --- errors ---------------------------------------------------------------- */

/* The server's sentences are English: it cannot know the languages of its users.
 * When the user's language has a translation of OWN (a sentence saying what the
 * code means), the error says that, in the user's language, without the server's
 * names; in English the server's own words stay, as they are more precise. gettext
 * hands back the msgid itself when it has no translation. */
static GError *
refusal (ServalClientError code, const char *own, const char *server_text)
{
  const char *translated = own != NULL ? g_dgettext (GETTEXT_PACKAGE, own) : NULL;

  return g_error_new_literal (SERVAL_CLIENT_ERROR, code,
                              translated != NULL && translated != own ? translated : server_text != NULL ? server_text :
                                                                                                           "");
}

static GError *
error_from_wire (ServalClient *client, ServalErrorCode wire_code, const char *text)
{
  switch (wire_code)
    {
    case SERVAL_ERROR_CODE_AUTH_FAILED:
      return g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_AUTH,
                          _("Wrong password for %s on %s, or no such user: check them, or ask the "
                          "server's administrator"),
                             client->user, serval_client_where (client));
    case SERVAL_ERROR_CODE_VERSION_MISMATCH:
      return g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_VERSION,
                          _("%s speaks another version of the Serval protocol (%s): update Serval"),
                             serval_client_where (client), text);
    case SERVAL_ERROR_CODE_TOKEN_REFUSED:
      return refusal (SERVAL_CLIENT_ERROR_TOKEN_REFUSED, NULL, text);
    case SERVAL_ERROR_CODE_RATE_LIMITED:
      return refusal (SERVAL_CLIENT_ERROR_RATE_LIMITED,
                      N_("The server refused: too many failed logins. Wait a minute and try again."), text);
    case SERVAL_ERROR_CODE_NOT_ALLOWED:
      return refusal (SERVAL_CLIENT_ERROR_NOT_ALLOWED,
                      N_("The server refused: you do not have the right to do that. Ask an administrator of the server."), text);
    case SERVAL_ERROR_CODE_NO_SUCH_VLAN:
      return refusal (SERVAL_CLIENT_ERROR_NO_SUCH_VLAN, N_("The server has no such VLAN."), text);
    case SERVAL_ERROR_CODE_NO_SUCH_USER:
      return refusal (SERVAL_CLIENT_ERROR_NO_SUCH_USER, N_("The server has no such user."), text);
    case SERVAL_ERROR_CODE_EXISTS:
      return refusal (SERVAL_CLIENT_ERROR_EXISTS, N_("The server refused: that name is taken already."), text);
    case SERVAL_ERROR_CODE_NOT_JOINED:
      return refusal (SERVAL_CLIENT_ERROR_SERVER, N_("You are not in that VLAN."), text);
    case SERVAL_ERROR_CODE_NOT_LOGGED_IN:
      return refusal (SERVAL_CLIENT_ERROR_SERVER, N_("The server no longer knows this login: log in again."), text);
    case SERVAL_ERROR_CODE_TIMEOUT:
      return refusal (SERVAL_CLIENT_ERROR_SERVER, N_("The server took too long to answer."), text);
    case SERVAL_ERROR_CODE_NO_SUCH_RULE:
      return refusal (SERVAL_CLIENT_ERROR_SERVER,
                      N_("The VLAN has no rule with that number: list its rules again and choose one of them."), text);
    case SERVAL_ERROR_CODE_ADDRESS_POOL_FULL:
      return refusal (SERVAL_CLIENT_ERROR_SERVER,
                      N_("The VLAN’s subnet has no free address left: ask an administrator to give it a larger one."),
                          text);
    default:
      /* An internal failure or a request it does not know: only the server can say. */
      return refusal (SERVAL_CLIENT_ERROR_SERVER, NULL, text);
    }
}

/* A server that does not know a request answers badRequest: for a request
 * newer than the first servers, that says what the server is, not that the
 * client got something wrong. The server's sentence says it; callers that
 * know what they asked (servalctl nodes) say it better. */
static GError *
request_error (ServalClient *client, const Request *req, const ServalResponse *resp)
{
  const ListCall *call = req->handler == list_handler ? req->handler_data : NULL;

  if (call != NULL && call->newer && resp->error_code == SERVAL_ERROR_CODE_BAD_REQUEST)
    return g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_UNSUPPORTED, "%s", resp->error_text);
  return error_from_wire (client, resp->error_code, resp->error_text);
}

static void
ok_handler (ServalClient *client, GTask *task, ServalResponse *resp)
{
  g_task_return_boolean (task, TRUE);
}

/* --- requests -------------------------------------------------------------- */

void
serval_client_fail_pending (ServalClient *client, const char *why)
{
  g_autoptr(GList) tasks = g_hash_table_get_values (client->pending);

  g_hash_table_steal_all (client->pending);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      GTask *task = l->data;

      request_unwatch (g_task_get_task_data (task));
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED,
                               _("The connection to %s was lost before it answered: %s"),
                                  serval_client_where (client), why);
      g_object_unref (task);
    }
}

/* The caller cancelled: the task ends now, and the response, if it comes,
 * finds no id in client->pending and is dropped. */
static gboolean
request_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  ServalClient *client = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  if (g_hash_table_lookup (client->pending, GUINT_TO_POINTER (req->id)) != task)
    return G_SOURCE_REMOVE;
  g_hash_table_steal (client->pending, GUINT_TO_POINTER (req->id));
  request_unwatch (req);
  if (req->handler == join_handler)
    {
      /* The server may have joined us already: a Leave after the Join
       * undoes it, so that others do not see a member that is not there. */
      ServalClientVlan *vlan = g_object_get_data (G_OBJECT (task), "vlan");
      guint32 id = request_start (client, g_task_new (client, NULL, NULL, NULL), ok_handler, NULL, FALSE);

      if (id != 0)
        serval_link_send_take (client->link, serval_request_build_name (id, SERVAL_REQUEST_LEAVE, vlan->name));
    }
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Gives @task a new request id under which it waits for its answer, read
 * by @handler; the caller then sends the request with that id. Returns 0
 * (and @task has its answer) if the request cannot go out: cancelled, or
 * not connected (or not logged in, unless it is the @login). Takes the
 * reference to @task. */
static guint32
request_start (ServalClient *client, GTask *task, ResponseHandler handler, gconstpointer handler_data,
               gboolean login)
{
  Request *req = g_new0 (Request, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint32 id;

  req->handler = handler;
  req->handler_data = handler_data;
  g_task_set_task_data (task, req, request_free);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return 0;
    }
  if (client->link == NULL || (!client->logged_in && !login))
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED,
                               _("Not connected to %s%s%s"), serval_client_where (client),
                                  client->last_error ? ": " : "",
                                  client->last_error ? client->last_error : "");
      g_object_unref (task);
      return 0;
    }
  id = client->next_id++;
  if (client->next_id > G_MAXINT32) /* RequestId is 0..2^31-1 */
    client->next_id = 1;
  req->id = id;
  if (cancellable != NULL)
    {
      req->cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, req->cancel_source, G_SOURCE_FUNC (request_cancelled_cb));
    }
  g_hash_table_insert (client->pending, GUINT_TO_POINTER (id), task);
  return id;
}

guint32
serval_client_request_start (ServalClient *client, GTask *task, ServalClientResponseHandler handler,
                             gconstpointer handler_data)
{
  return request_start (client, task, handler, handler_data, FALSE);
}

static void
handle_response (ServalClient *client, ServalResponse *resp)
{
  GTask *task;
  Request *req;

  if (!g_hash_table_steal_extended (client->pending, GUINT_TO_POINTER (resp->id), NULL, (gpointer *) &task))
    {
      g_debug ("Response to unknown request %lu from %s", (gulong) resp->id, serval_client_where (client));
      return;
    }
  req = g_task_get_task_data (task);
  request_unwatch (req);
  if (resp->kind == SERVAL_RESPONSE_ERROR)
    g_task_return_error (task, request_error (client, req, resp));
  else
    req->handler (client, task, resp);
  g_object_unref (task);
}

/* --- events ---------------------------------------------------------------- */

/* Translators: %s is the server (host:port). */
#define SERVER_FULL_TEXT N_ ("%s is full: try again later, or ask its administrator to raise the open-file limit")

/* The server says why it closes: that reason, not "closed the connection",
 * is what the user is told. */
static void
handle_bye (ServalClient *client, const ServalEvent *ev)
{
  g_autoptr(GError) error = NULL;

  if (ev->code == SERVAL_ERROR_CODE_SHUTTING_DOWN)
    error = g_error_new_literal (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED,
                                 _("The server is shutting down"));
  else if (ev->code == SERVAL_ERROR_CODE_SERVER_FULL)
    /* In English the server's own sentence, which says how many it holds. */
    error = g_strcmp0 (_(SERVER_FULL_TEXT), SERVER_FULL_TEXT) == 0 && ev->text != NULL ?
                       g_error_new_literal (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED, ev->text) :
                       g_error_new (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED, _(SERVER_FULL_TEXT), serval_client_where (client));
  else
    error = g_error_new (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED,
                         _("The server closed the connection: %s"),
                            ev->text != NULL ? ev->text : "");
  serval_client_set_last_error (client, error->message);
  if (client->link != NULL)
    serval_link_close (client->link, error);
}

static void
handle_event (ServalClient *client, ServalEvent *ev)
{
  ServalClientVlan *vlan = ev->vlan != NULL ? serval_client_find_vlan (client, ev->vlan, NULL) : NULL;

  switch (ev->kind)
    {
    case SERVAL_EVENT_MEMBER_JOINED:
    case SERVAL_EVENT_MEMBER_LEFT:
    case SERVAL_EVENT_MEMBER_UPDATED:
      if (vlan != NULL)
        serval_client_vlan_member_changed (vlan, ev->member, ev->kind == SERVAL_EVENT_MEMBER_LEFT);
      break;
    case SERVAL_EVENT_MEMBER_CHANGES:
      if (vlan != NULL)
        serval_client_vlan_apply_changes (vlan, ev->changes);
      break;
    case SERVAL_EVENT_REMOVED:
      if (vlan != NULL)
        {
          g_message ("Removed from VLAN “%s” by %s: %s", vlan->name, serval_client_where (client), ev->text);
          serval_client_remove_vlan (client, vlan, ev->text);
        }
      break;
    case SERVAL_EVENT_SERVERS:
      serval_client_set_servers (client, g_steal_pointer (&ev->servers));
      break;
    case SERVAL_EVENT_BYE:
      g_message ("%s closes the connection: %s", serval_client_where (client), ev->text);
      handle_bye (client, ev);
      break;
    case SERVAL_EVENT_UNKNOWN:
    default:
      break;
    }
}

static void
handle_hello (ServalClient *client, ServalLink *link, const ServalHello *hello)
{
  if (hello->version != SERVAL_PROTOCOL_VERSION)
    {
      g_autoptr(GError) error =
                     g_error_new (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_PROTOCOL,
                                  _("%s speaks Serval protocol version %ld, this client version %d: update Serval"),
                                     serval_client_where (client), (long) hello->version, SERVAL_PROTOCOL_VERSION);
      serval_link_close (link, error);
      return;
    }
  serval_client_set_node (client, hello->node);
  client->server_offload = hello->offload;
  client->server_member_pages = hello->member_pages;
  client->server_services = hello->services;
}

void
serval_client_link_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  ServalClient *client = user_data;

  switch (serval_message_get_kind (msg))
    {
    case SERVAL_MESSAGE_HELLO:
      {
        g_auto(ServalHello) hello = { 0 };

        serval_hello_parse (msg, &hello);
        handle_hello (client, link, &hello);
      }
      break;
    case SERVAL_MESSAGE_RESPONSE:
      {
        g_auto(ServalResponse) resp = { 0 };

        serval_response_parse (msg, &resp);
        handle_response (client, &resp);
      }
      break;
    case SERVAL_MESSAGE_EVENT:
      {
        g_auto(ServalEvent) ev = { 0 };

        serval_event_parse (msg, &ev);
        handle_event (client, &ev);
      }
      break;
    default:
      g_debug ("Ignoring a %s message from %s", serval_message_kind_to_string (msg), serval_client_where (client));
      break;
    }
}

/* --- login ----------------------------------------------------------------- */

void
serval_client_send_hello (ServalClient *client)
{
  /* Frames with offload metadata are welcome: a TAP device with a vnet
   * header takes them whole, one without gets them segmented here. */
  serval_link_send_take (client->link, serval_hello_build_client (client->offload));
}

/* Logs in on the new link: with the resume token if there is one (no
 * PBKDF2 on the server), else with the password. */
void
serval_client_send_login (ServalClient *client)
{
  GTask *task = g_task_new (client, NULL, serval_client_login_done_cb, NULL);
  guint32 id;

  client->login_with_token = client->token != NULL;
  id = request_start (client, task, login_handler, NULL, TRUE);
  if (id != 0)
    serval_link_send_take (client->link,
                           serval_request_build_login (id, client->user, client->host,
                                                       client->token != NULL ? NULL : client->password,
                                                       client->token));
}

static void
login_handler (ServalClient *client, GTask *task, ServalResponse *resp)
{
  g_autoptr(GBytes) token = NULL;
  g_auto(GStrv) servers = NULL;

  if (resp->kind != SERVAL_RESPONSE_LOGGED_IN)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the login with something else"), serval_client_where (client));
      return;
    }
  if (resp->token != NULL && g_bytes_get_size (resp->token) > 0)
    token = g_steal_pointer (&resp->token);
  if (resp->servers[0] != NULL)
    servers = g_steal_pointer (&resp->servers);
  serval_client_logged_in (client, g_steal_pointer (&token), resp->admin, g_steal_pointer (&servers),
                           resp->keepalive);
  g_task_return_boolean (task, TRUE);
}

/* --- joining --------------------------------------------------------------- */

static void
join_handler (ServalClient *client, GTask *task, ServalResponse *resp)
{
  ServalClientVlan *vlan = g_object_get_data (G_OBJECT (task), "vlan");

  if (resp->kind != SERVAL_RESPONSE_JOINED)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the join with something else"), serval_client_where (client));
      return;
    }
  g_free (vlan->address);
  vlan->address = g_steal_pointer (&resp->address);
  g_free (vlan->prefix6);
  vlan->prefix6 = g_steal_pointer (&resp->prefix6);
  /* From a server that sends pages, the first page and the VLAN's total. */
  vlan->members_total = resp->has_total ? MAX (resp->total, resp->members->len) : resp->members->len;
  serval_client_vlan_joined (client, vlan, resp->tag, resp->members);
  g_task_return_pointer (task, g_object_ref (vlan), g_object_unref);
}

/* Sends a Join for @vlan; @task gets the answer. */
void
serval_client_send_join (ServalClient *client, ServalClientVlan *vlan, GTask *task)
{
  guint32 id;
  Message_t *msg;

  g_object_set_data_full (G_OBJECT (task), "vlan", g_object_ref (vlan), g_object_unref);
  id = request_start (client, task, join_handler, NULL, FALSE);
  if (id == 0)
    return;
  msg = serval_request_build_join (id, vlan->name, vlan->mac);
  /* A server before services could not read the join with them. */
  if (client->services != NULL && client->services[0] != NULL && !client->server_services)
    g_message ("%s does not take announced services (it is older than this client): joined VLAN “%s” without",
               serval_client_where (client), vlan->name);
  else if (client->services != NULL && client->services[0] != NULL)
    serval_request_set_join_services (msg, (const char *const *) client->services);
  serval_link_send_take (client->link, msg);
}

/* --- address updates ------------------------------------------------------- */

static void
update_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ServalClientVlan) vlan = user_data;
  g_autoptr(GError) error = NULL;

  /* Refused as too fast (the server takes 1 a second, 5 at once): the
   * addresses are sent again at the next check. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_RATE_LIMITED))
    g_clear_pointer (&vlan->addresses, g_strfreev);
}

/* Tells the server the addresses of @vlan's TAP device (at most 16). */
void
serval_client_send_update (ServalClient *client, ServalClientVlan *vlan, const char *const *addrs)
{
  GTask *task = g_task_new (client, NULL, update_done_cb, g_object_ref (vlan));
  guint32 id = request_start (client, task, ok_handler, NULL, FALSE);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_update (id, vlan->name, addrs));
}

/* --- named calls ----------------------------------------------------------- */

static GTask *
new_task (ServalClient *client, GCancellable *cancellable, GAsyncReadyCallback callback,
          gpointer user_data, gpointer source_tag)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* The calls whose answer is nothing but success or an error: their id, or
 * 0 if the call is over already (see request_start()). */
guint32
serval_client_start_simple (ServalClient *client, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data, gpointer source_tag)
{
  return request_start (client, new_task (client, cancellable, callback, user_data, source_tag),
                        ok_handler, NULL, FALSE);
}

gboolean
serval_client_finish_simple (ServalClient *client, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, source_tag), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
leave_handler (ServalClient *client, GTask *task, ServalResponse *resp)
{
  const char *name = g_object_get_data (G_OBJECT (task), "vlan-name");
  ServalClientVlan *vlan = serval_client_find_vlan (client, name, NULL);

  if (vlan != NULL)
    serval_client_remove_vlan (client, vlan, NULL);
  g_task_return_boolean (task, TRUE);
}

void
serval_client_leave_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = new_task (client, cancellable, callback, user_data, serval_client_leave_async);
  guint32 id;

  g_object_set_data_full (G_OBJECT (task), "vlan-name", g_strdup (vlan), g_free);
  id = request_start (client, task, leave_handler, NULL, FALSE);
  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_name (id, SERVAL_REQUEST_LEAVE, vlan));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_leave_finish, serval_client_leave_async)

/* --- lists ----------------------------------------------------------------- */

static const ListCall list_vlans = {
  SERVAL_RESPONSE_VLANS, (GDestroyNotify) serval_vlan_info_free, NULL
};
static const ListCall list_members = {
  SERVAL_RESPONSE_MEMBERS, g_object_unref, serval_member_get_type
};
static const ListCall list_users = {
  SERVAL_RESPONSE_USERS, (GDestroyNotify) serval_user_info_free, NULL
};
static const ListCall list_nodes = {
  SERVAL_RESPONSE_NODES, (GDestroyNotify) serval_node_entry_free, NULL, TRUE
};
static const ListCall list_rules = {
  SERVAL_RESPONSE_RULES, (GDestroyNotify) serval_rule_free, NULL, TRUE
};

static void
list_handler (ServalClient *client, GTask *task, ServalResponse *resp)
{
  const Request *req = g_task_get_task_data (task);
  const ListCall *call = req->handler_data;
  GPtrArray **list;
  g_autoptr(GPtrArray) items = NULL;

  switch (call->kind)
    {
    case SERVAL_RESPONSE_VLANS: list = &resp->vlans; break;
    case SERVAL_RESPONSE_USERS: list = &resp->users; break;
    case SERVAL_RESPONSE_NODES: list = &resp->nodes; break;
    case SERVAL_RESPONSE_RULES: list = &resp->rules; break;
    case SERVAL_RESPONSE_MEMBERS:
    default:
      list = &resp->members;
      break;
    }
  /* Any other answer reads as an empty list. */
  if (resp->kind == call->kind)
    items = g_steal_pointer (list);
  if (items == NULL)
    items = g_ptr_array_new_with_free_func (call->free_item);
  if (call->model_type != NULL)
    {
      GListStore *store = g_list_store_new (call->model_type ());

      g_list_store_splice (store, 0, 0, items->pdata, items->len);
      g_task_return_pointer (task, store, g_object_unref);
    }
  else
    g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

/* Like serval_client_start_simple(), for a list call. */
static guint32
start_list (ServalClient *client, const ListCall *call, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  return request_start (client, new_task (client, cancellable, callback, user_data, source_tag),
                        list_handler, call, FALSE);
}

guint32
serval_client_start_rule_list (ServalClient *client, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data, gpointer source_tag)
{
  return start_list (client, &list_rules, cancellable, callback, user_data, source_tag);
}

gpointer
serval_client_finish_list (ServalClient *client, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, source_tag), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A list call without arguments, each defined in one line: @async sends
 * the request @build makes and reads the answer as @call says; its _finish,
 * @finish, returns a GPtrArray. Names stay spelled out for grep; their
 * documentation is in serval-client.h. */
#define DEFINE_LIST_CALL(async, finish, call, kind)                                                              \
  void async (ServalClient *client, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data) \
  {                                                                                                              \
    guint32 id = start_list (client, call, cancellable, callback, user_data, async);                             \
                                                                                                                 \
    if (id != 0)                                                                                                 \
      serval_link_send_take (client->link, serval_request_build_name (id, kind, NULL));                          \
  }                                                                                                              \
  SERVAL_CLIENT_DEFINE_LIST_FINISH (GPtrArray, finish, async)

DEFINE_LIST_CALL (serval_client_list_vlans_async, serval_client_list_vlans_finish, &list_vlans,
                  SERVAL_REQUEST_LIST_VLANS)
DEFINE_LIST_CALL (serval_client_list_users_async, serval_client_list_users_finish, &list_users,
                  SERVAL_REQUEST_LIST_USERS)
DEFINE_LIST_CALL (serval_client_list_nodes_async, serval_client_list_nodes_finish, &list_nodes,
                  SERVAL_REQUEST_LIST_NODES)

void
serval_client_list_members_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  guint32 id = start_list (client, &list_members, cancellable, callback, user_data,
                           serval_client_list_members_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_name (id, SERVAL_REQUEST_LIST_MEMBERS, vlan));
}

SERVAL_CLIENT_DEFINE_LIST_FINISH (GListModel, serval_client_list_members_finish, serval_client_list_members_async)
