/* serval-switch-remote.c: the members of the other nodes of a cluster in
 * this node's switch. Their MACs are pinned to the trunk to their node
 * (serval_switch_vlan_pin_remote()), as a local member's is to its port: no
 * local port of another user may send from them. Their addresses are claimed
 * for that trunk in serval-switch-l3.c (serval_switch_vlan_claim_remote()).
 *
 * A member that fails over to this node comes before the registry says it
 * left the node it was on: a port of its own user may send from its MAC,
 * and pin it, while that node's pin is still here. */
#include "config.h"

#include "serval-switch-private.h"

typedef struct
{
  guint64 mac;
  ServalSwitchPort *trunk;
  const char *user; /* interned */
} RemotePin;

gboolean
serval_switch_vlan_pin_remote (ServalSwitch *sw, guint32 tag, ServalSwitchPort *trunk, const guint8 mac[6],
                               const char *user)
{
  Membership *m = serval_switch_port_membership (trunk, tag);
  RemotePin *pin;
  ServalSwitchPort *learned;

  g_return_val_if_fail (trunk->trunk && user != NULL, FALSE);
  if (m == NULL)
    return FALSE;
  if (m->vlan->remote_pins == NULL)
    m->vlan->remote_pins = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  pin = g_new0 (RemotePin, 1);
  pin->mac = serval_switch_mac_key (mac);
  pin->trunk = trunk;
  pin->user = g_intern_string (user);
  g_hash_table_replace (m->vlan->remote_pins, &pin->mac, pin);
  /* Learned on a local port of another user before the pin (a spoofer):
   * frames to it go to the flood until the member sends. */
  learned = serval_switch_lookup (sw, tag, mac);
  if (learned != NULL && serval_switch_remote_pinned (m->vlan, learned, pin->mac))
    serval_switch_forget (sw, tag, mac);
  return TRUE;
}

gboolean
serval_switch_vlan_unpin_remote (ServalSwitch *sw, guint32 tag, ServalSwitchPort *trunk, const guint8 mac[6])
{
  Vlan *vlan = serval_switch_get_vlan (sw, tag);
  guint64 key = serval_switch_mac_key (mac);
  RemotePin *pin;

  if (vlan == NULL || vlan->remote_pins == NULL || (pin = g_hash_table_lookup (vlan->remote_pins, &key)) == NULL ||
      pin->trunk != trunk)
    return FALSE;
  g_hash_table_remove (vlan->remote_pins, &key);
  return TRUE;
}

gboolean
serval_switch_remote_pinned (Vlan *vlan, ServalSwitchPort *port, guint64 src)
{
  RemotePin *pin;

  if (vlan->remote_pins == NULL || port->trunk || (pin = g_hash_table_lookup (vlan->remote_pins, &src)) == NULL)
    return FALSE;
  return g_strcmp0 (pin->user, serval_switch_port_get_owner (port)) != 0;
}

void
serval_switch_remote_forget_trunk (Vlan *vlan, ServalSwitchPort *port)
{
  GHashTableIter iter;
  RemotePin *pin;

  if (vlan->remote_pins == NULL || !port->trunk)
    return;
  g_hash_table_iter_init (&iter, vlan->remote_pins);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pin))
    if (pin->trunk == port)
      g_hash_table_iter_remove (&iter);
}
