#!/usr/bin/env bash
# Policy goldens: each tests/golden/policy/<case>.yaml is loaded strictly by the policy_lint driver
# and its one-line result ("ok" or "CODE line:col message") must equal <case>.expected. The shipped
# policy/default.yaml and policy/examples/*.yaml must lint clean; an oversized file is WH_E_LIMIT.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
: "${BUILD:=$top/build}"
lint=$BUILD/tests/integration/policy_lint
if [ ! -x "$lint" ]; then
  echo "not ok - policy_lint driver missing at $lint (make unit)"
  exit 1
fi
fail=0
for yaml in tests/golden/policy/*.yaml; do
  case=${yaml%.yaml}
  name=$(basename "$case")
  if [ ! -f "$case.expected" ]; then
    echo "not ok - policy/$name: no $case.expected"; fail=1; continue
  fi
  got=$("$lint" "$yaml" 2>&1)
  want=$(cat "$case.expected")
  if [ "$got" = "$want" ]; then
    echo "ok - policy/$name"
  else
    echo "not ok - policy/$name"; echo "#   want: $want"; echo "#   got:  $got"; fail=1
  fi
done
for yaml in policy/default.yaml policy/examples/*.yaml; do
  got=$("$lint" "$yaml" 2>&1)
  if [ "$got" = ok ]; then echo "ok - lint $yaml"; else echo "not ok - lint $yaml: $got"; fail=1; fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ cat tests/golden/policy/valid_minimal.yaml; head -c 1100000 /dev/zero | tr '\0' '#'; echo; } > "$tmp/big.yaml"
got=$("$lint" "$tmp/big.yaml" 2>&1)
case $got in
  "limit policy $tmp/big.yaml: "*) echo "ok - policy over limits.policy_bytes is WH_E_LIMIT" ;;
  *) echo "not ok - oversized policy: $got"; fail=1 ;;
esac
exit $fail
