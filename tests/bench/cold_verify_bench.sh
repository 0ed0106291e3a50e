#!/usr/bin/env bash
# Cold verify against the loopback registry (world.sh none):
#  1. one image whose rule needs a key-signed SBOM attestation (classic .att), no cache: a
#     `driftgate review` process against one curl process doing the same three fetches (manifest,
#     .att manifest, .att blob; keep-alive), process wall time of each, alternated over N rounds;
#     the per-round ratio as min/median/max (tests/bench/lib.sh), and the request count.
#  2. eight containers of one image, cold: time and requests vs one container.
#  3. serve (cache on, 16 workers): the world's 16 distinct images (8 prod, 8 dev), each cold and
#     reviewed by 16 concurrent requests; registry requests in total vs 16 cold reviews' worth.
#  4. M (default 50) distinct signed images (tests/bench/many_images.sh), one review each, 16 at a
#     time against a fresh `driftgate serve` (cold cache): total time, p50/p99 per review (client
#     side, TLS included), registry requests; baseline: the same 3 fetches per image with curl,
#     16 at a time (one curl process per image).
# Env: BUILD, N (default 30), M (default 50). Prints "ratio" lines (tests/bench/run.sh collects them).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dg=${BUILD:-$top/build}/driftgate
N=${N:-30}
work=$(mktemp -d)
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  "$top/tests/support/fixtures/world.sh" stop "$work/world" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
"$top/tests/support/fixtures/world.sh" "$work/world" none > "$work/world.log" 2>&1 ||
  { tail -5 "$work/world.log"; exit 1; }
# shellcheck disable=SC1091 # written by a fixture at run time
source "$work/world/world.env"
cat > "$work/policy.yaml" <<YAML
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {mode: enforce, onError: deny, noMatch: deny}
  signers:
    ci-key: {key: {file: $CI_PUB}, transparencyLog: optional}
  images:
    - name: demo-app
      match: ["$REGISTRY/demo/app", "$REGISTRY/demo/devcontainer", "$REGISTRY/demo/many"]
      attestations:
        sbom: {predicateType: "https://cyclonedx.org/bom", signedBy: [ci-key]}
YAML
objs=$top/tests/integration/review-objects.sh
bash "$objs" -o "$work/one" -k pod "$PROD_OK" >/dev/null 2>&1
eight=(); for _ in 1 2 3 4 5 6 7 8; do eight+=("$PROD_OK"); done
bash "$objs" -o "$work/eight" -k pod "${eight[@]}" >/dev/null 2>&1

stats() { # file of numbers → "median p99"
  sort -n "$1" | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; i = int(NR * 0.99 + 0.999);
    if (i < 1) i = 1; if (i > NR) i = NR; printf "%s %s\n", m, v[i] }'
}
# Like for like: each round runs one `driftgate review` process (cold: a new process has no
# cache) and one curl process fetching the same 3 objects (keep-alive), wall time of each process,
# the order alternating between rounds.
hex=${PROD_OK_DIGEST#sha256:}
mt='application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'
att_blob=$(curl -s -H "Accept: $mt" "http://$REGISTRY/v2/demo/app/manifests/sha256-$hex.att" |
  jq -r '.layers[0].digest')
dg_side() {
  "$dg" review --policy "$work/policy.yaml" --plain-http "$REGISTRY" "$work/one/pod.json" \
    > "$work/out.json" 2> "$work/log"
  [ "$(jq -r .response.allowed "$work/out.json")" = true ] || { echo "review denied:"; cat "$work/out.json"; exit 1; }
}
curl_side() {
  curl -sf -o /dev/null -H "Accept: $mt" "http://$REGISTRY/v2/demo/app/manifests/ok" \
    -o /dev/null -H "Accept: $mt" "http://$REGISTRY/v2/demo/app/manifests/sha256-$hex.att" \
    -o /dev/null "http://$REGISTRY/v2/demo/app/blobs/$att_blob" || { echo "curl baseline failed"; exit 1; }
}
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
: > "$work/rounds"
: > "$work/dg.ms"
for r in $(seq 1 "$N"); do
  if bench_first_odd "$r"; then
    t0=$(bench_now_us); dg_side; t1=$(bench_now_us); curl_side; t2=$(bench_now_us); d=$((t1 - t0)) c=$((t2 - t1))
  else
    t0=$(bench_now_us); curl_side; t1=$(bench_now_us); dg_side; t2=$(bench_now_us); c=$((t1 - t0)) d=$((t2 - t1))
  fi
  echo "$((d / 1000)) $((c / 1000))" >> "$work/rounds"
  jq -s -r '[.[] | select(.review)][0] | .ms' "$work/log" >> "$work/dg.ms"
done
reqs=$(jq -s -r '[.[] | select(.review)][0] | .registry_requests' "$work/log")
read -r dmed dp99 <<< "$(stats "$work/dg.ms")"
echo "# cold verify (1 image, key-signed SBOM .att): the review's own time median ${dmed} ms, p99 ${dp99} ms, $reqs registry requests"
bench_ratio "cold verify, 1 image, key-signed SBOM .att ($reqs requests; process wall ms, $N rounds)" driftgate-review curl-same-fetches ms "$work/rounds"

# 2. Eight containers of one image, cold.
"$dg" review --policy "$work/policy.yaml" --plain-http "$REGISTRY" "$work/eight/pod.json" > /dev/null 2> "$work/log8"
r8=$(jq -s -r '[.[] | select(.review)][0] | "\(.ms) \(.registry_requests)"' "$work/log8")
read -r ms8 req8 <<< "$r8"
echo "ratio 8-containers/1-container cold requests: $(awk -v a="$req8" -v b="$reqs" 'BEGIN{printf "%.2f", a/b}') ($req8 vs $reqs; ${ms8} ms vs ${dmed} ms)"

# 3. serve, 16 workers, cache on: every prod and dev image of the world (16 distinct), each
# reviewed by 16 concurrent requests, cold.
"$top/certs/mint.sh" "$work/certs" 127.0.0.1 >/dev/null 2>&1
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat > "$work/config.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: "$work/certs/tls.crt", key: "$work/certs/tls.key"}
policy: "$work/policy.yaml"
policyKeyDirs: ["$(dirname "$CI_PUB")"]
registry: {plainHTTP: ["$REGISTRY"]}
workers: 16
YAML
"$dg" serve --config "$work/config.yaml" > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
imgs=()
for s in $SCENARIOS; do imgs+=("$REGISTRY/demo/app:$s" "$REGISTRY/demo/devcontainer:$s"); done
i=0
for img in "${imgs[@]}"; do
  bash "$objs" -o "$work/p$i" -k pod "$img" >/dev/null 2>&1
  i=$((i + 1))
done
t0=$(date +%s%N)
for j in $(seq 0 $((i - 1))); do
  for _ in $(seq 1 16); do
    curl -s -o /dev/null --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' \
      --data-binary "@$work/p$j/pod.json" "https://127.0.0.1:$port/validate?timeout=10s" &
  done
done
for p in $(jobs -p); do [ "$p" = "$serve_pid" ] || wait "$p"; done
wall=$((($(date +%s%N) - t0) / 1000000))
tot=$(jq -s '[.[] | select(.review) | .registry_requests] | add' "$work/serve.log")
nrev=$(jq -s '[.[] | select(.review)] | length' "$work/serve.log")
echo "serve: $i distinct images x 16 concurrent reviews = $nrev reviews in ${wall} ms, $tot registry requests"
echo "ratio concurrent-requests/distinct-cold-requests: $(awk -v a="$tot" -v b="$((i * reqs))" 'BEGIN{printf "%.2f", a/b}') ($tot vs $i x $reqs)"

# 4. M distinct images, one review each, 16 concurrent, against a fresh serve (cold cache).
M=${M:-50}
"$top/tests/bench/many_images.sh" "$work/world" "$M" > "$work/many.txt" 2> "$work/many.log" ||
  { cat "$work/many.log"; exit 1; }
cat "$work/many.log"
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
sed -i "s/^listen: .*/listen: \"127.0.0.1:$port\"/" "$work/config.yaml"
"$dg" serve --config "$work/config.yaml" > "$work/serve-many.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
k=0
mt_all="$mt, application/vnd.docker.distribution.manifest.v2+json"
: > "$work/many.urls"
while read -r ref d; do
  mkdir -p "$work/m$k"
  sed "s|$PROD_OK|$ref|g" "$work/one/pod.json" > "$work/m$k/pod.json"
  # Baseline inputs (untimed): the .att manifest's layer blob of each image.
  b=$(curl -s -H "Accept: $mt" "http://$REGISTRY/v2/demo/many/manifests/sha256-${d#sha256:}.att" |
    jq -r '.layers[0].digest')
  echo "${ref##*:} ${d#sha256:} $b" >> "$work/many.urls"
  k=$((k + 1))
done < "$work/many.txt"
t0=$(date +%s%N)
seq 0 $((k - 1)) | xargs -P 16 -I{} curl -s -o "$work/m{}/out.json" -w '%{time_total}\n' \
  --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' \
  --data-binary "@$work/m{}/pod.json" "https://127.0.0.1:$port/validate?timeout=10s" > "$work/many.times"
wall=$((($(date +%s%N) - t0) / 1000000))
allowed=$(cat "$work"/m*/out.json | jq -s '[.[] | select(.response.allowed == true)] | length')
[ "$allowed" = "$k" ] || { echo "only $allowed of $k reviews allowed:"; cat "$work/m0/out.json"; exit 1; }
awk '{ printf "%d\n", $1 * 1000 + 0.5 }' "$work/many.times" > "$work/many.ms"
read -r mmed mp99 <<< "$(stats "$work/many.ms")"
mtot=$(jq -s '[.[] | select(.review) | .registry_requests] | add' "$work/serve-many.log")
t0=$(date +%s%N)
# shellcheck disable=SC2016 # $0..$4 are sh -c's arguments
xargs -P 16 -L 1 sh -c 'curl -sf -o /dev/null -H "Accept: $0" "http://$1/v2/demo/many/manifests/$2" \
    -o /dev/null -H "Accept: $0" "http://$1/v2/demo/many/manifests/sha256-$3.att" \
    -o /dev/null "http://$1/v2/demo/many/blobs/$4"' "$mt_all" "$REGISTRY" < "$work/many.urls" ||
  { echo "curl baseline (many) failed"; exit 1; }
cwall=$((($(date +%s%N) - t0) / 1000000))
echo "serve: $k distinct images cold, 1 review each, 16 concurrent: ${wall} ms total, p50 ${mmed} ms, p99 ${mp99} ms per review, $mtot registry requests ($(awk -v a="$mtot" -v b="$k" 'BEGIN{printf "%.1f", a/b}') per image)"
echo "curl baseline ($k images x the same 3 fetches, 16 at a time): ${cwall} ms total"
awk -v a="$wall" -v b="$cwall" -v k="$k" 'BEGIN { printf "# one run, not a ratio over rounds (cold_pod_bench.sh is): %d images cold 16 concurrent / curl total %.2f (%s ms vs %s ms)\n", k, a / (b > 0 ? b : 1), a, b }'
