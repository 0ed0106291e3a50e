#!/usr/bin/env bash
# Keyless cosign signatures through `driftgate check` and `driftgate review` against a real
# registry (keyless-world.sh): the right identity is allowed; a wrong identity, another image's
# signature, an untrusted Fulcio CA and a missing trust root are denied with messages naming why.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
dg="$BUILD/driftgate"
work=$(mktemp -d)
trap 'bash "$top/tests/support/fixtures/keyless-world.sh" stop "$work/w" >/dev/null 2>&1; rm -rf "$work"' EXIT
pass=0 fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi; }
bash "$top/tests/support/fixtures/keyless-world.sh" "$work/w" > "$work/world.log" 2>&1 ||
  { cat "$work/world.log"; echo "not ok - keyless world"; exit 1; }
# shellcheck disable=SC1091
. "$work/w/world.env"; . "$work/w/keyless.env"
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
echo "# keyless_e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
