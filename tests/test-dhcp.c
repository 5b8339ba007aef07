/* Unit tests for engine/serval-dhcp.c: clients' messages read, replies
 * built, read back with the same parser, and checked byte by byte against
 * a packet whose checksums were worked out apart from the code. */
#include "config.h"

#include <string.h>

#include "frame-util.h"
#include "serval-dhcp.h"

static const guint8 CLIENT[6] = { 2, 0, 0, 0, 0, 1 };
static const guint8 SERVER_MAC[6] = { 0x02, 0x53, 0x56, 0, 0, 7 };
static const guint8 SERVER_IP[4] = { 10, 9, 0, 1 };
static const guint8 LEASED[4] = { 10, 9, 0, 5 };
static const guint8 BCAST_IP[4] = { 255, 255, 255, 255 };

static void
test_parse_client (void)
{
  guint8 f[600];
  ServalDhcpMessage msg;
  gsize len;

  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_DISCOVER, 0xdeadbeef, TRUE, NULL, NULL, NULL, NULL, "lap top;1");
  g_assert_true (serval_dhcp_is_client_frame (f, len));
  g_assert_false (serval_dhcp_is_server_frame (f, len));
  g_assert_true (serval_dhcp_parse (f, len, &msg));
  g_assert_cmpint (msg.type, ==, SERVAL_DHCP_DISCOVER);
  g_assert_cmpint (msg.state, ==, SERVAL_DHCP_STATE_NONE);
  g_assert_cmpuint (msg.xid, ==, 0xdeadbeef);
  g_assert_true (msg.broadcast);
  g_assert_cmpmem (msg.chaddr, 6, CLIENT, 6);
  g_assert_false (msg.has_requested_ip);
  g_assert_cmpstr (msg.hostname, ==, "laptop1"); /* only what is safe to log */

  /* The four kinds of REQUEST. */
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 1, FALSE, NULL, NULL, LEASED, SERVER_IP, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &msg));
  g_assert_cmpint (msg.state, ==, SERVAL_DHCP_STATE_SELECTING);
  g_assert_true (msg.has_requested_ip && msg.has_server_id);
  g_assert_cmpmem (msg.requested_ip, 4, LEASED, 4);
  g_assert_cmpmem (msg.server_id, 4, SERVER_IP, 4);
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 1, FALSE, NULL, NULL, LEASED, NULL, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &msg));
  g_assert_cmpint (msg.state, ==, SERVAL_DHCP_STATE_INIT_REBOOT);
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 1, FALSE, LEASED, SERVER_IP, NULL, NULL, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &msg));
  g_assert_cmpint (msg.state, ==, SERVAL_DHCP_STATE_RENEWING);
  g_assert_cmpmem (msg.ciaddr, 4, LEASED, 4);
  g_assert_cmpmem (msg.ip_src, 4, LEASED, 4);
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 1, FALSE, LEASED, BCAST_IP, NULL, NULL, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &msg));
  g_assert_cmpint (msg.state, ==, SERVAL_DHCP_STATE_REBINDING);

  for (guint8 t = SERVAL_DHCP_DECLINE; t <= SERVAL_DHCP_INFORM; t++)
    {
      len = fu_dhcp_client (f, CLIENT, t, 1, FALSE, NULL, NULL, LEASED, NULL, NULL);
      g_assert_cmpint (serval_dhcp_parse (f, len, &msg), ==, t != SERVAL_DHCP_ACK && t != SERVAL_DHCP_NAK);
    }

  /* What is not a client's message. */
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_DISCOVER, 1, FALSE, NULL, NULL, NULL, NULL, NULL);
  g_assert_false (serval_dhcp_parse (f, len - 1, &msg)); /* shorter than its UDP length */
  f[14 + 20 + 8 + 236] = 0;                              /* no magic cookie */
  g_assert_false (serval_dhcp_parse (f, len, &msg));
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_DISCOVER, 1, FALSE, NULL, NULL, NULL, NULL, NULL);
  f[14 + 20 + 8 + 240 + 1] = 200; /* option past the end */
  g_assert_false (serval_dhcp_parse (f, len, &msg));
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_DISCOVER, 1, FALSE, NULL, NULL, NULL, NULL, NULL);
  f[14 + 6] = 0x20; /* a fragment */
  g_assert_false (serval_dhcp_is_client_frame (f, len));
  g_assert_false (serval_dhcp_parse (f, len, &msg));
}

static void
test_reply_bytes (void)
{
  /* Worked out apart (Python's struct and a one's complement sum). */
  static const guint8 ip_header[20] = { 0x45, 0, 0x01, 0x48, 0, 0, 0, 0, 0x40, 0x11, 0x65, 0x8e,
                                        10, 9, 0, 1, 10, 9, 0, 5 };
  static const guint8 udp_header[8] = { 0, 67, 0, 68, 0x01, 0x34, 0xf7, 0x3b };
  static const guint8 options[] = { 0x63, 0x82, 0x53, 0x63, 53, 1, 2, 54, 4, 10, 9, 0, 1, 51, 4, 0, 0, 0x0e, 0x10,
                                    58, 4, 0, 0, 0x07, 0x08, 59, 4, 0, 0, 0x0c, 0x4e, 1, 4, 255, 255, 255, 0, 255 };
  guint8 f[600], bootp[236] = { 2, 1, 6, 0, 0x12, 0x34, 0x56, 0x78, [16] = 10, 9, 0, 5, [28] = 2, 0, 0, 0, 0, 1 };
  ServalDhcpMessage req;
  ServalDhcpReply reply = { SERVAL_DHCP_OFFER, { 10, 9, 0, 5 }, { 10, 9, 0, 1 }, { 0 }, 24, 3600 };
  g_autoptr (GBytes) bytes = NULL;
  const guint8 *r;
  gsize len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_DISCOVER, 0x12345678, FALSE, NULL, NULL, NULL, NULL, NULL);

  memcpy (reply.server_mac, SERVER_MAC, 6);
  g_assert_true (serval_dhcp_parse (f, len, &req));
  bytes = serval_dhcp_build_reply (&req, &reply);
  r = g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, ==, 342);
  g_assert_cmpmem (r, 6, CLIENT, 6); /* unicast: no broadcast flag */
  g_assert_cmpmem (r + 6, 6, SERVER_MAC, 6);
  g_assert_cmpuint (r[12], ==, 0x08);
  g_assert_cmpuint (r[13], ==, 0x00);
  g_assert_cmpmem (r + 14, 20, ip_header, 20);
  g_assert_cmpmem (r + 34, 8, udp_header, 8);
  g_assert_cmpmem (r + 42, 236, bootp, 236);
  g_assert_cmpmem (r + 278, sizeof options, options, sizeof options);
  for (gsize i = 278 + sizeof options; i < len; i++)
    g_assert_cmpuint (r[i], ==, 0);
}

/* Replies read back: where each goes, and what it says. */
static void
test_reply_round_trip (void)
{
  static const guint8 zero[4] = { 0 };
  ServalDhcpReply reply = { SERVAL_DHCP_ACK, { 10, 9, 0, 5 }, { 10, 9, 0, 1 }, { 0 }, 20, 86400 };
  guint8 f[600];
  ServalDhcpMessage req, back;
  const guint8 *r;
  gsize len;

  memcpy (reply.server_mac, SERVER_MAC, 6);

  /* Broadcast flag: to everyone. */
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 7, TRUE, NULL, NULL, LEASED, SERVER_IP, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &req));
  {
    g_autoptr (GBytes) b = serval_dhcp_build_reply (&req, &reply);

    r = g_bytes_get_data (b, &len);
    g_assert_true (serval_dhcp_is_server_frame (r, len));
    g_assert_true (serval_dhcp_parse (r, len, &back));
    g_assert_cmpuint (r[0] & r[1] & r[2] & r[3] & r[4] & r[5], ==, 0xff);
    g_assert_cmpmem (r + 14 + 16, 4, BCAST_IP, 4);
    g_assert_cmpint (back.type, ==, SERVAL_DHCP_ACK);
    g_assert_cmpuint (back.xid, ==, 7);
    g_assert_true (back.broadcast);
    g_assert_cmpmem (back.yiaddr, 4, LEASED, 4);
    g_assert_cmpmem (back.chaddr, 6, CLIENT, 6);
    g_assert_true (back.has_server_id);
    g_assert_cmpmem (back.server_id, 4, SERVER_IP, 4);
    g_assert_cmpuint (back.lease_seconds, ==, 86400);
    g_assert_cmpuint (back.renew_seconds, ==, 43200);
    g_assert_cmpuint (back.rebind_seconds, ==, 75600);
    g_assert_cmpint (back.prefix_len, ==, 20);
  }

  /* Renewing: unicast to the client's address. */
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 8, TRUE, LEASED, SERVER_IP, NULL, NULL, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &req));
  {
    g_autoptr (GBytes) b = serval_dhcp_build_reply (&req, &reply);

    r = g_bytes_get_data (b, &len);
    g_assert_cmpmem (r, 6, CLIENT, 6);
    g_assert_cmpmem (r + 14 + 16, 4, LEASED, 4);
  }

  /* A NAK: broadcast, no lease, no mask, no address. */
  reply.type = SERVAL_DHCP_NAK;
  memset (reply.yiaddr, 0, 4);
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_REQUEST, 9, FALSE, NULL, NULL, LEASED, NULL, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &req));
  {
    g_autoptr (GBytes) b = serval_dhcp_build_reply (&req, &reply);

    r = g_bytes_get_data (b, &len);
    g_assert_true (serval_dhcp_parse (r, len, &back));
    g_assert_cmpint (back.type, ==, SERVAL_DHCP_NAK);
    g_assert_cmpmem (r + 14 + 16, 4, BCAST_IP, 4);
    g_assert_cmpuint (back.lease_seconds, ==, 0);
    g_assert_cmpint (back.prefix_len, ==, -1);
    g_assert_cmpmem (back.yiaddr, 4, zero, 4);
  }

  /* The ACK to an INFORM: the mask, no lease times. */
  reply.type = SERVAL_DHCP_ACK;
  reply.lease_seconds = 0;
  reply.prefix_len = 32;
  len = fu_dhcp_client (f, CLIENT, SERVAL_DHCP_INFORM, 10, FALSE, LEASED, BCAST_IP, NULL, NULL, NULL);
  g_assert_true (serval_dhcp_parse (f, len, &req));
  {
    g_autoptr (GBytes) b = serval_dhcp_build_reply (&req, &reply);

    r = g_bytes_get_data (b, &len);
    g_assert_true (serval_dhcp_parse (r, len, &back));
    g_assert_cmpuint (back.lease_seconds, ==, 0);
    g_assert_cmpuint (back.renew_seconds, ==, 0);
    g_assert_cmpint (back.prefix_len, ==, 32);
    g_assert_cmpmem (r + 14 + 16, 4, LEASED, 4);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dhcp/parse-client", test_parse_client);
  g_test_add_func ("/dhcp/reply-bytes", test_reply_bytes);
  g_test_add_func ("/dhcp/reply-round-trip", test_reply_round_trip);
  return g_test_run ();
}
