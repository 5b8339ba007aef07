/* serval-bench-churn.c: the churn mode. */
#include "config.h"

#include "serval-bench.h"

/* --- churn ------------------------------------------------------------------ */

typedef struct
{
  guint64 joins, leaves, logins, rejoins, lost;
  guint64 evil_names, evil_refused, evil_taken, floods, flood_frames;
  guint64 frames_sent, frames_refused;
  guint errors;
  char *first_error;
} Churn;

static Churn churn;

void
churn_error (Sim *sim, const char *what, const GError *error)
{
  churn.errors++;
  sim->busy = FALSE;
  /* The first few on standard error, every one with --verbose. */
  if (churn.errors <= 20 || opt_verbose)
    g_printerr ("serval-bench churn: %s%05u: %s: %s\n", opt_prefix, opt_first + sim->index, what,
                error->message);
  if (churn.first_error == NULL)
    churn.first_error = g_strdup_printf ("%s%05u: %s: %s", opt_prefix, opt_first + sim->index, what,
                                         error->message);
}

/* The VLAN @sim is in, or is joining: --vlan or its group VLAN. */
const char *
churn_vlan (Sim *sim, char *buf, gsize size)
{
  return sim->in_main ? opt_vlan : sim_vlan_name (sim, buf, size);
}

void
churn_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_object (&sim->vlan);
  sim->vlan = serval_client_join_finish (SERVAL_CLIENT (source), result, &error);
  if (sim->vlan == NULL)
    {
      churn_error (sim, "join", error);
      return;
    }
  churn.joins++;
  sim->busy = FALSE;
}

void
churn_join (Sim *sim)
{
  char buf[128];

  serval_client_join_frames_async (sim->client, churn_vlan (sim, buf, sizeof buf), sim->mac, frame_cb, sim, NULL,
                                   churn_joined_cb, sim);
}

void
churn_left_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GError) error = NULL;

  if (!serval_client_leave_finish (SERVAL_CLIENT (source), result, &error))
    {
      churn_error (sim, "leave", error);
      return;
    }
  churn.leaves++;
  sim->in_main = !sim->in_main;
  churn_join (sim);
}

void
churn_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GError) error = NULL;
  gboolean evil = sim->evil_name;
  GListModel *vlans;
  char buf[128];

  if (evil)
    {
      sim->evil_name = FALSE;
      serval_client_set_host_name (sim->client, "serval-bench");
    }
  if (!serval_client_connect_finish (SERVAL_CLIENT (source), result, &error))
    {
      if (evil)
        {
          /* Refused, as it should be: now log in properly. */
          churn.evil_refused++;
          churn_reconnect (sim, FALSE);
          return;
        }
      churn_error (sim, "login", error);
      return;
    }
  if (evil)
    {
      churn.evil_taken++;
      g_printerr ("serval-bench churn: %s%05u: the server took a host name with control characters\n",
                  opt_prefix, opt_first + sim->index);
    }
  churn.logins++;
  /* The client joins again by itself the VLANs it was in: take that one. */
  vlans = serval_client_get_vlans (sim->client);
  for (guint i = 0; i < g_list_model_get_n_items (vlans); i++)
    {
      g_autoptr(ServalClientVlan) vlan = g_list_model_get_item (vlans, i);

      if (g_str_equal (serval_client_vlan_get_name (vlan), churn_vlan (sim, buf, sizeof buf)))
        {
          churn.rejoins++;
          sim->vlan = g_steal_pointer (&vlan);
          sim->busy = FALSE;
          return;
        }
    }
  churn_join (sim);
}

/* Disconnects @sim and logs in again (with @evil, with control characters
 * in its host name), then joins the VLAN it was in. */
void
churn_reconnect (Sim *sim, gboolean evil)
{
  sim->busy = TRUE;
  g_clear_object (&sim->vlan);
  serval_client_disconnect (sim->client);
  if (evil)
    {
      sim->evil_name = TRUE;
      churn.evil_names++;
      serval_client_set_host_name (sim->client, "evil\x1b[2J\r\nname\a");
    }
  serval_client_connect_async (sim->client, NULL, churn_connected_cb, sim);
}

gboolean
churn_usable (Sim *sim)
{
  return !sim->busy && sim->vlan != NULL && serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE;
}

/* Ten times a second: every client's frames at its share of --rate, and
 * the clients whose time has come leave and join, or log in again. */
gboolean
churn_tick_cb (gpointer data)
{
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  static gint64 last;
  gint64 now = now_ns ();
  double per_client = (double) opt_rate / bench.n;

  if (last == 0)
    last = now;
  for (guint i = 0; i < bench.n; i++)
    {
      Sim *sim = &bench.sims[i];
      char buf[128];

      if (churn_usable (sim))
        {
          sim->credit = MIN (sim->credit + per_client * (now - last) / 1e9, 10);
          while (sim->credit >= 1)
            {
              guint base = opt_group > 0 ? i / opt_group * opt_group : 0;
              guint span = opt_group > 0 ? MIN ((guint) opt_group, bench.n - base) : bench.n;
              const guint8 *dst = g_random_int_range (0, 10) == 0 ? bcast : bench.sims[base + g_random_int_range (0, span)].mac;

              sim->credit -= 1;
              if (send_frame (sim, dst, KIND_DATA, MIN_FRAME))
                churn.frames_sent++;
              else
                churn.frames_refused++;
            }
        }
      if (sim->busy || now < sim->next_action)
        continue;
      sim->next_action = now + (gint64) (g_random_double_range (0.5, 1.5) * opt_churn_interval * 1e9);
      if (!churn_usable (sim))
        {
          /* Its connection was lost, or its last step failed: start again. */
          churn.lost++;
          churn_reconnect (sim, FALSE);
        }
      else if (g_random_int_range (0, 3) == 0)
        churn_reconnect (sim, FALSE);
      else
        {
          sim->busy = TRUE;
          g_clear_object (&sim->vlan);
          serval_client_leave_async (sim->client, churn_vlan (sim, buf, sizeof buf), NULL, churn_left_cb, sim);
        }
    }
  last = now;
  return G_SOURCE_CONTINUE;
}

/* Every --hostile-interval: one client misbehaves, in turn with its host
 * name or with a burst of frames to MACs nobody has. */
gboolean
churn_hostile_cb (gpointer data)
{
  static guint turn;
  Sim *sim = &bench.sims[g_random_int_range (0, bench.n)];
  guint8 dst[6];

  if (!churn_usable (sim))
    return G_SOURCE_CONTINUE;
  if (turn++ % 2 == 0)
    {
      churn_reconnect (sim, TRUE);
      return G_SOURCE_CONTINUE;
    }
  churn.floods++;
  for (int k = 0; k < 256; k++)
    {
      for (int j = 0; j < 6; j++)
        dst[j] = g_random_int_range (0, 256);
      dst[0] = (dst[0] & 0xfc) | 0x02; /* unicast, locally administered */
      if (!send_frame (sim, dst, KIND_DATA, MIN_FRAME))
        break;
      churn.flood_frames++;
    }
  return G_SOURCE_CONTINUE;
}

gboolean
churn_status_cb (gpointer data)
{
  SoakCounts c = soak_counts ();
  guint busy = 0;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < bench.n; i++)
    busy += bench.sims[i].busy;
  text = g_strdup_printf ("online %u\nbusy %u\njoins %" G_GUINT64_FORMAT "\nleaves %" G_GUINT64_FORMAT
                          "\nlogins %" G_GUINT64_FORMAT "\nlost %" G_GUINT64_FORMAT "\nerrors %u\n"
                          "evil_names %" G_GUINT64_FORMAT "\nfloods %" G_GUINT64_FORMAT
                          "\nframes_sent %" G_GUINT64_FORMAT "\n",
                          c.online, busy, churn.joins, churn.leaves, churn.logins, churn.lost, churn.errors,
                          churn.evil_names, churn.floods, churn.frames_sent);
  if (opt_status_file != NULL && !g_file_set_contents (opt_status_file, text, -1, &error))
    g_printerr ("serval-bench churn: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

gboolean
churn_idle (void)
{
  for (guint i = 0; i < bench.n; i++)
    if (bench.sims[i].busy)
      return FALSE;
  return TRUE;
}

int
mode_churn (void)
{
  GSource *tick, *status, *hostile = NULL;
  double secs, t0, cpu0, cpu1;
  guint64 received = 0;
  SoakCounts c;
  gint64 now;

  secs = connect_all (TRUE, FALSE);
  c = soak_counts ();
  g_printerr ("churn: %u of %d clients online after %.1f s of logging in (%u failed); churning for %d s\n",
              c.online, opt_clients, secs, bench.failed, opt_seconds);
  if (bench.failed > 0)
    check_clients_online ("churn");
  now = now_ns ();
  for (guint i = 0; i < bench.n; i++)
    {
      /* connect_all joined the group VLAN, if any. */
      bench.sims[i].in_main = opt_group == 0;
      bench.sims[i].next_action = now + (gint64) (g_random_double_range (0, opt_churn_interval) * 1e9);
    }
  t0 = now_s ();
  cpu0 = proc_cpu_s (opt_server_pid);
  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, churn_tick_cb, NULL, NULL);
  g_source_attach (tick, NULL);
  status = g_timeout_source_new (1000);
  g_source_set_callback (status, churn_status_cb, NULL, NULL);
  g_source_attach (status, NULL);
  if (opt_hostile_interval > 0)
    {
      hostile = g_timeout_source_new (MAX (opt_hostile_interval * 1000, 1));
      g_source_set_callback (hostile, churn_hostile_cb, NULL, NULL);
      g_source_attach (hostile, NULL);
    }
  run_for (opt_seconds > 0 ? opt_seconds : G_MAXINT);
  g_source_destroy (tick);
  g_source_unref (tick);
  if (hostile != NULL)
    {
      g_source_destroy (hostile);
      g_source_unref (hostile);
    }
  /* Let the steps in flight end (a safety net of 30 s) before counting. */
  interrupted = FALSE;
  run_until (30, churn_idle);
  g_source_destroy (status);
  g_source_unref (status);
  churn_status_cb (NULL);
  cpu1 = proc_cpu_s (opt_server_pid);
  secs = now_s () - t0;

  c = soak_counts ();
  for (guint i = 0; i < bench.n; i++)
    received += bench.sims[i].received;
  csv ("churn", "seconds", secs);
  csv ("churn", "online", c.online);
  csv ("churn", "failed", bench.failed);
  csv ("churn", "joins", churn.joins);
  csv ("churn", "leaves", churn.leaves);
  csv ("churn", "logins", churn.logins);
  csv ("churn", "rejoins", churn.rejoins);
  csv ("churn", "lost", churn.lost);
  csv ("churn", "errors", churn.errors);
  csv ("churn", "evil_names", churn.evil_names);
  csv ("churn", "evil_refused", churn.evil_refused);
  csv ("churn", "evil_taken", churn.evil_taken);
  csv ("churn", "floods", churn.floods);
  csv ("churn", "flood_frames", churn.flood_frames);
  csv ("churn", "frames_sent", churn.frames_sent);
  csv ("churn", "frames_refused", churn.frames_refused);
  csv ("churn", "frames_received", received);
  if (cpu0 >= 0 && cpu1 >= 0)
    csv ("churn", "server_cpu_s", cpu1 - cpu0);
  g_printerr ("churn: %.0f s; %u of %d online at the end; %" G_GUINT64_FORMAT " joins, %" G_GUINT64_FORMAT
              " leaves, %" G_GUINT64_FORMAT " logins after the first (%" G_GUINT64_FORMAT " back in their VLAN by themselves), %" G_GUINT64_FORMAT
              " clients found offline and started again, %u errors (first: %s); host names with control "
              "characters %" G_GUINT64_FORMAT " (refused %" G_GUINT64_FORMAT ", taken %" G_GUINT64_FORMAT
              "); %" G_GUINT64_FORMAT " floods of %" G_GUINT64_FORMAT " frames to random MACs; frames sent %" G_GUINT64_FORMAT ", refused by the link %" G_GUINT64_FORMAT ", received (unicast) %" G_GUINT64_FORMAT
              "\n",
              secs, c.online, opt_clients, churn.joins, churn.leaves, churn.logins, churn.rejoins, churn.lost, churn.errors,
              churn.first_error != NULL ? churn.first_error : "none", churn.evil_names, churn.evil_refused,
              churn.evil_taken, churn.floods, churn.flood_frames, churn.frames_sent, churn.frames_refused,
              received);
  g_free (churn.first_error);
  if (c.online == bench.n && churn.errors == 0 && churn.evil_taken == 0)
    return 0;
  return c.online > 0 ? 2 : 1;
}
