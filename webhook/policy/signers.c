/* Queries over a rule's signer set (by name, by kind), shared by the evaluators and pipeline/. */
#include <string.h>

#include "policy/policy.h"

bool
wh_policy_signer_listed(const struct wh_policy_signer *const *list, size_t n, const char *name)
{
    return wh_policy_signer_in(list, n, name) != NULL;
}

const char *
wh_policy_signer_names(const struct wh_policy_signer *const *s, size_t n, struct wh_arena *a)
{
    const char *out = "";
    size_t i;

    for (i = 0; i < n; i++)
        out = wh_arena_sprintf(a, "%s%s%s", out, i == 0 ? "" : (i + 1 == n ? " or " : ", "),
                               s[i]->name);
    return out;
}

const struct wh_policy_signer *
wh_policy_signer_in(const struct wh_policy_signer *const *list, size_t n, const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

bool
wh_policy_signers_any_keyless(const struct wh_policy_signer *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i]->keyless != NULL)
            return true;
    return false;
}
