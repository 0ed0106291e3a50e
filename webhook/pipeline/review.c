/*
 * One AdmissionReview through the review's steps, in order (DESIGN.md §1): decode, take the
 * snapshots and the pod's pull secrets, check and evaluate every image (image_check.c holds the
 * per-image order), finish the decision, render, log and observe; POST /mutate on the same
 * engine. The process environment (snapshots, reload, readiness, metrics, workers) is env.c.
 */
#include "pipeline/review.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission/patch.h"
#include "admission/request.h"
#include "admission/response.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/version.h"
#include "cache/cache.h"
#include "decision/decision.h"
#include "kube/kube.h"
#include "metrics/metrics.h"
#include "pipeline/env.h"
#include "pipeline/image_check.h"
#include "pipeline/timing.h"
#include "pipeline/types.h"
#include "policy/model.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "trust/root.h"

/*
 * Reads the pod's imagePullSecrets and hands them to this worker's registry client for this
 * review only (they take precedence over the node-wide docker config). A secret that cannot be
 * read is logged (never its content) and skipped, as the kubelet skips it.
 */
static void
use_pull_secrets(struct wh_review_worker *w, const struct wh_admission_request *req,
                 int64_t deadline_ms, struct wh_arena *a)
{
    struct wh_bytes cfg[16];
    size_t n = 0;
    struct wh_error err;

    if (w->env->kube == NULL || w->registry == NULL || req->n_image_pull_secrets == 0)
        return;
    memset(cfg, 0, sizeof(cfg)); /* gcc 12 cannot see that only cfg[0..n) is read */
    for (size_t i = 0; i < req->n_image_pull_secrets && n < sizeof(cfg) / sizeof(cfg[0]); i++) {
        if (wh_kube_pull_secret_get(w->env->kube, req->namespace_, req->image_pull_secrets[i],
                                    deadline_ms, a, &cfg[n], &err) == WH_OK)
            n++;
        else
            wh_log(WH_LOG_WARN, "review %s: %s", req->uid, err.msg);
    }
    if (wh_registry_client_review_credentials_set(w->registry, cfg, n, &err) != WH_OK)
        wh_log(WH_LOG_WARN, "review %s: pull secrets of %s: %s", req->uid, req->namespace_,
               err.msg);
    for (size_t i = 0; i < n; i++) /* the client keeps its own copy */
        OPENSSL_cleanse((void *)(uintptr_t)cfg[i].ptr, cfg[i].len);
}

static void
reply_error(struct wh_review_reply *reply, const char *msg)
{
    reply->http_status = 400;
    reply->verdict = "error";
    wh_buf_reset(&reply->body);
    wh_admission_error_render(msg, &reply->body);
}

/* Log one JSON line per review: uid, verdict, images with digests and verdicts, timing. The
 * annotations are copied from the answer's auditAnnotations when it wrote them verbatim (`body`,
 * `span`: the same bytes the JSON writer would make), else written from `d`. */
static void
log_review(const struct wh_admission_request *req, const struct wh_decision *d, int64_t started_ms,
           unsigned long registry_requests, const struct wh_buf *body,
           const struct wh_admission_annotations_span *span)
{
    struct wh_buf b;
    size_t i;
    int64_t ms = wh_clock_mono_ms() - started_ms; /* monotonic: never negative */
    char num[24];

    wh_buf_init(&b, 64 * 1024);
    wh_buf_reserve(&b, 2048); /* a review line of a few images: one malloc */
    wh_buf_append_c(&b, "{\"review\":");
    wh_buf_append_json_string(&b, wh_str_c(req->uid));
    /* Every string from the request goes through the JSON writer (kind and operation too): a
     * kind of `Pod","allowed":true` must not forge a field of this line. */
    wh_buf_append_c(&b, ",\"kind\":");
    wh_buf_append_json_string(&b, wh_str_c(req->kind));
    wh_buf_append_c(&b, ",\"operation\":");
    wh_buf_append_json_string(&b, wh_str_c(req->operation));
    wh_buf_append_c(&b, d->allowed ? ",\"allowed\":true,\"ms\":" : ",\"allowed\":false,\"ms\":");
    wh_buf_append_c(&b, wh_str_decimal(num, (unsigned long long)(ms > 0 ? ms : 0)));
    wh_buf_append_c(&b, ",\"images\":");
    wh_buf_append_c(&b, wh_str_decimal(num, req->n_images));
    wh_buf_append_c(&b, ",\"registry_requests\":");
    wh_buf_append_c(&b, wh_str_decimal(num, registry_requests));
    wh_buf_append_c(&b, ",\"namespace\":");
    wh_buf_append_json_string(&b, wh_str_c(req->namespace_));
    wh_buf_append_c(&b, ",\"annotations\":{");
    i = 0;
    if (span->is_verbatim && span->len > 0) {
        wh_buf_append(&b, body->ptr + span->at, span->len);
        i = d->n_annotations;
    }
    for (; i < d->n_annotations; i++) {
        if (i > 0)
            wh_buf_append_c(&b, ",");
        wh_buf_append_json_string(&b, wh_str_c(d->annotations[i].key));
        wh_buf_append_c(&b, ":");
        wh_buf_append_json_string(&b, wh_str_c(d->annotations[i].value));
    }
    wh_buf_append_c(&b, "}}\n");
    if (!b.overflow)
        wh_log_json_line(b.ptr, b.len);
    wh_buf_fini(&b);
}

static void
observe_review(struct wh_review_metrics *m, const char *verdict, int64_t started_us,
               const struct wh_review_timing *t)
{
    const struct {
        const char *step;
        int64_t us;
    } steps[] = {{"resolve", t != NULL ? t->resolve_us : 0},
                 {"verify", t != NULL ? t->verify_us : 0},
                 {"sbom", t != NULL ? t->sbom_us : 0},
                 {"evaluate", t != NULL ? t->evaluate_us : 0}};
    size_t i;

    wh_metrics_counter_add(m->reviews, (const char *const[]){verdict}, 1);
    wh_metrics_histogram_observe(m->review_seconds, NULL,
                                 (double)(wh_pipeline_timing_now_us() - started_us) / 1e6);
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i].us > 0)
            wh_metrics_histogram_observe(m->step_seconds, (const char *const[]){steps[i].step},
                                         (double)steps[i].us / 1e6);
}

/* The image checks' context for one review of `w` on the snapshots it holds. */
static void
check_ctx_init(struct wh_review_worker *w, const struct wh_policy *policy,
               const struct wh_trust_root *trust, int64_t deadline_ms, struct wh_arena *a,
               struct wh_review_timing *timing, struct wh_image_check_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    memset(timing, 0, sizeof(*timing));
    ctx->policy = policy;
    ctx->registry = w->registry;
    ctx->fanout = w->fanout;
    ctx->registry_error = w->registry_error;
    ctx->limits = &w->env->settings.limits;
    ctx->deadline_ms = deadline_ms;
    ctx->now = wh_clock_wall();
    ctx->arena = a;
    ctx->cache = w->env->cache;
    ctx->sbom_cache = w->env->sbom_cache;
    ctx->generation = wh_policy_generation(policy);
    ctx->trust = trust;
    ctx->trust_generation = trust != NULL ? wh_trust_root_generation(trust) : 0;
    ctx->tag_ttl_ms = w->env->settings.tag_ttl_ms;
    ctx->facts_ttl_ms = w->env->settings.facts_ttl_ms;
    ctx->negative_ttl_ms = w->env->settings.negative_ttl_ms;
    ctx->timing = timing;
    ctx->verify_failures = w->env->m.verify_failures;
}

/* What the loop thread takes on (wh_pipeline_review_cached): bounded parse and evaluation work.
 * A larger review goes to a worker whatever the cache holds. */
#define LOOP_BODY_BYTES (64 * 1024)
#define LOOP_IMAGES 32

/* The first half of a cache-only attempt failed: drop everything, answer nothing. */
static bool
hand_off(struct wh_review_reply *reply, struct wh_arena *a)
{
    wh_buf_fini(&reply->body);
    wh_arena_fini(a);
    return false;
}

/*
 * One review on `w`. With `co` (the loop thread: `w` has no registry client), every lookup only
 * peeks at the cache (types.h); a review that reads pull secrets, has more than LOOP_IMAGES
 * images or meets a miss returns false before anything is answered, logged or counted.
 */
static bool
run_review(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
           struct wh_pipeline_cache_only *co, struct wh_review_reply *reply)
{
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_decision d;
    struct wh_error err;
    struct wh_policy *policy;
    struct wh_trust_root *trust;
    struct wh_image_check_ctx ctx;
    int64_t started = wh_clock_mono_ms();
    int64_t started_us = wh_pipeline_timing_now_us();
    struct wh_review_timing timing;
    struct wh_admission_annotations_span span;
    unsigned long requests = w->registry != NULL ? wh_registry_client_requests(w->registry) : 0;

    wh_arena_init(&a);
    wh_buf_init(&reply->body, w->env->settings.limits.response_bytes);
    wh_buf_reserve(&reply->body, 2048); /* an answer about a few images: one malloc */
    if (wh_admission_request_parse(body, &w->env->settings.limits, &a, &req, &err) != WH_OK) {
        reply_error(reply, err.msg);
        wh_log(WH_LOG_WARN, "rejected malformed AdmissionReview: %s", err.msg);
        observe_review(&w->env->m, reply->verdict, started_us, NULL);
        wh_arena_fini(&a);
        return true;
    }
    /* Pull secrets are read from the API server (and scope every cache key): a worker's job. */
    if (co != NULL &&
        (req.n_images > LOOP_IMAGES || (w->env->kube != NULL && req.n_image_pull_secrets > 0)))
        return hand_off(reply, &a);
    wh_decision_init(&d, &a);
    wh_decision_subject_set(&d, req.kind, req.namespace_, req.name);
    policy = wh_pipeline_env_snapshot(w->env, &trust);
    check_ctx_init(w, policy, trust, deadline_ms, &a, &timing, &ctx);
    ctx.cache_only = co;
    use_pull_secrets(w, &req, deadline_ms, &a);
    wh_pipeline_image_check_request(&ctx, &req, &d);
    if (w->registry != NULL)
        wh_registry_client_review_credentials_clear(w->registry);
    if (co != NULL && co->missed) {
        wh_policy_unref(policy);
        wh_trust_root_unref(trust);
        return hand_off(reply, &a);
    }
    if (co != NULL)
        wh_cache_count_hits(w->env->cache, co->hits);
    wh_policy_finish(&d);
    if (wh_admission_response_render_span(req.uid, &d, &reply->body, &span, &err) != WH_OK) {
        /* Not even a short denial fits (a uid near the cap): the apiserver treats a 400 as a
         * webhook failure (failurePolicy). */
        reply_error(reply, err.msg);
        span = (struct wh_admission_annotations_span){0, 0, false};
    } else {
        reply->http_status = 200;
        reply->verdict = d.allowed ? (d.n_warnings > 0 ? "warn" : "allow") : "deny";
    }
    if (w->registry != NULL)
        requests = wh_registry_client_requests(w->registry) - requests;
    log_review(&req, &d, started, requests, &reply->body, &span);
    observe_review(&w->env->m, reply->verdict, started_us, &timing);
    wh_policy_unref(policy);
    wh_trust_root_unref(trust);
    wh_arena_fini(&a);
    return true;
}

void
wh_pipeline_review_handle(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                          struct wh_review_reply *reply)
{
    (void)run_review(w, body, deadline_ms, NULL, reply);
}

/*
 * The loop thread's attempt (review.h). What keeps it from blocking: `loop` has no registry
 * client, so no step can reach the network; pull-secret reviews (a Kubernetes API read) are
 * handed off before any lookup; lookups only peek (memo.c: no flight is led or waited for, the
 * cache mutex is held by anyone only for a table operation, never across I/O); cached facts
 * were verified by the worker that fetched them, so no signature is checked here; the work is
 * bounded by LOOP_BODY_BYTES, LOOP_IMAGES and WH_PIPELINE_LOOP_SBOM_COMPONENTS; the policy
 * snapshot's mutex is held for a reference count; the review line goes to base/log.c's buffer,
 * never to a write(2).
 */
bool
wh_pipeline_review_cached(struct wh_review_env *env, struct wh_bytes body, int64_t deadline_ms,
                          struct wh_review_reply *reply)
{
    struct wh_review_worker loop = {.env = env, .registry = NULL};
    struct wh_pipeline_cache_only co = {.missed = false, .hits = 0, .now_ms = wh_clock_mono_ms()};

    if (env->cache == NULL || body.len > LOOP_BODY_BYTES)
        return false;
    return run_review(&loop, body, deadline_ms, &co, reply);
}

/* ---- POST /mutate ---- */

/* The pod's driftgate.dev/dev-image annotation, read as pipeline/image_check.c reads it, so a
 * mutate checks (and caches) exactly what the validate after it will. */
static const char *
dev_annotation(const struct wh_admission_request *req)
{
    size_t i;

    for (i = 0; i < req->n_annotations; i++)
        if (strcmp(req->annotations[i].key, "driftgate.dev/dev-image") == 0)
            return req->annotations[i].value;
    return NULL;
}

/*
 * Which images of `req` a patch may touch. A bare Pod's UPDATE touches none: the kubelet restarts
 * a container whose image string changes, and /validate still judges an image an update sets.
 * The pods/ephemeralcontainers subresource touches only ephemeral containers (the apiserver
 * keeps the rest of the pod as it was).
 */
static bool
may_pin(const struct wh_admission_request *req, const char *path)
{
    if (strcmp(req->operation, "CREATE") != 0 && strcmp(req->operation, "UPDATE") != 0)
        return false;
    if (strcmp(req->sub_resource, "ephemeralcontainers") == 0)
        return strstr(path, "ephemeralContainers[") != NULL;
    if (strcmp(req->kind, "Pod") == 0 && strcmp(req->group, "") == 0 &&
        strcmp(req->operation, "UPDATE") == 0)
        return false;
    return true;
}

/*
 * The digest to pin `img` to, or NULL. `checked` is the image checked as /validate checks it (same
 * cache, so the validate that follows costs no verification); it is pinned only when its digest
 * resolved without error and the policy, judging it in enforce mode whatever the rule's mode,
 * records no denial. The pinned digest is the one the reference resolved to: an index's for a
 * multi-arch image, so the kubelet still picks its node's platform and /validate judges the
 * platforms again from the cache.
 */
static const char *
pin_digest(const struct wh_image_check_ctx *ctx, const struct wh_admission_image *img,
           const struct wh_image_result *checked)
{
    struct wh_image_result r = *checked;
    struct wh_policy_image *strict;
    struct wh_image_eval ev;
    struct wh_decision d;

    if (r.rule == NULL || r.digest == NULL || r.error != NULL || r.invalid != NULL)
        return NULL;
    strict = wh_arena_memdup(ctx->arena, r.rule, sizeof(*r.rule));
    strict->mode = WH_POLICY_MODE_ENFORCE;
    memset(&ev, 0, sizeof(ev));
    ev.path = img->path;
    ev.image = img->image;
    ev.digest = r.digest;
    ev.platform = r.platform;
    ev.index_digest = r.index_digest;
    ev.name = r.name;
    ev.rule = strict;
    ev.facts = &r.facts;
    ev.diff = r.diff;
    ev.dev_image = r.dev_image;
    ev.verify_detail = r.verify_detail;
    ev.signature_detail = r.signature_detail;
    ev.dev_predicates = r.dev_predicates;
    wh_decision_init(&d, ctx->arena);
    wh_policy_evaluate_image(ctx->policy, &ev, ctx->now, &d);
    if (d.n_denials > 0)
        return NULL;
    return r.index_digest != NULL ? r.index_digest : r.digest;
}

static void
log_mutate(const struct wh_admission_request *req, size_t n_ops, int64_t started_ms,
           unsigned long registry_requests)
{
    struct wh_buf b;

    wh_buf_init(&b, 4096);
    wh_buf_append_c(&b, "{\"mutate\":");
    wh_buf_append_json_string(&b, wh_str_c(req->uid));
    wh_buf_append_c(&b, ",\"kind\":");
    wh_buf_append_json_string(&b, wh_str_c(req->kind));
    wh_buf_append_c(&b, ",\"operation\":");
    wh_buf_append_json_string(&b, wh_str_c(req->operation));
    wh_buf_printf(
        &b, ",\"images\":%zu,\"pinned\":%zu,\"ms\":%lld,\"registry_requests\":%lu,\"namespace\":",
        req->n_images, n_ops, (long long)(wh_clock_mono_ms() - started_ms), registry_requests);
    wh_buf_append_json_string(&b, wh_str_c(req->namespace_));
    wh_buf_append_c(&b, "}\n");
    if (!b.overflow)
        wh_log_json_line(b.ptr, b.len);
    wh_buf_fini(&b);
}

/* The distinct images of `req` a patch may pin, in order, into `out`; returns how many. */
static size_t
pinnable_images(const struct wh_admission_request *req, const char **out)
{
    size_t n = 0;

    for (size_t i = 0; i < req->n_images; i++) {
        const struct wh_admission_image *img = &req->images[i];
        size_t j = 0;

        if (!may_pin(req, img->path) || wh_admission_pin_is_pinned(img->image))
            continue;
        while (j < n && strcmp(out[j], img->image) != 0)
            j++;
        if (j == n)
            out[n++] = img->image;
    }
    return n;
}

/* The images of `req` to pin, into `pins` (n_pins): each distinct image checked once, all at
 * once on the worker's fetch helpers; with ctx->cache_only, stops at a miss. */
static size_t
collect_pins(const struct wh_image_check_ctx *ctx, const struct wh_admission_request *req,
             struct wh_admission_pin *pins)
{
    const char **images = wh_arena_calloc(ctx->arena, req->n_images + 1, sizeof(*images));
    size_t n = pinnable_images(req, images), n_pins = 0;
    struct wh_image_result *results = wh_arena_calloc(ctx->arena, n + 1, sizeof(*results));
    const char **digests = wh_arena_calloc(ctx->arena, n + 1, sizeof(*digests));

    wh_pipeline_image_check_each(ctx, images, n, dev_annotation(req), &req->platforms, results);
    for (size_t i = 0; i < req->n_images && !(ctx->cache_only != NULL && ctx->cache_only->missed);
         i++) {
        const struct wh_admission_image *img = &req->images[i];
        size_t k = 0;

        if (!may_pin(req, img->path) || wh_admission_pin_is_pinned(img->image))
            continue;
        while (strcmp(images[k], img->image) != 0)
            k++;
        if (digests[k] == NULL && results[k].image != NULL)
            digests[k] = pin_digest(ctx, img, &results[k]);
        if (digests[k] != NULL)
            pins[n_pins++] = (struct wh_admission_pin){img->path, img->image, digests[k]};
    }
    return n_pins;
}

/* One mutate on `w`; with `co` (the loop thread), as run_review: false, with nothing answered,
 * logged or counted, when any image needs more than the cache. */
static bool
run_mutate(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
           struct wh_pipeline_cache_only *co, struct wh_review_reply *reply)
{
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_admission_pin *pins;
    struct wh_error err;
    struct wh_policy *policy;
    struct wh_trust_root *trust;
    struct wh_image_check_ctx ctx;
    struct wh_review_timing timing;
    struct wh_buf patch;
    size_t n_pins, n_ops = 0;
    int64_t started = wh_clock_mono_ms();
    unsigned long requests = w->registry != NULL ? wh_registry_client_requests(w->registry) : 0;

    wh_arena_init(&a);
    wh_buf_init(&reply->body, w->env->settings.limits.response_bytes);
    if (wh_admission_request_parse(body, &w->env->settings.limits, &a, &req, &err) != WH_OK) {
        reply_error(reply, err.msg);
        wh_log(WH_LOG_WARN, "mutate: rejected malformed AdmissionReview: %s", err.msg);
        wh_arena_fini(&a);
        return true;
    }
    if (co != NULL &&
        (req.n_images > LOOP_IMAGES || (w->env->kube != NULL && req.n_image_pull_secrets > 0)))
        return hand_off(reply, &a);
    policy = wh_pipeline_env_snapshot(w->env, &trust);
    check_ctx_init(w, policy, trust, deadline_ms, &a, &timing, &ctx);
    ctx.cache_only = co;
    pins = wh_arena_calloc(&a, req.n_images == 0 ? 1 : req.n_images, sizeof(*pins));
    use_pull_secrets(w, &req, deadline_ms, &a);
    n_pins = collect_pins(&ctx, &req, pins);
    if (w->registry != NULL)
        wh_registry_client_review_credentials_clear(w->registry);
    if (co != NULL && co->missed) {
        wh_policy_unref(policy);
        wh_trust_root_unref(trust);
        return hand_off(reply, &a);
    }
    if (co != NULL)
        wh_cache_count_hits(w->env->cache, co->hits);
    wh_buf_init(&patch, w->env->settings.limits.response_bytes);
    if (wh_admission_patch_render(pins, n_pins, &patch, &n_ops, &err) != WH_OK) {
        /* Never a denial: unpinned, the object still meets /validate. */
        wh_log(WH_LOG_ERROR, "mutate %s: no patch: %s", req.uid, err.msg);
        wh_buf_reset(&patch);
        n_ops = 0;
    }
    if (wh_admission_mutate_response_render(req.uid, (struct wh_str){patch.ptr, patch.len},
                                            &reply->body, &err) != WH_OK) {
        reply_error(reply, err.msg); /* a webhook failure: failurePolicy decides */
    } else {
        reply->http_status = 200;
        reply->verdict = "allow";
    }
    if (w->registry != NULL)
        requests = wh_registry_client_requests(w->registry) - requests;
    log_mutate(&req, n_ops, started, requests);
    wh_buf_fini(&patch);
    wh_policy_unref(policy);
    wh_trust_root_unref(trust);
    wh_arena_fini(&a);
    return true;
}

void
wh_pipeline_review_mutate(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                          struct wh_review_reply *reply)
{
    (void)run_mutate(w, body, deadline_ms, NULL, reply);
}

/* The loop thread's mutate: what wh_pipeline_review_cached says, for run_mutate. */
bool
wh_pipeline_review_mutate_cached(struct wh_review_env *env, struct wh_bytes body,
                                 int64_t deadline_ms, struct wh_review_reply *reply)
{
    struct wh_review_worker loop = {.env = env, .registry = NULL};
    struct wh_pipeline_cache_only co = {.missed = false, .hits = 0, .now_ms = wh_clock_mono_ms()};

    if (env->cache == NULL || body.len > LOOP_BODY_BYTES)
        return false;
    return run_mutate(&loop, body, deadline_ms, &co, reply);
}
