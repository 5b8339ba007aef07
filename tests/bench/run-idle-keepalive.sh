#!/usr/bin/env bash
# Many idle clients through several keepalive intervals (CI-sized, well under
# a minute): the real serval-server with --keepalive 1 (a silent client is
# dropped after 3 s) and serval-bench idle holding N clients (default 2,000)
# for HOLD seconds (default 6: six intervals, twice the timeout). Fails
# if any client is not online at the end, if the server dropped any for
# silence, or if the server's CPU while they sit idle exceeds MAX_IDLE_CPU of
# a core (default 0.3). 2,000 clients with 1-s keepalives make 2,000 exchanges a
# second (one end pings, the other answers; 4,000 pings before issue 17): 0.11
# of a core with the shared poller (load 12, debugoptimized),
# 0.42 with a GSource per link, where every wake-up walked every connection.
#
#   N=2000 HOLD=6 SERVAL_SERVER=path SERVAL_BENCH=path tests/bench/run-idle-keepalive.sh
#
# Before and after, side by side (issue 17): with BASE_SERVER (and
# BASE_BENCH, default SERVAL_BENCH) set to another build's binaries, each of
# ROUNDS rounds (default 3) runs the base build and then this one, and the
# last lines give the median CPU of each and their ratio. KEEPALIVE (default
# 1) sets the server's --keepalive; KEEPALIVE=auto gives none (the base then
# pings every 5 s, this build at the interval its load makes, from
# --keepalive-budget: KEEPALIVE_BUDGET, this build only, default its own
# 2000), and the interval it picked is said. The checks apply to this build
# only.
#
#   BASE_SERVER=/tmp/base/serval-server BASE_BENCH=/tmp/base/serval-bench N=10000 HOLD=30 \
#     KEEPALIVE=auto MAX_IDLE_CPU=1 SERVAL_SERVER=build/server/serval-server \
#     SERVAL_BENCH=build/tests/bench/serval-bench tests/bench/run-idle-keepalive.sh
#
#   BASE_SERVER=/tmp/base/serval-server N=10000 HOLD=30 KEEPALIVE=5 MAX_IDLE_CPU=1 \
#     SERVAL_SERVER=build/server/serval-server SERVAL_BENCH=build/tests/bench/serval-bench \
#     tests/bench/run-idle-keepalive.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
N=${N:-2000} HOLD=${HOLD:-6} MAX_IDLE_CPU=${MAX_IDLE_CPU:-0.3} KEEPALIVE=${KEEPALIVE:-1} ROUNDS=${ROUNDS:-3}
BASE_SERVER=${BASE_SERVER:-} BASE_BENCH=${BASE_BENCH:-${SERVAL_BENCH:-}} KEEPALIVE_BUDGET=${KEEPALIVE_BUDGET:-}

need_built SERVER SERVAL_SERVER server/serval-server
need_built BENCH SERVAL_BENCH tests/bench/serval-bench
need_cmd python3 python3

ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge $((N + 200)) ] \
  || bail "cannot run: $N clients need $((N + 200)) open files and the hard limit is $(ulimit -Hn) (raise it: ulimit -Hn, as root)"
note "load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

work=$(mktemp -d /tmp/serval-idle-ka.XXXXXX)
SPID=
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Few PBKDF2 iterations: this is about holding connections, not logging in.
"$BENCH" populate -d "$work/data" --prefix idle --vlan idle --clients "$N" --group 50 --iterations 1000 \
  2>>"$work/bench.log" >/dev/null || bail "serval-bench populate failed: $(tail -2 "$work/bench.log")"

# run_one SERVER BENCH [OPTION...]: one server (with the keepalive OPTIONs)
# and N idle clients for HOLD s; sets rc, online, idle_cpu, dropped and
# interval (the longest the server said it picked by its load, or none),
# and leaves the server running in SPID.
run_one() {
  local server=$1 bench=$2 fp port
  shift 2
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  SPID=
  fp=$("$server" --data-dir "$work/data" fingerprint) || bail "cannot read the server's fingerprint"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$server" --data-dir "$work/data" --listen "127.0.0.1:$port" "$@" --max-failed-logins 100000 --max-unauthenticated-per-address 100000 >"$work/server.log" 2>&1 &
  SPID=$!
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" \
    || bail "serval-server did not start: $(tail -3 "$work/server.log")"
  rm -f "$work/idle.csv"
  "$bench" idle --server "127.0.0.1:$port" --fingerprint "$fp" --server-pid "$SPID" --csv "$work/idle.csv" \
    --prefix idle --vlan idle --group 50 --clients "$N" --concurrency 64 --seconds "$HOLD" 2>>"$work/bench.log"
  rc=$?
  note "$(tail -1 "$work/bench.log")"
  online=$(metric online)
  idle_cpu=$(metric server_idle_cpu)
  dropped=$(grep -c "has not answered" "$work/server.log")
  # The longest: the one of the hold (it shrinks again as the clients leave at the end).
  interval=$(grep -o "Keepalive interval now [0-9]* s" "$work/server.log" | grep -o "[0-9][0-9]*" | sort -n | tail -1)
  interval=${interval:-none}
}
# The keepalive options of the base and of this build.
if [ "$KEEPALIVE" = auto ]; then
  base_opts=() opts=()
  [ -n "$KEEPALIVE_BUDGET" ] && opts=(--keepalive-budget "$KEEPALIVE_BUDGET")
else
  base_opts=(--keepalive "$KEEPALIVE") opts=(--keepalive "$KEEPALIVE")
fi
metric() { awk -F, -v m="$1" '$7 == m { v = $8 } END { print v }' "$work/idle.csv"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

start=$SECONDS
if [ -n "$BASE_SERVER" ]; then
  base_cpus= cpus=
  for round in $(seq 1 "$ROUNDS"); do
    run_one "$BASE_SERVER" "$BASE_BENCH" "${base_opts[@]}"
    note "round $round, base: $online online, server CPU $idle_cpu of a core, $dropped dropped for silence"
    base_cpus="$base_cpus $idle_cpu"
    run_one "$SERVER" "$BENCH" "${opts[@]}"
    note "round $round, this build: $online online, server CPU $idle_cpu of a core, $dropped dropped for silence, keepalive interval by load: $interval"
    cpus="$cpus $idle_cpu"
  done
  b=$(median $base_cpus) a=$(median $cpus)
  note "server CPU with $N idle clients, --keepalive $KEEPALIVE${KEEPALIVE_BUDGET:+ (budget $KEEPALIVE_BUDGET)}, medians of $ROUNDS rounds: base $b [$base_cpus ], this build $a [$cpus ], ratio $(python3 -c "print('%.2f' % ($a / $b) if $b > 0 else 'n/a')")"
  note "projected to 100,000 clients (linear in clients): base $(python3 -c "print('%.3f' % ($b * 100000 / $N))"), this build $(python3 -c "print('%.3f' % ($a * 100000 / $N))") of a core"
  if [ "$KEEPALIVE" = auto ]; then
    # By load: the interval at N clients with this run's budget, and at 100,000 with the
    # default one (serval-server-session.c: the clients over the budget, 5 to 60 s); the cost
    # is per exchange, so it scales with the ratio of the intervals.
    note "$(python3 -c "
import math
n, budget, cpu = $N, ${KEEPALIVE_BUDGET:-2000}, $a
at = lambda c, b: min(60, max(5, math.ceil(c / b)))
big = at(100000, 2000)
print('this build by load: %d s at %d clients (budget %d), %d s at 100,000 (default budget 2000):'
      ' projected %.3f of a core there (%.0f exchanges a second)'
      % (at(n, budget), n, budget, big, cpu * 100000 / n * at(n, budget) / big, 100000 / big))")"
  fi
else
  run_one "$SERVER" "$BENCH" "${opts[@]}"
  note "keepalive interval by load: $interval"
fi
note "took $((SECONDS - start)) s"

if [ "$rc" = 0 ] && [ "$online" = "$N" ]; then
  tap_ok "$N idle clients online through $HOLD s of keepalive intervals of $KEEPALIVE s"
else
  tap_fail "$online of $N clients online after $HOLD s (serval-bench exit $rc): $(tail -3 "$work/bench.log" | tr '\n' ' ')"
fi
if [ "$dropped" = 0 ]; then
  tap_ok "the server dropped no client for silence"
else
  tap_fail "the server dropped $dropped clients for silence: $(grep -m1 "has not answered" "$work/server.log")"
fi
if kill -0 "$SPID" 2>/dev/null; then
  tap_ok "the server is still running"
else
  tap_fail "the server died: $(tail -3 "$work/server.log")"
fi
if [ -n "$idle_cpu" ] && python3 -c "import sys; sys.exit(0 if float('$idle_cpu') <= float('$MAX_IDLE_CPU') else 1)"; then
  tap_ok "server CPU while $N clients sit idle: $idle_cpu of a core (limit $MAX_IDLE_CPU)"
else
  tap_fail "server CPU while $N clients sit idle: '${idle_cpu}' of a core, over $MAX_IDLE_CPU (or not measured)"
fi
echo "1..$E2E_N"
[ "$E2E_FAILED" = 0 ]
