#ifndef WH_REGISTRY_HTTP_H
#define WH_REGISTRY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * One bounded, deadline-aware HTTP exchange over libcurl, shared by the registry client and the
 * Kubernetes API client (kube/). Policy, the same for both: https only (http:// only for a request
 * that allows it, redirects included); redirects followed only when asked, at most 5; the body
 * capped by Content-Length before it streams and byte by byte while it does; the deadline is
 * curl's connect and total timeout, and a passed one is WH_E_TIMEOUT before anything is sent; TLS
 * trusts the system store plus the transport's CA bundles (per host when a host is named), or
 * only `ca_only_file`. A transport owns one easy handle (connections and TLS sessions reused
 * between exchanges): not thread-safe, one per thread or one per exchange.
 */
struct wh_registry_http;

struct wh_registry_http_options {
    const char *ca_file; /* PEM trusted besides the system store, for every host; may be NULL */
    /* PEM bundles trusted besides the system store and ca_file for ca_hosts[i] only ("host[:port]";
     * case-insensitive; "host" and "host:443" are the same); read once by _new. */
    const char *const *ca_hosts;
    const char *const *ca_files;
    size_t n_ca_files;
    /* PEM trusted instead of the system store (the Kubernetes API's CA); NULL: system store. */
    const char *ca_only_file;
    /* "host:port" entries a caller may speak plain http:// to (wh_registry_http_is_plain). */
    const char *const *plain_hosts;
    size_t n_plain_hosts;
    /* A client certificate chain and its private key (PEM) for every TLS handshake (the
     * Kubernetes API's kubeconfig user); both or neither. Copied; the key is wiped when freed. */
    struct wh_bytes client_cert_pem, client_key_pem;
};

/*
 * Called with the size of every body chunk before it is kept. Returning false (with *err set)
 * cuts the transfer off; the exchange then fails with that error. (The registry's review budget.)
 */
typedef bool wh_registry_http_charge_fn(void *arg, size_t n, struct wh_error *err);

/* Called after every exchange with the host[:port] it went to (no credentials) and the HTTP
 * status, 0 when no answer came (connection, TLS or timeout failure). Runs on the thread that
 * owns the transport; `fn` must be thread-safe if several transports share it. */
typedef void wh_registry_observe_fn(void *arg, const char *host, long status);

#define WH_REGISTRY_HTTP_MAX_HEADERS 4

/* WWW-Authenticate values longer than this are rejected (WH_E_LIMIT) before parsing. */
#define WH_REGISTRY_MAX_CHALLENGE 4096

struct wh_registry_http_request {
    const char *method;      /* "GET", "HEAD", "POST", "PUT" or "PATCH" */
    const char *url;         /* http(s), already escaped */
    const char *post_fields; /* POST, PUT and PATCH only (secret: the caller wipes it) */
    /* Whole header lines ("Accept: ..."), NULL-terminated when fewer; their copies are wiped. */
    const char *headers[WH_REGISTRY_HTTP_MAX_HEADERS];
    size_t max;       /* cap on a 2xx body: more is WH_E_LIMIT */
    size_t error_max; /* non-2xx bodies are read up to the larger of max and error_max */
    bool follow;      /* follow redirects (curl drops Authorization on a host change) */
    bool plain_ok;    /* http:// allowed */
    bool take;        /* a 2xx body's heap buffer goes to the caller (resp->heap) */
    bool secret;      /* the body is secret: never left in freed memory unwiped */
    int64_t deadline_ms;
};

/* What one exchange brought back. Strings live in the caller's arena, the body too unless taken. */
struct wh_registry_http_response {
    long status;
    struct wh_bytes body;         /* NUL-terminated */
    const char *content_type;     /* NULL when absent */
    const char *content_digest;   /* Docker-Content-Digest, NULL when absent */
    const char *www_authenticate; /* NULL when absent */
    const char *retry_after;      /* NULL when absent */
    bool truncated; /* a non-2xx body cut at the cap (a 2xx over the cap is WH_E_LIMIT) */
    bool transient; /* set on a transport error worth retrying (reset, empty reply, truncated) */
    unsigned char *heap; /* the body's heap buffer when the caller took it (take), else NULL */
};

/*
 * Creates a transport; reads the CA bundles now (WH_E_INVALID naming the file and host, WH_E_LIMIT
 * past 1000 certificates in one file). The options are copied. *out valid only on WH_OK; free it
 * with wh_registry_http_free.
 */
WH_MUST_CHECK enum wh_err wh_registry_http_new(const struct wh_registry_http_options *o,
                                               struct wh_registry_http **out, struct wh_error *err);
/* A transport with `from`'s CA bundles and plain-http hosts (copied), its own connections and
 * counters, no charge hook or observer. *out valid only on WH_OK. */
WH_MUST_CHECK enum wh_err wh_registry_http_clone(const struct wh_registry_http *from,
                                                 struct wh_registry_http **out,
                                                 struct wh_error *err);
void wh_registry_http_free(struct wh_registry_http *h);

/* Every body chunk of every later exchange is charged to fn(arg, n) first; NULL: none. */
void wh_registry_http_set_charge(struct wh_registry_http *h, wh_registry_http_charge_fn *fn,
                                 void *arg);
void wh_registry_http_set_observer(struct wh_registry_http *h, wh_registry_observe_fn *fn,
                                   void *arg);

/*
 * Performs one request. WH_OK whenever an HTTP answer arrived (any status; *resp valid); a passed
 * deadline, a timeout (WH_E_TIMEOUT, "timed out: ..."), a 2xx body over max or a Content-Length
 * over the cap (WH_E_LIMIT), a charge refused (its error) and transport or TLS failures
 * (WH_E_UNAVAILABLE with curl's message; resp->transient says whether a retry may help) are
 * errors. A secret body is wiped before its memory is freed.
 */
WH_MUST_CHECK enum wh_err wh_registry_http_exchange(struct wh_registry_http *h,
                                                    const struct wh_registry_http_request *q,
                                                    struct wh_arena *a,
                                                    struct wh_registry_http_response *resp,
                                                    struct wh_error *err);

/* Exchanges attempted since creation. */
unsigned long wh_registry_http_requests(const struct wh_registry_http *h);

/* Whether host[0..n) is one of the options' plain_hosts. */
bool wh_registry_http_is_plain(const struct wh_registry_http *h, const char *host, size_t n);

/* Host[:port] of an http(s) URL (userinfo included), as a view into `url`; empty without "://". */
struct wh_str wh_registry_http_url_host(const char *url);

/* `s` percent-escaped for a URL query or path segment, in `a`. */
char *wh_registry_http_escape(const char *s, struct wh_arena *a);

#endif
