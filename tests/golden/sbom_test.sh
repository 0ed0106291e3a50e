#!/usr/bin/env bash
# Golden SBOM drift: each tests/golden/sbom/<case>/ holds prod.json + dev.json (or `vectors`:
# two file names under $DG_SHARED/vectors/sbom, or `dev-vector`: one) and expected.txt, the output
# of $BUILD/tests/golden/sbom_diff followed by "exit <status>". UPDATE=1 rewrites expected.txt.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
: "${DG_SHARED:=$top/../shared}"
tool=$BUILD/tests/golden/sbom_diff
vec=$DG_SHARED/vectors/sbom
need_exec "$tool"
for dir in "$top"/tests/golden/sbom/*/; do
  name=$(basename "$dir")
  if [ -f "$dir/vectors" ]; then
    read -r p d < "$dir/vectors"
    prod=$vec/$p dev=$vec/$d
  elif [ -f "$dir/dev-vector" ]; then
    prod=$dir/prod.json dev=$vec/$(cat "$dir/dev-vector")
  else
    prod=$dir/prod.json dev=$dir/dev.json
  fi
  { "$tool" "$prod" "$dev" 2>&1; echo "exit $?"; } > "$work/$name.got"
  golden_compare "sbom golden $name" "$work/$name.got" "$dir/expected.txt"
done
# The two-file invocation is symmetric in what it finds: swapping prod and dev swaps the kinds.
a=$("$tool" "$top/tests/golden/sbom/seed-debian-cyclonedx/prod.json" \
             "$top/tests/golden/sbom/seed-debian-cyclonedx/dev.json" | grep -c '^dev-only')
b=$("$tool" "$top/tests/golden/sbom/seed-debian-cyclonedx/dev.json" \
             "$top/tests/golden/sbom/seed-debian-cyclonedx/prod.json" | grep -c '^prod-only')
if [ "$a" = "$b" ] && [ "$a" -gt 0 ]; then
  pass "sbom golden swap prod/dev swaps dev-only and prod-only ($a)"
else
  fail "sbom golden swap prod/dev swaps dev-only and prod-only ($a vs $b)"
fi
done_testing
