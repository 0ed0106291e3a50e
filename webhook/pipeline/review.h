#ifndef WH_PIPELINE_REVIEW_H
#define WH_PIPELINE_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "registry/client.h"

/*
 * The only entry point http/ and the CLI use to run one AdmissionReview through the pipeline.
 * An env holds the immutable snapshots (policy, trust) and shared state (cache); it is created
 * by main.c from the config and outlives every worker. A worker holds per-thread state (its
 * libcurl handle) and is used by one thread at a time.
 */
struct wh_review_env;
struct wh_review_worker;

/* What an env is built from (main.c maps the config onto it; the CLI fills it from flags). */
struct wh_review_settings {
    const char *policy_path;
    /* Directories the policy's key files may be read from; none: the policy's own directory
     * (policy/policy.h wh_policy_load_options). */
    const char *const *policy_key_dirs;
    size_t n_policy_key_dirs;
    struct wh_limits limits;
    /* Each worker's registry client, as given (its limits are `limits`); zero fields take the
     * client's defaults (8 in flight, 4 attempts, 200 ms first backoff, 10 s longest wait). */
    struct wh_registry_options registry;
    size_t cache_entries; /* 0: no cache (the CLI) */
    size_t cache_bytes;
    int64_t tag_ttl_ms;      /* tag → digest */
    int64_t facts_ttl_ms;    /* verified facts of a digest (digests never change) */
    int64_t negative_ttl_ms; /* "unsigned" and other negative results */
    /* Kubernetes API for the pods' imagePullSecrets (kube/kube.h); api_server NULL: the
     * in-cluster environment, and no pull secrets outside a cluster. */
    const char *kube_api_server;
    const char *kube_token_file;
    const char *kube_ca_file;
    int64_t kube_secret_ttl_ms;
    /* trusted_root.json files (trust/root.h wh_trust_root_load) for keyless signers and sigstore
     * bundles; none: keyless signers cannot be satisfied (fail closed). */
    const char *const *trust_roots;
    size_t n_trust_roots;
};

/* Loads the policy; *out valid only on WH_OK. The settings' strings must outlive the env. */
WH_MUST_CHECK enum wh_err wh_pipeline_env_new(const struct wh_review_settings *s,
                                              struct wh_review_env **out, struct wh_error *err);
void wh_pipeline_env_free(struct wh_review_env *env);
/* Reloads the policy file and the trust roots; on error keeps the last good snapshots and
 * returns the reason.
 * Reviews in flight finish on the snapshot they started with. */
WH_MUST_CHECK enum wh_err wh_pipeline_env_reload(struct wh_review_env *env, struct wh_error *err);

struct wh_review_reply {
    int http_status;     /* 200 with an AdmissionReview, 400 with {"error": ...} */
    struct wh_buf body;  /* JSON; owned by the reply: wh_buf_fini when done */
    const char *verdict; /* "allow", "deny" or "error": for metrics and logs (static) */
};

struct wh_review_worker *wh_pipeline_worker_new(struct wh_review_env *env);
void wh_pipeline_worker_free(struct wh_review_worker *w);

/* Runs one review. Never fails: every error becomes a 400 or a denial in `reply`, answered before
 * `deadline_ms` (wh_clock_mono_ms). Safe to call concurrently from different workers. */
void wh_pipeline_review_handle(struct wh_review_worker *w, struct wh_bytes body,
                               int64_t deadline_ms, struct wh_review_reply *reply);

/*
 * Answers `body` as wh_pipeline_review_handle would, without a worker, when that needs no I/O:
 * every image's tag, manifest and facts are fresh in the cache, the pod names no pull secret the
 * env would read, and the review is small (64 KiB, 32 images, SBOMs of at most 2048
 * components). Then `reply` is set, the review logged and counted, and true returned. Otherwise
 * false with nothing answered, logged or counted (cache statistics included): hand the review to
 * a worker. Never fetches, waits for another review or verifies a signature: the h2o loop thread
 * calls it. A malformed review is answered (400) here too.
 */
bool wh_pipeline_review_cached(struct wh_review_env *env, struct wh_bytes body, int64_t deadline_ms,
                               struct wh_review_reply *reply);

/*
 * Runs one AdmissionReview for POST /mutate on the same engine, cache and pull secrets as
 * wh_pipeline_review_handle. The answer always allows: with a JSONPatch (admission/patch.h)
 * rewriting each image whose digest resolved and which the policy, judging it in enforce mode,
 * would admit, to IMAGE@DIGEST ("name:TAG@sha256:D"). An image already naming a digest, one that
 * cannot be verified, or one the policy would deny is left as written: /validate decides about it.
 * A bare Pod's UPDATE is never patched (the kubelet would restart the container), and for the
 * pods/ephemeralcontainers subresource only ephemeral containers are. A malformed review is a
 * 400 as for /validate. Never fails; safe to call concurrently from different workers.
 */
void wh_pipeline_review_mutate(struct wh_review_worker *w, struct wh_bytes body,
                               int64_t deadline_ms, struct wh_review_reply *reply);
/* wh_pipeline_review_mutate's answer without a worker, on wh_pipeline_review_cached's terms:
 * true with `reply` set (the same bytes a worker sends) when every image to pin is fresh in the
 * cache; false with nothing answered, logged or counted otherwise. The h2o loop thread calls it. */
bool wh_pipeline_review_mutate_cached(struct wh_review_env *env, struct wh_bytes body,
                                      int64_t deadline_ms, struct wh_review_reply *reply);

/* True when policy and trust are loaded. `detail` (cap bytes, NUL-terminated) gets "ok", or
 * the reloads that failed since their last success: the env then still serves the last good
 * snapshot and stays ready, so a bad ConfigMap never takes the webhook out of the Service. */
bool wh_pipeline_env_ready(struct wh_review_env *env, char *detail, size_t cap);

/*
 * The process metrics (metrics/metrics.h), registered by wh_pipeline_env_new and owned by the env;
 * every family lives as long as the env. Updating is thread-safe. `metrics` renders /metrics.
 */
struct wh_metrics;
struct wh_metrics_family;
struct wh_review_metrics {
    struct wh_metrics *metrics;
    struct wh_metrics_family *reviews;           /* _admission_reviews_total{verdict} */
    struct wh_metrics_family *review_seconds;    /* _review_duration_seconds */
    struct wh_metrics_family *step_seconds;      /* _review_step_duration_seconds{step} */
    struct wh_metrics_family *registry_requests; /* _registry_requests_total{registry,status} */
    struct wh_metrics_family *cache_hits;        /* _cache_hits_total (mirrors wh_cache_stats) */
    struct wh_metrics_family *cache_misses;      /* _cache_misses_total */
    struct wh_metrics_family *cache_entries;     /* _cache_entries */
    struct wh_metrics_family *verify_failures;   /* _verification_failures_total{reason} */
    struct wh_metrics_family *reload_success;    /* _reload_success{what}: 1 ok, 0 last failed */
    struct wh_metrics_family *reload_time;       /* _reload_timestamp_seconds{what}: last success */
    struct wh_metrics_family *reload_failures;   /* _reload_failures_total{what} */
    struct wh_metrics_family *cert_expiry;       /* _certificate_expiry_seconds: notAfter, Unix s */
    struct wh_metrics_family *queue_depth;       /* _queue_depth: jobs waiting for a worker */
    struct wh_metrics_family *queue_rejected; /* _queue_rejected_total: 503 at once, queue full */
    struct wh_metrics_family *in_flight;      /* _reviews_in_flight */
};
struct wh_review_metrics *wh_pipeline_env_metrics(struct wh_review_env *env);

/* Refreshes the metrics mirrored from elsewhere (cache statistics) just before a scrape. */
void wh_pipeline_env_metrics_collect(struct wh_review_env *env);

/* Records the outcome of a reload of `what` ("policy", "trust", "tls") for metrics and
 * /readyz: on failure `error` says why (copied), and readiness detail names it until the next
 * success of the same `what`. Thread-safe. */
void wh_pipeline_env_note_reload(struct wh_review_env *env, const char *what, const char *error);

#endif
