/* serval-server-fair.h: fair sharing towards each member (serval-fair.h in
 * the server), and the per-user rate limit: what main.c and the metrics see.
 */
#pragma once

#include "serval-fair.h"
#include "serval-server.h"

G_BEGIN_DECLS

/* Bytes per second each user may send into the switch (over all its
 * sessions); 0: no limit. Frames over it are dropped at input. */
void serval_server_set_user_rate_limit (ServalServer *server, guint64 bytes_per_s);
/* The fair queues' counters, over every member's. */
void serval_server_get_fair_stats (ServalServer *server, ServalFairStats *stats);

G_END_DECLS
