#ifndef WH_HTTP_SERVER_H
#define WH_HTTP_SERVER_H

#include "base/error.h"

struct wh_config;
struct wh_review_env;

/*
 * Serves the webhook until SIGTERM or SIGINT: one h2o event-loop thread (the caller's) behind
 * TLS 1.2+ with ALPN http/1.1 only (plain HTTP only when the config says `tls: false`), plus
 * cfg->workers review threads behind a queue of cfg->queue jobs. Routes: POST /validate,
 * GET /healthz, GET /readyz, GET /metrics. A watcher thread (pipeline/reload.h) reloads the
 * policy and the serving certificate/key when their files change (a Kubernetes ..data symlink
 * swap included; inotify plus a stat every cfg->reload_poll_ms) and on SIGHUP; new connections
 * get a new certificate at once, open ones keep theirs; a bad file keeps the last good one
 * (log, driftgate_reload_success{what} 0, /readyz detail). On SIGTERM/SIGINT it stops
 * accepting, finishes the reviews in flight (each is bounded by its deadline), closes idle
 * connections and returns WH_OK.
 * Fails (before serving) when the certificate, key or listen address cannot be used.
 * Installs handlers for SIGTERM, SIGINT and SIGHUP, and ignores SIGPIPE, for its duration.
 */
WH_MUST_CHECK enum wh_err wh_http_serve(const struct wh_config *cfg, struct wh_review_env *env,
                                        struct wh_error *err);

#endif
