#!/bin/sh
# policy/schema.json -> $(BUILD)/gen/lint/schema_text.c: the copy of the schema built into driftgate
# (`driftgate policy lint` checks with it, `driftgate policy schema` prints it). Run by make when
# the schema changes; tests/golden/schema_test.sh checks the two stay byte-identical.
set -eu
in=$1
out=$2
{
    echo '/* Generated from policy/schema.json by webhook/lint/embed-schema.sh; do not edit. */'
    echo '#include "lint/schema.h"'
    echo
    echo '/* clang-format off */'
    echo 'const char wh_lint_schema_text[] ='
    # C string escapes; '?' too, so no "??x" trigraph can form under -std=c11.
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/    "/' -e 's/$/\\n"/' "$in"
    echo '    ;'
    echo '/* clang-format on */'
    echo
    echo 'const size_t wh_lint_schema_text_len = sizeof(wh_lint_schema_text) - 1;'
} >"$out.tmp"
mv "$out.tmp" "$out"
