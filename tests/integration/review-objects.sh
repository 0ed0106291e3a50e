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

# kubectl's offline render depends on the kind, the name and the first image's last path component
# (it names the container after it), not on the registry (whose port is new every run): it is
# rendered once for a stand-in registry, cached beside the fixture worlds (DG_WORLD_CACHE, default
# build/world-cache; DG_RENDER_CACHE=off renders every time) and the image put back with jq.
cache=${DG_WORLD_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/build/world-cache}/kubectl
stand_in=stand-in.invalid/${images[0]##*/}
kubectl_create() { # KIND [ARG...]: kubectl create KIND NAME --image=<stand-in> ARG... as JSON
  local key f tmp
  if [ "${DG_RENDER_CACHE:-}" = off ]; then
    kubectl create "$1" "$name" --image="$stand_in" "${@:2}" --dry-run=client -o json
    return
  fi
  key=$(printf '%s\n' "$name" "$stand_in" "$@" "$(stat -c %Y-%s "$(command -v kubectl)")" | sha256sum | cut -c1-32)
  f=$cache/$1-$key.json
  if [ ! -s "$f" ]; then
    mkdir -p "$cache" && tmp=$(mktemp "$cache/.tmp.XXXXXX") || return 1
    if ! kubectl create "$1" "$name" --image="$stand_in" "${@:2}" --dry-run=client -o json > "$tmp"; then
      rm -f "$tmp"
      return 1
    fi
    mv "$tmp" "$f"
  fi
  cat "$f"
}
# The real first image in place of the stand-in, then the other containers at PATH.
restore() { # PATH (a jq path to the containers)
  jq -c --arg s "$stand_in" --arg i "${images[0]}" --argjson x "$extra" \
    "walk(if type == \"object\" and .image == \$s then .image = \$i else . end) | $1 += \$x"
}

render() { # kind → object JSON (compact)
  case "$1" in
    deployment) kubectl_create deployment | restore .spec.template.spec.containers ;;
    job) kubectl_create job | restore .spec.template.spec.containers ;;
    cronjob)
      kubectl_create cronjob --schedule='*/5 * * * *' | restore .spec.jobTemplate.spec.template.spec.containers ;;
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
