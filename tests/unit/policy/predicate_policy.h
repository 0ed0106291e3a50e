#ifndef WH_TESTS_PREDICATE_POLICY_H
#define WH_TESTS_PREDICATE_POLICY_H

/* Shared by the predicate rule tests (provenance_test, vulns_test): a policy with two key signers
 * (ci-key, other) around the test's images, the check of refused sections, the messages of the
 * last rule check, and the lookup of a message among them. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "policy/policy.h"
#include "policy/provenance.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

/* `spec` is the YAML under spec: after the signers (an images: list); NULL when it is refused. */
static struct wh_policy *
policy_with_signers(const char *spec, struct wh_error *err)
{
    struct wh_policy *p = NULL;
    char yaml[4096];

    snprintf(yaml, sizeof(yaml),
             "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
             "  signers: {ci-key: {key: {file: keys/ci.pub}}, other: {key: {file: keys/ci.pub}}}\n"
             "%s",
             spec);
    if (wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                        "policy", &lim, &p, err) != WH_OK)
        return NULL;
    return p;
}

/* One refused attestations section: the test's name, the YAML inside "attestations: {...}" of an
 * image rule app, and a fragment of the error. */
struct refused_case {
    const char *name, *att, *sub;
};

/* Each case's policy is refused: WH_E_INVALID at a t.yaml position, saying `sub`. */
static void
expect_refused(const struct refused_case *cases, size_t n)
{
    char spec[1024];
    struct wh_error err = {0};

    for (size_t i = 0; i < n; i++) {
        struct wh_policy *p;
        snprintf(spec, sizeof(spec),
                 "  images:\n    - name: app\n      match: [\"reg/app\"]\n"
                 "      attestations: {%s}\n",
                 cases[i].att);
        p = policy_with_signers(spec, &err);
        ok(p == NULL && err.code == WH_E_INVALID && strncmp(err.msg, "t.yaml:", 7) == 0 &&
               strstr(err.msg, cases[i].sub) != NULL,
           "%s: %s", cases[i].name, p == NULL ? err.msg : "loaded");
        wh_policy_unref(p);
    }
}

/* What the last rule check said: its messages, allocated in `arena`. A file's run() passes
 * next_check() as the check's arena and &m as its messages; main() ends with wh_arena_fini. */
static struct wh_arena arena;
static struct wh_policy_messages m;

static struct wh_arena *
next_check(void)
{
    wh_arena_fini(&arena);
    wh_arena_init(&arena);
    memset(&m, 0, sizeof(m));
    return &arena;
}

/* Whether one of the n messages holds `sub`; when none does, prints them as diagnostics. */
static bool
has_in(const char *const *list, size_t n, const char *sub)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strstr(list[i], sub) != NULL)
            return true;
    printf("# wanted \"%s\" among %zu:%s\n", sub, n, n ? "" : " (none)");
    for (i = 0; i < n; i++)
        printf("#   %s\n", list[i]);
    return false;
}

#endif
