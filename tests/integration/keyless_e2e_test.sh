#!/usr/bin/env bash
# Keyless cosign signatures through `driftgate check` and `driftgate review` against a real
# registry (keyless-world.sh): the right identity is allowed; a wrong identity, another image's
# signature, an untrusted Fulcio CA and a missing trust root are denied with messages naming why;
# then keyless .att SBOMs on a prod/dev pair, OCI referrer bundles (keyless and key-signed),
# transparencyLog: required on key signers, and the same through `driftgate serve` over TLS.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up keyless "$work/w"
check() { "$dg" check "$1" --policy "$KL_POLICY" --plain-http "$REGISTRY" "${@:2}" > "$work/out" 2>&1; }
check "$KL_OK" --trusted-root "$KL_ROOT"; rc=$?
ok "$([ $rc = 0 ] && echo 0 || echo 1)" "keyless signature, right identity: allowed ($(tr '\n' ' ' < "$work/out" | cut -c1-200))"
check "$KL_WRONGID" --trusted-root "$KL_ROOT"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'https://evil.fixture.test/x' "$work/out" && grep -q 'matches no keyless signer' "$work/out" && echo 0 || echo 1)" \
  "wrong identity: denied naming expected vs got ($(grep -o 'certificate identity[^"]*' "$work/out" | head -1 | cut -c1-200))"
check "$KL_REPLAY" --trusted-root "$KL_ROOT"; rc=$?
ok "$([ $rc != 0 ] && grep -qi 'digest' "$work/out" && echo 0 || echo 1)" "another image's signature: denied ($(grep -io '[^:]*digest[^.]*' "$work/out" | head -1 | cut -c1-160))"
check "$KL_OK" --trusted-root "$KL_OTHER_ROOT"; rc=$?
ok "$([ $rc != 0 ] && echo 0 || echo 1)" "untrusted Fulcio CA / Rekor key: denied ($(grep -o 'signature 1 of 1: [^;]*' "$work/out" | head -1 | cut -c1-160))"
check "$KL_OK"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'trustRoots' "$work/out" && echo 0 || echo 1)" "no trust root: denied, says to configure trustRoots"
# review: the same through an AdmissionReview (pod)
bash "$top/tests/integration/review-objects.sh" -o "$work/rv" -k pod "$KL_OK" >/dev/null 2>&1
"$dg" review "$work/rv/pod.json" --policy "$KL_POLICY" --plain-http "$REGISTRY" --trusted-root "$KL_ROOT" > "$work/rout" 2>&1
ok "$(grep -q '"allowed": *true' "$work/rout" && echo 0 || echo 1)" "review: keyless pod allowed"
bash "$top/tests/integration/review-objects.sh" -o "$work/rv2" -k pod "$KL_WRONGID" >/dev/null 2>&1
"$dg" review "$work/rv2/pod.json" --policy "$KL_POLICY" --plain-http "$REGISTRY" --trusted-root "$KL_ROOT" > "$work/rout" 2>&1
ok "$(grep -q '"allowed": *false' "$work/rout" && grep -q 'evil.fixture.test' "$work/rout" && echo 0 || echo 1)" "review: wrong identity denied"
# The full policy: keyless .att SBOM on a prod/dev pair, referrers, key signers with a tlog.
full() { "$dg" check "$1" --policy "$KL_POLICY_FULL" --plain-http "$REGISTRY" --trusted-root "$KL_ROOT" > "$work/out" 2>&1; }
brief() { tr '\n' ' ' < "$work/out" | cut -c1-"${1:-220}"; }
full "$KL_PAIR"; rc=$?
ok "$([ $rc = 0 ] && grep -q 'dev-only [1-9]' "$work/out" && echo 0 || echo 1)" "keyless .sig + .att SBOM on a prod/dev pair: allowed, drift judged ($(brief))"
full "$KL_ISSUER_BAD"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'issuer https://other-issuer.fixture.test' "$work/out" && grep -q "$KL_ISSUER" "$work/out" && echo 0 || echo 1)" \
  "wrong issuer: denied naming expected vs got ($(grep -o 'certificate identity[^)]*)' "$work/out" | head -1))"
full "$KL_BADSET"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'signed entry timestamp does not verify' "$work/out" && echo 0 || echo 1)" "Rekor SET signed by another key: denied ($(grep -o 'cosign bundle: [^)]*' "$work/out" | head -1))"
full "$KL_REFONLY"; rc=$?
ok "$([ $rc = 0 ] && echo 0 || echo 1)" "image with only OCI referrer bundles (keyless DSSE SBOM + cosign/sign/v1): allowed ($(brief))"
full "$KL_REFCOPY"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'statement subject' "$work/out" && echo 0 || echo 1)" "another image's referrer bundles: denied ($(grep -o 'statement subject[^)]*' "$work/out" | head -1 | cut -c1-160))"
"$dg" check "$KL_REFONLY" --policy "$KL_POLICY_FULL" --plain-http "$REGISTRY" --trusted-root "$KL_OTHER_ROOT" > "$work/out" 2>&1; rc=$?
ok "$([ $rc != 0 ] && echo 0 || echo 1)" "referrer bundles with an untrusted Fulcio CA / Rekor: denied ($(grep -o 'referrer 1 of 2: [^)]*' "$work/out" | head -1 | cut -c1-160))"
full "$KL_KEYREF"; rc=$?
ok "$([ $rc = 0 ] && echo 0 || echo 1)" "key-signed bundle referrer with a Rekor entry (transparencyLog: required): allowed ($(brief 160))"
full "$KL_KEYREF_NOTLOG"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'ci-key-rekor (transparencyLog: required)' "$work/out" && echo 0 || echo 1)" "key-signed bundle without a tlog entry, tlog required: denied ($(grep -o 'verifies with no key signer[^)]*)' "$work/out" | head -1 | cut -c1-200))"
full "$KL_KEYSIG_SET"; rc=$?
ok "$([ $rc = 0 ] && echo 0 || echo 1)" "key-signed .sig with a verified Rekor SET, tlog required: allowed ($(brief 160))"
full "$KL_KEYSIG_NOSET"; rc=$?
ok "$([ $rc != 0 ] && grep -q 'transparencyLog: required, but the layer carries no Rekor entry' "$work/out" && echo 0 || echo 1)" "key-signed .sig without a Rekor entry, tlog required: denied"
# Beside the original: its key files are relative to it, and only its own directory may hold them.
optional_policy="$(dirname "$KL_POLICY_FULL")/policy-optional.yaml"
sed 's/^\( *ci-key-rekor:\)$/\1\n      transparencyLog: optional/' "$KL_POLICY_FULL" > "$optional_policy"
"$dg" check "$KL_KEYSIG_NOSET" --policy "$optional_policy" --plain-http "$REGISTRY" > "$work/out" 2>&1; rc=$?
ok "$([ $rc = 0 ] && echo 0 || echo 1)" "the same with transparencyLog: optional: allowed as before ($(brief 160))"
"$dg" check "$KL_KEYREF" --policy "$KL_POLICY_FULL" --plain-http "$REGISTRY" > "$work/out" 2>&1; rc=$?
ok "$([ $rc != 0 ] && grep -q 'trustRoots' "$work/out" && echo 0 || echo 1)" "key-signed bundle, no trust root: denied, says to configure trustRoots"

# driftgate serve over TLS with trustRoots in the config, and driftgate review on the same files
if "$top/certs/mint.sh" "$work/certs" 127.0.0.1 localhost > /dev/null 2>&1; then
  serve_up readyz <<YAML
policy: "$KL_POLICY_FULL"
trustRoots: ["$KL_ROOT"]
registry:
  plainHTTP: ["$REGISTRY"]
workers: 2
# The last check asserts a cached review costs no request, not when entries expire: on a loaded
# machine the reviews before it can outlast the default 30 s tag TTL (as in mutate_test).
cache: {tagTTLSeconds: 3600}
YAML
  ready=$?
  ok $ready "serve: ready over TLS with trustRoots from the config"
  post() {
    curl -s --cacert "$cacert" -o "$work/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary "@$1" "$base/validate?timeout=10s"
  }
  for c in "PAIR true" "REFONLY true" "KEYREF true" "ISSUER_BAD false" "REFCOPY false" "KEYREF_NOTLOG false"; do
    read -ra kv <<< "$c"; set -- "${kv[@]}"; v=KL_$1
    bash "$top/tests/integration/review-objects.sh" -o "$work/sv-$1" -k pod "${!v}" >/dev/null 2>&1
    st=$(post "$work/sv-$1/pod.json")
    ok "$([ "$st" = 200 ] && grep -q "\"allowed\": *$2" "$work/resp.json" && echo 0 || echo 1)" \
      "serve: $1 pod allowed=$2 (HTTP $st, $(grep -o '"message": *"[^"]*' "$work/resp.json" | head -1 | cut -c1-160))"
    "$dg" review --config "$work/config.yaml" "$work/sv-$1/pod.json" > "$work/cli.json" 2>/dev/null
    ok "$(grep -q "\"allowed\": *$2" "$work/cli.json" && echo 0 || echo 1)" "review --config: $1 pod allowed=$2"
  done
  post "$work/sv-ISSUER_BAD/pod.json" >/dev/null
  ok "$(grep -q 'issuer https://other-issuer.fixture.test' "$work/resp.json" && echo 0 || echo 1)" "serve: wrong-issuer message names the issuer got"
  # cached: the same keyless review again costs no registry request
  post "$work/sv-PAIR/pod.json" >/dev/null
  sleep 0.2
  last=$(grep -o '"registry_requests":[0-9]*' "$work/serve.log" | tail -1)
  ok "$([ "$last" = '"registry_requests":0' ] && echo 0 || echo 1)" "serve: a cached keyless review costs 0 registry requests ($last)"
  serve_stop
else
  ok 1 "certs/mint.sh made a serving certificate"
fi
done_testing
