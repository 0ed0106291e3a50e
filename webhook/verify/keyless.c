/* Bundle and cosign-classic keyless verification: gathers verified times from the transparency
 * log and RFC 3161 timestamps, verifies the Fulcio certificate at each of them, matches the
 * identity and checks the signature (sigstore-go verify.SignedEntityVerifier, cosign
 * VerifyImageSignature). Pure: bytes, trust root and policy in, result out. */
#include "verify/keyless.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "base/regex.h"
#include "verify/cosign_sig.h"
#include "verify/dsse.h"
#include "verify/tlog.h"
#include "verify/tsa.h"

#define MAX_TIMES (2 * WH_BUNDLE_MAX_ENTRIES)

/* The signing times the evidence vouches for. */
struct times {
    time_t at[MAX_TIMES];
    bool is_tsa[MAX_TIMES];
    size_t n;
    size_t n_tlog, n_tsa;
    time_t first_tsa; /* 0 when no timestamp verified */
};

static void
add_time(struct times *t, time_t at, bool is_tsa)
{
    if (t->n < MAX_TIMES) {
        t->is_tsa[t->n] = is_tsa;
        t->at[t->n++] = at;
    }
}

static void
release_x509(void *obj)
{
    X509_free(obj);
}

static enum wh_err
parse_x509(struct wh_bytes der, struct wh_arena *a, X509 **out, struct wh_error *err)
{
    const unsigned char *p = der.ptr;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);

    if (x == NULL)
        return wh_error_openssl(err, WH_E_INVALID, "malformed certificate");
    wh_arena_defer(a, release_x509, x);
    *out = x;
    return WH_OK;
}

/* conformance bundle-with-root-cert_fail: "bundle certificate chain contains a root certificate:
 * client should reject this" (sigstore-python); the root must come from the trust root only. */
static enum wh_err
reject_self_signed(const struct wh_bundle *b, struct wh_arena *a, struct wh_error *err)
{
    /* The leaf (position 0) needs no check here: a self-signed leaf cannot chain to Fulcio. */
    for (size_t i = 1; i < b->n_certs; i++) {
        X509 *x = NULL;
        enum wh_err rc = parse_x509(b->certs[i], a, &x, err);

        if (rc != WH_OK)
            return wh_error_wrap(err, "bundle certificate %zu", i);
        if ((X509_get_extension_flags(x) & EXFLAG_SS) != 0)
            return wh_error_set(err, WH_E_VERIFY,
                                "bundle certificate chain contains a "
                                "self-signed (root) certificate at position %zu",
                                i);
    }
    return WH_OK;
}

static enum wh_err
match_one(const char *what, const char *got, const char *exact, const char *re,
          struct wh_error *err)
{
    struct wh_regex *rx;
    struct wh_error e;
    bool matched = false;
    enum wh_err rc;

    if (exact == NULL && re == NULL)
        return wh_error_set(err, WH_E_INVALID,
                            "keyless verification needs a certificate %s "
                            "(exact or regex)",
                            what);
    if (got == NULL)
        return wh_error_set(err, WH_E_VERIFY, "certificate has no %s", what);
    if (exact != NULL) {
        if (strcmp(got, exact) != 0)
            return wh_error_set(err, WH_E_VERIFY, "certificate %s \"%.100s\" is not \"%.100s\"",
                                what, got, exact);
        return WH_OK;
    }
    /* RE2 syntax, as cosign's --certificate-*-regexp; the pattern is compiled on its own and the
     * engine anchors it, so it must match the whole value, never a substring. */
    if (wh_regex_new(WH_REGEX_RE2, wh_str_c(re), &rx, &e) != WH_OK)
        return wh_error_set(err, e.code == WH_E_LIMIT ? WH_E_LIMIT : WH_E_INVALID,
                            "certificate %s regex: %s", what, e.msg);
    rc = wh_regex_match(rx, wh_str_c(got), &matched, &e);
    if (rc == WH_OK && !matched)
        rc = wh_error_set(err, WH_E_VERIFY, "certificate %s \"%.100s\" does not match %.120s", what,
                          got, wh_regex_effective(rx));
    else if (rc != WH_OK)
        rc = wh_error_set(err, WH_E_VERIFY, "certificate %s \"%.100s\": %s", what, got, e.msg);
    wh_regex_free(rx);
    return rc;
}

enum wh_err
wh_verify_identity(const struct wh_cert_identity *id, const struct wh_bundle_policy *p,
                   struct wh_error *err)
{
    enum wh_err rc = match_one("identity", id->san, p->san, p->san_regex, err);

    if (rc == WH_OK)
        rc = match_one("issuer", id->issuer, p->issuer, p->issuer_regex, err);
    return rc;
}

enum wh_err
wh_verify_bundle_key_parse(struct wh_bytes pem_or_der, struct wh_arena *a,
                           struct wh_bundle_key *out, struct wh_error *err)
{
    struct wh_verify_key *key;
    enum wh_err rc;

    /* PEM goes through keys.c's one parser (its size bound and its "PUBLIC KEY" label check, so
     * a certificate or PKCS#1 key given as a key is named); the DER form is kept for Rekor. */
    if (pem_or_der.len > 0 && pem_or_der.ptr[0] == '-') {
        rc = wh_verify_key_parse(pem_or_der, a, &key, err);
        if (rc == WH_OK)
            rc = wh_verify_key_spki_der(key, a, &out->spki_der, err);
    } else {
        out->spki_der = pem_or_der;
        rc = wh_verify_key_parse_der(out->spki_der, a, &key, err);
    }
    if (rc != WH_OK)
        return rc;
    out->key = key;
    return WH_OK;
}

/* Message signatures over a digest only (sigstore-go WithArtifactDigest): verify the prehashed
 * SHA-256 with the raw EVP key. ECDSA and RSA only; Ed25519 signs the message itself. */
static enum wh_err
verify_prehashed(struct wh_bytes spki_der, const unsigned char digest[WH_SHA256_LEN],
                 struct wh_bytes sig, struct wh_error *err)
{
    const unsigned char *p = spki_der.ptr;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)spki_der.len);
    EVP_PKEY_CTX *ctx = NULL;
    enum wh_err rc;
    int verdict;

    if (pkey == NULL)
        return wh_error_openssl(err, WH_E_INVALID, "malformed public key");
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
        rc = wh_error_set(err, WH_E_INVALID,
                          "an Ed25519 message signature needs the artifact, not its digest");
        goto out;
    }
    ctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (ctx == NULL)
        wh_oom();
    if (EVP_PKEY_verify_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
        rc = wh_error_openssl(err, WH_E_INTERNAL, "EVP_PKEY_verify_init");
        goto out;
    }
    verdict = EVP_PKEY_verify(ctx, sig.ptr, sig.len, digest, WH_SHA256_LEN);
    if (verdict == 1)
        rc = WH_OK;
    else
        rc = wh_error_set(err, WH_E_VERIFY, "signature does not match the artifact digest");
out:
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

/* RFC 3161 timestamps over the signature bytes (sigstore: "the signature is the timestamped
 * message"). Every timestamp present must verify: a bad one is an attack, not noise. */
static enum wh_err
verify_timestamps(const struct wh_bundle *b, struct wh_bytes signed_data,
                  const struct wh_trust_root *root, struct times *t, struct wh_error *err)
{
    for (size_t i = 0; i < b->n_timestamps; i++) {
        time_t at;
        enum wh_err rc = wh_verify_timestamp(b->timestamps[i], signed_data, root, &at, err);

        if (rc != WH_OK)
            return wh_error_wrap(err, "timestamp %zu", i);
        if (t->first_tsa == 0)
            t->first_tsa = at;
        add_time(t, at, true);
        t->n_tsa++;
    }
    return WH_OK;
}

static enum wh_err
verify_tlog(const struct wh_bundle *b, const struct wh_tlog_expect *x,
            const struct wh_trust_root *root, struct wh_arena *a, struct times *t,
            struct wh_error *err)
{
    for (size_t i = 0; i < b->n_tlog; i++) {
        struct wh_tlog_entry e;
        time_t at;
        enum wh_err rc = wh_verify_tlog_entry_parse_bundle(b->tlog[i].json, a, &e, err);

        if (rc == WH_OK)
            rc = wh_verify_tlog_entry(&e, root, x, t->first_tsa, &at, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "tlog entry %zu", i);
        /* sigstore-go: an integrated time counts as an observer timestamp only under a SET. */
        if (e.has_integrated_time && e.set.len > 0)
            add_time(t, at, false);
        t->n_tlog++;
    }
    return WH_OK;
}

/* The certificate must be valid at every verified time (sigstore-go VerifyLeafCertificate per
 * verified timestamp); the identity comes from the first check. */
static enum wh_err
verify_cert_at_times(const struct wh_bytes *certs, size_t n_certs, const struct times *t,
                     const struct wh_trust_root *root, struct wh_arena *a,
                     struct wh_cert_identity *id, struct wh_error *err)
{
    for (size_t i = 0; i < t->n; i++) {
        struct wh_cert_identity tmp;
        enum wh_err rc = wh_verify_cert(certs[0], certs + 1, n_certs - 1, root, t->at[i], a,
                                        i == 0 ? id : &tmp, err);

        if (rc != WH_OK)
            return wh_error_wrap(err, "certificate at signing time %lld", (long long)t->at[i]);
    }
    return WH_OK;
}

static time_t
earliest(const struct times *t, const char **source)
{
    size_t best = 0;

    for (size_t i = 1; i < t->n; i++)
        if (t->at[i] < t->at[best])
            best = i;
    *source = t->is_tsa[best] ? "tsa" : "tlog";
    return t->at[best];
}

static enum wh_err
check_material(const struct wh_bundle *b, const struct wh_bundle_key *key, struct wh_error *err)
{
    if (key == NULL && b->material == WH_BUNDLE_PUBLIC_KEY)
        return wh_error_set(err, WH_E_VERIFY,
                            "bundle is signed with a key (hint \"%.64s\") but "
                            "no key was given",
                            b->key_hint);
    if (key != NULL && b->material != WH_BUNDLE_PUBLIC_KEY)
        return wh_error_set(err, WH_E_VERIFY,
                            "bundle carries a certificate but a key was required");
    return WH_OK;
}

/* sha256 of DSSE PAE: "DSSEv1 <len(type)> <type> <len(payload)> <payload>". */
static void
pae_sha256(const struct wh_dsse_envelope *env, unsigned char out[WH_SHA256_LEN])
{
    char head[64];
    size_t type_len = strlen(env->payload_type);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int n;

    if (ctx == NULL)
        wh_oom();
    WH_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    n = snprintf(head, sizeof(head), "DSSEv1 %zu ", type_len);
    WH_ASSERT(EVP_DigestUpdate(ctx, head, (size_t)n) == 1);
    WH_ASSERT(EVP_DigestUpdate(ctx, env->payload_type, type_len) == 1);
    n = snprintf(head, sizeof(head), " %zu ", env->payload.len);
    WH_ASSERT(EVP_DigestUpdate(ctx, head, (size_t)n) == 1);
    WH_ASSERT(EVP_DigestUpdate(ctx, env->payload.ptr, env->payload.len) == 1);
    WH_ASSERT(EVP_DigestFinal_ex(ctx, out, NULL) == 1);
    EVP_MD_CTX_free(ctx);
}

/* Signature over the content; fills the tlog expectation with what verified. */
static enum wh_err
verify_content(const struct wh_bundle *b, const struct wh_verify_artifact *art,
               const struct wh_verify_key *vk, struct wh_bytes verifier, struct wh_tlog_expect *x,
               struct wh_bundle_result *out, struct wh_error *err)
{
    enum wh_err rc;

    x->verifier = verifier;
    out->content = b->content;
    if (b->content == WH_BUNDLE_DSSE) {
        rc = wh_verify_dsse(&b->dsse, &vk, 1, NULL, err);
        if (rc != WH_OK)
            return rc;
        x->payload = b->dsse.payload;
        x->signature = b->dsse.signatures[0].sig;
        /* Rekor v2 logs DSSE as hashedrekord 0.0.2 over sha256(PAE) (rekor-v2-spec §6.1.4). */
        x->has_artifact_sha256 = true;
        pae_sha256(&b->dsse, x->artifact_sha256);
        out->payload_type = b->dsse.payload_type;
        out->payload = b->dsse.payload;
        return WH_OK;
    }
    if (art->bytes.ptr == NULL && !art->has_sha256)
        return wh_error_set(err, WH_E_INVALID,
                            "a message signature needs the artifact or its sha256 (its "
                            "messageDigest); none was given");
    x->has_artifact_sha256 = true;
    if (art->bytes.ptr != NULL)
        wh_digest_sha256(art->bytes.ptr, art->bytes.len, x->artifact_sha256);
    else
        memcpy(x->artifact_sha256, art->sha256, WH_SHA256_LEN);
    if (b->message_digest.len == WH_SHA256_LEN &&
        memcmp(b->message_digest.ptr, x->artifact_sha256, WH_SHA256_LEN) != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "bundle messageDigest is not the artifact's sha256 (bundle of "
                            "another artifact)");
    if (art->bytes.ptr != NULL)
        rc = wh_verify_key_signature(vk, art->bytes, b->signature, err);
    else
        rc = verify_prehashed(verifier, x->artifact_sha256, b->signature, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "message signature");
    x->signature = b->signature;
    out->payload = art->bytes;
    return WH_OK;
}

/* The leaf's SubjectPublicKeyInfo DER, for verifying a digest-only message signature. */
static enum wh_err
leaf_spki(struct wh_bytes leaf_der, struct wh_arena *a, struct wh_bytes *out, struct wh_error *err)
{
    X509 *x = NULL;
    unsigned char *der = NULL;
    int len;
    enum wh_err rc = parse_x509(leaf_der, a, &x, err);

    if (rc != WH_OK)
        return rc;
    len = i2d_PUBKEY(X509_get0_pubkey(x), &der);
    if (len <= 0)
        return wh_error_openssl(err, WH_E_INVALID, "certificate key has no DER form");
    out->ptr = wh_arena_memdup(a, der, (size_t)len);
    out->len = (size_t)len;
    OPENSSL_free(der);
    return WH_OK;
}

static enum wh_err
finish_times(const struct wh_bundle_policy *p, struct times *t, struct wh_bundle_result *out,
             struct wh_error *err)
{
    size_t need = p->skip_tlog_unsafe ? 0 : p->tlog_threshold == 0 ? 1 : p->tlog_threshold;

    if (t->n_tlog < need)
        return wh_error_set(err, WH_E_VERIFY,
                            "%zu verified transparency log entries, %zu "
                            "required",
                            t->n_tlog, need);
    if (t->n_tsa < p->timestamp_threshold)
        return wh_error_set(err, WH_E_VERIFY, "%zu verified RFC 3161 timestamps, %zu required",
                            t->n_tsa, p->timestamp_threshold);
    if (t->n == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "no verified signing time: neither a signed entry "
                            "timestamp nor an RFC 3161 timestamp");
    out->n_tlog_verified = t->n_tlog;
    out->n_timestamps_verified = t->n_tsa;
    out->signing_time = earliest(t, &out->time_source);
    return WH_OK;
}

enum wh_err
wh_verify_bundle(const struct wh_bundle *b, const struct wh_verify_artifact *artifact,
                 const struct wh_trust_root *root, const struct wh_bundle_key *key,
                 const struct wh_bundle_policy *p, struct wh_arena *a, struct wh_bundle_result *out,
                 struct wh_error *err)
{
    struct wh_tlog_expect x;
    struct times t;
    struct wh_cert_identity unverified;
    const struct wh_verify_key *vk;
    struct wh_bytes verifier = {0}, spki = {0};
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    memset(&x, 0, sizeof(x));
    memset(&t, 0, sizeof(t));
    if ((rc = check_material(b, key, err)) != WH_OK)
        return rc;
    out->is_keyless = key == NULL;
    if (key != NULL) {
        vk = key->key;
        verifier = key->spki_der;
        spki = key->spki_der;
    } else {
        if ((rc = reject_self_signed(b, a, err)) != WH_OK)
            return rc;
        /* The key to check the signature with; trusted only once the chain verifies below. */
        rc = wh_verify_cert_identity_parse(b->certs[0], a, &unverified, err);
        /* Only a digest-only artifact needs the raw key (prehashed verification). */
        if (rc == WH_OK && artifact->bytes.ptr == NULL)
            rc = leaf_spki(b->certs[0], a, &spki, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "bundle certificate");
        vk = unverified.key;
        verifier = b->certs[0];
    }
    rc = verify_content(b, artifact, vk, key != NULL ? verifier : spki, &x, out, err);
    if (rc != WH_OK)
        return rc;
    x.verifier = verifier;
    x.require_inclusion_proof = b->version >= WH_BUNDLE_V0_2;
    rc = verify_timestamps(b, x.signature, root, &t, err);
    if (rc == WH_OK)
        rc = verify_tlog(b, &x, root, a, &t, err);
    if (rc == WH_OK)
        rc = finish_times(p, &t, out, err);
    if (rc != WH_OK || key != NULL)
        return rc;
    rc = verify_cert_at_times(b->certs, b->n_certs, &t, root, a, &out->identity, err);
    if (rc == WH_OK)
        rc = wh_verify_identity(&out->identity, p, err);
    return rc;
}

/* ---- cosign classic layers ---- */

/* PEM certificates → DER list (leaf annotation: one; chain annotation: several). */
static enum wh_err
pem_certs(struct wh_str pem, size_t max, struct wh_arena *a, struct wh_bytes **out, size_t *n,
          struct wh_error *err)
{
    BIO *bio;
    X509 *x = NULL;

    *n = 0;
    *out = wh_arena_calloc(a, max + 1, sizeof(**out));
    if (pem.len == 0)
        return WH_OK;
    bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL)
        wh_oom();
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        unsigned char *der = NULL;
        int len = i2d_X509(x, &der);

        X509_free(x);
        if (len <= 0 || *n == max) {
            OPENSSL_free(der);
            BIO_free(bio);
            return wh_error_set(err, len <= 0 ? WH_E_INVALID : WH_E_LIMIT,
                                "PEM certificates: more than %zu or unencodable", max);
        }
        (*out)[*n].ptr = wh_arena_memdup(a, der, (size_t)len);
        (*out)[(*n)++].len = (size_t)len;
        OPENSSL_free(der);
    }
    ERR_clear_error();
    BIO_free(bio);
    if (*n == 0)
        return wh_error_set(err, WH_E_INVALID, "no PEM certificate in %zu bytes", pem.len);
    return WH_OK;
}

/* cosign: {"SignedRFC3161Timestamp": "<b64 DER TimeStampResp>"} */
static enum wh_err
parse_rfc3161(struct wh_str text, struct wh_arena *a, struct wh_bytes *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *v;
    enum wh_err rc;

    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "rfc3161timestamp: %d:%d: %s", jerr.line,
                            jerr.column, jerr.text);
    v = json_object_get(root, "SignedRFC3161Timestamp");
    if (!json_is_string(v))
        rc = wh_error_set(err, WH_E_INVALID, "rfc3161timestamp has no SignedRFC3161Timestamp");
    else
        rc = wh_digest_base64_decode((struct wh_str){json_string_value(v), json_string_length(v)},
                                     a, out, err);
    json_decref(root);
    return rc;
}

static enum wh_err
layer_signature(const struct wh_verify_cosign_layer *l, const struct wh_limits *lim,
                struct wh_arena *a, struct wh_dsse_envelope *env, struct wh_bytes *sig,
                struct wh_error *err)
{
    if (l->is_dsse) {
        enum wh_err rc = wh_verify_dsse_parse(l->blob, lim, a, env, err);

        if (rc != WH_OK)
            return rc;
        *sig = env->signatures[0].sig;
        return WH_OK;
    }
    if (l->signature_b64.len == 0)
        return wh_error_set(err, WH_E_INVALID, "layer has no signature annotation");
    return wh_digest_base64_decode(l->signature_b64, a, sig, err);
}

enum wh_err
wh_verify_cosign_layer_timestamp(const struct wh_verify_cosign_layer *l, struct wh_bytes signature,
                                 const struct wh_trust_root *root, struct wh_arena *a, time_t *at,
                                 struct wh_error *err)
{
    struct wh_bytes ts;
    enum wh_err rc;

    if (l->rfc3161.len == 0)
        return wh_error_set(err, WH_E_NOT_FOUND,
                            "layer has no dev.sigstore.cosign/rfc3161timestamp");
    rc = parse_rfc3161(l->rfc3161, a, &ts, err);
    if (rc == WH_OK) {
        /* sigstore-js/cosign sign: over the signature; cosign attest: over the envelope. */
        rc = wh_verify_timestamp(ts, signature, root, at, err);
        if (rc != WH_OK && l->is_dsse)
            rc = wh_verify_timestamp(ts, l->blob, root, at, err);
    }
    if (rc != WH_OK)
        return wh_error_wrap(err, "rfc3161timestamp");
    return WH_OK;
}

static enum wh_err
layer_times(const struct wh_verify_cosign_layer *l, struct wh_tlog_expect *x,
            const struct wh_trust_root *root, struct wh_arena *a, struct times *t,
            struct wh_error *err)
{
    enum wh_err rc;

    if (l->rfc3161.len > 0) {
        time_t at;

        rc = wh_verify_cosign_layer_timestamp(l, x->signature, root, a, &at, err);
        if (rc != WH_OK)
            return rc;
        t->first_tsa = at;
        add_time(t, at, true);
        t->n_tsa++;
    }
    if (l->bundle.len > 0) {
        struct wh_tlog_entry e;
        time_t at;

        rc = wh_verify_tlog_entry_parse_cosign(
            (struct wh_bytes){(const unsigned char *)l->bundle.ptr, l->bundle.len}, a, &e, err);
        if (rc == WH_OK)
            rc = wh_verify_tlog_entry(&e, root, x, t->first_tsa, &at, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "cosign bundle");
        if (e.has_integrated_time && e.set.len > 0)
            add_time(t, at, false);
        t->n_tlog++;
    }
    return WH_OK;
}

enum wh_err
wh_verify_cosign_layer_keyless(const struct wh_verify_cosign_layer *l, const char *digest,
                               const struct wh_trust_root *root, const struct wh_bundle_policy *p,
                               const struct wh_limits *lim, struct wh_arena *a,
                               struct wh_bundle_result *out, struct wh_error *err)
{
    struct wh_bytes *leaf, *chain, sig = {0};
    size_t n_leaf, n_chain;
    struct wh_cert_identity unverified;
    struct wh_dsse_envelope env;
    struct wh_tlog_expect x;
    struct times t;
    const struct wh_verify_key *vk;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    memset(&x, 0, sizeof(x));
    memset(&t, 0, sizeof(t));
    out->is_keyless = true;
    if (l->certificate.len == 0)
        return wh_error_set(err, WH_E_NOT_FOUND, "layer has no dev.sigstore.cosign/certificate");
    rc = pem_certs(l->certificate, 1, a, &leaf, &n_leaf, err);
    if (rc == WH_OK)
        rc = pem_certs(l->chain, WH_BUNDLE_MAX_CERTS, a, &chain, &n_chain, err);
    if (rc == WH_OK)
        rc = wh_verify_cert_identity_parse(leaf[0], a, &unverified, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "certificate annotation");
    vk = unverified.key;
    if ((rc = layer_signature(l, lim, a, &env, &sig, err)) != WH_OK)
        return rc;
    x.signature = sig;
    x.verifier = leaf[0];
    if (l->is_dsse) {
        rc = wh_verify_dsse(&env, &vk, 1, NULL, err);
        x.has_artifact_sha256 = true;
        pae_sha256(&env, x.artifact_sha256);
        x.payload = env.payload;
        x.envelope = l->blob;
        out->content = WH_BUNDLE_DSSE;
        out->payload_type = env.payload_type;
        out->payload = env.payload;
    } else {
        rc = wh_verify_cosign_sig(l->blob, sig, &vk, 1, digest, a, NULL, NULL, err);
        x.has_artifact_sha256 = true;
        wh_digest_sha256(l->blob.ptr, l->blob.len, x.artifact_sha256);
        out->content = WH_BUNDLE_MESSAGE_SIGNATURE;
        out->payload = l->blob;
    }
    if (rc != WH_OK)
        return rc;
    rc = layer_times(l, &x, root, a, &t, err);
    if (rc == WH_OK)
        rc = finish_times(p, &t, out, err);
    if (rc != WH_OK)
        return rc;
    /* cosign's chain annotation ends with the root; only the trust root may supply anchors, so
     * pass the chain as untrusted candidates (cert.h). */
    {
        struct wh_bytes *all = wh_arena_calloc(a, n_chain + 1, sizeof(*all));

        all[0] = leaf[0];
        memcpy(all + 1, chain, n_chain * sizeof(*all));
        rc = verify_cert_at_times(all, n_chain + 1, &t, root, a, &out->identity, err);
    }
    if (rc == WH_OK)
        rc = wh_verify_identity(&out->identity, p, err);
    return rc;
}
