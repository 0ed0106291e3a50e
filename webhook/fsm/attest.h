#ifndef WH_FSM_ATTEST_H
#define WH_FSM_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * The fs-manifest attestation's predicate (docs/fs-manifest.md "Attestation"): the root digest of
 * an image's expected filesystem manifest, with the manifest text either inline ("manifest") or
 * as a blob in the image's repository named by a descriptor ("manifestDescriptor": mediaType
 * WH_FSM_MEDIA_TYPE, digest = the root digest, size). What the statement's DSSE signature and
 * subject bind is verified elsewhere (verify/attestation.h); this parses the predicate and proves
 * the attested text against the text computed from the image's layers. Pure.
 */

#define WH_FSM_PREDICATE_TYPE "https://driftgate.dev/fs-manifest/v1"
#define WH_FSM_MEDIA_TYPE "application/vnd.driftgate.fs-manifest.v1+text"
#define WH_FSM_FORMAT "driftgate-fsm/v1"

struct wh_fsm_attested {
    const char *root;         /* "sha256:<64 hex>" */
    struct wh_str manifest;   /* inline text; ptr NULL when a descriptor names a blob */
    const char *blob_digest;  /* manifestDescriptor.digest (= root), or NULL */
    uint64_t blob_size;       /* manifestDescriptor.size */
    const char *platform;     /* informational: "linux/amd64", or NULL */
    const char *index_digest; /* informational: the index the subject was picked from, or NULL */
};

/*
 * Parses a predicate (JSON object bytes): format WH_FSM_FORMAT, digestAlgorithm sha256, root, and
 * exactly one of manifest (at most `max_text` bytes) or manifestDescriptor (mediaType
 * WH_FSM_MEDIA_TYPE, digest equal to root, size 1..max_text: over it WH_E_LIMIT, before anything
 * is fetched). Errors WH_E_INVALID "fs-manifest predicate: ...". *out in `a`, valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_fsm_attested_parse(struct wh_bytes predicate, size_t max_text,
                                                struct wh_arena *a, struct wh_fsm_attested *out,
                                                struct wh_error *err);

/*
 * Proves an attestation: sha256(`text`, the inline or fetched manifest) is the attested root
 * (else the text was altered after signing), and `computed` (from the image's layers) is that
 * same text (else both roots and the first line that differs). NULL when attested = computed,
 * else why, in `a`.
 */
const char *wh_fsm_attested_mismatch(const struct wh_fsm_attested *att, struct wh_str text,
                                     struct wh_str computed, struct wh_arena *a);

#endif
