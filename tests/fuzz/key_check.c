/*
 * verify/keys.c: wh_verify_key_check (what `driftgate diff` does with a policy's signer keys)
 * against wh_verify_key_parse (what every command that verifies does) on the same PEM. Never a
 * crash; both fail with WH_E_INVALID or WH_E_LIMIT only; the check is never stricter than the
 * parse (a key serve loads, diff loads) and names the same type, RSA's size aside; a checked key
 * verifies nothing.
 */
#include <string.h>

#include "fuzz.h"
#include "verify/keys.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_error err;
    struct wh_verify_key *parsed = NULL, *checked = NULL;
    struct wh_bytes pem = {data, size};
    enum wh_err parse_rc, check_rc;

    wh_arena_init(&a);
    parse_rc = wh_verify_key_parse(pem, &a, &parsed, &err);
    WH_ASSERT(parse_rc == WH_OK || parse_rc == WH_E_INVALID || parse_rc == WH_E_LIMIT);
    check_rc = wh_verify_key_check(pem, &a, &checked, &err);
    WH_ASSERT(check_rc == WH_OK || check_rc == WH_E_INVALID || check_rc == WH_E_LIMIT);
    if (parse_rc == WH_OK) {
        const char *type = wh_verify_key_type(parsed);

        WH_ASSERT(check_rc == WH_OK);
        WH_ASSERT(strncmp(type, "rsa-", 4) == 0 ? strcmp(wh_verify_key_type(checked), "rsa") == 0
                                                : strcmp(wh_verify_key_type(checked), type) == 0);
    }
    if (check_rc == WH_OK)
        WH_ASSERT(wh_verify_key_signature(checked, pem, pem, &err) == WH_E_INTERNAL || size == 0);
    wh_arena_fini(&a);
    return 0;
}
