#!/usr/bin/env bash
# Issue 12 item 3: `name:TAG@sha256:D` cannot borrow another tag's dev image. The digest decides
# what runs, but a {{tag}} dev reference is chosen by TAG: an attacker who can push (no signing
# key) deploys the devssl build as app:ok@<devssl digest> and has it compared with ok's dev
# image. Now the tag must name D (or an index holding D), and `devReference.from: attestation`
# takes the dev image from a signed dev-environment attestation on D (`driftgate attest-dev`,
# signed here by npm's @sigstore/sign as any in-toto signer), so no pushed tag chooses it.
# Real registry (tests/support/fixtures/world.sh), `driftgate review`, `check` and `attest-dev`.
# Env: BUILD (build dir with driftgate). Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up none
APP=$REGISTRY/demo/app DEV=$REGISTRY/demo/devcontainer

review() { # image policy → "allowed<TAB>message<TAB>drift annotation<TAB>dev-image annotation"
  bash "$top/tests/integration/review-objects.sh" -o "$work/obj" -k pod "$1" > /dev/null 2>&1
  "$dg" review --policy "$2" --plain-http "$REGISTRY" "$work/obj/pod.json" 2> "$work/review.log" |
    jq -r '.response | [.allowed, (.status.message // ""), (.auditAnnotations["0-drift"] // ""),
                        (.auditAnnotations["0-dev-image"] // "")] | @tsv'
}
allowed() { cut -f1 <<< "$1"; }

# --- tag mapping ({{tag}}): the world's own policy ------------------------------------------------
expect_review "$APP:devssl" "$POLICY" false \
  "app:devssl is denied by its dev image (libssl-dev only in dev)" \
  'blocked by seed-default[1] (dev-only package libssl-dev'

# The attack: the devssl build under the ok tag.
r=$(review "$APP:ok@$PROD_DEVSSL_DIGEST" "$POLICY")
[ "$(allowed "$r")" = false ] &&
  grep -qF "the tag ok names $PROD_OK_DIGEST, not $PROD_DEVSSL_DIGEST" <<< "$r" &&
  grep -qF 'is chosen by the tag, so a tag that does not name the image cannot choose its dev image' <<< "$r" &&
  [ "$(cut -f3 <<< "$r")" = error ]
check $? "app:ok@<devssl digest> is denied: the tag ok does not name the digest" "$r"
out=$("$dg" check "$APP:ok@$PROD_DEVSSL_DIGEST" --policy "$POLICY" --plain-http "$REGISTRY" 2>&1); rc=$?
[ $rc = 1 ] && grep -qF "the tag ok names $PROD_OK_DIGEST" <<< "$out"
check $? "driftgate check says the same and exits 1 (deny, not error)" "rc=$rc $out"

# A tag that names the digest is judged against its own dev image, resolved to a digest.
r=$(review "$APP:devssl@$PROD_DEVSSL_DIGEST" "$POLICY")
[ "$(allowed "$r")" = false ] && grep -qF 'blocked by seed-default[1]' <<< "$r" &&
  [ "$(cut -f4 <<< "$r")" = "$DEV:devssl@$DEV_DEVSSL_DIGEST" ]
check $? "app:devssl@<devssl digest> is judged against devcontainer:devssl@<its digest>" "$r"
r=$(review "$APP:ok@$PROD_OK_DIGEST" "$POLICY")
[ "$(allowed "$r")" = true ] && [ "$(cut -f4 <<< "$r")" = "$DEV:ok@$DEV_OK_DIGEST" ]
check $? "app:ok@<ok digest> is allowed; the audit annotation names the dev image by digest" "$r"

# --- devReference.from: attestation ---------------------------------------------------------------
# attest-dev prints the statement; both images must be pinned.
out=$("$dg" attest-dev "$PROD_OK" --dev "$DEV_OK@$DEV_OK_DIGEST" 2>&1); rc=$?
[ $rc = 2 ] && grep -qF 'has no digest: pin it as NAME@sha256:<digest>' <<< "$out"
check $? "attest-dev refuses a production image given by tag" "$out"
mkdir -p "$work/dev-env"
attest() { # scenario prod-digest dev-ref dev-digest → statement file
  "$dg" attest-dev "$APP@$2" --dev "$3@$4" > "$work/dev-env/$1.statement.json" &&
    "$dg" attest-dev "$APP:$1@$2" --dev "$3@$4" --predicate-only > "$work/dev-env/$1.predicate.json"
}
attest ok "$PROD_OK_DIGEST" "$DEV_OK" "$DEV_OK_DIGEST" &&
  attest devssl "$PROD_DEVSSL_DIGEST" "$DEV_DEVSSL" "$DEV_DEVSSL_DIGEST" &&
  attest warn "$PROD_WARN_DIGEST" "$DEV_WARN" "$DEV_WARN_DIGEST"
check $? "attest-dev prints statements for ok, devssl and warn"
jq -e --arg d "${PROD_OK_DIGEST#sha256:}" --arg e "${DEV_OK_DIGEST#sha256:}" --arg n "$APP" --arg r "$DEV_OK" '
  ._type == "https://in-toto.io/Statement/v1" and .subject == [{name: $n, digest: {sha256: $d}}] and
  .predicateType == "https://driftgate.dev/dev-environment/v1" and
  .predicate == {devImage: {reference: $r, digest: {sha256: $e}}}' "$work/dev-env/ok.statement.json" > /dev/null
check $? "the statement's subject is the production digest; the predicate names the dev image by digest" \
  "$(cat "$work/dev-env/ok.statement.json")"
cmp -s <(jq -c .predicate "$work/dev-env/ok.statement.json") <(jq -c . "$work/dev-env/ok.predicate.json")
check $? "--predicate-only prints the statement's predicate (for cosign attest --predicate)"

# The predicate schema (policy/dev-environment.schema.json) checked by Ajv: attest-dev's output
# passes, malformed predicates fail (the parser refuses the same ones: tests/unit/verify).
hex=$(printf 'b%.0s' $(seq 64))
printf '%s\n' '{}' '{"devImage":{"reference":"r/dev"}}' \
  "{\"devImage\":{\"reference\":\"r/dev\",\"digest\":{\"sha256\":\"${hex^^}\"}}}" \
  "{\"devImage\":{\"digest\":{\"sha256\":\"$hex\"}}}" "{\"devImage\":\"r/dev@sha256:$hex\"}" > "$work/bad-predicates.jsonl"
out=$(cd "$top/tests" && node -e '
  const fs = require("fs"); const Ajv = require("ajv/dist/2020");
  const v = new Ajv({strict: true, allErrors: true}).compile(JSON.parse(fs.readFileSync(process.argv[1])));
  let bad = 0;
  for (const f of process.argv.slice(2, 5)) if (!v(JSON.parse(fs.readFileSync(f)))) { bad++; console.log("rejected " + f, JSON.stringify(v.errors)); }
  for (const l of fs.readFileSync(process.argv[5], "utf8").trim().split("\n")) if (v(JSON.parse(l))) { bad++; console.log("accepted " + l); }
  process.exit(bad);' "$top/policy/dev-environment.schema.json" "$work/dev-env/ok.predicate.json" \
    "$work/dev-env/devssl.predicate.json" "$work/dev-env/warn.predicate.json" "$work/bad-predicates.jsonl" 2>&1)
check $? "Ajv: attest-dev's predicates satisfy policy/dev-environment.schema.json, 5 malformed ones do not" "$out"

# Sign the statements verbatim with sign.js (ok, devssl by the CI key; warn by the untrusted key)
# as extra .att layers next to each image's SBOM.
plan() { # id scenario key
  jq -n -c --arg id "$1-prod" --arg tag "$1" --arg digest "$2" --arg sbom "$work/world/sbom/$1-prod.cdx.json" \
    --arg st "$work/dev-env/$1.statement.json" --arg key "$3" \
    '{id: $id, repo: "demo/app", tag: $tag, digest: $digest, sbom: $sbom, sig: "ci", att: "ci",
      attMode: "good", referrer: false, atts: [{statementFile: $st, key: $key}]}'
}
{ plan ok "$PROD_OK_DIGEST" ci; plan devssl "$PROD_DEVSSL_DIGEST" ci; plan warn "$PROD_WARN_DIGEST" other; } |
  jq -s --arg reg "$REGISTRY" --arg out "$work/dev-env/signed" \
    --arg ci "$CI_KEY" --arg cipub "$CI_PUB" --arg other "$OTHER_KEY" --arg otherpub "$OTHER_PUB" \
    '{registry: $reg, out: $out, images: ., keys: {ci: {key: $ci, pub: $cipub}, other: {key: $other, pub: $otherpub}}}' \
    > "$work/dev-env/plan.json"
(cd "$top/tests" && node "$fixtures/sign.js" "$work/dev-env/plan.json") > "$work/sign.log" 2>&1
check $? "sign.js signs the dev-environment statements as .att layers" "$(tail -3 "$work/sign.log")"

sed -e 's|^      devReference:$|      devReference: {from: attestation}|' -e '/^        image: ".*devcontainer:{{tag}}"$/d' \
  "$POLICY" > "$WORLD_DIR/attested.yaml"
"$dg" policy lint "$WORLD_DIR/attested.yaml" > "$work/lint.log" 2>&1
check $? "a devReference: {from: attestation} policy lints" "$(cat "$work/lint.log")"

r=$(review "$APP:ok" "$WORLD_DIR/attested.yaml")
[ "$(allowed "$r")" = true ] && [ "$(cut -f4 <<< "$r")" = "$DEV_OK@$DEV_OK_DIGEST" ]
check $? "from: attestation: app:ok is allowed against the attested dev image, annotated by digest" "$r"
expect_review "$APP:ok@$PROD_DEVSSL_DIGEST" "$WORLD_DIR/attested.yaml" false \
  "from: attestation: app:ok@<devssl digest> is judged against the devssl dev image it attests" \
  'blocked by seed-default[1]' \
  "against dev image $DEV_DEVSSL@$DEV_DEVSSL_DIGEST"
expect_review "$APP@$PROD_DEVSSL_DIGEST" "$WORLD_DIR/attested.yaml" false \
  "from: attestation: a digest-only reference gets its drift check too" \
  'blocked by seed-default[1]'

# Re-pointing the dev tag changes nothing for from: attestation (it does for tag mapping).
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$DEV_OK" "docker://$DEV_DEVSSL"
expect_review "$APP:devssl" "$POLICY" true \
  "tag mapping follows a re-pointed devcontainer:devssl (what from: attestation is for)"
expect_review "$APP:devssl" "$WORLD_DIR/attested.yaml" false \
  "from: attestation: app:devssl is still judged against the attested devssl dev image" \
  "against dev image $DEV_DEVSSL@$DEV_DEVSSL_DIGEST"

# One by a key the policy does not trust is no attestation: the drift cannot be checked → deny.
expect_review "$APP:warn" "$WORLD_DIR/attested.yaml" false \
  "from: attestation: a dev-environment attestation by an untrusted key is not taken; the denial says how to attest" \
  "no verified dev-environment attestation (https://driftgate.dev/dev-environment/v1) by ci-key names the dev image of $APP@$PROD_WARN_DIGEST" \
  'driftgate attest-dev'

done_testing
