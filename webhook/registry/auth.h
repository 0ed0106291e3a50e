#ifndef WH_REGISTRY_AUTH_H
#define WH_REGISTRY_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/str.h"
#include "registry/http.h"

/*
 * Registry authentication, challenge → token → cached header: the pure pieces (WWW-Authenticate
 * challenges, docker config credentials, token responses), and a client's credentials with the
 * Authorization headers bought with them (struct wh_registry_auth).
 */

enum wh_registry_auth_scheme {
    WH_REGISTRY_AUTH_BASIC = 1,
    WH_REGISTRY_AUTH_BEARER,
};

/* RFC 7235 challenge as registries send it; parameters are NULL when absent. */
struct wh_registry_challenge {
    enum wh_registry_auth_scheme scheme;
    const char *realm;
    const char *service; /* Bearer */
    const char *scope;   /* Bearer */
};

/*
 * Parses one WWW-Authenticate value: `Basic realm="x"` or `Bearer realm="x",service="y",
 * scope="z"` (quoted strings with backslash escapes, or tokens; scheme and parameter names
 * case-insensitive; unknown parameters ignored). Bearer needs a realm. Other schemes and
 * malformed syntax are WH_E_INVALID. Strings in `a`; *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_auth_challenge_parse(struct wh_str header, struct wh_arena *a,
                                                           struct wh_registry_challenge *out,
                                                           struct wh_error *err);

/* Credentials for one registry; every field NULL when the config has none for it. */
struct wh_registry_credentials {
    const char *username;
    const char *password;
    const char *identity_token; /* OAuth2 refresh token (`identitytoken`) */
};

/*
 * Finds the credentials for `registry` ("ghcr.io", "127.0.0.1:5000", "docker.io") in a docker
 * config.json (`auths` → {auth: base64 "user:pass"} | {username, password} | {identitytoken}).
 * Keys match by host[:port] after dropping a scheme and path ("https://ghcr.io/v1/"); docker.io
 * also matches "https://index.docker.io/v1/", "index.docker.io" and "registry-1.docker.io".
 * No entry → WH_OK with all fields NULL. Malformed JSON or a malformed entry for this registry →
 * WH_E_INVALID (never quoting secrets). Secrets are copied into `a`: the caller wipes them.
 */
WH_MUST_CHECK enum wh_err wh_registry_auth_config_find(struct wh_bytes config_json,
                                                       const char *registry, struct wh_arena *a,
                                                       struct wh_registry_credentials *out,
                                                       struct wh_error *err);

/*
 * Parses a token endpoint response: `token` or `access_token` (string, ≤ 16 KiB), `expires_in`
 * (seconds; 60 when absent or < 60, per the distribution token spec). *token_out in `a`.
 */
WH_MUST_CHECK enum wh_err wh_registry_auth_token_parse(struct wh_bytes body, struct wh_arena *a,
                                                       const char **token_out,
                                                       int64_t *expires_in_out,
                                                       struct wh_error *err);

/* The config key host for `registry`: "docker.io" → "index.docker.io", others unchanged. */
const char *wh_registry_auth_config_host(const char *registry);

#define WH_REGISTRY_AUTH_CACHE 32
#define WH_REGISTRY_AUTH_MAX_REVIEW_CONFIGS 16

/* One cached Authorization header: Basic for a whole registry (scope ""), Bearer per scope. */
struct wh_registry_auth_entry {
    char *registry;
    char *scope;
    char *header;       /* "Authorization: ..." (secret: wiped when dropped) */
    int64_t expires_ms; /* monotonic; 0 = until the state is finished */
    int64_t last_used_ms;
    /* Which credentials bought it: "" for the node-wide docker config, else the hex sha256 of
     * the review's pull-secret documents (a token never serves a review without its secret). */
    char cred_key[WH_DIGEST_STR_LEN];
};

/*
 * A registry client's credentials (the node-wide docker config, the review's pull-secret
 * documents) and the headers bought with them. Fields are auth.c's; one thread at a time. Every
 * secret is wiped when dropped and never put in a message.
 */
struct wh_registry_auth {
    unsigned char *docker_config; /* secret */
    size_t docker_config_len;
    unsigned char *review_configs[WH_REGISTRY_AUTH_MAX_REVIEW_CONFIGS]; /* secret */
    size_t review_config_lens[WH_REGISTRY_AUTH_MAX_REVIEW_CONFIGS];
    size_t n_review_configs;
    char cred_key[WH_DIGEST_STR_LEN];
    struct wh_registry_auth_entry cache[WH_REGISTRY_AUTH_CACHE];
};

/*
 * Reads the docker config at `path` (NULL: none) and parses it once, so a malformed file fails
 * now, not at the first 401 (WH_E_INVALID; a missing file is wh_file_read's error). On error *au
 * needs wh_registry_auth_fini all the same.
 */
WH_MUST_CHECK enum wh_err wh_registry_auth_init(struct wh_registry_auth *au, const char *path,
                                                struct wh_error *err);
void wh_registry_auth_fini(struct wh_registry_auth *au);

/* wh_registry_client_review_credentials_set/_clear (client.h) and the key they leave. */
WH_MUST_CHECK enum wh_err wh_registry_auth_review_set(struct wh_registry_auth *au,
                                                      const struct wh_bytes *docker_configs,
                                                      size_t n, struct wh_error *err);
void wh_registry_auth_review_clear(struct wh_registry_auth *au);

/*
 * The credentials for `registry`: from the review's pull secrets first, in order, else from the
 * node-wide docker config; all NULL when none has an entry. Secrets in `a`: the caller wipes them.
 */
WH_MUST_CHECK enum wh_err wh_registry_auth_credentials_find(const struct wh_registry_auth *au,
                                                            const char *registry,
                                                            struct wh_arena *a,
                                                            struct wh_registry_credentials *cr,
                                                            struct wh_error *err);

/*
 * The cached "Authorization: ..." line for (registry, scope) bought with the credentials now in
 * use, or NULL (expired ones are dropped). Borrowed: valid until the next call on *au.
 */
const char *wh_registry_auth_header_find(struct wh_registry_auth *au, const char *registry,
                                         const char *scope);

/*
 * Answers a registry's 401: parses `www_authenticate` (NULL when the answer had none), finds the
 * credentials for `registry`, and caches a Basic header or a Bearer token bought from the realm
 * through `h` (https only, or http to a plain host: wh_registry_http_is_plain) for (registry,
 * scope). Every failure but WH_E_TIMEOUT is WH_E_UNAVAILABLE (the registry's auth service or the
 * operator's credentials: infrastructure), naming the registry and what to check.
 */
WH_MUST_CHECK enum wh_err wh_registry_auth_answer(struct wh_registry_auth *au,
                                                  struct wh_registry_http *h, const char *registry,
                                                  const char *scope, const char *www_authenticate,
                                                  int64_t deadline_ms, struct wh_arena *a,
                                                  struct wh_error *err);

#endif
