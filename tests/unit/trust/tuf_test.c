/* trust/tuf.c: canonical JSON, Sigstore's real TUF root, key schemes (ed25519, ecdsa P-256 and
 * P-384), thresholds counted over distinct keys, malformed and oversized metadata, root rotation
 * and expiry. The repository-level attacks, with tuf-js as the oracle, are in
 * tests/integration/tuf_test.sh. */
#include "trust/tuf.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "support/testsign.h"
#include "unit/harness.h"

#define FUTURE "2099-01-01T00:00:00Z"
#define NOW ((time_t)1764000000) /* 2025-11-24 */

struct tkey {
    const char *id;
    EVP_PKEY *key;
    const char *md; /* NULL for ed25519 */
    const char *json;
};

static struct tkey
mint(const char *kind, const char *id, struct wh_arena *a)
{
    struct tkey k = {.id = id, .key = testsign_key_new(kind, a)};
    struct wh_buf b;

    wh_buf_init(&b, 1 << 16);
    if (strcmp(kind, "ed25519") == 0) {
        unsigned char raw[32];
        char hex[65];
        size_t n = sizeof(raw);

        EVP_PKEY_get_raw_public_key(k.key, raw, &n);
        wh_digest_hex(raw, 32, hex);
        wh_buf_printf(&b,
                      "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":"
                      "\"%s\"}}",
                      hex);
    } else {
        struct wh_bytes pem = testsign_pubkey_pem(k.key, a);
        bool p384 = strcmp(kind, "ec-p384") == 0;

        k.md = p384 ? "SHA384" : "SHA256";
        wh_buf_printf(&b,
                      "{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp%s\",\"keyval\":"
                      "{\"public\":",
                      p384 ? "384" : "256");
        wh_buf_append_json_string(&b, (struct wh_str){(const char *)pem.ptr, pem.len});
        wh_buf_append_c(&b, "}}");
    }
    k.json = wh_arena_strdup(a, b.ptr);
    wh_buf_fini(&b);
    return k;
}

/* {"signed": signed, "signatures": [...]} with one signature per signer (md overrides the key's
 * digest when not NULL, to sign with the wrong one). */
static struct wh_bytes
sign_doc(const char *signed_json, const struct tkey *const *signers, size_t n, const char *md,
         struct wh_arena *a)
{
    struct wh_buf canon, out;
    struct wh_error err;

    wh_buf_init(&canon, 1 << 20);
    wh_buf_init(&out, 1 << 20);
    if (wh_tuf_canonical_json(
            (struct wh_bytes){(const unsigned char *)signed_json, strlen(signed_json)}, &canon,
            &err) != WH_OK) {
        printf("# canonical: %s\n", err.msg);
        return (struct wh_bytes){0};
    }
    wh_buf_printf(&out, "{\"signed\":%s,\"signatures\":[", signed_json);
    for (size_t i = 0; i < n; i++) {
        struct wh_bytes sig =
            testsign_sign(signers[i]->key, md != NULL ? md : signers[i]->md,
                          (struct wh_bytes){(const unsigned char *)canon.ptr, canon.len}, a);
        char *hex = wh_arena_alloc(a, 2 * sig.len + 1);

        wh_digest_hex(sig.ptr, sig.len, hex);
        wh_buf_printf(&out, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "", signers[i]->id,
                      hex);
    }
    wh_buf_append_c(&out, "]}");
    struct wh_bytes r = {wh_arena_memdup(a, out.ptr, out.len + 1), out.len};
    wh_buf_fini(&canon);
    wh_buf_fini(&out);
    return r;
}

/* A root whose four roles all use `keys` (listed in "keys" and in every role) with `threshold`. */
static char *
root_json(int version, const char *expires, const struct tkey *const *keys, size_t n, int threshold,
          struct wh_arena *a)
{
    struct wh_buf b, ids;
    static const char *roles[] = {"root", "timestamp", "snapshot", "targets"};

    wh_buf_init(&b, 1 << 20);
    wh_buf_init(&ids, 1 << 16);
    for (size_t i = 0; i < n; i++)
        wh_buf_printf(&ids, "%s\"%s\"", i ? "," : "", keys[i]->id);
    wh_buf_printf(
        &b,
        "{\"_type\":\"root\",\"spec_version\":\"1.0.31\",\"version\":%d,\"expires\":\"%s\","
        "\"consistent_snapshot\":true,\"keys\":{",
        version, expires);
    for (size_t i = 0; i < n; i++)
        wh_buf_printf(&b, "%s\"%s\":%s", i ? "," : "", keys[i]->id, keys[i]->json);
    wh_buf_append_c(&b, "},\"roles\":{");
    for (size_t r = 0; r < 4; r++)
        wh_buf_printf(&b, "%s\"%s\":{\"keyids\":[%s],\"threshold\":%d}", r ? "," : "", roles[r],
                      ids.ptr != NULL ? ids.ptr : "", threshold);
    wh_buf_append_c(&b, "}}");
    char *s = wh_arena_strdup(a, b.ptr);
    wh_buf_fini(&b);
    wh_buf_fini(&ids);
    return s;
}

static enum wh_err
start(struct wh_bytes json, struct wh_tuf **t, struct wh_error *err)
{
    *t = NULL;
    return wh_tuf_new(json, NOW, t, err);
}

static void
test_canonical_json(void)
{
    struct wh_buf b;
    struct wh_error err;
    const char *in = "{ \"b\": 1, \"a\": [true, false, null, \"x\\\"y\\\\z\\n\\u00e9\"], \"B\": -0,"
                     " \"_\": {} }";
    const char *want =
        "{\"B\":0,\"_\":{},\"a\":[true,false,null,\"x\\\"y\\\\z\n\xc3\xa9\"],\"b\":1}";
    enum wh_err rc;

    wh_buf_init(&b, 4096);
    rc = wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)in, strlen(in)}, &b, &err);
    ok(rc == WH_OK && strcmp(b.ptr, want) == 0,
       "canonical JSON: keys sorted bytewise, only \" and \\ escaped, no whitespace: %s",
       rc == WH_OK ? b.ptr : err.msg);
    wh_buf_reset(&b);
    rc =
        wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)"{\"a\":1.5}", 9}, &b, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "non-integer") != NULL, "a real number is refused");
    wh_buf_reset(&b);
    rc = wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)"{\"a\":1,\"a\":2}", 13},
                               &b, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "duplicate") != NULL, "a duplicate key is refused: %s",
       err.msg);
    wh_buf_fini(&b);

    char deep[200];
    memset(deep, '[', 40);
    memset(deep + 40, ']', 40);
    wh_buf_init(&b, 4096);
    rc = wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)deep, 80}, &b, &err);
    ok(rc == WH_E_LIMIT, "nesting past 32 is WH_E_LIMIT");
    wh_buf_fini(&b);
    wh_buf_init(&b, 8);
    rc = wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)"[1,2,3,4,5,6,7]", 15}, &b,
                               &err);
    ok(rc == WH_E_LIMIT, "output past the buffer's cap is WH_E_LIMIT");
    wh_buf_fini(&b);
}

static void
test_sigstore_root(void)
{
    struct wh_arena a;
    struct wh_bytes json;
    struct wh_error err;
    struct wh_tuf *t = NULL;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_file_read("tests/unit/trust/sigstore-tuf-root-v14.json", 1 << 20, &a, &json, &err);
    ok(rc == WH_OK, "Sigstore's root.json v14 (tuf-repo-cdn.sigstore.dev, from @sigstore/tuf)");
    if (rc != WH_OK)
        goto out;
    rc = start(json, &t, &err);
    ok(rc == WH_OK && wh_tuf_root_version(t) == 14 && wh_tuf_consistent_snapshot(t),
       "its ecdsa P-256 keys sign it over canonical JSON (threshold met): %s",
       rc == WH_OK ? "ok" : err.msg);
    wh_tuf_free(t);
    t = NULL;

    /* one character of "signed" changed: no signature holds */
    char *copy = wh_arena_memdup(&a, json.ptr, json.len + 1), *p = strstr(copy, "2026-06-22");
    ok(p != NULL, "the fixture expires 2026-06-22");
    if (p != NULL) {
        p[3] = '7';
        rc = start((struct wh_bytes){(unsigned char *)copy, json.len}, &t, &err);
        ok(rc == WH_E_VERIFY && strstr(err.msg, "0 of the root role's keys") != NULL,
           "a changed expiry breaks every signature: %s", err.msg);
        wh_tuf_free(t);
    }
out:
    wh_arena_fini(&a);
}

static void
test_key_schemes(void)
{
    struct wh_arena a;
    struct wh_error err;
    struct wh_tuf *t = NULL;
    enum wh_err rc;

    wh_arena_init(&a);
    struct tkey p384 = mint("ec-p384", "k384", &a), ed = mint("ed25519", "ked", &a);
    struct tkey p256 = mint("ec-p256", "k256", &a);
    const struct tkey *keys[] = {&p384, &ed, &p256};
    char *root = root_json(1, FUTURE, keys, 3, 3, &a);

    rc = start(sign_doc(root, keys, 3, NULL, &a), &t, &err);
    ok(rc == WH_OK, "ed25519, ecdsa-sha2-nistp256 and -nistp384 keys each count: %s",
       rc == WH_OK ? "ok" : err.msg);
    wh_tuf_free(t);

    const struct tkey *only384[] = {&p384};
    char *r384 = root_json(1, FUTURE, only384, 1, 1, &a);
    rc = start(sign_doc(r384, only384, 1, "SHA256", &a), &t, &err);
    ok(rc == WH_E_VERIFY, "a nistp384 signature over SHA-256 does not count (the scheme binds "
                          "SHA-384)");
    wh_tuf_free(t);

    /* the same key twice under one keyid is one key */
    const struct tkey *twice[] = {&ed, &ed};
    const struct tkey *one[] = {&ed, &p256};
    char *r2 = root_json(1, FUTURE, one, 2, 2, &a);
    rc = start(sign_doc(r2, twice, 2, NULL, &a), &t, &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "1 of the root role's keys") != NULL,
       "two signatures by one key count once toward a threshold of 2: %s", err.msg);
    wh_tuf_free(t);

    /* a signature by a key the role does not list does not count */
    struct tkey evil = mint("ed25519", "ked", &a); /* same keyid, other key */
    const struct tkey *forged[] = {&evil};
    const struct tkey *edonly[] = {&ed};
    rc = start(sign_doc(root_json(1, FUTURE, edonly, 1, 1, &a), forged, 1, NULL, &a), &t, &err);
    ok(rc == WH_E_VERIFY, "a signature under a listed keyid by another key is refused");
    wh_tuf_free(t);

    /* an RSA key (not verified here) listed with threshold 1 never meets it */
    char *rsa = wh_arena_sprintf(
        &a,
        "{\"_type\":\"root\",\"spec_version\":\"1.0\",\"version\":1,\"expires\":\"%s\",\"keys\":{"
        "\"r\":{\"keytype\":\"rsa\",\"scheme\":\"rsassa-pss-sha256\",\"keyval\":{\"public\":\"x\"}}"
        "},\"roles\":{\"root\":{\"keyids\":[\"r\"],\"threshold\":1},\"timestamp\":{\"keyids\":["
        "\"r\"],"
        "\"threshold\":1},\"snapshot\":{\"keyids\":[\"r\"],\"threshold\":1},\"targets\":{"
        "\"keyids\":[\"r\"],\"threshold\":1}}}",
        FUTURE);
    char *doc = wh_arena_sprintf(
        &a, "{\"signed\":%s,\"signatures\":[{\"keyid\":\"r\",\"sig\":\"00\"}]}", rsa);
    rc = start((struct wh_bytes){(unsigned char *)doc, strlen(doc)}, &t, &err);
    ok(rc == WH_E_VERIFY, "a key type this client does not verify never counts");
    wh_tuf_free(t);
    wh_arena_fini(&a);
}

static void
expect_invalid_n(const char *doc, size_t n, enum wh_err code, const char *needle, const char *name)
{
    struct wh_tuf *t = NULL;
    struct wh_error err = {0};
    enum wh_err rc = start((struct wh_bytes){(const unsigned char *)doc, n}, &t, &err);

    ok(rc == code && strstr(err.msg, needle) != NULL, "%s: %s", name, err.msg);
    wh_tuf_free(t);
}

static void
expect_invalid(const char *doc, enum wh_err code, const char *needle, const char *name)
{
    expect_invalid_n(doc, strlen(doc), code, needle, name);
}

static void
test_malformed(void)
{
    struct wh_arena a;
    struct wh_tuf *t = NULL;
    struct wh_error err;

    wh_arena_init(&a);
    struct tkey ed = mint("ed25519", "ked", &a);
    const struct tkey *keys[] = {&ed};
    char *root = root_json(1, FUTURE, keys, 1, 1, &a);

    expect_invalid("[]", WH_E_INVALID, "needs \"signed\"", "not an object");
    expect_invalid("{\"signed\":{},\"signatures\":[]}", WH_E_INVALID, "_type", "no _type");
    expect_invalid("{\"signed\":{\"_type\":\"timestamp\"},\"signatures\":[]}", WH_E_INVALID,
                   "expected root", "a timestamp given as root");
    expect_invalid("{\"signed\":{\"_type\":\"root\",\"spec_version\":\"2.0\"},\"signatures\":[]}",
                   WH_E_INVALID, "not 1.x", "spec_version 2.0");
    expect_invalid("{\"signed\":{\"_type\":\"root\",\"spec_version\":\"1.0\",\"version\":1,"
                   "\"expires\":\"2030-01-01\"},\"signatures\":[]}",
                   WH_E_INVALID, "YYYY-MM-DD", "a short expires");
    expect_invalid("{\"signed\":{\"_type\":\"root\",\"spec_version\":\"1.0\",\"version\":0,"
                   "\"expires\":\"" FUTURE "\"},\"signatures\":[]}",
                   WH_E_INVALID, "version", "version 0");
    static const char nul[] = "{\"signed\":{\"_type\":\"root\"}\0,\"signatures\":[]}";
    expect_invalid_n(nul, sizeof(nul) - 1, WH_E_INVALID, "NUL", "a NUL byte between tokens");

    char *dup = wh_arena_sprintf(&a, "%s", root);
    char *p = strstr(dup, "\"keyids\":[\"ked\"]");
    if (p != NULL) {
        dup = wh_arena_sprintf(&a, "%.*s\"keyids\":[\"ked\",\"ked\"]%s", (int)(p - dup), dup,
                               p + strlen("\"keyids\":[\"ked\"]"));
        struct wh_bytes d = sign_doc(dup, keys, 1, NULL, &a);
        enum wh_err rc = start(d, &t, &err);
        ok(rc == WH_E_INVALID && strstr(err.msg, "twice") != NULL,
           "a role listing one key twice is refused: %s", err.msg);
        wh_tuf_free(t);
    }

    /* over the root bound: refused before parsing */
    size_t big = WH_TUF_ROOT_MAX + 1;
    char *huge = wh_arena_alloc(&a, big + 1);
    memset(huge, ' ', big);
    enum wh_err rc = start((struct wh_bytes){(unsigned char *)huge, big}, &t, &err);
    ok(rc == WH_E_LIMIT, "a root past %zu bytes is WH_E_LIMIT", WH_TUF_ROOT_MAX);
    wh_arena_fini(&a);
}

static void
test_rotation_and_expiry(void)
{
    struct wh_arena a;
    struct wh_tuf *t = NULL;
    struct wh_error err;
    enum wh_err rc;

    wh_arena_init(&a);
    struct tkey k1 = mint("ed25519", "k1", &a), k2 = mint("ec-p256", "k2", &a);
    const struct tkey *v1k[] = {&k1}, *v2k[] = {&k2}, *both[] = {&k1, &k2};
    struct wh_bytes v1 = sign_doc(root_json(1, FUTURE, v1k, 1, 1, &a), v1k, 1, NULL, &a);

    rc = start(v1, &t, &err);
    ok(rc == WH_OK, "root v1");
    if (rc != WH_OK)
        goto out;
    rc = wh_tuf_root_update(t, sign_doc(root_json(2, FUTURE, v2k, 1, 1, &a), v2k, 1, NULL, &a),
                            &err);
    ok(rc == WH_E_VERIFY && wh_tuf_root_version(t) == 1,
       "v2 signed only by its new key is refused (the old root did not authorise it): %s", err.msg);
    rc = wh_tuf_root_update(t, sign_doc(root_json(2, FUTURE, v2k, 1, 1, &a), v1k, 1, NULL, &a),
                            &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "new root keys") != NULL,
       "v2 signed only by the old key is refused (its own keys did not sign): %s", err.msg);
    rc = wh_tuf_root_update(t, sign_doc(root_json(3, FUTURE, v2k, 1, 1, &a), both, 2, NULL, &a),
                            &err);
    ok(rc == WH_E_VERIFY && strstr(err.msg, "holds version 3") != NULL,
       "a skipped version is refused: %s", err.msg);
    rc = wh_tuf_root_update(t, sign_doc(root_json(2, FUTURE, v2k, 1, 1, &a), both, 2, NULL, &a),
                            &err);
    ok(rc == WH_OK && wh_tuf_root_version(t) == 2, "v2 signed by old and new keys is trusted");
    ok(wh_tuf_root_check_fresh(t, &err) == WH_OK, "a root expiring in 2099 is fresh");
    wh_tuf_free(t);

    /* expired exactly at `now`: python-tuf and tuf-js say expired when now >= expires */
    struct wh_bytes old =
        sign_doc(root_json(1, "2025-11-24T16:00:00Z", v1k, 1, 1, &a), v1k, 1, NULL, &a);
    t = NULL;
    rc = wh_tuf_new(old, (time_t)1764000000, &t, &err); /* 2025-11-24T16:00:00Z */
    ok(rc == WH_OK, "an expired root still starts the rotation chain");
    if (rc == WH_OK) {
        rc = wh_tuf_root_check_fresh(t, &err);
        ok(rc == WH_E_VERIFY && strstr(err.msg, "expired at 2025-11-24T16:00:00Z") != NULL &&
               strstr(err.msg, "freeze") != NULL,
           "a root expiring at the update's start is refused: %s", err.msg);
        struct wh_error e2;
        ok(wh_tuf_timestamp_update(t, (struct wh_bytes){(const unsigned char *)"{}", 2}, false,
                                   &e2) == WH_E_VERIFY,
           "no timestamp is taken under an expired root");
    }
out:
    wh_tuf_free(t);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_canonical_json();
    test_sigstore_root();
    test_key_schemes();
    test_malformed();
    test_rotation_and_expiry();
    return done_testing();
}
