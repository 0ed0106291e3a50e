#!/usr/bin/env bash
# SBOM diff: driftgate (C: wh_sbom_parse x2 + wh_sbom_diff) vs the seed's Python algorithm
# (env_drift.py: json.loads x2 + name diff + markdown), same generated CycloneDX files, both timed
# in-process (median of K runs; file reads and process start excluded). Prints one line per N:
#   sbom-diff N=10000: driftgate X ms, python Y ms, ratio Y/X = Z
# env: BUILD (dir holding tests/bench/sbom_bench; default build), SIZES, SEED.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
bench=$build/tests/bench/sbom_bench
sizes=${SIZES:-1000 10000 100000}
seed=${SEED:-42}
if [ ! -x "$bench" ]; then
  echo "sbom_diff_bench: $bench not built (make BUILD=$build $bench)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in $sizes; do
  if [ "$n" -ge 100000 ]; then k=5; elif [ "$n" -ge 10000 ]; then k=11; else k=31; fi
  python3 "$top/tests/bench/gen_sbom.py" "$n" "$seed" "$work/prod.json" "$work/dev.json"
  c_out=$("$bench" "$work/prod.json" "$work/dev.json" "$k")
  py_out=$(python3 "$top/tests/bench/env_drift.py" --bench "$k" "$work/dev.json" "$work/prod.json")
  c_ms=$(echo "$c_out" | awk '/^median_ms/ {print $2}')
  py_ms=$(echo "$py_out" | awk '/^median_ms/ {print $2}')
  ratio=$(awk -v c="$c_ms" -v p="$py_ms" 'BEGIN { printf "%.1f", (c > 0 ? p / c : 0) }')
  echo "sbom-diff N=$n: driftgate $c_ms ms, python $py_ms ms, ratio Y/X = $ratio"
  echo "# N=$n $(echo "$c_out" | head -1), $(du -h "$work/prod.json" | cut -f1) prod SBOM" >&2
done
