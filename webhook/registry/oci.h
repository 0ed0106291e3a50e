#ifndef WH_REGISTRY_OCI_H
#define WH_REGISTRY_OCI_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "image/ref.h"
#include "registry/manifest.h"

/*
 * The OCI distribution calls made with a registry client (client.h): tag → digest, manifests,
 * blobs, and a checked GET for the referrers and cosign tag lookups (referrers.c, cosign_refs.c).
 * Codes and messages as client.h says; every body is checked against the digest that named it.
 */
struct wh_registry_client;

/*
 * Tag → digest: HEAD manifest with an Accept for OCI and Docker v2 manifests and indexes; a GET
 * (body digest computed and compared with any Docker-Content-Digest) when HEAD gives no usable
 * Docker-Content-Digest. A ref with a digest returns it unchanged (no request). *digest_out
 * ("sha256:<hex>", in `a`) is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_resolve(struct wh_registry_client *c,
                                              const struct wh_image_ref *ref, int64_t deadline_ms,
                                              struct wh_arena *a, const char **digest_out,
                                              struct wh_error *err);

/*
 * GET manifest `reference` (a digest or a tag) of ref's repository, parsed (manifest.h) and capped
 * at limits.manifest_bytes. When `reference` is a digest the body must hash to it (WH_E_VERIFY);
 * for a tag, a Docker-Content-Digest header must match the body. *out (in `a`) valid only on WH_OK.
 * In a review, a manifest fetched by digest (or whose tag answer hashed to it) is fetched once:
 * out->body then belongs to the review and stays valid until wh_registry_client_review_end.
 */
WH_MUST_CHECK enum wh_err
wh_registry_manifest_get(struct wh_registry_client *c, const struct wh_image_ref *ref,
                         const char *reference, int64_t deadline_ms, struct wh_arena *a,
                         struct wh_registry_manifest *out, struct wh_error *err);

/*
 * GET blob `digest` of ref's repository, following redirects (https only, or http for plain
 * hosts), capped at `max` bytes (WH_E_LIMIT), content checked against `digest` (WH_E_VERIFY).
 * *out (NUL-terminated) valid only on WH_OK: in a review it belongs to the review (fetched once
 * per review, kept until wh_registry_client_review_end), else to `a`.
 */
WH_MUST_CHECK enum wh_err wh_registry_blob_get(struct wh_registry_client *c,
                                               const struct wh_image_ref *ref, const char *digest,
                                               size_t max, int64_t deadline_ms, struct wh_arena *a,
                                               struct wh_bytes *out, struct wh_error *err);

/* One 2xx answer of wh_registry_get; strings and body in the caller's arena. */
struct wh_registry_response {
    long status;
    struct wh_bytes body;       /* NUL-terminated */
    const char *content_type;   /* NULL when absent */
    const char *content_digest; /* Docker-Content-Digest, NULL when absent */
};

/*
 * GET `path` ("/v2/<repository>/...", already escaped) on ref's registry with the client's auth,
 * retries and caps; `accept` is a whole header line ("Accept: ...") or NULL; the body is capped at
 * `max`. WH_OK only for a 2xx; errors are prefixed "<registry>/<repository>: <what>: " and a
 * non-2xx status is WH_E_NOT_FOUND (404) or WH_E_UNAVAILABLE with "HTTP <status>" in the message.
 * *out valid only on WH_OK, except out->status: the answer's HTTP status whenever one came (0 when
 * none did), on error too, so a caller branches on the status, not on the message.
 */
WH_MUST_CHECK enum wh_err wh_registry_get(struct wh_registry_client *c,
                                          const struct wh_image_ref *ref, const char *what,
                                          const char *path, const char *accept, size_t max,
                                          int64_t deadline_ms, struct wh_arena *a,
                                          struct wh_registry_response *out, struct wh_error *err);

#endif
