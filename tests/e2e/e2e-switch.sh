#!/usr/bin/env bash
# End to end: members that attack the others through the switch (issue 13), against the
# real server and clients in network namespaces. alice, bob and mallory are in VLAN red;
# mallory attacks:
#   - finding 14: one frame with bob's MAC as its source, to take over bob's traffic;
#   - finding 13: a flood of unicast frames to random MACs, which the switch floods to
#     every member; alice's round trip to bob must stay within 3 times what it was.
# Output is TAP; the logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

RAW="python3 $here/rawframe.py"
FLOOD_SECONDS=${E2E_FLOOD_SECONDS:-12}
# Frames/s; 0: as fast as Python sends (230-450k here). The issue's 59k/s over a VLAN of
# many members; with two others to copy to, it takes more to hurt them: at 60k/s the
# code before the fix kept alice's RTT (0.36 -> 0.41 ms), as fast as it goes it did not
# (0.33 -> 6.6-11 ms).
FLOOD_RATE=${E2E_FLOOD_RATE:-0}
PINGS=${E2E_PINGS:-150}

require_serval

P=sw$$
SRV=$P-srv C1=$P-alice C2=$P-bob C3=$P-mallory
e2e_out serval-e2e-switch

star_ns 233 "$P" "$SRV" "$C1" "$C2" "$C3"
# No IPv6 on the clients' TAPs: nothing but the test's own frames crosses the VLAN
# (router solicitations and MLD reports from bob would relearn his MAC at random).
for ns in "$C1" "$C2" "$C3"; do in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1; done

users_in_red "$data" "$out" alice bob mallory

bg "$SRV" "$out/server.log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 --http 127.0.0.1:9465
SERVER_PID=$BG_PID
wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.233.1.1/7465" || bail "serval-server did not start"

# start_client NS USER N SERVERADDR: servalctl up --vlan red, then 10.233.100.N on its TAP
start_client() {
  local ns=$1 user=$2 n=$3 srv=$4
  ip netns exec "$ns" "$CTL" --server "$srv:7465" --user "$user" --password-file "$out/$user.pw" \
    --fingerprint "$FP" up --vlan red >"$out/$user.log" 2>&1 &
  E2E_PIDS+=($!)
  wait_for 15 grep -q "sv-red up" "$out/$user.log" || return 1
  in_ns "$ns" ip addr add "10.233.100.$n/24" dev sv-red
}
start_client "$C1" alice 1 10.233.1.1 || bail "alice's client did not come up: $(cat "$out/alice.log")"
start_client "$C2" bob 2 10.233.2.1 || bail "bob's client did not come up: $(cat "$out/bob.log")"
start_client "$C3" mallory 3 10.233.3.1 || bail "mallory's client did not come up: $(cat "$out/mallory.log")"
check "alice pings bob through the server" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.233.100.2
check "mallory pings alice" wait_for 10 in_ns "$C3" ping -c 1 -W 1 10.233.100.1

# forwarded: serval_frames_forwarded_total, the frame copies the switch delivered
forwarded() {
  in_ns "$SRV" curl -s http://127.0.0.1:9465/metrics | awk '$1 == "serval_frames_forwarded_total" { print $2 }'
}
metric() { # metric REASON: serval_frames_dropped_total for that reason
  in_ns "$SRV" curl -s http://127.0.0.1:9465/metrics |
    awk -v r="serval_frames_dropped_total{reason=\"$1\"}" '$1 == r { print $2 }'
}

# --- finding 14: one frame takes over another member's MAC ----------------------------
BOB_MAC=$(in_ns "$C2" cat /sys/class/net/sv-red/address)
MALLORY_MAC=$(in_ns "$C3" cat /sys/class/net/sv-red/address)
note "bob's MAC $BOB_MAC, mallory's $MALLORY_MAC"
in_ns "$C2" $RAW recv sv-red 0x88B5 "tobob-$$" 4 >"$out/raw-bob.log" 2>&1 &
pb=$!
in_ns "$C3" $RAW recv sv-red 0x88B5 "tobob-$$" 4 >"$out/raw-mallory.log" 2>&1 &
pm=$!
wait_for 3 grep -q listening "$out/raw-bob.log"
wait_for 3 grep -q listening "$out/raw-mallory.log"
# The attack: a broadcast from mallory's TAP with bob's MAC as its source. Then alice
# sends bob a unicast frame.
in_ns "$C3" $RAW send sv-red ff:ff:ff:ff:ff:ff 0x88B5 "spoof-$$" "$BOB_MAC"
sleep 0.3
in_ns "$C1" $RAW send sv-red "$BOB_MAC" 0x88B5 "tobob-$$"
wait $pb; TO_BOB=$?
wait $pm; TO_MALLORY=$?
check "after mallory's frame from bob's MAC, alice's frame to bob still reaches bob" test "$TO_BOB" -eq 0
check "and never reaches mallory" test "$TO_MALLORY" -ne 0
PINNED=$(metric mac_pinned)
note "serval_frames_dropped_total{reason=\"mac_pinned\"} ${PINNED:-absent}"
check "/metrics counts mallory's frame as mac_pinned" test "${PINNED:-0}" -ge 1
check "alice still pings bob" in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.233.100.2
check "mallory's own frames still pass: she pings alice" in_ns "$C3" ping -c 2 -i 0.2 -W 2 10.233.100.1

# --- finding 13: a flood of unknown unicast --------------------------------------------
# rtt_median LABEL: alice pings bob $PINGS times, 20 ms apart; prints the median round
# trip in ms (no answer counts as 1000 ms) and keeps the pings in $out/ping-LABEL.log
rtt_median() {
  in_ns "$C1" ping -n -c "$PINGS" -i 0.02 -W 1 10.233.100.2 >"$out/ping-$1.log" 2>&1
  awk -v n="$PINGS" '/time=/ { sub(/.*time=/, ""); print $1 + 0; got++ }
    END { for (i = got; i < n; i++) print 1000 }' "$out/ping-$1.log" | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
in_ns "$C1" ping -c 5 -i 0.05 -W 1 10.233.100.2 >/dev/null 2>&1 # ARP done, paths warm
BEFORE=$(rtt_median before)
STORM0=$(metric storm)
OUT0=$(forwarded)
T0=$(now_ms)
bg "$C3" "$out/flood.log" python3 "$here/rawflood.py" sv-red "$FLOOD_SECONDS" "$FLOOD_RATE"
FLOOD_PID=$BG_PID
sleep 2 # the flood has filled every queue it can fill
DURING=$(rtt_median during)
wait "$FLOOD_PID"
STORM1=$(metric storm)
OUT1=$(forwarded)
T1=$(now_ms)
read -r SENT RATE <"$out/flood.log"
AFTER=$(rtt_median after)
note "mallory sent ${SENT:-?} frames to random MACs (${RATE:-?} frames/s); the server dropped $((${STORM1:-0} - ${STORM0:-0})) as storm"
note "alice -> bob median RTT of $PINGS pings: before ${BEFORE} ms, during the flood ${DURING} ms, after ${AFTER} ms"
note "packet loss during the flood: $(grep -o '[0-9.]*% packet loss' "$out/ping-during.log")"
check "the flood was a flood: mallory sent more than 30000 frames/s" test "${RATE:-0}" -gt 30000
# What kept the others' round trip low: the copies the switch made during the flood. A
# port's storm bucket (2,000 frames, 1,000 a second) bounds mallory's flooded frames to
# 2,000 + 1,000 per second of the measured window, each copied to 2 members; the pings of
# the three measurements add 4 copies each (request and reply, both ways counted once).
# This bound holds on any machine however slow; the round trip itself is a figure (the
# notes above): without the limit the flood took it from 0.33 to 11 ms here, with it it
# stays within 3 times on a quiet machine (issue 13's acceptance, docs/performance.md),
# and a timing is no pass/fail test on a shared machine.
BOUND=$((2 * (2000 + 1000 * ((T1 - T0) / 1000 + 1)) + 4 * 3 * PINGS + 100))
note "frame copies delivered during the flood: $((${OUT1:-0} - ${OUT0:-0})) (bound $BOUND over $((T1 - T0)) ms); RTT ratio $(awk -v b="$BEFORE" -v d="$DURING" 'BEGIN { printf "%.2f", d / (b > 0 ? b : 0.001) }')"
check "during the flood, the switch floods mallory's frames only within her storm budget" \
  test $((${OUT1:-0} - ${OUT0:-0})) -le "$BOUND"
check "/metrics counts the flood's frames past the budget as storm" \
  test $((${STORM1:-0} - ${STORM0:-0})) -gt 1000
check "the server survived it" kill -0 "$SERVER_PID"

e2e_finish
