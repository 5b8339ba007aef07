/* thread-io-util.h: counting the calling thread's write() calls, for the
 * tests that check a main-loop source costs no write per wake-up
 * (test-poller.c, test-tap-source.c). Included once per test. */
#pragma once

#include <glib.h>
#include <string.h>

/* write() calls of this thread so far, from /proc/thread-self/io. */
static inline guint64
thread_write_calls (void)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/thread-self/io", &text, NULL, &error))
    g_error ("cannot count this thread's write() calls: %s (the kernel needs task I/O accounting, "
             "CONFIG_TASK_IO_ACCOUNTING; /proc must be mounted)", error->message);
  line = strstr (text, "syscw:");
  if (line == NULL)
    g_error ("/proc/thread-self/io has no syscw line: cannot count write() calls");
  return g_ascii_strtoull (line + 6, NULL, 10);
}
