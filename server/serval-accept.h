/* serval-accept.h: stop accepting clients before the server runs out of
 * file descriptors, and start again when enough of them are closed.
 *
 * Every accepted socket is one file descriptor. Once the process reaches
 * RLIMIT_NOFILE, accept() fails with EMFILE while the connection stays in
 * the listen backlog, so the listening socket stays readable and
 * GSocketService retries (and logs) in a busy loop. The gate counts the
 * sockets it was shown (g_object_weak_ref: they count until they are
 * finalized, i.e. until their descriptor is closed, whichever code holds
 * them: a handshake, a session or a login in a worker thread), stops the
 * GSocketService at a high mark and starts it again at a lower one. New
 * clients meanwhile wait in the kernel's backlog; nothing refuses them.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Descriptors kept for everything that is not a client: the store, the
 * HTTP endpoint and its clients, logs, GLib's wakeup fds, TLS worker threads. */
#define SERVAL_ACCEPT_FD_RESERVE 64

typedef struct _ServalAcceptGate ServalAcceptGate;

typedef struct
{
  guint open;       /* accepted sockets not closed yet */
  guint high;       /* accepting stops when this many are open */
  guint low;        /* ...and starts again at this many */
  guint64 fd_limit; /* RLIMIT_NOFILE the marks were derived from */
  guint capacity;   /* clients it has room for; more are refused (serverFull) */
  gboolean paused;
  guint64 pauses; /* times accepting stopped */
} ServalAcceptStats;

/* The marks for an open-file limit of @fd_limit: @high leaves
 * SERVAL_ACCEPT_FD_RESERVE descriptors free (half of a tiny limit), @low is
 * a sixteenth below it (1 to 1024 connections), so that a pause lasts
 * until a few clients have left, not one. */
void serval_accept_marks (guint64 fd_limit, guint *high, guint *low);

/* A gate on @service (not started or stopped by it until the first
 * serval_accept_gate_track()), for a process with @fd_limit descriptors. */
ServalAcceptGate *serval_accept_gate_new (GSocketService *service, guint64 fd_limit);

/* Replaces the marks derived from the limit (tests, or a configured
 * maximum of clients); @low < @high. */
void serval_accept_gate_set_marks (ServalAcceptGate *gate, guint high, guint low);

/* The current RLIMIT_NOFILE (soft), or 1024 if it cannot be read. */
guint64 serval_accept_fd_limit (void);

/* Counts @conn, just accepted, until its socket is finalized; stops
 * accepting if that makes the high mark. Call from the "incoming" handler.
 * Returns TRUE if @conn is past the gate's capacity (the high mark less a
 * sixteenth of it, 1 to 64): the server should tell that client it is
 * full and close, rather than serve it; the slots between the capacity and
 * the high mark are for those refusals. */
gboolean serval_accept_gate_track (ServalAcceptGate *gate, GSocketConnection *conn);

void serval_accept_gate_get_stats (ServalAcceptGate *gate, ServalAcceptStats *stats);

/* Forgets the service (the gate will not start it again) and drops the
 * caller's reference; sockets still open keep the gate alive until they close. */
void serval_accept_gate_free (ServalAcceptGate *gate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalAcceptGate, serval_accept_gate_free)

G_END_DECLS
