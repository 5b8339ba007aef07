/* serval-server.h: the Serval switch server.
 *
 * Accepts TLS links from clients, logs them in against the store, and
 * switches their frames between the members of each VLAN with the
 * engine's ServalSwitch. Management requests are authorized here.
 */
#pragma once

#include <gio/gio.h>
#include "serval-accept.h"
#include "serval-store.h"
#include "serval-gso.h"
#include "serval-switch.h"

G_BEGIN_DECLS

typedef struct
{
  char *data_dir;
  char *etcd;      /* etcd client URLs, comma separated: the store is there; NULL: SQLite in data_dir */
  char *listen;    /* HOST:PORT, or NULL for every address on port 7465 */
  char *node;      /* this node's name; default: the host name */
  guint keepalive; /* seconds between pings; a peer silent for 3x is dropped */
  GStrv advertise; /* server addresses clients may fail over to; with etcd the first is
                    * where clients and the other nodes reach this node */
  guint lease;     /* seconds of this node's lease in etcd (0: 10): a node silent
                    * that long is gone for the others */
  guint pbkdf2_iterations;
  guint max_failed_logins;          /* per source address (IPv6: /64) and minute; per user, the
                                     * failures after which its logins are slowed down */
  guint max_login_records;          /* sources and users the login limits remember (each) */
  guint max_handshakes_per_address; /* TLS handshakes under way from one address; more are closed */
  /* Links that have not logged in (node links excepted) cost little and not for long: */
  guint login_timeout;                   /* seconds to log in, or the link is closed */
  guint message_timeout;                 /* seconds a message begun before login may take */
  guint max_unauthenticated_per_address; /* handshakes and links not logged in from one
                                          * address (an IPv6 /64); more are closed */
  guint http_timeout;                    /* seconds an HTTP connection may take for a request */
  guint http_max_connections;            /* HTTP connections open at once; more are closed */
  guint token_lifetime;                  /* seconds a resume token is valid; 0: issue none */
  guint token_max_age;                   /* seconds from a password login after which no token of its
                                          * chain is taken, however often renewed; 0: no limit */
  ServalSwitchLimits limits;
  guint keepalive_budget; /* 0: every link pings at keepalive; else the interval grows from
                           * keepalive (up to 60 s) so that the clients make at most this many
                           * keepalive exchanges a second together (serval-server-session.c) */
} ServalServerConfig;

void serval_server_config_init (ServalServerConfig *config);
void serval_server_config_clear (ServalServerConfig *config);

typedef struct _ServalServer ServalServer;

typedef struct
{
  guint clients;  /* connected links */
  guint sessions; /* logged in */
  guint64 logins_ok;
  guint64 logins_failed;
  guint64 token_logins;            /* of logins_ok, those with a resume token */
  guint64 tokens_refused;          /* resume tokens refused (not in logins_failed) */
  guint64 protocol_errors;         /* links closed for bad input */
  guint64 tls_handshakes;          /* TLS handshakes completed */
  guint64 tls_resumed;             /* of those, sessions resumed with a ticket */
  guint64 tls_failed;              /* handshakes that failed or timed out */
  guint64 tls_refused;             /* connections closed at once: too many handshakes from their address */
  guint64 unauthenticated_refused; /* closed at once: too many links not logged in from their address */
  guint64 full_refused;            /* told the server is full (serverFull) after their TLS handshake, and closed */
  guint64 link_frames_dropped;
  guint64 offload_frames_in;                     /* frames that came with offload metadata */
  guint64 offload_forwarded;                     /* copies sent on as they were, to members that take them */
  guint64 offload_segmented;                     /* copies segmented/completed for members that do not */
  guint64 offload_segments;                      /* plain frames those made */
  guint64 offload_dropped[SERVAL_GSO_N_RESULTS]; /* by ServalGsoResult */
  ServalAcceptStats accept;                      /* open connections, pauses near the open-file limit */
} ServalServerStats;

/* One link to another node of the cluster, since this node started: its
 * counters add up over the link's reconnections. */
typedef struct
{
  char *node;
  gboolean up;       /* linked now */
  guint64 links;     /* times the link was made */
  guint64 frames_in; /* frames received from that node */
  guint64 bytes_in;
  guint64 frames_out; /* frames sent to it */
  guint64 bytes_out;
} ServalNodeLinkStats;

/* The store @config names: etcd if config->etcd is set, else SQLite in the data dir. */
ServalStore *serval_server_open_store (const ServalServerConfig *config, GError **error);

ServalServer *serval_server_new (const ServalServerConfig *config, GError **error);
void serval_server_free (ServalServer *server);
gboolean serval_server_start (ServalServer *server, GError **error);
/* Tells every client and closes their links; calls @done when all are closed
 * (or after 3 s). */
void serval_server_shutdown (ServalServer *server, GSourceFunc done, gpointer data);

ServalStore *serval_server_get_store (ServalServer *server);
ServalSwitch *serval_server_get_switch (ServalServer *server);
void serval_server_get_stats (ServalServer *server, ServalServerStats *stats);
/* Appends the managed VLANs' counters to /metrics' text: ARP requests and
 * neighbor solicitations answered or flooded, DHCP messages, each rule's hits. */
void serval_server_lan_metrics (ServalServer *server, GString *s);
/* The links to other nodes (ServalNodeLinkStats, sorted by name; empty without a cluster). */
GPtrArray *serval_server_get_node_links (ServalServer *server);
/* "none" (no cluster), "starting", "ok", "no-quorum" or "cut-off": the cluster store as this node sees it. */
const char *serval_server_get_cluster_state (ServalServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServalServer, serval_server_free)

G_END_DECLS
