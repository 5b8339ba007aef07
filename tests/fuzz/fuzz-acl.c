/* libFuzzer target: the frame classifier (engine/serval-acl.c) and the
 * managed switch's path for it (engine/serval-switch-l3.c). The input is
 * one Ethernet frame, classified, then sent by each of four ports of a
 * VLAN with rules, claimed addresses and a DHCP server; the fourth is a
 * trunk to another node, with a member of bob's whose MAC is pinned to it
 * and whose addresses are claimed for it. The switch answers only the
 * asker, and delivers nothing for a frame it did not forward. */
#include "config.h"

#include <string.h>

#include "serval-switch.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define N_PORTS 4

static guint delivered[N_PORTS];
static ServalSwitchPort *ports[N_PORTS];

static void
output_cb (ServalSwitchPort *port, const ServalFrame *frame, gpointer user_data)
{
  g_assert_cmpuint (frame->len, >=, 14);
  delivered[GPOINTER_TO_UINT (user_data)]++;
}

static void
dhcp_cb (ServalSwitchPort *port, guint32 vlan, const ServalDhcpMessage *msg, gpointer user_data)
{
  g_assert_cmpuint (vlan, ==, 1);
  g_assert_cmpint (msg->type, >=, SERVAL_DHCP_DISCOVER);
}

static ServalAcl *
make_acl (void)
{
  static const char *const texts[] = { "allow proto tcp from alice port 22", "deny proto tcp port 20-25",
                                       "deny from carol to bob", "deny proto icmp6 dst fe80::/10",
                                       "deny proto udp src 10.0.0.0/8 port 53", "deny proto 0x88b5" };
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_rule_free);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_ptr_array_add (rules, serval_rule_parse_string (texts[i], NULL));
  return serval_acl_new (rules);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const char *const owners[] = { "alice", "bob", "carol" };
  static const guint8 ip4[4] = { 10, 0, 0, 2 }, ip6[16] = { 0xfe, 0x80, [15] = 2 };
  static const guint8 remote4[4] = { 10, 0, 0, 3 }, remote6[16] = { 0xfe, 0x80, [15] = 3 };
  ServalSwitchDhcpConfig dhcp = { { 10, 0, 0, 1 }, 24, { 0 } };
  g_autoptr (ServalSwitch) sw = serval_switch_new (NULL);
  ServalAclPacket packet;
  guint8 mac[6] = { 2, 0, 0, 0, 0, 0 };

  serval_acl_classify (data, size, &packet);
  g_assert_true (packet.family == 0 || packet.family == 4 || packet.family == 6);
  g_assert_true (!packet.has_port || packet.ip_proto == 6 || packet.ip_proto == 17);

  for (guint i = 0; i < N_PORTS; i++)
    {
      ports[i] = serval_switch_add_port (sw, output_cb, GUINT_TO_POINTER (i));
      if (i < 3)
        serval_switch_port_set_owner (sw, ports[i], owners[i]);
      else
        serval_switch_port_set_trunk (ports[i], TRUE);
      serval_switch_port_join (sw, ports[i], 1);
    }
  mac[5] = 2;
  serval_switch_vlan_claim_address (sw, 1, ports[1], 4, ip4, mac);
  serval_switch_vlan_claim_address (sw, 1, ports[1], 6, ip6, mac);
  mac[5] = 3;
  serval_switch_vlan_pin_remote (sw, 1, ports[3], mac, "bob");
  serval_switch_vlan_claim_remote (sw, 1, ports[3], 4, remote4, mac, "bob");
  serval_switch_vlan_claim_remote (sw, 1, ports[3], 6, remote6, mac, "bob");
  serval_switch_dhcp_mac (1, dhcp.server_mac);
  serval_switch_vlan_set_dhcp (sw, 1, &dhcp);
  serval_switch_set_dhcp_func (sw, dhcp_cb, NULL);
  serval_switch_vlan_set_acl (sw, 1, make_acl ());

  for (guint i = 0; i < N_PORTS; i++)
    {
      ServalFrame frame = { data, size, 1, NULL };
      ServalSwitchVerdict v;
      guint before[N_PORTS];

      memcpy (before, delivered, sizeof before);
      v = serval_switch_input (sw, ports[i], &frame, 0);
      g_assert_cmpint (v, >=, 0);
      g_assert_cmpint (v, <, SERVAL_SWITCH_N_VERDICTS);
      if (v == SERVAL_SWITCH_ANSWERED)
        for (guint j = 0; j < N_PORTS; j++)
          g_assert_cmpuint (delivered[j], ==, before[j] + (j == i));
      else if (v != SERVAL_SWITCH_FORWARDED)
        g_assert_cmpmem (delivered, sizeof delivered, before, sizeof before);
      g_assert_cmpuint (delivered[i], <=, before[i] + (v == SERVAL_SWITCH_ANSWERED));
    }
  return 0;
}
