/* Small helpers over a rule's signer set, shared by the evaluators. */
#include <string.h>

#include "policy/policy.h"

bool
wh_policy_signer_listed(const struct wh_policy_signer *const *list, size_t n, const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return true;
    return false;
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
