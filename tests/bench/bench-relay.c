/* bench-relay: the least a relay in user space can do, as a yardstick for
 * run-bench.sh. A client copies frames between a TAP device and a socket;
 * the server passes what one of its two clients sends to the other. No
 * encryption, no switch, no batching: one poll() loop per process and a
 * system call per frame and direction. Over UDP a frame is a datagram; over
 * TCP it is a 2-byte length and the frame, and the server copies the byte
 * stream without looking at it. What Serval's RTT and packet rate cost
 * above the yardstick is Serval's own; what the yardstick costs above the
 * direct veth is the price of any relay in user space on the machine
 * (process wake-ups, TAP, UDP or TCP in the kernel).
 *
 *   bench-relay server udp|tcp PORT
 *   bench-relay client udp|tcp IFNAME SERVER-IPV4 PORT
 *
 * A benchmark tool, never installed: it trusts its two peers. The UDP
 * server takes the first two source addresses it hears from as its clients
 * (a client says hello with an empty datagram every second); the TCP server
 * the first two connections. UDP frames larger than the path MTU are
 * fragmented by the kernel.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65535
#define ETH_HLEN  14

static unsigned char buf[2 + FRAME_MAX];

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
write_all (int fd, const unsigned char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, p, n);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      p += w;
      n -= w;
    }
  return 0;
}

static void
nodelay (int fd)
{
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int
run_server_udp (int port)
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
        continue; /* a stranger, no partner yet, or a hello */
      /* A full socket buffer drops the frame, as a switch would. */
      sendto (fd, buf, n, MSG_DONTWAIT, (struct sockaddr *) &peer[1 - me], sizeof peer[0]);
    }
}

static int
run_server_tcp (int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct pollfd pfd[2];
  int one = 1;
  int lfd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (lfd < 0 || setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind (lfd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (lfd, 2) != 0)
    return fail ("cannot listen on the TCP port");
  fprintf (stderr, "bench-relay: server on TCP port %d\n", port);
  for (int i = 0; i < 2; i++)
    {
      int c = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);

      if (c < 0)
        return fail ("accept");
      nodelay (c);
      pfd[i] = (struct pollfd){ .fd = c, .events = POLLIN };
      fprintf (stderr, "bench-relay: client %d connected\n", i);
    }
  for (;;)
    {
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("poll");
        }
      for (int i = 0; i < 2; i++)
        {
          ssize_t n;

          if (!pfd[i].revents)
            continue;
          n = read (pfd[i].fd, buf, sizeof buf);
          if (n <= 0)
            {
              fprintf (stderr, "bench-relay: client %d left\n", i);
              return n < 0 ? fail ("read") : 0;
            }
          if (write_all (pfd[1 - i].fd, buf, n) < 0)
            return fail ("write");
        }
    }
}

static int
open_tap (const char *ifname)
{
  struct ifreq ifr = { 0 };
  int tap;

  if (strlen (ifname) >= IFNAMSIZ)
    {
      fprintf (stderr, "bench-relay: interface name '%s' is too long\n", ifname);
      return -1;
    }
  tap = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tap < 0)
    {
      fail ("cannot open /dev/net/tun");
      return -1;
    }
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strcpy (ifr.ifr_name, ifname);
  if (ioctl (tap, TUNSETIFF, &ifr) != 0)
    {
      fail ("cannot make the TAP device");
      return -1;
    }
  return tap;
}

/* A full device queue drops the frame, as a NIC would. */
static int
to_tap (int tap, const unsigned char *frame, size_t n)
{
  if (n >= ETH_HLEN && write (tap, frame, n) < 0 && errno != EAGAIN && errno != ENOBUFS)
    return fail ("cannot write to the TAP device");
  return 0;
}

static int
run_client (int tcp, const char *ifname, const char *server, int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  static unsigned char rbuf[4 * (2 + FRAME_MAX)];
  size_t rlen = 0;
  struct pollfd pfd[2];
  time_t last_hello = 0;
  int tap, fd = -1;

  if (inet_pton (AF_INET, server, &addr.sin_addr) != 1)
    {
      fprintf (stderr, "bench-relay: '%s' is no IPv4 address\n", server);
      return 2;
    }
  tap = open_tap (ifname);
  if (tap < 0)
    return 1;
  /* The server may still be starting: try for five seconds. */
  for (int tries = 0; tries < 50; tries++)
    {
      fd = socket (AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return fail ("socket");
      if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
        break;
      close (fd);
      fd = -1;
      usleep (100000);
    }
  if (fd < 0)
    return fail ("cannot reach the server");
  if (tcp)
    nodelay (fd);
  fprintf (stderr, "bench-relay: %s up, relayed by %s:%d over %s\n", ifname, server, port, tcp ? "TCP" : "UDP");
  pfd[0] = (struct pollfd){ .fd = tap, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = fd, .events = POLLIN };
  for (;;)
    {
      ssize_t n;

      if (!tcp && time (NULL) != last_hello)
        {
          send (fd, buf, 0, MSG_DONTWAIT); /* hello, and keeps the server's entry */
          last_hello = time (NULL);
        }
      if (poll (pfd, 2, tcp ? -1 : 1000) < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("poll");
        }
      if (pfd[0].revents & POLLIN)
        {
          n = read (tap, buf + 2, FRAME_MAX);
          if (n > 0 && !tcp)
            send (fd, buf + 2, n, MSG_DONTWAIT);
          else if (n > 0)
            {
              buf[0] = (unsigned char) (n >> 8);
              buf[1] = (unsigned char) n;
              if (write_all (fd, buf, 2 + n) < 0)
                return fail ("cannot send to the server");
            }
        }
      if (!(pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      if (!tcp)
        {
          n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
          if (n > 0 && to_tap (tap, buf, n) != 0)
            return 1;
          continue;
        }
      n = read (fd, rbuf + rlen, sizeof rbuf - rlen);
      if (n <= 0)
        {
          fprintf (stderr, "bench-relay: the server closed the connection\n");
          return n < 0 ? fail ("read") : 0;
        }
      rlen += n;
      size_t pos = 0;
      while (rlen - pos >= 2 && rlen - pos >= 2 + (size_t) (rbuf[pos] << 8 | rbuf[pos + 1]))
        {
          size_t len = rbuf[pos] << 8 | rbuf[pos + 1];

          if (to_tap (tap, rbuf + pos + 2, len) != 0)
            return 1;
          pos += 2 + len;
        }
      memmove (rbuf, rbuf + pos, rlen - pos);
      rlen -= pos;
    }
}

int
main (int argc, char **argv)
{
  int tcp = argc > 2 && strcmp (argv[2], "tcp") == 0;

  signal (SIGPIPE, SIG_IGN);
  if (argc > 2 && (tcp || strcmp (argv[2], "udp") == 0))
    {
      if (argc == 4 && strcmp (argv[1], "server") == 0 && parse_port (argv[3]) > 0)
        return tcp ? run_server_tcp (parse_port (argv[3])) : run_server_udp (parse_port (argv[3]));
      if (argc == 6 && strcmp (argv[1], "client") == 0 && parse_port (argv[5]) > 0)
        return run_client (tcp, argv[3], argv[4], parse_port (argv[5]));
    }
  fprintf (stderr, "usage: bench-relay server udp|tcp PORT\n"
                   "       bench-relay client udp|tcp IFNAME SERVER-IPV4 PORT\n");
  return 2;
}
