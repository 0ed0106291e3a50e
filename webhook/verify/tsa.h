#ifndef WH_VERIFY_TSA_H
#define WH_VERIFY_TSA_H

#include <time.h>

#include "base/error.h"
#include "base/str.h"
#include "trust/root.h"

/*
 * RFC 3161 signed timestamps as the signing time. `ts_der` is a DER TimeStampResp (status must be
 * granted or grantedWithMods) or a bare TimeStampToken (CMS SignedData); `signed_data` is what the
 * timestamp covers (for sigstore, the signature bytes). Checks, with OpenSSL's TS API: the message
 * imprint over `signed_data`, the CMS signature and ESS signing-certificate binding, the signer's
 * chain to the authority's root at genTime (not now: TSA chains may expire later), the signer's
 * critical timeStamping EKU, and genTime inside the authority's validity window (inclusive).
 * genTime may carry any number of fraction digits (0-3 in practice; sigstore's mock strips zeros).
 * On WH_OK *gen_time is genTime in whole seconds (fraction truncated). WH_E_INVALID for a malformed
 * token, WH_E_VERIFY for a failed check. Thread-safe; reads `tsa`/`root` only.
 */
#define WH_TSA_TOKEN_MAX (64 * 1024)

WH_MUST_CHECK enum wh_err wh_verify_timestamp_with(struct wh_bytes ts_der,
                                                   struct wh_bytes signed_data,
                                                   const struct wh_trust_authority *tsa,
                                                   time_t *gen_time, struct wh_error *err);

/* The same against every timestamp authority of `root`: WH_OK with the first that verifies it. */
WH_MUST_CHECK enum wh_err wh_verify_timestamp(struct wh_bytes ts_der, struct wh_bytes signed_data,
                                              const struct wh_trust_root *root, time_t *gen_time,
                                              struct wh_error *err);

#endif
