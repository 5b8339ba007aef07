/* libFuzzer target: a byte stream cut into length-prefixed messages, as a
 * link reads it, fed in chunks whose sizes come from the input itself. */
#include "config.h"

#include <string.h>

#include "serval-codec.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  gsize pos = 0, rpos = 0;

  while (pos < size)
    {
      gsize chunk = 1 + data[pos] % 64;

      chunk = MIN (chunk, size - pos);
      g_byte_array_append (buf, data + pos, chunk);
      pos += chunk;

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          gsize avail = buf->len - rpos, len;
          const guint8 *frame;
          gsize flen;
          guint32 vlan;

          if (avail < SERVAL_LENGTH_PREFIX)
            break;
          if (!serval_frame_length (buf->data + rpos, &len, &error))
            return 0; /* the link closes here */
          if (avail < SERVAL_LENGTH_PREFIX + len)
            break;
          if (!serval_data_parse (buf->data + rpos + 4, len, &vlan, &frame, &flen))
            {
              g_autoptr(Message_t) msg = serval_message_decode (buf->data + rpos + 4, len, &error);

              if (msg == NULL)
                return 0;
            }
          rpos += SERVAL_LENGTH_PREFIX + len;
        }
    }
  return 0;
}
