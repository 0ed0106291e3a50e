/*
 * policy/identity.c: does a verified Fulcio identity satisfy a keyless signer? Exact strings or
 * anchored regexes for SAN and issuer (cosign --certificate-identity[-regexp] and
 * --certificate-oidc-issuer[-regexp]), then GitHub claims and named extensions.
 */
#include "policy/identity.h"

#include <string.h>

static bool
regex_match(const struct wh_policy_regex *re, const char *s)
{
    /* model.h: compiled from "^(" source ")$", so a match is a whole-string match */
    return regexec(&re->re, s, 0, NULL, 0) == 0;
}

static bool
text_match(const char *exact, const struct wh_policy_regex *re, const char *have)
{
    if (have == NULL)
        return false;
    if (exact != NULL && strcmp(exact, have) != 0)
        return false;
    if (re != NULL && !regex_match(re, have))
        return false;
    return true;
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
    if (!text_match(k->subject, k->subject_re, id->san)) {
        *why = wh_arena_sprintf(a, "subject %s does not %s %s", id->san ? id->san : "(none)",
                                k->subject != NULL ? "equal" : "match",
                                k->subject != NULL ? k->subject : k->subject_re->source);
        return false;
    }
    if (!text_match(k->issuer, k->issuer_re, id->issuer)) {
        *why = wh_arena_sprintf(a, "issuer %s does not %s %s", id->issuer ? id->issuer : "(none)",
                                k->issuer != NULL ? "equal" : "match",
                                k->issuer != NULL ? k->issuer : k->issuer_re->source);
        return false;
    }
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
