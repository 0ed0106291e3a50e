#!/usr/bin/env bash
# STYLE §8: clang-tidy over webhook/ with the committed .clang-tidy, whose warnings are errors.
# Usage: tests/lint/tidy.sh [FILE.c...]   (default: every webhook/**/*.c but the skipped ones)
# TIDY_JOBS files at a time (default: nproc). Compiler flags: TIDY_FLAGS (the Makefile passes
# its CPPFLAGS). Prints each finding with its notes; ends "tidy: ok (N files)" or fails.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# Files to leave out, each with why (none: the pattern.c engine PCRE2 replaced is gone).
skip=()
jobs=${TIDY_JOBS:-$(nproc)}
flags=${TIDY_FLAGS:--Iwebhook -Itests -DH2O_USE_LIBUV=0 -isystem /usr/include/x86_64-linux-gnu}
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is not installed (bash tests/install-deps.sh)"; exit 1; }
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find webhook -name '*.c' | sort)
fi
todo=()
for f in "${files[@]}"; do
  for s in "${skip[@]}"; do [ "$f" = "$s" ] && continue 2; done
  todo+=("$f")
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# A file that passed before is not analysed again: its key is the sha256 of clang-tidy's version,
# .clang-tidy, the flags and the file's whole translation unit as clang preprocesses it with
# comments kept (-E -C: every header's text and every NOLINT), so any change that could change a
# finding changes the key. Only passes are kept (ccache's rule for a deterministic tool), under
# DG_TIDY_CACHE (default ~/.cache/driftgate/tidy); DG_TIDY_CACHE=off analyses every file.
cache=${DG_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/driftgate/tidy}
if [ "$cache" != off ]; then
  mkdir -p "$cache" 2> /dev/null || cache=off
fi
base=$( { clang-tidy --version; cat .clang-tidy; echo "$flags"; } | sha256sum | cut -c1-64)
# One output file per source file, so parallel runs do not interleave.
# shellcheck disable=SC2016 # $0..$4 are the inner bash -c's arguments
printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -I{} bash -c '
  f=$0 flags=$1 out=$2 cache=$3 base=$4 key=""
  name=$(echo "$f" | tr / _)
  if [ "$cache" != off ]; then
    # shellcheck disable=SC2086 # $flags is a list of compiler flags
    key=$( { echo "$base"; clang -E -C $flags -std=c11 -D_GNU_SOURCE "$f" 2>&1; } | sha256sum | cut -c1-64)
    if [ -f "$cache/$key" ]; then echo "$f" >> "$out/cached"; : > "$out/$name.out"; exit 0; fi
  fi
  # shellcheck disable=SC2086
  if clang-tidy --quiet "$f" -- $flags -std=c11 -D_GNU_SOURCE > "$out/$name.out" 2>&1; then
    if [ -n "$key" ]; then : > "$cache/$key"; fi
  else
    echo "$f" >> "$out/failed"
  fi' {} "$flags" "$out" "$cache" "$base"
cat "$out"/*.out | grep -vE '^[0-9]+ warnings? (generated|treated as errors)\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' || true
if [ -s "$out/failed" ]; then
  n=$(cat "$out"/*.out | grep -cE ': (error|warning): ' || true)
  echo "tidy: $n findings in $(sort -u "$out/failed" | wc -l) of ${#todo[@]} files: $(sort -u "$out/failed" | tr '\n' ' ')"
  echo "tidy: fix each, or silence it on its line with NOLINT(check) and a comment saying why (STYLE §8)"
  exit 1
fi
hits=0
if [ -f "$out/cached" ]; then hits=$(wc -l < "$out/cached"); fi
echo "tidy: ok (${#todo[@]} files, $hits unchanged since they last passed: $cache)"
