#!/usr/bin/env bash
# STYLE §2: the policy lint toolchain (webhook/lint/: JSON Schema evaluator, ECMAScript patterns)
# and cli/lint.c are reachable from `driftgate policy lint` only, never linked into the request
# path. $BUILD/serve-closure links `driftgate serve` alone against libdriftgate.a (the Makefile
# keeps its link map); this fails if any of those objects, or any wh_lint_* symbol, is in it.
# Usage: tests/lint/check-closure.sh [BUILD]   (make check-layers builds and runs it)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
bin=$build/serve-closure
map=$bin.map
if [ ! -x "$bin" ] || [ ! -s "$map" ]; then
  echo "check-closure: $bin or its map is missing (make $bin)"
  exit 1
fi
bad=0
mapfile -t members < <(grep -oE 'libdriftgate\.a\([^)]+\.o\)' "$map" | sed -E 's/.*\((.*)\)/\1/' | sort -u)
for src in webhook/lint/*.c webhook/cli/lint.c "$build/gen/lint/schema_text.c"; do
  obj=$(basename "${src%.c}.o")
  for m in "${members[@]}"; do
    if [ "$m" = "$obj" ]; then
      echo "check-closure: $src is linked into driftgate serve (reach it from cli/ only)"
      bad=1
    fi
  done
done
# wh_lint_*: lint/'s API; ecma_*: the ECMAScript grammar's functions (lint/pattern.c's statics).
syms=$(nm --defined-only "$bin" | awk '$3 ~ /^(wh_lint_|ecma_)/ {print $3}')
if [ -n "$syms" ]; then
  echo "check-closure: lint symbols in driftgate serve: $(echo "$syms" | tr '\n' ' ')"
  bad=1
fi
[ $bad -eq 0 ] && echo "check-closure: ok (driftgate serve links ${#members[@]} of $(ar t "$build/libdriftgate.a" | wc -l) objects, none of lint/)"
exit $bad
