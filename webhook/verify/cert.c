/*
 * verify/cert.c: Fulcio leaf certificates. Chains the leaf to a trust-root CA at the signing time,
 * checks the code signing EKU and the embedded SCTs, and extracts the identity (SAN, OIDC issuer,
 * Fulcio extensions) that policy/identity.c matches. sigstore-go pkg/verify/certificate.go and
 * pkg/fulcio/certificate are the model.
 */
#include "verify/cert.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "verify/keys.h"
#include "verify/sct.h"

/* Bundle chains hold the intermediates and maybe the root; more is not a Fulcio chain. */
#define MAX_BUNDLE_CHAIN 10

static const struct {
    const char *name;
    const char *oid;
} EXT[WH_CERT_EXT_COUNT] = {
    {"githubWorkflowTrigger", "1.3.6.1.4.1.57264.1.2"},
    {"githubWorkflowSHA", "1.3.6.1.4.1.57264.1.3"},
    {"githubWorkflowName", "1.3.6.1.4.1.57264.1.4"},
    {"githubWorkflowRepository", "1.3.6.1.4.1.57264.1.5"},
    {"githubWorkflowRef", "1.3.6.1.4.1.57264.1.6"},
    {"buildSignerURI", "1.3.6.1.4.1.57264.1.9"},
    {"buildSignerDigest", "1.3.6.1.4.1.57264.1.10"},
    {"runnerEnvironment", "1.3.6.1.4.1.57264.1.11"},
    {"sourceRepositoryURI", "1.3.6.1.4.1.57264.1.12"},
    {"sourceRepositoryDigest", "1.3.6.1.4.1.57264.1.13"},
    {"sourceRepositoryRef", "1.3.6.1.4.1.57264.1.14"},
    {"sourceRepositoryIdentifier", "1.3.6.1.4.1.57264.1.15"},
    {"sourceRepositoryOwnerURI", "1.3.6.1.4.1.57264.1.16"},
    {"sourceRepositoryOwnerIdentifier", "1.3.6.1.4.1.57264.1.17"},
    {"buildConfigURI", "1.3.6.1.4.1.57264.1.18"},
    {"buildConfigDigest", "1.3.6.1.4.1.57264.1.19"},
    {"buildTrigger", "1.3.6.1.4.1.57264.1.20"},
    {"runInvocationURI", "1.3.6.1.4.1.57264.1.21"},
    {"sourceRepositoryVisibilityAtSigning", "1.3.6.1.4.1.57264.1.22"},
};

#define OID_ISSUER_V1 "1.3.6.1.4.1.57264.1.1"
#define OID_ISSUER_V2 "1.3.6.1.4.1.57264.1.8"
#define OID_SAN_OTHERNAME "1.3.6.1.4.1.57264.1.7"

const char *
wh_verify_cert_ext_name(enum wh_cert_ext e)
{
    return (unsigned)e < WH_CERT_EXT_COUNT ? EXT[e].name : "?";
}

const char *
wh_verify_cert_ext_oid(enum wh_cert_ext e)
{
    return (unsigned)e < WH_CERT_EXT_COUNT ? EXT[e].oid : "?";
}

int
wh_verify_cert_ext_find(const char *name)
{
    if (strcmp(name, "githubWorkflowSha") == 0) /* kyverno's spelling */
        return WH_CERT_EXT_GITHUB_WORKFLOW_SHA;
    for (int i = 0; i < WH_CERT_EXT_COUNT; i++)
        if (strcmp(name, EXT[i].name) == 0)
            return i;
    return -1;
}

static void
release_x509(void *p)
{
    X509_free(p);
}

/* DER, or PEM when it starts with "-----BEGIN". The X509 is freed with the arena. */
static enum wh_err
parse_x509(struct wh_bytes b, const char *what, struct wh_arena *a, X509 **out,
           struct wh_error *err)
{
    X509 *x = NULL;

    if (b.len > (1u << 20))
        return wh_error_set(err, WH_E_LIMIT, "%s: %zu bytes, over 1 MiB", what, b.len);
    if (b.len >= 10 && memcmp(b.ptr, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(b.ptr, (int)b.len);
        if (bio == NULL)
            wh_oom();
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = b.ptr;
        x = d2i_X509(NULL, &p, (long)b.len);
        if (x != NULL && p != b.ptr + b.len) {
            X509_free(x);
            x = NULL;
        }
    }
    ERR_clear_error();
    if (x == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: not a DER or PEM certificate", what);
    wh_arena_defer(a, release_x509, x);
    *out = x;
    return WH_OK;
}

static void
fmt_time(time_t t, char out[32])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "@%lld", (long long)t);
}

static time_t
asn1_to_time(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return timegm(&tm);
}

/* A string from certificate bytes: no NUL inside (a NUL would let "a\0b" match "a"). */
static enum wh_err
dup_text(const unsigned char *p, int n, const char *what, struct wh_arena *a, const char **out,
         struct wh_error *err)
{
    if (n < 0 || memchr(p, 0, (size_t)n) != NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: contains NUL", what);
    *out = wh_arena_strndup(a, (const char *)p, (size_t)n);
    return WH_OK;
}

static enum wh_err
read_ext(const X509 *x, const char *oid, bool der_utf8, struct wh_arena *a, const char **out,
         struct wh_error *err)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int idx;
    const ASN1_OCTET_STRING *data;
    enum wh_err rc = WH_OK;

    if (obj == NULL)
        wh_oom();
    *out = NULL;
    idx = X509_get_ext_by_OBJ(x, obj, -1);
    if (idx >= 0 && X509_get_ext_by_OBJ(x, obj, idx) >= 0) {
        rc = wh_error_set(err, WH_E_INVALID, "extension %s appears twice", oid);
        goto out;
    }
    if (idx < 0)
        goto out;
    data = X509_EXTENSION_get_data(X509_get_ext(x, idx));
    if (der_utf8) {
        const unsigned char *p = ASN1_STRING_get0_data(data);
        ASN1_UTF8STRING *s = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(data));
        if (s == NULL || p != ASN1_STRING_get0_data(data) + ASN1_STRING_length(data)) {
            ASN1_UTF8STRING_free(s);
            rc = wh_error_set(err, WH_E_INVALID, "extension %s: not a DER UTF8String", oid);
            goto out;
        }
        rc = dup_text(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), oid, a, out, err);
        ASN1_UTF8STRING_free(s);
    } else {
        rc = dup_text(ASN1_STRING_get0_data(data), ASN1_STRING_length(data), oid, a, out, err);
    }
out:
    ASN1_OBJECT_free(obj);
    ERR_clear_error();
    return rc;
}

static enum wh_err
read_san(const X509 *x, struct wh_arena *a, struct wh_cert_identity *out, struct wh_error *err)
{
    int crit = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    ASN1_OBJECT *other = OBJ_txt2obj(OID_SAN_OTHERNAME, 1);
    size_t found = 0;
    enum wh_err rc = WH_OK;

    if (other == NULL)
        wh_oom();
    if (names == NULL) {
        rc = crit == -1 ? wh_error_set(err, WH_E_VERIFY, "certificate has no SAN identity")
                        : wh_error_set(err, WH_E_INVALID, "malformed subjectAltName");
        goto out;
    }
    for (int i = 0; rc == WH_OK && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        const ASN1_STRING *s = NULL;
        enum wh_cert_san_kind kind;

        if (g->type == GEN_URI) {
            s = g->d.uniformResourceIdentifier;
            kind = WH_CERT_SAN_URI;
        } else if (g->type == GEN_EMAIL) {
            s = g->d.rfc822Name;
            kind = WH_CERT_SAN_EMAIL;
        } else if (g->type == GEN_OTHERNAME && OBJ_cmp(g->d.otherName->type_id, other) == 0) {
            /* Fulcio: otherName SAN is a UTF8String (username identities) */
            if (g->d.otherName->value->type != V_ASN1_UTF8STRING) {
                rc = wh_error_set(err, WH_E_INVALID, "otherName SAN is not a UTF8String");
                break;
            }
            s = g->d.otherName->value->value.utf8string;
            kind = WH_CERT_SAN_OTHERNAME;
        } else {
            continue;
        }
        if (++found > 1) {
            rc = wh_error_set(err, WH_E_VERIFY, "certificate has more than one SAN identity");
            break;
        }
        out->san_kind = kind;
        rc = dup_text(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), "SAN", a, &out->san, err);
    }
    if (rc == WH_OK && found == 0)
        rc = wh_error_set(err, WH_E_VERIFY, "certificate has no URI, email or otherName SAN");
out:
    GENERAL_NAMES_free(names);
    ASN1_OBJECT_free(other);
    ERR_clear_error();
    return rc;
}

static enum wh_err
read_identity(const X509 *x, struct wh_arena *a, struct wh_cert_identity *out, struct wh_error *err)
{
    const char *v1, *v2;
    enum wh_err rc;
    EVP_PKEY *pk;
    unsigned char *der = NULL;
    int n;

    memset(out, 0, sizeof(*out));
    if ((rc = read_san(x, a, out, err)) != WH_OK)
        return rc;
    if ((rc = read_ext(x, OID_ISSUER_V1, false, a, &v1, err)) != WH_OK ||
        (rc = read_ext(x, OID_ISSUER_V2, true, a, &v2, err)) != WH_OK)
        return rc;
    /* fulcio oid-info.md: .8 supersedes .1 (same value, proper DER encoding) */
    out->issuer = v2 != NULL ? v2 : v1;
    for (int i = 0; i < WH_CERT_EXT_COUNT; i++)
        if ((rc = read_ext(x, EXT[i].oid, i >= WH_CERT_EXT_BUILD_SIGNER_URI, a, &out->ext[i],
                           err)) != WH_OK)
            return rc;
    out->not_before = asn1_to_time(X509_get0_notBefore(x));
    out->not_after = asn1_to_time(X509_get0_notAfter(x));
    pk = X509_get0_pubkey(x);
    if (pk == NULL || (n = i2d_PUBKEY(pk, &der)) <= 0) {
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID, "certificate public key is unreadable");
    }
    rc = wh_verify_key_parse_der((struct wh_bytes){der, (size_t)n}, a, &out->key, err);
    OPENSSL_free(der);
    if (rc != WH_OK)
        return wh_error_wrap(err, "certificate public key");
    return WH_OK;
}

enum wh_err
wh_verify_cert_identity_parse(struct wh_bytes cert, struct wh_arena *a,
                              struct wh_cert_identity *out, struct wh_error *err)
{
    X509 *x;
    enum wh_err rc;

    if ((rc = parse_x509(cert, "certificate", a, &x, err)) != WH_OK)
        return rc;
    return read_identity(x, a, out, err);
}

/* The failure of one CA attempt, as a sentence. */
static void
describe(X509_STORE_CTX *ctx, time_t at, char *buf, size_t n)
{
    int e = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    const char *who = depth == 0 ? "certificate" : "chain certificate";
    char ts[32];

    fmt_time(at, ts);
    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        snprintf(buf, n, "%s expired at signing time %s", who, ts);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        snprintf(buf, n, "%s not yet valid at signing time %s", who, ts);
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        snprintf(buf, n, "untrusted chain: %s", X509_verify_cert_error_string(e));
        break;
    default:
        snprintf(buf, n, "chain verification failed at depth %d: %s", depth,
                 X509_verify_cert_error_string(e));
        break;
    }
}

static bool
is_self_signed(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

/* Tries one CA. 1 verified (*issuer set), 0 not, with the reason in buf. */
static int
try_ca(const struct wh_trust_authority *ca, X509 *leaf, STACK_OF(X509) * bundle, time_t at,
       X509 **issuer, char *buf, size_t n)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    int nc = sk_X509_num(ca->chain), ok = 0;
    X509 *anchor;
    unsigned long flags = X509_V_FLAG_USE_CHECK_TIME;

    if (store == NULL || ctx == NULL || untrusted == NULL)
        wh_oom();
    anchor = sk_X509_value(ca->chain, nc - 1);
    if (X509_STORE_add_cert(store, anchor) != 1)
        wh_oom();
    /* sigstore-go: the last certificate of the CA chain is the root; a trusted root whose last
     * certificate is an intermediate still anchors there (no further issuer is trusted). */
    if (!is_self_signed(anchor))
        flags |= X509_V_FLAG_PARTIAL_CHAIN;
    for (int i = 0; i < nc - 1; i++)
        if (sk_X509_push(untrusted, sk_X509_value(ca->chain, i)) == 0)
            wh_oom();
    for (int i = 0; i < sk_X509_num(bundle); i++)
        if (sk_X509_push(untrusted, sk_X509_value(bundle, i)) == 0)
            wh_oom();
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
        wh_oom();
    X509_STORE_CTX_set_flags(ctx, flags);
    X509_STORE_CTX_set_time(ctx, 0, at);
    if (X509_verify_cert(ctx) == 1) {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        X509 *iss = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL;
        if (iss != NULL && X509_up_ref(iss) == 1) {
            *issuer = iss;
            ok = 1;
        } else {
            snprintf(buf, n, "untrusted chain: the leaf is itself the trust anchor");
        }
    } else {
        describe(ctx, at, buf, n);
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    return ok;
}

/* TODO(#14): split the chain build and the validity-window check (cognitive complexity 26 > 25,
 * STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_verify_cert(struct wh_bytes leaf_der, const struct wh_bytes *chain_der, size_t n_chain,
               const struct wh_trust_root *root, time_t at, struct wh_arena *a,
               struct wh_cert_identity *out, struct wh_error *err)
{
    X509 *leaf, *issuer = NULL;
    const struct wh_trust_authority *used = NULL;
    STACK_OF(X509) *bundle = NULL;
    size_t tried = 0;
    char why[200] = "", ts[32];
    enum wh_err rc;

    if (n_chain > MAX_BUNDLE_CHAIN)
        return wh_error_set(err, WH_E_LIMIT, "certificate chain of %zu, over %d", n_chain,
                            MAX_BUNDLE_CHAIN);
    if ((rc = parse_x509(leaf_der, "certificate", a, &leaf, err)) != WH_OK)
        return rc;
    bundle = sk_X509_new_null();
    if (bundle == NULL)
        wh_oom();
    for (size_t i = 0; i < n_chain; i++) {
        X509 *x;
        if ((rc = parse_x509(chain_der[i], "chain certificate", a, &x, err)) != WH_OK)
            goto out;
        if (sk_X509_push(bundle, x) == 0)
            wh_oom();
    }
    for (size_t i = 0; i < wh_trust_root_ca_count(root) && issuer == NULL; i++) {
        const struct wh_trust_authority *ca = wh_trust_root_ca_get(root, i);
        char reason[200];

        if (!wh_trust_window_contains(ca->valid_from, ca->valid_to, at))
            continue;
        tried++;
        if (try_ca(ca, leaf, bundle, at, &issuer, reason, sizeof(reason)) == 1)
            used = ca;
        else if (why[0] == 0 || strncmp(why, "untrusted chain", 15) == 0)
            snprintf(why, sizeof(why), "%s", reason); /* prefer the more specific reason */
    }
    fmt_time(at, ts);
    if (tried == 0) {
        rc = wh_error_set(err, WH_E_VERIFY, "no Fulcio CA of the trust root is valid at %s", ts);
        goto out;
    }
    if (issuer == NULL) {
        rc = wh_error_set(err, WH_E_VERIFY, "%s", why);
        goto out;
    }
    if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0 ||
        (X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN) == 0) {
        rc = wh_error_set(err, WH_E_VERIFY, "certificate has no code signing extended key usage");
        goto out;
    }
    /* A CA whose trusted_root.json lists no CT log (GitHub's) issues certificates without SCTs. */
    if ((used == NULL || !used->lists_no_ctlog) &&
        (rc = wh_verify_sct(leaf, issuer, root, err)) != WH_OK)
        goto out;
    rc = read_identity(leaf, a, out, err);
out:
    X509_free(issuer);
    sk_X509_free(bundle);
    ERR_clear_error();
    return rc;
}
