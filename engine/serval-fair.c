#include "config.h"

#include "serval-fair.h"

#include <string.h>

/* One queued frame, its bytes after it. */
typedef struct _Item Item;
struct _Item
{
  Item *next;
  gsize len;
  guint32 vlan;
  gboolean has_offload;
  ServalOffload offload;
  guint8 data[];
};

/* One sender's FIFO; it exists while it holds frames, in fair->active. */
typedef struct
{
  guint64 sender; /* the key in fair->flows */
  Item *head;
  Item *tail;
  gsize bytes; /* cost of its items (item_cost()) */
  gsize deficit;
  gboolean visited; /* its deficit grew in this round already */
  GList link;       /* in fair->active */
} Flow;

struct _ServalFair
{
  ServalFairLimits limits;
  ServalFairStats *stats;
  GHashTable *flows; /* &Flow.sender -> Flow, the senders with frames queued */
  GQueue active;     /* the round: its head is served next */
  gsize bytes;
  gboolean pulling; /* within serval_fair_pull() */
  gboolean freed;   /* serval_fair_free() was called within it: free at its end */
};

/* What a queued frame costs: its bytes and its bookkeeping. */
static gsize
item_cost (gsize len)
{
  return len + sizeof (Item);
}

/**
 * serval_fair_limits_init:
 * @limits: (out caller-allocates): the limits to fill
 *
 * Sets every limit to its default (see #ServalFairLimits).
 */
void
serval_fair_limits_init (ServalFairLimits *limits)
{
  limits->sender_bytes = 2 * 1024 * 1024;
  limits->receiver_bytes = 4 * 1024 * 1024;
  limits->quantum = 65536 + 16;
}

/**
 * serval_fair_result_to_string:
 * @result: a result
 *
 * Returns: (transfer none): a short name for @result ("queued",
 *   "sender_full", ...), for metrics; "unknown" for a value out of range
 */
const char *
serval_fair_result_to_string (ServalFairResult result)
{
  static const char *const names[SERVAL_FAIR_N_RESULTS] = {
    "queued",
    "sender_full",
    "receiver_full",
    "rate_limit",
    "closed",
  };

  return (guint) result < SERVAL_FAIR_N_RESULTS ? names[result] : "unknown";
}

/**
 * serval_fair_new:
 * @limits: (nullable): the limits, copied; %NULL for the defaults
 * @stats: (nullable): counters to add to, which must outlive the scheduler
 *   (several schedulers may share them); %NULL for none
 *
 * Returns: (transfer full): a scheduler with nothing queued
 */
ServalFair *
serval_fair_new (const ServalFairLimits *limits, ServalFairStats *stats)
{
  ServalFair *fair = g_new0 (ServalFair, 1);

  if (limits != NULL)
    fair->limits = *limits;
  else
    serval_fair_limits_init (&fair->limits);
  fair->limits.quantum = MAX (fair->limits.quantum, 1);
  fair->stats = stats;
  fair->flows = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&fair->active);
  return fair;
}

static void
count_drop (ServalFair *fair, ServalFairResult why)
{
  if (fair->stats != NULL)
    fair->stats->dropped[why]++;
}

/* Takes @flow's first frame out of the queues; the caller frees it. */
static Item *
take_head (ServalFair *fair, Flow *flow)
{
  Item *item = flow->head;

  flow->head = item->next;
  if (flow->head == NULL)
    flow->tail = NULL;
  flow->bytes -= item_cost (item->len);
  fair->bytes -= item_cost (item->len);
  if (fair->stats != NULL)
    {
      fair->stats->queued_frames--;
      fair->stats->queued_bytes -= item->len;
    }
  return item;
}

/* An emptied flow leaves the round, and its deficit with it. */
static void
forget_flow (ServalFair *fair, Flow *flow)
{
  g_queue_unlink (&fair->active, &flow->link);
  g_hash_table_remove (fair->flows, &flow->sender);
  g_free (flow);
}

/**
 * serval_fair_free:
 * @fair: (nullable): a scheduler
 *
 * Frees it with its frames (counted as %SERVAL_FAIR_DROP_CLOSED). Safe
 * within the function of serval_fair_pull(), which then stops and frees it.
 */
void
serval_fair_free (ServalFair *fair)
{
  if (fair == NULL)
    return;
  if (fair->pulling)
    {
      fair->freed = TRUE;
      return;
    }
  while (fair->active.head != NULL)
    {
      Flow *flow = fair->active.head->data;

      while (flow->head != NULL)
        {
          g_free (take_head (fair, flow));
          count_drop (fair, SERVAL_FAIR_DROP_CLOSED);
        }
      forget_flow (fair, flow);
    }
  g_hash_table_unref (fair->flows);
  g_free (fair);
}

/* The flow holding the most bytes. */
static Flow *
longest_flow (ServalFair *fair)
{
  Flow *longest = NULL;

  for (GList *l = fair->active.head; l != NULL; l = l->next)
    {
      Flow *flow = l->data;

      if (longest == NULL || flow->bytes > longest->bytes)
        longest = flow;
    }
  return longest;
}

/* Room for @cost more bytes from @flow (NULL: a new sender) within the
 * receiver's bound: the longest queue other than @flow's loses its oldest
 * frames. FALSE if @flow's is the longest. */
static gboolean
make_room (ServalFair *fair, Flow *flow, gsize cost)
{
  while (fair->bytes + cost > fair->limits.receiver_bytes)
    {
      Flow *longest = longest_flow (fair);

      if (longest == NULL || longest == flow || (flow != NULL && flow->bytes + cost >= longest->bytes))
        return FALSE;
      g_free (take_head (fair, longest));
      count_drop (fair, SERVAL_FAIR_DROP_RECEIVER_FULL);
      if (longest->head == NULL)
        forget_flow (fair, longest);
    }
  return TRUE;
}

/**
 * serval_fair_push:
 * @fair: a scheduler
 * @sender: who sent @frame (any number naming a sender)
 * @frame: the frame, copied with its offload metadata
 *
 * Queues @frame at the end of @sender's queue, unless that queue or the
 * receiver's are full (see #ServalFairResult; a drop is counted).
 *
 * Returns: %SERVAL_FAIR_QUEUED, or why @frame was dropped
 */
ServalFairResult
serval_fair_push (ServalFair *fair, guint64 sender, const ServalFrame *frame)
{
  Flow *flow = g_hash_table_lookup (fair->flows, &sender);
  gsize cost = item_cost (frame->len);
  Item *item;

  if ((flow != NULL ? flow->bytes : 0) + cost > fair->limits.sender_bytes)
    {
      count_drop (fair, SERVAL_FAIR_DROP_SENDER_FULL);
      return SERVAL_FAIR_DROP_SENDER_FULL;
    }
  if (!make_room (fair, flow, cost))
    {
      count_drop (fair, SERVAL_FAIR_DROP_RECEIVER_FULL);
      return SERVAL_FAIR_DROP_RECEIVER_FULL;
    }
  /* make_room() never empties @sender's own flow: @flow is still valid. */
  if (flow == NULL)
    {
      flow = g_new0 (Flow, 1);
      flow->sender = sender;
      flow->link.data = flow;
      g_hash_table_insert (fair->flows, &flow->sender, flow);
      g_queue_push_tail_link (&fair->active, &flow->link);
    }
  item = g_malloc (sizeof (Item) + frame->len);
  item->next = NULL;
  item->len = frame->len;
  item->vlan = frame->vlan;
  item->has_offload = frame->offload != NULL;
  if (item->has_offload)
    item->offload = *frame->offload;
  memcpy (item->data, frame->data, frame->len);
  if (flow->tail != NULL)
    flow->tail->next = item;
  else
    flow->head = item;
  flow->tail = item;
  flow->bytes += cost;
  fair->bytes += cost;
  if (fair->stats != NULL)
    {
      fair->stats->queued_frames++;
      fair->stats->queued_bytes += frame->len;
    }
  return SERVAL_FAIR_QUEUED;
}

/* The next frame in deficit round robin order, taken out of its queue. */
static Item *
next_item (ServalFair *fair)
{
  for (;;)
    {
      Flow *flow = fair->active.head->data;
      Item *item;

      if (!flow->visited)
        {
          flow->deficit += fair->limits.quantum;
          flow->visited = TRUE;
        }
      if (flow->head->len > flow->deficit)
        {
          /* Its turn is over: the next sender's comes. */
          flow->visited = FALSE;
          g_queue_unlink (&fair->active, &flow->link);
          g_queue_push_tail_link (&fair->active, &flow->link);
          continue;
        }
      flow->deficit -= flow->head->len;
      item = take_head (fair, flow);
      if (flow->head == NULL)
        forget_flow (fair, flow);
      return item;
    }
}

/**
 * serval_fair_pull:
 * @fair: a scheduler
 * @budget: bytes of frames to move at least (the last frame may pass it)
 * @func: (scope call): given each frame, in deficit round robin order
 * @user_data: for @func
 *
 * Takes frames out of the queues until @budget bytes went to @func or
 * nothing is left. @func may free @fair (serval_fair_free()): the pull
 * then stops.
 *
 * Returns: the bytes of the frames given to @func
 */
gsize
serval_fair_pull (ServalFair *fair, gsize budget, ServalFrameFunc func, gpointer user_data)
{
  gsize moved = 0;

  fair->pulling = TRUE;
  while (moved < budget && fair->active.head != NULL && !fair->freed)
    {
      Item *item = next_item (fair);
      ServalFrame frame = { item->data, item->len, item->vlan, item->has_offload ? &item->offload : NULL };

      moved += item->len;
      func (&frame, user_data);
      g_free (item);
    }
  fair->pulling = FALSE;
  if (fair->freed)
    serval_fair_free (fair);
  return moved;
}

/**
 * serval_fair_get_queued:
 * @fair: a scheduler
 *
 * Returns: what its frames cost (their bytes and bookkeeping); 0 when empty
 */
gsize
serval_fair_get_queued (ServalFair *fair)
{
  return fair->bytes;
}

/**
 * serval_fair_get_senders:
 * @fair: a scheduler
 *
 * Returns: the senders with frames queued
 */
guint
serval_fair_get_senders (ServalFair *fair)
{
  return fair->active.length;
}

/**
 * serval_fair_bucket_init:
 * @bucket: (out caller-allocates): the bucket
 * @rate: bytes per second; 0 for no limit
 * @burst: bytes it holds when full (the most taken at once after a pause)
 * @now: the time, in microseconds (g_get_monotonic_time() in the server)
 *
 * A full bucket.
 */
void
serval_fair_bucket_init (ServalFairBucket *bucket, guint64 rate, guint64 burst, gint64 now)
{
  /* Bounds against overflow of byte-microseconds: 1 TB/s, 1 TB. */
  bucket->rate = MIN (rate, G_GUINT64_CONSTANT (1000000000000));
  bucket->burst = MIN (burst, G_GUINT64_CONSTANT (1000000000000));
  bucket->tokens = bucket->burst * G_USEC_PER_SEC;
  bucket->last = now;
}

/**
 * serval_fair_bucket_take:
 * @bucket: a bucket
 * @bytes: what a frame costs
 * @now: the time, in microseconds, not before the last call's
 *
 * Returns: %TRUE if the bucket had @bytes, now taken; %FALSE if the frame
 *   is over the rate (nothing taken); always %TRUE without a limit
 */
gboolean
serval_fair_bucket_take (ServalFairBucket *bucket, gsize bytes, gint64 now)
{
  guint64 cap = bucket->burst * G_USEC_PER_SEC;
  guint64 need = (guint64) bytes * G_USEC_PER_SEC;

  if (bucket->rate == 0)
    return TRUE;
  if (now > bucket->last)
    {
      /* Past a full bucket's refill, the rest adds nothing (nor overflows). */
      guint64 elapsed = now - bucket->last;
      guint64 to_full = (cap - bucket->tokens) / bucket->rate + 1;

      bucket->tokens = elapsed >= to_full ? cap : bucket->tokens + elapsed * bucket->rate;
      bucket->tokens = MIN (bucket->tokens, cap);
      bucket->last = now;
    }
  if (bucket->tokens < need)
    return FALSE;
  bucket->tokens -= need;
  return TRUE;
}
