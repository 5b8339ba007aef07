/* serval-bench.h: what the files of serval-bench share: its options, the
 * simulated clients and the helpers. serval-bench.c: options, clients, main;
 * -util.c: clock, /proc, CSV, main loop; -traffic.c: throughput and latency;
 * -modes.c: idle, logins, soak, populate; -churn.c: churn; -lite.c: bare clients;
 * -storm.c: storm; -pair.c: its active pair.
 */
#pragma once

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
#include "serval-util.h"
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

extern char *opt_server;
extern char *opt_fingerprint;
extern char *opt_prefix;
extern char *opt_password;
extern char *opt_vlan;
extern char *opt_csv;
extern char *opt_data_dir;
extern char *opt_etcd;
extern char *opt_servers;
extern char *opt_status_file;
extern char *opt_label;
extern int opt_clients;
extern int opt_first;
extern int opt_size;
extern int opt_rate;
extern int opt_seconds;
extern int opt_concurrency;
extern int opt_group;
extern int opt_server_pid;
extern int opt_iterations;
extern int opt_users;
extern int opt_timeout;
extern double opt_warmup;
extern gboolean opt_verbose;
extern gboolean opt_tokens;
extern gboolean opt_no_tls_resume;
extern gboolean opt_keep_members;
extern int opt_loopbacks;
extern double opt_churn_interval;
extern double opt_hostile_interval;
extern char *opt_server_command;
extern char *opt_server_log;
extern char *opt_metrics;
extern char *opt_series;
extern int opt_sources;
extern double opt_password_share;

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
  /* storm */
  gint64 back_ns; /* back online after the restart, ns after it; 0: not yet */
} Sim;

typedef struct
{
  Sim *sims;
  guint n;
  guint next; /* the next client to start */
  guint in_flight;
  guint done; /* finished (online or failed) */
  guint failed;
  gboolean join;      /* also join after login */
  gboolean lite;      /* idle: BenchLite clients, no member lists */
  gboolean reconnect; /* storm: the BenchLite clients come back by themselves */
  gboolean logout;    /* disconnect right after login (logins mode) */
  gboolean keep;      /* logout keeps the client (and its resume token) for the next round */
  guint resumed;      /* logins that used the resume token */
  guint tls_resumed;  /* logins whose TLS session resumed with a ticket */
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

typedef struct
{
  guint64 sent, refused, received;
} Totals;

/* One round trip of the storm's active pair: when it came back, how long it took. */
typedef struct
{
  gint64 at_ns;
  gint64 rtt_ns;
} BenchRtt;

typedef struct _BenchPair BenchPair;

typedef struct
{
  guint online, connecting, disconnected;
} SoakCounts;

extern FILE *csv_out;
extern gboolean interrupted;
extern Bench bench;

gint64 now_ns (void);
double now_s (void);
void csv (const char *mode, const char *metric, double value);
gint64 proc_status_kib (int pid, const char *key);
double proc_cpu_s (int pid);
double self_cpu_s (void);
gboolean raise_fd_limit (guint need);
int cmp_i64 (gconstpointer a, gconstpointer b);
gint64 quantile (GArray *v, double p);
gboolean signal_cb (gpointer data);
gboolean tick_cb (gpointer data);
void run_until (double seconds, gboolean (*done) (void));
void run_for (double seconds);
void sim_failed (Sim *sim, const char *what, const GError *error);
void sim_finished (Sim *sim);
const char *sim_vlan_name (Sim *sim, char *buf, gsize size);
gboolean retry_cb (gpointer user_data);
gboolean soak_retry (Sim *sim, const char *what, const GError *error);
void joined_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void connected_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void state_cb (GObject *object, GParamSpec *pspec, gpointer user_data);
void connection_failed_cb (ServalClient *client, GError *error, gpointer user_data);
const char *sim_server (Sim *sim);
void lite_done_cb (BenchLite *lite, const char *error, gpointer user_data);
gboolean sim_online (Sim *sim);
void start_next (void);
gboolean all_done (void);
double connect_all (gboolean join, gboolean logout);
void bench_init (guint n);
void bench_clear (void);
void put64 (guint8 *p, guint64 v);
guint64 get64 (const guint8 *p);
gboolean send_frame (Sim *sim, const guint8 dst[6], guint8 kind, gsize size);
void frame_cb (ServalClientVlan *vlan, const guint8 *frame, gsize len, gpointer user_data);
void learn_macs (void);
void make_pairs (void);
Totals totals (void);
gboolean pump_cb (gpointer data);
gboolean pace_cb (gpointer data);
gboolean check_clients_online (const char *mode);
int mode_throughput (void);
int mode_latency (void);
int mode_idle (void);
int mode_logins (void);
SoakCounts soak_counts (void);
gboolean soak_status_cb (gpointer data);
int mode_soak (void);
void churn_error (Sim *sim, const char *what, const GError *error);
const char *churn_vlan (Sim *sim, char *buf, gsize size);
void churn_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void churn_join (Sim *sim);
void churn_left_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void churn_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void churn_reconnect (Sim *sim, gboolean evil);
gboolean churn_usable (Sim *sim);
gboolean churn_tick_cb (gpointer data);
gboolean churn_hostile_cb (gpointer data);
gboolean churn_status_cb (gpointer data);
gboolean churn_idle (void);
int mode_churn (void);
int mode_populate (void);
void storm_state_cb (BenchLite *lite, gboolean online, gpointer user_data);
int mode_storm (void);
BenchPair *bench_pair_start (guint index);
gboolean bench_pair_ready (BenchPair *pair);
char *bench_pair_dup_error (BenchPair *pair);
gint64 bench_pair_last_sent (BenchPair *pair);
GArray *bench_pair_rtts (BenchPair *pair, gint64 from_ns, gint64 to_ns);
void bench_pair_free (BenchPair *pair);
void quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data);
