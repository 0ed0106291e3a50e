#!/usr/bin/env bash
# `driftgate policy lint` goldens (issue 18 items 3 and 4): each tests/golden/lint/<case>.yaml is
# linted as on 2026-12-28 (--date, so expiry warnings do not depend on the day the suite runs),
# with --explain IMAGE when <case>.explain holds one, and its stdout, stderr and exit status must
# equal <case>.expected: every loader error in one run, YAML hints, warnings (expired and idle
# exemptions, shadowed image and tier rules, unused tier lists) and the effective tier list.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
cd "$top" || exit 1
dg=$BUILD/driftgate
need_exec "$dg"
for yaml in tests/golden/lint/*.yaml; do
  case=${yaml%.yaml}
  name=$(basename "$case")
  args=(policy lint --key-dir policy/keys --date 2026-12-28)
  [ -f "$case.explain" ] && args+=(--explain "$(cat "$case.explain")")
  got=$("$dg" "${args[@]}" "$yaml" 2>&1; echo "exit $?")
  if [ ! -f "$case.expected" ]; then
    fail "lint/$name: no $case.expected"; diff <(echo "$got") /dev/null | sed 's/^/#   /'; continue
  fi
  if [ "$got" = "$(cat "$case.expected")" ]; then
    pass "lint/$name"
  else
    fail "lint/$name"; diff <(echo "$got") "$case.expected" | sed 's/^/#   /'
  fi
done
# The built-in seed-default is policy/default.yaml's, rule for rule (numbers and origins aside).
rules() { grep '# seed-default\[' | sed -e 's/^ *[0-9]*\. //' -e 's/, built in$//' -e 's/, policy\/default.yaml:[0-9]*$//'; }
own=$("$dg" policy lint --key-dir policy/keys --explain registry.example.com/x policy/default.yaml | rules)
builtin=$("$dg" policy lint --key-dir policy/keys --explain registry.example.com/payments/x tests/golden/lint/explain.yaml | rules)
if [ "$(echo "$own" | wc -l)" -eq 10 ] && [ "$own" = "$builtin" ]; then
  pass "built-in seed-default equals policy/default.yaml's"
else
  fail "built-in seed-default differs from policy/default.yaml's"; diff <(echo "$own") <(echo "$builtin") | sed 's/^/#   /'
fi
done_testing
