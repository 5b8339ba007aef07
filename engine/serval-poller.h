/* serval-poller.h: one epoll-backed GSource per GMainContext for many links.
 *
 * GLib walks every source and every polled fd of a context on each
 * wake-up, so one GSource per connection makes each wake-up cost
 * O(connections). A ServalPoller owns the sockets of all links of its
 * context in one epoll set (level triggered), keeps their timers in one
 * binary heap, and keeps a list of entries with queued output ("dirty")
 * that it flushes once at the end of each dispatch, before the loop
 * sleeps again. Its GSource is the only one GLib sees for all those
 * sockets and timers; output queued outside the poller's dispatch is
 * flushed by an idle source of its own (serval_poller_mark_dirty()).
 *
 * Callbacks run from the poller's dispatch (flush() also from that idle
 * source and from serval_poller_batch_end()); any of them may remove any
 * entry (its own included): a removed entry gets no further callback.
 * Single-threaded: use a poller only from the thread that runs its context
 * (only its reference counting is thread-safe).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ServalPoller:
 *
 * The poller of one #GMainContext: reference counted, see
 * serval_poller_ref_for_context().
 */
typedef struct _ServalPoller ServalPoller;
/**
 * ServalPollerEntry:
 *
 * One watched descriptor (or none) with its callbacks, dirty and pending
 * marks and timer; made by serval_poller_add(), freed by
 * serval_poller_remove().
 */
typedef struct _ServalPollerEntry ServalPollerEntry;

/**
 * ServalPollerFunc:
 * @user_data: the data given to serval_poller_add()
 *
 * One of an entry's callbacks (see #ServalPollerFuncs).
 */
typedef void (*ServalPollerFunc) (gpointer user_data);

/**
 * ServalPollerFuncs:
 * @readable: the fd is readable, hung up or failed; or marked pending.
 *   Only while read interest is set (or after serval_poller_mark_pending())
 * @writable: the fd takes more, or hung up or failed (only while write
 *   interest is set). Called before @readable when both apply
 * @flush: marked dirty: send now (end of the dispatch)
 * @timer: the entry's deadline passed (the timer is then unset, so the
 *   callback may set it again)
 *
 * An entry's callbacks. A callback may be %NULL if what calls it never
 * happens to the entry (@flush of an entry never marked dirty, @readable
 * of one without a fd that is never marked pending, ...). Within one
 * dispatch the order is: epoll events, pending entries, background entries
 * (serval_poller_set_background()), timers, flushes.
 */
typedef struct
{
  ServalPollerFunc readable;
  ServalPollerFunc writable;
  ServalPollerFunc flush;
  ServalPollerFunc timer;
} ServalPollerFuncs;

/**
 * SERVAL_POLLER_TIMER_SLACK_US:
 *
 * Timers are rounded up to this, so that links started together share wake-ups.
 */
#define SERVAL_POLLER_TIMER_SLACK_US 10000

/**
 * serval_poller_ref_for_context:
 * @context: (nullable): a main context; %NULL for the global default
 *
 * The poller of @context (NULL: the global default), created on first use
 * and attached to @context. Aborts (g_error()) if no epoll instance can be
 * made. Thread-safe.
 *
 * Returns: (transfer full): the poller; release it with
 *   serval_poller_unref()
 */
ServalPoller *serval_poller_ref_for_context (GMainContext *context);
/**
 * serval_poller_ref:
 * @poller: a poller
 *
 * Thread-safe.
 *
 * Returns: (transfer full): @poller, with one reference more
 */
ServalPoller *serval_poller_ref (ServalPoller *poller);
/**
 * serval_poller_unref:
 * @poller: (transfer full): a poller
 *
 * The last unref destroys the GSource; the epoll fd is closed when GLib
 * lets go of the source (at once, unless it is being dispatched). The next
 * serval_poller_ref_for_context() of the context makes a new poller. Every
 * entry should be removed by then (a warning otherwise).
 */
void serval_poller_unref (ServalPoller *poller);
/**
 * serval_poller_get_context:
 * @poller: a poller
 *
 * Returns: (transfer none): the main context the poller runs in
 */
GMainContext *serval_poller_get_context (ServalPoller *poller);

/**
 * serval_poller_add:
 * @poller: a poller
 * @fd: a descriptor to watch, or -1
 * @funcs: (transfer none): the entry's callbacks
 * @user_data: passed to them
 * @error: return location for a #GError
 *
 * Watches @fd (-1: none, then only dirty, pending and timer work) with read
 * interest on. @funcs must outlive the entry. The poller does not close
 * @fd, nor free @user_data.
 *
 * Returns: (transfer none) (nullable): the entry, or %NULL with @error set
 *   (a #G_IO_ERROR from errno) if epoll refuses the fd
 */
ServalPollerEntry *serval_poller_add (ServalPoller *poller, int fd, const ServalPollerFuncs *funcs,
                                      gpointer user_data, GError **error);
/**
 * serval_poller_remove:
 * @entry: (nullable): an entry, or %NULL for nothing
 *
 * Forgets the entry and frees it (within a dispatch, at its end); no
 * callback runs for it afterwards. Safe inside callbacks, its own included.
 * Removing an entry twice is a programming error.
 */
void serval_poller_remove (ServalPollerEntry *entry);
/**
 * serval_poller_set_interest:
 * @entry: an entry
 * @read: whether to call readable() when the fd is readable
 * @write: whether to call writable() when the fd takes more
 *
 * Sets what epoll watches the fd for (level triggered: keep write interest
 * only while output waits). With neither, the fd leaves the epoll set, so
 * a hang-up is not reported either. Nothing for an entry without a fd. A
 * refusal of epoll is logged as critical.
 */
void serval_poller_set_interest (ServalPollerEntry *entry, gboolean read, gboolean write);
/**
 * serval_poller_mark_dirty:
 * @entry: an entry with a flush() callback
 *
 * Calls flush() once, soon: at the end of the current dispatch when marked
 * from the poller's dispatch, at the end of the outermost batch when marked
 * within serval_poller_batch_begin(), and otherwise from an idle source of
 * the poller in the next main-loop iteration, after the sources ready then.
 * Marking an entry already dirty does nothing.
 */
void serval_poller_mark_dirty (ServalPollerEntry *entry);
/**
 * serval_poller_mark_pending:
 * @entry: an entry with a readable() callback
 *
 * Calls readable() once although the fd may not be readable: bytes are
 * waiting above the socket (e.g. decrypted in TLS). Marked from an epoll
 * callback of a dispatch, it is called later in that dispatch; marked later
 * in a dispatch (from a pending readable(), a timer or a flush) or outside
 * one, in the next dispatch, which then comes without waiting for the fd.
 */
void serval_poller_mark_pending (ServalPollerEntry *entry);
/**
 * serval_poller_set_background:
 * @entry: an entry
 * @background: whether its readiness may wait (a connection not logged in
 *   yet) behind the others'
 *
 * An entry of the background class gets its readable() and writable()
 * calls (from epoll or serval_poller_mark_pending()) after those of every
 * other entry ready in the dispatch, and only within the dispatch's
 * background budget: the oldest waiting first, at most 8 entries and none
 * more once 1 ms went (at least one per dispatch). The others wait, out of
 * the epoll set, for the next dispatch, which then comes without waiting
 * for a fd. A reconnect storm's logins thus cannot hold the sessions up for
 * more than about a budget per pass. Timers and flushes are not deferred.
 */
void serval_poller_set_background (ServalPollerEntry *entry, gboolean background);
/**
 * serval_poller_set_background_budget:
 * @poller: a poller
 * @max_entries: background entries dispatched per dispatch at most; 0:
 *   the default, 8
 * @max_us: none more once this many µs of the dispatch's background turn
 *   went; 0: no time limit
 *
 * A hook for tests: the default budget is 8 entries and 1,000 µs.
 */
void serval_poller_set_background_budget (ServalPoller *poller, guint max_entries, gint64 max_us);
/**
 * serval_poller_set_timer:
 * @entry: an entry with a timer() callback
 * @deadline: a g_get_monotonic_time() value, or -1
 *
 * Calls timer() once at or after @deadline (monotonic µs; rounded up to
 * %SERVAL_POLLER_TIMER_SLACK_US); -1 (any negative value) unsets it. An
 * entry has one timer: this replaces the one before.
 */
void serval_poller_set_timer (ServalPollerEntry *entry, gint64 deadline);

/**
 * serval_poller_batch_begin:
 * @poller: a poller
 *
 * Another source that queues on the poller's entries (a TAP device reading
 * frames) brackets its pass with these: what it queued leaves when the
 * outermost batch ends, in one write per entry, instead of in a further
 * main-loop iteration (a poll() and a GLib pass more per frame). Batches
 * nest. Within a batch, a main loop run from a callback does not dispatch
 * the poller.
 */
void serval_poller_batch_begin (ServalPoller *poller);
/**
 * serval_poller_batch_end:
 * @poller: a poller
 *
 * Ends a batch of serval_poller_batch_begin(). The outermost one calls
 * flush() of every dirty entry, unless it runs within the poller's own
 * dispatch, whose end flushes them.
 */
void serval_poller_batch_end (ServalPoller *poller);

/**
 * SERVAL_POLLER_BUFFER_SIZE:
 *
 * The bytes of the buffer of serval_poller_borrow_buffer().
 */
#define SERVAL_POLLER_BUFFER_SIZE (64 * 1024)
/**
 * serval_poller_borrow_buffer:
 * @poller: a poller
 *
 * One read buffer shared by the entries of a poller, so that an idle
 * connection needs none of its own: NULL while borrowed (a nested read).
 * Allocated on first use; give it back with serval_poller_return_buffer()
 * once the bytes read are handled.
 *
 * Returns: (transfer none) (nullable): %SERVAL_POLLER_BUFFER_SIZE bytes, or
 *   %NULL while another caller has it
 */
guint8 *serval_poller_borrow_buffer (ServalPoller *poller);
/**
 * serval_poller_return_buffer:
 * @poller: a poller
 * @buffer: what serval_poller_borrow_buffer() returned
 *
 * Gives the shared buffer back.
 */
void serval_poller_return_buffer (ServalPoller *poller, guint8 *buffer);

/**
 * serval_poller_get_n_entries:
 * @poller: a poller
 *
 * Statistics for tests.
 *
 * Returns: the entries watched (added and not removed)
 */
guint serval_poller_get_n_entries (ServalPoller *poller);
/**
 * serval_poller_get_n_dispatches:
 * @poller: a poller
 *
 * Statistics for tests.
 *
 * Returns: the dispatches run (idle flushes not included)
 */
guint64 serval_poller_get_n_dispatches (ServalPoller *poller);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalPoller, serval_poller_unref)

G_END_DECLS
