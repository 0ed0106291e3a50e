#ifndef WH_VERIFY_BUNDLE_H
#define WH_VERIFY_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "verify/dsse.h"

/*
 * Sigstore bundles (protobuf-specs sigstore_bundle.proto, protobuf-JSON form) v0.1, v0.2 and v0.3:
 * verification material (public key hint, X.509 chain or one certificate), transparency log
 * entries, RFC 3161 timestamps, and the content (message signature or DSSE envelope). Parsing
 * checks shape only; nothing here is trusted until wh_verify_bundle (verify/keyless.h) says so.
 */

#define WH_BUNDLE_MAX_CERTS 10   /* x509CertificateChain.certificates */
#define WH_BUNDLE_MAX_HASHES 64  /* inclusionProof.hashes: a 2^64 tree needs at most 64 */
#define WH_BUNDLE_MAX_ENTRIES 16 /* tlogEntries, rfc3161Timestamps */
#define WH_BUNDLE_MEDIA_TYPE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"

enum wh_bundle_version {
    WH_BUNDLE_V0_1 = 1,
    WH_BUNDLE_V0_2 = 2,
    WH_BUNDLE_V0_3 = 3,
};

enum wh_bundle_material {
    WH_BUNDLE_PUBLIC_KEY = 1, /* publicKey.hint: a hint only, the verifier supplies the key */
    WH_BUNDLE_CERT_CHAIN,     /* x509CertificateChain (v0.1, v0.2): certs[0] is the leaf */
    WH_BUNDLE_CERTIFICATE,    /* certificate (v0.3): exactly one, the leaf */
};

enum wh_bundle_content {
    WH_BUNDLE_MESSAGE_SIGNATURE = 1,
    WH_BUNDLE_DSSE,
};

/* One tlogEntries[] item. protobuf-JSON omits zero values, so an absent field reads as 0 / []. */
struct wh_bundle_tlog_entry {
    int64_t log_index;
    struct wh_bytes log_id;   /* logId.keyId, decoded (sha256 of the log key, for Rekor v1) */
    const char *kind;         /* kindVersion.kind: "hashedrekord", "dsse", "intoto" */
    const char *kind_version; /* kindVersion.version: "0.0.1", "0.0.2" */
    int64_t integrated_time;  /* 0 when absent (Rekor v2 gives none) */
    struct wh_bytes set;      /* inclusionPromise.signedEntryTimestamp; len 0 = absent */
    bool has_inclusion_proof;
    int64_t proof_log_index; /* inclusionProof.logIndex (per-shard) */
    int64_t tree_size;
    struct wh_bytes root_hash;
    struct wh_bytes *hashes;
    size_t n_hashes;
    struct wh_str checkpoint; /* inclusionProof.checkpoint.envelope (signed note text) */
    struct wh_bytes body;     /* canonicalizedBody, decoded JSON */
    struct wh_bytes
        json; /* the entry re-serialised (compact) for wh_verify_tlog_entry_parse_bundle */
};

struct wh_bundle {
    enum wh_bundle_version version;
    const char *media_type;
    enum wh_bundle_material material;
    const char *key_hint;   /* WH_BUNDLE_PUBLIC_KEY: publicKey.hint ("" when absent) */
    struct wh_bytes *certs; /* DER; leaf first */
    size_t n_certs;
    struct wh_bundle_tlog_entry *tlog;
    size_t n_tlog;
    struct wh_bytes *timestamps; /* DER RFC 3161 TimeStampResponse (signedTimestamp) */
    size_t n_timestamps;
    enum wh_bundle_content content;
    /* WH_BUNDLE_MESSAGE_SIGNATURE */
    struct wh_bytes message_digest; /* messageDigest.digest (SHA2_256 only; may be empty) */
    struct wh_bytes signature;
    /* WH_BUNDLE_DSSE: exactly one signature (sigstore: a bundle carries one signer) */
    struct wh_dsse_envelope dsse;
};

/*
 * Parses bundle JSON. Rules (sigstore-go pkg/bundle validate): known media type v0.1..v0.3, else
 * WH_E_INVALID "unsupported bundle media type"; every tlog entry has a canonicalizedBody; v0.1
 * entries have an inclusion promise, v0.2+ entries an inclusion proof; v0.3 carries
 * `certificate` or `publicKey`, never `x509CertificateChain`; a chain holds at least one
 * certificate; negative int64 fields, bad base64 and wrong types are WH_E_INVALID (with line:col
 * for JSON errors). WH_E_LIMIT when `json` exceeds lim->blob_bytes or a list exceeds its
 * WH_BUNDLE_MAX_*. Certificates are not parsed here (only decoded). Pure; *out is valid only on
 * WH_OK and lives in `a`.
 */
WH_MUST_CHECK enum wh_err wh_verify_bundle_parse(struct wh_bytes json, const struct wh_limits *lim,
                                                 struct wh_arena *a, struct wh_bundle *out,
                                                 struct wh_error *err);

#endif
