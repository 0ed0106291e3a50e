#!/usr/bin/env bash
# Attack (issue 12 item 1): everything the kubelet pulls is checked. An attacker who can push to a
# covered repository (no signing key) pushes an unsigned image there and mounts it as an image
# volume (spec.volumes[].image.reference, Kubernetes 1.31+) of a pod whose containers are all
# signed. The kubelet pulls the volume like a container image; driftgate must deny it, naming
# spec.volumes[N].image.reference, in every pod-bearing kind and on pods/ephemeralcontainers.
# Real registry on 127.0.0.1 (tests/support/fixtures/world.sh: demo/app:ok signed and attested,
# demo/app:unsigned not), objects rendered by `kubectl create --dry-run=client` where kubectl has
# a command for the kind, `driftgate review` with the world's policy. Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
command -v kubectl >/dev/null || bail "kubectl is installed (renders the objects)"
world_up none

# wrap KIND GROUP RESOURCE OP OBJECT_FILE [SUBRESOURCE] → AdmissionReview on stdout
wrap() {
  jq -c --arg kind "$1" --arg group "$2" --arg resource "$3" --arg op "$4" --arg sub "${6:-}" '
    {apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: ({
      uid: "3f1c2d9e-0000-4000-8000-\($kind | ascii_downcase | .[0:12] | . + "000000000000" | .[0:12])",
      kind: {group: $group, version: "v1", kind: $kind},
      resource: {group: $group, version: "v1", resource: $resource},
      requestKind: {group: $group, version: "v1", kind: $kind},
      requestResource: {group: $group, version: "v1", resource: $resource},
      name: .metadata.name, namespace: "prod", operation: $op,
      userInfo: {username: "mallory", groups: ["system:authenticated"]},
      object: ., oldObject: (if $op == "UPDATE" then . else null end), dryRun: false,
      options: {kind: "CreateOptions", apiVersion: "meta.k8s.io/v1"}}
      + (if $sub == "" then {} else {subResource: $sub} end))}' "$5"
}

# add_volume OBJECT_FILE SPEC_PATH REFERENCE: an image volume mounted into container 0.
add_volume() {
  jq --arg ref "$3" "$2.volumes = [{name: \"data\", image: {reference: \$ref, pullPolicy: \"IfNotPresent\"}}]
    | $2.containers[0].volumeMounts = [{name: \"data\", mountPath: \"/data\", readOnly: true}]" "$1"
}

review() { # FILE → the response in $resp, the exit code in $rc
  "$dg" review --policy "$POLICY" --plain-http "$REGISTRY" "$1" > "$1.out" 2> "$1.err"
  rc=$?
  resp=$(cat "$1.out")
}

# --- the objects: one signed container each --------------------------------------------------
kubectl create deployment app --image="$PROD_OK" --dry-run=client -o json > "$work/deployment.json"
kubectl create job app --image="$PROD_OK" --dry-run=client -o json > "$work/job.json"
kubectl create cronjob app --image="$PROD_OK" --schedule="0 * * * *" --dry-run=client -o json \
  > "$work/cronjob.json"
tpl=$(jq -c .spec.template "$work/deployment.json")
jq -n --argjson t "$tpl" '{apiVersion: "v1", kind: "Pod", metadata: {name: "app", labels: $t.metadata.labels}, spec: $t.spec}' > "$work/pod.json"
for k in ReplicaSet:apps/v1 StatefulSet:apps/v1 DaemonSet:apps/v1; do
  jq -n --argjson t "$tpl" --arg k "${k%%:*}" --arg v "${k#*:}" \
    '{apiVersion: $v, kind: $k, metadata: {name: "app"}, spec: ({selector: {matchLabels: $t.metadata.labels}, template: $t}
      + (if $k == "StatefulSet" then {serviceName: "app"} else {} end))}' > "$work/$(echo "${k%%:*}" | tr '[:upper:]' '[:lower:]').json"
done
jq -n --argjson t "$tpl" '{apiVersion: "v1", kind: "ReplicationController", metadata: {name: "app"}, spec: {selector: $t.metadata.labels, template: $t}}' > "$work/replicationcontroller.json"
jq -n --argjson t "$tpl" '{apiVersion: "v1", kind: "PodTemplate", metadata: {name: "app"}, template: $t}' > "$work/podtemplate.json"

# kind group resource spec-path
kinds="Pod::pods:.spec
Deployment:apps:deployments:.spec.template.spec
ReplicaSet:apps:replicasets:.spec.template.spec
StatefulSet:apps:statefulsets:.spec.template.spec
DaemonSet:apps:daemonsets:.spec.template.spec
Job:batch:jobs:.spec.template.spec
CronJob:batch:cronjobs:.spec.jobTemplate.spec.template.spec
ReplicationController::replicationcontrollers:.spec.template.spec
PodTemplate::podtemplates:.template.spec"

# --- control: the signed container alone is admitted --------------------------------------------
for kind in Pod Deployment; do
  lower=$(echo "$kind" | tr '[:upper:]' '[:lower:]')
  line=$(printf '%s\n' "$kinds" | grep "^$kind:")
  IFS=: read -r _ group resource _ <<< "$line"
  wrap "$kind" "$group" "$resource" CREATE "$work/$lower.json" > "$work/$lower-signed.review.json"
  review "$work/$lower-signed.review.json"
  [ "$rc" -eq 0 ] && jq -e '.response.allowed == true' <<< "$resp" >/dev/null
  ok $? "control: $kind with only the signed, attested $PROD_OK is admitted" "$resp $(cat "$work/$lower-signed.review.json.err")"
done

# --- attack: the same object mounting an unsigned image from the covered repository ----------
while IFS=: read -r kind group resource spec; do
  lower=$(echo "$kind" | tr '[:upper:]' '[:lower:]')
  path="${spec#.}.volumes[0].image.reference"
  add_volume "$work/$lower.json" "$spec" "$PROD_UNSIGNED" > "$work/$lower-vol.json"
  wrap "$kind" "$group" "$resource" CREATE "$work/$lower-vol.json" > "$work/$lower-vol.review.json"
  review "$work/$lower-vol.review.json"
  msg=$(jq -r '.response.status.message // ""' <<< "$resp" 2>/dev/null)
  [ "$rc" -eq 1 ] && jq -e '.response.allowed == false and .response.status.code == 403
      and .response.auditAnnotations["0-verdict"] == "allow" and .response.auditAnnotations["1-verdict"] == "deny"' <<< "$resp" >/dev/null &&
    [[ "$msg" == *"$path $PROD_UNSIGNED ("*"no verified signature by ci-key"* ]]
  ok $? "$kind: signed container + unsigned image volume is denied at $path" "rc=$rc $resp $(cat "$work/$lower-vol.review.json.err")"
done <<< "$kinds"

# --- pods/ephemeralcontainers: the update carries the whole pod, its volumes are checked too ----
jq --arg img "$PROD_OK" '.spec.ephemeralContainers = [{name: "debug", image: $img, targetContainerName: .spec.containers[0].name}]' \
  "$work/pod-vol.json" > "$work/pod-ephemeral.json"
wrap Pod "" pods UPDATE "$work/pod-ephemeral.json" ephemeralcontainers > "$work/ephemeral.review.json"
review "$work/ephemeral.review.json"
msg=$(jq -r '.response.status.message // ""' <<< "$resp" 2>/dev/null)
[ "$rc" -eq 1 ] && jq -e '.response.allowed == false' <<< "$resp" >/dev/null &&
  [[ "$msg" == *"spec.volumes[0].image.reference $PROD_UNSIGNED ("*"no verified signature by ci-key"* ]]
ok $? "pods/ephemeralcontainers: the pod's unsigned image volume is denied" "rc=$rc $resp"

# An older kind on that subresource lists no pod spec: refused, never admitted unchecked.
jq '{apiVersion: "v1", kind: "EphemeralContainers", metadata, ephemeralContainers: .spec.ephemeralContainers}' \
  "$work/pod-ephemeral.json" > "$work/ephemeral-kind.json"
wrap EphemeralContainers "" pods UPDATE "$work/ephemeral-kind.json" ephemeralcontainers > "$work/ephemeral-kind.review.json"
review "$work/ephemeral-kind.review.json"
[ "$rc" -eq 2 ] && [[ "$resp" == *"request.kind EphemeralContainers for resource pods/ephemeralcontainers is not Pod"* ]]
ok $? "pods/ephemeralcontainers with another kind than Pod is refused (HTTP 400 from serve)" "rc=$rc $resp"

# --- an image volume no rule covers falls to noMatch: deny ---------------------------------------
add_volume "$work/pod.json" .spec "$REGISTRY/elsewhere/payload:v1" > "$work/pod-nomatch.json"
wrap Pod "" pods CREATE "$work/pod-nomatch.json" > "$work/nomatch.review.json"
review "$work/nomatch.review.json"
msg=$(jq -r '.response.status.message // ""' <<< "$resp" 2>/dev/null)
[ "$rc" -eq 1 ] && [[ "$msg" == *"spec.volumes[0].image.reference $REGISTRY/elsewhere/payload:v1: no image rule matches $REGISTRY/elsewhere/payload (noMatch: deny)"* ]]
ok $? "an image volume no rule matches is denied by noMatch" "rc=$rc $resp"

# --- malformed: an image volume without a reference is refused, never skipped -----------------
for variant in 'del(.spec.volumes[0].image.reference)' '.spec.volumes[0].image.reference = ""'; do
  jq "$variant" "$work/pod-vol.json" > "$work/pod-bad.json"
  wrap Pod "" pods CREATE "$work/pod-bad.json" > "$work/bad.review.json"
  review "$work/bad.review.json"
  [ "$rc" -eq 2 ] && jq -e '.error | test("^request.object \\(Pod\\): spec.volumes\\[0\\].image.reference is (missing or not a string|empty): an image volume must name the image it mounts$")' <<< "$resp" >/dev/null
  ok $? "image volume ($variant) is refused with a clear message" "rc=$rc $resp"
done
done_testing
