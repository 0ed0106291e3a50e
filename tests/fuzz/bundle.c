/* Sigstore bundle parser: never crashes, errors are INVALID/LIMIT, and a parsed bundle obeys the
 * shape rules its header promises (one material, one content, per-version tlog requirements). */
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "verify/bundle.h"

static void
check_entry(const struct wh_bundle *b, const struct wh_bundle_tlog_entry *e)
{
    WH_ASSERT(e->kind != NULL && e->kind_version != NULL && e->body.len > 0);
    WH_ASSERT(e->log_index >= 0 && e->integrated_time >= 0 && e->tree_size >= 0);
    WH_ASSERT(e->n_hashes <= WH_BUNDLE_MAX_HASHES);
    if (b->version == WH_BUNDLE_V0_1)
        WH_ASSERT(e->set.len > 0);
    else
        WH_ASSERT(e->has_inclusion_proof);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_error err;
    struct wh_bundle b;

    lim.blob_bytes = 1u << 18;
    lim.signatures = 4;
    wh_arena_init(&a);
    if (wh_verify_bundle_parse((struct wh_bytes){data, size}, &lim, &a, &b, &err) == WH_OK) {
        WH_ASSERT(b.version >= WH_BUNDLE_V0_1 && b.version <= WH_BUNDLE_V0_3);
        if (b.material == WH_BUNDLE_PUBLIC_KEY)
            WH_ASSERT(b.n_certs == 0 && b.key_hint != NULL);
        else
            WH_ASSERT(b.n_certs >= 1 && b.n_certs <= WH_BUNDLE_MAX_CERTS && b.certs[0].len > 0);
        if (b.material == WH_BUNDLE_CERTIFICATE)
            WH_ASSERT(b.n_certs == 1);
        if (b.material == WH_BUNDLE_CERT_CHAIN)
            WH_ASSERT(b.version < WH_BUNDLE_V0_3);
        WH_ASSERT(b.n_tlog <= WH_BUNDLE_MAX_ENTRIES && b.n_timestamps <= WH_BUNDLE_MAX_ENTRIES);
        for (size_t i = 0; i < b.n_tlog; i++)
            check_entry(&b, &b.tlog[i]);
        if (b.content == WH_BUNDLE_DSSE)
            WH_ASSERT(b.dsse.n_signatures == 1 && b.dsse.signatures[0].sig.len > 0);
        else
            WH_ASSERT(b.content == WH_BUNDLE_MESSAGE_SIGNATURE && b.signature.len > 0 &&
                      (b.message_digest.len == 0 || b.message_digest.len == 32));
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    }
    wh_arena_fini(&a);
    return 0;
}
