/*
 * Fuzzes the untrusted side of `driftgate fsm image`: a layer blob (tar, or gzip'ed tar) applied
 * on top of a first fixed layer, under small limits, then the manifest is rendered and must parse
 * back to the same text (render(parse(x)) round-trips), and the manifest parser alone on the
 * raw bytes. Errors must be WH_E_INVALID or WH_E_LIMIT with a message.
 */
#include <string.h>

#include "base/arena.h"
#include "fsm/layer.h"
#include "fsm/manifest.h"
#include "fuzz.h"

static void
check_roundtrip(const struct wh_fsm_image *img)
{
    struct wh_arena a;
    struct wh_fsm_manifest m, again;
    struct wh_str text, text2;
    struct wh_error err;

    wh_arena_init(&a);
    wh_fsm_image_manifest(img, &a, &m);
    WH_ASSERT(wh_fsm_manifest_render(&m, (size_t)64 << 20, &a, &text, &err) == WH_OK);
    WH_ASSERT(wh_fsm_manifest_parse(text, 100000, &a, &again, &err) == WH_OK);
    WH_ASSERT(again.n_entries == m.n_entries);
    WH_ASSERT(wh_fsm_manifest_render(&again, (size_t)64 << 20, &a, &text2, &err) == WH_OK);
    WH_ASSERT(text.len == text2.len && memcmp(text.ptr, text2.ptr, text.len) == 0);
    wh_arena_fini(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_fsm_limits lim = {.max_entries = 4096, .max_bytes = 8u << 20, .max_depth = 64};
    struct wh_fsm_image *img = wh_fsm_image_new(&lim);
    struct wh_fsm_manifest m;
    struct wh_arena a;
    struct wh_error err;
    enum wh_err rc;

    rc = wh_fsm_image_apply_layer(img, (struct wh_bytes){data, size}, "fuzz layer", &err);
    if (rc == WH_OK)
        check_roundtrip(img);
    else
        WH_ASSERT((rc == WH_E_INVALID || rc == WH_E_LIMIT) && err.msg[0] != '\0');
    wh_fsm_image_free(img);

    wh_arena_init(&a);
    rc = wh_fsm_manifest_parse((struct wh_str){(const char *)data, size}, 4096, &a, &m, &err);
    if (rc == WH_OK) {
        struct wh_str text;
        WH_ASSERT(wh_fsm_manifest_render(&m, (size_t)64 << 20, &a, &text, &err) == WH_OK);
        /* parse succeeds only on canonical text: it renders back byte for byte */
        WH_ASSERT(text.len == size && memcmp(text.ptr, data, size) == 0);
    } else {
        WH_ASSERT(rc == WH_E_INVALID || rc == WH_E_LIMIT);
    }
    wh_arena_fini(&a);
    return 0;
}
