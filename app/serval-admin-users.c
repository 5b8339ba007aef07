/* serval-admin-users.c: the Users page's dialogs (a new user, a user's rate
 * limit), each a small modal dialog run to its answer. */
#include "config.h"

#include "serval-admin-users.h"

#include <glib/gi18n.h>

#include "serval-message.h"

/* The rate dialog's units in the combo box's order: bytes/s, kB/s, MB/s, GB/s. */
static const guint64 unit_factors[] = { 1, 1000, 1000000, G_GUINT64_CONSTANT (1000000000) };

static GtkWidget *
grid_label (GtkGrid *grid, const char *mnemonic, GtkWidget *widget, int row)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
  return label;
}

static GtkWidget *
dialog_new (GtkWindow *parent, const char *title, const char *action, GtkWidget **grid)
{
  GtkWidget *dialog = gtk_dialog_new_with_buttons (title, parent,
                                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT |
                                                       GTK_DIALOG_USE_HEADER_BAR,
                                                   _("_Cancel"), GTK_RESPONSE_CANCEL, action, GTK_RESPONSE_ACCEPT,
                                                      NULL);

  *grid = gtk_grid_new ();
  g_object_set (*grid, "margin", 18, "row-spacing", 8, "column-spacing", 12, NULL);
  gtk_container_add (GTK_CONTAINER (gtk_dialog_get_content_area (GTK_DIALOG (dialog))), *grid);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  return dialog;
}

gboolean
serval_admin_user_dialog_run (GtkWindow *parent, char **name, char **password, gboolean *admin)
{
  GtkWidget *grid;
  GtkWidget *dialog = dialog_new (parent, _("Add a User"), _("_Add"), &grid);
  GtkWidget *name_entry = gtk_entry_new ();
  GtkWidget *password_entry = gtk_entry_new ();
  GtkWidget *admin_check = gtk_check_button_new_with_mnemonic (_("_Administrator"));
  gboolean ok;

  grid_label (GTK_GRID (grid), _("_User name"), name_entry, 0);
  grid_label (GTK_GRID (grid), _("_Password"), password_entry, 1);
  gtk_entry_set_visibility (GTK_ENTRY (password_entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (password_entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (password_entry), TRUE);
  gtk_grid_attach (GTK_GRID (grid), admin_check, 1, 2, 1, 1);
  atk_object_set_name (gtk_widget_get_accessible (name_entry), _("New user name"));
  atk_object_set_name (gtk_widget_get_accessible (password_entry), _("New user password"));
  gtk_widget_show_all (dialog);

  ok = gtk_dialog_run (GTK_DIALOG (dialog)) == GTK_RESPONSE_ACCEPT;
  if (ok)
    {
      *name = g_strdup (gtk_entry_get_text (GTK_ENTRY (name_entry)));
      *password = g_strdup (gtk_entry_get_text (GTK_ENTRY (password_entry)));
      *admin = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (admin_check));
    }
  gtk_widget_destroy (dialog);
  return ok;
}

/* @text times @factor, at most the protocol's largest rate; FALSE with
 * @error if @text is not a whole number. */
static gboolean
rate_from_text (const char *text, guint64 factor, guint64 *rate, GError **error)
{
  guint64 value = 0;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (!g_ascii_string_to_unsigned (stripped, 10, 0, G_MAXUINT64, &value, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a rate limit: give a whole number (0 for none) and its unit"), stripped);
      return FALSE;
    }
  *rate = value > SERVAL_MAX_RATE_LIMIT / factor ? SERVAL_MAX_RATE_LIMIT : value * factor;
  return TRUE;
}

GtkWidget *
serval_admin_rate_dialog_new (GtkWindow *parent, const char *user, guint64 current)
{
  g_autofree char *title = g_strdup_printf (_("Rate Limit of %s"), user);
  g_autofree char *hint = g_strdup_printf (_("Bytes per second %s may send through the switch, over all their "
                                             "sessions. 0: no limit of their own (the server's default applies)."),
                                              user);
  GtkWidget *grid;
  GtkWidget *dialog = dialog_new (parent, title, _("_Set"), &grid);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *units = gtk_combo_box_text_new ();
  GtkWidget *label = gtk_label_new (hint);
  g_autofree char *text = NULL;
  guint unit = 0;

  /* The largest unit that shows the limit whole. */
  for (guint i = 1; current > 0 && i < G_N_ELEMENTS (unit_factors); i++)
    if (current % unit_factors[i] == 0)
      unit = i;
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("bytes/s"));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("kB/s"));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("MB/s"));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("GB/s"));
  gtk_combo_box_set_active (GTK_COMBO_BOX (units), unit);
  text = g_strdup_printf ("%lu", (unsigned long) (current / unit_factors[unit]));
  gtk_entry_set_text (GTK_ENTRY (entry), text);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_entry_set_width_chars (GTK_ENTRY (entry), 10);
  grid_label (GTK_GRID (grid), _("_Rate limit"), entry, 0);
  gtk_grid_attach (GTK_GRID (grid), units, 2, 0, 1, 1);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 3, 1);
  atk_object_set_name (gtk_widget_get_accessible (entry), _("Rate limit"));
  atk_object_set_name (gtk_widget_get_accessible (units), _("Unit"));
  g_object_set_data (G_OBJECT (dialog), "serval-entry", entry);
  g_object_set_data (G_OBJECT (dialog), "serval-units", units);
  g_object_set_data_full (G_OBJECT (dialog), "serval-user", g_strdup (user), g_free);
  gtk_widget_show_all (grid);
  return dialog;
}

gboolean
serval_admin_rate_dialog_get (GtkWidget *dialog, guint64 *rate, GError **error)
{
  GtkEntry *entry = g_object_get_data (G_OBJECT (dialog), "serval-entry");
  int active = gtk_combo_box_get_active (g_object_get_data (G_OBJECT (dialog), "serval-units"));

  return rate_from_text (gtk_entry_get_text (entry),
                         unit_factors[CLAMP (active, 0, (int) G_N_ELEMENTS (unit_factors) - 1)], rate, error);
}

char *
serval_admin_rate_to_text (guint64 bytes_per_second)
{
  if (bytes_per_second == 0)
    return g_strdup ("—");
  if (bytes_per_second % G_GUINT64_CONSTANT (1000000000) == 0)
    return g_strdup_printf (_("%lu GB/s"), (unsigned long) (bytes_per_second / G_GUINT64_CONSTANT (1000000000)));
  if (bytes_per_second % 1000000 == 0)
    return g_strdup_printf (_("%lu MB/s"), (unsigned long) (bytes_per_second / 1000000));
  if (bytes_per_second % 1000 == 0)
    return g_strdup_printf (_("%lu kB/s"), (unsigned long) (bytes_per_second / 1000));
  return g_strdup_printf (_("%lu bytes/s"), (unsigned long) bytes_per_second);
}
