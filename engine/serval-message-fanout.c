/* serval-message-fanout.c: one member event to many members (issue 17).
 *
 * In a big VLAN every change goes to every member, each with the changes
 * that wait for it: the DER of each change is made once
 * (serval_member_change_encode()) and each member's event is framed around
 * those bytes (serval_message_encode_spliced()), byte for byte what asn1c
 * makes of serval_event_build_member_changes(). asn1c encoding each change
 * again for each member was most of the server's CPU in a reconnect storm
 * in a VLAN of 2,000.
 */
#include "config.h"

#include "serval-message.h"

#include <glib/gi18n-lib.h>

#include "serval-codec.h"

/* --- a list spliced into a message ---------------------------------------- */

#define SPLICE_DEPTH 8

/* The TLV at @p: *@tag_len bytes of tag, its content at the return value,
 * *@len bytes; NULL if it runs past @end or its length is not definite. */
static const guint8 *
der_tlv (const guint8 *p, const guint8 *end, gsize *tag_len, gsize *len)
{
  const guint8 *q = p;
  gsize n;

  if (q >= end)
    return NULL;
  if ((*q++ & 0x1f) == 0x1f) /* a tag number over 30 */
    {
      while (q < end && (*q & 0x80))
        q++;
      q++;
    }
  if (q >= end)
    return NULL;
  *tag_len = q - p;
  if (*q < 0x80)
    *len = *q++;
  else
    {
      n = *q++ & 0x7f;
      if (n == 0 || n > 3 || q + n > end)
        return NULL;
      for (*len = 0; n > 0; n--)
        *len = (*len << 8) | *q++;
    }
  return *len <= (gsize) (end - q) ? q : NULL;
}

gboolean
serval_message_encode_spliced (GByteArray *out, const guint8 *tmpl, gsize tmpl_len, gsize elem_len,
                               GBytes *const *elems, guint n, GError **error)
{
  const guint8 *end = tmpl + tmpl_len;
  const guint8 *list = end - elem_len; /* where the template's one element starts */
  const guint8 *p = tmpl;
  struct
  {
    const guint8 *tag, *siblings;
    gsize tag_len, siblings_len, len;
  } level[SPLICE_DEPTH];
  guint depth = 0;
  guint start = out->len;
  gsize inner = 0;

  g_return_val_if_fail (elem_len <= tmpl_len, FALSE);
  /* The TLVs that end where the template ends hold the element: their
   * headers are written again with the new lengths; what else each holds
   * before the next (the VLAN's name) is copied as it is. */
  while (p < list)
    {
      gsize tag_len, len;
      const guint8 *content = der_tlv (p, end, &tag_len, &len);

      if (content == NULL)
        goto bad;
      if (content + len < end && depth > 0)
        {
          level[depth - 1].siblings_len = content + len - level[depth - 1].siblings;
          p = content + len;
          continue;
        }
      if (content + len < end || depth == SPLICE_DEPTH)
        goto bad;
      level[depth].tag = p;
      level[depth].tag_len = tag_len;
      level[depth].siblings = content;
      level[depth].siblings_len = 0;
      depth++;
      p = content;
    }
  if (p != list || depth == 0)
    goto bad;
  for (guint i = 0; i < n; i++)
    inner += g_bytes_get_size (elems[i]);
  /* From the innermost out: each one's content is what it holds before the
   * next one, and the next one whole. */
  for (guint d = depth; d-- > 0;)
    {
      guint8 length[4];

      level[d].len = level[d].siblings_len + inner;
      inner = level[d].tag_len + serval_der_put_length (length, level[d].len) + level[d].len;
    }
  if (inner > SERVAL_MAX_MESSAGE)
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
                   _("Cannot send a member event: it does not fit in %u bytes"), SERVAL_MAX_MESSAGE);
      return FALSE;
    }
  g_byte_array_set_size (out, start + SERVAL_LENGTH_PREFIX);
  out->data[start] = inner >> 24;
  out->data[start + 1] = inner >> 16;
  out->data[start + 2] = inner >> 8;
  out->data[start + 3] = inner;
  for (guint d = 0; d < depth; d++)
    {
      guint8 length[4];

      g_byte_array_append (out, level[d].tag, level[d].tag_len);
      g_byte_array_append (out, length, serval_der_put_length (length, level[d].len));
      g_byte_array_append (out, level[d].siblings, level[d].siblings_len);
    }
  for (guint i = 0; i < n; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (elems[i], &size);

      g_byte_array_append (out, data, size);
    }
  return TRUE;

bad:
  g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
               "Cannot send a member event: its template does not end with its one change");
  return FALSE;
}

/* --- the member event --------------------------------------------------- */

gboolean
serval_message_encode_member_changes (GByteArray *out, const char *vlan, GBytes *const *changes, guint n,
                                      GError **error)
{
  static const guint8 mac[6] = { 2, 0, 0, 0, 0, 1 };
  g_autoptr(ServalMember) dummy = serval_member_new ("u", "h", mac, NULL, "n", 0);
  ServalMemberChange change = { SERVAL_EVENT_MEMBER_JOINED, dummy };
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autoptr(GByteArray) tmpl = g_byte_array_new ();
  g_autoptr(GBytes) elem = serval_member_change_encode (change.kind, dummy, TRUE);
  Message_t *msg;
  gboolean ok;

  g_return_val_if_fail (n > 0 && n <= SERVAL_MEMBER_PAGE_MAX, FALSE);
  /* The event with one change (a stand-in), by asn1c: the frame the
   * changes go in. */
  g_ptr_array_add (one, &change);
  msg = serval_event_build_member_changes (vlan, one);
  ok = serval_message_encode (msg, tmpl, error);
  serval_message_free (msg);
  return ok && serval_message_encode_spliced (out, tmpl->data + SERVAL_LENGTH_PREFIX, tmpl->len - SERVAL_LENGTH_PREFIX,
                                              g_bytes_get_size (elem), changes, n, error);
}
