#!/usr/bin/env bash
# tests/check-format.sh SOURCEDIR: every C file of app/, engine/, server/ and tests/ is as
# clang-format writes it with the tree's .clang-format (GNOME's C style, after GLib's).
# Generated code (asn1c's, in the build directory) is never looked at. TAP output.
# To fix what it lists: clang-format -i FILE...
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
echo "1..1"
if ! command -v clang-format >/dev/null; then
  echo "not ok 1 - cannot run: clang-format is missing (apt-get install clang-format)"
  exit 1
fi
mapfile -t files < <(find app engine server tests -name '*.[ch]' -not -path '*/build*' | sort)
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -eq 0 ]; then
  echo "ok 1 - ${#files[@]} C files are formatted as .clang-format says ($(clang-format --version | grep -o 'version [0-9.]*'))"
  exit 0
fi
echo "not ok 1 - ${#bad[@]} of ${#files[@]} C files are not formatted as .clang-format says; fix them with:"
echo "#   clang-format -i ${bad[*]}"
exit 1
