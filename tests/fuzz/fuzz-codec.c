/* libFuzzer target: one message body through the decoder. A message that
 * decodes must re-encode to the same bytes after a second decode (DER is
 * canonical), the data fast path must agree with asn1c, and the message
 * layer's parser must read it into valid UTF-8 within the schema's limits,
 * as the server and the client get it. */
#include "config.h"

#include <string.h>

#include "serval-message.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* A parsed string: UTF-8, at most @max bytes. NULL passes when @nullable. */
static void
check_string (const char *s, gsize max, gboolean nullable)
{
  if (s == NULL)
    {
      g_assert_true (nullable);
      return;
    }
  g_assert_true (g_utf8_validate (s, -1, NULL));
  g_assert_cmpuint (strlen (s), <=, max);
}

static void
check_strv (char **strv, guint max_len, gsize max)
{
  g_assert_nonnull (strv);
  g_assert_cmpuint (g_strv_length (strv), <=, max_len);
  for (guint i = 0; strv[i] != NULL; i++)
    check_string (strv[i], max, FALSE);
}

static void
check_member (ServalMember *m)
{
  g_assert_nonnull (m);
  check_string (serval_member_get_user (m), 64, FALSE);
  check_string (serval_member_get_host (m), 64, FALSE);
  check_string (serval_member_get_node (m), 64, FALSE);
  check_strv ((char **) serval_member_get_addresses (m), 16, 64);
  check_strv ((char **) serval_member_get_services (m), SERVAL_SERVICES_MAX, 16 + SERVAL_SERVICE_PATH_MAX * 4);
  g_assert_cmpint (serval_member_get_since (m), >=, 0);
}

static void
check_members (GPtrArray *members)
{
  g_assert_nonnull (members);
  g_assert_cmpuint (members->len, <=, 4096);
  for (guint i = 0; i < members->len; i++)
    check_member (members->pdata[i]);
}

static void
check_request (const Message_t *msg)
{
  g_auto(ServalRequest) req = { 0 };

  g_assert_true (serval_request_parse (msg, &req));
  g_assert_cmpuint (req.id, <=, G_MAXINT32);
  check_string (req.user, 64, TRUE);
  check_string (req.host, 64, TRUE);
  check_string (req.vlan, 64, TRUE);
  if (req.password != NULL)
    g_assert_cmpuint (g_bytes_get_size (req.password), <=, 1024);
  if (req.token != NULL)
    g_assert_cmpuint (g_bytes_get_size (req.token), <=, 255);
  if (req.kind == SERVAL_REQUEST_UPDATE)
    check_strv (req.addresses, 16, 64);
  if (req.kind == SERVAL_REQUEST_LIST_MEMBER_PAGE)
    {
      /* A member page: what the server's loop takes (count 1..500). */
      check_string (req.search, 64, TRUE);
      g_assert_cmpuint (req.count, >=, 1);
      g_assert_cmpuint (req.count, <=, SERVAL_MEMBER_PAGE_MAX);
      g_assert_cmpuint (req.offset, <=, G_MAXINT32);
    }
  if (req.services != NULL)
    {
      /* Announced services: what the server checks (serval_service_parse()). */
      g_assert_cmpint (req.kind, ==, SERVAL_REQUEST_JOIN);
      check_strv (req.services, SERVAL_SERVICES_MAX, 16 + SERVAL_SERVICE_PATH_MAX * 4); /* (UTF-8) */
      for (guint i = 0; req.services[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *canonical = serval_service_parse (req.services[i], &error);

          g_assert_true ((canonical == NULL) != (error == NULL));
        }
    }
}

static void
check_response (const Message_t *msg)
{
  g_auto(ServalResponse) resp = { 0 };

  g_assert_true (serval_response_parse (msg, &resp));
  check_string (resp.error_text, 512, resp.kind != SERVAL_RESPONSE_ERROR);
  check_string (resp.vlan, 64, resp.kind != SERVAL_RESPONSE_JOINED);
  if (resp.kind == SERVAL_RESPONSE_LOGGED_IN)
    {
      g_assert_cmpuint (resp.keepalive, >=, 1);
      g_assert_cmpuint (resp.keepalive, <=, 3600);
      check_strv (resp.servers, 32, 255);
    }
  if (resp.kind == SERVAL_RESPONSE_JOINED || resp.kind == SERVAL_RESPONSE_MEMBERS)
    check_members (resp.members);
  if (resp.kind == SERVAL_RESPONSE_MEMBER_PAGE)
    {
      check_members (resp.members);
      g_assert_cmpuint (resp.members->len, <=, SERVAL_MEMBER_PAGE_MAX);
      g_assert_true (resp.has_total);
    }
  for (guint i = 0; resp.vlans != NULL && i < resp.vlans->len; i++)
    {
      ServalVlanInfo *v = resp.vlans->pdata[i];

      check_string (v->name, 64, FALSE);
      g_assert_true (v->allowed == TRUE || v->allowed == FALSE);
    }
  for (guint i = 0; resp.users != NULL && i < resp.users->len; i++)
    {
      ServalUserInfo *u = resp.users->pdata[i];

      check_string (u->name, 64, FALSE);
      check_strv (u->vlans, 4096, 64);
    }
}

static void
check_event (const Message_t *msg)
{
  g_auto(ServalEvent) ev = { 0 };

  g_assert_true (serval_event_parse (msg, &ev));
  check_string (ev.vlan, 64, TRUE);
  check_string (ev.text, 512, ev.kind != SERVAL_EVENT_BYE && ev.kind != SERVAL_EVENT_REMOVED);
  if (ev.member != NULL)
    check_member (ev.member);
  if (ev.kind == SERVAL_EVENT_SERVERS)
    check_strv (ev.servers, 32, 255);
  if (ev.kind == SERVAL_EVENT_MEMBER_CHANGES)
    {
      /* Only the three kinds the client applies, each with its member. */
      g_assert_cmpuint (ev.changes->len, <=, SERVAL_MEMBER_PAGE_MAX);
      for (guint i = 0; i < ev.changes->len; i++)
        {
          ServalMemberChange *c = ev.changes->pdata[i];

          g_assert_true (c->kind == SERVAL_EVENT_MEMBER_JOINED || c->kind == SERVAL_EVENT_MEMBER_LEFT ||
                         c->kind == SERVAL_EVENT_MEMBER_UPDATED);
          check_member (c->member);
        }
    }
}

/* Every parser takes its own kind of message and refuses the others. */
static void
check_parsers (const Message_t *msg)
{
  ServalMessageKind kind = serval_message_get_kind (msg);
  g_auto(ServalHello) hello = { 0 };
  g_auto(ServalRequest) req = { 0 };
  g_auto(ServalResponse) resp = { 0 };
  g_auto(ServalEvent) ev = { 0 };

  g_assert_cmpint (serval_hello_parse (msg, &hello), ==, kind == SERVAL_MESSAGE_HELLO);
  g_assert_cmpint (serval_request_parse (msg, &req), ==, kind == SERVAL_MESSAGE_REQUEST);
  g_assert_cmpint (serval_response_parse (msg, &resp), ==, kind == SERVAL_MESSAGE_RESPONSE);
  g_assert_cmpint (serval_event_parse (msg, &ev), ==, kind == SERVAL_MESSAGE_EVENT);
  switch (kind)
    {
    case SERVAL_MESSAGE_HELLO:
      check_string (hello.software, 64, FALSE);
      check_string (hello.node, 64, TRUE);
      g_assert_true (hello.member_pages == TRUE || hello.member_pages == FALSE);
      g_assert_true (hello.services == TRUE || hello.services == FALSE);
      break;
    case SERVAL_MESSAGE_REQUEST: check_request (msg); break;
    case SERVAL_MESSAGE_RESPONSE: check_response (msg); break;
    case SERVAL_MESSAGE_EVENT: check_event (msg); break;
    default: break;
    }
}

/* A request, response or event of an alternative this version does not
 * know: the codec takes it so that the message layer reads it as unknown
 * (serval-codec.c), and nobody sends it on. */
static gboolean
unknown_alternative (const Message_t *msg)
{
  switch (msg->present)
    {
    case Message_PR_request: return msg->choice.request.body.present == RequestBody_PR_NOTHING;
    case Message_PR_response: return msg->choice.response.body.present == ResponseBody_PR_NOTHING;
    case Message_PR_event: return msg->choice.event.present == Event_PR_NOTHING;
    default: return FALSE;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Message_t) msg = serval_message_decode (data, size, &error);
  const guint8 *frame;
  gsize flen;
  guint32 vlan;
  gboolean fast = serval_data_parse (data, size, &vlan, &frame, &flen);

  g_assert_true ((msg == NULL) != (error == NULL));
  if (fast)
    {
      /* Whatever the fast path accepts is a valid data message. */
      g_assert_nonnull (msg);
      g_assert_cmpint (msg->present, ==, Message_PR_data);
      g_assert_cmpuint (msg->choice.data.vlan, ==, vlan);
      g_assert_cmpmem (msg->choice.data.frame.buf, msg->choice.data.frame.size, frame, flen);
    }
  if (msg != NULL && unknown_alternative (msg))
    {
      g_autoptr(GByteArray) a = g_byte_array_new ();

      g_assert_false (serval_message_encode (msg, a, NULL));
      check_parsers (msg);
      return 0;
    }
  if (msg != NULL)
    {
      g_autoptr(GByteArray) a = g_byte_array_new ();
      g_autoptr(GByteArray) b = g_byte_array_new ();
      g_autoptr(Message_t) again = NULL;

      g_assert_true (serval_message_encode (msg, a, NULL));
      again = serval_message_decode (a->data + 4, a->len - 4, &error);
      g_assert_no_error (error);
      g_assert_true (serval_message_encode (again, b, NULL));
      g_assert_cmpmem (a->data, a->len, b->data, b->len);
      check_parsers (msg);
    }
  return 0;
}
