#!/usr/bin/env bash
# attestations.fsManifest end to end (issue 16 item 3): images pushed to the loopback
# docker-registry, `driftgate fsm attest` statements (inline, and --blob with the manifest pushed
# as an OCI referrer artifact) signed as cosign .att layers by npm's @sigstore/sign
# (tests/support/fixtures/sign.js, ECDSA P-256 keys from openssl), judged by `driftgate check`
# and by `driftgate review` (the webhook's engine on an AdmissionReview rendered by kubectl).
# Positive: inline and blob attestations prove attested = computed. Negative: signed by another
# key, a manifest edited without its root (root mismatch), a statement of another image replayed
# (subject digest), the manifest of other layers attested for this digest, a payload altered after
# signing, no attestation, a blob over the size limit, layers over fsManifest.maxBytes; and
# required: false (absence warns). Env: BUILD. Prints TAP. No root needed.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
need_exec "$dg"
for tool in docker-registry node openssl jq kubectl; do
  command -v "$tool" >/dev/null || bail "fsm attest: $tool is installed (tests/install-deps.sh)"
done
fixtures=$top/tests/support/fixtures
pt=https://driftgate.dev/fs-manifest/v1
mt=application/vnd.driftgate.fs-manifest.v1+text

on_exit "$top/tests/support/registry.sh" stop "$work/reg"
if ! reg_env=$("$top/tests/support/registry.sh" start none "$work/reg" 2> "$work/reg.log") ||
   ! eval "$reg_env"; then
  bail "fsm attest: registry starts" "$(tail -20 "$work/reg.log")"
fi
pass "registry starts on $REGISTRY"

# ---- images: one two-layer filesystem, one image (own digest: a config label) per case ----
mkdir -p "$work"/l1/{bin,etc,usr/lib} "$work"/l2/etc "$work"/l3/etc
printf '#!/bin/sh\necho app\n' > "$work/l1/bin/app"; chmod 0755 "$work/l1/bin/app"
printf 'port=8080\n' > "$work/l1/etc/app.conf"; printf 'lib' > "$work/l1/usr/lib/libx.so"
ln -s bin/app "$work/l1/link"
printf 'port=9090\n' > "$work/l2/etc/app.conf"; : > "$work/l2/etc/.wh.gone"
printf 'port=6666\n' > "$work/l3/etc/app.conf"
for l in l1 l2 l3; do
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/$l" -cf - . |
    gzip -n > "$work/$l.tar.gz"
done
cases="ok-inline ok-blob wrongkey edited replay otherlayers sigtamper absent oversize"
cat > "$work/push.js" <<'EOF'
// push.js REGISTRY WORK SPEC...: SPEC = repo:tag:layer,layer → prints "repo:tag digest" lines
const fs = require('fs');
const { Registry, sha256 } = require(process.env.FIXTURES + '/push');
(async () => {
  const [host, work, ...specs] = process.argv.slice(2);
  const r = new Registry(host);
  for (const spec of specs) {
    const [repo, tag, ls] = spec.split(':');
    const layers = [];
    for (const l of ls.split(',')) {
      const buf = fs.readFileSync(`${work}/${l}.tar.gz`);
      layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await r.putBlob(repo, buf), size: buf.length });
    }
    const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { case: tag } },
      rootfs: { type: 'layers', diff_ids: [] } }));
    const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await r.putBlob(repo, cfg), size: cfg.length },
      layers }));
    console.log(`${repo}:${tag} ${await r.putManifest(repo, tag, m)}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
EOF
specs=()
for c in $cases; do specs+=("fsa/app:$c:l1,l2"); done
specs+=("fsa/app:other:l1,l3" "fsa/small:big:l1,l2" "fsa/opt:none:l1,l2")
(cd "$top/tests" && FIXTURES=$fixtures node "$work/push.js" "$REGISTRY" "$work" "${specs[@]}") > "$work/pushed.txt" 2> "$work/push.err"
ok $? "$(wc -l < "$work/pushed.txt") images pushed" "$(cat "$work/push.err")"
digest() { sed -n "s|^$1 ||p" "$work/pushed.txt"; }

# ---- statements ----
attest() { # CASE-IMAGE OUT [ARGS...]
  local img=$REGISTRY/$1 out=$2; shift 2
  "$dg" fsm attest "$img" --plain-http "$REGISTRY" "$@" > "$out" 2> "$out.err"
}
attest fsa/app:ok-inline "$work/ok-inline.json"
ok $? "fsm attest (inline) for ok-inline" "$(cat "$work/ok-inline.json.err")"
root=$(jq -r .predicate.root "$work/ok-inline.json")
attest fsa/app:ok-blob "$work/ok-blob.json" --blob "$work/ok-blob.fsm"
jq -e --arg r "$root" --arg mt "$mt" --argjson n "$(stat -c %s "$work/ok-blob.fsm")" \
  '.predicate.manifestDescriptor == {mediaType: $mt, digest: $r, size: $n} and (.predicate | has("manifest") | not)' \
  "$work/ok-blob.json" > /dev/null && [ "sha256:$(sha256sum < "$work/ok-blob.fsm" | cut -d' ' -f1)" = "$root" ] &&
  grep -q 'oras attach --artifact-type' "$work/ok-blob.json.err"
ok $? "fsm attest --blob: the statement names the manifest file by descriptor (digest = root = its sha256)" \
  "$(cat "$work/ok-blob.json" "$work/ok-blob.json.err")"
out=$("$dg" fsm attest "$REGISTRY/fsa/app:ok-blob" --plain-http "$REGISTRY" --check "$work/ok-blob.json" --blob "$work/ok-blob.fsm" 2>&1)
ok $? "fsm attest --check --blob: attested = computed" "$out"
printf 'x' >> "$work/ok-blob.fsm.bad"; cat "$work/ok-blob.fsm" >> "$work/ok-blob.fsm.bad"
out=$("$dg" fsm attest "$REGISTRY/fsa/app:ok-blob" --plain-http "$REGISTRY" --check "$work/ok-blob.json" --blob "$work/ok-blob.fsm.bad" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'altered after signing' <<< "$out"
ok $? "fsm attest --check --blob: a blob that is not the attested text differs (exit 1)" "rc=$rc $out"
for c in wrongkey sigtamper; do
  attest "fsa/app:$c" "$work/$c.json"
done
attest fsa/app:edited "$work/edited.json"
jq '.predicate.manifest |= sub("mode=0755"; "mode=4755")' "$work/edited.json" > "$work/edited.tmp" && mv "$work/edited.tmp" "$work/edited.json"
# otherlayers: the manifest of another image (other content), attested for this digest
attest fsa/app:other "$work/other.json"
jq --arg d "$(digest fsa/app:otherlayers | cut -d: -f2)" '.subject[0].digest.sha256 = $d' "$work/other.json" > "$work/otherlayers.json"
attest fsa/app:oversize "$work/oversize.json" --blob "$work/oversize.fsm"
jq '.predicate.manifestDescriptor.size = 40000000' "$work/oversize.json" > "$work/oversize.tmp" && mv "$work/oversize.tmp" "$work/oversize.json"
attest fsa/small:big "$work/big.json"
ok $? "statements written for every case"

# The blob of ok-blob: an OCI artifact whose subject is the image (a referrer), layer = the file.
cat > "$work/referrer.js" <<'EOF'
const fs = require('fs');
const { Registry, sha256 } = require(process.env.FIXTURES + '/push');
(async () => {
  const [host, repo, digest, size, file, mt] = process.argv.slice(2);
  const r = new Registry(host);
  const blob = fs.readFileSync(file);
  const empty = Buffer.from('{}');
  const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: mt, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: await r.putBlob(repo, empty), size: 2 },
    layers: [{ mediaType: mt, digest: await r.putBlob(repo, blob), size: blob.length }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: Number(size) } }));
  console.log(await r.putManifest(repo, 'sha256-' + digest.slice(7) + '.fsm', m));
})().catch((e) => { console.error(e); process.exit(1); });
EOF
d=$(digest fsa/app:ok-blob)
size=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY/v2/fsa/app/manifests/$d" | wc -c)
(cd "$top/tests" && FIXTURES=$fixtures node "$work/referrer.js" "$REGISTRY" fsa/app "$d" "$size" "$work/ok-blob.fsm" "$mt") > "$work/ref.out" 2>&1
ok $? "the manifest blob is pushed as a referrer artifact of ok-blob" "$(cat "$work/ref.out")"

# ---- keys and signatures (cosign .att layers) ----
mkdir -p "$work/keys"
for k in ci other; do
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/keys/$k.key" &&
    openssl ec -in "$work/keys/$k.key" -pubout -out "$work/keys/$k.pub" 2>/dev/null
done
entry() { # CASE STATEMENT KEY [MODE] [REPO]
  jq -n --arg id "$1" --arg repo "${5:-fsa/app}" --arg tag "$1" --arg d "$(digest "${5:-fsa/app}:$1")" \
    --arg f "$2" --arg k "$3" --arg m "${4:-good}" \
    '{id: $id, repo: $repo, tag: $tag, digest: $d, sig: null, att: null,
      atts: [{statementFile: $f, key: $k, mode: $m}]}'
}
{
  entry ok-inline "$work/ok-inline.json" ci
  entry ok-blob "$work/ok-blob.json" ci
  entry wrongkey "$work/wrongkey.json" other
  entry edited "$work/edited.json" ci
  entry replay "$work/ok-inline.json" ci # the statement of ok-inline, subject and all
  entry otherlayers "$work/otherlayers.json" ci
  entry sigtamper "$work/sigtamper.json" ci tampered
  entry oversize "$work/oversize.json" ci
  entry big "$work/big.json" ci good fsa/small
} | jq -s --arg reg "$REGISTRY" --arg out "$work/signed" --arg w "$work/keys" \
  '{registry: $reg, out: $out, keys: {ci: {key: "\($w)/ci.key", pub: "\($w)/ci.pub"},
    other: {key: "\($w)/other.key", pub: "\($w)/other.pub"}}, images: .}' > "$work/plan.json"
(cd "$top/tests" && node "$fixtures/sign.js" "$work/plan.json") > "$work/sign.log" 2>&1
ok $? "sign.js signs and pushes the statements as cosign .att layers" "$(tail -20 "$work/sign.log")"

{
  policy_head
  policy_key_signer ci-key "$work/keys/ci.pub"
  cat <<EOF
  images:
    - name: fsm
      match: ["$REGISTRY/fsa/app"]
      attestations:
        fsManifest: {signedBy: [ci-key]}
    - name: fsm-small
      match: ["$REGISTRY/fsa/small"]
      attestations:
        fsManifest: {signedBy: [ci-key], maxBytes: 1000}
    - name: fsm-optional
      match: ["$REGISTRY/fsa/opt"]
      attestations:
        fsManifest: {signedBy: [ci-key], required: false}
EOF
} > "$work/policy.yaml"
"$dg" policy lint "$work/policy.yaml" > "$work/lint.txt" 2>&1
ok $? "the policy with attestations.fsManifest lints clean (loader and schema)" "$(cat "$work/lint.txt")"

# ---- judged by check and by the webhook's engine ----
verdict() { # REPO:TAG WANT_ALLOWED PATTERN (grep -E, in check's report and in the review's message)
  local ref=$REGISTRY/$1 want=$2 pat=$3 name rc rrc
  name=${1//[:\/]/-}
  "$dg" check "$ref" --policy "$work/policy.yaml" --plain-http "$REGISTRY" > "$work/check-$name.txt" 2>&1
  rc=$?
  sed "s|IMAGE-PLACEHOLDER|$ref|g" "$work/review.json" > "$work/review-$name.json"
  "$dg" review --policy "$work/policy.yaml" --plain-http "$REGISTRY" "$work/review-$name.json" \
    > "$work/resp-$name.json" 2> "$work/resp-$name.err"
  rrc=$?
  if [ "$want" = true ]; then
    [ $rc = 0 ] && [ $rrc = 0 ] && jq -e '.response.allowed == true' "$work/resp-$name.json" > /dev/null
  else
    [ $rc = 1 ] && [ $rrc = 1 ] && jq -e '.response.allowed == false' "$work/resp-$name.json" > /dev/null
  fi || return 1
  [ -z "$pat" ] && return 0
  grep -Eq -- "$pat" "$work/check-$name.txt" &&
    jq -r '.response.status.message // "", (.response.warnings // [])[]' "$work/resp-$name.json" | grep -Eq -- "$pat"
}
# One Pod AdmissionReview rendered by kubectl; each image swapped in.
bash "$top/tests/integration/review-objects.sh" -k pod -n fsm IMAGE-PLACEHOLDER > "$work/review.json"
ok $? "an AdmissionReview for a Pod rendered" "$(head -c 500 "$work/review.json")"
show() { cat "$work/check-${1//[:\/]/-}.txt"; jq -c .response "$work/resp-${1//[:\/]/-}.json" 2>/dev/null | head -c 1500; }
judge() { # REPO:TAG WANT_ALLOWED PATTERN NAME: one test line, verdict's, with both answers as detail
  verdict "$1" "$2" "$3"
  ok $? "$4" "$(show "$1")"
}
t=$(ms_now)
judge fsa/app:ok-inline true '' \
  "ok-inline: check passes and the webhook admits (attested root = computed from the layers)"
judge fsa/app:ok-blob true '' \
  "ok-blob: the manifest blob is fetched by digest, its sha256 checked, and proves out"
judge fsa/app:wrongkey false "no verified fs-manifest attestation \\($pt\\) by ci-key .*no signature .*verifies" \
  "wrongkey: signed by a key the policy does not name → denied"
judge fsa/app:edited false "hashes to sha256:[0-9a-f]{64}, not to the attested root sha256:[0-9a-f]{64} \\(it was altered after signing\\)" \
  "edited: a manifest that does not hash to its attested root → denied"
judge fsa/app:replay false "no verified fs-manifest attestation .*subject" \
  "replay: another image's attestation (its subject digest) → denied"
judge fsa/app:otherlayers false "attested root sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64} from the image's layers: first difference at line [0-9]+: attested \"\\./etc/app\\.conf .*\", computed \"\\./etc/app\\.conf " \
  "otherlayers: a signed manifest that is not this digest's layers → denied, naming the first differing line"
judge fsa/app:sigtamper false "no verified fs-manifest attestation .*no signature .*verifies" \
  "sigtamper: a payload altered after signing → denied"
judge fsa/app:absent false "no verified fs-manifest attestation \\($pt\\) by ci-key: compute it with driftgate fsm attest $REGISTRY/fsa/app@sha256:[0-9a-f]{64} \\| jq \\.predicate > fsm\\.json, then attest it with cosign attest --type $pt --predicate fsm\\.json --key" \
  "absent: denied with the driftgate + cosign commands that produce the attestation"
judge fsa/app:oversize false "the manifest blob is 40000000 bytes, over the limit of [0-9]+ bytes" \
  "oversize: a manifest blob over the size limit is refused before it is fetched"
judge fsa/small:big false "could not compute the filesystem manifest of $REGISTRY/fsa/small@sha256:[0-9a-f]{64} from its layers \\(maxBytes 1000, .*raise attestations\\.fsManifest\\.maxBytes" \
  "maxBytes: layers over the bound fail closed, naming the image, the bound and what to raise"
judge fsa/opt:none true "attestations\\.fsManifest \\(required: false\\): no verified fs-manifest attestation" \
  "required: false: no attestation is admitted with a warning"
pass "13 images judged twice (check + review) in $(($(ms_now) - t)) ms"
done_testing
