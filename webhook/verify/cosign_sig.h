#ifndef WH_VERIFY_COSIGN_SIG_H
#define WH_VERIFY_COSIGN_SIG_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "verify/keys.h"

/*
 * cosign "simple signing" payloads: the blob of a `.sig` layer, signed byte-exact:
 * {"critical":{"identity":{"docker-reference":...},"image":{"docker-manifest-digest":...},
 *  "type":"cosign container image signature"},"optional":{...}|null}
 */
#define WH_COSIGN_SIGNATURE_TYPE "cosign container image signature"
/* Largest payload accepted: cosign's are ~250 bytes plus user annotations in "optional". */
#define WH_COSIGN_PAYLOAD_MAX (256u << 10)

struct wh_cosign_payload {
    const char *docker_reference; /* critical.identity.docker-reference ("" when absent) */
    const char *manifest_digest;  /* critical.image.docker-manifest-digest */
    const char *type;             /* critical.type */
};

/*
 * Parses a payload: WH_E_INVALID for bad JSON (line:col) or a missing/ill-typed critical field,
 * WH_E_LIMIT past WH_COSIGN_PAYLOAD_MAX. Does not check the type or digest values. *out is valid
 * only on WH_OK; strings live in `a`.
 */
WH_MUST_CHECK enum wh_err wh_verify_cosign_payload_parse(struct wh_bytes payload,
                                                         struct wh_arena *a,
                                                         struct wh_cosign_payload *out,
                                                         struct wh_error *err);

/*
 * The whole check of one `.sig` layer: `sig` (decoded DER) must verify over the exact `payload`
 * bytes with one of `keys` (first, before the payload is parsed), critical.type must be the cosign
 * type, and docker-manifest-digest must equal `digest`. WH_E_VERIFY for a wrong key, a foreign
 * type or a digest mismatch (naming both digests). On WH_OK *which_key (may be NULL) is the index
 * of the key that verified and *out (may be NULL) the parsed payload.
 */
WH_MUST_CHECK enum wh_err wh_verify_cosign_sig(struct wh_bytes payload, struct wh_bytes sig,
                                               const struct wh_verify_key *const *keys,
                                               size_t n_keys, const char *digest,
                                               struct wh_arena *a, int *which_key,
                                               struct wh_cosign_payload *out, struct wh_error *err);

#endif
