# shellcheck shell=bash
# shellcheck disable=SC2154 # base and cacert are set by the suite that sources this file
# Serve helpers (tap.sh sources this file): certificates, a running `driftgate serve`, AdmissionReview
# bodies and a registry that never answers. serve_up sets port, base and cacert (a suite that calls
# start_serve itself sets them); start_serve sets pid (serve_stop stops it; stopped at exit).
pid=

# mint_cert DIR CN [DAYS]: a self-signed P-256 serving certificate for 127.0.0.1.
mint_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "${3:-1}" \
    -subj "/CN=$2" -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$1/tls.key" -out "$1/tls.crt" 2>/dev/null
}

# kube_api_up NAMESPACE: the stand-in kube-apiserver (tests/support/kube-api.js) over $work/kube
# (tls.key and tls.crt from mint_cert, the Bearer token in token, Secrets in secrets.json), letting
# its token read Secrets in NAMESPACE only; stopped at exit. Sets kport; fails when it did not start.
kube_api_up() {
  node "$top/tests/support/kube-api.js" --key "$work/kube/tls.key" --cert "$work/kube/tls.crt" \
    --token-file "$work/kube/token" --secrets "$work/kube/secrets.json" --allow "$1" \
    --port-file "$work/kube/port" 2>> "$work/kube.log" &
  track_pid $!
  for _ in $(seq 50); do [ -s "$work/kube/port" ] && break; sleep 0.1; done
  kport=$(cat "$work/kube/port" 2>/dev/null)
  [ -n "$kport" ]
}

# review_json UID IMAGE: a Pod CREATE AdmissionReview with one container.
review_json() {
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"%s"}]}}}}' "$1" "$2"
}

# wait_port PORT: up to 5 s for a TCP listener on 127.0.0.1:PORT.
wait_port() {
  for _ in $(seq 50); do
    python3 -c 'import socket,sys;socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# blackhole PORT: a TCP listener on 127.0.0.1 that accepts and never answers (a hung registry).
blackhole() {
  python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$1" &
  track_pid $!
  wait_port "$1"
}

# policy_yaml NOMATCH BLACKHOLE_PORT [ONERROR]: images under 127.0.0.1:PORT need a signature
# (and so a registry round trip; onError decides when it fails); everything else gets `noMatch`.
policy_yaml() {
  cat <<YAML
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {mode: enforce, onError: ${3:-deny}, noMatch: $1}
  signers:
    ci-key: {key: {file: $top/policy/keys/ci.pub}}
  images:
    - name: hung-registry
      match: ["127.0.0.1:$2/**"]
      signatures: {signedBy: [ci-key]}
YAML
}

serve_stop() { # stops the server start_serve started, unless the suite did
  if [ -n "$pid" ]; then stop_pid "$pid"; fi
  pid=
}
serve_registered=
serve_log=$work/serve.log # where start_serve sends the server's output (appends)
# start_serve CONFIG [PATH]: starts driftgate serve in the background (pid) and waits up to 10 s
# for GET $base/PATH (default healthz; readyz waits for the policy) to answer 2xx.
start_serve() {
  if [ -z "$serve_registered" ]; then on_exit serve_stop; serve_registered=1; fi
  "$dg" serve --config "$1" >> "$serve_log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    if curl -skf --max-time 2 -o /dev/null "$base/${2:-healthz}" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# serve_up PATH < CONFIG: driftgate serve on a free port (port, base), the config being listen,
# tls and then the YAML on stdin, written to $work/config.yaml; started by start_serve CONFIG PATH
# (healthz, or readyz to wait for the policy). The serving certificate: certs/mint.sh's in
# $work/certs when the suite minted one there (cacert: its CA), else a self-signed one in $work.
serve_up() {
  local dir=$work
  if [ -f "$work/certs/ca.crt" ]; then
    dir=$work/certs cacert=$work/certs/ca.crt
  else
    [ -f "$work/tls.crt" ] || mint_cert "$work" 127.0.0.1 || return 1
    cacert=$work/tls.crt
  fi
  port=$(free_port)
  base=https://127.0.0.1:$port
  { printf 'listen: "127.0.0.1:%s"\ntls: {cert: %s, key: %s}\n' "$port" "$dir/tls.crt" "$dir/tls.key"; cat; } \
    > "$work/config.yaml"
  start_serve "$work/config.yaml" "$1"
}
# hung_registry: a registry that never answers on 127.0.0.1:bh, and $work/policy.yaml
# (policy_yaml deny) sending the images under it there. hung_config: the config lines for both.
hung_registry() {
  bh=$(free_port)
  policy_yaml deny "$bh" > "$work/policy.yaml"
  blackhole "$bh"
}
hung_config() {
  printf 'policy: %s\npolicyKeyDirs: ["%s"]\nregistry: {plainHTTP: ["127.0.0.1:%s"]}\n' \
    "$work/policy.yaml" "$top/policy/keys" "$bh"
}
c() { curl -sS --cacert "$cacert" --max-time 20 "$@"; }
post() { # BODY [QUERY]
  c -H 'Content-Type: application/json' --data-binary "$1" -w ' %{http_code}' "$base/validate${2:-?timeout=10s}"
}
# post_allowed FILE: POSTs the AdmissionReview in FILE to /validate; prints response.allowed.
post_allowed() {
  c -H 'Content-Type: application/json' --data-binary "@$1" "$base/validate?timeout=10s" | jq -r .response.allowed
}
# metric NAME_WITH_LABELS: the value of one series from /metrics (empty when absent).
metric() {
  c "$base/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
