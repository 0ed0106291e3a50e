/*
 * verify/sct.c: embedded signed certificate timestamps (RFC 6962 §3.3) in Fulcio leaves, checked
 * against the trust root's CT logs. The TLS-encoded SCT list is parsed here (bounded, explicit
 * errors) rather than by OpenSSL's CT module, which refuses Ed25519 logs.
 */
#include "verify/sct.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

#include "base/digest.h"

struct sct {
    const unsigned char *log_id; /* 32 bytes */
    uint64_t timestamp_ms;
    const unsigned char *ext;
    size_t ext_len;
    const unsigned char *sig;
    size_t sig_len;
};

static uint64_t
get_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* RFC 6962 §3.2 SignedCertificateTimestamp v1. */
static bool
parse_sct(const unsigned char *p, size_t n, struct sct *s)
{
    size_t off = 0;

    if (n < 1 + 32 + 8 + 2 || p[0] != 0)
        return false;
    s->log_id = p + 1;
    s->timestamp_ms = get_be(p + 33, 8);
    off = 41;
    s->ext_len = get_be(p + off, 2);
    off += 2;
    if (n - off < s->ext_len + 4)
        return false;
    s->ext = p + off;
    off += s->ext_len;
    off += 2; /* hash and signature algorithm: the log key decides */
    s->sig_len = get_be(p + off, 2);
    off += 2;
    if (n - off != s->sig_len || s->sig_len == 0)
        return false;
    s->sig = p + off;
    return true;
}

static void
put_be(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[n - 1 - i] = (unsigned char)(v >> (8 * i));
}

static bool
check_sig(EVP_PKEY *key, const unsigned char *data, size_t len, const struct sct *s)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int id = EVP_PKEY_get_base_id(key);
    const EVP_MD *md = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? NULL : EVP_sha256();
    bool good;

    if (ctx == NULL)
        wh_oom();
    good = EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
           EVP_DigestVerify(ctx, s->sig, s->sig_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return good;
}

/* Precert TBS: the leaf's TBSCertificate re-encoded without the SCT list extension. */
static int
precert_tbs(const X509 *leaf, unsigned char **out)
{
    X509 *dup = X509_dup(leaf);
    int idx, n;

    if (dup == NULL)
        wh_oom();
    idx = X509_get_ext_by_NID(dup, NID_ct_precert_scts, -1);
    if (idx >= 0)
        X509_EXTENSION_free(X509_delete_ext(dup, idx));
    *out = NULL;
    n = i2d_re_X509_tbs(dup, out);
    X509_free(dup);
    return n;
}

/* TODO(#14): split the SCT list reader and the per-SCT check (cognitive complexity 33 > 25, STYLE
 * §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_verify_sct(const X509 *leaf, const X509 *issuer, const struct wh_trust_root *root,
              struct wh_error *err)
{
    int idx = X509_get_ext_by_NID(leaf, NID_ct_precert_scts, -1);
    const ASN1_OCTET_STRING *outer;
    ASN1_OCTET_STRING *inner = NULL;
    const unsigned char *p;
    unsigned char *tbs = NULL, *ikey = NULL, *msg = NULL;
    unsigned char ikh[WH_SHA256_LEN];
    int tbs_len, ikey_len;
    size_t list_len, off, n_scts = 0;
    char first[160] = "";
    enum wh_err rc;

    if (idx < 0)
        return wh_error_set(err, WH_E_VERIFY, "no valid SCT: no embedded SCT in the certificate");
    if (X509_get_ext_by_NID(leaf, NID_ct_precert_scts, idx) >= 0)
        return wh_error_set(err, WH_E_VERIFY, "no valid SCT: two SCT list extensions");
    outer = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
    p = ASN1_STRING_get0_data(outer);
    inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(outer));
    if (inner == NULL || p != ASN1_STRING_get0_data(outer) + ASN1_STRING_length(outer)) {
        rc = wh_error_set(err, WH_E_VERIFY, "no valid SCT: SCT list is not an OCTET STRING");
        goto out;
    }
    p = ASN1_STRING_get0_data(inner);
    list_len = (size_t)ASN1_STRING_length(inner);
    if (list_len < 2 || get_be(p, 2) != list_len - 2) {
        rc = wh_error_set(err, WH_E_VERIFY, "no valid SCT: malformed SCT list");
        goto out;
    }
    tbs_len = precert_tbs(leaf, &tbs);
    ikey_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &ikey);
    if (tbs_len <= 0 || ikey_len <= 0 || tbs_len > 0xffffff) {
        rc = wh_error_openssl(err, WH_E_INVALID, "precertificate TBS");
        goto out;
    }
    wh_digest_sha256(ikey, (size_t)ikey_len, ikh);
    msg = OPENSSL_malloc((size_t)tbs_len + 65536 + 64);
    if (msg == NULL)
        wh_oom();
    for (off = 2; off < list_len;) {
        struct sct s;
        size_t len, m = 0;
        const struct wh_trust_log *log;
        time_t at;

        if (list_len - off < 2 || (len = get_be(p + off, 2)) > list_len - off - 2) {
            rc = wh_error_set(err, WH_E_VERIFY, "no valid SCT: malformed SCT list");
            goto out;
        }
        off += 2;
        n_scts++;
        if (!parse_sct(p + off, len, &s)) {
            if (first[0] == 0)
                snprintf(first, sizeof(first), "SCT %zu is malformed", n_scts);
            off += len;
            continue;
        }
        off += len;
        at = (time_t)(s.timestamp_ms / 1000);
        log = wh_trust_ctlog_find(root, s.log_id, at);
        if (log == NULL) {
            if (first[0] == 0) {
                char hex[65];
                wh_digest_hex(s.log_id, 32, hex);
                snprintf(first, sizeof(first), "SCT %zu is from unknown CT log %.16s...", n_scts,
                         hex);
            }
            continue;
        }
        /* digitally-signed struct: version, signature_type certificate_timestamp(0),
         * timestamp, entry_type precert_entry(1), issuer_key_hash, tbs<1..2^24-1>, extensions */
        msg[m++] = 0;
        msg[m++] = 0;
        put_be(msg + m, s.timestamp_ms, 8);
        m += 8;
        put_be(msg + m, 1, 2);
        m += 2;
        memcpy(msg + m, ikh, 32);
        m += 32;
        put_be(msg + m, (uint64_t)tbs_len, 3);
        m += 3;
        memcpy(msg + m, tbs, (size_t)tbs_len);
        m += (size_t)tbs_len;
        put_be(msg + m, s.ext_len, 2);
        m += 2;
        memcpy(msg + m, s.ext, s.ext_len);
        m += s.ext_len;
        if (check_sig(log->key, msg, m, &s)) {
            rc = WH_OK;
            goto out;
        }
        if (first[0] == 0)
            snprintf(first, sizeof(first), "SCT %zu signature does not verify with CT log %s",
                     n_scts, log->base_url);
    }
    rc = wh_error_set(err, WH_E_VERIFY, "no valid SCT: %s", n_scts == 0 ? "empty SCT list" : first);
out:
    ASN1_OCTET_STRING_free(inner);
    OPENSSL_free(tbs);
    OPENSSL_free(ikey);
    OPENSSL_free(msg);
    ERR_clear_error();
    return rc;
}
