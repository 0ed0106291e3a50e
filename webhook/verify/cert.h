#ifndef WH_VERIFY_CERT_H
#define WH_VERIFY_CERT_H

#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "trust/root.h"

struct wh_verify_key;

/* Fulcio certificate extensions under 1.3.6.1.4.1.57264.1 (fulcio docs/oid-info.md), by index. */
enum wh_cert_ext {
    WH_CERT_EXT_GITHUB_WORKFLOW_TRIGGER,            /* .2 (deprecated, raw string) */
    WH_CERT_EXT_GITHUB_WORKFLOW_SHA,                /* .3 */
    WH_CERT_EXT_GITHUB_WORKFLOW_NAME,               /* .4 */
    WH_CERT_EXT_GITHUB_WORKFLOW_REPOSITORY,         /* .5 */
    WH_CERT_EXT_GITHUB_WORKFLOW_REF,                /* .6 */
    WH_CERT_EXT_BUILD_SIGNER_URI,                   /* .9 (DER UTF8String from here on) */
    WH_CERT_EXT_BUILD_SIGNER_DIGEST,                /* .10 */
    WH_CERT_EXT_RUNNER_ENVIRONMENT,                 /* .11 */
    WH_CERT_EXT_SOURCE_REPOSITORY_URI,              /* .12 */
    WH_CERT_EXT_SOURCE_REPOSITORY_DIGEST,           /* .13 */
    WH_CERT_EXT_SOURCE_REPOSITORY_REF,              /* .14 */
    WH_CERT_EXT_SOURCE_REPOSITORY_IDENTIFIER,       /* .15 */
    WH_CERT_EXT_SOURCE_REPOSITORY_OWNER_URI,        /* .16 */
    WH_CERT_EXT_SOURCE_REPOSITORY_OWNER_IDENTIFIER, /* .17 */
    WH_CERT_EXT_BUILD_CONFIG_URI,                   /* .18 */
    WH_CERT_EXT_BUILD_CONFIG_DIGEST,                /* .19 */
    WH_CERT_EXT_BUILD_TRIGGER,                      /* .20 */
    WH_CERT_EXT_RUN_INVOCATION_URI,                 /* .21 */
    WH_CERT_EXT_SOURCE_REPOSITORY_VISIBILITY,       /* .22 */
    WH_CERT_EXT_COUNT
};

/* "githubWorkflowTrigger", ..., "sourceRepositoryVisibilityAtSigning" (vectors/README.md names). */
const char *wh_verify_cert_ext_name(enum wh_cert_ext e);
/* "1.3.6.1.4.1.57264.1.2", ... */
const char *wh_verify_cert_ext_oid(enum wh_cert_ext e);
/* The extension with this name (kyverno's "githubWorkflowSha" too), or -1. */
int wh_verify_cert_ext_find(const char *name);

enum wh_cert_san_kind { WH_CERT_SAN_URI, WH_CERT_SAN_EMAIL, WH_CERT_SAN_OTHERNAME };

/* What a Fulcio certificate says about its subject. Strings are NUL-free, NUL-terminated, in the
 * arena passed to the function that filled it. */
struct wh_cert_identity {
    const char *san; /* the one SAN identity: URI, email, or otherName 1.3.6.1.4.1.57264.1.7 */
    enum wh_cert_san_kind san_kind;
    const char *issuer; /* OIDC issuer: .1.8 (DER UTF8String), else .1.1 (raw); NULL if none */
    const char *ext[WH_CERT_EXT_COUNT]; /* NULL where the certificate lacks the extension */
    struct wh_verify_key *key;          /* the leaf's public key; lives as long as the arena */
    time_t not_before, not_after;
};

/*
 * Verifies a Fulcio leaf certificate as of `at` (the signing time: Rekor integrated time or an
 * RFC 3161 timestamp; never "now"): it must chain to a certificate authority of `root` whose
 * validFor contains `at`, with every certificate of the chain valid at `at`; the authority's own
 * chain supplies the trust anchor (its last certificate) and intermediates, `chain_der` (from the
 * bundle or the cosign chain annotation) only untrusted candidates. Then: code signing EKU, at
 * least one embedded SCT verified by a CT log of `root` (sct.h; not for a CA whose trusted root
 * lists no CT log, trust/root.h lists_no_ctlog), exactly one SAN identity. Leaf
 * and chain entries are DER or PEM. Fills *out (in `a`), valid only on WH_OK. WH_E_VERIFY names
 * the failed check ("certificate expired at signing time 2024-...", "untrusted chain: ...",
 * "no code signing extended key usage", "no valid SCT"); WH_E_INVALID for unparsable input.
 */
WH_MUST_CHECK enum wh_err wh_verify_cert(struct wh_bytes leaf_der, const struct wh_bytes *chain_der,
                                         size_t n_chain, const struct wh_trust_root *root,
                                         time_t at, struct wh_arena *a,
                                         struct wh_cert_identity *out, struct wh_error *err);

/*
 * Extracts the identity of a certificate WITHOUT verifying anything (for reports and tests). Same
 * parsing and errors as wh_verify_cert's identity step.
 */
WH_MUST_CHECK enum wh_err wh_verify_cert_identity_parse(struct wh_bytes cert, struct wh_arena *a,
                                                        struct wh_cert_identity *out,
                                                        struct wh_error *err);

#endif
