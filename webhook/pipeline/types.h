#ifndef WH_PIPELINE_TYPES_H
#define WH_PIPELINE_TYPES_H

/*
 * The data the per-image steps pass between them (types only): the review's context, passed
 * whole to every step; what one image's checks established; and the cached shapes of a digest's
 * manifest and verified facts. The step files: image_check.c (per-image order), resolve.c (tag →
 * digest, index walk), platforms.c (which entries are judged), memo.c (cache and the facts of a
 * digest), signatures.c / attestations.c / referrers.c (cosign evidence, key and keyless),
 * dev_drift.c (the dev image's SBOM diff), timing.c (step latencies).
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "sbom/sbom.h"
#include "verify/facts.h"

struct wh_cache;
struct wh_metrics_family;
struct wh_pipeline_fanout;
struct wh_policy;
struct wh_policy_image;
struct wh_predicates;
struct wh_registry_client;
struct wh_sbom_diff;
struct wh_trust_root;

/*
 * Step latencies of one review in microseconds, summed over its images; 0 means the step did
 * not run (a cache hit skips resolve and verify). wh_pipeline_review_handle passes one to the
 * image checks (wh_image_check_ctx.timing) and observes every non-zero step into
 * driftgate_review_step_duration_seconds{step} when the review ends.
 */
struct wh_review_timing {
    int64_t resolve_us;  /* tag → digest */
    int64_t verify_us;   /* .sig/.att fetch and verification */
    int64_t sbom_us;     /* SBOM normalisation and the dev-image diff */
    int64_t evaluate_us; /* policy evaluation */
};

/*
 * The loop thread's cache-only attempt at a review (review.c wh_pipeline_review_cached). Its
 * context has no registry client, and memo.c's lookups then only peek at the cache: a key that
 * is absent, stale, being computed by a worker (an open flight) or too costly to use on the
 * loop (an SBOM over WH_PIPELINE_LOOP_SBOM_COMPONENTS) sets `missed` and reads as a timeout, so
 * nothing is fetched, led or waited for; a review with a miss is handed to a worker whole.
 */
struct wh_pipeline_cache_only {
    bool missed;
    unsigned long long hits; /* counted into the cache's statistics only if the answer is kept */
    /* wh_clock_mono_ms at the attempt's start: its lookups' "now" (the attempt is bounded and
     * never waits, so it is as if they all ran then; one clock read instead of one a lookup). */
    int64_t now_ms;
};

/* Largest SBOM (components) a loop-thread review may diff: the drift diff is the one step whose
 * CPU grows with evidence size once everything is cached. */
#define WH_PIPELINE_LOOP_SBOM_COMPONENTS 2048

/* Everything one review's image checks share. Borrowed; valid for the review. */
struct wh_image_check_ctx {
    const struct wh_policy *policy;
    struct wh_registry_client
        *registry; /* NULL when the worker has none: registry_error says why */
    const char *registry_error;
    const struct wh_limits *limits;
    int64_t deadline_ms;
    time_t now;
    struct wh_arena *arena;
    struct wh_cache *cache; /* NULL: no caching (the CLI) */
    /* Parsed SBOMs, by the sha256 of their predicate bytes, bounded apart from `cache` (a
     * component table is kilobytes to megabytes): the facts in `cache` name their SBOM by that
     * key, and the drift summary of a (prod, dev) pair is cached in `cache`. NULL when `cache`
     * is: SBOMs then live in the review arena. */
    struct wh_cache *sbom_cache;
    uint64_t generation;                       /* policy generation: part of every facts key */
    int64_t tag_ttl_ms;                        /* tag → digest */
    int64_t facts_ttl_ms;                      /* verified facts of a digest */
    struct wh_review_timing *timing;           /* step latencies, summed; NULL: not measured */
    struct wh_metrics_family *verify_failures; /* _verification_failures_total{reason}, or NULL */
    bool dev_override_trusted; /* the CLI's --dev: the caller chose the dev image (never a pod) */
    int64_t negative_ttl_ms;   /* "no signature / no attestation" results; failures (registry
                                * errors) are kept min(this, 2 s) and never as verified */
    /* The review's trust root snapshot (Fulcio CAs, Rekor, CT logs, TSAs) for keyless signers and
     * sigstore bundles; NULL when none is configured: keyless signers then cannot be satisfied. */
    const struct wh_trust_root *trust;
    uint64_t trust_generation; /* part of every facts key (0 without a trust root) */
    struct wh_pipeline_cache_only *cache_only; /* NULL: a worker's review, which may fetch */
    /* The worker's fetch helpers (fanout.h) for `registry`: a pod's distinct images are checked
     * at once on them; NULL: one after another. */
    struct wh_pipeline_fanout *fanout;
};

/* What the registry and verification established for one image, before policy evaluation. */
struct wh_image_result {
    const char *image;        /* as written in the object */
    const char *name;         /* "registry/repository" (NULL if the reference did not parse) */
    const char *canonical;    /* the canonical reference rules judged (NULL likewise) */
    const char *shown;        /* how messages name it (image/ref.h wh_image_ref_display) */
    const char *digest;       /* resolved "sha256:<hex>"; for a multi-arch image, of the platform
                               * manifest judged (index_digest then holds the index's) */
    const char *platform;     /* "linux/arm64" when a platform manifest is judged, else NULL */
    const char *index_digest; /* the index `digest` was selected from, else NULL */
    const char *tag;          /* the reference's tag, if any */
    const struct wh_policy_image *rule;
    struct wh_facts facts;
    const char *signature_detail; /* why a present signature did not verify */
    const char *verify_detail;    /* why a present attestation did not verify */
    struct wh_sbom_diff *diff;    /* NULL without a dev reference */
    const struct wh_sbom *sbom;   /* the verified SBOM, parsed (as long as facts); NULL if none */
    const char *dev_image;        /* the dev reference judged (template filled, attested, ...) */
    const char *dev_digest;       /* what dev_image resolved to, NULL if it did not */
    const struct wh_predicates *dev_predicates; /* the dev image's agent provenance etc. */
    /* Why the image could not be judged, NULL if it could. error_code says who decides it:
     * onError for infrastructure (wh_policy_on_error_applies: registry down, TLS, 5xx, timeout),
     * the rule's mode for evidence a pusher can write (a missing tag, a malformed manifest). */
    const char *error;
    enum wh_err error_code;
    /* Why the drift against the dev image could not be checked (the image itself was judged),
     * NULL if it was or the rule has no dev reference; dev_error_code decides as error_code. */
    const char *dev_error;
    enum wh_err dev_error_code;
    const char *invalid; /* the reference itself is invalid: always a denial */
};

/* One image entry of an index (registry/platform.h): a manifest a runtime may pull. */
struct wh_pipeline_platform {
    const char *name;      /* normalised: "linux/arm64", "linux/arm/v7", "?/amd64" */
    const char *label;     /* for messages and the <n>-platform annotation: the name, how the index
                            * spelled it when that differs, and the nested index it sits in */
    const char *os, *arch; /* normalised; "" when absent */
    bool is_known;         /* os and arch known: else runnable on every node */
    const char *digest;    /* the platform manifest */
    const char **parents;  /* nested indexes above it, innermost first (not the image's index) */
    size_t n_parents;
};

/* What GET manifest said about a digest: cached per digest (it never changes). */
struct wh_pipeline_manifest {
    bool is_index;
    struct wh_pipeline_platform *platforms; /* every image entry, in index order (depth first) */
    size_t n_platforms;
    const char *error; /* failure, cached briefly (memo.c wh_pipeline_memo_failure_ttl) */
    enum wh_err code;  /* error's */
};

/* What verification established about one digest under one rule: cached as a unit. */
struct wh_pipeline_facts {
    struct wh_facts facts;
    const char *signature_detail; /* why a present .sig layer did not verify */
    const char *verify_detail;    /* why a present .att layer did not verify */
    /* The verified SBOM attestation, parsed, for this review; NULL if none, and NULL in the
     * value the cache keeps: wh_pipeline_memo_sbom finds it (SBOM cache, else verified again). */
    const struct wh_sbom *sbom;
    const char *sbom_key;       /* "sha256:<hex>" of its predicate bytes; NULL: no verified SBOM */
    const char *sbom_digest;    /* the image digest whose attestation carried it (an index's for a
                                 * platform whose own has none) */
    const char *dev_env_detail; /* why a dev-environment attestation was not taken */
    bool dev_env_conflict;      /* verified ones name different dev images: none is taken */
    const char *error;          /* infrastructure error: never cached */
    enum wh_err error_code;
};

/* The facts one evaluation judges: for a multi-arch image, those of one selected platform. */
struct wh_pipeline_selection {
    const struct wh_pipeline_facts *facts;
    const char *platform;     /* its label; NULL unless a platform manifest is judged */
    const char *platform_key; /* its normalised name (the dev image's platform is matched on it) */
    const char *digest;       /* what `facts` are bound to (platform or image digest) */
    const char *index_digest; /* NULL unless multi-arch */
    const char *error;
    enum wh_err error_code;
    const char *invalid;
};

/* The steps whose latencies a review reports (timing.c). */
enum wh_pipeline_step {
    WH_PIPELINE_STEP_RESOLVE,
    WH_PIPELINE_STEP_VERIFY,
    WH_PIPELINE_STEP_SBOM,
    WH_PIPELINE_STEP_EVALUATE,
};

#endif
