/*
 * The pipeline's process environment: loads and reloads the policy and trust snapshots (a failed
 * reload keeps the last good one, and /readyz names it), registers the metrics, opens the cache
 * and the Kubernetes client for pull secrets, and gives each worker its registry client.
 */
#include "pipeline/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/version.h"
#include "cache/cache.h"
#include "kube/kube.h"
#include "metrics/metrics.h"
#include "pipeline/failure.h"
#include "pipeline/fanout.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "trust/root.h"

/* Latency buckets (seconds): a cached review takes well under a millisecond, a cold one with
 * registry round trips tens to hundreds, and the apiserver gives up at 10-30 s. */
static const double review_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    30};
#define N_BUCKETS (sizeof(review_buckets) / sizeof(review_buckets[0]))

/* Label values known in advance: their series render 0 from the start (wh_metrics_declare). The
 * failure reasons are pipeline/failure.h's table. */
static const char *const verdicts[] = {"allow", "warn", "deny", "error"};
static const char *const step_names[] = {"resolve", "verify", "sbom", "evaluate"};

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
    for (int i = WH_PIPELINE_REASON_NONE + 1; i < WH_PIPELINE_REASON_COUNT; i++)
        wh_metrics_declare(m->verify_failures, (const char *const[]){wh_pipeline_reason_label(i)});
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
wh_pipeline_env_new(const struct wh_review_settings *s, struct wh_review_env **out,
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
    /* cache.bytes bounds both: three quarters for the per-image entries (verdict facts, tags,
     * manifests, drift summaries: a few hundred bytes each), a quarter for parsed SBOMs. */
    if (s->cache_entries > 0) {
        env->cache = wh_cache_new(s->cache_entries, s->cache_bytes - s->cache_bytes / 4);
        env->sbom_cache = wh_cache_new(s->cache_entries, s->cache_bytes / 4);
    }
    kube_open(env);
    register_metrics(&env->m);
    wh_pipeline_env_note_reload(env, "policy", NULL);
    if (env->trust != NULL)
        wh_pipeline_env_note_reload(env, "trust", NULL);
    *out = env;
    return WH_OK;
}

void
wh_pipeline_env_free(struct wh_review_env *env)
{
    if (env == NULL)
        return;
    wh_policy_unref(env->policy);
    wh_trust_root_unref(env->trust);
    wh_cache_free(env->cache);
    wh_cache_free(env->sbom_cache);
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
        wh_pipeline_env_note_reload(env, "trust", err->msg);
        return rc;
    }
    pthread_mutex_lock(&env->lock);
    old = env->trust;
    env->trust = fresh;
    pthread_mutex_unlock(&env->lock);
    wh_pipeline_env_note_reload(env, "trust", NULL);
    wh_log(WH_LOG_INFO, "trust roots reloaded: generation %llu",
           (unsigned long long)wh_trust_root_generation(fresh));
    wh_trust_root_unref(old);
    return WH_OK;
}

enum wh_err
wh_pipeline_env_reload(struct wh_review_env *env, struct wh_error *err)
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
        wh_pipeline_env_note_reload(env, "policy", err->msg);
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
    wh_pipeline_env_note_reload(env, "policy", NULL);
    wh_log(WH_LOG_INFO, "policy reloaded: generation %llu",
           (unsigned long long)wh_policy_generation(fresh));
    /* Reviews in flight hold their own reference and finish on the old snapshot. */
    wh_policy_unref(old);
    return WH_OK;
}

void
wh_pipeline_env_note_reload(struct wh_review_env *env, const char *what, const char *error)
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
wh_pipeline_env_ready(struct wh_review_env *env, char *detail, size_t cap)
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
wh_pipeline_env_metrics(struct wh_review_env *env)
{
    return &env->m;
}

void
wh_pipeline_env_metrics_collect(struct wh_review_env *env)
{
    struct wh_cache_stats st;

    if (env->cache == NULL)
        return;
    wh_cache_stats(env->cache, &st);
    wh_metrics_counter_set(env->m.cache_hits, NULL, st.hits);
    wh_metrics_counter_set(env->m.cache_misses, NULL, st.misses);
    wh_metrics_gauge_set(env->m.cache_entries, NULL, (double)st.entries);
}

struct wh_policy *
wh_pipeline_env_snapshot(struct wh_review_env *env, struct wh_trust_root **trust)
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
wh_pipeline_worker_new(struct wh_review_env *env)
{
    struct wh_review_worker *w = calloc(1, sizeof(*w));
    struct wh_registry_options o = env->settings.registry;
    struct wh_error err;

    if (w == NULL)
        wh_oom();
    w->env = env;
    o.limits = env->settings.limits;
    /* A worker without a registry client still answers: every image then fails by onError. */
    if (wh_registry_client_new(&o, &w->registry, &err) != WH_OK) {
        w->registry = NULL;
        snprintf(w->registry_error, sizeof(w->registry_error), "%s", err.msg);
        wh_log(WH_LOG_ERROR, "registry client: %s", err.msg);
    }
    if (w->registry != NULL)
        wh_registry_client_set_observer(w->registry, observe_registry, &env->m);
    w->fanout = wh_pipeline_fanout_new(
        w->registry, o.parallel_fetches != 0 ? o.parallel_fetches : WH_REGISTRY_PARALLEL_FETCHES);
    return w;
}

void
wh_pipeline_worker_free(struct wh_review_worker *w)
{
    if (w == NULL)
        return;
    wh_pipeline_fanout_free(w->fanout); /* its clients share w->registry */
    wh_registry_client_free(w->registry);
    free(w);
}
