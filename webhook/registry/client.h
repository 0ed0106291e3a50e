#ifndef WH_REGISTRY_CLIENT_H
#define WH_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "image/ref.h"
#include "registry/manifest.h"
#include "registry/retry.h"

/*
 * OCI distribution client over libcurl. One client per worker thread: it owns one long-lived CURL
 * easy handle (connection and TLS session reuse), the credentials read from the docker config,
 * and a token cache per (registry, scope). Not thread-safe; distinct clients may run on distinct
 * threads. Every call takes an absolute deadline (wh_clock_mono_ms); a passed deadline is
 * WH_E_TIMEOUT before anything is sent. Errors name the registry, repository, request and HTTP
 * status: "127.0.0.1:5000/demo/app: GET manifest v1: HTTP 404 (MANIFEST_UNKNOWN)".
 * Codes: 404 → WH_E_NOT_FOUND; 401/403 after authenticating → WH_E_UNAVAILABLE ("check the
 * credentials for <registry>"); 5xx, 429, connection and TLS failures → WH_E_UNAVAILABLE; timeout
 * → WH_E_TIMEOUT; over a cap → WH_E_LIMIT; content not matching its digest → WH_E_VERIFY.
 * Tokens and passwords are never logged or put in messages, and are wiped when freed.
 */
struct wh_registry_client;

struct wh_registry_options {
    const char *docker_config; /* path to a docker config.json; NULL: no credentials */
    const char *ca_file;       /* extra CA bundle (PEM) trusted besides the system's; may be NULL */
    /*
     * Per-registry CA bundles: registry_ca_files[i] (PEM, at least one certificate) is trusted,
     * besides the system's and ca_file, for TLS connections to registry_ca_hosts[i] only
     * ("host[:port]" as image references spell the registry; case-insensitive; "host" and
     * "host:443" are the same). The host is the one connected to, so a token realm or a blob
     * redirect on another host needs its own entry. Read once by wh_registry_client_new.
     */
    const char *const *registry_ca_hosts;
    const char *const *registry_ca_files;
    size_t n_registry_ca_files;
    /* "host:port" entries spoken to over plain http://; tests only (loopback registries). */
    const char *const *plain_http_hosts;
    size_t n_plain_http_hosts;
    struct wh_limits limits;
    /* GET/HEAD retried on 429, 5xx and connection resets; zero fields take retry.h's defaults.
     * A wait that would pass the deadline is not taken: the request fails at once. */
    struct wh_registry_retry retry;
    unsigned max_concurrent_per_registry; /* process-wide cap per registry host; 0 → 8 */
};

/*
 * Creates a client; reads the docker config now (WH_E_INVALID if malformed). The options are
 * copied. *out is valid only on WH_OK; free it with wh_registry_client_free.
 */
WH_MUST_CHECK enum wh_err wh_registry_client_new(const struct wh_registry_options *o,
                                                 struct wh_registry_client **out,
                                                 struct wh_error *err);
void wh_registry_client_free(struct wh_registry_client *c);

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
 * *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_get(struct wh_registry_client *c,
                                          const struct wh_image_ref *ref, const char *what,
                                          const char *path, const char *accept, size_t max,
                                          int64_t deadline_ms, struct wh_arena *a,
                                          struct wh_registry_response *out, struct wh_error *err);

/*
 * Per-review credentials: docker config JSON documents (from the pod's imagePullSecrets, in
 * order) consulted before the node-wide docker config; the first with an entry for a registry
 * wins. The bytes are copied (and wiped when replaced or cleared). Tokens obtained with them are
 * cached apart from the node-wide ones, keyed by a hash of these documents, so a review without
 * the secret never reuses a token bought with it. Malformed JSON → WH_E_INVALID (nothing set).
 * Call with n == 0 (or wh_registry_client_review_credentials_clear) when the review ends.
 */
WH_MUST_CHECK enum wh_err
wh_registry_client_review_credentials_set(struct wh_registry_client *c,
                                          const struct wh_bytes *docker_configs, size_t n,
                                          struct wh_error *err);
void wh_registry_client_review_credentials_clear(struct wh_registry_client *c);
/*
 * "" while the node-wide credentials are in use, else the hex sha256 of the review's pull-secret
 * documents (borrowed; valid until the next set/clear). Fold it into any key under which a
 * registry *failure* is shared between reviews: a 401 without a secret must not answer a review
 * that has one.
 */
const char *wh_registry_client_credentials_key(const struct wh_registry_client *c);

/* Called after every HTTP request with the host[:port] it went to (no credentials) and the
 * HTTP status, 0 when no answer came (connection, TLS or timeout failure). Runs on the thread
 * that owns the client; `fn` must be thread-safe if several clients share it. */
typedef void wh_registry_observe_fn(void *arg, const char *host, long status);
void wh_registry_client_set_observer(struct wh_registry_client *c, wh_registry_observe_fn *fn,
                                     void *arg);

/*
 * One review's registry budget. Between _begin and _end every answer body read (manifests,
 * blobs, referrers, tokens, error bodies) counts against limits.review_bytes, and, past the
 * review's first WH_LIMITS_REVIEW_FLOOR, against limits.process_bytes shared by every client of
 * the process; a transfer that would exceed either is cut off: WH_E_LIMIT naming the limit.
 * Manifests and blobs fetched by digest are kept (the memo) and not fetched again in the review.
 * _end frees them and returns the review's bytes to the process budget (views into them end
 * then). _begin ends a review still open. Outside a review nothing is counted or kept.
 */
void wh_registry_client_review_begin(struct wh_registry_client *c);
void wh_registry_client_review_end(struct wh_registry_client *c);
bool wh_registry_client_in_review(const struct wh_registry_client *c);
/* Answer bytes read in the current review. */
size_t wh_registry_client_review_bytes(const struct wh_registry_client *c);

/* HTTP requests made by this client since creation, token requests included. */
unsigned long wh_registry_client_requests(const struct wh_registry_client *c);
/* Of those, the ones that were retries (after a 429, a 5xx or a reset connection). */
unsigned long wh_registry_client_retries(const struct wh_registry_client *c);

/* The limits the client was created with (borrowed). */
const struct wh_limits *wh_registry_client_limits(const struct wh_registry_client *c);

#endif
