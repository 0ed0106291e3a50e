#!/usr/bin/env bash
# Policy goldens: each tests/golden/policy/<case>.yaml is loaded strictly by the policy_lint driver
# and its one-line result ("ok" or "CODE line:col message") must equal <case>.expected. The shipped
# policy/default.yaml and policy/examples/*.yaml must lint clean; an oversized file is WH_E_LIMIT.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
cd "$top" || exit 1
lint=$BUILD/tests/golden/policy_lint
need_exec "$lint"
for yaml in tests/golden/policy/*.yaml; do
  case=${yaml%.yaml}
  name=$(basename "$case")
  if [ ! -f "$case.expected" ]; then
    fail "policy/$name: no $case.expected"; continue
  fi
  got=$("$lint" "$yaml" 2>&1)
  want=$(cat "$case.expected")
  if [ "$got" = "$want" ]; then
    pass "policy/$name"
  else
    fail "policy/$name"; echo "#   want: $want"; echo "#   got:  $got"
  fi
done
for yaml in policy/default.yaml policy/examples/*.yaml; do
  got=$("$lint" "$yaml" 2>&1)
  if [ "$got" = ok ]; then pass "lint $yaml"; else fail "lint $yaml: $got"; fi
done
{ cat tests/golden/policy/valid_minimal.yaml; head -c 1100000 /dev/zero | tr '\0' '#'; echo; } > "$work/big.yaml"
got=$("$lint" "$work/big.yaml" 2>&1)
case $got in
  "limit policy $work/big.yaml: "*) pass "policy over limits.policy_bytes is WH_E_LIMIT" ;;
  *) fail "oversized policy: $got" ;;
esac
done_testing
