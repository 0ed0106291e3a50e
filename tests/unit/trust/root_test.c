/* trust/root.c: real trusted roots (public good, cosign, every conformance case) and legacy files.
 */
#include "trust/root.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/digest.h"
#include "support/testca.h"
#include "support/testsign.h"
#include "unit/harness.h"

static struct wh_limits limits = WH_LIMITS_DEFAULT;

static const char *
shared(void)
{
    const char *s = getenv("DG_SHARED");
    return s != NULL ? s : "../shared";
}

static enum wh_err
parse(const char *json, struct wh_trust_root **r, struct wh_error *err)
{
    return wh_trust_root_parse((struct wh_bytes){(const unsigned char *)json, strlen(json)},
                               "t.json", &limits, r, err);
}

static void
test_public_good_root(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_trust_root *r = NULL;
    const char *path;
    struct wh_bytes id;
    const struct wh_trust_log *l;

    wh_arena_init(&a);
    path =
        wh_arena_sprintf(&a, "%s/vectors/trust/sigstore-public-good.trusted_root.json", shared());
    if (!ok(wh_trust_root_load(&path, 1, &limits, &r, &err) == WH_OK, "public good: %s", err.msg))
        return;
    ok(wh_trust_root_tlog_count(r) == 2 && wh_trust_root_ctlog_count(r) == 2 &&
           wh_trust_root_ca_count(r) == 2 && wh_trust_root_tsa_count(r) == 1,
       "2 tlogs, 2 ctlogs, 2 CAs, 1 TSA");
    ok(wh_digest_base64_decode(WH_STR("wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="), &a, &id,
                               &err) == WH_OK,
       "decode rekor log id");
    l = wh_trust_tlog_find(r, id.ptr, 1700000000);
    ok(l != NULL && strcmp(l->base_url, "https://rekor.sigstore.dev") == 0 &&
           strcmp(l->key_details, "PKIX_ECDSA_P256_SHA_256") == 0,
       "rekor.sigstore.dev found by log ID");
    ok(wh_trust_tlog_find(r, id.ptr, 1600000000) == NULL,
       "not before its validFor.start (2021-01-12)");
    ok(wh_trust_ctlog_find(r, id.ptr, 1700000000) == NULL, "a tlog ID is not a CT log");
    ok(sk_X509_num(wh_trust_root_ca_get(r, 0)->chain) >= 1 &&
           strcmp(wh_trust_root_ca_get(r, 0)->uri, "https://fulcio.sigstore.dev") == 0,
       "CA chain and uri");
    ok(wh_trust_root_ca_get(r, 99) == NULL, "out-of-range get is NULL");
    wh_trust_root_unref(r);
    wh_arena_fini(&a);
}

static void
test_every_vector_root(void)
{
    struct wh_arena a;
    glob_t g;
    size_t good = 0, bad = 0;

    wh_arena_init(&a);
    if (glob(wh_arena_sprintf(
                 &a, "%s/vectors/sigstore-conformance/bundle-verify/*/trusted_root.json", shared()),
             0, NULL, &g) != 0) {
        ok(0, "conformance trusted roots found");
        wh_arena_fini(&a);
        return;
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct wh_error err = {0};
        struct wh_trust_root *r = NULL;
        const char *p = g.gl_pathv[i];
        bool want_fail = strstr(p, "trust-root-tlog-missing-validity-start_fail") != NULL;
        enum wh_err rc = wh_trust_root_load(&p, 1, &limits, &r, &err);

        if (want_fail) {
            ok(rc == WH_E_INVALID && strstr(err.msg, "tlogs[1].publicKey.validFor: no start"),
               "missing validFor.start is refused: %s", err.msg);
            bad++;
        } else if (rc == WH_OK) {
            good++;
        } else {
            ok(0, "%s: %s", p, err.msg);
        }
        wh_trust_root_unref(r);
    }
    ok(good + bad == g.gl_pathc && good == g.gl_pathc - 1,
       "%zu conformance trusted roots parse, 1 refused", good);
    globfree(&g);
    {
        struct wh_error err = {0};
        struct wh_trust_root *r = NULL;
        const char *p = wh_arena_sprintf(&a, "%s/vectors/cosign/trusted_root_pgi.json", shared());
        ok(wh_trust_root_load(&p, 1, &limits, &r, &err) == WH_OK, "cosign trusted_root_pgi: %s",
           err.msg);
        wh_trust_root_unref(r);
    }
    wh_arena_fini(&a);
}

static void
test_legacy_files_merge(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_trust_root *r = NULL, *r2 = NULL;
    const char *paths[3];
    struct wh_bytes id;

    wh_arena_init(&a);
    paths[0] = wh_arena_sprintf(&a, "%s/vectors/trust/fulcio_v1.crt.pem", shared());
    paths[1] = wh_arena_sprintf(&a, "tlog=%s/vectors/trust/rekor.pub", shared());
    paths[2] =
        wh_arena_sprintf(&a, "%s/vectors/trust/sigstore-public-good.trusted_root.json", shared());
    if (!ok(wh_trust_root_load(paths, 3, &limits, &r, &err) == WH_OK, "legacy + json merge: %s",
            err.msg))
        return;
    ok(wh_trust_root_ca_count(r) == 3 && wh_trust_root_tlog_count(r) == 3,
       "fulcio PEM adds a CA, rekor.pub a tlog");
    ok(wh_digest_base64_decode(WH_STR("wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="), &a, &id,
                               &err) == WH_OK &&
           wh_trust_root_tlog_get(r, 0)->key != NULL &&
           memcmp(wh_trust_root_tlog_get(r, 0)->log_id, id.ptr, 32) == 0,
       "legacy Rekor key's log ID is sha256(SPKI)");
    ok(wh_trust_tlog_find(r, id.ptr, 0) != NULL, "legacy key valid at any time");
    ok(!wh_trust_root_ca_get(r, 0)->lists_no_ctlog && !wh_trust_root_ca_get(r, 1)->lists_no_ctlog &&
           !wh_trust_root_ca_get(r, 2)->lists_no_ctlog,
       "a legacy Fulcio PEM and the public-good CAs (a root with CT logs) require SCTs");
    ok(wh_trust_root_load(paths, 1, &limits, &r2, &err) == WH_OK &&
           wh_trust_root_generation(r2) > wh_trust_root_generation(r),
       "generation increases");
    ok(wh_trust_root_ref(r) == r, "ref returns the snapshot");
    wh_trust_root_unref(r);
    wh_trust_root_unref(r);
    wh_trust_root_unref(r2);
    wh_trust_root_unref(NULL);
    paths[0] = wh_arena_sprintf(&a, "%s/vectors/trust/rekor.pub", shared());
    ok(wh_trust_root_load(paths, 1, &limits, &r, &err) == WH_E_INVALID &&
           strstr(err.msg, "a public key file needs a kind: tlog=") != NULL,
       "bare public key refused: %s", err.msg);
    paths[0] = "/nonexistent/root.json";
    ok(wh_trust_root_load(paths, 1, &limits, &r, &err) != WH_OK &&
           strstr(err.msg, "/nonexistent/root.json") != NULL,
       "missing file named: %s", err.msg);
    ok(wh_trust_root_load(paths, 0, &limits, &r, &err) == WH_E_INVALID, "no files");
    wh_arena_fini(&a);
}

#define MT "\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\""
#define KEY                                                                                        \
    "\"rawBytes\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3" \
    "qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\",\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\""
#define LID "\"logId\":{\"keyId\":\"wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=\"}"

static void
test_malformed_roots(void)
{
    static const struct {
        const char *json;
        enum wh_err code;
        const char *msg;
    } C[] = {
        {"{", WH_E_INVALID, "t.json:1:"},
        {"[]", WH_E_INVALID, "$: not an object"},
        {"{\"mediaType\":\"x\"}", WH_E_INVALID, "mediaType: unsupported \"x\""},
        {"{" MT ",\"tlogs\":{}}", WH_E_INVALID, "tlogs: not an array"},
        {"{" MT ",\"tlogs\":[{\"publicKey\":{" KEY "}," LID "}]}", WH_E_INVALID,
         "tlogs[0].publicKey.validFor: missing"},
        {"{" MT ",\"tlogs\":[{\"publicKey\":{" KEY
         ",\"validFor\":{\"start\":\"2021-13-01T00:00:00Z\"}}," LID "}]}",
         WH_E_INVALID, "validFor.start: not an RFC 3339 time"},
        {"{" MT ",\"tlogs\":[{\"publicKey\":{" KEY
         ",\"validFor\":{\"start\":\"2022-01-01T00:00:00Z\","
         "\"end\":\"2021-01-01T00:00:00Z\"}}," LID "}]}",
         WH_E_INVALID, "end before start"},
        {"{" MT ",\"tlogs\":[{\"publicKey\":{\"rawBytes\":\"AAAA\",\"validFor\":{\"start\":"
         "\"2022-01-01T00:00:00Z\"}}," LID "}]}",
         WH_E_INVALID, "neither DER SubjectPublicKeyInfo nor PKCS#1"},
        {"{" MT ",\"tlogs\":[{\"publicKey\":{" KEY
         ",\"validFor\":{\"start\":\"2022-01-01T00:00:00Z\"}},"
         "\"logId\":{\"keyId\":\"AAAA\"}}]}",
         WH_E_INVALID, "3 bytes, want 32"},
        {"{" MT ",\"certificateAuthorities\":[{\"certChain\":{\"certificates\":[]},"
         "\"validFor\":{\"start\":\"2022-01-01T00:00:00Z\"}}]}",
         WH_E_INVALID, "certificateAuthorities[0].certChain.certificates: empty"},
        {"{" MT ",\"certificateAuthorities\":[{\"certChain\":{\"certificates\":[{\"rawBytes\":"
         "\"AAAA\"}]},\"validFor\":{\"start\":\"2022-01-01T00:00:00Z\"}}]}",
         WH_E_INVALID, "not a DER certificate"},
        {"{" MT "," MT "}", WH_E_INVALID, "duplicate"},
    };
    for (size_t i = 0; i < sizeof(C) / sizeof(C[0]); i++) {
        struct wh_error err = {0};
        struct wh_trust_root *r = NULL;
        ok(parse(C[i].json, &r, &err) == C[i].code && strstr(err.msg, C[i].msg) != NULL,
           "malformed %zu: %s", i, err.msg);
    }
    {
        struct wh_error err = {0};
        struct wh_trust_root *r = NULL;
        const struct wh_trust_log *l;
        ok(parse("{" MT ",\"tlogs\":[{\"publicKey\":{" KEY ",\"validFor\":{\"start\":"
                 "\"2022-01-01T00:00:00.5+01:00\",\"end\":\"2023-01-01T00:00:00Z\"}}," LID "}]}",
                 &r, &err) == WH_OK,
           "offset and fraction parse: %s", err.msg);
        if (r != NULL) {
            l = wh_trust_root_tlog_get(r, 0);
            ok(l->valid_from == 1640991600 && l->valid_to == 1672531200, "window in UTC");
            ok(wh_trust_tlog_find(r, l->log_id, 1672531200) == l, "end is inclusive");
            ok(wh_trust_tlog_find(r, l->log_id, 1672531201) == NULL, "after end: not found");
        }
        wh_trust_root_unref(r);
    }
    {
        struct wh_error err = {0};
        struct wh_trust_root *r = NULL;
        struct wh_limits small = limits;
        small.policy_bytes = 10;
        ok(wh_trust_root_parse((struct wh_bytes){(const unsigned char *)"{" MT "}", 70}, "t",
                               &small, &r, &err) == WH_E_LIMIT,
           "over the size limit: %s", err.msg);
    }
}

/* A trusted root holding one CA and one TSA (both `cert_b64`) and the given "ctlogs" list. */
static const char *
ca_and_tsa_root(const char *ctlogs, const char *cert_b64, struct wh_arena *a)
{
    return wh_arena_sprintf(
        a,
        "{" MT ",\"tlogs\":[],\"ctlogs\":%s,\"certificateAuthorities\":[{\"certChain\":{"
        "\"certificates\":[{\"rawBytes\":\"%s\"}]},\"validFor\":{\"start\":\"2022-01-01T00:00:"
        "00Z\"}}],"
        "\"timestampAuthorities\":[{\"certChain\":{\"certificates\":[{\"rawBytes\":\"%s\"}]},"
        "\"validFor\":{\"start\":\"2022-01-01T00:00:00Z\"}}]}",
        ctlogs, cert_b64, cert_b64);
}

/* Issue 11 item 5: GitHub's trusted root for private repositories lists a CA and a TSA, no CT
 * log; its certificates carry no SCT. Per document: merged beside a root with CT logs, only its
 * own CAs are exempt. */
static void
test_ca_of_a_root_without_ctlog(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_trust_root *r = NULL;
    const char *doc, *cert, *paths[2];
    char file[] = "/tmp/dg-root-test-XXXXXX";
    struct wh_bytes der;
    FILE *f;
    int fd;

    wh_arena_init(&a);
    der = testca_der(testca_root_new(testsign_key_new("ec-p256", &a), "Internal Services Root",
                                     1600000000, 2000000000, &a),
                     &a);
    cert = wh_digest_base64_encode(der.ptr, der.len, &a);
    doc = ca_and_tsa_root("[]", cert, &a);
    if (ok(parse(doc, &r, &err) == WH_OK, "a root with a CA and a TSA only parses: %s", err.msg))
        ok(wh_trust_root_ca_get(r, 0)->lists_no_ctlog &&
               !wh_trust_root_tsa_get(r, 0)->lists_no_ctlog,
           "its CA is marked: lists no CT log (no SCT required); the TSA is not");
    wh_trust_root_unref(r);
    r = NULL;
    if (ok(parse(ca_and_tsa_root("[{\"publicKey\":{" KEY
                                 ",\"validFor\":{\"start\":\"2022-01-01T00:00:00Z\"}}," LID "}]",
                                 cert, &a),
                 &r, &err) == WH_OK,
           "the same root with a CT log parses: %s", err.msg))
        ok(!wh_trust_root_ca_get(r, 0)->lists_no_ctlog,
           "a CA whose root lists a CT log is not marked: SCT required");
    wh_trust_root_unref(r);
    r = NULL;
    fd = mkstemp(file);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    WH_ASSERT(f != NULL && fputs(doc, f) >= 0 && fclose(f) == 0);
    paths[0] =
        wh_arena_sprintf(&a, "%s/vectors/trust/sigstore-public-good.trusted_root.json", shared());
    paths[1] = file;
    if (ok(wh_trust_root_load(paths, 2, &limits, &r, &err) == WH_OK,
           "public good merged with a root without CT log: %s", err.msg))
        ok(wh_trust_root_ca_count(r) == 3 && !wh_trust_root_ca_get(r, 0)->lists_no_ctlog &&
               !wh_trust_root_ca_get(r, 1)->lists_no_ctlog &&
               wh_trust_root_ca_get(r, 2)->lists_no_ctlog,
           "merged: only the CA of the document without CT log is marked");
    wh_trust_root_unref(r);
    unlink(file);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_public_good_root();
    test_every_vector_root();
    test_legacy_files_merge();
    test_malformed_roots();
    test_ca_of_a_root_without_ctlog();
    return done_testing();
}
