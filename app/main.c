/* main.c: the Serval desktop app. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "serval-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr(ServalApplication) app = NULL;
  const char *localedir = g_getenv ("SERVAL_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = serval_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
