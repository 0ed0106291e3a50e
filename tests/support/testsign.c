/* Real keys and signatures for tests (see testsign.h): independent of verify/, only OpenSSL. */
#include "support/testsign.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"

static void
die(const char *what)
{
    fprintf(stderr, "testsign: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    abort();
}

static void
release_pkey(void *obj)
{
    EVP_PKEY_free(obj);
}

EVP_PKEY *
testsign_key_new(const char *kind, struct wh_arena *a)
{
    EVP_PKEY *key = NULL;

    if (strcmp(kind, "ec-p256") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(kind, "ec-p384") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    else if (strcmp(kind, "ec-p521") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    else if (strcmp(kind, "ec-secp256k1") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    else if (strcmp(kind, "rsa-1024") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    else if (strcmp(kind, "rsa-2048") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(kind, "rsa-3072") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    else if (strcmp(kind, "ed25519") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else if (strcmp(kind, "ed448") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
    if (key == NULL)
        die(kind);
    wh_arena_defer(a, release_pkey, key);
    return key;
}

struct wh_bytes
testsign_pubkey_pem(EVP_PKEY *key, struct wh_arena *a)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem;
    long n;
    struct wh_bytes out;

    if (bio == NULL || PEM_write_bio_PUBKEY(bio, key) != 1)
        die("PEM_write_bio_PUBKEY");
    n = BIO_get_mem_data(bio, &mem);
    out.ptr = (const unsigned char *)wh_arena_strndup(a, mem, (size_t)n);
    out.len = (size_t)n;
    BIO_free(bio);
    return out;
}

struct wh_verify_key *
testsign_verify_key(EVP_PKEY *key, struct wh_arena *a)
{
    struct wh_verify_key *out = NULL;
    struct wh_error err = {0};

    if (wh_verify_key_parse(testsign_pubkey_pem(key, a), a, &out, &err) != WH_OK)
        die(err.msg);
    return out;
}

struct wh_bytes
testsign_lit(const char *s)
{
    return (struct wh_bytes){(const unsigned char *)s, strlen(s)};
}

struct wh_bytes
testsign_b64(const char *s, struct wh_arena *a)
{
    struct wh_bytes out = {NULL, 0};
    struct wh_error err = {0};

    if (s == NULL || wh_digest_base64_decode(wh_str_c(s), a, &out, &err) != WH_OK)
        return (struct wh_bytes){NULL, 0};
    return out;
}

struct wh_bytes
testsign_der_take(unsigned char *der, int n, const char *what, struct wh_arena *a)
{
    struct wh_bytes out;

    if (n <= 0)
        die(what);
    out.ptr = wh_arena_memdup(a, der, (size_t)n);
    out.len = (size_t)n;
    OPENSSL_free(der);
    return out;
}

struct wh_bytes
testsign_pubkey_der(EVP_PKEY *key, struct wh_arena *a)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);

    return testsign_der_take(der, n, "i2d_PUBKEY", a);
}

struct wh_bytes
testsign_sign(EVP_PKEY *key, const char *md_name, struct wh_bytes data, struct wh_arena *a)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int is_ed = EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448");
    const char *md = is_ed ? NULL : md_name != NULL ? md_name : "SHA256";
    size_t n = 0;
    unsigned char *sig;

    if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) != 1)
        die("EVP_DigestSignInit_ex");
    if (EVP_DigestSign(ctx, NULL, &n, data.ptr, data.len) != 1)
        die("EVP_DigestSign size");
    sig = wh_arena_alloc(a, n);
    if (EVP_DigestSign(ctx, sig, &n, data.ptr, data.len) != 1)
        die("EVP_DigestSign");
    EVP_MD_CTX_free(ctx);
    return (struct wh_bytes){sig, n};
}

struct wh_bytes
testsign_pae(const char *payload_type, struct wh_bytes payload, struct wh_arena *a)
{
    char *head =
        wh_arena_sprintf(a, "DSSEv1 %zu %s %zu ", strlen(payload_type), payload_type, payload.len);
    size_t hlen = strlen(head);
    unsigned char *buf = wh_arena_alloc(a, hlen + payload.len + 1);

    memcpy(buf, head, hlen);
    if (payload.len > 0)
        memcpy(buf + hlen, payload.ptr, payload.len);
    return (struct wh_bytes){buf, hlen + payload.len};
}

char *
testsign_dsse_envelope(EVP_PKEY *key, const char *payload_type, struct wh_bytes payload,
                       struct wh_arena *a)
{
    struct wh_bytes sig = testsign_sign(key, NULL, testsign_pae(payload_type, payload, a), a);

    return wh_arena_sprintf(a,
                            "{\"payloadType\":\"%s\",\"payload\":\"%s\",\"signatures\":[{\"keyid\":"
                            "\"\",\"sig\":\"%s\"}]}",
                            payload_type, wh_digest_base64_encode(payload.ptr, payload.len, a),
                            wh_digest_base64_encode(sig.ptr, sig.len, a));
}

char *
testsign_statement(const char *digest, const char *predicate_type, const char *predicate,
                   struct wh_arena *a)
{
    const char *hex = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;

    return wh_arena_sprintf(a,
                            "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":"
                            "\"%s\",\"subject\":[{\"name\":\"127.0.0.1:5000/demo/app\",\"digest\":"
                            "{\"sha256\":\"%s\"}}],\"predicate\":%s}",
                            predicate_type, hex, predicate);
}

char *
testsign_simple_signing(const char *docker_reference, const char *digest, struct wh_arena *a)
{
    return wh_arena_sprintf(a,
                            "{\"critical\":{\"identity\":{\"docker-reference\":\"%s\"},\"image\":{"
                            "\"docker-manifest-digest\":\"%s\"},\"type\":\"cosign container image "
                            "signature\"},\"optional\":null}",
                            docker_reference, digest);
}
