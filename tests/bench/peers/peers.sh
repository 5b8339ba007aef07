# The peers Serval is measured against, set up in the benchmark's namespaces:
# SoftEther's Virtual Hub, OpenVPN 2.6 TAP client-to-client, tinc 1.0 in switch
# mode and n2n through its supernode. Every peer relays c1 -> srv -> c2 (srv does
# not forward IP), runs with its defaults except what the topology needs, and
# gets its own overlay /24. Sourced by run-bench.sh, which provides: $SRV $C1 $C2
# (namespaces), $SRV_IP1 $SRV_IP2 (the server's address on each client link),
# $W (work dir), spawn NAME NS CMD..., in_ns, wait_for, overlay NS ADDR DEV, info.
# shellcheck shell=bash

PEER_TPL=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/templates
PEER_PACKAGES="openvpn tinc n2n softether-vpnserver softether-vpnclient"

# Per peer: overlay destination address (on c2), its interface there, the daemon
# that runs on the server, the two client daemons, and the label in the summary.
declare -A PATH_IP PATH_DEV PATH_SRVD PATH_CLID PATH_LABEL
peer_def() { PATH_IP[$1]=$2 PATH_DEV[$1]=$3 PATH_SRVD[$1]=$4 PATH_CLID[$1]=$5 PATH_LABEL[$1]=$6; }
peer_def softether     192.168.75.2 vpn_se0 se-srv  "se-c1 se-c2"   "SoftEther 5.01 Virtual Hub, default (UDP acceleration)"
peer_def softether-tcp 192.168.76.2 vpn_se1 se-srv  "se-c1 se-c2"   "SoftEther 5.01 Virtual Hub, TLS/TCP (UDP acceleration off)"
peer_def ovpn-udp      192.168.71.2 ovu     ovs-udp "ovc1-udp ovc2-udp" "OpenVPN 2.6 TAP client-to-client, UDP"
peer_def ovpn-tcp      192.168.72.2 ovt     ovs-tcp "ovc1-tcp ovc2-tcp" "OpenVPN 2.6 TAP client-to-client, TCP"
peer_def tinc          192.168.73.2 tinc0   tinc-srv "tinc-c1 tinc-c2" "tinc 1.0 switch mode, relayed by the server node"
peer_def n2n           192.168.74.2 n2n0    n2n-sn  "n2n-c1 n2n-c2"   "n2n 1.3 supernode relay"
ALL_PEERS="softether softether-tcp ovpn-udp ovpn-tcp tinc n2n"

# peer_installed PEER: whether the programs the peer needs are on this machine
peer_installed() {
  case $1 in
    ovpn-*) command -v openvpn >/dev/null && command -v openssl >/dev/null ;;
    tinc) command -v tincd >/dev/null ;;
    n2n) command -v edge >/dev/null && command -v supernode >/dev/null ;;
    softether*) [ -x /usr/libexec/softether/vpnserver/vpnserver ] &&
                [ -x /usr/libexec/softether/vpnclient/vpnclient ] && command -v vpncmd >/dev/null ;;
    *) return 1 ;;
  esac
}

# fill TEMPLATE KEY=VALUE...: the template with each @KEY@ replaced
fill() {
  local s kv
  s=$(cat "$PEER_TPL/$1"); shift
  for kv in "$@"; do s=${s//@${kv%%=*}@/${kv#*=}}; done
  printf '%s\n' "$s"
}

# peer_start PEER: sets the peer up; false if it cannot
peer_start() {
  case $1 in
    ovpn-udp) start_openvpn udp ;;
    ovpn-tcp) start_openvpn tcp ;;
    tinc) start_tinc ;;
    n2n) start_n2n ;;
    softether|softether-tcp) [ -n "${DPID[se-srv]:-}" ] || start_softether ;;
  esac
}

openvpn_certs() {
  [ -f "$W/pki/srv.crt" ] && return 0
  mkdir -p "$W/pki"
  ( cd "$W/pki" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
      -out ca.crt -days 2 -subj /CN=serval-bench-ca || exit 1
    for n in srv c1 c2; do
      eku=clientAuth; [ $n = srv ] && eku=serverAuth
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $n.key \
        -out $n.csr -subj /CN=$n || exit 1
      printf 'extendedKeyUsage=%s\nkeyUsage=digitalSignature,keyAgreement\n' $eku > $n.ext
      openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile $n.ext -out $n.crt || exit 1
    done ) >> "$W/openssl.log" 2>&1
}

# Not the usual 1194: SoftEther 5.01's own OpenVPN module listens on UDP 1194 in the
# same server namespace.
start_openvpn() { # start_openvpn udp|tcp
  local t=$1 port=11194 sp=udp cp=udp dev=ovu net=192.168.71 c i=1
  [ "$t" = tcp ] && { port=11195 sp=tcp-server cp=tcp-client dev=ovt net=192.168.72; }
  openvpn_certs || { info "openvpn: cannot make certificates (see $W/openssl.log)"; return 1; }
  fill openvpn-server.conf PROTO=$sp PORT=$port DEV=$dev DIR="$W/pki" > "$W/ovs-$t.conf"
  spawn ovs-$t "$SRV" openvpn --config "$W/ovs-$t.conf"
  # The server relays nothing until its own TAP device is up (it has no address).
  wait_for 10 in_ns "$SRV" ip link show $dev || return 1
  in_ns "$SRV" ip link set $dev up
  for c in $C1 $C2; do
    fill openvpn-client.conf PROTO=$cp REMOTE="$( [ $i = 1 ] && echo "$SRV_IP1" || echo "$SRV_IP2")" \
      PORT=$port DEV=$dev DIR="$W/pki" NAME=c$i > "$W/ovc$i-$t.conf"
    spawn ovc$i-$t "$c" openvpn --config "$W/ovc$i-$t.conf"
    i=$((i + 1))
  done
  for i in 1 2; do
    wait_for 20 grep -q 'Initialization Sequence Completed' "$W/ovc$i-$t.log" || return 1
  done
  overlay "$C1" $net.1/24 $dev && overlay "$C2" $net.2/24 $dev
}

start_tinc() {
  local n m dir ct
  for n in srv c1 c2; do
    dir=$W/tinc/$n; mkdir -p "$dir/hosts"
    ct=""; [ $n != srv ] && ct="ConnectTo = srv"
    fill tinc.conf NAME=$n CONNECTTO="$ct" > "$dir/tinc.conf"
    tincd -c "$dir" -K2048 < /dev/null >> "$W/tinc-keygen.log" 2>&1 || return 1
  done
  for n in c1 c2; do cat "$PEER_TPL/tinc-client-host.extra" >> "$W/tinc/$n/hosts/$n"; done
  for n in srv c1 c2; do for m in srv c1 c2; do
    [ $n != $m ] && cp "$W/tinc/$m/hosts/$m" "$W/tinc/$n/hosts/$m"
  done; done
  echo "Address = $SRV_IP1" >> "$W/tinc/c1/hosts/srv"   # each client's own way to the server
  echo "Address = $SRV_IP2" >> "$W/tinc/c2/hosts/srv"
  spawn tinc-srv "$SRV" tincd -c "$W/tinc/srv" -D -d1 --pidfile="$W/tinc/srv.pid"
  spawn tinc-c1 "$C1" tincd -c "$W/tinc/c1" -D -d1 --pidfile="$W/tinc/c1.pid"
  spawn tinc-c2 "$C2" tincd -c "$W/tinc/c2" -D -d1 --pidfile="$W/tinc/c2.pid"
  for n in "$SRV" "$C1" "$C2"; do wait_for 10 in_ns "$n" ip link show tinc0 || return 1; done
  in_ns "$SRV" ip link set tinc0 up                     # a switch port on the server, no address
  overlay "$C1" 192.168.73.1/24 tinc0 && overlay "$C2" 192.168.73.2/24 tinc0
}

start_n2n() {
  spawn n2n-sn "$SRV" supernode -l 7654
  sleep 0.5
  spawn n2n-c1 "$C1" edge -d n2n0 -a 192.168.74.1 -c servalbench -k servalbenchkey -l "$SRV_IP1:7654"
  spawn n2n-c2 "$C2" edge -d n2n0 -a 192.168.74.2 -c servalbench -k servalbenchkey -l "$SRV_IP2:7654"
  wait_for 10 in_ns "$C1" ip link show n2n0 && wait_for 10 in_ns "$C2" ip link show n2n0
}

# SoftEther keeps its state in fixed paths (/var/lib/softether, /var/log/softether,
# /run/softether). Each daemon gets its own copy through bind mounts made inside the
# private mount namespace that "ip netns exec" gives each command.
SE_DIRS="/var/lib/softether /var/log/softether /run/softether"
SE_MADE=()
se_spawn() { # se_spawn NAME NS PROGRAM
  local d=$W/se/$1
  mkdir -p "$d/lib" "$d/log" "$d/run"
  spawn "$1" "$2" sh -c 'mount --bind "$1/lib" /var/lib/softether && mount --bind "$1/log" /var/log/softether &&
    mount --bind "$1/run" /run/softether && exec "$2" execsvc' sh "$d" "$3"
}
se_cmd() { # se_cmd NAME NS VPNCMD-ARGS...: vpncmd with the state dirs of daemon NAME
  local d=$W/se/$1 n=$2; shift 2
  ip netns exec "$n" sh -c 'mount --bind "$1/lib" /var/lib/softether && mount --bind "$1/log" /var/log/softether &&
    mount --bind "$1/run" /run/softether && shift && exec vpncmd "$@"' sh "$d" "$@"
}
se_established() { se_cmd "se-$1" "$2" localhost /CLIENT /CMD AccountStatusGet "$3" | grep -q 'Session Established'; }
start_softether() {
  local d i c a
  for d in $SE_DIRS; do [ -d "$d" ] || { mkdir -p "$d" && SE_MADE+=("$d"); }; done
  se_spawn se-srv "$SRV" /usr/libexec/softether/vpnserver/vpnserver
  wait_for 20 se_cmd se-srv "$SRV" localhost:5555 /SERVER /CMD About || return 1
  fill softether-server.vpncmd PASS=servalbenchpw > "$W/se-srv.vpncmd"
  se_cmd se-srv "$SRV" localhost:5555 /SERVER /IN:"$W/se-srv.vpncmd" >> "$W/se-srv-cmd.log" 2>&1
  i=1
  for c in "$C1" "$C2"; do
    se_spawn se-c$i "$c" /usr/libexec/softether/vpnclient/vpnclient
    wait_for 20 se_cmd se-c$i "$c" localhost /CLIENT /CMD About || return 1
    fill softether-client.vpncmd SERVER="$( [ $i = 1 ] && echo "$SRV_IP1" || echo "$SRV_IP2")" \
      USER=u$i PASS=servalbenchpw > "$W/se-c$i.vpncmd"
    se_cmd se-c$i "$c" localhost /CLIENT /IN:"$W/se-c$i.vpncmd" >> "$W/se-c$i-cmd.log" 2>&1
    i=$((i + 1))
  done
  for i in 1 2; do
    c=$C1; [ $i = 2 ] && c=$C2
    for a in a1 a2; do wait_for 20 se_established c$i "$c" $a || return 1; done
    wait_for 10 in_ns "$c" ip link show vpn_se0 && wait_for 10 in_ns "$c" ip link show vpn_se1 || return 1
  done
  overlay "$C1" 192.168.75.1/24 vpn_se0 && overlay "$C2" 192.168.75.2/24 vpn_se0 &&  # hub DEFAULT
  overlay "$C1" 192.168.76.1/24 vpn_se1 && overlay "$C2" 192.168.76.2/24 vpn_se1     # hub TCPONLY
}

# The dirs start_softether had to make on this machine; run-bench.sh's cleanup removes them.
peers_cleanup() {
  local d
  for d in "${SE_MADE[@]}"; do rmdir "$d" 2>/dev/null; done
  return 0
}
