#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-codec.h"
#include "serval-link.h"
#include "serval-link-private.h"

/* Keepalives (issue 17: the keepalives of 100,000 idle clients).
 *
 * One exchange (a ping and its pong) crosses an idle link per interval. The
 * end that pings is the leader: it pings every interval. The other is the
 * follower: it hears the leader's ping and answers it, and its timer waits
 * half an interval more than the leader's, so that it does not ping too.
 * Which end leads is decided by who pinged first; if both ping in the same
 * round (their timers fired together, as two processes on one clock do),
 * the end whose ping carried the lower nonce gives way. Before that rule
 * both ends of many links pinged every interval for good: four messages
 * where two do.
 *
 * A silent peer is detected as before: each timer firing closes the link
 * once nothing was heard for the timeout, and a follower that hears nothing
 * pings after 1.5 intervals and then every interval. */

static gint64
interval_us (ServalLink *link)
{
  return (gint64) link->keepalive_interval * G_USEC_PER_SEC;
}

/* Keepalive times are rounded up to a grid of a second (a quarter of the
 * interval if shorter): the links due in one second fire in one wake-up of
 * the poller, and their pongs come back together. */
static gint64
on_grid (ServalLink *link, gint64 when)
{
  gint64 grid = MIN (G_USEC_PER_SEC, interval_us (link) / 4);

  return (when + grid - 1) / grid * grid;
}

/* When the follower looks again: the leader pings before then. */
static void
follow (ServalLink *link)
{
  link->following = TRUE;
  link->last_ping_sent = 0;
  link->next_ping = on_grid (link, link->last_rx + interval_us (link) * 3 / 2);
}

/* The peer pinged us (@nonce): if we pinged within the interval too, both
 * ends lead; the lower nonce gives way (both ends compare the same two). */
void
serval_link_keepalive_ping_heard (ServalLink *link, guint32 nonce)
{
  guint32 ours = link->ping_nonce & 0x7fffffff;

  nonce &= 0x7fffffff;
  if (link->keepalive_interval == 0 || link->last_ping_sent == 0 ||
      link->last_rx - link->last_ping_sent >= interval_us (link))
    return;
  if (nonce == ours)
    {
      /* Nothing to tell the ends apart: draw again, the next round decides. */
      link->ping_nonce = g_random_int ();
      return;
    }
  if (ours < nonce)
    {
      follow (link);
      serval_link_arm_timer (link);
    }
}

/* The link's timer fired at @now: pings or closes when the keepalive is due;
 * TRUE if it closed the link. */
gboolean
serval_link_keepalive_tick (ServalLink *link, gint64 now)
{
  gint64 silent = now - link->last_rx;

  if (link->keepalive_interval == 0 || now < link->next_ping)
    return FALSE;
  if (silent > (gint64) link->keepalive_timeout * G_USEC_PER_SEC)
    {
      guint seconds = silent / G_USEC_PER_SEC;

      serval_link_close_with (link, SERVAL_LINK_ERROR_TIMEOUT,
                              g_dngettext (GETTEXT_PACKAGE, "%s has not answered for %u second",
                                           "%s has not answered for %u seconds", seconds),
                              link->peer, seconds);
      return TRUE;
    }
  /* Heard from the peer lately: it leads (or data flows); follow. A
   * follower waits for 1.5 intervals of silence (its timer is set for
   * then, from the last time it heard the peer), the leader (and an end
   * that never heard the peer) for 3/4 of one: it pings every interval. */
  if (silent < interval_us (link) * (link->following ? 6 : 3) / 4)
    {
      follow (link);
      return FALSE;
    }
  link->following = FALSE;
  serval_link_send_take (link, serval_message_new_ping (FALSE, (++link->ping_nonce) & 0x7fffffff));
  link->last_ping_sent = now;
  /* From the time it was due, not from now (a little later): one ping per
   * interval, not per interval and a grid step. The grid divides the
   * interval, so this stays on it. */
  link->next_ping += interval_us (link);
  if (link->next_ping <= now)
    link->next_ping = on_grid (link, now + interval_us (link));
  return FALSE;
}

void
serval_link_keepalive_start (ServalLink *link)
{
  if (link->entry == NULL || link->closed)
    return;
  if (link->keepalive_interval != 0)
    link->next_ping = on_grid (link, g_get_monotonic_time () + interval_us (link));
  serval_link_arm_timer (link);
}

/**
 * serval_link_set_keepalive:
 * @link: a link
 * @interval: seconds between pings, 0 for none
 * @timeout: seconds of silence after which the link closes (at least @interval)
 *
 * Pings the peer every @interval seconds and closes the link with
 * %SERVAL_LINK_ERROR_TIMEOUT when nothing was heard for @timeout seconds.
 * Only one end of an idle link pings (the other answers): one ping and one
 * pong per interval.
 */
void
serval_link_set_keepalive (ServalLink *link, guint interval, guint timeout)
{
  link->keepalive_interval = interval;
  link->keepalive_timeout = MAX (timeout, interval);
  if (link->started)
    serval_link_keepalive_start (link);
}
