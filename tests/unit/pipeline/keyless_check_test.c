/* pipeline/keyless_check.c: signer lookup, transparencyLog: required on key signers (each way it
 * fails closed), key-signed bundle inputs and the no-trust-root refusal. The end-to-end positives
 * (real Fulcio/Rekor mock material) are in tests/integration/keyless_e2e_test.sh. */
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "pipeline/keyless_check.h"
#include "support/testsign.h"
#include "trust/root.h"
#include "unit/harness.h"
#include "verify/keys.h"

static const char digest[] =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
static const char root_json[] =
    "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\","
    "\"tlogs\":[],\"certificateAuthorities\":[],\"ctlogs\":[],\"timestampAuthorities\":[]}";

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
    struct wh_keyless_layer layer;
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
    ok(wh_keyless_signers_any(all, 3), "keyless signer found among three");
    ok(!wh_keyless_signers_any(all, 2), "no keyless signer among two key signers");
    ok(wh_keyless_signer_find(all, 3, "ci-key-opt") == &key_opt, "find by name");
    ok(wh_keyless_signer_find(all, 3, "nope") == NULL, "unknown name: NULL");
    ok(wh_keyless_signer_find(all, 3, NULL) == NULL, "NULL name: NULL");

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
    layer.signature = "MEUCIQ==";

    /* transparencyLog: optional, keyless or unknown signers: nothing more to check */
    ok(wh_keyless_check_key_tlog(&layer, &key_opt, NULL, &lim, &a, &err) == WH_OK,
       "tlog optional: OK without a root or bundle");
    ok(wh_keyless_check_key_tlog(&layer, &keyless, NULL, &lim, &a, &err) == WH_OK,
       "keyless signer: not this check's business");
    ok(wh_keyless_check_key_tlog(&layer, NULL, NULL, &lim, &a, &err) == WH_OK, "no signer: OK");

    /* required: no trust root */
    rc = wh_keyless_check_key_tlog(&layer, &key_req, NULL, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "ci-key") != NULL &&
           strstr(err.msg, "transparencyLog: required") != NULL &&
           strstr(err.msg, "trustRoots") != NULL,
       "required, no trust root: WH_E_VERIFY naming signer and trustRoots (%s)", err.msg);
    /* required: no bundle annotation */
    rc = wh_keyless_check_key_tlog(&layer, &key_req, root, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "carries no Rekor entry") != NULL,
       "required, no dev.sigstore.cosign/bundle: WH_E_VERIFY (%s)", err.msg);
    layer.bundle = "";
    rc = wh_keyless_check_key_tlog(&layer, &key_req, root, &lim, &a, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "carries no Rekor entry") != NULL,
       "required, empty bundle annotation: WH_E_VERIFY");
    /* required: malformed bundle */
    layer.bundle = "{not json";
    rc = wh_keyless_check_key_tlog(&layer, &key_req, root, &lim, &a, &err);
    ok(rc != WH_OK && strstr(err.msg, "Rekor entry") != NULL && strstr(err.msg, "ci-key") != NULL,
       "required, malformed bundle annotation: refused naming the signer (%s)", err.msg);
    /* required: a well-formed SET from a log the trust root does not hold */
    layer.bundle = "{\"SignedEntryTimestamp\":\"MEUCIQ==\",\"Payload\":{\"body\":\"e30=\","
                   "\"integratedTime\":1700000000,\"logIndex\":1,\"logID\":"
                   "\"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d\"}}";
    rc = wh_keyless_check_key_tlog(&layer, &key_req, root, &lim, &a, &err);
    ok(rc != WH_OK && strstr(err.msg, "transparencyLog: required") != NULL,
       "required, SET of a log not in the trust root: refused (%s)", err.msg);
    /* required: .att whose envelope does not parse */
    layer.is_dsse = true;
    rc = wh_keyless_check_key_tlog(&layer, &key_req, root, &lim, &a, &err);
    ok(rc == WH_E_INVALID, "required, .att with a bad envelope: WH_E_INVALID (%s)", err.msg);

    /* a certificate layer with no trust root fails closed, saying what to configure */
    layer.is_dsse = false;
    layer.certificate = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    rc = wh_keyless_check_layer(&layer, digest, NULL, all, 3, &lim, &a, &who, NULL, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "trustRoots") != NULL,
       "keyless layer without a trust root: WH_E_VERIFY naming trustRoots");

    wh_trust_root_unref(root);
    wh_arena_fini(&a);
    return done_testing();
}
