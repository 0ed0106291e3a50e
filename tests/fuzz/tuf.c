/* Fuzzes trust/tuf.c, the TUF client's handling of untrusted metadata. The first byte picks what
 * the rest is: 0 a trusted root, 1 a timestamp, 2 a snapshot, 3 a targets file (each after valid,
 * signed earlier metadata minted at start-up, without lengths or hashes so the bytes reach the
 * parser), 4 any JSON for canonicalisation. Never crashes; only the documented codes come back;
 * canonical JSON is a fixed point (canonicalising its output changes nothing). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/str.h"
#include "fuzz.h"
#include "trust/tuf.h"

#define NOW ((time_t)1764000000)
#define DOC_MAX (1 << 16)

static EVP_PKEY *key;
static char keyid[] = "fuzzkey";
static struct wh_bytes root, timestamp, snapshot;

/* {"signed":S,"signatures":[{"keyid":..,"sig":..}]} over canonical S, in a malloc'd buffer. */
static struct wh_bytes
sign(const char *s)
{
    struct wh_buf canon, out;
    struct wh_error err;
    unsigned char sig[64];
    char hex[129];
    size_t n = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    wh_buf_init(&canon, DOC_MAX);
    wh_buf_init(&out, DOC_MAX);
    WH_ASSERT(wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)s, strlen(s)}, &canon,
                                    &err) == WH_OK);
    WH_ASSERT(ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
              EVP_DigestSign(ctx, sig, &n, (const unsigned char *)canon.ptr, canon.len) == 1);
    EVP_MD_CTX_free(ctx);
    wh_digest_hex(sig, n, hex);
    wh_buf_printf(&out, "{\"signed\":%s,\"signatures\":[{\"keyid\":\"%s\",\"sig\":\"%s\"}]}", s,
                  keyid, hex);
    wh_buf_fini(&canon);
    return (struct wh_bytes){(const unsigned char *)out.ptr, out.len}; /* kept for the run */
}

static void
init(void)
{
    unsigned char pub[32];
    char hex[65], doc[2048];
    size_t n = sizeof(pub);

    key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    WH_ASSERT(key != NULL && EVP_PKEY_get_raw_public_key(key, pub, &n) == 1);
    wh_digest_hex(pub, 32, hex);
    snprintf(doc, sizeof(doc),
             "{\"_type\":\"root\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":"
             "\"2099-01-01T00:00:00Z\",\"consistent_snapshot\":true,\"keys\":{\"%s\":{\"keytype\":"
             "\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"%s\"}}},\"roles\":{"
             "\"root\":{\"keyids\":[\"%s\"],\"threshold\":1},\"timestamp\":{\"keyids\":[\"%s\"],"
             "\"threshold\":1},\"snapshot\":{\"keyids\":[\"%s\"],\"threshold\":1},\"targets\":{"
             "\"keyids\":[\"%s\"],\"threshold\":1}}}",
             keyid, hex, keyid, keyid, keyid, keyid);
    root = sign(doc);
    timestamp = sign("{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\",\"version\":1,"
                     "\"expires\":\"2099-01-01T00:00:00Z\",\"meta\":{\"snapshot.json\":{"
                     "\"version\":1}}}");
    snapshot = sign("{\"_type\":\"snapshot\",\"spec_version\":\"1.0.31\",\"version\":1,"
                    "\"expires\":\"2099-01-01T00:00:00Z\",\"meta\":{\"targets.json\":{"
                    "\"version\":1}}}");
}

static bool
expected(enum wh_err rc)
{
    return rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT || rc == WH_E_VERIFY;
}

static void
canonical_fixed_point(struct wh_bytes in)
{
    struct wh_buf once, twice;
    struct wh_error err;
    enum wh_err rc;

    wh_buf_init(&once, in.len + 64);
    rc = wh_tuf_canonical_json(in, &once, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_INVALID || rc == WH_E_LIMIT);
    if (rc == WH_OK) {
        WH_ASSERT(once.len <= in.len); /* re-encoding never grows: the parse_doc buffer bound */
        wh_buf_init(&twice, once.len + 64);
        rc = wh_tuf_canonical_json((struct wh_bytes){(const unsigned char *)once.ptr, once.len},
                                   &twice, &err);
        /* a NUL inside a string cannot come back in (jansson refuses it), nor can a real */
        if (rc == WH_OK)
            WH_ASSERT(twice.len == once.len && memcmp(twice.ptr, once.ptr, once.len) == 0);
        wh_buf_fini(&twice);
    }
    wh_buf_fini(&once);
}

/* A trusted root, then the role `which` picks (1..3) fed `in`, after valid earlier metadata. */
static void
fuzz_role(int which, bool trusted_state, struct wh_bytes in)
{
    struct wh_tuf *t = NULL;
    struct wh_error err;
    struct wh_tuf_target target;
    int64_t version;
    size_t max;
    enum wh_err rc;

    WH_ASSERT(wh_tuf_new(root, NOW, &t, &err) == WH_OK);
    if (which == 1) {
        WH_ASSERT(expected(wh_tuf_timestamp_update(t, in, trusted_state, &err)));
        goto out;
    }
    WH_ASSERT(wh_tuf_timestamp_update(t, timestamp, false, &err) == WH_OK);
    wh_tuf_snapshot_want(t, &version, &max);
    WH_ASSERT(version == 1 && max == WH_TUF_SNAPSHOT_MAX);
    if (which == 2) {
        WH_ASSERT(expected(wh_tuf_snapshot_update(t, in, trusted_state, &err)));
        goto out;
    }
    WH_ASSERT(wh_tuf_snapshot_update(t, snapshot, false, &err) == WH_OK);
    WH_ASSERT(wh_tuf_targets_want(t, &version, &max, &err) == WH_OK);
    if (wh_tuf_targets_update(t, in, &err) != WH_OK)
        goto out;
    rc = wh_tuf_target_find(t, "trusted_root.json", &target, &err);
    WH_ASSERT(rc == WH_OK || rc == WH_E_NOT_FOUND || rc == WH_E_VERIFY);
    WH_ASSERT(rc != WH_OK || target.sha256[0] != '\0' || target.sha512[0] != '\0');
out:
    wh_tuf_free(t);
}

static void
fuzz_root(struct wh_bytes in)
{
    struct wh_tuf *t = NULL;
    struct wh_error err;
    enum wh_err rc = wh_tuf_new(in, NOW, &t, &err);

    WH_ASSERT(expected(rc));
    WH_ASSERT(rc != WH_OK || wh_tuf_root_version(t) >= 1);
    wh_tuf_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_bytes in;

    if (key == NULL)
        init();
    if (size < 1)
        return 0;
    in = (struct wh_bytes){data + 1, size - 1};
    switch (data[0] % 5) {
    case 0:
        fuzz_root(in);
        break;
    case 4:
        canonical_fixed_point(in);
        break;
    default:
        fuzz_role(data[0] % 5, data[0] >= 128, in);
        break;
    }
    return 0;
}
