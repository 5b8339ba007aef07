/* serval-bench-lite.c: see serval-bench-lite.h. The protocol as ServalClient
 * speaks it (Hello, Login, Join), on a bare ServalLink that answers the
 * server's pings and pings it in turn. */
#include "config.h"

#include "serval-bench-lite.h"

#include <string.h>

#include "serval-link.h"
#include "serval-message.h"

#define LOGIN_ID 1
#define JOIN_ID  2

struct _BenchLite
{
  ServalLink *link;
  GCancellable *cancellable; /* the connection under way */
  char *user, *password, *vlan;
  guint8 mac[6];
  BenchLiteDoneFunc done;
  gpointer user_data;
  gboolean finished; /* done() was called */
  gboolean online;
  guint64 events;
};

static void
finish (BenchLite *lite, const char *error)
{
  if (lite->finished)
    return;
  lite->finished = TRUE;
  lite->online = error == NULL;
  lite->done (lite, error, lite->user_data);
}

static void
fail (BenchLite *lite, const char *what, const char *why)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, why != NULL ? why : "no reason given");

  finish (lite, text);
  if (lite->link != NULL)
    serval_link_close (lite->link, NULL);
}

static void
message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  BenchLite *lite = user_data;
  ServalResponse resp;

  if (lite->online)
    {
      /* Member events: counted, not parsed, not kept. */
      lite->events++;
      return;
    }
  if (!serval_response_parse (msg, &resp))
    return; /* an event before the join's answer */
  if (resp.id == LOGIN_ID && resp.kind == SERVAL_RESPONSE_LOGGED_IN)
    {
      serval_link_set_keepalive (link, resp.keepalive, resp.keepalive * 3);
      serval_link_send_take (link, serval_request_build_join (JOIN_ID, lite->vlan, lite->mac));
    }
  else if (resp.id == JOIN_ID && resp.kind == SERVAL_RESPONSE_JOINED)
    finish (lite, NULL);
  else
    fail (lite, resp.id == LOGIN_ID ? "login" : "join",
          resp.kind == SERVAL_RESPONSE_ERROR ? resp.error_text : "an unexpected answer");
  serval_response_clear (&resp);
}

static void
data_cb (ServalLink *link, const ServalFrame *frame, gpointer user_data)
{
}

static void
closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  BenchLite *lite = user_data;

  lite->online = FALSE;
  fail (lite, "connection", error != NULL ? error->message : "closed by the server");
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  ServalLink *link = serval_link_connect_finish (result, NULL, &error);
  BenchLite *lite;

  /* Cancelled only by bench_lite_free(): @user_data is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  lite = user_data;
  g_clear_object (&lite->cancellable);
  if (link == NULL)
    {
      fail (lite, "connect", error->message);
      return;
    }
  lite->link = link;
  serval_link_set_handlers (link, message_cb, data_cb, lite);
  g_signal_connect (link, "closed", G_CALLBACK (closed_cb), lite);
  serval_link_set_keepalive (link, 5, 15);
  serval_link_send_take (link, serval_hello_build (NULL, FALSE));
  serval_link_send_take (link, serval_request_build_login (LOGIN_ID, lite->user, "serval-bench", lite->password, NULL));
  serval_link_start (link);
}

BenchLite *
bench_lite_start (const char *server, const char *fingerprint, const char *user, const char *password,
                  const char *vlan, const guint8 mac[6], BenchLiteDoneFunc done, gpointer user_data)
{
  BenchLite *lite = g_new0 (BenchLite, 1);

  lite->user = g_strdup (user);
  lite->password = g_strdup (password);
  lite->vlan = g_strdup (vlan);
  memcpy (lite->mac, mac, 6);
  lite->done = done;
  lite->user_data = user_data;
  lite->cancellable = g_cancellable_new ();
  serval_link_connect_async (server, fingerprint, NULL, lite->cancellable, connected_cb, lite);
  return lite;
}

gboolean
bench_lite_is_online (BenchLite *lite)
{
  return lite->online;
}

guint64
bench_lite_get_events (BenchLite *lite)
{
  return lite->events;
}

void
bench_lite_free (BenchLite *lite)
{
  if (lite == NULL)
    return;
  if (lite->cancellable != NULL)
    g_cancellable_cancel (lite->cancellable);
  g_clear_object (&lite->cancellable);
  if (lite->link != NULL)
    {
      g_signal_handlers_disconnect_by_data (lite->link, lite);
      serval_link_set_handlers (lite->link, NULL, NULL, NULL);
      serval_link_close (lite->link, NULL);
      g_clear_object (&lite->link);
    }
  g_free (lite->user);
  g_free (lite->password);
  g_free (lite->vlan);
  g_free (lite);
}
