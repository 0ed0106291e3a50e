#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [TARGET...] — build and run every libFuzzer target.
#
# Each tests/fuzz/<target>.c (defining LLVMFuzzerTestOneInput) is linked with clang
# -fsanitize=fuzzer,address,undefined against every webhook/**/*.c except main.c, into
# build-fuzz/ (FUZZ_BUILD overrides). Library sources are compiled one by one into an archive, so
# one module that does not compile only fails the targets that need it. Each target runs SECONDS
# on a fresh copy of tests/fuzz/corpus/<target>/ (new seeds stay in build-fuzz/, not in git;
# FUZZ_MERGE=1 merges them back with -merge=1). tests/fuzz/<target>.dict is used when present.
# FUZZ_BUILD_ONLY=1 builds every target and runs none (tests/run.sh builds them while suites run).
# Prints `ok - fuzz <target> (N execs)` or `not ok - fuzz <target>: <crash file>`.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${1:-60}
shift || true
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
out=${FUZZ_BUILD:-$top/build-fuzz}
CC=${FUZZ_CC:-clang}
flags=(-std=c11 -D_GNU_SOURCE -Iwebhook -Itests -DH2O_USE_LIBUV=0 -isystem /usr/include/x86_64-linux-gnu
       -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all)
libs=(-lh2o-evloop -ljansson -lyaml -lpcre2-8 -lssl -lcrypto -lz -lpthread -lm)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$out/obj" "$out/bin" "$out/corpus" "$out/crashes" "$out/logs"
failed=0

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in tests/fuzz/*.c; do [ -e "$f" ] && targets+=("$(basename "$f" .c)"); done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "not ok - fuzz: no targets in tests/fuzz/*.c"
  exit 1
fi

# Library objects: instrumented for coverage (fuzzer-no-link), rebuilt when the source or any
# header is newer, FUZZ_JOBS (default: one per core) compiles at a time.
jobs=${FUZZ_JOBS:-$(nproc)}
compile_one() { # src: compiles it into $out/obj, or leaves no object and says why
  local src=$1 o log
  o=$(obj_of "$src")
  log=$out/logs/$(echo "${src%.c}" | tr / _).log
  mkdir -p "$(dirname "$o")"
  if ! "$CC" "${flags[@]}" -fsanitize=fuzzer-no-link,address,undefined -c "$src" -o "$o.tmp" 2> "$log"; then
    { echo "# fuzz: $src does not compile (targets needing it will fail to link):"; sed 's/^/#   /' "$log" | head -5; } > "$log.why"
    rm -f "$o" "$o.tmp"
    return
  fi
  mv "$o.tmp" "$o"
}
# The generated sources (the Makefile's GEN_SRCS), regenerated when their input or script is newer.
gen() { # script input output
  if [ ! -f "$3" ] || [ "$1" -nt "$3" ] || [ "$2" -nt "$3" ]; then mkdir -p "$(dirname "$3")" && sh "$1" "$2" "$3"; fi
}
gen webhook/lint/embed-schema.sh policy/schema.json "$out/gen/lint/schema_text.c"
gen webhook/policy/embed-seed.sh policy/default.yaml "$out/gen/policy/seed_text.c"
gen webhook/policy/embed-keys.sh policy/schema.json "$out/gen/policy/keys.c"
obj_of() { case $1 in "$out"/gen/*) echo "$out/obj/gen/${1#"$out"/gen/}" | sed 's/\.c$/.o/' ;; *) echo "$out/obj/${1%.c}.o" ;; esac; }
mapfile -t srcs < <(find webhook -name '*.c' ! -path webhook/main.c | sort; find "$out/gen" -name '*.c' | sort)
stale=0
for src in "${srcs[@]}"; do
  o=$(obj_of "$src")
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find webhook -name '*.h' -newer "$o" -print -quit)" ]; then
    stale=1
    rm -f "$out/logs/$(echo "${src%.c}" | tr / _).log.why"
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    compile_one "$src" &
  fi
done
wait
objs=()
for src in "${srcs[@]}"; do
  o=$(obj_of "$src")
  why=$out/logs/$(echo "${src%.c}" | tr / _).log.why
  if [ -f "$why" ]; then cat "$why"; fi
  if [ -f "$o" ]; then objs+=("$o"); else stale=1; fi
done
if [ "$stale" = 1 ] || [ ! -f "$out/libfuzz.a" ]; then
  rm -f "$out/libfuzz.a"
  ar rcs "$out/libfuzz.a" "${objs[@]}"
fi

# One target: build, run on a fresh corpus copy, write its TAP line(s) to $out/results/<t>.
run_target() {
  local t=$1 src=tests/fuzz/$1.c bin=$out/bin/$1 log=$out/logs/$1.log res=$out/results/$1
  local corpus rc execs crash dict=()
  if [ ! -f "$src" ]; then
    echo "not ok - fuzz $t: no $src" > "$res"; return
  fi
  # Linked again when the target or the library is newer (FUZZ_BUILD_ONLY=1 links them ahead).
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$out/libfuzz.a" -nt "$bin" ]; then
    if ! "$CC" "${flags[@]}" -fsanitize=fuzzer,address,undefined "$src" "$out/libfuzz.a" \
          "${libs[@]}" -o "$bin" > "$log" 2>&1; then
      rm -f "$bin"
      { echo "not ok - fuzz $t: build failed ($log)"; sed 's/^/#   /' "$log" | head -8; } > "$res"
      return
    fi
  fi
  if [ -n "${FUZZ_BUILD_ONLY:-}" ]; then echo "ok - fuzz $t built" > "$res"; return; fi
  corpus=$out/corpus/$t
  rm -rf "$corpus"
  mkdir -p "$corpus" "$out/crashes/$t"
  if [ -d "tests/fuzz/corpus/$t" ]; then cp -r "tests/fuzz/corpus/$t/." "$corpus/"; fi
  rm -f "$out/crashes/$t"/*
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  "$bin" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/crashes/$t/" "$corpus" > "$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crash=$(find "$out/crashes/$t" -type f | head -1)
  if [ "$rc" -eq 0 ] && [ -z "$crash" ] && [ -n "$execs" ]; then
    echo "ok - fuzz $t (${execs} execs in ${secs}s, corpus $(find "$corpus" -type f | wc -l) files)" > "$res"
    if [ -n "${FUZZ_MERGE:-}" ]; then
      mkdir -p "tests/fuzz/corpus/$t"
      "$bin" -merge=1 "tests/fuzz/corpus/$t" "$corpus" > "$out/logs/$t.merge.log" 2>&1 ||
        echo "# fuzz $t: merge failed ($out/logs/$t.merge.log)" >> "$res"
    fi
  else
    {
      echo "not ok - fuzz $t: exit $rc, crash file ${crash:-none} (log $log)"
      grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*[Aa]ssert|#[0-9]+ 0x)' "$log" | head -12 | sed 's/^/#   /'
      [ -n "$crash" ] && echo "#   reproduce: $bin $crash"
    } > "$res"
  fi
}

# FUZZ_JOBS targets at a time (default: one per core); results print in target order.
mkdir -p "$out/results"
running=0
for t in "${targets[@]}"; do
  rm -f "$out/results/$t"
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
for t in "${targets[@]}"; do
  if [ -f "$out/results/$t" ]; then cat "$out/results/$t"; else echo "not ok - fuzz $t: no result"; fi
  grep -q '^not ok' "$out/results/$t" 2>/dev/null && failed=$((failed + 1))
done
[ "$failed" -eq 0 ]
