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
# One output file per source file, so parallel runs do not interleave.
# shellcheck disable=SC2016 # $0/$1 are the inner sh -c's arguments
printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -I{} sh -c \
  'clang-tidy --quiet "$0" -- $1 -std=c11 -D_GNU_SOURCE > "$2/$(echo "$0" | tr / _).out" 2>&1 || echo "$0" >> "$2/failed"' \
  {} "$flags" "$out"
cat "$out"/*.out | grep -vE '^[0-9]+ warnings? (generated|treated as errors)\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' || true
if [ -s "$out/failed" ]; then
  n=$(cat "$out"/*.out | grep -cE ': (error|warning): ' || true)
  echo "tidy: $n findings in $(sort -u "$out/failed" | wc -l) of ${#todo[@]} files: $(sort -u "$out/failed" | tr '\n' ' ')"
  echo "tidy: fix each, or silence it on its line with NOLINT(check) and a comment saying why (STYLE §8)"
  exit 1
fi
echo "tidy: ok (${#todo[@]} files)"
