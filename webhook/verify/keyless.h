#ifndef WH_VERIFY_KEYLESS_H
#define WH_VERIFY_KEYLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "trust/root.h"
#include "verify/bundle.h"
#include "verify/cert.h"
#include "verify/keys.h"

/*
 * Verification of sigstore bundles and cosign classic keyless layers: ties the certificate
 * (cert.h), the transparency log (tlog.h) and RFC 3161 timestamps (tsa.h) together, the way
 * sigstore-go's verify.SignedEntityVerifier does. The signing time is an integrated time backed
 * by a verified SET or inclusion proof, or a verified TSA time; never "now".
 */

/* What was signed: its bytes, or (bytes.ptr == NULL) only its SHA-256. */
struct wh_verify_artifact {
    struct wh_bytes bytes;
    bool has_sha256;
    unsigned char sha256[WH_SHA256_LEN];
};

/* A managed key. The tlog body names the key by its DER SubjectPublicKeyInfo, so both are kept. */
struct wh_bundle_key {
    const struct wh_verify_key *key;
    struct wh_bytes spki_der;
};

/*
 * Who must have signed and how much evidence is needed. Zero-initialised is the strictest: one
 * verified tlog entry required, identity required for keyless. `san`/`issuer` match exactly;
 * `san_regex`/`issuer_regex` are RE2 (Go regexp) syntax, as cosign's --certificate-*-regexp,
 * matched against the whole value (anchored by the engine: "acme" does not match
 * "https://github.com/acme/x", and no text in the pattern undoes that). Set one of san/san_regex
 * and one of issuer/issuer_regex for keyless; they are ignored with a key.
 *
 * Evidence (sigstore-go WithTransparencyLog / WithSignedTimestamps): every tlog entry and RFC 3161
 * timestamp the bundle carries must verify, whatever the thresholds; the thresholds say how many
 * must be there. The signing time is then the entries' integrated times (under a SET) and the
 * timestamps' genTimes, and a certificate must be valid at each of them; with no verified time at
 * all a bundle is refused, keyless or not (a certificate lives minutes: only a trusted time says
 * it signed within them).
 */
struct wh_bundle_policy {
    const char *san;
    const char *san_regex;
    const char *issuer;
    const char *issuer_regex;
    size_t tlog_threshold;      /* verified tlog entries needed; 0 means 1 */
    size_t timestamp_threshold; /* verified RFC 3161 timestamps needed (0: none) */
    bool skip_tlog_unsafe;      /* need no tlog entry (tlog_threshold ignored): GitHub's private
                                   instance and key bundles with only a timestamp */
};

struct wh_bundle_result {
    bool is_keyless;
    struct wh_cert_identity identity; /* keyless only (identity.san == NULL with a key) */
    time_t signing_time;              /* the earliest verified time */
    const char *time_source;          /* "tlog" (integrated time) or "tsa" */
    size_t n_tlog_verified;
    size_t n_timestamps_verified;
    enum wh_bundle_content content;
    const char *payload_type; /* DSSE: the envelope's payloadType; else NULL */
    struct wh_bytes payload;  /* DSSE: the verified payload (the statement); message: the
                                 artifact's bytes as given (may be empty for digest-only) */
};

/*
 * Parses a PEM "PUBLIC KEY" (or DER SPKI) into *out, keeping its DER. Same errors as
 * wh_verify_key_parse.
 */
WH_MUST_CHECK enum wh_err wh_verify_bundle_key_parse(struct wh_bytes pem_or_der, struct wh_arena *a,
                                                     struct wh_bundle_key *out,
                                                     struct wh_error *err);

/*
 * Verifies bundle `b` over `artifact` with `root` and either `key` (managed key) or, when `key` is
 * NULL, the bundle's certificate and `p`'s identity. Steps (sigstore-go order): verified
 * times from the tlog (SET and/or inclusion proof + checkpoint against the root's log key, body
 * cross-checked against the signature, key/cert and artifact/payload) and from RFC 3161
 * timestamps over the signature; at least p's tlog and timestamp thresholds of them and at least
 * one verified time; the certificate chains to a CA of the root (with a valid SCT unless its
 * trusted_root.json lists no CT log, trust/root.h) at every verified time; identity
 * matches; the signature verifies (message: over the artifact, whose digest must equal
 * messageDigest; DSSE: over PAE). A DSSE bundle's statement subject is NOT checked here: the caller
 * checks out->payload (verify/attestation or wh_verify_intoto_subject).
 * WH_E_VERIFY names the failed check; WH_E_INVALID for unusable input (e.g. a key bundle with no
 * key given, a message signature with neither the artifact nor its sha256). *out is valid only on
 * WH_OK and lives in `a`. Pure: no clock, no I/O.
 */
WH_MUST_CHECK enum wh_err wh_verify_bundle(const struct wh_bundle *b,
                                           const struct wh_verify_artifact *artifact,
                                           const struct wh_trust_root *root,
                                           const struct wh_bundle_key *key,
                                           const struct wh_bundle_policy *p, struct wh_arena *a,
                                           struct wh_bundle_result *out, struct wh_error *err);

/* One cosign classic `.sig` or `.att` layer with its annotations, as fetched (borrowed views). */
struct wh_verify_cosign_layer {
    struct wh_bytes blob; /* simple-signing payload (.sig) or DSSE envelope JSON (.att) */
    bool is_dsse;
    struct wh_str signature_b64; /* dev.cosignproject.cosign/signature (.sig; "" for .att) */
    struct wh_str certificate;   /* dev.sigstore.cosign/certificate: leaf PEM */
    struct wh_str chain;         /* dev.sigstore.cosign/chain: PEM, may be empty */
    struct wh_str bundle;  /* dev.sigstore.cosign/bundle: Rekor SET bundle JSON, may be empty */
    struct wh_str rfc3161; /* dev.sigstore.cosign/rfc3161timestamp JSON, may be empty */
};

/*
 * Keyless check of one cosign classic layer for image `digest` ("sha256:<hex>"): the SET bundle
 * (Rekor key from `root`, body cross-checked) and/or the RFC 3161 timestamp give the signing
 * time; the certificate (with the chain annotation as untrusted intermediates) must verify at
 * that time with p's identity; the signature must verify with the leaf key, over the payload (.sig,
 * whose docker-manifest-digest must equal `digest`) or the PAE (.att; subject left to the caller,
 * as with bundles). WH_E_NOT_FOUND when the layer has no certificate. *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err
wh_verify_cosign_layer_keyless(const struct wh_verify_cosign_layer *layer, const char *digest,
                               const struct wh_trust_root *root, const struct wh_bundle_policy *p,
                               const struct wh_limits *lim, struct wh_arena *a,
                               struct wh_bundle_result *out, struct wh_error *err);

/*
 * The layer's dev.sigstore.cosign/rfc3161timestamp annotation ({"SignedRFC3161Timestamp": b64 DER})
 * verified against `root`'s timestamp authorities over `signature` (cosign sign, sigstore-js) or,
 * for a .att layer, over its envelope (cosign attest). For key-signed layers whose signer demands
 * timestamps. WH_E_NOT_FOUND when the layer has none; otherwise tsa.h's errors, prefixed
 * "rfc3161timestamp". *at (genTime) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_verify_cosign_layer_timestamp(const struct wh_verify_cosign_layer *l,
                                                           struct wh_bytes signature,
                                                           const struct wh_trust_root *root,
                                                           struct wh_arena *a, time_t *at,
                                                           struct wh_error *err);

/*
 * The identity check alone (exact or anchored-regex SAN and issuer), for callers holding a
 * certificate identity. WH_E_VERIFY "certificate identity ... does not match ^(?:...)$" (also when
 * the match exceeds its bounds); WH_E_INVALID for a bad regex (WH_E_LIMIT for one past its size
 * bounds) or a policy with no identity.
 */
WH_MUST_CHECK enum wh_err wh_verify_identity(const struct wh_cert_identity *id,
                                             const struct wh_bundle_policy *p,
                                             struct wh_error *err);

#endif
