#ifndef WH_REGISTRY_COSIGN_REFS_H
#define WH_REGISTRY_COSIGN_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "image/ref.h"
#include "registry/client.h"
#include "registry/manifest.h"

/* cosign's classic signature layout: tags sha256-<hex>.sig / .att next to the image. */

/* One layer of a .sig/.att manifest: its blob (fetched, digest-checked) and cosign annotations. */
struct wh_registry_cosign_layer {
    const char *media_type, *digest;
    struct wh_bytes blob;
    const char *signature;         /* dev.cosignproject.cosign/signature (base64), NULL if absent */
    const char *predicate_type;    /* predicateType (.att), NULL if absent */
    const char *certificate;       /* dev.sigstore.cosign/certificate (PEM), NULL if absent */
    const char *chain;             /* dev.sigstore.cosign/chain (PEM), NULL if absent */
    const char *bundle;            /* dev.sigstore.cosign/bundle (Rekor SET JSON), NULL if absent */
    const char *rfc3161_timestamp; /* dev.sigstore.cosign/rfc3161timestamp, NULL if absent */
    struct wh_registry_kv *annotations; /* all of them */
    size_t n_annotations;
    const char *tag; /* "sha256-<hex>.att" it came from (messages); NULL when built by hand */
    size_t index;    /* its position in that manifest */
};

/*
 * "sha256:<hex>" + "sig"|"att" → "sha256-<hex>.sig" (in `a`). WH_E_INVALID for anything else.
 * cosign: "the signature tag is the image digest with ':' replaced by '-', plus .sig".
 */
WH_MUST_CHECK enum wh_err wh_registry_cosign_tag(const char *digest, const char *suffix,
                                                 struct wh_arena *a, const char **tag_out,
                                                 struct wh_error *err);

/*
 * Pure: the layers of an already-fetched .sig/.att manifest with their annotations; blobs are
 * left empty. More than `max_layers` layers → WH_E_LIMIT; an index instead of a manifest →
 * WH_E_INVALID. *out (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_cosign_layers_from(const struct wh_registry_manifest *m,
                                                         size_t max_layers, struct wh_arena *a,
                                                         struct wh_registry_cosign_layer **out,
                                                         size_t *n_out, struct wh_error *err);

/*
 * The manifest of tag sha256-<hex>.<suffix> (suffix "sig" or "att") of ref's repository, its blobs
 * not fetched (so a caller verifies and frees one layer at a time): WH_E_NOT_FOUND when the tag is
 * absent; more than limits.signatures layers, or a layer declaring more than `max_blob` bytes,
 * WH_E_LIMIT. *out, *n_out (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_cosign_manifest(
    struct wh_registry_client *c, const struct wh_image_ref *ref, const char *digest,
    const char *suffix, size_t max_blob, int64_t deadline_ms, struct wh_arena *a,
    struct wh_registry_cosign_layer **out, size_t *n_out, struct wh_error *err);

/*
 * Fetches layer l's blob into l->blob: at most `max_blob` bytes (WH_E_LIMIT), digest-checked
 * (WH_E_VERIFY), once per review (client.h: the memo), else in `a`.
 */
WH_MUST_CHECK enum wh_err wh_registry_cosign_layer_fetch(struct wh_registry_client *c,
                                                         const struct wh_image_ref *ref,
                                                         struct wh_registry_cosign_layer *l,
                                                         size_t max_blob, int64_t deadline_ms,
                                                         struct wh_arena *a, struct wh_error *err);

/*
 * Both at once: fetches tag sha256-<hex>.<suffix> (suffix "sig" or "att") of ref's repository:
 * WH_E_NOT_FOUND when the tag is absent; else every layer (≤ limits.signatures, WH_E_LIMIT beyond)
 * with its annotations and blob (≤ limits.blob_bytes, fetched and digest-checked). *out, *n_out (in
 * `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_cosign_layers(struct wh_registry_client *c,
                                                    const struct wh_image_ref *ref,
                                                    const char *digest, const char *suffix,
                                                    int64_t deadline_ms, struct wh_arena *a,
                                                    struct wh_registry_cosign_layer **out,
                                                    size_t *n_out, struct wh_error *err);

#endif
