#include "config.h"

#include "serval-server.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "serval-accept.h"
#include "serval-cert.h"
#include "serval-codec.h"
#include "serval-gso.h"
#include "serval-link.h"
#include "serval-member.h"
#include "serval-tls.h"
#include "serval-token.h"

#define HANDSHAKE_TIMEOUT_S 10
#define LOGIN_WINDOW_US (60 * G_USEC_PER_SEC)
#define AGING_INTERVAL_S 10
#define LISTEN_BACKLOG 4096

typedef struct _Session Session;

typedef struct {
  guint32 tag;
  char *name;
  guint8 mac[6];
  GStrv addresses;
  gint64 since;
} Membership;

struct _Session
{
  ServalServer *server;
  ServalLink *link;
  char *peer;              /* remote address, for logs */
  char *addr;              /* remote IP, for rate limiting */
  char *user;
  char *host;
  gboolean admin;
  gboolean logged_in;
  gboolean login_pending;
  gboolean closed;
  gboolean offload;        /* its Hello said it takes frames with offload metadata */
  ServalSwitchPort *port;
  GHashTable *vlans;       /* tag -> Membership */
  int refs;
};

typedef struct {
  guint failures;
  gint64 window_start;
} LoginRecord;

struct _ServalServer
{
  ServalServerConfig config;
  ServalStore *store;
  ServalSwitch *sw;
  ServalTlsServer *tls;     /* credentials and ticket key shared by every session */
  char *fingerprint;
  GSocketService *service;
  ServalAcceptGate *accept_gate;   /* stops accepting near the open-file limit */
  GHashTable *sessions;    /* Session* set, every accepted link */
  GHashTable *handshaking; /* address string -> TLS handshakes under way from it */
  gint64 last_refusal_log; /* when the last "too many handshakes" warning went out */
  GHashTable *members;     /* tag -> GHashTable set of Session* */
  GHashTable *logins;      /* address -> LoginRecord */
  GSource *aging_source;
  ServalServerStats stats;
  GSourceFunc shutdown_done;
  gpointer shutdown_data;
  GSource *shutdown_timer;
  gboolean shutting_down;
  /* The offload metadata of the frame in serval_switch_input(), for
   * switch_output_cb; scratch for segmenting it. */
  const ServalOffload *rx_offload;
  guint8 *gso_scratch;
  guint8 token_key[SERVAL_TOKEN_KEY_LEN];
  ServalCredentials dummy_cred;   /* checked for unknown users, so that they take as long */
  gboolean have_dummy_cred;
};

/* --- config ---------------------------------------------------------------- */

void
serval_server_config_init (ServalServerConfig *config)
{
  memset (config, 0, sizeof *config);
  config->keepalive = 5;
  config->pbkdf2_iterations = SERVAL_PBKDF2_DEFAULT_ITERATIONS;
  config->max_failed_logins = 5;
  /* Far above what one office behind NAT needs in a reconnect storm (a
   * handshake takes about a millisecond), far below the open-file limit. */
  config->max_handshakes_per_address = 256;
  config->token_lifetime = SERVAL_TOKEN_DEFAULT_LIFETIME;
  config->token_max_age = SERVAL_TOKEN_DEFAULT_MAX_AGE;
  serval_switch_limits_init (&config->limits);
}

void
serval_server_config_clear (ServalServerConfig *config)
{
  g_clear_pointer (&config->data_dir, g_free);
  g_clear_pointer (&config->listen, g_free);
  g_clear_pointer (&config->node, g_free);
  g_clear_pointer (&config->advertise, g_strfreev);
}

/* --- sessions -------------------------------------------------------------- */

static void
membership_free (Membership *m)
{
  g_free (m->name);
  g_strfreev (m->addresses);
  g_free (m);
}

static Session *
session_ref (Session *s)
{
  s->refs++;
  return s;
}

static void
session_unref (Session *s)
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
fill_member (Session *s, Membership *m, Member_t *out)
{
  serval_asn_set_string (&out->user, s->user);
  serval_asn_set_string (&out->host, s->host);
  serval_asn_set_bytes (&out->mac, m->mac, 6);
  for (guint i = 0; m->addresses != NULL && m->addresses[i] != NULL && i < 16; i++)
    {
      Address_t *a = calloc (1, sizeof *a);

      serval_asn_set_string (a, m->addresses[i]);
      ASN_SEQUENCE_ADD (&out->addresses.list, a);
    }
  serval_asn_set_string (&out->node, s->server->config.node);
  out->since = m->since;
}

static GHashTable *
vlan_sessions (ServalServer *server, guint32 tag)
{
  return g_hash_table_lookup (server->members, GUINT_TO_POINTER (tag));
}

/* Tells the other members of @m's VLAN that @s joined, left or changed. */
static void
broadcast_member_event (Session *s, Membership *m, Event_PR kind)
{
  GHashTable *set = vlan_sessions (s->server, m->tag);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(Message_t) msg = serval_message_new_event (kind);
  MemberEvent_t *ev = kind == Event_PR_memberJoined ? &msg->choice.event.choice.memberJoined
                      : kind == Event_PR_memberLeft ? &msg->choice.event.choice.memberLeft
                      : &msg->choice.event.choice.memberUpdated;
  GHashTableIter iter;
  gpointer key;

  if (set == NULL)
    return;
  serval_asn_set_string (&ev->vlan, m->name);
  fill_member (s, m, &ev->member);
  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *other = key;

      if (other != s && !other->closed)
        serval_link_send (other->link, msg, NULL);
    }
}

static void
session_leave (Session *s, guint32 tag, const char *removed_reason, long removed_code)
{
  ServalServer *server = s->server;
  Membership *m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  GHashTable *set;

  if (m == NULL)
    return;
  serval_switch_port_leave (server->sw, s->port, tag);
  set = vlan_sessions (server, tag);
  if (set != NULL)
    {
      g_hash_table_remove (set, s);
      if (g_hash_table_size (set) == 0)
        g_hash_table_remove (server->members, GUINT_TO_POINTER (tag));
    }
  broadcast_member_event (s, m, Event_PR_memberLeft);
  g_message ("%s@%s left VLAN “%s”%s%s", s->user, s->host, m->name,
             removed_reason ? ": " : "", removed_reason ? removed_reason : "");
  if (removed_reason != NULL && !s->closed)
    {
      Message_t *msg = serval_message_new_event (Event_PR_removed);

      serval_asn_set_string (&msg->choice.event.choice.removed.vlan, m->name);
      serval_error_set (&msg->choice.event.choice.removed.reason, removed_code, removed_reason);
      serval_link_send_take (s->link, msg);
    }
  g_hash_table_remove (s->vlans, GUINT_TO_POINTER (tag));
}

static void
session_leave_all (Session *s)
{
  g_autoptr(GList) tags = g_hash_table_get_keys (s->vlans);

  for (GList *l = tags; l != NULL; l = l->next)
    session_leave (s, GPOINTER_TO_UINT (l->data), NULL, 0);
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
  session_leave_all (s);
  if (s->port != NULL)
    serval_switch_remove_port (server->sw, s->port);
  s->port = NULL;
  server->stats.link_frames_dropped += serval_link_get_frames_dropped (link);
  if (s->logged_in)
    server->stats.sessions--;
  server->stats.clients--;
  serval_link_set_handlers (link, NULL, NULL, NULL);
  g_hash_table_remove (server->sessions, s);   /* drops the table's reference */

  if (server->shutting_down && g_hash_table_size (server->sessions) == 0 && server->shutdown_done)
    {
      GSourceFunc done = server->shutdown_done;

      server->shutdown_done = NULL;
      if (server->shutdown_timer != NULL)
        g_source_destroy (server->shutdown_timer);
      g_clear_pointer (&server->shutdown_timer, g_source_unref);
      done (server->shutdown_data);
    }
}

static void
close_session (Session *s, long code, const char *text)
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

static void
reply (Session *s, Message_t *msg)
{
  if (!s->closed)
    serval_link_send_take (s->link, msg);
  else
    serval_message_free (msg);
}

static void reply_error (Session *s, guint32 id, long code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
reply_error (Session *s, guint32 id, long code, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  reply (s, serval_message_new_error (id, code, text));
}

static void
reply_ok (Session *s, guint32 id)
{
  reply (s, serval_message_new_response (id, ResponseBody_PR_ok));
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

static void
reply_store_error (Session *s, guint32 id, const GError *error)
{
  if (store_error_code (error) == ErrorCode_internal)
    g_warning ("Store failure for %s: %s", session_name (s), error->message);
  reply (s, serval_message_new_error (id, store_error_code (error), error->message));
}

static void switch_output_cb (ServalSwitchPort *port, guint32 vlan, const guint8 *frame, gsize len,
                              gpointer user_data);

/* --- login ----------------------------------------------------------------- */

typedef struct {
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
  session_unref (job->session);
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
  Message_t *msg;
  LoggedIn_t *li;

  s->logged_in = TRUE;
  s->user = g_strdup (user);
  s->host = g_strdup (host);
  s->admin = admin;
  s->port = serval_switch_add_port (server->sw, switch_output_cb, s);
  server->stats.logins_ok++;
  if (with_token)
    server->stats.token_logins++;
  server->stats.sessions++;
  g_message ("%s@%s logged in from %s%s%s", s->user, s->host, s->peer, s->admin ? " (admin)" : "",
             with_token ? " with a resume token" : "");

  msg = serval_message_new_response (id, ResponseBody_PR_loggedIn);
  li = &msg->choice.response.body.choice.loggedIn;
  li->admin = s->admin;
  li->keepalive = server->config.keepalive;
  for (guint i = 0; server->config.advertise != NULL && server->config.advertise[i] != NULL && i < 32; i++)
    {
      Endpoint_t *e = calloc (1, sizeof *e);

      serval_asn_set_string (e, server->config.advertise[i]);
      ASN_SEQUENCE_ADD (&li->servers.list, e);
    }
  if (server->config.token_lifetime > 0)
    {
      guint8 token[SERVAL_TOKEN_MAX_LEN];
      gsize len = serval_token_issue (server->token_key, user, cred, g_get_real_time () / G_USEC_PER_SEC,
                                      server->config.token_lifetime, chain, token);

      if (len > 0)
        {
          li->token = calloc (1, sizeof *li->token);
          serval_asn_set_bytes (li->token, token, len);
        }
    }
  reply (s, msg);
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
      reply_error (s, job->id, ErrorCode_authFailed, "Wrong user name or password");
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
handle_token_login (Session *s, guint32 id, const Login_t *login)
{
  ServalServer *server = s->server;
  g_autofree char *user = serval_asn_dup_string (&login->user);
  g_autofree char *host = serval_asn_dup_string (&login->host);
  ServalCredentials cred;
  gboolean admin = FALSE, known;
  ServalTokenStatus st;
  gint64 chain = 0;

  known = serval_store_user_get (server->store, user, &cred, &admin, NULL);
  if (server->config.token_lifetime == 0)
    st = SERVAL_TOKEN_EXPIRED;
  else
    st = serval_token_verify (server->token_key, login->token->buf, login->token->size, user,
                              known ? &cred : NULL, g_get_real_time () / G_USEC_PER_SEC,
                              server->config.token_max_age, &chain);
  if (st != SERVAL_TOKEN_OK)
    {
      server->stats.tokens_refused++;
      g_message ("Refused the resume token of “%s” from %s: it is %s", user, s->peer,
                 server->config.token_lifetime == 0 ? "not accepted by this server (--token-lifetime 0)"
                 : serval_token_status_text (st));
      reply_error (s, id, ErrorCode_tokenRefused,
                   "The resume token was refused (%s): log in with the password",
                   server->config.token_lifetime == 0 ? "this server issues none"
                   : st == SERVAL_TOKEN_EXPIRED ? "expired"
                   : st == SERVAL_TOKEN_TOO_OLD ? "past the server's maximum age since the last password login"
                   : "not valid");
    }
  else
    login_succeeded (s, id, user, host, admin, &cred, TRUE, chain);
  serval_credentials_clear (&cred);
}

static void
handle_login (Session *s, guint32 id, const Login_t *login)
{
  ServalServer *server = s->server;
  g_autoptr(GTask) task = NULL;
  LoginJob *job;

  if (s->logged_in || s->login_pending)
    {
      reply_error (s, id, ErrorCode_badRequest, "Already logged in");
      return;
    }
  if (login_rate_limited (server, s->addr))
    {
      server->stats.logins_failed++;
      reply_error (s, id, ErrorCode_rateLimited,
                   "Too many failed logins from %s: wait a minute and try again", s->addr);
      return;
    }
  if (login->token != NULL)
    {
      handle_token_login (s, id, login);
      return;
    }

  job = g_new0 (LoginJob, 1);
  job->session = session_ref (s);
  job->id = id;
  job->user = serval_asn_dup_string (&login->user);
  job->host = serval_asn_dup_string (&login->host);
  job->password = g_bytes_new (login->password.buf, login->password.size);
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

/* --- VLAN requests --------------------------------------------------------- */

static void
handle_join (Session *s, guint32 id, const Join_t *join)
{
  ServalServer *server = s->server;
  g_autofree char *name = serval_asn_dup_string (&join->vlan);
  g_autoptr(Message_t) msg = NULL;
  Membership *m;
  GHashTable *set;
  GHashTableIter iter;
  gpointer key, value;
  guint32 tag;
  Joined_t *joined;

  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      reply_error (s, id, ErrorCode_noSuchVlan, "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!serval_store_has_right (server->store, s->user, name))
    {
      reply_error (s, id, ErrorCode_notAllowed,
                   "User “%s” may not join VLAN “%s”: ask an administrator to grant the right",
                   s->user, name);
      return;
    }

  m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  if (m == NULL)
    {
      m = g_new0 (Membership, 1);
      m->tag = tag;
      m->name = g_strdup (name);
      m->since = g_get_real_time () / G_USEC_PER_SEC;
      memcpy (m->mac, join->mac.buf, 6);
      g_hash_table_insert (s->vlans, GUINT_TO_POINTER (tag), m);
      serval_switch_port_join (server->sw, s->port, tag);
      set = vlan_sessions (server, tag);
      if (set == NULL)
        {
          set = g_hash_table_new (NULL, NULL);
          g_hash_table_insert (server->members, GUINT_TO_POINTER (tag), set);
        }
      g_hash_table_add (set, s);
      broadcast_member_event (s, m, Event_PR_memberJoined);
      g_message ("%s@%s joined VLAN “%s”", s->user, s->host, name);
    }

  msg = serval_message_new_response (id, ResponseBody_PR_joined);
  joined = &msg->choice.response.body.choice.joined;
  serval_asn_set_string (&joined->vlan, name);
  joined->tag = tag;
  g_hash_table_iter_init (&iter, vlan_sessions (server, tag));
  while (g_hash_table_iter_next (&iter, &key, &value) && joined->members.list.count < 4096)
    {
      Session *other = key;
      Member_t *mem = calloc (1, sizeof *mem);

      fill_member (other, g_hash_table_lookup (other->vlans, GUINT_TO_POINTER (tag)), mem);
      ASN_SEQUENCE_ADD (&joined->members.list, mem);
    }
  reply (s, g_steal_pointer (&msg));
}

static void
handle_leave (Session *s, guint32 id, const Name_t *vlan)
{
  g_autofree char *name = serval_asn_dup_string (vlan);
  guint32 tag;

  if (!serval_store_vlan_lookup (s->server->store, name, &tag, NULL) ||
      !g_hash_table_contains (s->vlans, GUINT_TO_POINTER (tag)))
    {
      reply_error (s, id, ErrorCode_notJoined, "You are not in VLAN “%s”", name);
      return;
    }
  session_leave (s, tag, NULL, 0);
  reply_ok (s, id);
}

static void
handle_update (Session *s, guint32 id, const MemberUpdate_t *u)
{
  g_autofree char *name = serval_asn_dup_string (&u->vlan);
  GStrvBuilder *b;
  Membership *m = NULL;
  guint32 tag;

  if (serval_store_vlan_lookup (s->server->store, name, &tag, NULL))
    m = g_hash_table_lookup (s->vlans, GUINT_TO_POINTER (tag));
  if (m == NULL)
    {
      reply_error (s, id, ErrorCode_notJoined, "You are not in VLAN “%s”", name);
      return;
    }
  b = g_strv_builder_new ();
  for (int i = 0; i < u->addresses.list.count; i++)
    {
      g_autofree char *a = serval_asn_dup_string (u->addresses.list.array[i]);

      g_strv_builder_add (b, a);
    }
  g_strfreev (m->addresses);
  m->addresses = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  broadcast_member_event (s, m, Event_PR_memberUpdated);
  reply_ok (s, id);
}

static void
handle_list_vlans (Session *s, guint32 id)
{
  ServalServer *server = s->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = serval_store_vlan_list (server->store, &error);
  Message_t *msg;

  if (vlans == NULL)
    {
      reply_store_error (s, id, error);
      return;
    }
  msg = serval_message_new_response (id, ResponseBody_PR_vlans);
  for (guint i = 0; i < vlans->len && i < 4096; i++)
    {
      ServalVlan *v = vlans->pdata[i];
      GHashTable *set = vlan_sessions (server, v->id);
      VlanInfo_t *info = calloc (1, sizeof *info);

      serval_asn_set_string (&info->name, v->name);
      info->tag = v->id;
      info->allowed = serval_store_has_right (server->store, s->user, v->name);
      info->members = set != NULL ? g_hash_table_size (set) : 0;
      ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.vlans.list, info);
    }
  reply (s, msg);
}

static void
handle_list_members (Session *s, guint32 id, const Name_t *vlan)
{
  ServalServer *server = s->server;
  g_autofree char *name = serval_asn_dup_string (vlan);
  GHashTable *set;
  Message_t *msg;
  guint32 tag;

  if (!serval_store_vlan_lookup (server->store, name, &tag, NULL))
    {
      reply_error (s, id, ErrorCode_noSuchVlan, "There is no VLAN “%s” on this server", name);
      return;
    }
  if (!s->admin && !serval_store_has_right (server->store, s->user, name))
    {
      reply_error (s, id, ErrorCode_notAllowed, "User “%s” may not see the members of VLAN “%s”",
                   s->user, name);
      return;
    }
  msg = serval_message_new_response (id, ResponseBody_PR_members);
  set = vlan_sessions (server, tag);
  if (set != NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, set);
      while (g_hash_table_iter_next (&iter, &key, NULL) &&
             msg->choice.response.body.choice.members.list.count < 4096)
        {
          Session *other = key;
          Member_t *mem = calloc (1, sizeof *mem);

          fill_member (other, g_hash_table_lookup (other->vlans, GUINT_TO_POINTER (tag)), mem);
          ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.members.list, mem);
        }
    }
  reply (s, msg);
}

/* --- admin requests -------------------------------------------------------- */

/* The live sessions of @user. */
static GPtrArray *
sessions_of (ServalServer *server, const char *user)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, server->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *other = key;

      if (other->logged_in && !other->closed && g_strcmp0 (other->user, user) == 0)
        g_ptr_array_add (list, other);
    }
  return list;
}

static void
remove_user_from_vlan (ServalServer *server, const char *user, guint32 tag, const char *reason, long code)
{
  g_autoptr(GPtrArray) list = sessions_of (server, user);

  for (guint i = 0; i < list->len; i++)
    session_leave (list->pdata[i], tag, reason, code);
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
  session_unref (job->session);
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
      reply_store_error (s, job->id, error);
      return;
    }
  g_message ("%s added user “%s”%s", s->user, job->name, job->admin ? " (admin)" : "");
  reply_ok (s, job->id);
}

static void
handle_admin (Session *s, guint32 id, const RequestBody_t *body)
{
  ServalServer *server = s->server;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *reason = NULL;
  guint32 tag = 0;

  if (!s->admin)
    {
      reply_error (s, id, ErrorCode_notAllowed,
                   "User “%s” is not an administrator of this server", s->user);
      return;
    }

  switch (body->present)
    {
    case RequestBody_PR_vlanAdd:
      a = serval_asn_dup_string (&body->choice.vlanAdd);
      if (!serval_store_vlan_add (server->store, a, &tag, &error))
        break;
      g_message ("%s added VLAN “%s”", s->user, a);
      break;

    case RequestBody_PR_vlanDel:
      a = serval_asn_dup_string (&body->choice.vlanDel);
      if (serval_store_vlan_lookup (server->store, a, &tag, &error))
        {
          g_autoptr(GList) members = NULL;
          GHashTable *set = vlan_sessions (server, tag);

          reason = g_strdup_printf ("VLAN “%s” was deleted by %s", a, s->user);
          if (set != NULL)
            members = g_hash_table_get_keys (set);
          for (GList *l = members; l != NULL; l = l->next)
            session_leave (l->data, tag, reason, ErrorCode_noSuchVlan);
          if (serval_store_vlan_del (server->store, a, &error))
            g_message ("%s", reason);
        }
      break;

    case RequestBody_PR_userAdd:
      {
        UserAddJob *job = g_new0 (UserAddJob, 1);
        g_autoptr(GTask) task = g_task_new (NULL, NULL, user_hashed_cb, NULL);

        job->session = session_ref (s);
        job->id = id;
        job->name = serval_asn_dup_string (&body->choice.userAdd.name);
        job->admin = body->choice.userAdd.admin;
        job->password = g_bytes_new (body->choice.userAdd.password.buf, body->choice.userAdd.password.size);
        g_task_set_task_data (task, job, (GDestroyNotify) user_add_job_free);
        g_task_run_in_thread (task, hash_thread);
        return;
      }

    case RequestBody_PR_userDel:
      a = serval_asn_dup_string (&body->choice.userDel);
      if (serval_store_user_del (server->store, a, &error))
        {
          g_autoptr(GPtrArray) list = sessions_of (server, a);

          reason = g_strdup_printf ("The account “%s” was deleted by %s", a, s->user);
          g_message ("%s", reason);
          for (guint i = 0; i < list->len; i++)
            if (list->pdata[i] != s)
              close_session (list->pdata[i], ErrorCode_noSuchUser, reason);
        }
      break;

    case RequestBody_PR_grant:
      a = serval_asn_dup_string (&body->choice.grant.user);
      b = serval_asn_dup_string (&body->choice.grant.vlan);
      if (serval_store_grant (server->store, a, b, &error))
        g_message ("%s granted “%s” the right to join “%s”", s->user, a, b);
      break;

    case RequestBody_PR_revoke:
      a = serval_asn_dup_string (&body->choice.revoke.user);
      b = serval_asn_dup_string (&body->choice.revoke.vlan);
      if (serval_store_revoke (server->store, a, b, &error) &&
          serval_store_vlan_lookup (server->store, b, &tag, &error))
        {
          reason = g_strdup_printf ("%s revoked the right of “%s” to join VLAN “%s”", s->user, a, b);
          g_message ("%s", reason);
          remove_user_from_vlan (server, a, tag, reason, ErrorCode_notAllowed);
        }
      break;

    case RequestBody_PR_kick:
      a = serval_asn_dup_string (&body->choice.kick.user);
      b = serval_asn_dup_string (&body->choice.kick.vlan);
      if (serval_store_vlan_lookup (server->store, b, &tag, &error))
        {
          reason = g_strdup_printf ("%s removed “%s” from VLAN “%s”", s->user, a, b);
          g_message ("%s", reason);
          remove_user_from_vlan (server, a, tag, reason, ErrorCode_notAllowed);
        }
      break;

    case RequestBody_PR_listUsers:
      {
        g_autoptr(GPtrArray) users = serval_store_user_list (server->store, &error);
        Message_t *msg;

        if (users == NULL)
          break;
        msg = serval_message_new_response (id, ResponseBody_PR_users);
        for (guint i = 0; i < users->len && i < 4096; i++)
          {
            ServalUser *u = users->pdata[i];
            UserInfo_t *info = calloc (1, sizeof *info);

            serval_asn_set_string (&info->name, u->name);
            info->admin = u->admin;
            for (guint j = 0; j < u->vlans->len && j < 4096; j++)
              {
                Name_t *n = calloc (1, sizeof *n);

                serval_asn_set_string (n, u->vlans->pdata[j]);
                ASN_SEQUENCE_ADD (&info->vlans.list, n);
              }
            ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.users.list, info);
          }
        reply (s, msg);
        return;
      }

    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    reply_store_error (s, id, error);
  else
    reply_ok (s, id);
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
      reply_error (s, id, ErrorCode_notLoggedIn, "Log in first");
      return;
    }

  switch (body->present)
    {
    case RequestBody_PR_login: handle_login (s, id, &body->choice.login); break;
    case RequestBody_PR_join: handle_join (s, id, &body->choice.join); break;
    case RequestBody_PR_leave: handle_leave (s, id, &body->choice.leave); break;
    case RequestBody_PR_listVlans: handle_list_vlans (s, id); break;
    case RequestBody_PR_listMembers: handle_list_members (s, id, &body->choice.listMembers); break;
    case RequestBody_PR_update: handle_update (s, id, &body->choice.update); break;
    case RequestBody_PR_vlanAdd:
    case RequestBody_PR_vlanDel:
    case RequestBody_PR_userAdd:
    case RequestBody_PR_userDel:
    case RequestBody_PR_grant:
    case RequestBody_PR_revoke:
    case RequestBody_PR_kick:
    case RequestBody_PR_listUsers:
      handle_admin (s, id, body);
      break;
    case RequestBody_PR_NOTHING:
    default:
      reply_error (s, id, ErrorCode_badRequest, "This server does not know that request");
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
      if (msg->choice.hello.version != SERVAL_PROTOCOL_VERSION)
        {
          g_autofree char *text = g_strdup_printf ("This server speaks protocol version %d, the client %ld",
                                                   SERVAL_PROTOCOL_VERSION, msg->choice.hello.version);
          close_session (s, ErrorCode_versionMismatch, text);
          return;
        }
      s->offload = msg->choice.hello.offload != NULL && *msg->choice.hello.offload;
      {
        Message_t *hello = serval_message_new_hello (s->server->config.node);

        serval_message_set_hello_offload (hello, TRUE);   /* we take them from every client */
        reply (s, hello);
      }
      break;
    case Message_PR_request:
      handle_request (s, &msg->choice.request);
      break;
    default:
      protocol_violation (s, "a client may send only hello, requests, data and pings");
      break;
    }
}

static void
link_data_cb (ServalLink *link, guint32 tag, const guint8 *frame, gsize len, gpointer user_data)
{
  Session *s = user_data;

  ServalServer *server = s->server;
  const ServalOffload *off = serval_link_get_rx_offload (link);

  if (s->port == NULL)
    return;  /* not logged in: nothing to switch */
  if (off != NULL)
    {
      ServalGsoResult r = serval_offload_check (off, len);

      if (r != SERVAL_GSO_OK)
        {
          server->stats.offload_dropped[r]++;
          return;
        }
      server->stats.offload_frames_in++;
      if (!serval_offload_needs_work (off))
        off = NULL;
    }
  server->rx_offload = off;
  serval_switch_input (server->sw, s->port, tag, frame, len, g_get_monotonic_time ());
  server->rx_offload = NULL;
}

typedef struct {
  Session *session;
  guint32 vlan;
} SegmentTarget;

static void
send_segment_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  SegmentTarget *t = user_data;

  serval_link_send_data (t->session->link, t->vlan, frame, len);
}

static void
switch_output_cb (ServalSwitchPort *port, guint32 vlan, const guint8 *frame, gsize len, gpointer user_data)
{
  Session *s = serval_switch_port_get_user_data (port);
  ServalServer *server = s->server;
  const ServalOffload *off = server->rx_offload;

  if (s->closed)
    return;
  if (off == NULL)
    serval_link_send_data (s->link, vlan, frame, len);
  else if (s->offload)
    {
      serval_link_send_data_offload (s->link, vlan, frame, len, off);
      server->stats.offload_forwarded++;
    }
  else
    {
      /* A member without offloads: segment and complete checksums here. */
      SegmentTarget t = { s, vlan };
      ServalGsoResult r;
      guint n = 0;

      if (server->gso_scratch == NULL)
        server->gso_scratch = g_malloc (SERVAL_GSO_SCRATCH);
      r = serval_gso_segment (frame, len, off, server->gso_scratch, send_segment_cb, &t, &n);
      if (r != SERVAL_GSO_OK)
        server->stats.offload_dropped[r]++;
      else
        {
          server->stats.offload_segmented++;
          server->stats.offload_segments += n;
        }
    }
}

/* --- accepting ------------------------------------------------------------- */

typedef struct {
  ServalServer *server;
  ServalTlsSession *tls;
  gboolean counted;        /* in server->handshaking */
  GCancellable *cancellable;
  GSource *timeout;
  char *peer;
  char *addr;
} Handshake;

/* The handshake is no longer under way: out of its address's count. */
static void
handshake_uncount (Handshake *hs)
{
  guint n;

  if (!hs->counted)
    return;
  hs->counted = FALSE;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (hs->server->handshaking, hs->addr));
  if (n <= 1)
    g_hash_table_remove (hs->server->handshaking, hs->addr);
  else
    g_hash_table_insert (hs->server->handshaking, g_strdup (hs->addr), GUINT_TO_POINTER (n - 1));
}

static void
handshake_free (Handshake *hs)
{
  handshake_uncount (hs);
  if (hs->timeout != NULL)
    g_source_destroy (hs->timeout);
  g_clear_pointer (&hs->timeout, g_source_unref);
  g_clear_object (&hs->tls);
  g_clear_object (&hs->cancellable);
  g_free (hs->peer);
  g_free (hs->addr);
  g_free (hs);
}

static gboolean
handshake_timeout_cb (gpointer data)
{
  Handshake *hs = data;

  g_cancellable_cancel (hs->cancellable);
  return G_SOURCE_REMOVE;
}

static void
handshake_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Handshake *hs = user_data;
  ServalServer *server = hs->server;
  g_autoptr(GError) error = NULL;
  Session *s;

  handshake_uncount (hs);
  if (!serval_tls_session_handshake_finish (hs->tls, result, &error))
    {
      server->stats.tls_failed++;
      /* Only the handshake timeout cancels. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("%s did not finish its TLS handshake within %d s: closed (a client that stalled, "
                   "or not a Serval client)", hs->peer, HANDSHAKE_TIMEOUT_S);
      else
        g_message ("TLS handshake with %s failed: %s", hs->peer, error->message);
      handshake_free (hs);
      return;
    }

  s = g_new0 (Session, 1);
  s->refs = 1;
  s->server = server;
  s->peer = g_steal_pointer (&hs->peer);
  s->addr = g_steal_pointer (&hs->addr);
  s->vlans = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) membership_free);
  server->stats.tls_handshakes++;
  if (serval_tls_session_is_resumed (hs->tls))
    server->stats.tls_resumed++;
  s->link = serval_link_new_tls (hs->tls, s->peer);
  handshake_free (hs);
  g_hash_table_add (server->sessions, s);
  server->stats.clients++;
  serval_link_set_handlers (s->link, link_message_cb, link_data_cb, s);
  g_signal_connect (s->link, "closed", G_CALLBACK (link_closed_cb), s);
  serval_link_set_keepalive (s->link, server->config.keepalive, server->config.keepalive * 3);
  serval_link_start (s->link);
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer user_data)
{
  ServalServer *server = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);
  Handshake *hs;

  if (server->shutting_down)
    return TRUE;
  serval_accept_gate_track (server->accept_gate, conn);
  hs = g_new0 (Handshake, 1);
  hs->server = server;
  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (remote);

      hs->addr = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
      hs->peer = g_strdup_printf (strchr (hs->addr, ':') ? "[%s]:%u" : "%s:%u", hs->addr,
                                  g_inet_socket_address_get_port (isa));
    }
  else
    {
      hs->addr = g_strdup ("unknown");
      hs->peer = g_strdup ("unknown peer");
    }

  /* One address cannot hold every handshake slot (each waits up to
   * HANDSHAKE_TIMEOUT_S): past the cap its new connections are closed at
   * once, and it retries like any client that lost its connection. */
  {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (server->handshaking, hs->addr));
    gint64 now = g_get_monotonic_time ();

    if (n >= server->config.max_handshakes_per_address)
      {
        server->stats.tls_refused++;
        if (server->last_refusal_log == 0 || now - server->last_refusal_log > 60 * G_USEC_PER_SEC)
          {
            g_warning ("Closing new connections from %s: %u TLS handshakes from that address are "
                       "under way (at most %u, --max-handshakes-per-address); counted in /metrics as "
                       "serval_tls_handshakes_total{kind=\"refused\"}; this is said once a minute",
                       hs->addr, n, server->config.max_handshakes_per_address);
            server->last_refusal_log = now;
          }
        g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
        handshake_free (hs);
        return TRUE;
      }
    g_hash_table_insert (server->handshaking, g_strdup (hs->addr), GUINT_TO_POINTER (n + 1));
    hs->counted = TRUE;
  }

  /* GnuTLS on the socket, with the credentials every session shares. */
  hs->tls = serval_tls_session_new_server (server->tls, conn, &error);
  if (hs->tls == NULL)
    {
      g_warning ("Cannot start TLS for %s: %s", hs->peer, error->message);
      handshake_free (hs);
      return TRUE;
    }
  hs->cancellable = g_cancellable_new ();
  hs->timeout = g_timeout_source_new_seconds (HANDSHAKE_TIMEOUT_S);
  g_source_set_callback (hs->timeout, handshake_timeout_cb, hs, NULL);
  g_source_attach (hs->timeout, NULL);
  serval_tls_session_handshake_async (hs->tls, hs->cancellable, handshake_done_cb, hs);
  return TRUE;
}

static gboolean
aging_cb (gpointer data)
{
  ServalServer *server = data;

  serval_switch_age (server->sw, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

/* --- lifecycle ------------------------------------------------------------- */

ServalServer *
serval_server_new (const ServalServerConfig *config, GError **error)
{
  g_autoptr(ServalServer) server = g_new0 (ServalServer, 1);
  g_autofree char *db = NULL;
  gboolean created = FALSE;

  server->config = *config;
  server->config.data_dir = g_strdup (config->data_dir);
  server->config.listen = g_strdup (config->listen);
  server->config.node = g_strdup (config->node != NULL ? config->node : g_get_host_name ());
  server->config.advertise = g_strdupv (config->advertise);
  server->sessions = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) session_unref, NULL);
  server->handshaking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->members = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_hash_table_unref);
  server->logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "Cannot create the data directory %s: %s", config->data_dir, g_strerror (e));
      return NULL;
    }
  db = g_build_filename (config->data_dir, "serval.db", NULL);
  server->store = serval_store_open (db, error);
  if (server->store == NULL)
    return NULL;
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
    g_message ("Made a new self-signed certificate in %s", config->data_dir);

  server->sw = serval_switch_new (&config->limits);
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
  if (server->aging_source != NULL)
    g_source_destroy (server->aging_source);
  g_clear_pointer (&server->aging_source, g_source_unref);
  if (server->shutdown_timer != NULL)
    g_source_destroy (server->shutdown_timer);
  g_clear_pointer (&server->shutdown_timer, g_source_unref);
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
  g_clear_pointer (&server->sessions, g_hash_table_unref);
  g_clear_pointer (&server->handshaking, g_hash_table_unref);
  g_clear_pointer (&server->members, g_hash_table_unref);
  g_clear_pointer (&server->logins, g_hash_table_unref);
  g_clear_pointer (&server->sw, serval_switch_free);
  g_clear_pointer (&server->store, serval_store_close);
  gnutls_memset (server->token_key, 0, sizeof server->token_key);
  g_clear_pointer (&server->tls, serval_tls_server_free);
  g_free (server->fingerprint);
  g_free (server->gso_scratch);
  serval_server_config_clear (&server->config);
  g_free (server);
}

gboolean
serval_server_start (ServalServer *server, GError **error)
{
  GSocketListener *listener;

  server->service = g_socket_service_new ();
  listener = G_SOCKET_LISTENER (server->service);
  /* GIO's default backlog is 10: in a reconnect storm the kernel then drops
   * SYNs and clients wait 1 s (then 3 s...) to retry. The kernel caps this
   * at net.core.somaxconn (4096 by default). */
  g_socket_listener_set_backlog (listener, LISTEN_BACKLOG);
  if (server->config.listen == NULL)
    {
      if (!g_socket_listener_add_inet_port (listener, SERVAL_DEFAULT_PORT, NULL, error))
        {
          g_prefix_error (error, "Cannot listen on port %d: ", SERVAL_DEFAULT_PORT);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GSocketConnectable) addr = g_network_address_parse (server->config.listen,
                                                                    SERVAL_DEFAULT_PORT, error);
      g_autoptr(GSocketAddressEnumerator) en = NULL;
      g_autoptr(GSocketAddress) sa = NULL;
      guint n = 0;

      if (addr == NULL)
        {
          g_prefix_error (error, "Cannot use --listen %s: ", server->config.listen);
          return FALSE;
        }
      en = g_socket_connectable_enumerate (addr);
      while ((sa = g_socket_address_enumerator_next (en, NULL, error)) != NULL)
        {
          if (!g_socket_listener_add_address (listener, sa, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                              NULL, NULL, error))
            {
              g_prefix_error (error, "Cannot listen on %s: ", server->config.listen);
              return FALSE;
            }
          g_clear_object (&sa);
          n++;
        }
      if (n == 0)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s has no address to listen on",
                         server->config.listen);
          return FALSE;
        }
    }
  server->accept_gate = serval_accept_gate_new (server->service, serval_accept_fd_limit ());
  g_signal_connect (server->service, "incoming", G_CALLBACK (incoming_cb), server);
  g_socket_service_start (server->service);

  server->aging_source = g_timeout_source_new_seconds (AGING_INTERVAL_S);
  g_source_set_callback (server->aging_source, aging_cb, server, NULL);
  g_source_attach (server->aging_source, NULL);

  g_message ("Serval server %s (node %s) listening on %s; certificate fingerprint %s",
             PACKAGE_VERSION, server->config.node,
             server->config.listen ? server->config.listen : "port 7465", server->fingerprint);
  return TRUE;
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
  sessions = g_hash_table_get_keys (server->sessions);
  if (sessions == NULL)
    {
      server->shutdown_done = NULL;
      if (done != NULL)
        done (data);
      return;
    }
  for (GList *l = sessions; l != NULL; l = l->next)
    close_session (l->data, ErrorCode_shuttingDown, "The server is shutting down");
  server->shutdown_timer = g_timeout_source_new_seconds (3);
  g_source_set_callback (server->shutdown_timer, shutdown_timeout_cb, server, NULL);
  g_source_attach (server->shutdown_timer, NULL);
}

ServalStore *serval_server_get_store (ServalServer *server) { return server->store; }
ServalSwitch *serval_server_get_switch (ServalServer *server) { return server->sw; }
const char *serval_server_get_fingerprint (ServalServer *server) { return server->fingerprint; }

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
