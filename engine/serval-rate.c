/* serval-rate.c: rate limits written with k, M and G suffixes. */
#include "config.h"

#include "serval-rate.h"

#include <string.h>

static const struct
{
  char suffix;
  guint64 factor;
} units[] = {
  { 'G', G_GUINT64_CONSTANT (1000000000) },
  { 'M', 1000000 },
  { 'k', 1000 },
};

gboolean
serval_rate_parse (const char *text, guint64 max, guint64 *out, GError **error)
{
  guint64 factor = 1, value = 0;
  gsize len = text != NULL ? strlen (text) : 0;
  g_autofree char *digits = NULL;

  if (text != NULL && (g_ascii_strcasecmp (text, "none") == 0 || g_str_equal (text, "0")))
    {
      *out = 0;
      return TRUE;
    }
  for (guint i = 0; len > 1 && i < G_N_ELEMENTS (units); i++)
    if (g_ascii_toupper (text[len - 1]) == g_ascii_toupper (units[i].suffix))
      {
        factor = units[i].factor;
        len--;
        break;
      }
  digits = g_strndup (text != NULL ? text : "", len);
  if (len == 0 || !g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64 / factor, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "“%s” is not a rate: give bytes per second as a whole number, optionally with k, M or G "
                   "(10M is 10,000,000 bytes per second), or “none”",
                   text != NULL ? text : "");
      return FALSE;
    }
  if (value * factor > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s is too high a rate: give at most %" G_GUINT64_FORMAT " bytes per second, or “none”", text,
                   max);
      return FALSE;
    }
  *out = value * factor;
  return TRUE;
}

char *
serval_rate_to_string (guint64 bytes_per_second)
{
  if (bytes_per_second == 0)
    return g_strdup ("none");
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (bytes_per_second % units[i].factor == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT "%c", bytes_per_second / units[i].factor, units[i].suffix);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, bytes_per_second);
}
