/* Fuzzes the Rekor entry parsers (sigstore bundle tlogEntries[] and cosign's bundle annotation),
 * the checkpoint parser and the canonical-JSON writer: no crash, only the documented codes, and a
 * parsed entry's SET payload is stable canonical JSON. */
#include <string.h>

#include "base/arena.h"
#include "base/str.h"
#include "fuzz.h"
#include "verify/canonical_json.h"
#include "verify/tlog.h"

static void
check_entry(const struct wh_tlog_entry *e, struct wh_arena *a)
{
    struct wh_error err = {0};
    struct wh_bytes p;
    struct wh_buf again;

    WH_ASSERT(e->kind != NULL && e->api_version != NULL);
    WH_ASSERT(e->body.len <= WH_TLOG_BODY_MAX);
    WH_ASSERT(!e->proof.present || e->proof.n_hashes <= WH_TLOG_MAX_HASHES);
    if (wh_verify_tlog_set_payload(e, a, &p, &err) == WH_OK) {
        wh_buf_init(&again, p.len + 1);
        WH_ASSERT(wh_verify_canonical_json(p, &again, &err) == WH_OK); /* idempotent */
        WH_ASSERT(again.len == p.len && memcmp(again.ptr, p.ptr, p.len) == 0);
        wh_buf_fini(&again);
    }
    if (e->proof.present && e->proof.checkpoint.ptr != NULL) {
        struct wh_tlog_checkpoint cp;
        enum wh_err rc = wh_verify_tlog_checkpoint_parse(e->proof.checkpoint, &cp, &err);

        WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_error err;
    struct wh_tlog_entry e;
    struct wh_tlog_checkpoint cp;
    struct wh_buf b;
    struct wh_bytes in = {data, size};
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_verify_tlog_entry_parse_bundle(in, &a, &e, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    if (rc == WH_OK)
        check_entry(&e, &a);
    rc = wh_verify_tlog_entry_parse_cosign(in, &a, &e, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    if (rc == WH_OK)
        check_entry(&e, &a);
    rc = wh_verify_tlog_checkpoint_parse((struct wh_str){(const char *)data, size}, &cp, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    wh_buf_init(&b, 1 << 16);
    rc = wh_verify_canonical_json(in, &b, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    wh_buf_fini(&b);
    wh_arena_fini(&a);
    return 0;
}
