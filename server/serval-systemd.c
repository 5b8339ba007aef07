/* serval-systemd.c: readiness, status and the watchdog for systemd. */
#include "config.h"

#include "serval-systemd.h"

#include <systemd/sd-daemon.h>

#include "serval-util.h"

/* How often the status line is refreshed when there is no watchdog. */
#define STATUS_INTERVAL_S 10

static GSource *tick_source;

/* "12 clients, 10 logged in; cluster ok" */
static char *
status_text (ServalServer *server)
{
  ServalServerStats st;
  const char *cluster = serval_server_get_cluster_state (server);

  serval_server_get_stats (server, &st);
  if (g_str_equal (cluster, "none"))
    return g_strdup_printf ("STATUS=%u clients, %u logged in", st.clients, st.sessions);
  return g_strdup_printf ("STATUS=%u clients, %u logged in; cluster store %s", st.clients, st.sessions, cluster);
}

static gboolean
tick_cb (gpointer data)
{
  ServalServer *server = data;
  g_autofree char *status = status_text (server);
  g_autofree char *message = NULL;
  guint64 usec = 0;

  if (sd_watchdog_enabled (0, &usec) > 0)
    message = g_strdup_printf ("WATCHDOG=1\n%s", status);
  else
    message = g_steal_pointer (&status);
  sd_notify (0, message);
  return G_SOURCE_CONTINUE;
}

void
serval_systemd_ready (ServalServer *server)
{
  g_autofree char *status = NULL;
  g_autofree char *message = NULL;
  guint64 usec = 0;
  guint interval_ms = STATUS_INTERVAL_S * 1000;

  if (g_getenv ("NOTIFY_SOCKET") == NULL)
    return;
  status = status_text (server);
  message = g_strdup_printf ("READY=1\n%s", status);
  sd_notify (0, message);
  if (sd_watchdog_enabled (0, &usec) > 0)
    interval_ms = MAX (usec / 2000, 1);
  serval_clear_source (&tick_source);
  tick_source = g_timeout_source_new (interval_ms);
  g_source_set_callback (tick_source, tick_cb, server, NULL);
  g_source_attach (tick_source, NULL);
}

void
serval_systemd_stopping (void)
{
  serval_clear_source (&tick_source);
  if (g_getenv ("NOTIFY_SOCKET") != NULL)
    sd_notify (0, "STOPPING=1\nSTATUS=Stopping: telling the clients");
}
