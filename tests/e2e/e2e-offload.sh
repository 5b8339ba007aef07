#!/usr/bin/env bash
# End to end with TAP offloads (IFF_VNET_HDR + TSO): a Serval server and three clients,
# each in its own network namespace, all in VLAN red. alice and bob offload (their TAP
# devices hand GSO frames of up to 64 KiB to servalctl, forwarded whole); carol runs with
# SERVAL_TAP_OFFLOAD=0, so the server segments and completes checksums for her, both ways.
# Data is checked end to end (SHA-256 of a TCP stream, numbered UDP datagrams), and the
# server's /metrics shows that GSO frames really went through. Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

SC="python3 $here/streamcheck.py"
MB=${E2E_OFFLOAD_MB:-24}

require_serval
need_cmd iperf3 iperf3 curl curl

P=so$$
SRV=$P-srv C1=$P-alice C2=$P-bob C3=$P-carol
e2e_star serval-e2e-offload 232 "$P" "$SRV" "$C1" "$C2" "$C3"

users_in_red "$data" "$out" alice bob carol

bg "$SRV" "$out/server.log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 --http 127.0.0.1:9465
wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.232.1.1/7465" \
  || bail "serval-server did not start: $(tail -5 "$out/server.log")"

# start_client NS USER ADDRESS OFFLOAD(1/0)
start_client() {
  local ns=$1 user=$2 addr=$3 offload=$4 n
  local log=$out/$user.log
  case $user in alice) n=1 ;; bob) n=2 ;; *) n=3 ;; esac
  : > "$log"
  ip netns exec "$ns" env SERVAL_TAP_OFFLOAD="$offload" "$CTL" --server "10.232.$n.1:7465" --user "$user" \
    --password-file "$out/$user.pw" --fingerprint "$FP" up --vlan red >"$log" 2>&1 &
  E2E_PIDS+=($!)
  wait_for 15 grep -q "sv-red up" "$log" || return 1
  in_ns "$ns" ip addr add "$addr/24" dev sv-red
  in_ns "$ns" ip addr add "fd32::$n/64" dev sv-red nodad
}
start_client "$C1" alice 10.232.100.1 1 || bail "alice's client did not come up: $(cat "$out/alice.log")"
start_client "$C2" bob 10.232.100.2 1 || bail "bob's client did not come up: $(cat "$out/bob.log")"
start_client "$C3" carol 10.232.100.3 0 || bail "carol's client did not come up: $(cat "$out/carol.log")"

metric() { # metric NAME_WITH_LABELS: its value now
  in_ns "$SRV" curl -s http://127.0.0.1:9465/metrics | awk -v m="$1" '$1 == m { print $2 }'
}

check "IPv4: alice pings bob" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.232.100.2
check "IPv4: alice pings carol (offloads off)" wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.232.100.3
check "IPv4: carol pings alice" in_ns "$C3" ping -c 3 -i 0.2 -W 2 10.232.100.1
check "IPv6: bob pings carol" wait_for 10 in_ns "$C2" ping -6 -c 1 -W 1 fd32::3
check "IPv4: a 6000-byte ping (fragments) from carol to bob" in_ns "$C3" ping -c 2 -s 6000 -W 2 10.232.100.2

# tcp_check DESC FROM_NS TO_NS TO_ADDR PORT: MB megabytes over TCP, SHA-256 compared
tcp_check() {
  local d=$1 from=$2 to=$3 addr=$4 port=$5 got sent
  in_ns "$to" $SC tcp-recv "$addr" "$port" > "$out/recv-$port.out" 2> "$out/recv-$port.err" & local pr=$!
  wait_for 5 grep -q listening "$out/recv-$port.err"
  sent=$(in_ns "$from" $SC tcp-send "$addr" "$port" $((MB * 1024 * 1024)) "$port" 2>"$out/send-$port.err")
  wait $pr
  got=$(cat "$out/recv-$port.out")
  note "$d: sent $sent, received $got"
  if [ -n "$sent" ] && [ "$sent" = "$got" ]; then tap_ok "$d"; else tap_fail "$d"; fi
}

fwd0=$(metric 'serval_offload_frames_total{kind="forwarded"}')
# What bob's kernel gets from his TAP: GSO frames, with alice's MSS as their gso_size.
# Not through in_ns(): $! must be the sniffer itself (ip netns exec execs it).
ip netns exec "$C2" python3 "$here/streamcheck.py" gso-sniff sv-red 60 > "$out/sniff.out" 2> "$out/sniff.err" &
sniff=$!
E2E_PIDS+=($sniff)
wait_for 5 grep -q listening "$out/sniff.err"
tcp_check "TCP/IPv4 alice -> bob (both offload): $MB MB arrive intact" "$C1" "$C2" 10.232.100.2 5001
kill -TERM $sniff 2>/dev/null; wait $sniff
read -r sn_frames sn_longest sn_sizes < "$out/sniff.out" || true
note "bob's TAP delivered ${sn_frames:-?} frames, the longest ${sn_longest:-?} bytes, gso_size ${sn_sizes:-?}"
check "bob's TAP delivered GSO frames longer than 1514 bytes" test "${sn_longest:-0}" -gt 1514
check "with gso_size alice's MSS at MTU 1500 (1448 with timestamps, 1460 without)" \
  bash -c "echo '${sn_sizes:-}' | grep -qE '(^|,)14(48|60)(,|$)'"
fwd1=$(metric 'serval_offload_frames_total{kind="forwarded"}')
note "offload frames forwarded whole: $fwd0 -> $fwd1"
check "the server forwarded GSO frames from alice to bob whole" test "${fwd1:-0}" -gt $((${fwd0:-0} + 100))
tcp_check "TCP/IPv6 bob -> alice (both offload): $MB MB arrive intact" "$C2" "$C1" fd32::1 5002

seg0=$(metric 'serval_offload_frames_total{kind="segmented"}')
segs0=$(metric 'serval_offload_segments_total')
tcp_check "TCP/IPv4 alice -> carol (server segments): $MB MB arrive intact" "$C1" "$C3" 10.232.100.3 5003
seg1=$(metric 'serval_offload_frames_total{kind="segmented"}')
segs1=$(metric 'serval_offload_segments_total')
note "segmented for carol: $seg0 -> $seg1 frames, $segs0 -> $segs1 segments"
check "the server segmented GSO frames for carol" test "${seg1:-0}" -gt $((${seg0:-0} + 100))
check "into more segments than frames" test $((${segs1:-0} - ${segs0:-0})) -gt $((${seg1:-0} - ${seg0:-0}))
tcp_check "TCP/IPv6 bob -> carol (server segments): $MB MB arrive intact" "$C2" "$C3" fd32::3 5004
tcp_check "TCP/IPv4 carol -> alice (plain frames to an offloading client): $MB MB intact" \
  "$C3" "$C1" 10.232.100.1 5005

# udp_check DESC FROM TO ADDR PORT SIZE: 300 numbered datagrams, every one must arrive intact
# (the receiving kernel drops a datagram with a bad checksum)
udp_check() {
  local d=$1 from=$2 to=$3 addr=$4 port=$5 size=$6 got
  in_ns "$to" $SC udp-recv "$addr" "$port" 300 15 > "$out/udp-$port.out" 2> "$out/udp-$port.err" & local pr=$!
  wait_for 5 grep -q listening "$out/udp-$port.err"
  in_ns "$from" $SC udp-send "$addr" "$port" 300 "$size"
  wait $pr
  got=$(cat "$out/udp-$port.out")
  note "$d: $got of 300"
  if [ "$got" = 300 ]; then tap_ok "$d"; else tap_fail "$d"; fi
}
csum0=$(metric 'serval_offload_frames_total{kind="segmented"}')
udp_check "UDP/IPv4 alice -> carol, 1400-byte datagrams, checksums completed by the server" \
  "$C1" "$C3" 10.232.100.3 6001 1400
csum1=$(metric 'serval_offload_frames_total{kind="segmented"}')
note "partial-checksum frames completed for carol: $csum0 -> $csum1"
check "the server completed UDP checksums for carol" test "${csum1:-0}" -ge $((${csum0:-0} + 300))
udp_check "UDP/IPv6 alice -> carol, 1200-byte datagrams" "$C1" "$C3" fd32::3 6002 1200
udp_check "UDP/IPv4 alice -> bob (both offload), 1400-byte datagrams" "$C1" "$C2" 10.232.100.2 6003 1400
udp_check "UDP/IPv4 carol -> bob, 1400-byte datagrams" "$C3" "$C2" 10.232.100.2 6004 1400

# iperf3: a few seconds of full-speed TCP both ways between the offloading clients
in_ns "$C2" iperf3 -s -1 -p 5201 > "$out/iperf-server.log" 2>&1 & ipid=$!
E2E_PIDS+=($ipid)
wait_for 5 in_ns "$C2" bash -c "ss -ltn | grep -q :5201"
check "iperf3 TCP alice -> bob, 3 s, completes" in_ns "$C1" iperf3 -c 10.232.100.2 -p 5201 -t 3
note "$(grep -E 'sender|receiver' "$E2E_LOG" | tail -2)"
in_ns "$C3" iperf3 -s -1 -p 5202 > "$out/iperf-server2.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 5 in_ns "$C3" bash -c "ss -ltn | grep -q :5202"
check "iperf3 TCP alice -> carol, 3 s, completes" in_ns "$C1" iperf3 -c 10.232.100.3 -p 5202 -t 3
note "$(grep -E 'sender|receiver' "$E2E_LOG" | tail -2)"

for r in bad_headers bad_metadata unsupported too_many_segments; do
  v=$(metric "serval_offload_dropped_total{reason=\"$r\"}")
  check "no offload frame was dropped as $r (got ${v:-none})" test "${v:-x}" = 0
done
check "server log has no warnings" bash -c "! grep -qiE 'warning|critical' '$out/server.log'"

e2e_finish
