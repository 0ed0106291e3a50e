/*
 * Tag → digest and the digest's manifest, each through the cache: one GET of the manifest says
 * both the digest and whether it is a multi-arch index; an index's image entries are walked
 * depth first through nested indexes (bounded), buildkit attestation manifests left out.
 */
#include "pipeline/resolve.h"

#include <string.h>

#include "base/clock.h"
#include "cache/cache.h"
#include "pipeline/failure.h"
#include "pipeline/memo.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/platform.h"

/* Nested indexes: how deep below the image's own index, and how many per image. */
#define MAX_INDEX_DEPTH 3
#define MAX_NESTED_INDEXES 16

/* A tag's resolution: the digest, or why it failed. */
struct tag_result {
    const char *digest;
    const char *error;
    enum wh_err code;
};

static bool
is_index_media_type(const char *mt)
{
    return mt != NULL && (strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 ||
                          strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0);
}

/* Where the walk of an index is: the nested indexes seen (each walked once) and the path. */
struct walk {
    const char *seen[MAX_NESTED_INDEXES];
    size_t n_seen;
    const char *path[MAX_INDEX_DEPTH]; /* nested indexes from the image's index down */
    size_t depth;
};

static enum wh_err collect_entries(const struct wh_image_check_ctx *ctx,
                                   const struct wh_image_ref *ref,
                                   const struct wh_registry_manifest *m, struct walk *w,
                                   struct wh_arena *a, struct wh_pipeline_manifest *out,
                                   struct wh_error *err);

/* Entry `d` of index `m` says it is an index: fetched (once per walk) and walked in its turn. */
static enum wh_err
walk_nested(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
            const struct wh_registry_manifest *m, const struct wh_registry_descriptor *d,
            struct walk *w, struct wh_arena *a, struct wh_pipeline_manifest *out,
            struct wh_error *err)
{
    struct wh_registry_manifest nested;
    enum wh_err rc;
    size_t k;

    for (k = 0; k < w->n_seen; k++)
        if (strcmp(w->seen[k], d->digest) == 0)
            return WH_OK; /* its entries are listed already */
    if (w->depth == MAX_INDEX_DEPTH)
        return wh_error_set(err, WH_E_LIMIT, "index %s nests indexes deeper than %d levels (at %s)",
                            m->digest, MAX_INDEX_DEPTH, d->digest);
    if (w->n_seen == MAX_NESTED_INDEXES)
        return wh_error_set(err, WH_E_LIMIT, "the index lists more than %d nested indexes",
                            MAX_NESTED_INDEXES);
    w->seen[w->n_seen++] = wh_arena_strdup(a, d->digest);
    rc = wh_registry_manifest_get(ctx->registry, ref, d->digest, ctx->deadline_ms, ctx->arena,
                                  &nested, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "nested index %s of %s", d->digest, m->digest);
    if (!nested.is_index)
        return wh_error_set(err, WH_E_INVALID,
                            "index %s lists %s as an index (%s), but it is an image manifest (%s)",
                            m->digest, d->digest, d->media_type, nested.media_type);
    w->path[w->depth++] = w->seen[w->n_seen - 1];
    rc = collect_entries(ctx, ref, &nested, w, a, out, err);
    w->depth--;
    return rc;
}

/* "linux/amd64 (index says Linux/x86_64)": the name, how the index spelled it when that
 * differs, whether any node may pull it, and the nested index it sits in. */
static const char *
entry_label(const char *name, const struct wh_registry_platform *rp, const struct walk *w,
            struct wh_arena *a)
{
    const char *nested = w->depth > 0 ? w->path[w->depth - 1] : NULL;
    const char *where = nested != NULL ? wh_arena_sprintf(a, ", in nested index %s", nested) : "";

    if (rp->written != NULL && !rp->is_known)
        return wh_arena_sprintf(a, "%s (index says %s: unknown, so any node may pull it%s)", name,
                                rp->written, where);
    if (rp->written != NULL)
        return wh_arena_sprintf(a, "%s (index says %s%s)", name, rp->written, where);
    if (!rp->is_known)
        return wh_arena_sprintf(a, "%s (unknown platform: any node may pull it%s)", name, where);
    if (nested != NULL)
        return wh_arena_sprintf(a, "%s (in nested index %s)", name, nested);
    return name;
}

/* Image entry `d` (not an index) into out, unless it is a marked attestation manifest. */
static enum wh_err
add_entry(const struct wh_registry_manifest *m, const struct wh_registry_descriptor *d,
          const struct walk *w, struct wh_arena *a, struct wh_pipeline_manifest *out,
          struct wh_error *err)
{
    struct wh_registry_platform rp;
    struct wh_pipeline_platform *p;
    size_t k;

    wh_registry_platform_of(d, a, &rp);
    if (rp.is_attestation)
        return WH_OK; /* not an image: buildkit's provenance/SBOM manifest */
    if (out->n_platforms == WH_PIPELINE_MAX_PLATFORMS)
        return wh_error_set(err, WH_E_LIMIT, "index %s lists more than %d image manifests",
                            m->digest, WH_PIPELINE_MAX_PLATFORMS);
    p = &out->platforms[out->n_platforms++];
    p->os = rp.os;
    p->arch = rp.arch;
    p->is_known = rp.is_known;
    p->digest = wh_arena_strdup(a, d->digest);
    p->name = wh_registry_platform_name(&rp, a);
    p->label = entry_label(p->name, &rp, w, a);
    p->n_parents = w->depth;
    p->parents = wh_arena_calloc(a, w->depth + 1, sizeof(*p->parents));
    for (k = 0; k < w->depth; k++)
        p->parents[k] = w->path[w->depth - 1 - k];
    return WH_OK;
}

/*
 * Every image entry of index `m`, depth first: nested indexes (entries whose mediaType says
 * index) are fetched and walked, buildkit attestation manifests are left out, and everything else
 * is kept with its normalised platform, whatever it says (registry/platform.h: entries with a
 * missing or unknown platform are runnable anywhere). A runtime would pull an entry whose
 * mediaType lies about being an index as the image it claims to be: it is kept as one.
 */
static enum wh_err
collect_entries(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_registry_manifest *m, struct walk *w, struct wh_arena *a,
                struct wh_pipeline_manifest *out, struct wh_error *err)
{
    enum wh_err rc;

    for (size_t i = 0; i < m->n_manifests; i++) {
        const struct wh_registry_descriptor *d = &m->manifests[i];

        rc = is_index_media_type(d->media_type) ? walk_nested(ctx, ref, m, d, w, a, out, err)
                                                : add_entry(m, d, w, a, out, err);
        if (rc != WH_OK)
            return rc;
    }
    return WH_OK;
}

/* The image entries of index `m` into out (in `a`). */
static enum wh_err
index_platforms(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_registry_manifest *m, struct wh_arena *a,
                struct wh_pipeline_manifest *out, struct wh_error *err)
{
    struct walk w;

    memset(&w, 0, sizeof(w));
    out->platforms = wh_arena_calloc(a, WH_PIPELINE_MAX_PLATFORMS + 1, sizeof(*out->platforms));
    out->is_index = true;
    return collect_entries(ctx, ref, m, &w, a, out, err);
}

/* GET manifest `reference` (tag or digest) into a digest_info in `a`; *digest_out its digest. */
static void
fetch_manifest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
               const char *reference, struct wh_arena *a, struct wh_pipeline_manifest *out,
               const char **digest_out)
{
    struct wh_registry_manifest m;
    struct wh_error err;

    memset(out, 0, sizeof(*out));
    if (wh_registry_manifest_get(ctx->registry, ref, reference, ctx->deadline_ms, ctx->arena, &m,
                                 &err) != WH_OK) {
        wh_pipeline_fail(a, &out->error, &out->code, err.code, "fetching the manifest: %s",
                         err.msg);
        return;
    }
    *digest_out = wh_arena_strdup(a, m.digest);
    if (m.is_index && index_platforms(ctx, ref, &m, a, out, &err) != WH_OK) {
        wh_pipeline_fail(a, &out->error, &out->code, err.code, "%s", err.msg);
    }
}

/* Publishes `info` under the digest's manifest key (the tag's leader learnt it for free). */
static void
remember_manifest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                  const char *digest, const struct wh_pipeline_manifest *info)
{
    struct wh_cache_entry *e;
    struct wh_pipeline_manifest *copy;
    struct wh_arena *a;
    size_t i;

    if (ctx->cache == NULL || info->error != NULL)
        return;
    e = wh_cache_entry_new(wh_pipeline_memo_manifest_key(ctx, ref, digest));
    a = wh_cache_entry_arena(e);
    copy = wh_arena_memdup(a, info, sizeof(*info));
    copy->platforms = wh_arena_calloc(a, info->n_platforms + 1, sizeof(*copy->platforms));
    for (i = 0; i < info->n_platforms; i++) {
        const struct wh_pipeline_platform *from = &info->platforms[i];
        struct wh_pipeline_platform *to = &copy->platforms[i];

        to->name = wh_arena_strdup(a, from->name);
        to->label = wh_arena_strdup(a, from->label);
        to->os = wh_arena_strdup(a, from->os);
        to->arch = wh_arena_strdup(a, from->arch);
        to->is_known = from->is_known;
        to->digest = wh_arena_strdup(a, from->digest);
        to->n_parents = from->n_parents;
        to->parents = wh_arena_calloc(a, from->n_parents + 1, sizeof(*to->parents));
        for (size_t k = 0; k < from->n_parents; k++)
            to->parents[k] = wh_arena_strdup(a, from->parents[k]);
    }
    wh_cache_put(ctx->cache, e, copy, wh_clock_mono_ms() + ctx->facts_ttl_ms);
}

/* Tag → digest (and the manifest's kind), through the tag cache. NULL with *error and *code on
 * failure. */
const char *
wh_pipeline_resolve_digest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                           const char **error, enum wh_err *code,
                           const struct wh_pipeline_manifest **info_out)
{
    struct wh_cache_entry *entry;
    struct wh_cache_flight *flight;
    const struct tag_result *hit;
    struct tag_result *t;
    struct wh_pipeline_manifest info;
    struct wh_arena *keep;
    bool timed_out;
    const char *digest = NULL;

    *info_out = NULL;
    if (ref->digest != NULL)
        return ref->digest;
    hit = wh_pipeline_memo_lookup(ctx, wh_pipeline_memo_tag_key(ctx, ref), &entry, &flight,
                                  &timed_out);
    if (hit == NULL && timed_out) {
        wh_pipeline_fail(ctx->arena, error, code, WH_E_TIMEOUT,
                         "resolving the digest: timed out waiting for a concurrent resolution of "
                         "the tag");
        return NULL;
    }
    if (hit == NULL) {
        keep = entry != NULL ? wh_cache_entry_arena(entry) : ctx->arena;
        t = wh_arena_calloc(keep, 1, sizeof(*t));
        fetch_manifest(ctx, ref, ref->tag, keep, &info, &digest);
        if (info.error != NULL) {
            wh_pipeline_fail(keep, &t->error, &t->code, info.code, "resolving the digest: %s",
                             info.error);
        } else {
            t->digest = digest;
            remember_manifest(ctx, ref, digest, &info);
            /* The GET that resolved the tag also said what the digest is: no second request. */
            *info_out = wh_arena_memdup(ctx->arena, &info, sizeof(info));
        }
        wh_pipeline_memo_publish(ctx, entry, flight, t,
                                 t->error != NULL ? wh_pipeline_memo_failure_ttl(ctx)
                                                  : ctx->tag_ttl_ms);
        hit = t;
    }
    if (hit->error != NULL) {
        *error = wh_arena_strdup(ctx->arena, hit->error);
        *code = hit->code;
        return NULL;
    }
    return wh_arena_strdup(ctx->arena, hit->digest);
}

/* What the manifest of `digest` is (index with platforms, or an image), through the cache. */
const struct wh_pipeline_manifest *
wh_pipeline_resolve_manifest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                             const char *digest)
{
    struct wh_cache_entry *entry;
    struct wh_cache_flight *flight;
    const struct wh_pipeline_manifest *hit;
    struct wh_pipeline_manifest *info;
    struct wh_arena *keep;
    const char *got = NULL;
    bool timed_out;

    hit = wh_pipeline_memo_lookup(ctx, wh_pipeline_memo_manifest_key(ctx, ref, digest), &entry,
                                  &flight, &timed_out);
    if (hit != NULL)
        return hit;
    keep = entry != NULL ? wh_cache_entry_arena(entry) : ctx->arena;
    info = wh_arena_calloc(keep, 1, sizeof(*info));
    if (timed_out) {
        wh_pipeline_fail(keep, &info->error, &info->code, WH_E_TIMEOUT,
                         "timed out waiting for a concurrent fetch of the manifest");
        return info;
    }
    fetch_manifest(ctx, ref, digest, keep, info, &got);
    wh_pipeline_memo_publish(ctx, entry, flight, info,
                             info->error != NULL ? wh_pipeline_memo_failure_ttl(ctx)
                                                 : ctx->facts_ttl_ms);
    return info;
}
