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
#include <string.h>

#include "serval-codec.h"
#include "Member.h"

static int
append_bytes_cb (const void *buffer, size_t size, void *user_data)
{
  g_byte_array_append (user_data, buffer, size);
  return 0;
}

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
serval_message_encode_spliced (GByteArray *out, const guint8 *tmpl, gsize tmpl_len, gsize elem_off, gsize elem_len,
                               GBytes *const *elems, guint n, GError **error)
{
  const guint8 *end = tmpl + tmpl_len;
  const guint8 *elem = tmpl + elem_off;
  const guint8 *elem_end = elem + elem_len;
  const guint8 *p = tmpl;
  struct
  {
    const guint8 *tag, *content, *end;
    gsize tag_len, len;
  } level[SPLICE_DEPTH];
  guint depth = 0;
  guint start = out->len;
  gsize inner = 0;
  const guint8 *child, *child_end;

  g_return_val_if_fail (elem_off + elem_len <= tmpl_len, FALSE);
  /* The TLVs that hold the element, from the template's own inwards: their
   * headers are written again with the new lengths; what else each holds,
   * before and after the next (a VLAN's name, a total), is copied as it is. */
  while (p < elem)
    {
      gsize tag_len, len;
      const guint8 *content = der_tlv (p, end, &tag_len, &len);

      if (content == NULL)
        goto bad;
      if (content <= elem && content + len >= elem_end && depth < SPLICE_DEPTH)
        {
          level[depth].tag = p;
          level[depth].tag_len = tag_len;
          level[depth].content = content;
          level[depth].end = content + len;
          depth++;
          p = content;
        }
      else if (depth > 0 && content + len <= elem)
        p = content + len; /* before the element, beside it */
      else
        goto bad;
    }
  if (p != elem || depth == 0 || level[0].end != end)
    goto bad;
  for (guint i = 0; i < n; i++)
    inner += g_bytes_get_size (elems[i]);
  /* From the innermost out: each one's content is what it holds before the
   * next one, the next one whole, and what it holds after. */
  child = elem;
  child_end = elem_end;
  for (guint d = depth; d-- > 0;)
    {
      guint8 length[4];

      level[d].len = (child - level[d].content) + inner + (level[d].end - child_end);
      inner = level[d].tag_len + serval_der_put_length (length, level[d].len) + level[d].len;
      child = level[d].tag;
      child_end = level[d].end;
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
      const guint8 *next = d + 1 < depth ? level[d + 1].tag : elem;

      g_byte_array_append (out, level[d].tag, level[d].tag_len);
      g_byte_array_append (out, length, serval_der_put_length (length, level[d].len));
      g_byte_array_append (out, level[d].content, next - level[d].content);
    }
  for (guint i = 0; i < n; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (elems[i], &size);

      g_byte_array_append (out, data, size);
    }
  for (guint d = depth; d-- > 0;)
    {
      const guint8 *after = d + 1 < depth ? level[d + 1].end : elem_end;

      g_byte_array_append (out, after, level[d].end - after);
    }
  return TRUE;

bad:
  g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
               "Cannot send a message of many members: its template does not hold its one element");
  return FALSE;
}

/* --- DER made once ------------------------------------------------------- */

GBytes *
serval_asn_encode_checked (const struct asn_TYPE_descriptor_s *def, const void *sptr, ServalMember *member)
{
  g_autoptr(GByteArray) der = g_byte_array_new ();
  char why[160] = "";
  size_t why_len = sizeof why;

  if (asn_check_constraints ((asn_TYPE_descriptor_t *) def, sptr, why, &why_len) != 0 ||
      der_encode ((asn_TYPE_descriptor_t *) def, (void *) sptr, append_bytes_cb, der).encoded < 0)
    {
      g_warning ("Cannot encode member %s on %s: %s", serval_member_get_user (member),
                 serval_member_get_host (member), *why != '\0' ? why : "the encoder failed");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&der));
}

GBytes *
serval_member_encode (ServalMember *member, gboolean services)
{
  Member_t m = { 0 };
  GBytes *der;

  serval_member_to_asn (member, &m);
  if (!services)
    serval_member_asn_strip_services (&m);
  der = serval_asn_encode_checked (&asn_DEF_Member, &m, member);
  ASN_STRUCT_FREE_CONTENTS_ONLY (asn_DEF_Member, &m);
  return der;
}

/* The content of the constructed TLV in [@p, @end) (or in one inside it)
 * that is exactly @want: a list of one element, @want. */
static const guint8 *
find_list_of (const guint8 *p, const guint8 *end, GBytes *want)
{
  gsize want_len;
  const guint8 *want_data = g_bytes_get_data (want, &want_len);

  while (p < end)
    {
      gsize tag_len, len;
      const guint8 *content = der_tlv (p, end, &tag_len, &len);
      const guint8 *found;

      if (content == NULL)
        return NULL;
      if (*p & 0x20) /* constructed */
        {
          if (len == want_len && memcmp (content, want_data, len) == 0)
            return content;
          if ((found = find_list_of (content, content + len, want)) != NULL)
            return found;
        }
      p = content + len;
    }
  return NULL;
}

gboolean
serval_message_encode_members (GByteArray *out, const Message_t *msg, GPtrArray *members, gboolean services,
                               GError **error)
{
  g_autoptr(GByteArray) tmpl = NULL;
  g_autoptr(GPtrArray) ders = NULL;
  const guint8 *body, *list;
  gsize body_len;

  g_return_val_if_fail (members->len <= SERVAL_MEMBER_PAGE_MAX, FALSE);
  if (members->len <= 1)
    return serval_message_encode (msg, out, error);
  ders = g_ptr_array_sized_new (members->len);
  for (guint i = 0; i < members->len; i++)
    {
      GBytes *der = serval_member_get_der (members->pdata[i], services);

      if (der == NULL) /* (said in the log) */
        {
          g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
                       _("Cannot send a list of members: member %s breaks the protocol's limits"),
                          serval_member_get_user (members->pdata[i]));
          return FALSE;
        }
      g_ptr_array_add (ders, der);
    }
  tmpl = g_byte_array_new ();
  if (!serval_message_encode (msg, tmpl, error))
    return FALSE;
  body = tmpl->data + SERVAL_LENGTH_PREFIX;
  body_len = tmpl->len - SERVAL_LENGTH_PREFIX;
  list = find_list_of (body, body + body_len, ders->pdata[0]);
  if (list == NULL)
    {
      g_set_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE,
                   "Cannot send a list of members: the message does not hold its first one alone");
      return FALSE;
    }
  return serval_message_encode_spliced (out, body, body_len, list - body, g_bytes_get_size (ders->pdata[0]),
                                        (GBytes **) ders->pdata, ders->len, error);
}

/* --- the member event --------------------------------------------------- */

/* The stand-in change every member event's frame is made around, and its
 * DER: the same for every event, made once. */
static ServalMember *
stand_in (GBytes **der)
{
  static ServalMember *member;
  static GBytes *elem;

  if (g_once_init_enter (&member))
    {
      static const guint8 mac[6] = { 2, 0, 0, 0, 0, 1 };
      ServalMember *m = serval_member_new ("u", "h", mac, NULL, "n", 0);

      elem = serval_member_change_encode (SERVAL_EVENT_MEMBER_JOINED, m, TRUE);
      g_once_init_leave (&member, m);
    }
  *der = elem;
  return member;
}

gboolean
serval_message_encode_member_changes (GByteArray *out, const char *vlan, GBytes *const *changes, guint n,
                                      GError **error)
{
  GBytes *elem;
  ServalMemberChange change = { SERVAL_EVENT_MEMBER_JOINED, stand_in (&elem) };
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autoptr(GByteArray) tmpl = g_byte_array_new ();
  Message_t *msg;
  gboolean ok;

  g_return_val_if_fail (n > 0 && n <= SERVAL_MEMBER_PAGE_MAX, FALSE);
  /* The event with one change (the stand-in), by asn1c: the frame the
   * changes go in. */
  g_ptr_array_add (one, &change);
  msg = serval_event_build_member_changes (vlan, one);
  ok = serval_message_encode (msg, tmpl, error);
  serval_message_free (msg);
  return ok && serval_message_encode_spliced (out, tmpl->data + SERVAL_LENGTH_PREFIX, tmpl->len - SERVAL_LENGTH_PREFIX,
                                              tmpl->len - SERVAL_LENGTH_PREFIX - g_bytes_get_size (elem),
                                              g_bytes_get_size (elem), changes, n, error);
}

gboolean
serval_fanout_encode (gpointer fanout, GByteArray *out, GError **error)
{
  const ServalFanout *f = fanout;

  if (f->msg != NULL)
    return serval_message_encode_members (out, f->msg, f->members, f->services, error);
  return serval_message_encode_member_changes (out, f->vlan, f->changes, f->n, error);
}
