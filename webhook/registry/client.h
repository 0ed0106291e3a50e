#ifndef WH_REGISTRY_CLIENT_H
#define WH_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "image/ref.h"
#include "registry/http.h"
#include "registry/manifest.h"
#include "registry/retry.h"

/*
 * OCI distribution client over libcurl (the calls themselves: registry/oci.h, included below). One
 * client per worker thread: it owns one long-lived CURL easy handle (connection and TLS session
 * reuse), the credentials read from the docker config, and a token cache per (registry, scope). Not
 * thread-safe; distinct clients may run on distinct threads, and so may a client and its shares
 * (wh_registry_client_share). Every call takes an absolute deadline
 * (wh_clock_mono_ms); a passed deadline is WH_E_TIMEOUT before anything is sent. Errors name the
 * registry, repository, request and HTTP status: "127.0.0.1:5000/demo/app: GET manifest v1: HTTP
 * 404 (MANIFEST_UNKNOWN)". Codes: 404 → WH_E_NOT_FOUND; 401/403 after authenticating →
 * WH_E_UNAVAILABLE ("check the credentials for <registry>"); 5xx, 429, connection and TLS failures
 * → WH_E_UNAVAILABLE; timeout → WH_E_TIMEOUT; over a cap → WH_E_LIMIT; content not matching its
 * digest → WH_E_VERIFY. Tokens and passwords are never logged or put in messages, and are wiped
 * when freed.
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
    /* Fetches one review keeps in flight at once (pipeline/fanout.h: the images of a pod checked
     * on that many threads, each with a client shared with the review's); 1: one after another;
     * 0 → WH_REGISTRY_PARALLEL_FETCHES. The per-host cap above still bounds them. */
    unsigned parallel_fetches;
};

#define WH_REGISTRY_PARALLEL_FETCHES 4
#define WH_REGISTRY_PARALLEL_FETCHES_MAX 32

/*
 * Creates a client; reads the docker config now (WH_E_INVALID if malformed). The options are
 * copied. *out is valid only on WH_OK; free it with wh_registry_client_free.
 */
WH_MUST_CHECK enum wh_err wh_registry_client_new(const struct wh_registry_options *o,
                                                 struct wh_registry_client **out,
                                                 struct wh_error *err);
void wh_registry_client_free(struct wh_registry_client *c);
/*
 * A client sharing `root`'s credentials, bought headers (one token request per scope between
 * them), review budget and memo, its request and retry counts, with a transport of its own: the
 * root and its shares may run on distinct threads at once (each one client on one thread at a
 * time). Free every share before its root. *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_client_share(struct wh_registry_client *root,
                                                   struct wh_registry_client **out,
                                                   struct wh_error *err);

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

/* Every HTTP request of the client, token requests included, is reported to fn (http.h). */
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

/* HTTP requests made by this client since creation, token requests included; a root's count
 * includes its shares'. */
unsigned long wh_registry_client_requests(const struct wh_registry_client *c);
/* Of those, the ones that were retries (after a 429, a 5xx or a reset connection). */
unsigned long wh_registry_client_retries(const struct wh_registry_client *c);

/* The limits the client was created with (borrowed). */
const struct wh_limits *wh_registry_client_limits(const struct wh_registry_client *c);

/* ---- for the OCI calls (registry/oci.c) ---- */

/* One registry request: a GET or HEAD of `path` on ref's registry. */
struct wh_registry_request {
    bool take;          /* the caller takes a 2xx body's heap buffer (r->heap) */
    const char *method; /* GET or HEAD */
    const char *what;   /* "GET manifest v1": the middle of every message */
    const struct wh_image_ref *ref;
    const char *path;   /* "/v2/<repo>/manifests/<reference>", already escaped */
    const char *accept; /* a whole "Accept: ..." line, or NULL */
    size_t max;         /* cap on a 2xx body */
    bool follow;        /* follow redirects (blobs) */
    int64_t deadline_ms;
};

/*
 * Sends q in a per-registry slot, answering at most one auth challenge and retrying 429, 5xx and
 * reset connections (GET and HEAD are idempotent) while attempts remain and the wait ends before
 * the deadline. WH_OK only for a 2xx; every error is prefixed "<registry>/<repository>: <what>: ",
 * a non-2xx status is WH_E_NOT_FOUND (404) or WH_E_UNAVAILABLE with "HTTP <status>" and the
 * registry's error code. r->status is the last answer's status (0 when none came), also on error.
 */
WH_MUST_CHECK enum wh_err wh_registry_client_request(struct wh_registry_client *c,
                                                     const struct wh_registry_request *q,
                                                     struct wh_arena *a,
                                                     struct wh_registry_http_response *r,
                                                     struct wh_error *err);

/* A manifest or blob fetched by digest during the review: kept (owned) until the review ends,
 * so a digest is fetched, and its bytes counted, once per review. */
struct wh_registry_memo {
    char digest[WH_DIGEST_STR_LEN];
    bool is_manifest;
    unsigned char *buf; /* heap, NUL-terminated; len bytes of content */
    size_t len;
    char *content_type; /* manifests: the response's Content-Type, NULL when absent */
};

/* The review's memo entry for `digest`, or NULL (borrowed until wh_registry_client_review_end). */
const struct wh_registry_memo *wh_registry_client_memo_find(const struct wh_registry_client *c,
                                                            const char *digest, bool is_manifest);
/*
 * The memo entry for `digest`, as wh_registry_client_memo_find, but while another client of the
 * same root fetches it (its claim), waits (until deadline_ms) for that fetch to end, so clients
 * at once fetch a digest once. NULL with *claimed: the caller fetches it, and ends with
 * wh_registry_client_memo_add or, on failure, wh_registry_client_memo_unclaim. NULL without:
 * fetch without a claim (outside a review, at the deadline, too many claims).
 */
const struct wh_registry_memo *wh_registry_client_memo_claim(struct wh_registry_client *c,
                                                             const char *digest, bool is_manifest,
                                                             int64_t deadline_ms, bool *claimed);
/* Drops the caller's claim on `digest` (no-op without one) and wakes its waiters. */
void wh_registry_client_memo_unclaim(struct wh_registry_client *c, const char *digest,
                                     bool is_manifest);
/* Keeps `buf_owned` (heap, NUL-terminated) for the rest of the review (ending a claim on the
 * digest); the caller's view of it stays valid until wh_registry_client_review_end. */
void wh_registry_client_memo_add(struct wh_registry_client *c, const char *digest, bool is_manifest,
                                 unsigned char *buf_owned, size_t len, const char *content_type);

#include "registry/oci.h" /* the OCI calls, for the client's users */

#endif
