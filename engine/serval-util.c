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

typedef struct
{
  GSource **slot;
  ServalTimeoutFunc func;
  gpointer data;
} TimeoutOnce;

static gboolean
timeout_once_cb (gpointer user_data)
{
  TimeoutOnce *once = user_data;

  /* The main loop holds the source (and so @once) until this returns. */
  g_clear_pointer (once->slot, g_source_unref);
  once->func (once->data);
  return G_SOURCE_REMOVE;
}

void
serval_timeout_once (GSource **slot, GMainContext *context, guint delay_ms, ServalTimeoutFunc func,
                     gpointer data)
{
  TimeoutOnce *once;

  g_return_if_fail (*slot == NULL);

  once = g_new (TimeoutOnce, 1);
  once->slot = slot;
  once->func = func;
  once->data = data;
  *slot = g_timeout_source_new (delay_ms);
  g_source_set_callback (*slot, timeout_once_cb, once, g_free);
  g_source_attach (*slot, context);
}

gboolean
serval_text_has_control (const char *text, gsize len)
{
  const guint8 *p = (const guint8 *) text;

  for (gsize i = 0; i < len; i++)
    {
      if (p[i] < 0x20 || p[i] == 0x7f)
        return TRUE;
      /* U+0080..U+009F, the C1 controls, are 0xC2 0x80..0x9F in UTF-8. */
      if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
        return TRUE;
    }
  return FALSE;
}

char *
serval_escape_text (const char *text)
{
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: the byte, escaped, and on to the next. */
          g_string_append_printf (out, "\\x%02X", (guint8) *p);
          p++;
          continue;
        }
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02X", c);
      else if (c >= 0x80 && c <= 0x9f)
        g_string_append_printf (out, "\\u%04X", c);
      else
        g_string_append_unichar (out, c);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}
