/* serval-store-private.h: what a store backend implements, and what the
 * backends share. */
#pragma once

#include "serval-store.h"

G_BEGIN_DECLS

/* What a lease or a release is about, copied for the backend. */
typedef struct
{
  char *vlan;
  char *user;
  guint8 mac[6];
} ServalLeaseRequest;

struct _ServalStoreClass
{
  GObjectClass parent_class;

  gboolean (*user_get) (ServalStore *store, const char *name, ServalCredentials *cred,
                        ServalUserRecord *record, GError **error);
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
  ServalVlan *(*vlan_get) (ServalStore *store, const char *name, GError **error);
  /* Leases @req's address (serval_store_lease_async()) and returns the
   * ServalLease through @task with g_task_return_pointer(), or an error. */
  void (*lease) (ServalStore *store, const ServalLeaseRequest *req, GTask *task);
  /* Marks @req's lease released; returns through @task with g_task_return_int() (0). */
  void (*lease_release) (ServalStore *store, const ServalLeaseRequest *req, GTask *task);
  GPtrArray *(*lease_list) (ServalStore *store, const char *vlan, GError **error);
};

enum
{
  SERVAL_STORE_SIGNAL_USER_DELETED,
  SERVAL_STORE_SIGNAL_VLAN_DELETED,
  SERVAL_STORE_SIGNAL_RIGHT_REVOKED,
  SERVAL_STORE_SIGNAL_VLAN_CHANGED,
  SERVAL_STORE_SIGNAL_USER_CHANGED,
  SERVAL_STORE_N_SIGNALS
};

/* The store's signals (serval-store.h), for the backends to emit. */
extern guint serval_store_signals[SERVAL_STORE_N_SIGNALS];

/* The errors every backend words the same way. */
gboolean serval_store_no_user (const char *name, GError **error);
gboolean serval_store_no_vlan (const char *name, GError **error);
gboolean serval_store_no_right (const char *user, const char *vlan, GError **error);
gboolean serval_store_exists (ServalStoreWriteKind kind, const char *user, const char *vlan, GError **error);

gboolean serval_store_no_rule (const char *vlan, guint index, guint n_rules, GError **error);

/* serval-store-net.c: a VLAN's IPv4 subnet and the addresses it leases,
 * the same arithmetic for both backends. Addresses are host-order
 * integers. */
typedef struct
{
  guint32 network;
  guint len; /* 8..30 */
} ServalSubnet;

/* Reads and checks a subnet (any host bits are cleared) or an IPv6 prefix;
 * the canonical text in @canonical. %SERVAL_STORE_ERROR_INVALID if it is not one. */
gboolean serval_subnet_parse (const char *text, ServalSubnet *subnet, char **canonical, GError **error);
gboolean serval_prefix6_parse (const char *text, char **canonical, GError **error);
/* The subnet's first and last leasable address: after the server's (the
 * first host address), before the broadcast address. */
guint32 serval_subnet_first_lease (const ServalSubnet *subnet);
guint32 serval_subnet_last_lease (const ServalSubnet *subnet);
gboolean serval_subnet_leasable (const ServalSubnet *subnet, guint32 addr);
/* "10.77.0.5" */
char *serval_ipv4_to_string (guint32 addr);
gboolean serval_ipv4_parse (const char *text, guint32 *addr);
/* "02:00:00:00:00:01" back into bytes (serval_mac_to_string(), serval-member.h) */
gboolean serval_mac_parse (const char *text, guint8 mac[6]);

/* An address of a VLAN that has a lease, for serval_lease_pick(). */
typedef struct
{
  guint32 addr;
  gint64 released; /* 0: in use */
  gboolean mine;   /* leased to the user and MAC asking */
} ServalLeaseSlot;

typedef enum
{
  SERVAL_LEASE_PICK_MINE,    /* the one they had */
  SERVAL_LEASE_PICK_FRESH,   /* one never leased */
  SERVAL_LEASE_PICK_RECLAIM, /* the one released longest ago, someone else's */
  SERVAL_LEASE_PICK_FULL,    /* none: the error is set */
} ServalLeasePick;

/* Which address to lease (serval_store_lease_async()), from @slots (every
 * lease of the VLAN; sorted here). The address in @addr, and for a
 * reclaim the slot's index in @slot. An address never leased is the lowest
 * one, or with @spread > 1 one of the @spread lowest at random: for a
 * transaction that lost the lowest to another, so that many at once do
 * not all go for the same next one. */
ServalLeasePick serval_lease_pick (const char *vlan, const ServalSubnet *subnet, GArray *slots, guint spread,
                                   guint32 *addr, guint *slot, GError **error);
/* When a lease is released: now, but after any release this process made
 * before, so that "released longest ago" has one answer. */
gint64 serval_lease_release_time (void);
/* A new lease */
ServalLease *serval_lease_new (const char *vlan, const char *user, const guint8 mac[6], guint32 addr,
                               guint len, gint64 released);

G_END_DECLS
