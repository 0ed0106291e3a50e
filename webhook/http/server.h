#ifndef WH_HTTP_SERVER_H
#define WH_HTTP_SERVER_H

#include "base/error.h"

struct wh_config;
struct wh_review_env;

/*
 * Serves the webhook until SIGTERM or SIGINT: one h2o event-loop thread (the caller's) behind
 * TLS 1.2+ with ALPN http/1.1 only (plain HTTP only when the config says `tls: false`), plus
 * cfg->workers review threads behind a queue of cfg->queue jobs. Routes: POST /validate,
 * POST /mutate, GET /healthz, GET /readyz, GET /metrics. With tls.clientCA every handshake on
 * `listen` needs a client certificate from that CA; server.probeListen adds a port serving only
 * the three GET routes, without one. What peers can make it hold is bounded (conns.c): at most
 * cfg->max_connections connections (more are closed at accept), cfg->max_inflight_body_bytes of
 * request bytes buffered or queued (connections reading large requests wait beyond it), a
 * request's header and body within cfg->request_timeout_ms, a handshake within
 * cfg->handshake_timeout_ms. A watcher thread (pipeline/reload.h) reloads the
 * policy and the serving certificate/key when their files change (a Kubernetes ..data symlink
 * swap included; inotify plus a stat every cfg->reload_poll_ms) and on SIGHUP; new connections
 * get a new certificate at once, open ones keep theirs; a bad file keeps the last good one
 * (log, driftgate_reload_success{what} 0, /readyz detail). On SIGTERM/SIGINT it stops
 * accepting, finishes the reviews in flight (each is bounded by its deadline), closes idle
 * connections and returns WH_OK.
 * Fails (before serving) when the certificate, key, client CA or a listen address cannot be used.
 * Installs handlers for SIGTERM, SIGINT and SIGHUP, and ignores SIGPIPE, for its duration.
 */
WH_MUST_CHECK enum wh_err wh_http_serve(const struct wh_config *cfg, struct wh_review_env *env,
                                        struct wh_error *err);

#endif
