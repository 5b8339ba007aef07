/* tap-user: what the Serval app does with a TAP device, run by the helper test
 * as an unprivileged user (uid 65534) inside the test's network namespace.
 *
 *   tap-user attach NAME MTU MAC TAG         serval_tap_attach(), then exchange frames
 *   tap-user open NAME MTU MAC TAG           serval_tap_open_async(), then exchange frames
 *   tap-user attach-fails NAME               serval_tap_attach() must fail
 *   tap-user open-fails NAME MTU MAC         serval_tap_open_async() must fail
 *   tap-user address NAME CIDR               serval_tap_attach(), then serval_tap_address_async()
 *   tap-user address-fails NAME CIDR         the same, and serval_tap_address_async() must fail
 *
 * The -fails modes exit 0 when the call failed and print "error CODE: message"
 * (CODE: PERMISSION, NO_DEVICE, BUSY, FAILED of SERVAL_TAP_ERROR) for the
 * test to check.
 *
 * The exchange: it writes frames of ethertype 0x88b5 carrying "up-TAG" into
 * the device every 100 ms (the root side sees them on the device with a
 * packet socket) until it reads a frame carrying "down-TAG", which the root
 * side sends out of the device; it fails after 15 seconds. Exit status 0
 * means every check passed; messages go to stdout.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serval-tap-open.h"

#define ETHERTYPE 0x88b5

typedef struct
{
  GMainLoop *loop;
  ServalTap *tap;
  char *tag;
  gboolean got_down;
  gboolean timed_out;
  GAsyncResult *result;
} Run;

static gboolean
parse_mac (const char *text, guint8 mac[6])
{
  unsigned int b[6];

  if (sscanf (text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    mac[i] = (guint8) b[i];
  return TRUE;
}

static void
frame_cb (ServalTap *tap, const ServalFrame *fr, gpointer user_data)
{
  const guint8 *frame = fr->data;
  gsize len = fr->len;
  Run *run = user_data;
  g_autofree char *want = g_strdup_printf ("down-%s", run->tag);

  if (len < 14 + strlen (want) || frame[12] != (ETHERTYPE >> 8) || frame[13] != (ETHERTYPE & 0xff))
    return;
  if (memcmp (frame + 14, want, strlen (want)) != 0)
    return;
  printf ("read a %zu-byte frame carrying %s from the device\n", len, want);
  run->got_down = TRUE;
  g_main_loop_quit (run->loop);
}

static gboolean
send_up_cb (gpointer user_data)
{
  Run *run = user_data;
  guint8 frame[60] = { 0 };
  static const guint8 src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
  g_autofree char *payload = g_strdup_printf ("up-%s", run->tag);

  memset (frame, 0xff, 6);
  memcpy (frame + 6, src, 6);
  frame[12] = ETHERTYPE >> 8;
  frame[13] = ETHERTYPE & 0xff;
  memcpy (frame + 14, payload, MIN (strlen (payload), sizeof frame - 14));
  if (!serval_tap_write (run->tap, frame, sizeof frame))
    printf ("writing a frame failed (%s)\n", g_strerror (errno));
  return G_SOURCE_CONTINUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Run *run = user_data;

  run->timed_out = TRUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

/* Checks MTU and MAC, then exchanges frames. */
static int
exchange (Run *run, guint mtu, const guint8 mac[6])
{
  guint8 got[6];
  guint send_id, timeout_id;
  int status = 0;

  serval_tap_get_mac (run->tap, got);
  printf ("device %s: mtu %u, mac %02x:%02x:%02x:%02x:%02x:%02x\n", serval_tap_get_name (run->tap),
          serval_tap_get_mtu (run->tap), got[0], got[1], got[2], got[3], got[4], got[5]);
  if (serval_tap_get_mtu (run->tap) != mtu)
    {
      printf ("FAIL: the device's MTU is %u, not %u\n", serval_tap_get_mtu (run->tap), mtu);
      status = 1;
    }
  if (memcmp (got, mac, 6) != 0)
    {
      printf ("FAIL: the device has another MAC address than the one asked for\n");
      status = 1;
    }
  serval_tap_set_frame_func (run->tap, frame_cb, run);
  serval_tap_start (run->tap);
  send_id = g_timeout_add (100, send_up_cb, run);
  send_up_cb (run);
  timeout_id = g_timeout_add_seconds (15, timeout_cb, run);
  g_main_loop_run (run->loop);
  g_source_remove (send_id);
  if (!run->timed_out)
    g_source_remove (timeout_id);
  printf ("wrote %" G_GUINT64_FORMAT " frames (%" G_GUINT64_FORMAT " dropped), read %" G_GUINT64_FORMAT "\n",
          serval_tap_get_tx_frames (run->tap), serval_tap_get_tx_dropped (run->tap),
          serval_tap_get_rx_frames (run->tap));
  if (!run->got_down)
    {
      printf ("FAIL: no frame carrying down-%s came out of the device within 15 s\n", run->tag);
      status = 1;
    }
  return status;
}

static void
opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;

  run->result = g_object_ref (result);
  g_main_loop_quit (run->loop);
}

static gboolean
tick_cb (gpointer user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static ServalTap *
open_tap (Run *run, const char *name, guint mtu, const guint8 mac[6], GError **error)
{
  /* The main loop must keep running while pkexec does its work: a 5 ms
   * tick shows whether it did. */
  guint ticks = 0, tick_id = g_timeout_add (5, tick_cb, &ticks);
  gint64 start = g_get_monotonic_time ();
  ServalTap *tap;

  serval_tap_open_async (name, mtu, mac, NULL, opened_cb, run);
  g_main_loop_run (run->loop);
  g_source_remove (tick_id);
  printf ("serval_tap_open_async took %.1f ms; the main loop ticked %u times meanwhile\n",
          (g_get_monotonic_time () - start) / 1000.0, ticks);
  tap = serval_tap_open_finish (run->result, error);
  g_clear_object (&run->result);
  return tap;
}

static const char *error_name (const GError *error);

/* "address" and "address-fails": the address the server leased, set on a
 * device the user owns, through the helper when the user may not. */
static int
set_address (Run *run, const char *name, const char *cidr, gboolean should_fail)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ServalTap) tap = serval_tap_attach (name, &error);
  gboolean ok;

  if (tap == NULL)
    {
      printf ("FAIL: attach %s: %s\n", name, error->message);
      return 1;
    }
  serval_tap_address_async (tap, cidr, NULL, opened_cb, run);
  g_main_loop_run (run->loop);
  ok = serval_tap_address_finish (run->result, &error);
  g_clear_object (&run->result);
  if (ok)
    printf ("address %s set on %s\n", cidr, name);
  else
    printf ("error %s: %s\n", error_name (error), error->message);
  return ok != should_fail ? 0 : 1;
}

static const char *
error_name (const GError *error)
{
  static const char *names[] = { "PERMISSION", "NO_DEVICE", "BUSY", "FAILED" };

  if (error->domain == SERVAL_TAP_ERROR && error->code >= 0 && error->code < (int) G_N_ELEMENTS (names))
    return names[error->code];
  return g_quark_to_string (error->domain);
}

static int
usage (void)
{
  fprintf (stderr, "usage: tap-user attach|open NAME MTU MAC TAG | attach-fails NAME | open-fails NAME MTU MAC | address[-fails] NAME CIDR\n");
  return 2;
}

int
main (int argc, char **argv)
{
  Run run = { 0 };
  g_autoptr(GError) error = NULL;
  const char *mode, *name;
  guint8 mac[6];
  guint mtu = 0;
  int status;

  if (argc < 3)
    return usage ();
  mode = argv[1];
  name = argv[2];
  if (argc >= 5)
    {
      mtu = (guint) strtoul (argv[3], NULL, 10);
      if (!parse_mac (argv[4], mac))
        return usage ();
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  run.loop = g_main_loop_new (NULL, FALSE);
  printf ("running as uid %u\n", (unsigned) getuid ());

  if (g_str_has_prefix (mode, "address") && argc == 4)
    {
      status = set_address (&run, name, argv[3], g_str_equal (mode, "address-fails"));
      g_main_loop_unref (run.loop);
      return status;
    }
  if (strcmp (mode, "attach-fails") == 0 && argc == 3)
    run.tap = serval_tap_attach (name, &error);
  else if (strcmp (mode, "open-fails") == 0 && argc == 5)
    run.tap = open_tap (&run, name, mtu, mac, &error);
  if (g_str_has_suffix (mode, "-fails"))
    {
      g_main_loop_unref (run.loop);
      if (run.tap != NULL)
        {
          printf ("FAIL: %s opened, but it should not have\n", name);
          g_object_unref (run.tap);
          return 1;
        }
      if (error == NULL)
        return usage ();
      printf ("error %s: %s\n", error_name (error), error->message);
      return 0;
    }
  if (argc != 6)
    return usage ();
  run.tag = argv[5];
  if (strcmp (mode, "attach") == 0)
    run.tap = serval_tap_attach (name, &error);
  else if (strcmp (mode, "open") == 0)
    run.tap = open_tap (&run, name, mtu, mac, &error);
  else
    return usage ();
  if (run.tap == NULL)
    {
      printf ("FAIL: %s %s: %s\n", mode, name, error->message);
      g_main_loop_unref (run.loop);
      return 1;
    }
  status = exchange (&run, mtu, mac);
  g_object_unref (run.tap);
  g_main_loop_unref (run.loop);
  return status;
}
