/* Public keys pinned in policy: PEM/DER SubjectPublicKeyInfo → EVP_PKEY, and signature checks
 * with the digest and padding cosign and sigstore-go use for each key type. */
#include "verify/keys.h"

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

/* The first PEM block's bytes, base64-decoded by OpenSSL's generic PEM reader (no key decoder:
 * nothing that needs OpenSSL's providers), copied into `a`. */
static enum wh_err
pem_der(struct wh_bytes pem, struct wh_arena *a, struct wh_bytes *der, struct wh_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    int read;

    if (bio == NULL)
        wh_oom();
    read = PEM_read_bio(bio, &name, &header, &data, &len);
    BIO_free(bio);
    if (read != 1 || len <= 0) {
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        return wh_error_openssl(err, WH_E_INVALID, "malformed PEM public key");
    }
    der->ptr = wh_arena_memdup(a, data, (size_t)len);
    der->len = (size_t)len;
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return WH_OK;
}

/* The type name of an SPKI's algorithm (and curve): what classify() would call a supported key,
 * or the error it gives for an unsupported one. RSA's size needs the key: not checked here. */
static enum wh_err
classify_algorithm(const X509_ALGOR *alg, struct wh_verify_key *key, struct wh_error *err)
{
    const ASN1_OBJECT *oid;
    const void *param;
    int param_type, nid;

    X509_ALGOR_get0(&oid, &param_type, &param, alg);
    nid = OBJ_obj2nid(oid);
    if (nid == NID_rsaEncryption) {
        memcpy(key->type, "rsa", sizeof("rsa"));
        return WH_OK;
    }
    if (nid == NID_ED25519) {
        memcpy(key->type, "ed25519", sizeof("ed25519"));
        return WH_OK;
    }
    if (nid != NID_X9_62_id_ecPublicKey)
        return wh_error_set(err, WH_E_INVALID,
                            "unsupported key type %s (want ECDSA, RSA or Ed25519)",
                            nid != NID_undef ? OBJ_nid2sn(nid) : "unknown");
    if (param_type != V_ASN1_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "EC key without a named curve is not supported");
    switch (OBJ_obj2nid(param)) {
    case NID_X9_62_prime256v1:
        memcpy(key->type, "ecdsa-p256", sizeof("ecdsa-p256"));
        return WH_OK;
    case NID_secp384r1:
        memcpy(key->type, "ecdsa-p384", sizeof("ecdsa-p384"));
        return WH_OK;
    case NID_secp521r1:
        memcpy(key->type, "ecdsa-p521", sizeof("ecdsa-p521"));
        return WH_OK;
    default:
        nid = OBJ_obj2nid(param);
        return wh_error_set(err, WH_E_INVALID,
                            "unsupported EC curve %s (want P-256, P-384 or P-521)",
                            nid != NID_undef ? OBJ_nid2sn(nid) : "unknown");
    }
}

enum wh_err
wh_verify_key_check(struct wh_bytes pem, struct wh_arena *a, struct wh_verify_key **out,
                    struct wh_error *err)
{
    struct wh_verify_key *key;
    struct wh_bytes der = {NULL, 0};
    const unsigned char *p, *end;
    X509_ALGOR *alg = NULL;
    ASN1_BIT_STRING *bits = NULL;
    long len;
    int tag, cls;
    enum wh_err rc;

    if ((rc = check_pem(pem, err)) != WH_OK || (rc = pem_der(pem, a, &der, err)) != WH_OK)
        return rc;
    /* SEQUENCE { AlgorithmIdentifier, BIT STRING }: bytes after it are let pass, as OpenSSL's
     * SubjectPublicKeyInfo decoder lets them (so this is never stricter than the parse). */
    p = der.ptr;
    if (ASN1_get_object(&p, &len, &tag, &cls, (long)der.len) != V_ASN1_CONSTRUCTED ||
        tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL)
        return wh_error_openssl(err, WH_E_INVALID, "malformed PEM public key");
    end = p + len;
    alg = d2i_X509_ALGOR(NULL, &p, end - p);
    if (alg != NULL)
        bits = d2i_ASN1_BIT_STRING(NULL, &p, end - p);
    if (alg == NULL || bits == NULL || p != end) {
        X509_ALGOR_free(alg);
        ASN1_BIT_STRING_free(bits);
        return wh_error_openssl(err, WH_E_INVALID, "malformed PEM public key");
    }
    ASN1_BIT_STRING_free(bits);
    key = wh_arena_alloc(a, sizeof(*key));
    *key = (struct wh_verify_key){.kind = KEY_UNPARSED, .spki = {der.ptr, (size_t)(end - der.ptr)}};
    rc = classify_algorithm(alg, key, err);
    X509_ALGOR_free(alg);
    if (rc != WH_OK)
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
