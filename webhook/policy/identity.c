/*
 * policy/identity.c: does a verified Fulcio identity satisfy a keyless signer? Exact strings or
 * whole-value RE2 regexes for SAN and issuer (cosign --certificate-identity[-regexp] and
 * --certificate-oidc-issuer[-regexp]), then GitHub claims and named extensions.
 */
#include "policy/identity.h"

#include <string.h>

#include "base/regex.h"

/* SAN or issuer against `exact` or the whole-value regex `re`. On false, *why says which. */
static bool
text_match(const char *what, const char *exact, const struct wh_policy_regex *re, const char *have,
           struct wh_arena *a, const char **why)
{
    struct wh_error err;
    bool matched = false;

    if (exact == NULL && re == NULL) /* no condition (the loader always sets one) */
        return true;
    if (have != NULL && exact != NULL) {
        matched = strcmp(exact, have) == 0;
    } else if (have != NULL && re != NULL &&
               wh_regex_match(re->re, wh_str_c(have), &matched, &err) != WH_OK) {
        /* a match that ran out of its bounds is not a match (fail closed) */
        *why = wh_arena_sprintf(a, "%s %s could not be matched: %s", what, have, err.msg);
        return false;
    }
    if (matched)
        return true;
    *why = wh_arena_sprintf(a, "%s %s does not %s %s", what, have != NULL ? have : "(none)",
                            exact != NULL ? "equal" : "match",
                            exact != NULL ? exact : wh_regex_effective(re->re));
    return false;
}

/*
 * fulcio docs/oid-info.md: the GitHub-specific extensions (.2-.6, raw strings)
 * are deprecated in favour of the generic ones (.12-.14, .20, DER UTF8String),
 * the same move as the issuer's from .1 to .8; cert.c reads the issuer from .8
 * first, and the claims read the same generation. A certificate carrying both
 * with different values is ambiguous and answers nothing (refused).
 */
static bool
pick(const struct wh_cert_identity *id, enum wh_cert_ext v1, enum wh_cert_ext v2, const char *what,
     struct wh_arena *a, const char **have, const char **why)
{
    const char *old = id->ext[v1], *cur = id->ext[v2];

    if (old != NULL && cur != NULL && strcmp(old, cur) != 0) {
        *why = wh_arena_sprintf(a,
                                "certificate's %s is ambiguous: %s (%s) is \"%s\" but %s (%s) is "
                                "\"%s\"",
                                what, wh_cert_ext_name(v2), wh_cert_ext_oid(v2), cur,
                                wh_cert_ext_name(v1), wh_cert_ext_oid(v1), old);
        return false;
    }
    *have = cur != NULL ? cur : old;
    return true;
}

/* owner/name: sourceRepositoryURI without "https://github.com/" (v2), else
 * githubWorkflowRepository (v1); both present and different is ambiguous. */
static bool
repository(const struct wh_cert_identity *id, struct wh_arena *a, const char **have,
           const char **why)
{
    const char *uri = id->ext[WH_CERT_EXT_SOURCE_REPOSITORY_URI];
    const char *old = id->ext[WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY], *cur = NULL;
    static const char GH[] = "https://github.com/";

    if (uri != NULL && strncmp(uri, GH, sizeof(GH) - 1) == 0)
        cur = uri + sizeof(GH) - 1;
    if (old != NULL && uri != NULL && (cur == NULL || strcmp(old, cur) != 0)) {
        *why =
            wh_arena_sprintf(a,
                             "certificate's github repository is ambiguous: %s (%s) is \"%s\" but "
                             "%s (%s) is \"%s\"",
                             wh_cert_ext_name(WH_CERT_EXT_SOURCE_REPOSITORY_URI),
                             wh_cert_ext_oid(WH_CERT_EXT_SOURCE_REPOSITORY_URI), uri,
                             wh_cert_ext_name(WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY),
                             wh_cert_ext_oid(WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY), old);
        return false;
    }
    *have = cur != NULL ? cur : old;
    return true;
}

static bool
claim(const char *want, const char *have, const char *what, struct wh_arena *a, const char **why)
{
    if (want == NULL || (have != NULL && strcmp(want, have) == 0))
        return true;
    *why = have == NULL ? wh_arena_sprintf(a, "certificate has no %s (want \"%s\")", what, want)
                        : wh_arena_sprintf(a, "%s \"%s\" is not \"%s\"", what, have, want);
    return false;
}

/* A github claim the policy asks for, read from the extension pair (v1, v2). */
static bool
gh_claim(const char *want, const struct wh_cert_identity *id, enum wh_cert_ext v1,
         enum wh_cert_ext v2, const char *what, struct wh_arena *a, const char **why)
{
    const char *have = NULL;

    if (want == NULL)
        return true;
    return pick(id, v1, v2, what, a, &have, why) && claim(want, have, what, a, why);
}

bool
wh_policy_keyless_match(const struct wh_policy_keyless *k, const struct wh_cert_identity *id,
                        struct wh_arena *a, const char **why)
{
    const char *repo = NULL;

    *why = NULL;
    if (!text_match("subject", k->subject, k->subject_re, id->san, a, why) ||
        !text_match("issuer", k->issuer, k->issuer_re, id->issuer, a, why))
        return false;
    if (k->github.repository != NULL &&
        (!repository(id, a, &repo, why) ||
         !claim(k->github.repository, repo, "github repository", a, why)))
        return false;
    if (!gh_claim(k->github.ref, id, WH_CERT_EXT_GITHUB_WORKFLOW_REF,
                  WH_CERT_EXT_SOURCE_REPOSITORY_REF, "github ref", a, why) ||
        !claim(k->github.workflow, id->ext[WH_CERT_EXT_GITHUB_WORKFLOW_NAME], "github workflow", a,
               why) ||
        !gh_claim(k->github.trigger, id, WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER,
                  WH_CERT_EXT_BUILD_TRIGGER, "github trigger", a, why) ||
        !gh_claim(k->github.sha, id, WH_CERT_EXT_GITHUB_WORKFLOW_SHA,
                  WH_CERT_EXT_SOURCE_REPOSITORY_DIGEST, "github sha", a, why))
        return false;
    for (size_t i = 0; i < k->n_extensions; i++) {
        const struct wh_policy_keyless_ext *e = &k->extensions[i];
        if (e->index < 0 || e->index >= WH_CERT_EXT_COUNT) {
            *why = "extension index out of range";
            return false;
        }
        if (!claim(e->value, id->ext[e->index], wh_cert_ext_name(e->index), a, why))
            return false;
    }
    return true;
}
