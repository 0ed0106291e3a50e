#ifndef WH_PIPELINE_SIGNATURES_H
#define WH_PIPELINE_SIGNATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"
#include "registry/cosign_refs.h"
#include "verify/facts.h"
#include "verify/keyless.h"

/*
 * Step 5-6 for cosign classic layers (DESIGN §1), key and keyless on one path: a fetched layer
 * (registry/cosign_refs.h) becomes the verifier's view once (wh_pipeline_signatures_layer); a
 * layer with a Fulcio certificate is verified keyless against the review's trust root and matched
 * to the rule's keyless signers (policy/identity.h), a key layer with the key signers, then held
 * to the signer's transparencyLog and timestamps. The .sig tag is checked here; attestations.c
 * and referrers.c reuse the layer checks.
 */

/*
 * A cosign tag (.sig or .att) of a digest fetched ahead of its check (pipeline/evidence.c): the
 * manifest's outcome and, for each layer the check will read first, its blob fetch's outcome.
 * The check then reads these instead of asking the registry, and asks only for layers not
 * fetched ahead. Lives until the review's arena is finished.
 */
struct wh_pipeline_cosign_fetch {
    enum wh_err rc; /* the manifest's; err says why when not WH_OK */
    struct wh_error err;
    struct wh_registry_cosign_layer *layers; /* n_layers, valid when rc == WH_OK */
    size_t n_layers;
    bool *fetched; /* fetched[i]: layer i's blob fetch ran: layer_rc[i], layer_err[i] */
    enum wh_err *layer_rc;
    struct wh_error *layer_err;
};

/*
 * cosign .sig of out->facts.digest (`pre`: its tag fetched ahead, or NULL): layers are verified in
 * order until signatures.count distinct signers verified (count 1: the first that verifies wins).
 * Each layer is fetched and verified in its own scratch arena; what is kept goes to `keep`
 * (out->facts, out->signature_detail, or out->error for infrastructure).
 */
void wh_pipeline_signatures_check(const struct wh_image_check_ctx *ctx,
                                  const struct wh_image_ref *ref,
                                  const struct wh_policy_image *rule,
                                  const struct wh_pipeline_cosign_fetch *pre, struct wh_arena *keep,
                                  struct wh_pipeline_facts *out);

/* The layers of tag sha256-<hex>.<suffix>: from `pre` when fetched ahead (its outcome, the same
 * error), else wh_registry_cosign_manifest's, in `a`. */
WH_MUST_CHECK enum wh_err wh_pipeline_signatures_manifest(
    const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref, const char *digest,
    const char *suffix, size_t max_blob, const struct wh_pipeline_cosign_fetch *pre,
    struct wh_arena *a, struct wh_registry_cosign_layer **layers, size_t *n_layers,
    struct wh_error *err);

/* Layer i's blob into layers[i] from `pre` when it was fetched ahead, else from the registry. */
WH_MUST_CHECK enum wh_err wh_pipeline_signatures_layer_fetch(
    const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
    const struct wh_pipeline_cosign_fetch *pre, struct wh_registry_cosign_layer *layers, size_t i,
    size_t max_blob, struct wh_arena *a, struct wh_error *err);

/* .sig layer i is one the check verifies (it carries signature material and repeats no earlier
 * layer); `is_dsse`: the same for .att layers (the blob alone decides a repeat). */
bool wh_pipeline_signatures_layer_wanted(const struct wh_registry_cosign_layer *layers, size_t i,
                                         bool is_dsse);

/* The largest .sig blob accepted: limits.blob_bytes, at most what verify/cosign_sig.h takes. */
size_t wh_pipeline_signatures_blob_max(const struct wh_image_check_ctx *ctx);

/* The verifier's view of fetched layer `l` (borrowed: valid while `l` is). */
struct wh_verify_cosign_layer wh_pipeline_signatures_layer(const struct wh_registry_cosign_layer *l,
                                                           bool is_dsse);

/*
 * Verifies certificate-carrying layer `l` for image `digest` with ctx->trust (NULL: fails closed,
 * the message says to configure trustRoots), then matches the certificate identity against the
 * keyless signers among `signers`: the first that matches, and whose transparencyLog and
 * timestamps the verified evidence meets, is *signer_out, and *identity_out (when not NULL) the
 * certificate identity "SAN (issuer ISSUER)". .att layers: the verified statement goes through
 * the same checks as key-signed ones (wh_pipeline_signatures_statement) into *att_out.
 * WH_E_VERIFY names the failed check. Outputs valid only on WH_OK, in `a`.
 */
WH_MUST_CHECK enum wh_err wh_pipeline_signatures_keyless(
    const struct wh_image_check_ctx *ctx, const struct wh_verify_cosign_layer *l,
    const char *digest, const struct wh_policy_signer *const *signers, size_t n_signers,
    struct wh_arena *a, const char **signer_out, const char **identity_out,
    struct wh_attestation *att_out, struct wh_error *err);

/*
 * The evidence a key signer whose key verified layer `l` demands. `transparencyLog: required`:
 * the layer's dev.sigstore.cosign/bundle (a Rekor SET) must verify against ctx->trust's Rekor
 * keys and its body must name this layer's signature, the signer's key and the payload (.sig) or
 * envelope (.att). `timestamps: N`: the layer's one dev.sigstore.cosign/rfc3161timestamp must
 * verify against the trust root's TSAs (so N > 1 cannot be met by a layer). WH_OK at once when
 * `s` is NULL, keyless, or tlog-optional with no timestamps. WH_E_VERIFY names the signer and what
 * is missing or wrong (no trust root, no annotation, SET, body, timestamp). Scratch in `a`.
 */
WH_MUST_CHECK enum wh_err wh_pipeline_signatures_key_evidence(
    const struct wh_image_check_ctx *ctx, const struct wh_verify_cosign_layer *l,
    const struct wh_policy_signer *s, struct wh_arena *a, struct wh_error *err);

/*
 * The checks a key-signed .att statement gets (verify/attestation.c), on a verified payload:
 * payloadType in-toto, the statement parsed, its subject naming `digest`. *out (signer `signer`,
 * borrowed) valid only on WH_OK, in `a`.
 */
WH_MUST_CHECK enum wh_err
wh_pipeline_signatures_statement(const char *payload_type, struct wh_bytes payload,
                                 const char *digest, const char *signer,
                                 const struct wh_limits *lim, struct wh_arena *a,
                                 struct wh_attestation *out, struct wh_error *err);

/* WH_E_VERIFY: keyless material (a certificate, a keyless bundle) with no trust root. */
WH_MUST_CHECK enum wh_err wh_pipeline_signatures_no_root(struct wh_error *err);

/* Fail closed, and say so: keyless signers with no trust root can never be satisfied. NULL when
 * there is a trust root or no keyless signer among `in`. */
const char *wh_pipeline_signatures_no_trust_detail(const struct wh_image_check_ctx *ctx,
                                                   const struct wh_policy_signer *const *in,
                                                   size_t n);

/* Records a verified signature by policy signer `who` (keyless: certificate `identity`) unless
 * that signer already counted: a key signer counts once by name (the loader refuses two names
 * for one key when count > 1), a keyless identity once however many policy signers it meets. */
void wh_pipeline_signatures_add_signer(struct wh_facts *facts, const char *who,
                                       const char *identity, struct wh_arena *keep);

/* A failed fetch of cosign evidence (.sig, .att, referrers): infrastructure becomes out->error
 * (onError decides) and NULL is returned; anything a pusher can write (an index or garbage at the
 * tag, too many layers, a missing or altered blob) is returned as a detail, in `keep`: the
 * evidence is missing. */
const char *wh_pipeline_signatures_fetch_failed(struct wh_pipeline_facts *out, const char *what,
                                                const struct wh_error *err, struct wh_arena *keep);

/* Layer i of a .sig/.att manifest repeats an earlier one (same blob and signature material;
 * for .att the blob alone decides): verifying it again could not change the outcome. */
bool wh_pipeline_signatures_repeats_earlier(const struct wh_registry_cosign_layer *layers, size_t i,
                                            bool is_dsse);

#endif
