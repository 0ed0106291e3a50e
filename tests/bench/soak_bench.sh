#!/usr/bin/env bash
# tests/bench/soak_bench.sh — `driftgate serve` under a steady request rate for a long time,
# against the fixture world (tests/support/fixtures/world.sh, real docker-registry): 95 % of the
# reviews are the cached `ok` prod image, 5 % name a tag never seen before (a registry round trip,
# a negative cache entry, a denial). RSS is sampled every 5 s; growth is final vs the sample
# after warm-up, and must stay within 5 %. Then the same load on the ASan+UBSan build and under
# valgrind (memcheck), each ended by SIGTERM, with zero reports.
#
# Env: DG_SOAK_SECONDS (600), DG_SOAK_RATE (req/s, 400), DG_SOAK_SAN_SECONDS (60),
#      DG_SOAK_VALGRIND_SECONDS (60), DG_SOAK_SKIP="asan valgrind" to skip phases,
#      BUILD (release build dir), BUILD_ASAN (default $BUILD-asan; built here when missing).
# Prints: soak: ... RSS growth ratio final/baseline = R (G %); asan: 0 reports; valgrind: 0 errors
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
build_asan=${BUILD_ASAN:-$build-asan}
secs=${DG_SOAK_SECONDS:-600}
rate=${DG_SOAK_RATE:-400}
san_secs=${DG_SOAK_SAN_SECONDS:-60}
vg_secs=${DG_SOAK_VALGRIND_SECONDS:-60}
skip=${DG_SOAK_SKIP:-}
conns=8

fail() { echo "not ok - soak: $*"; exit 1; }
for c in wrk curl openssl python3; do command -v "$c" > /dev/null || fail "$c not installed"; done
[ -x "$build/driftgate" ] || fail "no driftgate at $build/driftgate (make unit)"

tmp=$(mktemp -d)
pids=()
world_dir=$tmp/world
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
  "$top/tests/support/fixtures/world.sh" stop "$world_dir" > /dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

"$top/certs/mint.sh" "$tmp/certs" 127.0.0.1 localhost > /dev/null 2>&1 || fail "certs/mint.sh failed"
"$top/tests/support/fixtures/world.sh" "$world_dir" none > "$tmp/world.log" 2>&1 ||
  fail "world.sh failed: $(tail -3 "$tmp/world.log")"
# shellcheck disable=SC1091 # written by a fixture at run time
. "$world_dir/world.env"
bash "$top/tests/integration/review-objects.sh" -k pod "$PROD_OK" | python3 "$here/pod-review.py" > "$tmp/hit.json" ||
  fail "rendering the review failed"
# The miss body: the same review with the tag replaced by a marker the Lua script fills in.
python3 - "$tmp/hit.json" "$PROD_OK" > "$tmp/miss.json" <<'PY'
import sys
body, image = open(sys.argv[1]).read(), sys.argv[2]
print(body.replace(image, image.rsplit(":", 1)[0] + ":soak-TAGMARK"), end="")
PY
grep -q TAGMARK "$tmp/miss.json" || fail "could not make the cache-miss body"

# wrk at a steady rate: each connection waits `delay` ms between requests (wrk's delay()).
delay_ms=$(( conns * 1000 / rate ))
cat > "$tmp/soak.lua" <<LUA
local function slurp(p) local f = assert(io.open(p, "rb")); local b = f:read("*a"); f:close(); return b end
local hit, miss = slurp("$tmp/hit.json"), slurp("$tmp/miss.json")
local n = 0
local headers = {["Content-Type"] = "application/json", ["User-Agent"] = "kube-apiserver-admission"}
function setup(thread) thread:set("id", math.random(1, 1000000000)) end
function request()
  n = n + 1
  if n % 20 == 0 then  -- 5 %: a tag nobody asked for yet
    return wrk.format("POST", nil, headers, (miss:gsub("TAGMARK", id .. "-" .. n)))
  end
  return wrk.format("POST", nil, headers, hit)
end
function delay() return $delay_ms end
LUA

config() { # PORT → config file
  { printf 'listen: "127.0.0.1:%s"\ntls: {cert: %s, key: %s}\n' "$1" "$tmp/certs/tls.crt" "$tmp/certs/tls.key"
    # The shipped cache defaults (no cache: key): a miss's negative entry expires within
    # seconds and the cache sweeps expired entries, so the misses (20/s at 400 req/s) do not
    # pile up to the entry bound after the warm-up.
    printf 'policy: %s\nregistry: {plainHTTP: ["%s"]}\nworkers: 4\nlog: {level: error}\n' "$POLICY" "$REGISTRY"
  } > "$tmp/config-$1.yaml"
  echo "$tmp/config-$1.yaml"
}
wait_up() { # port pid seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    curl -sf --cacert "$tmp/certs/ca.crt" -o /dev/null "https://127.0.0.1:$1/readyz" && return 0
    kill -0 "$2" 2> /dev/null || return 1
    sleep 0.1
  done
  return 1
}
warm() { # port: the first review fills the cache
  curl -sf --cacert "$tmp/certs/ca.crt" -o /dev/null -H 'Content-Type: application/json' \
    --data-binary "@$tmp/hit.json" "https://127.0.0.1:$1/validate?timeout=10s"
}
load() { # port seconds → wrk output file
  wrk -t2 -c"$conns" -d"$2s" --timeout 10s -s "$tmp/soak.lua" "https://127.0.0.1:$1/validate?timeout=10s" \
    > "$tmp/wrk-$1.txt" 2>&1
  echo "$tmp/wrk-$1.txt"
}
wrk_ok() { # wrk output → fails on errors
  grep -q 'Non-2xx' "$1" && fail "non-2xx answers: $(grep Non-2xx "$1")"
  grep -qE 'Socket errors:.*(connect [1-9]|timeout [1-9]|read [1-9])' "$1" && fail "$(grep 'Socket errors' "$1")"
  awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2> /dev/null; }
stop() { # pid: SIGTERM, then rc = its exit code (not in $(...): wait needs the parent shell)
  kill -TERM "$1"; wait "$1"; rc=$?
}

# --- phase 1: the release build, sampled ---
port=$(free_port)
"$build/driftgate" serve --config "$(config "$port")" 2> "$tmp/release.log" &
dg=$!; pids+=("$dg")
wait_up "$port" "$dg" 30 || fail "driftgate did not start: $(tail -3 "$tmp/release.log")"
warm "$port" || fail "warm-up review failed"
load "$port" "$secs" > /dev/null &
wrk_pid=$!; pids+=("$wrk_pid")
warmup=$(( secs / 10 < 60 ? secs / 10 : 60 ))
samples=()
start=$(date +%s)
while kill -0 "$wrk_pid" 2> /dev/null; do
  sleep 5
  r=$(rss_kb "$dg"); [ -n "$r" ] || fail "driftgate died during the soak: $(tail -3 "$tmp/release.log")"
  t=$(( $(date +%s) - start ))
  samples+=("$t:$r")
  echo "# t=${t}s rss=${r} kB"
done
rps=$(wrk_ok "$tmp/wrk-$port.txt")
base=; final=; peak=0
for s in "${samples[@]}"; do
  t=${s%%:*}; r=${s##*:}
  [ -z "$base" ] && [ "$t" -ge "$warmup" ] && base=$r
  [ "$r" -gt "$peak" ] && peak=$r
  final=$r
done
[ -n "$base" ] || fail "too short to sample after the ${warmup}s warm-up"
hits=$(curl -s --cacert "$tmp/certs/ca.crt" "https://127.0.0.1:$port/metrics" | awk '$1=="driftgate_cache_hits_total"{print $2}')
stop "$dg"
[ "$rc" = 0 ] || fail "release build exited $rc on SIGTERM"
growth=$(python3 -c "print(f'{($final - $base) * 100 / $base:.2f}')")
ratio=$(python3 -c "print(f'{$final / $base:.4f}')")
echo "soak: ${secs}s at ${rps} req/s (target $rate, 5 % cache misses), cache hits $hits; RSS baseline ${base} kB (t=${warmup}s) final ${final} kB peak ${peak} kB; RSS growth ratio final/baseline = $ratio ($growth %)"
python3 -c "import sys; sys.exit(0 if $final <= $base * 1.05 else 1)" || fail "RSS grew $growth % (> 5 %)"

# --- phase 2: ASan + UBSan build under the same load ---
if [[ " $skip " != *" asan "* ]]; then
  if [ ! -x "$build_asan/driftgate" ]; then
    make -s -C "$top" SAN=address,undefined BUILD="$build_asan" "$build_asan/driftgate" > "$tmp/asan-make.log" 2>&1 ||
      fail "ASan build failed: $(tail -3 "$tmp/asan-make.log")"
  fi
  port=$(free_port)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=66 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build_asan/driftgate" serve --config "$(config "$port")" 2> "$tmp/asan.log" &
  dg=$!; pids+=("$dg")
  wait_up "$port" "$dg" 60 || fail "ASan driftgate did not start: $(tail -3 "$tmp/asan.log")"
  warm "$port" || fail "ASan warm-up failed"
  arps=$(wrk_ok "$(load "$port" "$san_secs")")
  stop "$dg"
  reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$tmp/asan.log")
  echo "asan: ${san_secs}s at ${arps} req/s, exit $rc, $reports reports"
  { [ "$rc" = 0 ] && [ "$reports" = 0 ]; } || fail "ASan/UBSan: $(grep -m3 -E 'ERROR|runtime error' "$tmp/asan.log")"
fi

# --- phase 3: valgrind memcheck on the release build ---
if [[ " $skip " != *" valgrind "* ]]; then
  command -v valgrind > /dev/null || fail "valgrind not installed"
  port=$(free_port)
  valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --log-file="$tmp/valgrind.log" \
    "$build/driftgate" serve --config "$(config "$port")" 2> "$tmp/vg-serve.log" &
  dg=$!; pids+=("$dg")
  wait_up "$port" "$dg" 120 || fail "driftgate under valgrind did not start: $(tail -3 "$tmp/vg-serve.log" "$tmp/valgrind.log")"
  warm "$port" || fail "valgrind warm-up failed"
  vrps=$(wrk_ok "$(load "$port" "$vg_secs")")
  stop "$dg"
  errors=$(grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|.*definitely lost)' "$tmp/valgrind.log")
  echo "valgrind: ${vg_secs}s at ${vrps} req/s, exit $rc, $errors errors"
  { [ "$rc" = 0 ] && [ "$errors" = 0 ]; } || fail "valgrind: $(head -20 "$tmp/valgrind.log")"
fi
echo "ok - soak"
