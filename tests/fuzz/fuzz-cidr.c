/* libFuzzer target: serval_cidr_parse(), which reads the address a server
 * hands a joining client ("10.77.0.5/24") before it goes to the kernel.
 * The input is the text (cut at its first NUL, as a C string would be).
 * An accepted address must be within bounds: a family the kernel knows, a
 * prefix length from 1 to the family's width, and text that reads back the
 * same; a refused one must say why. Nothing may crash or read past the
 * input. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "serval-netlink.h"
#include "serval-tap.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

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

      g_assert_no_error (error);
      g_assert_true (c.family == AF_INET || c.family == AF_INET6);
      g_assert_cmpuint (c.prefix, >=, 1);
      g_assert_cmpuint (c.prefix, <=, c.family == AF_INET ? 32 : 128);
      g_assert_cmpint (inet_pton (c.family, addr, again), ==, 1);
      g_assert_cmpmem (again, c.family == AF_INET ? 4 : 16, c.addr, c.family == AF_INET ? 4 : 16);
    }
  else
    {
      g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "10.77.0.5/24"));
    }
  return 0;
}
