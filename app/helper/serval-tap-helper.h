/* serval-tap-helper.h: what the two files of serval-tap-helper share (see
 * the comment at the top of serval-tap-helper.c). Plain C, no library. */
#pragma once

#include <linux/if.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The exit codes, as serval-tap-helper.c lists them. */
enum
{
  EXIT_DONE = 0,
  EXIT_USAGE = 1,
  EXIT_NOT_ALLOWED = 2,
  EXIT_BAD_NAME = 3,
  EXIT_BAD_MTU = 4,
  EXIT_BAD_MAC = 5,
  EXIT_NOT_OWNER = 6,
  EXIT_NO_DEVICE = 7,
  EXIT_SYSTEM = 8,
  EXIT_TOO_MANY = 9,
  EXIT_BAD_ADDRESS = 10,
  EXIT_ADDRESS_CONFLICT = 11,
};

/* What rtnetlink says of a device. */
struct link_info
{
  bool found;
  int ifindex;
  bool is_tun; /* IFLA_INFO_KIND "tun" */
  bool is_tap; /* IFLA_TUN_TYPE == IFF_TAP */
  bool has_owner;
  uint32_t owner; /* IFLA_TUN_OWNER */
  char name[IFNAMSIZ];
};

/* Prints "serval-tap-helper: " and the message on stderr, and exits with @code. */
void fail (int code, const char *format, ...) __attribute__ ((format (printf, 2, 3), noreturn));
/* A decimal number of at most 10 digits, no sign, no spaces, at most @max. */
bool parse_u32 (const char *text, uint32_t max, uint32_t *out);

/* A bound NETLINK_ROUTE socket (fails the program if there is none). */
int nl_open (void);
/* Appends an attribute to @n, a message in a buffer of @room bytes. */
void add_attr (struct nlmsghdr *n, size_t room, unsigned short type, const void *data, size_t len);
/* Sends one request and reads its answer into @buf; returns the answer's
 * length, or -errno when the kernel answered with an error (0: an ACK). */
ssize_t nl_talk (int fd, struct nlmsghdr *req, char *buf, size_t size);
/* Sends the dump request @req on a socket of its own and calls @each on
 * every answer of @type, until the kernel says the dump is done; a failure
 * exits, saying "@what failed (…)". */
void nl_dump (struct nlmsghdr *req, unsigned short type, const char *what,
              void (*each) (struct nlmsghdr *h, void *data), void *data);
/* The device @name; .found is false if there is none. */
struct link_info query_link (const char *name);
/* Refuses (exits) a device that is not a TAP device owned by @owner. */
void check_ours (const char *name, const struct link_info *info, uid_t owner);

/* "address NAME CIDR" (serval-tap-helper-address.c); NAME is checked. */
int set_address (const char *name, uid_t owner, const char *cidr);
