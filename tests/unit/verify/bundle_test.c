#include "verify/bundle.c"

#include "base/digest.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "unit/last_parse.h"

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

/* What the last parse gave (see last_parse.h). */
static struct wh_bundle bundle;

static enum wh_err
parse(const char *text)
{
    return wh_verify_bundle_parse(text_bytes(text), &lim, last_parse_arena(), &bundle, &err);
}

static void
test_v01_chain_message_signature_parses(void)
{
    const char *text = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                       "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[" CERT
                       "," CERT "]},\"tlogEntries\":[" ENTRY_V01 "]}," MSG "}";

    if (ok(parse(text) == WH_OK, "v0.1 bundle parses (%s)", err.msg)) {
        ok(bundle.version == WH_BUNDLE_V0_1 && bundle.material == WH_BUNDLE_CERT_CHAIN &&
               bundle.n_certs == 2,
           "v0.1 with a two-certificate chain");
        ok(bundle.n_tlog == 1 && bundle.tlog[0].log_index == 27246492 &&
               bundle.tlog[0].integrated_time == 1689177396 && bundle.tlog[0].log_id.len == 32 &&
               strcmp(bundle.tlog[0].kind, "hashedrekord") == 0 && bundle.tlog[0].set.len == 3 &&
               !bundle.tlog[0].has_inclusion_proof && bundle.tlog[0].body.len == 2,
           "tlog entry fields decoded (int64 strings, base64 bytes)");
        ok(bundle.content == WH_BUNDLE_MESSAGE_SIGNATURE && bundle.message_digest.len == 32 &&
               bundle.signature.len == 3,
           "message signature decoded");
    }
}

static void
test_v03_certificate_dsse_with_defaults(void)
{
    const char *text = "{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":"
                       "{\"certificate\":" CERT ",\"tlogEntries\":[" ENTRY_V03 "],"
                       "\"timestampVerificationData\":{\"rfc3161Timestamps\":[{\"signedTimestamp\""
                       ":\"MAA=\"}]}}," DSSE "}";

    if (ok(parse(text) == WH_OK, "v0.3 DSSE bundle parses (%s)", err.msg)) {
        ok(bundle.version == WH_BUNDLE_V0_3 && bundle.material == WH_BUNDLE_CERTIFICATE &&
               bundle.n_certs == 1,
           "v0.3 carries one certificate");
        ok(bundle.tlog[0].integrated_time == 0 && bundle.tlog[0].set.len == 0,
           "absent integratedTime and "
           "promise read as 0/empty");
        ok(bundle.tlog[0].has_inclusion_proof && bundle.tlog[0].proof_log_index == 5 &&
               bundle.tlog[0].tree_size == 6 && bundle.tlog[0].n_hashes == 2 &&
               bundle.tlog[0].hashes[1].len == 3 &&
               wh_str_eq_c(bundle.tlog[0].checkpoint, "origin\n6\nAAAA\n"),
           "inclusion proof and checkpoint decoded");
        ok(bundle.n_timestamps == 1 && bundle.timestamps[0].len == 2, "RFC 3161 timestamp decoded");
        ok(bundle.content == WH_BUNDLE_DSSE && bundle.dsse.n_signatures == 1 &&
               strcmp(bundle.dsse.payload_type, "application/vnd.in-toto+json") == 0 &&
               bundle.dsse.payload.len == 2,
           "DSSE envelope parsed");
    }
}

static void
test_proof_defaults_when_protobuf_drops_zero_values(void)
{
    /* @sigstore/mock: one-leaf tree, proof logIndex 0 and no hashes are omitted. */
    const char *text = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.2\","
                       "\"verificationMaterial\":{\"publicKey\":{\"hint\":\"abc\"},\"tlogEntries\":"
                       "[{\"logIndex\":\"7\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{"
                       "\"kind\":\"hashedrekord\",\"version\":\"0.0.1\"},\"integratedTime\":12,"
                       "\"inclusionProof\":{\"rootHash\":\"AAAA\",\"treeSize\":\"1\"},"
                       "\"canonicalizedBody\":\"e30=\"}]}," MSG "}";
    enum wh_err rc = parse(text);

    ok(rc == WH_OK && bundle.material == WH_BUNDLE_PUBLIC_KEY &&
           strcmp(bundle.key_hint, "abc") == 0 && bundle.tlog[0].proof_log_index == 0 &&
           bundle.tlog[0].n_hashes == 0 && bundle.tlog[0].integrated_time == 12 &&
           bundle.tlog[0].checkpoint.len == 0,
       "absent proof logIndex/hashes/checkpoint read as 0/[]/\"\"; number form of int64 (%s)",
       err.msg);
}

static void
test_rejections(void)
{
    char big[256];

    expect_rc(parse("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.9\","
                    "\"verificationMaterial\":{\"certificate\":" CERT "}," MSG "}"),
              WH_E_INVALID, "unsupported bundle media type", "unknown version is refused");
    expect_rc(parse("{\"mediaType\":"), WH_E_INVALID,
              "bundle: 1:", "malformed JSON names line:col");
    expect_rc(parse("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                    "\"x509CertificateChain\":{\"certificates\":[" CERT "]}}," MSG "}"),
              WH_E_INVALID, "must carry \"certificate\"", "v0.3 with a chain is refused");
    expect_rc(parse("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                    "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[]}}," MSG
                    "}"),
              WH_E_INVALID, "has no certificates", "empty certificate chain is refused");
    expect_rc(parse("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                    "\"verificationMaterial\":{\"certificate\":" CERT ",\"tlogEntries\":[{"
                    "\"logIndex\":\"-1\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{\"kind\":"
                    "\"x\",\"version\":\"y\"},\"canonicalizedBody\":\"e30=\"}]}," MSG "}"),
              WH_E_INVALID, "logIndex is negative", "negative log index is refused");
    expect_rc(parse("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                    "\"certificate\":" CERT "},\"messageSignature\":{\"signature\":\"M!!!\"}}"),
              WH_E_INVALID, "messageSignature.signature", "invalid base64 signature is refused");
    expect_rc(parse("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.2\","
                    "\"verificationMaterial\":{\"certificate\":" CERT ",\"tlogEntries\":[" ENTRY_V01
                    "]}," MSG "}"),
              WH_E_INVALID, "has no inclusion proof", "v0.2 entry without proof is refused");
    expect_rc(parse("{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\","
                    "\"verificationMaterial\":{\"certificate\":" CERT ",\"tlogEntries\":[{"
                    "\"logIndex\":\"1\",\"logId\":{\"keyId\":\"AAAA\"},\"kindVersion\":{\"kind\":"
                    "\"x\",\"version\":\"y\"},\"inclusionPromise\":{\"signedEntryTimestamp\":"
                    "\"AAAA\"}}]}," MSG "}"),
              WH_E_INVALID, "canonicalizedBody is missing", "entry without body is refused");
    expect_rc(parse("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                    "\"certificate\":" CERT "}," MSG "," DSSE "}"),
              WH_E_INVALID, "exactly one of messageSignature", "both contents are refused");
    expect_rc(parse("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                    "\"certificate\":" CERT ",\"publicKey\":{}}," MSG "}"),
              WH_E_INVALID, "exactly one of publicKey", "two verification materials refused");
    expect_rc(parse("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"verificationMaterial\":{"
                    "\"certificate\":" CERT
                    "},\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\""
                    ":\"t\",\"signatures\":[{\"sig\":\"MEQC\"},{\"sig\":\"MEQC\"}]}}"),
              WH_E_INVALID, "exactly one", "DSSE with two signatures is refused");
    expect_rc(parse("{\"mediaType\":\"" WH_BUNDLE_MEDIA_TYPE_V03 "\",\"mediaType\":\"x\"}"),
              WH_E_INVALID, "duplicate", "duplicate keys are refused");
    memset(big, ' ', sizeof(big));
    {
        struct wh_limits small = lim;

        small.blob_bytes = 100;
        ok(wh_verify_bundle_parse((struct wh_bytes){(const unsigned char *)big, sizeof(big)},
                                  &small, last_parse_arena(), &bundle, &err) == WH_E_LIMIT &&
               strstr(err.msg, "limit is 100") != NULL,
           "oversized bundle is WH_E_LIMIT (%s)", err.msg);
    }
}

int
main(void)
{
    test_v01_chain_message_signature_parses();
    test_v03_certificate_dsse_with_defaults();
    test_proof_defaults_when_protobuf_drops_zero_values();
    test_rejections();
    last_parse_fini();
    return done_testing();
}
