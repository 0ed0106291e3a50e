#!/usr/bin/env bash
# `driftgate audit pins` on golden fixture repositories (tests/golden/audit/): repo/ holds every
# rule and edge of issue 17 item 1 (pinned/unpinned/locked/local uses:, docker:// digests, job
# containers and services, a matrix of images, an expression nobody can resolve offline, aliases,
# actions.lock entries good and bad, Dockerfile ARG digests in ${k} and $k spellings, scratch,
# stage aliases, COPY --from and RUN --mount=from, escape directive, heredocs, ADD --checksum,
# checksum-verified and unverified downloads, JSONC devcontainer.json with lock file, a
# build.dockerfile), bad/ files that cannot be audited. Outputs are compared with expected/
# (UPDATE=1 rewrites them); SARIF and markdown are also checked by tests/security/report-check.js;
# every fixture workflow and action must be valid for GitHub's parser and actionlint
# (tests/support/workflow-check.mjs); policy/examples/pr-gate.yml must pass its own audit.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
cd "$top" || exit 1
exp=tests/golden/audit/expected
need_exec "$dg"

# golden NAME EXPECTED_EXIT ARGS...: stdout of `driftgate audit pins ARGS` equals $exp/NAME.
golden() { golden_run audit "$exp" "$1" "$2" "$dg" audit pins "${@:3}"; }

golden repo.txt 1 tests/golden/audit/repo
golden repo.sarif 1 tests/golden/audit/repo --format sarif
golden repo.json 1 tests/golden/audit/repo --format json
golden repo.md 1 tests/golden/audit/repo --format markdown
golden repo-policy.txt 1 tests/golden/audit/repo --policy tests/golden/policy/pins_tiers.yaml
golden repo-policy.sarif 1 tests/golden/audit/repo --policy tests/golden/policy/pins_tiers.yaml \
  --format sarif
golden bad.txt 1 tests/golden/audit/bad
golden bad.sarif 1 tests/golden/audit/bad --format sarif

for f in repo.sarif:sarif repo.md:markdown repo.txt:text bad.sarif:sarif repo-policy.sarif:sarif; do
  if out=$(node tests/security/report-check.js "${f#*:}" "$work/${f%%:*}" 2>&1); then
    pass "audit: ${f%%:*} is well-formed ${f#*:} (SARIF 2.1.0 schema, no markup or control injection)"
  else
    fail "audit: ${f%%:*} is well-formed ${f#*:}" "$out"
  fi
done

# The JSON report lists every reference; counts per status must add up and match the text summary.
if node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const c = (k, v) => d.references.filter((r) => r[k] === v).length;
  const s = d.summary;
  const ok = s.references === d.references.length && s.pinned === c("status", "pinned") &&
    s.locked === c("status", "locked") && s.block === c("tier", "block") &&
    s.warn === c("tier", "warn") && s.ignore === c("tier", "ignore") &&
    d.references.every((r) => (r.status === "pinned" || r.status === "locked") === (r.tier === null));
  process.exit(ok ? 0 : 1);' "$work/repo.json"; then
  pass "audit: json summary agrees with its references"
else
  fail "audit: json summary disagrees with its references"
fi

# Independent validity of every fixture workflow and action, and of the shipped examples.
mapfile -t wfs < <(find tests/golden/audit/repo/.github policy/examples -name '*.yml' \
  \( -path '*/workflows/*' -o -name action.yml -o -path 'policy/examples/*' \) | sort)
if out=$(cd tests && node --no-warnings --loader ./support/json-loader.mjs \
    support/workflow-check.mjs "${wfs[@]/#/../}" 2>&1); then
  pass "audit: ${#wfs[@]} fixture workflows/actions valid for @actions/workflow-parser and actionlint"
else
  fail "audit: fixture workflows invalid" "$(printf '%s' "$out" | grep -v '^ok ' | head -5)"
fi
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz:\n      - uses: a/b@v1\n' \
  > "$work/broken.yml"
if (cd tests && node --no-warnings --loader ./support/json-loader.mjs support/workflow-check.mjs \
    "$work/broken.yml" >/dev/null 2>&1); then
  fail "audit: the workflow validity check accepted a broken workflow"
else
  pass "audit: the workflow validity check refuses a broken workflow"
fi

# Item 3: the PR-gate example is fully pinned by its own audit (nothing to decide at all).
mkdir -p "$work/gate/.github/workflows"
cp policy/examples/pr-gate.yml "$work/gate/.github/workflows/"
got=$("$dg" audit pins "$work/gate" --policy policy/examples/pins.yaml)
status=$?
if [ "$status" = 0 ] && printf '%s' "$got" | grep -q 'summary: block 0, warn 0, ignore 0, errors 0' &&
   printf '%s' "$got" | grep -q '4 references (4 pinned'; then
  pass "audit: policy/examples/pr-gate.yml passes its own audit"
else
  fail "audit: policy/examples/pr-gate.yml: exit $status" "$got"
fi

# Hostile inputs: symlinks, FIFOs, oversized files, alias bombs, deep nesting, escapes in names.
h=$work/hostile
mkdir -p "$h/.github/workflows" "$h/big"
ln -s /etc/passwd "$h/.github/workflows/link.yml"
mkfifo "$h/Dockerfile"
head -c 1100000 /dev/zero | tr '\0' '#' > "$h/big/Dockerfile"
{
  echo 'on: push'
  echo 'x: &a0 [{uses: evil/bomb@v1}]'
  for i in 1 2 3 4 5 6 7 8 9; do
    printf 'x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' "$i" "$i" \
      $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1))
  done
  echo 'jobs:'
  for j in 1 2 3 4 5 6 7 8; do printf '  j%d: {runs-on: x, steps: *a0}\n' "$j"; done
} > "$h/.github/workflows/bomb.yml"
{ echo 'on: push'; printf 'jobs: %s\n' "$(printf '[%.0s' $(seq 100))"; } > "$h/.github/workflows/deep.yml"
printf 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: "evil/a@v1\\u001b[31m\\n::warning::pwned\\u202e"\n' \
  > "$h/.github/workflows/escape.yml"
got=$(timeout 20 "$dg" audit pins "$h" 2>&1)
status=$?
printf '%s\n' "$got" > "$work/hostile.txt"
want_lines=(
  "ERROR .github/workflows/link.yml: cannot open: Too many levels of symbolic links"
  "ERROR Dockerfile: not a regular file"
  "ERROR big/Dockerfile: 1100000 bytes, over the 1048576 byte limit"
  "ERROR .github/workflows/deep.yml:2:70: nesting deeper than 64 levels"
)
miss=""
for l in "${want_lines[@]}"; do printf '%s\n' "$got" | grep -qxF "$l" || miss="$miss [$l]"; done
if [ "$status" = 1 ] && [ -z "$miss" ] && printf '%s' "$got" | grep -q 'bomb.yml:2:.*evil/bomb@v1'; then
  pass "audit: hostile repository: symlink, FIFO, oversized, deep and alias-bomb files reported, no hang"
else
  fail "audit: hostile repository: exit $status, missing:$miss" "$(printf '%s\n' "$got" | head -20)"
fi
if [ "$(printf '%s\n' "$got" | grep -c 'evil/bomb@v1$')" = 1 ]; then
  pass "audit: an aliased step is reported once"
else
  fail "audit: an aliased step is not reported exactly once"
fi
if node tests/security/report-check.js text "$work/hostile.txt" >/dev/null 2>&1 &&
   printf '%s' "$got" | grep -qF 'evil/a@v1\x1b[31m\x0a::warning::pwned\u{202e}'; then
  pass "audit: control characters in a uses: are shown escaped, no line starts with ::"
else
  fail "audit: control characters in a uses: reached the text report"
fi

# Renovate's extraction of these fixtures is compared with driftgate's in audit_repo_test.sh
# (one offline run over every fixture repository).

# Usage and policy errors exit 2 with a reason.
expect_2() {
  local what=$1 needle=$2 out status
  shift 2
  out=$("$dg" "$@" 2>&1)
  status=$?
  if [ "$status" = 2 ] && printf '%s' "$out" | grep -qF "$needle"; then pass "audit: $what"
  else fail "audit: $what: exit $status" "$out"; fi
}
expect_2 "unknown --format" "unknown --format yaml" audit pins . --format yaml
expect_2 "unknown flag" "unknown flag --frobnicate" audit pins . --frobnicate
expect_2 "audit without pins" "usage: driftgate audit pins" audit
expect_2 "missing directory" "no/such/dir: No such file or directory" audit pins no/such/dir
expect_2 "policy with a bad pins kind" 'pins[0].when.kinds[0]: expected one of action|workflow' \
  audit pins tests/golden/audit/repo --policy tests/golden/policy/pins_bad_kind.yaml
if "$dg" audit --help | grep -q 'usage: driftgate audit pins'; then pass "audit: audit --help"
else fail "audit: audit --help"; fi

done_testing
