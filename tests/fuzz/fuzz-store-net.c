/* libFuzzer target: bytes as the text of a VLAN's subnet, IPv6 prefix, an
 * address or a MAC, as an administrator's request brings them to the store
 * (server/serval-store-net.c). Whatever is accepted must be canonical: read
 * again, it gives itself; a subnet's network has no host bits, and its
 * leasable addresses lie inside it, after the server's. */
#include "config.h"

#include <string.h>

#include "serval-member.h"
#include "serval-store-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_subnet (const char *text)
{
  g_autofree char *canonical = NULL;
  g_autofree char *again = NULL;
  ServalSubnet subnet, subnet2;

  if (!serval_subnet_parse (text, &subnet, &canonical, NULL))
    return;
  g_assert_true (subnet.len >= 8 && subnet.len <= 30);
  g_assert_true (serval_subnet_parse (canonical, &subnet2, &again, NULL));
  g_assert_cmpstr (again, ==, canonical);
  g_assert_cmpuint (subnet2.network, ==, subnet.network);
  g_assert_true (serval_subnet_leasable (&subnet, serval_subnet_first_lease (&subnet)));
  g_assert_true (serval_subnet_leasable (&subnet, serval_subnet_last_lease (&subnet)));
  g_assert_false (serval_subnet_leasable (&subnet, subnet.network + 1));
  g_assert_false (serval_subnet_leasable (&subnet, serval_subnet_last_lease (&subnet) + 1));
}

static void
check_prefix6 (const char *text)
{
  g_autofree char *canonical = NULL;
  g_autofree char *again = NULL;

  if (!serval_prefix6_parse (text, &canonical, NULL))
    return;
  g_assert_true (serval_prefix6_parse (canonical, &again, NULL));
  g_assert_cmpstr (again, ==, canonical);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  guint8 mac[6];
  guint32 addr;

  check_subnet (text);
  check_prefix6 (text);
  if (serval_ipv4_parse (text, &addr))
    {
      g_autofree char *back = serval_ipv4_to_string (addr);
      guint32 addr2 = 0;

      g_assert_true (serval_ipv4_parse (back, &addr2));
      g_assert_cmpuint (addr2, ==, addr);
    }
  if (serval_mac_parse (text, mac))
    {
      g_autofree char *back = serval_mac_to_string (mac);

      g_assert_cmpint (g_ascii_strcasecmp (back, text), ==, 0);
    }
  return 0;
}
