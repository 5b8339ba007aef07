/* serval-server-login.c: the hello, and the login with a password (hashed
 * in a worker thread) or a resume token; failed logins limited per address.
 */
#include "config.h"

#include "serval-server-private.h"

#define LOGIN_WINDOW_US (60 * G_USEC_PER_SEC)

typedef struct
{
  guint failures;
  gint64 window_start;
} LoginRecord;

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
  gboolean admin;
  GBytes *password;
  Session *session;
  guint32 id;
  char *user;
  char *host;
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  serval_credentials_clear (&job->cred);
  g_bytes_unref (job->password);
  serval_session_unref (job->session);
  g_free (job->user);
  g_free (job->host);
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

static gboolean
login_rate_limited (ServalServer *server, const char *addr)
{
  LoginRecord *rec = g_hash_table_lookup (server->logins, addr);
  gint64 now = g_get_monotonic_time ();

  if (rec == NULL)
    return FALSE;
  if (now - rec->window_start > LOGIN_WINDOW_US)
    {
      g_hash_table_remove (server->logins, addr);
      return FALSE;
    }
  return rec->failures >= server->config.max_failed_logins;
}

static void
login_failed (ServalServer *server, const char *addr)
{
  LoginRecord *rec = g_hash_table_lookup (server->logins, addr);

  server->stats.logins_failed++;
  if (rec == NULL)
    {
      /* Bound the table: forget the oldest records when it grows large. */
      if (g_hash_table_size (server->logins) > 65536)
        g_hash_table_remove_all (server->logins);
      rec = g_new0 (LoginRecord, 1);
      rec->window_start = g_get_monotonic_time ();
      g_hash_table_insert (server->logins, g_strdup (addr), rec);
    }
  rec->failures++;
}

/* The login of @user (password or token) succeeded: @cred is the user's
 * password record and @chain the time of the password login that began
 * this chain of tokens (now, for a password login), for the next token. */
static void
login_succeeded (Session *s, guint32 id, const char *user, const char *host, gboolean admin,
                 const ServalCredentials *cred, gboolean with_token, gint64 chain)
{
  ServalServer *server = s->server;
  g_autoptr(GBytes) token = NULL;
  g_auto(GStrv) servers = serval_server_cluster_servers (server, serval_server_cluster_spread (s));

  s->logged_in = TRUE;
  s->user = g_strdup (user);
  s->host = g_strdup (host);
  s->admin = admin;
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
  serval_session_reply (s, serval_response_build_logged_in (id, s->admin, server->config.keepalive,
                                                            (const char *const *) servers,
                                                            token));
}

static void
login_verified_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoginJob *job = g_task_get_task_data (G_TASK (result));
  Session *s = job->session;
  ServalServer *server = s->server;

  s->login_pending = FALSE;
  if (s->closed)
    return;
  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    {
      login_failed (server, s->addr);
      g_message ("Failed login for “%s” from %s", job->user, s->peer);
      serval_session_reply_error (s, job->id, SERVAL_ERROR_CODE_AUTH_FAILED, "Wrong user name or password");
      return;
    }
  login_succeeded (s, job->id, job->user, job->host, job->admin, &job->cred, FALSE,
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
  gboolean admin = FALSE, known;
  ServalTokenStatus st;
  gint64 chain = 0;

  known = serval_store_user_get (server->store, user, &cred, &admin, NULL);
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
    login_succeeded (s, req->id, user, host, admin, &cred, TRUE, chain);
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
  if (login_rate_limited (server, s->addr))
    {
      server->stats.logins_failed++;
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_RATE_LIMITED,
                                  "Too many failed logins from %s: wait a minute and try again", s->addr);
      return;
    }
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
  job->known = serval_store_user_get (server->store, job->user, &job->cred, &job->admin, NULL);
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
  task = g_task_new (NULL, NULL, login_verified_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) login_job_free);
  g_task_run_in_thread (task, verify_thread);
}
