/*
 * policy/identity.c: does a verified Fulcio identity satisfy a keyless signer? Exact strings or
 * anchored regexes for SAN and issuer (cosign --certificate-identity[-regexp] and
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

static const char *
pick(const struct wh_cert_identity *id, enum wh_cert_ext old, enum wh_cert_ext new_ext)
{
    return id->ext[old] != NULL ? id->ext[old] : id->ext[new_ext];
}

static const char *
repository(const struct wh_cert_identity *id, struct wh_arena *a)
{
    const char *uri = id->ext[WH_CERT_EXT_SOURCE_REPOSITORY_URI];
    static const char GH[] = "https://github.com/";

    if (id->ext[WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY] != NULL)
        return id->ext[WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY];
    if (uri != NULL && strncmp(uri, GH, sizeof(GH) - 1) == 0)
        return wh_arena_strdup(a, uri + sizeof(GH) - 1);
    return NULL;
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

bool
wh_policy_keyless_match(const struct wh_policy_keyless *k, const struct wh_cert_identity *id,
                        struct wh_arena *a, const char **why)
{
    *why = NULL;
    if (!text_match("subject", k->subject, k->subject_re, id->san, a, why) ||
        !text_match("issuer", k->issuer, k->issuer_re, id->issuer, a, why))
        return false;
    if (!claim(k->github.repository, repository(id, a), "github repository", a, why) ||
        !claim(k->github.ref,
               pick(id, WH_CERT_EXT_GITHUB_WORKFLOW_REF, WH_CERT_EXT_SOURCE_REPOSITORY_REF),
               "github ref", a, why) ||
        !claim(k->github.workflow, id->ext[WH_CERT_EXT_GITHUB_WORKFLOW_NAME], "github workflow", a,
               why) ||
        !claim(k->github.trigger,
               pick(id, WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER, WH_CERT_EXT_BUILD_TRIGGER),
               "github trigger", a, why) ||
        !claim(k->github.sha,
               pick(id, WH_CERT_EXT_GITHUB_WORKFLOW_SHA, WH_CERT_EXT_SOURCE_REPOSITORY_DIGEST),
               "github sha", a, why))
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
