#!/usr/bin/env bash
# Multi-arch images: an index is resolved to the platforms the pod can run (linux by default,
# narrowed by nodeSelector / required node affinity on kubernetes.io/arch), and the rule's
# `platforms: any|index|each` says where the signature and SBOM attestation must be. Denials
# name the platform and its digest. Real registry (world.sh none + multiarch.sh), driftgate review.
# Env: BUILD (build dir with driftgate). Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up multiarch

for mode in any index each; do
  awk -v reg="$REGISTRY" -v mode="$mode" '
    /^  images:/ { print; print "    - name: multi"; print "      match: [\"" reg "/demo/multi\"]";
                   print "      platforms: " mode; print "      signatures: {signedBy: [ci-key]}";
                   print "      attestations:";
                   print "        sbom: {predicateType: \"https://cyclonedx.org/bom\", signedBy: [ci-key]}";
                   next } { print }' "$POLICY" > "$work/world/policy-$mode.yaml"
done
cp "$work/world/policy-any.yaml" "$work/world/policy-default.yaml"
sed -i '/      platforms: any/d' "$work/world/policy-default.yaml"

render() { # out image [jq filter on the pod spec]
  local out=$1 image=$2 filter=${3:-.}
  bash "$top/tests/integration/review-objects.sh" -o "$work/r" -k pod "$image" >/dev/null 2>&1
  jq ".request.object.spec |= ($filter)" "$work/r/pod.json" > "$out"
}
review() { # policy-mode file → [allowed, message]; log in $work/review.log
  "$dg" review --policy "$work/world/policy-$1.yaml" --plain-http "$REGISTRY" "$2" \
    2> "$work/review.log" | jq -c '.response | [.allowed, (.status.message // "")]'
}
expect() { # want-allowed mode file name [grep patterns...]
  local want=$1 mode=$2 file=$3 name=$4 r p rc=0
  shift 4
  r=$(review "$mode" "$file")
  [ "$(jq -r '.[0]' <<< "$r")" = "$want" ] || rc=1
  for p in "$@"; do grep -qF -- "$p" <<< "$r" || rc=1; done
  ok $rc "$name" "$r"
}

render "$work/onindex.json" "$MULTI_ONINDEX"
render "$work/oneach.json" "$MULTI_ONEACH"
render "$work/amdonly.json" "$MULTI_AMDONLY"
render "$work/amdonly-amd64.json" "$MULTI_AMDONLY" '.nodeSelector = {"kubernetes.io/arch": "amd64"}'
render "$work/amdonly-arm64.json" "$MULTI_AMDONLY" '.nodeSelector = {"kubernetes.io/arch": "arm64"}'
render "$work/amdonly-aff.json" "$MULTI_AMDONLY" '.affinity = {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: "kubernetes.io/arch", operator: "NotIn", values: ["arm64"]}]}]}}}'
render "$work/onindex-s390x.json" "$MULTI_ONEACH" '.nodeSelector = {"kubernetes.io/arch": "s390x"}'
render "$work/onindex-windows.json" "$MULTI_ONEACH" '.nodeSelector = {"kubernetes.io/os": "windows"}'
render "$work/bad-affinity.json" "$MULTI_ONEACH" '.affinity = {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: "kubernetes.io/arch", operator: "Near", values: ["arm64"]}]}]}}}'

# platforms: index — the index digest carries signature and SBOM.
expect true index "$work/onindex.json" "index: signed+attested index is allowed"
expect false index "$work/oneach.json" "index: per-platform signatures do not satisfy 'index'; message names the index digest" \
  "$MULTI_ONEACH_DIGEST" "no verified signature by ci-key"
# platforms: each — every selected platform manifest carries its own.
expect true each "$work/oneach.json" "each: both platforms signed+attested is allowed"
expect false each "$work/onindex.json" "each: an index-only signature denies, naming linux/amd64 and its digest" \
  "platform linux/amd64 $MULTI_ONINDEX_AMD64" "no verified signature"
expect false each "$work/amdonly.json" "each: arm64 unsigned denies, naming linux/arm64 and its digest" \
  "platform linux/arm64 $MULTI_AMDONLY_ARM64" "no verified SBOM attestation"
expect true each "$work/amdonly-amd64.json" "each: a pod pinned to amd64 (nodeSelector) needs only amd64"
expect true each "$work/amdonly-aff.json" "each: required node affinity NotIn arm64 needs only amd64"
expect false each "$work/amdonly-arm64.json" "each: a pod pinned to arm64 is denied for arm64" \
  "platform linux/arm64 $MULTI_AMDONLY_ARM64"
# platforms: any (and the default) — index or the platform's own, for every selected platform.
for mode in any default; do
  expect true "$mode" "$work/onindex.json" "$mode: index signed covers every platform"
  expect true "$mode" "$work/oneach.json" "$mode: every platform signed is enough"
  expect false "$mode" "$work/amdonly.json" "$mode: arm64 covered by neither denies, naming linux/arm64" \
    "index $MULTI_AMDONLY_DIGEST, platform linux/arm64 $MULTI_AMDONLY_ARM64"
  expect true "$mode" "$work/amdonly-amd64.json" "$mode: amd64-only pod of the amd64-signed index is allowed"
done
expect false any "$work/onindex-s390x.json" "no platform of the index matches the pod: denied, listing the index's platforms" \
  "no platform of the index $MULTI_ONEACH_DIGEST can run this pod" "linux/amd64, linux/arm64"
expect false any "$work/onindex-windows.json" "a windows-only pod cannot run a linux-only index" \
  "can run this pod"
r=$("$dg" review --policy "$work/world/policy-any.yaml" --plain-http "$REGISTRY" "$work/bad-affinity.json" 2>&1)
grep -q 'matchExpressions.0.\.operator .*Near.* is not one of' <<< "$r"
ok $? "an unknown affinity operator is a malformed request naming its path" "$r"

# Requests: the tag GET also tells index from image; cold costs GET + .sig + .att.
review index "$work/onindex.json" >/dev/null
n=$(jq -s -r '[.[] | select(.review) | .registry_requests][0]' "$work/review.log")
[ "$n" = 5 ]
ok $? "index mode, cold: 5 registry requests (manifest GET, .sig manifest+blob, .att manifest+blob): $n"
# Annotations name the platform judged.
a=$("$dg" review --policy "$work/world/policy-each.yaml" --plain-http "$REGISTRY" "$work/amdonly.json" 2>/dev/null |
  jq -r '.response.auditAnnotations["0-platform"] // empty')
[ "$a" = "linux/arm64 $MULTI_AMDONLY_ARM64" ]
ok $? "audit annotation 0-platform names the platform judged ($a)"
done_testing
