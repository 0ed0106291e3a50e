#!/usr/bin/env bash
# Issue 11 item 7, messages a cluster user can act on, behind a real apiserver: kubectl prints an
# identical warning once per command, so a warning must name its object and JSON path (two
# Deployments of one image, one `kubectl apply`, must show two lines; each container of a
# 31-container Pod its own), and signature and attestation denials must name the image rule
# (`images[].name`), not only the signer. Objects are rendered by kubectl
# (tests/integration/review-objects.sh); kubectl's de-duplication is applied to the warnings of
# all answers of one "command". Every answer also passes answer-check.py (the apiserver's limits).
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/security/answer-world.sh
. "$top/tests/security/answer-world.sh"
answer_ok() { python3 "$top/tests/security/answer-check.py" "$@"; }
need_exec "$dg"
answer_world; check $? "a registry with signed image pairs" || exit 1
review() { # REVIEW_FILE OUT → exit status of driftgate review
  "$dg" review "$1" --policy "$POLICY" --plain-http "$REGISTRY" --docker-config "$DOCKER_CONFIG" \
    > "$2" 2> "$2.log"
}
# kubectl_warnings FILE...: the Warning: lines one kubectl command would print for these answers
kubectl_warnings() {
  python3 - "$@" <<'PY'
import json, sys
seen = []
for f in sys.argv[1:]:
    for w in json.load(open(f))["response"].get("warnings") or []:
        if w not in seen:  # k8s.io/client-go rest.WarningWriter{Deduplicate: true}
            seen.append(w)
for w in seen:
    print("Warning: " + w)
PY
}

# Two Deployments of the same image in one `kubectl apply`.
for name in app-a app-b; do
  bash "$top/tests/integration/review-objects.sh" -n "$name" -k deployment "$PROD_WARN" > "$work/q-$name.json" ||
    { check 1 "kubectl renders Deployment $name"; exit 1; }
  review "$work/q-$name.json" "$work/r-$name.json"; rc=$?
  out=$(answer_ok "$work/r-$name.json" 1048576 allowed "minor drift of python3")
  check $? "Deployment $name: allowed with the python3 warning (exit $rc)" "$out"
done
shown=$(kubectl_warnings "$work/r-app-a.json" "$work/r-app-b.json")
[ "$(printf '%s\n' "$shown" | grep -c '^Warning: ')" = 2 ]
check $? "kubectl shows two warnings for two Deployments, not one" "$shown"
for name in app-a app-b; do
  printf '%s\n' "$shown" | grep -qF "Warning: Deployment default/$name: spec.template.spec.containers[0].image $PROD_WARN, image rule demo-app: minor drift of python3: dev 3.12.1-1, prod 3.11.2-1"
  check $? "the warning names Deployment $name, the JSON path, the image and the image rule" "$shown"
done

# A 31-container Pod of that image.
imgs=()
for _ in $(seq 31); do imgs+=("$PROD_WARN"); done
bash "$top/tests/integration/review-objects.sh" -n big -k pod "${imgs[@]}" > "$work/q-big.json" ||
  { check 1 "kubectl renders the 31-container Pod"; exit 1; }
[ "$(jq '.request.object.spec.containers | length' "$work/q-big.json")" = 31 ]
check $? "the Pod has 31 containers"
review "$work/q-big.json" "$work/r-big.json"; rc=$?
out=$(answer_ok "$work/r-big.json" 1048576 allowed "more warnings")
check $? "31 containers: allowed, warnings within the apiserver's limits (exit $rc)" "$out"
shown=$(kubectl_warnings "$work/r-big.json")
n=$(printf '%s\n' "$shown" | grep -c '^Warning: ')
paths=$(printf '%s\n' "$shown" | grep -o 'spec\.containers\[[0-9]*\]\.image' | sort -u | wc -l)
[ "$n" = 16 ] && [ "$paths" = 15 ]
check $? "kubectl shows 16 warnings: 15 naming 15 different containers, and the count of the rest ($n, $paths paths)" "$shown"
printf '%s\n' "$shown" | tail -1 | grep -qx 'Warning: Pod default/big: … and 16 more warnings'
check $? "the last one says how many more there are" "$(printf '%s\n' "$shown" | tail -2)"

# Signature and attestation denials name the image rule as well as the signers.
bash "$top/tests/integration/review-objects.sh" -n unsigned -k deployment "$PROD_UNSIGNED" > "$work/q-unsigned.json"
review "$work/q-unsigned.json" "$work/r-unsigned.json"; rc=$?
out=$(answer_ok "$work/r-unsigned.json" 1048576 denied \
  "spec.template.spec.containers[0].image $PROD_UNSIGNED (sha256:" \
  ", image rule demo-app: no verified signature by ci-key: sign it with cosign sign" \
  ", image rule demo-app: no verified SBOM attestation (https://cyclonedx.org/bom) by ci-key")
[ $rc = 1 ]; check $(( $? + ${#out} > 0 )) "an unsigned image: both denials name the JSON path, the digest and the image rule (exit $rc)" "$out"
done_testing
