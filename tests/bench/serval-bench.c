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

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "serval-client.h"
#include "serval-password.h"
#include "serval-store.h"
#include "../test-store-util.h"
#include "serval-bench-lite.h"

#define BENCH_ETHERTYPE 0x88B5
#define BENCH_MAGIC     0x5342454eu /* "SBEN" */
#define KIND_LEARN      1
#define KIND_DATA       2
#define HDR_LEN         14
#define PAYLOAD_LEN     21 /* magic 4, kind 1, seq 4, time 8, sender 4 */
#define MIN_FRAME       60
#define SEND_BATCH      64 /* frames per sender and main-loop iteration */

/* --- options --------------------------------------------------------------- */

static char *opt_server = (char *) "127.0.0.1:7465";
static char *opt_fingerprint;
static char *opt_prefix = (char *) "bench";
static char *opt_password = (char *) "serval-bench";
static char *opt_vlan = (char *) "bench";
static char *opt_csv;
static char *opt_data_dir;
static char *opt_etcd;
static char *opt_servers;
static char *opt_status_file;
static char *opt_label = (char *) "";
static int opt_clients = 2;
static int opt_first;
static int opt_size = 64;
static int opt_rate = 1000;
static int opt_seconds = 5;
static int opt_concurrency = 50;
static int opt_group;
static int opt_server_pid;
static int opt_iterations = SERVAL_PBKDF2_DEFAULT_ITERATIONS;
static int opt_users;
static int opt_timeout;
static double opt_warmup = 1.0;
static gboolean opt_verbose;
static gboolean opt_tokens;
static gboolean opt_no_tls_resume;
static gboolean opt_keep_members;
static int opt_loopbacks = 1;
static double opt_churn_interval = 10;
static double opt_hostile_interval;

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
  { "loopbacks", 0, 0, G_OPTION_ARG_INT, &opt_loopbacks, "idle/soak: client K connects to 127.0.0.(1 + K mod N) at --server's port (the server listening on 0.0.0.0), so that more than ~28,000 clients find source ports (default 1: --server only)", "N" },
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

/* --- helpers --------------------------------------------------------------- */

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
now_s (void)
{
  return now_ns () / 1e9;
}

static FILE *csv_out;

static void
csv (const char *mode, const char *metric, double value)
{
  gboolean sized = g_str_equal (mode, "throughput") || g_str_equal (mode, "latency");
  gboolean concurrent = g_str_equal (mode, "idle") || g_str_equal (mode, "soak") || g_str_equal (mode, "churn") ||
                        g_str_equal (mode, "logins") ||
                        g_str_has_prefix (mode, "logins-token");

  fprintf (csv_out, "%s,%d,%d,%d,%d,%s,%s,%.6g\n", mode, opt_clients,
           sized ? opt_size : 0, g_str_equal (mode, "latency") ? opt_rate : 0,
           concurrent ? opt_concurrency : 0, opt_label, metric, value);
  fflush (csv_out);
}

/* Reads a "Key:   123 kB" line of /proc/PID/status; -1 if unknown. */
static gint64
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
static double
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

static double
self_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static gboolean
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

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The @p quantile (0..1) of sorted @v by the nearest-rank method. */
static gint64
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
static gboolean interrupted;

static gboolean
signal_cb (gpointer data)
{
  if (!interrupted)
    g_printerr ("serval-bench: interrupted; reporting what was measured so far\n");
  interrupted = TRUE;
  return G_SOURCE_CONTINUE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @seconds have passed or *@done_flag is set. */
static void
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

static void
run_for (double seconds)
{
  run_until (seconds, NULL);
}

/* --- simulated clients ----------------------------------------------------- */

typedef struct
{
  guint index;
  ServalClient *client;
  ServalClientVlan *vlan;
  BenchLite *lite; /* idle without --keep-members: a bare link instead of client and vlan */
  guint8 mac[6];
  guint8 peer_mac[6];
  gboolean sender;
  gboolean online;
  gboolean failed;
  gint64 t_start;
  gint64 login_ns;
  guint32 seq;
  guint64 sent, refused, received;
  double credit;
  /* soak */
  guint drops;       /* times it left ONLINE after its first join */
  gint64 down_since; /* when it last left ONLINE; 0 while online */
  gboolean gave_up;  /* ::connection-failed: it stopped trying */
  GSource *retry;    /* a first login or join tried again */
  /* churn */
  gboolean busy;      /* a leave, join or login in flight */
  gboolean in_main;   /* in --vlan rather than its group VLAN */
  gboolean evil_name; /* this login has a host name with control characters */
  gint64 next_action; /* CLOCK_MONOTONIC ns */
} Sim;

typedef struct
{
  Sim *sims;
  guint n;
  guint next; /* the next client to start */
  guint in_flight;
  guint done; /* finished (online or failed) */
  guint failed;
  gboolean join;     /* also join after login */
  gboolean lite;     /* idle: BenchLite clients, no member lists */
  gboolean logout;   /* disconnect right after login (logins mode) */
  gboolean keep;     /* logout keeps the client (and its resume token) for the next round */
  guint resumed;     /* logins that used the resume token */
  guint tls_resumed; /* logins whose TLS session resumed with a ticket */
  char *first_error;
  GArray *login_ns; /* gint64 */
  /* measuring */
  gboolean measuring;
  GArray *latency_ns; /* gint64 */
  guint8 *frame;
  /* soak */
  gboolean watch;    /* follow every client's state */
  GStrv servers;     /* --servers, or NULL */
  GArray *outage_ns; /* gint64: from leaving ONLINE to ONLINE again */
  guint drops;
  guint gave_up;
  guint retries;
} Bench;

static Bench bench;

static void start_next (void);

static void
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

static void
sim_finished (Sim *sim)
{
  bench.in_flight--;
  bench.done++;
  start_next ();
}

static const char *
sim_vlan_name (Sim *sim, char *buf, gsize size)
{
  if (opt_group > 0)
    {
      g_snprintf (buf, size, "%s-g%u", opt_vlan, (opt_first + sim->index) / opt_group);
      return buf;
    }
  return opt_vlan;
}

static void frame_cb (ServalClientVlan *vlan, const guint8 *frame, gsize len, gpointer user_data);

static void connected_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void joined_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
retry_cb (gpointer user_data)
{
  Sim *sim = user_data;
  char buf[128];

  g_clear_pointer (&sim->retry, g_source_unref);
  if (serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE)
    serval_client_join_async (sim->client, sim_vlan_name (sim, buf, sizeof buf), NULL, frame_cb, sim,
                              NULL, joined_cb, sim);
  else
    serval_client_connect_async (sim->client, NULL, connected_cb, sim);
  return G_SOURCE_REMOVE;
}

/* soak: a first login or join that failed for a passing reason is tried
 * again a second later (a node refuses logins while etcd is slow to keep
 * its lease alive); a wrong password or a missing right is not. */
static gboolean
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

static void
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

static void
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
  serval_client_join_async (sim->client, sim_vlan_name (sim, buf, sizeof buf), NULL, frame_cb, sim,
                            NULL, joined_cb, sim);
}

static void
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

static void
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
static const char *
sim_server (Sim *sim)
{
  if (bench.servers == NULL || bench.servers[0] == NULL)
    return opt_server;
  return bench.servers[sim->index % g_strv_length (bench.servers)];
}

static void
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
static gboolean
sim_online (Sim *sim)
{
  if (sim->lite != NULL)
    return bench_lite_is_online (sim->lite);
  return sim->online && sim->client != NULL && serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE;
}

static void
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
          sim->lite = bench_lite_start (sim_server (sim), opt_fingerprint, user, opt_password,
                                        sim_vlan_name (sim, buf, sizeof buf), sim->mac, lite_done_cb, sim);
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

static gboolean
all_done (void)
{
  return bench.done >= bench.n;
}

/* Starts every client and runs the main loop until all are online or
 * failed, or the timeout. Returns the seconds it took. */
static double
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

static void
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

static void
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

/* --- frames ---------------------------------------------------------------- */

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
put64 (guint8 *p, guint64 v)
{
  put32 (p, v >> 32);
  put32 (p + 4, (guint32) v);
}

static guint64
get64 (const guint8 *p)
{
  return (guint64) get32 (p) << 32 | get32 (p + 4);
}

/* Sends one frame from @sim to @dst; TRUE if the link took it. */
static gboolean
send_frame (Sim *sim, const guint8 dst[6], guint8 kind, gsize size)
{
  guint8 *f = bench.frame;
  guint8 *p = f + HDR_LEN;

  memcpy (f, dst, 6);
  memcpy (f + 6, sim->mac, 6);
  f[12] = BENCH_ETHERTYPE >> 8;
  f[13] = BENCH_ETHERTYPE & 0xff;
  put32 (p, BENCH_MAGIC);
  p[4] = kind;
  put32 (p + 5, sim->seq);
  put64 (p + 9, now_ns ());
  put32 (p + 17, sim->index);
  if (!serval_client_vlan_send (sim->vlan, f, size))
    return FALSE;
  sim->seq++;
  return TRUE;
}

static void
frame_cb (ServalClientVlan *vlan, const guint8 *frame, gsize len, gpointer user_data)
{
  Sim *sim = user_data;
  const guint8 *p = frame + HDR_LEN;
  gint64 sent_at;

  if (len < HDR_LEN + PAYLOAD_LEN || frame[12] != BENCH_ETHERTYPE >> 8 ||
      frame[13] != (BENCH_ETHERTYPE & 0xff) || get32 (p) != BENCH_MAGIC || p[4] != KIND_DATA ||
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
static void
learn_macs (void)
{
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

  for (guint i = 0; i < bench.n; i++)
    if (bench.sims[i].online)
      send_frame (&bench.sims[i], bcast, KIND_LEARN, MIN_FRAME);
  run_for (0.5);
}

/* Client 2k sends to client 2k+1. */
static void
make_pairs (void)
{
  for (guint i = 0; i + 1 < bench.n; i += 2)
    {
      bench.sims[i].sender = TRUE;
      memcpy (bench.sims[i].peer_mac, bench.sims[i + 1].mac, 6);
    }
}

typedef struct
{
  guint64 sent, refused, received;
} Totals;

static Totals
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

static gboolean
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

static gboolean
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

static gboolean
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

static int
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

static int
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

static int
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

static int
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

typedef struct
{
  guint online, connecting, disconnected;
} SoakCounts;

static SoakCounts
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
static gboolean
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

static int
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

static void
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
static const char *
churn_vlan (Sim *sim, char *buf, gsize size)
{
  return sim->in_main ? opt_vlan : sim_vlan_name (sim, buf, size);
}

static void
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

static void
churn_join (Sim *sim)
{
  char buf[128];

  serval_client_join_async (sim->client, churn_vlan (sim, buf, sizeof buf), NULL, frame_cb, sim, NULL,
                            churn_joined_cb, sim);
}

static void
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

static void churn_reconnect (Sim *sim, gboolean evil);

static void
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
static void
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

static gboolean
churn_usable (Sim *sim)
{
  return !sim->busy && sim->vlan != NULL && serval_client_get_state (sim->client) == SERVAL_CLIENT_STATE_ONLINE;
}

/* Ten times a second: every client's frames at its share of --rate, and
 * the clients whose time has come leave and join, or log in again. */
static gboolean
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
static gboolean
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

static gboolean
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

static gboolean
churn_idle (void)
{
  for (guint i = 0; i < bench.n; i++)
    if (bench.sims[i].busy)
      return FALSE;
  return TRUE;
}

static int
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

static int
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

static void
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
  g_option_context_set_summary (ctx, "MODE is throughput, latency, idle, logins, soak, churn or populate.");
  g_option_context_set_description (ctx, modes_text);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("serval-bench: %s (see serval-bench --help)\n", error->message);
      return 1;
    }
  if (argc != 2)
    {
      g_printerr ("serval-bench: say which one mode to run: throughput, latency, idle, logins, soak, churn or populate "
                  "(see serval-bench --help)\n");
      return 1;
    }
  mode = argv[1];
  if (opt_clients < 1 || opt_clients > 1000000 || opt_concurrency < 1 || opt_seconds < 0 ||
      opt_size < MIN_FRAME || opt_size > 9000 || opt_rate < 1 || opt_group < 0 || opt_first < 0 || opt_warmup < 0 || opt_warmup > 60 ||
      opt_churn_interval < 0.1 || opt_hostile_interval < 0 || opt_loopbacks < 1 || opt_loopbacks > 254)
    {
      g_printerr ("serval-bench: --clients and --concurrency must be at least 1, --size 60..9000, "
                  "--rate at least 1, --warmup 0..60, --churn-interval at least 0.1, --seconds, --group, --first and "
                  "--hostile-interval not negative, --loopbacks 1..254\n");
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
      !g_str_equal (mode, "churn"))
    {
      g_printerr ("serval-bench: unknown mode “%s”: use throughput, latency, idle, logins, soak, churn or populate\n", mode);
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
  else
    status = mode_logins ();
  bench_clear ();

out:
  if (csv_out != stdout)
    fclose (csv_out);
  return status;
}
