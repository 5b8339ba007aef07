/* serval-bench-traffic.c: frames, and the throughput and latency modes. */
#include "config.h"

#include "serval-bench.h"

/* --- frames ---------------------------------------------------------------- */

void
put64 (guint8 *p, guint64 v)
{
  serval_put_be32 (p, v >> 32);
  serval_put_be32 (p + 4, (guint32) v);
}

guint64
get64 (const guint8 *p)
{
  return (guint64) serval_get_be32 (p) << 32 | serval_get_be32 (p + 4);
}

/* Sends one frame from @sim to @dst; TRUE if the link took it. */
gboolean
send_frame (Sim *sim, const guint8 dst[6], guint8 kind, gsize size)
{
  guint8 *f = bench.frame;
  guint8 *p = f + HDR_LEN;

  memcpy (f, dst, 6);
  memcpy (f + 6, sim->mac, 6);
  f[12] = BENCH_ETHERTYPE >> 8;
  f[13] = BENCH_ETHERTYPE & 0xff;
  serval_put_be32 (p, BENCH_MAGIC);
  p[4] = kind;
  serval_put_be32 (p + 5, sim->seq);
  put64 (p + 9, now_ns ());
  serval_put_be32 (p + 17, sim->index);
  if (!serval_client_vlan_send (sim->vlan, f, size))
    return FALSE;
  sim->seq++;
  return TRUE;
}

void
frame_cb (ServalClientVlan *vlan, const guint8 *frame, gsize len, gpointer user_data)
{
  Sim *sim = user_data;
  const guint8 *p = frame + HDR_LEN;
  gint64 sent_at;

  if (len < HDR_LEN + PAYLOAD_LEN || frame[12] != BENCH_ETHERTYPE >> 8 ||
      frame[13] != (BENCH_ETHERTYPE & 0xff) || serval_get_be32 (p) != BENCH_MAGIC || p[4] != KIND_DATA ||
      memcmp (frame, sim->mac, 6) != 0)
    return;
  sim->received++;
  sent_at = (gint64) get64 (p + 9);
  if (bench.measuring)
    {
      gint64 lat = now_ns () - sent_at;

      g_array_append_val (bench.latency_ns, lat);
    }
}

/* Every client sends a broadcast so that the switch learns its MAC. */
void
learn_macs (void)
{
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

  for (guint i = 0; i < bench.n; i++)
    if (bench.sims[i].online)
      send_frame (&bench.sims[i], bcast, KIND_LEARN, MIN_FRAME);
  run_for (0.5);
}

/* Client 2k sends to client 2k+1. */
void
make_pairs (void)
{
  for (guint i = 0; i + 1 < bench.n; i += 2)
    {
      bench.sims[i].sender = TRUE;
      memcpy (bench.sims[i].peer_mac, bench.sims[i + 1].mac, 6);
    }
}

Totals
totals (void)
{
  Totals t = { 0 };

  for (guint i = 0; i < bench.n; i++)
    {
      t.sent += bench.sims[i].sent;
      t.refused += bench.sims[i].refused;
      t.received += bench.sims[i].received;
    }
  return t;
}

gboolean
pump_cb (gpointer data)
{
  gsize size = opt_size;

  for (guint i = 0; i < bench.n; i++)
    {
      Sim *sim = &bench.sims[i];

      if (!sim->sender)
        continue;
      for (int k = 0; k < SEND_BATCH; k++)
        {
          if (!send_frame (sim, sim->peer_mac, KIND_DATA, size))
            {
              /* The link's queue is full: back off until the next iteration. */
              sim->refused++;
              break;
            }
          sim->sent++;
        }
    }
  return G_SOURCE_CONTINUE;
}

gboolean
pace_cb (gpointer data)
{
  static gint64 last;
  gint64 now = now_ns ();
  guint senders = bench.n / 2;
  double per_sender = (double) opt_rate / senders;

  if (last == 0)
    last = now;
  for (guint i = 0; i < bench.n; i++)
    {
      Sim *sim = &bench.sims[i];

      if (!sim->sender)
        continue;
      sim->credit += per_sender * (now - last) / 1e9;
      /* Never catch up more than 50 ms of load after a stall. */
      sim->credit = MIN (sim->credit, per_sender * 0.05 + 1);
      while (sim->credit >= 1)
        {
          sim->credit -= 1;
          if (send_frame (sim, sim->peer_mac, KIND_DATA, opt_size))
            sim->sent++;
          else
            sim->refused++;
        }
    }
  last = now;
  return G_SOURCE_CONTINUE;
}

gboolean
check_clients_online (const char *mode)
{
  if (bench.failed > 0)
    {
      g_printerr ("serval-bench %s: %u of %u clients could not log in or join; first: %s\n"
                  "  Check that the server runs at %s, that --fingerprint is right and that the users "
                  "exist (serval-bench populate)\n",
                  mode, bench.failed, bench.n, bench.first_error, opt_server);
      return FALSE;
    }
  return TRUE;
}

/* --- modes ----------------------------------------------------------------- */

int
mode_throughput (void)
{
  double s0, s1, c0, c1, b0, b1, t0, t1;
  Totals a, b, end;
  GSource *pump;

  connect_all (TRUE, FALSE);
  if (!check_clients_online ("throughput"))
    return 1;
  make_pairs ();
  learn_macs ();
  /* --warmup seconds of load, then the measured window. */
  pump = g_idle_source_new ();
  g_source_set_priority (pump, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (pump, pump_cb, NULL, NULL);
  g_source_attach (pump, NULL);
  run_for (opt_warmup);
  a = totals ();
  s0 = proc_cpu_s (opt_server_pid);
  c0 = self_cpu_s ();
  t0 = now_s ();
  b0 = t0;
  run_for (opt_seconds);
  t1 = now_s ();
  b = totals ();
  s1 = proc_cpu_s (opt_server_pid);
  c1 = self_cpu_s ();
  b1 = t1;
  g_source_destroy (pump);
  g_source_unref (pump);
  /* Let what is queued arrive before counting losses. */
  run_for (opt_seconds > 1 ? 1.0 : 0.5);
  end = totals ();

  {
    g_autofree char *scpu = s0 >= 0 && s1 >= 0 ? g_strdup_printf ("%.2f", (s1 - s0) / (t1 - t0)) : g_strdup ("unknown (no --server-pid)");
    double secs = t1 - t0;
    double rx_fps = (b.received - a.received) / secs;
    double tx_fps = (b.sent - a.sent) / secs;
    double refused = (b.refused - a.refused) / secs;
    double lost = end.sent > end.received ? (double) (end.sent - end.received) : 0;
    double gbps = rx_fps * opt_size * 8 / 1e9;

    csv ("throughput", "rx_fps", rx_fps);
    csv ("throughput", "rx_gbps", gbps);
    csv ("throughput", "tx_fps", tx_fps);
    csv ("throughput", "refused_per_s", refused);
    csv ("throughput", "sent_total", end.sent);
    csv ("throughput", "received_total", end.received);
    csv ("throughput", "refused_total", end.refused);
    csv ("throughput", "lost_total", lost);
    csv ("throughput", "bench_cpu_util", (c1 - c0) / (b1 - b0));
    if (s0 >= 0 && s1 >= 0)
      csv ("throughput", "server_cpu_util", (s1 - s0) / secs);
    g_printerr ("throughput: %d clients (%d pairs), %d-byte frames, %.1f s: received %.0f frames/s "
                "(%.3f Gbit/s), sent %.0f/s, refused by the link %.0f/s; in all %" G_GUINT64_FORMAT
                " sent, %" G_GUINT64_FORMAT " received, %.0f lost; CPU: bench %.2f, server %s cores\n",
                opt_clients, opt_clients / 2, opt_size, secs, rx_fps, gbps, tx_fps, refused,
                end.sent, end.received, lost, (c1 - c0) / (b1 - b0), scpu);
  }
  return 0;
}

int
mode_latency (void)
{
  double t0, t1, s0, s1;
  Totals a, b, end;
  GSource *pace;

  connect_all (TRUE, FALSE);
  if (!check_clients_online ("latency"))
    return 1;
  make_pairs ();
  learn_macs ();
  pace = g_timeout_source_new (1);
  g_source_set_callback (pace, pace_cb, NULL, NULL);
  g_source_attach (pace, NULL);
  run_for (opt_warmup);
  bench.measuring = TRUE;
  a = totals ();
  s0 = proc_cpu_s (opt_server_pid);
  t0 = now_s ();
  run_for (opt_seconds);
  t1 = now_s ();
  s1 = proc_cpu_s (opt_server_pid);
  b = totals ();
  g_source_destroy (pace);
  g_source_unref (pace);
  run_for (1.0);
  bench.measuring = FALSE;
  end = totals ();

  g_array_sort (bench.latency_ns, cmp_i64);
  {
    GArray *v = bench.latency_ns;
    double secs = t1 - t0;
    double us[5] = { quantile (v, 0.5) / 1e3, quantile (v, 0.9) / 1e3, quantile (v, 0.99) / 1e3,
                     quantile (v, 0.999) / 1e3, quantile (v, 1.0) / 1e3 };
    double lost = end.sent > end.received ? (double) (end.sent - end.received) : 0;

    csv ("latency", "tx_fps", (b.sent - a.sent) / secs);
    csv ("latency", "rx_fps", (b.received - a.received) / secs);
    csv ("latency", "samples", v->len);
    csv ("latency", "p50_us", us[0]);
    csv ("latency", "p90_us", us[1]);
    csv ("latency", "p99_us", us[2]);
    csv ("latency", "p999_us", us[3]);
    csv ("latency", "max_us", us[4]);
    csv ("latency", "refused_total", end.refused);
    csv ("latency", "lost_total", lost);
    if (s0 >= 0 && s1 >= 0)
      csv ("latency", "server_cpu_util", (s1 - s0) / secs);
    g_printerr ("latency: %d clients, %d-byte frames, offered %d frames/s, %u samples: one-way "
                "p50 %.0f us, p90 %.0f, p99 %.0f, p99.9 %.0f, max %.0f; %" G_GUINT64_FORMAT
                " refused, %.0f lost\n",
                opt_clients, opt_size, opt_rate, v->len,
                us[0], us[1], us[2], us[3], us[4], end.refused, lost);
    if (v->len == 0)
      {
        g_printerr ("serval-bench latency: no frame arrived: the server does not forward between "
                    "the clients; look at its log\n");
        return 1;
      }
  }
  return 0;
}
