/* libFuzzer target: serval-cidr.h's one parser, through both its readings:
 * serval_cidr_parse(), the address a server hands a joining client
 * ("10.77.0.5/24") before it goes to the kernel, and
 * serval_cidr_parse_network(), a VLAN's subnet or IPv6 prefix as the store
 * and the server's DHCP read it. The input is the text (cut at its first
 * NUL, as a C string would be).
 *
 * An accepted address must be within bounds: a family the kernel knows, a
 * prefix length from 1 to the family's width, and text that reads back the
 * same; a refused one must say why. A network must be of the family asked
 * for, with no bit set past its prefix, and read back the same from its own
 * text. Both readings share one reader: a host address accepted is a
 * network of its family accepted, with the same length. Nothing may crash
 * or read past the input. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "serval-cidr.h"
#include "serval-tap.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_network (const char *text, int family)
{
  ServalCidr net, again;
  char addr[INET6_ADDRSTRLEN];
  g_autofree char *canonical = NULL;

  if (!serval_cidr_parse_network (text, family, &net))
    return;
  g_assert_cmpint (net.family, ==, family);
  g_assert_cmpuint (net.prefix, >=, 1);
  g_assert_cmpuint (net.prefix, <=, family == AF_INET ? 32 : 128);
  for (guint bit = net.prefix; bit < 128; bit++)
    g_assert_cmpuint (net.addr[bit / 8] & (0x80 >> (bit % 8)), ==, 0);
  g_assert_nonnull (inet_ntop (family, net.addr, addr, sizeof addr));
  canonical = g_strdup_printf ("%s/%u", addr, net.prefix);
  g_assert_true (serval_cidr_parse_network (canonical, family, &again));
  g_assert_cmpuint (again.prefix, ==, net.prefix);
  g_assert_cmpmem (again.addr, 16, net.addr, 16);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  ServalCidr c;

  if (serval_cidr_parse (text, &c, &error))
    {
      guint8 again[16] = { 0 };
      g_autofree char *addr = g_strndup (text, strchr (text, '/') - text);
      ServalCidr net;

      g_assert_no_error (error);
      g_assert_true (c.family == AF_INET || c.family == AF_INET6);
      g_assert_cmpuint (c.prefix, >=, 1);
      g_assert_cmpuint (c.prefix, <=, c.family == AF_INET ? 32 : 128);
      g_assert_cmpint (inet_pton (c.family, addr, again), ==, 1);
      g_assert_cmpmem (again, c.family == AF_INET ? 4 : 16, c.addr, c.family == AF_INET ? 4 : 16);
      g_assert_true (serval_cidr_parse_network (text, c.family, &net));
      g_assert_cmpuint (net.prefix, ==, c.prefix);
    }
  else
    {
      g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "10.77.0.5/24"));
    }
  check_network (text, AF_INET);
  check_network (text, AF_INET6);
  return 0;
}
