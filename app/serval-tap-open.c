#include "config.h"

#include "serval-tap-open.h"

#include <glib/gi18n.h>
#include <string.h>

typedef struct
{
  char *name;
  guint mtu;
  guint8 mac[6];
  char *cidr; /* serval_tap_address_async(): the address; NULL when opening */
  GSubprocess *proc;
  gulong cancel_id;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->name);
  g_free (data->cidr);
  g_clear_object (&data->proc);
  g_free (data);
}

/* The helper program serval_tap_open_async() runs through pkexec. */
static const char *
helper_path (void)
{
  const char *path = g_getenv ("SERVAL_TAP_HELPER");

  return path != NULL && *path != '\0' ? path : LIBEXECDIR "/serval-tap-helper";
}

char *
serval_tap_open_device_name (const char *vlan)
{
  g_autofree char *digest = NULL;
  GString *name = g_string_new ("sv-");
  gboolean plain = *vlan != '\0' && strlen (vlan) <= 12;

  for (const char *p = vlan; *p != '\0'; p++)
    {
      char c = *p;
      gboolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';

      plain = plain && ok;
      if (ok || g_ascii_isalpha (c))
        c = g_ascii_tolower (c);
      else if (((guchar) c & 0xc0) == 0x80 || name->str[name->len - 1] == '-')
        continue; /* one "-" for a run of other characters (and UTF-8 sequences) */
      else
        c = '-';
      if (name->len < 3 + 6)
        g_string_append_c (name, c);
    }
  if (plain)
    {
      g_string_truncate (name, 3);
      g_string_append (name, vlan);
      return g_string_free (name, FALSE);
    }
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, vlan, -1);
  g_string_append_c (name, '-');
  g_string_append_len (name, digest, 5);
  return g_string_free (name, FALSE);
}

/* Without persistence the device lives as long as the ServalTap does. */
static ServalTap *
make_transient (ServalTap *tap)
{
  g_autoptr(GError) error = NULL;

  if (!serval_tap_set_persistent (tap, FALSE, &error))
    g_debug ("%s stays after Serval quits: %s", serval_tap_get_name (tap), error->message);
  return tap;
}

/* A device of this name that the user owns already (say, after a crash),
 * with the wanted MTU and MAC and up: no password needed. */
static ServalTap *
attach_matching (OpenData *data)
{
  g_autoptr(ServalTap) tap = serval_tap_attach (data->name, NULL);
  guint8 mac[6];

  if (tap == NULL || serval_tap_get_mtu (tap) != data->mtu || !serval_tap_get_up (tap))
    return NULL;
  serval_tap_get_mac (tap, mac);
  if (memcmp (mac, data->mac, 6) != 0)
    return NULL;
  return make_transient (g_steal_pointer (&tap));
}

static void
return_permission_error (GTask *task, const char *name, const char *why)
{
  OpenData *data = g_task_get_task_data (task);

  if (data->cidr != NULL)
    g_task_return_new_error (task, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION,
                             _("Serval needs permission to give the network device %s the address %s: %s"),
                                name, data->cidr, why);
  else
    g_task_return_new_error (task, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION,
                             _("Serval needs permission to create the network device %s: %s"), name, why);
}

static void
helper_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  GSubprocess *proc = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;
  ServalTap *tap;
  int status;

  g_cancellable_disconnect (g_task_get_cancellable (task), data->cancel_id);
  data->cancel_id = 0;
  if (!g_subprocess_communicate_utf8_finish (proc, result, NULL, &err_text, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_strstrip (err_text != NULL ? err_text : (err_text = g_strdup ("")));
  if (!g_subprocess_get_if_exited (proc))
    {
      return_permission_error (task, data->name, _("pkexec was stopped before it finished. Try again"));
      return;
    }
  status = g_subprocess_get_exit_status (proc);
  if (status == 126)
    {
      return_permission_error (task, data->name,
                               _("the password dialog was dismissed. Join the VLAN again and "
                                 "authenticate when asked"));
      return;
    }
  if (status == 127)
    {
      g_autofree char *why = NULL;

      /* pkexec adds "This incident has been reported." on later lines. */
      err_text[strcspn (err_text, "\n")] = '\0';
      why = g_strdup_printf (
          /* TRANSLATORS: %s are pkexec's message, the polkit action and the helper's path */
          _("you are not authorized (%s). Authenticate when asked, or ask the administrator to allow "
            "the polkit action %s and check that %s is installed"),
             *err_text ? err_text : "pkexec", SERVAL_TAP_POLKIT_ACTION, helper_path ());

      return_permission_error (task, data->name, why);
      return;
    }
  if (status != 0 && data->cidr != NULL)
    g_task_return_new_error (task, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
                             _("Serval could not give the network device %s the address %s (helper exit status %d): %s"),
                                data->name, data->cidr, status, *err_text ? err_text : "serval-tap-helper");
  else if (status != 0)
    g_task_return_new_error (task, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
                             _("Serval could not create the network device %s (helper exit status %d): %s"),
                                data->name, status, *err_text ? err_text : "serval-tap-helper");
  else if (data->cidr != NULL)
    g_task_return_boolean (task, TRUE);
  if (status != 0 || data->cidr != NULL)
    return;
  tap = serval_tap_attach (data->name, &error);
  if (tap == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, make_transient (tap), g_object_unref);
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  OpenData *data = user_data;

  /* pkexec's real uid is ours, so we may stop it; the helper itself finishes
   * quickly or not at all. */
  if (data->proc != NULL)
    g_subprocess_force_exit (data->proc);
}

/* Runs "pkexec serval-tap-helper VERB NAME ARG1 [ARG2]" for @task (its data
 * an OpenData); helper_done_cb() returns the task's result. */
static void
run_helper (GTask *task, const char *verb, const char *arg1, const char *arg2)
{
  OpenData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pkexec = NULL;

  if (!g_file_test (helper_path (), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *why = g_strdup_printf (_("its helper program %s is not there. Install Serval "
                                                "(“meson install”, or your distribution's package), or "
                                                "give it the CAP_NET_ADMIN capability."),
                                                 helper_path ());

      return_permission_error (task, data->name, why);
      return;
    }
  pkexec = g_find_program_in_path ("pkexec");
  if (pkexec == NULL)
    {
      return_permission_error (task, data->name,
                               _("pkexec is not installed. Install polkit's pkexec (Debian and Ubuntu: "
                                 "“apt install pkexec”), or run Serval with the CAP_NET_ADMIN capability"));
      return;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  data->proc = g_subprocess_launcher_spawn (launcher, &error, pkexec, helper_path (), verb, data->name, arg1,
                                            arg2, NULL);
  if (data->proc == NULL)
    {
      g_autofree char *why = g_strdup_printf (_("running %s failed (%s). Check the polkit installation"),
                                                 pkexec, error->message);

      return_permission_error (task, data->name, why);
      return;
    }
  if (cancellable != NULL)
    data->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), data, NULL);
  g_subprocess_communicate_utf8_async (data->proc, NULL, NULL, helper_done_cb, g_object_ref (task));
}

void
serval_tap_open_async (const char *name,
                       guint mtu,
                       const guint8 mac[6],
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mtu_text = NULL;
  g_autofree char *mac_text = NULL;
  OpenData *data;
  ServalTap *tap;

  g_return_if_fail (name != NULL && mac != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, serval_tap_open_async);
  data = g_new0 (OpenData, 1);
  data->name = g_strdup (name);
  data->mtu = mtu;
  memcpy (data->mac, mac, 6);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  /* Direct: works with CAP_NET_ADMIN, and then needs no helper. */
  tap = serval_tap_new_with_mac (name, mtu, mac, &error);
  if (tap != NULL)
    {
      g_task_return_pointer (task, tap, g_object_unref);
      return;
    }
  if (!g_error_matches (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_error (&error);
  tap = attach_matching (data);
  if (tap != NULL)
    {
      g_task_return_pointer (task, tap, g_object_unref);
      return;
    }

  mtu_text = g_strdup_printf ("%u", mtu);
  mac_text = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                              mac[5]);
  run_helper (task, "create", mtu_text, mac_text);
}

ServalTap *
serval_tap_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == serval_tap_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
serval_tap_address_async (ServalTap *tap,
                          const char *cidr,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  OpenData *data;

  g_return_if_fail (SERVAL_IS_TAP (tap) && cidr != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, serval_tap_address_async);
  data = g_new0 (OpenData, 1);
  data->name = g_strdup (serval_tap_get_name (tap));
  data->cidr = g_strdup (cidr);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  /* Direct with CAP_NET_ADMIN; a bad address is refused here, before any
   * password is asked for. */
  if (serval_tap_set_address (tap, cidr, &error))
    g_task_return_boolean (task, TRUE);
  else if (!g_error_matches (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    run_helper (task, "address", cidr, NULL);
}

gboolean
serval_tap_address_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == serval_tap_address_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
