/* bench-relay: the least a relay in user space can do, as a yardstick for
 * run-bench.sh. A client copies frames between a TAP device and a UDP socket;
 * the server passes each datagram of one of its two clients to the other.
 * No encryption, no framing, no switch, no batching: one poll() loop per
 * process and one system call per frame and direction. What Serval's RTT
 * and packet rate cost above it is Serval's own; what this costs above the
 * direct veth is the price of any relay in user space on the machine
 * (process wake-ups, TAP and UDP in the kernel).
 *
 *   bench-relay server PORT
 *   bench-relay client IFNAME SERVER-IPV4 PORT
 *
 * A benchmark tool, never installed: it trusts its two peers. The server
 * takes the first two source addresses it hears from as its clients (a
 * client says hello with an empty datagram every second). Frames larger
 * than the path MTU are fragmented by the kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65536
#define ETH_HLEN 14

static unsigned char buf[FRAME_MAX];

static int
fail (const char *what)
{
  fprintf (stderr, "bench-relay: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
parse_port (const char *s)
{
  char *end;
  long v = strtol (s, &end, 10);

  return *s != '\0' && *end == '\0' && v > 0 && v < 65536 ? (int) v : -1;
}

static int
run_server (int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct sockaddr_in peer[2];
  int n_peers = 0;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    return fail ("cannot listen on the UDP port");
  fprintf (stderr, "bench-relay: server on UDP port %d\n", port);
  for (;;)
    {
      struct sockaddr_in from;
      socklen_t len = sizeof from;
      ssize_t n = recvfrom (fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &len);
      int me = -1;

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("recvfrom");
        }
      for (int i = 0; i < n_peers; i++)
        if (peer[i].sin_addr.s_addr == from.sin_addr.s_addr && peer[i].sin_port == from.sin_port)
          me = i;
      if (me < 0 && n_peers < 2)
        {
          peer[n_peers] = from;
          me = n_peers++;
          fprintf (stderr, "bench-relay: client %d is %s:%d\n", me, inet_ntoa (from.sin_addr),
                   ntohs (from.sin_port));
        }
      if (me < 0 || n_peers < 2 || n < ETH_HLEN)
        continue;   /* a stranger, no partner yet, or a hello */
      /* A full socket buffer drops the frame, as a switch would. */
      sendto (fd, buf, n, MSG_DONTWAIT, (struct sockaddr *) &peer[1 - me], sizeof peer[0]);
    }
}

static int
run_client (const char *ifname, const char *server, int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct ifreq ifr = { 0 };
  struct pollfd pfd[2];
  time_t last_hello = 0;
  int tap, fd;

  if (inet_pton (AF_INET, server, &addr.sin_addr) != 1)
    {
      fprintf (stderr, "bench-relay: '%s' is no IPv4 address\n", server);
      return 2;
    }
  if (strlen (ifname) >= IFNAMSIZ)
    {
      fprintf (stderr, "bench-relay: interface name '%s' is too long\n", ifname);
      return 2;
    }
  tap = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tap < 0)
    return fail ("cannot open /dev/net/tun");
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strcpy (ifr.ifr_name, ifname);
  if (ioctl (tap, TUNSETIFF, &ifr) != 0)
    return fail ("cannot make the TAP device");
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    return fail ("cannot reach the server");
  fprintf (stderr, "bench-relay: %s up, relayed by %s:%d\n", ifname, server, port);
  pfd[0] = (struct pollfd) { .fd = tap, .events = POLLIN };
  pfd[1] = (struct pollfd) { .fd = fd, .events = POLLIN };
  for (;;)
    {
      time_t now = time (NULL);
      ssize_t n;

      if (now != last_hello)
        {
          send (fd, buf, 0, MSG_DONTWAIT);   /* hello, and keeps the server's entry */
          last_hello = now;
        }
      if (poll (pfd, 2, 1000) < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("poll");
        }
      if (pfd[0].revents & POLLIN)
        {
          n = read (tap, buf, sizeof buf);
          if (n > 0)
            send (fd, buf, n, MSG_DONTWAIT);
        }
      if (pfd[1].revents & POLLIN)
        {
          n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
          /* A full device queue drops the frame, as a NIC would. */
          if (n >= ETH_HLEN && write (tap, buf, n) < 0 && errno != EAGAIN && errno != ENOBUFS)
            return fail ("cannot write to the TAP device");
        }
    }
}

int
main (int argc, char **argv)
{
  signal (SIGPIPE, SIG_IGN);
  if (argc == 3 && strcmp (argv[1], "server") == 0 && parse_port (argv[2]) > 0)
    return run_server (parse_port (argv[2]));
  if (argc == 5 && strcmp (argv[1], "client") == 0 && parse_port (argv[4]) > 0)
    return run_client (argv[2], argv[3], parse_port (argv[4]));
  fprintf (stderr, "usage: bench-relay server PORT\n"
                   "       bench-relay client IFNAME SERVER-IPV4 PORT\n");
  return 2;
}
