/* serval-application.h: the Serval desktop app.
 *
 * Owns the session (a ServalClient of the engine), the list of VLANs the
 * user may join, the tray icon and the windows; it turns the engine's state
 * changes into notifications. The windows and the tray do not know this
 * type: they read its properties (client, state, status, icon-name,
 * connected, admin, last-error, vlans) and activate its actions:
 *
 *   app.show-window          the main window, or the login window when offline
 *   app.connect              the login window
 *   app.disconnect           ends the session
 *   app.join, app.leave      (s: a VLAN name) joins or leaves that VLAN
 *   app.refresh              asks the server for the VLAN list again
 *   app.dismiss-error        clears last-error
 *   app.admin                the administration window (enabled for administrators)
 *   app.autostart            (stateful, b) whether Serval starts at login
 *   app.announce-web         the dialog of the web page announced to other members
 *   app.about, app.quit
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SERVAL_TYPE_APPLICATION (serval_application_get_type ())
G_DECLARE_FINAL_TYPE (ServalApplication, serval_application, SERVAL, APPLICATION, GtkApplication)

ServalApplication *serval_application_new (void);

G_END_DECLS
