/* pipeline/resolve.c against the fault registry (tests/support/fault_registry.h): tag → digest
 * through the tag cache (one GET, the digest's manifest learnt with it), a digest reference
 * without a request, infrastructure failures kept briefly and as failures, and the index walk:
 * depth first through nested indexes, attestation manifests left out, each bound refused with
 * WH_E_LIMIT, an entry that lies about being an index refused with WH_E_INVALID. */
#include "pipeline/resolve.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/memo.h"
#include "unit/harness.h"
#include "unit/pipeline/world.h"

static void
test_tag_resolves_once(void)
{
    struct world w;
    struct wh_image_ref ref;
    const struct wh_pipeline_manifest *info = NULL;
    const char *d, *got, *error = NULL;
    enum wh_err code = WH_OK;
    unsigned long before;

    world_start(&w, true);
    d = image(&w, "v1", "one");
    ref = ref_of(&w, ":v1");
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got != NULL && strcmp(got, d) == 0, "tag v1 resolves to its manifest's digest (%s)",
       error != NULL ? error : "");
    ok(info != NULL && !info->is_index && info->error == NULL,
       "the GET that resolved the tag says what the digest is: an image");
    before = fault_registry_requests(w.f);
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got != NULL && strcmp(got, d) == 0 && info == NULL && fault_registry_requests(w.f) == before,
       "again: answered by the tag cache, no request (%lu → %lu)", before,
       fault_registry_requests(w.f));
    info = wh_pipeline_resolve_manifest(&w.ctx, &ref, d);
    ok(info->error == NULL && !info->is_index && fault_registry_requests(w.f) == before,
       "the digest's manifest was remembered with the tag: no request");
    ref = ref_of(&w, wh_arena_sprintf(&w.a, "@%s", d));
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got == ref.digest && info == NULL && fault_registry_requests(w.f) == before,
       "a digest reference resolves to itself without a request");
    world_stop(&w);
}

static void
test_failures(void)
{
    struct world w;
    struct wh_image_ref ref;
    const struct wh_pipeline_manifest *info = NULL;
    const char *got, *error = NULL;
    enum wh_err code = WH_OK;
    unsigned long before;

    world_start(&w, true);
    ref = ref_of(&w, ":absent");
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got == NULL && code == WH_E_NOT_FOUND && error != NULL &&
           strstr(error, "resolving the digest") != NULL,
       "absent tag: WH_E_NOT_FOUND, evidence (%s)", error != NULL ? error : "");
    image(&w, "down", "down");
    fault_registry_set(w.f, "503", "/manifests/down", 0);
    ref = ref_of(&w, ":down");
    error = NULL;
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got == NULL && code == WH_E_UNAVAILABLE,
       "registry 503: WH_E_UNAVAILABLE, infrastructure (%s)", error != NULL ? error : "");
    fault_registry_set(w.f, NULL, NULL, 0);
    before = fault_registry_requests(w.f);
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got == NULL && code == WH_E_UNAVAILABLE && fault_registry_requests(w.f) == before,
       "the failure is shared, as a failure, for a short while: no request");
    ok(wh_pipeline_memo_failure_ttl(&w.ctx) == 2000,
       "failures are kept 2 s at most, however long the negative TTL (%lld)",
       (long long)wh_pipeline_memo_failure_ttl(&w.ctx));
    w.ctx.negative_ttl_ms = 300;
    ok(wh_pipeline_memo_failure_ttl(&w.ctx) == 300, "or the negative TTL when it is shorter");
    world_stop(&w);

    world_start(&w, false);
    image(&w, "down", "down");
    ref = ref_of(&w, ":down");
    fault_registry_set(w.f, "503", "/manifests/down", 1);
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got == NULL && code == WH_E_UNAVAILABLE, "no cache: 503 fails");
    got = wh_pipeline_resolve_digest(&w.ctx, &ref, &error, &code, &info);
    ok(got != NULL, "no cache: the next call asks again and resolves");
    world_stop(&w);
}

static void
test_index_walk(void)
{
    struct world w;
    struct wh_image_ref ref;
    const struct wh_pipeline_manifest *info;
    const char *amd, *arm, *att, *nested, *top, *many = "";
    size_t i;

    world_start(&w, true);
    ref = ref_of(&w, ":multi");
    amd = image(&w, NULL, "amd64");
    arm = image(&w, NULL, "arm64");
    att = image(&w, NULL, "attestation");
    nested = index_of(
        &w, NULL,
        entry(&w, OCI_MANIFEST, arm, "{\"os\":\"linux\",\"architecture\":\"arm64\"}", NULL));
    top = index_of(
        &w, "multi",
        wh_arena_sprintf(
            &w.a, "%s,%s,%s",
            entry(&w, OCI_MANIFEST, amd, "{\"os\":\"linux\",\"architecture\":\"amd64\"}", NULL),
            entry(&w, OCI_INDEX, nested, NULL, NULL),
            entry(&w, OCI_MANIFEST, att, "{\"os\":\"unknown\",\"architecture\":\"unknown\"}",
                  "{\"vnd.docker.reference.type\":\"attestation-manifest\"}")));
    info = wh_pipeline_resolve_manifest(&w.ctx, &ref, top);
    ok(info->error == NULL && info->is_index && info->n_platforms == 2,
       "index: two image entries, the attestation manifest left out (%zu; %s)", info->n_platforms,
       info->error != NULL ? info->error : "");
    ok(info->n_platforms == 2 && strcmp(info->platforms[0].name, "linux/amd64") == 0 &&
           strcmp(info->platforms[0].digest, amd) == 0 && info->platforms[0].n_parents == 0,
       "depth first: linux/amd64 first, directly in the index");
    ok(info->n_platforms == 2 && strcmp(info->platforms[1].name, "linux/arm64") == 0 &&
           info->platforms[1].n_parents == 1 &&
           strcmp(info->platforms[1].parents[0], nested) == 0 &&
           strstr(info->platforms[1].label, "nested index") != NULL,
       "then linux/arm64, in the nested index it names (%s)",
       info->n_platforms == 2 ? info->platforms[1].label : "");

    /* an entry that says index but is an image manifest */
    top = index_of(&w, NULL, entry(&w, OCI_INDEX, amd, NULL, NULL));
    info = wh_pipeline_resolve_manifest(&w.ctx, &ref, top);
    ok(info->error != NULL && info->code == WH_E_INVALID && strstr(info->error, amd) != NULL,
       "an entry listed as an index that is an image manifest: WH_E_INVALID (%s)",
       info->error != NULL ? info->error : "");

    /* nesting deeper than the bound */
    nested = index_of(&w, NULL, entry(&w, OCI_MANIFEST, amd, NULL, NULL));
    for (i = 0; i < 4; i++)
        nested = index_of(&w, NULL, entry(&w, OCI_INDEX, nested, NULL, NULL));
    info = wh_pipeline_resolve_manifest(&w.ctx, &ref, nested);
    ok(info->error != NULL && info->code == WH_E_LIMIT && strstr(info->error, "deeper") != NULL,
       "indexes nested deeper than 3 levels: WH_E_LIMIT (%s)",
       info->error != NULL ? info->error : "");

    /* more entries than considered */
    for (i = 0; i <= WH_PIPELINE_MAX_PLATFORMS; i++)
        many = wh_arena_sprintf(
            &w.a, "%s%s%s", many, i == 0 ? "" : ",",
            entry(&w, OCI_MANIFEST, wh_arena_sprintf(&w.a, "sha256:%064zx", i + 1), NULL, NULL));
    info = wh_pipeline_resolve_manifest(&w.ctx, &ref, index_of(&w, NULL, many));
    ok(info->error != NULL && info->code == WH_E_LIMIT,
       "an index listing %d image manifests: WH_E_LIMIT (%s)", WH_PIPELINE_MAX_PLATFORMS + 1,
       info->error != NULL ? info->error : "");
    world_stop(&w);
}

int
main(void)
{
    test_tag_resolves_once();
    test_failures();
    test_index_walk();
    return done_testing();
}
