/* serval-member.h: one member of a VLAN, as the GUI and servalctl show it. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SERVAL_TYPE_MEMBER (serval_member_get_type ())
G_DECLARE_FINAL_TYPE (ServalMember, serval_member, SERVAL, MEMBER, GObject)

ServalMember *serval_member_new (const char *user, const char *host, const guint8 mac[6],
                                 const char *const *addresses, const char *node, gint64 since);

const char *serval_member_get_user (ServalMember *member);
const char *serval_member_get_host (ServalMember *member);
/* "02:ab:…" */
const char *serval_member_get_mac (ServalMember *member);
/* Its 6 bytes. */
const guint8 *serval_member_get_mac_bytes (ServalMember *member);
const char *const *serval_member_get_addresses (ServalMember *member);
const char *serval_member_get_node (ServalMember *member);
/* Unix time the member joined. */
gint64 serval_member_get_since (ServalMember *member);
void serval_member_set_addresses (ServalMember *member, const char *const *addresses);
/* The services the member announced when it joined, each as
 * serval_service_parse() gives it; empty when none ("services" notifies). */
const char *const *serval_member_get_services (ServalMember *member);
void serval_member_set_services (ServalMember *member, const char *const *services);
/* Same user, host and MAC. */
gboolean serval_member_same (ServalMember *a, ServalMember *b);
/* Whether the user or host name of @member holds @search (%NULL or empty:
 * every member): a page's search, on the server and in the client. */
gboolean serval_member_matches_search (ServalMember *member, const char *search);

char *serval_mac_to_string (const guint8 mac[6]);

/* The most services a member announces, and the longest path of one. */
#define SERVAL_SERVICES_MAX     4
#define SERVAL_SERVICE_PATH_MAX 200

/* A web page to announce, "[http:|https:]PORT[/PATH]" ("8080",
 * "https:8443/admin"), in its canonical form "http:8080" or
 * "https:8443/admin"; or NULL and @error (G_IO_ERROR_INVALID_ARGUMENT)
 * when the port is not 1..65535 or the path is not printable ASCII without
 * spaces, at most 200 bytes. */
char *serval_service_parse (const char *spec, GError **error);
/* The URI of @service (canonical) at @address, an IPv6 one in brackets:
 * "https://[fd00::5]:8443/admin"; NULL if @service is not canonical. */
char *serval_service_uri (const char *service, const char *address);

/* A member read from asn1c's struct (the protocol's Member): made by the
 * message layer (serval-message-parse.c), which alone reads such structs;
 * declared here for the codec's test. */
struct Member;
ServalMember *serval_member_new_from_asn (const struct Member *m);

/* The member's DER (a Member), made once for the many answers and events it
 * goes in, until its addresses or services change; without its services
 * when @services is FALSE (for a peer whose Hello did not say services).
 * (transfer none) NULL, said in the log, if it breaks the protocol's limits. */
GBytes *serval_member_get_der (ServalMember *member, gboolean services);
/* (serval-message-fanout.c) The same, made anew: (transfer full). */
GBytes *serval_member_encode (ServalMember *member, gboolean services);

G_END_DECLS
