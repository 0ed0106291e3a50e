#!/usr/bin/env bash
# `driftgate verify-bundle` on bundles sigstore-js makes here against the loopback mock
# (tests/support/fixtures/keyless-evidence.js), issue 11 items 4-6, checked by exit code (0
# verified, 1 not, 2 usage) and by the printed reason:
# - a private deployment's checkpoint (origin "rekor-00001-deployment-abc - <tree id>") verifies by
#   the log's key; signed by another key it is refused;
# - timestamp-only evidence (GitHub's private-repository instance: a CA without CT log and a TSA,
#   no Rekor; and a key-signed bundle): --require-tlog 0 --require-timestamps 1 verifies,
#   the default (--require-tlog 1) refuses, a timestamp over other bytes is refused, no evidence at
#   all is refused;
# - sha512 artifacts (npm provenance subjects): sha512:<hex> and the file itself verify, a sha512
#   differing in one byte is refused;
# - the flags' own errors (exit 2).
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
[ -x "$dg" ] || { echo "not ok - verify-bundle: $dg not built"; exit 1; }
ev=$work/ev
(cd "$top/tests" && node support/fixtures/keyless-evidence.js "$ev") > "$work/fixtures.log" 2>&1
check $? "sigstore-js made the evidence fixtures" "$(cat "$work/fixtures.log")"
[ -f "$ev/fixtures.json" ] || exit 1
id=$(jq -r .identity "$ev/fixtures.json")
iss=$(jq -r .issuer "$ev/fixtures.json")
sha512=$(jq -r .sha512 "$ev/fixtures.json")

# expect WANT_EXIT NEEDLE DESCRIPTION verify-bundle-args...: the exit code, and NEEDLE in the output.
expect() {
  local want=$1 needle=$2 what=$3 rc
  shift 3
  "$dg" verify-bundle "$@" > "$work/out" 2>&1
  rc=$?
  [ "$rc" = "$want" ] && grep -qF -- "$needle" "$work/out"
  check $? "$what (exit $rc: $(head -c 220 "$work/out" | tr '\n' ' '))" "$(cat "$work/out")"
}
keyless=(--certificate-identity "$id" --certificate-oidc-issuer "$iss")
root=(--trusted-root "$ev/trusted_root.json")
gh=(--trusted-root "$ev/github_root.json")

# Item 4: the checkpoint is bound to the log by its key, not by its origin line.
expect 0 "1 tlog entry" "private deployment's checkpoint origin, signed by the log key: verified" \
  --bundle "$ev/origin.bundle.json" "${keyless[@]}" "${root[@]}" "$ev/artifact.txt"
expect 1 "checkpoint has no signature with the log's key hint" \
  "the same checkpoint signed by another log's key: not verified" \
  --bundle "$ev/origin-other-key.bundle.json" "${keyless[@]}" "${root[@]}" "$ev/artifact.txt"
expect 1 "checkpoint signature does not verify with the log key" \
  "the same checkpoint, another key under the log's hint: not verified" \
  --bundle "$ev/origin-forged-hint.bundle.json" "${keyless[@]}" "${root[@]}" "$ev/artifact.txt"

# Item 5: timestamps without a tlog entry.
expect 0 "(tsa), 0 tlog entries, 1 timestamp" \
  "GitHub-like keyless DSSE, --require-tlog 0 --require-timestamps 1: verified" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog 0 \
  --require-timestamps 1 "$ev/artifact.txt"
expect 0 "(tsa), 0 tlog entries, 1 timestamp" \
  "GitHub-like keyless message signature, --require-tlog 0: verified" \
  --bundle "$ev/gh-msg.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog 0 "$ev/artifact.txt"
expect 1 "0 verified transparency log entries, 1 required" \
  "GitHub-like bundle with --require-tlog 1: not verified" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog 1 "$ev/artifact.txt"
expect 1 "0 verified transparency log entries, 1 required" \
  "GitHub-like bundle with the default (one tlog entry): not verified" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" "$ev/artifact.txt"
expect 1 "1 verified RFC 3161 timestamps, 2 required" \
  "GitHub-like bundle with --require-timestamps 2: not verified" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog 0 \
  --require-timestamps 2 "$ev/artifact.txt"
expect 1 "message imprint mismatch" "a timestamp over other bytes: not verified" \
  --bundle "$ev/gh-other-bytes.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog 0 \
  --require-timestamps 1 "$ev/artifact.txt"
expect 1 "no verified signing time" "keyless with neither tlog entry nor timestamp: not verified" \
  --bundle "$ev/gh-none.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog 0 "$ev/artifact.txt"
expect 1 "no valid SCT" "the GitHub-like CA in a root that lists a CT log: its SCT-less certificate is refused" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" --trusted-root "$ev/github-ctlog_root.json" \
  --require-tlog 0 "$ev/artifact.txt"
expect 1 "is not \"https://evil.test/x\"" "GitHub-like bundle, another identity: not verified" \
  --bundle "$ev/gh-dsse.bundle.json" --certificate-identity https://evil.test/x \
  --certificate-oidc-issuer "$iss" "${gh[@]}" --require-tlog 0 "$ev/artifact.txt"
expect 0 "signed by the given key, signed at" "key-signed bundle with only a timestamp, --require-tlog 0: verified" \
  --bundle "$ev/key-tsa.bundle.json" --key "$ev/key.pub" "${root[@]}" --require-tlog 0 \
  --require-timestamps 1 "$ev/artifact.txt"
expect 1 "0 verified transparency log entries, 1 required" \
  "key-signed bundle with only a timestamp, default: not verified" \
  --bundle "$ev/key-tsa.bundle.json" --key "$ev/key.pub" "${root[@]}" "$ev/artifact.txt"

# Item 6: sha512 artifacts.
expect 0 "1 tlog entry" "npm-style bundle, sha512:<hex> of the tarball: verified" \
  --bundle "$ev/npm.bundle.json" "${keyless[@]}" "${root[@]}" "sha512:$sha512"
expect 0 "1 tlog entry" "npm-style bundle, the tarball itself: verified" \
  --bundle "$ev/npm.bundle.json" "${keyless[@]}" "${root[@]}" "$ev/package.tgz"
last=${sha512: -1}
[ "$last" = 0 ] && other=1 || other=0
expect 1 "does not include the artifact digest sha512:${sha512%?}$other" \
  "npm-style bundle, a sha512 that differs in one byte: not verified" \
  --bundle "$ev/npm.bundle.json" "${keyless[@]}" "${root[@]}" "sha512:${sha512%?}$other"
expect 1 "does not include the artifact digest sha512:" "npm-style bundle, another file: not verified" \
  --bundle "$ev/npm.bundle.json" "${keyless[@]}" "${root[@]}" "$ev/artifact.txt"
expect 1 "a message signature is over the artifact's sha256" \
  "a message signature given only a sha512: not verified, says why" \
  --bundle "$ev/origin.bundle.json" "${keyless[@]}" "${root[@]}" "sha512:$sha512"
expect 2 "is not sha512:<128 lowercase hex>" "sha512: with 127 hex digits: usage error" \
  --bundle "$ev/npm.bundle.json" "${keyless[@]}" "${root[@]}" "sha512:${sha512%?}"
upper=$(printf '%s' "$sha512" | tr a-f A-F)
expect 2 "is not sha512:<128 lowercase hex>" "sha512: in uppercase hex: usage error" \
  --bundle "$ev/npm.bundle.json" "${keyless[@]}" "${root[@]}" "sha512:$upper"

# The flags' own errors.
for bad in x -1 17 1x ''; do
  expect 2 "expected a count from 0 to 16" "--require-tlog '$bad': usage error" \
    --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" --require-tlog "$bad" \
    "$ev/artifact.txt"
done
expect 2 "expected a count from 0 to 16" "--require-timestamps 99: usage error" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" --require-timestamps 99 \
  "$ev/artifact.txt"
expect 2 "needs a value" "--require-tlog without a value: usage error" \
  --bundle "$ev/gh-dsse.bundle.json" "${keyless[@]}" "${gh[@]}" "$ev/artifact.txt" --require-tlog

echo "# verify-bundle evidence: $failed failed"
[ "$failed" -eq 0 ]
