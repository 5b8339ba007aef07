/* serval-bench-pair.c: the active pair of the storm mode. Two full
 * ServalClients in one VLAN on a thread and main context of their own (so
 * that the generator's thousands of simulated clients on the main thread do
 * not delay them): A pings B with a frame every PING_INTERVAL_MS, B sends it
 * straight back, A keeps each round trip with the time it came back. They
 * reconnect by themselves, as any ServalClient does, when the server goes. */
#include "config.h"

#include "serval-bench.h"

#define PING_INTERVAL_MS 10
#define KIND_PING        3
#define KIND_PONG        4

struct _BenchPair
{
  GThread *thread;
  GMainContext *context;
  ServalClient *client[2];
  ServalClientVlan *vlan[2];
  guint8 mac[2][6];
  char *user[2];
  guint32 seq;
  gint ready;      /* atomic: both joined once */
  gint stop;       /* atomic */
  GMutex lock;     /* guards samples and error */
  GArray *samples; /* BenchRtt */
  char *error;
};

static void
pair_error (BenchPair *pair, const char *what, const GError *error)
{
  g_mutex_lock (&pair->lock);
  if (pair->error == NULL)
    pair->error = g_strdup_printf ("%s: %s", what, error->message);
  g_mutex_unlock (&pair->lock);
}

static void
pair_send (BenchPair *pair, int from, guint8 kind, guint32 seq, gint64 t)
{
  guint8 f[MIN_FRAME] = { 0 };
  guint8 *p = f + HDR_LEN;

  if (pair->vlan[from] == NULL || serval_client_get_state (pair->client[from]) != SERVAL_CLIENT_STATE_ONLINE)
    return;
  memcpy (f, pair->mac[!from], 6);
  memcpy (f + 6, pair->mac[from], 6);
  f[12] = BENCH_ETHERTYPE >> 8;
  f[13] = BENCH_ETHERTYPE & 0xff;
  serval_put_be32 (p, BENCH_MAGIC);
  p[4] = kind;
  serval_put_be32 (p + 5, seq);
  put64 (p + 9, t);
  serval_client_vlan_send (pair->vlan[from], f, sizeof f);
}

static void
pair_frame_cb (ServalClientVlan *vlan, const guint8 *frame, gsize len, gpointer user_data)
{
  BenchPair *pair = user_data;
  const guint8 *p = frame + HDR_LEN;
  int me = vlan == pair->vlan[0] ? 0 : 1;
  BenchRtt s;

  if (len < HDR_LEN + PAYLOAD_LEN || frame[12] != BENCH_ETHERTYPE >> 8 ||
      frame[13] != (BENCH_ETHERTYPE & 0xff) || serval_get_be32 (p) != BENCH_MAGIC || memcmp (frame, pair->mac[me], 6) != 0)
    return;
  if (p[4] == KIND_PING && me == 1)
    pair_send (pair, 1, KIND_PONG, serval_get_be32 (p + 5), (gint64) get64 (p + 9));
  else if (p[4] == KIND_PONG && me == 0)
    {
      s.at_ns = now_ns ();
      s.rtt_ns = s.at_ns - (gint64) get64 (p + 9);
      g_mutex_lock (&pair->lock);
      g_array_append_val (pair->samples, s);
      g_mutex_unlock (&pair->lock);
    }
}

static gboolean
ping_cb (gpointer data)
{
  BenchPair *pair = data;

  if (g_atomic_int_get (&pair->stop))
    return G_SOURCE_REMOVE;
  pair_send (pair, 0, KIND_PING, pair->seq++, now_ns ());
  return G_SOURCE_CONTINUE;
}

static void
pair_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BenchPair *pair = user_data;
  g_autoptr(GError) error = NULL;
  int i = SERVAL_CLIENT (source) == pair->client[0] ? 0 : 1;

  pair->vlan[i] = serval_client_join_finish (SERVAL_CLIENT (source), result, &error);
  if (pair->vlan[i] == NULL)
    pair_error (pair, "the active pair's join", error);
  else if (pair->vlan[!i] != NULL)
    g_atomic_int_set (&pair->ready, 1);
}

static void
pair_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BenchPair *pair = user_data;
  g_autoptr(GError) error = NULL;

  if (!serval_client_connect_finish (SERVAL_CLIENT (source), result, &error))
    {
      pair_error (pair, "the active pair's login", error);
      return;
    }
  serval_client_join_frames_async (SERVAL_CLIENT (source), opt_vlan,
                                   pair->mac[SERVAL_CLIENT (source) == pair->client[0] ? 0 : 1], pair_frame_cb,
                                   pair, NULL, pair_joined_cb, pair);
}

static gpointer
pair_thread (gpointer data)
{
  BenchPair *pair = data;
  GSource *ping;

  g_main_context_push_thread_default (pair->context);
  for (int i = 0; i < 2; i++)
    {
      pair->client[i] = serval_client_new (opt_server, pair->user[i], opt_password, opt_fingerprint);
      serval_client_set_host_name (pair->client[i], "serval-bench-pair");
      serval_client_connect_async (pair->client[i], NULL, pair_connected_cb, pair);
    }
  ping = g_timeout_source_new (PING_INTERVAL_MS);
  g_source_set_callback (ping, ping_cb, pair, NULL);
  g_source_attach (ping, pair->context);
  while (!g_atomic_int_get (&pair->stop))
    g_main_context_iteration (pair->context, TRUE);
  g_source_destroy (ping);
  g_source_unref (ping);
  for (int i = 0; i < 2; i++)
    {
      serval_client_disconnect (pair->client[i]);
      g_clear_object (&pair->vlan[i]);
      g_clear_object (&pair->client[i]);
    }
  /* Let the closes go out. */
  for (int i = 0; i < 20 && g_main_context_iteration (pair->context, FALSE); i++)
    ;
  g_main_context_pop_thread_default (pair->context);
  return NULL;
}

/* Users PREFIX(first + @index) and the next one, in --vlan. */
BenchPair *
bench_pair_start (guint index)
{
  BenchPair *pair = g_new0 (BenchPair, 1);

  for (int i = 0; i < 2; i++)
    {
      guint id = opt_first + index + i;

      pair->user[i] = g_strdup_printf ("%s%05u", opt_prefix, id);
      pair->mac[i][0] = 0x02;
      pair->mac[i][1] = 0x53;
      pair->mac[i][2] = 0x50; /* "P": not a simulated client's 02:53:42 */
      pair->mac[i][3] = id >> 16;
      pair->mac[i][4] = id >> 8;
      pair->mac[i][5] = id;
    }
  g_mutex_init (&pair->lock);
  pair->samples = g_array_new (FALSE, FALSE, sizeof (BenchRtt));
  pair->context = g_main_context_new ();
  pair->thread = g_thread_new ("bench-pair", pair_thread, pair);
  return pair;
}

gboolean
bench_pair_ready (BenchPair *pair)
{
  return g_atomic_int_get (&pair->ready);
}

/* The pair's first error, or NULL. */
char *
bench_pair_dup_error (BenchPair *pair)
{
  char *e;

  g_mutex_lock (&pair->lock);
  e = g_strdup (pair->error);
  g_mutex_unlock (&pair->lock);
  return e;
}

/* When the last round trip that came back was sent (0: none yet). */
gint64
bench_pair_last_sent (BenchPair *pair)
{
  gint64 t = 0;

  g_mutex_lock (&pair->lock);
  if (pair->samples->len > 0)
    {
      BenchRtt *s = &g_array_index (pair->samples, BenchRtt, pair->samples->len - 1);

      t = s->at_ns - s->rtt_ns;
    }
  g_mutex_unlock (&pair->lock);
  return t;
}

/* The round trips that came back between @from_ns and @to_ns, sorted. */
GArray *
bench_pair_rtts (BenchPair *pair, gint64 from_ns, gint64 to_ns)
{
  GArray *v = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_mutex_lock (&pair->lock);
  for (guint i = 0; i < pair->samples->len; i++)
    {
      BenchRtt *s = &g_array_index (pair->samples, BenchRtt, i);

      if (s->at_ns >= from_ns && s->at_ns < to_ns)
        g_array_append_val (v, s->rtt_ns);
    }
  g_mutex_unlock (&pair->lock);
  g_array_sort (v, cmp_i64);
  return v;
}

void
bench_pair_free (BenchPair *pair)
{
  if (pair == NULL)
    return;
  g_atomic_int_set (&pair->stop, 1);
  g_main_context_wakeup (pair->context);
  g_thread_join (pair->thread);
  g_main_context_unref (pair->context);
  g_array_unref (pair->samples);
  g_mutex_clear (&pair->lock);
  g_free (pair->user[0]);
  g_free (pair->user[1]);
  g_free (pair->error);
  g_free (pair);
}
