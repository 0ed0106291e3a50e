#!/usr/bin/env bash
# `driftgate check IMAGE` against the fixture world (real registry on 127.0.0.1, images signed
# and attested by npm's sigstore tools): the same verification as the webhook, the seed's report
# in every format, exit 0 allow / 1 deny / 2 error. Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up none
host=${REGISTRY}

check() { # name expected-exit out-file args...
  local name=$1 want=$2 out=$3; shift 3
  "$dg" check "$@" --policy "$POLICY" --plain-http "$host" > "$out" 2> "$out.err"
  local rc=$?
  [ "$rc" -eq "$want" ]; ok $? "$name: exit $want (got $rc)" "$(cat "$out.err" "$out")"
}

check "ok scenario allowed" 0 "$work/ok.md" "$PROD_OK" --format markdown
grep -q '^## Dev/prod environment drift' "$work/ok.md" && grep -q '\*\*Verdict: allow\*\*' "$work/ok.md" &&
  grep -q -- '- Block: \*\*0\*\*' "$work/ok.md"
ok $? "ok: markdown has the heading, the verdict and summary counts" "$(cat "$work/ok.md")"
grep -q "$PROD_OK_DIGEST" "$work/ok.md"; ok $? "ok: report names the resolved digest"

check "warn scenario allowed with a warning" 0 "$work/warn.md" "$PROD_WARN" --format markdown
# shellcheck disable=SC2016 # the backticks are markdown, not a command substitution
grep -q '### :warning: Warn (1)' "$work/warn.md" && grep -q '| `python3` |' "$work/warn.md"
ok $? "warn: a Warn table with python3 (package, dev, prod, rule)" "$(cat "$work/warn.md")"

check "devssl scenario denied" 1 "$work/devssl.md" "$PROD_DEVSSL" --format markdown
grep -q '### :no_entry: Block' "$work/devssl.md" && grep -q 'libssl-dev' "$work/devssl.md" &&
  grep -q '\*\*Verdict: deny\*\*' "$work/devssl.md"
ok $? "devssl: Block table names libssl-dev, verdict deny" "$(cat "$work/devssl.md")"

check "devssl json" 1 "$work/devssl.json" "$PROD_DEVSSL" --format json
jq -e '.verdict == "deny" and .summary.block >= 1 and (.findings | map(select(.tier == "block" and .name == "libssl-dev")) | length == 1) and (.denials | length == 0)' "$work/devssl.json" >/dev/null
ok $? "devssl json: verdict, summary, the blocked finding (once: not again as a denial)" "$(head -c 600 "$work/devssl.json")"

check "devssl sarif" 1 "$work/devssl.sarif" "$PROD_DEVSSL" --format sarif
jq -e '.version == "2.1.0" and (.runs[0].tool.driver.name == "driftgate") and (.runs[0].results | map(select(.ruleId == "drift/block" and .level == "error")) | length >= 1) and (.runs[0].results | all(.locations[0].logicalLocations[0].fullyQualifiedName | length > 0))' "$work/devssl.sarif" >/dev/null
ok $? "devssl sarif: 2.1.0, drift/block error results with logical locations" "$(head -c 600 "$work/devssl.sarif")"

check "devssl text" 1 "$work/devssl.txt" "$PROD_DEVSSL"
grep -q '^block  dev-only' "$work/devssl.txt"; ok $? "text lists the blocked dev-only package" "$(cat "$work/devssl.txt")"

check "unsigned denied" 1 "$work/unsigned.txt" "$PROD_UNSIGNED"
grep -q 'no verified' "$work/unsigned.txt"; ok $? "unsigned: says no verified signature/SBOM" "$(cat "$work/unsigned.txt")"
check "wrongkey denied" 1 "$work/wrongkey.txt" "$PROD_WRONGKEY"
check "tampered denied" 1 "$work/tampered.txt" "$PROD_TAMPERED"
check "replayed denied" 1 "$work/replayed.txt" "$PROD_REPLAYED"
check "wrongtype denied" 1 "$work/wrongtype.txt" "$PROD_WRONGTYPE"

# --dev replaces the policy's dev reference, so only a rule with devReference.allowCliOverride
# takes it (a pull request must not pick the baseline its drift is measured against).
check "--dev refused without allowCliOverride" 2 "$work/devrefused.txt" "$PROD_OK" --dev "$DEV_DEVSSL"
grep -q 'allowCliOverride' "$work/devrefused.txt.err" && [ ! -s "$work/devrefused.txt" ]
ok $? "--dev refused: says to set devReference.allowCliOverride, prints no report" "$(cat "$work/devrefused.txt.err")"
real_policy=$POLICY
POLICY=$(dirname "$real_policy")/dev-override-policy.yaml
sed 's/^\(      devReference:\)$/\1\n        allowCliOverride: true/' "$real_policy" > "$POLICY"
grep -q 'allowCliOverride: true' "$POLICY"; ok $? "policy copy with allowCliOverride: true"
check "--dev equal to the rule's dev reference" 0 "$work/dev.txt" "$PROD_OK" --dev "$DEV_OK"
# With allowCliOverride the ok image against the devssl dev container is blocked for libssl-dev,
# naming that dev image.
check "--dev overrides the rule's dev reference" 1 "$work/devother.txt" "$PROD_OK" --dev "$DEV_DEVSSL"
grep -q 'libssl-dev' "$work/devother.txt" && grep -qF "$DEV_DEVSSL" "$work/devother.txt"
ok $? "--dev: the report diffs against the given dev image" "$(cat "$work/devother.txt")"
POLICY=$real_policy

# Infrastructure failure: a registry nobody listens on → exit 2 with the reason.
# (the policy copy sits beside the original so its relative key paths still resolve)
down_policy=$(dirname "$POLICY")/down-policy.yaml
sed "s|$host|127.0.0.1:1|g" "$POLICY" > "$down_policy"
"$dg" check "127.0.0.1:1/demo/app:ok" --policy "$down_policy" --plain-http 127.0.0.1:1 --timeout 5 > "$work/down.txt" 2> "$work/down.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q 'resolving the digest' "$work/down.err"
ok $? "registry down: exit 2 naming the failed step (got $rc)" "$(cat "$work/down.err")"

"$dg" check "$PROD_OK" --policy "$POLICY" --format yaml > /dev/null 2>&1
[ $? -eq 2 ]; ok $? "unknown format: usage, exit 2"
"$dg" check "Not A Ref" --policy "$POLICY" > /dev/null 2> "$work/bad.err"
[ $? -eq 2 ] && grep -q 'invalid image reference' "$work/bad.err"; ok $? "invalid reference: exit 2" "$(cat "$work/bad.err")"
"$dg" check "$PROD_OK" --policy "$work/nope.yaml" > /dev/null 2> "$work/nopol.err"
[ $? -eq 2 ]; ok $? "missing policy: exit 2" "$(cat "$work/nopol.err")"

done_testing
