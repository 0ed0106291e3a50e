#!/usr/bin/env bash
# Registry faults end to end: the fixture world's real registry behind tests/support's fault
# registry (a proxy that misbehaves on purpose), `driftgate review` and `driftgate serve` judging
# a signed image through it. Every fault ends in the rule's onError decision (deny here) before
# the deadline, with a message naming the registry, the image and the HTTP status (or the
# transport failure); a 429-then-200 and a reset-then-200 succeed within the budget. Also: the
# OCI referrers of the world's images, by the fallback tag (real registry) and by the referrers
# API (the fault registry serves one). Prints each case's time against its deadline.
# Env: BUILD (dir holding driftgate and tests/integration/*; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
fault_main=$BUILD/tests/integration/fault_registry_main
probe=$BUILD/tests/integration/referrers_probe

for b in "$dg" "$fault_main" "$probe"; do
  [ -x "$b" ] || { check 1 "binary $b"; exit 1; }
done
world_up none

"$fault_main" --upstream "$REGISTRY" --referrers --addr-file "$work/fault.addr" 2>> "$work/fault.log" &
bg_pids+=($!)
for _ in $(seq 50); do [ -s "$work/fault.addr" ] && break; sleep 0.1; done
F=$(cat "$work/fault.addr")
fault() { # MODE MATCH COUNT
  curl -sS --max-time 5 -G "http://$F/_fault" --data-urlencode "mode=$1" \
    --data-urlencode "match=$2" --data-urlencode "count=$3" > /dev/null
}
fault none "" 0; check $? "fault registry up at $F in front of $REGISTRY"

# --- referrers: fallback tag on the real registry, the API on the fault registry -----------
bundle=application/vnd.dev.sigstore.bundle.v0.3+json
out=$("$probe" --plain "$REGISTRY" "$REGISTRY/demo/app@$PROD_OK_DIGEST" "$bundle" 2>&1)
[[ "$out" == *"$bundle"*"https://cyclonedx.org/bom"*"requests=4"* ]]
check $? "referrers of demo/app:ok on distribution 2.8: the fallback tag, the bundle fetched (4 requests)" "$out"
api=$("$probe" --plain "$F" "$F/demo/app@$PROD_OK_DIGEST" "$bundle" 2>&1)
[[ "$api" == *"https://cyclonedx.org/bom"*"requests=3"* ]] && [ "$(head -1 <<< "$api")" = "$(head -1 <<< "$out")" ]
check $? "the same referrer by the OCI 1.1 referrers API (3 requests)" "$api"
none=$("$probe" --plain "$F" "$F/demo/app@$PROD_OK_DIGEST" application/spdx+json 2>&1)
[ "$none" = "requests=1" ]; check $? "artifactType filter: no SPDX referrers, one request" "$none"

# --- reviews through the fault registry -------------------------------------------------------
# The world's policy, aimed at the fault registry (keys stay relative to the world dir).
sed "s|$REGISTRY|$F|g" "$world/policy.yaml" > "$world/policy-fault.yaml"
budget_s=3
cat > "$work/config.yaml" <<YAML
policy: $world/policy-fault.yaml
registry:
  plainHTTP: ["$F"]
  retry: {maxAttempts: 4, baseMillis: 100, maxWaitMillis: 2000}
timeouts: {reviewMaxSeconds: $budget_s, marginMillis: 500}
log: {level: error}
YAML
# marginMillis is what serve keeps of ?timeout= for rendering and the trip back; 500 ms (the
# shipped default is 1000) absorbs a loaded 2-core machine's scheduling while the 2 s serve case
# still shows the answer arriving before the apiserver's timeout.
sed '/plainHTTP/d' "$work/config.yaml" > "$work/config-tls.yaml" # F spoken to over https
review_json u-fault "$F/demo/app:ok" > "$work/review.json"

summary=()
review_case() { # NAME MODE MATCH COUNT EXPECT(allow|deny) PATTERN... ; config in $cfg
  local name=$1 mode=$2 match=$3 count=$4 expect=$5; shift 5
  local t0 ms wall rc resp allowed msg deadline_ms=$((budget_s * 1000)) ok=0 p
  fault "$mode" "$match" "$count"
  t0=$(ms_now)
  resp=$("$dg" review --config "$cfg" "$work/review.json" 2> "$work/review.err"); rc=$?
  wall=$(( $(ms_now) - t0 ))
  # The CLI's budget starts after startup (there is no apiserver margin): its own log line says
  # how long the review took; the process must not overrun it by more than timer slack.
  ms=$(grep -o '"ms":[0-9]*' "$work/review.err" | head -1 | cut -d: -f2)
  ms=${ms:-$wall}
  allowed=$(jq -r '.response.allowed' <<< "$resp" 2>/dev/null)
  msg=$(jq -r '.response.status.message // ""' <<< "$resp" 2>/dev/null)
  summary+=("$(printf 'review %-12s %-5s %5d ms of %5d ms' "$name" "$expect" "$ms" "$deadline_ms")")
  if [ "$expect" = allow ]; then [ "$allowed" = true ] && [ "$rc" = 0 ] || ok=1
  else [ "$allowed" = false ] && [ "$rc" = 1 ] || ok=1; fi
  for p in "$@"; do [[ "$msg" == *"$p"* ]] || ok=1; done
  [ "$ms" -le $((deadline_ms + 20)) ] && [ "$wall" -lt $((deadline_ms + 1000)) ] || ok=1
  check $ok "review, $name: $expect within the ${budget_s}s budget ($ms ms, process $wall ms)" "rc=$rc msg=$msg $(head -c 300 "$work/review.err")"
}
img="$F/demo/app:ok"
cfg=$work/config.yaml
review_case baseline none "" 0 allow
review_case 429-then-200 429:1 /manifests/ 1 allow
review_case reset-once reset /manifests/ 1 allow
review_case 503-once 503 /blobs/ 1 allow
review_case 429-long 429:30 /manifests/ 0 deny "$img" "HTTP 429 (TOOMANYREQUESTS)" "Retry-After 30"
review_case 500 500 /manifests/ 0 deny "$img" "HTTP 500"
review_case 503-blobs 503 /blobs/ 0 deny "$F/demo/app" "HTTP 503"
review_case slow slow:10000 /manifests/ 0 deny "$img" "timed out"
review_case truncated truncated /manifests/ 0 deny "$img" "transfer closed"
review_case oversized oversized /blobs/ 0 deny "$F/demo/app" "exceeds"
review_case wrongdigest wrongdigest /blobs/ 0 deny "$F/demo/app" "blob digest mismatch"
review_case redirect redirect /blobs/ 0 deny "$F/demo/app" "redirect"
cfg=$work/config-tls.yaml
review_case bad-tls none "" 0 deny "$img"
cfg=$work/config.yaml

# --- the same through driftgate serve, budget from ?timeout= ----------------------------------
mint_cert "$work" 127.0.0.1; cacert=$work/tls.crt
port=$(free_port); base=https://127.0.0.1:$port
{ cat "$work/config.yaml"; printf 'listen: "127.0.0.1:%s"\ntls: {cert: %s, key: %s}\nreload: {pollMillis: 0}\ncache: {entries: 0}\n' \
  "$port" "$work/tls.crt" "$work/tls.key"; } > "$work/serve.yaml"
start_serve "$work/serve.yaml"; check $? "driftgate serve is up" "$(cat "$work/serve.log")"
serve_case() { # NAME MODE MATCH COUNT TIMEOUT_S EXPECT PATTERN...
  local name=$1 mode=$2 match=$3 count=$4 to=$5 expect=$6; shift 6
  local t0 ms out ok=0 p
  fault "$mode" "$match" "$count"
  t0=$(ms_now); out=$(post "$(cat "$work/review.json")" "?timeout=${to}s"); ms=$(( $(ms_now) - t0 ))
  summary+=("$(printf 'serve  %-12s %-5s %5d ms of %5d ms' "$name" "$expect" "$ms" "$((to * 1000))")")
  if [ "$expect" = allow ]; then [[ "$out" == *'"allowed":true'*' 200' ]] || ok=1
  else [[ "$out" == *'"allowed":false'*' 200' ]] || ok=1; fi
  for p in "$@"; do [[ "$out" == *"$p"* ]] || ok=1; done
  [ "$ms" -lt $((to * 1000)) ] || ok=1
  check $ok "serve, $name: $expect before ?timeout=${to}s ($ms ms)" "$out"
}
serve_case 429-then-200 429:1 /manifests/ 1 3 allow
serve_case 429-long 429:30 /manifests/ 0 3 deny "HTTP 429" "$img"
serve_case slow slow:10000 /manifests/ 0 2 deny "timed out" "$img"
serve_case 500 500 /blobs/ 0 2 deny "HTTP 500"
fault none "" 0

echo "# mode   case         result  time vs deadline"
printf '# %s\n' "${summary[@]}"
done_testing
