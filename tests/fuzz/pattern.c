/* JSON Schema `pattern` regexes (policy/pattern.c): input is "pattern\0subject". Compile fails only
 * with WH_E_INVALID or WH_E_LIMIT; a search ends with a result or WH_E_LIMIT (step budget), never
 * a hang or crash; wrapping a compiled pattern in (?:...) changes neither outcome. */
#include "fuzz/fuzz.h"

#include <string.h>

/* Included, not linked, so the step budget can be lower here: a budget-bound input then costs
 * ~1 ms instead of ~50, and the fuzzer explores instead of replaying catastrophic patterns. */
#define WH_POLICY_PATTERN_STEPS 100000
#include "policy/pattern.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    const struct wh_policy_pattern *p, *wrapped;
    struct wh_error err;
    const char *nul = memchr(data, '\0', size);
    struct wh_str pat = {(const char *)data,
                         nul != NULL ? (size_t)(nul - (const char *)data) : size};
    struct wh_str subj = {nul != NULL ? nul + 1 : "", nul != NULL ? size - pat.len - 1 : 0};
    enum wh_err rc, rc2;
    bool found = false, found2 = false;

    wh_arena_init(&a);
    rc = wh_policy_pattern_compile(pat, &a, &p, &err);
    if (rc != WH_OK) {
        WH_ASSERT(err.code == rc && (rc == WH_E_INVALID || rc == WH_E_LIMIT));
        WH_ASSERT(strncmp(err.msg, "pattern ", 8) == 0);
        wh_arena_fini(&a);
        return 0;
    }
    rc = wh_policy_pattern_search(p, subj, &found, &err);
    WH_ASSERT(rc == WH_OK || (rc == WH_E_LIMIT && strstr(err.msg, "too many steps") != NULL));
    if (pat.len + 4 <= WH_POLICY_PATTERN_MAX_SOURCE) {
        char *w = wh_arena_sprintf(&a, "(?:%.*s)", (int)pat.len, pat.ptr);
        rc2 = wh_policy_pattern_compile((struct wh_str){w, pat.len + 4}, &a, &wrapped, &err);
        WH_ASSERT(rc2 == WH_OK || (rc2 == WH_E_LIMIT && strstr(err.msg, "nested too deeply")));
        if (rc2 == WH_OK && rc == WH_OK) { /* a budget-bound search is not repeated */
            rc2 = wh_policy_pattern_search(wrapped, subj, &found2, &err);
            WH_ASSERT(rc2 == WH_E_LIMIT || (rc2 == WH_OK && found2 == found));
        }
    }
    wh_arena_fini(&a);
    return 0;
}
