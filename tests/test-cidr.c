/* serval-cidr.h: the one parser of "ADDRESS/LENGTH" text, in both its
 * readings: a device's address (serval_cidr_parse(), for the TAP device)
 * and a network (serval_cidr_parse_network(), for the store's subnets and
 * IPv6 prefixes and the server's DHCP and router adverts). The cases are
 * those the three parsers it replaced took or refused: the engine's
 * (inet_pton, a required length, no address a device cannot have), the
 * store's (a length of one to three digits, host bits cleared) and the
 * server's GInetAddressMask reading of the store's canonical text. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "serval-cidr.h"
#include "serval-tap.h"

typedef struct
{
  const char *text;
  int family; /* 0: refused */
  guint prefix;
  const char *why; /* refused: words the error must hold */
} HostCase;

static void
test_host (void)
{
  static const HostCase cases[] = {
    { "10.77.0.5/24", AF_INET, 24, NULL },
    { "10.77.0.5/024", AF_INET, 24, NULL }, /* up to three digits, as the store took them */
    { "10.77.0.5/32", AF_INET, 32, NULL },
    { "fd00:77::5/64", AF_INET6, 64, NULL },
    { "::ffff:10.77.0.5/96", AF_INET6, 96, NULL },
    { NULL, 0, 0, "“” is not an address for a network device: there is none" },
    { "10.77.0.5", 0, 0, "the prefix length (“/24”) is missing" },
    { "10.77.0/24", 0, 0, "neither an IPv4 nor an IPv6 address" },
    { " 10.77.0.5/24", 0, 0, "neither an IPv4 nor an IPv6 address" },
    { "[fd00::5]/64", 0, 0, "neither an IPv4 nor an IPv6 address" },
    { "fe80::5%1/64", 0, 0, "neither an IPv4 nor an IPv6 address" },
    { "10.77.0.5/", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/0", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/33", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/+24", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/ 24", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/24 ", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/24/8", 0, 0, "must be a number from 1 to 32" },
    { "10.77.0.5/0024", 0, 0, "must be a number from 1 to 32" }, /* more than three digits */
    { "fd00::5/129", 0, 0, "must be a number from 1 to 128" },
    { "0.0.0.0/8", 0, 0, "it is the unspecified address" },
    { "127.0.0.1/8", 0, 0, "it is a loopback address" },
    { "224.0.0.1/4", 0, 0, "it is a multicast or reserved address" },
    { "255.255.255.255/32", 0, 0, "it is a multicast or reserved address" },
    { "::/64", 0, 0, "it is the unspecified address" },
    { "::1/128", 0, 0, "it is the loopback address" },
    { "ff02::1/16", 0, 0, "it is a multicast address" },
    { "fe80::1/64", 0, 0, "it is a link-local address" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      ServalCidr c;
      gboolean ok = serval_cidr_parse (cases[i].text, &c, &error);

      g_test_message ("%s", cases[i].text != NULL ? cases[i].text : "(null)");
      if (cases[i].family == 0)
        {
          g_assert_false (ok);
          g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED);
          g_assert_nonnull (strstr (error->message, cases[i].why));
          g_assert_nonnull (strstr (error->message, "Give one such as 10.77.0.5/24 or fd00:77::5/64"));
          continue;
        }
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (c.family, ==, cases[i].family);
      g_assert_cmpuint (c.prefix, ==, cases[i].prefix);
    }
}

typedef struct
{
  const char *text;
  int family;
  const char *network; /* the network read, NULL: refused */
  guint prefix;
} NetworkCase;

static void
test_network (void)
{
  static const NetworkCase cases[] = {
    /* The store's canonical text, as the server's DHCP reads it. */
    { "10.77.0.0/24", AF_INET, "10.77.0.0", 24 },
    { "10.0.0.0/8", AF_INET, "10.0.0.0", 8 },
    { "192.168.7.252/30", AF_INET, "192.168.7.252", 30 },
    { "fd00:77::/64", AF_INET6, "fd00:77::", 64 },
    { "fd00:77:1::/48", AF_INET6, "fd00:77:1::", 48 },
    /* What an administrator may give: host bits cleared, up to three digits. */
    { "10.77.0.5/24", AF_INET, "10.77.0.0", 24 },
    { "10.77.1.129/25", AF_INET, "10.77.1.128", 25 },
    { "10.77.0.5/024", AF_INET, "10.77.0.0", 24 },
    { "10.77.0.5/32", AF_INET, "10.77.0.5", 32 },
    { "fd00:77:1:2:3::5/64", AF_INET6, "fd00:77:1:2::", 64 },
    { "fd00:77:1:2::/52", AF_INET6, "fd00:77:1::", 52 },
    /* A network may lie anywhere: no address is refused for what it is. */
    { "127.0.0.0/8", AF_INET, "127.0.0.0", 8 },
    { "224.1.2.3/4", AF_INET, "224.0.0.0", 4 },
    { "ff02::1/16", AF_INET6, "ff02::", 16 },
    /* Refused: the other family (a v4-mapped address is IPv6), ... */
    { "fd00::/64", AF_INET, NULL, 0 },
    { "10.77.0.0/24", AF_INET6, NULL, 0 },
    { "::ffff:10.77.0.0/120", AF_INET, NULL, 0 },
    /* ... no text, no length, a length of 0 or past the width, ... */
    { NULL, AF_INET, NULL, 0 },
    { "", AF_INET, NULL, 0 },
    { "10.77.0.0", AF_INET, NULL, 0 },
    { "10.77.0.0/", AF_INET, NULL, 0 },
    { "10.77.0.0/0", AF_INET, NULL, 0 },
    { "10.77.0.0/33", AF_INET, NULL, 0 },
    { "fd00::/0", AF_INET6, NULL, 0 },
    { "fd00::/129", AF_INET6, NULL, 0 },
    /* ... and a length that is not one to three plain digits. */
    { "10.77.0.0/+24", AF_INET, NULL, 0 },
    { "10.77.0.0/-24", AF_INET, NULL, 0 },
    { "10.77.0.0/ 24", AF_INET, NULL, 0 },
    { "10.77.0.0/24 ", AF_INET, NULL, 0 },
    { "10.77.0.0/0024", AF_INET, NULL, 0 },
    { "fd00::/0064", AF_INET6, NULL, 0 },
    { "10.77.0.0/2a", AF_INET, NULL, 0 },
    { "10.77.0.0/24/8", AF_INET, NULL, 0 },
    /* An address inet_pton() does not read. */
    { "10.77.0/24", AF_INET, NULL, 0 },
    { " 10.77.0.0/24", AF_INET, NULL, 0 },
    { "010.077.000.000/24", AF_INET, NULL, 0 },
    { "[fd00::]/64", AF_INET6, NULL, 0 },
    { "fd00::%1/64", AF_INET6, NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ServalCidr c;
      gboolean ok = serval_cidr_parse_network (cases[i].text, cases[i].family, &c);
      guint8 want[16] = { 0 };

      g_test_message ("%s", cases[i].text != NULL ? cases[i].text : "(null)");
      if (cases[i].network == NULL)
        {
          g_assert_false (ok);
          continue;
        }
      g_assert_true (ok);
      g_assert_cmpint (c.family, ==, cases[i].family);
      g_assert_cmpuint (c.prefix, ==, cases[i].prefix);
      g_assert_cmpint (inet_pton (cases[i].family, cases[i].network, want), ==, 1);
      g_assert_cmpmem (c.addr, sizeof c.addr, want, sizeof want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cidr/host", test_host);
  g_test_add_func ("/cidr/network", test_network);
  return g_test_run ();
}
