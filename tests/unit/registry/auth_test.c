/* WWW-Authenticate challenges, docker config credentials, token responses, the 401 answer. */
#include <stdint.h>
#include <string.h>

#include "registry/auth.c"
#include "unit/harness.h"
#include "unit/last_parse.h"

/* What the last parse gave (see last_parse.h). */
static struct wh_registry_challenge challenge;
static struct wh_registry_credentials creds;

static struct wh_bytes
bytes(const char *s)
{
    return (struct wh_bytes){(const unsigned char *)s, strlen(s)};
}

static void
test_bearer_challenge_with_quoted_params(void)
{
    ok(wh_registry_auth_challenge_parse(
           WH_STR("Bearer realm=\"http://127.0.0.1:5001/token\",service=\"fixture-registry\","
                  "scope=\"repository:demo/app:pull\""),
           last_parse_arena(), &challenge, &err) == WH_OK,
       "bearer challenge parses");
    ok(challenge.scheme == WH_REGISTRY_AUTH_BEARER, "scheme is Bearer");
    ok(strcmp(challenge.realm, "http://127.0.0.1:5001/token") == 0, "realm");
    ok(strcmp(challenge.service, "fixture-registry") == 0, "service");
    ok(strcmp(challenge.scope, "repository:demo/app:pull") == 0, "scope");
}

static void
test_challenge_escapes_tokens_and_case(void)
{
    ok(wh_registry_auth_challenge_parse(
           WH_STR("bEaReR  REALM=\"https://auth.example/t?a=\\\"b\\\\\" , Service=reg.example, "
                  "error=\"insufficient_scope\""),
           last_parse_arena(), &challenge, &err) == WH_OK,
       "mixed-case, escapes, token value and unknown param parse");
    ok(strcmp(challenge.realm, "https://auth.example/t?a=\"b\\") == 0, "escapes decoded: %s",
       challenge.realm);
    ok(strcmp(challenge.service, "reg.example") == 0, "token-form value");
    ok(challenge.scope == NULL, "absent scope is NULL");
    ok(wh_registry_auth_challenge_parse(WH_STR("Basic realm=\"fixture-realm\""), last_parse_arena(),
                                        &challenge, &err) == WH_OK &&
           challenge.scheme == WH_REGISTRY_AUTH_BASIC &&
           strcmp(challenge.realm, "fixture-realm") == 0,
       "basic challenge");
    ok(wh_registry_auth_challenge_parse(WH_STR("Basic realm=\"r\", Bearer realm=\"x\""),
                                        last_parse_arena(), &challenge, &err) == WH_OK &&
           challenge.scheme == WH_REGISTRY_AUTH_BASIC && strcmp(challenge.realm, "r") == 0,
       "a second challenge ends the first");
}

static void
expect_invalid(const char *header, const char *substring)
{
    enum wh_err rc =
        wh_registry_auth_challenge_parse(wh_str_c(header), last_parse_arena(), &challenge, &err);

    ok(rc == WH_E_INVALID && strstr(err.msg, substring) != NULL, "[%s] → invalid: %s", header,
       rc == WH_OK ? "(ok)" : err.msg);
}

static void
test_bad_challenges_are_invalid(void)
{
    char big[WH_REGISTRY_MAX_CHALLENGE + 16];

    expect_invalid("Digest realm=\"x\"", "unsupported scheme");
    expect_invalid("", "unsupported scheme");
    expect_invalid("Bearer service=\"x\"", "no realm");
    expect_invalid("Bearer realm=\"unterminated", "unterminated");
    expect_invalid("Bearer realm=\"a\" service=\"b\"", "expected ','");
    expect_invalid("Bearer realm=\"a\",realm=\"b\"", "duplicate parameter");
    expect_invalid("Bearer realm=", "has no value");
    expect_invalid("Bearer realm=\"a\x01\"", "control character");
    expect_invalid("Bearer,realm=\"a\"", "junk after scheme");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "Bearer realm=\"", 14);
    ok(wh_registry_auth_challenge_parse(wh_str_c(big), last_parse_arena(), &challenge, &err) ==
               WH_E_LIMIT &&
           strstr(err.msg, "WWW-Authenticate is") != NULL,
       "over-long header → limit: %s", err.msg);
}

static const char *config_json =
    "{\"auths\":{"
    "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnBhc3M=\"},"
    "\"ghcr.io\":{\"username\":\"gh\",\"password\":\"ghpass\"},"
    "\"http://127.0.0.1:5000/v2/\":{\"auth\":\"YWxpY2U6d29uZGVyOmxhbmQ=\"},"
    "\"quay.io\":{\"identitytoken\":\"refresh-me\"},"
    "\"helper.example\":{}"
    "},\"credsStore\":\"desktop\"}";

static void
test_docker_config_finds_by_host(void)
{
    ok(wh_registry_auth_config_find(bytes(config_json), "docker.io", last_parse_arena(), &creds,
                                    &err) == WH_OK &&
           strcmp(creds.username, "hub") == 0 && strcmp(creds.password, "hubpass") == 0,
       "docker.io uses https://index.docker.io/v1/");
    ok(wh_registry_auth_config_find(bytes(config_json), "ghcr.io", last_parse_arena(), &creds,
                                    &err) == WH_OK &&
           strcmp(creds.username, "gh") == 0 && strcmp(creds.password, "ghpass") == 0,
       "username/password entry");
    ok(wh_registry_auth_config_find(bytes(config_json), "127.0.0.1:5000", last_parse_arena(),
                                    &creds, &err) == WH_OK &&
           strcmp(creds.username, "alice") == 0 && strcmp(creds.password, "wonder:land") == 0,
       "scheme and path dropped from the key; password keeps its colon");
    ok(wh_registry_auth_config_find(bytes(config_json), "127.0.0.1:5001", last_parse_arena(),
                                    &creds, &err) == WH_OK &&
           creds.username == NULL,
       "port is part of the match");
    ok(wh_registry_auth_config_find(bytes(config_json), "quay.io", last_parse_arena(), &creds,
                                    &err) == WH_OK &&
           creds.username == NULL && strcmp(creds.identity_token, "refresh-me") == 0,
       "identity token");
    ok(wh_registry_auth_config_find(bytes(config_json), "helper.example", last_parse_arena(),
                                    &creds, &err) == WH_OK &&
           creds.username == NULL && creds.identity_token == NULL,
       "empty entry (credential helper) → no credentials");
    ok(wh_registry_auth_config_find(bytes("{}"), "ghcr.io", last_parse_arena(), &creds, &err) ==
               WH_OK &&
           creds.username == NULL,
       "no auths → no credentials");
}

static void
expect_config_invalid(const char *json, const char *substring)
{
    enum wh_err rc =
        wh_registry_auth_config_find(bytes(json), "r.example", last_parse_arena(), &creds, &err);

    ok(rc == WH_E_INVALID && strstr(err.msg, substring) != NULL, "%s → invalid: %s", json,
       rc == WH_OK ? "(ok)" : err.msg);
    ok(rc == WH_OK || strstr(err.msg, "secret") == NULL, "message quotes no secret");
}

static void
test_bad_docker_configs_are_invalid(void)
{
    expect_config_invalid("{\"auths\":", "docker config JSON 1:");
    expect_config_invalid("[]", "not a JSON object");
    expect_config_invalid("{\"auths\":[]}", "auths is not an object");
    expect_config_invalid("{\"auths\":{\"r.example\":{\"auth\":\"c2VjcmV0\"}}}",
                          "not user:password");
    expect_config_invalid("{\"auths\":{\"r.example\":{\"auth\":\"!!secret\"}}}", "not base64");
    expect_config_invalid("{\"auths\":{\"r.example\":{\"password\":\"secret\"}}}", "no username");
    expect_config_invalid("{\"auths\":{\"r.example\":{\"username\":7}}}",
                          "username is not a string");
    expect_config_invalid("{\"auths\":{\"r.example\":{},\"r.example\":{}}}", "duplicate");
}

static void
test_token_response(void)
{
    struct wh_arena a;
    const char *tok;
    int64_t exp;

    wh_arena_init(&a);
    ok(wh_registry_auth_token_parse(bytes("{\"token\":\"T1\",\"expires_in\":300}"), &a, &tok, &exp,
                                    &err) == WH_OK &&
           strcmp(tok, "T1") == 0 && exp == 300,
       "token + expires_in");
    ok(wh_registry_auth_token_parse(bytes("{\"access_token\":\"T2\"}"), &a, &tok, &exp, &err) ==
               WH_OK &&
           strcmp(tok, "T2") == 0 && exp == 60,
       "access_token, default 60 s");
    ok(wh_registry_auth_token_parse(bytes("{\"token\":\"T3\",\"expires_in\":5}"), &a, &tok, &exp,
                                    &err) == WH_OK &&
           exp == 60,
       "expires_in below 60 → 60");
    ok(wh_registry_auth_token_parse(bytes("{\"token\":\"\"}"), &a, &tok, &exp, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "no token") != NULL,
       "empty token → invalid");
    ok(wh_registry_auth_token_parse(bytes("{\"token\":\"x\",\"expires_in\":\"300\"}"), &a, &tok,
                                    &exp, &err) == WH_E_INVALID &&
           strstr(err.msg, "expires_in") != NULL,
       "string expires_in → invalid");
    ok(wh_registry_auth_token_parse(bytes("<html>"), &a, &tok, &exp, &err) == WH_E_INVALID &&
           strstr(err.msg, "token response JSON") != NULL,
       "not JSON → invalid");
    wh_arena_fini(&a);
}

static void
test_realm_must_be_https_unless_plain(void)
{
    const char *plain[] = {"127.0.0.1:5000"};
    struct wh_registry_http_options o = {.plain_hosts = plain, .n_plain_hosts = 1};
    struct wh_registry_http *h;
    bool p;

    WH_ASSERT(wh_registry_http_new(&o, &h, &err) == WH_OK);
    ok(check_realm(h, "ghcr.io", "https://ghcr.io/token", &p, &err) == WH_OK && !p, "https realm");
    ok(check_realm(h, "ghcr.io", "http://ghcr.io/token", &p, &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "not an https URL") != NULL,
       "http realm for an https registry → refused");
    ok(check_realm(h, "127.0.0.1:5000", "http://127.0.0.1:6000/token", &p, &err) == WH_OK && p,
       "http realm on the host of a plain-http registry");
    ok(check_realm(h, "127.0.0.1:5000", "http://10.0.0.1/token", &p, &err) == WH_E_UNAVAILABLE,
       "http realm on another host → refused");
    wh_registry_http_free(h);
}

/* The answer to a 401 fails closed as infrastructure, before any token request, when the
 * challenge or the credentials are unusable. */
static void
test_answer_without_usable_challenge(void)
{
    struct wh_registry_http_options o = {0};
    struct wh_registry_http *h;
    struct wh_registry_auth au;
    struct wh_arena a;
    const struct wh_bytes cfg = bytes("{\"auths\":{\"r.example\":{\"username\":\"u\"}}}");

    wh_arena_init(&a);
    WH_ASSERT(wh_registry_http_new(&o, &h, &err) == WH_OK);
    WH_ASSERT(wh_registry_auth_init(&au, NULL, &err) == WH_OK);
    ok(wh_registry_auth_answer(&au, h, "r.example", "repository:x:pull", NULL, INT64_MAX, &a,
                               &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "without WWW-Authenticate: check the credentials for r.example"),
       "401 without a challenge → unavailable: %s", err.msg);
    ok(wh_registry_auth_answer(&au, h, "r.example", "repository:x:pull", "Negotiate abc", INT64_MAX,
                               &a, &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "HTTP 401: WWW-Authenticate: unsupported scheme"),
       "an unsupported scheme → unavailable, not invalid: %s", err.msg);
    ok(wh_registry_auth_answer(&au, h, "r.example", "repository:x:pull", "Basic realm=\"r\"",
                               INT64_MAX, &a, &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "wants Basic credentials and the docker config has none"),
       "Basic without credentials → unavailable: %s", err.msg);
    ok(wh_registry_auth_answer(&au, h, "r.example", "repository:x:pull",
                               "Bearer realm=\"http://r.example/token\"", INT64_MAX, &a,
                               &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "is not an https URL") && wh_registry_http_requests(h) == 0,
       "a Bearer realm over plain http → refused before any request: %s", err.msg);
    ok(wh_registry_auth_header_find(&au, "r.example", "repository:x:pull") == NULL,
       "nothing cached after failures");
    WH_ASSERT(wh_registry_auth_review_set(&au, &cfg, 1, &err) == WH_OK);
    ok(wh_registry_auth_answer(&au, h, "r.example", "repository:x:pull", "Basic realm=\"r\"",
                               INT64_MAX, &a, &err) == WH_OK &&
           wh_registry_auth_header_find(&au, "r.example", "repository:y:pull") != NULL,
       "Basic with the review's credentials → one header for the whole registry: %s", err.msg);
    wh_registry_auth_review_clear(&au);
    ok(wh_registry_auth_header_find(&au, "r.example", "repository:x:pull") == NULL,
       "a header bought with a pull secret does not serve the node-wide credentials");
    wh_registry_auth_fini(&au);
    wh_registry_http_free(h);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_bearer_challenge_with_quoted_params();
    test_challenge_escapes_tokens_and_case();
    test_bad_challenges_are_invalid();
    test_docker_config_finds_by_host();
    test_bad_docker_configs_are_invalid();
    test_token_response();
    test_realm_must_be_https_unless_plain();
    test_answer_without_usable_challenge();
    last_parse_fini();
    return done_testing();
}
