#!/usr/bin/env bash
# `make demo`: a registry on 127.0.0.1 with signed prod/dev image pairs (tests/support/fixtures),
# driftgate serve over TLS, and one Deployment per scenario sent to it the way the apiserver
# would. Prints one line per scenario, then the markdown drift report of the devssl pair.
# Everything it starts stops when it ends. Env: BUILD (default: build).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$top/$BUILD ;; esac
dg=$BUILD/driftgate
[ -x "$dg" ] || { echo "demo: $dg not found; run: make BUILD=${BUILD#"$top"/} all" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dg-demo.XXXXXX")
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  bash tests/support/fixtures/world.sh stop "$work/world" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building the fixture world: registry, 8 prod/dev image pairs, sigstore-js signatures"
t0=$(date +%s%N)
if ! bash tests/support/fixtures/world.sh "$work/world" none > "$work/world.log" 2>&1; then
  cat "$work/world.log" >&2
  exit 1
fi
# shellcheck disable=SC1091 # written by a fixture at run time
. "$work/world/world.env"
echo "   registry $REGISTRY, ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

certs/mint.sh "$work/certs" 127.0.0.1 localhost 2>/dev/null
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close();});')
cat > "$work/config.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: "$work/certs/tls.crt", key: "$work/certs/tls.key"}
policy: "$POLICY"
registry: {plainHTTP: ["$REGISTRY"], dockerConfig: "$DOCKER_CONFIG"}
workers: 2
YAML
"$dg" serve --config "$work/config.yaml" > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  if ! kill -0 "$serve_pid" 2>/dev/null; then cat "$work/serve.log" >&2; exit 1; fi
  sleep 0.1
done
echo "== driftgate serve on https://127.0.0.1:$port (policy: $POLICY)"
echo

for s in $SCENARIOS; do
  S=$(printf '%s' "$s" | tr '[:lower:]' '[:upper:]')
  img=PROD_$S
  bash tests/integration/review-objects.sh -o "$work/reviews/$s" -n "app-$s" -k deployment "${!img}"
  curl -s --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$work/reviews/$s/deployment.json" "https://127.0.0.1:$port/validate?timeout=10s" \
    > "$work/resp-$s.json" || true
  line=$(jq -r '.response as $r | if $r == null then "ERROR: no AdmissionReview response"
      elif $r.allowed then
        (($r.warnings // []) | length) as $n |
        if $n == 0 then "ALLOWED"
        else "ALLOWED with \($n) warning\(if $n > 1 then "s" else "" end): \($r.warnings | join(" | "))" end
      else "DENIED: \($r.status.message // "(no message)")" end' "$work/resp-$s.json" 2>/dev/null) ||
    line="ERROR: $(head -c 200 "$work/resp-$s.json")"
  printf '%-26s %s\n' "deployment/app-$s" "$line"
done

echo
echo "== driftgate diff $(basename "$PROD_DEVSSL_SBOM") $(basename "$DEV_DEVSSL_SBOM") --format markdown"
echo
rc=0
"$dg" diff "$PROD_DEVSSL_SBOM" "$DEV_DEVSSL_SBOM" --policy "$POLICY" --format markdown || rc=$?
# diff exits 1 when the policy blocks (it does here: libssl-dev is dev-only crypto); 2 is an error.
[ "$rc" -le 1 ]
