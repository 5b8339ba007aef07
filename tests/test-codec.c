/* Unit tests for engine/serval-codec.c. */
#include "config.h"

#include <string.h>

#include "serval-codec.h"
#include "serval-member.h"

/* Encodes, checks the prefix, decodes, and checks that re-encoding gives
 * the same bytes (DER is canonical, so equal bytes mean equal values). */
static Message_t *
round_trip (Message_t *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) a = g_byte_array_new ();
  g_autoptr(GByteArray) b = g_byte_array_new ();
  Message_t *back;
  gsize len;

  g_assert_true (serval_message_encode (msg, a, &error));
  g_assert_no_error (error);
  g_assert_true (serval_frame_length (a->data, &len, &error));
  g_assert_cmpuint (len + SERVAL_LENGTH_PREFIX, ==, a->len);
  back = serval_message_decode (a->data + 4, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpint (back->present, ==, msg->present);
  g_assert_true (serval_message_encode (back, b, &error));
  g_assert_cmpmem (a->data, a->len, b->data, b->len);
  serval_message_free (msg);
  return back;
}

/* Appends @n copies of @text to @list, an asn1c SEQUENCE OF UTF8String. */
static void
add_strings (void *list, guint n, const char *text)
{
  for (guint i = 0; i < n; i++)
    {
      UTF8String_t *s = calloc (1, sizeof *s);

      serval_asn_set_string (s, text);
      ASN_SEQUENCE_ADD (list, s);
    }
}

static void
fill_member (Member_t *m, const char *user, guint n_addresses)
{
  static const guint8 mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

  serval_asn_set_string (&m->user, user);
  serval_asn_set_string (&m->host, "laptop-ñ");
  serval_asn_set_bytes (&m->mac, mac, 6);
  for (guint i = 0; i < n_addresses; i++)
    {
      Address_t *a = calloc (1, sizeof *a);
      g_autofree char *text = g_strdup_printf ("fe80::%u", i + 1);

      serval_asn_set_string (a, text);
      ASN_SEQUENCE_ADD (&m->addresses.list, a);
    }
  serval_asn_set_string (&m->node, "node-1");
  m->since = 2000000000L;
}

static void
test_hello_ping (void)
{
  g_autoptr(Message_t) h = round_trip (serval_message_new_hello ("node-a"));
  g_autoptr(Message_t) p = round_trip (serval_message_new_ping (FALSE, 2147483647U));
  g_autoptr(Message_t) q = round_trip (serval_message_new_ping (TRUE, 7));
  g_autoptr(Message_t) h2 = round_trip (serval_message_new_hello (NULL));
  g_autofree char *node = serval_asn_dup_string (h->choice.hello.node);

  g_assert_cmpint (h->choice.hello.version, ==, SERVAL_PROTOCOL_VERSION);
  g_assert_cmpstr (node, ==, "node-a");
  g_assert_null (h2->choice.hello.node);
  g_assert_cmpuint (p->choice.ping.nonce, ==, 2147483647U);
  g_assert_cmpint (q->present, ==, Message_PR_pong);
  g_assert_cmpuint (q->choice.pong.nonce, ==, 7);
}

static void
test_requests (void)
{
  for (int kind = RequestBody_PR_login; kind <= RequestBody_PR_listUsers; kind++)
    {
      Message_t *msg = serval_message_new_request (2147483647U - kind, kind);
      RequestBody_t *b = &msg->choice.request.body;
      g_autoptr(Message_t) back = NULL;
      static const guint8 mac[6] = { 2, 0, 0, 0, 0, 1 };

      switch (kind)
        {
        case RequestBody_PR_login:
          serval_asn_set_string (&b->choice.login.user, "alice");
          serval_asn_set_bytes (&b->choice.login.password, "p\0w", 3);
          serval_asn_set_string (&b->choice.login.host, "host");
          break;
        case RequestBody_PR_join:
          serval_asn_set_string (&b->choice.join.vlan, "red");
          serval_asn_set_bytes (&b->choice.join.mac, mac, 6);
          break;
        case RequestBody_PR_leave: serval_asn_set_string (&b->choice.leave, "red"); break;
        case RequestBody_PR_listMembers: serval_asn_set_string (&b->choice.listMembers, "red"); break;
        case RequestBody_PR_vlanAdd: serval_asn_set_string (&b->choice.vlanAdd, "red"); break;
        case RequestBody_PR_vlanDel: serval_asn_set_string (&b->choice.vlanDel, "red"); break;
        case RequestBody_PR_userDel: serval_asn_set_string (&b->choice.userDel, "bob"); break;
        case RequestBody_PR_update:
          serval_asn_set_string (&b->choice.update.vlan, "red");
          add_strings (&b->choice.update.addresses.list, 16, "10.0.0.1");
          break;
        case RequestBody_PR_userAdd:
          serval_asn_set_string (&b->choice.userAdd.name, "bob");
          serval_asn_set_bytes (&b->choice.userAdd.password, "pw", 2);
          b->choice.userAdd.admin = 1;
          break;
        case RequestBody_PR_grant:
        case RequestBody_PR_revoke:
          serval_asn_set_string (&b->choice.grant.user, "bob");
          serval_asn_set_string (&b->choice.grant.vlan, "red");
          break;
        case RequestBody_PR_kick:
          serval_asn_set_string (&b->choice.kick.user, "bob");
          serval_asn_set_string (&b->choice.kick.vlan, "red");
          break;
        default:
          break; /* NULL bodies */
        }
      back = round_trip (msg);
      g_assert_cmpuint (back->choice.request.id, ==, 2147483647U - kind);
      g_assert_cmpint (back->choice.request.body.present, ==, kind);
      if (kind == RequestBody_PR_login)
        g_assert_cmpmem (back->choice.request.body.choice.login.password.buf,
                         back->choice.request.body.choice.login.password.size, "p\0w", 3);
    }
}

static void
test_responses (void)
{
  for (int kind = ResponseBody_PR_ok; kind <= ResponseBody_PR_users; kind++)
    {
      Message_t *msg = serval_message_new_response (kind, kind);
      ResponseBody_t *b = &msg->choice.response.body;
      g_autoptr(Message_t) back = NULL;

      switch (kind)
        {
        case ResponseBody_PR_error:
          serval_error_set (&b->choice.error, ErrorCode_notAllowed, "User “bob” may not join “red”");
          break;
        case ResponseBody_PR_loggedIn:
          b->choice.loggedIn.admin = 1;
          b->choice.loggedIn.keepalive = 5;
          add_strings (&b->choice.loggedIn.servers.list, 3, "[2001:db8::1]:7465");
          break;
        case ResponseBody_PR_joined:
          serval_asn_set_string (&b->choice.joined.vlan, "red");
          b->choice.joined.tag = 16777215;
          for (int i = 0; i < 3; i++)
            {
              Member_t *m = calloc (1, sizeof *m);
              fill_member (m, "alice", i);
              ASN_SEQUENCE_ADD (&b->choice.joined.members.list, m);
            }
          break;
        case ResponseBody_PR_vlans:
          for (int i = 0; i < 2; i++)
            {
              VlanInfo_t *v = calloc (1, sizeof *v);
              serval_asn_set_string (&v->name, i ? "blue" : "red");
              v->tag = i + 1;
              v->allowed = i;
              v->members = 2147483647;
              ASN_SEQUENCE_ADD (&b->choice.vlans.list, v);
            }
          break;
        case ResponseBody_PR_members:
          {
            Member_t *m = calloc (1, sizeof *m);
            fill_member (m, "bob", 16);
            ASN_SEQUENCE_ADD (&b->choice.members.list, m);
          }
          break;
        case ResponseBody_PR_users:
          {
            UserInfo_t *u = calloc (1, sizeof *u);
            serval_asn_set_string (&u->name, "alice");
            add_strings (&u->vlans.list, 1, "red");
            ASN_SEQUENCE_ADD (&b->choice.users.list, u);
          }
          break;
        default:
          break;
        }
      back = round_trip (msg);
      g_assert_cmpint (back->choice.response.body.present, ==, kind);
      if (kind == ResponseBody_PR_joined)
        {
          g_autoptr(ServalMember) m = serval_member_new_from_asn (back->choice.response.body.choice.joined.members.list.array[2]);

          g_assert_cmpstr (serval_member_get_user (m), ==, "alice");
          g_assert_cmpstr (serval_member_get_host (m), ==, "laptop-ñ");
          g_assert_cmpstr (serval_member_get_mac (m), ==, "02:11:22:33:44:55");
          g_assert_cmpstr (serval_member_get_addresses (m)[1], ==, "fe80::2");
          g_assert_cmpint (serval_member_get_since (m), ==, 2000000000LL);
        }
    }
}

static void
test_events (void)
{
  for (int kind = Event_PR_memberJoined; kind <= Event_PR_bye; kind++)
    {
      Message_t *msg = serval_message_new_event (kind);
      Event_t *e = &msg->choice.event;
      g_autoptr(Message_t) back = NULL;

      switch (kind)
        {
        case Event_PR_memberJoined:
        case Event_PR_memberLeft:
        case Event_PR_memberUpdated:
          serval_asn_set_string (&e->choice.memberJoined.vlan, "red");
          fill_member (&e->choice.memberJoined.member, "carol", 2);
          break;
        case Event_PR_removed:
          serval_asn_set_string (&e->choice.removed.vlan, "red");
          serval_error_set (&e->choice.removed.reason, ErrorCode_notAllowed, "revoked");
          break;
        case Event_PR_servers: add_strings (&e->choice.servers.list, 1, "b.example.org:7465"); break;
        case Event_PR_bye:
          serval_error_set (&e->choice.bye, ErrorCode_shuttingDown, "The server is shutting down");
          break;
        default:
          break;
        }
      back = round_trip (msg);
      g_assert_cmpint (back->choice.event.present, ==, kind);
    }
}

/* Encoding appends: what the buffer already holds does not count against
 * the new message's size limit. */
static void
test_encode_appends (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  Message_t *msg = serval_message_new_ping (FALSE, 1);
  gsize len;

  g_byte_array_set_size (out, 3 * SERVAL_MAX_MESSAGE);
  g_assert_true (serval_message_encode (msg, out, &error));
  g_assert_no_error (error);
  g_assert_true (serval_frame_length (out->data + 3 * SERVAL_MAX_MESSAGE, &len, NULL));
  g_assert_cmpuint (out->len, ==, 3 * SERVAL_MAX_MESSAGE + 4 + len);
  serval_message_free (msg);
}

static void
test_error_text_cut (void)
{
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autoptr(Message_t) back = NULL;

  for (int i = 0; i < 300; i++)
    g_string_append (long_text, "ñ"); /* 600 bytes */
  back = round_trip (serval_message_new_error (1, ErrorCode_internal, long_text->str));
  g_assert_cmpint (back->choice.response.body.choice.error.text.size, <=, 512);
  g_assert_true (g_utf8_validate ((const char *) back->choice.response.body.choice.error.text.buf,
                                  back->choice.response.body.choice.error.text.size, NULL));
}

/* The fast path writes exactly what asn1c writes, and reads it back. */
static void
test_data_fast_path (void)
{
  static const guint32 vlans[] = { 1, 127, 128, 255, 256, 32767, 32768, 65535, 8388607, 8388608, 16777215 };
  static const gsize lens[] = { 14, 60, 127, 128, 255, 256, 1514, 65535 };
  g_autofree guint8 *frame = g_malloc (65535);

  for (gsize i = 0; i < 65535; i++)
    frame[i] = i * 7;
  for (guint v = 0; v < G_N_ELEMENTS (vlans); v++)
    for (guint l = 0; l < G_N_ELEMENTS (lens); l++)
      {
        g_autoptr(GByteArray) ref = g_byte_array_new ();
        g_autoptr(Message_t) msg = serval_message_new (Message_PR_data);
        guint8 hdr[SERVAL_DATA_HEADER_MAX];
        g_autoptr(GByteArray) fast = g_byte_array_new ();
        const guint8 *f;
        gsize flen, hlen;
        guint32 vlan;

        msg->choice.data.vlan = vlans[v];
        serval_asn_set_bytes (&msg->choice.data.frame, frame, lens[l]);
        g_assert_true (serval_message_encode (msg, ref, NULL));

        hlen = serval_data_header (hdr, vlans[v], lens[l]);
        g_byte_array_append (fast, hdr, hlen);
        g_byte_array_append (fast, frame, lens[l]);
        g_assert_cmpmem (fast->data, fast->len, ref->data, ref->len);

        g_assert_true (serval_data_parse (ref->data + 4, ref->len - 4, &vlan, &f, &flen));
        g_assert_cmpuint (vlan, ==, vlans[v]);
        g_assert_cmpuint (flen, ==, lens[l]);
        g_assert_true (f == ref->data + hlen);
        g_assert_cmpmem (f, flen, frame, lens[l]);

        /* A trailing byte or a missing one is refused. */
        g_byte_array_append (ref, (const guint8 *) "x", 1);
        g_assert_false (serval_data_parse (ref->data + 4, ref->len - 4, &vlan, &f, &flen));
        g_assert_false (serval_data_parse (ref->data + 4, ref->len - 6, &vlan, &f, &flen));
      }
}

static void
test_data_parse_rejects (void)
{
  guint8 frame[60] = { 0 };
  guint8 buf[128];
  const guint8 *f;
  gsize flen, n;
  guint32 vlan;

  /* vlan 0: built by hand, since serval_data_header asserts a valid tag. */
  n = serval_data_header (buf, 1, sizeof frame);
  memcpy (buf + n, frame, sizeof frame);
  g_assert_true (serval_data_parse (buf + 4, n - 4 + sizeof frame, &vlan, &f, &flen));
  buf[8] = 0x00; /* vlan value byte */
  g_assert_false (serval_data_parse (buf + 4, n - 4 + sizeof frame, &vlan, &f, &flen));
  buf[8] = 0x80; /* negative */
  g_assert_false (serval_data_parse (buf + 4, n - 4 + sizeof frame, &vlan, &f, &flen));

  /* Non-minimal integer: 80 02 00 05. */
  {
    const guint8 nm[] = { 0xA0, 0x08, 0x80, 0x02, 0x00, 0x05, 0x81, 0x02, 0xaa, 0xbb };
    g_assert_false (serval_data_parse (nm, sizeof nm, &vlan, &f, &flen));
  }
  /* A 13-byte frame. */
  {
    guint8 small[2 + 3 + 2 + 13] = { 0xA0, 18, 0x80, 0x01, 0x01, 0x81, 13 };
    g_assert_false (serval_data_parse (small, sizeof small, &vlan, &f, &flen));
  }
  /* Non-minimal length (81 0e instead of 0e). */
  {
    guint8 nml[2 + 3 + 3 + 14] = { 0xA0, 20, 0x80, 0x01, 0x01, 0x81, 0x81, 14 };
    g_assert_false (serval_data_parse (nml, sizeof nml, &vlan, &f, &flen));
  }
  /* Not a data message at all. */
  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    Message_t *m = serval_message_new_ping (FALSE, 1);

    serval_message_encode (m, b, NULL);
    serval_message_free (m);
    g_assert_false (serval_data_parse (b->data + 4, b->len - 4, &vlan, &f, &flen));
  }
}

static void
expect_decode_error (const guint8 *buf, gsize len, int code)
{
  g_autoptr(GError) error = NULL;
  Message_t *m = serval_message_decode (buf, len, &error);

  g_assert_null (m);
  g_assert_error (error, SERVAL_CODEC_ERROR, code);
  g_assert_cmpuint (strlen (error->message), >, 10);
}

/* A 2^31 nonce or id does not fit the protocol's INTEGER ranges. */
static void
test_integer_ranges (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  Message_t *msg = serval_message_new_ping (FALSE, 0);

  msg->choice.ping.nonce = 2147483648L;
  g_assert_false (serval_message_encode (msg, b, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE);
  serval_message_free (msg);
  /* ping { nonce 00 ff e7 22 1f }: minimal DER for 4293337631, out of range */
  {
    const guint8 der[] = { 0xA5, 0x07, 0x80, 0x05, 0x00, 0xff, 0xe7, 0x22, 0x1f };
    expect_decode_error (der, sizeof der, SERVAL_CODEC_ERROR_INVALID);
  }
}

static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5e4a1);
  guint8 buf[512];

  for (guint round = 0; round < 20000; round++)
    {
      gsize len = g_rand_int_range (rand, 1, sizeof buf);
      g_autoptr(GError) error = NULL;
      Message_t *m;

      for (gsize i = 0; i < len; i++)
        buf[i] = g_rand_int (rand);
      if (round % 2)
        buf[0] = 0xA0 + g_rand_int_range (rand, 0, 8); /* a plausible first tag */
      m = serval_message_decode (buf, len, &error);
      g_assert_true ((m == NULL) != (error == NULL));
      serval_message_free (m);
    }
}

static void
test_truncations (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  Message_t *msg = serval_message_new_response (9, ResponseBody_PR_members);

  for (int i = 0; i < 3; i++)
    {
      Member_t *m = calloc (1, sizeof *m);
      fill_member (m, "dora", 4);
      ASN_SEQUENCE_ADD (&msg->choice.response.body.choice.members.list, m);
    }
  g_assert_true (serval_message_encode (msg, b, NULL));
  serval_message_free (msg);
  for (gsize len = 1; len < b->len - 4; len++)
    expect_decode_error (b->data + 4, len, SERVAL_CODEC_ERROR_MALFORMED);
}

static void
test_lengths (void)
{
  const guint8 over[4] = { 0x00, 0x10, 0x00, 0x01 }; /* 1 MiB + 1 */
  const guint8 max[4] = { 0x00, 0x10, 0x00, 0x00 };
  const guint8 huge[4] = { 0xff, 0xff, 0xff, 0xf0 };
  const guint8 zero[4] = { 0, 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_true (serval_frame_length (max, &len, &error));
  g_assert_cmpuint (len, ==, SERVAL_MAX_MESSAGE);
  g_assert_false (serval_frame_length (over, &len, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_TOO_BIG);
  g_clear_error (&error);
  g_assert_false (serval_frame_length (huge, &len, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_TOO_BIG);
  g_clear_error (&error);
  g_assert_false (serval_frame_length (zero, &len, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_MALFORMED);
  g_clear_error (&error);
  /* decode itself refuses an oversized body without reading it */
  g_assert_null (serval_message_decode ((const guint8 *) "", SERVAL_MAX_MESSAGE + 1, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_TOO_BIG);
}

static void
test_constraints (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) b = g_byte_array_new ();
  Message_t *msg;
  char name65[66];

  memset (name65, 'n', 65);
  name65[65] = '\0';

  /* A name of 65 bytes cannot be sent... */
  msg = serval_message_new_request (1, RequestBody_PR_leave);
  serval_asn_set_string (&msg->choice.request.body.choice.leave, name65);
  g_assert_false (serval_message_encode (msg, b, &error));
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_ENCODE);
  g_assert_cmpuint (b->len, ==, 0);
  g_clear_error (&error);
  serval_message_free (msg);

  /* ...nor invalid UTF-8, nor a 5-byte MAC, nor 17 addresses. */
  msg = serval_message_new_request (1, RequestBody_PR_leave);
  serval_asn_set_string (&msg->choice.request.body.choice.leave, "\xc3\x28");
  g_assert_false (serval_message_encode (msg, b, &error));
  g_clear_error (&error);
  serval_message_free (msg);

  msg = serval_message_new_request (1, RequestBody_PR_join);
  serval_asn_set_string (&msg->choice.request.body.choice.join.vlan, "red");
  serval_asn_set_bytes (&msg->choice.request.body.choice.join.mac, "12345", 5);
  g_assert_false (serval_message_encode (msg, b, &error));
  g_clear_error (&error);
  serval_message_free (msg);

  msg = serval_message_new_request (1, RequestBody_PR_update);
  serval_asn_set_string (&msg->choice.request.body.choice.update.vlan, "red");
  add_strings (&msg->choice.request.body.choice.update.addresses.list, 17, "10.0.0.1");
  g_assert_false (serval_message_encode (msg, b, &error));
  g_clear_error (&error);
  serval_message_free (msg);

  /* Hand-made DER with a 65-byte name must be refused by decode:
   * request [2] { id [0] 1, body [1] { leave [2] "nnn…" } } */
  {
    guint8 der[2 + 3 + 2 + 2 + 65];
    gsize i = 0;

    der[i++] = 0xA2;
    der[i++] = sizeof der - 2;
    der[i++] = 0x80;
    der[i++] = 0x01;
    der[i++] = 0x01;
    der[i++] = 0xA1;
    der[i++] = 2 + 65;
    der[i++] = 0x82;
    der[i++] = 65;
    memset (der + i, 'n', 65);
    expect_decode_error (der, sizeof der, SERVAL_CODEC_ERROR_INVALID);
    /* The same with 64 bytes decodes. */
    der[1]--;
    der[6]--;
    der[8]--;
    {
      g_autoptr(Message_t) ok = serval_message_decode (der, sizeof der - 1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (ok);
    }
  }
}

static void
test_hostile_shapes (void)
{
  g_autofree guint8 *deep = g_malloc (4000);
  /* Message [20]: an alternative this version does not know. */
  const guint8 unknown[] = { 0xB4, 0x03, 0x80, 0x01, 0x01 };
  /* Indefinite length (BER, not DER). */
  const guint8 indef[] = { 0xA5, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00 };
  /* A tag number that takes many bytes. */
  const guint8 bigtag[] = { 0xBF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00 };
  /* A length of 2^63. */
  const guint8 biglen[] = { 0xA0, 0x88, 0x80, 0, 0, 0, 0, 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  Message_t *m;

  for (int i = 0; i < 2000; i++)
    {
      deep[2 * i] = 0xA2;
      deep[2 * i + 1] = 0x80;
    }
  m = serval_message_decode (deep, 4000, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_clear_error (&error);

  m = serval_message_decode (unknown, sizeof unknown, &error);
  g_assert_null (m);
  g_test_message ("unknown alternative: %s", error->message);
  g_assert_error (error, SERVAL_CODEC_ERROR, SERVAL_CODEC_ERROR_UNKNOWN);
  g_clear_error (&error);

  /* BER allows indefinite lengths, DER does not; asn1c used to spin forever
   * on some of them (tests/fuzz/corpus/codec/regress-eoc-hang). */
  expect_decode_error (indef, sizeof indef, SERVAL_CODEC_ERROR_MALFORMED);
  {
    const guint8 hang[] = { 0xa4, 0x80, 0xa4, 0x00, 0x00, 0x1e, 0x00, 0x00 };
    expect_decode_error (hang, sizeof hang, SERVAL_CODEC_ERROR_MALFORMED);
  }
  /* Non-minimal length: 81 05 instead of 05. */
  {
    const guint8 nm[] = { 0xA5, 0x81, 0x03, 0x80, 0x01, 0x01 };
    expect_decode_error (nm, sizeof nm, SERVAL_CODEC_ERROR_MALFORMED);
  }

  expect_decode_error (bigtag, sizeof bigtag, SERVAL_CODEC_ERROR_MALFORMED);
  expect_decode_error (biglen, sizeof biglen, SERVAL_CODEC_ERROR_MALFORMED);
}

/* Ping.interval (issue 17), an extension addition of Ping: absent, a ping
 * is the bytes it always was (what an older client gets); present, the
 * bytes tests/fuzz/make-corpus.py builds by hand; out of 1..3600, refused. */
static void
test_ping_interval (void)
{
  static const guint8 plain[] = { 0xa5, 0x04, 0x80, 0x02, 0x30, 0x39 };
  static const guint8 with[] = { 0xa5, 0x07, 0x80, 0x02, 0x30, 0x39, 0x81, 0x01, 0x32 };
  static const guint8 zero[] = { 0xa5, 0x07, 0x80, 0x02, 0x30, 0x39, 0x81, 0x01, 0x00 };
  static const guint8 big[] = { 0xa6, 0x08, 0x80, 0x02, 0x30, 0x39, 0x81, 0x02, 0x0e, 0x11 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) a = g_byte_array_new ();
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(Message_t) ping = serval_message_new_ping (FALSE, 12345);
  g_autoptr(Message_t) pong = NULL;
  Message_t *bad;

  g_assert_true (serval_message_encode (ping, a, &error));
  g_assert_cmpmem (a->data + SERVAL_LENGTH_PREFIX, a->len - SERVAL_LENGTH_PREFIX, plain, sizeof plain);
  serval_message_set_ping_interval (ping, 50);
  g_assert_true (serval_message_encode (ping, b, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (b->data + SERVAL_LENGTH_PREFIX, b->len - SERVAL_LENGTH_PREFIX, with, sizeof with);

  pong = serval_message_new_ping (TRUE, 7);
  serval_message_set_ping_interval (pong, 3600);
  pong = round_trip (g_steal_pointer (&pong));
  g_assert_nonnull (pong->choice.pong.interval);
  g_assert_cmpint (*pong->choice.pong.interval, ==, 3600);

  bad = serval_message_decode (zero, sizeof zero, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_clear_error (&error);
  bad = serval_message_decode (big, sizeof big, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/codec/hello-ping", test_hello_ping);
  g_test_add_func ("/engine/codec/requests", test_requests);
  g_test_add_func ("/engine/codec/responses", test_responses);
  g_test_add_func ("/engine/codec/events", test_events);
  g_test_add_func ("/engine/codec/error-text-cut", test_error_text_cut);
  g_test_add_func ("/engine/codec/encode-appends", test_encode_appends);
  g_test_add_func ("/engine/codec/data-fast-path", test_data_fast_path);
  g_test_add_func ("/engine/codec/data-parse-rejects", test_data_parse_rejects);
  g_test_add_func ("/engine/codec/garbage", test_garbage);
  g_test_add_func ("/engine/codec/integer-ranges", test_integer_ranges);
  g_test_add_func ("/engine/codec/truncations", test_truncations);
  g_test_add_func ("/engine/codec/lengths", test_lengths);
  g_test_add_func ("/engine/codec/constraints", test_constraints);
  g_test_add_func ("/engine/codec/hostile-shapes", test_hostile_shapes);
  g_test_add_func ("/engine/codec/ping-interval", test_ping_interval);
  return g_test_run ();
}
