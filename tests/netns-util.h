/* netns-util.h: for the tests that make TAP devices (test-netlink,
 * test-tap-source): a network namespace of the test's own, so that what
 * they make touches nothing of the machine's. Static, included once per
 * test; the including file defines _GNU_SOURCE (unshare()) first. */
#pragma once

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include <glib.h>

/* Moves the process into a new network namespace. If it cannot (not root,
 * or unshare() refused), prints a TAP plan with one failure that says why
 * and what to do, and returns FALSE: main() then returns 1. Never a
 * silent skip. */
static inline gboolean
test_netns_enter (void)
{
  if (geteuid () != 0)
    {
      printf ("1..1\nnot ok 1 - cannot run: TAP devices and a network namespace need root "
              "(run it with sudo, as CI does)\n");
      return FALSE;
    }
  if (unshare (CLONE_NEWNET) != 0)
    {
      printf ("1..1\nnot ok 1 - cannot run: unshare(CLONE_NEWNET) failed (%s)\n", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}
