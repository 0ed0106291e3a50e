#!/usr/bin/env bash
# SBOM diff, like for like, on the same generated CycloneDX files (prod and dev, N components):
#  - process vs process: `driftgate diff PROD DEV --policy policy/default.yaml --format markdown`
#    against the seed's Python algorithm run the same way (`env_drift.py DEV PROD`: read both
#    files, json.loads, diff, markdown on stdout); each round runs one of each, the order
#    alternating between rounds; wall time of each process;
#  - in process vs in process: tests/bench/sbom_bench (wh_sbom_parse x2 + wh_sbom_diff) against
#    env_drift.py --bench (json.loads x2 + diff + markdown), file reads and process start excluded,
#    the median of K runs per round.
# Per N it prints the ratio python/driftgate of each round as min/median/max:
#   sbom-diff process N=10000: ratio python/driftgate min A median B max C (R rounds alternated;
#     driftgate median X ms, python median Y ms)
# env: BUILD (dir with driftgate and tests/bench/sbom_bench; default build), SIZES, SEED, ROUNDS.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
dg=$build/driftgate
bench=$build/tests/bench/sbom_bench
sizes=${SIZES:-1000 10000 100000}
seed=${SEED:-42}
rounds=${ROUNDS:-5}
for exe in "$dg" "$bench"; do
  [ -x "$exe" ] || { echo "sbom_diff_bench: $exe not built (make BUILD=$build all $bench)" >&2; exit 1; }
done
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Wall milliseconds of one run of command..., its output discarded (exit 1 = drift found). The
# clock is bash's $EPOCHREALTIME: a `date` process on each side of the command put its own start
# and exit (1-3 ms) inside every span, a tenth of a 10k-component driftgate run and under 1 % of
# the Python one.
ms_of() {
  local start end
  start=$EPOCHREALTIME
  "$@" > /dev/null 2>&1 || [ $? -eq 1 ]
  end=$EPOCHREALTIME
  echo $(((10#${end//[.,]/} - 10#${start//[.,]/}) / 1000))
}

for n in $sizes; do
  if [ "$n" -ge 100000 ]; then k=3; elif [ "$n" -ge 10000 ]; then k=7; else k=21; fi
  python3 "$top/tests/bench/gen_sbom.py" "$n" "$seed" "$work/prod.json" "$work/dev.json"
  : > "$work/proc.$n"
  : > "$work/inproc.$n"
  for r in $(seq 1 "$rounds"); do
    dg_run=("$dg" diff "$work/prod.json" "$work/dev.json" --policy "$top/policy/default.yaml" --format markdown)
    py_run=(python3 "$top/tests/bench/env_drift.py" "$work/dev.json" "$work/prod.json")
    if [ $((r % 2)) -eq 1 ]; then
      d=$(ms_of "${dg_run[@]}"); p=$(ms_of "${py_run[@]}")
      di=$("$bench" "$work/prod.json" "$work/dev.json" "$k" | awk '/^median_ms/ {print $2}')
      pi=$(python3 "$top/tests/bench/env_drift.py" --bench "$k" "$work/dev.json" "$work/prod.json" | awk '/^median_ms/ {print $2}')
    else
      p=$(ms_of "${py_run[@]}"); d=$(ms_of "${dg_run[@]}")
      pi=$(python3 "$top/tests/bench/env_drift.py" --bench "$k" "$work/dev.json" "$work/prod.json" | awk '/^median_ms/ {print $2}')
      di=$("$bench" "$work/prod.json" "$work/dev.json" "$k" | awk '/^median_ms/ {print $2}')
    fi
    echo "$d $p" >> "$work/proc.$n"
    echo "$di $pi" >> "$work/inproc.$n"
  done
  bench_ratio "sbom-diff process N=$n" driftgate python ms "$work/proc.$n" B/A
  bench_ratio "sbom-diff in-process N=$n" driftgate python ms "$work/inproc.$n" B/A
  echo "# N=$n $(du -h "$work/prod.json" | cut -f1) prod SBOM, $k in-process runs per round" >&2
done
