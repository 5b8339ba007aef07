/* serval-application.h: the Serval desktop app.
 *
 * Owns the session (a ServalClient of the engine), the list of VLANs the
 * user may join, the tray icon and the windows; it turns the engine's state
 * changes into notifications. The windows hold no protocol logic: they call
 * the functions below and bind to the properties and models.
 */
#pragma once

#include <gtk/gtk.h>
#include "serval-client.h"
#include "serval-vlan-item.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_APPLICATION (serval_application_get_type ())
G_DECLARE_FINAL_TYPE (ServalApplication, serval_application, SERVAL, APPLICATION, GtkApplication)

ServalApplication *serval_application_new (void);

/* (nullable) the current session */
ServalClient      *serval_application_get_client (ServalApplication *app);
ServalClientState  serval_application_get_state (ServalApplication *app);
/* One sentence on the connection: "Online as alice on vpn.example.org:7465" */
const char        *serval_application_get_status (ServalApplication *app);
/* (element-type ServalVlanItem) the VLANs the user may join */
GListModel        *serval_application_get_vlans (ServalApplication *app);

/* The server and user to offer in the login window (nullable). */
const char        *serval_application_get_last_server (ServalApplication *app);
const char        *serval_application_get_last_user (ServalApplication *app);
/* Adds the default port if @server has none. */
char              *serval_application_normalize_server (const char *server);

void      serval_application_login_async (ServalApplication *app, const char *server, const char *user,
                                          const char *password, gboolean remember,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
/* On SERVAL_TLS_ERROR_UNTRUSTED or _FINGERPRINT_MISMATCH, @peer_fingerprint is
 * the fingerprint the server showed, for the user to decide on. */
gboolean  serval_application_login_finish (ServalApplication *app, GAsyncResult *result,
                                           char **peer_fingerprint, GError **error);
/* Pins @fingerprint for @server (trust on first use, or a new key the user accepted). */
gboolean  serval_application_trust (ServalApplication *app, const char *server,
                                    const char *fingerprint, GError **error);
const char *serval_application_get_pinned (ServalApplication *app, const char *server);

/* Joins or leaves a VLAN; failures are reported through ::error. */
void      serval_application_set_joined (ServalApplication *app, ServalVlanItem *item, gboolean joined);
/* Asks the server again for the VLAN list. */
void      serval_application_refresh_vlans (ServalApplication *app);
/* Shows the main window (or the login window when not logged in). */
void      serval_application_show_window (ServalApplication *app);
/* Reports a failure to the user: in the main window, and as a notification when it is hidden. */
void      serval_application_report (ServalApplication *app, const char *message);

G_END_DECLS
