#!/usr/bin/env bash
# The polkit policy: valid against polkit's DTD, and once installed (meson install
# --destdir into a temporary folder) its exec.path annotation names the installed
# serval-tap-helper, so that pkexec finds the action.
#   check-policy.sh BUILT_POLICY BUILD_ROOT EXPECTED_HELPER_PATH ACTIONDIR MESON
# Output is TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"

policy=$1 build=$2 helper_path=$3 actiondir=$4 meson=$5
DTD=/usr/share/polkit-1/policyconfig-1.dtd
ACTION=org.serval.Serval.create-tap

command -v xmllint >/dev/null || bail "cannot run: xmllint is missing (install the Debian package libxml2-utils)"
[ -f "$DTD" ] || bail "cannot run: $DTD is missing (install the Debian package polkitd)"
[ -f "$policy" ] || bail "cannot run: no built policy at '$policy': data/meson.build needs subdir('polkit')"
[ -x "$meson" ] || bail "cannot run: meson not found at '$meson'"
out=$(mktemp -d /tmp/serval-policy.XXXXXX)
trap 'rm -rf "$out"' EXIT
E2E_LOG=$out/log

check "the built policy is valid against polkit's DTD" xmllint --noout --nonet --dtdvalid "$DTD" "$policy"

# xpath TEXT FILE: one value from the policy
xpath() { xmllint --nonet --xpath "string($1)" "$2" 2>/dev/null; }
a="//action[@id='$ACTION']"
for pair in allow_any=no allow_inactive=no allow_active=auth_admin_keep; do
  key=${pair%%=*} want=${pair#*=}
  got=$(xpath "$a/defaults/$key" "$policy")
  if [ "$got" = "$want" ]; then tap_ok "$ACTION: $key is $want"
  else tap_fail "$ACTION: $key is $want, not “$got”: fix data/polkit/org.serval.Serval.policy.in"; fi
done

if "$meson" install -C "$build" --destdir "$out/root" --no-rebuild >"$out/install.log" 2>&1; then
  tap_ok "meson install --destdir works"
else
  tap_fail "meson install --destdir works: $(tail -5 "$out/install.log" | tr '\n' ' ')"
fi
installed=$out/root$actiondir/org.serval.Serval.policy
check "the policy is installed to $actiondir, where polkitd reads it" test -f "$installed"
check "the installed policy is valid against polkit's DTD" xmllint --noout --nonet --dtdvalid "$DTD" "$installed"
exec_path=$(xpath "$a/annotate[@key='org.freedesktop.policykit.exec.path']" "$installed")
if [ "$exec_path" = "$helper_path" ]; then
  tap_ok "exec.path is the helper's install path ($exec_path)"
else
  tap_fail "exec.path is the helper's install path: it is “$exec_path”, not “$helper_path”"
fi
check "the helper is installed at exec.path" test -x "$out/root$exec_path"
check "the installed file is serval-tap-helper" \
  bash -c "'$out/root$exec_path' 2>&1 | grep -q '^serval-tap-helper: usage'"
e2e_finish
