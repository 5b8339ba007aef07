#!/bin/sh
# Runs asn1c on the protocol module and puts the C files into OUTDIR.
# Usage: asn1c-gen.sh ASN1C SCHEMA OUTDIR EXPECTED-LIST
# The generated set must match the list meson declares; a new type in the
# schema means a new line in engine/proto/meson.build.
set -eu
asn1c=$1 schema=$2 outdir=$3 expected=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
schema=$(cd "$(dirname "$schema")" && pwd)/$(basename "$schema")
(cd "$tmp" && "$asn1c" -fcompound-names -fincludes-quoted "$schema" >asn1c.log 2>&1) || {
  cat "$tmp/asn1c.log" >&2
  exit 1
}
rm -f "$tmp/converter-sample.c" "$tmp/Makefile.am.sample" "$tmp/asn1c.log"
(cd "$tmp" && ls) | sort > "$tmp/.got"
sort "$expected" > "$tmp/.want"
if ! cmp -s "$tmp/.got" "$tmp/.want"; then
  echo "asn1c wrote a different set of files than engine/proto/meson.build lists:" >&2
  diff "$tmp/.want" "$tmp/.got" >&2 || true
  exit 1
fi
# asn1c 0.9.28 bug: each derived type's *_inherit_TYPE_descriptor() copies the
# base type's check_constraints into the derived descriptor on first use, so
# after the first encode or decode of a Name, a VlanTag, ... their SIZE and
# range constraints are silently no longer checked. The generated descriptors
# already point at the right constraint function (or at one that defers to the
# base type when there is no constraint), so that assignment is dropped.
for f in "$tmp"/*.c; do
  sed -i '/_inherit_TYPE_descriptor(asn_TYPE_descriptor_t \*td) {/,/^}/{/td->check_constraints *= *asn_DEF_/d}' "$f"
done
if grep -A4 '_inherit_TYPE_descriptor(asn_TYPE_descriptor_t \*td) {' "$tmp"/*.c | grep -q 'td->check_constraints'; then
  echo "asn1c-gen.sh: could not remove the constraint override from the generated code" >&2
  exit 1
fi

# asn1c 0.9.28 bug: ber_fetch_length() shifts the signed length left before
# checking it, which overflows (undefined behaviour) on lengths of 8 or more
# octets and leaves the check to whatever the compiler made of it. Refuse a
# length whose top 9 bits are set before shifting: it is over any limit.
sed -i 's/^\([[:space:]]*\)len = (len << 8) | \*buf;/\1if(len >> ((8 * sizeof(len)) - 9)) return -1;\n\1len = (len << 8) | *buf;/' \
  "$tmp/ber_tlv_length.c"
grep -q 'if(len >> ((8 \* sizeof(len)) - 9)) return -1;' "$tmp/ber_tlv_length.c" || {
  echo "asn1c-gen.sh: could not patch ber_tlv_length.c" >&2
  exit 1
}

mkdir -p "$outdir"
for f in $(cat "$tmp/.got"); do
  cp "$tmp/$f" "$outdir/$f"
done
