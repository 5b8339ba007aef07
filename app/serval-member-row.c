/* serval-member-row.c: a member of a VLAN, and the actions on its address:
 * Copy Address, Ping, Open Shares, and Open Web Page where it announces one. */
#include "config.h"

#include "serval-member-row.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

struct _ServalMemberRow
{
  GtkBox parent_instance;

  ServalMember *member;
  GCancellable *cancellable; /* of the ping or launch under way */
  GtkWidget *ping_button;
  GtkWidget *copy_button;
  GtkWidget *shares_button;
  GtkWidget *web_button; /* shown when the member announces a web page */
  char *ping_address;    /* of the ping under way, or NULL */
  GtkLabel *result_label;
  GtkLabel *line_label; /* MAC · addresses, kept current */
};

G_DEFINE_FINAL_TYPE (ServalMemberRow, serval_member_row, GTK_TYPE_BOX)

/* The address the actions use: the member's first, skipping IPv6 link-local
 * ones (useless without the interface) when it has another; or NULL. */
static const char *
first_address (ServalMemberRow *self)
{
  const char *const *addresses = serval_member_get_addresses (self->member);

  if (addresses == NULL || addresses[0] == NULL)
    return NULL;
  for (guint i = 0; addresses[i] != NULL; i++)
    if (!g_str_has_prefix (addresses[i], "fe80:"))
      return addresses[i];
  return addresses[0];
}

static void
show_result (ServalMemberRow *self, const char *text)
{
  gtk_label_set_text (self->result_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), text != NULL);
}

/* --- Copy Address -------------------------------------------------------------- */

static void
copy_clicked_cb (ServalMemberRow *self)
{
  const char *address = first_address (self);
  g_autofree char *done = NULL;

  if (address == NULL)
    return;
  gtk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD), address, -1);
  done = g_strdup_printf (_("Copied %s"), address);
  show_result (self, done);
}

/* --- Ping ---------------------------------------------------------------------- */

/* "3 replies, 0.41 ms average" from ping's summary (run with LC_ALL=C), or
 * NULL when it has none. */
static char *
describe_ping (const char *address, const char *output)
{
  const char *rtt = strstr (output, "min/avg/max");
  const char *counts = strstr (output, "packets transmitted, ");
  unsigned received = 0;
  double min = 0, avg = 0;

  if (counts == NULL || sscanf (counts, "packets transmitted, %u received", &received) != 1)
    return NULL;
  if (received == 0)
    return g_strdup_printf (_("No reply from %s"), address);
  if (rtt == NULL || (rtt = strchr (rtt, '=')) == NULL || sscanf (rtt, "= %lf/%lf", &min, &avg) != 2)
    return NULL;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u reply, %.*f ms average",
                                       "%u replies, %.*f ms average", received),
                          received, avg < 1 ? 2 : 1, avg);
}

/* The last line ping wrote: why it failed. */
static char *
last_line (const char *output)
{
  g_auto(GStrv) lines = g_strsplit (g_strstrip (g_strdup (output)), "\n", -1);
  guint n = g_strv_length (lines);

  return g_strdup (n > 0 ? lines[n - 1] : "");
}

static void
ping_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ServalMemberRow) self = user_data;
  g_autofree char *address = g_steal_pointer (&self->ping_address);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *text = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &output, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("Cannot ping %s: %s"), address, error->message);
    }
  else if ((text = describe_ping (address, output)) == NULL)
    {
      g_autofree char *why = last_line (output);

      text = g_strdup_printf (_("Cannot ping %s: %s"), address, why);
    }
  g_message ("Ping %s: %s", address, text);
  gtk_widget_set_sensitive (self->ping_button, first_address (self) != NULL);
  gtk_widget_set_tooltip_text (self->ping_button, text);
  show_result (self, text);
}

static void
ping_clicked_cb (ServalMemberRow *self)
{
  const char *address = first_address (self);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pinging = NULL;

  if (address == NULL)
    return;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, "ping", "-c", "3", "-W", "2", address, NULL);
  if (process == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot ping %s: %s"), address, error->message);

      show_result (self, text);
      return;
    }
  pinging = g_strdup_printf (_("Pinging %s…"), address);
  show_result (self, pinging);
  gtk_widget_set_sensitive (self->ping_button, FALSE);
  self->ping_address = g_strdup (address);
  g_subprocess_communicate_utf8_async (process, NULL, self->cancellable, ping_done_cb, g_object_ref (self));
}

/* --- opening the member's shares or web page ----------------------------------- */

/* A launch of the desktop's handler for a URI, and what the row says if it
 * fails. */
typedef struct
{
  ServalMemberRow *self; /* a reference */
  gboolean web;          /* the web page, else the shares */
} Launch;

static void
launched_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Launch *launch = user_data;
  g_autoptr(ServalMemberRow) self = launch->self;
  gboolean web = launch->web;
  g_autoptr(GError) error = NULL;

  g_free (launch);
  if (!g_app_info_launch_default_for_uri_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = web ? g_strdup_printf (_("Cannot open the web page: %s"), error->message) : g_strdup_printf (_("Cannot open the shares: %s"), error->message);

      g_message ("%s", text);
      show_result (self, text);
    }
}

/* Opens @uri (the member's shares, or with @web its web page) with the
 * desktop's handler for it; a failure shows in the row. */
static void
open_uri (ServalMemberRow *self, const char *uri, gboolean web)
{
  g_autoptr(GAppLaunchContext) context =
                 G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self))));
  Launch *launch = g_new (Launch, 1);

  *launch = (Launch){ .self = g_object_ref (self), .web = web };
  g_message ("Opening %s", uri);
  g_app_info_launch_default_for_uri_async (uri, context, self->cancellable, launched_cb, launch);
}

/* --- Open Shares --------------------------------------------------------------- */

static void
shares_clicked_cb (ServalMemberRow *self)
{
  const char *address = first_address (self);
  g_autofree char *uri = NULL;

  if (address == NULL)
    return;
  uri = strchr (address, ':') != NULL ? g_strdup_printf ("smb://[%s]/", address) : g_strdup_printf ("smb://%s/", address);
  open_uri (self, uri, FALSE);
}

/* --- Open Web Page ------------------------------------------------------------- */

/* The URI of the web page the member announces, at its address; NULL when
 * it announces none (or none this version reads) or has no address yet. */
static char *
web_uri (ServalMemberRow *self)
{
  const char *const *services = serval_member_get_services (self->member);
  const char *address = first_address (self);

  for (guint i = 0; services != NULL && services[i] != NULL && address != NULL; i++)
    {
      char *uri = serval_service_uri (services[i], address);

      if (uri != NULL)
        return uri;
    }
  return NULL;
}

/* Whether the member announces a web page this version can open. */
static gboolean
announces_web (ServalMemberRow *self)
{
  const char *const *services = serval_member_get_services (self->member);

  for (guint i = 0; services != NULL && services[i] != NULL; i++)
    {
      g_autofree char *canonical = serval_service_parse (services[i], NULL);

      if (canonical != NULL && g_str_equal (canonical, services[i]))
        return TRUE;
    }
  return FALSE;
}

static void
web_clicked_cb (ServalMemberRow *self)
{
  g_autofree char *uri = web_uri (self);

  if (uri != NULL)
    open_uri (self, uri, TRUE);
}

/* The button follows the member: shown when it announces a web page, its
 * tooltip (and description) the page's URL once the member has an address. */
static void
update_web_button (ServalMemberRow *self)
{
  g_autofree char *uri = web_uri (self);
  const char *tip = uri != NULL ? uri : _("Open Web Page (the member has no address yet)");

  gtk_widget_set_visible (self->web_button, announces_web (self));
  gtk_widget_set_sensitive (self->web_button, uri != NULL);
  gtk_widget_set_tooltip_text (self->web_button, tip);
  atk_object_set_description (gtk_widget_get_accessible (self->web_button), tip);
}

/* --- the row ------------------------------------------------------------------- */

/* A flat icon button; @name (who it acts on) is what a screen reader says. */
static GtkWidget *
action_button (ServalMemberRow *self, const char *icon, const char *tooltip, const char *name,
               GCallback clicked)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon, GTK_ICON_SIZE_BUTTON);

  gtk_button_set_relief (GTK_BUTTON (button), GTK_RELIEF_NONE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  atk_object_set_name (gtk_widget_get_accessible (button), name);
  g_signal_connect_swapped (button, "clicked", clicked, self);
  return button;
}

static GtkWidget *
label_new (const char *text, gboolean dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (dim)
    {
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
      gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
    }
  return label;
}

static void
add_buttons (ServalMemberRow *self, const char *who)
{
  g_autofree char *copy_name = g_strdup_printf (_("Copy Address of %s"), who);
  g_autofree char *ping_name = g_strdup_printf (_("Ping %s"), who);
  g_autofree char *shares_name = g_strdup_printf (_("Open Shares of %s"), who);
  g_autofree char *web_name = g_strdup_printf (_("Open Web Page of %s"), who);
  gboolean has_address = first_address (self) != NULL;
  GtkWidget *button;

  button = action_button (self, "edit-copy-symbolic", _("Copy Address"), copy_name, G_CALLBACK (copy_clicked_cb));
  gtk_widget_set_sensitive (button, has_address);
  gtk_container_add (GTK_CONTAINER (self), button);
  self->copy_button = button;
  self->ping_button = action_button (self, "network-transmit-receive-symbolic", _("Ping"), ping_name, G_CALLBACK (ping_clicked_cb));
  gtk_widget_set_sensitive (self->ping_button, has_address);
  gtk_container_add (GTK_CONTAINER (self), self->ping_button);
  button = action_button (self, "folder-remote-symbolic", _("Open Shares"), shares_name, G_CALLBACK (shares_clicked_cb));
  gtk_widget_set_sensitive (button, has_address);
  gtk_container_add (GTK_CONTAINER (self), button);
  self->shares_button = button;
  self->web_button = action_button (self, "web-browser-symbolic", _("Open Web Page"), web_name, G_CALLBACK (web_clicked_cb));
  gtk_widget_set_no_show_all (self->web_button, TRUE);
  gtk_container_add (GTK_CONTAINER (self), self->web_button);
  update_web_button (self);
}

static void
serval_member_row_dispose (GObject *object)
{
  ServalMemberRow *self = SERVAL_MEMBER_ROW (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (serval_member_row_parent_class)->dispose (object);
}

static void
serval_member_row_finalize (GObject *object)
{
  ServalMemberRow *self = SERVAL_MEMBER_ROW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->member);
  g_free (self->ping_address);
  G_OBJECT_CLASS (serval_member_row_parent_class)->finalize (object);
}

static void
serval_member_row_class_init (ServalMemberRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_member_row_dispose;
  G_OBJECT_CLASS (klass)->finalize = serval_member_row_finalize;
}

static void
serval_member_row_init (ServalMemberRow *self)
{
  self->cancellable = g_cancellable_new ();
}

/* "MAC · addresses", or "MAC · no address yet". */
static char *
address_line (ServalMember *member)
{
  const char *const *addresses = serval_member_get_addresses (member);
  g_autofree char *addrs = addresses != NULL && addresses[0] != NULL ? g_strjoinv (", ", (char **) addresses) : g_strdup (_("no address yet"));

  return g_strdup_printf ("%s · %s", serval_member_get_mac (member), addrs);
}

static void
addresses_changed_cb (ServalMemberRow *self)
{
  g_autofree char *line = address_line (self->member);
  gboolean has_address = first_address (self) != NULL;

  gtk_label_set_text (self->line_label, line);
  /* The actions need an address: a member shown before it had one gets them now. */
  gtk_widget_set_sensitive (self->copy_button, has_address);
  gtk_widget_set_sensitive (self->shares_button, has_address);
  gtk_widget_set_sensitive (self->ping_button, has_address && self->ping_address == NULL);
  update_web_button (self);
}

GtkWidget *
serval_member_row_new (ServalMember *member)
{
  ServalMemberRow *self = g_object_new (SERVAL_TYPE_MEMBER_ROW, "spacing", 6, "margin-start", 12, "margin-end", 12,
                                        "margin-top", 4, "margin-bottom", 4, NULL);
  g_autofree char *title = g_strdup_printf (_("%s on %s"), serval_member_get_user (member),
                                               serval_member_get_host (member));
  g_autofree char *line = address_line (member);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  self->member = g_object_ref (member);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_container_add (GTK_CONTAINER (text), label_new (title, FALSE));
  self->line_label = GTK_LABEL (label_new (line, TRUE));
  gtk_container_add (GTK_CONTAINER (text), GTK_WIDGET (self->line_label));
  g_signal_connect_object (member, "notify::addresses", G_CALLBACK (addresses_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (member, "notify::services", G_CALLBACK (update_web_button), self, G_CONNECT_SWAPPED);
  self->result_label = GTK_LABEL (label_new (NULL, FALSE));
  gtk_container_add (GTK_CONTAINER (text), GTK_WIDGET (self->result_label));
  gtk_container_add (GTK_CONTAINER (self), text);
  add_buttons (self, title);
  gtk_widget_show_all (GTK_WIDGET (self));
  gtk_widget_hide (GTK_WIDGET (self->result_label));
  return GTK_WIDGET (self);
}
