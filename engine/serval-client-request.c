/* serval-client-request.c: the client's messages, the one file of the client
 * that builds and reads asn1c structs. Requests go out with an id and wait in
 * client->pending until the response with that id, or until their
 * GCancellable is cancelled; events and the server's Hello come in here too.
 * The named calls and the list calls of serval-client.h are at the end. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-client-private.h"

#include <string.h>

#include "serval-codec.h"

typedef void (*ResponseHandler) (ServalClient *client, GTask *task, const ResponseBody_t *body);

/* A request's task data: how to read its response, and while it waits in
 * client->pending under its id, the source that sees its GCancellable. */
typedef struct {
  ResponseHandler handler;
  gconstpointer   handler_data;   /* for list_handler(), the ListCall */
  guint32         id;
  GSource        *cancel_source;
} Request;

static void
request_unwatch (Request *req)
{
  if (req->cancel_source != NULL)
    g_source_destroy (req->cancel_source);
  g_clear_pointer (&req->cancel_source, g_source_unref);
}

static void
request_free (gpointer data)
{
  request_unwatch (data);
  g_free (data);
}

static void login_handler (ServalClient *client, GTask *task, const ResponseBody_t *body);
static void join_handler (ServalClient *client, GTask *task, const ResponseBody_t *body);
static void send_request (ServalClient *client, Message_t *msg, GTask *task, ResponseHandler handler,
                          gconstpointer handler_data);

static void
strv_builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

/* --- errors ---------------------------------------------------------------- */

static GError *
error_from_wire (ServalClient *client, const Error_t *err)
{
  g_autofree char *text = serval_asn_dup_string (&err->text);
  ServalClientError code;

  switch (err->code)
    {
    case ErrorCode_authFailed:
      return g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_AUTH,
                          _("Wrong password for %s on %s, or no such user: check them, or ask the "
                          "server's administrator"), client->user, client->server);
    case ErrorCode_versionMismatch:
      return g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_VERSION,
                          _("%s speaks another version of the Serval protocol (%s): update Serval"),
                          client->server, text);
    case ErrorCode_tokenRefused: code = SERVAL_CLIENT_ERROR_TOKEN_REFUSED; break;
    case ErrorCode_rateLimited: code = SERVAL_CLIENT_ERROR_RATE_LIMITED; break;
    case ErrorCode_notAllowed: code = SERVAL_CLIENT_ERROR_NOT_ALLOWED; break;
    case ErrorCode_noSuchVlan: code = SERVAL_CLIENT_ERROR_NO_SUCH_VLAN; break;
    case ErrorCode_noSuchUser: code = SERVAL_CLIENT_ERROR_NO_SUCH_USER; break;
    case ErrorCode_exists: code = SERVAL_CLIENT_ERROR_EXISTS; break;
    default: code = SERVAL_CLIENT_ERROR_SERVER; break;
    }
  return g_error_new (SERVAL_CLIENT_ERROR, code, "%s", text);
}

static void
ok_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
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
                               client->server, why);
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
      Message_t *msg = serval_message_new_request (0, RequestBody_PR_leave);

      serval_asn_set_string (&msg->choice.request.body.choice.leave, vlan->name);
      send_request (client, msg, g_task_new (client, NULL, NULL, NULL), ok_handler, NULL);
    }
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Sends @msg with a new id; @task takes the answer, read by @handler.
 * Takes @msg and the reference to @task. */
static void
send_request (ServalClient *client, Message_t *msg, GTask *task, ResponseHandler handler,
              gconstpointer handler_data)
{
  Request *req = g_new0 (Request, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint32 id;

  req->handler = handler;
  req->handler_data = handler_data;
  g_task_set_task_data (task, req, request_free);
  if (g_task_return_error_if_cancelled (task))
    {
      serval_message_free (msg);
      g_object_unref (task);
      return;
    }
  if (client->link == NULL || (!client->logged_in && msg->choice.request.body.present != RequestBody_PR_login))
    {
      serval_message_free (msg);
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED,
                               _("Not connected to %s%s%s"), client->server,
                               client->last_error ? ": " : "",
                               client->last_error ? client->last_error : "");
      g_object_unref (task);
      return;
    }
  id = client->next_id++;
  if (client->next_id > G_MAXINT32)   /* RequestId is 0..2^31-1 */
    client->next_id = 1;
  msg->choice.request.id = id;
  req->id = id;
  if (cancellable != NULL)
    {
      req->cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, req->cancel_source, G_SOURCE_FUNC (request_cancelled_cb));
    }
  g_hash_table_insert (client->pending, GUINT_TO_POINTER (id), task);
  serval_link_send_take (client->link, msg);
}

static void
handle_response (ServalClient *client, const Response_t *resp)
{
  GTask *task;
  Request *req;

  if (!g_hash_table_steal_extended (client->pending, GUINT_TO_POINTER ((guint32) resp->id),
                                    NULL, (gpointer *) &task))
    {
      g_debug ("Response to unknown request %lu from %s", resp->id, client->server);
      return;
    }
  req = g_task_get_task_data (task);
  request_unwatch (req);
  if (resp->body.present == ResponseBody_PR_error)
    g_task_return_error (task, error_from_wire (client, &resp->body.choice.error));
  else
    req->handler (client, task, &resp->body);
  g_object_unref (task);
}

/* --- events ---------------------------------------------------------------- */

static ServalClientVlan *
find_vlan_asn (ServalClient *client, const OCTET_STRING_t *name)
{
  g_autofree char *s = serval_asn_dup_string (name);

  return serval_client_find_vlan (client, s, NULL);
}

static void
handle_member_event (ServalClient *client, Event_PR kind, const MemberEvent_t *ev)
{
  ServalClientVlan *vlan = find_vlan_asn (client, &ev->vlan);
  g_autoptr(ServalMember) m = NULL;

  if (vlan == NULL)
    return;
  m = serval_member_new_from_asn (&ev->member);
  serval_client_vlan_member_changed (vlan, m, kind == Event_PR_memberLeft);
}

static GStrv
servers_from_asn (const Endpoint_t *const *list, int count)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv servers;

  for (int i = 0; i < count; i++)
    strv_builder_take (b, serval_asn_dup_string (list[i]));
  servers = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return servers;
}

static void
handle_event (ServalClient *client, const Event_t *ev)
{
  switch (ev->present)
    {
    case Event_PR_memberJoined:
      handle_member_event (client, ev->present, &ev->choice.memberJoined);
      break;
    case Event_PR_memberLeft:
      handle_member_event (client, ev->present, &ev->choice.memberLeft);
      break;
    case Event_PR_memberUpdated:
      handle_member_event (client, ev->present, &ev->choice.memberUpdated);
      break;
    case Event_PR_removed:
      {
        ServalClientVlan *vlan = find_vlan_asn (client, &ev->choice.removed.vlan);
        g_autofree char *text = serval_asn_dup_string (&ev->choice.removed.reason.text);

        if (vlan != NULL)
          {
            g_message ("Removed from VLAN “%s” by %s: %s", vlan->name, client->server, text);
            serval_client_remove_vlan (client, vlan, text);
          }
      }
      break;
    case Event_PR_servers:
      serval_client_set_servers (client,
                                 servers_from_asn ((const Endpoint_t *const *) ev->choice.servers.list.array,
                                                   ev->choice.servers.list.count));
      break;
    case Event_PR_bye:
      {
        g_autofree char *text = serval_asn_dup_string (&ev->choice.bye.text);

        g_message ("%s closes the connection: %s", client->server, text);
        serval_client_set_last_error (client, text);
      }
      break;
    case Event_PR_NOTHING:
    default:
      break;
    }
}

void
serval_client_link_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  ServalClient *client = user_data;

  switch (msg->present)
    {
    case Message_PR_hello:
      if (msg->choice.hello.version != SERVAL_PROTOCOL_VERSION)
        {
          g_autoptr(GError) error =
            g_error_new (SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_PROTOCOL,
                         _("%s speaks Serval protocol version %ld, this client version %d: update Serval"),
                         client->server, msg->choice.hello.version, SERVAL_PROTOCOL_VERSION);
          serval_link_close (link, error);
          return;
        }
      g_free (client->node);
      client->node = msg->choice.hello.node ? serval_asn_dup_string (msg->choice.hello.node) : NULL;
      client->server_offload = msg->choice.hello.offload != NULL && *msg->choice.hello.offload;
      break;
    case Message_PR_response:
      handle_response (client, &msg->choice.response);
      break;
    case Message_PR_event:
      handle_event (client, &msg->choice.event);
      break;
    default:
      g_debug ("Ignoring a %s message from %s", serval_message_kind_to_string (msg), client->server);
      break;
    }
}

/* --- login ----------------------------------------------------------------- */

void
serval_client_send_hello (ServalClient *client)
{
  Message_t *msg = serval_message_new_hello (NULL);

  /* Frames with offload metadata are welcome: a TAP device with a vnet
   * header takes them whole, one without gets them segmented here. */
  serval_message_set_hello_offload (msg, client->offload);
  serval_link_send_take (client->link, msg);
}

/* Logs in on the new link: with the resume token if there is one (no
 * PBKDF2 on the server), else with the password. */
void
serval_client_send_login (ServalClient *client)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_login);
  Login_t *login = &msg->choice.request.body.choice.login;

  serval_asn_set_string (&login->user, client->user);
  serval_asn_set_string (&login->host, client->host);
  client->login_with_token = client->token != NULL;
  if (client->token != NULL)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (client->token, &len);

      serval_asn_set_bytes (&login->password, "", 0);
      login->token = calloc (1, sizeof *login->token);
      serval_asn_set_bytes (login->token, p, len);
    }
  else
    serval_asn_set_bytes (&login->password, client->password, strlen (client->password));
  send_request (client, msg, g_task_new (client, NULL, serval_client_login_done_cb, NULL), login_handler,
                NULL);
}

static void
login_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  const LoggedIn_t *li;
  g_autoptr(GBytes) token = NULL;
  g_auto(GStrv) servers = NULL;

  if (body->present != ResponseBody_PR_loggedIn)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the login with something else"), client->server);
      return;
    }
  li = &body->choice.loggedIn;
  if (li->token != NULL && li->token->size > 0)
    token = g_bytes_new (li->token->buf, li->token->size);
  if (li->servers.list.count > 0)
    servers = servers_from_asn ((const Endpoint_t *const *) li->servers.list.array, li->servers.list.count);
  serval_client_logged_in (client, g_steal_pointer (&token), li->admin, g_steal_pointer (&servers),
                           li->keepalive);
  g_task_return_boolean (task, TRUE);
}

/* --- joining --------------------------------------------------------------- */

static void
join_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  ServalClientVlan *vlan = g_object_get_data (G_OBJECT (task), "vlan");
  const Joined_t *joined;
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);

  if (body->present != ResponseBody_PR_joined)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the join with something else"), client->server);
      return;
    }
  joined = &body->choice.joined;
  for (int i = 0; i < joined->members.list.count; i++)
    g_ptr_array_add (members, serval_member_new_from_asn (joined->members.list.array[i]));
  serval_client_vlan_joined (client, vlan, joined->tag, members);
  g_task_return_pointer (task, g_object_ref (vlan), g_object_unref);
}

/* Sends a Join for @vlan; @task gets the answer. */
void
serval_client_send_join (ServalClient *client, ServalClientVlan *vlan, GTask *task)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_join);
  Join_t *join = &msg->choice.request.body.choice.join;

  g_object_set_data_full (G_OBJECT (task), "vlan", g_object_ref (vlan), g_object_unref);
  serval_asn_set_string (&join->vlan, vlan->name);
  serval_asn_set_bytes (&join->mac, vlan->mac, 6);
  send_request (client, msg, task, join_handler, NULL);
}

/* --- address updates ------------------------------------------------------- */

/* Tells the server the addresses of @vlan's TAP device (at most 16). */
void
serval_client_send_update (ServalClient *client, ServalClientVlan *vlan, const char *const *addrs)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_update);
  MemberUpdate_t *u = &msg->choice.request.body.choice.update;

  serval_asn_set_string (&u->vlan, vlan->name);
  for (guint j = 0; addrs[j] != NULL && j < 16; j++)
    {
      Address_t *a = calloc (1, sizeof *a);

      serval_asn_set_string (a, addrs[j]);
      ASN_SEQUENCE_ADD (&u->addresses.list, a);
    }
  send_request (client, msg, g_task_new (client, NULL, NULL, NULL), ok_handler, NULL);
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

/* The calls whose answer is nothing but success or an error. */
static void
send_simple (ServalClient *client, Message_t *msg, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  send_request (client, msg, new_task (client, cancellable, callback, user_data, source_tag),
                ok_handler, NULL);
}

static gboolean
finish_simple (ServalClient *client, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, source_tag), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
leave_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
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
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_leave);

  serval_asn_set_string (&msg->choice.request.body.choice.leave, vlan);
  g_object_set_data_full (G_OBJECT (task), "vlan-name", g_strdup (vlan), g_free);
  send_request (client, msg, task, leave_handler, NULL);
}

gboolean
serval_client_leave_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_leave_async, error);
}

void
serval_client_vlan_add_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_vlanAdd);

  serval_asn_set_string (&msg->choice.request.body.choice.vlanAdd, vlan);
  send_simple (client, msg, cancellable, callback, user_data, serval_client_vlan_add_async);
}

gboolean
serval_client_vlan_add_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_vlan_add_async, error);
}

void
serval_client_vlan_delete_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_vlanDel);

  serval_asn_set_string (&msg->choice.request.body.choice.vlanDel, vlan);
  send_simple (client, msg, cancellable, callback, user_data, serval_client_vlan_delete_async);
}

gboolean
serval_client_vlan_delete_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_vlan_delete_async, error);
}

void
serval_client_user_add_async (ServalClient *client, const char *user, const char *password,
                              gboolean admin, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_userAdd);
  UserAdd_t *add = &msg->choice.request.body.choice.userAdd;

  serval_asn_set_string (&add->name, user);
  serval_asn_set_bytes (&add->password, password, strlen (password));
  add->admin = admin;
  send_simple (client, msg, cancellable, callback, user_data, serval_client_user_add_async);
}

gboolean
serval_client_user_add_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_user_add_async, error);
}

void
serval_client_user_delete_async (ServalClient *client, const char *user, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_userDel);

  serval_asn_set_string (&msg->choice.request.body.choice.userDel, user);
  send_simple (client, msg, cancellable, callback, user_data, serval_client_user_delete_async);
}

gboolean
serval_client_user_delete_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_user_delete_async, error);
}

/* Grant and revoke are one message shape. */
static Message_t *
grant_message (RequestBody_PR kind, const char *user, const char *vlan)
{
  Message_t *msg = serval_message_new_request (0, kind);
  RequestBody_t *body = &msg->choice.request.body;
  Grant_t *grant = kind == RequestBody_PR_grant ? &body->choice.grant : &body->choice.revoke;

  serval_asn_set_string (&grant->user, user);
  serval_asn_set_string (&grant->vlan, vlan);
  return msg;
}

void
serval_client_grant_async (ServalClient *client, const char *user, const char *vlan,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  send_simple (client, grant_message (RequestBody_PR_grant, user, vlan), cancellable, callback,
               user_data, serval_client_grant_async);
}

gboolean
serval_client_grant_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_grant_async, error);
}

void
serval_client_revoke_async (ServalClient *client, const char *user, const char *vlan,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  send_simple (client, grant_message (RequestBody_PR_revoke, user, vlan), cancellable, callback,
               user_data, serval_client_revoke_async);
}

gboolean
serval_client_revoke_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_revoke_async, error);
}

void
serval_client_kick_async (ServalClient *client, const char *user, const char *vlan,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_kick);

  serval_asn_set_string (&msg->choice.request.body.choice.kick.user, user);
  serval_asn_set_string (&msg->choice.request.body.choice.kick.vlan, vlan);
  send_simple (client, msg, cancellable, callback, user_data, serval_client_kick_async);
}

gboolean
serval_client_kick_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_simple (client, result, serval_client_kick_async, error);
}

/* --- lists ----------------------------------------------------------------- */

void
serval_vlan_info_free (ServalVlanInfo *info)
{
  g_free (info->name);
  g_free (info);
}

void
serval_user_info_free (ServalUserInfo *info)
{
  g_free (info->name);
  g_strfreev (info->vlans);
  g_free (info);
}

/* A list call: the answer it expects, and how to read one element of its
 * SEQUENCE OF into what the caller gets. */
typedef struct {
  ResponseBody_PR present;
  gpointer      (*read_item) (const void *item);
  GDestroyNotify  free_item;
  GType         (*model_type) (void);   /* the answer is a GListStore of these; NULL: a GPtrArray */
} ListCall;

static gpointer
read_vlan_info (const void *item)
{
  const VlanInfo_t *v = item;
  ServalVlanInfo *info = g_new0 (ServalVlanInfo, 1);

  info->name = serval_asn_dup_string (&v->name);
  info->tag = v->tag;
  info->allowed = v->allowed;
  info->members = v->members;
  return info;
}

static gpointer
read_member (const void *item)
{
  return serval_member_new_from_asn (item);
}

static gpointer
read_user_info (const void *item)
{
  const UserInfo_t *u = item;
  ServalUserInfo *info = g_new0 (ServalUserInfo, 1);
  GStrvBuilder *b = g_strv_builder_new ();

  info->name = serval_asn_dup_string (&u->name);
  info->admin = u->admin;
  for (int j = 0; j < u->vlans.list.count; j++)
    strv_builder_take (b, serval_asn_dup_string (u->vlans.list.array[j]));
  info->vlans = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return info;
}

static const ListCall list_vlans = {
  ResponseBody_PR_vlans, read_vlan_info, (GDestroyNotify) serval_vlan_info_free, NULL
};
static const ListCall list_members = {
  ResponseBody_PR_members, read_member, g_object_unref, serval_member_get_type
};
static const ListCall list_users = {
  ResponseBody_PR_users, read_user_info, (GDestroyNotify) serval_user_info_free, NULL
};

static void
list_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  const Request *req = g_task_get_task_data (task);
  const ListCall *call = req->handler_data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (call->free_item);

  /* Any other answer reads as an empty list. */
  if (body->present == call->present)
    {
      /* Each list answer is a SEQUENCE OF, the first member of its choice:
       * asn1c lays them all out as its anonymous sequence. */
      const asn_anonymous_sequence_ *list = _A_CSEQUENCE_FROM_VOID (&body->choice);

      for (int i = 0; i < list->count; i++)
        g_ptr_array_add (items, call->read_item (list->array[i]));
    }
  if (call->model_type != NULL)
    {
      GListStore *store = g_list_store_new (call->model_type ());

      g_list_store_splice (store, 0, 0, items->pdata, items->len);
      g_task_return_pointer (task, store, g_object_unref);
    }
  else
    g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

static void
send_list (ServalClient *client, Message_t *msg, const ListCall *call, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  send_request (client, msg, new_task (client, cancellable, callback, user_data, source_tag),
                list_handler, call);
}

static gpointer
finish_list (ServalClient *client, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, source_tag), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
serval_client_list_vlans_async (ServalClient *client, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  send_list (client, serval_message_new_request (0, RequestBody_PR_listVlans), &list_vlans,
             cancellable, callback, user_data, serval_client_list_vlans_async);
}

GPtrArray *
serval_client_list_vlans_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_list (client, result, serval_client_list_vlans_async, error);
}

void
serval_client_list_members_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_listMembers);

  serval_asn_set_string (&msg->choice.request.body.choice.listMembers, vlan);
  send_list (client, msg, &list_members, cancellable, callback, user_data,
             serval_client_list_members_async);
}

GListModel *
serval_client_list_members_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_list (client, result, serval_client_list_members_async, error);
}

void
serval_client_list_users_async (ServalClient *client, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  send_list (client, serval_message_new_request (0, RequestBody_PR_listUsers), &list_users,
             cancellable, callback, user_data, serval_client_list_users_async);
}

GPtrArray *
serval_client_list_users_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return finish_list (client, result, serval_client_list_users_async, error);
}
