#!/usr/bin/env bash
# Announced web pages (issue 15) in the desktop app, end to end: the real `serval` app under
# Xvfb, driven through AT-SPI (dogtail), against a real serval-server in another network
# namespace, with two members joined by servalctl from two more: carol, before the app
# joins, announces none; bob, after, announces a web page (servalctl up --announce-web
# https:8443/admin), so his record reaches the app in a member event. Bob's member row
# gets an "Open Web Page of bob on …" button whose tooltip (the accessible description) is
# https://BOB'S-ADDRESS:8443/admin, and pressing it opens that URL in the desktop's browser (a
# script the session's mimeapps.list names); carol's row has none. Open Shares, with no
# handler for smb://, says the failure in the row.
# The app's own preference ("Announce My Web Page…" in the primary menu) goes into its
# join: bob's `servalctl members` shows it. Asserts by state, never by time. Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-gui.sh"

gui_serval_paths SERVER CTL APPBIN

P=sw$$
SRV=$P-srv GUI=$P-gui BOB=$P-bob CAROL=$P-car
gui_out_dir gui-web
star_ns 234 "$P" "$SRV" "$GUI" "$BOB" "$CAROL"

# --- the server: VLAN lan leases addresses, so every row has one from the join on --------
add_users "$data" "$out" alice bob carol
"$SERVER" -d "$data" vlan add lan >/dev/null || bail "cannot add VLAN lan"
"$SERVER" -d "$data" vlan set lan --subnet 10.77.0.0/24 >/dev/null || bail "cannot give lan a subnet"
for u in alice bob carol; do "$SERVER" -d "$data" user grant $u lan >/dev/null || bail "cannot grant lan to $u"; done
FP=$("$SERVER" -d "$data" fingerprint) || bail "no fingerprint"
gui_start_server "$SRV" 10.234.1.1 "$out/server.log" || bail "serval-server did not start: $(tail -3 "$out/server.log")"

steps() { gui_py "$here/serval-steps.py" "$@"; }
web() { gui_py "$here/web-steps.py" "$@"; }
ctl() { # ctl NS USER [servalctl args...]
  local ns=$1 user=$2 server; shift 2
  case $ns in $BOB) server=10.234.2.1 ;; $CAROL) server=10.234.3.1 ;; *) server=10.234.1.1 ;; esac
  ip netns exec "$ns" "$CTL" --server "$server:7465" --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" "$@"
}

# --- carol, who announces nothing, is there before the app (its join answer lists her) ----
ctl "$CAROL" carol up --vlan lan >"$out/carol.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 15 grep -q "sv-lan up" "$out/carol.log" || bail "carol did not join lan: $(cat "$out/carol.log")"

# --- the desktop's handlers, in the session's own XDG dirs: a browser that notes the URL it
# is given, and for smb:// one that cannot start (a row says a failed launch) ---------------
gui_start "$GUI" "$out"
apps=$out/home/.local/share/applications
mkdir -p "$apps" "$out/home/.config"
printf '#!/bin/sh\necho "$1" >>"%s/opened"\n' "$out" >"$out/browser.sh"
chmod +x "$out/browser.sh"
printf '[Desktop Entry]\nType=Application\nName=Test Browser\nExec=%s %%u\nMimeType=x-scheme-handler/https;\n' \
  "$out/browser.sh" >"$apps/serval-test-browser.desktop"
printf '[Default Applications]\nx-scheme-handler/https=serval-test-browser.desktop\n' >"$out/home/.config/mimeapps.list"

# --- the app: log in, announce its own page, join ----------------------------------------
gui_serval "$out/app.log"
check "the app is on the AT-SPI bus" gui_tool wait-app serval 20 || bail "the app did not start: $(tail -5 "$out/app.log")"
check "the login window shows" gui_tool wait-node serval frame "Log In to Serval"
check "alice logs in" steps login 10.234.1.1 alice "pw-alice-$$"
check "and trusts the server's certificate" gui_tool click serval "push button" "Trust and Connect"
check "the main window shows, online" steps wait-label "Online as alice on 10.234.1.1:7465" 20
settings=$out/home/.config/serval/settings.ini
check "announcing a web page is off at first (no settings.ini)" test ! -e "$settings"
check "Announce My Web Page… in the primary menu: on, port 8081, http, path team/" web announce on 8081 http team/
check "saves web=http:8081/team/ in settings.ini" grep -qx "web=http:8081/team/" "$settings"
check "join VLAN lan with its switch" steps set-switch "Join VLAN lan" on

check "carol is listed" steps wait-label "carol on " 20

# --- bob, who announces a web page, comes after (a member event brings him) ----------------
ctl "$BOB" bob up --vlan lan --announce-web https:8443/admin >"$out/bob.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 15 grep -q "sv-lan up" "$out/bob.log" || bail "bob did not join lan: $(cat "$out/bob.log")"
BOB_ADDR=$(sed -n 's/^sv-lan address: \([0-9.]*\)\/24 (leased by the server)$/\1/p' "$out/bob.log")
note "bob's address in lan: ${BOB_ADDR:-none}"
check "the server leased bob an address ($BOB_ADDR)" bash -c "[[ '$BOB_ADDR' == 10.77.0.* ]]"

# --- the rows -------------------------------------------------------------------------
check "bob is listed" steps wait-label "bob on " 20
check "bob's row has Open Web Page, its tooltip https://$BOB_ADDR:8443/admin" \
  web web-button bob "https://$BOB_ADDR:8443/admin"
check "carol's row has no Open Web Page (she announces none)" web no-web-button carol
check "Open Web Page on bob's row" steps press-starting "Open Web Page of bob on "
opened() { grep -qxF "https://$BOB_ADDR:8443/admin" "$out/opened" 2>/dev/null; }
check "the desktop's browser opens https://$BOB_ADDR:8443/admin" wait_for 10 opened
check "Open Shares on bob's row" steps press-starting "Open Shares of bob on "
check "no handler for smb://$BOB_ADDR/: the row says so" steps wait-label "Cannot open the shares: " 10

# --- the app's own announcement reaches the others --------------------------------------
alice_web() { ctl "$BOB" bob members lan | grep -P '^alice\t' | grep -qP '\tweb http:8081/team/$'; }
check "bob's servalctl members shows the page alice's app announced" wait_for 10 alice_web
carol_none() { ctl "$BOB" bob members lan | grep -P '^carol\t' | grep -vq web; }
check "and none for carol" carol_none

# --- off again ------------------------------------------------------------------------
check "Announce My Web Page… off" web announce off
check "takes web= out of settings.ini" bash -c "! grep -q '^web=' '$settings'"

gui_check_log "no GTK/GLib warnings or criticals in the app's log" "$out/app.log"
gui_finish
