/*
 * The pipeline side of validate.c's loop-thread answer (pipeline/review.h
 * wh_pipeline_review_cached) on the real pipeline against a live (fault) registry: a review whose
 * image is cached is answered with the same bytes a worker gives, with no registry request; one
 * that needs I/O (a cold tag, pull secrets to read, a key a worker is still fetching, a large
 * body) is handed back untouched, without a request, a wait or a count, and a worker answers it.
 * POST /mutate's attempt (wh_pipeline_review_mutate_cached) keeps the same terms.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cache/cache.h"
#include "kube/kube.h"
#include "pipeline/env.h"
#include "pipeline/review.h"
#include "support/fault_registry.h"
#include "unit/harness.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"

static struct fault_registry *reg;
static char addr[64];

/* An image manifest under demo/app:TAG whose content is `label` (a digest of its own). */
static void
image(const char *tag, const char *label)
{
    char path[128], body[512];

    snprintf(body, sizeof(body),
             "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{\"mediaType\":"
             "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%064zu\",\"size\":"
             "%zu},\"layers\":[]}",
             strlen(label), strlen(label));
    snprintf(path, sizeof(path), "/v2/demo/app/manifests/%s", tag);
    fault_registry_route(reg, path, 200, "Content-Type: " OCI_MANIFEST "\r\n", body);
}

/* A Pod CREATE review of ADDR/demo/app:TAG; `extra` goes into the pod spec. */
static char *
review(const char *uid, const char *tag, const char *extra)
{
    char *s = NULL;

    if (asprintf(&s,
                 "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
                 "{\"uid\":\"%s\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                 "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
                 "\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":{\"apiVersion\":"
                 "\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{%s\"containers\":"
                 "[{\"name\":\"c\",\"image\":\"%s/demo/app:%s\"}]}}}}",
                 uid, extra, addr, tag) < 0)
        abort();
    return s;
}

static struct wh_bytes
bytes(const char *s)
{
    return (struct wh_bytes){(const unsigned char *)s, strlen(s)};
}

struct worker_arg {
    struct wh_review_worker *w;
    const char *body;
    struct wh_review_reply reply;
};

static void *
run_worker(void *p)
{
    struct worker_arg *a = p;

    wh_pipeline_review_handle(a->w, bytes(a->body), wh_clock_mono_ms() + 10000, &a->reply);
    return NULL;
}

static unsigned long long
cache_misses(struct wh_review_env *env)
{
    struct wh_cache_stats st;

    wh_cache_stats(env->cache, &st);
    return st.misses;
}

/* A review a worker is fetching for (an open flight on its tag) is not waited for. */
static void
test_flight_not_joined(struct wh_review_env *env, struct wh_review_worker *w)
{
    struct worker_arg a = {.w = w};
    struct wh_review_reply reply;
    pthread_t t;
    char *body = review("u-slow", "slow", "");
    int64_t t0;
    bool answered;

    image("slow", "slow image");
    WH_ASSERT(fault_registry_set(reg, "slow:1500", "manifests/slow", 0));
    a.body = body;
    pthread_create(&t, NULL, run_worker, &a);
    usleep(300 * 1000); /* the worker is inside its 1.5 s fetch, leading the tag's flight */
    t0 = wh_clock_mono_ms();
    answered = wh_pipeline_review_cached(env, bytes(body), wh_clock_mono_ms() + 10000, &reply);
    ok(!answered && wh_clock_mono_ms() - t0 < 200,
       "the tag a worker is fetching: handed to a worker at once (%lld ms), its flight not joined",
       (long long)(wh_clock_mono_ms() - t0));
    pthread_join(t, NULL);
    ok(a.reply.http_status == 200 && strstr(a.reply.body.ptr, "\"allowed\":true") != NULL,
       "the worker answers it once the registry does");
    wh_buf_fini(&a.reply.body);
    answered = wh_pipeline_review_cached(env, bytes(body), wh_clock_mono_ms() + 10000, &reply);
    ok(answered && reply.http_status == 200, "then it is cached: answered without a worker");
    if (answered)
        wh_buf_fini(&reply.body);
    WH_ASSERT(fault_registry_set(reg, "", "", 0));
    free(body);
}

/* What needs I/O or more than a bounded effort is handed back: nothing requested, nothing
 * counted. */
static void
test_handed_back(struct wh_review_env *env)
{
    struct wh_review_reply reply;
    char *secrets = review("u-secret", "v1", "\"imagePullSecrets\":[{\"name\":\"pull\"}],");
    char *big = review("u-big", "v1", "");
    size_t len = strlen(big);
    unsigned long before = fault_registry_requests(reg);

    ok(!wh_pipeline_review_cached(env, bytes(secrets), wh_clock_mono_ms() + 10000, &reply) &&
           wh_kube_client_requests(env->kube) == 0,
       "a pod naming a pull secret (read from the API server): handed to a worker, nothing read");
    /* The same cached image, padded past 64 KiB with whitespace the JSON allows. */
    big = realloc(big, len + 70 * 1024 + 1);
    memmove(big + 70 * 1024, big, len + 1);
    memset(big, ' ', 70 * 1024);
    ok(!wh_pipeline_review_cached(env, bytes(big), wh_clock_mono_ms() + 10000, &reply),
       "a review over 64 KiB: handed to a worker however cached its images are");
    ok(fault_registry_requests(reg) == before, "neither made a registry request");
    free(secrets);
    free(big);
}

static bool
same_reply(const struct wh_review_reply *a, const struct wh_review_reply *b)
{
    return a->http_status == b->http_status && a->body.len == b->body.len &&
           memcmp(a->body.ptr, b->body.ptr, a->body.len) == 0;
}

/* POST /mutate: cold handed back, cached answered with the worker's bytes (the JSONPatch). */
static void
test_mutate(struct wh_review_env *env, struct wh_review_worker *w)
{
    struct wh_review_reply worker, loop, again;
    char *v3 = review("u-m3", "v3", "");
    char *mixed;
    char *secrets = review("u-m5", "v3", "\"imagePullSecrets\":[{\"name\":\"pull\"}],");
    char *with_init = NULL;
    unsigned long before = fault_registry_requests(reg), requests;
    int64_t deadline = wh_clock_mono_ms() + 10000;

    image("v3", "third image");
    image("v4", "fourth image");
    WH_ASSERT(asprintf(&with_init,
                       "\"initContainers\":[{\"name\":\"i\",\"image\":\"%s/demo/app:v4\"}],",
                       addr) > 0);
    mixed = review("u-m4", "v3", with_init);
    ok(!wh_pipeline_review_mutate_cached(env, bytes(v3), deadline, &loop) &&
           fault_registry_requests(reg) == before,
       "mutate, cold: handed to a worker, no registry request");
    wh_pipeline_review_mutate(w, bytes(v3), deadline, &worker);
    requests = fault_registry_requests(reg);
    ok(worker.http_status == 200 && strstr(worker.body.ptr, "\"patch\":") != NULL &&
           requests > before,
       "the worker verifies (%lu requests) and pins: %.160s", requests - before, worker.body.ptr);
    ok(wh_pipeline_review_mutate_cached(env, bytes(v3), deadline, &loop) &&
           same_reply(&loop, &worker) && strcmp(loop.verdict, "allow") == 0,
       "mutate, cached: answered without a worker, byte for byte the worker's answer");
    wh_pipeline_review_mutate(w, bytes(v3), deadline, &again);
    ok(same_reply(&again, &loop) && fault_registry_requests(reg) == requests,
       "a worker's cached answer is the same bytes; neither made a request");
    wh_buf_fini(&again.body);
    ok(!wh_pipeline_review_mutate_cached(env, bytes(mixed), deadline, &again) &&
           fault_registry_requests(reg) == requests,
       "one cached image and one cold (init container): handed to a worker, no request");
    ok(!wh_pipeline_review_mutate_cached(env, bytes(secrets), deadline, &again) &&
           wh_kube_client_requests(env->kube) == 0,
       "mutate naming a pull secret: handed to a worker, nothing read");
    ok(wh_pipeline_review_mutate_cached(env, bytes("{\"kind\":"), deadline, &again) &&
           again.http_status == 400,
       "a malformed mutate: 400 without a worker");
    wh_buf_fini(&again.body);
    wh_buf_fini(&loop.body);
    wh_buf_fini(&worker.body);
    free(v3);
    free(mixed);
    free(secrets);
    free(with_init);
}

int
main(void)
{
    char dir[] = "/tmp/dg-loop-review-XXXXXX", policy_path[128], *yaml = NULL;
    const char *hosts[1];
    struct wh_review_settings st;
    struct wh_review_env *env;
    struct wh_review_worker *w;
    struct wh_review_reply worker_reply, reply, again;
    struct wh_error err = {0};
    char *v1, *v2;
    unsigned long requests;
    bool answered;
    FILE *f;

    reg = fault_registry_start(NULL, 0);
    snprintf(addr, sizeof(addr), "%s", fault_registry_addr(reg));
    image("v1", "first image");
    image("v2", "second image");
    v1 = review("u-1", "v1", "");
    v2 = review("u-2", "v2", "");
    WH_ASSERT(mkdtemp(dir) != NULL);
    snprintf(policy_path, sizeof(policy_path), "%s/policy.yaml", dir);
    WH_ASSERT(asprintf(&yaml,
                       "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
                       "  defaults: {mode: enforce, onError: deny, noMatch: deny}\n"
                       "  images:\n    - name: app\n      match: [\"%s/demo/app\"]\n",
                       addr) > 0);
    WH_ASSERT((f = fopen(policy_path, "w")) != NULL);
    fputs(yaml, f);
    fclose(f);
    memset(&st, 0, sizeof(st));
    hosts[0] = addr;
    st.policy_path = policy_path;
    st.limits = (struct wh_limits)WH_LIMITS_DEFAULT;
    st.registry.plain_http_hosts = hosts;
    st.registry.n_plain_http_hosts = 1;
    st.registry.retry.max_attempts = 1;
    st.cache_entries = 64;
    st.cache_bytes = 1 << 20;
    st.tag_ttl_ms = st.facts_ttl_ms = st.negative_ttl_ms = 60000;
    st.kube_api_server = "https://127.0.0.1:1"; /* pull secrets would be read: never here */
    st.kube_token_file = policy_path;
    st.kube_ca_file = policy_path;
    WH_ASSERT(wh_pipeline_env_new(&st, &env, &err) == WH_OK);
    WH_ASSERT(env->kube != NULL);
    w = wh_pipeline_worker_new(env);

    answered = wh_pipeline_review_cached(env, bytes(v1), wh_clock_mono_ms() + 10000, &reply);
    ok(!answered && fault_registry_requests(reg) == 0 && cache_misses(env) == 0,
       "cold: handed to a worker, with no registry request and no cache miss counted");
    wh_pipeline_review_handle(w, bytes(v1), wh_clock_mono_ms() + 10000, &worker_reply);
    requests = fault_registry_requests(reg);
    ok(worker_reply.http_status == 200 &&
           strstr(worker_reply.body.ptr, "\"allowed\":true") != NULL && requests > 0,
       "the worker fetches (%lu registry requests) and allows: %.200s", requests,
       worker_reply.body.ptr);
    answered = wh_pipeline_review_cached(env, bytes(v1), wh_clock_mono_ms() + 10000, &reply);
    ok(answered && reply.http_status == 200 && reply.body.len == worker_reply.body.len &&
           memcmp(reply.body.ptr, worker_reply.body.ptr, reply.body.len) == 0 &&
           strcmp(reply.verdict, "allow") == 0,
       "cached: answered without a worker, byte for byte the worker's answer");
    ok(fault_registry_requests(reg) == requests, "from the cache alone: no registry request");
    ok(!wh_pipeline_review_cached(env, bytes(v2), wh_clock_mono_ms() + 10000, &again) &&
           fault_registry_requests(reg) == requests,
       "another tag, not cached: handed to a worker, no request made");
    ok(wh_pipeline_review_cached(env, bytes("{\"kind\":"), wh_clock_mono_ms() + 10000, &again) &&
           again.http_status == 400,
       "a malformed review needs no I/O either: 400 without a worker, as a worker answers");
    wh_buf_fini(&again.body);
    test_handed_back(env);
    test_flight_not_joined(env, w);
    test_mutate(env, w);

    if (answered)
        wh_buf_fini(&reply.body);
    wh_buf_fini(&worker_reply.body);
    wh_pipeline_worker_free(w);
    wh_pipeline_env_free(env);
    fault_registry_stop(reg);
    unlink(policy_path);
    rmdir(dir);
    free(yaml);
    free(v1);
    free(v2);
    return done_testing();
}
