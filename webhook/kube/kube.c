/*
 * Kubernetes API client: GET one Secret with the service account token (over the registry's
 * bounded HTTP exchange, registry/http.h), parse the docker config out of it, cache it per
 * (namespace, name) for a TTL; and plain JSON calls for reverify (kube/pods.c, cli/reverify.c).
 * Secrets and tokens are wiped when dropped and never appear in messages.
 */
#include "kube/kube.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/file.h"
#include "registry/http.h"

#define CACHE_SIZE 64
#define TOKEN_MAX (64u * 1024)
#define DEFAULT_TOKEN "/var/run/secrets/kubernetes.io/serviceaccount/token"
#define DEFAULT_CA "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

struct entry {
    char *key;             /* "ns/name" */
    unsigned char *config; /* secret: wiped when dropped */
    size_t len;
    int64_t expires_ms;
};

struct wh_kube_client {
    char *api_server;
    char *token_file;
    char *ca_file;      /* NULL when the file does not exist: the system store then */
    char *secrets_need; /* the RBAC rule a 403 on a secret names */
    char *token;        /* an inline bearer token (secret), or NULL: token_file */
    struct wh_bytes client_cert, client_key; /* PEM (the key secret), or empty */
    int64_t ttl_ms;
    pthread_mutex_t lock;
    struct entry cache[CACHE_SIZE];
    unsigned long requests;
};

static void
entry_drop(struct entry *e)
{
    free(e->key);
    if (e->config != NULL) {
        OPENSSL_cleanse(e->config, e->len);
        free(e->config);
    }
    memset(e, 0, sizeof(*e));
}

static struct wh_bytes
bytes_dup(struct wh_bytes b)
{
    unsigned char *p = malloc(b.len);

    if (p == NULL)
        wh_oom();
    memcpy(p, b.ptr, b.len);
    return (struct wh_bytes){p, b.len};
}

/* The token (inline, or the file read for every request), the client certificate and the RBAC
 * rule a 403 on a secret names. */
static void
client_credentials(struct wh_kube_client *k, const struct wh_kube_options *o)
{
    char rule[300];

    bool cert_only = o->client_cert.len > 0 && o->token == NULL && o->token_file == NULL;

    /* token_file NULL with token NULL: no Authorization header (a client certificate alone) */
    k->token_file =
        cert_only ? NULL : wh_str_dup(o->token_file != NULL ? o->token_file : DEFAULT_TOKEN);
    k->token = o->token != NULL ? wh_str_dup(o->token) : NULL;
    if (o->client_cert.len > 0 && o->client_key.len > 0) {
        k->client_cert = bytes_dup(o->client_cert);
        k->client_key = bytes_dup(o->client_key);
    }
    snprintf(rule, sizeof(rule), "`get` on secrets (%.200s)",
             o->rbac_file != NULL ? o->rbac_file : "manifests/rbac.yaml");
    k->secrets_need = wh_str_dup(rule);
}

enum wh_err
wh_kube_client_new(const struct wh_kube_options *o, struct wh_kube_client **out,
                   struct wh_error *err)
{
    struct wh_kube_client *k;
    char url[300];
    const char *ca = o->ca_file != NULL ? o->ca_file : DEFAULT_CA;
    FILE *f;

    if (o->api_server != NULL) {
        if (strncmp(o->api_server, "https://", 8) != 0 || strlen(o->api_server) > 255 ||
            strpbrk(o->api_server, " \r\n?#") != NULL)
            return wh_error_set(err, WH_E_INVALID, "kube: apiServer \"%.100s\" is not an https URL",
                                o->api_server);
        snprintf(url, sizeof(url), "%s", o->api_server);
    } else {
        const char *host = getenv("KUBERNETES_SERVICE_HOST");
        const char *port = getenv("KUBERNETES_SERVICE_PORT");

        if (host == NULL || host[0] == '\0')
            return wh_error_set(err, WH_E_NOT_FOUND,
                                "kube: not in a cluster (no KUBERNETES_SERVICE_HOST) and no "
                                "kube.apiServer configured");
        if (strlen(host) > 200 || strpbrk(host, "/ ?#@") != NULL ||
            (port != NULL && strspn(port, "0123456789") != strlen(port)))
            return wh_error_set(err, WH_E_INVALID, "kube: malformed KUBERNETES_SERVICE_HOST/PORT");
        /* An IPv6 service host needs brackets in a URL. */
        snprintf(url, sizeof(url), strchr(host, ':') != NULL ? "https://[%s]:%s" : "https://%s:%s",
                 host, port != NULL && port[0] != '\0' ? port : "443");
    }
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        wh_oom();
    while (strlen(url) > 8 && url[strlen(url) - 1] == '/')
        url[strlen(url) - 1] = '\0';
    k->api_server = wh_str_dup(url);
    client_credentials(k, o);
    f = fopen(ca, "r");
    if (f != NULL) {
        fclose(f);
        k->ca_file = wh_str_dup(ca);
    } else if (o->ca_file != NULL) {
        wh_kube_client_free(k);
        return wh_error_set(err, WH_E_INVALID, "kube: cannot open caFile %s", o->ca_file);
    }
    k->ttl_ms = o->secret_ttl_ms > 0 ? o->secret_ttl_ms : 60000;
    pthread_mutex_init(&k->lock, NULL);
    *out = k;
    return WH_OK;
}

void
wh_kube_client_free(struct wh_kube_client *k)
{
    if (k == NULL)
        return;
    for (size_t i = 0; i < CACHE_SIZE; i++)
        entry_drop(&k->cache[i]);
    pthread_mutex_destroy(&k->lock);
    free(k->api_server);
    free(k->token_file);
    free(k->ca_file);
    free(k->secrets_need);
    if (k->token != NULL)
        OPENSSL_cleanse(k->token, strlen(k->token));
    free(k->token);
    free((void *)(uintptr_t)k->client_cert.ptr);
    if (k->client_key.ptr != NULL)
        OPENSSL_cleanse((void *)(uintptr_t)k->client_key.ptr, k->client_key.len);
    free((void *)(uintptr_t)k->client_key.ptr);
    free(k);
}

unsigned long
wh_kube_client_requests(struct wh_kube_client *k)
{
    unsigned long n;

    pthread_mutex_lock(&k->lock);
    n = k->requests;
    pthread_mutex_unlock(&k->lock);
    return n;
}

/* ---- pure parsing ---- */

static enum wh_err
decode_field(json_t *data, const char *key, struct wh_arena *a, struct wh_bytes *out,
             struct wh_error *err)
{
    json_t *v = json_object_get(data, key);

    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "secret has no data[\"%s\"] string", key);
    if (wh_digest_base64_decode((struct wh_str){json_string_value(v), json_string_length(v)}, a,
                                out, err) != WH_OK)
        return wh_error_set(err, WH_E_INVALID, "secret data[\"%s\"] is not valid base64", key);
    return WH_OK;
}

/* The secret's type: legacy (kubernetes.io/dockercfg) or not (dockerconfigjson); else invalid. */
static enum wh_err
secret_type(json_t *root, bool *legacy, struct wh_error *err)
{
    json_t *kind = json_object_get(root, "kind"), *type = json_object_get(root, "type");
    const char *t = json_is_string(type) ? json_string_value(type) : "";

    if (!json_is_string(kind) || strcmp(json_string_value(kind), "Secret") != 0)
        return wh_error_set(err, WH_E_INVALID, "not a v1 Secret object");
    *legacy = strcmp(t, "kubernetes.io/dockercfg") == 0;
    if (!*legacy && strcmp(t, "kubernetes.io/dockerconfigjson") != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "secret type \"%.80s\" is not kubernetes.io/dockerconfigjson or "
                            "kubernetes.io/dockercfg",
                            t);
    return WH_OK;
}

/* The decoded docker config must be a JSON object; dockercfg's bare "auths" map gets wrapped. */
static enum wh_err
docker_config(struct wh_bytes raw, bool legacy, struct wh_arena *a, struct wh_bytes *config_out,
              struct wh_error *err)
{
    json_error_t jerr;
    json_t *inner = json_loadb((const char *)raw.ptr, raw.len, JSON_REJECT_DUPLICATES, &jerr);
    bool is_object = json_is_object(inner);

    json_decref(inner);
    if (!is_object)
        /* jerr.text may quote the secret's bytes: say only where. */
        return wh_error_set(err, WH_E_INVALID,
                            "secret's docker config is not a JSON object (%d:%d)",
                            inner == NULL ? jerr.line : 0, inner == NULL ? jerr.column : 0);
    if (legacy) {
        /* dockercfg is the bare "auths" map of the old ~/.dockercfg */
        size_t n = raw.len + sizeof("{\"auths\":}");
        char *wrapped = wh_arena_alloc(a, n);

        snprintf(wrapped, n, "{\"auths\":%.*s}", (int)raw.len, (const char *)raw.ptr);
        OPENSSL_cleanse((void *)(uintptr_t)raw.ptr, raw.len);
        config_out->ptr = (const unsigned char *)wrapped;
        config_out->len = n - 1;
    } else {
        *config_out = raw;
    }
    return WH_OK;
}

enum wh_err
wh_kube_secret_parse(struct wh_bytes body, size_t json_depth, struct wh_arena *a,
                     struct wh_bytes *config_out, struct wh_error *err)
{
    json_t *root, *data;
    json_error_t jerr;
    struct wh_bytes raw = {0};
    enum wh_err rc;
    bool legacy = false;

    (void)json_depth; /* jansson caps depth itself (2048); config_find re-parses with its own */
    if (body.len > WH_KUBE_SECRET_MAX)
        return wh_error_set(err, WH_E_LIMIT, "secret is %zu bytes (limit %u)", body.len,
                            WH_KUBE_SECRET_MAX);
    root = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "secret JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    if (!json_is_object(root))
        rc = wh_error_set(err, WH_E_INVALID, "not a v1 Secret object");
    else
        rc = secret_type(root, &legacy, err);
    data = json_object_get(root, "data");
    if (rc == WH_OK && !json_is_object(data))
        rc = wh_error_set(err, WH_E_INVALID, "secret has no data object");
    if (rc == WH_OK)
        rc = decode_field(data, legacy ? ".dockercfg" : ".dockerconfigjson", a, &raw, err);
    if (rc == WH_OK)
        rc = docker_config(raw, legacy, a, config_out, err);
    json_decref(root);
    if (rc != WH_OK && raw.ptr != NULL)
        OPENSSL_cleanse((void *)(uintptr_t)raw.ptr, raw.len);
    return rc;
}

/* ---- the API request ---- */

static bool
is_dns_name(const char *s, size_t max)
{
    size_t n = strlen(s);

    return n > 0 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n &&
           s[0] != '-' && s[0] != '.' && s[n - 1] != '-' && s[n - 1] != '.';
}

/* The API's Status `message` for a failed request, sanitised, or "". */
static void
status_detail(struct wh_bytes body, char *out, size_t n)
{
    json_t *root = json_loadb((const char *)body.ptr, body.len, 0, NULL);
    json_t *msg = json_object_get(root, "message");

    out[0] = '\0';
    if (json_is_string(msg)) {
        size_t k = 0;
        const char *m = json_string_value(msg);

        for (size_t i = 0; m[i] != '\0' && k + 1 < n && i < 200; i++)
            out[k++] = m[i] == '"'                                     ? '\''
                       : (m[i] >= 0x20 && m[i] < 0x7f && m[i] != '\\') ? m[i]
                                                                       : '?';
        out[k] = '\0';
    }
    json_decref(root);
}

/* "Authorization: Bearer <token>" from the token file, re-read each time (kubelet rotates it);
 * heap, secret: the caller wipes and frees it. */
static enum wh_err
bearer_header(const struct wh_kube_client *k, char **out, struct wh_error *err)
{
    struct wh_arena ta;
    struct wh_bytes token;
    size_t n, tl;

    if (k->token == NULL && k->token_file == NULL) {
        /* A client certificate authenticates. A name with nothing after its colon makes libcurl
         * send no such header (the slot stays filled: later headers follow it). */
        *out = wh_str_dup("Authorization:");
        return WH_OK;
    }
    wh_arena_init(&ta);
    if (k->token != NULL)
        token = (struct wh_bytes){(const unsigned char *)wh_arena_strdup(&ta, k->token),
                                  strlen(k->token)};
    else if (wh_file_read(k->token_file, TOKEN_MAX, &ta, &token, err) != WH_OK) {
        wh_arena_fini(&ta);
        return wh_error_wrap(err, "service account token");
    }
    tl = token.len;
    while (tl > 0 &&
           (token.ptr[tl - 1] == '\n' || token.ptr[tl - 1] == '\r' || token.ptr[tl - 1] == ' '))
        tl--;
    n = strlen("Authorization: Bearer ") + tl + 1;
    *out = malloc(n);
    if (*out == NULL)
        wh_oom();
    snprintf(*out, n, "Authorization: Bearer %.*s", (int)tl, (const char *)token.ptr);
    OPENSSL_cleanse((void *)(uintptr_t)token.ptr, token.len);
    wh_arena_fini(&ta);
    return WH_OK;
}

/* A non-2xx answer of the API server, with its Status message where it helps; `need` names the
 * RBAC rule a 403 asks for. */
static enum wh_err
status_error(const struct wh_registry_http_response *r, const char *need, struct wh_error *err)
{
    char detail[256];

    status_detail(r->body, detail, sizeof(detail));
    if (r->status == 404)
        return wh_error_set(err, WH_E_NOT_FOUND, "HTTP 404: not found");
    if (r->status == 401)
        return wh_error_set(err, WH_E_UNAVAILABLE,
                            "HTTP 401: the API server rejected the service account token");
    if (r->status == 403)
        return wh_error_set(err, WH_E_UNAVAILABLE, "HTTP 403: forbidden (%s): grant %s", detail,
                            need);
    return wh_error_set(err, WH_E_UNAVAILABLE, "HTTP %ld%s%s", r->status,
                        detail[0] != '\0' ? ": " : "", detail);
}

/* One exchange over a transport of its own (the client is shared by every worker). The answer
 * lives in `ra` (secret: wiped with it). */
static enum wh_err
exchange(struct wh_kube_client *k, struct wh_registry_http_request *x, struct wh_arena *ra,
         struct wh_registry_http_response *r, struct wh_error *err)
{
    struct wh_registry_http_options ho = {.ca_only_file = k->ca_file,
                                          .client_cert_pem = k->client_cert,
                                          .client_key_pem = k->client_key};
    struct wh_registry_http *h;
    char *auth = NULL;
    enum wh_err rc;

    if (wh_clock_left_ms(x->deadline_ms) <= 0)
        return wh_error_set(err, WH_E_TIMEOUT, "deadline passed before the request was sent");
    if ((rc = bearer_header(k, &auth, err)) != WH_OK)
        return rc;
    if ((rc = wh_registry_http_new(&ho, &h, err)) != WH_OK) {
        OPENSSL_cleanse(auth, strlen(auth));
        free(auth);
        return rc;
    }
    x->headers[0] = auth;
    pthread_mutex_lock(&k->lock);
    k->requests++;
    pthread_mutex_unlock(&k->lock);
    rc = wh_registry_http_exchange(h, x, ra, r, err);
    wh_registry_http_free(h);
    OPENSSL_cleanse(auth, strlen(auth));
    free(auth);
    x->headers[0] = NULL;
    if (rc == WH_E_LIMIT || (rc == WH_OK && r->truncated))
        return wh_error_set(err, WH_E_LIMIT, "response exceeds %zu bytes", x->max);
    return rc;
}

/* GET the Secret. */
static enum wh_err
fetch(struct wh_kube_client *k, const char *ns, const char *name, int64_t deadline_ms,
      struct wh_arena *a, struct wh_bytes *config_out, struct wh_error *err)
{
    struct wh_registry_http_request x = {
        .method = "GET", .max = WH_KUBE_SECRET_MAX, .secret = true, .deadline_ms = deadline_ms};
    struct wh_registry_http_response r = {0};
    struct wh_arena ra;
    enum wh_err rc;

    x.url = wh_arena_sprintf(a, "%s/api/v1/namespaces/%s/secrets/%s", k->api_server, ns, name);
    x.headers[1] = "Accept: application/json";
    /* The answer (a secret) lives in its own arena, wiped with it, while it is parsed. */
    wh_arena_init(&ra);
    rc = exchange(k, &x, &ra, &r, err);
    if (rc == WH_OK && r.status == 200)
        rc = wh_kube_secret_parse(r.body, 64, a, config_out, err);
    else if (rc == WH_OK)
        rc = status_error(&r, k->secrets_need, err);
    wh_arena_fini(&ra);
    return rc;
}

enum wh_err
wh_kube_request(struct wh_kube_client *k, const struct wh_kube_call *q, struct wh_arena *a,
                long *status_out, struct wh_bytes *body_out, struct wh_error *err)
{
    struct wh_registry_http_request x = {
        .method = q->method, .max = q->max, .error_max = 64u << 10, .deadline_ms = q->deadline_ms};
    struct wh_registry_http_response r = {0};
    enum wh_err rc;

    *status_out = 0;
    if (q->path[0] != '/' || strpbrk(q->path, " \r\n#") != NULL)
        return wh_error_set(err, WH_E_INTERNAL, "kube: bad request path");
    x.url = wh_arena_sprintf(a, "%s%s", k->api_server, q->path);
    x.headers[1] = "Accept: application/json";
    if (q->body != NULL) {
        x.post_fields = q->body;
        x.headers[2] = q->content_type == NULL
                           ? "Content-Type: application/json"
                           : wh_arena_sprintf(a, "Content-Type: %s", q->content_type);
    }
    rc = exchange(k, &x, a, &r, err);
    *status_out = r.status;
    if (rc == WH_OK && r.status / 100 != 2)
        rc = status_error(&r, q->need != NULL ? q->need : "access", err);
    /* TLS 1.3 sends a refused client certificate's alert after the handshake: libcurl then
     * reports a broken connection, which says nothing of why. */
    if (rc == WH_E_UNAVAILABLE && r.status == 0 && k->client_cert.len > 0)
        (void)wh_error_wrap(err, "the connection failed (if the API server refused the client "
                                 "certificate: is it signed by a CA the server trusts for "
                                 "clients, and not expired?)");
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s %s", q->method, q->path);
    *body_out = r.body;
    return WH_OK;
}

enum wh_err
wh_kube_pull_secret_get(struct wh_kube_client *k, const char *namespace_, const char *name,
                        int64_t deadline_ms, struct wh_arena *a, struct wh_bytes *config_out,
                        struct wh_error *err)
{
    char key[320];
    int64_t now = wh_clock_mono_ms();
    struct entry *slot = NULL;
    struct wh_bytes got;
    enum wh_err rc;

    if (!is_dns_name(namespace_, 63) || !is_dns_name(name, 253))
        return wh_error_set(err, WH_E_INVALID, "pull secret \"%.63s/%.100s\": invalid name",
                            namespace_, name);
    snprintf(key, sizeof(key), "%s/%s", namespace_, name);
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < CACHE_SIZE; i++) {
        struct entry *e = &k->cache[i];

        if (e->key != NULL && now >= e->expires_ms)
            entry_drop(e);
        if (e->key != NULL && strcmp(e->key, key) == 0) {
            unsigned char *copy = wh_arena_alloc(a, e->len + 1);

            memcpy(copy, e->config, e->len);
            config_out->ptr = copy;
            config_out->len = e->len;
            pthread_mutex_unlock(&k->lock);
            return WH_OK;
        }
    }
    pthread_mutex_unlock(&k->lock);
    rc = fetch(k, namespace_, name, deadline_ms, a, &got, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "pull secret %s", key);
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < CACHE_SIZE; i++) {
        struct entry *e = &k->cache[i];

        if (e->key != NULL && strcmp(e->key, key) == 0) {
            slot = e; /* another worker fetched it meanwhile: refresh */
            break;
        }
        if (slot == NULL ||
            (slot->key != NULL && (e->key == NULL || e->expires_ms < slot->expires_ms)))
            slot = e;
    }
    entry_drop(slot);
    slot->key = wh_str_dup(key);
    slot->config = malloc(got.len + 1);
    if (slot->config == NULL)
        wh_oom();
    memcpy(slot->config, got.ptr, got.len);
    slot->len = got.len;
    slot->expires_ms = wh_clock_mono_ms() + k->ttl_ms;
    pthread_mutex_unlock(&k->lock);
    *config_out = got;
    return WH_OK;
}
