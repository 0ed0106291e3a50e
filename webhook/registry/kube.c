/*
 * Kubernetes API client for pull secrets: GET one Secret with the service account token, parse
 * the docker config out of it, cache it per (namespace, name) for a TTL. Secrets and tokens are
 * wiped when dropped and never appear in messages.
 */
#include "registry/kube.h"

#include <curl/curl.h>
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
    char *ca_file; /* NULL when the file does not exist: the system store then */
    int64_t ttl_ms;
    pthread_mutex_t lock;
    struct entry cache[CACHE_SIZE];
    unsigned long requests;
};

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        wh_oom();
    return p;
}

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
    k->api_server = xstrdup(url);
    k->token_file = xstrdup(o->token_file != NULL ? o->token_file : DEFAULT_TOKEN);
    f = fopen(ca, "r");
    if (f != NULL) {
        fclose(f);
        k->ca_file = xstrdup(ca);
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

/* TODO(#14): split the dockerconfigjson reader out; registry/ is being changed now (cognitive
 * complexity 28 > 25, STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_kube_secret_parse(struct wh_bytes body, size_t json_depth, struct wh_arena *a,
                     struct wh_bytes *config_out, struct wh_error *err)
{
    json_t *root, *data, *type, *inner = NULL;
    json_error_t jerr;
    struct wh_bytes raw = {0};
    const char *t;
    enum wh_err rc = WH_OK;
    bool legacy;

    (void)json_depth; /* jansson caps depth itself (2048); config_find re-parses with its own */
    if (body.len > WH_KUBE_SECRET_MAX)
        return wh_error_set(err, WH_E_LIMIT, "secret is %zu bytes (limit %u)", body.len,
                            WH_KUBE_SECRET_MAX);
    root = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "secret JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "kind")) ||
        strcmp(json_string_value(json_object_get(root, "kind")), "Secret") != 0) {
        rc = wh_error_set(err, WH_E_INVALID, "not a v1 Secret object");
        goto out;
    }
    type = json_object_get(root, "type");
    t = json_is_string(type) ? json_string_value(type) : "";
    legacy = strcmp(t, "kubernetes.io/dockercfg") == 0;
    if (!legacy && strcmp(t, "kubernetes.io/dockerconfigjson") != 0) {
        rc = wh_error_set(err, WH_E_INVALID,
                          "secret type \"%.80s\" is not kubernetes.io/dockerconfigjson or "
                          "kubernetes.io/dockercfg",
                          t);
        goto out;
    }
    data = json_object_get(root, "data");
    if (!json_is_object(data)) {
        rc = wh_error_set(err, WH_E_INVALID, "secret has no data object");
        goto out;
    }
    rc = decode_field(data, legacy ? ".dockercfg" : ".dockerconfigjson", a, &raw, err);
    if (rc != WH_OK)
        goto out;
    inner = json_loadb((const char *)raw.ptr, raw.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(inner)) {
        /* jerr.text may quote the secret's bytes: say only where. */
        rc = wh_error_set(err, WH_E_INVALID, "secret's docker config is not a JSON object (%d:%d)",
                          inner == NULL ? jerr.line : 0, inner == NULL ? jerr.column : 0);
        goto out;
    }
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
out:
    json_decref(inner);
    json_decref(root);
    if (rc != WH_OK && raw.ptr != NULL)
        OPENSSL_cleanse((void *)(uintptr_t)raw.ptr, raw.len);
    return rc;
}

/* ---- the API request ---- */

struct sink {
    unsigned char *buf;
    size_t len, alloc, max;
    bool over;
};

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;

    if (n > s->max - s->len) {
        s->over = true;
        return 0;
    }
    if (s->len + n > s->alloc) {
        size_t want = s->alloc == 0 ? 8192 : s->alloc;
        unsigned char *p;

        while (want < s->len + n)
            want *= 2;
        p = malloc(want);
        if (p == NULL)
            wh_oom();
        /* Copy, then wipe the old block: secret bytes never linger in freed memory. */
        if (s->len > 0)
            memcpy(p, s->buf, s->len);
        if (s->buf != NULL) {
            OPENSSL_cleanse(s->buf, s->alloc);
            free(s->buf);
        }
        s->buf = p;
        s->alloc = want;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    return n;
}

static bool
is_dns_name(const char *s, size_t max)
{
    size_t n = strlen(s);

    return n > 0 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n &&
           s[0] != '-' && s[0] != '.' && s[n - 1] != '-' && s[n - 1] != '.';
}

/* The API's Status `reason` and `message` for a failed request, sanitised, or "". */
static void
status_detail(const struct sink *s, char *out, size_t n)
{
    json_t *root = json_loadb((const char *)s->buf, s->len, 0, NULL);
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

/* TODO(#14): split the response checks out; registry/ is being changed now (cognitive complexity 27
 * > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
fetch(struct wh_kube_client *k, const char *ns, const char *name, int64_t deadline_ms,
      struct wh_arena *a, struct wh_bytes *config_out, struct wh_error *err)
{
    struct wh_arena ta;
    struct wh_bytes token;
    struct sink s = {.max = WH_KUBE_SECRET_MAX};
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE] = "", url[600], detail[256];
    char *auth = NULL;
    size_t auth_len = 0, tl;
    int64_t left = wh_clock_left_ms(deadline_ms);
    long status = 0;
    CURLcode cc;
    CURL *h;
    enum wh_err rc;

    if (left <= 0)
        return wh_error_set(err, WH_E_TIMEOUT, "deadline passed before the request was sent");
    wh_arena_init(&ta);
    rc = wh_file_read(k->token_file, TOKEN_MAX, &ta, &token, err);
    if (rc != WH_OK) {
        wh_arena_fini(&ta);
        return wh_error_wrap(err, "service account token");
    }
    tl = token.len;
    while (tl > 0 &&
           (token.ptr[tl - 1] == '\n' || token.ptr[tl - 1] == '\r' || token.ptr[tl - 1] == ' '))
        tl--;
    auth_len = strlen("Authorization: Bearer ") + tl + 1;
    auth = malloc(auth_len);
    if (auth == NULL)
        wh_oom();
    snprintf(auth, auth_len, "Authorization: Bearer %.*s", (int)tl, (const char *)token.ptr);
    OPENSSL_cleanse((void *)(uintptr_t)token.ptr, token.len);
    wh_arena_fini(&ta);
    if ((headers = curl_slist_append(headers, auth)) == NULL ||
        (headers = curl_slist_append(headers, "Accept: application/json")) == NULL)
        wh_oom();
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/%s/secrets/%s", k->api_server, ns, name);
    h = curl_easy_init();
    if (h == NULL)
        wh_oom();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "driftgate/0");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max);
    if (k->ca_file != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, k->ca_file);
    pthread_mutex_lock(&k->lock);
    k->requests++;
    pthread_mutex_unlock(&k->lock);
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    OPENSSL_cleanse(auth, auth_len);
    free(auth);
    if (s.over || cc == CURLE_FILESIZE_EXCEEDED)
        rc = wh_error_set(err, WH_E_LIMIT, "response exceeds %zu bytes", s.max);
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        rc = wh_error_set(err, WH_E_TIMEOUT, "timed out: %s", errbuf);
    else if (cc != CURLE_OK)
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s",
                          errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
    else if (status == 200)
        rc = wh_kube_secret_parse((struct wh_bytes){s.buf, s.len}, 64, a, config_out, err);
    else {
        status_detail(&s, detail, sizeof(detail));
        if (status == 404)
            rc = wh_error_set(err, WH_E_NOT_FOUND, "HTTP 404: not found");
        else if (status == 401)
            rc = wh_error_set(err, WH_E_UNAVAILABLE,
                              "HTTP 401: the API server rejected the service account token");
        else if (status == 403)
            rc = wh_error_set(err, WH_E_UNAVAILABLE,
                              "HTTP 403: forbidden (%s): grant `get` on secrets "
                              "(manifests/rbac.yaml)",
                              detail);
        else
            rc = wh_error_set(err, WH_E_UNAVAILABLE, "HTTP %ld%s%s", status,
                              detail[0] != '\0' ? ": " : "", detail);
    }
    if (s.buf != NULL) {
        OPENSSL_cleanse(s.buf, s.alloc);
        free(s.buf);
    }
    return rc;
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
    slot->key = xstrdup(key);
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
