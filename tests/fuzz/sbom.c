/*
 * Fuzzes wh_sbom_parse (CycloneDX and SPDX) with small limits, and checks: errors are INVALID or
 * LIMIT; parsed SBOMs are sorted and within the component limit; diffing an SBOM against itself
 * finds nothing; version comparison is antisymmetric and reflexive on the versions found.
 */
#include "fuzz/fuzz.h"

#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"
#include "sbom/version.h"

static int
sgn(int v)
{
    return (v > 0) - (v < 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_sbom s;
    struct wh_sbom_diff d;
    struct wh_error err;
    size_t i, groups = 0;

    lim.sbom_components = 500;
    lim.json_depth = 32;
    wh_arena_init(&a);
    if (wh_sbom_parse((struct wh_bytes){data, size}, &lim, &a, &s, &err) != WH_OK) {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
        goto out;
    }
    WH_ASSERT(s.n_components <= lim.sbom_components);
    for (i = 0; i < s.n_components; i++) {
        const struct wh_sbom_component *c = &s.components[i];
        WH_ASSERT(c->key != NULL && c->key[0] != '\0' && c->name != NULL && c->version != NULL);
        if (i == 0 || strcmp(s.components[i - 1].key, c->key) != 0)
            groups++;
        if (i > 0) {
            const struct wh_sbom_component *p = &s.components[i - 1];
            int r = strcmp(p->key, c->key);
            WH_ASSERT(r < 0 || (r == 0 && strcmp(p->version, c->version) <= 0));
            WH_ASSERT(sgn(wh_sbom_version_compare(c->purl_type, p->version, c->version)) ==
                      -sgn(wh_sbom_version_compare(c->purl_type, c->version, p->version)));
            (void)wh_sbom_version_drift(c->purl_type, p->version, c->version);
        }
        WH_ASSERT(wh_sbom_version_compare(c->purl_type, c->version, c->version) == 0);
        WH_ASSERT(wh_sbom_version_drift(c->purl_type, c->version, c->version) ==
                  WH_DRIFT_SIZE_NONE);
    }
    WH_ASSERT(wh_sbom_diff(&s, &s, &a, &d, &err) == WH_OK);
    WH_ASSERT(d.n_findings == 0 && d.n_same == groups);
out:
    wh_arena_fini(&a);
    return 0;
}
