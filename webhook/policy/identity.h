#ifndef WH_POLICY_IDENTITY_H
#define WH_POLICY_IDENTITY_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/error.h"
#include "policy/model.h"
#include "verify/cert.h"
#include "verify/keyless.h"

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

/*
 * What verify/ must demand of certificate-carrying material before the identity picks a signer:
 * any identity (the match comes after, wh_policy_identity_match), and the least transparencyLog
 * and timestamps any keyless signer among `signers` accepts (every tlog entry and timestamp
 * present must verify all the same); the matched signer is then held to its own demand. Pure.
 */
struct wh_bundle_policy wh_policy_identity_evidence(const struct wh_policy_signer *const *signers,
                                                    size_t n);

/*
 * The first keyless signer among `signers` whose conditions the verified identity of `r` meets
 * (wh_policy_keyless_match) and whose transparencyLog and timestamps the verified evidence of `r`
 * meets: its name is *signer_out (borrowed from the policy). Else WH_E_VERIFY naming the
 * certificate identity and why each keyless signer failed. Scratch in `a`. Pure.
 */
WH_MUST_CHECK enum wh_err wh_policy_identity_match(const struct wh_bundle_result *r,
                                                   const struct wh_policy_signer *const *signers,
                                                   size_t n, struct wh_arena *a,
                                                   const char **signer_out, struct wh_error *err);

/* "SAN (issuer ISSUER)" ("-" for an absent part), in `a`: a keyless signer's identity, which
 * signatures.count counts once. */
const char *wh_policy_identity_text(const struct wh_cert_identity *id, struct wh_arena *a);

#endif
