/*
 * OCI 1.1 referrers discovery: the referrers API, then the fallback tag, both parsed as image
 * indexes and filtered by artifactType on our side; and the fetch of one referrer artifact (its
 * manifest and single layer), bound to the image by the manifest's subject.
 */
#include "registry/referrers.h"

#include <string.h>

#include "base/digest.h"

enum wh_err
wh_registry_referrers_parse(struct wh_bytes body, const char *content_type,
                            const char *artifact_type, const struct wh_limits *limits,
                            struct wh_arena *a, struct wh_registry_descriptor **out, size_t *n_out,
                            struct wh_error *err)
{
    struct wh_registry_manifest m;
    struct wh_registry_descriptor *keep;
    size_t n = 0;
    enum wh_err rc;

    rc = wh_registry_manifest_parse(body, content_type, limits, a, &m, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "referrers index");
    /* distribution-spec 1.1: "the response MUST be an image index" */
    if (!m.is_index || strcmp(m.media_type, WH_REGISTRY_MT_OCI_INDEX) != 0)
        return wh_error_set(err, WH_E_INVALID, "referrers index: got %s, not an OCI image index",
                            m.media_type);
    keep = wh_arena_alloc(a, (m.n_manifests + 1) * sizeof(*keep));
    for (size_t i = 0; i < m.n_manifests; i++) {
        const struct wh_registry_descriptor *d = &m.manifests[i];

        if (artifact_type != NULL &&
            (d->artifact_type == NULL || strcmp(d->artifact_type, artifact_type) != 0))
            continue;
        keep[n++] = *d;
    }
    *out = keep;
    *n_out = n;
    return WH_OK;
}

/* artifactType goes into a query string: only media-type characters pass. */
static bool
is_media_type(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n <= 255 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_/") == n &&
           strchr(s, '/') != NULL;
}

/* '+' is a space in a query string: "application/vnd.dev.sigstore.bundle.v0.3+json" → %2B. */
static const char *
query_escape(const char *s, struct wh_arena *a)
{
    size_t n = strlen(s), k = 0;
    char *out = wh_arena_alloc(a, 3 * n + 1);

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            memcpy(out + k, "%2B", 3);
            k += 3;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

enum wh_err
wh_registry_referrers(struct wh_registry_client *c, const struct wh_image_ref *ref,
                      const char *digest, const char *artifact_type, int64_t deadline_ms,
                      struct wh_arena *a, struct wh_registry_descriptor **out, size_t *n_out,
                      struct wh_error *err)
{
    const struct wh_limits *limits = wh_registry_client_limits(c);
    struct wh_registry_response r;
    struct wh_registry_manifest m;
    const char *path, *what, *tag;
    enum wh_err rc;

    if (digest == NULL || !wh_digest_is_sha256(wh_str_c(digest)))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: referrers of \"%.80s\": not a sha256 digest",
                            ref->registry, ref->repository, digest == NULL ? "" : digest);
    if (artifact_type != NULL && !is_media_type(artifact_type))
        return wh_error_set(err, WH_E_INVALID, "referrers: invalid artifactType \"%.80s\"",
                            artifact_type);
    what = wh_arena_sprintf(a, "GET referrers %.19s…", digest);
    if (artifact_type != NULL)
        path = wh_arena_sprintf(a, "/v2/%s/referrers/%s?artifactType=%s", ref->repository, digest,
                                query_escape(artifact_type, a));
    else
        path = wh_arena_sprintf(a, "/v2/%s/referrers/%s", ref->repository, digest);
    memset(&r, 0, sizeof(r));
    rc = wh_registry_get(c, ref, what, path, "Accept: " WH_REGISTRY_MT_OCI_INDEX,
                         limits->manifest_bytes, deadline_ms, a, &r, err);
    if (rc == WH_OK) {
        rc = wh_registry_referrers_parse(r.body, r.content_type, artifact_type, limits, a, out,
                                         n_out, err);
        if (rc == WH_OK || rc == WH_E_LIMIT)
            return rc == WH_OK
                       ? WH_OK
                       : wh_error_wrap(err, "%s/%s: %s", ref->registry, ref->repository, what);
        /* A 200 that is not an index: a registry (or proxy) without the API. Fall back. */
    } else if (rc != WH_E_NOT_FOUND && !(rc == WH_E_UNAVAILABLE && r.status == 400)) {
        /* 404 or 400 from the referrers endpoint: a registry without the API. Anything else
         * (a failed token request included) is the answer. */
        return rc;
    }
    /* OCI distribution-spec 1.1: fallback tag = "<alg>-<ref>" of the subject digest */
    tag = wh_arena_sprintf(a, "sha256-%s", digest + 7);
    rc = wh_registry_manifest_get(c, ref, tag, deadline_ms, a, &m, err);
    if (rc == WH_E_NOT_FOUND) {
        *out = NULL;
        *n_out = 0;
        return WH_OK;
    }
    if (rc != WH_OK)
        return rc;
    rc = wh_registry_referrers_parse(m.body, m.media_type, artifact_type, limits, a, out, n_out,
                                     err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s/%s:%s", ref->registry, ref->repository, tag);
    return WH_OK;
}

enum wh_err
wh_registry_referrer_fetch(struct wh_registry_client *c, const struct wh_image_ref *ref,
                           const char *image_digest, const struct wh_registry_descriptor *d,
                           int64_t deadline_ms, struct wh_arena *a,
                           struct wh_registry_referrer *out, struct wh_error *err)
{
    const struct wh_limits *limits = wh_registry_client_limits(c);
    struct wh_registry_manifest m;
    const struct wh_registry_descriptor *layer;
    enum wh_err rc;

    rc = wh_registry_manifest_get(c, ref, d->digest, deadline_ms, a, &m, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "referrer");
    if (m.is_index)
        return wh_error_set(err, WH_E_INVALID, "%s/%s: referrer %.19s…: an index, not a manifest",
                            ref->registry, ref->repository, d->digest);
    if (m.subject_digest == NULL || strcmp(m.subject_digest, image_digest) != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "%s/%s: referrer %.19s…: subject %s is not the image %s", ref->registry,
                            ref->repository, d->digest,
                            m.subject_digest == NULL ? "(none)" : m.subject_digest, image_digest);
    if (m.n_layers != 1)
        return wh_error_set(err, WH_E_INVALID,
                            "%s/%s: referrer %.19s…: %zu layers (a sigstore bundle has one)",
                            ref->registry, ref->repository, d->digest, m.n_layers);
    layer = &m.layers[0];
    if ((size_t)layer->size > limits->blob_bytes)
        return wh_error_set(
            err, WH_E_LIMIT, "%s/%s: referrer %.19s…: layer is %lld bytes (limit %zu)",
            ref->registry, ref->repository, d->digest, (long long)layer->size, limits->blob_bytes);
    rc = wh_registry_blob_get(c, ref, layer->digest, limits->blob_bytes, deadline_ms, a, &out->blob,
                              err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "referrer %.19s…", d->digest);
    out->manifest_digest = m.digest;
    out->artifact_type = m.artifact_type != NULL ? m.artifact_type : m.config.media_type;
    out->layer_media_type = layer->media_type;
    out->layer_digest = layer->digest;
    out->annotations = m.annotations;
    out->n_annotations = m.n_annotations;
    return WH_OK;
}
