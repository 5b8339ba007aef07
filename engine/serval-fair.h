/* serval-fair.h: fair sharing of one receiver's link among its senders.
 *
 * A ServalFair holds the frames towards one receiver that cannot go out at
 * once (its link is busy): one FIFO per sender, each bounded, served by
 * deficit round robin (Shreedhar and Varghese, 1995), so that one sender
 * flooding the receiver gets its share of the link and no more, and a
 * frame of any other sender waits for at most one round. A token bucket
 * (ServalFairBucket) limits a sender's rate.
 *
 * Like the switch it does no I/O and reads no clock: callers pass the
 * frames, the time and where the frames go, so it runs the same in the
 * server and in unit tests. Not thread-safe.
 */
#pragma once

#include <glib.h>
#include "serval-frame.h"

G_BEGIN_DECLS

/**
 * ServalFairResult:
 * @SERVAL_FAIR_QUEUED: the frame is queued
 * @SERVAL_FAIR_DROP_SENDER_FULL: dropped: its sender's queue is at its bound
 * @SERVAL_FAIR_DROP_RECEIVER_FULL: dropped: the receiver's queues are at
 *   their bound, and its sender's queue was the longest (otherwise the
 *   longest queue loses its oldest frame, counted so)
 * @SERVAL_FAIR_DROP_RATE: dropped: over its sender's rate (the caller's
 *   ServalFairBucket said so; counted here for the caller)
 * @SERVAL_FAIR_DROP_CLOSED: still queued when the receiver went
 * @SERVAL_FAIR_N_RESULTS: the number of results, not one
 *
 * What became of a frame; also the index into #ServalFairStats.dropped.
 */
typedef enum
{
  SERVAL_FAIR_QUEUED = 0,
  SERVAL_FAIR_DROP_SENDER_FULL,
  SERVAL_FAIR_DROP_RECEIVER_FULL,
  SERVAL_FAIR_DROP_RATE,
  SERVAL_FAIR_DROP_CLOSED,
  SERVAL_FAIR_N_RESULTS
} ServalFairResult;

/**
 * ServalFairLimits:
 * @sender_bytes: what one sender's queue may hold, default 2 MiB: as much as a
 *   link held before, so that one TCP flow alone loses nothing it did not
 * @receiver_bytes: what all the queues of one receiver may hold, default 4 MiB
 * @quantum: bytes a sender's deficit grows by per round, default 64 KiB and
 *   a frame header: at least the largest frame, so that every round sends
 *   at least one frame of each queue (DRR's O(1) work per frame)
 *
 * Bytes are counted with the memory a queued frame costs beside its bytes.
 */
typedef struct
{
  gsize sender_bytes;
  gsize receiver_bytes;
  gsize quantum;
} ServalFairLimits;

/**
 * ServalFairStats:
 * @queued_frames: frames queued now
 * @queued_bytes: their bytes
 * @dropped: frames dropped, by #ServalFairResult (%SERVAL_FAIR_QUEUED stays 0)
 *
 * Counters that many schedulers may share (serval_fair_new()).
 */
typedef struct
{
  guint64 queued_frames;
  guint64 queued_bytes;
  guint64 dropped[SERVAL_FAIR_N_RESULTS];
} ServalFairStats;

/**
 * ServalFairBucket:
 *
 * A token bucket in bytes; see serval_fair_bucket_init(). Plain data: embed it.
 */
typedef struct
{
  guint64 rate;   /* bytes/s; 0: no limit */
  guint64 burst;  /* bytes */
  guint64 tokens; /* byte-microseconds (bytes x 10^6), at most burst x 10^6 */
  gint64 last;    /* when tokens were last counted */
} ServalFairBucket;

/**
 * ServalFair:
 *
 * The queues towards one receiver. Made with serval_fair_new(), freed with
 * serval_fair_free().
 */
typedef struct _ServalFair ServalFair;

void serval_fair_limits_init (ServalFairLimits *limits);
const char *serval_fair_result_to_string (ServalFairResult result);

ServalFair *serval_fair_new (const ServalFairLimits *limits, ServalFairStats *stats);
void serval_fair_free (ServalFair *fair);
ServalFairResult serval_fair_push (ServalFair *fair, guint64 sender, const ServalFrame *frame);
gsize serval_fair_pull (ServalFair *fair, gsize budget, ServalFrameFunc func, gpointer user_data);
gsize serval_fair_get_queued (ServalFair *fair);
guint serval_fair_get_senders (ServalFair *fair);

void serval_fair_bucket_init (ServalFairBucket *bucket, guint64 rate, guint64 burst, gint64 now);
gboolean serval_fair_bucket_take (ServalFairBucket *bucket, gsize bytes, gint64 now);

G_END_DECLS
