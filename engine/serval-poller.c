#include "config.h"

#include "serval-poller.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "serval-util.h"

/* Events taken from epoll per dispatch; more stay ready (level triggered). */
#define MAX_EVENTS 256
/* Background entries (connections not logged in yet) served per dispatch,
 * after the others: at most this many, and no more once this long went. */
#define BACKGROUND_MAX_ENTRIES 8
#define BACKGROUND_MAX_US      1000

struct _ServalPollerEntry
{
  ServalPoller *poller;
  int fd;
  const ServalPollerFuncs *funcs;
  gpointer user_data;
  guint32 events;          /* what epoll watches now; 0: not in the epoll set */
  gint64 deadline;         /* -1: no timer */
  guint heap_index;        /* in poller->heap, or G_MAXUINT */
  GList dirty_link;        /* in poller->dirty, while dirty */
  GList pending_link;      /* in poller->pending, while pending */
  GList deferred_link;     /* in poller->deferred, while deferred */
  guint32 deferred_events; /* what epoll reported while deferred */
  guint dirty : 1;
  guint pending : 1;
  guint removed : 1;
  guint background : 1;       /* serval_poller_set_background() */
  guint deferred : 1;         /* waits for a background slot */
  guint deferred_pending : 1; /* and was marked pending */
  guint parked : 1;           /* out of the epoll set while deferred */
};

struct _ServalPoller
{
  GSource source;
  int refs; /* users (links); the GSource has its own count */
  GMainContext *context;
  int epfd;
  gpointer epfd_tag;
  guint8 *buffer; /* shared read buffer, SERVAL_POLLER_BUFFER_SIZE */
  gboolean buffer_busy;
  GQueue dirty;
  GSource *flush_source; /* idle: flushes what was queued outside a dispatch */
  GQueue pending;
  GQueue deferred;          /* background entries waiting for their turn */
  guint background_max;     /* per dispatch; see BACKGROUND_MAX_ENTRIES */
  gint64 background_max_us; /* 0: no time limit */
  GArray *heap;             /* HeapSlot, a binary min-heap on deadline */
  GPtrArray *graveyard;     /* entries removed during a dispatch, freed at its end */
  guint dispatching;
  gboolean nested_blocked; /* epfd left out of the poll while a nested loop runs */
  guint n_entries;
  guint64 n_dispatches;
};

G_LOCK_DEFINE_STATIC (pollers);
static GHashTable *pollers; /* GMainContext * -> ServalPoller * */

/* --- timer heap ------------------------------------------------------------ */

/* The deadline is kept in the heap next to its entry: a sift compares
 * contiguous slots instead of chasing a pointer to each entry (a cache miss
 * each; with 10,000 idle links the heap was 10 % of the server's idle CPU). */
typedef struct
{
  gint64 deadline;
  ServalPollerEntry *entry;
} HeapSlot;

static inline HeapSlot *
heap_slot (ServalPoller *p, guint i)
{
  return &g_array_index (p->heap, HeapSlot, i);
}

static inline ServalPollerEntry *
heap_at (ServalPoller *p, guint i)
{
  return heap_slot (p, i)->entry;
}

static inline void
heap_put (ServalPoller *p, guint i, HeapSlot slot)
{
  *heap_slot (p, i) = slot;
  slot.entry->heap_index = i;
}

/* Moves the slot at @i towards the root while it is earlier than its parent. */
static void
heap_up (ServalPoller *p, guint i)
{
  HeapSlot slot = *heap_slot (p, i);

  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (heap_slot (p, parent)->deadline <= slot.deadline)
        break;
      heap_put (p, i, *heap_slot (p, parent));
      i = parent;
    }
  heap_put (p, i, slot);
}

static void
heap_down (ServalPoller *p, guint i)
{
  HeapSlot slot = *heap_slot (p, i);
  guint len = p->heap->len;

  for (;;)
    {
      guint l = 2 * i + 1, m;

      if (l >= len)
        break;
      m = l + 1 < len && heap_slot (p, l + 1)->deadline < heap_slot (p, l)->deadline ? l + 1 : l;
      if (heap_slot (p, m)->deadline >= slot.deadline)
        break;
      heap_put (p, i, *heap_slot (p, m));
      i = m;
    }
  heap_put (p, i, slot);
}

static void
heap_remove (ServalPoller *p, ServalPollerEntry *e)
{
  guint i = e->heap_index, last = p->heap->len - 1;

  if (i == G_MAXUINT)
    return;
  if (i != last)
    {
      heap_put (p, i, *heap_slot (p, last));
      g_array_set_size (p->heap, last);
      heap_down (p, i);
      heap_up (p, i);
    }
  else
    g_array_set_size (p->heap, last);
  e->heap_index = G_MAXUINT;
}

static void
update_ready_time (ServalPoller *p)
{
  g_source_set_ready_time (&p->source, p->heap->len > 0 ? heap_slot (p, 0)->deadline : -1);
}

/* --- the GSource ----------------------------------------------------------- */

/* The source can recurse (see serval_poller_ref_for_context), but the
 * poller must not: a main loop run inside one of its callbacks leaves the
 * poller alone, its epfd and timer out of that loop's poll (or it would
 * spin on them), until the outer dispatch ends. */
static void
nested_block (ServalPoller *p)
{
  if (p->nested_blocked)
    return;
  p->nested_blocked = TRUE;
  g_source_modify_unix_fd (&p->source, p->epfd_tag, 0);
  g_source_set_ready_time (&p->source, -1);
}

/* The outermost dispatch (or idle flush) ends. */
static void
dispatch_end (ServalPoller *p)
{
  p->dispatching--;
  if (p->dispatching > 0)
    return;
  g_ptr_array_set_size (p->graveyard, 0);
  if (p->nested_blocked)
    {
      p->nested_blocked = FALSE;
      g_source_modify_unix_fd (&p->source, p->epfd_tag, G_IO_IN);
    }
  update_ready_time (p);
}

static gboolean
poller_prepare (GSource *source, int *timeout)
{
  ServalPoller *p = (ServalPoller *) source;

  *timeout = -1;
  if (p->dispatching > 0)
    {
      nested_block (p);
      return FALSE;
    }
  return p->pending.length > 0 || p->deferred.length > 0 ||
         (p->dirty.length > 0 && p->flush_source == NULL);
}

static gboolean
poller_check (GSource *source)
{
  ServalPoller *p = (ServalPoller *) source;

  if (p->dispatching > 0)
    {
      nested_block (p);
      return FALSE;
    }
  return p->pending.length > 0 || p->deferred.length > 0 ||
         (p->dirty.length > 0 && p->flush_source == NULL) || (g_source_query_unix_fd (source, p->epfd_tag) & G_IO_IN) != 0;
}

/* Flushes every dirty entry. A flush may queue on other entries (a closed
 * link tells its peers): they are flushed in the same loop. */
static void
flush_dirty (ServalPoller *p)
{
  while (p->dirty.length > 0)
    {
      ServalPollerEntry *e = p->dirty.head->data;

      g_queue_unlink (&p->dirty, &e->dirty_link);
      e->dirty = FALSE;
      e->funcs->flush (e->user_data);
    }
}

static gboolean
flush_idle_cb (gpointer data)
{
  ServalPoller *p = data;

  g_clear_pointer (&p->flush_source, g_source_unref);
  g_source_ref (&p->source);
  p->dispatching++;
  flush_dirty (p);
  dispatch_end (p);
  g_source_unref (&p->source);
  return G_SOURCE_REMOVE;
}

static void
entry_free (ServalPollerEntry *e)
{
  g_free (e);
}

/* Takes @e (a background entry) out of the epoll set while it waits for
 * its turn: level triggered, it would otherwise come back in every
 * epoll_wait() and take slots of MAX_EVENTS from the sessions. */
static void
park (ServalPoller *p, ServalPollerEntry *e)
{
  struct epoll_event ev = { 0 };

  if (e->fd < 0 || e->events == 0 || e->parked)
    return;
  if (epoll_ctl (p->epfd, EPOLL_CTL_DEL, e->fd, &ev) == 0)
    e->parked = TRUE;
}

/* Puts @e back into the epoll set with the interest it has now. */
static void
unpark (ServalPoller *p, ServalPollerEntry *e)
{
  struct epoll_event ev = { .events = e->events, .data.ptr = e };

  if (!e->parked)
    return;
  e->parked = FALSE;
  if (e->events != 0 && epoll_ctl (p->epfd, EPOLL_CTL_ADD, e->fd, &ev) != 0)
    g_critical ("Cannot watch socket %d with epoll again: %s", e->fd, g_strerror (errno));
}

/* A background entry got @events (or was marked pending): it waits in
 * poller->deferred for a slot of a dispatch's background budget. */
static void
defer (ServalPoller *p, ServalPollerEntry *e, guint32 events, gboolean pending)
{
  e->deferred_events |= events;
  e->deferred_pending |= pending;
  if (e->deferred)
    return;
  e->deferred = TRUE;
  g_queue_push_tail_link (&p->deferred, &e->deferred_link);
  park (p, e);
}

/* Takes @e off the deferred queue, back into the epoll set; its pending
 * mark is returned. */
static gboolean
undefer (ServalPoller *p, ServalPollerEntry *e)
{
  gboolean pending = e->deferred_pending;

  g_queue_unlink (&p->deferred, &e->deferred_link);
  e->deferred = e->deferred_pending = FALSE;
  e->deferred_events = 0;
  unpark (p, e);
  return pending;
}

/* What epoll reported of @e (@got): its callbacks. */
static void
dispatch_events (ServalPollerEntry *e, guint32 got, gboolean pending)
{
  if ((got & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && (e->events & EPOLLOUT))
    e->funcs->writable (e->user_data);
  if (e->removed)
    return;
  if (pending || ((got & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) && (e->events & EPOLLIN)))
    e->funcs->readable (e->user_data);
}

/* The background entries' turn, after the others': the oldest first, at
 * most background_max of them and none more once background_max_us went
 * (at least one); the rest wait for the next dispatch, which comes at once. */
static void
dispatch_background (ServalPoller *p)
{
  gint64 start = p->background_max_us > 0 ? g_get_monotonic_time () : 0;
  guint n = 0;

  while (p->deferred.length > 0 && n < p->background_max)
    {
      ServalPollerEntry *e = p->deferred.head->data;
      guint32 got = e->deferred_events;
      gboolean pending;

      if (n > 0 && p->background_max_us > 0 && g_get_monotonic_time () - start >= p->background_max_us)
        break;
      pending = undefer (p, e);
      dispatch_events (e, got, pending);
      n++;
    }
}

static gboolean
poller_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  ServalPoller *p = (ServalPoller *) source;
  struct epoll_event ev[MAX_EVENTS];
  guint n_pending;
  gint64 now;
  int n;

  if (p->dispatching > 0)
    {
      /* Nested (its ready time passed in a loop run from a callback). */
      nested_block (p);
      return G_SOURCE_CONTINUE;
    }
  p->dispatching++;
  p->n_dispatches++;

  n = epoll_wait (p->epfd, ev, MAX_EVENTS, 0);
  if (n < 0 && errno != EINTR)
    g_critical ("epoll_wait failed: %s", g_strerror (errno));
  for (int i = 0; i < n; i++)
    {
      ServalPollerEntry *e = ev[i].data.ptr;

      if (e->removed)
        continue;
      if (e->background)
        defer (p, e, ev[i].events, FALSE);
      else
        dispatch_events (e, ev[i].events, FALSE);
    }

  /* Entries that hold input above their socket; those marked during this
   * loop wait for the next dispatch. */
  n_pending = p->pending.length;
  while (n_pending-- > 0 && p->pending.length > 0)
    {
      ServalPollerEntry *e = p->pending.head->data;

      g_queue_unlink (&p->pending, &e->pending_link);
      e->pending = FALSE;
      if (e->background)
        defer (p, e, 0, TRUE);
      else
        e->funcs->readable (e->user_data);
    }

  dispatch_background (p);

  now = g_get_monotonic_time ();
  while (p->heap->len > 0 && heap_slot (p, 0)->deadline <= now)
    {
      ServalPollerEntry *e = heap_at (p, 0);

      heap_remove (p, e);
      e->deadline = -1;
      e->funcs->timer (e->user_data);
    }

  /* Last, everything this dispatch queued leaves, before the loop sleeps. */
  flush_dirty (p);

  dispatch_end (p);
  return G_SOURCE_CONTINUE;
}

static void
poller_finalize (GSource *source)
{
  ServalPoller *p = (ServalPoller *) source;

  if (p->epfd >= 0)
    close (p->epfd);
  g_array_unref (p->heap);
  g_ptr_array_unref (p->graveyard);
  g_free (p->buffer);
  g_main_context_unref (p->context);
}

static GSourceFuncs poller_funcs = {
  .prepare = poller_prepare,
  .check = poller_check,
  .dispatch = poller_dispatch,
  .finalize = poller_finalize,
};

/* --- public ---------------------------------------------------------------- */

ServalPoller *
serval_poller_ref_for_context (GMainContext *context)
{
  ServalPoller *p;

  if (context == NULL)
    context = g_main_context_default ();
  G_LOCK (pollers);
  if (pollers == NULL)
    pollers = g_hash_table_new (NULL, NULL);
  p = g_hash_table_lookup (pollers, context);
  if (p != NULL)
    {
      p->refs++;
      G_UNLOCK (pollers);
      return p;
    }

  p = (ServalPoller *) g_source_new (&poller_funcs, sizeof (ServalPoller));
  g_source_set_static_name (&p->source, "ServalPoller");
  p->refs = 1;
  p->context = g_main_context_ref (context);
  p->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (p->epfd < 0)
    /* Out of file descriptors or kernel memory: nothing sensible to do. */
    g_error ("Cannot create an epoll instance (%s): raise the open-file limit (ulimit -n)",
             g_strerror (errno));
  g_queue_init (&p->dirty);
  g_queue_init (&p->pending);
  g_queue_init (&p->deferred);
  p->background_max = BACKGROUND_MAX_ENTRIES;
  p->background_max_us = BACKGROUND_MAX_US;
  p->heap = g_array_new (FALSE, FALSE, sizeof (HeapSlot));
  p->graveyard = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  p->epfd_tag = g_source_add_unix_fd (&p->source, p->epfd, G_IO_IN);
  /* GLib blocks a source that cannot recurse for its dispatch by taking its
   * fds out of the context and putting them back: each of the two signals
   * the context's wake-up eventfd, so every dispatch cost two write()s, and
   * the next poll() returned at once for a read() and a pass with nothing
   * to do. The poller guards itself against nesting (nested_block()). */
  g_source_set_can_recurse (&p->source, TRUE);
  g_source_attach (&p->source, context);
  g_hash_table_insert (pollers, context, p);
  G_UNLOCK (pollers);
  return p;
}

ServalPoller *
serval_poller_ref (ServalPoller *poller)
{
  G_LOCK (pollers);
  poller->refs++;
  G_UNLOCK (pollers);
  return poller;
}

void
serval_poller_unref (ServalPoller *poller)
{
  G_LOCK (pollers);
  if (--poller->refs > 0)
    {
      G_UNLOCK (pollers);
      return;
    }
  g_hash_table_remove (pollers, poller->context);
  G_UNLOCK (pollers);
  g_warn_if_fail (poller->n_entries == 0);
  serval_clear_source (&poller->flush_source);
  g_source_destroy (&poller->source);
  g_source_unref (&poller->source);
}

GMainContext *
serval_poller_get_context (ServalPoller *poller)
{
  return poller->context;
}

guint
serval_poller_get_n_entries (ServalPoller *poller)
{
  return poller->n_entries;
}

guint64
serval_poller_get_n_dispatches (ServalPoller *poller)
{
  return poller->n_dispatches;
}

static gboolean
entry_set_events (ServalPollerEntry *e, guint32 events, GError **error)
{
  struct epoll_event ev = { .events = events, .data.ptr = e };
  int op;

  if (e->fd < 0 || events == e->events)
    return TRUE;
  if (e->parked)
    {
      /* Out of the set while deferred: unpark() adds it back with these. */
      e->events = events;
      return TRUE;
    }
  /* No interest: out of the set, or a hang-up would be reported forever. */
  op = events == 0 ? EPOLL_CTL_DEL : e->events == 0 ? EPOLL_CTL_ADD :
                                                      EPOLL_CTL_MOD;
  if (epoll_ctl (e->poller->epfd, op, e->fd, &ev) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot watch socket %d with epoll: %s"), e->fd, g_strerror (saved));
      return FALSE;
    }
  e->events = events;
  return TRUE;
}

ServalPollerEntry *
serval_poller_add (ServalPoller *poller, int fd, const ServalPollerFuncs *funcs, gpointer user_data,
                   GError **error)
{
  ServalPollerEntry *e = g_new0 (ServalPollerEntry, 1);

  e->poller = poller;
  e->fd = fd;
  e->funcs = funcs;
  e->user_data = user_data;
  e->deadline = -1;
  e->heap_index = G_MAXUINT;
  e->dirty_link.data = e;
  e->pending_link.data = e;
  e->deferred_link.data = e;
  if (!entry_set_events (e, EPOLLIN, error))
    {
      g_free (e);
      return NULL;
    }
  poller->n_entries++;
  return e;
}

void
serval_poller_remove (ServalPollerEntry *e)
{
  ServalPoller *p;

  if (e == NULL)
    return;
  p = e->poller;
  g_return_if_fail (!e->removed);
  /* DEL cannot fail for a watched fd; if it did, the entry must still go. */
  entry_set_events (e, 0, NULL);
  if (e->dirty)
    g_queue_unlink (&p->dirty, &e->dirty_link);
  if (e->pending)
    g_queue_unlink (&p->pending, &e->pending_link);
  if (e->deferred)
    g_queue_unlink (&p->deferred, &e->deferred_link);
  heap_remove (p, e);
  e->removed = TRUE;
  e->dirty = e->pending = e->deferred = FALSE;
  p->n_entries--;
  /* An epoll event of this dispatch may still point at it. */
  if (p->dispatching > 0)
    g_ptr_array_add (p->graveyard, e);
  else
    entry_free (e);
}

void
serval_poller_set_interest (ServalPollerEntry *e, gboolean read, gboolean write)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (!e->removed);
  if (!entry_set_events (e, (read ? EPOLLIN : 0) | (write ? EPOLLOUT : 0), &error))
    g_critical ("%s", error->message);
}

void
serval_poller_mark_dirty (ServalPollerEntry *e)
{
  g_return_if_fail (!e->removed);
  if (e->dirty)
    return;
  e->dirty = TRUE;
  g_queue_push_tail_link (&e->poller->dirty, &e->dirty_link);
  /* Queued from another source (a TAP device, a timer): flush in the next
   * iteration, after the sources that are ready then (an idle source goes
   * last among its priority), so that a device read twice leaves in one
   * write, as the per-link idle flush of old did. Queued from the poller's
   * own dispatch: flushed at its end. */
  if (e->poller->dispatching == 0 && e->poller->flush_source == NULL)
    {
      ServalPoller *p = e->poller;

      p->flush_source = g_idle_source_new ();
      g_source_set_priority (p->flush_source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (p->flush_source, "ServalPoller flush");
      g_source_set_callback (p->flush_source, flush_idle_cb, p, NULL);
      g_source_attach (p->flush_source, p->context);
    }
}

void
serval_poller_mark_pending (ServalPollerEntry *e)
{
  g_return_if_fail (!e->removed);
  if (e->pending)
    return;
  e->pending = TRUE;
  g_queue_push_tail_link (&e->poller->pending, &e->pending_link);
}

void
serval_poller_set_background (ServalPollerEntry *e, gboolean background)
{
  g_return_if_fail (!e->removed);
  e->background = background != FALSE;
  /* Back among the others while waiting: epoll reports what is ready again
   * (level triggered), a pending mark in the next dispatch. */
  if (!background && e->deferred && undefer (e->poller, e))
    serval_poller_mark_pending (e);
}

void
serval_poller_set_background_budget (ServalPoller *poller, guint max_entries, gint64 max_us)
{
  poller->background_max = max_entries > 0 ? max_entries : BACKGROUND_MAX_ENTRIES;
  poller->background_max_us = MAX (max_us, 0);
}

void
serval_poller_set_timer (ServalPollerEntry *e, gint64 deadline)
{
  ServalPoller *p = e->poller;

  g_return_if_fail (!e->removed);
  if (deadline >= 0)
    deadline = (deadline + SERVAL_POLLER_TIMER_SLACK_US - 1) / SERVAL_POLLER_TIMER_SLACK_US *
               SERVAL_POLLER_TIMER_SLACK_US;
  if (e->heap_index != G_MAXUINT)
    {
      if (deadline < 0)
        heap_remove (p, e);
      else
        {
          heap_slot (p, e->heap_index)->deadline = deadline;
          if (deadline < e->deadline)
            heap_up (p, e->heap_index);
          else
            heap_down (p, e->heap_index);
        }
    }
  else if (deadline >= 0)
    {
      HeapSlot slot = { deadline, e };

      g_array_append_val (p->heap, slot);
      heap_up (p, p->heap->len - 1);
    }
  e->deadline = deadline;
  if (p->dispatching == 0)
    update_ready_time (p);
}

void
serval_poller_batch_begin (ServalPoller *poller)
{
  poller->dispatching++;
}

void
serval_poller_batch_end (ServalPoller *poller)
{
  g_return_if_fail (poller->dispatching > 0);
  g_source_ref (&poller->source);
  /* Only the outermost pass flushes: one inside the poller's own dispatch
   * leaves its output to the end of that dispatch. */
  if (poller->dispatching == 1)
    flush_dirty (poller);
  dispatch_end (poller);
  g_source_unref (&poller->source);
}

guint8 *
serval_poller_borrow_buffer (ServalPoller *poller)
{
  if (poller->buffer_busy)
    return NULL;
  if (poller->buffer == NULL)
    poller->buffer = g_malloc (SERVAL_POLLER_BUFFER_SIZE);
  poller->buffer_busy = TRUE;
  return poller->buffer;
}

void
serval_poller_return_buffer (ServalPoller *poller, guint8 *buffer)
{
  g_return_if_fail (buffer == poller->buffer && poller->buffer_busy);
  poller->buffer_busy = FALSE;
}
