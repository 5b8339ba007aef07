/* serval-bench-modes.c: the idle, logins, soak and populate modes. */
#include "config.h"

#include "serval-bench.h"

int
mode_idle (void)
{
  gint64 rss0, rss1, hwm1, self0, self1;
  double secs, cpu0, cpu1, cpu2, hold0, held;
  guint online = 0;
  guint64 events = 0;

  if (opt_server_pid <= 0 || proc_status_kib (opt_server_pid, "VmRSS") < 0)
    {
      g_printerr ("serval-bench idle: give the server's process id with --server-pid so that its "
                  "memory can be read from /proc/PID/status\n");
      return 1;
    }
  rss0 = proc_status_kib (opt_server_pid, "VmRSS");
  self0 = proc_status_kib (getpid (), "VmRSS");
  cpu0 = proc_cpu_s (opt_server_pid);
  bench.lite = !opt_keep_members;
  secs = connect_all (TRUE, FALSE);
  cpu1 = proc_cpu_s (opt_server_pid);
  /* Hold them; keepalive pings go on meanwhile. */
  hold0 = now_s ();
  run_for (MAX (opt_seconds, 1));
  held = now_s () - hold0;
  cpu2 = proc_cpu_s (opt_server_pid);
  for (guint i = 0; i < bench.n; i++)
    {
      if (sim_online (&bench.sims[i]))
        online++;
      if (bench.sims[i].lite != NULL)
        events += bench_lite_get_events (bench.sims[i].lite);
    }
  rss1 = proc_status_kib (opt_server_pid, "VmRSS");
  hwm1 = proc_status_kib (opt_server_pid, "VmHWM");
  self1 = proc_status_kib (getpid (), "VmRSS");

  csv ("idle", "online", online);
  csv ("idle", "failed", bench.failed);
  csv ("idle", "server_rss_before_kib", rss0);
  csv ("idle", "server_rss_after_kib", rss1);
  csv ("idle", "server_hwm_after_kib", hwm1);
  csv ("idle", "server_kib_per_client", online ? (double) (rss1 - rss0) / online : 0);
  csv ("idle", "connect_seconds", secs);
  csv ("idle", "logins_per_s", online ? online / secs : 0);
  csv ("idle", "server_cpu_s", cpu1 - cpu0);
  /* The share of a core the server used while the clients sat idle. */
  csv ("idle", "server_idle_cpu", held > 0 ? (cpu2 - cpu1) / held : 0);
  csv ("idle", "bench_kib_per_client", online ? (double) (self1 - self0) / online : 0);
  csv ("idle", "bench_cpu_s", self_cpu_s ());
  /* Member events the clients received (bare links only; -1 with --keep-members). */
  csv ("idle", "member_events", opt_keep_members ? -1 : (double) events);
  csv ("idle", "hold_seconds", held);
  g_printerr ("idle: %u of %d clients online after %.1f s of logging in and %d s idle (%u failed); "
              "server VmRSS %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " KiB (VmHWM %" G_GINT64_FORMAT
              "): %.1f KiB per client; this process %.1f KiB per client; server CPU while idle "
              "%.3f of a core\n",
              online, opt_clients, secs, opt_seconds, bench.failed, rss0, rss1, hwm1,
              online ? (double) (rss1 - rss0) / online : 0.0,
              online ? (double) (self1 - self0) / online : 0.0, held > 0 ? (cpu2 - cpu1) / held : 0.0);
  if (bench.failed > 0)
    check_clients_online ("idle");
  if (online == bench.n)
    return 0;
  return online > 0 ? 2 : 1;
}

int
mode_logins (void)
{
  double secs, cpu0, cpu1, self0, self1;
  guint ok;
  GArray *v = bench.login_ns;
  g_autofree char *per_login = NULL;
  const char *mode = !opt_tokens ? "logins" : opt_no_tls_resume ? "logins-token-full" :
                                                                  "logins-token";

  if (opt_tokens)
    {
      /* Round 1, not measured: password logins that leave each client its
       * token, at least 32 at a time so that it does not take long. */
      int conc = opt_concurrency;

      bench.keep = TRUE;
      opt_concurrency = MAX (conc, 32);
      secs = connect_all (FALSE, TRUE);
      opt_concurrency = conc;
      g_printerr ("logins --tokens: %u of %d clients logged in with the password in %.1f s to get "
                  "their tokens\n",
                  v->len, opt_clients, secs);
      if (bench.failed > 0)
        {
          g_printerr ("serval-bench logins --tokens: %u clients could not log in with the password "
                      "first (%s): nothing measured\n",
                      bench.failed, bench.first_error);
          return 1;
        }
      run_for (0.2); /* let the disconnects reach the server */
      g_array_set_size (v, 0);
      bench.next = bench.done = bench.in_flight = bench.resumed = bench.tls_resumed = 0;
    }
  cpu0 = proc_cpu_s (opt_server_pid);
  self0 = self_cpu_s ();
  secs = connect_all (FALSE, TRUE);
  cpu1 = proc_cpu_s (opt_server_pid);
  self1 = self_cpu_s ();
  ok = v->len;
  g_array_sort (v, cmp_i64);
  csv (mode, "ok", ok);
  csv (mode, "failed", bench.failed);
  csv (mode, "logins_per_s", ok / secs);
  csv (mode, "p50_ms", quantile (v, 0.5) / 1e6);
  csv (mode, "p99_ms", quantile (v, 0.99) / 1e6);
  csv (mode, "max_ms", quantile (v, 1.0) / 1e6);
  if (cpu0 >= 0 && cpu1 >= 0 && ok > 0)
    csv (mode, "server_cpu_ms_per_login", (cpu1 - cpu0) * 1e3 / ok);
  if (ok > 0)
    csv (mode, "bench_cpu_ms_per_login", (self1 - self0) * 1e3 / ok);
  if (opt_tokens)
    {
      csv (mode, "resumed", bench.resumed);
      csv (mode, "tls_resumed", bench.tls_resumed);
      g_printerr ("logins --tokens: %u of the %u logins used the resume token, %u resumed their TLS "
                  "session\n",
                  bench.resumed, ok, bench.tls_resumed);
    }
  per_login = cpu0 >= 0 && cpu1 >= 0 && ok > 0 ? g_strdup_printf ("%.2f", (cpu1 - cpu0) * 1e3 / ok) : g_strdup ("unknown");
  g_printerr ("%s: %u of %d logged in (concurrency %d) in %.2f s: %.1f logins/s; login time "
              "p50 %.1f ms, p99 %.1f ms, max %.1f ms; CPU per login: server %s ms, this process %.2f ms\n",
              mode, ok, opt_clients, opt_concurrency, secs, ok / secs, quantile (v, 0.5) / 1e6,
              quantile (v, 0.99) / 1e6, quantile (v, 1.0) / 1e6, per_login,
              ok > 0 ? (self1 - self0) * 1e3 / ok : 0.0);
  if (opt_tokens && bench.resumed < ok)
    {
      g_printerr ("serval-bench logins --tokens: %u logins fell back to the password: the server "
                  "refused their tokens (see its log)\n",
                  ok - bench.resumed);
      return 2;
    }
  if (bench.failed > 0)
    check_clients_online ("logins");
  if (bench.failed == 0)
    return 0;
  return ok > 0 ? 2 : 1;
}

SoakCounts
soak_counts (void)
{
  SoakCounts c = { 0 };

  for (guint i = 0; i < bench.n; i++)
    {
      Sim *sim = &bench.sims[i];
      ServalClientState st = sim->client != NULL ? serval_client_get_state (sim->client) : SERVAL_CLIENT_STATE_DISCONNECTED;

      if (st == SERVAL_CLIENT_STATE_ONLINE && sim->online)
        c.online++;
      else if (st == SERVAL_CLIENT_STATE_CONNECTING)
        c.connecting++;
      else
        c.disconnected++;
    }
  return c;
}

/* Writes --status-file (replaced whole, so a reader never sees half of
 * it) and says on standard error when the online count changed. */
gboolean
soak_status_cb (gpointer data)
{
  static guint last_online = G_MAXUINT;
  SoakCounts c = soak_counts ();
  g_autoptr(GError) error = NULL;

  if (opt_status_file != NULL)
    {
      g_autofree char *text = g_strdup_printf ("online %u\nconnecting %u\ndisconnected %u\ngave_up %u\n"
                                               "drops %u\nfailed %u\nretries %u\n",
                                               c.online, c.connecting, c.disconnected, bench.gave_up,
                                               bench.drops, bench.failed, bench.retries);

      if (!g_file_set_contents (opt_status_file, text, -1, &error))
        g_printerr ("serval-bench soak: %s\n", error->message);
    }
  if (c.online != last_online)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *when = g_date_time_format (now, "%T");

      g_printerr ("soak: %s %u of %u online, %u connecting, %u disconnected\n", when, c.online, bench.n,
                  c.connecting, c.disconnected);
      last_online = c.online;
    }
  return G_SOURCE_CONTINUE;
}

int
mode_soak (void)
{
  GSource *status;
  GArray *v = bench.outage_ns;
  SoakCounts c;
  double secs;

  bench.watch = TRUE;
  secs = connect_all (TRUE, FALSE);
  c = soak_counts ();
  g_printerr ("soak: %u of %d clients online after %.1f s of logging in (%u failed); holding them "
              "until SIGTERM\n",
              c.online, opt_clients, secs, bench.failed);
  if (bench.failed > 0)
    check_clients_online ("soak");
  soak_status_cb (NULL);
  /* Four times a second: the soak's recovery times are read from the file. */
  status = g_timeout_source_new (250);
  g_source_set_callback (status, soak_status_cb, NULL, NULL);
  g_source_attach (status, NULL);
  while (!interrupted)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (status);
  g_source_unref (status);
  soak_status_cb (NULL);

  c = soak_counts ();
  g_array_sort (v, cmp_i64);
  csv ("soak", "online", c.online);
  csv ("soak", "failed", bench.failed);
  csv ("soak", "gave_up", bench.gave_up);
  csv ("soak", "drops", bench.drops);
  csv ("soak", "login_retries", bench.retries);
  csv ("soak", "outages", v->len);
  csv ("soak", "outage_p50_ms", quantile (v, 0.5) / 1e6);
  csv ("soak", "outage_p99_ms", quantile (v, 0.99) / 1e6);
  csv ("soak", "outage_max_ms", quantile (v, 1.0) / 1e6);
  g_printerr ("soak: %u of %d clients online at the end, %u failed to log in (%u first logins or joins "
              "tried again), %u gave up; %u drops, "
              "%u outages ended: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
              c.online, opt_clients, bench.failed, bench.retries, bench.gave_up, bench.drops, v->len,
              quantile (v, 0.5) / 1e6, quantile (v, 0.99) / 1e6, quantile (v, 1.0) / 1e6);
  if (c.online == bench.n)
    return 0;
  return c.online > 0 ? 2 : 1;
}

int
mode_populate (void)
{
  g_autofree char *db = NULL;
  g_autoptr(GError) error = NULL;
  ServalStore *store;
  ServalCredentials cred;
  guint users = opt_users > 0 ? opt_users : opt_clients;
  double t0 = now_s (), t_hash;
  guint32 id;
  int status = 0;

  if (opt_data_dir == NULL && opt_etcd == NULL)
    {
      g_printerr ("serval-bench populate: say which data directory with --data-dir DIR (or which etcd with --etcd)\n");
      return 1;
    }
  if (opt_etcd != NULL)
    /* The prefix serval-server keeps its store under. */
    store = serval_store_open_etcd (opt_etcd, "/serval/", &error);
  else if (g_mkdir_with_parents (opt_data_dir, 0700) != 0)
    {
      g_printerr ("serval-bench populate: cannot create %s: %s\n", opt_data_dir, g_strerror (errno));
      return 1;
    }
  else
    {
      db = g_build_filename (opt_data_dir, "serval.db", NULL);
      store = serval_store_open_sqlite (db, &error);
    }
  if (store == NULL)
    {
      g_printerr ("serval-bench populate: %s\n", error->message);
      return 1;
    }
  if (!serval_credentials_make (&cred, (const guint8 *) opt_password, strlen (opt_password),
                                opt_iterations, &error))
    {
      g_printerr ("serval-bench populate: %s\n", error->message);
      g_object_unref (store);
      return 1;
    }
  t_hash = now_s () - t0;

#define ADD_VLAN(name)                                                                                       \
  if (!serval_store_vlan_lookup (store, name, &id, NULL) && !test_store_vlan_add (store, name, &id, &error)) \
    goto fail;
#define GRANT(user, name)                                                      \
  if (!test_store_grant (store, user, name, &error) &&                         \
      !g_error_matches (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS)) \
    goto fail;                                                                 \
  g_clear_error (&error);

  ADD_VLAN (opt_vlan);
  for (guint i = 0; i < users; i++)
    {
      g_autofree char *user = g_strdup_printf ("%s%05u", opt_prefix, opt_first + i);

      if (!test_store_user_add (store, user, &cred, FALSE, &error))
        {
          if (!g_error_matches (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_EXISTS))
            goto fail;
          /* An existing user gets this run's password. */
          g_clear_error (&error);
          if (!test_store_user_set_credentials (store, user, &cred, &error))
            goto fail;
        }
      GRANT (user, opt_vlan);
      if (opt_group > 0)
        {
          g_autofree char *vlan = g_strdup_printf ("%s-g%u", opt_vlan, (opt_first + i) / opt_group);

          ADD_VLAN (vlan);
          GRANT (user, vlan);
        }
    }
  g_printerr ("populate: %u users %s%05d..%s%05u in %s, granted %s%s; PBKDF2 with %d iterations "
              "took %.3f s once, the whole run %.2f s\n",
              users, opt_prefix, opt_first, opt_prefix,
              opt_first + users - 1, opt_etcd != NULL ? opt_etcd : opt_data_dir, opt_vlan, opt_group > 0 ? " and their group VLAN" : "",
              opt_iterations, t_hash, now_s () - t0);
  csv ("populate", "pbkdf2_seconds", t_hash);
  goto out;

fail:
  g_printerr ("serval-bench populate: %s\n", error->message);
  status = 1;
out:
  serval_credentials_clear (&cred);
  g_object_unref (store);
  return status;
#undef ADD_VLAN
#undef GRANT
}
