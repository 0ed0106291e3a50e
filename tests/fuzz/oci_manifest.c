/* OCI/Docker manifest and index parser: never crashes; on success every descriptor is sane. */
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "registry/manifest.h"

static void
check_descriptor(const struct wh_registry_descriptor *d)
{
    WH_ASSERT(d->digest != NULL && wh_digest_is_sha256(wh_str_c(d->digest)));
    WH_ASSERT(d->size >= 0);
    WH_ASSERT(d->n_annotations <= WH_REGISTRY_MAX_ANNOTATIONS);
    for (size_t i = 0; i < d->n_annotations; i++)
        WH_ASSERT(d->annotations[i].key != NULL && d->annotations[i].value != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits limits = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_registry_manifest m;
    struct wh_error err;
    const char *content_type = NULL;

    /* First byte picks the Content-Type the "registry" sent. */
    if (size > 0) {
        static const char *const types[] = {NULL, WH_REGISTRY_MT_OCI_MANIFEST,
                                            WH_REGISTRY_MT_OCI_INDEX, "application/json"};
        content_type = types[data[0] % 4];
        data++;
        size--;
    }
    limits.manifest_bytes = 64 * 1024;
    limits.json_depth = 16;
    wh_arena_init(&a);
    if (wh_registry_manifest_parse((struct wh_bytes){data, size}, content_type, &limits, &a, &m,
                                   &err) == WH_OK) {
        WH_ASSERT(m.media_type != NULL && m.digest != NULL);
        WH_ASSERT(wh_digest_matches(data, size, wh_str_c(m.digest)));
        WH_ASSERT(m.n_layers <= WH_REGISTRY_MAX_DESCRIPTORS);
        WH_ASSERT(m.n_manifests <= WH_REGISTRY_MAX_DESCRIPTORS);
        WH_ASSERT(m.is_index ? m.n_layers == 0 : m.n_manifests == 0);
        if (!m.is_index)
            check_descriptor(&m.config);
        for (size_t i = 0; i < m.n_layers; i++)
            check_descriptor(&m.layers[i]);
        for (size_t i = 0; i < m.n_manifests; i++)
            check_descriptor(&m.manifests[i]);
        (void)wh_registry_manifest_platform_find(&m, "linux", "amd64", NULL);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
    }
    wh_arena_fini(&a);
    return 0;
}
