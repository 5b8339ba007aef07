/* test-rule.c: a VLAN's rules read from words and written back. */
#include "config.h"

#include "serval-rule.h"

#include <libintl.h>
#include <locale.h>

#include <string.h>

static void
round_trip (const char *text, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ServalRule) rule = serval_rule_parse_string (text, &error);
  g_autofree char *written = NULL;
  g_autoptr (ServalRule) again = NULL;
  g_autofree char *rewritten = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (rule);
  written = serval_rule_to_string (rule);
  g_assert_cmpstr (written, ==, expected);
  again = serval_rule_parse_string (written, &error);
  g_assert_no_error (error);
  rewritten = serval_rule_to_string (again);
  g_assert_cmpstr (rewritten, ==, written);
}

static void
test_rule_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ServalRule) rule = NULL;
  g_autoptr (ServalRule) copy = NULL;

  round_trip ("allow", "allow");
  round_trip ("deny  proto TCP   from carol port 22", "deny proto tcp from carol port 22");
  round_trip ("deny port 6000-6010 proto udp to bob", "deny proto udp to bob port 6000-6010");
  round_trip ("allow proto 0x0806", "allow proto 0x0806");
  round_trip ("deny proto icmp6 src fd00:77::/64 dst 10.0.0.0/8", "deny proto icmp6 src fd00:77::/64 dst 10.0.0.0/8");

  rule = serval_rule_parse_string ("deny proto tcp from carol to alice port 20-22 src 10.77.0.0/24", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rule->action, ==, SERVAL_RULE_DENY);
  g_assert_cmpint (rule->proto, ==, SERVAL_RULE_PROTO_TCP);
  g_assert_cmpstr (rule->from_user, ==, "carol");
  g_assert_cmpstr (rule->to_user, ==, "alice");
  g_assert_cmpuint (rule->port_low, ==, 20);
  g_assert_cmpuint (rule->port_high, ==, 22);
  g_assert_cmpuint (rule->src.family, ==, 4);
  g_assert_cmpuint (rule->src.len, ==, 24);
  g_assert_cmpuint (rule->src.addr[1], ==, 77);
  g_assert_cmpuint (rule->dst.family, ==, 0);
  copy = serval_rule_copy (rule);
  g_assert_true (copy->from_user != rule->from_user);
  g_assert_cmpstr (copy->from_user, ==, "carol");
}

static void
refused (const char *text, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ServalRule) rule = serval_rule_parse_string (text, &error);

  g_assert_null (rule);
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  if (strstr (error->message, needle) == NULL)
    g_error ("“%s” refused with “%s”, which does not say “%s”", text, error->message, needle);
}

static void
test_rule_refused (void)
{
  refused ("", "empty");
  refused ("permit", "allow or deny");
  refused ("deny proto sctp", "tcp, udp");
  refused ("deny proto 0x0005", "ethertype");
  refused ("deny port 22", "proto tcp");
  refused ("deny proto tcp port 0", "port from 1");
  refused ("deny proto tcp port 30-20", "range");
  refused ("deny proto tcp port 70000", "port from 1");
  refused ("deny from", "needs a value");
  refused ("deny src 10.77.0.1/24", "prefix");
  refused ("deny src 10.77.0.0/33", "prefix");
  refused ("deny with carol", "proto, from");
  refused ("deny from \x01x", "control");
}

/* The engine's reasons reach the admin window as they are: in the user's
 * language, from the build's own catalogues (SERVAL_LOCALEDIR). */
static void
refused_in (const char *locale, const char *text, const char *expected)
{
  const char *localedir = g_getenv ("SERVAL_LOCALEDIR");
  g_autoptr (GError) error = NULL;
  g_autoptr (ServalRule) rule = NULL;

  if (localedir == NULL)
    {
      g_test_fail_printf ("SERVAL_LOCALEDIR is not set: run this test with meson test, which points it at the "
                          "build's po/");
      return;
    }
  if (setlocale (LC_ALL, locale) == NULL)
    {
      g_test_fail_printf ("the locale %s is missing: generate it (tools/serval.sh test does, or add it to "
                          "/etc/locale.gen and run locale-gen)",
                          locale);
      return;
    }
  g_unsetenv ("LANGUAGE");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  rule = serval_rule_parse_string (text, &error);
  setlocale (LC_ALL, "C");
  g_assert_null (rule);
  if (!g_str_has_prefix (error->message, expected))
    g_test_fail_printf ("in %s “%s” was refused with “%s”, not “%s…”", locale, text, error->message, expected);
}

static void
test_rule_refused_translated (void)
{
  refused_in ("es_ES.UTF-8", "permit", "«permit» en una regla: se esperaba allow o deny al principio. ");
  refused_in ("gl_ES.UTF-8", "deny proto tcp port 0", "«0» nunha regra: agardábase un porto de 1 a 65535");
  refused_in ("es_ES.UTF-8", "", "Una regla vacía. ");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rule/round-trip", test_rule_round_trip);
  g_test_add_func ("/rule/refused", test_rule_refused);
  g_test_add_func ("/rule/refused-translated", test_rule_refused_translated);
  return g_test_run ();
}
