#!/bin/sh
# make-test-certs.sh: the certificates the unit tests use, made with
# certtool (Debian: gnutls-bin) at build time, never committed.
#
#   make-test-certs.sh CERT KEY CERT2 KEY2
#
# CERT/KEY: a self-signed ECDSA P-256 certificate for "test" (also
# localhost and 127.0.0.1), as a Serval server makes on its first start.
# CERT2/KEY2: a second one with another key pair, for tests that need a
# server whose fingerprint differs.
set -eu

if [ $# -ne 4 ]; then
  echo "usage: $0 CERT KEY CERT2 KEY2" >&2
  exit 2
fi

if ! command -v certtool >/dev/null 2>&1; then
  echo "$0: certtool not found: install gnutls-bin" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/template" <<EOF
cn = "test"
dns_name = "localhost"
ip_address = "127.0.0.1"
serial = 1
expiration_days = 3650
signing_key
tls_www_server
EOF

# make_pair CERT KEY
make_pair () {
  # certtool talks on stderr even when all is well: shown only on failure.
  certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
    --outfile="$tmp/key.pem" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  certtool --generate-self-signed --load-privkey="$tmp/key.pem" --template="$tmp/template" \
    --outfile="$tmp/cert.pem" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  # Written next to their final names and renamed, so that a failed run
  # leaves no half-made pair for ninja to take as up to date.
  cp "$tmp/key.pem" "$2.tmp"
  chmod 600 "$2.tmp"
  cp "$tmp/cert.pem" "$1.tmp"
  mv "$2.tmp" "$2"
  mv "$1.tmp" "$1"
}

make_pair "$1" "$2"
make_pair "$3" "$4"
