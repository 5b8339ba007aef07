#!/usr/bin/env bash
# The desktop session of a GUI test: lib-gui.sh's gui_start runs this as
#   ip netns exec NS xvfb-run -a -s "-screen 0 WxHxD" dbus-run-session -- bash gui-session.sh OUT
# so DISPLAY, XAUTHORITY and DBUS_SESSION_BUS_ADDRESS are set. It makes the session usable for
# a test (accessibility on, AT-SPI registry up, an XEmbed tray, a notification daemon and a
# recorder of its Notify calls), writes OUT/session.env once all of that is READY, then waits
# for SIGTERM and stops what it started. Logs: OUT/session.log and one file per daemon.
set -u
out=$1
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
pids=()

stop() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  exit "${1:-0}"
}
fail() { echo "gui-session: $*" >&2; echo "$*" > "$out/session.failed"; stop 1; }
trap stop TERM INT HUP
# wait_for SECONDS COMMAND...: true as soon as the command succeeds (the limit is a
# safety net, scaled as in tests/e2e/lib.sh)
wait_for() {
  local end=$((SECONDS + $1 * ${SERVAL_TEST_WAIT_SCALE:-3})); shift
  until "$@" >/dev/null 2>&1; do [ $SECONDS -le $end ] || return 1; sleep 0.1; done
}
has_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

t0=$(date +%s%3N)
step() { echo "gui-session: $* after $(($(date +%s%3N) - t0)) ms"; }

xdpyinfo >/dev/null 2>&1 \
  || fail "Xvfb is not running on $DISPLAY (check GUI_SCREEN=${GUI_SCREEN:-}): $(grep -v '^$' "$out/xvfb.log" | head -2)"

# The XEmbed system tray: trayer, docked at the bottom right, icons packed from the right.
# Started first: it comes up while we do the rest.
trayer --edge bottom --align right --widthtype pixel --width "${GUI_TRAY_WIDTH:-160}" \
  --heighttype pixel --height 28 --SetDockType true --SetPartialStrut true \
  --transparent false --tint 0x404040 >"$out/trayer.log" 2>&1 &
pids+=($!)

# Notifications: a real daemon on the session bus, started by us (not by D-Bus activation)
# so it is up before the app sends anything.
dunst -verbosity info >"$out/dunst.log" 2>&1 &
pids+=($!)

# Accessibility: dogtail refuses to run unless this key is true, and at-spi-bus-launcher
# reads it too. dconf-service is started by D-Bus activation and writes under our HOME.
gsettings set org.gnome.desktop.interface toolkit-accessibility true \
  || fail "cannot turn on accessibility with gsettings (is dconf-gsettings-backend installed?)"
[ "$(gsettings get org.gnome.desktop.interface toolkit-accessibility)" = true ] \
  || fail "accessibility did not stick in dconf (GSETTINGS_BACKEND=$GSETTINGS_BACKEND?)"
step "accessibility on"

# The accessibility bus: activate at-spi-bus-launcher now rather than on the app's first
# call, so that a broken AT-SPI fails here, named.
dbus-send --session --print-reply --dest=org.a11y.Bus /org/a11y/bus org.a11y.Bus.GetAddress \
  >"$out/a11y-bus.txt" 2>&1 || fail "org.a11y.Bus does not answer (install at-spi2-core): $(cat "$out/a11y-bus.txt")"
step "AT-SPI bus up"

wait_for 10 has_owner org.freedesktop.Notifications \
  || fail "dunst did not take org.freedesktop.Notifications: $(tail -3 "$out/dunst.log")"
step "dunst up"
# Record every call to and answer from the notification daemon.
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications'" \
  "type='method_return',sender='org.freedesktop.Notifications'" \
  "type='error',sender='org.freedesktop.Notifications'" >"$out/notifications.log" 2>&1 &
pids+=($!)

# One python for both checks (each python start costs a lot on a busy machine): the AT-SPI
# registry answers, and trayer owns the system tray selection.
$PY "$here/guitest.py" session-ready \
  || fail "the session is not usable: see above (python3-pyatspi, at-spi2-core, trayer: $(tail -2 "$out/trayer.log"))"
step "AT-SPI registry and tray up"

# dbus-monitor prints NameLost once it has become a monitor; calls before that are missed.
wait_for 10 grep -q 'member=NameLost' "$out/notifications.log" \
  || fail "dbus-monitor did not start: $(tail -3 "$out/notifications.log")"
step "ready"

{
  for v in DISPLAY XAUTHORITY DBUS_SESSION_BUS_ADDRESS; do printf '%s=%q\n' "$v" "${!v}"; done
  echo "GUI_SESSION_PID=$$"
} >"$out/session.env.tmp" && mv "$out/session.env.tmp" "$out/session.env"

sleep infinity &
pids+=($!)
wait $!
stop
