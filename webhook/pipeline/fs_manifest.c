/*
 * attestations.fsManifest: a verified fs-manifest attestation (its DSSE signature by a fsManifest
 * signer and its subject, the image digest, checked like every other statement) proves out only
 * when its attested root equals the manifest computed from the same digest's layers in the
 * registry. The computation is bounded (layer bytes, objects, the review's registry budget and
 * deadline); whatever stops it fails the proof, with the image and what to do in the detail.
 */
#include "pipeline/fs_manifest.h"

#include <string.h>

#include "base/clock.h"
#include "fsm/attest.h"
#include "fsm/layer.h"
#include "fsm/manifest.h"
#include "policy/policy.h"
#include "registry/oci.h"

#define DEFAULT_MAX_BYTES ((size_t)256 << 20)
#define DEFAULT_MAX_ENTRIES ((size_t)200000)

bool
wh_pipeline_fs_manifest_candidate(const struct wh_policy_image *rule,
                                  const struct wh_attestation *att)
{
    return rule->fs_manifest.required && strcmp(att->predicate_type, WH_FSM_PREDICATE_TYPE) == 0 &&
           wh_policy_signer_listed(rule->fs_manifest.signed_by, rule->fs_manifest.n_signed_by,
                                   att->signer);
}

struct computed {
    bool done;
    struct wh_str text; /* valid when why == NULL */
    const char *why;    /* why it could not be computed */
};

/* The layers of `digest` applied in order (fsm/layer.h); WH_E_INVALID for an index. */
static enum wh_err
compute_layers(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
               const char *digest, const struct wh_fsm_limits *lim, size_t max_blob,
               struct wh_str *text, struct wh_error *err)
{
    struct wh_registry_manifest m;
    struct wh_fsm_image *img;
    struct wh_fsm_manifest fm;
    enum wh_err rc;
    size_t i;

    rc =
        wh_registry_manifest_get(ctx->registry, ref, digest, ctx->deadline_ms, ctx->arena, &m, err);
    if (rc != WH_OK)
        return rc;
    if (m.is_index)
        return wh_error_set(err, WH_E_INVALID,
                            "%s is an image index: a filesystem belongs to a platform manifest, "
                            "so attest each platform digest and judge them with the rule's "
                            "platforms: each (or any)",
                            digest);
    img = wh_fsm_image_new(lim);
    for (i = 0; i < m.n_layers && rc == WH_OK; i++) {
        struct wh_bytes blob;
        const char *what =
            wh_arena_sprintf(ctx->arena, "layer %zu (%s)", i + 1, m.layers[i].digest);

        rc = wh_registry_blob_get(ctx->registry, ref, m.layers[i].digest, max_blob,
                                  ctx->deadline_ms, ctx->arena, &blob, err);
        if (rc == WH_OK)
            rc = wh_fsm_image_apply_layer(img, blob, what, err);
        else
            (void)wh_error_wrap(err, "%s", what);
    }
    if (rc == WH_OK) {
        wh_fsm_image_manifest(img, ctx->arena, &fm);
        rc = wh_fsm_manifest_render(&fm, max_blob, ctx->arena, text, err);
    }
    wh_fsm_image_free(img);
    return rc;
}

/* What to do about a computation that stopped, by its code. */
static const char *
advice(enum wh_err code)
{
    switch (code) {
    case WH_E_LIMIT:
        return "raise attestations.fsManifest.maxBytes / maxEntries (and the server's "
               "reviewBytes) for this rule, or slim the image";
    case WH_E_TIMEOUT:
        return "the review's deadline passed: retry (a proved digest is cached), raise the "
               "webhook's timeout, or slim the image";
    case WH_E_UNAVAILABLE:
        return "the registry did not answer: retry when it is reachable";
    default:
        return "the image's layers must be tar or gzip'd tar (docs/fs-manifest.md)";
    }
}

static void
compute_once(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
             const struct wh_policy_image *rule, const char *digest, struct computed *c)
{
    const struct wh_policy_fs_manifest *r = &rule->fs_manifest;
    struct wh_fsm_limits lim;
    struct wh_error err;
    enum wh_err rc;

    if (c->done)
        return;
    c->done = true;
    memset(&lim, 0, sizeof(lim));
    lim.max_bytes = r->max_bytes > 0 ? r->max_bytes : DEFAULT_MAX_BYTES;
    lim.max_entries = r->max_entries > 0 ? r->max_entries : DEFAULT_MAX_ENTRIES;
    lim.deadline_ms = ctx->deadline_ms;
    rc = compute_layers(ctx, ref, digest, &lim, (size_t)lim.max_bytes, &c->text, &err);
    if (rc != WH_OK)
        c->why = wh_arena_sprintf(
            ctx->arena,
            "could not compute the filesystem manifest of %s/%s@%s from its layers "
            "(maxBytes %llu, maxEntries %zu): %s (%s)",
            ref->registry, ref->repository, digest, (unsigned long long)lim.max_bytes,
            lim.max_entries, err.msg, advice(rc));
}

/* The attested manifest text: inline, or the blob named by the descriptor, fetched by digest
 * from the image's repository (the registry client checks its sha256; its size must be the
 * descriptor's). NULL with *why when it cannot be had. */
static const struct wh_str *
attested_text(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
              const struct wh_fsm_attested *att, const char **why)
{
    struct wh_str *text = wh_arena_alloc(ctx->arena, sizeof(*text));
    struct wh_bytes blob;
    struct wh_error err;

    if (att->blob_digest == NULL) {
        *text = att->manifest;
        return text;
    }
    if (wh_registry_blob_get(ctx->registry, ref, att->blob_digest, (size_t)att->blob_size,
                             ctx->deadline_ms, ctx->arena, &blob, &err) != WH_OK) {
        *why = wh_arena_sprintf(ctx->arena, "the manifest blob %s (%llu bytes): %s",
                                att->blob_digest, (unsigned long long)att->blob_size, err.msg);
        return NULL;
    }
    if (blob.len != att->blob_size) {
        *why = wh_arena_sprintf(ctx->arena,
                                "the manifest blob %s is %zu bytes, its descriptor says %llu",
                                att->blob_digest, blob.len, (unsigned long long)att->blob_size);
        return NULL;
    }
    *text = (struct wh_str){(const char *)blob.ptr, blob.len};
    return text;
}

/* One candidate: NULL when it proves, else why. */
static const char *
prove_one(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
          const struct wh_policy_image *rule, const struct wh_attestation *att, const char *digest,
          struct computed *c)
{
    struct wh_fsm_attested pred;
    const struct wh_str *text;
    const char *why = NULL;
    struct wh_error err;

    if (wh_fsm_attested_parse(att->predicate, ctx->limits->blob_bytes, ctx->arena, &pred, &err) !=
        WH_OK)
        return wh_arena_strdup(ctx->arena, err.msg);
    if ((text = attested_text(ctx, ref, &pred, &why)) == NULL)
        return why;
    compute_once(ctx, ref, rule, digest, c);
    if (c->why != NULL)
        return c->why;
    return wh_fsm_attested_mismatch(&pred, *text, c->text, ctx->arena);
}

void
wh_pipeline_fs_manifest_prove(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                              const struct wh_policy_image *rule, struct wh_arena *keep,
                              struct wh_pipeline_facts *out)
{
    struct wh_facts *facts = &out->facts;
    struct computed c;
    const char *why = NULL;
    size_t i, n = 0;

    memset(&c, 0, sizeof(c));
    for (i = 0; i < facts->n_attestations && facts->fs_manifest_root == NULL; i++) {
        struct wh_attestation *att = &facts->attestations[i];
        const char *w;

        if (att->predicate.ptr == NULL || !wh_pipeline_fs_manifest_candidate(rule, att))
            continue;
        n++;
        w = prove_one(ctx, ref, rule, att, facts->digest, &c);
        if (w == NULL) {
            facts->fs_manifest_root = wh_fsm_root_digest(c.text, keep);
            facts->fs_manifest_signer = wh_arena_strdup(keep, att->signer);
        } else if (why == NULL) {
            why = w;
        }
    }
    /* The predicates live in the review arena: never in what is cached. */
    for (i = 0; i < facts->n_attestations; i++)
        facts->attestations[i].predicate = (struct wh_bytes){NULL, 0};
    if (facts->fs_manifest_root == NULL && why != NULL)
        facts->fs_manifest_detail = wh_arena_sprintf(
            keep, "%s%s", n > 1 ? "none of the verified fs-manifest attestations proves: " : "",
            why);
}
