#!/usr/bin/env bash
# Renders workload objects with kubectl (offline: `kubectl create ... --dry-run=client -o json`)
# and wraps each in an admission.k8s.io/v1 AdmissionReview shaped like the apiserver's (uid, kind,
# resource, requestKind/Resource, namespace, operation CREATE, userInfo, dryRun true, options,
# the object after a little apiserver-style defaulting).
#
#   review-objects.sh [-o OUTDIR] [-n NAME] [-N NAMESPACE] [-k KINDS] IMAGE...
#     KINDS: comma list of deployment,pod,cronjob,job (default: all four)
#     every IMAGE becomes a container (containers[0], [1], ...) of each object
#     without -o: one compact AdmissionReview per line on stdout, in KINDS order
#     with -o:    OUTDIR/<kind>.json per kind, pretty-printed
# The uid is derived from kind, namespace, name and images, so output is stable for goldens.
# The Pod is hand-written JSON: `kubectl run --dry-run=client` needs a server.
set -euo pipefail
out='' name=app ns=default kinds=deployment,pod,cronjob,job
while getopts 'o:n:N:k:' opt; do
  case $opt in
    o) out=$OPTARG ;;
    n) name=$OPTARG ;;
    N) ns=$OPTARG ;;
    k) kinds=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: review-objects.sh [-o OUTDIR] [-n NAME] [-N NAMESPACE] [-k KINDS] IMAGE..." >&2; exit 2; }
command -v kubectl >/dev/null || { echo "review-objects.sh: kubectl not found" >&2; exit 1; }
images=("$@")
[ -n "$out" ] && mkdir -p "$out"

# Containers c0..cN for every image after the first (kubectl names the first after its image).
extra_containers() {
  local i
  for ((i = 1; i < ${#images[@]}; i++)); do
    jq -n -c --arg n "c$i" --arg img "${images[$i]}" '{name: $n, image: $img, resources: {}}'
  done | jq -s -c .
}
extra=$(extra_containers)

render() { # kind → object JSON (compact)
  case "$1" in
    deployment)
      kubectl create deployment "$name" --image="${images[0]}" --dry-run=client -o json |
        jq -c --argjson x "$extra" '.spec.template.spec.containers += $x' ;;
    job)
      kubectl create job "$name" --image="${images[0]}" --dry-run=client -o json |
        jq -c --argjson x "$extra" '.spec.template.spec.containers += $x' ;;
    cronjob)
      kubectl create cronjob "$name" --image="${images[0]}" --schedule='*/5 * * * *' --dry-run=client -o json |
        jq -c --argjson x "$extra" '.spec.jobTemplate.spec.template.spec.containers += $x' ;;
    pod)
      jq -n -c --arg n "$name" --arg img "${images[0]}" --argjson x "$extra" \
        '{apiVersion: "v1", kind: "Pod", metadata: {name: $n, labels: {run: $n}},
          spec: {containers: ([{name: $n, image: $img, resources: {}}] + $x), restartPolicy: "Always"}}' ;;
    *) echo "review-objects.sh: unknown kind $1 (deployment, pod, cronjob, job)" >&2; return 2 ;;
  esac
}

gvr() { # kind → group version Kind resource
  case "$1" in
    deployment) echo "apps v1 Deployment deployments" ;;
    pod) echo "'' v1 Pod pods" ;;
    cronjob) echo "batch v1 CronJob cronjobs" ;;
    job) echo "batch v1 Job jobs" ;;
  esac
}

IFS=, read -ra kind_list <<< "$kinds"
for k in "${kind_list[@]}"; do
  obj=$(render "$k")
  read -r group version kind resource <<< "$(gvr "$k")"
  [ "$group" = "''" ] && group=
  h=$(printf '%s\n' "$k" "$ns" "$name" "${images[@]}" | sha256sum | cut -c1-32)
  uid="${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}"
  [ -n "$out" ] && compact= || compact=-c
  review=$(printf '%s' "$obj" | jq ${compact:+"$compact"} --arg uid "$uid" --arg g "$group" --arg v "$version" --arg k "$kind" \
      --arg r "$resource" --arg ns "$ns" --arg name "$name" '
    # What the apiserver has done by the time a webhook sees the object: namespace set,
    # containers defaulted.
    def defaults: if type == "object" and has("containers") then
        .containers |= map({imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log",
                            terminationMessagePolicy: "File"} + .)
        | .dnsPolicy //= "ClusterFirst" | .schedulerName //= "default-scheduler"
        | .terminationGracePeriodSeconds //= 30 | .securityContext //= {}
      else . end;
    (.metadata.namespace = $ns | walk(defaults)) as $obj |
    {kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1",
     request: {uid: $uid,
               kind: {group: $g, version: $v, kind: $k},
               resource: {group: $g, version: $v, resource: $r},
               requestKind: {group: $g, version: $v, kind: $k},
               requestResource: {group: $g, version: $v, resource: $r},
               name: $name, namespace: $ns, operation: "CREATE",
               userInfo: {username: "kubernetes-admin",
                          groups: ["kubeadm:cluster-admins", "system:authenticated"]},
               object: $obj, oldObject: null, dryRun: true,
               options: {kind: "CreateOptions", apiVersion: "meta.k8s.io/v1", dryRun: ["All"],
                         fieldManager: "kubectl-create", fieldValidation: "Strict"}}}')
  if [ -n "$out" ]; then
    printf '%s\n' "$review" > "$out/$k.json"
  else
    printf '%s\n' "$review"
  fi
done
