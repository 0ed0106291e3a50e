/* cosign simple-signing payloads: the parser never crashes and errors are INVALID/LIMIT; the full
 * check with a fixed key and a signature that signs other bytes never passes. */
#include <string.h>

#include "base/arena.h"
#include "fuzz/fuzz.h"
#include "verify/attestation.h"
#include "verify/cosign_sig.h"
#include "verify/keys.h"

/* shared/vectors/cosign-classic/keys/cosign.pub and the signature of dir-img-cosign-valid. */
static const char pem[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o/glAuYnq2jYUeL0\n"
                          "vRuLu/z39pmbVwS9ff5AYnlwaP9sxREajdLY9ynM6G1sy6AAmb7Z63TsLg==\n"
                          "-----END PUBLIC KEY-----\n";
static const char sig[] = "MEYCIQDmtamqYPjMg81nqeBhptrPls44aA/"
                          "r7PwLmspINJY4MwIhANKRpqe2E9UCBtGFdPoz/8jAbaQm4uP4h+IpwKTE6ClR";
#define DIGEST "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"
/* The exact payload that signature covers (dir-img-cosign-valid/signature-1). */
static const char signed_payload[] =
    "{\"critical\":{\"identity\":{\"docker-reference\":\"192.168.64.2:5000/cosign-signed-single-"
    "sample\"},\"image\":{\"docker-manifest-digest\":\"" DIGEST "\"},\"type\":\"cosign container "
    "image signature\"},\"optional\":null}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wh_arena keys;
    static struct wh_verify_signer signer;
    struct wh_arena a;
    struct wh_error err;
    struct wh_cosign_payload p;
    const char *who = NULL;
    enum wh_err rc;

    if (signer.key == NULL) {
        struct wh_verify_key *k;

        wh_arena_init(&keys);
        WH_ASSERT(wh_verify_key_parse((struct wh_bytes){(const unsigned char *)pem, strlen(pem)},
                                      &keys, &k, &err) == WH_OK);
        signer = (struct wh_verify_signer){"cosign.pub", k};
    }
    wh_arena_init(&a);
    if (wh_verify_cosign_payload_parse((struct wh_bytes){data, size}, &a, &p, &err) == WH_OK)
        WH_ASSERT(p.manifest_digest != NULL && p.docker_reference != NULL && p.type != NULL);
    else
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    rc = wh_verify_signature((struct wh_bytes){data, size}, WH_STR(sig), &signer, 1, DIGEST, &a,
                             &who, &err);
    /* Only the exact signed bytes may verify. */
    if (size == sizeof(signed_payload) - 1 && memcmp(data, signed_payload, size) == 0)
        WH_ASSERT(rc == WH_OK);
    else
        WH_ASSERT(rc == WH_E_VERIFY || rc == WH_E_LIMIT || rc == WH_E_INVALID);
    wh_arena_fini(&a);
    return 0;
}
