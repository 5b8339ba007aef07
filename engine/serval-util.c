#include "config.h"

#include "serval-util.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

char *
serval_read_secret_line (const char *prompt)
{
  struct termios old, quiet;
  gboolean tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &old) == 0;
  char buf[1100];
  char *line = NULL;

  if (tty)
    {
      fputs (prompt, stderr);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  if (fgets (buf, sizeof buf, stdin) != NULL)
    {
      buf[strcspn (buf, "\r\n")] = '\0';
      line = g_strdup (buf);
    }
  explicit_bzero (buf, sizeof buf);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      fputc ('\n', stderr);
    }
  return line;
}

void
serval_clear_source (GSource **source)
{
  if (*source != NULL)
    g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
