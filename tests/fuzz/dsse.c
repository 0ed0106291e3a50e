/* DSSE envelope parser + PAE verification: never crashes, errors are INVALID/LIMIT, a parsed
 * envelope respects the limits, and no random envelope verifies with a fixed key. */
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "verify/dsse.h"
#include "verify/keys.h"

/* shared/vectors/cosign-classic/keys/cosign.pub: signs no envelope in the seed corpus. */
static const char pem[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o/glAuYnq2jYUeL0\n"
                          "vRuLu/z39pmbVwS9ff5AYnlwaP9sxREajdLY9ynM6G1sy6AAmb7Z63TsLg==\n"
                          "-----END PUBLIC KEY-----\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wh_arena keys;
    static const struct wh_verify_key *key;
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_error err;
    struct wh_dsse_envelope env;

    if (key == NULL) {
        struct wh_verify_key *k;

        wh_arena_init(&keys);
        WH_ASSERT(wh_verify_key_parse((struct wh_bytes){(const unsigned char *)pem, strlen(pem)},
                                      &keys, &k, &err) == WH_OK);
        key = k;
    }
    lim.blob_bytes = 1u << 16;
    lim.signatures = 4;
    wh_arena_init(&a);
    if (wh_verify_dsse_parse((struct wh_bytes){data, size}, &lim, &a, &env, &err) == WH_OK) {
        WH_ASSERT(env.payload_type != NULL);
        WH_ASSERT(env.n_signatures >= 1 && env.n_signatures <= lim.signatures);
        for (size_t i = 0; i < env.n_signatures; i++)
            WH_ASSERT(env.signatures[i].sig.len > 0 && env.signatures[i].keyid != NULL);
        WH_ASSERT(wh_verify_dsse(&env, &key, 1, NULL, &err) == WH_E_VERIFY);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    }
    wh_arena_fini(&a);
    return 0;
}
