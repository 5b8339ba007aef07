#!/usr/bin/env bash
# GUI smoke test: proves the harness in lib-gui.sh/guitest.py on a tiny GTK 3 program
# (smoke-app.py) inside a network namespace of its own: AT-SPI typing and clicking through
# dogtail, the tray icon clicked with xdotool and its menu found through AT-SPI, screenshots
# that are not blank, a notification the daemon showed, and a log free of GTK warnings.
# Output is TAP; logs and screenshots stay in $GUI_OUT_DIR (default: a new folder in /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-gui.sh"

require_root
gui_require

NS=gsm$$-gui
gui_out_dir gui
make_ns "$NS"

# --- the harness's own checks can fail ---------------------------------------------
printf '%s\n' 'a harmless line' \
  '(smoke-app.py:42): Gtk-CRITICAL **: 10:00:00.000: gtk_widget_show: assertion failed' \
  >"$out/known-bad.log"
flags_bad_log() { [ "$(gui_log_problems "$out/known-bad.log" | wc -l)" -eq 1 ]; }
check "the log check flags a Gtk-CRITICAL line, and only that line" flags_bad_log
convert -size 64x64 xc:black "$out/known-blank.png"
rejects_blank() { ! gui_check_image "$out/known-blank.png"; }
check "the image check rejects a blank picture" rejects_blank

# --- session and app ----------------------------------------------------------------
gui_start "$NS" "$out"
APP=smoke-app.py
gui_bg "$out/app.log" "$GUI_PY" "$here/smoke-app.py"
APP_PID=$GUI_BG_PID

check "the app is on the AT-SPI bus" gui_tool wait-app "$APP"
in_test_ns() { [ "$(readlink "/proc/$APP_PID/ns/net")" = "$(in_ns "$NS" readlink /proc/self/ns/net)" ]; }
check "the app runs inside the test's network namespace" in_test_ns
check "its window 'Smoke' is showing" gui_tool wait-node "$APP" frame Smoke

# --- AT-SPI: type, click, read ------------------------------------------------------
check "dogtail types into the entry" gui_tool type "$APP" text Name Ada
before=$(gui_count_notifications)
check "dogtail clicks the button" gui_tool click "$APP" "push button" Greet
check "the label changed to 'Hello, Ada'" gui_tool wait-text "$APP" label Greeting "Hello, Ada"
check "the daemon showed the notification 'Greeted'" gui_wait_notification Greeted 15 "$before"
no_such_notification() { ! gui_wait_notification "Never sent" 0.5; }
check "the notification check fails for one that was not sent" no_such_notification
before=$(gui_count_notifications)
check "a second click sends a second notification" gui_tool click "$APP" "push button" Greet
check "the daemon showed the second one too" gui_wait_notification Greeted 15 "$before"
check "screenshot of the window 'Smoke'" gui_screenshot_window Smoke "$out/window.png"
check "the window screenshot is not blank" gui_check_image "$out/window.png" 16

# --- the tray -----------------------------------------------------------------------
check "the status icon docked in the XEmbed tray" gui_tool wait-tray-icon Smoke
check "xdotool clicks the tray icon" gui_tray_click Smoke
check "the tray menu's 'Show Smoke' is found through AT-SPI" gui_tool wait-node "$APP" "menu item" "Show Smoke"
check "screenshot of the tray menu" gui_tool screenshot-node "$APP" menu - "$out/tray-menu.png"
check "the tray menu screenshot is not blank" gui_check_image "$out/tray-menu.png" 8
check "screenshot of the whole screen" gui_screenshot_root "$out/screen.png"
check "the screen screenshot is not blank" gui_check_image "$out/screen.png" 16
check "the tray menu's 'Quit Smoke' is clicked" gui_tool click "$APP" "menu item" "Quit Smoke"
app_gone() { ! kill -0 "$APP_PID" 2>/dev/null; }
check "the app quits from its tray menu" wait_for 10 app_gone

# --- logs -----------------------------------------------------------------------------
gui_exec "$GUI_PY" "$here/smoke-app.py" --warn-and-quit >"$out/warning-app.log" 2>&1
flags_real_warning() { gui_log_problems "$out/warning-app.log" | grep -q 'Gtk-WARNING \*\*.*no trigger event'; }
check "the log check flags a real Gtk-WARNING from GTK" flags_real_warning
gui_check_log "no GTK/GLib warnings or criticals in the app's log" "$out/app.log"

gui_finish
