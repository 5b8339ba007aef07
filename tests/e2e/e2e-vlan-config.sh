#!/usr/bin/env bash
# End to end, issue 14's management path: a VLAN's subnet and IPv6 prefix, its rules and
# the bridge right, set with serval-server's offline commands and with servalctl against
# a real server in a network namespace; the addresses the server leases at each join,
# shown by "servalctl up" and "servalctl members"; a full subnet's clear refusal.
# (The address on the TAP device itself, the switch's use of the rules and DHCP are
# other tests'.) Output is TAP; the logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

require_serval

P=sc$$
SRV=$P-srv C1=$P-alice C2=$P-bob
e2e_out serval-e2e-vlan-config
star_ns 233 "$P" "$SRV" "$C1" "$C2"

srv() { "$SERVER" --data-dir "$data" "$@"; }
# has FILE TEXT: the file holds the text (fixed, not a pattern); says what it holds if not
has() { grep -qF -- "$2" "$1" || { note "$1 holds:"; note "$(cat "$1")"; return 1; }; }
# hasnt FILE TEXT
hasnt() { ! grep -qF -- "$2" "$1" || { note "$1 holds:"; note "$(cat "$1")"; return 1; }; }

# --- offline commands ------------------------------------------------------------
echo "pw-root-$$" > "$out/root.pw"
srv user add root --admin < "$out/root.pw" >/dev/null || bail "cannot add user root"
add_users "$data" "$out" alice bob
for v in red blue; do srv vlan add $v >/dev/null || bail "cannot add VLAN $v"; done
for u in alice bob; do
  for v in red blue; do srv user grant $u $v >/dev/null || bail "cannot grant $v to $u"; done
done
FP=$(srv fingerprint) || bail "cannot read the fingerprint"

check "offline: vlan set red --subnet --prefix6" srv vlan set red --subnet 10.77.0.0/24 --prefix6 fd00:77::/64
srv vlan list > "$out/vlans.offline"
check "offline: vlan list shows red's subnet and prefix" has "$out/vlans.offline" \
  "$(printf 'red\tsubnet 10.77.0.0/24\tIPv6 prefix fd00:77::/64')"
check "offline: a subnet that is not one is refused" bash -c "! $SERVER --data-dir $data vlan set red --subnet 10.77.0.0/33"
check "offline: vlan rule add (1)" srv vlan rule add red deny proto tcp from carol port 22
check "offline: vlan rule add (2)" srv vlan rule add red allow proto icmp
check "offline: vlan rule add (3)" srv vlan rule add red deny proto 0x0806 to bob
srv vlan rule list red > "$out/rules.offline.3"
check "offline: vlan rule list numbers the rules from 1, in order" \
  diff <(printf '1  deny proto tcp from carol port 22\n2  allow proto icmp\n3  deny proto 0x0806 to bob\n') \
  "$out/rules.offline.3"
check "offline: vlan rule del red 2" srv vlan rule del red 2
srv vlan rule list red > "$out/rules.offline.2"
check "offline: the later rules move up" \
  diff <(printf '1  deny proto tcp from carol port 22\n2  deny proto 0x0806 to bob\n') "$out/rules.offline.2"
srv vlan rule del red 7 > "$out/del7.offline" 2>&1
check "offline: a rule number past the end says how many there are" has "$out/del7.offline" "has no rule 7: it has 2"
check "offline: a rule servalctl could not say is refused with the reason" \
  bash -c "! $SERVER --data-dir $data vlan rule add red deny port 22 2>$out/badrule.offline"
check "offline: ...which names what is missing" has "$out/badrule.offline" "proto tcp"
check "offline: user grant bob --bridge" srv user grant bob --bridge
srv user list > "$out/users.offline"
check "offline: user list shows bob's bridge right" has "$out/users.offline" "$(printf 'bob\tblue,red\tbridge')"
check "offline: ...and no one else's" bash -c "[ \$(grep -c bridge $out/users.offline) -eq 1 ]"
check "offline: vlan set blue --subnet 10.78.0.0/30 (one address to lease)" srv vlan set blue --subnet 10.78.0.0/30

# --- servalctl against the server ------------------------------------------------
bg "$SRV" "$out/server.log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465
wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.233.1.1/7465" || bail "serval-server did not start: $(tail -5 "$out/server.log")"

server_addr() { case $1 in $C1) echo 10.233.1.1 ;; *) echo 10.233.2.1 ;; esac; }
ctl() { # ctl NS USER [servalctl args...]
  local ns=$1 user=$2; shift 2
  ip netns exec "$ns" "$CTL" --server "$(server_addr "$ns"):7465" --user "$user" \
    --password-file "$out/$user.pw" --fingerprint "$FP" "$@"
}

ctl "$C1" root vlans > "$out/vlans.ctl"
check "servalctl vlans shows red's subnet and prefix" has "$out/vlans.ctl" "subnet 10.77.0.0/24	IPv6 prefix fd00:77::/64"
check "servalctl vlan set blue --subnet 10.79.0.0/24 --prefix6 fd00:79::/64" \
  ctl "$C1" root vlan set blue --subnet 10.79.0.0/24 --prefix6 fd00:79::/64
ctl "$C1" root vlan list > "$out/vlans.ctl.2"
check "servalctl vlan list shows blue's new subnet" has "$out/vlans.ctl.2" "subnet 10.79.0.0/24	IPv6 prefix fd00:79::/64"
check "servalctl vlan set blue --subnet 10.78.0.0/30 --prefix6 none" \
  ctl "$C1" root vlan set blue --subnet 10.78.0.0/30 --prefix6 none
ctl "$C1" root vlans > "$out/vlans.ctl.3"
check "...and the prefix is gone" hasnt "$out/vlans.ctl.3" "fd00:79::/64"
ctl "$C1" alice vlan set red --subnet none > "$out/alice-set.ctl" 2>&1
check "a user who is not an administrator may not set a subnet" has "$out/alice-set.ctl" "not an administrator"

check "servalctl vlan rule add blue deny proto udp port 53" ctl "$C1" root vlan rule add blue deny proto udp port 53
check "servalctl vlan rule add blue allow from alice to bob" ctl "$C1" root vlan rule add blue allow from alice to bob
ctl "$C1" root vlan rule list blue > "$out/rules.ctl"
check "servalctl vlan rule list: number, two spaces, the rule" \
  diff <(printf '1  deny proto udp port 53\n2  allow from alice to bob\n') "$out/rules.ctl"
ctl "$C1" root vlan rule del blue 5 > "$out/del5.ctl" 2>&1
check "servalctl vlan rule del blue 5: the cause and the next step" \
  has "$out/del5.ctl" "VLAN blue has no rule 5: it has 2 (servalctl vlan rule list blue)"
check "servalctl vlan rule del blue 1" ctl "$C1" root vlan rule del blue 1
ctl "$C1" root vlan rule list blue > "$out/rules.ctl.2"
check "the rule left is number 1" diff <(printf '1  allow from alice to bob\n') "$out/rules.ctl.2"
ctl "$C1" root vlan rule add blue deny proto bogus > "$out/bogus.ctl" 2>&1
check "servalctl refuses a rule it cannot read, saying what it expected" has "$out/bogus.ctl" "tcp, udp, icmp"
ctl "$C1" root vlan rule list red > "$out/rules.ctl.red"
check "the offline rules are the server's" \
  diff <(printf '1  deny proto tcp from carol port 22\n2  deny proto 0x0806 to bob\n') "$out/rules.ctl.red"

check "servalctl user grant alice --bridge" ctl "$C1" root user grant alice --bridge
ctl "$C1" root users > "$out/users.ctl"
check "servalctl users shows alice's bridge right" has "$out/users.ctl" "$(printf 'alice\tblue,red\tbridge')"
check "servalctl user revoke bob --bridge" ctl "$C1" root user revoke bob --bridge
ctl "$C1" root user list > "$out/users.ctl.2"
check "...bob's is gone" hasnt "$out/users.ctl.2" "$(printf 'bob\tblue,red\tbridge')"

# --- leased addresses ------------------------------------------------------------
# up_client NS USER VLAN LOG: servalctl up in the background, until its VLAN is up
up_client() {
  local ns=$1 user=$2 vlan=$3 log=$4
  ip netns exec "$ns" "$CTL" --server "$(server_addr "$ns"):7465" --user "$user" \
    --password-file "$out/$user.pw" --fingerprint "$FP" up --vlan "$vlan" >"$log" 2>&1 &
  E2E_PIDS+=($!)
  UP_PID=$!
  wait_for 15 grep -q "sv-$vlan up\|Cannot join" "$log"
}
up_client "$C1" alice red "$out/alice.up" || bail "alice's client did not come up: $(cat "$out/alice.up")"
ALICE_PID=$UP_PID
up_client "$C2" bob red "$out/bob.up" || bail "bob's client did not come up: $(cat "$out/bob.up")"
address_of() { sed -n 's/^sv-red address: \([0-9.]*\)\/24 (leased by the server)$/\1/p' "$1"; }
A1=$(address_of "$out/alice.up") B1=$(address_of "$out/bob.up")
check "servalctl up shows the device and the address leased to alice ($A1)" \
  bash -c "[[ '$A1' == 10.77.0.* && '$A1' != 10.77.0.1 ]]"
check "...and bob's, another one ($B1)" bash -c "[[ '$B1' == 10.77.0.* && '$B1' != '$A1' ]]"
check "servalctl up shows the VLAN's IPv6 prefix" has "$out/alice.up" "sv-red IPv6 prefix: fd00:77::/64"
ctl "$C2" bob members red > "$out/members.ctl"
check "servalctl members shows alice's address" bash -c "grep -P '^alice\t.*\t$A1(,|\$)' $out/members.ctl"
kill "$ALICE_PID"
wait_for 10 bash -c "! kill -0 $ALICE_PID 2>/dev/null"
wait_for 10 bash -c "! grep -q '^alice' <(ip netns exec $C2 $CTL --server 10.233.2.1:7465 --user bob --password-file $out/bob.pw --fingerprint $FP members red)"
up_client "$C1" alice red "$out/alice.up.2" || bail "alice's client did not come up again: $(cat "$out/alice.up.2")"
check "alice gets the same address back after leaving ($A1)" bash -c "[ '$(address_of "$out/alice.up.2")' = '$A1' ]"

up_client "$C1" alice blue "$out/alice.blue" || bail "alice's client did not join blue: $(cat "$out/alice.blue")"
check "the one address of blue's /30 goes to alice" has "$out/alice.blue" "sv-blue address: 10.78.0.2/30"
up_client "$C2" bob blue "$out/bob.blue"
check "bob's join of the full blue is refused: the cause" has "$out/bob.blue" "no address left"
check "...and the next step" has "$out/bob.blue" "servalctl vlan set blue --subnet"
wait_for 10 bash -c "! kill -0 $UP_PID 2>/dev/null"
wait "$UP_PID"
BOB_STATUS=$?
check "...and his servalctl exits with status 1 ($BOB_STATUS)" test "$BOB_STATUS" -eq 1
check "the server says why in its log" has "$out/server.log" "may not join VLAN “blue”"

# --- an announced web page (issue 15) --------------------------------------------
check "servalctl refuses --announce-web with a port out of range, before asking a server" \
  bash -c "$CTL --server 10.0.0.1 --password-file /dev/null up --vlan red --announce-web 65536 2>$out/web-port.ctl; [ \$? -eq 2 ] && grep -q 'between 1 and 65535' $out/web-port.ctl"
check "...and a path with a space, saying what to do" \
  bash -c "$CTL --server 10.0.0.1 --password-file /dev/null up --vlan red --announce-web '8080/a b' 2>$out/web-path.ctl; [ \$? -eq 2 ] && grep -q 'percent-encode' $out/web-path.ctl"
check "...and --announce-web with another command than up" \
  bash -c "$CTL --server 10.0.0.1 --password-file /dev/null members red --announce-web 8080 2>$out/web-cmd.ctl; [ \$? -eq 2 ] && grep -q 'goes with “up”' $out/web-cmd.ctl"
check "servalctl vlan add green" ctl "$C1" root vlan add green
for u in alice bob; do check "servalctl user grant $u green" ctl "$C1" root user grant $u green; done
ip netns exec "$C1" "$CTL" --server 10.233.1.1:7465 --user alice --password-file "$out/alice.pw" --fingerprint "$FP" \
  up --vlan green --announce-web https:8443/admin >"$out/alice.green" 2>&1 &
E2E_PIDS+=($!)
wait_for 15 grep -q "sv-green up\|Cannot join" "$out/alice.green" || bail "alice did not join green: $(cat "$out/alice.green")"
check "alice joins green announcing https:8443/admin" has "$out/alice.green" "sv-green up"
up_client "$C2" bob green "$out/bob.green" || bail "bob did not join green: $(cat "$out/bob.green")"
ctl "$C2" bob members green > "$out/members.green"
check "bob's servalctl members shows alice's web page as the last column" \
  bash -c "grep -P '^alice\t.*\tweb https:8443/admin\$' $out/members.green"
check "...and bob's own line has none (he announces nothing)" bash -c "grep -P '^bob\t' $out/members.green | grep -vq web"
check "...and every line keeps the columns of before" \
  bash -c "[ \$(awk -F'\t' 'NF < 6' $out/members.green | wc -l) -eq 0 ]"

e2e_finish
