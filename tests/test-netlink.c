/* rtnetlink by hand (engine/serval-netlink.c) and what the TAP device does
 * with it, on the real kernel, in a network namespace of the test's own
 * (unshare: it goes away with the process): serval_tap_set_address() gives
 * a device an IPv4 or IPv6 address and replaces the one it gave before,
 * refuses a bad one and says why; serval_tap_join_bridge() puts the device
 * into a bridge, or makes "svbr-IFACE" for another interface; the errors
 * name the device, the address and the cause. Needs root; fails without. */
#define _GNU_SOURCE /* unshare() */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "serval-netlink.h"
#include "serval-tap.h"
#include "netns-util.h"

static ServalTap *
make_tap (const char *name)
{
  g_autoptr(GError) error = NULL;
  ServalTap *tap = serval_tap_new (name, 1500, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tap);
  return tap;
}

static gboolean
has_address (ServalTap *tap, const char *addr)
{
  g_auto (GStrv) addrs = serval_tap_get_addresses (tap);

  return g_strv_contains ((const char *const *) addrs, addr);
}

static void
assert_set (ServalTap *tap, const char *cidr)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (serval_tap_set_address (tap, cidr, &error));
  g_assert_no_error (error);
}

/* Family by family: an address, then another in its place; one set by
 * someone else stays; NULL removes what Serval set. */
static void
test_address (gconstpointer data)
{
  gboolean v6 = GPOINTER_TO_INT (data);
  g_autoptr(ServalTap) tap = make_tap (v6 ? "nladdr6" : "nladdr4");
  const char *first = v6 ? "fd00:77::5/64" : "10.77.0.5/24";
  const char *second = v6 ? "fd00:77::6/64" : "10.77.0.6/24";
  const char *other = v6 ? "fd00:99::1/64" : "192.0.2.1/24";
  g_autoptr(GError) error = NULL;
  ServalCidr c;

  g_assert_true (serval_cidr_parse (other, &c, &error));
  g_assert_true (serval_netlink_address (TRUE, serval_tap_get_name (tap), &c, &error));
  g_assert_no_error (error);
  assert_set (tap, first);
  g_assert_true (has_address (tap, v6 ? "fd00:77::5" : "10.77.0.5"));
  assert_set (tap, first); /* again: no error, still there */
  g_assert_true (has_address (tap, v6 ? "fd00:77::5" : "10.77.0.5"));
  assert_set (tap, second);
  g_assert_true (has_address (tap, v6 ? "fd00:77::6" : "10.77.0.6"));
  g_assert_false (has_address (tap, v6 ? "fd00:77::5" : "10.77.0.5"));
  g_assert_true (has_address (tap, v6 ? "fd00:99::1" : "192.0.2.1"));
  assert_set (tap, NULL);
  g_assert_false (has_address (tap, v6 ? "fd00:77::6" : "10.77.0.6"));
  g_assert_true (has_address (tap, v6 ? "fd00:99::1" : "192.0.2.1"));
}

/* One of each family: setting IPv6 leaves the IPv4 address alone. */
static void
test_address_both (void)
{
  g_autoptr(ServalTap) tap = make_tap ("nladdr46");

  assert_set (tap, "10.78.0.5/16");
  assert_set (tap, "fd00:78::5/64");
  g_assert_true (has_address (tap, "10.78.0.5"));
  g_assert_true (has_address (tap, "fd00:78::5"));
  assert_set (tap, "10.78.1.5/16");
  g_assert_false (has_address (tap, "10.78.0.5"));
  g_assert_true (has_address (tap, "10.78.1.5"));
  g_assert_true (has_address (tap, "fd00:78::5"));
}

static void
test_address_bad (void)
{
  static const char *const bad[][2] = {
    { "10.77.0.5", "prefix length" },
    { "10.77.0.5/", "from 1 to 32" },
    { "10.77.0.5/0", "from 1 to 32" },
    { "10.77.0.5/33", "from 1 to 32" },
    { "10.77.0.5/+24", "from 1 to 32" },
    { "10.77.0.5/24x", "from 1 to 32" },
    { "fd00::5/129", "from 1 to 128" },
    { "10.77.0/24", "neither an IPv4 nor an IPv6" },
    { "sv-blue/24", "neither an IPv4 nor an IPv6" },
    { "", "prefix length" },
    { "0.0.0.0/8", "unspecified" },
    { "127.0.0.1/8", "loopback" },
    { "224.0.0.1/4", "multicast" },
    { "255.255.255.255/32", "multicast or reserved" },
    { "::/64", "unspecified" },
    { "::1/128", "loopback" },
    { "ff02::1/64", "multicast" },
    { "fe80::5/64", "link-local" },
  };
  g_autoptr(ServalTap) tap = make_tap ("nlbad");
  g_auto (GStrv) before = serval_tap_get_addresses (tap);
  g_auto (GStrv) after = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i][0]);

      g_test_message ("%s", bad[i][0]);
      g_assert_false (serval_tap_set_address (tap, bad[i][0], &error));
      g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, quoted));
      g_assert_nonnull (strstr (error->message, bad[i][1]));
      g_assert_nonnull (strstr (error->message, "Give one such as 10.77.0.5/24"));
    }
  after = serval_tap_get_addresses (tap);
  g_assert_cmpuint (g_strv_length (after), ==, g_strv_length (before));
}

/* Errors name the device, the address, the cause and what to do. */
static void
test_address_errors (void)
{
  g_autoptr(ServalTap) tap = make_tap ("nlperm");
  g_autoptr(GError) error = NULL;
  ServalCidr c;
  int fds[2];
  pid_t pid;
  char msg[512] = { 0 };
  int status;
  gssize n;

  g_assert_true (serval_cidr_parse ("10.77.0.5/24", &c, NULL));
  g_assert_false (serval_netlink_address (TRUE, "nlnothere", &c, &error));
  g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "Cannot add 10.77.0.5/24 to nlnothere: "));
  g_clear_error (&error);

  /* Without CAP_NET_ADMIN: a child that is uid 65534. */
  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      gboolean ok;

      close (fds[0]);
      if (setresgid (65534, 65534, 65534) != 0 || setresuid (65534, 65534, 65534) != 0)
        _exit (3);
      ok = serval_netlink_address (TRUE, "nlperm", &c, &error);
      if (ok || write (fds[1], error->message, strlen (error->message)) < 0)
        _exit (2);
      _exit (g_error_matches (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_PERMISSION) ? 0 : 1);
    }
  close (fds[1]);
  n = read (fds[0], msg, sizeof msg - 1);
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_test_message ("as uid 65534: %s", msg);
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpstr (msg, ==, "Cannot add 10.77.0.5/24 to nlperm: Operation not permitted (run as root, or through the Serval helper)");
  g_assert_false (has_address (tap, "10.77.0.5"));
}

static int
master_of (const char *ifname)
{
  g_autoptr(GError) error = NULL;
  ServalLinkInfo info;

  g_assert_true (serval_netlink_link_get (ifname, &info, &error));
  g_assert_no_error (error);
  return info.master;
}

static void
assert_bridge_up (const char *name)
{
  ServalLinkInfo info;

  g_assert_true (serval_netlink_link_get (name, &info, NULL));
  g_assert_cmpstr (info.kind, ==, "bridge");
  g_assert_true (info.up);
}

static void
veth (const char *a, const char *b)
{
  g_autofree char *cmd = g_strdup_printf ("ip link add %s type veth peer name %s", a, b);
  g_autofree char *err = NULL;
  int status = -1;

  if (!g_spawn_command_line_sync (cmd, NULL, &err, &status, NULL) || !g_spawn_check_wait_status (status, NULL))
    g_error ("cannot run “%s” (iproute2's ip is needed): %s", cmd, err != NULL ? err : "");
}

static void
test_bridge_existing (void)
{
  g_autoptr(ServalTap) tap = make_tap ("nlbt0");
  g_autoptr(GError) error = NULL;
  g_autofree char *bridge = NULL;

  g_assert_true (serval_netlink_bridge_add ("nlbr0", &error));
  g_assert_no_error (error);
  g_assert_false (serval_netlink_bridge_add ("nlbr0", &error)); /* EEXIST */
  g_assert_nonnull (strstr (error->message, "Cannot create the bridge nlbr0: File exists"));
  g_clear_error (&error);
  bridge = serval_tap_join_bridge (tap, "nlbr0", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bridge, ==, "nlbr0");
  g_assert_cmpint (master_of ("nlbt0"), ==, if_nametoindex ("nlbr0"));
  assert_bridge_up ("nlbr0");
  g_assert_true (serval_netlink_set_master ("nlbt0", NULL, &error));
  g_assert_cmpint (master_of ("nlbt0"), ==, 0);
  g_assert_true (serval_netlink_link_delete ("nlbr0", &error));
  g_assert_no_error (error);
}

/* Another interface: "svbr-IFACE" is made with both in it, and found again
 * by the next device; an interface in a bridge takes the device there. */
static void
test_bridge_veth (void)
{
  g_autoptr(ServalTap) tap = make_tap ("nlbt1");
  g_autoptr(ServalTap) tap2 = make_tap ("nlbt2");
  g_autoptr(GError) error = NULL;
  g_autofree char *bridge = NULL;
  g_autofree char *again = NULL;
  g_autofree char *via_peer = NULL;
  int index;

  veth ("nlv0", "nlv1");
  g_test_expect_message ("serval-engine", G_LOG_LEVEL_MESSAGE, "Made the bridge svbr-nlv0, holding nlv0 and nlbt1.*moved to svbr-nlv0");
  bridge = serval_tap_join_bridge (tap, "nlv0", &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpstr (bridge, ==, "svbr-nlv0");
  index = (int) if_nametoindex ("svbr-nlv0");
  g_assert_cmpint (index, >, 0);
  assert_bridge_up ("svbr-nlv0");
  g_assert_cmpint (master_of ("nlbt1"), ==, index);
  g_assert_cmpint (master_of ("nlv0"), ==, index);
  again = serval_tap_join_bridge (tap2, "nlv0", &error); /* nlv0 is in svbr-nlv0 now */
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, "svbr-nlv0");
  g_assert_cmpint (master_of ("nlbt2"), ==, index);
  g_assert_true (serval_netlink_link_delete ("svbr-nlv0", &error));
  g_assert_true (serval_netlink_link_delete ("nlv0", &error));
  g_assert_no_error (error);
}

/* A name too long for "svbr-" in front is shortened, with a hash. */
static void
test_bridge_long_name (void)
{
  g_autoptr(ServalTap) tap = make_tap ("nlbt3");
  g_autoptr(GError) error = NULL;
  g_autofree char *bridge = NULL;

  veth ("nlverylongname", "nlverylongpeer");
  g_test_expect_message ("serval-engine", G_LOG_LEVEL_MESSAGE, "Made the bridge svbr-nlver*");
  bridge = serval_tap_join_bridge (tap, "nlverylongname", &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (bridge), ==, IFNAMSIZ - 1);
  g_assert_true (g_str_has_prefix (bridge, "svbr-nlver"));
  g_assert_cmpint (master_of ("nlverylongname"), ==, if_nametoindex (bridge));
  g_assert_true (serval_netlink_link_delete (bridge, &error));
  g_assert_true (serval_netlink_link_delete ("nlverylongname", &error));
  g_assert_no_error (error);
}

static void
test_bridge_missing (void)
{
  g_autoptr(ServalTap) tap = make_tap ("nlbt4");
  g_autoptr(GError) error = NULL;
  g_autofree char *bridge = serval_tap_join_bridge (tap, "nlnosuch0", &error);

  g_assert_null (bridge);
  g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "There is no network interface “nlnosuch0” to bridge nlbt4 with"));
  g_clear_error (&error);
  g_assert_null (serval_tap_join_bridge (tap, "nlbt4", &error));
  g_assert_error (error, SERVAL_TAP_ERROR, SERVAL_TAP_ERROR_FAILED);
  g_assert_cmpint (master_of ("nlbt4"), ==, 0);
  g_assert_cmpuint (if_nametoindex ("svbr-nlnosuch0"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!test_netns_enter ())
    return 1;
  g_test_add_data_func ("/engine/netlink/address/ipv4", GINT_TO_POINTER (FALSE), test_address);
  g_test_add_data_func ("/engine/netlink/address/ipv6", GINT_TO_POINTER (TRUE), test_address);
  g_test_add_func ("/engine/netlink/address/both", test_address_both);
  g_test_add_func ("/engine/netlink/address/bad", test_address_bad);
  g_test_add_func ("/engine/netlink/address/errors", test_address_errors);
  g_test_add_func ("/engine/netlink/bridge/existing", test_bridge_existing);
  g_test_add_func ("/engine/netlink/bridge/veth", test_bridge_veth);
  g_test_add_func ("/engine/netlink/bridge/long-name", test_bridge_long_name);
  g_test_add_func ("/engine/netlink/bridge/missing", test_bridge_missing);
  return g_test_run ();
}
