/* libFuzzer target: the DHCP parser (engine/serval-dhcp.c). The input is
 * one Ethernet frame. A message that parses is answered with a reply built
 * from it, which must parse back with the same transaction, client and
 * type. */
#include "config.h"

#include <string.h>

#include "serval-dhcp.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const ServalDhcpType types[] = { SERVAL_DHCP_OFFER, SERVAL_DHCP_ACK, SERVAL_DHCP_NAK };
  ServalDhcpMessage msg, back;
  ServalDhcpReply reply = { SERVAL_DHCP_OFFER, { 10, 0, 0, 5 }, { 10, 0, 0, 1 }, { 2, 0x53, 0x56, 0, 0, 1 }, 24, 3600 };
  g_autoptr (GBytes) bytes = NULL;
  const guint8 *r;
  gsize len;

  (void) serval_dhcp_is_client_frame (data, size);
  (void) serval_dhcp_is_server_frame (data, size);
  if (!serval_dhcp_parse (data, size, &msg))
    return 0;
  g_assert_cmpuint (strlen (msg.hostname), <, sizeof msg.hostname);
  g_assert_cmpint (msg.type, >=, SERVAL_DHCP_DISCOVER);
  g_assert_cmpint (msg.type, <=, SERVAL_DHCP_INFORM);
  g_assert_true (msg.state == SERVAL_DHCP_STATE_NONE || msg.type == SERVAL_DHCP_REQUEST);
  /* The reply's fields from the message, so that each path is taken. */
  reply.type = types[msg.xid % 3];
  reply.prefix_len = msg.xid >> 8 & 63;
  reply.lease_seconds = msg.xid >> 16;
  bytes = serval_dhcp_build_reply (&msg, &reply);
  r = g_bytes_get_data (bytes, &len);
  g_assert_true (serval_dhcp_is_server_frame (r, len));
  g_assert_true (serval_dhcp_parse (r, len, &back));
  g_assert_cmpuint (back.xid, ==, msg.xid);
  g_assert_cmpint (back.type, ==, reply.type);
  g_assert_cmpmem (back.chaddr, 6, msg.chaddr, 6);
  return 0;
}
