#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-client.h"

#include <string.h>

#include "serval-codec.h"
#include "serval-gso.h"
#include "serval-link.h"
#include "serval-tap.h"
#include "serval-tls.h"

G_DEFINE_QUARK (serval-client-error-quark, serval_client_error)

G_DEFINE_ENUM_TYPE (ServalClientState, serval_client_state,
                    G_DEFINE_ENUM_VALUE (SERVAL_CLIENT_STATE_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLIENT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (SERVAL_CLIENT_STATE_ONLINE, "online"))

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
#define ADDRESS_CHECK_SECONDS 2
#define KEEPALIVE_SECONDS 5       /* between pings until the server says otherwise at login */

/* --- ServalClientVlan ------------------------------------------------------ */

struct _ServalClientVlan
{
  GObject parent_instance;

  ServalClient *client;      /* weak: the client outlives its VLANs' use */
  char *name;
  guint32 tag;
  guint8 mac[6];
  ServalTap *tap;
  ServalClientFrameFunc frame_func;
  gpointer frame_data;
  GListStore *members;
  GStrv addresses;           /* last sent in an update */
};

G_DEFINE_FINAL_TYPE (ServalClientVlan, serval_client_vlan, G_TYPE_OBJECT)

static void
serval_client_vlan_dispose (GObject *object)
{
  ServalClientVlan *vlan = SERVAL_CLIENT_VLAN (object);

  if (vlan->tap != NULL)
    serval_tap_set_frame_func (vlan->tap, NULL, NULL);
  g_clear_object (&vlan->tap);
  g_clear_object (&vlan->members);
  G_OBJECT_CLASS (serval_client_vlan_parent_class)->dispose (object);
}

static void
serval_client_vlan_finalize (GObject *object)
{
  ServalClientVlan *vlan = SERVAL_CLIENT_VLAN (object);

  g_free (vlan->name);
  g_strfreev (vlan->addresses);
  G_OBJECT_CLASS (serval_client_vlan_parent_class)->finalize (object);
}

static void
serval_client_vlan_class_init (ServalClientVlanClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_client_vlan_dispose;
  G_OBJECT_CLASS (klass)->finalize = serval_client_vlan_finalize;
}

static void
serval_client_vlan_init (ServalClientVlan *vlan)
{
  vlan->members = g_list_store_new (SERVAL_TYPE_MEMBER);
}

const char *serval_client_vlan_get_name (ServalClientVlan *vlan) { return vlan->name; }
guint32 serval_client_vlan_get_tag (ServalClientVlan *vlan) { return vlan->tag; }
ServalTap *serval_client_vlan_get_tap (ServalClientVlan *vlan) { return vlan->tap; }
GListModel *serval_client_vlan_get_members (ServalClientVlan *vlan) { return G_LIST_MODEL (vlan->members); }

/* --- ServalClient ---------------------------------------------------------- */

typedef void (*ResponseHandler) (ServalClient *client, GTask *task, const ResponseBody_t *body);

struct _ServalClient
{
  GObject parent_instance;

  char *server;
  char *user;
  char *password;
  char *fingerprint;
  char *host;
  GBytes *token;                 /* resume token from the last LoggedIn; memory only */
  gboolean login_with_token;     /* the login under way carries the token */
  gboolean resumed;              /* the last login used the token */
  GBytes *tls_resume;            /* to resume the last TLS session, once; memory only */
  char *tls_resume_server;       /* the server it was made with */
  gboolean tls_resumed;          /* the last connection resumed one */
  gboolean no_tls_resumption;

  ServalClientState state;
  gboolean admin;
  char *last_error;
  char *peer_fingerprint;
  char *node;

  ServalLink *link;
  gboolean logged_in;
  GCancellable *cancellable;     /* the connection attempt under way */
  GTask *connect_task;           /* the first connection, until it ends */
  gboolean wanted;               /* keep reconnecting */

  GStrv servers;                 /* from the server, for failover */
  guint server_index;
  guint backoff_ms;
  GSource *reconnect_source;
  GSource *address_source;

  guint32 next_id;
  GHashTable *pending;           /* id -> GTask */

  GListStore *vlans;             /* ServalClientVlan */
  GHashTable *by_tag;            /* tag -> ServalClientVlan (borrowed) */

  gboolean offload;              /* we announce offload in Hello */
  gboolean server_offload;       /* the server's Hello did: it takes offload frames */
  guint8 *gso_scratch;           /* software segmentation, made on first use */
  guint64 gso_dropped;           /* offload frames that could not be segmented */
};

enum { PROP_0, PROP_STATE, PROP_ADMIN, PROP_LAST_ERROR, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_VLAN_REMOVED, SIGNAL_CONNECTION_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ServalClient, serval_client, G_TYPE_OBJECT)

static void attempt_connect (ServalClient *client);
static void send_join (ServalClient *client, ServalClientVlan *vlan, GTask *task);

static void
set_state (ServalClient *client, ServalClientState state)
{
  if (client->state == state)
    return;
  client->state = state;
  g_object_notify_by_pspec (G_OBJECT (client), properties[PROP_STATE]);
}

static void
set_last_error (ServalClient *client, const char *message)
{
  if (g_strcmp0 (client->last_error, message) == 0)
    return;
  g_free (client->last_error);
  client->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (client), properties[PROP_LAST_ERROR]);
}

static void
fail_pending (ServalClient *client, const char *why)
{
  g_autoptr(GList) tasks = g_hash_table_get_values (client->pending);

  g_hash_table_steal_all (client->pending);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      GTask *task = l->data;

      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED,
                               _("The connection to %s was lost before it answered: %s"),
                               client->server, why);
      g_object_unref (task);
    }
}

static void
stop_address_checks (ServalClient *client)
{
  if (client->address_source != NULL)
    g_source_destroy (client->address_source);
  g_clear_pointer (&client->address_source, g_source_unref);
}

static void
drop_link (ServalClient *client)
{
  /* Nothing to report addresses to: no timer while offline. */
  stop_address_checks (client);
  if (client->link == NULL)
    return;
  g_signal_handlers_disconnect_by_data (client->link, client);
  serval_link_set_handlers (client->link, NULL, NULL, NULL);
  serval_link_close (client->link, NULL);
  g_clear_object (&client->link);
  client->logged_in = FALSE;
}

static void
serval_client_dispose (GObject *object)
{
  ServalClient *client = SERVAL_CLIENT (object);

  client->wanted = FALSE;
  g_cancellable_cancel (client->cancellable);
  g_clear_object (&client->cancellable);
  drop_link (client);
  if (client->pending != NULL)
    fail_pending (client, "the client was closed");
  if (client->reconnect_source != NULL)
    g_source_destroy (client->reconnect_source);
  g_clear_pointer (&client->reconnect_source, g_source_unref);
  stop_address_checks (client);
  g_clear_pointer (&client->by_tag, g_hash_table_unref);
  g_clear_object (&client->vlans);
  G_OBJECT_CLASS (serval_client_parent_class)->dispose (object);
}

static void
serval_client_finalize (GObject *object)
{
  ServalClient *client = SERVAL_CLIENT (object);

  g_free (client->server);
  g_free (client->user);
  if (client->password != NULL)
    memset (client->password, 0, strlen (client->password));
  g_free (client->password);
  if (client->token != NULL)
    {
      gsize len;
      guint8 *p = g_bytes_unref_to_data (g_steal_pointer (&client->token), &len);

      memset (p, 0, len);
      g_free (p);
    }
  g_free (client->fingerprint);
  g_free (client->host);
  g_free (client->last_error);
  g_free (client->peer_fingerprint);
  g_clear_pointer (&client->tls_resume, g_bytes_unref);
  g_free (client->tls_resume_server);
  g_free (client->node);
  g_free (client->gso_scratch);
  g_strfreev (client->servers);
  g_clear_pointer (&client->pending, g_hash_table_unref);
  G_OBJECT_CLASS (serval_client_parent_class)->finalize (object);
}

static void
serval_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ServalClient *client = SERVAL_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, client->state); break;
    case PROP_ADMIN: g_value_set_boolean (value, client->admin); break;
    case PROP_LAST_ERROR: g_value_set_string (value, client->last_error); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
serval_client_class_init (ServalClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = serval_client_dispose;
  object_class->finalize = serval_client_finalize;
  object_class->get_property = serval_client_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SERVAL_TYPE_CLIENT_STATE,
                                              SERVAL_CLIENT_STATE_DISCONNECTED, flags);
  properties[PROP_ADMIN] = g_param_spec_boolean ("admin", NULL, NULL, FALSE, flags);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ServalClient::vlan-removed:
   * @vlan: the VLAN this client is no longer in
   * @reason: a sentence saying why
   */
  signals[SIGNAL_VLAN_REMOVED] =
    g_signal_new ("vlan-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, SERVAL_TYPE_CLIENT_VLAN, G_TYPE_STRING);
  /**
   * ServalClient::connection-failed:
   * @error: why reconnecting stopped (wrong password, changed certificate...)
   */
  signals[SIGNAL_CONNECTION_FAILED] =
    g_signal_new ("connection-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
serval_client_init (ServalClient *client)
{
  client->pending = g_hash_table_new (NULL, NULL);
  client->vlans = g_list_store_new (SERVAL_TYPE_CLIENT_VLAN);
  client->by_tag = g_hash_table_new (NULL, NULL);
  client->host = g_strdup (g_get_host_name ());
  client->backoff_ms = BACKOFF_MIN_MS;
  client->next_id = 1;
}

ServalClient *
serval_client_new (const char *server, const char *user, const char *password, const char *fingerprint)
{
  ServalClient *client = g_object_new (SERVAL_TYPE_CLIENT, NULL);

  client->server = g_strdup (server);
  client->user = g_strdup (user);
  client->password = g_strdup (password != NULL ? password : "");
  client->fingerprint = g_strdup (fingerprint);
  client->offload = serval_tap_offload_wanted ();
  return client;
}

void
serval_client_set_offload (ServalClient *client, gboolean offload)
{
  client->offload = offload;
}

ServalClientState serval_client_get_state (ServalClient *client) { return client->state; }
gboolean serval_client_get_resumed (ServalClient *client) { return client->resumed; }
gboolean serval_client_get_tls_resumed (ServalClient *client) { return client->tls_resumed; }

void
serval_client_set_tls_resumption (ServalClient *client, gboolean enabled)
{
  client->no_tls_resumption = !enabled;
  if (!enabled)
    g_clear_pointer (&client->tls_resume, g_bytes_unref);
}
const char *serval_client_get_server (ServalClient *client) { return client->server; }
const char *serval_client_get_user (ServalClient *client) { return client->user; }
gboolean serval_client_get_admin (ServalClient *client) { return client->admin; }
const char *serval_client_get_last_error (ServalClient *client) { return client->last_error; }
const char *serval_client_get_peer_fingerprint (ServalClient *client) { return client->peer_fingerprint; }
GListModel *serval_client_get_vlans (ServalClient *client) { return G_LIST_MODEL (client->vlans); }

void
serval_client_set_host_name (ServalClient *client, const char *host)
{
  g_free (client->host);
  client->host = g_strndup (host, 64);
}

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

/* --- requests -------------------------------------------------------------- */

static void
send_request (ServalClient *client, Message_t *msg, GTask *task, ResponseHandler handler)
{
  guint32 id;

  g_task_set_task_data (task, handler, NULL);
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
  g_hash_table_insert (client->pending, GUINT_TO_POINTER (id), task);
  serval_link_send_take (client->link, msg);
}

static void
handle_response (ServalClient *client, const Response_t *resp)
{
  GTask *task;
  ResponseHandler handler;

  if (!g_hash_table_steal_extended (client->pending, GUINT_TO_POINTER ((guint32) resp->id),
                                    NULL, (gpointer *) &task))
    {
      g_debug ("Response to unknown request %lu from %s", resp->id, client->server);
      return;
    }
  handler = g_task_get_task_data (task);
  if (resp->body.present == ResponseBody_PR_error)
    g_task_return_error (task, error_from_wire (client, &resp->body.choice.error));
  else
    handler (client, task, &resp->body);
  g_object_unref (task);
}

static void
ok_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  g_task_return_boolean (task, TRUE);
}

/* --- VLAN bookkeeping ------------------------------------------------------ */

static ServalClientVlan *
find_vlan (ServalClient *client, const char *name, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);

      if (g_str_equal (vlan->name, name))
        {
          if (position != NULL)
            *position = i;
          return vlan;   /* the store keeps a reference */
        }
    }
  return NULL;
}

static ServalClientVlan *
find_vlan_asn (ServalClient *client, const OCTET_STRING_t *name)
{
  g_autofree char *s = serval_asn_dup_string (name);

  return find_vlan (client, s, NULL);
}

static void
remove_vlan (ServalClient *client, ServalClientVlan *vlan, const char *reason)
{
  guint pos;

  if (find_vlan (client, vlan->name, &pos) != vlan)
    return;
  g_object_ref (vlan);
  g_hash_table_remove (client->by_tag, GUINT_TO_POINTER (vlan->tag));
  if (vlan->tap != NULL)
    serval_tap_stop (vlan->tap);
  g_list_store_remove (client->vlans, pos);
  if (reason != NULL)
    g_signal_emit (client, signals[SIGNAL_VLAN_REMOVED], 0, vlan, reason);
  g_object_unref (vlan);
}

static void
set_members (ServalClientVlan *vlan, const Joined_t *joined)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; i < joined->members.list.count; i++)
    g_ptr_array_add (members, serval_member_new_from_asn (joined->members.list.array[i]));
  g_list_store_splice (vlan->members, 0, g_list_model_get_n_items (G_LIST_MODEL (vlan->members)),
                       members->pdata, members->len);
}

static gboolean
find_member (ServalClientVlan *vlan, ServalMember *m, guint *pos)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (vlan->members));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalMember) other = g_list_model_get_item (G_LIST_MODEL (vlan->members), i);

      if (serval_member_same (other, m))
        {
          *pos = i;
          return TRUE;
        }
    }
  return FALSE;
}

static void
handle_member_event (ServalClient *client, Event_PR kind, const MemberEvent_t *ev)
{
  ServalClientVlan *vlan = find_vlan_asn (client, &ev->vlan);
  g_autoptr(ServalMember) m = NULL;
  guint pos;

  if (vlan == NULL)
    return;
  m = serval_member_new_from_asn (&ev->member);
  if (find_member (vlan, m, &pos))
    {
      if (kind == Event_PR_memberLeft)
        g_list_store_remove (vlan->members, pos);
      else
        g_list_store_splice (vlan->members, pos, 1, (gpointer *) &m, 1);
    }
  else if (kind != Event_PR_memberLeft)
    g_list_store_append (vlan->members, m);
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
            remove_vlan (client, vlan, text);
          }
      }
      break;
    case Event_PR_servers:
      {
        GStrvBuilder *b = g_strv_builder_new ();

        for (int i = 0; i < ev->choice.servers.list.count; i++)
          strv_builder_take (b, serval_asn_dup_string (ev->choice.servers.list.array[i]));
        g_strfreev (client->servers);
        client->servers = g_strv_builder_end (b);
        g_strv_builder_unref (b);
      }
      break;
    case Event_PR_bye:
      {
        g_autofree char *text = serval_asn_dup_string (&ev->choice.bye.text);

        g_message ("%s closes the connection: %s", client->server, text);
        set_last_error (client, text);
      }
      break;
    case Event_PR_NOTHING:
    default:
      break;
    }
}

/* --- link callbacks -------------------------------------------------------- */

static void
link_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
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

static guint8 *
gso_scratch (ServalClient *client)
{
  if (client->gso_scratch == NULL)
    client->gso_scratch = g_malloc (SERVAL_GSO_SCRATCH);
  return client->gso_scratch;
}

static void
deliver_segment_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;

  vlan->frame_func (vlan, frame, len, vlan->frame_data);
}

static void
link_data_cb (ServalLink *link, guint32 tag, const guint8 *frame, gsize len, gpointer user_data)
{
  ServalClient *client = user_data;
  ServalClientVlan *vlan = g_hash_table_lookup (client->by_tag, GUINT_TO_POINTER (tag));
  const ServalOffload *off = serval_link_get_rx_offload (link);

  if (vlan == NULL)
    return;
  if (vlan->tap != NULL)
    serval_tap_write_offload (vlan->tap, frame, len, off);
  else if (vlan->frame_func != NULL && serval_offload_needs_work (off))
    {
      if (serval_gso_segment (frame, len, off, gso_scratch (client), deliver_segment_cb, vlan, NULL)
          != SERVAL_GSO_OK)
        client->gso_dropped++;
    }
  else if (vlan->frame_func != NULL)
    vlan->frame_func (vlan, frame, len, vlan->frame_data);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  ServalClient *client = user_data;

  g_clear_pointer (&client->reconnect_source, g_source_unref);
  attempt_connect (client);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (ServalClient *client)
{
  guint delay;

  if (!client->wanted || client->reconnect_source != NULL)
    return;
  set_state (client, SERVAL_CLIENT_STATE_CONNECTING);
  /* Exponential backoff with ±20 % jitter, so that the clients of a
   * restarted server do not all come back at the same instant. */
  delay = client->backoff_ms * g_random_double_range (0.8, 1.2);
  client->backoff_ms = MIN (client->backoff_ms * 2, BACKOFF_MAX_MS);
  if (client->servers != NULL && client->servers[0] != NULL)
    client->server_index++;
  client->reconnect_source = g_timeout_source_new (delay);
  g_source_set_callback (client->reconnect_source, reconnect_cb, client, NULL);
  g_source_attach (client->reconnect_source, g_main_context_get_thread_default ());
}

static void
connection_ended (ServalClient *client, const GError *error, gboolean permanent)
{
  const char *why = error != NULL ? error->message : "closed";

  drop_link (client);
  fail_pending (client, why);
  set_last_error (client, why);

  if (client->connect_task != NULL)
    {
      GTask *task = g_steal_pointer (&client->connect_task);

      client->wanted = FALSE;
      set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
      g_task_return_error (task, error != NULL ? g_error_copy (error)
                           : g_error_new (SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED,
                                          _("%s closed the connection"), client->server));
      g_object_unref (task);
      return;
    }

  if (permanent)
    {
      /* Reported through ::connection-failed; a log line, not a warning. */
      g_message ("Giving up on %s: %s", client->server, why);
      client->wanted = FALSE;
      set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
      g_signal_emit (client, signals[SIGNAL_CONNECTION_FAILED], 0, error);
      return;
    }

  if (client->wanted)
    {
      if (client->state == SERVAL_CLIENT_STATE_ONLINE)
        g_message ("Lost the connection to %s (%s); reconnecting", client->server, why);
      schedule_reconnect (client);
    }
  else
    set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
}

static void
link_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  ServalClient *client = user_data;

  if (link != client->link)
    return;
  connection_ended (client, error, FALSE);
}

/* --- address updates ------------------------------------------------------- */

static gboolean address_check_cb (gpointer user_data);

/* Watches the addresses of the client's TAP devices while it is online and
 * has any: a client without TAP devices (serval-bench's thousands) or an
 * offline one has no timer. */
static void
start_address_checks (ServalClient *client)
{
  gboolean taps = FALSE;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));

  for (guint i = 0; i < n && !taps; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);

      taps = vlan->tap != NULL;
    }
  if (client->address_source != NULL || !taps || client->link == NULL || !client->logged_in)
    return;
  client->address_source = g_timeout_source_new_seconds (ADDRESS_CHECK_SECONDS);
  g_source_set_callback (client->address_source, address_check_cb, client, NULL);
  g_source_attach (client->address_source, g_main_context_get_thread_default ());
}

static gboolean
address_check_cb (gpointer user_data)
{
  ServalClient *client = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));

  if (client->link == NULL || !client->logged_in)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);
      g_auto(GStrv) addrs = NULL;
      Message_t *msg;
      MemberUpdate_t *u;

      if (vlan->tap == NULL)
        continue;
      addrs = serval_tap_get_addresses (vlan->tap);
      if (vlan->addresses != NULL && g_strv_equal ((const char *const *) addrs,
                                                   (const char *const *) vlan->addresses))
        continue;
      msg = serval_message_new_request (0, RequestBody_PR_update);
      u = &msg->choice.request.body.choice.update;
      serval_asn_set_string (&u->vlan, vlan->name);
      for (guint j = 0; addrs[j] != NULL && j < 16; j++)
        {
          Address_t *a = calloc (1, sizeof *a);

          serval_asn_set_string (a, addrs[j]);
          ASN_SEQUENCE_ADD (&u->addresses.list, a);
        }
      g_strfreev (vlan->addresses);
      vlan->addresses = g_steal_pointer (&addrs);
      send_request (client, msg, g_task_new (client, NULL, NULL, NULL), ok_handler);
    }
  return G_SOURCE_CONTINUE;
}

/* --- connecting ------------------------------------------------------------ */

static void
forget_token (ServalClient *client)
{
  gsize len;
  guint8 *p;

  if (client->token == NULL)
    return;
  p = g_bytes_unref_to_data (g_steal_pointer (&client->token), &len);
  memset (p, 0, len);
  g_free (p);
}

static void login_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void login_handler (ServalClient *client, GTask *task, const ResponseBody_t *body);

/* Logs in on the new link: with the resume token if there is one (no
 * PBKDF2 on the server), else with the password. */
static void
send_login (ServalClient *client)
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
  send_request (client, msg, g_task_new (client, NULL, login_done_cb, NULL), login_handler);
}

static void
login_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  const LoggedIn_t *li;
  GStrvBuilder *b;
  guint n;

  if (body->present != ResponseBody_PR_loggedIn)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the login with something else"), client->server);
      return;
    }
  li = &body->choice.loggedIn;
  client->logged_in = TRUE;
  client->resumed = client->login_with_token;
  forget_token (client);
  /* The TLS session ticket came before this answer: keep it to resume the
   * session on the next connection (one handshake without certificate or
   * signatures for both sides). */
  g_clear_pointer (&client->tls_resume, g_bytes_unref);
  g_free (client->tls_resume_server);
  client->tls_resume = client->no_tls_resumption ? NULL : serval_link_get_resume_data (client->link);
  client->tls_resume_server = client->tls_resume ? g_strdup (serval_link_get_peer (client->link)) : NULL;
  if (li->token != NULL && li->token->size > 0)
    client->token = g_bytes_new (li->token->buf, li->token->size);
  if (client->admin != li->admin)
    {
      client->admin = li->admin;
      g_object_notify_by_pspec (G_OBJECT (client), properties[PROP_ADMIN]);
    }
  if (li->servers.list.count > 0)
    {
      b = g_strv_builder_new ();
      for (int i = 0; i < li->servers.list.count; i++)
        strv_builder_take (b, serval_asn_dup_string (li->servers.list.array[i]));
      g_strfreev (client->servers);
      client->servers = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }
  serval_link_set_keepalive (client->link, li->keepalive, li->keepalive * 3);

  /* Rejoin what we were in; the TAP devices stayed up. */
  n = g_list_model_get_n_items (G_LIST_MODEL (client->vlans));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (G_LIST_MODEL (client->vlans), i);

      send_join (client, vlan, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static void
login_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalClient *client = SERVAL_CLIENT (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      gboolean permanent;

      if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_TOKEN_REFUSED) &&
          client->login_with_token)
        {
          /* One more round trip on the same link, with the password. */
          g_message ("%s refused the resume token (%s); logging in with the password",
                     client->server, error->message);
          forget_token (client);
          if (client->link != NULL)
            {
              send_login (client);
              return;
            }
        }
      permanent = error->domain == SERVAL_CLIENT_ERROR &&
                           (error->code == SERVAL_CLIENT_ERROR_AUTH || error->code == SERVAL_CLIENT_ERROR_VERSION);

      if (error->domain == SERVAL_CLIENT_ERROR && error->code == SERVAL_CLIENT_ERROR_DISCONNECTED)
        return;  /* connection_ended() has dealt with it */
      connection_ended (client, error, permanent);
      return;
    }

  client->backoff_ms = BACKOFF_MIN_MS;
  set_last_error (client, NULL);
  set_state (client, SERVAL_CLIENT_STATE_ONLINE);
  g_message ("Logged in to %s as %s%s", client->server, client->user, client->admin ? " (admin)" : "");
  start_address_checks (client);
  if (client->connect_task != NULL)
    {
      GTask *task = g_steal_pointer (&client->connect_task);

      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static const char *
current_server (ServalClient *client)
{
  guint n = client->servers != NULL ? g_strv_length (client->servers) : 0;

  /* Index 0 is the server we were given; then those it listed. */
  if (n == 0 || client->server_index % (n + 1) == 0)
    return client->server;
  return client->servers[client->server_index % (n + 1) - 1];
}

static void
link_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalClient *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer_fp = NULL;
  ServalLink *link;
  Message_t *msg;

  link = serval_link_connect_finish (result, &peer_fp, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (client);
      return;
    }
  g_clear_object (&client->cancellable);
  if (peer_fp != NULL)
    {
      g_free (client->peer_fingerprint);
      client->peer_fingerprint = g_steal_pointer (&peer_fp);
    }
  if (link == NULL)
    {
      /* A certificate that changed is never retried silently. */
      gboolean permanent = error->domain == SERVAL_TLS_ERROR;

      connection_ended (client, error, permanent);
      g_object_unref (client);
      return;
    }

  client->link = link;
  client->tls_resumed = serval_link_is_resumed (link);
  serval_link_set_handlers (link, link_message_cb, link_data_cb, client);
  g_signal_connect (link, "closed", G_CALLBACK (link_closed_cb), client);
  serval_link_set_keepalive (link, KEEPALIVE_SECONDS, KEEPALIVE_SECONDS * 3);

  client->server_offload = FALSE;
  msg = serval_message_new_hello (NULL);
  /* Frames with offload metadata are welcome: a TAP device with a vnet
   * header takes them whole, one without gets them segmented here. */
  serval_message_set_hello_offload (msg, client->offload);
  serval_link_send_take (link, msg);
  send_login (client);
  serval_link_start (link);
  g_object_unref (client);
}

static void
attempt_connect (ServalClient *client)
{
  g_autoptr(GBytes) resume = NULL;

  if (client->link != NULL || client->cancellable != NULL)
    return;
  set_state (client, SERVAL_CLIENT_STATE_CONNECTING);
  client->cancellable = g_cancellable_new ();
  /* A session is resumed once, and only with the server that made it. */
  if (client->tls_resume != NULL && g_strcmp0 (client->tls_resume_server, current_server (client)) == 0)
    resume = g_steal_pointer (&client->tls_resume);
  g_clear_pointer (&client->tls_resume, g_bytes_unref);
  serval_link_connect_async (current_server (client), client->fingerprint, resume, client->cancellable,
                             link_connected_cb, g_object_ref (client));
}

void
serval_client_connect_async (ServalClient *client, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, serval_client_connect_async);
  if (client->connect_task != NULL || client->state != SERVAL_CLIENT_STATE_DISCONNECTED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("Already connected or connecting to %s"), client->server);
      g_object_unref (task);
      return;
    }
  client->connect_task = task;
  client->wanted = TRUE;
  client->server_index = 0;
  client->backoff_ms = BACKOFF_MIN_MS;
  attempt_connect (client);
}

gboolean
serval_client_connect_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
serval_client_disconnect (ServalClient *client)
{
  client->wanted = FALSE;
  if (client->cancellable != NULL)
    g_cancellable_cancel (client->cancellable);
  g_clear_object (&client->cancellable);
  if (client->reconnect_source != NULL)
    g_source_destroy (client->reconnect_source);
  g_clear_pointer (&client->reconnect_source, g_source_unref);
  drop_link (client);
  fail_pending (client, "disconnected");
  set_state (client, SERVAL_CLIENT_STATE_DISCONNECTED);
}

/* --- joining --------------------------------------------------------------- */

static void
send_segment_cb (const guint8 *frame, gsize len, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;

  serval_link_send_data (vlan->client->link, vlan->tag, frame, len);
}

static void
tap_frame_cb (ServalTap *tap, const guint8 *frame, gsize len, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;
  ServalClient *client = vlan->client;
  const ServalOffload *off = serval_tap_get_rx_offload (tap);

  if (off == NULL)
    {
      serval_client_vlan_send (vlan, frame, len);
      return;
    }
  if (client == NULL || client->link == NULL || !client->logged_in || vlan->tag == 0)
    return;
  /* A server that did not say offload in its Hello, or a frame over the
   * protocol's 65535 bytes: cut it here. */
  if (client->server_offload && len <= 65535 && serval_offload_check (off, len) == SERVAL_GSO_OK)
    serval_link_send_data_offload (client->link, vlan->tag, frame, len, off);
  else if (serval_gso_segment (frame, len, off, gso_scratch (client), send_segment_cb, vlan, NULL)
           != SERVAL_GSO_OK)
    client->gso_dropped++;
}

gboolean
serval_client_vlan_send (ServalClientVlan *vlan, const guint8 *frame, gsize len)
{
  ServalClient *client = vlan->client;

  if (client == NULL || client->link == NULL || !client->logged_in || vlan->tag == 0)
    return FALSE;
  return serval_link_send_data (client->link, vlan->tag, frame, len);
}

static void
join_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  ServalClientVlan *vlan = g_object_get_data (G_OBJECT (task), "vlan");
  const Joined_t *joined;

  if (body->present != ResponseBody_PR_joined)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_SERVER,
                               _("%s answered the join with something else"), client->server);
      return;
    }
  joined = &body->choice.joined;
  if (vlan->tag != 0)
    g_hash_table_remove (client->by_tag, GUINT_TO_POINTER (vlan->tag));
  vlan->tag = joined->tag;
  g_hash_table_insert (client->by_tag, GUINT_TO_POINTER (vlan->tag), vlan);
  set_members (vlan, joined);
  if (find_vlan (client, vlan->name, NULL) == NULL)
    g_list_store_append (client->vlans, vlan);
  if (vlan->tap != NULL)
    {
      serval_tap_start (vlan->tap);
      start_address_checks (client);
    }
  g_task_return_pointer (task, g_object_ref (vlan), g_object_unref);
}

static void
rejoin_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalClient *client = SERVAL_CLIENT (source);
  ServalClientVlan *vlan = g_object_get_data (G_OBJECT (result), "vlan");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalClientVlan) joined = g_task_propagate_pointer (G_TASK (result), &error);

  if (joined != NULL)
    {
      g_message ("Rejoined VLAN “%s” on %s", vlan->name, client->server);
      return;
    }
  if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED))
    return;  /* tried again at the next login */
  g_warning ("Cannot rejoin VLAN “%s”: %s", vlan->name, error->message);
  remove_vlan (client, vlan, error->message);
}

static void
send_join (ServalClient *client, ServalClientVlan *vlan, GTask *task)
{
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_join);
  Join_t *join = &msg->choice.request.body.choice.join;

  if (task == NULL)
    task = g_task_new (client, NULL, rejoin_done_cb, NULL);
  g_object_set_data_full (G_OBJECT (task), "vlan", g_object_ref (vlan), g_object_unref);
  serval_asn_set_string (&join->vlan, vlan->name);
  serval_asn_set_bytes (&join->mac, vlan->mac, 6);
  send_request (client, msg, task, join_handler);
}

void
serval_client_join_async (ServalClient *client, const char *name, ServalTap *tap,
                          ServalClientFrameFunc frame_func, gpointer frame_data,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  g_autoptr(ServalClientVlan) vlan = NULL;

  g_task_set_source_tag (task, serval_client_join_async);
  if (find_vlan (client, name, NULL) != NULL)
    {
      g_task_return_new_error (task, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_EXISTS,
                               _("Already in VLAN “%s”"), name);
      g_object_unref (task);
      return;
    }
  vlan = g_object_new (SERVAL_TYPE_CLIENT_VLAN, NULL);
  vlan->client = client;
  vlan->name = g_strdup (name);
  vlan->frame_func = frame_func;
  vlan->frame_data = frame_data;
  if (tap != NULL)
    {
      vlan->tap = g_object_ref (tap);
      serval_tap_get_mac (tap, vlan->mac);
      serval_tap_set_frame_func (tap, tap_frame_cb, vlan);
    }
  else
    {
      /* A locally administered unicast address for a VLAN without a TAP. */
      for (int i = 0; i < 6; i++)
        vlan->mac[i] = g_random_int_range (0, 256);
      vlan->mac[0] = (vlan->mac[0] & 0xfc) | 0x02;
    }
  send_join (client, vlan, task);
}

ServalClientVlan *
serval_client_join_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- simple requests ------------------------------------------------------- */

static void
leave_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  const char *name = g_object_get_data (G_OBJECT (task), "vlan-name");
  ServalClientVlan *vlan = find_vlan (client, name, NULL);

  if (vlan != NULL)
    remove_vlan (client, vlan, NULL);
  g_task_return_boolean (task, TRUE);
}

void
serval_client_request_async (ServalClient *client, ServalRequestKind kind, const char *a,
                             const char *b, gboolean flag, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  ResponseHandler handler = ok_handler;
  Message_t *msg = NULL;
  RequestBody_t *body;

  g_task_set_source_tag (task, serval_client_request_async);
  switch (kind)
    {
    case SERVAL_REQUEST_LEAVE:
      msg = serval_message_new_request (0, RequestBody_PR_leave);
      serval_asn_set_string (&msg->choice.request.body.choice.leave, a);
      g_object_set_data_full (G_OBJECT (task), "vlan-name", g_strdup (a), g_free);
      handler = leave_handler;
      break;
    case SERVAL_REQUEST_VLAN_ADD:
      msg = serval_message_new_request (0, RequestBody_PR_vlanAdd);
      serval_asn_set_string (&msg->choice.request.body.choice.vlanAdd, a);
      break;
    case SERVAL_REQUEST_VLAN_DEL:
      msg = serval_message_new_request (0, RequestBody_PR_vlanDel);
      serval_asn_set_string (&msg->choice.request.body.choice.vlanDel, a);
      break;
    case SERVAL_REQUEST_USER_ADD:
      msg = serval_message_new_request (0, RequestBody_PR_userAdd);
      body = &msg->choice.request.body;
      serval_asn_set_string (&body->choice.userAdd.name, a);
      serval_asn_set_bytes (&body->choice.userAdd.password, b, strlen (b));
      body->choice.userAdd.admin = flag;
      break;
    case SERVAL_REQUEST_USER_DEL:
      msg = serval_message_new_request (0, RequestBody_PR_userDel);
      serval_asn_set_string (&msg->choice.request.body.choice.userDel, a);
      break;
    case SERVAL_REQUEST_GRANT:
    case SERVAL_REQUEST_REVOKE:
      msg = serval_message_new_request (0, kind == SERVAL_REQUEST_GRANT ? RequestBody_PR_grant
                                                                       : RequestBody_PR_revoke);
      body = &msg->choice.request.body;
      serval_asn_set_string (kind == SERVAL_REQUEST_GRANT ? &body->choice.grant.user : &body->choice.revoke.user, a);
      serval_asn_set_string (kind == SERVAL_REQUEST_GRANT ? &body->choice.grant.vlan : &body->choice.revoke.vlan, b);
      break;
    case SERVAL_REQUEST_KICK:
      msg = serval_message_new_request (0, RequestBody_PR_kick);
      serval_asn_set_string (&msg->choice.request.body.choice.kick.user, a);
      serval_asn_set_string (&msg->choice.request.body.choice.kick.vlan, b);
      break;
    default:
      g_assert_not_reached ();
    }
  send_request (client, msg, task, handler);
}

gboolean
serval_client_request_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
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

static void
vlans_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_vlan_info_free);

  if (body->present == ResponseBody_PR_vlans)
    for (int i = 0; i < body->choice.vlans.list.count; i++)
      {
        const VlanInfo_t *v = body->choice.vlans.list.array[i];
        ServalVlanInfo *info = g_new0 (ServalVlanInfo, 1);

        info->name = serval_asn_dup_string (&v->name);
        info->tag = v->tag;
        info->allowed = v->allowed;
        info->members = v->members;
        g_ptr_array_add (list, info);
      }
  g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

void
serval_client_list_vlans_async (ServalClient *client, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, serval_client_list_vlans_async);
  send_request (client, serval_message_new_request (0, RequestBody_PR_listVlans), task, vlans_handler);
}

GPtrArray *
serval_client_list_vlans_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
members_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  GListStore *store = g_list_store_new (SERVAL_TYPE_MEMBER);

  if (body->present == ResponseBody_PR_members)
    for (int i = 0; i < body->choice.members.list.count; i++)
      {
        g_autoptr(ServalMember) m = serval_member_new_from_asn (body->choice.members.list.array[i]);

        g_list_store_append (store, m);
      }
  g_task_return_pointer (task, store, g_object_unref);
}

void
serval_client_list_members_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  Message_t *msg = serval_message_new_request (0, RequestBody_PR_listMembers);

  g_task_set_source_tag (task, serval_client_list_members_async);
  serval_asn_set_string (&msg->choice.request.body.choice.listMembers, vlan);
  send_request (client, msg, task, members_handler);
}

GListModel *
serval_client_list_members_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
users_handler (ServalClient *client, GTask *task, const ResponseBody_t *body)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_user_info_free);

  if (body->present == ResponseBody_PR_users)
    for (int i = 0; i < body->choice.users.list.count; i++)
      {
        const UserInfo_t *u = body->choice.users.list.array[i];
        ServalUserInfo *info = g_new0 (ServalUserInfo, 1);
        GStrvBuilder *b = g_strv_builder_new ();

        info->name = serval_asn_dup_string (&u->name);
        info->admin = u->admin;
        for (int j = 0; j < u->vlans.list.count; j++)
          strv_builder_take (b, serval_asn_dup_string (u->vlans.list.array[j]));
        info->vlans = g_strv_builder_end (b);
        g_strv_builder_unref (b);
        g_ptr_array_add (list, info);
      }
  g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

void
serval_client_list_users_async (ServalClient *client, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);

  g_task_set_source_tag (task, serval_client_list_users_async);
  send_request (client, serval_message_new_request (0, RequestBody_PR_listUsers), task, users_handler);
}

GPtrArray *
serval_client_list_users_finish (ServalClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
