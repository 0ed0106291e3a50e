/*
 * A kubeconfig file (`reverify --kubeconfig FILE`, `audit repo --cluster --kubeconfig FILE`):
 * the current context's (or a named one's) cluster server and CA, and its user's bearer token,
 * read with libyaml's document loader under a size bound. Everything it cannot honour safely is
 * an error naming the file and the field: exec and auth-provider plugins (they run programs),
 * basic auth, insecure-skip-tls-verify, an http:// server. A client certificate and key (files
 * or inline data) are read for the TLS handshake.
 */
#include "kube/kubeconfig.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <string.h>
#include <yaml.h>

#include "base/digest.h"

struct doc {
    yaml_document_t d;
    const char *file;
    struct wh_arena *a;
    struct wh_error *err;
};

static yaml_node_t *
node(struct doc *k, int id)
{
    return id == 0 ? NULL : yaml_document_get_node(&k->d, id);
}

/* The value of `key` in mapping n, or NULL (also when n is not a mapping). */
static yaml_node_t *
get(struct doc *k, yaml_node_t *n, const char *key)
{
    if (n == NULL || n->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(k, p->key);

        if (kn != NULL && kn->type == YAML_SCALAR_NODE && strlen(key) == kn->data.scalar.length &&
            memcmp(kn->data.scalar.value, key, kn->data.scalar.length) == 0)
            return node(k, p->value);
    }
    return NULL;
}

/* A scalar `key` of mapping n as a string in the arena; NULL when absent; an error (and NULL)
 * when it is not a scalar or holds a NUL. `where` names the mapping in messages. */
static const char *
str(struct doc *k, yaml_node_t *n, const char *key, const char *where, bool *bad)
{
    yaml_node_t *v = get(k, n, key);

    if (v == NULL)
        return NULL;
    if (v->type != YAML_SCALAR_NODE ||
        memchr(v->data.scalar.value, '\0', v->data.scalar.length) != NULL) {
        *bad = true;
        (void)wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: %s.%s is not a string", k->file,
                           where, key);
        return NULL;
    }
    return wh_arena_strndup(k->a, (const char *)v->data.scalar.value, v->data.scalar.length);
}

/* The entry of list `list` (clusters, contexts, users) named `name`: its `inner` mapping. */
static enum wh_err
named(struct doc *k, const char *list, const char *inner, const char *name, yaml_node_t **out)
{
    yaml_node_t *l = get(k, node(k, 1), list);
    bool bad = false;

    *out = NULL;
    if (name == NULL)
        return wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: no %s named", k->file, list);
    if (l != NULL && l->type != YAML_SEQUENCE_NODE)
        return wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: %s is not a list", k->file, list);
    for (yaml_node_item_t *i = l != NULL ? l->data.sequence.items.start : NULL;
         i != NULL && i < l->data.sequence.items.top; i++) {
        yaml_node_t *e = node(k, *i);
        const char *n = str(k, e, "name", list, &bad);

        if (bad)
            return k->err->code;
        if (n != NULL && strcmp(n, name) == 0) {
            *out = get(k, e, inner);
            if (*out == NULL || (*out)->type != YAML_MAPPING_NODE)
                return wh_error_set(k->err, WH_E_INVALID,
                                    "kubeconfig %s: %s[name=%.100s] has no %s mapping", k->file,
                                    list, name, inner);
            return WH_OK;
        }
    }
    return wh_error_set(k->err, WH_E_NOT_FOUND, "kubeconfig %s: no %s entry named \"%.100s\"",
                        k->file, list, name);
}

/* base64 `*-data` → bytes in the arena. */
static enum wh_err
data(struct doc *k, const char *b64, const char *where, struct wh_bytes *out)
{
    if (wh_digest_base64_decode(wh_str_c(b64), k->a, out, k->err) != WH_OK || out->len == 0)
        return wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: %s is not base64", k->file,
                            where);
    return WH_OK;
}

static enum wh_err
cluster(struct doc *k, yaml_node_t *c, const char *name, struct wh_kubeconfig *out)
{
    const char *where = wh_arena_sprintf(k->a, "clusters[name=%.100s].cluster", name);
    const char *ca_data, *insecure;
    bool bad = false;

    out->server = str(k, c, "server", where, &bad);
    out->ca_file = str(k, c, "certificate-authority", where, &bad);
    ca_data = str(k, c, "certificate-authority-data", where, &bad);
    insecure = str(k, c, "insecure-skip-tls-verify", where, &bad);
    if (bad)
        return k->err->code;
    if (out->server == NULL || strncmp(out->server, "https://", 8) != 0)
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: %s.server is %s: an https:// URL is required", k->file,
                            where, out->server == NULL ? "missing" : "not https");
    if (insecure != NULL && strcmp(insecure, "false") != 0)
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: %s.insecure-skip-tls-verify is set: refused (the API "
                            "server would be unauthenticated); set certificate-authority(-data)",
                            k->file, where);
    if (ca_data != NULL && data(k, ca_data, "certificate-authority-data", &out->ca_data) != WH_OK)
        return k->err->code;
    return WH_OK;
}

/* One PEM of the user: `key` (a file) or `key`-data, not both; *file / *pem set. */
static enum wh_err
pem(struct doc *k, yaml_node_t *u, const char *key, const char *where, const char **file,
    struct wh_bytes *pem_out)
{
    const char *data_key = wh_arena_sprintf(k->a, "%s-data", key);
    bool bad = false;
    const char *b64;

    *file = str(k, u, key, where, &bad);
    b64 = str(k, u, data_key, where, &bad);
    if (bad)
        return k->err->code;
    if (*file != NULL && b64 != NULL)
        return wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: %s has both %s and %s: keep one",
                            k->file, where, key, data_key);
    if (*file != NULL && (*file)[0] == '\0')
        return wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: %s.%s is empty", k->file, where,
                            key);
    if (b64 != NULL &&
        data(k, b64, wh_arena_sprintf(k->a, "%s.%s", where, data_key), pem_out) != WH_OK)
        return k->err->code;
    return WH_OK;
}

/* client-certificate(-data) and client-key(-data): both or neither. */
static enum wh_err
client_cert(struct doc *k, yaml_node_t *u, const char *where, struct wh_kubeconfig *out)
{
    bool has_cert, has_key;

    if (pem(k, u, "client-certificate", where, &out->client_cert_file, &out->client_cert_data) !=
            WH_OK ||
        pem(k, u, "client-key", where, &out->client_key_file, &out->client_key_data) != WH_OK)
        return k->err->code;
    has_cert = out->client_cert_file != NULL || out->client_cert_data.len > 0;
    has_key = out->client_key_file != NULL || out->client_key_data.len > 0;
    if (has_cert != has_key)
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: %s has a client %s without its %s", k->file, where,
                            has_cert ? "certificate" : "key", has_cert ? "key" : "certificate");
    return WH_OK;
}

static enum wh_err
user(struct doc *k, yaml_node_t *u, const char *name, struct wh_kubeconfig *out)
{
    static const char *const refused[][2] = {
        {"exec", "exec plugins run a program"},
        {"auth-provider", "auth-provider plugins are not supported"},
        {"username", "basic auth is not supported"},
        {"password", "basic auth is not supported"},
    };
    const char *where = wh_arena_sprintf(k->a, "users[name=%.100s].user", name);
    bool bad = false;

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (get(k, u, refused[i][0]) != NULL)
            return wh_error_set(k->err, WH_E_INVALID,
                                "kubeconfig %s: %s.%s: %s; use a bearer token (token or "
                                "tokenFile, e.g. from `kubectl create token`, or a client "
                                "certificate and key)",
                                k->file, where, refused[i][0], refused[i][1]);
    out->token = str(k, u, "token", where, &bad);
    out->token_file = str(k, u, "tokenFile", where, &bad);
    if (bad || client_cert(k, u, where, out) != WH_OK)
        return k->err->code;
    if (out->token != NULL && out->token_file != NULL)
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: %s has both token and tokenFile: keep one", k->file,
                            where);
    if (out->token == NULL && out->token_file == NULL && out->client_cert_file == NULL &&
        out->client_cert_data.len == 0)
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: %s has no credential: give a token, a tokenFile or a "
                            "client-certificate(-data) with its client-key(-data)",
                            k->file, where);
    return WH_OK;
}

/* The context to use and its cluster and user names. */
static enum wh_err
context(struct doc *k, const char *want, struct wh_kubeconfig *out, const char **cl,
        const char **us)
{
    yaml_node_t *c;
    bool bad = false;

    out->context = want != NULL ? want : str(k, node(k, 1), "current-context", "", &bad);
    if (bad)
        return k->err->code;
    if (out->context == NULL || out->context[0] == '\0')
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: no current-context (name one with --context)", k->file);
    if (named(k, "contexts", "context", out->context, &c) != WH_OK)
        return k->err->code;
    *cl = str(k, c, "cluster", "context", &bad);
    *us = str(k, c, "user", "context", &bad);
    out->namespace_ = str(k, c, "namespace", "context", &bad);
    if (bad)
        return k->err->code;
    if (*cl == NULL || *us == NULL)
        return wh_error_set(k->err, WH_E_INVALID,
                            "kubeconfig %s: contexts[name=%.100s] names no cluster or no user",
                            k->file, out->context);
    return WH_OK;
}

static enum wh_err
load(struct doc *k, struct wh_bytes text)
{
    yaml_parser_t p;
    yaml_node_t *root;
    int ok;

    if (!yaml_parser_initialize(&p))
        wh_oom();
    yaml_parser_set_input_string(&p, text.ptr, text.len);
    ok = yaml_parser_load(&p, &k->d);
    if (!ok) {
        (void)wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: YAML line %zu: %.100s", k->file,
                           p.problem_mark.line + 1, p.problem != NULL ? p.problem : "invalid");
        yaml_parser_delete(&p);
        return WH_E_INVALID;
    }
    yaml_parser_delete(&p);
    root = node(k, 1);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        yaml_document_delete(&k->d);
        return wh_error_set(k->err, WH_E_INVALID, "kubeconfig %s: not a YAML mapping", k->file);
    }
    return WH_OK;
}

enum wh_err
wh_kube_kubeconfig_parse(struct wh_bytes text, const char *file, const char *want_context,
                         struct wh_arena *a, struct wh_kubeconfig *out, struct wh_error *err)
{
    struct doc k = {.file = file, .a = a, .err = err};
    const char *cl = NULL, *us = NULL;
    yaml_node_t *c = NULL, *u = NULL;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    if (text.len > WH_KUBECONFIG_MAX)
        return wh_error_set(err, WH_E_LIMIT, "kubeconfig %s: %zu bytes (limit %u)", file, text.len,
                            WH_KUBECONFIG_MAX);
    if (load(&k, text) != WH_OK)
        return err->code;
    rc = context(&k, want_context, out, &cl, &us);
    if (rc == WH_OK)
        rc = named(&k, "clusters", "cluster", cl, &c);
    if (rc == WH_OK)
        rc = cluster(&k, c, cl, out);
    if (rc == WH_OK)
        rc = named(&k, "users", "user", us, &u);
    if (rc == WH_OK)
        rc = user(&k, u, us, out);
    /* the document holds the token: wipe its scalars before freeing */
    for (yaml_node_t *n = k.d.nodes.start; n < k.d.nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE)
            OPENSSL_cleanse(n->data.scalar.value, n->data.scalar.length);
    yaml_document_delete(&k.d);
    if (rc != WH_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
