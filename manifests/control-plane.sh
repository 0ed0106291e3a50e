#!/usr/bin/env bash
# manifests/control-plane.sh CIDR[,CIDR...] [YAML|-] — prints YAML with the NetworkPolicy's
# placeholder source (`- ipBlock: {cidr: CONTROL_PLANE_CIDR}`) replaced by one ipBlock per CIDR:
# the addresses the kube-apiserver calls driftgate from (manifests/networkpolicy.yaml says how to
# find them). YAML defaults to manifests/networkpolicy.yaml; `-` reads stdin, so the rendered
# kustomization can go through it:
#   kubectl kustomize manifests | certs/ca-bundle.sh out/ca.crt - |
#     manifests/control-plane.sh 10.0.0.10/32,10.0.0.11/32 - | kubectl apply -f -
# Fails on a CIDR that is not one (IPv4 or IPv6, host bits zero) or input without the placeholder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 CIDR[,CIDR...] [YAML|-]" >&2
  exit 2
fi
in=${2:-$here/networkpolicy.yaml}
IFS=, read -ra cidrs <<< "$1"
[ ${#cidrs[@]} -gt 0 ] || { echo "$0: no CIDR given" >&2; exit 2; }
for c in "${cidrs[@]}"; do
  if ! python3 -c 'import ipaddress, sys; ipaddress.ip_network(sys.argv[1], strict=True)' "$c" 2>/dev/null ||
     [[ $c != */* ]]; then
    echo "$0: '$c' is not a CIDR (address/prefix, host bits zero)" >&2
    exit 1
  fi
done
if [ "$in" = "-" ]; then doc=$(cat); else doc=$(cat "$in"); fi
# The placeholder as written in networkpolicy.yaml, or as kubectl kustomize renders it:
#   - ipBlock: {cidr: CONTROL_PLANE_CIDR}        - ipBlock:
#                                                    cidr: CONTROL_PLANE_CIDR
if ! grep -qE '^[[:space:]]*(- ipBlock: \{)?cidr: "?CONTROL_PLANE_CIDR"?\}?[[:space:]]*$' <<< "$doc"; then
  echo "$0: no '- ipBlock: {cidr: CONTROL_PLANE_CIDR}' in $in" >&2
  exit 1
fi
awk -v list="$1" '
  function emit(indent,   n, c, i) {
    n = split(list, c, ",")
    for (i = 1; i <= n; i++) printf "%s- ipBlock: {cidr: \"%s\"}\n", indent, c[i]
  }
  /^[[:space:]]*- ipBlock: \{cidr: "?CONTROL_PLANE_CIDR"?\}[[:space:]]*$/ {
    if (held != "") { print held; held = "" }
    indent = $0; sub(/-.*/, "", indent); emit(indent); next
  }
  /^[[:space:]]*- ipBlock:[[:space:]]*$/ { if (held != "") print held; held = $0; next }
  held != "" && /^[[:space:]]*cidr: "?CONTROL_PLANE_CIDR"?[[:space:]]*$/ {
    indent = held; sub(/-.*/, "", indent); emit(indent); held = ""; next
  }
  { if (held != "") { print held; held = "" } print }
  END { if (held != "") print held }' <<< "$doc"
