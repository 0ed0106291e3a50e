#ifndef WH_PIPELINE_ENV_H
#define WH_PIPELINE_ENV_H

#include <pthread.h>
#include <stddef.h>

#include "base/error.h"
#include "pipeline/review.h"

/*
 * The process environment of the pipeline (env.c): the refcounted policy and trust snapshots and
 * their reloads, readiness, the metrics, the cache, the Kubernetes client for pull secrets, and
 * each worker's registry client. The structs are pipeline/'s own (review.c reads them); http/,
 * the CLI and main.c see them opaque through pipeline/review.h.
 */

struct wh_cache;
struct wh_kube_client;
struct wh_policy;
struct wh_registry_client;
struct wh_trust_root;

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
    struct wh_cache *sbom_cache; /* parsed SBOMs (wh_image_check_ctx.sbom_cache); NULL likewise */
    struct wh_kube_client *kube; /* NULL outside a cluster: pull secrets are not read */
    struct reload_state reloads[MAX_RELOAD_STATES];
    size_t n_reloads;
    struct wh_review_metrics m;
};

struct wh_review_worker {
    struct wh_review_env *env;
    struct wh_registry_client *registry;
    struct wh_pipeline_fanout *fanout; /* registry's fetch helpers; NULL: none (fanout.h) */
    char registry_error[sizeof(((struct wh_error *)0)->msg)];
};

/* The snapshots a review starts with: the policy (returned) and the trust root (*trust, NULL
 * when none is configured), each with a reference of the caller's own (wh_policy_unref,
 * wh_trust_root_unref). Thread-safe. */
struct wh_policy *wh_pipeline_env_snapshot(struct wh_review_env *env, struct wh_trust_root **trust);

#endif
