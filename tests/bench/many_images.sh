#!/usr/bin/env bash
# N distinct signed images in a fixture world, cheaply, for the cold-verify benchmark:
#   tests/bench/many_images.sh WORLD_DIR N   (WORLD_DIR made by tests/support/fixtures/world.sh)
# Each image is the world's ok-prod rootfs plus one file holding its index, so every digest
# differs; all are pushed to REGISTRY/demo/many:m<i> (skopeo, 8 at a time) and then signed by ONE
# node process (sign.js plan: .sig + CycloneDX .att with the trusted ci key, no referrers).
# Prints one "REF DIGEST" line per image; progress and timings go to stderr.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: many_images.sh WORLD_DIR N" >&2; exit 2; }
world=$(cd "$1" && pwd) n=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fixtures=$top/tests/support/fixtures
# shellcheck disable=SC1091 # written by a fixture at run time
source "$world/world.env"
out=$world/many
rm -rf "$out"
mkdir -p "$out/signed"
creds=()
[ -n "${REGISTRY_USER:-}" ] && creds=(--dest-creds "$REGISTRY_USER:$REGISTRY_PASS")
ms() { date +%s%3N; }

t0=$(ms)
build_push() { # index
  local i=$1 rf=$out/rootfs-$1
  cp -a "$world/rootfs/ok-prod" "$rf"
  printf 'bench image %s\n' "$i" > "$rf/etc/driftgate-bench"
  "$fixtures/oci-image.sh" "$rf" "$out/oci-$i" "m$i" > "$out/$i.digest"
  skopeo copy -q --dest-tls-verify=false "${creds[@]}" "oci:$out/oci-$i:m$i" \
    "docker://$REGISTRY/demo/many:m$i" > "$out/$i.push.log" 2>&1 ||
    { cat "$out/$i.push.log" >&2; return 1; }
  rm -rf "$rf" "$out/oci-$i"
}
pids=()
for i in $(seq 0 $((n - 1))); do
  build_push "$i" &
  pids+=($!)
  if [ ${#pids[@]} -ge 8 ]; then wait "${pids[0]}" || exit 1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
t1=$(ms)

for i in $(seq 0 $((n - 1))); do
  jq -n -c --arg id "m$i" --arg tag "m$i" --arg digest "$(cat "$out/$i.digest")" \
    --arg sbom "$world/sbom/ok-prod.cdx.json" \
    '{id: $id, repo: "demo/many", tag: $tag, digest: $digest, sbom: $sbom, sig: "ci", att: "ci",
      attMode: "good", referrer: false}'
done | jq -s --arg reg "$REGISTRY" --arg user "${REGISTRY_USER:-}" --arg pass "${REGISTRY_PASS:-}" \
  --arg out "$out/signed" --arg keys "$world/keys" \
  '{registry: $reg, out: $out, images: ., keys: {ci: {key: ($keys + "/ci.key"), pub: ($keys + "/ci.pub")}}}
   + (if $user == "" then {} else {username: $user, password: $pass} end)' > "$out/plan.json"
(cd "$top/tests" && node "$fixtures/sign.js" "$out/plan.json") > "$out/sign.log" 2>&1 ||
  { cat "$out/sign.log" >&2; exit 1; }
t2=$(ms)
echo "many_images: $n images built+pushed in $((t1 - t0)) ms, signed+attested by one node process in $((t2 - t1)) ms" >&2
for i in $(seq 0 $((n - 1))); do
  echo "$REGISTRY/demo/many:m$i $(cat "$out/$i.digest")"
done
