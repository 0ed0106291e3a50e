/* A kubeconfig (kube/kubeconfig.c): never crashes; on success the server is https and exactly
 * one of token and tokenFile is set; errors are invalid, not found or limit, with a message. */
#include <string.h>

#include "base/arena.h"
#include "fuzz/fuzz.h"
#include "kube/kubeconfig.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_kubeconfig kc;
    struct wh_error err;

    wh_arena_init(&a);
    if (wh_kube_kubeconfig_parse((struct wh_bytes){data, size}, "fuzz", NULL, &a, &kc, &err) ==
        WH_OK) {
        WH_ASSERT(strncmp(kc.server, "https://", 8) == 0);
        WH_ASSERT((kc.token == NULL) != (kc.token_file == NULL));
        WH_ASSERT(kc.context != NULL && kc.context[0] != '\0');
    } else {
        WH_ASSERT(err.msg[0] != '\0');
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_NOT_FOUND || err.code == WH_E_LIMIT);
    }
    wh_arena_fini(&a);
    return 0;
}
