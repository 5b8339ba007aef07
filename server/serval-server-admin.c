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

typedef struct {
  Session *session;
  guint32 id;
  char *name;
  gboolean admin;
  GBytes *password;
  ServalCredentials cred;
} UserAddJob;

static void
user_add_job_free (UserAddJob *job)
{
  serval_session_unref (job->session);
  g_free (job->name);
  g_bytes_unref (job->password);
  serval_credentials_clear (&job->cred);
  g_free (job);
}

static void
hash_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  UserAddJob *job = data;
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
  UserAddJob *job = g_task_get_task_data (G_TASK (result));
  Session *s = job->session;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) ||
      !serval_store_user_add (s->server->store, job->name, &job->cred, job->admin, &error))
    {
      serval_session_reply_store_error (s, job->id, error);
      return;
    }
  g_message ("%s added user “%s”%s", s->user, job->name, job->admin ? " (admin)" : "");
  serval_session_reply_ok (s, job->id);
}

static void
admin_user_add (Session *s, const ServalRequest *req)
{
  UserAddJob *job = g_new0 (UserAddJob, 1);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, user_hashed_cb, NULL);

  job->session = serval_session_ref (s);
  job->id = req->id;
  job->name = g_strdup (req->user);
  job->admin = req->admin;
  job->password = g_bytes_ref (req->password);
  g_task_set_task_data (task, job, (GDestroyNotify) user_add_job_free);
  g_task_run_in_thread (task, hash_thread);
}

static ServalUserInfo *
user_info_from_store (const ServalUser *u)
{
  ServalUserInfo *info = g_new0 (ServalUserInfo, 1);

  info->name = g_strdup (u->name);
  info->admin = u->admin;
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
  for (guint i = 0; i < users->len && i < 4096; i++)   /* a list answer's limit */
    g_ptr_array_add (infos, user_info_from_store (users->pdata[i]));
  serval_session_reply (s, serval_response_build_users (id, infos));
}

/* The requests below answer "ok", or the store's error that they set. */

static void
admin_vlan_add (Session *s, const char *name, GError **error)
{
  guint32 tag = 0;

  if (serval_store_vlan_add (s->server->store, name, &tag, error))
    g_message ("%s added VLAN “%s”", s->user, name);
}

static void
admin_vlan_del (Session *s, const char *name, GError **error)
{
  ServalServer *server = s->server;
  g_autofree char *reason = NULL;
  g_autoptr(GPtrArray) members = NULL;
  guint32 tag = 0;

  if (!serval_store_vlan_lookup (server->store, name, &tag, error))
    return;
  members = serval_server_vlan_sessions (server, tag);
  reason = g_strdup_printf ("VLAN “%s” was deleted by %s", name, s->user);
  for (guint i = 0; i < members->len; i++)
    serval_session_leave (members->pdata[i], tag, reason, SERVAL_ERROR_CODE_NO_SUCH_VLAN);
  if (serval_store_vlan_del (server->store, name, error))
    g_message ("%s", reason);
}

static void
admin_user_del (Session *s, const char *name, GError **error)
{
  g_autofree char *reason = NULL;
  g_autoptr(GPtrArray) list = NULL;

  if (!serval_store_user_del (s->server->store, name, error))
    return;
  list = sessions_of (s->server, name);
  reason = g_strdup_printf ("The account “%s” was deleted by %s", name, s->user);
  g_message ("%s", reason);
  for (guint i = 0; i < list->len; i++)
    if (list->pdata[i] != s)
      serval_session_close (list->pdata[i], SERVAL_ERROR_CODE_NO_SUCH_USER, reason);
}

static void
admin_grant (Session *s, const char *user, const char *vlan, GError **error)
{
  if (serval_store_grant (s->server->store, user, vlan, error))
    g_message ("%s granted “%s” the right to join “%s”", s->user, user, vlan);
}

static void
admin_revoke (Session *s, const char *user, const char *vlan, GError **error)
{
  ServalServer *server = s->server;
  g_autofree char *reason = NULL;
  guint32 tag = 0;

  if (!serval_store_revoke (server->store, user, vlan, error) ||
      !serval_store_vlan_lookup (server->store, vlan, &tag, error))
    return;
  reason = g_strdup_printf ("%s revoked the right of “%s” to join VLAN “%s”", s->user, user, vlan);
  g_message ("%s", reason);
  remove_user_from_vlan (server, user, tag, reason, SERVAL_ERROR_CODE_NOT_ALLOWED);
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

void
serval_session_handle_admin (Session *s, const ServalRequest *req)
{
  g_autoptr(GError) error = NULL;

  if (!s->admin)
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_NOT_ALLOWED,
                                  "User “%s” is not an administrator of this server", s->user);
      return;
    }

  switch (req->kind)
    {
    case SERVAL_REQUEST_USER_ADD: admin_user_add (s, req); return;
    case SERVAL_REQUEST_LIST_USERS: admin_list_users (s, req->id); return;
    case SERVAL_REQUEST_VLAN_ADD: admin_vlan_add (s, req->vlan, &error); break;
    case SERVAL_REQUEST_VLAN_DEL: admin_vlan_del (s, req->vlan, &error); break;
    case SERVAL_REQUEST_USER_DEL: admin_user_del (s, req->user, &error); break;
    case SERVAL_REQUEST_GRANT: admin_grant (s, req->user, req->vlan, &error); break;
    case SERVAL_REQUEST_REVOKE: admin_revoke (s, req->user, req->vlan, &error); break;
    case SERVAL_REQUEST_KICK: admin_kick (s, req->user, req->vlan, &error); break;
    default: g_assert_not_reached ();
    }

  if (error != NULL)
    serval_session_reply_store_error (s, req->id, error);
  else
    serval_session_reply_ok (s, req->id);
}
