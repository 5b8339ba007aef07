/* serval-poller.h: one epoll-backed GSource per GMainContext for many links.
 *
 * GLib walks every source and every polled fd of a context on each
 * wake-up, so one GSource per connection makes each wake-up cost
 * O(connections). A ServalPoller owns the sockets of all links of its
 * context in one epoll set (level triggered), keeps their timers in one
 * binary heap, and keeps a list of entries with queued output ("dirty")
 * that it flushes once at the end of each dispatch, before the loop
 * sleeps again. Its GSource is the only one GLib sees.
 *
 * Callbacks run from the poller's dispatch; any of them may remove any
 * entry (its own included): a removed entry gets no further callback.
 * Single-threaded: use a poller only from the thread that runs its context.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ServalPoller ServalPoller;
typedef struct _ServalPollerEntry ServalPollerEntry;

typedef void (*ServalPollerFunc) (gpointer user_data);

typedef struct {
  ServalPollerFunc readable;   /* the fd is readable, hung up or failed; or marked pending */
  ServalPollerFunc writable;   /* the fd takes more (only while write interest is set) */
  ServalPollerFunc flush;      /* marked dirty: send now (end of the dispatch) */
  ServalPollerFunc timer;      /* the entry's deadline passed (the timer is then unset) */
} ServalPollerFuncs;

/* Timers are rounded up to this, so that links started together share wake-ups. */
#define SERVAL_POLLER_TIMER_SLACK_US 10000

/* The poller of @context (NULL: the global default), created on first use. (transfer full) */
ServalPoller      *serval_poller_ref_for_context (GMainContext *context);
ServalPoller      *serval_poller_ref (ServalPoller *poller);
/* The last unref destroys the GSource and closes the epoll fd. */
void               serval_poller_unref (ServalPoller *poller);
GMainContext      *serval_poller_get_context (ServalPoller *poller);

/* Watches @fd (-1: none, then only dirty, pending and timer work) with read
 * interest on. @funcs must outlive the entry. FALSE with @error if epoll
 * refuses the fd. */
ServalPollerEntry *serval_poller_add (ServalPoller *poller, int fd, const ServalPollerFuncs *funcs,
                                      gpointer user_data, GError **error);
/* Forgets the entry; no callback runs for it afterwards. Safe inside callbacks. */
void               serval_poller_remove (ServalPollerEntry *entry);
void               serval_poller_set_interest (ServalPollerEntry *entry, gboolean read, gboolean write);
/* Calls flush() at the end of the current (or next) dispatch, once. */
void               serval_poller_mark_dirty (ServalPollerEntry *entry);
/* Calls readable() in the next dispatch although the fd may not be
 * readable: bytes are waiting above the socket (e.g. decrypted in TLS). */
void               serval_poller_mark_pending (ServalPollerEntry *entry);
/* Calls timer() once at or after @deadline (monotonic µs); -1 unsets it. */
void               serval_poller_set_timer (ServalPollerEntry *entry, gint64 deadline);

/* Another source that queues on the poller's entries (a TAP device reading
 * frames) brackets its pass with these: what it queued leaves when the
 * outermost batch ends, in one write per entry, instead of in a further
 * main-loop iteration (a poll() and a GLib pass more per frame). */
void               serval_poller_batch_begin (ServalPoller *poller);
void               serval_poller_batch_end (ServalPoller *poller);

/* One read buffer shared by the entries of a poller, so that an idle
 * connection needs none of its own: NULL while borrowed (a nested read). */
#define SERVAL_POLLER_BUFFER_SIZE (64 * 1024)
guint8            *serval_poller_borrow_buffer (ServalPoller *poller);
void               serval_poller_return_buffer (ServalPoller *poller, guint8 *buffer);

/* Statistics for tests: entries watched, dispatches run. */
guint              serval_poller_get_n_entries (ServalPoller *poller);
guint64            serval_poller_get_n_dispatches (ServalPoller *poller);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalPoller, serval_poller_unref)

G_END_DECLS
