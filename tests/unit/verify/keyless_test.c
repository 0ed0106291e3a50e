/* wh_verify_bundle over real sigstore bundles (sigstore-conformance vectors in $DG_SHARED) with
 * the public-good trust root, and over bundles sigstore-js makes here against a loopback mock
 * (tests/support/fixtures/keyless-evidence.js: timestamp-only evidence, a private deployment's
 * checkpoint, sha512 subjects): happy paths and one negative test per check, each asserting its
 * code and message. */
#include "verify/keyless.c"

#include <stdlib.h>

#include "base/file.h"
#include "support/evidence.h"
#include "unit/harness.h"
#include "verify/intoto.h"

#define SAN                                                                                        \
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"      \
    "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define ISSUER "https://token.actions.githubusercontent.com"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;
static char shared[512];
static struct wh_trust_root *good;

static struct wh_bytes
slurp(const char *rel, struct wh_arena *a)
{
    char dir[600];

    snprintf(dir, sizeof(dir), "%s/vectors", shared);
    return evidence_read(dir, rel, a);
}

static struct wh_bundle
bundle(const char *name, struct wh_arena *a)
{
    char rel[256];
    struct wh_bundle b;
    struct wh_error err = {0};

    snprintf(rel, sizeof(rel), "sigstore-conformance/bundle-verify/%s/bundle.sigstore.json", name);
    WH_ASSERT(wh_verify_bundle_parse(slurp(rel, a), &lim, a, &b, &err) == WH_OK);
    return b;
}

static struct wh_verify_artifact
artifact(struct wh_arena *a)
{
    struct wh_verify_artifact art = {0};

    art.bytes = slurp("sigstore-conformance/bundle-verify/a.txt", a);
    return art;
}

static const struct wh_bundle_policy strict = {.san = SAN, .issuer = ISSUER};

static void
expect(enum wh_err rc, const struct wh_error *err, enum wh_err code, const char *needle,
       const char *name)
{
    ok(rc == code && (needle == NULL || strstr(err->msg, needle) != NULL), "%s (%s: %s)", name,
       wh_error_name(rc), rc == WH_OK ? "" : err->msg);
}

static void
test_message_signature_bundles_verify(void)
{
    static const char *const cases[] = {"happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3",
                                        "happy-path-v0.3-new-mediaType"};

    for (size_t i = 0; i < 4; i++) {
        struct wh_arena a;
        struct wh_bundle b;
        struct wh_verify_artifact art;
        struct wh_bundle_result r;
        struct wh_error err = {0};
        enum wh_err rc;

        wh_arena_init(&a);
        b = bundle(cases[i], &a);
        art = artifact(&a);
        rc = wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err);
        expect(rc, &err, WH_OK, NULL, cases[i]);
        if (rc == WH_OK)
            ok(r.is_keyless && strcmp(r.identity.san, SAN) == 0 &&
                   strcmp(r.identity.issuer, ISSUER) == 0 &&
                   r.signing_time == b.tlog[0].integrated_time &&
                   strcmp(r.time_source, "tlog") == 0 && r.n_tlog_verified == 1,
               "%s: identity, integrated time as signing time, one tlog entry", cases[i]);
        wh_arena_fini(&a);
    }
}

static void
test_digest_only_artifact_verifies_prehashed(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art = {.has_sha256 = true}, full;
    struct wh_bundle_result r;
    struct wh_error err = {0};

    wh_arena_init(&a);
    b = bundle("happy-path-v0.3", &a);
    full = artifact(&a);
    wh_digest_sha256(full.bytes.ptr, full.bytes.len, art.sha256);
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_OK, NULL,
           "artifact given by sha256 only verifies (prehashed signature)");
    art.sha256[0] ^= 1;
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "bundle of another artifact", "digest of another artifact is refused");
    wh_arena_fini(&a);
}

static void
test_bundle_of_another_artifact_is_refused(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art = {0};
    struct wh_bundle_result r;
    struct wh_error err = {0};

    wh_arena_init(&a);
    b = bundle("happy-path-v0.3", &a);
    art.bytes = (struct wh_bytes){(const unsigned char *)"another artifact\n", 17};
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "messageDigest is not the artifact's sha256", "bundle of another artifact");
    /* Even without messageDigest the signature itself must not verify over other bytes. */
    b.message_digest.len = 0;
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "message signature", "signature over another artifact (no messageDigest)");
    wh_arena_fini(&a);
}

static void
test_identity_checks(void)
{
    struct {
        struct wh_bundle_policy p;
        enum wh_err code;
        const char *needle, *name;
    } cases[] = {
        {{.san = "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main",
          .issuer = ISSUER},
         WH_E_VERIFY,
         "certificate identity",
         "wrong identity"},
        {{.san = SAN, .issuer = "https://accounts.google.com"},
         WH_E_VERIFY,
         "certificate issuer",
         "wrong issuer"},
        {{.san_regex = "extremely-dangerous-public-oidc-beacon", .issuer = ISSUER},
         WH_E_VERIFY,
         "does not match",
         "regex that would only match unanchored"},
        {{.san_regex = "https://github\\.com/sigstore-conformance/.+@refs/heads/main",
          .issuer_regex = "https://token\\.actions\\.githubusercontent\\.com"},
         WH_OK,
         NULL,
         "anchored regexes matching the whole value"},
        {{.san_regex = "(", .issuer = ISSUER}, WH_E_INVALID, "regex", "invalid regex"},
        {{.issuer = ISSUER}, WH_E_INVALID, "needs a certificate identity", "no identity given"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wh_arena a;
        struct wh_bundle b;
        struct wh_verify_artifact art;
        struct wh_bundle_result r;
        struct wh_error err = {0};

        wh_arena_init(&a);
        b = bundle("happy-path-v0.3", &a);
        art = artifact(&a);
        expect(wh_verify_bundle(&b, &art, good, NULL, &cases[i].p, &a, &r, &err), &err,
               cases[i].code, cases[i].needle, cases[i].name);
        wh_arena_fini(&a);
    }
}

static void
test_tlog_checks(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art;
    struct wh_bundle_result r;
    struct wh_error err = {0};
    struct wh_bundle_policy two = strict;
    struct wh_trust_root *other = NULL;
    char path[1024];
    const char *paths[1] = {path};

    wh_arena_init(&a);
    art = artifact(&a);
    b = bundle("set-invalid-signature_fail", &a);
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "signed entry timestamp does not verify", "SET signed by another key");
    b = bundle("happy-path-v0.3", &a);
    {
        /* Without its SET the integrated time is unsigned and no timestamp stands in. */
        char *json = wh_arena_memdup(&a, b.tlog[0].json.ptr, b.tlog[0].json.len + 1);
        char *at = strstr(json, "\"inclusionPromise\"");

        WH_ASSERT(at != NULL);
        memcpy(at, "\"inclusionPromisX\"", 18);
        b.tlog[0].json.ptr = (const unsigned char *)json;
    }
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "not signed", "entry stripped of its SET proves no signing time");
    b = bundle("invalid-inclusion-proof_fail", &a);
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "inclusion proof", "inclusion proof that does not lead to the root");
    b = bundle("happy-path-v0.3", &a);
    two.tlog_threshold = 2;
    expect(wh_verify_bundle(&b, &art, good, NULL, &two, &a, &r, &err), &err, WH_E_VERIFY,
           "1 verified transparency log entries, 2 required", "tlog threshold 2");
    two = strict;
    two.timestamp_threshold = 1;
    expect(wh_verify_bundle(&b, &art, good, NULL, &two, &a, &r, &err), &err, WH_E_VERIFY,
           "0 verified RFC 3161 timestamps, 1 required", "timestamp required but absent");
    b.n_tlog = 0;
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "0 verified transparency log entries", "missing tlog entry");
    /* A root whose only Rekor log is another instance's key. */
    snprintf(path, sizeof(path),
             "%s/vectors/sigstore-conformance/bundle-verify/"
             "intoto-with-custom-trust-root/trusted_root.json",
             shared);
    WH_ASSERT(wh_trust_root_load(paths, 1, &lim, &other, &err) == WH_OK);
    b = bundle("happy-path-v0.3", &a);
    expect(wh_verify_bundle(&b, &art, other, NULL, &strict, &a, &r, &err), &err, WH_E_NOT_FOUND,
           "no trusted transparency log", "log not in the trust root");
    wh_trust_root_unref(other);
    wh_arena_fini(&a);
}

static void
test_dsse_bundles(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art;
    struct wh_bundle_result r;
    struct wh_error err = {0};
    unsigned char *payload;
    enum wh_err rc;

    wh_arena_init(&a);
    art = artifact(&a);
    b = bundle("happy-path-intoto-in-dsse-v3", &a);
    rc = wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err);
    expect(rc, &err, WH_OK, NULL, "DSSE v0.3 bundle verifies");
    ok(rc == WH_OK && r.content == WH_BUNDLE_DSSE &&
           strcmp(r.payload_type, "application/vnd.in-toto+json") == 0 && r.payload.len > 0 &&
           memmem(r.payload.ptr, r.payload.len,
                  "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb1"
                  "90a30d56efa01bf",
                  64) != NULL,
       "verified statement exposed (subject is the artifact digest)");
    /* tampered payload: one byte of the statement changed after signing */
    payload = wh_arena_memdup(&a, b.dsse.payload.ptr, b.dsse.payload.len);
    payload[10] ^= 0x20;
    b.dsse.payload.ptr = payload;
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "no signature on the envelope verifies", "tampered DSSE payload");
    b = bundle("dsse-mismatch-envelope_fail", &a);
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "payload hash", "DSSE envelope that is not the logged one");
    wh_arena_fini(&a);
}

static void
test_certificate_checks(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art;
    struct wh_bundle_result r;
    struct wh_error err = {0};

    wh_arena_init(&a);
    art = artifact(&a);
    b = bundle("bundle-with-root-cert_fail", &a);
    art.bytes = slurp("sigstore-conformance/bundle-verify/bundle-with-root-cert_fail/artifact", &a);
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "self-signed (root) certificate", "chain carrying a root certificate");
    art = artifact(&a);
    b = bundle("integrated-time-in-future_fail", &a);
    {
        struct wh_bundle_policy p = {.san = "untrusted-sa@sigstore-conformance.iam."
                                            "gserviceaccount.com",
                                     .issuer = "https://accounts.google.com"};

        expect(wh_verify_bundle(&b, &art, good, NULL, &p, &a, &r, &err), &err, WH_E_VERIFY,
               "expired at signing time", "certificate expired at the integrated time");
    }
    wh_arena_fini(&a);
}

static void
test_managed_keys(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art;
    struct wh_bundle_key key;
    struct wh_bundle_result r;
    struct wh_error err = {0};

    wh_arena_init(&a);
    art = artifact(&a);
    b = bundle("managed-key-happy-path", &a);
    WH_ASSERT(wh_verify_bundle_key_parse(
                  slurp("sigstore-conformance/bundle-verify/managed-key-happy-path/key.pub", &a),
                  &a, &key, &err) == WH_OK);
    expect(wh_verify_bundle(&b, &art, good, &key, &strict, &a, &r, &err), &err, WH_OK, NULL,
           "managed-key bundle verifies with its key");
    ok(!r.is_keyless && r.identity.san == NULL, "key result carries no certificate identity");
    expect(wh_verify_bundle(&b, &art, good, NULL, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "no key was given", "managed-key bundle without a key");
    {
        /* A certificate handed over as the key is named as such (keys.c's label check), and a
         * key that is not a key at all is refused, whichever form it comes in. */
        static const char cert_pem[] =
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        static const unsigned char junk_der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
        struct wh_bundle_key bad;

        expect(wh_verify_bundle_key_parse(
                   (struct wh_bytes){(const unsigned char *)cert_pem, sizeof(cert_pem) - 1}, &a,
                   &bad, &err),
               &err, WH_E_INVALID, "PEM block is \"CERTIFICATE\", want \"PUBLIC KEY\"",
               "bundle key: a certificate given as the key is named");
        expect(wh_verify_bundle_key_parse((struct wh_bytes){junk_der, sizeof(junk_der)}, &a, &bad,
                                          &err),
               &err, WH_E_INVALID, "malformed DER public key", "bundle key: DER that is no key");
    }
    b = bundle("happy-path-v0.3", &a);
    expect(wh_verify_bundle(&b, &art, good, &key, &strict, &a, &r, &err), &err, WH_E_VERIFY,
           "carries a certificate but a key was required", "certificate bundle with a key");
    wh_arena_fini(&a);
}

static void
test_cosign_layer_without_certificate_is_not_found(void)
{
    struct wh_arena a;
    struct wh_verify_cosign_layer l = {0};
    struct wh_bundle_result r;
    struct wh_error err = {0};

    wh_arena_init(&a);
    l.blob = (struct wh_bytes){(const unsigned char *)"{}", 2};
    expect(wh_verify_cosign_layer_keyless(&l, "sha256:00", good, &strict, &lim, &a, &r, &err), &err,
           WH_E_NOT_FOUND, "no dev.sigstore.cosign/certificate", "layer without a cert");
    wh_arena_fini(&a);
}

/* ---- bundles made by sigstore-js against the loopback mock (keyless-evidence.js) ---- */

#define EV_SAN "https://ci.fixture.test/acme/app/.ci/release.yml@refs/heads/main"
#define EV_ISSUER "https://issuer.fixture.test"

static char evidence[512]; /* the fixture directory (support/evidence.h) */

static struct wh_bytes
ev_read(const char *name, struct wh_arena *a)
{
    return evidence_read(evidence, name, a);
}

static struct wh_bundle
ev_bundle(const char *name, struct wh_arena *a)
{
    struct wh_bundle b;
    struct wh_error err = {0};

    WH_ASSERT(wh_verify_bundle_parse(ev_read(name, a), &lim, a, &b, &err) == WH_OK);
    return b;
}

static struct wh_trust_root *
ev_root(const char *name)
{
    return evidence_root(evidence, name);
}

/* Issue 11 item 5: GitHub's instance for private repositories signs with a CA that has no CT log
 * and timestamps with its own TSA; there is no Rekor entry. */
static void
test_timestamp_only_evidence(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art = {0};
    struct wh_bundle_result r;
    struct wh_error err = {0};
    struct wh_trust_root *gh = ev_root("github_root.json");
    struct wh_trust_root *gh_ct = ev_root("github-ctlog_root.json");
    struct wh_trust_root *sig = ev_root("trusted_root.json");
    const struct wh_bundle_policy tsa_only = {
        .san = EV_SAN, .issuer = EV_ISSUER, .skip_tlog_unsafe = true, .timestamp_threshold = 1};
    const struct wh_bundle_policy ev_strict = {.san = EV_SAN, .issuer = EV_ISSUER};
    struct wh_bundle_policy p = tsa_only;
    enum wh_err rc;

    wh_arena_init(&a);
    art.bytes = ev_read("artifact.txt", &a);
    b = ev_bundle("gh-dsse.bundle.json", &a);
    rc = wh_verify_bundle(&b, &art, gh, NULL, &tsa_only, &a, &r, &err);
    expect(rc, &err, WH_OK, NULL,
           "keyless DSSE with a timestamp and no tlog entry verifies (no tlog required, one "
           "timestamp)");
    ok(rc == WH_OK && r.is_keyless && strcmp(r.identity.san, EV_SAN) == 0 &&
           r.n_tlog_verified == 0 && r.n_timestamps_verified == 1 &&
           strcmp(r.time_source, "tsa") == 0 && r.signing_time > 0,
       "the signing time is the verified TSA time (no tlog entry)");
    expect(wh_verify_bundle(&b, &art, gh, NULL, &ev_strict, &a, &r, &err), &err, WH_E_VERIFY,
           "0 verified transparency log entries, 1 required",
           "the same bundle with a tlog entry required (the default) is refused");
    p.timestamp_threshold = 2;
    expect(wh_verify_bundle(&b, &art, gh, NULL, &p, &a, &r, &err), &err, WH_E_VERIFY,
           "1 verified RFC 3161 timestamps, 2 required", "two timestamps required, one given");
    expect(wh_verify_bundle(&b, &art, gh_ct, NULL, &tsa_only, &a, &r, &err), &err, WH_E_VERIFY,
           "no valid SCT",
           "a certificate without SCT from a CA whose root lists a CT log is refused");
    expect(wh_verify_bundle(&b, &art, sig, NULL, &tsa_only, &a, &r, &err), &err, WH_E_VERIFY,
           "timestamp 0", "a timestamp of a TSA the root does not hold is refused");
    b = ev_bundle("gh-other-bytes.bundle.json", &a);
    expect(wh_verify_bundle(&b, &art, gh, NULL, &tsa_only, &a, &r, &err), &err, WH_E_VERIFY,
           "message imprint mismatch",
           "a timestamp of the trusted TSA over other bytes is refused");
    b = ev_bundle("gh-none.bundle.json", &a);
    p = tsa_only;
    p.timestamp_threshold = 0;
    expect(wh_verify_bundle(&b, &art, gh, NULL, &p, &a, &r, &err), &err, WH_E_VERIFY,
           "no verified signing time",
           "keyless with neither tlog entry nor timestamp is refused (no trusted time)");
    b = ev_bundle("gh-msg.bundle.json", &a);
    expect(wh_verify_bundle(&b, &art, gh, NULL, &tsa_only, &a, &r, &err), &err, WH_OK, NULL,
           "keyless message signature with only a timestamp verifies");
    {
        struct wh_bundle_key key, other;

        WH_ASSERT(wh_verify_bundle_key_parse(ev_read("key.pub", &a), &a, &key, &err) == WH_OK);
        WH_ASSERT(
            wh_verify_bundle_key_parse(
                slurp("sigstore-conformance/bundle-verify/managed-key-happy-path/key.pub", &a), &a,
                &other, &err) == WH_OK);
        b = ev_bundle("key-tsa.bundle.json", &a);
        rc = wh_verify_bundle(&b, &art, sig, &key, &tsa_only, &a, &r, &err);
        expect(rc, &err, WH_OK, NULL, "key-signed DSSE with only a timestamp verifies");
        ok(rc == WH_OK && !r.is_keyless && r.n_timestamps_verified == 1 &&
               strcmp(r.time_source, "tsa") == 0,
           "key bundle: signing time from the timestamp");
        expect(wh_verify_bundle(&b, &art, sig, &key, &ev_strict, &a, &r, &err), &err, WH_E_VERIFY,
               "0 verified transparency log entries, 1 required",
               "key bundle with only a timestamp, tlog required: refused");
        expect(wh_verify_bundle(&b, &art, sig, &other, &tsa_only, &a, &r, &err), &err, WH_E_VERIFY,
               "no signature on the envelope verifies",
               "key bundle with only a timestamp, another key: refused");
        expect(wh_verify_bundle(&b, &art, gh, &key, &tsa_only, &a, &r, &err), &err, WH_E_VERIFY,
               "timestamp 0", "key bundle timestamped by a TSA the root does not hold: refused");
    }
    wh_trust_root_unref(gh);
    wh_trust_root_unref(gh_ct);
    wh_trust_root_unref(sig);
    wh_arena_fini(&a);
}

/* Issue 11 item 4: a private deployment's checkpoint origin ("rekor-00001-deployment-abc - <tree
 * id>") differs from the log URL's host; the log's key binds it. */
static void
test_checkpoint_bound_by_key(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art = {0};
    struct wh_bundle_result r;
    struct wh_error err = {0};
    struct wh_trust_root *sig = ev_root("trusted_root.json");
    const struct wh_bundle_policy ev_strict = {.san = EV_SAN, .issuer = EV_ISSUER};
    enum wh_err rc;

    wh_arena_init(&a);
    art.bytes = ev_read("artifact.txt", &a);
    b = ev_bundle("origin.bundle.json", &a);
    WH_ASSERT(b.n_tlog == 1 && b.tlog[0].checkpoint.len > 0);
    ok(strncmp(b.tlog[0].checkpoint.ptr, "rekor-00001-deployment-abc - ", 29) == 0,
       "fixture: the checkpoint origin is the private deployment's");
    rc = wh_verify_bundle(&b, &art, sig, NULL, &ev_strict, &a, &r, &err);
    expect(rc, &err, WH_OK, NULL,
           "checkpoint whose origin is not the log URL's host, signed by the log key, verifies");
    ok(rc == WH_OK && r.n_tlog_verified == 1, "... as one verified tlog entry");
    b = ev_bundle("origin-other-key.bundle.json", &a);
    expect(wh_verify_bundle(&b, &art, sig, NULL, &ev_strict, &a, &r, &err), &err, WH_E_VERIFY,
           "checkpoint has no signature with the log's key hint",
           "the same checkpoint signed by another log's key is refused");
    b = ev_bundle("origin-forged-hint.bundle.json", &a);
    expect(wh_verify_bundle(&b, &art, sig, NULL, &ev_strict, &a, &r, &err), &err, WH_E_VERIFY,
           "checkpoint signature does not verify with the log key",
           "the same checkpoint signed by another key under the log's hint is refused");
    wh_trust_root_unref(sig);
    wh_arena_fini(&a);
}

/* Issue 11 item 6: npm provenance names the tarball by sha512 only. */
static void
test_sha512_subject(void)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_verify_artifact art = {0};
    struct wh_bundle_result r;
    struct wh_intoto_statement st;
    struct wh_error err = {0};
    struct wh_trust_root *sig = ev_root("trusted_root.json");
    const struct wh_bundle_policy ev_strict = {.san = EV_SAN, .issuer = EV_ISSUER};
    unsigned char sum[64];
    char digest[7 + 128 + 1] = "sha512:";
    struct wh_bytes tgz;
    enum wh_err rc;

    wh_arena_init(&a);
    b = ev_bundle("npm.bundle.json", &a);
    rc = wh_verify_bundle(&b, &art, sig, NULL, &ev_strict, &a, &r, &err);
    expect(rc, &err, WH_OK, NULL, "npm-style DSSE bundle verifies");
    if (rc == WH_OK && wh_verify_intoto_parse(r.payload, &lim, &a, &st, &err) == WH_OK) {
        tgz = ev_read("package.tgz", &a);
        WH_ASSERT(EVP_Digest(tgz.ptr, tgz.len, sum, NULL, EVP_sha512(), NULL) == 1);
        wh_digest_hex(sum, 64, digest + 7);
        expect(wh_verify_intoto_subject(&st, digest, &err), &err, WH_OK, NULL,
               "its subject is the tarball's sha512");
        digest[7 + 127] = digest[7 + 127] == '0' ? '1' : '0';
        expect(wh_verify_intoto_subject(&st, digest, &err), &err, WH_E_VERIFY, "does not include",
               "a sha512 that differs in one byte is refused");
        wh_digest_sha256(tgz.ptr, tgz.len, sum);
        memcpy(digest, "sha256:", 7);
        wh_digest_hex(sum, 32, digest + 7);
        expect(wh_verify_intoto_subject(&st, digest, &err), &err, WH_E_VERIFY, "(no sha256)",
               "the tarball's sha256 is not a subject (only its sha512 is)");
    }
    wh_trust_root_unref(sig);
    wh_arena_fini(&a);
}

int
main(void)
{
    const char *env = getenv("DG_SHARED");
    char path[1024];
    const char *paths[1] = {path};
    struct wh_error err = {0};

    snprintf(shared, sizeof(shared), "%s", env != NULL ? env : "../shared");
    snprintf(path, sizeof(path), "%s/vectors/trust/sigstore-public-good.trusted_root.json", shared);
    if (wh_trust_root_load(paths, 1, &lim, &good, &err) != WH_OK) {
        printf("not ok 1 - public-good trust root loads: %s\n1..1\n", err.msg);
        return 1;
    }
    test_message_signature_bundles_verify();
    test_digest_only_artifact_verifies_prehashed();
    test_bundle_of_another_artifact_is_refused();
    test_identity_checks();
    test_tlog_checks();
    test_dsse_bundles();
    test_certificate_checks();
    test_managed_keys();
    test_cosign_layer_without_certificate_is_not_found();
    if (ok(evidence_make(evidence, sizeof(evidence)),
           "sigstore-js made the evidence fixtures in %s (tests/support/fixtures/"
           "keyless-evidence.js)",
           evidence)) {
        test_timestamp_only_evidence();
        test_checkpoint_bound_by_key();
        test_sha512_subject();
    }
    evidence_remove(evidence);
    wh_trust_root_unref(good);
    return done_testing();
}
