#!/usr/bin/env bash
# certs/ca-bundle.sh CA_FILE [YAML|-] — prints YAML with the webhook's caBundle set to CA_FILE.
#
# YAML defaults to manifests/validatingwebhookconfiguration.yaml; `-` reads stdin, so the whole
# rendered kustomization can go through it:
#   kubectl kustomize manifests | certs/ca-bundle.sh out/ca.crt - | kubectl apply -f -
# Every `caBundle: "CA_BUNDLE_PLACEHOLDER"` is replaced by base64(CA_FILE) on one line. Fails if
# CA_FILE holds no PEM certificate or the input has no placeholder (nothing would be trusted).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 CA_FILE [YAML|-]" >&2
  exit 2
fi
ca=$1
in=${2:-$top/manifests/validatingwebhookconfiguration.yaml}
if ! openssl x509 -in "$ca" -noout 2>/dev/null; then
  echo "$0: $ca is not a PEM certificate" >&2
  exit 1
fi
if ! openssl x509 -in "$ca" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE'; then
  echo "$0: warning: $ca is not a CA certificate (basicConstraints CA:TRUE missing)" >&2
fi
b64=$(base64 -w0 < "$ca")
if [ "$in" = "-" ]; then
  doc=$(cat)
else
  doc=$(cat "$in")
fi
placeholder='caBundle: "?CA_BUNDLE_PLACEHOLDER"?'
if ! grep -qE "$placeholder" <<< "$doc"; then
  echo "$0: no 'caBundle: CA_BUNDLE_PLACEHOLDER' in ${in}" >&2
  exit 1
fi
# base64 output is [A-Za-z0-9+/=]: no sed metacharacters except '/', so use '|' as delimiter.
sed -E "s|$placeholder|caBundle: $b64|" <<< "$doc"
