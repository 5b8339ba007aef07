/* serval-login-dialog.c: the window where a user logs in to a server. */
#include "config.h"

#include "serval-login-dialog.h"

#include <glib/gi18n.h>

#include "serval-link.h"
#include "serval-secret.h"
#include "serval-tls.h"

struct _ServalLoginDialog
{
  GtkApplicationWindow parent_instance;

  ServalApplication *app;
  GCancellable      *cancellable;
  char              *server;     /* of the attempt under way, normalized */
  gboolean           retry_after_trust;

  GtkEntry          *server_entry;
  GtkEntry          *user_entry;
  GtkEntry          *password_entry;
  GtkCheckButton    *remember_check;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  GtkSpinner        *spinner;
  GtkLabel          *status_label;
  GtkButton         *login_button;
  GtkGrid           *form;
};

G_DEFINE_FINAL_TYPE (ServalLoginDialog, serval_login_dialog, GTK_TYPE_APPLICATION_WINDOW)

static void start_login (ServalLoginDialog *self);

static void
set_busy (ServalLoginDialog *self, const char *status)
{
  gboolean busy = status != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->form), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button), !busy);
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
}

static void
show_message (ServalLoginDialog *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

/* "3f1c 09ab …", eight groups a line, for people to compare. */
static char *
format_fingerprint (const char *fp)
{
  GString *s = g_string_new (NULL);
  guint n = 0;

  for (const char *p = fp; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p))
        continue;
      if (n > 0 && n % 4 == 0)
        g_string_append_c (s, n % 32 == 0 ? '\n' : ' ');
      g_string_append_c (s, g_ascii_tolower (*p));
      n++;
    }
  return g_string_free (s, FALSE);
}

static void
trust_response_cb (GtkDialog *dialog, int response, gpointer user_data)
{
  ServalLoginDialog *self = user_data;
  const char *fp = g_object_get_data (G_OBJECT (dialog), "fingerprint");
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      if (!serval_application_trust (self->app, self->server, fp, &error))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot remember the certificate: %s"), error->message);

          show_message (self, msg);
        }
      else
        start_login (self);
    }
  else
    show_message (self, _("Not connected: the server's certificate was not trusted."));
  gtk_widget_destroy (GTK_WIDGET (dialog));
  g_object_unref (self);
}

static void
ask_trust (ServalLoginDialog *self, const char *fingerprint, gboolean changed)
{
  g_autofree char *shown = format_fingerprint (fingerprint);
  g_autofree char *markup = NULL;
  GtkWidget *dialog;
  GtkWidget *accept;

  if (!changed)
    {
      dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                       GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                       _("Trust the server %s?"), self->server);
      markup = g_markup_printf_escaped (
        _("This is the first connection to %s, and no authority you trust vouches for its "
          "certificate. Its fingerprint is:\n\n<tt>%s</tt>\n\nCompare it with the fingerprint the "
          "server's operator gave you (<tt>serval-server fingerprint</tt> prints it). Trust it only "
          "if they are the same: Serval will remember it."), self->server, shown);
      gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
      accept = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Trust and Connect"), GTK_RESPONSE_ACCEPT);
      gtk_style_context_add_class (gtk_widget_get_style_context (accept), "suggested-action");
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
    }
  else
    {
      g_autofree char *old = format_fingerprint (serval_application_get_pinned (self->app, self->server));

      dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                       GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                       _("The identity of %s has changed"), self->server);
      markup = g_markup_printf_escaped (
        _("<b>Someone may be intercepting your connection</b>, or the server's key was replaced. "
          "Serval did not connect.\n\nThe fingerprint you trusted:\n<tt>%s</tt>\n\nThe fingerprint the "
          "server shows now:\n<tt>%s</tt>\n\nDo not continue unless the server's operator confirms "
          "the new fingerprint."), old, shown);
      gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
      accept = gtk_dialog_add_button (GTK_DIALOG (dialog), _("Trust the _New Certificate"),
                                      GTK_RESPONSE_ACCEPT);
      gtk_style_context_add_class (gtk_widget_get_style_context (accept), "destructive-action");
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
    }
  gtk_window_set_title (GTK_WINDOW (dialog), changed ? _("Certificate Changed") : _("Trust Server"));
  gtk_message_dialog_format_secondary_markup (GTK_MESSAGE_DIALOG (dialog), "%s", markup);
  g_object_set_data_full (G_OBJECT (dialog), "fingerprint", g_strdup (fingerprint), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (trust_response_cb), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
serval_login_dialog_show_error (ServalLoginDialog *self, const GError *error, const char *peer_fingerprint)
{
  set_busy (self, NULL);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->server == NULL)
    self->server = g_strdup (gtk_entry_get_text (self->server_entry));

  if (peer_fingerprint != NULL &&
      (g_error_matches (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_UNTRUSTED) ||
       g_error_matches (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH)))
    {
      gboolean changed = error->code == SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH;

      show_message (self, changed ? _("The server's certificate has changed: not connected.")
                                  : _("The server's certificate is not trusted yet."));
      ask_trust (self, peer_fingerprint, changed);
      return;
    }
  if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_AUTH))
    {
      g_autofree char *msg = g_strdup_printf (_("Wrong password for %s on %s, or no such user. Check "
                                                "both, or ask the server's administrator."),
                                              gtk_entry_get_text (self->user_entry), self->server);

      show_message (self, msg);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
      return;
    }
  if (g_error_matches (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot reach the Serval server %s. Check the address, "
                                                "that serval-server runs there and that no firewall "
                                                "blocks the port.\n(%s)"), self->server, error->message);

      show_message (self, msg);
      gtk_widget_grab_focus (GTK_WIDGET (self->server_entry));
      return;
    }
  show_message (self, error->message);
}

static void
login_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalLoginDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *fp = NULL;

  if (!serval_application_login_finish (SERVAL_APPLICATION (source), result, &fp, &error))
    serval_login_dialog_show_error (self, error, fp);
  else
    {
      /* Hidden, not destroyed: it is shown again, as it was, by "Connect…". */
      set_busy (self, NULL);
      gtk_widget_hide (GTK_WIDGET (self));
      serval_application_show_window (self->app);
    }
  g_object_unref (self);
}

static void
start_login (ServalLoginDialog *self)
{
  const char *server = gtk_entry_get_text (self->server_entry);
  const char *user = gtk_entry_get_text (self->user_entry);
  const char *password = gtk_entry_get_text (self->password_entry);
  g_autofree char *status = NULL;

  if (*server == '\0' || *user == '\0')
    {
      show_message (self, *server == '\0' ? _("Enter the address of the Serval server.")
                                          : _("Enter your user name."));
      gtk_widget_grab_focus (GTK_WIDGET (*server == '\0' ? self->server_entry : self->user_entry));
      return;
    }
  g_free (self->server);
  self->server = serval_application_normalize_server (server);
  show_message (self, NULL);
  status = g_strdup_printf (_("Connecting to %s…"), self->server);
  set_busy (self, status);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  serval_application_login_async (self->app, server, user, password,
                                  gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->remember_check)),
                                  self->cancellable, login_done_cb, g_object_ref (self));
}

void
serval_login_dialog_set_busy (ServalLoginDialog *self, const char *server, const char *user)
{
  g_autofree char *status = g_strdup_printf (_("Connecting to %s…"), server);

  gtk_entry_set_text (self->server_entry, server);
  gtk_entry_set_text (self->user_entry, user);
  g_free (self->server);
  self->server = g_strdup (server);
  show_message (self, NULL);
  set_busy (self, status);
}

static void
login_clicked_cb (ServalLoginDialog *self)
{
  start_login (self);
}

static void
password_found_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ServalLoginDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = serval_secret_lookup_finish (result, &error);

  if (password != NULL && *gtk_entry_get_text (self->password_entry) == '\0')
    {
      gtk_entry_set_text (self->password_entry, password);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->remember_check), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->login_button));
    }
  else if (error != NULL)
    g_debug ("No keyring to offer a password from: %s", error->message);
  g_object_unref (self);
}

static void
serval_login_dialog_dispose (GObject *object)
{
  ServalLoginDialog *self = SERVAL_LOGIN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (serval_login_dialog_parent_class)->dispose (object);
}

static void
serval_login_dialog_finalize (GObject *object)
{
  g_free (SERVAL_LOGIN_DIALOG (object)->server);
  G_OBJECT_CLASS (serval_login_dialog_parent_class)->finalize (object);
}

static void
serval_login_dialog_class_init (ServalLoginDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = serval_login_dialog_dispose;
  object_class->finalize = serval_login_dialog_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/serval/Serval/ui/serval-login-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, server_entry);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, user_entry);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, password_entry);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, remember_check);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, login_button);
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, form);
  gtk_widget_class_bind_template_callback (widget_class, login_clicked_cb);
}

static void
serval_login_dialog_init (ServalLoginDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ServalLoginDialog *
serval_login_dialog_new (ServalApplication *app)
{
  ServalLoginDialog *self = g_object_new (SERVAL_TYPE_LOGIN_DIALOG, "application", app, NULL);
  const char *server = serval_application_get_last_server (app);
  const char *user = serval_application_get_last_user (app);

  self->app = app;
  if (server != NULL)
    gtk_entry_set_text (self->server_entry, server);
  if (user != NULL)
    gtk_entry_set_text (self->user_entry, user);
  if (server != NULL && user != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
      serval_secret_lookup_async (server, user, self->cancellable, password_found_cb, g_object_ref (self));
    }
  return self;
}
