/*
 * cosign classic signature storage: the .sig and .att tags derived from an image digest, and the
 * layers (blob + annotations) of the manifests found there. Verification is verify/'s job.
 */
#include "registry/cosign_refs.h"

#include <string.h>

#include "base/digest.h"

enum wh_err
wh_registry_cosign_tag(const char *digest, const char *suffix, struct wh_arena *a,
                       const char **tag_out, struct wh_error *err)
{
    if (digest == NULL || !wh_digest_is_sha256(wh_str_c(digest)))
        return wh_error_set(err, WH_E_INVALID, "cosign tag: \"%.80s\" is not a sha256 digest",
                            digest == NULL ? "" : digest);
    if (suffix == NULL || (strcmp(suffix, "sig") != 0 && strcmp(suffix, "att") != 0))
        return wh_error_set(err, WH_E_INVALID, "cosign tag: suffix \"%.16s\" is not sig or att",
                            suffix == NULL ? "" : suffix);
    /* cosign: sha256:<hex> → sha256-<hex>.sig */
    *tag_out = wh_arena_sprintf(a, "sha256-%s.%s", digest + strlen("sha256:"), suffix);
    return WH_OK;
}

enum wh_err
wh_registry_cosign_layers_from(const struct wh_registry_manifest *m, size_t max_layers,
                               struct wh_arena *a, struct wh_registry_cosign_layer **out,
                               size_t *n_out, struct wh_error *err)
{
    struct wh_registry_cosign_layer *layers;

    if (m->is_index)
        return wh_error_set(err, WH_E_INVALID, "cosign manifest is an index (%s), not a manifest",
                            m->media_type);
    if (m->n_layers > max_layers)
        return wh_error_set(err, WH_E_LIMIT, "cosign manifest has %zu layers (limit %zu)",
                            m->n_layers, max_layers);
    layers = wh_arena_calloc(a, m->n_layers + 1, sizeof(*layers));
    for (size_t i = 0; i < m->n_layers; i++) {
        const struct wh_registry_descriptor *d = &m->layers[i];
        struct wh_registry_cosign_layer *l = &layers[i];

        l->media_type = d->media_type;
        l->digest = d->digest;
        l->annotations = d->annotations;
        l->n_annotations = d->n_annotations;
        l->signature = wh_registry_annotation_get(d->annotations, d->n_annotations,
                                                  "dev.cosignproject.cosign/signature");
        l->predicate_type =
            wh_registry_annotation_get(d->annotations, d->n_annotations, "predicateType");
        l->certificate = wh_registry_annotation_get(d->annotations, d->n_annotations,
                                                    "dev.sigstore.cosign/certificate");
        l->chain = wh_registry_annotation_get(d->annotations, d->n_annotations,
                                              "dev.sigstore.cosign/chain");
        l->bundle = wh_registry_annotation_get(d->annotations, d->n_annotations,
                                               "dev.sigstore.cosign/bundle");
        l->rfc3161_timestamp = wh_registry_annotation_get(d->annotations, d->n_annotations,
                                                          "dev.sigstore.cosign/rfc3161timestamp");
    }
    *out = layers;
    *n_out = m->n_layers;
    return WH_OK;
}

enum wh_err
wh_registry_cosign_manifest(struct wh_registry_client *c, const struct wh_image_ref *ref,
                            const char *digest, const char *suffix, size_t max_blob,
                            int64_t deadline_ms, struct wh_arena *a,
                            struct wh_registry_cosign_layer **out, size_t *n_out,
                            struct wh_error *err)
{
    const struct wh_limits *limits = wh_registry_client_limits(c);
    struct wh_registry_manifest m;
    struct wh_registry_cosign_layer *layers = NULL;
    const char *tag = NULL;
    size_t n = 0;
    enum wh_err rc;

    if ((rc = wh_registry_cosign_tag(digest, suffix, a, &tag, err)) != WH_OK)
        return rc;
    if ((rc = wh_registry_manifest_get(c, ref, tag, deadline_ms, a, &m, err)) != WH_OK)
        return rc;
    rc = wh_registry_cosign_layers_from(&m, limits->signatures, a, &layers, &n, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s/%s:%s", ref->registry, ref->repository, tag);
    for (size_t i = 0; i < n; i++) {
        /* The declared size is refused up front; a size that lies is cut off at the fetch. */
        if ((uint64_t)m.layers[i].size > max_blob)
            return wh_error_set(err, WH_E_LIMIT, "%s/%s:%s: layer %zu is %lld bytes (limit %zu)",
                                ref->registry, ref->repository, tag, i, (long long)m.layers[i].size,
                                max_blob);
        layers[i].tag = tag;
        layers[i].index = i;
    }
    *out = layers;
    *n_out = n;
    return WH_OK;
}

enum wh_err
wh_registry_cosign_layer_fetch(struct wh_registry_client *c, const struct wh_image_ref *ref,
                               struct wh_registry_cosign_layer *l, size_t max_blob,
                               int64_t deadline_ms, struct wh_arena *a, struct wh_error *err)
{
    enum wh_err rc =
        wh_registry_blob_get(c, ref, l->digest, max_blob, deadline_ms, a, &l->blob, err);

    if (rc != WH_OK)
        return wh_error_wrap(err, "%s layer %zu", l->tag != NULL ? l->tag : "cosign", l->index);
    return WH_OK;
}

enum wh_err
wh_registry_cosign_layers(struct wh_registry_client *c, const struct wh_image_ref *ref,
                          const char *digest, const char *suffix, int64_t deadline_ms,
                          struct wh_arena *a, struct wh_registry_cosign_layer **out, size_t *n_out,
                          struct wh_error *err)
{
    const struct wh_limits *limits = wh_registry_client_limits(c);
    struct wh_registry_cosign_layer *layers = NULL;
    size_t n = 0;
    enum wh_err rc;

    rc = wh_registry_cosign_manifest(c, ref, digest, suffix, limits->blob_bytes, deadline_ms, a,
                                     &layers, &n, err);
    if (rc != WH_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = wh_registry_cosign_layer_fetch(c, ref, &layers[i], limits->blob_bytes,
                                                 deadline_ms, a, err)) != WH_OK)
            return rc;
    *out = layers;
    *n_out = n;
    return WH_OK;
}
