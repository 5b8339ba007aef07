/* serval-server-limits.c: what a client may send, and how fast: login
 * limits per source and per user, the rate of address updates, and no
 * control characters in the strings of its requests.
 *
 * Logins. A password check costs 15-30 ms of CPU, so guesses are limited:
 *  - per source (an IPv4 address, or an IPv6 /64, which one host gets for
 *    nothing): config.max_failed_logins a minute, a login in flight
 *    counting as a failure until it succeeds, so that guesses sent in
 *    parallel are counted as sequential ones are; a login with a resume
 *    token is not limited (not a guess: a forged token never passes);
 *  - per user, for guesses spread over many sources: past
 *    config.max_failed_logins failures (or checks in flight) within a
 *    minute of each other, a password login for that user must wait 1 s
 *    after the last attempt, then 2, 4 ... 30 s at most; earlier ones are
 *    refused with rateLimited and the wait. The real user is delayed, never
 *    locked out: a resume token skips this limit, and so does a source the
 *    user logged in from lately.
 * Both tables are bounded (config.max_login_records): when one is full,
 * a record that locks nothing out goes first, so that failures from a
 * flood of new sources do not lift the lockouts that matter.
 */
#include "config.h"

#include "serval-server-private.h"

#define LOGIN_WINDOW_US    (60 * G_USEC_PER_SEC)
#define USER_DELAY_MAX_US  (30 * G_USEC_PER_SEC)
#define EVICTION_SCAN      64 /* records looked at for one that locks nothing out */
#define GOOD_SOURCES       4  /* sources a user logged in from lately, skipping the user limit */
#define UPDATE_INTERVAL_US G_USEC_PER_SEC
#define UPDATE_BURST       5

typedef struct
{
  char *key;
  GList link; /* in the table's order: oldest window first */
  guint failures;
  guint in_flight;
  gint64 window_start;
  gint64 last_attempt;
  char *good[GOOD_SOURCES]; /* a user's: sources it logged in from, newest first */
} LimitRecord;

typedef struct
{
  GHashTable *records; /* key -> LimitRecord */
  GQueue order;        /* of LimitRecord, by window start */
  guint max;
} LimitTable;

struct _ServalLoginLimits
{
  LimitTable sources;
  LimitTable users;
  guint max_failures;
};

static void
limit_record_free (LimitRecord *rec)
{
  g_free (rec->key);
  for (guint i = 0; i < GOOD_SOURCES; i++)
    g_free (rec->good[i]);
  g_free (rec);
}

static void
limit_table_init (LimitTable *t, guint max)
{
  t->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) limit_record_free);
  g_queue_init (&t->order);
  t->max = MAX (max, 1);
}

static void
limit_table_remove (LimitTable *t, LimitRecord *rec)
{
  g_queue_unlink (&t->order, &rec->link);
  g_hash_table_remove (t->records, rec->key);
}

/* The table is full: forget a record, the oldest of those that lock
 * nothing out (most are a stray failure or two), else the oldest. */
static void
limit_table_evict (LimitTable *t, guint max_failures)
{
  GList *l = t->order.head;

  for (guint i = 0; l != NULL && i < EVICTION_SCAN; i++, l = l->next)
    {
      LimitRecord *rec = l->data;

      if (rec->failures + rec->in_flight < max_failures)
        {
          limit_table_remove (t, rec);
          return;
        }
    }
  limit_table_remove (t, t->order.head->data);
}

/* @key's record, made if @create; its window starts again if over. */
static LimitRecord *
limit_table_get (LimitTable *t, const char *key, gboolean create, guint max_failures)
{
  LimitRecord *rec = g_hash_table_lookup (t->records, key);
  gint64 now = g_get_monotonic_time ();

  if (rec != NULL && now - MAX (rec->window_start, rec->last_attempt) > LOGIN_WINDOW_US)
    {
      rec->failures = 0;
      rec->window_start = now;
      g_queue_unlink (&t->order, &rec->link);
      g_queue_push_tail_link (&t->order, &rec->link);
    }
  if (rec != NULL || !create)
    return rec;
  if (g_hash_table_size (t->records) >= t->max)
    limit_table_evict (t, max_failures);
  rec = g_new0 (LimitRecord, 1);
  rec->key = g_strdup (key);
  rec->link.data = rec;
  rec->window_start = now;
  g_queue_push_tail_link (&t->order, &rec->link);
  g_hash_table_insert (t->records, rec->key, rec);
  return rec;
}

ServalLoginLimits *
serval_login_limits_new (const ServalServerConfig *config)
{
  ServalLoginLimits *limits = g_rc_box_new0 (ServalLoginLimits);

  limit_table_init (&limits->sources, config->max_login_records);
  limit_table_init (&limits->users, config->max_login_records);
  limits->max_failures = config->max_failed_logins;
  return limits;
}

ServalLoginLimits *
serval_login_limits_ref (ServalLoginLimits *limits)
{
  return g_rc_box_acquire (limits);
}

static void
login_limits_clear (ServalLoginLimits *limits)
{
  g_hash_table_unref (limits->sources.records);
  g_hash_table_unref (limits->users.records);
}

void
serval_login_limits_unref (ServalLoginLimits *limits)
{
  if (limits != NULL)
    g_rc_box_release_full (limits, (GDestroyNotify) login_limits_clear);
}

char *
serval_login_source_key (const char *addr)
{
  g_autoptr(GInetAddress) ia = g_inet_address_new_from_string (addr);
  guint8 bytes[16];

  if (ia == NULL || g_inet_address_get_family (ia) != G_SOCKET_FAMILY_IPV6 ||
      g_inet_address_get_is_loopback (ia))
    return g_strdup (addr);
  memcpy (bytes, g_inet_address_to_bytes (ia), 16);
  {
    static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    g_autoptr(GInetAddress) prefix = NULL;
    g_autofree char *text = NULL;

    if (memcmp (bytes, mapped, 12) == 0)
      return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
    memset (bytes + 8, 0, 8);
    prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
    text = g_inet_address_to_string (prefix);
    return g_strconcat (text, "/64", NULL);
  }
}

static gboolean
is_good_source (const LimitRecord *user, const char *source)
{
  for (guint i = 0; i < GOOD_SOURCES; i++)
    if (g_strcmp0 (user->good[i], source) == 0)
      return TRUE;
  return FALSE;
}

/* How long a password login for @user must still wait, in µs (0: none). */
static gint64
user_wait (ServalLoginLimits *limits, LimitRecord *user, const char *source)
{
  guint pending;
  gint64 delay;

  if (user == NULL || is_good_source (user, source))
    return 0;
  pending = user->failures + user->in_flight;
  if (pending < limits->max_failures)
    return 0;
  delay = MIN ((gint64) G_USEC_PER_SEC << MIN (pending - limits->max_failures, 5), USER_DELAY_MAX_US);
  return MAX (user->last_attempt + delay - g_get_monotonic_time (), 0);
}

gboolean
serval_login_limits_check (Session *s, const ServalRequest *req)
{
  ServalLoginLimits *limits = s->server->login_limits;
  g_autofree char *source = serval_login_source_key (s->addr);
  LimitRecord *rec = limit_table_get (&limits->sources, source, FALSE, limits->max_failures);
  gint64 wait;

  /* The user's own client, with the token of an earlier login: not a guess
   * (a forged token never passes), so neither limit applies. Behind one NAT
   * address, an office's tokens are then not refused for a minute because
   * someone there mistyped a password, or five password checks from there
   * are under way, when everyone comes back after a restart (issue 17). */
  if (req->token != NULL)
    return TRUE;
  if (rec != NULL && rec->failures + rec->in_flight >= limits->max_failures)
    {
      s->server->stats.logins_failed++;
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_RATE_LIMITED,
                                  "Too many failed logins from %s: wait a minute and try again", source);
      return FALSE;
    }
  wait = user_wait (limits, limit_table_get (&limits->users, req->user, FALSE, limits->max_failures), source);
  if (wait > 0)
    {
      s->server->stats.logins_failed++;
      serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_RATE_LIMITED,
                                  "Too many failed logins for “%s” lately: try again in %d s", req->user,
                                  (int) ((wait + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
      return FALSE;
    }
  return TRUE;
}

void
serval_login_limits_begin (ServalLoginLimits *limits, const char *addr, const char *user)
{
  g_autofree char *source = serval_login_source_key (addr);
  LimitRecord *recs[2] = {
    limit_table_get (&limits->sources, source, TRUE, limits->max_failures),
    limit_table_get (&limits->users, user, TRUE, limits->max_failures),
  };

  for (guint i = 0; i < G_N_ELEMENTS (recs); i++)
    {
      recs[i]->in_flight++;
      recs[i]->last_attempt = g_get_monotonic_time ();
    }
}

static void
remember_good_source (LimitRecord *user, const char *source)
{
  if (is_good_source (user, source))
    return;
  g_free (user->good[GOOD_SOURCES - 1]);
  memmove (user->good + 1, user->good, (GOOD_SOURCES - 1) * sizeof user->good[0]);
  user->good[0] = g_strdup (source);
}

void
serval_login_limits_end (ServalLoginLimits *limits, const char *addr, const char *user, gboolean ok)
{
  g_autofree char *source = serval_login_source_key (addr);
  LimitRecord *recs[2] = {
    limit_table_get (&limits->sources, source, FALSE, limits->max_failures),
    limit_table_get (&limits->users, user, FALSE, limits->max_failures),
  };

  /* Either may have been forgotten meanwhile (evicted from a full table). */
  for (guint i = 0; i < G_N_ELEMENTS (recs); i++)
    if (recs[i] != NULL)
      {
        if (recs[i]->in_flight > 0)
          recs[i]->in_flight--;
        if (!ok)
          recs[i]->failures++;
      }
  if (ok && recs[1] != NULL)
    {
      recs[1]->failures = 0;
      remember_good_source (recs[1], source);
    }
}

/* --- strings --------------------------------------------------------------- */

gboolean
serval_session_check_strings (Session *s, const ServalRequest *req)
{
  if (req->bad_field == NULL)
    return TRUE;
  serval_session_reply_error (s, req->id, SERVAL_ERROR_CODE_BAD_REQUEST,
                              "The %s field holds a control character (C0, DEL or C1), which this "
                              "server refuses in names and addresses: send it without",
                              req->bad_field);
  return FALSE;
}

/* --- address updates ------------------------------------------------------- */

gboolean
serval_session_update_allowed (Session *s)
{
  gint64 now = g_get_monotonic_time ();
  /* A token bucket, kept as the time it is full again (GCRA): each update
   * takes UPDATE_INTERVAL_US, and the bucket holds UPDATE_BURST of them. */
  gint64 tat = MAX (s->update_tat, now);

  if (tat - now > (UPDATE_BURST - 1) * UPDATE_INTERVAL_US)
    return FALSE;
  s->update_tat = tat + UPDATE_INTERVAL_US;
  return TRUE;
}
