/* serval-http.h: /healthz and /metrics (Prometheus text) over HTTP. */
#pragma once

#include "serval-server.h"

G_BEGIN_DECLS

typedef struct _ServalHttp ServalHttp;

/* Listens on @listen ("HOST:PORT"). */
ServalHttp *serval_http_start (ServalServer *server, const char *listen, GError **error);
void serval_http_stop (ServalHttp *http);

G_END_DECLS
