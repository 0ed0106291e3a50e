#ifndef WH_POLICY_IDENTITY_H
#define WH_POLICY_IDENTITY_H

#include <stdbool.h>

#include "policy/model.h"
#include "verify/cert.h"

/*
 * True when a verified certificate identity (verify/cert.h) satisfies a keyless signer of the
 * policy: SAN equal to `subject` or matching `subjectRegExp` as a whole (RE2 syntax, anchored by
 * the engine); OIDC issuer equal to `issuer` or matching `issuerRegExp`; every github claim and
 * extension given equal to the certificate's. github claims read Fulcio's newer extensions
 * (.12-.14, .20; the generation the issuer is read from, .8) and fall back to the GitHub ones
 * (.2-.6) when a certificate has only those; a certificate whose two generations disagree on a
 * claim the policy asks for fails, naming both values. repository compares to
 * sourceRepositoryURI without "https://github.com/" or to githubWorkflowRepository. A condition
 * the certificate cannot answer (no such extension) fails, as does a regex match that exceeds
 * its bounds. On false, *why says which condition failed, with the certificate's value
 * ("subject https://... does not match ^(?:...)$"); it is static or lives in `a`. Pure and
 * thread-safe.
 */
bool wh_policy_keyless_match(const struct wh_policy_keyless *k, const struct wh_cert_identity *id,
                             struct wh_arena *a, const char **why);

#endif
