#!/usr/bin/env bash
# Issue 17 in the desktop app: a VLAN of more than 500 members. serval-bench puts 600 bare
# members (no TAP, no member lists: its idle mode) into VLAN big on a real server, then the
# real app under Xvfb logs in as alice and joins big. Its window shows the first page the
# join brought ("Showing 500 of 601 members"), finds a member far down the list with its
# search entry (asked of the server), and adds the next pages with "Show more" until every
# member shows. The admin window pages through big's members 100 at a time (Next, Previous)
# and searches them. Then a member of a page fetched after the first leaves (an admin kicks
# him): the rows follow, in the window's search, its pages and the admin window's page, and
# so do the counts. All checks read AT-SPI state. Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-gui.sh"

BENCH=${SERVAL_BENCH:-$here/../../build/tests/bench/serval-bench}
N=600 # bench members; with alice the VLAN has N + 1

gui_serval_paths SERVER CTL APPBIN BENCH

P=sb$$
SRV=$P-srv GUI=$P-gui
gui_out_dir gui-big
star_ns 236 "$P" "$SRV" "$GUI"

# --- a server with VLAN big and N bench users ---------------------------------------------
add_user "$data" "$out" alice --admin
# Users m00000..m00599, password serval-bench, granted big (populate adds the VLAN).
"$BENCH" populate -d "$data" --prefix m --clients $N --vlan big --iterations 1000 >"$out/populate.log" 2>&1 \
  || bail "serval-bench populate failed: $(tail -3 "$out/populate.log")"
"$SERVER" -d "$data" user grant alice big >/dev/null || bail "cannot grant alice big"
FP=$("$SERVER" -d "$data" fingerprint) || bail "no fingerprint"
# All the bench logins come from one address at once: the per-address limits as
# run-serval-bench.sh sets them.
gui_start_server "$SRV" 127.0.0.1 "$out/server.log" --max-failed-logins 100000 \
  --max-unauthenticated-per-address 100000 || bail "serval-server did not start: $(tail -3 "$out/server.log")"

# The N members: bare links that log in, join big and answer keepalives, held until the end.
bg "$SRV" "$out/bench.log" "$BENCH" idle -s 127.0.0.1:7465 -f "$FP" --prefix m -n $N --vlan big \
  --server-pid "$SERVER_PID" --seconds 100000
ctl_alice() { ip netns exec "$GUI" "$CTL" --server 10.236.1.1:7465 --user alice --password-file "$out/alice.pw" \
  --fingerprint "$FP" "$@"; }
all_joined() { [ "$(ctl_alice members big 2>/dev/null | grep -c '^m0')" -eq $N ]; }
wait_for 60 all_joined || bail "the $N bench members did not all join VLAN big: $(tail -3 "$out/bench.log")"
check "serval-bench put $N members into VLAN big" all_joined

steps() { gui_py "$here/serval-steps.py" "$@"; }

# --- the app joins big ----------------------------------------------------------------------
gui_start "$GUI" "$out"
gui_serval "$out/app.log"
check "the app is on the AT-SPI bus" gui_tool wait-app serval 20 || bail "the app did not start: $(tail -5 "$out/app.log")"
check "alice logs in" steps login 10.236.1.1 alice "pw-alice-$$"
check "the server's certificate is trusted" gui_tool click serval "push button" "Trust and Connect"
check "the main window shows, online" steps wait-label "Online as alice on 10.236.1.1:7465" 20
check "join VLAN big with its switch" steps set-switch "Join VLAN big" on
check "the window says it shows the first page of $((N + 1)) members" \
  steps label-with "Showing 500 of " "of $((N + 1)) members" 30
check "and lists 500 of them" steps list-rows "Members of VLAN big" 500 501
check "the search entry shows in a VLAN this big" gui_tool wait-node serval text "Search members of VLAN big"
check "Show more shows while members are missing" steps button-shows "Show more members of VLAN big"

# --- searching: the server finds a member the first page does not hold ---------------------
target=$(steps absent-user "Members of VLAN big" m $N 2>>"$E2E_LOG" | tail -1)
check "a bench member is not among the rows the join brought ($target)" test -n "$target"
target=${target:-m00590}
check "search for $target" gui_tool type serval text "Search members of VLAN big" $target
check "the window says one member matches" steps label-with "Showing 1 of 1 member matching" "$target" 30
check "the list shows $target alone" steps list-rows "Members of VLAN big" 1
check "and it is $target" steps wait-label "$target on "
check "screenshot of the search" gui_shot big-vlan-search "Serval"
check "an empty search shows the members again" steps clear-text "Search members of VLAN big"
check "the first page again" steps label-with "Showing 500 of " "of $((N + 1)) members" 30
check "with its 500 rows" steps list-rows "Members of VLAN big" 500 501

# --- Show more -------------------------------------------------------------------------------
check "Show more" steps press-visible "Show more members of VLAN big"
check "adds the next page of 100" steps list-rows "Members of VLAN big" 599 601
more() { steps press-visible "Show more members of VLAN big" && steps list-rows "Members of VLAN big" $((N + 1)); }
check "Show more again shows every member" more
check "Show more goes once every member shows" steps button-gone "Show more members of VLAN big"
check "and so does the count" steps no-label "Showing " 10
check "$target is listed now" steps list-has "Members of VLAN big" "$target on "
check "screenshot of the main window" gui_shot big-vlan-window "Serval"
# The window's search for $target stays on while the admin window works.
check "the window searches for $target again" gui_tool type serval text "Search members of VLAN big" $target
check "and says one member matches" steps label-with "Showing 1 of 1 member matching" "$target" 30

# --- the admin window pages and searches ------------------------------------------------------
check "the header bar's Administration button opens the admin window" steps press Administration
check "the admin window shows" gui_tool wait-node serval frame "Serval Administration"
check "it lists VLAN big" steps wait-cells "VLANs and members" big
check "its bar asks for a VLAN" steps wait-label "Select a VLAN to page through"
check "select big's row" steps select-cell "VLANs and members" big
check "the bar shows big's first 100 members of $((N + 1))" steps wait-label "VLAN “big”: members 1–100 of $((N + 1))" 30
check "Next" steps press "Next members"
check "shows members 101 to 200" steps wait-label "VLAN “big”: members 101–200 of $((N + 1))" 30
check "Previous" steps press "Previous members"
check "shows members 1 to 100 again" steps wait-label "VLAN “big”: members 1–100 of $((N + 1))" 30
check "search big's members for $target" gui_tool type serval text "Search the members of the selected VLAN" $target
check "the bar says one matches" steps wait-label "VLAN “big”: members 1–1 of 1 matching “$target”" 30
check "the table shows $target" steps wait-cells "VLANs and members" big $target
other=m00001; [ "$target" != m00001 ] || other=m00002
check "and not $other" steps no-cell "VLANs and members" $other 10
check "screenshot of the admin window" gui_shot big-vlan-admin "Serval Administration"

# --- the rows follow a member who leaves: $target, on a page fetched after the first ----------
check "$target leaves VLAN big (kicked by alice)" ctl_alice user kick $target big
check "the window's search says no member matches now" steps wait-label "No member matches “$target”" 30
check "and shows no row" steps list-rows "Members of VLAN big" 0
check "the admin window's page of big follows: no match" \
  steps wait-label "No member of VLAN “big” matches “$target”" 30
check "and the table has no $target" steps no-cell "VLANs and members" $target 10
check "an empty search in the admin window" steps clear-text "Search the members of the selected VLAN"
check "its bar counts $N members" steps wait-label "VLAN “big”: members 1–100 of $N" 30
check "and so does big's row, still selected" steps wait-cells "VLANs and members" big "$N members"
check "the admin window closes" steps close-window "Serval Administration"
check "an empty search shows the pages again: $N rows" steps clear-text "Search members of VLAN big"
check "the pages have $N rows, not $((N + 1))" steps list-rows "Members of VLAN big" $N
gone=$(steps absent-user "Members of VLAN big" m $N 2>>"$E2E_LOG" | tail -1)
check "the one bench member they lack is $target ($gone)" test "$gone" = "$target"
check "no count shows: every one of the $N members does" steps no-label "Showing " 10

# --- logs ------------------------------------------------------------------------------------
gui_serval_quit "$out/app.log"

gui_finish
