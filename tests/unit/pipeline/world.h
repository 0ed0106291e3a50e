#ifndef WH_TESTS_UNIT_PIPELINE_WORLD_H
#define WH_TESTS_UNIT_PIPELINE_WORLD_H

/* A registry world for the pipeline step tests: a fault registry (tests/support/fault_registry.h)
 * answering from static routes for repository demo/app, a registry client for it, an optional
 * cache, and a review context over them. Header-only, as unit/harness.h. */
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "cache/cache.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "registry/client.h"
#include "support/fault_registry.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"

static struct wh_limits lim = WH_LIMITS_DEFAULT;

/* A fault registry with static routes, a client for it, and a review context over both. */
struct world {
    struct wh_arena a;
    struct fault_registry *f;
    const char *addr;
    struct wh_registry_client *client;
    struct wh_cache *cache;
    struct wh_image_check_ctx ctx;
};

static inline void
world_start(struct world *w, bool with_cache)
{
    struct wh_registry_options o;
    struct wh_error err = {0};
    const char *hosts[1];

    memset(w, 0, sizeof(*w));
    wh_arena_init(&w->a);
    w->f = fault_registry_start(NULL, 0);
    w->addr = wh_arena_strdup(&w->a, fault_registry_addr(w->f));
    hosts[0] = w->addr;
    memset(&o, 0, sizeof(o));
    o.plain_http_hosts = hosts;
    o.n_plain_http_hosts = 1;
    o.limits = lim;
    o.retry.max_attempts = 1;
    WH_ASSERT(wh_registry_client_new(&o, &w->client, &err) == WH_OK);
    w->cache = with_cache ? wh_cache_new(64, 1 << 20) : NULL;
    w->ctx.registry = w->client;
    w->ctx.registry_error = "";
    w->ctx.limits = &lim;
    w->ctx.deadline_ms = wh_clock_mono_ms() + 5000;
    w->ctx.arena = &w->a;
    w->ctx.cache = w->cache;
    w->ctx.tag_ttl_ms = 60000;
    w->ctx.facts_ttl_ms = 60000;
    w->ctx.negative_ttl_ms = 60000;
}

static inline void
world_stop(struct world *w)
{
    wh_registry_client_free(w->client);
    wh_cache_free(w->cache);
    fault_registry_stop(w->f);
    wh_arena_fini(&w->a);
}

static inline const char *
digest_of(struct world *w, const char *body)
{
    char d[WH_DIGEST_STR_LEN];

    wh_digest_sha256_str(body, strlen(body), d);
    return wh_arena_strdup(&w->a, d);
}

/* A manifest body under `tag` (if any) and its digest in repo demo/app; returns the digest. */
static inline const char *
manifest(struct world *w, const char *tag, const char *media_type, const char *body)
{
    const char *d = digest_of(w, body);
    const char *h = wh_arena_sprintf(&w->a, "Content-Type: %s\r\n", media_type);

    if (tag != NULL)
        fault_registry_route(w->f, wh_arena_sprintf(&w->a, "/v2/demo/app/manifests/%s", tag), 200,
                             h, body);
    fault_registry_route(w->f, wh_arena_sprintf(&w->a, "/v2/demo/app/manifests/%s", d), 200, h,
                         body);
    return d;
}

/* An image manifest whose content is `label` (a distinct digest per label). */
static inline const char *
image(struct world *w, const char *tag, const char *label)
{
    return manifest(
        w, tag, OCI_MANIFEST,
        wh_arena_sprintf(&w->a,
                         "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{"
                         "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
                         "\"%s\",\"size\":%zu},\"layers\":[]}",
                         digest_of(w, label), strlen(label)));
}

/* An index entry: `platform` is the JSON of its platform object, or NULL for none. */
static inline const char *
entry(struct world *w, const char *media_type, const char *digest, const char *platform,
      const char *annotations)
{
    return wh_arena_sprintf(
        &w->a, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1%s%s%s%s}", media_type, digest,
        platform != NULL ? ",\"platform\":" : "", platform != NULL ? platform : "",
        annotations != NULL ? ",\"annotations\":" : "", annotations != NULL ? annotations : "");
}

static inline const char *
index_of(struct world *w, const char *tag, const char *entries)
{
    return manifest(w, tag, OCI_INDEX,
                    wh_arena_sprintf(&w->a,
                                     "{\"schemaVersion\":2,\"mediaType\":\"" OCI_INDEX
                                     "\",\"manifests\":[%s]}",
                                     entries));
}

static inline struct wh_image_ref
ref_of(struct world *w, const char *text)
{
    struct wh_image_ref ref;
    struct wh_error err = {0};

    WH_ASSERT(wh_image_ref_parse(wh_str_c(wh_arena_sprintf(&w->a, "%s/demo/app%s", w->addr, text)),
                                 &w->a, &ref, &err) == WH_OK);
    return ref;
}

#endif
