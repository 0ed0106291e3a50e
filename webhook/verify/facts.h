#ifndef WH_VERIFY_FACTS_H
#define WH_VERIFY_FACTS_H

#include <stddef.h>

#include "base/str.h"

struct wh_predicates;

/*
 * What verification established about one image digest, and nothing else: policy/ evaluates only
 * these. Every field was checked against a signer named in the policy and is bound to `digest`.
 * Strings and bytes live in the review's arena (or, for cached facts, in the copy made for it).
 */
struct wh_attestation {
    const char *predicate_type; /* from the verified in-toto statement */
    const char *signer;         /* policy signer name whose key verified the envelope */
    struct wh_bytes predicate;  /* the statement's "predicate" as compact JSON */
};

struct wh_facts {
    const char *digest;           /* "sha256:<hex>" every fact below is bound to */
    const char *platform;         /* "linux/amd64" when resolved from an index, else NULL */
    const char *signature_signer; /* signer of a verified cosign signature, NULL if none */
    struct wh_attestation *attestations;
    size_t n_attestations;
    /* Provenance, vulnerability and agent predicates parsed from verified attestations
     * (verify/predicates.h, wh_verify_predicates_parse); NULL when none was parsed. */
    const struct wh_predicates *predicates;
    /* Every distinct signer whose cosign signature verified: a key signer once, by its name; a
     * keyless identity once per (issuer, SAN), as "SAN (issuer ISSUER)", whichever policy signers
     * it meets. Collected until the rule's signatures.count is met (last, so positional
     * initialisers of the fields above stay valid). */
    const char *const *signature_signers;
    size_t n_signature_signers;
    /* attestations.fsManifest: the root digest of a verified fs-manifest attestation by
     * fs_manifest_signer that the pipeline recomputed from this digest's own layers (NULL: none
     * proved); fs_manifest_detail says why a present one was not (the digest that did not match,
     * the bound that was hit). */
    const char *fs_manifest_root;
    const char *fs_manifest_signer;
    const char *fs_manifest_detail;
};

#endif
