/* serval-server-admin.c: the requests of administrators: VLANs and users
 * added and deleted, rights granted and revoked, members kicked, users listed.
 */
#include "config.h"

#include "serval-server-private.h"

/* The live sessions of @user, each with a reference (leaving a VLAN or
 * closing can end a session). */
static GPtrArray *
sessions_of (ServalServer *server, const char *user)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_session_unref);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *other = key;

      if (other->logged_in && !other->closed && g_strcmp0 (other->user, user) == 0)
        g_ptr_array_add (list, serval_session_ref (other));
    }
  return list;
}

static void
remove_user_from_vlan (ServalServer *server, const char *user, guint32 tag, const char *reason,
                       ServalErrorCode code)
{
  g_autoptr(GPtrArray) list = sessions_of (server, user);

  for (guint i = 0; i < list->len; i++)
    serval_session_leave (list->pdata[i], tag, reason, code);
}

/* Ends the memberships of VLAN @tag, which was deleted. */
static void
vlan_deleted (ServalServer *server, guint32 tag, const char *reason)
{
  g_autoptr(GPtrArray) members = serval_server_vlan_sessions (server, tag);

  for (guint i = 0; i < members->len; i++)
    serval_session_leave (members->pdata[i], tag, reason, SERVAL_ERROR_CODE_NO_SUCH_VLAN);
}

/* Closes the sessions of @user, whose account was deleted, but @except's. */
static void
user_deleted (ServalServer *server, const char *user, Session *except, const char *reason)
{
  g_autoptr(GPtrArray) list = sessions_of (server, user);

  for (guint i = 0; i < list->len; i++)
    if (list->pdata[i] != except)
      serval_session_close (list->pdata[i], SERVAL_ERROR_CODE_NO_SUCH_USER, reason);
}

/* --- changes made elsewhere ----------------------------------------------------
 *
 * Through another node or an offline command, seen in the store's watch:
 * they end sessions and memberships here as the same change made through
 * this node does, with a reason that says it came from elsewhere. */

static void
store_user_deleted_cb (ServalStore *store, const char *user, gpointer data)
{
  ServalServer *server = data;
  g_autoptr(GPtrArray) list = sessions_of (server, user);
  g_autofree char *reason = NULL;

  if (list->len == 0)
    return;
  reason = g_strdup_printf ("The account “%s” was deleted (through another node or offline)", user);
  g_message ("%s", reason);
  user_deleted (server, user, NULL, reason);
}

static void
store_vlan_deleted_cb (ServalStore *store, const char *vlan, guint tag, gpointer data)
{
  ServalServer *server = data;
  g_autofree char *reason = NULL;

  if (serval_switch_vlan_n_ports (server->sw, tag) == 0)
    return;
  reason = g_strdup_printf ("VLAN “%s” was deleted (through another node or offline)", vlan);
  g_message ("%s", reason);
  vlan_deleted (server, tag, reason);
}

static void
store_right_revoked_cb (ServalStore *store, const char *user, const char *vlan, guint tag, gpointer data)
{
  ServalServer *server = data;
  g_autoptr(GPtrArray) list = sessions_of (server, user);
  g_autofree char *reason = NULL;
  gboolean member = FALSE;

  for (guint i = 0; i < list->len; i++)
    {
      Session *other = list->pdata[i];

      member |= other->port != NULL && serval_switch_port_is_member (other->port, tag);
    }
  if (!member)
    return;
  reason = g_strdup_printf ("The right of “%s” to join VLAN “%s” was revoked (through another node or offline)",
                            user, vlan);
  g_message ("%s", reason);
  remove_user_from_vlan (server, user, tag, reason, SERVAL_ERROR_CODE_NOT_ALLOWED);
}

void
serval_server_watch_store (ServalServer *server)
{
  g_signal_connect (server->store, "user-deleted", G_CALLBACK (store_user_deleted_cb), server);
  g_signal_connect (server->store, "vlan-deleted", G_CALLBACK (store_vlan_deleted_cb), server);
  g_signal_connect (server->store, "right-revoked", G_CALLBACK (store_right_revoked_cb), server);
}

/* --- writes ----------------------------------------------------------------- */

/* One administrator's change, from the request to the store's answer. */
typedef struct
{
  Session *session;
  guint32 id;
  ServalStoreWriteKind kind;
  char *user;
  char *vlan;
  guint32 tag; /* the VLAN's, looked up before a delete or revoke */
  gboolean admin;
  GBytes *password; /* for a user add: hashed in a worker thread first */
  ServalCredentials cred;
} AdminWrite;

static void
admin_write_free (AdminWrite *job)
{
  serval_session_unref (job->session);
  g_free (job->user);
  g_free (job->vlan);
  g_clear_pointer (&job->password, g_bytes_unref);
  serval_credentials_clear (&job->cred);
  g_free (job);
}

static void admin_written (AdminWrite *job);

static void
admin_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AdminWrite *job = user_data;
  g_autoptr(GError) error = NULL;

  guint32 tag = 0;

  if (!serval_store_write_finish (SERVAL_STORE (source), result, &tag, &error))
    {
      /* Cancelled: the server is gone, and the session with it. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        serval_session_reply_store_error (job->session, job->id, error);
    }
  else
    {
      Session *s = job->session;

      if (job->kind == SERVAL_STORE_VLAN_ADD)
        job->tag = tag;
      admin_written (job);
      serval_session_reply_ok (s, job->id);
      /* An administrator who deleted its own account: its session ends
       * too, after the answer (serval_session_close() sends after it). */
      if (job->kind == SERVAL_STORE_USER_DEL && g_strcmp0 (job->user, s->user) == 0 && !s->closed)
        serval_session_close (s, SERVAL_ERROR_CODE_NO_SUCH_USER, "You deleted your own account: this session ends");
    }
  admin_write_free (job);
}

static void
admin_write (AdminWrite *job)
{
  ServalServer *server = job->session->server;
  ServalStoreWrite w = {
    .kind = job->kind,
    .user = job->user,
    .vlan = job->vlan,
    .cred = &job->cred,
    .admin = job->admin,
  };

  serval_store_write_async (server->store, &w, server->cancellable, admin_written_cb, job);
}

static AdminWrite *
admin_write_new (Session *s, const ServalRequest *req, ServalStoreWriteKind kind)
{
  AdminWrite *job = g_new0 (AdminWrite, 1);

  job->session = serval_session_ref (s);
  job->id = req->id;
  job->kind = kind;
  job->user = g_strdup (req->user);
  job->vlan = g_strdup (req->vlan);
  job->admin = req->admin;
  return job;
}

static void
hash_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  AdminWrite *job = data;
  GError *error = NULL;
  gsize len;
  const guint8 *pw = g_bytes_get_data (job->password, &len);

  if (serval_credentials_make (&job->cred, pw, len, job->session->server->config.pbkdf2_iterations, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
user_hashed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AdminWrite *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      serval_session_reply_store_error (job->session, job->id, error);
      admin_write_free (job);
      return;
    }
  /* The hash took a while: is the requester still an administrator? */
  if (!serval_session_is_admin (job->session))
    {
      serval_session_reply_error (job->session, job->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                  "User “%s” is no longer an administrator of this server", job->session->user);
      admin_write_free (job);
      return;
    }
  admin_write (job);
}

static void
admin_user_add (Session *s, const ServalRequest *req)
{
  AdminWrite *job = admin_write_new (s, req, SERVAL_STORE_USER_ADD);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, user_hashed_cb, NULL);

  job->password = g_bytes_ref (req->password);
  g_task_set_task_data (task, job, NULL); /* freed by user_hashed_cb() */
  g_task_run_in_thread (task, hash_thread);
}

static ServalUserInfo *
user_info_from_store (const ServalUser *u, gboolean vlan_config)
{
  ServalUserInfo *info = g_new0 (ServalUserInfo, 1);

  info->name = g_strdup (u->name);
  info->admin = u->admin;
  info->bridge = vlan_config && u->bridge; /* a client before it could not read it */
  info->rate_limit = vlan_config ? u->rate_limit : 0;
  info->vlans = g_new0 (char *, u->vlans->len + 1);
  for (guint j = 0; j < u->vlans->len; j++)
    info->vlans[j] = g_strdup (u->vlans->pdata[j]);
  return info;
}

static void
admin_list_users (Session *s, guint32 id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = serval_store_user_list (s->server->store, &error);
  g_autoptr(GPtrArray) infos = NULL;

  if (users == NULL)
    {
      serval_session_reply_store_error (s, id, error);
      return;
    }
  infos = g_ptr_array_new_full (users->len, (GDestroyNotify) serval_user_info_free);
  for (guint i = 0; i < users->len && i < 4096; i++) /* a list answer's limit */
    g_ptr_array_add (infos, user_info_from_store (users->pdata[i], s->vlan_config));
  serval_session_reply (s, serval_response_build_list (id, SERVAL_RESPONSE_USERS, infos));
}

/* A change of the administrator of @job's session is made: log it, and
 * end the sessions and memberships it takes away. */
static void
admin_written (AdminWrite *job)
{
  Session *s = job->session;
  ServalServer *server = s->server;
  g_autofree char *reason = NULL;

  switch (job->kind)
    {
    case SERVAL_STORE_USER_ADD:
      g_message ("%s added user “%s”%s", s->user, job->user, job->admin ? " (admin)" : "");
      break;
    case SERVAL_STORE_VLAN_ADD:
      g_message ("%s added VLAN “%s”", s->user, job->vlan);
      break;
    case SERVAL_STORE_VLAN_DEL:
      reason = g_strdup_printf ("VLAN “%s” was deleted by %s", job->vlan, s->user);
      g_message ("%s", reason);
      vlan_deleted (server, job->tag, reason);
      break;
    case SERVAL_STORE_USER_DEL:
      reason = g_strdup_printf ("The account “%s” was deleted by %s", job->user, s->user);
      g_message ("%s", reason);
      user_deleted (server, job->user, s, reason);
      break;
    case SERVAL_STORE_GRANT:
      g_message ("%s granted “%s” the right to join “%s”", s->user, job->user, job->vlan);
      break;
    case SERVAL_STORE_REVOKE:
      reason = g_strdup_printf ("%s revoked the right of “%s” to join VLAN “%s”", s->user, job->user, job->vlan);
      g_message ("%s", reason);
      remove_user_from_vlan (server, job->user, job->tag, reason, SERVAL_ERROR_CODE_NOT_ALLOWED);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
admin_kick (Session *s, const char *user, const char *vlan, GError **error)
{
  g_autofree char *reason = NULL;
  guint32 tag = 0;

  if (!serval_store_vlan_lookup (s->server->store, vlan, &tag, error))
    return;
  reason = g_strdup_printf ("%s removed “%s” from VLAN “%s”", s->user, user, vlan);
  g_message ("%s", reason);
  remove_user_from_vlan (s->server, user, tag, reason, SERVAL_ERROR_CODE_NOT_ALLOWED);
}

gboolean
serval_session_is_admin (Session *s)
{
  ServalCredentials cred;
  gboolean admin = FALSE;

  if (serval_store_user_get (s->server->store, s->user, &cred, &admin, NULL))
    serval_credentials_clear (&cred);
  else
    admin = FALSE;
  if (s->admin && !admin)
    g_message ("%s@%s is no longer an administrator (demoted or deleted, maybe through another node): "
               "its admin requests are refused",
               s->user, s->host);
  s->admin = admin;
  return admin;
}

gboolean
serval_session_admin_request_valid (Session *s, const ServalRequest *req)
{
  if (!serval_session_check_strings (s, req))
    return FALSE;
  if (!serval_session_is_admin (s))
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                  "User “%s” is not an administrator of this server", s->user);
      return FALSE;
    }
  return TRUE;
}

ServalStoreWriteKind
serval_server_write_kind (ServalRequestKind kind)
{
  switch (kind)
    {
    case SERVAL_REQUEST_VLAN_ADD: return SERVAL_STORE_VLAN_ADD;
    case SERVAL_REQUEST_VLAN_DEL: return SERVAL_STORE_VLAN_DEL;
    case SERVAL_REQUEST_USER_DEL: return SERVAL_STORE_USER_DEL;
    case SERVAL_REQUEST_GRANT: return SERVAL_STORE_GRANT;
    case SERVAL_REQUEST_REVOKE: return SERVAL_STORE_REVOKE;
    case SERVAL_REQUEST_VLAN_SET: return SERVAL_STORE_VLAN_SET_ADDRESSES;
    case SERVAL_REQUEST_RULE_ADD: return SERVAL_STORE_RULE_ADD;
    case SERVAL_REQUEST_RULE_DEL: return SERVAL_STORE_RULE_DEL;
    case SERVAL_REQUEST_USER_SET_BRIDGE: return SERVAL_STORE_USER_SET_BRIDGE;
    case SERVAL_REQUEST_USER_SET_RATE_LIMIT: return SERVAL_STORE_USER_SET_RATE_LIMIT;
    default: g_assert_not_reached ();
    }
}

void
serval_session_handle_admin (Session *s, const ServalRequest *req)
{
  g_autoptr(GError) error = NULL;
  AdminWrite *job;

  if (!serval_session_admin_request_valid (s, req))
    return;

  switch (req->kind)
    {
    case SERVAL_REQUEST_LIST_USERS:
      admin_list_users (s, req->id);
      return;
    case SERVAL_REQUEST_KICK:
      admin_kick (s, req->user, req->vlan, &error);
      break;
    default:
      if (!serval_store_check_available (s->server->store, &error))
        break;
      if (req->kind == SERVAL_REQUEST_USER_ADD)
        {
          admin_user_add (s, req);
          return;
        }
      job = admin_write_new (s, req, serval_server_write_kind (req->kind));
      /* The tag a delete or revoke takes away, while the VLAN is there. */
      if (job->kind == SERVAL_STORE_VLAN_DEL || job->kind == SERVAL_STORE_REVOKE)
        serval_store_vlan_lookup (s->server->store, job->vlan, &job->tag, NULL);
      admin_write (job);
      return;
    }

  if (error != NULL)
    serval_session_reply_store_error (s, req->id, error);
  else
    serval_session_reply_ok (s, req->id);
}
