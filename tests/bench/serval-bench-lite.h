/* serval-bench-lite.h: a simulated client that logs in, joins one VLAN and
 * then only answers keepalives: no ServalClient, no member list. The server
 * still sends it every member event of its VLAN; it counts them and drops
 * them unparsed, so that a benchmark of big VLANs measures the server and
 * not the generator's own copies of every list (issue 17).
 */
#pragma once

#include <glib.h>

typedef struct _BenchLite BenchLite;

/* Called once: @error is NULL when the client is logged in and joined, else
 * why it is not (login, join or the connection). */
typedef void (*BenchLiteDoneFunc) (BenchLite *lite, const char *error, gpointer user_data);

/* Connects to @server (HOST:PORT, pinned to @fingerprint), logs in as @user
 * with @password and joins @vlan with @mac. */
BenchLite *bench_lite_start (const char *server, const char *fingerprint, const char *user,
                             const char *password, const char *vlan, const guint8 mac[6],
                             BenchLiteDoneFunc done, gpointer user_data);
/* TRUE while logged in, joined and connected. */
gboolean bench_lite_is_online (BenchLite *lite);
/* Messages received after the join (member events, mostly). */
guint64 bench_lite_get_events (BenchLite *lite);
/* Closes the connection (or stops connecting) and frees @lite. */
void bench_lite_free (BenchLite *lite);
