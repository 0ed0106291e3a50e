/*
 * Per image, in order (DESIGN §1 steps 2-8): parse the reference, pick the rule, resolve the
 * digest (resolve.c), select the platforms the pod can run and their verified facts
 * (platforms.c, memo.c: signatures.c, attestations.c, referrers.c), diff the SBOM against the dev
 * image's (dev_drift.c), evaluate (policy/eval.c). Each distinct image of a review is checked
 * once. A failure keeps its enum wh_err: infrastructure (onError decides) or evidence a pusher
 * can write, which counts as missing evidence (README "Infrastructure or evidence").
 */
#include "pipeline/image_check.h"

#include <string.h>

#include "metrics/metrics.h"
#include "pipeline/attestations.h"
#include "pipeline/dev_drift.h"
#include "pipeline/failure.h"
#include "pipeline/fanout.h"
#include "pipeline/memo.h"
#include "pipeline/platforms.h"
#include "pipeline/resolve.h"
#include "pipeline/timing.h"
#include "policy/policy.h"
#include "registry/client.h"

#define DEV_IMAGE_ANNOTATION "driftgate.dev/dev-image"

/* The production image's facts and, beside them, the dev image's fetches (issue 15 item 2). */
struct prod_and_dev {
    const struct wh_image_check_ctx *ctx;
    const struct wh_image_ref *ref;
    const char *digest, *dev_image;
    const struct wh_policy_image *rule;
    const struct wh_admission_platforms *platforms;
    const struct wh_pipeline_manifest *info;
    struct wh_pipeline_selection prod;
    struct wh_pipeline_dev_ahead dev;
    struct wh_arena arenas[2];          /* one per task: an arena is one thread's */
    struct wh_review_timing timings[2]; /* summed into ctx->timing after */
};

static void
select_prod(const struct wh_image_check_ctx *ctx, const struct prod_and_dev *p,
            struct wh_pipeline_selection *out)
{
    int64_t t0 = wh_pipeline_timing_now_us();

    wh_pipeline_platforms_select(ctx, p->ref, p->digest, p->rule, true, p->rule->platforms,
                                 p->platforms, NULL, p->info, out);
    wh_pipeline_timing_add(ctx, WH_PIPELINE_STEP_VERIFY, t0);
}

static void
prod_and_dev_task(void *arg, size_t i, struct wh_registry_client *registry)
{
    struct prod_and_dev *p = arg;
    struct wh_image_check_ctx c = *p->ctx;

    c.registry = registry;
    c.arena = &p->arenas[i];
    c.timing = p->ctx->timing != NULL ? &p->timings[i] : NULL;
    if (i == 0)
        select_prod(&c, p, &p->prod);
    else
        wh_pipeline_dev_drift_fetch(&c, p->rule, p->dev_image, p->platforms, NULL, &p->dev);
}

static void
arena_release(void *a)
{
    wh_arena_fini(a);
}

static void
timing_sum(struct wh_review_timing *into, const struct wh_review_timing *t, size_t n)
{
    for (size_t k = 0; into != NULL && k < n; k++) {
        into->resolve_us += t[k].resolve_us;
        into->verify_us += t[k].verify_us;
        into->sbom_us += t[k].sbom_us;
        into->evaluate_us += t[k].evaluate_us;
    }
}

/*
 * The production image's facts into *prod and, when its dev image is named before them and the
 * worker has fetch helpers, that dev image's resolution and facts at once (*dev; else NULL, and
 * wh_pipeline_dev_drift_check fetches them after, if it looks at all). Only beside an image
 * manifest: a multi-arch production image chooses the dev image's platform. The dev image is
 * fetched before knowing whether the production image has the SBOM that the drift check needs,
 * so when it has none, those requests were made for nothing; with its SBOM (every image that
 * passes), the requests are the sequential ones.
 */
static void
select_prod_and_dev(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                    const char *digest, const struct wh_policy_image *rule,
                    const struct wh_admission_platforms *platforms,
                    const struct wh_pipeline_manifest *info, const char *trusted,
                    struct wh_pipeline_selection *prod, const struct wh_pipeline_dev_ahead **dev)
{
    struct prod_and_dev *p;
    const char *dev_image = NULL;

    *dev = NULL;
    if (ctx->fanout != NULL && ctx->registry != NULL && ctx->cache_only == NULL)
        dev_image = wh_pipeline_dev_drift_known(ctx, rule, ref, trusted);
    if (dev_image != NULL && info == NULL)
        info = wh_pipeline_resolve_manifest(ctx, ref, digest); /* select would ask the same */
    p = wh_arena_calloc(ctx->arena, 1, sizeof(*p));
    p->ctx = ctx;
    p->ref = ref;
    p->digest = digest;
    p->rule = rule;
    p->platforms = platforms;
    p->info = info;
    p->dev_image = dev_image;
    if (dev_image == NULL || info->error != NULL || info->is_index) {
        select_prod(ctx, p, prod);
        return;
    }
    for (size_t k = 0; k < 2; k++) {
        wh_arena_init(&p->arenas[k]);
        wh_arena_defer(ctx->arena, arena_release, &p->arenas[k]);
    }
    wh_pipeline_fanout_run(ctx->fanout, ctx->registry, 2, prod_and_dev_task, p);
    timing_sum(ctx->timing, p->timings, 2);
    *prod = p->prod;
    *dev = &p->dev;
}

static void
check_one(const struct wh_image_check_ctx *ctx, const char *image, const char *pod_dev_image,
          const struct wh_admission_platforms *platforms, struct wh_image_result *out)
{
    static const struct wh_admission_platforms linux_any;
    struct wh_arena *a = ctx->arena;
    struct wh_image_ref ref;
    struct wh_error err;
    const struct wh_policy_image *rule;
    struct wh_pipeline_selection prod;
    const struct wh_pipeline_manifest *info;
    const struct wh_pipeline_dev_ahead *dev;
    const char *digest;
    bool trusted_dev;
    int64_t t0;

    memset(out, 0, sizeof(*out));
    out->image = image;
    if (platforms == NULL)
        platforms = &linux_any;
    if (wh_image_ref_parse(wh_str_c(image), a, &ref, &err) != WH_OK) {
        out->invalid = wh_arena_sprintf(a, "invalid image reference: %s", err.msg);
        return;
    }
    out->name = wh_image_ref_name(&ref, a);
    out->canonical = wh_image_ref_render(&ref, a).ptr;
    out->shown = wh_image_ref_display(wh_str_c(image), &ref, a);
    out->tag = ref.tag;
    rule = out->rule = wh_policy_image_find(ctx->policy, out->name);
    if (rule == NULL)
        return; /* defaults.noMatch decides */
    if (rule->require_digest && ref.digest == NULL) {
        out->invalid =
            wh_arena_sprintf(a, "rule %s requires a digest: pin the image as %s@sha256:<digest>",
                             rule->name, out->name);
        return;
    }
    /* The loop thread's cache-only attempt has no client by design (types.h): a lookup that
     * would need one misses instead. */
    if (ctx->registry == NULL && ctx->cache_only == NULL) {
        wh_pipeline_fail(a, &out->error, &out->error_code, WH_E_UNAVAILABLE,
                         "registry client unavailable: %s", ctx->registry_error);
        return;
    }
    t0 = wh_pipeline_timing_now_us();
    digest = wh_pipeline_resolve_digest(ctx, &ref, &out->error, &out->error_code, &info);
    wh_pipeline_timing_add(ctx, WH_PIPELINE_STEP_RESOLVE, t0);
    if (digest == NULL)
        return;
    out->digest = digest;
    /* An image exemption in force lifts the rule's signature and attestation requirements:
     * nothing is fetched (policy/eval.c reports the exemption and its expiry). */
    if (wh_policy_image_exemption(ctx->policy, out->name, ctx->now) != NULL)
        return;
    trusted_dev = pod_dev_image != NULL &&
                  (rule->dev_reference.allow_pod_annotation || ctx->dev_override_trusted);
    select_prod_and_dev(ctx, &ref, digest, rule, platforms, info,
                        trusted_dev ? pod_dev_image : NULL, &prod, &dev);
    out->invalid = prod.invalid;
    out->error = prod.error;
    out->error_code = prod.error_code;
    if (prod.facts == NULL)
        return;
    out->digest = prod.digest;
    out->platform = prod.platform;
    out->index_digest = prod.index_digest;
    out->facts = prod.facts->facts;
    out->facts.digest = prod.digest;
    out->facts.platform = prod.platform;
    out->verify_detail = prod.facts->verify_detail;
    out->signature_detail = prod.facts->signature_detail;
    out->sbom = prod.facts->sbom;
    if (out->error != NULL || !wh_pipeline_memo_has_sbom(prod.facts) ||
        (rule->dev_reference.image == NULL && !wh_pipeline_attestations_dev_from(rule) &&
         !trusted_dev))
        return;
    wh_pipeline_dev_drift_check(ctx, rule, &ref, image, trusted_dev ? pod_dev_image : NULL,
                                prod.facts, platforms, prod.platform_key, dev, out);
}

/* The registry budget of one review (client.h): every answer counted against the review's and
 * the process's limits, each digest fetched once. Returns whether this call opened it. */
static bool
budget_begin(const struct wh_image_check_ctx *ctx)
{
    if (ctx->registry == NULL || wh_registry_client_in_review(ctx->registry))
        return false;
    wh_registry_client_review_begin(ctx->registry);
    return true;
}

void
wh_pipeline_image_check_one(const struct wh_image_check_ctx *ctx, const char *image,
                            const char *pod_dev_image,
                            const struct wh_admission_platforms *platforms,
                            struct wh_image_result *out)
{
    bool opened = budget_begin(ctx);

    check_one(ctx, image, pod_dev_image, platforms, out);
    if (opened)
        wh_registry_client_review_end(ctx->registry);
}

/* driftgate_verification_failures_total{reason}: why an image was not verified, by kind. */
static void
count_failures(const struct wh_image_check_ctx *ctx, const struct wh_image_result *r)
{
    const char *reason;

    if (ctx->verify_failures == NULL || r->rule == NULL ||
        wh_policy_image_exemption(ctx->policy, r->name, ctx->now) != NULL)
        return;
    reason = wh_pipeline_reason_label(wh_pipeline_reason_of(r));
    if (reason != NULL)
        wh_metrics_counter_add(ctx->verify_failures, (const char *const[]){reason}, 1);
}

/* The loop thread's cache-only attempt met a miss: the review goes to a worker (types.h). */
static bool
cache_only_missed(const struct wh_image_check_ctx *ctx)
{
    return ctx->cache_only != NULL && ctx->cache_only->missed;
}

static const char *
pod_dev_image(const struct wh_admission_request *req)
{
    size_t i;

    for (i = 0; i < req->n_annotations; i++)
        if (strcmp(req->annotations[i].key, DEV_IMAGE_ANNOTATION) == 0)
            return req->annotations[i].value;
    return NULL;
}

/* The distinct images of a review, checked at once on the worker's fetch helpers (fanout.h). */
struct batch {
    const struct wh_image_check_ctx *ctx;
    const char **images; /* distinct, in the pod's order */
    struct wh_image_result *results;
    struct wh_arena *arenas;          /* one per task: an arena is one thread's */
    struct wh_review_timing *timings; /* one per task, summed into ctx->timing after */
    const char *dev;
    const struct wh_admission_platforms *platforms;
};

static void
check_task(void *arg, size_t i, struct wh_registry_client *registry)
{
    const struct batch *b = arg;
    struct wh_image_check_ctx c = *b->ctx;

    c.registry = registry;
    c.arena = &b->arenas[i];
    c.timing = b->ctx->timing != NULL ? &b->timings[i] : NULL;
    check_one(&c, b->images[i], b->dev, b->platforms, &b->results[i]);
}

/* images[0..n) (distinct) checked at once into results[0..n). Each task has its own arena,
 * finished with the review's, so what it leaves in its result lives as long as a sequential
 * check's would. */
static void
check_at_once(const struct wh_image_check_ctx *ctx, const char **images, size_t n, const char *dev,
              const struct wh_admission_platforms *platforms, struct wh_image_result *results)
{
    struct batch b = {
        .ctx = ctx, .images = images, .results = results, .dev = dev, .platforms = platforms};

    b.arenas = wh_arena_calloc(ctx->arena, n, sizeof(*b.arenas));
    b.timings = wh_arena_calloc(ctx->arena, n, sizeof(*b.timings));
    for (size_t k = 0; k < n; k++) {
        wh_arena_init(&b.arenas[k]);
        wh_arena_defer(ctx->arena, arena_release, &b.arenas[k]);
    }
    wh_pipeline_fanout_run(ctx->fanout, ctx->registry, n, check_task, &b);
    timing_sum(ctx->timing, b.timings, n);
}

static bool
may_check_at_once(const struct wh_image_check_ctx *ctx)
{
    return ctx->fanout != NULL && ctx->cache_only == NULL && ctx->registry != NULL;
}

/*
 * Checks the distinct images of `req` at once into results[0..) (in the pod's order of first
 * appearance); returns how many, or 0 when the review runs them one by one instead (no helpers,
 * one distinct image, or the loop thread's cache-only attempt). The answer does not depend on
 * which task ends first: evaluation walks the containers in order afterwards.
 */
static size_t
check_distinct_at_once(const struct wh_image_check_ctx *ctx, const struct wh_admission_request *req,
                       const char *dev, struct wh_image_result *results)
{
    const char **images;
    size_t n = 0;

    if (!may_check_at_once(ctx))
        return 0;
    images = wh_arena_calloc(ctx->arena, req->n_images, sizeof(*images));
    for (size_t i = 0; i < req->n_images; i++) {
        size_t j = 0;

        while (j < n && strcmp(images[j], req->images[i].image) != 0)
            j++;
        if (j == n)
            images[n++] = req->images[i].image;
    }
    if (n <= 1)
        return 0;
    check_at_once(ctx, images, n, dev, &req->platforms, results);
    return n;
}

void
wh_pipeline_image_check_each(const struct wh_image_check_ctx *ctx, const char **images, size_t n,
                             const char *pod_dev_image,
                             const struct wh_admission_platforms *platforms,
                             struct wh_image_result *results)
{
    bool opened = budget_begin(ctx);

    memset(results, 0, n * sizeof(*results));
    if (n > 1 && may_check_at_once(ctx))
        check_at_once(ctx, images, n, pod_dev_image, platforms, results);
    else
        for (size_t i = 0; i < n && !cache_only_missed(ctx); i++)
            check_one(ctx, images[i], pod_dev_image, platforms, &results[i]);
    if (opened)
        wh_registry_client_review_end(ctx->registry);
}

/*
 * The result for `img`: one image used by many containers is verified once per review. A new
 * image takes the next result, checked now unless check_distinct_at_once did (the first
 * n_checked, in the same order); *fresh says it is new.
 */
static struct wh_image_result *
result_for(const struct wh_image_check_ctx *ctx, const struct wh_admission_request *req,
           const struct wh_admission_image *img, const char *dev, struct wh_image_result *results,
           size_t *n_results, size_t n_checked, bool *fresh)
{
    struct wh_image_result *r;

    for (size_t j = 0; j < *n_results; j++)
        if (strcmp(results[j].image, img->image) == 0)
            return &results[j];
    r = &results[(*n_results)++];
    *fresh = true;
    if (*n_results > n_checked)
        check_one(ctx, img->image, dev, &req->platforms, r);
    return r;
}

void
wh_pipeline_image_check_request(const struct wh_image_check_ctx *ctx,
                                const struct wh_admission_request *req, struct wh_decision *d)
{
    struct wh_image_result *results;
    size_t i, j, n_results = 0, n_checked;
    const char *dev = pod_dev_image(req);

    bool opened = budget_begin(ctx);

    results = wh_arena_calloc(ctx->arena, req->n_images == 0 ? 1 : req->n_images, sizeof(*results));
    n_checked = check_distinct_at_once(ctx, req, dev, results);
    for (i = 0; i < req->n_images && !cache_only_missed(ctx); i++) {
        const struct wh_admission_image *img = &req->images[i];
        struct wh_image_result *r;
        struct wh_image_eval ev;
        bool fresh = false;
        int64_t t0;

        r = result_for(ctx, req, img, dev, results, &n_results, n_checked, &fresh);
        /* Reports name the canonical reference the rules judged (and the spelling written). */
        if (r->canonical != NULL)
            wh_decision_annotate(d, wh_arena_sprintf(ctx->arena, "%zu-image", i), "%s",
                                 r->canonical);
        if (r->invalid != NULL) {
            wh_decision_deny(d, "%s %s: %s", img->path, r->shown != NULL ? r->shown : img->image,
                             r->invalid);
            wh_decision_annotate(d, wh_arena_sprintf(ctx->arena, "%zu-verdict", i), "deny");
            continue;
        }
        memset(&ev, 0, sizeof(ev));
        ev.path = img->path;
        ev.image = r->shown;
        ev.digest = r->digest;
        ev.platform = r->platform;
        ev.index_digest = r->index_digest;
        ev.name = r->name;
        ev.rule = r->rule;
        ev.facts = &r->facts;
        ev.diff = r->diff;
        ev.dev_image = r->dev_image;
        ev.dev_digest = r->dev_digest;
        ev.error = r->error;
        ev.error_code = r->error_code;
        ev.dev_error = r->dev_error;
        ev.dev_error_code = r->dev_error_code;
        ev.verify_detail = r->verify_detail;
        ev.signature_detail = r->signature_detail;
        ev.dev_predicates = r->dev_predicates;
        ev.index = (int)i;
        t0 = wh_pipeline_timing_now_us();
        wh_policy_evaluate_image(ctx->policy, &ev, ctx->now, d);
        wh_pipeline_timing_add(ctx, WH_PIPELINE_STEP_EVALUATE, t0);
        if (fresh && ctx->cache_only == NULL) /* the first container: its failures count once */
            count_failures(ctx, r);
    }
    /* A cache-only attempt counts only once it is the answer (a miss goes to a worker). */
    for (j = 0; ctx->cache_only != NULL && !cache_only_missed(ctx) && j < n_results; j++)
        count_failures(ctx, &results[j]);
    if (opened)
        wh_registry_client_review_end(ctx->registry);
}
