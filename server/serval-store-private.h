/* serval-store-private.h: what a store backend implements, and what the
 * backends share. */
#pragma once

#include "serval-store.h"

G_BEGIN_DECLS

struct _ServalStoreClass
{
  GObjectClass parent_class;

  gboolean (*user_get) (ServalStore *store, const char *name, ServalCredentials *cred,
                        gboolean *admin, GError **error);
  GPtrArray *(*user_list) (ServalStore *store, GError **error);
  guint (*user_count) (ServalStore *store);
  gboolean (*vlan_lookup) (ServalStore *store, const char *name, guint32 *out_id, GError **error);
  GPtrArray *(*vlan_list) (ServalStore *store, GError **error);
  gboolean (*has_right) (ServalStore *store, const char *user, const char *vlan);
  gboolean (*secret) (ServalStore *store, const char *name, guint8 *out, gsize len, GError **error);
  /* NULL: always available */
  gboolean (*check_available) (ServalStore *store, GError **error);
  /* Makes @write (names checked already) and returns through @task: the new
   * VLAN's tag (or 0) with g_task_return_int(), or an error. */
  void (*write) (ServalStore *store, const ServalStoreWrite *write, GTask *task);
};

enum
{
  SERVAL_STORE_SIGNAL_USER_DELETED,
  SERVAL_STORE_SIGNAL_VLAN_DELETED,
  SERVAL_STORE_SIGNAL_RIGHT_REVOKED,
  SERVAL_STORE_N_SIGNALS
};

/* The store's signals (serval-store.h), for the backends to emit. */
extern guint serval_store_signals[SERVAL_STORE_N_SIGNALS];

/* The errors every backend words the same way. */
gboolean serval_store_no_user (const char *name, GError **error);
gboolean serval_store_no_vlan (const char *name, GError **error);
gboolean serval_store_no_right (const char *user, const char *vlan, GError **error);
gboolean serval_store_exists (ServalStoreWriteKind kind, const char *user, const char *vlan, GError **error);

G_END_DECLS
