#!/usr/bin/env bash
# End to end: a server that holds as many clients as its open-file limit leaves room
# for (issue 17). A real serval-server with RLIMIT_NOFILE 100 (prlimit: soft and hard,
# so it cannot raise it) in a network namespace of this test says at start how many
# clients it has room for (N); N simulated clients (serval-bench soak) log in and
# join; the next client (servalctl) is told after its TLS handshake that the server is
# full (Error serverFull, as a Bye) in a sentence that names the server, N and the
# fix, instead of waiting or being cut silently, and /metrics counts it
# (serval_connections_refused_total{reason="full"}); the N clients stay connected. Once
# one of them has gone, a new client gets in. Output is TAP; logs stay in $E2E_OUT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

LIMIT=100

require_serval
need_built BENCH SERVAL_BENCH tests/bench/serval-bench
need_cmd prlimit util-linux
command -v curl >/dev/null || bail "cannot run: curl is missing for /metrics (apt-get install curl)"

NS=svf$$
e2e_out serval-e2e-full
log=$out/server.log
make_ns "$NS"
alice_in_red "$data" "$out"
"$BENCH" populate --data-dir "$data" --prefix full --vlan red --clients 100 --iterations 1000 \
  --password "pw-full-$$" >/dev/null 2>"$out/populate.log" || bail "serval-bench populate failed: $(cat "$out/populate.log")"

bg "$NS" "$log" prlimit --nofile=$LIMIT:$LIMIT "$SERVER" --data-dir "$data" --listen 127.0.0.1:7465 \
  --keepalive 2 --advertise vpn.example.org:7465 --max-unauthenticated-per-address 1000 --http 127.0.0.1:9465
SERVER_PID=$BG_PID
full_refused() { in_ns "$NS" curl -s -m 5 http://127.0.0.1:9465/metrics | awk '$1 == "serval_connections_refused_total{reason=\"full\"}" {print $2}'; }
wait_for 10 grep -q "Room for [0-9]* clients" "$log" || bail "serval-server did not start: $(tail -5 "$log")"
N=$(sed -n 's/.*Room for \([0-9]*\) clients.*/\1/p' "$log" | head -1)
note "$(grep 'Room for' "$log")"
check "the server says at start how many clients it has room for, and the limits (soft $LIMIT, hard $LIMIT)" \
  grep -q "Room for $N clients: open-file limit (RLIMIT_NOFILE) soft $LIMIT, hard $LIMIT" "$log"
check "...a number below the limit ($N)" bash -c "[ $N -gt 10 ] && [ $N -lt $LIMIT ]"

# --- N clients online ----------------------------------------------------------------
status=$out/bench.status
ip netns exec "$NS" "$BENCH" soak --server 127.0.0.1:7465 --fingerprint "$FP" --prefix full --vlan red \
  --password "pw-full-$$" --clients "$N" --concurrency 8 --status-file "$status" --csv "$out/bench.csv" \
  2>"$out/bench.log" &
BENCH_PID=$!
E2E_PIDS+=("$BENCH_PID")
online() { [ -f "$status" ] && grep -qx "online $1" "$status"; }
check "$N simulated clients log in and join" wait_for 60 online "$N"
online "$N" || bail "not all $N clients came online: $(cat "$status" 2>/dev/null); $(tail -3 "$out/bench.log")"

# --- one more ------------------------------------------------------------------------
refused_before=$(full_refused)
check "/metrics: no client refused as full while the $N log in (serval_connections_refused_total{reason=\"full\"} 0, got '$refused_before')" \
  test "$refused_before" = 0
ctl_out=$(in_ns "$NS" timeout 30 "$CTL" --server 127.0.0.1:7465 --user alice --password-file "$out/alice.pw" \
  --fingerprint "$FP" vlans 2>&1); rc=$?
note "servalctl vlans with $N clients online: status $rc: $ctl_out"
check "the next client is refused (servalctl fails)" bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
check "...with a clear sentence: the server's name, N and the fix" \
  grep -q "vpn.example.org:7465 is full ($N clients): try again later or ask its administrator to raise the open-file limit" <<<"$ctl_out"
check "the server's log says so once, naming the limit and LimitNOFILE=" \
  bash -c "[ \$(grep -c 'Refusing new clients.*$N, with an open-file limit (RLIMIT_NOFILE) of $LIMIT.*LimitNOFILE=' '$log') = 1 ]"
check "alice did not log in" bash -c "! grep -q 'alice@.* logged in' '$log'"
refused_after=$(full_refused)
check "/metrics counts the refusal: serval_connections_refused_total{reason=\"full\"} 1 (got '$refused_after')" \
  test "$refused_after" = 1
sleep 5 # two keepalive intervals: a client cut by the refusal would show
check "the $N clients stay connected" online "$N"
check "...none of them was dropped meanwhile (drops 0)" grep -qx 'drops 0' "$status"
check "no failed accept in the log" bash -c "! grep -q 'Too many open files' '$log'"
check "the server is alive" kill -0 "$SERVER_PID"

# --- room again ----------------------------------------------------------------------
kill -TERM "$BENCH_PID"
wait "$BENCH_PID" 2>/dev/null
ctl_out=$(in_ns "$NS" timeout 60 "$CTL" --server 127.0.0.1:7465 --user alice --password-file "$out/alice.pw" \
  --fingerprint "$FP" vlans 2>&1); rc=$?
note "servalctl vlans once the clients left: status $rc: $ctl_out"
check "once the clients have left, a client logs in and lists its VLANs" bash -c "[ $rc -eq 0 ] && grep -q red <<<'$ctl_out'"

e2e_finish
