#!/usr/bin/env bash
# Command-line conventions: `driftgate --help` and `driftgate CMD --help` print usage on stdout and
# exit 0; `driftgate --version` names the version (the VERSION file) and the git commit; a usage
# error still goes to stderr with exit 2.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
run() { "$dg" "$@" > "$work/out" 2> "$work/err"; echo $?; }

for args in "--help" "-h" "help"; do
  rc=$(run $args)
  [ "$rc" = 0 ] && [ -s "$work/out" ] && [ ! -s "$work/err" ] && grep -q '^usage: driftgate COMMAND' "$work/out"
  check $? "driftgate $args: usage on stdout, nothing on stderr, exit 0 (exit $rc)" "$(cat "$work/out" "$work/err")"
done
for cmd in serve review check diff policy verify-bundle; do
  for flag in --help -h; do
    rc=$(run "$cmd" "$flag")
    [ "$rc" = 0 ] && [ ! -s "$work/err" ] && grep -q "^usage: driftgate $cmd" "$work/out" &&
      grep -q '^exit: ' "$work/out"
    check $? "driftgate $cmd $flag: its usage and exit codes on stdout, exit 0 (exit $rc)" "$(cat "$work/out" "$work/err")"
  done
done
rc=$(run policy lint --help)
[ "$rc" = 0 ] && grep -q '^usage: driftgate policy lint' "$work/out"
check $? "driftgate policy lint --help: the policy usage, exit 0 (exit $rc)" "$(cat "$work/err")"
rc=$(run review x.json --policy p.yaml --help)
[ "$rc" = 0 ] && grep -q '^usage: driftgate review' "$work/out"
check $? "--help after other arguments still asks for help (exit $rc)"

want_version=$(cat "$top/VERSION")
want_commit=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
rc=$(run --version)
out=$(cat "$work/out")
[ "$rc" = 0 ] && [ ! -s "$work/err" ] && [[ "$out" =~ ^driftgate\ ([^ ]+)\ \(commit\ ([0-9a-f]+|unknown)\)$ ]]
check $? "driftgate --version: one line on stdout, exit 0 ($out)" "$(cat "$work/err")"
[ "${BASH_REMATCH[1]:-}" = "$want_version" ]; check $? "the version is the VERSION file's ($want_version)"
# The binary may predate the last commit (built, then committed): it must name a real commit.
got_commit=${BASH_REMATCH[2]:-}
[ "$got_commit" = "$want_commit" ] || git -C "$top" cat-file -e "$got_commit^{commit}" 2>/dev/null
check $? "the commit is this checkout's ($got_commit; HEAD $want_commit)"

for args in "" "bogus" "review" "review --bogus x" "diff only-one.json --policy p.yaml"; do
  # shellcheck disable=SC2086 # each case is a list of arguments, split on purpose
  rc=$(run $args)
  [ "$rc" = 2 ] && [ -s "$work/err" ] && [ ! -s "$work/out" ]
  check $? "usage error '${args:-no arguments}': stderr, exit 2 (exit $rc)" "$(cat "$work/out" "$work/err")"
done

# diff names the first failure once, in the order policy, prod, dev (dev is parsed on a thread of
# its own beside the policy and prod), and exits 2.
prodf=$top/tests/golden/sbom/seed-debian-cyclonedx/prod.json
printf '{"bomFormat": "CycloneDX", "components": [' > "$work/cut.json"
for args in "$work/none.json|$prodf|$top/policy/default.yaml|driftgate diff: $work/none.json: No such file or directory" \
            "$prodf|$work/none.json|$top/policy/default.yaml|driftgate diff: $work/none.json: No such file or directory" \
            "$work/none.json|$work/cut.json|$work/none.yaml|driftgate diff: policy $work/none.yaml: " \
            "$work/cut.json|$work/none.json|$top/policy/default.yaml|driftgate diff: $work/cut.json: SBOM JSON 1:" \
            "$prodf|$work/cut.json|$top/policy/default.yaml|driftgate diff: $work/cut.json: SBOM JSON 1:"; do
  IFS='|' read -r prod dev pol want <<< "$args"
  rc=$(run diff "$prod" "$dev" --policy "$pol")
  [ "$rc" = 2 ] && [ "$(wc -l < "$work/err")" = 1 ] && [[ "$(cat "$work/err")" == "$want"* ]] && [ ! -s "$work/out" ]
  check $? "diff $(basename "$prod") $(basename "$dev") --policy $(basename "$pol"): one line, '$want...', exit 2 (exit $rc)" "$(cat "$work/err")"
done
# A policy file that cannot be read is named once ("policy PATH: why", not "policy PATH: PATH: why").
rc=$(run diff "$prodf" "$prodf" --policy "$work/none.yaml")
[ "$rc" = 2 ] && [ "$(cat "$work/err")" = "driftgate diff: policy $work/none.yaml: No such file or directory" ]
check $? "diff --policy none.yaml: the unreadable policy's path once, exit 2 (exit $rc)" "$(cat "$work/err")"

# diff never verifies, so it only checks signer keys (file, label, base64, SPKI shape, algorithm:
# verify/keys.h wh_verify_key_check) and skips OpenSSL's key decoders; a broken key is still an
# invalid policy for diff, and a key only OpenSSL's parse refuses (an EC point off its curve) is
# refused by every command that verifies or lints.
for kind in base64 offcurve; do
  mkdir -p "$work/$kind/keys"
  cp "$top/policy/default.yaml" "$work/$kind/policy.yaml"
done
printf -- '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMtrI43VOsE3mcsrEtVi+2w1YXcEL\n=1\n-----END PUBLIC KEY-----\n' \
  > "$work/base64/keys/ci.pub"
printf -- '-----BEGIN PUBLIC KEY-----\n%s\n%s\n-----END PUBLIC KEY-----\n' \
  MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMtrI43VOsE3mcsrEtVi+2w1YXcEL \
  dVe1LG3Qd2n700QeLcK/6AKUSmm8qVGomePyQBqz/zraluU5d9BbzRe89g== > "$work/offcurve/keys/ci.pub"
rc=$(run diff "$prodf" "$prodf" --policy "$work/base64/policy.yaml")
[ "$rc" = 2 ] && [ ! -s "$work/out" ] && [ "$(wc -l < "$work/err")" = 1 ] &&
  grep -q "^driftgate diff: $work/base64/policy.yaml:[0-9]*:[0-9]*: signer ci-key: key: malformed PEM public key" "$work/err"
check $? "diff with a signer key of broken base64: the policy is refused at the key's line, exit 2 (exit $rc)" "$(cat "$work/err")"
rc=$(run diff "$prodf" "$prodf" --policy "$work/offcurve/policy.yaml")
[ "$rc" = 0 ] && [ ! -s "$work/err" ] && grep -q '^summary: block 0' "$work/out"
check $? "diff with an off-curve signer key (which diff never uses): the report, exit 0 (exit $rc)" "$(cat "$work/out" "$work/err")"
rc=$(run policy lint "$work/offcurve/policy.yaml")
[ "$rc" = 1 ] && grep -q "signer ci-key: key: malformed PEM public key" "$work/out" "$work/err"
check $? "policy lint parses the key: the off-curve key is refused, exit 1 (exit $rc)" "$(cat "$work/out" "$work/err")"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}' > "$work/review.json"
rc=$(run review "$work/review.json" --policy "$work/offcurve/policy.yaml")
[ "$rc" = 2 ] && grep -q "signer ci-key: key: malformed PEM public key" "$work/err"
check $? "review parses the key: the off-curve key is refused at load, exit 2 (exit $rc)" "$(cat "$work/out" "$work/err")"
done_testing
