/* serval-tap-helper-address.c: "serval-tap-helper address NAME CIDR", the
 * address the Serval server leased, set on the user's own TAP device.
 *
 * Like the rest of the helper it trusts none of its arguments:
 * - NAME is a Serval device name (checked by the caller), a TAP device, and
 *   the calling user's own (check_ours()).
 * - CIDR is an IPv4 or IPv6 address with its prefix length: 8 to 32 for
 *   IPv4, 32 to 128 for IPv6, so that no user can route a large part of the
 *   Internet into a device of theirs; never unspecified, loopback,
 *   multicast, broadcast, link-local or IPv4-mapped.
 * - Its subnet must not overlap the subnet of an address that another
 *   device has (the machine's LAN, another VLAN): the prefix route would
 *   take that traffic. Exit code 11 then names the other device.
 * The device's other addresses of the family go (IPv6 link-local ones
 * stay), so it has the one Serval gave it; then the new one is added
 * (RTM_NEWADDR with NLM_F_REPLACE: the same address again is no error). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serval-tap-helper.h"

#define V4_PREFIX_MIN 8
#define V6_PREFIX_MIN 32
#define MAX_OWN       64 /* addresses of one family on the device, to remove */

struct cidr
{
  int family;
  unsigned char addr[16];
  unsigned int prefix;
};

static void bad (const char *text, const char *why) __attribute__ ((noreturn));

static void
bad (const char *text, const char *why)
{
  fail (EXIT_BAD_ADDRESS, "“%s” is not an address Serval may give a device: %s", text, why);
}

static const char *
unusable (const struct cidr *c)
{
  static const unsigned char zero[16] = { 0 };
  static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const unsigned char *a = c->addr;

  if (c->family == AF_INET)
    {
      if (a[0] == 0 || a[0] == 127)
        return "it is an unspecified or loopback address";
      if (a[0] >= 224)
        return "it is a multicast, broadcast or reserved address";
      if (a[0] == 169 && a[1] == 254)
        return "it is a link-local address";
      return NULL;
    }
  if (memcmp (a, zero, 15) == 0 && a[15] <= 1)
    return "it is the unspecified or the loopback address";
  if (a[0] == 0xff)
    return "it is a multicast address";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
    return "it is a link-local address, which the kernel gives the device by itself";
  if (memcmp (a, mapped, 12) == 0)
    return "it is an IPv4-mapped address";
  return NULL;
}

static struct cidr
parse_cidr (const char *text)
{
  struct cidr c = { 0 };
  char addr[INET6_ADDRSTRLEN + 1];
  const char *slash = strchr (text, '/'), *why;
  size_t len = slash != NULL ? (size_t) (slash - text) : 0;
  uint32_t prefix, min;

  if (slash == NULL)
    bad (text, "write it with its prefix length, as in 10.77.0.5/24");
  if (len == 0 || len >= sizeof addr)
    bad (text, "the part before “/” is neither an IPv4 nor an IPv6 address");
  memcpy (addr, text, len);
  addr[len] = '\0';
  if (inet_pton (AF_INET, addr, c.addr) == 1)
    c.family = AF_INET;
  else if (inet_pton (AF_INET6, addr, c.addr) == 1)
    c.family = AF_INET6;
  else
    bad (text, "the part before “/” is neither an IPv4 nor an IPv6 address");
  min = c.family == AF_INET ? V4_PREFIX_MIN : V6_PREFIX_MIN;
  if (!parse_u32 (slash + 1, c.family == AF_INET ? 32 : 128, &prefix) || prefix < min)
    fail (EXIT_BAD_ADDRESS, "“%s”: the prefix length must be a number from %u to %u", text, (unsigned) min,
          c.family == AF_INET ? 32u : 128u);
  c.prefix = prefix;
  why = unusable (&c);
  if (why != NULL)
    bad (text, why);
  return c;
}

/* Whether @a and @b agree in their first @bits bits. */
static bool
same_prefix (const unsigned char *a, const unsigned char *b, unsigned int bits)
{
  unsigned int bytes = bits / 8, rest = bits % 8;

  if (memcmp (a, b, bytes) != 0)
    return false;
  return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* One address of a RTM_NEWADDR message: IFA_LOCAL, else IFA_ADDRESS. */
static bool
read_addr (struct nlmsghdr *h, struct cidr *out)
{
  struct ifaddrmsg *ifa = NLMSG_DATA (h);
  int len = (int) (h->nlmsg_len - NLMSG_LENGTH (sizeof *ifa));
  size_t size = ifa->ifa_family == AF_INET ? 4 : 16;
  bool found = false;

  out->family = ifa->ifa_family;
  out->prefix = ifa->ifa_prefixlen;
  for (struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if ((a->rta_type == IFA_LOCAL || (a->rta_type == IFA_ADDRESS && !found)) && RTA_PAYLOAD (a) == size)
      {
        memcpy (out->addr, RTA_DATA (a), size);
        found = true;
      }
  return found;
}

/* What scan() looks for, and what it found. */
struct scan
{
  const struct cidr *c;
  const char *text;
  int ifindex;
  struct cidr *own;
  size_t n_own;
};

static void
scan_address (struct nlmsghdr *h, void *data)
{
  struct scan *sc = data;
  struct ifaddrmsg *ifa = NLMSG_DATA (h);
  struct cidr other;
  char dev[IF_NAMESIZE] = "?", shown[INET6_ADDRSTRLEN] = "?";

  if (h->nlmsg_len < NLMSG_LENGTH (sizeof *ifa) || ifa->ifa_family != sc->c->family || !read_addr (h, &other))
    return;
  if ((int) ifa->ifa_index == sc->ifindex)
    {
      if (ifa->ifa_scope != RT_SCOPE_LINK && sc->n_own < MAX_OWN)
        sc->own[sc->n_own++] = other;
      return;
    }
  if (!same_prefix (sc->c->addr, other.addr, sc->c->prefix < other.prefix ? sc->c->prefix : other.prefix))
    return;
  if_indextoname (ifa->ifa_index, dev);
  inet_ntop (sc->c->family, other.addr, shown, sizeof shown);
  fail (EXIT_ADDRESS_CONFLICT,
        "%s overlaps %s/%u of the device %s: its route would take that device's traffic; "
        "ask the Serval administrator for another subnet for the VLAN",
        sc->text, shown, other.prefix, dev);
}

/* Lists the addresses of @c's family: refuses one of another device whose
 * subnet overlaps @c's; collects the device's own (not link-local) in @own. */
static size_t
scan (const struct cidr *c, const char *text, int ifindex, struct cidr own[MAX_OWN])
{
  struct
  {
    struct nlmsghdr n;
    struct ifaddrmsg a;
  } req = { 0 };
  struct scan sc = { .c = c, .text = text, .ifindex = ifindex, .own = own };

  req.n.nlmsg_len = NLMSG_LENGTH (sizeof req.a);
  req.n.nlmsg_type = RTM_GETADDR;
  req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.n.nlmsg_seq = 4;
  req.a.ifa_family = (unsigned char) c->family;
  nl_dump (&req.n, RTM_NEWADDR, "listing the addresses", scan_address, &sc);
  return sc.n_own;
}

/* RTM_NEWADDR (create or replace) or RTM_DELADDR; returns 0 or an errno. */
static int
change (bool add, int ifindex, const struct cidr *c)
{
  struct
  {
    struct nlmsghdr n;
    struct ifaddrmsg a;
    char attrs[64];
  } req = { 0 };
  char buf[4096];
  size_t size = c->family == AF_INET ? 4 : 16;
  int fd = nl_open ();
  ssize_t r;

  req.n.nlmsg_len = NLMSG_LENGTH (sizeof req.a);
  req.n.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
  req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  req.n.nlmsg_seq = 5;
  req.a.ifa_family = (unsigned char) c->family;
  req.a.ifa_prefixlen = (unsigned char) c->prefix;
  req.a.ifa_index = (unsigned int) ifindex;
  add_attr (&req.n, sizeof req, IFA_LOCAL, c->addr, size);
  add_attr (&req.n, sizeof req, IFA_ADDRESS, c->addr, size);
  if (add && c->family == AF_INET && c->prefix < 31)
    {
      uint32_t host, bcast;

      memcpy (&host, c->addr, 4);
      bcast = htonl (ntohl (host) | (0xffffffffu >> c->prefix));
      add_attr (&req.n, sizeof req, IFA_BROADCAST, &bcast, 4);
    }
  r = nl_talk (fd, &req.n, buf, sizeof buf);
  close (fd);
  return r < 0 ? (int) -r : 0;
}

int
set_address (const char *name, uid_t owner, const char *text)
{
  struct cidr c = parse_cidr (text), own[MAX_OWN];
  struct link_info info = query_link (name);
  size_t n_own;
  int e;

  if (!info.found)
    fail (EXIT_NO_DEVICE, "there is no device “%s” to give an address: create it first", name);
  check_ours (name, &info, owner);
  n_own = scan (&c, text, info.ifindex, own);
  for (size_t i = 0; i < n_own; i++)
    {
      if (own[i].prefix == c.prefix && memcmp (own[i].addr, c.addr, sizeof c.addr) == 0)
        continue;
      e = change (false, info.ifindex, &own[i]);
      if (e != 0 && e != EADDRNOTAVAIL) /* gone with the primary it was a secondary of */
        fail (EXIT_SYSTEM, "removing an old address of “%s” failed (%s)", name, strerror (e));
    }
  e = change (true, info.ifindex, &c);
  if (e != 0)
    fail (EXIT_SYSTEM, "adding %s to “%s” failed (%s)", text, name, strerror (e));
  return EXIT_DONE;
}
