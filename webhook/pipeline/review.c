/*
 * One AdmissionReview through every step, in order: decode, match the rule, resolve the digest,
 * verify signatures and attestations, diff the SBOM against the dev image's, evaluate, render.
 * The only file that knows the step order (DESIGN.md §1).
 */
#include "pipeline/review.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/request.h"
#include "admission/response.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "cache/cache.h"
#include "decision/decision.h"
#include "pipeline/image_check.h"
#include "policy/policy.h"
#include "registry/client.h"

struct wh_review_env {
    struct wh_review_settings settings;
    pthread_mutex_t lock; /* guards `policy` (the pointer, not the immutable snapshot) */
    struct wh_policy *policy;
    struct wh_cache *cache; /* NULL when settings.cache_entries == 0 */
    char *last_error;
    atomic_bool reload_failed; /* read by /readyz without the lock */
};

struct wh_review_worker {
    struct wh_review_env *env;
    struct wh_registry_client *registry;
    char registry_error[sizeof(((struct wh_error *)0)->msg)];
};

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
    rc = wh_policy_load(s->policy_path, &s->limits, &env->policy, err);
    if (rc != WH_OK) {
        pthread_mutex_destroy(&env->lock);
        free(env);
        return rc;
    }
    if (s->cache_entries > 0)
        env->cache = wh_cache_new(s->cache_entries, s->cache_bytes);
    *out = env;
    return WH_OK;
}

void
wh_review_env_free(struct wh_review_env *env)
{
    if (env == NULL)
        return;
    wh_policy_unref(env->policy);
    wh_cache_free(env->cache);
    free(env->last_error);
    pthread_mutex_destroy(&env->lock);
    free(env);
}

enum wh_err
wh_review_env_reload(struct wh_review_env *env, struct wh_error *err)
{
    struct wh_policy *fresh, *old;
    enum wh_err rc = wh_policy_load(env->settings.policy_path, &env->settings.limits, &fresh, err);

    pthread_mutex_lock(&env->lock);
    free(env->last_error);
    env->last_error = NULL;
    atomic_store(&env->reload_failed, rc != WH_OK);
    if (rc != WH_OK) {
        env->last_error = strdup(err->msg);
        pthread_mutex_unlock(&env->lock);
        wh_log(WH_LOG_ERROR, "policy reload failed, keeping generation %llu: %s",
               (unsigned long long)wh_policy_generation(env->policy), err->msg);
        return rc;
    }
    old = env->policy;
    env->policy = fresh;
    pthread_mutex_unlock(&env->lock);
    wh_log(WH_LOG_INFO, "policy reloaded: generation %llu",
           (unsigned long long)wh_policy_generation(fresh));
    wh_policy_unref(old);
    return WH_OK;
}

bool
wh_review_env_ready(const struct wh_review_env *env, const char **detail)
{
    /* The env never exists without a loaded policy; a failed reload keeps the last good one. */
    *detail = atomic_load(&env->reload_failed)
                  ? "policy reload failed; serving the last good policy (see the log)"
                  : "ok";
    return true;
}

static struct wh_policy *
current_policy(struct wh_review_env *env)
{
    struct wh_policy *p;

    pthread_mutex_lock(&env->lock);
    p = wh_policy_ref(env->policy);
    pthread_mutex_unlock(&env->lock);
    return p;
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
    o.plain_http_hosts = env->settings.plain_http_hosts;
    o.n_plain_http_hosts = env->settings.n_plain_http_hosts;
    o.limits = env->settings.limits;
    /* A worker without a registry client still answers: every image then fails by onError. */
    if (wh_registry_client_new(&o, &w->registry, &err) != WH_OK) {
        w->registry = NULL;
        snprintf(w->registry_error, sizeof(w->registry_error), "%s", err.msg);
        wh_log(WH_LOG_ERROR, "registry client: %s", err.msg);
    }
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
log_review(const struct wh_admission_request *req, const struct wh_decision *d,
           int64_t started_ms, unsigned long registry_requests)
{
    struct wh_buf b;
    size_t i;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_append_c(&b, "{\"review\":");
    wh_buf_append_json_string(&b, wh_str_c(req->uid));
    wh_buf_printf(&b,
                  ",\"kind\":\"%s\",\"operation\":\"%s\",\"allowed\":%s,\"ms\":%lld,"
                  "\"images\":%zu,\"registry_requests\":%lu",
                  req->kind, req->operation, d->allowed ? "true" : "false",
                  (long long)(wh_clock_mono_ms() - started_ms), req->n_images, registry_requests);
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

void
wh_review_handle(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                 struct wh_review_reply *reply)
{
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_decision d;
    struct wh_error err;
    struct wh_policy *policy;
    struct wh_image_check_ctx ctx;
    int64_t started = wh_clock_mono_ms();
    unsigned long requests = w->registry != NULL ? wh_registry_client_requests(w->registry) : 0;

    wh_arena_init(&a);
    wh_buf_init(&reply->body, w->env->settings.limits.response_bytes);
    if (wh_admission_request_parse(body, &w->env->settings.limits, &a, &req, &err) != WH_OK) {
        reply_error(reply, err.msg);
        wh_log(WH_LOG_WARN, "rejected malformed AdmissionReview: %s", err.msg);
        wh_arena_fini(&a);
        return;
    }
    wh_decision_init(&d, &a);
    policy = current_policy(w->env);
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = policy;
    ctx.registry = w->registry;
    ctx.registry_error = w->registry_error;
    ctx.limits = &w->env->settings.limits;
    ctx.deadline_ms = deadline_ms;
    ctx.now = wh_clock_wall();
    ctx.arena = &a;
    ctx.cache = w->env->cache;
    ctx.generation = wh_policy_generation(policy);
    ctx.tag_ttl_ms = w->env->settings.tag_ttl_ms;
    ctx.facts_ttl_ms = w->env->settings.facts_ttl_ms;
    ctx.negative_ttl_ms = w->env->settings.negative_ttl_ms;
    wh_image_check_request(&ctx, &req, &d);
    wh_policy_finish(&d);
    if (wh_admission_response_render(req.uid, &d, &reply->body, &err) != WH_OK) {
        /* Too large to answer: the apiserver treats a 400 as a webhook failure (failurePolicy). */
        reply_error(reply, err.msg);
    } else {
        reply->http_status = 200;
        reply->verdict = d.allowed ? (d.n_warnings > 0 ? "warn" : "allow") : "deny";
    }
    if (w->registry != NULL)
        requests = wh_registry_client_requests(w->registry) - requests;
    log_review(&req, &d, started, requests);
    wh_policy_unref(policy);
    wh_arena_fini(&a);
}
