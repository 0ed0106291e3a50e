#!/usr/bin/env bash
# The HTTPS front of `driftgate serve`, checked with curl the way the apiserver talks to it:
# health and readiness, 404/405, the body limit (413 JSON), 400 JSON for malformed reviews (on
# /validate and /mutate),
# keep-alive, TLS ≥ 1.2 only, ALPN http/1.1 only, and a quick clean exit on SIGTERM.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
need_exec "$dg"

# A serving certificate for 127.0.0.1, minted here.
mint_cert "$work" 127.0.0.1
check $? "openssl minted a serving certificate"
cacert=$work/tls.crt

port=$(free_port)
cat > "$work/config.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: $work/tls.crt, key: $work/tls.key}
policy: $top/policy/default.yaml
limits: {bodyBytes: 65536}
workers: 2
queue: 8
log: {level: warn}
YAML

base=https://127.0.0.1:$port
c() { curl -sS --cacert "$cacert" --max-time 10 "$@"; }
start_serve "$work/config.yaml"; up=$?
check $up "driftgate serve is up on $base" "$(cat "$work/serve.log")"
if [ $up != 0 ]; then done_testing; fi

out=$(c -w ' %{http_code}' "$base/healthz")
[ "$out" = "ok
 200" ] || [ "$out" = "ok 200" ]; check $? "GET /healthz → 200 ok" "$out"
out=$(c -o /dev/null -w '%{http_code}' "$base/readyz")
[ "$out" = 200 ]; check $? "GET /readyz → 200 with a loaded policy" "$out"
out=$(c -w ' %{http_code}' "$base/nope")
[[ "$out" == *'"error":'*' 404' ]]; check $? "unknown path → 404 JSON" "$out"
out=$(c -o /dev/null -w '%{http_code}' "$base/validate")
[ "$out" = 405 ]; check $? "GET /validate → 405" "$out"
out=$(c -o /dev/null -w '%{http_code}' -X DELETE "$base/readyz")
[ "$out" = 405 ]; check $? "DELETE /readyz → 405" "$out"

head -c 70000 /dev/zero | tr '\0' a > "$work/big.json"
# Expect: 100-continue, as a careful client sends a large body: h2o answers 413 from the
# Content-Length alone and closes, and a body already in flight to a socket closed unread would
# turn the answer into a reset (h2o 2.2.5 has no lingering close).
out=$(c -H 'Content-Type: application/json' -H 'Expect: 100-continue' --data-binary @"$work/big.json" -w ' %{http_code} %{content_type}' \
  "$base/validate?timeout=10s")
[[ "$out" == '{"error":"request body exceeds limits.bodyBytes (65536 bytes)"}'*' 413 application/json' ]]
check $? "body over limits.bodyBytes → 413 JSON" "$out"

post() { c -H 'Content-Type: application/json' --data-binary "$1" -w ' %{http_code}' "$base/validate?timeout=10s"; }
out=$(post '{"apiVersion":')
[[ "$out" == '{"error":'*' 400' ]]; check $? "malformed JSON → 400 JSON error" "$out"
out=$(post '{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"uid":"u1"}}')
[[ "$out" == '{"error":'*' 400' ]]; check $? "wrong kind → 400 JSON error" "$out"
out=$(post '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}}}')
[[ "$out" == '{"error":'*'uid'*' 400' ]]; check $? "missing uid → 400 JSON error naming uid" "$out"

# /mutate is queued like /validate: the same 405, 413 and 400 shapes.
out=$(c -o /dev/null -w '%{http_code}' "$base/mutate")
[ "$out" = 405 ]; check $? "GET /mutate → 405" "$out"
out=$(c -H 'Content-Type: application/json' --data-binary '{"apiVersion":' -w ' %{http_code}' "$base/mutate?timeout=10s")
[[ "$out" == '{"error":'*' 400' ]]; check $? "POST /mutate, malformed JSON → 400 JSON error" "$out"
out=$(c -H 'Content-Type: application/json' -H 'Expect: 100-continue' --data-binary @"$work/big.json" -w ' %{http_code}' "$base/mutate?timeout=10s")
[[ "$out" == '{"error":"request body exceeds limits.bodyBytes (65536 bytes)"}'*' 413' ]]
check $? "POST /mutate, body over limits.bodyBytes → 413 JSON" "$out"
out=$(c -H 'Content-Type: application/json' -w ' %{http_code}' --data-binary \
  '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"m1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"registry.example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]}}}}' \
  "$base/mutate?timeout=10s")
[[ "$out" == *'"uid":"m1","allowed":true}}'*' 200' ]]
check $? "POST /mutate of a pod whose image names a digest: allowed, no patch" "$out"

# keep-alive: several URLs in one curl invocation share one connection.
out=$(c -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\n' "$base/healthz" "$base/readyz" "$base/healthz")
[ "$(echo "$out" | tr '\n' ' ')" = "1 0 0 " ]; check $? "keep-alive: 3 requests, 1 connection" "$out"

out=$(c -o /dev/null -w '%{http_code}' --tlsv1.1 --tls-max 1.1 "$base/healthz" 2>&1)
[ "$out" != 200 ]; check $? "TLS 1.1 refused" "$out"
out=$(c -o /dev/null -w '%{http_code}' --tlsv1.2 --tls-max 1.2 "$base/healthz")
[ "$out" = 200 ]; check $? "TLS 1.2 accepted" "$out"
out=$(c -o /dev/null -w '%{http_version}' --http2 "$base/healthz")
[ "$out" = 1.1 ]; check $? "curl --http2 still gets HTTP/1.1 (no h2 in ALPN)" "$out"

start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" = 0 ]; check $? "SIGTERM → exit 0" "rc=$rc $(tail -5 "$work/serve.log")"
[ "$ms" -lt 10000 ]; check $? "SIGTERM → exit within 10 s (${ms} ms)"
! curl -sk --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null; check $? "port closed after exit"

done_testing
