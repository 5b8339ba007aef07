/* serval-message-services.c: what a member announces to the others on a
 * VLAN (a web page), in the Join it sends and the Member records others
 * get; plain C values (canonical strings, serval_service_parse()) <->
 * asn1c's structs. Only a peer whose Hello said services gets them: a
 * server strips them from what it sends to any other client.
 */
#include "config.h"

#include "serval-message.h"

#include <string.h>

#include "serval-util.h"

G_STATIC_ASSERT (SERVAL_SERVICES_MAX == 4); /* the schema's SIZE (1..4) */

void
serval_message_set_hello_services (Message_t *msg)
{
  msg->choice.hello.services = calloc (1, sizeof *msg->choice.hello.services);
  *msg->choice.hello.services = TRUE;
}

/* @service (canonical) as a Service_t, or NULL if it is not canonical. */
static Service_t *
service_to_asn (const char *service)
{
  g_autofree char *canonical = serval_service_parse (service, NULL);
  const char *colon = strchr (service, ':');
  const char *slash;
  Service_t *s;

  if (canonical == NULL || !g_str_equal (canonical, service))
    return NULL;
  s = calloc (1, sizeof *s);
  s->kind = g_str_has_prefix (service, "https:") ? ServiceKind_https : ServiceKind_http;
  s->port = g_ascii_strtoull (colon + 1, NULL, 10);
  if ((slash = strchr (colon, '/')) != NULL)
    {
      s->path = calloc (1, sizeof *s->path);
      serval_asn_set_string (s->path, slash + 1);
    }
  return s;
}

gboolean
serval_services_to_asn (void *list, const char *const *services)
{
  gboolean any = FALSE;

  for (guint i = 0; services != NULL && services[i] != NULL && i < SERVAL_SERVICES_MAX; i++)
    {
      Service_t *s = service_to_asn (services[i]);

      if (s == NULL)
        continue;
      ASN_SEQUENCE_ADD (list, s);
      any = TRUE;
    }
  return any;
}

GStrv
serval_services_from_asn (const void *list, gboolean *control)
{
  const asn_anonymous_sequence_ *seq = _A_CSEQUENCE_FROM_VOID (list);
  GStrv strv = g_new0 (char *, seq->count + 1);

  for (int i = 0; i < seq->count; i++)
    {
      const Service_t *s = seq->array[i];
      const char *kind = s->kind == ServiceKind_https ? "https" : s->kind == ServiceKind_http ? "http" :
                                                                                                "unknown";
      g_autofree char *path = s->path != NULL ? serval_asn_dup_string (s->path) : NULL;

      if (control != NULL && s->path != NULL && serval_text_has_control ((const char *) s->path->buf, s->path->size))
        *control = TRUE;
      strv[i] = path != NULL ? g_strdup_printf ("%s:%ld/%s", kind, s->port, path) : g_strdup_printf ("%s:%ld", kind, s->port);
    }
  return strv;
}

/* Frees @list's services (an A_SEQUENCE_OF (Service_t), in a struct
 * that asn1c allocated or calloc() did) and the struct itself. */
static void
free_services (void *services, void *list)
{
  asn_anonymous_sequence_ *seq = _A_SEQUENCE_FROM_VOID (list);

  if (services == NULL)
    return;
  for (int i = 0; i < seq->count; i++)
    ASN_STRUCT_FREE (asn_DEF_Service, seq->array[i]);
  free (seq->array);
  free (services);
}

void
serval_request_set_join_services (Message_t *msg, const char *const *services)
{
  Join_t *join = &msg->choice.request.body.choice.join;

  g_return_if_fail (msg->present == Message_PR_request && msg->choice.request.body.present == RequestBody_PR_join);
  if (join->services != NULL)
    free_services (join->services, &join->services->list);
  join->services = calloc (1, sizeof *join->services);
  if (!serval_services_to_asn (&join->services->list, services))
    g_clear_pointer (&join->services, free);
}

/* --- for a client whose Hello did not say services ------------------------------ */

void
serval_member_asn_strip_services (Member_t *m)
{
  if (m->services != NULL)
    free_services (m->services, &m->services->list);
  m->services = NULL;
}

/* @list: an A_SEQUENCE_OF (Member_t). */
static void
strip_members (void *list)
{
  asn_anonymous_sequence_ *seq = _A_SEQUENCE_FROM_VOID (list);

  for (int i = 0; i < seq->count; i++)
    serval_member_asn_strip_services (seq->array[i]);
}

static void
strip_event (Event_t *ev)
{
  switch (ev->present)
    {
    case Event_PR_memberJoined: serval_member_asn_strip_services (&ev->choice.memberJoined.member); break;
    case Event_PR_memberLeft: serval_member_asn_strip_services (&ev->choice.memberLeft.member); break;
    case Event_PR_memberUpdated: serval_member_asn_strip_services (&ev->choice.memberUpdated.member); break;
    case Event_PR_memberChanges:
      for (int i = 0; i < ev->choice.memberChanges.changes.list.count; i++)
        serval_member_asn_strip_services (&ev->choice.memberChanges.changes.list.array[i]->member);
      break;
    default: break;
    }
}

void
serval_message_strip_services (Message_t *msg)
{
  ResponseBody_t *body = &msg->choice.response.body;

  if (msg->present == Message_PR_event)
    strip_event (&msg->choice.event);
  if (msg->present != Message_PR_response)
    return;
  switch (body->present)
    {
    case ResponseBody_PR_joined: strip_members (&body->choice.joined.members.list); break;
    case ResponseBody_PR_members: strip_members (&body->choice.members.list); break;
    case ResponseBody_PR_memberPage: strip_members (&body->choice.memberPage.members.list); break;
    default: break;
    }
}
