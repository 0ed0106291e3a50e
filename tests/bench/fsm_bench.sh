#!/usr/bin/env bash
# fsm bench (issue 16): `driftgate fsm image` (registry layers → expected manifest) and `fsm dir`
# (walk + hash of the unpacked tree) on a 10,000-file image, against seed 001's method on the same
# tree, `find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum` (content
# only). 3 rounds, the methods alternated within each round; per-round ratios to the seed's
# method as min/median/max (tests/bench/lib.sh).
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
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
: > "$work/image.rounds"
: > "$work/dir.rounds"
for r in $(seq 1 "$rounds"); do
  # alternate the order each round so caches favour no method
  if bench_first_odd "$r"; then
    s=$(secs seed); i=$(secs image); d=$(secs dir)
  else
    d=$(secs dir); i=$(secs image); s=$(secs seed)
  fi
  echo "$i $s" >> "$work/image.rounds"
  echo "$d $s" >> "$work/dir.rounds"
done
bench_ratio "fsm image ($files files, wall s)" "fsm-image" "seed-find|sort|sha256sum" s "$work/image.rounds"
bench_ratio "fsm dir ($files files, wall s)" "fsm-dir" "seed-find|sort|sha256sum" s "$work/dir.rounds"
