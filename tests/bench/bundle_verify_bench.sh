#!/usr/bin/env bash
# Bundle verification throughput on one core: driftgate (tests/bench/bundle_verify_bench.c:
# parse + wh_verify_bundle + DSSE subject) vs @sigstore/verify (bundle_verify_bench.js) on the same
# keyless bundles made by tests/support/fixtures/keyless.js (message signatures v0.2 and v0.3, DSSE
# v0.3; each with SET + inclusion proof + checkpoint, SCT, RFC 3161 timestamp), same trusted root,
# same identity policy, both pinned to CPU 0 with taskset, in the same run.
# Prints: bundle-verify: driftgate X/s, sigstore-js Y/s, ratio X/Y = Z
# BENCH_SECONDS (default 5) per side; BENCH_BUNDLES artifacts (default 4, so 12 bundles).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:?BUILD must name the build dir}"
secs=${BENCH_SECONDS:-5}
drv=$BUILD/tests/bench/bundle_verify_bench
[ -x "$drv" ] || { echo "not ok - bundle-verify bench: $drv not built (make unit)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$top/tests/support/fixtures/keyless.js" "$tmp" "${BENCH_BUNDLES:-4}"
id=$(jq -r .identity "$tmp/fixtures.json")
iss=$(jq -r .issuer "$tmp/fixtures.json")
args=()
while IFS=$'\t' read -r art msg v03 dsse; do
  args+=("$tmp/$msg" "$tmp/$art" "$tmp/$v03" "$tmp/$art" "$tmp/$dsse" "$tmp/$art")
done < <(jq -r '.cases[] | [.artifact, .bundles.msg, .bundles.msgV03, .bundles.dsse] | @tsv' "$tmp/fixtures.json")
pin=()
command -v taskset > /dev/null && pin=(taskset -c 0)
dg=$("${pin[@]}" "$drv" "$secs" "$tmp/trusted_root.json" "$id" "$iss" "${args[@]}")
js=$("${pin[@]}" node "$top/tests/bench/bundle_verify_bench.js" "$secs" "$tmp/trusted_root.json" "$id" "$iss" "${args[@]}")
echo "# $dg"
echo "# $js"
x=$(sed -E 's/.*: ([0-9.]+)\/s$/\1/' <<< "$dg")
y=$(sed -E 's/.*: ([0-9.]+)\/s$/\1/' <<< "$js")
echo "bundle-verify: driftgate ${x}/s, sigstore-js ${y}/s, ratio X/Y = $(awk -v x="$x" -v y="$y" 'BEGIN{printf "%.2f", x/y}')"
