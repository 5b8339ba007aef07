#!/usr/bin/env bash
# No English in a translated app: the real `serval` app under Xvfb (the session of
# test-gui-serval.sh: a server in one namespace, the app and a real TAP in another, bob
# joined by servalctl from a third), once in Spanish and once in Galician. Each run walks
# what the app shows: the login window, a login to a port with no server (the error), the
# trust dialog, a wrong password (the error), the main window online and in VLAN lan with
# bob's row, the primary menu, the About dialog (and its Credits), the tray menu, the admin
# window (both pages, the kick dialog, a refusal by the server), and a server restart (its
# notifications and status line). Every accessible name, description and text is
# collected (i18n-steps.py collect), then checked against po/LANG.po: no English msgid
# whose translation differs (exact, or a piece of 3 or more words of one), no English
# msgid of GTK's catalogue, and no common English word outside the test's user data.
# Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-gui.sh"

gui_serval_paths SERVER CTL APPBIN
LOCALES=${SERVAL_LOCALEDIR:-$(dirname "$APPBIN")/../po}
STEPS="$here/i18n-steps.py"
for lang in es gl; do
  [ -f "$LOCALES/$lang/LC_MESSAGES/serval.mo" ] \
    || bail "cannot run: no $LOCALES/$lang/LC_MESSAGES/serval.mo (build first, or set SERVAL_LOCALEDIR)"
  # glibc shows a catalogue only when the locale exists; without it the app is in English
  # and this test would check nothing.
  locale -a 2>/dev/null | grep -qix "${lang}_ES.utf-\?8" \
    || bail "cannot run: the locale ${lang}_ES.UTF-8 is not generated (as root: sed -i 's/^# *${lang}_ES.UTF-8/${lang}_ES.UTF-8/' /etc/locale.gen && locale-gen; or localedef -i ${lang}_ES -f UTF-8 ${lang}_ES.UTF-8; Debian package locales; tools/serval.sh test does it)"
done

P=si$$
SRV=$P-srv GUI=$P-gui BOB=$P-bob
gui_out_dir gui-i18n
rm -f "$out"/i18n-*.tsv
star_ns 234 "$P" "$SRV" "$GUI" "$BOB"

# --- server, and bob in VLAN lan ----------------------------------------------------------
add_user "$data" "$out" alice --admin
add_user "$data" "$out" bob
for v in lan blue; do "$SERVER" -d "$data" vlan add $v >/dev/null || bail "cannot add VLAN $v"; done
"$SERVER" -d "$data" user grant alice lan >/dev/null && "$SERVER" -d "$data" user grant bob lan >/dev/null \
  || bail "cannot grant"
FP=$("$SERVER" -d "$data" fingerprint) || bail "no fingerprint"
start_server() { gui_start_server "$SRV" 10.234.1.1 "$out/server.log.$1" --keepalive 2; }
start_server 1 || bail "serval-server did not start: $(tail -3 "$out/server.log.1")"
ip netns exec "$BOB" "$CTL" --server 10.234.2.1:7465 --user bob --password-file "$out/bob.pw" \
  --fingerprint "$FP" up --vlan lan >"$out/bob.log" 2>&1 &
E2E_PIDS+=($!)

steps() { gui_py "$STEPS" "$@"; }
RULE="deny proto tcp from carol port 22"   # user data: a rule's words are not translated

# The checker itself, on known strings, before any window: a checker that flags nothing
# would pass every run.
for lang in es gl; do
  if result=$("$GUI_PY" "$STEPS" selftest "$lang" 2>&1); then
    tap_ok "$lang: the checker flags English and passes the translations"
  else
    tap_fail "$lang: the checker flags English and passes the translations"
  fi
  note "$result"
done

collect() { check "$lang: collect the strings of the $1" steps collect "$1"; }
gui_start "$GUI" "$out"

# run_language LANG LOCALE: one run of the app in that language, then the check.
run_language() {
  lang=$1
  local locale=$2 n0 n
  GUI_ENV+=(LANGUAGE="$lang" SERVAL_LOCALEDIR="$LOCALES")   # for i18n-steps.py's lookups
  rm -rf "$out/home/.config/serval"   # a first start: the trust dialog shows again
  n0=$(gui_tool count-notifications)
  # (Under a sanitizer build, leaks are reported at exit; fontconfig's are suppressed.)
  gui_serval "$out/app-$lang.log" LANG="$locale" LC_ALL="$locale" LANGUAGE="$lang"
  check "$lang: the app is on the AT-SPI bus" gui_tool wait-app serval 20 \
    || bail "the app did not start: $(tail -5 "$out/app-$lang.log")"
  check "$lang: the login window shows" steps wait-node frame "Log In to Serval"
  collect "login window"
  check "$lang: a login to a port with no server" steps login 10.234.1.1:7466 alice "pw-alice-$$"
  check "$lang: says it cannot reach the server" steps wait-label "Cannot reach the Serval server %s (%s). Check the address, that serval-server runs there and that no firewall blocks the port."
  collect "login window with a connection error"
  check "$lang: a wrong password is sent" steps login 10.234.1.1 alice "not-$$"
  check "$lang: the trust dialog shows" steps wait-node "push button" "_Trust and Connect"
  collect "trust dialog"
  check "$lang: trust the fingerprint" steps press "_Trust and Connect"
  check "$lang: the wrong password shows its error" steps wait-label "Wrong password for %s on %s, or no such user. Check both, or ask the server's administrator."
  collect "login window with the wrong password"
  check "$lang: the right password logs in" steps login 10.234.1.1 alice "pw-alice-$$"
  check "$lang: the main window shows, online" steps wait-label "Online as %s on %s"
  check "$lang: join VLAN lan" steps set-switch "Join VLAN %s" lan
  check "$lang: bob's row shows" steps wait-text "bob"
  collect "main window, in VLAN lan with bob"
  check "$lang: the primary menu opens" steps click "toggle button" Menu
  check "$lang: it shows About" steps wait-node "menu item" "_About Serval"
  collect "primary menu"
  check "$lang: About Serval" steps click "menu item" "_About Serval"
  check "$lang: the About dialog shows" steps wait-node dialog -
  collect "About dialog"
  check "$lang: its Credits page" steps show-page Credits gtk
  collect "About dialog, Credits page"
  check "$lang: the About dialog closes" steps close-window dialog
  check "$lang: the tray menu opens" gui_tray_click "$(steps tr Serval)" 3
  check "$lang: it shows Quit" steps wait-node "menu item" "_Quit"
  collect "tray menu"
  gui_exec xdotool key Escape
  check "$lang: the admin window opens" steps press Administration
  check "$lang: the admin window shows" steps wait-node frame "Serval Administration"
  check "$lang: select bob's row" steps select-cell "VLANs and members" bob
  collect "admin window, VLANs page"
  check "$lang: Kick Member asks first" steps press "_Kick Member"
  check "$lang: the kick dialog shows" steps wait-node "push button" "_Kick"
  collect "kick dialog"
  check "$lang: Cancel" steps press "_Cancel"
  # A refusal by the server, which speaks English: the app must not show its sentence.
  check "$lang: type the name of a VLAN that exists" gui_tool type serval text "$(steps tr "New VLAN name")" lan
  check "$lang: Add VLAN" steps press "_Add VLAN"
  check "$lang: the server's refusal shows" steps wait-label "The server refused: that name is taken already."
  collect "admin window, a refusal by the server"
  check "$lang: the Users page" steps show-page Users
  collect "admin window, Users page"
  check "$lang: the Addresses and Rules page" steps show-page "Addresses and Rules"
  check "$lang: choose VLAN blue" steps select-cell "VLAN addresses" blue
  check "$lang: type a rule" gui_tool type serval text "$(steps tr "New rule")" "$RULE"
  check "$lang: Add Rule" steps press "Add _Rule"
  check "$lang: the rule shows; select it" steps select-cell Rules "$RULE"
  collect "admin window, Addresses and Rules page"
  check "$lang: Delete Rule asks first" steps press "Dele_te Rule"
  check "$lang: the delete rule dialog shows" steps wait-node "push button" "_Delete"
  collect "delete rule dialog"
  check "$lang: Delete" steps press "_Delete"
  check "$lang: the admin window closes" steps close-window frame "Serval Administration"
  n=$(gui_tool count-notifications)
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
  check "$lang: a lost connection raises a notification" steps wait-notifications "$n"
  check "$lang: the status says it is reconnecting" steps wait-label "Reconnecting to %s…"
  collect "main window, reconnecting"
  start_server "$lang" || bail "serval-server did not restart"
  check "$lang: the reconnection raises a notification" steps wait-notifications "$((n + 1))"
  check "$lang: online again" steps wait-label "Online as %s on %s"
  collect "main window, reconnected"
  quit() { gui_tray_click "$(steps tr Serval)" 3 && steps click "menu item" "_Quit"; }
  check "$lang: the app quits from the tray menu" quit
  check "$lang: and exits" wait_for 10 gui_serval_gone

  local result
  if result=$(steps check "$lang" "$n0" alice bob lan blue 10.234.1.1 10.234.1.2 10.234.2.2 7465 7466 \
    "$FP" "$(hostname)" "pw-alice-$$" "not-$$" sv-lan "$RULE" 2>&1); then
    tap_ok "$lang: no English in what the app shows"
  else
    tap_fail "$lang: no English in what the app shows"
  fi
  note "$result"
  gui_check_log "$lang: no GTK/GLib warnings or criticals in the app's log" "$out/app-$lang.log"
}

run_language es es_ES.UTF-8
run_language gl gl_ES.UTF-8

gui_finish
