#include "config.h"

#include "serval-member.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

struct _ServalMember
{
  GObject parent_instance;

  char *user;
  char *host;
  guint8 mac[6];
  char *mac_string;
  GStrv addresses;
  GStrv services; /* canonical, "https:8443/admin" (serval_service_parse()) */
  char *node;
  gint64 since;
  GBytes *der[2]; /* its DER, without and with services, once asked (serval_member_get_der()) */
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
  PROP_SERVICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ServalMember, serval_member, G_TYPE_OBJECT)

static void
forget_der (ServalMember *self)
{
  g_clear_pointer (&self->der[0], g_bytes_unref);
  g_clear_pointer (&self->der[1], g_bytes_unref);
}

static void
serval_member_finalize (GObject *object)
{
  ServalMember *self = SERVAL_MEMBER (object);

  g_free (self->user);
  g_free (self->host);
  g_free (self->mac_string);
  g_strfreev (self->addresses);
  g_strfreev (self->services);
  g_free (self->node);
  forget_der (self);
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
    case PROP_SERVICES: g_value_set_boxed (value, self->services); break;
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
  properties[PROP_SERVICES] = g_param_spec_boxed ("services", NULL, NULL, G_TYPE_STRV, flags);
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
  self->services = g_new0 (char *, 1);
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
  forget_der (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESSES]);
}

gboolean
serval_member_same (ServalMember *a, ServalMember *b)
{
  return g_str_equal (a->user, b->user) && g_str_equal (a->host, b->host) &&
         memcmp (a->mac, b->mac, 6) == 0;
}

gboolean
serval_member_matches_search (ServalMember *member, const char *search)
{
  return search == NULL || strstr (member->user, search) != NULL || strstr (member->host, search) != NULL;
}

const char *const *
serval_member_get_services (ServalMember *self)
{
  return (const char *const *) self->services;
}

void
serval_member_set_services (ServalMember *self, const char *const *services)
{
  const char *const none[] = { NULL };

  if (services == NULL)
    services = none;
  if (g_strv_equal ((const char *const *) self->services, services))
    return;
  g_strfreev (self->services);
  self->services = g_strdupv ((char **) services);
  forget_der (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
}

/* --- services ------------------------------------------------------------------ */

static gboolean
service_fail (GError **error, const char *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

/* Whether @path (after the port's "/") is printable ASCII, no space, at
 * most SERVAL_SERVICE_PATH_MAX bytes. */
static gboolean
check_path (const char *path, GError **error)
{
  if (strlen (path) > SERVAL_SERVICE_PATH_MAX)
    return service_fail (error, _("The web page's path is longer than 200 bytes: announce a shorter one"));
  for (const char *c = path; *c != '\0'; c++)
    if (*c < 0x21 || *c > 0x7e)
      return service_fail (error, _("The web page's path holds a space, a control character or a character "
                                    "that is not ASCII: percent-encode it"));
  return TRUE;
}

char *
serval_service_parse (const char *spec, GError **error)
{
  gboolean https = g_str_has_prefix (spec, "https:");
  const char *p = https ? spec + 6 : g_str_has_prefix (spec, "http:") ? spec + 5 :
                                                                        spec;
  const char *colon = strchr (spec, ':');
  char *end = NULL;
  guint64 port = 0;

  if (p == spec && colon != NULL && colon < spec + strcspn (spec, "/"))
    {
      service_fail (error, _("The web page to announce has a scheme other than http: or https:; give "
                             "[https:]PORT[/PATH], such as 8080 or https:8443/admin"));
      return NULL;
    }
  if (g_ascii_isdigit (*p))
    port = g_ascii_strtoull (p, &end, 10);
  if (port < 1 || port > 65535 || (*end != '\0' && *end != '/'))
    {
      service_fail (error, _("The web page to announce has no port between 1 and 65535: give "
                             "[https:]PORT[/PATH], such as 8080 or https:8443/admin"));
      return NULL;
    }
  if (*end == '/' && !check_path (end + 1, error))
    return NULL;
  if (*end == '/' && end[1] != '\0')
    return g_strdup_printf ("%s:%u/%s", https ? "https" : "http", (guint) port, end + 1);
  return g_strdup_printf ("%s:%u", https ? "https" : "http", (guint) port);
}

char *
serval_service_uri (const char *service, const char *address)
{
  g_autofree char *canonical = serval_service_parse (service, NULL);
  const char *colon;

  if (canonical == NULL || address == NULL || !g_str_equal (canonical, service))
    return NULL;
  colon = strchr (service, ':');
  return g_strdup_printf ("%.*s://%s%s%s:%s%s", (int) (colon - service), service, strchr (address, ':') ? "[" : "",
                          address, strchr (address, ':') ? "]" : "", colon + 1, strchr (colon, '/') ? "" : "/");
}

GBytes *
serval_member_get_der (ServalMember *self, gboolean services)
{
  GBytes **der = &self->der[services ? 1 : 0];

  if (*der == NULL)
    *der = serval_member_encode (self, services);
  return *der;
}
