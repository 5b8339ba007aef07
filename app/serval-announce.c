/* serval-announce.c: the preference "Announce my web page on port …" and its dialog. */
#include "config.h"

#include "serval-announce.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#define GROUP "announce"
#define KEY   "web"

static char *
settings_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "serval", "settings.ini", NULL);
}

/* The web page announced, canonical, or NULL when off. */
static char *
serval_announce_get_web (void)
{
  g_autofree char *path = settings_path ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *web = NULL;
  char *canonical;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, NULL) ||
      (web = g_key_file_get_string (file, GROUP, KEY, NULL)) == NULL)
    return NULL;
  /* Edited by hand into something else: off, and said so. */
  if ((canonical = serval_service_parse (web, NULL)) == NULL)
    g_message ("Announcing no web page: %s holds web=%s, which is not [https:]PORT[/PATH]", path, web);
  return canonical;
}

/* Stores @web (canonical, or NULL for off). */
static gboolean
serval_announce_set_web (const char *web, GError **error)
{
  g_autofree char *path = settings_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  if (web != NULL)
    g_key_file_set_string (file, GROUP, KEY, web);
  else
    g_key_file_remove_key (file, GROUP, KEY, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int e = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), _("Cannot make the folder %s: %s"), dir, g_strerror (e));
      return FALSE;
    }
  return g_key_file_save_to_file (file, path, error);
}

void
serval_announce_apply (ServalClient *client)
{
  g_autofree char *web = serval_announce_get_web ();
  const char *const services[] = { web, NULL };

  serval_client_set_services (client, web != NULL ? services : NULL);
}

/* --- the dialog ------------------------------------------------------------------ */

typedef struct
{
  GtkApplication *app; /* outlives its windows */
  GtkWidget *dialog;
  GtkWidget *on;
  GtkWidget *port;
  GtkWidget *https;
  GtkWidget *path;
  GtkWidget *error;
} Dialog;

static void
dialog_free (gpointer data, GClosure *closure)
{
  g_free (data);
}

static void
on_toggled_cb (Dialog *d)
{
  gboolean on = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->on));

  gtk_widget_set_sensitive (d->port, on);
  gtk_widget_set_sensitive (d->https, on);
  gtk_widget_set_sensitive (d->path, on);
}

/* What the dialog says, canonical; NULL for off, or with @error. */
static char *
dialog_web (Dialog *d, gboolean *off, GError **error)
{
  const char *path = gtk_entry_get_text (GTK_ENTRY (d->path));
  g_autofree char *spec = NULL;

  *off = !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->on));
  if (*off)
    return NULL;
  while (*path == '/')
    path++;
  spec = g_strdup_printf ("%s%d/%s", gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->https)) ? "https:" : "",
                          gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (d->port)), path);
  return serval_service_parse (spec, error);
}

static void
response_cb (GtkDialog *dialog, int response, Dialog *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *web = NULL;
  g_autoptr(ServalClient) client = NULL;
  gboolean off = TRUE;

  if (response == GTK_RESPONSE_OK &&
      (((web = dialog_web (d, &off, &error)) == NULL && !off) || !serval_announce_set_web (web, &error)))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot announce your web page: %s"), error->message);

      gtk_label_set_text (GTK_LABEL (d->error), text);
      gtk_widget_show (d->error);
      return;
    }
  if (response == GTK_RESPONSE_OK)
    {
      g_message (web != NULL ? "Announcing the web page %s from the next join on" : "Announcing no web page%s",
                 web != NULL ? web : "");
      g_object_get (d->app, "client", &client, NULL);
      if (client != NULL)
        serval_announce_apply (client);
    }
  /* Hidden, not destroyed: shown again next time (and no accessible of it
   * goes defunct under a screen reader that still holds it). */
  gtk_widget_hide (GTK_WIDGET (dialog));
}

/* Its window went (the app quits): the next show makes another. */
static void
dialog_destroyed_cb (GtkApplication *app)
{
  g_object_set_data (G_OBJECT (app), "serval-announce-dialog", NULL);
}

/* @d's widgets from the preference @web (nullable). */
static void
dialog_fill (Dialog *d, const char *web)
{
  const char *colon = web != NULL ? strchr (web, ':') : NULL;
  const char *slash = colon != NULL ? strchr (colon, '/') : NULL;

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (d->on), web != NULL);
  if (web == NULL)
    return;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (d->https), g_str_has_prefix (web, "https:"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (d->port), g_ascii_strtod (colon + 1, NULL));
  gtk_entry_set_text (GTK_ENTRY (d->path), slash != NULL ? slash + 1 : "");
}

static GtkWidget *
dialog_grid (Dialog *d)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *help = gtk_label_new (_("The other members of the VLANs you join can open it at your address. "
                                     "It is announced from your next join on."));
  GtkWidget *path_label = gtk_label_new_with_mnemonic (_("_Path"));

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  g_object_set (grid, "margin", 12, NULL);
  d->on = gtk_check_button_new_with_mnemonic (_("_Announce my web page on port"));
  d->port = gtk_spin_button_new_with_range (1, 65535, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (d->port), 8080);
  atk_object_set_name (gtk_widget_get_accessible (d->port), _("Port"));
  d->https = gtk_check_button_new_with_mnemonic (_("Over _HTTPS"));
  d->path = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (d->path), _("optional, such as admin/"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (path_label), d->path);
  atk_object_set_name (gtk_widget_get_accessible (d->path), _("Path"));
  gtk_label_set_xalign (GTK_LABEL (path_label), 0);
  gtk_label_set_line_wrap (GTK_LABEL (help), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (help), 40);
  gtk_label_set_xalign (GTK_LABEL (help), 0);
  d->error = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (d->error), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (d->error), 40);
  gtk_label_set_xalign (GTK_LABEL (d->error), 0);
  gtk_grid_attach (GTK_GRID (grid), d->on, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), d->port, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), d->https, 0, 1, 2, 1);
  gtk_grid_attach (GTK_GRID (grid), path_label, 0, 2, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), d->path, 1, 2, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), help, 0, 3, 2, 1);
  gtk_grid_attach (GTK_GRID (grid), d->error, 0, 4, 2, 1);
  g_signal_connect_swapped (d->on, "toggled", G_CALLBACK (on_toggled_cb), d);
  return grid;
}

void
serval_announce_dialog_show (GtkApplication *app, GtkWindow *parent)
{
  Dialog *d = g_object_get_data (G_OBJECT (app), "serval-announce-dialog");
  g_autofree char *web = serval_announce_get_web ();

  if (d == NULL)
    {
      d = g_new0 (Dialog, 1);
      d->app = app;
      d->dialog = gtk_dialog_new_with_buttons (_("Announce Your Web Page"), NULL, GTK_DIALOG_USE_HEADER_BAR,
                                                  _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Save"), GTK_RESPONSE_OK, NULL);
      gtk_dialog_set_default_response (GTK_DIALOG (d->dialog), GTK_RESPONSE_OK);
      gtk_window_set_application (GTK_WINDOW (d->dialog), app);
      gtk_container_add (GTK_CONTAINER (gtk_dialog_get_content_area (GTK_DIALOG (d->dialog))), dialog_grid (d));
      g_signal_connect_data (d->dialog, "response", G_CALLBACK (response_cb), d, dialog_free, 0);
      g_signal_connect (d->dialog, "delete-event", G_CALLBACK (gtk_widget_hide_on_delete), NULL);
      g_signal_connect_swapped (d->dialog, "destroy", G_CALLBACK (dialog_destroyed_cb), app);
      g_object_set_data (G_OBJECT (app), "serval-announce-dialog", d);
      gtk_widget_show_all (gtk_dialog_get_content_area (GTK_DIALOG (d->dialog)));
    }
  gtk_window_set_transient_for (GTK_WINDOW (d->dialog), parent);
  dialog_fill (d, web);
  on_toggled_cb (d);
  gtk_widget_hide (d->error);
  gtk_window_present (GTK_WINDOW (d->dialog));
}
