/* Referrers index parsing and artifactType filtering: never crashes; every kept entry matches. */
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "registry/referrers.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {NULL, "application/vnd.dev.sigstore.bundle.v0.3+json",
                                        "application/spdx+json", ""};
    struct wh_limits limits = WH_LIMITS_DEFAULT;
    struct wh_registry_descriptor *d;
    struct wh_arena a;
    struct wh_error err;
    const char *want = NULL;
    size_t n;

    if (size > 0) { /* first byte picks the artifactType filter */
        want = types[data[0] % 4];
        data++;
        size--;
    }
    limits.manifest_bytes = 64 * 1024;
    limits.json_depth = 16;
    wh_arena_init(&a);
    if (wh_registry_referrers_parse((struct wh_bytes){data, size}, NULL, want, &limits, &a, &d, &n,
                                    &err) == WH_OK) {
        WH_ASSERT(n <= WH_REGISTRY_MAX_DESCRIPTORS);
        for (size_t i = 0; i < n; i++) {
            WH_ASSERT(wh_digest_is_sha256(wh_str_c(d[i].digest)) && d[i].size >= 0);
            if (want != NULL)
                WH_ASSERT(d[i].artifact_type != NULL && strcmp(d[i].artifact_type, want) == 0);
        }
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
    }
    wh_arena_fini(&a);
    return 0;
}
