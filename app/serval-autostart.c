/* serval-autostart.c: the XDG autostart entry that starts Serval at login. */
#include "config.h"

#include "serval-autostart.h"

#include <errno.h>
#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#define DESKTOP_GROUP G_KEY_FILE_DESKTOP_GROUP

static char *
entry_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APPLICATION_ID ".desktop", NULL);
}

gboolean
serval_autostart_get_enabled (void)
{
  g_autofree char *path = entry_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* An Exec argument, quoted as the Desktop Entry Specification wants when it
 * has to be. */
static char *
quote_exec_arg (const char *arg)
{
  GString *s;

  if (strpbrk (arg, " \t\n\"'\\><~|&;$*?#()`") == NULL)
    return g_strdup (arg);
  s = g_string_new ("\"");
  for (const char *p = arg; *p != '\0'; p++)
    {
      if (strchr ("\"`$\\", *p) != NULL)
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

/* The program to start: the installed one when Serval is installed, else the
 * one running now (from a build tree). */
static char *
program (GDesktopAppInfo *installed)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (installed != NULL && g_app_info_get_executable (G_APP_INFO (installed)) != NULL)
    return g_strdup (g_app_info_get_executable (G_APP_INFO (installed)));
  return g_strdup (self != NULL ? self : "serval");
}

static gboolean
write_entry (const char *path, GError **error)
{
  g_autoptr(GDesktopAppInfo) installed = g_desktop_app_info_new (APPLICATION_ID ".desktop");
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *prog = program (installed);
  g_autofree char *quoted = quote_exec_arg (prog);
  g_autofree char *exec = g_strconcat (quoted, " --hidden", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *icon = NULL;

  if (installed != NULL)
    icon = g_desktop_app_info_get_string (installed, G_KEY_FILE_DESKTOP_KEY_ICON);
  g_key_file_set_string (file, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE, "Application");
  g_key_file_set_string (file, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME,
                         installed != NULL ? g_app_info_get_name (G_APP_INFO (installed)) : "Serval");
  g_key_file_set_string (file, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, icon != NULL ? icon : APPLICATION_ID);
  g_key_file_set_string (file, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, exec);
  g_key_file_set_boolean (file, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TERMINAL, FALSE);
  g_key_file_set_boolean (file, DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return g_key_file_save_to_file (file, path, error);
}

gboolean
serval_autostart_set_enabled (gboolean enabled, GError **error)
{
  g_autofree char *path = entry_path ();

  if (enabled)
    return write_entry (path, error);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot remove %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
