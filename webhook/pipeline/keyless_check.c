/*
 * Keyless verification for the per-image steps: certificate-carrying cosign layers and sigstore
 * bundle referrers, checked with verify/keyless.c against the trust root, then matched against
 * the rule's keyless signers (policy/identity.c). The identity is matched here, not inside
 * verify/, because a rule may list several keyless signers and the match names the one that
 * signed.
 */
#include "pipeline/keyless_check.h"

#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "policy/identity.h"
#include "registry/referrers.h"
#include "verify/attestation.h"
#include "verify/bundle.h"
#include "verify/dsse.h"
#include "verify/intoto.h"
#include "verify/keyless.h"
#include "verify/keys.h"
#include "verify/tlog.h"

/* The chain, SCT, tlog and time checks run in verify/; the identity is matched afterwards
 * against each keyless signer, so verify/ is given a condition every identity meets. */
static const struct wh_bundle_policy any_identity = {.san_regex = ".*", .issuer_regex = ".*"};

/* What verify/ must demand of certificate-carrying material before the identity picks a signer:
 * the least any keyless signer of the rule accepts (every tlog entry and timestamp present must
 * verify all the same); evidence_shortfall then holds the matched signer to its own demand. */
static struct wh_bundle_policy
keyless_evidence(const struct wh_policy_signer *const *signers, size_t n)
{
    struct wh_bundle_policy p = any_identity;
    bool first = true;

    for (size_t i = 0; i < n; i++) {
        if (signers[i]->keyless == NULL)
            continue;
        p.skip_tlog_unsafe |= !signers[i]->tlog_required;
        if (first || signers[i]->timestamps < p.timestamp_threshold)
            p.timestamp_threshold = signers[i]->timestamps;
        first = false;
    }
    return p;
}

/* NULL when the verified evidence `r` meets signer `s`'s transparencyLog and timestamps, else
 * what is missing. */
static const char *
evidence_shortfall(const struct wh_policy_signer *s, const struct wh_bundle_result *r,
                   struct wh_arena *a)
{
    if (s->tlog_required && r->n_tlog_verified == 0)
        return "transparencyLog: required, but no verified Rekor entry";
    if (r->n_timestamps_verified < s->timestamps)
        return wh_arena_sprintf(a, "timestamps: %zu required, %zu verified", s->timestamps,
                                r->n_timestamps_verified);
    return NULL;
}

static const char *const bundle_types[] = {
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
};

bool
wh_keyless_signers_any(const struct wh_policy_signer *const *signers, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (signers[i]->keyless != NULL)
            return true;
    return false;
}

static enum wh_err
no_root(struct wh_error *err)
{
    return wh_error_set(err, WH_E_VERIFY,
                        "signed keyless (Fulcio certificate) but no trust root is configured: "
                        "set trustRoots in the config (or --trusted-root) to verify keyless "
                        "signers");
}

/* "SAN (issuer ISSUER)": a keyless signer's identity, which signatures.count counts once. */
static const char *
identity_text(const struct wh_cert_identity *id, struct wh_arena *a)
{
    return wh_arena_sprintf(a, "%s (issuer %s)", id->san != NULL ? id->san : "-",
                            id->issuer != NULL ? id->issuer : "-");
}

/* The first keyless signer whose conditions the verified identity meets and whose evidence
 * demands `r` meets; else WH_E_VERIFY listing why each one failed. */
static enum wh_err
match_identity(const struct wh_bundle_result *r, const struct wh_policy_signer *const *signers,
               size_t n, struct wh_arena *a, const char **signer_out, struct wh_error *err)
{
    const struct wh_cert_identity *id = &r->identity;
    struct wh_buf why;
    size_t i, n_keyless = 0;
    enum wh_err rc;

    /* Room for every signer's reason: an append past the cap is dropped whole, while the error
     * message below only cuts the tail. */
    wh_buf_init(&why, 1024);
    for (i = 0; i < n; i++) {
        const char *w = NULL;
        if (signers[i]->keyless == NULL)
            continue;
        n_keyless++;
        if (wh_policy_keyless_match(signers[i]->keyless, id, a, &w) &&
            (w = evidence_shortfall(signers[i], r, a)) == NULL) {
            *signer_out = signers[i]->name;
            wh_buf_fini(&why);
            return WH_OK;
        }
        if (why.len > 0)
            wh_buf_append_c(&why, "; ");
        wh_buf_append_c(&why, signers[i]->name);
        wh_buf_append_c(&why, ": ");
        wh_buf_append_c(&why, w != NULL ? w : "no match");
    }
    if (n_keyless == 0)
        rc = wh_error_set(err, WH_E_VERIFY,
                          "certificate identity %s (issuer %s) signed, but the rule lists no "
                          "keyless signer",
                          id->san != NULL ? id->san : "-", id->issuer != NULL ? id->issuer : "-");
    else
        rc = wh_error_set(err, WH_E_VERIFY,
                          "certificate identity %s (issuer %s) matches no keyless signer: %s",
                          id->san != NULL ? id->san : "-", id->issuer != NULL ? id->issuer : "-",
                          why.ptr != NULL ? why.ptr : "");
    wh_buf_fini(&why);
    return rc;
}

/* The checks a key-signed .att statement gets (verify/attestation.c), on a verified payload. */
static enum wh_err
check_statement(const char *payload_type, struct wh_bytes payload, const char *digest,
                const char *signer, const struct wh_limits *lim, struct wh_arena *a,
                struct wh_attestation *out, struct wh_error *err)
{
    struct wh_intoto_statement stmt;
    enum wh_err rc;

    if (payload_type == NULL || strcmp(payload_type, WH_INTOTO_PAYLOAD_TYPE) != 0)
        return wh_error_set(err, WH_E_VERIFY, "envelope payloadType \"%.80s\" is not %s",
                            payload_type != NULL ? payload_type : "", WH_INTOTO_PAYLOAD_TYPE);
    rc = wh_verify_intoto_parse(payload, lim, a, &stmt, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "signed payload");
    rc = wh_verify_intoto_subject(&stmt, digest, err);
    if (rc != WH_OK)
        return rc;
    out->predicate_type = stmt.predicate_type;
    out->signer = signer;
    out->predicate = stmt.predicate;
    return WH_OK;
}

static struct wh_str
opt_str(const char *s)
{
    return s != NULL ? wh_str_c(s) : (struct wh_str){"", 0};
}

enum wh_err
wh_keyless_check_layer(const struct wh_keyless_layer *l, const char *digest,
                       const struct wh_trust_root *root,
                       const struct wh_policy_signer *const *signers, size_t n_signers,
                       const struct wh_limits *lim, struct wh_arena *a, const char **signer_out,
                       const char **identity_out, struct wh_attestation *att_out,
                       struct wh_error *err)
{
    struct wh_cosign_layer layer;
    struct wh_bundle_result r;
    struct wh_bundle_policy p = keyless_evidence(signers, n_signers);
    enum wh_err rc;

    if (root == NULL)
        return no_root(err);
    memset(&layer, 0, sizeof(layer));
    layer.blob = l->blob;
    layer.is_dsse = l->is_dsse;
    layer.signature_b64 = opt_str(l->signature);
    layer.certificate = opt_str(l->certificate);
    layer.chain = opt_str(l->chain);
    layer.bundle = opt_str(l->bundle);
    layer.rfc3161 = opt_str(l->rfc3161);
    rc = wh_verify_cosign_layer_keyless(&layer, digest, root, &p, lim, a, &r, err);
    if (rc != WH_OK)
        return rc;
    rc = match_identity(&r, signers, n_signers, a, signer_out, err);
    if (rc == WH_OK && identity_out != NULL)
        *identity_out = identity_text(&r.identity, a);
    if (rc != WH_OK || !l->is_dsse)
        return rc;
    return check_statement(r.payload_type, r.payload, digest, *signer_out, lim, a, att_out, err);
}

/* The artifact of a message-signature bundle: the image manifest, by its digest. */
static enum wh_err
manifest_artifact(const char *digest, struct wh_verify_artifact *art, struct wh_error *err)
{
    memset(art, 0, sizeof(*art));
    if (!wh_digest_is_sha256(wh_str_c(digest)))
        return wh_error_set(err, WH_E_INVALID, "image digest %.80s is not sha256", digest);
    art->has_sha256 = true;
    for (size_t i = 0; i < WH_SHA256_LEN; i++) {
        unsigned hi, lo;
        char c1 = digest[7 + 2 * i], c2 = digest[8 + 2 * i];
        hi = (unsigned)(c1 <= '9' ? c1 - '0' : c1 - 'a' + 10);
        lo = (unsigned)(c2 <= '9' ? c2 - '0' : c2 - 'a' + 10);
        art->sha256[i] = (unsigned char)(hi << 4 | lo);
    }
    return WH_OK;
}

/* A bundle carrying a public key hint: the key signers are tried in order (the hint is never
 * trusted); the first whose key verifies it is *signer_out. Each needs a verified time from the
 * trust root's Rekor/TSA; `transparencyLog: required` signers also a verified tlog entry. */
static enum wh_err
verify_key_bundle(const struct wh_bundle *b, const struct wh_verify_artifact *art,
                  const struct wh_trust_root *root, const struct wh_policy_signer *const *signers,
                  size_t n_signers, struct wh_arena *a, struct wh_bundle_result *r,
                  const char **signer_out, struct wh_error *err)
{
    struct wh_buf why;
    size_t i, n_key = 0;
    enum wh_err rc;

    for (i = 0; i < n_signers; i++)
        n_key += signers[i]->key != NULL;
    if (n_key == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "bundle signed with a public key (hint \"%.80s\"), but the rule lists "
                            "no key signer",
                            b->key_hint);
    if (root == NULL)
        return wh_error_set(err, WH_E_VERIFY,
                            "bundle signed with a public key needs a trust root for its signing "
                            "time (Rekor or TSA): set trustRoots in the config (or "
                            "--trusted-root)");
    wh_buf_init(&why, 200);
    for (i = 0; i < n_signers; i++) {
        struct wh_bundle_policy p = {0};
        struct wh_bundle_key key;
        struct wh_error e;

        if (signers[i]->key == NULL)
            continue;
        key.key = signers[i]->key;
        rc = wh_verify_key_spki_der(signers[i]->key, a, &key.spki_der, &e);
        p.skip_tlog_unsafe = !signers[i]->tlog_required;
        p.timestamp_threshold = signers[i]->timestamps;
        if (rc == WH_OK)
            rc = wh_verify_bundle(b, art, root, &key, &p, a, r, &e);
        if (rc == WH_OK) {
            *signer_out = signers[i]->name;
            wh_buf_fini(&why);
            return WH_OK;
        }
        if (why.len > 0)
            wh_buf_append_c(&why, "; ");
        wh_buf_append_c(&why, signers[i]->name);
        wh_buf_append_c(&why, signers[i]->tlog_required ? " (transparencyLog: required): " : ": ");
        wh_buf_append_c(&why, e.msg);
    }
    rc = wh_error_set(err, WH_E_VERIFY,
                      "bundle signed with a public key verifies with no key "
                      "signer: %s",
                      why.ptr != NULL ? why.ptr : "");
    wh_buf_fini(&why);
    return rc;
}

/* Verifies one fetched bundle for image `digest` into *out. */
static enum wh_err
check_bundle(struct wh_bytes json, const char *digest, const struct wh_trust_root *root,
             const struct wh_policy_signer *const *signers, size_t n_signers,
             const struct wh_limits *lim, struct wh_arena *a, struct wh_keyless_referrer *out,
             struct wh_error *err)
{
    struct wh_bundle b;
    struct wh_bundle_result r;
    struct wh_verify_artifact art;
    struct wh_attestation att;
    const char *signer = NULL;
    enum wh_err rc;

    rc = wh_verify_bundle_parse(json, lim, a, &b, err);
    if (rc != WH_OK)
        return rc;
    if (b.material != WH_BUNDLE_PUBLIC_KEY && root == NULL)
        return no_root(err);
    /* A message signature must be over the image manifest itself: messageDigest == digest. */
    memset(&art, 0, sizeof(art));
    if (b.content == WH_BUNDLE_MESSAGE_SIGNATURE &&
        (rc = manifest_artifact(digest, &art, err)) != WH_OK)
        return rc;
    if (b.material == WH_BUNDLE_PUBLIC_KEY) {
        rc = verify_key_bundle(&b, &art, root, signers, n_signers, a, &r, &signer, err);
    } else {
        struct wh_bundle_policy p = keyless_evidence(signers, n_signers);

        rc = wh_verify_bundle(&b, &art, root, NULL, &p, a, &r, err);
        if (rc == WH_OK)
            rc = match_identity(&r, signers, n_signers, a, &signer, err);
        if (rc == WH_OK)
            out->identity = identity_text(&r.identity, a);
    }
    if (rc != WH_OK)
        return rc;
    if (r.content == WH_BUNDLE_MESSAGE_SIGNATURE) {
        out->is_signature = true;
        out->signer = signer;
        return WH_OK;
    }
    memset(&att, 0, sizeof(att));
    rc = check_statement(r.payload_type, r.payload, digest, signer, lim, a, &att, err);
    if (rc != WH_OK)
        return rc;
    if (strcmp(att.predicate_type, WH_COSIGN_SIGN_V1_PREDICATE) == 0)
        out->is_signature = true;
    else
        out->att = att;
    out->signer = signer;
    return WH_OK;
}

/* sha256 of DSSE PAE (Rekor v2 hashedrekord form of a DSSE signature). */
static void
pae_sha256(const struct wh_dsse_envelope *env, unsigned char out[WH_SHA256_LEN])
{
    struct wh_buf pae;
    char head[64];
    int n;

    wh_buf_init(&pae, 64 + env->payload.len);
    n = snprintf(head, sizeof(head), "DSSEv1 %zu ", strlen(env->payload_type));
    wh_buf_append(&pae, head, (size_t)n);
    wh_buf_append_c(&pae, env->payload_type);
    n = snprintf(head, sizeof(head), " %zu ", env->payload.len);
    wh_buf_append(&pae, head, (size_t)n);
    wh_buf_append(&pae, env->payload.ptr, env->payload.len);
    wh_digest_sha256(pae.ptr, pae.len, out);
    wh_buf_fini(&pae);
}

const struct wh_policy_signer *
wh_keyless_signer_find(const struct wh_policy_signer *const *signers, size_t n, const char *name)
{
    for (size_t i = 0; i < n && name != NULL; i++)
        if (strcmp(signers[i]->name, name) == 0)
            return signers[i];
    return NULL;
}

/* TODO(#14): split the tlog and timestamp checks; pipeline/ is being changed now (cognitive
 * complexity 37 > 25, STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_keyless_check_key_tlog(const struct wh_keyless_layer *l, const struct wh_policy_signer *s,
                          const struct wh_trust_root *root, const struct wh_limits *lim,
                          struct wh_arena *a, struct wh_error *err)
{
    struct wh_tlog_expect x;
    struct wh_tlog_entry e;
    enum wh_err rc;
    time_t at;

    if (s == NULL || s->key == NULL || (!s->tlog_required && s->timestamps == 0))
        return WH_OK;
    if (root == NULL)
        return wh_error_set(err, WH_E_VERIFY,
                            "signer %s has %s, but no trust root (Rekor keys, timestamp "
                            "authorities) is configured: set trustRoots in the config (or "
                            "--trusted-root)",
                            s->name, s->tlog_required ? "transparencyLog: required" : "timestamps");
    if (s->tlog_required && (l->bundle == NULL || l->bundle[0] == '\0'))
        return wh_error_set(err, WH_E_VERIFY,
                            "signer %s has transparencyLog: required, but the layer carries no "
                            "Rekor entry (dev.sigstore.cosign/bundle)",
                            s->name);
    /* A cosign layer carries one timestamp annotation at most. */
    if (s->timestamps > (l->rfc3161 != NULL && l->rfc3161[0] != '\0' ? 1u : 0u))
        return wh_error_set(err, WH_E_VERIFY,
                            "signer %s has timestamps: %zu, but the layer carries %s RFC 3161 "
                            "timestamp (dev.sigstore.cosign/rfc3161timestamp)",
                            s->name, s->timestamps,
                            l->rfc3161 != NULL && l->rfc3161[0] != '\0' ? "one" : "no");
    memset(&x, 0, sizeof(x));
    rc = wh_verify_key_spki_der(s->key, a, &x.verifier, err);
    if (rc != WH_OK)
        return rc;
    if (l->is_dsse) {
        struct wh_dsse_envelope env, one;
        const struct wh_verify_key *k = s->key;
        size_t i;

        rc = wh_verify_dsse_parse(l->blob, lim, a, &env, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "signer %s: transparency log", s->name);
        /* The body names one signature: the one this signer's key made. */
        for (i = 0; i < env.n_signatures; i++) {
            struct wh_error ignore;
            one = env;
            one.signatures = &env.signatures[i];
            one.n_signatures = 1;
            if (wh_verify_dsse(&one, &k, 1, NULL, &ignore) == WH_OK)
                break;
        }
        if (i == env.n_signatures)
            return wh_error_set(err, WH_E_VERIFY, "signer %s: no envelope signature verifies",
                                s->name);
        x.signature = env.signatures[i].sig;
        x.payload = env.payload;
        x.envelope = l->blob;
        x.has_artifact_sha256 = true;
        pae_sha256(&env, x.artifact_sha256);
    } else {
        if (l->signature == NULL)
            return wh_error_set(err, WH_E_INVALID, "layer has no signature annotation");
        rc = wh_digest_base64_decode(wh_str_c(l->signature), a, &x.signature, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "signature annotation");
        x.has_artifact_sha256 = true;
        wh_digest_sha256(l->blob.ptr, l->blob.len, x.artifact_sha256);
    }
    if (s->timestamps > 0) {
        struct wh_cosign_layer vl;

        memset(&vl, 0, sizeof(vl));
        vl.blob = l->blob;
        vl.is_dsse = l->is_dsse;
        vl.rfc3161 = wh_str_c(l->rfc3161);
        rc = wh_verify_cosign_layer_timestamp(&vl, x.signature, root, a, &at, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "signer %s (timestamps: %zu)", s->name, s->timestamps);
    }
    if (!s->tlog_required)
        return WH_OK;
    rc = wh_tlog_entry_parse_cosign(
        (struct wh_bytes){(const unsigned char *)l->bundle, strlen(l->bundle)}, a, &e, err);
    if (rc == WH_OK)
        rc = wh_verify_tlog_entry(&e, root, &x, 0, &at, err);
    if (rc != WH_OK)
        return wh_error_wrap(err,
                             "signer %s (transparencyLog: required): Rekor entry "
                             "(dev.sigstore.cosign/bundle)",
                             s->name);
    return WH_OK;
}

enum wh_err
wh_keyless_check_referrers(struct wh_registry_client *c, const struct wh_image_ref *ref,
                           const char *digest, const struct wh_trust_root *root,
                           const struct wh_policy_signer *const *signers, size_t n_signers,
                           const struct wh_limits *lim, int64_t deadline_ms, struct wh_arena *a,
                           struct wh_keyless_referrer **out, size_t *n_out, struct wh_error *err)
{
    struct wh_registry_descriptor *all;
    struct wh_keyless_referrer *res;
    size_t n_all, k = 0, i;
    enum wh_err rc;

    /* One listing, filtered here: registries may ignore ?artifactType= anyway. */
    rc = wh_registry_referrers(c, ref, digest, NULL, deadline_ms, a, &all, &n_all, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "listing referrers");
    res = wh_arena_calloc(a, n_all == 0 ? 1 : n_all, sizeof(*res));
    for (i = 0; i < n_all; i++) {
        struct wh_registry_referrer got;
        struct wh_error e;
        bool is_bundle = false;

        for (size_t t = 0; t < sizeof(bundle_types) / sizeof(bundle_types[0]); t++)
            is_bundle |=
                all[i].artifact_type != NULL && strcmp(all[i].artifact_type, bundle_types[t]) == 0;
        if (!is_bundle)
            continue;
        if (k >= lim->signatures)
            return wh_error_set(err, WH_E_LIMIT, "more than %zu sigstore bundle referrers of %s",
                                lim->signatures, digest);
        res[k].manifest_digest = all[i].digest;
        rc = wh_registry_referrer_fetch(c, ref, digest, &all[i], deadline_ms, a, &got, &e);
        if (rc == WH_E_UNAVAILABLE || rc == WH_E_TIMEOUT || rc == WH_E_INTERNAL) {
            *err = e;
            return wh_error_wrap(err, "fetching referrer %s", all[i].digest);
        }
        if (rc == WH_OK)
            rc = check_bundle(got.blob, digest, root, signers, n_signers, lim, a, &res[k], &e);
        if (rc != WH_OK) {
            res[k].signer = NULL;
            res[k].detail = wh_arena_sprintf(a, "bundle %s: %s", all[i].digest, e.msg);
        }
        k++;
    }
    *out = res;
    *n_out = k;
    return WH_OK;
}
