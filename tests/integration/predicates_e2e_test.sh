#!/usr/bin/env bash
# shellcheck disable=SC2016 # backticks in grep patterns are markdown, not expansions
# Provenance, vulnerability and agent-provenance attestations end to end: the real registry of
# tests/support/fixtures/predicates-world.sh (images whose .att manifest carries SBOM, SLSA v1,
# cosign vuln v1 (Trivy) and agent-provenance layers signed by npm's @sigstore/sign), judged by
# `driftgate serve` over TLS (Deployments rendered by kubectl, POSTed like the apiserver does),
# `driftgate review` on the same files, and `driftgate check --format text|markdown|json|sarif`.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
upper() { printf '%s' "$1" | tr '[:lower:]-' '[:upper:]_'; }
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; } # literal → ERE

need_exec "$dg"
t0=$(date +%s%N)
on_exit bash "$fixtures/predicates-world.sh" stop "$work/world"
world_build predicates "$work/world" > "$work/world.log" 2>&1 ||
  bail "predicates fixture world built" "$(tail -20 "$work/world.log")"
pass "predicates fixture world built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
world_source "$work/world"
"$dg" policy lint "$PRED_POLICY" > "$work/lint.txt" 2>&1
check $? "the generated policy lints clean" "$(cat "$work/lint.txt")"

# Independent look at the registry (curl + jq only): the .att manifests carry one layer per
# attestation, each annotated with its predicate type, as cosign writes them.
layers_of() { # repo digest → predicate types of the .att layers, one per line
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY/v2/$1/manifests/sha256-${2#sha256:}.att" | jq -r '.layers[].annotations.predicateType'
}
[ "$(layers_of pred/prov "$PRED_PROV_OK_DIGEST" | tr '\n' ' ')" = "https://cyclonedx.org/bom https://slsa.dev/provenance/v1 " ]
check $? "registry: prov-ok's .att has an SBOM layer and an SLSA v1 layer" "$(layers_of pred/prov "$PRED_PROV_OK_DIGEST")"
[ "$(layers_of pred/agentdev "$PREDDEV_AGENT_DEV_DIGEST" | tr '\n' ' ')" = "https://cyclonedx.org/bom https://crashoverride.com/attestations/agent-provenance/v1 " ]
check $? "registry: agent-dev's dev image .att has SBOM + agent-provenance layers"
[ "$(layers_of pred/vuln "$PRED_VULN_CRITICAL_DIGEST")" = "https://cosign.sigstore.dev/attestation/vuln/v1" ]
check $? "registry: vuln-critical's .att has one cosign vuln layer"
statement_of() { # repo digest → the in-toto statement of the .att's first layer (DSSE payload)
  local blob
  blob=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY/v2/$1/manifests/sha256-${2#sha256:}.att" | jq -r '.layers[0].digest')
  curl -s "http://$REGISTRY/v2/$1/blobs/$blob" | jq -r .payload | base64 -d
}
statement_of pred/tv "$PRED_TV_DRIFT_DIGEST" > "$work/tv-statement.json"
jq -e '.predicateType == "https://spdx.dev/Document" and (.predicate | type) == "string" and
       (.predicate | startswith("SPDXVersion: SPDX-2.3\n")) and (.predicate | contains("ExternalRef: PACKAGE-MANAGER purl pkg:deb/"))' \
  "$work/tv-statement.json" > /dev/null
check $? "registry: tv-drift's SBOM attestation carries SPDX tag-value text as a JSON string predicate" \
  "$(head -c 600 "$work/tv-statement.json")"

# --- expectations per case --------------------------------------------------------------------
# allowed: true/false. D: a pattern (grep -E) the denial must contain; W: a pattern one warning
# must contain; N: a pattern no warning may contain; nW=K exactly K warnings.
expect() {
  local fork bad_base base_hex
  fork=$(re "$FORK_BUILDER") bad_base=${OTHER_BASE#sha256:} base_hex=${BASE_DIGEST#sha256:}
  case "$1" in
    prov-ok) printf '%s\n' allowed=true nW=0 ;;
    prov-badbuilder) printf '%s\n' allowed=false 'D:provenance runDetails\.builder\.id is "'"$fork"'"' \
      "D:expects builderId \"$(re "$BUILDER_ID")\"" ;;
    prov-badsource) printf '%s\n' allowed=false \
      'D:provenance buildDefinition\.externalParameters\.workflow\.repository is "github\.com/mallory/payments"' \
      'D:expects sourceRepo "github\.com/acme/payments"' ;;
    prov-badbase) printf '%s\n' allowed=false \
      "D:buildDefinition\\.resolvedDependencies\\[1\\]\\.digest\\.sha256 is $bad_base" \
      "D:pkg:docker/debian@bookworm-slim" "D:expects $base_hex" ;;
    prov-wrongkey) printf '%s\n' allowed=false 'D:no verified provenance attestation \(https://slsa\.dev/provenance/v1\) by ci-key' \
      'D:attestation 2 of 2: no signature on the envelope verifies' ;;
    prov-none) printf '%s\n' allowed=false 'D:no verified provenance attestation' \
      'D:cosign attest --type slsaprovenance1' ;;
    vuln-clean|vuln-unfixable) printf '%s\n' allowed=true nW=0 ;;
    vuln-critical) printf '%s\n' allowed=false "D:$CRITICAL_CVE \\(critical\\) in libssl3 3\\.0\\.11-1~deb12u1 above maxSeverity high" \
      'D:scanner\.result\.Results\[0\]\.Vulnerabilities\[1\]' 'D:upgrade to 3\.0\.13-1~deb12u1' ;;
    vuln-allowed) printf '%s\n' allowed=true nW=1 \
      "W:vulns\\.allow entry for $ALLOW_SOON expires on $ALLOW_SOON_DATE \\(INC-77: not reachable\\)" ;;
    vuln-expired) printf '%s\n' allowed=false "D:$ALLOW_EXPIRED \\(critical\\)" \
      "W:vulns\\.allow entry for $ALLOW_EXPIRED expired on $ALLOW_EXPIRED_DATE and is ignored" ;;
    vuln-stale) printf '%s\n' allowed=false 'D:the vulnerability scan is 30d old \(metadata\.scanFinishedOn ' \
      'D:older than maxAge 7d' ;;
    vuln-none) printf '%s\n' allowed=false 'D:no verified vulnerability scan \(https://cosign\.sigstore\.dev/attestation/vuln/v1\) by ci-key' ;;
    agent) printf '%s\n' allowed=true nW=1 "W:: agent-authored \\(agent-provenance attestation\\): image commits ${AGENT_PROD_SHA:0:12} \\(pin base image\\)" \
      'N:dev image commits' ;;
    agent-both) printf '%s\n' allowed=true nW=2 "W:dev image commits ${AGENT_DEV_SHA:0:12} \\(install graphviz in the devcontainer\\); drift may originate" \
      "W:: agent-authored \\(agent-provenance attestation\\): image commits ${AGENT_PROD_SHA:0:12} \\(pin base image\\); drift may originate" ;;
    agent-dev) printf '%s\n' allowed=false 'D:blocked by seed-default\[3\]\+agent \(minor drift of python3: dev 3\.12\.1-1' \
      "W:agent-authored .*dev image commits ${AGENT_DEV_SHA:0:12}" ;;
    agent-none) printf '%s\n' allowed=true nW=1 'W:minor drift of python3: dev 3\.12\.1-1, prod 3\.11.* \(seed-default\[3\]\)$' \
      'N:agent-authored' ;;
    tv-drift) printf '%s\n' allowed=true nW=1 'W:minor drift of python3: dev 3\.12\.1-1, prod 3\.11.* \(seed-default\[3\]\)$' ;;
  esac
}

# judge LABEL CASE RESPONSE-JSON-FILE: the AdmissionReview response against expect()
judge() {
  local label=$1 c=$2 resp=$3 C img digest allowed msg warns line want nw
  C=$(upper "$c")
  img=PRED_$C; img=${!img}
  digest=PRED_${C}_DIGEST; digest=${!digest}
  allowed=$(jq -r '.response.allowed' "$resp" 2>/dev/null)
  msg=$(jq -r '.response.status.message // ""' "$resp" 2>/dev/null)
  warns=$(jq -r '(.response.warnings // [])[]' "$resp" 2>/dev/null)
  nw=$(jq -r '(.response.warnings // []) | length' "$resp" 2>/dev/null)
  while IFS= read -r line; do
    case "$line" in
      allowed=*)
        want=${line#allowed=}
        [ "$allowed" = "$want" ]
        check $? "$label: allowed=$want" "$(head -c 1500 "$resp")"
        if [ "$want" = false ]; then
          jq -e '.response.status.code == 403' "$resp" > /dev/null
          check $? "$label: status.code 403"
          printf '%s' "$msg" | grep -qF "spec.template.spec.containers[0].image $img ($digest)"
          check $? "$label: denial names the JSON path, image and digest" "$msg"
        fi
        jq -e --arg d "$digest" --arg v "$([ "$want" = false ] && echo deny || echo allow)" \
          '.response.auditAnnotations["0-digest"] == $d and
           ((.response.auditAnnotations["0-verdict"] == "deny") == ($v == "deny"))' "$resp" > /dev/null
        check $? "$label: audit annotations carry the digest and verdict" "$(jq -c .response.auditAnnotations "$resp")" ;;
      nW=*)
        [ "$nw" = "${line#nW=}" ]
        check $? "$label: exactly ${line#nW=} warning(s) (got $nw)" "$warns" ;;
      D:*)
        printf '%s' "$msg" | grep -qE -- "${line#D:}"
        check $? "$label: denial matches /${line#D:}/" "$msg" ;;
      W:*)
        printf '%s\n' "$warns" | grep -qE -- "${line#W:}"
        check $? "$label: a warning matches /${line#W:}/" "$warns" ;;
      N:*)
        ! printf '%s\n' "$warns" | grep -qE -- "${line#N:}"
        check $? "$label: no warning matches /${line#N:}/" "$warns" ;;
    esac
  done < <(expect "$c")
  if [ -n "$warns" ]; then
    ! printf '%s\n' "$warns" | awk 'length($0) > 256 { bad = 1 } END { exit !bad }'
    check $? "$label: every warning is at most 256 characters" "$warns"
  fi
}

# --- driftgate serve over TLS + driftgate review on the same AdmissionReviews ------------------
"$top/certs/mint.sh" "$work/certs" 127.0.0.1 localhost > /dev/null 2>&1 ||
  bail "certs/mint.sh made a serving certificate"
for c in $PRED_CASES; do
  C=$(upper "$c")
  img=PRED_$C
  bash "$top/tests/integration/review-objects.sh" -o "$work/reviews/$c" -n "app-$c" -k deployment "${!img}" ||
    check 1 "review-objects.sh rendered $c"
done
# Several images in one Deployment: every container judged, the denial names containers[1].
bash "$top/tests/integration/review-objects.sh" -o "$work/reviews/multi-ok" -n multi-ok -k deployment \
  "$PRED_PROV_OK" "$PRED_VULN_ALLOWED" "$PRED_AGENT"
bash "$top/tests/integration/review-objects.sh" -o "$work/reviews/multi-deny" -n multi-deny -k deployment \
  "$PRED_PROV_OK" "$PRED_VULN_CRITICAL"

serve_up readyz < <(world_config "$PRED_POLICY")
ready=$?
check $ready "driftgate serve is ready on 127.0.0.1:$port (TLS)" "$(tail -20 "$work/serve.log")"

post() { # REVIEW-FILE OUT-FILE → HTTP status
  curl -s --cacert "$cacert" -o "$2" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H 'User-Agent: kube-apiserver-admission' \
    --data-binary "@$1" "$base/validate?timeout=10s"
}
if [ $ready = 0 ]; then
  for c in $PRED_CASES; do
    f=$work/reviews/$c/deployment.json
    status=$(post "$f" "$work/resp-$c.json")
    [ "$status" = 200 ] && jq -e '.response.uid' "$work/resp-$c.json" > /dev/null 2>&1
    check $? "[serve] $c: HTTP 200 with an AdmissionReview (got $status)" "$(head -c 500 "$work/resp-$c.json")"
    judge "[serve] $c" "$c" "$work/resp-$c.json"
    "$dg" review --config "$work/config.yaml" "$f" > "$work/cli-$c.json" 2> "$work/cli-$c.err"
    rc=$?
    want=$([ "$(jq -r .response.allowed "$work/resp-$c.json")" = true ] && echo 0 || echo 1)
    [ "$rc" = "$want" ]
    check $? "[review] $c: exit $want (got $rc)" "$(head -c 500 "$work/cli-$c.err")"
    jq -n -e --slurpfile a "$work/cli-$c.json" --slurpfile b "$work/resp-$c.json" \
      '($a[0].response | [.allowed, .status.message, .warnings]) == ($b[0].response | [.allowed, .status.message, .warnings])' \
      > /dev/null 2>&1
    check $? "[review] $c: same decision, message and warnings as serve" "$(head -c 800 "$work/cli-$c.json")"
  done

  # Again, from the facts cache (parsed predicates kept in the cache entries): the same answers.
  hits() {
    curl -s --cacert "$cacert" "$base/metrics" |
      awk '$1 ~ /^driftgate_cache_hits_total/ { s += $2 } END { print s + 0 }'
  }
  h1=$(hits)
  same=0 diffs=
  for c in $PRED_CASES; do
    post "$work/reviews/$c/deployment.json" "$work/resp2-$c.json" > /dev/null
    if ! jq -n -e --slurpfile a "$work/resp-$c.json" --slurpfile b "$work/resp2-$c.json" \
         '$a[0].response == $b[0].response' > /dev/null 2>&1; then
      same=1 diffs="$diffs $c"
    fi
  done
  check $same "[serve] a second pass (cached facts) gives every case the same response" "differs:$diffs"
  h2=$(hits)
  [ "$h2" -gt "$h1" ]
  check $? "[serve] the second pass was served from the cache (cache hits $h1 → $h2)"

  status=$(post "$work/reviews/multi-ok/deployment.json" "$work/resp-multi-ok.json")
  jq -e --arg x "${AGENT_PROD_SHA:0:12}" '.response.allowed == true and
      (.response.warnings | length == 2) and
      (.response.warnings | any(test("vulns\\.allow entry for"))) and
      (.response.warnings | any(contains(": agent-authored") and contains($x))) and
      (.response.auditAnnotations | has("0-digest") and has("1-digest") and has("2-digest"))' \
    "$work/resp-multi-ok.json" > /dev/null
  check $? "[serve] three images (provenance, vulns allow-list, agent) in one Deployment: allowed, both warnings, 3 audit digests" \
    "$status $(head -c 1500 "$work/resp-multi-ok.json")"
  status=$(post "$work/reviews/multi-deny/deployment.json" "$work/resp-multi-deny.json")
  jq -e --arg cve "$CRITICAL_CVE" --arg img "$PRED_VULN_CRITICAL" '.response.allowed == false and
      (.response.status.message | contains("spec.template.spec.containers[1].image " + $img) and contains($cve)) and
      (.response.status.message | contains("containers[0]") | not)' "$work/resp-multi-deny.json" > /dev/null
  check $? "[serve] provenance-ok + critical CVE: denied for containers[1] only" \
    "$status $(head -c 1500 "$work/resp-multi-deny.json")"

  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  pid=
  [ $rc = 0 ] || [ $rc = 143 ]
  check $? "driftgate serve stopped cleanly on SIGTERM (exit $rc)" "$(tail -20 "$work/serve.log")"
fi

# --- raiseDrift is what blocks agent-dev ------------------------------------------------------
# The same world with raiseDrift off: agent-dev's python3 drift stays a warning (and the banner
# still names the dev commits).
noraise=$(dirname "$PRED_POLICY")/predicates-noraise.yaml
sed 's/agent: {raiseDrift: true}/agent: {raiseDrift: false}/' "$PRED_POLICY" > "$noraise"
grep -q 'raiseDrift: false' "$noraise"
check $? "policy variant without raiseDrift written"
bash "$top/tests/integration/review-objects.sh" -k deployment -n app-agent-dev "$PRED_AGENT_DEV" > "$work/agent-dev.review.json"
"$dg" review --policy "$noraise" --plain-http "$REGISTRY" "$work/agent-dev.review.json" > "$work/noraise.json" 2> "$work/noraise.err"
rc=$?
[ $rc = 0 ] && jq -e --arg s "${AGENT_DEV_SHA:0:12}" '.response.allowed == true and
    (.response.warnings | any(test("minor drift of python3.*\\(seed-default\\[3\\]\\)$"))) and
    (.response.warnings | any(contains(": agent-authored") and contains($s)))' "$work/noraise.json" > /dev/null
check $? "[review] raiseDrift false: agent-dev allowed, python3 a warning (seed-default[3]), banner kept (exit $rc)" \
  "$(cat "$work/noraise.err") $(head -c 1500 "$work/noraise.json")"

# --- driftgate check: every case, exit codes and the reports ----------------------------------
dgcheck() { # OUT IMAGE [args...] → exit status
  local out=$1; shift
  "$dg" check "$@" --policy "$PRED_POLICY" --plain-http "$REGISTRY" > "$out" 2> "$out.err"
}
for c in $PRED_CASES; do
  C=$(upper "$c")
  img=PRED_$C
  want=$(expect "$c" | sed -n 's/^allowed=//p')
  want=$([ "$want" = true ] && echo 0 || echo 1)
  dgcheck "$work/check-$c.json" "${!img}" --format json
  rc=$?
  [ "$rc" = "$want" ]
  check $? "[check] $c: exit $want (got $rc)" "$(cat "$work/check-$c.json.err") $(head -c 800 "$work/check-$c.json")"
  # The report's denials and warnings are the webhook's (same engine, same texts).
  jq -n -e --slurpfile r "$work/check-$c.json" --slurpfile a "$work/resp-$c.json" '
      ($r[0].verdict == (if $a[0].response.allowed then "allow" else "deny" end)) and
      ($r[0].denials | all(. as $d | $a[0].response.status.message | contains($d))) and
      # a drift block is reported once, in findings (summary.block), not again as a denial
      ((($r[0].denials | length > 0) or ($r[0].summary.block > 0)) == ($a[0].response.allowed | not))' > /dev/null 2>&1
  check $? "[check] $c: json verdict and denials agree with the webhook's answer" \
    "$(head -c 800 "$work/check-$c.json")"
done

# What a reader sees of a markdown report: the prose escapes (a backslash before ASCII punctuation,
# a zero-width space breaking @mentions and #references) removed, as a renderer removes them.
md_seen() {
  sed -E 's/\\([][!"#$%&'"'"'()*+,.\/:;<=>?@\\^_`{|}~-])/\1/g; s/\xe2\x80\x8b//g' "$1" > "$1.seen"
}

dgcheck "$work/agent-dev.md" "$PRED_AGENT_DEV" --format markdown
rc=$?
md_seen "$work/agent-dev.md"
[ $rc = 1 ] && grep -q '^> :robot: \*\*Agent-authored environment\.\*\* .*dev image commits '"${AGENT_DEV_SHA:0:12}" "$work/agent-dev.md.seen" &&
  grep -q '### :no_entry: Block (1)' "$work/agent-dev.md.seen" &&
  grep -qE '^\| `python3` \| version minor downgrade \| `3\.12\.1-1` \| `3\.11[^|]*` \| seed-default\[3\]\+agent \|' "$work/agent-dev.md.seen" &&
  grep -q '\*\*Verdict: deny\*\*' "$work/agent-dev.md.seen" && grep -q -- '- Block: \*\*1\*\*' "$work/agent-dev.md.seen"
check $? "[check] agent-dev markdown: agent banner with the dev commit, python3 in the Block table as seed-default[3]+agent, exit 1" \
  "exit $rc $(cat "$work/agent-dev.md")"
dgcheck "$work/agent-none.md" "$PRED_AGENT_NONE" --format markdown
rc=$?
md_seen "$work/agent-none.md"
[ $rc = 0 ] && ! grep -q 'Agent-authored' "$work/agent-none.md.seen" && grep -q '### :warning: Warn (1)' "$work/agent-none.md.seen" &&
  grep -qE '^\| `python3` .*\| seed-default\[3\] ' "$work/agent-none.md.seen"
check $? "[check] agent-none markdown: no banner, python3 in the Warn table (seed-default[3]), exit 0" \
  "exit $rc $(cat "$work/agent-none.md")"
dgcheck "$work/agent-both.md" "$PRED_AGENT_BOTH" --format markdown
rc=$?
md_seen "$work/agent-both.md"
[ $rc = 0 ] && grep -q "dev image commits ${AGENT_DEV_SHA:0:12} (install graphviz in the devcontainer); image commits ${AGENT_PROD_SHA:0:12} (pin base image)" "$work/agent-both.md.seen"
check $? "[check] agent-both markdown: the banner names the dev and the prod image's commits, exit 0" \
  "exit $rc $(cat "$work/agent-both.md")"
jq -e --arg d "${AGENT_DEV_SHA:0:12}" --arg p "${AGENT_PROD_SHA:0:12}" \
  '(.agentBanner | contains("dev image commits " + $d) and contains("; image commits " + $p))' \
  "$work/check-agent-both.json" > /dev/null
check $? "[check] agent-both json: agentBanner names both images' commits" "$(head -c 800 "$work/check-agent-both.json")"

dgcheck "$work/badbuilder.md" "$PRED_PROV_BADBUILDER" --format markdown
rc=$?
md_seen "$work/badbuilder.md"
[ $rc = 1 ] && grep -qF "runDetails.builder.id is \"$FORK_BUILDER\"" "$work/badbuilder.md.seen" &&
  grep -q '\*\*Verdict: deny\*\*' "$work/badbuilder.md.seen"
check $? "[check] prov-badbuilder markdown: verdict deny naming runDetails.builder.id, exit 1" \
  "exit $rc $(cat "$work/badbuilder.md")"
dgcheck "$work/critical.sarif" "$PRED_VULN_CRITICAL" --format sarif
rc=$?
[ $rc = 1 ] && jq -e --arg cve "$CRITICAL_CVE" --arg img "$PRED_VULN_CRITICAL" '.version == "2.1.0" and
    (.runs[0].results | map(select(.ruleId == "policy/deny" and .level == "error" and
       (.message.text | contains($cve + " (critical)")) and
       .locations[0].logicalLocations[0].fullyQualifiedName == $img)) | length == 1)' "$work/critical.sarif" > /dev/null
check $? "[check] vuln-critical sarif: one policy/deny error naming the CVE at the image, exit 1" \
  "exit $rc $(head -c 1200 "$work/critical.sarif")"
dgcheck "$work/allowed.sarif" "$PRED_VULN_ALLOWED" --format sarif
rc=$?
[ $rc = 0 ] && jq -e --arg cve "$ALLOW_SOON" '(.runs[0].results | map(select(.ruleId == "policy/warn" and .level == "warning" and
    (.message.text | contains("vulns.allow entry for " + $cve)))) | length == 1) and
    (.runs[0].results | all(.level != "error"))' "$work/allowed.sarif" > /dev/null
check $? "[check] vuln-allowed sarif: the expiring allow entry is a policy/warn warning, no errors, exit 0" \
  "exit $rc $(head -c 1200 "$work/allowed.sarif")"
dgcheck "$work/stale.txt" "$PRED_VULN_STALE"
rc=$?
[ $rc = 1 ] && grep -qE '^deny   image .*: the vulnerability scan is 30d old' "$work/stale.txt"
check $? "[check] vuln-stale text: deny line with the scan age, exit 1" "exit $rc $(cat "$work/stale.txt")"
dgcheck "$work/agent.txt" "$PRED_AGENT"
rc=$?
[ $rc = 0 ] && grep -q "^AGENT  agent-authored .*image commits ${AGENT_PROD_SHA:0:12}" "$work/agent.txt"
check $? "[check] agent text: AGENT banner line naming the prod commit, exit 0" "exit $rc $(cat "$work/agent.txt")"
# --dev: the CI's dev image choice; an agent-authored dev image raises the prod image's drift.
dgcheck "$work/devoverride.txt" "$PRED_AGENT_NONE" --dev "$PREDDEV_AGENT_DEV"
rc=$?
[ $rc = 1 ] && grep -q 'seed-default\[3\]+agent' "$work/devoverride.txt"
check $? "[check] agent-none --dev <agent-authored dev image>: drift raised to block, exit 1" \
  "exit $rc $(cat "$work/devoverride.txt")"
dgcheck "$work/nodev.txt" "$PRED_AGENT" --dev "$REGISTRY/pred/agentdev:does-not-exist"
rc=$?
# missing evidence is a denial (exit 1), not an error (README "Infrastructure or evidence")
[ $rc = 1 ] && grep -q 'pred/agentdev:does-not-exist.*HTTP 404' "$work/nodev.txt"
check $? "[check] a dev image that does not exist: denied (exit 1) naming it" "exit $rc $(cat "$work/nodev.txt" "$work/nodev.txt.err")"

done_testing
