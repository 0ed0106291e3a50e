/*
 * Policy YAML: any input either loads (and then every rule can be looked up and every tier list
 * classify a small diff) or fails with WH_E_INVALID/WH_E_LIMIT and a "file:line:col: " message.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "policy/policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_sbom_finding f[3] = {
        {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "deb/libssl-dev", "deb", "libssl-dev", "3", NULL},
        {WH_DRIFT_VERSION, WH_DRIFT_OTHER, "python3", "", "python3", "3.12", "3.11"},
        {WH_DRIFT_PROD_ONLY, WH_DRIFT_SIZE_NONE, "npm/x", "npm", "x", NULL, "1"},
    };
    struct wh_sbom_diff diff = {f, 3, 1, 1, 1, 0};
    struct wh_policy *p;
    struct wh_error err;
    struct wh_arena a;
    size_t i, j;

    if (wh_policy_parse((struct wh_bytes){data, size}, "fuzz.yaml", NULL, &lim, &p, &err) !=
        WH_OK) {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(strncmp(err.msg, "fuzz.yaml:", 10) == 0);
        return 0;
    }
    WH_ASSERT(wh_policy_generation(p) > 0);
    wh_arena_init(&a);
    for (i = 0; i < wh_policy_image_count(p); i++) {
        const struct wh_policy_image *img = wh_policy_image_get(p, i);
        struct wh_tiered_finding *t;
        WH_ASSERT(img->name != NULL && img->n_match > 0);
        WH_ASSERT(img->signatures.count <= img->signatures.n_signed_by ||
                  img->signatures.n_signed_by == 0);
        wh_policy_classify(p, img, "registry.example.com/a/b", &diff, 1700000000, &a, &t);
        for (j = 0; j < diff.n_findings; j++)
            WH_ASSERT(t[j].rule != NULL && t[j].tier <= WH_TIER_IGNORE);
    }
    (void)wh_policy_image_find(p, "registry.example.com/a/b");
    (void)wh_policy_image_find(p, "docker.io/library/nginx");
    wh_arena_fini(&a);
    wh_policy_unref(wh_policy_ref(p));
    wh_policy_unref(p);
    return 0;
}
