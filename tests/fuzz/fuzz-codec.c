/* libFuzzer target: one message body through the decoder. A message that
 * decodes must re-encode to the same bytes after a second decode (DER is
 * canonical), and the data fast path must agree with asn1c. */
#include "config.h"

#include <string.h>

#include "serval-codec.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Message_t) msg = serval_message_decode (data, size, &error);
  const guint8 *frame;
  gsize flen;
  guint32 vlan;
  gboolean fast = serval_data_parse (data, size, &vlan, &frame, &flen);

  g_assert_true ((msg == NULL) != (error == NULL));
  if (fast)
    {
      /* Whatever the fast path accepts is a valid data message. */
      g_assert_nonnull (msg);
      g_assert_cmpint (msg->present, ==, Message_PR_data);
      g_assert_cmpuint (msg->choice.data.vlan, ==, vlan);
      g_assert_cmpmem (msg->choice.data.frame.buf, msg->choice.data.frame.size, frame, flen);
    }
  if (msg != NULL)
    {
      g_autoptr(GByteArray) a = g_byte_array_new ();
      g_autoptr(GByteArray) b = g_byte_array_new ();
      g_autoptr(Message_t) again = NULL;

      g_assert_true (serval_message_encode (msg, a, NULL));
      again = serval_message_decode (a->data + 4, a->len - 4, &error);
      g_assert_no_error (error);
      g_assert_true (serval_message_encode (again, b, NULL));
      g_assert_cmpmem (a->data, a->len, b->data, b->len);
    }
  return 0;
}
