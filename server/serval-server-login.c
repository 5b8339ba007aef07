/* serval-server-login.c: the hello, and the login with a password (hashed
 * in a worker thread) or a resume token; the limits on failed logins are
 * serval-server-limits.c's.
 */
#include "config.h"

#include "serval-server-private.h"

#include <string.h>

void
serval_session_handle_hello (Session *s, const ServalHello *hello)
{
  if (hello->version != SERVAL_PROTOCOL_VERSION)
    {
      g_autofree char *text = g_strdup_printf ("This server speaks protocol version %d, the client %d",
                                               SERVAL_PROTOCOL_VERSION, hello->version);
      serval_session_close (s, SERVAL_ERROR_CODE_VERSION_MISMATCH, text);
      return;
    }
  s->offload = hello->offload;
  s->vlan_config = hello->vlan_config;
  if (s->node_cert && hello->node != NULL)
    {
      /* Another node of the cluster: a link for frames, not a client. */
      if (!serval_server_peer_attach (s, hello->node))
        {
          g_autofree char *text = g_strdup_printf ("This node cannot take a link from node “%s” now", hello->node);
          serval_session_close (s, SERVAL_ERROR_CODE_NOT_ALLOWED, text);
          return;
        }
      if (s->dialled)
        return; /* ours went first */
    }
  /* offload TRUE: we take them from every client */
  serval_session_reply (s, serval_hello_build (s->server->config.node, TRUE));
}

/* --- login ----------------------------------------------------------------- */

typedef struct
{
  ServalCredentials cred;
  gboolean known;
  ServalUserRecord record; /* admin flag, bridge right, rate limit */
  GBytes *password;
  Session *session;
  guint32 id;
  char *user;
  char *host;
  char *addr;
  ServalLoginLimits *limits; /* counts this check until it ends, whatever became of the session */
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  serval_credentials_clear (&job->cred);
  g_bytes_unref (job->password);
  serval_session_unref (job->session);
  g_free (job->user);
  g_free (job->host);
  g_free (job->addr);
  serval_login_limits_unref (job->limits);
  g_free (job);
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LoginJob *job = data;
  gsize len;
  const guint8 *pw = g_bytes_get_data (job->password, &len);
  gboolean ok = serval_credentials_verify (&job->cred, pw, len);

  g_task_return_boolean (task, ok && job->known);
}

/* The login of @user (password or token) succeeded: @cred is the user's
 * password record and @chain the time of the password login that began
 * this chain of tokens (now, for a password login), for the next token. */
static void
login_succeeded (Session *s, guint32 id, const char *user, const char *host, const ServalUserRecord *record,
                 const ServalCredentials *cred, gboolean with_token, gint64 chain)
{
  ServalServer *server = s->server;
  g_autoptr(GBytes) token = NULL;
  g_auto(GStrv) servers = serval_server_cluster_servers (server, serval_server_cluster_spread (s));

  s->logged_in = TRUE;
  s->user = g_strdup (user);
  s->host = g_strdup (host);
  s->admin = record->admin;
  s->bridge = record->bridge;
  s->rate_limit = record->rate_limit;
  serval_session_add_port (s);
  server->stats.logins_ok++;
  if (with_token)
    server->stats.token_logins++;
  server->stats.sessions++;
  g_message ("%s@%s logged in from %s%s%s", s->user, s->host, s->peer, s->admin ? " (admin)" : "",
             with_token ? " with a resume token" : "");

  if (server->config.token_lifetime > 0)
    {
      guint8 buf[SERVAL_TOKEN_MAX_LEN];
      gsize len = serval_token_issue (server->token_key, user, cred, g_get_real_time () / G_USEC_PER_SEC,
                                      server->config.token_lifetime, chain, buf);

      if (len > 0)
        token = g_bytes_new (buf, len);
    }
  serval_session_reply (s, serval_response_build_logged_in (id, s->admin, serval_session_keepalive_retune (s),
                                                            (const char *const *) servers,
                                                            token));
}

/* The password was right: is the account as it was when the check began?
 * It may have been deleted, its password or admin flag changed meanwhile
 * (through this node or another); job->record follows the store. */
static gboolean
account_unchanged (ServalServer *server, LoginJob *job)
{
  ServalCredentials now;
  ServalUserRecord record;
  gboolean same;

  if (!serval_store_user_read (server->store, job->user, &now, &record, NULL))
    return FALSE;
  same = now.iterations == job->cred.iterations && memcmp (now.salt, job->cred.salt, sizeof now.salt) == 0 &&
         memcmp (now.hash, job->cred.hash, sizeof now.hash) == 0;
  serval_credentials_clear (&now);
  job->record = record;
  return same;
}

static void
login_verified_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoginJob *job = g_task_get_task_data (G_TASK (result));
  Session *s = job->session;
  ServalServer *server = s->server;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), NULL);

  serval_login_limits_end (job->limits, job->addr, job->user, ok);
  s->login_pending = FALSE;
  if (s->closed)
    return;
  if (!ok)
    {
      server->stats.logins_failed++;
      g_message ("Failed login for “%s” from %s", job->user, s->peer);
      serval_session_reply_error (s, job->id, SERVAL_ERROR_CODE_AUTH_FAILED, "Wrong user name or password");
      return;
    }
  if (!account_unchanged (server, job))
    {
      server->stats.logins_failed++;
      g_message ("Refused the login of “%s” from %s: the account was deleted or changed while its "
                 "password was checked",
                 job->user, s->peer);
      serval_session_reply_error (s, job->id, SERVAL_ERROR_CODE_AUTH_FAILED,
                                  "The account “%s” was deleted or changed while logging in: "
                                  "log in again, or ask an administrator",
                                  job->user);
      return;
    }
  login_succeeded (s, job->id, job->user, job->host, &job->record, &job->cred, FALSE,
                   g_get_real_time () / G_USEC_PER_SEC);
}

/* A login with a resume token: one SQLite read and two HMACs, on this
 * thread. A refused token is not a failed login for the rate limit (a
 * forged one has no chance to pass; expired ones come from honest
 * clients, maybe many behind one address): the client retries with its
 * password, which is counted. */
static void
handle_token_login (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  const char *user = req->user, *host = req->host;
  gsize token_len;
  const guint8 *token = g_bytes_get_data (req->token, &token_len);
  ServalCredentials cred;
  ServalUserRecord record;
  gboolean known;
  ServalTokenStatus st;
  gint64 chain = 0;

  known = serval_store_user_read (server->store, user, &cred, &record, NULL);
  if (server->config.token_lifetime == 0)
    st = SERVAL_TOKEN_EXPIRED;
  else
    st = serval_token_verify (server->token_key, token, token_len, user,
                              known ? &cred : NULL, g_get_real_time () / G_USEC_PER_SEC,
                              server->config.token_max_age, &chain);
  if (st != SERVAL_TOKEN_OK)
    {
      server->stats.tokens_refused++;
      g_message ("Refused the resume token of “%s” from %s: it is %s", user, s->peer,
                 server->config.token_lifetime == 0 ? "not accepted by this server (--token-lifetime 0)" : serval_token_status_text (st));
      serval_session_reply_error (
          s, req->id, SERVAL_ERROR_CODE_TOKEN_REFUSED,
          "The resume token was refused (%s): log in with the password",
          server->config.token_lifetime == 0 ? "this server issues none" : st == SERVAL_TOKEN_EXPIRED ? "expired" :
                                                                       st == SERVAL_TOKEN_TOO_OLD     ? "past the server's maximum age since the last password login" :
                                                                                                        "not valid");
    }
  else
    login_succeeded (s, req->id, user, host, &record, &cred, TRUE, chain);
  serval_credentials_clear (&cred);
}

void
serval_session_handle_login (Session *s, const ServalRequest *req)
{
  ServalServer *server = s->server;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refusal = NULL;
  LoginJob *job;

  if (s->logged_in || s->login_pending)
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_BAD_REQUEST, "Already logged in");
      return;
    }
  if (!serval_session_check_strings (s, req) || !serval_login_limits_check (s, req))
    return;
  if (!serval_store_check_available (server->store, &error))
    {
      /* What the store says may be out of date, and nothing can change. */
      g_message ("Refused the login of “%s” from %s: %s", req->user, s->peer, error->message);
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_INTERNAL, "%s", error->message);
      return;
    }
  if ((refusal = serval_server_cluster_refusal (server)) != NULL)
    {
      g_message ("Refused the login of “%s” from %s: %s", req->user, s->peer, refusal);
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_INTERNAL, "%s", refusal);
      return;
    }
  if (req->token != NULL)
    {
      handle_token_login (s, req);
      return;
    }

  job = g_new0 (LoginJob, 1);
  job->session = serval_session_ref (s);
  job->id = req->id;
  job->user = g_strdup (req->user);
  job->host = g_strdup (req->host);
  job->password = g_bytes_ref (req->password);
  job->known = serval_store_user_read (server->store, job->user, &job->cred, &job->record, NULL);
  if (!job->known)
    {
      /* Spend the same time for an unknown user as for a wrong password. */
      if (!server->have_dummy_cred)
        {
          /* Hashed once, not at every such login: making it costs as much
           * as checking it, on this (the main) thread. */
          static const guint8 dummy[] = "serval";

          server->have_dummy_cred = serval_credentials_make (&server->dummy_cred, dummy, 6,
                                                             server->config.pbkdf2_iterations, NULL);
        }
      job->cred = server->dummy_cred;
    }
  s->login_pending = TRUE;
  job->addr = g_strdup (s->addr);
  job->limits = serval_login_limits_ref (server->login_limits);
  serval_login_limits_begin (job->limits, job->addr, job->user);
  task = g_task_new (NULL, NULL, login_verified_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) login_job_free);
  g_task_run_in_thread (task, verify_thread);
}
