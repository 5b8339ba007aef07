/* Management messages never wait behind queued data frames (issue 14): a
 * link whose peer stops reading queues over 1 MiB of one sender's frames,
 * then two management messages; once the peer reads again, they arrive
 * before the frames queued ahead of them (but the one under way), in the
 * order sent, and every frame still arrives, in order. Both directions of
 * a real connection over loopback: a server's link on its own TLS record
 * layer towards a client (the server's links to members), and a client's
 * link on GnuTLS towards the server. The peer "stops reading" because its
 * link runs on a main context of its own that the test does not iterate
 * until the messages are queued. */
#include "config.h"

#include <string.h>

#include "serval-link.h"
#include "link-test-util.h"
#include "link-record-util.h"

/* A frame's size: a full Ethernet frame, its sequence number in bytes 14-17. */
#define FRAME_LEN 1400
/* What the sender's link holds when the management messages are queued. */
#define QUEUE_BEFORE (1024 * 1024)
/* More frames than loopback's socket buffers and QUEUE_BEFORE hold. */
#define MAX_FRAMES 100000

typedef struct
{
  RecordServer rs;
  ServalLink *server_link, *client_link;
  gboolean server_reads; /* the server's link is the one that stops reading */
  GMainContext *context, *reader_context;
  /* The reader's view. */
  guint frames;           /* data frames received */
  gboolean in_order;      /* every frame in the order sent */
  guint mgmt;             /* management messages received */
  guint frames_before[2]; /* frames received before each of them */
  gboolean mgmt_in_order; /* they came in the order sent */
} Fixture;

static void
data_cb (ServalLink *link, const ServalFrame *fr, gpointer user_data)
{
  Fixture *f = user_data;
  guint32 seq = 0;

  if (fr->len == FRAME_LEN)
    memcpy (&seq, fr->data + 14, sizeof seq);
  if (fr->len != FRAME_LEN || seq != f->frames)
    f->in_order = FALSE;
  f->frames++;
}

static void
message_cb (ServalLink *link, const Message_t *msg, gpointer user_data)
{
  Fixture *f = user_data;

  if (msg->present != Message_PR_response || f->mgmt >= G_N_ELEMENTS (f->frames_before))
    {
      f->mgmt_in_order = FALSE;
      return;
    }
  if (msg->choice.response.id != f->mgmt + 1)
    f->mgmt_in_order = FALSE;
  f->frames_before[f->mgmt++] = f->frames;
}

/* Starts @link on the reader's context (which the test iterates only once
 * the messages are queued) if it is the reader, else on the test's. */
static void
start_link (Fixture *f, ServalLink *link, gboolean reader)
{
  if (reader)
    {
      serval_link_set_handlers (link, message_cb, data_cb, f);
      g_main_context_push_thread_default (f->reader_context);
    }
  serval_link_start (link);
  if (reader)
    g_main_context_pop_thread_default (f->reader_context);
}

static void
server_link_cb (ServalLink *link, gboolean taken, gpointer user_data)
{
  Fixture *f = user_data;

  f->server_link = link;
  /* As a server's links to its members do. */
  g_assert_true (taken);
  start_link (f, f->server_link, f->server_reads);
}

static gboolean
has_server_link (gpointer data)
{
  return ((Fixture *) data)->server_link != NULL;
}

static void
setup (Fixture *f, gconstpointer data)
{
  ConnectResult r = { 0 };

  f->server_reads = GPOINTER_TO_INT (data);
  f->in_order = TRUE;
  f->mgmt_in_order = TRUE;
  f->context = test_context_push ();
  f->reader_context = g_main_context_new ();
  record_server_start (&f->rs, server_link_cb, f);
  serval_link_connect_async (f->rs.t.address, f->rs.t.fingerprint, NULL, NULL, connected_cb, &r);
  g_assert_true (run_until (&r.done));
  g_assert_no_error (r.error);
  f->client_link = g_steal_pointer (&r.link);
  connect_result_clear (&r);
  start_link (f, f->client_link, !f->server_reads);
  g_assert_true (test_iterate_until (has_server_link, f));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ServalLink *reader = f->server_reads ? f->server_link : f->client_link;

  g_main_context_push_thread_default (f->reader_context);
  serval_link_close (reader, NULL);
  while (g_main_context_iteration (f->reader_context, FALSE))
    ;
  g_main_context_pop_thread_default (f->reader_context);
  serval_link_close (f->server_reads ? f->client_link : f->server_link, NULL);
  g_clear_object (&f->server_link);
  g_clear_object (&f->client_link);
  g_main_context_unref (f->reader_context);
  record_server_stop (&f->rs);
  test_context_pop (f->context);
}

/* Iterates both contexts until the reader has @frames frames and both
 * management messages (FALSE if the safety net ran out first). */
static gboolean
read_all (Fixture *f, guint frames)
{
  gint64 end = g_get_monotonic_time () + TEST_SAFETY_NET_SECONDS * G_USEC_PER_SEC;

  while ((f->frames < frames || f->mgmt < 2) && g_get_monotonic_time () < end)
    {
      gboolean busy = g_main_context_iteration (f->context, FALSE);

      g_main_context_push_thread_default (f->reader_context);
      busy |= g_main_context_iteration (f->reader_context, FALSE);
      g_main_context_pop_thread_default (f->reader_context);
      if (!busy)
        g_usleep (500);
    }
  return f->frames >= frames && f->mgmt >= 2;
}

static void
test_mgmt_first (Fixture *f, gconstpointer data)
{
  ServalLink *sender = f->server_reads ? f->client_link : f->server_link;
  static guint8 frame[FRAME_LEN];
  guint32 sent = 0;
  gsize queued;

  /* A lone sender floods a peer that does not read, until the link holds
   * QUEUE_BEFORE bytes over what the sockets took. */
  memset (frame, 0x5a, sizeof frame);
  while (serval_link_get_queued (sender) < QUEUE_BEFORE)
    {
      if (sent == MAX_FRAMES)
        g_error ("the link holds %lu bytes after %u frames to a peer that does not read: the sockets "
                 "took the rest (raise MAX_FRAMES), or the link dropped frames (%lu)",
                 (unsigned long) serval_link_get_queued (sender), sent,
                 (unsigned long) serval_link_get_frames_dropped (sender));
      memcpy (frame + 14, &sent, sizeof sent);
      g_assert_true (serval_link_send_data (sender, 1, frame, sizeof frame));
      sent++;
      if (sent % 64 == 0)
        while (test_iterate (FALSE))
          ;
    }
  queued = serval_link_get_queued (sender);
  g_assert_cmpuint (serval_link_get_frames_dropped (sender), ==, 0);
  serval_link_send_take (sender, serval_message_new_error (1, 1, "first"));
  serval_link_send_take (sender, serval_message_new_error (2, 1, "second"));

  g_assert_true (read_all (f, sent));
  g_assert_true (f->in_order);
  g_assert_cmpuint (f->frames, ==, sent);
  g_assert_true (f->mgmt_in_order);
  g_test_message ("%u frames sent, %lu bytes queued in the link, frames before the management messages: %u, %u",
                  sent, (unsigned long) queued, f->frames_before[0], f->frames_before[1]);
  /* Behind at most what the transport had sealed and the frame under way:
   * most of what the link held came after them. */
  g_assert_cmpuint ((gsize) (sent - f->frames_before[1]) * FRAME_LEN, >=, queued / 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/engine/link-mgmt/server-to-member", Fixture, GINT_TO_POINTER (FALSE), setup, test_mgmt_first,
              teardown);
  g_test_add ("/engine/link-mgmt/member-to-server", Fixture, GINT_TO_POINTER (TRUE), setup, test_mgmt_first,
              teardown);
  return g_test_run ();
}
