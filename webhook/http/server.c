/*
 * The HTTPS front: one h2o event loop on the caller's thread, TLS via OpenSSL 3 (client
 * certificates when tls.clientCA is set), the probe port, routing, the 413 rewrite, timeouts,
 * signals and graceful shutdown. Connection and body bounds are conns.c's; reviews run on the
 * worker pool (validate.c, mutate.c).
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "config.h"
#include "http/internal.h"
#include "metrics/metrics.h"
#include "pipeline/reload.h"
#include "pipeline/review.h"
#include "pipeline/workers.h"

/* base/log.c's buffer while serving: about 500 review lines of 2 KB, or 16 full 64 KiB ones.
 * Beyond it lines are dropped and counted (driftgate_log_lines_dropped_total), never waited for. */
#define LOG_BUFFER_BYTES (1u << 20)
/* How long shutdown waits for idle keep-alive connections to close once reviews are done. */
#define CLOSE_GRACE_MS 2000
/* Kernel receive buffer of each connection (Linux doubles it): what one connection can add to
 * its input in one loop iteration, so conns.c's budget is checked in steps this small. A 3 MiB
 * review still arrives in milliseconds on a cluster network. */
#define RECV_BUFFER_BYTES (16 * 1024)

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
/* SSL_CTX ex_data slot holding the struct wh_http_server (on_tls_info); -1 until first serve. */
static int server_ex_index = -1;

struct route_handler {
    h2o_handler_t super;
    struct wh_http_server *server;
    bool is_probe; /* server.probeListen: health and metrics only */
};

struct json_413_filter {
    h2o_filter_t super;
    struct wh_http_server *server;
};

struct json_413_ostream {
    h2o_ostream_t super;
    struct wh_str body;
};

/* A certificate (with its chain) and key read by the watcher thread; immutable once published.
 * OpenSSL objects are reference-counted: each handshake takes its own references. */
struct wh_http_tls_pair {
    X509 *cert;
    STACK_OF(X509) * chain; /* the intermediates after the leaf in the PEM file; may be empty */
    EVP_PKEY *key;
};

static void
on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static bool
method_is(h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

static bool
path_is(h2o_req_t *req, const char *p)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, p, strlen(p));
}

static void
send_405(h2o_req_t *req, const char *allow)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
    wh_http_send_json_error(req, 405, "method not allowed");
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct wh_http_server *s = ((struct route_handler *)self)->server;
    bool is_probe = ((struct route_handler *)self)->is_probe;

    if (!is_probe && (path_is(req, "/validate") || path_is(req, "/mutate"))) {
        if (!method_is(req, "POST"))
            send_405(req, "POST");
        else if (path_is(req, "/validate"))
            wh_http_validate(s, req);
        else
            wh_http_mutate(s, req);
    } else if (path_is(req, "/healthz") || path_is(req, "/readyz") || path_is(req, "/metrics")) {
        if (!method_is(req, "GET") && !method_is(req, "HEAD"))
            send_405(req, "GET, HEAD");
        else if (path_is(req, "/healthz"))
            wh_http_healthz(s, req);
        else if (path_is(req, "/readyz"))
            wh_http_readyz(s, req);
        else
            wh_http_metrics(s, req);
    } else if (is_probe) {
        wh_http_send_json_error(req, 404,
                                "not found: this port serves only /healthz, /readyz and /metrics");
    } else {
        wh_http_send_json_error(req, 404,
                                "not found: the webhook serves POST /validate and POST /mutate");
    }
    return 0;
}

/* h2o answers an over-limit Content-Length itself, in text/plain, before any handler runs;
 * this filter swaps that body for JSON so every error the apiserver sees has one shape. */
static void
json_413_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
              h2o_send_state_t state)
{
    struct json_413_ostream *os = (struct json_413_ostream *)self;
    h2o_iovec_t body = h2o_iovec_init(os->body.ptr, os->body.len);

    (void)bufs;
    if (bufcnt == 0 || os->body.len == 0) {
        h2o_ostream_send_next(self, req, NULL, 0, state);
        return;
    }
    os->body.len = 0; /* send our body once, whatever the original chunking */
    h2o_ostream_send_next(self, req, &body, 1, state);
}

static void
on_setup_ostream_413(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    struct wh_http_server *s = ((struct json_413_filter *)self)->server;

    if (req->res.status == 413) {
        struct json_413_ostream *os =
            (struct json_413_ostream *)h2o_add_ostream(req, sizeof(*os), slot);

        os->super.do_send = json_413_send;
        os->body = (struct wh_str){s->too_large_json.ptr, s->too_large_json.len};
        req->res.content_length = os->body.len;
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                       H2O_STRLIT("application/json"), 1);
        slot = &os->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

/* notAfter of the context's certificate as Unix time; 0 when unreadable. */
static time_t
cert_not_after(SSL_CTX *ctx)
{
    X509 *cert = SSL_CTX_get0_certificate(ctx);
    struct tm tm;

    if (cert == NULL || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1)
        return 0;
    return timegm(&tm);
}

/* Loop thread, OpenSSL's info callback: a handshake driftgate ends with a fatal alert (no client
 * certificate, an unknown CA, an old protocol...) is counted by alert and logged with the reason,
 * at most 10 lines a second. h2o 2.2.5 closes such a connection without flushing the alert, so
 * the peer only sees the connection end; this is where an operator learns why. */
static void
on_tls_info(const SSL *ssl, int where, int value)
{
    struct wh_http_server *s;
    const char *alert;
    struct sockaddr_storage ss;
    char addr[INET6_ADDRSTRLEN] = "?";
    h2o_socket_t *sock;
    int64_t now;
    long verify;

    if ((where & SSL_CB_WRITE_ALERT) == 0 || (value >> 8) != SSL3_AL_FATAL)
        return;
    s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), server_ex_index);
    if (s == NULL)
        return;
    /* OpenSSL 3.0's table predates TLS 1.3's certificate_required (RFC 8446 §6.2). */
    alert = (value & 0xff) == 116 ? "certificate required" : SSL_alert_desc_string_long(value);
    wh_metrics_counter_add(s->m_tls_refused, (const char *const[]){alert}, 1);
    now = wh_clock_mono_ms();
    if (now - s->tls_refused_window_ms >= 1000) {
        s->tls_refused_window_ms = now;
        s->tls_refused_logged = 0;
    }
    if (s->tls_refused_logged++ >= 10)
        return;
    /* h2o's BIO carries its socket (socket.c reads it back the same way). */
    sock = BIO_get_data(SSL_get_rbio(ssl));
    if (sock != NULL && h2o_socket_getpeername(sock, (struct sockaddr *)&ss) != 0) {
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr));
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr));
    }
    verify = SSL_get_verify_result(ssl);
    wh_log(WH_LOG_WARN, "tls: handshake from %s refused: %s%s%s", addr, alert,
           verify != X509_V_OK ? ": client certificate: " : "",
           verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "");
}

/* tls.clientCA (and tls.clientNames): a handshake without a certificate chaining to the CA,
 * valid for TLS client authentication and carrying one of the names, is refused. */
static enum wh_err
require_client_cert(const struct wh_config *cfg, SSL_CTX *ctx, struct wh_error *err)
{
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->tls_client_ca);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    char what[600];
    size_t i;

    snprintf(what, sizeof(what), "tls.clientCA %s", cfg->tls_client_ca);
    if (names == NULL)
        return wh_error_openssl(err, WH_E_INVALID, what);
    SSL_CTX_set_client_CA_list(ctx, names); /* the CertificateRequest names it */
    if (SSL_CTX_load_verify_locations(ctx, cfg->tls_client_ca, NULL) != 1)
        return wh_error_openssl(err, WH_E_INVALID, what);
    /* OpenSSL checks a server's peer for the sslclient purpose (extendedKeyUsage clientAuth when
     * present), so driftgate's own serving certificate, signed by the same CA, is refused. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_verify_depth(ctx, 4);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_WILDCARDS);
    for (i = 0; i < cfg->n_tls_client_names; i++)
        if (X509_VERIFY_PARAM_add1_host(param, cfg->tls_client_names[i], 0) != 1)
            return wh_error_openssl(err, WH_E_INVALID, "tls.clientNames");
    /* Resumed sessions keep the verified peer; OpenSSL refuses to resume without this. */
    if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"driftgate", 9) != 1)
        return wh_error_openssl(err, WH_E_INTERNAL, "SSL_CTX_set_session_id_context");
    return WH_OK;
}

static enum wh_err
new_ssl_ctx(const struct wh_config *cfg, bool with_client_auth, SSL_CTX **out, struct wh_error *err)
{
    /* ALPN: http/1.1 only. h2 would be picked by a loopback apiserver, and this h2o build
     * predates the HTTP/2 rapid-reset fixes (notes/c-stack.md). */
    static const h2o_iovec_t alpn[] = {{H2O_STRLIT("http/1.1")}, {NULL, 0}};
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL)
        return wh_error_openssl(err, WH_E_INTERNAL, "SSL_CTX_new");
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        SSL_CTX_free(ctx);
        return wh_error_openssl(err, WH_E_INTERNAL, "SSL_CTX_set_min_proto_version");
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* An idle connection gives its 34 KB of record buffers back (server.maxConnections). */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        SSL_CTX_free(ctx);
        return wh_error_openssl(err, WH_E_INVALID, cfg->tls_cert);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx);
        return wh_error_openssl(err, WH_E_INVALID, cfg->tls_key);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return wh_error_openssl(err, WH_E_INVALID, "tls key does not match the certificate");
    }
    if (with_client_auth && cfg->tls_client_ca != NULL &&
        require_client_cert(cfg, ctx, err) != WH_OK) {
        SSL_CTX_free(ctx);
        return err->code;
    }
    h2o_ssl_register_alpn_protocols(ctx, alpn);
    SSL_CTX_set_info_callback(ctx, on_tls_info);
    *out = ctx;
    return WH_OK;
}

/* `what` names the setting in errors ("listen", "server.probeListen"); `text` its value. */
static enum wh_err
open_listener(const char *what, const char *text, const char *host, uint16_t port, int *out,
              struct wh_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, on = 1, rcvbuf = RECV_BUFFER_BYTES;

    memset(&ss, 0, sizeof(ss));
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return wh_error_set(err, WH_E_INVALID, "%s: bad address %s", what, host);
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return wh_error_set(err, WH_E_INVALID, "%s: bad address %s", what, host);
        len = sizeof(*a);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wh_error_set(err, WH_E_UNAVAILABLE, "%s: socket: %s", what, strerror(errno));
    /* Set on the listener, accepted sockets inherit it before their first window is sent. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;

        close(fd);
        return wh_error_set(err, WH_E_UNAVAILABLE, "%s on %s: %s", what, text, strerror(e));
    }
    *out = fd;
    return WH_OK;
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
    struct wh_http_server *s = listener->data;

    if (err == NULL)
        wh_http_conns_accept(s, listener, &s->accept_ctx, false);
}

static void
on_accept_probe(h2o_socket_t *listener, const char *err)
{
    struct wh_http_server *s = listener->data;

    if (err == NULL)
        wh_http_conns_accept(s, listener, &s->probe_accept_ctx, true);
}

/* Watcher thread: the policy file changed (or SIGHUP). The env logs, counts and keeps the
 * last good snapshot on failure. */
static enum wh_err
reload_policy(void *arg, struct wh_error *err)
{
    struct wh_http_server *s = arg;

    return wh_pipeline_env_reload(s->env, err);
}

static void
tls_pair_free(struct wh_http_tls_pair *p)
{
    if (p == NULL)
        return;
    X509_free(p->cert);
    sk_X509_pop_free(p->chain, X509_free);
    EVP_PKEY_free(p->key);
    free(p);
}

/* Reads cfg's certificate chain and key and checks they belong together. */
static enum wh_err
tls_pair_load(const struct wh_config *cfg, struct wh_http_tls_pair **out, struct wh_error *err)
{
    struct wh_http_tls_pair *p = calloc(1, sizeof(*p));
    BIO *bio = NULL;
    X509 *extra;
    enum wh_err rc = WH_OK;

    if (p == NULL || (p->chain = sk_X509_new_null()) == NULL)
        wh_oom();
    if ((bio = BIO_new_file(cfg->tls_cert, "r")) == NULL ||
        (p->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
        rc = wh_error_openssl(err, WH_E_INVALID, cfg->tls_cert);
        goto out;
    }
    while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (sk_X509_push(p->chain, extra) <= 0)
            wh_oom();
    ERR_clear_error(); /* the loop ends on "no start line" */
    BIO_free(bio);
    if ((bio = BIO_new_file(cfg->tls_key, "r")) == NULL ||
        (p->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
        rc = wh_error_openssl(err, WH_E_INVALID, cfg->tls_key);
        goto out;
    }
    if (X509_check_private_key(p->cert, p->key) != 1) {
        char what[600];

        snprintf(what, sizeof(what), "%s does not match the certificate", cfg->tls_key);
        rc = wh_error_openssl(err, WH_E_INVALID, what);
        goto out;
    }
out:
    BIO_free(bio);
    if (rc != WH_OK)
        tls_pair_free(p);
    else
        *out = p;
    return rc;
}

/* Loop thread, in each handshake (SSL_CTX_set_cert_cb): the newest reloaded pair. The mutex is
 * held for a few reference-count increments; the watcher holds it only to swap a pointer. */
static int
on_cert(SSL *ssl, void *arg)
{
    struct wh_http_server *s = arg;
    int ok = 1;

    pthread_mutex_lock(&s->tls_lock);
    if (s->tls != NULL)
        ok = SSL_use_cert_and_key(ssl, s->tls->cert, s->tls->key, s->tls->chain, 1) == 1;
    pthread_mutex_unlock(&s->tls_lock);
    return ok;
}

/* Watcher thread: the certificate or key changed. The new pair is read and checked here (file
 * reads and key parsing stay off the loop thread) and published for new handshakes;
 * connections already open keep theirs. A pair that does not load or match keeps the old one.
 * [Why not swap SSL_CTXs: one context for the server's life has no cross-thread lifetime.] */
static enum wh_err
reload_tls(void *arg, struct wh_error *err)
{
    struct wh_http_server *s = arg;
    struct wh_http_tls_pair *fresh, *old;
    time_t not_after = 0;
    struct tm tm;
    enum wh_err rc;

    if ((rc = tls_pair_load(s->cfg, &fresh, err)) != WH_OK) {
        wh_error_wrap(err, "tls reload");
        wh_pipeline_env_note_reload(s->env, "tls", err->msg);
        return rc;
    }
    if (ASN1_TIME_to_tm(X509_get0_notAfter(fresh->cert), &tm) == 1)
        not_after = timegm(&tm);
    pthread_mutex_lock(&s->tls_lock);
    old = s->tls;
    s->tls = fresh;
    pthread_mutex_unlock(&s->tls_lock);
    tls_pair_free(old);
    wh_metrics_gauge_set(s->metrics->cert_expiry, NULL, (double)not_after);
    wh_pipeline_env_note_reload(s->env, "tls", NULL);
    wh_log(WH_LOG_INFO, "tls: serving certificate reloaded from %s (notAfter %lld)",
           s->cfg->tls_cert, (long long)not_after);
    return WH_OK;
}

static enum wh_err
start_reload(struct wh_http_server *s, struct wh_error *err)
{
    const char *policy[] = {s->cfg->policy_path};
    const char *tls[] = {s->cfg->tls_cert, s->cfg->tls_key};

    s->reload = wh_pipeline_reload_new(s->cfg->reload_poll_ms);
    wh_pipeline_reload_watch(s->reload, "policy", policy, 1, reload_policy, s);
    if (s->cfg->tls_enabled)
        wh_pipeline_reload_watch(s->reload, "tls", tls, 2, reload_tls, s);
    /* Trust roots reload with the policy (wh_pipeline_env_reload loads both); at most 4 paths
     * are watched, more still reload on SIGHUP and policy changes. */
    if (s->cfg->n_trust_roots > 0)
        wh_pipeline_reload_watch(s->reload, "trust", (const char *const *)s->cfg->trust_roots,
                                 s->cfg->n_trust_roots < 4 ? s->cfg->n_trust_roots : 4,
                                 reload_policy, s);
    return wh_pipeline_reload_start(s->reload, err);
}

static void
install_signals(struct sigaction *old_term, struct sigaction *old_int, struct sigaction *old_hup,
                struct sigaction *old_pipe)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, old_term);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGHUP, &sa, old_hup);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, old_pipe);
}

/* True when no connection and no timer of the context is pending, so it can be disposed. */
static bool
is_quiet(h2o_context_t *ctx)
{
    h2o_timeout_t *timeouts[] = {&ctx->zero_timeout,
                                 &ctx->one_sec_timeout,
                                 &ctx->hundred_ms_timeout,
                                 &ctx->handshake_timeout,
                                 &ctx->http1.req_timeout,
                                 &ctx->http2.idle_timeout,
                                 &ctx->http2.graceful_shutdown_timeout};
    size_t i;

    if (!h2o_linklist_is_empty(&ctx->http1._conns) || !h2o_linklist_is_empty(&ctx->http2._conns))
        return false;
    for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
        if (!h2o_linklist_is_empty(&timeouts[i]->_entries))
            return false; /* e.g. a closing TLS socket's one-second linger */
    return true;
}

/* Stop accepting, let reviews in flight answer, then close idle keep-alive connections. */
static bool
drain(struct wh_http_server *s, h2o_evloop_t *loop, h2o_socket_t *listener,
      h2o_socket_t *probe_listener)
{
    int64_t close_deadline;

    h2o_socket_read_stop(listener);
    h2o_socket_close(listener);
    if (probe_listener != NULL) {
        h2o_socket_read_stop(probe_listener);
        h2o_socket_close(probe_listener);
    }
    /* http1 closes each connection after its next response once shutdown is requested. */
    h2o_context_request_shutdown(&s->ctx);
    /* Reviews are bounded by their own deadlines (≤ reviewMaxSeconds), so this ends. */
    while (s->in_flight > 0) {
        h2o_evloop_run(loop, 100);
        wh_http_conns_balance(s);
    }
    /* Paused connections wait in h2o's request timeout too, so they close with the idle ones. */
    /* Idle keep-alive connections wait on req_timeout and handshakes on handshake_timeout;
     * timeouts are compared at run time, so zero makes them all expire now. */
    s->ctx.http1.req_timeout.timeout = 0;
    s->ctx.handshake_timeout.timeout = 0;
    close_deadline = wh_clock_mono_ms() + CLOSE_GRACE_MS;
    while (!is_quiet(&s->ctx) && wh_clock_left_ms(close_deadline) > 0)
        h2o_evloop_run(loop, 10);
    return is_quiet(&s->ctx);
}

static enum wh_err
make_413_body(struct wh_http_server *s)
{
    char msg[128];

    snprintf(msg, sizeof(msg), "request body exceeds limits.bodyBytes (%zu bytes)",
             s->cfg->limits.body_bytes);
    wh_buf_init(&s->too_large_json, 512);
    wh_buf_append_c(&s->too_large_json, "{\"error\":");
    wh_buf_append_json_string(&s->too_large_json, wh_str_c(msg));
    wh_buf_append_c(&s->too_large_json, "}\n");
    return s->too_large_json.overflow ? WH_E_INTERNAL : WH_OK;
}

/* One host with one path whose handler routes every request; its fallback path carries the JSON
 * 413 filter (h2o sends the 413 before routing). Each listener's accept context names its own
 * host, so the probe port never routes to /validate whatever Host header a peer sends. */
static h2o_hostconf_t *
register_host(h2o_globalconf_t *globalconf, const char *name, struct wh_http_server *s,
              bool is_probe)
{
    h2o_hostconf_t *hostconf =
        h2o_config_register_host(globalconf, h2o_iovec_init(name, strlen(name)), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    struct route_handler *handler =
        (struct route_handler *)h2o_create_handler(pathconf, sizeof(*handler));
    struct json_413_filter *filter =
        (struct json_413_filter *)h2o_create_filter(&hostconf->fallback_path, sizeof(*filter));

    handler->super.on_req = on_req;
    handler->server = s;
    handler->is_probe = is_probe;
    filter->super.on_setup_ostream = on_setup_ostream_413;
    filter->server = s;
    return hostconf;
}

/* The TLS contexts and listening sockets, before anything else starts; on error nothing is
 * left open. */
static enum wh_err
open_front(const struct wh_config *cfg, SSL_CTX **ssl_ctx, SSL_CTX **probe_ssl_ctx, int *fd,
           int *probe_fd, struct wh_error *err)
{
    enum wh_err rc;

    *ssl_ctx = *probe_ssl_ctx = NULL;
    *fd = *probe_fd = -1;
    if (cfg->tls_enabled && new_ssl_ctx(cfg, true, ssl_ctx, err) != WH_OK)
        return wh_error_wrap(err, "tls");
    if (cfg->probe_port != 0 && (rc = new_ssl_ctx(cfg, false, probe_ssl_ctx, err)) != WH_OK) {
        wh_error_wrap(err, "tls (server.probeListen)");
        goto fail;
    }
    if ((rc = open_listener("listen", cfg->listen, cfg->listen_host, cfg->listen_port, fd, err)) !=
        WH_OK)
        goto fail;
    if (cfg->probe_port != 0 &&
        (rc = open_listener("server.probeListen", cfg->probe_listen, cfg->probe_host,
                            cfg->probe_port, probe_fd, err)) != WH_OK)
        goto fail;
    return WH_OK;
fail:
    if (*fd >= 0)
        close(*fd);
    SSL_CTX_free(*ssl_ctx);
    SSL_CTX_free(*probe_ssl_ctx);
    *ssl_ctx = *probe_ssl_ctx = NULL;
    *fd = -1;
    return rc;
}

enum wh_err
wh_http_serve(const struct wh_config *cfg, struct wh_review_env *env, struct wh_error *err)
{
    struct wh_http_server s;
    h2o_globalconf_t globalconf;
    h2o_hostconf_t *hosts[2] = {NULL, NULL}, *probe_hosts[2] = {NULL, NULL};
    h2o_evloop_t *loop;
    h2o_socket_t *listener, *probe_listener = NULL;
    SSL_CTX *ssl_ctx, *probe_ssl_ctx;
    struct sigaction old_term, old_int, old_hup, old_pipe;
    bool is_clean;
    enum wh_err rc;
    int fd, probe_fd;

    memset(&s, 0, sizeof(s));
    s.cfg = cfg;
    s.env = env;
    s.metrics = wh_pipeline_env_metrics(env);
    if (make_413_body(&s) != WH_OK) {
        wh_buf_fini(&s.too_large_json);
        return wh_error_set(err, WH_E_INTERNAL, "413 body overflow");
    }
    if ((rc = open_front(cfg, &ssl_ctx, &probe_ssl_ctx, &fd, &probe_fd, err)) != WH_OK) {
        wh_buf_fini(&s.too_large_json);
        return rc;
    }
    if (ssl_ctx != NULL) {
        wh_metrics_gauge_set(s.metrics->cert_expiry, NULL, (double)cert_not_after(ssl_ctx));
        wh_pipeline_env_note_reload(env, "tls", NULL);
    }
    if ((rc = wh_pipeline_workers_new(env, cfg->workers, cfg->queue, &s.workers, err)) != WH_OK) {
        close(fd);
        if (probe_fd >= 0)
            close(probe_fd);
        SSL_CTX_free(ssl_ctx);
        SSL_CTX_free(probe_ssl_ctx);
        wh_buf_fini(&s.too_large_json);
        return rc;
    }
    wh_http_conns_init(&s);
    h2o_config_init(&globalconf);
    globalconf.max_request_entity_size = cfg->limits.body_bytes;
    globalconf.http1.upgrade_to_http2 = 0; /* no h2c either */
    /* h2o 2.2.5 has one timer for a request's header and body and for the idle time before the
     * next request on a keep-alive connection: slowloris headers, a body one byte short and an
     * idle connection all end there. The handshake has its own. */
    globalconf.http1.req_timeout = (uint64_t)cfg->request_timeout_ms;
    globalconf.handshake_timeout = (uint64_t)cfg->handshake_timeout_ms;
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("driftgate"));
    hosts[0] = register_host(&globalconf, "default", &s, false);
    if (probe_fd >= 0)
        probe_hosts[0] = register_host(&globalconf, "probe", &s, true);

    loop = h2o_evloop_create();
    h2o_context_init(&s.ctx, loop, &globalconf);
    s.queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(s.queue, &s.done_receiver, wh_http_validate_done);
    pthread_mutex_init(&s.tls_lock, NULL);
    if (server_ex_index < 0)
        server_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    s.m_tls_refused =
        wh_metrics_counter_new(s.metrics->metrics, "driftgate_tls_handshakes_refused_total",
                               "TLS handshakes ended with a fatal alert, by alert (certificate "
                               "required, unknown CA, ...).",
                               "alert");
    s.m_loop_reviews = wh_metrics_counter_new(
        s.metrics->metrics, "driftgate_loop_reviews_total",
        "Reviews answered on the event loop thread because every image was cached (no worker).",
        NULL);
    s.m_log_dropped = wh_metrics_counter_new(
        s.metrics->metrics, "driftgate_log_lines_dropped_total",
        "Log lines dropped because the log buffer was full (stderr read too slowly).", NULL);
    if (ssl_ctx != NULL) {
        SSL_CTX_set_cert_cb(ssl_ctx, on_cert, &s);
        SSL_CTX_set_ex_data(ssl_ctx, server_ex_index, &s);
    }
    if (probe_ssl_ctx != NULL) {
        SSL_CTX_set_cert_cb(probe_ssl_ctx, on_cert, &s);
        SSL_CTX_set_ex_data(probe_ssl_ctx, server_ex_index, &s);
    }
    s.accept_ctx.ctx = &s.ctx;
    s.accept_ctx.hosts = hosts;
    s.accept_ctx.ssl_ctx = ssl_ctx;
    listener = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    listener->data = &s;
    h2o_socket_read_start(listener, on_accept);
    if (probe_fd >= 0) {
        s.probe_accept_ctx.ctx = &s.ctx;
        s.probe_accept_ctx.hosts = probe_hosts;
        s.probe_accept_ctx.ssl_ctx = probe_ssl_ctx;
        probe_listener = h2o_evloop_socket_create(loop, probe_fd, H2O_SOCKET_FLAG_DONT_READ);
        probe_listener->data = &s;
        h2o_socket_read_start(probe_listener, on_accept_probe);
    }
    if (start_reload(&s, err) != WH_OK) /* only when no thread can start */
        wh_log(WH_LOG_ERROR, "%s: files will reload on restart only", err->msg);

    stop_requested = 0;
    reload_requested = 0;
    install_signals(&old_term, &old_int, &old_hup, &old_pipe);
    /* From here the loop thread never write(2)s a log line: base/log.c's writer thread does,
     * and a line that does not fit is dropped and counted (driftgate_log_lines_dropped_total).
     * wh_log_buffer_stop below writes out what is left. */
    if (!wh_log_buffer_start(STDERR_FILENO, LOG_BUFFER_BYTES))
        wh_log(WH_LOG_WARN, "log: writer thread did not start: logging unbuffered");
    wh_log(WH_LOG_INFO,
           "serving on %s (%s%s, %u workers, queue %zu, at most %zu connections and %zu request "
           "bytes in flight)%s%s",
           cfg->listen, cfg->tls_enabled ? "https" : "plain http: tests only",
           cfg->tls_client_ca != NULL ? " with client certificates" : "", cfg->workers, cfg->queue,
           cfg->max_connections, cfg->max_inflight_body_bytes,
           cfg->probe_port != 0 ? "; probes on " : "",
           cfg->probe_port != 0 ? cfg->probe_listen : "");
    if (cfg->tls_client_ca != NULL && cfg->probe_port == 0)
        wh_log(WH_LOG_WARN, "tls.clientCA is set and server.probeListen is not: kubelet probes "
                            "and scrapers need a client certificate too");

    while (!stop_requested) {
        h2o_evloop_run(loop, 1000); /* a signal interrupts the wait at once */
        wh_http_conns_balance(&s);
        if (reload_requested) {
            reload_requested = 0;
            wh_log_buffer_flush(); /* what came before the reload reaches the file first */
            wh_pipeline_reload_request(s.reload);
        }
    }
    wh_log(WH_LOG_INFO, "shutting down: %zu reviews in flight", s.in_flight);
    is_clean = drain(&s, loop, listener, probe_listener);
    wh_pipeline_reload_free(
        s.reload); /* a load in progress finishes; no message comes after this */
    wh_pipeline_workers_free(s.workers);
    /* Anything the workers posted meanwhile is delivered here. */
    h2o_evloop_run(loop, 0);
    h2o_multithread_unregister_receiver(s.queue, &s.done_receiver);
    h2o_multithread_destroy_queue(s.queue);
    /* h2o 2.2.5's evloop destroy_queue closes the queue's sockets but never frees the struct
     * (LeakSanitizer shows it); same for the context's own queue below. */
    free(s.queue);
    if (is_clean) {
        h2o_multithread_queue_t *ctx_queue = s.ctx.queue;

        h2o_context_dispose(&s.ctx);
        free(ctx_queue);
        h2o_evloop_destroy(loop);
        h2o_config_dispose(&globalconf);
    } else {
        /* Tearing down a context with live connections trips h2o's assertions; the process
         * is exiting, so leave them to the kernel. */
        wh_log(WH_LOG_WARN, "shutdown: connections still open after %d ms", CLOSE_GRACE_MS);
    }
    SSL_CTX_free(ssl_ctx);
    SSL_CTX_free(probe_ssl_ctx);
    tls_pair_free(s.tls);
    pthread_mutex_destroy(&s.tls_lock);
    wh_buf_fini(&s.too_large_json);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    wh_log(WH_LOG_INFO,
           "stopped (%llu reviews refused with a full queue, %llu connections over the cap)",
           s.queue_full, s.rejected);
    wh_log_buffer_stop();
    return WH_OK;
}
