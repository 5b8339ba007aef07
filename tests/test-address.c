/* test-address.c: server addresses as people type them (engine/serval-address.c). */
#include "config.h"

#include "serval-address.h"

#include <string.h>

typedef struct
{
  const char *text;
  const char *host;
  guint16 port;
  const char *normal;
} Good;

static void
test_good (void)
{
  const Good cases[] = {
    { "vpn.example.org:8000", "vpn.example.org", 8000, "vpn.example.org:8000" },
    { "10.0.0.1:1", "10.0.0.1", 1, "10.0.0.1:1" },
    { "host:65535", "host", 65535, "host:65535" },
    { "  host.example  ", "host.example", SERVAL_DEFAULT_PORT, "host.example:7465" },
    { "10.0.0.1", "10.0.0.1", SERVAL_DEFAULT_PORT, "10.0.0.1:7465" },
    { "[2001:db8::1]:9000", "2001:db8::1", 9000, "[2001:db8::1]:9000" },
    { "[::1]", "::1", SERVAL_DEFAULT_PORT, "[::1]:7465" },
    { "2001:db8::1", "2001:db8::1", SERVAL_DEFAULT_PORT, "[2001:db8::1]:7465" },
    { "fe80::1%eth0", "fe80::1%eth0", SERVAL_DEFAULT_PORT, "[fe80::1%eth0]:7465" },
  };

  g_assert_cmpint (SERVAL_DEFAULT_PORT, ==, 7465);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      g_autofree char *normal = NULL;
      guint16 port = 0;

      g_test_message ("%s", cases[i].text);
      g_assert_true (serval_address_parse (cases[i].text, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (host, ==, cases[i].host);
      g_assert_cmpuint (port, ==, cases[i].port);
      normal = serval_address_normalize (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (normal, ==, cases[i].normal);
      /* What normalize gives parses back to the same. */
      g_clear_pointer (&host, g_free);
      g_assert_true (serval_address_parse (normal, &host, &port, NULL));
      g_assert_cmpstr (host, ==, cases[i].host);
      g_assert_cmpuint (port, ==, cases[i].port);
    }
  /* Both out arguments are optional. */
  g_assert_true (serval_address_parse ("host:1", NULL, NULL, NULL));
}

typedef struct
{
  const char *text;
  int code;
} Bad;

static void
test_bad (void)
{
  const Bad cases[] = {
    { "", SERVAL_ADDRESS_ERROR_EMPTY },
    { "   ", SERVAL_ADDRESS_ERROR_EMPTY },
    { NULL, SERVAL_ADDRESS_ERROR_EMPTY },
    { "host:", SERVAL_ADDRESS_ERROR_PORT },
    { "host:0", SERVAL_ADDRESS_ERROR_PORT },
    { "host:65536", SERVAL_ADDRESS_ERROR_PORT },
    { "host:-1", SERVAL_ADDRESS_ERROR_PORT },
    { "host:+80", SERVAL_ADDRESS_ERROR_PORT },
    { "host:http", SERVAL_ADDRESS_ERROR_PORT },
    { "[2001:db8::1]:x", SERVAL_ADDRESS_ERROR_PORT },
    { ":7465", SERVAL_ADDRESS_ERROR_INVALID },
    { "[2001:db8::1", SERVAL_ADDRESS_ERROR_INVALID },
    { "[]:7465", SERVAL_ADDRESS_ERROR_INVALID },
    { "[host]:7465", SERVAL_ADDRESS_ERROR_INVALID },
    { "[::1]7465", SERVAL_ADDRESS_ERROR_INVALID },
    { "a:b:c", SERVAL_ADDRESS_ERROR_INVALID },
    { "two words", SERVAL_ADDRESS_ERROR_INVALID },
    { "serval://host", SERVAL_ADDRESS_ERROR_INVALID },
    { "alice@host", SERVAL_ADDRESS_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      guint16 port = 1;

      g_test_message ("%s", cases[i].text != NULL ? cases[i].text : "(null)");
      g_assert_false (serval_address_parse (cases[i].text, &host, &port, &error));
      g_assert_error (error, SERVAL_ADDRESS_ERROR, cases[i].code);
      g_assert_null (host);
      g_assert_cmpuint (port, ==, 1);
      g_assert_null (serval_address_normalize (cases[i].text, NULL));
    }
}

static void
test_messages (void)
{
  g_autoptr(GError) error = NULL;

  /* The message names what was typed and shows how to write it. */
  g_assert_false (serval_address_parse ("host:99999", NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "host:99999"));
  g_assert_nonnull (strstr (error->message, "65535"));
  g_clear_error (&error);
  g_assert_false (serval_address_parse ("two words", NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "two words"));
  g_assert_nonnull (strstr (error->message, ":7465"));
}

static void
test_group (void)
{
  static const struct
  {
    const char *address, *group;
  } cases[] = {
    { "192.0.2.7", "192.0.2.7" },
    { "::ffff:192.0.2.7", "192.0.2.7" },
    { "2001:db8:0:1::7", "2001:db8:0:1::/64" },
    { "2001:db8:0:1:ffff:1:2:3", "2001:db8:0:1::/64" },
    { "2001:db8:0:2::7", "2001:db8:0:2::/64" },
    { "::1", "::/64" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (cases[i].address);
      g_autofree char *group = serval_address_group (a);

      g_assert_cmpstr (group, ==, cases[i].group);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/address/good", test_good);
  g_test_add_func ("/engine/address/bad", test_bad);
  g_test_add_func ("/engine/address/messages", test_messages);
  g_test_add_func ("/engine/address/group", test_group);
  return g_test_run ();
}
