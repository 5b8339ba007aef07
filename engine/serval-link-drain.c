#include "config.h"

#include "serval-link.h"
#include "serval-link-private.h"

/* A link's drain function: whoever holds frames back for the link (the
 * server's fair queues, serval-fair.h) keeps its queue short, so that
 * management messages (serval_link_send()) wait behind little data. */

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
