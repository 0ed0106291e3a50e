/*
 * Pull secrets: the Secret parser (both docker types, every way a Secret can be wrong, no secret
 * bytes in messages), client options, name checks. The API round trips run against a stand-in
 * apiserver in tests/integration/kube_secrets_test.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "kube/kube.c"
#include "unit/harness.h"

static enum wh_err
parse(const char *json, struct wh_arena *a, struct wh_bytes *out, struct wh_error *err)
{
    return wh_kube_secret_parse((struct wh_bytes){(const unsigned char *)json, strlen(json)}, 64, a,
                                out, err);
}

static char *
secret(const char *type, const char *key, const char *payload, struct wh_arena *a)
{
    char *b64 = wh_digest_base64_encode(payload, strlen(payload), a);

    return wh_arena_sprintf(a,
                            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
                            "\"r\"},\"type\":\"%s\",\"data\":{\"%s\":\"%s\"}}",
                            type, key, b64);
}

static void
test_parse(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_bytes out = {0};
    const char *cfg = "{\"auths\":{\"r.example\":{\"auth\":\"dTpw\"}}}";
    const char *legacy = "{\"r.example\":{\"auth\":\"dTpw\",\"email\":\"e@x\"}}";

    wh_arena_init(&a);
    ok(parse(secret("kubernetes.io/dockerconfigjson", ".dockerconfigjson", cfg, &a), &a, &out,
             &err) == WH_OK &&
           out.len == strlen(cfg) && memcmp(out.ptr, cfg, out.len) == 0,
       "dockerconfigjson → the decoded config: %s", err.msg);
    ok(parse(secret("kubernetes.io/dockercfg", ".dockercfg", legacy, &a), &a, &out, &err) ==
               WH_OK &&
           out.len == strlen(legacy) + 10 && memcmp(out.ptr, "{\"auths\":{\"r.example\"", 21) == 0,
       "dockercfg → wrapped in {\"auths\": ...}: %.*s", (int)out.len, (const char *)out.ptr);
    ok(parse(secret("Opaque", "password", "hunter2", &a), &a, &out, &err) == WH_E_INVALID &&
           strstr(err.msg, "type \"Opaque\" is not kubernetes.io/dockerconfigjson") != NULL,
       "Opaque → invalid: %s", err.msg);
    ok(parse(secret("kubernetes.io/dockerconfigjson", ".dockercfg", cfg, &a), &a, &out, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "no data[\".dockerconfigjson\"]") != NULL,
       "dockerconfigjson without its key → invalid: %s", err.msg);
    ok(parse(secret("kubernetes.io/dockerconfigjson", ".dockerconfigjson", "hunter2-not-json", &a),
             &a, &out, &err) == WH_E_INVALID &&
           strstr(err.msg, "not a JSON object") != NULL && strstr(err.msg, "hunter2") == NULL,
       "payload not JSON → invalid, without quoting it: %s", err.msg);
    ok(parse("{\"kind\":\"Secret\",\"type\":\"kubernetes.io/dockerconfigjson\",\"data\":{"
             "\".dockerconfigjson\":\"%%%hunter2\"}}",
             &a, &out, &err) == WH_E_INVALID &&
           strstr(err.msg, "not valid base64") != NULL && strstr(err.msg, "hunter2") == NULL,
       "bad base64 → invalid, without quoting it: %s", err.msg);
    ok(parse("{\"kind\":\"ConfigMap\",\"type\":\"kubernetes.io/dockerconfigjson\"}", &a, &out,
             &err) == WH_E_INVALID &&
           strstr(err.msg, "not a v1 Secret") != NULL,
       "another kind → invalid");
    ok(parse("{\"kind\":\"Secret\",\"kind\":\"Secret\"}", &a, &out, &err) == WH_E_INVALID,
       "duplicate keys → invalid: %s", err.msg);
    ok(parse("{\"kind\":\"Secret\",\"type\":\"kubernetes.io/dockerconfigjson\"}", &a, &out, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "no data object") != NULL,
       "no data → invalid");
    ok(parse("[", &a, &out, &err) == WH_E_INVALID && strstr(err.msg, "secret JSON 1:") != NULL,
       "truncated JSON → invalid with line:col: %s", err.msg);
    {
        size_t n = WH_KUBE_SECRET_MAX + 1;
        unsigned char *big = calloc(1, n);

        ok(wh_kube_secret_parse((struct wh_bytes){big, n}, 64, &a, &out, &err) == WH_E_LIMIT,
           "over WH_KUBE_SECRET_MAX → limit");
        free(big);
    }
    wh_arena_fini(&a);
}

static void
test_client_options(void)
{
    struct wh_kube_options o = {0};
    struct wh_kube_client *k = NULL;
    struct wh_error err = {0};
    struct wh_arena a;
    struct wh_bytes out;

    unsetenv("KUBERNETES_SERVICE_HOST");
    ok(wh_kube_client_new(&o, &k, &err) == WH_E_NOT_FOUND &&
           strstr(err.msg, "not in a cluster") != NULL,
       "outside a cluster without apiServer → not found (pull secrets off)");
    o.api_server = "http://127.0.0.1:1";
    ok(wh_kube_client_new(&o, &k, &err) == WH_E_INVALID && strstr(err.msg, "not an https URL"),
       "http apiServer → invalid");
    o.api_server = "https://127.0.0.1:1";
    o.ca_file = "/nonexistent/ca.crt";
    ok(wh_kube_client_new(&o, &k, &err) == WH_E_INVALID && strstr(err.msg, "cannot open caFile"),
       "missing caFile → invalid");
    o.ca_file = NULL;
    o.token_file = "/nonexistent/token";
    WH_ASSERT(wh_kube_client_new(&o, &k, &err) == WH_OK);
    wh_arena_init(&a);
    ok(wh_kube_pull_secret_get(k, "default", "Bad_Name", wh_clock_mono_ms() + 1000, &a, &out,
                               &err) == WH_E_INVALID &&
           strstr(err.msg, "invalid name") != NULL,
       "a secret name that is not DNS-1123 → invalid before any request");
    ok(wh_kube_pull_secret_get(k, "../x", "r", wh_clock_mono_ms() + 1000, &a, &out, &err) ==
           WH_E_INVALID,
       "a namespace with path syntax → invalid");
    ok(wh_kube_pull_secret_get(k, "default", "r", wh_clock_mono_ms() + 1000, &a, &out, &err) !=
               WH_OK &&
           strstr(err.msg, "service account token") != NULL && wh_kube_client_requests(k) == 0,
       "unreadable token file → error, nothing sent: %s", err.msg);
    ok(wh_kube_pull_secret_get(k, "default", "r", wh_clock_mono_ms() - 1, &a, &out, &err) ==
           WH_E_TIMEOUT,
       "passed deadline → timeout");
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    wh_kube_client_free(k);
    o.api_server = NULL;
    ok(wh_kube_client_new(&o, &k, &err) == WH_OK &&
           strcmp(k->api_server, "https://10.0.0.1:443") == 0,
       "in-cluster: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT");
    wh_kube_client_free(k);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    ok(wh_kube_client_new(&o, &k, &err) == WH_OK &&
           strcmp(k->api_server, "https://[fd00::1]:443") == 0,
       "an IPv6 service host gets brackets");
    wh_kube_client_free(k);
    setenv("KUBERNETES_SERVICE_HOST", "evil/host", 1);
    ok(wh_kube_client_new(&o, &k, &err) == WH_E_INVALID, "a service host with '/' → invalid");
    unsetenv("KUBERNETES_SERVICE_HOST");
    wh_kube_client_free(NULL);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_parse();
    test_client_options();
    return done_testing();
}
