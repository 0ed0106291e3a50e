/* pipeline/signatures.c: policy/ signer lookup as the layer checks use it, transparencyLog:
 * required on key signers (each way it fails closed), key-signed bundle inputs and the
 * no-trust-root refusal; the signers' evidence
 * demands (transparencyLog, timestamps) on layers sigstore-js made (support/evidence.h). The
 * end-to-end positives (real Fulcio/Rekor mock material) are in
 * tests/integration/keyless_e2e_test.sh. */
#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "pipeline/signatures.h"
#include "policy/policy.h"
#include "support/evidence.h"
#include "support/testsign.h"
#include "trust/root.h"
#include "unit/harness.h"
#include "verify/keys.h"

static const char digest[] =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
static const char root_json[] =
    "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\","
    "\"tlogs\":[],\"certificateAuthorities\":[],\"ctlogs\":[],\"timestampAuthorities\":[]}";

/* The review context the layer checks read (trust root, limits), around one call. */
static enum wh_err
check_layer(const struct wh_verify_cosign_layer *l, const char *d, const struct wh_trust_root *root,
            const struct wh_policy_signer *const *s, size_t n, const struct wh_limits *lim,
            struct wh_arena *a, const char **who, const char **identity, struct wh_attestation *att,
            struct wh_error *err)
{
    struct wh_image_check_ctx ctx = {.trust = root, .limits = lim};

    return wh_pipeline_signatures_keyless(&ctx, l, d, s, n, a, who, identity, att, err);
}

static enum wh_err
key_evidence(const struct wh_verify_cosign_layer *l, const struct wh_policy_signer *s,
             const struct wh_trust_root *root, const struct wh_limits *lim, struct wh_arena *a,
             struct wh_error *err)
{
    struct wh_image_check_ctx ctx = {.trust = root, .limits = lim};

    return wh_pipeline_signatures_key_evidence(&ctx, l, s, a, err);
}

/* A cosign layer from {blob (b64), annotations} as keyless-evidence.js writes it. */
static struct wh_verify_cosign_layer
ev_layer(const char *dir, const char *name, bool is_dsse, struct wh_arena *a)
{
    struct wh_bytes json = evidence_read(dir, name, a);
    json_t *root = json_loadb((const char *)json.ptr, json.len, 0, NULL), *ann;
    struct wh_verify_cosign_layer l;
    struct wh_error err = {0};
    const char *v;

    WH_ASSERT(root != NULL);
    memset(&l, 0, sizeof(l));
    l.is_dsse = is_dsse;
    WH_ASSERT(wh_digest_base64_decode(wh_str_c(json_string_value(json_object_get(root, "blob"))), a,
                                      &l.blob, &err) == WH_OK);
    ann = json_object_get(root, "annotations");
    if ((v = json_string_value(json_object_get(ann, "dev.cosignproject.cosign/signature"))))
        l.signature_b64 = wh_str_c(wh_arena_strdup(a, v));
    if ((v = json_string_value(json_object_get(ann, "dev.sigstore.cosign/certificate"))))
        l.certificate = wh_str_c(wh_arena_strdup(a, v));
    if ((v = json_string_value(json_object_get(ann, "dev.sigstore.cosign/rfc3161timestamp"))))
        l.rfc3161 = wh_str_c(wh_arena_strdup(a, v));
    json_decref(root);
    return l;
}

/* Issue 11 item 5: transparencyLog: optional and timestamps: N, signer by signer. */
static void
test_evidence_demands(const char *dir)
{
    static const char digest_ab[] =
        "sha256:abababababababababababababababababababababababababababababababab";
    struct wh_arena a;
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_error err = {0};
    struct wh_trust_root *gh = evidence_root(dir, "github_root.json");
    struct wh_trust_root *sig = evidence_root(dir, "trusted_root.json");
    struct wh_policy_keyless ident, other_ident;
    struct wh_policy_signer req, opt, opt2, other, key;
    const struct wh_policy_signer *list[2];
    struct wh_verify_cosign_layer l;
    struct wh_verify_key *vk = NULL;
    const char *who = NULL;
    enum wh_err rc;

    wh_arena_init(&a);
    memset(&ident, 0, sizeof(ident));
    ident.subject = "https://ci.fixture.test/acme/app/.ci/release.yml@refs/heads/main";
    ident.issuer = "https://issuer.fixture.test";
    other_ident = ident;
    other_ident.subject = "https://ci.fixture.test/other/app/.ci/release.yml@refs/heads/main";
    memset(&req, 0, sizeof(req));
    req.name = "gh-required";
    req.keyless = &ident;
    req.tlog_required = true;
    opt = req;
    opt.name = "gh-private";
    opt.tlog_required = false;
    opt2 = opt;
    opt2.name = "gh-two-timestamps";
    opt2.timestamps = 2;
    other = opt;
    other.name = "other-repo";
    other.keyless = &other_ident;

    /* a keyless .sig with only a timestamp (GitHub's private-repository instance) */
    l = ev_layer(dir, "gh-layer.json", false, &a);
    list[0] = &req;
    rc = check_layer(&l, digest_ab, gh, list, 1, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "0 verified transparency log entries, 1 required"),
       "timestamp-only keyless layer, signer with transparencyLog: required: refused (%s)",
       err.msg);
    list[0] = &opt;
    who = NULL;
    rc = check_layer(&l, digest_ab, gh, list, 1, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_OK && who != NULL && strcmp(who, "gh-private") == 0,
       "... signer with transparencyLog: optional: allowed as gh-private (%s)",
       rc == WH_OK ? "" : err.msg);
    list[0] = &req;
    list[1] = &other;
    rc = check_layer(&l, digest_ab, gh, list, 2, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_E_VERIFY &&
           strstr(err.msg, "gh-required: transparencyLog: required, but no verified Rekor "
                           "entry") != NULL &&
           strstr(err.msg, "other-repo: subject") != NULL,
       "identity of a tlog-required signer, optional signer of another identity: refused, each "
       "reason named (%s)",
       err.msg);
    list[0] = &opt2;
    rc = check_layer(&l, digest_ab, gh, list, 1, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "1 verified RFC 3161 timestamps, 2 required"),
       "signer with timestamps: 2, one timestamp: refused (%s)", err.msg);
    list[0] = &opt;
    list[1] = &opt2;
    rc = check_layer(&l, digest_ab, gh, list, 2, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_OK && strcmp(who, "gh-private") == 0,
       "timestamps: the least demand reaches verify/, the match holds each signer to its own "
       "(%s)",
       rc == WH_OK ? "" : err.msg);
    list[0] = &opt2;
    list[1] = &opt;
    rc = check_layer(&l, digest_ab, gh, list, 2, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_OK && strcmp(who, "gh-private") == 0,
       "... whichever comes first: gh-two-timestamps is skipped (%s)", rc == WH_OK ? "" : err.msg);
    rc = check_layer(&l, digest_ab, sig, list, 2, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_E_VERIFY, "the same layer against a root without GitHub's CA/TSA: refused (%s)",
       err.msg);

    /* a key-signed .att with a timestamp: timestamps: 1 on a key signer */
    WH_ASSERT(wh_verify_key_parse(evidence_read(dir, "key.pub", &a), &a, &vk, &err) == WH_OK);
    memset(&key, 0, sizeof(key));
    key.name = "ci-key-ts";
    key.key = vk;
    key.timestamps = 1;
    l = ev_layer(dir, "key-att-layer.json", true, &a);
    rc = key_evidence(&l, &key, sig, &lim, &a, &err);
    ok(rc == WH_OK, "key signer with timestamps: 1, layer timestamped by a trusted TSA: OK (%s)",
       rc == WH_OK ? "" : err.msg);
    rc = key_evidence(&l, &key, gh, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "ci-key-ts (timestamps: 1)") != NULL &&
           strstr(err.msg, "rfc3161timestamp") != NULL,
       "... by a TSA the root does not hold: refused naming the signer (%s)", err.msg);
    key.timestamps = 2;
    rc = key_evidence(&l, &key, sig, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "has timestamps: 2, but the layer carries one") != NULL,
       "... timestamps: 2 cannot be met by a layer (%s)", err.msg);
    key.timestamps = 1;
    l.rfc3161 = (struct wh_str){"", 0};
    rc = key_evidence(&l, &key, sig, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "carries no RFC 3161 timestamp") != NULL,
       "... a layer without the annotation: refused (%s)", err.msg);
    rc = key_evidence(&l, &key, NULL, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "trustRoots") != NULL,
       "... no trust root: refused, says to configure trustRoots (%s)", err.msg);
    wh_trust_root_unref(gh);
    wh_trust_root_unref(sig);
    wh_arena_fini(&a);
}

int
main(void)
{
    struct wh_arena a;
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_error err;
    struct wh_trust_root *root = NULL;
    struct wh_verify_key *vk = NULL;
    struct wh_policy_keyless kl;
    struct wh_policy_signer key_req, key_opt, keyless;
    const struct wh_policy_signer *all[3];
    struct wh_verify_cosign_layer layer;
    struct wh_bytes der;
    EVP_PKEY *pk;
    const char *who = NULL;
    enum wh_err rc;

    wh_arena_init(&a);
    pk = testsign_key_new("ec-p256", &a);
    rc = wh_verify_key_parse(testsign_pubkey_pem(pk, &a), &a, &vk, &err);
    ok(rc == WH_OK, "ci key parses");
    memset(&kl, 0, sizeof(kl));
    memset(&key_req, 0, sizeof(key_req));
    key_req.name = "ci-key";
    key_req.key = vk;
    key_req.tlog_required = true;
    key_opt = key_req;
    key_opt.name = "ci-key-opt";
    key_opt.tlog_required = false;
    memset(&keyless, 0, sizeof(keyless));
    keyless.name = "ci-keyless";
    keyless.keyless = &kl;
    keyless.tlog_required = true;
    all[0] = &key_req;
    all[1] = &key_opt;
    all[2] = &keyless;

    /* signer lookup */
    ok(wh_policy_signers_any_keyless(all, 3), "keyless signer found among three");
    ok(!wh_policy_signers_any_keyless(all, 2), "no keyless signer among two key signers");
    ok(wh_policy_signer_in(all, 3, "ci-key-opt") == &key_opt, "find by name");
    ok(wh_policy_signer_in(all, 3, "nope") == NULL, "unknown name: NULL");
    ok(wh_policy_signer_in(all, 3, NULL) == NULL, "NULL name: NULL");

    /* the key's SPKI DER, as a Rekor body names it */
    rc = wh_verify_key_spki_der(vk, &a, &der, &err);
    ok(rc == WH_OK && der.len == testsign_pubkey_der(pk, &a).len &&
           memcmp(der.ptr, testsign_pubkey_der(pk, &a).ptr, der.len) == 0,
       "wh_verify_key_spki_der is the SubjectPublicKeyInfo DER");

    rc = wh_trust_root_parse((struct wh_bytes){(const unsigned char *)root_json, strlen(root_json)},
                             "test", &lim, &root, &err);
    ok(rc == WH_OK, "empty trust root parses (%s)", rc == WH_OK ? "" : err.msg);

    memset(&layer, 0, sizeof(layer));
    layer.blob = (struct wh_bytes){(const unsigned char *)"{}", 2};
    layer.signature_b64 = wh_str_c("MEUCIQ==");

    /* transparencyLog: optional, keyless or unknown signers: nothing more to check */
    ok(key_evidence(&layer, &key_opt, NULL, &lim, &a, &err) == WH_OK,
       "tlog optional: OK without a root or bundle");
    ok(key_evidence(&layer, &keyless, NULL, &lim, &a, &err) == WH_OK,
       "keyless signer: not this check's business");
    ok(key_evidence(&layer, NULL, NULL, &lim, &a, &err) == WH_OK, "no signer: OK");

    /* required: no trust root */
    rc = key_evidence(&layer, &key_req, NULL, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "ci-key") != NULL &&
           strstr(err.msg, "transparencyLog: required") != NULL &&
           strstr(err.msg, "trustRoots") != NULL,
       "required, no trust root: WH_E_VERIFY naming signer and trustRoots (%s)", err.msg);
    /* required: no bundle annotation */
    rc = key_evidence(&layer, &key_req, root, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "carries no Rekor entry") != NULL,
       "required, no dev.sigstore.cosign/bundle: WH_E_VERIFY (%s)", err.msg);
    layer.bundle = wh_str_c("");
    rc = key_evidence(&layer, &key_req, root, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "carries no Rekor entry") != NULL,
       "required, empty bundle annotation: WH_E_VERIFY");
    /* required: malformed bundle */
    layer.bundle = wh_str_c("{not json");
    rc = key_evidence(&layer, &key_req, root, &lim, &a, &err);
    ok(rc != WH_OK && strstr(err.msg, "Rekor entry") != NULL && strstr(err.msg, "ci-key") != NULL,
       "required, malformed bundle annotation: refused naming the signer (%s)", err.msg);
    /* required: a well-formed SET from a log the trust root does not hold */
    layer.bundle =
        wh_str_c("{\"SignedEntryTimestamp\":\"MEUCIQ==\",\"Payload\":{\"body\":\"e30=\","
                 "\"integratedTime\":1700000000,\"logIndex\":1,\"logID\":"
                 "\"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d\"}}");
    rc = key_evidence(&layer, &key_req, root, &lim, &a, &err);
    ok(rc != WH_OK && strstr(err.msg, "transparencyLog: required") != NULL,
       "required, SET of a log not in the trust root: refused (%s)", err.msg);
    /* required: .att whose envelope does not parse */
    layer.is_dsse = true;
    rc = key_evidence(&layer, &key_req, root, &lim, &a, &err);
    ok(rc == WH_E_INVALID, "required, .att with a bad envelope: WH_E_INVALID (%s)", err.msg);

    /* a certificate layer with no trust root fails closed, saying what to configure */
    layer.is_dsse = false;
    layer.certificate = wh_str_c("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    rc = check_layer(&layer, digest, NULL, all, 3, &lim, &a, &who, NULL, NULL, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "trustRoots") != NULL,
       "keyless layer without a trust root: WH_E_VERIFY naming trustRoots");

    wh_trust_root_unref(root);
    {
        char dir[512];

        if (ok(evidence_make(dir, sizeof(dir)), "sigstore-js made the evidence fixtures in %s",
               dir))
            test_evidence_demands(dir);
        evidence_remove(dir);
    }
    wh_arena_fini(&a);
    return done_testing();
}
