#!/usr/bin/env bash
# Issue 12 item 6, "authenticated caller", the pull secret case. driftgate reads the
# imagePullSecrets a reviewed pod names, in the pod's namespace, with its own service account.
# Without client authentication anyone who reaches the webhook port can send an AdmissionReview
# claiming `namespace: payments` and `imagePullSecrets: [regcred]`: driftgate then uses the
# payments team's registry credentials and answers with what it read through them (digests in
# the audit annotations, SBOM package versions in the drift warnings). With tls.clientCA set
# the same request is refused at the handshake, nothing is read, and the apiserver (holding the
# client certificate) still gets its answer.
# A basic-auth fixture registry (real docker-registry), no node-wide credentials, and the stand-in
# kube-apiserver (tests/support/kube-api.js) serving the payments/regcred Secret.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
strip_rc() { sed 's/^rc=[0-9]* //'; } # the answer without the rc= prefix send() adds

need_exec "$dg"
command -v node > /dev/null || { check 1 "node is installed"; exit 1; }
world_up basic

# --- the payments team's pull secret, served by the stand-in API server -----------------------
mkdir -p "$work/kube" "$work/pki"
mint_cert "$work/kube" 127.0.0.1
printf 'sa-token-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/kube/token"
auth=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASS" | base64 -w0)
jq -n --arg cfg "$(jq -cn --arg r "$REGISTRY" --arg a "$auth" '{auths: {($r): {auth: $a}}}' | base64 -w0)" \
  '{"payments/regcred": {apiVersion: "v1", kind: "Secret", metadata: {name: "regcred", namespace: "payments"},
                         type: "kubernetes.io/dockerconfigjson", data: {".dockerconfigjson": $cfg}}}' \
  > "$work/kube/secrets.json"
kube_api_up payments; check $? "stand-in kube-apiserver on 127.0.0.1:$kport with secret payments/regcred"
secrets_read() { curl -sk "https://127.0.0.1:$kport/stats" | jq .secrets; }

# --- client certificates: the apiserver's, from the webhook CA ---------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=webhook-ca \
  -addext basicConstraints=critical,CA:TRUE -keyout "$work/pki/ca.key" -out "$work/pki/ca.crt" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=kube-apiserver-admission \
  -keyout "$work/pki/apiserver.key" -out "$work/pki/apiserver.csr" 2>/dev/null
openssl x509 -req -in "$work/pki/apiserver.csr" -CA "$work/pki/ca.crt" -CAkey "$work/pki/ca.key" \
  -CAcreateserial -days 1 -out "$work/pki/apiserver.crt" \
  -extfile <(printf 'extendedKeyUsage=clientAuth\n') 2>/dev/null
check $? "the apiserver's client certificate minted"

mint_cert "$work" 127.0.0.1; cacert=$work/tls.crt
printf '{"auths":{}}\n' > "$work/empty-docker-config.json"
port=$(free_port); base=https://127.0.0.1:$port
write_config() { # EXTRA-TLS-LINES
  cat <<YAML
listen: "127.0.0.1:$port"
tls:
  cert: $work/tls.crt
  key: $work/tls.key
$1
policy: $world/policy.yaml
registry: {plainHTTP: ["$REGISTRY"], dockerConfig: $work/empty-docker-config.json}
kube: {apiServer: "https://127.0.0.1:$kport", tokenFile: $work/kube/token, caFile: $work/kube/tls.crt, secretTTLSeconds: 0}
reload: {pollMillis: 0}
log: {level: info}
YAML
}
# The attacker's review: a pod "in payments" naming payments' pull secret, for the private image.
jq -cn --arg img "$PROD_WARN" '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
  request: {uid: "not-the-apiserver", kind: {group: "", version: "v1", kind: "Pod"},
    resource: {group: "", version: "v1", resource: "pods"}, operation: "CREATE", namespace: "payments",
    object: {apiVersion: "v1", kind: "Pod", metadata: {name: "probe", namespace: "payments"},
      spec: {imagePullSecrets: [{name: "regcred"}], containers: [{name: "c", image: $img}]}}}}' > "$work/steal.json"
send() { # [curl args] → "rc=N body"
  local body
  body=$(curl -sS --cacert "$cacert" --max-time 20 "$@" -H 'Content-Type: application/json' \
    --data-binary "@$work/steal.json" "$base/validate?timeout=10s" 2> "$work/send.err")
  echo "rc=$? $body"
}

# --- 1. no client authentication: any caller borrows the secret -------------------------------
write_config "" > "$work/open.yaml"
start_serve "$work/open.yaml"; check $? "driftgate serve is up without client authentication" "$(tail -5 "$work/serve.log")"
before=$(secrets_read)
r=$(send)
digest=$(strip_rc <<< "$r" | jq -r '.response.auditAnnotations["0-digest"] // empty' 2>/dev/null)
leak=$(strip_rc <<< "$r" | jq -r '.response.warnings[]? // empty' 2>/dev/null | grep -o 'python3: dev [^,]*, prod [^ ]*' | head -1)
[ "$digest" = "$PROD_WARN_DIGEST" ] && [ "$(secrets_read)" -gt "$before" ] && [ -n "$leak" ]
check $? "exposure shown: an unauthenticated caller made driftgate read payments/regcred and got back $digest and the SBOM's '$leak'" "$r"
serve_stop

# --- 2. tls.clientCA: refused before a byte of the review is read -----------------------------
write_config "  clientCA: $work/pki/ca.crt" > "$work/closed.yaml"
start_probe_less() { # the webhook port now needs a client certificate to answer /healthz too
  "$dg" serve --config "$1" 2>> "$work/serve.log" &
  pid=$!
  for _ in $(seq 100); do
    curl -s --cacert "$cacert" --cert "$work/pki/apiserver.crt" --key "$work/pki/apiserver.key" \
      --max-time 2 -o /dev/null "$base/healthz" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_probe_less "$work/closed.yaml"; check $? "driftgate serve is up with tls.clientCA" "$(tail -5 "$work/serve.log")"
before=$(secrets_read)
r=$(send)
[[ "$r" != rc=0\ * ]] && ! grep -q 'not-the-apiserver' <<< "$r" && [ "$(secrets_read)" = "$before" ] &&
  grep -q 'handshake from 127.0.0.1 refused: certificate required' "$work/serve.log"
check $? "the same request without the apiserver's certificate: refused at the handshake, no secret read ($(head -c 100 "$work/send.err"))" "$r"
r=$(send --cert "$work/pki/apiserver.crt" --key "$work/pki/apiserver.key")
[ "$(strip_rc <<< "$r" | jq -r '.response.auditAnnotations["0-digest"]' 2>/dev/null)" = "$PROD_WARN_DIGEST" ] &&
  [ "$(secrets_read)" -gt "$before" ]
check $? "the apiserver, presenting its client certificate, gets the review answered with the pod's secret" "$r"
serve_stop
done_testing
