/* Test-only certificate minting for keyless verification tests (see testca.h). */
#include "testca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "support/testsign.h"

static void
die(const char *what)
{
    fprintf(stderr, "testca: %s\n", what);
    ERR_print_errors_fp(stderr);
    abort();
}

static void
release_x509(void *p)
{
    X509_free(p);
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;

    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (e == NULL || X509_add_ext(x, e, -1) != 1)
        die(value);
    X509_EXTENSION_free(e);
}

static X509 *
base_cert(EVP_PKEY *key, const char *cn, time_t nb, time_t na, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name;

    if (x == NULL || X509_set_version(x, 2) != 1)
        die("X509_new");
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    if (X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na) == NULL)
        die("time");
    if (cn != NULL) {
        name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"testca", -1, -1,
                                   0);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    }
    if (X509_set_pubkey(x, key) != 1)
        die("pubkey");
    return x;
}

static void
sign(X509 *x, EVP_PKEY *key)
{
    int id = EVP_PKEY_get_base_id(key);

    if (X509_sign(x, key, id == EVP_PKEY_ED25519 ? NULL : EVP_sha256()) <= 0)
        die("X509_sign");
}

X509 *
testca_root_new(EVP_PKEY *key, const char *cn, time_t nb, time_t na, struct wh_arena *a)
{
    X509 *x = base_cert(key, cn, nb, na, 1);

    X509_set_issuer_name(x, X509_get_subject_name(x));
    add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, NULL, NID_subject_key_identifier, "hash");
    sign(x, key);
    wh_arena_defer(a, release_x509, x);
    return x;
}

X509 *
testca_intermediate_new(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                        time_t nb, time_t na, struct wh_arena *a)
{
    X509 *x = base_cert(key, cn, nb, na, 2);

    X509_set_issuer_name(x, X509_get_subject_name(issuer));
    add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, issuer, NID_ext_key_usage, "codeSigning");
    add_ext(x, issuer, NID_subject_key_identifier, "hash");
    add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    sign(x, issuer_key);
    wh_arena_defer(a, release_x509, x);
    return x;
}

static void
add_custom(X509 *x, const char *oid, const unsigned char *der, size_t n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e;

    if (obj == NULL || os == NULL || ASN1_OCTET_STRING_set(os, der, (int)n) != 1)
        die(oid);
    e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    if (e == NULL || X509_add_ext(x, e, -1) != 1)
        die(oid);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

static void
put(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[n - 1 - i] = (unsigned char)(v >> (8 * i));
}

/* RFC 6962 embedded SCT over the precert TBS (the cert as signed so far, without SCT list). */
static void
add_sct(X509 *x, X509 *issuer, EVP_PKEY *issuer_key, const struct testca_leaf *o)
{
    unsigned char *tbs = NULL, *ikey = NULL, *spki = NULL, ikh[32], log_id[32];
    int tbs_len, ikey_len, spki_len;
    uint64_t ts = (uint64_t)o->sct_time * 1000 + 123;
    const unsigned char ext[] = {0x00, 0x01, 0x02};
    size_t ext_len = o->sct_ext ? sizeof(ext) : 0, m = 0, siglen = 0;
    unsigned char *msg, sig[600], sct[800], list[900];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int id = EVP_PKEY_get_base_id(o->ct_key);
    ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new();
    unsigned char *der = NULL;
    int der_len;
    size_t n = 0;

    sign(x, issuer_key); /* fixes the signature algorithm fields inside the TBS */
    tbs_len = i2d_re_X509_tbs(x, &tbs);
    ikey_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &ikey);
    spki_len = i2d_PUBKEY(o->ct_key, &spki);
    if (tbs_len <= 0 || ikey_len <= 0 || spki_len <= 0 || ctx == NULL || inner == NULL)
        die("sct inputs");
    wh_digest_sha256(ikey, (size_t)ikey_len, ikh);
    wh_digest_sha256(spki, (size_t)spki_len, log_id);
    msg = malloc((size_t)tbs_len + 100);
    if (msg == NULL)
        die("oom");
    msg[m++] = 0;
    msg[m++] = 0;
    put(msg + m, ts, 8);
    m += 8;
    put(msg + m, 1, 2);
    m += 2;
    memcpy(msg + m, ikh, 32);
    m += 32;
    put(msg + m, (uint64_t)tbs_len, 3);
    m += 3;
    memcpy(msg + m, tbs, (size_t)tbs_len);
    m += (size_t)tbs_len;
    put(msg + m, ext_len, 2);
    m += 2;
    memcpy(msg + m, ext, ext_len);
    m += ext_len;
    siglen = sizeof(sig);
    if (EVP_DigestSignInit(ctx, NULL, id == EVP_PKEY_ED25519 ? NULL : EVP_sha256(), NULL,
                           o->ct_key) != 1 ||
        EVP_DigestSign(ctx, sig, &siglen, msg, m) != 1)
        die("sct sign");
    if (o->sct_corrupt)
        sig[siglen / 2] ^= 1;
    sct[n++] = 0;
    memcpy(sct + n, log_id, 32);
    n += 32;
    put(sct + n, ts, 8);
    n += 8;
    put(sct + n, ext_len, 2);
    n += 2;
    memcpy(sct + n, ext, ext_len);
    n += ext_len;
    sct[n++] = id == EVP_PKEY_ED25519 ? 8 : 4; /* hash: sha256 (4); "intrinsic" (8) for Ed25519 */
    sct[n++] = id == EVP_PKEY_ED25519 ? 7 : 3; /* sig: ecdsa (3), ed25519 (7) */
    put(sct + n, siglen, 2);
    n += 2;
    memcpy(sct + n, sig, siglen);
    n += siglen;
    put(list, n + 2, 2);
    put(list + 2, n, 2);
    memcpy(list + 4, sct, n);
    if (ASN1_OCTET_STRING_set(inner, list, (int)(n + 4)) != 1)
        die("sct list");
    der_len = i2d_ASN1_OCTET_STRING(inner, &der);
    if (der_len <= 0)
        die("sct der");
    add_custom(x, "1.3.6.1.4.1.11129.2.4.2", der, (size_t)der_len);
    OPENSSL_free(der);
    ASN1_OCTET_STRING_free(inner);
    free(msg);
    OPENSSL_free(tbs);
    OPENSSL_free(ikey);
    OPENSSL_free(spki);
    EVP_MD_CTX_free(ctx);
}

X509 *
testca_leaf_new(const struct testca_leaf *o, EVP_PKEY *leaf_key, X509 *issuer, EVP_PKEY *issuer_key,
                struct wh_arena *a)
{
    X509 *x = base_cert(leaf_key, NULL, o->not_before, o->not_after, 0x11182004);
    char san[1024] = "critical,";

    X509_set_issuer_name(x, X509_get_subject_name(issuer));
    add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
    if (!o->no_eku)
        add_ext(x, issuer, NID_ext_key_usage, "codeSigning");
    add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    if (o->san_uri != NULL)
        snprintf(san + strlen(san), sizeof(san) - strlen(san), "URI:%s%s", o->san_uri,
                 o->san_email != NULL ? "," : "");
    if (o->san_email != NULL)
        snprintf(san + strlen(san), sizeof(san) - strlen(san), "email:%s", o->san_email);
    if (o->san_uri != NULL || o->san_email != NULL)
        add_ext(x, issuer, NID_subject_alt_name, san);
    for (size_t i = 0; i < o->n_exts; i++) {
        const struct testca_ext *e = &o->exts[i];
        if (e->der_utf8) {
            ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();
            unsigned char *der = NULL;
            int n;
            if (s == NULL || ASN1_STRING_set(s, e->value, (int)strlen(e->value)) != 1 ||
                (n = i2d_ASN1_UTF8STRING(s, &der)) <= 0)
                die("utf8");
            add_custom(x, e->oid, der, (size_t)n);
            OPENSSL_free(der);
            ASN1_UTF8STRING_free(s);
        } else {
            add_custom(x, e->oid, (const unsigned char *)e->value, strlen(e->value));
        }
    }
    if (o->ct_key != NULL)
        add_sct(x, issuer, issuer_key, o);
    sign(x, issuer_key);
    wh_arena_defer(a, release_x509, x);
    return x;
}

struct wh_bytes
testca_der(X509 *x, struct wh_arena *a)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);

    return testsign_der_take(der, n, "i2d_X509", a);
}

char *
testca_pem(X509 *x, struct wh_arena *a)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;

    if (b == NULL || PEM_write_bio_X509(b, x) != 1)
        die("pem");
    n = BIO_get_mem_data(b, &p);
    p = wh_arena_strndup(a, p, (size_t)n);
    BIO_free(b);
    return p;
}

static char *
spki_b64(EVP_PKEY *k, struct wh_arena *a, char **log_id)
{
    unsigned char *der = NULL, h[32];
    int n = i2d_PUBKEY(k, &der);
    char *s;

    if (n <= 0)
        die("spki");
    wh_digest_sha256(der, (size_t)n, h);
    *log_id = wh_digest_base64_encode(h, 32, a);
    s = wh_digest_base64_encode(der, (size_t)n, a);
    OPENSSL_free(der);
    return s;
}

static char *
log_json(EVP_PKEY *k, const char *vf, struct wh_arena *a)
{
    char *id, *raw = spki_b64(k, a, &id);
    int bid = EVP_PKEY_get_base_id(k);

    return wh_arena_sprintf(
        a,
        "{\"baseUrl\":\"http://127.0.0.1:1\",\"hashAlgorithm\":\"SHA2_256\","
        "\"publicKey\":{\"rawBytes\":\"%s\",\"keyDetails\":\"%s\","
        "\"validFor\":%s},\"logId\":{\"keyId\":\"%s\"}}",
        raw, bid == EVP_PKEY_ED25519 ? "PKIX_ED25519" : "PKIX_ECDSA_P256_SHA_256", vf, id);
}

char *
testca_trusted_root(X509 *const *chain, size_t n_chain, EVP_PKEY *tlog_key, EVP_PKEY *ct_key,
                    const char *start, const char *end, struct wh_arena *a)
{
    char *vf = end != NULL ? wh_arena_sprintf(a, "{\"start\":\"%s\",\"end\":\"%s\"}", start, end)
                           : wh_arena_sprintf(a, "{\"start\":\"%s\"}", start);
    char *certs = "";

    for (size_t i = 0; i < n_chain; i++) {
        struct wh_bytes d = testca_der(chain[i], a);
        certs = wh_arena_sprintf(a, "%s%s{\"rawBytes\":\"%s\"}", certs, i ? "," : "",
                                 wh_digest_base64_encode(d.ptr, d.len, a));
    }
    return wh_arena_sprintf(
        a,
        "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\","
        "\"tlogs\":[%s],\"ctlogs\":[%s],\"certificateAuthorities\":[{\"subject\":"
        "{\"organization\":\"testca\",\"commonName\":\"testca\"},\"uri\":\"http://127.0.0.1:1\","
        "\"certChain\":{\"certificates\":[%s]},\"validFor\":%s}],\"timestampAuthorities\":[]}",
        tlog_key != NULL ? log_json(tlog_key, vf, a) : "",
        ct_key != NULL ? log_json(ct_key, vf, a) : "", certs, vf);
}
