#include "config.h"

#include "serval-member.h"

#include <string.h>

struct _ServalMember
{
  GObject parent_instance;

  char *user;
  char *host;
  guint8 mac[6];
  char *mac_string;
  GStrv addresses;
  char *node;
  gint64 since;
};

enum
{
  PROP_0,
  PROP_USER,
  PROP_HOST,
  PROP_MAC,
  PROP_ADDRESSES,
  PROP_NODE,
  PROP_SINCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ServalMember, serval_member, G_TYPE_OBJECT)

static void
serval_member_finalize (GObject *object)
{
  ServalMember *self = SERVAL_MEMBER (object);

  g_free (self->user);
  g_free (self->host);
  g_free (self->mac_string);
  g_strfreev (self->addresses);
  g_free (self->node);
  G_OBJECT_CLASS (serval_member_parent_class)->finalize (object);
}

static void
serval_member_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ServalMember *self = SERVAL_MEMBER (object);

  switch (prop_id)
    {
    case PROP_USER: g_value_set_string (value, self->user); break;
    case PROP_HOST: g_value_set_string (value, self->host); break;
    case PROP_MAC: g_value_set_string (value, self->mac_string); break;
    case PROP_ADDRESSES: g_value_set_boxed (value, self->addresses); break;
    case PROP_NODE: g_value_set_string (value, self->node); break;
    case PROP_SINCE: g_value_set_int64 (value, self->since); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
serval_member_class_init (ServalMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = serval_member_finalize;
  object_class->get_property = serval_member_get_property;

  properties[PROP_USER] = g_param_spec_string ("user", NULL, NULL, NULL, flags);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, flags);
  properties[PROP_MAC] = g_param_spec_string ("mac", NULL, NULL, NULL, flags);
  properties[PROP_ADDRESSES] = g_param_spec_boxed ("addresses", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_NODE] = g_param_spec_string ("node", NULL, NULL, NULL, flags);
  properties[PROP_SINCE] = g_param_spec_int64 ("since", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
serval_member_init (ServalMember *self)
{
}

char *
serval_mac_to_string (const guint8 mac[6])
{
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                          mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

ServalMember *
serval_member_new (const char *user, const char *host, const guint8 mac[6],
                   const char *const *addresses, const char *node, gint64 since)
{
  ServalMember *self = g_object_new (SERVAL_TYPE_MEMBER, NULL);

  self->user = g_strdup (user);
  self->host = g_strdup (host);
  memcpy (self->mac, mac, 6);
  self->mac_string = serval_mac_to_string (mac);
  self->addresses = g_strdupv ((char **) (addresses != NULL ? addresses : (const char *const[]){ NULL }));
  self->node = g_strdup (node);
  self->since = since;
  return self;
}

const char *
serval_member_get_user (ServalMember *self)
{
  return self->user;
}
const char *
serval_member_get_host (ServalMember *self)
{
  return self->host;
}
const char *
serval_member_get_mac (ServalMember *self)
{
  return self->mac_string;
}
const guint8 *
serval_member_get_mac_bytes (ServalMember *self)
{
  return self->mac;
}
const char *const *
serval_member_get_addresses (ServalMember *self)
{
  return (const char *const *) self->addresses;
}
const char *
serval_member_get_node (ServalMember *self)
{
  return self->node;
}
gint64
serval_member_get_since (ServalMember *self)
{
  return self->since;
}

void
serval_member_set_addresses (ServalMember *self, const char *const *addresses)
{
  if (g_strv_equal ((const char *const *) self->addresses, addresses))
    return;
  g_strfreev (self->addresses);
  self->addresses = g_strdupv ((char **) addresses);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESSES]);
}

gboolean
serval_member_same (ServalMember *a, ServalMember *b)
{
  return g_str_equal (a->user, b->user) && g_str_equal (a->host, b->host) &&
         memcmp (a->mac, b->mac, 6) == 0;
}
