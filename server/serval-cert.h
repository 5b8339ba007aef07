/* serval-cert.h: the server's TLS identity in its data directory. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes DIR/cert.pem and DIR/key.pem, a self-signed ECDSA P-256
 * certificate for @common_name (key mode 0600), unless both exist; fails,
 * naming the missing file, if only one does.
 * @cert_path, @key_path: (out) (optional) the two files' names.
 * @created: (out) (optional) TRUE if they were made now. */
gboolean serval_cert_ensure (const char *dir, const char *common_name, char **cert_path,
                             char **key_path, gboolean *created, GError **error);

G_END_DECLS
