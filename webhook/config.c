/*
 * The server configuration: defaults, then a strict YAML overlay read with the one YAML reader
 * (base/yaml_tree.h: aliases, anchors, tags and duplicate keys refused, every error positioned).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/file.h"
#include "base/yaml_tree.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define CONFIG_MAX_LIST 64

enum field_kind {
    K_MAP,
    K_STRING,
    K_STRING_LIST,
    K_SIZE,       /* size_t */
    K_INT64,      /* int64_t */
    K_UINT,       /* unsigned */
    K_SECONDS_MS, /* value in seconds, stored as int64_t milliseconds */
    K_LISTEN,
    K_PROBE_LISTEN, /* like K_LISTEN, into probe_listen/probe_host/probe_port */
    K_TLS,
    K_LOG_LEVEL,
    K_HOST_MAP, /* {"host[:port]": string}: keys at off, values at off_n + count after them */
};

struct field {
    const char *key;
    enum field_kind kind;
    size_t off;   /* into struct wh_config; for K_STRING_LIST the array, count follows */
    size_t off_n; /* K_STRING_LIST: offset of the count */
    int64_t min;  /* numbers: inclusive range */
    int64_t max;
    const struct field *sub; /* K_MAP, K_TLS */
};

#define OFF(m) offsetof(struct wh_config, m)

static const struct field tls_fields[] = {
    {"cert", K_STRING, OFF(tls_cert), 0, 0, 0, NULL},
    {"key", K_STRING, OFF(tls_key), 0, 0, 0, NULL},
    {"clientCA", K_STRING, OFF(tls_client_ca), 0, 0, 0, NULL},
    {"clientNames", K_STRING_LIST, OFF(tls_client_names), OFF(n_tls_client_names), 0, 0, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

#define MIB ((int64_t)1 << 20)
static const struct field server_fields[] = {
    {"maxConnections", K_SIZE, OFF(max_connections), 0, 1, 100000, NULL},
    {"maxBodyBytesInFlight", K_SIZE, OFF(max_inflight_body_bytes), 0, MIB, 64 * 1024 * MIB, NULL},
    {"requestTimeoutMillis", K_INT64, OFF(request_timeout_ms), 0, 100, 600000, NULL},
    {"handshakeTimeoutMillis", K_INT64, OFF(handshake_timeout_ms), 0, 100, 600000, NULL},
    {"probeListen", K_PROBE_LISTEN, 0, 0, 0, 0, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

static const struct field registry_retry_fields[] = {
    {"maxAttempts", K_UINT, OFF(registry.retry.max_attempts), 0, 1, 10, NULL},
    {"baseMillis", K_INT64, OFF(registry.retry.base_ms), 0, 1, 60000, NULL},
    {"maxWaitMillis", K_INT64, OFF(registry.retry.max_wait_ms), 0, 1, 30000, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

/* K_HOST_MAP stores its count right after its values array. */
_Static_assert(OFF(registry.n_registry_ca_files) ==
                   OFF(registry.registry_ca_files) + sizeof(const char **),
               "registry.caFiles: count must follow the values");

static const struct field registry_fields[] = {
    {"dockerConfig", K_STRING, OFF(registry.docker_config), 0, 0, 0, NULL},
    {"caFile", K_STRING, OFF(registry.ca_file), 0, 0, 0, NULL},
    {"plainHTTP", K_STRING_LIST, OFF(registry.plain_http_hosts), OFF(registry.n_plain_http_hosts),
     0, 0, NULL},
    {"caFiles", K_HOST_MAP, OFF(registry.registry_ca_hosts), OFF(registry.registry_ca_files), 0, 0,
     NULL},
    {"maxConcurrentPerRegistry", K_UINT, OFF(registry.max_concurrent_per_registry), 0, 1, 1024,
     NULL},
    {"parallelFetches", K_UINT, OFF(registry.parallel_fetches), 0, 1,
     WH_REGISTRY_PARALLEL_FETCHES_MAX, NULL},
    {"retry", K_MAP, 0, 0, 0, 0, registry_retry_fields},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

static const struct field kube_fields[] = {
    {"apiServer", K_STRING, OFF(kube_api_server), 0, 0, 0, NULL},
    {"tokenFile", K_STRING, OFF(kube_token_file), 0, 0, 0, NULL},
    {"caFile", K_STRING, OFF(kube_ca_file), 0, 0, 0, NULL},
    {"secretTTLSeconds", K_INT64, OFF(kube_secret_ttl_s), 0, 0, 3600, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

#define GIB ((int64_t)1 << 30)
static const struct field limits_fields[] = {
    {"bodyBytes", K_SIZE, OFF(limits.body_bytes), 0, 1024, GIB, NULL},
    {"images", K_SIZE, OFF(limits.images), 0, 1, 100000, NULL},
    {"manifestBytes", K_SIZE, OFF(limits.manifest_bytes), 0, 1024, GIB, NULL},
    {"blobBytes", K_SIZE, OFF(limits.blob_bytes), 0, 1024, 4 * GIB, NULL},
    {"signatures", K_SIZE, OFF(limits.signatures), 0, 1, 10000, NULL},
    {"sbomBytes", K_SIZE, OFF(limits.sbom_bytes), 0, 1024, 4 * GIB, NULL},
    {"sbomComponents", K_SIZE, OFF(limits.sbom_components), 0, 1, 100000000, NULL},
    {"policyBytes", K_SIZE, OFF(limits.policy_bytes), 0, 1024, GIB, NULL},
    {"jsonDepth", K_SIZE, OFF(limits.json_depth), 0, 2, 10000, NULL},
    {"responseBytes", K_SIZE, OFF(limits.response_bytes), 0, 1024, GIB, NULL},
    {"reviewBytes", K_SIZE, OFF(limits.review_bytes), 0, 64 * 1024, 16 * GIB, NULL},
    {"processBytes", K_SIZE, OFF(limits.process_bytes), 0, 64 * 1024, 64 * GIB, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

/* The apiserver allows timeoutSeconds up to 30, so no review may be budgeted longer. */
static const struct field timeouts_fields[] = {
    {"reviewMaxSeconds", K_SECONDS_MS, OFF(review_max_ms), 0, 1, 30, NULL},
    {"marginMillis", K_INT64, OFF(margin_ms), 0, 0, 10000, NULL},
    {"registryConnectMillis", K_INT64, OFF(registry_connect_ms), 0, 1, 60000, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

static const struct field reload_fields[] = {
    {"pollMillis", K_INT64, OFF(reload_poll_ms), 0, 0, 3600000, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

static const struct field cache_fields[] = {
    {"entries", K_SIZE, OFF(cache_entries), 0, 0, 100000000, NULL},
    {"bytes", K_SIZE, OFF(cache_bytes), 0, 0, 64 * GIB, NULL},
    {"tagTTLSeconds", K_INT64, OFF(cache_tag_ttl_s), 0, 0, 86400, NULL},
    {"failureTTLSeconds", K_INT64, OFF(cache_failure_ttl_s), 0, 0, 3600, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

static const struct field log_fields[] = {
    {"level", K_LOG_LEVEL, OFF(log_level), 0, 0, 0, NULL},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

static const struct field root_fields[] = {
    {"listen", K_LISTEN, OFF(listen), 0, 0, 0, NULL},
    {"tls", K_TLS, 0, 0, 0, 0, tls_fields},
    {"server", K_MAP, 0, 0, 0, 0, server_fields},
    {"policy", K_STRING, OFF(policy_path), 0, 0, 0, NULL},
    {"trustRoots", K_STRING_LIST, OFF(trust_roots), OFF(n_trust_roots), 0, 0, NULL},
    {"policyKeyDirs", K_STRING_LIST, OFF(policy_key_dirs), OFF(n_policy_key_dirs), 0, 0, NULL},
    {"registry", K_MAP, 0, 0, 0, 0, registry_fields},
    {"kube", K_MAP, 0, 0, 0, 0, kube_fields},
    {"limits", K_MAP, 0, 0, 0, 0, limits_fields},
    {"timeouts", K_MAP, 0, 0, 0, 0, timeouts_fields},
    {"workers", K_UINT, OFF(workers), 0, 1, 256, NULL},
    {"queue", K_SIZE, OFF(queue), 0, 1, 65536, NULL},
    {"cache", K_MAP, 0, 0, 0, 0, cache_fields},
    {"reload", K_MAP, 0, 0, 0, 0, reload_fields},
    {"log", K_MAP, 0, 0, 0, 0, log_fields},
    {NULL, K_MAP, 0, 0, 0, 0, NULL},
};

struct parser {
    const char *path;
    struct wh_config *c;
    struct wh_error *err;
};

void
wh_config_defaults(struct wh_config *c)
{
    static const struct wh_limits limits = WH_LIMITS_DEFAULT;

    memset(c, 0, sizeof(*c));
    c->listen = "0.0.0.0:8443";
    snprintf(c->listen_host, sizeof(c->listen_host), "0.0.0.0");
    c->listen_port = 8443;
    c->tls_enabled = true;
    c->tls_cert = "/etc/driftgate/tls/tls.crt";
    c->tls_key = "/etc/driftgate/tls/tls.key";
    c->policy_path = "/etc/driftgate/policy/policy.yaml";
    c->limits = limits;
    c->review_max_ms = 25000;
    c->margin_ms = 1000;
    c->registry_connect_ms = 2000;
    c->registry.max_concurrent_per_registry = 8;
    c->registry.parallel_fetches = WH_REGISTRY_PARALLEL_FETCHES;
    c->registry.retry.max_attempts = 4;
    c->registry.retry.base_ms = 200;
    c->registry.retry.max_wait_ms = 10000;
    c->kube_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    c->kube_ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    c->kube_secret_ttl_s = 60;
    c->reload_poll_ms = 10000;
    c->workers = 4;
    c->queue = 64;
    c->cache_entries = 65536;
    c->cache_bytes = 64u << 20;
    c->cache_tag_ttl_s = 30;
    c->cache_failure_ttl_s = 5;
    c->log_level = WH_LOG_INFO;
    /* One peer holding max-size bodies one byte short on every connection it may open must not
     * grow the process past its memory limit (manifests: 256 MiB). */
    c->max_connections = 256;
    c->max_inflight_body_bytes = 16u << 20;
    c->request_timeout_ms = 10000;
    c->handshake_timeout_ms = 5000;
    wh_arena_init(&c->arena);
}

void
wh_config_fini(struct wh_config *c)
{
    if (c == NULL)
        return;
    wh_arena_fini(&c->arena);
}

enum wh_err
wh_config_listen_parse(const char *text, char host[46], uint16_t *port, struct wh_error *err)
{
    const char *colon = strrchr(text, ':');
    const char *h = text;
    size_t hlen;
    char buf[46];
    unsigned char addr[16];
    char *end;
    unsigned long p;
    int family = AF_INET;

    if (colon == NULL)
        return wh_error_set(err, WH_E_INVALID, "listen address \"%s\" has no :PORT", text);
    hlen = (size_t)(colon - text);
    if (hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']') {
        h = text + 1;
        hlen -= 2;
        family = AF_INET6;
    }
    if (hlen == 0 || hlen >= sizeof(buf))
        return wh_error_set(err, WH_E_INVALID, "listen address \"%s\" has no valid host", text);
    memcpy(buf, h, hlen);
    buf[hlen] = '\0';
    if (inet_pton(family, buf, addr) != 1)
        return wh_error_set(err, WH_E_INVALID,
                            "listen address \"%s\": host must be a numeric %s address", text,
                            family == AF_INET ? "IPv4 (or [IPv6])" : "IPv6");
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || p == 0 || p > 65535)
        return wh_error_set(err, WH_E_INVALID, "listen address \"%s\": port must be 1-65535", text);
    memcpy(host, buf, hlen + 1);
    *port = (uint16_t)p;
    return WH_OK;
}

static enum wh_err fail_at(struct parser *p, const struct wh_yaml_node *n, enum wh_err code,
                           const char *fmt, ...) WH_PRINTF(4, 5);

static enum wh_err
fail_at(struct parser *p, const struct wh_yaml_node *n, enum wh_err code, const char *fmt, ...)
{
    char msg[sizeof(p->err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return wh_error_set_at(p->err, code, p->path, n->line, n->col, "%s", msg);
}

static struct wh_str
scalar(const struct wh_yaml_node *n)
{
    return (struct wh_str){n->text, n->len};
}

/* A boolean by the policy's rule too (base/yaml_scalar.h): plain true/True/TRUE, false/... */
static bool
is_bool(const struct wh_yaml_node *n, bool *out)
{
    double num;

    return wh_yaml_tree_scalar(n, &num, out) == WH_YAML_BOOL;
}

static enum wh_err
expect_scalar(struct parser *p, const struct wh_yaml_node *n, const char *key, const char *what)
{
    if (n->kind != WH_YAML_SCALAR)
        return fail_at(p, n, WH_E_INVALID, "%s: expected %s", key, what);
    return WH_OK;
}

static enum wh_err
parse_number(struct parser *p, const struct wh_yaml_node *n, const struct field *f, int64_t *out)
{
    struct wh_str s = scalar(n);
    int64_t v = 0;
    size_t i;

    if (n->kind != WH_YAML_SCALAR || !n->plain || s.len == 0 || s.len > 18)
        return fail_at(p, n, WH_E_INVALID, "%s: expected an unquoted integer", f->key);
    for (i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return fail_at(p, n, WH_E_INVALID, "%s: expected an unquoted integer, got \"%.*s\"",
                           f->key, (int)s.len, s.ptr);
        v = v * 10 + (s.ptr[i] - '0');
    }
    if (v < f->min || v > f->max)
        return fail_at(p, n, WH_E_INVALID, "%s: %lld is out of range %lld-%lld", f->key,
                       (long long)v, (long long)f->min, (long long)f->max);
    *out = v;
    return WH_OK;
}

static enum wh_err
parse_string_list(struct parser *p, const struct wh_yaml_node *n, const struct field *f)
{
    const char **items;
    enum wh_err rc;
    size_t i;

    if (n->kind != WH_YAML_SEQ)
        return fail_at(p, n, WH_E_INVALID, "%s: expected a list of strings", f->key);
    items = wh_arena_calloc(&p->c->arena, CONFIG_MAX_LIST, sizeof(*items));
    for (i = 0; i < n->n; i++) {
        const struct wh_yaml_node *item = n->kids[i];

        if ((rc = expect_scalar(p, item, f->key, "a string item")) != WH_OK)
            return rc;
        if (i == CONFIG_MAX_LIST)
            return fail_at(p, item, WH_E_LIMIT, "%s: more than %d items", f->key, CONFIG_MAX_LIST);
        if (item->len == 0)
            return fail_at(p, item, WH_E_INVALID, "%s: empty item", f->key);
        items[i] = wh_arena_strdup_view(&p->c->arena, scalar(item));
    }
    *(const char ***)((char *)p->c + f->off) = items;
    *(size_t *)((char *)p->c + f->off_n) = n->n;
    return WH_OK;
}

static enum wh_err parse_mapping(struct parser *p, const struct wh_yaml_node *map,
                                 const struct field *fields, const char *where);

/* [IPv6] as image references spell it: hex digits, colons and dots between brackets. *len is the
 * bracketed host's length. */
static bool
is_bracketed_ipv6(struct wh_str s, size_t *len)
{
    const char *close = memchr(s.ptr, ']', s.len);

    if (close == NULL || close == s.ptr + 1)
        return false;
    for (const char *q = s.ptr + 1; q < close; q++)
        if (strchr("0123456789abcdefABCDEF:.", *q) == NULL)
            return false;
    *len = (size_t)(close - s.ptr) + 1;
    return true;
}

/* A DNS name or IPv4 up to the first colon; *len is its length. */
static bool
is_host_name(struct wh_str s, size_t *len)
{
    const char *colon = memchr(s.ptr, ':', s.len);

    *len = colon == NULL ? s.len : (size_t)(colon - s.ptr);
    if (*len == 0)
        return false;
    for (size_t i = 0; i < *len; i++)
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", s.ptr[i]) ==
            NULL)
            return false;
    return true;
}

/* A registry host as image references spell it: DNS name or IPv4, or [IPv6], then :port. */
static bool
is_host_port(struct wh_str s)
{
    size_t host_len;

    if (s.len == 0 || s.len > 255)
        return false;
    if (!(s.ptr[0] == '[' ? is_bracketed_ipv6(s, &host_len) : is_host_name(s, &host_len)))
        return false;
    if (host_len == s.len)
        return true;
    if (s.ptr[host_len] != ':' || s.len - host_len < 2 || s.len - host_len > 6)
        return false;
    for (size_t i = host_len + 1; i < s.len; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    return true;
}

/* Entry i of a host map: keys[i] and values[i] from `key` and `value`. */
static enum wh_err
parse_host_entry(struct parser *p, const struct field *f, const struct wh_yaml_node *key,
                 const struct wh_yaml_node *value, const char **keys, const char **values, size_t i)
{
    enum wh_err rc;

    if (!is_host_port(scalar(key)))
        return fail_at(p, key, WH_E_INVALID, "%s: \"%.*s\" is not a registry host[:port]", f->key,
                       (int)(key->len > 100 ? 100 : key->len), key->text);
    keys[i] = wh_arena_strdup_view(&p->c->arena, scalar(key));
    for (size_t k = 0; k < i; k++)
        if (strcasecmp(keys[k], keys[i]) == 0)
            return fail_at(p, key, WH_E_INVALID, "%s: duplicate host \"%s\"", f->key, keys[i]);
    if ((rc = expect_scalar(p, value, keys[i], "a file path")) != WH_OK)
        return rc;
    if (value->len == 0)
        return fail_at(p, value, WH_E_INVALID, "%s: %s: empty path", f->key, keys[i]);
    values[i] = wh_arena_strdup_view(&p->c->arena, scalar(value));
    return WH_OK;
}

/* {"host[:port]": "value", ...}: unique hosts (case-insensitive), non-empty values. */
static enum wh_err
parse_host_map(struct parser *p, const struct wh_yaml_node *n, const struct field *f)
{
    const char **keys, **values;
    enum wh_err rc;
    size_t i;

    if (n->kind != WH_YAML_MAP)
        return fail_at(p, n, WH_E_INVALID, "%s: expected a mapping of \"host[:port]\": path",
                       f->key);
    keys = wh_arena_calloc(&p->c->arena, CONFIG_MAX_LIST, sizeof(*keys));
    values = wh_arena_calloc(&p->c->arena, CONFIG_MAX_LIST, sizeof(*values));
    for (i = 0; i + 1 < n->n; i += 2) {
        if (i / 2 == CONFIG_MAX_LIST)
            return fail_at(p, n->kids[i], WH_E_LIMIT, "%s: more than %d entries", f->key,
                           CONFIG_MAX_LIST);
        rc = parse_host_entry(p, f, n->kids[i], n->kids[i + 1], keys, values, i / 2);
        if (rc != WH_OK)
            return rc;
    }
    *(const char ***)((char *)p->c + f->off) = keys;
    *(const char ***)((char *)p->c + f->off_n) = values;
    *(size_t *)((char *)p->c + f->off_n + sizeof(const char **)) = n->n / 2;
    return WH_OK;
}

static enum wh_err
parse_log_level(struct parser *p, const struct wh_yaml_node *n, const struct field *f)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    enum wh_err rc;
    size_t i;

    if ((rc = expect_scalar(p, n, f->key, "debug, info, warn or error")) != WH_OK)
        return rc;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (wh_str_eq_c(scalar(n), names[i])) {
            *(enum wh_log_level *)((char *)p->c + f->off) = (enum wh_log_level)i;
            return WH_OK;
        }
    }
    return fail_at(p, n, WH_E_INVALID, "%s: \"%.*s\" is not debug, info, warn or error", f->key,
                   (int)n->len, n->text);
}

static enum wh_err
parse_listen(struct parser *p, const struct wh_yaml_node *n, const struct field *f)
{
    char host[46];
    uint16_t port;
    char *text;
    enum wh_err rc;

    if ((rc = expect_scalar(p, n, f->key, "\"HOST:PORT\"")) != WH_OK)
        return rc;
    text = wh_arena_strdup_view(&p->c->arena, scalar(n));
    if (wh_config_listen_parse(text, host, &port, p->err) != WH_OK)
        return fail_at(p, n, WH_E_INVALID, "%s: %s", f->key, p->err->msg);
    if (f->kind == K_LISTEN) {
        p->c->listen = text;
        memcpy(p->c->listen_host, host, sizeof(host));
        p->c->listen_port = port;
    } else {
        p->c->probe_listen = text;
        memcpy(p->c->probe_host, host, sizeof(host));
        p->c->probe_port = port;
    }
    return WH_OK;
}

static enum wh_err
parse_int_field(struct parser *p, const struct wh_yaml_node *n, const struct field *f)
{
    char *base = (char *)p->c;
    int64_t v = 0;
    enum wh_err rc = parse_number(p, n, f, &v);

    if (rc != WH_OK)
        return rc;
    if (f->kind == K_SIZE)
        *(size_t *)(base + f->off) = (size_t)v;
    else if (f->kind == K_INT64)
        *(int64_t *)(base + f->off) = v;
    else if (f->kind == K_UINT)
        *(unsigned *)(base + f->off) = (unsigned)v;
    else
        *(int64_t *)(base + f->off) = v * 1000;
    return WH_OK;
}

static enum wh_err
parse_value(struct parser *p, const struct wh_yaml_node *n, const struct field *f)
{
    enum wh_err rc;

    switch (f->kind) {
    case K_MAP:
        if (n->kind != WH_YAML_MAP)
            return fail_at(p, n, WH_E_INVALID, "%s: expected a mapping", f->key);
        return parse_mapping(p, n, f->sub, f->key);
    case K_TLS:
        if (is_bool(n, &p->c->tls_enabled))
            return WH_OK;
        if (n->kind != WH_YAML_MAP)
            return fail_at(p, n, WH_E_INVALID, "tls: expected {cert: FILE, key: FILE} or false");
        p->c->tls_enabled = true;
        return parse_mapping(p, n, f->sub, f->key);
    case K_STRING:
        if ((rc = expect_scalar(p, n, f->key, "a string")) != WH_OK)
            return rc;
        *(const char **)((char *)p->c + f->off) =
            n->len == 0 ? NULL : wh_arena_strdup_view(&p->c->arena, scalar(n));
        return WH_OK;
    case K_STRING_LIST:
        return parse_string_list(p, n, f);
    case K_HOST_MAP:
        return parse_host_map(p, n, f);
    case K_LISTEN:
    case K_PROBE_LISTEN:
        return parse_listen(p, n, f);
    case K_LOG_LEVEL:
        return parse_log_level(p, n, f);
    case K_SIZE:
    case K_INT64:
    case K_UINT:
    case K_SECONDS_MS:
        return parse_int_field(p, n, f);
    }
    return fail_at(p, n, WH_E_INTERNAL, "%s: unhandled field kind", f->key);
}

/* Every key of `map` is one of `fields` (the reader refused duplicates). */
static enum wh_err
parse_mapping(struct parser *p, const struct wh_yaml_node *map, const struct field *fields,
              const char *where)
{
    enum wh_err rc;
    size_t i, k;

    for (k = 0; k + 1 < map->n; k += 2) {
        const struct wh_yaml_node *key = map->kids[k];

        for (i = 0; fields[i].key != NULL; i++)
            if (wh_str_eq_c(scalar(key), fields[i].key))
                break;
        if (fields[i].key == NULL)
            return fail_at(p, key, WH_E_INVALID, "unknown key \"%.*s\" in %s", (int)key->len,
                           key->text, where);
        if ((rc = parse_value(p, map->kids[k + 1], &fields[i])) != WH_OK)
            return rc;
    }
    return WH_OK;
}

/* The document: nothing (comments only, or a bare "---") keeps the defaults. */
static enum wh_err
parse_document(struct parser *p, struct wh_bytes text, struct wh_arena *tmp)
{
    const struct wh_yaml_opts opts = {
        .file = p->path, .what = "the config", .max_depth = WH_YAML_DEPTH_MAX};
    struct wh_yaml_node *root;
    enum wh_err rc = wh_yaml_tree_build(text, &opts, tmp, &root, p->err);

    if (rc != WH_OK || root == NULL ||
        (root->kind == WH_YAML_SCALAR && root->plain && root->len == 0))
        return rc;
    if (root->kind != WH_YAML_MAP)
        return fail_at(p, root, WH_E_INVALID, "expected a mapping at the top level");
    return parse_mapping(p, root, root_fields, "config");
}

static enum wh_err
check_consistent(const struct wh_config *c, struct wh_error *err)
{
    if (c->tls_enabled && (c->tls_cert == NULL || c->tls_key == NULL))
        return wh_error_set(err, WH_E_INVALID, "%s: tls needs both cert and key", c->path);
    if (c->margin_ms >= c->review_max_ms)
        return wh_error_set(err, WH_E_INVALID,
                            "%s: timeouts.marginMillis (%lld) must be below reviewMaxSeconds",
                            c->path, (long long)c->margin_ms);
    if (c->policy_path == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: policy must not be empty", c->path);
    if (!c->tls_enabled && c->tls_client_ca != NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: tls.clientCA needs tls (it is false)", c->path);
    if (c->n_tls_client_names > 0 && c->tls_client_ca == NULL)
        return wh_error_set(err, WH_E_INVALID,
                            "%s: tls.clientNames needs tls.clientCA (the CA that signs them)",
                            c->path);
    if (c->probe_port != 0 && !c->tls_enabled)
        return wh_error_set(err, WH_E_INVALID, "%s: server.probeListen needs tls", c->path);
    if (c->probe_port != 0 && c->probe_port == c->listen_port)
        return wh_error_set(err, WH_E_INVALID, "%s: server.probeListen must not be listen's port",
                            c->path);
    /* A body of limits.bodyBytes may hold twice its size while it arrives (the buffer doubles):
     * a smaller budget could never finish reading one. */
    if (c->max_inflight_body_bytes < 2 * c->limits.body_bytes)
        return wh_error_set(err, WH_E_INVALID,
                            "%s: server.maxBodyBytesInFlight (%zu) must be at least twice "
                            "limits.bodyBytes (%zu)",
                            c->path, c->max_inflight_body_bytes, c->limits.body_bytes);
    return WH_OK;
}

enum wh_err
wh_config_load(const char *path, struct wh_config *out, struct wh_error *err)
{
    struct wh_arena tmp;
    struct wh_bytes bytes;
    struct parser p;
    enum wh_err rc;

    wh_arena_init(&tmp);
    rc = wh_file_read(path, CONFIG_MAX_BYTES, &tmp, &bytes, err);
    if (rc != WH_OK) {
        wh_arena_fini(&tmp);
        return wh_error_wrap(err, "config");
    }
    wh_config_defaults(out);
    out->path = wh_arena_strdup(&out->arena, path);
    p.path = out->path;
    p.c = out;
    p.err = err;
    rc = parse_document(&p, bytes, &tmp);
    wh_arena_fini(&tmp);
    if (rc == WH_OK)
        rc = check_consistent(out, err);
    if (rc != WH_OK)
        wh_config_fini(out);
    return rc;
}
