/* serval-tap-addresses.c: what a device's addresses are: the stable MAC of
 * a user in a VLAN, and the IP addresses the kernel has given a device. Both
 * need nothing of the device's own state. */
#include "config.h"

#include "serval-tap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

void
serval_tap_stable_mac (const char *user, const char *vlan, guint8 mac[6])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *machine = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;

  if (!g_file_get_contents ("/etc/machine-id", &machine, NULL, NULL))
    machine = g_strdup (g_get_host_name ());
  g_checksum_update (sum, (const guchar *) "serval-mac", 11);
  g_checksum_update (sum, (const guchar *) machine, strlen (machine) + 1);
  g_checksum_update (sum, (const guchar *) user, strlen (user) + 1);
  g_checksum_update (sum, (const guchar *) vlan, strlen (vlan) + 1);
  g_checksum_get_digest (sum, digest, &len);
  memcpy (mac, digest, 6);
  mac[0] = (mac[0] & 0xfc) | 0x02; /* unicast, locally administered */
}

char **
serval_tap_get_addresses (ServalTap *tap)
{
  GStrvBuilder *b = g_strv_builder_new ();
  struct ifaddrs *list = NULL;
  char **result;

  if (getifaddrs (&list) == 0)
    {
      for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
        {
          char text[INET6_ADDRSTRLEN];
          const void *addr;

          if (ifa->ifa_addr == NULL || g_strcmp0 (ifa->ifa_name, serval_tap_get_name (tap)) != 0)
            continue;
          if (ifa->ifa_addr->sa_family == AF_INET)
            addr = &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr;
          else if (ifa->ifa_addr->sa_family == AF_INET6)
            addr = &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr;
          else
            continue;
          if (inet_ntop (ifa->ifa_addr->sa_family, addr, text, sizeof text) != NULL)
            g_strv_builder_add (b, text);
        }
      freeifaddrs (list);
    }
  result = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return result;
}
