#ifndef WH_PIPELINE_ATTESTATIONS_H
#define WH_PIPELINE_ATTESTATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"
#include "verify/facts.h"

/*
 * Step 5-6 for cosign .att layers and for every verified in-toto statement (classic layer or
 * bundle referrer): recorded, then routed by its signed predicate type to the SBOM, provenance,
 * vulnerability, agent and dev-environment facts, each only from its own signers.
 */

/* devReference.from: attestation. */
bool wh_pipeline_attestations_dev_from(const struct wh_policy_image *rule);
/* The rule asks for any attestation (SBOM, provenance, vulnerabilities, agent, dev reference). */
bool wh_pipeline_attestations_wanted(const struct wh_policy_image *rule);

/*
 * cosign .att of out->facts.digest: every layer verified once (a key layer with the union of the
 * rule's attestation key signers, a certificate layer keyless against the trust root and the
 * union's keyless signers), each verified statement then taken (wh_pipeline_attestations_take).
 * One layer at a time in a scratch arena; what is kept is copied to `keep`.
 */
void wh_pipeline_attestations_check(const struct wh_image_check_ctx *ctx,
                                    const struct wh_image_ref *ref,
                                    const struct wh_policy_image *rule, struct wh_arena *keep,
                                    struct wh_pipeline_facts *out);
/* The same, on the .att tag fetched ahead (`pre`, pipeline/signatures.h; NULL: fetch now). */
struct wh_pipeline_cosign_fetch;
void wh_pipeline_attestations_check_fetched(const struct wh_image_check_ctx *ctx,
                                            const struct wh_image_ref *ref,
                                            const struct wh_policy_image *rule,
                                            const struct wh_pipeline_cosign_fetch *pre,
                                            struct wh_arena *keep, struct wh_pipeline_facts *out);

/* Every signer of the rule's attestation kinds (and of its signatures when `with_signatures`),
 * key and keyless, each once (by name), in `a`; returns how many. */
size_t wh_pipeline_attestations_signers(const struct wh_policy_image *rule, bool with_signatures,
                                        struct wh_arena *a, const struct wh_policy_signer ***out);

/*
 * A verified statement `att` (key, keyless or bundle; `what` i of n names it in details):
 * recorded in out->facts (room made by wh_pipeline_attestations_grow), then routed: the first
 * SBOM of the rule's type by one of its SBOM signers is parsed into out->sbom; provenance,
 * vulnerability, agent and dev-environment predicates go to `preds`.
 */
void wh_pipeline_attestations_take(const struct wh_image_check_ctx *ctx,
                                   const struct wh_policy_image *rule,
                                   const struct wh_attestation *att, struct wh_arena *keep,
                                   struct wh_pipeline_facts *out, struct wh_predicates *preds,
                                   const char *what, size_t i, size_t n);

/* Room for `more` attestations next to those already kept. */
void wh_pipeline_attestations_grow(struct wh_facts *facts, size_t more, struct wh_arena *keep);
/* The predicates being gathered for `out` (its own, or a new set in `keep`). */
struct wh_predicates *wh_pipeline_attestations_predicates(struct wh_pipeline_facts *out,
                                                          struct wh_arena *keep);
/* Sets out->facts.predicates to `preds` when they hold anything. */
void wh_pipeline_attestations_publish(struct wh_pipeline_facts *out, struct wh_predicates *preds);

#endif
