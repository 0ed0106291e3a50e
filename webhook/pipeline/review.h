#ifndef WH_PIPELINE_REVIEW_H
#define WH_PIPELINE_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"

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
    struct wh_limits limits;
    const char *docker_config;              /* registry credentials, may be NULL */
    const char *ca_file;                    /* extra registry CA bundle, may be NULL */
    const char *const *plain_http_hosts;    /* loopback test registries only */
    size_t n_plain_http_hosts;
    size_t cache_entries;    /* 0: no cache (the CLI) */
    size_t cache_bytes;
    int64_t tag_ttl_ms;      /* tag → digest */
    int64_t facts_ttl_ms;    /* verified facts of a digest (digests never change) */
    int64_t negative_ttl_ms; /* "unsigned" and other negative results */
};

/* Loads the policy; *out valid only on WH_OK. The settings' strings must outlive the env. */
WH_MUST_CHECK enum wh_err wh_review_env_new(const struct wh_review_settings *s,
                                            struct wh_review_env **out, struct wh_error *err);
void wh_review_env_free(struct wh_review_env *env);
/* Reloads the policy file; on error keeps the last good snapshot and returns the reason.
 * Reviews in flight finish on the snapshot they started with. */
WH_MUST_CHECK enum wh_err wh_review_env_reload(struct wh_review_env *env, struct wh_error *err);

struct wh_review_reply {
    int http_status;       /* 200 with an AdmissionReview, 400 with {"error": ...} */
    struct wh_buf body;    /* JSON; owned by the reply: wh_buf_fini when done */
    const char *verdict;   /* "allow", "deny" or "error": for metrics and logs (static) */
};

struct wh_review_worker *wh_review_worker_new(struct wh_review_env *env);
void wh_review_worker_free(struct wh_review_worker *w);

/* Runs one review. Never fails: every error becomes a 400 or a denial in `reply`, answered before
 * `deadline_ms` (wh_clock_mono_ms). Safe to call concurrently from different workers. */
void wh_review_handle(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                      struct wh_review_reply *reply);

/* True when policy and trust are loaded; *detail says what is missing or stale otherwise. */
bool wh_review_env_ready(const struct wh_review_env *env, const char **detail);

#endif
