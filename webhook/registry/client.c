/*
 * OCI distribution over libcurl: one long-lived easy handle per client (per worker thread), auth
 * challenges answered once and cached (Basic per registry, Bearer tokens per registry+scope until
 * they expire), every response capped and every body checked against the digest that named it.
 */
#include "registry/client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/file.h"
#include "registry/auth.h"
#include "registry/retry.h"

/* Wipes arena bytes reached through a const view: the arena is ours, const is only the view's. */
static void
wipe(const void *p, size_t n)
{
    if (p != NULL)
        OPENSSL_cleanse((void *)(uintptr_t)p, n);
}

#define AUTH_CACHE_SIZE 32
#define TOKEN_RESPONSE_MAX (64u * 1024)
#define ERROR_BODY_MAX (64u * 1024)
#define DOCKER_CONFIG_MAX (1u << 20)
#define MAX_REDIRECTS 5
#define MAX_HEADER_VALUE 256

/* One cached Authorization header: Basic for a whole registry (scope ""), Bearer per scope. */
struct auth_entry {
    char *registry;
    char *scope;
    char *header;       /* "Authorization: ..." (secret: wiped when dropped) */
    int64_t expires_ms; /* monotonic; 0 = until the client is freed */
    int64_t last_used_ms;
    /* Which credentials bought it: "" for the node-wide docker config, else the hex sha256 of
     * the review's pull-secret documents (a token never serves a review without its secret). */
    char cred_key[WH_DIGEST_STR_LEN];
};

#define MAX_REVIEW_CONFIGS 16
#define MAX_CA_CERTS 1000

/* A CA bundle read at creation: trusted on connections to `host`, or on all when host is NULL. */
struct ca_bundle {
    char *host;
    STACK_OF(X509) * certs;
};

struct wh_registry_client {
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
    struct wh_limits limits;
    struct ca_bundle *cas; /* options' ca_file first (host NULL), then registry_ca_files */
    size_t n_cas;
    char **plain_hosts;
    size_t n_plain_hosts;
    unsigned char *docker_config; /* secret: wiped when freed */
    size_t docker_config_len;
    struct auth_entry auth[AUTH_CACHE_SIZE];
    unsigned long requests;
    unsigned long retries;
    struct wh_registry_retry retry;
    unsigned max_concurrent;
    uint64_t rng; /* backoff jitter */
    /* Per-review pull-secret docker configs (secret: wiped when cleared) and their hash. */
    unsigned char *review_configs[MAX_REVIEW_CONFIGS];
    size_t review_config_lens[MAX_REVIEW_CONFIGS];
    size_t n_review_configs;
    char cred_key[WH_DIGEST_STR_LEN];
    wh_registry_observe_fn *observe; /* per-request hook for metrics, or NULL */
    void *observe_arg;
};

/* What one HTTP exchange brought back. Strings and body live in the caller's arena. */
struct response {
    long status;
    struct wh_bytes body;
    const char *content_type;     /* NULL when absent */
    const char *content_digest;   /* Docker-Content-Digest, NULL when absent */
    const char *www_authenticate; /* NULL when absent */
    const char *retry_after;      /* NULL when absent */
    bool transient; /* set on a transport error worth retrying (reset, empty reply, truncated) */
};

/* Transfer state shared with the curl callbacks. */
struct transfer {
    unsigned char *buf;
    size_t len, alloc, max;
    bool over;
    char content_type[MAX_HEADER_VALUE + 1];
    char content_digest[MAX_HEADER_VALUE + 1];
    char www[WH_REGISTRY_MAX_CHALLENGE + 2]; /* +1 so "too long" is detectable */
    char retry_after[WH_REGISTRY_RETRY_AFTER_MAX * 4 + 2];
};

static void wipe_creds(struct wh_registry_credentials *cr);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        wh_oom();
    return p;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void
auth_entry_drop(struct auth_entry *e)
{
    free(e->registry);
    free(e->scope);
    wipe_free(e->header);
    memset(e, 0, sizeof(*e));
}

/*
 * Reads every certificate of the PEM file `path` into *out (host copied; NULL: every host).
 * On error *out holds what was read so far and is freed with the client.
 */
static enum wh_err
load_ca_bundle(const char *path, const char *host, struct ca_bundle *out, struct wh_error *err)
{
    const char *for_host = host != NULL ? " for " : "";
    BIO *bio;
    X509 *x;
    unsigned long e;
    enum wh_err rc = WH_OK;

    out->host = host != NULL ? xstrdup(host) : NULL;
    out->certs = sk_X509_new_null();
    if (out->certs == NULL)
        wh_oom();
    if (host != NULL && (host[0] == '\0' || strlen(host) > 255))
        return wh_error_set(err, WH_E_INVALID, "CA file %s: empty or over-long registry host",
                            path);
    ERR_clear_error();
    bio = BIO_new_file(path, "r");
    if (bio == NULL) {
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID, "cannot open CA file %s%s%s", path, for_host,
                            host != NULL ? host : "");
    }
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_num(out->certs) == MAX_CA_CERTS) {
            X509_free(x);
            rc = wh_error_set(err, WH_E_LIMIT, "CA file %s: more than %d certificates", path,
                              MAX_CA_CERTS);
            break;
        }
        if (sk_X509_push(out->certs, x) == 0)
            wh_oom();
    }
    BIO_free(bio);
    /* The loop ends on PEM_R_NO_START_LINE at the end of the file; any other error is a
     * certificate that did not parse. */
    e = ERR_peek_last_error();
    if (rc == WH_OK && e != 0 &&
        !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
        char what[200];

        snprintf(what, sizeof(what), "CA file %.100s%s%.80s: malformed certificate", path, for_host,
                 host != NULL ? host : "");
        rc = wh_error_openssl(err, WH_E_INVALID, what);
    }
    ERR_clear_error();
    if (rc == WH_OK && sk_X509_num(out->certs) == 0)
        rc = wh_error_set(err, WH_E_INVALID, "CA file %s%s%s: no PEM certificate", path, for_host,
                          host != NULL ? host : "");
    return rc;
}

/* TODO(#14): split the TLS and host-map setup; registry/ is being changed now (cognitive complexity
 * 31 > 25, STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_registry_client_new(const struct wh_registry_options *o, struct wh_registry_client **out,
                       struct wh_error *err)
{
    struct wh_registry_client *c;

    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return wh_error_set(err, WH_E_INTERNAL, "curl_global_init: %s",
                            curl_easy_strerror(curl_init_rc));
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        wh_oom();
    c->limits = o->limits;
    c->retry = o->retry;
    wh_registry_retry_defaults(&c->retry);
    c->max_concurrent = o->max_concurrent_per_registry;
    c->rng = (uint64_t)(uintptr_t)c ^ (uint64_t)wh_clock_mono_ms() * 0x9e3779b97f4a7c15ull;
    if (o->docker_config != NULL) {
        struct wh_arena a;
        struct wh_bytes bytes;
        struct wh_registry_credentials probe;
        enum wh_err rc;

        wh_arena_init(&a);
        rc = wh_file_read(o->docker_config, DOCKER_CONFIG_MAX, &a, &bytes, err);
        if (rc == WH_OK) {
            /* Parse once now so a malformed file fails at startup, not at the first 401. */
            rc = wh_registry_auth_config_find(bytes, "", &a, &probe, err);
            if (rc == WH_OK) {
                wipe_creds(&probe);
                c->docker_config = malloc(bytes.len + 1);
                if (c->docker_config == NULL)
                    wh_oom();
                memcpy(c->docker_config, bytes.ptr, bytes.len);
                c->docker_config_len = bytes.len;
            }
            wipe(bytes.ptr, bytes.len);
        }
        wh_arena_fini(&a);
        if (rc != WH_OK) {
            wh_registry_client_free(c);
            return wh_error_wrap(err, "registry client: docker config %s", o->docker_config);
        }
    }
    if (o->ca_file != NULL || o->n_registry_ca_files > 0) {
        enum wh_err rc = WH_OK;

        c->cas = calloc(1 + o->n_registry_ca_files, sizeof(*c->cas));
        if (c->cas == NULL)
            wh_oom();
        if (o->ca_file != NULL)
            rc = load_ca_bundle(o->ca_file, NULL, &c->cas[c->n_cas++], err);
        for (size_t i = 0; rc == WH_OK && i < o->n_registry_ca_files; i++)
            rc = load_ca_bundle(o->registry_ca_files[i], o->registry_ca_hosts[i],
                                &c->cas[c->n_cas++], err);
        if (rc != WH_OK) {
            wh_registry_client_free(c);
            return wh_error_wrap(err, "registry client");
        }
    }
    if (o->n_plain_http_hosts > 0) {
        c->plain_hosts = calloc(o->n_plain_http_hosts, sizeof(*c->plain_hosts));
        if (c->plain_hosts == NULL)
            wh_oom();
        for (size_t i = 0; i < o->n_plain_http_hosts; i++)
            c->plain_hosts[i] = xstrdup(o->plain_http_hosts[i]);
        c->n_plain_hosts = o->n_plain_http_hosts;
    }
    c->curl = curl_easy_init();
    if (c->curl == NULL)
        wh_oom();
    *out = c;
    return WH_OK;
}

void
wh_registry_client_free(struct wh_registry_client *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    for (size_t i = 0; i < AUTH_CACHE_SIZE; i++)
        auth_entry_drop(&c->auth[i]);
    if (c->docker_config != NULL) {
        OPENSSL_cleanse(c->docker_config, c->docker_config_len);
        free(c->docker_config);
    }
    wh_registry_client_review_credentials_clear(c);
    for (size_t i = 0; i < c->n_plain_hosts; i++)
        free(c->plain_hosts[i]);
    free(c->plain_hosts);
    for (size_t i = 0; i < c->n_cas; i++) {
        free(c->cas[i].host);
        sk_X509_pop_free(c->cas[i].certs, X509_free);
    }
    free(c->cas);
    free(c);
}

unsigned long
wh_registry_client_requests(const struct wh_registry_client *c)
{
    return c->requests;
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

static bool
is_plain_host(const struct wh_registry_client *c, const char *host, size_t n)
{
    for (size_t i = 0; i < c->n_plain_hosts; i++)
        if (strlen(c->plain_hosts[i]) == n && strncmp(c->plain_hosts[i], host, n) == 0)
            return true;
    return false;
}

/* Docker Hub's API lives on registry-1.docker.io; every other registry on its own name. */
static const char *
api_host(const char *registry)
{
    return strcmp(registry, "docker.io") == 0 ? "registry-1.docker.io" : registry;
}

/* ---- auth cache ---- */

static struct auth_entry *
auth_find(struct wh_registry_client *c, const char *registry, const char *scope)
{
    int64_t now = wh_clock_mono_ms();

    for (size_t i = 0; i < AUTH_CACHE_SIZE; i++) {
        struct auth_entry *e = &c->auth[i];

        if (e->header == NULL || strcmp(e->registry, registry) != 0 ||
            strcmp(e->cred_key, c->cred_key) != 0)
            continue;
        if (e->expires_ms != 0 && now >= e->expires_ms) {
            auth_entry_drop(e);
            continue;
        }
        if (e->scope[0] == '\0' || strcmp(e->scope, scope) == 0) {
            e->last_used_ms = now;
            return e;
        }
    }
    return NULL;
}

/* Stores `header_owned` (heap, wiped later) for (registry, scope), evicting the least used. */
static void
auth_store(struct wh_registry_client *c, const char *registry, const char *scope,
           char *header_owned, int64_t expires_ms)
{
    struct auth_entry *slot = NULL;

    for (size_t i = 0; i < AUTH_CACHE_SIZE; i++) {
        struct auth_entry *e = &c->auth[i];

        if (e->header != NULL && strcmp(e->registry, registry) == 0 &&
            strcmp(e->scope, scope) == 0 && strcmp(e->cred_key, c->cred_key) == 0) {
            slot = e;
            break;
        }
        if (e->header == NULL) {
            if (slot == NULL || slot->header != NULL)
                slot = e;
        } else if (slot == NULL || (slot->header != NULL && e->last_used_ms < slot->last_used_ms)) {
            slot = e;
        }
    }
    auth_entry_drop(slot);
    slot->registry = xstrdup(registry);
    slot->scope = xstrdup(scope);
    slot->header = header_owned;
    slot->expires_ms = expires_ms;
    slot->last_used_ms = wh_clock_mono_ms();
    memcpy(slot->cred_key, c->cred_key, sizeof(slot->cred_key));
}

/* ---- one HTTP exchange ---- */

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;

    if (n > t->max - t->len) {
        t->over = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (t->len + n > t->alloc) {
        size_t want = t->alloc == 0 ? 4096 : t->alloc;
        unsigned char *p;

        while (want < t->len + n)
            want *= 2;
        p = realloc(t->buf, want);
        if (p == NULL)
            wh_oom();
        t->buf = p;
        t->alloc = want;
    }
    memcpy(t->buf + t->len, ptr, n);
    t->len += n;
    return n;
}

/* Copies header `name`'s value from `line` into dst when it is that header. */
static void
capture_header(const char *line, size_t n, const char *name, char *dst, size_t dst_size)
{
    size_t k = strlen(name), end;

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    line += k + 1;
    n -= k + 1;
    while (n > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    end = n;
    while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
        end--;
    if (end >= dst_size)
        end = dst_size - 1; /* truncated; over-long values are caught by their parsers */
    memcpy(dst, line, end);
    dst[end] = '\0';
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;

    /* A new status line starts a new response (redirect, 100-continue): forget the old one. */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        t->content_type[0] = t->content_digest[0] = t->www[0] = t->retry_after[0] = '\0';
        return n;
    }
    capture_header(line, n, "Content-Type", t->content_type, sizeof(t->content_type));
    capture_header(line, n, "Docker-Content-Digest", t->content_digest, sizeof(t->content_digest));
    capture_header(line, n, "WWW-Authenticate", t->www, sizeof(t->www));
    capture_header(line, n, "Retry-After", t->retry_after, sizeof(t->retry_after));
    return n;
}

static struct wh_str url_host(const char *url);

/* "host[:port]" without userinfo and without a default ":443". */
static struct wh_str
tls_authority(struct wh_str s)
{
    const char *at = s.len > 0 ? memrchr(s.ptr, '@', s.len) : NULL;

    if (at != NULL) {
        s.len -= (size_t)(at + 1 - s.ptr);
        s.ptr = at + 1;
    }
    if (s.len > 4 && memcmp(s.ptr + s.len - 4, ":443", 4) == 0)
        s.len -= 4;
    return s;
}

static bool
ca_host_matches(const char *key, struct wh_str authority)
{
    struct wh_str k = tls_authority(wh_str_c(key));

    return k.len == authority.len && strncasecmp(k.ptr, authority.ptr, k.len) == 0;
}

/*
 * curl, for each new TLS connection, before the handshake: adds the client's CA bundles for the
 * host being connected to (the effective URL: a redirect's target, not the first URL) to the
 * connection's own store, which curl then fills with the system bundle.
 */
static CURLcode
on_ssl_ctx(CURL *curl, void *ssl_ctx, void *userdata)
{
    const struct wh_registry_client *c = userdata;
    X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
    char *url = NULL;
    struct wh_str host = {"", 0};

    if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != NULL)
        host = tls_authority(url_host(url));
    for (size_t i = 0; i < c->n_cas; i++) {
        const struct ca_bundle *b = &c->cas[i];

        if (b->host != NULL && !ca_host_matches(b->host, host))
            continue;
        for (int k = 0; k < sk_X509_num(b->certs); k++)
            if (X509_STORE_add_cert(store, sk_X509_value(b->certs, k)) != 1) {
                ERR_clear_error();
                return CURLE_SSL_CACERT_BADFILE;
            }
    }
    return CURLE_OK;
}

struct exchange {
    const char *method; /* "GET", "HEAD" or "POST" */
    const char *url;
    const char *post_fields; /* POST only (secret: caller wipes) */
    struct curl_slist *headers;
    size_t max;
    bool follow;
    bool plain_ok; /* http:// allowed */
    int64_t deadline_ms;
};

/* Tells the observer which host answered what: the URL's authority without credentials. */
static void
observe_request(const struct wh_registry_client *c, const char *url, long status)
{
    char host[256];
    const char *p = strstr(url, "://"), *end, *at;
    size_t n;

    p = p != NULL ? p + 3 : url;
    end = p + strcspn(p, "/?#");
    at = memchr(p, '@', (size_t)(end - p));
    if (at != NULL)
        p = at + 1;
    n = (size_t)(end - p) < sizeof(host) - 1 ? (size_t)(end - p) : sizeof(host) - 1;
    memcpy(host, p, n);
    host[n] = '\0';
    c->observe(c->observe_arg, host, status);
}

void
wh_registry_client_set_observer(struct wh_registry_client *c, wh_registry_observe_fn *fn, void *arg)
{
    c->observe = fn;
    c->observe_arg = arg;
}

static const char *
dup_or_null(struct wh_arena *a, const char *s)
{
    return s[0] == '\0' ? NULL : wh_arena_strdup(a, s);
}

/*
 * Performs one request. Returns WH_OK whenever an HTTP response arrived (any status); transport
 * failures, timeouts and caps are errors. resp strings live in `a`.
 */
/* TODO(#14): split the header collection out; registry/ is being changed now (cognitive complexity
 * 27 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
exchange(struct wh_registry_client *c, const struct exchange *x, struct wh_arena *a,
         struct response *resp, struct wh_error *err)
{
    CURL *h = c->curl;
    struct transfer *t;
    const char *protocols = x->plain_ok ? "http,https" : "https";
    int64_t left = wh_clock_left_ms(x->deadline_ms);
    enum wh_err rc = WH_OK;
    CURLcode cc;
    long status = 0;

    if (left <= 0)
        return wh_error_set(err, WH_E_TIMEOUT, "deadline passed before the request was sent");
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        wh_oom();
    /* Error bodies up to ERROR_BODY_MAX are read (for their error code) even when the success
     * cap is lower; a 2xx body over x->max is still refused below. */
    t->max = x->max > ERROR_BODY_MAX ? x->max : ERROR_BODY_MAX;
    /* Reset keeps the connection cache, DNS cache and TLS sessions; only options go. */
    curl_easy_reset(h);
    c->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_URL, x->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "driftgate/0");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    if (x->follow) {
        /* Blob redirects go to object storage; curl drops our Authorization on a host change. */
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    }
    if (c->n_cas > 0) {
        /* libcurl (7.87+) caches one X509_STORE per handle for 24 h and gives it to later
         * connections: a CA added for one host would then be trusted for every host, or missing
         * for its own. Without the cache each connection builds its own store. */
        curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
    }
    if (strcmp(x->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(x->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->post_fields);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    c->requests++;
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (c->observe != NULL)
        observe_request(c, x->url, cc == CURLE_OK ? status : 0);
    /* Unset pointers into `t` and the caller's header list before they go away. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    if ((t->over || t->len > x->max) && status >= 200 && status < 300) {
        rc = wh_error_set(err, WH_E_LIMIT, "response body exceeds %zu bytes", x->max);
    } else if (cc == CURLE_FILESIZE_EXCEEDED) {
        rc = wh_error_set(err, WH_E_LIMIT, "response body exceeds %zu bytes (Content-Length)",
                          t->max);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        rc = wh_error_set(err, WH_E_TIMEOUT, "timed out: %s",
                          c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
    } else if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && t->over)) {
        /* A connection the server reset or closed early is worth another try; TLS, DNS and
         * protocol errors are not (they will fail the same way again). */
        resp->transient = cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
                          cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE ||
                          cc == CURLE_COULDNT_CONNECT;
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s",
                          c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
    } else {
        resp->status = status;
        unsigned char *body = wh_arena_alloc(a, t->len + 1); /* zeroed: NUL-terminated */

        if (t->len > 0)
            memcpy(body, t->buf, t->len);
        resp->body.ptr = body;
        resp->body.len = t->len;
        resp->content_type = dup_or_null(a, t->content_type);
        resp->content_digest = dup_or_null(a, t->content_digest);
        resp->www_authenticate = dup_or_null(a, t->www);
        resp->retry_after = dup_or_null(a, t->retry_after);
    }
    free(t->buf);
    free(t);
    return rc;
}

/* ---- auth ---- */

/* The `code` of the first entry of a registry error body, sanitised, or NULL. */
static const char *
error_code(const struct response *r, struct wh_arena *a)
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
status_error(const char *registry, const struct response *r, struct wh_arena *a,
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

/* Host[:port] of an http(s) URL, as a view into `url`. */
static struct wh_str
url_host(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n;

    if (p == NULL)
        return (struct wh_str){url, 0};
    p += 3;
    n = strcspn(p, "/?#");
    return (struct wh_str){p, n};
}

static size_t
host_only_len(struct wh_str hostport)
{
    const char *colon = memchr(hostport.ptr, ':', hostport.len);

    return colon == NULL ? hostport.len : (size_t)(colon - hostport.ptr);
}

/*
 * A token realm must be https. http is accepted only for a host in plain_http_hosts, or on the
 * same host as a plain-http registry (the test token server on loopback): credentials never go
 * in clear text to a host the configuration did not already speak plain http to.
 */
static enum wh_err
check_realm(const struct wh_registry_client *c, const char *registry, const char *realm,
            bool *plain_ok, struct wh_error *err)
{
    struct wh_str host = url_host(realm);
    struct wh_str reg = wh_str_c(registry);

    *plain_ok = false;
    if (strncmp(realm, "https://", 8) == 0 && host.len > 0)
        return WH_OK;
    if (strncmp(realm, "http://", 7) == 0 && host.len > 0) {
        if (is_plain_host(c, host.ptr, host.len) ||
            (is_plain_host(c, registry, strlen(registry)) &&
             host_only_len(host) == host_only_len(reg) &&
             strncmp(host.ptr, reg.ptr, host_only_len(reg)) == 0)) {
            *plain_ok = true;
            return WH_OK;
        }
    }
    return wh_error_set(err, WH_E_UNAVAILABLE, "token realm \"%.200s\" is not an https URL", realm);
}

/* "Authorization: Basic base64(user:pass)" on the heap (secret). */
static char *
basic_header(const char *user, const char *pass, struct wh_arena *a)
{
    size_t n = strlen(user) + 1 + strlen(pass);
    char *plain = wh_arena_alloc(a, n + 1);
    char *b64, *header;
    size_t hn;

    snprintf(plain, n + 1, "%s:%s", user, pass);
    b64 = wh_digest_base64_encode(plain, n, a);
    hn = strlen("Authorization: Basic ") + strlen(b64) + 1;
    header = malloc(hn);
    if (header == NULL)
        wh_oom();
    snprintf(header, hn, "Authorization: Basic %s", b64);
    OPENSSL_cleanse(plain, n);
    OPENSSL_cleanse(b64, strlen(b64));
    return header;
}

static void
wipe_creds(struct wh_registry_credentials *cr)
{
    if (cr->username != NULL)
        wipe(cr->username, strlen(cr->username));
    if (cr->password != NULL)
        wipe(cr->password, strlen(cr->password));
    if (cr->identity_token != NULL)
        wipe(cr->identity_token, strlen(cr->identity_token));
}

static enum wh_err
find_creds(struct wh_registry_client *c, const char *registry, struct wh_arena *a,
           struct wh_registry_credentials *cr, struct wh_error *err)
{
    memset(cr, 0, sizeof(*cr));
    for (size_t i = 0; i < c->n_review_configs; i++) {
        enum wh_err rc = wh_registry_auth_config_find(
            (struct wh_bytes){c->review_configs[i], c->review_config_lens[i]}, registry, a, cr,
            err);

        if (rc != WH_OK)
            return wh_error_wrap(err, "pull secret %zu", i);
        if (cr->username != NULL || cr->identity_token != NULL)
            return WH_OK;
    }
    if (c->docker_config == NULL)
        return WH_OK;
    return wh_registry_auth_config_find((struct wh_bytes){c->docker_config, c->docker_config_len},
                                        registry, a, cr, err);
}

static char *
escape(struct wh_registry_client *c, const char *s, struct wh_arena *a)
{
    char *e = curl_easy_escape(c->curl, s, 0);
    char *out;

    if (e == NULL)
        wh_oom();
    out = wh_arena_strdup(a, e);
    curl_free(e);
    return out;
}

/* GET (or, with an identity token, POST) the realm for a token with `scope`; caches it. */
static enum wh_err
fetch_token(struct wh_registry_client *c, const char *registry, const char *scope,
            const struct wh_registry_challenge *ch, const struct wh_registry_credentials *cr,
            int64_t deadline_ms, struct wh_arena *a, struct wh_error *err)
{
    struct exchange x = {.max = TOKEN_RESPONSE_MAX, .deadline_ms = deadline_ms};
    struct response r = {0};
    struct curl_slist *headers = NULL;
    char *basic = NULL, *form = NULL, *bearer;
    const char *token;
    int64_t expires_in;
    size_t form_len = 0, bearer_len;
    enum wh_err rc;

    if ((rc = check_realm(c, registry, ch->realm, &x.plain_ok, err)) != WH_OK)
        return rc;
    if (cr->identity_token != NULL) {
        /* docker: OAuth2 refresh-token grant, POSTed as a form */
        form = wh_arena_sprintf(
            a, "grant_type=refresh_token&client_id=driftgate&service=%s&scope=%s&refresh_token=%s",
            escape(c, ch->service != NULL ? ch->service : "", a), escape(c, scope, a),
            escape(c, cr->identity_token, a));
        form_len = strlen(form);
        x.method = "POST";
        x.post_fields = form;
        x.url = ch->realm;
    } else {
        const char *sep = strchr(ch->realm, '?') != NULL ? "&" : "?";

        x.method = "GET";
        if (ch->service != NULL)
            x.url = wh_arena_sprintf(a, "%s%sservice=%s&scope=%s", ch->realm, sep,
                                     escape(c, ch->service, a), escape(c, scope, a));
        else
            x.url = wh_arena_sprintf(a, "%s%sscope=%s", ch->realm, sep, escape(c, scope, a));
        if (cr->username != NULL) {
            basic = basic_header(cr->username, cr->password != NULL ? cr->password : "", a);
            headers = curl_slist_append(headers, basic);
            if (headers == NULL)
                wh_oom();
        }
    }
    x.headers = headers;
    rc = exchange(c, &x, a, &r, err);
    curl_slist_free_all(headers);
    wipe_free(basic);
    if (form != NULL)
        OPENSSL_cleanse(form, form_len);
    if (rc != WH_OK)
        return wh_error_wrap(err, "token from %.200s", ch->realm);
    if (r.status == 401 || r.status == 403)
        return wh_error_set(err, WH_E_UNAVAILABLE,
                            "token from %.200s: HTTP %ld: check the credentials for %s", ch->realm,
                            r.status, registry);
    if (r.status != 200)
        return wh_error_set(err, WH_E_UNAVAILABLE, "token from %.200s: HTTP %ld", ch->realm,
                            r.status);
    rc = wh_registry_auth_token_parse(r.body, a, &token, &expires_in, err);
    wipe(r.body.ptr, r.body.len);
    if (rc != WH_OK)
        return wh_error_wrap(err, "token from %.200s", ch->realm);
    bearer_len = strlen("Authorization: Bearer ") + strlen(token) + 1;
    bearer = malloc(bearer_len);
    if (bearer == NULL)
        wh_oom();
    snprintf(bearer, bearer_len, "Authorization: Bearer %s", token);
    wipe(token, strlen(token));
    /* Refresh 10 s early so a token never expires in flight. */
    auth_store(c, registry, scope, bearer, wh_clock_mono_ms() + (expires_in - 10) * 1000);
    return WH_OK;
}

/* Answers a 401 challenge: caches a Basic header or a Bearer token for (registry, scope). */
static enum wh_err
authenticate(struct wh_registry_client *c, const char *registry, const char *scope,
             const struct response *r, int64_t deadline_ms, struct wh_arena *a,
             struct wh_error *err)
{
    struct wh_registry_challenge ch;
    struct wh_registry_credentials cr;
    enum wh_err rc;

    if (r->www_authenticate == NULL)
        return wh_error_set(err, WH_E_UNAVAILABLE,
                            "HTTP 401 without WWW-Authenticate: check the credentials for %s",
                            registry);
    rc = wh_registry_auth_challenge_parse(wh_str_c(r->www_authenticate), a, &ch, err);
    if (rc != WH_OK) {
        wh_error_wrap(err, "HTTP 401");
        return err->code = WH_E_UNAVAILABLE; /* the registry's challenge: infrastructure */
    }
    if ((rc = find_creds(c, registry, a, &cr, err)) != WH_OK) {
        wh_error_wrap(err, "docker config");
        return err->code = WH_E_UNAVAILABLE; /* the operator's credentials: infrastructure */
    }
    if (ch.scheme == WH_REGISTRY_AUTH_BASIC) {
        if (cr.username == NULL)
            rc = wh_error_set(err, WH_E_UNAVAILABLE,
                              "HTTP 401: the registry wants Basic credentials and the docker "
                              "config has none: check the credentials for %s",
                              registry);
        else
            auth_store(c, registry, "",
                       basic_header(cr.username, cr.password != NULL ? cr.password : "", a), 0);
    } else {
        rc = fetch_token(c, registry, scope, &ch, &cr, deadline_ms, a, err);
    }
    wipe_creds(&cr);
    /* A garbled token answer is the registry's auth service failing, not evidence a pusher can
     * write: infrastructure, so the rule's onError decides it (README "Infrastructure or
     * evidence"). */
    if (rc != WH_OK && rc != WH_E_TIMEOUT)
        rc = err->code = WH_E_UNAVAILABLE;
    return rc;
}

/* ---- registry requests ---- */

struct request {
    const char *method; /* GET or HEAD */
    const char *what;   /* "GET manifest v1": the middle of every message */
    const struct wh_image_ref *ref;
    const char *path; /* "/v2/<repo>/manifests/<reference>" */
    const char *accept;
    size_t max;
    bool follow;
    int64_t deadline_ms;
};

static enum wh_err
request_once(struct wh_registry_client *c, const struct request *q, const char *url, bool plain,
             const struct auth_entry *auth, struct wh_arena *a, struct response *r,
             struct wh_error *err)
{
    struct curl_slist *headers = NULL;
    struct exchange x = {.method = q->method,
                         .url = url,
                         .max = q->max,
                         .follow = q->follow,
                         .plain_ok = plain,
                         .deadline_ms = q->deadline_ms};
    enum wh_err rc;

    if (q->accept != NULL && (headers = curl_slist_append(headers, q->accept)) == NULL)
        wh_oom();
    if (auth != NULL) {
        struct curl_slist *h2 = curl_slist_append(headers, auth->header);

        if (h2 == NULL)
            wh_oom();
        headers = h2;
    }
    x.headers = headers;
    rc = exchange(c, &x, a, r, err);
    curl_slist_free_all(headers);
    return rc;
}

/*
 * The wait before retrying after `r` (a retryable status, or a transient transport error when r
 * has no status): Retry-After when the registry sent one we can read, else backoff with jitter.
 */
static int64_t
retry_wait_ms(struct wh_registry_client *c, const struct response *r, unsigned attempt,
              const char **why, struct wh_arena *a)
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
request_slot(struct wh_registry_client *c, const struct request *q, const char *url, bool plain,
             const struct auth_entry *auth, struct wh_arena *a, struct response *r,
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
 * Sends q, answering at most one auth challenge and retrying 429, 5xx and reset connections
 * (GET and HEAD are idempotent) while attempts remain and the wait ends before the deadline.
 * WH_OK only for a 2xx response; every error is prefixed "<registry>/<repository>: <what>: ".
 */
/* TODO(#14): split the retry and auth-challenge steps; registry/ is being changed now (cognitive
 * complexity 40 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
request(struct wh_registry_client *c, const struct request *q, struct wh_arena *a,
        struct response *r, struct wh_error *err)
{
    const char *registry = q->ref->registry;
    const char *host = api_host(registry);
    bool plain = is_plain_host(c, registry, strlen(registry));
    const char *url = wh_arena_sprintf(a, "%s://%s%s", plain ? "http" : "https", host, q->path);
    const char *scope = wh_arena_sprintf(a, "repository:%s:pull", q->ref->repository);
    struct auth_entry *auth = auth_find(c, registry, scope);
    bool authenticated = false;
    unsigned attempt = 0;
    enum wh_err rc;

    for (;;) {
        bool retryable;
        int64_t wait_ms, left;
        const char *why = NULL;

        memset(r, 0, sizeof(*r));
        attempt++;
        rc = request_slot(c, q, url, plain, auth, a, r, err);
        if (rc == WH_OK && r->status == 401 && !authenticated) {
            authenticated = true;
            attempt--; /* a challenge is not a failed attempt */
            rc = authenticate(c, registry, scope, r, q->deadline_ms, a, err);
            if (rc != WH_OK)
                break;
            auth = auth_find(c, registry, scope);
            if (WH_NEVER(auth == NULL)) {
                rc = wh_error_set(err, WH_E_INTERNAL, "authenticated but nothing cached");
                break;
            }
            continue;
        }
        if (rc == WH_OK && r->status >= 200 && r->status < 300)
            break;
        retryable = rc == WH_OK ? wh_registry_retry_status(r->status) : r->transient;
        if (rc == WH_OK)
            rc = status_error(registry, r, a, err);
        if (!retryable)
            break;
        if (attempt >= c->retry.max_attempts) {
            char detail[sizeof(err->msg)];

            snprintf(detail, sizeof(detail), "%s", err->msg);
            rc = wh_error_set(err, rc, "%s (after %u attempts)", detail, attempt);
            break;
        }
        wait_ms = retry_wait_ms(c, r, attempt, &why, a);
        left = wh_clock_left_ms(q->deadline_ms);
        if (wait_ms > c->retry.max_wait_ms || wait_ms >= left) {
            /* Waiting would pass the deadline (or the cap): fail now with the cause. */
            char detail[sizeof(err->msg)];

            snprintf(detail, sizeof(detail), "%s", err->msg);
            rc = wh_error_set(err, rc == WH_E_TIMEOUT ? WH_E_TIMEOUT : WH_E_UNAVAILABLE,
                              "%s; not retried: %s wait %lld ms, %lld ms left before the "
                              "deadline",
                              detail, why, (long long)wait_ms, (long long)(left > 0 ? left : 0));
            break;
        }
        if (wait_ms > 0) {
            struct timespec ts = {.tv_sec = wait_ms / 1000, .tv_nsec = (wait_ms % 1000) * 1000000};

            while (nanosleep(&ts, &ts) != 0)
                ;
        }
        c->retries++;
    }
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s/%s: %s", registry, q->ref->repository, q->what);
    return WH_OK;
}

/* Tags and digests go into URL paths: only the distribution grammar's characters pass. */
static enum wh_err
check_reference(const struct wh_image_ref *ref, const char *reference, struct wh_error *err)
{
    if (ref->registry == NULL || ref->repository == NULL || ref->registry[0] == '\0' ||
        ref->repository[0] == '\0' ||
        strspn(ref->registry,
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(ref->registry) ||
        strspn(ref->repository, "abcdefghijklmnopqrstuvwxyz0123456789._-/") !=
            strlen(ref->repository))
        return wh_error_set(err, WH_E_INVALID,
                            "image reference has an invalid registry or repository");
    if (reference == NULL || reference[0] == '\0' || strlen(reference) > 128 + 7 ||
        strspn(reference, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:") !=
            strlen(reference))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: invalid tag or digest \"%.80s\"",
                            ref->registry, ref->repository, reference == NULL ? "" : reference);
    if (strchr(reference, ':') != NULL && !wh_digest_is_sha256(wh_str_c(reference)))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: unsupported digest \"%.80s\"", ref->registry,
                            ref->repository, reference);
    return WH_OK;
}

/* "sha256:0123456789ab…" for messages: enough to recognise, short enough to fit. */
static const char *
short_ref(const char *reference, struct wh_arena *a)
{
    if (strlen(reference) > 19 && strncmp(reference, "sha256:", 7) == 0)
        return wh_arena_sprintf(a, "%.19s…", reference);
    return reference;
}

enum wh_err
wh_registry_resolve(struct wh_registry_client *c, const struct wh_image_ref *ref,
                    int64_t deadline_ms, struct wh_arena *a, const char **digest_out,
                    struct wh_error *err)
{
    struct request q = {
        .ref = ref, .accept = WH_REGISTRY_MANIFEST_ACCEPT, .deadline_ms = deadline_ms};
    struct response r;
    struct wh_registry_manifest m;
    enum wh_err rc;

    if (ref->digest != NULL) {
        if (!wh_digest_is_sha256(wh_str_c(ref->digest)))
            return wh_error_set(err, WH_E_INVALID, "%s/%s: unsupported digest \"%.80s\"",
                                ref->registry, ref->repository, ref->digest);
        *digest_out = ref->digest;
        return WH_OK;
    }
    if ((rc = check_reference(ref, ref->tag, err)) != WH_OK)
        return rc;
    q.method = "HEAD";
    q.what = wh_arena_sprintf(a, "HEAD manifest %s", ref->tag);
    q.path = wh_arena_sprintf(a, "/v2/%s/manifests/%s", ref->repository, ref->tag);
    q.max = c->limits.manifest_bytes;
    if ((rc = request(c, &q, a, &r, err)) != WH_OK)
        return rc;
    if (r.content_digest != NULL && wh_digest_is_sha256(wh_str_c(r.content_digest))) {
        *digest_out = r.content_digest;
        return WH_OK;
    }
    /* No usable Docker-Content-Digest: fetch the manifest and hash it ourselves. */
    if ((rc = wh_registry_manifest_get(c, ref, ref->tag, deadline_ms, a, &m, err)) != WH_OK)
        return rc;
    *digest_out = m.digest;
    return WH_OK;
}

enum wh_err
wh_registry_manifest_get(struct wh_registry_client *c, const struct wh_image_ref *ref,
                         const char *reference, int64_t deadline_ms, struct wh_arena *a,
                         struct wh_registry_manifest *out, struct wh_error *err)
{
    struct request q = {.method = "GET",
                        .ref = ref,
                        .accept = WH_REGISTRY_MANIFEST_ACCEPT,
                        .max = c->limits.manifest_bytes,
                        .deadline_ms = deadline_ms};
    struct response r;
    struct wh_registry_manifest m;
    enum wh_err rc;

    if ((rc = check_reference(ref, reference, err)) != WH_OK)
        return rc;
    q.what = wh_arena_sprintf(a, "GET manifest %s", short_ref(reference, a));
    q.path = wh_arena_sprintf(a, "/v2/%s/manifests/%s", ref->repository, reference);
    if ((rc = request(c, &q, a, &r, err)) != WH_OK)
        return rc;
    rc = wh_registry_manifest_parse(r.body, r.content_type, &c->limits, a, &m, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s/%s: %s", ref->registry, ref->repository, q.what);
    if (wh_digest_is_sha256(wh_str_c(reference)) && strcmp(m.digest, reference) != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "%s/%s: %s: manifest digest mismatch: the body hashes to %s",
                            ref->registry, ref->repository, q.what, m.digest);
    if (r.content_digest != NULL && wh_digest_is_sha256(wh_str_c(r.content_digest)) &&
        strcmp(m.digest, r.content_digest) != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "%s/%s: %s: Docker-Content-Digest %s does not match the body (%s)",
                            ref->registry, ref->repository, q.what, r.content_digest, m.digest);
    *out = m;
    return WH_OK;
}

enum wh_err
wh_registry_blob_get(struct wh_registry_client *c, const struct wh_image_ref *ref,
                     const char *digest, size_t max, int64_t deadline_ms, struct wh_arena *a,
                     struct wh_bytes *out, struct wh_error *err)
{
    struct request q = {
        .method = "GET", .ref = ref, .max = max, .follow = true, .deadline_ms = deadline_ms};
    struct response r;
    enum wh_err rc;

    if (digest == NULL || !wh_digest_is_sha256(wh_str_c(digest)))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: blob digest \"%.80s\" is not sha256",
                            ref->registry, ref->repository, digest == NULL ? "" : digest);
    if ((rc = check_reference(ref, digest, err)) != WH_OK)
        return rc;
    q.what = wh_arena_sprintf(a, "GET blob %s", short_ref(digest, a));
    q.path = wh_arena_sprintf(a, "/v2/%s/blobs/%s", ref->repository, digest);
    if ((rc = request(c, &q, a, &r, err)) != WH_OK)
        return rc;
    if (!wh_digest_matches(r.body.ptr, r.body.len, wh_str_c(digest))) {
        char got[WH_DIGEST_STR_LEN];

        wh_digest_sha256_str(r.body.ptr, r.body.len, got);
        return wh_error_set(err, WH_E_VERIFY,
                            "%s/%s: %s: blob digest mismatch: the body hashes to %s", ref->registry,
                            ref->repository, q.what, got);
    }
    *out = r.body;
    return WH_OK;
}

enum wh_err
wh_registry_get(struct wh_registry_client *c, const struct wh_image_ref *ref, const char *what,
                const char *path, const char *accept, size_t max, int64_t deadline_ms,
                struct wh_arena *a, struct wh_registry_response *out, struct wh_error *err)
{
    struct request q = {.method = "GET",
                        .what = what,
                        .ref = ref,
                        .path = path,
                        .accept = accept,
                        .max = max,
                        .deadline_ms = deadline_ms};
    struct response r;
    enum wh_err rc;

    if (path == NULL || strncmp(path, "/v2/", 4) != 0 || strstr(path, "..") != NULL ||
        strpbrk(path, " \r\n#") != NULL)
        return wh_error_set(err, WH_E_INVALID, "%s/%s: %s: invalid request path", ref->registry,
                            ref->repository, what);
    if ((rc = check_reference(ref, "latest", err)) != WH_OK)
        return rc;
    if ((rc = request(c, &q, a, &r, err)) != WH_OK)
        return rc;
    out->status = r.status;
    out->body = r.body;
    out->content_type = r.content_type;
    out->content_digest = r.content_digest;
    return WH_OK;
}

const char *
wh_registry_client_credentials_key(const struct wh_registry_client *c)
{
    return c->cred_key;
}

void
wh_registry_client_review_credentials_clear(struct wh_registry_client *c)
{
    for (size_t i = 0; i < c->n_review_configs; i++) {
        OPENSSL_cleanse(c->review_configs[i], c->review_config_lens[i]);
        free(c->review_configs[i]);
        c->review_configs[i] = NULL;
    }
    c->n_review_configs = 0;
    c->cred_key[0] = '\0';
}

enum wh_err
wh_registry_client_review_credentials_set(struct wh_registry_client *c,
                                          const struct wh_bytes *docker_configs, size_t n,
                                          struct wh_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx;

    wh_registry_client_review_credentials_clear(c);
    if (n == 0)
        return WH_OK;
    if (n > MAX_REVIEW_CONFIGS)
        return wh_error_set(err, WH_E_LIMIT, "%zu pull secrets (at most %d)", n,
                            MAX_REVIEW_CONFIGS);
    for (size_t i = 0; i < n; i++) {
        struct wh_arena a;
        struct wh_registry_credentials probe;
        enum wh_err rc;

        if (docker_configs[i].len > DOCKER_CONFIG_MAX)
            return wh_error_set(err, WH_E_LIMIT, "pull secret %zu: %zu bytes (limit %u)", i,
                                docker_configs[i].len, DOCKER_CONFIG_MAX);
        wh_arena_init(&a);
        rc = wh_registry_auth_config_find(docker_configs[i], "", &a, &probe, err);
        if (rc == WH_OK)
            wipe_creds(&probe);
        wh_arena_fini(&a);
        if (rc != WH_OK)
            return wh_error_wrap(err, "pull secret %zu", i);
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        wh_oom();
    for (size_t i = 0; i < n; i++) {
        uint64_t len = docker_configs[i].len;

        c->review_configs[i] = malloc(len + 1);
        if (c->review_configs[i] == NULL)
            wh_oom();
        memcpy(c->review_configs[i], docker_configs[i].ptr, len);
        c->review_config_lens[i] = len;
        /* length-prefixed so ("ab","c") and ("a","bc") differ */
        EVP_DigestUpdate(ctx, &len, sizeof(len));
        EVP_DigestUpdate(ctx, docker_configs[i].ptr, len);
    }
    c->n_review_configs = n;
    EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
    wh_digest_hex(md, 32, c->cred_key);
    return WH_OK;
}
