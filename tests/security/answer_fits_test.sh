#!/usr/bin/env bash
# Issue 13 item 6, the answer always fits: no AdmissionReview response may exceed what the
# apiserver takes, or become an HTTP error (a webhook failure: failurePolicy decides), because of
# content an attacker wrote: a package name of 200,000 characters, control characters (newline,
# ESC, C1) in SBOM names and versions, hundreds of findings on 128 containers, image references
# as long as the parser takes. Every answer must be HTTP 200, valid JSON within the cap, with
# warnings inside the apiserver's limits and free of control characters (answer-check.py), and
# a denial that still says what to fix. Through `driftgate review` and `driftgate serve` over TLS
# (with limits.responseBytes lowered so the cap itself is exercised).
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/security/answer-world.sh
. "$top/tests/security/answer-world.sh"
answer_ok() { python3 "$top/tests/security/answer-check.py" "$@"; }
need_exec "$dg"

# Objects only (no registry): every image a container of one Pod.
pod_review() { # UID IMAGE... → an AdmissionReview with one container per image
  python3 - "$@" <<'PY'
import json, sys
uid, images = sys.argv[1], sys.argv[2:]
cs = [{"name": "c%d" % i, "image": im} for i, im in enumerate(images)]
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE",
    "namespace": "tenant", "name": "p",
    "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "tenant"},
               "spec": {"containers": cs}}}}))
PY
}
long_images=()
for i in $(seq 0 127); do long_images+=("reg.example/$(printf 'a%.0s' $(seq 200))/x$i:$(printf 't%.0s' $(seq 120))"); done
pod_review u-long "${long_images[@]}" > "$work/long.json"
for nm in deny warn; do
  cat > "$work/nomatch-$nm.yaml" <<YAML
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {noMatch: $nm}
  images: [{name: other, match: ["other.example/**"]}]
YAML
done
"$dg" review "$work/long.json" --policy "$work/nomatch-deny.yaml" > "$work/r-long-deny.json" 2>/dev/null
rc=$?
[ $rc = 1 ] && out=$(answer_ok "$work/r-long-deny.json" 1048576 denied "no image rule matches" "more denials")
check $? "128 containers with 350-character references, noMatch deny: one denial message within 4 KiB that counts the rest (exit $rc)" "${out:-}"
"$dg" review "$work/long.json" --policy "$work/nomatch-warn.yaml" > "$work/r-long-warn.json" 2>/dev/null
rc=$?
[ $rc = 0 ] && out=$(answer_ok "$work/r-long-warn.json" 1048576 allowed "more warnings")
check $? "the same with noMatch warn: 16 warnings within 4096 characters, the last counting the rest (exit $rc)" "${out:-}"

# The registry world: SBOMs written by an attacker, signed with the trusted key.
answer_world; check $? "a registry with hostile SBOMs signed by the trusted key" || exit 1
review() { # NAME POD_REVIEW_ARGS... → $work/r-NAME.json, exit status of driftgate review
  pod_review "u-$1" "${@:2}" > "$work/q-$1.json"
  "$dg" review "$work/q-$1.json" --policy "$POLICY" --plain-http "$REGISTRY" \
    --docker-config "$DOCKER_CONFIG" > "$work/r-$1.json" 2> "$work/e-$1.log"
}
review longname "$PROD_LONGNAME"; rc=$?
[ $rc = 1 ] && out=$(answer_ok "$work/r-longname.json" 1048576 denied "dev-only package libssl-xxxx" \
  "remove it from the dev image or add it to the production image" "image rule demo-app")
check $? "a 200,000-character package name: a normal denial naming the package (cut), the rule and the fix (exit $rc)" "${out:-}"
sz=$(wc -c < "$work/r-longname.json")
[ "$sz" -lt 8192 ]; check $? "that answer is $sz bytes (the name is quoted, not copied)"

review ctrl "$PROD_CTRL"; rc=$?
[ $rc = 1 ] && out=$(answer_ok "$work/r-ctrl.json" 1048576 denied "Warning: forged line")
check $? "newline, ESC, BEL and C1 controls in SBOM names: no control character reaches a warning or the message (exit $rc)" "${out:-}"
grep -q 'forged line' "$work/r-ctrl.json" && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["response"]
w = [x for x in r.get("warnings", []) if "forged line" in x]
sys.exit(0 if len(w) == 1 and "\ufffd" in w[0] and "image rule demo-app" in w[0] else 1)' "$work/r-ctrl.json"
check $? "the warning about that package is kept, its controls shown as U+FFFD" "$(head -c 1500 "$work/r-ctrl.json")"

many=()
for i in $(seq 0 127); do many+=("$PROD_MANY"); done
review many "${many[@]}"; rc=$?
[ $rc = 1 ] && out=$(answer_ok "$work/r-many.json" 1048576 denied "blocked by seed-default[1]" "more denials" "more warnings")
check $? "128 containers × 300 blocked packages of 3,000 characters and 300 warnings: a denial within every limit, not an HTTP error (exit $rc)" "${out:-$(head -c 300 "$work/e-many.log")}"

# serve over TLS with a 16 KiB response cap.
mint_cert "$work" 127.0.0.1; check $? "minted a serving certificate"
cacert=$work/tls.crt
port=$(free_port)
cat > "$work/config.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: $work/tls.crt, key: $work/tls.key}
policy: $POLICY
registry: {plainHTTP: ["$REGISTRY"], dockerConfig: $DOCKER_CONFIG}
limits: {responseBytes: 16384}
log: {level: warn}
YAML
base=https://127.0.0.1:$port
start_serve "$work/config.yaml"; check $? "driftgate serve is up" "$(tail -5 "$work/serve.log")"
for name in long longname ctrl many; do
  body=$work/q-$name.json; [ "$name" = long ] && body=$work/long.json
  code=$(c -H 'Content-Type: application/json' --data-binary "@$body" -o "$work/s-$name.json" \
    -w '%{http_code}' "$base/validate?timeout=25s")
  [ "$code" = 200 ] && out=$(answer_ok "$work/s-$name.json" 16384 denied)
  check $? "serve: the $name review answers HTTP 200 within limits.responseBytes 16384 ($code, $(wc -c < "$work/s-$name.json") bytes)" "${out:-$(head -c 300 "$work/s-$name.json")}"
done
grep -q 'exceeds limits.responseBytes (16384 bytes), so the request is denied; the first denial: spec.containers\[0\].image' "$work/s-many.json"
check $? "serve: the 128-container answer (over 16 KiB with its audit annotations) is a short denial saying so, with its first reason" "$(head -c 600 "$work/s-many.json")"
done_testing
