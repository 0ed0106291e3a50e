#!/bin/sh
# policy/default.yaml -> $(BUILD)/gen/policy/seed_text.c: the shipped policy built into driftgate, whose
# spec.tiers.seed-default every policy may name without copying it (policy/load.c). Run by make
# when default.yaml changes; tests/unit/policy/tiers_test.c checks the built-in list equals it.
set -eu
in=$1
out=$2
{
    echo '/* Generated from policy/default.yaml by webhook/policy/embed-seed.sh; do not edit. */'
    echo '#include "policy/seed.h"'
    echo
    echo '/* clang-format off */'
    echo 'const char wh_policy_seed_text[] ='
    # C string escapes; '?' too, so no "??x" trigraph can form under -std=c11.
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/    "/' -e 's/$/\\n"/' "$in"
    echo '    ;'
    echo '/* clang-format on */'
    echo
    echo 'const size_t wh_policy_seed_text_len = sizeof(wh_policy_seed_text) - 1;'
} >"$out.tmp"
mv "$out.tmp" "$out"
