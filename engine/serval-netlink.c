/* serval-netlink.c: rtnetlink by hand. One socket per request, one request
 * with NLM_F_ACK, and the kernel's answer read back: an NLMSG_ERROR whose
 * error is 0 (the acknowledgement) or -errno, or for RTM_GETLINK the link
 * itself. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-netlink.h"
#include "serval-tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQ_ROOM 512

typedef struct
{
  struct nlmsghdr n;
  char body[REQ_ROOM];
} Req;

/* --- addresses as text ----------------------------------------------------- */

/* The text form, "10.77.0.5/24". */
static char *
serval_cidr_to_string (const ServalCidr *cidr)
{
  char text[INET6_ADDRSTRLEN];

  inet_ntop (cidr->family, cidr->addr, text, sizeof text);
  return g_strdup_printf ("%s/%u", text, cidr->prefix);
}

/* --- requests -------------------------------------------------------------- */

static void
req_init (Req *req, guint16 type, guint16 flags, gsize fixed)
{
  memset (req, 0, sizeof *req);
  req->n.nlmsg_len = NLMSG_LENGTH (fixed);
  req->n.nlmsg_type = type;
  req->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  req->n.nlmsg_seq = 1;
}

static struct rtattr *
req_attr (Req *req, guint16 type, const void *data, gsize len)
{
  struct rtattr *rta = (struct rtattr *) ((char *) &req->n + NLMSG_ALIGN (req->n.nlmsg_len));

  g_assert (NLMSG_ALIGN (req->n.nlmsg_len) + RTA_SPACE (len) <= sizeof *req);
  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH (len);
  if (len > 0)
    memcpy (RTA_DATA (rta), data, len);
  req->n.nlmsg_len = NLMSG_ALIGN (req->n.nlmsg_len) + RTA_SPACE (len);
  return rta;
}

/* Closes a nest opened with req_attr (req, type, NULL, 0). */
static void
req_nest_end (Req *req, struct rtattr *nest)
{
  nest->rta_len = (char *) &req->n + req->n.nlmsg_len - (char *) nest;
}

#define ANSWER_ROOM 16384 /* a link with all its attributes takes a few KiB */

/* Sends @req and reads the answer. Returns 0 (acknowledged), -errno, or 1
 * with the first message of the answer copied to @answer, ANSWER_ROOM
 * bytes (RTM_GETLINK). */
static int
talk (Req *req, struct nlmsghdr *answer)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  char buf[ANSWER_ROOM] __attribute__ ((aligned (NLMSG_ALIGNTO)));
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), result = -EPROTO;
  ssize_t n;

  if (fd < 0)
    return -errno;
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 ||
      sendto (fd, req, req->n.nlmsg_len, 0, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      result = -errno;
      goto out;
    }
  do
    n = recv (fd, buf, sizeof buf, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      result = -errno;
      goto out;
    }
  for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK (h, (gsize) n); h = NLMSG_NEXT (h, n))
    {
      if (h->nlmsg_seq != req->n.nlmsg_seq)
        continue;
      if (h->nlmsg_type == NLMSG_ERROR)
        {
          const struct nlmsgerr *e = NLMSG_DATA (h);

          result = h->nlmsg_len >= NLMSG_LENGTH (sizeof *e) ? e->error : -EPROTO;
          break;
        }
      if (answer != NULL && h->nlmsg_len <= ANSWER_ROOM)
        {
          memcpy (answer, h, h->nlmsg_len);
          result = 1;
        }
      break;
    }
out:
  close (fd);
  return result;
}

/* @what: a translated sentence with the parts of the request, already
 * filled in ("Cannot add 10.77.0.5/24 to sv-blue"). */
static gboolean
fail (GError **error, int e, const char *what)
{
  ServalTapError code = e == EPERM || e == EACCES ? SERVAL_TAP_ERROR_PERMISSION : e == ENODEV ? SERVAL_TAP_ERROR_NO_DEVICE :
                                                                              e == EBUSY      ? SERVAL_TAP_ERROR_BUSY :
                                                                                                SERVAL_TAP_ERROR_FAILED;
  const char *hint = code == SERVAL_TAP_ERROR_PERMISSION ? _("run as root, or through the Serval helper") : code == SERVAL_TAP_ERROR_NO_DEVICE ? _("the device is gone; check its name with “ip link”") : e == EEXIST ? _("a device or address of that name is there already") : _("the kernel's log (“dmesg”) may say more");

  /* TRANSLATORS: "<what failed>: <the system's reason> (<what to do>)" */
  g_set_error (error, SERVAL_TAP_ERROR, code, _("%s: %s (%s)"), what, g_strerror (e), hint);
  return FALSE;
}

/* Sends @req: %TRUE if the kernel agreed, else %FALSE with @error set
 * from its errno and @what. */
static gboolean
talk_or_fail (Req *req, const char *what, GError **error)
{
  int e = talk (req, NULL);

  return e == 0 || fail (error, -e, what);
}

static int
index_of (const char *ifname)
{
  return ifname != NULL ? (int) if_nametoindex (ifname) : 0;
}

static gboolean
no_device (GError **error, const char *what)
{
  return fail (error, ENODEV, what);
}

gboolean
serval_netlink_address (gboolean add, const char *ifname, const ServalCidr *cidr, GError **error)
{
  g_autofree char *text = serval_cidr_to_string (cidr);
  g_autofree char *what = add ? g_strdup_printf (_("Cannot add %s to %s"), text, ifname) : g_strdup_printf (_("Cannot remove %s from %s"), text, ifname);
  gsize len = cidr->family == AF_INET ? 4 : 16;
  struct ifaddrmsg *ifa;
  Req req;
  int index = index_of (ifname);

  if (index == 0)
    return no_device (error, what);
  req_init (&req, add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof *ifa);
  ifa = NLMSG_DATA (&req.n);
  ifa->ifa_family = cidr->family;
  ifa->ifa_prefixlen = cidr->prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = index;
  req_attr (&req, IFA_LOCAL, cidr->addr, len);
  req_attr (&req, IFA_ADDRESS, cidr->addr, len);
  if (cidr->family == AF_INET && cidr->prefix < 31)
    {
      guint32 host, bcast;

      memcpy (&host, cidr->addr, 4);
      bcast = htonl (ntohl (host) | (0xffffffffu >> cidr->prefix));
      req_attr (&req, IFA_BROADCAST, &bcast, 4);
    }
  return talk_or_fail (&req, what, error);
}

/* Reads the attributes of one RTM_NEWLINK message into @info. */
static void
parse_link (const struct nlmsghdr *h, ServalLinkInfo *info)
{
  const struct ifinfomsg *ifi = NLMSG_DATA (h);
  int len = (int) h->nlmsg_len - (int) NLMSG_LENGTH (sizeof *ifi);

  memset (info, 0, sizeof *info);
  info->index = ifi->ifi_index;
  info->up = (ifi->ifi_flags & IFF_UP) != 0;
  for (const struct rtattr *a = IFLA_RTA (ifi); RTA_OK (a, len); a = RTA_NEXT (a, len))
    {
      int ilen = (int) RTA_PAYLOAD (a);

      if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD (a) >= 4)
        memcpy (&info->master, RTA_DATA (a), 4);
      if (a->rta_type != IFLA_LINKINFO)
        continue;
      for (const struct rtattr *b = RTA_DATA (a); RTA_OK (b, ilen); b = RTA_NEXT (b, ilen))
        if (b->rta_type == IFLA_INFO_KIND)
          {
            gsize n = MIN (sizeof info->kind - 1, RTA_PAYLOAD (b));

            memcpy (info->kind, RTA_DATA (b), n);
            info->kind[n] = '\0';
          }
    }
}

gboolean
serval_netlink_link_get (const char *ifname, ServalLinkInfo *info, GError **error)
{
  g_autofree char *what = g_strdup_printf (_("Cannot read what the kernel knows of %s"), ifname);
  guint64 room[ANSWER_ROOM / sizeof (guint64)];
  struct nlmsghdr *answer = (struct nlmsghdr *) room;
  Req req;
  int e;

  req_init (&req, RTM_GETLINK, 0, sizeof (struct ifinfomsg));
  req.n.nlmsg_flags &= ~NLM_F_ACK;
  ((struct ifinfomsg *) NLMSG_DATA (&req.n))->ifi_family = AF_UNSPEC;
  req_attr (&req, IFLA_IFNAME, ifname, strlen (ifname) + 1);
  e = talk (&req, answer);
  if (e == 1 && answer->nlmsg_type == RTM_NEWLINK && answer->nlmsg_len >= NLMSG_LENGTH (sizeof (struct ifinfomsg)))
    {
      parse_link (answer, info);
      return TRUE;
    }
  return fail (error, e < 0 ? -e : EPROTO, what);
}

/* Starts an RTM_NEWLINK or RTM_DELLINK for @ifname's index (@what names
 * the request for the error when there is no such device). */
static gboolean
link_req (Req *req, guint16 type, const char *ifname, const char *what, GError **error)
{
  struct ifinfomsg *ifi;
  int index = index_of (ifname);

  if (index == 0)
    return no_device (error, what);
  req_init (req, type, 0, sizeof *ifi);
  ifi = NLMSG_DATA (&req->n);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return TRUE;
}

gboolean
serval_netlink_bridge_add (const char *name, GError **error)
{
  g_autofree char *what = g_strdup_printf (_("Cannot create the bridge %s"), name);
  struct rtattr *info;
  Req req;

  req_init (&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof (struct ifinfomsg));
  ((struct ifinfomsg *) NLMSG_DATA (&req.n))->ifi_family = AF_UNSPEC;
  req_attr (&req, IFLA_IFNAME, name, strlen (name) + 1);
  info = req_attr (&req, IFLA_LINKINFO, NULL, 0);
  req_attr (&req, IFLA_INFO_KIND, "bridge", strlen ("bridge"));
  req_nest_end (&req, info);
  return talk_or_fail (&req, what, error);
}

gboolean
serval_netlink_link_delete (const char *ifname, GError **error)
{
  g_autofree char *what = g_strdup_printf (_("Cannot delete the device %s"), ifname);
  Req req;

  if (!link_req (&req, RTM_DELLINK, ifname, what, error))
    return FALSE;
  return talk_or_fail (&req, what, error);
}

gboolean
serval_netlink_set_master (const char *ifname, const char *master, GError **error)
{
  g_autofree char *what = master != NULL ? g_strdup_printf (_("Cannot put %s into the bridge %s"), ifname, master) : g_strdup_printf (_("Cannot take %s out of its bridge"), ifname);
  guint32 index = master != NULL ? (guint32) index_of (master) : 0;
  Req req;

  if (master != NULL && index == 0)
    return no_device (error, what);
  if (!link_req (&req, RTM_NEWLINK, ifname, what, error))
    return FALSE;
  req_attr (&req, IFLA_MASTER, &index, sizeof index);
  return talk_or_fail (&req, what, error);
}

gboolean
serval_netlink_set_up (const char *ifname, GError **error)
{
  g_autofree char *what = g_strdup_printf (_("Cannot bring %s up"), ifname);
  struct ifinfomsg *ifi;
  Req req;

  if (!link_req (&req, RTM_NEWLINK, ifname, what, error))
    return FALSE;
  ifi = NLMSG_DATA (&req.n);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return talk_or_fail (&req, what, error);
}
