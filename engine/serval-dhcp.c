/* serval-dhcp.c: the DHCPv4 server's codec (RFC 2131, RFC 2132). */
#include "config.h"

#include "serval-dhcp.h"
#include "serval-gso.h"
#include "serval-util.h"

#include <string.h>

#define BOOTP_LEN    236 /* the fixed part, up to the magic cookie */
#define BOOTP_MIN    300 /* RFC 1542: replies padded to at least this */
#define COOKIE       0x63825363u
#define OPT_PAD      0
#define OPT_MASK     1
#define OPT_HOSTNAME 12
#define OPT_REQ_IP   50
#define OPT_LEASE    51
#define OPT_TYPE     53
#define OPT_SERVER   54
#define OPT_T1       58
#define OPT_T2       59
#define OPT_END      255

static const guint8 BROADCAST_IP[4] = { 255, 255, 255, 255 };
static const guint8 BROADCAST_MAC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The UDP header of an IPv4 UDP frame with ports @sport to @dport, with
 * the IPv4 header's length, or NULL. */
static const guint8 *
udp_of (const guint8 *f, gsize len, guint16 sport, guint16 dport, gsize *ihl)
{
  const guint8 *ip = f + 14, *udp;

  if (len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00 || (ip[0] >> 4) != 4 || ip[9] != 17)
    return NULL;
  *ihl = (gsize) (ip[0] & 15) * 4;
  if (*ihl < 20 || 14 + *ihl + 8 > len)
    return NULL;
  /* Fragments: only the first has the UDP header; the switch parses
   * unfragmented messages only. */
  if ((ip[6] & 0x3f) != 0 || ip[7] != 0)
    return NULL;
  udp = ip + *ihl;
  if ((udp[0] << 8 | udp[1]) != sport || (udp[2] << 8 | udp[3]) != dport)
    return NULL;
  return udp;
}

gboolean
serval_dhcp_is_client_frame (const guint8 *frame, gsize len)
{
  gsize ihl;

  return udp_of (frame, len, 68, 67, &ihl) != NULL;
}

gboolean
serval_dhcp_is_server_frame (const guint8 *frame, gsize len)
{
  gsize ihl;

  return udp_of (frame, len, 67, 68, &ihl) != NULL;
}

static void
copy_hostname (char *out, const guint8 *p, gsize n)
{
  gsize j = 0;

  for (gsize i = 0; i < n && j < 63; i++)
    if (g_ascii_isalnum (p[i]) || p[i] == '-' || p[i] == '_' || p[i] == '.')
      out[j++] = (char) p[i];
  out[j] = '\0';
}

static void
parse_u32_option (ServalDhcpMessage *msg, guint8 code, guint32 v)
{
  int len = 0;

  switch (code)
    {
    case OPT_LEASE: msg->lease_seconds = v; break;
    case OPT_T1: msg->renew_seconds = v; break;
    case OPT_T2: msg->rebind_seconds = v; break;
    default:
      /* A mask is ones, then zeros. */
      while (len < 32 && (v & (0x80000000u >> len)))
        len++;
      msg->prefix_len = len == 32 || (v << len) == 0 ? len : -1;
      break;
    }
}

/* The options; FALSE if they run past the end. */
static gboolean
parse_options (const guint8 *o, gsize left, ServalDhcpMessage *msg)
{
  while (left > 0 && o[0] != OPT_END)
    {
      gsize n;

      if (o[0] == OPT_PAD)
        {
          o++;
          left--;
          continue;
        }
      if (left < 2 || (n = o[1]) + 2 > left)
        return FALSE;
      if (o[0] == OPT_TYPE && n == 1)
        msg->type = o[2];
      else if (o[0] == OPT_REQ_IP && n == 4)
        {
          msg->has_requested_ip = TRUE;
          memcpy (msg->requested_ip, o + 2, 4);
        }
      else if (o[0] == OPT_SERVER && n == 4)
        {
          msg->has_server_id = TRUE;
          memcpy (msg->server_id, o + 2, 4);
        }
      else if (o[0] == OPT_HOSTNAME)
        copy_hostname (msg->hostname, o + 2, n);
      else if (n == 4 && (o[0] == OPT_LEASE || o[0] == OPT_T1 || o[0] == OPT_T2 || o[0] == OPT_MASK))
        parse_u32_option (msg, o[0], (guint32) o[2] << 24 | (guint32) o[3] << 16 | (guint32) o[4] << 8 | o[5]);
      o += n + 2;
      left -= n + 2;
    }
  return TRUE;
}

static ServalDhcpState
request_state (const ServalDhcpMessage *msg)
{
  static const guint8 zero[4] = { 0 };

  if (msg->type != SERVAL_DHCP_REQUEST)
    return SERVAL_DHCP_STATE_NONE;
  if (msg->has_server_id)
    return SERVAL_DHCP_STATE_SELECTING;
  if (memcmp (msg->ciaddr, zero, 4) == 0)
    return SERVAL_DHCP_STATE_INIT_REBOOT;
  return memcmp (msg->ip_dst, BROADCAST_IP, 4) == 0 ? SERVAL_DHCP_STATE_REBINDING : SERVAL_DHCP_STATE_RENEWING;
}

gboolean
serval_dhcp_parse (const guint8 *f, gsize len, ServalDhcpMessage *msg)
{
  const guint8 *udp, *b;
  gsize ihl, ulen;
  gboolean reply = FALSE;

  if ((udp = udp_of (f, len, 68, 67, &ihl)) == NULL && (udp = udp_of (f, len, 67, 68, &ihl)) == NULL)
    return FALSE;
  reply = udp[1] == 67;
  ulen = (gsize) (udp[4] << 8 | udp[5]);
  if (ulen < 8 + BOOTP_LEN + 4 || 14 + ihl + ulen > len)
    return FALSE;
  b = udp + 8;
  /* BOOTREQUEST, Ethernet, 6-byte addresses, the magic cookie. */
  if (b[0] != (reply ? 2 : 1) || b[1] != 1 || b[2] != 6 ||
      ((guint32) b[236] << 24 | (guint32) b[237] << 16 | (guint32) b[238] << 8 | b[239]) != COOKIE)
    return FALSE;
  memset (msg, 0, sizeof *msg);
  msg->xid = (guint32) b[4] << 24 | (guint32) b[5] << 16 | (guint32) b[6] << 8 | b[7];
  msg->broadcast = (b[10] & 0x80) != 0;
  memcpy (msg->ciaddr, b + 12, 4);
  memcpy (msg->yiaddr, b + 16, 4);
  msg->prefix_len = -1;
  memcpy (msg->chaddr, b + 28, 6);
  memcpy (msg->ip_src, f + 14 + 12, 4);
  memcpy (msg->ip_dst, f + 14 + 16, 4);
  if (!parse_options (b + BOOTP_LEN + 4, ulen - 8 - BOOTP_LEN - 4, msg))
    return FALSE;
  if (reply != (msg->type == SERVAL_DHCP_OFFER || msg->type == SERVAL_DHCP_ACK || msg->type == SERVAL_DHCP_NAK) ||
      msg->type < SERVAL_DHCP_DISCOVER || msg->type > SERVAL_DHCP_INFORM)
    return FALSE;
  msg->state = request_state (msg);
  return TRUE;
}

static guint8 *
put_u32 (guint8 *p, guint32 v)
{
  serval_put_be32 (p, v);
  return p + 4;
}

static guint8 *
put_option (guint8 *p, guint8 code, const guint8 *value, guint8 n)
{
  p[0] = code;
  p[1] = n;
  memcpy (p + 2, value, n);
  return p + 2 + n;
}

static guint8 *
put_option_u32 (guint8 *p, guint8 code, guint32 v)
{
  guint8 b[4];

  put_u32 (b, v);
  return put_option (p, code, b, 4);
}

/* The options; returns their end. */
static guint8 *
put_options (guint8 *o, const ServalDhcpReply *reply)
{
  guint8 type = reply->type;

  o = put_u32 (o, COOKIE);
  o = put_option (o, OPT_TYPE, &type, 1);
  o = put_option (o, OPT_SERVER, reply->server_ip, 4);
  if (reply->type != SERVAL_DHCP_NAK)
    {
      guint plen = MIN (reply->prefix_len, 32);

      if (reply->lease_seconds != 0)
        {
          o = put_option_u32 (o, OPT_LEASE, reply->lease_seconds);
          o = put_option_u32 (o, OPT_T1, reply->lease_seconds / 2);
          o = put_option_u32 (o, OPT_T2, (guint32) ((guint64) reply->lease_seconds * 7 / 8));
        }
      o = put_option_u32 (o, OPT_MASK, plen == 0 ? 0 : 0xffffffffu << (32 - plen));
    }
  *o++ = OPT_END;
  return o;
}

/* Where the reply goes (RFC 2131 4.1): its IPv4 and Ethernet destination. */
static void
reply_destination (const ServalDhcpMessage *req, const ServalDhcpReply *reply, guint8 ip[4], guint8 mac[6])
{
  static const guint8 zero[4] = { 0 };

  if (reply->type == SERVAL_DHCP_NAK || (memcmp (req->ciaddr, zero, 4) == 0 && req->broadcast))
    {
      memcpy (ip, BROADCAST_IP, 4);
      memcpy (mac, BROADCAST_MAC, 6);
      return;
    }
  memcpy (ip, memcmp (req->ciaddr, zero, 4) != 0 ? req->ciaddr : reply->yiaddr, 4);
  memcpy (mac, req->chaddr, 6);
}

GBytes *
serval_dhcp_build_reply (const ServalDhcpMessage *req, const ServalDhcpReply *reply)
{
  guint8 *f = g_malloc0 (14 + 20 + 8 + BOOTP_MIN + 64), *ip = f + 14, *udp = ip + 20, *b = udp + 8, *end;
  guint8 dst_ip[4], dst_mac[6], pseudo[12];
  gsize blen, ulen;
  guint16 sum;

  reply_destination (req, reply, dst_ip, dst_mac);
  memcpy (f, dst_mac, 6);
  memcpy (f + 6, reply->server_mac, 6);
  f[12] = 0x08;
  b[0] = 2; /* BOOTREPLY, Ethernet, 6 */
  b[1] = 1;
  b[2] = 6;
  put_u32 (b + 4, req->xid);
  b[10] = req->broadcast ? 0x80 : 0;
  memcpy (b + 12, req->ciaddr, 4);
  memcpy (b + 16, reply->yiaddr, 4);
  memcpy (b + 28, req->chaddr, 6);
  end = put_options (b + BOOTP_LEN, reply);
  blen = MAX ((gsize) (end - b), BOOTP_MIN);
  ulen = 8 + blen;

  ip[0] = 0x45;
  ip[2] = (20 + ulen) >> 8;
  ip[3] = (20 + ulen) & 0xff;
  ip[8] = 64;
  ip[9] = 17;
  memcpy (ip + 12, reply->server_ip, 4);
  memcpy (ip + 16, dst_ip, 4);
  sum = (guint16) ~serval_csum_fold (serval_csum_add (0, ip, 20));
  ip[10] = sum >> 8;
  ip[11] = sum & 0xff;

  udp[1] = 67;
  udp[3] = 68;
  udp[4] = ulen >> 8;
  udp[5] = ulen & 0xff;
  memcpy (pseudo, ip + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = 17;
  pseudo[10] = ulen >> 8;
  pseudo[11] = ulen & 0xff;
  sum = (guint16) ~serval_csum_fold (serval_csum_add (serval_csum_add (0, pseudo, 12), udp, ulen));
  sum = sum == 0 ? 0xffff : sum; /* 0 means "no checksum" in UDP */
  udp[6] = sum >> 8;
  udp[7] = sum & 0xff;
  return g_bytes_new_take (f, 14 + 20 + ulen);
}
