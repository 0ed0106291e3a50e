#ifndef WH_BASE_LIMITS_H
#define WH_BASE_LIMITS_H

#include <stddef.h>

/*
 * Bounds on every untrusted input. Over a limit → WH_E_LIMIT. The defaults below are what a
 * zero-configured server uses; config.c may lower or raise each one.
 */
struct wh_limits {
    size_t body_bytes;      /* AdmissionReview request body */
    size_t images;          /* container images in one object */
    size_t manifest_bytes;  /* one OCI manifest or index */
    size_t blob_bytes;      /* one signature/attestation layer blob */
    size_t signatures;      /* layers considered per .sig/.att manifest */
    size_t sbom_bytes;      /* one decoded SBOM predicate */
    size_t sbom_components; /* components in one SBOM */
    size_t policy_bytes;    /* one policy file */
    size_t json_depth;      /* nesting depth of any JSON document we parse */
    size_t response_bytes;  /* rendered AdmissionReview response */
    /* Registry answers (manifests, blobs, referrers, tokens, error bodies): the bytes one review
     * may read in all, and the bytes all reviews in flight may hold at once beyond each review's
     * first WH_LIMITS_REVIEW_FLOOR (so a flood of large reviews cannot starve small ones). The
     * defaults fit the shipped 256Mi container: 64 MiB facts cache + ~20 MiB process + 64 MiB of
     * answers + their decoding (a DSSE payload is 3/4 of its envelope) stays under 200 MiB. */
    size_t review_bytes;
    size_t process_bytes;
};

#define WH_LIMITS_REVIEW_FLOOR ((size_t)1 << 20)

#define WH_LIMITS_DEFAULT                                                                          \
    {                                                                                              \
        .body_bytes = 3u << 20, .images = 128, .manifest_bytes = 4u << 20,                         \
        .blob_bytes = 32u << 20, .signatures = 32, .sbom_bytes = 64u << 20,                        \
        .sbom_components = 200000, .policy_bytes = 1u << 20, .json_depth = 64,                     \
        .response_bytes = 1u << 20, .review_bytes = 40u << 20, .process_bytes = 64u << 20,         \
    }

#endif
