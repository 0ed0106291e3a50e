#!/usr/bin/env bash
# Issue 13 item 4: `signatures.count: N` means N distinct signers. Today verification stops at the
# first valid .sig layer and compares a boolean with N, so count: 2 can never pass and a denial
# does not say who signed. Real registry (tests/support/fixtures/world.sh), layers signed by npm's
# @sigstore/sign (sign.js), `driftgate review` and `policy lint`.
# Env: BUILD (build dir with driftgate). Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up none

review() { # image policy → the response as "allowed<TAB>message<TAB>signer annotation"
  bash "$top/tests/integration/review-objects.sh" -o "$work/obj" -k pod "$1" > /dev/null 2>&1
  "$dg" review --policy "$2" --plain-http "$REGISTRY" "$work/obj/pod.json" 2> "$work/review.log" |
    jq -r '.response | [.allowed, (.status.message // ""), (.auditAnnotations["0-signer"] // "")] | @tsv'
}
# resign ID KEYS_JSON: re-push the .sig of world image ID with one layer per key (sign.js).
resign() {
  local repo tag digest
  repo=$(jq -r --arg id "$1" '.images[$id].repo' "$SIGNED")
  tag=$(jq -r --arg id "$1" '.images[$id].tag' "$SIGNED")
  digest=$(jq -r --arg id "$1" '.images[$id].digest' "$SIGNED")
  jq -n --arg reg "$REGISTRY" --arg out "$work/resigned" --arg id "$1" --arg repo "$repo" \
    --arg tag "$tag" --arg digest "$digest" --argjson sig "$2" \
    --arg ci "$CI_KEY" --arg cipub "$CI_PUB" --arg other "$OTHER_KEY" --arg otherpub "$OTHER_PUB" \
    '{registry: $reg, out: $out, keys: {ci: {key: $ci, pub: $cipub}, other: {key: $other, pub: $otherpub}},
      images: [{id: $id, repo: $repo, tag: $tag, digest: $digest, sig: $sig, att: null}]}' \
    > "$work/resign.json"
  (cd "$top/tests" && node "$fixtures/sign.js" "$work/resign.json") > "$work/resign.log" 2>&1
}

# count: 2 over the CI key and another key, each its own signer.
sed -e 's|^  images:|    other-key:\n      key: {file: keys/other.pub}\n      transparencyLog: optional\n  images:|' \
    -e 's|signatures: {signedBy: \[ci-key\]}|signatures: {signedBy: [ci-key, other-key], count: 2}|' \
    "$POLICY" > "$WORLD_DIR/count2.yaml"
"$dg" policy lint "$WORLD_DIR/count2.yaml" > "$work/lint.log" 2>&1
check $? "the count: 2 policy lints" "$(cat "$work/lint.log")"

# 1. The attack surface today: one signer, count 2 → denied, and the denial names who signed.
r=$(review "$PROD_OK" "$WORLD_DIR/count2.yaml")
[ "$(cut -f1 <<< "$r")" = false ] &&
  grep -qE '2 distinct signers required \(of ci-key or other-key\), found 1: ci-key( \(|:)' <<< "$r" &&
  grep -qF 'cosign sign --key <private key of keys/other.pub>' <<< "$r"
check $? "count 2, signed by ci-key only → denied naming the signer found and the one missing" "$r"

# 2. The same key twice is one signer.
resign ok-prod '["ci","ci"]' || check 1 "re-signing ok-prod twice with ci" "$(tail -3 "$work/resign.log")"
r=$(review "$PROD_OK" "$WORLD_DIR/count2.yaml")
[ "$(cut -f1 <<< "$r")" = false ] && grep -qE 'found 1: ci-key( \(|:)' <<< "$r"
check $? "count 2, two .sig layers by the same key → one signer, denied" "$r"

# 3. Two distinct signers pass (never possible before), both named in the audit annotation.
resign ok-prod '["ci","other"]' || check 1 "re-signing ok-prod with ci and other" "$(tail -3 "$work/resign.log")"
r=$(review "$PROD_OK" "$WORLD_DIR/count2.yaml")
[ "$(cut -f1 <<< "$r")" = true ] && [ "$(cut -f3 <<< "$r")" = "ci-key, other-key" ]
check $? "count 2, signed by ci-key and other-key → allowed, signer annotation 'ci-key, other-key'" "$r"
# and the common count: 1 rule still takes the first that verifies
r=$(review "$PROD_OK" "$POLICY")
[ "$(cut -f1 <<< "$r")" = true ] && [ "$(cut -f3 <<< "$r")" = "ci-key" ]
check $? "count 1 on the same image: allowed by ci-key alone" "$r"

# 4. A second signer that is not in signedBy does not count.
resign ok-prod '["other","other"]' || check 1 "re-signing ok-prod with other only" "$(tail -3 "$work/resign.log")"
r=$(review "$PROD_OK" "$WORLD_DIR/count2.yaml")
[ "$(cut -f1 <<< "$r")" = false ] && grep -qE 'found 1: other-key( \(|:)' <<< "$r" &&
  grep -qF 'cosign sign --key <private key of keys/ci.pub>' <<< "$r"
check $? "count 2, two layers by other-key → one signer (other-key), denied asking for ci-key" "$r"

# 5. One key under two signer names cannot make count 2: the loader refuses it.
sed -e 's|file: keys/other.pub|file: keys/ci.pub|' "$WORLD_DIR/count2.yaml" > "$WORLD_DIR/samekey.yaml"
out=$("$dg" policy lint "$WORLD_DIR/samekey.yaml" 2>&1); rc=$?
[ $rc = 1 ] && grep -qF 'signers ci-key and other-key hold the same public key' <<< "$out"
check $? "count 2 over one key under two names → policy lint refuses it" "$out"

done_testing
