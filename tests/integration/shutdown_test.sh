#!/usr/bin/env bash
# Graceful shutdown of a real `driftgate serve` on SIGTERM: it stops accepting at once, the
# review in flight (stuck on a registry that never answers) still gets its answer, an idle
# keep-alive connection is closed by the server, and the process exits 0 within the review's
# budget plus the 2 s close grace.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
hung_registry; check $? "hung registry on 127.0.0.1:$bh"
serve_up healthz <<YAML; check $? "driftgate serve is up" "$(cat "$serve_log")"
$(hung_config)
workers: 2
log: {level: info}
YAML

# An idle keep-alive client: one request, then it waits for the server to close.
/usr/bin/python3 - "$port" "$cacert" > "$work/idle.out" 2>&1 <<'PY' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="127.0.0.1")
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
first = s.recv(4096)
print("answered" if b" 200 " in first else "bad", flush=True)
s.settimeout(30)
t = time.monotonic()
try:
    while s.recv(4096):
        pass
    print("eof", flush=True)
except Exception as e:
    print("error", e, flush=True)
PY
idle_pid=$!; bg_pids+=("$idle_pid")
for _ in $(seq 50); do grep -q answered "$work/idle.out" && break; sleep 0.1; done
grep -q answered "$work/idle.out"; check $? "idle keep-alive connection open" "$(cat "$work/idle.out")"

slow=$(review_json u-inflight "127.0.0.1:$bh/app:v1")
( post "$slow" '?timeout=4s' > "$work/inflight.out" ) & inflight=$!; bg_pids+=("$inflight")
sleep 0.5
t0=$(ms_now)
kill -TERM "$pid"
sleep 0.2
! curl -sk --max-time 1 -o /dev/null "$base/healthz" 2>/dev/null; check $? "new connections refused right after SIGTERM"
wait "$pid"; rc=$?; t1=$(ms_now); pid=
[ "$rc" = 0 ]; check $? "exit 0" "rc=$rc $(tail -5 "$work/serve.log")"
wait "$inflight"
out=$(cat "$work/inflight.out")
[[ "$out" == *'"uid":"u-inflight"'*'"allowed":false'*' 200' ]]
check $? "the review in flight got its answer (a denial by onError)" "$out"
[[ "$out" == *'timed out'* || "$out" == *'deadline'* ]]; check $? "its message names the timeout" "$out"
wait "$idle_pid"
grep -q '^eof' "$work/idle.out"; check $? "the idle keep-alive connection was closed by the server" "$(cat "$work/idle.out")"
# Budget: 4 s timeout - 1 s margin = 3 s from arrival (0.5 s before SIGTERM), + 2 s grace.
[ $((t1 - t0)) -lt 4500 ]; check $? "exited within the review budget + grace ($((t1 - t0)) ms)"
grep -q 'shutting down: 1 reviews in flight' "$work/serve.log"; check $? "logged the in-flight count"
done_testing
