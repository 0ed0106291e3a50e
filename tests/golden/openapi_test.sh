#!/usr/bin/env bash
# Every field of a PodSpec that holds an image reference is checked (issue 12 item 1). The walk
# (openapi/podspec_walk.js) lists, from Kubernetes' own published OpenAPI (the PodSpec excerpt in
# openapi/podspec-schemas.json, with its source and version), every field that may hold an image
# reference at every path, minus the ones openapi/not-image-references.json explains; it builds one
# Pod setting each to a distinct image. `driftgate review` must then check each: its path and image
# in the denial (the policy matches none of them, noMatch: deny) and a <n>-image audit
# annotation. A field the decoder forgets (image volumes on e430284) fails here. Env: BUILD.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
dir=$top/tests/golden/openapi

src=$(jq -r '.source | "\(.repository)@\(.commit[0:12]) \(.path) (Kubernetes \(.kubernetes))"' "$dir/podspec-schemas.json")
if ! node "$dir/podspec_walk.js" "$dir/podspec-schemas.json" "$dir/not-image-references.json" "$work" > "$work/report.json"; then
  bail "the walk of $src runs"
fi
jq -e '.missingSchemas == []' "$work/report.json" >/dev/null
ok $? "every \$ref reachable from PodSpec resolves in the excerpt of $src" "$(jq -c .missingSchemas "$work/report.json")"
jq -e '.staleExclusions == []' "$work/report.json" >/dev/null
ok $? "every exclusion still names a candidate field" "$(jq -c .staleExclusions "$work/report.json")"
# The walk itself must see the fields known today, or the excerpt or the rule broke.
for f in io.k8s.api.core.v1.Container.image io.k8s.api.core.v1.EphemeralContainer.image \
         io.k8s.api.core.v1.ImageVolumeSource.reference; do
  jq -e --arg f "$f" '[.candidates[].field] | index($f) != null' "$work/report.json" >/dev/null
  ok $? "the walk finds $f"
done
while IFS=$'\t' read -r field path reason; do
  ok 0 "not an image reference: $path ($field): $reason"
done < <(jq -r '.excluded[] | [.field, .path, .reason] | @tsv' "$work/report.json")

cat > "$work/policy.yaml" <<'YAML'
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {mode: enforce, onError: deny, noMatch: deny}
  images:
    - {name: nothing-here, match: ["nothing.invalid/none"]}
YAML
"$dg" review --policy "$work/policy.yaml" "$work/review.json" > "$work/out.json" 2> "$work/err"
rc=$?
[ "$rc" -eq 1 ] && jq -e '.response.allowed == false' "$work/out.json" >/dev/null
ok $? "the Pod with every image field set is denied (rc $rc)" "$(cat "$work/out.json" "$work/err")"
msg=$(jq -r '.response.status.message // ""' "$work/out.json" 2>/dev/null)
while IFS=$'\t' read -r path image field; do
  [[ "$msg" == *"$path $image: no image rule matches"* ]]
  ok $? "$path ($field) is checked: the decision names it" "message: $msg"
done < "$work/expect.tsv"
jq -e --rawfile want "$work/expect.tsv" '[.response.auditAnnotations | to_entries[] | select(.key | endswith("-image")) | .value] | sort
    == ($want | split("\n") | map(select(. != "") | split("\t")[1]) | sort)' "$work/out.json" >/dev/null
ok $? "each of them has its <n>-image audit annotation" "$(jq -c '.response.auditAnnotations' "$work/out.json" 2>/dev/null)"
done_testing
