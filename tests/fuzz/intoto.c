/* in-toto Statement parser: never crashes, errors are INVALID/LIMIT, the kept predicate is
 * compact JSON within the limit that re-parses, every kept sha256/sha512 subject digest is
 * well-formed and matches itself, and subject matching answers OK or VERIFY. */
#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "verify/intoto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_error err;
    struct wh_intoto_statement st;

    lim.blob_bytes = 1u << 16;
    lim.sbom_bytes = 1u << 15;
    lim.json_depth = 16;
    wh_arena_init(&a);
    if (wh_verify_intoto_parse((struct wh_bytes){data, size}, &lim, &a, &st, &err) == WH_OK) {
        json_t *again;
        enum wh_err rc;

        WH_ASSERT(st.type != NULL && st.predicate_type != NULL && st.n_subjects >= 1);
        WH_ASSERT(st.predicate.len <= lim.sbom_bytes);
        again = json_loadb((const char *)st.predicate.ptr, st.predicate.len, JSON_DECODE_ANY, NULL);
        WH_ASSERT(again != NULL);
        json_decref(again);
        for (size_t i = 0; i < st.n_subjects; i++) {
            WH_ASSERT(st.subjects[i].name != NULL);
            if (st.subjects[i].sha256 != NULL) {
                WH_ASSERT(wh_digest_is_sha256(wh_str_c(st.subjects[i].sha256)));
                WH_ASSERT(wh_verify_intoto_subject(&st, st.subjects[i].sha256, &err) == WH_OK);
            }
            if (st.subjects[i].sha512 != NULL) { /* "sha512:" + 128 lowercase hex */
                WH_ASSERT(strlen(st.subjects[i].sha512) == 7 + 128 &&
                          strncmp(st.subjects[i].sha512, "sha512:", 7) == 0 &&
                          strspn(st.subjects[i].sha512 + 7, "0123456789abcdef") == 128);
                WH_ASSERT(wh_verify_intoto_subject(&st, st.subjects[i].sha512, &err) == WH_OK);
            }
        }
        rc = wh_verify_intoto_subject(
            &st, "sha256:0000000000000000000000000000000000000000000000000000000000000000", &err);
        WH_ASSERT(rc == WH_OK || rc == WH_E_VERIFY);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    }
    wh_arena_fini(&a);
    return 0;
}
