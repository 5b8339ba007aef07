/* serval-server-admin-net.c: administrators' requests of a VLAN's
 * configuration: its subnet and IPv6 prefix, its access list, and users'
 * bridge right and rate limit. Each change is one store write; once made, the server acts
 * on it through serval_server_vlan_config_changed() or
 * serval_server_user_config_changed(), as on one made elsewhere.
 */
#include "config.h"

#include "serval-server-private.h"

/* One change, from the request to the store's answer. */
typedef struct
{
  Session *session;
  guint32 id;
  ServalStoreWriteKind kind;
  char *vlan;
  char *user;
  char *subnet;
  char *prefix6;
  ServalRule *rule;
  guint index;
  gboolean bridge;
  guint64 rate_limit;
} ConfigWrite;

static void
config_write_free (ConfigWrite *job)
{
  serval_session_unref (job->session);
  g_free (job->vlan);
  g_free (job->user);
  g_free (job->subnet);
  g_free (job->prefix6);
  g_clear_pointer (&job->rule, serval_rule_free);
  g_free (job);
}

/* The answer to a rule number the VLAN does not have, with what it has. */
static void
reply_no_rule (Session *s, guint32 id, const char *vlan, guint index)
{
  g_autoptr(ServalVlan) v = serval_store_vlan_get (s->server->store, vlan, NULL);
  guint n = v != NULL ? v->rules->len : 0;

  if (n == 0)
    serval_session_reply_error (s, id, SERVAL_ERROR_CODE_NO_SUCH_RULE,
                                "VLAN %s has no rule %u: it has none (servalctl vlan rule list %s)", vlan, index,
                                vlan);
  else
    serval_session_reply_error (s, id, SERVAL_ERROR_CODE_NO_SUCH_RULE,
                                "VLAN %s has no rule %u: it has %u (servalctl vlan rule list %s)", vlan, index, n,
                                vlan);
}

static void
log_change (ConfigWrite *job)
{
  const char *admin = job->session->user;
  g_autofree char *text = NULL;

  switch (job->kind)
    {
    case SERVAL_STORE_VLAN_SET_ADDRESSES:
      g_message ("%s set VLAN “%s”: subnet %s, IPv6 prefix %s", admin, job->vlan,
                 job->subnet == NULL ? "kept" : job->subnet[0] ? job->subnet :
                                                                 "none",
                 job->prefix6 == NULL ? "kept" : job->prefix6[0] ? job->prefix6 :
                                                                   "none");
      break;
    case SERVAL_STORE_RULE_ADD:
      text = serval_rule_to_string (job->rule);
      g_message ("%s added a rule to VLAN “%s”: %s", admin, job->vlan, text);
      break;
    case SERVAL_STORE_RULE_DEL:
      g_message ("%s removed rule %u of VLAN “%s”", admin, job->index, job->vlan);
      break;
    case SERVAL_STORE_USER_SET_RATE_LIMIT:
      if (job->rate_limit > 0)
        g_message ("%s set the rate limit of “%s” to %" G_GUINT64_FORMAT " bytes/s", admin, job->user,
                   job->rate_limit);
      else
        g_message ("%s lifted the rate limit of “%s” (the server's default applies)", admin, job->user);
      break;
    case SERVAL_STORE_USER_SET_BRIDGE:
    default:
      g_message ("%s %s “%s” the bridge right", admin, job->bridge ? "gave" : "took from", job->user);
      break;
    }
}

static void
config_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConfigWrite *job = user_data;
  Session *s = job->session;
  g_autoptr(GError) error = NULL;

  if (!serval_store_write_finish (SERVAL_STORE (source), result, NULL, &error))
    {
      /* Cancelled: the server is gone, and the session with it. */
      if (g_error_matches (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_NO_RULE))
        reply_no_rule (s, job->id, job->vlan, job->index);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        serval_session_reply_store_error (s, job->id, error);
      config_write_free (job);
      return;
    }
  log_change (job);
  serval_session_reply_ok (s, job->id);
  if (job->kind == SERVAL_STORE_USER_SET_BRIDGE || job->kind == SERVAL_STORE_USER_SET_RATE_LIMIT)
    serval_server_user_config_changed (s->server, job->user);
  else
    serval_server_vlan_config_changed (s->server, job->vlan);
  config_write_free (job);
}

static void
config_write (Session *s, const ServalRequest *req)
{
  ConfigWrite *job = g_new0 (ConfigWrite, 1);
  ServalStoreWrite w = { 0 };

  job->session = serval_session_ref (s);
  job->id = req->id;
  job->kind = serval_server_write_kind (req->kind);
  job->vlan = g_strdup (req->vlan);
  job->user = g_strdup (req->user);
  job->subnet = g_strdup (req->subnet);
  job->prefix6 = g_strdup (req->prefix6);
  job->rule = req->rule != NULL ? serval_rule_copy (req->rule) : NULL;
  job->index = req->index;
  job->bridge = req->bridge;
  job->rate_limit = req->rate_limit;
  w.kind = job->kind;
  w.vlan = job->vlan;
  w.user = job->user;
  w.subnet = job->subnet;
  w.prefix6 = job->prefix6;
  w.rule = job->rule;
  w.index = job->index;
  w.bridge = job->bridge;
  w.rate_limit = job->rate_limit;
  serval_store_write_async (s->server->store, &w, s->server->cancellable, config_written_cb, job);
}

static void
list_rules (Session *s, const ServalRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalVlan) v = serval_store_vlan_get (s->server->store, req->vlan, &error);

  if (v == NULL)
    serval_session_reply_store_error (s, req->id, error);
  else
    serval_session_reply (s, serval_response_build_list (req->id, SERVAL_RESPONSE_RULES, v->rules));
}

/* FALSE, after answering, if @req cannot be what the store is asked to do. */
static gboolean
config_request_valid (Session *s, const ServalRequest *req)
{
  g_autoptr(ServalVlan) v = NULL;

  if (req->kind == SERVAL_REQUEST_RULE_ADD && req->rule == NULL)
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_BAD_REQUEST,
                                  "The rule holds a value this server cannot take (an action, protocol, "
                                  "port range or prefix out of range, or a user name with spaces): write it "
                                  "as servalctl --help shows for “vlan rule add”, or update the server");
      return FALSE;
    }
  if (req->kind == SERVAL_REQUEST_VLAN_SET && req->subnet == NULL && req->prefix6 == NULL)
    {
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_BAD_REQUEST,
                                  "Nothing to set for VLAN “%s”: give a subnet, an IPv6 prefix or both", req->vlan);
      return FALSE;
    }
  if (req->kind == SERVAL_REQUEST_RULE_DEL &&
      (v = serval_store_vlan_get (s->server->store, req->vlan, NULL)) != NULL && req->index > v->rules->len)
    {
      reply_no_rule (s, req->id, req->vlan, req->index);
      return FALSE;
    }
  return TRUE;
}

void
serval_session_handle_vlan_config (Session *s, const ServalRequest *req)
{
  g_autoptr(GError) error = NULL;

  if (!serval_session_admin_request_valid (s, req))
    return;
  if (req->kind == SERVAL_REQUEST_LIST_RULES)
    {
      list_rules (s, req);
      return;
    }
  if (!serval_store_check_available (s->server->store, &error))
    {
      serval_session_reply_store_error (s, req->id, error);
      return;
    }
  if (config_request_valid (s, req))
    config_write (s, req);
}
