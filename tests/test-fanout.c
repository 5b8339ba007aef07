/* test-fanout.c: a coalesced member event made from changes encoded once,
 * and a join answer or a page made from members' DER made once
 * (engine/serval-message-fanout.c), are byte for byte asn1c's encoding of
 * the same message, whatever the number of elements (the lengths then take
 * one to three bytes), with and without services; a template that does not
 * hold an element where it is said to is refused. */
#include "config.h"

#include <string.h>

#include "serval-codec.h"
#include "serval-message.h"
#include "Message.h"

static ServalMember *
member (guint i, gboolean with_extras)
{
  g_autofree char *user = g_strdup_printf ("user-%u", i);
  g_autofree char *host = g_strdup_printf ("host-%u.example.org", i);
  g_autofree char *v4 = g_strdup_printf ("10.77.%u.%u", (i >> 8) & 0xff, i & 0xff);
  const char *addresses[] = { v4, "fd00:77::5", NULL };
  const char *services[] = { "https:8443/admin", "smb", NULL };
  guint8 mac[6] = { 2, 0, 0, 0, i >> 8, i };
  ServalMember *m = serval_member_new (user, host, mac, with_extras ? addresses : NULL, with_extras ? "node-a" : "n",
                                       1700000000 + i);

  if (with_extras)
    serval_member_set_services (m, services);
  return m;
}

static ServalEventKind
kind_of (guint i)
{
  static const ServalEventKind kinds[] = { SERVAL_EVENT_MEMBER_JOINED, SERVAL_EVENT_MEMBER_LEFT,
                                           SERVAL_EVENT_MEMBER_UPDATED };

  return kinds[i % G_N_ELEMENTS (kinds)];
}

/* asn1c's bytes of the event, and ours, for @n changes. */
static void
check_same (const char *vlan, guint n, gboolean services)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_member_change_free);
  g_autoptr(GPtrArray) ders = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GByteArray) want = g_byte_array_new ();
  g_autoptr(GByteArray) got = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  Message_t *msg;

  for (guint i = 0; i < n; i++)
    {
      ServalMember *m = member (i, i % 2 == 0);

      g_ptr_array_add (ders, serval_member_change_encode (kind_of (i), m, services));
      g_ptr_array_add (changes, serval_member_change_new (kind_of (i), m));
    }
  msg = serval_event_build_member_changes (vlan, changes);
  if (!services)
    serval_message_strip_services (msg);
  g_assert_true (serval_message_encode (msg, want, &error));
  serval_message_free (msg);

  /* Behind what the queue holds already, as on a link. */
  g_byte_array_append (got, (const guint8 *) "queued", 6);
  g_assert_true (serval_message_encode_member_changes (got, vlan, (GBytes **) ders->pdata, n, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got->data + 6, got->len - 6, want->data, want->len);
}

static void
test_same_bytes (void)
{
  /* 1 and 2 changes: one-byte lengths; 10: two; 500 (the most): three. */
  const guint counts[] = { 1, 2, 3, 10, 100, 499, 500 };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_test_message ("%u changes", counts[i]);
      check_same ("red", counts[i], TRUE);
      check_same ("a-vlan-with-a-longer-name", counts[i], FALSE);
    }
}

static gboolean
holds (const guint8 *data, gsize len, const char *text)
{
  gsize n = strlen (text);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, text, n) == 0)
      return TRUE;
  return FALSE;
}

/* Without services, a member's services are not in its change. */
static void
test_services_left_out (void)
{
  g_autoptr(ServalMember) m = member (1, TRUE);
  g_autoptr(GBytes) with = serval_member_change_encode (SERVAL_EVENT_MEMBER_JOINED, m, TRUE);
  g_autoptr(GBytes) without = serval_member_change_encode (SERVAL_EVENT_MEMBER_JOINED, m, FALSE);
  gsize with_len, without_len;
  const guint8 *with_data = g_bytes_get_data (with, &with_len);
  const guint8 *without_data = g_bytes_get_data (without, &without_len);

  g_assert_cmpuint (without_len, <, with_len);
  g_assert_true (holds (with_data, with_len, "admin"));
  g_assert_false (holds (without_data, without_len, "admin"));
}

/* The element where the template says, before and after others: the
 * headers around it grow; a place that is not one element is refused, and
 * the queue stays as it was. */
static void
test_template (void)
{
  static const guint8 elem[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
  /* [1] { 80 01 'r'  A1 05 <elem> } */
  static const guint8 last[] = { 0xa1, 0x0a, 0x80, 0x01, 'r', 0xa1, 0x05, 0x30, 0x03, 0x0a, 0x01, 0x00 };
  /* [1] { A1 05 <elem>  80 01 'r' } */
  static const guint8 first[] = { 0xa1, 0x0a, 0xa1, 0x05, 0x30, 0x03, 0x0a, 0x01, 0x00, 0x80, 0x01, 'r' };
  static const guint8 last_two[] = { 0, 0, 0, 17, 0xa1, 0x0f, 0x80, 0x01, 'r', 0xa1, 0x0a,
                                     0x30, 0x03, 0x0a, 0x01, 0x00, 0x30, 0x03, 0x0a, 0x01, 0x00 };
  static const guint8 first_two[] = { 0, 0, 0, 17, 0xa1, 0x0f, 0xa1, 0x0a, 0x30, 0x03, 0x0a, 0x01, 0x00,
                                      0x30, 0x03, 0x0a, 0x01, 0x00, 0x80, 0x01, 'r' };
  g_autoptr(GBytes) one = g_bytes_new_static (elem, sizeof elem);
  GBytes *elems[] = { one, one };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (serval_message_encode_spliced (out, last, sizeof last, 7, sizeof elem, elems, 2, &error));
  g_assert_cmpmem (out->data, out->len, last_two, sizeof last_two);
  g_byte_array_set_size (out, 0);
  g_assert_true (serval_message_encode_spliced (out, first, sizeof first, 4, sizeof elem, elems, 2, &error));
  g_assert_cmpmem (out->data, out->len, first_two, sizeof first_two);
  g_byte_array_set_size (out, 0);

  /* Inside the element, across two TLVs, past a cut template. */
  g_assert_false (serval_message_encode_spliced (out, first, sizeof first, 5, 4, elems, 2, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE);
  g_clear_error (&error);
  g_assert_false (serval_message_encode_spliced (out, first, sizeof first, 4, 8, elems, 2, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE);
  g_clear_error (&error);
  g_assert_false (serval_message_encode_spliced (out, last, sizeof last - 1, 7, sizeof elem - 1, elems, 2, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE);
  g_assert_cmpuint (out->len, ==, 0);
}

/* A join answer (with its total and the leased address, after the list)
 * and a page of members, from each member's DER made once: asn1c's bytes,
 * for 0 to 500 members, with and without services. */
static void
check_members (guint n, gboolean services)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) first = g_ptr_array_new ();
  Message_t *msgs[2][2]; /* [joined, page][all, first only] */

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (members, member (i, i % 2 == 0));
  if (n > 0)
    g_ptr_array_add (first, members->pdata[0]);
  for (guint k = 0; k < 2; k++)
    {
      GPtrArray *list = k == 0 ? members : first;

      msgs[0][k] = serval_response_build_joined (7, "red", 42, list);
      serval_response_set_joined_total (msgs[0][k], 1201);
      serval_response_set_joined_address (msgs[0][k], "10.77.0.5/24", "fd00:77::/64");
      msgs[1][k] = serval_response_build_member_page (8, 1201, 500, list);
    }
  for (guint m = 0; m < 2; m++)
    {
      g_autoptr(GByteArray) want = g_byte_array_new ();
      g_autoptr(GByteArray) got = g_byte_array_new ();
      g_autoptr(GError) error = NULL;

      if (!services)
        {
          serval_message_strip_services (msgs[m][0]);
          serval_message_strip_services (msgs[m][1]);
        }
      g_assert_true (serval_message_encode (msgs[m][0], want, &error));
      g_assert_true (serval_message_encode_members (got, msgs[m][1], members, services, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (got->data, got->len, want->data, want->len);
      serval_message_free (msgs[m][0]);
      serval_message_free (msgs[m][1]);
    }
}

static void
test_members (void)
{
  const guint counts[] = { 0, 1, 2, 3, 100, 500 };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_test_message ("%u members", counts[i]);
      check_members (counts[i], TRUE);
      check_members (counts[i], FALSE);
    }
}

/* A member's DER is made once, and again when its addresses or services
 * change. */
static void
test_member_der_kept (void)
{
  g_autoptr(ServalMember) m = member (3, TRUE);
  GBytes *der = serval_member_get_der (m, TRUE);
  const char *addresses[] = { "10.77.9.9", NULL };
  const char *services[] = { "http:8080", NULL };
  g_autoptr(GBytes) fresh = NULL;

  g_assert_nonnull (der);
  g_assert_true (serval_member_get_der (m, TRUE) == der);
  g_assert_true (serval_member_get_der (m, FALSE) != der);
  serval_member_set_addresses (m, addresses);
  fresh = serval_member_encode (m, TRUE);
  g_assert_true (g_bytes_equal (serval_member_get_der (m, TRUE), fresh));
  g_clear_pointer (&fresh, g_bytes_unref);
  serval_member_set_services (m, services);
  fresh = serval_member_encode (m, TRUE);
  g_assert_true (g_bytes_equal (serval_member_get_der (m, TRUE), fresh));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/fanout/same-bytes", test_same_bytes);
  g_test_add_func ("/engine/fanout/services-left-out", test_services_left_out);
  g_test_add_func ("/engine/fanout/template", test_template);
  g_test_add_func ("/engine/fanout/members", test_members);
  g_test_add_func ("/engine/fanout/member-der-kept", test_member_der_kept);
  return g_test_run ();
}
