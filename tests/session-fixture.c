/* session-fixture.c: see session-fixture.h. */
#include "config.h"

#include <string.h>

#include "serval-message.h"
#include "session-fixture.h"
#include "link-test-util.h"
#include "test-store-util.h"
#include "test-utils.h"

static gboolean
safety_timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

GSource *
session_safety_net_new (GMainContext *context, guint seconds, gboolean *timed_out)
{
  GSource *safety = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (safety, safety_timeout_cb, timed_out, NULL);
  g_source_attach (safety, context);
  return safety;
}

void
session_safety_net_free (GSource *safety)
{
  g_source_destroy (safety);
  g_source_unref (safety);
}

static void
result_done (SessionResult *r)
{
  r->done = TRUE;
  if (r->count != NULL)
    (*r->count)++;
}

void
session_connect_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SessionResult *r = user_data;

  r->ok = serval_client_connect_finish (SERVAL_CLIENT (source), result, &r->error);
  result_done (r);
}

/* Ends @r with what a _finish that returns an object gave. */
static void
object_done (SessionResult *r, gpointer object)
{
  r->object = object;
  r->ok = object != NULL;
  result_done (r);
}

void
session_join_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SessionResult *r = user_data;

  object_done (r, serval_client_join_finish (SERVAL_CLIENT (source), result, &r->error));
}

void
session_members_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SessionResult *r = user_data;

  object_done (r, serval_client_list_members_finish (SERVAL_CLIENT (source), result, &r->error));
}

void
session_request_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SessionRequest *q = user_data;

  q->r.ok = q->finish (SERVAL_CLIENT (source), result, &q->r.error);
  result_done (&q->r);
}

static void
old_client_message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  SessionOldClient *c = user_data;

  if (serval_message_get_kind (msg) == SERVAL_MESSAGE_EVENT)
    {
      g_auto(ServalEvent) ev = { 0 };

      serval_event_parse (msg, &ev);
      c->joined += ev.kind == SERVAL_EVENT_MEMBER_JOINED;
      c->changes += ev.kind == SERVAL_EVENT_MEMBER_CHANGES;
    }
  else if (serval_message_get_kind (msg) == SERVAL_MESSAGE_RESPONSE)
    {
      serval_response_clear (&c->resp);
      serval_response_parse (msg, &c->resp);
      c->got = TRUE;
    }
}

void
session_old_client_open (SessionOldClient *c, GMainContext *context, const char *address, const char *fingerprint)
{
  session_old_client_open_hello (c, context, address, fingerprint, serval_hello_build (NULL, FALSE));
}

void
session_old_client_open_hello (SessionOldClient *c, GMainContext *context, const char *address,
                               const char *fingerprint, Message_t *hello)
{
  ConnectResult r = { 0 };

  c->context = context;
  serval_link_connect_async (address, fingerprint, NULL, NULL, connected_cb, &r);
  SESSION_WAIT_UNTIL (context, TEST_SAFETY_NET_SECONDS, r.done, "r.done");
  g_assert_no_error (r.error);
  c->link = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  serval_link_set_handlers (c->link, old_client_message_cb, NULL, c);
  serval_link_start (c->link);
  serval_link_send_take (c->link, hello);
}

ServalResponse *
session_old_client_ask (SessionOldClient *c, Message_t *request)
{
  c->got = FALSE;
  serval_link_send_take (c->link, request);
  SESSION_WAIT_UNTIL (c->context, TEST_SAFETY_NET_SECONDS, c->got, "c->got");
  return &c->resp;
}

void
session_old_client_close (SessionOldClient *c)
{
  serval_response_clear (&c->resp);
  serval_link_close (c->link, NULL);
  g_clear_object (&c->link);
}

gboolean
session_members_have (GListModel *members, const char *user, const char *host)
{
  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (members, i);

      if ((user == NULL || g_str_equal (serval_member_get_user (m), user)) &&
          (host == NULL || g_str_equal (serval_member_get_host (m), host)))
        return TRUE;
    }
  return FALSE;
}

void
session_add_user (ServalStore *store, const char *name, const char *password, gboolean admin, guint iterations)
{
  g_autoptr(GError) error = NULL;
  ServalCredentials cred;

  serval_credentials_make (&cred, (const guint8 *) password, strlen (password), iterations, &error);
  g_assert_no_error (error);
  test_store_user_add (store, name, &cred, admin, &error);
  g_assert_no_error (error);
  serval_credentials_clear (&cred);
}

void
session_add_users (ServalStore *store, const char *const *names, gboolean admin, const char *vlan)
{
  g_autoptr(GError) error = NULL;

  for (const char *const *n = names; *n != NULL; n++)
    {
      g_autofree char *password = g_strconcat (*n, "-pw", NULL);

      session_add_user (store, *n, password, admin, SESSION_TEST_ITERATIONS);
    }
  if (vlan == NULL)
    return;
  g_assert_true (test_store_vlan_add (store, vlan, NULL, &error));
  for (const char *const *n = names; *n != NULL; n++)
    g_assert_true (test_store_grant (store, *n, vlan, &error));
  g_assert_no_error (error);
}

ServalStore *
session_data_dir_new (const char *tmpl, char **dir, char **db)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = test_cert_file (TEST_CERT);
  g_autofree char *key = test_cert_file (TEST_KEY);
  g_autofree char *cert_to = NULL;
  g_autofree char *key_to = NULL;
  g_autofree char *db_path = NULL;
  ServalStore *store;

  *dir = test_tmp_dir_new (tmpl);
  cert_to = g_build_filename (*dir, "cert.pem", NULL);
  key_to = g_build_filename (*dir, "key.pem", NULL);
  test_copy_file (cert, cert_to, 0644);
  test_copy_file (key, key_to, 0600);
  db_path = g_build_filename (*dir, "serval.db", NULL);
  store = serval_store_open_sqlite (db_path, &error);
  g_assert_no_error (error);
  if (db != NULL)
    *db = g_steal_pointer (&db_path);
  return store;
}

void
session_config_init (ServalServerConfig *config, const char *dir, const char *node)
{
  serval_server_config_init (config);
  config->data_dir = g_strdup (dir);
  config->node = g_strdup (node);
  config->pbkdf2_iterations = SESSION_TEST_ITERATIONS;
}

ServalServer *
session_server_try_start (const ServalServerConfig *config)
{
  g_autoptr(GError) error = NULL;
  ServalServer *server = serval_server_new (config, &error);

  g_assert_no_error (error);
  if (serval_server_start (server, &error))
    return server;
  g_clear_pointer (&server, serval_server_free);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    g_assert_no_error (error);
  return NULL;
}

ServalServer *
session_server_start_new (ServalServerConfig *config, char **address)
{
  for (int tries = 0; tries < 10; tries++)
    {
      ServalServer *server;

      g_free (*address);
      *address = g_strdup_printf ("127.0.0.1:%u", test_free_port ());
      g_free (config->listen);
      config->listen = g_strdup (*address);
      server = session_server_try_start (config);
      if (server != NULL)
        return server;
      g_test_message ("%s was taken: trying another port", *address);
    }
  g_assert_not_reached ();
}

void
session_base_init (SessionBase *b)
{
  g_autoptr(GTlsCertificate) cert = test_cert_load (TEST_CERT, TEST_KEY);

  b->context = test_context_push ();
  b->fingerprint = test_cert_fingerprint (cert);
  b->clients = g_ptr_array_new_with_free_func (g_object_unref);
}

void
session_base_clear_clients (SessionBase *b)
{
  for (guint i = 0; b->clients != NULL && i < b->clients->len; i++)
    serval_client_disconnect (b->clients->pdata[i]);
  g_clear_pointer (&b->clients, g_ptr_array_unref);
}

void
session_base_clear (SessionBase *b)
{
  session_base_clear_clients (b);
  g_clear_pointer (&b->fingerprint, g_free);
  test_context_pop (g_steal_pointer (&b->context));
}
