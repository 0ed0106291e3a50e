#!/usr/bin/env bash
# Issue 12 item 8, "pin what was verified". A validating webhook judges the image a tag points to
# at admission; the kubelet pulls the tag later. An attacker with push access moves the tag in
# between and an unverified image runs under an admitted pod. POST /mutate closes the race: the
# pod spec the apiserver stores names the digest driftgate verified (name:TAG@sha256:D), so the
# moved tag changes nothing that runs; /validate judges that digest. requireDigest: true is the
# other way to close it (an unpinned tag is denied).
# Real registry (tests/support/fixtures/world.sh), images moved with skopeo, driftgate serve.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
world_up none
skopeo_copy() { skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$1" "docker://$2"; }
# What the kubelet would pull for REF (a tag or a digest): the registry's digest for it.
pulled() {
  local path=${1#"$REGISTRY"/} repo ref
  repo=${path%%[:@]*}
  case $path in *@*) ref=${path##*@} ;; *) ref=${path##*:} ;; esac
  curl -sI -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$repo/manifests/$ref" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

mint_cert "$work" 127.0.0.1; cacert=$work/tls.crt
port=$(free_port); base=https://127.0.0.1:$port
cat > "$work/serve.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: $work/tls.crt, key: $work/tls.key}
policy: $POLICY
registry: {plainHTTP: ["$REGISTRY"]}
cache: {tagTTLSeconds: 1}
reload: {pollMillis: 0}
log: {level: warn}
YAML
start_serve "$work/serve.yaml"; check $? "driftgate serve is up" "$(tail -5 "$work/serve.log")"
call() { # PATH BODY-FILE → response body
  c -H 'Content-Type: application/json' --data-binary "@$2" "$base/$1?timeout=10s"
}

# The CI pushed a signed image under a tag; a Deployment names the tag.
skopeo_copy "$REGISTRY/demo/app:ok" "$REGISTRY/demo/app:release"
skopeo_copy "$REGISTRY/demo/devcontainer:ok" "$REGISTRY/demo/devcontainer:release"
bash "$top/tests/integration/review-objects.sh" -o "$work/obj" -k deployment "$REGISTRY/demo/app:release" >/dev/null 2>&1

# The apiserver calls the mutating webhook first, applies its patch, then the validating one.
resp=$(call mutate "$work/obj/deployment.json")
patch=$(jq -r '.response.patch // empty' <<< "$resp" | base64 -d 2>/dev/null)
pinned=$(jq -r '.[0].value // empty' <<< "$patch" 2>/dev/null)
[ "$pinned" = "$REGISTRY/demo/app:release@$PROD_OK_DIGEST" ]
check $? "mutate pins the Deployment's image to the digest it verified: $pinned" "$resp"
jq --arg v "$pinned" '.request.object.spec.template.spec.containers[0].image = $v' \
  "$work/obj/deployment.json" > "$work/stored.json"
resp=$(call validate "$work/stored.json")
[ "$(jq -r .response.allowed <<< "$resp")" = true ]
check $? "validate admits the pinned Deployment" "$resp"

# The attacker moves the tag to an image nobody signed.
skopeo_copy "$REGISTRY/demo/app:unsigned" "$REGISTRY/demo/app:release"
[ "$(pulled "$REGISTRY/demo/app:release")" = "$PROD_UNSIGNED_DIGEST" ]
check $? "the tag now points at the unsigned image"
stored=$(jq -r '.request.object.spec.template.spec.containers[0].image' "$work/stored.json")
[ "$(pulled "$stored")" = "$PROD_OK_DIGEST" ]
check $? "what the stored pod spec makes the kubelet pull is still the verified digest ($stored)"
sleep 1.2 # past the tag TTL: a new ReplicaSet's pods are reviewed again, by digest
jq --arg v "$stored" '.request.kind.kind = "Pod" | .request.resource.resource = "pods"
    | .request.kind.group = "" | .request.resource.group = ""
    | .request.object = {apiVersion: "v1", kind: "Pod", metadata: {name: "app-1", namespace: "default"},
                         spec: {containers: [{name: "app", image: $v}]}}' "$work/stored.json" > "$work/pod.json"
# This rule picks its dev image by tag (devcontainer:{{tag}}), and the tag now names another
# image: a pinned name:TAG@D is then indistinguishable from an attacker's app:ok@<other digest>
# (issue 12.3), so it is denied, saying so and pointing at devReference.from: attestation, which
# names the dev image by the production digest and so survives the move.
resp=$(call validate "$work/pod.json")
[ "$(jq -r .response.allowed <<< "$resp")" = false ] &&
  grep -qF "the tag release names $PROD_UNSIGNED_DIGEST, not $PROD_OK_DIGEST" <<< "$resp" &&
  grep -qF 'devReference.from: attestation' <<< "$resp"
check $? "a tag-chosen dev image cannot judge the pinned digest once the tag moved: denied, naming the fix" "$resp"
# A rule whose evidence is bound to the digest (signature and SBOM, no tag-chosen dev image):
# the Deployment's pods, created after the move, are judged by the pinned digest and admitted.
sed -e '/^      devReference:$/d' -e '/devcontainer:{{tag}}"$/d' -e '/^      tiers: seed-default$/d' \
  "$POLICY" > "$world/policy-pinned.yaml"
! grep -q devReference "$world/policy-pinned.yaml"
check $? "policy variant without a tag-chosen dev image"
"$dg" review --policy "$world/policy-pinned.yaml" --plain-http "$REGISTRY" "$work/pod.json" \
  > "$work/pinned.json" 2> "$work/pinned.err"
[ "$(jq -r .response.allowed "$work/pinned.json")" = true ] &&
  [ "$(jq -r '.response.auditAnnotations["0-digest"]' "$work/pinned.json")" = "$PROD_OK_DIGEST" ]
check $? "the Deployment's pods, created after the move, are judged (and run) by the pinned digest" \
  "$(head -c 600 "$work/pinned.json") $(head -c 300 "$work/pinned.err")"
# Without the mutating webhook the same object was admitted by tag, and the kubelet now pulls the
# moved tag: the race the issue describes (shown, not asserted against driftgate).
[ "$(pulled "$REGISTRY/demo/app:release")" = "$PROD_UNSIGNED_DIGEST" ]
check $? "without pinning, the admitted tag would now pull another image: the race mutate closes"

# requireDigest: true closes it too, by refusing tags that name no digest.
sed 's/^      signatures: {signedBy: \[ci-key\]}/      requireDigest: true\n      signatures: {signedBy: [ci-key]}/' \
  "$world/policy-pinned.yaml" > "$world/policy-digest.yaml"
grep -q 'requireDigest: true' "$world/policy-digest.yaml"
check $? "policy variant with requireDigest: true"
"$dg" review --policy "$world/policy-digest.yaml" --plain-http "$REGISTRY" "$work/obj/deployment.json" \
  > "$work/rd.json" 2> "$work/rd.err"
grep -q 'requires a digest' "$work/rd.json" && [ "$(jq -r .response.allowed "$work/rd.json")" = false ]
check $? "requireDigest: true denies the unpinned tag" "$(head -c 400 "$work/rd.json")"
"$dg" review --policy "$world/policy-digest.yaml" --plain-http "$REGISTRY" "$work/pod.json" \
  > "$work/rd2.json" 2>> "$work/rd.err"
[ "$(jq -r .response.allowed "$work/rd2.json")" = true ]
check $? "requireDigest: true admits the image mutate pinned" "$(head -c 400 "$work/rd2.json")"

serve_stop
done_testing
