#ifndef WH_HTTP_INTERNAL_H
#define WH_HTTP_INTERNAL_H

/* Shared between the files of http/ only: the server state and the route handlers. */
#include <h2o.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

struct wh_config;
struct wh_http_tls_pair;
struct wh_reload;
struct wh_review_env;
struct wh_review_metrics;
struct wh_workers;

/* Lives on wh_http_serve's stack; every field is touched only by the loop thread, except
 * `done_receiver`, which worker threads post to. */
struct wh_http_server {
    const struct wh_config *cfg;
    struct wh_review_env *env;
    struct wh_review_metrics *metrics; /* the env's */
    struct wh_workers *workers;
    struct wh_reload *reload; /* policy and certificate watcher (its own thread) */
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t done_receiver; /* finished reviews, back on the loop thread */
    /* The certificate and key handed to each new TLS handshake (server.c on_cert); NULL until
     * the first reload: the SSL_CTX's own pair serves. Swapped by the watcher thread. */
    pthread_mutex_t tls_lock;
    struct wh_http_tls_pair *tls;
    size_t in_flight;              /* reviews submitted and not yet answered */
    unsigned long long queue_full; /* /validate answered 503 because the queue was full */
    struct wh_buf too_large_json;  /* the 413 body, rendered once */
};

/* Sends `body` with `status` and `content_type`; the body is copied into the request's pool. */
void wh_http_send(h2o_req_t *req, int status, const char *content_type, struct wh_str body);
/* Sends {"error": msg} with `status`. */
void wh_http_send_json_error(h2o_req_t *req, int status, const char *msg);

/* Route handlers (loop thread). */
void wh_http_validate(struct wh_http_server *s, h2o_req_t *req);
void wh_http_healthz(struct wh_http_server *s, h2o_req_t *req);
void wh_http_readyz(struct wh_http_server *s, h2o_req_t *req);
void wh_http_metrics(struct wh_http_server *s, h2o_req_t *req);
/* The multithread receiver for finished reviews. */
void wh_http_validate_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/* Parses the apiserver's `timeout` query value, a Go duration ("10s", "1m30s", "500ms") into
 * milliseconds. false when absent or malformed. Pure. */
bool wh_http_timeout_parse(struct wh_str query, int64_t *out_ms);
/* Review budget: min(timeout − margin, max), but never under half the timeout; `max` when the
 * apiserver sent no timeout (timeout_ms < 0). Pure. */
int64_t wh_http_budget_ms(int64_t timeout_ms, int64_t margin_ms, int64_t max_ms);

#endif
