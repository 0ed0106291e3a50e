#!/usr/bin/env bash
# Issue 13 item 2, anchors cannot be undone. The loader compiled "^(" src ")$", so
# subjectRegExp 'A)|(B' became ^(A)|(B)$ and any SAN starting with A or ending with B was
# admitted: a push to refs/heads/main-x passes for a policy written for refs/heads/main. The
# attacker here can push a branch of a covered repository and get its workflow a Fulcio
# certificate (SAN ...@refs/heads/main-x). Now every policy regex and verify-bundle's are compiled
# on their own (unbalanced is refused by lint, check, serve and verify-bundle) and PCRE2 anchors
# them at both ends; lint shows the effective pattern.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
: "${DG_SHARED:=$top/../shared}"

# A registry with two keyless-signed images: the main-branch workflow's and the attacker's.
world_up none "$work/w"
main='https://ci.fixture.test/acme/app/.ci/release.yml@refs/heads/main'
evil="$main-x"
img_main="$REGISTRY/demo/app@$PROD_UNSIGNED_DIGEST"
img_evil="$REGISTRY/demo/app@$PROD_WARN_DIGEST"
(cd "$top/tests" && KL_KEY=$CI_KEY KL_PUB=$CI_PUB node "$top/tests/support/fixtures/keyless-world.js" \
  "$work/kl" "$REGISTRY" "demo/app@$PROD_UNSIGNED_DIGEST=$main" \
  "demo/app@$PROD_WARN_DIGEST=$evil") > "$work/kl.log" 2>&1 ||
  { cat "$work/kl.log"; echo "not ok - keyless signing"; exit 1; }
root=$work/kl/trusted_root.json

# YAML double-quoted: \\. is the regex \.
A='https://ci\\.fixture\\.test/acme/app/\\.ci/release\\.yml@refs/heads/main'
HOTFIX='https://ci\\.fixture\\.test/acme/app/\\.ci/hotfix\\.yml@refs/heads/main'
ISS='https://issuer\\.fixture\\.test'
policy() { # FILE SUBJECT_REGEXP [ISSUER_REGEXP]
  {
    policy_head
    cat <<YAML
    ci:
      keyless:
        issuerRegExp: "${3:-$ISS}"
        subjectRegExp: "$2"
  images:
    - name: app
      match: ["$REGISTRY/demo/app"]
      signatures: {signedBy: [ci]}
YAML
  } > "$1"
}
# The attacks: a prefix (A)|(x), a suffix (x)|(B) and a middle that admits anything.
policy "$work/prefix.yaml" "$A)|(x"
policy "$work/suffix.yaml" 'x)|(.*@refs/heads/main-x'
policy "$work/anything.yaml" 'x)|.*|(x'
policy "$work/issuer.yaml" "$A" 'x)|(.*'
policy "$work/good.yaml" "$A"
policy "$work/alternation.yaml" "$A|$HOTFIX"

for p in prefix suffix anything issuer; do
  out=$("$dg" policy lint "$work/$p.yaml" 2>&1); rc=$?
  check "$([ $rc = 1 ] && [[ $out == *'RegExp: invalid regular expression'*'unexpected ")" at offset'* ]] && echo 0 || echo 1)" \
    "lint refuses the $p attack regex (rc $rc: $(echo "$out" | head -1 | cut -c1-200))" "$out"
done

out=$("$dg" check "$img_evil" --policy "$work/prefix.yaml" --plain-http "$REGISTRY" --trusted-root "$root" 2>&1); rc=$?
check "$([ $rc != 0 ] && [[ $out == *'unexpected ")"'* ]] && echo 0 || echo 1)" \
  "check refuses the policy instead of admitting SAN ...@refs/heads/main-x (rc $rc)" "$out"
out=$("$dg" check "$img_evil" --policy "$work/anything.yaml" --plain-http "$REGISTRY" --trusted-root "$root" 2>&1); rc=$?
check "$([ $rc != 0 ] && [[ $out == *'unexpected ")"'* ]] && echo 0 || echo 1)" \
  "check refuses x)|.*|(x (rc $rc)" "$out"

# serve: the attack policy is refused at start; the correct one admits main and denies main-x.
mint_cert "$work" 127.0.0.1
cacert=$work/tls.crt
port=$(free_port)
base=https://127.0.0.1:$port
config() {
  cat > "$work/config.yaml" <<YAML
listen: "127.0.0.1:$port"
tls: {cert: $work/tls.crt, key: $work/tls.key}
policy: $1
trustRoots: ["$root"]
registry: {plainHTTP: ["$REGISTRY"]}
workers: 1
YAML
}
config "$work/prefix.yaml"
if start_serve "$work/config.yaml"; then
  rj=$(review_json evil "$img_evil")
  check 1 "serve refuses to start with the prefix attack policy" \
    "it started; the main-x pod got: $(post "$rj" | head -c 300)"
  serve_stop
else
  check "$(grep -q 'unexpected ")"' "$work/serve.log" && echo 0 || echo 1)" \
    "serve refuses to start with the prefix attack policy, naming the regex" "$(cat "$work/serve.log")"
  pid=
fi
for p in good alternation; do
  config "$work/$p.yaml"
  : > "$work/serve.log"
  start_serve "$work/config.yaml"; check $? "serve starts with the $p policy" "$(cat "$work/serve.log")"
  out=$(post "$(review_json main "$img_main")")
  check "$([[ $out == *'"allowed":true'* || $out == *'"allowed": true'* ]] && echo 0 || echo 1)" \
    "$p policy: the main-branch workflow's image is allowed" "$out"
  out=$(post "$(review_json evil "$img_evil")")
  check "$([[ $out == *'"allowed":false'* || $out == *'"allowed": false'* ]] && [[ $out == *'refs/heads/main-x'* ]] && echo 0 || echo 1)" \
    "$p policy: SAN ...@refs/heads/main-x is denied, named in the message" "$out"
  serve_stop
done

# lint shows what is matched.
out=$("$dg" policy lint "$work/good.yaml" 2>&1); rc=$?
check "$([ $rc = 0 ] && [[ $out == *"good.yaml:9:24: signer ci: keyless.subjectRegExp: whole value must match ^(?:https://ci\\.fixture"*'@refs/heads/main)$ (RE2 syntax)'* ]] && echo 0 || echo 1)" \
  "lint shows the effective (anchored) pattern of each regex" "$out"

# verify-bundle, the sigstore-conformance happy path: SAN ...oidc-beacon.yml@refs/heads/main.
V=$DG_SHARED/vectors
vb() { "$dg" verify-bundle --bundle "$V/sigstore-conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json" \
  --trusted-root "$V/trust/sigstore-public-good.trusted_root.json" "$@" \
  "$V/sigstore-conformance/bundle-verify/a.txt" > "$work/vb.out" 2>&1; }
vb --certificate-identity-regexp 'https://github\.com/sigstore-conformance/.+@refs/heads/main' \
  --certificate-oidc-issuer https://token.actions.githubusercontent.com; rc=$?
check "$([ $rc = 0 ] && echo 0 || echo 1)" "verify-bundle: a whole-value identity regexp verifies" "$(cat "$work/vb.out")"
vb --certificate-identity-regexp 'https://github\.com/other/repo/\.github/workflows/x\.yml@refs/heads/main)|(.*' \
  --certificate-oidc-issuer https://token.actions.githubusercontent.com; rc=$?
check "$([ $rc != 0 ] && grep -q 'unexpected ")"' "$work/vb.out" && echo 0 || echo 1)" \
  "verify-bundle refuses an identity regexp that would reopen the anchors (rc $rc)" "$(cat "$work/vb.out")"
vb --certificate-identity-regexp 'https://github\.com/sigstore-conformance/' \
  --certificate-oidc-issuer-regexp 'x)|(.*'; rc=$?
check "$([ $rc != 0 ] && echo 0 || echo 1)" "verify-bundle: a prefix is not the whole identity; the issuer trick is refused (rc $rc)" "$(cat "$work/vb.out")"

[ "$failed" = 0 ]
