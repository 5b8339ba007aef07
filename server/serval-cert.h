/* serval-cert.h: the server's TLS identity in its data directory. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Loads DIR/cert.pem and DIR/key.pem, making a self-signed ECDSA P-256
 * certificate for @common_name first if they do not exist (key mode 0600).
 * @created: (out) (optional) TRUE if it was made now. */
GTlsCertificate *serval_cert_load_or_create (const char *dir, const char *common_name,
                                             gboolean *created, GError **error);

G_END_DECLS
