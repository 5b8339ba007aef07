/* serval-bench-util.c: the clock, /proc, the CSV lines, the main loop. */
#include "config.h"

#include "serval-bench.h"

/* --- helpers --------------------------------------------------------------- */

gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double
now_s (void)
{
  return now_ns () / 1e9;
}

FILE *csv_out;

void
csv (const char *mode, const char *metric, double value)
{
  gboolean sized = g_str_equal (mode, "throughput") || g_str_equal (mode, "latency");
  gboolean concurrent = g_str_equal (mode, "idle") || g_str_equal (mode, "soak") || g_str_equal (mode, "churn") ||
                        g_str_equal (mode, "logins") ||
                        g_str_has_prefix (mode, "logins-token") || g_str_equal (mode, "storm");

  fprintf (csv_out, "%s,%d,%d,%d,%d,%s,%s,%.6g\n", mode, opt_clients,
           sized ? opt_size : 0, g_str_equal (mode, "latency") ? opt_rate : 0,
           concurrent ? opt_concurrency : 0, opt_label, metric, value);
  fflush (csv_out);
}

/* Reads a "Key:   123 kB" line of /proc/PID/status; -1 if unknown. */
gint64
proc_status_kib (int pid, const char *key)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], key) && lines[i][strlen (key)] == ':')
      return g_ascii_strtoll (lines[i] + strlen (key) + 1, NULL, 10);
  return -1;
}

/* User + system CPU seconds of a process from /proc/PID/stat; -1 if unknown. */
double
proc_cpu_s (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) f = NULL;
  const char *p;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return -1;
  /* After "pid (comm)": field 3 is f[0], so utime (14) is f[11], stime f[12]. */
  f = g_strsplit (p + 2, " ", -1);
  if (g_strv_length (f) < 13)
    return -1;
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

double
self_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

gboolean
raise_fd_limit (guint need)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return FALSE;
  if (rl.rlim_cur >= need)
    return TRUE;
  if (rl.rlim_max < need)
    {
      struct rlimit want = { need, need };

      if (setrlimit (RLIMIT_NOFILE, &want) == 0)
        {
          g_printerr ("serval-bench: raised RLIMIT_NOFILE (soft and hard) to %u for %d clients\n",
                      need, opt_clients);
          return TRUE;
        }
    }
  /* Up to the hard limit, as serval-server does. */
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
    g_printerr ("serval-bench: raised the RLIMIT_NOFILE soft limit to its hard limit %lu for %d clients\n",
                (unsigned long) rl.rlim_cur, opt_clients);
  if (rl.rlim_cur < need)
    g_printerr ("serval-bench: %d clients need %u open files and the hard limit is %lu: run as root "
                "or raise it (ulimit -Hn, LimitNOFILE=)\n",
                opt_clients, need, (unsigned long) rl.rlim_max);
  return rl.rlim_cur >= need;
}

int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The @p quantile (0..1) of sorted @v by the nearest-rank method. */
gint64
quantile (GArray *v, double p)
{
  gsize rank;

  if (v->len == 0)
    return 0;
  rank = (gsize) (p * v->len + 0.999999);
  rank = CLAMP (rank, 1, v->len);
  return g_array_index (v, gint64, rank - 1);
}

/* Set by SIGINT or SIGTERM: stop waiting and report what was reached. */
gboolean interrupted;

gboolean
signal_cb (gpointer data)
{
  if (!interrupted)
    g_printerr ("serval-bench: interrupted; reporting what was measured so far\n");
  interrupted = TRUE;
  return G_SOURCE_CONTINUE;
}

gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @seconds have passed or *@done_flag is set. */
void
run_until (double seconds, gboolean (*done) (void))
{
  double end = now_s () + seconds;
  GSource *tick = g_timeout_source_new (20);

  /* The tick only wakes the loop up to look at the clock. */
  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!interrupted && now_s () < end && (done == NULL || !done ()))
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
}

void
run_for (double seconds)
{
  run_until (seconds, NULL);
}
