/* RFC 3161 timestamp verification with OpenSSL's TS API against the trust root's timestamp
 * authorities, at the timestamp's own genTime. */
#include "verify/tsa.h"

#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdbool.h>
#include <string.h>

struct token {
    TS_RESP *resp; /* when the input was a TimeStampResp */
    PKCS7 *pkcs7;  /* owned only when resp == NULL */
    TS_TST_INFO *tst;
    bool owns_tst;
};

static void
token_free(struct token *t)
{
    if (t->owns_tst)
        TS_TST_INFO_free(t->tst);
    if (t->resp != NULL)
        TS_RESP_free(t->resp);
    else
        PKCS7_free(t->pkcs7);
}

static enum wh_err
parse_token(struct wh_bytes der, struct token *t, struct wh_error *err)
{
    const unsigned char *p = der.ptr;
    long status;

    memset(t, 0, sizeof(*t));
    if (der.len == 0)
        return wh_error_set(err, WH_E_INVALID, "timestamp is empty");
    if (der.len > WH_TSA_TOKEN_MAX)
        return wh_error_set(err, WH_E_LIMIT, "timestamp is %zu bytes (limit %d)", der.len,
                            WH_TSA_TOKEN_MAX);
    t->resp = d2i_TS_RESP(NULL, &p, (long)der.len);
    if (t->resp != NULL && p == der.ptr + der.len) {
        status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(t->resp)));
        /* RFC 3161 §2.4.2: granted (0) or grantedWithMods (1) carry a token. */
        if (status != 0 && status != 1)
            return wh_error_set(err, WH_E_VERIFY, "timestamp response status is %ld, not granted",
                                status);
        t->pkcs7 = TS_RESP_get_token(t->resp);
        t->tst = TS_RESP_get_tst_info(t->resp);
        if (t->pkcs7 == NULL || t->tst == NULL)
            return wh_error_set(err, WH_E_INVALID, "timestamp response carries no token");
        return WH_OK;
    }
    TS_RESP_free(t->resp);
    t->resp = NULL;
    ERR_clear_error();
    p = der.ptr;
    t->pkcs7 = d2i_PKCS7(NULL, &p, (long)der.len);
    if (t->pkcs7 == NULL || p != der.ptr + der.len) {
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID,
                            "timestamp is neither a TimeStampResp nor a TimeStampToken");
    }
    t->tst = PKCS7_to_TS_TST_INFO(t->pkcs7);
    t->owns_tst = true;
    if (t->tst == NULL) {
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID, "timestamp token holds no TSTInfo");
    }
    return WH_OK;
}

static int
digits(const unsigned char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* GeneralizedTime "YYYYMMDDHHMMSS[.f+]Z" (RFC 3161 §2.4.2: UTC, fraction without trailing
 * zeros, any precision). */
static enum wh_err
parse_gen_time(const ASN1_GENERALIZEDTIME *gt, time_t *out, struct wh_error *err)
{
    const unsigned char *s;
    int n, i;
    struct tm tm = {0};

    if (gt == NULL)
        return wh_error_set(err, WH_E_INVALID, "timestamp has no genTime");
    s = ASN1_STRING_get0_data(gt);
    n = ASN1_STRING_length(gt);
    if (n < 15 || s[n - 1] != 'Z')
        return wh_error_set(err, WH_E_INVALID, "timestamp genTime is not UTC GeneralizedTime");
    if (n > 15) {
        if (s[14] != '.' || n == 16 || n > 15 + 1 + 9)
            return wh_error_set(err, WH_E_INVALID, "timestamp genTime has a malformed fraction");
        for (i = 15; i < n - 1; i++)
            if (s[i] < '0' || s[i] > '9')
                return wh_error_set(err, WH_E_INVALID,
                                    "timestamp genTime has a malformed fraction");
    }
    tm.tm_year = digits(s, 4) - 1900;
    tm.tm_mon = digits(s + 4, 2) - 1;
    tm.tm_mday = digits(s + 6, 2);
    tm.tm_hour = digits(s + 8, 2);
    tm.tm_min = digits(s + 10, 2);
    tm.tm_sec = digits(s + 12, 2);
    if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
        tm.tm_sec > 60)
        return wh_error_set(err, WH_E_INVALID, "timestamp genTime is not a valid time");
    *out = timegm(&tm);
    return WH_OK;
}

static enum wh_err
verify_token(struct token *t, struct wh_bytes data, const struct wh_trust_authority *tsa,
             time_t gen, struct wh_error *err)
{
    TS_VERIFY_CTX *ctx;
    X509_STORE *store;
    STACK_OF(X509) * untrusted;
    BIO *bio;
    int n = sk_X509_num(tsa->chain);
    enum wh_err rc = WH_OK;

    if (n <= 0)
        return wh_error_set(err, WH_E_VERIFY, "timestamp authority has no certificates");
    ctx = TS_VERIFY_CTX_new();
    store = X509_STORE_new();
    bio = BIO_new_mem_buf(data.ptr, (int)data.len);
    untrusted = X509_chain_up_ref(tsa->chain);
    if (ctx == NULL || store == NULL || bio == NULL || untrusted == NULL)
        wh_oom();
    /* The root anchors the chain; the rest (signing cert, intermediates) are untrusted helpers,
     * which is how a token without embedded certificates still finds its signer. */
    if (X509_STORE_add_cert(store, sk_X509_value(tsa->chain, n - 1)) != 1)
        wh_oom();
    /* Verify the chain at genTime: TSA certificates may expire after they signed. */
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), gen);
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
    TS_VERIFY_CTX_set_data(ctx, bio);
    TS_VERIFY_CTX_set_store(ctx, store);
    TS_VERIFY_CTX_set_certs(ctx, untrusted);
    if (TS_RESP_verify_token(ctx, t->pkcs7) != 1)
        rc = wh_error_openssl(err, WH_E_VERIFY, "timestamp does not verify");
    ERR_clear_error();
    TS_VERIFY_CTX_free(ctx); /* frees the store, the BIO and the certificate stack */
    return rc;
}

enum wh_err
wh_verify_timestamp_with(struct wh_bytes ts_der, struct wh_bytes signed_data,
                         const struct wh_trust_authority *tsa, time_t *gen_time,
                         struct wh_error *err)
{
    struct token t;
    time_t gen = 0;
    enum wh_err rc;

    rc = parse_token(ts_der, &t, err);
    if (rc == WH_OK)
        rc = parse_gen_time(TS_TST_INFO_get_time(t.tst), &gen, err);
    if (rc == WH_OK && !wh_trust_window_contains(tsa->valid_from, tsa->valid_to, gen))
        rc = wh_error_set(err, WH_E_VERIFY,
                          "timestamp genTime %lld is outside the validity of authority %s",
                          (long long)gen, tsa->name != NULL ? tsa->name : "");
    if (rc == WH_OK)
        rc = verify_token(&t, signed_data, tsa, gen, err);
    token_free(&t);
    if (rc == WH_OK)
        *gen_time = gen;
    return rc;
}

enum wh_err
wh_verify_timestamp(struct wh_bytes ts_der, struct wh_bytes signed_data,
                    const struct wh_trust_root *root, time_t *gen_time, struct wh_error *err)
{
    size_t i, n = wh_trust_root_tsa_count(root);
    struct wh_error first = {0};
    struct wh_error *e;

    if (n == 0)
        return wh_error_set(err, WH_E_VERIFY, "trust root has no timestamp authority");
    for (i = 0; i < n; i++) {
        e = i == 0 ? &first : err;
        if (wh_verify_timestamp_with(ts_der, signed_data, wh_trust_root_tsa_get(root, i), gen_time,
                                     e) == WH_OK)
            return WH_OK;
        if (first.code == WH_E_INVALID || first.code == WH_E_LIMIT)
            break; /* malformed for every authority alike */
    }
    *err = first;
    if (n > 1)
        wh_error_wrap(err, "no trusted timestamp authority verifies it (%zu tried; first)", n);
    return err->code;
}
