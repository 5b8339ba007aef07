/* serval-cidr.c: see serval-cidr.h. One reader of the text (read_cidr());
 * the host address and the network differ only in what they make of it. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-cidr.h"
#include "serval-tap.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* The longest prefix length as text: "128". */
#define PREFIX_DIGITS_MAX 3

typedef enum
{
  CIDR_OK,
  CIDR_NONE,
  CIDR_NO_PREFIX,
  CIDR_BAD_ADDRESS,
  CIDR_BAD_PREFIX,
} CidrFault;

/* Reads @text into @cidr (zeroed first); what is wrong with it, if anything. */
static CidrFault
read_cidr (const char *text, ServalCidr *cidr)
{
  g_autofree char *addr = NULL;
  const char *slash, *digits;
  gsize n_digits;
  guint prefix = 0;

  memset (cidr, 0, sizeof *cidr);
  if (text == NULL)
    return CIDR_NONE;
  slash = strchr (text, '/');
  if (slash == NULL)
    return CIDR_NO_PREFIX;
  addr = g_strndup (text, slash - text);
  if (inet_pton (AF_INET, addr, cidr->addr) == 1)
    cidr->family = AF_INET;
  else if (inet_pton (AF_INET6, addr, cidr->addr) == 1)
    cidr->family = AF_INET6;
  else
    return CIDR_BAD_ADDRESS;
  digits = slash + 1;
  n_digits = strspn (digits, "0123456789");
  if (n_digits == 0 || n_digits > PREFIX_DIGITS_MAX || digits[n_digits] != '\0')
    return CIDR_BAD_PREFIX;
  for (gsize i = 0; i < n_digits; i++)
    prefix = prefix * 10 + (guint) (digits[i] - '0');
  if (prefix < 1 || prefix > (cidr->family == AF_INET ? 32u : 128u))
    return CIDR_BAD_PREFIX;
  cidr->prefix = prefix;
  return CIDR_OK;
}

static gboolean
bad_cidr (GError **error, const char *text, const char *why)
{
  /* TRANSLATORS: the address given, and what is wrong with it */
  g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
               _("“%s” is not an address for a network device: %s. Give one such as 10.77.0.5/24 or fd00:77::5/64"),
                  text, why);
  return FALSE;
}

/* Whether a device may have @c: not unspecified, loopback, multicast, IPv4
 * broadcast or IPv6 link-local (the kernel makes that one). */
static const char *
unusable (const ServalCidr *c)
{
  static const guint8 zero[16] = { 0 };
  const guint8 *a = c->addr;

  if (memcmp (a, zero, c->family == AF_INET ? 4 : 16) == 0)
    return _("it is the unspecified address");
  if (c->family == AF_INET)
    {
      if (a[0] == 127)
        return _("it is a loopback address");
      if (a[0] >= 224)
        return _("it is a multicast or reserved address");
      return NULL;
    }
  if (memcmp (a, zero, 15) == 0 && a[15] == 1)
    return _("it is the loopback address");
  if (a[0] == 0xff)
    return _("it is a multicast address");
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
    return _("it is a link-local address, which the kernel gives the device by itself");
  return NULL;
}

gboolean
serval_cidr_parse (const char *text, ServalCidr *cidr, GError **error)
{
  const char *why;

  switch (read_cidr (text, cidr))
    {
    case CIDR_NONE:
      return bad_cidr (error, "", _("there is none"));
    case CIDR_NO_PREFIX:
      return bad_cidr (error, text, _("the prefix length (“/24”) is missing"));
    case CIDR_BAD_ADDRESS:
      return bad_cidr (error, text, _("the part before “/” is neither an IPv4 nor an IPv6 address"));
    case CIDR_BAD_PREFIX:
      return bad_cidr (error, text,
                       cidr->family == AF_INET ? _("the prefix length must be a number from 1 to 32") : _("the prefix length must be a number from 1 to 128"));
    case CIDR_OK:
      break;
    }
  why = unusable (cidr);
  if (why != NULL)
    return bad_cidr (error, text, why);
  return TRUE;
}

gboolean
serval_cidr_parse_network (const char *text, int family, ServalCidr *cidr)
{
  if (read_cidr (text, cidr) != CIDR_OK || cidr->family != family)
    return FALSE;
  for (guint i = 0; i < 16; i++)
    if (i * 8 >= cidr->prefix)
      cidr->addr[i] = 0;
    else if (i * 8 + 8 > cidr->prefix)
      cidr->addr[i] &= (guint8) (0xff << (8 - (cidr->prefix - i * 8)));
  return TRUE;
}
