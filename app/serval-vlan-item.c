/* serval-vlan-item.c: one VLAN as the main window and the tray show it. */
#include "config.h"

#include "serval-vlan-item.h"

struct _ServalVlanItem
{
  GObject parent_instance;
  char *name;
  guint members;
  ServalClientVlan *vlan;
  gboolean busy;
  char *address; /* "sv-blue · 10.77.0.5", or NULL */
};

G_DEFINE_FINAL_TYPE (ServalVlanItem, serval_vlan_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_MEMBERS,
  PROP_VLAN,
  PROP_JOINED,
  PROP_BUSY,
  PROP_ADDRESS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void
serval_vlan_item_dispose (GObject *object)
{
  ServalVlanItem *item = SERVAL_VLAN_ITEM (object);

  g_clear_object (&item->vlan);
  G_OBJECT_CLASS (serval_vlan_item_parent_class)->dispose (object);
}

static void
serval_vlan_item_finalize (GObject *object)
{
  g_free (SERVAL_VLAN_ITEM (object)->name);
  g_free (SERVAL_VLAN_ITEM (object)->address);
  G_OBJECT_CLASS (serval_vlan_item_parent_class)->finalize (object);
}

static void
serval_vlan_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ServalVlanItem *item = SERVAL_VLAN_ITEM (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, item->name); break;
    case PROP_MEMBERS: g_value_set_uint (value, item->members); break;
    case PROP_VLAN: g_value_set_object (value, item->vlan); break;
    case PROP_JOINED: g_value_set_boolean (value, item->vlan != NULL); break;
    case PROP_BUSY: g_value_set_boolean (value, item->busy); break;
    case PROP_ADDRESS: g_value_set_string (value, item->address); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
serval_vlan_item_class_init (ServalVlanItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = serval_vlan_item_dispose;
  object_class->finalize = serval_vlan_item_finalize;
  object_class->get_property = serval_vlan_item_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_MEMBERS] = g_param_spec_uint ("members", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_VLAN] = g_param_spec_object ("vlan", NULL, NULL, SERVAL_TYPE_CLIENT_VLAN, flags);
  properties[PROP_JOINED] = g_param_spec_boolean ("joined", NULL, NULL, FALSE, flags);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, flags);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
serval_vlan_item_init (ServalVlanItem *item)
{
}

ServalVlanItem *
serval_vlan_item_new (const char *name)
{
  ServalVlanItem *item = g_object_new (SERVAL_TYPE_VLAN_ITEM, NULL);

  item->name = g_strdup (name);
  return item;
}

const char *
serval_vlan_item_get_name (ServalVlanItem *item)
{
  return item->name;
}
guint
serval_vlan_item_get_members (ServalVlanItem *item)
{
  return item->members;
}
ServalClientVlan *
serval_vlan_item_get_vlan (ServalVlanItem *item)
{
  return item->vlan;
}
gboolean
serval_vlan_item_get_joined (ServalVlanItem *item)
{
  return item->vlan != NULL;
}
gboolean
serval_vlan_item_get_busy (ServalVlanItem *item)
{
  return item->busy;
}

void
serval_vlan_item_set_members (ServalVlanItem *item, guint members)
{
  if (item->members == members)
    return;
  item->members = members;
  g_object_notify_by_pspec (G_OBJECT (item), properties[PROP_MEMBERS]);
}

void
serval_vlan_item_set_vlan (ServalVlanItem *item, ServalClientVlan *vlan)
{
  gboolean was_joined = item->vlan != NULL;

  if (!g_set_object (&item->vlan, vlan))
    return;
  g_object_notify_by_pspec (G_OBJECT (item), properties[PROP_VLAN]);
  if (was_joined != (vlan != NULL))
    g_object_notify_by_pspec (G_OBJECT (item), properties[PROP_JOINED]);
}

void
serval_vlan_item_set_busy (ServalVlanItem *item, gboolean busy)
{
  busy = !!busy;
  if (item->busy == busy)
    return;
  item->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (item), properties[PROP_BUSY]);
}

const char *
serval_vlan_item_get_address (ServalVlanItem *item)
{
  return item->address;
}

void
serval_vlan_item_set_address (ServalVlanItem *item, const char *address)
{
  if (g_strcmp0 (item->address, address) == 0)
    return;
  g_free (item->address);
  item->address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (item), properties[PROP_ADDRESS]);
}
