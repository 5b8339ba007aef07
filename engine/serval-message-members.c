/* serval-message-members.c: the messages of big VLANs (issue 17): a page of
 * a VLAN's members on request, the VLAN's total in the join answer, and the
 * coalesced member event that carries many joins, leaves and updates at
 * once; plain C values <-> asn1c's structs. Only a peer whose Hello said
 * memberPages gets them.
 */
#include "config.h"

#include "serval-message.h"

#include <string.h>

#include "serval-util.h"

G_STATIC_ASSERT (SERVAL_MEMBER_PAGE_MAX == 500); /* the schema's SIZE (..500) */

ServalMemberChange *
serval_member_change_new (ServalEventKind kind, ServalMember *member)
{
  ServalMemberChange *change = g_new0 (ServalMemberChange, 1);

  change->kind = kind;
  change->member = member;
  return change;
}

void
serval_member_change_free (ServalMemberChange *change)
{
  if (change == NULL)
    return;
  g_clear_object (&change->member);
  g_free (change);
}

/* --- building -------------------------------------------------------------- */

Message_t *
serval_request_build_list_member_page (guint32 id, const char *vlan, guint offset, guint count,
                                       const char *search)
{
  Message_t *msg = serval_message_new_request (id, RequestBody_PR_listMemberPage);
  MemberPageRequest_t *req = &msg->choice.request.body.choice.listMemberPage;

  serval_asn_set_string (&req->vlan, vlan);
  req->offset = MIN (offset, (guint) G_MAXINT32);
  req->count = CLAMP (count, 1, SERVAL_MEMBER_PAGE_MAX);
  if (search != NULL && search[0] != '\0')
    req->search = serval_asn_new_string (search);
  return msg;
}

Message_t *
serval_response_build_member_page (guint32 id, guint total, guint offset, GPtrArray *members)
{
  Message_t *msg = serval_message_new_response (id, ResponseBody_PR_memberPage);
  MemberPage_t *page = &msg->choice.response.body.choice.memberPage;

  page->total = MIN (total, (guint) G_MAXINT32);
  page->offset = MIN (offset, (guint) G_MAXINT32);
  serval_asn_add_list (&page->members.list, members, SERVAL_MEMBER_PAGE_MAX, sizeof (Member_t),
                       (ServalToAsn) serval_member_to_asn);
  return msg;
}

void
serval_response_set_joined_total (Message_t *msg, guint total)
{
  Joined_t *joined;

  g_return_if_fail (msg->present == Message_PR_response &&
                    msg->choice.response.body.present == ResponseBody_PR_joined);
  joined = &msg->choice.response.body.choice.joined;
  joined->total = calloc (1, sizeof *joined->total);
  *joined->total = MIN (total, (guint) G_MAXINT32);
}

static long
change_to_asn (ServalEventKind kind)
{
  switch (kind)
    {
    case SERVAL_EVENT_MEMBER_JOINED: return MemberChange__change_joined;
    case SERVAL_EVENT_MEMBER_LEFT: return MemberChange__change_left;
    case SERVAL_EVENT_MEMBER_UPDATED:
    default:
      return MemberChange__change_updated;
    }
}

Message_t *
serval_event_build_member_changes (const char *vlan, GPtrArray *changes)
{
  Message_t *msg = serval_message_new_event (Event_PR_memberChanges);
  MemberChanges_t *ev = &msg->choice.event.choice.memberChanges;

  g_return_val_if_fail (changes->len > 0, msg);
  serval_asn_set_string (&ev->vlan, vlan);
  for (guint i = 0; i < changes->len && i < SERVAL_MEMBER_PAGE_MAX; i++)
    {
      const ServalMemberChange *change = changes->pdata[i];
      MemberChange_t *c = calloc (1, sizeof *c);

      c->change = change_to_asn (change->kind);
      serval_member_to_asn (change->member, &c->member);
      ASN_SEQUENCE_ADD (&ev->changes.list, c);
    }
  return msg;
}

/* --- changes encoded once for many ---------------------------------------- */

GBytes *
serval_member_change_encode (ServalEventKind kind, ServalMember *member, gboolean services)
{
  MemberChange_t c = { 0 };
  GBytes *der;

  c.change = change_to_asn (kind);
  serval_member_to_asn (member, &c.member);
  if (!services)
    serval_member_asn_strip_services (&c.member);
  der = serval_asn_encode_checked (&asn_DEF_MemberChange, &c, member);
  ASN_STRUCT_FREE_CONTENTS_ONLY (asn_DEF_MemberChange, &c);
  return der;
}

/* --- parsing --------------------------------------------------------------- */

void
serval_request_parse_member_page (ServalRequest *req, const struct RequestBody *body)
{
  const MemberPageRequest_t *page = &body->choice.listMemberPage;

  req->kind = SERVAL_REQUEST_LIST_MEMBER_PAGE;
  req->vlan = serval_asn_dup_string (&page->vlan);
  if (page->vlan.buf != NULL && serval_text_has_control ((const char *) page->vlan.buf, page->vlan.size))
    req->bad_field = "vlan";
  req->offset = page->offset;
  req->count = page->count;
  if (page->search != NULL)
    {
      req->search = serval_asn_dup_string (page->search);
      if (req->bad_field == NULL && page->search->buf != NULL &&
          serval_text_has_control ((const char *) page->search->buf, page->search->size))
        req->bad_field = "search";
    }
}

void
serval_response_parse_member_page (ServalResponse *resp, const struct MemberPage *page)
{
  resp->kind = SERVAL_RESPONSE_MEMBER_PAGE;
  resp->has_total = TRUE;
  resp->total = page->total;
  resp->offset = page->offset;
  resp->members = serval_asn_to_array (&page->members.list, (ServalFromAsn) serval_member_new_from_asn, g_object_unref);
}

void
serval_event_parse_member_changes (ServalEvent *event, const struct MemberChanges *changes)
{
  const asn_anonymous_sequence_ *seq = _A_CSEQUENCE_FROM_VOID (&changes->changes.list);

  event->kind = SERVAL_EVENT_MEMBER_CHANGES;
  event->vlan = serval_asn_dup_string (&changes->vlan);
  event->changes = g_ptr_array_new_full (seq->count, (GDestroyNotify) serval_member_change_free);
  for (int i = 0; i < seq->count; i++)
    {
      const MemberChange_t *c = seq->array[i];
      ServalEventKind kind;

      switch (c->change)
        {
        case MemberChange__change_joined: kind = SERVAL_EVENT_MEMBER_JOINED; break;
        case MemberChange__change_left: kind = SERVAL_EVENT_MEMBER_LEFT; break;
        case MemberChange__change_updated: kind = SERVAL_EVENT_MEMBER_UPDATED; break;
        default: continue; /* a change this version does not know */
        }
      g_ptr_array_add (event->changes,
                       serval_member_change_new (kind, serval_member_new_from_asn (&c->member)));
    }
}
