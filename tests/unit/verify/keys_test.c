#include <openssl/rsa.h>
#include <string.h>

#include "base/arena.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/keys.h"

static void
check_type_and_roundtrip(const char *kind, const char *want_type)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key = NULL, *der_key = NULL;
    EVP_PKEY *priv;
    struct wh_bytes sig;

    wh_arena_init(&a);
    priv = testsign_key_new(kind, &a);
    ok(wh_verify_key_parse(testsign_pubkey_pem(priv, &a), &a, &key, &err) == WH_OK, "%s PEM parses",
       kind);
    ok(key != NULL && strcmp(wh_verify_key_type(key), want_type) == 0, "%s type is %s", kind,
       key != NULL ? wh_verify_key_type(key) : "(none)");
    ok(wh_verify_key_parse_der(testsign_pubkey_der(priv, &a), &a, &der_key, &err) == WH_OK,
       "%s DER parses", kind);
    sig = testsign_sign(priv, NULL, testsign_lit("hello"), &a);
    ok(key != NULL && wh_verify_key_signature(key, testsign_lit("hello"), sig, &err) == WH_OK,
       "%s signature verifies", kind);
    ok(key != NULL &&
           wh_verify_key_signature(key, testsign_lit("hellO"), sig, &err) == WH_E_VERIFY &&
           strstr(err.msg, "does not match") != NULL,
       "%s tampered data is WH_E_VERIFY: %s", kind, err.msg);
    wh_arena_fini(&a);
}

static void
test_supported_key_types_parse_and_verify(void)
{
    check_type_and_roundtrip("ec-p256", "ecdsa-p256");
    check_type_and_roundtrip("ec-p384", "ecdsa-p384");
    check_type_and_roundtrip("ec-p521", "ecdsa-p521");
    check_type_and_roundtrip("rsa-2048", "rsa-2048");
    check_type_and_roundtrip("ed25519", "ed25519");
}

static void
test_p384_accepts_sha384_too(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;
    EVP_PKEY *priv;

    wh_arena_init(&a);
    priv = testsign_key_new("ec-p384", &a);
    ok(wh_verify_key_parse(testsign_pubkey_pem(priv, &a), &a, &key, &err) == WH_OK, "p384 parses");
    ok(wh_verify_key_signature(key, testsign_lit("x"),
                               testsign_sign(priv, "SHA384", testsign_lit("x"), &a), &err) == WH_OK,
       "p384 SHA-384 signature verifies");
    ok(wh_verify_key_signature(key, testsign_lit("x"),
                               testsign_sign(priv, "SHA1", testsign_lit("x"), &a),
                               &err) == WH_E_VERIFY,
       "p384 SHA-1 signature is rejected: %s", err.msg);
    wh_arena_fini(&a);
}

/* A key refused: its kind (testsign_key_new), what the error says, the check's name. */
struct refused_key {
    const char *kind, *want, *name;
};

/* Keys too weak or of a type cosign does not verify with: refused, the error naming why. */
static void
test_weak_and_other_key_types_rejected(void)
{
    static const struct refused_key cases[] = {
        {"rsa-1024", "RSA key of 1024 bits is too small", "RSA-1024"},
        {"ec-secp256k1", "unsupported EC curve secp256k1", "secp256k1"},
        {"ed448", "unsupported key type ED448", "Ed448"},
    };
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;

    wh_arena_init(&a);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ok(wh_verify_key_parse(testsign_pubkey_pem(testsign_key_new(cases[i].kind, &a), &a), &a,
                               &key, &err) == WH_E_INVALID &&
               strstr(err.msg, cases[i].want) != NULL,
           "%s rejected: %s", cases[i].name, err.msg);
    wh_arena_fini(&a);
}

static void
test_malformed_pem_rejected(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;
    /* dsse/cosign_broken.pub from grype's test data: invalid base64 tail. */
    const char *broken = "-----BEGIN PUBLIC KEY-----\n"
                         "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFRk//8DKJlhLGay1c2sB5ApHblJB\n"
                         "ZXCNSffjHFH+f061ZuBTuFPQwsh/Hhypo8zj7X0VjdV4+t32neAWeYQBrg=1\n"
                         "-----END PUBLIC KEY-----\n";

    wh_arena_init(&a);
    ok(wh_verify_key_parse(testsign_lit(broken), &a, &key, &err) == WH_E_INVALID &&
           strstr(err.msg, "malformed PEM public key") != NULL,
       "broken base64 rejected: %s", err.msg);
    ok(wh_verify_key_parse(
           testsign_lit("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), &a, &key,
           &err) == WH_E_INVALID &&
           strstr(err.msg, "PEM block is \"CERTIFICATE\"") != NULL,
       "certificate given as key names the block: %s", err.msg);
    ok(wh_verify_key_parse(testsign_lit("not a key"), &a, &key, &err) == WH_E_INVALID &&
           strstr(err.msg, "no PEM block") != NULL,
       "text without PEM rejected: %s", err.msg);
    ok(wh_verify_key_parse_der(testsign_lit("\x30\x03\x02\x01\x01"), &a, &key, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "malformed DER public key") != NULL,
       "garbage DER rejected: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_oversized_pem_is_limit(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;
    static unsigned char big[WH_VERIFY_KEY_PEM_MAX + 1];

    wh_arena_init(&a);
    memset(big, 'A', sizeof(big));
    ok(wh_verify_key_parse((struct wh_bytes){big, sizeof(big)}, &a, &key, &err) == WH_E_LIMIT &&
           strstr(err.msg, "exceeds") != NULL,
       "oversized PEM is WH_E_LIMIT: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_wrong_key_and_garbage_signature(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;
    EVP_PKEY *signer, *other;

    wh_arena_init(&a);
    signer = testsign_key_new("ec-p256", &a);
    other = testsign_key_new("ec-p256", &a);
    ok(wh_verify_key_parse(testsign_pubkey_pem(other, &a), &a, &key, &err) == WH_OK, "parses");
    ok(wh_verify_key_signature(key, testsign_lit("m"),
                               testsign_sign(signer, NULL, testsign_lit("m"), &a),
                               &err) == WH_E_VERIFY,
       "signature by another key is WH_E_VERIFY: %s", err.msg);
    ok(wh_verify_key_signature(key, testsign_lit("m"), testsign_lit("\x30\x02garbage"), &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "malformed signature") != NULL,
       "non-DER signature is WH_E_INVALID: %s", err.msg);
    ok(wh_verify_key_signature(key, testsign_lit("m"), (struct wh_bytes){NULL, 0}, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "empty signature") != NULL,
       "empty signature rejected: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_rsa_pss_accepted(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;
    EVP_PKEY *priv;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char sig[512];
    size_t n = sizeof(sig);

    wh_arena_init(&a);
    priv = testsign_key_new("rsa-2048", &a);
    ok(wh_verify_key_parse(testsign_pubkey_pem(priv, &a), &a, &key, &err) == WH_OK, "rsa parses");
    ok(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, priv) == 1 &&
           EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_DigestSign(ctx, sig, &n, (const unsigned char *)"pss", 3) == 1,
       "PSS signature made");
    ok(wh_verify_key_signature(key, testsign_lit("pss"), (struct wh_bytes){sig, n}, &err) == WH_OK,
       "RSA-PSS SHA-256 signature verifies");
    EVP_MD_CTX_free(ctx);
    wh_arena_fini(&a);
}

/* wh_verify_key_check (driftgate diff): supported keys pass with their type, without OpenSSL;
 * what the parse refuses for its type or shape the check refuses (naming the OID); the checked
 * key verifies nothing (deny), and its SPKI is the parse's for a DER key. */
static void
test_check_only_shape_and_type(void)
{
    static const struct {
        const char *kind, *want;
    } good[] = {{"ec-p256", "ecdsa-p256"},
                {"ec-p384", "ecdsa-p384"},
                {"ec-p521", "ecdsa-p521"},
                {"rsa-2048", "rsa"},
                {"ed25519", "ed25519"}},
      bad[] = {{"ec-secp256k1", "unsupported EC curve (OID 1.3.132.0.10;"},
               {"ed448", "unsupported key type (OID 1.3.101.113;"}};
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key, *parsed;
    struct wh_bytes spki, spki_parsed;
    EVP_PKEY *priv;
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        priv = testsign_key_new(good[i].kind, &a);
        key = NULL;
        ok(wh_verify_key_check(testsign_pubkey_pem(priv, &a), &a, &key, &err) == WH_OK &&
               strcmp(wh_verify_key_type(key), good[i].want) == 0,
           "check: %s passes as %s (%s)", good[i].kind, good[i].want,
           key != NULL ? wh_verify_key_type(key) : err.msg);
        if (key == NULL)
            continue;
        ok(wh_verify_key_signature(key, testsign_lit("m"),
                                   testsign_sign(priv, NULL, testsign_lit("m"), &a),
                                   &err) == WH_E_INTERNAL &&
               strstr(err.msg, "only checked") != NULL,
           "check: a %s key only checked verifies nothing, even a good signature: %s", good[i].kind,
           err.msg);
        ok(wh_verify_key_parse(testsign_pubkey_pem(priv, &a), &a, &parsed, &err) == WH_OK &&
               wh_verify_key_spki_der(key, &a, &spki, &err) == WH_OK &&
               wh_verify_key_spki_der(parsed, &a, &spki_parsed, &err) == WH_OK &&
               spki.len == spki_parsed.len && memcmp(spki.ptr, spki_parsed.ptr, spki.len) == 0,
           "check: a %s key's SPKI is the parsed key's", good[i].kind);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(wh_verify_key_check(testsign_pubkey_pem(testsign_key_new(bad[i].kind, &a), &a), &a, &key,
                               &err) == WH_E_INVALID &&
               strstr(err.msg, bad[i].want) != NULL,
           "check: %s refused: %s", bad[i].kind, err.msg);
    wh_arena_fini(&a);
}

/* Broken PEM is refused by the check as by the parse: base64, label, no block, size, and a
 * well-formed base64 block that is no SubjectPublicKeyInfo. */
static void
test_check_only_refuses_broken_pem(void)
{
    static const struct {
        const char *pem, *want, *name;
    } cases[] = {
        {"-----BEGIN PUBLIC KEY-----\n"
         "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFRk//8DKJlhLGay1c2sB5ApHblJB\n"
         "ZXCNSffjHFH+f061ZuBTuFPQwsh/Hhypo8zj7X0VjdV4+t32neAWeYQBrg=1\n"
         "-----END PUBLIC KEY-----\n",
         "malformed PEM public key", "broken base64"},
        {"-----BEGIN PUBLIC KEY-----\nMAMCAQE=\n-----END PUBLIC KEY-----\n",
         "malformed PEM public key", "DER that is no SPKI"},
        {"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n", "malformed PEM public key",
         "empty block"},
        {"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
         "PEM block is \"CERTIFICATE\"", "certificate"},
        {"not a key", "no PEM block", "no PEM"},
    };
    static char big[WH_VERIFY_KEY_PEM_MAX + 1];
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_verify_key *key;

    wh_arena_init(&a);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ok(wh_verify_key_check(testsign_lit(cases[i].pem), &a, &key, &err) == WH_E_INVALID &&
               strstr(err.msg, cases[i].want) != NULL,
           "check: %s refused: %s", cases[i].name, err.msg);
    memset(big, 'A', sizeof(big));
    ok(wh_verify_key_check((struct wh_bytes){(const unsigned char *)big, sizeof(big)}, &a, &key,
                           &err) == WH_E_LIMIT,
       "check: oversized PEM is WH_E_LIMIT: %s", err.msg);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_supported_key_types_parse_and_verify();
    test_p384_accepts_sha384_too();
    test_weak_and_other_key_types_rejected();
    test_malformed_pem_rejected();
    test_oversized_pem_is_limit();
    test_wrong_key_and_garbage_signature();
    test_rsa_pss_accepted();
    test_check_only_shape_and_type();
    test_check_only_refuses_broken_pem();
    return done_testing();
}
