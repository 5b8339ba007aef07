#!/usr/bin/env bash
# Serval's network-namespace benchmark (issue 4). Two client namespaces reach each
# other only through a server namespace (no IP forwarding there). In one run, in
# interleaved rounds, it measures side by side:
#   direct      a veth pair (the limit)
#   routed      a copy of the topology with kernel IP forwarding in the server namespace
#   floor       bench-relay, a plain relay in user space with no crypto, over UDP and over
#   floor-tcp   TCP (the yardsticks)
#   serval-T    Serval over each transport T in SERVAL_TRANSPORTS
#   serval-1node  a cluster of two nodes and one etcd member: both clients on node 1
#   serval-2node  the same cluster, c1 on node 1 and c2 on node 2 (one node-to-node hop)
#   peers       SoftEther's Virtual Hub (defaults; UDP acceleration off), OpenVPN 2.6 TAP
#               client-to-client (UDP; TCP), tinc 1.0 switch mode, n2n supernode relay
# Figures per path and round: iperf3 TCP Gbit/s (1 stream), iperf3 UDP 64-byte packets
# per second received (also with a 4 MiB socket buffer), ping RTT (average, mdev, p99),
# server CPU seconds per GB forwarded.
# Writes OUT/results.csv, OUT/summary.md and OUT/*.png; logs in OUT/logs.
#
#   sudo tests/bench/run-bench.sh
# Environment (defaults in brackets):
#   REPS [3] rounds; T_TCP [10] s; T_UDP [5] s; PINGN [500] pings at PINGI [0.002] s
#   PEERS ["all": softether softether-tcp ovpn-udp ovpn-tcp tinc n2n] or "none" or a list
#   INSTALL_PEERS=1 installs the peers with apt-get first
#   SERVAL_TRANSPORTS [tls]; SERVAL_SERVER, SERVALCTL [build/...]; OUT [a new temp dir]
#   A word W in SERVAL_TRANSPORTS that is no transport is a variant over TLS: it runs
#   SERVAL_SERVER_W/SERVALCTL_W if set (e.g. a baseline build) with the environment
#   SERVAL_ENV_W (e.g. "SERVAL_TAP_OFFLOAD=0"), labelled SERVAL_LABEL_W (SERVAL_LABEL_tls
#   relabels the first path too). The summary puts the first Serval path beside each
#   other one (e.g. HEAD against a base build: ci-bench.sh), figure by figure.
#   SERVAL_REPS [REPS] rounds for the Serval paths of SERVAL_TRANSPORTS, so that a quick run
#   gives a build and its base a median of more rounds than the other paths get
#   FLOOR [1]: 0 leaves the yardsticks out; BENCH_RELAY [build/tests/bench/bench-relay]
#   CLUSTER [1]: 0 leaves the two cluster paths out (they need etcd: apt-get install etcd-server)
#   UDP_BIGBUF [1]: the 64-byte test once more with a 4 MiB socket buffer (iperf3 -w 4M); 0 skips it
#   QUICK=1 for CI: REPS=1 T_TCP=2 T_UDP=1 PINGN=100 PEERS=none unless set
#   PROFILE=1 samples each Serval server and both clients with perf during round 1's TCP test
# Exit status: 0 when every measurement of direct, routed and Serval worked (peers are
# reported, never a failure); 1 when the benchmark itself is broken.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/e2e/lib.sh"
. "$here/peers/peers.sh"
. "$top/tests/etcd/lib-etcd.sh"

if [ "${QUICK:-0}" = 1 ]; then
  REPS=${REPS:-1} T_TCP=${T_TCP:-2} T_UDP=${T_UDP:-1} PINGN=${PINGN:-100} PEERS=${PEERS:-none}
fi
REPS=${REPS:-3} SERVAL_REPS=${SERVAL_REPS:-$REPS} T_TCP=${T_TCP:-10} T_UDP=${T_UDP:-5} PINGN=${PINGN:-500} PINGI=${PINGI:-0.002}
UDP_BIGBUF=${UDP_BIGBUF:-1}
CLUSTER=${CLUSTER:-1}
PEERS=${PEERS:-all}
[ "$PEERS" = all ] && PEERS=$ALL_PEERS
[ "$PEERS" = none ] && PEERS=""
SERVER=${SERVAL_SERVER:-$top/build/server/serval-server}
CTL=${SERVALCTL:-$top/build/app/cli/servalctl}
top_server=$SERVER top_ctl=$CTL

# Serval's transports. Adding one is one word here (or in the environment), provided
# servalctl selects it with --transport=NAME; TLS over TCP is today's only transport
# and needs no option.
SERVAL_TRANSPORTS=${SERVAL_TRANSPORTS:-tls}
variant() { local v=SERVAL_$1_$2; echo "${!v:-}"; }   # variant KIND WORD
is_variant() { [ -n "$(variant SERVER "$1")$(variant ENV "$1")$(variant LABEL "$1")" ]; }
serval_client_args() { [ "$1" = tls ] || is_variant "$1" || echo "--transport=$1"; }
label_of() { local l; l=$(variant LABEL "$1"); l=${l:-${SERVAL_LABEL[$1]:-}}; echo "${l:-Serval, transport $1}"; }
declare -A SERVAL_LABEL=([tls]="Serval, TLS 1.3 over TCP")

out=${OUT:-$(mktemp -d /tmp/serval-bench.XXXXXX)}
W=$out/logs
mkdir -p "$W" || { echo "run-bench: cannot make $W; set OUT to a writable directory" >&2; exit 1; }
info() { echo "[$(date +%T)] $*" | tee -a "$W/bench.log" >&2; }
die() { info "ERROR: $*"; exit 1; }
BROKEN=()
broken() { info "BROKEN: $*"; BROKEN+=("$*"); }

# summarize: OUT/summary.md, OUT/medians.tsv and the plots, from OUT/results.csv,
# paths.tsv, load.tsv and conditions.txt
summarize() {
  python3 - "$out" "${BROKEN[*]:-}" <<'PY' || broken "the summary could not be written"
import csv, collections, statistics, sys
out, broken = sys.argv[1:]
params, versions, machine, subtitle = (l.rstrip("\n") for l in open(out + "/conditions.txt"))
paths = [l.rstrip("\n").split("\t") for l in open(out + "/paths.tsv")]
vals = collections.defaultdict(list)
for row in csv.DictReader(open(out + "/results.csv")):
    if row["value"] != "nan":
        vals[(row["path"], row["metric"])].append(float(row["value"]))
def med(p, m):
    v = vals.get((p, m))
    return statistics.median(v) if v else None
def cell(p, m, fmt):
    v = vals.get((p, m))
    if not v:
        return "-"
    s = fmt % statistics.median(v)
    return s + (" [" + fmt % min(v) + "-" + fmt % max(v) + "]" if len(v) > 1 else "")
def fmt_gbps(x):
    return "%.2f" % x if x >= 0.1 else "%.3f" % x
measured = [p for p in paths if p[2] == "measured"]
L = []
L.append("# Serval network-namespace benchmark\n")
L.append("Medians over rounds, [min-max] of the rounds. %s. TCP: iperf3, 1 stream; 64-byte: iperf3 UDP "
         "`-u -l 64 -b 0`, packets per second received; RTT: ping, each round's average, mdev and p99; "
         "server CPU: user+system time of the server daemon and its children during the TCP test, per GB "
         "received. The column 64-byte kpps at c2's device counts the frames the path delivered to the receiving interface: when it is well above the first figure, the receiving iperf3 (not the path) was the limit. The column 4 MiB buffer is the same UDP test with `-w 4M` (a 4 MiB socket buffer at both ends), so that the receiving iperf3 rides out the moments it waits for a CPU.\n" % params)
L.append("| path | TCP Gbit/s | 64-byte kpps | 64-byte kpps at c2's device | 64-byte kpps, 4 MiB buffer | RTT avg µs | RTT mdev µs | RTT p99 µs | server CPU s/GB |")
L.append("|---|---|---|---|---|---|---|---|---|")
for p, kind, status, label in paths:
    if status != "measured":
        L.append("| %s | %s | | | | | | | |" % (label, status))
        continue
    L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (label, cell(p, "tcp_gbps", "%.2f"), cell(p, "udp64_kpps", "%.0f"),
             cell(p, "udp64_dev_rx_kpps", "%.0f"), cell(p, "udp64_bigbuf_kpps", "%.0f"),
             cell(p, "rtt_avg_us", "%.0f"), cell(p, "rtt_mdev_us", "%.0f"), cell(p, "rtt_p99_us", "%.0f"),
             cell(p, "server_cpu_s_per_gb", "%.2f")))
def ratio(a, b, fmt="%.2f"):
    return (fmt % (a / b)) if a is not None and b else "-"
# The first Serval path beside each other one (another build, setting or transport),
# figure by figure: medians of the same interleaved rounds, their ratio, and the ratio
# in each round (the two paths ran minutes apart at most, under the same load).
by_round = collections.defaultdict(dict)
for row in csv.DictReader(open(out + "/results.csv")):
    if row["value"] != "nan":
        by_round[(row["path"], row["metric"])][row["round"]] = float(row["value"])
servals = [x for x in measured if x[1] == "serval"]
for s, _, _, slabel in servals[1:]:
    h, hlabel = servals[0][0], servals[0][3]
    L.append("\n## %s against %s\n" % (hlabel, slabel))
    L.append("Medians of the same interleaved rounds, [min-max]; the first divided by the second, over the medians "
             "and in each round. Above 1 is better for TCP and 64-byte, below 1 for RTT and CPU.\n")
    L.append("| figure | %s | %s | ratio | ratio in each round |" % (hlabel, slabel))
    L.append("|---|---|---|---|---|")
    for name, m, fmt in (("TCP Gbit/s", "tcp_gbps", "%.2f"), ("64-byte kpps", "udp64_kpps", "%.0f"),
                         ("64-byte kpps at c2's device", "udp64_dev_rx_kpps", "%.0f"),
                         ("64-byte kpps, 4 MiB buffer", "udp64_bigbuf_kpps", "%.0f"),
                         ("RTT avg µs", "rtt_avg_us", "%.0f"), ("RTT p99 µs", "rtt_p99_us", "%.0f"),
                         ("server CPU s/GB", "server_cpu_s_per_gb", "%.3f")):
        if med(h, m) is None and med(s, m) is None:
            continue   # a test not run (UDP_BIGBUF=0)
        a, b = by_round[(h, m)], by_round[(s, m)]
        each = ", ".join(ratio(a[r], b[r]) for r in sorted(set(a) & set(b), key=int))
        L.append("| %s | %s | %s | %s | %s |" % (name, cell(h, m, fmt), cell(s, m, fmt), ratio(med(h, m), med(s, m)),
                                                each or "-"))
L.append("\n## Each path against the direct veth\n")
L.append("Throughput as a share of direct; RTT as a multiple of direct.\n")
L.append("| path | TCP | 64-byte pps | RTT avg | RTT p99 |")
L.append("|---|---|---|---|---|")
for p, kind, status, label in measured:
    if p == "direct":
        continue
    L.append("| %s | %s | %s | %s× | %s× |" % (label, ratio(med(p, "tcp_gbps"), med("direct", "tcp_gbps"), "%.3f"),
             ratio(med(p, "udp64_kpps"), med("direct", "udp64_kpps")),
             ratio(med(p, "rtt_avg_us"), med("direct", "rtt_avg_us"), "%.1f"),
             ratio(med(p, "rtt_p99_us"), med("direct", "rtt_p99_us"), "%.1f")))
peers = [x for x in measured if x[1] == "peer"]
for s, _, _, slabel in [x for x in measured if x[1] == "serval"]:
    L.append("\n## %s against the yardstick and each peer\n" % slabel)
    for y, yname in (("floor", "the UDP relay"), ("floor-tcp", "the TCP relay")):
        if y not in [x[0] for x in measured]:
            continue
        def pair(m, fmt):
            return "%s against %s (%s×)" % (fmt % med(s, m) if med(s, m) is not None else "-",
                                            fmt % med(y, m) if med(y, m) is not None else "-",
                                            ratio(med(s, m), med(y, m)))
        L.append("Against %s of bench-relay (no crypto, a yardstick), Serval first: RTT average (µs) %s, "
                 "p99 (µs) %s; 64-byte kpps %s; TCP Gbit/s %s; server CPU s/GB %s.\n" % (yname,
                 pair("rtt_avg_us", "%.0f"), pair("rtt_p99_us", "%.0f"), pair("udp64_kpps", "%.0f"),
                 pair("tcp_gbps", "%.2f"), pair("server_cpu_s_per_gb", "%.2f")))
    if not peers:
        L.append("No peer was measured in this run.")
    else:
        L.append("Serval's figure divided by the peer's: above 1 is better for TCP and 64-byte; below 1 is better "
                 "for RTT and CPU.\n")
        L.append("| peer | TCP | 64-byte pps | RTT avg | RTT p99 | server CPU s/GB |")
        L.append("|---|---|---|---|---|---|")
        for p, kind, status, label in peers:
            L.append("| %s | %s× | %s× | %s× | %s× | %s× |" % (label, ratio(med(s, "tcp_gbps"), med(p, "tcp_gbps")),
                     ratio(med(s, "udp64_kpps"), med(p, "udp64_kpps")), ratio(med(s, "rtt_avg_us"), med(p, "rtt_avg_us")),
                     ratio(med(s, "rtt_p99_us"), med(p, "rtt_p99_us")),
                     ratio(med(s, "server_cpu_s_per_gb"), med(p, "server_cpu_s_per_gb"))))
    targets = [("TCP ≥ 3 Gbit/s", "tcp_gbps", lambda x: x >= 3), ("RTT avg ≤ 100 µs", "rtt_avg_us", lambda x: x <= 100),
               ("RTT p99 ≤ 250 µs", "rtt_p99_us", lambda x: x <= 250), ("64-byte ≥ 150 kpps", "udp64_kpps", lambda x: x >= 150),
               ("server CPU ≤ 1.5 s/GB", "server_cpu_s_per_gb", lambda x: x <= 1.5)]
    L.append("\nIssue 4's targets: " + "; ".join("%s: %s" % (n, "-" if med(s, m) is None else
             ("met" if ok(med(s, m)) else "not met")) for n, m, ok in targets) + ".")
kinds = {x[0]: x[1] for x in measured}
if kinds.get("serval-1node") == "cluster" and kinds.get("serval-2node") == "cluster":
    L.append("\n## A node-to-node hop (cluster)\n")
    L.append("Two clients on one node of a two-node cluster against one client on each node, so that every frame "
             "crosses the link between the nodes (TLS 1.3) once; medians of the same rounds. Server CPU is both nodes' "
             "on both paths. The hop's cost is two nodes' figure divided by one node's%s.\n" %
             (" (the single server with no cluster, Serval over TLS, for reference)" if "serval-tls" in kinds else ""))
    one = "serval-tls" in kinds
    L.append("| figure |%s one node | two nodes | two nodes ÷ one node |" % (" no cluster |" if one else ""))
    L.append("|---|%s---|---|---|" % ("---|" if one else ""))
    for name, m, fmt in (("TCP Gbit/s", "tcp_gbps", "%.2f"), ("RTT avg µs", "rtt_avg_us", "%.0f"),
                         ("RTT p50 µs", "rtt_p50_us", "%.0f"), ("RTT p99 µs", "rtt_p99_us", "%.0f"), ("64-byte kpps", "udp64_kpps", "%.0f"),
                         ("64-byte kpps, 4 MiB buffer", "udp64_bigbuf_kpps", "%.0f"),
                         ("server CPU s/GB", "server_cpu_s_per_gb", "%.2f")):
        if med("serval-1node", m) is None and med("serval-2node", m) is None:
            continue   # a test not run (UDP_BIGBUF=0)
        q = ratio(med("serval-2node", m), med("serval-1node", m))
        L.append("| %s |%s %s | %s | %s |" % (name, (" " + cell("serval-tls", m, fmt) + " |") if one else "",
                 cell("serval-1node", m, fmt), cell("serval-2node", m, fmt), q + "×" if q != "-" else q))
L.append("\n## Conditions\n")
L.append("- Machine: %s; load (uptime) at the start, at each round and at the end:" % machine)
for l in open(out + "/load.tsv"):
    what, when, up = l.rstrip("\n").split("\t")
    L.append("  - %s, %s: %s" % (what, when, up.strip()))
busy = [x for p in measured for x in vals.get((p[0], "machine_busy_pct"), [])]
if busy:
    L.append("- Machine busy during the TCP tests: %.0f-%.0f %% of all CPUs." % (min(busy), max(busy)))
relay = ["%s %.0f" % (p, med(p, "relay_pkts")) for p, *_ in measured if med(p, "relay_pkts")]
if relay:
    L.append("- Packets the server namespace received during each TCP test (median; the relay really passes "
             "through it): " + "; ".join(relay) + ".")
drops = ["%s: %s" % (p, ", ".join("%s %.0f" % (t, med(p, "server_drops_" + t)) for t in ("tcp", "udp64", "ping")
         if med(p, "server_drops_" + t) is not None)) for p, *_ in measured if med(p, "server_drops_tcp") is not None]
if drops:
    L.append("- Frames the Serval server dropped during each test (median, from its /metrics; the inner TCP "
             "retransmits what is dropped): " + "; ".join(drops) + ".")
tapd = ["%s %.0f" % (p, med(p, "c1_tap_tx_dropped_tcp")) for p, *_ in measured if med(p, "c1_tap_tx_dropped_tcp") is not None]
hop = ["%s %.0f" % (p, med(p, "hop_frames_tcp")) for p, *_ in measured if med(p, "hop_frames_tcp") is not None]
if hop:
    L.append("- Frames the cluster's nodes sent each other during each TCP test (median; the hop is really "
             "crossed on two nodes, never on one): " + "; ".join(hop) + ".")
if tapd:
    L.append("- Frames c1's kernel dropped at the tunnel's device during each TCP test, its queue full (median): "
             + "; ".join(tapd) + ".")
retr = ["%s %.0f" % (p, med(p, "tcp_retransmits")) for p, *_ in measured if med(p, "tcp_retransmits") is not None]
if retr:
    L.append("- iperf3 TCP retransmits per test (median): " + "; ".join(retr) + ".")
cli = ["%s %.2f" % (p, med(p, "client_cpu_s_per_gb")) for p, *_ in measured if med(p, "client_cpu_s_per_gb") is not None]
if cli:
    L.append("- Client CPU s/GB (each client, median): " + "; ".join(cli) + ".")
L.append("- Versions: %s." % versions)
if broken:
    L.append("\n**The benchmark is broken in this run:** %s" % broken)
open(out + "/summary.md", "w").write("\n".join(L) + "\n")

short = {"direct": "direct", "routed": "routed", "floor": "UDP relay (yardstick)", "floor-tcp": "TCP relay (yardstick)", "softether": "SoftEther default", "softether-tcp": "SoftEther TCP-only",
         "ovpn-udp": "OpenVPN UDP", "ovpn-tcp": "OpenVPN TCP", "tinc": "tinc", "n2n": "n2n",
         "serval-1node": "Serval, 1 node", "serval-2node": "Serval, 2 nodes (hop)"}
# the columns plot-bench.gp reads, in its order
plotted = ("tcp_gbps", "udp64_kpps", "rtt_avg_us", "rtt_p99_us", "server_cpu_s_per_gb", "udp64_bigbuf_kpps")
with open(out + "/medians.tsv", "w") as f:
    f.write("# label\tkind\t" + "\t".join("%s\tmin\tmax" % m for m in plotted) + "\n")
    for p, kind, status, label in measured:
        # a variant (another build or setting) is named by its label
        name = short.get(p) or ("Serval " + p.split("-", 1)[1].upper() if p == "serval-tls" else label)
        cols = []
        for m in plotted:
            v = vals.get((p, m))
            cols += ["%g" % statistics.median(v), "%g" % min(v), "%g" % max(v)] if v else ["-", "-", "-"]
        f.write("%s\t%s\t%s\n" % (name, kind, "\t".join(cols)))
PY
  gnuplot -e "data='$out/medians.tsv'; outdir='$out'; subtitle='$(sed -n 4p "$out/conditions.txt")'" \
    "$here/plot-bench.gp" 2> "$W/gnuplot.log" || broken "gnuplot failed (see $W/gnuplot.log)"
  for f in tcp kpps rtt cpu; do [ -s "$out/bench-$f.png" ] || broken "no plot $out/bench-$f.png"; done
}
# SUMMARY_ONLY=1 OUT=dir: write the summary and plots of a finished run again
if [ "${SUMMARY_ONLY:-0}" = 1 ]; then
  [ -s "$out/results.csv" ] && [ -s "$out/conditions.txt" ] || die "SUMMARY_ONLY=1 needs OUT set to the folder of a finished run"
  summarize
  cat "$out/summary.md"
  exit ${#BROKEN[@]}
fi

require_root
command -v iperf3 > /dev/null || die "iperf3 is missing: apt-get install iperf3"
command -v gnuplot > /dev/null || die "gnuplot is missing: apt-get install gnuplot-nox"
[ -x "$SERVER" ] || die "no serval-server at $SERVER: build Serval (ninja -C build) or set SERVAL_SERVER"
[ -x "$CTL" ] || die "no servalctl at $CTL: build Serval (ninja -C build) or set SERVALCTL"
[ "${PROFILE:-0}" != 1 ] || command -v perf > /dev/null || die "PROFILE=1 needs perf: apt-get install linux-perf"

if [ "${INSTALL_PEERS:-0}" = 1 ]; then
  info "installing the peers: $PEER_PACKAGES"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PEER_PACKAGES \
    >> "$W/apt.log" 2>&1 || info "apt-get install failed (see $W/apt.log); missing peers are reported as not installed"
fi

# ---------------------------------------------------------------- processes
declare -A DPID=()   # daemon name -> pid
# spawn NAME NS CMD...: a daemon in a namespace, logging to $W/NAME.log
spawn() { local name=$1 ns=$2; shift 2; bg "$ns" "$W/$name.log" "$@"; DPID[$name]=$BG_PID; }
desc() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; desc "$c"; done; }
# cpu_of NAME...: utime+stime (clock ticks) of the daemons, their threads and descendants
cpu_of() {
  local t=0 n q
  for n in "$@"; do
    [ -n "${DPID[$n]:-}" ] || continue
    for q in ${DPID[$n]} $(desc "${DPID[$n]}"); do
      t=$((t + $(awk '{print $14 + $15}' "/proc/$q/stat" 2>/dev/null || echo 0)))
    done
  done
  echo $t
}
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
cleanup() {
  trap - EXIT INT TERM
  e2e_cleanup
  peers_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- topology
P=sb$$
SRV=$P-srv C1=$P-c1 C2=$P-c2 D1=$P-d1 D2=$P-d2 R1=$P-r1 RS=$P-rs R2=$P-r2 N1=$P-n1 N2=$P-n2
SRV_IP1=10.232.1.1 SRV_IP2=10.232.2.1
NODES=""
[ "$CLUSTER" = 1 ] && NODES="$N1 $N2"
for ns in $SRV $C1 $C2 $D1 $D2 $R1 $RS $R2 $NODES; do
  make_ns "$ns"
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
link_ns "$SRV" $SRV_IP1/24 "$C1" 10.232.1.2/24 "${P}a"
link_ns "$SRV" $SRV_IP2/24 "$C2" 10.232.2.2/24 "${P}b"
link_ns "$D1" 10.232.9.1/24 "$D2" 10.232.9.2/24 "${P}d"
in_ns "$SRV" sysctl -qw net.ipv4.ip_forward=0
# The routed baseline runs in a copy, so that c1 and c2 never get a direct path
# (n2n would switch to peer to peer).
link_ns "$RS" 10.233.1.1/24 "$R1" 10.233.1.2/24 "${P}r"
link_ns "$RS" 10.233.2.1/24 "$R2" 10.233.2.2/24 "${P}s"
in_ns "$RS" sysctl -qw net.ipv4.ip_forward=1
in_ns "$R1" ip route add 10.233.2.0/24 via 10.233.1.1
in_ns "$R2" ip route add 10.233.1.0/24 via 10.233.2.1
# The cluster's two node namespaces, linked to each other (10.234.0.0/24, etcd runs in
# n1 there), c1 to n1, c2 to n1 and to n2; no forwarding in either.
if [ "$CLUSTER" = 1 ]; then
  link_ns "$N1" 10.234.0.1/24 "$N2" 10.234.0.2/24 "${P}n"
  link_ns "$N1" 10.234.1.1/24 "$C1" 10.234.1.2/24 "${P}e"
  link_ns "$N1" 10.234.2.1/24 "$C2" 10.234.2.2/24 "${P}f"
  link_ns "$N2" 10.234.3.1/24 "$C2" 10.234.3.2/24 "${P}g"
  for ns in $NODES; do in_ns "$ns" sysctl -qw net.ipv4.ip_forward=0; done
fi
overlay() { in_ns "$1" ip addr add "$2" dev "$3" && in_ns "$1" ip link set "$3" up; }

isolated() {
  local ns a
  for ns in $SRV $NODES; do
    [ "$(in_ns "$ns" sysctl -n net.ipv4.ip_forward)" = 0 ] || { info "the server namespace $ns forwards IP"; return 1; }
  done
  for a in 10.232.2.2 ${NODES:+10.234.2.2 10.234.3.2}; do
    if in_ns "$C1" ping -c 1 -W 1 "$a" > /dev/null 2>&1; then info "c1 reaches c2 ($a) directly"; return 1; fi
  done
}
isolated || die "c1 reaches c2 without a tunnel: the topology is wrong"
info "c1 cannot reach c2 except through a tunnel (checked)"

# Path table: source and destination namespace, destination address and device,
# server daemon, client daemons, the namespace and devices the relay crosses.
declare -A PATH_SRC PATH_DST PATH_KIND PATH_STATUS PATH_RELAY PATH_METRICS
PATHS=""
add_path() { # add_path NAME KIND SRC DST IP DEV SERVERD "CLIENTDS" RELAY LABEL
  PATHS="$PATHS $1"; PATH_KIND[$1]=$2 PATH_SRC[$1]=$3 PATH_DST[$1]=$4 PATH_IP[$1]=$5 PATH_DEV[$1]=$6
  PATH_SRVD[$1]=$7 PATH_CLID[$1]=$8 PATH_RELAY[$1]=$9 PATH_LABEL[$1]=${10} PATH_STATUS[$1]=measured
}
add_path direct core "$D1" "$D2" 10.232.9.2 "${P}db" "" "" "" "direct veth (the limit)"
add_path routed core "$R1" "$R2" 10.233.2.2 "${P}sb" "" "" "$RS ${P}ra ${P}sa" \
  "kernel routing through the server namespace"

# ---------------------------------------------------------------- Serval
serval_start() { # serval_start TRANSPORT INDEX
  local t=$1 i=$2 port=$((7465 + $2)) data=$W/serval-$1 fp u
  local SERVER CTL v=SERVALCTL_$t
  SERVER=$(variant SERVER "$t") CTL=${!v:-$top_ctl}
  SERVER=${SERVER:-$top_server}
  # shellcheck disable=SC2046
  set -- $(variant ENV "$t")
  "$SERVER" -d "$data" vlan add lan > /dev/null || return 1
  for u in a b; do
    echo "bench-$u-$$" > "$W/serval-$t-$u.pw"
    "$SERVER" -d "$data" user add "$u" < "$W/serval-$t-$u.pw" > /dev/null || return 1
    "$SERVER" -d "$data" user grant "$u" lan > /dev/null || return 1
  done
  fp=$("$SERVER" -d "$data" fingerprint) || return 1
  spawn serval-$t-srv "$SRV" "$SERVER" --data-dir "$data" --listen 0.0.0.0:$port --http 127.0.0.1:$((9465 + i))
  wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/$SRV_IP1/$port" || return 1
  # shellcheck disable=SC2046
  spawn serval-$t-c1 "$C1" env "$@" "$CTL" --server $SRV_IP1:$port --user a --password-file "$W/serval-$t-a.pw" \
    --fingerprint "$fp" up --vlan lan --tap sv-$t $(serval_client_args "$t")
  # shellcheck disable=SC2046
  spawn serval-$t-c2 "$C2" env "$@" "$CTL" --server $SRV_IP2:$port --user b --password-file "$W/serval-$t-b.pw" \
    --fingerprint "$fp" up --vlan lan --tap sv-$t $(serval_client_args "$t")
  wait_for 15 grep -q "sv-$t up" "$W/serval-$t-c1.log" && wait_for 15 grep -q "sv-$t up" "$W/serval-$t-c2.log" || return 1
  overlay "$C1" 192.168.$((80 + i)).1/24 sv-$t && overlay "$C2" 192.168.$((80 + i)).2/24 sv-$t
}
i=0
for t in $SERVAL_TRANSPORTS; do
  add_path serval-$t serval "$C1" "$C2" 192.168.$((80 + i)).2 sv-$t serval-$t-srv "serval-$t-c1 serval-$t-c2" \
    "$SRV ${P}aa ${P}ba" "$(label_of "$t")"
  PATH_METRICS[serval-$t]=$SRV:$((9465 + i))
  if serval_start "$t" $i; then info "serval-$t: clients up"
  else PATH_STATUS[serval-$t]="did not come up"; broken "Serval over $t did not come up (see $W/serval-$t-*.log)"; fi
  i=$((i + 1))
done

# ---------------------------------------------------------------- the yardsticks
# bench-relay (tests/bench/bench-relay.c): a plain relay over UDP (floor) and over TCP
# (floor-tcp), no crypto, no switch, one poll() loop per process. What a relay in user
# space costs on this machine (wake-ups, TAP, UDP or TCP in the kernel) shows in their
# figures; what Serval costs above them is its own.
RELAY=${BENCH_RELAY:-$top/build/tests/bench/bench-relay}
floor_start() { # floor_start PATH udp|tcp NET PORT
  local p=$1 proto=$2 net=$3 port=$4
  add_path "$p" floor "$C1" "$C2" 192.168.$net.2 sv-$p $p-srv "$p-c1 $p-c2" "$SRV ${P}aa ${P}ba" \
    "bench-relay: plain ${proto^^} relay in user space, no crypto (a yardstick)"
  if [ ! -x "$RELAY" ]; then
    PATH_STATUS[$p]="not built"; broken "no bench-relay at $RELAY: build Serval (ninja -C build) or set BENCH_RELAY"
    return
  fi
  spawn $p-srv "$SRV" "$RELAY" server "$proto" "$port"
  spawn $p-c1 "$C1" "$RELAY" client "$proto" sv-$p $SRV_IP1 "$port"
  spawn $p-c2 "$C2" "$RELAY" client "$proto" sv-$p $SRV_IP2 "$port"
  if wait_for 10 grep -Eq "client 1 (is|connected)" "$W/$p-srv.log" && overlay "$C1" 192.168.$net.1/24 sv-$p &&
     overlay "$C2" 192.168.$net.2/24 sv-$p; then info "$p: bench-relay over $proto up"
  else PATH_STATUS[$p]="did not come up"; broken "bench-relay over $proto did not come up (see $W/$p-*.log)"; fi
}
if [ "${FLOOR:-1}" = 1 ]; then
  floor_start floor udp 79 7399
  floor_start floor-tcp tcp 78 7398
fi

# ---------------------------------------------------------------- a cluster of two nodes
# serval-1node and serval-2node (issue 12): one cluster of two nodes whose users and
# VLANs live in one etcd member (in n1's namespace; not on the frames' way). On
# serval-1node both clients log in to node 1 (VLAN lan1), on serval-2node c1's client
# logs in to node 1 and c2's to node 2 (VLAN lan2), so that every frame crosses the
# link between the nodes (TLS 1.3, as a client's) once. Server CPU is both nodes' on
# both paths: the same cluster, so what the hop adds shows in the ratio.
cluster_start() {
  local d=$W/cluster etcd fp u n
  mkdir -p "$d/n1" "$d/n2" "$d/etcd" || return 1
  ETCD_N=1 ETCD_HOST=10.234.0.1 ETCD_DIR=$d/etcd ETCD_NS=$N1 ETCD_BASE=$((21000 + ($$ % 1500) * 16))
  etcd_member_start 0
  wait_for 20 etcd_healthy 0 || { info "etcd did not become healthy: $(tail -3 "$d/etcd/m0.log" 2>/dev/null)"; return 1; }
  etcd=$(etcd_endpoints)
  cl() { in_ns "$N1" "$top_server" --etcd "$etcd" --data-dir "$d/n1" "$@" > /dev/null; }
  for n in 1 2; do
    cl vlan add lan$n || return 1
    for u in a$n b$n; do
      echo "bench-$u-$$" > "$d/$u.pw"
      cl user add "$u" < "$d/$u.pw" && cl user grant "$u" lan$n || return 1
    done
  done
  # Every node of a cluster has the same certificate and key.
  fp=$(in_ns "$N1" "$top_server" --data-dir "$d/n1" fingerprint) && cp "$d/n1/cert.pem" "$d/n1/key.pem" "$d/n2/" || return 1
  for n in 1 2; do
    spawn cluster-n$n "$P-n$n" "$top_server" --etcd "$etcd" --data-dir "$d/n$n" --node n$n --listen 0.0.0.0:$((7474 + n)) \
      --advertise 10.234.0.$n:$((7474 + n)) --http 127.0.0.1:$((9474 + n))
    wait_for 10 in_ns "$P-n$n" bash -c "exec 3<>/dev/tcp/10.234.0.$n/$((7474 + n))" || return 1
  done
  if ! wait_for 10 grep -q "Linked to node" "$W/cluster-n1.log" || ! wait_for 10 grep -q "Linked to node" "$W/cluster-n2.log"; then
    info "the nodes did not link (see $W/cluster-n*.log)"
    return 1
  fi
  # client NAME NS SERVER USER VLAN TAP
  client() {
    spawn "$1" "$2" "$top_ctl" --server "$3" --user "$4" --password-file "$d/$4.pw" --fingerprint "$fp" up --vlan "$5" --tap "$6"
  }
  client serval-1node-c1 "$C1" 10.234.1.1:7475 a1 lan1 sv-1node
  client serval-1node-c2 "$C2" 10.234.2.1:7475 b1 lan1 sv-1node
  client serval-2node-c1 "$C1" 10.234.1.1:7475 a2 lan2 sv-2node
  client serval-2node-c2 "$C2" 10.234.3.1:7476 b2 lan2 sv-2node
  for n in 1node 2node; do
    for u in c1 c2; do wait_for 15 grep -q "sv-$n up" "$W/serval-$n-$u.log" || return 1; done
  done
  overlay "$C1" 192.168.76.1/24 sv-1node && overlay "$C2" 192.168.76.2/24 sv-1node &&
    overlay "$C1" 192.168.77.1/24 sv-2node && overlay "$C2" 192.168.77.2/24 sv-2node
}
if [ "$CLUSTER" = 1 ]; then
  add_path serval-1node cluster "$C1" "$C2" 192.168.76.2 sv-1node "cluster-n1 cluster-n2" \
    "serval-1node-c1 serval-1node-c2" "$N1 ${P}ea ${P}fa" "Serval cluster, both clients on node 1"
  add_path serval-2node cluster "$C1" "$C2" 192.168.77.2 sv-2node "cluster-n1 cluster-n2" \
    "serval-2node-c1 serval-2node-c2" "$N1 ${P}ea ${P}na" "Serval cluster, clients on nodes 1 and 2 (one node-to-node hop)"
  PATH_METRICS[serval-1node]="$N1:9475 $N2:9476" PATH_METRICS[serval-2node]="$N1:9475 $N2:9476"
  if ! command -v etcd > /dev/null; then
    PATH_STATUS[serval-1node]="etcd not installed" PATH_STATUS[serval-2node]="etcd not installed"
    broken "the cluster paths need etcd: apt-get install etcd-server (CLUSTER=0 leaves them out)"
  elif cluster_start; then info "serval-1node, serval-2node: the nodes are linked, the clients up"
  else
    PATH_STATUS[serval-1node]="did not come up" PATH_STATUS[serval-2node]="did not come up"
    broken "the Serval cluster did not come up (see $W/cluster-*.log, $W/serval-?node-*.log, $W/cluster/etcd)"
  fi
fi

# ---------------------------------------------------------------- peers
for p in $ALL_PEERS; do
  case " $PEERS " in *" $p "*) ;; *) continue ;; esac
  add_path "$p" peer "$C1" "$C2" "${PATH_IP[$p]}" "${PATH_DEV[$p]}" "${PATH_SRVD[$p]}" "${PATH_CLID[$p]}" \
    "$SRV ${P}aa ${P}ba" "${PATH_LABEL[$p]}"
  if ! peer_installed "$p"; then PATH_STATUS[$p]="not installed"; info "$p: not installed"; continue; fi
  if peer_start "$p"; then info "$p: started"
  else PATH_STATUS[$p]="did not come up"; info "$p: did not come up (see $W/*.log)"; fi
done
for p in $PEERS; do
  case " $ALL_PEERS " in *" $p "*) ;; *) die "unknown peer '$p' in PEERS: choose from $ALL_PEERS, or all, or none" ;; esac
done

sleep 1
isolated || die "c1 reaches c2 without a tunnel after the tunnels came up"
for p in $PATHS; do
  [ "${PATH_STATUS[$p]}" = measured ] || continue
  if wait_for 10 in_ns "${PATH_SRC[$p]}" ping -c 1 -W 1 "${PATH_IP[$p]}"; then info "$p: ping works"
  else
    PATH_STATUS[$p]="did not come up"
    [ "${PATH_KIND[$p]}" = peer ] && info "$p: no ping through the tunnel (see $W)" ||
      broken "$p: no ping through it"
  fi
done

# ---------------------------------------------------------------- measurements
CSV=$out/results.csv
echo "path,round,metric,value" > "$CSV"
row() { echo "$1,$2,$3,$4" >> "$CSV"; }

# iperf_server NS PORT: a one-shot iperf3 server; sets IPID
iperf_server() {
  ip netns exec "$1" iperf3 -s -1 -p "$2" > "$W/iperf-s.log" 2>&1 &
  IPID=$!
  wait_for 5 sh -c "ip netns exec $1 ss -Hltn 'sport = :$2' | grep -q ."
}
# iperf_done NS: stops the one-shot server if it is still there (only if it is
# still in our namespace, so that a reused pid is never signalled)
iperf_done() {
  local k
  for k in $(seq 30); do [ "$(ip netns identify "$IPID" 2>/dev/null)" = "$1" ] || break; sleep 0.1; done
  [ "$(ip netns identify "$IPID" 2>/dev/null)" = "$1" ] && kill "$IPID" 2>/dev/null
  wait "$IPID" 2>/dev/null
  return 0
}
relay_pkts() { # packets the relay namespace received on its two links
  local r=${PATH_RELAY[$1]} ns d t=0
  [ -n "$r" ] || { echo 0; return; }
  set -- $r; ns=$1; shift
  for d in "$@"; do t=$((t + $(in_ns "$ns" cat "/sys/class/net/$d/statistics/rx_packets"))); done
  echo $t
}

# metrics_sum PATH REGEX: the sum of the series matching REGEX in the /metrics of the
# path's Serval servers (PATH_METRICS: NS:PORT ...); empty for other paths
metrics_sum() {
  [ -n "${PATH_METRICS[$1]:-}" ] || return 0
  local m n t=0
  for m in ${PATH_METRICS[$1]}; do
    n=$(in_ns "${m%%:*}" python3 -c '
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=2).read().decode()
print(sum(int(float(l.split()[-1])) for l in text.splitlines() if re.match(sys.argv[2], l)))
' "http://127.0.0.1:${m#*:}/metrics" "$2" 2>> "$W/metrics.err") || return 0
    t=$((t + n))
  done
  echo $t
}
# server_drops PATH: the frames the path's Serval servers did not forward so far, all reasons
server_drops() { metrics_sum "$1" serval_frames_dropped_total; }
# hop_frames PATH: the frames the path's Serval servers sent to another node so far
hop_frames() { metrics_sum "$1" 'serval_node_link_frames_total.*direction="out"'; }
# tap_drops PATH: frames c1's kernel dropped because the tunnel's device queue was full
# (the tunnel program did not read them in time); empty for the kernel paths
tap_drops() {
  [ "${PATH_SRC[$1]}" = "$C1" ] || return 0
  in_ns "$C1" cat "/sys/class/net/${PATH_DEV[$1]}/statistics/tx_dropped" 2> /dev/null
}
HZ=$(getconf CLK_TCK)
# udp64 NAME [IPERF3 OPTION...]: inside measure(), the 64-byte UDP test from src to dst
# at full speed, into $W/NAME-PATH-ROUND.json
udp64() {
  local name=$1; shift
  iperf_server "$dst" 5202
  timeout $((T_UDP + 20)) ip netns exec "$src" iperf3 -c "$ip" -p 5202 -u -l 64 -b 0 -t "$T_UDP" "$@" \
    --connect-timeout 3000 -J > "$W/$name-$p-$r.json" 2> "$W/$name-$p-$r.err"
  iperf_done "$dst"
}
measure() { # measure PATH ROUND
  local p=$1 r=$2 src=${PATH_SRC[$1]} dst=${PATH_DST[$1]} ip=${PATH_IP[$1]} s0 s1 c0 c1 b0 b1 x0 x1 rx0 rx1
  local d0 d1 d2 d3 q0 q1 h0 h1
  in_ns "$src" ping -c 5 -i 0.05 -W 1 "$ip" > /dev/null 2>&1   # warm up: ARP, MAC learning, keys
  d0=$(server_drops "$p") q0=$(tap_drops "$p") h0=$(hop_frames "$p")
  # TCP, one stream, with the server's CPU time around it
  iperf_server "$dst" 5201
  local perf_pids="" role
  if [ "${PROFILE:-0}" = 1 ] && [ "$r" = 1 ] && [ -n "${PATH_METRICS[$p]:-}" ]; then
    # Where the time of the servers (srv, or each node), the sending client (c1)
    # and the receiving client (c2) goes during the TCP test (cpu-clock sampling:
    # hardware counters are not available on every machine).
    for role in ${PATH_SRVD[$p]} ${PATH_CLID[$p]}; do
      perf record -q -e cpu-clock -F 2000 -g -p "${DPID[$role]}" -o "$W/perf-$role.data" \
        -- sleep "$T_TCP" > "$W/perf-$role.log" 2>&1 &
      perf_pids="$perf_pids $!"
    done
  fi
  s0=$(cpu_of ${PATH_SRVD[$p]}) c0=$(cpu_of ${PATH_CLID[$p]}) b0=$(busy) x0=$(relay_pkts "$p")
  timeout $((T_TCP + 20)) ip netns exec "$src" iperf3 -c "$ip" -p 5201 -t "$T_TCP" --connect-timeout 3000 -J \
    > "$W/tcp-$p-$r.json" 2> "$W/tcp-$p-$r.err"
  s1=$(cpu_of ${PATH_SRVD[$p]}) c1=$(cpu_of ${PATH_CLID[$p]}) b1=$(busy) x1=$(relay_pkts "$p")
  iperf_done "$dst"
  if [ -n "$perf_pids" ]; then
    wait $perf_pids
    for role in ${PATH_SRVD[$p]} ${PATH_CLID[$p]}; do
      perf report -i "$W/perf-$role.data" --stdio --no-children --sort dso,symbol 2> /dev/null |
        grep -E '^ +[0-9.]+%' | head -40 > "$out/profile-$role.txt"
      perf report -i "$W/perf-$role.data" --stdio --no-children --sort dso 2> /dev/null |
        grep -E '^ +[0-9.]+%' > "$out/profile-$role-by-library.txt"
      [ -s "$out/profile-$role.txt" ] && info "profile of $role: $out/profile-$role.txt" ||
        info "perf recorded nothing for $role (see $W/perf-$role.log)"
    done
  fi
  d1=$(server_drops "$p") q1=$(tap_drops "$p") h1=$(hop_frames "$p")
  # UDP, 64-byte payloads, as fast as the sender can
  rx0=$(in_ns "$dst" cat "/sys/class/net/${PATH_DEV[$p]}/statistics/rx_packets")
  udp64 udp
  rx1=$(in_ns "$dst" cat "/sys/class/net/${PATH_DEV[$p]}/statistics/rx_packets")
  # The same with a 4 MiB socket buffer at both ends (iperf3 -w): the receiving
  # iperf3 then rides out the moments it waits for a CPU, so this counts what the
  # path carries rather than when the receiver got to run.
  [ "$UDP_BIGBUF" = 1 ] && udp64 udpw -w 4M
  d2=$(server_drops "$p")
  # RTT
  in_ns "$src" ping -c "$PINGN" -i "$PINGI" -W 1 "$ip" > "$W/ping-$p-$r.txt" 2>&1
  python3 - "$p" "$r" "$W" "$HZ" "${PATH_SRVD[$p]:+1}" "${PATH_CLID[$p]:+2}" "$s0 $s1 $c0 $c1 $b0 $b1 $x0 $x1 $rx0 $rx1" \
    "$T_UDP" "${PATH_RELAY[$p]:+1}" >> "$CSV" <<'PY'
import json, re, statistics, sys
p, r, w, hz, has_srv, nclients, nums, t_udp, has_relay = sys.argv[1:]
s0, s1, c0, c1, b0, tb0, b1, tb1, x0, x1, rx0, rx1 = (float(x) for x in nums.split())
hz = float(hz)
out = []
def put(metric, value, fmt="%.3f"):
    out.append("%s,%s,%s,%s" % (p, r, metric, "nan" if value is None else fmt % value))
try:
    e = json.load(open("%s/tcp-%s-%s.json" % (w, p, r)))["end"]
    nbytes = e["sum_received"]["bytes"]
    put("tcp_gbps", e["sum_received"]["bits_per_second"] / 1e9)
    put("tcp_retransmits", e["sum_sent"].get("retransmits", 0), "%d")
except Exception:
    nbytes = 0
    put("tcp_gbps", None)
if has_srv:
    put("server_cpu_s", (s1 - s0) / hz, "%.2f")
    put("server_cpu_s_per_gb", (s1 - s0) / hz / (nbytes / 1e9) if nbytes else None)
if nclients:
    put("client_cpu_s_per_gb", (c1 - c0) / hz / 2 / (nbytes / 1e9) if nbytes else None)
if has_relay:
    put("relay_pkts", x1 - x0, "%d")
put("machine_busy_pct", 100.0 * (b1 - b0) / max(1.0, tb1 - tb0), "%.0f")
def udp64(name, metric, sent_metric=None):
    try:
        s = json.load(open("%s/%s-%s-%s.json" % (w, name, p, r)))["end"]["sum"]
    except FileNotFoundError:
        if name != "udp":   # a test not run (UDP_BIGBUF=0)
            return
        put(metric, None)
        return
    except Exception:
        put(metric, None)
        return
    put(metric, (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3, "%.1f")
    if sent_metric:
        put(sent_metric, s["packets"] / s["seconds"] / 1e3, "%.1f")
udp64("udp", "udp64_kpps", "udp64_sent_kpps")
udp64("udpw", "udp64_bigbuf_kpps")
put("udp64_dev_rx_kpps", (rx1 - rx0) / float(t_udp) / 1e3, "%.1f")
v = sorted(float(x) * 1000 for x in re.findall(r"time=([0-9.]+)", open("%s/ping-%s-%s.txt" % (w, p, r)).read()))
if v:
    put("rtt_avg_us", statistics.mean(v), "%.1f")
    put("rtt_mdev_us", statistics.pstdev(v), "%.1f")
    put("rtt_p50_us", statistics.median(v), "%.1f")
    put("rtt_p99_us", v[min(len(v) - 1, int(0.99 * len(v)))], "%.1f")
    put("rtt_replies", len(v), "%d")
else:
    for m in ("rtt_avg_us", "rtt_mdev_us", "rtt_p99_us"):
        put(m, None)
    put("rtt_replies", 0, "%d")
print("\n".join(out))
PY
  d3=$(server_drops "$p")
  [ -n "$q0" ] && [ -n "$q1" ] && row "$p" "$r" c1_tap_tx_dropped_tcp $((q1 - q0))
  [ "${PATH_KIND[$p]}" = cluster ] && [ -n "$h0" ] && [ -n "$h1" ] && row "$p" "$r" hop_frames_tcp $((h1 - h0))
  if [ -n "$d0" ] && [ -n "$d3" ]; then
    row "$p" "$r" server_drops_tcp $((d1 - d0))
    row "$p" "$r" server_drops_udp64 $((d2 - d1))
    row "$p" "$r" server_drops_ping $((d3 - d2))
  fi
  local got
  got=$(grep "^$p,$r," "$CSV" | grep -E ',(tcp_gbps|udp64_kpps|rtt_avg_us|rtt_p99_us|server_cpu_s_per_gb),' |
        cut -d, -f3,4 | tr '\n' ' ')
  info "round $r $p: $got"
  if [ "${PATH_KIND[$p]}" != peer ]; then
    grep -q "^$p,$r,tcp_gbps,nan" "$CSV" && broken "$p round $r: iperf3 TCP failed (see $W/tcp-$p-$r.*)"
    grep -q "^$p,$r,udp64_kpps,nan" "$CSV" && broken "$p round $r: iperf3 UDP failed (see $W/udp-$p-$r.*)"
    grep -q "^$p,$r,udp64_bigbuf_kpps,nan" "$CSV" && broken "$p round $r: iperf3 UDP with -w 4M failed (see $W/udpw-$p-$r.*)"
    grep -q "^$p,$r,rtt_avg_us,nan" "$CSV" && broken "$p round $r: no ping reply (see $W/ping-$p-$r.txt)"
  fi
  return 0
}

# reps_of PATH: its rounds (SERVAL_REPS for Serval's paths of SERVAL_TRANSPORTS, REPS for the others)
reps_of() { [ "${PATH_KIND[$1]}" = serval ] && echo "$SERVAL_REPS" || echo "$REPS"; }
ROUNDS=$((SERVAL_REPS > REPS ? SERVAL_REPS : REPS))
echo "start	$(date -u +%FT%TZ)	$(uptime)" > "$out/load.tsv"
for r in $(seq "$ROUNDS"); do
  info "round $r of $ROUNDS: load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "round $r	$(date -u +%FT%TZ)	$(uptime)" >> "$out/load.tsv"
  live=()
  for p in $PATHS; do [ "${PATH_STATUS[$p]}" = measured ] && [ "$r" -le "$(reps_of "$p")" ] && live+=("$p"); done
  # Rotate the order each round, so that no path always runs first or last,
  # and go backwards every other round, so that of two paths measured one
  # after the other (HEAD and its base) each goes first as often: the path
  # measured first in a round was seen to get the worse ping p99.
  n=${#live[@]}
  order=$(seq 0 $((n - 1)))
  [ $((r % 2)) -eq 0 ] && order=$(seq $((n - 1)) -1 0)
  for k in $order; do measure "${live[$(((k + r - 1) % n))]}" "$r"; done
done
echo "end	$(date -u +%FT%TZ)	$(uptime)" >> "$out/load.tsv"
isolated || broken "c1 reached c2 without a tunnel at the end of the run"

# ---------------------------------------------------------------- summary and plots
for p in $PATHS; do printf '%s\t%s\t%s\t%s\n' "$p" "${PATH_KIND[$p]}" "${PATH_STATUS[$p]}" "${PATH_LABEL[$p]}"; done \
  > "$out/paths.tsv"
versions="serval-server $("$SERVER" --version 2>/dev/null | head -1); iperf3 $(iperf3 --version | head -1 | cut -d' ' -f2)"
for pkg in openvpn tinc n2n softether-vpnserver; do
  v=$(dpkg-query -W -f='${Version}' $pkg 2>/dev/null) && versions="$versions; $pkg $v"
done
{
  echo "REPS=$REPS SERVAL_REPS=$SERVAL_REPS T_TCP=$T_TCP T_UDP=$T_UDP PINGN=$PINGN PINGI=$PINGI"
  echo "$versions"
  echo "$(uname -r), $(nproc) CPUs"
  echo "$(date -u +%F), medians of $REPS round(s)$([ "$SERVAL_REPS" = "$REPS" ] || echo " ($SERVAL_REPS for the Serval paths)"), line: min-max of the rounds; load $(cut -d' ' -f1 /proc/loadavg)"
} > "$out/conditions.txt"
summarize

cat "$out/summary.md"
info "results in $out: results.csv, summary.md, bench-{tcp,kpps,rtt,cpu}.png; logs in $W"
if [ ${#BROKEN[@]} -gt 0 ]; then
  info "the benchmark is broken: ${BROKEN[*]}"
  exit 1
fi
exit 0
