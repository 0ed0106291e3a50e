#ifndef WH_PIPELINE_REFERRERS_H
#define WH_PIPELINE_REFERRERS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"
#include "verify/facts.h"

/*
 * Step 5-6 for sigstore bundles attached as OCI 1.1 referrers (cosign v3, @sigstore/oci): listed,
 * fetched and verified here, keyless (identity matched in policy/identity.c) or with a key signer.
 */

#define WH_COSIGN_SIGN_V1_PREDICATE "https://sigstore.dev/cosign/sign/v1"

/* One sigstore bundle referrer of an image, verified (signer != NULL) or not (detail says why). */
struct wh_pipeline_referrer {
    const char *manifest_digest;
    const char *signer;   /* policy signer name, NULL when not verified */
    const char *identity; /* keyless: the certificate identity "SAN (issuer ISSUER)", else NULL */
    bool
        is_signature; /* message signature, or DSSE statement https://sigstore.dev/cosign/sign/v1 */
    struct wh_attestation att; /* DSSE in-toto statements other than the signature type */
    const char *detail;        /* why it did not verify */
};

/*
 * Lists the sigstore bundle referrers (v0.1–v0.3 media types) of `digest`, fetches each (at most
 * ctx->limits->signatures) and verifies it: keyless bundles against ctx->trust and the keyless
 * `signers`; bundles with a public key against each key signer's key in turn (the hint is never
 * trusted; the trust root must be given for the signing time; transparencyLog: required signers
 * also need a verified tlog entry, optional ones accept a TSA time alone; each signer's
 * `timestamps` is the number of verified RFC 3161 timestamps it needs). A message signature must
 * be over the image manifest (messageDigest == digest). Infrastructure failures return
 * WH_E_UNAVAILABLE / WH_E_TIMEOUT; what a pusher can write (a malformed referrers list, more
 * bundles than the limit) returns its own code (WH_E_INVALID, WH_E_LIMIT, ...): evidence, which
 * the caller treats as missing bundles. Per-bundle failures land in ->detail.
 * *out, *n_out valid only on WH_OK (n 0 when the image has none), in `a`.
 */
WH_MUST_CHECK enum wh_err
wh_pipeline_referrers_list(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                           const char *digest, const struct wh_policy_signer *const *signers,
                           size_t n_signers, struct wh_arena *a, struct wh_pipeline_referrer **out,
                           size_t *n_out, struct wh_error *err);

/* The referrers of out->facts.digest, looked at when the classic tags left the facts incomplete:
 * a signature bundle counts as the .sig (when `want_signature`), a DSSE statement as an .att. */
void wh_pipeline_referrers_check(const struct wh_image_check_ctx *ctx,
                                 const struct wh_image_ref *ref, const struct wh_policy_image *rule,
                                 bool want_signature, struct wh_arena *keep,
                                 struct wh_pipeline_facts *out);

/* wh_pipeline_referrers_list's outcome, listed ahead of its check (pipeline/evidence.c) for the
 * signers wh_pipeline_referrers_check would list with. */
struct wh_pipeline_referrers_fetch {
    enum wh_err rc;
    struct wh_error err;
    struct wh_pipeline_referrer *refs;
    size_t n_refs;
};

/* wh_pipeline_referrers_check on a listing made ahead (`pre`; NULL: list now). */
void wh_pipeline_referrers_check_fetched(const struct wh_image_check_ctx *ctx,
                                         const struct wh_image_ref *ref,
                                         const struct wh_policy_image *rule, bool want_signature,
                                         const struct wh_pipeline_referrers_fetch *pre,
                                         struct wh_arena *keep, struct wh_pipeline_facts *out);

#endif
