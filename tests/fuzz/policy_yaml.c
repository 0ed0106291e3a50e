/*
 * Policy YAML: any input either loads (and then every rule can be looked up and every tier list
 * classify a small diff) or fails with WH_E_INVALID/WH_E_LIMIT and a "file:line:col: " message.
 * The same input is checked against the built-in JSON Schema: violations are bounded and carry
 * positions, and a policy the loader accepts never violates the schema (lint would reject what
 * serve loads).
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lint/schema.h"
#include "policy/policy.h"

/* The schema check's verdict: 0 valid, 1 violations, 2 YAML-level error. */
static int
schema_verdict(const uint8_t *data, size_t size, const struct wh_limits *lim)
{
    static struct wh_arena schema_arena;
    static const struct wh_lint_schema *schema;
    struct wh_lint_violations v;
    struct wh_error err;
    struct wh_arena a;
    enum wh_err rc;
    size_t i;

    if (schema == NULL) {
        wh_arena_init(&schema_arena);
        rc = wh_lint_schema_parse(
            (struct wh_bytes){(const unsigned char *)wh_lint_schema_text, wh_lint_schema_text_len},
            "built-in", &schema_arena, &schema, &err);
        WH_ASSERT(rc == WH_OK);
    }
    wh_arena_init(&a);
    rc =
        wh_lint_schema_check(schema, (struct wh_bytes){data, size}, "fuzz.yaml", lim, &a, &v, &err);
    if (rc != WH_OK) {
        WH_ASSERT(rc == WH_E_INVALID || rc == WH_E_LIMIT);
        WH_ASSERT(strncmp(err.msg, "fuzz.yaml:", 10) == 0);
        wh_arena_fini(&a);
        return 2;
    }
    WH_ASSERT(v.n <= WH_LINT_VIOLATIONS_MAX && v.n <= v.total);
    WH_ASSERT((v.n == 0) == (v.total == 0));
    for (i = 0; i < v.n; i++)
        WH_ASSERT(v.v[i].line >= 1 && v.v[i].col >= 1 && v.v[i].text != NULL);
    wh_arena_fini(&a);
    return v.total > 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_sbom_finding f[4] = {
        {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "deb//libssl-dev", "deb", "LibSSL-dev", "3", NULL,
         "libssl-dev"},
        {WH_DRIFT_VERSION, WH_DRIFT_OTHER, "python3", "", "python3", "3.12", "3.11", NULL},
        {WH_DRIFT_PROD_ONLY, WH_DRIFT_SIZE_NONE, "npm//x", "npm", "x", NULL, "1", "x"},
        {WH_DRIFT_VERSION, WH_DRIFT_BUILD, "pypi//torch", "pypi", "torch", "2.1.0+cu121",
         "2.1.0+cpu", "torch"},
    };
    struct wh_sbom_diff diff = {f, 4, 1, 1, 2, 0};
    struct wh_policy *p;
    struct wh_error err;
    struct wh_arena a;
    size_t i, j;

    int schema = schema_verdict(data, size, &lim);

    if (wh_policy_parse((struct wh_bytes){data, size}, "fuzz.yaml", NULL, &lim, &p, &err) !=
        WH_OK) {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(strncmp(err.msg, "fuzz.yaml:", 10) == 0);
        return 0;
    }
    WH_ASSERT(schema == 0); /* loaded, so the schema holds */
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
