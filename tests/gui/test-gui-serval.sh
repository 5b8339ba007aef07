#!/usr/bin/env bash
# The desktop app end to end: the real `serval` app under Xvfb with a D-Bus session, driven
# through AT-SPI (dogtail), against a real serval-server in another network namespace, with
# a second member (bob) joined by servalctl from a third. It gives up a login by closing the
# login window, logs in (a wrong password first), trusts the fingerprint, joins a VLAN (a
# real TAP device in the app's namespace; bob is pinged through it), sees bob appear, uses
# the tray menu, joins VLAN sub, which has a subnet, and finds the address the server leased
# in the window and on its TAP device (again after a reconnection), opens the admin window
# (a subnet set on blue, a rule added and deleted, bob's Bridge right), leaves the VLAN, survives a server restart
# (notifications) and refuses a changed certificate. It also turns "Start Serval when I
# log in" on and off (the autostart entry), copies and pings bob from his row, and starts
# `serval --hidden` (the tray, no window), and picks a server from the login window's list of
# profiles. Screenshots of the login window, main
# window, tray menu and admin window go to $out and, if SERVAL_SCREENSHOTS is set, there
# too. Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-gui.sh"

gui_serval_paths SERVER CTL APPBIN

P=sg$$
SRV=$P-srv GUI=$P-gui BOB=$P-bob
gui_out_dir gui-app
star_ns 233 "$P" "$SRV" "$GUI" "$BOB"

# --- server ---------------------------------------------------------------------------
add_user "$data" "$out" alice --admin
add_user "$data" "$out" bob
for v in lan blue sub; do "$SERVER" -d "$data" vlan add $v >/dev/null || bail "cannot add VLAN $v"; done
"$SERVER" -d "$data" vlan set sub --subnet 10.77.0.0/24 >/dev/null || bail "cannot give VLAN sub a subnet"
"$SERVER" -d "$data" user grant alice sub >/dev/null || bail "cannot grant alice sub"
"$SERVER" -d "$data" user grant alice lan >/dev/null && "$SERVER" -d "$data" user grant bob lan >/dev/null \
  || bail "cannot grant"
FP=$("$SERVER" -d "$data" fingerprint) || bail "no fingerprint"
start_server() { gui_start_server "$SRV" 10.233.1.1 "$out/server.log.$1" --keepalive 2; }
start_server 1 || bail "serval-server did not start: $(tail -3 "$out/server.log.1")"

steps() { gui_py "$here/serval-steps.py" "$@"; }
ctl_alice() { ip netns exec "$GUI" "$CTL" --server 10.233.1.1:7465 --user alice --password-file "$out/alice.pw" \
  --fingerprint "$FP" "$@"; }

summary_line() { "$APPBIN" --help | sed -n 4p | grep -q "virtual Ethernet"; }
check "serval --help has a summary line" summary_line
check "serval --version" bash -c "'$APPBIN' --version | grep -q '^serval [0-9]'"
# --- the app, and logging in ----------------------------------------------------------
gui_start "$GUI" "$out"
# Under a sanitizer build, leaks are reported at exit (fontconfig's caches are suppressed).
gui_serval "$out/app.log"
check "the app is on the AT-SPI bus" gui_tool wait-app serval 20 || bail "the app did not start: $(tail -5 "$out/app.log")"
check "the login window shows" gui_tool wait-node serval frame "Log In to Serval"

# --- a login given up by closing the login window ---------------------------------------
# The server is stopped (SIGSTOP): the kernel still accepts the TCP connection, but the TLS
# handshake gets no answer, so the login stays under way until the window is closed.
n_before=$(gui_tool count-notifications)
kill -STOP "$SERVER_PID"
check "a login to a server that does not answer is sent" steps login 10.233.1.1 alice "pw-alice-$$"
check "the login window says it is connecting" steps wait-label "Connecting to 10.233.1.1:7465"
check "closing the login window during the login" steps close-window "Log In to Serval"
cancelled() { grep -q "Login as alice on 10.233.1.1:7465 cancelled" "$out/app.log"; }
check "the login was cancelled" wait_for 10 cancelled
kill -CONT "$SERVER_PID"
check "the tray icon docked before any login" gui_tool wait-tray-icon Serval
check "the tray menu opens" gui_tray_click Serval 3
check "the tray says the app is not connected" gui_tool wait-node serval "menu item" "Not connected"
check "Connect… in the tray menu shows the login window again" gui_tool click serval "menu item" "Connect…"
check "the login window shows again" gui_tool wait-node serval frame "Log In to Serval"
check "it is no longer connecting" steps no-label "Connecting to" 5
not_failed() { ! grep -q "Login as alice on .* failed" "$out/app.log"; }
check "the cancelled login was not reported as a failure" not_failed
same_count() { [ "$(gui_tool count-notifications)" = "$n_before" ]; }
check "and raised no notification" same_count
check "a login to a port with no server is sent" steps login 10.233.1.1:7466 alice "pw-alice-$$"
check "it says it cannot reach the server" steps wait-label "Cannot reach the Serval server 10.233.1.1:7466" 20
check "and says so once, with the cause once" steps label-once "Cannot reach the Serval server" "Cannot reach"
check "and asks once to check the address" steps label-once "Cannot reach the Serval server" "Check the address"
check "a wrong password is typed in and sent" steps login 10.233.1.1 alice "not-$$"
check "the certificate is trusted for the wrong-password attempt first" gui_tool wait-node serval "push button" "Trust and Connect" 20
check "the trust dialog is announced by its title" steps has-name alert "Trust Server"
check "it shows the fingerprint as serval-server fingerprint prints it" steps wait-label-has "$FP"
check "and the command on a line of its own" steps wait-label-has $'\nserval-server fingerprint\n'
check "trust the fingerprint" gui_tool click serval "push button" "Trust and Connect"
check "the wrong password shows its error in the login window" steps wait-label "Wrong password for alice on 10.233.1.1:7465" 20
check "screenshot of the login window" gui_shot login-window "Log In to Serval"
check "the right password logs in" steps login 10.233.1.1 alice "pw-alice-$$"
check "the main window shows, online" steps wait-label "Online as alice on 10.233.1.1:7465" 20
pinned() { grep -q "fingerprint=$FP" "$out/home/.config/serval/servers.ini"; }
check "the fingerprint is pinned in the user's configuration" pinned
only_lan() { steps wait-label lan && ! steps wait-label blue 1 2>/dev/null; }
check "the VLAN alice may join (lan) is listed, the other (blue) is not" only_lan
check "after the login the keyboard focus is not on Disconnect" steps not-focused "push button" Disconnect
check "the primary menu is outermost in the header bar" steps right-of "toggle button" Menu "push button" Administration
check "the connection-state image is named" steps has-name icon Online
check "the VLAN row's icon is named" steps has-name icon VLAN

# --- Start Serval when I log in: an XDG autostart entry --------------------------------
AUTOSTART=Start\ Serval\ when\ I\ log\ in
entry=$out/home/.config/autostart/org.serval.Serval.desktop
check "the autostart item is off at first" steps menu-state "$AUTOSTART" off
check "and there is no autostart entry" test ! -e "$entry"
check "turning it on through the primary menu" steps menu-check "$AUTOSTART" on
check "writes the autostart entry" wait_for 5 test -f "$entry"
exec_line=$(sed -n 's/^Exec=//p' "$entry" 2>/dev/null)
check "which starts this serval hidden" test "$exec_line" = "$(readlink -f "$APPBIN") --hidden"
entry_keys() { grep -qx "X-GNOME-Autostart-enabled=true" "$entry" && grep -qx "Name=Serval" "$entry" \
  && grep -qx "Icon=org.serval.Serval" "$entry" && grep -qx "Type=Application" "$entry"; }
check "with Name, Icon, Type and X-GNOME-Autostart-enabled=true" entry_keys
check "and passes desktop-file-validate" desktop-file-validate "$entry"
check "turning it off through the primary menu" steps menu-check "$AUTOSTART" off
check "removes the autostart entry" wait_for 5 test ! -e "$entry"
check "and the item stays off" steps menu-state "$AUTOSTART" off

# --- joining, a second member, traffic --------------------------------------------------
check "join VLAN lan with its switch" steps set-switch "Join VLAN lan" on
check "alice is listed as a member of lan" steps wait-label "alice on "
check "the app made the TAP device sv-lan in its namespace" in_ns "$GUI" ip link show sv-lan
ip netns exec "$BOB" "$CTL" --server 10.233.2.1:7465 --user bob --password-file "$out/bob.pw" \
  --fingerprint "$FP" up --vlan lan >"$out/bob.log" 2>&1 &
E2E_PIDS+=($!)
check "bob (servalctl) appears in the member list" steps wait-label "bob on " 20
in_ns "$GUI" ip addr add 10.233.100.1/24 dev sv-lan
wait_for 10 in_ns "$BOB" ip link show sv-lan && in_ns "$BOB" ip addr add 10.233.100.2/24 dev sv-lan
check "alice pings bob through the app's TAP device and the server" \
  wait_for 15 in_ns "$GUI" ping -c 1 -W 1 10.233.100.2

# --- actions on a member: Copy Address, Ping --------------------------------------------
check "bob's row shows his address" steps wait-label-has "10.233.100.2" 20
check "bob's Open Shares button is named" steps press-starting "Open Shares of bob on " --check-only
check "Copy Address on bob's row" steps press-starting "Copy Address of bob on "
check "puts bob's address on the clipboard" steps clipboard 10.233.100.2
check "Ping on bob's row" steps press-starting "Ping bob on "
check "shows the replies and the average round trip" steps wait-label "3 replies, " 30
ping_logged() { grep -qE "Ping 10\.233\.100\.2: 3 replies, [0-9.]+ ms average" "$out/app.log"; }
check "and the app logged the same" ping_logged
# The pointer away from the header bar: the rows' addresses re-laid the window out under it,
# and GTK then showed the Menu button's tooltip, an untitled window the shot could pick.
gui_exec xdotool mousemove 1270 790
check "screenshot of the main window" gui_shot main-window "Serval"

# --- the tray -------------------------------------------------------------------------
check "the tray icon docked" gui_tool wait-tray-icon Serval
check "the tray icon opens its menu" gui_tray_click Serval 3
check "the tray menu shows VLAN lan as joined" steps tray-item "VLAN lan" on
tray_shot() { gui_tool screenshot-node serval menu - "$out/tray-menu.png" && gui_check_image "$out/tray-menu.png" 8; }
check "screenshot of the tray menu" tray_shot
[ -z "${SERVAL_SCREENSHOTS:-}" ] || cp "$out/tray-menu.png" "$SERVAL_SCREENSHOTS/" 2>/dev/null
gui_exec xdotool key Escape

# --- a VLAN with a subnet: the address the server leased, on the device and in the window ---
check "join VLAN sub (subnet 10.77.0.0/24) with its switch" steps set-switch "Join VLAN sub" on
sub_address() { ctl_alice members sub 2>/dev/null | grep alice | grep -o '10\.77\.0\.[0-9]*' | head -n 1; }
leased_known() { SUB_ADDR=$(sub_address); [ -n "$SUB_ADDR" ]; }
SUB_ADDR=
check "servalctl members shows the address the server leased to alice in sub" wait_for 15 leased_known
note "alice's address in sub: ${SUB_ADDR:-none}"
SUB_ADDR=${SUB_ADDR:-none}
check "the window shows the device and the leased address (sv-sub · $SUB_ADDR)" \
  steps wait-label "sv-sub · $SUB_ADDR" 20
tap_has_sub() { ip netns exec "$GUI" ip -4 addr show dev sv-sub | grep -q "inet $SUB_ADDR/24 "; }
check "the TAP device sv-sub in the app's namespace has $SUB_ADDR/24" wait_for 10 tap_has_sub
sub_mac=$(ip netns exec "$GUI" cat /sys/class/net/sv-sub/address 2>/dev/null)
check "alice's member row in sub shows her leased address" steps label-with "${sub_mac:-none} · " "$SUB_ADDR" 20
check "the lan row shows its device and the address set by hand" steps wait-label "sv-lan · 10.233.100.1" 20
in_ns "$GUI" ip addr del "$SUB_ADDR/24" dev sv-sub
check "the window follows the device: the address taken away by hand goes from the row" \
  steps no-label "sv-sub · $SUB_ADDR" 20

# --- the admin window -------------------------------------------------------------------
check "the header bar's Administration button opens the admin window" steps press Administration
check "the admin window shows" gui_tool wait-node serval frame "Serval Administration"
check "the admin window lists lan with alice and bob, and blue" steps wait-cells "VLANs and members" lan alice bob blue
check "select bob's row in lan" steps select-cell "VLANs and members" bob
# A refresh (the window's own every 5 s, or Refresh) updates the rows in place: the member
# selected to act on stays selected. VLAN green, made meanwhile, shows the answer came.
check "alice adds VLAN green with servalctl" ctl_alice vlan add green
check "Refresh in the admin window" steps press-in "Serval Administration" Refresh
check "the refresh lists green" steps wait-cells "VLANs and members" green
check "and bob's row is still selected" steps selected-row "VLANs and members" bob
check "Kick Member asks first" steps press "Kick Member"
check "the kick dialog is announced by its question" steps has-name alert "Kick bob from VLAN “lan”?"
check "screenshot of the kick dialog" gui_shot kick-dialog "Kick bob from VLAN “lan”?"
check "Cancel keeps bob" gui_tool click serval "push button" Cancel
check "bob is still a member of lan" steps wait-cells "VLANs and members" lan alice bob
check "screenshot of the admin window" gui_shot admin-window "Serval Administration"
check "the admin window's Users page shows" steps show-page Users
check "alice's Administrator cell is named and checked" steps checked-cell Users alice Administrator on
check "bob's Administrator cell is named and unchecked" steps checked-cell Users bob Administrator off
check "bob's Bridge cell is named and unchecked" steps checked-cell Users bob Bridge off
check "alice sets bob's rate limit to 10M with servalctl" ctl_alice user set bob --rate-limit 10M
check "toggling bob's Bridge cell" steps toggle-cell Users bob Bridge
check "gives bob the bridge right: his Bridge cell is checked" wait_for 10 steps checked-cell Users bob Bridge on
bob_bridges() { ctl_alice users | grep -q "^bob.*bridge"; }
check "and the server has it (servalctl users)" wait_for 10 bob_bridges
check "alice's Bridge cell stays unchecked" steps checked-cell Users alice Bridge off
# The toggle's answer read the users again: bob's limit set with servalctl shows.
check "bob's Rate limit cell shows the 10M set with servalctl" steps wait-cells Users bob "10 MB/s"
check "a user without one shows —" steps wait-cells Users alice "—"
check "select bob in Users" steps select-cell Users bob
# The Users page is refreshed in place too: bob stays selected while dave, added meanwhile, shows.
add_dave() { echo "dave-secret-42" | ctl_alice user add dave; }
check "alice adds user dave with servalctl" add_dave
check "Refresh in the admin window, on the Users page" steps press-in "Serval Administration" Refresh
check "the refresh lists dave" steps wait-cells Users dave
check "and bob is still selected in Users" steps selected-row Users bob
check "Set Rate Limit… opens its dialog" steps press "Set Rate Limit…"
check "the dialog is for bob" gui_tool wait-node serval dialog "Rate Limit of bob"
check "it starts from bob's limit (10, in MB/s)" gui_tool wait-text serval text "Rate limit" 10
check "screenshot of the rate limit dialog" gui_shot rate-limit-dialog "Rate Limit of bob"
check "the rate field can be emptied" steps clear-text "Rate limit"
check "type 2 in it" gui_tool type serval text "Rate limit" 2
check "Set" gui_tool click serval "push button" Set
check "bob's Rate limit cell shows 2 MB/s" steps wait-cells Users bob "2 MB/s"
bob_2m() { ctl_alice users | grep -q "^bob.*rate-limit 2M"; }
check "and the server has it (servalctl users)" wait_for 10 bob_2m

check "the admin window's Addresses and Rules page shows" steps show-page "Addresses and Rules"
check "it lists sub with its subnet" steps wait-cells "VLAN addresses" sub 10.77.0.0/24
check "choose VLAN blue" steps select-cell "VLAN addresses" blue
check "type a subnet for blue" gui_tool type serval text Subnet 10.78.0.0/24
check "Apply" steps press Apply
check "blue is listed with its new subnet" steps wait-cells "VLAN addresses" blue 10.78.0.0/24
check "...in its row, still selected" steps selected-row "VLAN addresses" blue
blue_subnet() { ctl_alice vlans | grep "^blue" | grep -q 10.78.0.0/24; }
check "and the server has it (servalctl vlans)" wait_for 10 blue_subnet
check "the subnet field can be emptied" steps clear-text Subnet
check "an invalid subnet is typed in" gui_tool type serval text Subnet 10.78.0.0/99
check "Apply" steps press Apply
check "the window refuses it on the page, before asking the server" \
  steps wait-label "“10.78.0.0/99” is not an IPv4 subnet: give an address and a length from 8 to 30" 20
check "and blue keeps its subnet" steps wait-cells "VLAN addresses" blue 10.78.0.0/24
check "a rule that does not parse is typed in" gui_tool type serval text "New rule" "deny proto smtp"
check "Add Rule" steps press "Add Rule"
check "its error shows before anything is sent" steps wait-label "Cannot read the rule: " 10
check "the rule is typed in" gui_tool type serval text "New rule" "deny proto tcp from carol port 22"
check "Add Rule" steps press "Add Rule"
check "the rule shows as rule 1 of blue" steps wait-cells Rules 1 "deny proto tcp from carol port 22"
blue_rule() { ctl_alice vlan rule list blue | grep -qx "1  deny proto tcp from carol port 22"; }
check "and the server has it as rule 1 (servalctl vlan rule list)" wait_for 10 blue_rule
check "screenshot of the Addresses and Rules page" gui_shot admin-rules "Serval Administration"
check "select the rule" steps select-cell Rules "deny proto tcp from carol port 22"
check "a second rule is typed in" gui_tool type serval text "New rule" "allow proto udp to carol port 53"
check "Add Rule" steps press "Add Rule"
check "it shows as rule 2 of blue" steps wait-cells Rules 2 "allow proto udp to carol port 53"
check "and rule 1 is still selected (the list is updated in place)" \
  steps selected-row Rules "deny proto tcp from carol port 22"
check "Delete Rule asks first" steps press "Delete Rule"
check "the dialog is announced by its question" steps has-name alert "Delete rule 1 of VLAN “blue”?"
check "Delete" gui_tool click serval "push button" Delete
check "the rule is gone from the page" steps no-cell Rules "deny proto tcp from carol port 22" 20
check "the second rule moves up to rule 1" steps wait-cells Rules 1 "allow proto udp to carol port 53"
check "select it" steps select-cell Rules "allow proto udp to carol port 53"
check "Delete Rule asks for rule 1 again" steps press "Delete Rule"
check "the dialog names it" steps has-name alert "Delete rule 1 of VLAN “blue”?"
check "Delete" gui_tool click serval "push button" Delete
check "it is gone from the page too" steps no-cell Rules "allow proto udp to carol port 53" 20
no_blue_rule() { [ -z "$(ctl_alice vlan rule list blue)" ]; }
check "and from the server" wait_for 10 no_blue_rule
check "the VLANs page" steps show-page VLANs
check "lists blue's subnet on its row" steps wait-cells "VLANs and members" blue 10.78.0.0/24

# --- leaving ----------------------------------------------------------------------------
check "the admin window closes" steps close-window "Serval Administration"
check "leave VLAN lan with its switch" steps set-switch "Join VLAN lan" off
check "bob is no longer listed" steps no-label "bob on "
one_member() { grep -q "^VLAN lan now has 1 member$" "$out/bob.log" && ! grep -q "1 members" "$out/bob.log"; }
check "servalctl says “1 member”, not “1 members”" wait_for 10 one_member
check "the TAP device sv-lan is gone" wait_for 5 bash -c "! ip netns exec $GUI ip link show sv-lan"
check "the switch stays off" steps wait-switch "Join VLAN lan" off
check "join again for the restart test" steps set-switch "Join VLAN lan" on

# --- a server restart: notifications --------------------------------------------------
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
check "a lost connection raises a notification" gui_wait_notification "Serval disconnected" 15
check "it gives the server's reason" steps notification-has "Serval disconnected" "The server is shutting down"
check "the status says it is reconnecting, in one short line" steps wait-label "Reconnecting to 10.233.1.1:7465…" 10
check "and names the server once" steps label-once "Reconnecting to" "10.233.1.1"
start_server 2 || bail "serval-server did not restart"
check "the reconnection raises a notification" gui_wait_notification "Serval reconnected" 20
check "the app is online again" steps wait-label "Online as alice" 20
check "and in VLAN lan again" steps wait-switch "Join VLAN lan" on
check "and in VLAN sub again" steps wait-switch "Join VLAN sub" on
check "the rejoin put the leased address back on sv-sub" wait_for 20 tap_has_sub
check "and the window shows it again" steps wait-label "sv-sub · $SUB_ADDR" 20

# --- Disconnect, and Connect… again --------------------------------------------------
check "Disconnect in the main window" steps press Disconnect
check "Connect… opens the login window" steps press "Connect…"
check "the login window shows" gui_tool wait-node serval frame "Log In to Serval"
transient() { gui_exec bash -c 'xprop -id "$(xdotool search --name "^Log In to Serval$" | head -1)" WM_TRANSIENT_FOR' | grep -q "window id"; }
check "the login window is transient for the main window" transient

# --- profiles: the servers logged in to before --------------------------------------------
check "the server field can be emptied" steps clear-text Server
check "the user name field can be emptied" steps clear-text "User name"
check "the first server in the login window's list is the one alice logged in to" \
  steps choose-item Servers 10.233.1.1:7465 0
check "fills the server field" gui_tool wait-text serval text Server 10.233.1.1:7465
check "and the user name of that profile" gui_tool wait-text serval text "User name" alice
profile_saved() { grep -q "^user=alice$" "$out/home/.config/serval/servers.ini" \
  && grep -q "^fingerprint=$FP$" "$out/home/.config/serval/servers.ini"; }
check "servers.ini keeps the profile's user next to the pinned fingerprint" profile_saved
check "the port where no server answered is no profile" bash -c "! grep -q 7466 '$out/home/.config/serval/servers.ini'"
check "log in again" steps login 10.233.1.1 alice "pw-alice-$$"
check "online again" steps wait-label "Online as alice on 10.233.1.1:7465" 20
check "the keyboard focus is not on Disconnect after this login either" steps not-focused "push button" Disconnect

# --- a changed certificate is refused loudly ------------------------------------------
n_before=$(gui_tool count-notifications)
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
rm -f "$data/cert.pem" "$data/key.pem"
start_server 3 || bail "serval-server did not restart with a new key"
check "a changed certificate stops reconnecting, with a notification" \
  gui_wait_notification "Serval disconnected" 20 "$n_before"
check "the main window says the certificate changed" steps wait-label "Serval stopped reconnecting to 10.233.1.1:7465" 20
check "the app did not log in with the new certificate" bash -c "! grep -q 'Logged in' '$out/server.log.3'"

# --- logs -----------------------------------------------------------------------------
gui_serval_quit "$out/app.log"

# --- serval --hidden, as the autostart entry starts it ------------------------------------
gui_serval "$out/app-hidden.log" --hidden
check "serval --hidden is on the AT-SPI bus" gui_tool wait-app serval 20
check "its tray icon docks" gui_tool wait-tray-icon Serval
check "and it shows no window" steps no-window 3
hidden_logged() { grep -q "Started hidden: Serval is in the tray" "$out/app-hidden.log"; }
check "it says it started hidden" hidden_logged
check "its tray menu opens" gui_tray_click Serval 3
check "Connect… in its tray menu shows the login window" gui_tool click serval "menu item" "Connect…"
check "the login window shows" gui_tool wait-node serval frame "Log In to Serval"
check "the hidden app quits from the tray menu" gui_serval_tray_quit
check "and exits" wait_for 10 gui_serval_gone
gui_check_log "no GTK/GLib warnings or criticals in the hidden app's log" "$out/app-hidden.log"

gui_finish
