#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-tap.h"
#include "serval-gso.h"
#include "serval-poller.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <ifaddrs.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <liburing.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

G_DEFINE_QUARK (serval-tap-error-quark, serval_tap_error)

#define MAX_READS_PER_WAKEUP 64
/* With GSO frames 64 reads could queue 4 MiB on the link, over its data
 * queue limit (SERVAL_LINK_DATA_QUEUE_LIMIT, 2 MiB) before it flushes: stop
 * reading for this wake-up after this many bytes. */
#define MAX_BYTES_PER_WAKEUP (1024 * 1024)
/* With IFF_VNET_HDR a read carries a struct virtio_net_hdr and then a GSO
 * frame of up to 64 KiB (the device's gso_max_size). */
#define VNET_HDR_LEN ((gsize) sizeof (struct virtio_net_hdr))
#define TAP_BUFFER (VNET_HDR_LEN + 65536 + 64)
/* Offloads asked of the kernel: partial checksums and TCP segmentation.
 * No UFO/USO: peers without offloads could not be given those in software. */
#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

/* Write slots for frames of up to RING_SLOT bytes with their header. */
#define RING_SLOTS 64
#define RING_SLOT 2048

/* A frame written to the device cost a write() of its own, and a system
 * call costs ~1.1 us on this machine kind: two thirds of a receiving
 * client's CPU time per 64-byte frame. Frames for the device are copied
 * into write slots of an io_uring and leave together in one
 * io_uring_enter() when the poller's pass ends (frames larger than a slot,
 * GSO frames, are written at once, after what is queued). Reads go
 * through a ring of their own (below). Where io_uring is refused (a
 * container's seccomp filter, kernel.io_uring_disabled) or
 * SERVAL_TAP_URING=0, write() and read() do it as before;
 * SERVAL_TAP_URING=write keeps the write ring only. */
typedef struct
{
  struct io_uring tx;
  guint8 *tx_slots;            /* RING_SLOTS x RING_SLOT */
  guint tx_queued;             /* slots [0, tx_queued) wait for ring_flush_tx() */
  ServalPollerEntry *entry;    /* its flush() submits the queued writes */
} TapRing;

typedef struct _TapRx TapRx;

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
  TapRing *ring;             /* NULL: read() and write() */
  TapRx *rx;                 /* NULL: read() */
  ServalTapFrameFunc func;
  gpointer func_data;
  guint8 *buf;
  gboolean vnet;             /* IFF_VNET_HDR: reads and writes carry the header */
  ServalOffload rx_offload;  /* of the frame being passed to func */
  gboolean rx_offload_valid;
  guint8 *scratch;           /* software segmentation when !vnet, made on first use */
  guint64 rx_frames;
  guint64 rx_gso_frames;
  guint64 tx_unsegmentable;
  guint64 tx_frames;
  guint64 tx_dropped;
};

G_DEFINE_FINAL_TYPE (ServalTap, serval_tap, G_TYPE_OBJECT)

static void
serval_tap_dispose (GObject *object)
{
  ServalTap *tap = SERVAL_TAP (object);

  serval_tap_stop (tap);
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
  g_free (tap->buf);
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
  tap->buf = g_malloc (TAP_BUFFER);
}

static gboolean
set_error_errno (GError **error, int e, const char *name, const char *what)
{
  ServalTapError code = SERVAL_TAP_ERROR_FAILED;
  const char *hint = "";

  if (e == EPERM || e == EACCES)
    {
      code = SERVAL_TAP_ERROR_PERMISSION;
      hint = ": it needs the CAP_NET_ADMIN capability, so run it as root";
    }
  else if (e == ENOENT || e == ENODEV || e == ENXIO)
    {
      code = SERVAL_TAP_ERROR_NO_DEVICE;
      hint = ": /dev/net/tun is missing, load the tun kernel module with “modprobe tun”";
    }
  else if (e == EBUSY)
    {
      code = SERVAL_TAP_ERROR_BUSY;
      hint = ": another program uses a device of that name; choose another with --tap";
    }
  g_set_error (error, SERVAL_TAP_ERROR, code, _("%s TAP device “%s” failed (%s)%s"), what, name,
               g_strerror (e), hint);
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

static void
say_once (gboolean *said, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
say_once (gboolean *said, const char *format, ...)
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
        say_once (&said_no_vnet, "The TAP device %s has no vnet header (IFF_VNET_HDR: the program that "
                  "opened it did not ask, or the kernel cannot): TSO offloads are off and every frame "
                  "costs a read. Serval works on, slower; for the fast path let Serval open the device "
                  "itself, or update the kernel", tap->name);
      return;
    }
  if (ioctl (tap->fd, TUNSETVNETHDRSZ, &hdr) < 0)
    g_warning ("Setting the vnet header size of TAP device %s failed (%s); using the kernel's default",
               tap->name, g_strerror (errno));
  if (ioctl (tap->fd, TUNSETOFFLOAD, wanted ? (unsigned long) TAP_OFFLOADS : 0UL) < 0)
    {
      if (wanted)
        say_once (&said_no_offload, "Turning on TSO/checksum offloads on TAP device %s failed (%s): "
                  "they stay off and every frame costs a read. Serval works on, slower; a newer kernel "
                  "may allow them", tap->name, g_strerror (errno));
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
    return set_error_errno (error, errno, tap->name, "Configuring");
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, tap->name, IFNAMSIZ);
  if (!bring_up)
    goto read_back;
  if (mtu > 0)
    {
      ifr.ifr_mtu = mtu;
      if (ioctl (s, SIOCSIFMTU, &ifr) < 0)
        {
          set_error_errno (error, errno, tap->name, "Setting the MTU of");
          goto out;
        }
    }
  if (mac != NULL)
    {
      ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
      memcpy (ifr.ifr_hwaddr.sa_data, mac, 6);
      if (ioctl (s, SIOCSIFHWADDR, &ifr) < 0)
        {
          set_error_errno (error, errno, tap->name, "Setting the MAC address of");
          goto out;
        }
    }
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    {
      set_error_errno (error, errno, tap->name, "Reading the flags of");
      goto out;
    }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    {
      set_error_errno (error, errno, tap->name, "Bringing up");
      goto out;
    }
read_back:
  if (ioctl (s, SIOCGIFHWADDR, &ifr) < 0)
    {
      set_error_errno (error, errno, tap->name, "Reading the address of");
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
  mac[0] = (mac[0] & 0xfc) | 0x02;   /* unicast, locally administered */
}

ServalTap *
serval_tap_new_with_mac (const char *name, guint mtu, const guint8 mac[6], GError **error)
{
  struct ifreq ifr;
  int fd;

  if (name == NULL || *name == '\0' || strlen (name) >= IFNAMSIZ)
    {
      g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED,
                   _("“%s” cannot name a network device: use 1 to %d bytes"), name ? name : "", IFNAMSIZ - 1);
      return NULL;
    }
  fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      set_error_errno (error, errno, name, "Opening /dev/net/tun for");
      return NULL;
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = open_flags ();
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (tunsetiff (fd, &ifr) < 0)
    {
      int e = errno;
      close (fd);
      set_error_errno (error, e, name, "Creating");
      return NULL;
    }
  {
    ServalTap *tap = serval_tap_new_from_fd (fd, ifr.ifr_name, error);

    if (tap != NULL && (mtu > 0 || mac != NULL) && !configure (tap, mtu, mac, TRUE, error))
      g_clear_object (&tap);
    return tap;
  }
}

ServalTap *
serval_tap_new_from_fd (int fd, const char *name, GError **error)
{
  ServalTap *tap = g_object_new (SERVAL_TYPE_TAP, NULL);

  tap->fd = fd;
  tap->name = g_strdup (name);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  setup_offloads (tap);
  if (!configure (tap, 0, NULL, TRUE, error))
    {
      g_object_unref (tap);
      return NULL;
    }
  return tap;
}

/* The owner uid of a TUN/TAP device as sysfs shows it ("-1": none), for messages. */
static char *
read_owner (const char *name)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/owner", name);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("unknown");
  return g_strstrip (text);
}

static gboolean
device_exists (const char *name)
{
  struct ifreq ifr;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean found;

  if (s < 0)
    return FALSE;   /* cannot tell: refuse rather than risk creating it */
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
  fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;

      if (e == EACCES || e == EPERM)
        g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION,
                     _("Opening /dev/net/tun for “%s” failed (%s): your user may not use TUN/TAP devices; "
                     "ask the administrator to make /dev/net/tun readable and writable for all "
                     "(mode 0666, the default of most distributions)"), name, g_strerror (e));
      else
        set_error_errno (error, e, name, "Opening /dev/net/tun for");
      return NULL;
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = open_flags ();
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (tunsetiff (fd, &ifr) < 0)
    {
      int e = errno;

      close (fd);
      if (e == EPERM || e == EACCES)
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
                     "or have root delete it with “ip link delete %s”"), name, name);
      else if (e == EBUSY)
        g_set_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_BUSY,
                     _("The TAP device “%s” is in use by another program (is Serval running twice?): "
                     "quit that program, or choose another name"), name);
      else
        set_error_errno (error, e, name, "Attaching to");
      return NULL;
    }
  tap = g_object_new (SERVAL_TYPE_TAP, NULL);
  tap->fd = fd;
  tap->name = g_strdup (ifr.ifr_name);
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
                            persistent ? "Making persistent the" : "Making non-persistent the");
  return TRUE;
}

gboolean serval_tap_get_up (ServalTap *tap) { return tap->up; }
gboolean serval_tap_get_offload (ServalTap *tap) { return tap->vnet; }
gboolean serval_tap_get_io_uring_reads (ServalTap *tap) { return tap->rx != NULL; }
const ServalOffload *serval_tap_get_rx_offload (ServalTap *tap)
{
  return tap->rx_offload_valid ? &tap->rx_offload : NULL;
}
const char *serval_tap_get_name (ServalTap *tap) { return tap->name; }
guint serval_tap_get_mtu (ServalTap *tap) { return tap->mtu; }
guint64 serval_tap_get_rx_frames (ServalTap *tap) { return tap->rx_frames; }
guint64 serval_tap_get_rx_gso_frames (ServalTap *tap) { return tap->rx_gso_frames; }
guint64 serval_tap_get_tx_frames (ServalTap *tap) { return tap->tx_frames; }
guint64 serval_tap_get_tx_dropped (ServalTap *tap) { return tap->tx_dropped; }

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
static void
take_frame (ServalTap *tap, const guint8 *buf, gsize n)
{
  tap->rx_frames++;
  if (tap->vnet)
    {
      struct virtio_net_hdr vh;

      if (n <= VNET_HDR_LEN + 14 || n >= TAP_BUFFER)
        return;   /* cannot happen with a working kernel */
      memcpy (&vh, buf, sizeof vh);
      /* Host order: a legacy header on a file without TUNSETVNETBE/LE. */
      tap->rx_offload.flags = vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;   /* never DATA_VALID */
      tap->rx_offload.gso_type = vh.gso_type;
      tap->rx_offload.hdr_len = vh.hdr_len;
      tap->rx_offload.gso_size = vh.gso_size;
      tap->rx_offload.csum_start = vh.csum_start;
      tap->rx_offload.csum_offset = vh.csum_offset;
      tap->rx_offload_valid = serval_offload_needs_work (&tap->rx_offload);
      if (tap->rx_offload_valid && (tap->rx_offload.gso_type & ~SERVAL_GSO_ECN) != SERVAL_GSO_NONE)
        tap->rx_gso_frames++;
      if (tap->func != NULL)
        tap->func (tap, buf + VNET_HDR_LEN, n - VNET_HDR_LEN, tap->func_data);
      tap->rx_offload_valid = FALSE;
    }
  else if (tap->func != NULL)
    tap->func (tap, buf, n, tap->func_data);
}

static void
readable_cb (ServalTap *tap)
{
  gsize total = 0;

  g_object_ref (tap);
  for (int i = 0; i < MAX_READS_PER_WAKEUP && total < MAX_BYTES_PER_WAKEUP && tap->fd >= 0; i++)
    {
      gssize n = read (tap->fd, tap->buf, TAP_BUFFER);

      if (n < 0)
        {
          if (errno != EAGAIN && errno != EINTR)
            g_warning ("Reading from TAP device %s failed: %s", tap->name, g_strerror (errno));
          break;
        }
      if (n == 0)
        break;
      total += n;
      take_frame (tap, tap->buf, n);
    }
  g_object_unref (tap);
}

/* --- io_uring ------------------------------------------------------------------ */

static gboolean
ring_wanted (void)
{
  const char *env = g_getenv ("SERVAL_TAP_URING");

  return env == NULL || g_strcmp0 (env, "0") != 0;
}

static void
ring_teardown (ServalTap *tap)
{
  TapRing *r = tap->ring;

  tap->ring = NULL;
  serval_poller_remove (r->entry);
  io_uring_queue_exit (&r->tx);
  g_free (r->tx_slots);
  g_free (r);
}

/* Submits the queued writes and waits for them: a TAP device takes a write
 * at once (or drops the frame), so this does not block, and every slot is
 * free again afterwards. If io_uring fails here, which it should not, the
 * frames of this batch are counted as dropped and the device goes on with
 * write(). */
static void
ring_flush_tx (ServalTap *tap)
{
  TapRing *r = tap->ring;
  struct io_uring_cqe *cqe;
  guint n = r->tx_queued, done = 0;
  int ret;

  if (n == 0)
    return;
  r->tx_queued = 0;
  do
    ret = io_uring_submit_and_wait (&r->tx, n);
  while (ret == -EINTR);
  while (ret > 0 && done < (guint) ret)
    {
      int w = io_uring_wait_cqe (&r->tx, &cqe);

      if (w == -EINTR)
        continue;
      if (w < 0)
        break;
      /* user_data: the bytes the write had to take. */
      if (cqe->res < 0 || (guint64) cqe->res != cqe->user_data)
        {
          tap->tx_frames--;
          tap->tx_dropped++;
        }
      io_uring_cqe_seen (&r->tx, cqe);
      done++;
    }
  if (done < n)
    {
      g_warning ("Writing to TAP device %s through io_uring failed (%s): %u frame(s) lost; it is written "
                 "with write() from now on", tap->name, ret < 0 ? g_strerror (-ret) : "not every write was taken",
                 n - done);
      tap->tx_frames -= n - done;
      tap->tx_dropped += n - done;
      ring_teardown (tap);
    }
}

static void
ring_flush_cb (gpointer user_data)
{
  /* The entry exists only while the ring does. */
  ring_flush_tx (user_data);
}

static const ServalPollerFuncs ring_poller_funcs = {
  .flush = ring_flush_cb,
};

/* Queues a frame for the device; FALSE if it does not fit in a slot. */
static gboolean
ring_queue_write (ServalTap *tap, const struct virtio_net_hdr *vh, const guint8 *frame, gsize len)
{
  TapRing *r = tap->ring;
  gsize hdr = vh != NULL ? VNET_HDR_LEN : 0;
  struct io_uring_sqe *sqe;
  guint8 *slot;

  if (hdr + len > RING_SLOT)
    return FALSE;
  if (r->tx_queued == RING_SLOTS)
    {
      ring_flush_tx (tap);
      if (tap->ring == NULL)
        return FALSE;   /* io_uring failed: write() from now on */
    }
  slot = r->tx_slots + (gsize) r->tx_queued * RING_SLOT;
  if (vh != NULL)
    memcpy (slot, vh, hdr);
  memcpy (slot + hdr, frame, len);
  sqe = io_uring_get_sqe (&r->tx);
  g_return_val_if_fail (sqe != NULL, FALSE);
  io_uring_prep_write (sqe, tap->fd, slot, hdr + len, 0);
  io_uring_sqe_set_data64 (sqe, hdr + len);
  r->tx_queued++;
  tap->tx_frames++;
  serval_poller_mark_dirty (r->entry);
  return TRUE;
}

static void
ring_free (ServalTap *tap)
{
  if (tap->ring == NULL)
    return;
  ring_flush_tx (tap);
  if (tap->ring != NULL)
    ring_teardown (tap);
}

/* Sets up tap->ring; none where the kernel refuses io_uring. */
static void
ring_new (ServalTap *tap)
{
  static gboolean said_no_ring;
  TapRing *r = g_new0 (TapRing, 1);
  int ret = io_uring_queue_init (RING_SLOTS, &r->tx, 0);

  if (ret != 0)
    {
      say_once (&said_no_ring, "The kernel refused io_uring (%s): frames for TAP device %s are written "
                "and read one system call each. Serval works on, with more CPU per small frame; a container's seccomp "
                "profile or the sysctl kernel.io_uring_disabled may forbid it", g_strerror (-ret), tap->name);
      g_free (r);
      return;
    }
  r->tx_slots = g_malloc ((gsize) RING_SLOTS * RING_SLOT);
  r->entry = serval_poller_add (tap->poller, -1, &ring_poller_funcs, tap, NULL);
  tap->ring = r;
}

/* --- reading through io_uring ----------------------------------------------------- */

/* A read() per frame is most of a sending client's CPU time for small
 * frames (2.6 us a 64-byte frame on this machine kind, 1.1 us of it the
 * system call). Instead one multishot read stays armed on the device and
 * takes frames into a ring of provided buffers. The ring defers its task
 * work (IORING_SETUP_DEFER_TASKRUN) to the next io_uring_enter() of this
 * thread, so when the main loop finds the device readable, one
 * io_uring_enter() reads every frame waiting, without a wake-up or an IPI
 * per frame (the ring without deferral costs more CPU per frame than
 * read(): docs/performance.md). The main loop keeps polling the device
 * itself: an eventfd registered on a deferring ring was signalled 10-30 ms
 * late here. Needs Linux 6.7 (IORING_OP_READ_MULTISHOT); elsewhere, or when
 * the ring fails, read() does it.
 *
 * Buffers hold the largest frame, a GSO frame with its header: a read into
 * a shorter one would cut the frame. Pages never touched cost no memory, so
 * with small frames a buffer keeps one page resident. */
#ifndef IORING_OP_READ_MULTISHOT
#define IORING_OP_READ_MULTISHOT 49   /* Linux 6.7; Debian 12's uapi headers are older */
#endif
/* 16 and not 64: buffers are taken in turn, and 64 of them (4 MiB) made a
 * TCP frame cost the sending client more CPU than read() into one buffer;
 * 16 cost the same, and a read that ends every 16 frames is armed again
 * with one io_uring_enter() more per 16 frames. */
#define RX_BUFS 16
#define RX_GROUP 0

struct _TapRx
{
  struct io_uring ring;
  struct io_uring_buf_ring *br;
  guint8 *bufs;                /* RX_BUFS x TAP_BUFFER */
  gboolean in_pass;            /* stopped during a pass: the pass frees it */
  gboolean stopped;
  gboolean more;               /* completions left for the next pass */
};

static gboolean
rx_wanted (void)
{
  return g_strcmp0 (g_getenv ("SERVAL_TAP_URING"), "write") != 0;
}

static void
rx_free (TapRx *x)
{
  io_uring_queue_exit (&x->ring);
  if (x->br != NULL)
    munmap (x->br, RX_BUFS * sizeof (struct io_uring_buf));
  if (x->bufs != NULL)
    munmap (x->bufs, (gsize) RX_BUFS * TAP_BUFFER);
  g_free (x);
}

static void
rx_put_buffer (TapRx *x, guint bid, int offset)
{
  io_uring_buf_ring_add (x->br, x->bufs + (gsize) bid * TAP_BUFFER, TAP_BUFFER, bid,
                         io_uring_buf_ring_mask (RX_BUFS), offset);
}

/* Arms the multishot read; it starts reading at once. */
static gboolean
rx_arm (ServalTap *tap)
{
  struct io_uring_sqe *sqe = io_uring_get_sqe (&tap->rx->ring);

  if (sqe == NULL)
    return FALSE;
  io_uring_prep_rw (IORING_OP_READ_MULTISHOT, sqe, tap->fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = RX_GROUP;
  return io_uring_submit (&tap->rx->ring) == 1;
}

static gboolean
rx_supported (struct io_uring *ring)
{
  struct io_uring_probe *probe = io_uring_get_probe_ring (ring);
  gboolean ok = probe != NULL && io_uring_opcode_supported (probe, IORING_OP_READ_MULTISHOT);

  if (probe != NULL)
    io_uring_free_probe (probe);
  return ok;
}

static void
rx_stop (ServalTap *tap)
{
  TapRx *x = tap->rx;

  if (x == NULL)
    return;
  tap->rx = NULL;
  if (x->in_pass)
    x->stopped = TRUE;
  else
    rx_free (x);
}

/* Gives a new ring its buffers and arms its read; NULL, or why it cannot. */
static const char *
rx_setup (ServalTap *tap, TapRx *x)
{
  struct io_uring_buf_reg reg = { 0 };
  int ret;

  if (!rx_supported (&x->ring))
    return "the kernel has no multishot read, Linux 6.7";
  x->br = mmap (NULL, RX_BUFS * sizeof (struct io_uring_buf), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  x->bufs = mmap (NULL, (gsize) RX_BUFS * TAP_BUFFER, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (x->br == MAP_FAILED || x->bufs == MAP_FAILED)
    {
      x->br = x->br == MAP_FAILED ? NULL : x->br;
      x->bufs = x->bufs == MAP_FAILED ? NULL : x->bufs;
      return "out of memory";
    }
  reg.ring_addr = (guint64) (guintptr) x->br;
  reg.ring_entries = RX_BUFS;
  reg.bgid = RX_GROUP;
  ret = io_uring_register_buf_ring (&x->ring, &reg, 0);
  if (ret != 0)
    return g_strerror (-ret);
  io_uring_buf_ring_init (x->br);
  for (guint i = 0; i < RX_BUFS; i++)
    rx_put_buffer (x, i, i);
  io_uring_buf_ring_advance (x->br, RX_BUFS);
  if (!rx_arm (tap))
    return "the read could not be armed";
  /* It read at once what was waiting: see rx_pass(). */
  x->more = io_uring_cq_ready (&x->ring) > 0;
  return NULL;
}

/* Sets up tap->rx on the thread that will run the passes (the ring takes
 * io_uring_enter() from this thread only); none where the kernel cannot. */
static void
rx_new (ServalTap *tap)
{
  struct io_uring_params p = {
    .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE,
    .cq_entries = 2 * RX_BUFS,   /* a pass's completions and the one that ends a read */
  };
  TapRx *x = g_new0 (TapRx, 1);
  const char *why;
  int ret = io_uring_queue_init_params (8, &x->ring, &p);

  if (ret != 0)
    {
      g_free (x);
      why = g_strerror (-ret);
    }
  else
    {
      tap->rx = x;
      why = rx_setup (tap, x);
      if (why != NULL)
        rx_stop (tap);
    }
  if (why != NULL)
    g_debug ("TAP device %s: no io_uring for reads (%s): read() each frame", tap->name, why);
}

/* Hands on the completions waiting (at most MAX_BYTES_PER_WAKEUP more than
 * @total), gives their buffers back and re-arms a read that ended (it ends
 * when it has taken every buffer). Returns the frames, or -errno. */
static int
rx_take (ServalTap *tap, TapRx *x, gsize *total)
{
  struct io_uring_cqe *cqe;
  guint returned = 0;
  gboolean rearm = FALSE;
  int frames = 0, failed = 0;

  while (io_uring_peek_cqe (&x->ring, &cqe) == 0)
    {
      int res = cqe->res;
      guint flags = cqe->flags;

      if (*total >= MAX_BYTES_PER_WAKEUP)
        {
          x->more = TRUE;
          break;
        }
      io_uring_cqe_seen (&x->ring, cqe);
      if (!(flags & IORING_CQE_F_MORE))
        rearm = TRUE;
      if (res < 0 && res != -ENOBUFS && res != -EAGAIN && res != -EINTR)
        failed = res;
      if (!(flags & IORING_CQE_F_BUFFER))
        continue;
      if (res > 0 && !x->stopped)
        {
          *total += res;
          frames++;
          take_frame (tap, x->bufs + (gsize) (flags >> IORING_CQE_BUFFER_SHIFT) * TAP_BUFFER, res);
        }
      rx_put_buffer (x, flags >> IORING_CQE_BUFFER_SHIFT, returned++);
    }
  io_uring_buf_ring_advance (x->br, returned);
  if (failed == 0 && rearm && !x->stopped && !rx_arm (tap))
    failed = -EIO;
  return failed != 0 ? failed : frames;
}

/* A read pass: runs the reads waiting (the deferred task work) and hands
 * their frames on, again while frames keep coming, up to what a pass of
 * read() takes (MAX_READS_PER_WAKEUP), so that the links get batches as
 * large. On a failure the device goes on with read(), in this pass already. */
static void
rx_pass (ServalTap *tap)
{
  TapRx *x = tap->rx;
  gsize total = 0;
  int frames = 0, got, failed = 0;

  x->in_pass = TRUE;
  g_object_ref (tap);
  do
    {
      if (!x->more)
        {
          int ret = io_uring_get_events (&x->ring);

          if (ret < 0)
            {
              failed = ret;
              break;
            }
        }
      x->more = FALSE;
      got = rx_take (tap, x, &total);
      if (got < 0)
        failed = got;
      else
        frames += got;
    }
  while (failed == 0 && got > 0 && !x->more && !x->stopped && frames < MAX_READS_PER_WAKEUP);
  x->in_pass = FALSE;
  if (x->stopped)
    {
      /* A frame callback stopped the device: it is no longer ours. */
      rx_free (x);
      g_object_unref (tap);
      return;
    }
  /* A read re-armed reads at once what waits; the device may then look
   * idle with those frames in the completion queue. */
  if (failed == 0 && io_uring_cq_ready (&x->ring) > 0)
    x->more = TRUE;
  if (failed != 0)
    {
      g_warning ("Reading from TAP device %s through io_uring failed (%s); it is read with read() from now on",
                 tap->name, g_strerror (-failed));
      rx_stop (tap);
      readable_cb (tap);
    }
  g_object_unref (tap);
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
  ServalTap *tap;          /* not a reference: the tap destroys the source first */
  gpointer tag;
  gboolean reading;
  gboolean nested_blocked;
} TapSource;

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
  return !ts->reading && ts->tap->rx != NULL && ts->tap->rx->more;
}

static gboolean
tap_source_check (GSource *source)
{
  TapSource *ts = (TapSource *) source;

  if (ts->reading)
    return FALSE;
  return (ts->tap->rx != NULL && ts->tap->rx->more) ||
         (g_source_query_unix_fd (source, ts->tag) & (G_IO_IN | G_IO_ERR | G_IO_HUP)) != 0;
}

static gboolean
tap_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  TapSource *ts = (TapSource *) source;
  g_autoptr(ServalPoller) poller = NULL;

  if (ts->reading)
    {
      tap_source_block_nested (ts);
      return G_SOURCE_CONTINUE;
    }
  /* A frame callback may stop the device (and drop its poller) or drop
   * the last reference to it. */
  poller = serval_poller_ref (ts->tap->poller);
  ts->reading = TRUE;
  serval_poller_batch_begin (poller);
  if (ts->tap->rx != NULL)
    rx_pass (ts->tap);
  else
    readable_cb (ts->tap);
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

void
serval_tap_start (ServalTap *tap)
{
  TapSource *ts;

  if (tap->source != NULL || tap->fd < 0)
    return;
  tap->poller = serval_poller_ref_for_context (g_main_context_get_thread_default ());
  if (ring_wanted ())
    {
      ring_new (tap);
      if (rx_wanted ())
        rx_new (tap);
    }
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
  g_source_destroy (tap->source);
  g_clear_pointer (&tap->source, g_source_unref);
  rx_stop (tap);
  ring_free (tap);
  g_clear_pointer (&tap->poller, serval_poller_unref);
}

/* Hands one frame (after its virtio header, if @vh) to the device: into an
 * io_uring write slot when there is a ring and it fits, otherwise at once,
 * after what the ring holds, so that the device sees every frame in order. */
static gboolean
put_frame (ServalTap *tap, const struct virtio_net_hdr *vh, const guint8 *frame, gsize len)
{
  gsize hdr = vh != NULL ? VNET_HDR_LEN : 0;
  struct iovec iov[2];
  int n = 0;

  if (tap->ring != NULL && ring_queue_write (tap, vh, frame, len))
    return TRUE;
  if (tap->ring != NULL)
    ring_flush_tx (tap);
  if (vh != NULL)
    iov[n++] = (struct iovec) { .iov_base = (void *) vh, .iov_len = hdr };
  iov[n++] = (struct iovec) { .iov_base = (void *) frame, .iov_len = len };
  if (writev (tap->fd, iov, n) != (gssize) (hdr + len))
    {
      tap->tx_dropped++;
      return FALSE;
    }
  tap->tx_frames++;
  return TRUE;
}

static void
write_plain (const guint8 *frame, gsize len, gpointer user_data)
{
  put_frame (user_data, NULL, frame, len);
}

gboolean
serval_tap_write_offload (ServalTap *tap, const guint8 *frame, gsize len, const ServalOffload *off)
{
  if (tap->fd < 0)
    {
      tap->tx_dropped++;
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
      return put_frame (tap, &vh, frame, len);
    }
  if (serval_offload_needs_work (off))
    {
      guint64 before = tap->tx_dropped;

      if (tap->scratch == NULL)
        tap->scratch = g_malloc (SERVAL_GSO_SCRATCH);
      if (serval_gso_segment (frame, len, off, tap->scratch, write_plain, tap, NULL) != SERVAL_GSO_OK)
        {
          tap->tx_dropped++;
          tap->tx_unsegmentable++;
          return FALSE;
        }
      return tap->tx_dropped == before;
    }
  write_plain (frame, len, tap);
  return TRUE;
}

gboolean
serval_tap_write (ServalTap *tap, const guint8 *frame, gsize len)
{
  return serval_tap_write_offload (tap, frame, len, NULL);
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

          if (ifa->ifa_addr == NULL || g_strcmp0 (ifa->ifa_name, tap->name) != 0)
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
