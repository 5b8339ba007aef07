#!/usr/bin/env bash
# serval-bench against a real serval-server on loopback: makes a data dir with
# users, starts the server on 127.0.0.1 at a free port, runs the modes of
# serval-bench (throughput at 64 and 1400 bytes, latency at a few offered
# rates, idle memory per client, logins per second), each REPS times, and
# writes into OUT: results.csv (every figure), medians.csv, gnuplot PNG plots
# (serval-bench-*.png) and summary.md.
#
#   tests/bench/run-serval-bench.sh              full run (about 15 minutes)
#   QUICK=1 tests/bench/run-serval-bench.sh      small counts, under a minute, for CI
#   SUMMARY_ONLY=1 OUT=dir tests/bench/run-serval-bench.sh   summary and plots of a finished run again
#
# Settings (environment): OUT=dir REPS=3 SECONDS_T=5 TP_CLIENTS="2 4 8 16"
#   SIZES="64 1400" LAT_RATES="1000 10000 100000 300000" LAT_CLIENTS=4
#   IDLE_COUNTS="100 1000 5000 10000" IDLE_REPS=REPS IDLE_GROUP=50 IDLE_ITER=1000
#   IDLE_FLAT=1000 (one-VLAN comparison; empty: none)
#   LOGIN_N=200 LOGIN_CONC="1 4 16 64"
#   LOGIN_TOKEN_N=2000 LOGIN_TOKEN_CONC="4 16 64" (logins with resume tokens; empty: none)
#   Issue 17, each on a fresh server, clients that keep no member lists (bare links):
#   SCALE_COUNTS="10000 19000" idle clients in VLANs of IDLE_GROUP, held SCALE_HOLD=12 s
#     (two keepalive intervals and more) for the server's CPU while idle;
#   BIG_VLAN_COUNTS="2000 10000" idle clients all in ONE VLAN (every join is an event
#     to every member); SCALE_LOOPBACKS=4: clients spread over 127.0.0.1..4 (the server
#     then listens on 0.0.0.0 at a random port for those runs; 1: 127.0.0.1 only);
#   BIG_VLAN_KEEP_COUNTS="2000": the same with clients that keep every member list
#     (serval-bench --keep-members, as before issue 17): what the generator cost.
#   Issue 17, reconnect storm: STORM_COUNTS="2000 10000" bare clients (VLANs of IDLE_GROUP)
#     and an active pair; serval-bench storm restarts the server and measures the return.
#     STORM_CASES="lifted spread nat natpw" (QUICK: "spread nat natpw"): lifted, the
#     server's per-address limits raised (--max-failed-logins, --max-handshakes-per-address,
#     --max-unauthenticated-per-address 100000) and every client from 127.0.0.1; spread,
#     the server's default limits and the clients spread over STORM_SOURCES=250 source
#     addresses 127.0.0.x; nat, the default limits and every client from 127.0.0.1 (a
#     large office behind one NAT address); natpw, as nat with STORM_PASSWORD_SHARE=0.1 of
#     the clients coming back with the password (their tokens expired). STORM_QUIET=5 s
#     of quiet pings before the restart. STORM_ONLY=1: only these runs (the bench
#     suite's short form; QUICK=1 runs them only with STORM_ONLY=1).
#   The open-file limit caps a run: the server and serval-bench each need one
#   descriptor per client; counts past the hard limit are not run (and say so).
#   SERVAL_SERVER=path SERVAL_BENCH=path (default: build/); an empty list (TP_CLIENTS= ) skips that mode
# Output is TAP: in QUICK mode it fails only when the tool or the server is
# broken (a run that does not finish or measures nothing), never for slow figures.
#
# PBKDF2: users for throughput, latency and logins are made with the server's
# default 100,000 iterations, so logins are measured at their real cost. The
# idle users are made with IDLE_ITER (default 1,000) iterations, only so that
# 10,000 of them log in within minutes: memory per connected client does not
# depend on it. "serval-bench populate" hashes each password once for all
# users of a run (same salt); the server still does the full PBKDF2 at login.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
QUICK=${QUICK:-0}

if [ "$QUICK" = 1 ]; then
  REPS=${REPS:-1} SECONDS_T=${SECONDS_T:-1} WARMUP=${WARMUP:-0.3}
  TP_CLIENTS=${TP_CLIENTS-"2 4"} SIZES=${SIZES-"64 1400"}
  LAT_RATES=${LAT_RATES-"1000 10000"} LAT_CLIENTS=${LAT_CLIENTS:-2}
  IDLE_COUNTS=${IDLE_COUNTS-"20 50"} IDLE_FLAT=${IDLE_FLAT-}
  LOGIN_N=${LOGIN_N:-10} LOGIN_CONC=${LOGIN_CONC-"1 4"}
  LOGIN_TOKEN_N=${LOGIN_TOKEN_N:-20} LOGIN_TOKEN_CONC=${LOGIN_TOKEN_CONC-"4"}
  SCALE_COUNTS=${SCALE_COUNTS-"200"} BIG_VLAN_COUNTS=${BIG_VLAN_COUNTS-"100"}
  SCALE_HOLD=${SCALE_HOLD:-2} SCALE_LOOPBACKS=${SCALE_LOOPBACKS:-1} BIG_VLAN_KEEP_COUNTS=${BIG_VLAN_KEEP_COUNTS-"50"}
  # The storm in its short form only with STORM_ONLY=1 (its own test in the bench suite).
  STORM_COUNTS=${STORM_COUNTS-$([ "${STORM_ONLY:-0}" = 1 ] && echo 200)}
  STORM_QUIET=${STORM_QUIET:-1} STORM_CASES=${STORM_CASES-"spread nat natpw"}
else
  REPS=${REPS:-3} SECONDS_T=${SECONDS_T:-5} WARMUP=${WARMUP:-1}
  TP_CLIENTS=${TP_CLIENTS-"2 4 8 16"} SIZES=${SIZES-"64 1400"}
  LAT_RATES=${LAT_RATES-"1000 10000 100000 300000"} LAT_CLIENTS=${LAT_CLIENTS:-4}
  IDLE_COUNTS=${IDLE_COUNTS-"100 1000 5000 10000"} IDLE_FLAT=${IDLE_FLAT-1000}
  LOGIN_N=${LOGIN_N:-200} LOGIN_CONC=${LOGIN_CONC-"1 4 16 64"}
  LOGIN_TOKEN_N=${LOGIN_TOKEN_N:-2000} LOGIN_TOKEN_CONC=${LOGIN_TOKEN_CONC-"4 16 64"}
  SCALE_COUNTS=${SCALE_COUNTS-"10000 19000"} BIG_VLAN_COUNTS=${BIG_VLAN_COUNTS-"2000 10000"}
  SCALE_HOLD=${SCALE_HOLD:-12} SCALE_LOOPBACKS=${SCALE_LOOPBACKS:-4} BIG_VLAN_KEEP_COUNTS=${BIG_VLAN_KEEP_COUNTS-"2000"}
  STORM_COUNTS=${STORM_COUNTS-"2000 10000"} STORM_QUIET=${STORM_QUIET:-5}
fi
STORM_CASES=${STORM_CASES-"lifted spread nat natpw"} STORM_SOURCES=${STORM_SOURCES:-250}
STORM_PASSWORD_SHARE=${STORM_PASSWORD_SHARE:-0.1}
if [ "${STORM_ONLY:-0}" = 1 ]; then
  TP_CLIENTS= LAT_RATES= IDLE_COUNTS= IDLE_FLAT= LOGIN_CONC= LOGIN_TOKEN_CONC= SCALE_COUNTS= BIG_VLAN_COUNTS=
  BIG_VLAN_KEEP_COUNTS= MEMBER_EVENT_JOINS=
fi
IDLE_HOLD=${IDLE_HOLD:-$([ "$QUICK" = 1 ] && echo 1 || echo 5)}
IDLE_REPS=${IDLE_REPS:-$REPS} IDLE_GROUP=${IDLE_GROUP:-50} IDLE_ITER=${IDLE_ITER:-1000}

need_cmd python3 python3
command -v gnuplot >/dev/null || bail "cannot run: gnuplot is missing for the plots (apt-get install gnuplot-nox)"

out=${OUT:-$(mktemp -d /tmp/serval-bench.XXXXXX)}
mkdir -p "$out" || bail "cannot create $out"
out=$(cd "$out" && pwd)
csv=$out/results.csv
if [ "${SUMMARY_ONLY:-0}" != 1 ]; then
need_built SERVER SERVAL_SERVER server/serval-server
need_built BENCH SERVAL_BENCH tests/bench/serval-bench
rm -f "$csv"
data=$(mktemp -d /tmp/serval-bench-data.XXXXXX)
SPID=
stop_server() {
  if [ -n "$SPID" ]; then
    kill "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
    SPID=
  fi
}
cleanup() { stop_server; rm -rf "$data"; }
trap cleanup EXIT

# The server holds one socket per client: give it the most this shell may.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
note "open-file limit for the server and serval-bench: $(ulimit -n)"
note "load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADDR=127.0.0.1:$PORT
max_clients=16
for n in $TP_CLIENTS $LAT_CLIENTS $LOGIN_N $LOGIN_TOKEN_N; do [ "$n" -gt "$max_clients" ] && max_clients=$n; done
max_idle=0
for n in $IDLE_COUNTS $IDLE_FLAT $SCALE_COUNTS $BIG_VLAN_COUNTS; do [ "$n" -gt "$max_idle" ] && max_idle=$n; done

"$BENCH" populate -d "$data" --prefix bench --clients "$max_clients" --csv "$out/populate.csv" \
  2>>"$out/bench.log" || bail "serval-bench populate failed: see $out/bench.log"
if [ "$max_idle" -gt 0 ]; then
  "$BENCH" populate -d "$data" --prefix idle --vlan idle --clients "$max_idle" --group "$IDLE_GROUP" \
    --iterations "$IDLE_ITER" --csv "$out/populate.csv" 2>>"$out/bench.log" \
    || bail "serval-bench populate (idle users) failed: see $out/bench.log"
fi
FP=$("$SERVER" --data-dir "$data" fingerprint) || bail "cannot read the server's fingerprint"

server_n=0
start_server() {
  stop_server
  server_n=$((server_n + 1))
  "$SERVER" --data-dir "$data" --listen "${1:-$ADDR}" --max-failed-logins 100000 --max-unauthenticated-per-address 100000 >"$out/server.log.$server_n" 2>&1 &
  SPID=$!
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" \
    || bail "serval-server did not start on $ADDR: $(tail -3 "$out/server.log.$server_n")"
}

PARTIAL_RUNS=0
# bench LABEL MODE ARGS...: one serval-bench run; a TAP line for whether it worked
bench() {
  local label=$1 mode=$2; shift 2
  local rc
  "$BENCH" "$mode" --server "$ADDR" --fingerprint "$FP" ${SPID:+--server-pid "$SPID"} --csv "$csv" \
    --label "$label" "$@" 2>>"$out/bench.log"
  rc=$?
  if [ "$rc" = 0 ]; then
    tap_ok "$mode $* (run $label): $(tail -1 "$out/bench.log")"
  elif [ "$rc" = 2 ] && [ "$QUICK" != 1 ]; then
    # Some clients failed under load: a result (counted in the CSV), not a broken tool.
    PARTIAL_RUNS=$((PARTIAL_RUNS + 1))
    tap_ok "$mode $* (run $label), some clients failed: $(grep -v '^  ' "$out/bench.log" | tail -2 | tr '\n' ' ')"
  else
    tap_fail "$mode $* (run $label) failed: $(tail -3 "$out/bench.log" | tr '\n' ' ')"
  fi
}

start_time=$SECONDS
start_server
for r in $(seq "$REPS"); do
  for size in $SIZES; do
    for n in $TP_CLIENTS; do
      bench "$r" throughput --clients "$n" --size "$size" --seconds "$SECONDS_T" --warmup "$WARMUP"
    done
  done
  for rate in $LAT_RATES; do
    bench "$r" latency --clients "$LAT_CLIENTS" --rate "$rate" --size 64 --seconds "$SECONDS_T" --warmup "$WARMUP"
  done
  for c in $LOGIN_CONC; do
    bench "$r" logins --clients "$LOGIN_N" --concurrency "$c"
  done
  # Each client logs in once with its password (not measured), then the
  # measured logins present the resume token: a reconnect storm.
  # The same with full TLS handshakes: what resuming the TLS session saves.
  for c in $LOGIN_TOKEN_CONC; do
    bench "$r" logins --tokens --clients "$LOGIN_TOKEN_N" --concurrency "$c"
    bench "$r" logins --tokens --no-tls-resume --clients "$LOGIN_TOKEN_N" --concurrency "$c"
  done
done
# fits N: true if N idle clients fit in the memory available, judged by the
# KiB per client (server + serval-bench) that the last idle run measured.
: >"$out/notrun.txt"
fits() {
  local n=$1 per avail need
  per=$(python3 -c '
import csv, sys
v = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["mode"] == "idle" and r["metric"] in ("server_kib_per_client", "bench_kib_per_client"):
        v[r["metric"]] = float(r["value"])
print(int(sum(v.values())))' "$csv" 2>/dev/null || echo 0)
  avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
  need=$((n * ${per:-0} * 12 / 10))
  if [ "$need" -gt "$avail" ]; then
    grep -q "^- idle with $n clients:" "$out/notrun.txt" ||
      echo "- idle with $n clients: not run; at the measured $per KiB per client (server and serval-bench together) it would need $((need / 1048576)) GiB, and $((avail / 1048576)) GiB are available" >>"$out/notrun.txt"
    note "idle with $n clients not run: it would need $((need / 1048576)) GiB of $((avail / 1048576)) GiB available"
    return 1
  fi
}
# Idle: a fresh server for each run, so that "before" is a server with no client.
for r in $(seq "$IDLE_REPS"); do
  for n in $IDLE_COUNTS; do
    fits "$n" || continue
    start_server
    bench "$r" idle --prefix idle --vlan idle --group "$IDLE_GROUP" --clients "$n" --concurrency 64 --seconds "$IDLE_HOLD"
  done
done
if [ -n "$IDLE_FLAT" ] && fits "$IDLE_FLAT"; then
  start_server
  bench flat idle --prefix idle --vlan idle --group 0 --clients "$IDLE_FLAT" --concurrency 64 --seconds "$IDLE_HOLD"
fi
# Issue 17: the server's memory, keepalive CPU and login time with clients that keep
# no member lists; then everyone in one VLAN. One descriptor per client on each side.
fd_room=$(( $(ulimit -n) - 300 ))
scale_listen=$ADDR
[ "$SCALE_LOOPBACKS" -gt 1 ] && scale_listen=0.0.0.0:$PORT
scale_run() {
  local label=$1 group=$2 n=$3; shift 3
  if [ "$n" -gt "$fd_room" ]; then
    echo "- $label with $n clients: not run; the open-file limit here is $(ulimit -n) (hard $(ulimit -Hn)) and each side needs one descriptor per client" >>"$out/notrun.txt"
    note "$label with $n clients not run: open-file limit $(ulimit -n)"
    return
  fi
  fits "$n" || return
  start_server "$scale_listen"
  bench "$label" idle --prefix idle --vlan idle --group "$group" --clients "$n" --concurrency 64 \
    --loopbacks "$SCALE_LOOPBACKS" --seconds "$SCALE_HOLD" --timeout $((120 + n / 10)) "$@"
}
for n in $SCALE_COUNTS; do scale_run scale "$IDLE_GROUP" "$n"; done
for n in $BIG_VLAN_COUNTS; do scale_run vlan 0 "$n"; done
for n in $BIG_VLAN_KEEP_COUNTS; do scale_run vlankeep 0 "$n" --keep-members; done
stop_server
# Issue 17, member events: messages and bytes a member receives when N others join its VLAN in a
# burst, and join latency in that VLAN (bench-member-events: its own server, in one process).
MEMBER_EVENT_JOINS=${MEMBER_EVENT_JOINS-$([ "$QUICK" = 1 ] && echo 100 || echo "1000 2000")}
if [ -n "$MEMBER_EVENT_JOINS" ]; then
  need_built MEMBER_EVENTS SERVAL_BENCH_MEMBER_EVENTS tests/bench-member-events
  for n in $MEMBER_EVENT_JOINS; do
    if "$MEMBER_EVENTS" "$n" 20 >"$out/member-events-$n.txt" 2>"$out/member-events-$n.err"; then
      grep -v '^#' "$out/member-events-$n.txt" | while read -r k v; do note "member events, $n joins: $k $v"; done
    else
      tap_fail "bench-member-events $n failed: $(tail -2 "$out/member-events-$n.err" | tr '\n' ' ')"
    fi
  done
fi
# Issue 17, reconnect storm: serval-bench runs the server itself (it stops and starts it),
# on a port of its own, with /metrics for the refusal counters.
max_storm=0
for n in $STORM_COUNTS; do [ "$n" -gt "$max_storm" ] && max_storm=$n; done
if [ "$max_storm" -gt 0 ] && [ -n "$STORM_CASES" ]; then
  "$BENCH" populate -d "$data" --prefix storm --vlan storm --clients $((max_storm + 2)) --group "$IDLE_GROUP" \
    --iterations "$IDLE_ITER" --csv "$out/populate.csv" 2>>"$out/bench.log" \
    || bail "serval-bench populate (storm users) failed: see $out/bench.log"
  SPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  for n in $STORM_COUNTS; do
    if [ $((n + 300)) -gt "$(ulimit -n)" ]; then
      echo "- storm with $n clients: not run; the open-file limit here is $(ulimit -n) and each side needs one descriptor per client" >>"$out/notrun.txt"
      note "storm with $n clients not run: open-file limit $(ulimit -n)"
      continue
    fi
    for c in $STORM_CASES; do
      limits= sources=0 share=0
      case $c in
        lifted) limits="--max-failed-logins 100000 --max-handshakes-per-address 100000 --max-unauthenticated-per-address 100000" ;;
        spread) sources=$STORM_SOURCES ;;
        nat) ;;
        natpw) share=$STORM_PASSWORD_SHARE ;;
        *) bail "unknown storm case $c (use lifted, spread, nat or natpw)" ;;
      esac
      # The first logins (passwords) 4 at a time: below the default limit of 5 password
      # logins in flight per address, so that the default limits let every client in.
      bench "$c" storm --server "127.0.0.1:$SPORT" --prefix storm --vlan storm --group "$IDLE_GROUP" \
        --clients "$n" --concurrency 4 --sources "$sources" --password-share "$share" --seconds "$STORM_QUIET" \
        --server-command "$SERVER --data-dir $data --listen 127.0.0.1:$SPORT --http 127.0.0.1:$HPORT $limits" \
        --server-log "$out/server-storm-$c-$n.log" --metrics "127.0.0.1:$HPORT" --series "$out/storm-$c-$n.csv" \
        --timeout $((120 + n / 20))
    done
  done
fi
note "measuring took $((SECONDS - start_time)) s; load after: $(cut -d' ' -f1-3 /proc/loadavg); $PARTIAL_RUNS runs had clients that failed under load"
else
  [ -s "$csv" ] || bail "SUMMARY_ONLY=1 needs OUT=dir of a finished run (no $csv)"
fi

# Medians, plot data and summary.md.
python3 - "$csv" "$out" "$IDLE_GROUP" "$IDLE_ITER" "$REPS" "$QUICK" <<'PY' || bail "cannot summarize $csv"
import csv, collections, os, statistics, sys
path, out, group, idle_iter, reps, quick = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
vals = collections.defaultdict(list)
for r in rows:
    tag = {"flat": "-flat", "scale": "-scale", "vlan": "-vlan", "vlankeep": "-vlankeep"}.get(r["run"], "")
    if r["mode"] == "storm":
        tag = "-" + r["run"]
    key = (r["mode"] + tag, int(r["clients"]), int(r["size"]), int(r["rate"]),
           int(r["concurrency"]), r["metric"])
    vals[key].append(float(r["value"]))
med = {k: statistics.median(v) for k, v in vals.items()}
n = {k: len(v) for k, v in vals.items()}
with open(os.path.join(out, "medians.csv"), "w") as f:
    f.write("mode,clients,size,rate,concurrency,metric,median,n,min,max\n")
    for k in sorted(med):
        f.write(",".join(map(str, k)) + f",{med[k]:.6g},{n[k]},{min(vals[k]):.6g},{max(vals[k]):.6g}\n")

def keys(mode, **fix):
    names = ("clients", "size", "rate", "concurrency")
    return sorted({k[:5] for k in med if k[0] == mode and all(k[1 + names.index(a)] == v for a, v in fix.items())})

def get(k, metric, default=float("nan")):
    return med.get(k + (metric,), default)

md = []
md.append(f"# serval-bench results ({'QUICK, ' if quick == '1' else ''}medians of {reps} runs unless noted)\n")
md.append("Many simulated clients in one process (the engine without TAP) against a real "
          "serval-server on 127.0.0.1, TLS 1.3 over TCP.\n")
md.append("## Switched frames per second (N/2 sender/receiver pairs in one VLAN)\n")
md.append("| frame | clients | received kframes/s | Gbit/s | refused by the link /s | lost | bench CPU | server CPU |")
md.append("|---|---|---|---|---|---|---|---|")
sizes = sorted({k[2] for k in keys("throughput")})
for s in sizes:
    with open(os.path.join(out, f"throughput-{s}.dat"), "w") as d:
        for k in keys("throughput", size=s):
            fps, gb = vals[k + ("rx_fps",)], vals[k + ("rx_gbps",)]
            d.write(f"{k[1]} {get(k, 'rx_fps') / 1e3:.3f} {get(k, 'rx_gbps'):.4f} "
                    f"{min(fps) / 1e3:.3f} {max(fps) / 1e3:.3f} {min(gb):.4f} {max(gb):.4f}\n")
            md.append(f"| {s} B | {k[1]} | {get(k, 'rx_fps') / 1e3:.0f} | {get(k, 'rx_gbps'):.2f} | "
                      f"{get(k, 'refused_per_s'):.0f} | {get(k, 'lost_total'):.0f} | "
                      f"{get(k, 'bench_cpu_util'):.2f} | {get(k, 'server_cpu_util'):.2f} |")
md.append("\n## One-way latency under load (64-byte frames; µs)\n")
md.append("| clients | offered frames/s | received frames/s | p50 | p90 | p99 | p99.9 | max | lost | server CPU |")
md.append("|---|---|---|---|---|---|---|---|---|---|")
with open(os.path.join(out, "latency.dat"), "w") as d:
    for k in keys("latency"):
        p = [get(k, m) for m in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us")]
        d.write(f"{k[3]} " + " ".join(f"{x:.1f}" for x in p) + "\n")
        md.append(f"| {k[1]} | {k[3]} | {get(k, 'rx_fps'):.0f} | " + " | ".join(f"{x:.0f}" for x in p) +
                  f" | {get(k, 'lost_total'):.0f} | {get(k, 'server_cpu_util'):.2f} |")
md.append(f"\n## Memory per connected idle client (VLANs of {group} members; users with {idle_iter} PBKDF2 iterations)\n")
md.append("| clients | online (median) | failed (median) | server VmRSS before MiB | after MiB | VmHWM MiB | server KiB per client | bench KiB per client | logins/s while connecting | server CPU ms per login |")
md.append("|---|---|---|---|---|---|---|---|---|---|")
for mode in ("idle", "idle-flat"):
    ks = keys(mode)
    if mode == "idle":
        d = open(os.path.join(out, "idle.dat"), "w")
    for k in ks:
        online = get(k, "online")
        cpu_ms = get(k, "server_cpu_s") * 1e3 / online if online else float("nan")
        label = f"{k[1]}" + (" (one VLAN, 1 run)" if mode == "idle-flat" else "")
        md.append(f"| {label} | {online:.0f} | {get(k, 'failed'):.0f} | {get(k, 'server_rss_before_kib') / 1024:.1f} | "
                  f"{get(k, 'server_rss_after_kib') / 1024:.1f} | {get(k, 'server_hwm_after_kib') / 1024:.1f} | "
                  f"{get(k, 'server_kib_per_client'):.1f} | {get(k, 'bench_kib_per_client'):.1f} | "
                  f"{get(k, 'logins_per_s'):.0f} | {cpu_ms:.1f} |")
        if mode == "idle":
            d.write(f"{k[1]} {get(k, 'server_kib_per_client'):.2f} {get(k, 'server_rss_after_kib') / 1024:.2f}\n")
    if mode == "idle":
        d.close()
notrun = open(os.path.join(out, "notrun.txt")).read().strip() if os.path.exists(os.path.join(out, "notrun.txt")) else ""
if notrun:
    md.append("\n" + notrun)
md.append(f"\n## Issue 17: idle clients that keep no member lists (VLANs of {group}, and all in one VLAN)\n")
md.append("| case | clients | online | time for all to log in and join, s | server KiB per client | server VmRSS after MiB | server CPU while idle, % of a core | bench CPU s | bench KiB per client | member events received |")
md.append("|---|---|---|---|---|---|---|---|---|---|")
with open(os.path.join(out, "scale.dat"), "w") as d:
    for mode, case in (("idle-scale", f"VLANs of {group}"), ("idle-vlan", "one VLAN"),
                       ("idle-vlankeep", "one VLAN, clients keep member lists (--keep-members)")):
        for k in keys(mode):
            md.append(f"| {case} | {k[1]} | {get(k, 'online'):.0f} | {get(k, 'connect_seconds'):.1f} | "
                      f"{get(k, 'server_kib_per_client'):.1f} | {get(k, 'server_rss_after_kib') / 1024:.1f} | "
                      f"{get(k, 'server_idle_cpu') * 100:.2f} | {get(k, 'bench_cpu_s'):.1f} | "
                      f"{get(k, 'bench_kib_per_client'):.1f} | {get(k, 'member_events'):.0f} |")
            if mode == "idle-vlankeep":
                continue
            d.write(f"{1 if mode == 'idle-scale' else 2} {k[1]} {get(k, 'server_kib_per_client'):.2f} "
                    f"{get(k, 'connect_seconds'):.2f} {get(k, 'server_idle_cpu') * 100:.3f}\n")
md.append("\n## Logins (connect + TLS handshake + login: with the password, 100,000 PBKDF2 iterations, or with a resume token; with the token, the TLS session resumed with a ticket or a full handshake)\n")
md.append("| login | clients | concurrency | logins/s | p50 ms | p99 ms | max ms | server CPU ms per login | bench CPU ms per login | failed |")
md.append("|---|---|---|---|---|---|---|---|---|---|")
for mode, dat, kind in (("logins", "logins.dat", "password"), ("logins-token", "logins-token.dat", "token + TLS resumed"),
                        ("logins-token-full", "logins-token-full.dat", "token, full TLS handshake")):
  with open(os.path.join(out, dat), "w") as d:
    for k in keys(mode):
        d.write(f"{k[4]} {get(k, 'logins_per_s'):.2f} {get(k, 'p50_ms'):.2f} {get(k, 'p99_ms'):.2f}\n")
        md.append(f"| {kind} | {k[1]} | {k[4]} | {get(k, 'logins_per_s'):.1f} | {get(k, 'p50_ms'):.0f} | "
                  f"{get(k, 'p99_ms'):.0f} | {get(k, 'max_ms'):.0f} | {get(k, 'server_cpu_ms_per_login'):.1f} | "
                  f"{get(k, 'bench_cpu_ms_per_login'):.1f} | "
                  f"{get(k, 'failed'):.0f} |")
storm_cases = (("storm-lifted", "limits raised, all from 127.0.0.1"), ("storm-spread", "default limits, 250 source addresses"),
               ("storm-nat", "default limits, all from 127.0.0.1 (one NAT)"),
               ("storm-natpw", "the same, 10 % with the password (tokens expired)"))
if any(keys(m) for m, _ in storm_cases):
    md.append(f"\n## Issue 17: reconnect storm (server restarted with SIGTERM; clients in VLANs of {group}; times from SIGTERM)\n")
    md.append("| case | clients | back | server down s | per client p50 s | max s | last after new server s | returns/s | token logins | password logins | tries closed early | rateLimited (with a token) | not accepted | pair RTT quiet p50/p99 µs | storm p50/p99 µs | ratio p50/p99 | server refused (unauth/handshakes/full) | server CPU s | bench CPU s |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for mode, case in storm_cases:
        for k in keys(mode):
            md.append(f"| {case} | {k[1]} | {get(k, 'back'):.0f}/{get(k, 'online_before'):.0f} | {get(k, 'server_down_ms') / 1e3:.2f} | "
                      f"{get(k, 'back_p50_ms') / 1e3:.2f} | {get(k, 'back_max_ms') / 1e3:.2f} | {get(k, 'last_back_after_spawn_ms') / 1e3:.2f} | "
                      f"{get(k, 'accepts_per_s'):.0f} | {get(k, 'logins_token'):.0f} | {get(k, 'logins_password'):.0f} | "
                      f"{get(k, 'tries_closed_early'):.0f} | {get(k, 'tries_rate_limited'):.0f} ({get(k, 'tries_rate_limited_token'):.0f}) | {get(k, 'tries_connect_failed'):.0f} | "
                      f"{get(k, 'rtt_quiet_p50_us'):.0f}/{get(k, 'rtt_quiet_p99_us'):.0f} | {get(k, 'rtt_storm_p50_us'):.0f}/{get(k, 'rtt_storm_p99_us'):.0f} | "
                      f"{get(k, 'rtt_ratio_p50'):.2f}/{get(k, 'rtt_ratio_p99'):.2f} | "
                      f"{get(k, 'server_refused_unauthenticated'):.0f}/{get(k, 'server_refused_handshakes'):.0f}/{get(k, 'server_refused_full'):.0f} | "
                      f"{get(k, 'server_cpu_s'):.1f} | {get(k, 'bench_cpu_s'):.1f} |")
md.append("\nPlots: serval-bench-throughput.png, serval-bench-latency.png, serval-bench-idle.png, "
          "serval-bench-logins.png, serval-bench-scale.png; every figure in results.csv, medians with min and max in medians.csv.")
open(os.path.join(out, "summary.md"), "w").write("\n".join(md) + "\n")
PY
check "medians and summary.md written" test -s "$out/summary.md"

if [ -z "$TP_CLIENTS$LAT_RATES$IDLE_COUNTS$LOGIN_CONC" ]; then
  note "no throughput, latency, idle or login runs: their plots are not drawn"
elif gnuplot -e "dir='$out'" "$here/serval-bench-plots.gp" >"$out/gnuplot.log" 2>&1; then
  for p in throughput latency idle logins; do
    check "plot serval-bench-$p.png" test -s "$out/serval-bench-$p.png"
  done
else
  tap_fail "gnuplot failed: $(tail -3 "$out/gnuplot.log" | tr '\n' ' ')"
fi
storm_files=$(cd "$out" && ls storm-*.csv 2>/dev/null | sed 's/^storm-//; s/\.csv$//' | tr '\n' ' ')
if [ -n "$storm_files" ]; then
  if gnuplot -e "dir='$out'; files='$storm_files'" "$here/serval-bench-storm.gp" >"$out/gnuplot-storm.log" 2>&1; then
    check "plot serval-bench-storm.png" test -s "$out/serval-bench-storm.png"
  else
    tap_fail "gnuplot failed on the storm plot: $(tail -3 "$out/gnuplot-storm.log" | tr '\n' ' ')"
  fi
fi
if [ -s "$out/scale.dat" ]; then
  if gnuplot -e "dir='$out'" "$here/serval-bench-scale.gp" >"$out/gnuplot-scale.log" 2>&1; then
    check "plot serval-bench-scale.png" test -s "$out/serval-bench-scale.png"
  else
    tap_fail "gnuplot failed on the issue-17 plot: $(tail -3 "$out/gnuplot-scale.log" | tr '\n' ' ')"
  fi
fi

# The tool works when every run finished and measured something.
have() { python3 -c '
import csv, sys
mode, metric = sys.argv[2], sys.argv[3]
v = [float(r["value"]) for r in csv.DictReader(open(sys.argv[1])) if r["mode"] == mode and r["metric"] == metric]
sys.exit(0 if v and all(x > 0 for x in v) else 1)' "$csv" "$1" "$2"; }
[ -n "$TP_CLIENTS" ] && check "throughput: frames arrived in every run" have throughput rx_fps
[ -n "$LAT_RATES" ] && check "latency: samples in every run" have latency samples
[ -n "$IDLE_COUNTS" ] && check "idle: clients online in every run" have idle online
[ -n "$LOGIN_CONC" ] && check "logins: logins in every run" have logins logins_per_s
[ -n "$SCALE_COUNTS$BIG_VLAN_COUNTS" ] && check "issue 17 runs: clients online in every run" \
  python3 -c '
import csv, sys
v = [float(r["value"]) for r in csv.DictReader(open(sys.argv[1]))
     if r["run"] in ("scale", "vlan", "vlankeep") and r["metric"] == "online"]
sys.exit(0 if v and all(x > 0 for x in v) else 1)' "$csv"
[ -n "$STORM_COUNTS" ] && [ -n "$STORM_CASES" ] && check "storm: clients came back in every run" have storm back
[ -n "$STORM_COUNTS" ] && [ -n "$STORM_CASES" ] && check "storm: the pair's round trip measured before the restart in every run" have storm rtt_quiet_samples
[ -n "$LOGIN_TOKEN_CONC" ] && check "logins with tokens: logins in every run" have logins-token logins_per_s
[ -n "$LOGIN_TOKEN_CONC" ] && check "logins with tokens: the server took tokens in every run" have logins-token resumed
[ -n "$LOGIN_TOKEN_CONC" ] && check "logins with tokens: TLS sessions resumed in every run" have logins-token tls_resumed
[ -n "$LOGIN_TOKEN_CONC" ] && check "logins with tokens, full handshakes: logins in every run" have logins-token-full logins_per_s
sed 's/^/# /' "$out/summary.md"
note "all output in $out"
e2e_finish
