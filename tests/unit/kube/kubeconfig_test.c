/* kube/kubeconfig.c: the current (or a named) context's server, CA and bearer token; every field
 * it cannot honour safely refused with the file and the field named, never a secret quoted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kubeconfig.h"
#include "unit/harness.h"

#define CLUSTERS                                                                                   \
    "clusters:\n"                                                                                  \
    "- name: prod\n"                                                                               \
    "  cluster:\n"                                                                                 \
    "    server: https://10.0.0.1:6443\n"                                                          \
    "    certificate-authority-data: LS0tLS1CRUdJTg==\n"                                           \
    "- name: dev\n"                                                                                \
    "  cluster: {server: 'https://dev:443', certificate-authority: ca/dev.crt}\n"
#define CONTEXTS                                                                                   \
    "contexts:\n"                                                                                  \
    "- name: p\n"                                                                                  \
    "  context: {cluster: prod, user: bot, namespace: team-a}\n"                                   \
    "- name: d\n"                                                                                  \
    "  context: {cluster: dev, user: filebot}\n"
#define USERS                                                                                      \
    "users:\n"                                                                                     \
    "- name: bot\n"                                                                                \
    "  user: {token: s3cr3t-token}\n"                                                              \
    "- name: filebot\n"                                                                            \
    "  user: {tokenFile: token}\n"

static enum wh_err
parse(const char *text, const char *context, struct wh_arena *a, struct wh_kubeconfig *kc,
      struct wh_error *err)
{
    return wh_kube_kubeconfig_parse((struct wh_bytes){(const unsigned char *)text, strlen(text)},
                                    "kc.yaml", context, a, kc, err);
}

static void
test_good(void)
{
    struct wh_arena a;
    struct wh_kubeconfig kc;
    struct wh_error err = {0};
    const char *text = "apiVersion: v1\nkind: Config\ncurrent-context: p\n" CLUSTERS CONTEXTS USERS;

    wh_arena_init(&a);
    ok(parse(text, NULL, &a, &kc, &err) == WH_OK && strcmp(kc.context, "p") == 0 &&
           strcmp(kc.server, "https://10.0.0.1:6443") == 0 && kc.ca_data.len == 10 &&
           memcmp(kc.ca_data.ptr, "-----BEGIN", 10) == 0 && kc.ca_file == NULL &&
           strcmp(kc.token, "s3cr3t-token") == 0 && kc.token_file == NULL &&
           strcmp(kc.namespace_, "team-a") == 0,
       "current-context: server, CA data decoded, inline token, namespace (%s)", err.msg);
    ok(parse(text, "d", &a, &kc, &err) == WH_OK && strcmp(kc.server, "https://dev:443") == 0 &&
           strcmp(kc.ca_file, "ca/dev.crt") == 0 && kc.ca_data.len == 0 &&
           strcmp(kc.token_file, "token") == 0 && kc.token == NULL && kc.namespace_ == NULL,
       "a named context (flow style): CA file and tokenFile as written (%s)", err.msg);
    wh_arena_fini(&a);
}

/* A client certificate and key: files as written, or data decoded; a token may come with them. */
static void
test_client_cert(void)
{
    struct wh_arena a;
    struct wh_kubeconfig kc;
    struct wh_error err = {0};

    wh_arena_init(&a);
    ok(parse("current-context: p\n" CLUSTERS CONTEXTS
             "users:\n- name: bot\n  user: {client-certificate: certs/c.pem, client-key: "
             "/k.pem}\n",
             NULL, &a, &kc, &err) == WH_OK &&
           strcmp(kc.client_cert_file, "certs/c.pem") == 0 &&
           strcmp(kc.client_key_file, "/k.pem") == 0 && kc.token == NULL && kc.token_file == NULL &&
           kc.client_cert_data.len == 0,
       "client-certificate and client-key files as written, no token needed (%s)", err.msg);
    ok(parse("current-context: p\n" CLUSTERS CONTEXTS
             "users:\n- name: bot\n  user: {client-certificate-data: Y2VydA==, "
             "client-key-data: a2V5, token: s3cr3t}\n",
             NULL, &a, &kc, &err) == WH_OK &&
           kc.client_cert_data.len == 4 && memcmp(kc.client_cert_data.ptr, "cert", 4) == 0 &&
           kc.client_key_data.len == 3 && memcmp(kc.client_key_data.ptr, "key", 3) == 0 &&
           strcmp(kc.token, "s3cr3t") == 0,
       "client-certificate-data and client-key-data decoded, with a token beside (%s)", err.msg);
    wh_arena_fini(&a);
}

static void
refused(const char *text, const char *context, enum wh_err code, const char *msg, const char *name)
{
    struct wh_arena a;
    struct wh_kubeconfig kc;
    struct wh_error err = {0};
    enum wh_err rc;

    wh_arena_init(&a);
    rc = parse(text, context, &a, &kc, &err);
    ok(rc == code && strstr(err.msg, msg) != NULL && strstr(err.msg, "kc.yaml") != NULL &&
           strstr(err.msg, "s3cr3t") == NULL,
       "%s: %s", name, err.msg);
    wh_arena_fini(&a);
}

static void
test_refused(void)
{
    char *big;

    refused("current-context: p\n" CLUSTERS CONTEXTS USERS, "nope", WH_E_NOT_FOUND,
            "no contexts entry named \"nope\"", "a context that is not there");
    refused(CLUSTERS CONTEXTS USERS, NULL, WH_E_INVALID, "no current-context",
            "no current-context and none named");
    refused("current-context: p\n" CONTEXTS USERS, NULL, WH_E_NOT_FOUND,
            "no clusters entry named \"prod\"", "the context's cluster missing");
    refused("current-context: p\nclusters:\n- name: prod\n  cluster: {server: "
            "'http://10.0.0.1'}\n" CONTEXTS USERS,
            NULL, WH_E_INVALID, "clusters[name=prod].cluster.server is not https",
            "an http:// server");
    refused("current-context: p\nclusters:\n- name: prod\n  cluster: {server: 'https://x', "
            "insecure-skip-tls-verify: true}\n" CONTEXTS USERS,
            NULL, WH_E_INVALID, "insecure-skip-tls-verify is set: refused",
            "insecure-skip-tls-verify");
    refused("current-context: p\nclusters:\n- name: prod\n  cluster: {server: 'https://x', "
            "certificate-authority-data: '!!!'}\n" CONTEXTS USERS,
            NULL, WH_E_INVALID, "certificate-authority-data is not base64", "bad base64");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user:\n    exec: {command: /bin/sh}\n",
            NULL, WH_E_INVALID, "users[name=bot].user.exec: exec plugins run a program",
            "an exec plugin");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user: {client-certificate-data: eA==}\n",
            NULL, WH_E_INVALID, "users[name=bot].user has a client certificate without its key",
            "a client certificate without its key");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user: {client-key: k.pem}\n",
            NULL, WH_E_INVALID, "has a client key without its certificate",
            "a client key without its certificate");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user: {client-certificate: c.pem, client-certificate-data: "
            "eA==, client-key: k.pem}\n",
            NULL, WH_E_INVALID, "has both client-certificate and client-certificate-data",
            "a certificate both as a file and as data");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user: {client-certificate: c.pem, client-key-data: '!!'}\n",
            NULL, WH_E_INVALID, "users[name=bot].user.client-key-data is not base64",
            "a key that is not base64");
    refused("current-context: p\n" CLUSTERS CONTEXTS "users:\n- name: bot\n  user: {}\n", NULL,
            WH_E_INVALID, "has no credential", "a user with no credential");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user: {username: a, password: s3cr3t}\n",
            NULL, WH_E_INVALID, "basic auth is not supported", "basic auth");
    refused("current-context: p\n" CLUSTERS CONTEXTS
            "users:\n- name: bot\n  user: {token: s3cr3t, tokenFile: t}\n",
            NULL, WH_E_INVALID, "has both token and tokenFile", "token and tokenFile");
    refused("current-context: p\n" CLUSTERS CONTEXTS "users:\n- name: bot\n  user: {token: [1]}\n",
            NULL, WH_E_INVALID, "users[name=bot].user.token is not a string",
            "a token that is a list");
    refused("current-context: p\nclusters: {prod: 1}\n" CONTEXTS USERS, NULL, WH_E_INVALID,
            "clusters is not a list", "clusters not a list");
    refused("current-context: p\n" CLUSTERS "contexts:\n- name: p\n  context: 7\n" USERS, NULL,
            WH_E_INVALID, "contexts[name=p] has no context mapping", "a context that is a scalar");
    refused("current-context: [p\n", NULL, WH_E_INVALID, "YAML line", "malformed YAML");
    refused("- a\n- b\n", NULL, WH_E_INVALID, "not a YAML mapping", "a list at the top");
    refused("", NULL, WH_E_INVALID, "not a YAML mapping", "an empty file");
    big = calloc(1, WH_KUBECONFIG_MAX + 2);
    memset(big, '#', WH_KUBECONFIG_MAX + 1);
    refused(big, NULL, WH_E_LIMIT, "limit 1048576", "over 1 MiB");
    free(big);
}

int
main(void)
{
    test_client_cert();
    test_good();
    test_refused();
    return done_testing();
}
