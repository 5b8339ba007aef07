/* serval-address.c: server addresses as people type them. */
#include "config.h"

#include "serval-address.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-address-error-quark, serval_address_error)
/* clang-format on */

static gboolean
parse_port (const char *text, const char *port_text, guint16 *port, GError **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &value, NULL))
    {
      g_set_error (error, SERVAL_ADDRESS_ERROR, SERVAL_ADDRESS_ERROR_PORT,
                   _("“%s” has no valid port: a port is a number from 1 to 65535, as in "
                     "vpn.example.org:%d."),
                      text, SERVAL_DEFAULT_PORT);
      return FALSE;
    }
  *port = (guint16) value;
  return TRUE;
}

/* A host name or an IPv4 address; no room for a URL, a user or a path. */
static gboolean
host_is_plausible (const char *host)
{
  if (*host == '\0')
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || strchr ("[]/@?#:", *p) != NULL)
      return FALSE;
  return TRUE;
}

static gboolean
is_ipv6 (const char *host)
{
  return strchr (host, ':') != NULL && g_hostname_is_ip_address (host);
}

/**
 * serval_address_parse:
 * @text: what the user typed: "host", "host:port", "2001:db8::1",
 *   "[2001:db8::1]" or "[2001:db8::1]:port"; white space around it is ignored
 * @host: (out) (transfer full) (optional): the host, without brackets
 * @port: (out) (optional): the port, %SERVAL_DEFAULT_PORT if @text has none
 * @error: a %SERVAL_ADDRESS_ERROR whose message tells the user how to write it
 *
 * Returns: whether @text is a server address
 */
gboolean
serval_address_parse (const char *text, char **host, guint16 *port, GError **error)
{
  g_autofree char *s = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *h = NULL;
  const char *colon;
  guint16 p = SERVAL_DEFAULT_PORT;

  if (*s == '\0')
    {
      g_set_error_literal (error, SERVAL_ADDRESS_ERROR, SERVAL_ADDRESS_ERROR_EMPTY,
                           _("No server address given. Write it as host, host:port or "
                             "[IPv6 address]:port."));
      return FALSE;
    }
  if (s[0] == '[')
    {
      const char *end = strchr (s, ']');

      if (end != NULL)
        h = g_strndup (s + 1, end - s - 1);
      if (end == NULL || !is_ipv6 (h) || (end[1] != '\0' && end[1] != ':'))
        goto invalid;
      if (end[1] == ':' && !parse_port (s, end + 2, &p, error))
        return FALSE;
    }
  else if ((colon = strchr (s, ':')) != NULL && strchr (colon + 1, ':') != NULL)
    {
      /* Two colons or more and no brackets: an IPv6 address alone. */
      if (!is_ipv6 (s))
        goto invalid;
      h = g_steal_pointer (&s);
    }
  else if (colon != NULL)
    {
      h = g_strndup (s, colon - s);
      if (!host_is_plausible (h) || colon[1] == '/') /* "serval://host" is a URL */
        goto invalid;
      if (!parse_port (s, colon + 1, &p, error))
        return FALSE;
    }
  else
    {
      if (!host_is_plausible (s))
        goto invalid;
      h = g_steal_pointer (&s);
    }

  if (host != NULL)
    *host = g_steal_pointer (&h);
  if (port != NULL)
    *port = p;
  return TRUE;

invalid:
  g_set_error (error, SERVAL_ADDRESS_ERROR, SERVAL_ADDRESS_ERROR_INVALID,
               _("“%s” is not a server address. Write it as host, host:port or "
                 "[IPv6 address]:port, as in vpn.example.org:%d."),
                  s != NULL ? s : text, SERVAL_DEFAULT_PORT);
  return FALSE;
}

/**
 * serval_address_normalize:
 * @text: as for serval_address_parse()
 * @error: as for serval_address_parse()
 *
 * Returns: (transfer full) (nullable): @text as "host:port" or
 *   "[IPv6 address]:port", the port always written: the form the app
 *   remembers servers and their fingerprints by
 */
char *
serval_address_normalize (const char *text, GError **error)
{
  g_autofree char *host = NULL;
  guint16 port = 0;

  if (!serval_address_parse (text, &host, &port, error))
    return NULL;
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/**
 * serval_address_group:
 * @address: a client's address
 *
 * The group @address counts in when a server limits what one address may
 * hold: an IPv4 address is its own group, also when mapped into IPv6
 * (`::ffff:192.0.2.1`, as a dual-stack socket reports it); an IPv6 address
 * counts with its /64, which one host or one customer usually has whole
 * (and may pick any address of).
 *
 * Returns: (transfer full): the group's name, e.g. "192.0.2.1" or
 *   "2001:db8:0:1::/64"
 */
char *
serval_address_group (GInetAddress *address)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *b = g_inet_address_to_bytes (address);
  guint8 prefix[16] = { 0 };
  g_autoptr(GInetAddress) net = NULL;
  g_autofree char *text = NULL;

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return g_inet_address_to_string (address);
  if (memcmp (b, mapped, sizeof mapped) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
  memcpy (prefix, b, 8);
  net = g_inet_address_new_from_bytes (prefix, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (net);
  return g_strdup_printf ("%s/64", text);
}
