/* serval-autostart.h: "Start Serval when I log in", as an XDG autostart entry.
 *
 * The preference is the file $XDG_CONFIG_HOME/autostart/org.serval.Serval.desktop
 * itself: on when it exists. It starts `serval --hidden` (the tray only, and
 * a login to the last server when its password is in the keyring).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the autostart entry exists. */
gboolean serval_autostart_get_enabled (void);
/* Writes the entry (copying Name and Icon from the installed desktop file
 * when there is one) or removes it. */
gboolean serval_autostart_set_enabled (gboolean enabled, GError **error);

G_END_DECLS
