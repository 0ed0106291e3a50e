#!/usr/bin/env bash
# policy/schema.json against the strict loader: every policy/default.yaml, policy/examples/*.yaml and
# tests/golden/policy/*.yaml is checked by tests/support/schema-check.js (YAML → Ajv, draft 2020-12)
# and by `driftgate policy lint`; both must accept or both reject. LOADER_ONLY lists the cases the
# loader rejects for a reason no schema can see; the schema must accept exactly those, so the list
# cannot go stale in either direction.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
: "${BUILD:=$top/build}"
dg=$BUILD/driftgate
check=tests/support/schema-check.js
if [ ! -x "$dg" ]; then echo "not ok - schema: $dg not built"; exit 1; fi
if [ ! -d tests/node_modules/ajv ] || [ ! -d tests/node_modules/yaml ]; then
  echo "not ok - schema: tests/node_modules lacks ajv/yaml (cd tests && npm ci)"; exit 1
fi
declare -A LOADER_ONLY=(
  [bad_int]="YAML 1.2 reads 0x1 as the integer 1; the loader takes decimal digits only"
  [bad_key]="the PEM must parse as a public key"
  [count_over_signers]="signatures.count may not exceed the number of signedBy entries"
  [bad_regex]="the expression must compile as POSIX ERE"
  [regex_stacked_quantifiers]="stacked quantifiers are refused (regcomp blows up on them)"
  [dup_image_name]="image rule names are unique across the list (a property, not an item, constraint)"
  [exemption_warn_rule]="the exempted rule must exist and be a block rule"
  [missing_key_file]="key files must exist"
  [unknown_rule]="exemption rule ids must name an existing tier rule"
  [unknown_signer]="signedBy names must be keys of spec.signers"
  [unknown_tiers]="an image rule's tiers must be a key of spec.tiers"
)
fail=0
n=0
for yaml in policy/default.yaml policy/examples/*.yaml tests/golden/policy/*.yaml; do
  name=$(basename "$yaml" .yaml)
  s=$(node "$check" "$yaml" 2>&1); src=$?
  l=$("$dg" policy lint "$yaml" 2>&1); lrc=$?
  if [ $src -gt 1 ]; then echo "not ok - schema $yaml: checker failed: $s"; fail=1; continue; fi
  n=$((n + 1))
  case "$yaml" in tests/golden/policy/*) only=${LOADER_ONLY[$name]:-} ;; *) only= ;; esac
  if [ -n "$only" ]; then
    if [ $src = 0 ] && [ $lrc != 0 ]; then
      echo "ok - schema $yaml: loader-only ($only)"
    else
      echo "not ok - schema $yaml: listed loader-only but schema rc=$src lint rc=$lrc"
      echo "#   schema: $s"; echo "#   lint:   $l"; fail=1
    fi
  elif [ $src = 0 ] && [ $lrc = 0 ]; then
    echo "ok - schema $yaml: both accept"
  elif [ $src != 0 ] && [ $lrc != 0 ]; then
    echo "ok - schema $yaml: both reject"
    echo "#   schema: ${s#invalid $yaml: }"
  else
    echo "not ok - schema $yaml: schema rc=$src, lint rc=$lrc"
    echo "#   schema: $s"; echo "#   lint:   $l"; fail=1
  fi
done
# The shipped policies point editors at the schema.
for yaml in policy/examples/*.yaml policy/default.yaml; do
  if grep -Eq '^# yaml-language-server: [$]schema=(\.\./)?schema\.json$' "$yaml"; then
    echo "ok - schema modeline in $yaml"
  else
    echo "not ok - $yaml lacks a '# yaml-language-server: \$schema=' line for schema.json"; fail=1
  fi
done
[ $n -ge 40 ] || { echo "not ok - schema: only $n policies compared"; fail=1; }
exit $fail
