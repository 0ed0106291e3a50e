#ifndef WH_TESTS_TESTSIGN_H
#define WH_TESTS_TESTSIGN_H

/*
 * Test-only signing with real OpenSSL keys: mint a key, export its public PEM, sign bytes the way
 * cosign does (ECDSA/RSA: SHA-256, DER; Ed25519: pure) and wrap payloads in DSSE envelopes. Output
 * lives in the arena; the EVP_PKEY is freed with the arena too. Aborts on any OpenSSL failure.
 */
#include <openssl/evp.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"
#include "verify/keys.h"

/* kind: "ec-p256", "ec-p384", "ec-p521", "ec-secp256k1", "rsa-1024", "rsa-2048", "rsa-3072",
 * "ed25519", "ed448". */
EVP_PKEY *testsign_key_new(const char *kind, struct wh_arena *a);
/* PEM "PUBLIC KEY" (SPKI) of the key's public half. */
struct wh_bytes testsign_pubkey_pem(EVP_PKEY *key, struct wh_arena *a);
/* The key's public half parsed as driftgate parses a signer's PEM (aborts when it does not parse).
 */
struct wh_verify_key *testsign_verify_key(EVP_PKEY *key, struct wh_arena *a);
/* A C string's bytes, not copied (a payload or a document written in the test). */
struct wh_bytes testsign_lit(const char *s);
/* Standard base64 decoded into the arena; {NULL, 0} for NULL or text that is not base64. */
struct wh_bytes testsign_b64(const char *s, struct wh_arena *a);
/* The `n` bytes an i2d_* call wrote to `der`, copied into the arena; `der` is freed. Aborts,
 * naming `what`, when the call failed (n <= 0). */
struct wh_bytes testsign_der_take(unsigned char *der, int n, const char *what, struct wh_arena *a);
/* DER-encoded SubjectPublicKeyInfo. */
struct wh_bytes testsign_pubkey_der(EVP_PKEY *key, struct wh_arena *a);
/* Signature over `data`: SHA-256 (or `md_name`, e.g. "SHA384", when non-NULL) for EC/RSA
 * (PKCS#1 v1.5), pure for Ed25519/Ed448. */
struct wh_bytes testsign_sign(EVP_PKEY *key, const char *md_name, struct wh_bytes data,
                              struct wh_arena *a);
/* DSSE PAE(type, payload) as the spec defines it, computed independently of verify/dsse.c. */
struct wh_bytes testsign_pae(const char *payload_type, struct wh_bytes payload, struct wh_arena *a);
/* {"payloadType":..,"payload":b64,"signatures":[{"keyid":"","sig":b64}]} signed by `key`. */
char *testsign_dsse_envelope(EVP_PKEY *key, const char *payload_type, struct wh_bytes payload,
                             struct wh_arena *a);
/* A cosign in-toto Statement v0.1 JSON for `digest` ("sha256:<hex>") with `predicate` JSON. */
char *testsign_statement(const char *digest, const char *predicate_type, const char *predicate,
                         struct wh_arena *a);
/* A cosign simple-signing payload for `digest`. */
char *testsign_simple_signing(const char *docker_reference, const char *digest, struct wh_arena *a);

#endif
