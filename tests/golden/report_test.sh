#!/usr/bin/env bash
# Golden PR reports (issue 18 item 6): `driftgate check` against the fixture world, in every
# format, compared with tests/golden/report/<case>.<format>. The reports name the verified signer
# (key file, type and key id) and the dev image by digest, say "not evaluated" (never "clean")
# when the drift was not checked, tell a downgrade (prod older than dev) from an upgrade, and list
# each finding once (in its table, not again as a denial or warning). The registry's host:port
# (raw and as markdown escapes it) and the key id (new keys every run) are replaced by REGISTRY
# and CI_KEY_ID; image digests are the same every run. UPDATE=1 rewrites the goldens. Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
need_exec "$dg"
gold=$top/tests/golden/report
world_up none

# The key id the report must print: sha256 of the DER SubjectPublicKeyInfo, computed by openssl.
key_id=$(openssl pkey -pubin -in "$CI_PUB" -outform DER | sha256sum | cut -d' ' -f1)
[ ${#key_id} -eq 64 ]; ok $? "openssl computes the ci key's id"

# A second policy beside the world's (its key path resolves the same): the dev images judged as
# production against the ok dev image (python3 3.12 in prod, 3.11 in dev: an upgrade), and the
# app images by a rule with no dev reference (drift not evaluated).
policy2=$(dirname "$POLICY")/report-policy.yaml
{
  sed -n '1,/^  images:$/p' "$POLICY"
  policy_image dev-as-prod "$REGISTRY/demo/devcontainer" ci-key dev="$REGISTRY/demo/devcontainer:ok"
  policy_image app-no-dev "$REGISTRY/demo/app" ci-key
  sed -n '/^  tiers:$/,$p' "$POLICY"
} > "$policy2"
"$dg" policy lint "$policy2" > "$work/lint.out" 2>&1; ok $? "the second policy lints" "$(cat "$work/lint.out")"

# The registry as markdown prose escapes it (127\.0\.0\.1\:PORT), as a sed pattern.
md_registry=$(printf '%s' "$REGISTRY" | sed 's/[.:]/\\\\\\&/g')
# case policy image: what each golden is about
cases="ok:$POLICY:$PROD_OK warn:$POLICY:$PROD_WARN devssl:$POLICY:$PROD_DEVSSL
unsigned:$POLICY:$PROD_UNSIGNED upgrade:$policy2:$DEV_WARN nodev:$policy2:$PROD_OK"
for c in $cases; do
  name=${c%%:*} rest=${c#*:}
  pol=${rest%%:*} img=${rest#*:}
  for fmt in text markdown json sarif; do
    "$dg" check "$img" --policy "$pol" --plain-http "$REGISTRY" --format "$fmt" > "$work/raw" 2>&1
    rc=$?
    sed -e "s/$md_registry/REGISTRY/g" -e "s/$REGISTRY/REGISTRY/g" -e "s/$key_id/CI_KEY_ID/g" "$work/raw" > "$work/$name.$fmt"
    { cat "$work/$name.$fmt"; echo "exit $rc"; } > "$work/$name.$fmt.got"
    golden_compare "report golden $name.$fmt" "$work/$name.$fmt.got" "$gold/$name.$fmt"
  done
done

# The properties the goldens hold, checked on their own so a rewrite cannot lose them.
grep -q "^signer ci-key (key keys/ci.pub, ecdsa-p256, sha256:CI_KEY_ID)$" "$work/ok.text"
ok $? "signer: the key file and the key id openssl computes" "$(cat "$work/ok.text")"
grep -qF "dev    REGISTRY/demo/devcontainer:ok $DEV_OK_DIGEST" "$work/ok.text"
ok $? "dev image named by its digest" "$(cat "$work/ok.text")"
jq -e --arg d "$DEV_OK_DIGEST" '.devDigest == $d and .drift == "clean"' "$work/ok.json" > /dev/null
ok $? "json: devDigest and drift clean" "$(cat "$work/ok.json")"
for n in unsigned nodev; do
  ! grep -qi 'clean' "$work/$n.text" "$work/$n.markdown" "$work/$n.json" &&
    grep -q '^drift  not evaluated: ' "$work/$n.text" && grep -q '\*\*not evaluated\*\*' "$work/$n.markdown" &&
    jq -e '.drift == "not evaluated" and (.driftNotEvaluated | length > 0)' "$work/$n.json" > /dev/null &&
    jq -e '[.runs[0].results[] | select(.ruleId == "drift/not-evaluated")] | length == 1' "$work/$n.sarif" > /dev/null
  ok $? "$n: drift not evaluated in every format, never clean" "$(cat "$work/$n.text")"
done
grep -q 'python3 .* minor downgrade$' "$work/warn.text" && jq -e '.findings[0].direction == "downgrade"' "$work/warn.json" > /dev/null
ok $? "warn: python3 3.11 in prod, 3.12 in dev is a downgrade" "$(cat "$work/warn.text")"
grep -q 'python3 .* minor upgrade$' "$work/upgrade.text" && jq -e '[.findings[] | select(.name == "python3")][0].direction == "upgrade"' "$work/upgrade.json" > /dev/null
ok $? "upgrade: python3 3.12 in prod, 3.11 in dev is an upgrade" "$(cat "$work/upgrade.text")"
for n in warn devssl; do
  [ "$(grep -c -E 'python3|libssl-dev' "$work/$n.text")" -eq 1 ] && [ "$(grep -c -E 'python3|libssl-dev' "$work/$n.markdown")" -eq 1 ] &&
    jq -e '[.runs[0].results[] | select(.message.text | test("python3|libssl-dev"))] | length == 1' "$work/$n.sarif" > /dev/null
  ok $? "$n: the finding is printed once (text, markdown, sarif)" "$(cat "$work/$n.text")"
done
grep -q '^deny ' "$work/unsigned.text"; ok $? "unsigned: the signature denials are still listed" "$(cat "$work/unsigned.text")"
done_testing
