/* WWW-Authenticate challenge parser (and token responses): never crashes; results are sane. */
#include <string.h>

#include "base/arena.h"
#include "fuzz/fuzz.h"
#include "registry/auth.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_registry_challenge c;
    struct wh_registry_credentials cr;
    struct wh_error err;
    const char *token;
    int64_t expires_in;

    wh_arena_init(&a);
    if (wh_registry_auth_challenge_parse((struct wh_str){(const char *)data, size}, &a, &c, &err) ==
        WH_OK) {
        WH_ASSERT(c.scheme == WH_REGISTRY_AUTH_BASIC || c.scheme == WH_REGISTRY_AUTH_BEARER);
        if (c.scheme == WH_REGISTRY_AUTH_BEARER)
            WH_ASSERT(c.realm != NULL && c.realm[0] != '\0');
        WH_ASSERT(c.realm == NULL || strlen(c.realm) <= size);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    }
    /* The same bytes as a token response and as a docker config. */
    if (wh_registry_auth_token_parse((struct wh_bytes){data, size}, &a, &token, &expires_in,
                                     &err) == WH_OK)
        WH_ASSERT(token[0] != '\0' && expires_in >= 60);
    else
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    if (wh_registry_auth_config_find((struct wh_bytes){data, size}, "docker.io", &a, &cr, &err) ==
        WH_OK)
        WH_ASSERT(cr.password == NULL || cr.username != NULL);
    else
        WH_ASSERT(err.code == WH_E_INVALID);
    wh_arena_fini(&a);
    return 0;
}
