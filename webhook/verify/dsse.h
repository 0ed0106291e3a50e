#ifndef WH_VERIFY_DSSE_H
#define WH_VERIFY_DSSE_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "verify/keys.h"

/*
 * DSSE envelopes (github.com/secure-systems-lab/dsse, protocol.md + envelope.md), the form cosign
 * stores in `.att` layers: {"payloadType", "payload": b64, "signatures": [{"keyid"?, "sig": b64}]}.
 */
struct wh_dsse_signature {
    const char *keyid; /* "" when absent: a hint only, never trusted */
    struct wh_bytes sig;
};

struct wh_dsse_envelope {
    const char *payload_type;
    struct wh_bytes payload; /* decoded; NUL-terminated in the arena (not counted in len) */
    /* PAE(payload_type, payload) sharing payload's bytes, set by wh_verify_dsse_parse; an
     * envelope built by hand leaves it empty and wh_verify_dsse builds it. */
    struct wh_bytes pae;
    struct wh_dsse_signature *signatures;
    size_t n_signatures;
};

/*
 * Parses envelope JSON without building a tree (base/json_scan.h): WH_E_LIMIT when the text
 * exceeds lim->blob_bytes or lim->json_depth, or it holds more than lim->signatures signatures
 * (counted while read, before the payload is decoded); WH_E_INVALID for bad JSON (with line:col),
 * missing fields or bad base64 (standard or URL-safe alphabet, padding optional, as DSSE allows).
 * *out is valid only on WH_OK; everything lives in `a`.
 */
WH_MUST_CHECK enum wh_err wh_verify_dsse_parse(struct wh_bytes json, const struct wh_limits *lim,
                                               struct wh_arena *a, struct wh_dsse_envelope *out,
                                               struct wh_error *err);

/*
 * Builds PAE(payloadType, payload) = "DSSEv1 <len(type)> <type> <len(payload)> <payload>" and
 * succeeds when any signature verifies with any of `keys`; *which_key (may be NULL) is then the
 * index of that key. WH_E_VERIFY "no signature on the envelope verifies with <key types>"
 * otherwise. Pure; does not look at the payload's content.
 */
WH_MUST_CHECK enum wh_err wh_verify_dsse(const struct wh_dsse_envelope *env,
                                         const struct wh_verify_key *const *keys, size_t n_keys,
                                         int *which_key, struct wh_error *err);

#endif
