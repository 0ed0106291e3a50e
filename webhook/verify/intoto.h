#ifndef WH_VERIFY_INTOTO_H
#define WH_VERIFY_INTOTO_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"

/*
 * in-toto Statements (github.com/in-toto/attestation spec v0.1 and v1): the payload of a DSSE
 * envelope whose payloadType is application/vnd.in-toto+json. Parse only after the envelope's
 * signature verified.
 */
#define WH_INTOTO_STATEMENT_V01 "https://in-toto.io/Statement/v0.1"
#define WH_INTOTO_STATEMENT_V1 "https://in-toto.io/Statement/v1"

struct wh_intoto_subject {
    const char *name;   /* "" when absent or empty (cosign writes the repository, grype "") */
    const char *sha256; /* "sha256:<64 lowercase hex>", NULL when the subject has no sha256 */
    const char *sha512; /* "sha512:<128 lowercase hex>" (npm tarballs), NULL when absent */
};

struct wh_intoto_statement {
    const char *type; /* one of the two WH_INTOTO_STATEMENT_* values */
    const char *predicate_type;
    struct wh_intoto_subject *subjects; /* at least one */
    size_t n_subjects;
    struct wh_bytes predicate; /* compact JSON ("null" when absent), NUL-terminated */
};

/*
 * Parses a Statement. WH_E_LIMIT when `json` exceeds lim->blob_bytes, nesting exceeds
 * lim->json_depth or the compact predicate exceeds lim->sbom_bytes; WH_E_INVALID for bad JSON
 * (line:col), an unknown _type, no subjects, a malformed sha256 or sha512 digest or a missing
 * predicateType.
 * *out is valid only on WH_OK; everything lives in `a`.
 */
WH_MUST_CHECK enum wh_err wh_verify_intoto_parse(struct wh_bytes json, const struct wh_limits *lim,
                                                 struct wh_arena *a,
                                                 struct wh_intoto_statement *out,
                                                 struct wh_error *err);

/*
 * WH_OK when some subject's digest of `digest`'s algorithm equals it ("sha256:<hex>", or
 * "sha512:<hex>" for npm-style subjects; lowercase hex); WH_E_VERIFY naming both the statement's
 * digests of that algorithm and `digest` otherwise (an attestation replayed from another image or
 * artifact).
 */
WH_MUST_CHECK enum wh_err wh_verify_intoto_subject(const struct wh_intoto_statement *stmt,
                                                   const char *digest, struct wh_error *err);

#endif
