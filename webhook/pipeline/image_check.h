#ifndef WH_PIPELINE_IMAGE_CHECK_H
#define WH_PIPELINE_IMAGE_CHECK_H

#include <stdint.h>
#include <time.h>

#include "admission/request.h"
#include "base/arena.h"
#include "base/limits.h"
#include "cache/cache.h"
#include "decision/decision.h"
#include "metrics/metrics.h"
#include "pipeline/review.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "sbom/sbom.h"
#include "trust/root.h"
#include "verify/facts.h"

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
    struct wh_cache *cache;                    /* NULL: no caching (the CLI) */
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

/* Checks every image of `req` (each distinct image once) and evaluates it into `d`; a
 * multi-arch image on the platforms req->platforms allows, as its rule's `platforms` says. */
void wh_image_check_request(const struct wh_image_check_ctx *ctx,
                            const struct wh_admission_request *req, struct wh_decision *d);

/* Resolves, fetches and verifies one image reference against its rule, on the platforms
 * `platforms` allows (NULL: every linux platform). Never fails: problems land in out->error /
 * out->dev_error (each with its code) / out->invalid / out->verify_detail /
 * out->signature_detail. */
void wh_image_check_one(const struct wh_image_check_ctx *ctx, const char *image,
                        const char *pod_dev_image, const struct wh_admission_platforms *platforms,
                        struct wh_image_result *out);

#endif
