#include "config.h"

#include "serval-accept.h"

#include <sys/resource.h>
#include <unistd.h>

#include "serval-util.h"

/* Accepting also stops when an accepted socket's descriptor is this close
 * to the limit, whatever the count says: descriptors are allocated lowest
 * first, so descriptor N means N + 1 are open. That happens only when
 * something else holds many (HTTP clients, a leak); the count cannot see
 * when they are closed, so such a pause is retried after a while. */
#define FD_GUARD               16
#define GUARD_RETRY_S          5
#define GUARD_WARN_INTERVAL_US (60 * G_USEC_PER_SEC)

struct _ServalAcceptGate
{
  GMutex lock;
  GSocketService *service; /* NULL once freed by its owner */
  GMainContext *context;   /* where the service runs and resumes */
  guint64 fd_limit;
  guint high, low, gap;
  guint capacity; /* past this many open, a connection is refused as "full" */
  guint open;
  guint resume_at; /* resume when open <= this */
  gboolean paused;
  gboolean resume_queued;
  guint64 pauses;
  gint64 paused_since;
  gint64 last_guard_warning;
  gint64 last_count_warning;
  gboolean pause_logged; /* this pause's warning went out: its end is logged too */
  GSource *retry;        /* guard pauses only */
};

void
serval_accept_marks (guint64 fd_limit, guint *high, guint *low)
{
  guint64 h;

  if (fd_limit > 2 * SERVAL_ACCEPT_FD_RESERVE)
    h = fd_limit - SERVAL_ACCEPT_FD_RESERVE;
  else
    h = MAX (fd_limit / 2, 1);
  h = MIN (h, G_MAXUINT / 2);
  *high = (guint) h;
  *low = *high - CLAMP (*high / 16, 1, 1024);
}

/* How many clients a gate whose high mark is @high serves: @high less a
 * sixteenth (1 to 64) kept for telling the others that the server is full. */
static guint
accept_capacity (guint high)
{
  return high - CLAMP (high / 16, 1, MIN (64, high));
}

guint64
serval_accept_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return 1024;
  if (rl.rlim_cur == RLIM_INFINITY)
    return G_MAXUINT;
  return rl.rlim_cur;
}

static void
gate_clear (gpointer data)
{
  ServalAcceptGate *gate = data;

  g_mutex_clear (&gate->lock);
  g_clear_object (&gate->service);
  g_main_context_unref (gate->context);
}

static void
gate_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, gate_clear);
}

ServalAcceptGate *
serval_accept_gate_new (GSocketService *service, guint64 fd_limit)
{
  ServalAcceptGate *gate = g_atomic_rc_box_new0 (ServalAcceptGate);

  g_mutex_init (&gate->lock);
  gate->service = g_object_ref (service);
  gate->context = g_main_context_ref_thread_default ();
  gate->fd_limit = fd_limit;
  serval_accept_marks (fd_limit, &gate->high, &gate->low);
  gate->gap = gate->high - gate->low;
  gate->capacity = accept_capacity (gate->high);
  return gate;
}

void
serval_accept_gate_set_marks (ServalAcceptGate *gate, guint high, guint low)
{
  g_return_if_fail (high > 0 && low < high);
  g_mutex_lock (&gate->lock);
  gate->high = high;
  gate->low = low;
  gate->gap = high - low;
  gate->capacity = accept_capacity (high);
  g_mutex_unlock (&gate->lock);
}

/* Starts accepting again if the count fell to the resume mark, or, with
 * @retry, after a pause of the descriptor guard. Runs in gate->context. */
static void
gate_resume (ServalAcceptGate *gate, gboolean retry)
{
  g_autoptr(GSocketService) service = NULL;
  guint open = 0;
  gint64 paused_us = 0;
  gboolean logged = FALSE;

  g_mutex_lock (&gate->lock);
  if (gate->paused && gate->service != NULL && (retry || gate->open <= gate->resume_at))
    {
      gate->paused = FALSE;
      service = g_object_ref (gate->service);
      open = gate->open;
      paused_us = g_get_monotonic_time () - gate->paused_since;
      logged = gate->pause_logged;
      gate->pause_logged = FALSE;
      serval_clear_source (&gate->retry);
    }
  g_mutex_unlock (&gate->lock);

  if (service == NULL)
    return;
  g_socket_service_start (service);
  if (retry)
    g_debug ("Accepting clients again to see whether descriptors were freed (%u connections open)", open);
  else if (logged)
    g_message ("Accepting clients again: %u connections open, after a pause of %.1f s", open,
               paused_us / (double) G_USEC_PER_SEC);
  else
    g_debug ("Accepting clients again: %u connections open", open);
}

static gboolean
resume_cb (gpointer data)
{
  ServalAcceptGate *gate = data;

  g_mutex_lock (&gate->lock);
  gate->resume_queued = FALSE;
  g_mutex_unlock (&gate->lock);
  gate_resume (gate, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
retry_cb (gpointer data)
{
  ServalAcceptGate *gate = data;

  g_mutex_lock (&gate->lock);
  g_clear_pointer (&gate->retry, g_source_unref); /* it is running: the loop holds it */
  g_mutex_unlock (&gate->lock);
  gate_resume (gate, TRUE);
  return G_SOURCE_REMOVE;
}

/* The weak reference of a tracked socket: it is being finalized, its
 * descriptor is about to close. Any thread (the last reference to a TLS
 * connection may go in a worker). */
static void
socket_gone_cb (gpointer data, GObject *where_the_object_was)
{
  ServalAcceptGate *gate = data;
  gboolean queue = FALSE;

  g_mutex_lock (&gate->lock);
  g_assert (gate->open > 0);
  gate->open--;
  if (gate->paused && !gate->resume_queued && gate->service != NULL && gate->open <= gate->resume_at)
    queue = gate->resume_queued = TRUE;
  g_mutex_unlock (&gate->lock);

  if (queue)
    {
      /* Never synchronously: this may run inside GSocketService's own
       * accept callback, or in another thread. */
      GSource *src = g_idle_source_new ();

      g_source_set_callback (src, resume_cb, g_atomic_rc_box_acquire (gate), gate_unref);
      g_source_attach (src, gate->context);
      g_source_unref (src);
    }
  gate_unref (gate);
}

gboolean
serval_accept_gate_track (ServalAcceptGate *gate, GSocketConnection *conn)
{
  GSocket *sock = g_socket_connection_get_socket (conn);
  int fd = g_socket_get_fd (sock);
  g_autoptr(GSocketService) service = NULL;
  gboolean by_count = FALSE, warn = TRUE, full;
  guint open;
  gint64 now = g_get_monotonic_time ();

  g_object_weak_ref (G_OBJECT (sock), socket_gone_cb, g_atomic_rc_box_acquire (gate));
  g_mutex_lock (&gate->lock);
  open = ++gate->open;
  full = open > gate->capacity;
  if (!gate->paused && gate->service != NULL)
    {
      if (open >= gate->high)
        by_count = TRUE;
      else if (fd < 0 || (guint64) fd + 1 + FD_GUARD < gate->fd_limit)
        goto out;
      gate->paused = TRUE;
      gate->pauses++;
      gate->paused_since = now;
      service = g_object_ref (gate->service);
      if (by_count)
        {
          gate->resume_at = gate->low;
          /* Once a minute: refusals of a full server may pause and resume it often. */
          warn = gate->last_count_warning == 0 || now - gate->last_count_warning > GUARD_WARN_INTERVAL_US;
          if (warn)
            gate->last_count_warning = now;
          gate->pause_logged = warn;
        }
      else
        {
          gate->resume_at = open > gate->gap ? open - gate->gap : 0;
          warn = gate->last_guard_warning == 0 || now - gate->last_guard_warning > GUARD_WARN_INTERVAL_US;
          if (warn)
            gate->last_guard_warning = now;
          gate->retry = g_timeout_source_new_seconds (GUARD_RETRY_S);
          g_source_set_callback (gate->retry, retry_cb, g_atomic_rc_box_acquire (gate), gate_unref);
          g_source_attach (gate->retry, gate->context);
        }
    }
out:
  g_mutex_unlock (&gate->lock);

  if (service == NULL)
    return full;
  g_socket_service_stop (service);
  if (by_count && warn)
    g_warning ("Stopped accepting clients: %u connections are open and the open-file limit "
               "(RLIMIT_NOFILE) is %" G_GUINT64_FORMAT ", of which %d are kept for the database, "
               "HTTP and logs. New clients wait in the kernel's backlog until no more than %u "
               "connections are open. To serve more clients, raise the limit: LimitNOFILE= in the "
               "systemd unit, or “ulimit -n” before starting serval-server",
               open, gate->fd_limit, (int) (gate->fd_limit - gate->high), gate->low);
  else if (!by_count && warn)
    g_warning ("Stopped accepting clients: descriptor %d is in use, near the open-file limit "
               "(RLIMIT_NOFILE) of %" G_GUINT64_FORMAT ", but only %u of them are client "
               "connections. Something else holds many files (HTTP clients?). New clients wait "
               "in the kernel's backlog; accepting is tried again every %d s. Raise the limit "
               "(LimitNOFILE= in the systemd unit, or “ulimit -n”) or find what holds the files "
               "(ls -l /proc/%d/fd)",
               fd, gate->fd_limit, open, GUARD_RETRY_S, (int) getpid ());
  else
    g_debug ("Stopped accepting clients again: %u connections open, descriptor %d", open, fd);
  return full;
}

void
serval_accept_gate_get_stats (ServalAcceptGate *gate, ServalAcceptStats *stats)
{
  g_mutex_lock (&gate->lock);
  *stats = (ServalAcceptStats){
    .open = gate->open,
    .high = gate->high,
    .low = gate->low,
    .fd_limit = gate->fd_limit,
    .capacity = gate->capacity,
    .paused = gate->paused,
    .pauses = gate->pauses,
  };
  g_mutex_unlock (&gate->lock);
}

void
serval_accept_gate_free (ServalAcceptGate *gate)
{
  if (gate == NULL)
    return;
  g_mutex_lock (&gate->lock);
  g_clear_object (&gate->service);
  serval_clear_source (&gate->retry);
  g_mutex_unlock (&gate->lock);
  gate_unref (gate);
}
