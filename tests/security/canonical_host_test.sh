#!/usr/bin/env bash
# Attack (issue 12 item 4): registry hosts are canonical before any rule matches. The policy has
# strict rules for some registries and, after them, a lenient catch-all (mode warn, nothing to
# verify). An attacker respells a covered registry (LOCALHOST:5000, host:443, host:0443,
# registry-1.docker.io, an uncompressed or IPv4-mapped IPv6 literal, 127.1) so the strict rule's glob misses and
# the lenient rule admits the image; the kubelet pulls from the same registry all the same. Every
# spelling must reach the strict rule and be denied naming the canonical reference (and the
# spelling written); `policy lint` must warn about the lenient rule after the strict ones. No
# registry is needed: the strict rules require a digest, which decides before any fetch.
# Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

cp "$top/policy/keys/ci.pub" "$work/ci.pub"
cat > "$work/policy.yaml" <<'YAML'
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {mode: enforce, onError: deny, noMatch: deny}
  signers:
    ci-key: {key: {file: ci.pub}, transparencyLog: optional}
  images:
    - name: strict-local
      match: ["localhost:5000/**"]
      requireDigest: true
      signatures: {signedBy: [ci-key]}
    - name: strict-loopback
      match: ["127.0.0.1:5000/**", "[::1]:5000/**"]
      requireDigest: true
      signatures: {signedBy: [ci-key]}
    - name: strict-corp
      match: ["registry.example.com/**"]
      requireDigest: true
      signatures: {signedBy: [ci-key]}
    - name: strict-hub
      match: ["docker.io/acme/**"]
      requireDigest: true
      signatures: {signedBy: [ci-key]}
    - name: strict-odd-spelling
      match: ["REGISTRY.CORP.EXAMPLE:443/**"]
      requireDigest: true
      signatures: {signedBy: [ci-key]}
    - name: lenient
      match: ["**"]
      mode: warn
YAML

# pod_review FILE IMAGE: a Pod CREATE whose one container runs IMAGE.
pod_review() {
  jq -n --arg img "$2" '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {
    uid: "6b0c1f4e-3d7a-4e59-9d0e-2b1f6c8a7d10", kind: {group: "", version: "v1", kind: "Pod"},
    resource: {group: "", version: "v1", resource: "pods"}, namespace: "mallory", operation: "CREATE",
    userInfo: {username: "mallory"},
    object: {apiVersion: "v1", kind: "Pod", metadata: {name: "p", namespace: "mallory"},
             spec: {containers: [{name: "c", image: $img, imagePullPolicy: "IfNotPresent"}]}}}}' > "$1"
}

# spelling | rule it must reach | canonical name | canonical reference
cases='LOCALHOST:5000/app:v1|strict-local|localhost:5000/app|localhost:5000/app:v1
Localhost:5000/team/app:v1|strict-local|localhost:5000/team/app|localhost:5000/team/app:v1
localhost:05000/app:v1|strict-local|localhost:5000/app|localhost:5000/app:v1
[0:0:0:0:0:0:0:1]:5000/app:v1|strict-loopback|[::1]:5000/app|[::1]:5000/app:v1
[0::0001]:5000/app:v1|strict-loopback|[::1]:5000/app|[::1]:5000/app:v1
[::ffff:7f00:1]:5000/app:v1|strict-loopback|127.0.0.1:5000/app|127.0.0.1:5000/app:v1
registry.example.com:443/app:v1|strict-corp|registry.example.com/app|registry.example.com/app:v1
Registry.Example.COM/app:v1|strict-corp|registry.example.com/app|registry.example.com/app:v1
REGISTRY.EXAMPLE.COM:0443/team/app:v1|strict-corp|registry.example.com/team/app|registry.example.com/team/app:v1
registry-1.docker.io/acme/app:v1|strict-hub|docker.io/acme/app|docker.io/acme/app:v1
index.docker.io/acme/app:v1|strict-hub|docker.io/acme/app|docker.io/acme/app:v1
registry.hub.docker.com/acme/app:v1|strict-hub|docker.io/acme/app|docker.io/acme/app:v1
Docker.IO:443/acme/app:v1|strict-hub|docker.io/acme/app|docker.io/acme/app:v1
acme/app:v1|strict-hub|docker.io/acme/app|docker.io/acme/app:v1
registry.corp.example/app:v1|strict-odd-spelling|registry.corp.example/app|registry.corp.example/app:v1'

i=0
while IFS='|' read -r spelling rule name canonical; do
  i=$((i + 1))
  pod_review "$work/r$i.json" "$spelling"
  "$dg" review --policy "$work/policy.yaml" "$work/r$i.json" > "$work/r$i.out" 2> "$work/r$i.err"
  rc=$?
  msg=$(jq -r '.response.status.message // ""' "$work/r$i.out" 2>/dev/null)
  # A short name ("acme/app") is shown as written; a respelled registry with the canonical form.
  first=${spelling%%/*}
  shown=$spelling
  if [[ $first == *.* || $first == *:* ]] && [ "$first" != "${canonical%%/*}" ]; then
    shown="$canonical (written $spelling)"
  fi
  want="spec.containers[0].image $shown: rule $rule requires a digest: pin the image as $name@sha256:<digest>"
  [ "$rc" -eq 1 ] && [ "$msg" = "$want" ] &&
    jq -e --arg c "$canonical" '.response.allowed == false and .response.auditAnnotations["0-image"] == $c
      and .response.auditAnnotations["0-verdict"] == "deny"' "$work/r$i.out" > /dev/null
  ok $? "$spelling reaches $rule and is denied as $canonical" "rc=$rc
want: $want
got:  $(cat "$work/r$i.out")"
done <<< "$cases"

# A numeric host only some resolvers read as 127.0.0.1 gets no rule of its own: refused.
pod_review "$work/v4.json" "127.1:5000/app:v1"
"$dg" review --policy "$work/policy.yaml" "$work/v4.json" > "$work/v4.out" 2> "$work/v4.err"
rc=$?
msg=$(jq -r '.response.status.message // ""' "$work/v4.out" 2>/dev/null)
[ "$rc" -eq 1 ] && [[ "$msg" == *'127.1:5000/app:v1: invalid image reference: image reference "127.1:5000/app:v1": registry host "127.1" is an IPv4 address in a non-canonical form: write it as 127.0.0.1'* ]]
ok $? "127.1:5000 (inet_aton's 127.0.0.1) is refused, not judged by the lenient rule" "rc=$rc $(cat "$work/v4.out")"

# The canonical spelling still reaches the rule whose glob was written oddly.
pod_review "$work/odd.json" "registry.corp.example:443/app:v1"
"$dg" review --policy "$work/policy.yaml" "$work/odd.json" > "$work/odd.out" 2> "$work/odd.err"
jq -e '.response.allowed == false and (.response.status.message | contains("rule strict-odd-spelling requires a digest"))' "$work/odd.out" > /dev/null
ok $? "a rule written REGISTRY.CORP.EXAMPLE:443/** catches registry.corp.example:443/app" "$(cat "$work/odd.out")"

# policy lint names the lenient rule after each strict one it shares names with.
"$dg" policy lint "$work/policy.yaml" > "$work/lint.out" 2> "$work/lint.err"
rc=$?
want="$work/policy.yaml:28:7: warning: image rule lenient (mode warn) shares names with the stricter image rule strict-local before it ($work/policy.yaml:8:7, enforce, signatures by ci-key): \"**\" and \"localhost:5000/**\" both match localhost:5000/a"
[ "$rc" -eq 0 ] && grep -qF "$want" "$work/lint.err" && [ "$(grep -c ': warning: image rule lenient ' "$work/lint.err")" -eq 5 ] &&
  grep -q "strict-odd-spelling before it ($work/policy.yaml:24:7, enforce, signatures by ci-key): \"\*\*\" and \"registry.corp.example/\*\*\"" "$work/lint.err"
ok $? "policy lint warns: lenient (28:7) after each of the 5 strict rules, with positions and an example" "rc=$rc $(cat "$work/lint.err" "$work/lint.out")"
done_testing
