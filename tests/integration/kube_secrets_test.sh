#!/usr/bin/env bash
# imagePullSecrets end to end: a basic-auth fixture registry (real docker-registry), the node-wide
# docker config empty, and a stand-in kube-apiserver (tests/support/kube-api.js: HTTPS, Bearer
# token, the API's 401/403/404 Status shapes) serving the pod's pull secrets. A pod that names
# the secret is allowed; without it (or with a secret that cannot be read) it is denied with a
# message telling to check the credentials for the registry. Tokens bought with a secret never
# serve a review without it; secrets are cached per (namespace, name); nothing secret is logged.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
command -v node > /dev/null || { check 1 "node is installed"; exit 1; }
world_up basic

# --- the stand-in API server and its secrets ---------------------------------------------------
mkdir -p "$work/kube"
mint_cert "$work/kube" 127.0.0.1
sa_token="sa-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$sa_token" > "$work/kube/token"
good_auth=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASS" | base64 -w0)
bad_auth=$(printf '%s:%s' "$REGISTRY_USER" "not-the-password" | base64 -w0)
cfg_json() { jq -cn --arg r "$REGISTRY" --arg a "$1" '{auths: {($r): {auth: $a}}}'; }
b64() { base64 -w0; }
jq -n \
  --arg good "$(cfg_json "$good_auth" | b64)" \
  --arg bad "$(cfg_json "$bad_auth" | b64)" \
  --arg legacy "$(jq -cn --arg r "$REGISTRY" --arg a "$good_auth" '{($r): {auth: $a, email: "x@example.com"}}' | b64)" \
  '{
    "default/regcred":  {apiVersion: "v1", kind: "Secret", metadata: {name: "regcred", namespace: "default"},
                         type: "kubernetes.io/dockerconfigjson", data: {".dockerconfigjson": $good}},
    "default/legacy":   {apiVersion: "v1", kind: "Secret", metadata: {name: "legacy", namespace: "default"},
                         type: "kubernetes.io/dockercfg", data: {".dockercfg": $legacy}},
    "default/wrongpass":{apiVersion: "v1", kind: "Secret", metadata: {name: "wrongpass", namespace: "default"},
                         type: "kubernetes.io/dockerconfigjson", data: {".dockerconfigjson": $bad}},
    "default/opaque":   {apiVersion: "v1", kind: "Secret", metadata: {name: "opaque", namespace: "default"},
                         type: "Opaque", data: {password: "aHVudGVyMg=="}}
  }' > "$work/kube/secrets.json"
kube_api_up default; check $? "stand-in kube-apiserver on 127.0.0.1:$kport"
kstats() { curl -sk "https://127.0.0.1:$kport/stats"; }

printf '{"auths":{}}\n' > "$work/empty-docker-config.json"
write_config() { # TOKEN_FILE → config with the kube API and no node-wide credentials
  cat <<YAML
policy: $world/policy.yaml
registry: {plainHTTP: ["$REGISTRY"], dockerConfig: $work/empty-docker-config.json}
kube: {apiServer: "https://127.0.0.1:$kport", tokenFile: $1, caFile: $work/kube/tls.crt, secretTTLSeconds: 60}
timeouts: {reviewMaxSeconds: 10}
log: {level: info}
YAML
}
write_config "$work/kube/token" > "$work/config.yaml"
printf 'wrong-token\n' > "$work/kube/wrong-token"
write_config "$work/kube/wrong-token" > "$work/config-wrong-token.yaml"

# pod_review UID NAMESPACE SECRETS(comma list, may be empty) → AdmissionReview for $PROD_OK
pod_review() {
  jq -cn --arg uid "$1" --arg ns "$2" --arg img "$PROD_OK" --arg s "$3" '
    ($s | split(",") | map(select(length > 0) | {name: .})) as $ps |
    {apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {uid: $uid,
      kind: {group: "", version: "v1", kind: "Pod"}, resource: {group: "", version: "v1", resource: "pods"},
      operation: "CREATE", namespace: $ns,
      object: {apiVersion: "v1", kind: "Pod", metadata: {name: "p", namespace: $ns},
        spec: ({serviceAccountName: "builder", containers: [{name: "c", image: $img}]}
               + (if ($ps | length) > 0 then {imagePullSecrets: $ps} else {} end))}}}'
}
cli_case() { # NAME CONFIG NAMESPACE SECRETS EXPECT PATTERN...
  local name=$1 cfg=$2 ns=$3 secrets=$4 expect=$5 resp rc allowed msg ok=0 p; shift 5
  pod_review "u-$name" "$ns" "$secrets" > "$work/review.json"
  resp=$("$dg" review --config "$cfg" "$work/review.json" 2> "$work/$name.err"); rc=$?
  cat "$work/$name.err" >> "$work/all.log"
  allowed=$(jq -r '.response.allowed' <<< "$resp" 2>/dev/null)
  msg=$(jq -r '.response.status.message // ""' <<< "$resp" 2>/dev/null)
  if [ "$expect" = allow ]; then [ "$allowed" = true ] && [ "$rc" = 0 ] || ok=1
  else [ "$allowed" = false ] && [ "$rc" = 1 ] || ok=1; fi
  for p in "$@"; do [[ "$msg$(cat "$work/$name.err")" == *"$p"* ]] || ok=1; done
  check $ok "review, $name: $expect${*:+ (${*})}" "rc=$rc msg=$msg $(head -c 600 "$work/$name.err")"
}
creds="check the credentials for $REGISTRY"
cli_case with-secret "$work/config.yaml" default regcred allow
cli_case without-secret "$work/config.yaml" default "" deny "$creds"
cli_case dockercfg-secret "$work/config.yaml" default legacy allow
cli_case second-of-two "$work/config.yaml" default "missing,regcred" allow "pull secret default/missing: HTTP 404"
cli_case wrong-password "$work/config.yaml" default wrongpass deny "$creds"
cli_case missing-secret "$work/config.yaml" default missing deny "$creds" "pull secret default/missing: HTTP 404: not found"
cli_case opaque-secret "$work/config.yaml" default opaque deny "$creds" 'pull secret default/opaque: secret type' 'Opaque' 'is not kubernetes.io/dockerconfigjson'
cli_case forbidden-namespace "$work/config.yaml" other regcred deny "$creds" "HTTP 403: forbidden (secrets 'regcred' is forbidden: User 'system:serviceaccount:" "manifests/rbac.yaml"
cli_case wrong-sa-token "$work/config-wrong-token.yaml" default regcred deny "$creds" "rejected the service account token"

# --- serve: one worker, so the same registry client serves every review ----------------------
mint_cert "$work" 127.0.0.1; cacert=$work/tls.crt
port=$(free_port); base=https://127.0.0.1:$port
{ cat "$work/config.yaml"; printf 'listen: "127.0.0.1:%s"\ntls: {cert: %s, key: %s}\nreload: {pollMillis: 0}\nworkers: 1\ncache: {entries: 0}\n' \
  "$port" "$work/tls.crt" "$work/tls.key"; } > "$work/serve.yaml"
start_serve "$work/serve.yaml"; check $? "driftgate serve is up" "$(cat "$work/serve.log")"
before=$(kstats | jq .secrets)
out=$(post "$(pod_review s1 default regcred)")
[[ "$out" == *'"allowed":true'*' 200' ]]; check $? "serve: pod naming the secret is allowed" "$out"
out=$(post "$(pod_review s2 default "")")
[[ "$out" == *'"allowed":false'*"$creds"*' 200' ]]
check $? "serve: the next pod without the secret is denied: the worker's cached credentials are not reused" "$out"
out=$(post "$(pod_review s3 default regcred)")
[[ "$out" == *'"allowed":true'*' 200' ]]; check $? "serve: the secret again → allowed" "$out"
after=$(kstats | jq .secrets)
[ $((after - before)) = 1 ]; check $? "the secret was read from the API once for two reviews (TTL cache): $((after - before))"
serve_stop
cat "$work/serve.log" >> "$work/all.log"
! grep -qF -e "$sa_token" -e "$good_auth" -e "$REGISTRY_PASS" "$work/all.log"
check $? "neither the service account token nor the registry credentials appear in any log"
done_testing
