/*
 * The HTTP exchange under the registry and Kubernetes API clients: libcurl set up the same way for
 * every request (protocols, redirects, caps, deadline, TLS trust), the answer's body and headers
 * captured within bounds, and curl's failures translated to WH_E_* where they occur.
 */
#include "registry/http.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "registry/curl_lib.h"
#include "registry/retry.h"

#define MAX_REDIRECTS 5
#define MAX_HEADER_VALUE 256
#define MAX_CA_CERTS 1000

/* A CA bundle read at creation: trusted on connections to `host`, or on all when host is NULL. */
struct ca_bundle {
    char *host;
    STACK_OF(X509) * certs;
};

struct wh_registry_http {
    const struct wh_registry_curl *lib; /* with curl: both set by the first exchange */
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
    struct ca_bundle *cas; /* options' ca_file first (host NULL), then ca_files */
    size_t n_cas;
    char *ca_only_file;
    struct curl_blob client_cert, client_key; /* data NULL: none; the key is secret */
    char **plain_hosts;
    size_t n_plain_hosts;
    unsigned long requests;
    wh_registry_http_charge_fn *charge;
    void *charge_arg;
    wh_registry_observe_fn *observe;
    void *observe_arg;
};

/* Transfer state shared with the curl callbacks. */
struct transfer {
    unsigned char *buf;
    size_t len, alloc, max;
    bool over;
    bool secret;
    bool charge_refused;
    struct wh_registry_http *h;
    struct wh_error charge_err;
    char content_type[MAX_HEADER_VALUE + 1];
    char content_digest[MAX_HEADER_VALUE + 1];
    char content_length[32]; /* the body is allocated once at this size when it fits `max` */
    char www[WH_REGISTRY_MAX_CHALLENGE + 2]; /* +1 so "too long" is detectable */
    char retry_after[WH_REGISTRY_RETRY_AFTER_MAX * 4 + 2];
};

/* free() for a secret heap block: wiped first (glibc knows the block's size). */
static void
free_wiped(void *p)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, malloc_usable_size(p));
        free(p);
    }
}

/*
 * Reads every certificate of the PEM file `path` into *out (host copied; NULL: every host).
 * On error *out holds what was read so far and is freed with the transport.
 */
static enum wh_err
load_ca_bundle(const char *path, const char *host, struct ca_bundle *out, struct wh_error *err)
{
    const char *for_host = host != NULL ? " for " : "";
    BIO *bio;
    X509 *x;
    unsigned long e;
    enum wh_err rc = WH_OK;

    out->host = host != NULL ? wh_str_dup(host) : NULL;
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

static enum wh_err
load_cas(struct wh_registry_http *h, const struct wh_registry_http_options *o, struct wh_error *err)
{
    enum wh_err rc = WH_OK;

    if (o->ca_file == NULL && o->n_ca_files == 0)
        return WH_OK;
    h->cas = calloc(1 + o->n_ca_files, sizeof(*h->cas));
    if (h->cas == NULL)
        wh_oom();
    if (o->ca_file != NULL)
        rc = load_ca_bundle(o->ca_file, NULL, &h->cas[h->n_cas++], err);
    for (size_t i = 0; rc == WH_OK && i < o->n_ca_files; i++)
        rc = load_ca_bundle(o->ca_files[i], o->ca_hosts[i], &h->cas[h->n_cas++], err);
    return rc;
}

/* A private copy of b for libcurl (data NULL when b is empty). */
static void
blob_copy(struct curl_blob *out, struct wh_bytes b)
{
    memset(out, 0, sizeof(*out));
    if (b.len == 0)
        return;
    out->data = malloc(b.len);
    if (out->data == NULL)
        wh_oom();
    memcpy(out->data, b.ptr, b.len);
    out->len = b.len;
    out->flags = CURL_BLOB_NOCOPY;
}

enum wh_err
wh_registry_http_new(const struct wh_registry_http_options *o, struct wh_registry_http **out,
                     struct wh_error *err)
{
    struct wh_registry_http *h = calloc(1, sizeof(*h));

    if (h == NULL)
        wh_oom();
    if (load_cas(h, o, err) != WH_OK) {
        wh_registry_http_free(h);
        return err->code;
    }
    if (o->ca_only_file != NULL)
        h->ca_only_file = wh_str_dup(o->ca_only_file);
    blob_copy(&h->client_cert, o->client_cert_pem);
    blob_copy(&h->client_key, o->client_key_pem);
    if (o->n_plain_hosts > 0) {
        h->plain_hosts = calloc(o->n_plain_hosts, sizeof(*h->plain_hosts));
        if (h->plain_hosts == NULL)
            wh_oom();
        for (size_t i = 0; i < o->n_plain_hosts; i++)
            h->plain_hosts[i] = wh_str_dup(o->plain_hosts[i]);
        h->n_plain_hosts = o->n_plain_hosts;
    }
    *out = h;
    return WH_OK;
}

enum wh_err
wh_registry_http_clone(const struct wh_registry_http *from, struct wh_registry_http **out,
                       struct wh_error *err)
{
    struct wh_registry_http_options o = {
        .ca_only_file = from->ca_only_file,
        .plain_hosts = (const char *const *)from->plain_hosts,
        .n_plain_hosts = from->n_plain_hosts,
        .client_cert_pem = {from->client_cert.data, from->client_cert.len},
        .client_key_pem = {from->client_key.data, from->client_key.len}};
    struct wh_registry_http *h;

    if (wh_registry_http_new(&o, &h, err) != WH_OK)
        return err->code;
    if (from->n_cas > 0) {
        h->cas = calloc(from->n_cas, sizeof(*h->cas));
        if (h->cas == NULL)
            wh_oom();
        for (size_t i = 0; i < from->n_cas; i++) {
            h->cas[i].host = from->cas[i].host != NULL ? wh_str_dup(from->cas[i].host) : NULL;
            h->cas[i].certs = sk_X509_deep_copy(from->cas[i].certs, X509_dup, X509_free);
            if (h->cas[i].certs == NULL)
                wh_oom();
            h->n_cas++;
        }
    }
    *out = h;
    return WH_OK;
}

void
wh_registry_http_free(struct wh_registry_http *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        h->lib->easy_cleanup(h->curl);
    for (size_t i = 0; i < h->n_plain_hosts; i++)
        free(h->plain_hosts[i]);
    free(h->plain_hosts);
    for (size_t i = 0; i < h->n_cas; i++) {
        free(h->cas[i].host);
        sk_X509_pop_free(h->cas[i].certs, X509_free);
    }
    free(h->cas);
    free(h->ca_only_file);
    free(h->client_cert.data);
    if (h->client_key.data != NULL)
        OPENSSL_cleanse(h->client_key.data, h->client_key.len);
    free(h->client_key.data);
    free(h);
}

void
wh_registry_http_set_charge(struct wh_registry_http *h, wh_registry_http_charge_fn *fn, void *arg)
{
    h->charge = fn;
    h->charge_arg = arg;
}

void
wh_registry_http_set_observer(struct wh_registry_http *h, wh_registry_observe_fn *fn, void *arg)
{
    h->observe = fn;
    h->observe_arg = arg;
}

unsigned long
wh_registry_http_requests(const struct wh_registry_http *h)
{
    return h->requests;
}

bool
wh_registry_http_is_plain(const struct wh_registry_http *h, const char *host, size_t n)
{
    for (size_t i = 0; i < h->n_plain_hosts; i++)
        if (strlen(h->plain_hosts[i]) == n && strncmp(h->plain_hosts[i], host, n) == 0)
            return true;
    return false;
}

struct wh_str
wh_registry_http_url_host(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n;

    if (p == NULL)
        return (struct wh_str){url, 0};
    p += 3;
    n = strcspn(p, "/?#");
    return (struct wh_str){p, n};
}

/* As curl_easy_escape, without loading libcurl for it: RFC 3986's unreserved characters kept,
 * every other byte %XX (upper-case hex). */
char *
wh_registry_http_escape(const char *s, struct wh_arena *a)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out, *o;

    if (n > (SIZE_MAX - 1) / 3)
        wh_oom();
    out = o = wh_arena_alloc(a, n * 3 + 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* ---- the body and headers ---- */

/* Makes room for n more bytes (and a NUL). A secret body moves by copy and wipe, never realloc. */
static void
grow(struct transfer *t, size_t n)
{
    size_t want = t->alloc == 0 ? 4096 : t->alloc;
    unsigned char *p;

    /* One allocation of the announced size (within the cap) instead of doublings whose
     * reallocations briefly hold the old and the new block: a 32 MiB blob costs 32 MiB. */
    if (t->alloc == 0 && t->content_length[0] != '\0') {
        char *end;
        unsigned long long cl = strtoull(t->content_length, &end, 10);

        if (*end == '\0' && cl >= n && cl < t->max)
            want = (size_t)cl + 1;
    }
    while (want < t->len + n)
        want *= 2;
    if (!t->secret) {
        p = realloc(t->buf, want);
        if (p == NULL)
            wh_oom();
    } else {
        p = malloc(want);
        if (p == NULL)
            wh_oom();
        if (t->len > 0)
            memcpy(p, t->buf, t->len);
        if (t->buf != NULL) {
            OPENSSL_cleanse(t->buf, t->alloc);
            free(t->buf);
        }
    }
    t->buf = p;
    t->alloc = want;
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;

    if (n > t->max - t->len) {
        t->over = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (t->h->charge != NULL && !t->h->charge(t->h->charge_arg, n, &t->charge_err)) {
        t->charge_refused = true;
        return 0;
    }
    if (t->len + n > t->alloc)
        grow(t, n);
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
        t->content_length[0] = '\0';
        return n;
    }
    capture_header(line, n, "Content-Type", t->content_type, sizeof(t->content_type));
    capture_header(line, n, "Docker-Content-Digest", t->content_digest, sizeof(t->content_digest));
    capture_header(line, n, "WWW-Authenticate", t->www, sizeof(t->www));
    capture_header(line, n, "Retry-After", t->retry_after, sizeof(t->retry_after));
    capture_header(line, n, "Content-Length", t->content_length, sizeof(t->content_length));
    return n;
}

/* ---- TLS ---- */

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
 * curl, for each new TLS connection, before the handshake: adds the transport's CA bundles for
 * the host being connected to (the effective URL: a redirect's target, not the first URL) to the
 * connection's own store, which curl then fills with the system bundle.
 */
static CURLcode
on_ssl_ctx(CURL *curl, void *ssl_ctx, void *userdata)
{
    const struct wh_registry_http *h = userdata;
    X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
    char *url = NULL;
    struct wh_str host = {"", 0};

    if (h->lib->easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != NULL)
        host = tls_authority(wh_registry_http_url_host(url));
    for (size_t i = 0; i < h->n_cas; i++) {
        const struct ca_bundle *b = &h->cas[i];

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

static void
set_tls(struct wh_registry_http *h)
{
    const struct wh_registry_curl *lib = h->lib;

    if (h->ca_only_file != NULL)
        WH_CURL_SETOPT_PTR(lib, h->curl, CURLOPT_CAINFO, h->ca_only_file);
    if (h->client_cert.data != NULL && h->client_key.data != NULL) {
        /* NOCOPY: h owns both (and wipes the key), libcurl reads them for the handle's life */
        WH_CURL_SETOPT_PTR(lib, h->curl, CURLOPT_SSLCERT_BLOB, &h->client_cert);
        WH_CURL_SETOPT_PTR(lib, h->curl, CURLOPT_SSLCERTTYPE, "PEM");
        WH_CURL_SETOPT_PTR(lib, h->curl, CURLOPT_SSLKEY_BLOB, &h->client_key);
        WH_CURL_SETOPT_PTR(lib, h->curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (h->n_cas > 0) {
        /* libcurl (7.87+) caches one X509_STORE per handle for 24 h and gives it to later
         * connections: a CA added for one host would then be trusted for every host, or missing
         * for its own. Without the cache each connection builds its own store. */
        WH_CURL_SETOPT_LONG(lib, h->curl, CURLOPT_CA_CACHE_TIMEOUT, 0L);
        WH_CURL_SETOPT_FN(lib, h->curl, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        WH_CURL_SETOPT_PTR(lib, h->curl, CURLOPT_SSL_CTX_DATA, h);
    }
}

/* ---- the exchange ---- */

/* Tells the observer which host answered what: the URL's authority without credentials. */
static void
observe_request(const struct wh_registry_http *h, const char *url, long status)
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
    h->observe(h->observe_arg, host, status);
}

static const char *
dup_or_null(struct wh_arena *a, const char *s)
{
    return s[0] == '\0' ? NULL : wh_arena_strdup(a, s);
}

/* A transport failure: the timeout, or curl's message, marked transient when a retry may help. */
static enum wh_err
transport_error(const struct wh_registry_http *h, CURLcode cc,
                struct wh_registry_http_response *resp, struct wh_error *err)
{
    const char *why = h->errbuf[0] != '\0' ? h->errbuf : h->lib->easy_strerror(cc);

    if (cc == CURLE_OPERATION_TIMEDOUT)
        return wh_error_set(err, WH_E_TIMEOUT, "timed out: %s", why);
    /* A connection the server reset or closed early is worth another try; TLS, DNS and protocol
     * errors are not (they will fail the same way again). */
    resp->transient = cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
                      cc == CURLE_PARTIAL_FILE || cc == CURLE_COULDNT_CONNECT;
    return wh_error_set(err, WH_E_UNAVAILABLE, "%s", why);
}

/* The outcome of a performed transfer: a budget or cap error, a transport error, or the
 * response (any status). */
static enum wh_err
finish_transfer(const struct wh_registry_http *h, const struct wh_registry_http_request *q,
                struct transfer *t, CURLcode cc, long status, struct wh_arena *a,
                struct wh_registry_http_response *resp, struct wh_error *err)
{
    unsigned char *body;
    bool ok2xx = status >= 200 && status < 300;

    if (t->charge_refused) {
        *err = t->charge_err;
        return err->code;
    }
    if ((t->over || t->len > q->max) && ok2xx)
        return wh_error_set(err, WH_E_LIMIT, "response body exceeds %zu bytes", q->max);
    if (cc == CURLE_FILESIZE_EXCEEDED)
        return wh_error_set(err, WH_E_LIMIT, "response body exceeds %zu bytes (Content-Length)",
                            t->max);
    if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && t->over))
        return transport_error(h, cc, resp, err);
    /* The transfer buffer itself becomes the body (no copy: a 32 MiB blob costs 32 MiB), owned
     * by the caller (take) or freed with the arena. */
    if (t->secret) {
        if (t->alloc < t->len + 1)
            grow(t, 1);
        body = t->buf;
    } else if ((body = realloc(t->buf, t->len + 1)) == NULL) {
        wh_oom();
    }
    t->buf = NULL;
    body[t->len] = '\0';
    resp->status = status;
    resp->truncated = t->over;
    if (q->take && ok2xx)
        resp->heap = body;
    else
        wh_arena_defer(a, t->secret ? free_wiped : free, body);
    resp->body.ptr = body;
    resp->body.len = t->len;
    resp->content_type = dup_or_null(a, t->content_type);
    resp->content_digest = dup_or_null(a, t->content_digest);
    resp->www_authenticate = dup_or_null(a, t->www);
    resp->retry_after = dup_or_null(a, t->retry_after);
    return WH_OK;
}

/* The request's header lines as curl wants them. */
static struct curl_slist *
header_list(const struct wh_registry_curl *lib, const struct wh_registry_http_request *q)
{
    struct curl_slist *list = NULL;

    for (size_t i = 0; i < WH_REGISTRY_HTTP_MAX_HEADERS && q->headers[i] != NULL; i++) {
        struct curl_slist *next = lib->slist_append(list, q->headers[i]);

        if (next == NULL)
            wh_oom();
        list = next;
    }
    return list;
}

/* Frees the header copies, wiped: one of them may carry credentials. */
static void
header_list_free(const struct wh_registry_curl *lib, struct curl_slist *list)
{
    for (struct curl_slist *l = list; l != NULL; l = l->next)
        OPENSSL_cleanse(l->data, strlen(l->data));
    lib->slist_free_all(list);
}

static void
set_options(struct wh_registry_http *h, const struct wh_registry_http_request *q,
            struct transfer *t, struct curl_slist *headers, int64_t left)
{
    CURL *c = h->curl;
    const char *protocols = q->plain_ok ? "http,https" : "https";

    /* Reset keeps the connection cache, DNS cache and TLS sessions; only options go. */
    h->lib->easy_reset(c);
    h->errbuf[0] = '\0';
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_ERRORBUFFER, h->errbuf);
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_URL, q->url);
    WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_NOSIGNAL, 1L);
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_PROTOCOLS_STR, protocols);
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
    WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_TIMEOUT_MS, (long)left);
    WH_CURL_SETOPT_OFF(h->lib, c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);
    WH_CURL_SETOPT_FN(h->lib, c, CURLOPT_WRITEFUNCTION, on_body);
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_WRITEDATA, t);
    WH_CURL_SETOPT_FN(h->lib, c, CURLOPT_HEADERFUNCTION, on_header);
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_HEADERDATA, t);
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_USERAGENT, "driftgate/0");
    WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_HTTPHEADER, headers);
    if (q->follow) {
        /* Blob redirects go to object storage; curl drops our Authorization on a host change. */
        WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_FOLLOWLOCATION, 1L);
        WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    }
    set_tls(h);
    if (q->method != NULL && strcmp(q->method, "HEAD") == 0)
        WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_NOBODY, 1L);
    else if (q->method != NULL && strcmp(q->method, "POST") == 0)
        WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_POSTFIELDS, q->post_fields);
    else if (q->method != NULL &&
             (strcmp(q->method, "PUT") == 0 || strcmp(q->method, "PATCH") == 0)) {
        /* The Kubernetes API's update and patch (kube/): a body sent with that verb. */
        WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_POSTFIELDS, q->post_fields);
        WH_CURL_SETOPT_PTR(h->lib, c, CURLOPT_CUSTOMREQUEST, q->method);
    } else
        WH_CURL_SETOPT_LONG(h->lib, c, CURLOPT_HTTPGET, 1L);
}

/* The easy handle, made by the first exchange: libcurl is loaded when a command first needs the
 * network, not when it makes a transport it may never use. */
static enum wh_err
make_handle(struct wh_registry_http *h, struct wh_error *err)
{
    if (wh_registry_curl_load(&h->lib, err) != WH_OK)
        return err->code;
    h->curl = h->lib->easy_init();
    if (h->curl == NULL)
        wh_oom();
    return WH_OK;
}

enum wh_err
wh_registry_http_exchange(struct wh_registry_http *h, const struct wh_registry_http_request *q,
                          struct wh_arena *a, struct wh_registry_http_response *resp,
                          struct wh_error *err)
{
    struct transfer *t;
    struct curl_slist *headers;
    int64_t left;
    enum wh_err rc;
    CURLcode cc;
    long status = 0;

    if (h->curl == NULL && make_handle(h, err) != WH_OK)
        return err->code;
    /* curl's timeout counts from easy_perform: take what is left of the deadline after the
     * handle exists (the first one loads libcurl, 5-30 ms), or the transfer ends that much late. */
    left = wh_clock_left_ms(q->deadline_ms);
    if (left <= 0)
        return wh_error_set(err, WH_E_TIMEOUT, "deadline passed before the request was sent");
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        wh_oom();
    /* Error bodies up to error_max are read (for their error code) even when the success cap is
     * lower; a 2xx body over q->max is still refused. */
    t->max = q->max > q->error_max ? q->max : q->error_max;
    t->secret = q->secret;
    t->h = h;
    headers = header_list(h->lib, q);
    set_options(h, q, t, headers, left);
    h->requests++;
    cc = h->lib->easy_perform(h->curl);
    h->lib->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    if (h->observe != NULL)
        observe_request(h, q->url, cc == CURLE_OK ? status : 0);
    /* Unset pointers into `t` and the header list before they go away. */
    WH_CURL_SETOPT_PTR(h->lib, h->curl, CURLOPT_HTTPHEADER, NULL);
    WH_CURL_SETOPT_PTR(h->lib, h->curl, CURLOPT_POSTFIELDS, NULL);
    header_list_free(h->lib, headers);
    rc = finish_transfer(h, q, t, cc, status, a, resp, err);
    if (t->secret)
        free_wiped(t->buf);
    else
        free(t->buf);
    free(t);
    return rc;
}
