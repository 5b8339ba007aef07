/* serval-trust.h: what the app remembers between runs, outside the keyring.
 *
 * The fingerprints the user chose to trust (trust on first use, one per
 * server address), the last server and user name, and a profile per server
 * the user logged in to (the user name and the time of the last login, in
 * the server's group next to its fingerprint), in a key file under the
 * user's configuration directory. Passwords never go here: they go to
 * the keyring (serval-secret.h).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SERVAL_TYPE_TRUST (serval_trust_get_type ())
G_DECLARE_FINAL_TYPE (ServalTrust, serval_trust, SERVAL, TRUST, GObject)

/* @path: (nullable) the key file; NULL for $XDG_CONFIG_HOME/serval/servers.ini */
ServalTrust *serval_trust_new (const char *path);
/* The pinned fingerprint of @server, or NULL. */
const char *serval_trust_get_fingerprint (ServalTrust *trust, const char *server);
gboolean serval_trust_pin (ServalTrust *trust, const char *server, const char *fingerprint,
                           GError **error);
/* The last server and user the user logged in with (nullable). */
const char *serval_trust_get_last_server (ServalTrust *trust);
const char *serval_trust_get_last_user (ServalTrust *trust);
/* Also remembers @user as the profile of @server. */
gboolean serval_trust_set_last (ServalTrust *trust, const char *server, const char *user,
                                GError **error);
/* The servers with a profile, the last logged in to first. */
GStrv serval_trust_list_profiles (ServalTrust *trust);
/* The user of @server's profile, or NULL. */
const char *serval_trust_get_user (ServalTrust *trust, const char *server);

G_END_DECLS
