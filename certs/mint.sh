#!/usr/bin/env bash
# certs/mint.sh OUTDIR NAME... — a CA and a serving certificate for the webhook.
#
#   OUTDIR/ca.key, ca.crt     EC P-256 CA, 10 years (reused when OUTDIR/ca.crt already exists)
#   OUTDIR/tls.key, tls.crt   EC P-256 serving cert signed by the CA, 1 year, serverAuth,
#                             subjectAltName = every NAME (an IPv4/IPv6 literal becomes IP:, the
#                             rest DNS:); CN = the first NAME
#
# Example: certs/mint.sh /tmp/dg driftgate.driftgate.svc driftgate.driftgate.svc.cluster.local 127.0.0.1
# Keys are written mode 0600. Prints the paths it wrote on stderr; nothing on stdout.
set -euo pipefail
umask 077

if [ $# -lt 2 ]; then
  echo "usage: $0 OUTDIR NAME..." >&2
  exit 2
fi
out=$1
shift
mkdir -p "$out"

is_ip() {
  # IPv4 dotted quad or anything with a ':' (IPv6); DNS names never contain ':'.
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || [[ $1 == *:* ]]
}

san=""
for n in "$@"; do
  if [ -z "$n" ] || [[ $n =~ [[:space:],] ]]; then
    echo "$0: invalid name '$n'" >&2
    exit 2
  fi
  if is_ip "$n"; then san+="${san:+,}IP:$n"; else san+="${san:+,}DNS:$n"; fi
done
cn=$1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -f "$out/ca.crt" ]; then
  if [ ! -f "$out/ca.key" ]; then
    echo "$0: $out/ca.crt exists but $out/ca.key does not; cannot sign" >&2
    exit 1
  fi
  echo "mint: reusing CA $out/ca.crt" >&2
else
  openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
  openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 3650 \
    -subj "/CN=driftgate-ca" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$tmp/ca.crt"
  mv "$tmp/ca.key" "$out/ca.key"
  mv "$tmp/ca.crt" "$out/ca.crt"
  chmod 0644 "$out/ca.crt"
fi

cat > "$tmp/ext.cnf" <<CNF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $san
CNF

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/tls.key"
openssl req -new -key "$tmp/tls.key" -subj "/CN=$cn" -out "$tmp/tls.csr"
openssl x509 -req -in "$tmp/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days 365 \
  -extfile "$tmp/ext.cnf" -out "$tmp/tls.crt" 2>/dev/null
openssl verify -CAfile "$out/ca.crt" -purpose sslserver "$tmp/tls.crt" >/dev/null
mv "$tmp/tls.key" "$out/tls.key"
mv "$tmp/tls.crt" "$out/tls.crt"
chmod 0644 "$out/tls.crt"
echo "mint: wrote $out/tls.crt ($san), $out/tls.key, CA $out/ca.crt" >&2
