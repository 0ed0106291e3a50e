#ifndef WH_REGISTRY_MANIFEST_H
#define WH_REGISTRY_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"

#define WH_REGISTRY_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WH_REGISTRY_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WH_REGISTRY_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define WH_REGISTRY_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
/* The Accept header for manifest requests: the four types above. */
#define WH_REGISTRY_MANIFEST_ACCEPT                                                                \
    "Accept: " WH_REGISTRY_MT_OCI_MANIFEST ", " WH_REGISTRY_MT_OCI_INDEX                           \
    ", " WH_REGISTRY_MT_DOCKER_MANIFEST ", " WH_REGISTRY_MT_DOCKER_LIST

/* Caps beyond struct wh_limits: descriptors per manifest, annotations per object. */
#define WH_REGISTRY_MAX_DESCRIPTORS 1024
#define WH_REGISTRY_MAX_ANNOTATIONS 256

struct wh_registry_kv {
    const char *key;
    const char *value;
};

/* An OCI content descriptor (layer, config, or an index's manifest entry). */
struct wh_registry_descriptor {
    const char *media_type;    /* may be NULL only in an index entry that omits it */
    const char *digest;        /* "sha256:<64 hex>", checked */
    int64_t size;              /* >= 0 */
    const char *artifact_type; /* NULL when absent */
    struct wh_registry_kv *annotations;
    size_t n_annotations;
    /* Index entries only; NULL when absent. has_platform: a `platform` object was present. */
    const char *os, *architecture, *variant;
    bool has_platform;
};

/*
 * A parsed image manifest or index. Exactly one of (layers, config) or (manifests) is meaningful:
 * is_index says which. Strings and arrays live in the parse arena; body is borrowed from the
 * caller (the client copies it into the same arena).
 */
struct wh_registry_manifest {
    const char *media_type; /* one of WH_REGISTRY_MT_* */
    const char *digest;     /* sha256 of body, computed */
    struct wh_bytes body;
    bool is_index;
    struct wh_registry_descriptor config; /* manifest only */
    struct wh_registry_descriptor *layers;
    size_t n_layers;
    struct wh_registry_descriptor *manifests; /* index only */
    size_t n_manifests;
    const char *artifact_type;  /* NULL when absent */
    const char *subject_digest; /* OCI 1.1 `subject`, NULL when absent */
    struct wh_registry_kv *annotations;
    size_t n_annotations;
};

/*
 * Parses an OCI/Docker v2 manifest or index. `content_type` is the response's Content-Type (may
 * be NULL); the body's `mediaType` wins when present, and the two must agree when both are.
 * Bounded by limits->manifest_bytes (WH_E_LIMIT), limits->json_depth (WH_E_LIMIT) and the caps
 * above, which are enforced while the document is read: no tree is built, so memory is that of
 * the result. Duplicate keys are refused among the members read (unknown members are validated
 * and skipped). Docker schema 1 and unknown types are WH_E_INVALID. Pure; allocates only from
 * `a`. *out is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_manifest_parse(struct wh_bytes body, const char *content_type,
                                                     const struct wh_limits *limits,
                                                     struct wh_arena *a,
                                                     struct wh_registry_manifest *out,
                                                     struct wh_error *err);

/* The value of annotation `key`, or NULL. */
const char *wh_registry_annotation_get(const struct wh_registry_kv *kv, size_t n, const char *key);

/*
 * The first index entry for os/architecture (variant ignored when NULL), or NULL. Borrowed from
 * `m`.
 */
const struct wh_registry_descriptor *
wh_registry_manifest_platform_find(const struct wh_registry_manifest *m, const char *os,
                                   const char *architecture, const char *variant);

#endif
