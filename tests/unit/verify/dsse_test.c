#include "verify/dsse.c"

#include "base/digest.h"
#include "support/testsign.h"
#include "unit/harness.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static void
test_pae_matches_spec_example(void)
{
    struct wh_dsse_envelope env = {.payload_type = "http://example.com/HelloWorld",
                                   .payload = testsign_lit("hello world")};
    size_t n;
    unsigned char *pae = build_pae(&env, &n);
    const char *want = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";

    /* DSSE protocol.md test vector. */
    ok(n == strlen(want) && memcmp(pae, want, n) == 0, "PAE equals the DSSE spec example");
    free(pae);
}

static void
test_signed_envelope_verifies_with_its_key(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_dsse_envelope env;
    EVP_PKEY *signer;
    const struct wh_verify_key *keys[2];
    int which = -1;
    char *json;

    wh_arena_init(&a);
    signer = testsign_key_new("ec-p256", &a);
    keys[0] = testsign_verify_key(testsign_key_new("ed25519", &a), &a);
    keys[1] = testsign_verify_key(signer, &a);
    json = testsign_dsse_envelope(signer, "application/vnd.in-toto+json", testsign_lit("{\"a\":1}"),
                                  &a);
    ok(wh_verify_dsse_parse(testsign_lit(json), &lim, &a, &env, &err) == WH_OK,
       "envelope parses: %s", err.msg);
    ok(strcmp(env.payload_type, "application/vnd.in-toto+json") == 0 && env.payload.len == 7 &&
           memcmp(env.payload.ptr, "{\"a\":1}", 7) == 0 && env.n_signatures == 1,
       "fields decoded");
    ok(wh_verify_dsse(&env, keys, 2, &which, &err) == WH_OK && which == 1,
       "verifies with the second key (which_key 1)");
    ok(wh_verify_dsse(&env, keys, 1, &which, &err) == WH_E_VERIFY &&
           strstr(err.msg, "no signature on the envelope verifies with ed25519") != NULL,
       "wrong key is WH_E_VERIFY: %s", err.msg);
    ok(wh_verify_dsse(&env, keys, 0, &which, &err) == WH_E_VERIFY &&
           strstr(err.msg, "no keys") != NULL,
       "no keys is WH_E_VERIFY: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_tampered_payload_and_type_fail(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_dsse_envelope env;
    EVP_PKEY *signer;
    const struct wh_verify_key *keys[1];
    char *json;

    wh_arena_init(&a);
    signer = testsign_key_new("ec-p256", &a);
    keys[0] = testsign_verify_key(signer, &a);
    json = testsign_dsse_envelope(signer, "application/vnd.in-toto+json", testsign_lit("{\"a\":1}"),
                                  &a);
    WH_ASSERT(wh_verify_dsse_parse(testsign_lit(json), &lim, &a, &env, &err) == WH_OK);
    env.payload = testsign_lit("{\"a\":2}");
    ok(wh_verify_dsse(&env, keys, 1, NULL, &err) == WH_E_VERIFY,
       "tampered payload is WH_E_VERIFY: %s", err.msg);
    env.payload = testsign_lit("{\"a\":1}");
    env.payload_type = "text/plain";
    ok(wh_verify_dsse(&env, keys, 1, NULL, &err) == WH_E_VERIFY,
       "changed payloadType breaks the PAE signature: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_any_of_several_signatures_is_enough(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_dsse_envelope env;
    EVP_PKEY *signer = NULL, *stranger;
    const struct wh_verify_key *keys[1];
    struct wh_bytes payload = testsign_lit("payload"), good, bad;
    char *json;

    wh_arena_init(&a);
    signer = testsign_key_new("ec-p256", &a);
    stranger = testsign_key_new("ec-p256", &a);
    keys[0] = testsign_verify_key(signer, &a);
    good = testsign_sign(signer, NULL, testsign_pae("t", payload, &a), &a);
    bad = testsign_sign(stranger, NULL, testsign_pae("t", payload, &a), &a);
    json = wh_arena_sprintf(
        &a,
        "{\"payloadType\":\"t\",\"payload\":\"%s\",\"signatures\":[{\"sig\":\"%s\"},{\"keyid\":"
        "\"k\",\"sig\":\"%s\"}]}",
        wh_digest_base64_encode(payload.ptr, payload.len, &a),
        wh_digest_base64_encode(bad.ptr, bad.len, &a),
        wh_digest_base64_encode(good.ptr, good.len, &a));
    ok(wh_verify_dsse_parse(testsign_lit(json), &lim, &a, &env, &err) == WH_OK &&
           env.n_signatures == 2,
       "two-signature envelope parses");
    ok(strcmp(env.signatures[0].keyid, "") == 0 && strcmp(env.signatures[1].keyid, "k") == 0,
       "keyid kept, empty when absent");
    ok(wh_verify_dsse(&env, keys, 1, NULL, &err) == WH_OK, "second signature verifies");
    wh_arena_fini(&a);
}

static void
test_url_safe_unpadded_base64_accepted(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_dsse_envelope env;

    wh_arena_init(&a);
    /* fb ef ff is "++//" in standard base64, "--__" URL-safe; "a" is "YQ" unpadded. */
    ok(wh_verify_dsse_parse(
           testsign_lit(
               "{\"payloadType\":\"t\",\"payload\":\"--__\",\"signatures\":[{\"sig\":\"YQ\"}]}"),
           &lim, &a, &env, &err) == WH_OK &&
           env.payload.len == 3 && memcmp(env.payload.ptr, "\xfb\xef\xff", 3) == 0 &&
           env.signatures[0].sig.len == 1,
       "URL-safe and unpadded base64 decode: %s", err.msg);
    wh_arena_fini(&a);
}

static void
check_invalid(const char *json, enum wh_err code, const char *substr)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_dsse_envelope env;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_verify_dsse_parse(testsign_lit(json), &lim, &a, &env, &err);
    ok(rc == code && strstr(err.msg, substr) != NULL, "%s → %s: %s", substr, wh_error_name(rc),
       err.msg);
    wh_arena_fini(&a);
}

static void
test_malformed_envelopes_rejected(void)
{
    check_invalid(
        "{\"payloadType\":\"t\",\"payload\":\"!!!!\",\"signatures\":[{\"sig\":\"YQ==\"}]}",
        WH_E_INVALID, "envelope payload: invalid base64");
    check_invalid(
        "{\"payloadType\":\"t\",\"payload\":\"YQ==\",\"signatures\":[{\"sig\":\"Y*==\"}]}",
        WH_E_INVALID, "signatures[0].sig: invalid base64");
    check_invalid("{\"payloadType\":\"t\",\"payload\":\"YQ==\",\"signatures\":[]}", WH_E_INVALID,
                  "no signatures");
    check_invalid("{\"payload\":\"YQ==\",\"signatures\":[{\"sig\":\"YQ==\"}]}", WH_E_INVALID,
                  "no \"payloadType\"");
    check_invalid("{\"payloadType\":1,\"payload\":\"YQ==\",\"signatures\":[{\"sig\":\"YQ==\"}]}",
                  WH_E_INVALID, "\"payloadType\" is not a string");
    check_invalid("{\"payloadType\":\"t\",\"payload\":\"YQ==\",\"signatures\":[{\"sig\":\"\"}]}",
                  WH_E_INVALID, "sig is empty");
    check_invalid("{\"payloadType\":\"t\",\"payload\":\"YQ==\",\"signatures\":[\"x\"]}",
                  WH_E_INVALID, "signatures[0] is not an object");
    check_invalid("{\"payloadType\":\"t\",\"payloadType\":\"u\"}", WH_E_INVALID, "duplicate");
    check_invalid("{\"payloadType\":\n\"t\",", WH_E_INVALID, "envelope JSON 2:");
    check_invalid("[1]", WH_E_INVALID, "not a JSON object");
    check_invalid("{\"payloadType\":\"t\",\"payload\":\"YQ===\",\"signatures\":[{\"sig\":\"YQ\"}]}",
                  WH_E_INVALID, "impossible");
}

static void
test_huge_envelopes_hit_limits(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_dsse_envelope env;
    struct wh_limits small = WH_LIMITS_DEFAULT;
    struct wh_buf b;

    wh_arena_init(&a);
    small.blob_bytes = 64;
    ok(wh_verify_dsse_parse(
           testsign_lit("{\"payloadType\":\"t\",\"payload\":\"YWFhYWFhYWFhYWFhYWFhYWFh"
                        "YWFhYWFh\",\"signatures\":[{\"sig\":\"YQ==\"}]}"),
           &small, &a, &env, &err) == WH_E_LIMIT &&
           strstr(err.msg, "exceeds the limit of 64") != NULL,
       "envelope over blob_bytes is WH_E_LIMIT: %s", err.msg);
    wh_buf_init(&b, 1u << 20);
    wh_buf_append_c(&b, "{\"payloadType\":\"t\",\"payload\":\"YQ==\",\"signatures\":[");
    for (size_t i = 0; i <= lim.signatures; i++)
        wh_buf_printf(&b, "%s{\"sig\":\"YQ==\"}", i == 0 ? "" : ",");
    wh_buf_append_c(&b, "]}");
    ok(wh_verify_dsse_parse(testsign_lit(b.ptr), &lim, &a, &env, &err) == WH_E_LIMIT &&
           strstr(err.msg, "33 signatures, limit is 32") != NULL,
       "too many signatures is WH_E_LIMIT: %s", err.msg);
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_pae_matches_spec_example();
    test_signed_envelope_verifies_with_its_key();
    test_tampered_payload_and_type_fail();
    test_any_of_several_signatures_is_enough();
    test_url_safe_unpadded_base64_accepted();
    test_malformed_envelopes_rejected();
    test_huge_envelopes_hit_limits();
    return done_testing();
}
