/* serval-tap-open.h: a TAP device for a VLAN, without running the app as root.
 *
 * serval_tap_open_async() first creates the device directly, which works when
 * the process has CAP_NET_ADMIN (root, CI). Otherwise it reuses a device of
 * that name that the user already owns with the right MTU and MAC, or runs
 * "pkexec serval-tap-helper create NAME MTU MAC" (polkit action
 * org.serval.Serval.create-tap) and then attaches to the device the helper
 * made for the user. The helper is LIBEXECDIR/serval-tap-helper, or the
 * program named by the environment variable SERVAL_TAP_HELPER.
 *
 * The device returned is not persistent: it goes away when the ServalTap is
 * finalized (leaving the VLAN) or the app exits, so nothing is left behind
 * and no second password prompt is needed to delete it.
 */
#pragma once

#include <gio/gio.h>

#include "serval-tap.h"

G_BEGIN_DECLS

/* The polkit action that allows serval-tap-helper. */
#define SERVAL_TAP_POLKIT_ACTION "org.serval.Serval.create-tap"

void serval_tap_open_async (const char *name,
                            guint mtu,
                            const guint8 mac[6],
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
/* Returns: (transfer full) (nullable): the device, or NULL with @error set
 * (SERVAL_TAP_ERROR, or G_IO_ERROR_CANCELLED). */
ServalTap *serval_tap_open_finish (GAsyncResult *result,
                                   GError **error);

/* Gives @tap (a device the user owns, from serval_tap_open_async()) the
 * address @cidr, "10.77.0.5/24" or "fd00:77::5/64" (the address the server
 * leased): directly with serval_tap_set_address() when the process has
 * CAP_NET_ADMIN, otherwise through "pkexec serval-tap-helper address NAME
 * CIDR" (the same polkit action). The helper replaces the device's other
 * addresses of that family, and refuses an address whose subnet overlaps
 * one of another device's. A bad @cidr is refused before pkexec runs
 * (SERVAL_TAP_ERROR_FAILED). The main loop runs on while pkexec does. */
void serval_tap_address_async (ServalTap *tap,
                               const char *cidr,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
/* Returns: TRUE, or FALSE with @error set (SERVAL_TAP_ERROR: PERMISSION
 * when pkexec was refused or dismissed, FAILED with the helper's message
 * when it refused; or G_IO_ERROR_CANCELLED). */
gboolean serval_tap_address_finish (GAsyncResult *result,
                                    GError **error);

/* The device name for a VLAN, one that serval-tap-helper accepts
 * (^sv-[a-z0-9-]{1,12}$): "sv-" and the VLAN name when that is already
 * lower-case ASCII letters, digits and "-" of at most 12 bytes; otherwise
 * "sv-", up to 6 such characters of it, "-" and 5 hex digits of its SHA-256,
 * so that VLANs whose names differ get different devices. Free with g_free(). */
char *serval_tap_open_device_name (const char *vlan);

G_END_DECLS
