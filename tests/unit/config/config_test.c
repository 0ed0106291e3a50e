/* config.c: defaults, overrides, and strict rejection with positions. */
#include "config.c"

#include <unistd.h>

#include "unit/harness.h"

static char path[64];

static const char *
write_config(const char *text)
{
    int fd;

    snprintf(path, sizeof(path), "/tmp/dg-config-XXXXXX");
    fd = mkstemp(path);
    WH_ASSERT(fd >= 0);
    WH_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    return path;
}

static enum wh_err
load_text(const char *text, struct wh_config *c, struct wh_error *err)
{
    enum wh_err rc = wh_config_load(write_config(text), c, err);

    unlink(path);
    return rc;
}

static void
test_defaults_fill_every_field(void)
{
    struct wh_config c;

    wh_config_defaults(&c);
    ok(strcmp(c.listen_host, "0.0.0.0") == 0 && c.listen_port == 8443,
       "default listen 0.0.0.0:8443");
    ok(c.tls_enabled && strcmp(c.tls_cert, "/etc/driftgate/tls/tls.crt") == 0, "default tls on");
    ok(c.limits.body_bytes == 3145728, "default body limit 3 MiB");
    ok(c.review_max_ms == 25000 && c.margin_ms == 1000 && c.registry_connect_ms == 2000,
       "default timeouts");
    ok(c.workers == 4 && c.queue == 64, "default workers and queue");
    ok(c.reload_poll_ms == 10000, "default reload poll 10 s");
    ok(c.cache_entries == 65536 && c.cache_tag_ttl_s == 30 && c.cache_failure_ttl_s == 5,
       "default cache");
    ok(c.log_level == WH_LOG_INFO && c.registry.n_plain_http_hosts == 0 &&
           c.registry.docker_config == NULL,
       "default log level and registry");
    wh_config_fini(&c);
}

static void
test_empty_file_is_defaults(void)
{
    struct wh_config c;
    struct wh_error err = {0};

    ok(load_text("# nothing\n", &c, &err) == WH_OK, "comment-only file loads");
    ok(c.listen_port == 8443 && c.workers == 4, "comment-only file gives defaults");
    wh_config_fini(&c);
    ok(load_text("", &c, &err) == WH_OK, "empty file loads");
    wh_config_fini(&c);
}

static void
test_overrides_apply(void)
{
    struct wh_config c;
    struct wh_error err = {0};
    enum wh_err rc;

    rc = load_text(
        "listen: \"[::1]:9443\"\n"
        "tls: {cert: /tmp/c.pem, key: /tmp/k.pem}\n"
        "policy: /tmp/p.yaml\n"
        "trustRoots: [/a.json, /b.json]\n"
        "registry: {dockerConfig: /d.json, caFile: \"\", plainHTTP: [\"127.0.0.1:5000\"]}\n"
        "limits: {bodyBytes: 4096, images: 3}\n"
        "timeouts: {reviewMaxSeconds: 9, marginMillis: 500, registryConnectMillis: 300}\n"
        "workers: 2\nqueue: 5\n"
        "cache: {entries: 10, bytes: 1000, tagTTLSeconds: 1, failureTTLSeconds: 2}\n"
        "log: {level: debug}\n"
        "reload: {pollMillis: 250}\n",
        &c, &err);
    ok(rc == WH_OK, "full config loads (%s)", rc == WH_OK ? "" : err.msg);
    if (rc != WH_OK)
        return;
    ok(strcmp(c.listen_host, "::1") == 0 && c.listen_port == 9443, "IPv6 listen parsed");
    ok(strcmp(c.tls_cert, "/tmp/c.pem") == 0 && strcmp(c.tls_key, "/tmp/k.pem") == 0, "tls paths");
    ok(strcmp(c.policy_path, "/tmp/p.yaml") == 0, "policy path");
    ok(c.n_trust_roots == 2 && strcmp(c.trust_roots[1], "/b.json") == 0, "trust roots list");
    ok(strcmp(c.registry.docker_config, "/d.json") == 0 && c.registry.ca_file == NULL,
       "empty caFile is NULL");
    ok(c.registry.n_plain_http_hosts == 1 &&
           strcmp(c.registry.plain_http_hosts[0], "127.0.0.1:5000") == 0,
       "plainHTTP list");
    ok(c.limits.body_bytes == 4096 && c.limits.images == 3 && c.limits.manifest_bytes == 4u << 20,
       "limits overridden, others default");
    ok(c.review_max_ms == 9000 && c.margin_ms == 500 && c.registry_connect_ms == 300,
       "timeouts, seconds become ms");
    ok(c.workers == 2 && c.queue == 5, "workers and queue");
    ok(c.reload_poll_ms == 250, "reload.pollMillis");
    ok(c.cache_entries == 10 && c.cache_bytes == 1000 && c.cache_tag_ttl_s == 1 &&
           c.cache_failure_ttl_s == 2,
       "cache");
    ok(c.log_level == WH_LOG_DEBUG, "log level");
    wh_config_fini(&c);
}

static void
test_tls_false_disables_tls(void)
{
    struct wh_config c;
    struct wh_error err = {0};

    ok(load_text("tls: false\n", &c, &err) == WH_OK && !c.tls_enabled, "tls: false is plain HTTP");
    wh_config_fini(&c);
    /* The policy's typing rule (base/yaml_scalar.h): YAML 1.2 core spells false three ways. */
    ok(load_text("tls: FALSE\n", &c, &err) == WH_OK && !c.tls_enabled,
       "tls: FALSE is a boolean as in the policy (%s)", err.msg);
    wh_config_fini(&c);
    ok(load_text("tls: \"false\"\n", &c, &err) == WH_E_INVALID,
       "tls: \"false\" (quoted) is a string, not a boolean");
    wh_config_fini(&c);
}

static void
expect_invalid(const char *text, enum wh_err code, const char *substr, const char *name)
{
    struct wh_config c;
    struct wh_error err = {0};
    enum wh_err rc = load_text(text, &c, &err);

    ok(rc == code && strstr(err.msg, substr) != NULL, "%s: %s", name,
       rc == WH_OK ? "loaded" : err.msg);
}

static void
test_strict_rejections(void)
{
    expect_invalid("workers: 2\nlisten_addr: x\n", WH_E_INVALID,
                   ":2:1: unknown key \"listen_addr\" in config",
                   "unknown top-level key with line:col");
    expect_invalid("limits:\n  bodyBytes: 4096\n  bodybytes: 1\n", WH_E_INVALID,
                   ":3:3: unknown key \"bodybytes\" in limits", "unknown nested key");
    expect_invalid("workers: four\n", WH_E_INVALID, ":1:10: workers: expected an unquoted integer",
                   "word for a number");
    expect_invalid("workers: \"4\"\n", WH_E_INVALID, "workers: expected an unquoted integer",
                   "quoted number");
    expect_invalid("workers: 0\n", WH_E_INVALID, "workers: 0 is out of range 1-256",
                   "zero workers");
    expect_invalid("tls: yes\n", WH_E_INVALID, "tls: expected {cert: FILE, key: FILE} or false",
                   "yes is not a boolean");
    expect_invalid("limits: 5\n", WH_E_INVALID, "limits: expected a mapping", "scalar for mapping");
    expect_invalid("trustRoots: /a.json\n", WH_E_INVALID, "trustRoots: expected a list of strings",
                   "scalar for list");
    expect_invalid("policy: [a]\n", WH_E_INVALID, "policy: expected a string", "list for string");
    expect_invalid("listen: \"localhost:8443\"\n", WH_E_INVALID, "host must be a numeric",
                   "host name in listen");
    expect_invalid("listen: \"0.0.0.0:99999\"\n", WH_E_INVALID, "port must be 1-65535",
                   "port out of range");
    expect_invalid("listen: \"0.0.0.0\"\n", WH_E_INVALID, "has no :PORT", "listen without port");
    expect_invalid("workers: 2\nworkers: 3\n", WH_E_INVALID, ":2:1: duplicate key \"workers\"",
                   "duplicate key");
    expect_invalid("policy: &p /x\nlog: {level: *p}\n", WH_E_INVALID,
                   ":1:9: anchors are not allowed in the config", "anchor refused");
    expect_invalid("log: {level: *p}\n", WH_E_INVALID,
                   ":1:14: aliases are not allowed in the config", "alias refused");
    expect_invalid("policy: !!str /x\n", WH_E_INVALID, ":1:9: tags are not allowed in the config",
                   "tag refused");
    expect_invalid("log: {level: loud}\n", WH_E_INVALID, "\"loud\" is not debug", "bad log level");
    expect_invalid("timeouts: {reviewMaxSeconds: 31}\n", WH_E_INVALID, "out of range 1-30",
                   "review budget above apiserver max");
    expect_invalid("timeouts: {reviewMaxSeconds: 1, marginMillis: 1000}\n", WH_E_INVALID,
                   "marginMillis (1000) must be below", "margin swallows the budget");
    expect_invalid("reload: {pollMillis: 3600001}\n", WH_E_INVALID, "out of range",
                   "reload poll above an hour");
    expect_invalid("reload: {pollSeconds: 1}\n", WH_E_INVALID, "pollSeconds", "unknown reload key");
    expect_invalid("workers: 1\n---\nworkers: 2\n", WH_E_INVALID,
                   ":2:1: the config file holds exactly one YAML document", "two documents");
    expect_invalid("log: {level: info\n", WH_E_INVALID, ":2:1:", "malformed YAML has a position");
    expect_invalid("- a\n", WH_E_INVALID, "expected a mapping at the top level", "top-level list");
}

static void
test_missing_file_names_path(void)
{
    struct wh_config c;
    struct wh_error err = {0};

    ok(wh_config_load("/nonexistent/dg.yaml", &c, &err) != WH_OK &&
           strstr(err.msg, "/nonexistent/dg.yaml") != NULL,
       "missing file: %s", err.msg);
}

static void
test_registry_throttling_and_kube(void)
{
    struct wh_config c;
    struct wh_error err = {0};

    wh_config_defaults(&c);
    ok(c.registry.max_concurrent_per_registry == 8 && c.registry.parallel_fetches == 4 &&
           c.registry.retry.max_attempts == 4 && c.registry.retry.base_ms == 200 &&
           c.registry.retry.max_wait_ms == 10000 && c.kube_api_server == NULL &&
           c.kube_secret_ttl_s == 60 &&
           strcmp(c.kube_token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token") == 0,
       "registry throttling and kube defaults");
    wh_config_fini(&c);
    ok(load_text("registry:\n  maxConcurrentPerRegistry: 2\n  parallelFetches: 6\n  retry: "
                 "{maxAttempts: 6, baseMillis: "
                 "50, maxWaitMillis: 3000}\nkube: {apiServer: \"https://127.0.0.1:6443\", "
                 "tokenFile: /t, caFile: /ca, secretTTLSeconds: 5}\n",
                 &c, &err) == WH_OK &&
           c.registry.max_concurrent_per_registry == 2 && c.registry.parallel_fetches == 6 &&
           c.registry.retry.max_attempts == 6 && c.registry.retry.base_ms == 50 &&
           c.registry.retry.max_wait_ms == 3000 &&
           strcmp(c.kube_api_server, "https://127.0.0.1:6443") == 0 &&
           strcmp(c.kube_token_file, "/t") == 0 && strcmp(c.kube_ca_file, "/ca") == 0 &&
           c.kube_secret_ttl_s == 5,
       "registry.retry, maxConcurrentPerRegistry and kube load: %s", err.msg);
    wh_config_fini(&c);
    expect_invalid("registry: {maxConcurrentPerRegistry: 0}\n", WH_E_INVALID,
                   "maxConcurrentPerRegistry: 0 is out of range 1-1024", "zero concurrency");
    expect_invalid("registry: {parallelFetches: 33}\n", WH_E_INVALID,
                   "parallelFetches: 33 is out of range 1-32", "too many fetches at once");
    expect_invalid("registry: {retry: {maxAttempts: 11}}\n", WH_E_INVALID,
                   "maxAttempts: 11 is out of range 1-10", "too many attempts");
    expect_invalid("registry: {retry: {backoff: 1}}\n", WH_E_INVALID, "backoff",
                   "unknown key in registry.retry");
    expect_invalid("kube: {secretTTLSeconds: -1}\n", WH_E_INVALID, "secretTTLSeconds",
                   "negative secret TTL");
    expect_invalid("kube: {apiserver: x}\n", WH_E_INVALID, "apiserver", "unknown key in kube");
}

static void
test_registry_ca_files_per_host(void)
{
    struct wh_config c;
    struct wh_error err = {0};

    wh_config_defaults(&c);
    ok(c.registry.n_registry_ca_files == 0 && c.registry.registry_ca_hosts == NULL,
       "no per-registry CA by default");
    wh_config_fini(&c);
    ok(load_text("registry:\n  caFile: /all.pem\n  caFiles:\n    \"registry.corp:5000\": "
                 "/corp.pem\n    ghcr.io: /ghcr.pem\n    \"[fd00::1]:443\": /v6.pem\n",
                 &c, &err) == WH_OK &&
           c.registry.n_registry_ca_files == 3 &&
           strcmp(c.registry.registry_ca_hosts[0], "registry.corp:5000") == 0 &&
           strcmp(c.registry.registry_ca_files[0], "/corp.pem") == 0 &&
           strcmp(c.registry.registry_ca_hosts[1], "ghcr.io") == 0 &&
           strcmp(c.registry.registry_ca_files[1], "/ghcr.pem") == 0 &&
           strcmp(c.registry.registry_ca_hosts[2], "[fd00::1]:443") == 0 &&
           strcmp(c.registry.ca_file, "/all.pem") == 0,
       "caFiles maps hosts to CA files, beside the global caFile: %s", err.msg);
    wh_config_fini(&c);
    ok(load_text("registry: {caFiles: {}}\n", &c, &err) == WH_OK &&
           c.registry.n_registry_ca_files == 0,
       "empty caFiles mapping");
    wh_config_fini(&c);
    expect_invalid("registry:\n  caFiles:\n    a.io: /a.pem\n    A.IO: /b.pem\n", WH_E_INVALID,
                   ":4:5: caFiles: duplicate host \"A.IO\"", "duplicate host, case-insensitive");
    expect_invalid("registry: {caFiles: [a.io]}\n", WH_E_INVALID,
                   "caFiles: expected a mapping of \"host[:port]\": path", "list for caFiles");
    expect_invalid("registry: {caFiles: {\"https://a.io\": /a.pem}}\n", WH_E_INVALID,
                   "caFiles: \"https://a.io\" is not a registry host[:port]", "URL as host");
    expect_invalid("registry: {caFiles: {\"a.io/x\": /a.pem}}\n", WH_E_INVALID,
                   "is not a registry host[:port]", "path in host");
    expect_invalid("registry: {caFiles: {\"a.io:\": /a.pem}}\n", WH_E_INVALID,
                   "is not a registry host[:port]", "empty port");
    expect_invalid("registry: {caFiles: {\"a.io:1234567\": /a.pem}}\n", WH_E_INVALID,
                   "is not a registry host[:port]", "port too long");
    expect_invalid("registry: {caFiles: {\":5000\": /a.pem}}\n", WH_E_INVALID,
                   "is not a registry host[:port]", "port without host");
    expect_invalid("registry: {caFiles: {\"[]:5000\": /a.pem}}\n", WH_E_INVALID,
                   "is not a registry host[:port]", "empty IPv6 brackets");
    expect_invalid("registry: {caFiles: {a.io: \"\"}}\n", WH_E_INVALID, "caFiles: a.io: empty path",
                   "empty CA path");
    expect_invalid("registry: {caFiles: {a.io: [/a.pem]}}\n", WH_E_INVALID,
                   "a.io: expected a file path", "list as CA path");
    expect_invalid("registry: {caFiles: {[a]: /a.pem}}\n", WH_E_INVALID,
                   ":1:22: mapping keys must be scalars, got a sequence", "non-scalar key");
    expect_invalid("registry: {caFiles: {a.io: /a.pem}, caFiles: {b.io: /b.pem}}\n", WH_E_INVALID,
                   "duplicate key \"caFiles\"", "caFiles twice");
    {
        char text[4096];
        size_t n = (size_t)snprintf(text, sizeof(text), "registry:\n  caFiles:\n");

        for (int i = 0; i <= 64; i++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "    h%d.io: /c.pem\n", i);
        expect_invalid(text, WH_E_LIMIT, "caFiles: more than 64 entries", "65 hosts");
    }
}

static void
test_server_bounds_and_client_auth(void)
{
    struct wh_config c;
    struct wh_error err = {0};

    wh_config_defaults(&c);
    ok(c.max_connections == 256 && c.max_inflight_body_bytes == 16u << 20 &&
           c.request_timeout_ms == 10000 && c.handshake_timeout_ms == 5000 && c.probe_port == 0,
       "default server bounds: 256 connections, 16 MiB in flight, 10 s request, 5 s handshake");
    ok(c.tls_client_ca == NULL && c.n_tls_client_names == 0, "no client authentication by default");
    wh_config_fini(&c);
    ok(load_text("tls:\n  cert: /c\n  key: /k\n  clientCA: /ca.pem\n"
                 "  clientNames: [kube-apiserver, apiserver.example]\n"
                 "server:\n  maxConnections: 64\n  maxBodyBytesInFlight: 8388608\n"
                 "  requestTimeoutMillis: 3000\n  handshakeTimeoutMillis: 2000\n"
                 "  probeListen: \"0.0.0.0:8081\"\n",
                 &c, &err) == WH_OK,
       "server and tls.clientCA load: %s", err.msg);
    ok(strcmp(c.tls_client_ca, "/ca.pem") == 0 && c.n_tls_client_names == 2 &&
           strcmp(c.tls_client_names[1], "apiserver.example") == 0,
       "clientCA and clientNames");
    ok(c.max_connections == 64 && c.max_inflight_body_bytes == 8388608 &&
           c.request_timeout_ms == 3000 && c.handshake_timeout_ms == 2000,
       "server bounds");
    ok(strcmp(c.probe_listen, "0.0.0.0:8081") == 0 && strcmp(c.probe_host, "0.0.0.0") == 0 &&
           c.probe_port == 8081,
       "probeListen");
    wh_config_fini(&c);
    expect_invalid("server: {maxConnections: 0}\n", WH_E_INVALID, "out of range 1-100000",
                   "zero connections");
    expect_invalid("server: {maxBodyBytesInFlight: 4194304}\n", WH_E_INVALID,
                   "maxBodyBytesInFlight (4194304) must be at least twice limits.bodyBytes",
                   "a budget that cannot hold one body while it arrives");
    expect_invalid("server: {requestTimeoutMillis: 50}\n", WH_E_INVALID, "out of range 100-",
                   "request timeout under 100 ms");
    expect_invalid("server: {probeListen: \"localhost:1\"}\n", WH_E_INVALID,
                   "probeListen: listen address", "probeListen needs a numeric host");
    expect_invalid("server: {probeListen: \"0.0.0.0:8443\"}\n", WH_E_INVALID,
                   "probeListen must not be listen's port", "probe port equal to listen's");
    expect_invalid("server: {idleSeconds: 1}\n", WH_E_INVALID,
                   "unknown key \"idleSeconds\" in server", "unknown server key");
    expect_invalid("tls: {cert: /c, key: /k, clientNames: [a]}\n", WH_E_INVALID,
                   "tls.clientNames needs tls.clientCA", "clientNames without clientCA");
    expect_invalid("tls: false\nserver: {probeListen: \"127.0.0.1:9\"}\n", WH_E_INVALID,
                   "probeListen needs tls", "probe port without tls");
}

int
main(void)
{
    test_defaults_fill_every_field();
    test_empty_file_is_defaults();
    test_overrides_apply();
    test_tls_false_disables_tls();
    test_strict_rejections();
    test_missing_file_names_path();
    test_registry_throttling_and_kube();
    test_registry_ca_files_per_host();
    test_server_bounds_and_client_auth();
    return done_testing();
}
