#include <string.h>

#include "base/arena.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/cosign_sig.h"

#define DIGEST "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"
#define OTHER "sha256:d9dcafdb480aa7c475e91737b96925e45844213dcb0290b4a90017459121f71f"

static void
test_signed_payload_verifies_and_parses(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_cosign_payload p;
    EVP_PKEY *signer;
    const struct wh_verify_key *keys[2];
    struct wh_bytes payload;
    int which = -1;
    enum wh_err rc;

    wh_arena_init(&a);
    signer = testsign_key_new("ec-p256", &a);
    keys[0] = testsign_verify_key(testsign_key_new("rsa-2048", &a), &a);
    keys[1] = testsign_verify_key(signer, &a);
    payload = testsign_lit(testsign_simple_signing("127.0.0.1:5000/demo/app", DIGEST, &a));
    rc = wh_verify_cosign_sig(payload, testsign_sign(signer, NULL, payload, &a), keys, 2, DIGEST,
                              &a, &which, &p, &err);
    ok(rc == WH_OK && which == 1, "verifies with the second key: %s", rc == WH_OK ? "" : err.msg);
    ok(rc == WH_OK && strcmp(p.docker_reference, "127.0.0.1:5000/demo/app") == 0 &&
           strcmp(p.manifest_digest, DIGEST) == 0,
       "payload fields returned");
    wh_arena_fini(&a);
}

static void
test_wrong_key_tamper_and_replay_fail(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    EVP_PKEY *signer;
    const struct wh_verify_key *keys[2];
    struct wh_bytes payload, sig, tampered;

    wh_arena_init(&a);
    signer = testsign_key_new("ec-p256", &a);
    keys[0] = testsign_verify_key(signer, &a);
    keys[1] = testsign_verify_key(testsign_key_new("ec-p256", &a), &a);
    payload = testsign_lit(testsign_simple_signing("r/x", DIGEST, &a));
    sig = testsign_sign(signer, NULL, payload, &a);
    ok(wh_verify_cosign_sig(payload, sig, keys + 1, 1, DIGEST, &a, NULL, NULL, &err) ==
               WH_E_VERIFY &&
           strstr(err.msg, "cosign signature: signature does not match") != NULL,
       "wrong key is WH_E_VERIFY: %s", err.msg);
    tampered = testsign_lit(testsign_simple_signing("r/y", DIGEST, &a));
    ok(wh_verify_cosign_sig(tampered, sig, keys, 2, DIGEST, &a, NULL, NULL, &err) == WH_E_VERIFY &&
           strstr(err.msg, "none of the keys (ecdsa-p256, ecdsa-p256)") != NULL,
       "tampered payload is WH_E_VERIFY: %s", err.msg);
    ok(wh_verify_cosign_sig(payload, sig, keys, 2, OTHER, &a, NULL, NULL, &err) == WH_E_VERIFY &&
           strstr(err.msg, "signature is for " DIGEST ", not for the image digest " OTHER) != NULL,
       "signature for another image is WH_E_VERIFY: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_foreign_type_rejected_after_signature(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    EVP_PKEY *signer;
    const struct wh_verify_key *keys[1];
    struct wh_bytes payload;

    wh_arena_init(&a);
    signer = testsign_key_new("ed25519", &a);
    keys[0] = testsign_verify_key(signer, &a);
    payload =
        testsign_lit("{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-"
                     "manifest-digest\":\"" DIGEST "\"},\"type\":\"atomic container signature\"},"
                     "\"optional\":{}}");
    ok(wh_verify_cosign_sig(payload, testsign_sign(signer, NULL, payload, &a), keys, 1, DIGEST, &a,
                            NULL, NULL, &err) == WH_E_VERIFY &&
           strstr(err.msg, "payload type \"atomic container signature\" is not") != NULL,
       "non-cosign type is WH_E_VERIFY: %s", err.msg);
    payload = testsign_lit("{\"critical\":{\"image\":{}}}");
    ok(wh_verify_cosign_sig(payload, testsign_sign(signer, NULL, payload, &a), keys, 1, DIGEST, &a,
                            NULL, NULL, &err) == WH_E_INVALID &&
           strstr(err.msg, "critical.image.docker-manifest-digest is missing") != NULL,
       "signed but malformed payload is WH_E_INVALID: %s", err.msg);
    wh_arena_fini(&a);
}

static void
check_parse(const char *json, enum wh_err code, const char *substr)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_cosign_payload p;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_verify_cosign_payload_parse(testsign_lit(json), &a, &p, &err);
    ok(rc == code && strstr(err.msg, substr) != NULL, "%s → %s: %s", substr, wh_error_name(rc),
       err.msg);
    wh_arena_fini(&a);
}

static void
test_payload_parse_errors(void)
{
    check_parse("{}", WH_E_INVALID, "no \"critical\" object");
    check_parse("{\"critical\":{\"image\":{\"docker-manifest-digest\":1}}}", WH_E_INVALID,
                "docker-manifest-digest is not a string");
    check_parse("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"x\"}}}", WH_E_INVALID,
                "critical.type is missing");
    check_parse("{\"critical\":{\"identity\":{\"docker-reference\":[]},\"image\":{\"docker-"
                "manifest-digest\":\"x\"},\"type\":\"t\"}}",
                WH_E_INVALID, "docker-reference is not a string");
    check_parse("{\"critical\":", WH_E_INVALID, "payload JSON 1:");
}

static void
test_oversized_payload_is_limit(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    static unsigned char big[WH_COSIGN_PAYLOAD_MAX + 1];

    wh_arena_init(&a);
    ok(wh_verify_cosign_sig((struct wh_bytes){big, sizeof(big)}, testsign_lit("x"), NULL, 0, DIGEST,
                            &a, NULL, NULL, &err) == WH_E_LIMIT &&
           strstr(err.msg, "exceeds") != NULL,
       "oversized payload is WH_E_LIMIT: %s", err.msg);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_signed_payload_verifies_and_parses();
    test_wrong_key_tamper_and_replay_fail();
    test_foreign_type_rejected_after_signature();
    test_payload_parse_errors();
    test_oversized_payload_is_limit();
    return done_testing();
}
