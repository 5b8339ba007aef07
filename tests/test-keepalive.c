/* Keepalives (engine/serval-link-keepalive.c, issue 17): two links started
 * together on one clock, their bytes through a relay in the test that
 * counts the pings and pongs each way. Only one end of an idle link pings
 * once the first round is over; when the relay stops carrying bytes both
 * ends close for silence, the one that only answered included. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "serval-codec.h"
#include "serval-link.h"
#include "test-loop-util.h"

/* Seconds: pings every 2 s, so that an end that follows waits a whole
 * second past the leader's ping (a stalled test process would need that
 * long to make it ping too); the timeout is the default's three intervals. */
#define INTERVAL 2
#define TIMEOUT  6

typedef struct
{
  int from, to;      /* the relay's ends: read one, write the other */
  GByteArray *bytes; /* read, not yet parsed into whole messages */
  guint pings, pongs;
  gboolean cut; /* the relay drops everything */
} Direction;

typedef struct
{
  ServalLink *link;
  guint closed;
  GError *error;
} End;

static void
count_messages (Direction *d)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(Message_t) msg = NULL;
      gsize len;

      if (d->bytes->len < SERVAL_LENGTH_PREFIX)
        return;
      g_assert_true (serval_frame_length (d->bytes->data, &len, &error));
      if (d->bytes->len < SERVAL_LENGTH_PREFIX + len)
        return;
      msg = serval_message_decode (d->bytes->data + SERVAL_LENGTH_PREFIX, len, &error);
      g_assert_no_error (error);
      if (msg->present == Message_PR_ping)
        d->pings++;
      else if (msg->present == Message_PR_pong)
        d->pongs++;
      g_byte_array_remove_range (d->bytes, 0, SERVAL_LENGTH_PREFIX + len);
    }
}

static gboolean
relay_cb (int fd, GIOCondition condition, gpointer data)
{
  Direction *d = data;
  guint8 buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n <= 0)
    return G_SOURCE_REMOVE;
  if (d->cut)
    return G_SOURCE_CONTINUE;
  g_assert_cmpint (write (d->to, buf, n), ==, n);
  g_byte_array_append (d->bytes, buf, n);
  count_messages (d);
  return G_SOURCE_CONTINUE;
}

static void
end_closed_cb (ServalLink *link, GError *error, gpointer user_data)
{
  End *e = user_data;

  e->closed++;
  g_clear_error (&e->error);
  e->error = error ? g_error_copy (error) : NULL;
}

static void
end_start (End *e, int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);
  g_autoptr(GSocketConnection) conn = NULL;

  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);
  e->link = serval_link_new (G_IO_STREAM (conn), "test peer");
  g_signal_connect (e->link, "closed", G_CALLBACK (end_closed_cb), e);
  serval_link_set_keepalive (e->link, INTERVAL, TIMEOUT);
}

static GSource *
relay_add (Direction *d)
{
  GSource *source = g_unix_fd_source_new (d->from, G_IO_IN | G_IO_HUP | G_IO_ERR);

  d->bytes = g_byte_array_new ();
  g_source_set_callback (source, G_SOURCE_FUNC (relay_cb), d, NULL);
  g_source_attach (source, test_context ());
  return source;
}

typedef struct
{
  Direction *ab, *ba;
  guint n;
} Exchanges;

static gboolean
exchanges_done (gpointer data)
{
  Exchanges *x = data;

  return x->ab->pongs + x->ba->pongs >= x->n;
}

static gboolean
both_closed (gpointer data)
{
  End *e = data;

  return e[0].closed > 0 && e[1].closed > 0;
}

static void
test_one_end_pings (void)
{
  int sa[2], sb[2];
  End e[2] = { 0 };
  Direction ab = { 0 }, ba = { 0 };
  GSource *sources[2];
  Exchanges x = { &ab, &ba, 2 };
  guint ab_pings, ba_pings;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sa), ==, 0);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sb), ==, 0);
  ab = (Direction){ .from = sa[1], .to = sb[1] };
  ba = (Direction){ .from = sb[1], .to = sa[1] };
  sources[0] = relay_add (&ab);
  sources[1] = relay_add (&ba);
  end_start (&e[0], sa[0]);
  end_start (&e[1], sb[0]);
  /* Started together, on one clock: their first pings may cross. */
  serval_link_start (e[0].link);
  serval_link_start (e[1].link);

  /* Past the first round (two pongs: one each way if both pinged)... */
  g_assert_true (test_iterate_until (exchanges_done, &x));
  ab_pings = ab.pings;
  ba_pings = ba.pings;
  /* ... three more exchanges: every ping answered, all from one end. */
  x.n = ab.pongs + ba.pongs + 3;
  g_assert_true (test_iterate_until (exchanges_done, &x));
  g_assert_cmpuint (ab.pings + ba.pings, ==, ab.pongs + ba.pongs);
  g_assert_true ((ab.pings == ab_pings) != (ba.pings == ba_pings));
  g_assert_cmpuint (e[0].closed + e[1].closed, ==, 0);

  /* The peer goes silent (the relay drops everything): each end closes
   * for silence, the one that only answered too. */
  ab.cut = ba.cut = TRUE;
  g_assert_true (test_iterate_until (both_closed, e));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_error (e[i].error, SERVAL_LINK_ERROR, SERVAL_LINK_ERROR_TIMEOUT);
      g_assert_nonnull (strstr (e[i].error->message, "has not answered for"));
      g_clear_error (&e[i].error);
      g_clear_object (&e[i].link);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_source_destroy (sources[i]);
      g_source_unref (sources[i]);
    }
  g_byte_array_unref (ab.bytes);
  g_byte_array_unref (ba.bytes);
  close (sa[1]);
  close (sb[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_add_in_own_context ("/engine/keepalive/one-end-pings", test_one_end_pings);
  return g_test_run ();
}
