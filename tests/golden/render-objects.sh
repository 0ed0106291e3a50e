#!/usr/bin/env bash
# Regenerates tests/golden/admission/<case>/request.json (+ expected.txt): objects rendered by
# `kubectl create ... --dry-run=client -o json` (offline) or written by hand below, wrapped in an
# AdmissionReview shaped like the apiserver's (notes/apiserver.md). expected.txt lists the
# `path image` lines a correct decoder prints, taken from the object with jq along each kind's
# pod spec path (an oracle independent of the C code), or `CODE message-substring` for the
# malformed cases. Run it, review the diff, commit the output.
set -euo pipefail
cd "$(dirname "$0")"
out=admission
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v kubectl >/dev/null || { echo "render-objects: kubectl is needed" >&2; exit 1; }
command -v jq >/dev/null || { echo "render-objects: jq is needed" >&2; exit 1; }

# wrap CASE GROUP VERSION KIND RESOURCE OPERATION OBJECT_FILE [SUBRESOURCE]
wrap() {
  local case=$1 group=$2 version=$3 kind=$4 resource=$5 op=$6 obj=$7 sub=${8:-}
  local uid
  uid=$(printf '%s' "$case" | sha256sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
  mkdir -p "$out/$case"
  jq -n --arg uid "$uid" --arg group "$group" --arg version "$version" --arg kind "$kind" \
    --arg resource "$resource" --arg op "$op" --arg sub "$sub" --slurpfile obj "$obj" '
    ($obj[0]) as $o
    | {apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: ({
        uid: $uid,
        kind: {group: $group, version: $version, kind: $kind},
        resource: {group: $group, version: $version, resource: $resource},
        requestKind: {group: $group, version: $version, kind: $kind},
        requestResource: {group: $group, version: $version, resource: $resource},
        name: ($o.metadata.name // ""), namespace: "prod", operation: $op,
        userInfo: {username: "kubernetes-admin", groups: ["kubeadm:cluster-admins", "system:authenticated"]},
        object: (if $op == "DELETE" then null else $o end),
        oldObject: (if $op == "CREATE" then null else $o end),
        dryRun: true,
        options: (if $op == "DELETE" then {kind: "DeleteOptions", apiVersion: "meta.k8s.io/v1"}
                  else {kind: "CreateOptions", apiVersion: "meta.k8s.io/v1"} end)}
        + (if $sub == "" then {} else {subResource: $sub} end))}' > "$out/$case/request.json"
}

# expect CASE OBJECT_FILE SPEC_PATH (jq path of the pod spec, e.g. .spec.template.spec): the
# containers' images by list, then every image volume's reference (Kubernetes 1.31+).
expect() {
  local case=$1 obj=$2 spec=$3 prefix
  prefix=${spec#.}
  jq -r --arg p "$prefix" "$spec as \$s | ([\"containers\", \"initContainers\", \"ephemeralContainers\"][] as \$l
    | (\$s[\$l] // []) | to_entries[] | \"\(\$p).\(\$l)[\(.key)].image \(.value.image)\"),
    ((\$s.volumes // []) | to_entries[] | select(.value.image != null)
    | \"\(\$p).volumes[\(.key)].image.reference \(.value.image.reference)\")" "$obj" \
    > "$out/$case/expected.txt"
}

# with_image_volumes OBJECT_FILE SPEC_PATH REF...: adds image volumes (one per REF, plus a
# configMap volume that is not an image) to a rendered object, and mounts them in container 0,
# as `kubectl create` has no flag for volumes.
with_image_volumes() {
  local obj=$1 spec=$2; shift 2
  jq --argjson refs "$(printf '%s\n' "$@" | jq -R . | jq -s .)" "
    $spec.volumes = ([{name: \"config\", configMap: {name: \"app-config\"}}]
      + [\$refs | to_entries[] | {name: \"data-\(.key)\", image: {reference: .value, pullPolicy: \"IfNotPresent\"}}])
    | $spec.containers[0].volumeMounts = [$spec.volumes[] | {name, mountPath: \"/mnt/\(.name)\", readOnly: true}]" \
    "$obj" > "$obj.tmp" && mv "$obj.tmp" "$obj"
}

rm -rf "$out"
mkdir -p "$out"

# --- kubectl-rendered objects ---
kubectl create deployment web --image=nginx:1.25 --image=ghcr.io/acme/payments/api:v2 \
  --dry-run=client -o json > "$tmp/deployment.json"
kubectl create job migrate --image=registry.example.com/payments/migrate@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
  --dry-run=client -o json > "$tmp/job.json"
kubectl create cronjob nightly --image=busybox:1.36 --schedule="0 3 * * *" \
  --dry-run=client -o json > "$tmp/cronjob.json"

# Image volumes (issue 12): a kubectl-rendered Deployment and CronJob given image volumes.
kubectl create deployment models --image=registry.example.com/ml/server:v3 \
  --dry-run=client -o json > "$tmp/deployment-image-volume.json"
with_image_volumes "$tmp/deployment-image-volume.json" .spec.template.spec \
  registry.example.com/ml/weights:2024-06 "quay.io/acme/dataset@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
kubectl create cronjob reindex --image=registry.example.com/search/indexer:v1 --schedule="0 * * * *" \
  --dry-run=client -o json > "$tmp/cronjob-image-volume.json"
with_image_volumes "$tmp/cronjob-image-volume.json" .spec.jobTemplate.spec.template.spec \
  registry.example.com/search/dictionary:v7

# --- hand-written objects (kubectl run needs a server), defaulted as the apiserver sends them ---
cat > "$tmp/pod.json" <<'JSON'
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "debug-me", "namespace": "prod",
              "annotations": {"driftgate.dev/dev-image": "registry.example.com/payments/devcontainer:v2"}},
 "spec": {
   "initContainers": [{"name": "init-db", "image": "127.0.0.1:5000/tools/wait-for:1.0",
                       "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"}],
   "containers": [{"name": "app", "image": "registry.example.com/payments/api:v2",
                   "imagePullPolicy": "IfNotPresent", "resources": {}},
                  {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1", "imagePullPolicy": "IfNotPresent"}],
   "ephemeralContainers": [{"name": "debugger", "image": "busybox", "targetContainerName": "app"}],
   "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
   "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority"}}
JSON
template() { # NAME IMAGE... → a pod template spec
  local name=$1; shift
  printf '{"metadata":{"labels":{"app":"%s"}},"spec":{"containers":[' "$name"
  local i=0 img
  for img in "$@"; do
    [ $i -gt 0 ] && printf ','
    printf '{"name":"c%d","image":"%s","imagePullPolicy":"IfNotPresent"}' "$i" "$img"
    i=$((i + 1))
  done
  printf '],"restartPolicy":"Always"}}'
}
printf '{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},"spec":{"serviceName":"db","replicas":3,"selector":{"matchLabels":{"app":"db"}},"template":%s}}' \
  "$(template db docker.io/library/postgres:16.3 quay.io/prometheuscommunity/postgres-exporter:v0.15.0)" \
  | jq '.spec.template.spec.initContainers = [{"name":"perms","image":"index.docker.io/library/alpine:3.20"}]' > "$tmp/statefulset.json"
printf '{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent"},"spec":{"selector":{"matchLabels":{"app":"agent"}},"template":%s}}' \
  "$(template agent "[::1]:5000/ops/node-agent:3.2.1")" > "$tmp/daemonset.json"
printf '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-7d9f"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":%s}}' \
  "$(template web localhost/web:dev)" > "$tmp/replicaset.json"
printf '{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"legacy"},"spec":{"replicas":1,"selector":{"app":"legacy"},"template":%s}}' \
  "$(template legacy registry.example.com/payments/legacy:1.0)" > "$tmp/rc.json"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"image":"not-an-image-field"}}' > "$tmp/configmap.json"

wrap deployment apps v1 Deployment deployments CREATE "$tmp/deployment.json"
expect deployment "$tmp/deployment.json" .spec.template.spec
wrap job batch v1 Job jobs CREATE "$tmp/job.json"
expect job "$tmp/job.json" .spec.template.spec
wrap cronjob batch v1 CronJob cronjobs CREATE "$tmp/cronjob.json"
expect cronjob "$tmp/cronjob.json" .spec.jobTemplate.spec.template.spec
wrap pod "" v1 Pod pods CREATE "$tmp/pod.json"
expect pod "$tmp/pod.json" .spec
wrap pod-ephemeral "" v1 Pod pods UPDATE "$tmp/pod.json" ephemeralcontainers
expect pod-ephemeral "$tmp/pod.json" .spec
wrap deployment-image-volume apps v1 Deployment deployments CREATE "$tmp/deployment-image-volume.json"
expect deployment-image-volume "$tmp/deployment-image-volume.json" .spec.template.spec
wrap cronjob-image-volume batch v1 CronJob cronjobs CREATE "$tmp/cronjob-image-volume.json"
expect cronjob-image-volume "$tmp/cronjob-image-volume.json" .spec.jobTemplate.spec.template.spec
# pods/ephemeralcontainers carries the whole Pod: its image volumes are checked as well.
jq '.spec.volumes = [{name: "tools", image: {reference: "registry.example.com/debug/tools:1.2", pullPolicy: "Always"}}]' \
  "$tmp/pod.json" > "$tmp/pod-image-volume.json"
wrap pod-ephemeral-image-volume "" v1 Pod pods UPDATE "$tmp/pod-image-volume.json" ephemeralcontainers
expect pod-ephemeral-image-volume "$tmp/pod-image-volume.json" .spec
wrap statefulset apps v1 StatefulSet statefulsets CREATE "$tmp/statefulset.json"
expect statefulset "$tmp/statefulset.json" .spec.template.spec
wrap daemonset apps v1 DaemonSet daemonsets CREATE "$tmp/daemonset.json"
expect daemonset "$tmp/daemonset.json" .spec.template.spec
wrap replicaset apps v1 ReplicaSet replicasets CREATE "$tmp/replicaset.json"
expect replicaset "$tmp/replicaset.json" .spec.template.spec
wrap replicationcontroller "" v1 ReplicationController replicationcontrollers CREATE "$tmp/rc.json"
expect replicationcontroller "$tmp/rc.json" .spec.template.spec
# No images to check: an unknown kind and a DELETE.
wrap configmap "" v1 ConfigMap configmaps CREATE "$tmp/configmap.json"
: > "$out/configmap/expected.txt"
wrap pod-delete "" v1 Pod pods DELETE "$tmp/pod.json"
: > "$out/pod-delete/expected.txt"

# --- malformed: expected.txt is `CODE message-substring` ---
bad() { # CASE CODE SUBSTRING (request.json written by the caller)
  printf '%s %s\n' "$2" "$3" > "$out/$1/expected.txt"
}
mkdir -p "$out/bad-not-json"
printf 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n' > "$out/bad-not-json/request.json"
bad bad-not-json invalid "AdmissionReview is not valid JSON: 1:"
wrap bad-api-version apps v1 Deployment deployments CREATE "$tmp/deployment.json"
jq '.apiVersion = "admission.k8s.io/v1beta1"' "$out/bad-api-version/request.json" > "$tmp/x" && mv "$tmp/x" "$out/bad-api-version/request.json"
bad bad-api-version invalid 'unsupported apiVersion "admission.k8s.io/v1beta1" (want admission.k8s.io/v1)'
wrap bad-missing-uid apps v1 Deployment deployments CREATE "$tmp/deployment.json"
jq 'del(.request.uid)' "$out/bad-missing-uid/request.json" > "$tmp/x" && mv "$tmp/x" "$out/bad-missing-uid/request.json"
bad bad-missing-uid invalid "request.uid is missing"
wrap bad-truncated apps v1 Deployment deployments CREATE "$tmp/deployment.json"
head -c 700 "$out/bad-truncated/request.json" > "$tmp/x" && mv "$tmp/x" "$out/bad-truncated/request.json"
bad bad-truncated invalid "AdmissionReview is not valid JSON"
jq 'del(.spec.template.spec.containers[1].image)' "$tmp/deployment.json" > "$tmp/noimage.json"
wrap bad-no-image apps v1 Deployment deployments CREATE "$tmp/noimage.json"
bad bad-no-image invalid "request.object (Deployment): spec.template.spec.containers[1].image is missing or not a string"
jq '.spec.volumes[0].image.reference = ""' "$tmp/pod-image-volume.json" > "$tmp/emptyref.json"
wrap bad-image-volume-empty "" v1 Pod pods CREATE "$tmp/emptyref.json"
bad bad-image-volume-empty invalid "request.object (Pod): spec.volumes[0].image.reference is empty: an image volume must name the image it mounts"
jq 'del(.spec.volumes[0].image.reference)' "$tmp/pod-image-volume.json" > "$tmp/noref.json"
wrap bad-image-volume-no-reference "" v1 Pod pods CREATE "$tmp/noref.json"
bad bad-image-volume-no-reference invalid "request.object (Pod): spec.volumes[0].image.reference is missing or not a string"
jq '.kind = "EphemeralContainers" | {apiVersion, kind, metadata, ephemeralContainers: .spec.ephemeralContainers}' \
  "$tmp/pod.json" > "$tmp/ephemeral-kind.json"
wrap bad-ephemeral-other-kind "" v1 EphemeralContainers pods UPDATE "$tmp/ephemeral-kind.json" ephemeralcontainers
bad bad-ephemeral-other-kind invalid "request.kind EphemeralContainers for resource pods/ephemeralcontainers is not Pod"
jq '.spec.containers = [range(129) | {name: "c\(.)", image: "busybox:\(.)"}]' "$tmp/pod.json" > "$tmp/many.json"
wrap bad-too-many-images "" v1 Pod pods CREATE "$tmp/many.json"
bad bad-too-many-images limit "object has more than 128 container images"
echo "render-objects: wrote $(find "$out" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l) cases to tests/golden/$out"
