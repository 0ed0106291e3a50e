/* verify/tsa.c on the sigstore-conformance Rekor v2 bundles' RFC 3161 timestamps, with the
 * authorities read here from each case's trusted_root.json. */
#include <jansson.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/tsa.h"

static const char *
vec(struct wh_arena *a, const char *name)
{
    const char *shared = getenv("DG_SHARED");

    return wh_arena_sprintf(a, "%s/vectors/sigstore-conformance/bundle-verify/%s",
                            shared != NULL ? shared : "../shared", name);
}

static int
num(const char *s, int n)
{
    int v = 0;

    while (n-- > 0)
        v = v * 10 + (*s++ - '0');
    return v;
}

/* RFC 3339 "YYYY-MM-DDTHH:MM:SS[.f]Z" → epoch seconds. */
static time_t
rfc3339(const char *s, time_t dflt)
{
    struct tm tm = {0};

    if (s == NULL || strlen(s) < 20)
        return dflt;
    tm.tm_year = num(s, 4) - 1900;
    tm.tm_mon = num(s + 5, 2) - 1;
    tm.tm_mday = num(s + 8, 2);
    tm.tm_hour = num(s + 11, 2);
    tm.tm_min = num(s + 14, 2);
    tm.tm_sec = num(s + 17, 2);
    return timegm(&tm);
}

static void
free_chain(void *p)
{
    sk_X509_pop_free(p, X509_free);
}

/* The first timestampAuthorities[] entry of the case's trusted root. */
static struct wh_trust_authority
authority(const char *dir, struct wh_arena *a)
{
    struct wh_trust_authority t = {0};
    json_t *root =
        json_load_file(vec(a, wh_arena_sprintf(a, "%s/trusted_root.json", dir)), 0, NULL);
    json_t *tsa = json_array_get(json_object_get(root, "timestampAuthorities"), 0), *c;
    json_t *vf = json_object_get(tsa, "validFor");
    size_t i;

    t.chain = sk_X509_new_null();
    json_array_foreach(json_object_get(json_object_get(tsa, "certChain"), "certificates"), i, c)
    {
        struct wh_bytes der = testsign_b64(json_string_value(json_object_get(c, "rawBytes")), a);
        const unsigned char *p = der.ptr;
        X509 *x = d2i_X509(NULL, &p, (long)der.len);

        if (x != NULL)
            sk_X509_push(t.chain, x);
    }
    wh_arena_defer(a, free_chain, t.chain);
    t.name = "test-tsa";
    t.valid_from = rfc3339(json_string_value(json_object_get(vf, "start")), 0);
    t.valid_to = rfc3339(json_string_value(json_object_get(vf, "end")), WH_TRUST_OPEN_END);
    json_decref(root);
    return t;
}

struct sample {
    struct wh_bytes ts;
    struct wh_bytes sig;
};

static struct sample
sample(const char *dir, struct wh_arena *a)
{
    struct sample s;
    json_t *b =
        json_load_file(vec(a, wh_arena_sprintf(a, "%s/bundle.sigstore.json", dir)), 0, NULL);
    json_t *ms = json_object_get(b, "messageSignature");

    s.ts = testsign_b64(
        json_string_value(json_object_get(
            json_array_get(
                json_object_get(json_object_get(json_object_get(b, "verificationMaterial"),
                                                "timestampVerificationData"),
                                "rfc3161Timestamps"),
                0),
            "signedTimestamp")),
        a);
    s.sig = ms != NULL
                ? testsign_b64(json_string_value(json_object_get(ms, "signature")), a)
                : testsign_b64(
                      json_string_value(json_object_get(
                          json_array_get(
                              json_object_get(json_object_get(b, "dsseEnvelope"), "signatures"), 0),
                          "sig")),
                      a);
    json_decref(b);
    return s;
}

static void
expect(const char *dir, enum wh_err want, const char *msg_part)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_trust_authority t;
    struct sample s;
    time_t gen = 0;
    enum wh_err rc;

    wh_arena_init(&a);
    t = authority(dir, &a);
    s = sample(dir, &a);
    rc = wh_verify_timestamp_with(s.ts, s.sig, &t, &gen, &err);
    ok(rc == want && (msg_part == NULL || strstr(err.msg, msg_part) != NULL) &&
           (rc != WH_OK || gen > 1700000000),
       "%s: %s (want %s) %s gen=%lld", dir, wh_error_name(rc), wh_error_name(want),
       rc == WH_OK ? "" : err.msg, (long long)gen);
    wh_arena_fini(&a);
}

static void
test_genuine_timestamp_and_its_time(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_trust_authority t;
    struct sample s;
    time_t gen = 0;
    unsigned char *other;

    wh_arena_init(&a);
    t = authority("rekor2-happy-path", &a);
    s = sample("rekor2-happy-path", &a);
    ok(wh_verify_timestamp_with(s.ts, s.sig, &t, &gen, &err) == WH_OK && gen == 1749729740,
       "rekor2-happy-path timestamp verifies, genTime 2025-06-12T12:02:20Z: %lld %s",
       (long long)gen, err.msg);
    /* TSA token over other bytes */
    other = wh_arena_memdup(&a, s.sig.ptr, s.sig.len);
    other[3] ^= 1;
    ok(wh_verify_timestamp_with(s.ts, (struct wh_bytes){other, s.sig.len}, &t, &gen, &err) ==
               WH_E_VERIFY &&
           strstr(err.msg, "timestamp does not verify") != NULL,
       "token over other bytes is WH_E_VERIFY: %s", err.msg);
    /* the authority's window ends before genTime */
    t.valid_to = 1749729739;
    ok(wh_verify_timestamp_with(s.ts, s.sig, &t, &gen, &err) == WH_E_VERIFY &&
           strstr(err.msg, "outside the validity") != NULL,
       "genTime after the authority's window is WH_E_VERIFY: %s", err.msg);
    t.valid_to = 1749729740; /* inclusive end */
    ok(wh_verify_timestamp_with(s.ts, s.sig, &t, &gen, &err) == WH_OK,
       "genTime equal to the window's end verifies: %s", err.msg);
    /* a chain whose root is another authority's */
    {
        struct wh_trust_authority u = authority("rekor2-timestamp-with-expired-cert-chain", &a);

        ok(wh_verify_timestamp_with(s.ts, s.sig, &u, &gen, &err) == WH_E_VERIFY,
           "another authority's chain is WH_E_VERIFY: %s", err.msg);
    }
    /* malformed */
    ok(wh_verify_timestamp_with((struct wh_bytes){(const unsigned char *)"\x30\x03\x02\x01\x00", 5},
                                s.sig, &t, &gen, &err) == WH_E_INVALID,
       "garbage DER is WH_E_INVALID: %s", err.msg);
    ok(wh_verify_timestamp_with((struct wh_bytes){s.ts.ptr, s.ts.len - 1}, s.sig, &t, &gen, &err) ==
           WH_E_INVALID,
       "truncated token is WH_E_INVALID: %s", err.msg);
    ok(wh_verify_timestamp_with((struct wh_bytes){NULL, 0}, s.sig, &t, &gen, &err) == WH_E_INVALID,
       "empty token is WH_E_INVALID: %s", err.msg);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_genuine_timestamp_and_its_time();
    expect("rekor2-timestamp-with-embedded-cert", WH_OK, NULL);
    expect("rekor2-timestamp-without-embedded-cert", WH_OK, NULL);
    expect("rekor2-timestamp-with-expired-cert-chain", WH_OK, NULL);
    expect("rekor2-dsse-happy-path", WH_OK, NULL);
    expect("rekor2-timestamp-payload-mismatch_fail", WH_E_VERIFY, "does not verify");
    expect("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", WH_E_VERIFY, NULL);
    expect("rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", WH_E_VERIFY, NULL);
    expect("rekor2-timestamp-outside-trust-root-tsa-validity_fail", WH_E_VERIFY, "outside");
    return done_testing();
}
