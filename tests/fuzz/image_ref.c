/* Image references and globs: render(parse(x)) round-trips; a rejection is WH_E_INVALID; glob
 * matching terminates on any pattern/text split of the input. */
#include "fuzz/fuzz.h"

#include <string.h>

#include "image/ref.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_image_ref ref, again;
    struct wh_error err;
    struct wh_str in = {(const char *)data, size};
    const char *nl = memchr(data, '\n', size);

    wh_arena_init(&a);
    if (wh_image_ref_parse(in, &a, &ref, &err) == WH_OK) {
        struct wh_str text = wh_image_ref_render(&ref, &a);
        WH_ASSERT(wh_image_ref_parse(text, &a, &again, &err) == WH_OK);
        WH_ASSERT(wh_image_ref_equal(&ref, &again));
        WH_ASSERT(wh_str_eq(wh_image_ref_render(&again, &a), text));
        WH_ASSERT(ref.tag != NULL || ref.digest != NULL);
        WH_ASSERT(wh_image_glob_match(wh_str_c(wh_image_ref_name(&ref, &a)),
                                      wh_str_c(wh_image_ref_name(&ref, &a))));
        WH_ASSERT(wh_image_glob_match(WH_STR("**"), text));
    } else {
        WH_ASSERT(err.code == WH_E_INVALID);
        WH_ASSERT(err.msg[0] != '\0');
    }
    if (nl != NULL) {
        /* "pattern\ntext": match must terminate; a literal pattern matches itself. */
        struct wh_str pat = {(const char *)data, (size_t)(nl - (const char *)data)};
        struct wh_str text = {nl + 1, size - pat.len - 1};
        (void)wh_image_glob_match(pat, text);
        if (wh_image_glob_valid(pat, &err) == WH_OK && memchr(pat.ptr, '*', pat.len) == NULL &&
            memchr(pat.ptr, '?', pat.len) == NULL)
            WH_ASSERT(wh_image_glob_match(pat, pat));
    }
    wh_arena_fini(&a);
    return 0;
}
