#!/usr/bin/env bash
# GET /metrics of a real `driftgate serve`: the exposition parses with the Prometheus client
# library's own parser; reviews are counted by verdict with a duration histogram; reload
# status and certificate expiry are set at start; a full queue is answered 503 at once and
# counted, while the queued reviews still answer before their deadline.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
mint_cert "$work" 127.0.0.1; check $? "minted a serving certificate"
hung_registry; check $? "a registry that never answers listens on 127.0.0.1:$bh"
serve_up healthz <<YAML; check $? "driftgate serve is up" "$(cat "$serve_log")"
$(hung_config)
workers: 1
queue: 1
log: {level: warn}
YAML

out=$(c -sS -D - -o "$work/m0.txt" "$base/metrics")
[[ "$out" == *"200"* && "$out" == *"text/plain; version=0.0.4"* ]]
check $? "GET /metrics → 200 text/plain; version=0.0.4" "$out"
out=$(/usr/bin/python3 - "$work/m0.txt" <<'PY' 2>&1
import sys
from prometheus_client.parser import text_string_to_metric_families
names = [f.name for f in text_string_to_metric_families(open(sys.argv[1]).read())]
need = ["driftgate_admission_reviews", "driftgate_review_duration_seconds",
        "driftgate_review_step_duration_seconds", "driftgate_registry_requests",
        "driftgate_cache_hits", "driftgate_cache_misses", "driftgate_verification_failures",
        "driftgate_reload_success", "driftgate_reload_timestamp_seconds",
        "driftgate_certificate_expiry_seconds", "driftgate_queue_depth",
        "driftgate_queue_rejected", "driftgate_reviews_in_flight"]
missing = [n for n in need if n not in names]
print("missing", missing) if missing else print("families", len(names))
sys.exit(1 if missing else 0)
PY
)
check $? "exposition parses with prometheus_client and has every driftgate family ($out)" "$out"

# Before any review: each known label value and each family without labels has a 0 sample.
zero() { awk -v k="$1" '$1 == k { found = 1; if ($2 != 0) bad = 1 } END { exit !(found && !bad) }' "$work/m0.txt"; }
for k in 'driftgate_admission_reviews_total{verdict="allow"}' 'driftgate_admission_reviews_total{verdict="warn"}' \
         'driftgate_admission_reviews_total{verdict="deny"}' 'driftgate_admission_reviews_total{verdict="error"}' \
         driftgate_queue_rejected_total driftgate_cache_hits_total driftgate_review_duration_seconds_count \
         'driftgate_review_step_duration_seconds_count{step="resolve"}' 'driftgate_review_step_duration_seconds_count{step="evaluate"}' \
         'driftgate_verification_failures_total{reason="registry"}' 'driftgate_verification_failures_total{reason="signature_invalid"}' \
         'driftgate_reload_failures_total{what="policy"}' 'driftgate_reload_failures_total{what="tls"}'; do
  zero "$k"; check $? "at start: $k 0" "$(grep -F "${k%%\{*}" "$work/m0.txt" | head -8)"
done
version_line=$("$dg" --version)
build=$(awk '$1 ~ /^driftgate_build_info\{/ { print $1, $2 }' "$work/m0.txt")
[[ "$version_line" =~ ^driftgate\ ([^ ]+)\ \(commit\ ([^ ]+)\)$ ]] &&
  [ "$build" = "driftgate_build_info{version=\"${BASH_REMATCH[1]}\",commit=\"${BASH_REMATCH[2]}\"} 1" ]
check $? "build_info names the version and commit of driftgate --version ($build; $version_line)"

# README's metric table is the list of families /metrics serves: neither side may have one the
# other lacks, and the types agree.
# shellcheck disable=SC2016 # the backquotes are README's markdown, not a command
readme=$(sed -n 's/^  | `\(driftgate_[a-z_]*\)` | \([a-z]*\) |.*/\1 \2/p' "$top/README.md" | sort)
served=$(awk '$1 == "#" && $2 == "TYPE" { print $3, $4 }' "$work/m0.txt" | sort)
[ -n "$readme" ] && [ "$readme" = "$served" ]
check $? "README's metric table equals /metrics ($(printf '%s\n' "$readme" | wc -l) families)" \
  "$(diff <(printf '%s\n' "$readme") <(printf '%s\n' "$served") | sed 's/^</README:/; s/^>/metrics:/')"

[ "$(metric 'driftgate_reload_success{what="policy"}')" = 1 ]; check $? "reload_success{policy} 1 at start"
[ "$(metric 'driftgate_reload_success{what="tls"}')" = 1 ]; check $? "reload_success{tls} 1 at start"
ts=$(metric 'driftgate_reload_timestamp_seconds{what="policy"}'); now=$(date +%s)
[ -n "$ts" ] && [ $((now - ts)) -ge 0 ] && [ $((now - ts)) -lt 60 ]; check $? "reload timestamp is now ($ts vs $now)"
want=$(date -d "$(openssl x509 -in "$work/tls.crt" -noout -enddate | cut -d= -f2)" +%s)
got=$(metric driftgate_certificate_expiry_seconds)
[ "$got" = "$want" ]; check $? "certificate_expiry_seconds is the cert's notAfter ($got = $want)"

out=$(post '{"apiVersion":')
[[ "$out" == *' 400' ]]; check $? "malformed review → 400" "$out"
out=$(post "$(review_json u-deny docker.io/library/nginx:1)")
[[ "$out" == *'"allowed":false'*' 200' ]]; check $? "unmatched image → deny" "$out"
[ "$(metric 'driftgate_admission_reviews_total{verdict="error"}')" = 1 ]; check $? "reviews_total{error} 1"
[ "$(metric 'driftgate_admission_reviews_total{verdict="deny"}')" = 1 ]; check $? "reviews_total{deny} 1"
[ "$(metric driftgate_review_duration_seconds_count)" = 2 ]; check $? "duration histogram counted 2 reviews"
[ "$(metric 'driftgate_review_duration_seconds_bucket{le="+Inf"}')" = 2 ]; check $? "+Inf bucket = count"

# Overload: one worker, one queue slot. Two reviews of an image on the hung registry hold both;
# the third is answered 503 at once instead of waiting past its deadline.
slow=$(review_json u-slow "127.0.0.1:$bh/app:v1")
for i in 1 2; do
  ( post "$slow" '?timeout=4s' > "$work/slow$i.out"; ms_now > "$work/slow$i.end" ) &
  bg_pids+=($!)
  sleep 0.2
done
start=$(ms_now)
for _ in $(seq 30); do [ "$(metric driftgate_queue_depth)" = 1 ] && break; sleep 0.1; done
[ "$(metric driftgate_queue_depth)" = 1 ] && [ "$(metric driftgate_reviews_in_flight)" = 2 ]
check $? "queue_depth 1 and reviews_in_flight 2 while the registry hangs"
t0=$(ms_now)
out=$(post "$slow" '?timeout=4s')
t1=$(ms_now)
[[ "$out" == '{"error":'*'queue'*' 503' ]]; check $? "third review → 503 JSON naming the queue" "$out"
[ $((t1 - t0)) -lt 500 ]; check $? "answered at once ($((t1 - t0)) ms)"
[ "$(metric driftgate_queue_rejected_total)" = 1 ]; check $? "queue_rejected_total 1"
wait "${bg_pids[@]:1}" 2>/dev/null
for i in 1 2; do
  out=$(cat "$work/slow$i.out")
  [[ "$out" == *'"allowed":false'*' 200' ]]; check $? "queued review $i still answers: a denial" "$out"
done
# The second waited behind the first; each has a 3 s budget from its own arrival.
e2=$(cat "$work/slow2.end")
[ $((e2 - start)) -lt 4200 ]; check $? "the queued review answered before its 4 s timeout ($((e2 - start)) ms)"
[ "$(metric 'driftgate_admission_reviews_total{verdict="deny"}')" = 3 ]; check $? "reviews_total{deny} 3"
# The hung registry: every denial spent its time resolving the tag, and counts as a registry failure.
resolves=$(metric 'driftgate_review_step_duration_seconds_count{step="resolve"}')
[ "${resolves:-0}" -ge 1 ]; check $? "step histogram: resolve observed (a failure is shared for 2 s, so not every review resolves) (${resolves:-none})"
regreq=$(metric "driftgate_registry_requests_total{registry=\"127.0.0.1:$bh\",status=\"error\"}")
[ "${regreq:-0}" -ge 1 ]; check $? "registry_requests_total{127.0.0.1:$bh,error} counts the unanswered requests (${regreq:-none})"
fails=$(metric 'driftgate_verification_failures_total{reason="registry"}')
[ "${fails:-0}" -ge 1 ]; check $? "verification_failures_total{registry} counts the hung registry (${fails:-none})"

# A bad policy file: reload_success 0, one failure counted, and exactly one log line says why.
lines_before=$(wc -l < "$work/serve.log")
printf 'apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec: {maybe: [\n' > "$work/policy.yaml"
kill -HUP "$pid"
for _ in $(seq 50); do [ "$(metric 'driftgate_reload_success{what="policy"}')" = 0 ] && break; sleep 0.1; done
[ "$(metric 'driftgate_reload_success{what="policy"}')" = 0 ] && [ "$(metric 'driftgate_reload_failures_total{what="policy"}')" = 1 ]
check $? "a bad policy: reload_success{policy} 0, reload_failures_total{policy} 1"
sleep 0.3
new_lines=$(tail -n +"$((lines_before + 1))" "$work/serve.log")
[ "$(printf '%s\n' "$new_lines" | grep -c 'policy.yaml')" = 1 ] &&
  printf '%s\n' "$new_lines" | grep -q '"level":"error".*reload policy failed.*policy.yaml:[0-9]*:[0-9]*: .*keeping generation'
check $? "the failed reload is logged once, at error, with the file position" "$new_lines"

out=$(c -o /dev/null -w '%{http_code}' -X POST "$base/metrics")
[ "$out" = 405 ]; check $? "POST /metrics → 405" "$out"
done_testing
