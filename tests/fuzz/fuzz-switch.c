/* libFuzzer target: the switch's input path. The input is a script of
 * operations on four ports (join, leave, frame, age, remove and re-add,
 * owner, pin) with small limits so that every limit is reached. After each step the
 * switch's invariants are checked. */
#include "config.h"

#include <string.h>

#include "serval-switch.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint delivered;

static void
output_cb (ServalSwitchPort *port, const ServalFrame *frame, gpointer user_data)
{
  g_assert_true (serval_switch_port_is_member (port, frame->vlan));
  g_assert_cmpuint (frame->len, >=, 14);
  delivered++;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  ServalSwitchLimits limits;
  ServalSwitch *sw;
  ServalSwitchPort *ports[4];
  gint64 now = 0;
  gsize i = 0;

  serval_switch_limits_init (&limits);
  limits.max_macs_per_port = 3;
  limits.max_macs_per_vlan = 5;
  limits.max_macs_per_owner = 4;
  limits.aging_seconds = 2;
  limits.storm_pps = 10;
  limits.storm_burst = 4;
  limits.max_frame = 200;
  sw = serval_switch_new (&limits);
  for (int p = 0; p < 4; p++)
    ports[p] = serval_switch_add_port (sw, output_cb, NULL);

  while (i + 2 <= size)
    {
      guint8 op = data[i] >> 4, p = data[i] & 3, vlan = 1 + (data[i + 1] & 3);

      i += 2;
      switch (op)
        {
        case 0:
        case 1:
          serval_switch_port_join (sw, ports[p], vlan);
          break;
        case 2:
          serval_switch_port_leave (sw, ports[p], vlan);
          break;
        case 3:
          now += (gint64) data[i - 1] * 50000;
          serval_switch_age (sw, now);
          break;
        case 4:
          serval_switch_remove_port (sw, ports[p]);
          ports[p] = serval_switch_add_port (sw, output_cb, NULL);
          break;
        case 5:
          {
            static const char *const owners[] = { NULL, "a", "b", "a" };

            serval_switch_port_set_owner (sw, ports[p], owners[data[i - 1] >> 6]);
          }
          break;
        case 6:
          {
            /* The MACs frames of the script are likely to have. */
            const guint8 mac[6] = { data[i - 1], data[i - 1], data[i - 1], data[i - 1], data[i - 1], data[i - 1] };

            serval_switch_port_pin_mac (sw, ports[p], vlan, mac);
          }
          break;
        default:
          {
            gsize len = i < size ? data[i] : 0;
            ServalSwitchVerdict v;
            ServalFrame frame;
            guint before = delivered;

            i++;
            len = MIN (len, size - i);
            frame = (ServalFrame){ data + i, len, vlan, NULL };
            v = serval_switch_input (sw, ports[p], &frame, now);
            g_assert_cmpint (v, >=, 0);
            g_assert_cmpint (v, <, SERVAL_SWITCH_N_VERDICTS);
            if (v != SERVAL_SWITCH_FORWARDED)
              g_assert_cmpuint (delivered, ==, before);
            i += len;
          }
          break;
        }
      /* A pinned MAC is learned past the limits: one per port and VLAN. */
      for (guint32 v = 1; v <= 4; v++)
        {
          g_assert_cmpuint (serval_switch_n_macs (sw, v), <=, limits.max_macs_per_vlan + 4);
          g_assert_cmpuint (serval_switch_owner_n_macs (sw, "a", v), <=, limits.max_macs_per_owner + 4);
          g_assert_cmpuint (serval_switch_owner_n_macs (sw, "b", v), <=, limits.max_macs_per_owner + 4);
        }
    }
  serval_switch_free (sw);
  return 0;
}
