/* Runs a libFuzzer target over the files named on the command line (or
 * every file in the directories named), so that the seed corpus is
 * replayed by every test run, with or without clang. */
#include "config.h"

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static int
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    {
      g_printerr ("cannot read %s\n", path);
      return 1;
    }
  LLVMFuzzerTestOneInput ((const guint8 *) contents, len);
  return 0;
}

int
main (int argc, char **argv)
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);

              if (run_file (path) != 0)
                return 1;
              n++;
            }
        }
      else if (run_file (argv[i]) != 0)
        return 1;
      else
        n++;
    }
  if (n == 0)
    {
      g_printerr ("no corpus files given\n");
      return 1;
    }
  g_print ("%u inputs ran clean\n", n);
  return 0;
}
