/*
 * Registry authentication, challenge → token → cached header: WWW-Authenticate challenges (RFC
 * 7235 syntax as registries use it), docker config.json credential lookup, token endpoint
 * responses (distribution token spec), and the dance that buys and caches Authorization headers.
 */
#include "registry/auth.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/file.h"

/* Wipes arena bytes reached through a const view: the arena is ours, const is only the view's. */
static void
wipe(const void *p, size_t n)
{
    if (p != NULL)
        OPENSSL_cleanse((void *)(uintptr_t)p, n);
}

#define MAX_TOKEN_BYTES (16u * 1024)
#define TOKEN_RESPONSE_MAX (64u * 1024)
#define ERROR_BODY_MAX (64u * 1024)
#define DOCKER_CONFIG_MAX (1u << 20)

static bool
is_tchar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static void
skip_ws(struct wh_str s, size_t *i)
{
    while (*i < s.len && (s.ptr[*i] == ' ' || s.ptr[*i] == '\t'))
        (*i)++;
}

static struct wh_str
read_token(struct wh_str s, size_t *i)
{
    size_t start = *i;

    while (*i < s.len && is_tchar(s.ptr[*i]))
        (*i)++;
    return (struct wh_str){s.ptr + start, *i - start};
}

/* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; *i is at the opening quote. */
static enum wh_err
read_quoted(struct wh_str s, size_t *i, struct wh_arena *a, const char **out, struct wh_error *err)
{
    char *buf = wh_arena_alloc(a, s.len + 1);
    size_t n = 0;

    for ((*i)++; *i < s.len; (*i)++) {
        unsigned char ch = (unsigned char)s.ptr[*i];

        if (ch == '"') {
            (*i)++;
            buf[n] = '\0';
            *out = buf;
            return WH_OK;
        }
        if (ch == '\\') {
            if (++(*i) >= s.len)
                break;
            ch = (unsigned char)s.ptr[*i];
        }
        if (ch < 0x20 && ch != '\t')
            return wh_error_set(err, WH_E_INVALID,
                                "WWW-Authenticate: control character in quoted string");
        if (ch == 0x7f)
            return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: DEL in quoted string");
        buf[n++] = (char)ch;
    }
    return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: unterminated quoted string");
}

static enum wh_err
set_param(struct wh_registry_challenge *c, struct wh_str name, const char *value,
          struct wh_error *err)
{
    const char **slot = NULL;

    if (name.len == 5 && strncasecmp(name.ptr, "realm", 5) == 0)
        slot = &c->realm;
    else if (name.len == 7 && strncasecmp(name.ptr, "service", 7) == 0)
        slot = &c->service;
    else if (name.len == 5 && strncasecmp(name.ptr, "scope", 5) == 0)
        slot = &c->scope;
    if (slot == NULL)
        return WH_OK; /* e.g. error="insufficient_scope", charset="UTF-8" */
    if (*slot != NULL)
        return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: duplicate parameter %.*s",
                            (int)name.len, name.ptr);
    *slot = value;
    return WH_OK;
}

/* A parameter's value at *i: a quoted-string or a token. */
static enum wh_err
read_value(struct wh_str h, size_t *i, struct wh_str name, struct wh_arena *a, const char **out,
           struct wh_error *err)
{
    struct wh_str tok;

    if (*i < h.len && h.ptr[*i] == '"')
        return read_quoted(h, i, a, out, err);
    tok = read_token(h, i);
    if (tok.len == 0)
        return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: parameter %.*s has no value",
                            (int)(name.len > 32 ? 32 : name.len), name.ptr);
    *out = wh_arena_strdup_view(a, tok);
    return WH_OK;
}

/*
 * One auth-param "name=value" at *i into *c. *more is false when the challenge ends here: at the
 * end of the header, or at a token without '=' (it starts the next challenge).
 */
static enum wh_err
read_param(struct wh_str h, size_t *i, struct wh_arena *a, struct wh_registry_challenge *c,
           bool *more, struct wh_error *err)
{
    struct wh_str name;
    const char *value = NULL;
    enum wh_err rc;

    *more = false;
    skip_ws(h, i);
    while (*i < h.len && h.ptr[*i] == ',') { /* empty list elements are allowed */
        (*i)++;
        skip_ws(h, i);
    }
    if (*i >= h.len)
        return WH_OK;
    name = read_token(h, i);
    if (name.len == 0)
        return wh_error_set(err, WH_E_INVALID,
                            "WWW-Authenticate: expected a parameter name at offset %zu", *i);
    skip_ws(h, i);
    if (*i >= h.len || h.ptr[*i] != '=')
        return WH_OK;
    (*i)++;
    skip_ws(h, i);
    if ((rc = read_value(h, i, name, a, &value, err)) != WH_OK ||
        (rc = set_param(c, name, value, err)) != WH_OK)
        return rc;
    skip_ws(h, i);
    if (*i < h.len && h.ptr[*i] != ',')
        return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: expected ',' at offset %zu", *i);
    *more = true;
    return WH_OK;
}

enum wh_err
wh_registry_auth_challenge_parse(struct wh_str h, struct wh_arena *a,
                                 struct wh_registry_challenge *out, struct wh_error *err)
{
    struct wh_registry_challenge c = {0};
    struct wh_str scheme;
    size_t i = 0;
    bool more = true;
    enum wh_err rc;

    if (h.len > WH_REGISTRY_MAX_CHALLENGE)
        return wh_error_set(err, WH_E_LIMIT, "WWW-Authenticate is %zu bytes (limit %d)", h.len,
                            WH_REGISTRY_MAX_CHALLENGE);
    skip_ws(h, &i);
    scheme = read_token(h, &i);
    if (scheme.len == 5 && strncasecmp(scheme.ptr, "Basic", 5) == 0)
        c.scheme = WH_REGISTRY_AUTH_BASIC;
    else if (scheme.len == 6 && strncasecmp(scheme.ptr, "Bearer", 6) == 0)
        c.scheme = WH_REGISTRY_AUTH_BEARER;
    else
        return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: unsupported scheme \"%.*s\"",
                            (int)(scheme.len > 32 ? 32 : scheme.len), scheme.ptr);
    if (i < h.len && h.ptr[i] != ' ' && h.ptr[i] != '\t')
        return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: junk after scheme");
    while (more)
        if ((rc = read_param(h, &i, a, &c, &more, err)) != WH_OK)
            return rc;
    if (c.scheme == WH_REGISTRY_AUTH_BEARER && (c.realm == NULL || c.realm[0] == '\0'))
        return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: Bearer challenge has no realm");
    *out = c;
    return WH_OK;
}

const char *
wh_registry_auth_config_host(const char *registry)
{
    return strcmp(registry, "docker.io") == 0 ? "index.docker.io" : registry;
}

/* "https://Host:5000/v1/" → "host:5000" compared with `want` (case-insensitive). */
static bool
key_matches(const char *key, const char *registry)
{
    const char *host = key;
    size_t n;

    if (strncasecmp(host, "https://", 8) == 0)
        host += 8;
    else if (strncasecmp(host, "http://", 7) == 0)
        host += 7;
    n = strcspn(host, "/");
    if (strcmp(registry, "docker.io") == 0) {
        static const char *const hub[] = {"index.docker.io", "docker.io", "registry-1.docker.io"};

        for (size_t i = 0; i < sizeof(hub) / sizeof(hub[0]); i++)
            if (strlen(hub[i]) == n && strncasecmp(host, hub[i], n) == 0)
                return true;
        return false;
    }
    return strlen(registry) == n && strncasecmp(host, registry, n) == 0;
}

static enum wh_err
opt_string(json_t *entry, const char *key, const char *registry, struct wh_arena *a,
           const char **out, struct wh_error *err)
{
    json_t *v = json_object_get(entry, key);

    *out = NULL;
    if (v == NULL || (json_is_string(v) && json_string_length(v) == 0))
        return WH_OK;
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID,
                            "docker config: auths[\"%.100s\"].%s is not a string", registry, key);
    *out = wh_arena_strndup(a, json_string_value(v), json_string_length(v));
    return WH_OK;
}

static enum wh_err
read_entry(json_t *entry, const char *registry, struct wh_arena *a,
           struct wh_registry_credentials *c, struct wh_error *err)
{
    enum wh_err rc;
    const char *auth;

    if (!json_is_object(entry))
        return wh_error_set(err, WH_E_INVALID, "docker config: auths[\"%.100s\"] is not an object",
                            registry);
    if ((rc = opt_string(entry, "auth", registry, a, &auth, err)) != WH_OK ||
        (rc = opt_string(entry, "username", registry, a, &c->username, err)) != WH_OK ||
        (rc = opt_string(entry, "password", registry, a, &c->password, err)) != WH_OK ||
        (rc = opt_string(entry, "identitytoken", registry, a, &c->identity_token, err)) != WH_OK)
        return rc;
    if (auth != NULL) {
        struct wh_bytes raw;
        const char *colon;

        rc = wh_digest_base64_decode(wh_str_c(auth), a, &raw, err);
        wipe(auth, strlen(auth));
        if (rc != WH_OK)
            return wh_error_set(err, WH_E_INVALID,
                                "docker config: auths[\"%.100s\"].auth is not base64", registry);
        colon = memchr(raw.ptr, ':', raw.len);
        if (colon == NULL || colon == (const char *)raw.ptr) {
            wipe(raw.ptr, raw.len);
            return wh_error_set(err, WH_E_INVALID,
                                "docker config: auths[\"%.100s\"].auth is not user:password",
                                registry);
        }
        c->username =
            wh_arena_strndup(a, (const char *)raw.ptr, (size_t)(colon - (const char *)raw.ptr));
        c->password =
            wh_arena_strndup(a, colon + 1, raw.len - (size_t)(colon + 1 - (const char *)raw.ptr));
        wipe(raw.ptr, raw.len);
    }
    if (c->password != NULL && c->username == NULL)
        return wh_error_set(err, WH_E_INVALID,
                            "docker config: auths[\"%.100s\"] has a password but no username",
                            registry);
    return WH_OK;
}

enum wh_err
wh_registry_auth_config_find(struct wh_bytes config_json, const char *registry, struct wh_arena *a,
                             struct wh_registry_credentials *out, struct wh_error *err)
{
    struct wh_registry_credentials c = {0};
    json_error_t jerr;
    json_t *root, *auths, *entry;
    const char *key;
    enum wh_err rc = WH_OK;

    root =
        json_loadb((const char *)config_json.ptr, config_json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "docker config JSON %d:%d: %s", jerr.line,
                            jerr.column, jerr.text);
    if (!json_is_object(root)) {
        rc = wh_error_set(err, WH_E_INVALID, "docker config is not a JSON object");
        goto out;
    }
    auths = json_object_get(root, "auths");
    if (auths == NULL)
        goto out;
    if (!json_is_object(auths)) {
        rc = wh_error_set(err, WH_E_INVALID, "docker config: auths is not an object");
        goto out;
    }
    json_object_foreach(auths, key, entry)
    {
        if (!key_matches(key, registry))
            continue;
        rc = read_entry(entry, registry, a, &c, err);
        if (rc != WH_OK || c.username != NULL || c.identity_token != NULL)
            break;
    }
out:
    json_decref(root);
    if (rc == WH_OK)
        *out = c;
    return rc;
}

enum wh_err
wh_registry_auth_token_parse(struct wh_bytes body, struct wh_arena *a, const char **token_out,
                             int64_t *expires_in_out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root, *tok, *exp;
    enum wh_err rc = WH_OK;
    int64_t expires_in = 60;

    root = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "token response JSON %d:%d: %s", jerr.line,
                            jerr.column, jerr.text);
    if (!json_is_object(root)) {
        rc = wh_error_set(err, WH_E_INVALID, "token response is not a JSON object");
        goto out;
    }
    tok = json_object_get(root, "token");
    if (tok == NULL || (json_is_string(tok) && json_string_length(tok) == 0))
        tok = json_object_get(root, "access_token");
    if (!json_is_string(tok) || json_string_length(tok) == 0) {
        rc = wh_error_set(err, WH_E_INVALID, "token response has no token or access_token");
        goto out;
    }
    if (json_string_length(tok) > MAX_TOKEN_BYTES) {
        rc = wh_error_set(err, WH_E_LIMIT, "token is %zu bytes (limit %u)", json_string_length(tok),
                          MAX_TOKEN_BYTES);
        goto out;
    }
    exp = json_object_get(root, "expires_in");
    if (exp != NULL && !json_is_integer(exp)) {
        rc = wh_error_set(err, WH_E_INVALID, "token response expires_in is not an integer");
        goto out;
    }
    /* distribution token spec: "If not specified [or < 60], clients should assume 60 s". */
    if (exp != NULL && json_integer_value(exp) > 60)
        expires_in = json_integer_value(exp);
    *token_out = wh_arena_strndup(a, json_string_value(tok), json_string_length(tok));
    *expires_in_out = expires_in;
out:
    json_decref(root);
    return rc;
}

/* ---- the client's credentials ---- */

static void
wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
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

/* Parses a docker config once and forgets what it found: WH_OK when it is well formed. */
static enum wh_err
probe_config(struct wh_bytes config, struct wh_error *err)
{
    struct wh_arena a;
    struct wh_registry_credentials probe;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_registry_auth_config_find(config, "", &a, &probe, err);
    if (rc == WH_OK)
        wipe_creds(&probe);
    wh_arena_fini(&a);
    return rc;
}

enum wh_err
wh_registry_auth_init(struct wh_registry_auth *au, const char *path, struct wh_error *err)
{
    struct wh_arena a;
    struct wh_bytes bytes;
    enum wh_err rc;

    memset(au, 0, sizeof(*au));
    if (path == NULL)
        return WH_OK;
    wh_arena_init(&a);
    rc = wh_file_read(path, DOCKER_CONFIG_MAX, &a, &bytes, err);
    if (rc == WH_OK) {
        rc = probe_config(bytes, err);
        if (rc == WH_OK) {
            au->docker_config = malloc(bytes.len + 1);
            if (au->docker_config == NULL)
                wh_oom();
            memcpy(au->docker_config, bytes.ptr, bytes.len);
            au->docker_config_len = bytes.len;
        }
        wipe(bytes.ptr, bytes.len);
    }
    wh_arena_fini(&a);
    return rc;
}

static void
entry_drop(struct wh_registry_auth_entry *e)
{
    free(e->registry);
    free(e->scope);
    wipe_free(e->header);
    memset(e, 0, sizeof(*e));
}

void
wh_registry_auth_fini(struct wh_registry_auth *au)
{
    for (size_t i = 0; i < WH_REGISTRY_AUTH_CACHE; i++)
        entry_drop(&au->cache[i]);
    if (au->docker_config != NULL) {
        OPENSSL_cleanse(au->docker_config, au->docker_config_len);
        free(au->docker_config);
        au->docker_config = NULL;
    }
    wh_registry_auth_review_clear(au);
}

void
wh_registry_auth_review_clear(struct wh_registry_auth *au)
{
    for (size_t i = 0; i < au->n_review_configs; i++) {
        OPENSSL_cleanse(au->review_configs[i], au->review_config_lens[i]);
        free(au->review_configs[i]);
        au->review_configs[i] = NULL;
    }
    au->n_review_configs = 0;
    au->cred_key[0] = '\0';
}

enum wh_err
wh_registry_auth_review_set(struct wh_registry_auth *au, const struct wh_bytes *docker_configs,
                            size_t n, struct wh_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx;

    wh_registry_auth_review_clear(au);
    if (n == 0)
        return WH_OK;
    if (n > WH_REGISTRY_AUTH_MAX_REVIEW_CONFIGS)
        return wh_error_set(err, WH_E_LIMIT, "%zu pull secrets (at most %d)", n,
                            WH_REGISTRY_AUTH_MAX_REVIEW_CONFIGS);
    for (size_t i = 0; i < n; i++) {
        if (docker_configs[i].len > DOCKER_CONFIG_MAX)
            return wh_error_set(err, WH_E_LIMIT, "pull secret %zu: %zu bytes (limit %u)", i,
                                docker_configs[i].len, DOCKER_CONFIG_MAX);
        if (probe_config(docker_configs[i], err) != WH_OK)
            return wh_error_wrap(err, "pull secret %zu", i);
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        wh_oom();
    for (size_t i = 0; i < n; i++) {
        uint64_t len = docker_configs[i].len;

        au->review_configs[i] = malloc(len + 1);
        if (au->review_configs[i] == NULL)
            wh_oom();
        memcpy(au->review_configs[i], docker_configs[i].ptr, len);
        au->review_config_lens[i] = len;
        /* length-prefixed so ("ab","c") and ("a","bc") differ */
        EVP_DigestUpdate(ctx, &len, sizeof(len));
        EVP_DigestUpdate(ctx, docker_configs[i].ptr, len);
    }
    au->n_review_configs = n;
    EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
    wh_digest_hex(md, 32, au->cred_key);
    return WH_OK;
}

enum wh_err
wh_registry_auth_credentials_find(const struct wh_registry_auth *au, const char *registry,
                                  struct wh_arena *a, struct wh_registry_credentials *cr,
                                  struct wh_error *err)
{
    memset(cr, 0, sizeof(*cr));
    for (size_t i = 0; i < au->n_review_configs; i++) {
        enum wh_err rc = wh_registry_auth_config_find(
            (struct wh_bytes){au->review_configs[i], au->review_config_lens[i]}, registry, a, cr,
            err);

        if (rc != WH_OK)
            return wh_error_wrap(err, "pull secret %zu", i);
        if (cr->username != NULL || cr->identity_token != NULL)
            return WH_OK;
    }
    if (au->docker_config == NULL)
        return WH_OK;
    return wh_registry_auth_config_find((struct wh_bytes){au->docker_config, au->docker_config_len},
                                        registry, a, cr, err);
}

/* ---- the header cache ---- */

const char *
wh_registry_auth_header_find(struct wh_registry_auth *au, const char *registry, const char *scope)
{
    int64_t now = wh_clock_mono_ms();

    for (size_t i = 0; i < WH_REGISTRY_AUTH_CACHE; i++) {
        struct wh_registry_auth_entry *e = &au->cache[i];

        if (e->header == NULL || strcmp(e->registry, registry) != 0 ||
            strcmp(e->cred_key, au->cred_key) != 0)
            continue;
        if (e->expires_ms != 0 && now >= e->expires_ms) {
            entry_drop(e);
            continue;
        }
        if (e->scope[0] == '\0' || strcmp(e->scope, scope) == 0) {
            e->last_used_ms = now;
            return e->header;
        }
    }
    return NULL;
}

/* Stores `header_owned` (heap, wiped later) for (registry, scope), evicting the least used. */
static void
store(struct wh_registry_auth *au, const char *registry, const char *scope, char *header_owned,
      int64_t expires_ms)
{
    struct wh_registry_auth_entry *slot = NULL;

    for (size_t i = 0; i < WH_REGISTRY_AUTH_CACHE; i++) {
        struct wh_registry_auth_entry *e = &au->cache[i];

        if (e->header != NULL && strcmp(e->registry, registry) == 0 &&
            strcmp(e->scope, scope) == 0 && strcmp(e->cred_key, au->cred_key) == 0) {
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
    entry_drop(slot);
    slot->registry = wh_str_dup(registry);
    slot->scope = wh_str_dup(scope);
    slot->header = header_owned;
    slot->expires_ms = expires_ms;
    slot->last_used_ms = wh_clock_mono_ms();
    memcpy(slot->cred_key, au->cred_key, sizeof(slot->cred_key));
}

/* ---- challenge → token ---- */

/* "Authorization: <scheme> <value>" on the heap (secret). */
static char *
auth_header(const char *scheme, const char *value)
{
    size_t n = strlen("Authorization: ") + strlen(scheme) + 1 + strlen(value) + 1;
    char *header = malloc(n);

    if (header == NULL)
        wh_oom();
    snprintf(header, n, "Authorization: %s %s", scheme, value);
    return header;
}

/* "Authorization: Basic base64(user:pass)" on the heap (secret). */
static char *
basic_header(const char *user, const char *pass, struct wh_arena *a)
{
    size_t n = strlen(user) + 1 + strlen(pass);
    char *plain = wh_arena_alloc(a, n + 1);
    char *b64, *header;

    snprintf(plain, n + 1, "%s:%s", user, pass);
    b64 = wh_digest_base64_encode(plain, n, a);
    header = auth_header("Basic", b64);
    OPENSSL_cleanse(plain, n);
    OPENSSL_cleanse(b64, strlen(b64));
    return header;
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
check_realm(const struct wh_registry_http *h, const char *registry, const char *realm,
            bool *plain_ok, struct wh_error *err)
{
    struct wh_str host = wh_registry_http_url_host(realm);
    struct wh_str reg = wh_str_c(registry);

    *plain_ok = false;
    if (strncmp(realm, "https://", 8) == 0 && host.len > 0)
        return WH_OK;
    if (strncmp(realm, "http://", 7) == 0 && host.len > 0) {
        if (wh_registry_http_is_plain(h, host.ptr, host.len) ||
            (wh_registry_http_is_plain(h, registry, strlen(registry)) &&
             host_only_len(host) == host_only_len(reg) &&
             strncmp(host.ptr, reg.ptr, host_only_len(reg)) == 0)) {
            *plain_ok = true;
            return WH_OK;
        }
    }
    return wh_error_set(err, WH_E_UNAVAILABLE, "token realm \"%.200s\" is not an https URL", realm);
}

/* The token request: a POST of the refresh-token form with an identity token (docker's OAuth2
 * grant), else a GET with the scope in the query and any Basic credentials. */
static void
token_request(const struct wh_registry_challenge *ch, const char *scope,
              const struct wh_registry_credentials *cr, struct wh_arena *a,
              struct wh_registry_http_request *x, char **basic_out)
{
    const char *service = ch->service != NULL ? ch->service : "";

    *basic_out = NULL;
    if (cr->identity_token != NULL) {
        x->method = "POST";
        x->url = ch->realm;
        x->post_fields = wh_arena_sprintf(
            a, "grant_type=refresh_token&client_id=driftgate&service=%s&scope=%s&refresh_token=%s",
            wh_registry_http_escape(service, a), wh_registry_http_escape(scope, a),
            wh_registry_http_escape(cr->identity_token, a));
        return;
    }
    x->method = "GET";
    if (ch->service != NULL)
        x->url = wh_arena_sprintf(
            a, "%s%sservice=%s&scope=%s", ch->realm, strchr(ch->realm, '?') != NULL ? "&" : "?",
            wh_registry_http_escape(service, a), wh_registry_http_escape(scope, a));
    else
        x->url = wh_arena_sprintf(a, "%s%sscope=%s", ch->realm,
                                  strchr(ch->realm, '?') != NULL ? "&" : "?",
                                  wh_registry_http_escape(scope, a));
    if (cr->username != NULL) {
        *basic_out = basic_header(cr->username, cr->password != NULL ? cr->password : "", a);
        x->headers[0] = *basic_out;
    }
}

/* GET (or, with an identity token, POST) the realm for a token with `scope`; caches it. */
static enum wh_err
fetch_token(struct wh_registry_auth *au, struct wh_registry_http *h, const char *registry,
            const char *scope, const struct wh_registry_challenge *ch,
            const struct wh_registry_credentials *cr, int64_t deadline_ms, struct wh_arena *a,
            struct wh_error *err)
{
    struct wh_registry_http_request x = {
        .max = TOKEN_RESPONSE_MAX, .error_max = ERROR_BODY_MAX, .deadline_ms = deadline_ms};
    struct wh_registry_http_response r = {0};
    char *basic;
    const char *token;
    int64_t expires_in;
    enum wh_err rc;

    if ((rc = check_realm(h, registry, ch->realm, &x.plain_ok, err)) != WH_OK)
        return rc;
    token_request(ch, scope, cr, a, &x, &basic);
    rc = wh_registry_http_exchange(h, &x, a, &r, err);
    wipe_free(basic);
    if (x.post_fields != NULL)
        wipe(x.post_fields, strlen(x.post_fields));
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
    /* Refresh 10 s early so a token never expires in flight. */
    store(au, registry, scope, auth_header("Bearer", token),
          wh_clock_mono_ms() + (expires_in - 10) * 1000);
    wipe(token, strlen(token));
    return WH_OK;
}

enum wh_err
wh_registry_auth_answer(struct wh_registry_auth *au, struct wh_registry_http *h,
                        const char *registry, const char *scope, const char *www_authenticate,
                        int64_t deadline_ms, struct wh_arena *a, struct wh_error *err)
{
    struct wh_registry_challenge ch;
    struct wh_registry_credentials cr;
    enum wh_err rc = WH_OK;

    if (www_authenticate == NULL)
        return wh_error_set(err, WH_E_UNAVAILABLE,
                            "HTTP 401 without WWW-Authenticate: check the credentials for %s",
                            registry);
    if (wh_registry_auth_challenge_parse(wh_str_c(www_authenticate), a, &ch, err) != WH_OK) {
        wh_error_wrap(err, "HTTP 401");
        return err->code = WH_E_UNAVAILABLE; /* the registry's challenge: infrastructure */
    }
    if (wh_registry_auth_credentials_find(au, registry, a, &cr, err) != WH_OK) {
        wh_error_wrap(err, "docker config");
        return err->code = WH_E_UNAVAILABLE; /* the operator's credentials: infrastructure */
    }
    if (ch.scheme == WH_REGISTRY_AUTH_BASIC && cr.username == NULL)
        rc = wh_error_set(err, WH_E_UNAVAILABLE,
                          "HTTP 401: the registry wants Basic credentials and the docker "
                          "config has none: check the credentials for %s",
                          registry);
    else if (ch.scheme == WH_REGISTRY_AUTH_BASIC)
        store(au, registry, "",
              basic_header(cr.username, cr.password != NULL ? cr.password : "", a), 0);
    else
        rc = fetch_token(au, h, registry, scope, &ch, &cr, deadline_ms, a, err);
    wipe_creds(&cr);
    /* A garbled token answer is the registry's auth service failing, not evidence a pusher can
     * write: infrastructure, so the rule's onError decides it (README "Infrastructure or
     * evidence"). */
    if (rc != WH_OK && rc != WH_E_TIMEOUT)
        rc = err->code = WH_E_UNAVAILABLE;
    return rc;
}
