#!/usr/bin/env bash
# POST /mutate through `driftgate serve` over TLS against the real loopback registry of the
# fixture world (tests/support/fixtures/world.sh, signed with @sigstore/sign): each verified image
# of a Pod, Deployment or CronJob (containers, init containers) is pinned as
# "name:TAG@sha256:D" by a base64 JSONPatch; the patched object then passes /validate with no
# registry request (one verification for mutate + validate, by the review log lines and the
# registry metrics); a patched object gets no patch again (reinvocation); an image that cannot be
# verified, matches no rule or already names a digest is left alone and the mutate still allows;
# a bare Pod's UPDATE is never patched; the ephemeralcontainers subresource only pins ephemeral
# containers; a multi-arch image is pinned to its index (each node still pulls its platform);
# a malformed review is a 400.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
world_up multiarch
# The world's policy plus a rule for the multi-arch repository (signature and SBOM per platform).
awk -v reg="$REGISTRY" '
  /^  images:/ { print; print "    - name: multi"; print "      match: [\"" reg "/demo/multi\"]";
                 print "      signatures: {signedBy: [ci-key]}"; print "      attestations:";
                 print "        sbom: {predicateType: \"https://cyclonedx.org/bom\", signedBy: [ci-key]}";
                 next } { print }' "$POLICY" > "$world/policy-mutate.yaml"

mint_cert "$work" 127.0.0.1; cacert=$work/tls.crt
port=$(free_port); base=https://127.0.0.1:$port
cat > "$work/serve.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: $work/tls.crt, key: $work/tls.key}
policy: $world/policy-mutate.yaml
registry: {plainHTTP: ["$REGISTRY"]}
reload: {pollMillis: 0}
workers: 1
log: {level: info}
# This suite asserts that mutate and validate share one verification through the cache, not
# when entries expire (cache_test does): on a loaded machine a multi-arch mutate can outlast
# the default 30 s tag TTL before its validate runs, and the index of a per-platform-signed image
# has facts kept only failureTTLSeconds (5 s by default; its validate then refetched them with 4
# registry requests when python and jq took that long between the two).
cache: {tagTTLSeconds: 3600, failureTTLSeconds: 3600}
YAML
start_serve "$work/serve.yaml"; check $? "driftgate serve is up" "$(tail -5 "$work/serve.log")"

# The server writes its log from a buffer (base/log.c's writer thread), so a review's line may
# reach serve.log a little after its answer: each request marks how many lines the log had, and
# last_requests waits (at most 10 s) for the first line of its kind after the mark.
mark() { wc -l < "$work/serve.log" > "$work/log-mark"; }
mutate() { # BODY-FILE → response body (HTTP status appended on its own line)
  mark
  c -H 'Content-Type: application/json' --data-binary "@$1" -w '\n%{http_code}' "$base/mutate?timeout=10s"
}
validate() { # BODY-FILE → response body
  mark
  c -H 'Content-Type: application/json' --data-binary "@$1" "$base/validate?timeout=10s"
}
patch_of() { # RESPONSE (first line) → the decoded JSONPatch, or "none"
  head -1 <<< "$1" | jq -r '.response.patch // "none"' | { read -r p; if [ "$p" = none ]; then echo none; else base64 -d <<< "$p"; fi; }
}
# apply REVIEW-FILE PATCH-JSON → the review with the patch applied to request.object (replace
# ops only, RFC 6901 pointers); fails if a path does not exist.
apply() {
  python3 - "$1" "$2" <<'PY'
import json, sys
review = json.load(open(sys.argv[1])); ops = json.loads(sys.argv[2])
for op in ops:
    assert op["op"] == "replace", op
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    node = review["request"]["object"]
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)]  # must exist
        node[int(last)] = op["value"]
    else:
        assert last in node, op["path"]
        node[last] = op["value"]
print(json.dumps(review))
PY
}
# requests of the log line of KIND (mutate|review) the last request wrote; empty after 10 s without
last_requests() {
  local r _
  for _ in $(seq 200); do
    r=$(tail -n +"$(($(cat "$work/log-mark") + 1))" "$work/serve.log" |
      jq -rs --arg k "$1" '[.[] | select(has($k)) | .registry_requests] | first // empty' 2>/dev/null)
    if [ -n "$r" ]; then echo "$r"; return; fi
    sleep 0.05
  done
}
registry_total() { c "$base/metrics" | awk '/^driftgate_registry_requests_total\{/ { s += $2 } END { print s + 0 }'; }

ok_pin="$PROD_OK@$PROD_OK_DIGEST"

# --- a Pod with an init container: both pinned, validate after costs nothing -------------------
bash "$top/tests/integration/review-objects.sh" -o "$work/pod" -k pod,deployment,cronjob "$PROD_OK" >/dev/null 2>&1
jq --arg img "$PROD_OK" '.request.object.spec.initContainers = [{name: "init", image: $img}]' \
  "$work/pod/pod.json" > "$work/pod-init.json"
before=$(registry_total)
resp=$(mutate "$work/pod-init.json")
p=$(patch_of "$resp")
[ "$(tail -1 <<< "$resp")" = 200 ] && [ "$(head -1 <<< "$resp" | jq -r '.response.allowed, .response.patchType, .response.uid' | tr '\n' ' ')" = "true JSONPatch $(jq -r .request.uid "$work/pod-init.json") " ]
check $? "mutate: 200, allowed, patchType JSONPatch, the request's uid" "$resp"
want=$(jq -cn --arg v "$ok_pin" '[{op: "replace", path: "/spec/containers/0/image", value: $v},
                                  {op: "replace", path: "/spec/initContainers/0/image", value: $v}]')
[ "$(jq -c . <<< "$p")" = "$want" ]
check $? "mutate: the patch pins the container and the init container to name:TAG@sha256:D" "$p"
mutate_reqs=$(last_requests mutate)
[ -n "$mutate_reqs" ] && [ "$mutate_reqs" -gt 0 ]
check $? "mutate: the cold mutate verified the image ($mutate_reqs registry requests)"
apply "$work/pod-init.json" "$p" > "$work/pod-pinned.json"
check $? "the patch applies to the object the apiserver sent"
resp=$(validate "$work/pod-pinned.json")
[ "$(jq -r .response.allowed <<< "$resp")" = true ]
check $? "validate: the pinned Pod is allowed" "$resp"
[ "$(last_requests review)" = 0 ]
check $? "validate after mutate: no registry request (the verification was shared through the cache)" \
  "$(tail -3 "$work/serve.log")"
after=$(registry_total)
[ $((after - before)) = "$mutate_reqs" ]
check $? "registry metrics: mutate + validate cost $((after - before)) requests, those of one verification ($mutate_reqs)"
jq -r '.response.auditAnnotations["0-digest"] // ""' <<< "$resp" | grep -qxF "$PROD_OK_DIGEST"
check $? "validate judged the pinned digest" "$resp"

# --- reinvocation: the pinned object gets no patch, and costs no request ----------------------
resp=$(mutate "$work/pod-pinned.json")
[ "$(patch_of "$resp")" = none ] && [ "$(head -1 <<< "$resp" | jq -r .response.allowed)" = true ] &&
  [ "$(last_requests mutate)" = 0 ]
check $? "mutate of the pinned Pod: allowed, no patch, no registry request (idempotent)" "$resp"

# --- Deployment and CronJob: pod template paths ------------------------------------------------
loop_before=$(metric driftgate_loop_reviews_total)
resp=$(mutate "$work/pod/deployment.json")
[ "$(patch_of "$resp" | jq -c '[.[] | [.path, .value]]')" = "$(jq -cn --arg v "$ok_pin" '[["/spec/template/spec/containers/0/image", $v]]')" ]
check $? "Deployment: /spec/template/spec/containers/0/image pinned" "$(patch_of "$resp")"
[ "$(last_requests mutate)" = 0 ]
check $? "Deployment of a verified image: answered from the cache"
[ "$(metric driftgate_loop_reviews_total)" = $((${loop_before:-0} + 1)) ]
check $? "... on the loop thread, without a worker (driftgate_loop_reviews_total $loop_before → $(metric driftgate_loop_reviews_total))"
resp=$(mutate "$work/pod/cronjob.json")
[ "$(patch_of "$resp" | jq -r '.[0].path')" = /spec/jobTemplate/spec/template/spec/containers/0/image ]
check $? "CronJob: /spec/jobTemplate/spec/template/spec/containers/0/image pinned" "$(patch_of "$resp")"

# --- multi-arch: the index digest is pinned, validate judges the platforms from the cache -------
bash "$top/tests/integration/review-objects.sh" -o "$work/multi" -k pod "$MULTI_ONEACH" >/dev/null 2>&1
resp=$(mutate "$work/multi/pod.json")
p=$(patch_of "$resp")
[ "$(jq -r '.[0].value' <<< "$p" 2>/dev/null)" = "$MULTI_ONEACH@$MULTI_ONEACH_DIGEST" ]
check $? "multi-arch: pinned to the index digest, not a platform's ($MULTI_ONEACH_DIGEST)" "$resp / $p"
apply "$work/multi/pod.json" "$p" > "$work/multi-pinned.json"
resp=$(validate "$work/multi-pinned.json")
[ "$(jq -r .response.allowed <<< "$resp")" = true ] && [ "$(last_requests review)" = 0 ]
check $? "multi-arch: the pinned pod is allowed, its platforms judged from the cache" "$resp"

# --- what is left alone: unverifiable, unmatched, already pinned -------------------------------
bash "$top/tests/integration/review-objects.sh" -o "$work/mixed" -k pod \
  "$PROD_UNSIGNED" "$PROD_DEVSSL" "127.0.0.1:1/other/app:v1" "$REGISTRY/demo/app:ok@$PROD_OK_DIGEST" "$PROD_OK" >/dev/null 2>&1
resp=$(mutate "$work/mixed/pod.json")
p=$(patch_of "$resp")
[ "$(head -1 <<< "$resp" | jq -r .response.allowed)" = true ] &&
  [ "$(jq -c '[.[] | [.path, .value]]' <<< "$p")" = "$(jq -cn --arg v "$ok_pin" '[["/spec/containers/4/image", $v]]')" ]
check $? "mutate never denies; only the verified image is pinned (unsigned, denied by drift, unmatched and digest-pinned ones left as written)" "$resp / $p"
resp=$(validate "$work/mixed/pod.json")
[ "$(jq -r .response.allowed <<< "$resp")" = false ] && grep -q 'spec.containers\[0\].image' <<< "$resp" &&
  grep -q 'spec.containers\[1\].image' <<< "$resp"
check $? "validate decides about what mutate left alone: denied, naming the unsigned and the drifting image" "$(head -c 600 <<< "$resp")"

# --- UPDATE of a bare Pod, and the ephemeralcontainers subresource ----------------------------
jq '.request.operation = "UPDATE" | .request.oldObject = .request.object' "$work/pod-init.json" > "$work/pod-update.json"
resp=$(mutate "$work/pod-update.json")
[ "$(patch_of "$resp")" = none ] && [ "$(head -1 <<< "$resp" | jq -r .response.allowed)" = true ]
check $? "a bare Pod's UPDATE is not patched (the kubelet would restart the container)" "$resp"
jq --arg img "$PROD_OK" '.request.operation = "UPDATE" | .request.subResource = "ephemeralcontainers"
    | .request.object.spec.ephemeralContainers = [{name: "debug", image: $img}]' \
  "$work/pod-init.json" > "$work/pod-ephemeral.json"
resp=$(mutate "$work/pod-ephemeral.json")
[ "$(patch_of "$resp" | jq -c '[.[] | .path]')" = '["/spec/ephemeralContainers/0/image"]' ]
check $? "pods/ephemeralcontainers: only the ephemeral container is pinned" "$(patch_of "$resp")"

# --- malformed ---------------------------------------------------------------------------------
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}' > "$work/bad.json"
resp=$(mutate "$work/bad.json")
[ "$(tail -1 <<< "$resp")" = 400 ] && head -1 <<< "$resp" | jq -e .error >/dev/null
check $? "a malformed review: 400 with a JSON error (a webhook failure, not an admission)" "$resp"
out=$(c -o /dev/null -w '%{http_code}' "$base/mutate")
[ "$out" = 405 ]; check $? "GET /mutate: 405" "$out"

serve_stop
done_testing
