/*
 * policy/identity.c: does a verified Fulcio identity satisfy a keyless signer? Exact strings or
 * whole-value RE2 regexes for SAN and issuer (cosign --certificate-identity[-regexp] and
 * --certificate-oidc-issuer[-regexp]), then GitHub claims and named extensions.
 */
#include "policy/identity.h"

#include <string.h>

#include "base/regex.h"
#include "base/str.h"

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
                                what, wh_verify_cert_ext_name(v2), wh_verify_cert_ext_oid(v2), cur,
                                wh_verify_cert_ext_name(v1), wh_verify_cert_ext_oid(v1), old);
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
                             wh_verify_cert_ext_name(WH_CERT_EXT_SOURCE_REPOSITORY_URI),
                             wh_verify_cert_ext_oid(WH_CERT_EXT_SOURCE_REPOSITORY_URI), uri,
                             wh_verify_cert_ext_name(WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY),
                             wh_verify_cert_ext_oid(WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY), old);
        return false;
    }
    *have = cur != NULL ? cur : old;
    return true;
}

/* A claim against the exact `want` or the whole-value regex `re` (at most one is set). */
static bool
claim(const char *want, const struct wh_policy_regex *re, const char *have, const char *what,
      struct wh_arena *a, const char **why)
{
    if (want == NULL && re == NULL)
        return true;
    if (have == NULL) {
        *why = wh_arena_sprintf(a, "certificate has no %s (want %s\"%s\")", what,
                                want != NULL ? "" : "a match of ",
                                want != NULL ? want : wh_regex_effective(re->re));
        return false;
    }
    if (want != NULL) {
        if (strcmp(want, have) == 0)
            return true;
        *why = wh_arena_sprintf(a, "%s \"%s\" is not \"%s\"", what, have, want);
        return false;
    }
    return text_match(what, NULL, re, have, a, why);
}

/* A github claim the policy asks for, read from the extension pair (v1, v2). */
static bool
gh_claim(const char *want, const struct wh_policy_regex *re, const struct wh_cert_identity *id,
         enum wh_cert_ext v1, enum wh_cert_ext v2, const char *what, struct wh_arena *a,
         const char **why)
{
    const char *have = NULL;

    if (want == NULL && re == NULL)
        return true;
    return pick(id, v1, v2, what, a, &have, why) && claim(want, re, have, what, a, why);
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
    if ((k->github.repository != NULL || k->github.repository_re != NULL) &&
        (!repository(id, a, &repo, why) ||
         !claim(k->github.repository, k->github.repository_re, repo, "github repository", a, why)))
        return false;
    if (!gh_claim(k->github.ref, k->github.ref_re, id, WH_CERT_EXT_GITHUB_WORKFLOW_REF,
                  WH_CERT_EXT_SOURCE_REPOSITORY_REF, "github ref", a, why) ||
        !claim(k->github.workflow, k->github.workflow_re, id->ext[WH_CERT_EXT_GITHUB_WORKFLOW_NAME],
               "github workflow", a, why) ||
        !gh_claim(k->github.trigger, k->github.trigger_re, id, WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER,
                  WH_CERT_EXT_BUILD_TRIGGER, "github trigger", a, why) ||
        !gh_claim(k->github.sha, NULL, id, WH_CERT_EXT_GITHUB_WORKFLOW_SHA,
                  WH_CERT_EXT_SOURCE_REPOSITORY_DIGEST, "github sha", a, why))
        return false;
    for (size_t i = 0; i < k->n_extensions; i++) {
        const struct wh_policy_keyless_ext *e = &k->extensions[i];
        if (e->index < 0 || e->index >= WH_CERT_EXT_COUNT) {
            *why = "extension index out of range";
            return false;
        }
        if (!claim(e->value, NULL, id->ext[e->index], wh_verify_cert_ext_name(e->index), a, why))
            return false;
    }
    return true;
}

/* The chain, SCT, tlog and time checks run in verify/; the identity is matched afterwards against
 * each keyless signer, so verify/ is given a condition every identity meets. */
static const struct wh_bundle_policy any_identity = {.san_regex = ".*", .issuer_regex = ".*"};

struct wh_bundle_policy
wh_policy_identity_evidence(const struct wh_policy_signer *const *signers, size_t n)
{
    struct wh_bundle_policy p = any_identity;
    bool first = true;

    for (size_t i = 0; i < n; i++) {
        if (signers[i]->keyless == NULL)
            continue;
        p.skip_tlog_unsafe |= !signers[i]->tlog_required;
        if (first || signers[i]->timestamps < p.timestamp_threshold)
            p.timestamp_threshold = signers[i]->timestamps;
        first = false;
    }
    return p;
}

/* NULL when the verified evidence `r` meets signer `s`'s transparencyLog and timestamps, else
 * what is missing. */
static const char *
evidence_shortfall(const struct wh_policy_signer *s, const struct wh_bundle_result *r,
                   struct wh_arena *a)
{
    if (s->tlog_required && r->n_tlog_verified == 0)
        return "transparencyLog: required, but no verified Rekor entry";
    if (r->n_timestamps_verified < s->timestamps)
        return wh_arena_sprintf(a, "timestamps: %zu required, %zu verified", s->timestamps,
                                r->n_timestamps_verified);
    return NULL;
}

const char *
wh_policy_identity_text(const struct wh_cert_identity *id, struct wh_arena *a)
{
    return wh_arena_sprintf(a, "%s (issuer %s)", id->san != NULL ? id->san : "-",
                            id->issuer != NULL ? id->issuer : "-");
}

/* Appends "NAME: REASON" to the reasons of the signers that did not match. */
static void
note_mismatch(struct wh_buf *why, const char *name, const char *reason)
{
    if (why->len > 0)
        wh_buf_append_c(why, "; ");
    wh_buf_append_c(why, name);
    wh_buf_append_c(why, ": ");
    wh_buf_append_c(why, reason != NULL ? reason : "no match");
}

enum wh_err
wh_policy_identity_match(const struct wh_bundle_result *r,
                         const struct wh_policy_signer *const *signers, size_t n,
                         struct wh_arena *a, const char **signer_out, struct wh_error *err)
{
    const struct wh_cert_identity *id = &r->identity;
    const char *san = id->san != NULL ? id->san : "-";
    const char *issuer = id->issuer != NULL ? id->issuer : "-";
    struct wh_buf why;
    size_t i, n_keyless = 0;
    enum wh_err rc;

    /* Room for every signer's reason: an append past the cap is dropped whole, while the error
     * message below only cuts the tail. */
    wh_buf_init(&why, 1024);
    for (i = 0; i < n; i++) {
        const char *w = NULL;
        if (signers[i]->keyless == NULL)
            continue;
        n_keyless++;
        if (wh_policy_keyless_match(signers[i]->keyless, id, a, &w) &&
            (w = evidence_shortfall(signers[i], r, a)) == NULL) {
            *signer_out = signers[i]->name;
            wh_buf_fini(&why);
            return WH_OK;
        }
        note_mismatch(&why, signers[i]->name, w);
    }
    if (n_keyless == 0)
        rc = wh_error_set(err, WH_E_VERIFY,
                          "certificate identity %s (issuer %s) signed, but the rule lists no "
                          "keyless signer",
                          san, issuer);
    else
        rc = wh_error_set(err, WH_E_VERIFY,
                          "certificate identity %s (issuer %s) matches no keyless signer: %s", san,
                          issuer, why.ptr != NULL ? why.ptr : "");
    wh_buf_fini(&why);
    return rc;
}
