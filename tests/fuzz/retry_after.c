/* Retry-After parsing: never crashes; a parsed delay is never negative and digits mean seconds. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "registry/retry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_error err;
    int64_t ms = -1;
    time_t now = 1700000000;

    if (wh_registry_retry_after_parse((struct wh_str){(const char *)data, size}, now, &ms, &err) ==
        WH_OK) {
        WH_ASSERT(ms >= 0);
        WH_ASSERT(ms % 1000 == 0);
        WH_ASSERT(size > 0);
        WH_ASSERT(ms <= (int64_t)9999999999 * 1000); /* ≤ 10 digits of seconds */
    } else {
        WH_ASSERT(err.code == WH_E_INVALID && err.msg[0] != '\0');
    }
    return 0;
}
