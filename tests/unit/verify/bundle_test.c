#include "verify/bundle.c"

#include "base/digest.h"
#include "support/testsign.h"
#include "unit/harness.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

#define CERT "{\"rawBytes\":\"MIIBAA==\"}"
#define ENTRY_V01                                                                                  \
    "{\"logIndex\":\"27246492\",\"logId\":{\"keyId\":\"wNI9atQGlz+VWfO6LRygH4QUfY/"                \
    "8W4RFwiT5i5WRgB0=\"},"                                                                        \
    "\"kindVersion\":{\"kind\":\"hashedrekord\",\"version\":\"0.0.1\"},"                           \
    "\"integratedTime\":\"1689177396\",\"inclusionPromise\":{\"signedEntryTimestamp\":\"MEUC\"},"  \
    "\"canonicalizedBody\":\"e30=\"}"
#define PROOF                                                                                      \
    "\"inclusionProof\":{\"logIndex\":\"5\",\"rootHash\":\"AAAA\",\"treeSize\":\"6\","             \
    "\"hashes\":[\"AAAA\",\"AQID\"],\"checkpoint\":{\"envelope\":\"origin\\n6\\nAAAA\\n\"}}"
#define ENTRY_V03                                                                                  \
    "{\"logIndex\":\"735\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{\"kind\":\"dsse\","     \
    "\"version\":\"0.0.1\"}," PROOF ",\"canonicalizedBody\":\"e30=\"}"
#define MSG                                                                                        \
    "\"messageSignature\":{\"messageDigest\":{\"algorithm\":\"SHA2_256\",\"digest\":"              \
    "\"oM/HEnHW4njlfNMy/5V8P3BD/do1TEy7GQow1W76Ab8=\"},\"signature\":\"MEQC\"}"
#define DSSE                                                                                       \
    "\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+json\","     \
    "\"signatures\":[{\"sig\":\"MEQC\"}]}"

static enum wh_err
parse(const char *text, struct wh_arena *a, struct wh_bundle *b, struct wh_error *err)
{
    return wh_verify_bundle_parse((struct wh_bytes){(const unsigned char *)text, strlen(text)},
                                  &lim, a, b, err);
}

static void
expect_fail(const char *text, enum wh_err code, const char *needle, const char *name)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_error err = {0};
    enum wh_err rc;

    wh_arena_init(&a);
    rc = parse(text, &a, &b, &err);
    ok(rc == code && strstr(err.msg, needle) != NULL, "%s (%s: %s)", name, wh_error_name(rc),
       err.msg);
    wh_arena_fini(&a);
}

static void
test_v01_chain_message_signature_parses(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_error err = {0};
    const char *text = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                       "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[" CERT
                       "," CERT "]},\"tlogEntries\":[" ENTRY_V01 "]}," MSG "}";
    enum wh_err rc;

    wh_arena_init(&a);
    rc = parse(text, &a, &b, &err);
    ok(rc == WH_OK, "v0.1 bundle parses (%s)", err.msg);
    if (rc == WH_OK) {
        ok(b.version == WH_BUNDLE_V0_1 && b.material == WH_BUNDLE_CERT_CHAIN && b.n_certs == 2,
           "v0.1 with a two-certificate chain");
        ok(b.n_tlog == 1 && b.tlog[0].log_index == 27246492 &&
               b.tlog[0].integrated_time == 1689177396 && b.tlog[0].log_id.len == 32 &&
               strcmp(b.tlog[0].kind, "hashedrekord") == 0 && b.tlog[0].set.len == 3 &&
               !b.tlog[0].has_inclusion_proof && b.tlog[0].body.len == 2,
           "tlog entry fields decoded (int64 strings, base64 bytes)");
        ok(b.content == WH_BUNDLE_MESSAGE_SIGNATURE && b.message_digest.len == 32 &&
               b.signature.len == 3,
           "message signature decoded");
    }
    wh_arena_fini(&a);
}

static void
test_v03_certificate_dsse_with_defaults(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_error err = {0};
    const char *text = "{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":"
                       "{\"certificate\":" CERT ",\"tlogEntries\":[" ENTRY_V03 "],"
                       "\"timestampVerificationData\":{\"rfc3161Timestamps\":[{\"signedTimestamp\""
                       ":\"MAA=\"}]}}," DSSE "}";
    enum wh_err rc;

    wh_arena_init(&a);
    rc = parse(text, &a, &b, &err);
    ok(rc == WH_OK, "v0.3 DSSE bundle parses (%s)", err.msg);
    if (rc == WH_OK) {
        ok(b.version == WH_BUNDLE_V0_3 && b.material == WH_BUNDLE_CERTIFICATE && b.n_certs == 1,
           "v0.3 carries one certificate");
        ok(b.tlog[0].integrated_time == 0 && b.tlog[0].set.len == 0, "absent integratedTime and "
                                                                     "promise read as 0/empty");
        ok(b.tlog[0].has_inclusion_proof && b.tlog[0].proof_log_index == 5 &&
               b.tlog[0].tree_size == 6 && b.tlog[0].n_hashes == 2 &&
               b.tlog[0].hashes[1].len == 3 &&
               wh_str_eq_c(b.tlog[0].checkpoint, "origin\n6\nAAAA\n"),
           "inclusion proof and checkpoint decoded");
        ok(b.n_timestamps == 1 && b.timestamps[0].len == 2, "RFC 3161 timestamp decoded");
        ok(b.content == WH_BUNDLE_DSSE && b.dsse.n_signatures == 1 &&
               strcmp(b.dsse.payload_type, "application/vnd.in-toto+json") == 0 &&
               b.dsse.payload.len == 2,
           "DSSE envelope parsed");
    }
    wh_arena_fini(&a);
}

static void
test_proof_defaults_when_protobuf_drops_zero_values(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_error err = {0};
    /* @sigstore/mock: one-leaf tree, proof logIndex 0 and no hashes are omitted. */
    const char *text = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.2\","
                       "\"verificationMaterial\":{\"publicKey\":{\"hint\":\"abc\"},\"tlogEntries\":"
                       "[{\"logIndex\":\"7\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{"
                       "\"kind\":\"hashedrekord\",\"version\":\"0.0.1\"},\"integratedTime\":12,"
                       "\"inclusionProof\":{\"rootHash\":\"AAAA\",\"treeSize\":\"1\"},"
                       "\"canonicalizedBody\":\"e30=\"}]}," MSG "}";
    enum wh_err rc;

    wh_arena_init(&a);
    rc = parse(text, &a, &b, &err);
    ok(rc == WH_OK && b.material == WH_BUNDLE_PUBLIC_KEY && strcmp(b.key_hint, "abc") == 0 &&
           b.tlog[0].proof_log_index == 0 && b.tlog[0].n_hashes == 0 &&
           b.tlog[0].integrated_time == 12 && b.tlog[0].checkpoint.len == 0,
       "absent proof logIndex/hashes/checkpoint read as 0/[]/\"\"; number form of int64 (%s)",
       err.msg);
    wh_arena_fini(&a);
}

static void
test_rejections(void)
{
    char big[256];

    expect_fail("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.9\","
                "\"verificationMaterial\":{\"certificate\":" CERT "}," MSG "}",
                WH_E_INVALID, "unsupported bundle media type", "unknown version is refused");
    expect_fail("{\"mediaType\":", WH_E_INVALID, "bundle: 1:", "malformed JSON names line:col");
    expect_fail("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                "\"x509CertificateChain\":{\"certificates\":[" CERT "]}}," MSG "}",
                WH_E_INVALID, "must carry \"certificate\"", "v0.3 with a chain is refused");
    expect_fail("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[]}}," MSG
                "}",
                WH_E_INVALID, "has no certificates", "empty certificate chain is refused");
    expect_fail("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                "\"verificationMaterial\":{\"certificate\":" CERT ",\"tlogEntries\":[{"
                "\"logIndex\":\"-1\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{\"kind\":"
                "\"x\",\"version\":\"y\"},\"canonicalizedBody\":\"e30=\"}]}," MSG "}",
                WH_E_INVALID, "logIndex is negative", "negative log index is refused");
    expect_fail("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                "\"certificate\":" CERT "},\"messageSignature\":{\"signature\":\"M!!!\"}}",
                WH_E_INVALID, "messageSignature.signature", "invalid base64 signature is refused");
    expect_fail("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.2\","
                "\"verificationMaterial\":{\"certificate\":" CERT ",\"tlogEntries\":[" ENTRY_V01
                "]}," MSG "}",
                WH_E_INVALID, "has no inclusion proof", "v0.2 entry without proof is refused");
    expect_fail("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                "\"verificationMaterial\":{\"certificate\":" CERT ",\"tlogEntries\":[{"
                "\"logIndex\":\"1\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{\"kind\":"
                "\"x\",\"version\":\"y\"},\"inclusionPromise\":{\"signedEntryTimestamp\":"
                "\"AAAA\"}}]}," MSG "}",
                WH_E_INVALID, "canonicalizedBody is missing", "entry without body is refused");
    expect_fail("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                "\"certificate\":" CERT "}," MSG "," DSSE "}",
                WH_E_INVALID, "exactly one of messageSignature", "both contents are refused");
    expect_fail("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                "\"certificate\":" CERT ",\"publicKey\":{}}," MSG "}",
                WH_E_INVALID, "exactly one of publicKey", "two verification materials refused");
    expect_fail("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                "\"certificate\":" CERT "},\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\""
                ":\"t\",\"signatures\":[{\"sig\":\"MEQC\"},{\"sig\":\"MEQC\"}]}}",
                WH_E_INVALID, "exactly one", "DSSE with two signatures is refused");
    expect_fail("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"mediaType\":\"x\"}",
                WH_E_INVALID, "duplicate", "duplicate keys are refused");
    memset(big, ' ', sizeof(big));
    {
        struct wh_limits small = lim;
        struct wh_arena a;
        struct wh_bundle b;
        struct wh_error err = {0};

        small.blob_bytes = 100;
        wh_arena_init(&a);
        ok(wh_verify_bundle_parse((struct wh_bytes){(const unsigned char *)big, sizeof(big)},
                                  &small, &a, &b, &err) == WH_E_LIMIT &&
               strstr(err.msg, "limit is 100") != NULL,
           "oversized bundle is WH_E_LIMIT (%s)", err.msg);
        wh_arena_fini(&a);
    }
}

int
main(void)
{
    test_v01_chain_message_signature_parses();
    test_v03_certificate_dsse_with_defaults();
    test_proof_defaults_when_protobuf_drops_zero_values();
    test_rejections();
    return done_testing();
}
