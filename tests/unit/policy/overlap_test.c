/* Lint warnings for lenient image rules after stricter ones they share names with: which pairs
 * are reported, with what example, positions and message, and which are not. */
#include "policy/overlap.h"

#include <stdio.h>
#include <string.h>

#include "unit/harness.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

#define HEAD                                                                                       \
    "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n  signers:\n"                        \
    "    ci-key: {key: {file: keys/ci.pub}, transparencyLog: optional}\n  images:\n"

static struct wh_policy *
load(const char *images)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    char yaml[4096];

    snprintf(yaml, sizeof(yaml), HEAD "%s", images);
    if (wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                        "policy", &lim, &p, &err) != WH_OK) {
        printf("# load: %s\n", err.msg);
        return NULL;
    }
    return p;
}

/* The number of overlaps in `images`; *first gets the first one's message (file "t.yaml"). */
static size_t
overlaps(const char *images, struct wh_arena *a, struct wh_policy_overlap *first, const char **msg)
{
    struct wh_policy *p = load(images);
    struct wh_policy_overlap *o;
    size_t n;

    *msg = "";
    if (p == NULL)
        return (size_t)-1;
    n = wh_policy_overlaps(p, a, &o);
    if (n > 0) {
        *first = o[0];
        *msg = wh_policy_overlap_message(&o[0], "t.yaml", a);
        /* The rules live in the snapshot: copy what the caller reads before dropping it. */
        first->example = wh_arena_strdup(a, o[0].example);
        first->strict_glob = wh_arena_strdup(a, o[0].strict_glob);
        first->lenient_glob = wh_arena_strdup(a, o[0].lenient_glob);
        first->strict = first->lenient = NULL;
    }
    wh_policy_unref(p);
    return n;
}

static void
test_lenient_catch_all_after_strict_rule_is_reported(void)
{
    struct wh_arena a;
    struct wh_policy_overlap o;
    const char *msg;
    size_t n;

    wh_arena_init(&a);
    n = overlaps("    - name: local\n"
                 "      match: [\"LOCALHOST:5000/**\"]\n"
                 "      signatures: {signedBy: [ci-key]}\n"
                 "    - name: rest\n"
                 "      match: [\"**\"]\n"
                 "      mode: warn\n",
                 &a, &o, &msg);
    ok(n == 1, "one warning (%zu)", n);
    ok(n == 1 && strcmp(o.strict_glob, "localhost:5000/**") == 0 &&
           strcmp(o.lenient_glob, "**") == 0 && strcmp(o.example, "localhost:5000/a") == 0,
       "the canonical globs and an example name both match: %s", n == 1 ? o.example : "");
    ok(strcmp(msg,
              "t.yaml:10:7: warning: image rule rest (mode warn) shares names with the stricter "
              "image rule local before it (t.yaml:7:7, enforce, signatures by ci-key): \"**\" and "
              "\"localhost:5000/**\" both match localhost:5000/a; what local does not match "
              "(beside its globs, or excluded) falls through to rest: narrow the match of rest or "
              "require what local requires") == 0,
       "message names both rules with file:line:col: %s", msg);
    wh_arena_fini(&a);
}

static void
test_what_counts_as_lenient_and_strict(void)
{
    static const struct {
        const char *name, *images;
        size_t want;
    } cases[] = {
        {"audit after strict",
         "    - {name: s, match: [\"r.io/**\"], signatures: {signedBy: [ci-key]}}\n"
         "    - {name: l, match: [\"r.io/a\"], mode: audit, signatures: {signedBy: [ci-key]}}\n",
         1},
        {"enforce without evidence after attestation-only strict",
         "    - name: s\n      match: [\"r.io/*\"]\n      attestations:\n"
         "        sbom: {predicateType: cyclonedx, signedBy: [ci-key]}\n"
         "    - {name: l, match: [\"r.io/a\"]}\n",
         1},
        {"lenient before strict",
         "    - {name: l, match: [\"**\"], mode: warn}\n"
         "    - {name: s, match: [\"r.io/**\"], signatures: {signedBy: "
         "[ci-key]}}\n",
         0},
        {"strict after strict",
         "    - {name: s, match: [\"r.io/**\"], signatures: {signedBy: "
         "[ci-key]}}\n"
         "    - {name: t, match: [\"**\"], signatures: {signedBy: "
         "[ci-key]}}\n",
         0},
        {"lenient after a strict rule in warn mode",
         "    - {name: s, match: [\"r.io/**\"], mode: warn, signatures: {signedBy: [ci-key]}}\n"
         "    - {name: l, match: [\"**\"], mode: warn}\n",
         0},
        {"disjoint: '*' stops at '/'",
         "    - {name: s, match: [\"r.io/*/api\"], signatures: {signedBy: [ci-key]}}\n"
         "    - {name: l, match: [\"r.io/a/b/api\", \"q.io/**\"], mode: warn}\n",
         0},
        {"disjoint: only a non-name in common",
         "    - {name: s, match: [\"r.io/**\"], signatures: {signedBy: [ci-key]}}\n"
         "    - {name: l, match: [\"r.io/\", \"r.io/x-\"], mode: warn}\n",
         0},
        {"second glob of each overlaps",
         "    - {name: s, match: [\"a.io/x\", \"r.io/*/api\"], signatures: {signedBy: [ci-key]}}\n"
         "    - {name: l, match: [\"b.io/**\", \"r.io/web/**\"], mode: warn}\n",
         1},
        {"two strict rules, one lenient",
         "    - {name: s1, match: [\"r.io/a/**\"], signatures: {signedBy: [ci-key]}}\n"
         "    - {name: s2, match: [\"r.io/b/**\"], signatures: {signedBy: [ci-key]}}\n"
         "    - {name: l, match: [\"r.io/**\"], mode: warn}\n",
         2},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wh_arena a;
        struct wh_policy_overlap o;
        const char *msg;
        size_t n;

        wh_arena_init(&a);
        n = overlaps(cases[i].images, &a, &o, &msg);
        ok(n == cases[i].want, "%s: %zu warning(s) (got %zu%s%s)", cases[i].name, cases[i].want, n,
           n > 0 ? ": " : "", msg);
        wh_arena_fini(&a);
    }
}

static void
test_a_policy_without_rules_has_no_warnings(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    struct wh_policy_overlap *o;
    struct wh_arena a;
    const char *yaml = "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec: {}\n";

    wh_arena_init(&a);
    if (ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                           NULL, &lim, &p, &err) == WH_OK,
           "empty policy loads: %s", err.msg)) {
        ok(wh_policy_overlaps(p, &a, &o) == 0 && o == NULL, "no rules, no warnings");
        wh_policy_unref(p);
    }
    wh_arena_fini(&a);
}

int
main(void)
{
    test_lenient_catch_all_after_strict_rule_is_reported();
    test_what_counts_as_lenient_and_strict();
    test_a_policy_without_rules_has_no_warnings();
    return done_testing();
}
