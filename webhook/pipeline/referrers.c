/*
 * Sigstore bundles attached as OCI 1.1 referrers (cosign v3, @sigstore/oci), looked at when the
 * classic tags left an image's facts incomplete: listed, fetched and verified here (keyless with
 * the identity matched in policy/identity.c, or with a key signer's key), then taken as the .sig
 * (a message signature or a cosign/sign/v1 statement) or as an .att.
 */
#include "pipeline/referrers.h"

#include <string.h>

#include "base/digest.h"
#include "pipeline/attestations.h"
#include "pipeline/signatures.h"
#include "policy/identity.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "registry/referrers.h"
#include "verify/bundle.h"
#include "verify/keyless.h"
#include "verify/keys.h"

static const char *const bundle_types[] = {
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
};

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
check_bundle(const struct wh_image_check_ctx *ctx, struct wh_bytes json, const char *digest,
             const struct wh_policy_signer *const *signers, size_t n_signers, struct wh_arena *a,
             struct wh_pipeline_referrer *out, struct wh_error *err)
{
    struct wh_bundle b;
    struct wh_bundle_result r;
    struct wh_verify_artifact art;
    struct wh_attestation att;
    const char *signer = NULL;
    const struct wh_trust_root *root = ctx->trust;
    enum wh_err rc;

    rc = wh_verify_bundle_parse(json, ctx->limits, a, &b, err);
    if (rc != WH_OK)
        return rc;
    if (b.material != WH_BUNDLE_PUBLIC_KEY && root == NULL)
        return wh_pipeline_signatures_no_root(err);
    /* A message signature must be over the image manifest itself: messageDigest == digest. */
    memset(&art, 0, sizeof(art));
    if (b.content == WH_BUNDLE_MESSAGE_SIGNATURE &&
        (rc = manifest_artifact(digest, &art, err)) != WH_OK)
        return rc;
    if (b.material == WH_BUNDLE_PUBLIC_KEY) {
        rc = verify_key_bundle(&b, &art, root, signers, n_signers, a, &r, &signer, err);
    } else {
        struct wh_bundle_policy p = wh_policy_identity_evidence(signers, n_signers);

        rc = wh_verify_bundle(&b, &art, root, NULL, &p, a, &r, err);
        if (rc == WH_OK)
            rc = wh_policy_identity_match(&r, signers, n_signers, a, &signer, err);
        if (rc == WH_OK)
            out->identity = wh_policy_identity_text(&r.identity, a);
    }
    if (rc != WH_OK)
        return rc;
    if (r.content == WH_BUNDLE_MESSAGE_SIGNATURE) {
        out->is_signature = true;
        out->signer = signer;
        return WH_OK;
    }
    memset(&att, 0, sizeof(att));
    rc = wh_pipeline_signatures_statement(r.payload_type, r.payload, digest, signer, ctx->limits, a,
                                          &att, err);
    if (rc != WH_OK)
        return rc;
    if (strcmp(att.predicate_type, WH_COSIGN_SIGN_V1_PREDICATE) == 0)
        out->is_signature = true;
    else
        out->att = att;
    out->signer = signer;
    return WH_OK;
}

enum wh_err
wh_pipeline_referrers_list(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                           const char *digest, const struct wh_policy_signer *const *signers,
                           size_t n_signers, struct wh_arena *a, struct wh_pipeline_referrer **out,
                           size_t *n_out, struct wh_error *err)
{
    struct wh_registry_client *c = ctx->registry;
    const struct wh_limits *lim = ctx->limits;
    int64_t deadline_ms = ctx->deadline_ms;
    struct wh_registry_descriptor *all;
    struct wh_pipeline_referrer *res;
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
            rc = check_bundle(ctx, got.blob, digest, signers, n_signers, a, &res[k], &e);
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

/* Why the referrers did not help, where the facts lack the part they were looked at for; a
 * classic layer's reason, when there is one, is the more telling and is kept. */
static void
note_referrer_failure(const struct wh_policy_image *rule, bool sig_missing, const char *detail,
                      struct wh_pipeline_facts *out)
{
    if (sig_missing && out->signature_detail == NULL)
        out->signature_detail = detail;
    if (wh_pipeline_attestations_wanted(rule) && out->verify_detail == NULL)
        out->verify_detail = detail;
}

/* A verified signature bundle among the referrers (i of n) counts toward signatures.count when
 * its signer is one of the rule's. */
static void
take_signature_referrer(const struct wh_policy_image *rule, const struct wh_pipeline_referrer *r,
                        size_t i, size_t n, struct wh_arena *keep, struct wh_pipeline_facts *out)
{
    if (out->facts.n_signature_signers >= rule->signatures.count)
        return;
    if (!wh_policy_signer_listed(rule->signatures.signed_by, rule->signatures.n_signed_by,
                                 r->signer)) {
        out->signature_detail = wh_arena_sprintf(
            keep, "referrer %zu of %zu: signature bundle by %s, not a signer of rule %s", i + 1, n,
            r->signer, rule->name);
        return;
    }
    wh_pipeline_signatures_add_signer(&out->facts, r->signer, r->identity, keep);
    if (out->facts.n_signature_signers >= rule->signatures.count)
        out->signature_detail = NULL;
}

/* Sigstore bundles attached as OCI 1.1 referrers (cosign v3, @sigstore/oci), looked at when the
 * classic tags left the facts incomplete: a signature bundle counts as the .sig, a DSSE statement
 * as an .att. */
void
wh_pipeline_referrers_check(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                            const struct wh_policy_image *rule, bool want_signature,
                            struct wh_arena *keep, struct wh_pipeline_facts *out)
{
    wh_pipeline_referrers_check_fetched(ctx, ref, rule, want_signature, NULL, keep, out);
}

void
wh_pipeline_referrers_check_fetched(const struct wh_image_check_ctx *ctx,
                                    const struct wh_image_ref *ref,
                                    const struct wh_policy_image *rule, bool want_signature,
                                    const struct wh_pipeline_referrers_fetch *pre,
                                    struct wh_arena *keep, struct wh_pipeline_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    const struct wh_policy_signer **all;
    struct wh_pipeline_referrer *refs;
    struct wh_predicates *preds;
    size_t n_all, n_refs, i;
    struct wh_error err;
    bool sig_missing = want_signature && rule->signatures.n_signed_by > 0 &&
                       out->facts.n_signature_signers < rule->signatures.count;
    enum wh_err rc;

    if (pre != NULL) {
        rc = pre->rc;
        err = pre->err;
        refs = pre->refs;
        n_refs = pre->n_refs;
    } else {
        n_all = wh_pipeline_attestations_signers(rule, want_signature, tmp, &all);
        rc = wh_pipeline_referrers_list(ctx, ref, out->facts.digest, all, n_all, tmp, &refs,
                                        &n_refs, &err);
    }
    if (rc != WH_OK) {
        const char *d =
            wh_pipeline_signatures_fetch_failed(out, "sigstore bundle referrers", &err, keep);
        if (d != NULL)
            note_referrer_failure(rule, sig_missing, d, out);
        return;
    }
    if (n_refs == 0)
        return;
    preds = wh_pipeline_attestations_predicates(out, keep);
    wh_pipeline_attestations_grow(&out->facts, n_refs, keep);
    for (i = 0; i < n_refs; i++) {
        const struct wh_pipeline_referrer *r = &refs[i];

        if (r->signer == NULL) {
            note_referrer_failure(
                rule, sig_missing,
                wh_arena_sprintf(keep, "referrer %zu of %zu: %s", i + 1, n_refs, r->detail), out);
            continue;
        }
        if (r->is_signature) {
            if (sig_missing)
                take_signature_referrer(rule, r, i, n_refs, keep, out);
            continue;
        }
        if (wh_pipeline_attestations_wanted(rule))
            wh_pipeline_attestations_take(ctx, rule, &r->att, keep, out, preds, "referrer", i,
                                          n_refs);
    }
    wh_pipeline_attestations_publish(out, preds);
}
