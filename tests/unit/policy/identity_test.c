/* policy/identity.c: keyless signer conditions against certificate identities, including every
 * certificate entry of ../shared/vectors/INDEX.json (kyverno identity match/mismatch cases). */
#include "policy/identity.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/regex.h"
#include "policy/policy.h"
#include "unit/harness.h"

static struct wh_limits limits = WH_LIMITS_DEFAULT;

static const char *
shared(void)
{
    const char *s = getenv("DG_SHARED");
    return s != NULL ? s : "../shared";
}

static void
release_regex(void *p)
{
    wh_regex_free(p);
}

static const struct wh_policy_regex *
regex(const char *src, struct wh_arena *a)
{
    struct wh_policy_regex *r = wh_arena_calloc(a, 1, sizeof(*r));
    struct wh_regex *re;
    struct wh_error err;

    r->source = src;
    if (wh_regex_new(WH_REGEX_RE2, wh_str_c(src), &re, &err) != WH_OK) {
        printf("# %s\n", err.msg);
        abort();
    }
    wh_arena_defer(a, release_regex, re);
    r->re = re;
    return r;
}

/* kyverno subject glob: '*' matches any run of characters; everything else literally. */
static const struct wh_policy_regex *
glob_regex(const char *glob, struct wh_arena *a)
{
    char *out = wh_arena_alloc(a, strlen(glob) * 2 + 3), *o = out;

    for (const char *p = glob; *p; p++) {
        if (*p == '*') {
            *o++ = '.';
            *o++ = '*';
        } else {
            if (strchr(".[]()+?{}|^$\\", *p) != NULL)
                *o++ = '\\';
            *o++ = *p;
        }
    }
    *o = 0;
    return regex(out, a);
}

static void
test_index_certificate_entries(void)
{
    struct wh_arena a;
    json_error_t jerr;
    json_t *idx, *e;
    size_t i, n = 0;
    char *path;

    wh_arena_init(&a);
    path = wh_arena_sprintf(&a, "%s/vectors/INDEX.json", shared());
    idx = json_load_file(path, 0, &jerr);
    if (!ok(idx != NULL, "INDEX.json loads (%s)", path))
        return;
    json_array_foreach(idx, i, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        json_t *id = json_object_get(e, "identity"), *exts;
        const char *file = json_string_value(json_object_get(e, "path"));
        bool expect = strcmp(json_string_value(json_object_get(e, "expect")), "pass") == 0;
        struct wh_policy_keyless k = {0};
        struct wh_policy_keyless_ext *ext;
        struct wh_cert_identity cid;
        struct wh_bytes pem;
        struct wh_error err = {0};
        const char *why = NULL, *s, *name;
        json_t *v;
        bool got;

        if (strcmp(kind, "certificate") != 0 || id == NULL)
            continue;
        n++;
        if ((s = json_string_value(json_object_get(id, "subject"))) != NULL)
            k.subject_re = glob_regex(s, &a);
        if ((s = json_string_value(json_object_get(id, "subject_regex"))) != NULL)
            k.subject_re = regex(s, &a);
        if ((s = json_string_value(json_object_get(id, "san"))) != NULL)
            k.subject = s;
        if ((s = json_string_value(json_object_get(id, "issuer"))) != NULL)
            k.issuer = s;
        if ((s = json_string_value(json_object_get(id, "issuer_regex"))) != NULL)
            k.issuer_re = regex(s, &a);
        exts = json_object_get(id, "extensions");
        ext = wh_arena_calloc(&a, json_object_size(exts) + 1, sizeof(*ext));
        json_object_foreach(exts, name, v)
        {
            ext[k.n_extensions].name = name;
            ext[k.n_extensions].index = wh_verify_cert_ext_find(name);
            ext[k.n_extensions].value = json_string_value(v);
            ok(ext[k.n_extensions].index >= 0, "INDEX extension name %s is known", name);
            k.n_extensions++;
        }
        k.extensions = ext;
        if (!ok(wh_file_read(wh_arena_sprintf(&a, "%s/vectors/%s", shared(), file), 1 << 16, &a,
                             &pem, &err) == WH_OK &&
                    wh_verify_cert_identity_parse(pem, &a, &cid, &err) == WH_OK,
                "%s parses: %s", file, err.msg))
            continue;
        got = wh_policy_keyless_match(&k, &cid, &a, &why);
        ok(got == expect, "%s: %s → %s%s%s", file, json_string_value(json_object_get(e, "reason")),
           got ? "match" : "no match", why ? ": " : "", why ? why : "");
    }
    ok(n == 8, "all 8 certificate entries with an identity were judged (%zu)", n);
    json_decref(idx);
    wh_arena_fini(&a);
}

static struct wh_cert_identity
gh_identity(void)
{
    struct wh_cert_identity id = {0};

    id.san = "https://github.com/acme/payments/.github/workflows/release.yml@refs/heads/main";
    id.san_kind = WH_CERT_SAN_URI;
    id.issuer = "https://token.actions.githubusercontent.com";
    id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_URI] = "https://github.com/acme/payments";
    id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_REF] = "refs/heads/main";
    id.ext[WH_CERT_EXT_BUILD_TRIGGER] = "push";
    id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_DIGEST] = "0123abcd";
    id.ext[WH_CERT_EXT_RUNNER_ENVIRONMENT] = "github-hosted";
    return id;
}

static struct wh_policy *
policy(const char *keyless, struct wh_error *err)
{
    const char *yaml = NULL;
    struct wh_policy *p = NULL;
    char buf[4096];

    snprintf(buf, sizeof(buf),
             "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n  signers:\n"
             "    gh:\n      keyless:\n%s",
             keyless);
    yaml = buf;
    if (wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "p.yaml",
                        NULL, &limits, &p, err) != WH_OK)
        return NULL;
    return p;
}

static void
expect_match(const char *keyless, bool want, const char *why_sub, const char *name)
{
    struct wh_error err = {0};
    struct wh_policy *p = policy(keyless, &err);
    struct wh_cert_identity id = gh_identity();
    struct wh_arena a;
    const char *why = NULL;
    bool got;

    if (!ok(p != NULL, "%s: policy loads: %s", name, err.msg))
        return;
    wh_arena_init(&a);
    got = wh_policy_keyless_match(wh_policy_signer_find(p, "gh")->keyless, &id, &a, &why);
    ok(got == want && (want || (why != NULL && strstr(why, why_sub) != NULL)), "%s: %s", name,
       why ? why : "match");
    wh_arena_fini(&a);
    wh_policy_unref(p);
}

#define ISS "        issuer: https://token.actions.githubusercontent.com\n"
#define SUBJ                                                                                       \
    "        subject: "                                                                            \
    "https://github.com/acme/payments/.github/workflows/release.yml@refs/heads/main\n"

static void
test_policy_conditions(void)
{
    expect_match(ISS SUBJ, true, NULL, "exact subject and issuer");
    expect_match(ISS "        subject: https://github.com/acme/other/.github/workflows/r.yml\n",
                 false, "subject https://github.com/acme/payments", "wrong identity");
    expect_match("        issuer: https://accounts.google.com\n" SUBJ, false,
                 "issuer https://token.actions.githubusercontent.com does not equal "
                 "https://accounts.google.com",
                 "wrong issuer");
    expect_match(ISS "        subjectRegExp: \"acme/payments\"\n", false, "does not match",
                 "regex that would only match unanchored");
    expect_match(ISS "        subjectRegExp: \"https://github\\\\.com/acme/.+@refs/heads/main\"\n",
                 true, NULL, "anchored regex");
    expect_match("        issuerRegExp: \"https://token\\\\.actions\\\\..+\"\n" SUBJ, true, NULL,
                 "issuer regex");
    expect_match("        issuerRegExp: \"token\\\\.actions\"\n" SUBJ, false, "does not match",
                 "issuer regex only matching unanchored");
    expect_match(ISS SUBJ "        github: {repository: acme/payments, ref: refs/heads/main, "
                          "trigger: push, sha: 0123abcd}\n",
                 true, NULL, "github claims from the newer extensions");
    expect_match(ISS SUBJ "        github: {repository: acme/other}\n", false,
                 "github repository \"acme/payments\" is not \"acme/other\"", "wrong repository");
    expect_match(ISS SUBJ "        github: {workflow: release}\n", false,
                 "certificate has no github workflow", "claim the certificate lacks");
    expect_match(ISS SUBJ "        extensions: {runnerEnvironment: github-hosted, "
                          "sourceRepositoryURI: \"https://github.com/acme/payments\"}\n",
                 true, NULL, "extensions map");
    expect_match(ISS SUBJ "        extensions: {runnerEnvironment: self-hosted}\n", false,
                 "runnerEnvironment \"github-hosted\" is not \"self-hosted\"",
                 "extension mismatch");
    {
        struct wh_error err = {0};
        ok(policy(ISS SUBJ "        extensions: {noSuchThing: x}\n", &err) == NULL &&
               err.code == WH_E_INVALID &&
               strstr(err.msg, "p.yaml:9:22: signer gh: keyless.extensions: unknown Fulcio "
                               "extension \"noSuchThing\"") != NULL,
           "unknown extension name is a load error: %s", err.msg);
        ok(policy(ISS SUBJ "        extensions: {buildTrigger: [push]}\n", &err) == NULL &&
               err.code == WH_E_INVALID && strstr(err.msg, "buildTrigger") != NULL,
           "extension value must be a string: %s", err.msg);
    }
}

/* A GitHub Actions certificate as Fulcio issues it: both extension generations, same values. */
static struct wh_cert_identity
both_generations(void)
{
    struct wh_cert_identity id = gh_identity();

    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY] = "acme/payments";
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_REF] = "refs/heads/main";
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER] = "push";
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_SHA] = "0123abcd";
    return id;
}

static void
judge(const struct wh_cert_identity *id, const char *github, bool want, const char *why_sub,
      const char *name)
{
    char keyless[512];
    struct wh_error err = {0};
    struct wh_policy *p;
    struct wh_arena a;
    const char *why = NULL;
    bool got;

    snprintf(keyless, sizeof(keyless), ISS SUBJ "        github: {%s}\n", github);
    if (!ok((p = policy(keyless, &err)) != NULL, "%s: policy loads: %s", name, err.msg))
        return;
    wh_arena_init(&a);
    got = wh_policy_keyless_match(wh_policy_signer_find(p, "gh")->keyless, id, &a, &why);
    ok(got == want && (why_sub == NULL || (why != NULL && strstr(why, why_sub) != NULL)), "%s: %s",
       name, why ? why : "match");
    wh_arena_fini(&a);
    wh_policy_unref(p);
}

/* Issue 13: github claims read the issuer's generation (v2, .12-.14 and .20) first; a
 * certificate whose v1 (.2-.6) and v2 values disagree answers nothing. */
static void
test_extension_generations(void)
{
    struct wh_cert_identity id = both_generations();
    static const char ALL[] =
        "repository: acme/payments, ref: refs/heads/main, trigger: push, sha: 0123abcd";

    judge(&id, ALL, true, NULL, "v1 and v2 agree");
    id = gh_identity();
    judge(&id, ALL, true, NULL, "only v2");
    id = both_generations();
    for (int e = WH_CERT_EXT_BUILD_SIGNER_URI; e < WH_CERT_EXT_COUNT; e++)
        id.ext[e] = NULL;
    judge(&id, ALL, true, NULL, "only v1");
    judge(&id, "ref: refs/heads/dev", false, "github ref \"refs/heads/main\" is not",
          "only v1, wrong ref");

    id = both_generations();
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_REF] = "refs/heads/evil";
    judge(&id, "ref: refs/heads/main", false,
          "certificate's github ref is ambiguous: sourceRepositoryRef (1.3.6.1.4.1.57264.1.14) is "
          "\"refs/heads/main\" but githubWorkflowRef (1.3.6.1.4.1.57264.1.6) is "
          "\"refs/heads/evil\"",
          "refs disagree: refused, both named");
    judge(&id, "ref: refs/heads/evil", false, "ambiguous",
          "refs disagree: the v1 value does not win either");
    judge(&id, "repository: acme/payments", true, NULL,
          "a claim the policy does not ask for is not read");
    id = both_generations();
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER] = "workflow_dispatch";
    judge(&id, "trigger: push", false,
          "buildTrigger (1.3.6.1.4.1.57264.1.20) is \"push\" but githubWorkflowTrigger "
          "(1.3.6.1.4.1.57264.1.2) is \"workflow_dispatch\"",
          "triggers disagree");
    id = both_generations();
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_SHA] = "ffff0000";
    judge(&id, "sha: 0123abcd", false, "github sha is ambiguous", "shas disagree");
    id = both_generations();
    id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY] = "mallory/payments";
    judge(&id, "repository: acme/payments", false,
          "github repository is ambiguous: sourceRepositoryURI (1.3.6.1.4.1.57264.1.12) is "
          "\"https://github.com/acme/payments\" but githubWorkflowRepository "
          "(1.3.6.1.4.1.57264.1.5) is \"mallory/payments\"",
          "repositories disagree");
    judge(&id, "repository: mallory/payments", false, "ambiguous",
          "repositories disagree: v1 does not win");
    id = both_generations();
    id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_URI] = "https://gitlab.com/acme/payments";
    judge(&id, "repository: acme/payments", false, "ambiguous",
          "a non-GitHub v2 repository with a v1 GitHub one");
}

int
main(void)
{
    test_index_certificate_entries();
    test_policy_conditions();
    test_extension_generations();
    return done_testing();
}
