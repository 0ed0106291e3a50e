# shellcheck shell=bash
# shellcheck disable=SC2154 # top, base and cacert are set by the test that sources this file
# Sourced by the serve tests (metrics, reload, shutdown, deadline): TAP checks, certificates,
# a running `driftgate serve`, AdmissionReview bodies and a registry that never answers.
# Needs: top, BUILD set; defines work (temp dir) and an EXIT trap that stops what it started.
dg=$BUILD/driftgate
work=$(mktemp -d "${TMPDIR:-/tmp}/dg-serve.XXXXXX")
pid=
bg_pids=()
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0
check() { # exit-code description [detail on failure]
  if [ "$1" = 0 ]; then echo "ok - $2"; else
    echo "not ok - $2"; failed=$((failed + 1))
    [ -n "${3:-}" ] && printf '%s\n' "$3" | head -c 2000 | sed 's/^/# /'
  fi
  return 0
}
free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

# mint_cert DIR CN [DAYS]: a self-signed P-256 serving certificate for 127.0.0.1.
mint_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "${3:-1}" \
    -subj "/CN=$2" -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$1/tls.key" -out "$1/tls.crt" 2>/dev/null
}

# review_json UID IMAGE: a Pod CREATE AdmissionReview with one container.
review_json() {
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"%s"}]}}}}' "$1" "$2"
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
  bg_pids+=($!)
  for _ in $(seq 50); do
    python3 -c 'import socket,sys;socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
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

# start_serve CONFIG: starts driftgate serve in the background (pid), waits for /healthz.
start_serve() {
  "$dg" serve --config "$1" 2>> "$work/serve.log" &
  pid=$!
  for _ in $(seq 100); do
    if curl -sk --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
c() { curl -sS --cacert "$cacert" --max-time 20 "$@"; }
post() { # BODY [QUERY]
  c -H 'Content-Type: application/json' --data-binary "$1" -w ' %{http_code}' "$base/validate${2:-?timeout=10s}"
}
# metric NAME_WITH_LABELS: the value of one series from /metrics (empty when absent).
metric() {
  c "$base/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
