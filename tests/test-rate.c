/* test-rate.c: rate limits as servalctl and serval-server read and print
 * them (serval-rate.c): suffixes, "none", what is refused and why. */
#include "config.h"

#include "serval-rate.h"

#include <string.h>

static guint64
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  guint64 rate = 12345;

  g_assert_true (serval_rate_parse (text, G_GUINT64_CONSTANT (2147483647), &rate, &error));
  g_assert_no_error (error);
  return rate;
}

static void
parse_refused (const char *text, const char *says)
{
  g_autoptr(GError) error = NULL;
  guint64 rate = 12345;

  g_assert_false (serval_rate_parse (text, G_GUINT64_CONSTANT (2147483647), &rate, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_nonnull (strstr (error->message, says));
  g_assert_cmpuint (rate, ==, 12345);
}

static void
test_parse (void)
{
  g_assert_cmpuint (parse_ok ("none"), ==, 0);
  g_assert_cmpuint (parse_ok ("NONE"), ==, 0);
  g_assert_cmpuint (parse_ok ("0"), ==, 0);
  g_assert_cmpuint (parse_ok ("123"), ==, 123);
  g_assert_cmpuint (parse_ok ("500k"), ==, 500000);
  g_assert_cmpuint (parse_ok ("500K"), ==, 500000);
  g_assert_cmpuint (parse_ok ("10M"), ==, 10000000);
  g_assert_cmpuint (parse_ok ("10m"), ==, 10000000);
  g_assert_cmpuint (parse_ok ("2G"), ==, G_GUINT64_CONSTANT (2000000000));
  g_assert_cmpuint (parse_ok ("2147483647"), ==, G_GUINT64_CONSTANT (2147483647));

  parse_refused ("", "is not a rate");
  parse_refused ("k", "is not a rate");
  parse_refused ("10X", "“10X” is not a rate");
  parse_refused ("5kG", "is not a rate");
  parse_refused ("-5", "is not a rate");
  parse_refused ("1.5M", "is not a rate");
  parse_refused ("3G", "too high");
  parse_refused ("99999999999999999999", "is not a rate");
}

static void
test_to_string (void)
{
  const struct
  {
    guint64 rate;
    const char *text;
  } cases[] = {
    { 0, "none" },
    { 123, "123" },
    { 500000, "500k" },
    { 1500000, "1500k" },
    { 10000000, "10M" },
    { G_GUINT64_CONSTANT (2000000000), "2G" },
    { 1001, "1001" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = serval_rate_to_string (cases[i].rate);

      g_assert_cmpstr (text, ==, cases[i].text);
      /* And it reads back as itself. */
      g_assert_cmpuint (parse_ok (text), ==, cases[i].rate);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/rate/parse", test_parse);
  g_test_add_func ("/engine/rate/to-string", test_to_string);
  return g_test_run ();
}
