#!/usr/bin/env bash
# tests/lint/check-names.sh on small trees: each kind of misnamed export fails naming it, the
# names STYLE §3 allows pass, statics are not exports, the pending list lets a listed name through
# only; and this checkout passes. TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
names=$top/tests/lint/check-names.sh
# tree NAME: an empty webhook/ under $work/NAME, with a clean base/ and pipeline/ file.
tree() {
  mkdir -p "$work/$1/webhook/base" "$work/$1/webhook/pipeline"
  printf 'void\nwh_arena_init(void)\n{\n}\n' > "$work/$1/webhook/base/arena.c"
  printf 'void\nwh_oom(void)\n{\n}\n\nvoid\nwh_error_set(void)\n{\n}\n' > "$work/$1/webhook/base/error.c"
  printf '/* role */\nstatic int\nhelper(void)\n{\n    return 0;\n}\n\nint\nwh_pipeline_memo_lookup(void)\n{\n    return helper();\n}\n' > "$work/$1/webhook/pipeline/memo.c"
}
names_run() { # tree, pending file → output in $out, status in $rc
  out=$(DG_NAMES_PENDING="$2" bash "$names" "$work/$1" 2>&1)
  rc=$?
}
: > "$work/none.txt"

tree clean
names_run clean "$work/none.txt"
ok $((rc != 0)) "clean tree passes (statics, wh_<dir>_, base file names)" "$out"

tree fn
printf 'void\nwh_review_handle(void)\n{\n}\n' > "$work/fn/webhook/pipeline/review.c"
names_run fn "$work/none.txt"
[ $rc -ne 0 ] && [[ $out == *"webhook/pipeline/review.c:2: wh_review_handle"* ]]
ok $? "misnamed function in pipeline/ fails, named with its line" "$out"

tree other
printf 'int\nwh_pipeline_x(void)\n{\n    return 0;\n}\n' > "$work/other/webhook/pipeline/x.c"
mkdir -p "$work/other/webhook/verify"
printf 'int\nwh_pipeline_y(void)\n{\n    return 0;\n}\n' > "$work/other/webhook/verify/tlog.c"
names_run other "$work/none.txt"
[ $rc -ne 0 ] && [[ $out == *"verify/tlog.c:2: wh_pipeline_y"* ]] && [[ $out != *wh_pipeline_x* ]]
ok $? "another folder's prefix fails (verify/ defining wh_pipeline_y)" "$out"

tree base
printf 'void\nwh_buf_init(void)\n{\n}\n' > "$work/base/webhook/base/arena.c"
names_run base "$work/none.txt"
[ $rc -ne 0 ] && [[ $out == *"base/arena.c:2: wh_buf_init"* ]]
ok $? "base/ name of another file fails (wh_buf_ in arena.c)" "$out"

tree glob
mkdir -p "$work/glob/webhook/policy"
printf 'const char wh_schema_text[] = "{}";\nconst char wh_policy_schema_ok[] = "{}";\nstatic const char local[] = "";\n' > "$work/glob/webhook/policy/schema_text.c"
names_run glob "$work/glob-none.txt"
[ $rc -ne 0 ] && [[ $out == *"schema_text.c:1: wh_schema_text"* ]] && [[ $out != *wh_policy_schema_ok* ]] && [[ $out != *local* ]]
ok $? "misnamed initialised global fails, a static one is no export" "$out"

tree top
printf 'int\nmain(void)\n{\n    return 0;\n}\n' > "$work/top/webhook/main.c"
printf 'int\nwh_config_load(void)\n{\n    return 0;\n}\n\nint\nwh_cfg_x(void)\n{\n    return 0;\n}\n' > "$work/top/webhook/config.c"
names_run top "$work/none.txt"
[ $rc -ne 0 ] && [[ $out == *"config.c:8: wh_cfg_x"* ]] && [[ $out != *main* ]] && [[ $out != *wh_config_load* ]]
ok $? "top level: main and wh_config_ pass, wh_cfg_x fails" "$out"

printf '# why\nwebhook/pipeline/review.c wh_review_handle\n' > "$work/pending.txt"
names_run fn "$work/pending.txt"
ok $((rc != 0)) "a listed pending name passes" "$out"
printf 'void\nwh_review_mutate(void)\n{\n}\n' >> "$work/fn/webhook/pipeline/review.c"
names_run fn "$work/pending.txt"
[ $rc -ne 0 ] && [[ $out == *wh_review_mutate* ]] && [[ $out != *"review.c:2: wh_review_handle"* ]]
ok $? "only the listed name passes; an unlisted one beside it fails" "$out"

out=$(bash "$names" 2>&1)
rc=$?
ok $rc "this checkout: $(echo "$out" | tail -n 1)" "$out"
done_testing
