/* serval-store.h: users, password hashes, VLANs and rights, in SQLite.
 *
 * One file in the data directory, in WAL mode; every change is one
 * transaction. Used from one thread (the server's main thread).
 * Password hashing lives in serval-password.h so that the server can run
 * the slow PBKDF2 in a worker thread.
 */
#pragma once

#include <glib.h>
#include "serval-password.h"

G_BEGIN_DECLS

#define SERVAL_STORE_ERROR (serval_store_error_quark ())
GQuark serval_store_error_quark (void);

typedef enum {
  SERVAL_STORE_ERROR_IO,          /* cannot open/read/write the database file */
  SERVAL_STORE_ERROR_CORRUPT,     /* not a Serval database, or damaged */
  SERVAL_STORE_ERROR_NO_USER,     /* no such user */
  SERVAL_STORE_ERROR_NO_VLAN,     /* no such VLAN */
  SERVAL_STORE_ERROR_EXISTS,      /* the user/VLAN/right exists already */
  SERVAL_STORE_ERROR_INVALID,     /* a name that is empty, too long (> 64 bytes) or not UTF-8 */
} ServalStoreError;

typedef struct _ServalStore ServalStore;

typedef struct {
  guint32  id;        /* the VLAN's tag on the wire, 1..16777215, never reused */
  char    *name;
} ServalVlan;

typedef struct {
  char      *name;
  gboolean   admin;
  GPtrArray *vlans;   /* (element-type utf8) names of VLANs the user may join, sorted */
} ServalUser;

void serval_vlan_free (ServalVlan *vlan);
void serval_user_free (ServalUser *user);

/* Opens or creates the database at @path (mode 0600). */
ServalStore *serval_store_open (const char *path, GError **error);
void         serval_store_close (ServalStore *store);

gboolean serval_store_user_add (ServalStore *store, const char *name, const ServalCredentials *cred,
                                gboolean admin, GError **error);
gboolean serval_store_user_del (ServalStore *store, const char *name, GError **error);
gboolean serval_store_user_set_credentials (ServalStore *store, const char *name,
                                            const ServalCredentials *cred, GError **error);
/* Fills @cred (free with serval_credentials_clear) and @admin. */
gboolean serval_store_user_get (ServalStore *store, const char *name, ServalCredentials *cred,
                                gboolean *admin, GError **error);
/* (element-type ServalUser) sorted by name */
GPtrArray *serval_store_user_list (ServalStore *store, GError **error);
guint      serval_store_user_count (ServalStore *store);

gboolean serval_store_vlan_add (ServalStore *store, const char *name, guint32 *out_id, GError **error);
/* Deleting a VLAN also deletes all rights to it. */
gboolean serval_store_vlan_del (ServalStore *store, const char *name, GError **error);
gboolean serval_store_vlan_lookup (ServalStore *store, const char *name, guint32 *out_id, GError **error);
/* (element-type ServalVlan) sorted by name */
GPtrArray *serval_store_vlan_list (ServalStore *store, GError **error);

gboolean serval_store_grant (ServalStore *store, const char *user, const char *vlan, GError **error);
gboolean serval_store_revoke (ServalStore *store, const char *user, const char *vlan, GError **error);
gboolean serval_store_has_right (ServalStore *store, const char *user, const char *vlan);

/* Fills @out with the server-wide secret @name of @len bytes, making a
 * random one (and keeping it) the first time. Every server that shares
 * the store gets the same bytes. */
gboolean serval_store_secret (ServalStore *store, const char *name, guint8 *out, gsize len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalUser, serval_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalVlan, serval_vlan_free)

G_END_DECLS
