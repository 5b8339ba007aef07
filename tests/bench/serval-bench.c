/* serval-bench: a load generator that runs many simulated Serval clients in
 * one process against a real serval-server.
 *
 * Every simulated client is a real ServalClient from the engine (TCP, TLS
 * 1.3, login, join), joined to its VLAN without a TAP device: frames come
 * in through a ServalClientFrameFunc and go out with
 * serval_client_vlan_send(). Everything runs on one thread and one main
 * loop, so the generator's own CPU time is reported beside the figures:
 * when it nears one full core, the generator and not the server is the
 * limit.
 *
 * Frames are Ethernet frames of --size bytes (no FCS) with the local
 * experimental EtherType 0x88B5; the payload carries a magic number, a
 * sequence number and the sender's CLOCK_MONOTONIC time in nanoseconds.
 * Each client uses its own locally administered MAC 02:53:42:xx:xx:xx and
 * first sends one broadcast so that the server's switch learns it.
 */
#include "config.h"

#include "serval-bench.h"

/* --- options --------------------------------------------------------------- */

char *opt_server = (char *) "127.0.0.1:7465";
char *opt_fingerprint;
char *opt_prefix = (char *) "bench";
char *opt_password = (char *) "serval-bench";
char *opt_vlan = (char *) "bench";
char *opt_csv;
char *opt_data_dir;
char *opt_etcd;
char *opt_servers;
char *opt_status_file;
char *opt_label = (char *) "";
int opt_clients = 2;
int opt_first;
int opt_size = 64;
int opt_rate = 1000;
int opt_seconds = 5;
int opt_concurrency = 50;
int opt_group;
int opt_server_pid;
int opt_iterations = SERVAL_PBKDF2_DEFAULT_ITERATIONS;
int opt_users;
int opt_timeout;
double opt_warmup = 1.0;
gboolean opt_verbose;
gboolean opt_tokens;
gboolean opt_no_tls_resume;
gboolean opt_keep_members;
static gboolean opt_member_pages = TRUE;
int opt_loopbacks = 1;
double opt_churn_interval = 10;
double opt_hostile_interval;
char *opt_server_command;
char *opt_server_log;
char *opt_metrics;
char *opt_series;
int opt_sources;
double opt_password_share;

static GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server, "The server (default 127.0.0.1:7465)", "HOST:PORT" },
  { "fingerprint", 'f', 0, G_OPTION_ARG_STRING, &opt_fingerprint, "The server's fingerprint (serval-server -d DIR fingerprint); required for the client modes", "HEX" },
  { "prefix", 0, 0, G_OPTION_ARG_STRING, &opt_prefix, "User names are PREFIX00000, PREFIX00001, ... (default bench)", "PREFIX" },
  { "first", 0, 0, G_OPTION_ARG_INT, &opt_first, "Number of the first user (default 0)", "N" },
  { "password", 0, 0, G_OPTION_ARG_STRING, &opt_password, "The password of every benchmark user (default serval-bench)", "PW" },
  { "vlan", 0, 0, G_OPTION_ARG_STRING, &opt_vlan, "The VLAN every client joins (default bench)", "NAME" },
  { "group", 0, 0, G_OPTION_ARG_INT, &opt_group, "idle/populate: clients join VLANs of N members, VLAN-g0, VLAN-g1, ... instead of one VLAN (0: one VLAN)", "N" },
  { "clients", 'n', 0, G_OPTION_ARG_INT, &opt_clients, "Simulated clients (default 2)", "N" },
  { "size", 0, 0, G_OPTION_ARG_INT, &opt_size, "throughput/latency: Ethernet frame size in bytes without FCS, 60..9000 (default 64)", "BYTES" },
  { "rate", 0, 0, G_OPTION_ARG_INT, &opt_rate, "latency: offered load, frames per second over all senders (default 1000)", "FPS" },
  { "seconds", 't', 0, G_OPTION_ARG_INT, &opt_seconds, "How long to measure; idle: how long to hold the clients (default 5)", "S" },
  { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &opt_warmup, "throughput/latency: seconds of load before the measured window (default 1)", "S" },
  { "concurrency", 'c', 0, G_OPTION_ARG_INT, &opt_concurrency, "Logins in progress at once (default 50)", "C" },
  { "server-pid", 'p', 0, G_OPTION_ARG_INT, &opt_server_pid, "The server's process id, to read its memory and CPU time from /proc", "PID" },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Seconds allowed for all clients to log in and join (default 60 + clients/5)", "S" },
  { "csv", 'o', 0, G_OPTION_ARG_FILENAME, &opt_csv, "Append the CSV lines to FILE (header if new) instead of standard output", "FILE" },
  { "label", 0, 0, G_OPTION_ARG_STRING, &opt_label, "A label for the CSV 'run' column (e.g. the repeat number)", "TEXT" },
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir, "populate: the server's data directory", "DIR" },
  { "etcd", 0, 0, G_OPTION_ARG_STRING, &opt_etcd, "populate: add the users to the cluster store in etcd (as serval-server --etcd) instead of --data-dir", "URL[,URL...]" },
  { "servers", 0, 0, G_OPTION_ARG_STRING, &opt_servers, "idle/soak: client K first connects to server K modulo the list's length instead of --server (a cluster's nodes)", "H:P[,H:P...]" },
  { "status-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_status_file, "soak: every 250 ms, FILE is replaced by the clients' counts (online, connecting, ...)", "FILE" },
  { "users", 0, 0, G_OPTION_ARG_INT, &opt_users, "populate: how many users to add (default --clients)", "N" },
  { "iterations", 0, 0, G_OPTION_ARG_INT, &opt_iterations, "populate: PBKDF2 iterations (default 100000, the server's default)", "N" },
  { "tokens", 0, 0, G_OPTION_ARG_NONE, &opt_tokens, "logins: measure logins with resume tokens (each client first logs in once with the password, unmeasured)", NULL },
  { "no-tls-resume", 0, 0, G_OPTION_ARG_NONE, &opt_no_tls_resume, "logins: full TLS handshakes only (clients do not resume their TLS session with a ticket)", NULL },
  { "churn-interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_churn_interval, "churn: mean seconds between two actions of one client (default 10)", "S" },
  { "hostile-interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hostile_interval, "churn: every S seconds one client misbehaves (a host name with control characters, or a burst to random MACs); 0: never (default)", "S" },
  { "keep-members", 0, 0, G_OPTION_ARG_NONE, &opt_keep_members, "idle: full ServalClients that keep every member list (default: bare links that log in, join and answer keepalives, and count the member events without keeping them)", NULL },
  { "member-pages", 0, 0, G_OPTION_ARG_NONE, &opt_member_pages, "idle/storm: the bare links say in their Hello what the app's clients say (memberPages, vlanConfig, services), so the server coalesces their member events (the default)", NULL },
  { "no-member-pages", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &opt_member_pages, "idle/storm: the bare links' Hello says none of these, as clients before memberPages: one member event per change", NULL },
  { "loopbacks", 0, 0, G_OPTION_ARG_INT, &opt_loopbacks, "idle/soak: client K connects to 127.0.0.(1 + K mod N) at --server's port (the server listening on 0.0.0.0), so that more than ~28,000 clients find source ports (default 1: --server only)", "N" },
  { "server-command", 0, 0, G_OPTION_ARG_STRING, &opt_server_command, "storm: the command line that starts the server (this mode starts, stops and restarts it)", "CMD" },
  { "server-log", 0, 0, G_OPTION_ARG_FILENAME, &opt_server_log, "storm: append the server's output to FILE (default: this process's standard output)", "FILE" },
  { "metrics", 0, 0, G_OPTION_ARG_STRING, &opt_metrics, "storm: the server's /metrics address (its --http), to report its refusal counters", "HOST:PORT" },
  { "series", 0, 0, G_OPTION_ARG_FILENAME, &opt_series, "storm: write the returns per second and the pair's round trip per 100 ms to FILE (CSV)", "FILE" },
  { "sources", 0, 0, G_OPTION_ARG_INT, &opt_sources, "storm: client K connects from 127.0.0.(1 + K mod N), N addresses for the server's per-address limits (default 0: the kernel's choice, 127.0.0.1 for all, as behind one NAT)", "N" },
  { "password-share", 0, 0, G_OPTION_ARG_DOUBLE, &opt_password_share, "storm: this share of the clients (0..1) forget their token before the restart and come back with the password, as when tokens expired (default 0)", "F" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Show the engine's messages", NULL },
  { NULL }
};

static const char modes_text[] =
    "Modes:\n"
    "  throughput  N/2 sender/receiver pairs in one VLAN; each sender sends --size byte\n"
    "              frames to its receiver as fast as its link accepts them (a link refuses\n"
    "              data frames past its queue limit: the sender stops for that main-loop\n"
    "              iteration). Reports frames RECEIVED per second, and sent, refused by the\n"
    "              link (dropped locally) and lost (sent but never received).\n"
    "  latency     N/2 pairs; the senders share an offered load of --rate frames/s, paced\n"
    "              by a 1 ms timer; each frame carries its CLOCK_MONOTONIC send time, so the\n"
    "              receiver (same process) gets the one-way latency: p50/p90/p99/p99.9/max.\n"
    "  idle        N clients log in (--concurrency at a time) and join, then stay idle for\n"
    "              --seconds; reports the server's VmRSS before and after from\n"
    "              /proc/PID/status (--server-pid), its VmHWM, and KiB per client.\n"
    "              With --group M, clients join VLANs of M members (VLAN-g0, VLAN-g1, ...):\n"
    "              in one VLAN every join is announced to every member (N^2 events).\n"
    "              The clients are bare links (log in, join, keepalives) that count the\n"
    "              member events and keep no lists, so that the figures are the server's;\n"
    "              --keep-members: full ServalClients that keep every list, as before.\n"
    "              Also reported: the server's share of a core while idle, the time for\n"
    "              all to log in and join, the member events the clients received.\n"
    "  logins      N clients connect, do the TLS handshake and log in, --concurrency at a\n"
    "              time, then disconnect: logins per second, p50/p99/max login time, and\n"
    "              the server's CPU seconds per login (with --server-pid).\n"
    "              With --tokens, every client first logs in once with its password\n"
    "              (unmeasured) and keeps the resume token the server gives it; the\n"
    "              measured logins then present the token (a reconnect storm after a\n"
    "              server restart). CSV mode \"logins-token\"; \"resumed\" counts the\n"
    "              measured logins the server took with the token, \"tls_resumed\" those\n"
    "              whose TLS session resumed with the ticket of the first round.\n"
    "              --no-tls-resume: full TLS handshakes (CSV mode \"logins-token-full\").\n"
    "  soak        N clients log in and join as in idle, then stay until SIGINT or SIGTERM,\n"
    "              reconnecting by themselves when their server goes (to the other nodes of a\n"
    "              cluster). Every 250 ms, --status-file FILE is replaced by lines \"online N\",\n"
    "              \"connecting N\", \"disconnected N\", \"gave_up N\" (clients that stopped\n"
    "              trying), \"drops N\" (times a client left ONLINE), \"failed N\" (never\n"
    "              logged in) and \"retries N\" (first logins or joins tried again after a\n"
    "              passing refusal); a change of the online count is a line on standard error.\n"
    "              At the end, the outages the clients saw: p50/p99/max from leaving ONLINE\n"
    "              to being ONLINE again. With --servers, client K starts at server K mod n.\n"
    "  churn       N clients log in and join as in idle (with --group M, each client's group\n"
    "              VLAN; else --vlan), then for --seconds (0: until SIGINT or SIGTERM) each\n"
    "              one, every --churn-interval seconds on average, leaves its VLAN and joins\n"
    "              the other one it may join (--vlan and its group VLAN) or, one time in three,\n"
    "              disconnects and logs in again. All the while they send --rate 64-byte\n"
    "              frames/s in all, each to the MAC of a random client of the group or to the\n"
    "              broadcast address. With --hostile-interval S, every S seconds one client\n"
    "              misbehaves: it logs in again with control characters in its host name\n"
    "              (the server refuses it; it then logs in properly), or sends 256 frames to\n"
    "              random MACs nobody has. At the end: joins, leaves, logins, frames and the\n"
    "              errors, as CSV and on standard error; --status-file as in soak.\n"
    "  storm       (issue 17) N bare clients (as in idle, with --group M their group VLAN)\n"
    "              log in, --concurrency at a time, and keep their resume tokens; two full\n"
    "              clients (users PREFIX(first+N) and the next, in --vlan) ping each other\n"
    "              every 10 ms on a thread of their own. After --seconds of quiet, the\n"
    "              server (started by this mode: --server-command) gets SIGTERM and is\n"
    "              started again; every client comes back by itself with ServalClient's\n"
    "              backoff (250 ms doubling to 5 s, +-20 % jitter), its token and its TLS\n"
    "              ticket, and joins again. Reports when each came back (p50, max, the last\n"
    "              after SIGTERM and after the new server started), logins with the token and\n"
    "              with the password, the tries that failed and why (not accepted, closed\n"
    "              early: the per-address limits, rateLimited, serverFull), and the pair's\n"
    "              round trip p50/p99 before and during the storm with their ratio; with\n"
    "              --metrics, the server's refusal counters; with --series, a CSV over time.\n"
    "              --sources N spreads the clients over N source addresses; --password-share F\n"
    "              makes that share of them come back with the password (tokens expired).\n"
    "  populate    (offline, before the server starts) adds users PREFIX00000... to the\n"
    "              database in --data-dir, all with --password, and grants them --vlan (and\n"
    "              with --group M, VLAN-gK of their group). The fast path: the password is\n"
    "              hashed ONCE with --iterations and that salt and hash are stored for every\n"
    "              user, so adding 10,000 users takes seconds; checking a password at login\n"
    "              still costs the full --iterations on the server. With --etcd, the users\n"
    "              go to the cluster store in etcd instead (no --data-dir).\n"
    "\n"
    "Output: one CSV line per figure, mode,clients,size,rate,concurrency,run,metric,value,\n"
    "on standard output or appended to --csv FILE; a summary for people on standard error.\n"
    "The process raises its own RLIMIT_NOFILE to fit N connections (soft up to the hard\n"
    "limit; as root also the hard limit), and says so. The server needs the same: start it\n"
    "from a shell with 'ulimit -n 65536'.\n"
    "SIGINT or SIGTERM stops the current phase; the figures reached so far are written.\n"
    "Exit status: 0 when every client worked; 2 when some clients failed to log in, join\n"
    "or stay connected (the figures are written, with the number that failed); 1 when\n"
    "nothing could be measured or the set-up is wrong.";

/* --- simulated clients ----------------------------------------------------- */

Bench bench;

void
sim_failed (Sim *sim, const char *what, const GError *error)
{
  sim->failed = TRUE;
  bench.failed++;
  if (bench.first_error == NULL)
    bench.first_error = g_strdup_printf ("%s%05u: %s: %s", opt_prefix, opt_first + sim->index, what,
                                         error->message);
  if (opt_verbose)
    g_printerr ("serval-bench: %s%05u: %s: %s\n", opt_prefix, opt_first + sim->index, what, error->message);
}

void
sim_finished (Sim *sim)
{
  bench.in_flight--;
  bench.done++;
  start_next ();
}

const char *
sim_vlan_name (Sim *sim, char *buf, gsize size)
{
  if (opt_group > 0)
    {
      g_snprintf (buf, size, "%s-g%u", opt_vlan, (opt_first + sim->index) / opt_group);
      return buf;
    }
  return opt_vlan;
}

gboolean
retry_cb (gpointer user_data)
{
  Sim *sim = user_data;
  char buf[128];

  g_clear_pointer (&sim->retry, g_source_unref);
  if (serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE)
    serval_client_join_frames_async (sim->client, sim_vlan_name (sim, buf, sizeof buf), sim->mac, frame_cb, sim,
                                     NULL, joined_cb, sim);
  else
    serval_client_connect_async (sim->client, NULL, connected_cb, sim);
  return G_SOURCE_REMOVE;
}

/* soak: a first login or join that failed for a passing reason is tried
 * again a second later (a node refuses logins while etcd is slow to keep
 * its lease alive); a wrong password or a missing right is not. */
gboolean
soak_retry (Sim *sim, const char *what, const GError *error)
{
  static const ServalClientError lasting[] = { SERVAL_CLIENT_ERROR_AUTH, SERVAL_CLIENT_ERROR_VERSION,
                                               SERVAL_CLIENT_ERROR_NOT_ALLOWED,
                                               SERVAL_CLIENT_ERROR_NO_SUCH_VLAN };

  if (!bench.watch || interrupted)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (lasting); i++)
    if (g_error_matches (error, SERVAL_CLIENT_ERROR, lasting[i]))
      return FALSE;
  bench.retries++;
  g_printerr ("serval-bench: %s%05u: %s: %s; trying again in 1 s\n", opt_prefix, opt_first + sim->index,
              what, error->message);
  sim->retry = g_timeout_source_new (1000);
  g_source_set_callback (sim->retry, retry_cb, sim, NULL);
  g_source_attach (sim->retry, NULL);
  return TRUE;
}

void
joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GError) error = NULL;

  sim->vlan = serval_client_join_finish (SERVAL_CLIENT (source), result, &error);
  if (sim->vlan == NULL && soak_retry (sim, "join", error))
    return;
  if (sim->vlan == NULL)
    sim_failed (sim, "join", error);
  else
    sim->online = TRUE;
  sim_finished (sim);
}

void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GError) error = NULL;
  char buf[128];

  if (!serval_client_connect_finish (SERVAL_CLIENT (source), result, &error))
    {
      if (soak_retry (sim, "login", error))
        return;
      sim_failed (sim, "login", error);
      sim_finished (sim);
      return;
    }
  sim->login_ns = now_ns () - sim->t_start;
  g_array_append_val (bench.login_ns, sim->login_ns);
  if (serval_client_get_resumed (sim->client))
    bench.resumed++;
  if (serval_client_get_tls_resumed (sim->client))
    bench.tls_resumed++;
  if (bench.logout)
    {
      serval_client_disconnect (sim->client);
      if (!bench.keep)
        g_clear_object (&sim->client);
      sim->online = TRUE;
      sim_finished (sim);
      return;
    }
  serval_client_join_frames_async (sim->client, sim_vlan_name (sim, buf, sizeof buf), sim->mac, frame_cb, sim,
                                   NULL, joined_cb, sim);
}

void
state_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Sim *sim = user_data;
  gboolean up = serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE;

  /* Counted from the first join on: the first login is not an outage. */
  if (!sim->online)
    return;
  if (up && sim->down_since != 0)
    {
      gint64 outage = now_ns () - sim->down_since;

      g_array_append_val (bench.outage_ns, outage);
      sim->down_since = 0;
    }
  else if (!up && sim->down_since == 0)
    {
      sim->down_since = now_ns ();
      sim->drops++;
      bench.drops++;
    }
}

void
connection_failed_cb (ServalClient *client, GError *error, gpointer user_data)
{
  Sim *sim = user_data;

  if (sim->gave_up)
    return;
  sim->gave_up = TRUE;
  bench.gave_up++;
  g_printerr ("serval-bench: %s%05u stopped reconnecting: %s\n", opt_prefix, opt_first + sim->index,
              error != NULL ? error->message : "no reason given");
}

/* The server client @sim starts at: --server, or its share of --servers. */
const char *
sim_server (Sim *sim)
{
  if (bench.servers == NULL || bench.servers[0] == NULL)
    return opt_server;
  return bench.servers[sim->index % g_strv_length (bench.servers)];
}

void
lite_done_cb (BenchLite *lite, const char *error, gpointer user_data)
{
  Sim *sim = user_data;

  if (error != NULL)
    {
      g_autoptr(GError) e = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, error);

      sim_failed (sim, "login and join", e);
    }
  else
    {
      sim->login_ns = now_ns () - sim->t_start;
      g_array_append_val (bench.login_ns, sim->login_ns);
      sim->online = TRUE;
    }
  sim_finished (sim);
}

/* Whether @sim is logged in, joined and still connected. */
gboolean
sim_online (Sim *sim)
{
  if (sim->lite != NULL)
    return bench_lite_is_online (sim->lite);
  return sim->online && sim->client != NULL && serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE;
}

void
start_next (void)
{
  while (bench.next < bench.n && bench.in_flight < (guint) opt_concurrency)
    {
      Sim *sim = &bench.sims[bench.next++];
      g_autofree char *user = g_strdup_printf ("%s%05u", opt_prefix, opt_first + sim->index);

      if (bench.lite)
        {
          char buf[128];

          bench.in_flight++;
          sim->t_start = now_ns ();
          sim->lite = bench_lite_new (sim_server (sim), opt_fingerprint, user, opt_password,
                                      sim_vlan_name (sim, buf, sizeof buf), sim->mac, lite_done_cb, sim);
          bench_lite_set_member_pages (sim->lite, opt_member_pages);
          if (opt_sources > 0)
            {
              g_snprintf (buf, sizeof buf, "127.0.0.%u", 1 + sim->index % opt_sources);
              bench_lite_set_source (sim->lite, buf);
            }
          if (bench.reconnect)
            bench_lite_set_reconnect (sim->lite, storm_state_cb, sim);
          bench_lite_connect (sim->lite);
          continue;
        }

      /* A client kept from the last round logs in with its resume token. */
      if (sim->client == NULL)
        {
          sim->client = serval_client_new (sim_server (sim), user, opt_password, opt_fingerprint);
          serval_client_set_host_name (sim->client, "serval-bench");
          serval_client_set_offload (sim->client, FALSE); /* like a client without offloads */
          serval_client_set_tls_resumption (sim->client, !opt_no_tls_resume);
          if (bench.watch)
            {
              g_signal_connect (sim->client, "notify::state", G_CALLBACK (state_cb), sim);
              g_signal_connect (sim->client, "connection-failed", G_CALLBACK (connection_failed_cb), sim);
            }
        }
      bench.in_flight++;
      sim->t_start = now_ns ();
      serval_client_connect_async (sim->client, NULL, connected_cb, sim);
    }
}

gboolean
all_done (void)
{
  return bench.done >= bench.n;
}

/* Starts every client and runs the main loop until all are online or
 * failed, or the timeout. Returns the seconds it took. */
double
connect_all (gboolean join, gboolean logout)
{
  double t0 = now_s (), limit = opt_timeout > 0 ? opt_timeout : 60 + bench.n / 5.0;

  bench.join = join;
  bench.logout = logout;
  start_next ();
  run_until (limit, all_done);
  if (bench.done < bench.n)
    {
      g_printerr ("serval-bench: only %u of %u clients were done after %.0f s: %s\n", bench.done, bench.n,
                  now_s () - t0, interrupted ? "interrupted" : "the server is too slow or not answering; raise --timeout or lower --concurrency");
      bench.failed += bench.n - bench.done;
      if (bench.first_error == NULL)
        bench.first_error = g_strdup_printf ("%u clients had not finished logging in and joining %s",
                                             bench.n - bench.done,
                                             interrupted ? "when interrupted" : "by the timeout");
    }
  return now_s () - t0;
}

void
bench_init (guint n)
{
  bench.n = n;
  bench.sims = g_new0 (Sim, n);
  bench.login_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.latency_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.outage_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (opt_servers != NULL)
    bench.servers = g_strsplit (opt_servers, ",", -1);
  else if (opt_loopbacks > 1)
    {
      const char *port = strrchr (opt_server, ':');

      bench.servers = g_new0 (char *, opt_loopbacks + 1);
      for (int i = 0; i < opt_loopbacks; i++)
        bench.servers[i] = g_strdup_printf ("127.0.0.%d%s", 1 + i, port != NULL ? port : ":7465");
    }
  bench.frame = g_malloc0 (MAX (opt_size, MIN_FRAME));
  for (guint i = 0; i < n; i++)
    {
      Sim *sim = &bench.sims[i];
      guint id = opt_first + i;

      sim->index = i;
      sim->mac[0] = 0x02;
      sim->mac[1] = 0x53;
      sim->mac[2] = 0x42;
      sim->mac[3] = id >> 16;
      sim->mac[4] = id >> 8;
      sim->mac[5] = id;
    }
}

void
bench_clear (void)
{
  for (guint i = 0; i < bench.n; i++)
    {
      Sim *sim = &bench.sims[i];

      if (sim->retry != NULL)
        g_source_destroy (sim->retry);
      g_clear_pointer (&sim->retry, g_source_unref);
      if (sim->client != NULL)
        serval_client_disconnect (sim->client);
      g_clear_pointer (&sim->lite, bench_lite_free);
      g_clear_object (&sim->vlan);
      g_clear_object (&sim->client);
    }
  /* Let the closes go out before the process ends. */
  run_for (0.2);
  g_free (bench.sims);
  g_array_unref (bench.login_ns);
  g_array_unref (bench.latency_ns);
  g_array_unref (bench.outage_ns);
  g_strfreev (bench.servers);
  g_free (bench.frame);
  g_free (bench.first_error);
}

void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODE — many simulated Serval clients in one process");
  g_autoptr(GError) error = NULL;
  const char *mode;
  int status;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "MODE is throughput, latency, idle, logins, soak, churn, storm or populate.");
  g_option_context_set_description (ctx, modes_text);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("serval-bench: %s (see serval-bench --help)\n", error->message);
      return 1;
    }
  if (argc != 2)
    {
      g_printerr ("serval-bench: say which one mode to run: throughput, latency, idle, logins, soak, churn, storm or populate "
                  "(see serval-bench --help)\n");
      return 1;
    }
  mode = argv[1];
  if (opt_clients < 1 || opt_clients > 1000000 || opt_concurrency < 1 || opt_seconds < 0 ||
      opt_size < MIN_FRAME || opt_size > 9000 || opt_rate < 1 || opt_group < 0 || opt_first < 0 || opt_warmup < 0 || opt_warmup > 60 ||
      opt_churn_interval < 0.1 || opt_hostile_interval < 0 || opt_loopbacks < 1 || opt_loopbacks > 254 || opt_sources < 0 || opt_sources > 254 || opt_password_share < 0 || opt_password_share > 1)
    {
      g_printerr ("serval-bench: --clients and --concurrency must be at least 1, --size 60..9000, "
                  "--rate at least 1, --warmup 0..60, --churn-interval at least 0.1, --seconds, --group, --first and "
                  "--hostile-interval not negative, --loopbacks 1..254, --sources 0..254, --password-share 0..1\n");
      return 1;
    }
  if (opt_csv != NULL)
    {
      gboolean fresh = !g_file_test (opt_csv, G_FILE_TEST_EXISTS);

      if ((csv_out = fopen (opt_csv, "a")) == NULL)
        {
          g_printerr ("serval-bench: cannot write %s: %s\n", opt_csv, g_strerror (errno));
          return 1;
        }
      if (fresh)
        fputs ("mode,clients,size,rate,concurrency,run,metric,value\n", csv_out);
    }
  else
    {
      csv_out = stdout;
      fputs ("mode,clients,size,rate,concurrency,run,metric,value\n", csv_out);
    }

  if (g_str_equal (mode, "populate"))
    {
      status = mode_populate ();
      goto out;
    }
  if (!g_str_equal (mode, "throughput") && !g_str_equal (mode, "latency") &&
      !g_str_equal (mode, "idle") && !g_str_equal (mode, "logins") && !g_str_equal (mode, "soak") &&
      !g_str_equal (mode, "churn") && !g_str_equal (mode, "storm"))
    {
      g_printerr ("serval-bench: unknown mode “%s”: use throughput, latency, idle, logins, soak, churn, storm or populate\n", mode);
      status = 1;
      goto out;
    }
  if (opt_fingerprint == NULL)
    {
      g_printerr ("serval-bench: give the server's fingerprint with --fingerprint "
                  "(print it with: serval-server --data-dir DIR fingerprint)\n");
      status = 1;
      goto out;
    }
  if ((g_str_equal (mode, "throughput") || g_str_equal (mode, "latency")) && opt_clients < 2)
    {
      g_printerr ("serval-bench: %s needs at least 2 clients (one sender/receiver pair)\n", mode);
      status = 1;
      goto out;
    }
  if (!raise_fd_limit ((g_str_equal (mode, "logins") ? MIN (opt_clients, opt_concurrency) : opt_clients) + 256))
    g_printerr ("serval-bench: the open-file limit is too low for %d clients and cannot be raised: "
                "expect failures (raise it with ulimit -n, as root)\n",
                opt_clients);
  g_unix_signal_add (SIGINT, signal_cb, NULL);
  g_unix_signal_add (SIGTERM, signal_cb, NULL);
  if (!opt_verbose)
    g_log_set_handler ("serval-engine", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                       quiet_log, NULL);

  bench_init (opt_clients);
  if (g_str_equal (mode, "throughput"))
    status = mode_throughput ();
  else if (g_str_equal (mode, "latency"))
    status = mode_latency ();
  else if (g_str_equal (mode, "idle"))
    status = mode_idle ();
  else if (g_str_equal (mode, "soak"))
    status = mode_soak ();
  else if (g_str_equal (mode, "churn"))
    status = mode_churn ();
  else if (g_str_equal (mode, "storm"))
    status = mode_storm ();
  else
    status = mode_logins ();
  bench_clear ();

out:
  if (csv_out != stdout)
    fclose (csv_out);
  return status;
}
