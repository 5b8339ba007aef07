/* serval-announce.h: "Announce my web page on port …", what the app tells
 * the other members of the VLANs it joins (issue 15).
 *
 * The preference is the key web= of group [announce] in
 * $XDG_CONFIG_HOME/serval/settings.ini: a web page as serval_service_parse()
 * gives it ("http:8080", "https:8443/admin"); off (the default) when absent.
 * The app announces it in each join from the next one on.
 */
#pragma once

#include <gtk/gtk.h>

#include "serval-client.h"

G_BEGIN_DECLS

/* Makes @client announce the preference's web page in its next joins. */
void serval_announce_apply (ServalClient *client);
/* The preference's dialog, over @parent (nullable); on Save it is stored
 * and applied to @app's client ("client" property) when there is one. */
void serval_announce_dialog_show (GtkApplication *app, GtkWindow *parent);

G_END_DECLS
