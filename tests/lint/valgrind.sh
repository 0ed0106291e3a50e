#!/usr/bin/env bash
# tests/lint/valgrind.sh [FILTER] — every unit test binary in $BUILD (default build/, a non-ASan
# build: valgrind and ASan do not mix) under memcheck. One TAP line per binary: `ok` when valgrind
# reports no error (invalid access, uninitialised use, definite/indirect leak) and the test itself
# passed. FILTER keeps binaries whose path contains it. VALGRIND_TIMEOUT (default 600 s) per binary.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${BUILD:-build}
limit=${VALGRIND_TIMEOUT:-600}
filter=${1:-}
logs=$build/valgrind
if ! command -v valgrind > /dev/null; then
  echo "not ok - valgrind: not installed (apt-get install valgrind)"
  exit 1
fi
if [ -e "$build/tests/unit" ] && nm -an "$(find "$build/tests/unit" -type f -name '*_test' | head -1)" 2>/dev/null | grep -q __asan_init; then
  echo "not ok - valgrind: $build is an ASan build; use a build without SAN"
  exit 1
fi
mkdir -p "$logs"
failed=0
count=0
while read -r t; do
  [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
  count=$((count + 1))
  name=${t#"$build"/}
  log=$logs/$(echo "$name" | tr / _).log
  # 99 = valgrind found an error; anything else non-zero is the test's own failure or a timeout.
  timeout "$limit" valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --track-fds=no --num-callers=20 --log-file="$log.vg" "$t" > "$log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "ok - valgrind $name"
  else
    case $rc in
      99) why="memcheck errors" ;;
      124) why="timed out after ${limit}s" ;;
      *) why="test exited $rc" ;;
    esac
    echo "not ok - valgrind $name: $why (log $log.vg)"
    grep -E '^==[0-9]+== ' "$log.vg" | head -15 | sed 's/^/#   /'
    grep -E '^not ok' "$log" | head -5 | sed 's/^/#   /'
    failed=$((failed + 1))
  fi
done < <(find "$build/tests/unit" -type f -name '*_test' 2>/dev/null | sort)
if [ "$count" -eq 0 ]; then
  echo "not ok - valgrind: no unit test binaries under $build/tests/unit (make unit BUILD=$build)"
  exit 1
fi
[ "$failed" -eq 0 ]
