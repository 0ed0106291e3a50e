/*
 * Fuzzes the fs-manifest predicate (fsm/attest.c) as the webhook reads it from a verified
 * statement: wh_fsm_attested_parse under a small text cap, then the proof against its own text and
 * a fixed computed text. Errors must be WH_E_INVALID or WH_E_LIMIT with a message; a parsed
 * predicate has a sha256 root and exactly one of an inline text or a blob descriptor whose digest
 * is the root; the proof accepts the inline text against itself only when it hashes to the root.
 */
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "fsm/attest.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char computed[] = "#driftgate-fsm v1 sha256\n. type=dir mode=0755 uid=0 gid=0\n";
    struct wh_fsm_attested att;
    struct wh_arena a;
    struct wh_error err;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_fsm_attested_parse((struct wh_bytes){data, size}, 4096, &a, &att, &err);
    if (rc != WH_OK) {
        WH_ASSERT((rc == WH_E_INVALID || rc == WH_E_LIMIT) && err.msg[0] != '\0');
        wh_arena_fini(&a);
        return 0;
    }
    WH_ASSERT(wh_digest_is_sha256(wh_str_c(att.root)));
    WH_ASSERT((att.manifest.ptr == NULL) != (att.blob_digest == NULL));
    if (att.blob_digest != NULL) {
        WH_ASSERT(strcmp(att.blob_digest, att.root) == 0);
        WH_ASSERT(att.blob_size >= 1 && att.blob_size <= 4096);
    } else {
        bool hashes = wh_digest_matches(att.manifest.ptr, att.manifest.len, wh_str_c(att.root));
        WH_ASSERT((wh_fsm_attested_mismatch(&att, att.manifest, att.manifest, &a) == NULL) ==
                  hashes);
        WH_ASSERT(att.manifest.len <= 4096);
    }
    (void)wh_fsm_attested_mismatch(&att, att.manifest.ptr != NULL ? att.manifest : wh_str_c(""),
                                   wh_str_c(computed), &a);
    wh_arena_fini(&a);
    return 0;
}
