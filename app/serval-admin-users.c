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

gboolean
serval_admin_rate_dialog_run (GtkWindow *parent, const char *user, guint64 current, guint64 *rate)
{
  g_autofree char *title = g_strdup_printf (_("Rate Limit of %s"), user);
  g_autofree char *hint = g_strdup_printf (_("Bytes per second %s may send through the switch, over all their "
                                             "sessions. 0: no limit of their own (the server's default applies)."),
                                              user);
  GtkWidget *grid;
  GtkWidget *dialog = dialog_new (parent, title, _("_Set"), &grid);
  GtkWidget *spin = gtk_spin_button_new_with_range (0, (double) SERVAL_MAX_RATE_LIMIT, 1);
  GtkWidget *units = gtk_combo_box_text_new ();
  GtkWidget *label = gtk_label_new (hint);
  guint unit = 0;
  gboolean ok;

  /* The largest unit that shows the limit whole. */
  for (guint i = 1; current > 0 && i < G_N_ELEMENTS (unit_factors); i++)
    if (current % unit_factors[i] == 0)
      unit = i;
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("bytes/s"));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("kB/s"));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("MB/s"));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (units), _("GB/s"));
  gtk_combo_box_set_active (GTK_COMBO_BOX (units), unit);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) (current / unit_factors[unit]));
  gtk_entry_set_activates_default (GTK_ENTRY (spin), TRUE);
  grid_label (GTK_GRID (grid), _("_Rate limit"), spin, 0);
  gtk_grid_attach (GTK_GRID (grid), units, 2, 0, 1, 1);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 3, 1);
  atk_object_set_name (gtk_widget_get_accessible (units), _("Unit"));
  gtk_widget_show_all (dialog);

  ok = gtk_dialog_run (GTK_DIALOG (dialog)) == GTK_RESPONSE_ACCEPT;
  if (ok)
    {
      guint64 value = (guint64) gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin));
      int active = gtk_combo_box_get_active (GTK_COMBO_BOX (units));
      guint64 factor = unit_factors[CLAMP (active, 0, (int) G_N_ELEMENTS (unit_factors) - 1)];

      *rate = value > SERVAL_MAX_RATE_LIMIT / factor ? SERVAL_MAX_RATE_LIMIT : value * factor;
    }
  gtk_widget_destroy (dialog);
  return ok;
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
