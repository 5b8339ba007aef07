/* test-utils.c: see test-utils.h. */
#include "config.h"

#include <glib/gstdio.h>

#include "test-utils.h"

char *
test_tmp_dir_new (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

void
test_tmp_dir_remove (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

char *
test_tmp_file_path (const char *tmpl, const char *name)
{
  g_autofree char *dir = test_tmp_dir_new (tmpl);

  return g_build_filename (dir, name, NULL);
}

void
test_tmp_file_path_free (char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  test_tmp_dir_remove (dir);
  g_free (path);
}

GSocketAddress *
test_loopback_any (void)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (lo, 0);
}

char *
test_loopback_address_string (GSocketAddress *bound)
{
  return g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

guint16
test_free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = test_loopback_any ();
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
test_copy_file (const char *from, const char *to, int mode)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  g_file_get_contents (from, &data, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents_full (to, data, len, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
}
