#!/usr/bin/env bash
# One pod of K (default 32) distinct signed images, reviewed cold, process vs process:
#   driftgate: `driftgate review` (a fresh process, no cache) of the pod, wall time of the process;
#   curl:      one `curl --parallel` process fetching the same objects the review fetches for each
#              image (the manifest by tag, the .att manifest, the .att blob), wall time likewise.
# Both sides alternate which goes first, over R (default 5, at least 3) rounds; min/median/max of
# the per-round ratio (tests/bench/lib.sh) are printed, and the review's registry request count (its
# log line's registry_requests) next to the number of objects curl fetches: the same network work.
# Issue 15 item 2 aims at ratio <= 1.0 (the images of one pod, and each image's fetches, overlapped).
# Env: BUILD, K, R. Prints a "ratio" line (tests/bench/run.sh collects them).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
source "$top/tests/bench/lib.sh"
dg=${BUILD:-$top/build}/driftgate
K=${K:-32}
R=${R:-5}
[ "$R" -ge 3 ] || R=3
work=$(mktemp -d)
cleanup() {
  "$top/tests/support/fixtures/world.sh" stop "$work/world" > /dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
for c in curl jq skopeo; do command -v "$c" > /dev/null || { echo "not ok - cold_pod: $c not installed"; exit 1; }; done
curl --help all 2> /dev/null | grep -q -- '--parallel' || { echo "not ok - cold_pod: curl has no --parallel"; exit 1; }
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
    - name: demo-many
      match: ["$REGISTRY/demo/many"]
      attestations:
        sbom: {predicateType: "https://cyclonedx.org/bom", signedBy: [ci-key]}
YAML
"$top/tests/bench/many_images.sh" "$work/world" "$K" > "$work/many.txt" 2> "$work/many.log" ||
  { cat "$work/many.log"; exit 1; }
mapfile -t refs < <(awk '{ print $1 }' "$work/many.txt")
[ "${#refs[@]}" = "$K" ] || { echo "not ok - cold_pod: built ${#refs[@]} of $K images"; exit 1; }
bash "$top/tests/integration/review-objects.sh" -o "$work/pod" -k pod "${refs[@]}" > /dev/null 2>&1 ||
  { echo "not ok - cold_pod: review-objects.sh failed"; exit 1; }

# The objects the review fetches, found untimed: per image its tag, .att manifest and .att blob.
mt="application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
mt="$mt, application/vnd.docker.distribution.manifest.v2+json"
{
  printf 'header = "Accept: %s"\n' "$mt"
  while read -r ref d; do
    att="http://$REGISTRY/v2/demo/many/manifests/sha256-${d#sha256:}.att"
    b=$(curl -sf -H "Accept: $mt" "$att" | jq -r '.layers[0].digest') ||
      { echo "not ok - cold_pod: no .att for $ref" >&2; exit 1; }
    printf 'url = "http://%s/v2/demo/many/manifests/%s"\noutput = "/dev/null"\n' "$REGISTRY" "${ref##*:}"
    printf 'url = "%s"\noutput = "/dev/null"\n' "$att"
    printf 'url = "http://%s/v2/demo/many/blobs/%s"\noutput = "/dev/null"\n' "$REGISTRY" "$b"
  done < "$work/many.txt"
} > "$work/curl.cfg" || exit 1
n_urls=$(grep -c '^url' "$work/curl.cfg")

now_ms() { echo $(($(date +%s%N) / 1000000)); }
run_dg() {
  local t0 t1
  t0=$(now_ms)
  "$dg" review --policy "$work/policy.yaml" --plain-http "$REGISTRY" "$work/pod/pod.json" \
    > "$work/out.json" 2> "$work/dg.log"
  t1=$(now_ms)
  [ "$(jq -r .response.allowed "$work/out.json")" = true ] ||
    { echo "not ok - cold_pod: review denied: $(jq -c .response.status "$work/out.json")"; exit 1; }
  echo $((t1 - t0)) >> "$work/dg.ms"
  jq -s -r '[.[] | select(.review)][0] | .registry_requests' "$work/dg.log" >> "$work/dg.req"
}
run_curl() {
  local t0 t1
  t0=$(now_ms)
  curl -sf --no-progress-meter --parallel --parallel-max "$n_urls" -K "$work/curl.cfg" 2> /dev/null ||
    { echo "not ok - cold_pod: curl --parallel failed"; exit 1; }
  t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/curl.ms"
}
: > "$work/dg.ms"; : > "$work/dg.req"; : > "$work/curl.ms"
for r in $(seq 1 "$R"); do
  if bench_first_odd "$r"; then run_dg; run_curl; else run_curl; run_dg; fi
done
req=$(sort -u "$work/dg.req" | tr '\n' ' ')
paste "$work/dg.ms" "$work/curl.ms" > "$work/rounds"
echo "cold pod, $K distinct images: registry requests per review: ${req% } (curl fetches $n_urls objects)"
bench_ratio "cold-pod-${K}-images (target <= 1.0)" "driftgate-review" "curl-parallel" ms "$work/rounds"
