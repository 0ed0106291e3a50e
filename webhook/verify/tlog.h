#ifndef WH_VERIFY_TLOG_H
#define WH_VERIFY_TLOG_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "trust/root.h"

/*
 * Rekor transparency-log entries: the Signed Entry Timestamp (SET, an inclusion promise), the
 * RFC 6962/9162 inclusion proof with its signed checkpoint, and the cross-check of the entry body
 * against what was verified. Pure functions over bytes and keys; every output lives in the arena.
 */

#define WH_TLOG_ID_LEN 32
#define WH_TLOG_HASH_LEN 32
#define WH_TLOG_MAX_HASHES 64           /* a proof for a tree of 2^64 leaves has at most 64 */
#define WH_TLOG_BODY_MAX (512 * 1024)   /* decoded canonical body (certs, intoto 0.0.1 envelopes) */
#define WH_TLOG_ENTRY_MAX (1024 * 1024) /* JSON of one entry (bundle or cosign annotation) */
#define WH_TLOG_CHECKPOINT_MAX 16384

struct wh_tlog_proof {
    bool present;
    int64_t log_index; /* the index in this shard's tree: use it, not the entry's logIndex */
    int64_t tree_size;
    unsigned char root_hash[WH_TLOG_HASH_LEN];
    unsigned char (*hashes)[WH_TLOG_HASH_LEN];
    size_t n_hashes;
    struct wh_str checkpoint; /* signed note text; ptr NULL when absent */
};

struct wh_tlog_entry {
    unsigned char log_id[WH_TLOG_ID_LEN]; /* sha256(DER SPKI) of the log key (v1) */
    int64_t log_index;
    bool has_integrated_time; /* Rekor v2 entries carry none: a signed timestamp must stand in */
    int64_t integrated_time;  /* seconds since the epoch */
    struct wh_bytes body;     /* decoded canonicalized body, exactly as the log hashed it */
    const char *kind;         /* "hashedrekord", "dsse", "intoto", from the body */
    const char *api_version;  /* "0.0.1", "0.0.2", from the body */
    struct wh_bytes set;      /* signedEntryTimestamp; len 0 when absent */
    struct wh_tlog_proof proof;
};

/*
 * Parses one `verificationMaterial.tlogEntries[]` object of a sigstore bundle (protobuf JSON:
 * int64 as strings or numbers, bytes as base64, proto3 defaults omitted: a missing
 * `inclusionProof.logIndex` is 0, missing `hashes` are none). `kindVersion`, when present, must
 * agree with the body. WH_E_INVALID on malformed input (negative indexes, bad base64, wrong hash
 * sizes), WH_E_LIMIT past the WH_TLOG_* bounds. *out is valid only on WH_OK, for the life of `a`.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_entry_parse_bundle(struct wh_bytes json,
                                                            struct wh_arena *a,
                                                            struct wh_tlog_entry *out,
                                                            struct wh_error *err);
/*
 * Parses cosign's `dev.sigstore.cosign/bundle` annotation: {"SignedEntryTimestamp": b64,
 * "Payload": {"body": b64, "integratedTime": n, "logIndex": n, "logID": hex}}. No proof.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_entry_parse_cosign(struct wh_bytes json,
                                                            struct wh_arena *a,
                                                            struct wh_tlog_entry *out,
                                                            struct wh_error *err);

/*
 * The bytes a SET signs: RFC 8785 canonical JSON of {"body": b64(body), "integratedTime",
 * "logID": hex(log_id), "logIndex"}. NUL-terminated, in the arena.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_set_payload(const struct wh_tlog_entry *entry,
                                                     struct wh_arena *a, struct wh_bytes *out,
                                                     struct wh_error *err);

/*
 * Checks the SET with the log key `key` (ECDSA: SHA-256 for P-256, SHA-384/512 for P-384/521;
 * Ed25519: pure). WH_E_NOT_FOUND when the entry has no SET or no integrated time, WH_E_VERIFY when
 * the signature does not match. Thread-safe for a shared key.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_set(const struct wh_tlog_entry *entry, EVP_PKEY *key,
                                             struct wh_error *err);

/*
 * Checks the inclusion proof (RFC 9162 §2.1.3.2: leaf = sha256(0x00||body), node =
 * sha256(0x01||left||right), from the proof's log index in a tree of tree_size) and its signed
 * checkpoint: a signed note "<origin>\n<size>\n<b64 root>\n[extra lines]\n\n— <name> <b64(hint[4]||
 * sig)>\n..." whose size and root equal the proof's. The checkpoint is bound to the log by its key,
 * as sigstore-go does, not by its origin line (private deployments name it "rekor-00001-
 * deployment-... - <tree id>", not the log URL's host): at least one signature line must carry one
 * of the log's key hints (the first 4 bytes of sha256 of `key`'s DER SubjectPublicKeyInfo, or of
 * the entry's log ID: Rekor v2's C2SP key ID) and every such line must verify with `key` over the
 * note text. Lines with other hints (witness cosignatures) are ignored. WH_E_NOT_FOUND without a
 * proof or checkpoint; WH_E_VERIFY on any mismatch ("checkpoint has no signature with the log's
 * key hint" when only another key signed it); WH_E_INVALID on a malformed checkpoint.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_inclusion(const struct wh_tlog_entry *entry, EVP_PKEY *key,
                                                   struct wh_error *err);

/* The parts of a checkpoint, for callers that need the origin (views into entry->proof). */
struct wh_tlog_checkpoint {
    struct wh_str origin;
    int64_t tree_size;
    unsigned char root_hash[WH_TLOG_HASH_LEN];
    struct wh_str text; /* the signed note body: every line up to and including the blank line's
                           first '\n' */
};
WH_MUST_CHECK enum wh_err wh_verify_tlog_checkpoint_parse(struct wh_str envelope,
                                                          struct wh_tlog_checkpoint *out,
                                                          struct wh_error *err);

/*
 * What the caller verified, for the body cross-check. Fill what applies to the entry kind:
 * - hashedrekord 0.0.1/0.0.2: artifact_sha256 (sha256 of the signed bytes), signature, verifier.
 * - dsse 0.0.1/0.0.2: payload (decoded DSSE payload), signature, verifier; dsse 0.0.1 also checks
 *   envelopeHash when `envelope` is given (the envelope bytes exactly as logged, e.g. a cosign .att
 *   layer; a bundle re-serialises its envelope, so leave it empty there).
 * - intoto 0.0.2: payload, signature, verifier; intoto 0.0.1 (no signature in the body): payload,
 *   verifier, and content.hash against `envelope` when given.
 * `verifier` is the DER of the certificate or SubjectPublicKeyInfo the signature verified with; the
 * body's PEM (or DER, v0.0.2) must hold the same bytes.
 */
struct wh_tlog_expect {
    bool require_inclusion_proof; /* bundles v0.2+: a SET alone is not enough */
    bool has_artifact_sha256;
    unsigned char artifact_sha256[32];
    struct wh_bytes payload;
    struct wh_bytes envelope;
    struct wh_bytes signature;
    struct wh_bytes verifier;
};

/*
 * Cross-checks the entry body against `x`: every field the kind carries must match.
 * WH_E_VERIFY naming the field on a mismatch; WH_E_INVALID for an unsupported kind/version or a
 * malformed body.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_body(const struct wh_tlog_entry *entry,
                                              const struct wh_tlog_expect *x, struct wh_error *err);

/*
 * The whole check against a trust root: finds the Rekor log by the entry's log ID whose window
 * contains the entry's time (integrated time, else `timestamp_time`, a verified RFC 3161 genTime
 * or 0), cross-checks the body (wh_verify_tlog_body), verifies the SET when present and the
 * inclusion proof + checkpoint when present (bound to the log by its key); one of the two must
 * be there, and `x->require_inclusion_proof` demands the proof. *signed_time is the integrated
 * time when a SET vouches for it, else `timestamp_time`; with neither the entry proves no time and
 * the result is WH_E_VERIFY. Errors: WH_E_NOT_FOUND (no log with that ID valid then), WH_E_VERIFY.
 */
WH_MUST_CHECK enum wh_err wh_verify_tlog_entry(const struct wh_tlog_entry *entry,
                                               const struct wh_trust_root *root,
                                               const struct wh_tlog_expect *x,
                                               time_t timestamp_time, time_t *signed_time,
                                               struct wh_error *err);

/* RFC 6962 hashes, exposed for tests and the bundle verifier. */
void wh_verify_tlog_leaf_hash(struct wh_bytes body, unsigned char out[WH_TLOG_HASH_LEN]);
WH_MUST_CHECK enum wh_err
wh_verify_tlog_merkle_root(int64_t index, int64_t size, const unsigned char leaf[WH_TLOG_HASH_LEN],
                           const unsigned char (*hashes)[WH_TLOG_HASH_LEN], size_t n_hashes,
                           unsigned char out[WH_TLOG_HASH_LEN], struct wh_error *err);

#endif
