/*
 * The registry client: one transport (http.c) and one set of credentials (auth.c) per worker
 * thread, and the request every OCI call (oci.c) goes through: a per-registry slot, at most one
 * auth challenge answered, 429/5xx/resets retried within the deadline, the registry's error code
 * kept in the message. Also the review's byte budget and its memo of what was fetched by digest.
 */
#include "registry/client.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/clock.h"
#include "registry/auth.h"
#include "registry/retry.h"

#define ERROR_BODY_MAX (64u * 1024)

/* Registry answer bytes that reviews in flight hold beyond their floor, process-wide (every
 * client of the process shares limits.process_bytes). */
static atomic_size_t process_reserved;

struct wh_registry_client {
    struct wh_registry_http *http;
    struct wh_registry_auth auth;
    struct wh_limits limits;
    unsigned long retries;
    struct wh_registry_retry retry;
    unsigned max_concurrent;
    uint64_t rng; /* backoff jitter */
    /* The review in progress (wh_registry_client_review_begin .. _end). */
    bool in_review;
    size_t review_read;     /* answer bytes read during the review */
    size_t review_reserved; /* of those, reserved in process_reserved (past the floor) */
    struct wh_registry_memo *memo;
    size_t n_memo, memo_cap;
};

/*
 * The transport's charge hook: counts n more answer bytes against the review
 * (limits.review_bytes) and, past the review's first WH_LIMITS_REVIEW_FLOOR, against the process
 * (limits.process_bytes). Outside a review nothing is counted.
 */
static bool
charge(void *arg, size_t n, struct wh_error *err)
{
    struct wh_registry_client *c = arg;
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

enum wh_err
wh_registry_client_new(const struct wh_registry_options *o, struct wh_registry_client **out,
                       struct wh_error *err)
{
    struct wh_registry_http_options ho = {.ca_file = o->ca_file,
                                          .ca_hosts = o->registry_ca_hosts,
                                          .ca_files = o->registry_ca_files,
                                          .n_ca_files = o->n_registry_ca_files,
                                          .plain_hosts = o->plain_http_hosts,
                                          .n_plain_hosts = o->n_plain_http_hosts};
    struct wh_registry_client *c = calloc(1, sizeof(*c));

    if (c == NULL)
        wh_oom();
    c->limits = o->limits;
    c->retry = o->retry;
    wh_registry_retry_defaults(&c->retry);
    c->max_concurrent = o->max_concurrent_per_registry;
    c->rng = (uint64_t)(uintptr_t)c ^ (uint64_t)wh_clock_mono_ms() * 0x9e3779b97f4a7c15ull;
    if (wh_registry_auth_init(&c->auth, o->docker_config, err) != WH_OK) {
        wh_registry_client_free(c);
        return wh_error_wrap(err, "registry client: docker config %s", o->docker_config);
    }
    if (wh_registry_http_new(&ho, &c->http, err) != WH_OK) {
        wh_registry_client_free(c);
        return err->code == WH_E_INTERNAL ? err->code : wh_error_wrap(err, "registry client");
    }
    wh_registry_http_set_charge(c->http, charge, c);
    *out = c;
    return WH_OK;
}

void
wh_registry_client_free(struct wh_registry_client *c)
{
    if (c == NULL)
        return;
    wh_registry_http_free(c->http);
    wh_registry_auth_fini(&c->auth);
    wh_registry_client_review_end(c);
    free(c->memo);
    free(c);
}

unsigned long
wh_registry_client_requests(const struct wh_registry_client *c)
{
    return wh_registry_http_requests(c->http);
}

unsigned long
wh_registry_client_retries(const struct wh_registry_client *c)
{
    return c->retries;
}

const struct wh_limits *
wh_registry_client_limits(const struct wh_registry_client *c)
{
    return &c->limits;
}

void
wh_registry_client_set_observer(struct wh_registry_client *c, wh_registry_observe_fn *fn, void *arg)
{
    wh_registry_http_set_observer(c->http, fn, arg);
}

const char *
wh_registry_client_credentials_key(const struct wh_registry_client *c)
{
    return c->auth.cred_key;
}

void
wh_registry_client_review_credentials_clear(struct wh_registry_client *c)
{
    wh_registry_auth_review_clear(&c->auth);
}

enum wh_err
wh_registry_client_review_credentials_set(struct wh_registry_client *c,
                                          const struct wh_bytes *docker_configs, size_t n,
                                          struct wh_error *err)
{
    return wh_registry_auth_review_set(&c->auth, docker_configs, n, err);
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
    c->retries++;
    return WH_OK;
}

/* Answers a 401 (auth.c) and finds the header it bought for the next attempt. */
static enum wh_err
answer_challenge(struct wh_registry_client *c, const char *registry, const char *scope,
                 const struct wh_registry_http_response *r, int64_t deadline_ms, struct wh_arena *a,
                 const char **auth, struct wh_error *err)
{
    enum wh_err rc = wh_registry_auth_answer(&c->auth, c->http, registry, scope,
                                             r->www_authenticate, deadline_ms, a, err);

    if (rc != WH_OK)
        return rc;
    *auth = wh_registry_auth_header_find(&c->auth, registry, scope);
    if (WH_NEVER(*auth == NULL))
        return wh_error_set(err, WH_E_INTERNAL, "authenticated but nothing cached");
    return WH_OK;
}

enum wh_err
wh_registry_client_request(struct wh_registry_client *c, const struct wh_registry_request *q,
                           struct wh_arena *a, struct wh_registry_http_response *r,
                           struct wh_error *err)
{
    const char *registry = q->ref->registry;
    bool plain = wh_registry_http_is_plain(c->http, registry, strlen(registry));
    const char *url =
        wh_arena_sprintf(a, "%s://%s%s", plain ? "http" : "https", api_host(registry), q->path);
    const char *scope = wh_arena_sprintf(a, "repository:%s:pull", q->ref->repository);
    const char *auth = wh_registry_auth_header_find(&c->auth, registry, scope);
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
            rc = answer_challenge(c, registry, scope, r, q->deadline_ms, a, &auth, err);
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

/* ---- the review's budget and memo ---- */

void
wh_registry_client_review_begin(struct wh_registry_client *c)
{
    wh_registry_client_review_end(c);
    c->in_review = true;
}

void
wh_registry_client_review_end(struct wh_registry_client *c)
{
    bool large = c->review_read > WH_LIMITS_REVIEW_FLOOR;

    for (size_t i = 0; i < c->n_memo; i++) {
        free(c->memo[i].buf);
        free(c->memo[i].content_type);
    }
    c->n_memo = 0;
    if (c->review_reserved > 0)
        atomic_fetch_sub(&process_reserved, c->review_reserved);
    c->review_reserved = 0;
    c->review_read = 0;
    c->in_review = false;
    /* glibc keeps freed blocks below its (self-raising) mmap threshold in the thread's arena:
     * after a large review, hand them back, so one large review per worker does not stack up
     * as resident memory the next one adds to. */
    if (large)
        malloc_trim(0);
}

bool
wh_registry_client_in_review(const struct wh_registry_client *c)
{
    return c->in_review;
}

size_t
wh_registry_client_review_bytes(const struct wh_registry_client *c)
{
    return c->review_read;
}

const struct wh_registry_memo *
wh_registry_client_memo_find(const struct wh_registry_client *c, const char *digest,
                             bool is_manifest)
{
    for (size_t i = 0; i < c->n_memo; i++)
        if (c->memo[i].is_manifest == is_manifest && strcmp(c->memo[i].digest, digest) == 0)
            return &c->memo[i];
    return NULL;
}

void
wh_registry_client_memo_add(struct wh_registry_client *c, const char *digest, bool is_manifest,
                            unsigned char *buf_owned, size_t len, const char *content_type)
{
    struct wh_registry_memo *e;

    if (c->n_memo == c->memo_cap) {
        size_t cap = c->memo_cap == 0 ? 16 : c->memo_cap * 2;
        struct wh_registry_memo *m = realloc(c->memo, cap * sizeof(*m));

        if (m == NULL)
            wh_oom();
        c->memo = m;
        c->memo_cap = cap;
    }
    e = &c->memo[c->n_memo++];
    memset(e, 0, sizeof(*e));
    snprintf(e->digest, sizeof(e->digest), "%s", digest);
    e->is_manifest = is_manifest;
    e->buf = buf_owned;
    e->len = len;
    e->content_type = content_type != NULL ? wh_str_dup(content_type) : NULL;
}
