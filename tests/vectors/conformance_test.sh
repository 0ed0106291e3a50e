#!/usr/bin/env bash
# Runs every bundle-verification case of $DG_SHARED/vectors/sigstore-conformance through
# `driftgate verify-bundle` the way the sigstore-conformance client protocol does
# (verify-bundle --bundle B --certificate-identity ID --certificate-oidc-issuer URL | --key K,
# --trusted-root T, ARTIFACT), and compares the exit status with expectations.json: 0 for "pass"
# cases, non-zero for "fail". Every case is judged; none is skipped. DSSE cases are run a second
# time with the artifact given as sha256:<hex> (the digest form of the protocol).
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
: "${DG_SHARED:=$top/../shared}"
V=$DG_SHARED/vectors
C=$V/sigstore-conformance/expectations.json
command -v jq > /dev/null || bail "conformance: jq is not installed"
need_exec "$dg"
[ -f "$C" ] || bail "conformance: $C missing"

passes=0 fails=0

run_case() { # name expect args...
  local name=$1 expect=$2
  shift 2
  "$dg" verify-bundle "$@" > "$work/out" 2>&1
  judge_exit $? "$expect" "conformance $name ($expect): $(head -c 200 "$work/out")" "conformance $name" "$work/out"
}

while IFS=$'\t' read -r name expect bundle artifact sha root key identity issuer; do
  args=(--bundle "$V/$bundle" --trusted-root "$V/$root")
  if [ "$key" != - ]; then
    args+=(--key "$V/$key")
  else
    args+=(--certificate-identity "$identity" --certificate-oidc-issuer "$issuer")
  fi
  [ "$expect" = pass ] && passes=$((passes + 1)) || fails=$((fails + 1))
  run_case "$name" "$expect" "${args[@]}" "$V/$artifact"
  if jq -e 'has("dsseEnvelope")' "$V/$bundle" > /dev/null 2>&1; then
    run_case "$name (sha256:)" "$expect" "${args[@]}" "sha256:$sha"
  fi
done < <(jq -r '.cases | to_entries[] | [.key, .value.expect, .value.bundle, .value.artifact,
  .value.artifact_sha256, .value.trusted_root, (.value.key // "-"), (.value.identity // "-"),
  (.value.issuer // "-")] | @tsv' "$C")

echo "# sigstore-conformance bundle-verify: $agree of $((agree + disagree)) runs agree" \
     "($passes pass cases, $fails fail cases)"
done_testing
