#!/usr/bin/env bash
# The hostile soak (issue 13): one serval-server, CLIENTS (200) simulated clients that
# join, leave, send and log in again for SOAK_SECONDS (600), and at the same time
# peers that misbehave, each from a network namespace of its own (all made by the
# script, so the per-address limits apply to the attackers and not to the clients):
#   clients   serval-bench churn: each client, every 10 s on average, leaves its VLAN
#             and joins its other one (a VLAN of all 200, or its group of 20), or one
#             time in three logs in again; 200 frames/s in all; every 2 s one of them
#             misbehaves (a host name with control characters, or 256 frames to random
#             MACs)
#   attackers in a loop each, from 10.N.2.2: links that drip a message (slowloris),
#             never read their answers, chatter without logging in, send garbage,
#             oversized, truncated, zero-length or deeply nested messages, a 1 MiB
#             list, hold 100 TLS links, hold 20 silent TCP links, half-send HTTP
#   guessers  from 10.N.3.2: servalctl logins with a wrong password, one after the other
# Every SAMPLE (2) s the server's VmRSS and open file descriptors (/proc/PID/status,
# /proc/PID/fd) go to $out/samples.csv, with its open links (/metrics) and the counts
# of the clients. At the end (TAP): the server is alive; every client is online at the
# end of the churn, with no step that failed; no host name with control characters
# was taken; once the attackers have stopped and the clients have left, the open fds
# are back within FD_MARGIN (4) of the start; the peak RSS of the second half of the
# run exceeds that of the first half by less than RSS_BOUND_KIB (4096; see
# docs/performance.md, "Hostile soak", for why). Nothing asserts a time: waits are
# conditions with safety nets (lib.sh's wait_for).
#
# Not in CI and not registered in meson (meson test runs every suite); run it beside:
#   sudo SOAK_SECONDS=600 tests/bench/soak-hostile.sh    (the figures of docs/performance.md)
#   sudo SOAK_SECONDS=60 tests/bench/soak-hostile.sh     (the short form)
# Environment: SOAK_SECONDS [600], SOAK_CLIENTS [200], SAMPLE [2], RSS_BOUND_KIB [4096],
# FD_MARGIN [4], SERVAL_SERVER, SERVALCTL, SERVAL_BENCH [build/...], E2E_OUT [a new
# /tmp/serval-soak-hostile.XXXXXX]. With gnuplot, $out/soak-hostile.png plots the samples.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-600}
CLIENTS=${SOAK_CLIENTS:-200}
SAMPLE=${SAMPLE:-2}
RSS_BOUND_KIB=${RSS_BOUND_KIB:-4096}
FD_MARGIN=${FD_MARGIN:-4}
GROUP=20

require_serval
need_built BENCH SERVAL_BENCH tests/bench/serval-bench
need_cmd curl curl
e2e_out serval-soak-hostile

NET=$((($$ % 200) + 20))
S=shs$$ C=shc$$ A=sha$$ W=shw$$
SRV_C=10.$NET.1.1 SRV_A=10.$NET.2.1 SRV_W=10.$NET.3.1
STOP=$out/stop
LOOP_PIDS=()
stop_all() {
  local pid
  touch "$STOP"
  for pid in "${LOOP_PIDS[@]}" ${BENCH_PID:-} ${SAMPLER_PID:-}; do kill "$pid" 2>/dev/null; done
  e2e_cleanup
}
trap stop_all EXIT
star_ns "$NET" "vh$$" "$S" "$C" "$A" "$W"
note "load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $CLIENTS clients for $SOAK_SECONDS s"

# The clients' users with few PBKDF2 iterations (the soak is about churn; a login
# with the password still costs the server its hash), and one user for the guessers
# with the server's default.
PW=pw-churn-$$
"$BENCH" populate --data-dir "$data" --prefix churn --vlan churn --group "$GROUP" --clients "$CLIENTS" \
  --password "$PW" --iterations 10000 >/dev/null 2>"$out/populate.log" \
  || bail "serval-bench populate failed: $(tail -2 "$out/populate.log")"
add_users "$data" "$out" victim
echo "not-the-password" >"$out/wrong.pw"
FP=$("$SERVER" --data-dir "$data" fingerprint 2>>"$out/populate.log") || bail "cannot read the fingerprint"

# Small deadlines, so that the attackers' links come and go many times. Password
# checks per address: 64 a minute rather than 5, because the 200 clients share one
# address and their first logins overlap; the guessers, at another, meet the limit.
# shellcheck disable=SC2016 # the inner bash expands them
ip netns exec "$S" bash -c 'ulimit -n "$(ulimit -Hn)" && exec "$@"' server "$SERVER" --data-dir "$data" \
  --listen 0.0.0.0:7465 --http 0.0.0.0:9465 --login-timeout 10 --message-timeout 5 --http-timeout 5 \
  --max-failed-logins 64 >"$out/server.log" 2>&1 &
SERVER_PID=$!
E2E_PIDS+=("$SERVER_PID")
wait_for 10 in_ns "$S" curl -sf -m 2 http://127.0.0.1:9465/healthz || bail "serval-server did not start: $(tail -5 "$out/server.log")"
# The server itself, not the bash that became it: the same pid after exec.
tap_ok "serval-server runs (pid $SERVER_PID)"

metric() { in_ns "$S" curl -s -m 5 http://127.0.0.1:9465/metrics | awk -v m="$1" '$1 == m {print $2}'; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null; }
fds() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$SERVER_PID/stat" 2>/dev/null; }
status() { awk -v k="$1" '$1 == k { print $2 }' "$out/churn.status" 2>/dev/null; }
attacks() { cat "$out"/attacks-*.count 2>/dev/null | wc -l; }

fd_start=$(fds) rss_start=$(rss_kib) cpu_start=$(cpu_s)
note "at the start: $fd_start fds, RSS $rss_start KiB"

# The sampler: one line every SAMPLE s until the script ends.
PHASE=$out/phase
echo login >"$PHASE"
echo "t_s,phase,rss_kib,fds,links,online,joins,leaves,logins,attacks" >"$out/samples.csv"
(
  t0=$(now_ms)
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    echo "$((($(now_ms) - t0) / 1000)),$(cat "$PHASE"),$(rss_kib),$(fds),$(metric serval_clients_connected),$(status online),$(status joins),$(status leaves),$(status logins),$(attacks)" \
      >>"$out/samples.csv"
    sleep "$SAMPLE"
  done
) &
SAMPLER_PID=$!

# --- the clients ----------------------------------------------------------------------
ip netns exec "$C" "$BENCH" churn --server "$SRV_C:7465" --fingerprint "$FP" --prefix churn --vlan churn \
  --group "$GROUP" --clients "$CLIENTS" --password "$PW" --concurrency 16 --seconds "$SOAK_SECONDS" \
  --rate 200 --churn-interval 10 --hostile-interval 2 --server-pid "$SERVER_PID" \
  --status-file "$out/churn.status" --csv "$out/churn.csv" 2>"$out/churn.log" &
BENCH_PID=$!
all_online() { [ "$(status online)" = "$CLIENTS" ]; }
check "all $CLIENTS clients log in and join" wait_for 60 all_online

# --- the attackers --------------------------------------------------------------------
# attack NAME NS COMMAND...: COMMAND again and again (each run at most 90 s) until the
# soak ends; every run is one line in attacks-NAME.count.
attack() {
  local name=$1 ns=$2; shift 2
  (
    while [ ! -e "$STOP" ]; do
      timeout 90 ip netns exec "$ns" "$@" >>"$out/attack-$name.out" 2>&1
      echo x >>"$out/attacks-$name.count"
      sleep 0.5
    done
  ) &
  LOOP_PIDS+=("$!")
}
py() { echo python3 "$here/../e2e/$1"; }
echo churn >"$PHASE"
start=$SECONDS
# shellcheck disable=SC2046 # py prints words on purpose
{
  attack slowloris "$A" $(py prelogin.py) "$SRV_A" 7465 slowloris 20 4096 15
  attack noread "$A" $(py prelogin.py) "$SRV_A" 7465 noread 30
  attack chatter "$A" $(py prelogin.py) "$SRV_A" 7465 chatter 30
  attack bomb "$A" $(py prelogin.py) "$SRV_A" 7465 bomb
  # shellcheck disable=SC2016 # the inner bash expands them
  attack badpeer "$A" bash -c 'for k in garbage oversized truncated zero deep; do "$@" "$k"; done' _ \
    $(py badpeer.py) "$SRV_A" 7465
  attack holdconns "$A" timeout 20 $(py holdconns.py) "$SRV_A" 7465 100
  attack silentconns "$A" timeout 15 $(py silentconns.py) "$SRV_A" 7465 20
  attack halfhttp "$A" $(py halfhttp.py) "$SRV_A" 9465 10 20
}
attack wrongpw "$W" timeout 30 "$CTL" --server "$SRV_W:7465" --user victim --password-file "$out/wrong.pw" \
  --fingerprint "$FP" vlans

# The soak: the clients churn for SOAK_SECONDS and then leave by themselves; the
# attackers stop at the same time.
while [ $((SECONDS - start)) -lt "$SOAK_SECONDS" ] && kill -0 "$SERVER_PID" 2>/dev/null; do sleep 1; done
touch "$STOP"
echo drain >"$PHASE"
cpu_churn=$(cpu_s)
# serval-bench ends its churn by itself (it began it a little later than this loop);
# SIGTERM only if it has not after a generous safety net.
bench_gone() { ! kill -0 "$BENCH_PID" 2>/dev/null; }
wait_for 60 bench_gone || { note "serval-bench churn had not ended: SIGTERM"; kill "$BENCH_PID"; }
wait "$BENCH_PID"
bench_rc=$?
BENCH_PID=
for pid in "${LOOP_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
LOOP_PIDS=()
note "$(grep '^churn: [0-9]* s' "$out/churn.log")"

# --- the end --------------------------------------------------------------------------
check "the server is alive" kill -0 "$SERVER_PID"
check "serval-bench churn: every client online at the end, no failed step, no host name with control characters taken (status $bench_rc)" \
  test "$bench_rc" -eq 0
check "no host name with control characters was taken" \
  test "$(awk -F, '$7 == "evil_taken" { print $8 }' "$out/churn.csv")" = 0
links_gone() { [ "$(metric serval_clients_connected)" = 0 ]; }
fds_back() { [ "$(fds)" -le $((fd_start + FD_MARGIN)) ]; }
check "once the clients have left and the attackers stopped, the server holds no link" wait_for 30 links_gone
check "...and its open fds are back within $FD_MARGIN of the start ($fd_start)" wait_for 30 fds_back
sleep "$SAMPLE" # one more sample, at rest
kill "$SAMPLER_PID" 2>/dev/null
wait "$SAMPLER_PID" 2>/dev/null
SAMPLER_PID=

# RSS: the peak of the churn's second half against the peak of its first half.
read -r rss_peak1 rss_peak2 fd_peak t_first t_last < <(awk -F, '
  NR > 1 && $2 == "churn" { n++; t[n] = $1; r[n] = $3; if ($4 > fp) fp = $4 }
  END {
    for (i = 1; i <= n; i++) {
      if (t[i] - t[1] < (t[n] - t[1]) / 2) { if (r[i] > p1) p1 = r[i] } else if (r[i] > p2) p2 = r[i]
    }
    print p1 + 0, p2 + 0, fp + 0, t[1] + 0, t[n] + 0
  }' "$out/samples.csv")
growth=$((rss_peak2 - rss_peak1))
fd_end=$(fds) rss_end=$(rss_kib) cpu_end=$(cpu_s)
half_ops=$(awk -F, -v from=$(((t_first + t_last) / 2)) '
  NR > 1 && $2 == "churn" { if ($1 >= from && !s) { s = 1; a = $7 + $8 + $9 + $10 } z = $7 + $8 + $9 + $10 }
  END { print z - a }' "$out/samples.csv")
note "fds: start $fd_start, peak $fd_peak, end $fd_end"
note "RSS (KiB): start $rss_start, peak of the first half $rss_peak1, of the second half $rss_peak2 ($growth), end $rss_end, VmHWM $(hwm_kib)"
note "second half: $half_ops joins, leaves, logins and attack runs: a leak of $((RSS_BOUND_KIB * 1024 / (half_ops > 0 ? half_ops : 1))) bytes each would reach the bound"
note "server CPU: $(awk -v a="$cpu_start" -v b="$cpu_churn" 'BEGIN { printf "%.1f", b - a }') s during the churn, $cpu_end s in all"
for f in "$out"/attacks-*.count; do note "attack ${f##*/attacks-}: $(wc -l <"$f") runs"; done
note "attack runs in all: $(attacks)"
note "the server's log: $(wc -l <"$out/server.log") lines; warnings and criticals: $(grep -c -i 'warning\|critical' "$out/server.log")"
check "the RSS peak of the second half exceeds the first half's by less than $RSS_BOUND_KIB KiB ($growth KiB)" \
  test "$growth" -lt "$RSS_BOUND_KIB"
if command -v gnuplot >/dev/null; then
  gnuplot -e "in='$out/samples.csv'; out='$out/soak-hostile.png'" "$here/soak-hostile.gp" 2>>"$out/checks.log" \
    && note "plot: $out/soak-hostile.png"
fi
e2e_finish
