#!/usr/bin/env bash
# End to end: a Serval server and three clients, each in its own network namespace.
# The clients reach only the server (no forwarding there), so every frame between them
# crosses serval-server. alice and bob are in VLAN red, carol in VLAN blue.
# Output is TAP; the logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

RAW="python3 $here/rawframe.py"
BAD="python3 $here/badpeer.py"
KEEPALIVE=${E2E_KEEPALIVE:-2}

require_serval

P=sv$$
SRV=$P-srv C1=$P-alice C2=$P-bob C3=$P-carol
e2e_out serval-e2e

# --- topology --------------------------------------------------------------------
star_ns 231 "$P" "$SRV" "$C1" "$C2" "$C3"
check "precondition: alice cannot reach bob's network without Serval" \
  bash -c "! ip netns exec $C1 ping -c 1 -W 1 10.231.2.2 >/dev/null 2>&1"

# --- server ----------------------------------------------------------------------
echo "pw-root-$$" > "$out/root.pw"
"$SERVER" --data-dir "$data" user add root --admin < "$out/root.pw" >/dev/null || bail "cannot add user root"
add_users "$data" "$out" alice bob carol
"$SERVER" --data-dir "$data" vlan add red >/dev/null && "$SERVER" --data-dir "$data" vlan add blue >/dev/null \
  || bail "cannot add VLANs"
"$SERVER" --data-dir "$data" user grant alice red >/dev/null && \
"$SERVER" --data-dir "$data" user grant bob red >/dev/null && \
"$SERVER" --data-dir "$data" user grant carol blue >/dev/null || bail "cannot grant rights"
FP=$("$SERVER" --data-dir "$data" fingerprint) || bail "cannot read the fingerprint"

start_server() {
  bg "$SRV" "$out/server.log.$1" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 \
    --keepalive "$KEEPALIVE" --http 127.0.0.1:9465
  SERVER_PID=$BG_PID
  wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.231.1.1/7465"
}
start_server 1 || bail "serval-server did not start: $(tail -5 "$out/server.log.1")"

server_addr() { case $1 in $C1) echo 10.231.1.1 ;; $C2) echo 10.231.2.1 ;; *) echo 10.231.3.1 ;; esac; }

ctl() { # ctl NS USER [servalctl args...]
  local ns=$1 user=$2; shift 2
  ip netns exec "$ns" "$CTL" --server "$(server_addr "$ns"):7465" --user "$user" \
    --password-file "$out/$user.pw" --fingerprint "$FP" "$@"
}

# start_client NS USER VLAN ADDRESS: servalctl up, then an address on the TAP
start_client() {
  local ns=$1 user=$2 vlan=$3 addr=$4
  local log=$out/$user.log
  : > "$log"
  # Not through ctl(): $! must be servalctl itself (ip netns exec execs it).
  ip netns exec "$ns" "$CTL" --server "$(server_addr "$ns"):7465" --user "$user" \
    --password-file "$out/$user.pw" --fingerprint "$FP" up --vlan "$vlan" >"$log" 2>&1 &
  E2E_PIDS+=($!)
  eval "PID_$user=$!"
  wait_for 15 grep -q "sv-$vlan up" "$log" || return 1
  in_ns "$ns" ip addr add "$addr/24" dev "sv-$vlan"
}

start_client "$C1" alice red 10.231.100.1 || bail "alice's client did not come up: $(cat "$out/alice.log")"
start_client "$C2" bob red 10.231.100.2 || bail "bob's client did not come up: $(cat "$out/bob.log")"
start_client "$C3" carol blue 10.231.100.3 || bail "carol's client did not come up: $(cat "$out/carol.log")"

# --- layer 2 across the server ---------------------------------------------------
check "IPv4: alice pings bob through the server" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.231.100.2
check "IPv4: bob pings alice" in_ns "$C2" ping -c 3 -i 0.2 -W 2 10.231.100.1

ll() { in_ns "$1" ip -6 -o addr show dev "$2" scope link | awk '{print $4}' | cut -d/ -f1; }
ALICE_LL=$(ll "$C1" sv-red) BOB_LL=$(ll "$C2" sv-red)
check "IPv6 link-local: alice pings bob ($BOB_LL)" wait_for 10 in_ns "$C1" ping -6 -c 1 -W 1 "$BOB_LL%sv-red"
check "IPv6 link-local: bob pings alice ($ALICE_LL)" in_ns "$C2" ping -6 -c 3 -i 0.2 -W 2 "$ALICE_LL%sv-red"

BOB_MAC=$(in_ns "$C2" cat /sys/class/net/sv-red/address)
check "ARP: alice resolved bob's address to his TAP's MAC $BOB_MAC" \
  bash -c "ip netns exec $C1 ip neigh show 10.231.100.2 dev sv-red | grep -qi '$BOB_MAC'"

# raw_once DSTMAC PAYLOAD: alice sends one 0x88B5 frame; prints "bob carol" receipt codes
raw_once() {
  local dst=$1 payload=$2
  in_ns "$C2" $RAW recv sv-red 0x88B5 "$payload" 3 > "$out/raw-bob.log" 2>&1 & local pb=$!
  in_ns "$C3" $RAW recv sv-blue 0x88B5 "$payload" 3 > "$out/raw-carol.log" 2>&1 & local pc=$!
  wait_for 3 grep -q listening "$out/raw-bob.log"
  wait_for 3 grep -q listening "$out/raw-carol.log"
  in_ns "$C1" $RAW send sv-red "$dst" 0x88B5 "$payload"
  wait $pb; RAW_BOB=$?
  wait $pc; RAW_CAROL=$?
}
raw_once ff:ff:ff:ff:ff:ff "bcast-$$"
check "a broadcast frame of ethertype 0x88B5 from alice arrives at bob" test "$RAW_BOB" -eq 0
check "that broadcast never arrives at carol (VLAN blue)" test "$RAW_CAROL" -eq 1
raw_once "$BOB_MAC" "ucast-$$"
check "a unicast 0x88B5 frame from alice arrives at bob" test "$RAW_BOB" -eq 0
check "that unicast never arrives at carol" test "$RAW_CAROL" -eq 1
check "carol cannot reach alice" bash -c "! ip netns exec $C3 ping -c 2 -i 0.2 -W 1 10.231.100.1 >/dev/null"
check "carol cannot reach bob" bash -c "! ip netns exec $C3 ping -c 2 -i 0.2 -W 1 10.231.100.2 >/dev/null"

# --- refusals: a non-zero status and one sentence --------------------------------
# refused DESCRIPTION PATTERN COMMAND...
refused() {
  local d=$1 pattern=$2; shift 2
  local msg rc
  msg=$("$@" 2>&1); rc=$?
  note "$d: status $rc: $msg"
  if [ $rc -ne 0 ] && grep -qiE "$pattern" <<<"$msg"; then tap_ok "$d"; else tap_fail "$d"; fi
}
echo wrong > "$out/wrong.pw"
refused "wrong password is refused with a sentence" "wrong password" \
  ip netns exec "$C1" "$CTL" --server 10.231.1.1:7465 --user alice --password-file "$out/wrong.pw" \
  --fingerprint "$FP" up --vlan red --tap svx0
refused "a VLAN without the right is refused" "may not join" ctl "$C3" carol up --vlan red --tap svx0
refused "an unknown VLAN is refused" "no VLAN" ctl "$C3" carol up --vlan green --tap svx0
refused "a wrong fingerprint is refused" "fingerprint" \
  ip netns exec "$C1" "$CTL" --server 10.231.1.1:7465 --user alice --password-file "$out/alice.pw" \
  --fingerprint 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff vlans
refused "an unreachable server is refused" "cannot reach" \
  ip netns exec "$C1" "$CTL" --server 10.231.1.1:7466 --user alice --password-file "$out/alice.pw" \
  --fingerprint "$FP" vlans
refused "a non-admin cannot add VLANs" "not an administrator" ctl "$C1" alice vlan add green

# --- members ---------------------------------------------------------------------
members() { ctl "$C1" alice members red | cut -f1 | sort | tr '\n' ' '; }
M=$(members)
note "members red: $M"
check "members red lists alice and bob, not carol" test "$M" = "alice bob "
# The clients watch their TAP's addresses and report them: the member list
# shows bob's address, set after his client came up.
bob_addr() { ctl "$C1" alice members red | grep -q "^bob.*10\.231\.100\.2"; }
check "members red shows the address bob gave his TAP, within 10 s" wait_for 10 bob_addr
kill -9 "$PID_bob"
t0=$(now_ms)
only_alice() { [ "$(members)" = "alice " ]; }
check "bob is gone from members red within 30 s after kill -9 of his client" wait_for 30 only_alice
note "bob left the member list after $(( $(now_ms) - t0 )) ms"
start_client "$C2" bob red 10.231.100.2 || bail "bob's client did not come back: $(cat "$out/bob.log")"
check "bob is back after starting his client again" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.231.100.2

# --- server restart ----------------------------------------------------------------
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
check "serval-server stops cleanly on SIGTERM" grep -q "Stopped" "$out/server.log.1"
t0=$(now_ms)
start_server 2 || bail "serval-server did not restart"
check "after a server restart alice pings bob again within 10 s, with no action" \
  wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.231.100.2
note "ping worked again $(( $(now_ms) - t0 )) ms after the restart"
check "carol still cannot reach alice after the restart" \
  bash -c "! ip netns exec $C3 ping -c 2 -i 0.2 -W 1 10.231.100.1 >/dev/null"

# --- a path that dies without a word: only keepalive can tell ----------------------
in_ns "$C2" ip link set "${P}bb" down
t0=$(now_ms)
# Silence is noticed at the first ping tick after three periods: at most four periods.
check "bob's silent client is dropped from members red within 4 keepalive periods ($((4 * KEEPALIVE)) s)" \
  wait_for $((4 * KEEPALIVE + 1)) only_alice
note "the server dropped bob $(( $(now_ms) - t0 )) ms after his path died (keepalive $KEEPALIVE s)"
in_ns "$C2" ip link set "${P}bb" up
t0=$(now_ms)
check "when the path comes back, bob's client reconnects and rejoins by itself" \
  wait_for 30 in_ns "$C1" ping -c 1 -W 1 10.231.100.2
note "bob was back $(( $(now_ms) - t0 )) ms after his path returned"

# --- bad peers ---------------------------------------------------------------------
for kind in garbage oversized zero deep truncated; do
  check "a client sending a $kind message loses its link" in_ns "$C3" $BAD 10.231.3.1 7465 "$kind"
  check "after the $kind client, the server runs and alice still pings bob" \
    bash -c "kill -0 $SERVER_PID && ip netns exec $C1 ping -c 2 -i 0.2 -W 2 10.231.100.2 >/dev/null"
done
check "the server log names the bad peers" grep -qE "broke the protocol|bad message" "$out/server.log.2"
METRICS=$(in_ns "$SRV" curl -s http://127.0.0.1:9465/metrics)
check "/metrics counts the protocol errors" \
  bash -c "grep -E '^serval_protocol_errors_total [1-9]' <<<'$METRICS' >/dev/null"
check "/metrics counts forwarded frames" \
  bash -c "grep -E '^serval_frames_forwarded_total [1-9]' <<<'$METRICS' >/dev/null"
check "carol's client survived all of it" kill -0 "$PID_carol"

# --- administration through the protocol --------------------------------------------
admin() { ctl "$C3" root "$@"; }
echo "pw-dave-$$" > "$out/dave.pw"
check "an admin adds a VLAN" admin vlan add green
check "an admin adds a user (password on standard input)" bash -c "$(declare -f ctl admin server_addr); \
  CTL=$CTL out=$out FP=$FP C1=$C1 C2=$C2 C3=$C3; admin user add dave < $out/dave.pw"
check "an admin grants a right" admin user grant dave green
check "users lists dave with VLAN green" bash -c "ip netns exec $C3 $CTL --server 10.231.3.1:7465 \
  --user root --password-file $out/root.pw --fingerprint $FP users | grep -qx 'dave	green'"
refused "granting to a user that does not exist is refused" "no user" admin user grant nobody red
refused "adding a VLAN that exists is refused" "exists already" admin vlan add red
check "vlans shows both members of red" bash -c "ip netns exec $C1 $CTL --server 10.231.1.1:7465 \
  --user alice --password-file $out/alice.pw --fingerprint $FP vlans | grep -q '^red	may join	2 member'"

check "an admin revokes bob's right to red" admin user revoke bob red
check "bob is out of red at once: his client says so and exits" \
  wait_for 10 bash -c "grep -q 'Out of VLAN red' $out/bob.log && ! kill -0 $PID_bob"
check "and alice sees only herself in red" wait_for 5 only_alice
check "bob cannot join red again" bash -c "! ip netns exec $C2 $CTL --server 10.231.2.1:7465 --user bob \
  --password-file $out/bob.pw --fingerprint $FP up --vlan red --tap svx1 >/dev/null 2>&1"
check "an admin deletes user alice" admin user del alice
check "alice's session ends at once" wait_for 10 bash -c "! kill -0 $PID_alice"
refused "alice can no longer log in" "wrong password" ctl "$C1" alice vlans
# Five failures from one address within a minute lock that address out.
for i in 1 2 3 4 5; do
  ip netns exec "$C3" "$CTL" --server 10.231.3.1:7465 --user carol --password-file "$out/wrong.pw" \
    --fingerprint "$FP" vlans >/dev/null 2>&1
done
refused "after 5 failed logins, even the right password is refused for a while" "too many failed logins" \
  ctl "$C3" carol vlans
check "the lock-out is per address: root from alice's namespace still logs in" \
  bash -c "ip netns exec $C1 $CTL --server 10.231.1.1:7465 --user root --password-file $out/root.pw \
  --fingerprint $FP vlans >/dev/null"
check "the server logged the revocation" grep -q "revoked the right of “bob” to join VLAN “red”" "$out/server.log.2"

e2e_finish
