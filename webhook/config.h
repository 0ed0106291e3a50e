#ifndef WH_CONFIG_H
#define WH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/log.h"
#include "registry/client.h"

/*
 * The server configuration (`driftgate serve --config FILE`). Transparent: every field has a
 * default (wh_config_defaults), so a zero-line file, or no file, is a working config. Strings are
 * NUL-terminated and owned by `arena` (or static defaults); they live until wh_config_fini.
 * Empty strings in the file ("") become NULL.
 */
struct wh_config {
    const char *path; /* file it was loaded from; NULL for pure defaults */

    /* listen: "HOST:PORT", numeric IPv4 or [IPv6]; default "0.0.0.0:8443" */
    const char *listen;
    char listen_host[46]; /* numeric address without brackets (INET6_ADDRSTRLEN) */
    uint16_t listen_port;

    /* tls: {cert, key}; `tls: false` (explicitly) serves plain HTTP, for tests only */
    bool tls_enabled;
    const char *tls_cert;
    const char *tls_key;
    /* tls.clientCA: PEM CA file; when set, every handshake on `listen` must present a client
     * certificate chaining to it (the kube-apiserver's, from its admission-control kubeconfig),
     * or it is refused. tls.clientNames: when set, that certificate must also carry one of these
     * names (a DNS SAN, or the CN when it has no DNS SAN). NULL / 0: no client authentication. */
    const char *tls_client_ca;
    const char **tls_client_names;
    size_t n_tls_client_names;

    /* server: what one peer can make the front hold (webhook/http/server.c). */
    size_t max_connections; /* open connections on `listen`; more are closed at accept; 256 */
    size_t max_inflight_body_bytes; /* request bytes buffered or queued, all connections; 16 MiB */
    int64_t request_timeout_ms;     /* a request's header and body must arrive within this, and a
                                     * keep-alive connection may idle this long; 10 s */
    int64_t handshake_timeout_ms;   /* TLS handshake; 5 s */
    /* server.probeListen "HOST:PORT": a second TLS port serving only GET /healthz, /readyz and
     * /metrics, without client authentication (for kubelet probes and scrapers when
     * tls.clientCA is set); probe_port 0 when unset. */
    const char *probe_listen;
    char probe_host[46];
    uint16_t probe_port;

    const char *policy_path;
    const char **policy_key_dirs; /* where the policy's key files may be (none: its directory) */
    size_t n_policy_key_dirs;
    const char **trust_roots; /* trusted_root.json paths */
    size_t n_trust_roots;

    /* registry: {dockerConfig, caFile, plainHTTP, caFiles, maxConcurrentPerRegistry,
     * parallelFetches, retry: {maxAttempts, baseMillis, maxWaitMillis}}, read straight into the
     * registry client's options (registry/client.h), which the pipeline passes on whole (its
     * `limits` are `limits` below). Defaults: 8 in flight per registry, 4 fetches at once per
     * review, 4 attempts, 200 ms first backoff, 10 s longest wait; caFiles hosts unique
     * (case-insensitive). */
    struct wh_registry_options registry;

    /* kube: {apiServer, tokenFile, caFile, secretTTLSeconds} — reading imagePullSecrets.
     * apiServer NULL: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT when set. */
    const char *kube_api_server;
    const char *kube_token_file; /* /var/run/secrets/kubernetes.io/serviceaccount/token */
    const char *kube_ca_file;    /* /var/run/secrets/kubernetes.io/serviceaccount/ca.crt */
    int64_t kube_secret_ttl_s;   /* pull secrets cached this long; 60 */

    struct wh_limits limits;

    /* timeouts: {reviewMaxSeconds, marginMillis, registryConnectMillis} */
    int64_t review_max_ms;       /* cap on one review's budget; default 25 s, at most 30 s */
    int64_t margin_ms;           /* answer this long before the apiserver's ?timeout; 1 s */
    int64_t registry_connect_ms; /* 2 s */

    /* reload: {pollMillis}: stat fallback period of the file watcher (0: inotify only); 10 s */
    int64_t reload_poll_ms;

    unsigned workers; /* worker threads; default 4 */
    size_t queue;     /* bounded job queue; default 64 */

    /* cache: {entries, bytes, tagTTLSeconds, failureTTLSeconds} */
    size_t cache_entries;
    size_t cache_bytes;
    int64_t cache_tag_ttl_s;
    int64_t cache_failure_ttl_s;

    enum wh_log_level log_level; /* log: {level: debug|info|warn|error} */

    struct wh_arena arena; /* owns every string and array above that came from the file */
};

/* Fills *c with the defaults. Never fails; wh_config_fini on it is safe and frees nothing. */
void wh_config_defaults(struct wh_config *c);

/*
 * Loads YAML from `path` over the defaults. Strict: unknown or duplicate keys, aliases, wrong
 * types and out-of-range values are WH_E_INVALID with "path:line:col: ..."; a file larger than
 * 1 MiB is WH_E_LIMIT. *out is valid only on WH_OK, and then needs wh_config_fini.
 */
WH_MUST_CHECK enum wh_err wh_config_load(const char *path, struct wh_config *out,
                                         struct wh_error *err);

/* Parses "HOST:PORT" (numeric IPv4, or [IPv6]) into host and port; WH_E_INVALID otherwise. */
WH_MUST_CHECK enum wh_err wh_config_listen_parse(const char *text, char host[46], uint16_t *port,
                                                 struct wh_error *err);

void wh_config_fini(struct wh_config *c);

#endif
