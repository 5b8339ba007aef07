/* serval-util.h: small helpers shared by the command-line programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads one line from standard input without its line end. On a terminal,
 * @prompt is shown on standard error and the typing is not echoed.
 * Returns NULL at end of input. */
char *serval_read_secret_line (const char *prompt);

G_END_DECLS
