#!/usr/bin/env bash
# `serval --hidden`, as the autostart entry starts it, with a password in the keyring: the
# app logs in to the last server by itself and stays in the tray. The test's own D-Bus
# session gets a Secret Service: gnome-keyring-daemon (Debian package gnome-keyring),
# its login keyring made and unlocked with a test password read on standard input, its
# files under the test's folder. The app logs in once through the login window with
# "Remember the password in the keyring", quits, and is started with --hidden; then the
# server counts its session (/metrics), the tray menu says it is online, and no window of
# the app shows. Asserts by state, never by time. Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-gui.sh"

gui_serval_paths SERVER APPBIN
command -v gnome-keyring-daemon >/dev/null \
  || bail "gnome-keyring-daemon was not found: install the Debian package gnome-keyring"

P=sk$$
SRV=$P-srv GUI=$P-gui
gui_out_dir gui-hidden
star_ns 235 "$P" "$SRV" "$GUI"
add_user "$data" "$out" alice
gui_start_server "$SRV" 10.235.1.1 "$out/server.log" --http 127.0.0.1:9465 || bail "serval-server did not start: $(tail -3 "$out/server.log")"
# sessions N: the server has N clients logged in (its /metrics)
sessions() { in_ns "$SRV" curl -sf http://127.0.0.1:9465/metrics | grep -qx "serval_sessions $1"; }
check "the server's /metrics counts no session at first" wait_for 10 sessions 0

steps() { gui_py "$here/serval-steps.py" "$@"; }
web() { gui_py "$here/web-steps.py" "$@"; }

# --- the session's Secret Service ------------------------------------------------------
gui_start "$GUI" "$out"
printf 'keyring-pw-%s' $$ > "$out/keyring.pw"
# (exec: the daemon itself is the background process that the cleanup stops)
gui_bg "$out/keyring.log" bash -c 'exec gnome-keyring-daemon --foreground --unlock --components=secrets < "$0"' \
  "$out/keyring.pw"
bus() { gui_exec dbus-send --session --print-reply "$@"; }
secrets_up() { bus --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
  string:org.freedesktop.secrets | grep -q "boolean true"; }
check "gnome-keyring's Secret Service is on the test's session bus" wait_for 15 secrets_up \
  || bail "gnome-keyring-daemon did not start: $(tail -5 "$out/keyring.log")"
# login_unlocked: the login collection exists, unlocked (gnome-keyring made it with --unlock)
login_unlocked() { bus --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
  org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked \
  | grep -q "boolean false"; }
check "its login keyring is unlocked with the test password" wait_for 10 login_unlocked
# saved: the keyring holds an item for alice on the server (unlocked), as libsecret stores it
saved() { bus --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.SearchItems dict:string:string:server,10.235.1.1:7465,user,alice \
  | grep -q "/org/freedesktop/secrets/collection/"; }
not_saved() { ! saved; }
check "it holds no password of alice's yet" not_saved

# --- a login through the login window, remembering the password --------------------------
gui_serval "$out/app.log"
check "the app is on the AT-SPI bus" gui_tool wait-app serval 20 || bail "the app did not start: $(tail -5 "$out/app.log")"
check "the login window shows" gui_tool wait-node serval frame "Log In to Serval"
check "Remember the password in the keyring" web set-check "Remember the password in the keyring" on
check "alice logs in" steps login 10.235.1.1 alice "pw-alice-$$"
check "and trusts the server's certificate" gui_tool click serval "push button" "Trust and Connect"
check "the main window shows, online" steps wait-label "Online as alice on 10.235.1.1:7465" 20
check "the keyring holds alice's password now" wait_for 10 saved
check "the server counts her session" wait_for 10 sessions 1
check "the app quits from the tray menu" gui_serval_tray_quit
check "and exits" wait_for 10 gui_serval_gone
check "the server counts no session" wait_for 10 sessions 0

# --- serval --hidden: logged in from the keyring, in the tray only -------------------------
gui_serval "$out/app-hidden.log" --hidden
check "serval --hidden is on the AT-SPI bus" gui_tool wait-app serval 20
check "its tray icon docks" gui_tool wait-tray-icon Serval
check "it logs in by itself: the server counts a session again" wait_for 20 sessions 1
logged() { grep -q "Started hidden: logging in to 10.235.1.1:7465 with the saved password" "$out/app-hidden.log"; }
check "with the password from the keyring (its log)" logged
check "the tray menu opens" gui_tray_click Serval 3
check "and says the app is online" gui_tool wait-node serval "menu item" "Online as alice on 10.235.1.1:7465" 20
# Online means the login's end has run (logged_in_cb): a window it were to show shows now.
check "and no window of the app shows (no login window, no main window)" web no-window-now
gui_exec xdotool key Escape
check "the hidden app quits from the tray menu" gui_serval_tray_quit
check "and exits" wait_for 10 gui_serval_gone
check "the server counts no session" wait_for 10 sessions 0
gui_check_log "no GTK/GLib warnings or criticals in the apps' logs" "$out/app.log" "$out/app-hidden.log"
gui_finish
