/* serval-address.h: server addresses as people type them ("host", "host:port",
 * "[2001:db8::1]:port"), parsed once for the whole program. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The port a server listens on, and a client connects to, when none is given. */
#define SERVAL_DEFAULT_PORT 7465

#define SERVAL_ADDRESS_ERROR (serval_address_error_quark ())
GQuark serval_address_error_quark (void);

typedef enum
{
  SERVAL_ADDRESS_ERROR_EMPTY,   /* nothing but white space */
  SERVAL_ADDRESS_ERROR_INVALID, /* not host, host:port or [IPv6]:port */
  SERVAL_ADDRESS_ERROR_PORT,    /* a port that is not a number from 1 to 65535 */
} ServalAddressError;

gboolean serval_address_parse (const char *text, char **host, guint16 *port, GError **error);
char *serval_address_normalize (const char *text, GError **error);
char *serval_address_group (GInetAddress *address);

G_END_DECLS
