/* serval_tap_open_device_name(): every VLAN name gives a device name that
 * serval-tap-helper accepts, and different VLANs give different names. */
#include "config.h"

#include "serval-tap-open.h"

/* The helper's rule, ^sv-[a-z0-9-]{1,12}$, written again on purpose. */
static gboolean
helper_accepts (const char *name)
{
  return g_regex_match_simple ("^sv-[a-z0-9-]{1,12}$", name, 0, 0);
}

static void
test_plain (void)
{
  g_autofree char *a = serval_tap_open_device_name ("red");
  g_autofree char *b = serval_tap_open_device_name ("lan-2");
  g_autofree char *c = serval_tap_open_device_name ("abcdefghijkl");

  g_assert_cmpstr (a, ==, "sv-red");
  g_assert_cmpstr (b, ==, "sv-lan-2");
  g_assert_cmpstr (c, ==, "sv-abcdefghijkl");
}

static void
test_mapped (void)
{
  const char *vlans[] = { "Red", "red ", "RED", "abcdefghijklm", "Oficina de Vigo", "ñandú", "a/b", "../x",
                          "sv-eth0", "x", "日本語", "-", "red.lan", "red_lan" };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (vlans); i++)
    {
      char *name = serval_tap_open_device_name (vlans[i]);

      g_test_message ("%s -> %s", vlans[i], name);
      g_assert_true (helper_accepts (name));
      g_assert_cmpuint (strlen (name), <=, 15);
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, name);
    }
  {
    g_autofree char *again = serval_tap_open_device_name ("Oficina de Vigo");

    g_assert_true (g_hash_table_contains (seen, again)); /* stable */
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/tap-open/device-name/plain", test_plain);
  g_test_add_func ("/app/tap-open/device-name/mapped", test_mapped);
  return g_test_run ();
}
