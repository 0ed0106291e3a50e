#!/usr/bin/env bash
# policy/schema.json, driftgate's own schema check and the strict loader, three ways:
# 1. every policy/default.yaml, policy/examples/*.yaml and tests/golden/policy/*.yaml is checked by
#    tests/support/schema-check.js (YAML → Ajv, draft 2020-12, the editor's view), by
#    `driftgate policy lint --schema-only` (must give Ajv's verdict exactly) and by the full
#    `driftgate policy lint`; LOADER_ONLY lists the cases the loader rejects for a reason no schema
#    can see; the schema must accept exactly those, so the list cannot go stale in either direction;
# 2. a differential run: tests/support/schema-mutants.js writes thousands of one-node mutants of the
#    shipped policies (other YAML types, broken patterns/dates/enums, dropped and unknown keys,
#    repeated items, emptied collections) and driftgate must agree with Ajv on every one;
# 3. the schema built into the binary is byte-identical to policy/schema.json, --schema FILE is
#    used when given, and a schema driftgate cannot evaluate fully is refused (exit 2).
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
cd "$top" || exit 1
check=tests/support/schema-check.js
need_exec "$dg"
if [ ! -d tests/node_modules/ajv ] || [ ! -d tests/node_modules/yaml ]; then
  bail "schema: tests/node_modules lacks ajv/yaml (cd tests && npm ci)"
fi
declare -A LOADER_ONLY=(
  [bad_key]="the PEM must parse as a public key"
  [count_over_signers]="signatures.count may not exceed the number of signedBy entries"
  [bad_regex]="the expression must compile as RE2 (Go regexp syntax)"
  [regex_stacked_quantifiers]="RE2 refuses a repetition of a repetition (a++ would be possessive in PCRE)"
  [regex_anchor_escape]="an unbalanced ) cannot reopen the anchors: the pattern compiles on its own"
  [regex_lookahead]="lookahead is not RE2 syntax"
  [count_same_key]="signers counted by signatures.count must hold distinct keys (key files)"
  [dup_image_name]="image rule names are unique across the list (a property, not an item, constraint)"
  [exemption_warn_rule]="the exempted rule must exist and be a block rule"
  [missing_key_file]="key files must exist"
  [key_outside_dir]="key files must lie in an allowed key directory"
  [exemption_tag]="exemptions match repositories: a tag other than :* is refused"
  [exemption_too_long]="an exemption may expire at most maxExemptionDays after today"
  [unknown_rule]="exemption rule ids must name an existing tier rule"
  [unknown_signer]="signedBy names must be keys of spec.signers"
  [unknown_tiers]="an image rule's tiers must be a key of spec.tiers"
)
n=0
# One Ajv process for every policy (a node start costs more than checking one): a line per file.
policies=(policy/default.yaml policy/examples/*.yaml tests/golden/policy/*.yaml)
node "$check" "${policies[@]}" > "$work/ajv-policies.out" 2>&1
[ $? -le 1 ] || bail "schema: $check failed" "$(head -20 "$work/ajv-policies.out")"
for yaml in "${policies[@]}"; do
  name=$(basename "$yaml" .yaml)
  s=$(awk -v ok="ok $yaml" -v bad="invalid $yaml: " '$0 == ok || index($0, bad) == 1 { print; exit }' \
    "$work/ajv-policies.out")
  case "$s" in "ok $yaml") src=0 ;; "invalid $yaml: "*) src=1 ;; *) src=2; s="no verdict for $yaml" ;; esac
  l=$("$dg" policy lint "$yaml" 2>&1); lrc=$?
  d=$("$dg" policy lint --schema-only "$yaml" 2>&1); drc=$?
  if [ $src -gt 1 ]; then fail "schema $yaml: checker failed: $s"; continue; fi
  n=$((n + 1))
  if [ $drc = $src ]; then
    pass "schema $yaml: driftgate's schema check agrees with Ajv (rc $src)"
  else
    fail "schema $yaml: driftgate schema rc=$drc, Ajv rc=$src"
    echo "#   driftgate: $d"; echo "#   ajv: $s"
  fi
  case "$yaml" in tests/golden/policy/*) only=${LOADER_ONLY[$name]:-} ;; *) only= ;; esac
  if [ -n "$only" ]; then
    if [ $src = 0 ] && [ $lrc != 0 ]; then
      pass "schema $yaml: loader-only ($only)"
    else
      fail "schema $yaml: listed loader-only but schema rc=$src lint rc=$lrc"
      echo "#   schema: $s"; echo "#   lint:   $l"
    fi
  elif [ $src = 0 ] && [ $lrc = 0 ]; then
    pass "schema $yaml: both accept"
  elif [ $src != 0 ] && [ $lrc != 0 ]; then
    pass "schema $yaml: both reject"
    echo "#   schema: ${s#invalid "$yaml": }"
  else
    fail "schema $yaml: schema rc=$src, lint rc=$lrc"
    echo "#   schema: $s"; echo "#   lint:   $l"
  fi
done
# The shipped policies point editors at the schema.
for yaml in policy/examples/*.yaml policy/default.yaml; do
  if grep -Eq '^# yaml-language-server: [$]schema=(\.\./)?schema\.json$' "$yaml"; then
    pass "schema modeline in $yaml"
  else
    fail "$yaml lacks a '# yaml-language-server: \$schema=' line for schema.json"
  fi
done
[ $n -ge 40 ] || { fail "schema: only $n policies compared"; }

# 2. Differential against Ajv on mutants. The mutants and Ajv's verdicts depend only on the
# inputs, the generator, the checker and the locked npm packages (Ajv, yaml): they are kept by a
# hash of all of those, so the ASan run reuses the release run's and a later run of the same
# inputs reuses both (about 40 CPU-s). DG_SCHEMA_CACHE (default ~/.cache/driftgate/schema-mutants;
# "off": under $work, every run) says where.
inputs=(policy/default.yaml policy/examples/*.yaml tests/golden/policy/valid_minimal.yaml)
key=$(cat "${inputs[@]}" policy/schema.json tests/support/schema-mutants.js "$check" tests/package-lock.json |
  sha256sum | cut -c1-16)
cache_root=${DG_SCHEMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/driftgate/schema-mutants}
if [ "$cache_root" = off ] || ! mkdir -p "$cache_root" 2> /dev/null; then cache_root=$work/schema-mutants; fi
cache=$cache_root/$key
names() { find . -maxdepth 1 -name '*.yaml' -printf '%f\n' | sort; }
if [ ! -f "$cache/ajv.ok" ]; then
  # Built aside and renamed into place, so a run beside this one never reads half of it; other
  # keys' mutants not used for a day are dropped.
  find "$cache_root" -mindepth 1 -maxdepth 1 -type d -mmin +1440 -exec rm -rf {} + 2> /dev/null
  new=$cache_root/.new.$$
  rm -rf "$new" && mkdir -p "$new/in"
  { node tests/support/schema-mutants.js "$new/in" "${inputs[@]}" > "$new/count" &&
    (cd "$new/in" && names | xargs node "$top/$check" > ../ajv.out; [ $? -le 123 ]) &&
    sed -n 's/^ok //p' "$new/ajv.out" | sort > "$new/ajv.ok"; } ||
    { rm -rf "$new"; bail "schema mutants: generating or checking with Ajv failed"; }
  mv -T "$new" "$cache" 2> /dev/null || rm -rf "$new"
  [ -f "$cache/ajv.ok" ] || bail "schema mutants: $cache has no Ajv verdicts"
fi
total=$(cd "$cache/in" && names | wc -l)
(cd "$cache/in" && names | xargs "$dg" policy lint --schema-only 2> /dev/null) |
  sed -n 's/: ok (schema only)$//p' | sort > "$cache/dg.ok.$$"
valid=$(wc -l < "$cache/ajv.ok")
only_ajv=$(comm -23 "$cache/ajv.ok" "$cache/dg.ok.$$")
only_dg=$(comm -13 "$cache/ajv.ok" "$cache/dg.ok.$$")
rm -f "$cache/dg.ok.$$"
if [ -z "$only_ajv" ] && [ -z "$only_dg" ]; then
  pass "schema mutants: driftgate and Ajv agree on all $total ($valid valid, $((total - valid)) invalid)"
else
  fail "schema mutants: driftgate and Ajv disagree"
  for f in $(echo "$only_ajv" | head -10); do
    echo "#   Ajv accepts, driftgate rejects $f: $("$dg" policy lint --schema-only "$cache/in/$f" 2>&1 | head -1)"
  done
  for f in $(echo "$only_dg" | head -10); do
    echo "#   driftgate accepts, Ajv rejects $f: $(grep -F "$f:" "$cache/ajv.out" | head -1)"
  done
fi
# The loader reads scalars with the same YAML 1.2 core types, so it never accepts a mutant the
# schema rejects (it rejects more: references, keys, regexes). Key files resolve from both levels.
mkdir -p "$cache/keys" "$cache/in/keys"
cp policy/keys/ci.pub "$cache/keys/ci.pub"; cp policy/keys/ci.pub "$cache/in/keys/ci.pub"
loader=$BUILD/tests/golden/policy_lint
(cd "$cache/in" && paste -d' ' <(names) <(names | xargs "$loader" 2> /dev/null)) |
  sed -n 's/ ok$//p' | sort > "$cache/loader.ok.$$"
loader_only=$(comm -23 "$cache/loader.ok.$$" "$cache/ajv.ok")
loaded=$(wc -l < "$cache/loader.ok.$$")
rm -f "$cache/loader.ok.$$"
if [ -z "$loader_only" ] && [ "$loaded" -ge 1000 ]; then
  pass "schema mutants: the loader accepts none the schema rejects ($loaded of $valid schema-valid load)"
else
  fail "schema mutants: the loader accepts what the schema rejects ($loaded loaded)"
  for f in $(echo "$loader_only" | head -10); do
    echo "#   $f: $("$dg" policy lint --schema-only "$cache/in/$f" 2>&1 | head -1)"
  done
fi
if [ "$total" -ge 10000 ] && [ "$valid" -ge 2000 ] && [ $((total - valid)) -ge 5000 ]; then
  pass "schema mutants: enough of both verdicts to mean something"
else
  fail "schema mutants: only $total mutants, $valid valid"
fi

# 3. The built-in schema, --schema and a schema driftgate cannot evaluate.
if "$dg" policy schema | cmp -s - policy/schema.json; then
  pass "schema: the built-in schema is policy/schema.json (make regenerates it)"
else
  fail "schema: driftgate policy schema differs from policy/schema.json"
fi
# A stricter schema given with --schema is the one used: requiring spec.exemptions rejects a
# policy the built-in schema accepts, and names the key.
# shellcheck disable=SC2016 # $defs is JavaScript, not a shell expansion
node -e 'const s=require(process.argv[1]); s.$defs.spec.required=["exemptions"]; console.log(JSON.stringify(s))' \
  "$top/policy/schema.json" > "$work/strict.json"
out=$("$dg" policy lint --schema "$work/strict.json" policy/default.yaml 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *'spec: missing required key "exemptions"'* ]]; then
  pass "schema: --schema FILE is used"
else
  fail "schema: --schema: rc=$rc $out"
fi
# Unknown keywords and formats are refused, never skipped: a check that ignores part of the
# schema would pass policies the editor flags.
# shellcheck disable=SC2016 # $defs and $ref are JavaScript and JSON Schema, not shell expansions
for edit in 's.$defs.name.contains={}:unsupported keyword "contains"' \
            's.$defs.date.format="email":unsupported format' \
            's.$defs.name.pattern="(a":pattern' \
            's.properties.spec.$ref="#/$defs/nope":$ref is not a JSON pointer'; do
  js=${edit%%:*}; want=${edit#*:}
  node -e "const s=require(process.argv[1]); $js; console.log(JSON.stringify(s))" \
    "$top/policy/schema.json" > "$work/bad.json"
  out=$("$dg" policy lint --schema "$work/bad.json" policy/default.yaml 2>&1); rc=$?
  if [ $rc = 2 ] && [[ $out == *"$want"* ]]; then
    pass "schema: refused ($want)"
  else
    fail "schema: $js: rc=$rc $out"
  fi
done
done_testing
