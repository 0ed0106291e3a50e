#!/usr/bin/env bash
# The whole suite, twice: a release build, then an ASan+UBSan build. Every suite prints TAP
# ("ok ..." / "not ok ..."); this script counts them and ends with "N passed, N failed".
# Suites: unit binaries (tests/unit/**/_test.c), then every tests/{install,golden,vectors,integration,security}/*_test.sh
# with BUILD=<build dir> in the environment.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export DG_SHARED=${DG_SHARED:-$(cd "$top/.." && pwd)/shared}
log_dir=${DG_TEST_LOG:-$top/build/test-logs}
mkdir -p "$log_dir"
passed=0
failed=0
only=${DG_ONLY:-}

count() { # name, file with TAP output, exit code
  local p f
  p=$(grep -cE '^ok ' "$2" || true)
  f=$(grep -cE '^not ok ' "$2" || true)
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $1 exited $3 without a failing test (crash?)" | tee -a "$2"
    f=$((f + 1))
  fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '%-60s %4d passed %3d failed\n' "$1" "$p" "$f"
  if [ "$f" -ne 0 ]; then grep -E '^not ok |^#' "$2" | head -40; tail -20 "$2" | grep -vE '^(ok|not ok) ' | head -20; fi
}

run_suite() { # build dir, sanitizer
  local build=$1 san=$2 t out rc
  echo "== build $build ${san:+(SAN=$san)}"
  if ! make -s -j"$(nproc)" BUILD="$build" SAN="$san" unit > "$log_dir/make-$(basename "$build").log" 2>&1; then
    tail -40 "$log_dir/make-$(basename "$build").log"
    echo "not ok - build $build"
    failed=$((failed + 1))
    return
  fi
  for t in $(find "$build/tests/unit" -type f -name '*_test' | sort); do
    [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
    out="$log_dir/$(echo "${t#"$build"/}" | tr / _).$(basename "$build").tap"
    timeout 300 "$t" > "$out" 2>&1; rc=$?
    count "${t#"$build"/}" "$out" "$rc"
  done
  for t in $(find tests/install tests/golden tests/vectors tests/integration tests/security -maxdepth 1 -name '*_test.sh' 2>/dev/null | sort); do
    [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
    # tests/install runs no C (install-deps.sh with stubbed package tools): once is enough.
    [ -n "$san" ] && [[ "$t" == tests/install/* ]] && continue
    out="$log_dir/$(echo "$t" | tr / _).$(basename "$build").tap"
    BUILD="$top/$build" SAN="$san" timeout 900 bash "$t" > "$out" 2>&1; rc=$?
    count "$t [$(basename "$build")]" "$out" "$rc"
  done
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_suite build ""
if [ -z "${DG_NO_ASAN:-}" ]; then
  run_suite build-asan "address,undefined"
fi
# libFuzzer targets (CI sets DG_FUZZ_SECONDS=15): every parser of untrusted input, each for that
# long on a copy of its seed corpus, two at a time.
if [ -n "${DG_FUZZ_SECONDS:-}" ]; then
  echo "== fuzz ${DG_FUZZ_SECONDS}s per target"
  out="$log_dir/fuzz.tap"
  bash tests/fuzz/run.sh "$DG_FUZZ_SECONDS" > "$out" 2>&1; rc=$?
  count "tests/fuzz/run.sh ${DG_FUZZ_SECONDS}s" "$out" "$rc"
  grep -E '^(ok|not ok) ' "$out"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
