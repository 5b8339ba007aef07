/* serval-http.h: /healthz and /metrics (Prometheus text) over HTTP. */
#pragma once

#include "serval-server.h"

G_BEGIN_DECLS

typedef struct _ServalHttp ServalHttp;

/* Listens on @listen ("HOST:PORT"). A connection has @timeout seconds for
 * each request (from its start, or the end of the one before); at most
 * @max_connections are open at once, further ones are closed at once. */
ServalHttp *serval_http_start (ServalServer *server, const char *listen, guint timeout, guint max_connections,
                               GError **error);
void serval_http_stop (ServalHttp *http);

G_END_DECLS
