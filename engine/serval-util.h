/* serval-util.h: small helpers shared by the engine, the server and the
 * command-line programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Big-endian (network order) 16- and 32-bit numbers read from and written
 * to bytes of any alignment, as the wire formats and frame headers hold them. */
static inline guint16
serval_get_be16 (const guint8 *p)
{
  return (guint16) (((guint16) p[0] << 8) | p[1]);
}

static inline void
serval_put_be16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static inline guint32
serval_get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline void
serval_put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/**
 * serval_read_secret_line:
 * @prompt: what to ask, shown on a terminal only
 *
 * Reads one line from standard input without its line end. On a terminal,
 * @prompt is shown on standard error and the typing is not echoed. At
 * most 1099 bytes are read: the rest of a longer line stays in standard
 * input, for the next call. The stack copy is wiped; the caller should
 * wipe the result too before freeing it.
 * Blocks until a line or the end of input comes.
 *
 * Returns: (transfer full) (nullable): the line, or %NULL at end of input
 *   (or on a read error). Free with g_free().
 */
char *serval_read_secret_line (const char *prompt);

/**
 * serval_clear_source:
 * @source: (inout) (nullable): where a source is kept, or %NULL
 *
 * Destroys the source at *@source, if any, drops the reference kept there
 * and sets *@source to %NULL: how a #GSource pointer is cleared in dispose,
 * or when what it waits for is over.
 */
void serval_clear_source (GSource **source);

/**
 * ServalTimeoutFunc:
 * @data: what serval_timeout_once() was given
 *
 * What a one-shot timer of serval_timeout_once() calls.
 */
typedef void (*ServalTimeoutFunc) (gpointer data);

/**
 * serval_timeout_once:
 * @slot: (out): where the timer's source is kept; must hold %NULL
 * @context: (nullable): the main context to wait on; %NULL for the global
 *   default, as g_source_attach() takes it
 * @delay_ms: how long to wait, in milliseconds
 * @func: what to call then
 * @data: for @func
 *
 * Arms a one-shot timer, kept at *@slot: after @delay_ms, *@slot is cleared
 * (to %NULL, its reference dropped) and then @func (@data) runs, so that
 * @func may arm the timer again. Until then, serval_clear_source (@slot)
 * stops it: how a retry after a backoff is scheduled and cancelled.
 */
void serval_timeout_once (GSource **slot, GMainContext *context, guint delay_ms, ServalTimeoutFunc func,
                          gpointer data);

/**
 * serval_text_has_control:
 * @text: (array length=len): UTF-8 bytes, not necessarily NUL-terminated
 * @len: how many
 *
 * Whether @text holds a control character: C0 (NUL included), DEL or C1
 * (U+0080 to U+009F). Names and addresses that clients send may hold none:
 * they end up on other people's screens and terminals.
 *
 * Returns: %TRUE if it holds one
 */
gboolean serval_text_has_control (const char *text, gsize len);

/**
 * serval_escape_text:
 * @text: (nullable): text received from the network
 *
 * @text made safe for a terminal and for tab-separated output: control
 * characters (tabs and line ends too) as `\xNN` (C0 and DEL) or `\uNNNN`
 * (C1), bytes that are not UTF-8 as `\xNN`, and the backslash doubled.
 *
 * Returns: (transfer full): the escaped copy ("" for %NULL)
 */
char *serval_escape_text (const char *text);

/* TRUE at most once a minute for one *@last (the monotonic time it last
 * said TRUE, 0 at first): for a warning that a flood would repeat. */
static inline gboolean
serval_once_a_minute (gint64 *last)
{
  gint64 now = g_get_monotonic_time ();

  if (*last != 0 && now - *last <= 60 * G_USEC_PER_SEC)
    return FALSE;
  *last = now;
  return TRUE;
}

/* A client's reconnect backoff: 250 ms after a loss, doubled after each try
 * that fails, at most 5 s; back to the least once logged in. The next wait
 * from @backoff_ms, which doubles: ±20 % at random, so that the clients of a
 * restarted server do not all come back at the same instant. ServalClient
 * and serval-bench's simulated clients wait the same way. */
#define SERVAL_BACKOFF_MIN_MS 250
#define SERVAL_BACKOFF_MAX_MS 5000

static inline guint
serval_backoff_next (guint *backoff_ms)
{
  guint delay = *backoff_ms * g_random_double_range (0.8, 1.2);

  *backoff_ms = MIN (*backoff_ms * 2, SERVAL_BACKOFF_MAX_MS);
  return delay;
}

G_END_DECLS
