#!/usr/bin/env bash
# End to end: a VLAN that works when you flip the switch (issue 14), against the real
# server and clients in network namespaces. VLAN blue has the subnet 10.77.0.0/24 and the
# IPv6 prefix fd00:77::/64; alice, bob, carol and mallory join it with servalctl up, and
# dave, who has the bridge right, bridges a LAN host in:
#   - each member gets an address with no ip command run here, and pings the others by it;
#     IPv6 addresses come from the server's router advertisements;
#   - the LAN host gets its address from the server's DHCP with busybox's udhcpc and
#     pings alice and bob;
#   - leaving and joining again keeps the address;
#   - an ARP request for a member reaches only the asker's answer (mallory, listening,
#     sees none; counted), an unknown address is flooded as before;
#   - mallory sending from another MAC, or claiming bob's address in ARP, is dropped
#     (counted), and alice still reaches bob;
#   - the rule "deny proto tcp from carol port 22" stops carol's SSH to alice at once
#     while her ping goes on; deleting it lets SSH through again.
# Output is TAP; the logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

require_serval
command -v busybox >/dev/null || bail "busybox is missing (apt-get install busybox): its udhcpc is the stock DHCP client this test uses"

P=lan$$
SRV=$P-srv C1=$P-alice C2=$P-bob C3=$P-carol C4=$P-mallory C5=$P-dave LAN=$P-lan
e2e_out serval-e2e-lan
USERS=(alice bob carol mallory dave)
NS=("$C1" "$C2" "$C3" "$C4" "$C5")

star_ns 235 "$P" "$SRV" "${NS[@]}"
make_ns "$LAN"
# dave's machine has a second card, lan0, to a LAN with one host (a printer, say)
ip link add "${P}l0" netns "$C5" type veth peer name "${P}l1" netns "$LAN" || bail "cannot make the LAN's veth"
in_ns "$C5" ip link set "${P}l0" name lan0
in_ns "$LAN" ip link set "${P}l1" name eth0
in_ns "$LAN" ip link set eth0 up

srv() { "$SERVER" --data-dir "$data" "$@"; }
add_users "$data" "$out" "${USERS[@]}"
echo "pw-root-$$" >"$out/root.pw"
srv user add root --admin <"$out/root.pw" >/dev/null || bail "cannot add the administrator"
srv vlan add blue >/dev/null || bail "cannot add VLAN blue"
srv vlan set blue --subnet 10.77.0.0/24 --prefix6 fd00:77::/64 >/dev/null || bail "cannot give blue a subnet"
for u in "${USERS[@]}"; do srv user grant "$u" blue >/dev/null || bail "cannot grant blue to $u"; done
srv user grant dave --bridge >/dev/null || bail "cannot give dave the bridge right"
FP=$(srv fingerprint) || bail "cannot read the fingerprint"
bg "$SRV" "$out/server.log" "$SERVER" --data-dir "$data" --listen 0.0.0.0:7465 --http 127.0.0.1:9466
SERVER_PID=$BG_PID
wait_for 10 in_ns "$SRV" bash -c "exec 3<>/dev/tcp/10.235.1.1/7465" || bail "serval-server did not start: $(tail -5 "$out/server.log")"

metric() { # metric NAME{LABELS}: its value on /metrics, 0 if absent (labels may hold spaces)
  in_ns "$SRV" curl -s http://127.0.0.1:9466/metrics |
    awk -v m="$1 " 'index($0, m) == 1 { print $NF; f = 1 } END { if (!f) print 0 }'
}
# up I [ARGS...]: USERS[I]'s servalctl up --vlan blue, log in $out/USER.log
up() {
  local i=$1; shift
  ip netns exec "${NS[i]}" "$CTL" --server "10.235.$((i + 1)).1:7465" --user "${USERS[i]}" \
    --password-file "$out/${USERS[i]}.pw" --fingerprint "$FP" up --vlan blue "$@" >"$out/${USERS[i]}.log" 2>&1 &
  E2E_PIDS+=($!)
  UP_PID[i]=$!
}
leased() { # leased I: the address USERS[I]'s servalctl says it got, without the length
  sed -n 's/^sv-blue address: \([0-9.]*\)\/24 (leased by the server)$/\1/p' "$out/${USERS[$1]}.log" | tail -n 1
}
tap_has() { in_ns "${NS[$1]}" ip -4 -o addr show dev sv-blue | grep -q " $2/24 "; }
ctl() { # ctl ARGS...: servalctl as the administrator, from alice's namespace
  ip netns exec "$C1" "$CTL" --server 10.235.1.1:7465 --user root --password-file "$out/root.pw" \
    --fingerprint "$FP" "$@"
}

declare -A ADDR
for i in 0 1 2 3; do up "$i"; done
for i in 0 1 2 3; do
  u=${USERS[i]}
  wait_for 20 grep -q "sv-blue address: " "$out/$u.log" || bail "$u got no address: $(tail -3 "$out/$u.log")"
  ADDR[$u]=$(leased "$i")
done
note "leased: alice ${ADDR[alice]}, bob ${ADDR[bob]}, carol ${ADDR[carol]}, mallory ${ADDR[mallory]}"
check "servalctl up shows each member the address it got, in 10.77.0.0/24" \
  bash -c "for a in ${ADDR[*]}; do case \$a in 10.77.0.*) ;; *) exit 1 ;; esac; done"
check "no two members got the same address" \
  test "$(printf '%s\n' "${ADDR[@]}" | sort -u | wc -l)" -eq 4
check "the server's own address 10.77.0.1 went to nobody" \
  bash -c "! printf '%s\n' ${ADDR[*]} | grep -qx 10.77.0.1"
for i in 0 1; do
  check "${USERS[i]}'s sv-blue has ${ADDR[${USERS[i]}]} (no ip command run here)" wait_for 10 tap_has "$i" "${ADDR[${USERS[i]}]}"
done
check "alice pings bob by the address the server gave him" wait_for 10 in_ns "$C1" ping -c 1 -W 1 "${ADDR[bob]}"
check "bob pings carol" wait_for 10 in_ns "$C2" ping -c 1 -W 1 "${ADDR[carol]}"
check "alice's sv-blue gets an IPv6 address in fd00:77::/64 from the server's router advertisements" \
  wait_for 20 bash -c "ip netns exec $C1 ip -6 -o addr show dev sv-blue | grep -q 'inet6 fd00:77::'"
check "servalctl members shows bob's leased address" \
  bash -c "ip netns exec $C1 $CTL --server 10.235.1.1:7465 --user alice --password-file $out/alice.pw --fingerprint $FP members blue | grep bob | grep -q '${ADDR[bob]}'"

# --- ARP answered by the server -----------------------------------------------------
in_ns "$C4" python3 "$here/arptool.py" count sv-blue "${ADDR[bob]}" 4 >"$out/arp-known.log" 2>&1 &
pa=$!
wait_for 3 grep -q listening "$out/arp-known.log"
ANSWERED0=$(metric 'serval_arp_requests_total{result="answered"}')
in_ns "$C3" ip neigh flush dev sv-blue
check "carol reaches bob after forgetting his MAC" in_ns "$C3" ping -c 1 -W 2 "${ADDR[bob]}"
in_ns "$C3" arping -c 2 -w 3 -I sv-blue "${ADDR[bob]}" >"$out/arping.log" 2>&1
check "carol's arping for bob is answered" grep -q "reply from ${ADDR[bob]}\|Unicast reply from ${ADDR[bob]}" "$out/arping.log"
wait $pa
ANSWERED1=$(metric 'serval_arp_requests_total{result="answered"}')
note "ARP requests for bob that mallory saw: $(tail -n 1 "$out/arp-known.log"); answered by the server: $ANSWERED0 -> $ANSWERED1"
check "mallory saw none of carol's ARP requests for bob (the server answered them)" test "$(tail -n 1 "$out/arp-known.log")" = 0
check "/metrics counts them as answered" test "$ANSWERED1" -ge $((ANSWERED0 + 2))
in_ns "$C4" python3 "$here/arptool.py" count sv-blue 10.77.0.250 3 >"$out/arp-unknown.log" 2>&1 &
pa=$!
wait_for 3 grep -q listening "$out/arp-unknown.log"
FLOODED0=$(metric 'serval_arp_requests_total{result="flooded"}')
in_ns "$C3" arping -c 2 -w 2 -I sv-blue 10.77.0.250 >/dev/null 2>&1
wait $pa
check "an ARP request for an address nobody holds is flooded: mallory sees it" test "$(tail -n 1 "$out/arp-unknown.log")" -ge 1
check "/metrics counts it as flooded" test "$(metric 'serval_arp_requests_total{result="flooded"}')" -gt "$FLOODED0"

# --- anti-spoofing --------------------------------------------------------------------
SPOOF_MAC0=$(metric 'serval_frames_dropped_total{reason="spoofed_mac"}')
in_ns "$C4" python3 "$here/rawframe.py" send sv-blue ff:ff:ff:ff:ff:ff 0x88B5 "other-mac-$$" 02:66:66:66:66:66
check "a frame from another MAC than mallory joined with is dropped (spoofed_mac)" \
  wait_for 5 bash -c "test \"\$(ip netns exec $SRV curl -s http://127.0.0.1:9466/metrics | awk '\$1 == \"serval_frames_dropped_total{reason=\\\"spoofed_mac\\\"}\" { print \$2 }')\" -gt $SPOOF_MAC0"
SPOOF_IP0=$(metric 'serval_frames_dropped_total{reason="spoofed_address"}')
in_ns "$C4" python3 "$here/arptool.py" claim sv-blue "${ADDR[bob]}"
sleep 0.5
check "mallory's ARP reply claiming bob's address is dropped (spoofed_address)" \
  test "$(metric 'serval_frames_dropped_total{reason="spoofed_address"}')" -gt "$SPOOF_IP0"
BOB_MAC=$(in_ns "$C2" cat /sys/class/net/sv-blue/address)
check "alice still reaches bob" in_ns "$C1" ping -c 2 -i 0.2 -W 2 "${ADDR[bob]}"
check "and alice's neighbour entry for bob's address is bob's MAC" \
  bash -c "ip netns exec $C1 ip neigh show ${ADDR[bob]} dev sv-blue | grep -qi $BOB_MAC"

# --- a rule, applied to live traffic -----------------------------------------------------
bg "$C1" "$out/ssh-listener.log" python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('${ADDR[alice]}', 22)); s.listen(16)
while True:
    c, _ = s.accept(); c.close()"
ssh_ok() { in_ns "$C3" timeout 3 bash -c "exec 3<>/dev/tcp/${ADDR[alice]}/22"; }
check "carol reaches alice's SSH port before any rule" wait_for 10 ssh_ok
check "servalctl vlan rule add blue deny proto tcp from carol port 22" \
  ctl vlan rule add blue deny proto tcp from carol port 22
check "carol's SSH to alice is blocked at once" bash -c "! ip netns exec $C3 timeout 3 bash -c 'exec 3<>/dev/tcp/${ADDR[alice]}/22'"
check "carol still pings alice" in_ns "$C3" ping -c 2 -i 0.2 -W 2 "${ADDR[alice]}"
check "bob's SSH to alice still works" in_ns "$C2" timeout 3 bash -c "exec 3<>/dev/tcp/${ADDR[alice]}/22"
check "/metrics counts the rule's hits" \
  test "$(metric 'serval_rule_hits_total{vlan="blue",rule="1",text="deny proto tcp from carol port 22"}')" -ge 1
check "servalctl vlan rule del blue 1" ctl vlan rule del blue 1
check "carol's SSH to alice works again" wait_for 5 ssh_ok

# --- leave and join again: the same address -------------------------------------------
kill "${UP_PID[1]}"
wait_for 10 bash -c "! kill -0 ${UP_PID[1]}"
mv "$out/bob.log" "$out/bob-1.log"
up 1
wait_for 20 grep -q "sv-blue address: " "$out/bob.log"
check "bob, back after leaving, has the same address ${ADDR[bob]}" test "$(leased 1)" = "${ADDR[bob]}"

# --- a LAN bridged in: its host gets its address from the server's DHCP ---------------
up 4 --bridge lan0
check "dave bridges lan0 into blue" wait_for 15 grep -q "sv-blue is in the bridge svbr-lan0 with lan0" "$out/dave.log"
cat >"$out/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# busybox udhcpc's hook: put the address it was given on the card, and say it
case "$1" in
  bound | renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"; echo "$ip" >"$(dirname "$0")/lan.address" ;;
esac
SCRIPT
chmod +x "$out/udhcpc.script"
check "the LAN host's stock DHCP client (busybox udhcpc) gets an address from the server" \
  in_ns "$LAN" busybox udhcpc -i eth0 -n -q -t 8 -T 1 -s "$out/udhcpc.script"
LAN_ADDR=$(cat "$out/lan.address" 2>/dev/null)
note "the LAN host got ${LAN_ADDR:-nothing}"
check "its address is in blue's subnet and nobody else's" \
  bash -c "case '$LAN_ADDR' in 10.77.0.*) ! printf '%s\n' ${ADDR[*]} | grep -qx '$LAN_ADDR' ;; *) exit 1 ;; esac"
check "the LAN host pings alice through dave's bridge and the server" wait_for 10 in_ns "$LAN" ping -c 1 -W 1 "${ADDR[alice]}"
check "the LAN host pings bob" in_ns "$LAN" ping -c 2 -i 0.2 -W 2 "${ADDR[bob]}"
# --- the leased address stays listed first, whatever the device announces --------------
members_bob_has() { # members_bob_has PATTERN: bob's line of servalctl members matches it
  ip netns exec "$C1" "$CTL" --server 10.235.1.1:7465 --user alice --password-file "$out/alice.pw" \
    --fingerprint "$FP" members blue 2>/dev/null | grep bob | grep -q "$1"
}
in_ns "$C2" ip addr del "${ADDR[bob]}/24" dev sv-blue
in_ns "$C2" ip addr add 192.168.77.2/24 dev sv-blue
check "bob's client announces the address he set by hand" wait_for 20 members_bob_has 192.168.77.2
check "and the list still shows his leased address, first" members_bob_has "[[:space:]]${ADDR[bob]},.*192.168.77.2"
kill "${UP_PID[4]}"
check "when dave leaves, the lease of the host bridged in through him is released" \
  wait_for 10 grep -q "dave@.* left VLAN “blue”: the leases of 1 host bridged in through it are released" "$out/server.log"
check "the server survived it all" kill -0 "$SERVER_PID"

e2e_finish
