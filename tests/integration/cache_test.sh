#!/usr/bin/env bash
# Cache and dedup proofs against the real registry (world.sh none) and driftgate serve:
#  - round trips: a cold review of one image whose rule needs only a classic .att costs <= 4
#    registry requests (manifest GET, .att manifest, .att blob), a cached one 0;
#  - singleflight: 16 concurrent reviews of one image (16 workers) cost, in total, the requests of
#    one cold review;
#  - a policy change (SIGHUP) is seen by the next review (generation in the facts key);
#  - a registry failure is never cached as verified: after the registry comes back (and the
#    failure's <= 2 s), the same review is allowed.
# The moved-tag-after-TTL proof lives in digest_binding_test.sh. Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up none

# A rule that needs only the SBOM attestation (classic .att), no .sig, no dev reference.
att_policy() { # out predicateType
  {
    policy_head
    policy_key_signer ci-key "$CI_PUB"
    cat <<YAML
  images:
    - name: demo-app
      match: ["$REGISTRY/demo/app"]
      attestations:
        sbom: {predicateType: "$2", signedBy: [ci-key]}
YAML
  } > "$1"
}
att_policy "$work/policy.yaml" "https://cyclonedx.org/bom"
bash "$top/tests/integration/review-objects.sh" -o "$work/one" -k pod "$PROD_OK" >/dev/null 2>&1

# 1. Round trips, CLI (no cache): one cold review.
"$dg" review --policy "$work/policy.yaml" --key-dir "$(dirname "$CI_PUB")" --plain-http "$REGISTRY" "$work/one/pod.json" \
  > "$work/one.out" 2> "$work/one.log"
cold=$(jq -s -r '[.[] | select(.review) | .registry_requests][0]' "$work/one.log")
[ "$(jq -r .response.allowed "$work/one.out")" = true ] && [ -n "$cold" ] && [ "$cold" -le 4 ]
ok $? "cold review of one image with a classic .att: $cold registry requests (<= 4)" "$(cat "$work/one.out")"

# 2. serve with 16 workers.
serve_up readyz <<YAML; check $? "driftgate serve is ready" "$(tail -20 "$serve_log")"
policy: "$work/policy.yaml"
policyKeyDirs: ["$(dirname "$CI_PUB")"]
registry: {plainHTTP: ["$REGISTRY"]}
cache: {tagTTLSeconds: 300}
workers: 16
YAML
reviews() { jq -s -c '[.[] | select(.review)]' "$work/serve.log"; }

for i in $(seq 1 16); do post_allowed "$work/one/pod.json" > "$work/c$i.out" & done
wait_posts() { local p; for p in $(jobs -p); do [ "$p" = "$pid" ] || wait "$p"; done; }
wait_posts
allowed=$(cat "$work"/c*.out | sort | uniq -c | tr -s ' ')
total=$(reviews | jq '[.[].registry_requests] | add')
n=$(reviews | jq length)
[ "$n" = 16 ] && [ "$allowed" = " 16 true" ] && [ "$total" = "$cold" ]
ok $? "16 concurrent reviews of one image: $total registry requests in total, one cold review's ($cold)" \
  "reviews=$n allowed=$allowed per review: $(reviews | jq -c '[.[].registry_requests]')"

a=$(post_allowed "$work/one/pod.json")
last=$(reviews | jq '.[-1].registry_requests')
[ "$a" = true ] && [ "$last" = 0 ]
ok $? "a cached review costs 0 registry requests ($last)"

# 3. A policy change is seen at once: demand SPDX instead of CycloneDX, SIGHUP, next review.
att_policy "$work/policy.yaml" "https://spdx.dev/Document"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q 'policy reloaded' "$work/serve.log" && break; sleep 0.1; done
a=$(post_allowed "$work/one/pod.json")
[ "$a" = false ]
ok $? "after SIGHUP with a changed rule the next review is denied (was allowed from the cache)" "$a"
att_policy "$work/policy.yaml" "https://cyclonedx.org/bom"
kill -HUP "$pid"
sleep 0.5
a=$(post_allowed "$work/one/pod.json")
[ "$a" = true ]
ok $? "and reverting the rule allows again" "$a"

# 4. Failures: the registry down → denied (onError), naming the registry; the failure is shared
# for <= 2 s (the next review costs no request) and then retried; never cached as verified.
bash "$top/tests/integration/review-objects.sh" -o "$work/warn" -k pod "$PROD_WARN" >/dev/null 2>&1
"$top/tests/support/registry.sh" stop "$work/world/registry" >/dev/null 2>&1
full() {
  curl -s --cacert "$cacert" -H 'Content-Type: application/json' \
    --data-binary "@$1" "$base/validate?timeout=10s"
}
r1=$(full "$work/warn/pod.json"); n1=$(reviews | jq '.[-1].registry_requests')
r2=$(full "$work/warn/pod.json"); n2=$(reviews | jq '.[-1].registry_requests')
[ "$(jq -r .response.allowed <<< "$r1")" = false ] && [ "$(jq -r .response.allowed <<< "$r2")" = false ] &&
  jq -r .response.status.message <<< "$r1" | grep -qF "$REGISTRY"
ok $? "registry down: denied by onError, naming the registry" "$(jq -r .response.status.message <<< "$r1")"
[ "$n1" -ge 1 ] && [ "$n2" = 0 ]
ok $? "the failure is shared by the next review ($n1 then $n2 requests)"
sleep 2.1
r3=$(full "$work/warn/pod.json"); n3=$(reviews | jq '.[-1].registry_requests')
[ "$(jq -r .response.allowed <<< "$r3")" = false ] && [ "$n3" -ge 1 ]
ok $? "after 2 s the failure has expired: retried ($n3 requests), still denied, never cached as verified"
done_testing
