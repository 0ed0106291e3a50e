#ifndef WH_TRUST_TUF_H
#define WH_TRUST_TUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "base/str.h"

/*
 * The Update Framework client's trusted metadata set (TUF specification 1.0.x, "Detailed client
 * workflow" §5.3-§5.7), after python-tuf's TrustedMetadataSet: the caller fetches bytes, this
 * module decides whether they may be trusted. Pure: no network, files or clock (`now` is fixed at
 * wh_tuf_new, spec §5.1 "record the time at which the update began"). Not thread-safe.
 *
 * Every metadata file is untrusted input: bounded by the caller's fetch cap (wh_tuf_*_max) and
 * refused here past it too (WH_E_LIMIT), parsed with duplicate keys refused, its "signed" part
 * re-encoded as canonical JSON (securesystemslib / OLPC: keys sorted bytewise, no whitespace,
 * only '"' and '\' escaped, integers only) and checked against the delegating role's keys and
 * threshold. Keys: ed25519 (scheme "ed25519", hex public key) and ecdsa P-256 / P-384 (schemes
 * "ecdsa-sha2-nistp256" / "ecdsa-sha2-nistp384", PEM public key), as Sigstore's repository uses;
 * a key of another type never counts toward a threshold. Errors: WH_E_INVALID malformed,
 * WH_E_LIMIT oversized, WH_E_VERIFY a signature, threshold, version (rollback), expiry (freeze),
 * hash or length (mix-and-match) check failed; the message names the role and what to do.
 */
struct wh_tuf;

/* Upper bounds for metadata whose length no trusted file states (python-tuf's defaults). */
#define WH_TUF_ROOT_MAX ((size_t)512000)
#define WH_TUF_TIMESTAMP_MAX ((size_t)16384)
#define WH_TUF_SNAPSHOT_MAX ((size_t)2000000)
#define WH_TUF_TARGETS_MAX ((size_t)5000000)
/* Root rotations followed in one update (python-tuf's max_root_rotations). */
#define WH_TUF_MAX_ROOT_ROTATIONS 256

/*
 * Starts from the locally trusted root (spec §5.2): it must be signed by a threshold of its own
 * root keys. Its expiry is checked only after the rotation chain (wh_tuf_root_check_fresh), so
 * an expired initial root can still be rotated forward. *out is valid only on WH_OK; free it with
 * wh_tuf_free.
 */
WH_MUST_CHECK enum wh_err wh_tuf_new(struct wh_bytes root_json, time_t now, struct wh_tuf **out,
                                     struct wh_error *err);
void wh_tuf_free(struct wh_tuf *t);

/* The trusted root's version, and whether it asks for consistent snapshots (prefixed names). */
int64_t wh_tuf_root_version(const struct wh_tuf *t);
bool wh_tuf_consistent_snapshot(const struct wh_tuf *t);

/*
 * Spec §5.3.3-§5.3.9: `json` is the fetched (version+1).root.json. It must be signed by a
 * threshold of the trusted root's root keys and of its own, and carry exactly that version; it
 * then becomes the trusted root. Any trusted timestamp, snapshot and targets are dropped when the
 * new root changes the timestamp or snapshot keys (§5.3.11).
 */
WH_MUST_CHECK enum wh_err wh_tuf_root_update(struct wh_tuf *t, struct wh_bytes json,
                                             struct wh_error *err);
/* Spec §5.3.10: after the last rotation the trusted root must not be expired (freeze attack). */
WH_MUST_CHECK enum wh_err wh_tuf_root_check_fresh(const struct wh_tuf *t, struct wh_error *err);

/*
 * Spec §5.4: timestamp.json, signed by the root's timestamp role. Versions may not go back from a
 * trusted timestamp (nor its snapshot version); an equal version keeps the trusted one. Expiry is
 * checked last. `trusted_state` loads a timestamp kept from an earlier run without the expiry
 * check (rollback protection only); it must still verify.
 */
WH_MUST_CHECK enum wh_err wh_tuf_timestamp_update(struct wh_tuf *t, struct wh_bytes json,
                                                  bool trusted_state, struct wh_error *err);
/* The snapshot version the timestamp names and the largest size to fetch for it. */
void wh_tuf_snapshot_want(const struct wh_tuf *t, int64_t *version, size_t *max);

/*
 * Spec §5.5: snapshot.json, matching the timestamp's length and hashes when it lists them, signed
 * by the snapshot role, with the version the timestamp names (mix-and-match); no file it lists
 * may have gone back from a trusted snapshot or disappeared. `trusted_state` as above (the
 * hash/version match to the timestamp is then skipped too: the timestamp may be newer).
 */
WH_MUST_CHECK enum wh_err wh_tuf_snapshot_update(struct wh_tuf *t, struct wh_bytes json,
                                                 bool trusted_state, struct wh_error *err);
/* The targets.json version the snapshot names and the largest size to fetch for it. */
WH_MUST_CHECK enum wh_err wh_tuf_targets_want(const struct wh_tuf *t, int64_t *version, size_t *max,
                                              struct wh_error *err);

/* Spec §5.6: targets.json against the snapshot's meta entry and the targets role. */
WH_MUST_CHECK enum wh_err wh_tuf_targets_update(struct wh_tuf *t, struct wh_bytes json,
                                                struct wh_error *err);

/* A target file as the trusted targets metadata describes it. */
struct wh_tuf_target {
    const char *name;
    size_t length;
    /* lowercase hex, "" when not listed; at least one of the two is set */
    char sha256[65];
    char sha512[129];
};

/*
 * Spec §5.7: the target `name` in the trusted top-level targets. WH_E_NOT_FOUND when absent
 * (delegated targets are not followed: the error says so when the metadata delegates). *out
 * borrows from `t`.
 */
WH_MUST_CHECK enum wh_err wh_tuf_target_find(const struct wh_tuf *t, const char *name,
                                             struct wh_tuf_target *out, struct wh_error *err);
/* The downloaded bytes have the target's exact length and every listed hash. */
WH_MUST_CHECK enum wh_err wh_tuf_target_verify(const struct wh_tuf_target *target,
                                               struct wh_bytes data, struct wh_error *err);

/*
 * Encodes the JSON text `json` as canonical JSON (the OLPC form TUF signs) into `out` (its cap
 * bounds the result: WH_E_LIMIT). Refuses duplicate keys, non-integers and integers outside int64
 * (WH_E_INVALID), nesting past 32 (WH_E_LIMIT). Exposed for tests and the fuzzer.
 */
WH_MUST_CHECK enum wh_err wh_tuf_canonical_json(struct wh_bytes json, struct wh_buf *out,
                                                struct wh_error *err);

#endif
