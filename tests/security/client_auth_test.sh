#!/usr/bin/env bash
# Issue 12 item 6, "authenticated caller". With tls.clientCA set, only a peer holding a client
# certificate from that CA (the kube-apiserver, through its --admission-control-config-file
# kubeconfig) completes a handshake on the webhook port: no certificate, a certificate from
# another CA, one without the clientAuth purpose (driftgate's own serving certificate from the
# same CA) or one whose name tls.clientNames does not list are refused before any request is
# read, on TLS 1.3 and 1.2. The probe port (server.probeListen) answers /readyz and /metrics
# without a certificate and nothing else. On e430284 tls.clientCA did not exist.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
pki=$work/pki; mkdir -p "$pki"
# ca NAME: a self-signed P-256 CA.
ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
# leaf NAME CA CN EKU [SAN]: a certificate signed by CA.
leaf() {
  local ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$4${5:+
subjectAltName=$5}"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
    -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null &&
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.crt" -CAkey "$pki/$2.key" -CAcreateserial \
      -days 1 -extfile <(printf '%s\n' "$ext") -out "$pki/$1.crt" 2>/dev/null
}
ca webhook-ca && ca other-ca &&
  leaf serving webhook-ca 127.0.0.1 serverAuth IP:127.0.0.1 &&
  leaf apiserver webhook-ca kube-apiserver-admission clientAuth &&
  leaf renamed webhook-ca someone-else clientAuth &&
  leaf stranger other-ca kube-apiserver-admission clientAuth
check $? "CAs and certificates minted (openssl)"

port=$(free_port); base=https://127.0.0.1:$port; probe_port=$(free_port)
cacert=$pki/webhook-ca.crt
cat > "$work/serve.yaml" <<YAML
listen: "127.0.0.1:$port"
tls:
  cert: $pki/serving.crt
  key: $pki/serving.key
  clientCA: $pki/webhook-ca.crt
  clientNames: [kube-apiserver-admission]
server: {probeListen: "127.0.0.1:$probe_port"}
policy: $top/policy/default.yaml
log: {level: info}
YAML
start_probe() { # like start_serve, ready when the probe port answers
  "$dg" serve --config "$1" 2>> "$work/serve.log" &
  pid=$!
  for _ in $(seq 100); do
    curl -s --cacert "$cacert" --max-time 2 -o /dev/null "https://127.0.0.1:$probe_port/healthz" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_probe "$work/serve.yaml"
check $? "driftgate serve is up with tls.clientCA and a probe port" "$(tail -5 "$work/serve.log")"

review=$(review_json client-auth "registry.example/not-covered:v1")
attempt() { # NAME [curl args...] → "rc=N <body>" (stderr in $work/NAME.err)
  local name=$1 body; shift
  body=$(curl -sS --cacert "$cacert" --max-time 10 "$@" -H 'Content-Type: application/json' \
    --data-binary "$review" "$base/validate?timeout=10s" 2> "$work/$name.err")
  echo "rc=$? $body"
}
# refused NAME RESULT REASON: curl got no answer (TLS 1.2: the handshake failed; TLS 1.3: the
# client's side finishes first, then the connection ends) and serve logged the refusal's REASON.
# h2o 2.2.5 closes without flushing the alert, so the peer never sees the reason itself.
refused() {
  local n prev=$seen
  n=$(grep -c "tls: handshake from 127.0.0.1 refused" "$work/serve.log"); seen=$n
  [[ "$2" == rc=35\ * || "$2" == rc=52\ * || "$2" == rc=56\ * ]] && ! grep -q '"uid":"client-auth"' <<< "$2" &&
    [ "$n" = $((prev + 1)) ] && grep -q "$3" <<< "$(last_refusal)"
}
reviews() { grep -c '"review":"client-auth"' "$work/serve.log"; }

seen=0
last_refusal() { grep "tls: handshake from 127.0.0.1 refused" "$work/serve.log" | tail -1 | jq -r .msg; }
r=$(attempt none); refused none "$r" "certificate required"
check $? "no client certificate: refused at the handshake: $(last_refusal)" "$r $(tail -3 "$work/serve.log")"
r=$(attempt none12 --tls-max 1.2); refused none12 "$r" "handshake failure"
check $? "no client certificate over TLS 1.2: refused: $(last_refusal)" "$r $(tail -3 "$work/serve.log")"
r=$(attempt stranger --cert "$pki/stranger.crt" --key "$pki/stranger.key"); refused stranger "$r" "unknown CA"
check $? "a certificate from another CA: refused: $(last_refusal)" "$r $(tail -3 "$work/serve.log")"
r=$(attempt serving --cert "$pki/serving.crt" --key "$pki/serving.key"); refused serving "$r" "purpose"
check $? "driftgate's own serving certificate (same CA, serverAuth only): refused: $(last_refusal)" "$r $(tail -3 "$work/serve.log")"
r=$(attempt renamed --cert "$pki/renamed.crt" --key "$pki/renamed.key"); refused renamed "$r" "mismatch"
check $? "the right CA but a name tls.clientNames does not list: refused: $(last_refusal)" "$r $(tail -3 "$work/serve.log")"
out=$(curl -sS --cacert "$cacert" "https://127.0.0.1:$probe_port/metrics" | grep '^driftgate_tls_handshakes_refused_total' | awk '{ s += $NF } END { print s + 0 }')
[ "$out" = 5 ]; check $? "driftgate_tls_handshakes_refused_total counts the 5 refusals by alert ($out)"
[ "$(reviews)" = 0 ]
check $? "none of them reached a review"
r=$(attempt apiserver --cert "$pki/apiserver.crt" --key "$pki/apiserver.key")
[[ "$r" == 'rc=0 {'*'"uid":"client-auth"'* ]] && [ "$(reviews)" = 1 ]
check $? "the apiserver's client certificate: the review is answered" "$r $(cat "$work/apiserver.err")"
r=$(attempt apiserver12 --tls-max 1.2 --cert "$pki/apiserver.crt" --key "$pki/apiserver.key")
[[ "$r" == 'rc=0 {'*'"uid":"client-auth"'* ]]
check $? "... over TLS 1.2 too" "$r"

pb=https://127.0.0.1:$probe_port
out=$(curl -sS --cacert "$cacert" -w ' %{http_code}' "$pb/readyz")
[ "$out" = "ok
 200" ]; check $? "probe port: /readyz without a client certificate" "$out"
out=$(curl -sS --cacert "$cacert" "$pb/metrics" | grep -c '^driftgate_connections ')
[ "$out" = 1 ]; check $? "probe port: /metrics without a client certificate"
out=$(curl -sS --cacert "$cacert" -w ' %{http_code}' -H 'Content-Type: application/json' \
  --data-binary "$review" "$pb/validate?timeout=10s")
[[ "$out" == *' 404' ]] && [ "$(reviews)" = 2 ]
check $? "probe port: POST /validate is 404, no review" "$out"

serve_stop
# A clientCA that is not a certificate stops serve before it listens.
printf 'not a certificate\n' > "$pki/bad-ca.pem"
sed "s|clientCA: .*|clientCA: $pki/bad-ca.pem|" "$work/serve.yaml" > "$work/bad.yaml"
"$dg" serve --config "$work/bad.yaml" > "$work/bad.out" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q "tls.clientCA $pki/bad-ca.pem" "$work/bad.out"
check $? "a clientCA file without a certificate fails at start, naming it (exit $rc)" "$(cat "$work/bad.out")"
done_testing
