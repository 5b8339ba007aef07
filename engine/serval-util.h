/* serval-util.h: small helpers shared by the command-line programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

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

G_END_DECLS
