#!/usr/bin/env bash
# tests/bench/http_bench.sh — a cached admission review through `driftgate serve` versus nginx
# answering the same bytes with a fixed 200, both over TLS 1.3 with keep-alive on 127.0.0.1, both
# driven by wrk POSTing the same AdmissionReview body, in the shapes issue 15 sets targets for:
# -t1 -c16, -t2 -c16, -t2 -c32 (req/s ≥ 0.7× nginx, p99 ≤ 1.5× nginx) and one connection
# (-t1 -c1: p50 ≤ 1.3× nginx). Each round runs every shape on both servers, one after the other,
# the order swapped every round; each ratio is printed as min/median/max over the rounds.
#
#   http_bench.sh [--review FILE] [--config-extra FILE] [--driftgate BIN] [--world] [--nginx-only]
#                 [--duration 5s] [--rounds 3] [--shapes "1x16 2x16 2x32 1x1"] [--perf] [--no-mix]
#
#   --review FILE        AdmissionReview JSON POSTed by wrk (default: review-objects.sh's Pod,
#                        apiserver-defaulted by pod-review.py, ~3 KB)
#   --config-extra FILE  driftgate config YAML *without* listen/tls (policy, registry, workers...);
#                        the bench prepends `listen` and `tls` (its own cert from certs/mint.sh)
#   --world              build tests/support/fixtures/world.sh (mode none) and review its `ok`
#                        prod image: config-extra and review made here (unless given)
#   --driftgate BIN      default $BUILD/driftgate (BUILD default build/)
#   --shapes LIST        wrk shapes THREADSxCONNECTIONS; 1x1 gives the one-connection p50 ratio
#   --perf               also count each server's CPU time and context switches over each wrk run
#                        (perf stat -e task-clock,context-switches -p PID, every thread) and print
#                        the per-request medians: the measure the machine's other load skews least
#   --record FILE        after the rounds, one more driftgate -t2 -c16 run under
#                        `perf record --call-graph dwarf` (every thread), written to FILE for `perf report -i FILE`
#   --no-mix             skip the 95 % cache-hit mix (driftgate only, -t2 -c16, once a round)
#   Env: DG_BENCH_REVIEW, DG_BENCH_CONFIG_EXTRA, DG_BENCH_WORLD=1 (set and empty: no world),
#   DG_BENCH_PERF=1, DG_BENCH_ROUNDS, DG_BENCH_DURATION, DG_BENCH_SHAPES as the flags.
# Without a driftgate config (no --config-extra/--world) only nginx is measured.
#
# nginx returns driftgate's own response body (captured after the warm-up request, which also
# fills the verification cache), so both send the same bytes; without driftgate, a fixed allow
# response of typical size. nginx: one worker (driftgate has one loop thread).
# Prints (tests/bench/lib.sh bench_ratio, with the target appended) per shape
# "http -tT -cC req/s: ratio driftgate/nginx min X median Y max Z (...); target >= 0.70: median
# meets it" and the same for p99 latency (<= 1.50), for 1x1 the p50 latency (<= 1.30); with
# --perf the CPU per request ratio and the context switches; the load before and after (uptime).
# Exits 1 when a ratio has fewer than 3 rounds (a missed target is printed, not a failure).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
review=${DG_BENCH_REVIEW:-}
extra=${DG_BENCH_CONFIG_EXTRA:-}
world=${DG_BENCH_WORLD-1}
dg=$build/driftgate
nginx_only=
perf=${DG_BENCH_PERF:-}
dur=${DG_BENCH_DURATION:-5s}
rounds=${DG_BENCH_ROUNDS:-3}
shapes=${DG_BENCH_SHAPES:-1x16 2x16 2x32 1x1}
mix=1
record=
while [ $# -gt 0 ]; do
  case $1 in
    --review) review=$2; shift ;;
    --config-extra) extra=$2; shift ;;
    --driftgate) dg=$2; shift ;;
    --world) world=1 ;;
    --nginx-only) nginx_only=1 ;;
    --perf) perf=1 ;;
    --duration) dur=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --shapes) shapes=$2; shift ;;
    --no-mix) mix= ;;
    --record) record=$2; shift ;;
    *) echo "usage: see the header of $0" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$nginx_only" ] && { extra=; world=; }

fail() { echo "not ok - http bench: $*"; exit 1; }
for c in wrk nginx curl openssl python3; do command -v "$c" > /dev/null || fail "$c not installed"; done
[ -z "$perf" ] || command -v perf > /dev/null || fail "--perf: perf not installed"

tmp=$(mktemp -d)
pids=()
world_dir=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
  [ -n "$world_dir" ] && "$top/tests/support/fixtures/world.sh" stop "$world_dir" > /dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_up() { # url, pid, seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    curl -sf --cacert "$tmp/certs/ca.crt" -o /dev/null "$1" && return 0
    kill -0 "$2" 2> /dev/null || return 1
    sleep 0.1
  done
  return 1
}

"$top/certs/mint.sh" "$tmp/certs" 127.0.0.1 localhost 2> "$tmp/mint.log" || fail "certs/mint.sh: $(cat "$tmp/mint.log")"

# --- the world (optional) and the request body ---
image=registry.example.com/demo/app:v1
if [ -n "$world" ]; then
  world_dir=$tmp/world
  "$top/tests/support/fixtures/world.sh" "$world_dir" none > "$tmp/world.log" 2>&1 ||
    fail "world.sh failed: $(tail -3 "$tmp/world.log")"
  # shellcheck disable=SC1091 # written by a fixture at run time
  . "$world_dir/world.env"
  image=$PROD_OK
  if [ -z "$extra" ]; then
    extra=$tmp/extra.yaml
    printf 'policy: %s\nregistry:\n  plainHTTP: ["%s"]\n' "$POLICY" "$REGISTRY" > "$extra"
    [ -n "${DOCKER_CONFIG:-}" ] && [ -f "$DOCKER_CONFIG" ] && printf '  dockerConfig: %s\n' "$DOCKER_CONFIG" >> "$extra"
  fi
fi
if [ -z "$review" ]; then
  review=$tmp/review.json
  bash "$top/tests/integration/review-objects.sh" -k pod "$image" | python3 "$here/pod-review.py" > "$review" ||
    fail "rendering the default pod review failed"
fi
[ -s "$review" ] || fail "no review body at $review"
body_bytes=$(wc -c < "$review")

cat > "$tmp/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, */*"
wrk.headers["User-Agent"] = "kube-apiserver-admission"
LUA

# The 95 % cache-hit mix: every 20th request names a tag never seen before (a registry round trip
# and a denial), the rest the warmed-up image.
cat > "$tmp/mix.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
local body = f:read("*a")
f:close()
local image = os.getenv("BENCH_IMAGE")
local s, e = string.find(body, image, 1, true)
local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json, */*",
                 ["User-Agent"] = "kube-apiserver-admission"}
local n = 0
local salt = tostring(math.random(1, 1000000000))
request = function()
  n = n + 1
  if s ~= nil and n % 20 == 0 then
    local b = string.sub(body, 1, e) .. "-miss" .. salt .. "x" .. tostring(n) .. string.sub(body, e + 1)
    return wrk.format("POST", nil, headers, b)
  end
  return wrk.format("POST", nil, headers, body)
end
LUA

# A wrk latency percentile line ("99%", "50%") in ms.
pct_ms() {
  awk -v p="$1" '$1 == p {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
       f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.3f", v * f}' "$2"
}

# run_wrk NAME URL THREADS CONNS [LUA] [PID] → sets RPS, P50 and P99 (ms), and with --perf and
# PID, CPU_US and CS (per request, every thread of PID); fails on non-2xx or socket errors
run_wrk() {
  local out=$tmp/wrk-$1.txt pstat=$tmp/perf-$1.txt perf_pid='' n threads=$3 conns=$4
  set -- "$1" "$2" "${5:-}" "${6:-}"
  CPU_US='' CS=''
  if [ -n "$perf" ] && [ -n "${4:-}" ]; then
    perf stat -x, -e task-clock,context-switches -p "$4" -o "$pstat" &
    perf_pid=$!
    sleep 0.2 # attached before the first request
  fi
  BENCH_BODY=$review BENCH_IMAGE=$image wrk -t"$threads" -c"$conns" -d"$dur" --latency -s "${3:-$tmp/post.lua}" "$2" > "$out" 2>&1 ||
    fail "wrk against $1 failed: $(tail -3 "$out")"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2> /dev/null
    wait "$perf_pid" 2> /dev/null
    n=$(awk '/requests in/ {print $1}' "$out")
    CPU_US=$(awk -F, -v n="$n" '$3 == "task-clock" {printf "%.1f", $1 * 1000 / n}' "$pstat")
    CS=$(awk -F, -v n="$n" '$3 == "context-switches" {printf "%.3f", $1 / n}' "$pstat")
    { [ -n "$CPU_US" ] && [ -n "$CS" ]; } || fail "$1: cannot parse perf stat output: $(cat "$pstat")"
    echo "# $1 -t$threads -c$conns: perf: $n requests, $CPU_US us CPU and $CS context switches per request"
  fi
  if grep -q 'Non-2xx or 3xx responses' "$out"; then fail "$1: $(grep 'Non-2xx' "$out")"; fi
  if grep -qE 'Socket errors:.*(connect [1-9]|timeout [1-9])' "$out"; then fail "$1: $(grep 'Socket errors' "$out")"; fi
  RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P50=$(pct_ms 50% "$out")
  P99=$(pct_ms 99% "$out")
  { [ -n "$RPS" ] && [ -n "$P99" ]; } || fail "$1: cannot parse wrk output: $(head -12 "$out")"
  sed 's/^/# '"$1"' -t'"$threads"' -c'"$conns"': /' "$out" | grep -E 'requests in|Requests/sec|  (50|99)%'
}

# --- driftgate ---
dg_url=""
response=""
if [ -n "$extra" ]; then
  [ -x "$dg" ] || fail "no driftgate binary at $dg"
  [ -s "$extra" ] || fail "no config at $extra"
  if grep -qE '^(listen|tls):' "$extra"; then fail "$extra sets listen/tls; the bench sets them"; fi
  p1=$(free_port)
  { printf 'listen: "127.0.0.1:%s"\ntls:\n  cert: %s\n  key: %s\n' "$p1" "$tmp/certs/tls.crt" "$tmp/certs/tls.key"
    cat "$extra"; } > "$tmp/driftgate.yaml"
  "$dg" serve --config "$tmp/driftgate.yaml" > "$tmp/driftgate.log" 2>&1 &
  dg_pid=$!
  pids+=("$dg_pid")
  wait_up "https://127.0.0.1:$p1/readyz" "$dg_pid" 30 ||
    fail "driftgate did not become ready: $(tail -5 "$tmp/driftgate.log")"
  url="https://127.0.0.1:$p1/validate?timeout=10s"
  # Warm-up: the first review verifies and fills the cache; its answer is what nginx will send.
  code=$(curl -s --cacert "$tmp/certs/ca.crt" -o "$tmp/response.json" -w '%{http_code}' \
           -H 'Content-Type: application/json' --data-binary "@$review" "$url")
  [ "$code" = 200 ] || fail "driftgate answered HTTP $code: $(head -c 300 "$tmp/response.json")"
  python3 - "$review" "$tmp/response.json" <<'PY' || fail "driftgate's response is not an AdmissionReview for this uid: $(head -c 300 "$tmp/response.json")"
import json, sys
req = json.load(open(sys.argv[1]))
resp = json.load(open(sys.argv[2]))
r = resp["response"]
assert resp["kind"] == "AdmissionReview" and r["uid"] == req["request"]["uid"]
print("# driftgate: allowed=%s %s" % (r["allowed"], (r.get("status") or {}).get("message", "")[:200]))
PY
  response=$tmp/response.json
  dg_url=$url
fi

# --- nginx ---
if [ -z "$response" ]; then
  response=$tmp/response.json
  uid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["request"]["uid"])' "$review") ||
    fail "review body has no request.uid"
  # A typical allow with audit annotations for one image (driftgate's shape, DESIGN.md §2).
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"%s","allowed":true,"auditAnnotations":{"driftgate.dev/0-digest":"sha256:9f3a0c5e1b7d2a4f6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a","driftgate.dev/0-verdict":"allow","driftgate.dev/0-signer":"ci-key","driftgate.dev/0-drift":"5 findings: 0 block, 0 warn, 5 ignore"}}}' "$uid" > "$response"
fi
python3 - "$response" "$tmp/nginx-body.txt" <<'PY' || fail "cannot quote the response for nginx"
import sys
b = open(sys.argv[1], "rb").read().decode("utf-8").rstrip("\n")
# nginx string literal: escape \ and ', and spell $ as ${dollar} (a geo variable holding "$").
b = b.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${dollar}")
open(sys.argv[2], "w").write(b)
PY
p2=$(free_port)
mkdir -p "$tmp/nginx/logs" "$tmp/nginx/tmp"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user nobody nogroup;"
cat > "$tmp/nginx/nginx.conf" <<CONF
# generated by tests/bench/http_bench.sh
$user_line
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/tmp/body;
    proxy_temp_path $tmp/nginx/tmp/proxy;
    fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
    uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
    scgi_temp_path $tmp/nginx/tmp/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    client_max_body_size 3m;
    client_body_buffer_size 64k;
    geo \$dollar { default "\$"; }
    server {
        listen 127.0.0.1:$p2 ssl;
        ssl_certificate $tmp/certs/tls.crt;
        ssl_certificate_key $tmp/certs/tls.key;
        ssl_protocols TLSv1.3;
        location = /validate {
            default_type application/json;
            return 200 '$(cat "$tmp/nginx-body.txt")';
        }
        location = /healthz { return 200 'ok'; }
    }
}
CONF
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" > "$tmp/nginx/logs/stdout.log" 2>&1 &
ng_pid=$!
pids+=("$ng_pid")
wait_up "https://127.0.0.1:$p2/healthz" "$ng_pid" 10 ||
  fail "nginx did not start: $(cat "$tmp/nginx/logs/stdout.log" "$tmp/nginx/logs/error.log" 2> /dev/null | tail -5)"
url="https://127.0.0.1:$p2/validate?timeout=10s"
code=$(curl -s --cacert "$tmp/certs/ca.crt" -o "$tmp/nginx-answer.json" -w '%{http_code}' \
         -H 'Content-Type: application/json' --data-binary "@$review" "$url")
[ "$code" = 200 ] || fail "nginx answered HTTP $code"
python3 -c 'import sys; a = open(sys.argv[1], "rb").read().rstrip(b"\n"); sys.exit(a != open(sys.argv[2], "rb").read())' \
  "$response" "$tmp/nginx-answer.json" || fail "nginx does not send the response bytes it was given"
# nginx's one worker process (its master only waits).
ng_worker=$(pgrep -P "$ng_pid" | head -1)
ng_url=$url

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "n/a"; exit}
  printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# ratio_line LABEL UNIT FILE OP TARGET: bench_ratio's line (driftgate/nginx over the rounds) with
# whether its median meets the target (OP ">=" or "<=") appended
ratio_line() {
  local line
  line=$(bench_ratio "$1" driftgate nginx "$2" "$3") || { echo "$line"; return 1; }
  awk -v op="$4" -v t="$5" '{for (i = 1; i < NF; i++) if ($i == "median") {m = $(i + 1); break}
    ok = (op == ">=") ? m + 0 >= t : m + 0 <= t
    printf "%s; target %s %.2f: %s\n", $0, op, t, ok ? "median meets it" : "median MISSES it"; exit}' <<< "$line"
}
# one_shape SHAPE ROUND: both servers in SHAPE, order by round; appends to $tmp/r-SHAPE
one_shape() {
  local t=${1%x*} c=${1#*x} order=(dg ng) who
  bench_first_odd "$2" || order=(ng dg)
  for who in "${order[@]}"; do
    if [ "$who" = dg ]; then
      run_wrk "driftgate" "$dg_url" "$t" "$c" "" "$dg_pid"
      d_rps=$RPS d_p50=$P50 d_p99=$P99 d_cpu=$CPU_US d_cs=$CS
    else
      run_wrk "nginx" "$ng_url" "$t" "$c" "" "$ng_worker"
      n_rps=$RPS n_p50=$P50 n_p99=$P99 n_cpu=$CPU_US n_cs=$CS
    fi
  done
  echo "$d_rps $d_p50 $d_p99 $n_rps $n_p50 $n_p99 ${d_cpu:--} ${d_cs:--} ${n_cpu:--} ${n_cs:--}" >> "$tmp/r-$1"
}

echo "# load before: $(uptime)"
echo "# request body $body_bytes bytes, response $(wc -c < "$tmp/nginx-answer.json") bytes, wrk -d$dur per run, TLS 1.3, keep-alive, $rounds rounds"
if [ -z "$dg_url" ]; then
  run_wrk nginx "$ng_url" 2 16 "" "$ng_worker"
  echo "# driftgate not measured: no --config-extra / --world (see header)"
  echo "http: nginx $RPS req/s p99 $P99 ms; ratio R1/R2 = n/a"
  exit 0
fi
for ((r = 1; r <= rounds; r++)); do
  echo "# round $r"
  for shape in $shapes; do one_shape "$shape" "$r"; done
  if [ -n "$world" ] && [ -n "$mix" ]; then
    run_wrk driftgate-mix "$dg_url" 2 16 "$tmp/mix.lua"
    echo "$RPS" >> "$tmp/r-mix"
  fi
done
echo "# load after: $(uptime)"
if [ -n "$record" ]; then
  perf record -F 999 --call-graph dwarf,16384 -o "$record" -p "$dg_pid" > "$tmp/record.log" 2>&1 &
  rec_pid=$!
  sleep 0.2
  perf_was=$perf perf=
  run_wrk driftgate-recorded "$dg_url" 2 16 > /dev/null
  perf=$perf_was
  kill -INT "$rec_pid" 2> /dev/null
  wait "$rec_pid" 2> /dev/null
  echo "# perf record of driftgate -t2 -c16 in $record ($(tail -1 "$tmp/record.log"))"
fi
status=0
for shape in $shapes; do
  t=${shape%x*} c=${shape#*x} f=$tmp/r-$shape
  if [ "$c" = 1 ]; then
    awk '{print $2, $5}' "$f" > "$f.p50"
    ratio_line "http -t$t -c$c (one connection) p50 latency" ms "$f.p50" '<=' 1.30 || status=1
  else
    awk '{print $1, $4}' "$f" > "$f.rps"
    awk '{print $3, $6}' "$f" > "$f.p99"
    ratio_line "http -t$t -c$c req/s" req/s "$f.rps" '>=' 0.70 || status=1
    ratio_line "http -t$t -c$c p99 latency" ms "$f.p99" '<=' 1.50 || status=1
  fi
  if [ -n "$perf" ]; then
    awk '{print $7, $9}' "$f" > "$f.cpu"
    bench_ratio "cpu -t$t -c$c CPU per request (perf stat, every thread)" driftgate nginx us "$f.cpu" || status=1
    echo "# cpu -t$t -c$c context switches per request, medians: driftgate $(awk '{print $8}' "$f" | median), nginx $(awk '{print $10}' "$f" | median)"
  fi
done
if [ -s "$tmp/r-mix" ] && [ -s "$tmp/r-2x16" ]; then
  paste -d' ' "$tmp/r-mix" "$tmp/r-2x16" | awk '{print $1, $5}' > "$tmp/r-mix.rps"
  bench_ratio "http 95% cache hits -t2 -c16 (every 20th review a never-seen tag) req/s" driftgate nginx req/s "$tmp/r-mix.rps" || status=1
fi
exit "$status"
