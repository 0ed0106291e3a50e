#!/usr/bin/env bash
# End to end: real registry (no auth, basic, token), images signed by sigstore-js, driftgate
# serve over TLS, AdmissionReviews rendered by kubectl, POSTed with curl like the apiserver does.
# Env: BUILD (dir holding driftgate; default ./build), SAN (non-empty: sanitizer build → only mode
# none), DG_E2E_MODES (override the modes, e.g. "token"). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
SAN=${SAN:-}
modes=${DG_E2E_MODES:-none basic token}
[ -n "$SAN" ] && [ -z "${DG_E2E_MODES:-}" ] && modes=none

need_exec "$dg"
"$top/certs/mint.sh" "$work/certs" 127.0.0.1 localhost 2>/dev/null ||
  bail "certs/mint.sh made a serving certificate"

# path of containers[0].image for each kind
json_path() {
  case "$1" in
    deployment|job) echo 'spec.template.spec.containers[0].image' ;;
    pod) echo 'spec.containers[0].image' ;;
    cronjob) echo 'spec.jobTemplate.spec.template.spec.containers[0].image' ;;
  esac
}

# Scenario-specific patterns (one per line, grep -iE) a denial must contain, besides image,
# path and digest.
deny_words() {
  case "$1" in
    devssl) printf '%s\n' 'libssl-dev' 'seed-default\[1\]' 'remove it from the dev image' ;;
    unsigned) printf '%s\n' 'no verified signature' 'ci-key' 'cosign sign' ;;
    wrongkey) printf '%s\n' 'ci-key' 'verif' ;;
    tampered) printf '%s\n' 'attestation' 'verif' 'cosign attest' ;;
    replayed) printf '%s\n' 'subject' "$PROD_OK_DIGEST" ;;
    wrongtype) printf '%s\n' 'spdx\.dev/Document' 'cyclonedx\.org/bom' ;;
  esac
}

# assert_response SCENARIO KIND REVIEW_FILE RESPONSE_FILE HTTP_STATUS LABEL → sets $allowed
assert_response() {
  local s=$1 kind=$2 req=$3 resp=$4 status=$5 label=$6 S img digest path msg w v
  S=$(printf '%s' "$s" | tr '[:lower:]' '[:upper:]')
  img=PROD_$S; img=${!img}
  digest=PROD_${S}_DIGEST; digest=${!digest}
  path=$(json_path "$kind")
  allowed=
  # One jq for everything: uid echo, envelope, audit annotations, decision, warnings, message.
  if [ "$status" != 200 ] ||
     ! mapfile -t v < <(jq -r --slurpfile q "$req" --arg d "$digest" '
         .response as $r |
         (if $r.uid == $q[0].request.uid then "yes" else "no" end),
         (if .apiVersion == "admission.k8s.io/v1" and .kind == "AdmissionReview" then "yes" else "no" end),
         # keys without "/": the apiserver prefixes them with the webhook name
         (if ($r.auditAnnotations | type) == "object" and $r.auditAnnotations["0-digest"] == $d
             and ($r.auditAnnotations["0-verdict"] | IN("allow", "warn", "deny"))
             and ($r.auditAnnotations | keys | all(contains("/") | not)) then "yes" else "no" end),
         ($r.allowed | tostring), ($r.status.code // "" | tostring),
         (($r.warnings // []) | length | tostring),
         (($r.warnings // [])[0] // "" | gsub("\n"; " ")),
         ($r.status.message // "" | gsub("\n"; " ")),
         ($r | tojson)' "$resp" 2>/dev/null) || [ "${#v[@]}" -ne 9 ]; then
    fail "$label: HTTP 200 with an AdmissionReview (got $status)" "$(head -c 500 "$resp")"
    return
  fi
  allowed=${v[3]}
  [ "${v[0]}" = yes ]
  check $? "$label: response.uid echoes request.uid"
  [ "${v[1]}" = yes ]
  check $? "$label: apiVersion/kind set"
  [ "${v[2]}" = yes ]
  check $? "$label: auditAnnotations name the digest and verdict (keys without '/')" "${v[8]}"
  case "$s" in
    ok)
      [ "${v[3]}/${v[5]}" = true/0 ]
      check $? "$label: allowed without warnings" "${v[8]}" ;;
    warn)
      [ "${v[3]}/${v[5]}" = true/1 ]
      check $? "$label: allowed with one warning" "${v[8]}"
      w=${v[6]}
      printf '%s' "$w" | grep -q 'python3' && printf '%s' "$w" | grep -q '3\.12\.1-1' &&
        printf '%s' "$w" | grep -q '3\.11'
      check $? "$label: warning names python3 and both versions" "$w"
      [ "${#w}" -le 256 ]
      check $? "$label: warning is at most 256 characters" ;;
    *)
      [ "${v[3]}/${v[4]}" = false/403 ]
      check $? "$label: denied with status.code 403" "${v[8]}"
      msg=${v[7]}
      printf '%s' "$msg" | grep -qF "$img"
      check $? "$label: deny message names the image $img" "$msg"
      printf '%s' "$msg" | grep -qF "$path"
      check $? "$label: deny message names the JSON path $path" "$msg"
      printf '%s' "$msg" | grep -qF "$digest"
      check $? "$label: deny message names the digest" "$msg"
      while IFS= read -r w; do
        printf '%s' "$msg" | grep -qiE -- "$w"
        check $? "$label: deny message matches /$w/" "$msg"
      done < <(deny_words "$s") ;;
  esac
}

for mode in $modes; do
  wdir=$work/world-$mode
  on_exit bash "$fixtures/world.sh" stop "$wdir"
  t0=$(date +%s%N)
  if ! world_build "$mode" "$wdir" > "$work/world-$mode.log" 2>&1; then
    fail "[$mode] fixture world built" "$(tail -20 "$work/world-$mode.log")"
    continue
  fi
  pass "[$mode] fixture world built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  world_source "$wdir"
  if [ "$mode" = none ]; then
    bash "$fixtures/self-check.sh" "$wdir" > "$work/self-check.out" 2>&1; rc=$?
    tap_lines "$(sed "s/^\(\(not \)\{0,1\}ok - \)/\1[$mode] /" "$work/self-check.out")"
    [ "$rc" = 0 ] || failed=$((failed + 1))
  fi

  # objects: every kind for each scenario in mode none, Deployments only with auth
  kinds=deployment
  [ "$mode" = none ] && kinds=deployment,pod,cronjob,job
  for s in $SCENARIOS; do
    S=$(printf '%s' "$s" | tr '[:lower:]' '[:upper:]')
    img=PROD_$S
    bash "$top/tests/integration/review-objects.sh" -o "$work/reviews-$mode/$s" -n "app-$s" -k "$kinds" "${!img}" ||
      fail "[$mode] review-objects.sh rendered $s"
  done

  serve_log=$work/serve-$mode.log
  serve_up readyz < <(world_config "$POLICY")
  ready=$?
  check $ready "[$mode] driftgate serve is ready on 127.0.0.1:$port (TLS)" "$(tail -20 "$work/serve-$mode.log")"
  if [ $ready != 0 ]; then
    serve_stop
    continue
  fi

  for s in $SCENARIOS; do
    for f in "$work/reviews-$mode/$s"/*.json; do
      kind=$(basename "$f" .json)
      label="[$mode] $s $kind"
      status=$(curl -s --cacert "$cacert" -o "$work/resp.json" -w '%{http_code}' \
        -H 'Content-Type: application/json' -H 'Accept: application/json, */*' \
        -H 'User-Agent: kube-apiserver-admission' --data-binary "@$f" \
        "$base/validate?timeout=10s")
      assert_response "$s" "$kind" "$f" "$work/resp.json" "$status" "$label"
      # the CLI on the same file: same decision, same message, same warnings
      "$dg" review --config "$work/config.yaml" "$f" > "$work/cli.json" 2> "$work/cli.err"
      rc=$?
      # exit 0 allow, 1 deny; 2 is an error
      if [ $rc = 0 ] || [ $rc = 1 ]; then
        [ "$rc" = "$([ "$allowed" = true ] && echo 0 || echo 1)" ]
        check $? "$label: driftgate review exit code $rc matches the decision"
        jq -n -e --slurpfile a "$work/cli.json" --slurpfile b "$work/resp.json" \
          '($a[0].response | [.allowed, .status.message, .warnings]) == ($b[0].response | [.allowed, .status.message, .warnings])' \
          >/dev/null 2>&1
        check $? "$label: driftgate review gives the same decision, message and warnings" \
          "cli: $(head -c 600 "$work/cli.json")"
      else
        fail "$label: driftgate review exited 0 or 1 (got $rc)" "$(head -c 500 "$work/cli.err")"
      fi
    done
  done

  status=$(curl -s --cacert "$cacert" -o "$work/resp.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary '{"kind":"AdmissionReview",' \
    "$base/validate?timeout=10s")
  [ "$status" = 400 ]
  check $? "[$mode] a malformed AdmissionReview gets HTTP 400 (got $status)"

  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  pid=
  # 143 = SIGTERM not handled; 0 = clean shutdown. A sanitizer report exits otherwise.
  [ $rc = 0 ] || [ $rc = 143 ]
  check $? "[$mode] driftgate serve stopped cleanly on SIGTERM (exit $rc)" "$(tail -20 "$work/serve-$mode.log")"
  bash "$fixtures/world.sh" stop "$wdir" >/dev/null 2>&1
done

done_testing
