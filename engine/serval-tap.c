#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-tap.h"
#include "serval-gso.h"
#include "serval-poller.h"
#include "serval-tap-backend.h"
#include "serval-tap-private.h"
#include "serval-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The quark's name is a string, not a subtraction. */
/* clang-format off */
G_DEFINE_QUARK (serval-tap-error-quark, serval_tap_error)
/* clang-format on */

/* Offloads asked of the kernel: partial checksums and TCP segmentation.
 * No UFO/USO: peers without offloads could not be given those in software. */
#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)
#define VNET_HDR_LEN SERVAL_TAP_VNET_HDR_LEN
G_STATIC_ASSERT (sizeof (struct virtio_net_hdr) == VNET_HDR_LEN);

struct _ServalTap
{
  GObject parent_instance;

  int fd;
  char *name;
  guint8 mac[6];
  guint mtu;
  gboolean up;
  GSource *source;
  /* The poller of the source's context: frames read in one pass leave on
   * the links at the end of the pass (serval_poller_batch_begin()). */
  ServalPoller *poller;
  ServalPollerEntry *flush_entry; /* while started, if the backend queues writes */
  ServalTapBackend *base;         /* the device's own, made with it */
  ServalTapBackend *backend;      /* base, or one in front of it while started */
  ServalTapFrameFunc func;
  gpointer func_data;
  gboolean vnet;   /* IFF_VNET_HDR: reads and writes carry the header */
  guint8 *scratch; /* software segmentation when !vnet, made on first use */
  ServalTapCounters counters;
};

G_DEFINE_FINAL_TYPE (ServalTap, serval_tap, G_TYPE_OBJECT)

static void
serval_tap_dispose (GObject *object)
{
  ServalTap *tap = SERVAL_TAP (object);

  serval_tap_stop (tap);
  if (tap->base != NULL)
    tap->base->funcs->free (tap->base);
  tap->base = tap->backend = NULL;
  if (tap->fd >= 0)
    close (tap->fd);
  tap->fd = -1;
  G_OBJECT_CLASS (serval_tap_parent_class)->dispose (object);
}

static void
serval_tap_finalize (GObject *object)
{
  ServalTap *tap = SERVAL_TAP (object);

  g_free (tap->name);
  g_free (tap->scratch);
  G_OBJECT_CLASS (serval_tap_parent_class)->finalize (object);
}

static void
serval_tap_class_init (ServalTapClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = serval_tap_dispose;
  G_OBJECT_CLASS (klass)->finalize = serval_tap_finalize;
}

static void
serval_tap_init (ServalTap *tap)
{
  tap->fd = -1;
}

/* A device for @fd (taken over) whose frames a read() and a write() each move. */
static ServalTap *
tap_new (int fd, const char *name)
{
  ServalTap *tap = g_object_new (SERVAL_TYPE_TAP, NULL);

  tap->fd = fd;
  tap->name = g_strdup (name);
  tap->base = tap->backend = serval_tap_fd_backend_new (tap, fd, &tap->counters);
  return tap;
}

/* @what: a translated sentence with one %s, the device's name. */
static gboolean
set_error_errno (GError **error, int e, const char *name, const char *what)
{
  ServalTapError code = e == EPERM || e == EACCES ? SERVAL_TAP_ERROR_PERMISSION : e == ENOENT || e == ENODEV || e == ENXIO ? SERVAL_TAP_ERROR_NO_DEVICE :
                                                                              e == EBUSY                                   ? SERVAL_TAP_ERROR_BUSY :
                                                                                                                             SERVAL_TAP_ERROR_FAILED;
  const char *hint = code == SERVAL_TAP_ERROR_PERMISSION ? _("it needs the CAP_NET_ADMIN capability, so run it as root") : code == SERVAL_TAP_ERROR_NO_DEVICE ? _("/dev/net/tun is missing, load the tun kernel module with “modprobe tun”") : code == SERVAL_TAP_ERROR_BUSY ? _("another program uses a device of that name; choose another with --tap") : NULL;
  g_autofree char *head = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  head = g_strdup_printf (what, name);
#pragma GCC diagnostic pop
  /* TRANSLATORS: "<what failed> (<the system's reason>): <what to do>", and without what to do */
  g_set_error (error, SERVAL_TAP_ERROR, code, hint != NULL ? _("%s (%s): %s") : _("%s (%s)"), head, g_strerror (e), hint);
  return FALSE;
}

gboolean
serval_tap_offload_wanted (void)
{
  const char *env = g_getenv ("SERVAL_TAP_OFFLOAD");

  return env == NULL || g_strcmp0 (env, "0") != 0;
}

/* The TUNSETIFF flags to open a device with. */
static short
open_flags (void)
{
  return IFF_TAP | IFF_NO_PI | (serval_tap_offload_wanted () ? IFF_VNET_HDR : 0);
}

/* TUNSETIFF; a kernel that refuses IFF_VNET_HDR (EINVAL) gets the call
 * again without it, and setup_offloads() then says offloads are off. */
static int
tunsetiff (int fd, struct ifreq *ifr)
{
  int r = ioctl (fd, TUNSETIFF, ifr);

  if (r < 0 && errno == EINVAL && (ifr->ifr_flags & IFF_VNET_HDR))
    {
      ifr->ifr_flags &= ~IFF_VNET_HDR;
      r = ioctl (fd, TUNSETIFF, ifr);
    }
  return r;
}

/* Opens /dev/net/tun and attaches it to the device @name with TUNSETIFF,
 * filling @ifr. Returns the fd, or -1 with errno set and *@opened saying
 * whether it was the open or TUNSETIFF that failed. */
static int
tun_open (const char *name, struct ifreq *ifr, gboolean *opened)
{
  int fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), e;

  *opened = fd >= 0;
  if (fd < 0)
    return -1;
  memset (ifr, 0, sizeof *ifr);
  ifr->ifr_flags = open_flags ();
  g_strlcpy (ifr->ifr_name, name, IFNAMSIZ);
  if (tunsetiff (fd, ifr) == 0)
    return fd;
  e = errno;
  close (fd);
  errno = e;
  return -1;
}

void
serval_tap_say_once (gboolean *said, const char *format, ...)
{
  va_list args;

  if (*said)
    return;
  *said = TRUE;
  va_start (args, format);
  g_logv (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, format, args);
  va_end (args);
}

/* After TUNSETIFF (by us or whoever handed us @tap->fd): learns whether the
 * file has IFF_VNET_HDR and, if offloads are wanted, turns them on. A kernel
 * or file that cannot is logged once and runs without: one frame per read. */
static void
setup_offloads (ServalTap *tap)
{
  static gboolean said_no_vnet, said_no_offload;
  gboolean wanted = serval_tap_offload_wanted ();
  struct ifreq ifr;
  int hdr = (int) VNET_HDR_LEN;

  memset (&ifr, 0, sizeof ifr);
  tap->vnet = ioctl (tap->fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_VNET_HDR) != 0;
  if (!tap->vnet)
    {
      if (wanted)
        serval_tap_say_once (&said_no_vnet, "The TAP device %s has no vnet header (IFF_VNET_HDR: the program that "
                                            "opened it did not ask, or the kernel cannot): TSO offloads are off and every frame "
                                            "costs a read. Serval works on, slower; for the fast path let Serval open the device "
                                            "itself, or update the kernel",
                             tap->name);
      return;
    }
  if (ioctl (tap->fd, TUNSETVNETHDRSZ, &hdr) < 0)
    g_warning ("Setting the vnet header size of TAP device %s failed (%s); using the kernel's default",
               tap->name, g_strerror (errno));
  if (ioctl (tap->fd, TUNSETOFFLOAD, wanted ? (unsigned long) TAP_OFFLOADS : 0UL) < 0)
    {
      if (wanted)
        serval_tap_say_once (&said_no_offload, "Turning on TSO/checksum offloads on TAP device %s failed (%s): "
                                               "they stay off and every frame costs a read. Serval works on, slower; a newer kernel "
                                               "may allow them",
                             tap->name, g_strerror (errno));
      ioctl (tap->fd, TUNSETOFFLOAD, 0UL);
    }
}

/* Sets MTU, MAC and IFF_UP (unless @bring_up is FALSE: then it only reads),
 * and reads the MAC and MTU back, through an ioctl socket. Setting needs
 * CAP_NET_ADMIN; reading does not. */
static gboolean
configure (ServalTap *tap, guint mtu, const guint8 *mac, gboolean bring_up, GError **error)
{
  struct ifreq ifr;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean ok = FALSE;

  if (s < 0)
    return set_error_errno (error, errno, tap->name, _("Configuring the TAP device “%s” failed"));
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, tap->name, IFNAMSIZ);
  if (!bring_up)
    goto read_back;
  if (mtu > 0)
    {
      ifr.ifr_mtu = mtu;
      if (ioctl (s, SIOCSIFMTU, &ifr) < 0)
        {
          set_error_errno (error, errno, tap->name, _("Setting the MTU of the TAP device “%s” failed"));
          goto out;
        }
    }
  if (mac != NULL)
    {
      /* Down for a new MAC: the IPv6 link-local address is made from it at IFF_UP. */
      if (ioctl (s, SIOCGIFHWADDR, &ifr) == 0 && memcmp (ifr.ifr_hwaddr.sa_data, mac, 6) != 0 &&
          ioctl (s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) != 0)
        {
          ifr.ifr_flags &= ~IFF_UP;
          (void) ioctl (s, SIOCSIFFLAGS, &ifr); /* if it fails, setting the MAC says why */
        }
      ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
      memcpy (ifr.ifr_hwaddr.sa_data, mac, 6);
      if (ioctl (s, SIOCSIFHWADDR, &ifr) < 0)
        {
          set_error_errno (error, errno, tap->name, _("Setting the MAC address of the TAP device “%s” failed"));
          goto out;
        }
    }
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    {
      set_error_errno (error, errno, tap->name, _("Reading the flags of the TAP device “%s” failed"));
      goto out;
    }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    {
      set_error_errno (error, errno, tap->name, _("Bringing up the TAP device “%s” failed"));
      goto out;
    }
read_back:
  if (ioctl (s, SIOCGIFHWADDR, &ifr) < 0)
    {
      set_error_errno (error, errno, tap->name, _("Reading the address of the TAP device “%s” failed"));
      goto out;
    }
  memcpy (tap->mac, ifr.ifr_hwaddr.sa_data, 6);
  if (ioctl (s, SIOCGIFMTU, &ifr) == 0)
    tap->mtu = ifr.ifr_mtu;
  if (ioctl (s, SIOCGIFFLAGS, &ifr) == 0)
    tap->up = (ifr.ifr_flags & IFF_UP) != 0;
  ok = TRUE;
out:
  close (s);
  return ok;
}

ServalTap *
serval_tap_new (const char *name, guint mtu, GError **error)
{
  return serval_tap_new_with_mac (name, mtu, NULL, error);
}

static ServalTap *new_from_fd (int fd, const char *name, GError **error);

ServalTap *
serval_tap_new_with_mac (const char *name, guint mtu, const guint8 mac[6], GError **error)
{
  struct ifreq ifr;
  gboolean opened;
  int fd;

  if (name == NULL || *name == '\0' || strlen (name) >= IFNAMSIZ)
    {
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
                   _("“%s” cannot name a network device: use 1 to %d bytes"), name ? name : "", IFNAMSIZ - 1);
      return NULL;
    }
  fd = tun_open (name, &ifr, &opened);
  if (fd < 0)
    {
      set_error_errno (error, errno, name, opened ? _("Creating the TAP device “%s” failed") : _("Opening /dev/net/tun for the TAP device “%s” failed"));
      return NULL;
    }
  {
    ServalTap *tap = new_from_fd (fd, ifr.ifr_name, error);

    if (tap != NULL && (mtu > 0 || mac != NULL) && !configure (tap, mtu, mac, TRUE, error))
      g_clear_object (&tap);
    return tap;
  }
}

/* Wraps an opened TAP fd (taken over: closed also when this fails), made
 * non-blocking, with offloads if it has the vnet header and they are
 * wanted; brings the device up and reads its MAC and MTU. */
static ServalTap *
new_from_fd (int fd, const char *name, GError **error)
{
  ServalTap *tap = tap_new (fd, name);

  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  setup_offloads (tap);
  if (!configure (tap, 0, NULL, TRUE, error))
    {
      g_object_unref (tap);
      return NULL;
    }
  return tap;
}

ServalTap *
serval_tap_new_for_socket (int fd, const char *name, const guint8 mac[6], guint mtu, gboolean vnet)
{
  ServalTap *tap = g_object_new (SERVAL_TYPE_TAP, NULL);

  tap->fd = fd;
  tap->name = g_strdup (name);
  memcpy (tap->mac, mac, 6);
  tap->mtu = mtu;
  tap->up = TRUE;
  tap->vnet = vnet;
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  tap->base = tap->backend = serval_tap_socket_backend_new (tap, fd, &tap->counters);
  return tap;
}

/* The owner uid of a TUN/TAP device as sysfs shows it ("-1": none), for messages. */
static char *
read_owner (const char *name)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/owner", name);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    /* Translators: an owner uid that cannot be read, in "its owner is uid %s". */
    return g_strdup (_("unknown"));
  return g_strstrip (text);
}

static gboolean
device_exists (const char *name)
{
  struct ifreq ifr;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean found;

  if (s < 0)
    return FALSE; /* cannot tell: refuse rather than risk creating it */
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  found = ioctl (s, SIOCGIFINDEX, &ifr) == 0;
  close (s);
  return found;
}

ServalTap *
serval_tap_attach (const char *name, GError **error)
{
  struct ifreq ifr;
  ServalTap *tap;
  gboolean opened;
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL || *name == '\0' || strlen (name) >= IFNAMSIZ || strchr (name, '/') != NULL)
    {
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
                   _("“%s” cannot name a network device: use 1 to %d bytes and no “/”"),
                      name ? name : "", IFNAMSIZ - 1);
      return NULL;
    }
  /* TUNSETIFF would create a missing device for a caller with CAP_NET_ADMIN:
   * attaching must never do that, so look first. */
  if (!device_exists (name))
    {
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION,
                   _("There is no network device “%s”: it must be prepared first, by serval-tap-helper "
                   "(the Serval app runs it through pkexec) or by root with "
                   "“ip tuntap add dev %s mode tap user %s”"),
                      name, name, g_get_user_name ());
      return NULL;
    }
  fd = tun_open (name, &ifr, &opened);
  if (fd < 0)
    {
      int e = errno;

      if (!opened && (e == EACCES || e == EPERM))
        g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION,
                     _("Opening /dev/net/tun for “%s” failed (%s): your user may not use TUN/TAP devices; "
                     "ask the administrator to make /dev/net/tun readable and writable for all "
                     "(mode 0666, the default of most distributions)"),
                        name, g_strerror (e));
      else if (!opened)
        set_error_errno (error, e, name, _("Opening /dev/net/tun for the TAP device “%s” failed"));
      else if (e == EPERM || e == EACCES)
        {
          g_autofree char *owner = read_owner (name);

          g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION,
                       _("The TAP device “%s” is not yours (its owner is uid %s, you are uid %u): "
                       "choose another name, or have root delete it with “ip link delete %s”"),
                          name, owner, (unsigned) getuid (), name);
        }
      else if (e == EINVAL)
        g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_BUSY,
                     _("The network device “%s” is not a TAP device: choose another name, "
                     "or have root delete it with “ip link delete %s”"),
                        name, name);
      else if (e == EBUSY)
        g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_BUSY,
                     _("The TAP device “%s” is in use by another program (is Serval running twice?): "
                     "quit that program, or choose another name"),
                        name);
      else
        set_error_errno (error, e, name, _("Attaching to the TAP device “%s” failed"));
      return NULL;
    }
  tap = tap_new (fd, ifr.ifr_name);
  setup_offloads (tap);
  if (!configure (tap, 0, NULL, FALSE, error))
    g_clear_object (&tap);
  return tap;
}

gboolean
serval_tap_set_persistent (ServalTap *tap, gboolean persistent, GError **error)
{
  g_return_val_if_fail (SERVAL_IS_TAP (tap), FALSE);

  if (tap->fd < 0 || ioctl (tap->fd, TUNSETPERSIST, persistent ? 1L : 0L) < 0)
    return set_error_errno (error, tap->fd < 0 ? EBADF : errno, tap->name,
                            persistent ? _("Making the TAP device “%s” persistent failed") : _("Making the TAP device “%s” non-persistent failed"));
  return TRUE;
}

gboolean
serval_tap_get_up (ServalTap *tap)
{
  return tap->up;
}
gboolean
serval_tap_get_io_uring_reads (ServalTap *tap)
{
  return tap->backend != NULL && serval_tap_uring_backend_reads (tap->backend);
}
const char *
serval_tap_get_name (ServalTap *tap)
{
  return tap->name;
}
guint
serval_tap_get_mtu (ServalTap *tap)
{
  return tap->mtu;
}
guint64
serval_tap_get_rx_frames (ServalTap *tap)
{
  return tap->counters.rx_frames;
}
guint64
serval_tap_get_rx_gso_frames (ServalTap *tap)
{
  return tap->counters.rx_gso_frames;
}
guint64
serval_tap_get_tx_frames (ServalTap *tap)
{
  return tap->counters.tx_frames;
}
guint64
serval_tap_get_tx_dropped (ServalTap *tap)
{
  return tap->counters.tx_dropped;
}

void
serval_tap_get_mac (ServalTap *tap, guint8 mac[6])
{
  memcpy (mac, tap->mac, 6);
}

void
serval_tap_set_frame_func (ServalTap *tap, ServalTapFrameFunc func, gpointer user_data)
{
  tap->func = func;
  tap->func_data = user_data;
}

/* One frame as read from the device (with its virtio header if tap->vnet). */
void
serval_tap_backend_take_frame (ServalTap *tap, const guint8 *buf, gsize n)
{
  ServalFrame frame = { buf, n, 0, NULL };

  tap->counters.rx_frames++;
  if (tap->vnet)
    {
      struct virtio_net_hdr vh;
      ServalOffload off;

      if (n <= VNET_HDR_LEN + 14 || n >= SERVAL_TAP_BUFFER)
        return; /* cannot happen with a working kernel */
      memcpy (&vh, buf, sizeof vh);
      /* Host order: a legacy header on a file without TUNSETVNETBE/LE. */
      off.flags = vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM; /* never DATA_VALID */
      off.gso_type = vh.gso_type;
      off.hdr_len = vh.hdr_len;
      off.gso_size = vh.gso_size;
      off.csum_start = vh.csum_start;
      off.csum_offset = vh.csum_offset;
      frame.data = buf + VNET_HDR_LEN;
      frame.len = n - VNET_HDR_LEN;
      if (serval_offload_needs_work (&off))
        {
          frame.offload = &off;
          if ((off.gso_type & ~SERVAL_GSO_ECN) != SERVAL_GSO_NONE)
            tap->counters.rx_gso_frames++;
        }
      if (tap->func != NULL)
        tap->func (tap, &frame, tap->func_data);
    }
  else if (tap->func != NULL)
    tap->func (tap, &frame, tap->func_data);
}

/* The device's GSource. Unlike g_unix_fd_source_new()'s, it may recurse:
 * GLib blocks a source that may not for each dispatch by taking its fd out
 * of the context and putting it back, and each of the two signals the
 * context's wake-up eventfd (two write()s per wake-up, and a poll() that
 * returns at once for nothing). The reads guard themselves instead: a
 * main loop run from a frame callback leaves the device out of its poll
 * until the outer read pass ends. */
typedef struct
{
  GSource source;
  ServalTap *tap; /* not a reference: the tap destroys the source first */
  gpointer tag;
  gboolean reading;
  gboolean nested_blocked;
} TapSource;

static gboolean
backend_pending (ServalTapBackend *backend)
{
  return backend->funcs->pending != NULL && backend->funcs->pending (backend);
}

/* In a loop run from a frame callback: the device is left out of its poll. */
static void
tap_source_block_nested (TapSource *ts)
{
  if (ts->nested_blocked)
    return;
  ts->nested_blocked = TRUE;
  g_source_modify_unix_fd (&ts->source, ts->tag, 0);
}

static gboolean
tap_source_prepare (GSource *source, int *timeout)
{
  TapSource *ts = (TapSource *) source;

  *timeout = -1;
  if (ts->reading)
    tap_source_block_nested (ts);
  return !ts->reading && backend_pending (ts->tap->backend);
}

static gboolean
tap_source_check (GSource *source)
{
  TapSource *ts = (TapSource *) source;

  if (ts->reading)
    return FALSE;
  return backend_pending (ts->tap->backend) ||
         (g_source_query_unix_fd (source, ts->tag) & (G_IO_IN | G_IO_ERR | G_IO_HUP)) != 0;
}

static gboolean
tap_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  TapSource *ts = (TapSource *) source;
  g_autoptr(ServalPoller) poller = NULL;
  g_autoptr(ServalTap) tap = NULL;

  if (ts->reading)
    {
      tap_source_block_nested (ts);
      return G_SOURCE_CONTINUE;
    }
  /* A frame callback may stop the device (and drop its poller) or drop
   * the last reference to it. */
  tap = g_object_ref (ts->tap);
  poller = serval_poller_ref (tap->poller);
  ts->reading = TRUE;
  serval_poller_batch_begin (poller);
  tap->backend->funcs->read_pass (tap->backend);
  serval_poller_batch_end (poller);
  ts->reading = FALSE;
  if (ts->nested_blocked)
    {
      ts->nested_blocked = FALSE;
      if (!g_source_is_destroyed (source))
        g_source_modify_unix_fd (source, ts->tag, G_IO_IN);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs tap_source_funcs = {
  .prepare = tap_source_prepare,
  .check = tap_source_check,
  .dispatch = tap_source_dispatch,
};

static void
flush_cb (gpointer user_data)
{
  ServalTap *tap = user_data;

  tap->backend->funcs->flush (tap->backend);
}

static const ServalPollerFuncs flush_poller_funcs = {
  .flush = flush_cb,
};

gboolean
serval_tap_backend_reading (ServalTap *tap)
{
  return tap->source != NULL;
}

void
serval_tap_backend_queued (ServalTap *tap)
{
  serval_poller_mark_dirty (tap->flush_entry);
}

void
serval_tap_start (ServalTap *tap)
{
  ServalTapBackend *front = NULL;
  TapSource *ts;

  if (tap->source != NULL || tap->fd < 0)
    return;
  tap->poller = serval_poller_ref_for_context (g_main_context_get_thread_default ());
  if (tap->base->funcs->start != NULL)
    front = tap->base->funcs->start (tap->base);
  tap->backend = front != NULL ? front : tap->base;
  if (tap->backend->funcs->flush != NULL)
    tap->flush_entry = serval_poller_add (tap->poller, -1, &flush_poller_funcs, tap, NULL);
  tap->source = g_source_new (&tap_source_funcs, sizeof (TapSource));
  g_source_set_static_name (tap->source, "ServalTap");
  ts = (TapSource *) tap->source;
  ts->tap = tap;
  ts->tag = g_source_add_unix_fd (tap->source, tap->fd, G_IO_IN);
  g_source_set_can_recurse (tap->source, TRUE);
  g_source_attach (tap->source, g_main_context_get_thread_default ());
}

void
serval_tap_stop (ServalTap *tap)
{
  if (tap->source == NULL)
    return;
  serval_clear_source (&tap->source);
  if (tap->backend != tap->base)
    tap->backend->funcs->free (tap->backend);
  tap->backend = tap->base;
  g_clear_pointer (&tap->flush_entry, serval_poller_remove);
  g_clear_pointer (&tap->poller, serval_poller_unref);
}

/* Hands one frame (after its virtio header, if @vh) to the device. */
static gboolean
put_frame (ServalTap *tap, const struct virtio_net_hdr *vh, const guint8 *frame, gsize len)
{
  return tap->backend->funcs->write (tap->backend, vh, vh != NULL ? VNET_HDR_LEN : 0, frame, len);
}

static void
write_plain_cb (const ServalFrame *frame, gpointer user_data)
{
  put_frame (user_data, NULL, frame->data, frame->len);
}

gboolean
serval_tap_write_frame (ServalTap *tap, const ServalFrame *frame)
{
  const ServalOffload *off = frame->offload;
  guint64 before = tap->counters.tx_dropped;

  if (tap->fd < 0)
    {
      tap->counters.tx_dropped++;
      return FALSE;
    }
  if (tap->vnet)
    {
      struct virtio_net_hdr vh = { 0 };

      if (off != NULL)
        {
          vh.flags = off->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
          vh.gso_type = off->gso_type;
          vh.hdr_len = off->hdr_len;
          vh.gso_size = off->gso_size;
          vh.csum_start = off->csum_start;
          vh.csum_offset = off->csum_offset;
        }
      return put_frame (tap, &vh, frame->data, frame->len);
    }
  if (!serval_offload_needs_work (off))
    return put_frame (tap, NULL, frame->data, frame->len);
  if (serval_frame_deliver (frame, FALSE, &tap->scratch, write_plain_cb, tap, NULL) != SERVAL_GSO_OK)
    {
      tap->counters.tx_dropped++;
      return FALSE;
    }
  return tap->counters.tx_dropped == before;
}

gboolean
serval_tap_write (ServalTap *tap, const guint8 *frame, gsize len)
{
  ServalFrame plain = { frame, len, 0, NULL };

  return serval_tap_write_frame (tap, &plain);
}
