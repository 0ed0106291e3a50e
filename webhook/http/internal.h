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
struct wh_metrics_family;
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
    h2o_accept_ctx_t probe_accept_ctx; /* server.probeListen (health and metrics only) */
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t done_receiver; /* finished reviews, back on the loop thread */
    /* The certificate and key handed to each new TLS handshake (server.c on_cert); NULL until
     * the first reload: the SSL_CTX's own pair serves. Swapped by the watcher thread. */
    pthread_mutex_t tls_lock;
    struct wh_http_tls_pair *tls;
    size_t in_flight;              /* reviews submitted and not yet answered */
    unsigned long long queue_full; /* /validate answered 503 because the queue was full */
    struct wh_buf too_large_json;  /* the 413 body, rendered once */
    /* What peers hold (conns.c): connections, and request bytes buffered or queued. */
    h2o_linklist_t conns;        /* struct wh_http_conn, every open connection */
    h2o_linklist_t paused;       /* connections whose reads wait for body budget, oldest first */
    size_t n_conns;              /* on `listen` */
    size_t n_probe_conns;        /* on server.probeListen */
    size_t n_paused;             /* connections on `paused` */
    size_t queued_body_bytes;    /* request bodies copied into reviews not yet answered */
    size_t buffered_body_bytes;  /* connections' input buffers at the last balance */
    unsigned long long rejected; /* connections closed at accept: over the cap */
    int64_t rejected_logged_ms;  /* last log line about them (one a second at most) */
    struct wh_metrics_family *m_conns, *m_rejected, *m_body_bytes, *m_paused;
    /* TLS handshakes refused (server.c on_tls_info), and their rate-limited log lines. */
    struct wh_metrics_family *m_tls_refused;
    /* Reviews answered on this thread from the cache (validate.c answer_on_loop), and log lines
     * base/log.c dropped because its buffer was full (set at each scrape). */
    struct wh_metrics_family *m_loop_reviews, *m_log_dropped;
    int64_t tls_refused_window_ms;
    unsigned tls_refused_logged;
};

/*
 * Connections (conns.c), loop thread only. wh_http_conns_init registers the connection metrics
 * (driftgate_connections, driftgate_connections_rejected_total, driftgate_request_body_bytes,
 * driftgate_connections_paused). wh_http_conns_accept accepts one connection from `listener`:
 * over the listener's cap it is closed at once and counted, else tracked until h2o closes it and
 * handed to h2o with `accept_ctx`. wh_http_conns_balance runs after every loop iteration: when
 * the bytes buffered by connections plus the bodies queued for review exceed
 * server.maxBodyBytesInFlight, connections still reading a request of more than a few kilobytes
 * stop being read (the peer waits, its bytes stay in the kernel, its request timeout runs); they
 * are read again, oldest first, as the budget frees. Small requests are never held back.
 */
void wh_http_conns_init(struct wh_http_server *s);
void wh_http_conns_accept(struct wh_http_server *s, h2o_socket_t *listener,
                          h2o_accept_ctx_t *accept_ctx, bool is_probe);
void wh_http_conns_balance(struct wh_http_server *s);

/* Sends `body` with `status` and `content_type`; the body is copied into the request's pool. */
void wh_http_send(h2o_req_t *req, int status, const char *content_type, struct wh_str body);
/* Sends {"error": msg} with `status`. */
void wh_http_send_json_error(h2o_req_t *req, int status, const char *msg);

/* Route handlers (loop thread). */
void wh_http_validate(struct wh_http_server *s, h2o_req_t *req);
void wh_http_mutate(struct wh_http_server *s, h2o_req_t *req);
/* validate.c: queues `req`'s body for a worker that runs wh_pipeline_review_mutate when
 * `is_mutate`, else wh_pipeline_review_handle, and answers with its reply (or 400/503 at once). */
void wh_http_review_submit(struct wh_http_server *s, h2o_req_t *req, bool is_mutate);
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
