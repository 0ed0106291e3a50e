#!/usr/bin/env bash
# fsm bench (issue 16): `driftgate fsm image` (registry layers → expected manifest) and `fsm dir`
# (walk + hash of the unpacked tree) on a 10,000-file image, against seed 001's method on the same
# tree, `find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum` (content
# only). 3 rounds, the methods alternated within each round; min/median/max wall seconds.
# Env: BUILD, FILES (10000), ROUNDS (3). Not part of `make test` (tests/bench/run.sh runs it).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dg=${BUILD:-$top/build}/driftgate
files=${FILES:-10000}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
cleanup() {
  "$top/tests/support/registry.sh" stop "$work/reg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# The tree: FILES files of 1-8 KiB in 100 directories, deterministic content.
root=$work/rootfs
mkdir -p "$root"
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
const fs = require("fs"), crypto = require("crypto");
const [root, n] = [process.argv[1], Number(process.argv[2])];
for (let d = 0; d < 100; d++) fs.mkdirSync(`${root}/d${d}`, {recursive: true});
for (let i = 0; i < n; i++) {
  const size = 1024 * (1 + (i % 8));
  const buf = crypto.createHash("sha512").update(String(i)).digest();
  fs.writeFileSync(`${root}/d${i % 100}/f${i}`, Buffer.alloc(size, buf));
}' "$root" "$files"
layout=$work/layout
digest=$(bash "$top/tests/support/fixtures/oci-image.sh" "$root" "$layout" v1) || exit 1
eval "$("$top/tests/support/registry.sh" start none "$work/reg")" || exit 1
skopeo copy -q --dest-tls-verify=false "oci:$layout:v1" "docker://$REGISTRY/bench/fsm:v1" || exit 1
echo "# $files files, image $REGISTRY/bench/fsm:v1 ($digest)"

secs() { # command... → wall seconds on stdout (3 decimals)
  local s e
  s=$(date +%s%N)
  "$@" > /dev/null 2>&1 || { echo "# failed: $*" >&2; echo "nan"; return; }
  e=$(date +%s%N)
  awk -v d=$((e - s)) 'BEGIN { printf "%.3f", d / 1e9 }'
}
seed() { (cd "$root" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum); }
image() { "$dg" fsm image "$REGISTRY/bench/fsm:v1" --plain-http "$REGISTRY"; }
dir() { "$dg" fsm dir "$root"; }
declare -A t
for r in $(seq 1 "$rounds"); do
  # alternate the order each round so caches favour no method
  if [ $((r % 2)) = 1 ]; then order="seed image dir"; else order="dir image seed"; fi
  for m in $order; do t[$m]+="$(secs "$m") "; done
done
stats() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { printf "min %.3f median %.3f max %.3f", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
median() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for m in seed image dir; do echo "# $m: $(stats "${t[$m]}") s over $rounds rounds"; done
awk -v a="$(median "${t[image]}")" -v b="$(median "${t[seed]}")" \
  'BEGIN { printf "fsm image / seed find|sort|sha256sum median ratio %.2f (%.3f s vs %.3f s)\n", a / b, a, b }'
awk -v a="$(median "${t[dir]}")" -v b="$(median "${t[seed]}")" \
  'BEGIN { printf "fsm dir / seed find|sort|sha256sum median ratio %.2f (%.3f s vs %.3f s)\n", a / b, a, b }'
