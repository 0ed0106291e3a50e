#ifndef WH_REGISTRY_REFERRERS_H
#define WH_REGISTRY_REFERRERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "image/ref.h"
#include "registry/client.h"
#include "registry/manifest.h"

/*
 * OCI 1.1 referrers: artifacts whose manifest `subject` is an image (sigstore bundles attached by
 * cosign v3 and @sigstore/oci). The API (`GET /v2/<name>/referrers/<digest>`) first; registries
 * without it (distribution 2.8 answers 404) get the fallback tag "sha256-<hex>", an index kept
 * by the pushers (OCI distribution-spec 1.1 "Referrers Tag Schema").
 */

#define WH_REGISTRY_MT_SIGSTORE_BUNDLE_PREFIX "application/vnd.dev.sigstore.bundle"

/*
 * Pure: the entries of a referrers index (`body`, the API response or the fallback tag's
 * manifest) whose artifactType equals `artifact_type` (all entries when NULL). Bounded by
 * limits->manifest_bytes, limits->json_depth and WH_REGISTRY_MAX_DESCRIPTORS. Not an image
 * index → WH_E_INVALID. *out, *n_out (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err
wh_registry_referrers_parse(struct wh_bytes body, const char *content_type,
                            const char *artifact_type, const struct wh_limits *limits,
                            struct wh_arena *a, struct wh_registry_descriptor **out, size_t *n_out,
                            struct wh_error *err);

/*
 * The referrers of `digest` in ref's repository, filtered by `artifact_type` (may be NULL; sent
 * as ?artifactType= and checked again here, since registries may ignore the filter). The API is
 * asked first; on 404, 400 or a response that is not an image index, the fallback tag. Neither
 * present → WH_OK with *n_out == 0. *out (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_referrers(struct wh_registry_client *c,
                                                const struct wh_image_ref *ref, const char *digest,
                                                const char *artifact_type, int64_t deadline_ms,
                                                struct wh_arena *a,
                                                struct wh_registry_descriptor **out, size_t *n_out,
                                                struct wh_error *err);

/* One referrer artifact fetched whole: its manifest and its single layer's blob. */
struct wh_registry_referrer {
    const char *manifest_digest;
    const char *artifact_type; /* the manifest's artifactType, else its config mediaType */
    const char *layer_media_type;
    const char *layer_digest;
    struct wh_bytes blob;               /* NUL-terminated */
    struct wh_registry_kv *annotations; /* the manifest's */
    size_t n_annotations;
};

/*
 * Fetches referrer `d` of image `image_digest`: the manifest by d->digest (digest-checked), whose
 * `subject` must be image_digest (WH_E_VERIFY otherwise: a fallback index can list anything),
 * with exactly one layer (WH_E_INVALID otherwise) of at most limits.blob_bytes (WH_E_LIMIT),
 * then that blob, digest-checked. *out (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err
wh_registry_referrer_fetch(struct wh_registry_client *c, const struct wh_image_ref *ref,
                           const char *image_digest, const struct wh_registry_descriptor *d,
                           int64_t deadline_ms, struct wh_arena *a,
                           struct wh_registry_referrer *out, struct wh_error *err);

#endif
