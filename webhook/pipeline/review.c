/*
 * One AdmissionReview through every step, in order: decode, match the rule, resolve the digest,
 * verify signatures and attestations, diff the SBOM against the dev image's, evaluate, render.
 * The only file that knows the step order (DESIGN.md §1).
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
#include "pipeline/image_check.h"
#include "policy/model.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "trust/root.h"

/* The last reload outcome of one `what` (policy, trust, tls), for /readyz. */
struct reload_state {
    char what[16];
    char error[sizeof(((struct wh_error *)0)->msg)]; /* "" after a success */
};

#define MAX_RELOAD_STATES 8

struct wh_review_env {
    struct wh_review_settings settings;
    pthread_mutex_t lock; /* guards `policy` (the pointer, not the snapshot) and `reloads` */
    struct wh_policy *policy;
    struct wh_trust_root *trust; /* NULL without settings.trust_roots; guarded like `policy` */
    struct wh_cache *cache;      /* NULL when settings.cache_entries == 0 */
    struct wh_kube_client *kube; /* NULL outside a cluster: pull secrets are not read */
    struct reload_state reloads[MAX_RELOAD_STATES];
    size_t n_reloads;
    struct wh_review_metrics m;
};

/* Latency buckets (seconds): a cached review takes well under a millisecond, a cold one with
 * registry round trips tens to hundreds, and the apiserver gives up at 10-30 s. */
static const double review_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    30};
#define N_BUCKETS (sizeof(review_buckets) / sizeof(review_buckets[0]))

struct wh_review_worker {
    struct wh_review_env *env;
    struct wh_registry_client *registry;
    char registry_error[sizeof(((struct wh_error *)0)->msg)];
};

/* Label values known in advance: their series render 0 from the start (wh_metrics_declare). The
 * failure reasons are those of count_failures() in pipeline/image_check.c. */
static const char *const verdicts[] = {"allow", "warn", "deny", "error"};
static const char *const step_names[] = {"resolve", "verify", "sbom", "evaluate"};
static const char *const failure_reasons[] = {"invalid_reference",   "registry",
                                              "signature_missing",   "signature_invalid",
                                              "attestation_missing", "attestation_invalid"};

static void
declare_each(struct wh_metrics_family *f, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wh_metrics_declare(f, &values[i]);
}

static void
register_metrics(struct wh_review_metrics *m)
{
    struct wh_metrics *r = m->metrics = wh_metrics_new();
    struct wh_metrics_family *build;

    m->reviews = wh_metrics_counter_new(r, "driftgate_admission_reviews_total",
                                        "AdmissionReviews answered, by verdict "
                                        "(allow, warn, deny; error: malformed, HTTP 400).",
                                        "verdict");
    m->review_seconds =
        wh_metrics_histogram_new(r, "driftgate_review_duration_seconds",
                                 "Time from dequeue to rendered response of one AdmissionReview.",
                                 NULL, review_buckets, N_BUCKETS);
    m->step_seconds = wh_metrics_histogram_new(
        r, "driftgate_review_step_duration_seconds",
        "Time per pipeline step of one review (resolve, verify, sbom, evaluate).", "step",
        review_buckets, N_BUCKETS);
    m->registry_requests = wh_metrics_counter_new(
        r, "driftgate_registry_requests_total",
        "HTTP requests to OCI registries by registry host and status (error: no HTTP answer).",
        "registry,status");
    m->cache_hits = wh_metrics_counter_new(r, "driftgate_cache_hits_total",
                                           "Verified-facts and tag cache hits.", NULL);
    m->cache_misses = wh_metrics_counter_new(r, "driftgate_cache_misses_total",
                                             "Verified-facts and tag cache misses.", NULL);
    m->cache_entries =
        wh_metrics_gauge_new(r, "driftgate_cache_entries", "Entries in the cache.", NULL);
    m->verify_failures = wh_metrics_counter_new(
        r, "driftgate_verification_failures_total",
        "Images whose signature or attestation checks failed, by reason.", "reason");
    m->reload_success = wh_metrics_gauge_new(
        r, "driftgate_reload_success",
        "1 if the last load of the file set succeeded, 0 if it failed (last good one serves).",
        "what");
    m->reload_time = wh_metrics_gauge_new(r, "driftgate_reload_timestamp_seconds",
                                          "Unix time of the last successful load.", "what");
    m->reload_failures = wh_metrics_counter_new(r, "driftgate_reload_failures_total",
                                                "Failed reloads (the last good one kept).", "what");
    m->cert_expiry =
        wh_metrics_gauge_new(r, "driftgate_certificate_expiry_seconds",
                             "Unix time at which the serving certificate expires.", NULL);
    m->queue_depth = wh_metrics_gauge_new(r, "driftgate_queue_depth",
                                          "Reviews queued and not yet started by a worker.", NULL);
    m->queue_rejected =
        wh_metrics_counter_new(r, "driftgate_queue_rejected_total",
                               "Reviews answered 503 at once because the queue was full.", NULL);
    m->in_flight = wh_metrics_gauge_new(r, "driftgate_reviews_in_flight",
                                        "Reviews accepted and not yet answered.", NULL);
    build = wh_metrics_gauge_new(r, "driftgate_build_info",
                                 "Always 1: the version and git commit of this binary.",
                                 "version,commit");
    wh_metrics_gauge_set(build, (const char *const[]){wh_version(), wh_version_commit()}, 1);
    declare_each(m->reviews, verdicts, sizeof(verdicts) / sizeof(verdicts[0]));
    declare_each(m->step_seconds, step_names, sizeof(step_names) / sizeof(step_names[0]));
    declare_each(m->verify_failures, failure_reasons,
                 sizeof(failure_reasons) / sizeof(failure_reasons[0]));
}

/* The Kubernetes API client for pull secrets; absent (NULL) outside a cluster. */
static void
kube_open(struct wh_review_env *env)
{
    struct wh_kube_options ko = {.api_server = env->settings.kube_api_server,
                                 .token_file = env->settings.kube_token_file,
                                 .ca_file = env->settings.kube_ca_file,
                                 .secret_ttl_ms = env->settings.kube_secret_ttl_ms};
    struct wh_error err;
    enum wh_err rc = wh_kube_client_new(&ko, &env->kube, &err);

    if (rc == WH_E_NOT_FOUND)
        wh_log(WH_LOG_DEBUG, "imagePullSecrets are not read: %s", err.msg);
    else if (rc != WH_OK)
        wh_log(WH_LOG_ERROR, "imagePullSecrets are not read: %s", err.msg);
    if (rc != WH_OK)
        env->kube = NULL;
}

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

/* The policy as the settings allow it: key files from its key directories, exemption lifetimes
 * counted from now. */
static enum wh_err
load_policy(const struct wh_review_settings *s, struct wh_policy **out, struct wh_error *err)
{
    struct wh_policy_load_options o = {.limits = &s->limits,
                                       .now = wh_clock_wall(),
                                       .key_dirs = s->policy_key_dirs,
                                       .n_key_dirs = s->n_policy_key_dirs};

    return wh_policy_load_with(s->policy_path, &o, out, err);
}

enum wh_err
wh_review_env_new(const struct wh_review_settings *s, struct wh_review_env **out,
                  struct wh_error *err)
{
    struct wh_review_env *env = calloc(1, sizeof(*env));
    enum wh_err rc;

    if (env == NULL)
        wh_oom();
    env->settings = *s;
    pthread_mutex_init(&env->lock, NULL);
    rc = load_policy(s, &env->policy, err);
    if (rc == WH_OK && s->n_trust_roots > 0) {
        rc = wh_trust_root_load(s->trust_roots, s->n_trust_roots, &s->limits, &env->trust, err);
        if (rc != WH_OK) {
            wh_error_wrap(err, "trust roots");
            wh_policy_unref(env->policy);
        }
    }
    if (rc != WH_OK) {
        pthread_mutex_destroy(&env->lock);
        free(env);
        return rc;
    }
    if (s->cache_entries > 0)
        env->cache = wh_cache_new(s->cache_entries, s->cache_bytes);
    kube_open(env);
    register_metrics(&env->m);
    wh_review_env_note_reload(env, "policy", NULL);
    if (env->trust != NULL)
        wh_review_env_note_reload(env, "trust", NULL);
    *out = env;
    return WH_OK;
}

void
wh_review_env_free(struct wh_review_env *env)
{
    if (env == NULL)
        return;
    wh_policy_unref(env->policy);
    wh_trust_root_unref(env->trust);
    wh_cache_free(env->cache);
    wh_kube_client_free(env->kube);
    wh_metrics_free(env->m.metrics);
    pthread_mutex_destroy(&env->lock);
    free(env);
}

static enum wh_err reload_policy(struct wh_review_env *env, struct wh_error *err);

/* Reloads the trust roots (a no-op without any); on error keeps the last good snapshot. */
static enum wh_err
reload_trust(struct wh_review_env *env, struct wh_error *err)
{
    struct wh_trust_root *fresh, *old;
    enum wh_err rc;

    if (env->settings.n_trust_roots == 0)
        return WH_OK;
    rc = wh_trust_root_load(env->settings.trust_roots, env->settings.n_trust_roots,
                            &env->settings.limits, &fresh, err);
    if (rc != WH_OK) {
        /* The watcher (pipeline/reload.c) logs the failure: one line, with this message. */
        wh_error_wrap(err, "trust roots reload");
        wh_review_env_note_reload(env, "trust", err->msg);
        return rc;
    }
    pthread_mutex_lock(&env->lock);
    old = env->trust;
    env->trust = fresh;
    pthread_mutex_unlock(&env->lock);
    wh_review_env_note_reload(env, "trust", NULL);
    wh_log(WH_LOG_INFO, "trust roots reloaded: generation %llu",
           (unsigned long long)wh_trust_root_generation(fresh));
    wh_trust_root_unref(old);
    return WH_OK;
}

enum wh_err
wh_review_env_reload(struct wh_review_env *env, struct wh_error *err)
{
    if (reload_trust(env, err) != WH_OK)
        return err->code;
    return reload_policy(env, err);
}

static enum wh_err
reload_policy(struct wh_review_env *env, struct wh_error *err)
{
    struct wh_policy *fresh, *old;
    char why[sizeof(err->msg)];
    enum wh_err rc = load_policy(&env->settings, &fresh, err);

    if (rc != WH_OK) {
        /* The watcher (pipeline/reload.c) logs the failure: one line, with this message. */
        wh_error_wrap(err, "policy reload");
        wh_review_env_note_reload(env, "policy", err->msg);
        snprintf(why, sizeof(why), "%s", err->msg);
        pthread_mutex_lock(&env->lock);
        wh_error_set(err, rc, "%s; keeping generation %llu", why,
                     (unsigned long long)wh_policy_generation(env->policy));
        pthread_mutex_unlock(&env->lock);
        return rc;
    }
    pthread_mutex_lock(&env->lock);
    old = env->policy;
    env->policy = fresh;
    pthread_mutex_unlock(&env->lock);
    wh_review_env_note_reload(env, "policy", NULL);
    wh_log(WH_LOG_INFO, "policy reloaded: generation %llu",
           (unsigned long long)wh_policy_generation(fresh));
    /* Reviews in flight hold their own reference and finish on the old snapshot. */
    wh_policy_unref(old);
    return WH_OK;
}

void
wh_review_env_note_reload(struct wh_review_env *env, const char *what, const char *error)
{
    struct reload_state *st = NULL;
    const char *const labels[] = {what};
    size_t i;

    pthread_mutex_lock(&env->lock);
    for (i = 0; i < env->n_reloads && st == NULL; i++)
        if (strcmp(env->reloads[i].what, what) == 0)
            st = &env->reloads[i];
    if (st == NULL && env->n_reloads < MAX_RELOAD_STATES) {
        st = &env->reloads[env->n_reloads++];
        snprintf(st->what, sizeof(st->what), "%s", what);
    }
    if (st != NULL)
        snprintf(st->error, sizeof(st->error), "%s", error != NULL ? error : "");
    pthread_mutex_unlock(&env->lock);
    wh_metrics_declare(env->m.reload_failures, labels); /* 0 until the first failure */
    wh_metrics_gauge_set(env->m.reload_success, labels, error == NULL ? 1 : 0);
    if (error == NULL)
        wh_metrics_gauge_set(env->m.reload_time, labels, (double)wh_clock_wall());
    else
        wh_metrics_counter_add(env->m.reload_failures, labels, 1);
}

bool
wh_review_env_ready(struct wh_review_env *env, char *detail, size_t cap)
{
    size_t i, len = 0;
    int n;

    /* The env never exists without a loaded policy; a failed reload keeps the last good one,
     * so this is always ready and the detail says what is stale. */
    WH_ASSERT(cap > 0);
    detail[0] = '\0';
    pthread_mutex_lock(&env->lock);
    for (i = 0; i < env->n_reloads && len < cap; i++) {
        if (env->reloads[i].error[0] == '\0')
            continue;
        n = snprintf(detail + len, cap - len, "%s%s reload failed, serving the last good one: %s",
                     len > 0 ? "; " : "", env->reloads[i].what, env->reloads[i].error);
        len = n < 0 ? cap : len + (size_t)n;
    }
    pthread_mutex_unlock(&env->lock);
    if (detail[0] == '\0')
        snprintf(detail, cap, "ok");
    return true;
}

struct wh_review_metrics *
wh_review_env_metrics(struct wh_review_env *env)
{
    return &env->m;
}

void
wh_review_env_metrics_collect(struct wh_review_env *env)
{
    struct wh_cache_stats st;

    if (env->cache == NULL)
        return;
    wh_cache_stats(env->cache, &st);
    wh_metrics_counter_set(env->m.cache_hits, NULL, st.hits);
    wh_metrics_counter_set(env->m.cache_misses, NULL, st.misses);
    wh_metrics_gauge_set(env->m.cache_entries, NULL, (double)st.entries);
}

static struct wh_policy *
current_policy(struct wh_review_env *env, struct wh_trust_root **trust)
{
    struct wh_policy *p;

    pthread_mutex_lock(&env->lock);
    p = wh_policy_ref(env->policy);
    *trust = env->trust != NULL ? wh_trust_root_ref(env->trust) : NULL;
    pthread_mutex_unlock(&env->lock);
    return p;
}

/* driftgate_registry_requests_total{registry,status}: "200", "404", ... or "error". */
static void
observe_registry(void *arg, const char *host, long status)
{
    struct wh_review_metrics *m = arg;
    char code[24];

    if (status > 0)
        snprintf(code, sizeof(code), "%ld", status);
    else
        snprintf(code, sizeof(code), "error");
    wh_metrics_counter_add(m->registry_requests, (const char *const[]){host, code}, 1);
}

struct wh_review_worker *
wh_review_worker_new(struct wh_review_env *env)
{
    struct wh_review_worker *w = calloc(1, sizeof(*w));
    struct wh_registry_options o;
    struct wh_error err;

    if (w == NULL)
        wh_oom();
    w->env = env;
    memset(&o, 0, sizeof(o));
    o.docker_config = env->settings.docker_config;
    o.ca_file = env->settings.ca_file;
    o.registry_ca_hosts = env->settings.registry_ca_hosts;
    o.registry_ca_files = env->settings.registry_ca_files;
    o.n_registry_ca_files = env->settings.n_registry_ca_files;
    o.plain_http_hosts = env->settings.plain_http_hosts;
    o.n_plain_http_hosts = env->settings.n_plain_http_hosts;
    o.limits = env->settings.limits;
    o.max_concurrent_per_registry = env->settings.registry_max_concurrent;
    o.retry.max_attempts = env->settings.registry_retry_attempts;
    o.retry.base_ms = env->settings.registry_retry_base_ms;
    o.retry.max_wait_ms = env->settings.registry_retry_max_wait_ms;
    /* A worker without a registry client still answers: every image then fails by onError. */
    if (wh_registry_client_new(&o, &w->registry, &err) != WH_OK) {
        w->registry = NULL;
        snprintf(w->registry_error, sizeof(w->registry_error), "%s", err.msg);
        wh_log(WH_LOG_ERROR, "registry client: %s", err.msg);
    }
    if (w->registry != NULL)
        wh_registry_client_set_observer(w->registry, observe_registry, &env->m);
    return w;
}

void
wh_review_worker_free(struct wh_review_worker *w)
{
    if (w == NULL)
        return;
    wh_registry_client_free(w->registry);
    free(w);
}

static void
reply_error(struct wh_review_reply *reply, const char *msg)
{
    reply->http_status = 400;
    reply->verdict = "error";
    wh_buf_reset(&reply->body);
    wh_admission_error_render(msg, &reply->body);
}

/* Log one JSON line per review: uid, verdict, images with digests and verdicts, timing. */
static void
log_review(const struct wh_admission_request *req, const struct wh_decision *d, int64_t started_ms,
           unsigned long registry_requests)
{
    struct wh_buf b;
    size_t i;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_append_c(&b, "{\"review\":");
    wh_buf_append_json_string(&b, wh_str_c(req->uid));
    /* Every string from the request goes through the JSON writer (kind and operation too): a
     * kind of `Pod","allowed":true` must not forge a field of this line. */
    wh_buf_append_c(&b, ",\"kind\":");
    wh_buf_append_json_string(&b, wh_str_c(req->kind));
    wh_buf_append_c(&b, ",\"operation\":");
    wh_buf_append_json_string(&b, wh_str_c(req->operation));
    wh_buf_printf(&b, ",\"allowed\":%s,\"ms\":%lld,\"images\":%zu,\"registry_requests\":%lu",
                  d->allowed ? "true" : "false", (long long)(wh_clock_mono_ms() - started_ms),
                  req->n_images, registry_requests);
    wh_buf_append_c(&b, ",\"namespace\":");
    wh_buf_append_json_string(&b, wh_str_c(req->namespace_));
    wh_buf_append_c(&b, ",\"annotations\":{");
    for (i = 0; i < d->n_annotations; i++) {
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

static int64_t
mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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
    wh_metrics_histogram_observe(m->review_seconds, NULL, (double)(mono_us() - started_us) / 1e6);
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
    ctx->registry_error = w->registry_error;
    ctx->limits = &w->env->settings.limits;
    ctx->deadline_ms = deadline_ms;
    ctx->now = wh_clock_wall();
    ctx->arena = a;
    ctx->cache = w->env->cache;
    ctx->generation = wh_policy_generation(policy);
    ctx->trust = trust;
    ctx->trust_generation = trust != NULL ? wh_trust_root_generation(trust) : 0;
    ctx->tag_ttl_ms = w->env->settings.tag_ttl_ms;
    ctx->facts_ttl_ms = w->env->settings.facts_ttl_ms;
    ctx->negative_ttl_ms = w->env->settings.negative_ttl_ms;
    ctx->timing = timing;
    ctx->verify_failures = w->env->m.verify_failures;
}

void
wh_review_handle(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                 struct wh_review_reply *reply)
{
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_decision d;
    struct wh_error err;
    struct wh_policy *policy;
    struct wh_trust_root *trust;
    struct wh_image_check_ctx ctx;
    int64_t started = wh_clock_mono_ms();
    int64_t started_us = mono_us();
    struct wh_review_timing timing;
    unsigned long requests = w->registry != NULL ? wh_registry_client_requests(w->registry) : 0;

    wh_arena_init(&a);
    wh_buf_init(&reply->body, w->env->settings.limits.response_bytes);
    if (wh_admission_request_parse(body, &w->env->settings.limits, &a, &req, &err) != WH_OK) {
        reply_error(reply, err.msg);
        wh_log(WH_LOG_WARN, "rejected malformed AdmissionReview: %s", err.msg);
        observe_review(&w->env->m, reply->verdict, started_us, NULL);
        wh_arena_fini(&a);
        return;
    }
    wh_decision_init(&d, &a);
    wh_decision_subject_set(&d, req.kind, req.namespace_, req.name);
    policy = current_policy(w->env, &trust);
    check_ctx_init(w, policy, trust, deadline_ms, &a, &timing, &ctx);
    use_pull_secrets(w, &req, deadline_ms, &a);
    wh_image_check_request(&ctx, &req, &d);
    if (w->registry != NULL)
        wh_registry_client_review_credentials_clear(w->registry);
    wh_policy_finish(&d);
    if (wh_admission_response_render(req.uid, &d, &reply->body, &err) != WH_OK) {
        /* Not even a short denial fits (a uid near the cap): the apiserver treats a 400 as a
         * webhook failure (failurePolicy). */
        reply_error(reply, err.msg);
    } else {
        reply->http_status = 200;
        reply->verdict = d.allowed ? (d.n_warnings > 0 ? "warn" : "allow") : "deny";
    }
    if (w->registry != NULL)
        requests = wh_registry_client_requests(w->registry) - requests;
    log_review(&req, &d, started, requests);
    observe_review(&w->env->m, reply->verdict, started_us, &timing);
    wh_policy_unref(policy);
    wh_trust_root_unref(trust);
    wh_arena_fini(&a);
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
 * The digest to pin `image` to, or NULL. The image is checked as /validate checks it (same
 * cache, so the validate that follows costs no verification); it is pinned only when its digest
 * resolved without error and the policy, judging it in enforce mode whatever the rule's mode,
 * records no denial. The pinned digest is the one the reference resolved to: an index's for a
 * multi-arch image, so the kubelet still picks its node's platform and /validate judges the
 * platforms again from the cache.
 */
static const char *
pin_digest(const struct wh_image_check_ctx *ctx, const struct wh_admission_request *req,
           const struct wh_admission_image *img, const char *dev)
{
    struct wh_image_result r;
    struct wh_policy_image *strict;
    struct wh_image_eval ev;
    struct wh_decision d;

    wh_image_check_one(ctx, img->image, dev, &req->platforms, &r);
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

void
wh_review_mutate(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                 struct wh_review_reply *reply)
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
    const char *dev;
    size_t i, j, n_pins = 0, n_ops = 0;
    int64_t started = wh_clock_mono_ms();
    unsigned long requests = w->registry != NULL ? wh_registry_client_requests(w->registry) : 0;

    wh_arena_init(&a);
    wh_buf_init(&reply->body, w->env->settings.limits.response_bytes);
    if (wh_admission_request_parse(body, &w->env->settings.limits, &a, &req, &err) != WH_OK) {
        reply_error(reply, err.msg);
        wh_log(WH_LOG_WARN, "mutate: rejected malformed AdmissionReview: %s", err.msg);
        wh_arena_fini(&a);
        return;
    }
    policy = current_policy(w->env, &trust);
    check_ctx_init(w, policy, trust, deadline_ms, &a, &timing, &ctx);
    dev = dev_annotation(&req);
    pins = wh_arena_calloc(&a, req.n_images == 0 ? 1 : req.n_images, sizeof(*pins));
    use_pull_secrets(w, &req, deadline_ms, &a);
    for (i = 0; i < req.n_images; i++) {
        const struct wh_admission_image *img = &req.images[i];
        const char *digest = NULL;
        bool seen = false;

        if (!may_pin(&req, img->path) || wh_admission_pin_is_pinned(img->image))
            continue;
        /* One image used by many containers is checked once per review. */
        for (j = 0; j < n_pins && !seen; j++)
            if (strcmp(pins[j].image, img->image) == 0) {
                seen = true;
                digest = pins[j].digest;
            }
        if (!seen)
            digest = pin_digest(&ctx, &req, img, dev);
        if (digest != NULL)
            pins[n_pins++] = (struct wh_admission_pin){img->path, img->image, digest};
    }
    if (w->registry != NULL)
        wh_registry_client_review_credentials_clear(w->registry);
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
}
