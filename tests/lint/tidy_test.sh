#!/usr/bin/env bash
# tests/lint/tidy.sh's cache of passes: a file that passed is not analysed again until its
# translation unit changes (its own text, a header's text, a comment such as NOLINT), a failure is
# never kept, and DG_TIDY_CACHE=off analyses every file. TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
t=$work/t
mkdir -p "$t"
cp "$top/.clang-tidy" "$t/.clang-tidy"
printf '#ifndef A_H\n#define A_H\nint a_value(int x);\n#endif\n' > "$t/a.h"
printf '#include "a.h"\n\nint\na_value(int x)\n{\n    return x + 1;\n}\n' > "$t/a.c"
tidy_run() { # → output in $out, status in $rc
  out=$(DG_TIDY_CACHE=${1:-$work/cache} TIDY_JOBS=1 bash "$top/tests/lint/tidy.sh" "$t/a.c" 2>&1)
  rc=$?
}
tidy_run
[ $rc -eq 0 ] && [[ $out == *"ok (1 files, 0 unchanged"* ]]
ok $? "a clean file is analysed and passes" "$out"
tidy_run
[ $rc -eq 0 ] && [[ $out == *"ok (1 files, 1 unchanged"* ]]
ok $? "the same file again is a cache hit" "$out"
printf '/* a comment in a header */\n' >> "$t/a.h"
tidy_run
[ $rc -eq 0 ] && [[ $out == *"ok (1 files, 0 unchanged"* ]]
ok $? "a header's text changed: analysed again" "$out"
printf '\nint\na_null(void)\n{\n    int *p = 0;\n    return *p;\n}\n' >> "$t/a.c"
tidy_run
[ $rc -ne 0 ] && [[ $out == *"a.c"*"NullDereference"* ]]
ok $? "a defect added to the file fails, named" "$out"
tidy_run
[ $rc -ne 0 ] && [[ $out == *"NullDereference"* ]]
ok $? "the failure is not kept: the next run fails again" "$out"
sed -i 's|return \*p;|return *p; // NOLINT(clang-analyzer-core.NullDereference): the test plants it|' "$t/a.c"
tidy_run
[ $rc -eq 0 ] && [[ $out == *"ok (1 files, 0 unchanged"* ]]
ok $? "a NOLINT comment changes the key: analysed again, passes" "$out"
tidy_run off
[ $rc -eq 0 ] && [[ $out == *"ok (1 files, 0 unchanged"* ]]
ok $? "DG_TIDY_CACHE=off analyses every file" "$out"
done_testing
