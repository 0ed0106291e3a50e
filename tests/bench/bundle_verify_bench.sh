#!/usr/bin/env bash
# Bundle verification throughput on one core: driftgate (tests/bench/bundle_verify_bench.c:
# parse + wh_verify_bundle + DSSE subject) vs @sigstore/verify (bundle_verify_bench.js) on the same
# keyless bundles made by tests/support/fixtures/keyless.js (message signatures v0.2 and v0.3, DSSE
# v0.3; each with SET + inclusion proof + checkpoint, SCT, RFC 3161 timestamp), same trusted root,
# same identity policy, both pinned to CPU 0 with taskset, in the same run.
# ROUNDS (default 3) rounds, each timing both sides for BENCH_SECONDS (default 3), the order
# alternating between rounds. Prints (tests/bench/lib.sh):
#   bundle-verify (12 keyless bundles, one core): ratio driftgate/sigstore-js min .. median .. max ..
# the ratio of verifications per second. BENCH_BUNDLES artifacts (default 4, so 12 bundles).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:?BUILD must name the build dir}"
secs=${BENCH_SECONDS:-3}
rounds=${ROUNDS:-3}
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
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
rate() { sed -E 's/.*: ([0-9.]+)\/s$/\1/' <<< "$1"; }
dg_side() { "${pin[@]}" "$drv" "$secs" "$tmp/trusted_root.json" "$id" "$iss" "${args[@]}"; }
js_side() { "${pin[@]}" node "$top/tests/bench/bundle_verify_bench.js" "$secs" "$tmp/trusted_root.json" "$id" "$iss" "${args[@]}"; }
: > "$tmp/rates"
for r in $(seq 1 "$rounds"); do
  if bench_first_odd "$r"; then dg=$(dg_side); js=$(js_side); else js=$(js_side); dg=$(dg_side); fi
  echo "# round $r: $dg; $js"
  echo "$(rate "$dg") $(rate "$js")" >> "$tmp/rates"
done
n=$(($(jq '.cases | length' "$tmp/fixtures.json") * 3))
bench_ratio "bundle-verify ($n keyless bundles, one core, verifications/s)" driftgate sigstore-js /s "$tmp/rates"
