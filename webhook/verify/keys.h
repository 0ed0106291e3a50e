#ifndef WH_VERIFY_KEYS_H
#define WH_VERIFY_KEYS_H

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * Public keys a signer is pinned to: ECDSA P-256/P-384/P-521, RSA (2048..16384 bits) and Ed25519.
 * Opaque; the key lives in the arena it was parsed into (released by wh_arena_fini). A parsed key
 * is immutable, so one may be shared by threads that only verify with it.
 */
struct wh_verify_key;

/* Largest PEM accepted (an RSA-16384 SPKI is about 2.8 KiB). */
#define WH_VERIFY_KEY_PEM_MAX 16384

/*
 * Parses one PEM "PUBLIC KEY" block (SubjectPublicKeyInfo). Rejects other key types, other curves
 * and RSA keys under 2048 bits with WH_E_INVALID naming what was found; WH_E_LIMIT past
 * WH_VERIFY_KEY_PEM_MAX. *out is valid only on WH_OK and lives as long as `a`.
 */
WH_MUST_CHECK enum wh_err wh_verify_key_parse(struct wh_bytes pem, struct wh_arena *a,
                                              struct wh_verify_key **out, struct wh_error *err);
/*
 * For a command that never verifies (`driftgate diff`): the checks of wh_verify_key_parse that
 * need no OpenSSL (whose first key decode costs ~9M instructions of provider and decoder setup):
 * the size, the "PUBLIC KEY" block, its base64, the SubjectPublicKeyInfo's DER shape and a
 * supported algorithm and curve (another is named by its OID). Not checked: the key itself (an
 * EC point off its curve, RSA's size), nor BER forms OpenSSL tolerates (an indefinite length).
 * The key verifies nothing: wh_verify_key_signature fails with WH_E_INTERNAL (deny);
 * wh_verify_key_type is "ecdsa-p256", "rsa", ...; wh_verify_key_spki_der gives its DER as written.
 * tests/fuzz/key_check.c: every key the parse accepts, re-encoded as DER, passes with its type.
 */
WH_MUST_CHECK enum wh_err wh_verify_key_check(struct wh_bytes pem, struct wh_arena *a,
                                              struct wh_verify_key **out, struct wh_error *err);
/* The same from DER SubjectPublicKeyInfo (trusted_root.json "rawBytes"). */
WH_MUST_CHECK enum wh_err wh_verify_key_parse_der(struct wh_bytes der, struct wh_arena *a,
                                                  struct wh_verify_key **out, struct wh_error *err);

/* "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-<bits>" or "ed25519"; lives as long as the key. */
const char *wh_verify_key_type(const struct wh_verify_key *key);

/* "ecdsa-p256, ed25519": the keys' types for a message, cut at `cap` (buf is always a string). */
void wh_verify_keys_describe(const struct wh_verify_key *const *keys, size_t n_keys, char *buf,
                             size_t cap);

/* The key's DER SubjectPublicKeyInfo (what a Rekor entry body names), copied into `a`. */
WH_MUST_CHECK enum wh_err wh_verify_key_spki_der(const struct wh_verify_key *key,
                                                 struct wh_arena *a, struct wh_bytes *out,
                                                 struct wh_error *err);

/*
 * Checks `sig` over `data`. ECDSA: DER signature, SHA-256 (cosign's default for every curve), and
 * for P-384/P-521 also SHA-384/SHA-512 (sigstore-go's choice for those curves). RSA: PKCS#1 v1.5
 * then PSS, SHA-256. Ed25519: pure, over `data`. WH_OK only when OpenSSL returned exactly 1;
 * WH_E_VERIFY when the signature does not match, WH_E_INVALID when it is not even well-formed for
 * the key (bad DER). Thread-safe for a shared key.
 */
WH_MUST_CHECK enum wh_err wh_verify_key_signature(const struct wh_verify_key *key,
                                                  struct wh_bytes data, struct wh_bytes sig,
                                                  struct wh_error *err);

#endif
