/*
 * Registry authentication, the pure parts: WWW-Authenticate challenges (RFC 7235 syntax as
 * registries use it), docker config.json credential lookup, and token endpoint responses
 * (distribution token spec). The client does the HTTP.
 */
#include "registry/auth.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/digest.h"

/* Wipes arena bytes reached through a const view: the arena is ours, const is only the view's. */
static void
wipe(const void *p, size_t n)
{
    if (p != NULL)
        OPENSSL_cleanse((void *)(uintptr_t)p, n);
}

#define MAX_TOKEN_BYTES (16u * 1024)

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

/* TODO(#14): split the token and quoted-string readers; registry/ is being changed now (cognitive
 * complexity 43 > 25, STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_registry_auth_challenge_parse(struct wh_str h, struct wh_arena *a,
                                 struct wh_registry_challenge *out, struct wh_error *err)
{
    struct wh_registry_challenge c = {0};
    struct wh_str scheme;
    size_t i = 0;
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
    for (;;) {
        struct wh_str name;
        const char *value = NULL;

        skip_ws(h, &i);
        while (i < h.len && h.ptr[i] == ',') { /* empty list elements are allowed */
            i++;
            skip_ws(h, &i);
        }
        if (i >= h.len)
            break;
        name = read_token(h, &i);
        if (name.len == 0)
            return wh_error_set(err, WH_E_INVALID,
                                "WWW-Authenticate: expected a parameter name at offset %zu", i);
        skip_ws(h, &i);
        if (i >= h.len || h.ptr[i] != '=') {
            /* A token with no '=' starts the next challenge: ours ends here. */
            break;
        }
        i++;
        skip_ws(h, &i);
        if (i < h.len && h.ptr[i] == '"') {
            if ((rc = read_quoted(h, &i, a, &value, err)) != WH_OK)
                return rc;
        } else {
            struct wh_str tok = read_token(h, &i);

            if (tok.len == 0)
                return wh_error_set(err, WH_E_INVALID,
                                    "WWW-Authenticate: parameter %.*s has no value",
                                    (int)(name.len > 32 ? 32 : name.len), name.ptr);
            value = wh_arena_strdup_view(a, tok);
        }
        if ((rc = set_param(&c, name, value, err)) != WH_OK)
            return rc;
        skip_ws(h, &i);
        if (i < h.len && h.ptr[i] != ',')
            return wh_error_set(err, WH_E_INVALID, "WWW-Authenticate: expected ',' at offset %zu",
                                i);
    }
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
