/* v1 Secret → docker config: never crashes; a result is a JSON object document; errors are
 * invalid or limit and never quote the secret's decoded bytes. */
#include <string.h>

#include "base/arena.h"
#include "fuzz/fuzz.h"
#include "kube/kube.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_bytes out;
    struct wh_error err;

    wh_arena_init(&a);
    if (wh_kube_secret_parse((struct wh_bytes){data, size}, 64, &a, &out, &err) == WH_OK) {
        WH_ASSERT(out.ptr != NULL && out.len >= 2);
        WH_ASSERT(out.ptr[0] == '{' || out.ptr[0] == ' ' || out.ptr[0] == '\t' ||
                  out.ptr[0] == '\n' || out.ptr[0] == '\r');
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
    }
    wh_arena_fini(&a);
    return 0;
}
