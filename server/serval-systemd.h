/* serval-systemd.h: serval-server under systemd (Type=notify): readiness,
 * a status line, the watchdog and the stop, through libsystemd's sd_notify.
 * Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
 */
#pragma once

#include "serval-server.h"

G_BEGIN_DECLS

/* The server listens and is in its cluster: READY=1, and from now on a
 * status line and, if the unit has WatchdogSec=, a WATCHDOG=1 every half
 * of it from the main loop (a stuck loop stops them, and systemd restarts
 * the server). */
void serval_systemd_ready (ServalServer *server);
/* STOPPING=1, and no more watchdog pings. */
void serval_systemd_stopping (void);

G_END_DECLS
