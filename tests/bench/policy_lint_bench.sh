#!/usr/bin/env bash
# Policy schema check: `driftgate policy lint --schema-only` against the editor's own checker
# (tests/support/schema-check.js: the `yaml` package + Ajv 2020 with ajv-formats, the same
# schema) on the same files, measured in the same run. The files are the one-node mutants of the
# shipped policies that tests/golden/schema_test.sh compares the two on (tests/support/
# schema-mutants.js). Both are batched through xargs the same way, so each pays process start
# once per batch; 3 rounds, the two alternated; the ratio is Ajv's time over driftgate's per
# round, min/median/max (higher = driftgate faster).
# Also checks the verdicts agree (the benchmark is void otherwise). Env: BUILD.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-$top/build}
dg=$BUILD/driftgate
[ -x "$dg" ] || { echo "not ok - $dg not built"; exit 1; }
[ -d tests/node_modules/ajv ] || { echo "not ok - tests/node_modules lacks ajv (cd tests && npm ci)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node tests/support/schema-mutants.js "$work/in" policy/default.yaml policy/examples/*.yaml \
  tests/golden/policy/valid_minimal.yaml > "$work/count" || { echo "not ok - mutants"; exit 1; }
cd "$work/in" || exit 1
find . -maxdepth 1 -name '*.yaml' -printf '%f\n' | sort > "$work/names"
n=$(wc -l < "$work/names")
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
ms() { # NAME command... → wall ms of one run; its stdout kept in $work/NAME.out
  local name=$1 t0
  shift
  t0=$(date +%s%N)
  "$@" > "$work/$name.out" 2> /dev/null
  echo $((($(date +%s%N) - t0) / 1000000))
}
dg_side() { ms dg sh -c "xargs '$dg' policy lint --schema-only < '$work/names'"; }
ajv_side() { ms ajv sh -c "xargs node '$top/tests/support/schema-check.js' < '$work/names'"; }
: > "$work/rounds"
for r in 1 2 3; do
  if bench_first_odd "$r"; then d=$(dg_side); a=$(ajv_side); else a=$(ajv_side); d=$(dg_side); fi
  echo "$d $a" >> "$work/rounds"
done
sed -n 's/: ok (schema only)$//p' "$work/dg.out" | sort > "$work/dg.ok"
sed -n 's/^ok //p' "$work/ajv.out" | sort > "$work/ajv.ok"
if [ ! -s "$work/dg.ok" ] || ! cmp -s "$work/dg.ok" "$work/ajv.ok"; then
  echo "not ok - verdicts differ or none: $(comm -3 "$work/dg.ok" "$work/ajv.ok" | head -3 | tr '\n' ' ')"
  exit 1
fi
echo "# $n policies ($(wc -l < "$work/dg.ok") valid)"
bench_ratio "policy schema check ($n policies, wall ms)" driftgate Ajv ms "$work/rounds" B/A
