#ifndef WH_VERIFY_SCT_H
#define WH_VERIFY_SCT_H

#include <openssl/x509.h>

#include "base/error.h"
#include "trust/root.h"

/*
 * Verifies the SCTs embedded in `leaf` (extension 1.3.6.1.4.1.11129.2.4.2) against the CT logs of
 * `root`, RFC 6962 §3.2: each SCT signs the precertificate entry, i.e. the leaf's TBSCertificate
 * without the SCT extension and the SHA-256 of `issuer`'s SubjectPublicKeyInfo. An SCT counts when
 * a CT log with its log ID is valid at the SCT's timestamp and its signature verifies. WH_OK when
 * at least one counts (threshold 1, as sigstore-go and cosign); otherwise WH_E_VERIFY "no valid
 * SCT" with the reason of the first SCT (unknown log, bad signature) or "no embedded SCT".
 */
WH_MUST_CHECK enum wh_err wh_verify_sct(const X509 *leaf, const X509 *issuer,
                                        const struct wh_trust_root *root, struct wh_error *err);

#endif
