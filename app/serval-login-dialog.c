/* serval-login-dialog.c: the window where a user logs in to a server. */
#include "config.h"

#include "serval-login-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "serval-address.h"
#include "serval-link.h"
#include "serval-secret.h"
#include "serval-tls.h"

struct _ServalLoginDialog
{
  GtkApplicationWindow parent_instance;

  ServalTrust *trust;
  GCancellable *cancellable; /* of the login under way; closing the window cancels it */
  char *server;              /* of the last attempt, normalized */

  GtkComboBoxText *server_combo; /* the profiles: servers logged in to before */
  GtkEntry *server_entry;
  GtkEntry *user_entry;
  GtkEntry *password_entry;
  GtkCheckButton *remember_check;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkSpinner *spinner;
  GtkLabel *status_label;
  GtkButton *login_button;
  GtkGrid *form;
};

G_DEFINE_FINAL_TYPE (ServalLoginDialog, serval_login_dialog, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  SIGNAL_LOGGED_IN,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

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

/* One 64-character string, exactly as `serval-server fingerprint` prints
 * it, so that the two can be compared character by character. */
static char *
format_fingerprint (const char *fp)
{
  GString *s = g_string_new (NULL);

  for (const char *p = fp; p != NULL && *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (s, g_ascii_tolower (*p));
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
      g_message ("Trusting the certificate of %s: fingerprint %s", self->server, fp);
      if (!serval_trust_pin (self->trust, self->server, fp, &error))
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
          "server's operator gave you, which this command prints on the server:\n\n"
          "<tt>serval-server fingerprint</tt>\n\nTrust it only if they are the same: Serval will "
          "remember it."),
             self->server, shown);
      gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
      accept = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Trust and Connect"), GTK_RESPONSE_ACCEPT);
      gtk_style_context_add_class (gtk_widget_get_style_context (accept), "suggested-action");
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
    }
  else
    {
      g_autofree char *old = format_fingerprint (serval_trust_get_fingerprint (self->trust, self->server));

      dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                       GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                       _("The identity of %s has changed"), self->server);
      markup = g_markup_printf_escaped (
          _("<b>Someone may be intercepting your connection</b>, or the server's key was replaced. "
          "Serval did not connect.\n\nThe fingerprint you trusted:\n<tt>%s</tt>\n\nThe fingerprint the "
          "server shows now:\n<tt>%s</tt>\n\nDo not continue unless the server's operator confirms "
          "the new fingerprint."),
             old, shown);
      gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
      accept = gtk_dialog_add_button (GTK_DIALOG (dialog), _("Trust the _New Certificate"),
                                                              GTK_RESPONSE_ACCEPT);
      gtk_style_context_add_class (gtk_widget_get_style_context (accept), "destructive-action");
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
    }
  gtk_window_set_title (GTK_WINDOW (dialog), changed ? _("Certificate Changed") : _("Trust Server"));
  /* Announced by its title, not as "Question" or "Warning". */
  atk_object_set_name (gtk_widget_get_accessible (dialog), gtk_window_get_title (GTK_WINDOW (dialog)));
  gtk_message_dialog_format_secondary_markup (GTK_MESSAGE_DIALOG (dialog), "%s", markup);
  g_object_set_data_full (G_OBJECT (dialog), "fingerprint", g_strdup (fingerprint), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (trust_response_cb), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_error (ServalLoginDialog *self, const GError *error, const char *peer_fingerprint)
{
  set_busy (self, NULL);

  if (peer_fingerprint != NULL &&
      (g_error_matches (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_UNTRUSTED) ||
       g_error_matches (error, SERVAL_TLS_ERROR, SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH)))
    {
      gboolean changed = error->code == SERVAL_TLS_ERROR_FINGERPRINT_MISMATCH;

      show_message (self, changed ? _("The server's certificate has changed: not connected.") : _("The server's certificate is not trusted yet."));
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
  /* The engine's message says what failed, why and what to do, each once. */
  if (g_error_matches (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CONNECT))
    gtk_widget_grab_focus (GTK_WIDGET (self->server_entry));
  show_message (self, error->message);
}

/* --- profiles: the servers logged in to before ------------------------------- */

static void password_found_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* The list of profiles, the last logged in to first; what is typed stays. */
static void
fill_profiles (ServalLoginDialog *self)
{
  g_autofree char *typed = g_strdup (gtk_entry_get_text (self->server_entry));
  g_auto(GStrv) servers = serval_trust_list_profiles (self->trust);

  g_signal_handlers_block_matched (self->server_combo, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_combo_box_text_remove_all (self->server_combo);
  for (guint i = 0; servers[i] != NULL; i++)
    gtk_combo_box_text_append (self->server_combo, servers[i], servers[i]);
  gtk_entry_set_text (self->server_entry, typed);
  g_signal_handlers_unblock_matched (self->server_combo, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
}

/* Fills the user name of @server's profile, and its password from the
 * keyring when it is there. */
static void
use_profile (ServalLoginDialog *self, const char *server)
{
  const char *user = serval_trust_get_user (self->trust, server);

  if (user == NULL)
    return;
  gtk_entry_set_text (self->user_entry, user);
  gtk_entry_set_text (self->password_entry, "");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->remember_check), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
  serval_secret_lookup_async (server, user, NULL, password_found_cb, g_object_ref (self));
}

/* A profile chosen from the list (typing sets no active item). */
static void
server_chosen_cb (ServalLoginDialog *self)
{
  const char *server = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->server_combo));

  if (server != NULL)
    use_profile (self, server);
}

/* --- logging in --------------------------------------------------------------- */

typedef struct
{
  ServalLoginDialog *self;
  GCancellable *cancellable;
  ServalClient *client;
  char *server;
  char *user;
  char *password;
  gboolean remember;
} Login;

static void
login_free (Login *login)
{
  g_object_unref (login->self);
  g_object_unref (login->cancellable);
  g_object_unref (login->client);
  g_free (login->server);
  g_free (login->user);
  if (login->password != NULL)
    memset (login->password, 0, strlen (login->password));
  g_free (login->password);
  g_free (login);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Login, login_free)

static void
secret_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!serval_secret_store_finish (result, &error))
    g_message ("The password was not saved in the keyring: %s", error->message);
}

static void
secret_cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  if (!serval_secret_clear_finish (result, &error) && error != NULL)
    g_debug ("No password removed from the keyring: %s", error->message);
}

/* The one place a login ends, however it was started. */
static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Login) login = user_data;
  ServalLoginDialog *self = login->self;
  gboolean current = login->cancellable == self->cancellable;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;

  if (current)
    g_clear_object (&self->cancellable);
  if (!serval_client_connect_finish (login->client, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The window was closed, or a new attempt replaced this one:
           * nothing to report, and the app stays as it was, offline. */
          g_message ("Login as %s on %s cancelled", login->user, login->server);
          if (current)
            set_busy (self, NULL);
          return;
        }
      g_message ("Login as %s on %s failed: %s", login->user, login->server, error->message);
      show_error (self, error, serval_client_get_peer_fingerprint (login->client));
      return;
    }

  g_message ("Logged in as %s on %s%s", login->user, login->server,
             serval_client_get_admin (login->client) ? " (administrator)" : "");
  if (!serval_trust_set_last (self->trust, login->server, login->user, &save_error))
    g_warning ("Cannot remember the server: %s", save_error->message);
  fill_profiles (self);
  if (login->remember)
    serval_secret_store_async (login->server, login->user, login->password, NULL, secret_done_cb, NULL);
  else
    serval_secret_clear_async (login->server, login->user, NULL, secret_cleared_cb, NULL);
  /* Hidden, not destroyed: it is shown again, as it was, by "Connect…". */
  set_busy (self, NULL);
  gtk_widget_hide (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_LOGGED_IN], 0, login->client);
}

/* @server is normalized. */
static void
log_in (ServalLoginDialog *self, const char *server, const char *user, const char *password,
        gboolean remember)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *status = g_strdup_printf (_("Connecting to %s…"), server);
  Login *login = g_new0 (Login, 1);

  g_free (self->server);
  self->server = g_strdup (server);
  show_message (self, NULL);
  set_busy (self, status);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  /* A new session replaces the one there is. */
  if (app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "disconnect", NULL);

  login->self = g_object_ref (self);
  login->cancellable = g_object_ref (self->cancellable);
  login->server = g_strdup (server);
  login->user = g_strdup (user);
  login->password = g_strdup (password);
  login->remember = remember;
  login->client = serval_client_new (server, user, password, serval_trust_get_fingerprint (self->trust, server));
  g_message ("Logging in as %s on %s", user, server);
  serval_client_connect_async (login->client, self->cancellable, connected_cb, login);
}

static void
start_login (ServalLoginDialog *self)
{
  const char *server = gtk_entry_get_text (self->server_entry);
  const char *user = gtk_entry_get_text (self->user_entry);
  g_autofree char *normalized = NULL;
  g_autoptr(GError) error = NULL;

  if (*server == '\0' || *user == '\0')
    {
      show_message (self, *server == '\0' ? _("Enter the address of the Serval server.") : _("Enter your user name."));
      gtk_widget_grab_focus (GTK_WIDGET (*server == '\0' ? self->server_entry : self->user_entry));
      return;
    }
  normalized = serval_address_normalize (server, &error);
  if (normalized == NULL)
    {
      show_message (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->server_entry));
      return;
    }
  log_in (self, normalized, user, gtk_entry_get_text (self->password_entry),
          gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->remember_check)));
}

void
serval_login_dialog_log_in (ServalLoginDialog *self, const char *server, const char *user,
                            const char *password, gboolean remember)
{
  gtk_entry_set_text (self->server_entry, server);
  gtk_entry_set_text (self->user_entry, user);
  log_in (self, server, user, password, remember);
}

/* Closing the window gives up a login under way, and only hides it. */
static gboolean
serval_login_dialog_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  ServalLoginDialog *self = SERVAL_LOGIN_DIALOG (widget);

  if (self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_message ("Login window closed: giving up the login to %s", self->server);
      g_cancellable_cancel (self->cancellable);
    }
  gtk_widget_hide (widget);
  return TRUE;
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
  ServalLoginDialog *self = SERVAL_LOGIN_DIALOG (object);

  g_free (self->server);
  g_clear_object (&self->trust);
  G_OBJECT_CLASS (serval_login_dialog_parent_class)->finalize (object);
}

static void
serval_login_dialog_class_init (ServalLoginDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = serval_login_dialog_dispose;
  object_class->finalize = serval_login_dialog_finalize;
  widget_class->delete_event = serval_login_dialog_delete_event;

  /**
   * ServalLoginDialog::logged-in:
   * @client: the session, online
   *
   * A login succeeded; the window hid itself.
   */
  signals[SIGNAL_LOGGED_IN] = g_signal_new ("logged-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 1, SERVAL_TYPE_CLIENT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/serval/Serval/ui/serval-login-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ServalLoginDialog, server_combo);
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
  gtk_widget_class_bind_template_callback (widget_class, server_chosen_cb);
}

static void
serval_login_dialog_init (ServalLoginDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ServalLoginDialog *
serval_login_dialog_new (GtkApplication *app, ServalTrust *trust)
{
  ServalLoginDialog *self = g_object_new (SERVAL_TYPE_LOGIN_DIALOG, "application", app, NULL);
  const char *server = serval_trust_get_last_server (trust);
  const char *user = serval_trust_get_last_user (trust);

  self->trust = g_object_ref (trust);
  fill_profiles (self);
  if (server != NULL)
    gtk_entry_set_text (self->server_entry, server);
  if (user != NULL)
    gtk_entry_set_text (self->user_entry, user);
  if (server != NULL && user != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
      serval_secret_lookup_async (server, user, NULL, password_found_cb, g_object_ref (self));
    }
  return self;
}
