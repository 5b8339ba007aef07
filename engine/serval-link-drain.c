#include "config.h"

#include <glib/gi18n-lib.h>

#include "serval-link.h"
#include "serval-link-private.h"

/* The order of a link's send queue. Management messages
 * (serval_link_send()) wait in a queue of their own, mbuf, and a flush
 * sends them before the queued data frames (wbuf), as soon as the frame
 * the transport has begun is complete: a member event or a reply never
 * waits behind the megabytes a lone sender's flow may queue. And a link's
 * drain function: whoever holds frames back for the link (the server's
 * fair queues, serval-fair.h) keeps its data queue short. */

/* The first message in wbuf that begins at or after wpos: the transport
 * has begun none of it, so management messages may go before it. Walks
 * each data message's length prefix once. */
gsize
serval_link_data_boundary (ServalLink *link)
{
  while (link->wmsg < link->wpos)
    {
      const guint8 *p = link->wbuf->data + link->wmsg;

      link->wmsg += SERVAL_LENGTH_PREFIX + ((gsize) p[0] << 24 | (gsize) p[1] << 16 | (gsize) p[2] << 8 | p[3]);
    }
  return link->wmsg;
}

/* Sends the management messages: first the rest of the data frame the
 * transport has begun (its records are under way), then them, before any
 * other queued frame. TRUE when they all left. */
gboolean
serval_link_flush_management (ServalLink *link)
{
  gsize cut = serval_link_data_boundary (link), taken = 0;
  gboolean ok;

  if (cut > link->wpos)
    {
      ok = serval_link_send_bytes (link, link->wbuf->data + link->wpos, cut - link->wpos, &taken);
      link->wpos += taken;
      if (!ok)
        return FALSE;
      taken = 0;
    }
  ok = serval_link_send_bytes (link, link->mbuf->data + link->mpos, link->mbuf->len - link->mpos, &taken);
  link->mpos += taken;
  if (!ok)
    return FALSE;
  g_clear_pointer (&link->mbuf, g_byte_array_unref);
  link->mpos = 0;
  return TRUE;
}

/**
 * serval_link_send:
 * @link: a link
 * @msg: the message, copied into the queue
 * @error: return location for a #GError
 *
 * Queues @msg; it leaves at the end of the poller's dispatch, after the
 * management messages queued before it and before every data frame still
 * queued (but the one whose records are under way).
 *
 * Returns: %FALSE if @msg cannot be encoded or the link is closed or too slow
 */
static gboolean
encode_message (gpointer msg, GByteArray *out, GError **error)
{
  return serval_message_encode (msg, out, error);
}

gboolean
serval_link_send (ServalLink *link, const Message_t *msg, GError **error)
{
  return serval_link_send_encoded (link, encode_message, (gpointer) msg, error);
}

/**
 * serval_link_send_encoded:
 * @link: a link
 * @encode: (scope call): appends one message, length prefix first, to the
 *   queue it is given (as serval_message_encode() does)
 * @data: for @encode
 * @error: return location for a #GError
 *
 * As serval_link_send(), for a message encoded another way: one event made
 * of parts encoded once for many links (serval_message_encode_member_changes()).
 *
 * Returns: %FALSE if @encode fails or the link is closed or too slow
 */
gboolean
serval_link_send_encoded (ServalLink *link, ServalLinkEncodeFunc encode, gpointer data, GError **error)
{
  if (link->closed || link->closing)
    {
      g_set_error (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_CLOSED,
                   _("The link to %s is closed"), link->peer);
      return FALSE;
    }
  if (!serval_link_check_queue (link))
    {
      g_set_error (error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TOO_SLOW,
                   _("%s does not read what is sent to it"), link->peer);
      return FALSE;
    }
  if (link->mbuf == NULL)
    link->mbuf = g_byte_array_new ();
  if (!encode (data, link->mbuf, error))
    {
      if (link->mbuf->len == 0)
        g_clear_pointer (&link->mbuf, g_byte_array_unref);
      return FALSE;
    }
  serval_link_schedule_flush (link);
  return TRUE;
}

/**
 * serval_link_set_drain_func:
 * @link: a link
 * @low_water: queued bytes under which @func is called
 * @func: (nullable) (scope forever): called after a write that left fewer
 *   than @low_water bytes queued; %NULL for none
 * @user_data: for @func; it must outlive it (set %NULL before freeing it)
 *
 * Lets a caller hold frames back and queue them as the link empties: @func
 * queues more (serval_link_send_frame()), which leave in the same flush
 * when the socket takes them. Not called on a closed or closing link.
 */
void
serval_link_set_drain_func (ServalLink *link, gsize low_water, ServalLinkDrainFunc func, gpointer user_data)
{
  link->drain_func = func;
  link->drain_data = user_data;
  link->drain_low_water = low_water;
}

void
serval_link_drain (ServalLink *link)
{
  if (link->drain_func == NULL || link->closed || link->closing ||
      serval_link_get_queued (link) >= link->drain_low_water)
    return;
  link->drain_func (link, link->drain_data);
}
