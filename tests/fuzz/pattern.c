/* Regexes in both dialects (base/regex.c, lint/pattern.c): input is "pattern\0subject". Compiling
 * fails only with WH_E_INVALID or WH_E_LIMIT and a message naming the source; matching ends with a
 * verdict or WH_E_LIMIT (PCRE2's bounds), never a hang or crash; wrapping a compiled pattern in
 * (?:...) changes neither outcome (unless an RE2 \Q is left open); an RE2 \Q<subject>\E matches the
 * subject. */
#include "fuzz/fuzz.h"

#include <string.h>

/* Included, not linked, so the match limits can be lower here: a limit-bound input then costs
 * about a millisecond, and the fuzzer explores instead of replaying catastrophic patterns. */
#define MATCH_LIMIT_JIT 200000u
#define MATCH_LIMIT_INTERPRETER 50000u
#include "base/regex.c"
#include "lint/pattern.h"

/* ECMAScript patterns compile in lint/pattern.c (linked; its parser calls the writers above). */
static enum wh_err
new_regex(enum wh_regex_dialect d, struct wh_str src, struct wh_regex **re, struct wh_error *err)
{
    return d == WH_REGEX_ECMASCRIPT ? wh_lint_pattern_new(src, re, err)
                                    : wh_regex_new(d, src, re, err);
}

static bool
match_ok(enum wh_err rc, const struct wh_error *err)
{
    return rc == WH_OK || (rc == WH_E_LIMIT && strstr(err->msg, "exceeded PCRE2's bound") != NULL);
}

static void
one(enum wh_regex_dialect d, struct wh_str pat, struct wh_str subj)
{
    static const char *const prefix[] = {"invalid regular expression \"", "pattern \""};
    struct wh_regex *re = NULL, *wrapped = NULL;
    struct wh_error err;
    enum wh_err rc, rc2;
    bool found = false, found2 = false;
    char *w;

    rc = new_regex(d, pat, &re, &err);
    if (rc != WH_OK) {
        WH_ASSERT(err.code == rc && (rc == WH_E_INVALID || rc == WH_E_LIMIT));
        WH_ASSERT(strncmp(err.msg, prefix[d], strlen(prefix[d])) == 0);
        return;
    }
    rc = wh_regex_match(re, subj, &found, &err);
    WH_ASSERT(match_ok(rc, &err));
    /* (an RE2 \Q without its \E runs to the end, and would quote the closing parenthesis) */
    if (pat.len + 4 <= WH_REGEX_MAX_SOURCE &&
        !(d == WH_REGEX_RE2 && memmem(pat.ptr, pat.len, "\\Q", 2) != NULL)) {
        w = malloc(pat.len + 5);
        WH_ASSERT(w != NULL);
        memcpy(w, "(?:", 3);
        memcpy(w + 3, pat.ptr, pat.len);
        w[pat.len + 3] = ')';
        rc2 = new_regex(d, (struct wh_str){w, pat.len + 4}, &wrapped, &err);
        WH_ASSERT(rc2 == WH_OK || rc2 == WH_E_LIMIT);
        if (rc2 == WH_OK && rc == WH_OK) { /* a limit-bound match is not repeated */
            rc2 = wh_regex_match(wrapped, subj, &found2, &err);
            WH_ASSERT(match_ok(rc2, &err) && (rc2 != WH_OK || found2 == found));
        }
        wh_regex_free(wrapped);
        free(w);
    }
    wh_regex_free(re);
}

/* RE2: the subject quoted with \Q...\E is matched by it, as a whole. */
static void
quoted(struct wh_str subj)
{
    struct wh_regex *re;
    struct wh_error err;
    bool found = false;
    char *q;

    for (size_t i = 0; i < subj.len; i++) /* valid UTF-8 only; no "\E" inside */
        if ((subj.ptr[i] == '\\' && i + 1 < subj.len && subj.ptr[i + 1] == 'E'))
            return;
    for (size_t i = 0; i < subj.len;) {
        size_t n = wh_utf8_next((const unsigned char *)subj.ptr + i, subj.len - i, NULL);
        if (n == 0)
            return;
        i += n;
    }
    if (subj.len == 0 || subj.len + 4 > WH_REGEX_MAX_SOURCE || subj.ptr[subj.len - 1] == '\\')
        return;
    q = malloc(subj.len + 4);
    WH_ASSERT(q != NULL);
    memcpy(q, "\\Q", 2);
    memcpy(q + 2, subj.ptr, subj.len);
    memcpy(q + 2 + subj.len, "\\E", 2);
    WH_ASSERT(wh_regex_new(WH_REGEX_RE2, (struct wh_str){q, subj.len + 4}, &re, &err) == WH_OK);
    WH_ASSERT(wh_regex_match(re, subj, &found, &err) == WH_OK && found);
    wh_regex_free(re);
    free(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nul = memchr(data, '\0', size);
    struct wh_str pat = {(const char *)data,
                         nul != NULL ? (size_t)(nul - (const char *)data) : size};
    struct wh_str subj = {nul != NULL ? nul + 1 : "", nul != NULL ? size - pat.len - 1 : 0};

    one(WH_REGEX_ECMASCRIPT, pat, subj);
    one(WH_REGEX_RE2, pat, subj);
    quoted(subj);
    return 0;
}
