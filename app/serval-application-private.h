/* serval-application-private.h: what the files of ServalApplication share.
 *
 * serval-application.c holds the session, the properties the windows bind
 * to, the actions they activate and the windows themselves;
 * serval-application-vlans.c the list of VLANs the user may join, and
 * joining and leaving them; serval-application-address.c the leased address
 * on each joined VLAN's device.
 */
#pragma once

#include "serval-application.h"
#include "serval-trust.h"
#include "serval-vlan-item.h"

G_BEGIN_DECLS

struct _ServalApplication
{
  GtkApplication parent_instance;

  ServalTrust *trust;
  ServalClient *client;
  ServalClientState state;
  char *status;
  char *status_detail;
  char *last_error;
  gboolean admin;
  gboolean lost;         /* the connection dropped and is being retried */
  gboolean hidden_login; /* a --hidden start is logging in: show no window */
  GListStore *vlans;     /* ServalVlanItem */
  GSource *refresh_source;
  GSource *address_source;   /* reads the joined VLANs' device addresses */
  GCancellable *cancellable; /* of the current session's requests */

  GObject *tray;
  GtkWindow *window;
  GtkWindow *login;
  GtkWindow *admin_window;

  /* command line */
  char *opt_server;
  char *opt_user;
  char *opt_password_file;
  char *opt_fingerprint;
  gboolean opt_hidden;
};

/* A failure, for the user: the main window's error bar (the last-error
 * property), and a notification while that window is hidden. */
void serval_application_report_error (ServalApplication *app, const char *message);

/* serval-application-vlans.c */
/* Keeps in *@where a timer that calls @func with @app every @seconds (in
 * the default main context); serval_clear_source (@where) ends it. */
void serval_application_start_timer (ServalApplication *app, GSource **where, guint seconds, GSourceFunc func);
void serval_application_vlans_start (ServalApplication *app);
void serval_application_vlans_stop (ServalApplication *app);
void serval_application_refresh_vlans (ServalApplication *app);
void serval_application_set_joined (ServalApplication *app, const char *name, gboolean joined);

/* serval-application-address.c */
void serval_application_address_start (ServalApplication *app);
void serval_application_address_stop (ServalApplication *app);
void serval_application_address_update (ServalApplication *app, ServalVlanItem *item);

G_END_DECLS
