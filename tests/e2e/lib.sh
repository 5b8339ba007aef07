# Helpers for Serval's end-to-end tests: network namespaces made by the test itself,
# TAP-protocol output, and a cleanup that leaves nothing behind.
# shellcheck shell=bash

# The top of the source tree, where build/ is by default.
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_N=0
E2E_FAILED=0
E2E_PIDS=()
E2E_NETNS=()

tap_ok() { E2E_N=$((E2E_N + 1)); echo "ok $E2E_N - $*"; }
tap_fail() { E2E_N=$((E2E_N + 1)); E2E_FAILED=$((E2E_FAILED + 1)); echo "not ok $E2E_N - $*"; }
# check DESCRIPTION COMMAND...: one TAP line for the command's status
# (its output goes to $E2E_LOG, so that only TAP lines reach the runner)
E2E_LOG=/dev/null
check() { local d=$1; shift; if "$@" >>"$E2E_LOG" 2>&1; then tap_ok "$d"; else tap_fail "$d"; fi; }
note() { printf '%s\n' "$*" | sed 's/^/# /'; }  # every line a TAP comment

# Stops the whole run with a reason (for set-up failures).
bail() {
  E2E_N=$((E2E_N + 1))
  echo "not ok $E2E_N - $*"
  echo "1..$E2E_N"
  exit 1
}

require_root() {
  [ "$(id -u)" -eq 0 ] || bail "cannot run: the end-to-end tests need root to make network namespaces and TAP devices (run them with sudo, as CI does)"
  ip netns list >/dev/null 2>&1 || bail "cannot run: 'ip netns' does not work here (is iproute2 installed?)"
  [ -c /dev/net/tun ] || modprobe tun 2>/dev/null || true
  [ -c /dev/net/tun ] || bail "cannot run: /dev/net/tun is missing (modprobe tun)"
  command -v python3 >/dev/null || bail "cannot run: python3 is missing"
}

# need_built VAR ENVVAR PATH: sets VAR to the program $ENVVAR names (meson test sets it),
# else to build/PATH, and stops the run unless it is there to run.
need_built() {
  local var=$1 env=$2 path=$3
  printf -v "$var" '%s' "${!env:-$E2E_TOP/build/$path}"
  [ -x "${!var}" ] || bail "cannot run: no ${path##*/} at ${!var} (build first: ninja -C build, or set $env)"
}

# require_serval: what every end-to-end test needs (require_root), and the server and
# the client built: sets SERVER (serval-server) and CTL (servalctl).
require_serval() {
  require_root
  need_built SERVER SERVAL_SERVER server/serval-server
  need_built CTL SERVALCTL app/cli/servalctl
}

# e2e_out NAME: the folder for this run's logs, $out ($E2E_OUT, else a new
# /tmp/NAME.XXXXXX), with data=$out/data for a server and checks.log for the output
# of the checks; the namespaces and processes of the test go when it exits.
e2e_out() {
  out=${E2E_OUT:-$(mktemp -d "/tmp/$1.XXXXXX")}
  mkdir -p "$out"
  data=$out/data
  trap e2e_cleanup EXIT
  E2E_LOG=$out/checks.log
  note "logs in $out"
}

# wait_for SECONDS COMMAND...: true as soon as the command succeeds. SECONDS is what a
# quiet machine needs at most; the wait gives up only after SERVAL_TEST_WAIT_SCALE (3)
# times that, so a busy machine never fails a check that would pass on a quiet one.
# It is a safety net, never a timing assertion.
wait_for() {
  local limit=$1; shift
  local end=$((SECONDS + limit * ${SERVAL_TEST_WAIT_SCALE:-3}))
  while [ $SECONDS -le $end ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# elapsed_ms: milliseconds since the epoch, for measured durations
now_ms() { date +%s%3N; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

make_ns() {
  ip netns add "$1" || bail "cannot make network namespace $1"
  E2E_NETNS+=("$1")
  in_ns "$1" ip link set lo up
}

# link_ns NS_A ADDR_A NS_B ADDR_B NAME: a veth pair between two namespaces
link_ns() {
  local a=$1 aaddr=$2 b=$3 baddr=$4 name=$5
  ip link add "${name}a" netns "$a" type veth peer name "${name}b" netns "$b" || bail "cannot make veth $name"
  in_ns "$a" ip addr add "$aaddr" dev "${name}a"
  in_ns "$b" ip addr add "$baddr" dev "${name}b"
  in_ns "$a" ip link set "${name}a" up
  in_ns "$b" ip link set "${name}b" up
}

# star_ns NET VETH SRV CLIENT...: the server namespace SRV and each client namespace
# on a veth of its own (VETHa, VETHb, ...), client i at 10.NET.i.2/24 and SRV at
# 10.NET.i.1; no forwarding in SRV (clients reach each other only through Serval), no
# duplicate address detection in the clients (IPv6 link-local works at once on TAPs).
star_ns() {
  local net=$1 veth=$2 srv=$3 i=0 ns letters=(a b c d e f g h); shift 3
  make_ns "$srv"
  in_ns "$srv" sysctl -qw net.ipv4.ip_forward=0
  for ns in "$@"; do
    make_ns "$ns"
    link_ns "$srv" "10.$net.$((i + 1)).1/24" "$ns" "10.$net.$((i + 1)).2/24" "$veth${letters[i]}"
    in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
    i=$((i + 1))
  done
}

# e2e_star NAME NET VETH SRV CLIENT...: e2e_out NAME, then star_ns NET VETH SRV CLIENT...
e2e_star() {
  e2e_out "$1"
  shift
  star_ns "$@"
}

# bg NS LOGFILE COMMAND...: runs a command in a namespace in the background; sets BG_PID
bg() {
  local ns=$1 log=$2; shift 2
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  BG_PID=$!
  E2E_PIDS+=("$BG_PID")
}

# bg_ready NS SECONDS PATTERN OUT COMMAND...: runs a helper of these tests (prelogin.py,
# holdconns.py...) in a namespace in the background, its output in OUT and its errors in
# OUT.err, and returns once a line of OUT matches PATTERN (it says it is ready), with what
# it said as a note; stops the run, with the helper's last words, if none does. Sets BG_PID.
bg_ready() {
  local ns=$1 secs=$2 pattern=$3 outf=$4; shift 4
  # Not through in_ns (a function): $! must be the helper, which ip netns exec execs.
  ip netns exec "$ns" "$@" >"$outf" 2>"$outf.err" &
  BG_PID=$!
  E2E_PIDS+=("$BG_PID")
  wait_for "$secs" grep -q "$pattern" "$outf" \
    || bail "$* did not get ready (no line $pattern in $outf): $(tail -3 "$outf.err" "$outf" | tr '\n' ' ')"
  note "$(cat "$outf")"
}

e2e_cleanup() {
  local pid ns
  for pid in "${E2E_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.3
  for pid in "${E2E_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for ns in "${E2E_NETNS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
}

e2e_finish() {
  echo "1..$E2E_N"
  [ "$E2E_FAILED" -eq 0 ]
}

# add_user DATA OUT USER [OPTION...]: a user of the data directory DATA with the password
# pw-USER-PID, kept in OUT/USER.pw for the clients; OPTIONs go to `user add` (--admin).
add_user() {
  local data=$1 out=$2 u=$3; shift 3
  echo "pw-$u-$$" > "$out/$u.pw"
  "$SERVER" --data-dir "$data" user add "$u" "$@" < "$out/$u.pw" >/dev/null || bail "cannot add user $u"
}

# add_users DATA OUT USER...: add_user for each USER.
add_users() {
  local data=$1 out=$2 u; shift 2
  for u in "$@"; do add_user "$data" "$out" "$u"; done
}

# alice_in_red DATA OUT: a data directory with user alice (password in
# OUT/alice.pw) allowed in VLAN red; sets FP to the server's fingerprint.
alice_in_red() { users_in_red "$1" "$2" alice; }

# users_in_red DATA OUT USER...: add_users, then VLAN red with every USER allowed in it;
# sets FP to the server's fingerprint.
users_in_red() {
  local data=$1 out=$2 u; shift 2
  add_users "$data" "$out" "$@"
  "$SERVER" --data-dir "$data" vlan add red >/dev/null || bail "cannot add VLAN red"
  for u in "$@"; do
    "$SERVER" --data-dir "$data" user grant "$u" red >/dev/null || bail "cannot grant red to $u"
  done
  FP=$("$SERVER" --data-dir "$data" fingerprint) || bail "cannot read the fingerprint"
}

# add_admin DATA OUT: the administrator root, its password in OUT/root.pw.
add_admin() {
  echo "pw-root-$$" >"$2/root.pw"
  "$SERVER" --data-dir "$1" user add root --admin <"$2/root.pw" >/dev/null || bail "cannot add the administrator root"
}

# need_cmd CMD PACKAGE [CMD PACKAGE]...: fails the test, naming the package, unless every
# CMD is on PATH.
need_cmd() {
  while [ $# -ge 2 ]; do
    command -v "$1" >/dev/null || bail "cannot run: $1 is missing (apt-get install $2)"
    shift 2
  done
}
