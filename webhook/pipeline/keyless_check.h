#ifndef WH_PIPELINE_KEYLESS_CHECK_H
#define WH_PIPELINE_KEYLESS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "image/ref.h"
#include "policy/model.h"
#include "registry/client.h"
#include "trust/root.h"
#include "verify/facts.h"

/*
 * The keyless half of image_check.c: cosign classic layers carrying a Fulcio certificate and
 * sigstore bundles attached as OCI 1.1 referrers, verified against the review's trust root and
 * matched against the rule's keyless signers. A separate file because verify/keyless.h and
 * registry/cosign_refs.h both name a `struct wh_cosign_layer`.
 */

/* A classic `.sig`/`.att` layer's cosign annotations as plain strings (NULL when absent). */
struct wh_keyless_layer {
    struct wh_bytes blob; /* simple-signing payload (.sig) or DSSE envelope JSON (.att) */
    bool is_dsse;
    const char *signature;   /* dev.cosignproject.cosign/signature (.sig) */
    const char *certificate; /* dev.sigstore.cosign/certificate */
    const char *chain;
    const char *bundle;
    const char *rfc3161;
};

/* True when any of `signers` is keyless. */
bool wh_keyless_signers_any(const struct wh_policy_signer *const *signers, size_t n);

/*
 * Verifies a certificate-carrying layer for image `digest` with `root` (NULL: fails closed, the
 * message says to configure trustRoots), then matches the certificate identity against the
 * keyless signers among `signers`: the first that matches, and whose transparencyLog and
 * timestamps the verified evidence meets, is *signer_out, and *identity_out (when not NULL) the
 * certificate identity "SAN (issuer ISSUER)". .att layers: the
 * verified statement goes through the same checks as key-signed ones (in-toto payload type,
 * subject == digest) into *att_out. WH_E_VERIFY names the failed check (for identity: each
 * signer's expected condition and the certificate's value). Outputs valid only on WH_OK, in `a`.
 */
WH_MUST_CHECK enum wh_err wh_keyless_check_layer(
    const struct wh_keyless_layer *l, const char *digest, const struct wh_trust_root *root,
    const struct wh_policy_signer *const *signers, size_t n_signers, const struct wh_limits *lim,
    struct wh_arena *a, const char **signer_out, const char **identity_out,
    struct wh_attestation *att_out, struct wh_error *err);

/* The signer named `name` among `signers`, or NULL. */
const struct wh_policy_signer *wh_keyless_signer_find(const struct wh_policy_signer *const *signers,
                                                      size_t n, const char *name);

/*
 * The evidence a key signer whose key verified layer `l` demands. `transparencyLog: required`:
 * the layer's dev.sigstore.cosign/bundle (a Rekor SET) must verify against `root`'s Rekor keys and
 * its body must name this layer's signature, the signer's key and the payload (.sig) or envelope
 * (.att). `timestamps: N`: the layer's one dev.sigstore.cosign/rfc3161timestamp must verify
 * against `root`'s TSAs (so N > 1 cannot be met by a layer). WH_OK at once when `s` is NULL,
 * keyless, or tlog-optional with no timestamps. WH_E_VERIFY names the signer and what is missing
 * or wrong (no trust root, no annotation, SET, body, timestamp). Scratch in `a`.
 */
WH_MUST_CHECK enum wh_err wh_keyless_check_key_tlog(const struct wh_keyless_layer *l,
                                                    const struct wh_policy_signer *s,
                                                    const struct wh_trust_root *root,
                                                    const struct wh_limits *lim, struct wh_arena *a,
                                                    struct wh_error *err);

/* One sigstore bundle referrer of an image, verified (signer != NULL) or not (detail says why). */
struct wh_keyless_referrer {
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
 * lim->signatures) and verifies it: keyless bundles against `root` and the keyless `signers`;
 * bundles with a public key against each key signer's key in turn (the hint is never trusted;
 * `root` must be given for the signing time; transparencyLog: required signers also need a
 * verified tlog entry, optional ones accept a TSA time alone; each signer's `timestamps` is the
 * number of verified RFC 3161 timestamps it needs). A message
 * signature must be over the image manifest (messageDigest == digest). Infrastructure failures
 * return WH_E_UNAVAILABLE / WH_E_TIMEOUT; what a pusher can write (a malformed referrers list,
 * more bundles than the limit) returns its own code (WH_E_INVALID, WH_E_LIMIT, ...): evidence,
 * which the caller treats as missing bundles. Per-bundle failures land in ->detail.
 * *out, *n_out valid only on WH_OK (n 0 when the image has none).
 */
WH_MUST_CHECK enum wh_err
wh_keyless_check_referrers(struct wh_registry_client *c, const struct wh_image_ref *ref,
                           const char *digest, const struct wh_trust_root *root,
                           const struct wh_policy_signer *const *signers, size_t n_signers,
                           const struct wh_limits *lim, int64_t deadline_ms, struct wh_arena *a,
                           struct wh_keyless_referrer **out, size_t *n_out, struct wh_error *err);

#define WH_COSIGN_SIGN_V1_PREDICATE "https://sigstore.dev/cosign/sign/v1"

#endif
