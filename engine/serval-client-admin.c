/* serval-client-admin.c: the named calls of a VLAN's configuration (issue
 * 14): its subnet and IPv6 prefix, its access list, the bridge right; and
 * those of administration: VLANs, users and rights, kick. Each
 * is a request of serval-message.h sent with the machinery of
 * serval-client-request.c. */
#include "config.h"

#include "serval-client-private.h"

#include "serval-message.h"

/* The calls of one shape below, each defined in one line: @async sends a
 * request of @kind, whose answer is success or an error, and @finish reads
 * it. Their names stay spelled out for grep; their documentation is in
 * serval-client.h. This one: the request names a VLAN or a user. */
#define DEFINE_NAME_CALL(async, finish, kind)                                                                  \
  void async (ServalClient *client, const char *name, GCancellable *cancellable, GAsyncReadyCallback callback, \
              gpointer user_data)                                                                              \
  {                                                                                                            \
    guint32 id = serval_client_start_simple (client, cancellable, callback, user_data, async);                 \
                                                                                                               \
    if (id != 0)                                                                                               \
      serval_link_send_take (client->link, serval_request_build_name (id, kind, name));                        \
  }                                                                                                            \
  SERVAL_CLIENT_DEFINE_FINISH (finish, async)

/* The same for a request that names a user and a VLAN. */
#define DEFINE_USER_VLAN_CALL(async, finish, kind)                                                 \
  void async (ServalClient *client, const char *user, const char *vlan, GCancellable *cancellable, \
              GAsyncReadyCallback callback, gpointer user_data)                                    \
  {                                                                                                \
    guint32 id = serval_client_start_simple (client, cancellable, callback, user_data, async);     \
                                                                                                   \
    if (id != 0)                                                                                   \
      serval_link_send_take (client->link, serval_request_build_user_vlan (id, kind, user, vlan)); \
  }                                                                                                \
  SERVAL_CLIENT_DEFINE_FINISH (finish, async)

void
serval_client_vlan_set_async (ServalClient *client, const char *vlan, const char *subnet, const char *prefix6,
                              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  guint32 id = serval_client_start_simple (client, cancellable, callback, user_data, serval_client_vlan_set_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_vlan_set (id, vlan, subnet, prefix6));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_vlan_set_finish, serval_client_vlan_set_async)

void
serval_client_rule_add_async (ServalClient *client, const char *vlan, const ServalRule *rule,
                              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  guint32 id = serval_client_start_simple (client, cancellable, callback, user_data, serval_client_rule_add_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_rule_add (id, vlan, rule));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_rule_add_finish, serval_client_rule_add_async)

void
serval_client_rule_del_async (ServalClient *client, const char *vlan, guint index, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  guint32 id = serval_client_start_simple (client, cancellable, callback, user_data, serval_client_rule_del_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_rule_del (id, vlan, index));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_rule_del_finish, serval_client_rule_del_async)

void
serval_client_rule_list_async (ServalClient *client, const char *vlan, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  guint32 id =
      serval_client_start_rule_list (client, cancellable, callback, user_data, serval_client_rule_list_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_name (id, SERVAL_REQUEST_LIST_RULES, vlan));
}

SERVAL_CLIENT_DEFINE_LIST_FINISH (GPtrArray, serval_client_rule_list_finish, serval_client_rule_list_async)

void
serval_client_user_set_bridge_async (ServalClient *client, const char *user, gboolean bridge,
                                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  guint32 id =
      serval_client_start_simple (client, cancellable, callback, user_data, serval_client_user_set_bridge_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_user_set (id, SERVAL_REQUEST_USER_SET_BRIDGE, user, bridge));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_user_set_bridge_finish, serval_client_user_set_bridge_async)

void
serval_client_user_set_rate_limit_async (ServalClient *client, const char *user, guint64 bytes_per_second,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  guint32 id = serval_client_start_simple (client, cancellable, callback, user_data,
                                           serval_client_user_set_rate_limit_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_user_set (id, SERVAL_REQUEST_USER_SET_RATE_LIMIT, user, bytes_per_second));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_user_set_rate_limit_finish, serval_client_user_set_rate_limit_async)

/* --- administration: VLANs, users, rights ---------------------------------- */

DEFINE_NAME_CALL (serval_client_vlan_add_async, serval_client_vlan_add_finish, SERVAL_REQUEST_VLAN_ADD)
DEFINE_NAME_CALL (serval_client_vlan_delete_async, serval_client_vlan_delete_finish, SERVAL_REQUEST_VLAN_DEL)
DEFINE_NAME_CALL (serval_client_user_delete_async, serval_client_user_delete_finish, SERVAL_REQUEST_USER_DEL)
DEFINE_USER_VLAN_CALL (serval_client_grant_async, serval_client_grant_finish, SERVAL_REQUEST_GRANT)
DEFINE_USER_VLAN_CALL (serval_client_revoke_async, serval_client_revoke_finish, SERVAL_REQUEST_REVOKE)
DEFINE_USER_VLAN_CALL (serval_client_kick_async, serval_client_kick_finish, SERVAL_REQUEST_KICK)

void
serval_client_user_add_async (ServalClient *client, const char *user, const char *password,
                              gboolean admin, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  guint32 id = serval_client_start_simple (client, cancellable, callback, user_data, serval_client_user_add_async);

  if (id != 0)
    serval_link_send_take (client->link, serval_request_build_user_add (id, user, password, admin));
}

SERVAL_CLIENT_DEFINE_FINISH (serval_client_user_add_finish, serval_client_user_add_async)
