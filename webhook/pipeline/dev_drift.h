#ifndef WH_PIPELINE_DEV_DRIFT_H
#define WH_PIPELINE_DEV_DRIFT_H

#include "admission/request.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"

/*
 * Step 7 (DESIGN §1) for one production image `image` (parsed: `ref`) judged with facts `prod`
 * on platform `prod_platform` (a normalised name, or NULL): names its dev image (the caller's
 * `trusted` choice when not NULL, the attested one, or the rule's template with the admitted tag,
 * which must name the digest when both are given), resolves it, verifies its SBOM attestation
 * with the same rule's signers and diffs the two SBOMs into out->diff. A multi-arch dev image is
 * judged on the production image's platform (else the pod's). Sets out->dev_image,
 * out->dev_digest, out->dev_predicates; every failure lands in out->dev_error with its code (a
 * dev tag re-pointed at an image without a verified SBOM is missing evidence, not an error
 * onError may wave through). Never fails.
 */
void wh_pipeline_dev_drift_check(const struct wh_image_check_ctx *ctx,
                                 const struct wh_policy_image *rule, const struct wh_image_ref *ref,
                                 const char *image, const char *trusted,
                                 const struct wh_pipeline_facts *prod,
                                 const struct wh_admission_platforms *platforms,
                                 const char *prod_platform, struct wh_image_result *out);

#endif
