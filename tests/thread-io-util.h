/* thread-io-util.h: counting the calling thread's read() and write() calls,
 * for the tests that check a main-loop source costs no write per wake-up
 * (test-poller.c, test-tap-source.c) and that a TAP device is read without
 * a read() per frame (test-tap-source.c). Included once per test. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

/* The counter @key ("syscr:", "syscw:") of this thread so far, from
 * /proc/thread-self/io, which this reads with one read(). */
static inline guint64
thread_io_count (const char *key)
{
  char text[1024];
  const char *line;
  gssize n;
  int fd = open ("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    g_error ("cannot count this thread's system calls: %s (the kernel needs task I/O accounting, "
             "CONFIG_TASK_IO_ACCOUNTING; /proc must be mounted)",
             g_strerror (errno));
  n = read (fd, text, sizeof text - 1);
  close (fd);
  if (n <= 0)
    g_error ("cannot read /proc/thread-self/io: %s", n < 0 ? g_strerror (errno) : "empty");
  text[n] = '\0';
  line = strstr (text, key);
  if (line == NULL)
    g_error ("/proc/thread-self/io has no %s line: cannot count system calls", key);
  return g_ascii_strtoull (line + strlen (key), NULL, 10);
}

/* read() calls (and readv()...) of this thread so far, less those made to
 * count them. */
static inline guint64
thread_read_calls (void)
{
  static guint64 own;

  return thread_io_count ("syscr:") - own++;
}

/* write() calls (and writev()...) of this thread so far. */
static inline guint64
thread_write_calls (void)
{
  return thread_io_count ("syscw:");
}
