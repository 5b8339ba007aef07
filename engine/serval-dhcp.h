/* serval-dhcp.h: the DHCPv4 server's codec, for a VLAN whose switch hands
 * out addresses (serval_switch_vlan_set_dhcp()).
 *
 * The switch reads a client's message from the frame a member sent
 * (serval_dhcp_parse(), fuzzed in tests/fuzz/fuzz-dhcp.c) and gives it to
 * the server, which looks the lease up in its store and answers later with
 * a frame built by serval_dhcp_build_reply(), sent with
 * serval_switch_port_send(). The addresses handed out have no gateway and
 * no DNS server: the reply carries the subnet mask, the lease and renewal
 * times, and nothing else. Pure code: no I/O, no clock.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ServalDhcpType:
 * @SERVAL_DHCP_DISCOVER: a client looks for servers
 * @SERVAL_DHCP_OFFER: a server offers an address
 * @SERVAL_DHCP_REQUEST: a client asks for an address (see #ServalDhcpState)
 * @SERVAL_DHCP_DECLINE: a client found its address in use
 * @SERVAL_DHCP_ACK: a server grants a lease
 * @SERVAL_DHCP_NAK: a server refuses a request
 * @SERVAL_DHCP_RELEASE: a client gives its address back
 * @SERVAL_DHCP_INFORM: a client with an address asks for the options only
 *
 * The DHCP message type (option 53), with RFC 2131's values.
 */
typedef enum
{
  SERVAL_DHCP_DISCOVER = 1,
  SERVAL_DHCP_OFFER,
  SERVAL_DHCP_REQUEST,
  SERVAL_DHCP_DECLINE,
  SERVAL_DHCP_ACK,
  SERVAL_DHCP_NAK,
  SERVAL_DHCP_RELEASE,
  SERVAL_DHCP_INFORM,
} ServalDhcpType;

/**
 * ServalDhcpState:
 * @SERVAL_DHCP_STATE_NONE: not a REQUEST
 * @SERVAL_DHCP_STATE_SELECTING: answers an OFFER (server identifier and
 *   requested address set, ciaddr 0)
 * @SERVAL_DHCP_STATE_INIT_REBOOT: a client that rebooted asks for the
 *   address it had (requested address, no server identifier, ciaddr 0)
 * @SERVAL_DHCP_STATE_RENEWING: ciaddr set, sent to the server (unicast)
 * @SERVAL_DHCP_STATE_REBINDING: ciaddr set, broadcast
 *
 * Which of RFC 2131's client states (section 4.3.2) a REQUEST comes from.
 */
typedef enum
{
  SERVAL_DHCP_STATE_NONE = 0,
  SERVAL_DHCP_STATE_SELECTING,
  SERVAL_DHCP_STATE_INIT_REBOOT,
  SERVAL_DHCP_STATE_RENEWING,
  SERVAL_DHCP_STATE_REBINDING,
} ServalDhcpState;

/**
 * ServalDhcpMessage:
 * @type: the message type
 * @state: for a REQUEST, the client's state; otherwise NONE
 * @xid: the transaction id
 * @broadcast: the client asked for broadcast replies (flags bit 15)
 * @chaddr: the client's hardware address
 * @ciaddr: the client's address (RENEWING, REBINDING, RELEASE, INFORM)
 * @has_requested_ip: option 50 was there
 * @requested_ip: the address the client asks for (or declines)
 * @has_server_id: option 54 was there
 * @server_id: the server the client chose
 * @ip_src: the IPv4 source of the frame
 * @ip_dst: the IPv4 destination of the frame
 * @hostname: option 12, only its letters, digits, '-', '_' and '.'; "" if
 *   none
 * @yiaddr: a reply's address given ("your address")
 * @lease_seconds: a reply's lease time (option 51), 0 if none
 * @renew_seconds: a reply's T1 (option 58), 0 if none
 * @rebind_seconds: a reply's T2 (option 59), 0 if none
 * @prefix_len: a reply's subnet mask (option 1) as a prefix length; -1 if
 *   none or not a prefix
 *
 * A DHCP message, read from its frame by serval_dhcp_parse(): a client's
 * (what the switch gives the server) or a server's (the fields for a reply
 * are only set in those). Addresses are in network byte order.
 */
typedef struct
{
  ServalDhcpType type;
  ServalDhcpState state;
  guint32 xid;
  gboolean broadcast;
  guint8 chaddr[6];
  guint8 ciaddr[4];
  gboolean has_requested_ip;
  guint8 requested_ip[4];
  gboolean has_server_id;
  guint8 server_id[4];
  guint8 ip_src[4];
  guint8 ip_dst[4];
  char hostname[64];
  guint8 yiaddr[4];
  guint32 lease_seconds;
  guint32 renew_seconds;
  guint32 rebind_seconds;
  int prefix_len;
} ServalDhcpMessage;

/**
 * ServalDhcpReply:
 * @type: %SERVAL_DHCP_OFFER, %SERVAL_DHCP_ACK or %SERVAL_DHCP_NAK
 * @yiaddr: the address given (0.0.0.0 for a NAK and an INFORM's ACK)
 * @server_ip: the server's address in the subnet (the server identifier)
 * @server_mac: (array fixed-size=6): the server's MAC in the VLAN
 *   (serval_switch_dhcp_mac())
 * @prefix_len: the subnet's prefix length, 0..32 (the subnet mask)
 * @lease_seconds: the lease time; T1 is half of it, T2 seven eighths. 0
 *   for no lease options (the ACK to an INFORM)
 *
 * What the server answers.
 */
typedef struct
{
  ServalDhcpType type;
  guint8 yiaddr[4];
  guint8 server_ip[4];
  guint8 server_mac[6];
  guint prefix_len;
  guint32 lease_seconds;
} ServalDhcpReply;

/**
 * serval_dhcp_is_client_frame:
 * @frame: (array length=len): an Ethernet frame
 * @len: its length
 *
 * Returns: whether @frame is IPv4 UDP from port 68 to port 67 (a message
 *   of a DHCP client, valid or not)
 */
gboolean serval_dhcp_is_client_frame (const guint8 *frame, gsize len);
/**
 * serval_dhcp_is_server_frame:
 * @frame: (array length=len): an Ethernet frame
 * @len: its length
 *
 * Returns: whether @frame is IPv4 UDP from port 67 to port 68 (a DHCP
 *   server's reply)
 */
gboolean serval_dhcp_is_server_frame (const guint8 *frame, gsize len);
/**
 * serval_dhcp_parse:
 * @frame: (array length=len): an Ethernet frame
 * @len: its length
 * @msg: (out caller-allocates): the message, set on success
 *
 * Reads a DHCP message: Ethernet, IPv4 (not fragmented), UDP from 68 to 67
 * with a BOOTREQUEST (a client's: DISCOVER, REQUEST, DECLINE, RELEASE,
 * INFORM) or from 67 to 68 with a BOOTREPLY (a server's: OFFER, ACK, NAK),
 * for Ethernet, with the magic cookie, and the options (option overload is
 * not honoured: sname and file are not read).
 *
 * Returns: whether @frame is such a message with a message type that fits
 *   its direction
 */
gboolean serval_dhcp_parse (const guint8 *frame, gsize len, ServalDhcpMessage *msg);
/**
 * serval_dhcp_build_reply:
 * @request: the client's message
 * @reply: the answer
 *
 * Builds the whole Ethernet frame of the answer, from @reply->server_mac
 * and @reply->server_ip, UDP 67 to 68, IPv4 and UDP checksums set. Where
 * it goes follows RFC 2131 section 4.1: a NAK is broadcast; a reply to a
 * client with an address (ciaddr) is unicast to it; otherwise broadcast
 * if the client asked for it (the broadcast flag), else unicast to
 * @reply->yiaddr at the client's MAC. Options: message type, server
 * identifier, and (OFFER, ACK) the subnet mask, with @lease_seconds the
 * lease, renewal (T1) and rebinding (T2) times. No router, no DNS.
 *
 * Returns: (transfer full): the frame
 */
GBytes *serval_dhcp_build_reply (const ServalDhcpMessage *request, const ServalDhcpReply *reply);

G_END_DECLS
