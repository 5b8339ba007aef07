/* serval-bench-storm.c: the storm mode (issue 17). N bare clients log in
 * and join (and keep the resume token the server gives them), an active
 * pair pings (serval-bench-pair.c); then the server, which this mode runs
 * itself (--server-command), is stopped with SIGTERM and started again, and
 * every client comes back by itself with the engine's backoff. Measured:
 * when each came back, the accept rate over time, token or password, why
 * tries were refused, and the pair's round trip before and during it. */
#include "config.h"

#include "serval-bench.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <math.h>

#define SERIES_BIN_NS   (100 * G_GINT64_CONSTANT (1000000)) /* --series: 100 ms bins */
#define STOP_TIMEOUT_S  30
#define START_TIMEOUT_S 30

typedef struct
{
  GSubprocess *proc;
  gint64 storm_ns; /* SIGTERM sent; 0 before */
  gint64 down_ns;  /* the old server exited */
  gint64 spawn_ns; /* the new one started */
  guint back;      /* clients back after the restart */
  guint drops;     /* clients offline again after coming back */
  GArray *back_ns; /* gint64: each client's return, from storm_ns */
  BenchPair *pair;
  gint64 pair_back_ns;
} Storm;

static Storm storm;

void
storm_state_cb (BenchLite *lite, gboolean online, gpointer user_data)
{
  Sim *sim = user_data;

  if (storm.storm_ns == 0)
    return;
  if (!online)
    {
      if (sim->back_ns > 0)
        storm.drops++;
      return;
    }
  if (sim->back_ns > 0)
    return; /* back again after a second loss: the first return counts */
  sim->back_ns = now_ns () - storm.storm_ns;
  g_array_append_val (storm.back_ns, sim->back_ns);
  storm.back++;
}

/* In the server's process before exec: it gets SIGTERM if serval-bench
 * dies, so that no server is left listening after a crash. */
static void
server_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
server_start (GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_auto(GStrv) argv = NULL;
  int fd;

  if (!g_shell_parse_argv (opt_server_command, NULL, &argv, error))
    return FALSE;
  g_subprocess_launcher_set_child_setup (launcher, server_child_setup, NULL, NULL);
  if (opt_server_log != NULL)
    {
      if ((fd = open (opt_server_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot write %s: %s",
                       opt_server_log, g_strerror (errno));
          return FALSE;
        }
      g_subprocess_launcher_take_stdout_fd (launcher, fd);
    }
  storm.proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, error);
  if (storm.proc == NULL)
    return FALSE;
  opt_server_pid = atoi (g_subprocess_get_identifier (storm.proc));
  return TRUE;
}

/* Whether the server takes TCP connections at --server (one connection,
 * closed at once). */
static gboolean
server_listening (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, opt_server, 7465, NULL, NULL);
  return conn != NULL;
}

static gboolean
server_wait_listening (void)
{
  for (int i = 0; i < START_TIMEOUT_S * 20; i++)
    {
      if (server_listening ())
        return TRUE;
      if (g_subprocess_get_identifier (storm.proc) == NULL)
        return FALSE; /* it exited */
      g_usleep (50000);
      g_main_context_iteration (NULL, FALSE);
    }
  return FALSE;
}

static gboolean
server_gone (void)
{
  return g_subprocess_get_identifier (storm.proc) == NULL;
}

/* SIGTERM, as systemctl restart does; SIGKILL past STOP_TIMEOUT_S. The
 * main loop runs meanwhile: the clients see their links close. */
static void
server_stop (void)
{
  if (storm.proc == NULL)
    return;
  if (!server_gone ())
    {
      g_subprocess_send_signal (storm.proc, SIGTERM);
      run_until (STOP_TIMEOUT_S, server_gone);
      if (!server_gone ())
        {
          g_printerr ("serval-bench storm: the server did not stop within %d s of SIGTERM: killed\n",
                      STOP_TIMEOUT_S);
          g_subprocess_force_exit (storm.proc);
          g_subprocess_wait (storm.proc, NULL, NULL);
        }
    }
  g_clear_object (&storm.proc);
}

static gboolean
storm_done (void)
{
  /* The pair is back when a round trip made after the restart came back. */
  if (storm.pair_back_ns == 0 && storm.spawn_ns > 0 && bench_pair_last_sent (storm.pair) > storm.spawn_ns)
    storm.pair_back_ns = now_ns () - storm.storm_ns;
  return storm.back >= bench.n - bench.failed && storm.pair_back_ns > 0;
}

static gboolean
pair_ready (void)
{
  g_autofree char *e = bench_pair_dup_error (storm.pair);

  return bench_pair_ready (storm.pair) || e != NULL;
}

/* One request for /metrics at --metrics; NULL if it cannot be read. */
static char *
fetch_metrics (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
  guint8 chunk[4096];
  gssize n;

  if (opt_metrics == NULL)
    return NULL;
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 5);
  conn = g_socket_client_connect_to_host (client, opt_metrics, 9465, NULL, NULL);
  if (conn == NULL ||
      !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req), NULL, NULL, NULL))
    return NULL;
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), chunk, sizeof chunk, NULL, NULL)) > 0)
    g_byte_array_append (buf, chunk, n);
  g_byte_array_append (buf, (const guint8 *) "", 1);
  return g_strdup ((const char *) buf->data);
}

/* The value of the sample @name in a metrics page; -1 if absent. */
static double
metric (const char *text, const char *name)
{
  g_autofree char *key = g_strconcat ("\n", name, " ", NULL);
  const char *p = text != NULL ? strstr (text, key) : NULL;

  return p != NULL ? g_ascii_strtod (p + strlen (key), NULL) : -1;
}

static void
report_metrics (void)
{
  static const char *const names[][2] = {
    { "serval_connections_refused_total{reason=\"unauthenticated\"}", "server_refused_unauthenticated" },
    { "serval_connections_refused_total{reason=\"full\"}", "server_refused_full" },
    { "serval_tls_handshakes_total{kind=\"refused\"}", "server_refused_handshakes" },
    { "serval_logins_total{result=\"failed\"}", "server_logins_failed" },
    { "serval_token_logins_total{result=\"ok\"}", "server_token_logins" },
    { "serval_token_logins_total{result=\"refused\"}", "server_tokens_refused" },
  };
  g_autofree char *text = fetch_metrics ();

  if (opt_metrics != NULL && text == NULL)
    g_printerr ("serval-bench storm: cannot read http://%s/metrics: the server's refusal counters are not "
                "reported (give the server --http %s)\n",
                opt_metrics, opt_metrics);
  if (text == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    csv ("storm", names[i][1], metric (text, names[i][0]));
  g_printerr ("storm: the server's /metrics: %.0f connections refused for too many not logged in from one "
              "address, %.0f for too many handshakes from one address, %.0f as full; %.0f failed logins\n",
              metric (text, names[0][0]), metric (text, names[2][0]), metric (text, names[1][0]),
              metric (text, names[3][0]));
}

/* --series FILE: per 100 ms from SIGTERM, the returns per second, how many
 * are back, and the pair's median round trip in that bin (ms; nan: none). */
static void
write_series (void)
{
  gint64 end = 0;
  FILE *f;

  if (opt_series == NULL)
    return;
  if ((f = fopen (opt_series, "w")) == NULL)
    {
      g_printerr ("serval-bench storm: cannot write %s: %s\n", opt_series, g_strerror (errno));
      return;
    }
  for (guint i = 0; i < storm.back_ns->len; i++)
    end = MAX (end, g_array_index (storm.back_ns, gint64, i));
  end += SERIES_BIN_NS;
  fprintf (f, "t_s,accepts_per_s,back,rtt_p50_ms\n");
  for (gint64 t = 0, back = 0; t < end; t += SERIES_BIN_NS)
    {
      g_autoptr(GArray) bin = bench_pair_rtts (storm.pair, storm.storm_ns + t, storm.storm_ns + t + SERIES_BIN_NS);
      guint n = 0;
      char med[32] = "nan";

      for (guint i = 0; i < storm.back_ns->len; i++)
        n += g_array_index (storm.back_ns, gint64, i) >= t && g_array_index (storm.back_ns, gint64, i) < t + SERIES_BIN_NS;
      back += n;
      if (bin->len > 0)
        g_snprintf (med, sizeof med, "%.3f", quantile (bin, 0.5) / 1e6);
      fprintf (f, "%.2f,%.0f,%" G_GINT64_FORMAT ",%s\n", t / 1e9, n * 1e9 / SERIES_BIN_NS, back, med);
    }
  fclose (f);
}

/* The lite clients' counters added up. */
static BenchLiteStats
lite_totals (const char **example)
{
  BenchLiteStats t = { 0 };

  *example = NULL;
  for (guint i = 0; i < bench.n; i++)
    {
      const BenchLiteStats *s;

      if (bench.sims[i].lite == NULL)
        continue;
      s = bench_lite_get_stats (bench.sims[i].lite);
      t.logins_token += s->logins_token;
      t.logins_password += s->logins_password;
      t.tokens_refused += s->tokens_refused;
      t.tls_resumed += s->tls_resumed;
      t.connect_failed += s->connect_failed;
      t.closed_early += s->closed_early;
      t.rate_limited += s->rate_limited;
      t.rate_limited_token += s->rate_limited_token;
      t.server_full += s->server_full;
      t.other_error += s->other_error;
      if (*example == NULL && !bench_lite_is_online (bench.sims[i].lite))
        *example = bench_lite_get_last_error (bench.sims[i].lite);
    }
  return t;
}

/* Round trips of the pair: p50 and p99 in µs of those that came back in
 * [@from, @to), as CSV metrics PREFIX_p50_us, PREFIX_p99_us, PREFIX_samples. */
static void
report_rtt (const char *prefix, gint64 from, gint64 to, double out[2])
{
  g_autoptr(GArray) v = bench_pair_rtts (storm.pair, from, to);
  g_autofree char *p50 = g_strconcat (prefix, "_p50_us", NULL);
  g_autofree char *p99 = g_strconcat (prefix, "_p99_us", NULL);
  g_autofree char *n = g_strconcat (prefix, "_samples", NULL);

  out[0] = v->len > 0 ? quantile (v, 0.5) / 1e3 : NAN;
  out[1] = v->len > 0 ? quantile (v, 0.99) / 1e3 : NAN;
  csv ("storm", p50, out[0]);
  csv ("storm", p99, out[1]);
  csv ("storm", n, v->len);
}

static void
report_storm (double cpu0, double cpu1, double self0, double self1)
{
  GArray *v = storm.back_ns;
  const char *example;
  BenchLiteStats t = lite_totals (&example);
  gint64 last;
  double quiet[2], during[2];
  guint before = bench.n - bench.failed;

  g_array_sort (v, cmp_i64);
  last = v->len > 0 ? quantile (v, 1.0) : 0;
  csv ("storm", "online_before", before);
  csv ("storm", "back", storm.back);
  csv ("storm", "not_back", before - MIN (storm.back, before));
  csv ("storm", "server_down_ms", (storm.down_ns - storm.storm_ns) / 1e6);
  csv ("storm", "server_spawn_ms", (storm.spawn_ns - storm.storm_ns) / 1e6);
  csv ("storm", "back_p50_ms", quantile (v, 0.5) / 1e6);
  csv ("storm", "back_p99_ms", quantile (v, 0.99) / 1e6);
  csv ("storm", "back_max_ms", last / 1e6);
  csv ("storm", "last_back_after_spawn_ms", v->len > 0 ? (last - (storm.spawn_ns - storm.storm_ns)) / 1e6 : NAN);
  csv ("storm", "accepts_per_s", v->len > 0 && last > storm.spawn_ns - storm.storm_ns ? v->len * 1e9 / (last - (storm.spawn_ns - storm.storm_ns)) : NAN);
  csv ("storm", "drops_after_back", storm.drops);
  csv ("storm", "logins_token", t.logins_token);
  csv ("storm", "logins_password", t.logins_password - before); /* less each client's first */
  csv ("storm", "tokens_refused", t.tokens_refused);
  csv ("storm", "tls_resumed", t.tls_resumed);
  csv ("storm", "tries_connect_failed", t.connect_failed);
  csv ("storm", "tries_closed_early", t.closed_early);
  csv ("storm", "tries_rate_limited", t.rate_limited);
  csv ("storm", "tries_rate_limited_token", t.rate_limited_token);
  csv ("storm", "tries_server_full", t.server_full);
  csv ("storm", "tries_other_error", t.other_error);
  csv ("storm", "pair_back_ms", storm.pair_back_ns / 1e6);
  report_rtt ("rtt_quiet", storm.storm_ns - opt_seconds * G_GINT64_CONSTANT (1000000000), storm.storm_ns, quiet);
  /* During the storm: from the pair's return until the last client's. */
  report_rtt ("rtt_storm", storm.storm_ns + storm.pair_back_ns, storm.storm_ns + MAX (last, storm.pair_back_ns), during);
  csv ("storm", "rtt_ratio_p50", during[0] / quiet[0]);
  csv ("storm", "rtt_ratio_p99", during[1] / quiet[1]);
  csv ("storm", "server_cpu_s", cpu1 - cpu0);
  csv ("storm", "bench_cpu_s", self1 - self0);
  g_printerr ("storm: %u of %u clients back, the last %.2f s after SIGTERM (%.2f s after the new server "
              "started; it was down %.2f s); per client p50 %.2f s, max %.2f s; logins %u with the token, %u "
              "with the password (%u tokens refused), %u TLS sessions resumed; tries that failed: %u not "
              "accepted (server down), %u closed early, %u rateLimited (%u of them with a token), %u serverFull, %u other%s%s; pair back "
              "after %.2f s, RTT quiet p50 %.0f us p99 %.0f us, during the storm p50 %.0f us p99 %.0f us (x%.2f, x%.2f); "
              "CPU: server %.1f s, this process %.1f s\n",
              storm.back, before, last / 1e9, (last - (storm.spawn_ns - storm.storm_ns)) / 1e9,
              (storm.spawn_ns - storm.storm_ns) / 1e9, quantile (v, 0.5) / 1e9, last / 1e9,
              t.logins_token, t.logins_password - before, t.tokens_refused, t.tls_resumed,
              t.connect_failed, t.closed_early, t.rate_limited, t.rate_limited_token, t.server_full, t.other_error,
              example != NULL ? "; one not back: " : "", example != NULL ? example : "",
              storm.pair_back_ns / 1e9, quiet[0], quiet[1], during[0], during[1], during[0] / quiet[0],
              during[1] / quiet[1], cpu1 - cpu0, self1 - self0);
}

/* The server up, the clients and the pair in, a quiet spell of --seconds. */
static gboolean
storm_setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pair_error = NULL;
  double secs;

  if (!server_start (&error))
    {
      g_printerr ("serval-bench storm: cannot start the server (--server-command): %s\n", error->message);
      return FALSE;
    }
  if (!server_wait_listening ())
    {
      g_printerr ("serval-bench storm: the server did not take connections at %s within %d s (see %s)\n",
                  opt_server, START_TIMEOUT_S, opt_server_log != NULL ? opt_server_log : "its output");
      return FALSE;
    }
  bench.lite = TRUE;
  bench.reconnect = TRUE;
  secs = connect_all (TRUE, FALSE);
  g_printerr ("storm: %u of %d clients logged in and joined in %.1f s\n", bench.n - bench.failed, opt_clients, secs);
  storm.pair = bench_pair_start (bench.n);
  run_until (30, pair_ready);
  pair_error = bench_pair_dup_error (storm.pair);
  if (!bench_pair_ready (storm.pair))
    {
      g_printerr ("serval-bench storm: the active pair (users %s%05u and %s%05u in %s) did not log in and join: %s\n",
                  opt_prefix, opt_first + bench.n, opt_prefix, opt_first + bench.n + 1, opt_vlan,
                  pair_error != NULL ? pair_error : "no answer within 30 s");
      return FALSE;
    }
  if (bench.failed == bench.n)
    {
      g_printerr ("serval-bench storm: no client logged in (%s)\n", bench.first_error);
      return FALSE;
    }
  run_for (MAX (opt_seconds, 1));
  return TRUE;
}

int
mode_storm (void)
{
  g_autoptr(GError) error = NULL;
  double cpu0 = 0, cpu1, self0, self1;
  int status = 1;

  if (opt_server_command == NULL)
    {
      g_printerr ("serval-bench storm: say how to start the server with --server-command \"serval-server "
                  "--data-dir DIR --listen ADDRESS ...\": this mode stops and starts it\n");
      return 1;
    }
  storm.back_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!storm_setup ())
    goto out;

  /* Spread evenly: client K forgets it when (K + 1) * F passes a whole number. */
  for (guint i = 0; i < bench.n; i++)
    if (bench.sims[i].lite != NULL && (guint) ((i + 1) * opt_password_share) > (guint) (i * opt_password_share))
      bench_lite_forget_token (bench.sims[i].lite);
  self0 = self_cpu_s ();
  storm.storm_ns = now_ns ();
  server_stop ();
  storm.down_ns = now_ns ();
  if (!server_start (&error))
    {
      g_printerr ("serval-bench storm: cannot start the server again: %s\n", error->message);
      goto out;
    }
  storm.spawn_ns = now_ns ();
  cpu0 = proc_cpu_s (opt_server_pid);
  run_until (opt_timeout > 0 ? opt_timeout : 60 + bench.n / 50.0, storm_done);
  cpu1 = proc_cpu_s (opt_server_pid);
  self1 = self_cpu_s ();
  report_storm (cpu0, cpu1, self0, self1);
  report_metrics ();
  write_series ();
  status = storm.back >= bench.n - bench.failed && storm.pair_back_ns > 0 ? 0 : 2;

out:
  g_clear_pointer (&storm.pair, bench_pair_free);
  /* Gone before the server, so that they do not storm it as it stops. */
  for (guint i = 0; i < bench.n; i++)
    g_clear_pointer (&bench.sims[i].lite, bench_lite_free);
  server_stop ();
  g_array_unref (storm.back_ns);
  return status;
}
