/*
 * verify/keys.c: wh_verify_key_check (what `driftgate diff` does with a policy's signer keys,
 * without OpenSSL) against wh_verify_key_parse (what every command that verifies does). Never a
 * crash; both fail with WH_E_INVALID or WH_E_LIMIT only; every key the parse accepts passes the
 * check with the same type (RSA's size aside) once written as DER (the check reads no BER), so
 * diff never refuses a key serve loads from cosign or openssl; a checked key verifies nothing.
 */
#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "fuzz.h"
#include "verify/keys.h"

/* The parsed key's SPKI as a PEM block, in `a`. */
static struct wh_bytes
canonical_pem(const struct wh_verify_key *key, struct wh_arena *a)
{
    struct wh_bytes der;
    struct wh_error err;
    char *b64, *pem;

    WH_ASSERT(wh_verify_key_spki_der(key, a, &der, &err) == WH_OK);
    b64 = wh_digest_base64_encode(der.ptr, der.len, a);
    pem = wh_arena_sprintf(a, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64);
    return (struct wh_bytes){(const unsigned char *)pem, strlen(pem)};
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_error err;
    struct wh_verify_key *parsed = NULL, *checked = NULL;
    struct wh_bytes pem = {data, size};
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_verify_key_check(pem, &a, &checked, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    if (rc == WH_OK)
        WH_ASSERT(wh_verify_key_signature(checked, pem,
                                          (struct wh_bytes){(const unsigned char *)"\x30\x00", 2},
                                          &err) == WH_E_INTERNAL);
    rc = wh_verify_key_parse(pem, &a, &parsed, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    if (rc == WH_OK) {
        const char *type = wh_verify_key_type(parsed);

        WH_ASSERT(wh_verify_key_check(canonical_pem(parsed, &a), &a, &checked, &err) == WH_OK);
        WH_ASSERT(strncmp(type, "rsa-", 4) == 0 ? strcmp(wh_verify_key_type(checked), "rsa") == 0
                                                : strcmp(wh_verify_key_type(checked), type) == 0);
    }
    wh_arena_fini(&a);
    return 0;
}
