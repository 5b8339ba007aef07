#!/usr/bin/env bash
# The privileged TAP helper (serval-tap-helper), the engine's serval_tap_attach() and the
# app's serval_tap_open_async(), in a network namespace the test makes.
#
# Root plays pkexec (PKEXEC_UID=65534) to make devices for uid 65534 ("nobody"); tap-user,
# run as uid 65534, attaches and exchanges frames with the root side (a packet socket on
# the device). The last part runs the real pkexec against a private system bus and a
# polkitd of its own, with a polkit rule that allows uid 65534, inside a private mount
# namespace; nothing of the machine's polkit or D-Bus is touched.
#
# The unprivileged runs need a /dev/net/tun that everyone may open (mode 0666, as on every
# desktop). Containers often have it 0600: the private mount namespace gets its own 0666
# node for the same device, so the machine's /dev is not changed.
# Output is TAP; logs stay in $E2E_OUT (default: a new folder under /tmp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"

HELPER=${SERVAL_TAP_HELPER_BIN:-}
TAPUSER=${TAP_USER:-}
POLICY=${SERVAL_POLKIT_POLICY:-}
RAW="python3 $here/../e2e/rawframe.py"
NOBODY=65534

require_root
for tool in setpriv nsenter unshare mknod pkexec dbus-daemon; do
  command -v "$tool" >/dev/null || bail "cannot run: $tool is missing (packages: util-linux, pkexec, dbus-daemon)"
done
POLKITD=/usr/lib/polkit-1/polkitd
[ -x "$POLKITD" ] || bail "cannot run: $POLKITD is missing (install the Debian package polkitd)"
[ -u "$(command -v pkexec)" ] || bail "cannot run: pkexec is not setuid root (reinstall the Debian package pkexec)"
[ -x "$HELPER" ] || bail "cannot run: no serval-tap-helper at '$HELPER' (set SERVAL_TAP_HELPER_BIN; meson test does)"
[ -x "$TAPUSER" ] || bail "cannot run: no tap-user at '$TAPUSER' (set TAP_USER; meson test does)"
[ -f "$POLICY" ] || bail "cannot run: no polkit policy at '$POLICY' (set SERVAL_POLKIT_POLICY; meson test does once data/meson.build has subdir('polkit'))"
setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups test -x "$TAPUSER" \
  || bail "cannot run: uid $NOBODY cannot run $TAPUSER (the build tree must be readable by all)"

NS=svh$$
e2e_out serval-helper
chmod 755 "$out"
make_ns "$NS"
in_ns "$NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1   # no router solicitations on the devices

helper_as() { local uid=$1; shift; in_ns "$NS" env PKEXEC_UID="$uid" "$HELPER" "$@"; }
link() { in_ns "$NS" ip -d link show "$1"; }
has_link() { in_ns "$NS" ip link show "$1" >/dev/null 2>&1; }

oneline() { tr '\n' ' '; }

# expect STATUS PATTERN DESCRIPTION COMMAND...: the command exits with STATUS and says PATTERN
expect() {
  local want=$1 pattern=$2 desc=$3; shift 3
  local got text
  text=$("$@" 2>&1); got=$?
  printf '%s\n--- %s: exit %s\n%s\n' "$*" "$desc" "$got" "$text" >>"$E2E_LOG"
  if [ "$got" -eq "$want" ] && grep -q -- "$pattern" <<<"$text"; then
    tap_ok "$desc"
  else
    tap_fail "$desc (exit $got, wanted $want and “$pattern”): $(oneline <<<"$text")"
  fi
}

# --- the sandbox: a private mount namespace inside $NS ---------------------------------
sb=$out/sandbox
mkdir -p "$sb"
sed "s|<annotate key=\"org.freedesktop.policykit.exec.path\">[^<]*<|<annotate key=\"org.freedesktop.policykit.exec.path\">$HELPER<|" \
  "$POLICY" >"$out/test.policy"
cat >"$out/10-serval-test.rules" <<'EOF'
// The test's admin rule: uid 65534 may make Serval devices, except one named sv-deny.
polkit.addRule(function(action, subject) {
  if (action.id == "org.serval.Serval.create-tap" && subject.user == "nobody") {
    if (action.lookup("command_line").indexOf("sv-deny") >= 0)
      return polkit.Result.NO;
    return polkit.Result.YES;
  }
});
EOF
cat >"$out/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
# Not through in_ns: $! must be the namespace's process itself (ip netns exec, unshare and
# the script all exec), and every process of the test must be inside $NS.
ip netns exec "$NS" unshare -m --propagation private bash -c '
  set -e
  sb=$1 out=$2
  mount -t tmpfs -o mode=755 serval-test "$sb"
  mkdir "$sb/actions" "$sb/rules" "$sb/dbus"
  cp "$out/test.policy" "$sb/actions/org.serval.Serval.policy"
  cp "$out/10-serval-test.rules" "$sb/rules/"
  chmod 755 "$sb/actions" "$sb/rules"; chmod 644 "$sb/actions/"* "$sb/rules/"*
  mknod -m 0666 "$sb/tun" c 10 200
  mount --bind "$sb/tun" /dev/net/tun
  mount --bind "$sb/actions" /usr/share/polkit-1/actions
  mount --bind "$sb/rules" /etc/polkit-1/rules.d
  mount --bind "$sb/rules" /usr/share/polkit-1/rules.d
  mkdir -p /run/dbus
  mount -t tmpfs -o mode=755 serval-test-dbus /run/dbus
  touch "$out/sandbox.ready"
  exec sleep 3600
' sandbox "$sb" "$out" >"$out/sandbox.log" 2>&1 &
SB_PID=$!
E2E_PIDS+=("$SB_PID")
wait_for 10 test -e "$out/sandbox.ready" || bail "cannot make the test's mount namespace: $(oneline <"$out/sandbox.log")"
# The process to enter is the sleep (ip netns exec and unshare exec, so it is $SB_PID);
# make sure, since everything run there must stay out of the machine's namespaces.
[ "$(readlink /proc/$SB_PID/ns/net)" = "$(in_ns "$NS" readlink /proc/self/ns/net)" ] &&
  [ "$(readlink /proc/$SB_PID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
  bail "the test's mount namespace is not where it should be (pid $SB_PID)"
in_sb() { nsenter -t "$SB_PID" -m -n "$@"; }
as_nobody() { in_sb setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups env -i PATH=/usr/bin:/bin "$@"; }
in_sb test -c /dev/net/tun -a -w /dev/net/tun || bail "the test's /dev/net/tun node does not work"

# exchange DEVICE TAG LOG COMMAND...: runs an unprivileged tap-user COMMAND that writes
# up-TAG frames into DEVICE until it reads a down-TAG frame; the root side checks it sees
# an up-TAG frame on the device and then sends down-TAG frames out of the device.
exchange() {
  local dev=$1 tag=$2 log=$3; shift 3
  local upid rpid end
  "$@" >"$log" 2>&1 &
  upid=$!
  E2E_PIDS+=("$upid")
  if ! wait_for 20 grep -q "^device $dev" "$log"; then
    tap_fail "uid $NOBODY opens $dev ($tag): $(tail -3 "$log" | oneline)"
    kill "$upid" 2>/dev/null
    tap_fail "no frame exchange on $dev ($tag): the device did not open"
    return
  fi
  tap_ok "uid $NOBODY opens $dev ($tag): $(grep "^device" "$log" | oneline)"
  in_ns "$NS" $RAW recv "$dev" 0x88b5 "up-$tag" 10 >"$out/recv-$tag.log" 2>&1 &
  rpid=$!
  E2E_PIDS+=("$rpid")
  if wait "$rpid"; then
    tap_ok "the root side sees on $dev a frame written by uid $NOBODY ($(tail -1 "$out/recv-$tag.log"))"
  else
    tap_fail "the root side sees on $dev a frame written by uid $NOBODY: $(oneline <"$out/recv-$tag.log")"
  fi
  end=$((SECONDS + 15))
  while kill -0 "$upid" 2>/dev/null && [ $SECONDS -lt $end ]; do
    in_ns "$NS" $RAW send "$dev" ff:ff:ff:ff:ff:ff 0x88b5 "down-$tag" >/dev/null 2>&1
    sleep 0.2
  done
  if wait "$upid"; then
    tap_ok "uid $NOBODY reads a frame sent into $dev by root ($(grep '^read' "$log"))"
  else
    tap_fail "uid $NOBODY reads a frame sent into $dev by root: $(tail -4 "$log" | oneline)"
  fi
}

# --- the helper, run by root as pkexec would run it ------------------------------------
MAC1=02:5e:00:00:00:01 MAC2=02:5e:00:00:00:02
check "helper creates sv-lan for uid $NOBODY (PKEXEC_UID)" helper_as $NOBODY create sv-lan 1400 $MAC1
details=$(link sv-lan 2>&1)
echo "$details" >>"$E2E_LOG"
for want in "tun type tap" "pi off" "persist on" "user nobody" "link/ether $MAC1" "mtu 1400" ",UP"; do
  if grep -q -- "$want" <<<"$details"; then tap_ok "ip -d link: sv-lan has “$want”"
  else tap_fail "ip -d link: sv-lan has “$want”: $(oneline <<<"$details")"; fi
done
check "helper again on sv-lan (same owner) reconfigures it" helper_as $NOBODY create sv-lan 1500 $MAC2
details=$(link sv-lan 2>&1)
if grep -q "mtu 1500" <<<"$details" && grep -q "link/ether $MAC2" <<<"$details"; then
  tap_ok "sv-lan now has MTU 1500 and MAC $MAC2"
else
  tap_fail "sv-lan now has MTU 1500 and MAC $MAC2: $(oneline <<<"$details")"
fi

# --- the unprivileged side: serval_tap_attach() -----------------------------------------
t=attach$$
exchange sv-lan $t "$out/attach.log" as_nobody "$TAPUSER" attach sv-lan 1500 $MAC2 $t
check "sv-lan stays after an attach (still persistent)" has_link sv-lan

check "helper creates sv-other for uid 1000" helper_as 1000 create sv-other 1500 02:5e:00:00:00:03
expect 0 "error PERMISSION: The TAP device “sv-other” is not yours (its owner is uid 1000" "uid $NOBODY cannot attach to uid 1000's sv-other" \
  as_nobody "$TAPUSER" attach-fails sv-other
# (A device without owner, as "ip tuntap add" makes it, is open to everyone: that is the
# kernel's rule, and the helper refuses to touch such a device, below.)
in_ns "$NS" ip tuntap add dev sv-root mode tap
expect 0 "error PERMISSION: There is no network device “sv-none”: it must be prepared first" \
  "attaching to a missing device fails and says how to prepare it" as_nobody "$TAPUSER" attach-fails sv-none
expect 0 "error BUSY: The network device “lo” is not a TAP device" "attaching to a device that is not a TAP device (lo) fails" \
  as_nobody "$TAPUSER" attach-fails lo

# --- the helper refuses ----------------------------------------------------------------
expect 3 "not a Serval device name" "helper refuses the name eth0" helper_as $NOBODY create eth0 1500 $MAC1
expect 3 "not a Serval device name" "helper refuses sv- plus 20 characters" \
  helper_as $NOBODY create sv-abcdefghijklmnopqrst 1500 $MAC1
expect 3 "not a Serval device name" "helper refuses sv-../x" helper_as $NOBODY create sv-../x 1500 $MAC1
expect 3 "not a Serval device name" "helper refuses upper case (sv-LAN)" helper_as $NOBODY create sv-LAN 1500 $MAC1
expect 3 "not a Serval device name" "helper refuses a bare sv-" helper_as $NOBODY create sv- 1500 $MAC1
expect 5 "multicast" "helper refuses a multicast MAC" helper_as $NOBODY create sv-bad 1500 03:5e:00:00:00:01
expect 5 "all zeros" "helper refuses the zero MAC" helper_as $NOBODY create sv-bad 1500 00:00:00:00:00:00
expect 5 "not a MAC address" "helper refuses a malformed MAC" helper_as $NOBODY create sv-bad 1500 02:5e:00:00:00
expect 4 "out of range" "helper refuses MTU 575" helper_as $NOBODY create sv-bad 575 $MAC1
expect 4 "out of range" "helper refuses MTU 65518" helper_as $NOBODY create sv-bad 65518 $MAC1
expect 4 "out of range" "helper refuses MTU -1500" helper_as $NOBODY create sv-bad -1500 $MAC1
expect 4 "out of range" "helper refuses MTU 1500x" helper_as $NOBODY create sv-bad 1500x $MAC1
expect 2 "only root may run this" "helper refuses a caller that is not root (uid $NOBODY)" \
  in_ns "$NS" setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$HELPER" --owner $NOBODY create sv-bad 1500 $MAC1
expect 2 "only root may run this" "helper refuses a non-root caller even with PKEXEC_UID set" \
  in_ns "$NS" setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups env PKEXEC_UID=$NOBODY "$HELPER" create sv-bad 1500 $MAC1
expect 2 "say whose device it is" "helper run by root needs --owner without PKEXEC_UID" \
  in_ns "$NS" "$HELPER" create sv-bad 1500 $MAC1
expect 2 "cannot be used through pkexec" "helper refuses --owner together with PKEXEC_UID" \
  helper_as $NOBODY --owner 1000 create sv-bad 1500 $MAC1
expect 2 "is not a uid" "helper refuses a bad PKEXEC_UID" helper_as 12ab create sv-bad 1500 $MAC1
expect 1 "usage" "helper refuses an unknown command" helper_as $NOBODY rename sv-lan sv-x
check "no sv-bad device was made by any refused call" bash -c "! ip netns exec $NS ip link show sv-bad"
expect 6 "belongs to uid 1000, not to uid $NOBODY" "helper refuses to reconfigure uid 1000's sv-other" \
  helper_as $NOBODY create sv-other 1500 $MAC1
check "sv-other kept its MAC" bash -c "ip netns exec $NS ip link show sv-other | grep -q 02:5e:00:00:00:03"
expect 6 "has no owner" "helper refuses root's sv-root" helper_as $NOBODY create sv-root 1500 $MAC1
in_ns "$NS" ip link add sv-veth type veth peer name sv-veth2
expect 6 "is not a TAP device" "helper refuses a veth named sv-veth" helper_as $NOBODY create sv-veth 1500 $MAC1
expect 6 "belongs to uid 1000" "helper refuses to delete uid 1000's sv-other for uid $NOBODY" \
  helper_as $NOBODY delete sv-other
check "sv-other is still there" has_link sv-other
# --- address: the address the server leased, on the user's own device ---------------------
has_addr() { ip netns exec "$NS" ip -o addr show dev "$1" | grep -q "inet6\? $2 "; }
lacks_addr() { ! has_addr "$@"; }
check "helper prepares sv-addr for uid $NOBODY" helper_as $NOBODY create sv-addr 1500 $MAC1
in_ns "$NS" sysctl -qw net.ipv6.conf.sv-addr.disable_ipv6=0
check "helper gives sv-addr 10.77.0.5/24" helper_as $NOBODY address sv-addr 10.77.0.5/24
check "sv-addr has 10.77.0.5/24" has_addr sv-addr 10.77.0.5/24
check "helper gives sv-addr 10.77.0.6/24 in its place" helper_as $NOBODY address sv-addr 10.77.0.6/24
check "sv-addr has 10.77.0.6/24" has_addr sv-addr 10.77.0.6/24
check "sv-addr no longer has 10.77.0.5/24" lacks_addr sv-addr 10.77.0.5/24
check "helper gives sv-addr fd00:77::5/64" helper_as $NOBODY address sv-addr fd00:77::5/64
check "helper gives sv-addr fd00:77::6/64 in its place" helper_as $NOBODY address sv-addr fd00:77::6/64
check "sv-addr has fd00:77::6/64" has_addr sv-addr fd00:77::6/64
check "sv-addr no longer has fd00:77::5/64" lacks_addr sv-addr fd00:77::5/64
check "sv-addr kept 10.77.0.6/24 when given an IPv6 address" has_addr sv-addr 10.77.0.6/24
expect 10 "with its prefix length" "helper refuses an address without a prefix length" helper_as $NOBODY address sv-addr 10.77.0.7
expect 10 "from 8 to 32" "helper refuses 10.0.0.1/4 (a sixteenth of IPv4 routed into the device)" \
  helper_as $NOBODY address sv-addr 10.0.0.1/4
expect 10 "from 32 to 128" "helper refuses fd00::1/16" helper_as $NOBODY address sv-addr fd00::1/16
expect 10 "from 8 to 32" "helper refuses a prefix length of 24x" helper_as $NOBODY address sv-addr 10.77.0.7/24x
expect 10 "loopback" "helper refuses 127.0.0.2/8" helper_as $NOBODY address sv-addr 127.0.0.2/8
expect 10 "multicast" "helper refuses 224.0.0.5/24" helper_as $NOBODY address sv-addr 224.0.0.5/24
expect 10 "link-local" "helper refuses fe80::5/64" helper_as $NOBODY address sv-addr fe80::5/64
expect 10 "neither an IPv4 nor an IPv6" "helper refuses sv-lan/24" helper_as $NOBODY address sv-addr sv-lan/24
expect 6 "belongs to uid 1000, not to uid $NOBODY" "helper refuses an address on uid 1000's sv-other" \
  helper_as $NOBODY address sv-other 10.77.0.9/24
expect 6 "has no owner" "helper refuses an address on root's sv-root" helper_as $NOBODY address sv-root 10.77.0.9/24
expect 6 "is not a TAP device" "helper refuses an address on the veth sv-veth" helper_as $NOBODY address sv-veth 10.77.0.9/24
expect 3 "not a Serval device name" "helper refuses an address on lo" helper_as $NOBODY address lo 10.77.0.9/24
expect 7 "no device" "helper says there is no sv-none to give an address" helper_as $NOBODY address sv-none 10.77.0.9/24
in_ns "$NS" ip addr add 10.88.0.1/16 dev sv-veth2
expect 11 "overlaps 10.88.0.1/16 of the device sv-veth2" "helper refuses a subnet inside another device's" \
  helper_as $NOBODY address sv-addr 10.88.1.5/24
expect 11 "overlaps 10.88.0.1/16 of the device sv-veth2" "helper refuses a subnet around another device's" \
  helper_as $NOBODY address sv-addr 10.0.0.5/8
check "sv-addr kept 10.77.0.6/24 through the refusals" has_addr sv-addr 10.77.0.6/24
check "sv-other got no address" bash -c "! ip netns exec $NS ip -o addr show dev sv-other | grep -q 'inet '"
helper_as $NOBODY delete sv-addr >>"$E2E_LOG" 2>&1
made=0
for i in $(seq 1 32); do helper_as 2000 create sv-q$i 1500 02:5e:00:00:01:$(printf %02x "$i") >>"$E2E_LOG" 2>&1 && made=$((made + 1)); done
if [ "$made" -eq 32 ]; then tap_ok "helper makes 32 devices for uid 2000"; else tap_fail "helper makes 32 devices for uid 2000: only $made"; fi
expect 9 "has 32 Serval devices already" "helper refuses a 33rd device for uid 2000" \
  helper_as 2000 create sv-q33 1500 02:5e:00:00:01:33
check "reconfiguring one of uid 2000's 32 devices still works" helper_as 2000 create sv-q1 1400 02:5e:00:00:01:01
check "the limit is per user: uid 2001 still gets a device" helper_as 2001 create sv-q33 1500 02:5e:00:00:01:33
for i in $(seq 1 32); do helper_as 2000 delete sv-q$i >>"$E2E_LOG" 2>&1; done
helper_as 2001 delete sv-q33 >>"$E2E_LOG" 2>&1
check "helper works with stdin, stdout and stderr closed" \
  bash -c "ip netns exec $NS env PKEXEC_UID=$NOBODY '$HELPER' create sv-fd 1500 $MAC1 <&- >&- 2>&- && ip netns exec $NS ip link show sv-fd"
helper_as $NOBODY delete sv-fd >>"$E2E_LOG" 2>&1
check "helper deletes sv-other for its owner" helper_as 1000 delete sv-other
check "sv-other is gone" bash -c "! ip netns exec $NS ip link show sv-other"
expect 7 "no device" "helper delete of a missing device says so" helper_as 1000 delete sv-other
check "helper --owner (root without pkexec) deletes sv-lan" in_ns "$NS" "$HELPER" --owner $NOBODY delete sv-lan
check "sv-lan is gone" bash -c "! ip netns exec $NS ip link show sv-lan"

# --- the app's way: serval_tap_open_async() ---------------------------------------------
# A device the user owns already with the right MTU and MAC: no pkexec. (No bus or polkitd
# runs yet in the sandbox, so a pkexec call would fail.)
check "helper prepares sv-pre for uid $NOBODY" helper_as $NOBODY create sv-pre 1500 $MAC1
t=pre$$
exchange sv-pre $t "$out/open-pre.log" as_nobody "$TAPUSER" open sv-pre 1500 $MAC1 $t
check "sv-pre is gone once the app closed it (not persistent)" bash -c "! ip netns exec $NS ip link show sv-pre"
expect 0 "error PERMISSION: Serval needs permission to create the network device sv-nopk: pkexec is not installed" "without pkexec the error says to install it" \
  in_sb setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups env -i PATH=/nonexistent SERVAL_TAP_HELPER="$HELPER" \
  "$TAPUSER" open-fails sv-nopk 1500 $MAC1

# The real pkexec, with the test's bus and polkitd.
nsenter -t "$SB_PID" -m -n dbus-daemon --config-file="$out/bus.conf" --nofork >"$out/dbus.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 10 in_sb test -S /run/dbus/system_bus_socket || bail "the test's D-Bus did not start: $(oneline <"$out/dbus.log")"
nsenter -t "$SB_PID" -m -n "$POLKITD" >"$out/polkitd.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 10 grep -q "Acquired the name org.freedesktop.PolicyKit1" "$out/polkitd.log" \
  || bail "the test's polkitd did not start: $(oneline <"$out/polkitd.log")"
tap_ok "a private system bus and polkitd run in the test's mount namespace"

t=pkexec$$
exchange sv-new $t "$out/open-pkexec.log" \
  as_nobody SERVAL_TAP_HELPER="$HELPER" "$TAPUSER" open sv-new 1400 $MAC2 $t
ticks=$(sed -n 's/.*the main loop ticked \([0-9]*\) times.*/\1/p' "$out/open-pkexec.log")
if [ "${ticks:-0}" -gt 0 ]; then
  tap_ok "the main loop kept running while pkexec ran ($(grep -o 'serval_tap_open_async took.*' "$out/open-pkexec.log"))"
else
  tap_fail "the main loop kept running while pkexec ran: $(oneline <"$out/open-pkexec.log")"
fi
check "sv-new is gone once the app closed it" bash -c "! ip netns exec $NS ip link show sv-new"
expect 0 "error PERMISSION: Serval needs permission to create the network device sv-deny: you are not authorized (Error executing command as another user: Not authorized). Authenticate when asked, or ask the administrator to allow the polkit action org.serval.Serval.create-tap" \
  "a refusal by polkit is a plain error" \
  as_nobody SERVAL_TAP_HELPER="$HELPER" "$TAPUSER" open-fails sv-deny 1500 $MAC1
check "polkit's refusal made no device" bash -c "! ip netns exec $NS ip link show sv-deny"
expect 0 "error PERMISSION: Serval needs permission to create the network device sv-nohelper: its helper program /nonexistent/serval-tap-helper is not there\. Install Serval (“meson install”, or your distribution's package), or give it the CAP_NET_ADMIN capability\." \
  "a missing helper is named in the error, which says how to install it, in a sentence" \
  as_nobody SERVAL_TAP_HELPER=/nonexistent/serval-tap-helper "$TAPUSER" open-fails sv-nohelper 1500 $MAC1
expect 0 "error FAILED: Serval could not create the network device sv-UPPER (helper exit status 3): serval-tap-helper: “sv-UPPER” is not a Serval device name" "a name the helper refuses comes back as its message" \
  as_nobody SERVAL_TAP_HELPER="$HELPER" "$TAPUSER" open-fails sv-UPPER 1500 $MAC1

# The leased address, the app's way: serval_tap_address_async() through pkexec.
check "helper prepares sv-app for uid $NOBODY" helper_as $NOBODY create sv-app 1500 $MAC1
expect 0 "address 10.77.2.5/24 set on sv-app" "the app gives its own device the leased address through pkexec" \
  as_nobody SERVAL_TAP_HELPER="$HELPER" "$TAPUSER" address sv-app 10.77.2.5/24
check "sv-app has 10.77.2.5/24" has_addr sv-app 10.77.2.5/24
expect 0 "error FAILED: “10.77.2.5/99” is not an address for a network device: the prefix length must be a number from 1 to 32" \
  "the app refuses a bad address itself, before pkexec (no helper is there)" \
  as_nobody SERVAL_TAP_HELPER=/nonexistent/serval-tap-helper "$TAPUSER" address-fails sv-app 10.77.2.5/99
expect 0 "error FAILED: Serval could not give the network device sv-app the address 10.88.2.5/24 (helper exit status 11): serval-tap-helper: 10.88.2.5/24 overlaps 10.88.0.1/16" \
  "the helper's refusal of an address comes back as its message" \
  as_nobody SERVAL_TAP_HELPER="$HELPER" "$TAPUSER" address-fails sv-app 10.88.2.5/24
check "sv-app kept 10.77.2.5/24" has_addr sv-app 10.77.2.5/24
helper_as $NOBODY delete sv-app >>"$E2E_LOG" 2>&1

e2e_finish
