/* serval-trust.c: pinned fingerprints and the last login, in a key file. */
#include "config.h"

#include "serval-trust.h"

#include <glib/gi18n.h>

struct _ServalTrust
{
  GObject parent_instance;
  char *path;
  GKeyFile *file;
  char *last_server;
  char *last_user;
  GHashTable *pins;  /* server -> fingerprint */
  GHashTable *users; /* server -> user, as last handed out */
};

G_DEFINE_FINAL_TYPE (ServalTrust, serval_trust, G_TYPE_OBJECT)

static void
serval_trust_finalize (GObject *object)
{
  ServalTrust *trust = SERVAL_TRUST (object);

  g_free (trust->path);
  g_key_file_unref (trust->file);
  g_free (trust->last_server);
  g_free (trust->last_user);
  g_hash_table_unref (trust->pins);
  g_hash_table_unref (trust->users);
  G_OBJECT_CLASS (serval_trust_parent_class)->finalize (object);
}

static void
serval_trust_class_init (ServalTrustClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = serval_trust_finalize;
}

static void
serval_trust_init (ServalTrust *trust)
{
  trust->file = g_key_file_new ();
  trust->pins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  trust->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

#define GROUP_LAST    "last"
#define SERVER_PREFIX "server "

ServalTrust *
serval_trust_new (const char *path)
{
  ServalTrust *trust = g_object_new (SERVAL_TYPE_TRUST, NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  trust->path = path != NULL ? g_strdup (path) : g_build_filename (g_get_user_config_dir (), "serval", "servers.ini", NULL);
  if (!g_key_file_load_from_file (trust->file, trust->path, G_KEY_FILE_KEEP_COMMENTS, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read %s (%s): starting with no trusted servers", trust->path, error->message);
      return trust;
    }
  trust->last_server = g_key_file_get_string (trust->file, GROUP_LAST, "server", NULL);
  trust->last_user = g_key_file_get_string (trust->file, GROUP_LAST, "user", NULL);
  groups = g_key_file_get_groups (trust->file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      char *fp;

      if (!g_str_has_prefix (groups[i], SERVER_PREFIX))
        continue;
      fp = g_key_file_get_string (trust->file, groups[i], "fingerprint", NULL);
      if (fp != NULL)
        g_hash_table_insert (trust->pins, g_strdup (groups[i] + strlen (SERVER_PREFIX)), fp);
    }
  return trust;
}

static gboolean
save (ServalTrust *trust, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (trust->path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return g_key_file_save_to_file (trust->file, trust->path, error);
}

const char *
serval_trust_get_fingerprint (ServalTrust *trust, const char *server)
{
  return g_hash_table_lookup (trust->pins, server);
}

gboolean
serval_trust_pin (ServalTrust *trust, const char *server, const char *fingerprint, GError **error)
{
  g_autofree char *group = g_strconcat (SERVER_PREFIX, server, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = g_date_time_format_iso8601 (now);

  g_hash_table_insert (trust->pins, g_strdup (server), g_strdup (fingerprint));
  g_key_file_set_string (trust->file, group, "fingerprint", fingerprint);
  g_key_file_set_string (trust->file, group, "trusted-since", when);
  return save (trust, error);
}

const char *
serval_trust_get_last_server (ServalTrust *trust)
{
  return trust->last_server;
}
const char *
serval_trust_get_last_user (ServalTrust *trust)
{
  return trust->last_user;
}

/* The server's group keeps its profile: the user, and when they last logged
 * in (which orders the list). */
static void
set_profile (ServalTrust *trust, const char *server, const char *user)
{
  g_autofree char *group = g_strconcat (SERVER_PREFIX, server, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  g_key_file_set_string (trust->file, group, "user", user);
  g_key_file_set_int64 (trust->file, group, "last-login", g_date_time_to_unix (now));
}

gboolean
serval_trust_set_last (ServalTrust *trust, const char *server, const char *user, GError **error)
{
  set_profile (trust, server, user);
  g_free (trust->last_server);
  trust->last_server = g_strdup (server);
  g_free (trust->last_user);
  trust->last_user = g_strdup (user);
  g_key_file_set_string (trust->file, GROUP_LAST, "server", server);
  g_key_file_set_string (trust->file, GROUP_LAST, "user", user);
  return save (trust, error);
}

const char *
serval_trust_get_user (ServalTrust *trust, const char *server)
{
  g_autofree char *group = g_strconcat (SERVER_PREFIX, server, NULL);
  g_autofree char *user = g_key_file_get_string (trust->file, group, "user", NULL);

  if (user == NULL)
    return NULL;
  /* Kept for the caller: the key file's strings are copies. */
  g_hash_table_replace (trust->users, g_strdup (server), g_steal_pointer (&user));
  return g_hash_table_lookup (trust->users, server);
}

static int
by_last_login (gconstpointer a, gconstpointer b, gpointer user_data)
{
  GKeyFile *file = user_data;
  g_autofree char *ga = g_strconcat (SERVER_PREFIX, *(const char **) a, NULL);
  g_autofree char *gb = g_strconcat (SERVER_PREFIX, *(const char **) b, NULL);
  gint64 ta = g_key_file_get_int64 (file, ga, "last-login", NULL);
  gint64 tb = g_key_file_get_int64 (file, gb, "last-login", NULL);

  return ta < tb ? 1 : ta > tb ? -1 :
                                 g_strcmp0 (*(const char **) a, *(const char **) b);
}

GStrv
serval_trust_list_profiles (ServalTrust *trust)
{
  g_auto(GStrv) groups = g_key_file_get_groups (trust->file, NULL);
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], SERVER_PREFIX) && g_key_file_has_key (trust->file, groups[i], "user", NULL))
      g_ptr_array_add (servers, g_strdup (groups[i] + strlen (SERVER_PREFIX)));
  g_ptr_array_sort_with_data (servers, by_last_login, trust->file);
  g_ptr_array_add (servers, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&servers), FALSE);
}
