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
# shellcheck source=tests/lib/python_direct.sh
. "$top/tests/lib/python_direct.sh"
python_direct "$top/build/python-direct"

count() { # name, file with TAP output, exit code, seconds
  local p f
  p=$(grep -cE '^ok ' "$2" || true)
  f=$(grep -cE '^not ok ' "$2" || true)
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $1 exited $3 without a failing test (crash?)" | tee -a "$2"
    f=$((f + 1))
  fi
  passed=$((passed + p)); failed=$((failed + f))
  local wall cpu
  read -r wall cpu <<< "${4:-}"
  printf '%-60s %4d passed %3d failed %s\n' "$1" "$p" "$f" "${wall:+$(printf '%4s s (cpu %s s)' "$wall" "$cpu")}"
  if [ "$f" -ne 0 ]; then grep -E '^not ok |^#' "$2" | head -40; tail -20 "$2" | grep -vE '^(ok|not ok) ' | head -20; fi
}

# Suites run $jobs at a time (DG_JOBS, default one more than the core count: measured on 2 cores,
# suites two at a time kept the CPUs 54-62 % busy, the rest is waiting on registries and
# servers), each into its own TAP file; the ones that measure time (request timeouts, deadlines,
# slow peers, retry back-off) run alone first, with the machine to themselves. They are counted
# in name order either way.
jobs=${DG_JOBS:-$(($(nproc) + 1))}
timed='http/server_test|pipeline/image_check_test|http/loop_review_test|registry/retry_test|pipeline/workers_test|faults_test|deadline_test|connection_bounds_test|registry_bounds_test|shutdown_test|metrics_test|server_test.sh|reload_test|cache_test.sh'

launch() { # out file, timeout seconds, command...: runs it, leaves <out>.rc and <out>.secs
  local out=$1 limit=$2 start rc cpu TIMEFORMAT='%U %S'
  shift 2
  start=$(date +%s)
  { time timeout "$limit" "$@" > "$out" 2>&1; } 2> "$out.cpu"; rc=$?
  echo "$rc" > "$out.rc"
  # wall seconds, then CPU seconds (user + system, the suite and everything it started)
  cpu=$(awk '{ printf "%.0f", $1 + $2 }' "$out.cpu" 2> /dev/null)
  echo "$(($(date +%s) - start)) ${cpu:-?}" > "$out.secs"
}

# The next build (the ASan tree, then the fuzz targets) starts in the background, at low
# priority, once the current build's timed suites are done: the other suites spend much of their
# time waiting on registries and servers, and the build uses that idle CPU.
build_tree() { # build dir, sanitizer: leaves make's log and exit code under $log_dir
  local log
  log=$log_dir/make-$(basename "$1")
  make -s -j"$(nproc)" BUILD="$1" SAN="$2" unit > "$log.log" 2>&1
  echo $? > "$log.rc"
}
next_build=() # what to start in the background after the timed suites: build dir, sanitizer
prebuilt=''   # the build dir started in the background, and its pid
prebuild_pid=''
start_next_build() {
  if [ ${#next_build[@]} -eq 2 ]; then
    rm -f "$log_dir/make-$(basename "${next_build[0]}").rc"
    (renice -n 10 "$BASHPID" > /dev/null; build_tree "${next_build[@]}") &
    prebuild_pid=$!; prebuilt=${next_build[0]}
  elif [ "${next_build[0]:-}" = fuzz ]; then
    FUZZ_BUILD_ONLY=1 nice -n 10 bash tests/fuzz/run.sh 1 > "$log_dir/fuzz-build.log" 2>&1 &
    prebuild_pid=$!; prebuilt=fuzz
  fi
  next_build=()
}

run_suite() { # build dir, sanitizer
  local build=$1 san=$2 t out i
  local -a names=() outs=() cmds=()
  echo "== build $build ${san:+(SAN=$san)}"
  if [ "$prebuilt" = "$build" ]; then
    # Already reaped when the suites' `wait` collected it: its exit code is in the .rc file.
    wait "$prebuild_pid" 2> /dev/null; prebuilt=''
  else
    build_tree "$build" "$san"
  fi
  if [ "$(cat "$log_dir/make-$(basename "$build").rc" 2> /dev/null)" != 0 ]; then
    tail -40 "$log_dir/make-$(basename "$build").log"
    echo "not ok - build $build"
    failed=$((failed + 1))
    return
  fi
  for t in $(find "$build/tests/unit" -type f -name '*_test' | sort); do
    [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
    names+=("${t#"$build"/}")
    outs+=("$log_dir/$(echo "${t#"$build"/}" | tr / _).$(basename "$build").tap")
    cmds+=("300 $t")
  done
  for t in $(find tests/install tests/golden tests/vectors tests/integration tests/security -maxdepth 1 -name '*_test.sh' 2>/dev/null | sort); do
    [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
    # tests/install runs no C (install-deps.sh with stubbed package tools): once is enough.
    [ -n "$san" ] && [[ "$t" == tests/install/* ]] && continue
    names+=("$t [$(basename "$build")]")
    outs+=("$log_dir/$(echo "$t" | tr / _).$(basename "$build").tap")
    cmds+=("900 env BUILD=$top/$build SAN=$san bash $t")
  done
  for i in "${!names[@]}"; do # the timed ones, alone
    [[ "${names[$i]}" =~ $timed ]] || continue
    rm -f "${outs[$i]}.rc"
    # shellcheck disable=SC2086 # cmds holds "limit command..." in plain words (no spaces in paths)
    launch "${outs[$i]}" ${cmds[$i]}
  done
  start_next_build
  for i in "${!names[@]}"; do # the rest, $jobs at a time
    [[ "${names[$i]}" =~ $timed ]] && continue
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    rm -f "${outs[$i]}.rc"
    # shellcheck disable=SC2086
    launch "${outs[$i]}" ${cmds[$i]} &
  done
  wait
  for i in "${!names[@]}"; do
    out=${outs[$i]}
    [ -f "$out.rc" ] || { echo "not ok - ${names[$i]} left no exit code" >> "$out"; echo 1 > "$out.rc"; }
    count "${names[$i]}" "$out" "$(cat "$out.rc")" "$(cat "$out.secs" 2> /dev/null)"
  done
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -z "${DG_NO_ASAN:-}" ]; then next_build=(build-asan "address,undefined"); fi
run_suite build ""
if [ -z "${DG_NO_ASAN:-}" ]; then
  if [ -n "${DG_FUZZ_SECONDS:-}" ]; then next_build=(fuzz); fi
  run_suite build-asan "address,undefined"
fi
# libFuzzer targets (CI sets DG_FUZZ_SECONDS=10): every parser of untrusted input, each for that
# long on a copy of its seed corpus, two at a time.
if [ -n "${DG_FUZZ_SECONDS:-}" ]; then
  echo "== fuzz ${DG_FUZZ_SECONDS}s per target"
  if [ "$prebuilt" = fuzz ]; then wait "$prebuild_pid" 2> /dev/null; prebuilt=''; fi
  out="$log_dir/fuzz.tap"
  bash tests/fuzz/run.sh "$DG_FUZZ_SECONDS" > "$out" 2>&1; rc=$?
  count "tests/fuzz/run.sh ${DG_FUZZ_SECONDS}s" "$out" "$rc"
  grep -E '^(ok|not ok) ' "$out"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
