#!/usr/bin/env bash
# `driftgate reverify` end to end: a real registry (Debian's docker-registry) with images signed by
# sigstore-js (tests/support/fixtures/sign.js), and a stand-in kube-apiserver
# (tests/support/kube-reverify-api.py: HTTPS, Bearer token, the API reference's PodList paging,
# Event and PolicyReport create/update shapes) that grants exactly the rules of the ClusterRole in
# manifests/reverify/rbac.yaml and answers 403 to anything else. Cases: findings per kind (engine
# denial of an unsigned init container, expired exemption, moved tag, unpinned spec, a runtime
# with no digest), a signature deleted after the first run shows on the next run of the same
# --interval process, pagination and de-duplication, PolicyReport create then update, rate-limited
# Events, metrics, 403 fails closed naming the missing rule, huge / malformed / looping pod lists
# are refused. Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
if ! command -v skopeo > /dev/null || ! command -v node > /dev/null || ! /usr/bin/python3 -c 'import yaml'; then
  bail "skopeo, node and python3-yaml are installed"
fi

# --- registry and images -------------------------------------------------------------------
on_exit "$top/tests/support/registry.sh" stop "$work/reg"
if ! reg_env=$("$top/tests/support/registry.sh" start none "$work/reg" 2> "$work/reg.log") ||
   ! eval "$reg_env"; then
  bail "registry starts" "$(tail -20 "$work/reg.log")"
fi
mkdir -p "$work/keys" "$work/img" "$work/signed"
for k in ci other; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/keys/$k.key" 2>/dev/null
  openssl pkey -in "$work/keys/$k.key" -pubout -out "$work/keys/$k.pub" 2>/dev/null
done

# mkimg ID REPO TAG REVISION: a one-layer OCI layout whose config carries the revision label,
# pushed to REGISTRY/REPO:TAG in the background; the digest goes to $work/img/ID.digest.
sha() { sha256sum "$1" | cut -d' ' -f1; }
mkimg() {
  local d=$work/img/$1 h c m
  mkdir -p "$d/root" "$d/layout/blobs/sha256"
  printf '%s\n' "$1" > "$d/root/id"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d/root" -cf "$d/layer.tar" .
  gzip -n -c "$d/layer.tar" > "$d/layer.tar.gz"
  h=$(sha "$d/layer.tar.gz"); cp "$d/layer.tar.gz" "$d/layout/blobs/sha256/$h"
  printf '{"architecture":"amd64","os":"linux","config":{"Labels":{"org.opencontainers.image.revision":"%s"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$4" "$(sha "$d/layer.tar")" > "$d/config.json"
  c=$(sha "$d/config.json"); cp "$d/config.json" "$d/layout/blobs/sha256/$c"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$c" "$(stat -c %s "$d/config.json")" "$h" "$(stat -c %s "$d/layer.tar.gz")" > "$d/manifest.json"
  m=$(sha "$d/manifest.json"); cp "$d/manifest.json" "$d/layout/blobs/sha256/$m"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$d/layout/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$m" "$(stat -c %s "$d/manifest.json")" "$3" > "$d/layout/index.json"
  printf 'sha256:%s' "$m" > "$d.digest"
  skopeo copy -q --dest-tls-verify=false "oci:$d/layout:$3" "docker://$REGISTRY/$2:$3" > "$d.push.log" 2>&1 &
  pids+=($!)
}
pids=()
mkimg good demo/app good rev-good
mkimg gone demo/app gone rev-gone
mkimg moved demo/app moved rev-moved
mkimg unsigned demo/app unsigned rev-unsigned
mkimg exempt demo/exempt v1 rev-exempt
mkimg exemptdev demo/exemptdev v1 rev-dev
pushed=0
for p in "${pids[@]}"; do wait "$p" || pushed=1; done
ok $pushed "registry on $REGISTRY with six images pushed" "$(cat "$work"/img/*.push.log)"
d() { cat "$work/img/$1.digest"; }
GOOD=$(d good) GONE=$(d gone) MOVED=$(d moved) UNSIGNED=$(d unsigned) EXEMPT=$(d exempt)

# SBOMs for the exemption case: the dev image has libssl-dev, the image does not (a block rule).
printf 'libc6 2.36-9 amd64\n' | "$top/tests/support/fixtures/make-sbom.sh" cyclonedx demo/exempt v1 > "$work/prod.cdx.json"
printf 'libc6 2.36-9 amd64\nlibssl-dev 3.0.11-1 amd64\n' |
  "$top/tests/support/fixtures/make-sbom.sh" cyclonedx demo/exemptdev v1 > "$work/dev.cdx.json"
# fs-manifest statements (--fsm against the attested manifest, below): the good image's, signed
# for it and replayed onto moved (its subject is good's digest); the dev image's with its manifest
# text edited after `fsm attest` (root kept), signed as is.
"$dg" fsm attest "$REGISTRY/demo/app@$GOOD" --plain-http "$REGISTRY" > "$work/good.fsm.json" 2> "$work/fsmatt.err" &&
  "$dg" fsm attest "$REGISTRY/demo/exemptdev@$(d exemptdev)" --plain-http "$REGISTRY" 2>> "$work/fsmatt.err" |
  jq '.predicate.manifest |= sub("uid=0"; "uid=7")' > "$work/dev.fsm.json" &&
  [ "$(jq -r .predicate.root "$work/dev.fsm.json")" != "sha256:$(jq -j .predicate.manifest "$work/dev.fsm.json" | sha256sum | cut -d' ' -f1)" ]
ok $? "fsm attest: the good image's statement; the dev image's, its manifest text no longer its root" "$(cat "$work/fsmatt.err")"
{
  for id in good gone moved; do
    jq -nc --arg id "$id" --arg d "$(d "$id")" --arg f "$work/good.fsm.json" '{id: $id, repo: "demo/app", tag: $id, digest: $d, sig: "ci", att: null, referrer: false} +
      if $id == "gone" then {} else {atts: [{statementFile: $f, key: "ci"}]} end'
  done
  jq -nc --arg d "$EXEMPT" --arg s "$work/prod.cdx.json" '{id: "exempt", repo: "demo/exempt", tag: "v1", digest: $d, sbom: $s, sig: "ci", att: "ci", attMode: "good", referrer: false}'
  jq -nc --arg d "$(d exemptdev)" --arg s "$work/dev.cdx.json" --arg f "$work/dev.fsm.json" '{id: "exemptdev", repo: "demo/exemptdev", tag: "v1", digest: $d, sbom: $s, sig: "ci", att: "ci", attMode: "good", referrer: false,
    atts: [{statementFile: $f, key: "ci"}]}'
} | jq -s --arg reg "$REGISTRY" --arg out "$work/signed" --arg k "$work/keys" \
  '{registry: $reg, out: $out, images: ., keys: {ci: {key: ($k + "/ci.key"), pub: ($k + "/ci.pub")}, other: {key: ($k + "/other.key"), pub: ($k + "/other.pub")}}}' > "$work/plan.json"
(cd "$top/tests" && node "$top/tests/support/fixtures/sign.js" "$work/plan.json") > "$work/sign.log" 2>&1
ok $? "sign.js signs five images (the unsigned one stays unsigned)" "$(tail -5 "$work/sign.log")"

mkdir -p "$work/policy/keys"
cp "$work/keys/ci.pub" "$work/policy/keys/ci.pub"
cat > "$work/policy/policy.yaml" <<YAML
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {mode: enforce, onError: deny, noMatch: deny}
  signers:
    ci-key: {key: {file: keys/ci.pub}, transparencyLog: optional}
  images:
    - name: app
      match: ["$REGISTRY/demo/app"]
      signatures: {signedBy: [ci-key]}
    - name: exempt
      match: ["$REGISTRY/demo/exempt"]
      signatures: {signedBy: [ci-key]}
      attestations:
        sbom: {predicateType: "https://cyclonedx.org/bom", signedBy: [ci-key]}
      devReference: {image: "$REGISTRY/demo/exemptdev:v1"}
      tiers: t
  tiers:
    t:
      - {tier: block, when: {devOnly: true, nameContains: [ssl]}}
      - {tier: ignore, when: {}}
  exemptions:
    - {images: ["$REGISTRY/demo/exempt"], rule: "t[0]", expires: "2020-01-31", reason: "TICKET-1 waiver"}
YAML

# --- pods ----------------------------------------------------------------------------------
# pod NS NAME PHASE CONTAINERS_JSON INITS_JSON: a v1 Pod as the API returns it; a container is
# {name, image, imageID}.
pod() {
  jq -nc --arg ns "$1" --arg n "$2" --arg ph "$3" --argjson cs "$4" --argjson is "${5:-[]}" '{
    apiVersion: "v1", kind: "Pod",
    metadata: {name: $n, namespace: $ns, uid: ("uid-" + $ns + "-" + $n), resourceVersion: "7"},
    spec: ({containers: [$cs[] | {name, image}], initContainers: [$is[] | {name, image}]} +
           if $ns == "team-a" then {securityContext: {runAsUser: 1000, runAsNonRoot: true}} else {} end),
    status: {phase: $ph,
      containerStatuses: [$cs[] | {name, image, imageID, ready: true, restartCount: 0, started: true,
                                   state: {running: {startedAt: "2026-12-05T10:00:00Z"}}}],
      initContainerStatuses: [$is[] | {name, image, imageID, ready: true, restartCount: 0,
                                       state: {terminated: {exitCode: 0, reason: "Completed"}}}]}}'
}
ctr() { jq -nc --arg n "$1" --arg i "$2" --arg id "$3" '[{name: $n, image: $i, imageID: $id}]'; }
{
  for i in 0 1 2 3 4 5 6; do
    pod team-a "good-$i" Running "$(ctr app "$REGISTRY/demo/app@$GOOD" "docker-pullable://$REGISTRY/demo/app@$GOOD")"
  done
  pod team-a gone Running "$(ctr app "$REGISTRY/demo/app@$GONE" "$REGISTRY/demo/app@$GONE")"
  pod team-a moved Running "$(ctr app "$REGISTRY/demo/app:moved" "$REGISTRY/demo/app@$MOVED")"
  pod team-a init Running "$(ctr app "$REGISTRY/demo/app@$GOOD" "$REGISTRY/demo/app@$GOOD")" \
    "$(ctr setup "$REGISTRY/demo/app@$UNSIGNED" "$REGISTRY/demo/app@$UNSIGNED")"
  pod team-a pending Pending "$(ctr app "$REGISTRY/demo/app:unsigned" "")"
  pod team-b exempt Running "$(ctr app "$REGISTRY/demo/exempt@$EXEMPT" "$REGISTRY/demo/exempt@$EXEMPT")"
  pod team-b local Running "$(ctr app "$REGISTRY/demo/app:good" "docker://sha256:$(printf x | sha256sum | cut -d' ' -f1)")"
} | jq -s . > "$work/pods.json"

# --- the stand-in API server ----------------------------------------------------------------
mkdir -p "$work/kube"
mint_cert "$work/kube" 127.0.0.1
printf 'sa-token-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/kube/token"
# The server reads both files on every request: cases swap the role and the pod list in place.
rbac=$top/manifests/reverify/rbac.yaml
cp "$rbac" "$work/rbac.yaml"
cp "$top/manifests/reverify/fsm/rbac.yaml" "$work/rbac-fsm.yaml"
cp "$work/pods.json" "$work/served.json"
mkdir -p "$work/logs"
/usr/bin/python3 "$top/tests/support/kube-reverify-api.py" --cert "$work/kube/tls.crt" --key "$work/kube/tls.key" \
  --token-file "$work/kube/token" --rbac "$work/rbac.yaml,$work/rbac-fsm.yaml" \
  --role driftgate-reverify,driftgate-reverify-fsm --pods "$work/served.json" --logs "$work/logs" --secrets "$work/secrets.json" \
  --port-file "$work/kube.port" 2>> "$work/kube.log" &
track_pid $!
for _ in $(seq 200); do [ -s "$work/kube.port" ] && break; sleep 0.05; done
[ -s "$work/kube.port" ]
ok $? "stand-in kube-apiserver enforcing manifests/reverify/rbac.yaml's ClusterRole" "$(cat "$work/kube.log")"
kport=$(cat "$work/kube.port")
state() { curl -sk "https://127.0.0.1:$kport/_state"; }
# rv PORT ARGS...: driftgate reverify against the API server on PORT
rv() {
  local port=$1; shift
  "$dg" reverify --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" \
    --api-server "https://127.0.0.1:$port" --token-file "$work/kube/token" --kube-ca "$work/kube/tls.crt" "$@"
}

# --- one --once run: findings, reports, events ---------------------------------------------
rv "$kport" --once --format json --page-size 3 > "$work/once.json" 2> "$work/once.err"; rc=$?
[ "$rc" = 1 ] && jq -e . "$work/once.json" > /dev/null
ok $? "--once --format json: exit 1 (block findings) and a JSON report" "rc=$rc $(cat "$work/once.err")"
f() { jq -c --arg p "$1" --arg k "$2" '[.findings[] | select(.pod == $p and .kind == $k)]' "$work/once.json"; }
[ "$(f init verification | jq 'length')" = 1 ] &&
  f init verification | jq -e --arg d "$UNSIGNED" '.[0].properties | .container == "setup" and .path == "spec.initContainers[0].image" and .digest == $d and .tier == "block" and .revision == "rev-unsigned"' > /dev/null &&
  f init verification | jq -e '.[0].message | test("no signature|not signed|signature"; "i")' > /dev/null
ok $? "an unsigned init container: a block finding with its JSON path, digest and revision label" "$(f init verification)"
[ "$(jq '[.findings[] | select(.pod | startswith("good-"))] | length' "$work/once.json")" = 0 ] &&
  [ "$(jq '[.findings[] | select(.pod == "gone")] | length' "$work/once.json")" = 0 ] &&
  [ "$(jq '[.findings[] | select(.pod == "pending")] | length' "$work/once.json")" = 0 ]
ok $? "signed, pinned pods have no finding; a Pending pod is not judged" "$(jq -c '.findings | map([.pod, .kind])' "$work/once.json")"
f exempt exemption-expired | jq -e 'length == 1 and (.[0].message | test("expired on 2020-01-31")) and .[0].properties.revision == "rev-exempt"' > /dev/null &&
  f exempt verification | jq -e 'length == 1 and .[0].properties.tier == "block"' > /dev/null
ok $? "an exemption that expired after admission: exemption-expired, and the lifted block is back" "$(jq -c '[.findings[] | select(.pod == "exempt")]' "$work/once.json")"
f moved unpinned | jq -e 'length == 1 and .[0].properties.tier == "warn" and (.[0].message | test("not pinned by digest"))' > /dev/null &&
  [ "$(f moved tag-moved | jq length)" = 0 ]
ok $? "a tag in the spec: unpinned (warn); the tag still names the running digest: no tag-moved" "$(jq -c '[.findings[] | select(.pod == "moved")]' "$work/once.json")"
f local no-digest | jq -e 'length == 1 and .[0].properties.tier == "block" and (.[0].message | test("names no registry digest"))' > /dev/null
ok $? "a runtime imageID without a registry digest (docker://sha256:...): block, nothing to verify" "$(f local no-digest)"
jq -e '.pods == 12 and (.images.allowed + .images.warned + .images.denied + .images.error) == 5' "$work/once.json" > /dev/null
ok $? "12 running pods over 4 pages of 3; 5 distinct (repository, digest) judged, each once" "$(jq -c '{pods, images}' "$work/once.json")"
state > "$work/state1.json"
jq -e '[.requests[] | select(.path | startswith("/api/v1/pods"))] | length == 4 and
  (.[1].path | test("continue=")) and (.[0].path | test("limit=3")) and (.[0].path | test("fieldSelector=status.phase%3DRunning"))' "$work/state1.json" > /dev/null
ok $? "the pod list is paged: limit=3, fieldSelector, continue tokens followed (4 requests)" "$(jq -c '[.requests[].path]' "$work/state1.json" | head -c 1500)"
jq -e '.reports["team-a/driftgate"] as $r | $r.apiVersion == "wgpolicyk8s.io/v1alpha2" and $r.kind == "PolicyReport" and
  $r.summary.pass == 9 and $r.summary.fail == 1 and $r.summary.warn == 1 and $r.summary.error == 0 and
  ($r.results | length) == 2 and ($r.results | all(.source == "driftgate" and .result != "pass" and
  (.resources[0] | .kind == "Pod" and .namespace == "team-a" and (.uid | startswith("uid-")))))' "$work/state1.json" > /dev/null
ok $? "PolicyReport team-a/driftgate created: non-pass results only, summary counts passes (9 pass, 1 fail, 1 warn)" "$(jq -c '.reports["team-a/driftgate"] | {summary, results: [.results[] | {rule, result}]}' "$work/state1.json")"
jq -e '.reports["team-b/driftgate"].results | map(.rule) | sort == ["exemption-expired", "no-digest", "verification"]' "$work/state1.json" > /dev/null &&
  jq -e '.reports["team-b/driftgate"].results[] | select(.rule == "verification") | .properties.revision == "rev-exempt" and .severity == "high"' "$work/state1.json" > /dev/null
ok $? "PolicyReport team-b/driftgate: one result per finding, properties carry the revision" "$(jq -c '.reports["team-b/driftgate"].results | map({rule, properties})' "$work/state1.json")"
jq -e '.events | length == 5 and all(.type == "Warning" and .involvedObject.kind == "Pod") and
  any(.reason == "ImageNoLongerVerified" and .involvedObject.name == "init" and .involvedObject.fieldPath == "spec.initContainers{setup}")' "$work/state1.json" > /dev/null
ok $? "one Warning Event per finding on its pod (5), with reason and container field path" "$(jq -c '[.events[] | [.involvedObject.name, .reason]]' "$work/state1.json")"

rv "$kport" --once --format markdown --dry-run > "$work/once.md" 2> "$work/md.err"; rc=$?
n_before=$(jq '.requests | length' "$work/state1.json")
state > "$work/state2.json"
[ "$rc" = 1 ] && grep -q '^| tier | finding | pod ' "$work/once.md" && grep -q '| block | verification | team-a/init | setup |.*| rev-unsigned |' "$work/once.md" &&
  jq -e --argjson n "$n_before" '.requests[$n:] | all(.method == "GET")' "$work/state2.json" > /dev/null
ok $? "--format markdown --dry-run: a table naming the revision, and nothing written to the cluster" "$(head -c 1500 "$work/once.md") $(cat "$work/md.err")"
# --kubeconfig: the same run through a kubeconfig (CA data inline, tokenFile beside the file)
mkdir -p "$work/kc"
cp "$work/kube/token" "$work/kc/token"
kc() { # FILE INSECURE
  cat > "$1" <<YAML
apiVersion: v1
kind: Config
current-context: stand-in
clusters:
- name: loop
  cluster:
    server: https://127.0.0.1:$kport
    certificate-authority-data: $(base64 -w0 "$work/kube/tls.crt")$2
contexts:
- name: stand-in
  context: {cluster: loop, user: reverify}
users:
- name: reverify
  user: {tokenFile: token}
YAML
}
kc "$work/kc/config" ""
"$dg" reverify --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" --kubeconfig "$work/kc/config" \
  --once --format json --dry-run > "$work/kc.json" 2> "$work/kc.err"; rc=$?
[ "$rc" = 1 ] && jq -e '.pods == 12' "$work/kc.json" > /dev/null && ! ls "${TMPDIR:-/tmp}"/dg-kube-ca.* > /dev/null 2>&1
ok $? "--kubeconfig FILE: server, certificate-authority-data and a relative tokenFile from its current-context; the CA file written for it is removed" "rc=$rc $(cat "$work/kc.err")"
kc "$work/kc/insecure" $'\n    insecure-skip-tls-verify: true'
"$dg" reverify --policy "$work/policy/policy.yaml" --kubeconfig "$work/kc/insecure" --once > /dev/null 2> "$work/kci.err"; rc=$?
[ "$rc" = 2 ] && grep -qF "kubeconfig $work/kc/insecure: clusters[name=loop].cluster.insecure-skip-tls-verify is set: refused" "$work/kci.err"
ok $? "a kubeconfig with insecure-skip-tls-verify: refused, naming the file and the field (exit 2)" "rc=$rc $(cat "$work/kci.err")"

# audit repo --cluster: the runtime layer of the repository report is this same run, dry.
mkdir -p "$work/repo"
"$dg" audit repo "$work/repo" --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" --format json \
  --cluster --api-server "https://127.0.0.1:$kport" --token-file "$work/kube/token" --kube-ca "$work/kube/tls.crt" \
  > "$work/repo.json" 2> "$work/repo.err"; rc=$?
rt() { jq -c '.layers[] | select(.layer == "runtime")' "$work/repo.json"; }
[ "$rc" = 1 ] && rt | jq -e --arg u "$UNSIGNED" '.evaluated == true and
  any(.findings[]; .rule == "runtime/verification" and .tier == "block" and (.message | contains("pod team-a/init spec.initContainers[0].image")) and (.message | contains("rev-unsigned"))) and
  any(.findings[]; .rule == "runtime/unpinned" and .tier == "warn") and
  any(.findings[]; .rule == "runtime/no-digest") and
  any(.notes[]; test("12 running pods, 5 images")) and
  any(.notes[]; contains($u) and test(": denied, "))' > /dev/null
ok $? "audit repo --cluster: the runtime layer holds reverify's findings, verdicts and pod counts (exit 1)" "rc=$rc $(rt | head -c 1500) $(cat "$work/repo.err")"
rt | jq -e '[.notes[] | select(test("no readable creation time"))] | length == 5' > /dev/null
ok $? "audit repo --cluster: every running image's age is judged from its config (none has a created time here)" "$(rt | jq -c .notes)"
"$dg" audit repo "$work/repo" --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" \
  --cluster --api-server "https://127.0.0.1:$kport" --token-file "$work/kube/ca-missing" --kube-ca "$work/kube/tls.crt" \
  > "$work/repo2.out" 2>&1; rc=$?
[ "$rc" = 2 ] && grep -q "^== runtime: not evaluated: --cluster:" "$work/repo2.out"
ok $? "audit repo --cluster with an unreadable token: exit 2, runtime not evaluated (never clean)" "rc=$rc $(cat "$work/repo2.out")"
n_before=$(jq '.requests | length' "$work/state2.json")
state | jq -e --argjson n "$n_before" '.requests[$n:] | length > 0 and all(.method == "GET")' > /dev/null
ok $? "audit repo --cluster writes nothing to the cluster (GET requests only)"

# --- --interval: a signature deleted and a tag moved after the first run show on the next ----
mport=$(free_port)
# Started directly, not through rv: a function in the background is a subshell, and stopping it
# would leave driftgate running (writing reports every second into the cases below).
"$dg" reverify --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" --api-server "https://127.0.0.1:$kport" \
  --token-file "$work/kube/token" --kube-ca "$work/kube/tls.crt" --interval 1 --metrics-listen "127.0.0.1:$mport" \
  > "$work/interval.out" 2> "$work/interval.err" &
ivpid=$!
track_pid "$ivpid"
metric_v() { curl -s "http://127.0.0.1:$mport/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
for _ in $(seq 100); do [ "$(metric_v driftgate_reverify_last_success_timestamp_seconds)" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
[ "$(metric_v driftgate_reverify_last_success_timestamp_seconds)" -gt 0 ] 2>/dev/null
ok $? "--interval: the first run succeeds and /metrics says when" "$(curl -s "http://127.0.0.1:$mport/metrics" | head -20) $(cat "$work/interval.err")"
ev_init=$(state | jq '[.events[] | select(.involvedObject.name == "init")] | length')
hex=${GONE#sha256:}
sigd=$(curl -sI -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
  "http://$REGISTRY/v2/demo/app/manifests/sha256-$hex.sig" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$REGISTRY/v2/demo/app/manifests/$sigd")
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$REGISTRY/demo/app:good" "docker://$REGISTRY/demo/app:moved" > "$work/retag.log" 2>&1
[ "$code" = 202 ]; ok $? "the gone image's .sig deleted from the registry ($sigd: $code); tag moved retagged to the good image" "$(cat "$work/retag.log")"
gone_shows() { state | jq -e '.reports["team-a/driftgate"].results | any(.rule == "verification" and .resources[0].name == "gone") and any(.rule == "tag-moved" and .resources[0].name == "moved")' > /dev/null; }
for _ in $(seq 100); do gone_shows && break; sleep 0.1; done
gone_shows
ok $? "the same process's next run: the deleted signature and the moved tag show in the updated PolicyReport (no cache)" "$(state | jq -c '.reports["team-a/driftgate"] | {rv: .metadata.resourceVersion, results: [.results[] | [.resources[0].name, .rule]]}')"
state | jq -e '.reports["team-a/driftgate"].results[] | select(.rule == "tag-moved") | (.message | test("now resolves to")) and .result == "fail"' > /dev/null
ok $? "tag-moved says what the tag resolves to now and fails"
state | jq -e '[.requests[] | select(.method == "PUT" and (.path | endswith("/namespaces/team-a/policyreports/driftgate")))] | length >= 2' > /dev/null
ok $? "the existing PolicyReport is updated with PUT (its resourceVersion; the server refuses a stale one with 409)" "$(state | jq -c '[.requests[] | select(.method != "GET") | [.method, .path]] | unique')"
sleep 1.2
[ "$ev_init" = 2 ] && [ "$(state | jq '[.events[] | select(.involvedObject.name == "init")] | length')" = 2 ]
ok $? "Events are rate-limited: the init pod's finding was sent once by --once and once by this process over several runs" "before=$ev_init $(state | jq -c '[.events[] | [.involvedObject.name, .reason]]')"
curl -s "http://127.0.0.1:$mport/metrics" > "$work/metrics.txt"
grep -q '^driftgate_running_images{verdict="denied"} [1-9]' "$work/metrics.txt" &&
  grep -q '^driftgate_running_findings{tier="block"} [1-9]' "$work/metrics.txt" &&
  grep -q '^driftgate_running_findings{tier="warn"} [1-9]' "$work/metrics.txt" &&
  grep -q '^driftgate_reverify_runs_total{result="ok"} [2-9]' "$work/metrics.txt" &&
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/other")" = 404 ]
ok $? "/metrics: running images by verdict, findings by tier, runs; other paths 404" "$(cat "$work/metrics.txt")"
stop_pid "$ivpid"

# --- fails closed --------------------------------------------------------------------------
/usr/bin/python3 - "$rbac" "$work/no-list.yaml" "$work/no-events.yaml" <<'PY'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
for out, drop in ((sys.argv[2], "pods"), (sys.argv[3], "events")):
    for d in docs:
        if d and d["kind"] == "ClusterRole":
            d = dict(d)
    new = []
    for d in docs:
        if d and d["kind"] == "ClusterRole":
            d = dict(d, rules=[r for r in d["rules"] if drop not in r["resources"]])
        new.append(d)
    yaml.safe_dump_all(new, open(out, "w"))
PY
cp "$work/no-list.yaml" "$work/rbac.yaml"
rv "$kport" --once > "$work/nolist.out" 2> "$work/nolist.err"; rc=$?
[ "$rc" = 2 ] && [ ! -s "$work/nolist.out" ] && grep -q 'list pods: GET /api/v1/pods.*HTTP 403: forbidden (pods is forbidden: User .system:serviceaccount:driftgate:driftgate-reverify. cannot list resource .pods.' "$work/nolist.err" &&
  grep -qF "grant \`list\` on pods (manifests/reverify/rbac.yaml)" "$work/nolist.err"
ok $? "a ClusterRole without list on pods: 403, exit 2, the error names the rule to grant, no report printed" "rc=$rc $(cat "$work/nolist.err")"
cp "$work/no-events.yaml" "$work/rbac.yaml"
rv "$kport" --once > /dev/null 2> "$work/noev.err"; rc=$?
[ "$rc" = 2 ] && grep -qF "grant \`create\` on events" "$work/noev.err"
ok $? "a ClusterRole without create on events: exit 2 naming the rule" "rc=$rc $(cat "$work/noev.err")"
printf 'wrong\n' > "$work/kube/wrong-token"
cp "$rbac" "$work/rbac.yaml"
rv "$kport" --once --token-file "$work/kube/wrong-token" > /dev/null 2> "$work/tok.err"; rc=$?
[ "$rc" = 2 ] && grep -q 'HTTP 401: the API server rejected the service account token' "$work/tok.err"
ok $? "a wrong service account token: exit 2 (401)" "rc=$rc $(cat "$work/tok.err")"
rv "$kport" --once --max-pods 5 --page-size 2 > /dev/null 2> "$work/max.err"; rc=$?
[ "$rc" = 2 ] && grep -q 'more than 5 running pods (raise --max-pods)' "$work/max.err"
ok $? "more running pods than --max-pods: exit 2, not a partial report" "rc=$rc $(cat "$work/max.err")"

# raw pages: huge, malformed, too many items, a continue token that never ends
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
pod = {"metadata": {"name": "p", "namespace": "n"}, "status": {"phase": "Running"}}
open(w + "/huge.raw", "w").write(json.dumps({"kind": "PodList", "items": [dict(pod, pad="x" * 1024)] * 17000}))
open(w + "/bad.raw", "w").write('{"kind": "PodList", "items": [{"metadata": ')
open(w + "/many.raw", "w").write(json.dumps({"kind": "PodList", "items": [pod] * 1001}))
open(w + "/loop.raw", "w").write(json.dumps({"kind": "PodList", "metadata": {"continue": "again"}, "items": [pod]}))
open(w + "/deep.raw", "w").write('{"kind": "PodList", "items": [' + '[' * 5000 + ']' * 5000 + ']}')
PY
raw_case() { # FILE PATTERN NAME
  cp "$work/$1.raw" "$work/served.json"
  rv "$kport" --once > /dev/null 2> "$work/raw-$1.err"; rc=$?
  [ "$rc" = 2 ] && grep -q "$2" "$work/raw-$1.err"
  ok $? "$3" "rc=$rc $(head -c 600 "$work/raw-$1.err")"
}
raw_case huge 'response exceeds 16777216 bytes' "a pod list page over 16 MiB is refused while it streams (exit 2)"
raw_case bad 'list pods: page 1: PodList JSON' "a malformed pod list: exit 2 with the JSON position"
raw_case many 'PodList page holds 1001 items (limit 1000)' "a page with more items than any page we ask for: exit 2"
raw_case loop 'repeated a continue token' "a server that hands back the same continue token: exit 2, no endless paging"
raw_case deep 'list pods: page 1:' "deeply nested JSON in a pod list: exit 2, no crash"

# --- the manifests: the component renders; the role is the minimum the server above enforced ---
if command -v kubectl > /dev/null; then
  mkdir -p "$work/ov"
  rel=$(/usr/bin/python3 -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$top/manifests" "$work/ov")
  printf 'resources: [%s]\ncomponents: [%s/reverify]\n' "$rel" "$rel" > "$work/ov/kustomization.yaml"
  kubectl kustomize "$work/ov" > "$work/ov.yaml" 2> "$work/ov.err"
  ok $? "manifests/reverify renders as a component of manifests/" "$(tail -3 "$work/ov.err")"
  /usr/bin/python3 - "$work/ov.yaml" > "$work/ov.out" 2>&1 <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
role = by[("ClusterRole", "driftgate-reverify")]
rules = sorted((tuple(r["apiGroups"]), tuple(r["resources"]), tuple(sorted(r["verbs"]))) for r in role["rules"])
assert rules == sorted([(("",), ("pods",), ("list",)), (("",), ("secrets",), ("get",)),
                        (("wgpolicyk8s.io",), ("policyreports",), ("create", "get", "update")),
                        (("",), ("events",), ("create",))]), rules
b = by[("ClusterRoleBinding", "driftgate-reverify")]
assert b["subjects"] == [{"kind": "ServiceAccount", "name": "driftgate-reverify", "namespace": "driftgate"}], b
dep = by[("Deployment", "driftgate-reverify")]
spec = dep["spec"]["template"]["spec"]
c = spec["containers"][0]
assert spec["serviceAccountName"] == "driftgate-reverify" and dep["spec"]["replicas"] == 1
assert c["command"][1:3] == ["reverify", "--interval"] and "--metrics-listen" in c["command"], c["command"]
assert c["securityContext"]["readOnlyRootFilesystem"] and c["securityContext"]["capabilities"]["drop"] == ["ALL"]
cms = {v["configMap"]["name"] for v in spec["volumes"] if "configMap" in v}
assert all(n in {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"} for n in cms), cms
assert not any(d["kind"] == "CronJob" and "reverify" in d["metadata"]["name"] for d in docs)
PY
  ok $? "the component: ClusterRole = list pods, get secrets, get/create/update policyreports, create events; a one-replica Deployment (not a CronJob) on its own ServiceAccount, hardened, with the webhook's ConfigMaps" "$(cat "$work/ov.out")"
  printf 'resources: [%s]\ncomponents: [%s/reverify, %s/reverify/fsm]\n' "$rel" "$rel" "$rel" > "$work/ov/kustomization.yaml"
  kubectl kustomize "$work/ov" > "$work/ovf.yaml" 2> "$work/ovf.err" &&
  /usr/bin/python3 - "$work/ovf.yaml" > "$work/ovf.out" 2>&1 <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
rules = sorted((tuple(r["apiGroups"]), tuple(r["resources"]), tuple(r["verbs"])) for r in by[("ClusterRole", "driftgate-reverify-fsm")]["rules"])
assert rules == [(("",), ("pods/ephemeralcontainers",), ("patch",)), (("",), ("pods/log",), ("get",))], rules
assert by[("ClusterRoleBinding", "driftgate-reverify-fsm")]["subjects"][0]["name"] == "driftgate-reverify"
cmd = by[("Deployment", "driftgate-reverify")]["spec"]["template"]["spec"]["containers"][0]["command"]
assert "--fsm" in cmd and any(a.startswith("--fsm-image=") and "@sha256:" in a for a in cmd), cmd
base = by[("ClusterRole", "driftgate-reverify")]["rules"]
assert not any("pods/log" in r["resources"] or "pods/ephemeralcontainers" in r["resources"] for r in base), base
PY
  ok $? "the fsm component: a separate ClusterRole with only patch pods/ephemeralcontainers and get pods/log; the base role has neither; the Deployment gets --fsm and a digest --fsm-image" "$(cat "$work/ovf.err" "$work/ovf.out")"
else
  skip "manifests/reverify renders" "kubectl is not installed"
  skip "manifests/reverify/fsm renders" "kubectl is not installed"
fi

# --- --fsm: the fingerprint ephemeral container, added once, read through pods/log ---------
cp "$work/pods.json" "$work/served.json"
fsmimg=$REGISTRY/demo/app@$GOOD
rvf() { rv "$kport" --fsm --fsm-image "$fsmimg" --once --format json; }
fsmf() { jq -c --arg p "$2" '[.findings[] | select(.pod == $p and (.kind | startswith("fs-")))]' "$1"; }
printf '{}\n' > "$work/rbac-fsm.yaml"
rvf > "$work/fsm0.json" 2> "$work/fsm0.err"
fsmf "$work/fsm0.json" good-0 | jq -e 'length == 1 and .[0].kind == "fs-unverified" and (.[0].message | test("HTTP 403.*grant `patch` on pods/ephemeralcontainers \\(manifests/reverify/fsm/rbac.yaml\\)"))' > /dev/null &&
  state | jq -e '.patches == []' > /dev/null
ok $? "--fsm without fsm/rbac.yaml: each pod reported unverified, naming the rule to grant; nothing added" "$(fsmf "$work/fsm0.json" good-0) $(cat "$work/fsm0.err")"
cp "$top/manifests/reverify/fsm/rbac.yaml" "$work/rbac-fsm.yaml"
# An impostor: a container already named driftgate-fsm in pod "gone" running another image.
curl -sk -o "$work/imp.out" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $(cat "$work/kube/token")" \
  -H 'Content-Type: application/strategic-merge-patch+json' \
  "https://127.0.0.1:$kport/api/v1/namespaces/team-a/pods/gone/ephemeralcontainers" \
  -d "$(jq -nc --arg i "$REGISTRY/demo/app@$UNSIGNED" '{spec: {ephemeralContainers: [{name: "driftgate-fsm", image: $i, targetContainerName: "app",
      securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: ["ALL"]}, seccompProfile: {type: "RuntimeDefault"}}}]}}')" > "$work/imp.code"
code=$(cat "$work/imp.code")
curl -sk -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer $(cat "$work/kube/token")" \
  -H 'Content-Type: application/strategic-merge-patch+json' \
  "https://127.0.0.1:$kport/api/v1/namespaces/team-a/pods/good-0/ephemeralcontainers" \
  -d '{"spec":{"ephemeralContainers":[{"name":"dbg","image":"x","targetContainerName":"app","securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}]}}' > "$work/ptrace.code"
[ "$code" = 200 ] && [ "$(cat "$work/ptrace.code")" = 403 ]
ok $? "the stand-in applies Pod Security restricted to ephemeral containers (SYS_PTRACE refused: 403)" "impostor=$code ptrace=$(cat "$work/ptrace.code")"
rvf > "$work/fsm1.json" 2> "$work/fsm1.err"
state > "$work/fsm1.state"
jq -e --arg i "$fsmimg" '[.patches[] | select(.body.spec.ephemeralContainers[0].image == $i)] as $p | ($p | length) == 9 and
  ($p | all(.contentType == "application/strategic-merge-patch+json" and (.body.spec.ephemeralContainers | length) == 1)) and
  ($p[0].body.spec.ephemeralContainers[0] | .name == "driftgate-fsm" and .targetContainerName == "app" and
    .command == ["/usr/local/bin/driftgate", "fsm", "watch", "--pid", "1", "--interval", "300"] and (has("resources") | not) and
    .securityContext == {runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      privileged: false, capabilities: {drop: ["ALL"]}, seccompProfile: {type: "RuntimeDefault"}})' "$work/fsm1.state" > /dev/null
ok $? "--fsm adds one fingerprint container per running pod (9 PATCHes of pods/ephemeralcontainers): same UID, no capabilities, read-only root, restricted-admitted" "$(jq -c '[.patches[] | [.name, .body.spec.ephemeralContainers[0].image]]' "$work/fsm1.state") $(cat "$work/fsm1.err")"
fsmf "$work/fsm1.json" good-0 | jq -e 'length == 1 and .[0].properties.tier == "warn" and (.[0].message | test("added .targeting app as UID 1000"))' > /dev/null &&
  fsmf "$work/fsm1.json" exempt | jq -e 'length == 1 and (.[0].message | test("set securityContext.runAsUser"))' > /dev/null &&
  fsmf "$work/fsm1.json" gone | jq -e 'length == 1 and .[0].properties.tier == "block" and (.[0].message | test("not the fingerprint image.*not trusted"))' > /dev/null
ok $? "first run: 'added' (warn, never clean); a pod with no UID in its spec is reported; an existing driftgate-fsm running another image blocks" "$(jq -c '[.findings[] | select(.kind | startswith("fs-")) | [.pod, .properties.tier, .message]]' "$work/fsm1.json" | head -c 2000)"

# The lines the fingerprint containers print: `driftgate fsm watch` over the good image's tree.
mkdir -p "$work/fsroot/clean" "$work/fsroot/drift" "$work/fsroot/mnt"
for r in clean drift mnt; do tar -xf "$work/img/good/layer.tar" -C "$work/fsroot/$r"; done
printf '#!/bin/sh\n' > "$work/fsroot/drift/dropped"; chmod 755 "$work/fsroot/drift/dropped"
L=$work/logs/team-a
"$dg" fsm watch "$work/fsroot/clean" --once > "${L}_good-0_driftgate-fsm.log"
"$dg" fsm watch "$work/fsroot/drift" --once > "${L}_good-1_driftgate-fsm.log"
jq -c '.time = "2020-01-01T00:00:00Z"' "${L}_good-0_driftgate-fsm.log" > "${L}_good-2_driftgate-fsm.log"
printf '{"driftgate":"fsm/v1","time":"2026-01-01T00:00:00Z","pid":1,"root":"sha256:00"}\n' > "${L}_good-3_driftgate-fsm.log"
jq -c '.unreadable = 3' "${L}_good-0_driftgate-fsm.log" > "${L}_good-4_driftgate-fsm.log"
# good-6: a volume mounted where the image has no directory (the runtime made ./run/secrets)
# shellcheck disable=SC2016 # $1/$2 are the inner sh's arguments
unshare --mount sh -c 'mkdir -p "$1/run/secrets/sa" && mount -t tmpfs none "$1/run/secrets/sa" && "$2" fsm watch "$1" --once' sh \
  "$work/fsroot/mnt" "$dg" > "${L}_good-6_driftgate-fsm.log" 2> "$work/mnt.err"
{ printf 'an earlier line\n'; cat "${L}_good-0_driftgate-fsm.log"; } > "${L}_moved_driftgate-fsm.log"
jq -e '.mounts == "./run type=dir mode=0755 uid=0 gid=0\n./run/secrets type=dir mode=0755 uid=0 gid=0\n#skipped ./run/secrets/sa\n"' "${L}_good-6_driftgate-fsm.log" > /dev/null
ok $? "fsm watch prints one JSON line: root digest, counts, and the skipped mounts with the directories above them" "$(cat "${L}_good-6_driftgate-fsm.log" "$work/mnt.err")"
rvf > "$work/fsm2.json" 2> "$work/fsm2.err"
state > "$work/fsm2.state"
[ "$(jq '[.patches[]] | length' "$work/fsm2.state")" = "$(jq '[.patches[]] | length' "$work/fsm1.state")" ]
ok $? "the next run finds each fingerprint container by name and adds none (ephemeral containers cannot be removed)" "$(jq -c '[.patches[] | .name]' "$work/fsm2.state")"
[ "$(fsmf "$work/fsm2.json" good-0)" = "[]" ] && [ "$(fsmf "$work/fsm2.json" good-6)" = "[]" ]
ok $? "a fresh line whose root equals the image's manifest (mounts and the directories the runtime made for them aside): no finding" "$(fsmf "$work/fsm2.json" good-0) $(fsmf "$work/fsm2.json" good-6) $(cat "$work/fsm2.err")"
fsmf "$work/fsm2.json" good-1 | jq -e --arg d "$GOOD" 'length == 1 and .[0].kind == "fs-drift" and .[0].properties.tier == "block" and (.[0].message | test("is sha256:[0-9a-f]{64} \\(3 entries\\); expected sha256:[0-9a-f]{64} \\(mounts aside\\) from the manifest computed from the layers of .*" + $d))' > /dev/null &&
  fsmf "$work/fsm2.json" moved | jq -e 'length == 1 and .[0].kind == "fs-drift"' > /dev/null
ok $? "a dropped executable changes the root: fs-drift (block); the moved pod runs another image than the tree it holds: fs-drift" "$(fsmf "$work/fsm2.json" good-1) $(fsmf "$work/fsm2.json" moved)"
fsmf "$work/fsm2.json" good-2 | jq -e 'length == 1 and .[0].kind == "fs-unverified" and (.[0].message | test("stale fingerprint"))' > /dev/null &&
  fsmf "$work/fsm2.json" good-3 | jq -e 'length == 1 and .[0].properties.tier == "block" and (.[0].message | test("malformed fingerprint line .*root"))' > /dev/null &&
  fsmf "$work/fsm2.json" good-4 | jq -e 'length == 1 and (.[0].message | test("incomplete fingerprint .3 unreadable"))' > /dev/null &&
  fsmf "$work/fsm2.json" good-5 | jq -e 'length == 1 and (.[0].message | test("cannot read the fingerprint.*waiting to start"))' > /dev/null
ok $? "a stale, malformed (block), incomplete or absent line is reported, never read as clean" "$(jq -c '[.findings[] | select(.kind | startswith("fs-")) | [.pod, .properties.tier, .message]]' "$work/fsm2.json" | head -c 2500)"
jq -e '[.requests[] | select(.path | test("/pods/good-0/log"))] | length >= 1 and all(.path | test("container=driftgate-fsm&tailLines=1&limitBytes=65536"))' "$work/fsm2.state" > /dev/null &&
  jq -e '.reports["team-a/driftgate"].results | any(.rule == "fs-drift" and .resources[0].name == "good-1" and .result == "fail")' "$work/fsm2.state" > /dev/null &&
  jq -e '.events | any(.reason == "FilesystemDrift" and .involvedObject.name == "good-1")' "$work/fsm2.state" > /dev/null
ok $? "pods/log is read bounded (tailLines=1, limitBytes); fs-drift lands in the PolicyReport and a FilesystemDrift Event" "$(cat "$work/fsm2.err"; jq -c '.reports["team-a/driftgate"].results | map([.rule, .resources[0].name])' "$work/fsm2.state")"
out=$(rv "$kport" --fsm --once 2>&1); rc=$?
[ "$rc" = 2 ] && [[ "$out" == *"--fsm needs --fsm-image IMAGE@sha256:DIGEST"* ]]
ok $? "--fsm without a digest-pinned --fsm-image: usage error" "$out"
jq -e --arg d "$GOOD" '.fsManifests | any(.image | endswith("demo/app@" + $d)) and all(.expected == "computed" and (.why | test("rule app has no attestations.fsManifest")))' "$work/fsm2.json" > /dev/null
ok $? "fsManifests says which manifest each image was compared with: computed from the layers (the rule has no fsManifest)" "$(jq -c .fsManifests "$work/fsm2.json" | head -c 1500)"

# --- --fsm: the attested fs-manifest, every container of a pod, a root UID ------------------
# att-good runs the good image in two containers (the side one as UID 1001); att-replay runs moved
# (good's statement replayed onto it); att-tamper the dev image (edited manifest text); root as UID 0.
for signer in ci-key other-key; do
  cp "$work/keys/other.pub" "$work/policy/keys/other.pub"
  sed -e "s|^  images:|  images:\n    - {name: dev, match: [\"$REGISTRY/demo/exemptdev\"], signatures: {signedBy: [ci-key]}, attestations: {fsManifest: {signedBy: [$signer]}}}|" \
    -e "0,/^      signatures: {signedBy: \[ci-key\]}$/s//&\n      attestations: {fsManifest: {signedBy: [$signer]}}/" \
    -e "s|^    ci-key: .*|&\n    other-key: {key: {file: keys/other.pub}, transparencyLog: optional}|" \
    "$work/policy/policy.yaml" > "$work/policy/fsm-$signer.yaml"
done
sc() { jq -c --argjson s "$1" '.spec.securityContext = $s'; }
{
  pod team-d att-good Running "$(ctr app "$REGISTRY/demo/app@$GOOD" "$REGISTRY/demo/app@$GOOD" |
    jq -c --arg i "$REGISTRY/demo/app@$GOOD" '. + [{name: "side", image: $i, imageID: $i}]')" |
    sc '{"runAsUser": 1000, "runAsNonRoot": true}' | jq -c '.spec.containers[1].securityContext = {runAsUser: 1001}'
  pod team-d att-replay Running "$(ctr app "$REGISTRY/demo/app@$MOVED" "$REGISTRY/demo/app@$MOVED")" | sc '{"runAsUser": 1000}'
  pod team-d att-tamper Running "$(ctr app "$REGISTRY/demo/exemptdev@$(d exemptdev)" "$REGISTRY/demo/exemptdev@$(d exemptdev)")" | sc '{"runAsUser": 1000}'
  pod team-d root Running "$(ctr app "$REGISTRY/demo/app@$GOOD" "$REGISTRY/demo/app@$GOOD")" | sc '{"runAsUser": 0}'
} | jq -s . > "$work/served.json"
rva() { "$dg" reverify --policy "$work/policy/fsm-$1.yaml" --plain-http "$REGISTRY" --api-server "https://127.0.0.1:$kport" \
  --token-file "$work/kube/token" --kube-ca "$work/kube/tls.crt" --fsm --fsm-image "$fsmimg" --once --format json "${@:2}"; }
n0=$(state | jq '.patches | length')
rva ci-key > "$work/att1.json" 2> "$work/att1.err"
state | jq -c --argjson n "$n0" '[.patches[$n:][] | {name, c: .body.spec.ephemeralContainers[0] | {name, targetContainerName, u: .securityContext.runAsUser}}]' > "$work/att1.patches"
jq -e '. == [{name: "att-good", c: {name: "driftgate-fsm", targetContainerName: "app", u: 1000}},
  {name: "att-good", c: {name: "driftgate-fsm-1", targetContainerName: "side", u: 1001}},
  {name: "att-replay", c: {name: "driftgate-fsm", targetContainerName: "app", u: 1000}},
  {name: "att-tamper", c: {name: "driftgate-fsm", targetContainerName: "app", u: 1000}}]' "$work/att1.patches" > /dev/null
ok $? "every container of a pod gets its own fingerprint container (driftgate-fsm-<index> past the first), as its own UID; a root pod gets none" "$(cat "$work/att1.patches" "$work/att1.err")"
fsmf "$work/att1.json" root | jq -e 'length == 1 and .[0].properties.tier == "warn" and (.[0].message | test("pod team-d/root container app: it runs as UID 0, and Pod Security restricted .*runAsNonRoot: true.*fsm dir --pid"))' > /dev/null
ok $? "a container running as UID 0: no fingerprint container (restricted refuses root), a finding naming the pod and what to do" "$(fsmf "$work/att1.json" root)"
L=$work/logs/team-d
for p in att-good att-replay att-tamper; do cp "$work/logs/team-a_good-0_driftgate-fsm.log" "${L}_${p}_driftgate-fsm.log"; done
cp "$work/logs/team-a_good-1_driftgate-fsm.log" "${L}_att-good_driftgate-fsm-1.log"
rva ci-key > "$work/att2.json" 2> "$work/att2.err"
root=$(jq -r .predicate.root "$work/good.fsm.json")
fsmf "$work/att2.json" att-good | jq -e --arg r "$root" 'length == 1 and .[0].kind == "fs-drift" and .[0].properties.container == "side" and
    (.[0].message | test("the running root of container side is .* from the fs-manifest attested by ci-key for .*root " + $r))' > /dev/null &&
  jq -e --arg d "$GOOD" --arg r "$root" '.fsManifests[] | select(.image | endswith("@" + $d)) | .expected == "attested" and .signer == "ci-key" and .root == $r' "$work/att2.json" > /dev/null
ok $? "a proved attestation: both containers compared with the attested manifest (fsManifests says attested, its signer and root); the drifted side container is named" "$(fsmf "$work/att2.json" att-good) $(jq -c .fsManifests "$work/att2.json" | head -c 1200) $(cat "$work/att2.err")"
fsmf "$work/att2.json" att-replay | jq -e 'length == 1 and .[0].kind == "fs-unverified" and .[0].properties.tier == "block" and
    (.[0].message | test("not compared: rule app requires a verified fs-manifest attestation .* there is none by its signers"))' > /dev/null
ok $? "replay: another digest's attestation is none for this one: not compared with the layers (block)" "$(fsmf "$work/att2.json" att-replay)"
fsmf "$work/att2.json" att-tamper | jq -e 'length == 1 and .[0].properties.tier == "block" and
    (.[0].message | test("not compared: the verified fs-manifest attestation of .* does not prove its filesystem .*altered after signing"))' > /dev/null &&
  jq -e '[.fsManifests[] | select(.expected == "refused")] | length == 2' "$work/att2.json" > /dev/null
ok $? "manifest text that is not its attested root: not compared (block); fsManifests says refused" "$(fsmf "$work/att2.json" att-tamper)"
rva other-key --dry-run > "$work/att3.json" 2> "$work/att3.err"
fsmf "$work/att3.json" att-good | jq -e 'length == 2 and all(.properties.tier == "block" and (.message | test("not compared: rule app requires .* none by its signers")))' > /dev/null
ok $? "wrong signer (the policy's fsManifest signer is another key): not compared, for each container" "$(fsmf "$work/att3.json" att-good) $(cat "$work/att3.err")"

# --- the pods' own pull secrets: a registry that wants a password --------------------------
on_exit "$top/tests/support/registry.sh" stop "$work/reg2"
REG2=$("$top/tests/support/registry.sh" start basic "$work/reg2" 2> "$work/reg2.log" | sed -n "s/^REGISTRY=//p" | tr -d "'\"")
skopeo copy -q --dest-tls-verify=false --dest-creds alice:wonderland "oci:$work/img/good/layout:good" "docker://$REG2/priv/app:v1" > "$work/priv.push" 2>&1
ok $? "a registry with basic auth on $REG2 holds priv/app (the good image, unsigned there)" "$(cat "$work/reg2.log" "$work/priv.push")"
sed "s|^  images:|  images:\n    - {name: priv, match: [\"$REG2/priv/app\"], signatures: {signedBy: [ci-key]}}|" "$work/policy/policy.yaml" > "$work/policy/priv.yaml"
{
  pod team-c priv Running "$(ctr app "$REG2/priv/app@$GOOD" "$REG2/priv/app@$GOOD")" | jq -c '.spec.imagePullSecrets = [{name: "regcred"}]'
  pod team-c nocred Running "$(ctr app "$REG2/priv/app@$GOOD" "$REG2/priv/app@$GOOD")"
} | jq -s . > "$work/served.json"
jq -n --arg c "$(jq -nc --arg r "$REG2" --arg a "$(printf alice:wonderland | base64)" '{auths: {($r): {auth: $a}}}' | base64 -w0)" \
  '{"team-c/regcred": {apiVersion: "v1", kind: "Secret", metadata: {name: "regcred", namespace: "team-c"},
    type: "kubernetes.io/dockerconfigjson", data: {".dockerconfigjson": $c}}}' > "$work/secrets.json"
rvp() { "$dg" reverify --policy "$work/policy/priv.yaml" --plain-http "$REG2" --api-server "https://127.0.0.1:$kport" \
  --token-file "$work/kube/token" --kube-ca "$work/kube/tls.crt" --once --format json --dry-run; }
rvp > "$work/priv.json" 2> "$work/priv.err"
pf() { jq -c --arg p "$2" '[.findings[] | select(.pod == $p) | .kind] | unique' "$1"; }
[ "$(pf "$work/priv.json" priv)" = '["verification"]' ] && [ "$(pf "$work/priv.json" nocred)" = '["registry-error"]' ] &&
  state | jq -e '[.requests[] | select(.path == "/api/v1/namespaces/team-c/secrets/regcred")] | length == 1' > /dev/null
ok $? "a pod's imagePullSecrets are read (GET secrets) and used for its registry requests: it is judged (unsigned), the pod without them gets registry-error" "priv=$(pf "$work/priv.json" priv) nocred=$(pf "$work/priv.json" nocred) $(jq -c '[.findings[] | .message]' "$work/priv.json" | head -c 800) $(cat "$work/priv.err")"
/usr/bin/python3 - "$rbac" "$work/rbac.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for d in docs:
    if d["kind"] == "ClusterRole":
        d["rules"] = [r for r in d["rules"] if "secrets" not in r["resources"]]
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
rvp > "$work/priv2.json" 2> "$work/priv2.err"
cp "$rbac" "$work/rbac.yaml"
# shellcheck disable=SC2016 # the backquotes are the message's own
[ "$(pf "$work/priv2.json" priv)" = '["registry-error"]' ] && grep -qF 'grant `get` on secrets (manifests/reverify/rbac.yaml)' "$work/priv2.err" &&
  ! grep -q 'wonderland\|YWxpY2U' "$work/priv2.err" "$work/priv.err"
ok $? "a pull secret that cannot be read (403) is logged naming the rule, never its content, and the pod's pull fails as the kubelet's would" "$(cat "$work/priv2.err")"

# --- kubeconfig client certificates: a second stand-in whose handshake requires one ----------
mkdir -p "$work/cc"
mkca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=$1" \
  -keyout "$work/cc/$1.key" -out "$work/cc/$1.crt" 2>/dev/null; }
mkclient() { # NAME CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=driftgate-reverify" \
    -keyout "$work/cc/$1.key" -out "$work/cc/$1.csr" 2>/dev/null &&
    openssl x509 -req -in "$work/cc/$1.csr" -CA "$work/cc/$2.crt" -CAkey "$work/cc/$2.key" -CAcreateserial \
      -days 1 -out "$work/cc/$1.crt" 2>/dev/null
}
pod team-a cc Running "$(ctr app "$REGISTRY/demo/app@$GOOD" "$REGISTRY/demo/app@$GOOD")" | jq -s . > "$work/served.json"
mkca clientca && mkca rogueca && mkclient me clientca && mkclient stranger rogueca &&
  /usr/bin/python3 "$top/tests/support/kube-reverify-api.py" --cert "$work/kube/tls.crt" --key "$work/kube/tls.key" \
    --token-file "$work/kube/token" --rbac "$work/rbac.yaml" --role driftgate-reverify --pods "$work/served.json" \
    --client-ca "$work/cc/clientca.crt" --port-file "$work/cc.port" 2>> "$work/kube.log" &
track_pid $!
for _ in $(seq 200); do [ -s "$work/cc.port" ] && break; sleep 0.05; done
kcc() { # FILE USER (a YAML flow mapping)
  printf 'apiVersion: v1\nkind: Config\ncurrent-context: cc\nclusters:\n- name: loop\n  cluster: {server: "https://127.0.0.1:%s", certificate-authority: ../kube/tls.crt}\ncontexts:\n- name: cc\n  context: {cluster: loop, user: rv}\nusers:\n- name: rv\n  user: %s\n' \
    "$(cat "$work/cc.port")" "$2" > "$work/cc/$1"
}
kcc data "{client-certificate-data: $(base64 -w0 "$work/cc/me.crt"), client-key-data: $(base64 -w0 "$work/cc/me.key")}"
kcc files "{client-certificate: me.crt, client-key: me.key}"
kcc rogue "{client-certificate: stranger.crt, client-key: stranger.key}"
kcc token "{tokenFile: ../kube/token}"
kcc notpem "{client-certificate: me.key, client-key: me.key}"
rvc() { "$dg" reverify --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" --kubeconfig "$work/cc/$1" --once --format json --dry-run; }
rvc data > "$work/cc/data.json" 2> "$work/cc/data.err"; rc=$?
[ "$rc" = 0 ] && jq -e '.pods == 1 and .findings == []' "$work/cc/data.json" > /dev/null
ok $? "--kubeconfig with client-certificate-data and client-key-data (no token): the handshake presents the certificate and the pods are listed" "rc=$rc $(cat "$work/cc/data.err")"
"$dg" audit repo "$work/repo" --policy "$work/policy/policy.yaml" --plain-http "$REGISTRY" --format json \
  --cluster --kubeconfig "$work/cc/files" > "$work/cc/repo.json" 2> "$work/cc/repo.err"
jq -e '.layers[] | select(.layer == "runtime") | .evaluated == true and any(.notes[]; test("1 running pods"))' "$work/cc/repo.json" > /dev/null
ok $? "audit repo --cluster --kubeconfig: client-certificate and client-key files beside the kubeconfig" "$(jq -c '.layers[] | select(.layer == "runtime")' "$work/cc/repo.json" | head -c 600) $(cat "$work/cc/repo.err")"
rvc rogue > /dev/null 2> "$work/cc/rogue.err"; rc1=$?
rvc token > /dev/null 2> "$work/cc/token.err"; rc2=$?
rvc notpem > /dev/null 2> "$work/cc/notpem.err"; rc3=$?
[ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$rc3" = 2 ] && grep -q "list pods: GET /api/v1/pods.*refused the client certificate" "$work/cc/rogue.err" &&
  grep -qF "kubeconfig $work/cc/notpem: client-certificate $work/cc/me.key is not PEM (a PEM certificate)" "$work/cc/notpem.err"
ok $? "a certificate of another CA, or none: the API server refuses the handshake (exit 2); a key given as the certificate: refused naming the field" "rc=$rc1/$rc2/$rc3 $(cat "$work/cc/rogue.err" "$work/cc/token.err" "$work/cc/notpem.err")"

out=$("$dg" reverify --policy "$work/policy/policy.yaml" 2>&1); rc=$?
[ "$rc" = 2 ] && [[ "$out" == *"give exactly one of --once and --interval"* ]]
ok $? "neither --once nor --interval: usage error" "$out"
done_testing
