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
 * pings after 1.5 intervals and then every interval.
 *
 * The interval may change while the link lives (a server lengthens it as it
 * holds more clients): an announcing end (the server's, to a client whose
 * Hello says it reads it) puts its interval into every ping and pong it
 * sends, and an adopting end (the client's) takes the interval it hears
 * there, with three of them for its timeout. A change keeps the link's
 * place in time (the next ping is the one already due, then the new
 * interval), so that links retuned together do not ping together after. */

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

/* A ping or pong of ours: with the interval if this end announces it. */
static Message_t *
keepalive_message (ServalLink *link, gboolean pong, guint32 nonce)
{
  Message_t *msg = serval_message_new_ping (pong, nonce);

  if (link->keepalive_announce && link->keepalive_interval != 0)
    {
      serval_message_set_ping_interval (msg, link->keepalive_interval);
      link->keepalive_told = TRUE; /* what the peer says next, it says knowing it */
    }
  return msg;
}

/* The peer's ping or pong (@ping) arrived. A shorter timeout waiting for
 * the peer to know the interval (serval_link_retune_keepalive()) applies
 * once the peer is heard after it was told. An adopting end takes the
 * interval said; its shorter timeout too waits for the next word from the
 * peer, whose next ping may still come on the longer interval. */
static void
keepalive_heard (ServalLink *link, const Ping_t *ping)
{
  if (link->keepalive_timeout_next != 0 && link->keepalive_told)
    {
      link->keepalive_timeout = link->keepalive_timeout_next;
      link->keepalive_timeout_next = 0;
    }
  if (link->keepalive_adopt && ping->interval != NULL && *ping->interval >= 1 && *ping->interval <= 3600 &&
      (guint) *ping->interval != link->keepalive_interval)
    {
      serval_link_retune_keepalive (link, *ping->interval, *ping->interval * 3);
      link->keepalive_told = TRUE; /* the peer said it */
    }
}

void
serval_link_keepalive_pong_heard (ServalLink *link, const Ping_t *pong)
{
  keepalive_heard (link, pong);
}

/* The peer pinged us (@ping): answered. If we pinged within the interval
 * too, both ends lead; the lower nonce gives way (both ends compare the
 * same two). */
void
serval_link_keepalive_ping_heard (ServalLink *link, const Ping_t *ping)
{
  guint32 ours = link->ping_nonce & 0x7fffffff;
  guint32 nonce = ping->nonce & 0x7fffffff;

  keepalive_heard (link, ping);
  serval_link_send_take (link, keepalive_message (link, TRUE, ping->nonce));
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
  serval_link_send_take (link, keepalive_message (link, FALSE, (++link->ping_nonce) & 0x7fffffff));
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
  link->keepalive_timeout_next = 0;
  if (link->started)
    serval_link_keepalive_start (link);
}

/**
 * serval_link_retune_keepalive:
 * @link: a link
 * @interval: seconds between pings from now on (at least 1)
 * @timeout: seconds of silence after which the link closes (at least @interval)
 *
 * Changes the keepalive of a link that has one without moving its place in
 * time: the ping already due comes when it was due, the next ones @interval
 * apart (links retuned together keep their spread). A shorter @timeout
 * applies once the peer, told the interval (serval_link_announce_keepalive()),
 * is heard again, so that a peer still on the longer interval is not dropped
 * meanwhile; a peer never told keeps the longer one. On a link without
 * keepalive this is serval_link_set_keepalive().
 */
void
serval_link_retune_keepalive (ServalLink *link, guint interval, guint timeout)
{
  g_return_if_fail (interval >= 1);
  timeout = MAX (timeout, interval);
  if (link->keepalive_interval == 0)
    {
      serval_link_set_keepalive (link, interval, timeout);
      return;
    }
  link->keepalive_interval = interval;
  link->keepalive_timeout_next = 0;
  if (timeout < link->keepalive_timeout)
    {
      link->keepalive_timeout_next = timeout;
      link->keepalive_told = FALSE;
    }
  else
    link->keepalive_timeout = timeout;
}

/**
 * serval_link_announce_keepalive:
 * @link: a link
 *
 * From now on the link's pings and pongs say its keepalive interval
 * (Ping.interval): a server's link, to a client whose Hello said
 * keepaliveInterval, so that the client follows the interval the server
 * sets with serval_link_retune_keepalive().
 */
void
serval_link_announce_keepalive (ServalLink *link)
{
  link->keepalive_announce = TRUE;
}

/**
 * serval_link_adopt_keepalive:
 * @link: a link
 *
 * From now on the link takes the keepalive interval its peer's pings and
 * pongs say (Ping.interval), with three intervals for the timeout: a
 * client's link, whose server sets the interval.
 */
void
serval_link_adopt_keepalive (ServalLink *link)
{
  link->keepalive_adopt = TRUE;
}

/**
 * serval_link_get_keepalive_interval:
 * @link: a link
 *
 * Returns: the seconds between its pings now (the one it adopted, if it
 * does), 0 for none
 */
guint
serval_link_get_keepalive_interval (ServalLink *link)
{
  return link->keepalive_interval;
}
