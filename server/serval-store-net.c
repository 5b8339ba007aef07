/* serval-store-net.c: a VLAN's subnet and IPv6 prefix checked and made
 * canonical, and the choice of the address a lease gets: the same for
 * both store backends (serval-store-private.h). */
#include "config.h"

#include "serval-store-private.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "serval-cidr.h"

/* The address at @addr_text of @family as bytes in @bytes; FALSE if it is not one. */
static gboolean
parse_family (const char *addr_text, GSocketFamily family, guint8 *bytes)
{
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (addr_text);

  if (addr == NULL || g_inet_address_get_family (addr) != family)
    return FALSE;
  memcpy (bytes, g_inet_address_to_bytes (addr), g_inet_address_get_native_size (addr));
  return TRUE;
}

gboolean
serval_ipv4_parse (const char *text, guint32 *addr)
{
  guint8 b[4];

  if (text == NULL || !parse_family (text, G_SOCKET_FAMILY_IPV4, b))
    return FALSE;
  *addr = (guint32) b[0] << 24 | (guint32) b[1] << 16 | (guint32) b[2] << 8 | b[3];
  return TRUE;
}

char *
serval_ipv4_to_string (guint32 addr)
{
  return g_strdup_printf ("%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
}

static guint32
mask (guint len)
{
  return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* @text as a network of @family with a length from @min to @max in @c, or
 * an error naming it, saying it is not @what and giving @example. */
static gboolean
network_parse (const char *text, int family, guint min, guint max, const char *what, const char *example,
               ServalCidr *c, GError **error)
{
  if (serval_cidr_parse_network (text, family, c) && c->prefix >= min && c->prefix <= max)
    return TRUE;
  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_INVALID,
               "“%s” is not %s: give an address and a length from %u to %u, like %s", text != NULL ? text : "", what,
               min, max, example);
  return FALSE;
}

gboolean
serval_subnet_parse (const char *text, ServalSubnet *subnet, char **canonical, GError **error)
{
  g_autofree char *net = NULL;
  ServalCidr c;

  if (!network_parse (text, AF_INET, SERVAL_SUBNET_MIN_LEN, SERVAL_SUBNET_MAX_LEN, "an IPv4 subnet", "10.77.0.0/24", &c, error))
    return FALSE;
  subnet->network = (guint32) c.addr[0] << 24 | (guint32) c.addr[1] << 16 | (guint32) c.addr[2] << 8 | c.addr[3];
  subnet->len = c.prefix;
  net = serval_ipv4_to_string (subnet->network);
  if (canonical != NULL)
    *canonical = g_strdup_printf ("%s/%u", net, c.prefix);
  return TRUE;
}

gboolean
serval_prefix6_parse (const char *text, char **canonical, GError **error)
{
  g_autoptr(GInetAddress) net = NULL;
  g_autofree char *net_text = NULL;
  ServalCidr c;

  if (!network_parse (text, AF_INET6, SERVAL_PREFIX6_MIN_LEN, SERVAL_PREFIX6_MAX_LEN, "an IPv6 prefix", "fd00:77::/64", &c, error))
    return FALSE;
  net = g_inet_address_new_from_bytes (c.addr, G_SOCKET_FAMILY_IPV6);
  net_text = g_inet_address_to_string (net);
  *canonical = g_strdup_printf ("%s/%u", net_text, c.prefix);
  return TRUE;
}

guint32
serval_subnet_first_lease (const ServalSubnet *subnet)
{
  return subnet->network + 2;
}

guint32
serval_subnet_last_lease (const ServalSubnet *subnet)
{
  return subnet->network + (guint32) ((1ull << (32 - subnet->len)) - 2);
}

gboolean
serval_subnet_leasable (const ServalSubnet *subnet, guint32 addr)
{
  return (addr & mask (subnet->len)) == subnet->network && addr >= serval_subnet_first_lease (subnet) &&
         addr <= serval_subnet_last_lease (subnet);
}

gboolean
serval_mac_parse (const char *text, guint8 mac[6])
{
  if (text == NULL || strlen (text) != 17)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    {
      const char *p = text + i * 3;

      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]) || (i < 5 && p[2] != ':'))
        return FALSE;
      mac[i] = g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]);
    }
  return TRUE;
}

static int
slot_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = ((const ServalLeaseSlot *) a)->addr, y = ((const ServalLeaseSlot *) b)->addr;

  return x < y ? -1 : x > y;
}

static void
set_full (const char *vlan, const ServalSubnet *subnet, guint in_use, GError **error)
{
  g_autofree char *net = serval_ipv4_to_string (subnet->network);
  g_autofree char *server = serval_ipv4_to_string (subnet->network + 1);
  guint wider = subnet->len > SERVAL_SUBNET_MIN_LEN ? subnet->len - 1 : subnet->len;
  g_autofree char *wider_net = serval_ipv4_to_string (subnet->network & mask (wider));

  g_set_error (error, SERVAL_STORE_ERROR, SERVAL_STORE_ERROR_FULL,
               "VLAN “%s” has no address left to lease: all %u of its subnet %s/%u are in use (and %s is the "
               "server's). Give it a larger subnet: servalctl vlan set %s --subnet %s/%u",
               vlan, in_use, net, subnet->len, server, vlan, wider_net, wider);
}

/* The @skip'th address never leased (or fewer, if there are not as many),
 * from the sorted @slots; FALSE if there is none. */
static gboolean
pick_fresh (const ServalSubnet *subnet, GArray *slots, guint skip, guint32 *addr)
{
  guint32 next = serval_subnet_first_lease (subnet), last = serval_subnet_last_lease (subnet);
  gboolean found = FALSE;
  guint i = 0;

  for (;;)
    {
      /* Past the leases below @next: is @next itself free? */
      while (i < slots->len && g_array_index (slots, ServalLeaseSlot, i).addr < next)
        i++;
      if (next > last)
        return found;
      if (i < slots->len && g_array_index (slots, ServalLeaseSlot, i).addr == next)
        {
          next++;
          continue;
        }
      *addr = next;
      found = TRUE;
      if (skip-- == 0)
        return TRUE;
      next++;
    }
}

ServalLeasePick
serval_lease_pick (const char *vlan, const ServalSubnet *subnet, GArray *slots, guint spread, guint32 *addr,
                   guint *slot, GError **error)
{
  gint oldest = -1;
  guint in_use = 0;

  g_array_sort (slots, slot_cmp);
  for (guint i = 0; i < slots->len; i++)
    {
      ServalLeaseSlot *s = &g_array_index (slots, ServalLeaseSlot, i);

      if (s->mine && serval_subnet_leasable (subnet, s->addr))
        {
          *addr = s->addr;
          *slot = i;
          return SERVAL_LEASE_PICK_MINE;
        }
    }
  if (pick_fresh (subnet, slots, spread > 1 ? (guint) g_random_int_range (0, spread) : 0, addr))
    return SERVAL_LEASE_PICK_FRESH;
  for (guint i = 0; i < slots->len; i++)
    {
      ServalLeaseSlot *s = &g_array_index (slots, ServalLeaseSlot, i);

      if (!serval_subnet_leasable (subnet, s->addr))
        continue;
      if (s->released == 0)
        in_use++;
      else if (oldest < 0 || s->released < g_array_index (slots, ServalLeaseSlot, oldest).released)
        oldest = i;
    }
  if (oldest >= 0)
    {
      *addr = g_array_index (slots, ServalLeaseSlot, oldest).addr;
      *slot = oldest;
      return SERVAL_LEASE_PICK_RECLAIM;
    }
  set_full (vlan, subnet, in_use, error);
  return SERVAL_LEASE_PICK_FULL;
}

gint64
serval_lease_release_time (void)
{
  static gint64 last;
  gint64 now = g_get_real_time ();

  last = MAX (now, last + 1);
  return last;
}

ServalLease *
serval_lease_new (const char *vlan, const char *user, const guint8 mac[6], guint32 addr, guint len,
                  gint64 released)
{
  ServalLease *lease = g_new0 (ServalLease, 1);
  g_autofree char *a = serval_ipv4_to_string (addr);

  lease->vlan = g_strdup (vlan);
  lease->user = g_strdup (user);
  memcpy (lease->mac, mac, 6);
  lease->address = g_strdup_printf ("%s/%u", a, len);
  lease->released = released;
  return lease;
}
