/* serval-server-fair.c: fair sharing of each member's link among those who
 * send to it, and the per-user rate limit.
 *
 * A frame towards a member goes straight into its link, as it always did,
 * while the link holds less than LOW_WATER bytes and nothing waits for it
 * (or, for a lone sender, up to HIGH_WATER). Otherwise it waits in the member's ServalFair, in its sender's queue, and
 * the link's drain function (serval_link_set_drain_func()) moves frames in
 * deficit round robin order as the link empties below LOW_WATER. So a
 * member flooding another fills only its own queue (and loses its own
 * frames past its bound), the others' frames wait for one round at most,
 * and a management message, queued in the link directly, waits behind no
 * queued frame: the link sends it ahead of its data (serval-link-drain.c).
 */
#include "config.h"

#include "serval-server-fair.h"

#include <string.h>

#include "serval-server-private.h"

/* The link's queue the fair queues keep it at: some 2 ms of a 1 Gbit/s
 * link, enough to keep the socket busy between two writes. */
#define LOW_WATER (256 * 1024)
/* While one sender alone sends to a member, its frames go straight into
 * the link up to what the link held before the fair queues: a lone TCP
 * flow through a busy link costs no copy (12 % more server CPU per frame
 * and a third fewer Gbit/s in run-perframe.sh when it did). A frame of
 * another sender then waits in the fair queues, and from then on every
 * frame does until they are empty, the link back at LOW_WATER. */
#define HIGH_WATER SERVAL_LINK_DATA_QUEUE_LIMIT

struct _ServalServerFair
{
  int refs; /* the server's and each SessionFair's */
  ServalFairLimits limits;
  ServalFairStats stats;
  guint64 rate;      /* bytes/s per user without its own limit, 0: none */
  GHashTable *users; /* user name -> UserBucket, the users with a session */
  guint64 next_id;
  guint64 sender; /* the SessionFair.id of the frame in the switch now, 0: none */
};

typedef struct
{
  int refs; /* one per session of the user */
  char *user;
  ServalFairBucket bucket;
} UserBucket;

struct _SessionFair
{
  ServalServerFair *owner;
  guint64 id;        /* this session as a sender */
  ServalFair *queue; /* the frames towards it that wait, once its link was busy */
  UserBucket *bucket;
  guint64 last_direct; /* the sender of the last frame that went straight into the link */
};

static ServalServerFair *
server_fair (ServalServer *server)
{
  if (server->fair == NULL)
    {
      server->fair = g_new0 (ServalServerFair, 1);
      server->fair->refs = 1;
      serval_fair_limits_init (&server->fair->limits);
      server->fair->users = g_hash_table_new (g_str_hash, g_str_equal);
    }
  return server->fair;
}

void
serval_server_fair_unref (ServalServerFair *fair)
{
  if (--fair->refs > 0)
    return;
  g_hash_table_unref (fair->users);
  g_free (fair);
}

void
serval_server_set_user_rate_limit (ServalServer *server, guint64 bytes_per_s)
{
  server_fair (server)->rate = bytes_per_s;
}

void
serval_server_get_fair_stats (ServalServer *server, ServalFairStats *stats)
{
  if (server->fair != NULL)
    *stats = server->fair->stats;
  else
    memset (stats, 0, sizeof *stats);
}

/* @s's rate: its user's own limit, else the server's. */
static guint64
session_rate (ServalServerFair *fair, Session *s)
{
  if (s->user == NULL || s->node != NULL)
    return 0;
  return s->rate_limit > 0 ? s->rate_limit : fair->rate;
}

/* The bucket shared by @user's sessions, at @rate (a new rate refills it).
 * Its burst is a tenth of a second's worth, and at least two of the
 * largest frames. */
static UserBucket *
user_bucket_ref (ServalServerFair *fair, const char *user, guint64 rate)
{
  UserBucket *ub = g_hash_table_lookup (fair->users, user);

  if (ub == NULL)
    {
      ub = g_new0 (UserBucket, 1);
      ub->user = g_strdup (user);
      g_hash_table_insert (fair->users, ub->user, ub);
    }
  if (ub->refs == 0 || ub->bucket.rate != rate)
    serval_fair_bucket_init (&ub->bucket, rate, MAX (rate / 10, 2 * 65536), g_get_monotonic_time ());
  ub->refs++;
  return ub;
}

static void
user_bucket_unref (ServalServerFair *fair, UserBucket *ub)
{
  if (ub == NULL || --ub->refs > 0)
    return;
  g_hash_table_remove (fair->users, ub->user);
  g_free (ub->user);
  g_free (ub);
}

void
serval_session_fair_start (Session *s)
{
  ServalServerFair *fair = server_fair (s->server);

  if (s->fair != NULL)
    return;
  s->fair = g_new0 (SessionFair, 1);
  s->fair->owner = fair;
  fair->refs++;
  s->fair->id = ++fair->next_id;
  serval_session_fair_set_rate (s);
}

void
serval_session_fair_set_rate (Session *s)
{
  SessionFair *sf = s->fair;
  guint64 rate;

  if (sf == NULL)
    return;
  rate = session_rate (sf->owner, s);
  if (sf->bucket != NULL && sf->bucket->bucket.rate == rate)
    return;
  user_bucket_unref (sf->owner, sf->bucket);
  sf->bucket = rate > 0 ? user_bucket_ref (sf->owner, s->user, rate) : NULL;
}

void
serval_session_fair_clear (Session *s)
{
  SessionFair *sf = s->fair;

  if (sf == NULL)
    return;
  s->fair = NULL;
  if (s->link != NULL)
    serval_link_set_drain_func (s->link, 0, NULL, NULL);
  serval_fair_free (sf->queue);
  user_bucket_unref (sf->owner, sf->bucket);
  serval_server_fair_unref (sf->owner);
  g_free (sf);
}

gboolean
serval_session_fair_admit (Session *s, gsize len, gint64 now)
{
  SessionFair *sf = s->fair;

  if (sf == NULL)
    return TRUE;
  if (sf->bucket != NULL && !serval_fair_bucket_take (&sf->bucket->bucket, len, now))
    {
      sf->owner->stats.dropped[SERVAL_FAIR_DROP_RATE]++;
      return FALSE;
    }
  sf->owner->sender = sf->id;
  return TRUE;
}

void
serval_server_fair_input_done (ServalServer *server)
{
  if (server->fair != NULL)
    server->fair->sender = 0;
}

static void
pull_cb (const ServalFrame *frame, gpointer user_data)
{
  Session *s = user_data;

  serval_link_send_frame (s->link, frame);
}

/* The link emptied below LOW_WATER: the next frames in round robin order. */
static void
drain_cb (ServalLink *link, gpointer user_data)
{
  Session *s = user_data;
  gsize queued = serval_link_get_queued (link);

  if (s->fair == NULL || s->fair->queue == NULL || queued >= LOW_WATER)
    return;
  /* pull_cb() may close the link, and the session's queue goes with it:
   * serval_fair_pull() then stops. */
  serval_fair_pull (s->fair->queue, LOW_WATER - queued, pull_cb, s);
}

void
serval_session_fair_output (Session *s, const ServalFrame *frame)
{
  SessionFair *sf = s->fair;

  if (G_UNLIKELY (sf == NULL))
    {
      serval_link_send_frame (s->link, frame);
      return;
    }
  /* The fast path: nothing waits, and the link is short or has only this
   * sender's frames; no copy. */
  if (sf->queue == NULL || serval_fair_get_queued (sf->queue) == 0)
    {
      gsize queued = serval_link_get_queued (s->link);

      if (queued < LOW_WATER || (queued < HIGH_WATER && sf->last_direct == sf->owner->sender))
        {
          sf->last_direct = sf->owner->sender;
          serval_link_send_frame (s->link, frame);
          return;
        }
    }
  if (sf->queue == NULL)
    {
      sf->queue = serval_fair_new (&sf->owner->limits, &sf->owner->stats);
      serval_link_set_drain_func (s->link, LOW_WATER, drain_cb, s);
    }
  serval_fair_push (sf->queue, sf->owner->sender, frame);
  /* Only while the link is short of LOW_WATER with frames waiting (its
   * last write left it so, and it had nothing to drain then). */
  drain_cb (s->link, s);
}
