#!/usr/bin/env bash
# The seed workflow end to end, at PR time: a 2,000-package prod/dev pair in a loopback registry,
# both images signed and SBOM-attested (sigstore-js, key-signed), then
#   driftgate: `driftgate check PROD --dev DEV --format markdown` (resolve both tags, fetch and
#              verify the .sig and .att of each, normalise + diff the SBOMs, tiers, report)
#   seed:      what the seed's workflow does without verifying anything: curl resolves both tags,
#              fetches each .att manifest (jq) and its layer, and one Python process decodes the
#              DSSE payloads and runs the seed's algorithm (tests/bench/env_drift.py) on them.
# Both are timed wall-clock per run, process start included, RUNS rounds with the order
# alternating; prints the per-round ratio seed/driftgate as min/median/max (tests/bench/lib.sh).
# env: BUILD (default build), N (2000), RUNS (15), SEED (7).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
dg=$build/driftgate
n=${N:-2000}
runs=${RUNS:-15}
seed=${SEED:-7}
fx=$top/tests/support/fixtures
[ -x "$dg" ] || { echo "seed_workflow_bench: $dg not built (make BUILD=$build)" >&2; exit 1; }
[ -d "$top/tests/node_modules/@sigstore/sign" ] || {
  echo "seed_workflow_bench: tests/node_modules missing (tests/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
cleanup() { "$top/tests/support/registry.sh" stop "$work/registry" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
eval "$("$top/tests/support/registry.sh" start none "$work/registry")"
mkdir -p "$work/keys" "$work/signed" "$work/oci"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/keys/ci.key" 2>/dev/null
openssl pkey -in "$work/keys/ci.key" -pubout -out "$work/keys/ci.pub" 2>/dev/null
python3 "$top/tests/bench/gen_sbom.py" "$n" "$seed" "$work/prod.cdx.json" "$work/dev.cdx.json"

# Two images whose rootfs holds their SBOM; pushed with skopeo.
images=()
for role in prod dev; do
  repo=bench/app; [ "$role" = dev ] && repo=bench/devcontainer
  rf=$work/rootfs-$role
  mkdir -p "$rf/usr/share/driftgate"
  cp "$work/$role.cdx.json" "$rf/usr/share/driftgate/sbom.cdx.json"
  digest=$("$fx/oci-image.sh" "$rf" "$work/oci/$role" v1)
  skopeo copy -q --dest-tls-verify=false "oci:$work/oci/$role:v1" "docker://$REGISTRY/$repo:v1" >/dev/null
  images+=("$(jq -n -c --arg id "$role" --arg repo "$repo" --arg digest "$digest" \
    --arg sbom "$work/$role.cdx.json" \
    '{id: $id, repo: $repo, tag: "v1", digest: $digest, sbom: $sbom, sig: "ci", att: "ci",
      attMode: "good", referrer: false}')")
done
printf '%s\n' "${images[@]}" | jq -s --arg reg "$REGISTRY" --arg out "$work/signed" --arg k "$work/keys" \
  '{registry: $reg, out: $out, images: ., keys: {ci: {key: ($k + "/ci.key"), pub: ($k + "/ci.pub")}}}' \
  > "$work/plan.json"
(cd "$top/tests" && node "$fx/sign.js" "$work/plan.json" >/dev/null)

cat > "$work/policy.yaml" <<YAML
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  signers:
    ci-key: {key: {file: keys/ci.pub}, transparencyLog: optional}
  images:
    - name: app
      match: ["$REGISTRY/bench/app"]
      signatures: {signedBy: [ci-key]}
      attestations:
        sbom: {predicateType: "https://cyclonedx.org/bom", signedBy: [ci-key]}
      devReference: {image: "$REGISTRY/bench/devcontainer:{{tag}}", allowCliOverride: true}
      tiers: seed-default
YAML
# The seed's tiers, as shipped.
sed -n '/^  tiers:/,$p' "$top/policy/default.yaml" | sed '/^  exemptions:/,$d' >> "$work/policy.yaml"
"$dg" policy lint "$work/policy.yaml" >/dev/null

# The seed side: fetch both attested SBOMs over HTTP, decode them, diff them in Python.
cat > "$work/seed.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
reg=$1 work=$2
accept='application/vnd.oci.image.manifest.v1+json'
for pair in prod:bench/app dev:bench/devcontainer; do
  role=${pair%%:*} repo=${pair#*:}
  d=$(curl -fsSI -H "Accept: $accept" "http://$reg/v2/$repo/manifests/v1" |
      tr -d '\r' | awk 'tolower($1)=="docker-content-digest:" {print $2}')
  layer=$(curl -fsS -H "Accept: $accept" "http://$reg/v2/$repo/manifests/sha256-${d#sha256:}.att" |
          jq -r '.layers[0].digest')
  curl -fsS -o "$work/$role.att" "http://$reg/v2/$repo/blobs/$layer"
done
# One Python process: decode both DSSE payloads, then the seed's algorithm on the predicates.
python3 - "$work" > "$work/seed.md" <<'PY'
import base64, json, sys
sys.path.insert(0, sys.argv[1])
import env_drift
w = sys.argv[1]
text = {}
for role in ("prod", "dev"):
    with open(f"{w}/{role}.att", "rb") as f:
        predicate = json.loads(base64.b64decode(json.load(f)["payload"]))["predicate"]
    text[role] = json.dumps(predicate).encode()
    with open(f"{w}/{role}.fetched.json", "wb") as f:
        f.write(text[role])
env_drift.run(text["dev"], text["prod"], sys.stdout)
PY
SH
cp "$top/tests/bench/env_drift.py" "$work/env_drift.py"
chmod +x "$work/seed.sh"

ms() { date +%s%N; }
dg_run() {
  "$dg" check "$REGISTRY/bench/app:v1" --dev "$REGISTRY/bench/devcontainer:v1" \
    --policy "$work/policy.yaml" --plain-http "$REGISTRY" --format markdown > "$work/dg.md" 2> "$work/dg.err" || {
    rc=$?; [ $rc = 1 ] || { echo "seed_workflow_bench: driftgate check exit $rc: $(cat "$work/dg.err")" >&2; exit 1; }; }
}
dg_run && "$work/seed.sh" "$REGISTRY" "$work" # warm-up, and both must work
cmp -s "$work/prod.fetched.json" "$work/prod.cdx.json" || python3 -c '
import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a!=b)' \
  "$work/prod.fetched.json" "$work/prod.cdx.json" || { echo "seed side fetched another SBOM" >&2; exit 1; }
grep -q '^|' "$work/dg.md" || { echo "driftgate report has no table" >&2; exit 1; }
grep -q . "$work/seed.md" || { echo "seed report is empty" >&2; exit 1; }
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
: > "$work/rounds"
seed_run() { "$work/seed.sh" "$REGISTRY" "$work"; }
for r in $(seq "$runs"); do
  if bench_first_odd "$r"; then
    t0=$(ms); dg_run; t1=$(ms); seed_run; t2=$(ms); d=$((t1 - t0)) s=$((t2 - t1))
  else
    t0=$(ms); seed_run; t1=$(ms); dg_run; t2=$(ms); s=$((t1 - t0)) d=$((t2 - t1))
  fi
  echo "$((d / 1000000)) $((s / 1000000))" >> "$work/rounds"
done
findings=$(grep -c '^| ' "$work/dg.md" || true)
echo "# report: $(wc -c < "$work/dg.md") bytes markdown, $findings table lines; $(du -h "$work/prod.cdx.json" | cut -f1) prod SBOM"
bench_ratio "seed-workflow N=$n (check, verifying, vs curl+python, verifying nothing; process wall ms)" driftgate seed ms "$work/rounds" B/A
