/* serval-bench-lite.h: a simulated client that logs in, joins one VLAN and
 * then only answers keepalives: no ServalClient, no member list. The server
 * still sends it every member event of its VLAN; it counts them and drops
 * them unparsed, so that a benchmark of big VLANs measures the server and
 * not the generator's own copies of every list (issue 17).
 *
 * With bench_lite_set_reconnect() it also comes back as a ServalClient does
 * when its connection ends: after the engine's backoff with jitter, with the
 * resume token of its last login (the password if the server refuses it) and
 * the TLS session ticket, and joins again (a reconnect storm, issue 17).
 */
#pragma once

#include <glib.h>

typedef struct _BenchLite BenchLite;

/* Called once: @error is NULL when the client is logged in and joined, else
 * why it is not (login, join or the connection). */
typedef void (*BenchLiteDoneFunc) (BenchLite *lite, const char *error, gpointer user_data);
/* Called (with reconnect on) each time the client comes online again or
 * stops being online. */
typedef void (*BenchLiteStateFunc) (BenchLite *lite, gboolean online, gpointer user_data);

/* What a reconnecting client went through: logins by kind, and the tries
 * that did not get it back, by why. */
typedef struct
{
  guint logins_token;    /* logins the server took with the resume token */
  guint logins_password; /* logins with the password (the first, or a token refused) */
  guint tokens_refused;
  guint tls_resumed;        /* connections whose TLS session resumed with a ticket */
  guint connect_failed;     /* TCP connection not accepted (the server not listening yet) */
  guint closed_early;       /* closed before or during the TLS handshake or the login (a per-address cap) */
  guint rate_limited;       /* login answered rateLimited */
  guint rate_limited_token; /* ... of those, logins that presented a resume token */
  guint server_full;        /* told the server is full (serverFull) */
  guint other_error;        /* any other error answer */
} BenchLiteStats;

/* A client for @server (HOST:PORT, pinned to @fingerprint) that logs in as
 * @user with @password and joins @vlan with @mac once bench_lite_connect()
 * is called; @done is called once, when it is in or failed. */
BenchLite *bench_lite_new (const char *server, const char *fingerprint, const char *user,
                           const char *password, const char *vlan, const guint8 mac[6],
                           BenchLiteDoneFunc done, gpointer user_data);
/* Connect from this local address (an IP address; NULL: the kernel's choice). */
void bench_lite_set_source (BenchLite *lite, const char *address);
/* Say what the app's clients say in their Hello (memberPages, vlanConfig,
 * services: coalesced member events), as by default, or not (the event path
 * of clients before them: one event per change). */
void bench_lite_set_member_pages (BenchLite *lite, gboolean member_pages);
/* Once online, come back by itself whenever the connection ends. */
void bench_lite_set_reconnect (BenchLite *lite, BenchLiteStateFunc state, gpointer user_data);
void bench_lite_connect (BenchLite *lite);
/* Forget the resume token: the next login is with the password (as after
 * the token expired or the server refused it). */
void bench_lite_forget_token (BenchLite *lite);
/* TRUE while logged in, joined and connected. */
gboolean bench_lite_is_online (BenchLite *lite);
/* Messages received after the join (member events, mostly). */
guint64 bench_lite_get_events (BenchLite *lite);
const BenchLiteStats *bench_lite_get_stats (BenchLite *lite);
/* Why the last try failed (NULL: none did). */
const char *bench_lite_get_last_error (BenchLite *lite);
/* Closes the connection (or stops connecting) and frees @lite. */
void bench_lite_free (BenchLite *lite);
