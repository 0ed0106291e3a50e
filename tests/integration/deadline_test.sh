#!/usr/bin/env bash
# The review budget against a registry that accepts connections and never answers: the
# apiserver's ?timeout minus the margin, capped by reviewMaxSeconds, and the answer always comes
# before the apiserver's deadline, as the rule's onError says (deny, or allow with a warning).
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

need_exec "$dg"
hung_registry; check $? "hung registry on 127.0.0.1:$bh"
serve_up healthz <<YAML; check $? "driftgate serve is up" "$(cat "$serve_log")"
$(hung_config)
timeouts: {reviewMaxSeconds: 3, marginMillis: 500}
reload: {pollMillis: 0}
log: {level: warn}
YAML
# A new repository each time: registry failures are cached for failureTTLSeconds.
timed() { # QUERY N → "<ms> <body+status>"; N names the repository
  local t0 out
  t0=$(ms_now); out=$(post "$(review_json u-slow "127.0.0.1:$bh/app$2:v1")" "$1")
  echo "$(( $(ms_now) - t0 )) $out"
}
read -r ms out <<< "$(timed '?timeout=2s' 1)"
[[ "$out" == *'"allowed":false'*'timed out'*' 200' ]]; check $? "timeout=2s: denied by onError, message says timed out" "$out"
[ "$ms" -ge 1400 ] && [ "$ms" -lt 2000 ]; check $? "timeout=2s: answered after the 1.5 s budget, before 2 s ($ms ms)"
read -r ms out <<< "$(timed '?timeout=10s' 2)"
[ "$ms" -ge 2900 ] && [ "$ms" -lt 3500 ]; check $? "timeout=10s: capped by reviewMaxSeconds 3 ($ms ms)" "$out"
read -r ms out <<< "$(timed '' 3)"
[ "$ms" -ge 2900 ] && [ "$ms" -lt 3500 ]; check $? "no timeout parameter: reviewMaxSeconds ($ms ms)" "$out"
read -r ms out <<< "$(timed '?timeout=1s' 4)"
[ "$ms" -ge 450 ] && [ "$ms" -lt 1000 ]; check $? "timeout=1s (margin 0.5 s): half of it, still before 1 s ($ms ms)" "$out"

policy_yaml deny "$bh" warn > "$work/policy.yaml"
kill -HUP "$pid"; sleep 0.5
read -r ms out <<< "$(timed '?timeout=2s' 5)"
[[ "$out" == *'"allowed":true'*'"warnings":['*' 200' ]] && [ "$ms" -ge 1400 ] && [ "$ms" -lt 2000 ]
check $? "onError: warn → allowed with a warning, before the deadline ($ms ms)" "$out"
done_testing
