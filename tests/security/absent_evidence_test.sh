#!/usr/bin/env bash
# Issue 13 item 1: missing or malformed evidence is a finding, never an error: `onError` is for
# the infrastructure (registry down, timeout, 5xx, TLS); what an attacker with push access can
# write decides as a failed verification under the rule's mode. Every road below reached a
# permissive onError before: each is run with `onError: allow` and must be denied.
# Issue 12 item 7: absence is a finding: stripping the agent-provenance layer from a dev image's
# .att turned an agent.raiseDrift denial into an allow; `agent.required: true` makes a missing
# (or empty) agent-provenance attestation a finding of its own tier.
# Real registry (tests/support/fixtures/predicates-world.sh: world.sh plus attestation layers
# signed by npm's @sigstore/sign), `driftgate review`. Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up predicates
APP=$REGISTRY/demo/app
OCI_INDEX=application/vnd.oci.image.index.v1+json
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

review() { # image policy → "allowed<TAB>message<TAB>warnings joined by ' | '"
  bash "$top/tests/integration/review-objects.sh" -o "$work/obj" -k pod "$1" > /dev/null 2>&1
  "$dg" review --policy "$2" --plain-http "$REGISTRY" "$work/obj/pod.json" 2> "$work/review.log" |
    jq -r '.response | [.allowed, (.status.message // ""), ((.warnings // []) | join(" | "))] | @tsv'
}
allowed() { cut -f1 <<< "$1"; }
put_manifest() { # repo ref media-type body → HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Content-Type: $3" --data-binary "$4" \
    "http://$REGISTRY/v2/$1/manifests/$2"
}
get_manifest() { # repo ref
  curl -sf -H "Accept: $OCI_MANIFEST, $OCI_INDEX" "http://$REGISTRY/v2/$1/manifests/$2"
}
sed 's/onError: deny/onError: allow/' "$POLICY" > "$WORLD_DIR/allow.yaml"
sed 's/onError: deny/onError: allow/' "$PRED_POLICY" > "$WORLD_DIR/pred-allow.yaml"
ALLOW=$WORLD_DIR/allow.yaml

# --- issue 13: the roads to a permissive onError --------------------------------------------------
# 1. An empty OCI index pushed to an unsigned image's sha256-<hex>.sig tag.
code=$(put_manifest demo/app "sha256-${PROD_UNSIGNED_DIGEST#sha256:}.sig" "$OCI_INDEX" \
  "{\"schemaVersion\":2,\"mediaType\":\"$OCI_INDEX\",\"manifests\":[]}")
r=$(review "$APP:unsigned" "$ALLOW")
[ "$code" = 201 ] && [ "$(allowed "$r")" = false ] &&
  grep -qF 'no verified signature by ci-key (cosign signatures: ' <<< "$r" &&
  grep -qF 'cosign manifest is an index' <<< "$r"
check $? "onError: allow, an empty index at the .sig tag of an unsigned image → denied: no verified signature" "$code $r"

# 2. A dev tag re-pointed at a manifest with no attestation.
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$APP:unsigned" "docker://$DEV_DEVSSL"
expect_review "$PROD_DEVSSL" "$ALLOW" false \
  "onError: allow, devcontainer:devssl re-pointed at an unattested image → denied" \
  "could not check drift against the dev image: dev image $DEV_DEVSSL ($PROD_UNSIGNED_DIGEST) has no verified SBOM attestation"

# 3. A production image referenced by digest only: the {{tag}} dev reference cannot be formed.
expect_review "$APP@$PROD_DEVSSL_DIGEST" "$ALLOW" false \
  "onError: allow, digest-only reference with a {{tag}} dev reference → denied" \
  "the dev reference $REGISTRY/demo/devcontainer:{{tag}} needs the image tag, but $APP@$PROD_DEVSSL_DIGEST has none"

# 4. A tag that does not exist (yet): admitted, it could be pushed unsigned before the pull.
expect_review "$APP:notyet" "$ALLOW" false \
  "onError: allow, a tag that does not exist → denied (WH_E_NOT_FOUND is evidence)" \
  'GET manifest notyet: HTTP 404'

# 5. An index at the .att tag of a signed image.
code=$(put_manifest demo/app "sha256-${PROD_OK_DIGEST#sha256:}.att" "$OCI_INDEX" \
  "{\"schemaVersion\":2,\"mediaType\":\"$OCI_INDEX\",\"manifests\":[]}")
r=$(review "$PROD_OK" "$ALLOW")
[ "$code" = 201 ] && [ "$(allowed "$r")" = false ] &&
  grep -qF 'no verified SBOM attestation (https://cyclonedx.org/bom) by ci-key (cosign attestations: ' <<< "$r"
check $? "onError: allow, an index at the .att tag → denied: no verified SBOM attestation" "$code $r"

# 6. Junk at the OCI referrers fallback tag (sha256-<hex>) of an image with no classic layers.
code=$(put_manifest demo/app "sha256-${PROD_WRONGKEY_DIGEST#sha256:}" "$OCI_MANIFEST" \
  "$(get_manifest demo/app "$PROD_WRONGKEY_DIGEST")")
r=$(review "$PROD_WRONGKEY" "$ALLOW")
[ "$code" = 201 ] && [ "$(allowed "$r")" = false ] &&
  grep -qE 'no verified signature by ci-key \((signature 1 of 1|sigstore bundle referrers)' <<< "$r"
check $? "onError: allow, an image manifest at the referrers fallback tag → denied, not an error" "$code $r"

# Control: infrastructure still goes to onError (a registry that refuses connections).
dead=$(free_port)
sed -e "s|match: \[\"$REGISTRY/demo/app\"\]|match: [\"$REGISTRY/demo/app\", \"127.0.0.1:$dead/demo/app\"]|" \
  "$ALLOW" > "$WORLD_DIR/allow-dead.yaml"
bash "$top/tests/integration/review-objects.sh" -o "$work/obj" -k pod "127.0.0.1:$dead/demo/app:ok" > /dev/null 2>&1
r=$("$dg" review --policy "$WORLD_DIR/allow-dead.yaml" --plain-http "$REGISTRY" --plain-http "127.0.0.1:$dead" \
  "$work/obj/pod.json" 2> /dev/null | jq -r '.response | [.allowed, (.status.message // "")] | @tsv')
[ "$(allowed "$r")" = true ]
check $? "control: onError: allow still admits an image whose registry is down (infrastructure)" "$r"
sed 's/onError: allow/onError: warn/' "$WORLD_DIR/allow-dead.yaml" > "$WORLD_DIR/warn-dead.yaml"
r=$("$dg" review --policy "$WORLD_DIR/warn-dead.yaml" --plain-http "$REGISTRY" --plain-http "127.0.0.1:$dead" \
  "$work/obj/pod.json" 2> /dev/null | jq -r '.response | [.allowed, ((.warnings // []) | join(" | "))] | @tsv')
[ "$(allowed "$r")" = true ] && grep -qF 'image rule demo-app: could not be checked (onError: warn): ' <<< "$r" &&
  grep -qF 'Failed to connect' <<< "$r"
check $? "control: onError: warn turns the same into a warning naming the cause" "$r"

# --- issue 12 item 7: absence of agent provenance ------------------------------------------------
AGENT=https://crashoverride.com/attestations/agent-provenance/v1
expect_review "$PRED_AGENT_DEV" "$PRED_POLICY" false \
  "agent-dev (dev image attests agent commits, python3 minor drift) is denied by raiseDrift" \
  'seed-default[3]+agent'

# The attack: strip the agent-provenance layer from the dev image's .att.
att=sha256-${PREDDEV_AGENT_DEV_DIGEST#sha256:}.att
get_manifest pred/agentdev "$att" > "$work/att.json"
code=$(put_manifest pred/agentdev "$att" "$OCI_MANIFEST" \
  "$(jq -c --arg t "$AGENT" '.layers |= map(select(.annotations.predicateType != $t))' "$work/att.json")")
[ "$code" = 201 ] && [ "$(jq --arg t "$AGENT" '[.layers[] | select(.annotations.predicateType == $t)] | length' "$work/att.json")" = 1 ]
check $? "the agent-provenance layer is stripped from the dev image's .att ($code)"
expect_review "$PRED_AGENT_DEV" "$PRED_POLICY" true \
  "raiseDrift alone trusts the absence: the stripped pair is allowed with a warning (what agent.required is for)" \
  'minor drift of python3'

sed 's|agent: {raiseDrift: true}|agent: {raiseDrift: true, required: true}|' "$PRED_POLICY" > "$WORLD_DIR/agent-required.yaml"
expect_review "$PRED_AGENT_DEV" "$WORLD_DIR/agent-required.yaml" false \
  "agent.required: the stripped dev image is denied for the missing attestation" \
  "agent.required (absentTier block): dev image $PREDDEV_AGENT_DEV carries no verified agent-provenance attestation by ci-key"
expect_review "$PRED_AGENT_BOTH" "$WORLD_DIR/agent-required.yaml" true \
  "agent.required: agent-both (image and dev image attest commits) is allowed"
expect_review "$PRED_AGENT" "$WORLD_DIR/agent-required.yaml" false \
  "agent.required: agent (only the image attests commits) is denied for its dev image" \
  "agent.required (absentTier block): dev image $PREDDEV_AGENT"
sed 's|agent: {raiseDrift: true}|agent: {raiseDrift: true, required: true, absentTier: warn}|' "$PRED_POLICY" > "$WORLD_DIR/agent-warn.yaml"
expect_review "$PRED_AGENT_DEV" "$WORLD_DIR/agent-warn.yaml" true \
  "agent.absentTier: warn → the absence is a warning" \
  'agent.required (absentTier warn): dev image'

# An attestation whose agent_commits is empty is a finding too; and one listing commits behind an
# empty one (the pusher orders .att layers) is still found.
printf '{"agent_commits":[]}\n' > "$work/empty-agent.json"
jq -n -c --arg reg "$REGISTRY" --arg out "$work/agent-signed" --arg digest "$PREDDEV_AGENT_DEV_DIGEST" \
  --arg sbom "$WORLD_DIR/pred/oci/agent-dev-dev.cdx.json" --arg empty "$work/empty-agent.json" \
  --arg full "$WORLD_DIR/pred/predicates/agent-dev.json" --arg t "$AGENT" \
  --arg ci "$CI_KEY" --arg cipub "$CI_PUB" '
  {registry: $reg, out: $out, keys: {ci: {key: $ci, pub: $cipub}},
   images: [{id: "agent-dev-dev", repo: "pred/agentdev", tag: "agent-dev", digest: $digest, sbom: $sbom,
             sig: "ci", att: "ci", attMode: "good", referrer: false,
             atts: [{predicateType: $t, predicateFile: $empty, key: "ci"}]}]}' > "$work/empty-plan.json"
(cd "$top/tests" && node "$fixtures/sign.js" "$work/empty-plan.json") > "$work/sign.log" 2>&1
check $? "sign.js attests an empty agent_commits list on the dev image" "$(tail -3 "$work/sign.log")"
expect_review "$PRED_AGENT_DEV" "$WORLD_DIR/agent-required.yaml" false \
  "agent.required: an empty agent_commits list is denied as such" \
  '(its agent_commits is empty)'
jq '.images[0].atts += [{predicateType: .images[0].atts[0].predicateType, predicateFile: $full, key: "ci"}]' \
  --arg full "$WORLD_DIR/pred/predicates/agent-dev.json" "$work/empty-plan.json" > "$work/both-plan.json"
(cd "$top/tests" && node "$fixtures/sign.js" "$work/both-plan.json") > "$work/sign.log" 2>&1
expect_review "$PRED_AGENT_DEV" "$PRED_POLICY" false \
  "raiseDrift: an empty agent attestation layered before one listing commits does not hide it" \
  'seed-default[3]+agent'

done_testing
