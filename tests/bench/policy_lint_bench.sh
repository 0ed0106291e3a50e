#!/usr/bin/env bash
# Policy schema check: `driftgate policy lint --schema-only` against the editor's own checker
# (tests/support/schema-check.js: the `yaml` package + Ajv 2020 with ajv-formats, the same
# schema) on the same files, measured in the same run. The files are the one-node mutants of the
# shipped policies that tests/golden/schema_test.sh compares the two on (tests/support/
# schema-mutants.js). Both are batched through xargs the same way, so each pays process start
# once per batch; the ratio is Ajv's time over driftgate's (higher = driftgate faster).
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
best() { # command... → best wall time of 3 runs in ms (stdout of the last run in $work/out)
  local b=0 t0 t
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    "$@" > "$work/out" 2> /dev/null
    t=$((($(date +%s%N) - t0) / 1000000))
    if [ $b = 0 ] || [ $t -lt $b ]; then b=$t; fi
  done
  echo $b
}
dg_ms=$(best sh -c "xargs '$dg' policy lint --schema-only < '$work/names'")
sed -n 's/: ok (schema only)$//p' "$work/out" | sort > "$work/dg.ok"
ajv_ms=$(best sh -c "xargs node '$top/tests/support/schema-check.js' < '$work/names'")
sed -n 's/^ok //p' "$work/out" | sort > "$work/ajv.ok"
if ! cmp -s "$work/dg.ok" "$work/ajv.ok"; then
  echo "not ok - verdicts differ: $(comm -3 "$work/dg.ok" "$work/ajv.ok" | head -3 | tr '\n' ' ')"
  exit 1
fi
echo "# $n policies ($(wc -l < "$work/dg.ok") valid), best of 3: driftgate ${dg_ms} ms, Ajv ${ajv_ms} ms"
awk -v a="$ajv_ms" -v d="$dg_ms" -v n="$n" 'BEGIN { printf "policy schema check ratio (Ajv time / driftgate time, %d policies): %.1fx\n", n, a / (d > 0 ? d : 1) }'
