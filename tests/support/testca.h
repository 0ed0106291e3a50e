#ifndef WH_TESTS_TESTCA_H
#define WH_TESTS_TESTCA_H

/*
 * Test-only Fulcio look-alike: mints CA and leaf certificates with real OpenSSL (SAN, code signing
 * EKU, Fulcio OIDC issuer and workflow extensions, embedded SCTs signed by a CT key) and writes
 * trusted_root.json documents for them. Objects are freed with the arena; aborts on OpenSSL errors.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <time.h>

#include "base/arena.h"
#include "base/str.h"

X509 *testca_root_new(EVP_PKEY *key, const char *cn, time_t not_before, time_t not_after,
                      struct wh_arena *a);
/* An intermediate CA signed by issuer/issuer_key. */
X509 *testca_intermediate_new(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                              time_t not_before, time_t not_after, struct wh_arena *a);

struct testca_ext {
    const char *oid;
    const char *value;
    bool der_utf8; /* DER UTF8String (Fulcio .8 and later) or raw bytes (.1-.6) */
};

struct testca_leaf {
    const char *san_uri, *san_email; /* one or both (both: two SAN identities) */
    const struct testca_ext *exts;   /* extra extensions, e.g. issuer .1.1/.1.8 */
    size_t n_exts;
    bool no_eku;
    time_t not_before, not_after;
    EVP_PKEY *ct_key; /* sign an embedded SCT with it; NULL = no SCT extension */
    time_t sct_time;
    bool sct_corrupt; /* flip a signature byte */
    bool sct_ext;     /* give the SCT a non-empty extensions field */
};

X509 *testca_leaf_new(const struct testca_leaf *o, EVP_PKEY *leaf_key, X509 *issuer,
                      EVP_PKEY *issuer_key, struct wh_arena *a);
struct wh_bytes testca_der(X509 *x, struct wh_arena *a);
char *testca_pem(X509 *x, struct wh_arena *a);

/* trusted_root.json with one CA (chain, leafmost first), one tlog and one CT log key, all
 * valid from `start` (ISO) to `end` (ISO or NULL). */
char *testca_trusted_root(X509 *const *chain, size_t n_chain, EVP_PKEY *tlog_key, EVP_PKEY *ct_key,
                          const char *start, const char *end, struct wh_arena *a);

#endif
