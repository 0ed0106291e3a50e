#ifndef WH_KUBE_KUBE_H
#define WH_KUBE_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * The pod's imagePullSecrets, read from the Kubernetes API with the webhook's service account
 * (RBAC: `get` on secrets, manifests/rbac.yaml). One client per process, shared by every worker:
 * thread-safe (a mutex guards the cache; each request uses its own libcurl handle). Secrets are
 * cached per (namespace, name) for the TTL, wiped when dropped, and never logged or quoted; the
 * token is re-read from its file for every request (kubelet rotates it) and wiped after use.
 */
struct wh_kube_client;

struct wh_kube_options {
    /* "https://host:port"; NULL: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT */
    const char *api_server;
    const char *token_file; /* NULL: /var/run/secrets/kubernetes.io/serviceaccount/token */
    const char *ca_file;    /* NULL: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt */
    int64_t secret_ttl_ms;  /* 0: 60 s */
    const char *rbac_file;  /* named by a 403 on secrets; NULL: manifests/rbac.yaml */
    const char *token;      /* a bearer token (a kubeconfig's), used instead of token_file;
                               secret: the client keeps a copy, wiped when freed */
    /* A client certificate chain and its key (PEM, a kubeconfig user's) presented in every TLS
     * handshake; both or neither. With them and neither token nor token_file, no bearer token is
     * sent. The client keeps copies (the key wiped when freed). */
    struct wh_bytes client_cert, client_key;
};

/* Largest Secret the API server stores (1 MiB) plus JSON overhead. */
#define WH_KUBE_SECRET_MAX (2u << 20)

/*
 * Creates the client. WH_E_NOT_FOUND when no api_server is configured and the process is not in
 * a cluster (no KUBERNETES_SERVICE_HOST): pull secrets are then not read. WH_E_INVALID for an
 * api_server that is not an https URL. *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_kube_client_new(const struct wh_kube_options *o,
                                             struct wh_kube_client **out, struct wh_error *err);
void wh_kube_client_free(struct wh_kube_client *k);

/*
 * Pure: a v1 Secret (JSON) → the docker config JSON it holds. Type kubernetes.io/dockerconfigjson:
 * data[".dockerconfigjson"], base64; kubernetes.io/dockercfg: data[".dockercfg"] (the legacy
 * {"<registry>": {...}} map), returned wrapped as {"auths": ...}. Other types, missing keys, bad
 * base64 or a payload that is not a JSON object → WH_E_INVALID (messages never quote data);
 * over WH_KUBE_SECRET_MAX → WH_E_LIMIT. *config_out (in `a`: the caller wipes it) valid only on
 * WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_kube_secret_parse(struct wh_bytes body, size_t json_depth,
                                               struct wh_arena *a, struct wh_bytes *config_out,
                                               struct wh_error *err);

/*
 * The docker config JSON of pull secret `name` in `namespace_`: from the cache, else
 * GET /api/v1/namespaces/<ns>/secrets/<name> with "Authorization: Bearer <token>".
 * WH_E_NOT_FOUND (404), WH_E_UNAVAILABLE (401, 403 with the API's reason, 5xx, network),
 * WH_E_TIMEOUT, WH_E_INVALID (names not DNS-1123, a Secret that is not a pull secret).
 * *config_out is a copy in `a` (the caller wipes it when done) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_kube_pull_secret_get(struct wh_kube_client *k, const char *namespace_,
                                                  const char *name, int64_t deadline_ms,
                                                  struct wh_arena *a, struct wh_bytes *config_out,
                                                  struct wh_error *err);

/* One JSON call to the API server with the service account token. */
struct wh_kube_call {
    const char *method; /* "GET", "POST", "PUT" or "PATCH" */
    const char *path;   /* "/api/v1/pods?limit=250", already escaped */
    const char *body;   /* JSON for POST, PUT and PATCH, else NULL */
    /* The body's media type; NULL: application/json (a PATCH names its patch type:
     * "application/strategic-merge-patch+json") */
    const char *content_type;
    size_t max;       /* cap on a 2xx body: more is WH_E_LIMIT */
    const char *need; /* the RBAC rule a 403 names: "`list` on pods (manifests/reverify/...)" */
    int64_t deadline_ms;
};

/*
 * Performs q. WH_OK only for a 2xx answer (*body_out, NUL-terminated in `a`); else WH_E_NOT_FOUND
 * (404), WH_E_UNAVAILABLE (401, 403 naming q->need, other statuses with the API's Status message,
 * network, TLS), WH_E_TIMEOUT or WH_E_LIMIT, each prefixed "<method> <path>: ". *status_out is the
 * HTTP status (0 when no answer came), set on error too (a caller tells 409 Conflict apart).
 */
WH_MUST_CHECK enum wh_err wh_kube_request(struct wh_kube_client *k, const struct wh_kube_call *q,
                                          struct wh_arena *a, long *status_out,
                                          struct wh_bytes *body_out, struct wh_error *err);

/* API requests made since creation (cache hits make none). */
unsigned long wh_kube_client_requests(struct wh_kube_client *k);

#endif
