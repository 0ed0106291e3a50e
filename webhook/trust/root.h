#ifndef WH_TRUST_ROOT_H
#define WH_TRUST_ROOT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"

/*
 * The trust root: which Fulcio CAs, transparency (Rekor) logs, certificate transparency logs and
 * timestamp authorities a signature may rest on, each with the window it may be used in. Built from
 * sigstore trusted_root.json files (protobuf-JSON, media type
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1 or 0.2) and cosign's older custom-root
 * files (a Fulcio PEM chain, Rekor and CT log public keys in PEM). Several files merge into one
 * snapshot. No network: the files are the whole truth.
 *
 * A root is an immutable, refcounted snapshot: load/parse returns it with one reference; reviews
 * _ref the snapshot they started with and _unref it when done; the last _unref frees it. Every
 * object reached from it (keys, certificates, strings) is borrowed and valid while a reference is
 * held. Reading a snapshot from several threads at once is safe.
 */
struct wh_trust_root;

/* validity windows: [valid_from, valid_to], both inclusive (sigstore-go, conformance
 * trust-root-*-validity-end-inclusive). valid_to == WH_TRUST_OPEN_END when the window is open. */
#define WH_TRUST_OPEN_END ((time_t)INT64_MAX)

/* A transparency log (Rekor) or certificate transparency log. */
struct wh_trust_log {
    EVP_PKEY *key;               /* public key; never NULL */
    unsigned char log_id[32];    /* logId.keyId (sha256 of the DER SPKI for Rekor v1 and CT) */
    const char *base_url;        /* baseUrl, "" when not given */
    const char *key_details;     /* "PKIX_ECDSA_P256_SHA_256", ...; "" for legacy PEM keys */
    time_t valid_from, valid_to; /* publicKey.validFor */
};

/* A Fulcio certificate authority or an RFC 3161 timestamp authority. */
struct wh_trust_authority {
    STACK_OF(X509) * chain; /* certChain as given: leafmost first, the self-signed root last */
    const char *uri;        /* "" when not given */
    const char *name;       /* subject.commonName, else organization, else "" */
    time_t valid_from, valid_to;
    /* A CA from a trusted_root.json that lists no CT log (GitHub's instance for private
     * repositories): its certificates carry no SCT and none is required of them (sigstore-go
     * leaves the SCT threshold to the verifier; gh verifies GitHub's root with none). False for
     * every other CA, for legacy PEM files and for timestamp authorities: SCTs required. */
    bool lists_no_ctlog;
};

/*
 * Parses one trusted_root.json document (`name` appears in errors). Strict where it matters:
 * unknown media type, bad base64/DER, unsupported key, a validFor without start (sigstore
 * conformance trust-root-tlog-missing-validity-start_fail), an end before its start, a log ID that
 * is not 32 bytes → WH_E_INVALID with the JSON path ("tlogs[1].publicKey.validFor: no start").
 * Unknown fields are ignored (forward compatibility with newer minor versions). WH_E_LIMIT past
 * limits->policy_bytes or limits->json_depth. *out is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_trust_root_parse(struct wh_bytes json, const char *name,
                                              const struct wh_limits *limits,
                                              struct wh_trust_root **out, struct wh_error *err);

/*
 * Loads and merges `n` files into one snapshot. Each path may carry a kind prefix:
 *   "trusted-root=FILE"  sigstore trusted_root.json (the default when the file starts with '{')
 *   "fulcio=FILE"        PEM certificates: one CA, leafmost first, root last (default for a PEM
 *                        file holding CERTIFICATE blocks)
 *   "tsa=FILE"           PEM certificates of a timestamp authority
 *   "tlog=FILE"          PEM public key of a Rekor log (cosign SIGSTORE_REKOR_PUBLIC_KEY)
 *   "ctlog=FILE"         PEM public key of a CT log (cosign SIGSTORE_CT_LOG_PUBLIC_KEY_FILE)
 * A bare PEM public key is refused (it cannot say which log it is). Legacy entries are valid at
 * all times (their certificates' own validity still applies). Errors name the file.
 */
WH_MUST_CHECK enum wh_err wh_trust_root_load(const char *const *paths, size_t n,
                                             const struct wh_limits *limits,
                                             struct wh_trust_root **out, struct wh_error *err);

struct wh_trust_root *wh_trust_root_ref(struct wh_trust_root *root);
/* Drops one reference; frees the snapshot with the last. NULL is a no-op. */
void wh_trust_root_unref(struct wh_trust_root *root);
/* Unique in the process, increasing with every parse/load; keys the facts cache. */
uint64_t wh_trust_root_generation(const struct wh_trust_root *root);

/* The Rekor log with this ID whose window contains `at`, or NULL. */
const struct wh_trust_log *wh_trust_tlog_find(const struct wh_trust_root *root,
                                              const unsigned char log_id[32], time_t at);
/* The CT log with this ID whose window contains `at`, or NULL. */
const struct wh_trust_log *wh_trust_ctlog_find(const struct wh_trust_root *root,
                                               const unsigned char log_id[32], time_t at);

size_t wh_trust_root_tlog_count(const struct wh_trust_root *root);
const struct wh_trust_log *wh_trust_root_tlog_get(const struct wh_trust_root *root, size_t i);
size_t wh_trust_root_ctlog_count(const struct wh_trust_root *root);
const struct wh_trust_log *wh_trust_root_ctlog_get(const struct wh_trust_root *root, size_t i);
size_t wh_trust_root_ca_count(const struct wh_trust_root *root);
const struct wh_trust_authority *wh_trust_root_ca_get(const struct wh_trust_root *root, size_t i);
size_t wh_trust_root_tsa_count(const struct wh_trust_root *root);
const struct wh_trust_authority *wh_trust_root_tsa_get(const struct wh_trust_root *root, size_t i);

/* True when `at` lies in [valid_from, valid_to]. */
static inline bool
wh_trust_window_contains(time_t from, time_t to, time_t at)
{
    return at >= from && at <= to;
}

#endif
