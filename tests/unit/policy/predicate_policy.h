#ifndef WH_TESTS_PREDICATE_POLICY_H
#define WH_TESTS_PREDICATE_POLICY_H

/* Shared by the predicate rule tests (provenance_test, vulns_test): a policy with two key signers
 * (ci-key, other) around the test's images, and the lookup of a message among a check's output. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "policy/policy.h"

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
