/*
 * The registry client: one transport (http.c) and one set of credentials (auth.c) per worker
 * thread, and the request every OCI call (oci.c) goes through: a per-registry slot, at most one
 * auth challenge answered, 429/5xx/resets retried within the deadline, the registry's error code
 * kept in the message. Also the review's byte budget and its memo of what was fetched by digest.
 */
#include "registry/client.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "base/clock.h"
#include "registry/auth.h"
#include "registry/retry.h"

#define ERROR_BODY_MAX (64u * 1024)

/* Registry answer bytes that reviews in flight hold beyond their floor, process-wide (every
 * client of the process shares limits.process_bytes). */
static atomic_size_t process_reserved;

/*
 * A client made by wh_registry_client_share has its own transport and backoff state, and uses its
 * root's (the client it was made from) for everything else: credentials and bought headers,
 * review budget, memo, retry and request counts. Those fields are read and written only on the
 * root, under the root's locks, so the root and its shares may run on distinct threads.
 */
struct wh_registry_client {
    struct wh_registry_http *http;
    struct wh_registry_client *root; /* itself, or the client this one shares with */
    wh_registry_observe_fn *observe;
    void *observe_arg;
    struct wh_registry_retry retry;
    unsigned max_concurrent;
    uint64_t rng; /* backoff jitter */
    /* ---- the root's only ---- */
    pthread_mutex_t auth_lock; /* `auth`; held across a token request, so one is bought per scope */
    pthread_mutex_t lock;      /* everything below */
    struct wh_registry_auth auth;
    struct wh_limits limits;
    unsigned long retries;
    atomic_ulong shared_requests; /* requests made by the clients sharing this one */
    /* The review in progress (wh_registry_client_review_begin .. _end). */
    bool in_review;
    size_t review_read;             /* answer bytes read during the review */
    size_t review_reserved;         /* of those, reserved in process_reserved (past the floor) */
    struct wh_registry_memo **memo; /* each entry its own block: views of it outlive a grow */
    size_t n_memo, memo_cap;
    /* Digests a client of this root is fetching for the memo (wh_registry_client_memo_claim);
     * `claimed` is signalled when one is added or released. */
    struct claim {
        char digest[WH_DIGEST_STR_LEN];
        bool is_manifest;
    } claims[WH_REGISTRY_PARALLEL_FETCHES_MAX];
    size_t n_claims;
    pthread_cond_t claimed;
};

/*
 * Counts n more answer bytes against the review
 * (limits.review_bytes) and, past the review's first WH_LIMITS_REVIEW_FLOOR, against the process
 * (limits.process_bytes). Outside a review nothing is counted.
 */
static bool
charge_locked(struct wh_registry_client *c, size_t n, struct wh_error *err)
{
    size_t read, past_floor, need;

    if (!c->in_review)
        return true;
    if (n > c->limits.review_bytes - c->review_read) {
        wh_error_set(err, WH_E_LIMIT,
                     "this review has read %zu bytes of registry answers; more would exceed "
                     "limits.reviewBytes (%zu)",
                     c->review_read, c->limits.review_bytes);
        return false;
    }
    read = c->review_read + n;
    past_floor = read > WH_LIMITS_REVIEW_FLOOR ? read - WH_LIMITS_REVIEW_FLOOR : 0;
    need = past_floor > c->review_reserved ? past_floor - c->review_reserved : 0;
    if (need > 0) {
        size_t before = atomic_fetch_add(&process_reserved, need);

        if (before + need > c->limits.process_bytes) {
            atomic_fetch_sub(&process_reserved, need);
            wh_error_set(err, WH_E_LIMIT,
                         "registry answers held by the reviews in flight would exceed "
                         "limits.processBytes (%zu): too many large images at once, retry",
                         c->limits.process_bytes);
            return false;
        }
        c->review_reserved += need;
    }
    c->review_read = read;
    return true;
}

/* The transport's charge hook, for the root and every client sharing it. */
static bool
charge(void *arg, size_t n, struct wh_error *err)
{
    struct wh_registry_client *root = ((struct wh_registry_client *)arg)->root;
    bool ok;

    pthread_mutex_lock(&root->lock);
    ok = charge_locked(root, n, err);
    pthread_mutex_unlock(&root->lock);
    return ok;
}

/* The transport and backoff state of a root client from `o`. */
static enum wh_err
transport_init(struct wh_registry_client *c, const struct wh_registry_options *o,
               struct wh_error *err)
{
    struct wh_registry_http_options ho = {.ca_file = o->ca_file,
                                          .ca_hosts = o->registry_ca_hosts,
                                          .ca_files = o->registry_ca_files,
                                          .n_ca_files = o->n_registry_ca_files,
                                          .plain_hosts = o->plain_http_hosts,
                                          .n_plain_hosts = o->n_plain_http_hosts};

    c->retry = o->retry;
    wh_registry_retry_defaults(&c->retry);
    c->max_concurrent = o->max_concurrent_per_registry;
    c->rng = (uint64_t)(uintptr_t)c ^ (uint64_t)wh_clock_mono_ms() * 0x9e3779b97f4a7c15ull;
    if (wh_registry_http_new(&ho, &c->http, err) != WH_OK)
        return err->code == WH_E_INTERNAL ? err->code : wh_error_wrap(err, "registry client");
    wh_registry_http_set_charge(c->http, charge, c);
    return WH_OK;
}

static struct wh_registry_client *
client_alloc(void)
{
    struct wh_registry_client *c = calloc(1, sizeof(*c));

    if (c == NULL)
        wh_oom();
    pthread_condattr_t ca;

    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->auth_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines are wh_clock_mono_ms */
    pthread_cond_init(&c->claimed, &ca);
    pthread_condattr_destroy(&ca);
    return c;
}

enum wh_err
wh_registry_client_new(const struct wh_registry_options *o, struct wh_registry_client **out,
                       struct wh_error *err)
{
    struct wh_registry_client *c = client_alloc();

    c->root = c;
    c->limits = o->limits;
    if (wh_registry_auth_init(&c->auth, o->docker_config, err) != WH_OK) {
        wh_registry_client_free(c);
        return wh_error_wrap(err, "registry client: docker config %s", o->docker_config);
    }
    if (transport_init(c, o, err) != WH_OK) {
        wh_registry_client_free(c);
        return err->code;
    }
    *out = c;
    return WH_OK;
}

enum wh_err
wh_registry_client_share(struct wh_registry_client *root, struct wh_registry_client **out,
                         struct wh_error *err)
{
    struct wh_registry_client *c = client_alloc();

    root = root->root;
    c->root = root;
    c->retry = root->retry;
    c->max_concurrent = root->max_concurrent;
    c->rng = (uint64_t)(uintptr_t)c ^ (uint64_t)wh_clock_mono_ms() * 0x9e3779b97f4a7c15ull;
    if (wh_registry_http_clone(root->http, &c->http, err) != WH_OK) {
        wh_registry_client_free(c);
        return wh_error_wrap(err, "registry client");
    }
    wh_registry_http_set_charge(c->http, charge, c);
    wh_registry_client_set_observer(c, root->observe, root->observe_arg);
    *out = c;
    return WH_OK;
}

void
wh_registry_client_free(struct wh_registry_client *c)
{
    if (c == NULL)
        return;
    wh_registry_http_free(c->http);
    if (c->root == c || c->root == NULL) {
        wh_registry_auth_fini(&c->auth);
        wh_registry_client_review_end(c);
        free(c->memo);
    }
    pthread_cond_destroy(&c->claimed);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->auth_lock);
    free(c);
}

unsigned long
wh_registry_client_requests(const struct wh_registry_client *c)
{
    unsigned long n = wh_registry_http_requests(c->http);

    return c->root == c ? n + atomic_load(&c->root->shared_requests) : n;
}

unsigned long
wh_registry_client_retries(const struct wh_registry_client *c)
{
    struct wh_registry_client *root = c->root;
    unsigned long n;

    pthread_mutex_lock(&root->lock);
    n = root->retries;
    pthread_mutex_unlock(&root->lock);
    return n;
}

const struct wh_limits *
wh_registry_client_limits(const struct wh_registry_client *c)
{
    return &c->root->limits;
}

void
wh_registry_client_set_observer(struct wh_registry_client *c, wh_registry_observe_fn *fn, void *arg)
{
    c->observe = fn;
    c->observe_arg = arg;
    wh_registry_http_set_observer(c->http, fn, arg);
}

const char *
wh_registry_client_credentials_key(const struct wh_registry_client *c)
{
    return c->root->auth.cred_key;
}

void
wh_registry_client_review_credentials_clear(struct wh_registry_client *c)
{
    struct wh_registry_client *root = c->root;

    pthread_mutex_lock(&root->auth_lock);
    wh_registry_auth_review_clear(&root->auth);
    pthread_mutex_unlock(&root->auth_lock);
}

enum wh_err
wh_registry_client_review_credentials_set(struct wh_registry_client *c,
                                          const struct wh_bytes *docker_configs, size_t n,
                                          struct wh_error *err)
{
    struct wh_registry_client *root = c->root;
    enum wh_err rc;

    pthread_mutex_lock(&root->auth_lock);
    rc = wh_registry_auth_review_set(&root->auth, docker_configs, n, err);
    pthread_mutex_unlock(&root->auth_lock);
    return rc;
}

/* Docker Hub's API lives on registry-1.docker.io; every other registry on its own name. */
static const char *
api_host(const char *registry)
{
    return strcmp(registry, "docker.io") == 0 ? "registry-1.docker.io" : registry;
}

/* ---- one request: slot, auth, retries ---- */

/* The `code` of the first entry of a registry error body, sanitised, or NULL. */
static const char *
error_code(const struct wh_registry_http_response *r, struct wh_arena *a)
{
    json_t *root, *errors, *code;
    const char *out = NULL;

    if (r->body.len == 0 || r->body.len > ERROR_BODY_MAX)
        return NULL;
    root = json_loadb((const char *)r->body.ptr, r->body.len, 0, NULL);
    if (root == NULL)
        return NULL;
    errors = json_object_get(root, "errors");
    code = json_object_get(json_array_get(errors, 0), "code");
    if (json_is_string(code) && json_string_length(code) > 0 && json_string_length(code) <= 64) {
        const char *s = json_string_value(code);
        bool clean = true;

        for (size_t i = 0; s[i] != '\0'; i++)
            if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                  (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                clean = false;
        if (clean)
            out = wh_arena_strdup(a, s);
    }
    json_decref(root);
    return out;
}

static enum wh_err
status_error(const char *registry, const struct wh_registry_http_response *r, struct wh_arena *a,
             struct wh_error *err)
{
    const char *code = error_code(r, a);
    char detail[96] = "";
    enum wh_err rc = r->status == 404 ? WH_E_NOT_FOUND : WH_E_UNAVAILABLE;

    if (code != NULL)
        snprintf(detail, sizeof(detail), " (%s)", code);
    if (r->status == 401 || r->status == 403)
        return wh_error_set(err, rc, "HTTP %ld%s: check the credentials for %s", r->status, detail,
                            registry);
    return wh_error_set(err, rc, "HTTP %ld%s", r->status, detail);
}

static enum wh_err
request_once(struct wh_registry_client *c, const struct wh_registry_request *q, const char *url,
             bool plain, const char *auth, struct wh_arena *a, struct wh_registry_http_response *r,
             struct wh_error *err)
{
    struct wh_registry_http_request x = {.method = q->method,
                                         .url = url,
                                         .max = q->max,
                                         .error_max = ERROR_BODY_MAX,
                                         .follow = q->follow,
                                         .plain_ok = plain,
                                         .take = q->take,
                                         .deadline_ms = q->deadline_ms};
    size_t n = 0;

    if (q->accept != NULL)
        x.headers[n++] = q->accept;
    if (auth != NULL)
        x.headers[n++] = auth;
    return wh_registry_http_exchange(c->http, &x, a, r, err);
}

/*
 * The wait before retrying after `r` (a retryable status, or a transient transport error when r
 * has no status): Retry-After when the registry sent one we can read, else backoff with jitter.
 */
static int64_t
retry_wait_ms(struct wh_registry_client *c, const struct wh_registry_http_response *r,
              unsigned attempt, const char **why, struct wh_arena *a)
{
    int64_t ms;
    struct wh_error ignored;

    if (r->retry_after != NULL &&
        wh_registry_retry_after_parse(wh_str_c(r->retry_after), wh_clock_wall(), &ms, &ignored) ==
            WH_OK) {
        *why = wh_arena_sprintf(a, "Retry-After %s", r->retry_after);
        return ms;
    }
    ms = wh_registry_retry_backoff_ms(&c->retry, attempt, &c->rng);
    *why = "backoff";
    return ms;
}

/* One exchange inside a per-registry slot. */
static enum wh_err
request_slot(struct wh_registry_client *c, const struct wh_registry_request *q, const char *url,
             bool plain, const char *auth, struct wh_arena *a, struct wh_registry_http_response *r,
             struct wh_error *err)
{
    const char *host = q->ref->registry;
    enum wh_err rc = wh_registry_slot_acquire(host, c->max_concurrent, q->deadline_ms, err);

    if (rc != WH_OK)
        return rc;
    rc = request_once(c, q, url, plain, auth, a, r, err);
    wh_registry_slot_release(host);
    return rc;
}

/*
 * After failed attempt number `attempt` (rc, err: its error): WH_OK once the wait before the
 * next attempt is over, else the final error, saying why there is no other attempt.
 */
static enum wh_err
wait_to_retry(struct wh_registry_client *c, const struct wh_registry_http_response *r,
              unsigned attempt, enum wh_err rc, int64_t deadline_ms, struct wh_arena *a,
              struct wh_error *err)
{
    char detail[sizeof(err->msg)];
    const char *why = NULL;
    int64_t wait_ms, left;

    snprintf(detail, sizeof(detail), "%s", err->msg);
    if (attempt >= c->retry.max_attempts)
        return wh_error_set(err, rc, "%s (after %u attempts)", detail, attempt);
    wait_ms = retry_wait_ms(c, r, attempt, &why, a);
    left = wh_clock_left_ms(deadline_ms);
    if (wait_ms > c->retry.max_wait_ms || wait_ms >= left)
        /* Waiting would pass the deadline (or the cap): fail now with the cause. */
        return wh_error_set(err, rc == WH_E_TIMEOUT ? WH_E_TIMEOUT : WH_E_UNAVAILABLE,
                            "%s; not retried: %s wait %lld ms, %lld ms left before the deadline",
                            detail, why, (long long)wait_ms, (long long)(left > 0 ? left : 0));
    if (wait_ms > 0) {
        struct timespec ts = {.tv_sec = wait_ms / 1000, .tv_nsec = (wait_ms % 1000) * 1000000};

        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    pthread_mutex_lock(&c->root->lock);
    c->root->retries++;
    pthread_mutex_unlock(&c->root->lock);
    return WH_OK;
}

static void
wipe_string(void *s)
{
    OPENSSL_cleanse(s, strlen(s));
}

/*
 * The root's cached header for (registry, scope), copied into `a` (wiped when the arena is
 * finished), or NULL: another thread may replace the cached one while this request uses it.
 * The caller holds root->auth_lock.
 */
static const char *
header_copy_locked(struct wh_registry_client *root, const char *registry, const char *scope,
                   struct wh_arena *a)
{
    const char *h = wh_registry_auth_header_find(&root->auth, registry, scope);
    char *copy;

    if (h == NULL)
        return NULL;
    copy = wh_arena_strdup(a, h);
    wh_arena_defer(a, wipe_string, copy);
    return copy;
}

static const char *
header_copy(struct wh_registry_client *c, const char *registry, const char *scope,
            struct wh_arena *a)
{
    const char *h;

    pthread_mutex_lock(&c->root->auth_lock);
    h = header_copy_locked(c->root, registry, scope, a);
    pthread_mutex_unlock(&c->root->auth_lock);
    return h;
}

/*
 * Answers a 401 (auth.c) and finds the header it bought for the next attempt. Under the root's
 * auth lock: a client that meets the challenge while another buys the same scope's token waits
 * and takes that token (one token request per scope, however many clients share the root).
 * `sent` is the header the challenged request carried: another one cached since is taken as is.
 */
static enum wh_err
answer_challenge(struct wh_registry_client *c, const char *registry, const char *scope,
                 const struct wh_registry_http_response *r, const char *sent, int64_t deadline_ms,
                 struct wh_arena *a, const char **auth, struct wh_error *err)
{
    struct wh_registry_client *root = c->root;
    enum wh_err rc = WH_OK;

    pthread_mutex_lock(&root->auth_lock);
    *auth = header_copy_locked(root, registry, scope, a);
    if (*auth == NULL || (sent != NULL && strcmp(*auth, sent) == 0)) {
        rc = wh_registry_auth_answer(&root->auth, c->http, registry, scope, r->www_authenticate,
                                     deadline_ms, a, err);
        if (rc == WH_OK)
            *auth = header_copy_locked(root, registry, scope, a);
    }
    pthread_mutex_unlock(&root->auth_lock);
    if (rc != WH_OK)
        return rc;
    if (WH_NEVER(*auth == NULL))
        return wh_error_set(err, WH_E_INTERNAL, "authenticated but nothing cached");
    return WH_OK;
}

/* Every request a share made is counted on its root too (review.c logs a review's count). */
static enum wh_err
count_shared(struct wh_registry_client *c, unsigned long before, enum wh_err rc)
{
    if (c->root != c)
        atomic_fetch_add(&c->root->shared_requests, wh_registry_http_requests(c->http) - before);
    return rc;
}

/* wh_registry_client_request without the shared count. */
static enum wh_err
request_with_retries(struct wh_registry_client *c, const struct wh_registry_request *q,
                     struct wh_arena *a, struct wh_registry_http_response *r, struct wh_error *err)
{
    const char *registry = q->ref->registry;
    bool plain = wh_registry_http_is_plain(c->http, registry, strlen(registry));
    const char *url =
        wh_arena_sprintf(a, "%s://%s%s", plain ? "http" : "https", api_host(registry), q->path);
    const char *scope = wh_arena_sprintf(a, "repository:%s:pull", q->ref->repository);
    const char *auth = header_copy(c, registry, scope, a);
    bool authenticated = false;
    unsigned attempt = 0;
    enum wh_err rc;

    for (;;) {
        bool retryable;

        memset(r, 0, sizeof(*r));
        attempt++;
        rc = request_slot(c, q, url, plain, auth, a, r, err);
        if (rc == WH_OK && r->status == 401 && !authenticated) {
            authenticated = true;
            attempt--; /* a challenge is not a failed attempt */
            rc = answer_challenge(c, registry, scope, r, auth, q->deadline_ms, a, &auth, err);
            if (rc != WH_OK)
                break;
            continue;
        }
        if (rc == WH_OK && r->status >= 200 && r->status < 300)
            break;
        retryable = rc == WH_OK ? wh_registry_retry_status(r->status) : r->transient;
        if (rc == WH_OK)
            rc = status_error(registry, r, a, err);
        if (!retryable || (rc = wait_to_retry(c, r, attempt, rc, q->deadline_ms, a, err)) != WH_OK)
            break;
    }
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s/%s: %s", registry, q->ref->repository, q->what);
    return WH_OK;
}

enum wh_err
wh_registry_client_request(struct wh_registry_client *c, const struct wh_registry_request *q,
                           struct wh_arena *a, struct wh_registry_http_response *r,
                           struct wh_error *err)
{
    unsigned long before = wh_registry_http_requests(c->http);

    return count_shared(c, before, request_with_retries(c, q, a, r, err));
}

/* ---- the review's budget and memo ---- */

void
wh_registry_client_review_begin(struct wh_registry_client *c)
{
    struct wh_registry_client *root = c->root;

    wh_registry_client_review_end(root);
    pthread_mutex_lock(&root->lock);
    root->in_review = true;
    pthread_mutex_unlock(&root->lock);
}

void
wh_registry_client_review_end(struct wh_registry_client *c)
{
    struct wh_registry_client *root = c->root;
    bool large;

    pthread_mutex_lock(&root->lock);
    large = root->review_read > WH_LIMITS_REVIEW_FLOOR;
    for (size_t i = 0; i < root->n_memo; i++) {
        free(root->memo[i]->buf);
        free(root->memo[i]->content_type);
        free(root->memo[i]);
    }
    root->n_memo = 0;
    root->n_claims = 0;
    pthread_cond_broadcast(&root->claimed);
    if (root->review_reserved > 0)
        atomic_fetch_sub(&process_reserved, root->review_reserved);
    root->review_reserved = 0;
    root->review_read = 0;
    root->in_review = false;
    pthread_mutex_unlock(&root->lock);
    /* glibc keeps freed blocks below its (self-raising) mmap threshold in the thread's arena:
     * after a large review, hand them back, so one large review per worker does not stack up
     * as resident memory the next one adds to. */
    if (large)
        malloc_trim(0);
}

bool
wh_registry_client_in_review(const struct wh_registry_client *c)
{
    struct wh_registry_client *root = c->root;
    bool in;

    pthread_mutex_lock(&root->lock);
    in = root->in_review;
    pthread_mutex_unlock(&root->lock);
    return in;
}

size_t
wh_registry_client_review_bytes(const struct wh_registry_client *c)
{
    struct wh_registry_client *root = c->root;
    size_t n;

    pthread_mutex_lock(&root->lock);
    n = root->review_read;
    pthread_mutex_unlock(&root->lock);
    return n;
}

static const struct wh_registry_memo *
memo_find_locked(const struct wh_registry_client *root, const char *digest, bool is_manifest)
{
    for (size_t i = 0; i < root->n_memo; i++)
        if (root->memo[i]->is_manifest == is_manifest && strcmp(root->memo[i]->digest, digest) == 0)
            return root->memo[i];
    return NULL;
}

const struct wh_registry_memo *
wh_registry_client_memo_find(const struct wh_registry_client *c, const char *digest,
                             bool is_manifest)
{
    struct wh_registry_client *root = c->root;
    const struct wh_registry_memo *hit;

    pthread_mutex_lock(&root->lock);
    hit = memo_find_locked(root, digest, is_manifest);
    pthread_mutex_unlock(&root->lock);
    return hit;
}

static struct claim *
claim_find_locked(struct wh_registry_client *root, const char *digest, bool is_manifest)
{
    for (size_t i = 0; i < root->n_claims; i++)
        if (root->claims[i].is_manifest == is_manifest &&
            strcmp(root->claims[i].digest, digest) == 0)
            return &root->claims[i];
    return NULL;
}

static void
unclaim_locked(struct wh_registry_client *root, const char *digest, bool is_manifest)
{
    struct claim *cl = claim_find_locked(root, digest, is_manifest);

    if (cl == NULL)
        return;
    *cl = root->claims[--root->n_claims];
    pthread_cond_broadcast(&root->claimed);
}

const struct wh_registry_memo *
wh_registry_client_memo_claim(struct wh_registry_client *c, const char *digest, bool is_manifest,
                              int64_t deadline_ms, bool *claimed)
{
    struct wh_registry_client *root = c->root;
    const struct wh_registry_memo *hit;
    struct timespec until = {.tv_sec = deadline_ms / 1000,
                             .tv_nsec = (long)(deadline_ms % 1000) * 1000000};

    *claimed = false;
    pthread_mutex_lock(&root->lock);
    while ((hit = memo_find_locked(root, digest, is_manifest)) == NULL && root->in_review &&
           claim_find_locked(root, digest, is_manifest) != NULL)
        if (pthread_cond_timedwait(&root->claimed, &root->lock, &until) != 0)
            break; /* the deadline: fetch (and fail) on our own */
    if (hit == NULL && root->in_review && claim_find_locked(root, digest, is_manifest) == NULL &&
        root->n_claims < sizeof(root->claims) / sizeof(root->claims[0])) {
        struct claim *cl = &root->claims[root->n_claims++];

        snprintf(cl->digest, sizeof(cl->digest), "%s", digest);
        cl->is_manifest = is_manifest;
        *claimed = true;
    }
    pthread_mutex_unlock(&root->lock);
    return hit;
}

void
wh_registry_client_memo_unclaim(struct wh_registry_client *c, const char *digest, bool is_manifest)
{
    struct wh_registry_client *root = c->root;

    pthread_mutex_lock(&root->lock);
    unclaim_locked(root, digest, is_manifest);
    pthread_mutex_unlock(&root->lock);
}

void
wh_registry_client_memo_add(struct wh_registry_client *c, const char *digest, bool is_manifest,
                            unsigned char *buf_owned, size_t len, const char *content_type)
{
    struct wh_registry_client *root = c->root;
    struct wh_registry_memo *e = calloc(1, sizeof(*e));

    if (e == NULL)
        wh_oom();
    snprintf(e->digest, sizeof(e->digest), "%s", digest);
    e->is_manifest = is_manifest;
    e->buf = buf_owned;
    e->len = len;
    e->content_type = content_type != NULL ? wh_str_dup(content_type) : NULL;
    pthread_mutex_lock(&root->lock);
    if (root->n_memo == root->memo_cap) {
        size_t cap = root->memo_cap == 0 ? 16 : root->memo_cap * 2;
        struct wh_registry_memo **m = realloc(root->memo, cap * sizeof(*m));

        if (m == NULL)
            wh_oom();
        root->memo = m;
        root->memo_cap = cap;
    }
    root->memo[root->n_memo++] = e;
    unclaim_locked(root, digest, is_manifest);
    pthread_mutex_unlock(&root->lock);
}
