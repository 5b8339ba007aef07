# Helpers for Serval's GUI tests: a headless desktop session inside a network namespace
# (Xvfb + a private D-Bus session bus + AT-SPI + an XEmbed tray + a notification daemon),
# screenshots, notification and log checks, and a cleanup that leaves nothing behind.
# It sources tests/e2e/lib.sh too, unless the test did; see tests/gui/README.md.
# shellcheck shell=bash

GUI_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -n "${E2E_TOP:-}" ] || . "$GUI_HERE/../e2e/lib.sh"
GUI_PY=/usr/bin/python3   # dogtail and pyatspi are Debian packages: not a venv's python
GUI_SCREEN=${GUI_SCREEN:-1280x800x24}
GUI_NS='' GUI_OUT='' GUI_PID='' GUI_SESSION_PID='' GUI_DISPLAY=''
GUI_ENV=()
GUI_START_MS=$(now_ms)   # when the test began (it sources this file first thing)
# What gui_check_log flags: GLib's log format for warnings, criticals and errors in any
# domain (Gtk-WARNING **, GLib-GObject-CRITICAL **, ** (prog:1): WARNING **, ...), and,
# for python programs, warnings and tracebacks.
GUI_LOG_PATTERN=${GUI_LOG_PATTERN:-'(ERROR|CRITICAL|WARNING) \*\*|[A-Za-z]+Warning: |^Traceback \(most recent call last\)'}
GUI_LOG_IGNORE=${GUI_LOG_IGNORE:-}   # an ERE of lines to let through, empty: none

# gui_require: fails the run, naming the package, when a piece of the harness is missing.
gui_require() {
  local c pkg
  for c in xvfb-run:xvfb Xvfb:xvfb xauth:xauth dbus-run-session:dbus-daemon dbus-monitor:dbus-bin \
      dbus-send:dbus-bin gsettings:libglib2.0-bin trayer:trayer dunst:dunst xdotool:xdotool \
      xwininfo:x11-utils import:imagemagick identify:imagemagick; do
    pkg=${c#*:} c=${c%%:*}
    command -v "$c" >/dev/null || bail "cannot run: $c is missing (apt-get install $pkg)"
  done
  [ -x /usr/libexec/at-spi-bus-launcher ] || bail "cannot run: no AT-SPI bus launcher (apt-get install at-spi2-core)"
  [ -x "$GUI_PY" ] || bail "cannot run: $GUI_PY is missing (apt-get install python3)"
  "$GUI_PY" -c 'import dogtail, pyatspi' 2>/dev/null \
    || bail "cannot run: dogtail or pyatspi is missing for $GUI_PY (apt-get install python3-dogtail python3-pyatspi)"
  "$GUI_PY" -c 'import gi; gi.require_version("Gtk", "3.0"); from gi.repository import Gtk' 2>/dev/null \
    || bail "cannot run: GTK 3 for python is missing (apt-get install python3-gi gir1.2-gtk-3.0)"
  ldconfig -p | grep -q libatk-bridge-2.0.so.0 \
    || bail "cannot run: GTK apps cannot reach AT-SPI without the bridge (apt-get install libatk-adaptor)"
  gsettings list-keys org.gnome.desktop.interface 2>/dev/null | grep -qx toolkit-accessibility \
    || bail "cannot run: the schema org.gnome.desktop.interface is missing (apt-get install gsettings-desktop-schemas)"
  [ -x /usr/libexec/dconf-service ] || bail "cannot run: dconf-service is missing (apt-get install dconf-service dconf-gsettings-backend)"
}

# gui_start NS OUT: starts the session in network namespace NS; logs and screenshots go to
# OUT. Returns once the session is ready, or bails naming what failed.
gui_start() {
  GUI_NS=$1 GUI_OUT=$2
  local home=$GUI_OUT/home run=$GUI_OUT/run
  mkdir -p "$home/.config" "$home/.cache" "$home/.local/share" "$home/.local/state" "$run"
  chmod 700 "$run"
  rm -f "$GUI_OUT/session.env" "$GUI_OUT/session.failed"
  # No blinking cursor and no animations: screenshots are the same from run to run, and a
  # picture of a window settles at once.
  mkdir -p "$home/.config/gtk-3.0"
  printf '[Settings]\ngtk-cursor-blink=false\ngtk-enable-animations=false\n' \
    >"$home/.config/gtk-3.0/settings.ini"
  # A private HOME and XDG dirs: dconf, dunst, at-spi and the app keep their state in OUT,
  # never in root's, and so the dconf-service that D-Bus starts sees the same files.
  GUI_BASE_ENV=(-u NO_AT_BRIDGE -u GTK_MODULES -u JOURNAL_STREAM -u WAYLAND_DISPLAY
    -u SESSION_MANAGER -u LC_ALL -u LANGUAGE -u XDG_SESSION_TYPE -u XDG_CURRENT_DESKTOP
    -u DISPLAY -u XAUTHORITY -u DBUS_SESSION_BUS_ADDRESS -u AT_SPI_BUS_ADDRESS
    HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache"
    XDG_DATA_HOME="$home/.local/share" XDG_STATE_HOME="$home/.local/state"
    XDG_RUNTIME_DIR="$run" GSETTINGS_BACKEND=dconf GDK_BACKEND=x11 LANG=C.UTF-8
    GUI_OUT="$GUI_OUT" PYTHONDONTWRITEBYTECODE=1)
  ip netns exec "$GUI_NS" env "${GUI_BASE_ENV[@]}" \
    GUI_SCREEN="$GUI_SCREEN" xvfb-run -a -e "$GUI_OUT/xvfb.log" -s "-screen 0 $GUI_SCREEN -nolisten tcp" \
    dbus-run-session -- bash "$GUI_HERE/gui-session.sh" "$GUI_OUT" >"$GUI_OUT/session.log" 2>&1 &
  GUI_PID=$!
  local end=$((SECONDS + 40))
  until [ -e "$GUI_OUT/session.env" ]; do
    if [ -e "$GUI_OUT/session.failed" ] || ! kill -0 "$GUI_PID" 2>/dev/null || [ $SECONDS -gt $end ]; then
      bail "cannot start the GUI session: $({ cat "$GUI_OUT/session.failed" 2>/dev/null || tail -3 "$GUI_OUT/session.log" "$GUI_OUT/xvfb.log" 2>/dev/null; } | tr '\n' ' ') (logs in $GUI_OUT)"
    fi
    sleep 0.1
  done
  local DISPLAY XAUTHORITY DBUS_SESSION_BUS_ADDRESS
  . "$GUI_OUT/session.env"
  GUI_DISPLAY=$DISPLAY
  GUI_ENV=("${GUI_BASE_ENV[@]}" DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY"
    DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" PYTHONPATH="$GUI_HERE")
  note "GUI session on $DISPLAY in namespace $GUI_NS, ready $(($(now_ms) - GUI_START_MS)) ms after the test began"
}

# gui_stop: ends the session (the apps, the daemons, dbus-daemon and Xvfb).
gui_stop() {
  [ -n "$GUI_PID" ] || return 0
  [ -n "$GUI_SESSION_PID" ] && kill "$GUI_SESSION_PID" 2>/dev/null
  local end=$((SECONDS + 10))
  while kill -0 "$GUI_PID" 2>/dev/null && [ $SECONDS -le $end ]; do sleep 0.1; done
  kill "$GUI_PID" 2>/dev/null
  GUI_PID='' GUI_SESSION_PID=''
}

# gui_cleanup: for `trap gui_cleanup EXIT`: the session, then lib.sh's processes and
# namespaces (whatever is left in a namespace is killed there).
gui_cleanup() {
  local pid lock display=${GUI_DISPLAY:-}
  for pid in "${E2E_PIDS[@]}"; do kill "$pid" 2>/dev/null; done   # the apps first
  gui_stop
  e2e_cleanup
  # An Xvfb killed outright (not through xvfb-run) leaves its lock and socket behind.
  lock=/tmp/.X${display#:}-lock
  if [ -n "$display" ] && [ -e "$lock" ] && ! kill -0 "$(tr -d ' ' <"$lock")" 2>/dev/null; then
    rm -f "$lock" "/tmp/.X11-unix/X${display#:}"
  fi
}

# gui_run NS OUT COMMAND...: the one-shot form: a session, one command in it, the end of
# the session; returns the command's status. (One session at a time per test script.)
gui_run() {
  local ns=$1 out=$2 rc; shift 2
  gui_start "$ns" "$out"
  gui_exec "$@"; rc=$?
  gui_stop
  return $rc
}

# gui_exec COMMAND...: runs a command in the session (namespace and environment).
gui_exec() { ip netns exec "$GUI_NS" env "${GUI_ENV[@]}" "$@"; }

# gui_bg LOG COMMAND...: starts a program in the session in the background, its stdout and
# stderr to LOG; sets GUI_BG_PID. lib.sh's cleanup stops it.
gui_bg() {
  local log=$1; shift
  # Not through gui_exec: $! must be the program itself (ip netns exec and env exec it).
  ip netns exec "$GUI_NS" env "${GUI_ENV[@]}" "$@" >"$log" 2>&1 &
  GUI_BG_PID=$!
  E2E_PIDS+=("$GUI_BG_PID")
}

# gui_py ARGS...: Debian's python3 in the session, with guitest importable.
gui_py() { gui_exec "$GUI_PY" "$@"; }
# gui_tool VERB ARGS...: guitest.py's command line (see its --help).
gui_tool() { gui_py "$GUI_HERE/guitest.py" "$@"; }

gui_screenshot_window() { gui_tool screenshot-window "$1" "$2"; }   # TITLE FILE
gui_screenshot_root() { gui_tool screenshot-root "$1"; }            # FILE
gui_tray_click() { gui_tool click-tray "$@"; }                      # NAME [BUTTON]
gui_wait_notification() { gui_tool wait-notification "$@"; }        # SUMMARY [TIMEOUT [SINCE]]
gui_count_notifications() { gui_tool count-notifications; }        # prints N, for SINCE

# gui_check_image FILE [MIN_COLOURS]: the PNG exists and is not blank.
gui_check_image() {
  local n
  n=$(identify -format '%k' "$1" 2>&1) || { echo "$1: $n"; return 1; }
  echo "$1: $n colours"
  [ "$n" -ge "${2:-8}" ]
}

# gui_log_problems FILE...: prints the lines that are GTK/GLib warnings or criticals.
gui_log_problems() {
  local f
  for f in "$@"; do
    [ -r "$f" ] || { echo "$f: cannot read the log"; continue; }
    grep -E -- "$GUI_LOG_PATTERN" "$f" | { if [ -n "$GUI_LOG_IGNORE" ]; then grep -Ev -- "$GUI_LOG_IGNORE"; else cat; fi; } \
      | sed "s|^|$(basename "$f"): |"
  done
}

# gui_check_log DESCRIPTION FILE...: one TAP line; on failure the offending lines follow
# as TAP comments.
gui_check_log() {
  local d=$1; shift
  local bad
  bad=$(gui_log_problems "$@")
  if [ -z "$bad" ]; then
    tap_ok "$d"
  else
    tap_fail "$d: $(echo "$bad" | wc -l) warning(s), first: $(echo "$bad" | head -1)"
    echo "$bad" | head -20 | sed 's/^/# /'
  fi
}

# gui_serval_paths [VAR...]: SERVER, CTL and APPBIN, from the environment meson's test() sets
# (see meson.build), else the source tree's build/. With VARs (SERVER, BENCH...), the test
# also needs root and the GUI packages, and each VAR must name a program that was built.
gui_serval_paths() {
  SERVER=${SERVAL_SERVER:-$GUI_HERE/../../build/server/serval-server}
  CTL=${SERVALCTL:-$GUI_HERE/../../build/app/cli/servalctl}
  APPBIN=${SERVAL_APP:-$GUI_HERE/../../build/app/serval}
  [ $# -gt 0 ] || return 0
  require_root
  gui_require
  local v
  for v in "$@"; do [ -x "${!v}" ] || bail "cannot run: ${!v} is missing (build first)"; done
}

# gui_shot NAME TITLE: a screenshot of the window TITLE in $GUI_OUT/NAME.png (16 colours at
# least), copied to $SERVAL_SCREENSHOTS when that is set.
gui_shot() {
  gui_screenshot_window "$2" "$GUI_OUT/$1.png" && gui_check_image "$GUI_OUT/$1.png" 16 || return 1
  [ -z "${SERVAL_SCREENSHOTS:-}" ] || { mkdir -p "$SERVAL_SCREENSHOTS" && cp "$GUI_OUT/$1.png" "$SERVAL_SCREENSHOTS/"; }
}

# gui_serval LOG ARGS...: the app ($APPBIN) in the session, with no TAP helper (the test runs as
# root) and LeakSanitizer's suppressions for a sanitizer build; sets GUI_BG_PID.
# Leading VAR=VALUE arguments go into the app's environment (LANG=es_ES.UTF-8).
gui_serval() {
  local log=$1 envs=(); shift
  while [ $# -gt 0 ] && [[ $1 == [A-Z_]*=* ]]; do envs+=("$1"); shift; done
  gui_bg "$log" env "${envs[@]}" SERVAL_TAP_HELPER=/nonexistent \
    LSAN_OPTIONS="suppressions=$GUI_HERE/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}" "$APPBIN" "$@"
  GUI_SERVAL_PID=$GUI_BG_PID
}

# gui_serval_quit LOG: TAP checks that the app of gui_serval quits from its tray menu, exits,
# and left in LOG no GTK/GLib warning or critical and no sanitizer report.
gui_serval_quit() {
  check "the app quits from the tray menu" gui_serval_tray_quit
  check "the app exits" wait_for 10 gui_serval_gone
  gui_check_log "no GTK/GLib warnings or criticals in the app's log" "$1"
  check "no AddressSanitizer, LeakSanitizer or UBSan report in the app's log" \
    bash -c "! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' '$1'"
}
# gui_serval_tray_quit: Quit in the app's tray menu; gui_serval_gone: the app of gui_serval
# has exited.
gui_serval_tray_quit() { gui_tray_click Serval 3 && gui_tool click serval "menu item" Quit; }
gui_serval_gone() { ! kill -0 "$GUI_SERVAL_PID" 2>/dev/null; }

# gui_out_dir NAME: the test's folder for logs and screenshots in $out ($GUI_OUT_DIR, or a
# new /tmp/serval-NAME.XXXXXX), with data=$out/data for a server; its TAP checks logged
# there; the session is cleaned up on exit, and an interrupt exits.
gui_out_dir() {
  out=${GUI_OUT_DIR:-$(mktemp -d "/tmp/serval-$1.XXXXXX")}
  mkdir -p "$out"
  data=$out/data
  E2E_LOG=$out/checks.log
  trap gui_cleanup EXIT
  trap 'exit 1' INT TERM
  note "logs and screenshots in $out"
}

# gui_finish: the run's time and the TAP plan; fails when a check failed (e2e_finish).
gui_finish() {
  note "took $(($(now_ms) - GUI_START_MS)) ms"
  e2e_finish
}

# gui_start_server NS ADDRESS LOG [ARGS...]: serval-server ($SERVER on $data) in NS, listening
# on 0.0.0.0:7465 with ARGS; sets SERVER_PID and waits until ADDRESS:7465 takes connections.
gui_start_server() {
  local ns=$1 address=$2 log=$3; shift 3
  bg "$ns" "$log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 "$@"
  SERVER_PID=$BG_PID
  wait_for 10 in_ns "$ns" bash -c "exec 3<>/dev/tcp/$address/7465"
}
