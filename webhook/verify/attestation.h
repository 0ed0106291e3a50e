#ifndef WH_VERIFY_ATTESTATION_H
#define WH_VERIFY_ATTESTATION_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "verify/facts.h"
#include "verify/keys.h"

/*
 * The key-based verification the pipeline runs per `.sig` layer and per `.att` envelope: signers
 * from the policy in, verified facts out. Pure; allocates only from `a`.
 */
#define WH_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"

/* A policy signer pinned to a public key. Both fields are borrowed. */
struct wh_verify_signer {
    const char *name;
    const struct wh_verify_key *key;
};

/*
 * Envelope → verified attestation: payloadType must be application/vnd.in-toto+json; a signature
 * must verify with one of `signers`; the statement's subject must include `digest`; predicateType
 * must equal wh_verify_predicate_type_canonical(want_predicate_type) (NULL = any). Checks run in
 * that order, so nothing in the payload is parsed before its signature verified. WH_E_VERIFY for
 * every failed check, WH_E_INVALID/WH_E_LIMIT for malformed or oversized input. *out is valid only
 * on WH_OK (strings and predicate bytes in `a`).
 */
WH_MUST_CHECK enum wh_err wh_verify_attestation(struct wh_bytes envelope,
                                                const struct wh_verify_signer *signers,
                                                size_t n_signers, const char *digest,
                                                const char *want_predicate_type,
                                                const struct wh_limits *lim, struct wh_arena *a,
                                                struct wh_attestation *out, struct wh_error *err);

/*
 * Simple-signing payload + base64 signature (the layer's dev.cosignproject.cosign/signature
 * annotation) → the name of the signer whose key verified it, after checking the payload's type
 * and docker-manifest-digest == `digest`. *signer_out is valid only on WH_OK (in `a`).
 */
WH_MUST_CHECK enum wh_err wh_verify_signature(struct wh_bytes payload, struct wh_str sig_b64,
                                              const struct wh_verify_signer *signers,
                                              size_t n_signers, const char *digest,
                                              struct wh_arena *a, const char **signer_out,
                                              struct wh_error *err);

/*
 * cosign's predicate type aliases (cosign attest --type): "cyclonedx", "spdx", "spdxjson",
 * "slsaprovenance", "slsaprovenance02", "slsaprovenance1", "link", "vuln", "openvex", "custom" →
 * their URIs. Anything else (a URI already) is returned unchanged; NULL stays NULL.
 */
const char *wh_verify_predicate_type_canonical(const char *name_or_url);

/* The i-th of those alias names, NULL past the last (the policy schema's predicateType enums are
 * checked against them: tests/unit/policy/format_test.c). */
const char *wh_verify_predicate_alias(size_t i);

#endif
