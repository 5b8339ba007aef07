/* serval-tap-addresses.c: what a device's addresses are: the stable MAC of
 * a user in a VLAN, and the IP addresses the kernel has given a device; the
 * address Serval gives it, and the bridge it joins (through rtnetlink,
 * serval-netlink.h). None needs the device's own state: what
 * serval_tap_set_address() set is kept on the object as data. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-netlink.h"
#include "serval-tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
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

/* The key of the ServalCidr that serval_tap_set_address() set, per family. */
static const char *
set_key (int family)
{
  return family == AF_INET ? "serval-set-address-4" : "serval-set-address-6";
}

/* Removes the address of @family that an earlier call set, if any. */
static gboolean
remove_set (ServalTap *tap, int family, GError **error)
{
  const ServalCidr *old = g_object_get_data (G_OBJECT (tap), set_key (family));
  g_autoptr(GError) local = NULL;

  if (old == NULL)
    return TRUE;
  /* EADDRNOTAVAIL: someone removed it already; the error is FAILED then. */
  if (!serval_netlink_address (FALSE, serval_tap_get_name (tap), old, &local) &&
      !g_error_matches (local, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_object_set_data (G_OBJECT (tap), set_key (family), NULL);
  return TRUE;
}

gboolean
serval_tap_set_address (ServalTap *tap, const char *cidr, GError **error)
{
  ServalCidr c;

  g_return_val_if_fail (SERVAL_IS_TAP (tap), FALSE);

  if (cidr == NULL)
    return remove_set (tap, AF_INET, error) && remove_set (tap, AF_INET6, error);
  if (!serval_cidr_parse (cidr, &c, error))
    return FALSE;
  /* The old one goes first: deleting an IPv4 primary address also deletes
   * the secondaries of its subnet (promote_secondaries is off by default),
   * and the new one would be such a secondary. */
  if (!remove_set (tap, c.family, error) || !serval_netlink_address (TRUE, serval_tap_get_name (tap), &c, error))
    return FALSE;
  g_object_set_data_full (G_OBJECT (tap), set_key (c.family), g_memdup2 (&c, sizeof c), g_free);
  return TRUE;
}

/* "svbr-IFACE", shortened to fit IFNAMSIZ by a hash, so that two long names
 * with the same start get two bridges. */
static char *
bridge_name (const char *iface)
{
  g_autofree char *digest = NULL;

  if (strlen ("svbr-") + strlen (iface) < IFNAMSIZ)
    return g_strconcat ("svbr-", iface, NULL);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, iface, -1);
  return g_strdup_printf ("svbr-%.5s%.5s", iface, digest);
}

/* The bridge that @iface (not itself a bridge) goes into, made if missing
 * (*@made); its master's name if it has a bridge as master already. */
static char *
bridge_for (const char *iface, const ServalLinkInfo *info, gboolean *made, GError **error)
{
  g_autofree char *name = NULL;
  ServalLinkInfo binfo;
  char master[IF_NAMESIZE];

  *made = FALSE;
  if (info->master != 0 && if_indextoname (info->master, master) != NULL)
    {
      if (serval_netlink_link_get (master, &binfo, NULL) && g_str_equal (binfo.kind, "bridge"))
        return g_strdup (master);
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_BUSY,
                   _("Cannot bridge %s: it belongs to %s, which is not a bridge. Give a bridge, or an interface of its own"),
                      iface, master);
      return NULL;
    }
  name = bridge_name (iface);
  if (serval_netlink_link_get (name, &binfo, NULL))
    {
      if (g_str_equal (binfo.kind, "bridge"))
        return g_steal_pointer (&name);
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_BUSY,
                   _("Cannot make the bridge %s for %s: a device of that name is there and is not a bridge. Remove it (“ip link delete %s”)"),
                      name, iface, name);
      return NULL;
    }
  if (!serval_netlink_bridge_add (name, error))
    return NULL;
  *made = TRUE;
  if (!serval_netlink_set_master (iface, name, error) || !serval_netlink_set_up (iface, error))
    {
      serval_netlink_link_delete (name, NULL);
      return NULL;
    }
  return g_steal_pointer (&name);
}

char *
serval_tap_join_bridge (ServalTap *tap, const char *iface, GError **error)
{
  const char *dev = serval_tap_get_name (tap);
  g_autofree char *bridge = NULL;
  g_autoptr(GError) local = NULL;
  ServalLinkInfo info;
  gboolean made = FALSE;

  g_return_val_if_fail (SERVAL_IS_TAP (tap) && iface != NULL, NULL);

  if (*iface == '\0' || strlen (iface) >= IFNAMSIZ || strchr (iface, '/') != NULL || g_str_equal (iface, dev))
    {
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
                   _("Cannot bridge %s with “%s”: give the name of a bridge or an Ethernet interface (see “ip link”)"),
                      dev, iface);
      return NULL;
    }
  if (!serval_netlink_link_get (iface, &info, &local))
    {
      if (g_error_matches (local, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_NO_DEVICE))
        g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_NO_DEVICE,
                     _("There is no network interface “%s” to bridge %s with: give an existing bridge or Ethernet interface (see “ip link”)"),
                        iface, dev);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  bridge = g_str_equal (info.kind, "bridge") ? g_strdup (iface) : bridge_for (iface, &info, &made, error);
  if (bridge == NULL)
    return NULL;
  if (!serval_netlink_set_master (dev, bridge, error) || !serval_netlink_set_up (bridge, error))
    {
      if (made)
        serval_netlink_link_delete (bridge, NULL);
      return NULL;
    }
  if (made)
    g_message (_("Made the bridge %s, holding %s and %s. This machine's own addresses on %s stop working until they are moved to %s"),
                  bridge, iface, dev, iface, bridge);
  return g_steal_pointer (&bridge);
}
