#ifndef WH_KUBE_KUBECONFIG_H
#define WH_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/* Bytes of a kubeconfig read (kubectl's own are a few KiB; CA data inflates them). */
#define WH_KUBECONFIG_MAX (1u << 20)

/* What one context of a kubeconfig says: where the API server is, how to trust it, who we are. */
struct wh_kubeconfig {
    const char *context;     /* the context used */
    const char *namespace_;  /* its namespace, or NULL */
    const char *server;      /* https://host[:port] */
    const char *ca_file;     /* certificate-authority as written (relative: to the file's dir) */
    struct wh_bytes ca_data; /* certificate-authority-data, decoded (PEM) */
    const char *token;       /* secret: the caller wipes it */
    const char *token_file;  /* tokenFile as written */
    /* The client certificate (PEM) and its key, presented in the TLS handshake: each either a
     * file as written (client-certificate, client-key; relative: to the file's dir) or decoded
     * *-data; the key data is secret (the caller wipes it). */
    const char *client_cert_file, *client_key_file;
    struct wh_bytes client_cert_data, client_key_data;
};

/*
 * Pure: the kubeconfig `text` (named `file` in messages) → the cluster and user of context
 * `want_context` (NULL: current-context). Over WH_KUBECONFIG_MAX → WH_E_LIMIT; a context,
 * cluster or user that is not there → WH_E_NOT_FOUND; bad YAML, a field of the wrong type, a
 * server that is not https, bad base64, insecure-skip-tls-verify (any value but false), a user
 * with exec / auth-provider / basic auth, with both token and tokenFile, a client certificate
 * without its key (or the reverse), a certificate or key given both as a file and as data, or
 * with no credential at all (a token, a tokenFile or a client certificate and key) →
 * WH_E_INVALID naming the file and the field (never quoting a secret).
 * *out in `a`, valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_kube_kubeconfig_parse(struct wh_bytes text, const char *file,
                                                   const char *want_context, struct wh_arena *a,
                                                   struct wh_kubeconfig *out, struct wh_error *err);

#endif
