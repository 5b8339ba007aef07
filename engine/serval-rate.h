/* serval-rate.h: a rate limit as people write it on a command line
 * ("10M", "500k", "none"), for servalctl and serval-server's offline
 * commands, and back.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * serval_rate_parse:
 * @text: bytes per second: a whole number with an optional suffix k (10^3),
 *   M (10^6) or G (10^9), or "none" (or "0") for no limit
 * @out: (out): the bytes per second; 0 for none
 * @max: the largest rate taken
 * @error: a #G_OPTION_ERROR_BAD_VALUE that says what a rate looks like
 *
 * Returns: %TRUE if @text is a rate of at most @max
 */
gboolean serval_rate_parse (const char *text, guint64 max, guint64 *out, GError **error);

/**
 * serval_rate_to_string:
 * @bytes_per_second: a rate, 0 for none
 *
 * Returns: (transfer full): the rate as serval_rate_parse() reads it, with
 *   the largest suffix that keeps it whole ("10M", "1500k", "123"), or "none"
 */
char *serval_rate_to_string (guint64 bytes_per_second);

G_END_DECLS
