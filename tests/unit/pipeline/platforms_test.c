/* pipeline/platforms.c against the fault registry: which digest's facts an evaluation judges.
 * An image is judged itself; for an index, the entries a runtime on the pod's nodes could pull
 * (nodeSelector), an entry of unknown platform on any node, the dev image's case narrowed to the
 * production image's platform; `index` judges the index digest; a pod no entry can run on is
 * invalid, naming the platforms there are. The rule here asks for nothing, so only manifests are
 * fetched. */
#include "pipeline/platforms.h"

#include "unit/harness.h"
#include "unit/pipeline/world.h"

struct fixture {
    struct world w;
    struct wh_policy_image rule;
    struct wh_image_ref ref;
    const char *amd, *arm, *anywhere, *top;
};

static void
fixture_start(struct fixture *x, bool with_unknown)
{
    const char *entries;

    world_start(&x->w, true);
    memset(&x->rule, 0, sizeof(x->rule));
    x->rule.name = "app";
    x->ref = ref_of(&x->w, ":multi");
    x->amd = image(&x->w, NULL, "amd64");
    x->arm = image(&x->w, NULL, "arm64");
    x->anywhere = image(&x->w, NULL, "anywhere");
    entries = wh_arena_sprintf(
        &x->w.a, "%s,%s%s%s",
        entry(&x->w, OCI_MANIFEST, x->amd, "{\"os\":\"linux\",\"architecture\":\"amd64\"}", NULL),
        entry(&x->w, OCI_MANIFEST, x->arm, "{\"os\":\"linux\",\"architecture\":\"arm64\"}", NULL),
        with_unknown ? "," : "",
        with_unknown ? entry(&x->w, OCI_MANIFEST, x->anywhere, NULL, NULL) : "");
    x->top = index_of(&x->w, "multi", entries);
}

static void
select_for(struct fixture *x, enum wh_policy_platforms mode, const char *arch, const char *only,
           struct wh_pipeline_selection *out)
{
    struct wh_admission_platforms pod = {.os = "linux", .arch = arch};

    wh_pipeline_platforms_select(&x->w.ctx, &x->ref, x->top, &x->rule, true, mode, &pod, only, NULL,
                                 out);
}

static void
test_image(void)
{
    struct world w;
    struct wh_policy_image rule;
    struct wh_image_ref ref;
    struct wh_pipeline_selection sel;
    struct wh_admission_platforms pod = {.os = "linux", .arch = "arm64"};
    const char *d;

    world_start(&w, true);
    memset(&rule, 0, sizeof(rule));
    ref = ref_of(&w, ":v1");
    d = image(&w, "v1", "one");
    wh_pipeline_platforms_select(&w.ctx, &ref, d, &rule, true, WH_POLICY_PLATFORMS_EACH, &pod, NULL,
                                 NULL, &sel);
    ok(sel.error == NULL && sel.invalid == NULL && sel.facts != NULL &&
           strcmp(sel.digest, d) == 0 && sel.platform == NULL && sel.index_digest == NULL,
       "an image manifest: judged itself, no platform (%s)", sel.error != NULL ? sel.error : "");
    fault_registry_set(w.f, "503", "/manifests/sha256:", 0);
    wh_pipeline_platforms_select(&w.ctx, &ref, image(&w, NULL, "two"), &rule, true,
                                 WH_POLICY_PLATFORMS_EACH, &pod, NULL, NULL, &sel);
    ok(sel.facts == NULL && sel.error != NULL && sel.error_code == WH_E_UNAVAILABLE,
       "its manifest unreachable: the error, with its code (%s)",
       sel.error != NULL ? sel.error : "");
    world_stop(&w);
}

static void
test_index(void)
{
    struct fixture x;
    struct wh_pipeline_selection sel;

    fixture_start(&x, false);
    select_for(&x, WH_POLICY_PLATFORMS_EACH, "arm64", NULL, &sel);
    ok(sel.error == NULL && sel.facts != NULL && strcmp(sel.digest, x.arm) == 0 &&
           strcmp(sel.platform_key, "linux/arm64") == 0 && strcmp(sel.index_digest, x.top) == 0,
       "each, arm64 nodes: the arm64 entry is judged, the index named (%s)",
       sel.error != NULL ? sel.error : "");
    select_for(&x, WH_POLICY_PLATFORMS_EACH, "arm64", "linux/amd64", &sel);
    ok(sel.facts != NULL && strcmp(sel.digest, x.amd) == 0,
       "the dev image's case: narrowed to the production image's platform (linux/amd64)");
    select_for(&x, WH_POLICY_PLATFORMS_EACH, "arm64", "linux/riscv64", &sel);
    ok(sel.facts != NULL && strcmp(sel.digest, x.arm) == 0,
       "a production platform the dev index lacks: the pod's runnable entries instead");
    select_for(&x, WH_POLICY_PLATFORMS_INDEX, "arm64", NULL, &sel);
    ok(sel.facts != NULL && strcmp(sel.digest, x.top) == 0 && sel.index_digest == NULL &&
           sel.platform == NULL,
       "index: the index digest itself is judged");
    select_for(&x, WH_POLICY_PLATFORMS_EACH, "s390x", NULL, &sel);
    ok(sel.facts == NULL && sel.invalid != NULL && strstr(sel.invalid, "linux/amd64, linux/arm64"),
       "no entry runs on the pod's nodes: invalid, naming the index's platforms (%s)",
       sel.invalid != NULL ? sel.invalid : "");
    world_stop(&x.w);

    fixture_start(&x, true);
    select_for(&x, WH_POLICY_PLATFORMS_EACH, "s390x", NULL, &sel);
    ok(sel.invalid == NULL && sel.facts != NULL && strcmp(sel.digest, x.anywhere) == 0,
       "an entry of unknown platform may be pulled on any node: it is judged (%s)",
       sel.invalid != NULL ? sel.invalid : "");
    world_stop(&x.w);
}

int
main(void)
{
    test_image();
    test_index();
    return done_testing();
}
