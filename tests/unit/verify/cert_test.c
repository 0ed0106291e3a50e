/* verify/cert.c: Fulcio leaves minted by tests/support/testca.c, plus real production leaves. */
#include "verify/cert.h"

#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "support/testca.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/keys.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

static struct wh_limits limits = WH_LIMITS_DEFAULT;

struct world {
    struct wh_arena a;
    EVP_PKEY *root_key, *int_key, *ct_key, *tlog_key, *leaf_key;
    X509 *root, *inter;
    struct wh_trust_root *trust;
};

static const struct testca_ext GH_EXTS[] = {
    {"1.3.6.1.4.1.57264.1.1", "https://token.actions.githubusercontent.com", false},
    {"1.3.6.1.4.1.57264.1.8", "https://token.actions.githubusercontent.com", true},
    {"1.3.6.1.4.1.57264.1.2", "push", false},
    {"1.3.6.1.4.1.57264.1.5", "acme/payments", false},
    {"1.3.6.1.4.1.57264.1.12", "https://github.com/acme/payments", true},
    {"1.3.6.1.4.1.57264.1.22", "public", true},
};

static void
world_init(struct world *w, const char *ct_kind)
{
    X509 *chain[2];
    char *json;
    struct wh_error e = {0};

    wh_arena_init(&w->a);
    w->root_key = testsign_key_new("ec-p256", &w->a);
    w->int_key = testsign_key_new("ec-p256", &w->a);
    w->ct_key = testsign_key_new(ct_kind, &w->a);
    w->tlog_key = testsign_key_new("ec-p256", &w->a);
    w->leaf_key = testsign_key_new("ec-p256", &w->a);
    w->root = testca_root_new(w->root_key, "test-root", T0 - 86400 * 365, T0 + 86400 * 365, &w->a);
    w->inter = testca_intermediate_new(w->int_key, "test-intermediate", w->root, w->root_key,
                                       T0 - 86400 * 300, T0 + 86400 * 300, &w->a);
    chain[0] = w->inter;
    chain[1] = w->root;
    json =
        testca_trusted_root(chain, 2, w->tlog_key, w->ct_key, "2023-01-01T00:00:00Z", NULL, &w->a);
    if (wh_trust_root_parse((struct wh_bytes){(const unsigned char *)json, strlen(json)}, "test",
                            &limits, &w->trust, &e) != WH_OK) {
        fprintf(stderr, "world: %s\n", e.msg);
        abort();
    }
}

static void
world_fini(struct world *w)
{
    wh_trust_root_unref(w->trust);
    wh_arena_fini(&w->a);
}

static struct testca_leaf
good_leaf(struct world *w)
{
    return (struct testca_leaf){
        .san_uri = "https://github.com/acme/payments/.github/workflows/release.yml@refs/heads/main",
        .exts = GH_EXTS,
        .n_exts = sizeof(GH_EXTS) / sizeof(GH_EXTS[0]),
        .not_before = T0,
        .not_after = T0 + 600,
        .ct_key = w->ct_key,
        .sct_time = T0,
    };
}

/* The EC P-256 world every test but one shares (made once in main), and what the last
 * verification gave. */
static struct world world;
static struct wh_cert_identity id;
static struct wh_error err;

/* Verify a leaf minted from `o` by w's intermediate, signed at `at`. */
static enum wh_err
check_in(struct world *w, const struct testca_leaf *o, time_t at)
{
    X509 *leaf = testca_leaf_new(o, w->leaf_key, w->inter, w->int_key, &w->a);

    memset(&err, 0, sizeof(err));
    return wh_verify_cert(testca_der(leaf, &w->a), NULL, 0, w->trust, at, &w->a, &id, &err);
}

static enum wh_err
check(const struct testca_leaf *o, time_t at)
{
    return check_in(&world, o, at);
}

static bool
has(const struct wh_error *e, enum wh_err code, const char *sub)
{
    bool good = e->code == code && strstr(e->msg, sub) != NULL;
    if (!good)
        printf("# got %s: %s\n", wh_error_name(e->code), e->msg);
    return good;
}

/* A leaf refused at `at` with WH_E_VERIFY and an error naming `want`. */
static void
refused(const struct testca_leaf *o, time_t at, const char *want, const char *name)
{
    ok(check(o, at) == WH_E_VERIFY && has(&err, WH_E_VERIFY, want), "%s: %s", name, err.msg);
}

static void
test_valid_leaf_yields_identity_and_key(void)
{
    struct testca_leaf o = good_leaf(&world);
    enum wh_err rc;

    rc = check(&o, T0 + 30);
    ok(rc == WH_OK, "chains through the root's intermediate at signing time (%s)", err.msg);
    if (rc == WH_OK) {
        ok(strcmp(id.san, o.san_uri) == 0 && id.san_kind == WH_CERT_SAN_URI, "SAN URI");
        ok(strcmp(id.issuer, "https://token.actions.githubusercontent.com") == 0, "issuer .8");
        ok(id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER] != NULL &&
               strcmp(id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER], "push") == 0,
           "raw .2 trigger");
        ok(id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_URI] != NULL &&
               strcmp(id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_URI],
                      "https://github.com/acme/payments") == 0,
           "DER UTF8String .12");
        ok(id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_VISIBILITY] != NULL &&
               strcmp(id.ext[WH_CERT_EXT_SOURCE_REPOSITORY_VISIBILITY], "public") == 0,
           ".22 visibility");
        ok(id.ext[WH_CERT_EXT_BUILD_TRIGGER] == NULL, "absent extension is NULL");
        ok(id.key != NULL && strcmp(wh_verify_key_type(id.key), "ecdsa-p256") == 0,
           "leaf key returned");
        ok(id.not_before == T0 && id.not_after == T0 + 600, "validity times");
    }
    /* The bundle may carry the intermediate too: it is only an untrusted candidate. */
    {
        X509 *leaf = testca_leaf_new(&o, world.leaf_key, world.inter, world.int_key, &world.a);
        struct wh_bytes chain[2] = {testca_der(world.inter, &world.a),
                                    testca_der(world.root, &world.a)};
        char *pem = testca_pem(leaf, &world.a);
        rc = wh_verify_cert((struct wh_bytes){(const unsigned char *)pem, strlen(pem)}, chain, 2,
                            world.trust, T0 + 30, &world.a, &id, &err);
        ok(rc == WH_OK, "PEM leaf with a bundle chain verifies (%s)", err.msg);
    }
}

static void
test_expired_at_signing_time(void)
{
    struct testca_leaf o = good_leaf(&world);

    refused(&o, T0 + 601, "certificate expired at signing time 2023-11-14T22:23:21Z",
            "leaf expired at signing time");
    /* OpenSSL counts the notAfter second itself as expired (X509_cmp_time), one second
     * stricter than Go's crypto/x509. */
    ok(check(&o, T0 + 599) == WH_OK, "last second before notAfter is valid (%s)", err.msg);
    refused(&o, T0 - 1, "not yet valid at signing time", "signed before notBefore");
}

/* A leaf minted by `ca` and presented with it as the bundle's chain, refused at T0 + 30 naming
 * `want`. */
static void
refused_by_chain(const struct testca_leaf *o, X509 *ca, EVP_PKEY *ca_key, const char *want,
                 const char *name)
{
    X509 *leaf = testca_leaf_new(o, world.leaf_key, ca, ca_key, &world.a);
    struct wh_bytes chain[1] = {testca_der(ca, &world.a)};

    ok(wh_verify_cert(testca_der(leaf, &world.a), chain, 1, world.trust, T0 + 30, &world.a, &id,
                      &err) == WH_E_VERIFY &&
           has(&err, WH_E_VERIFY, want),
       "%s: %s", name, err.msg);
}

static void
test_chain_to_untrusted_ca(void)
{
    struct testca_leaf o = good_leaf(&world);
    EVP_PKEY *evil_key = testsign_key_new("ec-p256", &world.a);

    /* A root of its own with the trusted root's name: only the keys tell them apart. */
    refused_by_chain(&o, testca_root_new(evil_key, "test-root", T0 - 86400, T0 + 86400, &world.a),
                     evil_key, "untrusted chain", "leaf of a CA outside the trust root");
    /* An intermediate claiming the trusted root as issuer but signed by another key. */
    refused_by_chain(&o,
                     testca_intermediate_new(evil_key, "test-intermediate", world.root, evil_key,
                                             T0 - 86400, T0 + 86400, &world.a),
                     evil_key, "untrusted chain: certificate signature failure",
                     "forged intermediate");
}

static void
test_no_code_signing_eku(void)
{
    struct testca_leaf o = good_leaf(&world);

    o.no_eku = true;
    refused(&o, T0 + 30, "no code signing extended key usage", "missing EKU");
}

static void
test_scts(void)
{
    struct testca_leaf o = good_leaf(&world);

    o.ct_key = NULL;
    refused(&o, T0 + 30, "no valid SCT: no embedded SCT", "missing SCT");
    o = good_leaf(&world);
    o.ct_key = testsign_key_new("ec-p256", &world.a);
    refused(&o, T0 + 30, "unknown CT log", "SCT from an unknown log");
    o = good_leaf(&world);
    o.sct_corrupt = true;
    refused(&o, T0 + 30, "signature does not verify", "tampered SCT signature");
    o = good_leaf(&world);
    o.sct_time = 1600000000; /* before the CT log's validFor.start */
    refused(&o, T0 + 30, "no valid SCT", "SCT outside the CT log's window");
    o = good_leaf(&world);
    o.sct_ext = true;
    ok(check(&o, T0 + 30) == WH_OK, "SCT with extensions (static CT): %s", err.msg);
    {
        struct world ed;

        world_init(&ed, "ed25519");
        o = good_leaf(&ed);
        ok(check_in(&ed, &o, T0 + 30) == WH_OK, "Ed25519 CT log: %s", err.msg);
        world_fini(&ed);
    }
}

static void
test_ca_window_and_san_rules(void)
{
    struct testca_leaf o = good_leaf(&world);

    o.not_before = 1600000000;
    o.not_after = 1600000600;
    o.sct_time = 1600000000;
    refused(&o, 1600000030, "no Fulcio CA of the trust root is valid at 2020-09-13",
            "signing time before the CA's validFor");
    o = good_leaf(&world);
    o.san_email = "dev@example.com";
    refused(&o, T0 + 30, "more than one SAN identity", "two SAN identities");
    o = good_leaf(&world);
    o.san_uri = NULL;
    o.san_email = "dev@example.com";
    ok(check(&o, T0 + 30) == WH_OK && id.san_kind == WH_CERT_SAN_EMAIL &&
           strcmp(id.san, "dev@example.com") == 0,
       "email SAN: %s", err.msg);
    ok(wh_verify_cert((struct wh_bytes){(const unsigned char *)"garbage", 7}, NULL, 0, world.trust,
                      T0, &world.a, &id, &err) == WH_E_INVALID &&
           has(&err, WH_E_INVALID, "not a DER or PEM certificate"),
       "garbage leaf: %s", err.msg);
}

static const char *
shared(void)
{
    const char *s = getenv("DG_SHARED");
    return s != NULL ? s : "../shared";
}

static void
test_production_fulcio_leaves(void)
{
    struct wh_arena a;
    struct wh_trust_root *root = NULL;
    struct wh_bytes pem;
    const char *path;

    wh_arena_init(&a);
    path =
        wh_arena_sprintf(&a, "%s/vectors/trust/sigstore-public-good.trusted_root.json", shared());
    ok(wh_trust_root_load(&path, 1, &limits, &root, &err) == WH_OK, "public-good root: %s",
       err.msg);
    if (root == NULL) {
        wh_arena_fini(&a);
        return;
    }
    ok(wh_file_read(wh_arena_sprintf(&a, "%s/vectors/kyverno/fulcio-github-workflow.pem", shared()),
                    1 << 16, &a, &pem, &err) == WH_OK,
       "read kyverno github cert");
    /* 2022-10-07T19:24:24Z: the leaf's notBefore (kyverno INDEX entry "chain") */
    ok(wh_verify_cert(pem, NULL, 0, root, 1665170664, &a, &id, &err) == WH_OK,
       "production GitHub Actions leaf chains, SCT verifies with the production CT key: %s",
       err.msg);
    ok(id.san != NULL && strcmp(id.san, "https://github.com/JimBugwadia/demo-java-tomcat/.github/"
                                        "workflows/publish.yaml@refs/tags/v0.0.22") == 0,
       "SAN URI of the production leaf");
    ok(id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_SHA] != NULL &&
           strcmp(id.ext[WH_CERT_EXT_GITHUB_WORKFLOW_SHA],
                  "c7645284fa7aebe554618eee879b4d6947f8564e") == 0,
       "githubWorkflowSHA");
    ok(wh_verify_cert(pem, NULL, 0, root, 1665170664 + 3600, &a, &id, &err) == WH_E_VERIFY &&
           has(&err, WH_E_VERIFY, "expired at signing time"),
       "an hour later the 10-minute leaf had expired: %s", err.msg);
    ok(wh_file_read(wh_arena_sprintf(&a, "%s/vectors/kyverno/fulcio-email.pem", shared()), 1 << 16,
                    &a, &pem, &err) == WH_OK &&
           wh_verify_cert_identity_parse(pem, &a, &id, &err) == WH_OK &&
           id.san_kind == WH_CERT_SAN_EMAIL && strcmp(id.san, "jim@nirmata.com") == 0 &&
           strcmp(id.issuer, "https://github.com/login/oauth") == 0,
       "email leaf identity: %s", err.msg);
    ok(wh_verify_cert_ext_find("githubWorkflowSha") == WH_CERT_EXT_GITHUB_WORKFLOW_SHA &&
           wh_verify_cert_ext_find("sourceRepositoryVisibilityAtSigning") ==
               WH_CERT_EXT_SOURCE_REPOSITORY_VISIBILITY &&
           wh_verify_cert_ext_find("nope") == -1,
       "extension names");
    wh_trust_root_unref(root);
    wh_arena_fini(&a);
}

int
main(void)
{
    world_init(&world, "ec-p256");
    test_valid_leaf_yields_identity_and_key();
    test_expired_at_signing_time();
    test_chain_to_untrusted_ca();
    test_no_code_signing_eku();
    test_scts();
    test_ca_window_and_san_rules();
    world_fini(&world);
    test_production_fulcio_leaves();
    return done_testing();
}
