/* serval-tap-helper: makes a TAP device for an unprivileged user, so that the
 * Serval desktop app never runs as root.
 *
 * Usage:
 *   pkexec serval-tap-helper create NAME MTU MAC
 *   pkexec serval-tap-helper address NAME CIDR
 *   pkexec serval-tap-helper delete NAME
 *   serval-tap-helper --owner UID create|delete ...      (root only, without pkexec)
 *
 * It runs as root on the user's say-so, so it is small, uses no library but
 * the C library, reads no environment variable but PKEXEC_UID and trusts
 * none of its arguments:
 *
 * - The owner is the uid in PKEXEC_UID, which pkexec sets to the uid of the
 *   user who ran it. Only root may run the helper without pkexec, and must
 *   then name the owner with --owner UID; --owner together with PKEXEC_UID is
 *   refused (a pkexec caller cannot pick another owner).
 * - NAME matches ^sv-[a-z0-9-]{1,12}$, so the helper can never touch a device
 *   that is not Serval's (eth0, wlan0, ...), and the name fits IFNAMSIZ.
 * - MTU is 576 to 65517: Serval carries Ethernet frames of at most 65535
 *   bytes, and 65517 leaves room for the 14-byte header and an 802.1Q tag.
 * - MAC is six hexadecimal bytes separated by ':', unicast and not zero.
 *
 * "create" makes a persistent TAP device (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) owned by that
 * uid (TUNSETOWNER; no TUNSETGROUP, so the user's group mates cannot use it),
 * gives it the MAC and MTU and brings it up. The owner can then open it
 * without any privilege (serval_tap_attach() in the engine), but cannot
 * change its MAC, MTU or state. If a device of that name exists already and
 * is a TAP device owned by that uid, "create" just sets MAC, MTU and up
 * again; a device of that name owned by anyone else, or of another kind, is
 * refused. A user may own at most 32 Serval (sv-...) TAP devices at a time.
 * What the kernel says about a device (kind, owner) is read through
 * rtnetlink, which always answers for the helper's own network namespace.
 *
 * "address" gives such a device of that uid the IPv4 or IPv6 address CIDR
 * ("10.77.0.5/24", the address the Serval server leased), in place of the
 * device's other addresses of that family (IPv6 link-local ones stay):
 * serval-tap-helper-address.c says what it refuses.
 *
 * "delete" removes a TAP device only if that uid owns it. The Serval app does
 * not need it when it leaves a VLAN: the owner may clear the persistent flag
 * itself, and the device then goes when the app closes it.
 *
 * The polkit action is org.serval.Serval.create-tap
 * (data/polkit/org.serval.Serval.policy.in); its exec.path annotation is the
 * path this program is installed to.
 *
 * Exit codes (pkexec itself exits 126 when the user dismisses its dialog and
 * 127 when authorization fails):
 *   0  done
 *   1  usage: wrong command or number of arguments
 *   2  not allowed: not run as root, or a bad PKEXEC_UID / --owner
 *   3  bad device name
 *   4  bad MTU
 *   5  bad MAC address
 *   6  the device exists and is not this user's TAP device
 *   7  delete: there is no such device
 *   8  the system refused (no /dev/net/tun, netlink or ioctl failure)
 *   9  the user has 32 Serval devices already (in this network namespace)
 *  10  address: a bad address (CIDR)
 *  11  address: the address's subnet overlaps an address of another device
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "serval-tap-helper.h"

#define MTU_MIN       576
#define MTU_MAX       65517
#define NAME_PREFIX   "sv-"
#define NAME_TAIL_MAX 12
/* Each device costs kernel memory: a user who may run the helper without a
 * password must still not be able to make thousands. */
#define MAX_DEVICES 32

void
fail (int code, const char *format, ...)
{
  va_list ap;

  fputs ("serval-tap-helper: ", stderr);
  va_start (ap, format);
  vfprintf (stderr, format, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (code);
}

static void
usage (void)
{
  fail (EXIT_USAGE,
        "usage: serval-tap-helper [--owner UID] create NAME MTU MAC | address NAME CIDR | delete NAME\n"
        "  (normally run by the Serval app through pkexec; see the comment at the top of its source)");
}

bool
parse_u32 (const char *text, uint32_t max, uint32_t *out)
{
  uint64_t v = 0;
  size_t len = strlen (text);

  if (len == 0 || len > 10)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (text[i] < '0' || text[i] > '9')
        return false;
      v = v * 10 + (uint64_t) (text[i] - '0');
    }
  if (v > max)
    return false;
  *out = (uint32_t) v;
  return true;
}

static void
check_name (const char *name)
{
  size_t len = strlen (name);
  size_t tail = len - (len >= strlen (NAME_PREFIX) ? strlen (NAME_PREFIX) : len);

  if (strncmp (name, NAME_PREFIX, strlen (NAME_PREFIX)) != 0 || tail < 1 || tail > NAME_TAIL_MAX)
    goto bad;
  for (size_t i = strlen (NAME_PREFIX); i < len; i++)
    {
      char c = name[i];

      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        goto bad;
    }
  return;
bad:
  fail (EXIT_BAD_NAME,
        "“%s” is not a Serval device name: it must be “sv-” followed by 1 to %d of a-z, 0-9 and “-”",
        name, NAME_TAIL_MAX);
}

static uint32_t
check_mtu (const char *text)
{
  uint32_t mtu;

  if (!parse_u32 (text, MTU_MAX, &mtu) || mtu < MTU_MIN)
    fail (EXIT_BAD_MTU, "MTU “%s” is out of range: give a number from %d to %d (1500 is usual)",
          text, MTU_MIN, MTU_MAX);
  return mtu;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static void
check_mac (const char *text, unsigned char mac[6])
{
  bool zero = true;

  if (strlen (text) != 17)
    goto bad;
  for (int i = 0; i < 6; i++)
    {
      int hi = hex_digit (text[i * 3]), lo = hex_digit (text[i * 3 + 1]);

      if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':'))
        goto bad;
      mac[i] = (unsigned char) (hi << 4 | lo);
      zero = zero && mac[i] == 0;
    }
  if (mac[0] & 1)
    fail (EXIT_BAD_MAC, "MAC address %s is a multicast address: give a unicast one (first byte even)", text);
  if (zero)
    fail (EXIT_BAD_MAC, "MAC address %s is all zeros: give a real unicast address", text);
  return;
bad:
  fail (EXIT_BAD_MAC, "“%s” is not a MAC address: write six hexadecimal bytes as in 02:00:5e:10:00:01", text);
}

/* The uid the device is for: PKEXEC_UID, or --owner when root runs it directly. */
static uid_t
find_owner (const char *owner_arg)
{
  const char *pkexec_uid = getenv ("PKEXEC_UID");
  uint32_t uid;

  if (getuid () != 0 || geteuid () != 0)
    fail (EXIT_NOT_ALLOWED,
          "only root may run this: run it through pkexec (“pkexec %s ...”), as the Serval app does",
          "serval-tap-helper");
  if (pkexec_uid != NULL)
    {
      if (owner_arg != NULL)
        fail (EXIT_NOT_ALLOWED, "--owner cannot be used through pkexec: the owner is always the calling user");
      if (!parse_u32 (pkexec_uid, INT32_MAX, &uid))
        fail (EXIT_NOT_ALLOWED, "PKEXEC_UID “%s” is not a uid: run the helper through pkexec", pkexec_uid);
      return (uid_t) uid;
    }
  if (owner_arg == NULL)
    fail (EXIT_NOT_ALLOWED,
          "not run through pkexec, so say whose device it is: serval-tap-helper --owner UID ...");
  if (!parse_u32 (owner_arg, INT32_MAX, &uid))
    fail (EXIT_NOT_ALLOWED, "--owner “%s” is not a uid: give a number such as 1000", owner_arg);
  return (uid_t) uid;
}

/* ---- rtnetlink ------------------------------------------------------------------- */

int
nl_open (void)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    fail (EXIT_SYSTEM, "cannot open a netlink socket (%s): is this a Linux system with rtnetlink?",
          strerror (errno));
  return fd;
}

void
add_attr (struct nlmsghdr *n, size_t room, unsigned short type, const void *data, size_t len)
{
  struct rtattr *rta = (struct rtattr *) ((char *) n + NLMSG_ALIGN (n->nlmsg_len));

  if (NLMSG_ALIGN (n->nlmsg_len) + RTA_SPACE (len) > room)
    fail (EXIT_SYSTEM, "netlink request too long (a bug: please report it)");
  rta->rta_type = type;
  rta->rta_len = (unsigned short) RTA_LENGTH (len);
  memcpy (RTA_DATA (rta), data, len);
  n->nlmsg_len = (uint32_t) (NLMSG_ALIGN (n->nlmsg_len) + RTA_SPACE (len));
}

ssize_t
nl_talk (int fd, struct nlmsghdr *req, char *buf, size_t size)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  ssize_t n;

  if (sendto (fd, req, req->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
    fail (EXIT_SYSTEM, "sending a netlink request failed (%s)", strerror (errno));
  for (;;)
    {
      n = recv (fd, buf, size, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        fail (EXIT_SYSTEM, "reading the netlink answer failed (%s)", strerror (errno));
      break;
    }
  for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
    {
      if (h->nlmsg_seq != req->nlmsg_seq)
        continue;
      if (h->nlmsg_type == NLMSG_ERROR)
        {
          struct nlmsgerr *e = NLMSG_DATA (h);

          if (h->nlmsg_len < NLMSG_LENGTH (sizeof *e))
            fail (EXIT_SYSTEM, "short netlink error message (a kernel problem?)");
          return e->error; /* 0 is an acknowledgement */
        }
      return n;
    }
  fail (EXIT_SYSTEM, "the kernel did not answer the netlink request");
}

void
nl_dump (struct nlmsghdr *req, unsigned short type, const char *what, void (*each) (struct nlmsghdr *h, void *data),
         void *data)
{
  static char buf[32768];
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  int fd = nl_open ();

  if (sendto (fd, req, req->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
    fail (EXIT_SYSTEM, "%s failed (%s)", what, strerror (errno));
  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        fail (EXIT_SYSTEM, "%s failed (%s)", what, n < 0 ? strerror (errno) : "no answer");
      for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_seq != req->nlmsg_seq)
            continue;
          if (h->nlmsg_type == NLMSG_DONE)
            {
              close (fd);
              return;
            }
          if (h->nlmsg_type == NLMSG_ERROR)
            fail (EXIT_SYSTEM, "%s failed (netlink error)", what);
          if (h->nlmsg_type == type)
            each (h, data);
        }
    }
}

static void
parse_tun_data (struct rtattr *data, struct link_info *info)
{
  int len = RTA_PAYLOAD (data);

  for (struct rtattr *a = RTA_DATA (data); RTA_OK (a, len); a = RTA_NEXT (a, len))
    {
      if (a->rta_type == IFLA_TUN_TYPE && RTA_PAYLOAD (a) >= 1)
        info->is_tap = *(uint8_t *) RTA_DATA (a) == IFF_TAP;
      else if (a->rta_type == IFLA_TUN_OWNER && RTA_PAYLOAD (a) >= 4)
        {
          memcpy (&info->owner, RTA_DATA (a), 4);
          info->has_owner = info->owner != (uint32_t) -1;
        }
    }
}

/* Kind, TUN type, owner and name of one RTM_NEWLINK message. */
static struct link_info
parse_link (struct nlmsghdr *h)
{
  struct link_info info = { 0 };
  struct ifinfomsg *ifi = NLMSG_DATA (h);
  int len = (int) (h->nlmsg_len - NLMSG_LENGTH (sizeof *ifi));

  info.found = true;
  info.ifindex = ifi->ifi_index;
  for (struct rtattr *a = IFLA_RTA (ifi); RTA_OK (a, len); a = RTA_NEXT (a, len))
    {
      int ilen;

      if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD (a) <= sizeof info.name)
        memcpy (info.name, RTA_DATA (a), RTA_PAYLOAD (a));
      if (a->rta_type != IFLA_LINKINFO)
        continue;
      ilen = RTA_PAYLOAD (a);
      for (struct rtattr *b = RTA_DATA (a); RTA_OK (b, ilen); b = RTA_NEXT (b, ilen))
        {
          if (b->rta_type == IFLA_INFO_KIND)
            info.is_tun = RTA_PAYLOAD (b) >= 4 && memcmp (RTA_DATA (b), "tun", 4) == 0;
          else if (b->rta_type == IFLA_INFO_DATA)
            parse_tun_data (b, &info);
        }
    }
  info.name[sizeof info.name - 1] = '\0';
  return info;
}

/* A request about one link (RTM_*LINK), with room for a few attributes. */
struct link_req
{
  struct nlmsghdr n;
  struct ifinfomsg i;
  char attrs[64];
};

static void
link_req_init (struct link_req *req, unsigned short type, unsigned short flags, unsigned int seq)
{
  memset (req, 0, sizeof *req);
  req->n.nlmsg_len = NLMSG_LENGTH (sizeof req->i);
  req->n.nlmsg_type = type;
  req->n.nlmsg_flags = flags;
  req->n.nlmsg_seq = seq;
  req->i.ifi_family = AF_UNSPEC;
}

struct link_info
query_link (const char *name)
{
  struct link_req req;
  static char buf[32768];
  struct link_info none = { 0 };
  struct nlmsghdr *h = (struct nlmsghdr *) buf;
  ssize_t n;
  int fd = nl_open ();

  link_req_init (&req, RTM_GETLINK, NLM_F_REQUEST, 1);
  add_attr (&req.n, sizeof req, IFLA_IFNAME, name, strlen (name) + 1);
  n = nl_talk (fd, &req.n, buf, sizeof buf);
  close (fd);
  if (n == -ENODEV)
    return none;
  if (n < 0)
    fail (EXIT_SYSTEM, "asking the kernel about “%s” failed (%s)", name, strerror ((int) -n));
  if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH (sizeof (struct ifinfomsg)))
    fail (EXIT_SYSTEM, "unexpected netlink answer about “%s”", name);
  return parse_link (h);
}

/* What count_devices() counts: the Serval TAP devices of one owner. */
struct device_count
{
  uid_t owner;
  int count;
};

static void
count_device (struct nlmsghdr *h, void *data)
{
  struct device_count *c = data;
  struct link_info info;

  if (h->nlmsg_len < NLMSG_LENGTH (sizeof (struct ifinfomsg)))
    return;
  info = parse_link (h);
  if (info.is_tun && info.is_tap && info.has_owner && info.owner == (uint32_t) c->owner &&
      strncmp (info.name, NAME_PREFIX, strlen (NAME_PREFIX)) == 0)
    c->count++;
}

/* How many Serval TAP devices (sv-...) @owner has in this network namespace. */
static int
count_devices (uid_t owner)
{
  struct link_req req;
  struct device_count c = { .owner = owner };

  link_req_init (&req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 3);
  nl_dump (&req.n, RTM_NEWLINK, "listing the network devices", count_device, &c);
  return c.count;
}

static void
delete_link (const char *name, int ifindex)
{
  struct link_req req;
  char buf[4096];
  ssize_t n;
  int fd = nl_open ();

  link_req_init (&req, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 2);
  req.i.ifi_index = ifindex;
  n = nl_talk (fd, &req.n, buf, sizeof buf);
  close (fd);
  if (n < 0)
    fail (EXIT_SYSTEM, "deleting “%s” failed (%s)", name, strerror ((int) -n));
}

void
check_ours (const char *name, const struct link_info *info, uid_t owner)
{
  if (!info->is_tun || !info->is_tap)
    fail (EXIT_NOT_OWNER,
          "“%s” exists and is not a TAP device: choose another VLAN device name, or remove it (ip link delete %s)",
          name, name);
  if (!info->has_owner)
    fail (EXIT_NOT_OWNER,
          "the TAP device “%s” exists and has no owner (root made it): it is not yours to use; "
          "have root remove it (ip link delete %s)",
          name, name);
  if (info->owner != (uint32_t) owner)
    fail (EXIT_NOT_OWNER,
          "the TAP device “%s” belongs to uid %u, not to uid %u: choose another name, "
          "or have that user or root remove it",
          name, (unsigned) info->owner, (unsigned) owner);
}

/* ---- create ---------------------------------------------------------------------- */

/* MTU, MAC and IFF_UP; returns 0 or an errno, with *what naming the step. */
static int
configure (const char *name, uint32_t mtu, const unsigned char mac[6], const char **what)
{
  struct ifreq ifr;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int e = 0;

  *what = "opening a configuration socket";
  if (s < 0)
    return errno;
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
  ifr.ifr_mtu = (int) mtu;
  *what = "setting the MTU";
  if (ioctl (s, SIOCSIFMTU, &ifr) < 0)
    goto error;
  /* The kernel makes the IPv6 link-local address from the MAC when the device
   * comes up: a device that is up already goes down for a new MAC, and up again. */
  *what = "reading the MAC address";
  if (ioctl (s, SIOCGIFHWADDR, &ifr) < 0)
    goto error;
  if (memcmp (ifr.ifr_hwaddr.sa_data, mac, 6) != 0)
    {
      *what = "taking the device down";
      if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
        goto error;
      ifr.ifr_flags &= ~IFF_UP;
      if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
        goto error;
    }
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy (ifr.ifr_hwaddr.sa_data, mac, 6);
  *what = "setting the MAC address";
  if (ioctl (s, SIOCSIFHWADDR, &ifr) < 0)
    goto error;
  *what = "bringing the device up";
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    goto error;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    goto error;
  close (s);
  return 0;
error:
  e = errno;
  close (s);
  return e;
}

static int
create (const char *name, uid_t owner, uint32_t mtu, const unsigned char mac[6])
{
  struct link_info info = query_link (name);
  const char *what;
  int e;

  if (!info.found)
    {
      struct ifreq ifr;
      int fd;

      if (count_devices (owner) >= MAX_DEVICES)
        fail (EXIT_TOO_MANY,
              "uid %u has %d Serval devices already, the most it may have: leave a VLAN first, or have root "
              "remove devices it no longer needs (ip link delete sv-...)",
              (unsigned) owner, MAX_DEVICES);
      fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

      if (fd < 0)
        fail (EXIT_SYSTEM, "cannot open /dev/net/tun (%s): load the tun module with “modprobe tun”",
              strerror (errno));
      memset (&ifr, 0, sizeof ifr);
      strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
      /* IFF_TUN_EXCL: never take over a device that appeared since the query. */
      /* IFF_VNET_HDR: the device starts as the engine uses it (offloads); the
       * engine's own TUNSETIFF on attach sets the flags it wants anyway. */
      ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | IFF_VNET_HDR;
      if (ioctl (fd, TUNSETIFF, &ifr) < 0)
        {
          e = errno;
          close (fd);
          if (e != EBUSY)
            fail (EXIT_SYSTEM, "creating the TAP device “%s” failed (%s)", name, strerror (e));
          info = query_link (name); /* someone made it meanwhile: judge that one */
          if (!info.found)
            fail (EXIT_SYSTEM, "the name “%s” is busy but no device has it: try again", name);
        }
      else
        {
          if (ioctl (fd, TUNSETOWNER, (unsigned long) owner) < 0 || ioctl (fd, TUNSETPERSIST, 1UL) < 0)
            {
              e = errno;
              close (fd); /* not persistent yet: closing removes it */
              fail (EXIT_SYSTEM, "making “%s” persistent for uid %u failed (%s)", name, (unsigned) owner,
                    strerror (e));
            }
          e = configure (name, mtu, mac, &what);
          if (e != 0)
            {
              ioctl (fd, TUNSETPERSIST, 0UL);
              close (fd);
              fail (EXIT_SYSTEM, "%s of “%s” failed (%s); the device was removed again", what, name,
                    strerror (e));
            }
          close (fd);
          return EXIT_DONE;
        }
    }
  check_ours (name, &info, owner);
  e = configure (name, mtu, mac, &what);
  if (e != 0)
    fail (EXIT_SYSTEM, "%s of the existing device “%s” failed (%s)", what, name, strerror (e));
  return EXIT_DONE;
}

static int delete (const char *name, uid_t owner)
{
  struct link_info info = query_link (name);

  if (!info.found)
    fail (EXIT_NO_DEVICE, "there is no device “%s” to delete: nothing to do", name);
  check_ours (name, &info, owner);
  delete_link (name, info.ifindex);
  return EXIT_DONE;
}

/* A caller may start us with 0, 1 or 2 closed: then the netlink socket or
 * the TUN descriptor would become "stderr" and get our messages. */
static void
sanitize_fds (void)
{
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl (fd, F_GETFD) < 0 && open ("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
      _exit (EXIT_SYSTEM);
}

int
main (int argc, char **argv)
{
  const char *owner_arg = NULL;
  unsigned char mac[6];
  uint32_t mtu;
  uid_t owner;
  int i = 1;

  sanitize_fds ();

  if (argc >= 3 && strcmp (argv[1], "--owner") == 0)
    {
      owner_arg = argv[2];
      i = 3;
    }
  if (i >= argc)
    usage ();
  owner = find_owner (owner_arg);
  if (strcmp (argv[i], "create") == 0 && argc - i == 4)
    {
      check_name (argv[i + 1]);
      mtu = check_mtu (argv[i + 2]);
      check_mac (argv[i + 3], mac);
      return create (argv[i + 1], owner, mtu, mac);
    }
  if (strcmp (argv[i], "address") == 0 && argc - i == 3)
    {
      check_name (argv[i + 1]);
      return set_address (argv[i + 1], owner, argv[i + 2]);
    }
  if (strcmp (argv[i], "delete") == 0 && argc - i == 2)
    {
      check_name (argv[i + 1]);
      return delete (argv[i + 1], owner);
    }
  usage ();
}
