#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/attestation.h"

#define DIGEST "sha256:4edbd2beb5f78b1014028f4fbb99f3237d9561100b6881aabbf5acce2c4f9454"
#define OTHER "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define CDX "https://cyclonedx.org/bom"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

struct fixture {
    struct wh_arena a;
    EVP_PKEY *ci;
    struct wh_verify_signer signers[2];
};

static void
fixture_init(struct fixture *f)
{
    wh_arena_init(&f->a);
    f->ci = testsign_key_new("ec-p256", &f->a);
    f->signers[0] = (struct wh_verify_signer){
        "release", testsign_verify_key(testsign_key_new("ed25519", &f->a), &f->a)};
    f->signers[1] = (struct wh_verify_signer){"ci-key", testsign_verify_key(f->ci, &f->a)};
}

static char *
envelope(struct fixture *f, EVP_PKEY *key, const char *type, const char *digest, const char *ptype)
{
    char *stmt = testsign_statement(digest, ptype, "{\"bomFormat\":\"CycloneDX\"}", &f->a);

    return testsign_dsse_envelope(key, type, testsign_lit(stmt), &f->a);
}

static void
check(struct fixture *f, const char *env, size_t n_signers, const char *digest, const char *want,
      enum wh_err code, const char *substr, const char *name)
{
    struct wh_error err = {0};
    struct wh_attestation att = {0};
    enum wh_err rc = wh_verify_attestation(testsign_lit(env), f->signers, n_signers, digest, want,
                                           &lim, &f->a, &att, &err);

    ok(rc == code && (code == WH_OK || strstr(err.msg, substr) != NULL), "%s → %s: %s", name,
       wh_error_name(rc), rc == WH_OK ? "" : err.msg);
}

static void
test_verified_attestation_has_signer_type_and_predicate(void)
{
    struct fixture f;
    struct wh_error err = {0};
    struct wh_attestation att;
    char *env;

    fixture_init(&f);
    env = envelope(&f, f.ci, WH_INTOTO_PAYLOAD_TYPE, DIGEST, CDX);
    ok(wh_verify_attestation(testsign_lit(env), f.signers, 2, DIGEST, "cyclonedx", &lim, &f.a, &att,
                             &err) == WH_OK,
       "attestation verifies with alias cyclonedx: %s", err.msg);
    ok(strcmp(att.signer, "ci-key") == 0 && strcmp(att.predicate_type, CDX) == 0 &&
           strcmp((const char *)att.predicate.ptr, "{\"bomFormat\":\"CycloneDX\"}") == 0,
       "signer, predicate type and predicate returned");
    check(&f, env, 2, DIGEST, NULL, WH_OK, "", "any predicate type when want is NULL");
    check(&f, env, 2, DIGEST, CDX, WH_OK, "", "full URI as want");
    wh_arena_fini(&f.a);
}

static void
test_every_check_has_a_negative(void)
{
    struct fixture f;
    EVP_PKEY *stranger;
    char *env, *tampered;

    fixture_init(&f);
    stranger = testsign_key_new("ec-p256", &f.a);
    env = envelope(&f, f.ci, WH_INTOTO_PAYLOAD_TYPE, DIGEST, CDX);
    check(&f, env, 1, DIGEST, CDX, WH_E_VERIFY,
          "no signature on the envelope verifies with signers release (ed25519)", "wrong key");
    check(&f, envelope(&f, stranger, WH_INTOTO_PAYLOAD_TYPE, DIGEST, CDX), 2, DIGEST, CDX,
          WH_E_VERIFY, "signers release (ed25519), ci-key (ecdsa-p256)", "unknown signer");
    check(&f, env, 2, OTHER, CDX, WH_E_VERIFY, "does not include the image digest " OTHER,
          "wrong subject digest");
    check(&f, env, 2, DIGEST, "slsaprovenance1", WH_E_VERIFY,
          "predicateType \"https://cyclonedx.org/bom\" is not the required "
          "https://slsa.dev/provenance/v1",
          "wrong predicateType");
    check(&f, envelope(&f, f.ci, "application/json", DIGEST, CDX), 2, DIGEST, CDX, WH_E_VERIFY,
          "payloadType \"application/json\" is not application/vnd.in-toto+json",
          "wrong payloadType");
    /* Tamper: swap one payload character while keeping the signature. */
    tampered = wh_arena_strdup(&f.a, env);
    {
        char *p = strstr(tampered, "\"payload\":\"") + 11 + 20;
        *p = *p == 'A' ? 'B' : 'A';
    }
    check(&f, tampered, 2, DIGEST, CDX, WH_E_VERIFY, "no signature on the envelope verifies",
          "tampered payload");
    check(&f,
          "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"%%%%\","
          "\"signatures\":[{\"sig\":\"YQ==\"}]}",
          2, DIGEST, CDX, WH_E_INVALID, "invalid base64", "malformed base64");
    check(&f, env, 0, DIGEST, CDX, WH_E_VERIFY, "no key-based signers", "no signers");
    check(&f, env, 2, "sha256:abc", CDX, WH_E_INVALID, "is not sha256:<hex>", "bad image digest");
    wh_arena_fini(&f.a);
}

static void
test_signed_garbage_statement_is_invalid(void)
{
    struct fixture f;

    fixture_init(&f);
    check(&f,
          testsign_dsse_envelope(f.ci, WH_INTOTO_PAYLOAD_TYPE, testsign_lit("{\"_type\":1}"), &f.a),
          2, DIGEST, CDX, WH_E_INVALID, "signed payload: statement has no \"_type\"",
          "signed non-statement");
    wh_arena_fini(&f.a);
}

static void
test_huge_envelope_is_limit(void)
{
    struct fixture f;
    struct wh_limits small = WH_LIMITS_DEFAULT;
    struct wh_error err = {0};
    struct wh_attestation att;
    char *env;

    fixture_init(&f);
    env = envelope(&f, f.ci, WH_INTOTO_PAYLOAD_TYPE, DIGEST, CDX);
    small.blob_bytes = strlen(env) - 1;
    ok(wh_verify_attestation(testsign_lit(env), f.signers, 2, DIGEST, CDX, &small, &f.a, &att,
                             &err) == WH_E_LIMIT &&
           strstr(err.msg, "DSSE envelope of") != NULL,
       "envelope over blob_bytes is WH_E_LIMIT: %s", err.msg);
    wh_arena_fini(&f.a);
}

static void
test_simple_signing_signature(void)
{
    struct fixture f;
    struct wh_error err = {0};
    struct wh_bytes payload, sig;
    const char *b64, *signer = NULL;

    fixture_init(&f);
    payload = testsign_lit(testsign_simple_signing("127.0.0.1:5000/demo/app", DIGEST, &f.a));
    sig = testsign_sign(f.ci, NULL, payload, &f.a);
    b64 = wh_digest_base64_encode(sig.ptr, sig.len, &f.a);
    ok(wh_verify_signature(payload, wh_str_c(b64), f.signers, 2, DIGEST, &f.a, &signer, &err) ==
               WH_OK &&
           signer != NULL && strcmp(signer, "ci-key") == 0,
       "signature verifies, signer ci-key");
    ok(wh_verify_signature(payload, wh_str_c(b64), f.signers, 1, DIGEST, &f.a, &signer, &err) ==
               WH_E_VERIFY &&
           strstr(err.msg, "signers release (ed25519): cosign signature") != NULL,
       "wrong key is WH_E_VERIFY: %s", err.msg);
    ok(wh_verify_signature(payload, wh_str_c(b64), f.signers, 2, OTHER, &f.a, &signer, &err) ==
               WH_E_VERIFY &&
           strstr(err.msg, "not for the image digest " OTHER) != NULL,
       "digest mismatch is WH_E_VERIFY: %s", err.msg);
    ok(wh_verify_signature(payload, WH_STR("MEUC!!=="), f.signers, 2, DIGEST, &f.a, &signer,
                           &err) == WH_E_INVALID &&
           strstr(err.msg, "cosign signature annotation: invalid base64") != NULL,
       "malformed base64 is WH_E_INVALID: %s", err.msg);
    ok(wh_verify_signature(payload, WH_STR(""), f.signers, 2, DIGEST, &f.a, &signer, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "no cosign signature annotation") != NULL,
       "missing annotation is WH_E_INVALID: %s", err.msg);
    wh_arena_fini(&f.a);
}

static void
test_predicate_aliases(void)
{
    static const struct str_case aliases[] = {
        {"cyclonedx", CDX},
        {"spdxjson", "https://spdx.dev/Document"},
        {"slsaprovenance", "https://slsa.dev/provenance/v0.2"},
        {"slsaprovenance1", "https://slsa.dev/provenance/v1"},
        {"vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"},
        {"https://example.com/x", "https://example.com/x"}, /* URIs pass through */
    };

    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        const char *got = wh_verify_predicate_type_canonical(aliases[i].in);
        ok(got != NULL && strcmp(got, aliases[i].want) == 0, "%s is %s", aliases[i].in,
           aliases[i].want);
    }
    ok(wh_verify_predicate_type_canonical(NULL) == NULL, "NULL stays NULL");
}

int
main(void)
{
    test_verified_attestation_has_signer_type_and_predicate();
    test_every_check_has_a_negative();
    test_signed_garbage_statement_is_invalid();
    test_huge_envelope_is_limit();
    test_simple_signing_signature();
    test_predicate_aliases();
    return done_testing();
}
