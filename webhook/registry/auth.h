#ifndef WH_REGISTRY_AUTH_H
#define WH_REGISTRY_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/* Registry authentication pieces: challenges, docker config credentials, token responses. Pure. */

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

/* Headers longer than this are rejected (WH_E_LIMIT) before parsing. */
#define WH_REGISTRY_MAX_CHALLENGE 4096

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

#endif
