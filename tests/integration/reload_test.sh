#!/usr/bin/env bash
# Hot reload of a real `driftgate serve`, with the policy and the TLS pair laid out the way the
# kubelet mounts a ConfigMap/Secret (files are symlinks into ..data, itself a symlink to a
# timestamped dir, replaced by renaming ..data_tmp over it). pollMillis 0: inotify alone must
# see every swap. Checks: a new policy takes effect; a broken one keeps the last good one with
# a log line, reload_success 0, a failure count and a /readyz detail (still 200); a review in
# flight finishes on the policy it started with; a rotated certificate is served to new
# connections; a mismatched pair keeps the old one; SIGHUP reloads.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
n=0
# kubelet_update DIR: moves DIR/..data to a new timestamped dir holding the files of DIR/next/.
kubelet_update() {
  n=$((n + 1))
  local d=$1 new="..2026_11_26_00_00_00.$n"
  mkdir "$d/$new" && cp -p "$d/next/"* "$d/$new/"
  ( cd "$d" && ln -s "$new" ..data_tmp && mv -T ..data_tmp ..data )
  find "$d" -maxdepth 1 -name '..2026*' ! -name "$new" -exec rm -rf {} +
}
# kubelet_mount DIR FILE...: the initial layout from DIR/next/.
kubelet_mount() {
  local d=$1; shift
  kubelet_update "$d"
  for f in "$@"; do ln -s "..data/$f" "$d/$f"; done
}
serial() { # the serial of the certificate a new TLS connection is given
  openssl s_client -connect "127.0.0.1:$port" -servername 127.0.0.1 </dev/null 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null
}
wait_for() { # CMD...: retries for up to 5 s
  for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done
  return 1
}

port=$(free_port); bh=$(free_port)
blackhole "$bh"; check $? "hung registry on 127.0.0.1:$bh"
mkdir -p "$work/policy/next" "$work/tls/next" "$work/certs"
policy_yaml deny "$bh" > "$work/policy/next/policy.yaml"
kubelet_mount "$work/policy" policy.yaml
for i in 1 2; do mkdir -p "$work/certs/$i"; mint_cert "$work/certs/$i" 127.0.0.1 $((i * 10)); done
cp "$work/certs/1/"* "$work/tls/next/"
kubelet_mount "$work/tls" tls.crt tls.key
cacert=$work/ca.pem
cat "$work/certs/1/tls.crt" "$work/certs/2/tls.crt" > "$cacert"
cat > "$work/config.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: $work/tls/tls.crt, key: $work/tls/tls.key}
policy: $work/policy/policy.yaml
policyKeyDirs: ["$top/policy/keys"]
registry: {plainHTTP: ["127.0.0.1:$bh"]}
workers: 2
reload: {pollMillis: 0}
log: {level: info}
YAML
base=https://127.0.0.1:$port
start_serve "$work/config.yaml"; check $? "driftgate serve is up" "$(cat "$work/serve.log")"
nginx=$(review_json u1 docker.io/library/nginx:1)
verdict() { post "$nginx" | grep -o '"allowed":[a-z]*'; }

[ "$(verdict)" = '"allowed":false' ]; check $? "policy v1 (noMatch: deny) denies nginx"

policy_yaml allow "$bh" > "$work/policy/next/policy.yaml"; kubelet_update "$work/policy"
# shellcheck disable=SC2317 # called through wait_for
is_allowed() { [ "$(verdict)" = '"allowed":true' ]; }
wait_for is_allowed; check $? "..data swap to v2 (noMatch: allow): nginx allowed without a restart"
[ "$(metric 'driftgate_reload_success{what="policy"}')" = 1 ]; check $? "reload_success{policy} 1"

printf 'apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec: {defaults: {noMatch: maybe}}\n' \
  > "$work/policy/next/policy.yaml"; kubelet_update "$work/policy"
# shellcheck disable=SC2317 # called through wait_for
failed_metric() { [ "$(metric 'driftgate_reload_success{what="policy"}')" = 0 ]; }
wait_for failed_metric; check $? "broken v3: reload_success{policy} 0"
[ "$(metric 'driftgate_reload_failures_total{what="policy"}')" = 1 ]; check $? "reload_failures_total{policy} 1"
is_allowed; check $? "broken v3: the last good policy (v2) still answers"
out=$(c -w ' %{http_code}' "$base/readyz")
[[ "$out" == "ok: policy reload failed, serving the last good one: policy reload: "*"policy.yaml:3:"*"maybe"*" 200" ]]
check $? "/readyz stays 200 and names the failed reload with file:line" "$out"
grep -q '"level":"error".*policy reload: .*policy.yaml:3:.*keeping generation' "$work/serve.log"
check $? "the failure is logged with the reason" "$(tail -3 "$work/serve.log")"

policy_yaml deny "$bh" > "$work/policy/next/policy.yaml"; kubelet_update "$work/policy"
# shellcheck disable=SC2317 # called through wait_for
is_denied() { [ "$(verdict)" = '"allowed":false' ]; }
wait_for is_denied; check $? "good v4 (noMatch: deny) loads after the broken one"
out=$(c "$base/readyz"); [ "$out" = ok ]; check $? "/readyz back to plain ok" "$out"

# In flight: a review of an image on the hung registry started under v4 (onError: deny) ends
# after the policy became v5 (onError: allow): it must answer with v4's verdict.
slow=$(review_json u-slow "127.0.0.1:$bh/app:v1")
( post "$slow" '?timeout=3s' > "$work/inflight.out" ) & bg_pids+=($!)
sleep 0.5
policy_yaml deny "$bh" allow > "$work/policy/next/policy.yaml"; kubelet_update "$work/policy"
sleep 0.5
wait "${bg_pids[-1]}"
out=$(cat "$work/inflight.out")
[[ "$out" == *'"allowed":false'*' 200' ]]; check $? "in-flight review finished on its own snapshot (v4: deny)" "$out"
out=$(post "$slow" '?timeout=3s')
[[ "$out" == *'"allowed":true'*' 200' ]]; check $? "the next review of it uses v5 (onError: allow)" "$out"

s1=$(openssl x509 -in "$work/certs/1/tls.crt" -noout -serial)
s2=$(openssl x509 -in "$work/certs/2/tls.crt" -noout -serial)
[ "$(serial)" = "$s1" ]; check $? "serves certificate 1"
exp1=$(metric driftgate_certificate_expiry_seconds)
cp "$work/certs/2/"* "$work/tls/next/"; kubelet_update "$work/tls"
# shellcheck disable=SC2317 # called through wait_for
serves2() { [ "$(serial)" = "$s2" ]; }
wait_for serves2; check $? "rotated Secret: new connections get certificate 2 without a restart"
exp2=$(metric driftgate_certificate_expiry_seconds)
want=$(date -d "$(openssl x509 -in "$work/certs/2/tls.crt" -noout -enddate | cut -d= -f2)" +%s)
[ "$exp2" = "$want" ] && [ "$exp2" -gt "$exp1" ]; check $? "certificate_expiry_seconds follows ($exp1 → $exp2)"

cp "$work/certs/1/tls.crt" "$work/tls/next/tls.crt"   # cert 1 with key 2: mismatched
kubelet_update "$work/tls"
# shellcheck disable=SC2317 # called through wait_for
tls_failed() { [ "$(metric 'driftgate_reload_success{what="tls"}')" = 0 ]; }
wait_for tls_failed; check $? "mismatched pair: reload_success{tls} 0"
[ "$(serial)" = "$s2" ]; check $? "mismatched pair: certificate 2 still served"
out=$(c "$base/readyz"); [[ "$out" == *"tls reload failed"*"tls.key"*"mismatch"* ]]; check $? "/readyz names the tls failure" "$out"
cp "$work/certs/2/"* "$work/tls/next/"; kubelet_update "$work/tls"
# shellcheck disable=SC2317 # called through wait_for
tls_ok() { [ "$(metric 'driftgate_reload_success{what="tls"}')" = 1 ]; }
wait_for tls_ok; check $? "a good pair again: reload_success{tls} 1"

t0=$(metric 'driftgate_reload_timestamp_seconds{what="policy"}')
sleep 1.1
kill -HUP "$pid"
# shellcheck disable=SC2317 # called through wait_for
hup() { [ "$(metric 'driftgate_reload_timestamp_seconds{what="policy"}')" -gt "$t0" ]; }
wait_for hup; check $? "SIGHUP reloads unchanged files (timestamp moved past $t0)"
grep -q 'reload policy: SIGHUP' "$work/serve.log"; check $? "SIGHUP reload logged"
# A storm: 200 SIGHUPs (each reloads the policy and the TLS pair) while new TLS connections
# handshake. Under ASan this caught a context swapped and freed under a handshake.
for _ in $(seq 200); do
  kill -HUP "$pid" 2>/dev/null || break
  curl -sk --max-time 5 -o /dev/null "$base/healthz" &
  sleep 0.01
done
wait_for serves2; check $? "after a SIGHUP storm during handshakes: certificate 2, still answering"
kill -0 "$pid"; check $? "still serving after all reloads" "$(tail -40 "$work/serve.log")"
done_testing
