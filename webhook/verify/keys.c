/* Public keys pinned in policy: PEM/DER SubjectPublicKeyInfo → EVP_PKEY, and signature checks
 * with the digest and padding cosign and sigstore-go use for each key type. */
#include "verify/keys.h"

#include "base/digest.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384
#define SIG_MAX 4096 /* an RSA-16384 signature is 2048 bytes; DER ECDSA P-521 is ~139 */

/* KEY_UNPARSED: checked by wh_verify_key_check only; no EVP_PKEY, verifies nothing. */
enum key_kind { KEY_ECDSA, KEY_RSA, KEY_ED25519, KEY_UNPARSED };

struct wh_verify_key {
    EVP_PKEY *pkey;       /* NULL for KEY_UNPARSED */
    struct wh_bytes spki; /* KEY_UNPARSED: the DER SubjectPublicKeyInfo as the PEM gave it */
    enum key_kind kind;
    const EVP_MD *alt_md; /* second digest tried for ECDSA P-384/P-521, else NULL */
    char type[24];
};

static void
release_pkey(void *obj)
{
    EVP_PKEY_free(obj);
}

static enum wh_err
classify_ec(EVP_PKEY *pkey, struct wh_verify_key *key, struct wh_error *err)
{
    char group[64] = "";
    size_t len = 0;

    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) != 1) {
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID, "EC key without a named curve is not supported");
    }
    key->kind = KEY_ECDSA;
    if (strcmp(group, "prime256v1") == 0) {
        memcpy(key->type, "ecdsa-p256", sizeof("ecdsa-p256"));
    } else if (strcmp(group, "secp384r1") == 0) {
        memcpy(key->type, "ecdsa-p384", sizeof("ecdsa-p384"));
        key->alt_md = EVP_sha384();
    } else if (strcmp(group, "secp521r1") == 0) {
        memcpy(key->type, "ecdsa-p521", sizeof("ecdsa-p521"));
        key->alt_md = EVP_sha512();
    } else {
        return wh_error_set(err, WH_E_INVALID,
                            "unsupported EC curve %s (want P-256, P-384 or P-521)", group);
    }
    return WH_OK;
}

static enum wh_err
classify(EVP_PKEY *pkey, struct wh_verify_key *key, struct wh_error *err)
{
    int bits;

    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
        return classify_ec(pkey, key, err);
    case EVP_PKEY_RSA:
        bits = EVP_PKEY_get_bits(pkey);
        if (bits < RSA_MIN_BITS)
            return wh_error_set(err, WH_E_INVALID, "RSA key of %d bits is too small (minimum %d)",
                                bits, RSA_MIN_BITS);
        if (bits > RSA_MAX_BITS)
            return wh_error_set(err, WH_E_INVALID, "RSA key of %d bits is too large (maximum %d)",
                                bits, RSA_MAX_BITS);
        key->kind = KEY_RSA;
        snprintf(key->type, sizeof(key->type), "rsa-%d", bits);
        return WH_OK;
    case EVP_PKEY_ED25519:
        key->kind = KEY_ED25519;
        memcpy(key->type, "ed25519", sizeof("ed25519"));
        return WH_OK;
    default: {
        const char *name = EVP_PKEY_get0_type_name(pkey);

        return wh_error_set(err, WH_E_INVALID,
                            "unsupported key type %s (want ECDSA, RSA or Ed25519)",
                            name != NULL ? name : "unknown");
    }
    }
}

static enum wh_err
adopt(EVP_PKEY *pkey, struct wh_arena *a, struct wh_verify_key **out, struct wh_error *err)
{
    struct wh_verify_key *key = wh_arena_alloc(a, sizeof(*key));
    enum wh_err rc = classify(pkey, key, err);

    if (rc != WH_OK) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    key->pkey = pkey;
    wh_arena_defer(a, release_pkey, pkey);
    *out = key;
    return WH_OK;
}

/* Names the first PEM block so a certificate or PKCS#1 key given as a key gets a clear error. */
static enum wh_err
check_pem_label(struct wh_bytes pem, struct wh_error *err)
{
    static const char begin[] = "-----BEGIN ";
    const char *p = memmem(pem.ptr, pem.len, begin, sizeof(begin) - 1);
    const char *end;
    size_t left;

    if (p == NULL)
        return wh_error_set(err, WH_E_INVALID, "no PEM block (want \"PUBLIC KEY\")");
    p += sizeof(begin) - 1;
    left = pem.len - (size_t)(p - (const char *)pem.ptr);
    end = memmem(p, left, "-----", 5);
    if (end == NULL || end - p > 40)
        return wh_error_set(err, WH_E_INVALID, "malformed PEM header");
    if ((size_t)(end - p) != strlen("PUBLIC KEY") || memcmp(p, "PUBLIC KEY", 10) != 0)
        return wh_error_set(err, WH_E_INVALID, "PEM block is \"%.*s\", want \"PUBLIC KEY\"",
                            (int)(end - p), p);
    return WH_OK;
}

/* The size and label checks every PEM key gets first. */
static enum wh_err
check_pem(struct wh_bytes pem, struct wh_error *err)
{
    if (pem.len > WH_VERIFY_KEY_PEM_MAX)
        return wh_error_set(err, WH_E_LIMIT, "public key PEM of %zu bytes exceeds %d", pem.len,
                            WH_VERIFY_KEY_PEM_MAX);
    return check_pem_label(pem, err);
}

enum wh_err
wh_verify_key_parse(struct wh_bytes pem, struct wh_arena *a, struct wh_verify_key **out,
                    struct wh_error *err)
{
    enum wh_err rc;
    BIO *bio;
    EVP_PKEY *pkey;

    rc = check_pem(pem, err);
    if (rc != WH_OK)
        return rc;
    bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL)
        wh_oom();
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (pkey == NULL)
        return wh_error_openssl(err, WH_E_INVALID, "malformed PEM public key");
    ERR_clear_error();
    return adopt(pkey, a, out, err);
}

/*
 * wh_verify_key_check reads the PEM and the DER itself: any OpenSSL call that decodes an OID
 * (d2i_X509_ALGOR, OBJ_obj2nid) loads openssl.cnf and builds its tables first, ~1.8M instructions
 * and ~60 page faults of libcrypto's code, which `driftgate diff` would pay for a key it never
 * uses. Only the shape is read, so the code stays small; OpenSSL still parses every key a
 * command verifies with.
 */

/* The base64 between the "PUBLIC KEY" block's BEGIN and END lines, whitespace dropped. */
static enum wh_err
pem_base64(struct wh_bytes pem, struct wh_arena *a, struct wh_str *out, struct wh_error *err)
{
    static const char begin[] = "-----BEGIN PUBLIC KEY-----", end[] = "-----END PUBLIC KEY-----";
    const char *p = memmem(pem.ptr, pem.len, begin, sizeof(begin) - 1);
    const char *limit = (const char *)pem.ptr + pem.len, *stop;
    char *b64;
    size_t n = 0;

    if (p == NULL) /* check_pem_label saw "PUBLIC KEY" then "-----": not reached */
        return wh_error_set(err, WH_E_INVALID, "malformed PEM public key: no BEGIN line");
    p += sizeof(begin) - 1;
    stop = memmem(p, (size_t)(limit - p), end, sizeof(end) - 1);
    if (stop == NULL)
        return wh_error_set(err, WH_E_INVALID, "malformed PEM public key: no END line");
    b64 = wh_arena_alloc_raw(a, (size_t)(stop - p) + 1);
    for (; p < stop; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            b64[n++] = *p;
    *out = (struct wh_str){b64, n};
    return WH_OK;
}

/* A DER cursor: [p, end). */
struct der {
    const unsigned char *p, *end;
};

/* Reads the tag and length at d->p (definite lengths, short or long form) and moves past the
 * element; *content is its value. False when the bytes are no such element. */
static bool
der_next(struct der *d, unsigned char *tag, struct der *content)
{
    const unsigned char *q = d->p;
    size_t len, k, i;

    if (d->end - q < 2 || (q[0] & 0x1f) == 0x1f) /* no multi-byte tags in an SPKI */
        return false;
    *tag = q[0];
    len = q[1];
    q += 2;
    if (len & 0x80) {
        k = len & 0x7f;
        if (k == 0 || k > 4 || (size_t)(d->end - q) < k) /* 0: BER's indefinite length */
            return false;
        for (len = 0, i = 0; i < k; i++)
            len = len << 8 | q[i];
        q += k;
    }
    if (len > (size_t)(d->end - q))
        return false;
    *content = (struct der){q, q + len};
    d->p = q + len;
    return true;
}

static bool
der_is(struct der d, const char *bytes, size_t n)
{
    return (size_t)(d.end - d.p) == n && memcmp(d.p, bytes, n) == 0;
}

/* An OID as dotted text for a message ("1.3.132.0.10"), cut at `cap`. */
static void
oid_text(struct der oid, char *buf, size_t cap)
{
    unsigned long long v = 0;
    size_t used;
    int w;

    w = snprintf(buf, cap, "%d.%d", oid.p[0] < 80 ? oid.p[0] / 40 : 2,
                 oid.p[0] < 80 ? oid.p[0] % 40 : oid.p[0] - 80);
    used = w > 0 ? (size_t)w : cap;
    for (const unsigned char *q = oid.p + 1; q < oid.end && used < cap; q++) {
        v = (v << 7 | (*q & 0x7f)) & 0xffffffffffffffULL;
        if (*q & 0x80)
            continue;
        w = snprintf(buf + used, cap - used, ".%llu", v);
        used = w > 0 ? used + (size_t)w : cap;
        v = 0;
    }
}

#define OID(s) s, sizeof(s) - 1
static const struct {
    const char *oid;
    size_t len;
    const char *type;
} known_curves[] = {
    {OID("\x2a\x86\x48\xce\x3d\x03\x01\x07"), "ecdsa-p256"}, /* prime256v1 */
    {OID("\x2b\x81\x04\x00\x22"), "ecdsa-p384"},             /* secp384r1 */
    {OID("\x2b\x81\x04\x00\x23"), "ecdsa-p521"},             /* secp521r1 */
};

/* The type of an SPKI's algorithm (and curve), as classify() names a supported key, or the
 * error it gives for another; RSA's size needs the key: not checked here. */
static enum wh_err
classify_algorithm(struct der oid, bool has_params, unsigned char params_tag, struct der params,
                   struct wh_verify_key *key, struct wh_error *err)
{
    char text[64];
    size_t i;

    if (der_is(oid, OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"))) { /* rsaEncryption */
        memcpy(key->type, "rsa", sizeof("rsa"));
        return WH_OK;
    }
    if (der_is(oid, OID("\x2b\x65\x70"))) { /* id-Ed25519 */
        memcpy(key->type, "ed25519", sizeof("ed25519"));
        return WH_OK;
    }
    if (!der_is(oid, OID("\x2a\x86\x48\xce\x3d\x02\x01"))) { /* id-ecPublicKey */
        oid_text(oid, text, sizeof(text));
        return wh_error_set(err, WH_E_INVALID,
                            "unsupported key type (OID %s; want ECDSA, RSA or Ed25519)", text);
    }
    if (!has_params || params_tag != 0x06 || params.p == params.end)
        return wh_error_set(err, WH_E_INVALID, "EC key without a named curve is not supported");
    for (i = 0; i < sizeof(known_curves) / sizeof(known_curves[0]); i++) {
        if (der_is(params, known_curves[i].oid, known_curves[i].len)) {
            snprintf(key->type, sizeof(key->type), "%s", known_curves[i].type);
            return WH_OK;
        }
    }
    oid_text(params, text, sizeof(text));
    return wh_error_set(err, WH_E_INVALID,
                        "unsupported EC curve (OID %s; want P-256, P-384 or P-521)", text);
}
#undef OID

/* SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params ANY OPTIONAL }, BIT STRING }; bytes
 * after it pass, as OpenSSL's decoder lets them. key->spki: the SEQUENCE's own bytes. */
static enum wh_err
check_spki(struct wh_bytes der, struct wh_verify_key *key, struct wh_error *err)
{
    struct der all = {der.ptr, der.ptr + der.len}, spki, alg, bits, oid, params = {NULL, NULL};
    unsigned char tag, params_tag = 0;
    bool has_params;

    if (!der_next(&all, &tag, &spki) || tag != 0x30 || !der_next(&spki, &tag, &alg) ||
        tag != 0x30 || !der_next(&spki, &tag, &bits) || (tag != 0x03 && tag != 0x23) ||
        bits.p == bits.end || spki.p != spki.end || !der_next(&alg, &tag, &oid) || tag != 0x06 ||
        oid.p == oid.end)
        return wh_error_set(err, WH_E_INVALID,
                            "malformed PEM public key: not a DER SubjectPublicKeyInfo");
    has_params = alg.p != alg.end;
    if (has_params && (!der_next(&alg, &params_tag, &params) || alg.p != alg.end))
        return wh_error_set(err, WH_E_INVALID,
                            "malformed PEM public key: not a DER SubjectPublicKeyInfo");
    key->spki = (struct wh_bytes){der.ptr, (size_t)(all.p - der.ptr)};
    return classify_algorithm(oid, has_params, params_tag, params, key, err);
}

enum wh_err
wh_verify_key_check(struct wh_bytes pem, struct wh_arena *a, struct wh_verify_key **out,
                    struct wh_error *err)
{
    struct wh_verify_key *key;
    struct wh_str b64;
    struct wh_bytes der;
    struct wh_error e;
    enum wh_err rc;

    if ((rc = check_pem(pem, err)) != WH_OK || (rc = pem_base64(pem, a, &b64, err)) != WH_OK)
        return rc;
    if (wh_digest_base64_decode(b64, a, &der, &e) != WH_OK)
        return wh_error_set(err, WH_E_INVALID, "malformed PEM public key: %s", e.msg);
    key = wh_arena_alloc(a, sizeof(*key));
    *key = (struct wh_verify_key){.kind = KEY_UNPARSED};
    if ((rc = check_spki(der, key, err)) != WH_OK)
        return rc;
    *out = key;
    return WH_OK;
}

enum wh_err
wh_verify_key_parse_der(struct wh_bytes der, struct wh_arena *a, struct wh_verify_key **out,
                        struct wh_error *err)
{
    const unsigned char *p = der.ptr;
    EVP_PKEY *pkey;

    if (der.len > WH_VERIFY_KEY_PEM_MAX)
        return wh_error_set(err, WH_E_LIMIT, "public key DER of %zu bytes exceeds %d", der.len,
                            WH_VERIFY_KEY_PEM_MAX);
    pkey = d2i_PUBKEY(NULL, &p, (long)der.len);
    if (pkey == NULL)
        return wh_error_openssl(err, WH_E_INVALID, "malformed DER public key");
    ERR_clear_error();
    if (p != der.ptr + der.len) {
        EVP_PKEY_free(pkey);
        return wh_error_set(err, WH_E_INVALID, "DER public key has %zu trailing bytes",
                            (size_t)(der.ptr + der.len - p));
    }
    return adopt(pkey, a, out, err);
}

const char *
wh_verify_key_type(const struct wh_verify_key *key)
{
    return key->type;
}

void
wh_verify_keys_describe(const struct wh_verify_key *const *keys, size_t n_keys, char *buf,
                        size_t cap)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n_keys && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i == 0 ? "" : ", ",
                         wh_verify_key_type(keys[i]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

enum wh_err
wh_verify_key_spki_der(const struct wh_verify_key *key, struct wh_arena *a, struct wh_bytes *out,
                       struct wh_error *err)
{
    unsigned char *der = NULL;
    int len;

    if (key->kind == KEY_UNPARSED) {
        out->ptr = wh_arena_memdup(a, key->spki.ptr, key->spki.len);
        out->len = key->spki.len;
        return WH_OK;
    }
    len = i2d_PUBKEY(key->pkey, &der);
    if (len <= 0)
        return wh_error_openssl(err, WH_E_INTERNAL, "public key has no DER form");
    out->ptr = wh_arena_memdup(a, der, (size_t)len);
    out->len = (size_t)len;
    OPENSSL_free(der);
    return WH_OK;
}

/* One EVP_DigestVerify attempt: 1 verified, 0 mismatch, -1 malformed signature or input. */
static int
try_verify(const struct wh_verify_key *key, const EVP_MD *md, int padding, struct wh_bytes data,
           struct wh_bytes sig)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int verdict = -1;

    if (ctx == NULL)
        wh_oom();
    if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key->pkey) != 1)
        goto out;
    if (padding != 0 && EVP_PKEY_CTX_set_rsa_padding(pctx, padding) != 1)
        goto out;
    if (padding == RSA_PKCS1_PSS_PADDING &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)
        goto out;
    /* Only 1 means "verified": 0 is a mismatch, anything else a malformed input. */
    verdict = EVP_DigestVerify(ctx, sig.ptr, sig.len, data.ptr, data.len);
    if (verdict != 1 && verdict != 0)
        verdict = -1;
out:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return verdict;
}

enum wh_err
wh_verify_key_signature(const struct wh_verify_key *key, struct wh_bytes data, struct wh_bytes sig,
                        struct wh_error *err)
{
    int verdict;
    bool any_mismatch;

    if (sig.len == 0)
        return wh_error_set(err, WH_E_INVALID, "empty signature");
    if (sig.len > SIG_MAX)
        return wh_error_set(err, WH_E_LIMIT, "signature of %zu bytes exceeds %d", sig.len, SIG_MAX);
    switch (key->kind) {
    case KEY_ECDSA:
        /* cosign: ECDSA keys verify with SHA-256 whatever the curve (LoadVerifier(pub,
         * crypto.SHA256)); sigstore-go: P-384 → SHA-384, P-521 → SHA-512. */
        verdict = try_verify(key, EVP_sha256(), 0, data, sig);
        any_mismatch = verdict == 0;
        if (verdict != 1 && key->alt_md != NULL) {
            verdict = try_verify(key, key->alt_md, 0, data, sig);
            any_mismatch = any_mismatch || verdict == 0;
        }
        break;
    case KEY_RSA:
        verdict = try_verify(key, EVP_sha256(), RSA_PKCS1_PADDING, data, sig);
        any_mismatch = verdict == 0;
        if (verdict != 1) {
            verdict = try_verify(key, EVP_sha256(), RSA_PKCS1_PSS_PADDING, data, sig);
            any_mismatch = any_mismatch || verdict == 0;
        }
        break;
    case KEY_ED25519:
        /* RFC 8032 pure Ed25519: no pre-hash, so the digest is NULL. */
        verdict = try_verify(key, NULL, 0, data, sig);
        any_mismatch = verdict == 0;
        break;
    case KEY_UNPARSED: /* a key only checked (driftgate diff) never verifies: deny */
        return wh_error_set(err, WH_E_INTERNAL,
                            "the %s key was only checked, not parsed: it cannot verify", key->type);
    default:
        return wh_error_set(err, WH_E_INTERNAL, "unknown key kind %d", (int)key->kind);
    }
    if (verdict == 1)
        return WH_OK;
    if (any_mismatch)
        return wh_error_set(err, WH_E_VERIFY, "signature does not match (%s key)", key->type);
    return wh_error_set(err, WH_E_INVALID, "malformed signature for a %s key", key->type);
}
